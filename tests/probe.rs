//! `iast::probe`: ordinary inputs of any length are found by running the code again with
//! the sources' values made unique, and confirmed with payloads; the traps of value matching
//! stay clean, because a constant chosen by matching the input stops matching.

use iast::{Confidence, Report, Vulnerability};

#[iast::source(origin = "http.parameter", name = name)]
fn param(name: &str, value: &str) -> String {
    let _ = name;
    value.to_owned()
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(xss)]
fn page(html: &str) -> usize {
    html.len()
}

#[iast::sink(log)]
fn log_line(line: &str) -> usize {
    line.len()
}

fn classes(report: &Report) -> Vec<(Vulnerability, Confidence)> {
    report
        .findings()
        .iter()
        .map(|f| (f.vulnerability(), f.confidence()))
        .collect()
}

fn handler(name: &str) {
    let name = param("name", name);
    query(&format!("SELECT * FROM users WHERE name = '{name}'"));
    page(&format!("<p>Hello {name}</p>"));
    log_line(&format!("login user={name}"));
}

/// A 3-byte and a 5-byte input in a SQL literal, an HTML page and a log line: an ordinary run
/// cannot attribute them, the probe finds each flow and confirms it with a payload.
#[test]
fn short_ordinary_inputs_are_found_and_confirmed() {
    for input in ["bob", "Alice"] {
        assert!(iast::check(|| handler(input)).is_clean());
        let report = iast::probe(|| handler(input));
        assert_eq!(
            classes(&report),
            [
                (Vulnerability::SqlInjection, Confidence::Confirmed),
                (Vulnerability::Xss, Confidence::Confirmed),
                (Vulnerability::LogInjection, Confidence::Confirmed),
            ],
            "{report}"
        );
        for finding in report.findings() {
            // The evidence is the ordinary run's: the canary is taken out of it.
            assert_eq!(
                finding.evidence().tainted_text().collect::<Vec<_>>(),
                [input],
                "{report}"
            );
            let proof = finding.proof().expect("a payload confirmed the flow");
            assert!(
                proof.starts_with(input) && proof.len() > input.len(),
                "{proof}"
            );
        }
        let sql = &report.findings()[0];
        assert_eq!(sql.proof(), Some(format!("{input}' OR '1'='1").as_str()));
        assert!(
            report
                .to_string()
                .contains(&format!("= confirmed by `name = {input}' OR '1'='1`")),
            "{report}"
        );
        let probe = report.probe().expect("a probe's report says so");
        assert!(
            probe.runs >= 5 && !probe.cut && probe.panicked == 0,
            "{probe:?}"
        );
    }
}

/// The same code and input give the same report, run after run.
#[test]
fn probes_are_deterministic() {
    let first = iast::probe(|| handler("bob")).to_string();
    for _ in 0..3 {
        assert_eq!(iast::probe(|| handler("bob")).to_string(), first);
    }
}

fn sort_column(requested: &str) -> &'static str {
    match requested {
        "name" => "name",
        "email" => "email",
        _ => "id",
    }
}

fn page_path(to: &str) -> &'static str {
    match to {
        "settings" => "/settings",
        _ => "/",
    }
}

#[iast::sink(redirect)]
fn redirect(location: &str) -> usize {
    location.len()
}

/// Allow-lists, numbers, hashes, lengths and constants chosen by a condition carry no data of
/// the request: under the canary they stop matching, and the probe stays as clean as the
/// ordinary run.
#[test]
fn the_traps_stay_clean_under_the_probe() {
    let traps: [(&str, fn()); 5] = [
        ("allow-list", || {
            let column = param("sort", "name");
            query(&format!(
                "SELECT * FROM users ORDER BY {}",
                sort_column(&column)
            ));
        }),
        ("parse to an integer", || {
            let id = param("id", "42");
            if let Ok(id) = id.parse::<u64>() {
                query(&format!("SELECT * FROM users WHERE id = {id}"));
            }
        }),
        ("hash", || {
            use std::hash::{Hash, Hasher};
            let token = param("token", "abcdef");
            let mut h = std::collections::hash_map::DefaultHasher::new();
            token.hash(&mut h);
            query(&format!(
                "SELECT * FROM sessions WHERE hash = '{:x}'",
                h.finish()
            ));
        }),
        ("length", || {
            let name = param("name", "alice");
            log_line(&format!("name of {} bytes", name.len()));
        }),
        ("constant from a condition", || {
            let to = param("to", "settings");
            redirect(page_path(&to));
            let mode = param("mode", "admin");
            let role = if mode == "admin" { "admin" } else { "guest" };
            query(&format!("SELECT * FROM roles WHERE name = '{role}'"));
        }),
    ];
    for (trap, f) in traps {
        let report = iast::probe(f);
        assert!(report.is_clean(), "{trap}: {report}");
        assert!(
            report.probe().is_some_and(|p| p.runs == 2),
            "{trap}: {report}"
        );
    }
}

