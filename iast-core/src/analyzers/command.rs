//! Analyzer for shell commands and argument vectors.
//!
//! Structural analysis for this class is not built yet: every unsanitized flow is reported
//! as [`Confidence::Unsanitized`], never as confirmed.

use super::Input;
use crate::vulnerability::Confidence;

pub(super) fn analyze(_input: &Input<'_>) -> Confidence {
    Confidence::Unsanitized
}
