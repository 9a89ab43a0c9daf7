//! Signing in with an LDAP directory, against a real OpenLDAP (`slapd`, started by the test with
//! a small directory: `nichoir_testkit::LdapServer`): search then bind over StartTLS, bind with
//! the person's DN over LDAPS, the filter leaving disabled people out, the admin group, injection
//! characters in the username, and a directory that is down while local admins still sign in.

use nichoir_core::config::Config;
use nichoir_testkit::{Client, LdapServer, TestServer};
use serde_json::json;

const FILTER: &str = "(&(objectClass=inetOrgPerson)(uid={username})(!(employeeType=disabled)))";

/// Search then bind with the read-only service account, over StartTLS.
fn search_then_bind(ldap: &LdapServer, c: &mut Config) {
    c.ldap.url = ldap.url.clone();
    c.ldap.starttls = true;
    c.ldap.ca_file = ldap.ca_file.display().to_string();
    c.ldap.bind_dn = ldap.bind_dn.clone();
    c.ldap.bind_password = ldap.bind_password.clone();
    c.ldap.base_dn = format!("ou=people,{}", ldap.base_dn);
    c.ldap.user_filter = FILTER.into();
    c.ldap.admin_group = format!("cn=nichoir-admins,ou=groups,{}", ldap.base_dn);
}

async fn login(
    server: &TestServer,
    name: &str,
    password: &str,
) -> anyhow::Result<(Client, nichoir_testkit::Reply)> {
    let mut c = server.client();
    let r = c.login(name, password).await?;
    Ok((c, r))
}

#[tokio::test]
async fn directory_people_sign_in_with_their_directory_password() -> anyhow::Result<()> {
    let ldap = LdapServer::start();
    let server = TestServer::start_with(|c| search_then_bind(&ldap, c))?;

    let (alice, r) = login(&server, "alice", "alice-password").await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let me = alice.get("/api/v1/me").await?.body;
    assert_eq!(me["user"]["sign_in"], "ldap", "{me}");
    assert_eq!(me["user"]["username"], "alice");
    assert_eq!(me["user"]["display_name"], "Alice Martin");
    assert_eq!(me["user"]["email"], "alice@nichoir.test");
    assert_eq!(me["user"]["email_verified"], true);
    assert_eq!(me["user"]["is_admin"], true, "alice is in the admin group");

    let (bob, r) = login(&server, "bob", "bob-password").await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["user"]["is_admin"], false);
    // The same person signing in again is the same account.
    let (_, again) = login(&server, "bob", "bob-password").await?;
    assert_eq!(again.body["user"]["id"], r.body["user"]["id"]);

    // A directory account has no password here to change.
    let r = bob
        .post(
            "/api/v1/me/password",
            json!({"current_password": "bob-password", "new_password": "another-password"}),
        )
        .await?;
    assert_eq!(r.status, 409, "{:?}", r.body);

    for (name, password, why) in [
        ("alice", "wrong-password", "a wrong password"),
        ("alice", "", "an empty password (an anonymous bind)"),
        ("carol", "carol-password", "a disabled directory user"),
        ("nobody", "whatever-password", "an unknown user"),
        ("alice)(uid=*", "alice-password", "a filter injection"),
        ("*", "alice-password", "a wildcard"),
        ("alice\u{0}", "alice-password", "a NUL"),
    ] {
        let (_, r) = login(&server, name, password).await?;
        assert_eq!(r.status, 401, "{why}: {:?}", r.body);
        assert_eq!(r.code(), "invalid_credentials", "{why}");
    }

    // The directory decides: out of the admin group, out of the admins; disabled there, out.
    ldap.modify(&format!(
        "dn: cn=nichoir-admins,ou=groups,{b}\nchangetype: modify\nadd: member\nmember: uid=bob,ou=people,{b}\n-\ndelete: member\nmember: uid=alice,ou=people,{b}\n",
        b = ldap.base_dn
    ));
    let (_, r) = login(&server, "alice", "alice-password").await?;
    assert_eq!(r.body["user"]["is_admin"], false, "{:?}", r.body);
    let (_, r) = login(&server, "bob", "bob-password").await?;
    assert_eq!(r.body["user"]["is_admin"], true, "{:?}", r.body);
    ldap.modify(&format!(
        "dn: uid=bob,ou=people,{}\nchangetype: modify\nadd: employeeType\nemployeeType: disabled\n",
        ldap.base_dn
    ));
    let (_, r) = login(&server, "bob", "bob-password").await?;
    assert_eq!(r.status, 401, "disabled in the directory: {:?}", r.body);
    Ok(())
}

