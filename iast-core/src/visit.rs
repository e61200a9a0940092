//! Visiting the string-like leaves of an argument or return value, chosen at compile time by
//! its type (dispatch by "autoref specialization"), so that any type compiles.
//!
//! Generated code writes `(&&&&&&Arg(&value)).__iast_visit(visitor)` with every trait of this
//! module in scope. Each level below implements `__iast_visit` on `Arg` behind a different
//! number of references, from six for the most specific ([`ViaText`]) down to none for the
//! catch-all ([`ViaNothing`]). The methods take `self` by value, so that method resolution,
//! which tries the receiver as written and then peels one reference at a time, meets the
//! six-reference impl first, then the five-reference one, and so on: the first level whose
//! bounds hold wins. (With `&self` methods the by-value probe of `&&&&&&Arg` would match an
//! impl on `&&&&&Arg` before one on `&&&&&&Arg`, and only six levels would come in order.)
//!
//! | level | trait                  | receiver       | applies when                           |
//! |-------|------------------------|----------------|----------------------------------------|
//! | 1     | [`ViaText`]            | `&&&&&&Arg<T>` | `T: Text` (or `T = u8`, ignored)       |
//! | 2     | [`ViaAsRefStr`]        | `&&&&&Arg<T>`  | `T: AsRef<str>`                        |
//! | 3     | [`ViaAsRefBytes`]      | `&&&&Arg<T>`   | `T: AsRef<[u8]>`                       |
//! | 4     | [`ViaAsRefPath`]       | `&&&Arg<T>`    | `T: AsRef<Path>`                       |
//! | 5     | [`ViaResultSerialize`] | `&&Arg<T>`     | `T = Result<U, E>` with `U: Serialize` |
//! | 6     | [`ViaSerialize`]       | `&Arg<T>`      | `T: Serialize`                         |
//! | 7     | [`ViaNothing`]         | `Arg<T>`       | always                                 |
//!
//! This is resolved by the compiler at the call site: an argument that is not string-like
//! costs nothing, needs no annotation and never stops the program from compiling.

use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::ffi::{CStr, CString, OsStr, OsString};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Receives the string-like leaves of a value.
pub trait Visitor {
    /// A string-like leaf. `bytes` borrows the value's own buffer, never a copy, so that the
    /// engine can recognise the very buffer a source returned.
    fn text(&mut self, bytes: &[u8]);
    /// A value that is only `Serialize` (a deserialized body struct, a JSON document).
    fn serialize<T: Serialize + ?Sized>(&mut self, value: &T);
}

/// The wrapper the generated code dispatches on.
pub struct Arg<'a, T: ?Sized>(pub &'a T);

// The last level takes `Arg` itself by value, which method resolution reaches by dereferencing
// `&Arg`: that is only a copy of the inner reference, but the compiler needs `Copy` to allow it.
impl<T: ?Sized> Clone for Arg<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Arg<'_, T> {}

/// Types whose string content the engine reads directly, without serializing them.
///
/// Implemented for the standard string, byte and path types and for the standard containers
/// of them. Every implementation hands the visitor slices of the value's own buffers, so a
/// string a source returned is recognised by its address wherever it travels. Numbers, `bool`
/// and `()` are `Text` with no content, so that containers mixing them with strings stay here.
pub trait Text {
    /// Hands `v` each string leaf of the value, in its own buffer.
    fn visit_text<V: Visitor>(&self, v: &mut V);
}

// Byte views of paths and OS strings: `as_encoded_bytes` borrows the existing buffer, where
// `to_str` could fail and `to_string_lossy` could copy.
fn os_bytes(s: &OsStr) -> &[u8] {
    s.as_encoded_bytes()
}

impl Text for str {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(self.as_bytes());
    }
}

impl Text for String {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(self.as_bytes());
    }
}

// `[u8]` and `[T]` (likewise `Vec` and arrays) coexist because `u8: Text` never holds: the
// trait is local and `u8` is not, so no other crate can add that impl.
impl Text for [u8] {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(self);
    }
}

