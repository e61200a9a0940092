//! Collection across processes: with `IAST_OUTPUT` set, each process writes its registry,
//! the sinks it reached and its findings to a JSON-lines file of its own.
//!
//! The parent tests run this same test binary again as child processes (the ignored tests
//! below), in parallel, and read what they wrote.
#![cfg(feature = "enabled")]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

#[iast::source(origin = "http.parameter")]
fn param(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(command)]
fn never_called(command: &str) {
    let _ = command;
}

#[test]
#[ignore = "run as a child process by the collection tests"]
fn child_with_a_finding() {
    for _ in 0..3 {
        let report = iast::check(|| query(&format!("a = '{}'", param("child' OR '1'='1"))));
        assert_eq!(report.findings().len(), 1);
    }
}

#[test]
#[ignore = "run as a child process by the collection tests"]
fn child_that_panics_after_a_finding() {
    let _ = iast::check(|| query(&format!("a = '{}'", param("panic' OR 'x'='x"))));
    panic!("the test process fails after its finding");
}

#[test]
#[ignore = "run as a child process by the collection tests"]
fn child_with_a_flow() {
    let _ = iast::check(|| query(&format!("a = '{}'", param("child' OR '1'='1"))));
}

/// The command that runs the ignored test `name` of this binary, its output discarded.
fn child_command(name: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--ignored",
            "--exact",
            name,
            "--test-threads",
            "1",
            "--nocapture",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Runs the ignored test `name` of this binary with `IAST_OUTPUT=dir`.
fn child(name: &str, dir: &Path) -> std::process::Child {
    child_command(name)
        .env(iast::collect::OUTPUT_VAR, dir)
        .spawn()
        .unwrap()
}

fn lines_of(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn parallel_processes_write_files_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| child("child_with_a_finding", dir.path()))
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let files = files(dir.path());
    assert_eq!(files.len(), 3, "one file per process: {files:?}");
    for file in &files {
        let lines = lines_of(file);
        let kinds: Vec<_> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
        // The registry first, the sink once, the repeated flow once.
        assert_eq!(
            kinds,
            ["process", "reached", "exercised", "finding"],
            "{lines:?}"
        );
        assert_eq!(lines[0]["binary"], "collect");
        let registered: Vec<_> = lines[0]["registry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["function"].as_str().unwrap())
            .collect();
        assert!(
            registered.contains(&"collect::never_called"),
            "{registered:?}"
        );
        assert_eq!(lines[1]["sink"]["function"], "collect::query");
        // The sink ran while a value from `http.parameter` was tracked.
        assert_eq!(lines[2]["origin"], "http.parameter");
        assert_eq!(lines[2]["class"], "sql");
        assert_eq!(lines[3]["rule"], "SQL_INJECTION");
        assert_eq!(lines[3]["confidence"], "Confirmed");
        // Every process saw the same flow: the same fingerprint.
        assert_eq!(
            lines[3]["fingerprint"],
            lines_of(&files[0])[3]["fingerprint"]
        );
    }
}

#[test]
fn a_crashing_test_process_keeps_what_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let status = child("child_that_panics_after_a_finding", dir.path())
        .wait()
        .unwrap();
    assert!(!status.success());
    let files = files(dir.path());
    assert_eq!(files.len(), 1);
    let lines = lines_of(&files[0]);
    assert!(
        lines
            .iter()
            .any(|l| l["kind"] == "finding" && l["rule"] == "SQL_INJECTION"),
        "{lines:?}"
    );
}

#[test]
fn without_the_variable_nothing_is_written() {
    // This process has no IAST_OUTPUT: checking works and writes nowhere.
    assert!(std::env::var_os(iast::collect::OUTPUT_VAR).is_none());
    let report = iast::check(|| never_called("x"));
    assert!(report.is_clean());
}

