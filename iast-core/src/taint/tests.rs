//! Behaviour of the store as a whole, rule by rule, and against a brute-force oracle.

use super::*;
use crate::vulnerability::{ClassSet, Vulnerability};
use store::Stats;

/// Shorthands for the adds the engine makes with every argument spelled out.
impl TaintStore {
    fn add_tainted(&mut self, bytes: &[u8], source: u32) -> Added {
        self.add_tainted_at(bytes, source, true)
    }

    fn add_safe(&mut self, bytes: &[u8], classes: ClassSet) -> Added {
        self.add_safe_by(bytes, classes, 0, true)
    }

    fn add_safe_at(&mut self, bytes: &[u8], classes: ClassSet, address: bool) -> Added {
        self.add_safe_by(bytes, classes, 0, address)
    }
}

fn store() -> TaintStore {
    TaintStore::new(Caps::default())
}

/// `(start, end, source, kind)` of each range.
fn brief(ranges: &[TaintedRange]) -> Vec<(usize, usize, u32, MatchKind)> {
    ranges
        .iter()
        .map(|r| (r.start, r.end, r.source, r.kind))
        .collect()
}

fn scan(store: &mut TaintStore, arg: &str) -> Vec<(usize, usize, u32, MatchKind)> {
    brief(&store.scan(arg.as_bytes()))
}

#[test]
fn buffer_identity_on_a_slice_of_the_recorded_string() {
    let mut s = store();
    let value = String::from("abc");
    assert_eq!(s.add_tainted(value.as_bytes(), 1), Added::Recorded);
    // A copy elsewhere is a short value glued to a word: nothing.
    assert_eq!(scan(&mut s, "xabcx"), []);
    // The very buffer, and a slice of it, are certain whatever their length.
    assert_eq!(
        brief(&s.scan(&value.as_bytes()[1..])),
        [(0, 2, 1, MatchKind::Buffer)]
    );
    assert_eq!(
        brief(&s.scan(value.as_bytes())),
        [(0, 3, 1, MatchKind::Buffer)]
    );

    let long = String::from("0123456789-the-recorded-value");
    s.add_tainted(long.as_bytes(), 2);
    assert_eq!(
        brief(&s.scan(&long.as_bytes()[3..])),
        [(0, 26, 2, MatchKind::Buffer)]
    );
}

#[test]
fn exact_matches_and_their_sources() {
    let mut s = store();
    s.add_tainted(b"robert'); DROP TABLE students;--", 3);
    s.add_tainted(b"unrelated value", 4);
    let sql = "INSERT INTO t VALUES ('robert'); DROP TABLE students;--')";
    assert_eq!(scan(&mut s, sql), [(23, 55, 3, MatchKind::Exact)]);
    // Every occurrence, including overlapping ones.
    s.add_tainted(b"abab-abab", 5);
    assert_eq!(
        scan(&mut s, "abab-abab-abab"),
        [(0, 9, 5, MatchKind::Exact), (5, 14, 5, MatchKind::Exact)]
    );
}

#[test]
fn case_changed_ascii_and_unicode() {
    let mut s = store();
    s.add_tainted(b"Admin-User", 1);
    assert_eq!(
        scan(&mut s, "name=ADMIN-USER"),
        [(5, 15, 1, MatchKind::CaseChanged)]
    );
    s.add_tainted("Ärger-Öl".as_bytes(), 2);
    let upper = "x ÄRGER-ÖL x";
    assert_eq!(scan(&mut s, upper), [(2, 12, 2, MatchKind::CaseChanged)]);
    let lower = "ärger-öl";
    assert_eq!(scan(&mut s, lower), [(0, 10, 2, MatchKind::CaseChanged)]);
    s.add_tainted("straße".as_bytes(), 3);
    assert_eq!(scan(&mut s, "STRASSE"), [(0, 7, 3, MatchKind::CaseChanged)]);
}

#[test]
fn url_decoded_encoded_and_form_plus() {
    let mut s = store();
    s.add_tainted(b"a%27b%20c", 1);
    assert_eq!(
        scan(&mut s, "where x = 'a'b c'"),
        [(11, 16, 1, MatchKind::UrlDecoded)]
    );
    s.add_tainted(b"path/to file", 2);
    assert_eq!(
        scan(&mut s, "/get?f=path%2Fto%20file"),
        [(7, 23, 2, MatchKind::UrlEncoded)]
    );
    assert_eq!(
        scan(&mut s, "/get?f=path%2Fto+file"),
        [(7, 21, 2, MatchKind::UrlEncoded)]
    );
    // Lower-case hex digits are the same encoding.
    assert_eq!(
        scan(&mut s, "path%2fto%20file"),
        [(0, 16, 2, MatchKind::UrlEncoded)]
    );
    s.add_tainted(b"one+two%21", 3);
    assert_eq!(
        scan(&mut s, "echo one two!"),
        [(5, 13, 3, MatchKind::UrlDecoded)]
    );
}