impl Text for Vec<u8> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(self);
    }
}

impl<const N: usize> Text for [u8; N] {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(self);
    }
}

impl Text for Path {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(os_bytes(self.as_os_str()));
    }
}

impl Text for PathBuf {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(os_bytes(self.as_os_str()));
    }
}

impl Text for OsStr {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(os_bytes(self));
    }
}

impl Text for OsString {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(os_bytes(self));
    }
}

// C strings reach FFI sinks (`system`, `execv`); the terminating NUL is not content.
impl Text for CStr {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(self.to_bytes());
    }
}

impl Text for CString {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        v.text(self.to_bytes());
    }
}

// One impl for every `Cow`: `Cow<str>`, `Cow<[u8]>`, `Cow<Path>`, `Cow<OsStr>` and `Cow` of any
// other text. Both variants are read in place, the borrowed slice or the owned buffer.
impl<B: Text + ToOwned + ?Sized> Text for Cow<'_, B> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        (**self).visit_text(v);
    }
}

// Pointers are transparent, which also covers `Box<str>`, `Rc<str>`, `Arc<str>`, `Box<[u8]>`,
// `Box<Path>` and the like through the unsized impls above.
impl<T: Text + ?Sized> Text for &T {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        (**self).visit_text(v);
    }
}

impl<T: Text + ?Sized> Text for &mut T {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        (**self).visit_text(v);
    }
}

impl<T: Text + ?Sized> Text for Box<T> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        (**self).visit_text(v);
    }
}

impl<T: Text + ?Sized> Text for Rc<T> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        (**self).visit_text(v);
    }
}

impl<T: Text + ?Sized> Text for Arc<T> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        (**self).visit_text(v);
    }
}

impl<T: Text> Text for Option<T> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        if let Some(value) = self {
            value.visit_text(v);
        }
    }
}

// Only the `Ok` value is data that flows on; an error is whatever the callee made of it, and
// requiring `E: Text` would push `Result<String, io::Error>` down to a level that ignores it.
impl<T: Text, E> Text for Result<T, E> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        if let Ok(value) = self {
            value.visit_text(v);
        }
    }
}

impl<T: Text> Text for [T] {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        for item in self {
            item.visit_text(v);
        }
    }
}

impl<T: Text, const N: usize> Text for [T; N] {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        self.as_slice().visit_text(v);
    }
}

impl<T: Text> Text for Vec<T> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        self.as_slice().visit_text(v);
    }
}

impl<T: Text> Text for VecDeque<T> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        for item in self {
            item.visit_text(v);
        }
    }
}

// Keys as well as values: the keys of a query string, a header map or a JSON object come from
// the request as much as the values do.
impl<K: Text, T: Text, S> Text for HashMap<K, T, S> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        for (key, value) in self {
            key.visit_text(v);
            value.visit_text(v);
        }
    }
}

impl<K: Text, T: Text> Text for BTreeMap<K, T> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        for (key, value) in self {
            key.visit_text(v);
            value.visit_text(v);
        }
    }
}

impl<T: Text, S> Text for HashSet<T, S> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        for item in self {
            item.visit_text(v);
        }
    }
}

impl<T: Text> Text for BTreeSet<T> {
    fn visit_text<V: Visitor>(&self, v: &mut V) {
        for item in self {
            item.visit_text(v);
        }
    }
}

// Scalars carry no string, so they are `Text` with nothing to visit. This keeps a number
// argument from being serialized (and rendered, and searched) for nothing, and lets the
// containers above take a mix of strings and numbers, such as `HashMap<String, u64>` or
// `(&str, i32)`, in place. `u8` cannot be `Text` without breaking the byte impls above; a lone
// `u8` is ignored by its own impl of `ViaText` below.
macro_rules! no_text {
    ($($ty:ty),+) => {
        $(
            impl Text for $ty {
                #[inline]
                fn visit_text<V: Visitor>(&self, _: &mut V) {}
            }
        )+
    };
}

