//! The application's call into a sink.
//!
//! Generated sinks are `#[track_caller]` (but `async fn` ones, where the attribute does
//! nothing), and so are the wrappers of iast-sinks, so `Location::caller()` read in the sink
//! is the line of the application that made the dangerous call, however many wrappers lie in
//! between. Reading it costs nothing; the function around that line is looked up only when
//! a finding is made, once per call site, from a backtrace of the current thread (the line is
//! on the stack then).
//!
//! Framework layers that call sinks on the application's behalf say where instead, with
//! [`with_call_site`]: a tracing layer names the event's line, a response check names none
//! (the route is where).

use crate::site::CallSite;
use std::cell::Cell;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::Mutex;

/// A call site as captured: cheap to copy, resolved into a [`CallSite`] only for a finding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller {
    file: &'static str,
    line: u32,
    column: u32,
}

#[derive(Clone, Copy)]
enum Override {
    /// Take the sink's `Location::caller()`.
    Caller,
    /// No call site: the check is the framework's own (the route is where).
    None,
    At(&'static str, u32),
}

thread_local! {
    static OVERRIDE: Cell<Override> = const { Cell::new(Override::Caller) };
}

/// Runs `f` with the sink calls it makes attributed to `site`, a file and line of the
/// application, or to no line at all (`None`: checks a framework layer makes of its own,
/// such as the response of a request, whose findings name the route instead).
///
/// For framework integrations: a tracing layer checking an event passes the event's file and
/// line, so that a log injection points at the application's `info!`, not at the layer.
pub fn with_call_site<R>(site: Option<(&'static str, u32)>, f: impl FnOnce() -> R) -> R {
    struct Restore(Override);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = OVERRIDE.try_with(|o| o.set(self.0));
        }
    }
    let new = match site {
        Some((file, line)) => Override::At(file, line),
        None => Override::None,
    };
    let _restore = Restore(
        OVERRIDE
            .try_with(|o| o.replace(new))
            .unwrap_or(Override::Caller),
    );
    f()
}

/// Whether the sink being checked was called by a framework layer on its own behalf
/// (`with_call_site(None, ..)`: a check of a request's response), not by the application.
pub(crate) fn by_framework() -> bool {
    matches!(
        OVERRIDE.try_with(Cell::get).unwrap_or(Override::Caller),
        Override::None
    )
}

/// The caller of the sink being checked, as the generated code passes it (`None` for an
/// `async fn` sink), unless a layer said otherwise.
pub(crate) fn capture(location: Option<&'static Location<'static>>) -> Option<Caller> {
    match OVERRIDE.try_with(Cell::get).unwrap_or(Override::Caller) {
        Override::Caller => location.map(|l| Caller {
            file: l.file(),
            line: l.line(),
            column: l.column(),
        }),
        Override::None => None,
        Override::At(file, line) => Some(Caller {
            file,
            line,
            column: 0,
        }),
    }
}

/// Call sites whose function is remembered. Past it a call site is looked up again for each
/// finding: slower, never wrong.
const MAX_REMEMBERED: usize = 4096;

type Key = (usize, u32, u32);

static FUNCTIONS: Mutex<Option<HashMap<Key, Option<String>>>> = Mutex::new(None);

impl Caller {
    /// The call site with its enclosing function. Call it while the call is on the stack.
    pub(crate) fn resolve(self) -> CallSite {
        // The file's address only tells call sites apart in memory; it is never written out.
        let key = (self.file.as_ptr() as usize, self.line, self.column);
        let known = FUNCTIONS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|m| m.get(&key).cloned());
        let function = match known {
            Some(function) => function,
            None => {
                let backtrace = std::backtrace::Backtrace::force_capture().to_string();
                let function = enclosing_function(&backtrace, self.file, self.line);
                let mut functions = FUNCTIONS.lock().unwrap_or_else(|e| e.into_inner());
                let functions = functions.get_or_insert_with(HashMap::new);
                if functions.len() < MAX_REMEMBERED {
                    functions.insert(key, function.clone());
                }
                function
            }
        };
        CallSite::new(self.file, self.line, self.column, function)
    }
}

