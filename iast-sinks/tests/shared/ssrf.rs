// What the SSRF sink tests share: a loopback HTTP server, the source, and the findings they
// expect. Included by `shared/reqwest.rs` and `tests/ureq.rs`, each of which defines `SINK`,
// the sink its checked calls go through.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};

use iast::{Confidence, Report, Vulnerability};

const BODY: &str = "pong";

/// Serves `requests` connections on an ephemeral loopback port with `200 OK` and [`BODY`],
/// then stops.
fn serve(requests: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let Ok(mut stream) = stream else { continue };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
                BODY.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    addr
}

#[iast::source(origin = "http.parameter")]
fn param(raw: &str) -> String {
    raw.to_owned()
}

/// The SSRF findings of `report`, as their confidence and sink.
fn ssrf(report: &Report) -> Vec<(Confidence, String)> {
    report
        .of(Vulnerability::Ssrf)
        .map(|f| (f.confidence(), f.sink().function().to_owned()))
        .collect()
}

/// One SSRF finding of `confidence` at `SINK`.
fn only(confidence: Confidence) -> Vec<(Confidence, String)> {
    vec![(confidence, SINK.to_owned())]
}
