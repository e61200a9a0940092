//! Secrets recognised by their form, wherever they are in a text.
//!
//! Two kinds of form: a secret's *place* (the value of a secret-named key or HTML field, the
//! password of a URL), whose end is a delimiter that the text around it supplies, and a
//! secret's *shape* (a JSON web token, an AWS access key id, a PEM private key, a `Bearer` or
//! `Basic` credential), whose own syntax says where it ends. The caller treats taint crossing
//! their ends differently (see the parent module).
//!
//! Every matcher walks the text once, and where it starts a sub-scan it resumes after it, or
//! the sub-scan cannot start again inside what it read: the whole is linear in the text.

use super::name::secret_name;
use memchr::{memchr, memchr2, memmem, memrchr};
use std::ops::Range;

/// Appends the spans of every secret value found in `text` (unsorted, possibly overlapping):
/// those recognised by their shape to `shaped`, those recognised by their place to `placed`.
pub(super) fn spans(text: &[u8], shaped: &mut Vec<Range<usize>>, placed: &mut Vec<Range<usize>>) {
    pairs(text, placed);
    html_fields(text, placed);
    url_credentials(text, placed);
    auth_schemes(text, shaped);
    jwts(text, shaped);
    pem_private_keys(text, shaped);
    aws_key_ids(text, shaped);
}

/// `key=value`, `key: value`, `"key": "value"`, `key => value` with a secret-named key: the
/// value, without its quotes and without an authorization scheme word that starts it.
///
/// A quoted value runs to its closing quote (`\` escapes, and `''` inside `'...'`), or to the
/// end of the line when it has none. An unquoted value after `=` is one token (it ends at
/// blanks, `&`, `;`, `,`, quotes and brackets: a query string, a cookie, a command line); after
/// `:` it is a header or YAML value and runs to the end of the line, or to `,`, `}` or `]` in
/// inline JSON, where an array value runs to its `]` and an object value is left to the pairs
/// inside it.
fn pairs(text: &[u8], out: &mut Vec<Range<usize>>) {
    let mut from = 0;
    while let Some(p) = text.get(from..).and_then(|rest| memchr2(b'=', b':', rest)) {
        let p = from + p;
        from = p + 1;
        let Some(after) = separator_end(text, p) else {
            continue;
        };
        let Some(key) = key_before(text, p) else {
            continue;
        };
        let key = std::str::from_utf8(&text[key]).unwrap_or_default();
        if !secret_name(key) {
            continue;
        }
        let (value, resume) = value_at(text, after, text[p] == b':');
        if !value.is_empty() {
            out.push(value);
        }
        from = from.max(resume);
    }
}

/// One past the separator at `p` (`=`, `==`, `=>`, `:`, `:=`), or `None` when the byte is part
/// of another operator (`!=`, `<=`, `::`) or a separator already handled.
fn separator_end(text: &[u8], p: usize) -> Option<usize> {
    let prev = p.checked_sub(1).map(|i| text[i]);
    let next = text.get(p + 1).copied();
    if text[p] == b':' && (prev == Some(b':') || next == Some(b':')) {
        return None;
    }
    if text[p] == b'=' && matches!(prev, Some(b'!' | b'<' | b'>' | b'=' | b':')) {
        return None;
    }
    let mut end = p + 1;
    while end < text.len() && matches!(text[end], b'=' | b'>') && end - p < 3 {
        end += 1;
    }
    Some(end)
}