#[test]
fn partial_after_split_and_trim() {
    let mut s = store();
    let input = String::from("alice-secret-value,bob");
    s.add_tainted(input.as_bytes(), 9);
    let first = input.split(',').next().unwrap_or_default().to_owned();
    let sql = format!("SELECT * FROM t WHERE k = '{first}'");
    assert_eq!(scan(&mut s, &sql), [(27, 45, 9, MatchKind::Partial)]);
    let trimmed = format!("  {}  ", &input[2..15]);
    let piece = input[2..15].trim().to_owned();
    assert_eq!(scan(&mut s, &trimmed), [(2, 15, 9, MatchKind::Partial)]);
    assert_eq!(
        scan(&mut s, &format!("[{piece}]")),
        [(1, 14, 9, MatchKind::Partial)]
    );
    // "bob" is a 3-byte piece: too short to be told from coincidence.
    assert_eq!(scan(&mut s, "name = 'bob'"), []);
    // Seven bytes of the value are below the minimum; eight are not.
    assert_eq!(scan(&mut s, "x alice-s x"), []);
    assert_eq!(
        scan(&mut s, "x alice-se x"),
        [(2, 10, 9, MatchKind::Partial)]
    );
}

#[test]
fn partial_pieces_from_two_alignments_at_one_probe() {
    // At the probe at 5, "abcd" occurs twice in the value: once in "3abcdefgQ4", matching
    // arg[5..13], and once in "1PQabcdef2", matching arg[3..11]; the second starts before the
    // first's range and must still be found.
    let mut s = store();
    s.add_tainted(b"1PQabcdef23abcdefgQ4", 1);
    assert_eq!(
        scan(&mut s, "zzzPQabcdefgQQQQ"),
        [(3, 13, 1, MatchKind::Partial)]
    );
}

#[test]
fn partial_is_not_repeated_inside_whole_matches() {
    let mut s = store();
    s.add_tainted(b"session-token-123", 1);
    assert_eq!(
        scan(&mut s, "t=session-token-123"),
        [(2, 19, 1, MatchKind::Exact)]
    );
    // The same source's concatenated pieces make one run.
    s.add_tainted(b"first-part-here", 1);
    assert_eq!(
        scan(&mut s, "session-token-first-part"),
        [(0, 24, 1, MatchKind::Partial)]
    );
}

#[test]
fn pieces_of_a_value_that_arrived_whole_are_coincidences() {
    let mut s = store();
    s.add_tainted(b"https://example.com/", 1);
    // The template's own "https://" must not be attributed to the user's URL.
    assert_eq!(
        scan(
            &mut s,
            "https://api.example/v1/search?q=https://example.com/"
        ),
        [(32, 52, 1, MatchKind::Exact)]
    );
    // Without the whole value, the same piece is still found.
    assert_eq!(
        scan(&mut s, "go to https://example.org"),
        [(6, 22, 1, MatchKind::Partial)]
    );
}

#[test]
fn short_values_count_only_when_isolated() {
    let mut s = store();
    s.add_tainted(b"1", 1);
    assert_eq!(scan(&mut s, "id = 1"), [(5, 6, 1, MatchKind::Exact)]);
    assert_eq!(scan(&mut s, "'1'"), [(1, 2, 1, MatchKind::Exact)]);
    assert_eq!(scan(&mut s, "col1 = 10"), []);
    s.add_tainted(b"'", 2);
    assert_eq!(scan(&mut s, "a'b"), [(1, 2, 2, MatchKind::Exact)]);
    s.add_tainted(b"id", 3);
    assert_eq!(
        scan(&mut s, "ID=width"),
        [(0, 2, 3, MatchKind::CaseChanged)]
    );
    // Four bytes and more need no isolation.
    s.add_tainted(b"true", 4);
    assert_eq!(scan(&mut s, "untrue"), [(2, 6, 4, MatchKind::Exact)]);
}

