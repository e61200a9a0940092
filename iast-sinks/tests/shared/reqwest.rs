// The SSRF sinks over one version of `reqwest`, making real requests to a server on
// 127.0.0.1. Included by `tests/reqwest.rs` (0.13) and `tests/reqwest_0_12.rs` (0.12), in which
// `reqwest` names that version's crate and `sinks` its module of `iast_sinks`; the sink is
// `iast_sinks::reqwest::check_url` for both.

use sinks::{ClientExt as _, check_url};

const SINK: &str = "iast_sinks::reqwest::check_url";

include!("ssrf.rs");

/// A client that ignores proxy settings from the environment, so that requests go only to the
/// loopback server.
fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Percent-encodes everything but unreserved characters: safe as one query value or path
/// segment.
#[iast::sanitizer(ssrf)]
fn url_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn text(response: reqwest::Result<reqwest::Response>) -> String {
    response
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn tainted_host_is_confirmed_and_the_request_is_made() {
    let addr = serve(1);
    let mut body = String::new();
    let report = iast::check_async(async {
        let host = param(&addr.to_string());
        body = text(client().get_checked(format!("http://{host}/")).send().await).await;
    })
    .await;
    assert_eq!(body, BODY);
    assert_eq!(ssrf(&report), only(Confidence::Confirmed), "{report}");
}

#[tokio::test]
async fn post_and_request_with_a_tainted_host_are_confirmed() {
    let addr = serve(2);
    let mut bodies = Vec::new();
    let report = iast::check_async(async {
        let host = param(&addr.to_string());
        let url = format!("http://{host}/submit");
        bodies.push(text(client().post_checked(&url).body("x").send().await).await);
        let url = reqwest::Url::parse(&url).unwrap();
        let put = client().request_checked(reqwest::Method::PUT, url);
        bodies.push(text(put.send().await).await);
    })
    .await;
    assert_eq!(bodies, [BODY, BODY]);
    let findings = report.of(Vulnerability::Ssrf).collect::<Vec<_>>();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0].confidence(), Confidence::Confirmed);
    assert_eq!(findings[0].hits(), 2, "{report}");
}

#[tokio::test]
async fn tainted_query_value_is_unsanitized() {
    // The program picks the server; the taint only picks a resource on it.
    let addr = serve(1);
    let mut body = String::new();
    let report = iast::check_async(async {
        let q = param("quarterly-report");
        let url = format!("http://{addr}/search?q={q}");
        body = text(client().get_checked(url.as_str()).send().await).await;
    })
    .await;
    assert_eq!(body, BODY);
    assert_eq!(ssrf(&report), only(Confidence::Unsanitized), "{report}");
}

#[tokio::test]
async fn sanitized_query_value_is_clean() {
    let addr = serve(1);
    let mut body = String::new();
    let report = iast::check_async(async {
        let q = url_component(&param("quarterly report&admin=1"));
        body = text(
            client()
                .get_checked(format!("http://{addr}/search?q={q}"))
                .send()
                .await,
        )
        .await;
    })
    .await;
    assert_eq!(body, BODY);
    iast::assert_no_findings!(report);
    assert!(
        report
            .sinks_reached()
            .iter()
            .any(|s| s.function() == SINK),
        "{report}"
    );
}

#[tokio::test]
async fn free_get_is_checked() {
    // `reqwest::get` honours proxy variables; send the request only when none could divert it.
    let proxied = std::env::vars().any(|(k, _)| k.to_ascii_lowercase().ends_with("_proxy"));
    let addr = serve(1);
    let mut body = None;
    let report = iast::check_async(async {
        let host = param(&addr.to_string());
        let response = sinks::get_checked(format!("http://{host}/"));
        if !proxied {
            body = Some(text(response.await).await);
        }
    })
    .await;
    if !proxied {
        assert_eq!(body.as_deref(), Some(BODY));
    }
    assert_eq!(ssrf(&report), only(Confidence::Confirmed), "{report}");
}

#[test]
fn check_happens_when_the_builder_is_made() {
    // No request is sent: the finding comes from choosing the URL.
    let report = iast::check(|| {
        let host = param("metadata.google.internal");
        let _builder = client().get_checked(format!("http://{host}/computeMetadata/v1/"));
    });
    assert_eq!(ssrf(&report), only(Confidence::Confirmed), "{report}");
}

#[test]
fn registry_lists_the_checker() {
    let sink = iast::registry()
        .sinks()
        .find(|i| i.function() == SINK)
        .expect("check_url is registered");
    assert!(sink.is_sink_for(Vulnerability::Ssrf));
    // Referenced so that the sink is linked even if a test above is filtered out.
    let _ = check_url as fn(&str);
}
