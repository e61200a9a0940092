//! Attribute values: character references, and URLs.

use super::{Marked, TaintScan, html, js, overlaps};
use std::ops::Range;

/// Named character references that stand for ASCII characters, the only ones that can form
/// code, markup or a URL scheme (from the WHATWG list). Those without `;` are the legacy forms
/// that are also recognized without it.
const NAMED: &[(&[u8], &[u8])] = &[
    (b"Tab;", b"\t"),
    (b"NewLine;", b"\n"),
    (b"excl;", b"!"),
    (b"quot;", b"\""),
    (b"QUOT;", b"\""),
    (b"quot", b"\""),
    (b"QUOT", b"\""),
    (b"num;", b"#"),
    (b"dollar;", b"$"),
    (b"percnt;", b"%"),
    (b"amp;", b"&"),
    (b"AMP;", b"&"),
    (b"amp", b"&"),
    (b"AMP", b"&"),
    (b"apos;", b"'"),
    (b"lpar;", b"("),
    (b"rpar;", b")"),
    (b"ast;", b"*"),
    (b"midast;", b"*"),
    (b"plus;", b"+"),
    (b"comma;", b","),
    (b"period;", b"."),
    (b"sol;", b"/"),
    (b"colon;", b":"),
    (b"semi;", b";"),
    (b"lt;", b"<"),
    (b"LT;", b"<"),
    (b"lt", b"<"),
    (b"LT", b"<"),
    (b"equals;", b"="),
    (b"gt;", b">"),
    (b"GT;", b">"),
    (b"gt", b">"),
    (b"GT", b">"),
    (b"quest;", b"?"),
    (b"commat;", b"@"),
    (b"lsqb;", b"["),
    (b"lbrack;", b"["),
    (b"bsol;", b"\\"),
    (b"rsqb;", b"]"),
    (b"rbrack;", b"]"),
    (b"Hat;", b"^"),
    (b"lowbar;", b"_"),
    (b"UnderBar;", b"_"),
    (b"grave;", b"`"),
    (b"DiacriticalGrave;", b"`"),
    (b"fjlig;", b"fj"),
    (b"lcub;", b"{"),
    (b"lbrace;", b"{"),
    (b"verbar;", b"|"),
    (b"vert;", b"|"),
    (b"VerticalLine;", b"|"),
    (b"rcub;", b"}"),
    (b"rbrace;", b"}"),
];

/// What numeric references to 0x80..=0x9F mean (windows-1252), per the HTML standard.
const C1: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{8D}', '\u{017D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{9D}', '\u{017E}', '\u{0178}',
];

/// Decodes the character references of a raw attribute value, as the tokenizer does. A
/// decoded character is tainted when any byte of its reference is. Named references to
/// non-ASCII characters are left as written: what they decode to cannot form code or markup.
pub(super) fn decode(raw: &[u8], taint: &[Range<usize>]) -> Marked {
    let mut out = Marked::default();
    out.bytes.reserve(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'&'
            && let Some((len, decoded)) = reference(raw, i)
        {
            let mut buf = [0; 4];
            let bytes: &[u8] = match decoded {
                Decoded::Char(c) => c.encode_utf8(&mut buf).as_bytes(),
                Decoded::Named(s) => s,
            };
            out.extend(bytes, overlaps(taint, i..i + len));
            i += len;
        } else {
            out.push(raw[i], overlaps(taint, i..i + 1));
            i += 1;
        }
    }
    out
}

