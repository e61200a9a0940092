//! The warning when iast-sinks is used in a build whose instrumentation is compiled out; the
//! crate documentation says when it is printed, and why.
//!
//! Each use that means to check something calls [`warn_if_disabled`]. With instrumentation
//! on, that is a branch on a constant, which the compiler removes.

use std::sync::atomic::AtomicBool;

/// What is said, once per process (on stderr after `iast: `). iast-sinks and iast share the
/// workspace's version.
const MESSAGE: &str = concat!(
    "instrumentation is compiled out, so iast-sinks checks nothing and no finding will ",
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
#[cfg(feature = "tracing")]
static TRACED: AtomicBool = AtomicBool::new(false);

#[cold]
#[inline(never)]
fn warn() {
    if crate::first_time(&WARNED) {
        eprintln!("iast: {MESSAGE}");
    }
    // Emitted once a subscriber takes it: the first use is often the making of a layer,
    // before any subscriber is set, and an event emitted from inside a subscriber's callback
    // is dropped. Flags rather than a `Once`: the event reaches the application's layers,
    // which may come back here on the same thread.
    #[cfg(feature = "tracing")]
    if !TRACED.load(std::sync::atomic::Ordering::Relaxed)
        && ::tracing::enabled!(target: "iast", ::tracing::Level::WARN)
        && crate::first_time(&TRACED)
    {
        ::tracing::warn!(target: "iast", "{MESSAGE}");
    }
}
