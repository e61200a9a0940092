//! The taint store: adds of tainted and safe values, scans of arguments and clears, checked
//! against a brute-force model.
//!
//! Input: a limits byte (default limits, or small ones chosen by the next bytes so that adds
//! are dropped and values cut), then operations: add a tainted value (from one of four
//! sources, its address counting or not), add a safe value (for some classes, by some
//! caller), scan an argument built from literal bytes, whole values, slices of values and
//! their encoded or case-changed forms, scan a slice of a value's own buffer, clear.
//!
//! Checked, for every scan:
//! - ranges are non-empty, within the argument, sorted by (start, end, source), one per triple;
//! - whole matches are exactly those a search of every value and each of its decoded
//!   (percent, query parameters, base64, JSON, HTML; within the byte budget), URL-encoded and
//!   case-changed forms finds (ignoring ASCII case; forms under 4 bytes only where they stand
//!   on their own), plus the argument's bytes that are a value's own buffer, each with a kind
//!   that such a form gives (`Exact` or `Buffer` where the bytes are the value's own);
//! - partial ranges are at least `MIN_PARTIAL` bytes made of windows of a value of their
//!   source or of a decoded form of one, and each source's bytes are exactly its whole matches
//!   and the `MIN_PARTIAL`-byte windows of its values and their decoded forms that did not
//!   arrive whole (unless a gram is common enough in them that the store rightly stops
//!   following it);
//! - a range is safe for exactly the classes (and callers) of the safe values one of whose
//!   occurrences, or own buffers, holds it;
//!
//! and for every add, the outcome the limits call for. After a clear, the store answers every
//! add and scan as a new store given the same operations does.

use crate::Bytes;
use iast_core::fuzzing::{Added, Found, MIN_PARTIAL, Store, StoreCaps};
use iast_core::{ClassSet, MatchKind, Vulnerability};
use std::collections::{BTreeMap, HashSet};

/// Mirrors of the store's indexing bounds, past which a partial match may rightly be missed.
const GRAM: usize = 4;
const STOP_COUNT: usize = 32;
const REPEAT_CAP: usize = 8;
const SHORT_LEN: usize = 4;
const MAX_SELF_OVERLAPS: usize = 16;
const MAX_STRIDE: usize = MIN_PARTIAL - GRAM + 1;
const MAX_VARIANT_LEN: usize = 2048;
const MAX_ARG: usize = 512;
const MAX_OPS: usize = 96;

const CLASS_SETS: [&[Vulnerability]; 4] = [
    &[Vulnerability::SqlInjection],
    &[Vulnerability::Xss],
    &[Vulnerability::SqlInjection, Vulnerability::CommandInjection],
    &[],
];

pub fn run(data: &[u8]) {
    let mut input = Bytes(data);
    let limits = if input.byte() & 1 == 0 {
        StoreCaps::default()
    } else {
        StoreCaps {
            max_values: 1 + usize::from(input.byte() % 8),
            max_value_len: 1 + usize::from(input.byte() % 40),
            max_bytes: 4 + usize::from(input.byte()),
            max_safe_values: 1 + usize::from(input.byte() % 4),
        }
    };
    // Every value stays allocated, unmoved, to the end, so that the addresses the store keeps
    // are never reused by another value; stale ones after a clear must match nothing.
    let mut pool: Vec<Box<[u8]>> = Vec::new();
    let mut store = Store::new(limits);
    let mut fresh: Option<Store> = None;
    let mut model = Model::new(limits);

    for _ in 0..MAX_OPS {
        if input.is_empty() {
            break;
        }
        let op = input.byte();
        match op % 8 {
            0..=2 => {
                let len = usize::from(input.byte() % 48);
                let value: Box<[u8]> = input.take(len).into();
                let source = u32::from(op >> 3) % 4;
                let address = op & 0x40 == 0;
                let got = store.add_tainted(&value, source, address);
                if let Some(f) = &mut fresh {
                    assert_eq!(
                        f.add_tainted(&value, source, address),
                        got,
                        "a cleared store differs"
                    );
                }
                model.add_tainted(&value, source, address, got);
                pool.push(value);
            }
            3 => {
                let pick = input.byte();
                let classes = ClassSet::of(CLASS_SETS[usize::from(pick % 4)]);
                let by = 1u64 << ((pick >> 2) % 4);
                let len = usize::from(input.byte() % 48);
                let value: Box<[u8]> = input.take(len).into();
                let address = op & 0x40 == 0;
                let got = store.add_safe(&value, classes, by, address);
                if let Some(f) = &mut fresh {
                    assert_eq!(
                        f.add_safe(&value, classes, by, address),
                        got,
                        "a cleared store differs"
                    );
                }
                model.add_safe(&value, classes, by, address, got);
                pool.push(value);
            }
            4 | 5 => {
                let arg = build_arg(&mut input, &pool);
                scan(&mut store, &mut fresh, &model, &arg);
            }
            6 => {
                if pool.is_empty() {
                    continue;
                }
                let value = &pool[usize::from(input.byte()) % pool.len()];
                let a = usize::from(input.byte()) % (value.len() + 1);
                let b = a + usize::from(input.byte()) % (value.len() - a + 1);
                scan(&mut store, &mut fresh, &model, &value[a..b]);
            }
            _ => {
                store.clear();
                fresh = Some(Store::new(limits));
                model = Model::new(limits);
            }
        }
    }
}

