//! Stored flows: values read back from a database are sources of origin `db.row` once stored
//! flows are on, and a flow from rows alone is reported as stored, for the classes where
//! stored data is the threat. One test: the switch is process-wide, and it is asserted off
//! before it is turned on.
#![cfg(feature = "enabled")]

use iast::{Confidence, Vulnerability};

/// The application's own reader of a stored comment.
#[iast::source(origin = "db.row", name = column)]
fn read_column(column: &str, value: &str) -> String {
    value.to_owned()
}

#[iast::source(origin = "http.parameter", name = name)]
fn param(name: &str, value: &str) -> String {
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

#[iast::sink(command)]
fn shell(script: &str) -> usize {
    script.len()
}

#[iast::sink(log)]
fn log_line(line: &str) -> usize {
    line.len()
}

const COMMENT: &str = "<script>steal(document.cookie)</script>\nINFO admin signed in";

/// Every use of one stored comment: a page, a query, a command and a log line.
fn uses_of_a_stored_comment() -> iast::Report {
    iast::check(|| {
        let body = read_column("body", COMMENT);
        render(&format!("<li>{body}</li>"));
        query(&format!("SELECT 1 FROM seen WHERE body = '{body}'"));
        shell(&format!("echo '{body}' >> seen.txt"));
        log_line(&format!("shown comment {body}"));
    })
}

#[test]
fn rows_are_sources_of_stored_flows_once_turned_on() {
    // Off by default: a row records nothing.
    assert!(!iast::stored_sources());
    let report = uses_of_a_stored_comment();
    assert!(report.is_clean(), "{report}");

    iast::set_stored_sources(true);
    assert!(iast::stored_sources());
    let report = uses_of_a_stored_comment();
    // The page and the log line; not the query or the command, where the row's text is data
    // the program itself chose to store.
    let classes: Vec<Vulnerability> = report
        .findings()
        .iter()
        .map(|f| f.vulnerability())
        .collect();
    assert_eq!(
        classes,
        [Vulnerability::Xss, Vulnerability::LogInjection],
        "{report}"
    );
    for f in report.findings() {
        assert!(f.stored(), "{f}");
        assert_eq!(f.confidence(), Confidence::Confirmed, "{f}");
        assert_eq!(f.sources()[0].describe(), "database column `body`");
    }
    let xss = report.findings()[0].to_string();
    assert!(
        xss.starts_with("error[XSS]: stored cross-site scripting (CWE-79) reaches"),
        "{xss}"
    );

    // A request's own parameter in the same argument makes it a flow of the request, reported
    // for every class as usual.
    let report = iast::check(|| {
        let body = read_column("body", COMMENT);
        let sort = param("sort", "name' OR '1'='1");
        query(&format!(
            "SELECT * FROM c WHERE body = '{body}' ORDER BY '{sort}'"
        ));
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    let f = &report.findings()[0];
    assert!(!f.stored());
    assert_eq!(
        f.principal_source().unwrap().describe(),
        "http.parameter `sort`"
    );

    iast::set_stored_sources(false);
    assert!(uses_of_a_stored_comment().is_clean());
}
