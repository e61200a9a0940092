//! The per-context store of tainted and safe values, and the scan of sink arguments.

use super::buffer::BufferIndex;
use super::encodings::{Forms, variants_in};
use super::entries::Entries;
use super::grams::{GRAM, GramIndex, MAX_STRIDE, NIL, STOP_COUNT, Slot, load};
use super::partial::{MIN_PARTIAL, Partials};
use super::range::{Hit, MatchKind, TaintedRange, assemble};
use super::safe::SafeSet;
use super::short::{SHORT_LEN, ShortIndex};
use super::trie::Trie;
use super::values::Values;
use super::whole::{self, Wholes};
use crate::vulnerability::ClassSet;

/// Bounds on what one store keeps, so that a context's memory is bounded whatever the program
/// feeds it. Adds past a bound return [`Added::Dropped`] and are counted in the store's `Stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Tainted values recorded (a value recorded from two sources counts twice).
    pub max_values: usize,
    /// Bytes of distinct tainted values kept. Safe values get a quarter of this for theirs.
    pub max_bytes: usize,
    /// Values longer than this are kept as their first `max_value_len` bytes, and every match
    /// (whole, partial or buffer) is then of that prefix: a whole occurrence of a long value is
    /// reported as the occurrence of its prefix.
    pub max_value_len: usize,
    /// Distinct safe values recorded.
    pub max_safe_values: usize,
}

impl Default for Caps {
    /// Sized for one request, with room for unusual ones:
    ///
    /// - `max_values` 16,384: far past what a request's parameters, headers and cookies give,
    ///   leaving room for thousands of database rows or file lines read as sources.
    /// - `max_bytes` 2 MiB: 10,000 values of 200 bytes, or a few dozen 64 KiB bodies. The
    ///   decoded forms of values (see `encodings`) count against it too.
    /// - `max_value_len` 64 KiB: every parameter, header and form or JSON field whole, and the
    ///   first 64 KiB of a body; longer ones are uploads and documents, whose prefix still
    ///   identifies them.
    /// - `max_safe_values` 4,096: sanitizer and validator calls are far fewer than source reads.
    ///
    /// What the indexes cost on top of the values (measured): about 1 KiB per short value
    /// (parameters, ids), and 6 bytes per byte of long text values, up to 20 for random bytes.
    /// A store filled to these caps therefore holds at most about 60 MiB; a typical request's
    /// holds tens of kilobytes.
    fn default() -> Self {
        Caps {
            max_values: 16_384,
            max_bytes: 2 << 20,
            max_value_len: 64 << 10,
            max_safe_values: 4_096,
        }
    }
}

/// What an add did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Added {
    /// The value, or a new source or new classes for it, was recorded.
    Recorded,
    /// Already known with this source (or these classes). A new buffer address is still
    /// remembered, so that slices of this copy are `Buffer` matches too.
    Duplicate,
    /// An empty value, which is ignored.
    Empty,
    /// Refused by the caps, and counted in the store's `Stats`.
    Dropped,
}

/// The size of a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Tainted values recorded, counting each (value, source) pair.
    pub values: usize,
    /// Bytes of distinct tainted values kept.
    pub value_bytes: usize,
    /// Distinct safe values recorded.
    pub safe_values: usize,
    /// Tainted adds refused by the caps.
    pub dropped_values: usize,
    /// Safe adds refused by the caps.
    pub dropped_safe: usize,
    /// Approximate heap bytes held by the store.
    pub heap_bytes: usize,
}

/// The tainted and safe values of one context, indexed for [`TaintStore::scan`].
///
/// Adds copy the value and its variants and queue them; the next scan indexes what was queued
/// (amortised O(value length)), so that values never scanned for are never indexed. Nothing is
/// rebuilt per scan except, after adds, the sorted list of buffer addresses.
#[derive(Debug)]
pub struct TaintStore {
    caps: Caps,
    entries: Entries,
    /// Entries of at least `MIN_PARTIAL` bytes, probed at the widest stride.
    grams: GramIndex,
    /// Entries of 4 to `MIN_PARTIAL - 1` bytes, which need a narrower stride; apart, so that
    /// one 4-byte value does not make every scan probe every byte of the long-value table.
    medium: GramIndex,
    trie: Trie,
    short: ShortIndex,
    values: Values,
    buffers: BufferIndex,
    recorded: usize,
    value_bytes: usize,
    dropped: usize,
    safe: SafeSet,
    /// Entries recorded but not yet indexed, in the order they were added: indexing is paid
    /// by the first scan after them, so that values recorded and never checked against (a
    /// request that reaches no sink, the headers of a request whose handler checks nothing)
    /// cost a copy and a hash, not a window index.
    pending: Vec<u32>,
    /// Per-scan working state, kept to reuse its allocations.
    scratch: Scratch,
}

