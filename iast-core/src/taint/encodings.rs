//! The forms a value takes on its way to a sink: decoded by the application (percent-decoding
//! of the value and of each parameter of a query string in it, base64, a JSON string's
//! escapes, HTML character references), which are matched whole and by pieces like the value
//! itself; and URL-encoded or with its case changed beyond ASCII, matched whole only.

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
#[cfg(test)]
pub(super) fn variants(value: &[u8], emit: impl FnMut(&[u8], MatchKind)) {
    variants_in(value, &mut Forms::default(), emit);
}

/// What [`variants_in`] works in, kept by the store between adds so that the common variants
/// (a value URL-encoded) cost no allocation.
#[derive(Debug, Default)]
pub(super) struct Forms {
    /// An encoding being written.
    buf: Vec<u8>,
    /// The variants offered so far, end to end, and where each ends.
    seen: Vec<u8>,
    ends: Vec<usize>,
}

impl Forms {
    pub(super) fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.seen.capacity() + self.ends.capacity() * size_of::<usize>()
    }
}

/// [`variants`], working in `forms`.
pub(super) fn variants_in(value: &[u8], forms: &mut Forms, mut emit: impl FnMut(&[u8], MatchKind)) {
    if value.is_empty() || value.len() > MAX_VARIANT_LEN {
        return;
    }
    let shape = Shape::of(value);
    // A base64 text is made of the bytes of plain values too.
    let base64 = base64_text(value, shape);
    // Most values (ids, words, numbers) have no other form: no escape to decode, nothing
    // either encoding changes, no case beyond ASCII. Said without allocating.
    if base64.is_none() && shape.plain {
        return;
    }
    let Forms { buf, seen, ends } = forms;
    seen.clear();
    ends.clear();
    let mut offer = |bytes: &[u8], kind: MatchKind| {
        let mut start = 0;
        let known = ends.iter().any(|&end| {
            let s = &seen[start..end];
            start = end;
            s.eq_ignore_ascii_case(bytes)
        });
        if bytes.is_empty() || bytes.eq_ignore_ascii_case(value) || known {
            return;
        }
        emit(bytes, kind);
        seen.extend_from_slice(bytes);
        ends.push(seen.len());
    };

    if value.contains(&b'%') {
        offer(
            &percent_decode(value).collect::<Vec<u8>>(),
            MatchKind::UrlDecoded,
        );
    }
    if value.contains(&b'+') {
        offer(&form_decode(value), MatchKind::UrlDecoded);
    }
    // A raw query string the application splits and decodes itself: each parameter's value.
    if value.contains(&b'=') && value.iter().any(|b| matches!(b, b'%' | b'+')) {
        for piece in value.split(|&b| b == b'&' || b == b';') {
            if let Some(eq) = piece.iter().position(|&b| b == b'=') {
                let v = &piece[eq + 1..];
                if v.iter().any(|b| matches!(b, b'%' | b'+')) {
                    offer(&form_decode(v), MatchKind::UrlDecoded);
                }
            }
        }
    }
    if let Some(text) = base64 {
        offer(&text, MatchKind::Base64Decoded);
    }
    if value.contains(&b'\\')
        && let Some(text) = json_unescape(value)
    {
        offer(&text, MatchKind::JsonUnescaped);
    }
    if value.contains(&b'&')
        && let Some(text) = html_unescape(value)
    {
        offer(&text, MatchKind::HtmlUnescaped);
    }
    encode(value, COMPONENT, buf);
    offer(buf, MatchKind::UrlEncoded);
    // The two encodings differ only on space, `*` and `~`.
    if value.iter().any(|b| matches!(b, b' ' | b'*' | b'~')) {
        encode(value, FORM, buf);
        for b in buf.iter_mut() {
            if *b == b' ' {
                *b = b'+';
            }
        }
        offer(buf, MatchKind::UrlEncoded);
    }

    if !value.is_ascii()
        && let Ok(text) = std::str::from_utf8(value)
    {
        offer(text.to_lowercase().as_bytes(), MatchKind::CaseChanged);
        offer(text.to_uppercase().as_bytes(), MatchKind::CaseChanged);
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, then percent-decoding.
pub(crate) fn form_decode(value: &[u8]) -> Vec<u8> {
    let spaced: Vec<u8> = value
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_decode(&spaced).collect()
}

/// Bytes shorter than this are not taken for base64: four letters decode to three bytes of
/// anything, and every short word is valid base64.
const MIN_BASE64: usize = 8;

/// Values up to this long are decoded as base64 on the stack (parameters, ids, tokens).
const SHORT_BASE64: usize = 128;

/// The alphabets a byte belongs to, one bit each (see [`CLASSES`]).
const PLAIN: u8 = 1;
const STANDARD_64: u8 = 2;
const URL_SAFE_64: u8 = 4;

/// Each byte's alphabets: ASCII letters and digits are in all three; `-` `.` `_` are plain,
/// `+` `/` standard base64, `-` `_` URL-safe base64. One table read per byte instead of a
/// chain of range tests per alphabet: recording a short value tests every byte of it, and
/// the tests' branches, taken at random on random letters, cost more than the rest of the
/// recording.
static CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = PLAIN | STANDARD_64 | URL_SAFE_64;
        }
        b += 1;
    }
    t[b'-' as usize] = PLAIN | URL_SAFE_64;
    t[b'_' as usize] = PLAIN | URL_SAFE_64;
    t[b'.' as usize] = PLAIN;
    t[b'+' as usize] = STANDARD_64;
    t[b'/' as usize] = STANDARD_64;
    t
};

