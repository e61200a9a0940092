//! **iast**: Interactive Application Security Testing for Rust.
//!
//! Mark where untrusted data enters, where it would be dangerous, and where it is made safe;
//! while your tests run, every flow of untrusted data into a dangerous call is reported with
//! its evidence.
//!
//! ```
//! #[iast::source(origin = "http.parameter")]
//! fn query_param(name: &str) -> String {
//!     // In a real service: read the request. Here: an attacker's value.
//!     format!("{name}' OR '1'='1")
//! }
//!
//! #[iast::sink(sql)]
//! fn run_query(sql: &str) -> usize {
//!     sql.len() // hand it to the database
//! }
//!
//! #[iast::sanitizer(sql)]
//! fn quote_literal(s: &str) -> String {
//!     format!("'{}'", s.replace('\'', "''"))
//! }
//!
//! let report = iast::check(|| {
//!     let name = query_param("bob");
//!     run_query(&format!("SELECT * FROM users WHERE name = '{name}'"));
//! });
//! let finding = &report.findings()[0];
//! assert_eq!(finding.vulnerability(), iast::Vulnerability::SqlInjection);
//! assert!(finding.sink().function().ends_with("run_query"));
//!
//! let report = iast::check(|| {
//!     let name = query_param("bob");
//!     run_query(&format!("SELECT * FROM users WHERE name = {}", quote_literal(&name)));
//! });
//! iast::assert_no_findings!(report);
//! ```
//!
//! The rest of the test API:
//!
//! ```
//! # #[iast::source] fn input() -> String { "a' OR 1=1 --".to_owned() }
//! # #[iast::sink(sql)] fn run_query(sql: &str) {}
//! # #[iast::sanitizer(xss)] fn escape(s: &str) -> String { s.replace('<', "&lt;") }
//! # #[iast::validator(path)] fn plain(s: &str) -> bool { !s.contains('/') }
//! use iast::{Confidence, Report, Vulnerability};
//!
//! async fn handler() {
//!     run_query(&input());
//! }
//! let report: Report = futures_lite_block_on(iast::check_async(handler()));
//! let finding = &report.findings()[0];
//! assert!(!report.is_clean());
//! assert_eq!(finding.vulnerability().rule_id(), "SQL_INJECTION");
//! assert_eq!(finding.vulnerability().cwe(), 89);
//! assert!(finding.confidence() >= Confidence::Unsanitized);
//! let (sink, source) = (finding.sink(), &finding.sources()[0]);
//! println!("{} {}:{} <- {} {}:{}", sink.function(), sink.file(), sink.line(),
//!          source.function(), source.file(), source.line());
//!
//! let registry = iast::registry();
//! for item in registry.sources().chain(registry.sinks())
//!     .chain(registry.sanitizers()).chain(registry.validators()) {
//!     println!("{}", item.function());
//! }
//! assert!(registry.sinks().any(|s| s.function().ends_with("run_query")));
//! # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     let mut f = std::pin::pin!(f);
//! #     loop {
//! #         if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; }
//! #     }
//! # }
//! ```
//!
//! See the README for the attributes, contexts across threads and tasks, and reports.

#![warn(missing_docs)]

/// The README's code blocks, compiled and run by `cargo test --doc`: its first example runs as
/// written (`tests/readme.rs` checks what it prints); the other blocks are fragments of a
/// program and are marked `ignore`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The steps the last check on this thread took, as `limits.check_budget` counts them: for
/// measurements of how work grows with input.
#[doc(hidden)]
pub use iast_core::last_check_steps;
pub use iast_core::{
    Bound, CallSite, ClassSet, Confidence, Context, Evidence, Finding, Flow, Hits, Item, ItemKind,
    Limits, MAX_PROBE_RUNS, MatchKind, Memory, ProbeSummary, Registry, Rendered, Report, Route,
    STORED_CLASSES, STORED_ORIGIN, Site, SqlDialect, Tainted, Upstream, Vulnerability, check,
    check_async, cwe_url, escape_for_terminal, in_context, probe, probe_async,
    probe_async_with_output, probe_with_output, protected, refuse_sink, registry, set_protect,
    set_redaction_default, set_sql_dialect, set_stored_sources, sinks_outside_context, sql_dialect,
    stored_sources, thread, with_call_site,
};
#[cfg(feature = "tokio")]
pub use iast_core::{spawn, spawn_blocking, spawn_local};

/// Collection of findings across test processes (`IAST_OUTPUT=<dir>`).
pub use iast_core::collect;
/// `iast.toml`: the project's settings.
pub use iast_core::config;
/// Flows across services: where an input entered the fleet, carried in W3C Baggage.
pub use iast_core::fleet;

/// Marks a function whose return value is untrusted.
///
/// `#[iast::source]` or `#[iast::source(origin = "http.parameter")]`. Every string leaf of
/// the returned value (`String`, `Option`, `Result`'s `Ok`, `Vec`, maps, tuples, bytes, any
/// `serde::Serialize` value) is recorded as tainted in the current context.
pub use iast_macros::source;

/// Marks a dangerous function: `#[iast::sink(sql)]`, `#[iast::sink(command, args(program))]`.
///
/// Before the body runs, every string-like argument (or those named in `args(...)`) is
/// searched for tainted data; an unsanitized flow becomes a finding of each listed class.
pub use iast_macros::sink;

/// Marks a function whose return value is safe for the listed classes:
/// `#[iast::sanitizer(xss)]`, `#[iast::sanitizer(sql, xss)]`.
pub use iast_macros::sanitizer;

/// Marks a function returning `bool` or `Result` whose string-like arguments are safe for the
/// listed classes once it returned `true` / `Ok`: `#[iast::validator(path)]`.
pub use iast_macros::validator;

/// A test whose body runs under [`probe`] and fails with the findings (compiler-style text)
/// when any remains: `#[iast::test] fn t() { .. }`, or above the runtime's own attribute for
/// async tests: `#[iast::test] #[tokio::test] async fn t() { .. }`. The body must be able to run
/// more than once (it is the closure of the probe). A test may return `Result`.
pub use iast_macros::test;

/// On an `impl` block: names the iast-annotated methods inside it `Type::method` in reports
/// and the registry (an attribute on a method alone cannot see its type).
pub use iast_macros::methods;

#[doc(hidden)]
pub mod __private {
    pub use iast_core::__private::*;
    pub use iast_core::assert_no_findings;

    /// Whether this build instruments annotated functions (the `enabled` feature).
    pub const ENABLED: bool = cfg!(feature = "enabled");
}

/// Panics with the text rendering of the report when it holds any finding.
///
/// It also panics when the assertion would hold vacuously because this binary's registry has
/// no sink (the crate defining the annotated functions is not linked in: add
/// `extern crate that_crate as _;`). A check in which no sink ran passes (the program may
/// rightly reject input before any sink); `report.sinks_reached()` tells. With
/// instrumentation turned off (the `enabled` feature) it always passes.
#[macro_export]
macro_rules! assert_no_findings {
    ($report:expr $(,)?) => {
        $crate::__private::assert_no_findings(
            &$report,
            ::core::stringify!($report),
            $crate::__private::ENABLED,
        )
    };
}
