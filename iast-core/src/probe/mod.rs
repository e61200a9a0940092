//! Probing: running a test's code again with its sources' values made unique, so that a flow
//! of an ordinary input is found at any length, and with payloads, so that it is confirmed.
//!
//! A value matched in a sink argument by its text alone may be the program's own constant:
//! `alice` formatted into a SQL literal and the word `alice` the program writes look the same.
//! Outside a test nothing can tell them apart, and short values count only when they change
//! the structure (see `confidence`). A test can run its code again: [`probe`] runs the closure
//! as given, then
//!
//! 1. a **canary run**, in which every string leaf a source returns keeps its text and gains
//!    a unique suffix of its own character class (`canary`). A suffix found in a sink argument
//!    names its leaf: the flow is certain whatever the leaf's length, and it is reported as the
//!    flow of the original value (the suffix taken out of its evidence), with the confidence
//!    the original text gives. A constant the program chose by matching the input no longer
//!    matches a canary, so the allow-list, parse-to-integer, hash and length traps stay clean;
//! 2. **payload runs**, only for the leaves that reached a sink in the canary run: the leaf
//!    returns its text with what changes the structure of the sink's class (`payloads`); a
//!    payload the analyzer confirms makes the finding confirmed, with the payload as its proof.
//!
//! Runs are bounded ([`MAX_RUNS`]); a probe run that panics (a payload fails the program's own
//! parsing with `unwrap`) counts as a run that found nothing. Everything is deterministic: the
//! same closure gives the same runs and the same report.

mod canary;
mod payloads;
pub mod vary;

pub(crate) use canary::suffixes;
pub(crate) use payloads::Spot;

use crate::context::Context;
use crate::registry::Item;
use crate::report::{Finding, ProbeSummary, Report, Site};
use crate::vulnerability::{Confidence, Vulnerability};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs of the closure per probe, the ordinary run included: the ordinary run, the canary run,
/// and up to 14 payload runs, one per leaf and class that reached a sink (in the order they
/// reached it). A test whose sources reach more than that is told so in the report.
pub const MAX_RUNS: u32 = 16;

/// What a probe run does to the leaves of the sources' values.
#[derive(Debug)]
pub(crate) enum Mode {
    /// Every leaf gets its canary.
    Canary,
    /// The leaf `text` of the source `item` becomes `payload`; the others keep their text.
    Payload {
        item: usize,
        text: String,
        payload: String,
    },
}

/// A leaf made unique in a canary run.
#[derive(Debug)]
struct Leaf {
    item: &'static Item,
    text: String,
}

/// A leaf's canary found in a finding of a canary run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reach {
    pub leaf: usize,
    pub class: Vulnerability,
    pub spot: Spot,
    pub fingerprint: String,
}

/// The probe state of one run's context.
#[derive(Debug)]
pub(crate) struct ProbeRun {
    mode: Mode,
    leaves: Vec<Leaf>,
    /// Leaves by source (its address) and text: a leaf keeps its canary however often its
    /// source returns it.
    by_text: HashMap<(usize, String), usize>,
    reached: Vec<Reach>,
    /// Sources that returned a value of a type the probe cannot vary.
    unvaried: Vec<&'static Item>,
}

/// Probe runs alive in the process: while there is none, a source asks nothing more of its
/// context than whether it is current (see [`any_alive`]).
static ALIVE: AtomicUsize = AtomicUsize::new(0);

/// Whether any probe run is alive, so that a source's value may have to be varied.
#[inline]
pub(crate) fn any_alive() -> bool {
    ALIVE.load(Ordering::Relaxed) > 0
}

impl Drop for ProbeRun {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ProbeRun {
    pub(crate) fn new(mode: Mode) -> ProbeRun {
        ALIVE.fetch_add(1, Ordering::Relaxed);
        ProbeRun {
            mode,
            leaves: Vec::new(),
            by_text: HashMap::new(),
            reached: Vec::new(),
            unvaried: Vec::new(),
        }
    }

