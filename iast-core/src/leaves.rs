//! The string leaves of a `Serialize` value, reported straight from a purpose-built
//! `Serializer`: no document is built and nothing is copied, so a `String` field is reported
//! as the very buffer it owns and a hundred-field struct costs a few microseconds.

use serde::Serialize;
use serde::ser::{self, Serializer};
use std::fmt;

/// How deep the walk goes below the value itself. A self-referential `Serialize` impl or a
/// document nested thousands of levels deep would otherwise exhaust the stack of the very
/// program being observed; deeper content is skipped, its siblings are still visited.
const MAX_DEPTH: usize = 128;

/// Calls `f` with every string leaf of `value`: strings, byte strings, chars, and map keys
/// (the keys of a request body are as attacker-controlled as its values). Struct field names
/// and enum variant names are not leaves: they come from the program, not from its input.
///
/// A `Serialize` impl that fails only loses the part it did not reach: whatever it reported
/// before stays reported, and the walk goes on with the next sibling.
pub(crate) fn visit_leaves<T: Serialize + ?Sized>(value: &T, f: &mut dyn FnMut(&[u8])) {
    // Failures are already confined to the subtree that raised them (see `descend`).
    let _ = value.serialize(Leaves { f, depth: 0 });
}

/// Both the `Serializer` and every compound state: a walk only needs the callback and how
/// deep it is, so one type serves for seqs, maps and structs alike.
struct Leaves<'a> {
    f: &'a mut dyn FnMut(&[u8]),
    depth: usize,
}

/// The walk's error. Carries nothing: no one reads it, and formatting a user's message
/// would cost an allocation on a path that must stay cheap.
#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("leaf walk stopped")
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

/// Visits a child of a value at `depth`. The child's own error is dropped here rather than
/// passed up, so a failing field does not hide the fields after it.
fn descend<T: Serialize + ?Sized>(
    f: &mut dyn FnMut(&[u8]),
    depth: usize,
    value: &T,
) -> Result<(), Stop> {
    if depth < MAX_DEPTH {
        let _ = value.serialize(Leaves {
            f,
            depth: depth + 1,
        });
    }
    Ok(())
}

