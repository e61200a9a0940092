//! For every vulnerability class: an unsanitized flow is a finding, the class's sanitizer
//! and validator make it clean, and a sanitizer of another class does not.

use iast::{Confidence, MatchKind, Vulnerability};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// `iast::check` with raw evidence: these tests assert the tainted bytes themselves, some of
/// which (a cookie in a header payload) redaction would hide.
fn check<T>(f: impl FnOnce() -> T) -> iast::Report {
    let context = iast::Context::new().with_redaction(false);
    context.enter(f);
    context.report()
}

/// A JSON request body with one attacker-controlled field.
#[derive(Serialize, Deserialize)]
pub struct Body {
    pub value: String,
    pub count: u32,
}

macro_rules! class_suite {
    ($($module:ident: $class:ident => $variant:ident, wrong sanitizer $other:ident, payload $payload:expr, sink text $template:literal;)*) => {$(
        mod $module {
            use super::*;

            #[iast::source(origin = "test.input")]
            pub fn input(v: &str) -> String {
                v.to_owned()
            }

            #[iast::source(origin = "test.list")]
            pub fn inputs(v: &str) -> Vec<String> {
                vec!["first".to_owned(), v.to_owned()]
            }

            #[iast::source(origin = "test.form")]
            pub fn form(v: &str) -> HashMap<String, String> {
                HashMap::from([("field".to_owned(), v.to_owned())])
            }

            #[iast::source(origin = "test.body")]
            pub fn body(json: &str) -> Body {
                serde_json::from_str(json).expect("test bodies are valid")
            }

            #[iast::sink($class)]
            pub fn sink(text: &str) -> usize {
                text.len()
            }

            // Both sanitizers return the tainted bytes unchanged, so only the class they are
            // declared for decides whether the flow is clean.
            #[iast::sanitizer($class)]
            pub fn sanitize(v: &str) -> String {
                v.to_owned()
            }

            #[iast::sanitizer($other)]
            pub fn sanitize_for_another_class(v: &str) -> String {
                v.to_owned()
            }

            #[iast::validator($class)]
            pub fn validate(v: &str) -> bool {
                !v.is_empty()
            }

            fn build(v: &str) -> String {
                format!($template, v)
            }

            #[test]
            fn unsanitized_flow_is_a_finding() {
                let payload: &str = $payload;
                let report = check(|| sink(&build(&input(payload))));
                assert_eq!(report.findings().len(), 1, "{report}");
                let f = &report.findings()[0];
                assert_eq!(f.vulnerability(), Vulnerability::$variant);
                assert!(f.confidence() >= Confidence::Unsanitized);
                assert_eq!(f.sink().function(), concat!("classes::", stringify!($module), "::sink"));
                assert_eq!(f.sink().file(), "tests/classes.rs");
                assert_eq!(f.sources().len(), 1);
                assert_eq!(f.sources()[0].function(), concat!("classes::", stringify!($module), "::input"));
                assert_eq!(f.sources()[0].origin(), Some("test.input"));
                assert_eq!(f.evidence().argument, "text");
                assert_eq!(f.evidence().value, build(payload));
                assert_eq!(f.evidence().tainted_text().collect::<Vec<_>>(), [payload]);
                assert_eq!(report.sinks_reached().len(), 1);
            }

            /// Asserts one finding of this class whose tainted part is the payload.
            fn assert_flow(report: &iast::Report) {
                assert_eq!(report.findings().len(), 1, "{report}");
                let f = &report.findings()[0];
                assert_eq!(f.vulnerability(), Vulnerability::$variant);
                assert_eq!(f.evidence().tainted_text().collect::<Vec<_>>(), [$payload], "{report}");
            }

            #[test]
            fn through_push_str() {
                let (prefix, suffix) = build("\u{0}").split_once('\u{0}').map(|(a, b)| (a.to_owned(), b.to_owned())).unwrap();
                assert_flow(&check(|| {
                    let mut text = String::from(prefix.as_str());
                    text.push_str(&input($payload));
                    text += &suffix;
                    sink(&text)
                }));
            }

            #[test]
            fn through_a_struct_field() {
                struct Holder {
                    value: String,
                }
                assert_flow(&check(|| {
                    let h = Holder { value: input($payload) };
                    sink(&build(&h.value))
                }));
            }

            #[test]
            fn through_vec_and_hash_map() {
                assert_flow(&check(|| sink(&build(&inputs($payload)[1]))));
                assert_flow(&check(|| sink(&build(&form($payload)["field"]))));
            }

            #[test]
            fn through_a_substring() {
                // A slice of the source's own buffer, handed over as is: certain.
                let report = check(|| {
                    let v = input(&format!("prefix§{}", $payload));
                    sink(&v["prefix§".len()..])
                });
                assert_flow(&report);
                assert_eq!(report.findings()[0].evidence().tainted[0].kind, MatchKind::Buffer);
                // A piece copied into new text: found as a part of the recorded value.
                let report = check(|| {
                    let v = input(&format!("prefix§{}", $payload));
                    sink(&build(&v["prefix§".len()..]))
                });
                assert_flow(&report);
                assert_eq!(report.findings()[0].evidence().tainted[0].kind, MatchKind::Partial);
            }

            #[test]
            fn through_a_serde_body_struct() {
                let json = serde_json::json!({ "value": $payload, "count": 1 }).to_string();
                let report = check(|| sink(&build(&body(&json).value)));
                assert_flow(&report);
                assert_eq!(report.findings()[0].sources()[0].origin(), Some("test.body"));
            }

            #[test]
            fn sanitizer_of_the_class_makes_it_clean() {
                let report = check(|| sink(&build(&sanitize(&input($payload)))));
                iast::assert_no_findings!(report);
            }

            #[test]
            fn sanitizer_of_another_class_does_not() {
                let report = check(|| sink(&build(&sanitize_for_another_class(&input($payload)))));
                assert_eq!(report.findings().len(), 1, "{report}");
                assert_eq!(report.findings()[0].vulnerability(), Vulnerability::$variant);
            }

            #[test]
            fn validator_of_the_class_makes_it_clean() {
                let report = check(|| {
                    let v = input($payload);
                    if validate(&v) {
                        sink(&build(&v));
                    }
                });
                iast::assert_no_findings!(report);
            }

            #[test]
            fn rejected_value_stays_tainted() {
                let report = check(|| {
                    let v = input($payload);
                    let _ = validate(""); // approves nothing tainted
                    sink(&build(&v));
                });
                assert_eq!(report.findings().len(), 1, "{report}");
            }
        }
    )*};
}