#[test]
fn the_same_value_from_two_sources_gives_a_range_per_source() {
    let mut s = store();
    let value = String::from("shared-value");
    assert_eq!(s.add_tainted(value.as_bytes(), 7), Added::Recorded);
    assert_eq!(s.add_tainted(value.clone().as_bytes(), 3), Added::Recorded);
    assert_eq!(s.add_tainted(value.as_bytes(), 7), Added::Duplicate);
    assert_eq!(s.add_tainted(b"", 7), Added::Empty);
    assert_eq!(
        scan(&mut s, "shared-value"),
        [(0, 12, 3, MatchKind::Exact), (0, 12, 7, MatchKind::Exact)]
    );
    assert_eq!(s.stats().values, 2);
}

#[test]
fn safe_coverage() {
    let sql = ClassSet::of(&[Vulnerability::SqlInjection]);
    let xss = ClassSet::of(&[Vulnerability::Xss]);
    let mut s = store();
    s.add_tainted(b"O'Brien", 1);
    s.add_safe(b"'O''Brien'", sql);
    s.add_safe(b"O''Brien", xss);
    // Escaped differently: the tainted value does not occur, the safe one does.
    assert_eq!(s.scan(b"name = 'O''Brien'"), []);

    let mut s = store();
    s.add_tainted(b"42", 1);
    s.add_safe(b"id=42&", sql);
    let ranges = s.scan(b"select id=42& from x");
    assert_eq!(brief(&ranges), [(10, 12, 1, MatchKind::Exact)]);
    assert_eq!(ranges[0].safe_for, sql);
    assert!(!ranges[0].safe_for.contains(Vulnerability::Xss));
    // Another class recorded for the same bytes joins.
    s.add_safe(b"id=42&", xss);
    assert_eq!(s.scan(b"id=42&")[0].safe_for, sql.union(xss));

    // Partly covered is not safe.
    // Separate live copies: identical literals share an address, and a freed copy's address
    // is reused, both of which would make buffer matches.
    let tainted = b"user-input-text".to_vec();
    let arg = tainted.clone();
    let mut s = store();
    s.add_tainted(&tainted, 1);
    s.add_safe(b"user-input", sql);
    let ranges = s.scan(&arg);
    assert_eq!(brief(&ranges), [(0, 15, 1, MatchKind::Exact)]);
    assert_eq!(ranges[0].safe_for, ClassSet::EMPTY);
    // A safe value that is the range exactly covers it, whether long or short.
    s.add_safe(&tainted.clone(), xss);
    assert_eq!(s.scan(&arg)[0].safe_for, xss);
    let (seven, seven_safe) = (b"7".to_vec(), b"7".to_vec());
    s.add_tainted(&seven, 2);
    s.add_safe(&seven_safe, sql);
    assert_eq!(s.scan(b"x=7")[0].safe_for, sql);

    // The safe value's own buffer covers what lies in it.
    let mut s = store();
    let validated = String::from("12345678");
    s.add_tainted(validated.as_bytes(), 1);
    s.add_safe(validated.as_bytes(), sql);
    let ranges = s.scan(&validated.as_bytes()[2..]);
    assert_eq!(brief(&ranges), [(0, 6, 1, MatchKind::Buffer)]);
    assert_eq!(ranges[0].safe_for, sql);
}

#[test]
fn limits_drop_and_count_and_keep_prefixes() {
    let limits = Caps {
        max_values: 2,
        max_bytes: 20,
        max_value_len: 8,
        max_safe_values: 1,
    };
    let mut s = TaintStore::new(limits);
    assert_eq!(s.add_tainted(b"0123456789abcdef", 1), Added::Recorded);
    assert_eq!(s.add_tainted(b"first-value", 2), Added::Recorded);
    assert_eq!(s.add_tainted(b"third", 3), Added::Dropped);
    assert_eq!(s.add_tainted(b"0123456789", 4), Added::Dropped);
    assert_eq!(s.add_safe(b"safe", ClassSet::EMPTY), Added::Recorded);
    assert_eq!(s.add_safe(b"more", ClassSet::EMPTY), Added::Dropped);
    let stats = s.stats();
    assert_eq!(
        (stats.values, stats.value_bytes, stats.safe_values),
        (2, 16, 1)
    );
    assert_eq!((stats.dropped_values, stats.dropped_safe), (2, 1));
    // The long value was kept as its first 8 bytes.
    assert_eq!(scan(&mut s, "x 01234567 x"), [(2, 10, 1, MatchKind::Exact)]);
    assert_eq!(scan(&mut s, "third"), []);

    let mut s = TaintStore::new(Caps {
        max_bytes: 10,
        ..Caps::default()
    });
    assert_eq!(s.add_tainted(b"0123456", 1), Added::Recorded);
    assert_eq!(s.add_tainted(b"abcdef", 1), Added::Dropped);
    assert_eq!(s.add_tainted(b"abc", 1), Added::Recorded);
}

