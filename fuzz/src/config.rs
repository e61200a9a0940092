//! `iast.toml`, parsed from any text.
//!
//! Checked:
//! - the parser never panics (its error positions slice the text);
//! - an error names the file, a line within the text and a column from 1, in one line of
//!   text;
//! - a parsed configuration keeps the schema's own rules: `min_match_length` within its
//!   bounds, formats sorted and distinct, fingerprints 16 lowercase hex digits and distinct,
//!   reasons trimmed and non-empty, no pattern matching the empty text, no empty path;
//! - it round-trips: written back as TOML (the project has no writer, so this module has
//!   one) it parses to the same settings.

use iast_core::Vulnerability;
use iast_core::config::{Config, Format, MIN_MATCH_FLOOR};
use iast_core::fuzzing;
use std::fmt::Write as _;

const FILE: &str = "fuzz/iast.toml";

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Config::parse(FILE, &text) {
        Ok(config) => {
            well_formed(&config);
            let written = write(&config);
            let reread = Config::parse(FILE, &written).unwrap_or_else(|e| {
                panic!("the settings written back do not parse: {e}\n{written}")
            });
            assert_eq!(
                settings(&config),
                settings(&reread),
                "the settings written back differ:\n{written}"
            );
        }
        Err(e) => {
            assert_eq!(e.file, FILE);
            let lines = text.matches('\n').count() + 1;
            assert!(
                (1..=lines).contains(&e.line) && e.column >= 1,
                "error at {}:{} in a text of {lines} lines: {e}",
                e.line,
                e.column
            );
            assert!(!e.message.is_empty());
            assert!(
                !e.to_string().contains('\n'),
                "an error takes more than one line: {e:?}"
            );
        }
    }
}

fn well_formed(c: &Config) {
    let max = iast_core::fuzzing::StoreCaps::default().max_value_len;
    assert!(
        (MIN_MATCH_FLOOR..=max).contains(&c.min_match_length),
        "min_match_length {}",
        c.min_match_length
    );
    assert!(
        c.formats.windows(2).all(|w| w[0] < w[1]),
        "formats {:?} unsorted or repeated",
        c.formats
    );
    for (i, s) in c.baseline.iter().enumerate() {
        assert!(
            s.fingerprint.len() == 16
                && s.fingerprint
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "fingerprint {:?}",
            s.fingerprint
        );
        assert!(
            !s.reason.is_empty() && s.reason.trim() == s.reason,
            "reason {:?}",
            s.reason
        );
        assert!(s.line >= 1);
        assert!(
            c.baseline[..i]
                .iter()
                .all(|o| o.fingerprint != s.fingerprint),
            "fingerprint {} listed twice",
            s.fingerprint
        );
    }
    for p in fuzzing::redaction_patterns(c) {
        assert!(
            !p.is_match(""),
            "pattern {:?} matches the empty text",
            p.as_str()
        );
    }
    for p in c.output.iter().chain(&c.report_dir) {
        assert!(!p.as_os_str().is_empty());
    }
}

/// Everything a configuration says, comparable (a baseline entry's line is where it was
/// written, so it is left out).
fn settings(c: &Config) -> String {
    format!(
        "{} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
        c.min_match_length,
        c.redaction,
        c.redaction_patterns().collect::<Vec<_>>(),
        c.disabled,
        c.output,
        c.fail_on,
        c.report_dir,
        c.formats,
        c.baseline
            .iter()
            .map(|s| (&s.fingerprint, &s.reason))
            .collect::<Vec<_>>(),
        c.fleet,
    )
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn path(p: &std::path::Path) -> String {
    quoted(
        p.to_str()
            .expect("paths parsed from TOML strings are UTF-8"),
    )
}

/// `c` as `iast.toml` text.
fn write(c: &Config) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "[taint]\nmin_match_length = {}", c.min_match_length);
    let patterns: Vec<String> = c.redaction_patterns().map(quoted).collect();
    let _ = writeln!(
        t,
        "[redaction]\nenabled = {}\npatterns = [{}]",
        c.redaction,
        patterns.join(", ")
    );
    t.push_str("[classes]\n");
    for v in Vulnerability::ALL {
        let _ = writeln!(t, "{} = {}", v.word(), !c.disabled.contains(v));
    }
    if let Some(output) = &c.output {
        let _ = writeln!(t, "[collect]\noutput = {}", path(output));
    }
    let _ = writeln!(
        t,
        "[fleet]\nsend = {}\ntrust = {}",
        c.fleet.send, c.fleet.trust
    );
    if let Some(service) = &c.fleet.service {
        let _ = writeln!(t, "service = {}", quoted(service));
    }
    let fail_on = c.fail_on.word();
    let formats: Vec<String> = c.formats.iter().map(|f| quoted(Format::word(*f))).collect();
    let _ = writeln!(
        t,
        "[report]\nfail_on = \"{fail_on}\"\nformats = [{}]",
        formats.join(", ")
    );
    if let Some(dir) = &c.report_dir {
        let _ = writeln!(t, "dir = {}", path(dir));
    }
    for s in &c.baseline {
        let _ = writeln!(
            t,
            "[[baseline]]\nfingerprint = {}\nreason = {}",
            quoted(&s.fingerprint),
            quoted(&s.reason)
        );
    }
    t
}
