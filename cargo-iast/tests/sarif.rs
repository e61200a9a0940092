//! The SARIF report, built from collection lines written the way `iast_core::collect` writes
//! them, inspected as JSON.
//!
//! `samples_are_written_for_the_validator` leaves the reports of these tests at
//! `target/tmp/iast-sample*.sarif`, for `.ci/validate-sarif` to check with Microsoft's SARIF
//! Multitool, the validator whose rules code scanning's upload follows.

mod common;

use cargo_iast::{Analysis, Collection, sarif};
use common::{finding_line, process_line, reached_line, registry_entry, site, source};
use iast_core::Vulnerability;
use iast_core::config::Config;
use serde_json::{Value, json};

const SQL_FP: &str = "5b1c2e0f3a9d7c41";
const XSS_FP: &str = "0123456789abcdef";
const PATH_FP: &str = "fedcba9876543210";
const LOG_FP: &str = "00ff00ff00ff00ff";

/// Nastiest evidence: quotes, backslashes, markup, control characters, a NUL and non-ASCII.
const NASTY: &str = "a\"b\\c<script>alert(1)</script>\u{0}\u{1b}[31m\r\nd\u{7f}é";

fn process() -> String {
    process_line(
        "app-tests",
        vec![
            registry_entry(
                "source",
                source("app::http::query_param", "src/http.rs", 2, "http.parameter"),
                &[],
            ),
            registry_entry("sink", site("app::db::run_query", "src/db.rs", 7), &["sql"]),
            registry_entry(
                "sanitizer",
                site("app::html::escape", "src/html.rs", 3),
                &["xss"],
            ),
        ],
    )
}

/// Two processes' files: an SQL flow seen by both, an XSS flow through the wrong
/// sanitizer, a path flow with two sources, and a log flow below a `confirmed` threshold.
fn files() -> [(String, String); 2] {
    let sql_value = "SELECT * FROM users WHERE name = 'bob' OR '1'='1'";
    let sql = finding_line(
        "SqlInjection",
        "Confirmed",
        site("app::db::run_query", "src/db.rs", 7),
        vec![source(
            "app::http::query_param",
            "src/http.rs",
            2,
            "http.parameter",
        )],
        vec![site("app::html::escape", "src/html.rs", 3)],
        json!({
            "argument": "sql",
            "value": sql_value,
            "tainted": [{ "start": 34, "end": 48, "source": 0, "match": "Exact" }],
        }),
        SQL_FP,
    );
    let xss = finding_line(
        "Xss",
        "Unsanitized",
        site("app::view::render", "src/view.rs", 40),
        vec![source(
            "app::http::form_field",
            "src/http.rs",
            20,
            "http.form",
        )],
        vec![],
        json!({
            "argument": "html",
            "value": NASTY,
            "cut_after": true,
            "tainted": [{ "start": 0, "end": NASTY.len(), "source": 0, "match": "Buffer" }],
        }),
        XSS_FP,
    );
    let path = finding_line(
        "PathTraversal",
        "Confirmed",
        site("app::files::open", "my crate/src/files.rs", 11),
        vec![
            source("app::http::header", "src/http.rs", 30, "http.header"),
            site("app::env::var", "src/env.rs", 5),
        ],
        vec![
            site("app::html::escape", "src/html.rs", 3),
            site("app::sql::quote", "src/sql.rs", 9),
        ],
        json!({
            "argument": "path",
            "value": "../../etc/passwd",
            "tainted": [
                { "start": 0, "end": 6, "source": 0, "match": "Partial" },
                { "start": 6, "end": 16, "source": 1, "match": "Exact" },
            ],
        }),
        PATH_FP,
    );
    let log = finding_line(
        "LogInjection",
        "Unsanitized",
        site("app::log::info", "src/log.rs", 1),
        vec![source(
            "app::http::query_param",
            "src/http.rs",
            2,
            "http.parameter",
        )],
        vec![],
        json!({
            "argument": "message",
            "value": "user bob",
            "tainted": [{ "start": 5, "end": 8, "source": 0, "match": "Exact" }],
        }),
        LOG_FP,
    );
    let reached = reached_line(site("app::db::run_query", "src/db.rs", 7));
    [
        (
            "iast-101-1.jsonl".to_owned(),
            [process(), reached, sql.clone(), xss, log].join("\n") + "\n",
        ),
        (
            "iast-202-2.jsonl".to_owned(),
            [process(), sql, path].join("\n") + "\n",
        ),
    ]
}

