//! Analyzer for XPath expressions.
//!
//! Structural analysis for this class is not built yet: every unsanitized flow is reported
//! as [`Confidence::Unsanitized`], never as confirmed.

use crate::vulnerability::Confidence;
use std::ops::Range;

pub(super) fn analyze(_text: &[u8], _tainted: &[Range<usize>]) -> Confidence {
    Confidence::Unsanitized
}
