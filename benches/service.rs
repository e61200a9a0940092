//! Load benchmark of the example axum service (`examples/service/app.rs`) with the iast layer
//! on and off: requests per second and p50/p99 latency, measured from a second process over
//! loopback.
//!
//! The target (issue 6): with `IastLayer` on, analysing every request (the layer has no
//! sampling), the service keeps at least 90% of its requests per second and at most 1.2x its
//! p99 latency. The bench prints both ratios and whether they hold; it asserts nothing about
//! speed, since a shared or noisy machine would make such an assertion flaky.
//!
//! How:
//! - The bench binary re-executes itself with `IAST_BENCH_SERVE=on|off` to become the server:
//!   a tokio runtime with one worker serving `app::app` (layer on) or `app::routes` (layer
//!   off) on an ephemeral loopback port, with `LogInjectionLayer` installed as the tracing
//!   subscriber in both modes, so the layer is the only difference.
//! - This process is the client: one tokio thread driving `IAST_BENCH_CONNECTIONS` (16)
//!   HTTP/1.1 keep-alive connections, each sending GET requests back to back (a closed loop)
//!   over a fixed mix of benign `/fixed/...` requests that all answer 200 and neither spawn a
//!   process nor reach out. The client is a minimal HTTP/1.1 exchange on `TcpStream`, not an
//!   HTTP library, so that its own cost is small and the same in both modes.
//! - Each round starts a fresh server, warms up (`IAST_BENCH_WARMUP`, 2 s), then counts the
//!   requests that complete within the measured window (`IAST_BENCH_SECONDS`, 8 s) and the
//!   latency of each, from writing the request to reading the last byte of its body. Rounds
//!   alternate off, on, off, on (`IAST_BENCH_ROUNDS` pairs, 2), so slow drift of the machine
//!   falls on both modes alike; the summary takes the median of each mode's rounds.
//! - After each round the client asks the server for its findings count, sends one XSS attack
//!   to `/vulnerable/greet` and asks again: the benign mix must leave no finding in either
//!   mode, and the attack must be reported with the layer on and not with it off. So the
//!   "on" rounds cannot silently measure a layer that analyses nothing.
//! - `IAST_BENCH_PATHS` (paths separated by whitespace) replaces the mix, to see what one
//!   endpoint costs on its own.
//! - `IAST_BENCH_AGAINST` puts something else than `IastLayer` in the "on" rounds, to measure
//!   what any layer of this shape costs before it analyses anything: `boxed`, a tower layer
//!   that only boxes the request's future as `IastLayer` does; `context`, one that also runs
//!   the request in a fresh `iast::Context` (the handlers' annotated functions then take their
//!   in-context path, with no source recorded). Neither may report a finding.
//!
//! The loop is closed, so the server is saturated and a request's latency is mostly its wait
//! behind the other connections' requests: by Little's law the mean latency is the number of
//! connections over the requests per second. The p99 ratio therefore follows the inverse of
//! the throughput ratio plus what the layer adds to the tail, and the p99 target (1.2x) is
//! met whenever the throughput target (0.9x, about 1.11x latency) is and the tail does not
//! widen.
//!
//! Run with `cargo bench --bench service` (about 41 s with the defaults). Run without
//! `--bench` (as `cargo test --benches` does), it makes one short round of each mode to check
//! that it works, and its figures mean nothing. A filter that does not match `service`
//! (`cargo bench -- memory`) skips it.

#[path = "../examples/service/app.rs"]
mod app;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Set in the server process to `on` or `off`.
const SERVE_VAR: &str = "IAST_BENCH_SERVE";

/// What the "on" rounds serve (see the module's docs); read by both processes.
const AGAINST_VAR: &str = "IAST_BENCH_AGAINST";

/// What the "on" rounds put around the routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Against {
    /// `IastLayer`, as the example's `app` does.
    Layer,
    /// A layer that boxes each request's future, and nothing else.
    Boxed,
    /// A layer that boxes each request's future and runs it in a fresh `iast::Context`.
    Context,
}