/// Argument positions probed per batch: the probes' scratch holds at most this many slots (and
/// the candidates of a batch are checked before the next is probed), so that it does not grow
/// with the argument. Cut to a multiple of the stride, so that batches keep the probe alignment.
const PROBE_CHUNK: usize = 64 << 10;

/// Scratch kept between scans, so that the usual small scans allocate nothing; past this a
/// scan's scratch is freed when it ends.
const MAX_KEPT_SCRATCH: usize = 64 << 10;

/// Probes `arg` with `index` at multiples of `stride`, in batches of `PROBE_CHUNK` positions,
/// handing each batch's stored grams to `visit`; stops early when the check's budget is spent.
fn probe_in_chunks(
    index: &GramIndex,
    arg: &[u8],
    stride: usize,
    slots: &mut Vec<(usize, Slot)>,
    mut visit: impl FnMut(&[(usize, Slot)]),
) {
    let stride = stride.max(1);
    let chunk = PROBE_CHUNK / stride * stride;
    let mut from = 0;
    while from < arg.len() {
        let to = (from + chunk).min(arg.len());
        // The windows of the batch's last positions reach `GRAM - 1` bytes past it.
        let window = &arg[from..(to + GRAM - 1).min(arg.len())];
        if !crate::work::charge(window.len()) {
            return;
        }
        slots.clear();
        index.probe(window, stride, slots);
        slots.retain_mut(|(p, _)| {
            *p += from;
            *p < to
        });
        visit(slots);
        if crate::work::exhausted() {
            return;
        }
        from = to;
    }
}

#[derive(Debug, Default)]
struct Scratch {
    slots: Vec<(usize, Slot)>,
    hits: Vec<Hit>,
    wholes: Wholes,
    partials: Partials,
    /// The variant entries of the value being added.
    variants: Vec<u32>,
    /// Where the variants of the value being added are worked out.
    forms: Forms,
}

impl Scratch {
    fn clear(&mut self) {
        self.slots.clear();
        self.hits.clear();
        self.wholes.clear();
        self.partials.clear();
        self.variants.clear();
    }

    /// Frees what one large scan grew: a scan's scratch is bounded by `PROBE_CHUNK` for the
    /// probes, but its hits and partial pieces grow with what it found, and a context must not
    /// keep a big argument's worth of them until it ends.
    fn release(&mut self) {
        if self.heap_bytes() > MAX_KEPT_SCRATCH {
            *self = Scratch {
                variants: std::mem::take(&mut self.variants),
                forms: std::mem::take(&mut self.forms),
                ..Scratch::default()
            };
        }
    }

    fn heap_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<(usize, Slot)>()
            + self.hits.capacity() * size_of::<Hit>()
            + self.wholes.heap_bytes()
            + self.partials.heap_bytes()
            + self.variants.capacity() * size_of::<u32>()
            + self.forms.heap_bytes()
    }
}

impl TaintStore {
    pub fn new(caps: Caps) -> Self {
        let values = Values::default();
        TaintStore {
            caps,
            entries: Entries::default(),
            grams: GramIndex::new(values.dedupe.seed()),
            medium: GramIndex::new(values.dedupe.seed().rotate_left(32)),
            trie: Trie::default(),
            short: ShortIndex::default(),
            values,
            buffers: BufferIndex::default(),
            recorded: 0,
            value_bytes: 0,
            dropped: 0,
            safe: SafeSet::new(),
            pending: Vec::new(),
            scratch: Scratch::default(),
        }
    }

