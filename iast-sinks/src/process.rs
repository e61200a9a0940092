//! Checked process spawning for [`std::process::Command`] and, with the `tokio` feature,
//! [`tokio::process::Command`].
//!
//! ```no_run
//! use iast_sinks::process::CommandExt;
//! use std::process::Command;
//!
//! # fn main() -> std::io::Result<()> {
//! let name = "notes.txt";
//! let output = Command::new("ls").arg("-l").arg(name).output_checked()?;
//! # Ok(()) }
//! ```
//!
//! The program, its argument vector and, when the program is a shell given a command line
//! (`sh -c '...'`, `cmd /C ...`, `powershell -Command ...`), that command line are checked
//! under the names the command analyzer reads: `program`, `args` and `script`.
//!
//! An operand after `--` is checked as an argument-vector element too, since the analyzer
//! has no role for "an element that cannot be an option": a tainted operand that starts with
//! `-` after `--` is reported as confirmed argument injection although a program that honours
//! `--` reads it as a plain operand.

use std::ffi::OsStr;
use std::io;
use std::process::{Child, Command, ExitStatus, Output};

/// Checks a command's program, arguments and shell command line before running it.
///
/// Each method returns exactly what the [`Command`] method of the same name without
/// `_checked` returns.
pub trait CommandExt {
    /// Checks the command, then [`Command::spawn`].
    fn spawn_checked(&mut self) -> io::Result<Child>;
    /// Checks the command, then [`Command::output`].
    fn output_checked(&mut self) -> io::Result<Output>;
    /// Checks the command, then [`Command::status`].
    fn status_checked(&mut self) -> io::Result<ExitStatus>;
}

impl CommandExt for Command {
    fn spawn_checked(&mut self) -> io::Result<Child> {
        check_std_command(self);
        self.spawn()
    }

    fn output_checked(&mut self) -> io::Result<Output> {
        check_std_command(self);
        self.output()
    }

    fn status_checked(&mut self) -> io::Result<ExitStatus> {
        check_std_command(self);
        self.status()
    }
}

/// Checks what `command` would run, without running it.
pub fn check_std_command(command: &Command) {
    crate::warn_if_disabled();
    let args: Vec<&OsStr> = command.get_args().collect();
    let (args, script) = split_script(command.get_program(), &args);
    check_command(command.get_program(), &args, &script);
}

/// The sink: `program` is what runs, `args` are argument-vector elements no shell reads, and
/// `script` the pieces of a command line a shell will parse.
#[iast::sink(command, args(program, args, script))]
pub fn check_command(program: &OsStr, args: &[&OsStr], script: &[&OsStr]) {}

/// How a shell takes a command line from its arguments.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ShellKind {
    /// `sh -c script [name [args...]]`: one operand is the script; the rest become `$0`, `$1`…
    /// and are read by the script, not parsed as shell text.
    Posix,
    /// `cmd /C rest...`: the rest of the command line is the command.
    Cmd,
    /// `powershell -Command rest...`: the remaining arguments are joined into the command.
    PowerShell,
}

fn shell_of(program: &OsStr) -> Option<ShellKind> {
    let program = program.to_string_lossy();
    let name = program.rsplit(['/', '\\']).next().unwrap_or_default();
    let name = name.to_ascii_lowercase();
    let name = name.strip_suffix(".exe").unwrap_or(&name);
    match name {
        "sh" | "bash" | "dash" | "zsh" | "ksh" | "mksh" | "pdksh" | "ash" | "yash" | "posh"
        | "fish" | "csh" | "tcsh" | "busybox-sh" => Some(ShellKind::Posix),
        "cmd" => Some(ShellKind::Cmd),
        "powershell" | "pwsh" => Some(ShellKind::PowerShell),
        _ => None,
    }
}

/// Splits a command's arguments into argument-vector elements and the shell command line
/// they carry, if the program is a shell told to run one.
fn split_script<'a>(program: &OsStr, args: &[&'a OsStr]) -> (Vec<&'a OsStr>, Vec<&'a OsStr>) {
    let at = match shell_of(program) {
        Some(ShellKind::Posix) => posix_script(args).map(|i| i..i + 1),
        Some(ShellKind::Cmd) => args
            .iter()
            .position(|a| {
                let a = a.to_string_lossy();
                a.eq_ignore_ascii_case("/c") || a.eq_ignore_ascii_case("/k")
            })
            .map(|i| i + 1..args.len()),
        Some(ShellKind::PowerShell) => args
            .iter()
            .position(|a| is_powershell_command_flag(&a.to_string_lossy()))
            .map(|i| i + 1..args.len()),
        None => None,
    };
    match at {
        Some(range) if range.start < args.len() => {
            let script = args[range.clone()].to_vec();
            let rest = args
                .iter()
                .enumerate()
                .filter(|(i, _)| !range.contains(i))
                .map(|(_, a)| *a)
                .collect();
            (rest, script)
        }
        _ => (args.to_vec(), Vec::new()),
    }
}