enum Decoded {
    Char(char),
    Named(&'static [u8]),
}

/// The character reference starting at `raw[at] == b'&'`: its length and what it stands for.
fn reference(raw: &[u8], at: usize) -> Option<(usize, Decoded)> {
    let rest = &raw[at + 1..];
    if let Some(num) = rest.strip_prefix(b"#") {
        let (radix, digits_at) = match num.first() {
            Some(b'x' | b'X') => (16, 1),
            _ => (10, 0),
        };
        let digits = num[digits_at..]
            .iter()
            .take_while(|&&b| (b as char).is_digit(radix))
            .count();
        if digits == 0 {
            return None;
        }
        let value = num[digits_at..digits_at + digits]
            .iter()
            .fold(0u32, |v, &b| {
                let d = (b as char).to_digit(radix).unwrap_or(0);
                v.saturating_mul(radix).saturating_add(d)
            });
        let semicolon = usize::from(num.get(digits_at + digits) == Some(&b';'));
        let c = match value {
            0x80..=0x9F => C1[(value - 0x80) as usize],
            0 => '\u{FFFD}',
            v => char::from_u32(v).unwrap_or('\u{FFFD}'),
        };
        return Some((2 + digits_at + digits + semicolon, Decoded::Char(c)));
    }
    let (name, value) = NAMED
        .iter()
        .filter(|(name, _)| rest.starts_with(name))
        .max_by_key(|(name, _)| name.len())?;
    if !name.ends_with(b";") {
        // In attribute values, a legacy reference followed by `=` or an alphanumeric is text.
        if rest
            .get(name.len())
            .is_some_and(|b| *b == b'=' || b.is_ascii_alphanumeric())
        {
            return None;
        }
    }
    Some((1 + name.len(), Decoded::Named(value)))
}

/// Judges a decoded URL attribute value.
pub(super) fn url_confirmed(value: &Marked, depth: u8) -> bool {
    // The URL parser drops leading C0 controls and spaces, and tabs and newlines anywhere.
    let mut url = Marked::default();
    let mut taint = TaintScan::new(&value.taint);
    let mut leading = true;
    for (i, &b) in value.bytes.iter().enumerate() {
        if (leading && b <= b' ') || matches!(b, b'\t' | b'\n' | b'\r') {
            continue;
        }
        leading = false;
        url.push(b, taint.at(i));
    }
    let Some(colon) = scheme_end(&url.bytes) else {
        return false;
    };
    // A tainted byte in the scheme means the attacker chose it.
    let chose_scheme = overlaps(&url.taint, 0..colon + 1);
    let scheme = url.bytes[..colon].to_ascii_lowercase();
    let rest = url.slice(colon + 1..url.bytes.len());
    match &scheme[..] {
        b"javascript" => {
            let code = unpercent(&rest);
            chose_scheme || js::confirmed(&code.bytes, &code.taint)
        }
        // No analysis of VBScript: any tainted byte in it is taken as code.
        b"vbscript" => !url.taint.is_empty(),
        b"data" => {
            let media = rest
                .bytes
                .split(|&b| b == b',' || b == b';')
                .next()
                .unwrap_or_default()
                .trim_ascii()
                .to_ascii_lowercase();
            if !data_runs_script(&media) {
                return false;
            }
            if chose_scheme {
                return true;
            }
            // A data URL the program chose: the tainted bytes are part of a document.
            let Some(comma) = rest.bytes.iter().position(|&b| b == b',') else {
                return false;
            };
            let header = &rest.bytes[..comma];
            if header.len() >= 7 && header[header.len() - 7..].eq_ignore_ascii_case(b";base64") {
                return overlaps(&rest.taint, comma + 1..rest.bytes.len());
            }
            let body = unpercent(&rest.slice(comma + 1..rest.bytes.len()));
            html::marked_confirmed(&body, depth + 1)
        }
        _ => false,
    }
}

/// Where a URL's scheme ends (its `:`), if it has one.
fn scheme_end(url: &[u8]) -> Option<usize> {
    if !url.first()?.is_ascii_alphabetic() {
        return None;
    }
    let len = url
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        .count();
    (url.get(len) == Some(&b':')).then_some(len)
}

/// Whether a document of this media type can run script when a data URL is loaded: images
/// (but SVG), audio, video and plain text cannot.
fn data_runs_script(media: &[u8]) -> bool {
    let inert = (media.starts_with(b"image/") && !media.starts_with(b"image/svg"))
        || media.starts_with(b"audio/")
        || media.starts_with(b"video/")
        || media.starts_with(b"font/")
        || media.is_empty()
        || media == b"text/plain";
    !inert
}

/// Percent-decodes, as a `javascript:` URL is before it runs.
fn unpercent(s: &Marked) -> Marked {
    let mut out = Marked::default();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut i = 0;
    while i < s.bytes.len() {
        if s.bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                s.bytes.get(i + 1).and_then(|&b| hex(b)),
                s.bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push((h * 16 + l) as u8, overlaps(&s.taint, i..i + 3));
            i += 3;
        } else {
            out.push(s.bytes[i], overlaps(&s.taint, i..i + 1));
            i += 1;
        }
    }
    out
}
