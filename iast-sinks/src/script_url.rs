//! What HTML escaping does not make safe: URLs that run script, and values it leaves as they
//! are, whose raw copies elsewhere in a page would carry its mark.

/// Whether `value` is a URL that runs script when followed (`javascript:`, `vbscript:`,
/// `data:`), read as a browser reads a link: leading blanks and control characters are
/// skipped, tabs and line breaks inside the scheme ignored, case folded. HTML escaping leaves
/// such a value as it is, and in a link it is XSS however well escaped: a template engine's
/// escaping, made a sanitizer, escapes it without the sanitizer's mark, so that the check
/// still judges it where it lands.
fn script_url(value: &str) -> bool {
    // Stops at the first byte that is neither skipped nor part of a known scheme, or past the
    // longest one: linear in the blanks before it, which a browser skips however many.
    let mut scheme = [0u8; 10];
    let mut len = 0;
    let mut started = false;
    for &b in value.as_bytes() {
        match b {
            b'\t' | b'\n' | b'\r' => continue,
            0..=0x20 if !started => continue,
            b':' => {
                let scheme = &scheme[..len];
                return [b"javascript".as_slice(), b"vbscript", b"data"].contains(&scheme);
            }
            _ if b.is_ascii_alphabetic() && len < scheme.len() => {
                started = true;
                scheme[len] = b.to_ascii_lowercase();
                len += 1;
            }
            _ => return false,
        }
    }
    false
}

/// Whether a template engine's HTML escaping of `value` may carry the sanitizer's mark. The
/// mark is matched by bytes wherever they appear in the page, so a value that escaping leaves
/// unchanged would also make its raw copies safe (`{{ n }}` here, `{{ n|safe }}` in a script
/// there): only plain words and phrases, harmless raw, are marked unchanged. A script URL is
/// never marked.
pub(crate) fn escaping_protects(value: &str, escaped: &str) -> bool {
    if script_url(value) {
        return false;
    }
    escaped != value
        || value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'-' | b'_' | b'.' | b','))
}

#[cfg(test)]
mod tests {
    use super::script_url;

    #[test]
    fn schemes_are_read_as_a_browser_reads_them() {
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "  \u{1}javascript:x",
            "java\tscr\nipt:x",
            "vbscript:msgbox",
            "data:text/html,<script>",
            format!("{}javascript:x", " ".repeat(100)).as_str(),
            format!("j{}avascript:x", "\t".repeat(100)).as_str(),
        ] {
            assert!(script_url(url), "{url:?}");
        }
        for value in [
            "",
            "alice",
            "https://example.com/?u=javascript:x",
            "/javascript:x",
            "javascripts:x",
            "x javascript:alert(1)",
            "notes: javascript",
        ] {
            assert!(!script_url(value), "{value:?}");
        }
    }

    #[test]
    fn only_plain_words_are_marked_when_escaping_leaves_them_as_they_are() {
        use super::escaping_protects;
        assert!(escaping_protects("carol smith", "carol smith"));
        assert!(escaping_protects("<b>", "&lt;b&gt;"));
        assert!(!escaping_protects("1;alert(1)", "1;alert(1)"));
        assert!(!escaping_protects("javascript:x", "javascript:x"));
    }
}
