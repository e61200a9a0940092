//! A request's `baggage` lines, read by a receiver that trusts `iast.taint`.
//!
//! The input is split into lines at `\n`; the last line is also the value matched against an
//! applied entry. Checked:
//! - reading never panics, and an applied entry came from lines within W3C's limits (8,192
//!   bytes joined, 64 members) holding exactly one `iast.taint` member, with 1 to 64 items;
//! - an applied entry written again by the sender's encoder is read back as the same entry
//!   (the encoding round-trips) within the sender's share of the header;
//! - a line without our member, and the lines a sender merges, keep W3C's limits and hold
//!   one member of ours at most.

use iast_core::fleet::{Accepted, MAX_BAGGAGE, MAX_MEMBER, MAX_MEMBERS, merge, without_own};
use iast_core::fuzzing;

pub fn run(data: &[u8]) {
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let probe = lines.last().copied().unwrap_or_default();
    let (accepted, applied) = fuzzing::baggage(&lines, probe);
    match accepted {
        Accepted::Applied(n) => {
            assert!((1..=64).contains(&n), "{n} items");
            let joined = lines.join(&b","[..]);
            assert!(joined.len() <= MAX_BAGGAGE);
            let members = joined
                .split(|&b| b == b',')
                .filter(|m| m.iter().any(|b| !matches!(b, b' ' | b'\t')))
                .count();
            assert!(members <= MAX_MEMBERS);
            let (written, _) = applied.expect("an applied entry");
            assert!(written.len() <= MAX_MEMBER, "{written}");
            // Within the sender's share, every item fits again, each field written in its one
            // canonical form.
            if joined.len() <= MAX_MEMBER {
                let (again, reread) = fuzzing::baggage(&[written.as_bytes()], probe);
                assert_eq!(again, accepted, "{written}");
                assert_eq!(reread.map(|(w, _)| w), Some(written));
            }
        }
        Accepted::Absent | Accepted::Ignored(_) => assert!(applied.is_none()),
    }
    for line in &lines {
        if let Some(rest) = without_own(line) {
            assert!(rest.len() < line.len());
            assert_eq!(without_own(&rest), None, "a member of ours is left");
        }
    }
    let member = "iast.taint=1~Zw.Zw.Zw.Zw.AAAAAA";
    let merged = merge(lines.iter().copied(), member);
    if let Some((last, application)) = merged.split_last() {
        assert!(application.iter().all(|l| without_own(l).is_none()));
        if last.as_slice() == member.as_bytes() {
            let total = merged.iter().map(Vec::len).sum::<usize>() + merged.len() - 1;
            assert!(total <= MAX_BAGGAGE, "{total} bytes merged");
        }
    }
}
