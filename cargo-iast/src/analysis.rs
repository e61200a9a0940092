//! A merged collection judged against the configuration: which findings fail the run,
//! which the baseline accepts, which are below the threshold; and the coverage figures.
//! Every renderer draws from this one value, so the formats cannot disagree.

use crate::model::{Entry, Finding, FlowKey, Site};
use iast_core::collect::{Collection, Problem, Shard};
use iast_core::config::Config;
use iast_core::{Confidence, Vulnerability, escape_for_terminal};
use serde::Serialize;

/// What a sink outside any context means, and its fix: one wording for every format.
pub const OUTSIDE_CONTEXT: &str = "ran outside any context while a context was alive: most \
     likely on a thread or task started without it (std::thread::spawn, tokio::spawn, \
     spawn_blocking), where taint is not followed; start it with iast::thread::spawn, \
     iast::spawn or iast::spawn_blocking";

/// What becomes of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Counts against the run.
    Failing,
    /// Listed in the baseline, with its reason.
    Suppressed {
        /// The baseline entry's reason.
        reason: String,
    },
    /// Below `report.fail_on`.
    BelowThreshold,
}

/// A finding with its status.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    /// The finding, as the processes reported it (repeats merged).
    #[serde(flatten)]
    pub finding: Finding,
    /// Whether it fails the run.
    #[serde(flatten)]
    pub status: Status,
}

/// How many findings of one class and confidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// The class.
    pub vulnerability: Vulnerability,
    /// The confidence.
    pub confidence: Confidence,
    /// Findings of both.
    pub findings: usize,
    /// Of those, the ones that fail the run.
    pub failing: usize,
    /// Of those, the ones the baseline accepts.
    pub suppressed: usize,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Every finding, in report order.
    pub findings: Vec<Judged>,
    /// Per class and confidence, in report order (most confident first within a class).
    pub counts: Vec<Count>,
    /// Registered sinks.
    pub sinks_registered: Vec<Site>,
    /// Registered sinks that ran in a context.
    pub sinks_reached: Vec<Site>,
    /// Sinks that ran outside any context while a context was alive in their process: taint
    /// was most likely lost to a thread or task started without the context.
    pub sinks_outside_context: Vec<Site>,
    /// Monitored flows (source origin × sink class).
    pub flows_monitored: Vec<FlowKey>,
    /// Monitored flows that ran.
    pub flows_exercised: Vec<FlowKey>,
    /// The registry of every process, merged.
    pub registry: Vec<Entry>,
    /// Test binaries that wrote a collection file, with their process counts.
    pub binaries: Vec<(String, usize)>,
    /// Baseline entries that matched no finding: fixed flows, or stale entries.
    pub unused_suppressions: Vec<String>,
    /// The parts of the run merged here, as each described itself (several when the run
    /// was split over machines); empty for a collection written without cargo iast.
    pub shards: Vec<ShardInfo>,
    /// Why the shards are not one whole run: a partition missing or given twice, partitions
    /// of different splits, a whole run beside partitions of one. Such a merge gets no
    /// verdict.
    pub shard_problems: Vec<String>,
    /// Collection lines that could not be read.
    #[serde(skip)]
    pub problems: Vec<Problem>,
}

/// One part of the run: its runner and partition (its arguments, which may hold a machine's
/// paths, stay in the collection).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShardInfo {
    /// `cargo test` or `cargo nextest run`.
    pub runner: String,
    /// nextest's partition, when the part was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// The runner's exit status, when it finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
}

/// Why `shards` are not one whole run, if they are not: with partitions, every one of a
/// single split (`slice:k/n` for each k from 1 to n, once each) and nothing else.
fn shard_problems(shards: &[Shard]) -> Vec<String> {
    let parts: Vec<Option<(&str, u32, u32)>> = shards
        .iter()
        .map(|s| {
            let (kind, rest) = s.partition.as_deref()?.split_once(':')?;
            let (k, n) = rest.split_once('/')?;
            Some((kind, k.parse().ok()?, n.parse().ok()?))
        })
        .collect();
    let mut problems = Vec::new();
    // Runs split otherwise (a package or a test binary each) cannot be checked for gaps,
    // only for the same run given twice.
    for (i, s) in shards.iter().enumerate() {
        if shards[..i].contains(s) {
            let args = escape_for_terminal(&s.args.join(" ")).0;
            problems.push(format!("the run `{} {args}` is given twice", s.runner));
        }
    }
    if parts.iter().all(Option::is_none) {
        return problems;
    }
    let split = |s: &Shard| escape_for_terminal(s.partition.as_deref().unwrap_or("none")).0;
    if parts.iter().any(Option::is_none) {
        problems.push("a run without a partition is merged with partitions of one".to_owned());
    }
    let given: Vec<(&str, u32, u32)> = parts.iter().flatten().copied().collect();
    let (kind, _, n) = given[0];
    if given.iter().any(|&(k, _, m)| k != kind || m != n) {
        let all: Vec<String> = shards.iter().map(split).collect();
        problems.push(format!(
            "partitions of different splits: {}",
            all.join(", ")
        ));
        return problems;
    }
    for k in 1..=n.min(1024) {
        match given.iter().filter(|&&(_, i, _)| i == k).count() {
            0 => problems.push(format!("partition {kind}:{k}/{n} is missing")),
            1 => {}
            c => problems.push(format!("partition {kind}:{k}/{n} is given {c} times")),
        }
    }
    if given.iter().any(|&(_, k, _)| k == 0 || k > n) {
        problems.push(format!(
            "a partition is outside {kind}:1/{n} to {kind}:{n}/{n}"
        ));
    }
    problems
}

