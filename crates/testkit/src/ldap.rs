//! A private OpenLDAP server (Debian's `slapd`; `ldap-utils` for its tools) on free loopback
//! ports, plain/StartTLS and LDAPS, with a small directory of people and a group, for the tests
//! of LDAP sign-in; stopped and its folder removed when dropped.

use std::fs::File;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The suffix of the test directory.
const BASE_DN: &str = "dc=nichoir,dc=test";
/// The directory manager (bypasses access control), used by [`LdapServer::modify`].
const ROOT_DN: &str = "cn=admin,dc=nichoir,dc=test";
const ROOT_PASSWORD: &str = "root-secret";
/// The service account that may read everything (but passwords).
const READER_DN: &str = "cn=reader,dc=nichoir,dc=test";
const READER_PASSWORD: &str = "reader-secret";

pub struct LdapServer {
    /// `ldap://127.0.0.1:P`: plain LDAP, where StartTLS works too.
    pub url: String,
    /// `ldaps://127.0.0.1:Q`: TLS from the first byte.
    pub ldaps_url: String,
    /// The PEM certificate of the test CA that signed the server's (IP 127.0.0.1, localhost).
    pub ca_file: PathBuf,
    /// Where the directory's entries live: `dc=nichoir,dc=test`.
    pub base_dn: String,
    /// The service account a client binds as to look users up: `cn=reader,dc=nichoir,dc=test`.
    pub bind_dn: String,
    /// The service account's password.
    pub bind_password: String,
    child: Option<Child>,
    ldap_port: u16,
    ldaps_port: u16,
    conf: PathBuf,
    dir: TempDir,
}

/// Debian puts the server programs in /usr/sbin, which a PATH may lack.
fn sbin(name: &str) -> PathBuf {
    let in_sbin = Path::new("/usr/sbin").join(name);
    if in_sbin.exists() {
        in_sbin
    } else {
        PathBuf::from(name)
    }
}

/// Runs a setup command; panics with its error output when it fails.
fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what} could not run ({e}); is it installed?"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Two distinct free loopback ports (both held while picked, so they differ).
fn two_free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = |l: &TcpListener| l.local_addr().expect("a free port").port();
    (port(&a), port(&b))
}

/// A test CA and a server certificate for 127.0.0.1/localhost it signed (P-256: quick to make).
fn make_certificates(dir: &Path) {
    let p = |name: &str| dir.join(name);
    run(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:P-256", "-nodes", "-days", "30"])
            .args(["-subj", "/CN=Nichoir test CA"])
            .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"])
            .arg("-keyout")
            .arg(p("ca.key"))
            .arg("-out")
            .arg(p("ca.pem")),
        "openssl (making the test CA)",
    );
    run(
        Command::new("openssl")
            .args(["req", "-new", "-newkey", "ec", "-pkeyopt"])
            .args([
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=127.0.0.1",
            ])
            .arg("-keyout")
            .arg(p("server.key"))
            .arg("-out")
            .arg(p("server.csr")),
        "openssl (making the server key)",
    );
    std::fs::write(
        p("server.ext"),
        "basicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature\n\
         extendedKeyUsage = serverAuth\n\
         subjectKeyIdentifier = hash\n\
         authorityKeyIdentifier = keyid\n\
         subjectAltName = IP:127.0.0.1, DNS:localhost\n",
    )
    .expect("writing server.ext");
    run(
        Command::new("openssl")
            .args(["x509", "-req", "-days", "30", "-set_serial", "2"])
            .arg("-in")
            .arg(p("server.csr"))
            .arg("-CA")
            .arg(p("ca.pem"))
            .arg("-CAkey")
            .arg(p("ca.key"))
            .arg("-extfile")
            .arg(p("server.ext"))
            .arg("-out")
            .arg(p("server.pem")),
        "openssl (signing the server certificate)",
    );
}

