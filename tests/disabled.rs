//! Instrumentation turned off: `cargo test --no-default-features --test disabled`.
//!
//! The attributes then expand to the unchanged functions: nothing is registered, recorded
//! or checked. With the default features the same functions are instrumented, which the
//! second half checks so that this file asserts something in either build.

#[iast::source]
fn input(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[test]
fn functions_behave_the_same() {
    assert_eq!(input("abc"), "abc");
    assert_eq!(query("abc"), 3);
}

#[cfg(not(feature = "enabled"))]
#[test]
fn nothing_is_registered_or_found() {
    assert!(iast::registry().is_empty());
    let report = iast::check(|| query(&input("x' OR '1'='1")));
    assert!(report.is_clean());
    assert!(report.sinks_reached().is_empty());
    // The assertion passes: the build asked for no instrumentation.
    iast::assert_no_findings!(report);
}

#[cfg(feature = "enabled")]
#[test]
fn the_same_functions_are_instrumented() {
    assert!(!iast::registry().is_empty());
    let report = iast::check(|| query(&input("x' OR '1'='1")));
    assert_eq!(report.findings().len(), 1);
}
