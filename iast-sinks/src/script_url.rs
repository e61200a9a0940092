//! URLs that run script: what HTML escaping leaves dangerous in a link.

/// Whether `value` is a URL that runs script when followed (`javascript:`, `vbscript:`,
/// `data:`), read as a browser reads a link: leading blanks and control characters are
/// skipped, tabs and line breaks inside the scheme ignored, case folded. HTML escaping leaves
/// such a value as it is, and in a link it is XSS however well escaped: a template engine's
/// escaping, made a sanitizer, escapes it without the sanitizer's mark, so that the check
/// still judges it where it lands.
pub(crate) fn script_url(value: &str) -> bool {
    // The longest scheme read, with room for the blanks a browser skips; past this the value
    // is not a script URL that matters (`javascript:` must come first).
    const LOOK: usize = 64;
    let mut scheme = [0u8; 10];
    let mut len = 0;
    let mut started = false;
    for &b in value.as_bytes().iter().take(LOOK) {
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
}
