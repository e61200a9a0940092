//! The command line, defined once with clap: the subcommands, their options and their help.

use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Args, Parser, Subcommand};
use iast_core::config::{FailOn, Format};
use std::ffi::OsString;
use std::path::PathBuf;

const EXIT_STATUS: &str = "\
Exit status:
  0      no finding fails the run
  1      a finding that is neither suppressed nor below the threshold; nothing was monitored;
         or the shards merged are not one whole run
  2      a usage, configuration or I/O error
  other  the test runner failed with that status (the reports are still written when a test
         process ran); `report` gives the status a shard's runner failed with";

/// Collect iast findings across a whole test run, merge them and report them.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-iast",
    bin_name = "cargo iast",
    version,
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run `cargo test` with collection on, then merge and report
    ///
    /// Every argument that is not cargo iast's own is cargo test's (and everything after
    /// `--` is the test binaries'). The collection is kept in `collection/` beside the
    /// reports (report.txt, .json, .sarif, .html, or as `report.formats` says), in the
    /// report directory: `--dir`, `report.dir` of iast.toml, or target/iast.
    #[command(after_help = EXIT_STATUS)]
    Test(Run),
    /// Run `cargo nextest run` with collection on, then merge and report
    ///
    /// As `test`, with cargo-nextest: one collection file per test process. Arguments that
    /// are not cargo iast's own are `cargo nextest run`'s (`--partition slice:1/3`, a
    /// profile, filters). A partitioned run records its partition in the collection, so
    /// that `cargo iast report` can merge the shards of a run.
    #[command(after_help = EXIT_STATUS)]
    Nextest(Run),
    /// Merge collections (one per shard of a run) and report on them
    ///
    /// Each argument is a collection directory (the `collection/` a run keeps) or a tar
    /// archive of one (`.tar`, `.tar.gz` or `.tgz`, such as a CI artifact). Without
    /// `--dir`, one format is printed on standard output (text by default).
    #[command(after_help = EXIT_STATUS)]
    Report(Report),
}

/// What every command takes.
#[derive(Debug, Args)]
pub struct Common {
    /// iast.toml to use (default: $IAST_CONFIG, else iast.toml at the workspace root or
    /// above); `--config` is cargo's own
    #[arg(long = "iast-config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Reports to write, repeatable (default: for a run, `report.formats` of iast.toml or all
    /// of them; for `report`, text on standard output)
    #[arg(long = "format", value_name = "FORMAT", value_parser = format())]
    pub formats: Vec<Format>,
    /// The lowest confidence that fails the run (overrides `report.fail_on`)
    #[arg(long, value_name = "LEVEL", value_parser = fail_on())]
    pub fail_on: Option<FailOn>,
    /// Do not fail when no test process monitored anything
    #[arg(long)]
    pub allow_empty: bool,
}

/// `test` and `nextest`.
#[derive(Debug, Args)]
pub struct Run {
    #[command(flatten)]
    pub common: Common,
    /// Report directory (default: `report.dir` of iast.toml, or target/iast)
    #[arg(long, value_name = "DIR", value_parser = non_empty_path)]
    pub dir: Option<PathBuf>,
    /// Arguments for the test runner
    #[arg(
        value_name = "RUNNER ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub runner: Vec<OsString>,
}

#[derive(Debug, Args)]
pub struct Report {
    #[command(flatten)]
    pub common: Common,
    /// Output directory: write report.* there instead of printing one format
    #[arg(long, value_name = "DIR", value_parser = non_empty_path)]
    pub dir: Option<PathBuf>,
    /// Collection directories or archives, one per shard
    #[arg(value_name = "COLLECTION", required = true)]
    pub collections: Vec<PathBuf>,
}

fn non_empty_path(text: &str) -> Result<PathBuf, String> {
    if text.is_empty() {
        return Err("a directory is needed".to_owned());
    }
    Ok(PathBuf::from(text))
}

/// `--format`: iast-core's formats, by their words.
fn format() -> impl clap::builder::TypedValueParser<Value = Format> {
    PossibleValuesParser::new(Format::ALL.map(Format::word))
        .try_map(|word| Format::from_word(&word).ok_or(Format::EXPECTED))
}

/// `--fail-on`: iast-core's levels, by their words.
fn fail_on() -> impl clap::builder::TypedValueParser<Value = FailOn> {
    PossibleValuesParser::new(FailOn::ALL.map(FailOn::word))
        .try_map(|word| FailOn::from_word(&word).ok_or(FailOn::EXPECTED))
}

