//! Findings into OpenTelemetry (feature `otel`): each flow the web layers find becomes an
//! event on the request's span when the request is traced, and a log record otherwise.
//!
//! ```no_run
//! # fn provider() -> opentelemetry_sdk::logs::SdkLoggerProvider { unimplemented!() }
//! // The application's logger provider (an OTLP exporter, say), for the findings of
//! // requests that are not traced; traced requests need nothing more than their span.
//! let logs: opentelemetry_sdk::logs::SdkLoggerProvider = provider();
//! iast_sinks::otel::install(&logs);
//! ```
//!
//! The span is the one current when the layer starts the request's context: a
//! `tracing` span bridged by `tracing-opentelemetry` (0.34, the release built on
//! opentelemetry 0.33, which makes the span's OpenTelemetry context current while the span is
//! entered), or a span the application made current with the `opentelemetry` API. Put the tracing layer outside iast's
//! (`.layer(IastLayer::new()).layer(TraceLayer::new_for_http())` in axum, where the last
//! layer added is the outermost), so that the request's span is entered when iast's context
//! starts. Both sides must use the same minor version of the `opentelemetry` crate (this
//! crate's: 0.33); another version's context is another type, and the findings of traced
//! requests would go to the log records.
//!
//! The event and the record are both named [`EVENT_NAME`]; a record carries the trace and
//! span ids of a request whose span was not recording (not sampled, or ended before the
//! request's context did). Their attributes, in this order:
//!
//! | attribute | value |
//! |---|---|
//! | `security_rule.name` | the rule id (`SQL_INJECTION`) |
//! | `security_rule.category` | the class's word (`sql`) |
//! | `security_rule.description` | the class's title |
//! | `security_rule.reference` | the CWE's page (`https://cwe.mitre.org/data/definitions/89.html`) |
//! | `security_rule.ruleset.name` | `iast` |
//! | `code.file.path`, `code.line.number`, `code.column.number`, `code.function.name` | the application's call of the sink (absent for a check of the response, and the function when the binary has no debug information) |
//! | `http.request.method`, `http.route` | the request's method and matched route |
//! | `url.path`, `url.query` | the request's path and query as the client sent them (a nested router's prefix included), escaped |
//! | `iast.confidence` | `confirmed`, `unsanitized`, ... |
//! | `iast.fingerprint` | the flow's fingerprint, as in every report |
//! | `iast.sink` | the sink function |
//! | `iast.sources` | the sources, principal first (`query parameter \`q\``) |
//! | `iast.subject` | what a weakness of the response is about (a cookie's name) |
//! | `iast.stored`, `iast.blocked` | whether the flow is stored, and was refused by protect mode |
//! | `iast.argument`, `iast.evidence`, `iast.tainted` | the sink's parameter, the redacted evidence and its tainted parts |
//!
//! `security_rule.*` and `code.*` are OpenTelemetry's semantic conventions (the first still
//! experimental there); what they have no name for is under `iast.*`. Every value that comes
//! from the request is escaped as in the layers' `tracing` events (control characters and
//! invisible formatting characters made visible), and the evidence is redacted as in every
//! report. The layers' `tracing` event of the finding is emitted as before: with
//! `tracing-opentelemetry` installed it appears on the span too, as an event named after its
//! message, unless the bridge leaves out target `iast`
//! (`.with_filter(filter_fn(|meta| meta.target() != "iast"))`, as the README shows);
//! [`EVENT_NAME`] is the structured one.
//!
//! Without this feature nothing of it is compiled; with it, a request costs one read of
//! OpenTelemetry's current context, and a finding its attributes. What is exported are the
//! findings of the web layers (features `axum` and `actix-web`): without either, [`install`]
//! says on stderr, once, that nothing will be.

// Without a web layer, only `install` and `uninstall` have a caller.
#![cfg_attr(not(feature = "web"), allow(dead_code))]

use crate::{shown, shown_evidence};
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider, Severity};
use opentelemetry::trace::{SpanContext, TraceContextExt as _};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use std::sync::{Arc, PoisonError, RwLock};

/// The name of a finding's span event and log record.
pub const EVENT_NAME: &str = "iast.finding";

/// The instrumentation scope of the log records.
pub const SCOPE_NAME: &str = "iast";

/// What a log record of a finding is made from.
type Emit = dyn Fn(Attributes, String, &SpanContext) + Send + Sync;

static LOGS: RwLock<Option<Arc<Emit>>> = RwLock::new(None);

/// Sends the findings of requests whose span is not recording (or that have none) to
/// `provider` as log records, from now on; replaces a provider installed before. Without one,
/// such findings reach OpenTelemetry only through the layers' `tracing` events, if the
/// application bridges those.
pub fn install<P>(provider: &P)
where
    P: LoggerProvider,
    P::Logger: Send + Sync + 'static,
{
    #[cfg(not(feature = "web"))]
    {
        static SAID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        if crate::first_time(&SAID) {
            eprintln!(
                "iast: iast_sinks::otel::install: neither the `axum` nor the `actix-web` feature \
                 of iast-sinks is on, so no finding will be exported"
            );
        }
    }
    let scope = InstrumentationScope::builder(SCOPE_NAME)
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let logger = provider.logger_with_scope(scope);
    let emit = move |attributes: Attributes, body: String, span: &SpanContext| {
        let mut record = logger.create_log_record();
        record.set_event_name(EVENT_NAME);
        record.set_severity_number(Severity::Warn);
        record.set_severity_text("WARN");
        record.set_timestamp(std::time::SystemTime::now());
        record.set_body(AnyValue::from(body));
        record.add_attributes(attributes.into_iter().map(|(k, v)| (k, v.any())));
        if span.is_valid() {
            record.set_trace_context(span.trace_id(), span.span_id(), Some(span.trace_flags()));
        }
        logger.emit(record);
    };
    *LOGS.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(emit));
}