impl Analysis {
    /// Judges the findings of `collection` by `config`'s `report.fail_on` and baseline.
    pub fn new(collection: Collection, config: &Config) -> Analysis {
        let threshold = config.fail_on.threshold();
        let flows_monitored = collection.monitored_flows();
        let sinks_registered: Vec<Site> = collection.sinks().map(|e| e.site.clone()).collect();
        let mut sinks_registered = sinks_registered;
        sinks_registered.dedup();
        let findings: Vec<Judged> = collection
            .findings
            .into_iter()
            // A class the configuration turns off is off for processes that did not read it.
            .filter(|f| !config.disabled.contains(f.vulnerability()))
            .map(|finding| {
                let status = match config.suppression(finding.fingerprint()) {
                    Some(s) => Status::Suppressed {
                        reason: s.reason.clone(),
                    },
                    None if threshold.is_some_and(|t| finding.confidence() >= t) => Status::Failing,
                    None => Status::BelowThreshold,
                };
                Judged { finding, status }
            })
            .collect();
        let mut counts = Vec::new();
        for v in Vulnerability::ALL {
            for c in [Confidence::Confirmed, Confidence::Unsanitized] {
                let of: Vec<&Judged> = findings
                    .iter()
                    .filter(|j| j.finding.vulnerability() == v && j.finding.confidence() == c)
                    .collect();
                if of.is_empty() {
                    continue;
                }
                counts.push(Count {
                    vulnerability: v,
                    confidence: c,
                    findings: of.len(),
                    failing: of.iter().filter(|j| j.status == Status::Failing).count(),
                    suppressed: of
                        .iter()
                        .filter(|j| matches!(j.status, Status::Suppressed { .. }))
                        .count(),
                });
            }
        }
        let shard_problems = shard_problems(&collection.shards);
        let shards: Vec<ShardInfo> = collection
            .shards
            .into_iter()
            .map(|s| ShardInfo {
                runner: s.runner,
                partition: s.partition,
                status: s.status,
            })
            .collect();
        let unused_suppressions = config
            .baseline
            .iter()
            .filter(|s| {
                !findings
                    .iter()
                    .any(|j| j.finding.fingerprint() == s.fingerprint)
            })
            .map(|s| s.fingerprint.clone())
            .collect();
        Analysis {
            findings,
            counts,
            sinks_registered,
            sinks_reached: collection.reached,
            sinks_outside_context: collection.outside,
            flows_monitored,
            flows_exercised: collection.exercised,
            registry: collection.registry,
            binaries: collection.binaries.into_iter().collect(),
            unused_suppressions,
            shard_problems,
            shards,
            problems: collection.problems,
        }
    }

    /// Findings that fail the run.
    pub fn failing(&self) -> impl Iterator<Item = &Judged> {
        self.findings.iter().filter(|j| j.status == Status::Failing)
    }

    /// Findings the baseline accepts.
    pub fn suppressed(&self) -> impl Iterator<Item = &Judged> {
        self.findings
            .iter()
            .filter(|j| matches!(j.status, Status::Suppressed { .. }))
    }

    /// Registered sinks that never ran.
    pub fn sinks_not_reached(&self) -> impl Iterator<Item = &Site> {
        self.sinks_registered
            .iter()
            .filter(|s| !self.sinks_reached.contains(s))
    }

    /// Monitored flows that never ran.
    pub fn flows_not_exercised(&self) -> impl Iterator<Item = &FlowKey> {
        self.flows_monitored
            .iter()
            .filter(|f| !self.flows_exercised.contains(f))
    }
}
