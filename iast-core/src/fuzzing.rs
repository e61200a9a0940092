//! Entry points for the fuzz targets in `fuzz/`: not part of the API.
//!
//! The analyzers, the redactor and the taint store are private to this crate, and a fuzz
//! target is another crate. What is here only forwards, or repeats the engine's own sequence
//! of calls where the engine does them inline, so that a target reaches the code the engine
//! runs with the inputs the engine gives it.

use crate::analyzers::{self, Input};
use crate::evidence::{self, Evidence, Marked};
use crate::redact;
use crate::taint::{self, TaintStore};
use crate::{ClassSet, MatchKind, SqlDialect, Vulnerability};
use std::ops::Range;

/// Panics unless `tainted` is what the engine hands an analyzer: non-empty ranges, sorted by
/// start, within `len`.
fn check_ranges(len: usize, tainted: &[Range<usize>]) {
    assert!(
        tainted.iter().all(|r| r.start < r.end && r.end <= len),
        "ranges {tainted:?} out of 0..{len}"
    );
    assert!(tainted.is_sorted_by_key(|r| r.start), "ranges {tainted:?}");
}

/// What one sink check keeps of its SQL readings (see `analyzers::Scratch`): the calls given
/// the same one share their tokens, as the calls of one check do.
#[derive(Debug, Default)]
pub struct Scratch(analyzers::Scratch);

fn input<'a>(argument: &'a str, text: &'a [u8], tainted: &'a [Range<usize>]) -> Input<'a> {
    check_ranges(text.len(), tainted);
    Input {
        text,
        tainted,
        argument,
    }
}

/// Whether the analyzer of `class` says that the `tainted` ranges of `text`, as the sink
/// parameter `argument`, change its structure. The ranges must be non-empty, sorted by start
/// and within `text`.
pub fn changes_structure(
    class: Vulnerability,
    argument: &str,
    text: &[u8],
    tainted: &[Range<usize>],
    scratch: &Scratch,
) -> bool {
    analyzers::changes_structure(class, &input(argument, text, tainted), &scratch.0)
}

/// Whether the engine drops an unsanitized flow of `class` as plain data.
pub fn harmless(
    class: Vulnerability,
    argument: &str,
    text: &[u8],
    tainted: &[Range<usize>],
) -> bool {
    analyzers::harmless(class, &input(argument, text, tainted))
}

/// Whether the engine drops an unsanitized flow of `class` found by value as the program's
/// own constant.
pub fn inert(
    class: Vulnerability,
    argument: &str,
    text: &[u8],
    tainted: &[Range<usize>],
    scratch: &Scratch,
) -> bool {
    analyzers::inert(class, &input(argument, text, tainted), &scratch.0)
}

/// The insides of the SQL string literals of `text`, as redaction reads them, from the start.
pub fn sql_literal_spans(dialect: SqlDialect, text: &[u8], scratch: &Scratch) -> Vec<Range<usize>> {
    analyzers::string_literal_spans(dialect, text, analyzers::LiteralStarts::WHOLE, &scratch.0)
}

/// Where the tokens of `text` read in `dialect` with the reader of plain SQL first differ from
/// sqlparser's tokens alone, if anywhere: `None` when every token and the reading's end agree.
pub fn sql_plain_disagrees(dialect: SqlDialect, text: &[u8]) -> Option<usize> {
    analyzers::plain_disagrees(dialect, text)
}

/// What redaction made of a sink argument.
#[derive(Debug)]
pub struct Redacted {
    /// The first byte of the argument shown: the evidence never shows what precedes it.
    pub from: usize,
    /// Bytes of the argument read for secrets: the evidence never shows past them.
    pub cut: usize,
    /// The spans of `text[from..cut]` to hide, as offsets into `text`.
    pub spans: Vec<Range<usize>>,
    /// `text[from..cut]` with each span replaced by the marker.
    pub shown: Vec<u8>,
    /// The tainted ranges (of the prefix), moved onto `shown`.
    pub moved: Vec<Range<usize>>,
    /// The evidence built from `shown`.
    pub evidence: Evidence,
    /// The evidence without redaction.
    pub plain: Evidence,
}