#[test]
fn invalid_utf8_and_nul_bytes() {
    let mut s = store();
    let value = b"\xff\x00\xfe-bin\x00ary\xc3";
    assert_eq!(s.add_tainted(value, 1), Added::Recorded);
    let mut arg = b"\x00\x00prefix ".to_vec();
    arg.extend_from_slice(value);
    arg.extend_from_slice(b"\x00");
    assert_eq!(brief(&s.scan(&arg)), [(9, 21, 1, MatchKind::Exact)]);
    s.add_tainted(b"\x00", 2);
    assert_eq!(brief(&s.scan(b"a\x00b")), [(1, 2, 2, MatchKind::Exact)]);
    for arg in [&b""[..], b"\x00", b"\xff\xff\xff\xff\xff", b"%", b"%%zz+"] {
        s.scan(arg);
        s.add_tainted(arg, 3);
        s.add_safe(arg, ClassSet::EMPTY);
    }
}

#[test]
fn ten_thousand_values() {
    let mut s = store();
    let values: Vec<String> = (0..10_000)
        .map(|i| format!("user-{i:05}-{}", i * 7919 % 10_007))
        .collect();
    for (i, v) in values.iter().enumerate() {
        assert_eq!(s.add_tainted(v.as_bytes(), i as u32), Added::Recorded);
    }
    let arg = format!(
        "select * from t where a = '{}' or b = '{}'",
        values[17], values[9_999]
    );
    let ranges = s.scan(arg.as_bytes());
    let exact: Vec<_> = ranges
        .iter()
        .filter(|r| r.kind == MatchKind::Exact)
        .collect();
    assert_eq!(exact.len(), 2, "{ranges:?}");
    assert_eq!((exact[0].source, exact[1].source), (17, 9_999));
    let stats = s.stats();
    assert_eq!((stats.values, stats.dropped_values), (10_000, 0));
    assert!(stats.heap_bytes < 8 << 20, "{stats:?}");
    // A long argument with nothing in it.
    assert!(
        s.scan("the quick brown fox ".repeat(5_000).as_bytes())
            .is_empty()
    );
}

#[test]
fn repetitive_values_and_arguments_stay_cheap() {
    let mut s = store();
    let run = vec![b'a'; 60_000];
    s.add_tainted(&run, 1);
    let arg = vec![b'a'; 1 << 20];
    let ranges = s.scan(&arg);
    // The value arrives whole (many times over), so its pieces add nothing.
    assert!(!ranges.is_empty());
    assert!(ranges.iter().all(|r| r.kind == MatchKind::Exact));
    let exact = ranges.iter().filter(|r| r.kind == MatchKind::Exact).count();
    assert!(exact < 1_000, "{exact}");
}

#[test]
fn arbitrary_bytes_and_limits_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for _ in 0..200 {
        let limits = Caps {
            max_values: rng.below(40),
            max_bytes: rng.below(3000),
            max_value_len: rng.below(400),
            max_safe_values: rng.below(10),
        };
        let mut s = TaintStore::new(limits);
        let mut kept: Vec<Vec<u8>> = Vec::new();
        for _ in 0..30 {
            let len = rng.below(300);
            let v: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            match rng.below(3) {
                0 => drop(s.add_tainted(&v, rng.next() as u32)),
                1 => drop(s.add_safe(&v, ClassSet::of(&[Vulnerability::Xss]))),
                _ => {
                    let mut arg = v.clone();
                    if let Some(k) = kept.last() {
                        arg.extend_from_slice(k);
                    }
                    for r in s.scan(&arg) {
                        assert!(r.start < r.end && r.end <= arg.len());
                    }
                    if let Some(k) = kept.last() {
                        let a = rng.below(k.len() + 1);
                        s.scan(&k[a..]);
                    }
                }
            }
            kept.push(v);
        }
        let stats = s.stats();
        assert!(stats.values <= limits.max_values);
        assert!(stats.value_bytes <= limits.max_bytes);
    }
}

#[test]
fn store_is_send() {
    fn send<T: Send>() {}
    send::<TaintStore>();
}

use crate::test_rng::Rng;

