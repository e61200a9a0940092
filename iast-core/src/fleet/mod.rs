//! Flows across services: where an input entered the fleet, carried in W3C Baggage.
//!
//! Untrusted input often enters at a gateway and does its damage one or two services further
//! on. The downstream service's layer sees the forwarded value as one of its own request's
//! inputs, so the flow is found there, but its source is the downstream request's parameter.
//! With `[fleet]` on, a checked client (reqwest, ureq, hyper in `iast-sinks`) adds a list
//! member `iast.taint` to the outgoing request's `baggage` header. It lists, for each tainted
//! value the outgoing URL holds, where that value entered (service, route, origin and name)
//! and short hashes of its 8-byte pieces. A receiving layer that trusts the entry matches its
//! own request's values against the pieces, and a finding then names the upstream origin:
//! "query parameter `name`, entered at `gateway` as query parameter `q` of `GET /search`".
//!
//! ```toml
//! [fleet]
//! service = "gateway"   # this process's name in what it sends (default: the executable's)
//! send = true           # checked clients add `iast.taint` to `baggage` (off by default)
//! trust = true          # web layers read `iast.taint` from requests (off by default)
//! ```
//!
//! The rules, and why:
//! - **Baggage labels, it never taints.** An entry only names the origin of a value the
//!   receiver's own source has recorded; it creates no taint, hides no finding and does not
//!   enter a fingerprint. A forged entry can at worst mislabel.
//! - **Nothing secret travels:** names and 32-bit hashes of pieces, never values. Values under
//!   8 bytes, values of secret-named sources and values redaction recognises (tokens, keys)
//!   are not sent at all. A hash of a low-entropy piece (an 8-digit number) can still be
//!   guessed: keep `send` to services inside the fleet.
//! - **Bounded:** W3C's limits (8,192 bytes and 64 list members in all) are enforced on
//!   receipt, before anything is parsed, and an entry holds at most 64 items of at most 32
//!   pieces; a sender keeps its entry within [`MAX_MEMBER`] bytes, half of W3C's limit;
//!   matching stops after [`MAX_WINDOWS`] windows per request.
//! - **All or nothing:** an entry that breaks any rule (W3C's or ours), or a request with two
//!   `iast.taint` members, is ignored whole.
//! - **Off unless configured:** a service must not trust baggage from outside its fleet, so
//!   `trust` is a promise that the ingress strips `iast.taint` from outside requests.

pub(crate) mod send;
#[cfg(test)]
mod tests;
pub(crate) mod window;
pub(crate) mod wire;

pub(crate) use window::Incoming;
pub use window::piece_hash;
pub use wire::{
    Accepted, KEY, MAX_BAGGAGE, MAX_MEMBER, MAX_MEMBERS, MAX_SERVICE, merge, service_name,
    without_own,
};

use crate::config::InCode;
use std::sync::{Arc, OnceLock, RwLock};

/// The header W3C Baggage travels in.
pub const HEADER: &str = "baggage";

/// Windows of 8 bytes matched against an entry's pieces per request, over all its values:
/// past it, the request's remaining values are not labelled. Each costs one load, one
/// multiply and one probe of a 512-byte filter.
pub const MAX_WINDOWS: usize = 64 * 1024;

static SEND: InCode = InCode::unset();
static TRUST: InCode = InCode::unset();
static SERVICE: RwLock<Option<Arc<str>>> = RwLock::new(None);

/// Turns the `iast.taint` entry of checked clients' requests on or off for the whole process
/// (in place of `fleet.send`).
pub fn set_send(on: bool) {
    SEND.set_flag(on);
}

/// Whether checked clients add `iast.taint` to their requests' baggage.
pub fn sends() -> bool {
    SEND.flag(|| crate::config::active().fleet.send)
}

/// Turns the reading of `iast.taint` by web layers on or off for the whole process (in place
/// of `fleet.trust`).
pub fn set_trust(on: bool) {
    TRUST.set_flag(on);
}

/// Whether web layers read `iast.taint` from incoming requests.
pub fn trusts() -> bool {
    TRUST.flag(|| crate::config::active().fleet.trust)
}

/// Names this process in the entries it sends (in place of `fleet.service`). A context's own
/// name ([`Context::set_service`](crate::Context::set_service), given by a layer) comes first.
/// An empty name is refused (`false`), a longer one than [`MAX_SERVICE`] is cut.
pub fn set_service(name: &str) -> bool {
    let Some(name) = wire::service_name(name) else {
        return false;
    };
    *SERVICE.write().unwrap_or_else(|e| e.into_inner()) = Some(name);
    true
}

/// The name this process sends: [`set_service`]'s, `fleet.service`, or the executable's file
/// stem.
pub fn service() -> Arc<str> {
    if let Some(name) = SERVICE.read().unwrap_or_else(|e| e.into_inner()).clone() {
        return name;
    }
    static DEFAULT: OnceLock<Arc<str>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| {
            crate::config::active()
                .fleet
                .service
                .as_deref()
                .or(std::env::current_exe()
                    .ok()
                    .and_then(|p| p.file_stem()?.to_str().map(str::to_owned))
                    .as_deref())
                .and_then(wire::service_name)
                .unwrap_or_else(|| Arc::from("unnamed"))
        })
        .clone()
}

/// The `iast.taint` list member for a request to `url` made in the current context, when
/// sending is on and the URL's path or query holds a tainted value worth naming: add it to
/// the request's `baggage` header (a line of its own, or through [`merge`]). At most
/// [`MAX_MEMBER`] bytes of `[A-Za-z0-9_.~=-]`, so it is a valid header value and survives a
/// propagator that percent-decodes and re-encodes baggage values.
pub fn outgoing(url: &str) -> Option<String> {
    if !sends() {
        return None;
    }
    let items = crate::engine::fleet_items(url.as_bytes())?;
    wire::encode(&items)
}

/// Reads the `iast.taint` member of a request's `baggage` header lines into the current
/// context, so that the values its sources record from now on are labelled with their
/// upstream origin. The caller has checked that the entry is trusted ([`trusts`]).
pub fn accept<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Accepted {
    let (accepted, incoming) = wire::decode(lines);
    if let Some(incoming) = incoming {
        crate::engine::fleet_accept(incoming);
    }
    accepted
}