/// The index of the script of `sh [options] -c [options] [--] script ...`: the first operand
/// once a `-c` was seen among the options (also grouped, as in `-ec` or `-lc`).
fn posix_script(args: &[&OsStr]) -> Option<usize> {
    let mut command_flag = false;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let arg = arg.to_string_lossy();
        if arg == "--" || arg == "-" {
            i += 1;
            break;
        }
        let Some(flags) = arg.strip_prefix('-').or_else(|| arg.strip_prefix('+')) else {
            break;
        };
        if flags.starts_with('-') {
            // A long option such as `--norc` or `--login`.
            i += 1;
            continue;
        }
        if arg.starts_with('-') && flags.contains('c') {
            command_flag = true;
        }
        // `-o name` and `-O name` take the following argument.
        if flags.ends_with(['o', 'O']) {
            i += 1;
        }
        i += 1;
    }
    (command_flag && i < args.len()).then_some(i)
}

/// Whether an argument is PowerShell's `-Command` (any unambiguous prefix, `-` or `/`).
fn is_powershell_command_flag(arg: &str) -> bool {
    let Some(name) = arg.strip_prefix(['-', '/']) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    !name.is_empty() && "command".starts_with(&name) && (name == "c" || name.len() >= 2)
}

#[cfg(feature = "tokio")]
pub use self::tokio_ext::TokioCommandExt;

#[cfg(feature = "tokio")]
mod tokio_ext {
    use super::check_std_command;
    use std::future::Future;
    use std::io;
    use std::process::{ExitStatus, Output};
    use tokio::process::{Child, Command};

    /// Checks a [`tokio::process::Command`] before running it.
    ///
    /// `spawn_checked` checks at once; the futures of `output_checked` and `status_checked`
    /// check when first polled, as tokio's own futures start the process only then.
    pub trait TokioCommandExt {
        /// Checks the command, then [`Command::spawn`].
        fn spawn_checked(&mut self) -> io::Result<Child>;
        /// Checks the command, then [`Command::output`].
        fn output_checked(&mut self) -> impl Future<Output = io::Result<Output>> + Send;
        /// Checks the command, then [`Command::status`].
        fn status_checked(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send;
    }

    impl TokioCommandExt for Command {
        fn spawn_checked(&mut self) -> io::Result<Child> {
            check_std_command(self.as_std());
            self.spawn()
        }

        async fn output_checked(&mut self) -> io::Result<Output> {
            check_std_command(self.as_std());
            self.output().await
        }

        async fn status_checked(&mut self) -> io::Result<ExitStatus> {
            check_std_command(self.as_std());
            self.status().await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn split(program: &str, args: &[&str], rest: &[&str], script: &[&str]) {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let (got_rest, got_script) = split_script(OsStr::new(program), &args);
        let text = |v: &[&OsStr]| -> Vec<String> {
            v.iter().map(|a| a.to_string_lossy().into_owned()).collect()
        };
        assert_eq!(text(&got_rest), rest, "argument vector of {program}");
        assert_eq!(text(&got_script), script, "script of {program}");
    }

    #[test]
    fn posix_shells_take_the_operand_after_c() {
        split("sh", &["-c", "echo hi"], &["-c"], &["echo hi"]);
        split(
            "/bin/bash",
            &["-ec", "echo $1", "name", "arg"],
            &["-ec", "name", "arg"],
            &["echo $1"],
        );
        split(
            "zsh",
            &["-c", "-x", "--", "ls"],
            &["-c", "-x", "--"],
            &["ls"],
        );
        split(
            "bash",
            &["-o", "pipefail", "-c", "a | b"],
            &["-o", "pipefail", "-c"],
            &["a | b"],
        );
        split(
            "bash",
            &["--norc", "-lc", "id"],
            &["--norc", "-lc"],
            &["id"],
        );
    }

    #[test]
    fn a_shell_without_c_runs_a_script_file() {
        split("sh", &["run.sh", "-c"], &["run.sh", "-c"], &[]);
        split("sh", &["-c"], &["-c"], &[]);
        split("sh", &["-e", "x"], &["-e", "x"], &[]);
    }

    #[test]
    fn other_programs_have_no_script() {
        split("echo", &["-c", "x"], &["-c", "x"], &[]);
        split("/bin/shx", &["-c", "x"], &["-c", "x"], &[]);
    }

    #[test]
    fn cmd_and_powershell_take_the_rest() {
        split(
            r"C:\Windows\System32\CMD.EXE",
            &["/Q", "/C", "dir", "x"],
            &["/Q", "/C"],
            &["dir", "x"],
        );
        split(
            "pwsh",
            &["-NoProfile", "-Command", "Get-Item", "x"],
            &["-NoProfile", "-Command"],
            &["Get-Item", "x"],
        );
        split("powershell.exe", &["-c", "ls"], &["-c"], &["ls"]);
        split("powershell", &["-File", "a.ps1"], &["-File", "a.ps1"], &[]);
    }
}