/// Which alphabets a value is written in, read in one pass.
#[derive(Debug, Clone, Copy)]
struct Shape {
    /// Only ASCII letters, digits, `-`, `.` and `_`.
    plain: bool,
    /// The bits of [`CLASSES`] every byte before a final `=` or `==` has.
    body: u8,
    /// The length of that part.
    body_len: usize,
}

impl Shape {
    fn of(value: &[u8]) -> Shape {
        let body_len = value.len()
            - match value {
                [.., b'=', b'='] => 2,
                [.., b'='] => 1,
                _ => 0,
            };
        let body = value[..body_len]
            .iter()
            .fold(PLAIN | STANDARD_64 | URL_SAFE_64, |acc, &b| {
                acc & CLASSES[b as usize]
            });
        Shape {
            plain: body_len == value.len() && body & PLAIN != 0,
            body,
            body_len,
        }
    }
}

/// The text `value` decodes to as base64 (standard or URL-safe, padded or not), when it is
/// printable text: a word that only happens to be valid base64 decodes to bytes that are not.
fn base64_text(value: &[u8], shape: Shape) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    if value.len() < MIN_BASE64 {
        return None;
    }
    let standard = shape.body & STANDARD_64 != 0;
    let url_safe = shape.body & URL_SAFE_64 != 0;
    let padded = shape.body_len != value.len();
    let engine = match (standard, url_safe, padded) {
        (true, _, true) => &STANDARD,
        (true, _, false) => &STANDARD_NO_PAD,
        (false, true, true) => &URL_SAFE,
        (false, true, false) => &URL_SAFE_NO_PAD,
        (false, false, _) => return None,
    };
    // Most values of base64's alphabet (ids, words, tokens) decode to bytes that are no
    // text, as their first quantum already shows nine times in ten: the rest of such a value
    // is never decoded. Others are decoded on the stack when short, so that rejecting them
    // allocates nothing.
    if !text_may_start(value) {
        return None;
    }
    base64_whole(value, engine)
}

/// [`base64_text`] decoding the whole of `value` with `engine`.
fn base64_whole(value: &[u8], engine: &base64::engine::GeneralPurpose) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let mut stack = [0u8; SHORT_BASE64 / 4 * 3 + 3];
    let mut heap = Vec::new();
    let buf: &mut [u8] = if value.len() <= SHORT_BASE64 {
        &mut stack
    } else {
        heap.resize(value.len() / 4 * 3 + 3, 0);
        &mut heap
    };
    let n = engine.decode_slice(value, buf).ok()?;
    let decoded = &buf[..n];
    (decoded.len() >= 4 && printable(decoded)).then(|| decoded.to_vec())
}

