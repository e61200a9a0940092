use super::state::{MAX_FINDINGS, MAX_POOLED_HEAP, Names, POOL, POOLED_STORES};
use super::*;
use crate::evidence::Evidence;
use crate::report::{Finding, Limits, Site};
use crate::taint::{MatchKind, TaintStore};
use crate::vulnerability::{Confidence, Vulnerability};

static SINK: Item = Item {
    kind: ItemKind::Sink {
        classes: crate::vulnerability::ClassSet::EMPTY,
        args: &[],
        serialized: false,
    },
    function: "app::sink",
    file: "src/app.rs",
    line: 1,
    package: "app",
    manifest_dir: "/ws/app",
};

#[test]
fn findings_past_the_cap_are_counted_not_kept() {
    let mut state = State::new();
    let names: Vec<&'static str> = (0..MAX_FINDINGS + 5)
        .map(|i| &*Box::leak(format!("app::source_{i}").into_boxed_str()))
        .collect();
    for name in &names {
        let source = Site::of(Box::leak(Box::new(Item {
            kind: ItemKind::Source {
                origin: None,
                strict: false,
            },
            function: name,
            file: "src/app.rs",
            line: 2,
            package: "app",
            manifest_dir: "/ws/app",
        })));
        let evidence = Evidence::new("sql", b"x", &[(0..1, 0, MatchKind::Exact)]);
        state.add_finding(
            Finding::new(
                Vulnerability::SqlInjection,
                Confidence::Unsanitized,
                Site::of(&SINK),
                vec![source],
                evidence,
            )
            .at(None, None),
        );
    }
    assert_eq!(state.findings.len(), MAX_FINDINGS);
    assert_eq!(state.report().limits().dropped_findings, 5);
}

static QUERY: Item = Item {
    kind: ItemKind::Sink {
        classes: crate::vulnerability::ClassSet::of(&[Vulnerability::SqlInjection]),
        args: &["sql"],
        serialized: false,
    },
    function: "app::query",
    file: "src/app.rs",
    line: 3,
    package: "app",
    manifest_dir: "/ws/app",
};

static PARAM: Item = Item {
    kind: ItemKind::Source {
        origin: None,
        strict: false,
    },
    function: "app::param",
    file: "src/app.rs",
    line: 4,
    package: "app",
    manifest_dir: "/ws/app",
};

static ESCAPE: Item = Item {
    kind: ItemKind::Sanitizer {
        classes: crate::vulnerability::ClassSet::of(&[Vulnerability::Xss]),
    },
    function: "app::escape",
    file: "src/app.rs",
    line: 5,
    package: "app",
    manifest_dir: "/ws/app",
};

fn param(value: &str) {
    use crate::visit::Visitor;
    crate::private::source(&PARAM, &value, |r| r.text(value.as_bytes()));
}

fn escape(value: &str) {
    use crate::visit::Visitor;
    crate::private::sanitizer(&ESCAPE, None, &value, |r| r.text(value.as_bytes()));
}

fn query(sql: &str) {
    use crate::visit::Visitor;
    crate::private::sink(&QUERY, None, |call| {
        call.arg("sql");
        call.text(sql.as_bytes());
    });
}

static RUN: Item = Item {
    kind: ItemKind::Sink {
        classes: crate::vulnerability::ClassSet::of(&[Vulnerability::CommandInjection]),
        args: &["args"],
        serialized: false,
    },
    function: "app::run",
    file: "src/app.rs",
    line: 6,
    package: "app",
    manifest_dir: "/ws/app",
};

fn run(args: &[&str]) {
    use crate::visit::Visitor;
    crate::private::sink(&RUN, None, |call| {
        call.arg("args");
        for arg in args {
            call.text(arg.as_bytes());
        }
    });
}

/// An argument-vector element that stays data makes no finding, even when it is the
/// source's very buffer; one that becomes an option is confirmed.
#[test]
fn harmless_data_is_dropped_whatever_the_match() {
    let cx = Context::new().with_redaction(false);
    let data = String::from("a; rm -rf / $(id)");
    let option = String::from("--output=/tmp/x");
    cx.enter(|| {
        param(&data);
        param(&option);
        // The very buffers, and copies found by value.
        run(&["%s", &data]);
        run(&["%s", &data.clone()]);
        run(&["-f", &data]);
    });
    assert!(!cx.has_findings(), "{:?}", cx.report());
    cx.enter(|| run(&["%s", &option]));
    let report = cx.report();
    assert_eq!(report.findings().len(), 1, "{report:?}");
    let finding = &report.findings()[0];
    assert_eq!(finding.confidence(), Confidence::Confirmed);
    assert_eq!(
        finding.evidence().tainted_text().collect::<Vec<_>>(),
        [option.as_str()]
    );
}

