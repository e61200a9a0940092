//! Reading a collection directory and merging what every process wrote (what `cargo iast`
//! reports on).
//!
//! Processes write independently, so the merge has to make one view out of many partial
//! ones: registries are unioned (each test binary links its own), a flow seen by several
//! processes becomes one finding whose hits add up and which keeps its most telling
//! evidence, and everything is sorted so that the result does not depend on file names,
//! process ids or the order tests ran in. A line that cannot be read (the torn last line of
//! a process killed mid-write) is skipped and named, never fatal; so is a `*.jsonl` that is
//! not a regular file (a FIFO would block the reader, a device might never end), with line
//! 0: what the processes wrote is still worth a report, and a stray file is not theirs.

use super::format::{Entry, FORMAT, FlowKey, Line, SHARD_FILE, Shard};
use crate::report::{Finding, Site};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Everything a test run collected.
#[derive(Debug, Clone, Default)]
pub struct Collection {
    /// Names of the binaries that wrote (test binaries without cargo's hash), sorted, with
    /// how many processes of each.
    pub binaries: BTreeMap<String, usize>,
    /// Every annotated function any process had, sorted.
    pub registry: Vec<Entry>,
    /// Sinks that ran in some context, sorted.
    pub reached: Vec<Site>,
    /// Sinks that ran outside any context while a context was alive in their process, sorted:
    /// taint was most likely lost to a thread or task started without the context.
    pub outside: Vec<Site>,
    /// Monitored flows that ran, sorted.
    pub exercised: Vec<FlowKey>,
    /// Merged findings, sorted as a report sorts them; `hits` is the number of processes
    /// that saw each.
    pub findings: Vec<Finding>,
    /// The shards merged, as each run described itself (sorted); empty for a collection
    /// written without cargo iast.
    pub shards: Vec<Shard>,
    /// Lines and files that could not be read.
    pub problems: Vec<Problem>,
}

/// A collection line, or a whole file, that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file's name within the collection directory.
    pub file: String,
    /// 1-based line number; 0 for the whole file (it could not be opened, is not a regular
    /// file, or failed while read).
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

/// What is wrong with a line that is not a collection record. A torn line (a process that
/// stopped mid-write) is said in words of its own: serde_json's wording of where the input
/// ended depends on how it was built (`preserve_order`, which a dependency may turn on), and a
/// report must read the same whatever else the build holds.
fn unreadable(e: &serde_json::Error) -> String {
    if e.is_eof() {
        format!(
            "the line ends before its record does, at column {} (a process stopped mid-write?)",
            e.column()
        )
    } else {
        e.to_string()
    }
}

/// Reading the directory itself failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the collection directory {dir}: {source}")]
pub struct ReadError {
    dir: String,
    source: std::io::Error,
}

impl Collection {
    /// Reads and merges every `*.jsonl` file of `dir`; one that is not a regular file is
    /// skipped unopened or unread, and named in [`Collection::problems`].
    pub fn read(dir: &Path) -> Result<Collection, ReadError> {
        Collection::read_all([dir])
    }

    /// Reads and merges several collection directories, the shards of one run, as one.
    pub fn read_all<P: AsRef<Path>>(
        dirs: impl IntoIterator<Item = P>,
    ) -> Result<Collection, ReadError> {
        let mut merge = Merge::default();
        for dir in dirs {
            merge.dir(dir.as_ref())?;
        }
        Ok(merge.finish())
    }

    /// Merges the contents of collection files, given as (name, bytes).
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Collection {
        let mut merge = Merge::default();
        for (name, bytes) in files {
            merge.file(name, bytes);
        }
        merge.finish()
    }

    /// Registered sinks, sorted.
    pub fn sinks(&self) -> impl Iterator<Item = &Entry> {
        self.registry.iter().filter(|e| e.kind == "sink")
    }

    /// Every monitored flow: each source origin with each class some sink is registered
    /// for, sorted.
    pub fn monitored_flows(&self) -> Vec<FlowKey> {
        let origins: BTreeSet<&str> = self
            .registry
            .iter()
            .filter(|e| e.kind == "source")
            .map(|e| e.site.origin_or_function())
            .collect();
        let classes: BTreeSet<&str> = self
            .sinks()
            .flat_map(|e| e.classes.iter().map(String::as_str))
            .collect();
        let mut flows = Vec::new();
        for origin in &origins {
            for class in &classes {
                flows.push(FlowKey {
                    origin: (*origin).to_owned(),
                    class: (*class).to_owned(),
                });
            }
        }
        flows
    }
}

/// The longest collection line read. A finding is a few kilobytes (its evidence is capped at
/// 1 KiB); a process line lists the binary's registry, a few hundred bytes per annotated
/// function.
const MAX_LINE: usize = 16 << 20;

