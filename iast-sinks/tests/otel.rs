//! The findings' OpenTelemetry export (feature `otel`) end to end: an axum service with
//! `IastLayer`, the OpenTelemetry SDK with its OTLP/HTTP exporters as an application sets them
//! up, and a receiver on loopback that decodes what the exporters sent with the protocol's own
//! messages (`opentelemetry-proto`). One test in this binary: the `tracing` subscriber and the
//! installed logger provider are the process's.
#![cfg(all(feature = "otel", feature = "axum"))]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use iast_sinks::axum::IastLayer;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState, TracerProvider as _,
};
use opentelemetry_otlp::{LogExporter, Protocol, SpanExporter, WithExportConfig as _};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use prost::Message as _;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tracing::Instrument as _;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt as _;

/// The trace a request to `/remote/...` continues: a span of another service, current but not
/// recording here.
const REMOTE_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const REMOTE_SPAN: &str = "00f067aa0ba902b7";

/// A credential of the program's own, in a literal of the query: redacted in the evidence.
const OWN_SECRET: &str = "tok-4f9a2c71e0";

#[iast::sink(sql)]
fn run_query(sql: &str) -> usize {
    sql.len()
}

/// The line of the handler's call of the sink, which the findings name.
static SINK_LINE: AtomicU32 = AtomicU32::new(0);

async fn search(Query(params): Query<HashMap<String, String>>) -> String {
    let q = params.get("q").cloned().unwrap_or_default();
    let sql = format!("SELECT id FROM items WHERE name = '{q}' AND owner = '{OWN_SECRET}'");
    SINK_LINE.store(line!() + 1, Ordering::Relaxed);
    let rows = run_query(&sql);
    rows.to_string()
}

/// `/traced/...` in a `tracing` span (bridged to OpenTelemetry), `/remote/...` in the
/// context of a span of another service, anything else in neither.
async fn trace_some(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/traced/") {
        let span = tracing::info_span!("request", path = %path);
        next.run(request).instrument(span).await
    } else if path.starts_with("/remote/") {
        let remote = SpanContext::new(
            TraceId::from_hex(REMOTE_TRACE).unwrap(),
            SpanId::from_hex(REMOTE_SPAN).unwrap(),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        let cx = opentelemetry::Context::current().with_remote_span_context(remote);
        next.run(request).with_context(cx).await
    } else {
        next.run(request).await
    }
}

/// The bodies the receiver was sent, by path.
#[derive(Default)]
struct Received {
    logs: Vec<Bytes>,
    traces: Vec<Bytes>,
}

/// An OTLP/HTTP receiver on loopback: `POST /v1/logs` and `/v1/traces`; the test decodes
/// the bodies.
async fn receiver() -> (std::net::SocketAddr, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let keep = |pick: fn(&mut Received) -> &mut Vec<Bytes>| {
        let received = received.clone();
        post(move |body: Bytes| async move { pick(&mut received.lock().unwrap()).push(body) })
    };
    let app = Router::new()
        .route("/v1/logs", keep(|r| &mut r.logs))
        .route("/v1/traces", keep(|r| &mut r.traces));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, received)
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

