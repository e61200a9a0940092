//! The four reports of one fixed collection, as snapshots: the whole text, JSON, SARIF and
//! HTML that `cargo iast report --format ...` writes, so that any change of wording, order,
//! escaping or structure shows up in review as a diff rather than slipping past a `contains`.
//!
//! The collection is what a small web application's test run leaves: two processes of one
//! test binary and one of another, a finding seen by both processes, a response check, a
//! flow with two sources through a sanitizer of another class, a flow the baseline accepts
//! and one below `report.fail_on`, evidence full of bytes that must be escaped, a sink
//! reached without findings, one never reached, one that ran outside any context, a stale
//! baseline entry and the torn last line of a killed process.
//!
//! After a deliberate change, regenerate with `INSTA_UPDATE=always cargo test -p cargo-iast
//! --test snapshots` (or `cargo insta review`) and read every changed line of the `.snap`
//! files before committing them.

mod common;

use cargo_iast::{Analysis, Collection, html, json, sarif, text};
use common::{
    call_site, exercised_line, finding_line, named, outside_line, placed, process_line,
    reached_line, registry_entry, route, site, source,
};
use iast_core::config::Config;
use serde_json::{Value, json};

const SQL_FP: &str = "8eda169de13035d0";
const PATH_FP: &str = "4c1f0e7a92b35d68";
const XSS_FP: &str = "b7e90a4d1c2f6635";
const LOG_FP: &str = "2d94c5e0f17a8b3c";
/// In the baseline, but no finding has it any more.
const STALE_FP: &str = "9f3e7d1c5b0a2846";

/// The name of the file whose last line is torn.
const KILLED: &str = "iast-4243-1718000000000000002.jsonl";

/// Attacker text that reached an HTML response: markup, a CDATA end, an ANSI escape, CR LF,
/// a tab, quotes, a NUL, a backslash and a right-to-left override, as the evidence format
/// stores them (the backslash doubled, the override written out as `\u{202e}`, control
/// characters as they are).
const ATTACK: &str = "</div><script>alert(document.cookie)</script>]]><!--\u{1b}[2J\r\n\
                      X-Injected: 1\t\"q\" & 'a' C:\\\\tmp \\u{202e}é\u{0}";

fn query(line: u32) -> Value {
    source(
        "iast_sinks::axum::query_parameter",
        "iast-sinks/src/axum.rs",
        line,
        "http.query",
    )
}

fn header() -> Value {
    source(
        "iast_sinks::axum::header_value",
        "iast-sinks/src/axum.rs",
        208,
        "http.header",
    )
}

/// A source declared without an origin: its origin is its function.
fn setting() -> Value {
    source(
        "app::config::setting",
        "src/config.rs",
        14,
        "app::config::setting",
    )
}

fn check_sql() -> Value {
    site(
        "iast_sinks::rusqlite::check_sql",
        "iast-sinks/src/rusqlite.rs",
        31,
    )
}

fn response_html() -> Value {
    site(
        "iast_sinks::axum::response_html",
        "iast-sinks/src/axum.rs",
        243,
    )
}

fn open() -> Value {
    site("iast_sinks::fs::check::open", "iast-sinks/src/fs.rs", 26)
}

fn check_url() -> Value {
    site(
        "iast_sinks::reqwest::check_url",
        "iast-sinks/src/reqwest.rs",
        37,
    )
}

fn check_command() -> Value {
    site(
        "iast_sinks::process::check_command",
        "iast-sinks/src/process.rs",
        156,
    )
}

fn check_log() -> Value {
    site(
        "iast_sinks::tracing::check_log",
        "iast-sinks/src/tracing.rs",
        30,
    )
}

fn archive() -> Value {
    site("app::jobs::archive", "src/jobs.rs", 40)
}

fn html_escape() -> Value {
    site(
        "iast_sinks::sanitize::html_escape",
        "iast-sinks/src/sanitize.rs",
        11,
    )
}

fn api_process() -> String {
    process_line(
        "api",
        vec![
            registry_entry("source", query(203), &[]),
            registry_entry("source", header(), &[]),
            registry_entry("sink", check_sql(), &["sql"]),
            registry_entry("sink", response_html(), &["xss"]),
            registry_entry("sink", open(), &["path"]),
            registry_entry("sink", check_url(), &["ssrf"]),
            registry_entry("sink", check_command(), &["command"]),
            registry_entry("sanitizer", html_escape(), &["xss"]),
            registry_entry(
                "validator",
                site("app::paths::is_safe", "src/paths.rs", 8),
                &["path"],
            ),
        ],
    )
}

fn worker_process() -> String {
    process_line(
        "worker",
        vec![
            registry_entry("source", setting(), &[]),
            registry_entry("sink", check_log(), &["log"]),
            registry_entry("sink", archive(), &["path"]),
        ],
    )
}

/// The evidence of `argument`: `value`, each of `parts` (text, source index, match kind)
/// tainted where it first occurs.
fn evidence(argument: &str, value: &str, parts: &[(&str, usize, &str)]) -> Value {
    let tainted: Vec<Value> = parts
        .iter()
        .map(|(part, source, kind)| {
            let start = value.find(part).expect("the tainted part is in the value");
            json!({ "start": start, "end": start + part.len(), "source": source, "match": kind })
        })
        .collect();
    json!({ "argument": argument, "value": value, "tainted": tainted })
}

