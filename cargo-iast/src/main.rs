//! `cargo iast`: see `cargo iast --help`.

use cargo_iast::{Analysis, html, json, sarif, text};
use iast_core::collect::{Merge, SHARD_FILE, Shard};
use iast_core::config::{Config, FILE_NAME, FailOn, Format};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

mod archive;
mod cli;

use clap::Parser as _;
use cli::{Cli, Command as Sub, Common};

/// What a run of the tests takes, whichever runner.
struct Options {
    config: Option<PathBuf>,
    dir: Option<PathBuf>,
    formats: Vec<Format>,
    fail_on: Option<FailOn>,
    allow_empty: bool,
}

impl Options {
    fn new(common: Common, dir: Option<PathBuf>) -> Options {
        let mut formats = common.formats;
        formats.sort();
        formats.dedup();
        Options {
            config: common.config,
            dir,
            formats,
            fail_on: common.fail_on,
            allow_empty: common.allow_empty,
        }
    }
}

/// The test runner a run drives.
#[derive(Clone, Copy)]
enum Runner {
    CargoTest,
    Nextest,
}

fn main() -> ExitCode {
    let (args, mut runner) = cli::split(std::env::args_os().collect());
    // One version, whichever command it is asked of.
    if args.iter().skip(1).any(|a| a == "-V" || a == "--version") {
        println!("cargo-iast {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    // Usage errors exit with clap's status 2, as every other usage error of cargo iast does.
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Sub::Test(run) => {
            runner.extend(run.runner);
            test(Runner::CargoTest, Options::new(run.common, run.dir), runner)
        }
        Sub::Nextest(run) => {
            runner.extend(run.runner);
            test(Runner::Nextest, Options::new(run.common, run.dir), runner)
        }
        Sub::Report(r) => report(Options::new(r.common, r.dir), r.collections),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root, as cargo sees it from the current directory.
fn workspace_root() -> Result<PathBuf, String> {
    let out = Command::new(cargo())
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "not inside a cargo workspace: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let manifest = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(manifest.parent().map(Path::to_path_buf).unwrap_or_default())
}

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// The configuration: the one named, or `IAST_CONFIG`'s (as the tests would read it), or
/// `iast.toml` in `dir` or its parents, or defaults. Read strictly: a mistake stops the run
/// before any test does.
fn config(o: &Options, dir: &Path) -> Result<Config, String> {
    let path = match &o.config {
        Some(p) => Some(p.clone()),
        None => std::env::var_os(iast_core::config::CONFIG_VAR)
            .map(PathBuf::from)
            .or_else(|| Config::find(dir)),
    };
    let mut config = match path {
        Some(p) => Config::load(&absolute(&p)).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    if let Some(level) = o.fail_on {
        config.fail_on = level;
    }
    Ok(config)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn test(runner: Runner, o: Options, args: Vec<OsString>) -> Result<ExitCode, String> {
    if let Runner::Nextest = runner {
        let installed = Command::new(cargo())
            .args(["nextest", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !installed {
            return Err(
                "cargo-nextest is not installed: cargo install cargo-nextest --locked".to_owned(),
            );
        }
    }
    let root = workspace_root()?;
    let config = config(&o, &root)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let dir = absolute(
        &o.dir
            .clone()
            .or_else(|| config.report_dir.clone())
            .unwrap_or_else(|| target.join("iast")),
    );
    let collection = dir.join("collection");
    std::fs::create_dir_all(&collection)
        .map_err(|e| format!("cannot create {}: {e}", collection.display()))?;
    clear_collection(&collection)?;
    describe_shard(&collection, runner, &args, None)?;
    let mut cargo_test = Command::new(cargo());
    match runner {
        Runner::CargoTest => cargo_test.arg("test"),
        Runner::Nextest => cargo_test.args(["nextest", "run"]),
    };
    cargo_test
        .args(&args)
        .env(iast_core::collect::OUTPUT_VAR, &collection);
    if let Some(path) = &config.path {
        cargo_test.env(iast_core::config::CONFIG_VAR, path);
    }
    let status = cargo_test
        .status()
        .map_err(|e| format!("cannot run {}: {e}", runner.name()))?;
    describe_shard(&collection, runner, &args, status.code())?;
    let analysis = analyze(std::slice::from_ref(&collection), &config)?;
    if !status.success() && analysis.binaries.is_empty() {
        // The runner refused its arguments or the build failed: there is nothing to report,
        // and the last run's reports are left as they were.
        eprintln!(
            "iast: {} failed before any test process ran ({status}); no report written",
            runner.name()
        );
        return Ok(runner_failed(status.code()));
    }
    let formats = if o.formats.is_empty() {
        config.formats.clone()
    } else {
        o.formats.clone()
    };
    eprintln!();
    eprint!("{}", text::render(&analysis));
    write_reports(&dir, &formats, &analysis)?;
    Ok(verdict(&analysis, &o))
}

/// The exit code for a runner that failed with `code`: its own, or cargo's 101 for a status
/// that does not fit an exit code or would read as success (a runner killed by a signal).
fn runner_failed(code: Option<i32>) -> ExitCode {
    let code = code
        .and_then(|c| u8::try_from(c).ok())
        .filter(|&c| c != 0)
        .unwrap_or(101);
    ExitCode::from(code)
}

impl Runner {
    fn name(self) -> &'static str {
        match self {
            Runner::CargoTest => "cargo test",
            Runner::Nextest => "cargo nextest run",
        }
    }
}

fn report(o: Options, collections: Vec<PathBuf>) -> Result<ExitCode, String> {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let config = config(&o, &cwd)?;
    let analysis = analyze(&collections, &config)?;
    let formats = if o.formats.is_empty() {
        vec![Format::Text]
    } else {
        o.formats.clone()
    };
    // The text report names what the collection could not read; the other formats do not
    // all say it, and a file written with --dir is not seen on the console.
    if o.dir.is_some() || formats != [Format::Text] {
        for p in &analysis.problems {
            let file = iast_core::escape_for_terminal(&p.file).0;
            let message = iast_core::escape_for_terminal(&p.message).0;
            match p.line {
                0 => eprintln!("warning: collection file {file} skipped: {message}"),
                n => eprintln!("warning: collection {file}:{n}: {message}"),
            }
        }
    }
    if o.dir.is_some() {
        // Which findings fail the run, on the console of a CI job, and not only in a file.
        eprint!("{}", text::render(&analysis));
    }
    match &o.dir {
        None if formats.len() == 1 => print!("{}", render(formats[0], &analysis)),
        None => {
            return Err(
                "several formats need `--dir`, the directory to write report.* into".to_owned(),
            );
        }
        Some(out) => {
            std::fs::create_dir_all(out)
                .map_err(|e| format!("cannot create {}: {e}", out.display()))?;
            write_reports(out, &formats, &analysis)?;
        }
    }
    Ok(verdict(&analysis, &o))
}

/// Writes the run's description into its collection, so that shards of one run merged
/// elsewhere say which runner and which partition each was.
fn describe_shard(
    collection: &Path,
    runner: Runner,
    args: &[OsString],
    status: Option<i32>,
) -> Result<(), String> {
    let args: Vec<String> = args
        .iter()
        .take_while(|a| *a != "--")
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let partition = args.iter().enumerate().find_map(|(i, a)| match a.as_str() {
        "--partition" => args.get(i + 1).cloned(),
        _ => a.strip_prefix("--partition=").map(str::to_owned),
    });
    let shard = Shard {
        runner: runner.name().to_owned(),
        partition: partition.filter(|_| matches!(runner, Runner::Nextest)),
        args,
        status,
    };
    let path = collection.join(SHARD_FILE);
    let text = serde_json::to_string_pretty(&shard).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Removes the collection files of an earlier run, and nothing else: the directory may be
/// one the user named, holding files of their own.
fn clear_collection(dir: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if (name.starts_with("iast-") && name.ends_with(".jsonl")) || name == SHARD_FILE {
            std::fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn analyze(collections: &[PathBuf], config: &Config) -> Result<Analysis, String> {
    let mut merge = Merge::default();
    for path in collections {
        let path = &collection_in(path);
        if archive::is_archive(path) {
            archive::read(path, &mut merge)?;
        } else if collections.len() > 1 {
            merge.shard_dir(path).map_err(|e| e.to_string())?;
        } else {
            merge.dir(path).map_err(|e| e.to_string())?;
        }
    }
    let merged = merge.finish();
    Ok(Analysis::new(merged, config))
}

/// The collection a path names: the path itself, or for a report directory given in its
/// place (no collection file, but a `collection/` inside), that `collection/`.
fn collection_in(path: &Path) -> PathBuf {
    let inner = path.join("collection");
    let holds_files = || {
        std::fs::read_dir(path).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                name.ends_with(".jsonl") || name == SHARD_FILE
            })
        })
    };
    if path.is_dir() && inner.is_dir() && !holds_files() {
        return inner;
    }
    path.to_path_buf()
}

fn verdict(a: &Analysis, o: &Options) -> ExitCode {
    // A part of the run whose tests failed: its runner's status, as the run itself gave.
    if let Some(shard) = a.shards.iter().find(|s| s.status.is_some_and(|c| c != 0)) {
        eprintln!(
            "iast: {} failed (exit status {}){}; the findings are those of the tests that ran",
            shard.runner,
            shard.status.unwrap_or_default(),
            shard
                .partition
                .as_deref()
                .map(|p| format!(" in partition {}", iast_core::escape_for_terminal(p).0))
                .unwrap_or_default(),
        );
        return runner_failed(shard.status);
    }
    if !a.shard_problems.is_empty() {
        for p in &a.shard_problems {
            eprintln!("iast: {p}");
        }
        eprintln!("iast: the shards merged are not one whole run, so no verdict is given");
        return ExitCode::from(1);
    }
    if a.registry.is_empty() && !o.allow_empty {
        eprintln!(
            "iast: no test process monitored anything, so no finding means nothing; \
             pass --allow-empty if that is expected"
        );
        return ExitCode::from(1);
    }
    if a.sinks_registered.is_empty() && !o.allow_empty {
        eprintln!(
            "iast: the test processes registered no sink, so no finding means nothing (is the \
             crate that defines them linked? `extern crate that_crate as _;`); pass \
             --allow-empty if that is expected"
        );
        return ExitCode::from(1);
    }
    match a.failing().count() {
        0 => ExitCode::SUCCESS,
        n => {
            eprintln!(
                "iast: {n} finding{} fail{} the run (suppress one in {FILE_NAME}'s [[baseline]] with a reason)",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" }
            );
            ExitCode::from(1)
        }
    }
}

/// Writes `report.<ext>` of each format into `dir`.
fn write_reports(dir: &Path, formats: &[Format], analysis: &Analysis) -> Result<(), String> {
    for format in formats {
        let path = dir.join(format!("report.{}", extension(*format)));
        std::fs::write(&path, render(*format, analysis))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("iast: wrote {}", path.display());
    }
    Ok(())
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Text => "txt",
        other => other.word(),
    }
}

fn render(format: Format, a: &Analysis) -> String {
    match format {
        Format::Text => text::render(a),
        Format::Json => json::render(a),
        Format::Sarif => sarif::render(a),
        Format::Html => html::render(a),
    }
}
