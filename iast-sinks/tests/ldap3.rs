//! The ldap3 sinks against a real OpenLDAP server: an injected filter is reported and really
//! widens the search, the same input escaped is clean, and values sent as data are not
//! checked.
//!
//! The server is named by `IAST_LDAP` (`.ci/slapd` starts one with the data these tests
//! expect: `ou=people,dc=example,dc=org` holding alice, bob and carol, and the admin
//! `cn=admin,dc=example,dc=org` with password `secret`).
#![cfg(feature = "ldap3")]

use iast::{Confidence, Report, Vulnerability};
use iast_sinks::ldap3::{LdapConnExt, LdapExt, dn_escape, ldap_escape};
use ldap3::{Ldap, LdapConn, LdapConnAsync, Scope, SearchEntry, SearchResult};
use std::collections::HashSet;

const PEOPLE: &str = "ou=people,dc=example,dc=org";
const ADMIN: &str = "cn=admin,dc=example,dc=org";
/// Where a test writes, out of the searches' way (they look one level under `PEOPLE`).
const ELSEWHERE: &str = "dc=example,dc=org";

#[iast::source(origin = "http.parameter")]
fn param(value: &str) -> String {
    value.to_owned()
}

/// The server's URL: `IAST_LDAP`, or else `.ci/slapd`'s default. `None` when `IAST_LDAP=skip`
/// skips the tests on purpose, which is said on stderr.
fn ldap_url() -> Option<String> {
    match std::env::var("IAST_LDAP") {
        Ok(v) if v == "skip" => {
            eprintln!("IAST_LDAP=skip: the LDAP tests are skipped");
            None
        }
        Ok(v) => Some(v),
        Err(_) => Some("ldap://127.0.0.1:3890".to_owned()),
    }
}

fn no_server(url: &str, error: impl std::fmt::Display) -> ! {
    panic!(
        "these tests need an LDAP server and none answered at `{url}`: {error}. Start one with \
         `.ci/slapd` (it prints the URL), set IAST_LDAP to a server's URL, or IAST_LDAP=skip \
         to skip them"
    )
}

async fn connect() -> Option<Ldap> {
    let url = ldap_url()?;
    let (conn, ldap) = match LdapConnAsync::new(&url).await {
        Ok(c) => c,
        Err(e) => no_server(&url, e),
    };
    ldap3::drive!(conn);
    Some(ldap)
}

fn uids(result: SearchResult) -> Vec<String> {
    let (entries, _) = result.success().unwrap();
    let mut uids: Vec<String> = entries
        .into_iter()
        .map(|e| SearchEntry::construct(e).attrs["uid"][0].clone())
        .collect();
    // The server's order is its own.
    uids.sort();
    uids
}

/// One LDAP-injection finding of `confidence`, at `sink`, from `param`.
fn assert_one(report: &Report, sink: &str, confidence: Confidence) {
    assert_eq!(report.findings().len(), 1, "{report}");
    let finding = &report.findings()[0];
    assert_eq!(
        finding.vulnerability(),
        Vulnerability::LdapInjection,
        "{report}"
    );
    assert_eq!(finding.confidence(), confidence, "{report}");
    assert_eq!(
        finding.sink().function(),
        format!("iast_sinks::ldap3::{sink}"),
        "{report}"
    );
    assert!(
        finding.sources()[0].function().ends_with("::param"),
        "{report}"
    );
}

/// Every person whose uid matches `uid`, as an application's people search writes it.
fn people_filter(uid: &str) -> String {
    format!("(&(objectClass=inetOrgPerson)(uid={uid}))")
}

/// What an injected search value makes of it: `*)(uid=*` closes the value and adds a
/// component that matches everyone.
const WIDEN: &str = "*)(uid=*";

#[tokio::test]
async fn an_injected_filter_is_confirmed_and_really_matches_everyone() {
    let Some(mut ldap) = connect().await else {
        return;
    };
    let mut found = Vec::new();
    let report = iast::check_async(async {
        let filter = people_filter(&param(WIDEN));
        let result = ldap
            .search_checked(PEOPLE, Scope::OneLevel, &filter, vec!["uid"])
            .await
            .unwrap();
        found = uids(result);
    })
    .await;
    assert_one(&report, "check_filter", Confidence::Confirmed);
    assert_eq!(found, ["alice", "bob", "carol"]);

    // Escaped, the same input is a literal value: nobody has that uid.
    let report = iast::check_async(async {
        let filter = people_filter(&ldap_escape(&param(WIDEN)));
        let result = ldap
            .search_checked(PEOPLE, Scope::OneLevel, &filter, vec!["uid"])
            .await
            .unwrap();
        found = uids(result);
    })
    .await;
    iast::assert_no_findings!(report);
    // Both sinks of the search ran: its base and its filter.
    assert_eq!(report.sinks_reached().len(), 2, "{report}");
    assert!(found.is_empty(), "{found:?}");

    // An ordinary name that stays inside its value is no finding.
    let report = iast::check_async(async {
        let filter = people_filter(&param("alice"));
        let result = ldap
            .search_checked(PEOPLE, Scope::OneLevel, &filter, vec!["uid"])
            .await
            .unwrap();
        found = uids(result);
    })
    .await;
    iast::assert_no_findings!(report);
    assert_eq!(found, ["alice"]);
}