/// Whole matches against brute force with many values sharing long prefixes, so that the
/// whole-match trie splits deep and keys children by tails.
#[test]
fn agrees_with_brute_force_on_shared_prefixes() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..60 {
        let mut s = store();
        let values: Vec<Vec<u8>> = (0..40 + rng.below(200))
            .map(|_| {
                let mut v = b"prefix-".to_vec();
                let len = rng.below(14);
                v.extend((0..len).map(|_| b"aB"[rng.below(2)]));
                v
            })
            .collect();
        for (i, v) in values.iter().enumerate() {
            s.add_tainted(v, i as u32);
        }
        let mut arg = Vec::new();
        while arg.len() < 300 {
            let v = &values[rng.below(values.len())];
            arg.extend(
                v.iter()
                    .map(|&c| if rng.below(5) == 0 { c ^ 0x20 } else { c }),
            );
            arg.extend_from_slice(&b"ab -"[..rng.below(4)]);
        }
        let mut want = Vec::new();
        for (i, v) in values.iter().enumerate() {
            for t in 0..arg.len() {
                let Some(found) = arg.get(t..t + v.len()) else {
                    break;
                };
                if found.eq_ignore_ascii_case(v) {
                    let kind = if found == &v[..] {
                        MatchKind::Exact
                    } else {
                        MatchKind::CaseChanged
                    };
                    want.push((t, t + v.len(), i as u32, kind));
                }
            }
        }
        want.sort_unstable();
        want.dedup_by_key(|w| (w.0, w.1, w.2));
        let got: Vec<_> = brief(&s.scan(&arg))
            .into_iter()
            .filter(|r| r.3 != MatchKind::Partial)
            .collect();
        assert_eq!(got, want, "round {round}");
    }
}

/// Whole, partial and safe matches against brute force: values over a small alphabet with
/// `%`, `+` and space (so that URL variants occur), arguments mixing pieces of values and of
/// their variants in changed case, and safe values cut from values.
#[test]
fn agrees_with_brute_force() {
    const ALPHABET: &[u8] = b"abAB%27+ -";
    let classes = [
        ClassSet::of(&[Vulnerability::SqlInjection]),
        ClassSet::of(&[Vulnerability::Xss]),
        ClassSet::of(&[Vulnerability::SqlInjection, Vulnerability::CommandInjection]),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..600 {
        let mut s = store();
        let count = 1 + rng.below(8);
        let values: Vec<Vec<u8>> = (0..count)
            .map(|_| {
                let len = 1 + rng.below(30);
                (0..len)
                    .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                    .collect()
            })
            .collect();
        // Every searchable form: (bytes, value index, kind), `Exact` for a value's own bytes.
        let mut forms: Vec<(Vec<u8>, usize, MatchKind)> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            s.add_tainted(v, (i % 3) as u32);
            forms.push((v.clone(), i, MatchKind::Exact));
            super::encodings::variants(v, |b, k| forms.push((b.to_vec(), i, k)));
        }
        let safe: Vec<(Vec<u8>, ClassSet)> = (0..rng.below(4))
            .map(|_| {
                let v = &values[rng.below(values.len())];
                let a = rng.below(v.len());
                let b = a + 1 + rng.below(v.len() - a);
                (v[a..b].to_vec(), classes[rng.below(classes.len())])
            })
            .collect();
        for (bytes, c) in &safe {
            s.add_safe(bytes, *c);
        }
        let mut arg = Vec::new();
        while arg.len() < 120 {
            match rng.below(3) {
                0 => {
                    let form = &forms[rng.below(forms.len())].0;
                    let a = rng.below(form.len());
                    let b = a + 1 + rng.below(form.len() - a);
                    for &c in &form[a..b] {
                        let flip = rng.below(4) == 0;
                        arg.push(if flip { c.to_ascii_uppercase() } else { c });
                    }
                }
                1 => arg.extend_from_slice(&forms[rng.below(forms.len())].0),
                _ => arg.push(ALPHABET[rng.below(ALPHABET.len())]),
            }
        }
        let got = s.scan(&arg);

        let mut whole = Vec::new();
        let mut arrived_whole = vec![false; values.len()];
        for (form, i, kind) in &forms {
            let (v, source) = (&values[*i], (*i % 3) as u32);
            for t in 0..arg.len() {
                let Some(found) = arg.get(t..t + form.len()) else {
                    break;
                };
                let isolated =
                    form.len() >= 4 || super::short::isolated(&arg, t, t + form.len(), form);
                if found.eq_ignore_ascii_case(form) && isolated {
                    let kind = match kind {
                        MatchKind::Exact if found != &v[..] => MatchKind::CaseChanged,
                        k => *k,
                    };
                    whole.push((t, t + form.len(), source, kind));
                    arrived_whole[*i] = true;
                }
            }
        }
        let mut partial_cover: Vec<Vec<bool>> = vec![vec![false; arg.len()]; 3];
        // Pieces of a value and of the forms an application decodes it to.
        for (v, i, kind) in &forms {
            // Pieces of a value that arrived whole are not attributed (see `assemble`).
            if !kind.is_form() || v.len() < MIN_PARTIAL || arrived_whole[*i] {
                continue;
            }
            for t in 0..arg.len().saturating_sub(MIN_PARTIAL - 1) {
                let window = &arg[t..t + MIN_PARTIAL];
                if v.windows(MIN_PARTIAL).any(|w| w == window) {
                    partial_cover[*i % 3][t..t + MIN_PARTIAL].fill(true);
                }
            }
        }
        whole.sort_unstable();
        whole.dedup_by_key(|w| (w.0, w.1, w.2));
        let got_whole: Vec<_> = brief(&got)
            .into_iter()
            .filter(|r| r.3 != MatchKind::Partial)
            .collect();
        let shown = String::from_utf8_lossy(&arg);
        assert_eq!(
            got_whole, whole,
            "round {round}: arg {shown:?} values {values:?}"
        );

        for source in 0..3u32 {
            let mut want = partial_cover[source as usize].clone();
            for w in whole.iter().filter(|w| w.2 == source) {
                want[w.0..w.1].fill(true);
            }
            let mut have = vec![false; arg.len()];
            for r in got.iter().filter(|r| r.source == source) {
                have[r.start..r.end].fill(true);
            }
            assert_eq!(have, want, "round {round} source {source}: arg {shown:?}");
        }

        for r in &got {
            let mut want = ClassSet::EMPTY;
            for (bytes, c) in &safe {
                for o in r.end.saturating_sub(bytes.len())..=r.start {
                    if arg.get(o..o + bytes.len()) == Some(&bytes[..]) {
                        want = want.union(*c);
                    }
                }
            }
            assert_eq!(
                r.safe_for, want,
                "round {round}: {r:?} in {shown:?}, safe {safe:?}"
            );
        }
        let keys: Vec<_> = got.iter().map(|r| (r.start, r.end, r.source)).collect();
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(keys, sorted);
    }
}

