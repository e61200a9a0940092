//! What each element of an argument vector is to the program that reads it.
//!
//! Options are read as getopt reads them: clusters of short options (`-ec`), a short option's
//! value attached (`-ofile`) or in the next element, long options with `=value` or the next
//! element, a long option given as a prefix of its name, `--` ending the options. A program
//! that is not known here gets the generic reading: every element may be an option until
//! `--`, and an operand after it. Where this reading is unsure, it leans to the role that
//! reports more: an element it cannot place stays one that may be an option, and a value it
//! cannot tell from a command is taken for the command.

use Value::{Code, Data, Program, Script};
use std::ffi::OsStr;

/// What an element is, named after the command analyzer's role for it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Role {
    /// What runs: the program, the command a wrapper runs, a script file, a module or a
    /// configuration file that brings code (`program`).
    Program,
    /// An element that may be read as an option (`args`).
    Arg,
    /// An element that cannot be an option: it follows `--`, or it is an option's value
    /// (`operands`).
    Operand,
    /// A `name=value` setting whose value is no command (`settings`).
    Setting,
    /// Code for an interpreter other than a shell (`code`).
    Code,
    /// A shell command line, or a piece of one (`script`).
    Script,
}

/// Wrappers inside wrappers (`env nice timeout 5 sudo ...`) read past this depth are taken
/// for programs whole: the rest of the vector is reported if tainted.
const MAX_DEPTH: usize = 16;

/// The role of each of `args` when `program` runs them.
pub(super) fn roles(program: &OsStr, args: &[&OsStr]) -> Vec<Role> {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_encoded_bytes()).collect();
    let mut roles = vec![Role::Arg; args.len()];
    interpret(program.as_encoded_bytes(), &args, &mut roles, 0);
    roles
}

/// The name a program is known by: its file name, in lower case, without `.exe` and without
/// a version (`python3.12`, `perl5.36`, `php8.2`).
fn family(program: &[u8]) -> Vec<u8> {
    let name = program
        .rsplit(|&b| b == b'/' || b == b'\\')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = name.strip_suffix(b".exe").unwrap_or(&name[..]);
    let end = name
        .iter()
        .rposition(|b| !(b.is_ascii_digit() || *b == b'.'))
        .map_or(0, |i| i + 1);
    name[..end].to_vec()
}

/// Sets the roles of `args`, read by `program`.
fn interpret(program: &[u8], args: &[&[u8]], roles: &mut [Role], depth: usize) {
    if args.is_empty() {
        return;
    }
    if depth > MAX_DEPTH {
        roles.fill(Role::Program);
        return;
    }
    let depth = depth + 1;
    match family(program).as_slice() {
        b"sh" | b"bash" | b"dash" | b"zsh" | b"ksh" | b"mksh" | b"pdksh" | b"ash" | b"yash"
        | b"posh" | b"fish" | b"csh" | b"tcsh" | b"busybox-sh" => posix_shell(args, roles),
        b"cmd" => cmd(args, roles),
        b"powershell" | b"pwsh" => powershell(args, roles),
        b"python" | b"pypy" => interpreter(&PYTHON, args, roles),
        b"perl" => interpreter(&PERL, args, roles),
        b"ruby" => interpreter(&RUBY, args, roles),
        b"node" | b"nodejs" => interpreter(&NODE, args, roles),
        b"php" => interpreter(&PHP, args, roles),
        b"lua" | b"luajit" => interpreter(&LUA, args, roles),
        b"rscript" => interpreter(&RSCRIPT, args, roles),
        b"awk" | b"gawk" | b"mawk" | b"nawk" => awk(args, roles),
        b"sed" | b"gsed" => sed(args, roles),
        b"find" | b"gfind" => find(args, roles, depth),
        b"xargs" | b"gxargs" => wrapper(&XARGS, 0, args, roles, depth),
        b"env" => env(args, roles, depth),
        b"sudo" => sudo(args, roles, depth),
        b"doas" => wrapper(&DOAS, 0, args, roles, depth),
        b"nice" => wrapper(&NICE, 0, args, roles, depth),
        b"nohup" | b"setsid" => wrapper(&Grammar::POSIX, 0, args, roles, depth),
        b"stdbuf" => wrapper(&STDBUF, 0, args, roles, depth),
        b"time" => wrapper(&TIME, 0, args, roles, depth),
        b"ionice" => wrapper(&IONICE, 0, args, roles, depth),
        b"timeout" => wrapper(&TIMEOUT, 1, args, roles, depth),
        b"chroot" => chroot(args, roles, depth),
        b"flock" => flock(args, roles, depth),
        b"su" | b"runuser" => su(args, roles, depth),
        b"watch" => watch(args, roles, depth),
        b"ssh" => ssh(args, roles),
        b"git" => git(args, roles, depth),
        b"tar" | b"gtar" | b"bsdtar" => tar(args, roles),
        b"rsync" => options_anywhere(&RSYNC, args, roles),
        b"zip" => zip(args, roles),
        b"busybox" => busybox(args, roles, depth),
        _ => plain(args, roles),
    }
}

/// The generic reading: each element may be an option until `--`, and is an operand after.
fn plain(args: &[&[u8]], roles: &mut [Role]) {
    let mut dashes = false;
    for (arg, role) in args.iter().zip(roles) {
        *role = if dashes { Role::Operand } else { Role::Arg };
        dashes |= *arg == b"--";
    }
}

/// The element at `at` is a command that runs the elements after it.
fn command(args: &[&[u8]], roles: &mut [Role], at: usize, depth: usize) {
    roles[at] = Role::Program;
    interpret(args[at], &args[at + 1..], &mut roles[at + 1..], depth);
}