    /// What the leaf `text` of `item` returns in this run.
    pub(crate) fn choose(&mut self, item: &'static Item, text: &str) -> Option<String> {
        let at = item as *const Item as usize;
        match &self.mode {
            Mode::Canary => {
                let n = match self.by_text.get(&(at, text.to_owned())) {
                    Some(&n) => n,
                    None if self.leaves.len() < canary::MAX_CANARIES => {
                        self.leaves.push(Leaf {
                            item,
                            text: text.to_owned(),
                        });
                        self.by_text
                            .insert((at, text.to_owned()), self.leaves.len() - 1);
                        self.leaves.len() - 1
                    }
                    None => return None,
                };
                Some(canary::canary(text, n))
            }
            Mode::Payload {
                item: target,
                text: target_text,
                payload,
            } => (at == *target && text == target_text).then(|| payload.clone()),
        }
    }

    pub(crate) fn unvaried(&mut self, item: &'static Item) {
        if !self.unvaried.iter().any(|i| std::ptr::eq(*i, item)) {
            self.unvaried.push(item);
        }
    }

    /// Whether this is a canary run.
    pub(crate) fn canaries(&self) -> bool {
        matches!(self.mode, Mode::Canary)
    }

    /// How many leaves this run made unique so far.
    pub(crate) fn leaves(&self) -> usize {
        self.leaves.len()
    }

    pub(crate) fn reached(&mut self, reach: Reach) {
        if !self.reached.contains(&reach) {
            self.reached.push(reach);
        }
    }
}

/// The runs of one probe and what they found, run after run.
struct Plan {
    /// By fingerprint, so that a later run's finding of a flow meets the first one's.
    findings: BTreeMap<String, Finding>,
    sinks_reached: Vec<Site>,
    limits: crate::report::Limits,
    summary: ProbeSummary,
    /// Payload runs to make: the leaf, its text, the payload, and the finding it would confirm.
    payloads: Vec<(usize, String, String, String)>,
    leaves: Vec<Leaf>,
    next: usize,
}

impl Plan {
    fn new(original: Report) -> Plan {
        let mut plan = Plan {
            findings: BTreeMap::new(),
            sinks_reached: Vec::new(),
            limits: original.limits().clone(),
            summary: ProbeSummary::default(),
            payloads: Vec::new(),
            leaves: Vec::new(),
            next: 0,
        };
        plan.summary.runs = 1;
        plan.absorb(original);
        plan
    }

    fn absorb(&mut self, report: Report) {
        for s in report.sinks_reached() {
            if !self.sinks_reached.contains(s) {
                self.sinks_reached.push(s.clone());
            }
        }
        for finding in report.into_findings() {
            self.findings
                .entry(finding.fingerprint().to_owned())
                .or_insert(finding);
        }
    }

    /// Takes in the canary run, and plans the payload runs its reaches call for.
    fn canary_done(&mut self, report: Option<Report>, mut run: ProbeRun) {
        self.summary.runs += 1;
        let Some(report) = report else {
            self.summary.panicked += 1;
            return;
        };
        self.absorb(report);
        for item in &run.unvaried {
            let site = Site::of(item);
            if !self.summary.unvaried.contains(&site) {
                self.summary.unvaried.push(site);
            }
        }
        self.summary.unvaried.sort();
        let mut reached = std::mem::take(&mut run.reached);
        reached.sort_by(|a, b| {
            (a.leaf, a.class, a.spot, &a.fingerprint).cmp(&(
                b.leaf,
                b.class,
                b.spot,
                &b.fingerprint,
            ))
        });
        for r in &reached {
            let Some(leaf) = run.leaves.get(r.leaf) else {
                continue;
            };
            for payload in payloads::payloads(r.class, &leaf.text, r.spot) {
                let key = (r.leaf, leaf.text.clone(), payload, r.fingerprint.clone());
                if !self.payloads.contains(&key) {
                    self.payloads.push(key);
                }
            }
        }
        self.leaves = std::mem::take(&mut run.leaves);
    }

    /// The next payload run, if any is still worth making and the bound allows it.
    fn next_payload(&mut self) -> Option<Mode> {
        while let Some((leaf, text, payload, fingerprint)) = self.payloads.get(self.next) {
            self.next += 1;
            let confirmed = self
                .findings
                .get(fingerprint)
                .is_some_and(|f| f.confidence() == Confidence::Confirmed);
            if confirmed {
                continue;
            }
            if self.summary.runs >= MAX_RUNS {
                self.summary.cut = true;
                return None;
            }
            let item = self.leaves.get(*leaf)?.item;
            return Some(Mode::Payload {
                item: item as *const Item as usize,
                text: text.clone(),
                payload: payload.clone(),
            });
        }
        None
    }