/// One step of the reuse test, applied alike to a reused and a new store.
enum Op {
    /// A value (index into the round's values) recorded from a source, its address counting
    /// or not.
    Tainted(usize, u32, bool),
    Safe(usize, ClassSet, bool),
    /// An argument (index into the round's arguments).
    Scan(usize),
}

/// Values of many shapes: with URL escapes, `+` and spaces (variants), short ones (the short
/// index), sharing long prefixes (trie splits), non-ASCII (case variants), random bytes, and
/// repeats of earlier ones (duplicates, further sources and addresses).
fn reuse_values(rng: &mut Rng, count: usize) -> Vec<Vec<u8>> {
    const ALPHABET: &[u8] = b"abAB%27+ -";
    let mut values: Vec<Vec<u8>> = Vec::new();
    for _ in 0..count {
        let v = match rng.below(7) {
            0 => (0..1 + rng.below(30))
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect(),
            1 => (0..1 + rng.below(3))
                .map(|_| b"1aZ'x"[rng.below(5)])
                .collect(),
            2 => {
                let mut v = b"prefix-".to_vec();
                v.extend((0..rng.below(14)).map(|_| b"aB"[rng.below(2)]));
                v
            }
            3 => format!("Ärger-{}-straße", rng.below(100)).into_bytes(),
            4 => (0..1 + rng.below(300)).map(|_| rng.next() as u8).collect(),
            5 if !values.is_empty() => values[rng.below(values.len())].clone(),
            _ => format!("user-{:05}-{}", rng.below(100_000), rng.below(1000)).into_bytes(),
        };
        values.push(v);
    }
    values
}

