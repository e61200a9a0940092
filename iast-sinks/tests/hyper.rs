//! The SSRF sinks over hyper-util's `Client`, making real requests to a server on 127.0.0.1.
#![cfg(feature = "hyper")]

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use iast_sinks::hyper::{ClientExt as _, check_url};

const SINK: &str = "iast_sinks::hyper::check_url";

include!("shared/ssrf.rs");

async fn text(response: hyper_util::client::legacy::ResponseFuture) -> String {
    let body = response.await.unwrap().into_body().collect().await.unwrap();
    String::from_utf8(body.to_bytes().to_vec()).unwrap()
}

#[tokio::test]
async fn get_with_a_tainted_host_is_confirmed_and_the_request_is_made() {
    let addr = serve(1);
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut body = String::new();
    let report = iast::check_async(async {
        let host = param(&addr.to_string());
        let uri = format!("http://{host}/").parse().unwrap();
        body = text(client.get_checked(uri)).await;
    })
    .await;
    assert_eq!(body, BODY);
    assert_eq!(ssrf(&report), only(Confidence::Confirmed), "{report}");
}

#[tokio::test]
async fn a_request_is_checked_by_its_url() {
    let addr = serve(2);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut body = String::new();
    let report = iast::check_async(async {
        let host = param(&addr.to_string());
        let request = http::Request::post(format!("http://{host}/submit"))
            .body(Full::from("x"))
            .unwrap();
        body = text(client.request_checked(request)).await;
    })
    .await;
    assert_eq!(body, BODY);
    assert_eq!(ssrf(&report), only(Confidence::Confirmed), "{report}");

    // The program picks the server; the taint only picks a resource on it.
    let report = iast::check_async(async {
        let q = param("quarterly-report");
        let request = http::Request::get(format!("http://{addr}/search?q={q}"))
            .body(Full::default())
            .unwrap();
        body = text(client.request_checked(request)).await;
    })
    .await;
    assert_eq!(body, BODY);
    assert_eq!(ssrf(&report), only(Confidence::Unsanitized), "{report}");
    // Referenced so that the sink is linked even if the tests above are filtered out.
    let _ = check_url as fn(&str);
}
