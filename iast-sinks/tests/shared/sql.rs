// What the SQL sink tests share: the inputs, the source they come from, and the one finding
// they expect. Included by `tests/rusqlite.rs`, `tests/sqlx.rs` and `tests/tokio_postgres.rs`,
// each of which defines `SINK`, the sink its checked calls go through; the source is then
// `<test>::param`, named after the including test.

use iast::{Confidence, Vulnerability};

/// Makes a `WHERE name = '...'` select every row.
const TAUTOLOGY: &str = "' OR '1'='1";
/// Stays inside the literal: reported as reaching the sink, not as changing the query.
#[allow(dead_code, reason = "not every including test has a benign case")]
const BENIGN: &str = "carol smith";

#[iast::source(origin = "http.parameter")]
fn param(value: &str) -> String {
    value.to_owned()
}

/// One SQL-injection finding of `confidence`, at `SINK`, from `param`.
fn assert_one(report: &iast::Report, confidence: Confidence) {
    assert_eq!(report.findings().len(), 1, "{report}");
    let finding = &report.findings()[0];
    assert_eq!(
        finding.vulnerability(),
        Vulnerability::SqlInjection,
        "{report}"
    );
    assert_eq!(finding.confidence(), confidence, "{report}");
    assert_eq!(finding.sink().function(), SINK, "{report}");
    let source = format!("{}::param", module_path!());
    assert_eq!(finding.sources()[0].function(), source, "{report}");
}