/// The most of a shard description read: it holds the runner's arguments only, and a larger
/// one is cut (and then fails to parse, and is named).
pub const MAX_SHARD: u64 = 1 << 20;

/// A merge in progress, fed collection directories or files one by one (the files of a
/// shard's archive, say) and finished into a [`Collection`].
///
/// Its memory grows with what the run found (distinct flows, registry entries, sinks), not
/// with the number of files: a flow's hits are counted file by file, and a registry that
/// every process of one binary repeats is parsed once (its line is recognised by a hash).
#[derive(Default)]
pub struct Merge {
    binaries: BTreeMap<String, usize>,
    registry: BTreeSet<Entry>,
    /// The `process` lines read so far, by a hash of their bytes, with their bytes (compared,
    /// so that a colliding line is parsed rather than taken for another) and binary.
    processes: HashMap<u64, Vec<(Vec<u8>, String)>>,
    reached: BTreeSet<Site>,
    outside: BTreeSet<Site>,
    exercised: BTreeSet<FlowKey>,
    findings: BTreeMap<String, Finding>,
    /// How many files each flow appeared in.
    hits: BTreeMap<String, u32>,
    /// The flows of the file being read, each counted once in `hits`.
    in_file: BTreeSet<String>,
    /// Whether the file being read was skipped for its format, from its `process` line on.
    skipping: bool,
    shards: Vec<Shard>,
    problems: Vec<Problem>,
}

impl Merge {
    /// Reads every `*.jsonl` file of `dir`, in name order, and its shard description
    /// ([`SHARD_FILE`]) if any; files are named in problems by their name within `dir`.
    pub fn dir(&mut self, dir: &Path) -> Result<(), ReadError> {
        self.read_dir(dir, "")
    }

    /// [`Merge::dir`] for one of several shards: its files are named in problems by their
    /// path, `dir` as given, so that a problem says which shard it is in.
    pub fn shard_dir(&mut self, dir: &Path) -> Result<(), ReadError> {
        self.read_dir(dir, &format!("{}/", dir.display()))
    }

    fn read_dir(&mut self, dir: &Path, prefix: &str) -> Result<(), ReadError> {
        let error = |source| ReadError {
            dir: dir.display().to_string(),
            source,
        };
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(error)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect();
        names.sort();
        for path in names {
            let name = path
                .file_name()
                .map(|n| format!("{prefix}{}", n.to_string_lossy()))
                .unwrap_or_default();
            let read = crate::config::open_regular(&path)
                .and_then(|f| self.stream(&name, std::io::BufReader::new(f)));
            self.end_file();
            if let Err(e) = read {
                self.problem(&name, 0, e.to_string());
            }
        }
        let shard = dir.join(SHARD_FILE);
        if shard.is_file() {
            let name = format!("{prefix}{SHARD_FILE}");
            let read = crate::config::open_regular(&shard).and_then(|f| {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_SHARD), &mut bytes)?;
                Ok(bytes)
            });
            match read {
                Ok(bytes) => self.shard(&name, &bytes),
                Err(e) => self.problem(&name, 0, e.to_string()),
            }
        }
        Ok(())
    }

    /// Reads one collection file, given whole or as a reader; `name` names it in problems.
    pub fn file(&mut self, name: &str, reader: impl std::io::Read) {
        let read = self.stream(name, std::io::BufReader::new(reader));
        self.end_file();
        if let Err(e) = read {
            self.problem(name, 0, e.to_string());
        }
    }

    /// Reads a shard description (the contents of a [`SHARD_FILE`]).
    pub fn shard(&mut self, name: &str, bytes: &[u8]) {
        match serde_json::from_slice::<Shard>(bytes) {
            Ok(shard) => self.shards.push(shard),
            Err(e) => self.problem(name, 0, unreadable(&e)),
        }
    }

    fn problem(&mut self, file: &str, line: usize, message: String) {
        self.problems.push(Problem {
            file: file.to_owned(),
            line,
            message,
        });
    }

    fn end_file(&mut self) {
        for key in std::mem::take(&mut self.in_file) {
            *self.hits.entry(key).or_default() += 1;
        }
        self.skipping = false;
    }

    /// The merge of everything read.
    pub fn finish(self) -> Collection {
        let hits = self.hits;
        let mut findings: Vec<Finding> = self
            .findings
            .into_iter()
            .map(|(key, mut f)| {
                f.set_hits(hits.get(&key).copied().unwrap_or(1));
                f
            })
            .collect();
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let mut shards = self.shards;
        shards.sort();
        Collection {
            binaries: self.binaries,
            registry: self.registry.into_iter().collect(),
            reached: self.reached.into_iter().collect(),
            outside: self.outside.into_iter().collect(),
            exercised: self.exercised.into_iter().collect(),
            findings,
            shards,
            problems: self.problems,
        }
    }
}

