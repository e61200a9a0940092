//! Merging collection files: what several processes wrote becomes one view, whatever the
//! order of the files, with torn lines skipped and named.

mod common;

use cargo_iast::{Analysis, Collection, Status};
use common::{finding_line, process_line, reached_line, registry_entry, site, source};
use iast_core::config::Config;
use serde_json::json;

fn process(binary: &str, sinks: &[&str]) -> String {
    let mut registry = vec![registry_entry(
        "source",
        source("app::param", "src/http.rs", 3, "http.parameter"),
        &[],
    )];
    for s in sinks {
        registry.push(registry_entry("sink", site(s, "src/db.rs", 7), &["sql"]));
    }
    process_line(binary, registry)
}

fn finding(fingerprint: &str, confidence: &str, value: &str) -> String {
    finding_line(
        "SqlInjection",
        confidence,
        site("app::query", "src/db.rs", 7),
        vec![source("app::param", "src/http.rs", 3, "http.parameter")],
        vec![],
        json!({"argument": "sql", "value": value,
               "tainted": [{"start": 0, "end": 3, "source": 0, "match": "Exact"}]}),
        fingerprint,
    )
}

fn reached(sink: &str) -> String {
    reached_line(site(sink, "src/db.rs", 7))
}

fn file(lines: &[String]) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

#[test]
fn flows_of_several_processes_fold_into_one_finding_per_flow() {
    let a = file(&[
        process("api", &["app::query", "app::other"]),
        reached("app::query"),
        finding("00000000000000aa", "Unsanitized", "abc and more"),
    ]);
    let b = file(&[
        process("api", &["app::query", "app::other"]),
        reached("app::query"),
        finding("00000000000000aa", "Confirmed", "abc' OR 1=1 --"),
        finding("00000000000000bb", "Unsanitized", "xyz"),
    ]);
    let c = file(&[process("worker", &["app::query"])]);
    let merged = Collection::from_files([
        ("a.jsonl", &a[..]),
        ("b.jsonl", &b[..]),
        ("c.jsonl", &c[..]),
    ]);
    assert_eq!(
        merged.binaries.iter().collect::<Vec<_>>(),
        [(&"api".to_owned(), &2), (&"worker".to_owned(), &1)]
    );
    // Registries are unioned: each entry once.
    assert_eq!(merged.registry.len(), 3);
    assert_eq!(merged.reached.len(), 1);
    assert_eq!(merged.findings.len(), 2);
    let aa = merged
        .findings
        .iter()
        .find(|f| f.fingerprint() == "00000000000000aa")
        .unwrap();
    // The most telling evidence wins; hits count the processes that saw the flow.
    assert_eq!(aa.confidence(), iast_core::Confidence::Confirmed);
    assert_eq!(aa.evidence().value, "abc' OR 1=1 --");
    assert_eq!(aa.hits(), 2);

    // The order files are read in does not show.
    let reversed = Collection::from_files([
        ("c.jsonl", &c[..]),
        ("b.jsonl", &b[..]),
        ("a.jsonl", &a[..]),
    ]);
    let config = Config::default();
    assert_eq!(
        cargo_iast::json::render(&Analysis::new(merged, &config)),
        cargo_iast::json::render(&Analysis::new(reversed, &config))
    );
}

#[test]
fn ties_in_confidence_and_length_are_broken_the_same_way_in_any_order() {
    // The same flow from two processes, equally confident, evidence of the same length: one
    // found by the very buffer, one by value. Whichever file is read first, one report.
    let buffer = file(&[
        process("api", &["app::query"]),
        finding("00000000000000aa", "Confirmed", "abc' OR 1=1 --").replace("Exact", "Buffer"),
    ]);
    let value = file(&[
        process("api", &["app::query"]),
        finding("00000000000000aa", "Confirmed", "abc' OR 1=1 --"),
    ]);
    let config = Config::default();
    let one = Collection::from_files([("a.jsonl", &buffer[..]), ("b.jsonl", &value[..])]);
    let other = Collection::from_files([("a.jsonl", &value[..]), ("b.jsonl", &buffer[..])]);
    assert_eq!(
        cargo_iast::json::render(&Analysis::new(one, &config)),
        cargo_iast::json::render(&Analysis::new(other, &config))
    );
}

#[test]
fn a_torn_last_line_is_skipped_and_named() {
    let mut torn = file(&[
        process("api", &["app::query"]),
        finding("00000000000000aa", "Confirmed", "abc' OR 1=1 --"),
    ]);
    let half = finding("00000000000000bb", "Confirmed", "zzz");
    torn.extend_from_slice(&half.as_bytes()[..half.len() / 2]);
    let merged = Collection::from_files([("killed.jsonl", &torn[..])]);
    assert_eq!(merged.findings.len(), 1);
    assert_eq!(merged.problems.len(), 1);
    assert_eq!(merged.problems[0].file, "killed.jsonl");
    assert_eq!(merged.problems[0].line, 3);
    let analysis = Analysis::new(merged, &Config::default());
    let text = cargo_iast::text::render(&analysis);
    assert!(text.contains("1 unreadable line skipped"), "{text}");
    assert!(text.contains("killed.jsonl:3:"), "{text}");
}

