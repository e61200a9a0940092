//! The text and YAML renderings of a report, as snapshots. They hold on every machine and in
//! every test order: findings are sorted, paths are relative, nothing depends on the run.

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

#[iast::sink(log)]
fn log_line(line: &str) {
    let _ = line;
}

#[iast::sink(xss)]
fn page(html: &str) {
    let _ = html;
}

fn scenario() -> iast::Report {
    iast::check(|| {
        let name = param("bob' OR '1'='1");
        let agent = header("curl/8.0\n\u{1b}[31mERROR forged entry");
        // A benign value reaching HTML unescaped: a flow, but no change of structure.
        page(&format!("<p>Hello, {}!</p>", param("Mary Ann Smith")));
        log_line(&format!("request from {agent}"));
        query(&format!("SELECT * FROM users WHERE name = '{name}'"));
        query(&format!(
            "SELECT * FROM users WHERE name = '{name}' AND agent = '{agent}'"
        ));
    })
}

#[test]
fn text_rendering() {
    insta::assert_snapshot!(scenario().to_string());
}

#[test]
fn yaml_rendering() {
    insta::assert_yaml_snapshot!(scenario());
}

#[test]
fn renderings_are_stable_across_runs_and_threads() {
    let here = scenario();
    let there = std::thread::spawn(scenario).join().unwrap();
    assert_eq!(here.to_string(), there.to_string());
    assert_eq!(
        serde_json::to_string(&here).unwrap(),
        serde_json::to_string(&there).unwrap()
    );
}

#[test]
fn the_text_rendering_never_emits_control_characters() {
    let text = scenario().to_string();
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "raw control character in:\n{text:?}"
    );
    assert!(text.contains("\\n\\u{1b}[31mERROR"), "{text}");
}
