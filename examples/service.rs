//! A small vulnerable web service (axum, SQLite, real files, a real subprocess) under iast.
//!
//! `cargo run --example service -- --demo` serves on an ephemeral loopback port, attacks
//! itself over HTTP, prints each finding and a summary, and exits.
//! `cargo run --example service` serves on 127.0.0.1:3000 and prints findings as they arrive,
//! until Ctrl-C.

#[path = "service/app.rs"]
mod app;
#[path = "service/demo.rs"]
mod demo;

use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Log events are checked in the context of the request that emits them.
    tracing_subscriber::registry()
        .with(iast_sinks::tracing::LogInjectionLayer::new())
        .try_init()?;

    // Kept alive to the end of `main`: it holds the files and the secret the service serves.
    let root = tempfile::tempdir()?;
    let state = app::AppState::new(root.path())?;
    let demo = std::env::args().skip(1).any(|a| a == "--demo");
    let address = if demo {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    };
    let listener = tokio::net::TcpListener::bind(address).await?;
    let base = format!("http://{}", listener.local_addr()?);

    if demo {
        let server = tokio::spawn(axum::serve(listener, app::app(state)).into_future());
        let findings = demo::run(&base).await?;
        demo::summary(&findings);
        server.abort();
        return Ok(());
    }

    println!("serving on {base}; try {base}/vulnerable/greet?name=%3Cscript%3E");
    tokio::spawn(async {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            tick.tick().await;
            for f in iast_sinks::axum::take_findings() {
                println!("{} {}", f.method, f.uri.escape_debug());
                print!("{}", f.finding);
            }
        }
    });
    axum::serve(listener, app::app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
