//! The `baggage` header as W3C defines it, and the value of our member `iast.taint` in it.
//!
//! ```text
//! iast.taint = "1" 1*64( "~" item )                 ; version 1
//! item       = service "." route "." origin "." name "." pieces
//! service, route, origin, name = base64url(UTF-8)   ; no padding; empty route or name: none
//! pieces     = base64url(1*32 big-endian u32)       ; `piece_hash` of the value's 8-byte pieces
//! ```
//!
//! Every byte of the value is an RFC 3986 unreserved character (`A-Z a-z 0-9 - _ . ~`), so
//! that a propagator that percent-decodes baggage values and encodes them again (as
//! OpenTelemetry's does, leaving `.` decoded) gives the same text back. Names are base64url
//! rather than percent-encoded for that reason.

use super::Incoming;
use crate::site::Upstream;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use std::sync::Arc;

/// The key of our list member.
pub const KEY: &str = "iast.taint";
/// The longest `baggage` a receiver reads, all its lines joined with `,`: W3C's limit.
pub const MAX_BAGGAGE: usize = 8192;
/// The most list members a receiver reads, over all lines: W3C's limit.
pub const MAX_MEMBERS: usize = 64;
/// The longest `iast.taint` member a client adds: half of [`MAX_BAGGAGE`], leaving the other
/// half to the application's own entries (4,096 bytes is also the value limit of common
/// proxies).
pub const MAX_MEMBER: usize = 4096;

const VERSION: &str = "1";
/// Items per member: one per tainted value of the outgoing URL.
pub(crate) const MAX_ITEMS: usize = 64;
/// Pieces per item: a value's first 256 bytes identify it.
pub(crate) const MAX_PIECES: usize = 32;
/// Longest service name, in bytes.
pub const MAX_SERVICE: usize = 64;
/// Longest route (`GET /v1/items/{id}`), origin and name, in bytes: a sender cuts longer
/// ones to these, a receiver refuses them.
const MAX_ROUTE: usize = 512;
const MAX_ORIGIN: usize = 256;
const MAX_NAME: usize = crate::site::MAX_NAME + '…'.len_utf8();

/// What a receiver made of a request's baggage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// No `iast.taint` member.
    Absent,
    /// The member's items, now matched against the request's values.
    Applied(usize),
    /// The member (or the whole header) broke a rule, said here, and was ignored whole.
    Ignored(&'static str),
}

/// A service name as sent: trimmed, without control characters, at most [`MAX_SERVICE`]
/// bytes (cut), and not empty; `None` for a name that cannot be one.
pub fn service_name(name: &str) -> Option<Arc<str>> {
    let name = name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return None;
    }
    Some(fit(name, MAX_SERVICE).into())
}

/// `text` cut to at most `max` bytes on a character boundary, marked with `…` when cut.
pub(crate) fn fit(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The label of a value entering here, as sent: its parts cut to the wire's limits.
pub(crate) fn upstream(
    service: &str,
    route: Option<String>,
    origin: &str,
    name: Option<&str>,
) -> Upstream {
    Upstream::new(
        fit(service, MAX_SERVICE),
        route.map(|r| fit(&r, MAX_ROUTE)),
        fit(origin, MAX_ORIGIN),
        name.map(|n| fit(n, MAX_NAME)),
    )
}

/// The member `iast.taint=…` naming `items`, at most [`MAX_MEMBER`] bytes: items that do not
/// fit are left out. `None` when none fits.
pub(crate) fn encode(items: &[(Arc<Upstream>, Vec<u32>)]) -> Option<String> {
    let mut out = format!("{KEY}={VERSION}");
    let mut n = 0;
    for (up, pieces) in items.iter().take(MAX_ITEMS) {
        let pieces: Vec<u8> = pieces
            .iter()
            .take(MAX_PIECES)
            .flat_map(|h| h.to_be_bytes())
            .collect();
        if pieces.is_empty() {
            continue;
        }
        let item = format!(
            "~{}.{}.{}.{}.{}",
            B64.encode(up.service()),
            B64.encode(up.route().unwrap_or_default()),
            B64.encode(up.origin()),
            B64.encode(up.name().unwrap_or_default()),
            B64.encode(pieces),
        );
        if out.len() + item.len() <= MAX_MEMBER {
            out.push_str(&item);
            n += 1;
        }
    }
    (n > 0).then_some(out)
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The list members of one header line, trimmed, empty ones skipped (a trailing comma).
fn members(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b',')
        .map(trim_ows)
        .filter(|m| !m.is_empty())
}

/// Whether list member `m` is ours: its key, up to `=` and optional whitespace, is [`KEY`].
fn is_ours(m: &[u8]) -> bool {
    m.strip_prefix(KEY.as_bytes())
        .is_some_and(|rest| matches!(trim_ows(rest).first(), Some(b'=') | None))
}

/// W3C's `baggage-octet`: printable ASCII but space, `"`, `,`, `;` and `\`.
fn baggage_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Reads the `iast.taint` member of a request's `baggage` lines. Linear in the lines'
/// length, and the lines are refused past [`MAX_BAGGAGE`] bytes before any is split.
pub(crate) fn decode<'a>(
    lines: impl IntoIterator<Item = &'a [u8]>,
) -> (Accepted, Option<Incoming>) {
    let ignored = |why| (Accepted::Ignored(why), None);
    let mut kept: Vec<&[u8]> = Vec::new();
    let mut total = 0usize;
    for line in lines {
        total = total.saturating_add(line.len() + usize::from(!kept.is_empty()));
        if total > MAX_BAGGAGE {
            return ignored("the baggage is over 8192 bytes");
        }
        kept.push(line);
    }
    let mut count = 0;
    let mut ours = None;
    for m in kept.iter().flat_map(|line| members(line)) {
        count += 1;
        if count > MAX_MEMBERS {
            return ignored("the baggage has over 64 members");
        }
        if is_ours(m) {
            if ours.is_some() {
                return ignored("the baggage has two `iast.taint` members");
            }
            ours = Some(m);
        }
    }
    let Some(member) = ours else {
        return (Accepted::Absent, None);
    };
    match parse_member(member) {
        Ok(incoming) => (Accepted::Applied(incoming.len()), Some(incoming)),
        Err(why) => ignored(why),
    }
}

