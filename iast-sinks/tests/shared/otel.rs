// What the OpenTelemetry export tests share, whichever framework serves the app: the sink
// the handlers reach, an OTLP/HTTP receiver on loopback that keeps what the exporters send,
// the log provider an application would build, and the reading of the protocol's messages.
// Included by `tests/otel.rs` (axum) and `tests/otel_actix.rs` (actix-web), whose apps serve
// `/remote/search` in the context of a span of another service (`remote_span`), a path in
// no span at all, and call `lookup` with the query parameter `q`.

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use opentelemetry_otlp::{LogExporter, Protocol, WithExportConfig as _};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use prost::Message as _;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

/// The trace a request to `/remote/...` continues: a span of another service, current but not
/// recording here.
const REMOTE_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const REMOTE_SPAN: &str = "00f067aa0ba902b7";

/// A credential of the program's own, in a literal of the query: redacted in the evidence.
const OWN_SECRET: &str = "tok-4f9a2c71e0";

/// The attack every request sends as `q`: a quote, a bidirectional override and a line break.
const ATTACK_QUERY: &str = "q=x%27%E2%80%AE%0AOR%201%3D1--";

#[iast::sink(sql)]
fn run_query(sql: &str) -> usize {
    sql.len()
}

/// The line of the handlers' call of the sink, which the findings name.
static SINK_LINE: AtomicU32 = AtomicU32::new(0);

/// What the handlers do with `q`: a query built from it.
fn lookup(q: &str) -> String {
    let sql = format!("SELECT id FROM items WHERE name = '{q}' AND owner = '{OWN_SECRET}'");
    SINK_LINE.store(line!() + 1, Ordering::Relaxed);
    let rows = run_query(&sql);
    rows.to_string()
}

/// The span context of the other service's request that `/remote/...` continues.
fn remote_span() -> SpanContext {
    SpanContext::new(
        TraceId::from_hex(REMOTE_TRACE).unwrap(),
        SpanId::from_hex(REMOTE_SPAN).unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    )
}

/// The bodies the receiver was sent, by path.
type Received = HashMap<&'static str, Vec<axum::body::Bytes>>;

/// An OTLP/HTTP receiver on loopback: `POST /v1/logs` and `/v1/traces`; the test decodes
/// the bodies. Served by a thread of its own, so that it answers whatever runtime the app
/// under test has.
fn receiver() -> (std::net::SocketAddr, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::new()));
    let mut app = axum::Router::new();
    for path in ["/v1/logs", "/v1/traces"] {
        let received = received.clone();
        app = app.route(
            path,
            axum::routing::post(move |body: axum::body::Bytes| async move {
                received.lock().unwrap().entry(path).or_default().push(body)
            }),
        );
    }
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    (addr, received)
}

/// The bodies received at `path`.
fn bodies<'a>(received: &'a Received, path: &str) -> &'a [axum::body::Bytes] {
    received.get(path).map_or(&[], Vec::as_slice)
}

/// The logger provider of an application exporting over OTLP/HTTP to `addr`. Call it off any
/// async runtime: its blocking HTTP client runs one of its own.
fn logger_provider(addr: std::net::SocketAddr) -> SdkLoggerProvider {
    let logs = LogExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("http://{addr}/v1/logs"))
        .build()
        .unwrap();
    SdkLoggerProvider::builder().with_batch_exporter(logs).build()
}

/// The log records of iast's scope among the exports received.
fn iast_records(received: &Received) -> Vec<LogRecord> {
    bodies(received, "/v1/logs")
        .iter()
        .map(|body| ExportLogsServiceRequest::decode(body.clone()).expect("an OTLP logs export"))
        .flat_map(|l| l.resource_logs)
        .flat_map(|r| r.scope_logs)
        .filter(|s| {
            s.scope
                .as_ref()
                .is_some_and(|scope| scope.name == iast_sinks::otel::SCOPE_NAME)
        })
        .flat_map(|s| s.log_records)
        .collect()
}