fn config() -> Config {
    let text = format!(
        "[report]\nfail_on = \"confirmed\"\n\n[[baseline]]\nfingerprint = \"{PATH_FP}\"\nreason = \"the file server is [internal](javascript:alert(1)) only\\u001b[31m\\u202e\"\n"
    );
    Config::parse("iast.toml", &text).unwrap()
}

fn render_files(files: &[(String, String)], config: &Config) -> String {
    let collection = Collection::from_files(
        files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_bytes())),
    );
    assert!(collection.problems.is_empty(), "{:?}", collection.problems);
    sarif::render(&Analysis::new(collection, config))
}

fn sample() -> (String, Value) {
    let text = render_files(&files(), &config());
    let value = serde_json::from_str(&text).expect("the report is JSON");
    (text, value)
}

fn results(sarif: &Value) -> &Vec<Value> {
    sarif["runs"][0]["results"].as_array().unwrap()
}

fn result<'a>(sarif: &'a Value, fingerprint: &str) -> &'a Value {
    results(sarif)
        .iter()
        .find(|r| r["partialFingerprints"]["iastFingerprint/v1"] == fingerprint)
        .unwrap_or_else(|| panic!("no result with fingerprint {fingerprint}"))
}

fn flow(result: &Value) -> &Vec<Value> {
    let flows = result["codeFlows"].as_array().unwrap();
    assert_eq!(flows.len(), 1);
    let threads = flows[0]["threadFlows"].as_array().unwrap();
    assert_eq!(threads.len(), 1);
    threads[0]["locations"].as_array().unwrap()
}

fn uri(location: &Value) -> &str {
    location["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
}

/// Collection lines whose names try to form links in messages.
fn hostile_names() -> [(String, String); 1] {
    let line = finding_line(
        "SqlInjection",
        "Confirmed",
        site("app::db::[x](https://evil.example)", "src/db.rs", 7),
        vec![source(
            "app::http::`q`",
            "src/http.rs",
            2,
            "[click](https://evil.example)\n\u{202e}",
        )],
        vec![],
        json!({
            "argument": "sql",
            "value": "x",
            "tainted": [{ "start": 0, "end": 1, "source": 0, "match": "Exact" }],
        }),
        SQL_FP,
    );
    let outside = json!({
        "kind": "outside",
        "sink": site("app::db::[x](https://evil.example)\u{202e}", "src/db.rs", 7),
    });
    [("a.jsonl".to_owned(), format!("{line}\n{outside}\n"))]
}

#[test]
fn samples_are_written_for_the_validator() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let samples = [
        ("iast-sample.sarif", sample().0),
        (
            "iast-sample-default.sarif",
            render_files(&files(), &Config::default()),
        ),
        (
            "iast-sample-hostile.sarif",
            render_files(&hostile_names(), &Config::default()),
        ),
        (
            "iast-sample-empty.sarif",
            render_files(&[], &Config::default()),
        ),
    ];
    for (name, text) in samples {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn the_log_is_sarif_2_1_0_with_one_run_of_the_iast_tool() {
    let (_, sarif) = sample();
    assert_eq!(
        sarif["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 1);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "iast");
    assert_eq!(driver["informationUri"], "https://docs.rs/iast");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_class_is_a_rule_in_report_order() {
    let (_, sarif) = sample();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), Vulnerability::ALL.len());
    let taxonomy = &sarif["runs"][0]["taxonomies"][0];
    assert_eq!(taxonomy["name"], "CWE");
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["supportedTaxonomies"],
        json!([{ "name": "CWE", "index": 0 }])
    );
    for (rule, v) in rules.iter().zip(Vulnerability::ALL) {
        assert_eq!(rule["id"], v.rule_id());
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let cwe = format!("external/cwe/cwe-{}", v.cwe());
        let mut expected = vec!["security", cwe.as_str()];
        expected.extend(v.codeql_id());
        assert_eq!(tags, expected);
        assert_eq!(rule["properties"]["precision"], "high");
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&severity), "{severity}");
        assert_eq!(rule["defaultConfiguration"]["level"], "error");
        assert_eq!(
            rule["help"]["text"].as_str().unwrap().find(v.help()),
            Some(0)
        );
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains(v.help())
        );
        let name = rule["name"].as_str().unwrap();
        assert!(name.chars().next().unwrap().is_ascii_uppercase(), "{name}");
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
        // The relationship points at the taxon of the same CWE.
        let target = &rule["relationships"][0]["target"];
        assert_eq!(target["toolComponent"]["name"], "CWE");
        let taxon = &taxonomy["taxa"][target["index"].as_u64().unwrap() as usize];
        assert_eq!(taxon["id"], v.cwe().to_string());
        assert_eq!(target["id"], taxon["id"]);
    }
    assert_eq!(rules[0]["name"], "SqlInjection");
    assert_eq!(rules[3]["name"], "CrossSiteScripting");
    assert_eq!(rules[0]["properties"]["security-severity"], "9.8");
    assert_eq!(rules[3]["properties"]["security-severity"], "6.1");
}

