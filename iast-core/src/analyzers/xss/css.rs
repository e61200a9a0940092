//! CSS: `<style>` elements and `style` attributes.
//!
//! Tainted bytes are confirmed when they add structure (`;` starts a declaration, braces a
//! rule), could hide a keyword from this check (a backslash escape, a comment), or belong to
//! a construct that runs script or loads code in some browser. Anything else, such as a color,
//! a length or a font name, stays a value.

use super::tainted_occurrence;
use std::ops::Range;

/// Script-running constructs: IE `expression()` and behaviors, Firefox XBL bindings, script
/// URLs, and imported style sheets.
const DANGEROUS: &[&[u8]] = &[
    b"expression",
    b"behavior",
    b"-moz-binding",
    b"javascript:",
    b"vbscript:",
    b"@import",
];

pub(super) fn confirmed(css: &[u8], taint: &[Range<usize>]) -> bool {
    let structural = taint.iter().any(|t| {
        (t.start..t.end.min(css.len())).any(|i| match css[i] {
            b';' | b'{' | b'}' | b'\\' => true,
            // Half of a comment delimiter, the other half being on either side.
            b'/' => css.get(i + 1) == Some(&b'*') || i.checked_sub(1).map(|p| css[p]) == Some(b'*'),
            b'*' => css.get(i + 1) == Some(&b'/') || i.checked_sub(1).map(|p| css[p]) == Some(b'/'),
            _ => false,
        })
    });
    structural
        || DANGEROUS
            .iter()
            .any(|keyword| tainted_occurrence(css, taint, keyword))
}
