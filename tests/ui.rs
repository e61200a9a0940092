//! Misuse of the attributes is a compile error on the offending token.
//!
//! The expected `.stderr` files are the diagnostics of the toolchain of the workspace's
//! `rust-version`: another release words or places them differently, which says nothing about
//! the attributes. So the test runs only when the `rustc` that cargo uses (`$RUSTC`, else
//! `rustc`) has that major.minor version; under any other it is skipped with a note on
//! stderr, or fails when `IAST_UI_TESTS=require` is set, as CI sets it so that the check
//! cannot be lost to a toolchain upgrade. With rustup, run it as
//! `rustup run 1.95 cargo test --test ui` (the version of `rust-version`).
//!
//! Regenerate the expected output with `TRYBUILD=overwrite rustup run 1.95 cargo test --test
//! ui`, then read each `.stderr`: the caret must sit under the token the message is about.

use std::io::Write as _;
use std::process::Command;

/// Set to `require` to fail instead of skipping under another toolchain.
const REQUIRE_VAR: &str = "IAST_UI_TESTS";

#[test]
fn ui() {
    let pinned = env!("CARGO_PKG_RUST_VERSION");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let running = rustc_version(&rustc);
    if let Err(mismatch) = same_release(pinned, &running) {
        let message = format!(
            "the UI tests expect the diagnostics of Rust {pinned} (rust-version) but `{rustc}` \
             is {mismatch}; run them with `rustup run {pinned} cargo test --test ui`"
        );
        match std::env::var(REQUIRE_VAR).as_deref() {
            Ok("require") => panic!("{message} ({REQUIRE_VAR}=require)"),
            Ok("") | Err(std::env::VarError::NotPresent) => {
                // Straight to the handle: libtest captures `eprintln!` of a passing test.
                let _ = writeln!(std::io::stderr(), "skipped: {message}");
                return;
            }
            // A misspelt value must not turn a required check back into a skip.
            Ok(other) => panic!("{REQUIRE_VAR} is `{other}`; the only value is `require`"),
            Err(e) => panic!("{REQUIRE_VAR}: {e}"),
        }
    }

    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    // Errors the compiler reports through the generated code, which exists only when
    // instrumentation is on: they must still point at the user's tokens.
    if cfg!(feature = "enabled") {
        t.compile_fail("tests/ui/enabled/*.rs");
    }
}

/// The version `rustc --version` prints (`1.95.0`, `1.96.0-nightly`), or why there is none.
fn rustc_version(rustc: &str) -> Result<String, String> {
    let out = Command::new(rustc)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run `{rustc} --version`: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    match stdout.split_whitespace().nth(1) {
        Some(version) if out.status.success() => Ok(version.to_owned()),
        _ => Err(format!(
            "`{rustc} --version` answered {:?} ({})",
            stdout.trim(),
            out.status
        )),
    }
}

/// `Ok` when `running` is a release of `pinned`'s major.minor; else what `running` is, in
/// words.
fn same_release(pinned: &str, running: &Result<String, String>) -> Result<(), String> {
    let version = running
        .as_ref()
        .map_err(|why| format!("of unknown version ({why})"))?;
    match (major_minor(pinned), major_minor(version)) {
        (Some(want), Some(have)) if want == have => Ok(()),
        _ => Err(format!("Rust {version}")),
    }
}

/// `(1, 95)` of `1.95`, `1.95.0` or `1.95.0-beta.2`.
fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

#[test]
fn versions_compare_by_major_and_minor() {
    let ok = |v: &str| same_release("1.95", &Ok(v.to_owned()));
    assert_eq!(ok("1.95.0"), Ok(()));
    assert_eq!(ok("1.95.3"), Ok(()));
    assert_eq!(ok("1.95.0-beta.4"), Ok(()));
    assert_eq!(ok("1.96.0"), Err("Rust 1.96.0".to_owned()));
    assert_eq!(ok("1.9.5"), Err("Rust 1.9.5".to_owned()));
    assert_eq!(ok("2.95.0"), Err("Rust 2.95.0".to_owned()));
    assert!(same_release("1.95", &Err("cannot run".to_owned())).is_err());
}
