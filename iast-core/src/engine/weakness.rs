//! Weaknesses found without taint: what a web layer's response checks see wrong in a
//! response whatever data it carries (a cookie set without `Secure`, a missing security
//! header, a panic message in the body). Such a finding has no source, is certain, and is
//! one flow per route, check and subject (the cookie), however many requests show it.

use crate::evidence::Evidence;
use crate::registry::Item;
use crate::report::{Finding, Site};
use crate::vulnerability::Vulnerability;

/// Notes that the response check `check` ran in the current context (for the coverage of
/// sinks reached), whether or not it found anything.
pub(crate) fn checked(check: &'static Item) {
    super::instrument(|cx| {
        let mut state = cx.lock();
        if !state.reached.iter().any(|r| std::ptr::eq(*r, check)) {
            state.reached.push(check);
            crate::collect::reached(check);
        }
    });
}

/// Reports a weakness of `class` found by the response check `check`, about `subject`,
/// shown as the bytes `shown` of the response part `argument` (which the caller has already
/// stripped of secrets: a cookie's value). Nothing for a class switched off in `iast.toml`,
/// for a class that needs taint, or outside a context.
pub(crate) fn report(
    check: &'static Item,
    class: Vulnerability,
    subject: Option<&str>,
    argument: &'static str,
    shown: &[u8],
) {
    if class.needs_taint() || crate::config::active().disabled.contains(class) {
        return;
    }
    super::instrument(|cx| {
        let evidence = Evidence::new(argument, shown, &[]);
        let mut state = cx.lock();
        let finding = Finding::weakness(class, Site::of(check), subject, evidence)
            .at(None, state.route.clone());
        state.add_finding(finding);
    });
}
