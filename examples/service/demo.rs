//! The scripted demo: benign and attack requests over real HTTP, each followed by the
//! findings it caused, then a summary.

use iast_sinks::axum::{RequestFinding, take_findings};
use std::collections::BTreeMap;

/// One endpoint's parameter with a benign value and an attack.
struct Case {
    endpoint: &'static str,
    param: &'static str,
    benign: &'static str,
    attack: &'static str,
}

const CASES: &[Case] = &[
    Case {
        endpoint: "search",
        param: "name",
        benign: "alice",
        attack: "x' OR '1'='1",
    },
    Case {
        endpoint: "file",
        param: "name",
        benign: "readme.txt",
        attack: "../secret.txt",
    },
    Case {
        endpoint: "ping",
        param: "host",
        benign: "localhost",
        attack: "localhost; echo INJECTED",
    },
    Case {
        endpoint: "preview",
        param: "url",
        benign: "https://example.com/news",
        attack: "http://169.254.169.254/latest/meta-data/",
    },
    Case {
        endpoint: "login",
        param: "next",
        benign: "/account",
        attack: "https://evil.example/phish",
    },
    Case {
        endpoint: "greet",
        param: "name",
        benign: "Alice",
        attack: "<script>alert(1)</script>",
    },
    Case {
        endpoint: "audit",
        param: "user",
        benign: "alice",
        attack: "alice\nINFO login ok user=admin",
    },
];

/// Percent-encodes a query value, as a client would.
fn encode(value: &str) -> String {
    // Called outside any context: here it is an ordinary function.
    iast_sinks::sanitize::url_component(value)
}

/// The path of a request URI, without its query.
pub fn endpoint(uri: &str) -> &str {
    uri.split('?').next().unwrap_or_default()
}

/// Sends every case's benign value and attack to both variants, printing each finding as
/// it is logged, and returns all of them.
pub async fn run(base: &str) -> Result<Vec<RequestFinding>, reqwest::Error> {
    // Redirects are the finding, not something to follow.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    // Findings of anything before the script are not the script's.
    take_findings();
    let mut all = Vec::new();
    for case in CASES {
        for variant in ["vulnerable", "fixed"] {
            for (kind, value) in [("benign", case.benign), ("attack", case.attack)] {
                let path = format!(
                    "/{variant}/{}?{}={}",
                    case.endpoint,
                    case.param,
                    encode(value)
                );
                let response = client.get(format!("{base}{path}")).send().await?;
                let line = format!("{kind:<6} GET {}", path.escape_debug());
                report(&line, response.status(), &mut all);
            }
        }
    }
    // Stored XSS: one request posts a comment, another renders it.
    for variant in ["vulnerable", "fixed"] {
        let url = format!("{base}/{variant}/comments");
        for (kind, text) in [("benign", STORED.0), ("attack", STORED.1)] {
            let posted = client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("text={}", encode(text)))
                .send()
                .await?;
            report(
                &format!(
                    "{kind} POST /{variant}/comments text={}",
                    text.escape_debug()
                ),
                posted.status(),
                &mut all,
            );
            let shown = client.get(&url).send().await?;
            report(
                &format!("       GET /{variant}/comments"),
                shown.status(),
                &mut all,
            );
        }
    }
    Ok(all)
}

/// A comment a visitor posts, benign and attack, shown to the next visitor.
const STORED: (&str, &str) = ("Nice post!", "<script>alert(document.cookie)</script>");

/// Prints what the request `line` caused, and keeps it.
fn report(line: &str, status: reqwest::StatusCode, all: &mut Vec<RequestFinding>) {
    let findings = take_findings();
    println!(
        "{line} -> {} [{} finding(s)]",
        status.as_u16(),
        findings.len()
    );
    for f in &findings {
        for line in f.finding.to_string().lines() {
            println!("         {line}");
        }
    }
    all.extend(findings);
}

/// Prints findings per endpoint, class and confidence.
pub fn summary(findings: &[RequestFinding]) {
    let mut rows: BTreeMap<(&str, &str, String), usize> = BTreeMap::new();
    for f in findings {
        let key = (
            endpoint(&f.uri),
            f.finding.vulnerability().rule_id(),
            f.finding.confidence().to_string(),
        );
        *rows.entry(key).or_default() += 1;
    }
    println!();
    println!(
        "{:<22} {:<28} {:<12} {:>5}",
        "endpoint", "class", "confidence", "count"
    );
    println!("{}", "-".repeat(70));
    for ((endpoint, rule, confidence), count) in &rows {
        println!(
            "{:<22} {rule:<28} {confidence:<12} {count:>5}",
            endpoint.escape_debug().to_string()
        );
    }
    let fixed = findings
        .iter()
        .filter(|f| f.uri.starts_with("/fixed/"))
        .count();
    println!("{}", "-".repeat(70));
    println!(
        "{} finding(s), {fixed} on /fixed/ endpoints",
        findings.len()
    );
}
