//! The work of one check, counted in steps, and the budget that bounds it.
//!
//! Every check is meant to be linear in its argument and the values, whatever their shape, and
//! the loops that could be more (comparing a candidate occurrence, extending a partial match,
//! walking the trie, reading the code analyzer's literals) charge their steps here; each
//! analysis is charged its argument's length when it starts, and the SQL analysis each window
//! of text before sqlparser's tokenizer reads it. The budget is the last line of defence
//! against a shape nobody foresaw: a check that spends it stops where it is, keeps what it
//! found so far, and the context records the sink in `Limits::budget_exceeded`.
//!
//! A step is about one byte of one pass over the argument, which costs a nanosecond or less;
//! the SQL tokenizer, which costs far more per byte, is charged at its measured weight
//! (`SQL_BYTE`). The default budget, 50 million steps, is therefore some tens of milliseconds
//! on the machines BENCHMARKS.md names, far past what an ordinary request's checks take (a few
//! thousand steps) and short enough that an attacker cannot hold a worker for long.
//!
//! The meter is thread-local: a check runs on one thread from start to end, and outside a
//! check nothing is charged (charging with no check begun is a no-op).

use std::cell::Cell;

/// Steps a check may take unless `iast.toml` says otherwise (`limits.check_budget`).
pub const DEFAULT_BUDGET: u64 = 50_000_000;

/// Steps charged per byte handed to sqlparser's tokenizer: it costs about a hundred times a
/// plain pass over the bytes (BENCHMARKS.md, "a tainted check").
pub(crate) const SQL_BYTE: usize = 100;

#[derive(Clone, Copy)]
struct Meter {
    used: u64,
    budget: u64,
    active: bool,
}

const IDLE: Meter = Meter {
    used: 0,
    budget: u64::MAX,
    active: false,
};

thread_local! {
    static METER: Cell<Meter> = const { Cell::new(IDLE) };
    /// The steps of the last check that ended on this thread, for tests and measurements.
    static LAST: Cell<u64> = const { Cell::new(0) };
}

/// A check in progress on this thread; the meter stops when it is dropped.
pub(crate) struct Check {
    previous: Meter,
}

/// Starts metering a check that may take `budget` steps.
pub(crate) fn begin(budget: u64) -> Check {
    let meter = Meter {
        used: 0,
        budget,
        active: true,
    };
    // A thread-local being destroyed has no meter: the check then runs unmetered.
    let previous = METER.try_with(|m| m.replace(meter)).unwrap_or(IDLE);
    Check { previous }
}

impl Check {
    /// Whether the check spent its budget.
    pub(crate) fn exceeded(&self) -> bool {
        exhausted()
    }
}

impl Drop for Check {
    fn drop(&mut self) {
        let used = METER
            .try_with(|m| m.replace(self.previous).used)
            .unwrap_or(0);
        let _ = LAST.try_with(|l| l.set(used));
    }
}

/// Charges `steps` to the check in progress; false once its budget is spent, when the caller
/// stops and keeps what it has.
#[inline]
pub(crate) fn charge(steps: usize) -> bool {
    METER
        .try_with(|m| {
            let mut meter = m.get();
            if !meter.active {
                return true;
            }
            // Past the budget nothing more is done, so nothing more is counted.
            if meter.used > meter.budget {
                return false;
            }
            meter.used = meter.used.saturating_add(steps as u64);
            m.set(meter);
            meter.used <= meter.budget
        })
        .unwrap_or(true)
}

/// Whether the check in progress has spent its budget.
#[inline]
pub(crate) fn exhausted() -> bool {
    METER
        .try_with(|m| {
            let meter = m.get();
            meter.active && meter.used > meter.budget
        })
        .unwrap_or(false)
}

/// The steps the last check on this thread took (0 before any).
pub fn last_check_steps() -> u64 {
    LAST.try_with(Cell::get).unwrap_or(0)
}

/// The steps taken by `f`, which runs as one check with no budget: for tests of how work
/// grows with the input.
#[cfg(test)]
pub(crate) fn steps_of(f: impl FnOnce()) -> u64 {
    let check = begin(u64::MAX);
    f();
    drop(check);
    last_check_steps()
}
