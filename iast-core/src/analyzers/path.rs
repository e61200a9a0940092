//! Analyzer for file-system paths.
//!
//! A tainted path is confirmed when the attacker's bytes let it leave the directory the
//! program chose, in any reading of the path that some layer between the sink and the file
//! system may apply:
//!
//! - a `..` component that climbs above the component where the taint starts (the program's
//!   untainted prefix is its base; `a/../b` that never climbs above it stays inside, and is
//!   only unsanitized, since the attacker reaches nothing they could not name directly);
//! - a root chosen by the taint: a leading separator, a Windows drive (`C:`), a UNC or device
//!   prefix (`\\server\share`, `\\?\`, `\\.\`), or a leading `~` that a shell expands to a
//!   home directory;
//! - a NUL byte, which C APIs read as the end of the path.
//!
//! `\` always counts as a separator, as it does on Windows and for normalisers that accept
//! both. Readings besides the raw bytes: up to three rounds of percent-decoding (`%2e%2e%2f`,
//! `%252e`, IIS `%u002e`), and each of those with overlong UTF-8 forms (`%c0%ae`) and
//! look-alike characters that Unicode compatibility normalisation or Windows "best fit"
//! code-page conversion turn into dots or separators. A decoded reading is judged by the same
//! structural rules, so an encoded name that decodes to a plain component (`100%25.txt`,
//! `%2ehtaccess`) stays unsanitized.

use super::Input;
use std::ops::Range;

/// Rounds of percent-decoding tried: enough for a double-encoded payload decoded by a proxy,
/// a framework and the application in turn.
const DECODE_ROUNDS: usize = 3;

/// A byte of one reading of the path, and whether taint reached it.
type Byte = (u8, bool);

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    escapes(input.text, input.tainted)
}

fn escapes(text: &[u8], tainted: &[Range<usize>]) -> bool {
    let mut view: Vec<Byte> = text.iter().map(|&b| (b, false)).collect();
    let len = view.len();
    for r in tainted {
        if let Some(bytes) = view.get_mut(r.start.min(len)..r.end.min(len)) {
            bytes.iter_mut().for_each(|b| b.1 = true);
        }
    }
    if !view.iter().any(|b| b.1) {
        return false;
    }
    for round in 0..=DECODE_ROUNDS {
        if escapes_view(&view) || map_lookalikes(&view).is_some_and(|v| escapes_view(&v)) {
            return true;
        }
        if round == DECODE_ROUNDS {
            break;
        }
        match percent_decode(&view) {
            Some(decoded) => view = decoded,
            None => break,
        }
    }
    false
}

fn is_sep(b: u8) -> bool {
    b == b'/' || b == b'\\'
}

/// Whether this reading of the path lets the taint out of the program's base directory.
fn escapes_view(view: &[Byte]) -> bool {
    if view.iter().any(|&(b, t)| t && b == 0) {
        return true;
    }
    let root = root_len(view);
    if view.get(..root).is_some_and(|r| r.iter().any(|b| b.1)) {
        return true;
    }
    let Some(first) = view.iter().position(|b| b.1) else {
        return false;
    };
    // The base is every component before the one the taint starts in.
    let start = view[..first]
        .iter()
        .rposition(|b| is_sep(b.0))
        .map_or(0, |i| i + 1)
        .max(root);
    let rest = view.get(start..).unwrap_or_default();
    let actual = lowest_depth(rest.iter().map(|b| b.0));
    if actual >= 0 {
        return false;
    }
    // The program's own `..` after the taint is not the attacker's doing: compare with the
    // path it would have built had each tainted run been one plain name.
    let baseline = lowest_depth(rest.iter().enumerate().filter_map(|(i, &(b, t))| {
        let run_continues = t && i > 0 && rest.get(i - 1).is_some_and(|p| p.1);
        match (t, run_continues) {
            (false, _) => Some(b),
            (true, false) => Some(b'x'),
            (true, true) => None,
        }
    }));
    actual < baseline
}