/// An argument of up to `MAX_ARG` bytes from pieces: literal bytes, whole values (some
/// letters' case flipped), slices of values, and values' encoded or case-changed forms.
fn build_arg(input: &mut Bytes<'_>, pool: &[Box<[u8]>]) -> Vec<u8> {
    let mut arg = Vec::new();
    let pieces = 1 + input.byte() % 6;
    for _ in 0..pieces {
        let p = input.byte();
        if pool.is_empty() || p.is_multiple_of(4) {
            let len = usize::from(input.byte() % 16);
            arg.extend_from_slice(input.take(len));
            continue;
        }
        let value = &pool[usize::from(input.byte()) % pool.len()];
        match p % 4 {
            1 => {
                let flips = input.byte();
                arg.extend(value.iter().enumerate().map(|(i, &c)| {
                    if flips >> (i % 8) & 1 == 1 {
                        c ^ (u8::from(c.is_ascii_alphabetic()) << 5)
                    } else {
                        c
                    }
                }));
            }
            2 => {
                let a = usize::from(input.byte()) % (value.len() + 1);
                let b = a + usize::from(input.byte()) % (value.len() - a + 1);
                arg.extend_from_slice(&value[a..b]);
            }
            _ => {
                let forms = variants(value);
                if !forms.is_empty() {
                    let (form, _) = &forms[usize::from(input.byte()) % forms.len()];
                    arg.extend_from_slice(form);
                }
            }
        }
        arg.truncate(MAX_ARG);
    }
    arg
}

fn scan(store: &mut Store, fresh: &mut Option<Store>, model: &Model, arg: &[u8]) {
    let got = store.scan(arg);
    if let Some(f) = fresh {
        assert_eq!(
            f.scan(arg),
            got,
            "a cleared store scans differently from a new one"
        );
    }
    model.check(arg, &got);
}

/// What a whole match at (start, end, source) may be: the kinds of the forms found there,
/// whether one of them is the value's own bytes (or buffer), and whether the store must
/// report it.
#[derive(Default)]
struct WholeMatch {
    kinds: Vec<MatchKind>,
    own: bool,
    certain: bool,
}

type Wholes = BTreeMap<(usize, usize, u32), WholeMatch>;

/// A tainted value as the store keeps it.
struct Value {
    bytes: Vec<u8>,
    sources: Vec<u32>,
    /// The forms the store searches for besides the value, those it kept: a decoded form
    /// takes from the values' byte budget, and is left out past it.
    forms: Vec<(Vec<u8>, MatchKind)>,
}

struct SafeValue {
    bytes: Vec<u8>,
    classes: ClassSet,
    by: u64,
}

/// A buffer address the store may match, with whether it must.
struct Buffer {
    addr: usize,
    len: usize,
    value: usize,
    certain: bool,
}

struct Model {
    limits: StoreCaps,
    values: Vec<Value>,
    recorded: usize,
    value_bytes: usize,
    buffers: Vec<Buffer>,
    /// Adds that may have stored an address: the store's count is at most this.
    address_adds: usize,
    safe: Vec<SafeValue>,
    safe_bytes: usize,
    safe_buffers: Vec<Buffer>,
    safe_address_adds: usize,
}

