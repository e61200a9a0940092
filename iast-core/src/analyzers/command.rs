//! Analyzer for commands: the program to run, an argument-vector element, or a shell command
//! line, told apart by the sink parameter's name (see [`Input::argument`]).
//!
//! - `program`: any tainted byte is confirmed, since the attacker picks what runs.
//! - `args`, `argv`, `arg`: one element passed to the program without a shell, so shell
//!   metacharacters in it are plain bytes. It is confirmed when the taint starts an option
//!   (argument injection such as `--output=/etc/x` or `-oProxyCommand=...`): the element
//!   starts with `-` and the taint covers the dash or the option's name.
//! - anything else is a command line for `sh -c`, read by [`shell`], a tokenizer written for
//!   this purpose: shell-parsing crates either split words without telling where each byte
//!   came from and what it became, or parse a whole program into a tree, and neither says
//!   whether a given byte range stayed inside one word.
//!
//! In every role a tainted NUL is confirmed: C's `exec` and `system` end the argument there.

use super::{Input, any_tainted_byte};
use crate::vulnerability::Confidence;

mod shell;

pub(super) fn analyze(input: &Input<'_>) -> Confidence {
    let text = input.text;
    let confirmed = match input.argument {
        "program" => any_tainted_byte(text, input.tainted, |_| true),
        "args" | "argv" | "arg" => {
            let taint = mark(text.len(), input.tainted);
            tainted_nul(text, &taint) || starts_option(text, &taint)
        }
        _ => shell::confirmed(text, &mark(text.len(), input.tainted)),
    };
    if confirmed {
        Confidence::Confirmed
    } else {
        Confidence::Unsanitized
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use Confidence::{Confirmed, Unsanitized};

    fn program(template: &str, tainted: &str) -> Confidence {
        confidence_of(analyze, "program", template, tainted)
    }

    fn argv(template: &str, tainted: &str) -> Confidence {
        confidence_of(analyze, "args", template, tainted)
    }

    #[test]
    fn a_tainted_program_is_confirmed() {
        assert_eq!(program("{}", "/bin/sh"), Confirmed);
        assert_eq!(program("/usr/bin/{}", "id"), Confirmed);
        assert_eq!(program("{}", "convert"), Confirmed);
    }

    #[test]
    fn an_argv_element_that_starts_an_option_is_confirmed() {
        assert_eq!(argv("{}", "-oProxyCommand=x"), Confirmed);
        assert_eq!(argv("{}", "--output=/etc/x"), Confirmed);
        assert_eq!(argv("{}", "-"), Confirmed);
        assert_eq!(argv("{}", "--"), Confirmed);
        assert_eq!(argv("-{}", "rf"), Confirmed);
        assert_eq!(argv("--{}", "exec=sh"), Confirmed);
        assert_eq!(confidence_of(analyze, "argv", "{}", "-la"), Confirmed);
        assert_eq!(confidence_of(analyze, "arg", "{}", "-la"), Confirmed);
    }

    #[test]
    fn an_argv_element_that_stays_a_value_is_unsanitized() {
        assert_eq!(argv("{}", "notes.txt"), Unsanitized);
        assert_eq!(argv("{}", "42"), Unsanitized);
        assert_eq!(argv("/srv/files/{}", "report 2024.pdf"), Unsanitized);
        // No shell reads an argument vector.
        assert_eq!(argv("{}", "; cat /etc/passwd"), Unsanitized);
        assert_eq!(argv("{}", "$(id)"), Unsanitized);
        assert_eq!(argv("{}", "a|b&c`d`*"), Unsanitized);
        // The program chose the option; the attacker only its value.
        assert_eq!(argv("--name={}", "-x"), Unsanitized);
        assert_eq!(argv("-o{}", "ProxyCommand=x"), Unsanitized);
        assert_eq!(argv("{}", "a-b"), Unsanitized);
    }

    #[test]
    fn a_tainted_nul_is_confirmed_in_every_role() {
        assert_eq!(argv("{}.txt", "notes\0"), Confirmed);
        assert_eq!(program("{}", "a\0"), Confirmed);
        assert_eq!(
            confidence_of(analyze, "command", "cat {}.txt", "notes\0"),
            Confirmed
        );
    }

    #[test]
    fn never_panics() {
        let texts: [&[u8]; 4] = [b"", b"-", b"\xff\xfe-\x00", b"--=\xc3"];
        // The last two are out of order and out of bounds, which callers promise never to pass.
        let backwards = std::ops::Range { start: 5, end: 2 };
        let ranges = [0..0, 0..1, 1..3, 0..100, backwards, 50..60];
        for argument in ["program", "args", "argv", "arg", "command"] {
            for text in texts {
                for r in &ranges {
                    let input = Input {
                        text,
                        tainted: std::slice::from_ref(r),
                        argument,
                    };
                    let _ = analyze(&input);
                }
            }
        }
    }
}
