//! The process-wide log of the flows the web layers found, and their `tracing` events.

use crate::{shown, shown_evidence};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

/// Distinct flows kept in the process-wide log; new flows past it are counted in
/// [`dropped_findings`]. Repeats of a kept flow only update its entry.
pub const MAX_LOGGED: usize = 10_000;

/// One flow found while serving requests: its most telling finding and the request that
/// showed it, how often the flow was seen, and when first and last.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequestFinding {
    /// The method of the request that produced [`RequestFinding::finding`].
    pub method: String,
    /// The path and query of the request that produced [`RequestFinding::finding`], as
    /// received (attacker-controlled: escape it to show it).
    pub uri: String,
    /// The most telling finding of the flow (highest confidence, then shortest evidence).
    pub finding: iast::Finding,
    /// Requests that showed the flow.
    pub count: u64,
    /// When a request first showed the flow.
    pub first_seen: SystemTime,
    /// When a request last showed it.
    pub last_seen: SystemTime,
}

impl std::fmt::Display for RequestFinding {
    /// The request (escaped), how often the flow was seen, then the finding's text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} {} (seen {} time{})",
            self.method,
            shown(&self.uri),
            self.count,
            if self.count == 1 { "" } else { "s" }
        )?;
        write!(f, "{}", self.finding)
    }
}

struct Log {
    /// In first-seen order.
    findings: Vec<RequestFinding>,
    by_fingerprint: HashMap<String, usize>,
    /// The weaknesses of responses among `findings`, by class and route, then cookie: what a
    /// later request to the route counts without building its finding again.
    weaknesses: HashMap<(iast::Vulnerability, Option<iast::Route>), Subjects>,
    dropped: u64,
}

/// The subjects (cookies) of one weakness on one route, each with its entry's index.
type Subjects = Vec<(Option<String>, usize)>;

static LOG: Mutex<Option<Log>> = Mutex::new(None);

fn with_log<R>(f: impl FnOnce(&mut Log) -> R) -> R {
    let mut log = LOG.lock().unwrap_or_else(|e| e.into_inner());
    f(log.get_or_insert_with(|| Log {
        findings: Vec::new(),
        by_fingerprint: HashMap::new(),
        weaknesses: HashMap::new(),
        dropped: 0,
    }))
}

/// The request's trace, for the findings' OpenTelemetry export (feature `otel`); nothing
/// without it.
#[cfg(feature = "otel")]
pub(super) use crate::otel::Trace;

#[cfg(not(feature = "otel"))]
pub(super) struct Trace;

#[cfg(not(feature = "otel"))]
impl Trace {
    pub(super) fn current() -> Trace {
        Trace
    }
}

pub(super) fn publish(method: &str, uri: &str, report: &iast::Report, trace: &Trace) {
    let now = SystemTime::now();
    for finding in report.findings() {
        let new = with_log(|log| match log.by_fingerprint.get(finding.fingerprint()) {
            Some(&i) => {
                let entry = &mut log.findings[i];
                entry.count += 1;
                entry.last_seen = now;
                if finding.more_telling(&entry.finding) {
                    entry.finding = finding.clone();
                    entry.method = method.to_owned();
                    entry.uri = uri.to_owned();
                }
                false
            }
            None if log.findings.len() < MAX_LOGGED => {
                let v = finding.vulnerability();
                if !v.needs_taint() {
                    let key = (v, finding.route().cloned());
                    let subject = finding.subject().map(str::to_owned);
                    let at = log.findings.len();
                    log.weaknesses.entry(key).or_default().push((subject, at));
                }
                log.by_fingerprint
                    .insert(finding.fingerprint().to_owned(), log.findings.len());
                log.findings.push(RequestFinding {
                    method: method.to_owned(),
                    uri: uri.to_owned(),
                    finding: finding.clone(),
                    count: 1,
                    first_seen: now,
                    last_seen: now,
                });
                true
            }
            None => {
                log.dropped += 1;
                false
            }
        });
        // A tainted flow is an event per request, each with that request's evidence (a flow
        // the full log could not keep included); a weakness of the response (a cookie
        // without `Secure`) is the same on every request to the route, and is said once.
        if new || finding.vulnerability().needs_taint() {
            emit(method, uri, finding, trace);
        }
    }
}