fn parse_member(member: &[u8]) -> Result<Incoming, &'static str> {
    let value = &member[KEY.len()..];
    let value = trim_ows(value)
        .strip_prefix(b"=")
        .ok_or("`iast.taint` has no value")?;
    // Properties (`;k=v`) are W3C's, and none of ours.
    let value = trim_ows(value.split(|&b| b == b';').next().unwrap_or_default());
    if !value.iter().all(|&b| baggage_octet(b)) {
        return Err("`iast.taint` holds a byte W3C Baggage does not allow");
    }
    let mut parts = value.split(|&b| b == b'~');
    if parts.next() != Some(VERSION.as_bytes()) {
        return Err("`iast.taint` is of an unknown version");
    }
    let mut incoming = Incoming::default();
    for item in parts {
        if incoming.len() == MAX_ITEMS {
            return Err("`iast.taint` has over 64 items");
        }
        let (up, pieces) = parse_item(item).ok_or("`iast.taint` has a malformed item")?;
        incoming.push(Arc::new(up), pieces);
    }
    if incoming.len() == 0 {
        return Err("`iast.taint` has no item");
    }
    Ok(incoming)
}

fn parse_item(item: &[u8]) -> Option<(Upstream, Vec<u32>)> {
    let mut fields = item.split(|&b| b == b'.');
    let mut text = |max: usize| -> Option<String> {
        let field = fields.next()?;
        if field.len() > max.div_ceil(3) * 4 {
            return None;
        }
        let text = String::from_utf8(B64.decode(field).ok()?).ok()?;
        (text.len() <= max).then_some(text)
    };
    let service = text(MAX_SERVICE).filter(|s| service_name(s).as_deref() == Some(s.as_str()))?;
    let route = Some(text(MAX_ROUTE)?).filter(|r| !r.is_empty());
    let origin = text(MAX_ORIGIN).filter(|o| !o.is_empty())?;
    let name = Some(text(MAX_NAME)?).filter(|n| !n.is_empty());
    let pieces = fields.next()?;
    if fields.next().is_some() || pieces.len() > (MAX_PIECES * 4).div_ceil(3) * 4 {
        return None;
    }
    let bytes = B64.decode(pieces).ok()?;
    if bytes.is_empty() || bytes.len() % 4 != 0 {
        return None;
    }
    let pieces = bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Some((Upstream::new(service, route, origin, name), pieces))
}

/// One `baggage` line without its `iast.taint` members, or `None` when it has none: what a
/// layer records as the header's value, so that the entry's names and hashes never count as
/// the request's input.
pub fn without_own(line: &[u8]) -> Option<Vec<u8>> {
    if !members(line).any(is_ours) {
        return None;
    }
    let mut out = Vec::with_capacity(line.len());
    for m in members(line).filter(|m| !is_ours(m)) {
        if !out.is_empty() {
            out.push(b',');
        }
        out.extend_from_slice(m);
    }
    Some(out)
}

/// The `baggage` lines of a request about to be sent with `member` added: any `iast.taint`
/// member already there is taken out (a forwarded or forged one: only this service's own
/// travels on), the application's lines keep their order, and `member` is a line of its own
/// after them. When it would take the whole over W3C's limits, it is left out.
pub fn merge<'a>(lines: impl IntoIterator<Item = &'a [u8]>, member: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let (mut bytes, mut count) = (0usize, 0usize);
    for line in lines {
        let line = without_own(line).unwrap_or_else(|| line.to_vec());
        if line.is_empty() {
            continue;
        }
        count += members(&line).count();
        bytes += line.len() + usize::from(!out.is_empty());
        out.push(line);
    }
    if count < MAX_MEMBERS && bytes + usize::from(!out.is_empty()) + member.len() <= MAX_BAGGAGE {
        out.push(member.as_bytes().to_vec());
    }
    out
}
