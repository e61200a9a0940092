//! The link-time registry: entries of this binary and of a dependency, monitored flows, and
//! reach coverage.
#![cfg(feature = "enabled")]

// Nothing in this file calls into the fixture crate: without this line its entries would not
// be linked into the test binary.
extern crate iast_fixture as _;

use iast::{ItemKind, Vulnerability};

#[iast::source(origin = "http.parameter")]
fn param(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(ldap, args(filter))]
fn ldap_search(base: &str, filter: &str) -> usize {
    base.len() + filter.len()
}

#[iast::sanitizer(ldap)]
fn escape_filter(v: &str) -> String {
    v.replace('*', "\\2a")
}

#[iast::validator(ldap)]
fn is_username(v: &str) -> bool {
    v.chars().all(|c| c.is_ascii_alphanumeric())
}

fn names(items: impl Iterator<Item = &'static iast::Item>) -> Vec<&'static str> {
    items.map(|i| i.function()).collect()
}

#[test]
fn lists_every_kind_with_full_paths_sorted() {
    let r = iast::registry();
    assert_eq!(
        names(r.sources()),
        ["iast_fixture::fixture_input", "registry::param"]
    );
    assert_eq!(
        names(r.sinks()),
        ["iast_fixture::fixture_ldap_search", "registry::ldap_search"]
    );
    assert_eq!(names(r.sanitizers()), ["registry::escape_filter"]);
    assert_eq!(names(r.validators()), ["registry::is_username"]);
    let sink = r
        .sinks()
        .find(|i| i.function() == "registry::ldap_search")
        .unwrap();
    match sink.kind() {
        ItemKind::Sink {
            classes,
            args,
            serialized,
        } => {
            assert!(classes.contains(Vulnerability::LdapInjection));
            assert_eq!(args, ["filter"]);
            assert!(!serialized);
        }
        other => panic!("not a sink: {other:?}"),
    }
    assert_eq!(sink.file(), "tests/registry.rs");
    assert_eq!(sink.line(), 17);
}

#[test]
fn entries_of_a_dependency_are_linked() {
    let fixture = iast::registry()
        .sources()
        .find(|i| i.function() == "iast_fixture::fixture_input")
        .expect("entry from the dependency crate");
    assert_eq!(fixture.origin(), Some("fixture.input"));
    assert_eq!(fixture.file(), "tests/fixture/src/lib.rs");
}

#[test]
fn monitored_flows_pair_origins_with_sink_classes() {
    let flows = iast::registry().flows();
    let described: Vec<String> = flows
        .iter()
        .map(|f| {
            format!(
                "{} -> {}: sinks {:?} sanitizers {:?} validators {:?}",
                f.origin,
                f.vulnerability.rule_id(),
                names(f.sinks.iter().copied()),
                names(f.sanitizers.iter().copied()),
                names(f.validators.iter().copied()),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            "fixture.input -> LDAP_INJECTION: sinks [\"iast_fixture::fixture_ldap_search\", \"registry::ldap_search\"] sanitizers [\"registry::escape_filter\"] validators [\"registry::is_username\"]",
            "http.parameter -> LDAP_INJECTION: sinks [\"iast_fixture::fixture_ldap_search\", \"registry::ldap_search\"] sanitizers [\"registry::escape_filter\"] validators [\"registry::is_username\"]",
        ]
    );
}

#[test]
fn only_named_arguments_are_checked() {
    let report = iast::check(|| {
        let v = param("*)(uid=*");
        ldap_search(&v, "(uid=alice)")
    });
    assert!(report.is_clean(), "{report}");
    let report = iast::check(|| {
        let v = param("*)(uid=*");
        ldap_search("dc=example", &format!("(uid={v})"))
    });
    assert_eq!(report.findings().len(), 1);
}

#[test]
fn reports_say_which_sinks_ran_and_which_never_did() {
    let report = iast::check(|| ldap_search("dc=example", "(uid=alice)"));
    let reached: Vec<_> = report
        .sinks_reached()
        .iter()
        .map(|s| s.function())
        .collect();
    assert_eq!(reached, ["registry::ldap_search"]);
    let not_reached: Vec<_> = report
        .sinks_not_reached()
        .iter()
        .map(|s| s.function().to_owned())
        .collect();
    assert_eq!(not_reached, ["iast_fixture::fixture_ldap_search"]);
}

#[test]
fn a_clean_check_passes_even_when_input_never_reached_a_sink() {
    // The program rejected the input before any sink: correct, and not a failure.
    let report = iast::check(|| param("x"));
    assert!(report.sinks_reached().is_empty());
    iast::assert_no_findings!(report);
}

#[test]
#[should_panic(expected = "found tainted flows")]
fn asserting_no_findings_on_a_finding_fails_with_the_report() {
    let report = iast::check(|| ldap_search("dc=example", &param("*)(uid=*")));
    iast::assert_no_findings!(report);
}

#[test]
fn the_registry_renders_as_a_listing() {
    let text = iast::registry().to_string();
    assert!(
        text.contains("sink      registry::ldap_search (ldap)"),
        "{text}"
    );
    assert!(
        text.contains("source    registry::param [http.parameter]"),
        "{text}"
    );
    assert!(
        text.contains("flow      http.parameter -> LDAP_INJECTION"),
        "{text}"
    );
}

#[test]
fn the_flow_is_covered_by_its_sanitizer_and_validator() {
    let report = iast::check(|| {
        let v = param("alice*");
        ldap_search("dc=example", &format!("(uid={})", escape_filter(&v)))
    });
    assert!(report.is_clean(), "{report}");
    let report = iast::check(|| {
        let v = param("alice");
        if is_username(&v) {
            ldap_search("dc=example", &format!("(uid={v})"));
        }
    });
    iast::assert_no_findings!(report);
}
