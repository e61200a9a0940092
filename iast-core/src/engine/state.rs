//! The taint state of one context, and the pool of stores its threads reuse.

use crate::registry::Item;
use crate::report::{Finding, Limits, Report, Route};
use crate::taint::{MixMap, TaintStore};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Findings kept per context. A test or request that produces more is broken in a way the
/// first thousand already show; the rest are counted in [`Limits::dropped_findings`].
pub(super) const MAX_FINDINGS: usize = 1000;

/// The taint state of one context.
pub(crate) struct State {
    /// The taint store and the sources, from the thread's pool.
    pub(super) store: PooledStore,
    /// The request's method and route pattern, set by a framework layer.
    pub(crate) route: Option<Route>,
    /// The service the request was made to, when its layer names one (`crate::fleet`).
    pub(crate) service: Option<Arc<str>>,
    /// A trusted `iast.taint` entry the request brought, and the sources it labelled.
    pub(crate) upstream: Option<Box<crate::fleet::Incoming>>,
    pub(super) findings: Vec<Finding>,
    by_fingerprint: HashMap<String, usize>,
    pub(super) reached: Vec<&'static Item>,
    pub(super) limits: Limits,
    /// Whether evidence hides secrets (see `redact`).
    pub(crate) redact: bool,
    /// Whether a confirmed flow of a blocked class is refused here (see `protect`): set by
    /// a web layer for the requests it serves.
    pub(crate) protecting: bool,
    /// Whether a flow was refused here.
    pub(crate) blocked: bool,
    /// Sanitizers and validators that recorded a value here, so that a finding can name the
    /// ones its tainted bytes passed without being made safe for the sink's class.
    pub(super) safe_items: Vec<&'static Item>,
    /// Given the report when the context ends, if it found anything (`Context::on_end`).
    pub(crate) on_end: Option<OnEnd>,
    /// Set when the context is a run of a probe: how it varies the sources' values, and what
    /// its canaries reached.
    pub(crate) probe: Option<Box<crate::probe::ProbeRun>>,
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
/// name's slot in `Names::ids` (the `Arc<str>` as key and again in the value, its generation
/// and id, 48 bytes, and a control byte), and the allocator's header and rounding (up to 16
/// bytes): 81, rounded up.
const NAME_OVERHEAD: usize = 88;

impl State {
    pub(crate) fn new() -> State {
        crate::lost::context_started();
        State {
            store: PooledStore::take(),
            route: None,
            service: None,
            upstream: None,
            findings: Vec::new(),
            by_fingerprint: HashMap::new(),
            reached: Vec::new(),
            limits: Limits::default(),
            redact: crate::redact::default_on(),
            protecting: false,
            blocked: false,
            safe_items: Vec::new(),
            on_end: None,
            probe: None,
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
                + self.store.names().heap_bytes()
                + self.upstream.as_ref().map_or(0, |u| u.heap_bytes())
                + (self.reached.capacity() + self.safe_items.capacity()) * size_of::<usize>(),
        }
    }

    /// The id of values from `item` named `name`.
    pub(super) fn source_id(&mut self, item: &'static Item, name: Option<&str>) -> u32 {
        self.store.names_mut().id(item, name)
    }

