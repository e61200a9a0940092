//! The program under test in unusual surroundings: a file size limit, FIFOs where files are
//! expected, checks made while a thread's locals are being destroyed. Each must leave the
//! program running, and the reader of a collection must not hang.
//!
//! What could end or hang a process runs in a child: this same test binary, running one of
//! the ignored tests below, with a deadline.
#![cfg(all(unix, feature = "enabled"))]

use std::cell::RefCell;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[iast::source(origin = "http.parameter")]
fn param(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(sql)]
fn query_again(sql: &str) -> usize {
    sql.len()
}

/// One check with one SQL injection.
fn injection() -> iast::Report {
    iast::check(|| query(&format!("a = '{}'", param("child' OR '1'='1"))))
}

/// Long enough for a debug build on a busy machine; a child that blocks is killed at it.
const DEADLINE: Duration = Duration::from_secs(60);

/// The exit status, stdout and stderr of a child.
struct Ran {
    success: bool,
    status: String,
    stdout: String,
    stderr: String,
}

/// Runs `command` to its end, or kills it at [`DEADLINE`] and fails the test.
fn run(mut command: Command) -> Ran {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the child still ran after {DEADLINE:?}: it blocked\nstderr:\n{}",
                stderr.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ran {
        success: status.success(),
        status: status.to_string(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// The arguments that run the ignored test `name` of this binary alone.
fn child_args(name: &str) -> [&str; 6] {
    [
        "--ignored",
        "--exact",
        name,
        "--test-threads",
        "1",
        "--nocapture",
    ]
}

/// The command that runs the ignored test `name` of this binary, without the variables of
/// iast that this process may have.
fn child(name: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(child_args(name))
        .env_remove(iast::collect::OUTPUT_VAR)
        .env_remove(iast::config::CONFIG_VAR);
    command
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn collection_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

// --- The file size limit -------------------------------------------------------------------

#[test]
#[ignore = "run as a child process by the tests of this file"]
fn child_writing_past_the_file_size_limit() {
    for _ in 0..3 {
        let report = iast::check(|| {
            let value = param("limit' OR '1'='1");
            query(&format!("a = '{value}'"));
            query_again(&format!("b = '{value}'"));
        });
        assert_eq!(report.findings().len(), 2, "{report}");
    }
    println!("lost: {}", iast::collect::lost());
}

/// Under `ulimit -f`, a collection line past the limit would be answered with SIGXFSZ, whose
/// default action ends the process: the line is refused instead, counted and said.
#[test]
fn a_file_size_limit_loses_collection_lines_not_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("ulimit -f 1 && exec \"$0\" \"$@\"")
        .arg(&exe)
        .args(child_args("child_writing_past_the_file_size_limit"))
        .env(iast::collect::OUTPUT_VAR, dir.path())
        .env_remove(iast::config::CONFIG_VAR);
    let ran = run(command);
    assert!(
        ran.success,
        "the child ended with {}\nstderr:\n{}",
        ran.status, ran.stderr
    );
    // The harness prints the test's name on the same line.
    let lost: u64 = ran
        .stdout
        .split("lost: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_else(|| panic!("no count in {}", ran.stdout))
        .parse()
        .unwrap();
    assert!(lost > 0, "{}", ran.stdout);
    // Said once, naming the file and the limit.
    let said: Vec<&str> = ran
        .stderr
        .lines()
        .filter(|l| l.starts_with("iast: cannot write to the collection file"))
        .collect();
    assert_eq!(said.len(), 1, "{}", ran.stderr);
    let files = collection_files(dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        said[0].contains(&files[0].display().to_string()),
        "{}",
        said[0]
    );
    let limit: u64 = said[0]
        .split("past the file size limit of ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("no limit in {}", said[0]))
        .parse()
        .unwrap();
    // What was written fits, and holds no torn line.
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.len() as u64 <= limit, "{} > {limit}", text.len());
    for line in text.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

// --- FIFOs where files are expected ---------------------------------------------------------

#[test]
#[ignore = "run as a child process by the tests of this file"]
fn child_with_a_finding() {
    assert_eq!(injection().findings().len(), 1);
    println!("checked");
}

/// A FIFO as `IAST_CONFIG` would block the program at its first context, waiting for a
/// writer: it is reported like any bad configuration, and the defaults apply.
#[test]
fn a_fifo_as_the_config_file_is_reported_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("iast.toml");
    mkfifo(&fifo);
    let mut command = child("child_with_a_finding");
    command.env(iast::config::CONFIG_VAR, &fifo);
    let ran = run(command);
    assert!(ran.success, "{}\nstderr:\n{}", ran.status, ran.stderr);
    assert!(ran.stdout.contains("checked"), "{}", ran.stdout);
    assert!(
        ran.stderr.contains(&format!(
            "iast: {}:0:0: cannot read the file: not a regular file but a FIFO",
            fifo.display()
        )),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("running with the default configuration"),
        "{}",
        ran.stderr
    );
}

/// A FIFO named like a collection file would block the reader (and `cargo iast report`): it
/// is skipped and named, and what the processes wrote is read.
#[test]
fn a_fifo_in_the_collection_is_skipped_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = child("child_with_a_finding");
    command.env(iast::collect::OUTPUT_VAR, dir.path());
    let ran = run(command);
    assert!(ran.success, "{}\nstderr:\n{}", ran.status, ran.stderr);
    mkfifo(&dir.path().join("iast-0-0.jsonl"));
    // On a thread, so that a reader that blocks fails the test instead of hanging it.
    let (done, read) = std::sync::mpsc::channel();
    let at = dir.path().to_path_buf();
    std::thread::spawn(move || {
        let _ = done.send(iast::collect::Collection::read(&at).unwrap());
    });
    let collection = read
        .recv_timeout(DEADLINE)
        .expect("reading the collection blocked on the FIFO");
    assert_eq!(collection.findings.len(), 1, "{collection:?}");
    assert_eq!(collection.binaries.get("environment"), Some(&1));
    assert_eq!(collection.problems.len(), 1, "{:?}", collection.problems);
    let problem = &collection.problems[0];
    assert_eq!((problem.file.as_str(), problem.line), ("iast-0-0.jsonl", 0));
    assert_eq!(
        problem.message,
        "not a regular file but a FIFO (named pipe)"
    );
}

// --- Checks in thread-local destructors -----------------------------------------------------

/// Makes a check with an injection when dropped, and prints what it found.
struct CheckOnDrop(&'static str);

impl Drop for CheckOnDrop {
    fn drop(&mut self) {
        let report = injection();
        println!(
            "{}: {} finding(s), {} internal error(s)",
            self.0,
            report.findings().len(),
            report.limits().internal_errors
        );
    }
}

thread_local! {
    static CHECK_ON_DROP: RefCell<Option<CheckOnDrop>> = const { RefCell::new(None) };
}

fn check_on_drop(label: &'static str) {
    CHECK_ON_DROP.with(|c| *c.borrow_mut() = Some(CheckOnDrop(label)));
}

#[test]
#[ignore = "run as a child process by the tests of this file"]
fn child_checking_in_thread_local_destructors() {
    // A thread's locals are destroyed newest first. Here every local of iast is newer than
    // the one that checks, so all of them are gone when it does.
    std::thread::spawn(|| {
        check_on_drop("after iast's locals");
        assert_eq!(injection().findings().len(), 1);
    })
    .join()
    .unwrap();
    // Here the context's locals are older and still there; only the SQL analyzer's, first
    // used after the one that checks, are gone.
    std::thread::spawn(|| {
        let _ = iast::check(|| ());
        check_on_drop("amid iast's locals");
        assert_eq!(injection().findings().len(), 1);
    })
    .join()
    .unwrap();
    println!("both threads ended");
}

/// A panic in a thread-local destructor aborts the process, and reaching a destroyed
/// thread-local with `with` panics: a check from such a destructor must do neither.
#[test]
fn a_check_in_a_thread_local_destructor_does_not_abort() {
    let ran = run(child("child_checking_in_thread_local_destructors"));
    assert!(
        ran.success,
        "the child ended with {}\nstderr:\n{}",
        ran.status, ran.stderr
    );
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    assert!(ran.stdout.contains("both threads ended"), "{}", ran.stdout);
    // Without its context's slot, the check returns what it could see.
    assert!(
        ran.stdout.contains("after iast's locals: "),
        "{}",
        ran.stdout
    );
    // With it, the check works in full: the analyzer does without its cache.
    assert!(
        ran.stdout
            .contains("amid iast's locals: 1 finding(s), 0 internal error(s)"),
        "{}",
        ran.stdout
    );
}
