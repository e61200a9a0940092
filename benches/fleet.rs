//! What `[fleet]` costs (see `iast::fleet`): on the sending side, the `iast.taint` member a
//! checked client computes for its URL; on the receiving side, a request's values recorded
//! in a context that holds a trusted entry, against the same without one.
//!
//! - `send/off` and `send/on`: `iast::fleet::outgoing` for a URL holding one tainted 16 B
//!   value, with sending off (what every checked client call pays when `[fleet]` is not
//!   configured) and on.
//! - `receive/<case>`: a fresh context, the entry accepted (`trusted`) or not (`none`), then
//!   a request's eleven values recorded: ten headers of 20–40 B and a 64 B query parameter
//!   holding the forwarded value. `1MiB`: the same with a 1 MiB body value, where matching
//!   stops at its window budget.

use criterion::{BenchmarkId, Criterion};
use std::hint::black_box;
use std::time::Duration;

#[iast::source(origin = "http.query", name = name)]
fn query<'a>(name: &str, value: &'a str) -> &'a str {
    value
}

#[iast::source(origin = "http.header", name = name)]
fn header<'a>(name: &str, value: &'a str) -> &'a str {
    value
}

const FORWARDED: &str = "' OR 'a'='a' --x";

fn url(value: &str) -> String {
    reqwest::Url::parse_with_params("http://backend.internal:8080/rows", [("name", value)])
        .unwrap()
        .to_string()
}

const HEADERS: [(&str, &str); 10] = [
    ("host", "backend.internal:8080"),
    ("user-agent", "reqwest/0.13 (service mesh)"),
    ("accept", "application/json, text/plain, */*"),
    ("accept-encoding", "gzip, deflate, br"),
    ("accept-language", "en-GB,en;q=0.9"),
    ("x-request-id", "7f9c2ba4-e88f-11ee-8c3b-0242ac120002"),
    ("x-forwarded-for", "203.0.113.7, 10.0.0.12"),
    ("x-forwarded-proto", "https"),
    (
        "traceparent",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    ),
    ("connection", "keep-alive"),
];

fn request(entry: Option<&str>, body: Option<&str>) {
    let cx = iast::Context::new();
    cx.enter(|| {
        if let Some(entry) = entry {
            black_box(iast::fleet::accept([entry.as_bytes()]));
        }
        for (name, value) in HEADERS {
            black_box(header(name, value));
        }
        let value = format!("{FORWARDED} AND country = 'United Kingdom' ORDER BY name");
        black_box(query("name", &value));
        if let Some(body) = body {
            black_box(query("body", body));
        }
    });
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();

    // The entry a gateway sends for the value, made as a gateway makes it.
    iast::fleet::set_send(true);
    iast::fleet::set_service("gateway");
    let cx = iast::Context::new();
    let entry = cx
        .enter(|| iast::fleet::outgoing(&url(query("q", FORWARDED))))
        .expect("the gateway names the value");
    drop(cx);

    let mut group = c.benchmark_group("fleet");
    for on in [false, true] {
        iast::fleet::set_send(on);
        let cx = iast::Context::new();
        let target = cx.enter(|| url(query("q", FORWARDED)));
        let id = if on { "on" } else { "off" };
        group.bench_function(BenchmarkId::new("send", id), |b| {
            b.iter(|| cx.enter(|| black_box(iast::fleet::outgoing(black_box(&target)))))
        });
    }
    group.bench_function(BenchmarkId::new("receive", "none"), |b| {
        b.iter(|| request(None, None))
    });
    group.bench_function(BenchmarkId::new("receive", "trusted"), |b| {
        b.iter(|| request(Some(&entry), None))
    });
    let body = "x".repeat(1 << 20);
    group.bench_function(BenchmarkId::new("receive", "1MiB/none"), |b| {
        b.iter(|| request(None, Some(&body)))
    });
    group.bench_function(BenchmarkId::new("receive", "1MiB/trusted"), |b| {
        b.iter(|| request(Some(&entry), Some(&body)))
    });
    group.finish();
    c.final_summary();
}