no_text!(
    (),
    bool,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u16,
    u32,
    u64,
    u128,
    usize,
    f32,
    f64
);

macro_rules! tuple_text {
    ($($name:ident)+) => {
        impl<$($name: Text),+> Text for ($($name,)+) {
            #[allow(non_snake_case)]
            fn visit_text<V: Visitor>(&self, v: &mut V) {
                let ($($name,)+) = self;
                $($name.visit_text(v);)+
            }
        }
    };
}

tuple_text!(A B);
tuple_text!(A B C);
tuple_text!(A B C D);
tuple_text!(A B C D E);
tuple_text!(A B C D E F);

/// Level 1 (six references): the concrete string, byte and path types and containers of
/// them, read in place through [`Text`]. First because it is exact: it knows which buffers
/// a value owns, walks containers, and sees map keys.
pub trait ViaText {
    /// Visits the argument at this trait's level.
    fn __iast_visit<V: Visitor>(self, v: &mut V);
}

impl<T: Text + ?Sized> ViaText for &&&&&&Arg<'_, T> {
    #[inline]
    fn __iast_visit<V: Visitor>(self, v: &mut V) {
        self.0.visit_text(v);
    }
}

// No overlap with the impl above, since `u8: Text` never holds.
impl ViaText for &&&&&&Arg<'_, u8> {
    #[inline]
    fn __iast_visit<V: Visitor>(self, _: &mut V) {}
}

/// Level 2 (five references): `T: AsRef<str>`. Exists for generic code: inside
/// `fn f<T: AsRef<str>>(x: T)` the compiler cannot prove `T: Text`, but the bound in scope
/// is enough here. Also takes concrete third-party string types that only offer `AsRef<str>`.
pub trait ViaAsRefStr {
    /// Visits the argument at this trait's level.
    fn __iast_visit<V: Visitor>(self, v: &mut V);
}

impl<T: AsRef<str> + ?Sized> ViaAsRefStr for &&&&&Arg<'_, T> {
    #[inline]
    fn __iast_visit<V: Visitor>(self, v: &mut V) {
        v.text(self.0.as_ref().as_bytes());
    }
}

/// Level 3 (four references): `T: AsRef<[u8]>`, for generic byte-buffer parameters and for
/// byte types of other crates (`Bytes`, `BytesMut`). After `AsRef<str>`, which says more.
pub trait ViaAsRefBytes {
    /// Visits the argument at this trait's level.
    fn __iast_visit<V: Visitor>(self, v: &mut V);
}

impl<T: AsRef<[u8]> + ?Sized> ViaAsRefBytes for &&&&Arg<'_, T> {
    #[inline]
    fn __iast_visit<V: Visitor>(self, v: &mut V) {
        v.text(self.0.as_ref());
    }
}

/// Level 4 (three references): `T: AsRef<Path>`, the usual bound of file-system sinks
/// (`fn open<P: AsRef<Path>>(path: P)`), read as the path's encoded bytes.
pub trait ViaAsRefPath {
    /// Visits the argument at this trait's level.
    fn __iast_visit<V: Visitor>(self, v: &mut V);
}

impl<T: AsRef<Path> + ?Sized> ViaAsRefPath for &&&Arg<'_, T> {
    #[inline]
    fn __iast_visit<V: Visitor>(self, v: &mut V) {
        v.text(os_bytes(self.0.as_ref().as_os_str()));
    }
}

/// Level 5 (two references): `Result<T, E>` with `T: Serialize`, whatever `E`. A source that
/// deserializes a body returns `Result<Body, SomeError>`, and `Result` is `Serialize` only
/// when the error is too, which `io::Error` and most error types are not: without this
/// level such a result would be ignored. Only the `Ok` value is visited.
pub trait ViaResultSerialize {
    /// Visits the argument at this trait's level.
    fn __iast_visit<V: Visitor>(self, v: &mut V);
}

