//! PostgreSQL's side of `nichoir backup` and `restore`, done with PostgreSQL's own tools.
//!
//! The snapshot is `pg_dump --format=custom`: it reads the whole database in one repeatable-read
//! transaction, so the dump is consistent while the server keeps writing, and it is the format
//! every newer `pg_restore` reads. A restore pipes `pg_restore`'s SQL script into `psql` inside
//! one transaction that first drops what Nichoir made in its schema: the database then equals
//! the snapshot (tables added by a later migration included), or, on any error, is unchanged.
//! `COMMIT` is sent only once `pg_restore` has written its whole script, so a dump that breaks
//! half-way never commits half a database.
//!
//! The tools connect as Nichoir does: the parsed `storage.url` becomes libpq's environment
//! variables (the command line would show the password to anyone running `ps`), and every `PG*`
//! variable of our own environment is removed first so that none redirects them elsewhere.
//!
//! Nothing here runs on an async runtime: the caller is the command line or a blocking task, and
//! the synchronous client (which drives a runtime of its own) runs on a plain thread.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use postgres::config::{Host, TargetSessionAttrs};

use crate::sql::Connection;
use crate::StorageError;

/// What a host must install when a tool is missing or too old.
const INSTALL: &str = "install PostgreSQL's client tools, at least the server's major version \
    (Debian/Ubuntu: `apt install postgresql-client`; a major version newer than the release \
    ships comes from apt.postgresql.org's `postgresql-client-NN`)";

/// Where Debian and Ubuntu put each installed major version's programs, besides PATH.
const DEBIAN_BINS: &str = "/usr/lib/postgresql";

/// How long a restore waits for the connections of a server that was just stopped to go.
const OTHERS_GRACE: Duration = Duration::from_secs(5);

/// Run first, in the restore's transaction: drops the tables, views, sequences and functions of
/// the schema Nichoir's migrations created them in (`current_schema()`), except those that
/// belong to an extension (`unaccent` stays; the dump's `CREATE EXTENSION IF NOT EXISTS` keeps
/// it). The names are collected before anything is dropped, and each drop says `IF EXISTS`:
/// a `CASCADE` may already have taken one (a table's identity sequence, a view on a table).
const DROP_NICHOIR_OBJECTS: &str = r#"
SET client_min_messages = warning;
SET lock_timeout = '60s';
DO $nichoir_restore$
DECLARE
    victims text[];
    victim text;
BEGIN
    SELECT coalesce(array_agg(format('DROP %s IF EXISTS %I.%I CASCADE',
               CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                              WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
               n.nspname, c.relname)), '{}')
      INTO victims
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e');
    FOREACH victim IN ARRAY victims LOOP EXECUTE victim; END LOOP;
    SELECT coalesce(array_agg(format('DROP SEQUENCE IF EXISTS %I.%I CASCADE',
               n.nspname, c.relname)), '{}')
      INTO victims
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'S'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e');
    FOREACH victim IN ARRAY victims LOOP EXECUTE victim; END LOOP;
    SELECT coalesce(array_agg(format('DROP ROUTINE IF EXISTS %s CASCADE',
               p.oid::regprocedure)), '{}')
      INTO victims
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = current_schema()
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e');
    FOREACH victim IN ARRAY victims LOOP EXECUTE victim; END LOOP;
END
$nichoir_restore$;
"#;