/// The elements at `at` (in order) are the arguments of `program`.
fn interpret_at(program: &[u8], args: &[&[u8]], at: &[usize], roles: &mut [Role], depth: usize) {
    let picked: Vec<&[u8]> = at.iter().map(|&i| args[i]).collect();
    let mut picked_roles = vec![Role::Arg; picked.len()];
    interpret(program, &picked, &mut picked_roles, depth);
    for (&i, role) in at.iter().zip(picked_roles) {
        roles[i] = role;
    }
}

/// What an option's value is.
#[derive(Clone, Copy)]
enum Value {
    /// Data: as an element of its own it cannot be an option.
    Data,
    /// An option handed on to another program (`rsync -M`): it may be one.
    Arg,
    /// A file, module or library whose code runs.
    Program,
    Code,
    Script,
    /// A `name=value` setting; the function tells the names whose value is a command.
    Setting(fn(&[u8]) -> bool),
}

/// The role of an option's value: `text` is the value alone; `attached` when it shares its
/// element with the option, whose role it then sets.
fn value_role(value: Value, text: &[u8], attached: bool) -> Role {
    match value {
        // An attached value of data leaves an element that starts with the program's option.
        Value::Data if attached => Role::Arg,
        Value::Data => Role::Operand,
        Value::Arg => Role::Arg,
        Value::Program => Role::Program,
        Value::Code => Role::Code,
        Value::Script => Role::Script,
        Value::Setting(runs) => {
            let name_end = text
                .iter()
                .position(|&b| matches!(b, b'=' | b' ' | b'\t'))
                .unwrap_or(text.len());
            if runs(&text[..name_end]) {
                Role::Script
            } else {
                Role::Setting
            }
        }
    }
}

/// The options of a program.
struct Grammar {
    /// Short options that take a value of data, attached (`-ovalue`) or in the next element.
    short_data: &'static [u8],
    /// Other short options that take a value, attached or in the next element.
    short: &'static [(u8, Value)],
    /// Short options whose value is only the rest of their element, maybe empty (`-i.bak`).
    short_attached: &'static [(u8, Value)],
    /// Long options that take a value of data, `--name=value` or `--name value`.
    long_data: &'static [&'static str],
    /// Other long options that take a value, `--name=value` or `--name value`.
    long: &'static [(&'static str, Value)],
    /// Long options whose value, if any, is attached (`--name[=value]`).
    long_attached: &'static [(&'static str, Value)],
    /// Whether the first operand ends the options (POSIX getopt, and every program that runs
    /// another); GNU programs read options among the operands.
    posix: bool,
}

impl Grammar {
    const POSIX: Grammar = Grammar {
        short_data: b"",
        short: &[],
        short_attached: &[],
        long_data: &[],
        long: &[],
        long_attached: &[],
        posix: true,
    };
    const GNU: Grammar = Grammar {
        posix: false,
        ..Grammar::POSIX
    };

    /// A short option that takes a value, attached or in the next element.
    fn short(&self, letter: u8) -> Option<Value> {
        let found = self.short.iter().find(|(l, _)| *l == letter);
        match found {
            Some(&(_, value)) => Some(value),
            None => self.short_data.contains(&letter).then_some(Value::Data),
        }
    }

    fn short_attached(&self, letter: u8) -> Option<Value> {
        let found = self.short_attached.iter().find(|(l, _)| *l == letter);
        found.map(|&(_, value)| value)
    }

    /// A long option by its name as written, and whether its value may be the next element.
    /// Getopt_long also takes an unambiguous prefix of a name: a prefix is read as the first
    /// option it begins whose value is more than data. (Read as an option with a value of
    /// data, a flag this grammar does not list would hide the next element.)
    fn long(&self, name: &[u8]) -> Option<(&'static str, Value, bool)> {
        let long = self.long.iter().map(|&(n, v)| (n, v, true));
        let attached = self.long_attached.iter().map(|&(n, v)| (n, v, false));
        let data = self.long_data.iter().map(|&n| (n, Value::Data, true));
        let mut options = long.chain(attached).chain(data);
        options
            .clone()
            .find(|(n, _, _)| n.as_bytes() == name)
            .or_else(|| {
                options.find(|(n, v, _)| {
                    !matches!(v, Value::Data) && !name.is_empty() && n.as_bytes().starts_with(name)
                })
            })
    }
}

/// An option the scanner read.
struct Opt<'a> {
    /// The letters of a cluster of short options, up to the one that took a value.
    letters: &'a [u8],
    /// A long option's name: the grammar's name when it knows it, else as written.
    long: &'a [u8],
    /// Whether it took a value.
    valued: bool,
}

impl Opt<'_> {
    /// Whether it is the short option `letter` or the long option `long`.
    fn is(&self, letter: u8, long: &str) -> bool {
        self.letters.contains(&letter) || self.long == long.as_bytes()
    }

    /// Whether it took a value and is one of `names` (single letters for short options).
    fn gave(&self, names: &[&str]) -> bool {
        self.valued
            && names.iter().any(|n| match n.as_bytes() {
                [letter] => self.letters.last() == Some(letter),
                long => self.long == long,
            })
    }
}

enum Step<'a> {
    /// An option; the roles of its element and of its value are set.
    Opt(Opt<'a>),
    /// An operand, whose role the caller sets; `over` when the options are over (after `--`,
    /// or after an earlier operand under POSIX rules).
    Operand { at: usize, over: bool },
}

/// Reads options one element at a time.
struct Scan<'g> {
    grammar: &'g Grammar,
    /// The next element.
    i: usize,
    over: bool,
}

impl<'g> Scan<'g> {
    fn new(grammar: &'g Grammar) -> Self {
        Scan {
            grammar,
            i: 0,
            over: false,
        }
    }