impl Model {
    fn new(limits: StoreCaps) -> Model {
        Model {
            limits,
            values: Vec::new(),
            recorded: 0,
            value_bytes: 0,
            buffers: Vec::new(),
            address_adds: 0,
            safe: Vec::new(),
            safe_bytes: 0,
            safe_buffers: Vec::new(),
            safe_address_adds: 0,
        }
    }

    fn add_tainted(&mut self, bytes: &[u8], source: u32, address: bool, got: Added) {
        if bytes.is_empty() {
            assert_eq!(got, Added::Empty);
            return;
        }
        let kept = bytes.len().min(self.limits.max_value_len);
        let full = self.recorded >= self.limits.max_values;
        let (expected, value, first) =
            match self.values.iter().position(|v| v.bytes == bytes[..kept]) {
                Some(i) if self.values[i].sources.contains(&source) => (Added::Duplicate, i, false),
                Some(i) if full => (Added::Dropped, i, false),
                Some(i) => (Added::Recorded, i, false),
                None if full || kept > self.limits.max_bytes.saturating_sub(self.value_bytes) => {
                    (Added::Dropped, 0, false)
                }
                None => {
                    self.value_bytes += kept;
                    let mut forms = Vec::new();
                    for (form, kind) in variants(&bytes[..kept]) {
                        if decoded(kind) {
                            if form.len() > self.limits.max_bytes.saturating_sub(self.value_bytes) {
                                continue;
                            }
                            self.value_bytes += form.len();
                        }
                        forms.push((form, kind));
                    }
                    self.values.push(Value {
                        bytes: bytes[..kept].to_vec(),
                        sources: Vec::new(),
                        forms,
                    });
                    (Added::Recorded, self.values.len() - 1, true)
                }
            };
        assert_eq!(
            got, expected,
            "adding {bytes:?} from source {source} (recorded {}, limits {:?})",
            self.recorded, self.limits
        );
        if got == Added::Dropped {
            return;
        }
        if got == Added::Recorded {
            self.recorded += 1;
            self.values[value].sources.push(source);
        }
        if address {
            let certain = first || self.address_adds < self.limits.max_values.saturating_mul(2);
            self.buffers.push(Buffer {
                addr: bytes.as_ptr() as usize,
                len: kept,
                value,
                certain,
            });
            self.address_adds += 1;
        }
    }

    fn add_safe(&mut self, bytes: &[u8], classes: ClassSet, by: u64, address: bool, got: Added) {
        if bytes.is_empty() {
            assert_eq!(got, Added::Empty);
            return;
        }
        let kept = bytes.len().min(self.limits.max_value_len);
        let (expected, value, first) = match self.safe.iter().position(|v| v.bytes == bytes[..kept])
        {
            Some(i) => {
                let known = &mut self.safe[i];
                let new =
                    classes.union(known.classes) != known.classes || by | known.by != known.by;
                known.classes = known.classes.union(classes);
                known.by |= by;
                (
                    if new {
                        Added::Recorded
                    } else {
                        Added::Duplicate
                    },
                    i,
                    false,
                )
            }
            None if self.safe.len() >= self.limits.max_safe_values
                || kept > (self.limits.max_bytes / 4).saturating_sub(self.safe_bytes) =>
            {
                (Added::Dropped, 0, false)
            }
            None => {
                self.safe.push(SafeValue {
                    bytes: bytes[..kept].to_vec(),
                    classes,
                    by,
                });
                self.safe_bytes += kept;
                (Added::Recorded, self.safe.len() - 1, true)
            }
        };
        assert_eq!(
            got, expected,
            "adding safe {bytes:?} for {classes:?} (limits {:?})",
            self.limits
        );
        if got != Added::Dropped && address {
            let certain =
                first || self.safe_address_adds < self.limits.max_safe_values.saturating_mul(2);
            self.safe_buffers.push(Buffer {
                addr: bytes.as_ptr() as usize,
                len: kept,
                value,
                certain,
            });
            self.safe_address_adds += 1;
        }
    }

    fn check(&self, arg: &[u8], got: &[Found]) {
        let shown = String::from_utf8_lossy(arg);
        for r in got {
            assert!(
                r.start < r.end && r.end <= arg.len(),
                "{r:?} empty or out of the {} bytes of {shown:?}",
                arg.len()
            );
        }
        let keys: Vec<_> = got.iter().map(|r| (r.start, r.end, r.source)).collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "ranges unsorted or repeated: {got:?}"
        );
        if self.values.is_empty() {
            assert!(got.is_empty(), "ranges of a store without values: {got:?}");
            return;
        }

