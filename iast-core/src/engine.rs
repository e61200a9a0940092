//! What instrumentation does inside a context: record sources and safe values, check sink
//! arguments, and keep findings.

use crate::analyzers;
use crate::caller::Caller;
use crate::context::Context;
use crate::evidence::Evidence;
use crate::private::{Recorder, SinkCall, ValidatorArgs};
use crate::redact;
use crate::registry::{Item, ItemKind};
use crate::report::{Finding, Limits, Report, Route, Site};

use crate::taint::{Added, MatchKind, TaintStore, TaintedRange};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Findings kept per context. A test or request that produces more is broken in a way the
/// first thousand already show; the rest are counted in [`Limits::dropped_findings`].
const MAX_FINDINGS: usize = 1000;

/// The taint state of one context.
pub(crate) struct State {
    store: PooledStore,
    /// Sources with the names of their values; a recorded value's source id is its index
    /// here.
    sources: Vec<(&'static Item, Option<Arc<str>>)>,
    /// Source ids by item (its address, never written out) and name.
    source_ids: HashMap<usize, HashMap<Arc<str>, u32>>,
    unnamed_ids: HashMap<usize, u32>,
    /// The distinct source items, for the coverage of monitored flows.
    source_items: Vec<&'static Item>,
    /// The request's method and route pattern, set by a framework layer.
    pub(crate) route: Option<Route>,
    findings: Vec<Finding>,
    by_fingerprint: HashMap<String, usize>,
    reached: Vec<&'static Item>,
    limits: Limits,
    /// Whether evidence hides secrets (see `redact`).
    pub(crate) redact: bool,
    /// Sanitizers and validators that recorded a value here, so that a finding can name the
    /// ones its tainted bytes passed without being made safe for the sink's class.
    safe_items: Vec<&'static Item>,
    /// Given the report when the context ends, if it found anything (`Context::on_end`).
    pub(crate) on_end: Option<OnEnd>,
}

/// What a context does with its report when it ends.
pub(crate) type OnEnd = Box<dyn FnOnce(&Report) + Send>;

impl Drop for State {
    /// The context ends when its last handle is dropped, however that happens: the request
    /// answered, its future dropped on a disconnect or a timeout, or the last task carrying it
    /// finished.
    fn drop(&mut self) {
        crate::lost::context_ended();
        let Some(on_end) = self.on_end.take() else {
            return;
        };
        if !self.has_findings() {
            return;
        }
        // Outside instrumentation: what the callback logs is not the application's.
        let _paused = crate::context::pause();
        let report = self.report();
        let _ = catch_unwind(AssertUnwindSafe(|| on_end(&report)));
    }
}

/// Sanitizers and validators remembered per context for the flows of findings, one bit of a
/// safe value's `by` each; a context that uses more distinct ones is unusual, and only the
/// naming of flows suffers.
const MAX_SAFE_ITEMS: usize = 64;

/// Distinct named sources per context (a parameter, header or JSON field each). Names are
/// cut at `site::MAX_NAME` bytes, so they hold at most about 4 MiB.
const MAX_SOURCES: usize = 16_384;

/// Heap per slot of `by_fingerprint`: the key and value, the key's 16 hex digits (an
/// allocation of 16 bytes, 24 with the allocator's header rounded up to 8) and the table's
/// control byte, rounded up.
const FINGERPRINT_ENTRY: usize = size_of::<String>() + size_of::<usize>() + 24 + 1;

/// Heap per named source beyond its name's bytes: the `Arc<str>`'s two counts (16 bytes), the
/// name's slot in `source_ids` (the `Arc<str>` and its id, 24 bytes, and a control byte), and
/// the allocator's header and rounding (up to 16 bytes): 57, rounded up.
const NAME_OVERHEAD: usize = 64;

impl State {
    pub(crate) fn new() -> State {
        crate::lost::context_started();
        State {
            store: PooledStore::take(),
            sources: Vec::new(),
            source_ids: HashMap::new(),
            unnamed_ids: HashMap::new(),
            source_items: Vec::new(),
            route: None,
            findings: Vec::new(),
            by_fingerprint: HashMap::new(),
            reached: Vec::new(),
            limits: Limits::default(),
            redact: crate::redact::default_on(),
            safe_items: Vec::new(),
            on_end: None,
        }
    }

