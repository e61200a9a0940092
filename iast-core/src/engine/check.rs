//! The check of one sink argument, in three steps: the tainted ranges it holds and their
//! sources (the only step under the context's lock), then per class the confidence
//! (`confidence.rs`) and the evidence (`evidence.rs`), and the sanitizers the tainted bytes
//! passed without being made safe for the class.

use super::SinkCall;
use crate::analyzers::Scratch;
use crate::caller::Caller;
use crate::probe::{Reach, Spot};
use crate::registry::{Item, ItemKind};
use crate::report::{Finding, Route, Site};
use crate::site::Upstream;
use crate::taint::{MatchKind, TaintedRange};
use crate::vulnerability::{Confidence, Vulnerability};
use std::ops::Range;
use std::sync::Arc;

/// Checks one string-like value of a sink argument, within the check's work budget.
pub(crate) fn check_text(call: &SinkCall, bytes: &[u8]) {
    let check = crate::work::begin(crate::config::active().check_budget);
    if let Some(scan) = scan(call, bytes) {
        let (findings, reached) = judge(call, bytes, &scan);
        if !findings.is_empty() {
            let mut state = call.cx.lock();
            if let Some(run) = state.probe.as_mut() {
                reached.into_iter().for_each(|r| run.reached(r));
            }
            let block = crate::protect::protected();
            for mut finding in findings {
                // Protect mode: a confirmed flow of a blocked class is refused by the code
                // around the sink (see `crate::protect`).
                if state.protecting && block.contains(finding.vulnerability()) && blocks(&finding) {
                    finding.set_blocked();
                    state.blocked = true;
                    crate::protect::request_refusal();
                }
                state.add_finding(finding);
            }
        }
    }
    if check.exceeded() {
        let sink = call.item.function().to_owned();
        *call
            .cx
            .lock()
            .limits
            .budget_exceeded
            .entry(sink)
            .or_default() += 1;
    }
}

/// Whether protect mode refuses a flow of a blocked class: confirmed, of the request's own
/// input (a stored flow is refused to every visitor until its row is gone: it is reported),
/// and holding a byte that a value chosen from a list of names never does. A confirmed flow
/// of plain words (`fields=id,name,email` checked against an allow-list and joined into the
/// query) is reported, never refused: refusing it would take the endpoint down for the
/// program's own choices.
fn blocks(finding: &Finding) -> bool {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b',' | b' ');
    finding.confidence() == Confidence::Confirmed
        && !finding.stored()
        && finding
            .evidence()
            .tainted_text()
            .any(|text| text.bytes().any(|b| !plain(b)))
}

/// What a check takes from its context, under the lock, before it analyses unlocked (so that
/// threads sharing a context do not wait for each other's analysis).
struct Scan {
    ranges: Vec<TaintedRange>,
    /// The sources of the ranges by id, sorted: a lookup per range stays logarithmic however
    /// many sources reached the argument (a JSON body of thousands of fields joined into one
    /// query).
    sources: Vec<ScanSource>,
    /// The context's sanitizers and validators, when a range is safe for some class.
    safe_items: Vec<&'static Item>,
    redact: bool,
    route: Option<Route>,
    /// In a probe's canary run, how many leaves it made unique (see `probe`).
    canaries: Option<usize>,
}

