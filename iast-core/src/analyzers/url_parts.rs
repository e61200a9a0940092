//! Where the parts of a URL lie in the raw text, as a WHATWG client reads it: shared by the
//! analyzers of outgoing URLs (`ssrf`) and of redirects (`redirect`).

use crate::ranges::Runs;
use std::ops::Range;

/// The scheme of a URL, as far as the analyzers care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scheme {
    /// A relative reference; resolved against a base assumed to be `http:` or `https:`.
    None,
    /// `http`, `https`, `ws`, `wss`, `ftp`: `\` is a slash and any run of slashes introduces
    /// the authority.
    Special,
    File,
    /// `javascript`, `vbscript`, `data`: the rest of the URL is code or a document, not a
    /// location.
    Active,
    Other,
}

/// Where the server-choosing parts of a URL lie in the raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Origin {
    /// From the first significant byte to the end of the authority (scheme, slashes, userinfo,
    /// host, port), or to the end of the scheme's `:` when there is no authority; empty for a
    /// reference relative to the current server.
    pub(super) span: Range<usize>,
    /// Userinfo, host and port, when an authority follows the scheme or leading slashes.
    pub(super) authority: Option<Range<usize>>,
    /// A `\` that ended the authority. WHATWG clients end the host there; RFC 3986 parsers (a
    /// validator, a proxy) read on, so `trusted.example\@evil.example` has two readings.
    pub(super) backslash_end: Option<usize>,
    pub(super) scheme: Scheme,
    /// End of the significant bytes (trailing C0 controls and spaces are trimmed).
    pub(super) end: usize,
}

impl Origin {
    pub(super) fn of(text: &[u8]) -> Origin {
        let start = text.iter().position(|&b| b > b' ').unwrap_or(text.len());
        let end = text
            .iter()
            .rposition(|&b| b > b' ')
            .map_or(start, |i| i + 1);
        let mut s = Significant {
            text,
            pos: start,
            end,
        };
        let scheme = scheme(&mut s);
        let slash = |b: Option<u8>| matches!(b, Some(b'/' | b'\\'));
        let authority_follows = match scheme {
            Scheme::Special => {
                while slash(s.peek()) {
                    s.bump();
                }
                true
            }
            Scheme::None => {
                let mut probe = s.clone();
                let first = probe.next();
                if slash(first) && slash(probe.peek()) {
                    s = probe;
                    while slash(s.peek()) {
                        s.bump();
                    }
                    true
                } else {
                    false
                }
            }
            Scheme::File => {
                let mut probe = s.clone();
                let two = slash(probe.next()) && slash(probe.next());
                if two {
                    s = probe;
                }
                two
            }
            Scheme::Active | Scheme::Other => {
                let mut probe = s.clone();
                let two = probe.next() == Some(b'/') && probe.next() == Some(b'/');
                if two {
                    s = probe;
                }
                two
            }
        };
        if !authority_follows {
            let span_end = if scheme == Scheme::None {
                start
            } else {
                s.here()
            };
            return Origin {
                span: start..span_end,
                authority: None,
                backslash_end: None,
                scheme,
                end,
            };
        }
        let special = matches!(scheme, Scheme::None | Scheme::Special | Scheme::File);
        let authority_start = s.here();
        while let Some(b) = s.peek() {
            if matches!(b, b'/' | b'?' | b'#') || (special && b == b'\\') {
                break;
            }
            s.bump();
        }
        let authority_end = s.here();
        let backslash_end =
            (special && text.get(authority_end) == Some(&b'\\')).then_some(authority_end);
        Origin {
            span: start..authority_end,
            authority: Some(authority_start..authority_end),
            backslash_end,
            scheme,
            end,
        }
    }

    /// Whether tainted bytes choose the scheme, userinfo, host or port.
    pub(super) fn chosen_by(&self, tainted: &Runs) -> bool {
        tainted.overlaps(self.span.clone())
            || self.backslash_end.is_some_and(|i| tainted.contains(i))
    }
}

/// Reads a scheme and its `:`, leaving `s` after them; leaves `s` alone when there is none.
fn scheme(s: &mut Significant<'_>) -> Scheme {
    const LONGEST: usize = 10;
    let mut probe = s.clone();
    if !probe.peek().is_some_and(|b| b.is_ascii_alphabetic()) {
        return Scheme::None;
    }
    let mut name = [0u8; LONGEST];
    let mut len = 0;
    loop {
        match probe.next() {
            Some(b':') => break,
            Some(b) if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.') => {
                if let Some(slot) = name.get_mut(len) {
                    *slot = b.to_ascii_lowercase();
                }
                len += 1;
            }
            _ => return Scheme::None,
        }
    }
    *s = probe;
    match name.get(..len).unwrap_or_default() {
        b"http" | b"https" | b"ws" | b"wss" | b"ftp" => Scheme::Special,
        b"file" => Scheme::File,
        b"javascript" | b"vbscript" | b"data" => Scheme::Active,
        _ => Scheme::Other,
    }
}

/// The bytes a WHATWG parser looks at: within the trimmed bounds, skipping tabs and newlines.
#[derive(Clone)]
struct Significant<'a> {
    text: &'a [u8],
    pos: usize,
    end: usize,
}

impl Significant<'_> {
    fn peek(&mut self) -> Option<u8> {
        let rest = self.text.get(self.pos..self.end).unwrap_or_default();
        let skipped = rest
            .iter()
            .take_while(|b| matches!(b, b'\t' | b'\n' | b'\r'))
            .count();
        self.pos += skipped;
        rest.get(skipped).copied()
    }

    fn bump(&mut self) {
        if self.peek().is_some() {
            self.pos += 1;
        }
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        self.bump();
        b
    }

    /// Index of the next significant byte, or the end.
    fn here(&mut self) -> usize {
        self.peek();
        self.pos
    }
}