fn search(confidence: &str, name: &str) -> String {
    let sql = format!("SELECT id, name FROM users WHERE name = '{name}' ORDER BY id");
    placed(
        finding_line(
            "SqlInjection",
            confidence,
            check_sql(),
            vec![named(query(203), "name")],
            vec![],
            evidence("sql", &sql, &[(name, 0, "Exact")]),
            SQL_FP,
        ),
        Some(call_site(
            "src/routes.rs",
            41,
            10,
            Some("app::routes::search"),
        )),
        Some(route("GET", "/search")),
    )
}

fn download() -> String {
    placed(
        finding_line(
            "PathTraversal",
            "Confirmed",
            open(),
            vec![
                named(query(203), "name"),
                named(header(), "x-forwarded-prefix"),
            ],
            vec![html_escape()],
            evidence(
                "path",
                "/srv/files/../../etc/passwd",
                &[
                    ("../../etc/passwd", 0, "Exact"),
                    ("/srv/files/", 1, "Partial"),
                ],
            ),
            PATH_FP,
        ),
        Some(call_site(
            "src/routes.rs",
            77,
            22,
            Some("app::routes::download"),
        )),
        Some(route("GET", "/files")),
    )
}

/// A check of the response the framework layer made: no call site, only the route.
fn preview() -> String {
    let page = format!("<html><body><p>Preview:</p><div>{ATTACK}</div></body></html>");
    let mut evidence = evidence("body", &page, &[(ATTACK, 0, "Buffer")]);
    evidence["cut_after"] = json!(true);
    placed(
        finding_line(
            "Xss",
            "Confirmed",
            response_html(),
            vec![named(query(203), "comment")],
            vec![],
            evidence,
            XSS_FP,
        ),
        None,
        Some(route("GET", "/comments/preview")),
    )
}

/// Found in an `async fn` sink, which cannot see its caller: neither call site nor route.
fn archive_log() -> String {
    finding_line(
        "LogInjection",
        "Unsanitized",
        check_log(),
        vec![setting()],
        vec![],
        evidence(
            "line",
            "archive job started for tenant acme-corp",
            &[("acme-corp", 0, "Exact")],
        ),
        LOG_FP,
    )
}

fn lines(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// `finding` confirmed in a probe's payload run by `proof` (the merged finding keeps it).
fn proved(finding: String, proof: &str) -> String {
    let mut line: serde_json::Value = serde_json::from_str(&finding).unwrap();
    line["proof"] = json!(proof);
    line.to_string()
}

/// The collection directory and the configuration file, as a run leaves them.
fn fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let collection = dir.join("collection");
    std::fs::create_dir(&collection).unwrap();
    let first = lines(&[
        api_process(),
        reached_line(check_sql()),
        exercised_line("http.query", "sql"),
        search("Confirmed", "bob' OR '1'='1"),
        reached_line(open()),
        exercised_line("http.header", "path"),
        exercised_line("http.query", "path"),
        download(),
        reached_line(response_html()),
        exercised_line("http.query", "xss"),
        preview(),
        reached_line(check_url()),
        exercised_line("http.query", "ssrf"),
    ]);
    // The same flow, less telling but proved by a probe, from a process killed while writing
    // its next finding.
    let mut second = lines(&[
        api_process(),
        reached_line(check_sql()),
        exercised_line("http.query", "sql"),
        proved(search("Unsanitized", "alice"), "alice' OR '1'='1"),
    ]);
    let half = search("Confirmed", "x' OR 1=1 --");
    second.push_str(&half[..half.len() / 2]);
    let third = lines(&[
        worker_process(),
        reached_line(check_log()),
        exercised_line("app::config::setting", "log"),
        archive_log(),
        outside_line(archive()),
    ]);
    for (name, text) in [
        ("iast-4242-1718000000000000001.jsonl", first),
        (KILLED, second),
        ("iast-5150-1718000000000000003.jsonl", third),
    ] {
        std::fs::write(collection.join(name), text).unwrap();
    }
    let config = dir.join("iast.toml");
    std::fs::write(
        &config,
        format!(
            "[report]\nfail_on = \"confirmed\"\n\n\
             [[baseline]]\nfingerprint = \"{PATH_FP}\"\n\
             reason = \"downloads are served to the <admin> network only, behind the \\\"edge\\\" proxy & 'ops'\"\n\n\
             [[baseline]]\nfingerprint = \"{STALE_FP}\"\nreason = \"fixed in 2.3\"\n"
        ),
    )
    .unwrap();
    collection
}

/// The analysis `cargo iast report <dir> --iast-config <file>` makes.
fn analysis() -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    let collection = fixture(dir.path());
    let config = Config::load(&dir.path().join("iast.toml")).unwrap();
    let merged = Collection::read(&collection).unwrap();
    // A fixture line the reader rejects would otherwise only show as a changed snapshot.
    assert_eq!(merged.problems.len(), 1, "{:?}", merged.problems);
    assert_eq!(
        (merged.problems[0].file.as_str(), merged.problems[0].line),
        (KILLED, 5)
    );
    Analysis::new(merged, &config)
}

#[test]
fn text_report() {
    insta::assert_snapshot!("text", text::render(&analysis()));
}

#[test]
fn json_report() {
    insta::assert_snapshot!("json", json::render(&analysis()));
}

#[test]
fn sarif_report() {
    insta::assert_snapshot!("sarif", sarif::render(&analysis()));
}

#[test]
fn html_report() {
    insta::assert_snapshot!("html", html::render(&analysis()));
}
