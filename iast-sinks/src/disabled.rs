//! The warning when iast-sinks is used in a build whose instrumentation is compiled out; the
//! crate documentation says when it is printed, and why.
//!
//! Each use that means to check something calls [`warn_if_disabled`]. With instrumentation
//! on, that is a branch on a constant, which the compiler removes.

use std::sync::atomic::{AtomicBool, Ordering};

/// What is printed, once per process. iast-sinks and iast share the workspace's version.
const MESSAGE: &str = concat!(
    "iast: instrumentation is compiled out, so iast-sinks checks nothing and no finding will ",
    "be reported. Turn it on in the application: depend on `iast = \"",
    env!("CARGO_PKG_VERSION"),
    "\"` (its default features), or `iast = { version = \"",
    env!("CARGO_PKG_VERSION"),
    "\", features = [\"enabled\"] }`."
);

/// Warns once per process, on stderr and through `tracing`, when instrumentation is compiled
/// out (the `iast` facade's `enabled` feature is off); does nothing when it is on.
#[doc(hidden)]
#[inline(always)]
pub fn warn_if_disabled() {
    if !iast::__private::ENABLED {
        warn();
    }
}

static WARNED: AtomicBool = AtomicBool::new(false);

#[cold]
#[inline(never)]
fn warn() {
    // A flag rather than a `Once`: the `tracing` event below reaches the application's layers,
    // which may come back here on the same thread.
    if WARNED.load(Ordering::Relaxed) || WARNED.swap(true, Ordering::Relaxed) {
        return;
    }
    eprintln!("{MESSAGE}");
    #[cfg(feature = "tracing")]
    ::tracing::warn!(target: "iast", "{MESSAGE}");
}