#[tokio::test]
async fn a_tainted_dn_separator_is_confirmed_and_dn_escape_makes_it_clean() {
    let Some(mut ldap) = connect().await else {
        return;
    };
    // `alice,ou=people` adds RDNs of the attacker's choosing to the base.
    let report = iast::check_async(async {
        let base = format!("uid={},{PEOPLE}", param("alice,ou=people"));
        let _ = ldap
            .search_checked(&base, Scope::Base, "(objectClass=*)", vec!["uid"])
            .await;
    })
    .await;
    assert_one(&report, "check_dn", Confidence::Confirmed);

    let mut found = Vec::new();
    let report = iast::check_async(async {
        let base = format!("uid={},{PEOPLE}", dn_escape(&param("alice")));
        let result = ldap
            .search_checked(&base, Scope::Base, "(objectClass=*)", vec!["uid"])
            .await
            .unwrap();
        found = uids(result);
    })
    .await;
    iast::assert_no_findings!(report);
    assert_eq!(found, ["alice"]);

    // A bind DN is checked; the password is data, and here the server refuses the bind.
    let report = iast::check_async(async {
        let dn = format!("uid={},{PEOPLE}", param("bob,ou=people"));
        let bound = ldap.simple_bind_checked(&dn, &param("a password")).await;
        assert_ne!(bound.unwrap().rc, 0);
    })
    .await;
    assert_one(&report, "check_dn", Confidence::Confirmed);
}

#[tokio::test]
async fn entries_written_through_the_checked_calls_reach_the_server() {
    let Some(mut ldap) = connect().await else {
        return;
    };
    ldap.simple_bind(ADMIN, "secret")
        .await
        .unwrap()
        .success()
        .unwrap();
    let name = "dave-written";
    let dn = format!("uid={name},{ELSEWHERE}");
    // Left over by a run that stopped half-way, if any.
    let _ = ldap.delete(&dn).await;
    let report = iast::check_async(async {
        let uid = dn_escape(&param(name));
        let dn = format!("uid={uid},{ELSEWHERE}");
        let attrs = vec![
            ("objectClass", HashSet::from(["inetOrgPerson"])),
            ("uid", HashSet::from([name])),
            ("cn", HashSet::from(["Dave"])),
            ("sn", HashSet::from(["Written"])),
        ];
        ldap.add_checked(&dn, attrs)
            .await
            .unwrap()
            .success()
            .unwrap();
        // Attribute values are data: a tainted one is not checked.
        let mail = param("dave@example.org");
        let mods = vec![ldap3::Mod::Replace("mail", HashSet::from([mail.as_str()]))];
        ldap.modify_checked(&dn, mods)
            .await
            .unwrap()
            .success()
            .unwrap();
        let same = ldap
            .compare_checked(&dn, "mail", param("dave@example.org"))
            .await
            .unwrap();
        assert!(same.equal().unwrap());
        ldap.delete_checked(&dn).await.unwrap().success().unwrap();
    })
    .await;
    iast::assert_no_findings!(report);
    // The DN sink, reached at each of the four calls.
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
    // Gone from the server.
    let gone = ldap
        .search(&dn, Scope::Base, "(objectClass=*)", vec!["uid"])
        .await
        .unwrap();
    assert_eq!(gone.1.rc, 32, "noSuchObject: {gone:?}");
}

#[test]
fn the_synchronous_connection_is_checked_the_same_way() {
    let Some(url) = ldap_url() else { return };
    let mut ldap = LdapConn::new(&url).unwrap_or_else(|e| no_server(&url, e));
    let mut found = Vec::new();
    let report = iast::check(|| {
        let filter = format!("(|(uid={})(mail=none))", param(WIDEN));
        let result = ldap
            .search_checked(PEOPLE, Scope::OneLevel, &filter, vec!["uid"])
            .unwrap();
        found = uids(result);
    });
    assert_one(&report, "check_filter", Confidence::Confirmed);
    assert_eq!(found, ["alice", "bob", "carol"]);

    let report = iast::check(|| {
        let filter = format!("(|(uid={})(mail=none))", ldap_escape(&param(WIDEN)));
        let result = ldap
            .search_checked(PEOPLE, Scope::OneLevel, &filter, vec!["uid"])
            .unwrap();
        found = uids(result);
    });
    iast::assert_no_findings!(report);
    assert!(found.is_empty(), "{found:?}");
}
