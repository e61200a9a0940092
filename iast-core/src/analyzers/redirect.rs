//! Analyzer for redirect targets.
//!
//! A browser resolves a `Location` against the current page, by the WHATWG URL rules. Tainted
//! bytes send the user elsewhere when they choose the scheme, userinfo, host or port: a whole
//! absolute URL, or a relative reference they turn scheme-relative (`//evil.example`,
//! `\\evil.example`, `/\evil.example`, also with tabs or newlines between the slashes, which
//! browsers drop). A reference that starts with a single `/` followed by anything else, or a
//! tainted path, query or fragment after a program-chosen origin, stays on the program's site.
//! In a program-chosen `javascript:`, `vbscript:` or `data:` URL the tainted bytes are the code
//! or document itself.

use super::Input;
use super::ssrf::{Origin, Scheme, overlaps};
use crate::vulnerability::Confidence;

pub(super) fn analyze(input: &Input<'_>) -> Confidence {
    let origin = Origin::of(input.text);
    let active_content =
        origin.scheme == Scheme::Active && overlaps(input.tainted, &(origin.span.end..origin.end));
    if origin.chosen_by(input.tainted) || active_content {
        Confidence::Confirmed
    } else {
        Confidence::Unsanitized
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use Confidence::{Confirmed, Unsanitized};

    fn c(template: &str, tainted: &str) -> Confidence {
        confidence_of(analyze, "location", template, tainted)
    }

    #[test]
    fn whole_absolute_url_is_confirmed() {
        assert_eq!(c("{}", "https://evil.example/login"), Confirmed);
        assert_eq!(c("{}", "http://trusted.example@evil.example"), Confirmed);
        assert_eq!(c("{}", "HTTPS:evil.example"), Confirmed);
        assert_eq!(c("{}", "ftp://evil.example/"), Confirmed);
    }

    #[test]
    fn script_urls_are_confirmed() {
        assert_eq!(c("{}", "javascript:alert(document.domain)"), Confirmed);
        assert_eq!(c("{}", " JavaScript:alert(1)"), Confirmed);
        assert_eq!(c("{}", "java\tscript:alert(1)"), Confirmed);
        assert_eq!(
            c("{}", "data:text/html,<script>alert(1)</script>"),
            Confirmed
        );
        // The program chose the scheme, the attacker the code.
        assert_eq!(c("javascript:{}", "alert(1)"), Confirmed);
    }

    #[test]
    fn scheme_relative_references_are_confirmed() {
        assert_eq!(c("{}", "//evil.example"), Confirmed);
        assert_eq!(c("{}", "\\\\evil.example"), Confirmed);
        assert_eq!(c("{}", "/\\evil.example"), Confirmed);
        assert_eq!(c("{}", "\\/evil.example"), Confirmed);
        assert_eq!(c("{}", "///evil.example"), Confirmed);
        assert_eq!(c("{}", "/\t/evil.example"), Confirmed);
        assert_eq!(c("{}", "  //evil.example"), Confirmed);
        // The program wrote the first slash, the attacker the second.
        assert_eq!(c("/{}", "/evil.example"), Confirmed);
        assert_eq!(c("/{}", "\\evil.example"), Confirmed);
    }

    #[test]
    fn host_changes_after_a_program_prefix_are_confirmed() {
        assert_eq!(c("https://trusted.example{}", "@evil.example"), Confirmed);
        assert_eq!(c("https://trusted.example{}", ".evil.example"), Confirmed);
        assert_eq!(c("https://trusted.example{}", "\\@evil.example"), Confirmed);
        assert_eq!(c("https://{}/welcome", "evil.example"), Confirmed);
    }

    #[test]
    fn paths_on_the_same_site_are_unsanitized() {
        assert_eq!(c("{}", "/account/settings"), Unsanitized);
        assert_eq!(c("{}", "/search?q=//evil.example"), Unsanitized);
        assert_eq!(c("{}", "account"), Unsanitized);
        assert_eq!(c("{}", "?page=2"), Unsanitized);
        assert_eq!(c("{}", "#top"), Unsanitized);
        assert_eq!(c("/posts/{}", "42"), Unsanitized);
        assert_eq!(c("/posts?page={}", "3"), Unsanitized);
        assert_eq!(c("/{}", "account"), Unsanitized);
        assert_eq!(
            c("https://trusted.example/{}", "//evil.example"),
            Unsanitized
        );
        assert_eq!(
            c("https://trusted.example/next?to={}", "https://evil.example"),
            Unsanitized
        );
        assert_eq!(c("https://trusted.example{}", "/home"), Unsanitized);
    }
}