/// The lowest depth, relative to where it starts, that walking these components reaches.
fn lowest_depth(bytes: impl Iterator<Item = u8>) -> i64 {
    let (mut depth, mut lowest) = (0i64, 0i64);
    let (mut len, mut dots) = (0usize, 0usize);
    let mut end_component = |len: usize, dots: usize| {
        if len == 2 && dots == 2 {
            depth -= 1;
            lowest = lowest.min(depth);
        } else if len > 0 && !(len == 1 && dots == 1) {
            depth += 1;
        }
    };
    for b in bytes {
        if is_sep(b) {
            end_component(len, dots);
            (len, dots) = (0, 0);
        } else {
            len += 1;
            dots += usize::from(b == b'.');
        }
    }
    end_component(len, dots);
    lowest
}

/// Length of the root of the path: what makes it absolute or names another drive, server,
/// device or home directory.
fn root_len(view: &[Byte]) -> usize {
    let at = |i: usize| view.get(i).map(|b| b.0);
    let sep = |i: usize| at(i).is_some_and(is_sep);
    let after_seps = |mut i: usize| {
        while sep(i) {
            i += 1;
        }
        i
    };
    let after_component = |mut i: usize| {
        while at(i).is_some_and(|b| !is_sep(b)) {
            i += 1;
        }
        i
    };
    let component = |from: usize| {
        let from = after_seps(from);
        (from, after_component(from))
    };
    if sep(0) && sep(1) {
        // `\\server\share`, `\\?\C:`, `\\.\pipe`, `\\?\UNC\server\share`.
        let (first, first_end) = component(2);
        let (second, second_end) = component(first_end);
        let text = |r: Range<usize>| view.get(r).unwrap_or_default();
        let device = matches!(text(first..first_end), [(b'?' | b'.', _)]);
        let unc = text(second..second_end)
            .iter()
            .map(|b| b.0.to_ascii_uppercase())
            .eq(*b"UNC");
        if device && unc {
            component(component(second_end).1).1
        } else {
            second_end
        }
    } else if sep(0) {
        after_seps(0)
    } else if at(0).is_some_and(|b| b.is_ascii_alphabetic()) && at(1) == Some(b':') {
        after_seps(2)
    } else if at(0) == Some(b'~') {
        after_component(0)
    } else {
        0
    }
}

