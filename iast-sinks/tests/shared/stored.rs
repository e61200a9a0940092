// What the stored-flow tests of the database modules share: a comment an earlier request
// stored, the page it is rendered into, and the one finding expected. Included by
// `tests/rusqlite.rs`, `tests/sqlx.rs`, `tests/tokio_postgres.rs` and `tests/postgres.rs`.

/// Script, and long enough to be found by value once copied into a page.
const STORED_COMMENT: &str = "<script>steal(document.cookie)</script>";

#[iast::sink(xss)]
fn page(html: &str) -> usize {
    html.len()
}

/// One stored XSS, from the column `column` as the module's row reader read it.
fn assert_stored(report: &iast::Report, column: &str) {
    assert_eq!(report.findings().len(), 1, "{report}");
    let f = &report.findings()[0];
    assert_eq!(f.vulnerability(), iast::Vulnerability::Xss, "{report}");
    assert!(f.stored(), "{report}");
    assert_eq!(f.confidence(), iast::Confidence::Confirmed, "{report}");
    let source = f.principal_source().unwrap();
    assert_eq!(source.function(), "iast_sinks::db::read_text", "{report}");
    assert_eq!(source.describe(), format!("database column `{column}`"));
}