impl Merge {
    /// Reads a file line by line, so that a huge or damaged file costs memory for one line
    /// at a time; a line longer than [`MAX_LINE`] is skipped and named.
    fn stream(&mut self, name: &str, mut reader: impl std::io::BufRead) -> std::io::Result<()> {
        let mut line = Vec::new();
        let mut number = 0;
        loop {
            line.clear();
            let (mut started, mut too_long) = (false, false);
            loop {
                let chunk = reader.fill_buf()?;
                if chunk.is_empty() {
                    break;
                }
                started = true;
                let end = chunk.iter().position(|&b| b == b'\n');
                let take = end.map_or(chunk.len(), |i| i + 1);
                if line.len() + take > MAX_LINE {
                    too_long = true;
                    line.clear();
                } else if !too_long {
                    line.extend_from_slice(&chunk[..take]);
                }
                reader.consume(take);
                if end.is_some() {
                    break;
                }
            }
            if !started {
                return Ok(());
            }
            number += 1;
            if too_long {
                self.problem(name, number, format!("longer than {} MiB", MAX_LINE >> 20));
                continue;
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if self.skipping {
                continue;
            }
            // A binary's processes all write the same `process` line: parsed once.
            let hash = is_process(&line).then(|| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                std::hash::Hash::hash(&line[..], &mut h);
                std::hash::Hasher::finish(&h)
            });
            let known = hash
                .and_then(|h| self.processes.get(&h))
                .and_then(|seen| seen.iter().find(|(bytes, _)| *bytes == line));
            if let Some((_, binary)) = known {
                *self.binaries.entry(binary.clone()).or_default() += 1;
                continue;
            }
            match serde_json::from_slice::<Line>(&line) {
                Ok(Line::Process { format, .. }) if format != FORMAT => {
                    self.skipping = true;
                    self.problem(
                        name,
                        number,
                        format!(
                            "written in collection format {format}, this reader knows {FORMAT}: \
                             the file is skipped (rebuild the tests and cargo iast from the same \
                             iast version)"
                        ),
                    );
                }
                Ok(parsed) => {
                    if let (Some(h), Line::Process { binary, .. }) = (hash, &parsed) {
                        let seen = self.processes.entry(h).or_default();
                        seen.push((line.clone(), binary.clone()));
                    }
                    self.line(parsed)
                }
                Err(e) => self.problem(name, number, unreadable(&e)),
            }
        }
    }

    fn line(&mut self, line: Line) {
        match line {
            Line::Process {
                binary, registry, ..
            } => {
                *self.binaries.entry(binary).or_default() += 1;
                self.registry.extend(registry);
            }
            Line::Outside { sink } => {
                self.outside.insert(sink);
            }
            Line::Reached { sink } => {
                self.reached.insert(sink);
            }
            Line::Exercised { flow } => {
                self.exercised.insert(flow);
            }
            Line::Finding(finding) => {
                let key = finding.fingerprint().to_owned();
                if !self.in_file.contains(&key) {
                    self.in_file.insert(key.clone());
                }
                match self.findings.get_mut(&key) {
                    // The same preference as within one context, so that the merge does not
                    // depend on the order files are read in.
                    Some(known) => known.merge(*finding),
                    None => {
                        self.findings.insert(key, *finding);
                    }
                }
            }
        }
    }
}

/// Whether a collection line is a `process` line, from its first bytes: serde writes the
/// tag first.
fn is_process(line: &[u8]) -> bool {
    line.starts_with(br#"{"kind":"process""#)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// A FIFO named like a collection file would block the reader until something wrote to
    /// it: it is skipped and named, and the regular files beside it are read.
    #[test]
    fn a_fifo_among_the_files_is_skipped_and_named() {
        let dir = std::env::temp_dir().join(format!("iast-merge-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let line = Line::Process {
            format: FORMAT,
            binary: "app".to_owned(),
            registry: Vec::new(),
        };
        let mut text = serde_json::to_string(&line).unwrap();
        text.push('\n');
        std::fs::write(dir.join("iast-1-1.jsonl"), text).unwrap();
        let fifo = dir.join("iast-2-2.jsonl");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // On a thread, so that a reader that blocks fails the test instead of hanging it.
        let (done, read) = std::sync::mpsc::channel();
        let at = dir.clone();
        std::thread::spawn(move || {
            let _ = done.send(Collection::read(&at).unwrap());
        });
        let read = read
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the reader blocked on the FIFO");
        assert_eq!(read.binaries.get("app"), Some(&1));
        assert_eq!(
            read.problems,
            [Problem {
                file: "iast-2-2.jsonl".to_owned(),
                line: 0,
                message: "not a regular file but a FIFO (named pipe)".to_owned(),
            }]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