#[tokio::test]
async fn local_accounts_keep_their_names_and_sign_in_when_the_directory_is_down(
) -> anyhow::Result<()> {
    let mut ldap = LdapServer::start();
    let server = TestServer::start_with(|c| search_then_bind(&ldap, c))?;
    server
        .create_user("admin", "local-admin-password", true)
        .await?;

    // The directory's "admin" is another person: they get another name.
    let (_, r) = login(&server, "admin", "dadmin-password").await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["user"]["username"], "admin2");
    assert_eq!(r.body["user"]["sign_in"], "ldap");
    let (_, r) = login(&server, "admin", "local-admin-password").await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["user"]["sign_in"], "password");
    assert_eq!(r.body["user"]["is_admin"], true);

    ldap.stop();
    let (_, r) = login(&server, "alice", "alice-password").await?;
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(r.code(), "directory_unavailable");
    let (_, r) = login(&server, "admin", "local-admin-password").await?;
    assert_eq!(r.status, 200, "a local admin still signs in: {:?}", r.body);

    ldap.start_again();
    let (_, r) = login(&server, "alice", "alice-password").await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    Ok(())
}

#[tokio::test]
async fn binding_as_the_person_over_ldaps() -> anyhow::Result<()> {
    let ldap = LdapServer::start();
    let server = TestServer::start_with(|c| {
        c.ldap.url = ldap.ldaps_url.clone();
        c.ldap.ca_file = ldap.ca_file.display().to_string();
        c.ldap.user_dn = format!("uid={{username}},ou=people,{}", ldap.base_dn);
        c.ldap.user_filter = FILTER.into();
    })?;
    let (bob, r) = login(&server, "bob", "bob-password").await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        r.body["user"]["is_admin"], false,
        "no admin group: Nichoir decides"
    );
    let old_id = r.body["user"]["id"].clone();
    for (name, password) in [
        ("carol", "carol-password"),
        ("bob,ou=people", "bob-password"),
        ("uid=bob,ou=people,dc=nichoir,dc=test", "bob-password"),
    ] {
        let (_, r) = login(&server, name, password).await?;
        assert_eq!(r.status, 401, "{name}: {:?}", r.body);
    }

    // Deleting the account asks for the directory password, and forgets the link: signing in
    // again makes a new account.
    let r = bob
        .post("/api/v1/me/delete", json!({"password": "wrong-password"}))
        .await?;
    assert_eq!(r.status, 401, "{:?}", r.body);
    let r = bob
        .post("/api/v1/me/delete", json!({"password": "bob-password"}))
        .await?;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let (_, r) = login(&server, "bob", "bob-password").await?;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_ne!(r.body["user"]["id"], old_id);
    assert_eq!(r.body["user"]["username"], "bob");
    Ok(())
}

/// StartTLS to a directory whose certificate no trusted authority signed fails as "unavailable",
/// never as a sign-in.
#[tokio::test]
async fn an_untrusted_directory_certificate_is_no_sign_in() -> anyhow::Result<()> {
    let ldap = LdapServer::start();
    let server = TestServer::start_with(|c| {
        search_then_bind(&ldap, c);
        c.ldap.ca_file = String::new();
    })?;
    let (_, r) = login(&server, "alice", "alice-password").await?;
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(r.code(), "directory_unavailable");
    Ok(())
}
