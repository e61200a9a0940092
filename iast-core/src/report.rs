//! Findings and reports.
//!
//! Everything here is deterministic: findings are sorted, sites carry paths as the compiler
//! gives them relative to the workspace (registry paths are cut to the package directory),
//! fingerprints hash names rather than addresses, and nothing records time or threads. A
//! report therefore snapshots the same on every machine and in every test order.

use crate::evidence::{Evidence, escape_for_terminal, terminal_lines};
use crate::registry::Item;
pub use crate::site::{CallSite, Route, Site, Upstream};
use crate::vulnerability::{Confidence, Vulnerability};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// One tainted flow into a sink.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    rule: Cow<'static, str>,
    vulnerability: Vulnerability,
    cwe: u32,
    confidence: Confidence,
    /// Where the application called the sink; `None` for a check the framework layer made on
    /// the response (then [`Finding::route`] is where) and for `async fn` sinks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    call_site: Option<CallSite>,
    /// The request the flow was found in, when a framework layer made the context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    route: Option<Route>,
    /// The annotated sink function (for the ready-made sinks, a function of iast-sinks).
    sink: Site,
    /// The principal source first, then the others, sorted. Empty for a weakness found
    /// without taint ([`Vulnerability::needs_taint`]).
    sources: Vec<Site>,
    /// What a weakness found without taint is about, when the response has several of the
    /// kind: the name of the cookie set without `Secure`. Part of the fingerprint, so that
    /// two cookies are two findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    /// Sanitizers and validators whose values hold the tainted bytes but which do not cover
    /// this class (an HTML escaper on the way to SQL), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sanitizers: Vec<Site>,
    evidence: Evidence,
    /// The input of a probe's payload run that made the analyzer confirm the flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    proof: Option<String>,
    /// Whether protect mode refused the call (see [`Finding::blocked`]).
    #[serde(default, skip_serializing_if = "is_false")]
    blocked: bool,
    /// Within a context: how many sink calls produced this finding. In a merged collection:
    /// how many processes saw it.
    hits: u32,
    fingerprint: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What a finding's hit count counts, for its rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hits {
    /// Sink calls within one context.
    Calls,
    /// Test processes of a merged collection.
    Processes,
}

impl Finding {
    /// `sources` holds the principal source first. The fingerprint follows from where the flow
    /// happened: set it with [`Finding::at`], which every finding is given before it is kept.
    pub(crate) fn new(
        vulnerability: Vulnerability,
        confidence: Confidence,
        sink: Site,
        sources: Vec<Site>,
        evidence: Evidence,
    ) -> Finding {
        Finding {
            rule: Cow::Borrowed(vulnerability.rule_id()),
            vulnerability,
            cwe: vulnerability.cwe(),
            confidence,
            call_site: None,
            route: None,
            sink,
            sources,
            subject: None,
            sanitizers: Vec::new(),
            evidence,
            proof: None,
            blocked: false,
            hits: 1,
            fingerprint: String::new(),
        }
    }

    /// A weakness found without taint, about `subject` (see [`Finding::subject`]): certain,
    /// since it is what the response holds, with no source.
    pub(crate) fn weakness(
        vulnerability: Vulnerability,
        check: Site,
        subject: Option<&str>,
        evidence: Evidence,
    ) -> Finding {
        let mut finding = Finding::new(
            vulnerability,
            Confidence::Confirmed,
            check,
            Vec::new(),
            evidence,
        );
        finding.subject = subject.map(|s| crate::site::cut_name(s).into_owned());
        finding
    }

    pub(crate) fn with_sanitizers(mut self, sanitizers: Vec<Site>) -> Finding {
        self.sanitizers = sanitizers;
        self
    }

    /// Sets where the flow happened, and the fingerprint that follows from it.
    pub(crate) fn at(mut self, call_site: Option<CallSite>, route: Option<Route>) -> Finding {
        self.call_site = call_site;
        self.route = route;
        self.fingerprint = self.compute_fingerprint();
        self
    }

    /// The class of the flow.
    pub fn vulnerability(&self) -> Vulnerability {
        self.vulnerability
    }

    /// The rule id: `SQL_INJECTION`.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// The CWE number of the class.
    pub fn cwe(&self) -> u32 {
        self.cwe
    }

    /// How sure the finding is.
    pub fn confidence(&self) -> Confidence {
        self.confidence
    }

    /// The line of the application that called the sink, when known.
    pub fn call_site(&self) -> Option<&CallSite> {
        self.call_site.as_ref()
    }

    /// The request's method and matched route pattern, when a framework layer made the
    /// context.
    pub fn route(&self) -> Option<&Route> {
        self.route.as_ref()
    }