/// The function of the innermost frame of `backtrace` (std's rendering) that is at `file`
/// and `line`, without closure, generic and hash suffixes.
fn enclosing_function(backtrace: &str, file: &str, line: u32) -> Option<String> {
    let file = file.replace('\\', "/");
    let file = file.strip_prefix("./").unwrap_or(&file);
    let mut function: Option<&str> = None;
    for text in backtrace.lines() {
        let text = text.trim();
        if let Some(at) = text.strip_prefix("at ") {
            let mut parts = at.rsplitn(3, ':');
            let (_column, frame_line, path) = (parts.next(), parts.next(), parts.next());
            let (Some(frame_line), Some(path)) = (frame_line, path) else {
                continue;
            };
            // Backtraces print paths under the working directory as `./...`, relative to it,
            // while `file!()` is relative to the workspace: one ends with the other.
            let path = path.replace('\\', "/");
            let path = path.strip_prefix("./").unwrap_or(&path);
            let ends = |long: &str, short: &str| {
                long == short
                    || long
                        .strip_suffix(short)
                        .is_some_and(|dir| dir.ends_with('/'))
            };
            let same_file = ends(path, file) || ends(file, path);
            if same_file && frame_line.parse() == Ok(line) {
                return function.map(clean_function);
            }
        } else if let Some((number, name)) = text.split_once(": ")
            && number.bytes().all(|b| b.is_ascii_digit())
        {
            function = Some(name);
        }
    }
    None
}

/// `app::handler::{{closure}}::{{closure}}` → `app::handler`; `app::f::<T>` → `app::f`;
/// a trailing `::h0123456789abcdef` hash is dropped.
fn clean_function(name: &str) -> String {
    let mut name = name.trim();
    loop {
        let before = name;
        if let Some(rest) = name.strip_suffix("::{{closure}}") {
            name = rest;
        }
        if let Some((rest, last)) = name.rsplit_once("::")
            && (last.starts_with("{closure#") || last.starts_with('<'))
        {
            name = rest;
        }
        if let Some((rest, last)) = name.rsplit_once("::")
            && last.len() == 17
            && last.starts_with('h')
            && last[1..].bytes().all(|b| b.is_ascii_hexdigit())
        {
            name = rest;
        }
        if name == before {
            return name.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "   0: iast_core::caller::Caller::resolve
             at ./iast-core/src/caller.rs:90:33
   1: iast_sinks::process::check_command
             at ./iast-sinks/src/process.rs:67:1
   2: app::handlers::ping::{{closure}}
             at ./src/handlers.rs:42:18
   3: app::main
             at ./src/main.rs:10:5
";

    #[test]
    fn the_frame_at_the_line_names_the_function() {
        assert_eq!(
            enclosing_function(TRACE, "src/handlers.rs", 42).as_deref(),
            Some("app::handlers::ping")
        );
        assert_eq!(enclosing_function(TRACE, "src/handlers.rs", 43), None);
        // `src/main.rs` is not `…/other/src/main.rs`, and a suffix must start a component.
        assert_eq!(enclosing_function(TRACE, "rc/main.rs", 10), None);
        assert_eq!(enclosing_function("", "src/main.rs", 10), None);
    }

    #[test]
    fn suffixes_are_dropped() {
        assert_eq!(clean_function("app::f::{{closure}}::{{closure}}"), "app::f");
        assert_eq!(clean_function("app::f::{closure#0}"), "app::f");
        assert_eq!(clean_function("app::f::<u8>"), "app::f");
        assert_eq!(clean_function("app::f::h0123456789abcdef"), "app::f");
        assert_eq!(
            clean_function("<app::Db as app::Store>::query"),
            "<app::Db as app::Store>::query"
        );
    }

    #[test]
    fn a_real_backtrace_names_this_test() {
        #[track_caller]
        fn here() -> Caller {
            capture(Some(Location::caller())).unwrap()
        }
        let site = here().resolve();
        assert_eq!(site.file(), "iast-core/src/caller.rs");
        assert_eq!(
            site.function(),
            Some("iast_core::caller::tests::a_real_backtrace_names_this_test")
        );
        let site = with_call_site(Some(("src/log.rs", 7)), here).resolve();
        assert_eq!((site.file(), site.line()), ("src/log.rs", 7));
        assert!(with_call_site(None, || capture(Some(Location::caller()))).is_none());
    }
}
