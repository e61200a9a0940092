//! The lines of a collection file: one definition, written by the program under test and read
//! by `cargo iast`, which may be built from another version of this crate. The `process` line
//! carries [`FORMAT`]; a reader skips, and names, the files of a format it does not know.

use crate::registry::{Item, ItemKind};
use crate::report::{Finding, Site};
use serde::{Deserialize, Serialize};

/// The version of the collection format. Raised whenever a line changes incompatibly.
///
/// 2: findings carry their call site, route and named sources; fingerprints follow them.
pub const FORMAT: u32 = 2;

/// One line of a collection file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    /// Once, first: the binary and its registry.
    Process {
        /// [`FORMAT`] of the writer; absent in files of the first format.
        #[serde(default = "first_format")]
        format: u32,
        /// The executable's name, without the hash cargo appends to test binaries.
        binary: String,
        /// Its registry: every annotated function linked in.
        registry: Vec<Entry>,
    },
    /// The first time a sink runs inside a context.
    Reached {
        /// The sink.
        sink: Site,
    },
    /// The first time a sink runs outside any context while a context is alive in the
    /// process: most likely on a thread or task started without the context, where taint is
    /// not followed. Added within format 2: an older reader names the line as unreadable and
    /// reads on.
    Outside {
        /// The sink.
        sink: Site,
    },
    /// The first time a sink of a class runs while a value from an origin is recorded.
    Exercised {
        /// The origin and class.
        #[serde(flatten)]
        flow: FlowKey,
    },
    /// A new flow, or a more telling repeat of one.
    Finding(Box<Finding>),
}

fn first_format() -> u32 {
    1
}

/// A registry entry as written to the collection.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// `source`, `sink`, `sanitizer` or `validator`.
    pub kind: String,
    /// The annotated function.
    #[serde(flatten)]
    pub site: Site,
    /// Attribute words of the classes (`sql`, `xss`, ...).
    pub classes: Vec<String>,
}

impl Entry {
    pub(crate) fn of(item: &'static Item) -> Entry {
        Entry {
            kind: match item.kind {
                ItemKind::Source { .. } => "source",
                ItemKind::Sink { .. } => "sink",
                ItemKind::Sanitizer { .. } => "sanitizer",
                ItemKind::Validator { .. } => "validator",
            }
            .to_owned(),
            site: Site::of(item),
            classes: item.classes().iter().map(|v| v.word().to_owned()).collect(),
        }
    }
}

/// A monitored flow (source origin × sink class) that ran: a sink of the class was called
/// while a value from the origin was recorded in the same context.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FlowKey {
    /// The source origin.
    pub origin: String,
    /// The attribute word of the sink class (`sql`, ...).
    pub class: String,
}

/// The file in which a run's collection directory describes its part of the run: written by
/// `cargo iast` before the tests start, read by the merge. Not `*.jsonl`, so that no reader
/// takes it for a process's file.
pub const SHARD_FILE: &str = "iast-shard.json";

/// One part of a run, as its collection describes itself: the shards of a run split over
/// several machines are merged into one report, which names them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// The test runner: `cargo test` or `cargo nextest run`.
    pub runner: String,
    /// The runner's partition of the tests (`count:1/3`, `hash:2/4`), when the run was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// The runner's arguments, as given.
    #[serde(default)]
    pub args: Vec<String>,
    /// The runner's exit status once it finished (0: every test passed); absent while it
    /// runs, or when it was killed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
}