fn against() -> Against {
    match std::env::var(AGAINST_VAR).as_deref() {
        Err(_) | Ok("layer") => Against::Layer,
        Ok("boxed") => Against::Boxed,
        Ok("context") => Against::Context,
        Ok(other) => panic!("{AGAINST_VAR} must be `layer`, `boxed` or `context`, not {other:?}"),
    }
}

/// The calibration layers of [`Against::Boxed`] and [`Against::Context`]: the shape of
/// `IastService` (a clone of the inner service per call, a boxed future) without its work.
#[derive(Clone, Copy)]
struct Calibration {
    context: bool,
}

impl<S> tower::Layer<S> for Calibration {
    type Service = Calibrated<S>;

    fn layer(&self, inner: S) -> Calibrated<S> {
        Calibrated {
            inner,
            context: self.context,
        }
    }
}

#[derive(Clone)]
struct Calibrated<S> {
    inner: S,
    context: bool,
}

impl<S> tower::Service<axum::extract::Request> for Calibrated<S>
where
    S: tower::Service<axum::extract::Request, Response = axum::response::Response>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = axum::response::Response;
    type Error = S::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Self::Response, S::Error>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let context = self.context;
        Box::pin(async move {
            if context {
                iast::Context::new().bind(inner.call(request)).await
            } else {
                inner.call(request).await
            }
        })
    }
}

/// The benign requests each connection cycles through. Each reaches the sinks of its handler
/// with a tainted query value that a sanitizer or validator has made safe, which is the work
/// the layer adds on a clean request; none spawns a process (`ping`) or answers with a
/// redirect (`login`).
const MIX: &[&str] = &[
    "/fixed/search?name=alice",
    "/fixed/greet?name=ann",
    "/fixed/file?name=readme.txt",
    "/fixed/audit?user=alice",
    "/fixed/preview?url=https%3A%2F%2Fexample.com%2Fnews",
];

/// An attack the layer reports as XSS, sent once per round after the measurement.
const ATTACK: &str = "/vulnerable/greet?name=%3Cscript%3Ealert(1)%3C%2Fscript%3E";

/// Concurrent connections. Enough that the single server worker always has a request ready
/// while the client reads the previous response (fewer leave it idle part of the time and
/// would understate what it serves: on 2 cores throughput stops growing between 8 and 16);
/// more would only lengthen the queue in front of it, and so every latency, without adding
/// requests per second.
const DEFAULT_CONNECTIONS: usize = 16;

/// A request that takes longer than this fails the run instead of hanging it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

fn main() {
    if let Ok(mode) = std::env::var(SERVE_VAR) {
        serve(&mode);
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this binary without it.
    let full = args.iter().any(|a| a == "--bench");
    // A filter (`cargo bench -- memory`) names the benches to run; skip this one unless it
    // matches.
    if let Some(filter) = args.iter().find(|a| !a.starts_with('-'))
        && !"service".contains(filter.as_str())
    {
        return;
    }
    let config = Config::from_env(full);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    runtime.block_on(run(config));
}

// --- server ----------------------------------------------------------------------------

/// The server process: serves the example app until its stdin closes, answering a line
/// `findings` on stdin with the number of findings the layer has logged.
fn serve(mode: &str) {
    let layer = match mode {
        "on" => true,
        "off" => false,
        other => panic!("{SERVE_VAR} must be `on` or `off`, not {other:?}"),
    };
    // As in the example's `main`: log events are checked in the context of their request.
    {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber =
            tracing_subscriber::registry().with(iast_sinks::tracing::LogInjectionLayer::new());
        tracing::subscriber::set_global_default(subscriber).expect("tracing subscriber");
    }
    // One worker: the server gets one of the machine's cores, the client the other. The main
    // thread only waits on stdin.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let root = tempfile::tempdir().expect("temporary directory");
    let state = app::AppState::new(root.path()).expect("app state");
    let router = match (layer, against()) {
        (false, _) => app::routes(state),
        (true, Against::Layer) => app::app(state),
        (true, Against::Boxed) => app::routes(state).layer(Calibration { context: false }),
        (true, Against::Context) => app::routes(state).layer(Calibration { context: true }),
    };
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let port = listener.local_addr().expect("local address").port();
    runtime.spawn(async move { axum::serve(listener, router).await.expect("serve") });

    let mut out = std::io::stdout().lock();
    writeln!(out, "port {port}")
        .and_then(|()| out.flush())
        .expect("stdout");
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        if line.trim() == "findings" {
            let n = iast_sinks::axum::findings().len();
            writeln!(out, "findings {n}")
                .and_then(|()| out.flush())
                .expect("stdout");
        }
    }
    // Stdin closed: the client is done (or gone). Stop serving, then remove the files.
    runtime.shutdown_background();
    drop(root);
}