/// The marker a hidden span becomes.
pub const REDACTED: &[u8] = evidence::REDACTED;

/// The engine's redaction of a finding's evidence: `tainted` holds the ranges with whether
/// their source is secret-named, non-empty, sorted by start and within `text`.
pub fn redact(
    class: Vulnerability,
    argument: &'static str,
    text: &[u8],
    tainted: &[(Range<usize>, bool)],
) -> Redacted {
    let ranges: Vec<Range<usize>> = tainted.iter().map(|(r, _)| r.clone()).collect();
    check_ranges(text.len(), &ranges);
    // Each range its own source, secret or not.
    let marked: Vec<Marked> = ranges
        .iter()
        .enumerate()
        .map(|(i, r)| (r.clone(), i, MatchKind::Exact))
        .collect();
    let secret = |source: usize| tainted.get(source).is_some_and(|(_, secret)| *secret);
    let scratch = analyzers::Scratch::default();
    let redacted = evidence::redacted(class, argument, text, &marked, &secret, &scratch);
    Redacted {
        evidence: redacted.evidence(argument, text.len()),
        plain: Evidence::new(argument, text, &marked),
        from: redacted.from,
        cut: redacted.cut,
        spans: redacted.spans,
        shown: redacted.shown,
        moved: redacted.moved.into_iter().map(|(r, _, _)| r).collect(),
    }
}

/// The compiled extra redaction patterns of a configuration.
pub fn redaction_patterns(config: &crate::config::Config) -> &[regex_lite::Regex] {
    &config.redaction_patterns
}

/// Whether redaction hides everything under a parameter or source of this name.
pub fn secret_name(name: &str) -> bool {
    redact::secret_name(name)
}

/// Bounds on what one store keeps.
pub use crate::taint::Caps as StoreCaps;

/// What an add did.
pub use crate::taint::Added;

/// A tainted range of a scanned argument.
pub use crate::taint::TaintedRange as Found;

/// A context's taint store.
#[derive(Debug)]
pub struct Store(TaintStore);

/// The shortest piece of a value matched on its own.
pub const MIN_PARTIAL: usize = taint::MIN_PARTIAL;

impl Store {
    pub fn new(limits: StoreCaps) -> Store {
        Store(TaintStore::new(limits))
    }

    /// Records a source's value; with `address`, `bytes` must stay alive and unmoved while
    /// the store is scanned, as a source's returned buffer is.
    pub fn add_tainted(&mut self, bytes: &[u8], source: u32, address: bool) -> Added {
        self.0.add_tainted_at(bytes, source, address)
    }

    /// Records a sanitizer's output or a validated value, safe for `classes`, given by the
    /// callers' `by` bits.
    pub fn add_safe(&mut self, bytes: &[u8], classes: ClassSet, by: u64, address: bool) -> Added {
        self.0.add_safe_by(bytes, classes, by, address)
    }

    pub fn scan(&mut self, arg: &[u8]) -> Vec<Found> {
        self.0.scan(arg)
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// A request's `baggage` lines as a trusting receiver reads them: what it made of them, and
/// for an entry it applied, the entry written again from what was read (a sender's encoding
/// of the same items), and whether a value `probe` would be labelled by it.
pub fn baggage(lines: &[&[u8]], probe: &[u8]) -> (crate::fleet::Accepted, Option<(String, bool)>) {
    let (accepted, incoming) = crate::fleet::wire::decode(lines.iter().copied());
    let Some(mut incoming) = incoming else {
        return (accepted, None);
    };
    let written = crate::fleet::wire::encode(&incoming.items()).unwrap_or_default();
    incoming.note(0, probe);
    (accepted, Some((written, incoming.label(0).is_some())))
}
