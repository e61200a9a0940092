//! Whether a response body shows a Rust panic or backtrace (CWE-209), in one pass over it.
//!
//! What is looked for is what Rust itself writes, so that prose about panics does not match:
//! - the panic hook's `panicked at src/db.rs:42:10` (since Rust 1.73; before it, the message
//!   came first: `panicked at 'boom', src/db.rs:42:10`);
//! - tokio's `JoinError` of a panicked task: `task 7 panicked with message "boom"`, or
//!   `task 7 panicked` when the payload was no string, and its `{:?}`:
//!   `JoinError::Panic(Id(7), "boom", ..)`;
//! - a backtrace's heading followed by its first frame: `stack backtrace:\n   0: ...` (std's
//!   panic hook) or `Stack backtrace:\n   0: ...` (anyhow's `{:?}`).

use iast::__private::static_finder as finder;
use memchr::memmem;
use std::ops::Range;

/// Most bytes between `panicked at ` and the source location that ends it (the old format's
/// quoted message): a location further away is some other text naming a `.rs` file.
const MAX_MESSAGE: usize = 256;
/// Bytes before `panicked` in which tokio's `task N ` stands.
const TASK_LEAD: usize = 32;
/// Bytes after a backtrace heading in which its first frame (`0: `) starts.
const FRAME_LEAD: usize = 24;
/// Most bytes of a backtrace shown as evidence, from its heading.
const MAX_SHOWN: usize = 256;

/// What the body shows of its first panic or backtrace, as evidence: `panicked at` and the
/// source location (never the message, which may hold anything the program had, secrets
/// included), tokio's `task N panicked`, or a backtrace's heading and first frame; `None`
/// when there is none. Each finder below reads the body once with `memmem` and looks at a
/// bounded number of bytes around each candidate, so the whole costs time linear in the body.
pub(crate) fn find(body: &[u8]) -> Option<Vec<u8>> {
    // The five `memmem` passes over the body.
    step(5 * body.len());
    let location = panic_location(body).map(|(at, location)| {
        let mut shown = b"panicked at ".to_vec();
        shown.extend_from_slice(&body[location]);
        (at, shown)
    });
    let task = task_panic(body)
        .or_else(|| join_error(body))
        .map(|span| (span.start, body[span].to_vec()));
    let trace = backtrace(body).map(|span| (span.start, body[span].to_vec()));
    [location, task, trace]
        .into_iter()
        .flatten()
        .min_by_key(|(at, _)| *at)
        .map(|(_, shown)| shown)
}

/// `panicked at ` followed, within [`MAX_MESSAGE`] bytes, by `FILE.rs:LINE:COLUMN`: where the
/// former starts, and the span of the latter.
fn panic_location(body: &[u8]) -> Option<(usize, Range<usize>)> {
    const PANICKED: &[u8] = b"panicked at ";
    let mut panics = finder!(PANICKED).find_iter(body).peekable();
    // The last `panicked at ` before the location being looked at: both iterators move
    // forward only.
    let mut last = None;
    for at in finder!(b".rs:").find_iter(body) {
        step(1);
        while let Some(&p) = panics.peek() {
            if p + PANICKED.len() > at {
                break;
            }
            step(1);
            last = Some(p);
            panics.next();
        }
        let Some(p) = last else { continue };
        let after = p + PANICKED.len();
        if at - after > MAX_MESSAGE {
            continue;
        }
        // Runs of digits after two different `.rs:` never overlap, so reading them is linear.
        if let Some(end) = line_and_column(body, at + 4) {
            // The file's path: back from `.rs` to a blank, quote or comma, never before
            // `panicked at ` (the old format's message comes between them).
            let path = body[after..at]
                .iter()
                .rposition(|b| b.is_ascii_whitespace() || matches!(b, b'\'' | b'"' | b','))
                .map_or(after, |i| after + i + 1);
            step(at - after);
            return Some((p, path..end));
        }
    }
    None
}

/// The end of `LINE:COLUMN` starting at `from`, if that is what is there.
fn line_and_column(body: &[u8], from: usize) -> Option<usize> {
    let digits = |at: usize| {
        let n = body.get(at..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        });
        step(n + 1);
        n
    };
    let line = digits(from);
    if line == 0 || body.get(from + line) != Some(&b':') {
        return None;
    }
    let column = digits(from + line + 1);
    (column > 0).then_some(from + line + 1 + column)
}

/// Tokio's `task N panicked` (`with message ...` when the payload was a string): the span of
/// `task N panicked`.
fn task_panic(body: &[u8]) -> Option<Range<usize>> {
    const PANICKED: &[u8] = b" panicked";
    finder!(PANICKED).find_iter(body).find_map(|at| {
        let end = at + PANICKED.len();
        if body
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            return None;
        }
        let lead = &body[at.saturating_sub(TASK_LEAD)..at];
        step(1 + lead.len());
        let task = memmem::rfind(lead, b"task ")?;
        let id = &lead[task + 5..];
        let numbered = !id.is_empty() && id.iter().all(u8::is_ascii_digit);
        numbered.then(|| at - id.len() - 5..end)
    })
}

