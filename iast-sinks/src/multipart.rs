//! The fields of a `multipart/form-data` body already in memory (RFC 7578), for the axum
//! layer's sources. Only what names a value is read: each part's `Content-Disposition` name
//! and file name, and its content. One pass over the body with a substring search for the
//! delimiter, so the cost is linear in the body; malformed input ends the walk, never panics.

use memchr::memmem;

/// One part of the body.
pub(crate) struct Part<'a> {
    pub name: &'a [u8],
    pub filename: Option<&'a [u8]>,
    pub value: &'a [u8],
}

/// The parts of `body` delimited by `--boundary`, in order.
pub(crate) fn parts<'a>(body: &'a [u8], boundary: &[u8]) -> Vec<Part<'a>> {
    let mut out = Vec::new();
    if boundary.is_empty() || boundary.len() > 200 {
        return out;
    }
    let delimiter = [b"--".as_slice(), boundary].concat();
    let finder = memmem::Finder::new(&delimiter);
    let Some(first) = finder.find(body) else {
        return out;
    };
    let mut at = first + delimiter.len();
    loop {
        let rest = &body[at..];
        if rest.starts_with(b"--") {
            return out;
        }
        // The delimiter line ends with CRLF; the part's headers follow up to a blank line.
        let Some(start) = iast::__private::static_finder!(b"\r\n")
            .find(rest)
            .map(|i| i + 2)
        else {
            return out;
        };
        let Some(headers_end) = iast::__private::static_finder!(b"\r\n\r\n")
            .find(&rest[start..])
            .map(|i| start + i)
        else {
            return out;
        };
        let headers = &rest[start..headers_end];
        let content = headers_end + 4;
        let Some(end) = finder.find(&rest[content..]).map(|i| content + i) else {
            return out;
        };
        // The CRLF before the next delimiter belongs to it.
        let value_end = if rest[..end].ends_with(b"\r\n") {
            end - 2
        } else {
            end
        };
        if let Some((name, filename)) = disposition(headers) {
            out.push(Part {
                name,
                filename,
                value: &rest[content.min(value_end)..value_end],
            });
        }
        at += end + delimiter.len();
    }
}

/// The `name` and `filename` parameters of the part's `Content-Disposition: form-data`.
fn disposition(headers: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let line = headers
        .split(|&b| b == b'\n')
        .find(|line| line.len() > 20 && line[..20].eq_ignore_ascii_case(b"content-disposition:"))?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (mut name, mut filename) = (None, None);
    for param in line[20..].split(|&b| b == b';').skip(1) {
        let Some(eq) = param.iter().position(|&b| b == b'=') else {
            continue;
        };
        let key = param[..eq].trim_ascii();
        let value = param[eq + 1..].trim_ascii();
        let value = value
            .strip_prefix(b"\"")
            .and_then(|v| v.strip_suffix(b"\""))
            .unwrap_or(value);
        if key.eq_ignore_ascii_case(b"name") {
            name = Some(value);
        } else if key.eq_ignore_ascii_case(b"filename") {
            filename = Some(value);
        }
    }
    Some((name?, filename))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_named() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello; world\r\n--XyZ\r\ncontent-disposition: form-data; name=\"upload\"; filename=\"../../etc/passwd\"\r\nContent-Type: text/plain\r\n\r\nline 1\r\nline 2\r\n--XyZ--\r\n";
        let parts = parts(body, b"XyZ");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, b"title");
        assert_eq!(parts[0].value, b"Hello; world");
        assert_eq!(parts[1].name, b"upload");
        assert_eq!(parts[1].filename, Some(b"../../etc/passwd".as_slice()));
        assert_eq!(parts[1].value, b"line 1\r\nline 2");
    }

    #[test]
    fn malformed_bodies_end_the_walk() {
        for body in [
            b"".as_slice(),
            b"--XyZ",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",
            b"--XyZ\r\nno disposition\r\n\r\nx\r\n--XyZ--",
        ] {
            assert!(parts(body, b"XyZ").is_empty());
        }
        assert!(parts(b"--\r\n", b"").is_empty());
    }
}
