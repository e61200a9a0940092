use super::wire::{self, decode, encode, fit};
use super::{Accepted, Incoming, merge, piece_hash, send, window, without_own};
use crate::site::Upstream;
use std::sync::Arc;

fn up(name: &str) -> Arc<Upstream> {
    Arc::new(wire::upstream(
        "gateway",
        Some("GET /search".to_owned()),
        "http.query",
        Some(name),
    ))
}

/// The member for one item naming `value` as query parameter `name`.
fn member(name: &str, value: &[u8]) -> String {
    encode(&[(up(name), window::pieces(value))]).unwrap()
}

fn accepted(lines: &[&str]) -> (Accepted, Option<Incoming>) {
    decode(lines.iter().map(|l| l.as_bytes()))
}

#[test]
fn the_piece_hash_is_the_one_on_the_wire() {
    // Fixed values: a sender and a receiver built from different versions must agree.
    assert_eq!(piece_hash(*b"\0\0\0\0\0\0\0\0"), 0xaa24_b332);
    assert_eq!(piece_hash([0xff; 8]), 0xaa61_46d5);
    assert_eq!(piece_hash(*b"abcdefgh"), 0xfd10_c908);
    assert_eq!(piece_hash(*b"abcdefgH"), 0x00e5_28d6);
    assert_eq!(piece_hash(*b"' OR 'a'"), 0x210f_1117);
    // Aligned pieces only; a tail shorter than a piece is left out, and so is a short value.
    assert_eq!(window::pieces(b"abcdefgh' OR 'a'xyz").len(), 2);
    assert!(window::pieces(b"1234567").is_empty());
    assert_eq!(window::pieces(&[b'a'; 1000]).len(), 32);
}

#[test]
fn an_entry_is_read_back_as_it_was_written() {
    let m = member("q", b"' OR 'a'='a' --x");
    assert!(m.starts_with("iast.taint=1~"), "{m}");
    assert!(
        m.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.~=-".contains(&b)),
        "{m}"
    );
    // Neither the value nor an encoding of it travels.
    assert!(!m.contains("OR") && !m.contains("%27"), "{m}");
    let (outcome, incoming) = accepted(&[&m]);
    assert_eq!(outcome, Accepted::Applied(1));
    let mut incoming = incoming.unwrap();
    incoming.note(7, b"' OR 'a'='a' --x");
    let label = incoming.label(7).unwrap();
    assert_eq!(**label, *up("q"));
    assert_eq!(
        label.describe(),
        "entered at `gateway` as query parameter `q` of `GET /search`"
    );
}

#[test]
fn w3c_syntax_around_the_member_is_read() {
    let m = member("q", b"0123456789abcdef");
    let spaced = m.replacen('=', " \t= ", 1);
    for lines in [
        vec![format!("app=1, {spaced} ;prop;k=v=w ,other=x=y")],
        vec!["app=1".to_owned(), format!(" {m}"), "z=2,".to_owned()],
        vec![format!("{m},")],
    ] {
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert_eq!(accepted(&lines).0, Accepted::Applied(1), "{lines:?}");
    }
    assert_eq!(accepted(&["app=1", "iast.taintx=1"]).0, Accepted::Absent);
    assert_eq!(accepted(&[]).0, Accepted::Absent);
}

