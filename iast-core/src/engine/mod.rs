//! What instrumentation does inside a context: record sources and safe values, check sink
//! arguments, and keep findings. Generated code reaches it through the shims of
//! `crate::private`.
//!
//! - `calls`: what an annotated function hands the engine while it visits its values;
//! - `state`: the taint state of one context, and the stores its threads reuse;
//! - `check`: the check of a sink argument (its confidence is decided in `crate::confidence`,
//!   its evidence built in `crate::evidence`);
//! - `weakness`: the findings of a web layer's response checks, which need no taint.

mod calls;
mod check;
mod fleet;
mod state;
#[cfg(test)]
mod tests;
mod weakness;

pub use calls::{Recorder, SanitizerInput, SinkCall, ValidatorArgs};
pub(crate) use fleet::{fleet_accept, fleet_items};
pub(crate) use state::State;
pub(crate) use weakness::{checked, report as weakness};

use crate::context::Context;
use crate::registry::{Item, ItemKind};
use crate::taint::Added;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs instrumentation in the current context, if any, so that a panic inside it never
/// reaches the program under observation (it is counted in the report instead), and with
/// instrumentation paused on this thread meanwhile.
#[inline]
pub(crate) fn instrument<R>(f: impl FnOnce(Context) -> R) -> Option<R> {
    let cx = Context::current()?;
    instrument_in(cx.clone(), || f(cx))
}

/// [`instrument`] in a given context.
pub(crate) fn instrument_in<R>(cx: Context, f: impl FnOnce() -> R) -> Option<R> {
    let _paused = crate::context::pause();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(_) => {
            cx.lock().limits.internal_errors += 1;
            None
        }
    }
}

/// A call of the sink `item`: notes that it was reached, then lets `f` name and visit its
/// arguments, each checked as it is visited. `caller` is the sink's `Location::caller()`
/// (`None` in an `async fn`, where `#[track_caller]` does nothing).
#[inline]
pub(crate) fn sink(
    item: &'static Item,
    caller: Option<&'static std::panic::Location<'static>>,
    f: impl FnOnce(&mut SinkCall),
) {
    let caller = crate::caller::capture(caller);
    crate::protect::clear();
    instrument(|cx| {
        {
            let mut state = cx.lock();
            if !state.reached.iter().any(|r| std::ptr::eq(*r, item)) {
                state.reached.push(item);
                crate::collect::reached(item);
            }
            crate::collect::exercised(state.source_items(), item.classes());
        }
        f(&mut SinkCall::new(item, caller, cx));
    });
}

/// The return value of a source or a sanitizer: `f` visits its string leaves, each recorded
/// as tainted (under `name`, for a source) or as safe.
#[inline]
pub(crate) fn record<T>(
    item: &'static Item,
    value: &T,
    name: Option<&str>,
    f: impl FnOnce(&mut Recorder),
) {
    if crate::stored::skipped(item) {
        return;
    }
    instrument(|cx| f(&mut Recorder::new(item, cx, value, name)));
}

/// Whether the current context is a probe run, whose sources' values are varied.
pub(crate) fn varying() -> bool {
    crate::probe::any_alive() && instrument(|cx| cx.lock().probe.is_some()).unwrap_or(false)
}

/// Varies a source's return value in a probe run: `f` dispatches on its type and asks the run,
/// leaf by leaf, what each becomes.
pub(crate) fn vary(
    item: &'static Item,
    f: impl FnOnce(&mut crate::probe::vary::Choose<'_>) -> crate::probe::vary::Varied,
) {
    if crate::stored::skipped(item) {
        return;
    }
    instrument(|cx| {
        let mut choose = |text: &str| cx.lock().probe.as_mut()?.choose(item, text);
        if f(&mut choose) == crate::probe::vary::Varied::No
            && let Some(run) = cx.lock().probe.as_mut()
        {
            run.unvaried(item);
        }
    });
}

/// Scans a sanitizer's arguments before its body runs: `f` visits them.
#[inline]
pub(crate) fn sanitizer_input(f: impl FnOnce(&mut SanitizerInput)) -> Option<SanitizerInput> {
    instrument(|cx| {
        let mut input = SanitizerInput::new(cx);
        f(&mut input);
        input.sources.sort_unstable();
        input.sources.dedup();
        input
    })
}

/// Notes the sources whose values one leaf of a sanitizer's arguments holds, as far as the
/// attribution rules let a finding rest on them (`confidence::carries`).
pub(crate) fn carried_sources(input: &mut SanitizerInput, bytes: &[u8]) {
    let min_match = crate::config::active().min_match_length;
    let state = &mut *input.cx.lock();
    let ranges = state.store.scan(bytes);
    for r in &ranges {
        let strict = state
            .sources()
            .get(r.source as usize)
            .is_some_and(|(item, _)| matches!(item.kind, ItemKind::Source { strict: true, .. }));
        if crate::confidence::carries(bytes, r, strict, min_match) {
            input.sources.push(r.source);
        }
    }
}

/// A sanitizer's return value: `f` visits its string leaves, each recorded as safe for the
/// sanitizer's classes and as tainted by the sources its `input` carried.
#[inline]
pub(crate) fn record_sanitized<T>(
    item: &'static Item,
    input: Option<SanitizerInput>,
    value: &T,
    f: impl FnOnce(&mut Recorder),
) {
    instrument(|cx| {
        let mut recorder = Recorder::new(item, cx, value, None);
        recorder.carried = input.map(|i| i.sources).unwrap_or_default();
        f(&mut recorder)
    });
}

/// Records one string leaf of a source's or sanitizer's value.
pub(crate) fn record_text(rec: &Recorder, bytes: &[u8]) {
    let address = rec.lasting(bytes);
    let mut state = rec.cx.lock();
    let _: Added = match rec.item.kind {
        ItemKind::Source { .. } => {
            let id = state.source_id(rec.item, rec.name);
            if let Some(upstream) = state.upstream.as_deref_mut() {
                upstream.note(id, bytes);
            }
            state.store.add_tainted_at(bytes, id, address)
        }
        ItemKind::Sanitizer { classes } | ItemKind::Validator { classes } => {
            for &source in &rec.carried {
                state.store.add_tainted_at(bytes, source, address);
            }
            let by = state.safe_item(rec.item);
            state.store.add_safe_by(bytes, classes, by, address)
        }
        ItemKind::Sink { .. } => return,
    };
}

/// Copies a validator's arguments before its body runs (the body may consume them).
#[inline]
pub(crate) fn validator_args(
    item: &'static Item,
    f: impl FnOnce(&mut ValidatorArgs),
) -> Option<ValidatorArgs> {
    instrument(|cx| {
        let mut args = ValidatorArgs::new(item, cx);
        f(&mut args);
        args
    })
}

/// Records the arguments copied by [`validator_args`] as safe when the validator approved them.
pub(crate) fn validator_verdict(args: Option<ValidatorArgs>, approved: bool) {
    let Some(args) = args else {
        return;
    };
    if !approved {
        return;
    }
    instrument_in(args.cx.clone(), || {
        let classes = args.item.classes();
        let mut state = args.cx.lock();
        let by = state.safe_item(args.item);
        for value in &args.values {
            // Copies, freed right after: their addresses identify nothing.
            state.store.add_safe_by(value, classes, by, false);
        }
    });
}