/// Arguments mixing whole values, pieces of them and of their variants in changed case, and
/// filler.
fn reuse_args(rng: &mut Rng, values: &[Vec<u8>], count: usize) -> Vec<Vec<u8>> {
    let mut forms: Vec<Vec<u8>> = values.to_vec();
    for v in values {
        super::encodings::variants(v, |b, _| forms.push(b.to_vec()));
    }
    (0..count)
        .map(|_| {
            let mut arg = Vec::new();
            let len = rng.below(200);
            while arg.len() < len {
                let form = &forms[rng.below(forms.len())];
                match rng.below(4) {
                    0 if !form.is_empty() => {
                        let a = rng.below(form.len());
                        let b = a + 1 + rng.below(form.len() - a);
                        for &c in &form[a..b] {
                            let flip = rng.below(4) == 0;
                            arg.push(if flip { c.to_ascii_uppercase() } else { c });
                        }
                    }
                    1 => arg.extend_from_slice(form),
                    _ => arg.extend_from_slice(&b" = 'x' -- a1 ,"[..rng.below(15)]),
                }
            }
            arg
        })
        .collect()
}

fn stats_but_heap(s: &TaintStore) -> Stats {
    Stats {
        heap_bytes: 0,
        ..s.stats()
    }
}

/// Applies `ops` to `reused` and to a new store with the same limits, and checks that every
/// add and scan has the same outcome in both. Arguments that are slices of the values' own
/// buffers (and of the previous round's, still alive) give `Buffer` matches, and a stale
/// address left behind by `clear` would show as one.
fn same_as_new(
    reused: &mut TaintStore,
    limits: Caps,
    values: &[Vec<u8>],
    args: &[Vec<u8>],
    ops: &[Op],
    earlier: &[Vec<u8>],
    round: usize,
) {
    let mut new = TaintStore::new(limits);
    for (step, op) in ops.iter().enumerate() {
        let at = format!("round {round} step {step}");
        match *op {
            Op::Tainted(i, source, address) => {
                let (a, b) = (
                    reused.add_tainted_at(&values[i], source, address),
                    new.add_tainted_at(&values[i], source, address),
                );
                assert_eq!(a, b, "{at}: tainted {:?}", values[i]);
            }
            Op::Safe(i, classes, address) => {
                let (a, b) = (
                    reused.add_safe_at(&values[i], classes, address),
                    new.add_safe_at(&values[i], classes, address),
                );
                assert_eq!(a, b, "{at}: safe {:?}", values[i]);
            }
            Op::Scan(i) => {
                let arg = &args[i];
                assert_eq!(reused.scan(arg), new.scan(arg), "{at}: {arg:?}");
            }
        }
        assert_eq!(stats_but_heap(reused), stats_but_heap(&new), "{at}");
    }
    // The very buffers, and slices of them: this round's and the previous round's.
    for v in values
        .iter()
        .chain(earlier)
        .step_by(values.len().div_ceil(100))
    {
        for (a, b) in [(0, v.len()), (v.len() / 3, v.len()), (0, v.len() / 2)] {
            let slice = &v[a..b];
            assert_eq!(
                reused.scan(slice),
                new.scan(slice),
                "round {round}: {slice:?}"
            );
        }
    }
}

/// A store cleared and refilled answers every add and scan as a new store given the same adds
/// does (whole, partial, buffer and safe matches, and the counts and limits), round after
/// round, also after rounds that grew its tables well past their first size; `clear` keeps
/// every allocation, and refilling it with what it held before needs no more.
#[test]
fn a_cleared_store_answers_as_a_new_one() {
    let classes = [
        ClassSet::of(&[Vulnerability::SqlInjection]),
        ClassSet::of(&[Vulnerability::Xss]),
        ClassSet::of(&[Vulnerability::SqlInjection, Vulnerability::CommandInjection]),
    ];
    let small = Caps {
        max_values: 6,
        max_bytes: 120,
        max_value_len: 24,
        max_safe_values: 3,
    };
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    for limits in [Caps::default(), small] {
        let mut reused = TaintStore::new(limits);
        let mut earlier: Vec<Vec<u8>> = Vec::new();
        for round in 0..300 {
            // Now and then a round of thousands of values, which grows every table.
            let count = if round % 25 == 24 {
                500 + rng.below(1_000)
            } else {
                1 + rng.below(40)
            };
            let values = reuse_values(&mut rng, count);
            let arg_count = 1 + rng.below(12);
            let args = reuse_args(&mut rng, &values, arg_count);
            let mut ops: Vec<Op> = Vec::new();
            for i in 0..values.len() {
                let address = rng.below(4) != 0;
                if rng.below(4) == 0 {
                    ops.push(Op::Safe(i, classes[rng.below(classes.len())], address));
                } else {
                    ops.push(Op::Tainted(i, rng.below(5) as u32, address));
                }
                if rng.below(6) == 0 {
                    ops.push(Op::Scan(rng.below(args.len())));
                }
            }
            // Safe values cut from tainted ones, so that ranges are covered.
            for _ in 0..rng.below(4) {
                let i = rng.below(values.len());
                ops.push(Op::Safe(i, classes[rng.below(classes.len())], false));
            }
            ops.extend((0..args.len()).map(Op::Scan));
            same_as_new(&mut reused, limits, &values, &args, &ops, &earlier, round);

            let heap = reused.stats().heap_bytes;
            reused.clear();
            assert!(reused.is_vacant(), "round {round}");
            assert_eq!(stats_but_heap(&reused), Stats::default(), "round {round}");
            assert_eq!(
                reused.stats().heap_bytes,
                heap,
                "round {round}: allocations kept"
            );
            assert!(reused.scan(&args[0]).is_empty());
            if round % 10 == 0 {
                // The same adds again fit in what the store kept.
                same_as_new(&mut reused, limits, &values, &args, &ops, &earlier, round);
                assert_eq!(reused.stats().heap_bytes, heap, "round {round}: no growth");
                reused.clear();
            }
            earlier = values;
        }
    }
}

