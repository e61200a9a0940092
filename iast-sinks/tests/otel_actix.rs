//! The findings' OpenTelemetry export (feature `otel`) end to end with actix-web: the same
//! exports as `tests/otel.rs` gives axum's, from `IastMiddleware`, to a receiver on loopback
//! that decodes them. One test in this binary: the installed logger provider is the
//! process's.
#![cfg(all(feature = "otel", feature = "actix-web"))]

use actix_web::dev::Service as _;
use actix_web::{App, HttpServer, web};
use opentelemetry::trace::TraceContextExt as _;

include!("shared/otel.rs");

async fn search(params: web::Query<HashMap<String, String>>) -> String {
    lookup(params.get("q").map_or("", String::as_str))
}

/// The app: `/remote/...` in the context of a span of another service (made current around
/// the middleware's call, as a tracing middleware outside it would), `/plain/...` in none.
fn serve() -> std::net::SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = || {
                App::new()
                    .route("/remote/search", web::get().to(search))
                    .route("/plain/search", web::get().to(search))
                    .wrap(iast_sinks::actix_web::IastMiddleware::new())
                    .wrap_fn(|request, service| {
                        let _guard = request.path().starts_with("/remote/").then(|| {
                            opentelemetry::Context::current()
                                .with_remote_span_context(remote_span())
                                .attach()
                        });
                        service.call(request)
                    })
            };
            let server = HttpServer::new(app)
                .workers(1)
                .bind(("127.0.0.1", 0))
                .unwrap();
            sender.send(server.addrs()[0]).unwrap();
            server.run().await.unwrap();
        })
    });
    receiver.recv().unwrap()
}

#[test]
fn findings_of_actix_web_reach_an_otlp_receiver_as_log_records() {
    let (addr, received) = receiver();
    let logger_provider = logger_provider(addr);
    iast_sinks::otel::install(&logger_provider);
    let service = serve();
    for prefix in ["remote", "plain"] {
        let url = format!("http://{service}/{prefix}/search?{ATTACK_QUERY}");
        let response = ureq::get(&url).call().unwrap();
        assert!(response.status().is_success());
    }
    logger_provider.force_flush().unwrap();
    iast_sinks::otel::uninstall();

    assert_log_records(&received.lock().unwrap());
}