/// libpq's environment for one connection.
type Env = Vec<(&'static str, OsString)>;

/// The environment that makes libpq's tools connect where `config` points, as `config` says.
pub(crate) fn connection_env(target: &crate::pg::PgTarget) -> Result<Env, StorageError> {
    let config: &postgres::Config = target;
    let mut env: Env = Vec::new();
    let mut hosts = Vec::new();
    for host in config.get_hosts() {
        let text = match host {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(dir) => dir
                .to_str()
                .ok_or_else(|| {
                    StorageError::Invalid(format!(
                        "storage.url: the socket folder {} is not UTF-8",
                        dir.display()
                    ))
                })?
                .to_string(),
        };
        // libpq reads PGHOST as a comma-separated list.
        if text.contains(',') {
            return Err(StorageError::Invalid(format!(
                "storage.url: the host {text:?} has a comma, which PostgreSQL's tools would read \
                 as two hosts"
            )));
        }
        hosts.push(text);
    }
    if !hosts.is_empty() {
        env.push(("PGHOST", hosts.join(",").into()));
    }
    let addrs: Vec<String> = config
        .get_hostaddrs()
        .iter()
        .map(ToString::to_string)
        .collect();
    if !addrs.is_empty() {
        env.push(("PGHOSTADDR", addrs.join(",").into()));
    }
    let ports: Vec<String> = config.get_ports().iter().map(ToString::to_string).collect();
    if !ports.is_empty() {
        env.push(("PGPORT", ports.join(",").into()));
    }
    if let Some(user) = config.get_user() {
        env.push(("PGUSER", user.into()));
    }
    if let Some(password) = config.get_password() {
        env.push(("PGPASSWORD", os_string(password)?));
    }
    // Without a database name both libpq and tokio-postgres use the user's.
    if let Some(db) = config.get_dbname().or(config.get_user()) {
        env.push(("PGDATABASE", db.into()));
    }
    if let Some(options) = config.get_options() {
        env.push(("PGOPTIONS", options.into()));
    }
    env.push((
        "PGAPPNAME",
        config.get_application_name().unwrap_or("nichoir").into(),
    ));
    let (ssl, root) = target.libpq_ssl();
    env.push(("PGSSLMODE", ssl.into()));
    if let Some(root) = root {
        env.push(("PGSSLROOTCERT", root.into()));
    }
    match config.get_target_session_attrs() {
        TargetSessionAttrs::Any => {}
        TargetSessionAttrs::ReadWrite => env.push(("PGTARGETSESSIONATTRS", "read-write".into())),
        _ => env.push(("PGTARGETSESSIONATTRS", "read-only".into())),
    }
    // libpq waits forever by default; a scheduled backup should fail and say so instead.
    let timeout = config
        .get_connect_timeout()
        .map_or(30, |t| t.as_secs().max(2));
    env.push(("PGCONNECT_TIMEOUT", timeout.to_string().into()));
    Ok(env)
}

#[cfg(unix)]
fn os_string(bytes: &[u8]) -> Result<OsString, StorageError> {
    use std::os::unix::ffi::OsStringExt;
    Ok(OsString::from_vec(bytes.to_vec()))
}

#[cfg(not(unix))]
fn os_string(bytes: &[u8]) -> Result<OsString, StorageError> {
    String::from_utf8(bytes.to_vec())
        .map(OsString::from)
        .map_err(|_| StorageError::Invalid("storage.url: the password is not UTF-8".into()))
}

/// `tool` with exactly `env` as its libpq environment and no standard input (it must never
/// wait for a password on a terminal).
fn command(tool: &Path, env: &Env) -> Command {
    let mut c = Command::new(tool);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            c.env_remove(key);
        }
    }
    c.envs(env.iter().map(|(k, v)| (k, v))).stdin(Stdio::null());
    c
}

/// The major version in a `--version` line ("pg_dump (PostgreSQL) 15.18 (Debian …)" → 15,
/// "17beta1" → 17).
pub(crate) fn major_of(version_line: &str) -> Option<u32> {
    let after = version_line
        .split_once(')')
        .map_or(version_line, |(_, rest)| rest);
    let word = after
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    let digits: String = word.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A folder holding the PostgreSQL programs a step needs, all of one version.
#[derive(Debug, Clone)]
pub(crate) struct Tools {
    dir: PathBuf,
    /// The first program's `--version` line, e.g. "pg_dump (PostgreSQL) 15.18".
    pub(crate) version: String,
    pub(crate) major: u32,
}

impl Tools {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// Folders to look in: PATH first (the host's choice), then each installed major version of
/// Debian's layout, oldest first.
fn candidate_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_BINS)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let e = e.ok()?;
            let major = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((major, e.path().join("bin")))
        })
        .collect();
    debian.sort();
    dirs.extend(debian.into_iter().map(|(_, d)| d));
    dirs
}