/// The arguments for clap, and apart from them the test runner's: `cargo iast ...` runs
/// `cargo-iast iast ...`, and the options of `test` and `nextest` may stand anywhere before
/// `--`, among the runner's (`cargo iast test --workspace --dir out`). The runner's are
/// taken out verbatim, a `--` of theirs included (clap would drop it).
pub fn split(mut args: Vec<OsString>) -> (Vec<OsString>, Vec<OsString>) {
    if args.get(1).is_some_and(|a| a == "iast") {
        args.remove(1);
    }
    let Some(sub) = args.get(1).and_then(|a| a.to_str()) else {
        return (args, Vec::new());
    };
    if !matches!(sub, "test" | "nextest") {
        return (args, Vec::new());
    }
    let command = <Cli as clap::CommandFactory>::command();
    let Some(run) = command.find_subcommand(sub) else {
        return (args, Vec::new());
    };
    // The long options of the subcommand, and whether each takes a value; and the help and
    // version flags, which clap adds when it builds the command.
    let mut ours: Vec<(String, bool)> = run
        .get_arguments()
        .filter_map(|a| Some((a.get_long()?.to_owned(), a.get_action().takes_values())))
        .collect();
    ours.extend(["help", "version"].map(|flag| (flag.to_owned(), false)));
    let (mut front, mut rest) = (args[..2].to_vec(), Vec::new());
    let mut it = args.into_iter().skip(2);
    while let Some(arg) = it.next() {
        if arg == "--" {
            rest.push(arg);
            rest.extend(it.by_ref());
            break;
        }
        let text = arg.to_str().unwrap_or_default();
        if matches!(text, "-h" | "-V") {
            front.push(arg);
            continue;
        }
        let name = text
            .strip_prefix("--")
            .map(|t| t.split('=').next().unwrap_or(t));
        match name.and_then(|n| ours.iter().find(|(long, _)| long == n)) {
            Some((_, takes_value)) => {
                let inline = text.contains('=');
                front.push(arg);
                if *takes_value
                    && !inline
                    && let Some(value) = it.next()
                {
                    front.push(value);
                }
            }
            None => rest.push(arg),
        }
    }
    (front, rest)
}

#[cfg(test)]
mod tests {
    use super::split;
    use std::ffi::OsString;

    fn args(text: &str) -> Vec<OsString> {
        text.split(' ')
            .filter(|a| !a.is_empty())
            .map(OsString::from)
            .collect()
    }

    fn split_text(text: &str) -> (Vec<OsString>, Vec<OsString>) {
        split(args(text))
    }

    #[test]
    fn our_options_are_taken_from_among_the_runners() {
        assert_eq!(
            split_text("cargo-iast iast test --workspace --dir out --fail-on=never -- --dir x"),
            (
                args("cargo-iast test --dir out --fail-on=never"),
                args("--workspace -- --dir x")
            )
        );
        assert_eq!(
            split_text("cargo-iast nextest --partition count:1/2 --format json --allow-empty"),
            (
                args("cargo-iast nextest --format json --allow-empty"),
                args("--partition count:1/2")
            )
        );
        // The test binaries' arguments alone keep their separator.
        assert_eq!(
            split_text("cargo-iast test -- --nocapture"),
            (args("cargo-iast test"), args("-- --nocapture"))
        );
        // Help is cargo iast's wherever it stands before the separator.
        assert_eq!(
            split_text("cargo-iast test --workspace --help"),
            (args("cargo-iast test --help"), args("--workspace"))
        );
        assert_eq!(
            split_text("cargo-iast test --workspace -h -- -h"),
            (args("cargo-iast test -h"), args("--workspace -- -h"))
        );
        // Not a run: all of it is clap's.
        assert_eq!(
            split_text("cargo-iast report x --dir out"),
            (args("cargo-iast report x --dir out"), args(""))
        );
        // An option that wants a value and has none left is clap's to refuse.
        assert_eq!(
            split_text("cargo-iast test --dir"),
            (args("cargo-iast test --dir"), args(""))
        );
    }

    #[test]
    fn clap_reads_what_the_split_leaves_it() {
        use clap::Parser as _;
        let (ours, _) = split_text("cargo-iast test --workspace --dir out -- --dir x");
        match super::Cli::try_parse_from(ours).unwrap().command {
            super::Command::Test(run) => {
                assert_eq!(run.dir.as_deref(), Some(std::path::Path::new("out")));
                assert!(run.runner.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}
