//! The collection as `cargo iast` reads it: the JSON lines that `iast_core::collect` writes,
//! owned and deserializable. These types are the format's contract between the program under
//! test and the report writer, which may be built from different versions.

use iast_core::{Confidence, Vulnerability};
use serde::{Deserialize, Serialize};

/// Where an annotated function is defined. Paths are relative to the workspace, or
/// `package/path` for a crate outside it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Site {
    pub function: String,
    pub file: String,
    pub line: u32,
    /// For a source: its origin label (`http.parameter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl Site {
    /// The origin label of a source, or its function path when it has none.
    pub fn origin_or_function(&self) -> &str {
        self.origin.as_deref().unwrap_or(&self.function)
    }
}

/// One tainted range of the evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Tainted {
    /// Byte offsets into [`Evidence::value`], on character boundaries.
    pub start: usize,
    pub end: usize,
    /// Index into [`Finding::sources`].
    pub source: usize,
    /// How the engine recognised the bytes (`Buffer`, `Exact`, `Partial`, ...).
    #[serde(rename = "match")]
    pub kind: String,
}

/// The checked argument of a finding. `value` holds attacker-controlled text (with secrets
/// already replaced by `[REDACTED]`): every rendering must escape it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub argument: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub cut_before: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub cut_after: bool,
    pub tainted: Vec<Tainted>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One flow, merged over every process that saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub vulnerability: Vulnerability,
    pub cwe: u32,
    pub confidence: Confidence,
    pub sink: Site,
    pub sources: Vec<Site>,
    /// Sanitizers and validators the tainted bytes passed that do not cover this class (an
    /// HTML escaper on the way to SQL), in the order of the sources' ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sanitizers: Vec<Site>,
    pub evidence: Evidence,
    /// In a process's line: how many sink calls of its context produced the flow so far. In
    /// a merged collection: how many test processes saw it.
    pub hits: u32,
    pub fingerprint: String,
}

impl Finding {
    /// What identifies one flow in a merge: the fingerprint, and the sink's line (same-named
    /// sinks in one file share a fingerprint but are different flows).
    pub fn key(&self) -> (&str, u32) {
        (&self.fingerprint, self.sink.line)
    }
}

/// A registry entry of some process.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// `source`, `sink`, `sanitizer` or `validator`.
    pub kind: String,
    #[serde(flatten)]
    pub site: Site,
    /// Attribute words of the classes (`sql`, `xss`, ...).
    pub classes: Vec<String>,
}

/// A monitored flow (source origin × sink class) that ran: a sink of the class was called
/// while a value from the origin was recorded in the same context.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FlowKey {
    pub origin: String,
    pub class: String,
}

/// One line of a collection file.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Line {
    Process {
        binary: String,
        registry: Vec<Entry>,
    },
    Reached {
        sink: Site,
    },
    Exercised {
        #[serde(flatten)]
        flow: FlowKey,
    },
    Finding(Box<Finding>),
}
