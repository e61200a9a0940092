//! The precision traps of value-matched taint, each a test: coincidences must not become
//! findings, while the real flow next to them still does.

use iast::{Confidence, MatchKind};

#[iast::source(origin = "http.parameter")]
fn param(v: &str) -> String {
    v.to_owned()
}

#[iast::source(origin = "http.header")]
fn header(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(xss)]
fn page(html: &str) -> usize {
    html.len()
}

/// A "safe" function of the program returning a constant.
fn default_status() -> &'static str {
    "bar"
}

#[test]
fn a_benign_input_equal_to_a_program_constant() {
    let report = iast::check(|| {
        let _ = param("bar");
        query(&format!(
            "SELECT * FROM t WHERE status = '{}'",
            default_status()
        ))
    });
    assert!(report.is_clean(), "{report}");
}

fn sort_column(requested: &str) -> &'static str {
    match requested {
        "name" => "name",
        "created_at" => "created_at",
        "last_login_at" => "last_login_at",
        _ => "id",
    }
}

#[test]
fn a_whitelist_mapping_input_to_a_literal() {
    for column in ["name", "created_at", "last_login_at"] {
        let report = iast::check(|| {
            let requested = param(column);
            query(&format!(
                "SELECT * FROM users ORDER BY {}",
                sort_column(&requested)
            ))
        });
        assert!(report.is_clean(), "{column}: {report}");
    }
    // Without the whitelist, an attack in the same place is confirmed.
    let report = iast::check(|| {
        let requested = param("name; DROP TABLE users");
        query(&format!("SELECT * FROM users ORDER BY {requested}"))
    });
    assert_eq!(
        report.findings()[0].confidence(),
        Confidence::Confirmed,
        "{report}"
    );
}

#[test]
fn an_input_parsed_to_an_integer_and_formatted_back() {
    let report = iast::check(|| {
        let id: u64 = param("123456789").parse().unwrap();
        query(&format!("SELECT * FROM t WHERE id = {id}"))
    });
    assert!(report.is_clean(), "{report}");
    // The request's own buffer handed over as is stays a (certain) flow.
    let report = iast::check(|| {
        let id = param("123456789");
        query(&id)
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    assert_eq!(
        report.findings()[0].evidence().tainted[0].kind,
        MatchKind::Buffer
    );
}

#[test]
fn a_hash_of_an_input_or_its_length() {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let report = iast::check(|| {
        let password = param("correct horse battery staple");
        let mut h = DefaultHasher::new();
        password.hash(&mut h);
        query(&format!(
            "UPDATE users SET hash = '{:016x}', len = {} WHERE id = 7",
            h.finish(),
            password.len()
        ))
    });
    assert!(report.is_clean(), "{report}");
}

#[test]
fn empty_inputs_and_inputs_of_one_to_three_characters() {
    for input in ["", "a", "ab", "abc", "1", "42", "'", "--", "<p", "x'y"] {
        let report = iast::check(|| {
            let _ = param(input);
            // The program's own text is full of these characters.
            query("SELECT a, b, c FROM abc WHERE x = 'x''y' AND n > 42 -- ab");
            page("<p class='abc'>a b c</p>");
        });
        assert!(report.is_clean(), "{input:?}: {report}");
    }
    // A short input that appears once and changes structure still counts.
    let report = iast::check(|| {
        let id = param("1;id");
        query(&format!("SELECT * FROM t WHERE id = {id}"))
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    assert_eq!(report.findings()[0].confidence(), Confidence::Confirmed);
}

#[test]
fn the_same_value_arriving_from_two_sources() {
    let report = iast::check(|| {
        let a = param("shared-value' OR '1'='1");
        let _ = header("shared-value' OR '1'='1");
        query(&format!("SELECT * FROM t WHERE name = '{a}'"))
    });
    // One flow, with both possible origins named, not two findings; the principal one is the
    // request parameter, which a header more likely copies than the other way round.
    assert_eq!(report.findings().len(), 1, "{report}");
    let origins = |report: &iast::Report| -> Vec<String> {
        report.findings()[0]
            .sources()
            .iter()
            .filter_map(|s| s.origin().map(str::to_owned))
            .collect()
    };
    assert_eq!(origins(&report), ["http.parameter", "http.header"]);
    let fingerprint = report.findings()[0].fingerprint().to_owned();

    // The same request with no copy in a header is the same flow.
    let alone = iast::check(|| {
        let a = param("shared-value' OR '1'='1");
        query(&format!("SELECT * FROM t WHERE name = '{a}'"))
    });
    assert_eq!(alone.findings()[0].fingerprint(), fingerprint, "{alone}");

    // Whichever was read first.
    let reversed = iast::check(|| {
        let _ = header("shared-value' OR '1'='1");
        let a = param("shared-value' OR '1'='1");
        query(&format!("SELECT * FROM t WHERE name = '{a}'"))
    });
    assert_eq!(origins(&reversed), ["http.parameter", "http.header"]);
    assert_eq!(
        reversed.findings()[0].fingerprint(),
        fingerprint,
        "{reversed}"
    );
}

#[test]
fn a_benign_flow_is_unsanitized_and_an_attack_is_confirmed() {
    let report = iast::check(|| {
        let name = param("Mary Ann Smith");
        query(&format!("SELECT * FROM t WHERE name = '{name}'"))
    });
    assert_eq!(report.findings()[0].confidence(), Confidence::Unsanitized);
    let report = iast::check(|| {
        let name = param("x' OR '1'='1");
        query(&format!("SELECT * FROM t WHERE name = '{name}'"))
    });
    assert_eq!(report.findings()[0].confidence(), Confidence::Confirmed);
}

#[iast::sink(ssrf)]
fn fetch(url: &str) -> usize {
    url.len()
}

#[test]
fn an_ip_address_is_not_a_number() {
    let report = iast::check(|| {
        let host = param("169.254.169.254");
        fetch(&format!("http://{host}/latest/meta-data/"))
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    assert_eq!(report.findings()[0].confidence(), Confidence::Confirmed);
}

#[iast::sink(redirect)]
fn redirect(location: &str) -> usize {
    location.len()
}

/// The page a request names, from the program's own list.
fn page_path(to: &str) -> &'static str {
    match to {
        "settings" => "/settings",
        "messages" => "/messages",
        _ => "/",
    }
}

/// A word that selects the program's own page is no flow, even when the page's path holds it
/// whole; the same word reaching the redirect in the source's own buffer or inside a longer
/// token, or an input that is more than a word, is.
#[test]
fn a_word_that_selects_a_constant_holding_it() {
    let report = iast::check(|| {
        let to = param("settings");
        // Copied, as a framework copies it into the `Location` header.
        let location: String = page_path(&to).into();
        redirect(&location)
    });
    assert!(report.is_clean(), "{report}");

    let found = |f: fn()| {
        let report = iast::check(f);
        assert_eq!(report.findings().len(), 1, "{report}");
    };
    found(|| {
        let to = param("settings");
        redirect(&to);
    });
    found(|| {
        let to = param("settings");
        redirect(&format!("/{to}_v2"));
    });
    found(|| {
        let to = param("settings?tab=2");
        redirect(&format!("/{to}"));
    });
}