/// A server process, killed when dropped so that no exit path of the bench (a panic
/// included) leaves it running. If the bench itself is killed, the server sees its stdin
/// close and exits on its own.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl Server {
    fn start(layer: bool) -> Server {
        let exe = std::env::current_exe().expect("path of the bench binary");
        let mut child = Command::new(exe)
            .env(SERVE_VAR, if layer { "on" } else { "off" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server process");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("server stdout"));
        let mut server = Server {
            child,
            stdin,
            stdout,
            port: 0,
        };
        server.port = server
            .read_reply("port")
            .parse()
            .expect("the server's port");
        server
    }

    /// The value of the next line `{key} {value}` the server prints.
    fn read_reply(&mut self, key: &str) -> String {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).expect("server stdout");
        assert!(n > 0, "the server exited before printing `{key}`");
        match line.trim_end().split_once(' ') {
            Some((k, value)) if k == key => value.to_owned(),
            _ => panic!("expected `{key} ...` from the server, got {line:?}"),
        }
    }

    /// The number of findings the server's layer has logged so far.
    fn findings(&mut self) -> usize {
        let stdin = self.stdin.as_mut().expect("server stdin");
        writeln!(stdin, "findings")
            .and_then(|()| stdin.flush())
            .expect("server stdin");
        self.read_reply("findings")
            .parse()
            .expect("a findings count")
    }

    /// Closes the server's stdin and waits for it to exit.
    fn stop(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for the server");
        assert!(status.success(), "the server exited with {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // After `stop` the child has exited and been reaped; these then fail harmlessly.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --- client ----------------------------------------------------------------------------

struct Config {
    connections: usize,
    warmup: Duration,
    measure: Duration,
    pairs: usize,
    /// The request mix: [`MIX`] unless `IAST_BENCH_PATHS` names others (separated by
    /// whitespace), to see what one endpoint costs on its own.
    paths: Arc<[String]>,
    /// Whether this is a real run (`--bench`) rather than a check that the bench works.
    full: bool,
}

impl Config {
    fn from_env(full: bool) -> Config {
        let (warmup, measure, pairs) = if full { (2.0, 8.0, 2) } else { (0.2, 0.5, 1) };
        Config {
            connections: env_number("IAST_BENCH_CONNECTIONS", DEFAULT_CONNECTIONS as f64) as usize,
            warmup: Duration::from_secs_f64(env_number("IAST_BENCH_WARMUP", warmup)),
            measure: Duration::from_secs_f64(env_number("IAST_BENCH_SECONDS", measure)),
            pairs: env_number("IAST_BENCH_ROUNDS", pairs as f64) as usize,
            paths: match std::env::var("IAST_BENCH_PATHS") {
                Ok(paths) if !paths.trim().is_empty() => {
                    paths.split_whitespace().map(str::to_owned).collect()
                }
                _ => MIX.iter().map(|&p| p.to_owned()).collect(),
            },
            full,
        }
    }
}

fn env_number(name: &str, default: f64) -> f64 {
    match std::env::var(name) {
        Ok(value) => match value.trim().parse::<f64>() {
            Ok(n) if n > 0.0 => n,
            _ => panic!("{name} must be a positive number, not {value:?}"),
        },
        Err(_) => default,
    }
}

/// What one round measured.
struct Round {
    layer: bool,
    requests: usize,
    rps: f64,
    p50: u32,
    p99: u32,
    /// Findings after the attack request (the benign mix is checked to leave none).
    findings: usize,
}

async fn run(config: Config) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# iast load benchmark: the example axum service, layer off vs on\n");
    println!(
        "{} connections, {:.1} s warm-up, {:.1} s measured per round, {} rounds; \
         server: 1 tokio worker in its own process; client: 1 tokio thread in this one; \
         {cores} cores (threads are not pinned)",
        config.connections,
        config.warmup.as_secs_f64(),
        config.measure.as_secs_f64(),
        config.pairs * 2,
    );
    println!("requests: `{}`", config.paths.join("`, `"));
    if against() != Against::Layer {
        println!(
            "\"on\" rounds: a calibration layer ({:?}), not `IastLayer`",
            against()
        );
    }
    if !config.full {
        println!("(check run without `--bench`: the figures mean nothing)");
    }
    println!();

    let mut rounds = Vec::new();
    for _ in 0..config.pairs {
        for layer in [false, true] {
            let round = round(&config, layer).await;
            eprintln!(
                "layer {}: {} requests, {:.0} req/s, p99 {} µs",
                mode(layer),
                round.requests,
                round.rps,
                round.p99
            );
            rounds.push(round);
        }
    }

    println!("| round | layer | requests | req/s | p50 (µs) | p99 (µs) | findings after attack |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for (i, r) in rounds.iter().enumerate() {
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} |",
            i + 1,
            mode(r.layer),
            r.requests,
            r.rps,
            r.p50,
            r.p99,
            r.findings
        );
    }

    let summary = |layer: bool| {
        let of = |f: fn(&Round) -> f64| {
            median(rounds.iter().filter(|r| r.layer == layer).map(f).collect())
        };
        (
            of(|r| r.rps),
            of(|r| f64::from(r.p50)),
            of(|r| f64::from(r.p99)),
        )
    };
    let (off_rps, off_p50, off_p99) = summary(false);
    let (on_rps, on_p50, on_p99) = summary(true);
    println!("\nMedian of each mode's rounds:\n");
    println!("| layer | req/s | p50 (µs) | p99 (µs) |");
    println!("|---|---:|---:|---:|");
    println!("| off | {off_rps:.0} | {off_p50:.0} | {off_p99:.0} |");
    println!("| on | {on_rps:.0} | {on_p50:.0} | {on_p99:.0} |");

    if !config.full {
        return;
    }
    let rps_ratio = on_rps / off_rps;
    let p99_ratio = on_p99 / off_p99;
    // Each "on" round against the "off" round just before it, to show the spread.
    let pairs: Vec<String> = rounds
        .chunks(2)
        .map(|p| {
            format!(
                "{:.2} / {:.2}",
                p[1].rps / p[0].rps,
                f64::from(p[1].p99) / f64::from(p[0].p99)
            )
        })
        .collect();
    println!();
    println!(
        "- req/s on/off: {rps_ratio:.3} (target >= 0.90: {})",
        verdict(rps_ratio >= 0.90)
    );
    println!(
        "- p99 on/off: {p99_ratio:.3} (target <= 1.20: {})",
        verdict(p99_ratio <= 1.20)
    );
    println!(
        "- per pair (req/s / p99, on over the off round before it): {}",
        pairs.join(", ")
    );
}

