//! Findings and reports.
//!
//! Everything here is deterministic: findings are sorted, sites carry paths as the compiler
//! gives them relative to the workspace (registry paths are cut to the package directory),
//! fingerprints hash names rather than addresses, and nothing records time or threads. A
//! report therefore snapshots the same on every machine and in every test order.

use crate::evidence::{Evidence, escape_for_terminal, terminal_lines};
use crate::registry::{Item, ItemKind};
use crate::vulnerability::{Confidence, Vulnerability};
use serde::Serialize;
use std::fmt;

/// Where an annotated function is defined.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Site {
    function: &'static str,
    file: String,
    line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'static str>,
}

impl Site {
    pub(crate) fn of(item: &'static Item) -> Site {
        Site {
            function: item.function,
            file: normalize_file(item),
            line: item.line,
            origin: match item.kind {
                ItemKind::Source { .. } => item.origin(),
                _ => None,
            },
        }
    }

    /// Full path of the function: `my_app::db::run_query`, `my_app::db::Db::run_query`.
    pub fn function(&self) -> &str {
        self.function
    }

    /// Source file, relative to the workspace (or to the package for a registry crate).
    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn line(&self) -> u32 {
        self.line
    }

    /// For a source: its origin label (`http.parameter`), or its function path.
    pub fn origin(&self) -> Option<&str> {
        self.origin
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` at {}:{}", self.function, self.file, self.line)
    }
}

/// Makes `file!()` paths machine-independent. Paths inside the workspace are relative
/// already; an absolute one (a path dependency outside the workspace, a vendored, registry or
/// git crate) is written `package/path-in-package`, which no other package's file can equal.
pub(crate) fn normalize_file(item: &Item) -> String {
    let file = item.file.replace('\\', "/");
    // Checked by hand: a Windows path must read as absolute whatever the host.
    let bytes = file.as_bytes();
    let drive =
        bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if !(file.starts_with('/') || drive) {
        return file;
    }
    let dir = item.manifest_dir.replace('\\', "/");
    match file.strip_prefix(dir.trim_end_matches('/')) {
        Some(rest) if rest.starts_with('/') => format!("{}{rest}", item.package),
        _ => match file.rsplit_once("/src/") {
            Some((_, rest)) => format!("{}/src/{rest}", item.package),
            None => file.rsplit('/').next().unwrap_or_default().to_string(),
        },
    }
}

/// One tainted flow into a sink.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    rule: &'static str,
    vulnerability: Vulnerability,
    cwe: u32,
    confidence: Confidence,
    sink: Site,
    sources: Vec<Site>,
    /// Sanitizers and validators whose values hold the tainted bytes but which do not cover
    /// this class (an HTML escaper on the way to SQL), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sanitizers: Vec<Site>,
    evidence: Evidence,
    /// How many sink calls in the context produced this finding.
    hits: u32,
    fingerprint: String,
}

impl Finding {
    pub(crate) fn new(
        vulnerability: Vulnerability,
        confidence: Confidence,
        sink: Site,
        sources: Vec<Site>,
        evidence: Evidence,
    ) -> Finding {
        let fingerprint = fingerprint(vulnerability, &sink, &sources);
        Finding {
            rule: vulnerability.rule_id(),
            vulnerability,
            cwe: vulnerability.cwe(),
            confidence,
            sink,
            sources,
            sanitizers: Vec::new(),
            evidence,
            hits: 1,
            fingerprint,
        }
    }

    pub(crate) fn with_sanitizers(mut self, sanitizers: Vec<Site>) -> Finding {
        self.sanitizers = sanitizers;
        self
    }

    pub fn vulnerability(&self) -> Vulnerability {
        self.vulnerability
    }

    pub fn confidence(&self) -> Confidence {
        self.confidence
    }

    /// The annotated sink function.
    pub fn sink(&self) -> &Site {
        &self.sink
    }

    /// The sources whose values reached the sink, sorted.
    pub fn sources(&self) -> &[Site] {
        &self.sources
    }

    /// The sanitizers and validators the tainted bytes passed that do not protect against
    /// this finding's class, sorted. Not part of the fingerprint.
    pub fn sanitizers(&self) -> &[Site] {
        &self.sanitizers
    }

    /// The checked argument and its tainted ranges.
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    /// How many sink calls produced this finding within its context.
    pub fn hits(&self) -> u32 {
        self.hits
    }

    /// A stable id of the flow: vulnerability, sink function and file, source origins,
    /// functions and files. It does not change with line numbers, evidence or machine, so it
    /// can be baselined.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Heap bytes held by the finding, approximately.
    pub(crate) fn heap_bytes(&self) -> usize {
        let site = |s: &Site| size_of::<Site>() + s.file.capacity();
        site(&self.sink)
            + self.sources.iter().map(site).sum::<usize>()
            + self.sanitizers.iter().map(site).sum::<usize>()
            + self.evidence.value.capacity()
            + self.evidence.tainted.capacity() * size_of::<crate::evidence::Tainted>()
            + self.fingerprint.capacity()
    }

    /// Whether `self` tells more than `other`, a repeat of the same flow: the higher
    /// confidence, then the shorter evidence, then a total order over everything a repeat
    /// replaces, so that the order in which threads or processes arrive never shows.
    pub(crate) fn more_telling(&self, other: &Finding) -> bool {
        other
            .confidence
            .cmp(&self.confidence)
            .then(self.evidence.value.len().cmp(&other.evidence.value.len()))
            .then_with(|| self.evidence.cmp(&other.evidence))
            .then_with(|| self.sources.cmp(&other.sources))
            .is_lt()
    }

    /// Folds a repeat of the same flow into this finding, keeping the most telling evidence.
    pub(crate) fn merge(&mut self, other: Finding) {
        self.hits = self.hits.saturating_add(1);
        for s in other.sanitizers.iter() {
            if !self.sanitizers.contains(s) {
                self.sanitizers.push(s.clone());
            }
        }
        self.sanitizers.sort();
        if other.more_telling(self) {
            self.confidence = other.confidence;
            self.evidence = other.evidence;
            self.sources = other.sources;
        }
    }

    fn sort_key(&self) -> impl Ord + '_ {
        (
            self.vulnerability,
            &self.sink,
            &self.sources,
            std::cmp::Reverse(self.confidence),
            &self.fingerprint,
        )
    }
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike `std`'s hashers.
fn fingerprint(v: Vulnerability, sink: &Site, sources: &[Site]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain([0xff]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(v.rule_id());
    eat(sink.function);
    // Files tell apart same-named functions (a method named without its type, functions
    // nested in different bodies); lines are left out so that edits keep the fingerprint.
    eat(&sink.file);
    for source in sources {
        eat(source.origin.unwrap_or(""));
        eat(source.function);
        eat(&source.file);
    }
    format!("{hash:016x}")
}

/// What happened inside one context: its findings and the sinks it reached.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    findings: Vec<Finding>,
    sinks_reached: Vec<Site>,
    #[serde(skip_serializing_if = "Limits::is_clear")]
    limits: Limits,
}

/// What a context had to drop to stay within its memory bounds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Source values not recorded because the context held its maximum.
    pub dropped_values: u64,
    /// Sanitizer and validator values not recorded.
    pub dropped_safe_values: u64,
    /// Findings not kept because the context held its maximum.
    pub dropped_findings: u64,
    /// Panics caught inside instrumentation (the program went on unaffected).
    pub internal_errors: u64,
}

impl Limits {
    pub fn is_clear(&self) -> bool {
        *self == Limits::default()
    }
}

impl Report {
    pub(crate) fn new(
        mut findings: Vec<Finding>,
        reached: impl IntoIterator<Item = &'static Item>,
        limits: Limits,
    ) -> Report {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let mut sinks_reached: Vec<Site> = reached.into_iter().map(Site::of).collect();
        sinks_reached.sort();
        sinks_reached.dedup();
        Report {
            findings,
            sinks_reached,
            limits,
        }
    }

    /// The findings, sorted by vulnerability, sink and sources.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// No finding at all.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// The registered sinks that ran inside the context, sorted.
    pub fn sinks_reached(&self) -> &[Site] {
        &self.sinks_reached
    }

    /// The registered sinks of this binary that never ran inside the context, sorted.
    pub fn sinks_not_reached(&self) -> Vec<Site> {
        let mut all: Vec<Site> = crate::registry::registry()
            .sinks()
            .map(Site::of)
            .filter(|s| !self.sinks_reached.contains(s))
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// What the context dropped to stay within its bounds.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The findings of one vulnerability class.
    pub fn of(&self, v: Vulnerability) -> impl Iterator<Item = &Finding> + '_ {
        self.findings.iter().filter(move |f| f.vulnerability == v)
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.vulnerability;
        writeln!(
            f,
            "error[{}]: {} (CWE-{}) reaches `{}` ({})",
            v.rule_id(),
            v.title(),
            v.cwe(),
            self.sink.function,
            self.confidence
        )?;
        writeln!(f, "  --> {}:{}", self.sink.file, self.sink.line)?;
        for (i, s) in self.sources.iter().enumerate() {
            let origin = s.origin.filter(|o| *o != s.function);
            write!(f, "   = source #{i}: `{}`", s.function)?;
            if let Some(origin) = origin {
                write!(f, " [{}]", escape_for_terminal(origin).0)?;
            }
            writeln!(f, " at {}:{}", s.file, s.line)?;
        }
        for s in &self.sanitizers {
            writeln!(
                f,
                "   = passed `{}` at {}:{}, which does not protect against {}",
                s.function,
                s.file,
                s.line,
                v.title()
            )?;
        }
        let e = &self.evidence;
        writeln!(f, "   = argument `{}`:", e.argument)?;
        writeln!(f, "   |")?;
        let (text, marks) = terminal_lines(&e.value, e.ranges(), e.cut_before, e.cut_after);
        writeln!(f, "   | {text}")?;
        writeln!(f, "   | {marks}")?;
        if self.hits > 1 {
            writeln!(f, "   = seen {} times", self.hits)?;
        }
        writeln!(f, "   = fingerprint: {}", self.fingerprint)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        let confirmed = self
            .findings
            .iter()
            .filter(|x| x.confidence == Confidence::Confirmed)
            .count();
        let n = self.findings.len();
        match n {
            0 => write!(f, "iast: no findings")?,
            1 => write!(f, "iast: 1 finding ({confirmed} confirmed)")?,
            _ => write!(f, "iast: {n} findings ({confirmed} confirmed)")?,
        }
        writeln!(f, "; {} sink(s) reached", self.sinks_reached.len())?;
        let l = &self.limits;
        if !l.is_clear() {
            writeln!(
                f,
                "iast: context limits hit: {} source values, {} safe values and {} findings dropped; {} internal errors caught",
                l.dropped_values, l.dropped_safe_values, l.dropped_findings, l.internal_errors
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_file;
    use crate::registry::{Item, ItemKind};

    fn item(file: &'static str, manifest_dir: &'static str) -> Item {
        Item {
            kind: ItemKind::Source { origin: None },
            function: "app::f",
            file,
            line: 1,
            package: "app-db",
            manifest_dir,
        }
    }

    #[test]
    fn absolute_paths_lose_their_machine_part() {
        let registry = "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/app-db-0.1.0";
        assert_eq!(
            normalize_file(&item(
                "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/app-db-0.1.0/src/fs.rs",
                registry
            )),
            "app-db/src/fs.rs"
        );
        assert_eq!(
            normalize_file(&item(
                "/home/u/.cargo/git/checkouts/app-1a2b/5e6f7a8/db/src/db.rs",
                "/home/u/.cargo/git/checkouts/app-1a2b/5e6f7a8/db"
            )),
            "app-db/src/db.rs"
        );
        assert_eq!(
            normalize_file(&item("C:\\work\\db\\src\\lib.rs", "C:\\work\\db")),
            "app-db/src/lib.rs"
        );
        assert_eq!(
            normalize_file(&item("tests/engine.rs", "/ws")),
            "tests/engine.rs"
        );
    }
}
