//! Taint inference.
//!
//! Rust values cannot carry taint labels, so taint is inferred: each source records the values
//! it returns in its context's [`TaintStore`]; when a sink runs, each checked argument is
//! searched for those values, giving the argument's tainted byte ranges, each tied to its source
//! ([`TaintStore::scan`]). Sanitizer outputs and validator-approved inputs are recorded as safe
//! for some vulnerability classes, and tainted ranges they cover are marked safe for those.
//!
//! How a range is recognised ([`MatchKind`]):
//!
//! - `Buffer`: the argument's memory is (part of) the buffer a source returned, bytes
//!   unchanged. Certain at any length.
//! - `Exact`, `CaseChanged`: a whole value, ignoring ASCII case, or in its Unicode lower or
//!   upper case form. Values shorter than 4 bytes count only where they stand on their own.
//! - `UrlDecoded`, `Base64Decoded`, `JsonUnescaped`, `HtmlUnescaped`: a whole value in a form
//!   the application decodes it to (the value percent-decoded, or one parameter of a query
//!   string in it; base64 that decodes to text; the inside of a JSON string; HTML character
//!   references). These forms are indexed like values, so pieces of them are found too.
//! - `UrlEncoded`: a whole value percent-encoded.
//! - `Partial`: a common substring of at least [`MIN_PARTIAL`] bytes of the argument and a value
//!   or a decoded form of it.
//!
//! # How a scan finds them
//!
//! Every stored string (a value, or a variant of one) is an entry. Entries of 4 bytes or more are
//! found through their 4-byte windows ("grams"), hashed ASCII-case-folded into a table that a
//! scan probes every few bytes of the argument (`grams`): one load, multiply and bit test per
//! probe, so that a scan finding nothing costs a fraction of a nanosecond per byte whatever the
//! number of values. A probe whose gram is stored leads to:
//!
//! - the whole-match trie (`trie`), which holds each entry at the offsets its first probe can
//!   land on, refined by the following windows so that values sharing a prefix are not all
//!   candidates of every probe; candidates are verified whole (`whole`);
//! - the chain of the gram's positions in the values, whose candidates are extended byte by byte
//!   into partial matches (`partial`), unless the gram is so common in the values that it says
//!   nothing about which value a fragment came from.
//!
//! Entries of 4 to 7 bytes sit in a second table probed at the narrower stride they need, and
//! entries of 1 to 3 bytes in a table of their bytes (`short`). A multi-pattern automaton over
//! all values would be the textbook tool, but with a thousand values it scans at a third to
//! half a GiB/s, and rebuilding it after each new value takes milliseconds.
//!
//! Safe values are indexed the same way and looked up only around the tainted ranges (`safe`);
//! the buffer addresses of both kinds are kept sorted for `Buffer` matches (`buffer`).

mod buffer;
mod encodings;
mod entries;
mod gate;
mod grams;
mod hash;
pub(crate) use encodings::form_decode;
pub(crate) use hash::{MixHasher, MixMap};
mod partial;
mod range;
mod safe;
mod short;
mod store;
mod trie;
mod values;
mod whole;

#[cfg(test)]
mod tests;

pub use partial::MIN_PARTIAL;
pub use range::{MatchKind, TaintedRange};
pub use store::{Added, Caps, TaintStore};