fn is_program(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The `--version` line of `tool`, run with `env` (Debian's `/usr/bin` wrappers choose the
/// version they run from it, so it is asked as it will be run).
fn version_of(tool: &Path, env: &Env) -> Option<(String, u32)> {
    let out = command(tool, env).arg("--version").output().ok()?;
    if !out.status.success() {
        return None;
    }
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()?
        .trim()
        .to_string();
    let major = major_of(&line)?;
    Some((line, major))
}

/// The folder with all of `names` whose version is the oldest at least `min_major`: the closest
/// to the server, so the script `pg_restore` writes has nothing the server does not know.
/// `why` says where `min_major` comes from, for the message when nothing fits.
pub(crate) fn find_tools(
    names: &[&str],
    min_major: u32,
    why: &str,
    env: &Env,
) -> Result<Tools, StorageError> {
    find_tools_in(candidate_dirs(), names, min_major, why, env)
}

fn find_tools_in(
    dirs: Vec<PathBuf>,
    names: &[&str],
    min_major: u32,
    why: &str,
    env: &Env,
) -> Result<Tools, StorageError> {
    let mut found: Vec<Tools> = Vec::new();
    for dir in dirs {
        if found.iter().any(|t| t.dir == dir) || !names.iter().all(|n| is_program(&dir.join(n))) {
            continue;
        }
        let Some(first) = names.first() else { break };
        if let Some((version, major)) = version_of(&dir.join(first), env) {
            found.push(Tools {
                dir,
                version,
                major,
            });
        }
    }
    let list = names.join(", ");
    if let Some(best) = found
        .iter()
        .filter(|t| t.major >= min_major)
        .min_by_key(|t| t.major)
    {
        return Ok(best.clone());
    }
    if found.is_empty() {
        return Err(StorageError::Invalid(format!(
            "{list} not found on PATH nor in {DEBIAN_BINS}/*/bin: {INSTALL}"
        )));
    }
    let seen: Vec<String> = found
        .iter()
        .map(|t| format!("{} ({})", t.dir.display(), t.version))
        .collect();
    Err(StorageError::Invalid(format!(
        "{list} of PostgreSQL {min_major} or newer are needed ({why}); found only {}: {INSTALL}",
        seen.join(", ")
    )))
}

/// Runs `f` on a thread of its own: the synchronous client starts (and, when dropped, stops) a
/// runtime of its own, which must not happen on a thread driving async tasks.
fn on_plain_thread<R: Send>(
    f: impl FnOnce() -> Result<R, StorageError> + Send,
) -> Result<R, StorageError> {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .map_err(|_| StorageError::Invalid("the PostgreSQL client panicked".into()))?
    })
}

/// The server behind `storage.url`, as a backup or a restore needs to know it.
struct Server {
    /// "PostgreSQL 15.18 (Debian 15.18-0+deb12u1)".
    version: String,
    major: u32,
}

fn server(config: &crate::pg::PgTarget, alone: bool) -> Result<Server, StorageError> {
    on_plain_thread(|| {
        let client = crate::pg::pg_client(config)
            .map_err(|e| StorageError::Invalid(format!("cannot reach the database: {e}")))?;
        let conn = Connection::from_pg(client);
        let (num, version): (i64, String) = conn.query_row(
            "SELECT current_setting('server_version_num')::bigint, current_setting('server_version')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if alone {
            // A database the server would refuse to start on (too old, wrong locale) is
            // refused before its content is replaced, not after.
            crate::db::check_postgres(&conn)?;
            refuse_other_sessions(&conn)?;
        }
        Ok(Server {
            version: format!("PostgreSQL {version}"),
            major: u32::try_from(num / 10_000).unwrap_or(0),
        })
    })
}