    /// The annotated sink function.
    pub fn sink(&self) -> &Site {
        &self.sink
    }

    /// The sources whose values reached the sink: the principal one first (the one that
    /// supplied the most tainted bytes), then the others sorted. Only the principal one is
    /// part of the fingerprint: the others may be coincidences (a header partly equal to the
    /// attack).
    pub fn sources(&self) -> &[Site] {
        &self.sources
    }

    /// The source the flow is attributed to.
    pub fn principal_source(&self) -> Option<&Site> {
        self.sources.first()
    }

    /// Whether the flow is stored: every source of it is a value read from a database
    /// ([`crate::STORED_ORIGIN`]), which an earlier request (or anyone else who writes
    /// there) put in.
    pub fn stored(&self) -> bool {
        !self.sources.is_empty()
            && self
                .sources
                .iter()
                .all(|s| s.origin() == Some(crate::stored::ORIGIN))
    }

    /// What a weakness found without taint is about: the name of the cookie (`None` for the
    /// other classes, and for a weakness of the response as a whole).
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
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

    /// The input that confirmed the flow in a probe's payload run (`iast::probe`): the
    /// principal source's value with what changed the structure. The evidence stays that of
    /// the ordinary input.
    pub fn proof(&self) -> Option<&str> {
        self.proof.as_deref()
    }

    /// Whether protect mode blocked the flow (a confirmed flow of a class set to `block` in
    /// `iast.toml`, in a request a web layer served): the request was answered with 403, and
    /// a wrapper of iast-sinks that can refuse returned its error instead of making the call
    /// (a sink without one ran).
    pub fn blocked(&self) -> bool {
        self.blocked
    }

    pub(crate) fn set_blocked(&mut self) {
        self.blocked = true;
    }

    /// Confirms the flow by a payload run's input.
    pub(crate) fn confirm(&mut self, proof: &str) {
        self.confidence = Confidence::Confirmed;
        self.proof = Some(proof.to_owned());
    }

    /// How many sink calls produced this finding within its context (in a merged collection:
    /// how many processes saw it).
    pub fn hits(&self) -> u32 {
        self.hits
    }

    /// A stable id of the flow: the rule, where the application made the call (its file,
    /// and the route, or else the enclosing function), the sink function, and the principal
    /// source (its origin and name); for a weakness found without taint, its subject (the
    /// cookie) instead of a source. It leaves out line numbers, evidence, payloads and
    /// coincidental extra sources, so an edit or another attack keeps it and it can be
    /// baselined; two endpoints with the same bug get two.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Where the finding is shown: the application's file and line of the call, else (a
    /// response check, an `async fn` sink) the sink's.
    pub fn location(&self) -> (&str, u32) {
        match &self.call_site {
            Some(c) => (c.file(), c.line()),
            None => (self.sink.file(), self.sink.line()),
        }
    }

    /// Sets the hit count (a merge counts processes).
    pub(crate) fn set_hits(&mut self, hits: u32) {
        self.hits = hits;
    }

    /// Heap bytes held by the finding, approximately.
    pub(crate) fn heap_bytes(&self) -> usize {
        let site = |s: &Site| {
            size_of::<Site>() + s.file().len() + s.name().map_or(0, str::len) + s.function().len()
        };
        site(&self.sink)
            + self.sources.iter().map(site).sum::<usize>()
            + self.sanitizers.iter().map(site).sum::<usize>()
            + self
                .call_site
                .as_ref()
                .map_or(0, |c| c.file().len() + c.function().map_or(0, str::len))
            + self
                .route
                .as_ref()
                .map_or(0, |r| r.method().len() + r.pattern().len())
            + self.evidence.value.capacity()
            + self.evidence.tainted.capacity() * size_of::<crate::evidence::Tainted>()
            + self.fingerprint.capacity()
            + self.subject.as_ref().map_or(0, String::capacity)
    }

    /// Whether `self` tells more than `other`, a repeat of the same flow: the higher
    /// confidence, then the shorter evidence, then a total order over everything a repeat
    /// replaces, so that the order in which threads or processes arrive never shows.
    pub fn more_telling(&self, other: &Finding) -> bool {
        other
            .confidence
            .cmp(&self.confidence)
            .then(self.evidence.value.len().cmp(&other.evidence.value.len()))
            .then_with(|| self.evidence.cmp(&other.evidence))
            .then_with(|| self.sources.cmp(&other.sources))
            .then_with(|| self.call_site.cmp(&other.call_site))
            .is_lt()
    }

    /// Counts one more sink call that showed this flow.
    pub(crate) fn add_hit(&mut self) {
        self.hits = self.hits.saturating_add(1);
    }