fn mode(layer: bool) -> &'static str {
    if layer { "on" } else { "off" }
}

fn verdict(holds: bool) -> &'static str {
    if holds { "holds" } else { "MISSED" }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The `p`-th percentile of sorted values, by nearest rank.
fn percentile(sorted: &[u32], p: f64) -> u32 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One round against a fresh server process.
async fn round(config: &Config, layer: bool) -> Round {
    let mut server = Server::start(layer);
    let port = server.port;
    let start = Instant::now() + Duration::from_millis(50);
    let window = (
        start + config.warmup,
        start + config.warmup + config.measure,
    );

    let tasks: Vec<_> = (0..config.connections)
        .map(|i| tokio::spawn(connection(port, config.paths.clone(), i, start, window)))
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        match task.await.expect("connection task") {
            Ok(l) => latencies.extend(l),
            Err(e) => panic!("layer {}: {e}", mode(layer)),
        }
    }
    latencies.sort_unstable();
    assert!(
        !latencies.is_empty(),
        "no request completed in the measured window"
    );

    let benign = server.findings();
    assert_eq!(
        benign,
        0,
        "layer {}: the benign mix produced findings",
        mode(layer)
    );
    let mut stream = connect(port).await.expect("connect for the attack");
    let mut buf = Vec::new();
    exchange(&mut stream, &mut buf, request(port, ATTACK).as_bytes())
        .await
        .expect("the attack request");
    let findings = server.findings();
    if layer && against() == Against::Layer {
        assert!(
            findings > 0,
            "layer on: the attack on /vulnerable/greet was not reported"
        );
    } else {
        assert_eq!(
            findings,
            0,
            "layer {} ({:?}): the server reported findings",
            mode(layer),
            against()
        );
    }
    drop(stream);
    server.stop();

    Round {
        layer,
        requests: latencies.len(),
        rps: latencies.len() as f64 / config.measure.as_secs_f64(),
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
        findings,
    }
}