        let mut whole = Wholes::new();
        let mut arrived = vec![false; self.values.len()];
        let mut unsure = vec![false; self.values.len()];
        for (i, v) in self.values.iter().enumerate() {
            let mut forms = vec![(v.bytes.clone(), MatchKind::Exact)];
            forms.extend(v.forms.iter().cloned());
            for (form, kind) in &forms {
                // Past a long enough run of overlapping candidates the store stops comparing
                // them (its bound on periodic values in periodic text): there, an occurrence
                // may be missed, and the bytes of such a form prove nothing either way.
                let capped = self_overlaps(arg, form) > MAX_SELF_OVERLAPS;
                unsure[i] |= capped;
                for t in 0..arg.len() {
                    let Some(found) = arg.get(t..t + form.len()) else {
                        break;
                    };
                    if !found.eq_ignore_ascii_case(form)
                        || (form.len() < SHORT_LEN && !isolated(arg, t, t + form.len(), form))
                    {
                        continue;
                    }
                    let own = *kind == MatchKind::Exact && found == &v.bytes[..];
                    let kind = match kind {
                        MatchKind::Exact if !own => MatchKind::CaseChanged,
                        k => *k,
                    };
                    arrived[i] = true;
                    for &s in &v.sources {
                        let e = whole.entry((t, t + form.len(), s)).or_default();
                        e.kinds.push(kind);
                        e.own |= own;
                        e.certain |= !capped;
                    }
                }
            }
        }
        let base = arg.as_ptr() as usize;
        for b in &self.buffers {
            let (start, end) = (b.addr.max(base), (b.addr + b.len).min(base + arg.len()));
            if start >= end {
                continue;
            }
            if b.certain {
                arrived[b.value] = true;
            } else {
                unsure[b.value] = true;
            }
            for &s in &self.values[b.value].sources {
                let e = whole.entry((start - base, end - base, s)).or_default();
                e.kinds.push(MatchKind::Buffer);
                e.own = true;
                e.certain |= b.certain;
            }
        }

        for r in got.iter().filter(|r| r.kind != MatchKind::Partial) {
            let Some(WholeMatch { kinds, own, .. }) = whole.get(&(r.start, r.end, r.source)) else {
                panic!(
                    "{r:?} ({:?}) is no whole value of source {} in {shown:?}",
                    String::from_utf8_lossy(&arg[r.start..r.end]),
                    r.source
                );
            };
            assert!(
                kinds.contains(&r.kind),
                "{r:?} in {shown:?}: kinds {kinds:?}"
            );
            assert!(
                !own || matches!(r.kind, MatchKind::Exact | MatchKind::Buffer),
                "{r:?} in {shown:?} is the value's own bytes"
            );
        }
        for (&(start, end, source), w) in &whole {
            assert!(
                !w.certain
                    || got.iter().any(|r| {
                        (r.start, r.end, r.source) == (start, end, source)
                            && r.kind != MatchKind::Partial
                    }),
                "whole match {start}..{end} of source {source} ({:?}) missed in {shown:?}: {got:?}",
                String::from_utf8_lossy(&arg[start..end])
            );
        }