    /// Folds a repeat of the same flow into this finding, keeping the most telling evidence
    /// and the sanitizers either passed.
    pub(crate) fn merge(&mut self, other: Finding) {
        self.hits = self.hits.saturating_add(1);
        self.blocked |= other.blocked;
        // The least of the proofs, so that the order repeats arrive in (threads, files,
        // shards) never shows.
        if other.proof.is_some() && (self.proof.is_none() || other.proof < self.proof) {
            self.proof.clone_from(&other.proof);
        }
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
            self.call_site = other.call_site;
        }
    }

    pub(crate) fn sort_key(&self) -> impl Ord + '_ {
        (
            self.vulnerability,
            self.location(),
            &self.route,
            &self.sink,
            &self.sources,
            &self.subject,
            std::cmp::Reverse(self.confidence),
            &self.fingerprint,
        )
    }

    /// FNV-1a, 64 bits: stable across platforms and releases, unlike `std`'s hashers.
    fn compute_fingerprint(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        // Each part is its bytes and a 0xff, which no UTF-8 text holds.
        let mut eat = |parts: &[&str]| {
            for b in parts.iter().flat_map(|p| p.bytes()).chain([0xff]) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        };
        eat(&[self.vulnerability.rule_id()]);
        // The application's file, and its route or enclosing function: not the line, so
        // that edits keep the fingerprint. Without a call site (a response check, an async
        // sink), the sink's own file.
        eat(&[self.location().0]);
        match (&self.route, &self.call_site) {
            (Some(route), _) => eat(&[route.method(), " ", route.pattern()]),
            (None, Some(call)) => eat(&[call.function().unwrap_or("")]),
            (None, None) => eat(&[""]),
        }
        eat(&[self.sink.function()]);
        // The principal source only: a second, coincidental source must not make the same
        // flow another finding.
        if let Some(source) = self.sources.first() {
            eat(&[source.origin_or_function()]);
            eat(&[source.name().unwrap_or(source.function())]);
        }
        if let Some(subject) = &self.subject {
            eat(&[subject]);
        }
        format!("{hash:016x}")
    }

    /// The compiler-style text of the finding, saying what its hit count counts.
    pub fn render(&self, hits: Hits) -> Rendered<'_> {
        Rendered {
            finding: self,
            hits,
        }
    }
}

/// [`Finding::render`].
pub struct Rendered<'a> {
    finding: &'a Finding,
    hits: Hits,
}

/// What happened inside one context: its findings and the sinks it reached.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    findings: Vec<Finding>,
    sinks_reached: Vec<Site>,
    #[serde(skip_serializing_if = "Limits::is_clear")]
    limits: Limits,
    /// Set for the report of `iast::probe`: its runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    probe: Option<ProbeSummary>,
}

/// The runs of an `iast::probe`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProbeSummary {
    /// Runs of the closure, the ordinary one included.
    pub runs: u32,
    /// Whether payload runs were left out at `iast::MAX_PROBE_RUNS`.
    pub cut: bool,
    /// Probe runs that panicked (a payload the program's own parsing refused with `unwrap`):
    /// they found nothing.
    pub panicked: u32,
    /// Sources whose return type the probe cannot vary: their flows are found as in an
    /// ordinary run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unvaried: Vec<Site>,
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
    /// Checks that spent their work budget (`limits.check_budget` in `iast.toml`) and stopped
    /// with what they had found, per sink (its function's path). Only an argument built to be
    /// costly, or a very large one, gets here.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub budget_exceeded: BTreeMap<String, u64>,
}

impl Limits {
    /// Whether nothing was dropped or cut short.
    pub fn is_clear(&self) -> bool {
        *self == Limits::default()
    }
}

impl Report {
    pub(crate) fn new(
        findings: Vec<Finding>,
        reached: impl IntoIterator<Item = &'static Item>,
        limits: Limits,
    ) -> Report {
        let sinks_reached = reached.into_iter().map(Site::of).collect();
        Report::probed(findings, sinks_reached, limits, None)
    }

