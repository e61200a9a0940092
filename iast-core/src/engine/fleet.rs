//! The context's side of `crate::fleet`: the items a request about to leave names, and the
//! entry a request that arrived brought.

use crate::fleet::{Incoming, send, window, wire};
use crate::ranges::overlaps;
use crate::registry::ItemKind;
use crate::site::{Site, Upstream};
use std::sync::Arc;

/// The tainted values of `url`'s path and query that may be named downstream, with their
/// origins and piece hashes; `None` outside a context or when there is none.
pub(crate) fn fleet_items(url: &[u8]) -> Option<Vec<(Arc<Upstream>, Vec<u32>)>> {
    let items = super::instrument(|cx| {
        let min_match = crate::config::active().min_match_length;
        let mut state = cx.lock();
        let ranges = state.store.scan(url);
        if ranges.is_empty() {
            return Vec::new();
        }
        let (within, query) = send::path_and_query(url);
        let recognised = crate::redact::recognised(url);
        let mut items: Vec<(Arc<Upstream>, Vec<u32>)> = Vec::new();
        for r in &ranges {
            // The entry names at most this many; past them the URL's ranges are not looked at.
            if items.len() == wire::MAX_ITEMS {
                break;
            }
            if r.start < within.start || r.end > within.end || overlaps(&recognised, r.start..r.end)
            {
                continue;
            }
            let Some((item, name)) = state.sources().get(r.source as usize) else {
                continue;
            };
            let strict = matches!(item.kind, ItemKind::Source { strict: true, .. });
            if !crate::confidence::carries(url, r, strict, min_match) {
                continue;
            }
            let site = Site::of_source(item, name.as_deref());
            if crate::redact::secret_source(&site) {
                continue;
            }
            let value = send::decoded(&url[r.start..r.end], r.start >= query);
            let pieces = window::pieces(&value);
            if pieces.is_empty() {
                continue;
            }
            // A value that entered upstream keeps its first origin on every hop.
            let upstream = match state.upstream.as_ref().and_then(|u| u.label(r.source)) {
                Some(up) => up.clone(),
                None => Arc::new(wire::upstream(
                    &state.service.clone().unwrap_or_else(crate::fleet::service),
                    state.route.as_ref().map(ToString::to_string),
                    site.origin_or_function(),
                    site.name(),
                )),
            };
            if !items.iter().any(|(u, p)| *u == upstream && *p == pieces) {
                items.push((upstream, pieces));
            }
        }
        items
    })?;
    (!items.is_empty()).then_some(items)
}

/// Installs a trusted entry in the current context: the values its sources record from now
/// on are matched against it.
pub(crate) fn fleet_accept(incoming: Incoming) {
    super::instrument(|cx| cx.lock().upstream = Some(Box::new(incoming)));
}
