//! `cargo iast`: see `cargo iast --help`.

use cargo_iast::{Analysis, Collection, html, json, sarif, text};
use iast_core::config::{Config, FILE_NAME, FailOn, Format};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const HELP: &str = "\
cargo iast: collect iast findings across a whole test run and report them

USAGE:
    cargo iast test [OPTIONS] [CARGO TEST ARGS]...
    cargo iast report <COLLECTION DIR> [OPTIONS]

test runs `cargo test` with the given arguments and collection on (IAST_OUTPUT), merges what
every test process saw, prints a summary and writes the reports (report.txt, report.json,
report.sarif, report.html, or as `report.formats` says) into the report directory
(`report.dir` of iast.toml, or target/iast). The collection itself is kept beside them in
`collection/`.

report renders an existing collection directory.

OPTIONS:
    --iast-config <FILE>  iast.toml to use (default: $IAST_CONFIG, else iast.toml at the
                          workspace root or above, if any); `--config` is cargo's own
    --dir <DIR>           report directory (test) or output directory (report)
    --format <FORMAT>     text, json, sarif or html; repeatable (report: default text on stdout)
    --fail-on <LEVEL>     unsanitized, confirmed or never (overrides report.fail_on)
    --allow-empty         do not fail when no test process monitored anything
    -h, --help            this text

EXIT STATUS:
    0    no finding fails the run
    1    a finding that is neither suppressed nor below the threshold; or nothing was monitored
    2    a usage, configuration or I/O error
    other: cargo test failed with that status (reports are still written)
";

struct Options {
    config: Option<PathBuf>,
    dir: Option<PathBuf>,
    formats: Vec<Format>,
    fail_on: Option<FailOn>,
    allow_empty: bool,
    rest: Vec<OsString>,
}

fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    // `cargo iast ...` runs `cargo-iast iast ...`.
    if args.first().is_some_and(|a| a == "iast") {
        args.remove(0);
    }
    match run(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(mut args: Vec<OsString>) -> Result<ExitCode, String> {
    if args.is_empty() || args[0] == "-h" || args[0] == "--help" {
        print!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    }
    let command = args.remove(0);
    match command.to_str() {
        Some("test") => test(options(args, true)?),
        Some("report") => report(options(args, false)?),
        _ => Err(format!(
            "unknown command `{}`; expected `test` or `report` (see `cargo iast --help`)",
            command.to_string_lossy()
        )),
    }
}

/// Takes our options; for `test`, everything else (and everything after `--`) is cargo's.
fn options(args: Vec<OsString>, pass_through: bool) -> Result<Options, String> {
    let mut o = Options {
        config: None,
        dir: None,
        formats: Vec::new(),
        fail_on: None,
        allow_empty: false,
        rest: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let Some(s) = arg.to_str() else {
            o.rest.push(arg);
            continue;
        };
        let (flag, inline) = match s.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(OsString::from(v))),
            _ => (s, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match flag {
            "--iast-config" => o.config = Some(PathBuf::from(value("--iast-config")?)),
            "--dir" => {
                let dir = value("--dir")?;
                if dir.is_empty() {
                    return Err("`--dir` needs a directory".to_owned());
                }
                o.dir = Some(PathBuf::from(dir));
            }
            "--format" => {
                let v = value("--format")?;
                let word = v.to_string_lossy();
                let format = Format::from_word(&word).ok_or_else(|| {
                    format!("unknown format `{word}`; expected {}", Format::EXPECTED)
                })?;
                o.formats.push(format);
            }
            "--fail-on" => {
                let v = value("--fail-on")?;
                o.fail_on = Some(v.to_str().and_then(FailOn::from_word).ok_or_else(|| {
                    format!(
                        "unknown level `{}` for --fail-on; expected {}",
                        v.to_string_lossy(),
                        FailOn::EXPECTED
                    )
                })?);
            }
            "--allow-empty" => o.allow_empty = true,
            "-h" | "--help" => {
                print!("{HELP}");
                std::process::exit(0);
            }
            "--" if pass_through => {
                // Everything after is cargo test's, `--` included (it separates the test
                // binary's own arguments).
                o.rest.push(arg);
                o.rest.extend(args.by_ref());
            }
            _ if pass_through || !s.starts_with('-') => o.rest.push(arg),
            _ => return Err(format!("unknown option `{s}` (see `cargo iast --help`)")),
        }
    }
    o.formats.sort();
    o.formats.dedup();
    Ok(o)
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

fn test(o: Options) -> Result<ExitCode, String> {
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
    let mut cargo_test = Command::new(cargo());
    cargo_test
        .arg("test")
        .args(&o.rest)
        .env(iast_core::collect::OUTPUT_VAR, &collection);
    if let Some(path) = &config.path {
        cargo_test.env(iast_core::config::CONFIG_VAR, path);
    }
    let status = cargo_test
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    let analysis = analyze(&collection, &config)?;
    let formats = if o.formats.is_empty() {
        config.formats.clone()
    } else {
        o.formats.clone()
    };
    eprintln!();
    eprint!("{}", text::render(&analysis));
    write_reports(&dir, &formats, &analysis)?;
    if !status.success() {
        eprintln!(
            "iast: cargo test failed ({status}); the findings are those of the tests that ran"
        );
        // A status that does not fit an exit code, or would read as success, is cargo's 101.
        let code = status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .filter(|&c| c != 0)
            .unwrap_or(101);
        return Ok(ExitCode::from(code));
    }
    Ok(verdict(&analysis, &o))
}

fn report(o: Options) -> Result<ExitCode, String> {
    let [dir] = &o.rest[..] else {
        return Err("`cargo iast report` takes one collection directory".to_owned());
    };
    let dir = PathBuf::from(dir);
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let config = config(&o, &cwd)?;
    let analysis = analyze(&dir, &config)?;
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

/// Removes the collection files of an earlier run, and nothing else: the directory may be
/// one the user named, holding files of their own.
fn clear_collection(dir: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("iast-") && name.ends_with(".jsonl") {
            std::fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn analyze(collection: &Path, config: &Config) -> Result<Analysis, String> {
    let merged = Collection::read(collection).map_err(|e| e.to_string())?;
    Ok(Analysis::new(merged, config))
}

fn verdict(a: &Analysis, o: &Options) -> ExitCode {
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