#[test]
fn a_malformed_entry_is_ignored_whole() {
    let m = member("q", b"0123456789abcdef");
    let value = &m["iast.taint=".len()..];
    let broken = [
        format!("{m},{m}"),
        m.replacen("=1~", "=2~", 1),
        format!("{m}~"),
        format!("{m}.x"),
        format!("{m}\""),
        format!("{m}\\"),
        format!("{m}é"),
        format!("iast.taint={}", value.replacen('.', "!", 1)),
        "iast.taint".to_owned(),
        "iast.taint=".to_owned(),
        "iast.taint=1".to_owned(),
        // A piece list whose length is no multiple of 4 bytes.
        format!("iast.taint=1~Zw.Zw.Zw.Zw.{}", "AAAAAAA"),
        // An empty service, or one with a control character.
        format!("iast.taint=1~.Zw.Zw.Zw.{}", &value[value.len() - 11..]),
        format!("iast.taint=1~Bw.Zw.Zw.Zw.{}", &value[value.len() - 11..]),
    ];
    for line in &broken {
        let (outcome, incoming) = accepted(&[line]);
        assert!(
            matches!(outcome, Accepted::Ignored(_)) && incoming.is_none(),
            "{line}: {outcome:?}"
        );
    }
    // 65 items.
    let item = &value[1..];
    let many = format!("iast.taint=1{}", item.repeat(65));
    assert!(matches!(accepted(&[&many]).0, Accepted::Ignored(_)));
}

#[test]
fn w3c_limits_are_enforced_before_anything_is_parsed() {
    let m = member("q", b"0123456789abcdef");
    // Exactly 8,192 bytes over two lines (joined by one comma): read.
    let pad = |total: usize| format!("x={}", "p".repeat(total - m.len() - 1 - 2));
    assert_eq!(accepted(&[&m, &pad(8192)]).0, Accepted::Applied(1));
    assert!(matches!(
        accepted(&[&m, &pad(8193)]).0,
        Accepted::Ignored(_)
    ));
    // 64 members: read; 65: ignored.
    let members: Vec<String> = (0..63).map(|i| format!("k{i}=v")).collect();
    let line = format!("{m},{}", members.join(","));
    assert_eq!(accepted(&[&line]).0, Accepted::Applied(1));
    let line = format!("{line},k63=v");
    assert!(matches!(accepted(&[&line]).0, Accepted::Ignored(_)));
}

#[test]
fn the_sender_keeps_within_its_share_of_the_baggage() {
    let items: Vec<_> = (0..64)
        .map(|i| (up(&format!("parameter{i}")), window::pieces(&[b'v'; 256])))
        .collect();
    let m = encode(&items).unwrap();
    assert!(m.len() <= super::MAX_MEMBER, "{}", m.len());
    let (outcome, _) = accepted(&[&m]);
    assert!(
        matches!(outcome, Accepted::Applied(n) if n > 0 && n < 64),
        "{outcome:?}"
    );
    // Long names are cut to the wire's limits rather than making the member unreadable.
    let long = Arc::new(wire::upstream(
        &"s".repeat(100),
        Some("GET /".to_owned() + &"r".repeat(1000)),
        "http.query",
        Some(&"é".repeat(300)),
    ));
    let m = encode(&[(long, window::pieces(b"0123456789abcdef"))]).unwrap();
    assert_eq!(accepted(&[&m]).0, Accepted::Applied(1));
    assert_eq!(fit("abcdef", 6), "abcdef");
    assert_eq!(fit("abcdefg", 6), "abc…");
}

