#[test]
fn ping() {
    let report = iast::check(|| shop::ping("example.com; cat /etc/passwd"));
    assert_eq!(report.findings().len(), 1, "{report}");
}
