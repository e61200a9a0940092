//! The taint engine of [iast](https://docs.rs/iast): contexts, taint inference, analyzers,
//! findings, reports and the link-time registry.
//!
//! Applications use it through the `iast` facade crate and its attributes; the items here
//! are re-exported there.

#![warn(missing_docs)]

mod analyzers;
mod caller;
pub mod collect;
mod confidence;
pub mod config;
mod context;
mod engine;
mod evidence;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
mod leaves;
mod lost;
mod ranges;
pub(crate) mod redact;
mod registry;
mod report;
mod site;
mod stored;
mod taint;
#[cfg(test)]
mod test_rng;
mod visit;
mod vulnerability;
mod work;

#[doc(hidden)]
pub mod __private {
    pub use crate::private::*;
}
mod private;
mod probe;
mod protect;

pub use analyzers::{SqlDialect, set_sql_dialect, sql_dialect};
pub use caller::with_call_site;
#[cfg(feature = "tokio")]
pub use context::task::{spawn, spawn_blocking, spawn_local};
pub use context::{Bound, Context, Memory, check, check_async, in_context, thread};
pub use evidence::{Evidence, Tainted, escape_for_terminal, needs_escape, terminal_lines};
pub use lost::sinks_outside_context;
pub use probe::{
    MAX_RUNS as MAX_PROBE_RUNS, probe, probe_async, probe_async_with_output, probe_with_output,
};
pub use protect::{protected, refuse as refuse_sink, set_protect};
pub use redact::set_default as set_redaction_default;
pub use registry::{Flow, Item, ItemKind, Registry, registry};
pub use report::{
    CallSite, Finding, Hits, Limits, ProbeSummary, Rendered, Report, Route, Site, Upstream,
};
pub use stored::{
    CLASSES as STORED_CLASSES, ORIGIN as STORED_ORIGIN, set_stored_sources, stored_sources,
};
pub use taint::MatchKind;
pub use vulnerability::{ClassSet, Confidence, Vulnerability, cwe_url};
#[doc(hidden)]
pub use work::last_check_steps;

/// The body of `iast::assert_no_findings!`.
#[doc(hidden)]
#[track_caller]
pub fn assert_no_findings(report: &Report, what: &str, instrumented: bool) {
    if !instrumented {
        return;
    }
    if registry().sinks().next().is_none() {
        panic!(
            "iast: `{what}` holds vacuously: this binary's registry has no sink. Link the crate \
             that defines the annotated functions (`extern crate that_crate as _;`)."
        );
    }
    if report
        .findings()
        .iter()
        .any(|f| f.vulnerability().needs_taint())
    {
        panic!("iast: `{what}` found tainted flows:\n\n{report}");
    }
    if !report.is_clean() {
        panic!("iast: `{what}` found weaknesses in the responses it served:\n\n{report}");
    }
}
