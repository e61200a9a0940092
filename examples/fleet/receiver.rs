//! An OTLP/HTTP receiver on loopback, standing in for an OpenTelemetry Collector: it keeps
//! the log exports it is sent and decodes them with the protocol's own messages.

use axum::body::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use prost::Message as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
pub struct Receiver(Arc<Mutex<Vec<Bytes>>>);

impl Receiver {
    /// Serves `POST /v1/logs` on an ephemeral port, from a thread of its own.
    pub fn start() -> std::io::Result<(SocketAddr, Receiver)> {
        let receiver = Receiver::default();
        let kept = receiver.clone();
        let app = axum::Router::new().route(
            "/v1/logs",
            axum::routing::post(move |body: Bytes| async move {
                kept.0.lock().unwrap_or_else(|e| e.into_inner()).push(body)
            }),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a listener");
                axum::serve(listener, app)
                    .await
                    .expect("the receiver serves");
            });
        });
        Ok((addr, receiver))
    }

    /// The log records of iast's instrumentation scope received so far.
    pub fn records(&self) -> Vec<LogRecord> {
        let bodies = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        bodies
            .into_iter()
            .filter_map(|body| ExportLogsServiceRequest::decode(body).ok())
            .flat_map(|export| export.resource_logs)
            .flat_map(|r| r.scope_logs)
            .filter(|s| {
                s.scope
                    .as_ref()
                    .is_some_and(|s| s.name == iast_sinks::otel::SCOPE_NAME)
            })
            .flat_map(|s| s.log_records)
            .collect()
    }
}

/// A record's attribute as text.
pub fn attribute(record: &LogRecord, key: &str) -> Option<String> {
    let value = record
        .attributes
        .iter()
        .find(|kv| kv.key == key)?
        .value
        .as_ref()?;
    Some(match value.value.as_ref()? {
        Value::StringValue(s) => s.clone(),
        Value::IntValue(n) => n.to_string(),
        Value::BoolValue(b) => b.to_string(),
        Value::ArrayValue(list) => list
            .values
            .iter()
            .filter_map(|v| match v.value.as_ref()? {
                Value::StringValue(s) => Some(s.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => format!("{other:?}"),
    })
}