/// One keep-alive connection in a closed loop: the latency in microseconds of each request
/// that completes within `window`.
async fn connection(
    port: u16,
    paths: Arc<[String]>,
    index: usize,
    start: Instant,
    window: (Instant, Instant),
) -> Result<Vec<u32>, String> {
    // Built once: the client should spend its time on the wire, not on formatting.
    let requests: Vec<Vec<u8>> = paths
        .iter()
        .map(|path| request(port, path).into_bytes())
        .collect();
    tokio::time::sleep_until(start.into()).await;
    let mut stream = connect(port).await?;
    let mut buf = Vec::with_capacity(4096);
    let mut latencies = Vec::with_capacity(1 << 16);
    // Connections start at different places in the mix, so every kind of request is in
    // flight at any moment.
    for i in index.. {
        let sent = Instant::now();
        if sent >= window.1 {
            break;
        }
        let request = &requests[i % requests.len()];
        tokio::time::timeout(REQUEST_TIMEOUT, exchange(&mut stream, &mut buf, request))
            .await
            .map_err(|_| format!("no response within {REQUEST_TIMEOUT:?}"))??;
        let done = Instant::now();
        if done >= window.0 && done < window.1 {
            let micros = (done - sent).as_micros();
            latencies.push(u32::try_from(micros).unwrap_or(u32::MAX));
        }
    }
    Ok(latencies)
}

async fn connect(port: u16) -> Result<TcpStream, String> {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect to 127.0.0.1:{port}: {e}"))?;
    // Requests are one small write each; Nagle would hold them back.
    stream
        .set_nodelay(true)
        .map_err(|e| format!("TCP_NODELAY: {e}"))?;
    Ok(stream)
}

/// A GET request with the headers a command-line client sends; the layer taints each header
/// value, so they are part of the work it does per request.
fn request(port: u16, path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: iast-bench/0.1\r\n\
         Accept: */*\r\n\r\n"
    )
}

/// Writes one request and reads its response: the head up to the blank line, then exactly
/// `Content-Length` bytes of body. Anything but a well-formed `200` with a length is an error.
async fn exchange(stream: &mut TcpStream, buf: &mut Vec<u8>, request: &[u8]) -> Result<(), String> {
    stream
        .write_all(request)
        .await
        .map_err(|e| format!("write: {e}"))?;
    buf.clear();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err("response head over 64 KiB".to_owned());
        }
        read_more(stream, buf).await?;
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| "response head is not UTF-8".to_owned())?;
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 200 ") {
        return Err(format!("expected `HTTP/1.1 200`, got {status:?}"));
    }
    let mut length = None;
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("malformed header line {line:?}"))?;
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(
                value
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| format!("bad Content-Length {value:?}"))?,
            );
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            || (name.eq_ignore_ascii_case("connection") && value.trim() == "close")
        {
            return Err(format!("unsupported response header {line:?}"));
        }
    }
    let length = length.ok_or("response without Content-Length")?;
    let end = head_end + length;
    while buf.len() < end {
        read_more(stream, buf).await?;
    }
    // One request in flight per connection: nothing may follow the body.
    if buf.len() > end {
        return Err(format!(
            "{} unexpected bytes after the body",
            buf.len() - end
        ));
    }
    Ok(())
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), String> {
    match stream.read_buf(buf).await {
        Ok(0) => Err("the server closed the connection mid-response".to_owned()),
        Ok(_) => Ok(()),
        Err(e) => Err(format!("read: {e}")),
    }
}