/// A type with neither string leaves the probe knows nor serde.
pub struct Token(pub String);

#[iast::source(origin = "app.opaque")]
fn opaque(v: &str) -> Token {
    Token(v.to_owned())
}

/// A source of a type the probe cannot vary runs unchanged, and the report says so.
#[test]
fn an_unvaried_source_is_named() {
    let report = iast::probe(|| {
        let _ = opaque("t-1");
        handler("carol");
    });
    let unvaried: Vec<_> = report
        .probe()
        .unwrap()
        .unvaried
        .iter()
        .map(|s| s.function().to_owned())
        .collect();
    assert_eq!(unvaried, ["probe::opaque"]);
    assert!(
        report
            .to_string()
            .contains("the values of `probe::opaque` were not varied"),
        "{report}"
    );
}

/// A payload that the program's own parsing refuses with a panic ends that run only.
#[test]
fn a_panicking_probe_run_finds_nothing_and_the_probe_goes_on() {
    let report = iast::probe(|| {
        let id = param("id", "7a");
        let _: u32 = id.trim_end_matches(char::is_alphabetic).parse().unwrap();
        query(&format!("SELECT * FROM t WHERE code = '{id}'"));
    });
    assert_eq!(
        classes(&report),
        [(Vulnerability::SqlInjection, Confidence::Unsanitized)],
        "{report}"
    );
    assert!(report.probe().unwrap().panicked >= 1, "{report}");
}

/// `#[iast::test]`: the body runs under the probe and the test fails with the findings.
#[iast::test]
#[should_panic(expected = "found tainted flows")]
fn an_iast_test_fails_on_a_short_ordinary_input() {
    handler("bob");
}

#[iast::test]
fn an_iast_test_passes_when_the_input_is_bound() -> Result<(), std::num::ParseIntError> {
    let id: u64 = param("id", "42").parse()?;
    query(&format!("SELECT * FROM users WHERE id = {id}"));
    Ok(())
}

#[iast::test]
#[tokio::test]
#[should_panic(expected = "found tainted flows")]
async fn an_async_iast_test_fails_on_a_short_ordinary_input() {
    tokio::task::yield_now().await;
    handler("eve");
}

#[iast::test]
#[tokio::test]
async fn an_async_iast_test_may_return_a_result() -> Result<(), std::num::ParseIntError> {
    tokio::task::yield_now().await;
    let id: u32 = param("id", "7").parse()?;
    log_line(&format!("user id={id}"));
    Ok(())
}

/// More leaves reach sinks than the runs allow: the probe stops at `MAX_PROBE_RUNS` and says
/// so; the flows it could not confirm are still reported.
#[test]
fn payload_runs_are_bounded_and_the_cut_is_reported() {
    // Twenty parameters, each its own flow.
    let names: Vec<(String, String)> = (0..20)
        .map(|i| (format!("p{i}"), format!("user{i}")))
        .collect();
    let report = iast::probe(|| {
        for (name, value) in &names {
            let v = param(name, value);
            log_line(&format!("login user={v}"));
        }
    });
    let probe = report.probe().unwrap();
    assert_eq!(probe.runs, iast::MAX_PROBE_RUNS, "{report}");
    assert!(probe.cut, "{report}");
    assert!(
        report.to_string().contains("(payload runs cut at 16)"),
        "{report}"
    );
    assert!(!report.is_clean());
}

/// The report of a probe, as a snapshot: the same on every run and machine.
#[test]
fn a_probe_report_snapshot() {
    let report = iast::probe(|| handler("Alice"));
    insta::assert_snapshot!(report.to_string());
}
