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
//! Every element of the command is checked under the role it has for the program that reads
//! it, named as the command analyzer reads it:
//!
//! - `program`: what runs. The program itself, and the command, script file or module that
//!   an element tells the program to run. Any tainted byte is a finding.
//! - `args`: an element that may be read as an option. Without a shell, an element is data:
//!   `printf %s "a; rm -rf /"` prints those bytes. It is reported only when the tainted bytes
//!   make it an option (`--output=/tmp/x`, `-oProxyCommand=...`); the value of an option the
//!   program wrote (`--name=<tainted>`) is data for that option.
//! - `operands`: an element that cannot be an option: after `--`, or the value of an option
//!   known to take one (`sudo -u <user>`). Never reported, but for a tainted NUL.
//! - `settings`: a `name=value` setting (`git -c`, `ssh -o`, `env NAME=value`, `php -d`,
//!   `awk -v`), reported when the tainted bytes name what is set. A setting whose name says
//!   its value is a command (`core.sshCommand`, `ProxyCommand`, `LD_PRELOAD`, `PATH`) is
//!   checked as a command line instead.
//! - `code`: a program for an interpreter, checked as code handed to an evaluator.
//! - `script`: a command line a shell parses, checked by the shell tokenizer.
//!
//! A program not listed below gets the generic reading: each element may be an option until
//! `--`, and is an operand after it. The programs read otherwise, by their file name (any
//! directory, `.exe` and version suffix aside), and why:
//!
//! - Shells (`sh`, `bash`, `dash`, `zsh`, `ksh`, `fish`, `csh`...): `-c`'s operand is a
//!   command line; without `-c` or `-s`, the first operand is a script file that runs;
//!   `--rcfile`/`--init-file` name files of commands. `cmd /C` and `/K` take the rest of the
//!   line as a command line; `powershell`/`pwsh` `-Command` the rest, `-EncodedCommand` a
//!   command line in base64, `-File` a script file, and without these a bare operand is a
//!   command line or script.
//! - Interpreters run code given in an option, or a script file: `python -c` (code), `-m`
//!   (module); `perl -e`/`-E` (code), `-M`/`-m` (a `use` line, code); `ruby -e` (code), `-r`
//!   (library); `node -e`/`--eval`/`--print` (code), `-r`/`--require`/`--import`/`--loader`
//!   (module); `php -r`/`-B`/`-R`/`-E` (code), `-f`/`-F` (file), `-c` (ini file), `-z` (Zend
//!   extension), `-d` (ini setting: `auto_prepend_file` and a few others load code); `lua
//!   -e` (code), `-l` (module); `Rscript -e` (code). Their first operand, when no option gave
//!   the code, is the script file. The script's own arguments follow the generic reading.
//! - `awk` (`gawk`, `mawk`, `nawk`): the first operand is the program unless `-f`, `-e` or
//!   `--source` gave it; `-f`, `-E`, `-i` and `-l` name files of code; `-v` is a setting.
//!   `sed`: `-e`/`--expression`, or else the first operand, is the script (GNU sed runs
//!   commands from it with `e` and `s///e`), and `-f` names a script file.
//! - Programs that run a command given as their operands, without a shell: `env` (after
//!   `NAME=value` settings; `-S` splits a command line), `xargs`, `sudo` (after settings;
//!   not with `-e`), `doas`, `nice`, `nohup`, `setsid`, `stdbuf`, `time`, `ionice`,
//!   `timeout` (after the duration), `chroot` (after the new root, which decides what the
//!   command's programs are), `flock` (after the lock file; `-c` gives a command line), `su`
//!   and `runuser` (`-c` gives a command line, `-s` the shell, arguments after the user go to
//!   that shell, `runuser -u user` runs a command), `busybox` (its first operand is the
//!   applet), and `find`'s `-exec`, `-execdir`, `-ok` and `-okdir` up to `;` or `{} +`. The
//!   command is a `program`, and its own arguments are read by the same rules for it, so
//!   `xargs sh -c <line>` checks the line. `watch` joins its operands into a line for `sh -c`
//!   (without `-x`).
//! - `ssh host command...`: ssh joins the command into one line for the remote user's shell;
//!   `-o` is an `ssh_config` setting (`ProxyCommand`, `LocalCommand`, `RemoteCommand`,
//!   `KnownHostsCommand`, `Include`, `Match`, `PKCS11Provider`, `SecurityKeyProvider` run or
//!   load something), `-F` a configuration file and `-I` a PKCS#11 library.
//! - `git`: `-c`/`--config-env` (and `clone -c`/`--config`) set configuration, and
//!   `git config name value` does; settings such as `core.sshCommand`, `core.pager`,
//!   `core.fsmonitor`, `core.hooksPath`, `alias.*`, `filter.*.clean` and `credential.helper`
//!   run commands. `--exec-path` and `clone --template` name code that runs; `--upload-pack`
//!   (`clone -u`, `ls-remote -u`), `--receive-pack`, `--exec` (`push`, `archive`),
//!   `rebase -x`, `difftool -x`, `grep -O`, `filter-branch`'s filters and
//!   `submodule foreach` are command lines; `bisect run` runs a command; the subcommand
//!   itself picks what runs.
//! - `tar`: `--to-command`, `--checkpoint-action` (`exec=`), `-I`/`--use-compress-program`,
//!   `--rsh-command`, `-F`/`--info-script`/`--new-volume-script` and `--rmt-command` are
//!   command lines. `rsync`: `-e`/`--rsh` and `--rsync-path` are command lines, and
//!   `-M`/`--remote-option` passes an option on. `zip`: `-TT`/`--unzip-command` is a command
//!   line.
//!
//! Where the reading is unsure it leans to the role that reports more: an element it cannot
//! place may still be an option, and an operand it cannot tell from a command is taken for
//! one. Not read: the remote paths of `scp` and of old `rsync` (a remote shell may parse
//! them), `make`, `gdb -ex`, build tools and package managers that run scripts, and the
//! environment set with [`Command::env`].

