//! What a sender reads of an outgoing URL: the parts a receiving service records as its
//! request's values, decoded as it decodes them.

use std::ops::Range;

/// Where `url`'s path and query are, and where its query starts (the end when it has none):
/// the scheme, the authority and the fragment never reach the receiver as values.
pub(crate) fn path_and_query(url: &[u8]) -> (Range<usize>, usize) {
    let authority = memchr::memmem::find(url, b"://").map_or(0, |i| i + 3);
    let path = url[authority..]
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .map_or(url.len(), |i| authority + i);
    let end = memchr::memchr(b'#', &url[path..]).map_or(url.len(), |i| path + i);
    let query = memchr::memchr(b'?', &url[path..end]).map_or(end, |i| path + i);
    (path..end, query)
}

/// `text` percent-decoded, with `+` read as a space in a query, as the receiving layers
/// decode paths and query parameters.
pub(crate) fn decoded(text: &[u8], in_query: bool) -> Vec<u8> {
    match in_query {
        true => crate::taint::form_decode(text),
        false => percent_encoding::percent_decode(text).collect(),
    }
}
