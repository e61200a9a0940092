#[test]
fn search_and_greet() {
    let report = iast::check(|| {
        shop::search("tea' OR '1'='1");
        shop::greet("<b>ann</b> and friends");
    });
    assert_eq!(report.findings().len(), 2, "{report}");
}
