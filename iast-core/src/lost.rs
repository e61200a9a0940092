//! Taint lost to threads and tasks that do not carry a context.
//!
//! A context is current only on the thread or task that entered it: `std::thread::spawn`,
//! `tokio::spawn` and `spawn_blocking` start without it (`iast::thread::spawn` and
//! `iast::spawn` carry it). A sink called there is checked against nothing, silently. Nothing
//! can tell such a call from one that is outside every context by design, but a sink that runs
//! outside any context while contexts are alive in the process is the usual sign of it, and is
//! counted here.
//!
//! The annotated function's own check stays one thread-local read: only a sink that finds no
//! context comes here, where one relaxed load says whether any context is alive.

use crate::registry::Item;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

/// Contexts alive in the process.
static ALIVE: AtomicUsize = AtomicUsize::new(0);
/// Sink calls outside any context while one was alive.
static OUTSIDE: AtomicU64 = AtomicU64::new(0);

pub(crate) fn context_started() {
    ALIVE.fetch_add(1, Relaxed);
}

pub(crate) fn context_ended() {
    ALIVE.fetch_sub(1, Relaxed);
}

/// The sink `item` ran with no context current on its thread. Inlined into the annotated
/// function up to the one load; the rest is out of line, where no context is alive it is
/// never reached.
#[inline(always)]
pub(crate) fn sink_outside(item: &'static Item) {
    if ALIVE.load(Relaxed) > 0 {
        count_outside(item);
    }
}

#[cold]
#[inline(never)]
fn count_outside(item: &'static Item) {
    // Instrumentation itself runs paused (a callback that logs at the end of a context): its
    // sinks are iast's, not the application's.
    if !crate::context::paused() {
        OUTSIDE.fetch_add(1, Relaxed);
        // Said once per sink in the collection, for `cargo iast`.
        crate::collect::outside(item);
    }
}

/// How many sink calls in this process ran outside any context while a context was alive:
/// most likely on a thread or task started without the context (use `iast::spawn`,
/// `iast::spawn_blocking` or `iast::thread::spawn`), where taint is not followed. Zero when
/// every sink call that overlapped a context was checked in one.
pub fn sinks_outside_context() -> u64 {
    OUTSIDE.load(Relaxed)
}