/// The key before the separator at `p`: up to 64 bytes of letters, digits, `_`, `-`, `.`, `[`
/// and `]`, after optional blanks and a closing quote.
fn key_before(text: &[u8], p: usize) -> Option<Range<usize>> {
    let mut k = p;
    while k > 0 && p - k < 8 && matches!(text[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    if k > 0 && matches!(text[k - 1], b'"' | b'\'') {
        k -= 1;
    }
    let end = k;
    while k > 0
        && end - k < 64
        && (text[k - 1].is_ascii_alphanumeric()
            || matches!(text[k - 1], b'_' | b'-' | b'.' | b'[' | b']'))
    {
        k -= 1;
    }
    let key = &text[k..end];
    // The user name of `scheme://user:password@host` belongs to the URL matcher.
    let userinfo = text[p] == b':' && text[..k].ends_with(b"//");
    (key.iter().any(u8::is_ascii_alphabetic) && !userinfo).then_some(k..end)
}

/// The value starting at `at` (after blanks), and where to resume the scan.
fn value_at(text: &[u8], at: usize, colon: bool) -> (Range<usize>, usize) {
    let mut v = at;
    while v < text.len() && matches!(text[v], b' ' | b'\t') {
        v += 1;
    }
    match text.get(v) {
        Some(&q @ (b'"' | b'\'')) => {
            let close = closing_quote(text, v + 1, q);
            (after_scheme(text, v + 1..close), close + 1)
        }
        // An object's own keys say which of its values are secret (`"auth": {"user": ..,
        // "token": ..}`), and a query operator in its place is a payload to show
        // (`"password": {"$ne": null}`).
        Some(b'{') => (v..v, v),
        Some(b'[') if colon => {
            let end = memchr(b']', &text[v..]).map_or(text.len(), |e| v + e);
            (v + 1..end, end)
        }
        _ => {
            let stop = |b: u8| {
                if colon {
                    matches!(b, b'\r' | b'\n' | b',' | b'}' | b']')
                } else {
                    b.is_ascii_whitespace() || b"&;,\"'<>()[]{}|#`\\".contains(&b)
                }
            };
            let mut end = text[v..]
                .iter()
                .position(|&b| stop(b))
                .map_or(text.len(), |e| v + e);
            let resume = end;
            while end > v && text[end - 1].is_ascii_whitespace() {
                end -= 1;
            }
            (after_scheme(text, v..end), resume)
        }
    }
}

/// The closing quote of a string whose inside starts at `from`, or the end of its line when it
/// has none.
fn closing_quote(text: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from;
    while i < text.len() {
        match text[i] {
            b if b == quote && quote == b'\'' && text.get(i + 1) == Some(&quote) => i += 2,
            b if b == quote || b == b'\n' => return i,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    text.len()
}

/// The `value` or `content` of an HTML element whose `name` is secret-named
/// (`<input type="hidden" name="csrf_token" value="...">`, `<meta name="csrf-token"
/// content="...">`) or which is a password input (`type="password"`), in any attribute order,
/// its value quoted with `"` or `'`, with a quote escaped for a string literal (`\"`), or
/// unquoted.
///
/// A tag runs to its `>`; a `<` where an attribute name would start begins another tag, since
/// evidence is often not HTML and a stray `<` (`a<b`) must not swallow the tags after it.
fn html_fields(text: &[u8], out: &mut Vec<Range<usize>>) {
    let len = text.len();
    let blank = |b: u8| b.is_ascii_whitespace();
    let mut values = Vec::new();
    let mut from = 0;
    while let Some(lt) = text.get(from..).and_then(|rest| memchr(b'<', rest)) {
        let lt = from + lt;
        let name_end = text[lt + 1..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric())
            .map_or(len, |n| lt + 1 + n);
        from = name_end;
        let tag = name_end > lt + 1 && text[lt + 1].is_ascii_alphabetic();
        if !tag
            || text
                .get(name_end)
                .is_some_and(|&b| !(blank(b) || b == b'/' || b == b'>'))
        {
            continue;
        }
        let mut secret = false;
        values.clear();
        let mut i = name_end;
        loop {
            while i < len && (blank(text[i]) || text[i] == b'/') {
                i += 1;
            }
            if i >= len || matches!(text[i], b'>' | b'<') {
                break;
            }
            let attr_start = i;
            // A `=` that starts a name is part of it, as HTML reads it.
            i += 1;
            while i < len && !(blank(text[i]) || matches!(text[i], b'/' | b'>' | b'=' | b'<')) {
                i += 1;
            }
            let attr = &text[attr_start..i];
            while i < len && blank(text[i]) {
                i += 1;
            }
            if text.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while i < len && blank(text[i]) {
                i += 1;
            }
            let value = match text.get(i..).unwrap_or_default() {
                [q @ (b'"' | b'\''), ..] => {
                    let close = memchr(*q, &text[i + 1..]).map_or(len, |c| i + 1 + c);
                    let value = i + 1..close;
                    i = (close + 1).min(len);
                    value
                }
                [b'\\', q @ (b'"' | b'\''), ..] => {
                    let close =
                        memmem::find(&text[i + 2..], &[b'\\', *q]).map_or(len, |c| i + 2 + c);
                    let value = i + 2..close;
                    i = (close + 2).min(len);
                    value
                }
                _ => {
                    let start = i;
                    while i < len && !(blank(text[i]) || matches!(text[i], b'>' | b'<')) {
                        i += 1;
                    }
                    start..i
                }
            };
            let is = |name: &[u8]| attr.eq_ignore_ascii_case(name);
            if is(b"name") {
                secret |= secret_name(std::str::from_utf8(&text[value]).unwrap_or_default());
            } else if is(b"type") {
                secret |= text[value].eq_ignore_ascii_case(b"password");
            } else if (is(b"value") || is(b"content")) && !value.is_empty() {
                values.push(value);
            }
        }
        if secret {
            out.append(&mut values);
        }
        from = i;
    }
}

/// Authorization schemes whose word is kept readable before a credential.
const SCHEMES: &[&[u8]] = &[
    b"bearer",
    b"basic",
    b"digest",
    b"token",
    b"negotiate",
    b"ntlm",
    b"bot",
    b"dpop",
    b"mutual",
    b"aws4-hmac-sha256",
];

/// `value` without a leading `Scheme ` (`Bearer abc` → `abc`).
fn after_scheme(text: &[u8], value: Range<usize>) -> Range<usize> {
    let v = &text[value.clone()];
    let word = v
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-'))
        .unwrap_or(v.len());
    let known = SCHEMES.iter().any(|s| v[..word].eq_ignore_ascii_case(s));
    let blanks = v[word..]
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(v.len() - word);
    if known && blanks > 0 && word + blanks < v.len() {
        value.start + word + blanks..value.end
    } else {
        value
    }
}

fn token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// `Bearer <token>` and `Basic <base64>` anywhere: the credential, not the scheme word.
///
/// Outside a secret-named pair the words also occur in prose, so a bearer token must look
/// random ([`random_looking`]) and a basic credential must decode to `user:password`.
fn auth_schemes(text: &[u8], out: &mut Vec<Range<usize>>) {
    for p in memchr::memchr2_iter(b'b', b'B', text) {
        if p > 0 && text[p - 1].is_ascii_alphanumeric() {
            continue;
        }
        let basic = if text[p..].len() >= 6 && text[p..p + 6].eq_ignore_ascii_case(b"bearer") {
            false
        } else if text[p..].len() >= 5 && text[p..p + 5].eq_ignore_ascii_case(b"basic") {
            true
        } else {
            continue;
        };
        let word_end = p + if basic { 5 } else { 6 };
        let start = text[word_end..]
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t'))
            .map_or(text.len(), |n| word_end + n);
        if start == word_end {
            continue;
        }
        let mut end = text[start..]
            .iter()
            .position(|&b| !token68(b))
            .map_or(text.len(), |n| start + n);
        while end < text.len() && text[end] == b'=' {
            end += 1;
        }
        // A sentence's full stop is not part of the token.
        if !basic {
            while end > start && text[end - 1] == b'.' {
                end -= 1;
            }
        }
        let credential = &text[start..end];
        let secret = if basic {
            basic_credentials(credential)
        } else {
            random_looking(credential)
        };
        if secret {
            out.push(start..end);
        }
    }
}

/// Whether a token looks generated rather than written: at least 8 bytes with a digit, a
/// symbol, or a capital after a small letter (base64 padding aside).
fn random_looking(token: &[u8]) -> bool {
    let body = token
        .strip_suffix(b"==")
        .or_else(|| token.strip_suffix(b"="))
        .unwrap_or(token);
    body.len() >= 8
        && (body
            .iter()
            .any(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/'))
            || body
                .windows(2)
                .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase()))
}

/// Whether `b64` is base64 of `user:password`.
fn basic_credentials(b64: &[u8]) -> bool {
    let mut decoded = 0;
    let mut colon = false;
    let valid = decode_base64(b64, false, |byte| {
        colon |= byte == b':';
        decoded += 1;
    });
    valid && colon && decoded >= 3
}

/// Decodes `text` (the URL-safe alphabet when `url`) up to its first `=`, handing each
/// decoded byte to `byte`; false at a character outside the alphabet.
fn decode_base64(text: &[u8], url: bool, mut byte: impl FnMut(u8)) -> bool {
    let (c62, c63) = if url { (b'-', b'_') } else { (b'+', b'/') };
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            _ if c == c62 => 62,
            _ if c == c63 => 63,
            b'=' => break,
            _ => return false,
        };
        acc = (acc << 6 | u32::from(v)) & 0xff_ffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            byte((acc >> bits) as u8);
        }
    }
    true
}

fn base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')
}

