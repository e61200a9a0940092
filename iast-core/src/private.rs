//! Support for the code the attribute macros generate. Not a public API: it may change in
//! any release. Generated code calls only what is here, through `::iast::__private`.

pub use crate::registry::{ITEMS, Item, ItemKind};
pub use crate::spec;
pub use crate::vulnerability::{ClassSet, Vulnerability};
pub use linkme;

use crate::context::Context;
use crate::engine::instrument;
use crate::spec::Visitor;
use serde::Serialize;
use std::ops::Range;

/// Whether the current thread runs inside a context. One thread-local read: this is the
/// whole cost of an annotated function called outside any context.
#[inline(always)]
pub fn active() -> bool {
    crate::context::active()
}

/// Checks the arguments of a sink call. `f` names each argument with [`SinkCall::arg`] and
/// then visits it. `caller` is the sink's `Location::caller()` (`None` in an `async fn`,
/// where `#[track_caller]` does nothing).
#[inline]
pub fn sink(
    item: &'static Item,
    caller: Option<&'static std::panic::Location<'static>>,
    f: impl FnOnce(&mut SinkCall),
) {
    let caller = crate::caller::capture(caller);
    instrument(|cx| crate::engine::sink(item, caller, cx, f));
}

/// A call of the sink `item` that found no context current on its thread (see `lost`).
#[inline(always)]
pub fn sink_outside_context(item: &'static Item) {
    crate::lost::sink_outside(item);
}

/// Records the string leaves of a source's return value as tainted.
#[inline]
pub fn source<T>(item: &'static Item, value: &T, f: impl FnOnce(&mut Recorder)) {
    instrument(|cx| f(&mut Recorder::new(item, cx, value, None)));
}

/// [`source`] for `#[iast::source(name = param)]`: the values are recorded as named.
#[inline]
pub fn source_named<T>(
    item: &'static Item,
    name: Option<&str>,
    value: &T,
    f: impl FnOnce(&mut Recorder),
) {
    instrument(|cx| f(&mut Recorder::new(item, cx, value, name)));
}

/// The text of a source's `name = param` argument, for a parameter the body may consume:
/// taken before the body runs, and only inside a context.
#[inline]
pub fn source_name(name: &dyn std::fmt::Display) -> Option<String> {
    active().then(|| name.to_string())
}

/// A source's `name = param` of a shared-reference type, read after the body (the reference
/// is copied into it, not moved): borrowed when it is string-like, written out through
/// `Display` otherwise. `(&&Name(param)).__iast_name()` picks the first that applies.
pub struct Name<'a, T: ?Sized>(pub &'a T);

pub trait NameViaStr<'a> {
    fn __iast_name(self) -> std::borrow::Cow<'a, str>;
}

impl<'a, T: AsRef<str> + ?Sized> NameViaStr<'a> for &&Name<'a, T> {
    #[inline]
    fn __iast_name(self) -> std::borrow::Cow<'a, str> {
        std::borrow::Cow::Borrowed(self.0.as_ref())
    }
}

pub trait NameViaDisplay<'a> {
    fn __iast_name(self) -> std::borrow::Cow<'a, str>;
}

impl<'a, T: std::fmt::Display + ?Sized> NameViaDisplay<'a> for &Name<'a, T> {
    fn __iast_name(self) -> std::borrow::Cow<'a, str> {
        std::borrow::Cow::Owned(self.0.to_string())
    }
}

/// Records the string leaves of a sanitizer's return value as safe for its classes.
#[inline]
pub fn sanitizer<T>(item: &'static Item, value: &T, f: impl FnOnce(&mut Recorder)) {
    instrument(|cx| f(&mut Recorder::new(item, cx, value, None)));
}

/// Copies a validator's arguments before its body runs (the body may consume them).
#[inline]
pub fn validator_args(
    item: &'static Item,
    f: impl FnOnce(&mut ValidatorArgs),
) -> Option<ValidatorArgs> {
    instrument(|cx| {
        let mut args = ValidatorArgs {
            item,
            cx,
            values: Vec::new(),
        };
        f(&mut args);
        args
    })
}

/// Records the arguments copied by [`validator_args`] as safe when the validator approved them.
#[inline]
pub fn validator_verdict(args: Option<ValidatorArgs>, approved: bool) {
    if let Some(args) = args {
        crate::engine::instrument_in(args.cx.clone(), || crate::engine::approve(&args, approved));
    }
}

/// The arguments of one sink call, checked as they are visited.
pub struct SinkCall {
    pub(crate) item: &'static Item,
    pub(crate) arg: &'static str,
    pub(crate) caller: Option<crate::caller::Caller>,
    pub(crate) cx: Context,
}

impl SinkCall {
    /// Names the argument that the next visits belong to.
    pub fn arg(&mut self, name: &'static str) {
        self.arg = name;
    }
}

impl Visitor for SinkCall {
    fn text(&mut self, bytes: &[u8]) {
        crate::engine::check_text(self, bytes);
    }

    /// Sink arguments are checked only when they are string-like: an integer or a config
    /// struct that serializes is not text handed to the dangerous call, and matching its
    /// rendering would report an input parsed to a number as an injection.
    fn serialize<T: Serialize + ?Sized>(&mut self, _value: &T) {}
}

/// Collects the string leaves of a source's or sanitizer's return value.
pub struct Recorder<'n> {
    pub(crate) item: &'static Item,
    pub(crate) cx: Context,
    /// The name the values are recorded under (`name = param`).
    pub(crate) name: Option<&'n str>,
    /// Where the returned value itself lies: bytes stored inline in it (an array, a small
    /// string) are about to move, so their address means nothing later.
    inline: Range<usize>,
    /// Whether the leaves being visited lie in buffers the value owns. Leaves produced by a
    /// `Serialize` impl may be temporaries (`collect_str`, a char encoded on the stack).
    owned: bool,
}

impl<'n> Recorder<'n> {
    fn new<T>(item: &'static Item, cx: Context, value: &T, name: Option<&'n str>) -> Recorder<'n> {
        let at = value as *const T as usize;
        Recorder {
            item,
            cx,
            name,
            inline: at..at + size_of::<T>(),
            owned: true,
        }
    }

    /// Whether the address of `bytes` identifies them after the call returns.
    pub(crate) fn lasting(&self, bytes: &[u8]) -> bool {
        let at = bytes.as_ptr() as usize;
        self.owned && !(self.inline.start <= at && at < self.inline.end)
    }
}

impl Visitor for Recorder<'_> {
    fn text(&mut self, bytes: &[u8]) {
        crate::engine::record_text(self, bytes);
    }

    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        let owned = std::mem::replace(&mut self.owned, false);
        crate::leaves::visit_leaves(value, &mut |bytes| crate::engine::record_text(self, bytes));
        self.owned = owned;
    }
}

/// Owned copies of a validator's arguments.
pub struct ValidatorArgs {
    pub(crate) item: &'static Item,
    pub(crate) cx: Context,
    pub(crate) values: Vec<Vec<u8>>,
}

impl Visitor for ValidatorArgs {
    fn text(&mut self, bytes: &[u8]) {
        self.values.push(bytes.to_vec());
    }

    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        crate::leaves::visit_leaves(value, &mut |bytes| self.values.push(bytes.to_vec()));
    }
}
