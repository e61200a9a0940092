//! What an annotated function hands the engine while it visits its values: a sink's
//! arguments, a source's or sanitizer's return value, a validator's arguments.

use crate::caller::Caller;
use crate::context::Context;
use crate::registry::Item;
use crate::visit::Visitor;
use serde::Serialize;
use std::ops::Range;

/// The arguments of one sink call, checked as they are visited.
pub struct SinkCall {
    pub(crate) item: &'static Item,
    pub(crate) arg: &'static str,
    pub(crate) caller: Option<Caller>,
    pub(crate) cx: Context,
}

impl SinkCall {
    pub(super) fn new(item: &'static Item, caller: Option<Caller>, cx: Context) -> SinkCall {
        SinkCall {
            item,
            arg: "",
            caller,
            cx,
        }
    }

    /// Names the argument that the next visits belong to.
    pub fn arg(&mut self, name: &'static str) {
        self.arg = name;
    }
}

impl Visitor for SinkCall {
    fn text(&mut self, bytes: &[u8]) {
        super::check::check_text(self, bytes);
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
    /// For a sanitizer, the sources whose taint its input carried: its output carries it on,
    /// for the classes the sanitizer does not cover.
    pub(crate) carried: Vec<u32>,
    /// Where the returned value itself lies: bytes stored inline in it (an array, a small
    /// string) are about to move, so their address means nothing later.
    inline: Range<usize>,
    /// Whether the leaves being visited lie in buffers the value owns. Leaves produced by a
    /// `Serialize` impl may be temporaries (`collect_str`, a char encoded on the stack).
    owned: bool,
}

impl<'n> Recorder<'n> {
    pub(super) fn new<T>(
        item: &'static Item,
        cx: Context,
        value: &T,
        name: Option<&'n str>,
    ) -> Recorder<'n> {
        let at = value as *const T as usize;
        Recorder {
            item,
            cx,
            name,
            carried: Vec::new(),
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
        super::record_text(self, bytes);
    }

    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        let owned = std::mem::replace(&mut self.owned, false);
        crate::leaves::visit_leaves(value, &mut |bytes| super::record_text(self, bytes));
        self.owned = owned;
    }
}

/// Owned copies of a validator's arguments.
pub struct ValidatorArgs {
    pub(crate) item: &'static Item,
    pub(crate) cx: Context,
    pub(crate) values: Vec<Vec<u8>>,
}

impl ValidatorArgs {
    pub(super) fn new(item: &'static Item, cx: Context) -> ValidatorArgs {
        ValidatorArgs {
            item,
            cx,
            values: Vec::new(),
        }
    }
}

impl Visitor for ValidatorArgs {
    fn text(&mut self, bytes: &[u8]) {
        self.values.push(bytes.to_vec());
    }

    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        crate::leaves::visit_leaves(value, &mut |bytes| self.values.push(bytes.to_vec()));
    }
}

/// The sources a sanitizer's arguments carry, found before its body runs.
pub struct SanitizerInput {
    pub(crate) cx: Context,
    /// Source ids, sorted and each once.
    pub(crate) sources: Vec<u32>,
}

impl SanitizerInput {
    pub(super) fn new(cx: Context) -> SanitizerInput {
        SanitizerInput {
            cx,
            sources: Vec::new(),
        }
    }
}

impl Visitor for SanitizerInput {
    fn text(&mut self, bytes: &[u8]) {
        super::carried_sources(self, bytes);
    }

    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T) {
        crate::leaves::visit_leaves(value, &mut |bytes| super::carried_sources(self, bytes));
    }
}
