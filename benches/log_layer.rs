//! `LogInjectionLayer` outside a context: a `tracing` event with a formatted field, through a
//! subscriber without the layer (`off`), with a layer that does nothing (`noop`, the cost of
//! any layer: the stack's own dispatch) and with it (`on`). Outside a context the layer reads
//! one thread-local flag and formats nothing; inside a context (`on/context`) it formats and
//! checks each field.

use criterion::{BenchmarkId, Criterion};
use iast_sinks::tracing::LogInjectionLayer;
use std::fmt;
use std::hint::black_box;
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;

/// A field whose `Display` does some work, as an application's types do.
struct User(&'static str, u64);

impl fmt::Display for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.0, self.1)
    }
}

struct Noop;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Noop {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        black_box(event);
    }
}

fn event(user: &User) {
    tracing::info!(user = %user, attempt = 3, "login from {}", "10.0.0.7");
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let user = User("alice", 42);
    let mut group = c.benchmark_group("log_layer");
    let off = tracing_subscriber::registry();
    tracing::subscriber::with_default(off, || {
        group.bench_function(BenchmarkId::new("event", "off"), |b| {
            b.iter(|| event(black_box(&user)))
        });
    });
    // A layer that does nothing: the floor of any layer, the stack's own dispatch.
    let noop = tracing_subscriber::registry().with(Noop);
    tracing::subscriber::with_default(noop, || {
        group.bench_function(BenchmarkId::new("event", "noop"), |b| {
            b.iter(|| event(black_box(&user)))
        });
    });
    let on = tracing_subscriber::registry().with(LogInjectionLayer::new());
    tracing::subscriber::with_default(on, || {
        group.bench_function(BenchmarkId::new("event", "on"), |b| {
            b.iter(|| event(black_box(&user)))
        });
        let context = iast::Context::new();
        context.enter(|| {
            group.bench_function(BenchmarkId::new("event", "on/context"), |b| {
                b.iter(|| event(black_box(&user)))
            });
        });
    });
    group.finish();
    c.final_summary();
}