/// Says once per process, as a `tracing` event (target `iast`), which settings the layers run
/// with: where `iast.toml` was read from (or that none was found, or that it had an error and
/// the defaults apply), and the settings a service relies on, protect mode and stored flows,
/// so that neither is off without a word.
pub(super) fn announce_settings() {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !crate::first_time(&SAID) {
        return;
    }
    let protect: Vec<&str> = iast::protected().iter().map(|c| c.word()).collect();
    let protect = match protect.is_empty() {
        true => "protect mode off".to_owned(),
        false => format!("protect mode blocks {}", protect.join(", ")),
    };
    let stored = match iast::stored_sources() {
        true => "stored flows on",
        false => "stored flows off",
    };
    let fleet = match (iast::fleet::sends(), iast::fleet::trusts()) {
        (false, false) => "fleet off".to_owned(),
        (send, trust) => format!(
            "fleet {}{}{}",
            if send { "sends as " } else { "" },
            if send {
                shown(&format!("`{}`", iast::fleet::service()))
            } else {
                String::new()
            },
            match (send, trust) {
                (true, true) => " and trusts iast.taint",
                (false, _) => "trusts iast.taint",
                (true, false) => "",
            }
        ),
    };
    let stored = format!("{stored}, {fleet}");
    let config = iast::config::active();
    match (iast::config::active_error(), &config.path) {
        (Some(error), _) => tracing::warn!(
            target: "iast",
            "iast: {} so the default settings apply: {protect}, {stored}",
            shown(error)
        ),
        (None, Some(path)) => tracing::info!(
            target: "iast",
            "iast: settings from {}: {protect}, {stored}",
            shown(&path.display().to_string())
        ),
        (None, None) => tracing::info!(
            target: "iast",
            "iast: no iast.toml found (nor IAST_CONFIG): {protect}, {stored}"
        ),
    }
}

/// Says once per process that a request's `iast.taint` entry was ignored, and why: a service
/// whose upstream labels never appear must be able to find out.
pub(super) fn ignored_baggage(why: &str) {
    static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if crate::first_time(&SAID) {
        tracing::warn!(
            target: "iast",
            "iast: an `iast.taint` baggage entry was ignored ({why}); later ones are ignored without a word"
        );
    }
}

/// Distinct subjects (cookies) of one weakness on one route kept in the log; more are not
/// reported, so that a route whose cookie names vary without end cannot fill the log that
/// tainted flows need.
const MAX_SUBJECTS: usize = 32;

/// Whether the log holds the weakness `class` about `subject` on the current request's
/// route (if so, the request is counted in its entry), or holds [`MAX_SUBJECTS`] others of
/// it there.
pub(super) fn seen_again(class: iast::Vulnerability, subject: Option<&str>) -> bool {
    let route = iast::Context::current().and_then(|cx| cx.route());
    let now = SystemTime::now();
    with_log(|log| {
        let Some(subjects) = log.weaknesses.get(&(class, route)) else {
            return false;
        };
        let Some(&(_, at)) = subjects.iter().find(|(s, _)| s.as_deref() == subject) else {
            // A route that sets cookies of ever new names has had its share of the log.
            return subjects.len() >= MAX_SUBJECTS;
        };
        let entry = &mut log.findings[at];
        entry.count += 1;
        entry.last_seen = now;
        true
    })
}