/// What every export of the flow through `route` says.
fn assert_finding(attrs: &HashMap<String, String>, route: &str) {
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
    assert!(file.ends_with("tests/otel.rs"), "{file}");
    assert!(!file.starts_with('/'), "a relative path: {file}");
    expect(
        "code.line.number",
        &SINK_LINE.load(Ordering::Relaxed).to_string(),
    );
    assert!(
        attrs["code.function.name"].ends_with("search"),
        "{attrs:#?}"
    );
    // The request's bytes escaped once (the bidirectional override and the line break made
    // visible), the program's own literal redacted.
    let evidence = &attrs["iast.evidence"];
    assert!(evidence.contains(r"x'\u{202e}\nOR 1=1--"), "{evidence}");
    assert!(!evidence.contains(['\n', '\u{202e}']), "{evidence}");
    assert!(!evidence.contains(OWN_SECRET), "{evidence}");
    assert_eq!(attrs["iast.tainted"], r"x'\u{202e}\nOR 1=1--");
    // The path as the client sent it, a nested router's prefix included.
    expect("url.path", route);
    expect("url.query", "q=x%27%E2%80%AE%0AOR%201%3D1--");
    // The same flow as in the layer's log.
    let logged: Vec<String> = iast_sinks::axum::findings()
        .iter()
        .filter(|f| f.finding.route().is_some_and(|r| r.pattern() == route))
        .map(|f| f.finding.fingerprint().to_owned())
        .collect();
    assert_eq!(logged, [attrs["iast.fingerprint"].clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_reach_an_otlp_receiver_on_the_span_or_as_log_records() {
    let (addr, received) = receiver().await;
    // The blocking HTTP client of the exporters is made and dropped off the runtime's
    // threads, as an application's `main` would before starting its runtime.
    let (tracer_provider, logger_provider) = tokio::task::spawn_blocking(move || {
        let spans = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("http://{addr}/v1/traces"))
            .build()
            .unwrap();
        let logs = LogExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("http://{addr}/v1/logs"))
            .build()
            .unwrap();
        (
            SdkTracerProvider::builder()
                .with_batch_exporter(spans)
                .build(),
            SdkLoggerProvider::builder()
                .with_batch_exporter(logs)
                .build(),
        )
    })
    .await
    .unwrap();
    // As the README advises: iast's own `tracing` events stay out of the traces, where the
    // structured event says the same.
    let subscriber = tracing_subscriber::registry().with(
        tracing_opentelemetry::layer()
            .with_tracer(tracer_provider.tracer("service"))
            .with_filter(filter_fn(|meta| meta.target() != "iast")),
    );
    tracing::subscriber::set_global_default(subscriber).unwrap();
    iast_sinks::otel::install(&logger_provider);

    // `/plain/...` is a nested router, which sees the path without its prefix.
    let nested = Router::new()
        .route("/search", get(search))
        .layer(IastLayer::new());
    let app = Router::new()
        .route("/traced/search", get(search))
        .route("/remote/search", get(search))
        .layer(IastLayer::new())
        .nest("/plain", nested)
        .layer(axum::middleware::from_fn(trace_some));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let service = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    for prefix in ["traced", "remote", "plain"] {
        let url = format!("http://{service}/{prefix}/search?q=x%27%E2%80%AE%0AOR%201%3D1--");
        let response = reqwest::get(url).await.unwrap();
        assert!(response.status().is_success());
    }

    tokio::task::spawn_blocking(move || {
        tracer_provider.force_flush().unwrap();
        logger_provider.force_flush().unwrap();
        iast_sinks::otel::uninstall();
        drop((tracer_provider, logger_provider));
    })
    .await
    .unwrap();

    let received = received.lock().unwrap();
    let traces: Vec<ExportTraceServiceRequest> = received
        .traces
        .iter()
        .map(|body| ExportTraceServiceRequest::decode(body.clone()).expect("an OTLP trace export"))
        .collect();
    let logs: Vec<ExportLogsServiceRequest> = received
        .logs
        .iter()
        .map(|body| ExportLogsServiceRequest::decode(body.clone()).expect("an OTLP logs export"))
        .collect();

    // The traced request: an event on its span, and no log record.
    let spans: Vec<_> = traces
        .iter()
        .flat_map(|t| &t.resource_spans)
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .collect();
    let request_spans: Vec<_> = spans.iter().filter(|s| s.name == "request").collect();
    assert_eq!(request_spans.len(), 1, "{spans:#?}");
    let span = request_spans[0];
    let events = &span.events;
    assert_eq!(events.len(), 1, "{span:#?}");
    assert_eq!(events[0].name, iast_sinks::otel::EVENT_NAME);
    assert_eq!(span.trace_id.len(), 16);
    assert_finding(&attributes(&events[0].attributes), "/traced/search");

    // The others: log records, one per request, of iast's scope; the remote one carries the
    // trace and span of the other service's request.
    let records: Vec<_> = logs
        .iter()
        .flat_map(|l| &l.resource_logs)
        .flat_map(|r| &r.scope_logs)
        .filter(|s| {
            s.scope
                .as_ref()
                .is_some_and(|scope| scope.name == iast_sinks::otel::SCOPE_NAME)
        })
        .flat_map(|s| &s.log_records)
        .collect();
    assert_eq!(records.len(), 2, "{records:#?}");
    let of = |route: &str| {
        records
            .iter()
            .find(|r| attributes(&r.attributes)["http.route"] == route)
            .unwrap_or_else(|| panic!("no record of {route}: {records:#?}"))
    };
    let remote = of("/remote/search");
    assert_eq!(remote.event_name, iast_sinks::otel::EVENT_NAME);
    assert_eq!(remote.severity_text, "WARN");
    assert_eq!(hex(&remote.trace_id), REMOTE_TRACE);
    assert_eq!(hex(&remote.span_id), REMOTE_SPAN);
    assert_finding(&attributes(&remote.attributes), "/remote/search");
    let body = text(&remote.body);
    assert!(body.starts_with("SQL_INJECTION (confirmed) at "), "{body}");
    let plain = of("/plain/search");
    assert!(plain.trace_id.is_empty(), "{plain:#?}");
    assert_finding(&attributes(&plain.attributes), "/plain/search");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
