//! Support for the code the attribute macros generate. Not a public API: it may change in
//! any release. Generated code calls only what is here, through `::iast::__private`: thin
//! shims over the engine (`crate::engine`), and re-exports.

pub use crate::engine::{Recorder, SanitizerInput, SinkCall, ValidatorArgs};
pub use crate::registry::{ITEMS, Item, ItemKind};
pub use crate::vulnerability::{ClassSet, Vulnerability};
pub use linkme;

/// How a source's return value is varied in a probe run, chosen by its type (see
/// `crate::probe::vary`).
pub mod vary {
    pub use crate::probe::vary::*;
}

/// Whether the current context is a probe run that varies the sources' values.
#[inline]
pub fn varying() -> bool {
    crate::engine::varying()
}

/// Varies a source's return value in a probe run; `f` dispatches on its type.
#[inline]
pub fn vary(item: &'static Item, f: impl FnOnce(&mut vary::Choose<'_>) -> vary::Varied) {
    crate::engine::vary(item, f);
}

/// How an argument or return value is visited, chosen by its type (see `crate::visit`).
pub mod visit {
    pub use crate::visit::*;
}

/// The registry entry of an annotated function; a `const fn`, for the entry's static.
pub const fn item(
    kind: ItemKind,
    function: &'static str,
    file: &'static str,
    line: u32,
    package: &'static str,
    manifest_dir: &'static str,
) -> Item {
    Item {
        kind,
        function,
        file,
        line,
        package,
        manifest_dir,
    }
}

/// Whether the current thread runs inside a context. One thread-local read: this is the
/// whole cost of an annotated function called outside any context.
#[inline(always)]
pub fn active() -> bool {
    crate::context::active()
}

/// Checks the arguments of a sink call. `f` names each argument with [`SinkCall::arg`] and
/// then visits it. `caller` is the sink's `Location::caller()` (`None` in an `async fn`,
/// where `#[track_caller]` does nothing).
#[inline]
pub fn sink(
    item: &'static Item,
    caller: Option<&'static std::panic::Location<'static>>,
    f: impl FnOnce(&mut SinkCall),
) {
    crate::engine::sink(item, caller, f);
}

/// A web layer's response check `check` ran in the current context (see `engine::weakness`).
#[inline]
pub fn response_checked(check: &'static Item) {
    crate::engine::checked(check);
}

/// A web layer's response check `check` found a weakness of `class` (one that needs no
/// taint) about `subject`, shown as `shown` (already stripped of secrets) under the name
/// `argument`. See `engine::weakness`.
#[inline]
pub fn weakness(
    check: &'static Item,
    class: Vulnerability,
    subject: Option<&str>,
    argument: &'static str,
    shown: &[u8],
) {
    crate::engine::weakness(check, class, subject, argument, shown);
}

/// The text that stands for a hidden secret in evidence.
pub const REDACTED: &[u8] = crate::evidence::REDACTED;

/// A call of the sink `item` that found no context current on its thread (see `lost`).
#[inline(always)]
pub fn sink_outside_context(item: &'static Item) {
    crate::lost::sink_outside(item);
}

/// Records the string leaves of a source's return value as tainted.
#[inline]
pub fn source<T>(item: &'static Item, value: &T, f: impl FnOnce(&mut Recorder)) {
    crate::engine::record(item, value, None, f);
}

/// [`source`] for `#[iast::source(name = param)]`: the values are recorded as named.
#[inline]
pub fn source_named<T>(
    item: &'static Item,
    name: Option<&str>,
    value: &T,
    f: impl FnOnce(&mut Recorder),
) {
    crate::engine::record(item, value, name, f);
}

/// The text of a source's `name = param` argument, for a parameter the body may consume:
/// taken before the body runs, and only inside a context.
#[inline]
pub fn source_name(name: &dyn std::fmt::Display) -> Option<String> {
    active().then(|| name.to_string())
}

/// A source's `name = param` of a shared-reference type, read after the body (the reference
/// is copied into it, not moved): borrowed when it is string-like, written out through
/// `Display` otherwise. `(&&Name(param)).__iast_name()` picks the first that applies.
pub struct Name<'a, T: ?Sized>(pub &'a T);

/// The first choice of [`Name`]: a string-like name, borrowed.
pub trait NameViaStr<'a> {
    /// The name's text.
    fn __iast_name(self) -> std::borrow::Cow<'a, str>;
}

impl<'a, T: AsRef<str> + ?Sized> NameViaStr<'a> for &&Name<'a, T> {
    #[inline]
    fn __iast_name(self) -> std::borrow::Cow<'a, str> {
        std::borrow::Cow::Borrowed(self.0.as_ref())
    }
}

/// The second choice of [`Name`]: any name written out through `Display`.
pub trait NameViaDisplay<'a> {
    /// The name's text.
    fn __iast_name(self) -> std::borrow::Cow<'a, str>;
}

impl<'a, T: std::fmt::Display + ?Sized> NameViaDisplay<'a> for &Name<'a, T> {
    fn __iast_name(self) -> std::borrow::Cow<'a, str> {
        std::borrow::Cow::Owned(self.0.to_string())
    }
}

/// Scans a sanitizer's arguments for the sources they carry, before its body runs.
#[inline]
pub fn sanitizer_input(f: impl FnOnce(&mut SanitizerInput)) -> Option<SanitizerInput> {
    crate::engine::sanitizer_input(f)
}

/// Records the string leaves of a sanitizer's return value as safe for its classes, and as
/// tainted by what its `input` carried for the others.
#[inline]
pub fn sanitizer<T>(
    item: &'static Item,
    input: Option<SanitizerInput>,
    value: &T,
    f: impl FnOnce(&mut Recorder),
) {
    crate::engine::record_sanitized(item, input, value, f);
}

/// Copies a validator's arguments before its body runs (the body may consume them).
#[inline]
pub fn validator_args(
    item: &'static Item,
    f: impl FnOnce(&mut ValidatorArgs),
) -> Option<ValidatorArgs> {
    crate::engine::validator_args(item, f)
}

/// Records the arguments copied by [`validator_args`] as safe when the validator approved them.
#[inline]
pub fn validator_verdict(args: Option<ValidatorArgs>, approved: bool) {
    crate::engine::validator_verdict(args, approved);
}

/// A `memchr::memmem::Finder` for a constant needle, built once per process: building one (its
/// SIMD tables) costs more than searching a short argument or a small page with it, and the
/// checks search every argument and response they read.
#[doc(hidden)]
#[macro_export]
macro_rules! __static_finder {
    ($needle:expr) => {{
        static FINDER: ::std::sync::LazyLock<$crate::__private::memmem::Finder<'static>> =
            ::std::sync::LazyLock::new(|| $crate::__private::memmem::Finder::new($needle));
        &*FINDER
    }};
}
pub use crate::__static_finder as static_finder;
pub use memchr::memmem;