/// A SQL argument whose analysis would pass the default budget (100 steps per byte) is
/// reported without it, as unsanitized, and the report says which sink it stopped at; a
/// small one with the same payload is analysed and confirmed, with no limit recorded, and
/// so is a long one whose taint comes early (the analysis reads as far as the last tainted
/// byte, not to the end) or late (what comes before the tokens it needs is skimmed, where the
/// skimming can follow it).
#[test]
fn a_check_past_its_budget_reports_the_flow_unanalysed_and_says_so() {
    let payload = "x' OR 1=1 --";
    let filler = "a".repeat(crate::work::DEFAULT_BUDGET as usize / crate::work::SQL_BYTE);
    for (sql, confidence, stopped) in [
        (
            format!("SELECT '' FROM t WHERE name = '{payload}'"),
            Confidence::Confirmed,
            None,
        ),
        (
            // A variable (`@v`) is where skimming and the plain reading stop: the filler is
            // then tokenized by sqlparser.
            format!("SELECT @v, '{filler}' FROM t WHERE name = '{payload}'"),
            Confidence::Unsanitized,
            Some(1),
        ),
        (
            format!("SELECT '{filler}' FROM t WHERE name = '{payload}'"),
            Confidence::Confirmed,
            None,
        ),
        (
            format!("SELECT * FROM t WHERE name = '{payload}' AND note <> '{filler}'"),
            Confidence::Confirmed,
            None,
        ),
    ] {
        let cx = Context::new().with_redaction(false);
        cx.enter(|| {
            param(payload);
            query(&sql);
        });
        let report = cx.report();
        assert_eq!(report.findings().len(), 1, "{report:?}");
        assert_eq!(report.findings()[0].confidence(), confidence);
        assert_eq!(
            report.limits().budget_exceeded.get("app::query").copied(),
            stopped
        );
    }
}

fn pooled() -> usize {
    POOL.with(|pool| pool.borrow().len())
}

fn store_of(cx: &Context) -> *const TaintStore {
    &*cx.lock().store
}

/// A context's store is reused by the next context of its thread, and that context sees
/// nothing of the first one: no values, safe values, findings, counts or buffer addresses.
#[test]
fn a_later_context_on_the_thread_sees_nothing_of_an_earlier_one() {
    // A thread of its own, so that the pool starts empty whatever ran before.
    std::thread::spawn(|| {
        let sql = |v: &str| format!("SELECT * FROM users WHERE name = '{v}'");
        let first = Context::new().with_redaction(false);
        let secret = String::from("alice' OR '1'='1");
        let short = String::from("42");
        first.enter(|| {
            param(&secret);
            param(&short);
            escape(&secret);
            param(&"x".repeat(300));
            query(&sql(&secret));
        });
        let report = first.report();
        let tainted: Vec<&str> = report
            .findings()
            .iter()
            .flat_map(|f| f.evidence().tainted_text())
            .collect();
        assert_eq!(tainted, [secret.as_str()], "{report:?}");
        let used = first.memory();
        assert!(used.values == 3 && used.safe_values == 1, "{used:?}");
        let store = store_of(&first);
        drop(first);
        assert_eq!(pooled(), 1, "the store was kept");

        let second = Context::new().with_redaction(false);
        assert_eq!(pooled(), 0);
        assert!(std::ptr::eq(store_of(&second), store), "and reused");
        let fresh = second.memory();
        assert_eq!(
            (
                fresh.values,
                fresh.value_bytes,
                fresh.safe_values,
                fresh.findings
            ),
            (0, 0, 0, 0)
        );
        let report = second.report();
        assert!(report.findings().is_empty() && !second.has_findings());
        assert_eq!(report.limits(), &Limits::default());
        {
            let mut state = second.lock();
            assert_eq!(state.store.stats().dropped_values, 0);
            // Neither the values nor their buffers are known any more.
            assert!(state.store.scan(secret.as_bytes()).is_empty());
            assert!(state.store.scan(&secret.as_bytes()[2..]).is_empty());
            assert!(state.store.scan(b"name = '42'").is_empty());
        }
        // The first context's flows are not reported again in the second.
        second.enter(|| {
            query(&sql(&secret));
        });
        assert!(!second.has_findings(), "{:?}", second.report());
        // Its own are, with only its own values in the evidence.
        let other = String::from("bob' --");
        second.enter(|| {
            param(&other);
            query(&format!("{} AND x = '{secret}'", sql(&other)));
        });
        let report = second.report();
        assert_eq!(report.findings().len(), 1, "{report:?}");
        let tainted: Vec<&str> = report.findings()[0].evidence().tainted_text().collect();
        assert_eq!(tainted, [other.as_str()], "{report:?}");
        assert_eq!(second.memory().values, 1);
    })
    .join()
    .unwrap();
}

