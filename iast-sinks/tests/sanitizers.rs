//! The sanitizers and the validator: their output on tricky inputs, and that each makes its
//! own class's sink clean while the sink of another class still reports.

use iast::{Report, Vulnerability};
use iast_sinks::process::CommandExt;
use iast_sinks::sanitize::{html_escape, is_path_component, shell_quote, sql_quote, url_component};
use std::process::Command;

#[iast::source(origin = "test.attacker")]
fn attacker(value: &str) -> String {
    value.to_owned()
}

#[iast::sink(xss)]
fn render(html: &str) -> usize {
    html.len()
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(ssrf)]
fn fetch(url: &str) -> usize {
    url.len()
}

#[iast::sink(redirect)]
fn redirect(location: &str) -> usize {
    location.len()
}

/// The classes of the report's findings.
fn classes(report: &Report) -> Vec<Vulnerability> {
    let mut classes: Vec<_> = report
        .findings()
        .iter()
        .map(|f| f.vulnerability())
        .collect();
    classes.dedup();
    classes
}

#[test]
fn html_escape_output() {
    assert_eq!(
        html_escape(r#"<script>alert("x")</script>"#),
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
    );
    assert_eq!(
        html_escape(r#"" onmouseover='x'"#),
        "&quot; onmouseover=&#39;x&#39;"
    );
    // Already escaped text is escaped again: the sanitizer cannot know it was.
    assert_eq!(html_escape("&lt;"), "&amp;lt;");
    assert_eq!(html_escape(""), "");
    assert_eq!(html_escape("naïve — ok"), "naïve — ok");
}

#[test]
fn html_escape_cleans_xss_but_not_sql() {
    let report = iast::check(|| {
        let input = attacker(r#"<img src=x onerror="alert(1)">"#);
        render(&format!("<p>{}</p>", html_escape(&input)));
    });
    iast::assert_no_findings!(report);

    let report = iast::check(|| {
        // Nothing here is special to HTML, so the escaped text is the attacker's text.
        let input = attacker("1 OR 1=1; DROP TABLE users");
        let escaped = html_escape(&input);
        render(&format!("<p>{escaped}</p>"));
        query(&format!("SELECT * FROM users WHERE id = {escaped}"));
    });
    assert_eq!(classes(&report), [Vulnerability::SqlInjection], "{report}");
}

#[test]
fn shell_quote_output() {
    assert_eq!(shell_quote("plain"), "'plain'");
    assert_eq!(shell_quote(""), "''");
    assert_eq!(shell_quote("it's"), r"'it'\''s'");
    assert_eq!(shell_quote("''"), r"''\'''\'''");
    assert_eq!(shell_quote("$(id) `id` ; | & \n"), "'$(id) `id` ; | & \n'");
}

#[test]
fn shell_quote_keeps_one_word_for_a_real_shell() {
    for input in [
        "it's; echo injected",
        "$(echo injected)",
        "a\nb",
        "-n x",
        "'",
    ] {
        let quoted = shell_quote(input);
        let output = Command::new("sh")
            .args(["-c", &format!("printf '%s' {quoted}")])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(output.stdout).unwrap(), input);
    }
}

#[test]
fn shell_quote_cleans_command_but_not_sql() {
    let report = iast::check(|| {
        let input = attacker("it's; echo injected");
        let output = Command::new("sh")
            .args(["-c", &format!("printf '%s' {}", shell_quote(&input))])
            .output_checked()
            .unwrap();
        assert_eq!(output.stdout, input.as_bytes());
    });
    iast::assert_no_findings!(report);

    let report = iast::check(|| {
        let input = attacker("robert; drop table students");
        let quoted = shell_quote(&input);
        Command::new("sh")
            .args(["-c", &format!("echo {quoted}")])
            .status_checked()
            .unwrap();
        query(&format!("SELECT * FROM users WHERE name = {quoted}"));
    });
    assert_eq!(classes(&report), [Vulnerability::SqlInjection], "{report}");
}

#[test]
fn sql_quote_output() {
    assert_eq!(sql_quote("O'Brien"), "'O''Brien'");
    assert_eq!(sql_quote("' OR '1'='1"), "''' OR ''1''=''1'");
    assert_eq!(sql_quote(""), "''");
    assert_eq!(sql_quote("a\\b"), "'a\\b'");
}

#[test]
fn sql_quote_cleans_sql_but_not_xss() {
    let report = iast::check(|| {
        let input = attacker("x' OR '1'='1' --");
        query(&format!(
            "SELECT * FROM users WHERE name = {}",
            sql_quote(&input)
        ));
    });
    iast::assert_no_findings!(report);

    let report = iast::check(|| {
        let input = attacker("<script>alert(1)</script>");
        let quoted = sql_quote(&input);
        query(&format!("SELECT * FROM users WHERE name = {quoted}"));
        render(&format!("<p>{quoted}</p>"));
    });
    assert_eq!(classes(&report), [Vulnerability::Xss], "{report}");
}

#[test]
fn url_component_output() {
    assert_eq!(url_component("AZaz09-._~"), "AZaz09-._~");
    assert_eq!(
        url_component("evil.example/@x?y=1#z"),
        "evil.example%2F%40x%3Fy%3D1%23z"
    );
    assert_eq!(url_component("a b+c%"), "a%20b%2Bc%25");
    assert_eq!(url_component("\r\n"), "%0D%0A");
    assert_eq!(url_component("ü"), "%C3%BC");
    assert_eq!(url_component(""), "");
}

#[test]
fn url_component_cleans_ssrf_and_redirect_but_not_path() {
    let report = iast::check(|| {
        let input = attacker("@evil.example/steal?x=1#");
        let id = url_component(&input);
        fetch(&format!("https://api.example.com/users/{id}"));
        redirect(&format!("/profile/{id}"));
    });
    iast::assert_no_findings!(report);

    let dir = tempfile::tempdir().unwrap();
    let report = iast::check(|| {
        let input = attacker("../../etc/passwd");
        let encoded = url_component(&input);
        fetch(&format!("https://api.example.com/files/{encoded}"));
        // The encoded name still climbs for any layer that decodes it.
        let _ = iast_sinks::fs::read(dir.path().join(&encoded));
    });
    assert_eq!(classes(&report), [Vulnerability::PathTraversal], "{report}");
}

#[test]
fn is_path_component_answers() {
    for ok in [
        "notes.txt",
        ".hidden",
        "a..b",
        "-rf",
        "ünïcode",
        "name with spaces",
    ] {
        assert!(is_path_component(ok), "{ok:?}");
    }
    for bad in [
        "", ".", "..", "...", "a/b", "/etc", "a\\b", "..\\x", "a\0b", "C:", "c:evil",
    ] {
        assert!(!is_path_component(bad), "{bad:?}");
    }
}

#[test]
fn is_path_component_cleans_path_but_not_command() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("report; echo injected"), "data").unwrap();
    let report = iast::check(|| {
        let name = attacker("report; echo injected");
        assert!(is_path_component(&name));
        let path = dir.path().join(&name);
        assert_eq!(iast_sinks::fs::read_to_string(&path).unwrap(), "data");
        Command::new("sh")
            .args(["-c", &format!("echo {name}")])
            .output_checked()
            .unwrap();
    });
    assert_eq!(
        classes(&report),
        [Vulnerability::CommandInjection],
        "{report}"
    );
}

#[test]
fn a_refused_component_is_not_approved() {
    let dir = tempfile::tempdir().unwrap();
    let report = iast::check(|| {
        let name = attacker("../outside-the-base");
        assert!(!is_path_component(&name));
        let _ = iast_sinks::fs::metadata(dir.path().join(&name));
    });
    assert_eq!(classes(&report), [Vulnerability::PathTraversal], "{report}");
}
