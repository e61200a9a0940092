//! Analyzer for commands: the program to run, an argument-vector element, a setting, code for
//! an interpreter, or a shell command line, told apart by the sink parameter's name (see
//! [`Input::argument`]).
//!
//! - `program`: any tainted byte is confirmed, since the attacker picks what runs.
//! - `args`, `argv`, `arg`: one element passed to the program without a shell, so shell
//!   metacharacters in it are plain bytes. It is confirmed when the taint starts an option
//!   (argument injection such as `--output=/etc/x` or `-oProxyCommand=...`): the element
//!   starts with `-` and the taint covers the dash or the option's name. Otherwise the
//!   element is data: no finding at all (see [`harmless`]), whether the bytes were matched by
//!   value or are the source's very buffer. An option the program wrote with a tainted value
//!   (`--name={}`) is data for that option.
//! - `operands`, `operand`: an element that cannot be an option (it follows `--`, or it is
//!   the value of an option that takes one): data, never a finding but for a tainted NUL.
//! - `settings`, `setting`: a `name=value` setting the program applies (`git -c`, `ssh -o`,
//!   `env NAME=value`), also attached to its option (`-oName=value`, `--config=name=value`).
//!   Confirmed when the taint reaches the name or the `=` (the attacker picks what is set);
//!   a tainted value of a name the program chose is data. Callers route the settings whose
//!   value is a command (`core.sshCommand`, `ProxyCommand`, `LD_PRELOAD`) to a command line
//!   instead.
//! - `code`: a program for an interpreter other than the shell (`python -c`, `perl -e`, an
//!   `awk` or `sed` program), read as the code analyzer reads code handed to an evaluator:
//!   confirmed when the taint adds code, unsanitized when it stays inside a string literal.
//! - anything else is a command line for `sh -c`, read by [`shell`], a tokenizer written for
//!   this purpose: shell-parsing crates either split words without telling where each byte
//!   came from and what it became, or parse a whole program into a tree, and neither says
//!   whether a given byte range stayed inside one word.
//!
//! In every role a tainted NUL is confirmed: C's `exec` and `system` end the argument there.

use super::{Input, any_tainted_byte, code};

mod shell;

/// What a command's sink argument is, by its parameter's name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Program,
    Arg,
    Operand,
    Setting,
    Code,
    Line,
}

fn role(argument: &str) -> Role {
    match argument {
        "program" => Role::Program,
        "args" | "argv" | "arg" => Role::Arg,
        "operands" | "operand" => Role::Operand,
        "settings" | "setting" => Role::Setting,
        "code" => Role::Code,
        _ => Role::Line,
    }
}

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let text = input.text;
    let taint = || mark(text.len(), input.tainted);
    match role(input.argument) {
        Role::Program => any_tainted_byte(text, input.tainted, |_| true),
        Role::Arg => {
            let taint = taint();
            tainted_nul(text, &taint) || starts_option(text, &taint)
        }
        Role::Operand => tainted_nul(text, &taint()),
        Role::Setting => {
            let taint = taint();
            tainted_nul(text, &taint) || names_setting(text, &taint)
        }
        Role::Code => tainted_nul(text, &taint()) || code::changes_structure(input),
        Role::Line => shell::confirmed(text, &taint()),
    }
}

/// Whether a flow [`analyze`] found unsanitized is plain data, however its bytes arrived: an
/// argument-vector element that cannot become an option, an operand, the value of a setting
/// whose name the program chose. No program reads such bytes as anything but a value, so
/// they make no finding, not even when they are the source's very buffer.
pub(super) fn harmless(input: &Input<'_>) -> bool {
    matches!(
        role(input.argument),
        Role::Arg | Role::Operand | Role::Setting
    )
}

/// Whether each byte of a text `len` bytes long is tainted.
fn mark(len: usize, tainted: &[std::ops::Range<usize>]) -> Vec<bool> {
    let mut taint = vec![false; len];
    for r in tainted {
        if let Some(bytes) = taint.get_mut(r.start.min(len)..r.end.min(len)) {
            bytes.fill(true);
        }
    }
    taint
}

fn tainted_nul(text: &[u8], taint: &[bool]) -> bool {
    text.iter().zip(taint).any(|(&b, &t)| t && b == 0)
}

