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
use super::url_parts::{Origin, Scheme};
use crate::ranges::Runs;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let tainted = Runs::new(input.text.len(), input.tainted);
    let origin = Origin::of(input.text);
    let active_content =
        origin.scheme == Scheme::Active && tainted.overlaps(origin.span.end..origin.end);
    origin.chosen_by(&tainted) || active_content
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use crate::vulnerability::Confidence;
    use Confidence::{Confirmed, Unsanitized};

    fn c(template: &str, tainted: &str) -> Confidence {
        confidence_of(changes_structure, "location", template, tainted)
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

    /// Where a browser on `https://trusted.example/page` goes for `location`.
    fn resolved_host(location: &str) -> Option<String> {
        let page = url::Url::parse("https://trusted.example/page").ok()?;
        page.join(location).ok()?.host_str().map(str::to_owned)
    }

    #[test]
    fn leading_blanks_are_trimmed_before_the_target_is_read() {
        // The URL parser strips leading spaces and C0 controls: what follows them decides.
        for (location, expected) in [
            (" /account", Unsanitized),
            ("\u{1}\t /account", Unsanitized),
            (" account", Unsanitized),
            ("  ?page=2", Unsanitized),
            (" //evil.example", Confirmed),
            ("\u{1} \\\\evil.example", Confirmed),
            (" https://evil.example", Confirmed),
        ] {
            assert_eq!(c("{}", location), expected, "{location:?}");
            let leaves = resolved_host(location).as_deref() != Some("trusted.example");
            assert_eq!(leaves, expected == Confirmed, "{location:?}");
        }
    }

    #[test]
    fn the_answer_depends_on_the_tainted_bytes_not_their_ranges() {
        let c = |text: &[u8], tainted: &[std::ops::Range<usize>]| {
            crate::analyzers::as_confidence(changes_structure(&Input {
                text,
                tainted,
                argument: "location",
            }))
        };
        let path = b" /account";
        assert_eq!(c(path, &[0..1, 1..9]), Unsanitized);
        assert_eq!(c(path, &[0..9, 0..1, 1..9]), Unsanitized);
        let away = b" //evil.example";
        assert_eq!(c(away, &[0..1, 1..15]), Confirmed);
        assert_eq!(c(away, &[0..2, 2..15]), Confirmed);
    }
}
