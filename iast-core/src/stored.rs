//! Stored flows: values a program reads back from its database are sources (origin
//! [`ORIGIN`]), so that a value one request stored and another request rendered unescaped
//! (stored XSS) is found in the second.
//!
//! Off by default: every value read from a database would otherwise be tainted, and a
//! program's own rows (a product catalogue its staff wrote) would be reported like a
//! visitor's comment. On with `[taint] stored = true` in `iast.toml` or with
//! [`set_stored_sources`]. When off, a source of that origin records nothing.
//!
//! A flow whose every source is a row is reported only for the classes where stored data is
//! the threat ([`CLASSES`]): not for SQL, where the query that read the row is the program's
//! own and the row's text is data it chose to store.

use crate::registry::Item;
use crate::vulnerability::{ClassSet, Vulnerability};

/// The origin of values read from a database: `#[iast::source(origin = "db.row")]`.
pub const ORIGIN: &str = "db.row";

/// The classes a stored flow is reported for.
pub const CLASSES: ClassSet = ClassSet::of(&[
    Vulnerability::Xss,
    Vulnerability::OpenRedirect,
    Vulnerability::HeaderInjection,
    Vulnerability::LogInjection,
]);

/// Whether rows are sources, when [`set_stored_sources`] was called; otherwise `iast.toml`
/// decides.
static ON: crate::config::InCode = crate::config::InCode::unset();

/// Turns database rows on or off as sources for the whole process from now on (off by
/// default, or as `[taint] stored` in `iast.toml` says).
pub fn set_stored_sources(on: bool) {
    ON.set_flag(on);
}

/// Whether database rows are sources.
pub fn stored_sources() -> bool {
    ON.flag(|| crate::config::active().stored)
}

/// Whether `item` is a source of database rows.
pub(crate) fn is_row(item: &Item) -> bool {
    item.origin() == Some(ORIGIN)
}

/// Whether a source of `item` records nothing: a row source while stored flows are off.
#[inline]
pub(crate) fn skipped(item: &Item) -> bool {
    is_row(item) && !stored_sources()
}