fn hex(b: Option<u8>) -> Option<u8> {
    match b? {
        b @ b'0'..=b'9' => Some(b - b'0'),
        b @ b'a'..=b'f' => Some(b - b'a' + 10),
        b @ b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One round of percent-decoding (`%2e`, and IIS's `%u002e`), or `None` when nothing decodes.
/// A decoded byte is tainted when any byte of its escape was.
fn percent_decode(view: &[Byte]) -> Option<Vec<Byte>> {
    if !view.iter().any(|b| b.0 == b'%') {
        return None;
    }
    let at = |i: usize| view.get(i).map(|b| b.0);
    let taint = |r: Range<usize>| view.get(r).is_some_and(|s| s.iter().any(|b| b.1));
    let mut out = Vec::with_capacity(view.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(&(b, t)) = view.get(i) {
        if b == b'%' {
            if let (Some(h), Some(l)) = (hex(at(i + 1)), hex(at(i + 2))) {
                out.push(((h << 4) | l, taint(i..i + 3)));
                (i, changed) = (i + 3, true);
                continue;
            }
            if matches!(at(i + 1), Some(b'u' | b'U')) {
                let code = (i + 2..i + 6)
                    .try_fold(0u32, |acc, j| Some((acc << 4) | u32::from(hex(at(j))?)));
                if let Some(c) = code.and_then(char::from_u32) {
                    let t = taint(i..i + 6);
                    let mut utf8 = [0; 4];
                    out.extend(c.encode_utf8(&mut utf8).bytes().map(|b| (b, t)));
                    (i, changed) = (i + 6, true);
                    continue;
                }
            }
        }
        out.push((b, t));
        i += 1;
    }
    changed.then_some(out)
}

/// Characters that compatibility normalisation (NFKC) or Windows best-fit conversion to an
/// ANSI code page turn into dots or separators.
const LOOKALIKES: &[(&[u8], &[u8])] = &[
    ("\u{FF0E}".as_bytes(), b"."),  // fullwidth full stop
    ("\u{FE52}".as_bytes(), b"."),  // small full stop
    ("\u{2024}".as_bytes(), b"."),  // one dot leader
    ("\u{2025}".as_bytes(), b".."), // two dot leader
    ("\u{FF0F}".as_bytes(), b"/"),  // fullwidth solidus
    ("\u{2215}".as_bytes(), b"/"),  // division slash
    ("\u{2044}".as_bytes(), b"/"),  // fraction slash
    ("\u{FF3C}".as_bytes(), b"\\"), // fullwidth reverse solidus
    ("\u{FE68}".as_bytes(), b"\\"), // small reverse solidus
    ("\u{2216}".as_bytes(), b"\\"), // set minus
    ("\u{A5}".as_bytes(), b"\\"),   // yen sign: the backslash of code page 932
    ("\u{20A9}".as_bytes(), b"\\"), // won sign: the backslash of code page 949
];

/// The reading in which overlong UTF-8 forms of ASCII (which lenient decoders accept) and
/// look-alike characters are replaced by what they stand for, or `None` when there are none.
fn map_lookalikes(view: &[Byte]) -> Option<Vec<Byte>> {
    if view.iter().all(|b| b.0.is_ascii()) {
        return None;
    }
    let cont = |b: &Byte| (0x80..=0xbf).contains(&b.0);
    let low6 = |b: &Byte| u32::from(b.0 & 0x3f);
    let mut out = Vec::with_capacity(view.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(&(b, t)) = view.get(i) {
        let rest = &view[i..];
        let overlong = match rest {
            [(0xc0 | 0xc1, _), c, ..] if cont(c) => Some(((u32::from(b & 1) << 6) | low6(c), 2)),
            [(0xe0, _), c1, c2, ..] if cont(c1) && cont(c2) => {
                Some(((low6(c1) << 6) | low6(c2), 3))
            }
            [(0xf0, _), c1, c2, c3, ..] if cont(c1) && cont(c2) && cont(c3) => {
                Some(((low6(c1) << 12) | (low6(c2) << 6) | low6(c3), 4))
            }
            _ => None,
        };
        let replacement = match overlong {
            Some((code, len)) if code < 0x80 => u8::try_from(code).ok().map(|c| (vec![c], len)),
            _ => LOOKALIKES.iter().find_map(|(from, to)| {
                let matches =
                    rest.len() >= from.len() && rest.iter().zip(*from).all(|(a, b)| a.0 == *b);
                matches.then(|| (to.to_vec(), from.len()))
            }),
        };
        match replacement {
            Some((to, len)) => {
                let t = rest.iter().take(len).any(|b| b.1);
                out.extend(to.into_iter().map(|b| (b, t)));
                (i, changed) = (i + len, true);
            }
            None => {
                out.push((b, t));
                i += 1;
            }
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use crate::vulnerability::Confidence;
    use Confidence::{Confirmed, Unsanitized};

    fn c(template: &str, tainted: &str) -> Confidence {
        confidence_of(changes_structure, "path", template, tainted)
    }

    #[test]
    fn climbing_above_the_base_is_confirmed() {
        assert_eq!(c("/srv/files/{}", "../../etc/passwd"), Confirmed);
        assert_eq!(c("/srv/files/{}", ".."), Confirmed);
        assert_eq!(c("/srv/files/{}", "a/../../x"), Confirmed);
        assert_eq!(c("/srv/files/{}.pdf", "../secret"), Confirmed);
        assert_eq!(
            c("/srv/files/report-{}", "x/../../../etc/passwd"),
            Confirmed
        );
        // The program wrote one dot, the attacker the other.
        assert_eq!(c("/srv/files/.{}/x", "."), Confirmed);
        // Relative to the working directory.
        assert_eq!(c("{}", "../etc/passwd"), Confirmed);
        // The attacker's climb adds to a program's own.
        assert_eq!(c("/srv/files/{}/../x", ".."), Confirmed);
    }

    #[test]
    fn staying_below_the_base_is_unsanitized() {
        assert_eq!(c("/srv/files/{}", "report.pdf"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "2024/summary.txt"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "my report (final).pdf"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "résumé 履歴書.pdf"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "./report.pdf"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "..."), Unsanitized);
        assert_eq!(c("/srv/files/{}", "..hidden"), Unsanitized);
        assert_eq!(c("/srv/files/{}.txt", ".."), Unsanitized);
        assert_eq!(c("{}", "report.pdf"), Unsanitized);
        assert_eq!(c("C:\\data\\{}", "report.pdf"), Unsanitized);
        assert_eq!(c("\\\\files\\share\\{}", "report.pdf"), Unsanitized);
        assert_eq!(c("~/uploads/{}", "report.pdf"), Unsanitized);
    }

    #[test]
    fn dot_dot_that_never_climbs_above_the_base_is_unsanitized() {
        // It ends inside the base, at a file the attacker could have named directly.
        assert_eq!(c("/srv/files/{}", "a/../b.txt"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "a/b/../../c"), Unsanitized);
    }

    #[test]
    fn the_programs_own_climb_is_not_the_attackers() {
        assert_eq!(c("/srv/files/{}/../../shared/x", "a"), Unsanitized);
        assert_eq!(c("/srv/files/../{}", "report.pdf"), Unsanitized);
    }

    #[test]
    fn an_injected_root_is_confirmed() {
        assert_eq!(c("{}", "/etc/passwd"), Confirmed);
        assert_eq!(c("{}/config.toml", "/etc"), Confirmed);
        // Two separators make a UNC path on Windows.
        assert_eq!(c("/{}", "/attacker/share"), Confirmed);
    }

    #[test]
    fn windows_drives_unc_and_device_paths_are_confirmed() {
        assert_eq!(c("{}", "C:\\Windows\\win.ini"), Confirmed);
        assert_eq!(c("{}", "c:/windows/win.ini"), Confirmed);
        assert_eq!(c("{}", "\\\\server\\share\\x"), Confirmed);
        assert_eq!(c("{}", "//server/share/x"), Confirmed);
        assert_eq!(c("{}", "\\\\?\\C:\\x"), Confirmed);
        assert_eq!(c("{}", "\\\\.\\pipe\\x"), Confirmed);
        // The program chose a UNC path; the attacker chose the server.
        assert_eq!(c("\\\\{}\\share\\file", "attacker"), Confirmed);
        assert_eq!(c("\\\\?\\UNC\\{}\\share\\file", "attacker"), Confirmed);
        assert_eq!(c("{}:\\data\\file", "D"), Confirmed);
    }

    #[test]
    fn backslash_is_a_separator() {
        assert_eq!(c("/srv/files/{}", "..\\..\\windows\\win.ini"), Confirmed);
        assert_eq!(c("C:\\data\\{}", "..\\..\\boot.ini"), Confirmed);
        assert_eq!(c("/srv/files/{}", "a\\b.txt"), Unsanitized);
    }

    #[test]
    fn nul_is_confirmed() {
        assert_eq!(c("/srv/files/{}.pdf", "report\0"), Confirmed);
        assert_eq!(c("/srv/files/{}.pdf", "report%00"), Confirmed);
        // The program's own NUL is not the attacker's.
        assert_eq!(c("/srv/files/{}\0", "report"), Unsanitized);
    }

    #[test]
    fn encoded_traversal_is_confirmed() {
        assert_eq!(
            c("/srv/files/{}", "%2e%2e%2f%2e%2e%2fetc/passwd"),
            Confirmed
        );
        assert_eq!(c("/srv/files/{}", "%2E%2E/etc/passwd"), Confirmed);
        assert_eq!(c("/srv/files/{}", "..%2f..%2fetc%2fpasswd"), Confirmed);
        assert_eq!(c("/srv/files/{}", "..%5c..%5cwindows"), Confirmed);
        assert_eq!(c("/srv/files/{}", "%252e%252e%252fetc"), Confirmed);
        assert_eq!(c("/srv/files/{}", "%25252e%25252e%25252fetc"), Confirmed);
        assert_eq!(c("/srv/files/{}", "%%32%65%%32%65%%32%66etc"), Confirmed);
        assert_eq!(c("/srv/files/{}", "%u002e%u002e%u2215etc"), Confirmed);
        assert_eq!(c("/srv/files/{}", "%2f%2fserver"), Unsanitized);
        assert_eq!(c("{}", "%2fetc%2fpasswd"), Confirmed);
        assert_eq!(c("{}", "%2e%2e"), Confirmed);
    }

    #[test]
    fn overlong_utf8_and_lookalikes_are_confirmed() {
        assert_eq!(c("/srv/files/{}", "%c0%ae%c0%ae/etc/passwd"), Confirmed);
        assert_eq!(c("/srv/files/{}", "..%c0%af..%c0%afetc"), Confirmed);
        assert_eq!(c("/srv/files/{}", "%c0%ae.txt"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "..%c1%9c..%c1%9cwindows"), Confirmed);
        assert_eq!(c("/srv/files/{}", "%e0%80%ae%e0%80%ae/x"), Confirmed);
        let raw_overlong = [b'/', b'a', b'/', 0xc0, 0xae, 0xc0, 0xae, b'/', b'x'];
        let range = 3..9;
        let input = Input {
            text: &raw_overlong,
            tainted: std::slice::from_ref(&range),
            argument: "path",
        };
        assert!(changes_structure(&input));
        assert_eq!(c("/srv/files/{}", "\u{FF0E}\u{FF0E}\u{FF0F}etc"), Confirmed);
        assert_eq!(c("/srv/files/{}", "\u{2025}\u{FF3C}windows"), Confirmed);
        assert_eq!(c("/srv/files/{}", "..\u{A5}..\u{A5}windows"), Confirmed);
    }

    #[test]
    fn encoded_names_that_stay_below_the_base_are_unsanitized() {
        assert_eq!(c("/srv/files/{}", "100%25 done.txt"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "%2ehtaccess"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "2024%2fsummary.txt"), Unsanitized);
        assert_eq!(c("/srv/files/{}", "price \u{A5}100.txt"), Unsanitized);
        assert_eq!(
            c("/srv/files/{}", "\u{FF52}\u{FF45}\u{FF50}\u{FF0E}pdf"),
            Unsanitized
        );
        assert_eq!(c("/srv/files/{}", "50%"), Unsanitized);
    }

    #[test]
    fn tilde_at_the_start_is_confirmed() {
        assert_eq!(c("{}", "~/.ssh/id_rsa"), Confirmed);
        assert_eq!(c("{}", "~root/.ssh/id_rsa"), Confirmed);
        assert_eq!(c("~{}/.ssh/id_rsa", "root"), Confirmed);
        assert_eq!(c("/srv/files/{}", "~backup.txt"), Unsanitized);
    }

    #[test]
    fn never_panics() {
        let texts: [&[u8]; 7] = [
            b"",
            b"\xff\xfe/..\x00%",
            b"%",
            b"%u12",
            b"\\\\",
            b"\xc0",
            b"\xf0\x80\x80",
        ];
        // The last two are out of order and out of bounds, which callers promise never to pass.
        let backwards = std::ops::Range { start: 5, end: 2 };
        let ranges = [0..0, 0..1, 1..3, 0..100, backwards, 50..60];
        for text in texts {
            for r in &ranges {
                let input = Input {
                    text,
                    tainted: std::slice::from_ref(r),
                    argument: "path",
                };
                let _ = changes_structure(&input);
            }
        }
        let huge = format!("/srv/{}", "a/..%2f..%2f".repeat(100_000));
        let range = 5..huge.len();
        let input = Input {
            text: huge.as_bytes(),
            tainted: std::slice::from_ref(&range),
            argument: "path",
        };
        assert!(changes_structure(&input));
    }
}
