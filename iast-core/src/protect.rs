//! Protect mode: a confirmed flow of a class set to `block` in `iast.toml` (`[protect] sql =
//! "block"`) is refused before its sink runs, in the contexts a web layer opens for the
//! requests it serves.
//!
//! The engine only decides: when a check in a protecting context confirms a flow of a
//! blocked class, the finding says it was blocked, the context remembers it, and the thread
//! that made the sink call is told to refuse ([`refuse`]). What refuses is the code around
//! the sink: a wrapper of iast-sinks that can return its library's error instead of making
//! the call, and the web layer that answers the request with 403 once its context was
//! blocked. A plain `#[iast::sink]` function has no such wrapper and runs: protect mode
//! protects the calls that ask.

use crate::vulnerability::ClassSet;
use std::cell::Cell;

/// The classes refused, when [`set_protect`] was called; otherwise `iast.toml`'s `[protect]`
/// decides.
static BLOCK: crate::config::InCode = crate::config::InCode::unset();

/// Sets the classes whose confirmed flows are refused in the requests of a web layer, for the
/// whole process from now on, in place of `[protect]` in `iast.toml` (`ClassSet::EMPTY`
/// turns protect mode off). Classes that need no taint are left out: a response check is
/// judged after the handler ran.
pub fn set_protect(classes: ClassSet) {
    let refusable: ClassSet = classes.iter().filter(|c| c.needs_taint()).collect();
    BLOCK.set(refusable.bits());
}

/// The classes protect mode refuses (see [`set_protect`]).
pub fn protected() -> ClassSet {
    ClassSet::from_bits(BLOCK.get(|| crate::config::active().block.bits()))
}

thread_local! {
    /// Set by a check on this thread that blocked its flow, taken by the sink's wrapper.
    static REFUSE: Cell<bool> = const { Cell::new(false) };
}

/// Tells the thread that made the current sink call to refuse it.
pub(crate) fn request_refusal() {
    let _ = REFUSE.try_with(|r| r.set(true));
}

/// Whether the sink call just checked on this thread must not run, because protect mode
/// blocked a confirmed flow into it; the answer is given once. A wrapper calls it right after
/// its sink function and, on `true`, returns its library's error instead of making the call.
pub fn refuse() -> bool {
    let asked = REFUSE.try_with(|r| r.replace(false)).unwrap_or(false);
    // A request left to the flag only by a sink nobody refused (a page the layer checked, a
    // sink of the application's own) must not refuse a later call of another request on this
    // thread, or of no request: the flag counts only in a context that did block.
    asked && crate::Context::current().is_some_and(|cx| cx.blocked())
}

/// Forgets a refusal nobody took: each sink call starts without one.
pub(crate) fn clear() {
    let _ = REFUSE.try_with(|r| r.set(false));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vulnerability::Vulnerability;

    #[test]
    fn protect_set_in_code_keeps_the_classes_that_can_be_refused() {
        set_protect(ClassSet::of(&[
            Vulnerability::SqlInjection,
            Vulnerability::InsecureCookie,
        ]));
        assert_eq!(
            protected().iter().collect::<Vec<_>>(),
            [Vulnerability::SqlInjection]
        );
        set_protect(ClassSet::EMPTY);
        assert!(protected().is_empty());
        // Outside a context, a refusal is never taken.
        request_refusal();
        assert!(!refuse());
    }
}