mod argv;

use argv::Role;
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
    #[track_caller]
    fn spawn_checked(&mut self) -> io::Result<Child> {
        check_std_command(self);
        crate::protect::io(iast::Vulnerability::CommandInjection)?;
        self.spawn()
    }

    #[track_caller]
    fn output_checked(&mut self) -> io::Result<Output> {
        check_std_command(self);
        crate::protect::io(iast::Vulnerability::CommandInjection)?;
        self.output()
    }

    #[track_caller]
    fn status_checked(&mut self) -> io::Result<ExitStatus> {
        check_std_command(self);
        crate::protect::io(iast::Vulnerability::CommandInjection)?;
        self.status()
    }
}

/// Checks what `command` would run, without running it.
#[track_caller]
pub fn check_std_command(command: &Command) {
    crate::warn_if_disabled();
    let program = command.get_program();
    let args: Vec<&OsStr> = command.get_args().collect();
    let mut by_role: [Vec<&OsStr>; 6] = Default::default();
    by_role[0].push(program);
    for (arg, role) in args.iter().zip(argv::roles(program, &args)) {
        let slot = match role {
            Role::Program => 0,
            Role::Arg => 1,
            Role::Operand => 2,
            Role::Setting => 3,
            Role::Code => 4,
            Role::Script => 5,
        };
        by_role[slot].push(arg);
    }
    let [program, args, operands, settings, code, script] = &by_role;
    check_command(program, args, operands, settings, code, script);
}

/// The sink. Each parameter holds the elements of one role, named as the command analyzer
/// reads them: `program` what runs (the program, and the command, script file or module it is
/// told to run), `args` elements that may be options, `operands` elements that cannot be,
/// `settings` `name=value` settings, `code` a program for an interpreter, and `script` the
/// pieces of command lines a shell will parse.
#[iast::sink(command, args(program, args, operands, settings, code, script))]
#[track_caller]
pub fn check_command(
    program: &[&OsStr],
    args: &[&OsStr],
    operands: &[&OsStr],
    settings: &[&OsStr],
    code: &[&OsStr],
    script: &[&OsStr],
) {
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
    /// Every method checks when called, so that a finding names the call's site; the futures
    /// of `output_checked` and `status_checked` then run the command as tokio's own do.
    pub trait TokioCommandExt {
        /// Checks the command, then [`Command::spawn`].
        fn spawn_checked(&mut self) -> io::Result<Child>;
        /// Checks the command, then [`Command::output`].
        fn output_checked(&mut self) -> impl Future<Output = io::Result<Output>> + Send;
        /// Checks the command, then [`Command::status`].
        fn status_checked(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send;
    }

    impl TokioCommandExt for Command {
        #[track_caller]
        fn spawn_checked(&mut self) -> io::Result<Child> {
            check_std_command(self.as_std());
            crate::protect::io(iast::Vulnerability::CommandInjection)?;
            self.spawn()
        }

        #[track_caller]
        fn output_checked(&mut self) -> impl Future<Output = io::Result<Output>> + Send {
            check_std_command(self.as_std());
            let run =
                crate::protect::io(iast::Vulnerability::CommandInjection).map(|()| self.output());
            async move { run?.await }
        }

        #[track_caller]
        fn status_checked(&mut self) -> impl Future<Output = io::Result<ExitStatus>> + Send {
            check_std_command(self.as_std());
            let run =
                crate::protect::io(iast::Vulnerability::CommandInjection).map(|()| self.status());
            async move { run?.await }
        }
    }
}