/// JSON web tokens (`eyJ...` `.` `eyJ...` `.` signature), and the five-part encrypted form:
/// all of it.
///
/// A token glued to letters or digits before it (`1eyJ...`, `xeyJ...`) counts when its header
/// and claims both decode to the start of a JSON object with a key (`{"alg":`, `{"sub":`):
/// words that merely contain `eyJ` (`keyJar`, `heyJude`) do not decode to that.
fn jwts(text: &[u8], out: &mut Vec<Range<usize>>) {
    let run = |from: usize| {
        text[from.min(text.len())..]
            .iter()
            .position(|&b| !base64url(b))
            .map_or(text.len(), |n| from + n)
    };
    let mut done = 0;
    // Every `eyJ` of one base64url run has the same header end and claims: read them once per
    // run, so that a run of many `eyJ` is not rescanned for each.
    let mut segments: Option<(usize, Option<usize>)> = None;
    for p in crate::__static_finder!(b"eyJ").find_iter(text) {
        if p < done {
            continue;
        }
        let (header, claims) = match segments {
            Some((header, claims)) if p < header => (header, claims),
            _ => {
                let header = run(p);
                let claims = (text.get(header) == Some(&b'.')
                    && text[header + 1..].starts_with(b"eyJ"))
                .then(|| run(header + 1))
                .filter(|&c| text.get(c) == Some(&b'.'));
                segments = Some((header, claims));
                (header, claims)
            }
        };
        let Some(claims) = claims else {
            continue;
        };
        let glued = p > 0 && base64url(text[p - 1]);
        if glued
            && !(json_object_start(&text[p..header])
                && json_object_start(&text[header + 1..claims]))
        {
            continue;
        }
        let mut end = run(claims + 1);
        for _ in 0..2 {
            let next = run(end + 1);
            if text.get(end) == Some(&b'.') && next > end + 1 {
                end = next;
            } else {
                break;
            }
        }
        out.push(p..end);
        done = end;
    }
}