    fn next<'a>(&mut self, args: &[&'a [u8]], roles: &mut [Role]) -> Option<Step<'a>> {
        loop {
            let at = self.i;
            let arg = *args.get(at)?;
            self.i += 1;
            if self.over || arg == b"-" || !arg.starts_with(b"-") {
                let over = self.over;
                self.over |= self.grammar.posix;
                return Some(Step::Operand { at, over });
            }
            roles[at] = Role::Arg;
            if arg == b"--" {
                self.over = true;
                continue;
            }
            if let Some(long) = arg.strip_prefix(b"--") {
                let (name, attached) = match long.iter().position(|&b| b == b'=') {
                    Some(eq) => (&long[..eq], Some(&long[eq + 1..])),
                    None => (long, None),
                };
                let Some((known, value, required)) = self.grammar.long(name) else {
                    return Some(Step::Opt(Opt {
                        letters: &[],
                        long: name,
                        valued: attached.is_some(),
                    }));
                };
                let valued = match attached {
                    Some(text) => {
                        roles[at] = value_role(value, text, true);
                        true
                    }
                    None if required => self.separate_value(value, args, roles),
                    None => false,
                };
                return Some(Step::Opt(Opt {
                    letters: &[],
                    long: known.as_bytes(),
                    valued,
                }));
            }
            return Some(Step::Opt(self.cluster(arg, at, args, roles)));
        }
    }

    /// Reads `-abc`, up to the first letter that takes a value.
    fn cluster<'a>(
        &mut self,
        arg: &'a [u8],
        at: usize,
        args: &[&'a [u8]],
        roles: &mut [Role],
    ) -> Opt<'a> {
        for k in 1..arg.len() {
            let (letter, rest) = (arg[k], &arg[k + 1..]);
            let opt = |valued| Opt {
                letters: &arg[1..=k],
                long: &[],
                valued,
            };
            if let Some(value) = self.grammar.short(letter) {
                if !rest.is_empty() {
                    roles[at] = value_role(value, rest, true);
                    return opt(true);
                }
                return opt(self.separate_value(value, args, roles));
            }
            if let Some(value) = self.grammar.short_attached(letter) {
                if !rest.is_empty() {
                    roles[at] = value_role(value, rest, true);
                }
                return opt(!rest.is_empty());
            }
        }
        Opt {
            letters: &arg[1..],
            long: &[],
            valued: false,
        }
    }

    /// The next element is the value of the option just read.
    fn separate_value(&mut self, value: Value, args: &[&[u8]], roles: &mut [Role]) -> bool {
        let Some(text) = args.get(self.i) else {
            return false;
        };
        roles[self.i] = value_role(value, text, false);
        self.i += 1;
        true
    }
}

/// A program that reads options anywhere and nothing special in its operands.
fn options_anywhere(grammar: &Grammar, args: &[&[u8]], roles: &mut [Role]) {
    let mut scan = Scan::new(grammar);
    while let Some(step) = scan.next(args, roles) {
        if let Step::Operand { at, over } = step {
            roles[at] = if over { Role::Operand } else { Role::Arg };
        }
    }
}

// --- Shells ---