    pub(crate) fn report(&self) -> Report {
        let stats = self.store.stats();
        let limits = Limits {
            dropped_values: stats.dropped_values as u64,
            dropped_safe_values: stats.dropped_safe as u64,
            ..self.limits.clone()
        };
        Report::new(self.findings.clone(), self.reached.iter().copied(), limits)
    }

    pub(crate) fn has_findings(&self) -> bool {
        !self.findings.is_empty()
    }

    pub(crate) fn memory(&self) -> crate::context::Memory {
        let stats = self.store.stats();
        let findings: usize = self
            .findings
            .iter()
            .map(|f| size_of::<Finding>() + f.heap_bytes())
            .sum();
        crate::context::Memory {
            values: stats.values,
            value_bytes: stats.value_bytes,
            safe_values: stats.safe_values,
            findings: self.findings.len(),
            heap_bytes: stats.heap_bytes
                + findings
                + self.by_fingerprint.capacity() * FINGERPRINT_ENTRY
                + self
                    .sources
                    .iter()
                    .map(|(_, name)| name.as_ref().map_or(0, |n| n.len() + NAME_OVERHEAD))
                    .sum::<usize>()
                + self.sources.capacity() * size_of::<(&Item, Option<Arc<str>>)>()
                + (self.source_items.capacity()
                    + self.reached.capacity()
                    + self.safe_items.capacity())
                    * size_of::<usize>(),
        }
    }

    /// The id of values from `item` named `name`. Past [`MAX_SOURCES`] distinct names, a
    /// value is recorded under its source's unnamed id: it is still tainted, its name is lost.
    fn source_id(&mut self, item: &'static Item, name: Option<&str>) -> u32 {
        let at = item as *const Item as usize;
        if let Some(name) = name {
            if let Some(&id) = self.source_ids.get(&at).and_then(|m| m.get(name)) {
                return id;
            }
            if self.sources.len() < MAX_SOURCES {
                let id = self.sources.len() as u32;
                let name: Arc<str> = crate::site::cut_name(name).into();
                self.sources.push((item, Some(name.clone())));
                self.source_ids.entry(at).or_default().insert(name, id);
                self.note_source_item(item);
                return id;
            }
        }
        if let Some(&id) = self.unnamed_ids.get(&at) {
            return id;
        }
        let id = self.sources.len() as u32;
        self.sources.push((item, None));
        self.unnamed_ids.insert(at, id);
        self.note_source_item(item);
        id
    }

    fn note_source_item(&mut self, item: &'static Item) {
        if !self.source_items.iter().any(|s| std::ptr::eq(*s, item)) {
            self.source_items.push(item);
        }
    }

    /// The bit that marks the safe values `item` gives (0 past the first `MAX_SAFE_ITEMS`).
    fn safe_item(&mut self, item: &'static Item) -> u64 {
        let index = match self.safe_items.iter().position(|s| std::ptr::eq(*s, item)) {
            Some(i) => i,
            None if self.safe_items.len() < MAX_SAFE_ITEMS => {
                self.safe_items.push(item);
                self.safe_items.len() - 1
            }
            None => return 0,
        };
        1 << index
    }

