//! Where a finding points: the application's line that called the sink (through
//! `#[track_caller]` wrappers), its enclosing function, the named source, and the fingerprint
//! that follows from them.

use iast::{Report, Vulnerability};

#[iast::source(origin = "http.query", name = name)]
fn query<'a>(name: &str, value: &'a str) -> &'a str {
    value
}

#[iast::source(origin = "test.input")]
fn input(value: &str) -> String {
    value.to_owned()
}

#[iast::sink(sql)]
fn run_query(sql: &str) -> usize {
    sql.len()
}

/// A wrapper as iast-sinks writes them: `#[track_caller]` passes the caller's line on.
#[track_caller]
fn execute(sql: &str) -> usize {
    run_query(sql)
}

#[iast::sink(sql)]
async fn run_query_async(sql: &str) -> usize {
    sql.len()
}

fn search(name: &str) -> usize {
    execute(&format!("SELECT * FROM users WHERE name = '{name}'"))
}

fn lookup(name: &str) -> usize {
    execute(&format!("SELECT * FROM users WHERE name = '{name}'"))
}

fn line_of(needle: &str) -> u32 {
    let this = include_str!("call_site.rs");
    this.lines()
        .position(|l| l.contains(needle) && !l.contains("line_of"))
        .map(|i| i as u32 + 1)
        .unwrap()
}

fn only(report: &Report) -> &iast::Finding {
    assert_eq!(report.findings().len(), 1, "{report}");
    &report.findings()[0]
}

#[test]
fn the_call_site_is_the_line_that_called_the_wrapper() {
    let report = iast::check(|| search(query("q", "bob' OR '1'='1")));
    let f = only(&report);
    let call = f.call_site().unwrap();
    assert_eq!(call.file(), "tests/call_site.rs");
    assert_eq!(
        call.line(),
        line_of("fn search") + 1,
        "the `execute` line in `search`"
    );
    assert_eq!(call.function(), Some("call_site::search"));
    assert_eq!(f.location(), ("tests/call_site.rs", call.line()));
    assert!(f.sink().function().ends_with("run_query"));
    let text = report.to_string();
    assert!(
        text.contains(&format!(
            "--> tests/call_site.rs:{}:5 in `call_site::search`",
            call.line()
        )),
        "{text}"
    );
    assert!(
        text.contains("source #0: query parameter `q` from `call_site::query` [http.query]"),
        "{text}"
    );
}

#[test]
fn the_same_bug_in_two_functions_is_two_flows() {
    let report = iast::check(|| {
        let name = query("q", "bob' OR '1'='1");
        search(name);
        lookup(name);
    });
    assert_eq!(report.findings().len(), 2, "{report}");
    let (a, b) = (&report.findings()[0], &report.findings()[1]);
    assert_ne!(a.fingerprint(), b.fingerprint());
}

#[test]
fn a_fingerprint_survives_another_payload_and_another_parameter_is_another_flow() {
    let fingerprint = |name: &'static str, value: &'static str| {
        let report = iast::check(|| search(query(name, value)));
        only(&report).fingerprint().to_owned()
    };
    let first = fingerprint("q", "bob' OR '1'='1");
    assert_eq!(
        first,
        fingerprint("q", "x' UNION SELECT password FROM users --")
    );
    assert_ne!(first, fingerprint("user", "bob' OR '1'='1"));
}

#[test]
fn a_coincidental_second_source_is_listed_and_leaves_the_fingerprint() {
    let alone = iast::check(|| search(query("q", "bob' OR '1'='1")));
    let both = iast::check(|| {
        let name = query("q", "bob' OR '1'='1");
        // Another input that holds a long piece of the attack.
        input("note: OR '1'='1 was typed");
        search(name)
    });
    let (alone, both) = (only(&alone), only(&both));
    assert_eq!(both.sources().len(), 2, "{both}");
    assert_eq!(both.principal_source().unwrap().name(), Some("q"));
    assert_eq!(alone.fingerprint(), both.fingerprint());
}

#[test]
fn two_calls_in_one_function_are_one_flow_seen_twice() {
    let report = iast::check(|| {
        let name = query("q", "bob' OR '1'='1");
        execute(&format!("SELECT 1 FROM t WHERE a = '{name}'"));
        execute(&format!("SELECT 2 FROM t WHERE b = '{name}'"));
    });
    let f = only(&report);
    assert_eq!(f.hits(), 2);
    assert_eq!(
        f.call_site().unwrap().function(),
        Some("call_site::two_calls_in_one_function_are_one_flow_seen_twice")
    );
}

#[test]
fn an_async_sink_cannot_see_its_caller_and_points_at_itself() {
    let report = futures_block_on(iast::check_async(async {
        let name = query("q", "bob' OR '1'='1");
        run_query_async(&format!("SELECT * FROM t WHERE a = '{name}'")).await;
    }));
    let f = only(&report);
    assert!(f.call_site().is_none());
    assert_eq!(f.location(), (f.sink().file(), f.sink().line()));
}

#[test]
fn a_layer_can_attribute_checks_to_a_line_or_to_none() {
    let report = iast::check(|| {
        let name = query("q", "bob' OR '1'='1");
        iast::with_call_site(Some(("src/app/log.rs", 12)), || {
            run_query(&format!("SELECT '{name}'"))
        });
    });
    assert_eq!(only(&report).location(), ("src/app/log.rs", 12), "{report}");
    let report = iast::check(|| {
        let name = query("q", "bob' OR '1'='1");
        iast::with_call_site(None, || run_query(&format!("SELECT '{name}'")));
    });
    assert!(only(&report).call_site().is_none());
}

#[test]
fn findings_of_a_routed_context_name_the_route() {
    let cx = iast::Context::new();
    cx.set_route(iast::Route::new("GET", "/users/{id}"));
    cx.enter(|| search(query("q", "bob' OR '1'='1")));
    let report = cx.report();
    let f = only(&report);
    assert_eq!(f.route().unwrap().to_string(), "GET /users/{id}");
    assert_eq!(f.vulnerability(), Vulnerability::SqlInjection);
    assert!(report.to_string().contains("= route: GET /users/{id}"));
    // Another route, same code: another flow.
    let other = iast::Context::new();
    other.set_route(iast::Route::new("GET", "/admin/users/{id}"));
    other.enter(|| search(query("q", "bob' OR '1'='1")));
    assert_ne!(f.fingerprint(), only(&other.report()).fingerprint());
}

fn futures_block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[iast::source(origin = "test.field", name = field)]
fn owned_name(field: String, value: &str) -> String {
    // The body consumes the name: it is taken before the body runs.
    drop(field);
    value.to_owned()
}

#[iast::source(origin = "test.slot", name = slot)]
fn numbered(slot: &u32, value: &str) -> String {
    value.to_owned()
}

#[test]
fn names_of_every_kind_of_parameter() {
    let report = iast::check(|| {
        search(&owned_name("user".to_owned(), "bob' OR '1'='1"));
        lookup(&numbered(&7, "ann' OR '2'='2"));
    });
    let mut names: Vec<String> = report
        .findings()
        .iter()
        .map(|f| f.principal_source().unwrap().describe())
        .collect();
    names.sort();
    assert_eq!(names, ["test.field `user`", "test.slot `7`"], "{report}");
}