/// `sh [options] -c script [name [args...]]`: the first operand after a `-c` among the options
/// (also grouped, as in `-ec` or `-lc`) is the script; without `-c` or `-s`, the first operand
/// is a script file. What follows is `$0`, `$1`…: read by the script, where `--` means nothing,
/// so each may still reach a command as an option.
fn posix_shell(args: &[&[u8]], roles: &mut [Role]) {
    let (mut command, mut stdin) = (false, false);
    let mut i = 0;
    while let Some(&arg) = args.get(i) {
        if arg == b"--" || arg == b"-" {
            i += 1;
            break;
        }
        let Some(flags) = arg.strip_prefix(b"-").or_else(|| arg.strip_prefix(b"+")) else {
            break;
        };
        if let Some(long) = flags.strip_prefix(b"-") {
            // `--rcfile file` and `--init-file file` run a file of commands first.
            if matches!(long, b"rcfile" | b"init-file") {
                if let Some(role) = roles.get_mut(i + 1) {
                    *role = Role::Program;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if arg.starts_with(b"-") {
            command |= flags.contains(&b'c');
            stdin |= flags.contains(&b's');
        }
        // `-o name` and `-O name` take the following argument.
        if flags.ends_with(b"o") || flags.ends_with(b"O") {
            i += 1;
        }
        i += 1;
    }
    if i < args.len() {
        if command {
            roles[i] = Role::Script;
        } else if !stdin {
            roles[i] = Role::Program;
        }
    }
}

/// `cmd /C rest...` and `cmd /K rest...`: the rest of the command line is the command.
fn cmd(args: &[&[u8]], roles: &mut [Role]) {
    let flag = args
        .iter()
        .position(|a| a.eq_ignore_ascii_case(b"/c") || a.eq_ignore_ascii_case(b"/k"));
    if let Some(at) = flag {
        roles[at + 1..].fill(Role::Script);
    }
}

/// `powershell -Command rest...` joins the rest into a command; `-EncodedCommand` gives one
/// in base64; `-File script args...` runs a script file. Without any of them, a bare operand
/// is a script file (`pwsh`) or a command (Windows PowerShell).
fn powershell(args: &[&[u8]], roles: &mut [Role]) {
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let Some(name) = arg.strip_prefix(b"-").or_else(|| arg.strip_prefix(b"/")) else {
            roles[i] = Role::Script;
            i += 1;
            continue;
        };
        let name = name.to_ascii_lowercase();
        let abbreviates =
            |full: &[u8], shortest: usize| name.len() >= shortest && full.starts_with(&name);
        if name == b"c" || abbreviates(b"command", 2) {
            roles[i + 1..].fill(Role::Script);
            return;
        }
        if name == b"e" || name == b"ec" || abbreviates(b"encodedcommand", 2) {
            if let Some(role) = roles.get_mut(i + 1) {
                *role = Role::Script;
            }
            i += 2;
            continue;
        }
        if name == b"f" || abbreviates(b"file", 2) {
            if let Some(role) = roles.get_mut(i + 1) {
                *role = Role::Program;
            }
            return;
        }
        i += 1;
    }
}

// --- Interpreters ---

/// A language interpreter: code given in an option, or a script file as first operand.
struct Interpreter {
    grammar: Grammar,
    /// Options whose value is the program to run in place of a script file.
    main: &'static [&'static str],
    /// Whether such an option ends the interpreter's options (Python's `-c` and `-m`).
    main_ends_options: bool,
}

/// `python -c code`, `python -m module`, `python script.py`.
const PYTHON: Interpreter = Interpreter {
    grammar: Grammar {
        short_data: b"WXQ",
        short: &[(b'c', Code), (b'm', Program)],
        long_data: &["check-hash-based-pycs"],
        ..Grammar::POSIX
    },
    main: &["c", "m"],
    main_ends_options: true,
};

/// `perl -e code` (several allowed, `-E` too), `-Mmodule=...` (turned into a `use` line),
/// `perl script.pl`. `-i`, `-x`, `-d`, `-D` and `-C` take the rest of their element.
const PERL: Interpreter = Interpreter {
    grammar: Grammar {
        short_data: b"I",
        short: &[(b'e', Code), (b'E', Code)],
        short_attached: &[
            (b'M', Code),
            (b'm', Code),
            (b'i', Data),
            (b'x', Data),
            (b'd', Data),
            (b'D', Data),
            (b'C', Data),
        ],
        ..Grammar::POSIX
    },
    main: &["e", "E"],
    main_ends_options: false,
};

/// `ruby -e code`, `ruby -r library`, `ruby script.rb`.
const RUBY: Interpreter = Interpreter {
    grammar: Grammar {
        short_data: b"ICE",
        short: &[(b'e', Code), (b'r', Program)],
        short_attached: &[
            (b'F', Data),
            (b'i', Data),
            (b'x', Data),
            (b'K', Data),
            (b'W', Data),
        ],
        long_data: &["encoding", "external-encoding", "internal-encoding"],
        ..Grammar::POSIX
    },
    main: &["e"],
    main_ends_options: false,
};

/// `node -e code`, `--eval`, `--print`, `-r module`, `--import`, `node script.js`. (`-p` is
/// read as a flag, so that `-pe code` gives the code to `-e`; `-p code` then reads the code
/// as a script file, which is reported all the same.)
const NODE: Interpreter = Interpreter {
    grammar: Grammar {
        short_data: b"C",
        short: &[(b'e', Code), (b'r', Program)],
        long_data: &["conditions", "input-type", "env-file", "title"],
        long: &[
            ("eval", Code),
            ("print", Code),
            ("require", Program),
            ("import", Program),
            ("loader", Program),
            ("experimental-loader", Program),
        ],
        ..Grammar::POSIX
    },
    main: &["e", "eval", "print"],
    main_ends_options: false,
};

/// `php -r code` (and `-B`, `-R`, `-E` for code run around each input line), `php -f file`,
/// `php -d name=value` (ini settings, some of which load code), `php -c php.ini`.
const PHP: Interpreter = Interpreter {
    grammar: Grammar {
        short_data: b"tS",
        short: &[
            (b'r', Code),
            (b'B', Code),
            (b'R', Code),
            (b'E', Code),
            (b'f', Program),
            (b'F', Program),
            (b'c', Program),
            (b'z', Program),
            (b'd', Value::Setting(php_setting_runs)),
        ],
        ..Grammar::POSIX
    },
    main: &["r", "B", "R", "E", "f", "F"],
    main_ends_options: false,
};

/// `lua -e statement`, `lua -l module`, `lua script.lua`.
const LUA: Interpreter = Interpreter {
    grammar: Grammar {
        short: &[(b'e', Code), (b'l', Program)],
        ..Grammar::POSIX
    },
    main: &["e"],
    main_ends_options: false,
};

/// `Rscript -e expression`, `Rscript file.R`.
const RSCRIPT: Interpreter = Interpreter {
    grammar: Grammar {
        short: &[(b'e', Code)],
        ..Grammar::POSIX
    },
    main: &["e"],
    main_ends_options: false,
};

fn interpreter(it: &Interpreter, args: &[&[u8]], roles: &mut [Role]) {
    let mut scan = Scan::new(&it.grammar);
    let mut main = false;
    while let Some(step) = scan.next(args, roles) {
        match step {
            Step::Opt(opt) if opt.gave(it.main) => {
                main = true;
                if it.main_ends_options {
                    plain(&args[scan.i..], &mut roles[scan.i..]);
                    return;
                }
            }
            Step::Opt(_) => {}
            Step::Operand { at, .. } => {
                // `-` reads the script from standard input.
                let from = if main || args[at] == b"-" {
                    at
                } else {
                    roles[at] = Role::Program;
                    at + 1
                };
                // The script's own arguments, which it may read as options.
                plain(&args[from..], &mut roles[from..]);
                return;
            }
        }
    }
}

/// `awk [options] 'program' [file | var=value]...`: the first operand is the program unless
/// `-f file` or gawk's `-e`/`--source` gave it.
fn awk(args: &[&[u8]], roles: &mut [Role]) {
    const AWK: Grammar = Grammar {
        short_data: b"FW",
        short: &[
            (b'v', Value::Setting(no_command)),
            (b'f', Program),
            (b'e', Code),
            (b'E', Program),
            (b'i', Program),
            (b'l', Program),
        ],
        long_data: &["field-separator"],
        long: &[
            ("assign", Value::Setting(no_command)),
            ("file", Program),
            ("source", Code),
            ("exec", Program),
            ("include", Program),
            ("load", Program),
        ],
        ..Grammar::POSIX
    };
    const MAIN: &[&str] = &["f", "e", "E", "file", "source", "exec"];
    let mut scan = Scan::new(&AWK);
    let mut main = false;
    while let Some(step) = scan.next(args, roles) {
        match step {
            Step::Opt(opt) => main |= opt.gave(MAIN),
            Step::Operand { at, .. } => {
                let from = if main {
                    at
                } else {
                    roles[at] = Role::Code;
                    at + 1
                };
                plain(&args[from..], &mut roles[from..]);
                return;
            }
        }
    }
}

/// `sed [options] script [file...]`: the script is the first operand unless `-e` or `-f`
/// gave one anywhere (GNU sed reads options among the operands). A sed script writes files
/// (`w`) and, in GNU sed, runs commands (`e`, `s///e`).
fn sed(args: &[&[u8]], roles: &mut [Role]) {
    const SED: Grammar = Grammar {
        short_data: b"l",
        short: &[(b'e', Code), (b'f', Program)],
        short_attached: &[(b'i', Data)],
        long_data: &["line-length"],
        long: &[("expression", Code), ("file", Program)],
        long_attached: &[("in-place", Data)],
        posix: false,
    };
    let mut scan = Scan::new(&SED);
    let mut main = false;
    let mut operands = Vec::new();
    while let Some(step) = scan.next(args, roles) {
        match step {
            Step::Opt(opt) => main |= opt.gave(&["e", "f", "expression", "file"]),
            Step::Operand { at, over } => {
                roles[at] = if over { Role::Operand } else { Role::Arg };
                operands.push(at);
            }
        }
    }
    if let (false, Some(&first)) = (main, operands.first()) {
        roles[first] = Role::Code;
    }
}

// --- Programs that run another command ---

/// A program that runs the command in its operands, after `skip` operands of its own.
fn wrapper(grammar: &Grammar, skip: usize, args: &[&[u8]], roles: &mut [Role], depth: usize) {
    let mut scan = Scan::new(grammar);
    let mut seen = 0;
    while let Some(step) = scan.next(args, roles) {
        if let Step::Operand { at, .. } = step {
            if seen == skip {
                return command(args, roles, at, depth);
            }
            seen += 1;
        }
    }
}

/// `xargs [options] [command [initial-arguments]]`: runs the command without a shell.
const XARGS: Grammar = Grammar {
    short_data: b"adEILnPs",
    short_attached: &[(b'e', Data), (b'i', Data), (b'l', Data)],
    long_data: &[
        "arg-file",
        "delimiter",
        "max-args",
        "max-procs",
        "max-chars",
        "process-slot-var",
    ],
    long_attached: &[("eof", Data), ("replace", Data), ("max-lines", Data)],
    ..Grammar::POSIX
};
const DOAS: Grammar = Grammar {
    short_data: b"Cu",
    ..Grammar::POSIX
};
const NICE: Grammar = Grammar {
    short_data: b"n",
    long_data: &["adjustment"],
    ..Grammar::POSIX
};
const STDBUF: Grammar = Grammar {
    short_data: b"ioe",
    long_data: &["input", "output", "error"],
    ..Grammar::POSIX
};
const TIME: Grammar = Grammar {
    short_data: b"fo",
    long_data: &["format", "output"],
    ..Grammar::POSIX
};
const IONICE: Grammar = Grammar {
    short_data: b"cnpPu",
    long_data: &["class", "classdata", "pid", "pgid", "uid"],
    ..Grammar::POSIX
};
/// `timeout [options] duration command...`.
const TIMEOUT: Grammar = Grammar {
    short_data: b"sk",
    long_data: &["signal", "kill-after"],
    ..Grammar::POSIX
};

/// The assignments (`NAME=value`) and then the command of `env` and `sudo`, from `at`.
fn assignments_then_command(args: &[&[u8]], roles: &mut [Role], mut at: usize, depth: usize) {
    while let Some(arg) = args.get(at) {
        if !arg.contains(&b'=') {
            return command(args, roles, at, depth);
        }
        roles[at] = value_role(Value::Setting(variable_runs), arg, false);
        at += 1;
    }
}

/// `env [options] [-] [NAME=value]... [command [args]...]`; `-S string` splits a command
/// line of its own.
fn env(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    const ENV: Grammar = Grammar {
        short_data: b"uCa",
        short: &[(b'S', Script)],
        long_data: &["unset", "chdir", "argv0"],
        long: &[("split-string", Script)],
        ..Grammar::POSIX
    };
    let mut scan = Scan::new(&ENV);
    while let Some(step) = scan.next(args, roles) {
        if let Step::Operand { at, .. } = step {
            // A first operand `-` means `-i`.
            let at = if args[at] == b"-" { at + 1 } else { at };
            return assignments_then_command(args, roles, at, depth);
        }
    }
}

/// `sudo [options] [NAME=value]... command...`; with `-e` (sudoedit) the operands are files.
fn sudo(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    const SUDO: Grammar = Grammar {
        short_data: b"aCcDgpRrTtUu",
        short_attached: &[(b'h', Data)],
        long_data: &[
            "user",
            "group",
            "close-from",
            "chdir",
            "prompt",
            "role",
            "type",
            "other-user",
            "command-timeout",
            "chroot",
        ],
        long_attached: &[("host", Data)],
        ..Grammar::POSIX
    };
    let mut scan = Scan::new(&SUDO);
    let mut edit = false;
    while let Some(step) = scan.next(args, roles) {
        match step {
            Step::Opt(opt) => edit |= opt.is(b'e', "edit"),
            Step::Operand { at, .. } if edit => return plain(&args[at..], &mut roles[at..]),
            Step::Operand { at, .. } => return assignments_then_command(args, roles, at, depth),
        }
    }
}

/// `chroot [options] newroot [command...]`: the new root brings the programs that run.
fn chroot(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    const CHROOT: Grammar = Grammar {
        long_data: &["userspec", "groups"],
        ..Grammar::POSIX
    };
    let mut scan = Scan::new(&CHROOT);
    while let Some(step) = scan.next(args, roles) {
        if let Step::Operand { at, .. } = step {
            roles[at] = Role::Program;
            if at + 1 < args.len() {
                command(args, roles, at + 1, depth);
            }
            return;
        }
    }
}

/// `flock [options] file command...` or `flock [options] file -c 'command line'`.
fn flock(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    const FLOCK: Grammar = Grammar {
        short_data: b"wE",
        short: &[(b'c', Script)],
        long_data: &["timeout", "wait", "conflict-exit-code"],
        long: &[("command", Script)],
        ..Grammar::POSIX
    };
    let mut scan = Scan::new(&FLOCK);
    while let Some(step) = scan.next(args, roles) {
        if let Step::Operand { at, .. } = step {
            match args.get(at + 1) {
                Some(&b"-c" | &b"--command") => {
                    if let Some(role) = roles.get_mut(at + 2) {
                        *role = Role::Script;
                    }
                }
                Some(_) => command(args, roles, at + 1, depth),
                None => {}
            }
            return;
        }
    }
}

/// `su [options] [-] [user [args...]]`: `-c` gives a command line, `-s` the shell; arguments
/// after the user go to that shell. `runuser -u user command...` runs a command.
fn su(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    const SU: Grammar = Grammar {
        short_data: b"gGwu",
        short: &[(b'c', Script), (b's', Program)],
        long_data: &["group", "supp-group", "whitelist-environment", "user"],
        long: &[
            ("command", Script),
            ("session-command", Script),
            ("shell", Program),
        ],
        ..Grammar::GNU
    };
    let mut scan = Scan::new(&SU);
    let (mut user, mut runs_command, mut command_line) = (false, false, false);
    let mut shell_args = Vec::new();
    while let Some(step) = scan.next(args, roles) {
        match step {
            Step::Opt(opt) => {
                runs_command |= opt.is(b'u', "user");
                command_line |= opt.gave(&["c", "command", "session-command"]);
            }
            Step::Operand { at, .. } if runs_command => return command(args, roles, at, depth),
            // A lone `-` asks for a login shell.
            Step::Operand { at, .. } if args[at] == b"-" => {}
            Step::Operand { .. } if !user => user = true,
            Step::Operand { at, .. } => shell_args.push(at),
        }
    }
    // Given `-c`, they are the command line's `$0`, `$1`…; else the shell's own arguments.
    if !command_line {
        interpret_at(b"sh", args, &shell_args, roles, depth);
    }
}

/// `watch [options] command...` joins its operands into a line for `sh -c`; with `-x`
/// (`--exec`) it runs them as a command.
fn watch(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    const WATCH: Grammar = Grammar {
        short_data: b"n",
        short_attached: &[(b'd', Data)],
        long_data: &["interval"],
        long_attached: &[("differences", Data)],
        ..Grammar::POSIX
    };
    let mut scan = Scan::new(&WATCH);
    let mut exec = false;
    while let Some(step) = scan.next(args, roles) {
        match step {
            Step::Opt(opt) => exec |= opt.is(b'x', "exec"),
            Step::Operand { at, .. } if exec => return command(args, roles, at, depth),
            Step::Operand { at, .. } => return roles[at..].fill(Role::Script),
        }
    }
}

/// `find [start...] [expression]`: `-exec`, `-execdir`, `-ok` and `-okdir` run the command up
/// to `;` (or `{} +`). Elsewhere `--` does not stop an element that starts with `-` from
/// being a primary, so every other element may be one.
fn find(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    let mut i = 0;
    while i < args.len() {
        let runs = matches!(args[i], b"-exec" | b"-execdir" | b"-ok" | b"-okdir");
        i += 1;
        if !runs || i >= args.len() {
            continue;
        }
        let start = i;
        let end = (start..args.len())
            .find(|&j| args[j] == b";" || (args[j] == b"+" && j > start && args[j - 1] == b"{}"))
            .unwrap_or(args.len());
        if end > start {
            command(&args[start..end], &mut roles[start..end], 0, depth);
        }
        i = end + 1;
    }
}

/// `busybox applet args...`.
fn busybox(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    if args[0].starts_with(b"-") {
        plain(args, roles);
    } else {
        command(args, roles, 0, depth);
    }
}

// --- Programs with options whose value is a command or a setting ---

/// `ssh [options] host [command...]`: the command is joined into one line for the remote
/// user's shell. Options may follow the host. `-o` takes an `ssh_config` setting, `-F` a
/// configuration file, `-I` a PKCS#11 library.
fn ssh(args: &[&[u8]], roles: &mut [Role]) {
    const SSH: Grammar = Grammar {
        short_data: b"BbcDEeiJLlmOPpQRSWw",
        short: &[
            (b'o', Value::Setting(ssh_setting_runs)),
            (b'F', Program),
            (b'I', Program),
        ],
        ..Grammar::GNU
    };
    let mut scan = Scan::new(&SSH);
    let mut host = false;
    while let Some(step) = scan.next(args, roles) {
        match step {
            Step::Opt(_) => {}
            Step::Operand { at, over } if !host => {
                host = true;
                roles[at] = if over { Role::Operand } else { Role::Arg };
            }
            Step::Operand { at, .. } => return roles[at..].fill(Role::Script),
        }
    }
}

/// `git [global options] subcommand [options] [args]`. Global `-c name=value` and
/// `--config-env` set configuration, `--exec-path` picks where git's programs come from,
/// and the subcommand names what runs (an alias, or a `git-name` program on the path).
fn git(args: &[&[u8]], roles: &mut [Role], depth: usize) {
    const GIT: Grammar = Grammar {
        short_data: b"C",
        short: &[(b'c', Value::Setting(git_setting_runs))],
        long_data: &[
            "git-dir",
            "work-tree",
            "namespace",
            "super-prefix",
            "list-cmds",
            "attr-source",
        ],
        long: &[("config-env", Value::Setting(git_setting_runs))],
        long_attached: &[("exec-path", Program)],
        ..Grammar::POSIX
    };
    let mut scan = Scan::new(&GIT);
    while let Some(step) = scan.next(args, roles) {
        if let Step::Operand { at, .. } = step {
            roles[at] = Role::Program;
            let (rest, rest_roles) = (&args[at + 1..], &mut roles[at + 1..]);
            return git_subcommand(args[at], rest, rest_roles, depth);
        }
    }
}

const UPLOAD_PACK: (&str, Value) = ("upload-pack", Script);

fn git_subcommand(name: &[u8], args: &[&[u8]], roles: &mut [Role], depth: usize) {
    const CLONE: Grammar = Grammar {
        short_data: b"obj",
        short: &[(b'u', Script), (b'c', Value::Setting(git_setting_runs))],
        long_data: &["origin", "branch", "depth", "reference", "separate-git-dir"],
        long: &[
            UPLOAD_PACK,
            ("config", Value::Setting(git_setting_runs)),
            ("template", Program),
        ],
        ..Grammar::GNU
    };
    const FETCH: Grammar = Grammar {
        long: &[UPLOAD_PACK],
        ..Grammar::GNU
    };
    const LS_REMOTE: Grammar = Grammar {
        short: &[(b'u', Script)],
        long: &[UPLOAD_PACK],
        ..Grammar::GNU
    };
    const PUSH: Grammar = Grammar {
        long: &[("receive-pack", Script), ("exec", Script)],
        ..Grammar::GNU
    };
    const ARCHIVE: Grammar = Grammar {
        long_data: &["remote", "output"],
        long: &[("exec", Script)],
        ..Grammar::GNU
    };
    const REBASE_DIFFTOOL: Grammar = Grammar {
        short: &[(b'x', Script)],
        long: &[("exec", Script), ("extcmd", Script)],
        ..Grammar::GNU
    };
    const GREP: Grammar = Grammar {
        short_attached: &[(b'O', Script)],
        long_attached: &[("open-files-in-pager", Script)],
        ..Grammar::GNU
    };
    const FILTER_BRANCH: Grammar = Grammar {
        long: &[
            ("setup", Script),
            ("env-filter", Script),
            ("tree-filter", Script),
            ("index-filter", Script),
            ("parent-filter", Script),
            ("msg-filter", Script),
            ("commit-filter", Script),
            ("tag-name-filter", Script),
        ],
        ..Grammar::GNU
    };
    let grammar = match name {
        b"clone" => &CLONE,
        b"fetch" | b"pull" => &FETCH,
        b"ls-remote" => &LS_REMOTE,
        b"push" | b"send-pack" => &PUSH,
        b"archive" => &ARCHIVE,
        b"rebase" | b"difftool" => &REBASE_DIFFTOOL,
        b"grep" => &GREP,
        b"filter-branch" => &FILTER_BRANCH,
        b"config" => return git_config(args, roles),
        b"submodule" => {
            // `git submodule foreach [--recursive] command...`: a line for the shell.
            if let Some(at) = args.iter().position(|a| *a == b"foreach") {
                let from = at
                    + 1
                    + args[at + 1..]
                        .iter()
                        .take_while(|a| a.starts_with(b"-"))
                        .count();
                roles[from..].fill(Role::Script);
            }
            return;
        }
        b"bisect" if args.len() > 1 && args[0] == b"run" => return command(args, roles, 1, depth),
        _ => &Grammar::GNU,
    };
    options_anywhere(grammar, args, roles);
}

/// `git config [set|get|...] [options] name [value]`: the name is a setting of its own,
/// and the value is a command line when the name says so.
fn git_config(args: &[&[u8]], roles: &mut [Role]) {
    const CONFIG: Grammar = Grammar {
        short_data: b"f",
        long_data: &["file", "blob", "type", "default", "comment", "value"],
        ..Grammar::GNU
    };
    let mut scan = Scan::new(&CONFIG);
    let mut operands = Vec::new();
    while let Some(step) = scan.next(args, roles) {
        if let Step::Operand { at, .. } = step {
            roles[at] = Role::Operand;
            operands.push(at);
        }
    }
    let verbs: &[&[u8]] = &[
        b"set",
        b"get",
        b"unset",
        b"list",
        b"edit",
        b"rename-section",
        b"remove-section",
    ];
    let operands = match operands.split_first() {
        Some((&first, rest)) if verbs.contains(&args[first]) => rest,
        _ => &operands,
    };
    if let Some((&name, values)) = operands.split_first() {
        roles[name] = Role::Setting;
        if let Some(&value) = values.first()
            && git_setting_runs(args[name])
        {
            roles[value] = Role::Script;
        }
    }
}

/// `tar`: `--to-command`, `--checkpoint-action=exec=...`, `-I`/`--use-compress-program`,
/// `--rsh-command`, `-F`/`--info-script`/`--new-volume-script` and `--rmt-command` run
/// commands. A first element without a dash is a cluster of old-style options whose values
/// follow in order (`tar cfI out.tar prog ...`).
fn tar(args: &[&[u8]], roles: &mut [Role]) {
    const TAR: Grammar = Grammar {
        short_data: b"fbCgHKLNTVX",
        short: &[(b'I', Script), (b'F', Script)],
        long_data: &[
            "file",
            "directory",
            "files-from",
            "exclude-from",
            "exclude",
            "transform",
            "format",
            "owner",
            "group",
            "mode",
            "mtime",
        ],
        long: &[
            ("to-command", Script),
            ("checkpoint-action", Script),
            ("use-compress-program", Script),
            ("rsh-command", Script),
            ("info-script", Script),
            ("new-volume-script", Script),
            ("rmt-command", Script),
        ],
        long_attached: &[("checkpoint", Data)],
        ..Grammar::GNU
    };
    let mut from = 0;
    if let Some(old) = args.first().filter(|a| !a.starts_with(b"-")) {
        from = 1;
        for &letter in old.iter() {
            if let Some(value) = TAR.short(letter)
                && let Some(text) = args.get(from)
            {
                roles[from] = value_role(value, text, false);
                from += 1;
            }
        }
    }
    options_anywhere(&TAR, &args[from..], &mut roles[from..]);
}

/// `rsync`: `-e`/`--rsh` and `--rsync-path` are command lines; `-M`/`--remote-option` hands
/// an option to the remote rsync.
const RSYNC: Grammar = Grammar {
    short_data: b"fTB",
    short: &[(b'e', Script), (b'M', Value::Arg)],
    long_data: &[
        "filter",
        "exclude",
        "include",
        "exclude-from",
        "include-from",
        "files-from",
        "temp-dir",
        "partial-dir",
        "log-file",
        "password-file",
        "backup-dir",
        "link-dest",
        "compare-dest",
        "copy-dest",
    ],
    long: &[
        ("rsh", Script),
        ("rsync-path", Script),
        ("remote-option", Value::Arg),
    ],
    ..Grammar::GNU
};

/// `zip -TT command` (`--unzip-command`): the command that tests the archive.
fn zip(args: &[&[u8]], roles: &mut [Role]) {
    plain(args, roles);
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if *arg == b"-TT" || *arg == b"--unzip-command" {
            if let Some(role) = roles.get_mut(i + 1) {
                *role = Role::Script;
            }
            i += 1;
        } else if arg.starts_with(b"-TT") || arg.starts_with(b"--unzip-command=") {
            roles[i] = Role::Script;
        }
        i += 1;
    }
}

