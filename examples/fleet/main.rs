//! Two services under iast, and a flow that crosses them: a gateway takes a search from the
//! internet and forwards it to a backend, which pastes it into SQL. The backend's finding
//! names where the input entered the fleet (the gateway's query parameter `q`), because the
//! gateway's checked client sent the `iast.taint` baggage entry and the backend trusted it.
//!
//! `cargo run --example fleet -- --demo` starts both services on ephemeral loopback ports
//! and an OTLP/HTTP receiver in place of an OpenTelemetry Collector, sends a benign and an
//! attacking search, and prints the findings and the OpenTelemetry log record the backend
//! exported. `cargo run --example fleet` serves the gateway on 127.0.0.1:3000 and the
//! backend on 127.0.0.1:3001 and prints findings as they arrive, until Ctrl-C.
//!
//! The gateway has a finding of its own: the search reaches the URL of its outgoing request
//! unvalidated. It is `unsanitized`, not `confirmed`: the value only fills a query parameter
//! of a server the program chose.
//!
//! Both services run in this process, each named by its layer
//! (`IastLayer::new().service("gateway")`); in a real fleet each is its own program, with
//! `[fleet] send = true` and `trust = true` in its `iast.toml`.

mod receiver;
mod services;

use iast_sinks::axum::take_findings;
use opentelemetry_otlp::{LogExporter, Protocol, WithExportConfig as _};
use opentelemetry_sdk::logs::SdkLoggerProvider;
use std::error::Error;
use std::time::Duration;

fn main() -> Result<(), Box<dyn Error>> {
    // What `[fleet] send = true` and `trust = true` in `iast.toml` say.
    iast::fleet::set_send(true);
    iast::fleet::set_trust(true);
    if std::env::args().skip(1).any(|a| a == "--demo") {
        demo()
    } else {
        serve()
    }
}

fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Binds the backend and the gateway (on `ports`, or ephemeral ones), and serves both.
async fn start(ports: (u16, u16)) -> Result<std::net::SocketAddr, Box<dyn Error>> {
    let backend = tokio::net::TcpListener::bind(("127.0.0.1", ports.1)).await?;
    let gateway = tokio::net::TcpListener::bind(("127.0.0.1", ports.0)).await?;
    let backend_addr = backend.local_addr()?;
    let gateway_addr = gateway.local_addr()?;
    tokio::spawn(axum::serve(backend, services::backend()?).into_future());
    tokio::spawn(axum::serve(gateway, services::gateway(backend_addr)).into_future());
    Ok(gateway_addr)
}

fn serve() -> Result<(), Box<dyn Error>> {
    runtime()?.block_on(async {
        let gateway = start((3000, 3001)).await?;
        println!("gateway on http://{gateway}, backend on 127.0.0.1:3001");
        println!("try http://{gateway}/search?q=x%27%20OR%20%271%27%3D%271");
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    print_findings();
                }
                _ = tokio::signal::ctrl_c() => return Ok::<_, Box<dyn Error>>(()),
            }
        }
    })
}

fn print_findings() -> usize {
    let findings = take_findings();
    for f in &findings {
        println!("{} {}", f.method, f.uri.escape_debug());
        print!("{}", f.finding);
    }
    findings.len()
}

fn demo() -> Result<(), Box<dyn Error>> {
    // The collector's stand-in, and the backend's exporter to it. The exporter's blocking
    // HTTP client is built outside the services' runtime, as it must be.
    let (collector, received) = receiver::Receiver::start()?;
    let exporter = LogExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(format!("http://{collector}/v1/logs"))
        .build()?;
    let provider = SdkLoggerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    iast_sinks::otel::install(&provider);

    let findings = runtime()?.block_on(async {
        let gateway = start((0, 0)).await?;
        let client = reqwest::Client::builder().no_proxy().build()?;
        let mut findings = 0;
        for (what, q) in [("a benign search", "alice"), ("an attack", "x' OR '1'='1")] {
            let url =
                reqwest::Url::parse_with_params(&format!("http://{gateway}/search"), [("q", q)])?;
            let response = client.get(url).send().await?;
            println!("== {what}: GET /search?q={}", q.escape_debug());
            println!(
                "-> {} {}",
                response.status(),
                response.text().await?.replace('\n', "; ")
            );
            // Each request's findings are published when its context ends, with its response.
            tokio::time::sleep(Duration::from_millis(100)).await;
            match print_findings() {
                0 => println!("(no finding)\n"),
                n => findings += n,
            }
        }
        Ok::<_, Box<dyn Error>>(findings)
    })?;

    provider.force_flush()?;
    println!("== what the OpenTelemetry Collector received");
    let records = received.records();
    for record in &records {
        for key in [
            "security_rule.name",
            "iast.confidence",
            "code.file.path",
            "code.line.number",
            "http.route",
            "iast.sources",
            "iast.fingerprint",
        ] {
            let value = receiver::attribute(record, key).unwrap_or_default();
            println!("{key}: {}", value.escape_debug());
        }
        println!();
    }
    provider.shutdown()?;
    println!(
        "{findings} finding(s) in the services, {} exported over OTLP",
        records.len()
    );
    Ok(())
}