/// Tokio's `JoinError` of a panicked task written with `{:?}`: `JoinError::Panic(Id(44),
/// "message", ..)`. The span of `JoinError::Panic(Id(44)`, or of `JoinError::Panic` alone.
fn join_error(body: &[u8]) -> Option<Range<usize>> {
    const PANIC: &[u8] = b"JoinError::Panic(";
    let at = finder!(PANIC).find(body)?;
    let after = at + PANIC.len();
    let id = body.get(after..).filter(|rest| rest.starts_with(b"Id("));
    let end = id
        .and_then(|rest| {
            let digits = rest[3..].iter().take_while(|b| b.is_ascii_digit()).count();
            step(digits + 1);
            (digits > 0 && rest.get(3 + digits) == Some(&b')')).then_some(after + 4 + digits)
        })
        .unwrap_or(after - 1);
    Some(at..end)
}

/// A backtrace heading and its first frame: the span from the heading to the end of the
/// frame's first line (at most [`MAX_SHOWN`] bytes).
fn backtrace(body: &[u8]) -> Option<Range<usize>> {
    // Without the first letter, which is `s` in std's heading and `S` in anyhow's.
    const HEADING: &[u8] = b"tack backtrace:";
    finder!(HEADING).find_iter(body).find_map(|at| {
        step(1 + FRAME_LEAD);
        let start = at.checked_sub(1)?;
        if !matches!(body[start], b's' | b'S') {
            return None;
        }
        let after = at + HEADING.len();
        let lead = &body[after..body.len().min(after + FRAME_LEAD)];
        let blank = lead.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if blank == 0 || !lead[blank..].starts_with(b"0: ") {
            return None;
        }
        let limit = body.len().min(start + MAX_SHOWN);
        let frame = after + blank;
        let end = memchr::memchr(b'\n', &body[frame..limit]).map_or(limit, |n| frame + n);
        Some(start..end)
    })
}

#[cfg(test)]
thread_local! {
    /// The work of the finders on this thread: bytes read and candidates looked at.
    static STEPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts `n` steps of work, in tests (see `tests::work_grows_linearly`); nothing otherwise.
#[inline(always)]
fn step(n: usize) {
    #[cfg(test)]
    STEPS.with(|s| s.set(s.get() + n));
    let _ = n;
}

#[cfg(test)]
mod tests {
    use super::{STEPS, find};

    /// The work of one `find` over `body`.
    fn work(body: &[u8]) -> usize {
        STEPS.with(|s| s.set(0));
        find(body);
        STEPS.with(|s| s.get())
    }

    /// Shapes that give each finder a candidate every few bytes, none of which matches: four
    /// times the body costs at most four times the work.
    #[test]
    fn work_grows_linearly() {
        let shapes: [&[u8]; 6] = [
            b"panicked at ",
            b"x.rs:",
            b"panicked at x.rs:1234:",
            b"x.rs:123456789",
            b"task 1 task panicked with message",
            b"stack backtrace:                      ",
        ];
        for shape in shapes {
            let small = shape.repeat(2_000);
            let large = shape.repeat(8_000);
            let (w1, w4) = (work(&small), work(&large));
            assert!(
                w4 <= 4 * w1 + 256,
                "{}: {w1} then {w4}",
                String::from_utf8_lossy(shape)
            );
        }
    }

    fn shown(body: &str) -> Option<String> {
        find(body.as_bytes()).map(|shown| String::from_utf8(shown).unwrap())
    }

    #[test]
    fn finds_what_rust_writes() {
        assert_eq!(
            shown("oops: thread 'tokio-runtime-worker' panicked at src/db.rs:42:10:\nno row"),
            Some("panicked at src/db.rs:42:10".to_owned())
        );
        // The old format's message comes first: it is left out.
        assert_eq!(
            shown("thread 'main' panicked at 'token=s3cr3t', src/main.rs:3:5"),
            Some("panicked at src/main.rs:3:5".to_owned())
        );
        assert_eq!(
            shown(r#"{"error":"task 12 panicked with message \"boom\""}"#),
            Some("task 12 panicked".to_owned())
        );
        assert_eq!(
            shown("join failed: task 7 panicked"),
            Some("task 7 panicked".to_owned())
        );
        assert_eq!(
            shown("failed\n\nStack backtrace:\n   0: anyhow::error::new\n   1: app::main\n"),
            Some("Stack backtrace:\n   0: anyhow::error::new".to_owned())
        );
        assert_eq!(
            shown("stack backtrace:\r\n   0: rust_begin_unwind"),
            Some("stack backtrace:\r\n   0: rust_begin_unwind".to_owned())
        );
    }

    #[test]
    fn leaves_prose_alone() {
        for body in [
            "The server panicked at midnight; see main.rs for details.",
            "panicked at src/db.rs",
            "panicked at src/db.rs:x:1",
            "the task panicked with message boxes",
            "task manager panicked with message",
            "task 7 panickedly",
            "JoinError::Cancelled(Id(3))",
            "a stack backtrace: is what you get",
            "main.rs:4:2 panicked at ",
            "",
        ] {
            assert_eq!(shown(body), None, "{body}");
        }
        let far = format!("panicked at '{}', src/main.rs:3:5", "x".repeat(300));
        assert_eq!(shown(&far), None);
    }

    #[test]
    fn takes_the_first_in_the_body() {
        let body = "Stack backtrace:\n   0: f\nthread 'main' panicked at src/a.rs:1:2:";
        assert_eq!(shown(body), Some("Stack backtrace:\n   0: f".to_owned()));
    }
}