#[test]
fn each_finding_is_a_result_pointing_at_its_rule_and_sink() {
    let (_, sarif) = sample();
    let rules = &sarif["runs"][0]["tool"]["driver"]["rules"];
    let all = results(&sarif);
    // The SQL flow of both files is one result.
    assert_eq!(all.len(), 4);
    for r in all {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let location = &r["locations"][0];
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
        assert_eq!(
            location["logicalLocations"][0]["fullyQualifiedName"],
            flow(r).last().unwrap()["location"]["logicalLocations"][0]["fullyQualifiedName"]
        );
    }
    let sql = result(&sarif, SQL_FP);
    assert_eq!(sql["ruleId"], "SQL_INJECTION");
    assert_eq!(sql["ruleIndex"], 0);
    assert_eq!(sql["level"], "error");
    assert_eq!(uri(&sql["locations"][0]), "src/db.rs");
    assert_eq!(
        sql["locations"][0]["physicalLocation"]["region"]["startLine"],
        7
    );
    assert_eq!(
        sql["locations"][0]["logicalLocations"][0],
        json!({ "fullyQualifiedName": "app::db::run_query", "kind": "function" })
    );
    assert_eq!(
        sql["message"]["text"],
        "SQL injection: untrusted data from `app::http::query_param` (`http.parameter`) \
         reaches `app::db::run_query` (confirmed). It passes `app::html::escape`, which does \
         not protect against SQL injection."
    );
    assert_eq!(sql["properties"]["hits"], 2);
    assert_eq!(sql["properties"]["status"], "failing");
    assert_eq!(sql["properties"]["confidence"], "confirmed");
    assert_eq!(
        sql["partialFingerprints"],
        json!({ "iastFingerprint/v1": SQL_FP })
    );
    assert!(sql.get("suppressions").is_none());
}

#[test]
fn levels_follow_confidence_and_threshold() {
    let (_, sarif) = sample();
    // `fail_on = "confirmed"`: the unsanitized flows do not fail the run and are notes.
    assert_eq!(result(&sarif, SQL_FP)["level"], "error");
    assert_eq!(result(&sarif, XSS_FP)["level"], "note");
    assert_eq!(
        result(&sarif, XSS_FP)["properties"]["status"],
        "below_threshold"
    );
    assert_eq!(
        result(&sarif, XSS_FP)["properties"]["confidence"],
        "unsanitized"
    );
    assert_eq!(result(&sarif, LOG_FP)["level"], "note");
    // With the default threshold an unsanitized flow fails the run, as a warning.
    let text = render_files(&files(), &Config::default());
    let sarif: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(result(&sarif, XSS_FP)["level"], "warning");
    assert_eq!(result(&sarif, SQL_FP)["level"], "error");
    assert_eq!(result(&sarif, PATH_FP)["level"], "error");
    assert!(result(&sarif, PATH_FP).get("suppressions").is_none());
}

#[test]
fn code_flows_go_from_sources_through_sanitizers_to_the_sink() {
    let (_, sarif) = sample();
    for r in results(&sarif) {
        let steps = flow(r);
        assert!(steps.len() >= 2);
        assert_eq!(steps[0]["kinds"], json!(["source"]));
        assert_eq!(steps.last().unwrap()["kinds"], json!(["sink"]));
        assert_eq!(
            steps.last().unwrap()["location"]["physicalLocation"],
            r["locations"][0]["physicalLocation"]
        );
        for s in steps {
            assert!(s["location"]["message"]["text"].is_string());
            assert!(s["location"]["physicalLocation"]["region"]["startLine"].is_u64());
        }
    }
    let path = flow(result(&sarif, PATH_FP));
    let kinds: Vec<&str> = path
        .iter()
        .map(|s| s["kinds"][0].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["source", "source", "sanitizer", "sanitizer", "sink"]
    );
    let texts: Vec<&str> = path
        .iter()
        .map(|s| s["location"]["message"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Source `app::http::header` (`http.header`).",
            "Source `app::env::var`.",
            "Passes `app::html::escape`, which does not protect against path traversal.",
            "Passes `app::sql::quote`, which does not protect against path traversal.",
            "Sink `app::files::open`, argument `path`.",
        ]
    );
    assert_eq!(uri(&path[1]["location"]), "src/env.rs");
    assert_eq!(uri(&path[3]["location"]), "src/sql.rs");
    // A space in a path is percent-encoded, and stays relative.
    assert_eq!(uri(&path[4]["location"]), "my%20crate/src/files.rs");
    let sql = flow(result(&sarif, SQL_FP));
    assert_eq!(sql.len(), 3);
    assert_eq!(sql[1]["kinds"], json!(["sanitizer"]));
    assert_eq!(flow(result(&sarif, XSS_FP)).len(), 2);
}