// --- Settings whose value is a command ---

fn no_command(_: &[u8]) -> bool {
    false
}

/// Git configuration whose value runs a command, names code to load, or lets a transport
/// run one: `section[.subsection].name`, matched on section and name.
fn git_setting_runs(name: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    let section = name.split(|&b| b == b'.').next().unwrap_or_default();
    let variable = name.rsplit(|&b| b == b'.').next().unwrap_or_default();
    matches!(
        (section, variable),
        (
            b"core",
            b"sshcommand"
                | b"gitproxy"
                | b"pager"
                | b"editor"
                | b"askpass"
                | b"fsmonitor"
                | b"hookspath"
        ) | (b"credential", b"helper")
            | (b"diff", b"external" | b"command" | b"textconv")
            | (
                b"difftool" | b"mergetool" | b"browser" | b"man",
                b"cmd" | b"path"
            )
            | (b"merge", b"driver")
            | (b"filter", b"clean" | b"smudge" | b"process")
            | (b"gpg", b"program")
            | (b"pager" | b"alias", _)
            | (b"include" | b"includeif", b"path")
            | (b"sequence", b"editor")
            | (b"uploadpack", b"packobjectshook")
            | (b"remote", b"uploadpack" | b"receivepack")
            | (b"protocol", b"allow")
            | (b"submodule", b"update")
            | (b"hook", b"command")
            | (b"init", b"templatedir")
            | (b"sendemail", b"smtpserver" | b"tocmd" | b"cccmd")
            | (b"web", b"browser")
    )
}