    /// Takes in a payload run: a finding of the planned flow it confirmed confirms the flow.
    fn payload_done(&mut self, payload: &str, report: Option<Report>) {
        self.summary.runs += 1;
        let Some(report) = report else {
            self.summary.panicked += 1;
            return;
        };
        let planned = &self.payloads[self.next - 1].3;
        for found in report.findings() {
            if found.fingerprint() != planned || found.confidence() != Confidence::Confirmed {
                continue;
            }
            if let Some(finding) = self.findings.get_mut(planned) {
                finding.confirm(payload);
            }
        }
    }

    fn report(self) -> Report {
        Report::probed(
            self.findings.into_values().collect(),
            self.sinks_reached,
            self.limits,
            Some(self.summary),
        )
    }
}

/// The payload of a payload run's mode.
fn payload_of(mode: &Mode) -> String {
    match mode {
        Mode::Payload { payload, .. } => payload.clone(),
        Mode::Canary => String::new(),
    }
}

/// One probe run of `f` in a fresh context: its report (`None` when it panicked) and what the
/// context's probe state gathered.
fn run_once<R>(f: &impl Fn() -> R, mode: Mode) -> (Option<Report>, ProbeRun) {
    let context = Context::new().probing(ProbeRun::new(mode));
    let done = catch_unwind(AssertUnwindSafe(|| context.enter(f))).is_ok();
    finish(context, done)
}

async fn run_once_async<F: Future>(f: &impl Fn() -> F, mode: Mode) -> (Option<Report>, ProbeRun) {
    let context = Context::new().probing(ProbeRun::new(mode));
    let done = CatchUnwind(std::pin::pin!(context.bind(f())))
        .await
        .is_some();
    finish(context, done)
}

fn finish(context: Context, done: bool) -> (Option<Report>, ProbeRun) {
    let report = context.report();
    let run = context
        .take_probe()
        .unwrap_or_else(|| ProbeRun::new(Mode::Canary));
    (done.then_some(report), run)
}

/// Polls a pinned future with its panics caught: `None` when it panicked.
struct CatchUnwind<'a, F>(std::pin::Pin<&'a mut F>);

impl<F: Future> Future for CatchUnwind<'_, F> {
    type Output = Option<F::Output>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = &mut self.get_mut().0;
        match catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Some(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(None),
        }
    }
}

/// Runs `f` as given, then again with its sources' values made unique and with payloads,
/// and returns what all the runs found, each flow once (see the module's documentation).
/// `f` must give the same runs for the same inputs: its sources are told apart by their
/// function and text, not by when they run.
pub fn probe<R>(f: impl Fn() -> R) -> Report {
    probe_with_output(f).1
}

/// [`probe`], returning also what the ordinary run returned. A panic of the ordinary run
/// reaches the caller as it would without the probe.
pub fn probe_with_output<R>(f: impl Fn() -> R) -> (R, Report) {
    let context = Context::new();
    let out = context.enter(&f);
    let mut plan = Plan::new(context.report());
    drop(context);
    let (report, run) = run_once(&f, Mode::Canary);
    plan.canary_done(report, run);
    while let Some(mode) = plan.next_payload() {
        let payload = payload_of(&mode);
        let (report, _) = run_once(&f, mode);
        plan.payload_done(&payload, report);
    }
    (out, plan.report())
}

/// [`probe`] for async code: `f` makes the future of one run.
pub async fn probe_async<F: Future>(f: impl Fn() -> F) -> Report {
    probe_async_with_output(f).await.1
}

/// [`probe_async`], returning also what the ordinary run's future gave.
pub async fn probe_async_with_output<F: Future>(f: impl Fn() -> F) -> (F::Output, Report) {
    let context = Context::new();
    let out = context.bind(f()).await;
    let mut plan = Plan::new(context.report());
    drop(context);
    let (report, run) = run_once_async(&f, Mode::Canary).await;
    plan.canary_done(report, run);
    while let Some(mode) = plan.next_payload() {
        let payload = payload_of(&mode);
        let (report, _) = run_once_async(&f, mode).await;
        plan.payload_done(&payload, report);
    }
    (out, plan.report())
}