    fn add_finding(&mut self, finding: Finding) {
        crate::collect::finding(&finding);
        // One finding per fingerprint: two calls of one sink in one function with the same
        // source are one flow, shown at its most telling call.
        let key = finding.fingerprint().to_owned();
        if let Some(&i) = self.by_fingerprint.get(&key) {
            self.findings[i].merge(finding);
        } else if self.findings.len() < MAX_FINDINGS {
            self.by_fingerprint.insert(key, self.findings.len());
            self.findings.push(finding);
        } else {
            self.limits.dropped_findings += 1;
        }
    }
}

/// Heap a store may hold and still be kept for a later context. A typical request's store
/// holds a few tens of KiB; past this, one unusual request would pin its memory in the thread
/// for good, and every later context would pay to clear its big tables.
const MAX_POOLED_HEAP: usize = 256 << 10;

/// Stores kept per thread. A thread creates and drops contexts in turn (requests, tests, tasks;
/// many may be alive on an async worker, but they end about as often as they start), so a
/// couple serve it, and an idle thread keeps at most this many.
const POOLED_STORES: usize = 2;

thread_local! {
    /// Cleared stores of this thread's dropped contexts, for its next ones.
    #[allow(clippy::vec_box, reason = "a store moves in and out as a pointer, not as its 2 KiB")]
    static POOL: RefCell<Vec<Box<TaintStore>>> = const { RefCell::new(Vec::new()) };
}

/// A context's store, taken from this thread's pool when it has one and given back cleared
/// when the context is dropped: a new store's tables, maps and arenas cost some hundred
/// allocations as they grow to a request's values, a reused one none.
///
/// A reused store keeps its hashing seed: like a `HashMap`'s `RandomState`, the seed protects
/// against values precomputed to collide, which reuse within a thread does not help.
struct PooledStore(Option<Box<TaintStore>>);

impl PooledStore {
    fn take() -> PooledStore {
        let pooled = POOL
            .try_with(|pool| pool.try_borrow_mut().ok()?.pop())
            .ok()
            .flatten();
        PooledStore(Some(
            pooled.unwrap_or_else(|| Box::new(TaintStore::new(Default::default()))),
        ))
    }
}

impl std::ops::Deref for PooledStore {
    type Target = TaintStore;

    fn deref(&self) -> &TaintStore {
        self.0.as_deref().expect("the store is taken only on drop")
    }
}

impl std::ops::DerefMut for PooledStore {
    fn deref_mut(&mut self) -> &mut TaintStore {
        self.0
            .as_deref_mut()
            .expect("the store is taken only on drop")
    }
}

impl Drop for PooledStore {
    fn drop(&mut self) {
        let Some(mut store) = self.0.take() else {
            return;
        };
        if store.stats().heap_bytes > MAX_POOLED_HEAP {
            return;
        }
        // Fails quietly while the thread's locals are being destroyed: the store is freed.
        let _ = POOL.try_with(|pool| {
            if let Ok(mut pool) = pool.try_borrow_mut()
                && pool.len() < POOLED_STORES
            {
                store.clear();
                pool.push(store);
            }
        });
    }
}

/// Runs instrumentation in the current context, if any, so that a panic inside it never
/// reaches the program under observation (it is counted in the report instead), and with
/// instrumentation paused on this thread meanwhile.
#[inline]
pub(crate) fn instrument<R>(f: impl FnOnce(Context) -> R) -> Option<R> {
    let cx = Context::current()?;
    instrument_in(cx.clone(), || f(cx))
}

/// [`instrument`] in a given context.
pub(crate) fn instrument_in<R>(cx: Context, f: impl FnOnce() -> R) -> Option<R> {
    let _paused = crate::context::pause();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(_) => {
            cx.lock().limits.internal_errors += 1;
            None
        }
    }
}

pub(crate) fn sink(
    item: &'static Item,
    caller: Option<Caller>,
    cx: Context,
    f: impl FnOnce(&mut SinkCall),
) {
    {
        let mut state = cx.lock();
        if !state.reached.iter().any(|r| std::ptr::eq(*r, item)) {
            state.reached.push(item);
            crate::collect::reached(item);
        }
        crate::collect::exercised(&state.source_items, item.classes());
    }
    let mut call = SinkCall {
        item,
        arg: "",
        caller,
        cx,
    };
    f(&mut call);
}