/// The old-style configuration: schemas, TLS, one mdb database and its access rules.
fn slapd_conf(dir: &Path) -> String {
    let p = |name: &str| dir.join(name).display().to_string();
    format!(
        r#"include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema

pidfile "{pid}"
argsfile "{args}"
modulepath /usr/lib/ldap
moduleload back_mdb

TLSCACertificateFile "{ca}"
TLSCertificateFile "{cert}"
TLSCertificateKeyFile "{key}"

database mdb
suffix "{BASE_DN}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory "{db}"
index objectClass eq
index uid eq

access to attrs=userPassword
    by anonymous auth
    by self write
    by * none
access to *
    by dn.exact="{READER_DN}" read
    by self read
    by users read
    by anonymous auth
"#,
        pid = p("slapd.pid"),
        args = p("slapd.args"),
        ca = p("ca.pem"),
        cert = p("server.pem"),
        key = p("server.key"),
        db = p("db"),
    )
}

/// One person under ou=people: mail `{name}@nichoir.test`, password `{name}-password`.
fn person(uid: &str, cn: &str, name: &str, extra: &str) -> String {
    let sn = cn.rsplit(' ').next().unwrap_or(cn);
    format!(
        "dn: uid={uid},ou=people,{BASE_DN}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {cn}\n\
         sn: {sn}\nmail: {name}@nichoir.test\nuserPassword: {name}-password\n{extra}\n"
    )
}

/// The directory the tests know: the reader, four people (Carol disabled, a uid "admin"), and
/// the group nichoir-admins holding Alice.
fn data_ldif() -> String {
    let mut ldif = format!(
        "dn: {BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\n\
         dc: nichoir\no: Nichoir\n\n\
         dn: ou=people,{BASE_DN}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{BASE_DN}\nobjectClass: organizationalUnit\nou: groups\n\n\
         dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n\
         cn: reader\nuserPassword: {READER_PASSWORD}\n\n"
    );
    ldif += &person("alice", "Alice Martin", "alice", "");
    ldif += &person("bob", "Bob Durand", "bob", "");
    ldif += &person("carol", "Carol Petit", "carol", "employeeType: disabled\n");
    // A directory user whose uid is a likely local username.
    ldif += &person("admin", "Directory Admin", "dadmin", "");
    ldif += &format!(
        "dn: cn=nichoir-admins,ou=groups,{BASE_DN}\nobjectClass: groupOfNames\n\
         cn: nichoir-admins\nmember: uid=alice,ou=people,{BASE_DN}\n"
    );
    ldif
}

impl LdapServer {
    /// Starts one on free ports with a fresh directory; panics (a test's failure) when it cannot.
    pub fn start() -> LdapServer {
        let dir = tempfile::tempdir().expect("a temporary folder for slapd");
        let path = dir.path().to_path_buf();
        make_certificates(&path);
        std::fs::create_dir(path.join("db")).expect("creating the database folder");
        let conf = path.join("slapd.conf");
        std::fs::write(&conf, slapd_conf(&path)).expect("writing slapd.conf");
        std::fs::write(path.join("data.ldif"), data_ldif()).expect("writing data.ldif");
        run(
            Command::new(sbin("slapadd"))
                .arg("-q")
                .arg("-f")
                .arg(&conf)
                .arg("-l")
                .arg(path.join("data.ldif")),
            "slapadd (Debian's `slapd`)",
        );
        let (ldap_port, ldaps_port) = two_free_ports();
        let mut server = LdapServer {
            url: format!("ldap://127.0.0.1:{ldap_port}"),
            ldaps_url: format!("ldaps://127.0.0.1:{ldaps_port}"),
            ca_file: path.join("ca.pem"),
            base_dn: BASE_DN.to_string(),
            bind_dn: READER_DN.to_string(),
            bind_password: READER_PASSWORD.to_string(),
            child: None,
            ldap_port,
            ldaps_port,
            conf,
            dir,
        };
        server.start_again();
        server
    }

