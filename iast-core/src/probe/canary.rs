//! Canaries: the text of a source's leaf made unique for a probe's canary run.
//!
//! A canary keeps the leaf's own text and gains a suffix of the same character class as its
//! last character, so that ordinary validation (`is_alphanumeric`, a parse to a number, an
//! extension check) answers as it did: `alice` becomes `aliceqzxaab`, `ALICE` `ALICEQZXAAB`,
//! `42` `429753001`, `report.txt` `reportqzxaab.txt`. The suffix starts with a mark the
//! program's own text is unlikely to hold (`qzx`, `9753`) and ends with the leaf's number in
//! the run, so that a match of it in a sink argument names the leaf, whatever the length of
//! the original text.

use std::ops::Range;

/// The mark of a letter suffix, matched ignoring ASCII case; three letters follow.
const LETTERS: &[u8; 3] = b"qzx";
/// The mark of a digit suffix; three digits follow.
const DIGITS: &[u8; 4] = b"9753";
/// Letters after the mark: 26³ leaves per run get a letter canary.
const LETTER_CODE: usize = 3;
/// Digits after the mark: 10³ leaves per run get a digit canary.
const DIGIT_CODE: usize = 3;

/// The most leaves one canary run makes unique; later leaves keep their text (and are found
/// as in an ordinary run). 26³ letter codes; a digit leaf past 10³ gets letters.
pub(crate) const MAX_CANARIES: usize = 26 * 26 * 26;

/// The canary of the `n`-th leaf (`n < MAX_CANARIES`), whose text is `text`.
pub(crate) fn canary(text: &str, n: usize) -> String {
    // An extension of one to five letters or digits stays last: `report.txt`.
    let (stem, extension) = match text.rfind('.') {
        Some(dot)
            if dot > 0
                && (2..=6).contains(&(text.len() - dot))
                && text[dot + 1..].bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            text.split_at(dot)
        }
        _ => (text, ""),
    };
    let last = stem.bytes().last();
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(stem);
    if last.is_some_and(|b| b.is_ascii_digit()) && n < 1000 {
        out.push_str(std::str::from_utf8(DIGITS).unwrap_or_default());
        out.push_str(&format!("{n:0width$}", width = DIGIT_CODE));
    } else {
        let upper = last.is_some_and(|b| b.is_ascii_uppercase());
        let mut code = [b'a'; LETTER_CODE];
        let mut rest = n;
        for slot in code.iter_mut().rev() {
            *slot = b'a' + (rest % 26) as u8;
            rest /= 26;
        }
        for &b in LETTERS.iter().chain(&code) {
            out.push(if upper {
                char::from(b.to_ascii_uppercase())
            } else {
                b as char
            });
        }
    }
    out.push_str(extension);
    out
}

/// Each canary suffix in `text[within]`: where it lies and the number of its leaf. Linear in
/// the bytes looked at.
pub(crate) fn suffixes(text: &[u8], within: Range<usize>) -> Vec<(Range<usize>, usize)> {
    let within = within.start.min(text.len())..within.end.min(text.len());
    let mut out = Vec::new();
    let mut i = within.start;
    while i < within.end {
        if let Some(n) = letter_code(text, i, within.end) {
            out.push((i..i + LETTERS.len() + LETTER_CODE, n));
            i += LETTERS.len() + LETTER_CODE;
        } else if let Some(n) = digit_code(text, i, within.end) {
            out.push((i..i + DIGITS.len() + DIGIT_CODE, n));
            i += DIGITS.len() + DIGIT_CODE;
        } else {
            i += 1;
        }
    }
    out
}

fn letter_code(text: &[u8], at: usize, end: usize) -> Option<usize> {
    let whole = text.get(at..at + LETTERS.len() + LETTER_CODE)?;
    if at + whole.len() > end || !whole[..LETTERS.len()].eq_ignore_ascii_case(LETTERS) {
        return None;
    }
    whole[LETTERS.len()..].iter().try_fold(0usize, |n, &b| {
        let b = b.to_ascii_lowercase();
        b.is_ascii_lowercase()
            .then(|| n * 26 + usize::from(b - b'a'))
    })
}

fn digit_code(text: &[u8], at: usize, end: usize) -> Option<usize> {
    let whole = text.get(at..at + DIGITS.len() + DIGIT_CODE)?;
    if at + whole.len() > end || &whole[..DIGITS.len()] != DIGITS {
        return None;
    }
    whole[DIGITS.len()..].iter().try_fold(0usize, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + usize::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canaries_keep_the_text_and_its_class() {
        assert_eq!(canary("alice", 1), "aliceqzxaab");
        assert_eq!(canary("ALICE", 27), "ALICEQZXABB");
        assert_eq!(canary("42", 7), "429753007");
        assert_eq!(canary("report.txt", 0), "reportqzxaaa.txt");
        assert_eq!(canary("a.b.tar.gz", 0), "a.b.tarqzxaaa.gz");
        assert_eq!(canary("", 2), "qzxaac");
        assert_eq!(canary(".env", 2), ".envqzxaac");
        assert_eq!(canary("v1.2.3-beta", 3), "v1.2.3-betaqzxaad");
        assert_eq!(canary("42", 1000), "42qzxbmm");
    }

    #[test]
    fn suffixes_name_their_leaf_in_any_case() {
        let text = b"SELECT 'aliceqzxaab', 'BOBQZXABB' WHERE id = 429753007 AND x = 'qzx'";
        let found: Vec<usize> = suffixes(text, 0..text.len())
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        assert_eq!(found, [1, 27, 7]);
        // Only within the range asked about.
        assert_eq!(suffixes(text, 0..18).len(), 0);
        assert_eq!(suffixes(text, 0..19).len(), 1);
    }
}