#[test]
fn baseline_findings_carry_an_external_suppression_with_the_reason() {
    let (_, sarif) = sample();
    let path = result(&sarif, PATH_FP);
    assert_eq!(
        path["suppressions"],
        json!([{
            "kind": "external",
            "status": "accepted",
            // No link forms and no escape sequence or bidi override reaches a reader.
            "justification": "the file server is \\[internal\\](javascript:alert(1)) only\u{FFFD}\\[31m\u{FFFD}",
        }])
    );
    assert_eq!(path["properties"]["status"], "suppressed");
    // Still at its confidence's level: the suppression, not the level, says it is accepted.
    assert_eq!(path["level"], "error");
    for fp in [SQL_FP, XSS_FP, LOG_FP] {
        assert!(result(&sarif, fp).get("suppressions").is_none());
    }
}

#[test]
fn evidence_survives_as_data_and_stays_out_of_messages() {
    let (text, sarif) = sample();
    let xss = result(&sarif, XSS_FP);
    let evidence = &xss["properties"]["evidence"];
    assert_eq!(evidence["value"], NASTY);
    assert_eq!(evidence["argument"], "html");
    assert_eq!(evidence["cut_after"], true);
    assert_eq!(
        evidence["tainted"],
        json!([{ "start": 0, "end": NASTY.len(), "source": 0, "match": "Buffer" }])
    );
    // JSON escapes what it must: no raw character below U+0020 but the layout's newlines.
    assert!(!text.chars().any(|c| c < ' ' && c != '\n'));
    assert!(text.contains(r#"a\"b\\c<script>"#));
    for r in results(&sarif) {
        let message = r["message"]["text"].as_str().unwrap();
        assert!(!message.contains("<script>") && !message.contains("OR '1'"));
        assert!(!message.contains('\n'));
        assert!(message.ends_with('.'), "{message}");
    }
}

#[test]
fn names_cannot_form_links_in_messages() {
    let text = render_files(&hostile_names(), &Config::default());
    let sarif: Value = serde_json::from_str(&text).unwrap();
    let r = &results(&sarif)[0];
    let mut messages = vec![r["message"]["text"].as_str().unwrap()];
    messages.extend(
        flow(r)
            .iter()
            .map(|s| s["location"]["message"]["text"].as_str().unwrap()),
    );
    let note = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    messages.push(note["message"]["text"].as_str().unwrap());
    for m in messages {
        // Every bracket is escaped, so no `[text](target)` link can form.
        let chars: Vec<char> = m.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            if matches!(c, '[' | ']') {
                assert!(i > 0 && chars[i - 1] == '\\', "{m}");
            }
        }
        assert!(!m.contains('\n') && !m.contains('\u{202e}'), "{m}");
    }
    assert_eq!(
        r["message"]["text"],
        "SQL injection: untrusted data from `app::http::'q'` \
         (`\\[click\\](https://evil.example)\u{fffd}\u{fffd}`) reaches \
         `app::db::\\[x\\](https://evil.example)` (confirmed)."
    );
    // The logical location keeps the name as it is: it is data, not a message.
    assert_eq!(
        r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "app::db::[x](https://evil.example)"
    );
}

#[test]
fn output_is_deterministic() {
    let (first, _) = sample();
    let (second, _) = sample();
    assert_eq!(first, second);
    let [a, b] = files();
    assert_eq!(render_files(&[b, a], &config()), first);
    assert!(first.ends_with("}\n"));
    // Nothing absolute or machine-specific.
    assert!(!first.contains("file:"));
    assert!(!first.contains(env!("CARGO_MANIFEST_DIR")));
    let sarif: Value = serde_json::from_str(&first).unwrap();
    for r in results(&sarif) {
        assert!(!uri(&r["locations"][0]).starts_with('/'));
    }
}

#[test]
fn an_empty_run_still_lists_every_rule() {
    let text = render_files(&[], &Config::default());
    let sarif: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(results(&sarif).len(), 0);
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        Vulnerability::ALL.len()
    );
}
