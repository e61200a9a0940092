//! Log injection through `tracing`: a [`Layer`] that checks what each event and span records.
//!
//! ```no_run
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let subscriber = tracing_subscriber::registry().with(iast_sinks::tracing::LogInjectionLayer::new());
//! tracing::subscriber::set_global_default(subscriber).unwrap();
//! ```
//!
//! A subscriber runs on the thread that emits the event, so the checks land in the iast context
//! of the code that logged. Each text field is checked on its own, so that a finding's evidence
//! is the one field that carried the taint rather than a whole formatted line.
//!
//! Values are checked as they are recorded, before any formatter sees them: `%value` and
//! `"{}", value` as their `Display` text, `?value` as its `Debug` text (which escapes a newline
//! in a string, as a formatter would print it), and a `&str` field as its raw text, since
//! whether it is escaped depends on the formatter (`fmt` quotes it, JSON escapes it, a custom
//! one may print it as is).

use std::cell::Cell;
use std::fmt::{self, Write as _};
use std::panic::{AssertUnwindSafe, catch_unwind};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// The log sink: `line` is one message or one `name=value` field of a log record.
#[iast::sink(log)]
pub fn check_log(line: &str) {
    crate::warn_if_disabled();
}

/// A layer that passes every text field of every event and span to [`check_log`].
///
/// It formats nothing for output and never emits events itself; put it next to the layers that
/// write the log.
///
/// Made in a build whose instrumentation is compiled out, it warns once that nothing will be
/// found (see the [crate documentation](crate#instrumentation-is-the-applications-choice)).
#[derive(Debug, Clone, Copy)]
pub struct LogInjectionLayer {
    _private: (),
}

impl LogInjectionLayer {
    /// The layer; add it to the subscriber beside the layers that write the log.
    pub fn new() -> Self {
        crate::warn_if_disabled();
        Self { _private: () }
    }
}

impl Default for LogInjectionLayer {
    fn default() -> Self {
        Self::new()
    }
}

// Findings point at the application's `info!` or `span!` (the metadata's file and line), not
// at this layer.
impl<S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>> Layer<S>
    for LogInjectionLayer
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if !iast::in_context() {
            return;
        }
        let at = place(event.metadata());
        guarded(|| iast::with_call_site(at, || event.record(&mut Checker::default())));
    }

    // Formatters print the fields of the enclosing spans with each event, so they reach the
    // log as much as the event's own.
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let at = place(attrs.metadata());
        guarded(|| iast::with_call_site(at, || attrs.record(&mut Checker::default())));
    }

    fn on_record(&self, span: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let at = ctx.metadata(span).and_then(place);
        guarded(|| iast::with_call_site(at, || values.record(&mut Checker::default())));
    }
}

fn place(metadata: &'static tracing::Metadata<'static>) -> Option<(&'static str, u32)> {
    metadata.file().zip(metadata.line())
}

thread_local! {
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `check` unless this thread is already inside it, and swallows its panics.
///
/// Formatting a value runs the application's `Display` and `Debug` impls, which may log
/// (re-entering this layer without end) or panic; logging must not fail because of a check.
///
/// Outside a context nothing is formatted and nothing is checked: the event costs the layer
/// one thread-local read. Such lines are not counted as sinks outside a context
/// (`iast::sinks_outside_context`) either: a service logs from background tasks all the time,
/// which is no context lost.
fn guarded(check: impl FnOnce()) {
    if !iast::in_context() {
        return;
    }
    let entered = ACTIVE.try_with(|active| !active.replace(true));
    if entered != Ok(true) {
        return;
    }
    let _ = catch_unwind(AssertUnwindSafe(check));
    let _ = ACTIVE.try_with(|active| active.set(false));
}

#[derive(Default)]
struct Checker {
    buf: String,
}

impl Checker {
    fn check(&mut self, field: &Field, value: impl FnOnce(&mut String) -> fmt::Result) {
        self.buf.clear();
        if field.name() != "message" {
            self.buf.push_str(field.name());
            self.buf.push('=');
        }
        // A value whose impl fails half-way still wrote what a formatter would print.
        let _ = value(&mut self.buf);
        check_log(&self.buf);
    }
}

impl Visit for Checker {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.check(field, |buf| {
            buf.push_str(value);
            Ok(())
        });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.check(field, |buf| write!(buf, "{value:?}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.check(field, |buf| write!(buf, "{value}"));
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        self.check(field, |buf| {
            buf.push_str(&String::from_utf8_lossy(value));
            Ok(())
        });
    }

    // Numbers and booleans cannot carry a line break or an escape sequence.
    fn record_i64(&mut self, _: &Field, _: i64) {}
    fn record_u64(&mut self, _: &Field, _: u64) {}
    fn record_i128(&mut self, _: &Field, _: i128) {}
    fn record_u128(&mut self, _: &Field, _: u128) {}
    fn record_f64(&mut self, _: &Field, _: f64) {}
    fn record_bool(&mut self, _: &Field, _: bool) {}
}