        self.check_partial(arg, got, &whole, &arrived, &unsure);
        self.check_safe(arg, got);
    }

    fn check_partial(
        &self,
        arg: &[u8],
        got: &[Found],
        whole: &Wholes,
        arrived: &[bool],
        unsure: &[bool],
    ) {
        let shown = String::from_utf8_lossy(arg);
        // Pieces are of a value or of a form the application decodes it to.
        let indexed: Vec<Vec<Vec<u8>>> = self.values.iter().map(indexed_forms).collect();
        let windows = |source: u32| -> HashSet<&[u8]> {
            self.values
                .iter()
                .zip(&indexed)
                .filter(|(v, _)| v.sources.contains(&source))
                .flat_map(|(_, forms)| forms.iter().flat_map(|f| f.windows(MIN_PARTIAL)))
                .collect()
        };
        for r in got.iter().filter(|r| r.kind == MatchKind::Partial) {
            assert!(r.end - r.start >= MIN_PARTIAL, "{r:?} shorter than a piece");
            let mine = windows(r.source);
            let mut covered = vec![false; r.end - r.start];
            for t in r.start..=r.end - MIN_PARTIAL {
                if mine.contains(&arg[t..t + MIN_PARTIAL]) {
                    covered[t - r.start..t - r.start + MIN_PARTIAL].fill(true);
                }
            }
            assert!(
                covered.iter().all(|&c| c),
                "{r:?} ({:?}) holds bytes of no piece of a value of source {}",
                String::from_utf8_lossy(&arg[r.start..r.end]),
                r.source
            );
        }

        if !self.partials_complete() || unsure.iter().any(|&u| u) {
            return;
        }
        let sources: HashSet<u32> = self
            .values
            .iter()
            .flat_map(|v| v.sources.iter().copied())
            .collect();
        for source in sources {
            let mut want = vec![false; arg.len()];
            for (&(start, end, s), w) in whole {
                if s == source && w.certain {
                    want[start..end].fill(true);
                }
            }
            let pieces: HashSet<&[u8]> = self
                .values
                .iter()
                .zip(&indexed)
                .enumerate()
                .filter(|(i, (v, _))| v.sources.contains(&source) && !arrived[*i])
                .flat_map(|(_, (_, forms))| forms.iter().flat_map(|f| f.windows(MIN_PARTIAL)))
                .collect();
            for t in 0..arg.len().saturating_sub(MIN_PARTIAL - 1) {
                if pieces.contains(&arg[t..t + MIN_PARTIAL]) {
                    want[t..t + MIN_PARTIAL].fill(true);
                }
            }
            let mut have = vec![false; arg.len()];
            for r in got.iter().filter(|r| r.source == source) {
                have[r.start..r.end].fill(true);
            }
            assert_eq!(
                have, want,
                "bytes of source {source} in {shown:?} (found {got:?})"
            );
        }
    }

    /// Whether no gram of the values is followed less than every time: none is held at more
    /// than `STOP_COUNT` positions, nor repeated more than `REPEAT_CAP` times in one value
    /// (counted case-folded, as the store's table keys them, so never fewer).
    fn partials_complete(&self) -> bool {
        let mut total: BTreeMap<[u8; GRAM], usize> = BTreeMap::new();
        // Each indexed form (a value, or a decoded form of one) is chained on its own.
        for form in self.values.iter().flat_map(indexed_forms) {
            let mut own: BTreeMap<[u8; GRAM], usize> = BTreeMap::new();
            for w in form.windows(GRAM) {
                let key = [w[0] | 0x20, w[1] | 0x20, w[2] | 0x20, w[3] | 0x20];
                *own.entry(key).or_default() += 1;
                *total.entry(key).or_default() += 1;
            }
            if own.values().any(|&n| n > REPEAT_CAP) {
                return false;
            }
        }
        total.values().all(|&n| n <= STOP_COUNT)
    }

    fn check_safe(&self, arg: &[u8], got: &[Found]) {
        let shown = String::from_utf8_lossy(arg);
        let base = arg.as_ptr() as usize;
        let repeats = |b: &[u8]| {
            let mut own: BTreeMap<&[u8], usize> = BTreeMap::new();
            for w in b.windows(GRAM) {
                *own.entry(w).or_default() += 1;
            }
            own.values().any(|&n| n > REPEAT_CAP)
        };
        for r in got {
            let (mut must, mut must_by) = (ClassSet::EMPTY, 0u64);
            let (mut may, mut may_by) = (ClassSet::EMPTY, 0u64);
            for s in &self.safe {
                let len = s.bytes.len();
                let holds = (r.end.saturating_sub(len)..=r.start)
                    .any(|o| o + len >= r.end && arg.get(o..o + len) == Some(&s.bytes[..]));
                if holds {
                    may = may.union(s.classes);
                    may_by |= s.by;
                    if len < GRAM || !repeats(&s.bytes) {
                        must = must.union(s.classes);
                        must_by |= s.by;
                    }
                }
            }
            for b in &self.safe_buffers {
                let (start, end) = (b.addr.max(base), (b.addr + b.len).min(base + arg.len()));
                if start < end && start - base <= r.start && r.end <= end - base {
                    let s = &self.safe[b.value];
                    may = may.union(s.classes);
                    may_by |= s.by;
                    if b.certain {
                        must = must.union(s.classes);
                        must_by |= s.by;
                    }
                }
            }
            let within = |a: ClassSet, b: ClassSet| {
                Vulnerability::ALL
                    .iter()
                    .all(|v| !a.contains(*v) || b.contains(*v))
            };
            assert!(
                within(must, r.safe_for) && within(r.safe_for, may),
                "{r:?} in {shown:?}: safe for {:?}, expected at least {must:?} and at most {may:?}",
                r.safe_for
            );
            assert!(
                must_by & !r.safe_by == 0 && r.safe_by & !may_by == 0,
                "{r:?} in {shown:?}: safe by {:#b}, expected at least {must_by:#b} and at most {may_by:#b}",
                r.safe_by
            );
        }
    }
}