/// Whether a base64url segment decodes to `{"key":` (its first 48 characters are read).
fn json_object_start(segment: &[u8]) -> bool {
    let mut decoded = [0u8; 36];
    let mut n = 0;
    // A segment is a run of base64url characters, so it holds no `=` to stop at.
    let valid = decode_base64(&segment[..segment.len().min(48)], true, |byte| {
        decoded[n] = byte;
        n += 1;
    });
    if !valid {
        return false;
    }
    let Some(rest) = decoded[..n].strip_prefix(b"{\"") else {
        return false;
    };
    let Some(q) = memchr(b'"', rest) else {
        return false;
    };
    let key = &rest[..q];
    let colon = rest[q + 1..].iter().find(|&&b| !matches!(b, b' ' | b'\t'));
    !key.is_empty()
        && key.iter().all(|&b| b == b' ' || b.is_ascii_graphic())
        && colon == Some(&b':')
}

/// `-----BEGIN ... PRIVATE KEY-----` through the matching END line, or to the end of the text
/// when it was cut before it.
fn pem_private_keys(text: &[u8], out: &mut Vec<Range<usize>>) {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let mut from = 0;
    while let Some(b) = crate::__static_finder!(BEGIN)
        .find(&text[from..])
        .map(|i| from + i)
    {
        let label_start = b + BEGIN.len();
        from = label_start;
        let window = &text[label_start..text.len().min(label_start + 64)];
        let Some(l) = crate::__static_finder!(b"-----").find(window) else {
            continue;
        };
        let label = &window[..l];
        if memchr(b'\n', label).is_some()
            || crate::__static_finder!(b"PRIVATE KEY")
                .find(label)
                .is_none()
        {
            continue;
        }
        let body = label_start + l + 5;
        let end_marker = [b"-----END ", label, b"-----"].concat();
        match memmem::find(&text[body..], &end_marker) {
            Some(e) => {
                let end = body + e + end_marker.len();
                out.push(b..end);
                from = end;
            }
            None => {
                out.push(b..text.len());
                return;
            }
        }
    }
}

