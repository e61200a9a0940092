//! The forms a value takes when it is URL-decoded or -encoded or changes case beyond ASCII on
//! its way to a sink, searched for as extra whole-match entries of the value.

use super::range::MatchKind;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};

/// Values longer than this get no variants. Encoding and decoding happen to URLs, query and form
/// parameters, path segments and header values; URLs much past 2,000 bytes are not reliably
/// carried by browsers and proxies, and a value longer than that (a body, a document) reaching a
/// sink re-encoded as a whole is rare enough not to triple the index for it.
pub(super) const MAX_VARIANT_LEN: usize = 2048;

/// URI component encoding (RFC 3986): all but the unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `application/x-www-form-urlencoded` (WHATWG): all but `*-._`, and space, which becomes `+`.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b' ');

/// Calls `emit(bytes, kind)` once for each variant of `value` that differs from it and from the
/// variants before it ignoring ASCII case (matching ignores ASCII case anyway).
pub(super) fn variants(value: &[u8], mut emit: impl FnMut(&[u8], MatchKind)) {
    if value.is_empty() || value.len() > MAX_VARIANT_LEN {
        return;
    }
    // Most values (ids, words, numbers) have no other form: no escape to decode, nothing
    // either encoding changes, no case beyond ASCII. Said without allocating.
    let plain = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
    if value.iter().all(plain) {
        return;
    }
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut offer = |bytes: Vec<u8>, kind: MatchKind| {
        if bytes.is_empty()
            || bytes.eq_ignore_ascii_case(value)
            || seen.iter().any(|s| s.eq_ignore_ascii_case(&bytes))
        {
            return;
        }
        emit(&bytes, kind);
        seen.push(bytes);
    };

    if value.contains(&b'%') {
        offer(percent_decode(value).collect(), MatchKind::UrlDecoded);
    }
    if value.contains(&b'+') {
        let spaced: Vec<u8> = value
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        offer(percent_decode(&spaced).collect(), MatchKind::UrlDecoded);
    }
    offer(encode(value, COMPONENT), MatchKind::UrlEncoded);
    // The two encodings differ only on space, `*` and `~`.
    if value.iter().any(|b| matches!(b, b' ' | b'*' | b'~')) {
        let mut form = encode(value, FORM);
        for b in &mut form {
            if *b == b' ' {
                *b = b'+';
            }
        }
        offer(form, MatchKind::UrlEncoded);
    }

    if !value.is_ascii()
        && let Ok(text) = std::str::from_utf8(value)
    {
        offer(text.to_lowercase().into_bytes(), MatchKind::CaseChanged);
        offer(text.to_uppercase().into_bytes(), MatchKind::CaseChanged);
    }
}

fn encode(value: &[u8], set: &'static AsciiSet) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for piece in percent_encode(value, set) {
        out.extend_from_slice(piece.as_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(value: &[u8]) -> Vec<(String, MatchKind)> {
        let mut out = Vec::new();
        variants(value, |b, k| {
            out.push((String::from_utf8_lossy(b).into_owned(), k))
        });
        out
    }

    #[test]
    fn url_forms() {
        assert_eq!(
            all(b"a b/c+d"),
            [
                ("a b/c d".to_owned(), MatchKind::UrlDecoded),
                ("a%20b%2Fc%2Bd".to_owned(), MatchKind::UrlEncoded),
                ("a+b%2Fc%2Bd".to_owned(), MatchKind::UrlEncoded),
            ]
        );
        assert_eq!(
            all(b"x%27y"),
            [
                ("x'y".to_owned(), MatchKind::UrlDecoded),
                ("x%2527y".to_owned(), MatchKind::UrlEncoded),
            ]
        );
        assert_eq!(all(b"plain-value_1.0"), []);
    }

    #[test]
    fn unicode_case_forms() {
        // "straße" differs from "Straße" only in ASCII case, which matching ignores anyway.
        let cased = |v: &[u8]| {
            all(v)
                .into_iter()
                .filter(|v| v.1 == MatchKind::CaseChanged)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            cased("Straße".as_bytes()),
            [("STRASSE".to_owned(), MatchKind::CaseChanged)]
        );
        assert_eq!(
            cased("ärger".as_bytes()),
            [("ÄRGER".to_owned(), MatchKind::CaseChanged)]
        );
        // A variant equal to the value up to ASCII case adds nothing.
        assert!(!all("ÉCOLE".as_bytes()).iter().any(|(s, _)| s == "ÉCOLE"));
    }

    #[test]
    fn invalid_utf8_and_long_values() {
        assert_eq!(
            all(b"\xff\x00"),
            [("%FF%00".to_owned(), MatchKind::UrlEncoded)]
        );
        assert_eq!(all(&vec![b' '; MAX_VARIANT_LEN + 1]), []);
    }
}