pub(crate) fn check_text(call: &SinkCall, bytes: &[u8]) {
    let check = crate::work::begin(crate::config::active().check_budget);
    check_ranges(call, bytes, &analyzers::Scratch::default());
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

fn check_ranges(call: &SinkCall, bytes: &[u8], scratch: &analyzers::Scratch) {
    let ItemKind::Sink { classes, .. } = call.item.kind else {
        return;
    };
    // The lock is held for the scan only: analyzers and evidence run unlocked, so that
    // threads sharing a context do not wait for each other's analysis.
    let config = crate::config::active();
    let (ranges, source_items, redact, safe_items, route) = {
        let mut state = call.cx.lock();
        let ranges = state.store.scan(bytes);
        if ranges.is_empty() {
            return;
        }
        let mut items: Vec<(u32, &'static Item, Option<Arc<str>>)> = ranges
            .iter()
            .filter_map(|r| {
                let (item, name) = state.sources.get(r.source as usize)?;
                Some((r.source, *item, name.clone()))
            })
            .collect();
        items.sort_by_key(|(id, _, _)| *id);
        items.dedup_by_key(|(id, _, _)| *id);
        let safe_items = if ranges.iter().any(|r| !r.safe_for.is_empty()) {
            state.safe_items.clone()
        } else {
            Vec::new()
        };
        (ranges, items, state.redact, safe_items, state.route.clone())
    };
    // Sorted by id: a lookup per range stays logarithmic however many sources reached the
    // argument (a JSON body of thousands of fields joined into one query).
    let entry = |id: u32| {
        source_items
            .binary_search_by_key(&id, |(s, _, _)| *s)
            .ok()
            .map(|i| &source_items[i])
    };
    let site_of = |id: u32| entry(id).map(|(_, item, name)| Site::of_source(item, name.as_deref()));
    let is_strict = |id: u32| {
        entry(id)
            .is_some_and(|(_, item, _)| matches!(item.kind, ItemKind::Source { strict: true, .. }))
    };
    // Looked up once, and only when a finding is made.
    let mut call_site = None;
    let mut findings = Vec::new();
    for class in classes.iter() {
        if config.disabled.contains(class) {
            continue;
        }
        let Some(verdict) = crate::confidence::decide(
            class,
            call.arg,
            bytes,
            &ranges,
            is_strict,
            config.min_match_length,
            scratch,
        ) else {
            continue;
        };
        let (confidence, open) = (verdict.confidence, verdict.ranges);
        let sources = principal_first(&open, site_of);
        let positions: HashMap<u32, usize> = sources
            .iter()
            .enumerate()
            .map(|(i, (_, id))| (*id, i))
            .collect();
        let index_of = |id: u32| positions.get(&id).copied().unwrap_or(0);
        let evidence_ranges: Vec<_> = open
            .iter()
            .map(|r| (r.start..r.end, index_of(r.source), r.kind))
            .collect();
        let evidence = if redact {
            // Redaction reads only as far as the evidence can show, and the evidence is then
            // taken from that prefix alone: on a long argument the SQL literals past the
            // window would cost a tokenization for nothing, and bytes never read for secrets
            // must never be shown (a hidden span longer or shorter than its marker moves the
            // window, so reading up to where the window would have ended is not enough).
            let first = open.iter().map(|r| r.start).min().unwrap_or(0);
            let cut = crate::evidence::window_end(bytes.len(), first);
            let tainted: Vec<_> = open
                .iter()
                .filter(|r| r.start < cut)
                .map(|r| {
                    let secret = site_of(r.source).is_some_and(|s| {
                        redact::secret_name(s.function())
                            || s.origin().is_some_and(redact::secret_name)
                            || s.name().is_some_and(redact::secret_name)
                    });
                    (r.start..r.end.min(cut), secret)
                })
                .collect();
            let spans = redact::secret_spans(&redact::Subject {
                class,
                argument: call.arg,
                text: &bytes[..cut],
                tainted: &tainted,
                scratch,
            });
            let in_prefix: Vec<_> = evidence_ranges
                .iter()
                .filter(|(r, _, _)| r.start < cut)
                .map(|(r, source, kind)| (r.start..r.end.min(cut), *source, *kind))
                .collect();
            let (hidden, moved) = crate::evidence::hide(&bytes[..cut], &spans, &in_prefix);
            let mut evidence = Evidence::new(call.arg, &hidden, &moved);
            evidence.cut_after |= cut < bytes.len();
            evidence
        } else {
            Evidence::new(call.arg, bytes, &evidence_ranges)
        };
        // Named: the sanitizers and validators whose own values hold the tainted bytes (the
        // store keeps which gave each safe value), but not one that covers this class: had
        // the bytes passed it for this class, they would be safe.
        let passed = open.iter().fold(0u64, |bits, r| bits | r.safe_by);
        let mut sanitizers: Vec<Site> = safe_items
            .iter()
            .enumerate()
            .filter(|(i, item)| passed & (1 << i) != 0 && !item.classes().contains(class))
            .map(|(_, i)| i)
            .map(|i| Site::of(i))
            .collect();
        sanitizers.sort();
        sanitizers.dedup();
        let call_site = call_site
            .get_or_insert_with(|| call.caller.map(Caller::resolve))
            .clone();
        findings.push(
            Finding::new(
                class,
                confidence,
                Site::of(call.item),
                sources.into_iter().map(|(s, _)| s).collect(),
                evidence,
            )
            .with_sanitizers(sanitizers)
            .at(call_site, route.clone()),
        );
    }
    if !findings.is_empty() {
        let mut state = call.cx.lock();
        for finding in findings {
            state.add_finding(finding);
        }
    }
}

/// The sources of `open` with their ids: the principal one first (the one whose bytes the
/// flow rests on: the source's own buffer before a match by value, then the most tainted
/// bytes, then the site order), then the others sorted.
fn principal_first(
    open: &[&TaintedRange],
    site_of: impl Fn(u32) -> Option<Site>,
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
    let principal = sources
        .iter()
        .enumerate()
        .max_by(|(i, a), (j, b)| (a.2, a.3).cmp(&(b.2, b.3)).then(j.cmp(i)))
        .map(|(i, _)| i);
    if let Some(i) = principal {
        let first = sources.remove(i);
        sources.insert(0, first);
    }
    sources.into_iter().map(|(s, id, _, _)| (s, id)).collect()
}

pub(crate) fn record_text(rec: &Recorder, bytes: &[u8]) {
    let address = rec.lasting(bytes);
    let mut state = rec.cx.lock();
    let _: Added = match rec.item.kind {
        ItemKind::Source { .. } => {
            let id = state.source_id(rec.item, rec.name);
            state.store.add_tainted_at(bytes, id, address)
        }
        ItemKind::Sanitizer { classes } | ItemKind::Validator { classes } => {
            let by = state.safe_item(rec.item);
            state.store.add_safe_by(bytes, classes, by, address)
        }
        ItemKind::Sink { .. } => return,
    };
}

pub(crate) fn approve(args: &ValidatorArgs, approved: bool) {
    if !approved {
        return;
    }
    let classes = args.item.classes();
    let mut state = args.cx.lock();
    let by = state.safe_item(args.item);
    for value in &args.values {
        // Copies, freed right after: their addresses identify nothing.
        state.store.add_safe_by(value, classes, by, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vulnerability::{Confidence, Vulnerability};

    static SINK: Item = Item {
        kind: ItemKind::Sink {
            classes: crate::vulnerability::ClassSet::EMPTY,
            args: &[],
        },
        function: "app::sink",
        file: "src/app.rs",
        line: 1,
        package: "app",
        manifest_dir: "/ws/app",
    };

    #[test]
    fn findings_past_the_cap_are_counted_not_kept() {
        let mut state = State::new();
        let names: Vec<&'static str> = (0..MAX_FINDINGS + 5)
            .map(|i| &*Box::leak(format!("app::source_{i}").into_boxed_str()))
            .collect();
        for name in &names {
            let source = Site::of(Box::leak(Box::new(Item {
                kind: ItemKind::Source {
                    origin: None,
                    strict: false,
                },
                function: name,
                file: "src/app.rs",
                line: 2,
                package: "app",
                manifest_dir: "/ws/app",
            })));
            let evidence = Evidence::new("sql", b"x", &[(0..1, 0, MatchKind::Exact)]);
            state.add_finding(Finding::new(
                Vulnerability::SqlInjection,
                Confidence::Unsanitized,
                Site::of(&SINK),
                vec![source],
                evidence,
            ));
        }
        assert_eq!(state.findings.len(), MAX_FINDINGS);
        assert_eq!(state.report().limits().dropped_findings, 5);
    }

    static QUERY: Item = Item {
        kind: ItemKind::Sink {
            classes: crate::vulnerability::ClassSet::of(&[Vulnerability::SqlInjection]),
            args: &["sql"],
        },
        function: "app::query",
        file: "src/app.rs",
        line: 3,
        package: "app",
        manifest_dir: "/ws/app",
    };

    static PARAM: Item = Item {
        kind: ItemKind::Source {
            origin: None,
            strict: false,
        },
        function: "app::param",
        file: "src/app.rs",
        line: 4,
        package: "app",
        manifest_dir: "/ws/app",
    };

    static ESCAPE: Item = Item {
        kind: ItemKind::Sanitizer {
            classes: crate::vulnerability::ClassSet::of(&[Vulnerability::Xss]),
        },
        function: "app::escape",
        file: "src/app.rs",
        line: 5,
        package: "app",
        manifest_dir: "/ws/app",
    };

    fn param(value: &str) {
        use crate::spec::Visitor;
        crate::private::source(&PARAM, &value, |r| r.text(value.as_bytes()));
    }

    fn escape(value: &str) {
        use crate::spec::Visitor;
        crate::private::sanitizer(&ESCAPE, &value, |r| r.text(value.as_bytes()));
    }

    fn query(sql: &str) {
        use crate::spec::Visitor;
        crate::private::sink(&QUERY, None, |call| {
            call.arg("sql");
            call.text(sql.as_bytes());
        });
    }

    static RUN: Item = Item {
        kind: ItemKind::Sink {
            classes: crate::vulnerability::ClassSet::of(&[Vulnerability::CommandInjection]),
            args: &["args"],
        },
        function: "app::run",
        file: "src/app.rs",
        line: 6,
        package: "app",
        manifest_dir: "/ws/app",
    };

    fn run(args: &[&str]) {
        use crate::spec::Visitor;
        crate::private::sink(&RUN, None, |call| {
            call.arg("args");
            for arg in args {
                call.text(arg.as_bytes());
            }
        });
    }

    /// An argument-vector element that stays data makes no finding, even when it is the
    /// source's very buffer; one that becomes an option is confirmed.
    #[test]
    fn harmless_data_is_dropped_whatever_the_match() {
        let cx = Context::new().with_redaction(false);
        let data = String::from("a; rm -rf / $(id)");
        let option = String::from("--output=/tmp/x");
        cx.enter(|| {
            param(&data);
            param(&option);
            // The very buffers, and copies found by value.
            run(&["%s", &data]);
            run(&["%s", &data.clone()]);
            run(&["-f", &data]);
        });
        assert!(!cx.has_findings(), "{:?}", cx.report());
        cx.enter(|| run(&["%s", &option]));
        let report = cx.report();
        assert_eq!(report.findings().len(), 1, "{report:?}");
        let finding = &report.findings()[0];
        assert_eq!(finding.confidence(), Confidence::Confirmed);
        assert_eq!(
            finding.evidence().tainted_text().collect::<Vec<_>>(),
            [option.as_str()]
        );
    }

    /// A SQL argument whose analysis would pass the default budget (100 steps per byte) is
    /// reported without it, as unsanitized, and the report says which sink it stopped at; a
    /// small one with the same payload is analysed and confirmed, with no limit recorded, and
    /// so is a long one whose taint comes early: the analysis reads as far as the last tainted
    /// byte, not to the end.
    #[test]
    fn a_check_past_its_budget_reports_the_flow_unanalysed_and_says_so() {
        let payload = "x' OR 1=1 --";
        let filler = "a".repeat(crate::work::DEFAULT_BUDGET as usize / crate::work::SQL_BYTE);
        for (sql, confidence, stopped) in [
            (
                format!("SELECT '' FROM t WHERE name = '{payload}'"),
                Confidence::Confirmed,
                None,
            ),
            (
                format!("SELECT '{filler}' FROM t WHERE name = '{payload}'"),
                Confidence::Unsanitized,
                Some(1),
            ),
            (
                format!("SELECT * FROM t WHERE name = '{payload}' AND note <> '{filler}'"),
                Confidence::Confirmed,
                None,
            ),
        ] {
            let cx = Context::new().with_redaction(false);
            cx.enter(|| {
                param(payload);
                query(&sql);
            });
            let report = cx.report();
            assert_eq!(report.findings().len(), 1, "{report:?}");
            assert_eq!(report.findings()[0].confidence(), confidence);
            assert_eq!(
                report.limits().budget_exceeded.get("app::query").copied(),
                stopped
            );
        }
    }

    fn pooled() -> usize {
        POOL.with(|pool| pool.borrow().len())
    }

    fn store_of(cx: &Context) -> *const TaintStore {
        &*cx.lock().store
    }

    /// A context's store is reused by the next context of its thread, and that context sees
    /// nothing of the first one: no values, safe values, findings, counts or buffer addresses.
    #[test]
    fn a_later_context_on_the_thread_sees_nothing_of_an_earlier_one() {
        // A thread of its own, so that the pool starts empty whatever ran before.
        std::thread::spawn(|| {
            let sql = |v: &str| format!("SELECT * FROM users WHERE name = '{v}'");
            let first = Context::new().with_redaction(false);
            let secret = String::from("alice' OR '1'='1");
            let short = String::from("42");
            first.enter(|| {
                param(&secret);
                param(&short);
                escape(&secret);
                param(&"x".repeat(300));
                query(&sql(&secret));
            });
            let report = first.report();
            let tainted: Vec<&str> = report
                .findings()
                .iter()
                .flat_map(|f| f.evidence().tainted_text())
                .collect();
            assert_eq!(tainted, [secret.as_str()], "{report:?}");
            let used = first.memory();
            assert!(used.values == 3 && used.safe_values == 1, "{used:?}");
            let store = store_of(&first);
            drop(first);
            assert_eq!(pooled(), 1, "the store was kept");

            let second = Context::new().with_redaction(false);
            assert_eq!(pooled(), 0);
            assert!(std::ptr::eq(store_of(&second), store), "and reused");
            let fresh = second.memory();
            assert_eq!(
                (
                    fresh.values,
                    fresh.value_bytes,
                    fresh.safe_values,
                    fresh.findings
                ),
                (0, 0, 0, 0)
            );
            let report = second.report();
            assert!(report.findings().is_empty() && !second.has_findings());
            assert_eq!(report.limits(), &Limits::default());
            {
                let mut state = second.lock();
                assert_eq!(state.store.stats().dropped_values, 0);
                // Neither the values nor their buffers are known any more.
                assert!(state.store.scan(secret.as_bytes()).is_empty());
                assert!(state.store.scan(&secret.as_bytes()[2..]).is_empty());
                assert!(state.store.scan(b"name = '42'").is_empty());
            }
            // The first context's flows are not reported again in the second.
            second.enter(|| {
                query(&sql(&secret));
            });
            assert!(!second.has_findings(), "{:?}", second.report());
            // Its own are, with only its own values in the evidence.
            let other = String::from("bob' --");
            second.enter(|| {
                param(&other);
                query(&format!("{} AND x = '{secret}'", sql(&other)));
            });
            let report = second.report();
            assert_eq!(report.findings().len(), 1, "{report:?}");
            let tainted: Vec<&str> = report.findings()[0].evidence().tainted_text().collect();
            assert_eq!(tainted, [other.as_str()], "{report:?}");
            assert_eq!(second.memory().values, 1);
        })
        .join()
        .unwrap();
    }

    /// The pool keeps at most `POOLED_STORES` stores per thread, and none that grew past
    /// `MAX_POOLED_HEAP`.
    #[test]
    fn the_pool_keeps_few_and_modest_stores() {
        std::thread::spawn(|| {
            let contexts: Vec<Context> = (0..POOLED_STORES + 2).map(|_| Context::new()).collect();
            for (i, cx) in contexts.iter().enumerate() {
                cx.enter(|| param(&format!("value-{i}")));
            }
            drop(contexts);
            assert_eq!(pooled(), POOLED_STORES);

            let big = Context::new();
            let store = store_of(&big);
            big.enter(|| {
                for i in 0..2_000 {
                    param(&format!("a-value-of-some-length-{i:05}"));
                }
            });
            assert!(big.memory().heap_bytes > MAX_POOLED_HEAP);
            drop(big);
            assert_eq!(pooled(), POOLED_STORES - 1, "the big store was freed");
            let next = Context::new();
            assert!(!std::ptr::eq(store_of(&next), store));
        })
        .join()
        .unwrap();
    }
}
