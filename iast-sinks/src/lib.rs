//! Ready-made sinks, sanitizers and sources for std and popular crates.
//!
//! Each library sits behind its own cargo feature, so an application pays only for what it
//! uses. The checked functions are marked with iast's own attributes and show up in the
//! registry like the application's.
//!
//! # Instrumentation is the application's choice
//!
//! iast-sinks depends on `iast` without its `enabled` feature: a library never turns
//! instrumentation on, so an application can ship with iast-sinks and instrumentation off.
//! An application that depends on iast-sinks alone therefore gets instrumentation off: every
//! check does nothing, and no finding is ever reported. So that this is not silent, the first
//! use of iast-sinks in such a process (a checked call or a sink of `fs`, `process`,
//! `rusqlite`, `sqlx`, `diesel`, `tokio-postgres`, `postgres`, `mongodb`, `ldap3`, `reqwest`,
//! `ureq`, `hyper`, `minijinja`, `tera`, `askama`, `md5`, `md-5` or `sha1`, a `tracing::LogInjectionLayer`, an
//! `axum::IastLayer` or an `actix_web::IastMiddleware` made) prints once, on stderr, this line
//! (`VERSION` being this crate's):
//!
//! ```text
//! iast: instrumentation is compiled out, so iast-sinks checks nothing and no finding will be reported. Turn it on in the application: depend on `iast = "VERSION"` (its default features), or `iast = { version = "VERSION", features = ["enabled"] }`.
//! ```
//!
//! With the `tracing` feature, the same text is also emitted once as a `tracing` warning of
//! target `iast`, at the first use after a subscriber that takes it is set.
//!
//! With instrumentation on, nothing is printed, and the test costs nothing: it is a branch on
//! a constant, which the compiler removes.

#![warn(missing_docs)]

pub mod db;
#[cfg(feature = "diesel")]
pub mod diesel;
mod disabled;
#[doc(hidden)]
pub use disabled::warn_if_disabled;

#[cfg(feature = "actix-web")]
pub mod actix_web;
#[cfg(feature = "askama")]
pub mod askama;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "std")]
pub mod fs;
#[cfg(any(feature = "md5", feature = "md-5", feature = "sha1"))]
pub mod hash;
#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "ldap3")]
pub mod ldap3;
#[cfg(feature = "minijinja")]
pub mod minijinja;
#[cfg(feature = "mongodb")]
pub mod mongodb;
#[cfg(feature = "web")]
mod multipart;
#[cfg(feature = "otel")]
pub mod otel;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "std")]
pub mod process;
pub mod protect;
#[cfg(any(feature = "reqwest", feature = "reqwest-0-12"))]
pub mod reqwest;
#[cfg(feature = "reqwest-0-12")]
pub mod reqwest_0_12;
#[cfg(feature = "rusqlite")]
pub mod rusqlite;
#[cfg(feature = "std")]
pub mod sanitize;
#[cfg(any(feature = "minijinja", feature = "tera", feature = "askama"))]
mod script_url;
#[cfg(feature = "sqlx")]
pub mod sqlx;
#[cfg(feature = "tera")]
pub mod tera;
#[cfg(feature = "tokio-postgres")]
pub mod tokio_postgres;
#[cfg(feature = "tracing")]
pub mod tracing;
#[cfg(feature = "ureq")]
pub mod ureq;
#[cfg(feature = "web")]
pub mod web;

/// `text` from a request as a log line or a telemetry attribute may hold it: control
/// characters, ANSI escapes and bidirectional or invisible formatting characters become
/// visible escapes (`\n`, `\u{202e}`), and so that those cannot be forged, a backslash is
/// doubled. Quotes stay as they are, so SQL and HTML read as they were sent.
#[cfg(any(feature = "web", feature = "otel"))]
pub(crate) fn shown(text: &str) -> String {
    let text = if text.contains('\\') {
        std::borrow::Cow::Owned(text.replace('\\', "\\\\"))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    iast::escape_for_terminal(&text).0
}

/// [`shown`] for a finding's evidence, whose text has its backslashes doubled and its
/// invisible characters escaped already (`iast::Evidence::value`): its control characters
/// only are left to escape.
#[cfg(any(feature = "web", feature = "otel"))]
pub(crate) fn shown_evidence(text: &str) -> String {
    iast::escape_for_terminal(text).0
}

/// Whether `said` is asked for the first time in the process: for what is said once. One
/// relaxed load once it has been said.
pub(crate) fn first_time(said: &std::sync::atomic::AtomicBool) -> bool {
    use std::sync::atomic::Ordering::Relaxed;
    !said.load(Relaxed) && !said.swap(true, Relaxed)
}