/// Stops sending log records to the provider [`install`] was given (span events go on).
pub fn uninstall() {
    *LOGS.write().unwrap_or_else(PoisonError::into_inner) = None;
}

/// The OpenTelemetry context current when a request's context started, kept for its end.
pub(crate) struct Trace(opentelemetry::Context);

impl Trace {
    pub(crate) fn current() -> Trace {
        Trace(opentelemetry::Context::current())
    }
}

/// One attribute's value.
enum Attr {
    Text(String),
    Static(&'static str),
    Int(i64),
    Bool(bool),
    List(Vec<String>),
}

type Attributes = Vec<(&'static str, Attr)>;

impl Attr {
    fn value(self) -> Value {
        match self {
            Attr::Text(s) => Value::String(s.into()),
            Attr::Static(s) => Value::String(s.into()),
            Attr::Int(n) => Value::I64(n),
            Attr::Bool(b) => Value::Bool(b),
            Attr::List(items) => Value::Array(Array::String(
                items.into_iter().map(StringValue::from).collect(),
            )),
        }
    }

    fn any(self) -> AnyValue {
        match self {
            Attr::Text(s) => AnyValue::from(s),
            Attr::Static(s) => AnyValue::from(s),
            Attr::Int(n) => AnyValue::Int(n),
            Attr::Bool(b) => AnyValue::Boolean(b),
            Attr::List(items) => items.into_iter().map(AnyValue::from).collect(),
        }
    }
}

/// Exports one finding of the request that `trace` was current for: an event on its span if
/// that span is recording, else a log record if a provider is installed, else nothing.
/// `message` is the line of the layers' `tracing` event.
pub(crate) fn export(
    finding: &iast::Finding,
    method: &str,
    uri: &str,
    message: String,
    trace: &Trace,
) {
    let span = trace.0.span();
    if span.is_recording() {
        let attributes = attributes(finding, method, uri);
        span.add_event(
            EVENT_NAME,
            attributes
                .into_iter()
                .map(|(k, v)| KeyValue::new(k, v.value()))
                .collect(),
        );
        return;
    }
    let emit = LOGS.read().unwrap_or_else(PoisonError::into_inner).clone();
    if let Some(emit) = emit {
        emit(
            attributes(finding, method, uri),
            message,
            span.span_context(),
        );
    }
}

fn attributes(finding: &iast::Finding, method: &str, uri: &str) -> Attributes {
    let class = finding.vulnerability();
    let mut out: Attributes = vec![
        ("security_rule.name", Attr::Static(class.rule_id())),
        ("security_rule.category", Attr::Static(class.word())),
        ("security_rule.description", Attr::Static(class.title())),
        (
            "security_rule.reference",
            Attr::Text(iast::cwe_url(class.cwe())),
        ),
        ("security_rule.ruleset.name", Attr::Static("iast")),
    ];
    if let Some(call) = finding.call_site() {
        out.push(("code.file.path", Attr::Text(call.file().to_owned())));
        out.push(("code.line.number", Attr::Int(call.line().into())));
        out.push(("code.column.number", Attr::Int(call.column().into())));
        if let Some(function) = call.function() {
            out.push(("code.function.name", Attr::Text(function.to_owned())));
        }
    }
    out.push(("http.request.method", Attr::Text(shown(method))));
    if let Some(route) = finding.route() {
        out.push(("http.route", Attr::Text(route.pattern().to_owned())));
    }
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    out.push(("url.path", Attr::Text(shown(path))));
    if !query.is_empty() {
        out.push(("url.query", Attr::Text(shown(query))));
    }
    out.push((
        "iast.confidence",
        Attr::Text(finding.confidence().to_string()),
    ));
    out.push((
        "iast.fingerprint",
        Attr::Text(finding.fingerprint().to_owned()),
    ));
    out.push((
        "iast.sink",
        Attr::Text(finding.sink().function().to_owned()),
    ));
    let sources = finding.sources().iter().map(|s| shown(&s.describe()));
    out.push(("iast.sources", Attr::List(sources.collect())));
    if let Some(subject) = finding.subject() {
        out.push(("iast.subject", Attr::Text(shown(subject))));
    }
    out.push(("iast.stored", Attr::Bool(finding.stored())));
    out.push(("iast.blocked", Attr::Bool(finding.blocked())));
    let evidence = finding.evidence();
    out.push(("iast.argument", Attr::Text(shown(&evidence.argument))));
    out.push(("iast.evidence", Attr::Text(shown_evidence(&evidence.value))));
    let tainted = evidence.tainted_text().map(shown_evidence);
    out.push(("iast.tainted", Attr::List(tainted.collect())));
    out
}
