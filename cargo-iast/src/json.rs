//! The JSON report: the judged findings with their statuses, the per-class counts and the
//! coverage, for scripts and dashboards. Field names are stable; `version` changes when they
//! do.

use crate::analysis::Analysis;
use crate::model::{FlowKey, Site};
use serde::Serialize;

#[derive(Serialize)]
struct Json<'a> {
    version: u32,
    summary: Summary,
    #[serde(flatten)]
    analysis: &'a Analysis,
    sinks_not_reached: Vec<&'a Site>,
    flows_not_exercised: Vec<&'a FlowKey>,
}

#[derive(Serialize)]
struct Summary {
    findings: usize,
    failing: usize,
    suppressed: usize,
    below_threshold: usize,
    sinks_registered: usize,
    sinks_reached: usize,
    sinks_outside_context: usize,
    flows_monitored: usize,
    flows_exercised: usize,
}

/// The analysis as pretty JSON, with a summary.
pub fn render(a: &Analysis) -> String {
    let failing = a.failing().count();
    let suppressed = a.suppressed().count();
    let json = Json {
        version: 1,
        summary: Summary {
            findings: a.findings.len(),
            failing,
            suppressed,
            below_threshold: a.findings.len() - failing - suppressed,
            sinks_registered: a.sinks_registered.len(),
            sinks_reached: a.sinks_registered.len() - a.sinks_not_reached().count(),
            sinks_outside_context: a.sinks_outside_context.len(),
            flows_monitored: a.flows_monitored.len(),
            flows_exercised: a.flows_monitored.len() - a.flows_not_exercised().count(),
        },
        analysis: a,
        sinks_not_reached: a.sinks_not_reached().collect(),
        flows_not_exercised: a.flows_not_exercised().collect(),
    };
    let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
    text.push('\n');
    text
}
