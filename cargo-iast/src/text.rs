//! The terminal report: the summary `cargo iast test` prints, then every finding that fails
//! the run in the compiler-style form of `iast::Report`, then one line per accepted or
//! below-threshold finding. Names and evidence come from the program under test and are
//! escaped for the terminal, so no value can move the cursor or recolour the screen.

use crate::analysis::{Analysis, Judged, Status};
use crate::model::{Finding, Hits, Site};
use iast_core::escape_for_terminal;
use std::fmt::Write;

/// Terminal-safe text.
fn t(s: &str) -> String {
    escape_for_terminal(s).0
}

fn site(s: &Site) -> String {
    format!("`{}` at {}:{}", t(s.function()), t(s.file()), s.line())
}

/// The whole report.
pub fn render(a: &Analysis) -> String {
    let mut out = String::new();
    let failing: Vec<&Judged> = a.failing().collect();
    for j in &failing {
        finding(&mut out, &j.finding);
        out.push('\n');
    }
    let quiet: Vec<&Judged> = a
        .findings
        .iter()
        .filter(|j| j.status != Status::Failing)
        .collect();
    if !quiet.is_empty() {
        out.push_str("not failing the run:\n");
        for j in quiet {
            let f = &j.finding;
            let why = match &j.status {
                Status::Suppressed { reason } => format!("suppressed: {}", t(reason)),
                _ => "below report.fail_on".to_owned(),
            };
            let _ = writeln!(
                out,
                "  {} {} ({}) reaches `{}` at {}:{} [{}]; {why}",
                t(f.rule()),
                t(f.fingerprint()),
                f.confidence(),
                t(f.sink().function()),
                t(f.location().0),
                f.location().1,
                sources(f)
            );
        }
        out.push('\n');
    }
    out.push_str(&summary(a));
    out
}

fn sources(f: &Finding) -> String {
    f.sources()
        .iter()
        .map(|s| match s.name() {
            Some(_) => t(&s.describe()),
            None => t(s.origin_or_function()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One finding, as `iast::Finding` displays it, its hits counting processes.
pub fn finding(out: &mut String, f: &Finding) {
    let _ = write!(out, "{}", f.render(Hits::Processes));
}

/// The closing summary: totals, per class and confidence, coverage.
pub fn summary(a: &Analysis) -> String {
    let mut out = String::new();
    let n = a.findings.len();
    let failing = a.failing().count();
    let suppressed = a.suppressed().count();
    let processes: usize = a.binaries.iter().map(|(_, n)| n).sum();
    let _ = writeln!(
        out,
        "iast: {n} finding{} from {processes} test process{} ({} binar{}): {failing} failing, {suppressed} suppressed, {} below the threshold",
        plural(n),
        if processes == 1 { "" } else { "es" },
        a.binaries.len(),
        if a.binaries.len() == 1 { "y" } else { "ies" },
        n - failing - suppressed
    );
    if a.shards.len() > 1 {
        let parts: Vec<String> = a
            .shards
            .iter()
            .map(|s| match &s.partition {
                Some(p) => format!("{} {}", t(&s.runner), t(p)),
                None => t(&s.runner),
            })
            .collect();
        let _ = writeln!(
            out,
            "  merged from {} shards: {}",
            a.shards.len(),
            parts.join(", ")
        );
    }
    for p in &a.shard_problems {
        let _ = writeln!(out, "  not one whole run: {p}");
    }
    for c in &a.counts {
        let _ = writeln!(
            out,
            "  {:<18} {:<11} {:>4}   {} failing, {} suppressed",
            c.vulnerability.rule_id(),
            c.confidence.as_str(),
            c.findings,
            c.failing,
            c.suppressed
        );
    }
    let not_reached: Vec<_> = a.sinks_not_reached().collect();
    let _ = writeln!(
        out,
        "sinks: {} of {} registered reached",
        a.sinks_registered.len() - not_reached.len(),
        a.sinks_registered.len()
    );
    for s in not_reached {
        let _ = writeln!(out, "  not reached: {}", site(s));
    }
    for s in &a.sinks_outside_context {
        let _ = writeln!(
            out,
            "warning: sink {} {}",
            site(s),
            crate::analysis::OUTSIDE_CONTEXT
        );
    }
    let not_exercised: Vec<_> = a.flows_not_exercised().collect();
    let _ = writeln!(
        out,
        "flows: {} of {} monitored exercised (a sink of the class ran while a value from the origin was tracked)",
        a.flows_monitored.len() - not_exercised.len(),
        a.flows_monitored.len()
    );
    for f in not_exercised {
        let _ = writeln!(out, "  not exercised: {} -> {}", t(&f.origin), t(&f.class));
    }
    for fp in &a.unused_suppressions {
        let _ = writeln!(
            out,
            "baseline: {} matched no finding (fixed, or not exercised by these tests)",
            t(fp)
        );
    }
    // Line 0 is a whole file: one that could not be opened, or that is no regular file.
    let (files, lines): (Vec<_>, Vec<_>) = a.problems.iter().partition(|p| p.line == 0);
    for p in &files {
        let _ = writeln!(
            out,
            "warning: collection file {} skipped: {}",
            t(&p.file),
            t(&p.message)
        );
    }
    if !lines.is_empty() {
        let _ = writeln!(
            out,
            "collection: {} unreadable line{} skipped (a process ended mid-write?)",
            lines.len(),
            plural(lines.len())
        );
        for p in &lines {
            let _ = writeln!(out, "  {}:{}: {}", t(&p.file), p.line, t(&p.message));
        }
    }
    if a.registry.is_empty() {
        out.push_str(
            "warning: no process registered an annotated function: nothing was monitored (is the `enabled` feature of iast on, and are contexts created?)\n",
        );
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iast_core::collect::{Collection, Problem};
    use iast_core::config::Config;

    /// A skipped file is a warning of its own, not an unreadable line 0.
    #[test]
    fn a_skipped_file_is_named_apart_from_unreadable_lines() {
        let problem = |file: &str, line, message: &str| Problem {
            file: file.to_owned(),
            line,
            message: message.to_owned(),
        };
        let collection = Collection {
            problems: vec![
                problem(
                    "iast-2-2.jsonl",
                    0,
                    "not a regular file but a FIFO (named pipe)",
                ),
                problem("iast-1-1.jsonl", 3, "EOF while parsing"),
            ],
            ..Collection::default()
        };
        let text = render(&Analysis::new(collection, &Config::default()));
        assert!(
            text.contains(
                "warning: collection file iast-2-2.jsonl skipped: not a regular file but a FIFO \
                 (named pipe)\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("collection: 1 unreadable line skipped"),
            "{text}"
        );
        assert!(
            text.contains("  iast-1-1.jsonl:3: EOF while parsing\n"),
            "{text}"
        );
        assert!(!text.contains(":0:"), "{text}");
    }
}