/// Whether the taint makes this argument (after quote removal) an option of the attacker's
/// choosing: it covers the leading dash, the letter after a single dash (`-{}` with `rf`), or
/// the name of a long option up to its `=`. An option the program wrote with a tainted value
/// (`--name={}`, `-o{}`) is the program's choice.
fn starts_option(value: &[u8], taint: &[bool]) -> bool {
    if value.first() != Some(&b'-') {
        return false;
    }
    let name_end = if value.get(1) == Some(&b'-') {
        value.iter().position(|&b| b == b'=').unwrap_or(value.len())
    } else {
        2
    };
    taint.iter().take(name_end).any(|&t| t)
}

/// Whether the taint reaches the name of a `name=value` setting or its `=` (a setting without
/// `=` is all name). Attached to a long option (`--config=name=value`), the setting starts
/// after the option's `=`, and the option's name counts as part of the name.
fn names_setting(text: &[u8], taint: &[bool]) -> bool {
    let equals = |from: usize| {
        text[from..]
            .iter()
            .position(|&b| b == b'=')
            .map(|i| from + i)
    };
    let start = if text.starts_with(b"--") {
        equals(0).map_or(0, |i| i + 1)
    } else {
        0
    };
    let name_end = equals(start).map_or(text.len(), |i| i + 1);
    taint.iter().take(name_end).any(|&t| t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::{confidence_of, with_template};
    use crate::vulnerability::Confidence;
    use Confidence::{Confirmed, Unsanitized};

    /// What the engine reports for the flow: `None` when it is harmless data.
    fn finding(argument: &str, template: &str, tainted: &str) -> Option<Confidence> {
        with_template(argument, template, tainted, |input| {
            let confidence = crate::analyzers::as_confidence(changes_structure(input));
            (confidence == Confirmed || !harmless(input)).then_some(confidence)
        })
    }

    fn program(template: &str, tainted: &str) -> Option<Confidence> {
        finding("program", template, tainted)
    }

    fn argv(template: &str, tainted: &str) -> Option<Confidence> {
        finding("args", template, tainted)
    }

    fn operand(template: &str, tainted: &str) -> Option<Confidence> {
        finding("operands", template, tainted)
    }

    fn setting(template: &str, tainted: &str) -> Option<Confidence> {
        finding("settings", template, tainted)
    }

    fn code(template: &str, tainted: &str) -> Option<Confidence> {
        finding("code", template, tainted)
    }

    #[test]
    fn a_tainted_program_is_confirmed() {
        assert_eq!(program("{}", "/bin/sh"), Some(Confirmed));
        assert_eq!(program("/usr/bin/{}", "id"), Some(Confirmed));
        assert_eq!(program("{}", "convert"), Some(Confirmed));
    }

    #[test]
    fn an_argv_element_that_starts_an_option_is_confirmed() {
        assert_eq!(argv("{}", "-oProxyCommand=x"), Some(Confirmed));
        assert_eq!(argv("{}", "--output=/etc/x"), Some(Confirmed));
        assert_eq!(argv("{}", "-"), Some(Confirmed));
        assert_eq!(argv("{}", "--"), Some(Confirmed));
        assert_eq!(argv("-{}", "rf"), Some(Confirmed));
        assert_eq!(argv("--{}", "exec=sh"), Some(Confirmed));
        assert_eq!(finding("argv", "{}", "-la"), Some(Confirmed));
        assert_eq!(finding("arg", "{}", "-la"), Some(Confirmed));
    }

    #[test]
    fn an_argv_element_that_stays_a_value_is_no_finding() {
        assert_eq!(argv("{}", "notes.txt"), None);
        assert_eq!(argv("{}", "42"), None);
        assert_eq!(argv("/srv/files/{}", "report 2024.pdf"), None);
        // No shell reads an argument vector.
        assert_eq!(argv("{}", "; cat /etc/passwd"), None);
        assert_eq!(argv("{}", "a; rm -rf /"), None);
        assert_eq!(argv("{}", "$(id)"), None);
        assert_eq!(argv("{}", "a|b&c`d`*"), None);
        // The program chose the option; the attacker only its value.
        assert_eq!(argv("--name={}", "-x"), None);
        assert_eq!(argv("--output={}", "/etc/passwd"), None);
        assert_eq!(argv("-o{}", "ProxyCommand=x"), None);
        assert_eq!(argv("{}", "a-b"), None);
        // The analyzer's own answer stays unsanitized; the engine drops it.
        assert_eq!(
            confidence_of(changes_structure, "args", "{}", "$(id)"),
            Unsanitized
        );
    }

    #[test]
    fn an_operand_is_data_even_when_it_looks_like_an_option() {
        assert_eq!(operand("{}", "--output=/etc/x"), None);
        assert_eq!(operand("{}", "-rf"), None);
        assert_eq!(operand("{}", "; id"), None);
        assert_eq!(finding("operand", "{}", "-"), None);
        assert_eq!(operand("{}.txt", r"a\0"), None);
        assert_eq!(operand("{}.txt", "a\0"), Some(Confirmed));
    }

    #[test]
    fn a_setting_is_confirmed_when_the_taint_names_it() {
        assert_eq!(setting("{}", "core.sshCommand=id"), Some(Confirmed));
        assert_eq!(setting("{}", "LD_PRELOAD=/tmp/x.so"), Some(Confirmed));
        assert_eq!(setting("core.{}=x", "pager"), Some(Confirmed));
        assert_eq!(setting("user.name{}", "=x"), Some(Confirmed));
        assert_eq!(setting("{}", "core.bare"), Some(Confirmed));
        assert_eq!(setting("-o{}", "ProxyCommand=id"), Some(Confirmed));
        assert_eq!(setting("--config={}", "core.pager=id"), Some(Confirmed));
        assert_eq!(setting("--{}", "config=a.b=c"), Some(Confirmed));
        // The program named the setting; the attacker gives its value.
        assert_eq!(setting("user.name={}", "Robert'); id #"), None);
        assert_eq!(setting("user.name={}", "a=b"), None);
        assert_eq!(setting("-oUser={}", "bob; id"), None);
        assert_eq!(setting("--config=user.email={}", "x=y"), None);
        assert_eq!(finding("setting", "LANG={}", "C"), None);
    }

    #[test]
    fn interpreter_code_is_always_a_finding() {
        assert_eq!(code("{}", "import os; os.system('id')"), Some(Confirmed));
        assert_eq!(
            code("print('{}')", "x'); __import__('os').system('id"),
            Some(Confirmed)
        );
        assert_eq!(code("print('{}')", "hello world"), Some(Unsanitized));
        assert_eq!(code("BEGIN { print \"{}\" }", "hi"), Some(Unsanitized));
        assert_eq!(code("s/x/{}/", "y"), Some(Confirmed));
    }

    #[test]
    fn a_shell_line_keeps_its_analysis() {
        assert_eq!(finding("script", "echo {}", "a; id"), Some(Confirmed));
        assert_eq!(finding("script", "echo '{}'", "plain"), Some(Unsanitized));
        assert_eq!(finding("command", "ls {}", "notes.txt"), Some(Unsanitized));
    }

    #[test]
    fn a_tainted_nul_is_confirmed_in_every_role() {
        assert_eq!(argv("{}.txt", "notes\0"), Some(Confirmed));
        assert_eq!(program("{}", "a\0"), Some(Confirmed));
        assert_eq!(setting("a.b={}", "x\0"), Some(Confirmed));
        assert_eq!(code("print('{}')", "x\0"), Some(Confirmed));
        assert_eq!(finding("command", "cat {}.txt", "notes\0"), Some(Confirmed));
    }

    #[test]
    fn never_panics() {
        let texts: [&[u8]; 4] = [b"", b"-", b"\xff\xfe-\x00", b"--=\xc3"];
        // The last two are out of order and out of bounds, which callers promise never to pass.
        let backwards = std::ops::Range { start: 5, end: 2 };
        let ranges = [0..0, 0..1, 1..3, 0..100, backwards, 50..60];
        for argument in [
            "program", "args", "argv", "arg", "operands", "settings", "code", "command",
        ] {
            for text in texts {
                for r in &ranges {
                    let input = Input {
                        text,
                        tainted: std::slice::from_ref(r),
                        argument,
                    };
                    let _ = changes_structure(&input);
                }
            }
        }
    }
}