/// Runs `child_with_a_flow` with `iast.toml` holding `config`; returns the collection
/// directory's lines and the child's stderr.
fn with_config(config: &str, output_var: bool) -> (Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("iast.toml");
    std::fs::write(&path, config).unwrap();
    let out = dir.path().join("out");
    let mut command = child_command("child_with_a_flow");
    command
        .env(iast::config::CONFIG_VAR, &path)
        .env_remove(iast::collect::OUTPUT_VAR)
        .stderr(Stdio::piped());
    if output_var {
        command.env(iast::collect::OUTPUT_VAR, &out);
    }
    let output = command.output().unwrap();
    assert!(output.status.success(), "the program under test ran on");
    let lines = match std::fs::read_dir(&out) {
        Ok(entries) => entries.flat_map(|e| lines_of(&e.unwrap().path())).collect(),
        Err(_) => Vec::new(),
    };
    (lines, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn findings(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l["kind"] == "finding").collect()
}

#[test]
fn a_config_file_the_program_cannot_read_is_reported_and_the_program_runs_on() {
    let (lines, stderr) = with_config("[report]\nfail_on = 3\n", true);
    assert!(stderr.contains("iast.toml:2:"), "{stderr}");
    assert!(stderr.contains("report.fail_on"), "{stderr}");
    assert!(
        stderr.contains("running with the default configuration"),
        "{stderr}"
    );
    // The defaults apply: the flow is found.
    assert_eq!(findings(&lines).len(), 1, "{lines:?}");
    let (lines, stderr) = with_config("[repotr]\n", true);
    assert!(stderr.contains("unknown section `repotr`"), "{stderr}");
    assert_eq!(findings(&lines).len(), 1);
}

#[test]
fn the_config_file_turns_classes_off() {
    let (lines, stderr) = with_config("[classes]\nsql = false\n", true);
    assert!(stderr.is_empty(), "{stderr}");
    assert!(findings(&lines).is_empty(), "{lines:?}");
    // The sink still ran: coverage is not a finding.
    assert!(lines.iter().any(|l| l["kind"] == "reached"));
}

#[test]
fn the_config_file_adds_redaction_patterns() {
    let (lines, _) = with_config("[redaction]\npatterns = ['c(hi)ld']\n", true);
    let found = findings(&lines);
    assert_eq!(
        found[0]["evidence"]["value"],
        "a = 'c[REDACTED]ld' OR '1'='1'"
    );
}

#[test]
fn the_config_file_can_name_the_collection_directory() {
    // No IAST_OUTPUT: `collect.output`, relative to the file, is used.
    let (lines, _) = with_config("[collect]\noutput = \"out\"\n", false);
    assert_eq!(findings(&lines).len(), 1, "{lines:?}");
}

#[test]
#[ignore = "run as a child process by the collection tests"]
fn child_with_a_sink_on_a_plain_thread() {
    let report = iast::check(|| {
        let sql = format!("a = '{}'", param("thread' OR '1'='1"));
        for _ in 0..2 {
            let sql = sql.clone();
            // Started without the context: the sink there checks nothing.
            std::thread::spawn(move || query(&sql)).join().unwrap();
        }
    });
    assert!(report.is_clean());
    assert_eq!(iast::sinks_outside_context(), 2);
}

/// Taint lost to a thread started without the context is not silent in CI: the collection
/// says, once, which sink ran outside any context, for `cargo iast` to show with the fix.
#[test]
fn a_sink_outside_any_context_is_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let status = child("child_with_a_sink_on_a_plain_thread", dir.path())
        .wait()
        .unwrap();
    assert!(status.success());
    let files = files(dir.path());
    assert_eq!(files.len(), 1);
    let outside: Vec<Value> = lines_of(&files[0])
        .into_iter()
        .filter(|l| l["kind"] == "outside")
        .collect();
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert_eq!(outside[0]["sink"]["function"], "collect::query");
    let merged = iast::collect::Collection::read(dir.path()).unwrap();
    assert_eq!(merged.outside.len(), 1);
}