/// A source of a scan's ranges: its id, item, the name of its value, and where the value
/// entered the fleet when a trusted entry said so (`crate::fleet`).
type ScanSource = (u32, &'static Item, Option<Arc<str>>, Option<Arc<Upstream>>);

impl Scan {
    fn source(&self, id: u32) -> Option<&ScanSource> {
        let i = self.sources.binary_search_by_key(&id, |(s, ..)| *s).ok()?;
        self.sources.get(i)
    }

    fn site(&self, id: u32) -> Option<Site> {
        self.source(id).map(|(_, item, name, upstream)| {
            Site::of_source(item, name.as_deref()).with_upstream(upstream.clone())
        })
    }

    /// The canary suffixes in `text[within]` that name a leaf of this run.
    fn canaries(&self, text: &[u8], within: Range<usize>) -> Vec<(Range<usize>, usize)> {
        let Some(leaves) = self.canaries else {
            return Vec::new();
        };
        let mut found = crate::probe::suffixes(text, within);
        found.retain(|(_, n)| *n < leaves);
        found
    }

    fn is_strict(&self, id: u32) -> bool {
        self.source(id)
            .is_some_and(|(_, item, ..)| matches!(item.kind, ItemKind::Source { strict: true, .. }))
    }
}

/// Step one: the tainted ranges of the argument and what the context knows of them; `None`
/// when nothing in it is tainted.
fn scan(call: &SinkCall, bytes: &[u8]) -> Option<Scan> {
    let mut state = call.cx.lock();
    let ranges = state.store.scan(bytes);
    if ranges.is_empty() {
        return None;
    }
    let mut sources: Vec<ScanSource> = ranges
        .iter()
        .filter_map(|r| {
            let (item, name) = state.sources().get(r.source as usize)?;
            let upstream = state.upstream.as_ref().and_then(|u| u.label(r.source));
            Some((r.source, *item, name.clone(), upstream.cloned()))
        })
        .collect();
    sources.sort_by_key(|(id, ..)| *id);
    sources.dedup_by_key(|(id, ..)| *id);
    let safe_items = if ranges.iter().any(|r| !r.safe_for.is_empty()) {
        state.safe_items.clone()
    } else {
        Vec::new()
    };
    let canaries = state
        .probe
        .as_ref()
        .filter(|run| run.canaries())
        .map(|run| run.leaves());
    Some(Scan {
        ranges,
        sources,
        safe_items,
        redact: state.redact,
        route: state.route.clone(),
        canaries,
    })
}

/// Step two, per class of the sink: whether the ranges make a finding and how sure it is
/// (`confidence`), its sources, its evidence (`evidence`) and the sanitizers passed; in a
/// canary run, also the leaves whose canaries the findings rest on.
fn judge(call: &SinkCall, bytes: &[u8], scan: &Scan) -> (Vec<Finding>, Vec<Reach>) {
    let mut reached = Vec::new();
    let ItemKind::Sink {
        classes,
        serialized,
        ..
    } = call.item.kind
    else {
        return (Vec::new(), reached);
    };
    // A canary in a range makes it certain; canaries are taken out of the evidence, which
    // then shows the flow of the original value.
    let canary = |r: &TaintedRange| !scan.canaries(bytes, r.start..r.end).is_empty();
    let strip: Vec<Range<usize>> = scan
        .canaries(bytes, 0..bytes.len())
        .into_iter()
        .map(|(span, _)| span)
        .collect();
    let config = crate::config::active();
    let scratch = Scratch::default();
    // Looked up once, and only when a finding is made.
    let mut call_site = None;
    let mut findings = Vec::new();
    for class in classes.iter() {
        if config.disabled.contains(class) || !class.needs_taint() {
            continue;
        }
        let Some(verdict) = crate::confidence::decide(
            class,
            call.arg,
            bytes,
            &scan.ranges,
            &crate::confidence::Rules {
                strict: &|id| scan.is_strict(id),
                canary: &canary,
                min_match: config.min_match_length,
            },
            &scratch,
        ) else {
            continue;
        };
        // In serialized data the serializer quotes every value: one that only reached the
        // sink is data, as a bound parameter is. A check stopped by its budget gave no such
        // verdict, and is reported as usual.
        if serialized && verdict.confidence != Confidence::Confirmed && !crate::work::exhausted() {
            continue;
        }
        let sources = principal_first(&verdict.ranges, |id| scan.site(id), |id| scan.is_strict(id));
        // A flow from database rows alone is stored data, reported only where stored data is
        // the threat (see `crate::stored`).
        let stored = !sources.is_empty()
            && sources
                .iter()
                .all(|(s, _)| s.origin() == Some(crate::stored::ORIGIN));
        if stored && !crate::stored::CLASSES.contains(class) {
            continue;
        }
        // Sorted by id, so that a lookup per range stays logarithmic in the sources.
        let mut positions: Vec<(u32, usize)> = sources
            .iter()
            .enumerate()
            .map(|(i, (_, id))| (*id, i))
            .collect();
        positions.sort_unstable();
        let marked: Vec<_> = verdict
            .ranges
            .iter()
            .map(|r| {
                let source = positions
                    .binary_search_by_key(&r.source, |(id, _)| *id)
                    .map_or(0, |at| positions[at].1);
                (r.start..r.end, source, r.kind)
            })
            .collect();
        let sources: Vec<Site> = sources.into_iter().map(|(s, _)| s).collect();
        let evidence = crate::evidence::build(
            class,
            call.arg,
            bytes,
            &marked,
            &sources,
            &strip,
            scan.redact,
            &scratch,
        );
        let call_site = call_site
            .get_or_insert_with(|| call.caller.map(Caller::resolve))
            .clone();
        // A digest has no structure to change: a weak hash is confirmed when a source of the
        // hashed bytes says it holds a secret (a `password` field, a `read_api_token`
        // source), by the names redaction reads.
        let confidence = if class == Vulnerability::WeakHash {
            if sources.iter().any(crate::redact::secret_source) {
                Confidence::Confirmed
            } else {
                Confidence::Unsanitized
            }
        } else {
            verdict.confidence
        };
        let finding = Finding::new(class, confidence, Site::of(call.item), sources, evidence)
            .with_sanitizers(passed(class, &verdict.ranges, &scan.safe_items))
            .at(call_site, scan.route.clone());
        for r in &verdict.ranges {
            // Only in a canary run, and only for a range that holds a canary: outside a probe
            // a finding pays nothing for it.
            let leaves = scan.canaries(bytes, r.start..r.end);
            if leaves.is_empty() {
                continue;
            }
            let before = bytes[..r.start]
                .iter()
                .rev()
                .find(|b| !b.is_ascii_whitespace())
                .copied();
            for (_, leaf) in leaves {
                reached.push(Reach {
                    leaf,
                    class,
                    spot: Spot {
                        before,
                        argument: call.arg,
                    },
                    fingerprint: finding.fingerprint().to_owned(),
                });
            }
        }
        findings.push(finding);
    }
    (findings, reached)
}

/// Step three: the sanitizers and validators whose own values hold the tainted bytes (the
/// store keeps which gave each safe value), but not one that covers `class`: had the bytes
/// passed it for this class, they would be safe.
fn passed(
    class: Vulnerability,
    ranges: &[&TaintedRange],
    safe_items: &[&'static Item],
) -> Vec<Site> {
    let passed = ranges.iter().fold(0u64, |bits, r| bits | r.safe_by);
    let mut sanitizers: Vec<Site> = safe_items
        .iter()
        .enumerate()
        .filter(|(i, item)| passed & (1 << i) != 0 && !item.classes().contains(class))
        .map(|(_, item)| Site::of(item))
        .collect();
    sanitizers.sort();
    sanitizers.dedup();
    sanitizers
}

/// The sources of `open` with their ids: the principal one first, then the others sorted.
/// The principal one is the one whose bytes the flow rests on: the input of this request
/// before a value read from the database (the flow is the request's, and reported as such;
/// see `crate::stored`), the source's own buffer before a match by value, an ordinary source
/// before a strict one (a protocol header repeats what the client sent elsewhere: a
/// browser's `Referer` holds the query string), then the most
/// tainted bytes, then the input a request is built around before a copy elsewhere (see
/// [`origin_rank`]), then the site order. Never the order in which values were recorded: a
/// framework may hand over a request's headers in a different order each time (actix-web's
/// header map is seeded at random), and the fingerprint names the principal source.
fn principal_first(
    open: &[&TaintedRange],
    site_of: impl Fn(u32) -> Option<Site>,
    strict: impl Fn(u32) -> bool,
) -> Vec<(Site, u32)> {
    // Per source: whether any of its ranges is its own buffer, and its tainted bytes. A map,
    // not a search per range, so that many sources in one argument cost n log n.
    let mut weight: std::collections::BTreeMap<u32, (bool, usize)> = Default::default();
    for r in open {
        let (buffer, bytes) = weight.entry(r.source).or_default();
        *buffer |= r.kind == MatchKind::Buffer;
        *bytes += r.end - r.start;
    }
    let mut sources: Vec<(Site, u32, bool, usize)> = weight
        .into_iter()
        .filter_map(|(id, (buffer, bytes))| site_of(id).map(|s| (s, id, buffer, bytes)))
        .collect();
    sources.sort_by(|a, b| a.0.cmp(&b.0));
    let key = |(site, id, buffer, bytes): &(Site, u32, bool, usize)| {
        let rank = std::cmp::Reverse(origin_rank(site.origin()));
        let row = site.origin() == Some(crate::stored::ORIGIN);
        (!row, *buffer, !strict(*id), *bytes, rank)
    };
    // The first of the sources (in site order) with the greatest key.
    let principal = sources
        .iter()
        .enumerate()
        .max_by(|(i, a), (j, b)| key(a).cmp(&key(b)).then(j.cmp(i)))
        .map(|(i, _)| i);
    if let Some(i) = principal {
        let first = sources.remove(i);
        sources.insert(0, first);
    }
    sources.into_iter().map(|(s, id, _, _)| (s, id)).collect()
}

/// Where an origin stands among the parts of a request, lowest first: what names the request
/// (its path and query), then what it submits (forms, JSON, uploads, bodies), then what
/// travels with every request whatever it is for (cookies, then headers). A value in more
/// than one part was most likely sent in the first and copied to the others (a search box's
/// query in the `Referer` of the next page, a remembered search in a cookie). Any other origin
/// comes after these.
fn origin_rank(origin: Option<&str>) -> usize {
    const ORDER: [&str; 9] = [
        "http.path",
        "http.query",
        "http.parameter",
        "http.form",
        "http.json",
        "http.multipart",
        "http.body",
        "http.cookie",
        "http.header",
    ];
    origin
        .and_then(|o| ORDER.iter().position(|&known| known == o))
        .unwrap_or(ORDER.len())
}
