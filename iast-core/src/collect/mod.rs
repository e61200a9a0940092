//! Collection across processes: with `IAST_OUTPUT=<dir>` set, every process appends what it
//! saw to a JSON-lines file of its own in that directory, for a later merge.
//!
//! Lines, each one JSON object with a `kind`:
//! - `process`: once, when the process creates its first context: the binary's name and its
//!   registry (every annotated function);
//! - `reached`: the first time a sink runs inside a context;
//! - `outside`: the first time a sink runs outside any context while a context is alive (taint
//!   most likely lost to a thread or task started without the context, see `lost`);
//! - `exercised`: the first time a sink of a class runs while a value from a source origin is
//!   recorded in the same context (the monitored flow origin → class ran);
//! - `finding`: each new flow, and a repeat again when it is more telling (higher confidence,
//!   shorter evidence, then a fixed order), so that the merge can keep the same finding
//!   whichever thread or process came first.
//!
//! Each line is one `write` to a file opened for appending, so nothing waits in a buffer: a
//! process that panics or exits early leaves every line it wrote. Parallel processes never
//! share a file (its name holds the process id and the time), and threads of one process
//! take turns.
//!
//! Failing to write never disturbs the program under test: a line that cannot be written is
//! lost, counted in [`lost`], and the first loss is said once on stderr. A line that would
//! take the file past the file size limit (`ulimit -f`) is not written at all, rather than
//! torn: the kernel would answer its write with `SIGXFSZ`, which ends the process unless the
//! application chose to ignore it.

mod format;
mod limit;
mod merge;

pub use format::{Entry, FORMAT, FlowKey, Line, SHARD_FILE, Shard};
pub use merge::{Collection, MAX_SHARD, Merge, Problem, ReadError};

use crate::registry::{Item, registry};
use crate::report::{Finding, Site};
use crate::vulnerability::{ClassSet, Vulnerability};
use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// The environment variable naming the output directory.
pub const OUTPUT_VAR: &str = "IAST_OUTPUT";

struct Collector {
    path: PathBuf,
    file: Mutex<File>,
    /// Sinks already written, by their item's address (never written out).
    reached: Mutex<HashSet<usize>>,
    /// Sinks already written as run outside any context, likewise.
    outside: Mutex<HashSet<usize>>,
    /// Flows already written, as (origin, class).
    exercised: Mutex<HashSet<(&'static str, Vulnerability)>>,
    /// The most telling finding written per flow.
    findings: Mutex<HashMap<String, Finding>>,
}

static COLLECTOR: OnceLock<Option<Collector>> = OnceLock::new();

static LOST: AtomicU64 = AtomicU64::new(0);

/// Collection lines this process could not write: refused at the file size limit, or failed
/// (a full disk, a removed directory). 0 when nothing is collected.
pub fn lost() -> u64 {
    LOST.load(Ordering::Relaxed)
}

fn collector() -> Option<&'static Collector> {
    COLLECTOR.get_or_init(open).as_ref()
}

fn open() -> Option<Collector> {
    let dir = match std::env::var_os(OUTPUT_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => crate::config::active().output.clone()?,
    };
    std::fs::create_dir_all(&dir).ok()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let name = format!("iast-{}-{nanos}.jsonl", std::process::id());
    let path = dir.join(name);
    let file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&path)
        .ok()?;
    let collector = Collector {
        path,
        file: Mutex::new(file),
        reached: Mutex::new(HashSet::new()),
        outside: Mutex::new(HashSet::new()),
        exercised: Mutex::new(HashSet::new()),
        findings: Mutex::new(HashMap::new()),
    };
    collector.write(&Line::Process {
        format: FORMAT,
        binary: binary_name(),
        registry: registry().items().into_iter().map(Entry::of).collect(),
    });
    Some(collector)
}

/// The executable's name without the hash cargo appends to test binaries.
fn binary_name() -> String {
    let exe = std::env::current_exe().ok();
    let stem = exe
        .as_deref()
        .and_then(|p| p.file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or("unknown");
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            name.to_owned()
        }
        _ => stem.to_owned(),
    }
}

impl Collector {
    fn write(&self, line: &Line) {
        let mut text = match serde_json::to_vec(line) {
            Ok(text) => text,
            Err(e) => return self.lose(&e.to_string()),
        };
        text.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        // Appended: the line starts at the end of the file, which only this process writes.
        let at = match file.metadata() {
            Ok(meta) => meta.len(),
            Err(e) => return self.lose(&e.to_string()),
        };
        if let Err(limit) = limit::fits(at, text.len()) {
            return self.lose(&format!(
                "the line of {} bytes would take it past the file size limit of {limit} bytes \
                 (ulimit -f)",
                text.len()
            ));
        }
        if let Err(e) = file.write_all(&text) {
            self.lose(&e.to_string());
        }
    }

    fn lose(&self, why: &str) {
        if LOST.fetch_add(1, Ordering::Relaxed) == 0 {
            limit::say(&format!(
                "iast: cannot write to the collection file {}: {why}; the line is lost, and \
                 so is any later one that cannot be written\n",
                self.path.display()
            ));
        }
    }
}

/// Opens the collection when it is asked for, so that the registry is written by every
/// process that checks anything, findings or not.
pub(crate) fn start() {
    let _ = collector();
}

pub(crate) fn reached(item: &'static Item) {
    let Some(c) = collector() else { return };
    if first(&c.reached, item) {
        c.write(&Line::Reached {
            sink: Site::of(item),
        });
    }
}

/// The sink `item` ran outside any context while one was alive (see `lost`).
pub(crate) fn outside(item: &'static Item) {
    let Some(c) = collector() else { return };
    if first(&c.outside, item) {
        c.write(&Line::Outside {
            sink: Site::of(item),
        });
    }
}

/// Whether `item` is new to `seen`, which it joins.
fn first(seen: &Mutex<HashSet<usize>>, item: &'static Item) -> bool {
    seen.lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(item as *const Item as usize)
}

/// A sink of `classes` ran while values of `sources` were recorded: the flows from their
/// origins into those classes were exercised, whatever the values were.
pub(crate) fn exercised(sources: &[&'static Item], classes: ClassSet) {
    if sources.is_empty() {
        return;
    }
    let Some(c) = collector() else { return };
    let mut new = Vec::new();
    {
        let mut seen = c.exercised.lock().unwrap_or_else(|e| e.into_inner());
        for source in sources {
            let Some(origin) = source.origin() else {
                continue;
            };
            for class in classes.iter() {
                if seen.insert((origin, class)) {
                    new.push((origin, class));
                }
            }
        }
    }
    for (origin, class) in new {
        c.write(&Line::Exercised {
            flow: FlowKey {
                origin: origin.to_owned(),
                class: class.word().to_owned(),
            },
        });
    }
}

pub(crate) fn finding(finding: &Finding) {
    let Some(c) = collector() else { return };
    let key = finding.fingerprint().to_owned();
    let new = {
        let mut seen = c.findings.lock().unwrap_or_else(|e| e.into_inner());
        match seen.get(&key) {
            Some(known) if !finding.more_telling(known) => false,
            _ => {
                seen.insert(key, finding.clone());
                true
            }
        }
    };
    if new {
        c.write(&Line::Finding(Box::new(finding.clone())));
    }
}