class_suite! {
    sql: sql => SqlInjection, wrong sanitizer xss,
        payload "x' OR '1'='1", sink text "SELECT * FROM users WHERE name = '{}'";
    command: command => CommandInjection, wrong sanitizer sql,
        payload "example.com; cat /etc/passwd", sink text "ping -c 1 {}";
    path: path => PathTraversal, wrong sanitizer xss,
        payload "../../etc/passwd", sink text "/srv/files/{}";
    xss: xss => Xss, wrong sanitizer sql,
        payload "<script>alert(1)</script>", sink text "<p>Hello {}</p>";
    ssrf: ssrf => Ssrf, wrong sanitizer xss,
        payload "169.254.169.254/latest/meta-data", sink text "http://{}";
    redirect: redirect => OpenRedirect, wrong sanitizer xss,
        payload "//evil.example/login", sink text "{}";
    header: header => HeaderInjection, wrong sanitizer xss,
        payload "en\r\nSet-Cookie: admin=1", sink text "{}";
    ldap: ldap => LdapInjection, wrong sanitizer sql,
        payload "*)(uid=*))(|(uid=*", sink text "(&(uid={})(objectClass=person))";
    xpath: xpath => XpathInjection, wrong sanitizer sql,
        payload "' or '1'='1", sink text "//user[name='{}']";
    nosql: nosql => NosqlInjection, wrong sanitizer sql,
        payload "{\"$ne\": null}", sink text "{{\"user\": {}}}";
    code: code => CodeInjection, wrong sanitizer xss,
        payload "1); system('id'", sink text "compute({})";
    log: log => LogInjection, wrong sanitizer xss,
        payload "alice\nINFO admin logged in", sink text "login failed for {}";
}

#[test]
fn header_and_log_breaks_are_confirmed() {
    let report = check(|| header::sink(&header::input("en\r\nSet-Cookie: admin=1")));
    assert_eq!(report.findings()[0].confidence(), Confidence::Confirmed);
    let report = check(|| log::sink(&log::input("alice\nINFO admin logged in")));
    assert_eq!(report.findings()[0].confidence(), Confidence::Confirmed);
}

#[test]
fn a_sink_of_several_classes_reports_each() {
    #[iast::sink(sql, log)]
    fn audit_query(text: &str) {
        let _ = text;
    }
    let report = check(|| audit_query(&sql::input("bob' --")));
    let classes: Vec<_> = report
        .findings()
        .iter()
        .map(|f| f.vulnerability())
        .collect();
    assert_eq!(
        classes,
        [Vulnerability::SqlInjection, Vulnerability::LogInjection]
    );
}
