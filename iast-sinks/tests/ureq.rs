//! The SSRF sinks over `ureq` 3, making real requests to a server on 127.0.0.1.
#![cfg(feature = "ureq")]

use iast_sinks::ureq::{AgentExt as _, check_url};

const SINK: &str = "iast_sinks::ureq::check_url";

include!("shared/ssrf.rs");

/// An agent that ignores proxy settings from the environment, so that requests go only to
/// the loopback server.
fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(ureq::Agent::config_builder().proxy(None).build())
}

fn text(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> String {
    response.unwrap().body_mut().read_to_string().unwrap()
}

#[test]
fn tainted_host_is_confirmed_and_the_request_is_made() {
    let addr = serve(1);
    let mut body = String::new();
    let report = iast::check(|| {
        let host = param(&addr.to_string());
        body = text(agent().get_checked(format!("http://{host}/")).call());
    });
    assert_eq!(body, BODY);
    assert_eq!(ssrf(&report), only(Confidence::Confirmed), "{report}");
}

#[test]
fn every_method_with_a_tainted_host_is_confirmed() {
    let addr = serve(4);
    let mut bodies = Vec::new();
    let report = iast::check(|| {
        let host = param(&addr.to_string());
        let url = format!("http://{host}/submit");
        let agent = agent();
        bodies.push(text(agent.post_checked(&url).send("x")));
        bodies.push(text(agent.put_checked(url.as_str()).send("x")));
        bodies.push(text(agent.delete_checked(url.clone()).call()));
        let uri: ureq::http::Uri = url.parse().unwrap();
        bodies.push(text(agent.patch_checked(uri).send("x")));
    });
    assert_eq!(bodies, [BODY; 4]);
    let findings = report.of(Vulnerability::Ssrf).collect::<Vec<_>>();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0].confidence(), Confidence::Confirmed);
    assert_eq!(findings[0].hits(), 4, "{report}");
}

#[test]
fn tainted_query_value_is_unsanitized_and_static_urls_are_clean() {
    // The program picks the server; the taint only picks a resource on it.
    let addr = serve(2);
    let report = iast::check(|| {
        let q = param("quarterly-report");
        assert_eq!(
            text(
                agent()
                    .get_checked(format!("http://{addr}/search?q={q}"))
                    .call()
            ),
            BODY
        );
    });
    assert_eq!(ssrf(&report), only(Confidence::Unsanitized), "{report}");

    let report = iast::check(|| {
        // A recorded value that the URL does not hold.
        let _ = param("quarterly-report");
        assert_eq!(
            text(agent().head_checked(format!("http://{addr}/status")).call()),
            ""
        );
    });
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
}

#[test]
fn free_functions_are_checked_when_the_builder_is_made() {
    // No request is sent: the finding comes from choosing the URL.
    let report = iast::check(|| {
        let host = param("metadata.google.internal");
        let _builder = iast_sinks::ureq::get_checked(format!("http://{host}/computeMetadata/v1/"));
    });
    assert_eq!(ssrf(&report), only(Confidence::Confirmed), "{report}");
    // Referenced so that the sink is linked even if the tests above are filtered out.
    let _ = check_url as fn(&str);
}