impl<T: Serialize, E> ViaResultSerialize for &&Arg<'_, Result<T, E>> {
    #[inline]
    fn __iast_visit<V: Visitor>(self, v: &mut V) {
        if let Ok(value) = self.0 {
            v.serialize(value);
        }
    }
}

/// Level 6 (one reference): anything else that is `Serialize` (a deserialized body struct, a
/// JSON document, a map with non-text values). The visitor walks its string leaves; slower
/// than [`Text`], so only when nothing above applies.
pub trait ViaSerialize {
    /// Visits the argument at this trait's level.
    fn __iast_visit<V: Visitor>(self, v: &mut V);
}

impl<T: Serialize + ?Sized> ViaSerialize for &Arg<'_, T> {
    #[inline]
    fn __iast_visit<V: Visitor>(self, v: &mut V) {
        v.serialize(self.0);
    }
}

/// Level 7 (no reference): every other type (handles, closures, plain structs, `Instant`) is
/// ignored. It makes any argument of any type compile, so annotating a function never
/// demands anything from its signature.
pub trait ViaNothing {
    /// Visits the argument at this trait's level.
    fn __iast_visit<V: Visitor>(self, v: &mut V);
}

impl<T: ?Sized> ViaNothing for Arg<'_, T> {
    #[inline]
    fn __iast_visit<V: Visitor>(self, _: &mut V) {}
}

/// The answer of a validator: `true` or `Ok` approves its arguments.
#[diagnostic::on_unimplemented(
    message = "a validator returns `bool` or `Result`, not `{Self}`",
    label = "the validator's return type",
    note = "`#[iast::validator]` approves its arguments when the function returns `true` or `Ok`"
)]
pub trait Verdict {
    /// Whether the validator approved its arguments.
    fn approved(&self) -> bool;
}

impl Verdict for bool {
    fn approved(&self) -> bool {
        *self
    }
}

