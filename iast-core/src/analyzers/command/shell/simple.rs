//! The simple command being read: where its next word goes, and what its command word
//! makes of the arguments that follow (`eval` and shells re-read them as command lines).

use super::{Flow, Heredoc, Lexer, Word, confirmed_at, found_if};
use crate::analyzers::command::starts_option;

/// Where the next word of a simple command goes.
#[derive(Default)]
enum State {
    /// It names the command, unless it is an assignment.
    #[default]
    CommandWord,
    /// After `exec`, `env`, `nohup`...: options and assignments, then the command word.
    Precommand,
    /// Arguments; after an untainted `--` they are no longer options.
    Arguments { options_done: bool },
    /// Arguments of `eval`, re-read as one command line.
    Eval,
    /// Arguments of a shell, until its script.
    Shell {
        c: bool,
        skip_next: bool,
        options_done: bool,
    },
}

pub(super) enum Redirect {
    File,
    Heredoc { strip_tabs: bool },
}

#[derive(Default)]
pub(super) struct Simple {
    state: State,
    /// A redirection operator waiting for its target.
    pub(super) redirect: Option<Redirect>,
    eval: Option<(Vec<u8>, Vec<bool>)>,
}

impl Simple {
    pub(super) fn wants_command_word(&self) -> bool {
        self.redirect.is_none() && matches!(self.state, State::CommandWord | State::Precommand)
    }

    pub(super) fn take(&mut self, lexer: &mut Lexer<'_>, w: Word) -> Flow {
        if let Some(redirect) = self.redirect.take() {
            if let Redirect::Heredoc { strip_tabs } = redirect {
                lexer.heredocs.push(Heredoc {
                    delimiter: w.value,
                    quoted: w.quoted,
                    strip_tabs,
                });
            }
            return Ok(());
        }
        let (reread, nesting) = (lexer.reread + 1, lexer.nesting);
        match &mut self.state {
            State::CommandWord | State::Precommand if w.assignment => found_if(w.name_tainted),
            State::Precommand if w.value.first() == Some(&b'-') => {
                found_if(starts_option(&w.value, &w.taint))
            }
            State::CommandWord | State::Precommand => {
                found_if(w.tainted)?;
                self.state = after_command_word(&w);
                Ok(())
            }
            State::Arguments { options_done } => {
                if !*options_done && w.value == b"--" && !w.tainted {
                    *options_done = true;
                }
                found_if(!*options_done && starts_option(&w.value, &w.taint))
            }
            State::Eval => {
                let (value, taint) = self.eval.get_or_insert_default();
                if !value.is_empty() {
                    value.push(b' ');
                    taint.push(false);
                }
                value.extend_from_slice(&w.value);
                taint.extend_from_slice(&w.taint);
                Ok(())
            }
            State::Shell {
                c,
                skip_next,
                options_done,
            } => {
                let v = &w.value;
                if *skip_next {
                    *skip_next = false;
                    return found_if(starts_option(v, &w.taint));
                }
                if !*options_done && v == b"--" {
                    *options_done = true;
                    return found_if(w.tainted);
                }
                if !*options_done && v.len() > 1 && matches!(v[0], b'-' | b'+') {
                    if v[1] != b'-' {
                        *c |= v.contains(&b'c');
                        *skip_next = matches!(&v[1..], b"o" | b"O");
                    }
                    return found_if(starts_option(v, &w.taint));
                }
                // Without `-c` this names the script file to run.
                let script = *c;
                self.state = State::Arguments {
                    options_done: false,
                };
                found_if(if script {
                    w.tainted && confirmed_at(&w.value, &w.taint, reread, nesting)
                } else {
                    w.tainted
                })
            }
        }
    }

    pub(super) fn finish(&mut self, lexer: &Lexer<'_>) -> Flow {
        match self.eval.take() {
            Some((value, taint)) => found_if(confirmed_at(
                &value,
                &taint,
                lexer.reread + 1,
                lexer.nesting,
            )),
            None => Ok(()),
        }
    }
}

fn after_command_word(w: &Word) -> State {
    const RESERVED: [&[u8]; 9] = [
        b"!", b"{", b"if", b"then", b"else", b"elif", b"do", b"while", b"until",
    ];
    if !w.quoted && RESERVED.contains(&&w.value[..]) {
        return State::CommandWord;
    }
    let name = w.value.rsplit(|&b| b == b'/').next().unwrap_or_default();
    match name {
        b"eval" => State::Eval,
        b"sh" | b"bash" | b"dash" | b"zsh" | b"ksh" | b"mksh" | b"ash" | b"yash" | b"posh" => {
            State::Shell {
                c: false,
                skip_next: false,
                options_done: false,
            }
        }
        b"exec" | b"command" | b"builtin" | b"nohup" | b"env" | b"time" | b"setsid"
        | b"busybox" => State::Precommand,
        _ => State::Arguments {
            options_done: false,
        },
    }
}
