//! An application that depends on iast-sinks but not on iast (`tests/disabled-app`) gets
//! instrumentation compiled out: it builds without a warning from iast-sinks, and its first
//! use of iast-sinks says, once, that nothing will be found.
//!
//! The application is a crate of its own, built with the real `cargo build` into a target
//! directory of its own: this package's tests turn instrumentation on for every crate they
//! are built with, so the warning cannot be seen from here.

use std::path::Path;
use std::process::{Command, Stdio};

const WARNING: &str = "instrumentation is compiled out, so iast-sinks checks nothing";

#[test]
fn an_application_without_iast_is_told_once_that_nothing_will_be_found() {
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/disabled-app");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("disabled-app");
    let build = Command::new(env!("CARGO"))
        .args(["build", "--quiet"])
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let build_err = String::from_utf8_lossy(&build.stderr);
    assert!(build.status.success(), "{build_err}");
    // `--quiet` leaves only diagnostics, and iast-sinks, a path dependency, shows its own.
    assert!(!build_err.contains("warning"), "{build_err}");

    let exe = target
        .join("debug")
        .join(format!("disabled-app{}", std::env::consts::EXE_SUFFIX));
    let run = Command::new(exe)
        .current_dir(&app)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
    );
    assert!(run.status.success(), "{out}{err}");

    let line = format!("iast: {WARNING}");
    assert_eq!(err.matches(WARNING).count(), 1, "{err}");
    let printed = err.lines().find(|l| l.starts_with(&line)).expect(&err);
    assert!(
        printed.contains(r#"iast = { version = ""#)
            && printed.contains(r#"features = ["enabled"] }"#),
        "{printed}"
    );
    assert!(printed.contains("no finding will be reported"), "{printed}");

    // The tracing warning, once, in the order of the application's events: after the
    // subscriber was set, at the first check.
    let events: Vec<&str> = out.lines().filter(|l| l.starts_with("event ")).collect();
    assert_eq!(events.len(), 3, "{out}");
    assert_eq!(events[0], "event app INFO: started");
    assert!(
        events[1].starts_with(&format!("event iast WARN: {WARNING}")),
        "{out}"
    );
    assert_eq!(events[2], "event app INFO: done");
}
