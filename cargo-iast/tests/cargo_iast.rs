//! `cargo iast` end to end: the real binary runs the real tests of `tests/workspace`, a small
//! application with its own workspace and `iast.toml`, and the reports it writes are read
//! back. The application's tests are built once into a target directory of their own.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/workspace")
}

fn target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("iast-workspace")
}

/// Runs are serialized: they share the application's target directory, and cargo would
/// only make them wait for each other's lock anyway.
static RUNS: Mutex<()> = Mutex::new(());

fn cargo_iast(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let _one_at_a_time = RUNS.lock().unwrap_or_else(|e| e.into_inner());
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-iast"));
    command
        .args(args)
        .current_dir(workspace())
        .env("CARGO_TARGET_DIR", target())
        .env_remove("IAST_OUTPUT")
        .env_remove("IAST_CONFIG")
        .env_remove("SHOP_CRASH")
        .stdin(Stdio::null());
    for (k, v) in envs {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn finding<'a>(report: &'a Value, sink: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["sink"]["function"] == sink)
        .unwrap_or_else(|| panic!("no finding at {sink}: {report:#}"))
}

#[test]
fn test_runs_the_tests_writes_every_report_and_fails_on_unsuppressed_findings() {
    let dir = tempfile::tempdir().unwrap();
    // The collection of an earlier run is cleared, and nothing else in the directory.
    std::fs::create_dir_all(dir.path().join("collection")).unwrap();
    std::fs::write(dir.path().join("collection/iast-1-1.jsonl"), "not json\n").unwrap();
    std::fs::write(dir.path().join("collection/keep.txt"), "mine").unwrap();
    let out = cargo_iast(&["test", "--dir", dir.path().to_str().unwrap()], &[]);
    let err = stderr(&out);
    assert!(dir.path().join("collection/keep.txt").exists());
    assert!(
        !err.contains("unreadable line"),
        "the old file was cleared: {err}"
    );
    // Two flows are neither suppressed nor below `fail_on = "unsanitized"`.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2 failing, 1 suppressed, 0 below the threshold"),
        "{err}"
    );
    assert!(err.contains("2 findings fail the run"), "{err}");

    let report = json(&dir.path().join("report.json"));
    assert_eq!(report["summary"]["findings"], 3, "{report:#}");
    assert_eq!(report["summary"]["failing"], 2);
    assert_eq!(report["summary"]["suppressed"], 1);
    // The baseline's entry is listed as suppressed, with its reason.
    let ping = finding(&report, "shop::run_shell");
    assert_eq!(ping["status"], "suppressed");
    assert!(
        ping["reason"]
            .as_str()
            .unwrap()
            .starts_with("the ping endpoint is reachable")
    );
    assert_eq!(finding(&report, "shop::run_query")["status"], "failing");
    // The HTML escaper on the way into SQL is part of the flow.
    let greet = finding(&report, "shop::record_visit");
    assert_eq!(greet["confidence"], "Unsanitized");
    assert_eq!(greet["sanitizers"][0]["function"], "shop::escape_html");
    // Coverage: the download sink never ran; flows exercised out of those monitored.
    assert_eq!(report["summary"]["sinks_registered"], 4);
    assert_eq!(report["summary"]["sinks_reached"], 3);
    assert_eq!(
        report["sinks_not_reached"][0]["function"],
        "shop::read_file"
    );
    assert_eq!(report["summary"]["flows_monitored"], 6);
    assert_eq!(report["summary"]["flows_exercised"], 2);

    // SARIF: every result has a code flow from a source to the sink; the suppressed one says so.
    let sarif = json(&dir.path().join("report.sarif"));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        let steps = r["codeFlows"][0]["threadFlows"][0]["locations"]
            .as_array()
            .unwrap();
        assert!(steps.len() >= 2, "{r:#}");
        assert!(
            r["partialFingerprints"]
                .as_object()
                .is_some_and(|p| !p.is_empty())
        );
        // Each result sits at a line of the application's own files, where it called the
        // sink, in the function that made the call.
        let location = &r["locations"][0];
        let uri = location["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        let source = std::fs::read_to_string(workspace().join(uri))
            .unwrap_or_else(|e| panic!("{uri} is no file of the workspace: {e}"));
        let line = location["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap() as usize;
        let called = source.lines().nth(line - 1).unwrap();
        let sink = r["codeFlows"][0]["threadFlows"][0]["locations"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["location"]["message"]["text"]
            .as_str()
            .unwrap()
            .to_owned();
        let sink_name = sink
            .split("shop::")
            .nth(1)
            .unwrap()
            .split('`')
            .next()
            .unwrap();
        assert!(
            called.contains(sink_name),
            "{uri}:{line}: {called} ({sink})"
        );
        let function = location["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        assert!(function.starts_with("shop::"), "{function}");
    }
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "COMMAND_INJECTION");

    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("shop::record_visit"));
    let text = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
    assert!(text.contains("= passed `shop::escape_html`"), "{text}");

    // `report` renders the kept collection the same way, with the same verdict.
    let collection = dir.path().join("collection");
    let again = cargo_iast(
        &["report", collection.to_str().unwrap(), "--format", "json"],
        &[],
    );
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert_eq!(
        serde_json::from_slice::<Value>(&again.stdout).unwrap(),
        report
    );
    // A stricter threshold on the command line lets the unsanitized flow pass.
    let confirmed = cargo_iast(
        &[
            "report",
            collection.to_str().unwrap(),
            "--fail-on",
            "confirmed",
        ],
        &[],
    );
    let text = String::from_utf8_lossy(&confirmed.stdout);
    assert!(
        text.contains("1 failing, 1 suppressed, 1 below the threshold"),
        "{text}"
    );
}