#[test]
fn a_forwarded_value_is_found_inside_a_longer_one() {
    let value = b"' OR 'a'='a' --x";
    let (_, incoming) = accepted(&[&member("q", value)]);
    let mut incoming = incoming.unwrap();
    // At an odd offset, inside a JSON document a backend received.
    incoming.note(1, br#"{"filter":{"name":"' OR 'a'='a' --x","n":3}}"#);
    assert!(incoming.label(1).is_some());
    // Too little of it, another value, a short one: no label.
    incoming.note(2, b"' OR 'a'= and more");
    incoming.note(3, b"an ordinary value of some length");
    incoming.note(4, b"' OR 'a");
    assert!(incoming.label(2).is_none() && incoming.label(3).is_none());
    assert!(incoming.label(4).is_none());
    // A value of one piece matches on that piece.
    let (_, incoming) = accepted(&[&member("q", b"12345678")]);
    let mut incoming = incoming.unwrap();
    incoming.note(5, b"id=12345678;");
    assert!(incoming.label(5).is_some());
}

#[test]
fn the_best_matching_item_labels_a_value() {
    let long = b"0123456789abcdefghijklmnopqrstuv";
    let items = vec![
        (up("short"), window::pieces(&long[..16])),
        (up("long"), window::pieces(long)),
    ];
    let (_, incoming) = accepted(&[&encode(&items).unwrap()]);
    let mut incoming = incoming.unwrap();
    incoming.note(1, long);
    assert_eq!(incoming.label(1).unwrap().name(), Some("long"));
}

#[test]
fn matching_stops_at_its_budget() {
    let (_, incoming) = accepted(&[&member("q", b"0123456789abcdef")]);
    let mut incoming = incoming.unwrap();
    // A megabyte of other text spends the request's windows: a later value is not matched.
    incoming.note(1, &vec![b'x'; 1 << 20]);
    incoming.note(2, b"0123456789abcdef");
    assert!(incoming.label(2).is_none());
}

#[test]
fn matching_grows_linearly_with_crafted_entries() {
    // Every piece of every item has one hash, and the value is made of that piece: each
    // window is a hit, bounded by the hit budget whatever the value's length.
    let items: Vec<_> = (0..64)
        .map(|i| (up(&format!("p{i}")), window::pieces(&[b'a'; 256])))
        .collect();
    let m = encode(&items).unwrap();
    for n in [1 << 10, 1 << 12, 1 << 14] {
        let (_, incoming) = accepted(&[&m]);
        let mut incoming = incoming.unwrap();
        let started = std::time::Instant::now();
        incoming.note(1, &vec![b'a'; n]);
        assert!(incoming.label(1).is_some());
        // Generous: the bound is the point, not the time (a debug build takes milliseconds).
        assert!(started.elapsed().as_secs() < 5);
    }
}

#[test]
fn the_member_is_taken_out_of_what_the_request_records() {
    let m = member("q", b"0123456789abcdef");
    let line = format!("app=1, {m} ;p, other=2");
    assert_eq!(
        without_own(line.as_bytes()).as_deref(),
        Some(&b"app=1,other=2"[..])
    );
    assert_eq!(without_own(b"app=1"), None);
    assert_eq!(without_own(m.as_bytes()).as_deref(), Some(&b""[..]));
}

#[test]
fn merging_replaces_a_forwarded_member_and_keeps_the_applications() {
    let ours = member("q", b"0123456789abcdef");
    let forwarded = member("other", b"fedcba9876543210");
    let app = format!("app=1,{forwarded}");
    let lines = merge([app.as_bytes(), b"k=v".as_slice()], &ours);
    assert_eq!(
        lines,
        [
            b"app=1".to_vec(),
            b"k=v".to_vec(),
            ours.clone().into_bytes()
        ]
    );
    // No room left under W3C's limits: nothing is added.
    let full = format!("x={}", "p".repeat(8190));
    assert_eq!(merge([full.as_bytes()], &ours).len(), 1);
    let members: Vec<String> = (0..64).map(|i| format!("k{i}=v")).collect();
    let joined = members.join(",");
    assert_eq!(merge([joined.as_bytes()], &ours).len(), 1);
    assert_eq!(merge(std::iter::empty(), &ours), [ours.into_bytes()]);
}

#[test]
fn only_the_path_and_query_of_a_url_are_named() {
    let url = b"https://user:pw@host.example:8080/a/b?q=1&r=2#frag";
    let (within, query) = send::path_and_query(url);
    assert_eq!(&url[within.clone()], b"/a/b?q=1&r=2");
    assert_eq!(&url[query..within.end], b"?q=1&r=2");
    let (within, query) = send::path_and_query(b"http://host?x=1");
    assert_eq!((within, query), (11..15, 11));
    let (within, _) = send::path_and_query(b"/rows?name=x");
    assert_eq!(within, 0..12);
    assert_eq!(send::decoded(b"%27+OR+%27a", true), b"' OR 'a");
    assert_eq!(send::decoded(b"a+b%20c", false), b"a+b c");
}
