// What the web layer tests share, whichever framework serves the app: a sanitizer and a
// sink for handlers, the client, the findings of one request or route, and the requests and
// assertions that must hold alike for both. Included by `tests/axum.rs` and
// `tests/actix_web.rs`, whose apps serve `/greet` and `/greet-safe` (a page greeting `name`,
// raw and escaped), `/card` (a page the handler renders through `render_fragment`), `/greet-any` (greeting the first `name...` parameter), `/go` (a redirect
// to `next`), `/profile` (a JSON body's `bio` in a page), `/notes/{slot}` (slot and raw body
// into `render_fragment`) and `/upload` (a multipart field into `render_fragment`); and for
// the response checks that need no taint, `/login` (sets a bare `session` cookie, a hardened
// `prefs` one, and deletes `old`), `/page` (an HTML page with no security header),
// `/hardened` (one with `nosniff` and HSTS) and `/crash` (a 500 whose text shows a panic).

/// What `/crash` answers: a panic's text, as an error handler that formats what it caught
/// would send it.
const CRASH_BODY: &str = "internal error: thread 'tokio-runtime-worker' panicked at \
                          src/handlers.rs:10:5:\nsecret-message-in-panic";
/// The `Set-Cookie` headers `/login` sends: a bare session cookie, a hardened one, three
/// deletions (empty, quoted empty, `Max-Age=0`), a cookie named after an id that lacks only
/// `SameSite`, one whose past `Expires` is overridden by its `Max-Age` (browsers keep it), an
/// expired one, and one sent to every site (`SameSite=None`).
const LOGIN_COOKIES: [&str; 8] = [
    "session=s3cr3t-session-token; Path=/",
    "prefs=dark; Path=/; Secure; HttpOnly; SameSite=Lax",
    "old=; Path=/; Max-Age=0",
    "older=\"\"; Path=/",
    "viewed_1042=1; Path=/; Secure; HttpOnly",
    "remember=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly",
    "gone=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    "embed=1; Path=/; Secure; HttpOnly; SameSite=None",
];


#[iast::sanitizer(xss)]
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

#[iast::sink(xss)]
fn render_fragment(html: &str) -> String {
    html.to_owned()
}

/// The `/upload` handler: a crude reader of the one multipart field it expects, rendered.
fn upload(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body).into_owned();
    let title = text
        .split("\r\n\r\n")
        .nth(1)
        .and_then(|rest| rest.split("\r\n--").next())
        .unwrap_or_default()
        .to_owned();
    render_fragment(&format!("<h2>{title}</h2>"))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The body of a GET of `url`.
