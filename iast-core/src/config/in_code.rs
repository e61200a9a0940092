//! Settings a program makes in code, each in place of its key in `iast.toml` for the whole
//! process from the moment it is made (`iast::set_redaction_default`,
//! `iast::set_stored_sources`, `iast::set_protect`).

use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// One such setting: unset until the program makes it, and then what it made.
pub(crate) struct InCode(AtomicU32);

/// No setting is all ones: a flag is 0 or 1, and a class set has fewer classes than bits.
const UNSET: u32 = u32::MAX;
const _: () = assert!(crate::vulnerability::Vulnerability::ALL.len() < 32);

impl InCode {
    pub(crate) const fn unset() -> InCode {
        InCode(AtomicU32::new(UNSET))
    }

    pub(crate) fn set(&self, bits: u32) {
        self.0.store(bits, Relaxed);
    }

    /// What the program set, or `from_file` (the configuration's) when it set nothing.
    pub(crate) fn get(&self, from_file: impl FnOnce() -> u32) -> u32 {
        match self.0.load(Relaxed) {
            UNSET => from_file(),
            bits => bits,
        }
    }

    pub(crate) fn set_flag(&self, on: bool) {
        self.set(u32::from(on));
    }

    pub(crate) fn flag(&self, from_file: impl FnOnce() -> bool) -> bool {
        self.get(|| u32::from(from_file())) == 1
    }
}
