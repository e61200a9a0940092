//! Giving a source's return value other string leaves in a probe run, chosen at compile time
//! by its type, as `visit` chooses how to read it.
//!
//! Generated code writes `(&&&Vary::new(&mut value)).__iast_vary(f)` with every trait of this
//! module in scope; the first level whose bounds hold wins (see `visit` for why by-value
//! `self` on references orders the levels):
//!
//! | level | trait               | receiver      | applies when                                 |
//! |-------|---------------------|---------------|----------------------------------------------|
//! | 1     | [`VaryViaLeaves`]   | `&&&Vary<T>`  | `T: Leaves` (strings and containers of them) |
//! | 2     | [`VaryViaSerde`]    | `&&Vary<T>`   | `T: Serialize + Deserialize<'static>`        |
//! | 3     | [`VaryViaNothing`]  | `&Vary<T>`    | always: the value is left as it is           |
//!
//! `f` is handed each string leaf and answers with its replacement, if any. A replaced `&str`
//! leaf points at a leaked copy: a probe runs in a test, a few times per source call, and
//! a borrowed return value has nothing else to point at.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// What decides a leaf's text in a probe run: its replacement, or `None` to keep it.
pub type Choose<'a> = dyn FnMut(&str) -> Option<String> + 'a;

/// Whether a value could be varied: the probe reports the sources whose values it could not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Varied {
    /// Its leaves went through `f` (there may have been none).
    Yes,
    /// Its type offers no way to replace its strings.
    No,
}

/// Values whose string leaves can be replaced in place.
pub trait Leaves {
    /// Hands each string leaf to `f`, replacing it with what `f` answers.
    fn vary_leaves(&mut self, f: &mut Choose<'_>);
}

impl Leaves for String {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        if let Some(new) = f(self) {
            *self = new;
        }
    }
}

impl Leaves for Box<str> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        if let Some(new) = f(self) {
            *self = new.into_boxed_str();
        }
    }
}

impl Leaves for &str {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        if let Some(new) = f(self) {
            *self = Box::leak(new.into_boxed_str());
        }
    }
}

impl Leaves for Cow<'_, str> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        if let Some(new) = f(self) {
            *self = Cow::Owned(new);
        }
    }
}

impl<T: Leaves> Leaves for Option<T> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        if let Some(v) = self {
            v.vary_leaves(f);
        }
    }
}

impl<T: Leaves, E> Leaves for Result<T, E> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        if let Ok(v) = self {
            v.vary_leaves(f);
        }
    }
}

impl<T: Leaves> Leaves for Box<T> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        (**self).vary_leaves(f);
    }
}

impl<T: Leaves> Leaves for Vec<T> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        for v in self {
            v.vary_leaves(f);
        }
    }
}

impl<T: Leaves> Leaves for VecDeque<T> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        for v in self {
            v.vary_leaves(f);
        }
    }
}

impl<T: Leaves, const N: usize> Leaves for [T; N] {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        for v in self {
            v.vary_leaves(f);
        }
    }
}

// Map keys stay: a program looks its parameters up by them. A `HashMap`'s order differs from
// run to run; leaves are told apart by their source and text, never by their position.
impl<K, T: Leaves, S> Leaves for HashMap<K, T, S> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        for v in self.values_mut() {
            v.vary_leaves(f);
        }
    }
}

impl<K, T: Leaves> Leaves for BTreeMap<K, T> {
    fn vary_leaves(&mut self, f: &mut Choose<'_>) {
        for v in self.values_mut() {
            v.vary_leaves(f);
        }
    }
}

/// Replaces the string leaves of a JSON document, object keys left alone.
fn vary_json(value: &mut serde_json::Value, f: &mut Choose<'_>) {
    match value {
        serde_json::Value::String(s) => {
            if let Some(new) = f(s) {
                *s = new;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| vary_json(v, f)),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(|v| vary_json(v, f)),
        _ => {}
    }
}

/// The wrapper the generated code dispatches on. The value is taken out of the cell by the
/// level that varies it: the levels are reached through shared references.
pub struct Vary<'a, T>(Cell<Option<&'a mut T>>);

impl<'a, T> Vary<'a, T> {
    /// Wraps the value about to be returned.
    pub fn new(value: &'a mut T) -> Vary<'a, T> {
        Vary(Cell::new(Some(value)))
    }
}

/// Level 1: strings and containers of them, replaced in place.
pub trait VaryViaLeaves {
    /// Varies the value at this trait's level.
    fn __iast_vary(self, f: &mut Choose<'_>) -> Varied;
}

impl<T: Leaves> VaryViaLeaves for &&&Vary<'_, T> {
    fn __iast_vary(self, f: &mut Choose<'_>) -> Varied {
        if let Some(value) = self.0.take() {
            value.vary_leaves(f);
        }
        Varied::Yes
    }
}

/// Level 2: a value that serializes and deserializes (a body struct): written out as JSON, its
/// strings replaced, read back. A value that does not read back stays as it was.
pub trait VaryViaSerde {
    /// Varies the value at this trait's level.
    fn __iast_vary(self, f: &mut Choose<'_>) -> Varied;
}

// `Deserialize<'static>`, not `DeserializeOwned`: a bound over every lifetime would be chosen
// for a borrowed type (`&[u8]`, a struct with `#[serde(borrow)]`) and then fail to compile, where
// this one holds for them, and reading them back from an owned document fails at run time
// instead, leaving the value as it was.
impl<T: Serialize + Deserialize<'static>> VaryViaSerde for &&Vary<'_, T> {
    fn __iast_vary(self, f: &mut Choose<'_>) -> Varied {
        let Some(value) = self.0.take() else {
            return Varied::No;
        };
        let Ok(mut json) = serde_json::to_value(&*value) else {
            return Varied::No;
        };
        vary_json(&mut json, f);
        match T::deserialize(json) {
            Ok(new) => {
                *value = new;
                Varied::Yes
            }
            Err(_) => Varied::No,
        }
    }
}

/// Level 3: anything else, left as it is.
pub trait VaryViaNothing {
    /// Leaves the value as it is.
    fn __iast_vary(self, f: &mut Choose<'_>) -> Varied;
}

impl<T> VaryViaNothing for &Vary<'_, T> {
    fn __iast_vary(self, _f: &mut Choose<'_>) -> Varied {
        Varied::No
    }
}