async fn fetch(url: String) -> String {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The layer's tainted flows for requests whose URI holds `marker` (the weaknesses of the
/// response that need no taint, such as the test pages' missing `nosniff`, are left out).
fn findings_for(marker: &str) -> Vec<iast_sinks::web::RequestFinding> {
    iast_sinks::web::findings()
        .into_iter()
        .filter(|f| f.uri.contains(marker) && f.finding.vulnerability().needs_taint())
        .collect()
}

/// The tainted flows of one route, by its pattern.
fn flows_on(pattern: &str) -> Vec<iast_sinks::web::RequestFinding> {
    on_route(pattern, true)
}

/// The weaknesses found without taint on one route, by rule id, then cookie name.
fn weaknesses_on(pattern: &str) -> Vec<iast_sinks::web::RequestFinding> {
    let mut found = on_route(pattern, false);
    found.sort_by(|a, b| {
        (a.finding.rule(), a.finding.subject()).cmp(&(b.finding.rule(), b.finding.subject()))
    });
    found
}

fn on_route(pattern: &str, tainted: bool) -> Vec<iast_sinks::web::RequestFinding> {
    iast_sinks::web::findings()
        .into_iter()
        .filter(|f| {
            f.finding.route().is_some_and(|r| r.pattern() == pattern)
                && f.finding.vulnerability().needs_taint() == tainted
        })
        .collect()
}

/// Each weakness's rule id, subject and how many requests showed it.
fn rules(found: &[iast_sinks::web::RequestFinding]) -> Vec<(String, Option<String>, u64)> {
    found
        .iter()
        .map(|f| {
            let subject = f.finding.subject().map(str::to_owned);
            (f.finding.rule().to_owned(), subject, f.count)
        })
        .collect()
}

/// Cookies: the bare `session` cookie lacks all three attributes, which are three findings
/// named after it, each one flow however many requests set it; its value is never shown. The
/// hardened cookie and the deletion of another are clean.
async fn cookies_without_attributes_are_found_once_per_route(base: &str) {
    for _ in 0..3 {
        let response = client().get(format!("{base}/login")).send().await.unwrap();
        let set: Vec<_> = response.headers().get_all("set-cookie").iter().collect();
        assert_eq!(set, LOGIN_COOKIES, "the response is as the handler wrote it");
    }
    let found = weaknesses_on("/login");
    let rule = |rule: &str, subject: &str| (rule.to_owned(), Some(subject.to_owned()), 3);
    assert_eq!(
        rules(&found),
        [
            rule("INSECURE_COOKIE", "session"),
            rule("NO_HTTPONLY_COOKIE", "session"),
            rule("NO_SAMESITE_COOKIE", "embed"),
            rule("NO_SAMESITE_COOKIE", "remember"),
            rule("NO_SAMESITE_COOKIE", "session"),
            rule("NO_SAMESITE_COOKIE", "viewed_{n}"),
        ],
        "{found:#?}"
    );
    let cwes: Vec<u32> = found.iter().map(|f| f.finding.cwe()).collect();
    assert_eq!(cwes, [614, 1004, 1275, 1275, 1275, 1275]);
    let found: Vec<_> = found
        .into_iter()
        .filter(|f| f.finding.subject() == Some("session"))
        .collect();
    for f in &found {
        let f = &f.finding;
        assert_eq!(f.confidence(), iast::Confidence::Confirmed);
        assert!(f.sources().is_empty() && f.call_site().is_none(), "{f:#?}");
        assert_eq!(f.route().unwrap().to_string(), "GET /login");
        assert_eq!(f.evidence().value, "session=[REDACTED]; Path=/");
        assert!(!f.to_string().contains("s3cr3t"), "{f}");
    }
    let fingerprints: std::collections::BTreeSet<_> =
        found.iter().map(|f| f.finding.fingerprint()).collect();
    assert_eq!(fingerprints.len(), 3);
}


/// Headers: an HTML page without `nosniff` is found; without HSTS only when the request came
/// over HTTPS (here, as a proxy that terminated TLS says); a page with both is clean.
async fn missing_security_headers_are_found(base: &str) {
    fetch(format!("{base}/page")).await;
    let found = weaknesses_on("/page");
    assert_eq!(
        rules(&found),
        [("XCONTENTTYPE_HEADER_MISSING".to_owned(), None, 1)],
        "{found:#?}"
    );
    assert_eq!(
        found[0].finding.evidence().value,
        "x-content-type-options: (missing)"
    );
    assert_eq!(found[0].finding.cwe(), 693);
    for forwarded in [("x-forwarded-proto", "https"), ("forwarded", "for=1.2.3.4;proto=https")] {
        client()
            .get(format!("{base}/page"))
            .header(forwarded.0, forwarded.1)
            .send()
            .await
            .unwrap();
    }
    let found = weaknesses_on("/page");
    assert_eq!(
        rules(&found),
        [
            ("HSTS_HEADER_MISSING".to_owned(), None, 2),
            ("XCONTENTTYPE_HEADER_MISSING".to_owned(), None, 3),
        ],
        "{found:#?}"
    );
    assert_eq!(found[0].finding.cwe(), 319);
    let response = client()
        .get(format!("{base}/hardened"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    // A proxy that appended a copy: browsers read the first.
    assert_eq!(response.headers()["x-content-type-options"], "nosniff, nosniff");
    assert!(weaknesses_on("/hardened").is_empty());
}

/// A panic's text in an error response is found, showing where it panicked and not its
/// message; the client gets the body as the handler wrote it.
async fn a_panic_in_an_error_response_is_found(base: &str) {
    let response = client().get(format!("{base}/crash")).send().await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(response.text().await.unwrap(), CRASH_BODY);
    let found = weaknesses_on("/crash");
    assert_eq!(
        rules(&found),
        [("STACKTRACE_LEAK".to_owned(), None, 1)],
        "{found:#?}"
    );
    let f = &found[0].finding;
    assert_eq!(f.cwe(), 209);
    assert_eq!(f.evidence().value, "panicked at src/handlers.rs:10:5");
    assert!(!f.to_string().contains("secret-message"), "{f}");
}

/// A raw body and a captured path parameter, then a multipart field, each named as what it is;
/// the literal segment of the route is never a source.
async fn raw_body_multipart_field_and_path_parameter_are_named(base: &str) {
    let echoed = client()
        .post(format!("{base}/notes/%3Cb%3Eslot%3C%2Fb%3E"))
        .header("content-type", "text/plain")
        .body("<img src=x onerror=alert(1)>")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The handler got the body, and the client the response, as they were.
    assert_eq!(echoed, "<li id=<b>slot</b>><img src=x onerror=alert(1)></li>");
    let found = flows_on("/notes/{slot}");
    let mut named: Vec<String> = found
        .iter()
        .flat_map(|f| f.finding.sources().iter().map(|s| s.describe()))
        .collect();
    named.sort();
    named.dedup();
    assert_eq!(
        named,
        ["path parameter `slot`", "the request body"],
        "{found:#?}"
    );
    assert!(found.iter().all(|f| {
        f.finding
            .evidence()
            .tainted_text()
            .all(|t| !t.contains("notes"))
    }));

    let body = "--B0undary\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n\
                <script>alert(2)</script>\r\n--B0undary--\r\n";
    client()
        .post(format!("{base}/upload"))
        .header("content-type", "multipart/form-data; boundary=B0undary")
        .body(body)
        .send()
        .await
        .unwrap();
    let found = flows_on("/upload");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0].finding;
    assert_eq!(f.confidence(), iast::Confidence::Confirmed);
    assert_eq!(
        f.principal_source().unwrap().describe(),
        "multipart field `title`"
    );
}

/// 200 requests at once, each with a parameter name of its own (one flow each, so that the
/// log keeps every request's finding apart): each finding holds its own request's value and
/// no other.
async fn two_hundred_requests_at_once_keep_their_own_taint(base: &str) {
    let client = client();
    let requests = (0..200).map(|i| {
        let client = client.clone();
        let url = format!(
            "{base}/greet-any?name{i:03}=%3Cb%3Econcurrent-{i:03}-token%3C/b%3E&m=mark-conc"
        );
        tokio::spawn(async move { client.get(url).send().await.unwrap().text().await.unwrap() })
    });
    for (i, request) in requests.enumerate().collect::<Vec<_>>() {
        let body = request.await.unwrap();
        assert!(body.contains(&format!("concurrent-{i:03}-token")));
    }
    let found = findings_for("mark-conc");
    assert_eq!(found.len(), 200, "one finding per request");
    for f in &found {
        let tainted: Vec<_> = f.finding.evidence().tainted_text().collect();
        assert_eq!(tainted.len(), 1, "{f:?}");
        let own = f.uri.split('=').nth(1).unwrap().split('&').next().unwrap();
        let own = own.replace("%3C", "<").replace("%3E", ">");
        assert_eq!(tainted[0], own, "{f:?}");
    }
}

/// A query parameter reflected into the page is confirmed XSS, and the page is delivered as
/// the handler wrote it; returns the flow.
async fn reflected_query_parameter_is_reported(base: &str) -> iast_sinks::web::RequestFinding {
    let body = fetch(format!(
        "{base}/greet?name=%3Cscript%3Ealert(1)%3C/script%3Emark-xss-1"
    ))
    .await;
    assert_eq!(body, "<p>Hello, <script>alert(1)</script>mark-xss-1!</p>");
    let found = findings_for("mark-xss-1");
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0].finding;
    assert_eq!(f.vulnerability(), iast::Vulnerability::Xss);
    assert_eq!(f.confidence(), iast::Confidence::Confirmed);
    assert_eq!(f.sources()[0].describe(), "query parameter `name`");
    assert_eq!(f.route().unwrap().to_string(), "GET /greet");
    assert_eq!(found[0].method, "GET");
    // The response check is the layer's own: no line of the library is named.
    assert!(f.call_site().is_none(), "{f:?}");
    found[0].clone()
}

/// The same parameter escaped is clean, and so is an ordinary value in an ordinary page.
async fn escaped_and_ordinary_values_are_clean(base: &str) {
    let body = fetch(format!("{base}/greet-safe?name=%3Cb%3Emark-safe-1%3C/b%3E")).await;
    assert_eq!(body, "<p>Hello, &lt;b&gt;mark-safe-1&lt;/b&gt;!</p>");
    assert!(findings_for("mark-safe-1").is_empty());
    let body = fetch(format!("{base}/greet?name=Alice&m=mark-plain-1")).await;
    assert_eq!(body, "<p>Hello, Alice!</p>");
    assert!(findings_for("mark-plain-1").is_empty());
}

/// A parameter in `Location` is a confirmed open redirect.
async fn tainted_location_is_reported(base: &str) {
    let response = client()
        .get(format!("{base}/go?next=//evil.example/mark-redirect-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["location"],
        "//evil.example/mark-redirect-1"
    );
    let found = findings_for("mark-redirect-1");
    assert_eq!(found.len(), 1, "{found:?}");
    let f = &found[0].finding;
    assert_eq!(f.vulnerability(), iast::Vulnerability::OpenRedirect);
    assert_eq!(f.confidence(), iast::Confidence::Confirmed);
}

/// A JSON body's field is a source named by its pointer, and the handler gets the body.
async fn json_field_is_named_by_its_pointer(base: &str) {
    let body = client()
        .post(format!("{base}/profile?m=mark-json-1"))
        .header("content-type", "application/json")
        .body(r#"{"bio": "<img src=x onerror=alert(1)>"}"#)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "<div><img src=x onerror=alert(1)></div>");
    let found = findings_for("mark-json-1");
    assert_eq!(found.len(), 1, "{found:?}");
    let source = &found[0].finding.sources()[0];
    assert_eq!(source.origin(), Some("http.json"));
    assert_eq!(source.describe(), "JSON field `/bio`");
    assert_eq!(found[0].finding.confidence(), iast::Confidence::Confirmed);
}

/// The same reflected parameter, alone and with a copy of its value in the `Referer` a browser
/// sends and in a cookie: one flow (one fingerprint, seen three times), named after the query
/// parameter the page was built from.
async fn same_flow_whatever_else_repeats_the_payload(base: &str) {
    let query = "name=%3Cb%3Emark-copy-1%3C%2Fb%3E";
    // A route of its own: a flow is one entry of the log, shown with one request's URI.
    let url = format!("{base}/greet-any?{query}");
    let requests = [
        client().get(&url),
        client()
            .get(&url)
            .header("referer", format!("{base}/greet-any?{query}")),
        client()
            .get(&url)
            .header("cookie", "recent=<b>mark-copy-1</b>"),
    ];
    for request in requests {
        request.send().await.unwrap();
    }
    let found = findings_for("mark-copy-1");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].count, 3, "{found:#?}");
    assert_eq!(
        found[0].finding.principal_source().unwrap().describe(),
        "query parameter `name`"
    );
}

/// The report of a check in which the app served
/// `GET /greet?name=<script>in-process-1</script>` in-process: the request's finding is
/// there, named by its route and parameter, and not in the layer's log.
fn in_process_request_is_in_the_report(report: &iast::Report) {
    let tainted: Vec<_> = report
        .findings()
        .iter()
        .filter(|f| f.vulnerability().needs_taint())
        .collect();
    assert_eq!(tainted.len(), 1, "{report}");
    let f = tainted[0];
    assert_eq!(f.confidence(), iast::Confidence::Confirmed, "{report}");
    assert_eq!(f.route().unwrap().to_string(), "GET /greet");
    assert_eq!(f.sources()[0].describe(), "query parameter `name`");
    assert!(findings_for("in-process-1").is_empty());
}

/// A page the handler checked through its own sink and the layer checks again as the response:
/// one flow, at the handler's line, seen by both checks.
async fn a_page_the_application_checked_is_one_flow(base: &str) {
    fetch(format!("{base}/card?name=%3Cscript%3Emark-card-1%3C/script%3E")).await;
    let found = findings_for("mark-card-1");
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0].finding;
    assert!(f.sink().function().ends_with("render_fragment"), "{f:#?}");
    assert!(f.call_site().is_some(), "{f:#?}");
    assert_eq!(f.hits(), 2, "{f:#?}");
}