#[test]
fn the_baseline_and_the_threshold_decide_what_fails() {
    let lines = file(&[
        process("api", &["app::query"]),
        finding("00000000000000aa", "Confirmed", "abc' OR 1=1 --"),
        finding("00000000000000bb", "Unsanitized", "xyz"),
    ]);
    let config = Config::parse(
        "iast.toml",
        "[report]\nfail_on = \"confirmed\"\n\n[[baseline]]\nfingerprint = \"00000000000000AA\"\nreason = \"known\"\n\n[[baseline]]\nfingerprint = \"00000000000000cc\"\nreason = \"fixed since\"\n",
    )
    .unwrap();
    let analysis = Analysis::new(Collection::from_files([("a.jsonl", &lines[..])]), &config);
    let status: Vec<_> = analysis.findings.iter().map(|j| &j.status).collect();
    assert_eq!(
        status,
        [
            &Status::Suppressed {
                reason: "known".to_owned()
            },
            &Status::BelowThreshold
        ]
    );
    assert_eq!(analysis.failing().count(), 0);
    assert_eq!(analysis.unused_suppressions, ["00000000000000cc"]);

    // A class the configuration turns off is dropped even if a process reported it.
    let off = Config::parse("iast.toml", "[classes]\nsql = false\n").unwrap();
    let analysis = Analysis::new(Collection::from_files([("a.jsonl", &lines[..])]), &off);
    assert!(analysis.findings.is_empty());
}

#[test]
fn reading_a_directory_merges_only_collection_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("iast-1-1.jsonl"),
        file(&[
            process("api", &["app::query"]),
            finding("00000000000000aa", "Confirmed", "q"),
        ]),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a collection").unwrap();
    let merged = Collection::read(dir.path()).unwrap();
    assert_eq!(merged.findings.len(), 1);
    assert!(merged.problems.is_empty());
    let missing = Collection::read(&dir.path().join("none")).unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("cannot read the collection directory")
    );
}

#[test]
fn an_overlong_line_is_skipped_without_losing_the_lines_after_it() {
    let mut bytes = file(&[process("api", &["app::query"])]);
    bytes.extend(std::iter::repeat_n(b'x', 17 << 20));
    bytes.push(b'\n');
    bytes.extend(file(&[finding(
        "00000000000000aa",
        "Confirmed",
        "q' OR 1=1 --",
    )]));
    let merged = Collection::from_files([("big.jsonl", &bytes[..])]);
    assert_eq!(merged.findings.len(), 1);
    assert_eq!(merged.problems.len(), 1);
    assert_eq!(merged.problems[0].line, 2);
    assert!(merged.problems[0].message.contains("longer than 16 MiB"));
}

/// A sink that ran outside any context in some process is listed once, sorted, with the fix,
/// in every format: its flows were not followed.
#[test]
fn a_sink_outside_any_context_is_said_in_every_format_with_its_fix() {
    let outside =
        |sink: &str| json!({ "kind": "outside", "sink": site(sink, "src/db.rs", 7) }).to_string();
    let a = file(&[
        process("api", &["app::query", "app::other"]),
        outside("app::query"),
    ]);
    let b = file(&[
        process("worker", &["app::query", "app::other"]),
        outside("app::query"),
        outside("app::other"),
    ]);
    let merged = Collection::from_files([("a.jsonl", &a[..]), ("b.jsonl", &b[..])]);
    assert!(merged.problems.is_empty(), "{:?}", merged.problems);
    let functions: Vec<_> = merged.outside.iter().map(|s| s.function()).collect();
    assert_eq!(functions, ["app::other", "app::query"]);

    let analysis = Analysis::new(merged, &Config::default());
    let text = cargo_iast::text::render(&analysis);
    assert!(
        text.contains("warning: sink `app::query` at src/db.rs:7 ran outside any context"),
        "{text}"
    );
    assert!(text.contains("iast::thread::spawn, iast::spawn"), "{text}");

    let json: serde_json::Value =
        serde_json::from_str(&cargo_iast::json::render(&analysis)).unwrap();
    assert_eq!(json["summary"]["sinks_outside_context"], 2);
    assert_eq!(json["sinks_outside_context"][1]["function"], "app::query");

    let sarif: serde_json::Value =
        serde_json::from_str(&cargo_iast::sarif::render(&analysis)).unwrap();
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes.as_array().map(Vec::len), Some(2), "{sarif:#}");
    assert_eq!(notes[0]["descriptor"]["id"], "iast/sink-outside-context");
    assert_eq!(notes[0]["level"], "warning");
    assert_eq!(
        notes[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "src/db.rs"
    );

    let html = cargo_iast::html::render(&analysis);
    assert!(html.contains("ran outside any context"), "{html}");

    // A clean run's SARIF log has no invocation.
    let clean = Analysis::new(
        Collection::from_files([("a.jsonl", &file(&[process("api", &["app::query"])])[..])]),
        &Config::default(),
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&cargo_iast::sarif::render(&clean)).unwrap();
    assert!(sarif["runs"][0].get("invocations").is_none());
}