/// Whether the three bytes the first four characters of `value` (base64 of either alphabet,
/// at least four long and unpadded there) decode to may begin a [`printable`] text: UTF-8
/// with no control character, a character cut at their end aside. Never false for a value
/// whose whole decoding is printable, whose first three bytes are such a beginning.
fn text_may_start(value: &[u8]) -> bool {
    let Some(quantum) = value.first_chunk::<4>() else {
        return true;
    };
    let [a, b, c, d] = quantum.map(|ch| SEXTETS[usize::from(ch)]);
    let first = a << 2 | b >> 4;
    // One table read per character and one test of the first byte decide for most: a control
    // character, or a byte that cannot start a UTF-8 character. Branches on the bytes of
    // random words cannot be predicted, so there are as few as that.
    if ascii_control(first) || (0x80..0xc2).contains(&first) || first > 0xf4 {
        return false;
    }
    let bytes = [first, b << 4 | c >> 2, c << 6 | d];
    if bytes.is_ascii() {
        return !bytes.into_iter().any(ascii_control);
    }
    let whole = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        // A character cut at the end may go on in the next quantum.
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => return false,
    };
    printable(&bytes[..whole])
}

/// An ASCII byte that [`printable`] refuses: a control character other than tab and line
/// ends.
fn ascii_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f
}

/// The value of each character of either base64 alphabet (`+` and `-` 62, `/` and `_` 63);
/// any other byte reads as 0, and is never asked about (the value's shape is checked first).
const SEXTETS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 26 {
        table[b'A' as usize + i] = i as u8;
        table[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = 52 + i as u8;
        i += 1;
    }
    table[b'+' as usize] = 62;
    table[b'-' as usize] = 62;
    table[b'/' as usize] = 63;
    table[b'_' as usize] = 63;
    table
};

/// Whether `bytes` are UTF-8 text without control characters other than tab and line ends.
fn printable(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| {
        text.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    })
}

/// `value` read as the inside of a JSON string, when it is one.
fn json_unescape(value: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(value).ok()?;
    let quoted = format!("\"{text}\"");
    serde_json::from_str::<String>(&quoted)
        .ok()
        .map(String::into_bytes)
}

/// `value` with its HTML character references decoded (`&lt;`, `&#39;`, `&#x27;`, and the
/// other named references of the XML set and `&nbsp;`), when it holds any.
fn html_unescape(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    let mut decoded = false;
    while i < value.len() {
        if value[i] == b'&'
            && let Some((c, len)) = reference(&value[i..])
        {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i += len;
            decoded = true;
            continue;
        }
        out.push(value[i]);
        i += 1;
    }
    decoded.then_some(out)
}

/// The character a reference at the start of `text` stands for, and the reference's length.
fn reference(text: &[u8]) -> Option<(char, usize)> {
    // `&#1114111;` and `&nbsp;` are the longest references read.
    let end = text.iter().take(12).position(|&b| b == b';')?;
    let name = std::str::from_utf8(&text[1..end]).ok()?;
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, end + 1))
}