    /// A report of what one context, or the runs of a probe (`summary`), found: each flow
    /// once, sorted.
    pub(crate) fn probed(
        mut findings: Vec<Finding>,
        mut sinks_reached: Vec<Site>,
        limits: Limits,
        summary: Option<ProbeSummary>,
    ) -> Report {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        sinks_reached.sort();
        sinks_reached.dedup();
        Report {
            findings,
            sinks_reached,
            limits,
            probe: summary,
        }
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// For the report of `iast::probe`: its runs.
    pub fn probe(&self) -> Option<&ProbeSummary> {
        self.probe.as_ref()
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
        self.render(Hits::Calls).fmt(f)
    }
}

/// Terminal-safe text of a name from the program under test.
fn t(s: &str) -> String {
    escape_for_terminal(s).0
}

impl fmt::Display for Rendered<'_> {
    /// The application's call first (or the route of a response check), then the route,
    /// the sink function, the sources in words, the sanitizers passed and the evidence with
    /// its tainted bytes marked. Everything from the program is escaped for the terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.finding;
        let v = x.vulnerability;
        if v.needs_taint() {
            writeln!(
                f,
                "error[{}]: {}{} (CWE-{}) reaches `{}` ({})",
                v.rule_id(),
                if x.stored() { "stored " } else { "" },
                v.title(),
                v.cwe(),
                t(x.sink.function()),
                x.confidence
            )?;
        } else {
            write!(f, "error[{}]: {} (CWE-{})", v.rule_id(), v.title(), v.cwe())?;
            match &x.subject {
                Some(subject) => writeln!(f, ": `{}`", t(subject))?,
                None => writeln!(f)?,
            }
        }
        match (&x.call_site, &x.route) {
            (Some(call), _) => writeln!(f, "  --> {}", t(&call.to_string()))?,
            (None, Some(route)) => writeln!(f, "  --> {} (the response)", t(&route.to_string()))?,
            (None, None) => writeln!(f, "  --> {}:{}", t(x.sink.file()), x.sink.line())?,
        }
        if let (Some(route), Some(_)) = (&x.route, &x.call_site) {
            writeln!(f, "   = route: {}", t(&route.to_string()))?;
        }
        if x.call_site.is_some() || x.route.is_some() {
            writeln!(
                f,
                "   = {}: `{}` at {}:{}",
                if v.needs_taint() { "sink" } else { "check" },
                t(x.sink.function()),
                t(x.sink.file()),
                x.sink.line()
            )?;
        }
        for (i, s) in x.sources.iter().enumerate() {
            write!(f, "   = source #{i}: ")?;
            if s.name().is_some() {
                write!(f, "{} from ", t(&s.describe_here()))?;
            }
            write!(f, "`{}`", t(s.function()))?;
            if let Some(origin) = s.origin().filter(|o| *o != s.function()) {
                write!(f, " [{}]", t(origin))?;
            }
            writeln!(f, " at {}:{}", t(s.file()), s.line())?;
            if let Some(up) = s.upstream() {
                writeln!(f, "     {}", t(&up.describe()))?;
            }
        }
        for s in &x.sanitizers {
            writeln!(
                f,
                "   = passed `{}` at {}:{}, which does not protect against {}",
                t(s.function()),
                t(s.file()),
                s.line(),
                v.title()
            )?;
        }
        let e = &x.evidence;
        writeln!(f, "   = argument `{}`:", t(&e.argument))?;
        writeln!(f, "   |")?;
        let (text, marks) = terminal_lines(&e.value, e.ranges(), e.cut_before, e.cut_after);
        writeln!(f, "   | {text}")?;
        // A weakness found without taint has no bytes to mark.
        if !e.tainted.is_empty() {
            writeln!(f, "   | {marks}")?;
        }
        if let Some(proof) = &x.proof {
            write!(f, "   = confirmed by ")?;
            match x.sources.first().and_then(|s| s.name()) {
                Some(name) => writeln!(f, "`{} = {}`", t(name), t(proof))?,
                None => writeln!(f, "`{}`", t(proof))?,
            }
        }
        if x.blocked {
            writeln!(
                f,
                "   = blocked: protect mode refused the call and answered the request 403"
            )?;
        }
        match self.hits {
            Hits::Calls if x.hits > 1 => writeln!(f, "   = seen {} times", x.hits)?,
            Hits::Processes if x.hits > 1 => writeln!(f, "   = seen in {} test processes", x.hits)?,
            _ => {}
        }
        writeln!(f, "   = fingerprint: {}", x.fingerprint)
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
        if let Some(p) = &self.probe {
            write!(f, "iast: probed in {} runs", p.runs)?;
            if p.cut {
                write!(f, " (payload runs cut at {})", crate::probe::MAX_RUNS)?;
            }
            if p.panicked > 0 {
                write!(
                    f,
                    "; {} probe run(s) panicked and found nothing",
                    p.panicked
                )?;
            }
            writeln!(f)?;
            for s in &p.unvaried {
                writeln!(
                    f,
                    "iast: the values of `{}` were not varied (its return type is no string, \
                     container of strings or serde value): its flows are found as in an ordinary run",
                    t(s.function())
                )?;
            }
        }
        for (sink, n) in &l.budget_exceeded {
            let checks = if *n == 1 { "check" } else { "checks" };
            writeln!(
                f,
                "iast: budget exceeded at sink {}: {n} {checks} stopped early",
                escape_for_terminal(sink).0
            )?;
        }
        Ok(())
    }
}