/// `ssh_config` keywords whose value runs a command, loads code or other configuration.
fn ssh_setting_runs(name: &[u8]) -> bool {
    const RUNS: &[&[u8]] = &[
        b"proxycommand",
        b"localcommand",
        b"permitlocalcommand",
        b"remotecommand",
        b"knownhostscommand",
        b"include",
        b"match",
        b"pkcs11provider",
        b"securitykeyprovider",
    ];
    RUNS.contains(&name.to_ascii_lowercase().as_slice())
}

/// PHP ini settings that load code or loosen what code may do.
fn php_setting_runs(name: &[u8]) -> bool {
    const RUNS: &[&[u8]] = &[
        b"auto_prepend_file",
        b"auto_append_file",
        b"extension",
        b"zend_extension",
        b"include_path",
        b"sendmail_path",
        b"allow_url_include",
        b"disable_functions",
        b"open_basedir",
    ];
    RUNS.contains(&name)
}

/// Environment variables whose value is a command, a library or code that a shell, the
/// dynamic loader or a common tool runs, or that decides which program a name runs.
fn variable_runs(name: &[u8]) -> bool {
    const RUNS: &[&[u8]] = &[
        b"PATH",
        b"BASH_ENV",
        b"ENV",
        b"IFS",
        b"PROMPT_COMMAND",
        b"SHELLOPTS",
        b"BASHOPTS",
        b"PS4",
        b"SHELL",
        b"PAGER",
        b"EDITOR",
        b"VISUAL",
        b"BROWSER",
        b"MANPAGER",
        b"LESSOPEN",
        b"LESSCLOSE",
        b"SSH_ASKPASS",
        b"SUDO_ASKPASS",
        b"PYTHONSTARTUP",
        b"PYTHONPATH",
        b"PYTHONHOME",
        b"PERL5OPT",
        b"PERL5LIB",
        b"PERLLIB",
        b"RUBYOPT",
        b"RUBYLIB",
        b"NODE_OPTIONS",
        b"NODE_PATH",
        b"JAVA_TOOL_OPTIONS",
        b"_JAVA_OPTIONS",
        b"CLASSPATH",
    ];
    const PREFIXES: &[&[u8]] = &[b"LD_", b"DYLD_", b"GIT_", b"BASH_FUNC_"];
    RUNS.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests;
