//! The findings' OpenTelemetry export (feature `otel`) end to end with axum: `IastLayer`, the
//! OpenTelemetry SDK with its OTLP/HTTP exporters as an application sets them up, and a
//! receiver on loopback that decodes what the exporters sent with the protocol's own messages
//! (`opentelemetry-proto`). One test in this binary: the `tracing` subscriber and the
//! installed logger provider are the process's.
#![cfg(all(feature = "otel", feature = "axum"))]

use axum::Router;
use axum::extract::{Query, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;
use iast_sinks::axum::IastLayer;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_otlp::SpanExporter;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Instrument as _;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt as _;

include!("shared/otel.rs");

async fn search(Query(params): Query<HashMap<String, String>>) -> String {
    lookup(params.get("q").map_or("", String::as_str))
}

/// `/traced/...` in a `tracing` span (bridged to OpenTelemetry), `/remote/...` in the
/// context of a span of another service, anything else in neither.
async fn trace_some(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/traced/") {
        let span = tracing::info_span!("request", path = %path);
        next.run(request).instrument(span).await
    } else if path.starts_with("/remote/") {
        let cx = opentelemetry::Context::current().with_remote_span_context(remote_span());
        next.run(request).with_context(cx).await
    } else {
        next.run(request).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_reach_an_otlp_receiver_on_the_span_or_as_log_records() {
    let (addr, received) = receiver();
    // The blocking HTTP client of the exporters is made and dropped off the runtime's
    // threads, as an application's `main` would before starting its runtime.
    let (tracer_provider, logger_provider) = tokio::task::spawn_blocking(move || {
        let spans = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(format!("http://{addr}/v1/traces"))
            .build()
            .unwrap();
        let tracer_provider = SdkTracerProvider::builder()
            .with_batch_exporter(spans)
            .build();
        (tracer_provider, logger_provider(addr))
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
        let url = format!("http://{service}/{prefix}/search?{ATTACK_QUERY}");
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
    // The traced request: an event on its span, and no log record.
    let spans: Vec<_> = bodies(&received, "/v1/traces")
        .iter()
        .map(|body| ExportTraceServiceRequest::decode(body.clone()).expect("an OTLP trace export"))
        .flat_map(|t| t.resource_spans)
        .flat_map(|r| r.scope_spans)
        .flat_map(|s| s.spans)
        .filter(|s| s.name == "request")
        .collect();
    assert_eq!(spans.len(), 1, "{spans:#?}");
    let span = &spans[0];
    assert_eq!(span.events.len(), 1, "{span:#?}");
    assert_eq!(span.events[0].name, iast_sinks::otel::EVENT_NAME);
    assert_eq!(span.trace_id.len(), 16);
    let on_span = attributes(&span.events[0].attributes);
    assert_finding(&on_span, "/traced/search", "/traced/search");

    // The others: a log record each.
    assert_log_records(&received);
}