/// One `tracing` event per finding, target `iast`, level `WARN`, and with feature `otel` its
/// OpenTelemetry span event or log record. Every value from the request is escaped
/// ([`shown`]), and the evidence is redacted as in reports.
fn emit(method: &str, uri: &str, finding: &iast::Finding, trace: &Trace) {
    // The application's line; for a check of the response, the route.
    let location = match (finding.call_site(), finding.route()) {
        (Some(call), _) => format!("{}:{}", call.file(), call.line()),
        (None, Some(route)) => route.to_string(),
        (None, None) => format!("{}:{}", finding.sink().file(), finding.sink().line()),
    };
    let function = finding
        .call_site()
        .and_then(|c| c.function())
        .unwrap_or_default();
    let route = finding.route().map(|r| r.to_string()).unwrap_or_default();
    let sources: Vec<String> = finding.sources().iter().map(|s| s.describe()).collect();
    let evidence = finding.evidence();
    let tainted: Vec<&str> = evidence.tainted_text().collect();
    let sources = shown(&sources.join(", "));
    let location = shown(&location);
    // A weakness of the response has no source: what it is about (a cookie) instead.
    let subject = shown(finding.subject().unwrap_or_default());
    let from = match (finding.vulnerability().needs_taint(), finding.subject()) {
        (true, _) => format!(" from {sources}"),
        (false, Some(_)) => format!(": `{subject}`"),
        (false, None) => String::new(),
    };
    let message = format!(
        "{} ({}) at {location}{from}",
        finding.vulnerability().rule_id(),
        finding.confidence(),
    );
    tracing::warn!(
        target: "iast",
        rule = finding.vulnerability().rule_id(),
        confidence = %finding.confidence(),
        location = %location,
        function = %shown(function),
        route = %shown(&route),
        sink = finding.sink().function(),
        sources = %sources,
        subject = %subject,
        stored = finding.stored(),
        blocked = finding.blocked(),
        fingerprint = finding.fingerprint(),
        argument = %shown(&evidence.argument),
        evidence = %shown_evidence(&evidence.value),
        tainted = %shown_evidence(&tainted.join(" | ")),
        method,
        uri = %shown(uri),
        "{message}",
    );
    #[cfg(feature = "otel")]
    crate::otel::export(finding, method, uri, message, trace);
    #[cfg(not(feature = "otel"))]
    let _ = (message, trace);
}

/// Says (a `tracing` warning, target `iast`) that sinks ran outside any request's context
/// while requests were in flight: work the handlers started with `tokio::spawn`,
/// `spawn_blocking` or `std::thread::spawn`, where taint is not followed. Said when the count
/// first passes each power of two, so that a steady trickle is not a warning per request; one
/// relaxed load per request otherwise.
pub(super) fn warn_of_sinks_outside_context() {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static WARNED_AT: AtomicU64 = AtomicU64::new(0);
    let count = iast::sinks_outside_context();
    let warned = WARNED_AT.load(Relaxed);
    if count == 0 || count < warned.saturating_mul(2).max(1) {
        return;
    }
    if WARNED_AT
        .compare_exchange(warned, count, Relaxed, Relaxed)
        .is_ok()
    {
        tracing::warn!(
            target: "iast",
            sinks_outside_context = count,
            "iast: {count} sink call(s) ran outside any request's context while requests were \
             in flight, where taint is not followed: start the handlers' tasks and threads with \
             iast::spawn, iast::spawn_blocking or iast::thread::spawn"
        );
    }
}

/// Every flow found by the layer in this process so far, one entry each, in the order they
/// were first seen.
pub fn findings() -> Vec<RequestFinding> {
    with_log(|log| log.findings.clone())
}

/// Takes the flows found so far, leaving the log empty.
pub fn take_findings() -> Vec<RequestFinding> {
    with_log(|log| {
        log.by_fingerprint.clear();
        log.weaknesses.clear();
        std::mem::take(&mut log.findings)
    })
}

/// New flows not kept because the log held [`MAX_LOGGED`] distinct flows.
pub fn dropped_findings() -> u64 {
    with_log(|log| log.dropped)
}