impl Serializer for Leaves<'_> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        // The same slice the impl passed: for a `String` field, its own buffer.
        (self.f)(v.as_bytes());
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Stop> {
        (self.f)(v);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Stop> {
        let mut buf = [0; 4];
        (self.f)(v.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    fn serialize_bool(self, _: bool) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_i8(self, _: i8) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_i16(self, _: i16) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_i32(self, _: i32) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_i64(self, _: i64) -> Result<(), Stop> {
        Ok(())
    }

    // The defaults of the 128-bit methods fail; a number is simply not a leaf.
    fn serialize_i128(self, _: i128) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_u8(self, _: u8) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_u16(self, _: u16) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_u32(self, _: u32) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_u64(self, _: u64) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_u128(self, _: u128) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_f32(self, _: f32) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_f64(self, _: f64) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn serialize_unit(self) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Stop> {
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        Ok(self)
    }
}

impl ser::SerializeSeq for Leaves<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeTuple for Leaves<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Leaves<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Leaves<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeMap for Leaves<'_> {
    type Ok = ();
    type Error = Stop;

    // Keys go through the same walk as values: a string key is a leaf.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        descend(self.f, self.depth, key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStruct for Leaves<'_> {
    type Ok = ();
    type Error = Stop;

    // The field name is the program's, not the input's: only the value is walked.
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Leaves<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        descend(self.f, self.depth, value)
    }

    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
    use std::collections::{BTreeMap, HashMap};

    fn leaves<T: Serialize + ?Sized>(value: &T) -> Vec<String> {
        let mut out = Vec::new();
        visit_leaves(value, &mut |bytes| {
            out.push(String::from_utf8_lossy(bytes).into_owned());
        });
        out
    }

    /// Serialized with `serialize_bytes` (a plain `Vec<u8>` serializes as a seq of numbers).
    struct Raw(&'static [u8]);

    impl Serialize for Raw {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(String),
        Tuple(String, u8),
        Struct { label: String, side: f64 },
    }

    #[derive(Serialize)]
    struct Wrapper(String);

    #[derive(Serialize)]
    struct Point(i32, String);

    #[derive(Serialize)]
    struct Inner {
        tags: Vec<String>,
        headers: HashMap<String, String>,
        ids: BTreeMap<u32, String>,
        shapes: Vec<Shape>,
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        nickname: Option<String>,
        missing: Option<String>,
        initial: char,
        raw: Raw,
        count: u64,
        big: i128,
        huge: u128,
        ratio: f32,
        flag: bool,
        nothing: (),
        wrapper: Wrapper,
        point: Point,
        pair: (String, u16),
        inner: Inner,
    }

    #[test]
    fn nested_struct() {
        let value = Outer {
            name: "name".into(),
            nickname: Some("nick".into()),
            missing: None,
            initial: 'é',
            raw: Raw(b"raw\xff"),
            count: 7,
            big: -1,
            huge: 1,
            ratio: 0.5,
            flag: true,
            nothing: (),
            wrapper: Wrapper("wrapped".into()),
            point: Point(3, "pt".into()),
            pair: ("first".into(), 2),
            inner: Inner {
                tags: vec!["t1".into(), "t2".into()],
                headers: [("header-key".into(), "header-value".into())].into(),
                ids: [(1, "one".into())].into(),
                shapes: vec![
                    Shape::Unit,
                    Shape::Newtype("newtype".into()),
                    Shape::Tuple("tuple".into(), 9),
                    Shape::Struct {
                        label: "label".into(),
                        side: 1.0,
                    },
                ],
            },
        };
        assert_eq!(
            leaves(&value),
            [
                "name",
                "nick",
                "é",
                "raw\u{fffd}",
                "wrapped",
                "pt",
                "first",
                "t1",
                "t2",
                "header-key",
                "header-value",
                "one",
                "newtype",
                "tuple",
                "label",
            ]
        );
    }

    #[test]
    fn bytes_and_chars_are_passed_as_is() {
        let mut seen = Vec::new();
        visit_leaves(&Raw(b"\x00\xff"), &mut |b| seen.push(b.to_vec()));
        visit_leaves(&'€', &mut |b| seen.push(b.to_vec()));
        assert_eq!(seen, [&b"\x00\xff"[..], "€".as_bytes()]);
    }

    #[test]
    fn scalars_and_names_are_not_leaves() {
        assert!(leaves(&42u8).is_empty());
        assert!(leaves(&(1.5f64, true, (), None::<String>)).is_empty());
        assert!(leaves(&Shape::Unit).is_empty());
        let variant = Shape::Struct {
            label: "value".into(),
            side: 0.0,
        };
        assert_eq!(leaves(&variant), ["value"]);
    }

    #[test]
    fn string_leaves_borrow_the_original_buffer() {
        let value = Outer {
            name: "name".into(),
            nickname: Some("nick".into()),
            missing: None,
            initial: 'x',
            raw: Raw(b""),
            count: 0,
            big: 0,
            huge: 0,
            ratio: 0.0,
            flag: false,
            nothing: (),
            wrapper: Wrapper("w".into()),
            point: Point(0, "p".into()),
            pair: (String::new(), 0),
            inner: Inner {
                tags: vec!["tag".into()],
                headers: [("k".into(), "v".into())].into(),
                ids: BTreeMap::new(),
                shapes: vec![],
            },
        };
        let mut ptrs = Vec::new();
        visit_leaves(&value, &mut |b| ptrs.push(b.as_ptr()));
        let (k, v) = value.inner.headers.iter().next().unwrap();
        for expected in [
            value.name.as_ptr(),
            value.nickname.as_ref().unwrap().as_ptr(),
            value.wrapper.0.as_ptr(),
            value.point.1.as_ptr(),
            value.inner.tags[0].as_ptr(),
            k.as_ptr(),
            v.as_ptr(),
        ] {
            assert!(ptrs.contains(&expected));
        }
    }

    /// `depth` levels of `Node` above a string.
    enum Nest {
        Node(Box<Nest>),
        Leaf(String),
    }

    impl Serialize for Nest {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Nest::Node(inner) => s.serialize_newtype_variant("Nest", 0, "Node", inner),
                Nest::Leaf(text) => s.serialize_newtype_variant("Nest", 1, "Leaf", text),
            }
        }
    }

    fn nest(depth: usize) -> Nest {
        (0..depth).fold(Nest::Leaf("bottom".into()), |n, _| Nest::Node(Box::new(n)))
    }

    #[test]
    fn depth_limit() {
        // The string under `n` nodes sits at depth `n + 1`.
        assert_eq!(leaves(&nest(MAX_DEPTH - 1)), ["bottom"]);
        assert!(leaves(&nest(MAX_DEPTH)).is_empty());
        // Siblings of a branch that is too deep are still visited.
        assert_eq!(leaves(&(nest(1000), "after")), ["after"]);
    }

    /// Never ends by itself: a seq of its level's name and the next level.
    struct Endless(usize);

    impl Serialize for Endless {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(2))?;
            seq.serialize_element(&format!("level{}", self.0))?;
            seq.serialize_element(&Endless(self.0 + 1))?;
            seq.end()
        }
    }

    #[test]
    fn endless_recursion_stops() {
        let seen = leaves(&Endless(0));
        assert_eq!(seen.len(), MAX_DEPTH);
        assert_eq!(seen[MAX_DEPTH - 1], format!("level{}", MAX_DEPTH - 1));
    }

    /// Reports one field, then fails.
    struct Failing;

    impl Serialize for Failing {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut st = s.serialize_struct("Failing", 2)?;
            st.serialize_field("a", "before the error")?;
            Err(S::Error::custom("user impl failed"))
        }
    }

    #[derive(Serialize)]
    struct HoldsFailing {
        first: String,
        failing: Failing,
        last: String,
    }

    #[test]
    fn errors_keep_what_was_visited() {
        assert_eq!(leaves(&Failing), ["before the error"]);
        let value = HoldsFailing {
            first: "first".into(),
            failing: Failing,
            last: "last".into(),
        };
        assert_eq!(leaves(&value), ["first", "before the error", "last"]);
    }

    #[test]
    fn unsized_values() {
        assert_eq!(leaves("str"), ["str"]);
        assert_eq!(leaves(&["a", "b"][..]), ["a", "b"]);
    }
}
