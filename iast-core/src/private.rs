//! Support for the code the attribute macros generate. Not a public API: it may change in
//! any release. Generated code calls only what is here, through `::iast::__private`.

pub use crate::registry::{ITEMS, Item, ItemKind};
pub use crate::spec;
pub use crate::vulnerability::{ClassSet, Vulnerability};
pub use linkme;

use crate::spec::Visitor;
use serde::Serialize;

/// Whether the current thread runs inside a context. One thread-local read: this is the
/// whole cost of an annotated function called outside any context.
#[inline(always)]
pub fn active() -> bool {
    crate::context::active()
}

/// Checks the arguments of a sink call. `f` names each argument with [`SinkCall::arg`] and
/// then visits it.
#[inline]
pub fn sink(item: &'static Item, f: impl FnOnce(&mut SinkCall)) {
    crate::engine::guard(|| crate::engine::sink(item, f));
}

/// Records the string leaves of a source's return value as tainted.
#[inline]
pub fn source(item: &'static Item, f: impl FnOnce(&mut Recorder)) {
    crate::engine::guard(|| crate::engine::record(item, f));
}

/// Records the string leaves of a sanitizer's return value as safe for its classes.
#[inline]
pub fn sanitizer(item: &'static Item, f: impl FnOnce(&mut Recorder)) {
    crate::engine::guard(|| crate::engine::record(item, f));
}

/// Copies a validator's arguments before its body runs (the body may consume them).
#[inline]
pub fn validator_args(
    item: &'static Item,
    f: impl FnOnce(&mut ValidatorArgs),
) -> Option<ValidatorArgs> {
    crate::engine::guard(|| {
        let mut args = ValidatorArgs {
            item,
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
        crate::engine::guard(|| crate::engine::approve(args, approved));
    }
}

/// The arguments of one sink call, checked as they are visited.
pub struct SinkCall {
    pub(crate) item: &'static Item,
    pub(crate) arg: &'static str,
    pub(crate) cx: crate::context::Context,
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
pub struct Recorder {
    pub(crate) item: &'static Item,
    pub(crate) cx: crate::context::Context,
}

impl Visitor for Recorder {
    fn text(&mut self, bytes: &[u8]) {
        crate::engine::record_text(self, bytes);
    }

    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        crate::leaves::visit_leaves(value, &mut |bytes| crate::engine::record_text(self, bytes));
    }
}

/// Owned copies of a validator's arguments.
pub struct ValidatorArgs {
    pub(crate) item: &'static Item,
    pub(crate) values: Vec<Vec<u8>>,
}

impl ValidatorArgs {
    /// Names the argument that the next visits belong to (kept for symmetry with sinks).
    pub fn arg(&mut self, _name: &'static str) {}
}

impl Visitor for ValidatorArgs {
    fn text(&mut self, bytes: &[u8]) {
        self.values.push(bytes.to_vec());
    }

    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        crate::leaves::visit_leaves(value, &mut |bytes| self.values.push(bytes.to_vec()));
    }
}
