//! Uses iast-sinks as an application would, with instrumentation compiled out. Every
//! `tracing` event is echoed on stdout as `event <target> <level>: <message>`.

use std::fmt;
use std::process::Command;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

struct Echo;

impl<S: Subscriber> Layer<S> for Echo {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        let meta = event.metadata();
        println!("event {} {}: {}", meta.target(), meta.level(), message.0);
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

fn main() {
    // Made before the subscriber is set: the line on stderr comes now, the tracing warning
    // at the first check below.
    let subscriber = tracing_subscriber::registry()
        .with(Echo)
        .with(iast_sinks::tracing::LogInjectionLayer::new());
    tracing::subscriber::set_global_default(subscriber).unwrap();
    tracing::info!(target: "app", "started");
    for _ in 0..2 {
        let _ = iast_sinks::fs::read_to_string("Cargo.toml");
    }
    iast_sinks::process::check_std_command(&Command::new("true"));
    tracing::info!(target: "app", "done");
}