    /// Sources with the names of their values; a recorded value's source id is its index.
    pub(super) fn sources(&self) -> &[(&'static Item, Option<Arc<str>>)] {
        &self.store.names().sources
    }

    /// The distinct source items, for the coverage of monitored flows.
    pub(super) fn source_items(&self) -> &[&'static Item] {
        &self.store.names().items
    }

    /// The bit that marks the safe values `item` gives (0 past the first `MAX_SAFE_ITEMS`).
    pub(super) fn safe_item(&mut self, item: &'static Item) -> u64 {
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

    pub(super) fn add_finding(&mut self, finding: Finding) {
        // A framework layer's check of a request's response that finds, on the same route and
        // from the same source, a flow of the same class the application's own sink already
        // reported is that flow seen again (a page a template rendered and checked is served
        // as it was rendered): one flow, shown at the application's line. Unless the layer's
        // check tells more (confirmed where the application's was not): then both stand.
        if crate::caller::by_framework()
            && let Some(known) = self.findings.iter_mut().find(|f| {
                f.call_site().is_some()
                    && f.vulnerability() == finding.vulnerability()
                    && f.route() == finding.route()
                    && f.principal_source() == finding.principal_source()
                    && finding.confidence() <= f.confidence()
            })
        {
            known.add_hit();
            return;
        }
        crate::collect::finding(&finding);
        // One finding per fingerprint: two calls of one sink in one function with the same
        // source are one flow, shown at its most telling call.
        if let Some(&i) = self.by_fingerprint.get(finding.fingerprint()) {
            self.findings[i].merge(finding);
        } else if self.findings.len() < MAX_FINDINGS {
            let key = finding.fingerprint().to_owned();
            self.by_fingerprint.insert(key, self.findings.len());
            self.findings.push(finding);
        } else {
            self.limits.dropped_findings += 1;
        }
    }
}

/// The sources of one context's values, and the names they were read under (a parameter,
/// a header). Kept with the store for the thread's next context: a request reads the same
/// headers and parameters as the one before it, and a name seen before costs no allocation.
#[derive(Default)]
pub(super) struct Names {
    /// A recorded value's source id is its index here.
    pub(super) sources: Vec<(&'static Item, Option<Arc<str>>)>,
    /// Source ids by item (its address, never written out) and name, each with the
    /// generation it was given in: entries of earlier contexts are stale, and keep their
    /// name for the next context that reads it.
    ids: MixMap<usize, ByName>,
    unnamed: MixMap<usize, u32>,
    /// The distinct source items.
    items: Vec<&'static Item>,
    generation: u64,
    /// Names kept, stale ones included, and their heap bytes (counted as they are made, so
    /// that the pool's size check at every context's end does not walk them).
    kept: usize,
    name_bytes: usize,
}

/// One source item's names: the generation and id each was last given, and the name's `Arc`
/// again, so that a name seen before is found and renewed with one hash.
type ByName = HashMap<Arc<str>, (u64, u32, Arc<str>)>;

/// Names kept from earlier contexts per thread, past which they are forgotten: they are the
/// request's (header names, JSON keys), cut at `site::MAX_NAME` bytes.
const MAX_KEPT_NAMES: usize = 1024;

impl Names {
    /// The id of values from `item` named `name`. Past [`MAX_SOURCES`] distinct names, a
    /// value is recorded under its source's unnamed id: it is still tainted, its name is lost.
    pub(super) fn id(&mut self, item: &'static Item, name: Option<&str>) -> u32 {
        let at = item as *const Item as usize;
        if let Some(name) = name
            && self.sources.len() < MAX_SOURCES
        {
            let name = crate::site::cut_name(name);
            let next = self.sources.len() as u32;
            let names = self.ids.entry(at).or_default();
            // One hash of the name for a name seen before, in this context or an earlier one:
            // a stale entry is renewed in place, and holds its key's `Arc` for the sources.
            let key = match names.get_mut(&*name) {
                Some((generation, id, _)) if *generation == self.generation => return *id,
                Some((generation, id, key)) => {
                    (*generation, *id) = (self.generation, next);
                    key.clone()
                }
                None => {
                    self.kept += 1;
                    self.name_bytes += name.len() + NAME_OVERHEAD;
                    let key: Arc<str> = Arc::from(&*name);
                    names.insert(key.clone(), (self.generation, next, key.clone()));
                    key
                }
            };
            self.sources.push((item, Some(key)));
            self.note(item);
            return next;
        }
        if let Some(&id) = self.unnamed.get(&at) {
            return id;
        }
        let id = self.sources.len() as u32;
        self.sources.push((item, None));
        self.unnamed.insert(at, id);
        self.note(item);
        id
    }

    fn note(&mut self, item: &'static Item) {
        if !self.items.iter().any(|s| std::ptr::eq(*s, item)) {
            self.items.push(item);
        }
    }

    /// Forgets this context's sources, keeping the names for the next.
    pub(super) fn clear(&mut self) {
        self.sources.clear();
        self.unnamed.clear();
        self.items.clear();
        self.generation += 1;
        if self.kept > MAX_KEPT_NAMES {
            self.ids.clear();
            self.kept = 0;
            self.name_bytes = 0;
        }
    }

    fn heap_bytes(&self) -> usize {
        self.name_bytes
            + self.sources.capacity() * size_of::<(&Item, Option<Arc<str>>)>()
            + self.items.capacity() * size_of::<usize>()
            + self.unnamed.capacity() * 2 * size_of::<usize>()
    }
}

/// What a context takes from its thread's pool.
pub(super) struct Pooled {
    store: TaintStore,
    names: Names,
}

/// Heap a store may hold and still be kept for a later context. A typical request's store
/// holds a few tens of KiB; past this, one unusual request would pin its memory in the thread
/// for good, and every later context would pay to clear its big tables.
pub(super) const MAX_POOLED_HEAP: usize = 256 << 10;

/// Stores kept per thread. A thread creates and drops contexts in turn (requests, tests, tasks;
/// many may be alive on an async worker, but they end about as often as they start), so a
/// couple serve it, and an idle thread keeps at most this many.
pub(super) const POOLED_STORES: usize = 2;

thread_local! {
    /// Cleared stores of this thread's dropped contexts, for its next ones.
    #[allow(clippy::vec_box, reason = "a store moves in and out as a pointer, not as its 2 KiB")]
    pub(super) static POOL: RefCell<Vec<Box<Pooled>>> = const { RefCell::new(Vec::new()) };
}

/// A context's store, taken from this thread's pool when it has one and given back cleared
/// when the context is dropped: a new store's tables, maps and arenas cost some hundred
/// allocations as they grow to a request's values, a reused one none.
///
/// A reused store keeps its hashing seed: like a `HashMap`'s `RandomState`, the seed protects
/// against values precomputed to collide, which reuse within a thread does not help.
pub(super) struct PooledStore(Option<Box<Pooled>>);

impl PooledStore {
    fn take() -> PooledStore {
        let pooled = POOL
            .try_with(|pool| pool.try_borrow_mut().ok()?.pop())
            .ok()
            .flatten();
        PooledStore(Some(pooled.unwrap_or_else(|| {
            Box::new(Pooled {
                store: TaintStore::new(Default::default()),
                names: Names::default(),
            })
        })))
    }

    fn pooled(&self) -> &Pooled {
        self.0.as_deref().expect("taken only on drop")
    }

    fn pooled_mut(&mut self) -> &mut Pooled {
        self.0.as_deref_mut().expect("taken only on drop")
    }

    pub(super) fn names(&self) -> &Names {
        &self.pooled().names
    }

    fn names_mut(&mut self) -> &mut Names {
        &mut self.pooled_mut().names
    }
}

impl std::ops::Deref for PooledStore {
    type Target = TaintStore;

    fn deref(&self) -> &TaintStore {
        &self.pooled().store
    }
}

impl std::ops::DerefMut for PooledStore {
    fn deref_mut(&mut self) -> &mut TaintStore {
        &mut self.pooled_mut().store
    }
}

impl Drop for PooledStore {
    fn drop(&mut self) {
        let Some(mut pooled) = self.0.take() else {
            return;
        };
        if pooled.store.stats().heap_bytes + pooled.names.heap_bytes() > MAX_POOLED_HEAP {
            return;
        }
        // Fails quietly while the thread's locals are being destroyed: the store is freed.
        let _ = POOL.try_with(|pool| {
            if let Ok(mut pool) = pool.try_borrow_mut()
                && pool.len() < POOLED_STORES
            {
                pooled.store.clear();
                pooled.names.clear();
                pool.push(pooled);
            }
        });
    }
}
