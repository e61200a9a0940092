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
use std::sync::atomic::{AtomicU8, Ordering::Relaxed};

/// The origin of values read from a database: `#[iast::source(origin = "db.row")]`.
pub const ORIGIN: &str = "db.row";

/// The classes a stored flow is reported for.
pub const CLASSES: ClassSet = ClassSet::of(&[
    Vulnerability::Xss,
    Vulnerability::OpenRedirect,
    Vulnerability::HeaderInjection,
    Vulnerability::LogInjection,
]);

/// `UNSET` until [`set_stored_sources`] is called, and then `iast.toml` decides.
static ON: AtomicU8 = AtomicU8::new(UNSET);
const UNSET: u8 = 2;

/// Turns database rows on or off as sources for the whole process from now on (off by
/// default, or as `[taint] stored` in `iast.toml` says).
pub fn set_stored_sources(on: bool) {
    ON.store(u8::from(on), Relaxed);
}

/// Whether database rows are sources.
pub fn stored_sources() -> bool {
    match ON.load(Relaxed) {
        UNSET => crate::config::active().stored,
        on => on == 1,
    }
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
