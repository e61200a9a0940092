//! Sanitizers and validators for the common classes.
//!
//! Each one is marked with iast's own attributes, so its output (or the argument it approved)
//! is recorded as safe for its classes only: HTML escaping does not make a shell word safe.

/// Escapes text for an HTML text node or a quoted attribute value: `&`, `<`, `>`, `"` and
/// `'` become character references.
///
/// It does not make text safe inside `<script>`, `<style>`, an unquoted attribute or a URL
/// attribute (`href="javascript:..."`): those contexts need their own encoding.
#[iast::sanitizer(xss)]
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // `&apos;` is not an HTML 4 entity; the numeric reference works everywhere.
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Quotes text as one word for a POSIX shell: wrapped in `'...'`, each `'` written `'\''`.
///
/// Inside single quotes a POSIX shell gives no character a meaning, so the result is one
/// literal word whatever it holds. The empty string becomes `''`, still one (empty) word. A
/// word that starts with `-` still reads as an option to the program it is passed to; put
/// `--` before it when the program accepts that. Not for `cmd.exe` or PowerShell, whose
/// quoting rules differ.
#[iast::sanitizer(command)]
pub fn shell_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Quotes text as an SQL string literal: wrapped in `'...'`, each `'` doubled.
///
/// Prefer binding parameters (`WHERE name = ?` with the value passed separately): the
/// database then never parses the value as SQL, whatever its dialect. This quoting follows
/// the SQL standard and is enough for SQLite and PostgreSQL with
/// `standard_conforming_strings` on (the default); MySQL without `NO_BACKSLASH_ESCAPES`
/// also reads `\` as an escape, so a value ending in `\` can still break out there.
#[iast::sanitizer(sql)]
pub fn sql_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Percent-encodes text for one URL component (a path segment, a query key or value): every
/// byte except the RFC 3986 unreserved ones (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`.
///
/// The result cannot add a scheme, host, path separator, query or fragment to the URL it is
/// put in. A component that is exactly `.` or `..` is left as it is and still moves a path up
/// when it forms a whole path segment.
#[iast::sanitizer(ssrf, redirect)]
pub fn url_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

/// Whether text is one plain path component, safe to join onto a directory: non-empty, not
/// made of dots only (`.`, `..`, and `...`, which some Windows versions read as `..`), without `/`, `\` (a separator on Windows) or NUL (which C APIs read as the end
/// of the path), and without a drive prefix such as `C:` (which makes a Windows join replace
/// the base).
///
/// A component can still name a symbolic link that leads out of the directory; this checks
/// text, not the file system.
#[iast::validator(path)]
pub fn is_path_component(s: &str) -> bool {
    let bytes = s.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    !s.is_empty()
        && !bytes.iter().all(|&b| b == b'.')
        && !drive
        && !bytes.iter().any(|&b| matches!(b, b'/' | b'\\' | 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escape_replaces_the_five_characters() {
        assert_eq!(
            html_escape(r#"<a href="x" title='y'>&amp;</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(html_escape("plain é"), "plain é");
    }

    #[test]
    fn shell_quote_makes_one_word() {
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("$(id); `x`"), "'$(id); `x`'");
    }

    #[test]
    fn sql_quote_doubles_quotes() {
        assert_eq!(sql_quote("O'Brien"), "'O''Brien'");
        assert_eq!(sql_quote(""), "''");
    }

    #[test]
    fn url_component_keeps_only_unreserved_bytes() {
        assert_eq!(url_component("a-b._~Z9"), "a-b._~Z9");
        assert_eq!(url_component("a b/c?d#e&f=g"), "a%20b%2Fc%3Fd%23e%26f%3Dg");
        assert_eq!(url_component("é%"), "%C3%A9%25");
    }

    #[test]
    fn is_path_component_rejects_anything_that_moves() {
        for ok in ["notes.txt", "a..b", ".hidden", "-x", "c", "é"] {
            assert!(is_path_component(ok), "{ok}");
        }
        for bad in [
            "", ".", "..", "...", "a/b", "a\\b", "a\0", "C:", "c:x", "/etc",
        ] {
            assert!(!is_path_component(bad), "{bad:?}");
        }
    }
}