/// Writes `value` percent-encoded by `set` into `out`, replacing what it held.
fn encode(value: &[u8], set: &'static AsciiSet, out: &mut Vec<u8>) {
    out.clear();
    for piece in percent_encode(value, set) {
        out.extend_from_slice(piece.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first quantum rejects no value whose whole decoding is text: base64 of random text
    /// (ASCII, accented, emoji, cut anywhere) and random words of either alphabet, each
    /// judged with and without it.
    #[test]
    fn the_first_quantum_rejects_no_text() {
        use base64::Engine as _;
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let mut rng = crate::test_rng::Rng(0x0ba5_e640);
        let pieces = [
            "a",
            "Z",
            " ",
            "\t",
            "\n",
            "\u{e9}",
            "\u{20ac}",
            "\u{1f600}",
            "~",
            "?",
            "/",
        ];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
        let (mut texts, mut rejected) = (0, 0);
        for round in 0..20_000 {
            let value: Vec<u8> = if round % 2 == 0 {
                let text: String = (0..6 + rng.below(12))
                    .map(|_| pieces[rng.below(pieces.len())])
                    .collect();
                let engine = if round % 4 == 0 {
                    STANDARD_NO_PAD
                } else {
                    URL_SAFE_NO_PAD
                };
                engine.encode(text).into_bytes()
            } else {
                (0..8 + rng.below(24))
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect()
            };
            let shape = Shape::of(&value);
            let whole = [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD]
                .into_iter()
                .find_map(|engine| base64_whole(&value, engine));
            texts += usize::from(whole.is_some());
            rejected += usize::from(!text_may_start(&value));
            assert!(
                whole.is_none() || text_may_start(&value),
                "{:?}",
                String::from_utf8_lossy(&value)
            );
            assert!(whole.is_some() || base64_text(&value, shape).is_none());
        }
        assert!(
            texts > 9_000 && rejected > 5_000,
            "{texts} texts, {rejected} rejected"
        );
    }

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
    fn forms_the_application_decodes() {
        assert_eq!(
            all(b"q=x%27%20OR%201%3D1&page=2"),
            [
                ("q=x' OR 1=1&page=2".to_owned(), MatchKind::UrlDecoded),
                ("x' OR 1=1".to_owned(), MatchKind::UrlDecoded),
                (
                    "q%3Dx%2527%2520OR%25201%253D1%26page%3D2".to_owned(),
                    MatchKind::UrlEncoded
                ),
            ]
        );
        // `' OR '1'='1` in base64, standard and URL-safe.
        let decoded = |v: &[u8], kind| {
            all(v)
                .into_iter()
                .filter(|f| f.1 == kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            decoded(b"JyBPUiAnMSc9JzE=", MatchKind::Base64Decoded),
            [("' OR '1'='1".to_owned(), MatchKind::Base64Decoded)]
        );
        assert_eq!(
            decoded(b"PHNjcmlwdD4_", MatchKind::Base64Decoded),
            [("<script>?".to_owned(), MatchKind::Base64Decoded)]
        );
        // Words that are valid base64 decode to no text.
        for word in [b"settings".as_slice(), b"password", b"username1234"] {
            assert_eq!(decoded(word, MatchKind::Base64Decoded), [], "{word:?}");
        }
        assert_eq!(
            decoded(br#"x\u0027 OR \"1\"=\"1"#, MatchKind::JsonUnescaped),
            [(r#"x' OR "1"="1"#.to_owned(), MatchKind::JsonUnescaped)]
        );
        assert_eq!(
            decoded(
                b"&lt;b&gt;x&#39;y&#x22;&amp;z &unknown;",
                MatchKind::HtmlUnescaped
            ),
            [("<b>x'y\"&z &unknown;".to_owned(), MatchKind::HtmlUnescaped)]
        );
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
    fn one_pass_shape_agrees_with_each_alphabet_tested_alone() {
        let plain = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
        let standard = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/');
        let url_safe = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_');
        let mut values: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b'a', b, b'0']).collect();
        for v in [
            "", "=", "==", "a=", "ab==", "a===", "a=b", "x.y", "a+b/c==", "a-b_c=", "é", "Q0==",
        ] {
            values.push(v.as_bytes().to_vec());
        }
        for value in values {
            let body = value
                .strip_suffix(b"==")
                .or_else(|| value.strip_suffix(b"="))
                .unwrap_or(&value);
            let shape = Shape::of(&value);
            assert_eq!(shape.plain, value.iter().all(plain), "{value:?}");
            assert_eq!(shape.body_len, body.len(), "{value:?}");
            assert_eq!(shape.body & STANDARD_64 != 0, body.iter().all(standard));
            assert_eq!(shape.body & URL_SAFE_64 != 0, body.iter().all(url_safe));
        }
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
