//! A test binary without any annotated function: asserting "no findings" here would hold
//! vacuously, so the assertion refuses.
#![cfg(feature = "enabled")]

#[test]
#[should_panic(expected = "holds vacuously: this binary's registry has no sink")]
fn asserting_no_findings_with_an_empty_registry_fails() {
    assert!(iast::registry().is_empty());
    let report = iast::check(|| ());
    iast::assert_no_findings!(report);
}
