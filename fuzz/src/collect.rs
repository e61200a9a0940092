//! Reading and merging collection files (`.jsonl`, one per test process).
//!
//! Input: the contents of up to four files, separated by `0xff` (a byte no JSON text holds).
//!
//! Checked:
//! - reading never panics, whatever the lines hold, and neither does rendering the merged
//!   findings for a terminal (their evidence ranges are read back unchecked);
//! - the merged lists are sorted and without repeats, findings have distinct fingerprints
//!   and count between 1 and the number of files as hits, problems name a file and a line of it;
//! - every line that was read round-trips: written again and read back, it is the same line;
//! - the merge round-trips: the merged collection written as one file merges to itself;
//! - the merge does not depend on the order or the names of the files, when the repeats of a
//!   flow agree on what identifies it (a real collection's do; crafted lines need not, and
//!   the merge keeps the first one's).

use iast_core::collect::{Collection, Entry, FORMAT, FlowKey, Line};
use iast_core::{Finding, Hits, Site};
use serde_json::Value;
use std::collections::BTreeMap;

pub fn run(data: &[u8]) {
    let contents: Vec<&[u8]> = data.split(|&b| b == 0xff).take(4).collect();
    let names: Vec<String> = (0..contents.len())
        .map(|i| format!("iast-{i}.jsonl"))
        .collect();
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .map(String::as_str)
        .zip(contents.iter().copied())
        .collect();
    let merged = Collection::from_files(files.iter().copied());

    well_formed(&merged, &files);
    for f in &merged.findings {
        let _ = f.to_string();
        let _ = f.render(Hits::Processes).to_string();
    }
    lines_round_trip(&files);
    merge_round_trips(&merged);

    if repeats_agree(&files) {
        let reversed = Collection::from_files(files.iter().rev().copied());
        assert_eq!(
            summary(&merged),
            summary(&reversed),
            "the merge depends on the order of the files"
        );
        let renamed: Vec<String> = (0..files.len()).map(|i| format!("z{i}.jsonl")).collect();
        let renamed = Collection::from_files(
            renamed
                .iter()
                .map(String::as_str)
                .zip(contents.iter().copied()),
        );
        assert_eq!(
            summary(&merged),
            summary(&renamed),
            "the merge depends on the names of the files"
        );
    }
}

fn well_formed(c: &Collection, files: &[(&str, &[u8])]) {
    fn strictly_sorted<T: Ord + std::fmt::Debug>(items: &[T], what: &str) {
        assert!(
            items.windows(2).all(|w| w[0] < w[1]),
            "{what} unsorted or repeated: {items:?}"
        );
    }
    strictly_sorted(&c.registry, "registry");
    strictly_sorted(&c.reached, "reached sinks");
    strictly_sorted(&c.exercised, "exercised flows");
    let mut fingerprints: Vec<&str> = c.findings.iter().map(Finding::fingerprint).collect();
    fingerprints.sort_unstable();
    let distinct = fingerprints.len();
    fingerprints.dedup();
    assert_eq!(
        fingerprints.len(),
        distinct,
        "a flow merged into two findings"
    );
    for f in &c.findings {
        assert!(
            (1..=files.len() as u32).contains(&f.hits()),
            "{} hits from {} files",
            f.hits(),
            files.len()
        );
    }
    for p in &c.problems {
        let (_, bytes) = files
            .iter()
            .find(|(name, _)| *name == p.file)
            .unwrap_or_else(|| panic!("a problem in an unknown file: {p:?}"));
        let lines = bytes.split(|&b| b == b'\n').count();
        assert!(
            (1..=lines).contains(&p.line),
            "a problem on line {} of {lines}: {p:?}",
            p.line
        );
    }
}

/// Each line that parses, written and parsed again, writes the same.
fn lines_round_trip(files: &[(&str, &[u8])]) {
    for (_, bytes) in files {
        for line in bytes.split(|&b| b == b'\n') {
            let Ok(parsed) = serde_json::from_slice::<Line>(line) else {
                continue;
            };
            let once = serde_json::to_string(&parsed).expect("a line that was read is written");
            let back: Line = serde_json::from_str(&once)
                .unwrap_or_else(|e| panic!("a written line does not read back: {e}\n{once}"));
            let twice = serde_json::to_string(&back).expect("a line that was read is written");
            assert_eq!(once, twice, "a line changed on its way through");
        }
    }
}

/// The merged collection written as one process's file merges to itself.
fn merge_round_trips(c: &Collection) {
    let mut file = String::new();
    let mut push = |line: &Line| {
        file.push_str(&serde_json::to_string(line).expect("lines are written"));
        file.push('\n');
    };
    push(&Line::Process {
        format: FORMAT,
        binary: "merged".to_owned(),
        registry: c.registry.clone(),
    });
    for sink in &c.reached {
        push(&Line::Reached { sink: sink.clone() });
    }
    for flow in &c.exercised {
        push(&Line::Exercised { flow: flow.clone() });
    }
    for f in &c.findings {
        push(&Line::Finding(Box::new(f.clone())));
    }
    let again = Collection::from_files([("merged.jsonl", file.as_bytes())]);
    assert!(again.problems.is_empty(), "{:?}", again.problems);
    assert_eq!(again.registry, c.registry);
    assert_eq!(again.reached, c.reached);
    assert_eq!(again.exercised, c.exercised);
    let without_hits = |fs: &[Finding]| -> Vec<Value> {
        fs.iter()
            .map(|f| {
                let mut v = serde_json::to_value(f).expect("findings are written");
                if let Some(o) = v.as_object_mut() {
                    o.remove("hits");
                }
                v
            })
            .collect()
    };
    assert_eq!(
        without_hits(&again.findings),
        without_hits(&c.findings),
        "merged findings written and read back differ"
    );
}

/// Whether every finding line of a fingerprint agrees with the others on what the merge
/// keeps from the first one it reads: rule, class, CWE, route and sink.
fn repeats_agree(files: &[(&str, &[u8])]) -> bool {
    let mut first: BTreeMap<String, Value> = BTreeMap::new();
    for (_, bytes) in files {
        let mut skipped = false;
        for line in bytes.split(|&b| b == b'\n') {
            match serde_json::from_slice::<Line>(line) {
                Ok(Line::Process { format, .. }) if format != FORMAT => skipped = true,
                Ok(Line::Finding(f)) if !skipped => {
                    let v = serde_json::to_value(&f).expect("findings are written");
                    let key: Vec<Value> = ["rule", "vulnerability", "cwe", "route", "sink"]
                        .iter()
                        .map(|k| v.get(k).cloned().unwrap_or(Value::Null))
                        .collect();
                    let key = Value::Array(key);
                    match first.get(f.fingerprint()) {
                        Some(known) if *known != key => return false,
                        Some(_) => {}
                        None => {
                            first.insert(f.fingerprint().to_owned(), key);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    true
}

/// What a merge says, problems aside (they name the files).
type Summary<'a> = (
    &'a BTreeMap<String, usize>,
    &'a [Entry],
    &'a [Site],
    &'a [FlowKey],
    Vec<Value>,
);

fn summary(c: &Collection) -> Summary<'_> {
    (
        &c.binaries,
        &c.registry,
        &c.reached,
        &c.exercised,
        c.findings
            .iter()
            .map(|f| serde_json::to_value(f).expect("findings are written"))
            .collect(),
    )
}