#[test]
fn a_crashing_test_process_keeps_its_findings() {
    let dir = tempfile::tempdir().unwrap();
    let out = cargo_iast(
        &[
            "test",
            "--dir",
            dir.path().to_str().unwrap(),
            "--test",
            "crash",
        ],
        &[("SHOP_CRASH", "1")],
    );
    let err = stderr(&out);
    // cargo test's own failure is passed on, and the reports are written all the same.
    assert_eq!(out.status.code(), Some(101), "{err}");
    assert!(err.contains("cargo test failed"), "{err}");
    let report = json(&dir.path().join("report.json"));
    let lookup = finding(&report, "shop::run_query");
    assert_eq!(lookup["sources"][0]["origin"], "http.header");
    assert_eq!(lookup["confidence"], "Confirmed");
}

#[test]
fn parallel_processes_are_merged_into_one_report() {
    // Build the application's `search` test once, then run it four times at once.
    let built = {
        let _one_at_a_time = RUNS.lock().unwrap_or_else(|e| e.into_inner());
        Command::new(env!("CARGO"))
            .args([
                "test",
                "--no-run",
                "--message-format=json",
                "--test",
                "search",
            ])
            .current_dir(workspace())
            .env("CARGO_TARGET_DIR", target())
            .stderr(Stdio::null())
            .output()
            .unwrap()
    };
    assert!(built.status.success());
    let exe = String::from_utf8_lossy(&built.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|m| {
            (m["target"]["name"] == "search")
                .then(|| m["executable"].as_str().map(str::to_owned))
                .flatten()
        })
        .expect("the search test's executable");
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&exe)
                .env("IAST_OUTPUT", dir.path())
                .env("IAST_CONFIG", workspace().join("iast.toml"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 4);
    let out = cargo_iast(
        &["report", dir.path().to_str().unwrap(), "--format", "json"],
        &[],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["binaries"], serde_json::json!([["search", 4]]));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{report:#}");
    for f in findings {
        assert_eq!(f["hits"], 4, "each process saw each flow: {f:#}");
    }
}

#[test]
fn configuration_errors_stop_the_run_before_any_test() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("iast.toml");
    let cases = [
        ("[report]\nfail_on = \"sometimes\"\n", 2, "report.fail_on"),
        ("[reprot]\n", 1, "reprot"),
        (
            "[[baseline]]\nfingerprint = \"ed4189cb733eef16\"\n",
            1,
            "baseline[0].reason",
        ),
        (
            "[taint]\nmin_match_length = 3\n",
            2,
            "taint.min_match_length",
        ),
        ("[classes\n", 1, "malformed TOML"),
    ];
    for (text, line, what) in cases {
        std::fs::write(&bad, text).unwrap();
        let out = cargo_iast(&["test", "--iast-config", bad.to_str().unwrap()], &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("iast.toml:{line}:")), "{err}");
        assert!(err.contains(what), "{err}");
        assert!(!err.contains("Running"), "no test ran: {err}");
    }
    let out = cargo_iast(&["test", "--fail-on", "often"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--fail-on"));
    let out = cargo_iast(&["test", "--dir="], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'--dir <DIR>': a directory is needed"));
}

#[test]
fn an_empty_collection_fails_instead_of_passing_vacuously() {
    let dir = tempfile::tempdir().unwrap();
    let out = cargo_iast(&["report", dir.path().to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no test process monitored anything"));
    let out = cargo_iast(
        &["report", dir.path().to_str().unwrap(), "--allow-empty"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    // An archive that is none is an error of the command, not an empty shard.
    let fake = dir.path().join("shard.tgz");
    std::fs::write(&fake, "not gzip").unwrap();
    let out = cargo_iast(&["report", fake.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read the archive"),
        "{}",
        stderr(&out)
    );
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_command_line_has_help_for_each_command_and_a_version() {
    for args in [
        &["--help"][..],
        &["test", "--help"],
        &["nextest", "--help"],
        &["report", "--help"],
    ] {
        let out = cargo_iast(args, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let name = args.join(" ").replace("--", "").replace(' ', "_");
        insta::assert_snapshot!(format!("help_{name}"), stdout(&out));
    }
    let version = format!("cargo-iast {}\n", env!("CARGO_PKG_VERSION"));
    // As cargo runs it (`cargo iast --version` runs `cargo-iast iast --version`) and as is.
    assert_eq!(stdout(&cargo_iast(&["iast", "--version"], &[])), version);
    assert_eq!(stdout(&cargo_iast(&["--version"], &[])), version);

    // Usage errors: status 2, with a suggestion for what was probably meant.
    let out = cargo_iast(&["iast", "reprot", "x"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a similar subcommand exists: 'report'"),
        "{}",
        stderr(&out)
    );
    let out = cargo_iast(&["report", "--fromat", "json", "x"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a similar argument exists: '--format'"),
        "{}",
        stderr(&out)
    );
    let out = cargo_iast(&["report", "--format", "yaml", "x"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("[possible values: text, json, sarif, html]"));
    let out = cargo_iast(&["report"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("<COLLECTION>"), "{}", stderr(&out));
}

/// `cargo nextest` must be installed: `.ci/run` installs it.
fn nextest(args: &[&str]) -> Output {
    nextest_with(args, &[])
}

fn nextest_with(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let installed = Command::new(env!("CARGO"))
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        installed,
        "cargo-nextest is needed: cargo install cargo-nextest --locked"
    );
    let mut all = vec!["nextest"];
    all.extend_from_slice(args);
    cargo_iast(&all, envs)
}

/// A report as JSON, without the description of the shards it was merged from.
fn without_shards(mut report: Value) -> Value {
    report.as_object_mut().unwrap().remove("shards");
    report
}

#[test]
fn nextest_runs_the_suite_and_its_shards_merge_into_the_same_report() {
    let whole = tempfile::tempdir().unwrap();
    let out = nextest(&["--dir", whole.path().to_str().unwrap()]);
    let err = stderr(&out);
    // The same verdict as under cargo test: two failing flows, one suppressed.
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2 failing, 1 suppressed, 0 below the threshold"),
        "{err}"
    );
    let report = json(&whole.path().join("report.json"));
    assert_eq!(
        report["shards"],
        serde_json::json!([{"runner": "cargo nextest run", "status": 0}])
    );
    // One process per test, each of the application's test binaries having one test.
    assert_eq!(
        report["binaries"],
        serde_json::json!([["crash", 1], ["ping", 1], ["search", 1]]),
        "{report:#}"
    );

    // The same suite split in two partitions, run apart, one kept as an archive.
    let parts: Vec<_> = (1..=2).map(|_| tempfile::tempdir().unwrap()).collect();
    for (i, part) in parts.iter().enumerate() {
        let partition = format!("--partition=slice:{}/2", i + 1);
        // cargo iast's own option after the runner's, as it may be.
        let out = nextest(&[&partition, "--dir", part.path().to_str().unwrap()]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
    }
    let archive = parts[1].path().join("shard.tar.gz");
    let tar = Command::new("tar")
        .args([
            "-czf",
            archive.to_str().unwrap(),
            "-C",
            parts[1].path().to_str().unwrap(),
        ])
        .arg("collection")
        .status()
        .unwrap();
    assert!(tar.success());
    let first = parts[0].path().join("collection");
    let out = cargo_iast(
        &[
            "report",
            first.to_str().unwrap(),
            archive.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        merged["shards"],
        serde_json::json!([
            {"runner": "cargo nextest run", "partition": "slice:1/2", "status": 0},
            {"runner": "cargo nextest run", "partition": "slice:2/2", "status": 0},
        ])
    );
    assert_eq!(without_shards(merged), without_shards(report));
    // The report directory given in place of its collection is read as the collection.
    let out = cargo_iast(
        &[
            "report",
            parts[0].path().to_str().unwrap(),
            archive.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        stdout(&out).contains(
            "merged from 2 shards: cargo nextest run slice:1/2, cargo nextest run slice:2/2"
        ),
        "{}",
        stdout(&out)
    );

    // Shards that are not one whole run get no verdict: one missing, one given twice.
    let out = cargo_iast(&["report", first.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("partition slice:2/2 is missing"),
        "{}",
        stderr(&out)
    );
    let out = cargo_iast(
        &[
            "report",
            first.to_str().unwrap(),
            first.to_str().unwrap(),
            archive.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("partition slice:1/2 is given 2 times"),
        "{}",
        stderr(&out)
    );

    // A shard whose tests failed fails the merge with its runner's status.
    let failing = tempfile::tempdir().unwrap();
    let out = nextest_with(
        &[
            "--dir",
            failing.path().to_str().unwrap(),
            "--partition=slice:1/1",
        ],
        &[("SHOP_CRASH", "1")],
    );
    let status = out.status.code();
    assert!(!matches!(status, Some(0..=2)), "{}", stderr(&out));
    let collection = failing.path().join("collection");
    let out = cargo_iast(&["report", collection.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), status, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cargo nextest run failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_runner_that_refuses_its_arguments_leaves_the_last_reports_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report.txt"), "the last run's").unwrap();
    // A mistyped option of cargo iast's is the runner's, and cargo refuses it.
    let out = cargo_iast(
        &[
            "test",
            "--dir",
            dir.path().to_str().unwrap(),
            "--fromat",
            "json",
        ],
        &[],
    );
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("cargo test failed before any test process ran"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("report.txt")).unwrap(),
        "the last run's"
    );
}