    /// Forgets every value, safe value and count, as if new, but keeps the allocations (tables
    /// keep their size, vacant again), the limits and the hashing seeds, so that a store
    /// reused for the next context records its first values without allocating.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.grams.clear();
        self.medium.clear();
        self.trie.clear();
        self.short.clear();
        self.values.clear();
        self.buffers.clear();
        self.recorded = 0;
        self.value_bytes = 0;
        self.dropped = 0;
        self.safe.clear();
        self.pending.clear();
        self.scratch.clear();
    }

    /// Whether it holds nothing, as a new store (capacity aside).
    #[cfg(test)]
    pub(super) fn is_vacant(&self) -> bool {
        let Scratch {
            slots,
            hits,
            wholes,
            partials,
            variants,
            // Emptied at the start of each use: nothing in it outlives an add.
            forms: _,
        } = &self.scratch;
        self.entries.is_vacant()
            && self.grams.is_vacant()
            && self.medium.is_vacant()
            && self.trie.is_vacant()
            && self.short.is_vacant()
            && self.values.is_vacant()
            && self.buffers.is_vacant()
            && (self.recorded, self.value_bytes, self.dropped) == (0, 0, 0)
            && self.safe.is_vacant()
            && self.pending.is_empty()
            && slots.is_empty()
            && hits.is_empty()
            && wholes.is_empty()
            && partials.is_empty()
            && variants.is_empty()
    }

    /// A value a source returned. `source` is an opaque id the caller maps to its source site.
    /// `bytes` borrows the value's own buffer: its address range is remembered too (never
    /// dereferenced), so that the very buffer or a slice of it is recognised as `Buffer`.
    /// Values longer than `max_value_len` are kept as their prefix.
    ///
    /// With `address` false only the content is recorded, for bytes in a buffer that does not
    /// outlive the call (a temporary, a copy, a value about to move), whose address a later,
    /// unrelated value may reuse.
    pub fn add_tainted_at(&mut self, bytes: &[u8], source: u32, address: bool) -> Added {
        if bytes.is_empty() {
            return Added::Empty;
        }
        let kept = bytes.len().min(self.caps.max_value_len);
        if kept == 0 {
            self.dropped += 1;
            return Added::Dropped;
        }
        let kept_bytes = &bytes[..kept];
        let hash = self.values.dedupe.hash(kept_bytes);
        let (entries, values) = (&self.entries, &self.values);
        let known = values.dedupe.find(hash, kept_bytes, |v| {
            entries.bytes(entries.get(values.entry(v)))
        });
        if let Some(value) = known {
            let new_source = !self.values.has_source(value, source);
            if new_source {
                if self.recorded >= self.caps.max_values || !self.values.add_source(value, source) {
                    self.dropped += 1;
                    return Added::Dropped;
                }
                self.recorded += 1;
            }
            // Further copies' addresses are bounded apart from the values they copy.
            if address && self.buffers.len() < self.caps.max_values.saturating_mul(2) {
                self.buffers.add(bytes, kept, self.values.entry(value));
            }
            return if new_source {
                Added::Recorded
            } else {
                Added::Duplicate
            };
        }
        if self.recorded >= self.caps.max_values
            || kept > self.caps.max_bytes.saturating_sub(self.value_bytes)
        {
            self.dropped += 1;
            return Added::Dropped;
        }
        let Some(value) = self.values.next_id() else {
            self.dropped += 1;
            return Added::Dropped;
        };
        let Some(entry) = self.entries.push(kept_bytes, value, MatchKind::Exact) else {
            self.dropped += 1;
            return Added::Dropped;
        };
        self.values.push(hash, entry);
        self.values.add_source(value, source);
        self.recorded += 1;
        self.value_bytes += kept;
        if address {
            self.buffers.add(bytes, kept, entry);
        }
        self.pending.push(entry);
        let mut pushed = std::mem::take(&mut self.scratch.variants);
        pushed.clear();
        let mut forms = std::mem::take(&mut self.scratch.forms);
        variants_in(kept_bytes, &mut forms, |variant, kind| {
            // A decoded form is indexed like a value, and takes from the values' byte budget
            // like one: past it, the form is left out and the value is still found as itself.
            if kind.is_form() {
                if variant.len() > self.caps.max_bytes.saturating_sub(self.value_bytes) {
                    return;
                }
                self.value_bytes += variant.len();
            }
            if let Some(id) = self.entries.push(variant, value, kind) {
                pushed.push(id);
            }
        });
        self.pending.extend_from_slice(&pushed);
        self.scratch.variants = pushed;
        self.scratch.forms = forms;
        Added::Recorded
    }

    /// A sanitizer's output or a validator-approved input, safe for `classes`. `bytes` and
    /// `address` are as for [`TaintStore::add_tainted_at`]; `by` says which of the caller's
    /// sanitizers or validators gave the value (bits it chooses; a scan's ranges carry the
    /// union of the bits of the safe values covering them in `safe_by`).
    pub fn add_safe_by(
        &mut self,
        bytes: &[u8],
        classes: ClassSet,
        by: u64,
        address: bool,
    ) -> Added {
        if bytes.is_empty() {
            return Added::Empty;
        }
        let kept = bytes.len().min(self.caps.max_value_len);
        if kept == 0 {
            self.safe.dropped += 1;
            return Added::Dropped;
        }
        self.safe.add(
            bytes,
            kept,
            (classes, by),
            self.caps.max_safe_values,
            self.caps.max_bytes / 4,
            address,
        )
    }

    /// Every tainted range of `arg`, sorted by `(start, end, source)`. `arg` borrows the
    /// argument's own buffer.
    ///
    /// Costs O(arg / stride) probes plus work proportional to the candidates the index yields,
    /// and allocates only for what it finds.
    pub fn scan(&mut self, arg: &[u8]) -> Vec<TaintedRange> {
        if arg.is_empty() || self.values.len() == 0 {
            return Vec::new();
        }
        self.index_pending();
        let Scratch {
            slots,
            hits,
            wholes,
            partials,
            ..
        } = &mut self.scratch;
        hits.clear();
        wholes.clear();
        partials.clear();
        let entries = &self.entries;
        self.buffers.overlaps(arg, entries, |start, end, id| {
            hits.push(Hit {
                start,
                end,
                owner: entries.get(id).owner,
                kind: MatchKind::Buffer,
            });
        });
        let trie = &self.trie;
        let mut whole_at = |stride: usize, p: usize, node: u32| {
            trie.walk(node, arg, p, |id, q| {
                let entry = entries.get(id);
                let stored = entries.bytes(entry);
                hits.extend(wholes.at_gram(arg, p, id, entry, stored, q as usize, stride));
            });
        };
        if !self.medium.is_empty() {
            let stride = self.medium.stride();
            probe_in_chunks(&self.medium, arg, stride, slots, |slots| {
                for &(p, slot) in slots {
                    whole_at(stride, p, slot.node);
                }
            });
        }
        if !self.grams.is_empty() {
            let stride = self.grams.stride();
            let (arena, grams) = (entries.arena(), &self.grams);
            probe_in_chunks(grams, arg, stride, slots, |slots| {
                for &(p, slot) in slots {
                    if slot.node != NIL {
                        whole_at(stride, p, slot.node);
                    }
                    if slot.head == NIL || slot.count > STOP_COUNT {
                        continue;
                    }
                    let gram = load(arg, p);
                    for pos in grams.positions(slot.head) {
                        if load(arena, pos as usize) != gram {
                            continue;
                        }
                        let entry = entries.get(entries.at(pos));
                        let q = (pos - entry.start) as usize;
                        partials.seed(arg, p, entries.bytes(entry), q, entry.owner, stride);
                    }
                }
            });
        }
        if !self.short.is_empty() {
            whole::short_hits(&self.short, entries, arg, hits);
        }
        let ranges = if hits.is_empty() && partials.pieces.is_empty() {
            Vec::new()
        } else {
            let mut ranges = assemble(hits, &partials.pieces, &self.values);
            self.safe.mark(arg, &mut ranges);
            ranges
        };
        self.scratch.release();
        ranges
    }

    pub fn stats(&self) -> Stats {
        Stats {
            values: self.recorded,
            value_bytes: self.value_bytes,
            safe_values: self.safe.len(),
            dropped_values: self.dropped,
            dropped_safe: self.safe.dropped,
            heap_bytes: size_of::<TaintStore>()
                + self.entries.heap_bytes()
                + self.grams.heap_bytes()
                + self.medium.heap_bytes()
                + self.trie.heap_bytes()
                + self.short.heap_bytes()
                + self.values.heap_bytes()
                + self.buffers.heap_bytes()
                + self.safe.heap_bytes()
                + self.pending.capacity() * size_of::<u32>()
                + self.scratch.heap_bytes(),
        }
    }

    /// Indexes the entries recorded since the last scan, in the order they were added: the
    /// indexes then hold what they would have held had each been indexed when added.
    fn index_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for &id in &pending {
            self.index(id);
        }
        self.pending = pending;
        self.pending.clear();
    }

    /// Indexes entry `id`: short ones by their bytes; others at their first `MAX_STRIDE`
    /// offsets in the whole-match trie (rooted in the medium or the main table by length) and,
    /// for a value's own bytes long enough for a partial match, at every offset in the main
    /// table's chains.
    fn index(&mut self, id: u32) {
        let entry = self.entries.get(id);
        let len = entry.len as usize;
        if len < SHORT_LEN {
            self.short.insert(&self.entries, id);
            return;
        }
        let grams = if len < MIN_PARTIAL {
            &mut self.medium
        } else {
            &mut self.grams
        };
        grams.note_len(len);
        let bytes = self.entries.bytes(entry);
        for offset in 0..(len - GRAM + 1).min(MAX_STRIDE) {
            let gram = load(bytes, offset);
            let root = match grams.root(gram) {
                Some(root) => root,
                None => {
                    let Some(root) = self.trie.root() else {
                        continue;
                    };
                    grams.set_root(gram, root);
                    root
                }
            };
            self.trie.insert(&self.entries, root, id, offset as u32);
        }
        if entry.is_original() && len >= MIN_PARTIAL {
            let arena = self.entries.arena();
            for pos in entry.start..entry.start + (len - GRAM + 1) as u32 {
                self.grams.chain(arena, entry.start, pos);
            }
        }
    }
}