/// The pool keeps at most `POOLED_STORES` stores per thread, and none that grew past
/// `MAX_POOLED_HEAP`.
#[test]
fn the_pool_keeps_few_and_modest_stores() {
    std::thread::spawn(|| {
        let contexts: Vec<Context> = (0..POOLED_STORES + 2).map(|_| Context::new()).collect();
        for (i, cx) in contexts.iter().enumerate() {
            cx.enter(|| param(&format!("value-{i}")));
        }
        drop(contexts);
        assert_eq!(pooled(), POOLED_STORES);

        let big = Context::new();
        let store = store_of(&big);
        big.enter(|| {
            for i in 0..2_000 {
                param(&format!("a-value-of-some-length-{i:05}"));
            }
        });
        assert!(big.memory().heap_bytes > MAX_POOLED_HEAP);
        drop(big);
        assert_eq!(pooled(), POOLED_STORES - 1, "the big store was freed");
        let next = Context::new();
        assert!(!std::ptr::eq(store_of(&next), store));
    })
    .join()
    .unwrap();
}

/// Names kept for a thread's next context give that context ids of its own, from 0, and a
/// name first read there is named as read.
#[test]
fn names_kept_from_a_context_before_give_fresh_ids() {
    let mut names = Names::default();
    assert_eq!(names.id(&PARAM, Some("host")), 0);
    assert_eq!(names.id(&PARAM, Some("accept")), 1);
    assert_eq!(names.id(&PARAM, Some("host")), 0);
    names.clear();
    assert_eq!(names.id(&PARAM, Some("accept")), 0);
    assert_eq!(names.id(&PARAM, Some("q")), 1);
    assert_eq!(names.id(&PARAM, None), 2);
    assert_eq!(names.id(&PARAM, Some("accept")), 0);
    let named: Vec<Option<&str>> = names.sources.iter().map(|(_, n)| n.as_deref()).collect();
    assert_eq!(named, [Some("accept"), Some("q"), None]);
}

static COOKIE_CHECK: Item = Item {
    kind: ItemKind::Sink {
        classes: crate::vulnerability::ClassSet::of(&[
            Vulnerability::InsecureCookie,
            Vulnerability::NoHttpOnlyCookie,
        ]),
        args: &["set-cookie"],
        serialized: false,
    },
    function: "web::response_cookie",
    file: "src/web.rs",
    line: 4,
    package: "web",
    manifest_dir: "/ws/web",
};

#[test]
fn a_weakness_is_one_flow_per_route_class_and_subject_with_no_source() {
    let report = crate::check(|| {
        for cookie in ["session", "session", "prefs"] {
            let shown = format!("{cookie}=[REDACTED]; Path=/");
            weakness(
                &COOKIE_CHECK,
                Vulnerability::InsecureCookie,
                Some(cookie),
                "set-cookie",
                shown.as_bytes(),
            );
        }
        // A class that needs taint is never a weakness: a sink's check decides it.
        weakness(&COOKIE_CHECK, Vulnerability::SqlInjection, None, "x", b"x");
        checked(&COOKIE_CHECK);
    });
    let found = report.findings();
    assert_eq!(found.len(), 2, "{report}");
    let session = found
        .iter()
        .find(|f| f.subject() == Some("session"))
        .unwrap();
    let prefs = found.iter().find(|f| f.subject() == Some("prefs")).unwrap();
    assert_eq!(session.hits(), 2);
    assert_ne!(session.fingerprint(), prefs.fingerprint());
    assert!(session.sources().is_empty() && session.call_site().is_none());
    assert_eq!(session.confidence(), Confidence::Confirmed);
    assert_eq!(session.evidence().value, "session=[REDACTED]; Path=/");
    assert!(session.evidence().tainted.is_empty());
    let text = session.to_string();
    assert!(
        text.starts_with("error[INSECURE_COOKIE]: cookie without Secure (CWE-614): `session`\n"),
        "{text}"
    );
    assert_eq!(report.sinks_reached().len(), 1);
    // Outside a context, nothing.
    weakness(
        &COOKIE_CHECK,
        Vulnerability::InsecureCookie,
        None,
        "x",
        b"x",
    );
}