/// Clearing a store that holds nothing, or one cleared already, is harmless.
#[test]
fn clearing_an_empty_store() {
    let mut s = store();
    s.clear();
    assert!(s.is_vacant());
    s.clear();
    let value = String::from("first-value");
    s.add_tainted(value.as_bytes(), 1);
    s.clear();
    s.clear();
    assert!(s.is_vacant());
    assert_eq!(scan(&mut s, "first-value"), []);
    s.add_tainted(b"1", 2);
    assert_eq!(scan(&mut s, "id = 1"), [(5, 6, 2, MatchKind::Exact)]);
}

#[test]
fn safe_ranges_say_which_callers_gave_the_values_covering_them() {
    let xss = ClassSet::of(&[Vulnerability::Xss]);
    let mut s = store();
    let value = b"user-input-value".to_vec();
    s.add_tainted(&value, 0);
    s.add_safe_by(b"user-input-value!", xss, 0b01, false);
    s.add_safe_by(b"unrelated text here", xss, 0b10, false);
    let ranges = s.scan(b"x = user-input-value!");
    assert_eq!(ranges[0].safe_for, xss);
    assert_eq!(ranges[0].safe_by, 0b01);
    // The same safe value given again by another caller carries both.
    s.add_safe_by(b"user-input-value!", xss, 0b100, false);
    assert_eq!(s.scan(b"x = user-input-value!")[0].safe_by, 0b101);
    assert_eq!(s.scan(b"x = user-input-value")[0].safe_by, 0);
}

/// The steps of one scan of `arg` against `values`.
fn scan_steps(values: &[String], arg: &str) -> u64 {
    let mut s = store();
    for v in values {
        s.add_tainted(v.as_bytes(), 0);
    }
    crate::work::steps_of(|| drop(s.scan(arg.as_bytes())))
}

/// The audit's shapes: a periodic value against runs of it joined by quotes, whole and one
/// byte short. Each compare used to run to the quote, so the work grew with the square of the
/// value; now it grows with the argument.
#[test]
fn periodic_runs_cost_steps_in_proportion() {
    for short in [0, 1] {
        let steps: Vec<u64> = [1usize << 12, 1 << 14, 1 << 16]
            .iter()
            .map(|&n| {
                let value = "a".repeat(n / 16);
                let arg = vec!["a".repeat(n / 16 - short); 16].join("'");
                scan_steps(&[value], &arg)
            })
            .collect();
        assert!(steps[1] <= steps[0] * 5, "{steps:?}");
        assert!(steps[2] <= steps[0] * 20, "{steps:?}");
    }
}

/// A scan that spends its budget stops with what it found.
#[test]
fn a_scan_stops_when_the_budget_is_spent() {
    let mut s = store();
    let value = "a".repeat(1 << 12);
    s.add_tainted(value.as_bytes(), 0);
    let arg = vec![value.as_str(); 64].join("'");
    let check = crate::work::begin(100_000);
    let ranges = s.scan(arg.as_bytes());
    assert!(check.exceeded());
    drop(check);
    assert!(!ranges.is_empty() && ranges.len() < 64, "{}", ranges.len());
    assert!(crate::work::last_check_steps() < 100_000 + (1 << 16));
}