/// A restore replaces every table: any other session on the database (a Nichoir node on another
/// machine, whose data folder lock this one cannot see) would find them gone under it. The
/// connections of a server stopped a moment ago may take a little while to end.
fn refuse_other_sessions(conn: &Connection) -> Result<(), StorageError> {
    let start = Instant::now();
    loop {
        let mut st = conn.prepare(
            "SELECT coalesce(nullif(application_name, ''), 'a client') || ' from '
                    || coalesce(host(client_addr), 'a local socket')
               FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND backend_type = 'client backend'
              ORDER BY backend_start",
        )?;
        let others: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
        if others.is_empty() {
            return Ok(());
        }
        if start.elapsed() > OTHERS_GRACE {
            let name: String = conn.query_row("SELECT current_database()", [], |r| r.get(0))?;
            return Err(StorageError::Invalid(format!(
                "{} other connection(s) to database {name} ({}): stop every Nichoir server \
                 using it (and other clients) before restoring",
                others.len(),
                others.join(", ")
            )));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Waits for `child`, reading its standard error; an exit other than 0 is an error that quotes
/// what it said.
fn finish(child: Child, what: &str) -> Result<Vec<u8>, StorageError> {
    let out = child.wait_with_output()?;
    if out.status.success() {
        return Ok(out.stdout);
    }
    Err(failed(what, out.status, &out.stderr))
}

fn failed(what: &str, status: std::process::ExitStatus, stderr: &[u8]) -> StorageError {
    let said = String::from_utf8_lossy(stderr);
    let said = said.trim();
    StorageError::Invalid(if said.is_empty() {
        format!("{what} failed ({status})")
    } else {
        format!("{what} failed ({status}): {said}")
    })
}

/// The database behind `storage.url` and the tools that dump and restore it.
pub(crate) struct PgTarget {
    env: Env,
    tools: Tools,
    /// "PostgreSQL 15.18 (…)".
    pub(crate) server: String,
}

impl PgTarget {
    /// For a backup: `pg_dump` (and `pg_restore`, which reads the schema versions back from the
    /// dump) at least as new as the server, which `pg_dump` requires.
    pub(crate) fn for_backup(url: &str) -> Result<PgTarget, StorageError> {
        let config = crate::pg::pg_config(url, "storage.url")?;
        let env = connection_env(&config)?;
        let server = server(&config, false)?;
        let tools = find_tools(
            &["pg_dump", "pg_restore"],
            server.major,
            &format!("the database server is {}", server.version),
            &env,
        )?;
        Ok(PgTarget {
            env,
            tools,
            server: server.version,
        })
    }

    /// For a restore: no other session on the database, and tools at least as new as the server
    /// and as the `pg_dump` that made the dump (`pg_restore` reads no newer archive).
    pub(crate) fn for_restore(
        url: &str,
        dumped_with: Option<&str>,
    ) -> Result<PgTarget, StorageError> {
        let config = crate::pg::pg_config(url, "storage.url")?;
        let env = connection_env(&config)?;
        let server = server(&config, true)?;
        let dump_major = dumped_with.and_then(major_of).unwrap_or(0);
        let (min, why) = if dump_major > server.major {
            (
                dump_major,
                format!("the backup was made with {}", dumped_with.unwrap_or("")),
            )
        } else {
            (
                server.major,
                format!("the database server is {}", server.version),
            )
        };
        let tools = find_tools(&["pg_dump", "pg_restore", "psql"], min, &why, &env)?;
        Ok(PgTarget {
            env,
            tools,
            server: server.version,
        })
    }

    /// The `--version` line of the tools used.
    pub(crate) fn tools_version(&self) -> &str {
        &self.tools.version
    }

    /// Writes a snapshot of the whole database to `file`.
    pub(crate) fn dump(&self, file: &Path) -> Result<(), StorageError> {
        let child = command(&self.tools.path("pg_dump"), &self.env)
            .args([
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--no-password",
                // Behind a lock that does not go (a migration stuck in a transaction), fail
                // and say so rather than hang a scheduled backup forever.
                "--lock-wait-timeout=120000",
            ])
            .arg("--file")
            .arg(file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| StorageError::Invalid(format!("cannot run pg_dump: {e}")))?;
        finish(child, "pg_dump")?;
        Ok(())
    }

    /// The schema versions (component → highest version) in a dump's `_migrations` table;
    /// empty when it has none. Reading it is also the proof that `pg_restore` can read the dump.
    pub(crate) fn schema_of(&self, file: &Path) -> Result<Vec<(String, u32)>, StorageError> {
        let child = command(&self.tools.path("pg_restore"), &self.env)
            .args(["--data-only", "--table=_migrations", "--file=-"])
            .arg(file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| StorageError::Invalid(format!("cannot run pg_restore: {e}")))?;
        let script = finish(child, "pg_restore (reading the dump)")?;
        migrations_in_script(&String::from_utf8_lossy(&script))
    }

    /// Replaces the database's content with the dump's, in one transaction.
    pub(crate) fn replace_with(&self, file: &Path) -> Result<(), StorageError> {
        let mut restore = command(&self.tools.path("pg_restore"), &self.env)
            .args([
                "--no-owner",
                "--no-privileges",
                // `COMMENT ON EXTENSION` needs the extension's owner, often not Nichoir's role.
                "--no-comments",
                "--file=-",
            ])
            .arg(file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| StorageError::Invalid(format!("cannot run pg_restore: {e}")))?;
        let mut psql = match command(&self.tools.path("psql"), &self.env)
            .args([
                "--no-psqlrc",
                "--quiet",
                "--no-password",
                "--set=ON_ERROR_STOP=1",
                "--file=-",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(p) => p,
            Err(e) => {
                let _ = restore.kill();
                let _ = restore.wait();
                return Err(StorageError::Invalid(format!("cannot run psql: {e}")));
            }
        };
        let restore_err = drain(restore.stderr.take());
        let psql_err = drain(psql.stderr.take());
        let (Some(mut script), Some(mut sink)) = (restore.stdout.take(), psql.stdin.take()) else {
            let _ = restore.kill();
            let _ = psql.kill();
            return Err(StorageError::Invalid(
                "the restore pipes were not opened".into(),
            ));
        };
        let fed = sink
            .write_all(b"BEGIN;\n")
            .and_then(|()| sink.write_all(DROP_NICHOIR_OBJECTS.as_bytes()))
            .and_then(|()| std::io::copy(&mut script, &mut sink).map(|_| ()));
        drop(script);
        if fed.is_err() {
            // psql stopped at an error: pg_restore would block on a full pipe.
            let _ = restore.kill();
        }
        let restored = restore.wait()?;
        let committed = match (&fed, restored.success()) {
            (Ok(()), true) => sink.write_all(b"COMMIT;\n").is_ok(),
            _ => false,
        };
        // Without COMMIT, psql ends at the end of its input and the server rolls back.
        drop(sink);
        let psql_status = psql.wait()?;
        let psql_said = psql_err.join().unwrap_or_default();
        let restore_said = restore_err.join().unwrap_or_default();
        if !psql_status.success() {
            return Err(failed(
                "restoring the dump with psql (the database was left unchanged)",
                psql_status,
                &psql_said,
            ));
        }
        if !restored.success() {
            return Err(failed(
                "pg_restore (the database was left unchanged)",
                restored,
                &restore_said,
            ));
        }
        if !committed {
            return Err(StorageError::Invalid(format!(
                "psql stopped reading the dump (the database was left unchanged): {}",
                String::from_utf8_lossy(&psql_said).trim()
            )));
        }
        Ok(())
    }
}

/// Reads a pipe to its end on a thread, so that a child writing much there never blocks.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// The highest version per component in the `COPY … _migrations (…) FROM stdin;` block of a
/// `pg_restore` script, sorted by component as `applied_versions` answers.
fn migrations_in_script(script: &str) -> Result<Vec<(String, u32)>, StorageError> {
    let bad = |why: &str| StorageError::Invalid(format!("the dump's _migrations table {why}"));
    let mut lines = script.lines();
    let Some(header) = lines.find(|l| {
        l.starts_with("COPY ") && l.contains("_migrations (") && l.ends_with("FROM stdin;")
    }) else {
        return Ok(Vec::new());
    };
    let columns: Vec<&str> = header
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(cols, _)| cols.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let at = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(ci), Some(vi)) = (at("component"), at("version")) else {
        return Err(bad("has no component or version column"));
    };
    let mut found: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for line in lines {
        if line == "\\." {
            return Ok(found.into_iter().collect());
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let (Some(component), Some(version)) = (fields.get(ci), fields.get(vi)) else {
            return Err(bad("has a short row"));
        };
        let version: u32 = version
            .parse()
            .map_err(|_| bad(&format!("has the version {version:?}")))?;
        let entry = found.entry((*component).to_string()).or_insert(0);
        *entry = (*entry).max(version);
    }
    Err(bad("ends before its end marker"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(url: &str) -> Vec<(&'static str, String)> {
        let config = crate::pg::pg_config(url, "test").expect("url");
        connection_env(&config)
            .expect("env")
            .into_iter()
            .map(|(k, v)| (k, v.to_string_lossy().into_owned()))
            .collect()
    }

    fn get<'a>(env: &'a [(&'static str, String)], key: &str) -> Option<&'a str> {
        env.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn the_url_becomes_libpq_environment() {
        let env = env_of("postgres://nichoir:s%40cret@db.example:6543/prod?sslmode=require");
        assert_eq!(get(&env, "PGHOST"), Some("db.example"));
        assert_eq!(get(&env, "PGPORT"), Some("6543"));
        assert_eq!(get(&env, "PGUSER"), Some("nichoir"));
        assert_eq!(get(&env, "PGPASSWORD"), Some("s@cret"));
        assert_eq!(get(&env, "PGDATABASE"), Some("prod"));
        assert_eq!(get(&env, "PGSSLMODE"), Some("require"));
        let env = env_of("postgres://u@h/db?sslmode=verify-full&sslrootcert=system");
        assert_eq!(get(&env, "PGSSLMODE"), Some("verify-full"));
        assert_eq!(get(&env, "PGSSLROOTCERT"), Some("system"));
        assert_eq!(get(&env, "PGCONNECT_TIMEOUT"), Some("30"));

        let env = env_of("postgresql://ana@%2Fvar%2Frun%2Fpostgresql:5433");
        assert_eq!(
            get(&env, "PGHOST"),
            Some("/var/run/postgresql"),
            "a socket folder"
        );
        assert_eq!(get(&env, "PGPORT"), Some("5433"));
        assert_eq!(
            get(&env, "PGDATABASE"),
            Some("ana"),
            "the user's, as libpq does"
        );
        assert_eq!(get(&env, "PGPASSWORD"), None);

        let env = env_of("postgres://u@a,b/db?options=-c%20search_path%3Dn&connect_timeout=5");
        assert_eq!(get(&env, "PGHOST"), Some("a,b"));
        assert_eq!(get(&env, "PGOPTIONS"), Some("-c search_path=n"));
        assert_eq!(get(&env, "PGCONNECT_TIMEOUT"), Some("5"));
    }

    #[test]
    fn versions_are_read_from_the_tools_words() {
        assert_eq!(
            major_of("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"),
            Some(15)
        );
        assert_eq!(major_of("pg_restore (PostgreSQL) 17beta1"), Some(17));
        assert_eq!(major_of("psql (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(major_of("something else"), None);
    }

    #[test]
    fn schema_versions_come_from_the_copy_block() -> Result<(), StorageError> {
        let script = "SET x = 1;\n\nCOPY public._migrations (component, version, name, checksum, applied_at) FROM stdin;\n\
                      pad\t1\tpads\tab\t1\npad\t3\tmore\tcd\t2\nauth\t2\tx\tef\t3\n\\.\n\n";
        assert_eq!(
            migrations_in_script(script)?,
            vec![("auth".to_string(), 2), ("pad".to_string(), 3)]
        );
        assert_eq!(migrations_in_script("-- nothing\n")?, vec![]);
        let cut = "COPY public._migrations (component, version) FROM stdin;\npad\t1\n";
        assert!(migrations_in_script(cut).is_err());
        Ok(())
    }

    /// Fake tool folders: each program prints the version it is given.
    #[cfg(unix)]
    fn fake_bin(root: &Path, name: &str, version: &str, tools: &[&str]) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).expect("dir");
        for tool in tools {
            let path = dir.join(tool);
            std::fs::write(
                &path,
                format!("#!/bin/sh\necho '{tool} (PostgreSQL) {version}'\n"),
            )
            .expect("write");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        dir
    }

    #[cfg(unix)]
    #[test]
    fn the_closest_new_enough_tools_are_chosen_and_a_missing_one_is_named() {
        let root = tempfile::tempdir().expect("dir");
        let both = ["pg_dump", "pg_restore"];
        let old = fake_bin(root.path(), "old", "13.4", &both);
        let sixteen = fake_bin(root.path(), "sixteen", "16.2", &both);
        let seventeen = fake_bin(root.path(), "seventeen", "17.0", &both);
        let half = fake_bin(root.path(), "half", "15.1", &["pg_dump"]);
        let dirs = vec![
            seventeen.clone(),
            half.clone(),
            old.clone(),
            sixteen.clone(),
        ];
        let env = Env::new();

        let t = find_tools_in(dirs.clone(), &both, 15, "server 15", &env).expect("found");
        assert_eq!((t.dir.clone(), t.major), (sixteen, 16), "{t:?}");
        let t = find_tools_in(dirs.clone(), &both, 17, "server 17", &env).expect("found");
        assert_eq!(t.dir, seventeen);

        let e = find_tools_in(
            dirs,
            &both,
            18,
            "the database server is PostgreSQL 18.1",
            &env,
        )
        .expect_err("too old");
        let m = e.to_string();
        assert!(m.contains("PostgreSQL 18 or newer"), "{m}");
        assert!(m.contains("PostgreSQL 18.1"), "{m}");
        assert!(m.contains("17.0") && m.contains("postgresql-client"), "{m}");
        assert!(
            !m.contains("15.1"),
            "a folder without pg_restore is no candidate: {m}"
        );

        let e = find_tools_in(vec![half], &both, 15, "x", &env).expect_err("missing");
        let m = e.to_string();
        assert!(m.contains("pg_dump, pg_restore not found"), "{m}");
        assert!(m.contains("apt install postgresql-client"), "{m}");
    }
}
