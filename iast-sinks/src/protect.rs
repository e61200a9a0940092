//! Protect mode in the wrappers: a sink call that the engine blocked (a confirmed flow of a
//! class set to `block` in `iast.toml`, in a request a web layer served) returns the
//! library's own error carrying [`Blocked`] instead of running. See `iast::refuse_sink`.

use iast::Vulnerability;

/// The error inside what a refused call returns: `rusqlite::Error::ToSqlConversionFailure`, an
/// `io::Error` of kind `PermissionDenied`. The web layer answers the request with 403
/// whatever the handler makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocked {
    class: Vulnerability,
}

impl Blocked {
    /// The class of the confirmed flow that was refused.
    pub fn class(&self) -> Vulnerability {
        self.class
    }
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "iast protect mode refused this call: a confirmed {} ({})",
            self.class.title(),
            self.class.rule_id()
        )
    }
}

impl std::error::Error for Blocked {}

/// `Err` when the sink call just checked on this thread must not run.
#[cfg_attr(not(any(feature = "std", feature = "rusqlite")), allow(dead_code))]
pub(crate) fn refused(class: Vulnerability) -> Result<(), Blocked> {
    match iast::refuse_sink() {
        true => Err(Blocked { class }),
        false => Ok(()),
    }
}

/// [`refused`] as the error of a file or process call.
#[cfg(feature = "std")]
pub(crate) fn io(class: Vulnerability) -> std::io::Result<()> {
    refused(class).map_err(|b| std::io::Error::new(std::io::ErrorKind::PermissionDenied, b))
}
