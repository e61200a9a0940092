//! Taint inference across the ways programs move strings around.

use iast::{MatchKind, Vulnerability};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[iast::source(origin = "http.parameter")]
fn param(v: &str) -> String {
    v.to_owned()
}

#[iast::source(origin = "http.parameters")]
fn params(vs: &[&str]) -> Vec<String> {
    vs.iter().map(|v| v.to_string()).collect()
}

#[iast::source(origin = "http.headers")]
fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[iast::source(origin = "http.cookies")]
fn cookies(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[iast::source(origin = "http.optional")]
fn maybe(v: &str) -> Option<String> {
    Some(v.to_owned())
}

#[iast::source(origin = "http.fallible")]
fn fallible(v: &str) -> Result<String, std::io::Error> {
    Ok(v.to_owned())
}

#[iast::source(origin = "http.raw")]
fn raw_body(v: &[u8]) -> Vec<u8> {
    v.to_vec()
}

#[iast::source(origin = "http.pair")]
fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

#[derive(Debug, Serialize, Deserialize)]
struct SignupBody {
    name: String,
    age: u32,
    address: Address,
    tags: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Address {
    city: String,
}

#[iast::source(origin = "http.body")]
fn json_body(text: &str) -> SignupBody {
    serde_json::from_str(text).expect("test bodies are valid")
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(sql)]
fn query_bytes(sql: &[u8]) -> usize {
    sql.len()
}

#[iast::sink(sql)]
fn query_owned(sql: String, limit: u32) -> usize {
    sql.len() + limit as usize
}

const PAYLOAD: &str = "x' OR '1'='1";

fn tainted_parts(report: &iast::Report) -> Vec<String> {
    report
        .findings()
        .iter()
        .flat_map(|f| {
            f.evidence()
                .tainted_text()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn origins(report: &iast::Report) -> Vec<&str> {
    report.findings()[0]
        .sources()
        .iter()
        .filter_map(|s| s.origin())
        .collect()
}

#[test]
fn through_format() {
    let report = iast::check(|| query(&format!("SELECT * FROM t WHERE a = '{}'", param(PAYLOAD))));
    assert_eq!(tainted_parts(&report), [PAYLOAD]);
}

#[test]
fn through_plus_and_push_str() {
    let report = iast::check(|| {
        let mut sql = String::from("SELECT * FROM t WHERE a = '") + &param(PAYLOAD);
        sql.push_str("' AND b = '");
        sql.push_str(&param("second-input-value"));
        sql.push('\'');
        query(&sql)
    });
    assert_eq!(tainted_parts(&report), [PAYLOAD, "second-input-value"]);
}

#[test]
fn through_a_struct_field() {
    struct Filter {
        name: String,
    }
    let report = iast::check(|| {
        let filter = Filter {
            name: param(PAYLOAD),
        };
        query(&format!("SELECT * FROM t WHERE name = '{}'", filter.name))
    });
    assert_eq!(tainted_parts(&report), [PAYLOAD]);
}

#[test]
fn through_vec_and_maps() {
    let report = iast::check(|| {
        let ids = params(&["1", "2 UNION SELECT password FROM users"]);
        query(&format!("SELECT * FROM t WHERE id IN ({})", ids.join(", ")))
    });
    // "1" is a number found by value: it could be any constant, so it is not attributed.
    assert_eq!(
        tainted_parts(&report),
        ["2 UNION SELECT password FROM users"]
    );

    let report = iast::check(|| {
        let h = headers(&[("x-sort", "name; DROP TABLE t")]);
        query(&format!("SELECT * FROM t ORDER BY {}", h["x-sort"]))
    });
    assert_eq!(tainted_parts(&report), ["name; DROP TABLE t"]);
    assert_eq!(origins(&report), ["http.headers"]);

    let report = iast::check(|| {
        let c = cookies(&[("session-name", "admin'--")]);
        query(&format!(
            "SELECT * FROM s WHERE id = '{}'",
            c["session-name"]
        ))
    });
    // Cookies are secrets: the tainted cookie value is tracked but hidden in the evidence.
    assert_eq!(tainted_parts(&report), ["[REDACTED]"]);
    assert_eq!(origins(&report), ["http.cookies"]);
}

#[test]
fn through_option_result_tuple_and_bytes() {
    let report = iast::check(|| query(&format!("a = '{}'", maybe(PAYLOAD).unwrap())));
    assert_eq!(origins(&report), ["http.optional"]);
    let report = iast::check(|| query(&format!("a = '{}'", fallible(PAYLOAD).unwrap())));
    assert_eq!(origins(&report), ["http.fallible"]);
    let report = iast::check(|| {
        let (_, b) = pair("harmless-value", PAYLOAD);
        query(&format!("a = '{b}'"))
    });
    assert_eq!(tainted_parts(&report), [PAYLOAD]);
    let report = iast::check(|| {
        let body = raw_body(PAYLOAD.as_bytes());
        let mut sql = b"SELECT 1 WHERE a = '".to_vec();
        sql.extend_from_slice(&body);
        query_bytes(&sql)
    });
    assert_eq!(tainted_parts(&report), [PAYLOAD]);
}

#[test]
fn owned_arguments_and_ignored_parameters() {
    let report = iast::check(|| query_owned(format!("a = '{}'", param(PAYLOAD)), 10));
    assert_eq!(tainted_parts(&report), [PAYLOAD]);
    assert_eq!(report.findings()[0].evidence().argument, "sql");
}

#[test]
fn through_a_substring() {
    // The sink receives a slice of the very buffer the source returned: certain, however short.
    let report = iast::check(|| {
        let v = param("id:7 OR 1");
        query(&v[3..])
    });
    assert_eq!(tainted_parts(&report), ["7 OR 1"]);
    assert_eq!(
        report.findings()[0].evidence().tainted[0].kind,
        MatchKind::Buffer
    );

    let report = iast::check(|| {
        let v = param("id=1 OR 1=1;order=name");
        let first = v.split(';').next().unwrap().trim_start_matches("id=");
        query(&format!("SELECT * FROM t WHERE id = {first}"))
    });
    assert_eq!(tainted_parts(&report), ["1 OR 1=1"]);
}

#[test]
fn through_a_copied_piece_after_split() {
    let report = iast::check(|| {
        let v = param("alice,bob' OR 'x'='x,carol");
        let piece: String = v.split(',').nth(1).unwrap().to_owned(); // a new buffer
        query(&format!("SELECT * FROM t WHERE name = '{piece}'"))
    });
    let finding = &report.findings()[0];
    assert_eq!(tainted_parts(&report), ["bob' OR 'x'='x"]);
    assert_eq!(finding.evidence().tainted[0].kind, MatchKind::Partial);
}

#[test]
fn through_a_serde_body_struct() {
    let report = iast::check(|| {
        let body = json_body(
            r#"{"name":"eve' --","age":30,"address":{"city":"Paris') OR 1=1 --"},"tags":["a"]}"#,
        );
        query(&format!(
            "INSERT INTO users VALUES ('{}', {}, '{}')",
            body.name, body.age, body.address.city
        ))
    });
    assert_eq!(tainted_parts(&report), ["eve' --", "Paris') OR 1=1 --"]);
    assert_eq!(origins(&report), ["http.body"]);
}

#[test]
fn through_re_encodings() {
    let report = iast::check(|| {
        query(&format!(
            "a = '{}'",
            param("ROBERT'); DROP TABLE students;--").to_lowercase()
        ))
    });
    assert_eq!(
        report.findings()[0].evidence().tainted[0].kind,
        MatchKind::CaseChanged
    );

    let report = iast::check(|| {
        let raw = param("name%27%20OR%20%271%27%3D%271");
        let decoded = raw
            .replace("%27", "'")
            .replace("%20", " ")
            .replace("%3D", "=");
        query(&format!("a = '{decoded}'"))
    });
    let f = &report.findings()[0];
    assert_eq!(f.evidence().tainted[0].kind, MatchKind::UrlDecoded);
    assert_eq!(
        f.evidence().tainted_text().collect::<Vec<_>>(),
        ["name' OR '1'='1"]
    );
}

#[test]
fn two_sources_of_one_flow_are_both_named() {
    let report = iast::check(|| {
        let a = param("first-tainted-part");
        let b = maybe("second-tainted-part").unwrap();
        query(&format!("SELECT '{a}', '{b}'"))
    });
    assert_eq!(report.findings().len(), 1);
    assert_eq!(origins(&report), ["http.optional", "http.parameter"]);
    assert_eq!(
        report.findings()[0].vulnerability(),
        Vulnerability::SqlInjection
    );
}

#[test]
fn untainted_values_and_outside_context_calls_are_silent() {
    let report = iast::check(|| query("SELECT * FROM t WHERE a = 'constant'"));
    iast::assert_no_findings!(report);
    // Outside any context nothing is recorded or checked, and functions behave as before.
    assert_eq!(param("abc"), "abc");
    assert_eq!(query("abc"), 3);
    let report = iast::check(|| query(&format!("a = '{}'", "x' OR '1'='1")));
    iast::assert_no_findings!(report);
}

#[test]
fn repeated_flows_are_deduplicated() {
    let report = iast::check(|| {
        for i in 0..5 {
            query(&format!("SELECT {i} WHERE a = '{}'", param(PAYLOAD)));
        }
    });
    assert_eq!(report.findings().len(), 1);
    assert_eq!(report.findings()[0].hits(), 5);
}

mod argument_types {
    use super::{PAYLOAD, param, tainted_parts};
    use std::borrow::Cow;
    use std::ffi::OsStr;
    use std::path::{Path, PathBuf};

    #[iast::sink(path)]
    fn by_path(p: &Path) {
        let _ = p;
    }
    #[iast::sink(path)]
    fn by_path_buf(p: PathBuf) {
        let _ = p;
    }
    #[iast::sink(path)]
    fn by_os_str(p: &OsStr) {
        let _ = p;
    }
    #[iast::sink(sql)]
    fn by_string_ref(s: &String) {
        let _ = s;
    }
    #[iast::sink(sql)]
    fn by_cow(s: Cow<'_, str>) {
        let _ = s;
    }
    #[iast::sink(sql)]
    fn by_vec_u8(s: Vec<u8>) {
        let _ = s;
    }
    #[iast::sink(sql)]
    fn by_option(s: Option<&str>) {
        let _ = s;
    }
    #[iast::sink(sql)]
    fn by_slice(parts: &[&str]) {
        let _ = parts;
    }
    #[iast::sink(sql)]
    fn by_vec(parts: Vec<String>) {
        let _ = parts;
    }
    #[iast::sink(sql)]
    fn by_options(parts: &[Option<String>]) {
        let _ = parts;
    }
    #[iast::sink(sql)]
    fn generic<S: AsRef<str>>(s: S) {
        let _ = s.as_ref();
    }
    #[iast::sink(sql)]
    fn impl_trait(s: impl AsRef<[u8]>) {
        let _ = s.as_ref();
    }

    /// Parameters that are not string-like are ignored, whatever their value.
    #[derive(serde::Serialize)]
    struct Options {
        verbose: bool,
        label: String,
    }
    #[iast::sink(sql)]
    fn with_others(sql: &str, limit: u32, options: &Options, callback: fn() -> u8) -> u8 {
        let _ = (sql, limit, options);
        callback()
    }

    #[test]
    fn every_string_like_parameter_type_is_checked() {
        let reports = [
            iast::check(|| by_path(Path::new(&param(PAYLOAD)))),
            iast::check(|| by_path_buf(PathBuf::from(param(PAYLOAD)))),
            iast::check(|| by_os_str(OsStr::new(&param(PAYLOAD)))),
            iast::check(|| by_string_ref(&param(PAYLOAD))),
            iast::check(|| by_cow(Cow::Owned(param(PAYLOAD)))),
            iast::check(|| by_vec_u8(param(PAYLOAD).into_bytes())),
            iast::check(|| by_option(Some(&param(PAYLOAD)))),
            iast::check(|| by_slice(&["SELECT", &param(PAYLOAD)])),
            iast::check(|| by_vec(vec!["SELECT".into(), param(PAYLOAD)])),
            iast::check(|| by_options(&[None, Some(param(PAYLOAD))])),
            iast::check(|| generic(param(PAYLOAD))),
            iast::check(|| impl_trait(param(PAYLOAD))),
        ];
        for report in &reports {
            assert_eq!(tainted_parts(report), [PAYLOAD], "{report}");
        }
    }

    #[test]
    fn other_parameters_are_ignored() {
        let report = iast::check(|| {
            let label = param("label-from-the-request");
            let options = Options {
                verbose: true,
                label,
            };
            with_others("SELECT 1", 10, &options, || 7)
        });
        assert!(report.is_clean(), "{report}");
        assert_eq!(report.sinks_reached().len(), 1);
    }
}

#[iast::sanitizer(xss)]
fn escape_html(s: &str) -> String {
    s.replace('<', "&lt;").replace('>', "&gt;")
}

#[iast::sanitizer(xss)]
fn strip_tags(s: &str) -> String {
    s.replace(['<', '>'], "")
}

#[iast::sanitizer(sql, xss)]
fn quote_both(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''").replace('<', "&lt;"))
}

#[iast::validator(path)]
fn is_file_name(s: &str) -> bool {
    !s.contains('/')
}

/// The functions named as passed in the first finding's flow.
fn passed(report: &iast::Report) -> Vec<&str> {
    report.findings()[0]
        .sanitizers()
        .iter()
        .map(|s| s.function())
        .collect()
}

#[test]
fn sanitizers_of_another_class_are_named_in_the_flow() {
    let report = iast::check(|| {
        let name = escape_html(&param("<b>x</b>' OR '1'='1"));
        query(&format!("SELECT * FROM t WHERE name = '{name}'"));
    });
    let finding = &report.findings()[0];
    assert_eq!(finding.vulnerability(), Vulnerability::SqlInjection);
    assert_eq!(passed(&report), ["propagation::escape_html"]);
    assert!(
        report
            .to_string()
            .contains("= passed `propagation::escape_html` at tests/propagation.rs:"),
        "{report}"
    );

    // A validator's approval is named the same way; a sanitizer the value did not pass is not.
    let report = iast::check(|| {
        let _unrelated = escape_html("<i>");
        let file = param("report' OR 'a'='a");
        if is_file_name(&file) {
            query(&format!("SELECT * FROM files WHERE name = '{file}'"));
        }
    });
    assert_eq!(passed(&report), ["propagation::is_file_name"]);

    // A sanitizer that covers the sink's class cannot be one the bytes passed: it would have
    // made them safe. Only the HTML escaper is named, not the quoting that ran elsewhere.
    let report = iast::check(|| {
        let _unrelated = quote_both("other");
        let name = escape_html(&param("<b>y</b>' OR '2'='2"));
        query(&format!("SELECT * FROM t WHERE name = '{name}'"));
    });
    assert_eq!(passed(&report), ["propagation::escape_html"]);

    // Of two sanitizers of one class, the one the bytes passed is named, not the one that
    // ran on something else.
    let report = iast::check(|| {
        let _unrelated = strip_tags("<i>other</i>");
        let name = escape_html(&param("<b>z</b>' OR '3'='3"));
        query(&format!("SELECT * FROM t WHERE name = '{name}'"));
    });
    assert_eq!(passed(&report), ["propagation::escape_html"]);

    // Nothing passed, nothing named.
    let report = iast::check(|| {
        query(&format!("SELECT '{}'", param("x' OR '1'='1")));
    });
    assert!(report.findings()[0].sanitizers().is_empty());
}

#[iast::sink(xss)]
fn page(html: &str) -> usize {
    html.len()
}

/// A value escaped for HTML is safe in the page, but still the request's data everywhere
/// else: its escaped form reaches SQL as the source's, and the finding names the escape
/// passed; the page gets no finding.
#[test]
fn through_a_sanitizer_for_another_class() {
    let report = iast::check(|| {
        let sort = param("id<2>");
        let shown = escape_html(&sort);
        page(&format!("<p>sorted by {shown}</p>"));
        query(&format!("SELECT * FROM users ORDER BY {shown}"));
    });
    let classes: Vec<_> = report
        .findings()
        .iter()
        .map(|f| f.vulnerability())
        .collect();
    assert_eq!(classes, [Vulnerability::SqlInjection], "{report}");
    let finding = &report.findings()[0];
    assert_eq!(finding.sources()[0].origin(), Some("http.parameter"));
    assert_eq!(passed(&report), ["propagation::escape_html"], "{report}");
    assert_eq!(
        finding.evidence().tainted_text().collect::<Vec<_>>(),
        ["id&lt;2&gt;"]
    );

    // A short input found only by value lends the escape's output no taint: the program's
    // own `a<b` would look the same.
    let report = iast::check(|| {
        let _ = param("a<b");
        let shown = escape_html("a<b");
        query(&format!("SELECT '{shown}'"));
    });
    assert!(report.is_clean(), "{report}");
}

/// What a hand-rolled query-string parser does with a parameter's value.
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// Values the application decodes itself are found in their decoded form, and pieces of that
/// form like pieces of the value: a parameter percent-decoded out of the raw query string, a
/// base64 parameter, a JSON-escaped string, HTML character references.
#[test]
fn through_what_the_application_decodes() {
    use base64::Engine as _;
    let sql = |report: &iast::Report| -> Vec<String> {
        report
            .of(Vulnerability::SqlInjection)
            .flat_map(|f| f.evidence().tainted_text().map(str::to_owned))
            .collect()
    };

    let report = iast::check(|| {
        let raw = param("page=2&sort=name%27%20DESC%2C%20id&lang=en");
        let sort = raw
            .split('&')
            .find_map(|p| p.strip_prefix("sort="))
            .map(percent_decoded)
            .unwrap();
        query(&format!("SELECT * FROM t ORDER BY {sort}"));
    });
    assert_eq!(sql(&report), ["name' DESC, id"], "{report}");
    assert_eq!(
        report.findings()[0].evidence().tainted[0].kind,
        MatchKind::UrlDecoded
    );

    let report = iast::check(|| {
        let token = param(&base64::engine::general_purpose::URL_SAFE.encode("x' OR '1'='1"));
        let decoded = base64::engine::general_purpose::URL_SAFE
            .decode(&token)
            .unwrap();
        let name = String::from_utf8(decoded).unwrap();
        query(&format!("SELECT * FROM t WHERE name = '{name}'"));
    });
    assert_eq!(sql(&report), ["x' OR '1'='1"], "{report}");

    let report = iast::check(|| {
        let escaped = param(r#"x\u0027 OR \"a\"=\"a"#);
        let name: String = serde_json::from_str(&format!("\"{escaped}\"")).unwrap();
        query(&format!("SELECT * FROM t WHERE name = '{name}'"));
    });
    assert_eq!(sql(&report), [r#"x' OR "a"="a"#], "{report}");

    let report = iast::check(|| {
        let text = param("&lt;script&gt;alert(1)&lt;/script&gt;");
        let html = text.replace("&lt;", "<").replace("&gt;", ">");
        page(&format!("<p>{html}</p>"));
    });
    let xss: Vec<_> = report
        .of(Vulnerability::Xss)
        .map(|f| f.confidence())
        .collect();
    assert_eq!(xss, [iast::Confidence::Confirmed], "{report}");
}