impl<T, E> Verdict for Result<T, E> {
    fn approved(&self) -> bool {
        self.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Kind {
        Text,
        Serialize,
    }

    /// Records each visit: the bytes of a text, the type name of a serialized value.
    #[derive(Default)]
    struct Rec {
        seen: Vec<(Kind, Vec<u8>)>,
        ptrs: Vec<*const u8>,
    }

    impl Visitor for Rec {
        fn text(&mut self, bytes: &[u8]) {
            self.seen.push((Kind::Text, bytes.to_vec()));
            self.ptrs.push(bytes.as_ptr());
        }

        fn serialize<T: Serialize + ?Sized>(&mut self, _: &T) {
            let name = std::any::type_name::<T>();
            self.seen.push((Kind::Serialize, name.as_bytes().to_vec()));
        }
    }

    /// Exactly the expression the attribute macros generate, at a call site that knows the
    /// type of `$value`.
    macro_rules! visit {
        ($value:expr) => {{
            let mut rec = Rec::default();
            let visitor = &mut rec;
            (&&&&&&Arg(&$value)).__iast_visit(visitor);
            rec
        }};
    }

    fn texts(rec: &Rec) -> Vec<&[u8]> {
        rec.seen
            .iter()
            .map(|(kind, bytes)| {
                assert_eq!(*kind, Kind::Text, "expected only texts in {:?}", rec.seen);
                bytes.as_slice()
            })
            .collect()
    }

    fn sorted_texts(rec: &Rec) -> Vec<&[u8]> {
        let mut all = texts(rec);
        all.sort();
        all
    }

    fn serialized(rec: &Rec) -> String {
        assert_eq!(rec.seen.len(), 1, "expected one visit in {:?}", rec.seen);
        assert_eq!(rec.seen[0].0, Kind::Serialize);
        String::from_utf8(rec.seen[0].1.clone()).unwrap()
    }

    fn ignored(rec: &Rec) -> bool {
        rec.seen.is_empty()
    }

    #[derive(Serialize)]
    struct Body {
        name: String,
    }

    struct Opaque {
        _n: u32,
    }

    #[test]
    fn strings() {
        let s: &str = "str";
        assert_eq!(texts(&visit!(s)), [b"str"]);
        assert_eq!(texts(&visit!(*"unsized")), [b"unsized"]);
        assert_eq!(texts(&visit!(String::from("string"))), [b"string"]);
        assert_eq!(texts(&visit!(Cow::Borrowed("cow"))), [b"cow"]);
        assert_eq!(
            texts(&visit!(Cow::<str>::Owned("owned".into()))),
            [b"owned"]
        );
        assert_eq!(texts(&visit!(Box::<str>::from("box"))), [b"box"]);
        assert_eq!(texts(&visit!(Rc::<str>::from("rc"))), [b"rc"]);
        assert_eq!(texts(&visit!(Arc::<str>::from("arc"))), [b"arc"]);
    }

    #[test]
    fn bytes() {
        let slice: &[u8] = b"slice";
        assert_eq!(texts(&visit!(slice)), [b"slice"]);
        assert_eq!(texts(&visit!(*slice)), [b"slice"]);
        assert_eq!(texts(&visit!(b"slice".to_vec())), [b"slice"]);
        assert_eq!(texts(&visit!(*b"array")), [b"array"]);
        assert_eq!(texts(&visit!(Cow::Borrowed(slice))), [b"slice"]);
        assert_eq!(
            texts(&visit!(Cow::<[u8]>::Owned(b"owned".to_vec()))),
            [b"owned"]
        );
        assert_eq!(texts(&visit!(Box::<[u8]>::from(slice))), [b"slice"]);
    }

    #[test]
    fn paths_and_os_strings() {
        let path = Path::new("/etc/passwd");
        assert_eq!(texts(&visit!(path)), [b"/etc/passwd"]);
        assert_eq!(texts(&visit!(*path)), [b"/etc/passwd"]);
        assert_eq!(texts(&visit!(path.to_path_buf())), [b"/etc/passwd"]);
        assert_eq!(texts(&visit!(Cow::Borrowed(path))), [b"/etc/passwd"]);
        assert_eq!(
            texts(&visit!(Cow::<Path>::Owned(path.into()))),
            [b"/etc/passwd"]
        );
        let os = OsStr::new("os");
        assert_eq!(texts(&visit!(os)), [b"os"]);
        assert_eq!(texts(&visit!(os.to_os_string())), [b"os"]);
        assert_eq!(texts(&visit!(Cow::Borrowed(os))), [b"os"]);
        assert_eq!(
            texts(&visit!(Cow::<OsStr>::Owned(os.to_os_string()))),
            [b"os"]
        );
        let c = CString::new("c").unwrap();
        assert_eq!(texts(&visit!(c)), [b"c"]);
        assert_eq!(texts(&visit!(c.as_c_str())), [b"c"]);
    }

    #[test]
    fn pointers() {
        let mut s = String::from("x");
        assert_eq!(texts(&visit!(&&s)), [b"x"]);
        assert_eq!(texts(&visit!(&mut s)), [b"x"]);
        assert_eq!(texts(&visit!(Box::new(s.clone()))), [b"x"]);
        assert_eq!(texts(&visit!(Rc::new(s.clone()))), [b"x"]);
        assert_eq!(texts(&visit!(Arc::new(s.clone()))), [b"x"]);
        assert_eq!(texts(&visit!(Box::new(Path::new("p")))), [b"p"]);
    }

    #[test]
    fn option_and_result() {
        assert_eq!(texts(&visit!(Some(String::from("some")))), [b"some"]);
        assert!(ignored(&visit!(None::<String>)));
        let ok: Result<String, io::Error> = Ok("ok".into());
        assert_eq!(texts(&visit!(ok)), [b"ok"]);
        let err: Result<String, io::Error> = Err(io::Error::other("secret"));
        assert!(ignored(&visit!(err)));
        let err: Result<&str, String> = Err("error text".into());
        assert!(ignored(&visit!(err)));
        let nested: Option<Result<Vec<u8>, ()>> = Some(Ok(b"deep".to_vec()));
        assert_eq!(texts(&visit!(nested)), [b"deep"]);
    }

    #[test]
    fn sequences() {
        let strings = [String::from("a"), String::from("b")];
        assert_eq!(texts(&visit!(strings)), [b"a", b"b"]);
        assert_eq!(texts(&visit!(strings[..])), [b"a", b"b"]);
        assert_eq!(texts(&visit!(strings.as_slice())), [b"a", b"b"]);
        assert_eq!(texts(&visit!(strings.to_vec())), [b"a", b"b"]);
        assert_eq!(
            texts(&visit!(VecDeque::from(strings.to_vec()))),
            [b"a", b"b"]
        );
        assert_eq!(
            texts(&visit!(vec![b"x".to_vec(), b"y".to_vec()])),
            [b"x", b"y"]
        );
        assert_eq!(
            texts(&visit!([Path::new("p"), Path::new("q")])),
            [b"p", b"q"]
        );
        assert!(ignored(&visit!(Vec::<String>::new())));
    }

    #[test]
    fn maps_visit_keys_and_values() {
        let hash: HashMap<String, String> = [("k".into(), "v".into())].into();
        assert_eq!(texts(&visit!(hash)), [b"k", b"v"]);
        let btree: BTreeMap<&str, Vec<&str>> = [("k1", vec!["a", "b"]), ("k2", vec![])].into();
        assert_eq!(texts(&visit!(btree)), [&b"k1"[..], b"a", b"b", b"k2"]);
        let hash_set: HashSet<&str> = ["x", "y"].into();
        assert_eq!(sorted_texts(&visit!(hash_set)), [b"x", b"y"]);
        let btree_set: BTreeSet<String> = ["y".into(), "x".into()].into();
        assert_eq!(texts(&visit!(btree_set)), [b"x", b"y"]);
    }

    #[test]
    fn maps_with_other_values() {
        let counts: HashMap<String, u32> = [("k".into(), 1)].into();
        assert_eq!(texts(&visit!(counts)), [b"k"]);
        let bodies: HashMap<String, Body> = [("k".into(), Body { name: "x".into() })].into();
        assert!(serialized(&visit!(bodies)).contains("HashMap"));
    }

    #[test]
    fn tuples() {
        assert_eq!(texts(&visit!(("a", String::from("b")))), [b"a", b"b"]);
        assert_eq!(
            texts(&visit!(("a", "b", b"c".to_vec()))),
            [&b"a"[..], b"b", b"c"]
        );
        assert_eq!(
            texts(&visit!(("a", "b", "c", "d"))),
            [b"a", b"b", b"c", b"d"]
        );
        assert_eq!(
            texts(&visit!(("a", "b", "c", "d", Some("e")))),
            [b"a", b"b", b"c", b"d", b"e"]
        );
        assert_eq!(
            texts(&visit!(("a", "b", "c", "d", "e", Path::new("f")))),
            [b"a", b"b", b"c", b"d", b"e", b"f"]
        );
        // Numbers have no text, so they do not push a tuple out of this level.
        assert_eq!(texts(&visit!(("a", 1u32, 2.5f32))), [b"a"]);
        // An element that is not text sends the whole tuple to `Serialize`.
        assert!(serialized(&visit!(("a", 'c'))).contains("char"));
        assert!(serialized(&visit!(("a", Body { name: "b".into() }))).contains("Body"));
    }

    #[test]
    fn text_passes_the_values_own_buffer() {
        let s = String::from("tainted");
        let rec = visit!(s);
        assert_eq!(rec.ptrs, [s.as_ptr()]);

        let v = b"bytes".to_vec();
        assert_eq!(visit!(v).ptrs, [v.as_ptr()]);

        let p = PathBuf::from("/tmp/x");
        assert_eq!(visit!(p).ptrs, [p.as_os_str().as_encoded_bytes().as_ptr()]);

        let owned: Cow<str> = Cow::Owned(s.clone());
        assert_eq!(visit!(owned).ptrs, [owned.as_ptr()]);

        let boxed: Box<str> = "boxed".into();
        assert_eq!(visit!(boxed).ptrs, [boxed.as_ptr()]);

        let list = vec![String::from("a"), String::from("b")];
        assert_eq!(visit!(list).ptrs, [list[0].as_ptr(), list[1].as_ptr()]);

        let map: HashMap<String, String> = [("k".into(), "v".into())].into();
        let (k, val) = map.iter().next().unwrap();
        assert_eq!(visit!(map).ptrs, [k.as_ptr(), val.as_ptr()]);
    }

    fn generic_as_ref_str<T: AsRef<str>>(x: T) -> Rec {
        visit!(x)
    }

    fn generic_as_ref_bytes<T: AsRef<[u8]>>(x: T) -> Rec {
        visit!(x)
    }

    fn generic_as_ref_path<T: AsRef<Path>>(x: T) -> Rec {
        visit!(x)
    }

    fn impl_as_ref_str(x: impl AsRef<str>) -> Rec {
        visit!(x)
    }

    fn generic_serialize<T: Serialize>(x: T) -> Rec {
        visit!(x)
    }

    fn generic_unbounded<T>(x: T) -> Rec {
        visit!(x)
    }

    fn generic_result<T: Serialize, E>(x: Result<T, E>) -> Rec {
        visit!(x)
    }

    #[test]
    fn generic_code_uses_the_bounds_in_scope() {
        let s = String::from("generic");
        let ptr = s.as_ptr();
        let rec = generic_as_ref_str(s);
        assert_eq!(texts(&rec), [b"generic"]);
        assert_eq!(rec.ptrs, [ptr]);
        assert_eq!(texts(&generic_as_ref_str("str")), [b"str"]);
        assert_eq!(texts(&impl_as_ref_str("impl")), [b"impl"]);
        assert_eq!(texts(&generic_as_ref_bytes(vec![1u8, 2])), [[1u8, 2]]);
        assert_eq!(texts(&generic_as_ref_path("/p")), [b"/p"]);
        assert_eq!(texts(&generic_as_ref_path(PathBuf::from("/q"))), [b"/q"]);
        // The bound decides, not the type behind it.
        assert!(serialized(&generic_serialize(String::from("s"))).contains("String"));
        assert!(ignored(&generic_unbounded(String::from("s"))));
        assert!(serialized(&generic_result::<_, ()>(Ok(1u8))).ends_with("u8"));
    }

    /// A string type of another crate: neither `Text` nor `Serialize`.
    struct Foreign(String);

    impl AsRef<str> for Foreign {
        fn as_ref(&self) -> &str {
            &self.0
        }
    }

    struct ForeignBytes([u8; 2]);

    impl AsRef<[u8]> for ForeignBytes {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }

    struct ForeignPath(PathBuf);

    impl AsRef<Path> for ForeignPath {
        fn as_ref(&self) -> &Path {
            &self.0
        }
    }

    /// Both `AsRef<str>` and `Serialize`: the string view is the more precise one.
    #[derive(Serialize)]
    struct Name {
        first: String,
    }

    impl AsRef<str> for Name {
        fn as_ref(&self) -> &str {
            &self.first
        }
    }

    /// Offers every view with a different content, to show which level wins.
    #[derive(Serialize)]
    struct Views;

    impl AsRef<str> for Views {
        fn as_ref(&self) -> &str {
            "str"
        }
    }

    impl AsRef<[u8]> for Views {
        fn as_ref(&self) -> &[u8] {
            b"bytes"
        }
    }

    impl AsRef<Path> for Views {
        fn as_ref(&self) -> &Path {
            Path::new("path")
        }
    }

    #[derive(Serialize)]
    struct BytesAndPath;

    impl AsRef<[u8]> for BytesAndPath {
        fn as_ref(&self) -> &[u8] {
            b"bytes"
        }
    }

    impl AsRef<Path> for BytesAndPath {
        fn as_ref(&self) -> &Path {
            Path::new("path")
        }
    }

    #[derive(Serialize)]
    struct PathOnly;

    impl AsRef<Path> for PathOnly {
        fn as_ref(&self) -> &Path {
            Path::new("path")
        }
    }

    #[test]
    fn levels_come_in_order() {
        assert_eq!(texts(&visit!(Views)), [b"str"]);
        assert_eq!(texts(&visit!(BytesAndPath)), [b"bytes"]);
        assert_eq!(texts(&visit!(PathOnly)), [b"path"]);
        // `Result<Body, String>` is `Serialize` as a whole, but only its `Ok` value is visited.
        let ok: Result<Body, String> = Ok(Body { name: "x".into() });
        assert!(serialized(&visit!(ok)).ends_with("Body"));
    }

    #[test]
    fn concrete_as_ref_types() {
        assert_eq!(texts(&visit!(Foreign("f".into()))), [b"f"]);
        assert_eq!(texts(&visit!(&Foreign("f".into()))), [b"f"]);
        assert_eq!(texts(&visit!(ForeignBytes(*b"fb"))), [b"fb"]);
        assert_eq!(texts(&visit!(ForeignPath("/fp".into()))), [b"/fp"]);
        assert_eq!(texts(&visit!(Name { first: "n".into() })), [b"n"]);
    }

    #[test]
    fn serialize_types() {
        let body = Body { name: "x".into() };
        assert!(serialized(&visit!(body)).ends_with("Body"));
        assert!(serialized(&visit!(vec![Body { name: "x".into() }])).contains("Vec<"));
        assert!(serialized(&visit!('c')).ends_with("char"));

        let ok: Result<Body, io::Error> = Ok(Body { name: "x".into() });
        let name = serialized(&visit!(ok));
        assert!(name.ends_with("Body"), "{name}");
        let err: Result<Body, io::Error> = Err(io::Error::other("e"));
        assert!(ignored(&visit!(err)));
    }

    #[test]
    fn other_types_are_ignored() {
        assert!(ignored(&visit!(7u32)));
        assert!(ignored(&visit!(7u8)));
        assert!(ignored(&visit!(-7i64)));
        assert!(ignored(&visit!(1.5f64)));
        assert!(ignored(&visit!(true)));
        assert!(ignored(&visit!(())));
        assert!(ignored(&visit!(Some(7usize))));
        assert!(ignored(&visit!(Opaque { _n: 1 })));
        assert!(ignored(&visit!(Some(Opaque { _n: 1 }))));
        let err: Result<Opaque, io::Error> = Err(io::Error::other("e"));
        assert!(ignored(&visit!(err)));
        let closure = |x: u8| x;
        assert!(ignored(&visit!(closure)));
        let unsized_dyn: &dyn std::fmt::Debug = &1;
        assert!(ignored(&visit!(*unsized_dyn)));
    }

    #[test]
    // The references select the level: removing them, as the lint suggests, changes the result.
    #[allow(clippy::needless_borrow)]
    fn one_visitor_serves_several_arguments() {
        let mut rec = Rec::default();
        let visitor = &mut rec;
        (&&&&&&Arg(&"a")).__iast_visit(visitor);
        (&&&&&&Arg(&1u8)).__iast_visit(visitor);
        (&&&&&&Arg(&Body { name: "b".into() })).__iast_visit(visitor);
        assert_eq!(rec.seen.len(), 2);
    }

    #[test]
    fn verdicts() {
        assert!(true.approved());
        assert!(!false.approved());
        assert!(Ok::<(), ()>(()).approved());
        assert!(!Err::<(), ()>(()).approved());
    }
}
