// What the template tests share: the source and the findings they expect. Included by
// `tests/minijinja.rs`, `tests/tera.rs` and `tests/askama.rs`, each of which defines `SINK`, its
// engine's sink.

use iast::{Confidence, Report, Vulnerability};

/// Values that HTML escaping makes safe, and that a check finds in the page when nothing
/// says they were escaped (the first has no markup to escape).
const ESCAPED: [&str; 3] = ["carol smith", "<script>alert(1)</script>", "O'Brien & \"sons\""];

#[iast::source(origin = "http.parameter")]
fn param(value: &str) -> String {
    value.to_owned()
}

/// The XSS findings of `report`, as their confidence and sink.
fn xss(report: &Report) -> Vec<(Confidence, String)> {
    report
        .of(Vulnerability::Xss)
        .map(|f| (f.confidence(), f.sink().function().to_owned()))
        .collect()
}

/// One XSS finding of `confidence` at `SINK`.
fn only(confidence: Confidence) -> Vec<(Confidence, String)> {
    vec![(confidence, SINK.to_owned())]
}