/// The longest run of positions where the store may compare `form` (some gram among its
/// first `MAX_STRIDE` and its last gram match, loosely case-folded as the store's table keys
/// grams), each overlapping the one before: the store's candidates are among these, so it
/// cannot meet a longer run.
fn self_overlaps(arg: &[u8], form: &[u8]) -> usize {
    if form.len() < GRAM {
        return 0;
    }
    let gram_at = |a: &[u8], b: &[u8]| a.iter().zip(b).all(|(x, y)| x | 0x20 == y | 0x20);
    let tail = form.len() - GRAM;
    let (mut longest, mut run, mut last): (usize, usize, Option<usize>) = (0, 0, None);
    for p in 0..arg.len().saturating_sub(form.len() - 1) {
        let window = &arg[p..p + form.len()];
        let seeded = (0..=tail.min(MAX_STRIDE - 1))
            .any(|q| gram_at(&window[q..q + GRAM], &form[q..q + GRAM]));
        if !seeded || !gram_at(&window[tail..], &form[tail..]) {
            continue;
        }
        run = match last {
            Some(l) if p < l + form.len() => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        last = Some(p);
    }
    longest
}

/// As the store's short index decides: a short form counts where it is not glued to a word
/// byte on a side where it ends in one.
fn isolated(arg: &[u8], start: usize, end: usize, form: &[u8]) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    let (Some(&first), Some(&last)) = (form.first(), form.last()) else {
        return false;
    };
    let glued_before = word(first) && start > 0 && word(arg[start - 1]);
    let glued_after = word(last) && arg.get(end).is_some_and(|&b| word(b));
    !glued_before && !glued_after
}

/// The forms of a value the store also searches for: percent-decoded (with and without `+`
/// as space), percent-encoded (as a URI component and as a form), and for text beyond ASCII,
/// its Unicode lower and upper case. Forms equal to the value up to ASCII case are left out.
fn variants(value: &[u8]) -> Vec<(Vec<u8>, MatchKind)> {
    let mut out: Vec<(Vec<u8>, MatchKind)> = Vec::new();
    let plain = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
    if value.is_empty()
        || value.len() > MAX_VARIANT_LEN
        || (value.iter().all(plain) && base64_text(value).is_none())
    {
        return out;
    }
    let mut offer = |bytes: Vec<u8>, kind: MatchKind| {
        if !bytes.is_empty()
            && !bytes.eq_ignore_ascii_case(value)
            && !out.iter().any(|(o, _)| o.eq_ignore_ascii_case(&bytes))
        {
            out.push((bytes, kind));
        }
    };
    if value.contains(&b'%') {
        offer(percent_decode(value), MatchKind::UrlDecoded);
    }
    let form_decode = |v: &[u8]| {
        let spaced: Vec<u8> = v
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_decode(&spaced)
    };
    if value.contains(&b'+') {
        offer(form_decode(value), MatchKind::UrlDecoded);
    }
    if value.contains(&b'=') && value.iter().any(|b| matches!(b, b'%' | b'+')) {
        for piece in value.split(|&b| b == b'&' || b == b';') {
            if let Some(eq) = piece.iter().position(|&b| b == b'=')
                && piece[eq + 1..].iter().any(|b| matches!(b, b'%' | b'+'))
            {
                offer(form_decode(&piece[eq + 1..]), MatchKind::UrlDecoded);
            }
        }
    }
    if let Some(text) = base64_text(value) {
        offer(text, MatchKind::Base64Decoded);
    }
    if value.contains(&b'\\')
        && let Ok(text) = std::str::from_utf8(value)
        && let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{text}\""))
    {
        offer(unescaped.into_bytes(), MatchKind::JsonUnescaped);
    }
    if let Some(text) = html_unescape(value) {
        offer(text, MatchKind::HtmlUnescaped);
    }
    offer(
        percent_encode(value, |b| matches!(b, b'-' | b'_' | b'.' | b'~')),
        MatchKind::UrlEncoded,
    );
    if value.iter().any(|b| matches!(b, b' ' | b'*' | b'~')) {
        let form = percent_encode(value, |b| matches!(b, b'*' | b'-' | b'.' | b'_' | b' '));
        offer(
            form.into_iter()
                .map(|b| if b == b' ' { b'+' } else { b })
                .collect(),
            MatchKind::UrlEncoded,
        );
    }
    if !value.is_ascii()
        && let Ok(text) = std::str::from_utf8(value)
    {
        offer(text.to_lowercase().into_bytes(), MatchKind::CaseChanged);
        offer(text.to_uppercase().into_bytes(), MatchKind::CaseChanged);
    }
    out
}