/// `scheme://user:password@host`: the password. `scheme://token@host` (a token as the user
/// name, as Git hosts accept): the user name, when it is at least 20 bytes of letters, digits
/// and `-_.~%` with both letters and digits, which user names rarely are.
fn url_credentials(text: &[u8], out: &mut Vec<Range<usize>>) {
    let mut done = 0;
    for p in crate::__static_finder!(b"://").find_iter(text) {
        if p < done || p == 0 || !text[p - 1].is_ascii_alphanumeric() {
            continue;
        }
        let start = p + 3;
        let end = text[start..]
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b"/?#\\\"'<>".contains(&b))
            .map_or(text.len(), |n| start + n);
        done = end;
        let Some(at) = memrchr(b'@', &text[start..end]).map(|a| start + a) else {
            continue;
        };
        let userinfo = &text[start..at];
        match memchr(b':', userinfo) {
            Some(c) if start + c + 1 < at => out.push(start + c + 1..at),
            Some(_) => {}
            None if token_user(userinfo) => out.push(start..at),
            None => {}
        }
    }
}

fn token_user(user: &[u8]) -> bool {
    user.len() >= 20
        && user
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'%'))
        && user.iter().any(u8::is_ascii_digit)
        && user.iter().any(u8::is_ascii_alphabetic)
}

/// AWS access key ids: `AKIA` (long-term) or `ASIA` (temporary) and 16 capitals or digits,
/// ending a run of capitals and digits. Letters or digits may come before it (`xAKIA...`,
/// `1AKIA...`: the prefix and the length are distinctive enough), but no capital or digit
/// after it: a longer run is another identifier. Ids glued one after another are all hidden.
fn aws_key_ids(text: &[u8], out: &mut Vec<Range<usize>>) {
    let caps = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    let id = |w: &[u8]| w.starts_with(b"AKIA") || w.starts_with(b"ASIA");
    let mut i = 0;
    while i < text.len() {
        if !caps(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && caps(text[i]) {
            i += 1;
        }
        let mut from = i;
        while from >= start + 20 && id(&text[from - 20..from]) {
            from -= 20;
        }
        if from < i {
            out.push(from..i);
        }
    }
}