    /// Stops slapd (to test "directory down"); `start_again` brings it back on the same ports with
    /// the same data.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts slapd again (after `stop`; restarts it when running) and waits until it listens.
    pub fn start_again(&mut self) {
        self.stop();
        let log_path = self.dir.path().join("slapd.log");
        let log = File::create(&log_path).expect("creating slapd.log");
        // `-d none`: stays in the foreground (so `Child::kill` stops it) and logs only errors;
        // `-d 0` would hide even those.
        let child = Command::new(sbin("slapd"))
            .arg("-f")
            .arg(&self.conf)
            .arg("-h")
            .arg(format!("{}/ {}/", self.url, self.ldaps_url))
            .args(["-d", "none"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("slapd (Debian's `slapd`)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        for port in [self.ldap_port, self.ldaps_port] {
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                let exited = self
                    .child
                    .as_mut()
                    .and_then(|c| c.try_wait().ok().flatten());
                if let Some(status) = exited {
                    self.child = None;
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    panic!("slapd exited ({status}) before listening:\n{log}");
                }
                if Instant::now() >= deadline {
                    self.stop();
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    panic!("slapd did not listen on port {port} within 30 s:\n{log}");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// Runs `ldapmodify` as the rootdn with the given LDIF (e.g. to disable a user mid-test).
    pub fn modify(&self, ldif: &str) {
        let mut child = Command::new("ldapmodify")
            .args(["-x", "-H", &self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ldapmodify (Debian's `ldap-utils`)");
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(ldif.as_bytes())
                .expect("writing to ldapmodify");
        }
        let out = child.wait_with_output().expect("ldapmodify");
        assert!(
            out.status.success(),
            "ldapmodify failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for LdapServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "uid=alice,ou=people,dc=nichoir,dc=test";

    /// `ldapwhoami` as Alice with the password given.
    fn whoami(url: &str, password: &str, extra: &[&str], ca: Option<&Path>) -> Output {
        let mut cmd = Command::new("ldapwhoami");
        cmd.args(["-x", "-H", url, "-D", ALICE, "-w", password])
            .args(extra);
        if let Some(ca) = ca {
            cmd.env("LDAPTLS_CACERT", ca);
        }
        cmd.output().expect("ldapwhoami (Debian's `ldap-utils`)")
    }

    /// `ldapsearch` as the reader; its LDIF output.
    fn search(s: &LdapServer, base: &str, filter: &str) -> String {
        let out = Command::new("ldapsearch")
            .args(["-LLL", "-x", "-H", &s.url, "-D", &s.bind_dn])
            .args(["-w", &s.bind_password, "-b", base, filter, "employeeType"])
            .output()
            .expect("ldapsearch (Debian's `ldap-utils`)");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn ldap_server_binds_searches_and_speaks_tls() {
        let mut s = LdapServer::start();

        let ok = whoami(&s.url, "alice-password", &[], None);
        assert!(ok.status.success(), "{ok:?}");
        assert!(String::from_utf8_lossy(&ok.stdout).contains(ALICE));
        assert!(!whoami(&s.url, "wrong", &[], None).status.success());

        let carol = search(&s, &s.base_dn, "(uid=carol)");
        assert!(carol.contains("dn: uid=carol,ou=people,dc=nichoir,dc=test"));
        assert!(carol.contains("employeeType: disabled"), "{carol}");

        let starttls = whoami(&s.url, "alice-password", &["-ZZ"], Some(&s.ca_file));
        assert!(starttls.status.success(), "{starttls:?}");
        let ldaps = whoami(&s.ldaps_url, "alice-password", &[], Some(&s.ca_file));
        assert!(ldaps.status.success(), "{ldaps:?}");

        // A change, the directory down, then back with its data.
        s.modify(&format!(
            "dn: {ALICE}\nchangetype: modify\nreplace: employeeType\nemployeeType: disabled\n"
        ));
        s.stop();
        assert!(!whoami(&s.url, "alice-password", &[], None).status.success());
        s.start_again();
        assert!(whoami(&s.url, "alice-password", &[], None).status.success());
        assert!(search(&s, &s.base_dn, "(uid=alice)").contains("employeeType: disabled"));
    }
}