/// Whether a form is one an application decodes the value to, which the store indexes for
/// pieces like the value itself.
fn decoded(kind: MatchKind) -> bool {
    matches!(
        kind,
        MatchKind::UrlDecoded
            | MatchKind::Base64Decoded
            | MatchKind::JsonUnescaped
            | MatchKind::HtmlUnescaped
    )
}

/// The forms indexed for pieces: the value and the decoded forms the store kept.
fn indexed_forms(v: &Value) -> Vec<Vec<u8>> {
    std::iter::once(v.bytes.clone())
        .chain(
            v.forms
                .iter()
                .filter(|(_, kind)| decoded(*kind))
                .map(|(form, _)| form.clone()),
        )
        .filter(|f| f.len() >= MIN_PARTIAL)
        .collect()
}

/// Base64 (standard or URL-safe, padded or not) of 8 bytes or more that decodes to printable
/// text of 4 bytes or more.
fn base64_text(value: &[u8]) -> Option<Vec<u8>> {
    if value.len() < 8 {
        return None;
    }
    let body = value
        .strip_suffix(b"==")
        .or_else(|| value.strip_suffix(b"="))
        .unwrap_or(value);
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    let standard = body
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/'));
    let url = body
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    if !standard && !url {
        return None;
    }
    // Padding, when present, must make the length a multiple of 4.
    if body.len() != value.len() && value.len() % 4 != 0 {
        return None;
    }
    for &b in body {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            _ => 63,
        };
        bits = bits << 6 | u32::from(v);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    // A length of 1 mod 4 is no base64, and the leftover bits must be zero (canonical).
    if body.len() % 4 == 1 || bits & ((1 << count) - 1) != 0 {
        return None;
    }
    let text = std::str::from_utf8(&out).ok()?;
    let printable = text
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'));
    (printable && out.len() >= 4).then_some(out)
}

/// HTML character references decoded: the XML five, `&nbsp;` and numeric ones.
fn html_unescape(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut decoded = false;
    let mut i = 0;
    while i < value.len() {
        let end = (value[i] == b'&')
            .then(|| value[i..].iter().take(12).position(|&b| b == b';'))
            .flatten();
        let name = end.and_then(|e| std::str::from_utf8(&value[i + 1..i + e]).ok());
        let c = match (value[i], name) {
            (b'&', Some("lt")) => Some('<'),
            (b'&', Some("gt")) => Some('>'),
            (b'&', Some("amp")) => Some('&'),
            (b'&', Some("quot")) => Some('"'),
            (b'&', Some("apos")) => Some('\''),
            (b'&', Some("nbsp")) => Some('\u{a0}'),
            (b'&', Some(n)) => n.strip_prefix('#').and_then(|n| {
                let code = match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse().ok(),
                };
                code.and_then(char::from_u32)
            }),
            _ => None,
        };
        match (c, end) {
            (Some(c), Some(e)) => {
                out.extend_from_slice(c.to_string().as_bytes());
                i += e + 1;
                decoded = true;
            }
            _ => {
                out.push(value[i]);
                i += 1;
            }
        }
    }
    decoded.then_some(out)
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|&b| hex(b)),
                bytes.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Every byte but ASCII letters, digits and those `keep` names as `%XX`.
fn percent_encode(bytes: &[u8], keep: impl Fn(u8) -> bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || (b.is_ascii() && keep(b)) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}