/// An attribute's value as text (a list as its items joined by `|`), from the protocol's
/// message.
fn text(value: &Option<AnyValue>) -> String {
    match value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(n)) => n.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::ArrayValue(items)) => items
            .values
            .iter()
            .map(|v| text(&Some(v.clone())))
            .collect::<Vec<_>>()
            .join("|"),
        other => format!("{other:?}"),
    }
}

fn attributes(kvs: &[KeyValue]) -> HashMap<String, String> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), text(&kv.value)))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The record of the flow through `route` among `records`.
fn record_of<'a>(records: &'a [LogRecord], route: &str) -> &'a LogRecord {
    records
        .iter()
        .find(|r| attributes(&r.attributes)["http.route"] == route)
        .unwrap_or_else(|| panic!("no record of {route}: {records:#?}"))
}

/// The log records the requests to `/remote/search` and `/plain/search` gave, one each: the
/// first with the trace and span ids of the other service's span it ran in, the second with
/// none, each with every attribute of its finding.
fn assert_log_records(received: &Received) {
    let records = iast_records(received);
    assert_eq!(records.len(), 2, "{records:#?}");
    let remote = record_of(&records, "/remote/search");
    assert_eq!(remote.event_name, iast_sinks::otel::EVENT_NAME);
    assert_eq!(remote.severity_text, "WARN");
    assert_eq!(hex(&remote.trace_id), REMOTE_TRACE);
    assert_eq!(hex(&remote.span_id), REMOTE_SPAN);
    let body = text(&remote.body);
    assert!(body.starts_with("SQL_INJECTION (confirmed) at "), "{body}");
    let attrs = attributes(&remote.attributes);
    assert_finding(&attrs, "/remote/search", "/remote/search");
    let plain = record_of(&records, "/plain/search");
    assert!(plain.trace_id.is_empty(), "{plain:#?}");
    let attrs = attributes(&plain.attributes);
    assert_finding(&attrs, "/plain/search", "/plain/search");
}

/// What every export of the flow through `route` says (`path`: the request's path as sent).
fn assert_finding(attrs: &HashMap<String, String>, route: &str, path: &str) {
    let expect = |key: &str, value: &str| {
        assert_eq!(
            attrs.get(key).map(String::as_str),
            Some(value),
            "{key}: {attrs:#?}"
        );
    };
    expect("security_rule.name", "SQL_INJECTION");
    expect("security_rule.category", "sql");
    expect(
        "security_rule.reference",
        "https://cwe.mitre.org/data/definitions/89.html",
    );
    expect("security_rule.ruleset.name", "iast");
    expect("iast.confidence", "confirmed");
    expect("iast.sources", "query parameter `q`");
    expect("http.request.method", "GET");
    expect("http.route", route);
    expect("iast.stored", "false");
    let file = &attrs["code.file.path"];
    assert!(file.ends_with("tests/shared/otel.rs"), "{file}");
    assert!(!file.starts_with('/'), "a relative path: {file}");
    expect(
        "code.line.number",
        &SINK_LINE.load(Ordering::Relaxed).to_string(),
    );
    assert!(
        attrs["code.function.name"].ends_with("lookup"),
        "{attrs:#?}"
    );
    // The request's bytes escaped once (the bidirectional override and the line break made
    // visible), the program's own literal redacted.
    let evidence = &attrs["iast.evidence"];
    assert!(evidence.contains(r"x'\u{202e}\nOR 1=1--"), "{evidence}");
    assert!(!evidence.contains(['\n', '\u{202e}']), "{evidence}");
    assert!(!evidence.contains(OWN_SECRET), "{evidence}");
    assert_eq!(attrs["iast.tainted"], r"x'\u{202e}\nOR 1=1--");
    expect("url.path", path);
    expect("url.query", ATTACK_QUERY);
    // The same flow as in the layers' log.
    let logged: Vec<String> = iast_sinks::web::findings()
        .iter()
        .filter(|f| f.finding.route().is_some_and(|r| r.pattern() == route))
        .map(|f| f.finding.fingerprint().to_owned())
        .collect();
    assert_eq!(logged, [attrs["iast.fingerprint"].clone()]);
}
