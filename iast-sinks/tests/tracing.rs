//! The log-injection layer on real `tracing` events.
#![cfg(feature = "tracing")]

use iast::{Confidence, Report, Vulnerability};
use iast_sinks::tracing::LogInjectionLayer;
use tracing_subscriber::layer::SubscriberExt;

const FORGED: &str = "alice\nINFO admin logged in";

#[iast::source(origin = "http.parameter")]
fn user_name(raw: &str) -> String {
    raw.to_owned()
}

#[iast::sanitizer(log)]
fn escape_newlines(s: &str) -> String {
    s.replace('\r', "\\r").replace('\n', "\\n")
}

/// Runs `f` in a fresh iast context with the layer as the thread's subscriber.
fn check_logged(f: impl FnOnce()) -> Report {
    let subscriber = tracing_subscriber::registry().with(LogInjectionLayer::new());
    tracing::subscriber::with_default(subscriber, || iast::check(f))
}

fn log_findings(report: &Report) -> Vec<(Confidence, String)> {
    report
        .of(Vulnerability::LogInjection)
        .map(|f| (f.confidence(), f.sink().function().to_owned()))
        .collect()
}

fn assert_confirmed(report: &Report, field: &str) {
    let findings = log_findings(report);
    assert_eq!(
        findings,
        [(
            Confidence::Confirmed,
            "iast_sinks::tracing::check_log".to_owned()
        )],
        "{report}"
    );
    let evidence = report.findings()[0].evidence();
    assert!(
        evidence.tainted_text().any(|t| t.contains('\n')),
        "{report}"
    );
    assert!(format!("{report}").contains(field), "{report}");
}

#[test]
fn forged_line_in_a_display_field_is_confirmed() {
    let report = check_logged(|| {
        let name = user_name(FORGED);
        tracing::info!(user = %name, "login failed");
    });
    assert_confirmed(&report, "user=");
}

#[test]
fn forged_line_in_the_message_is_confirmed() {
    let report = check_logged(|| {
        let name = user_name(FORGED);
        tracing::info!("login failed for {}", name);
    });
    assert_confirmed(&report, "login failed for");
}

#[test]
fn forged_line_in_a_str_field_is_confirmed() {
    let report = check_logged(|| {
        let name = user_name(FORGED);
        tracing::warn!(user = name.as_str(), "login failed");
    });
    assert_confirmed(&report, "user=");
}

#[test]
fn forged_line_in_a_span_field_is_confirmed() {
    let report = check_logged(|| {
        let name = user_name(FORGED);
        let span = tracing::info_span!("session", user = %name);
        let _entered = span.enter();
    });
    assert_confirmed(&report, "user=");
}

#[test]
fn debug_formatting_escapes_the_newline() {
    // `?name` prints the string quoted with `\n` escaped: the taint reaches the log but cannot
    // forge a line.
    let report = check_logged(|| {
        let name = user_name(FORGED);
        tracing::info!(user = ?name, "login failed");
    });
    let findings = log_findings(&report);
    assert!(!findings.is_empty(), "{report}");
    assert!(
        findings.iter().all(|(c, _)| *c == Confidence::Unsanitized),
        "{report}"
    );
}

#[test]
fn benign_name_is_unsanitized() {
    let report = check_logged(|| {
        let name = user_name("alice.liddell");
        tracing::info!(user = %name, "login failed");
        tracing::info!("login failed for {}", name);
    });
    let findings = log_findings(&report);
    assert!(!findings.is_empty(), "{report}");
    assert!(
        findings.iter().all(|(c, _)| *c == Confidence::Unsanitized),
        "{report}"
    );
}

#[test]
fn escaped_name_is_clean() {
    let report = check_logged(|| {
        let name = escape_newlines(&user_name(FORGED));
        tracing::info!(user = %name, "login failed");
        tracing::info!("login failed for {}", name);
    });
    iast::assert_no_findings!(report);
    assert!(
        report
            .sinks_reached()
            .iter()
            .any(|s| s.function() == "iast_sinks::tracing::check_log"),
        "{report}"
    );
}

#[test]
fn untainted_events_and_numbers_are_clean() {
    let report = check_logged(|| {
        tracing::info!(attempts = 3_u64, ok = false, "static\nmessage");
    });
    iast::assert_no_findings!(report);
}

struct Loud;

impl std::fmt::Display for Loud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Logging from inside a value's formatting must not send the layer round in circles.
        tracing::info!("formatting {}", "loud");
        f.write_str("loud")
    }
}

struct Panicky;

impl std::fmt::Display for Panicky {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("display failed")
    }
}

#[test]
fn reentrant_and_panicking_values_do_not_break_logging() {
    let report = check_logged(|| {
        tracing::info!(value = %Loud, "reentrant");
        tracing::info!(value = %Panicky, "panicking");
        let name = user_name(FORGED);
        tracing::info!(user = %name, "still checked");
    });
    assert_confirmed(&report, "user=");
}

/// Records the `user` field of the events it sees.
struct Seen(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Seen {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct User<'a>(&'a mut Vec<String>);
        impl tracing::field::Visit for User<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "user" {
                    self.0.push(format!("{value:?}"));
                }
            }
        }
        event.record(&mut User(&mut self.0.lock().unwrap()));
    }
}

/// Outside a context the layer checks nothing and keeps nothing, and the event reaches the
/// layers after it unchanged; a context begun afterwards on the thread starts clean.
#[test]
fn outside_a_context_events_pass_unchecked() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry()
        .with(LogInjectionLayer::new())
        .with(Seen(seen.clone()));
    tracing::subscriber::with_default(subscriber, || {
        let name = user_name(FORGED);
        tracing::info!(user = %name, "no context");
        let report = iast::check(|| tracing::info!(user = %name, "inside, untainted here"));
        iast::assert_no_findings!(report);
    });
    assert_eq!(*seen.lock().unwrap(), [FORGED, FORGED]);
}

#[test]
fn registry_lists_the_checker() {
    let sink = iast::registry()
        .sinks()
        .find(|i| i.function() == "iast_sinks::tracing::check_log")
        .expect("check_log is registered");
    assert!(sink.is_sink_for(Vulnerability::LogInjection));
}

/// Counts the times it is formatted.
struct Counted(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl std::fmt::Display for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f.write_str("counted")
    }
}

/// Outside a context the layer formats nothing: the application's `Display` runs only for the
/// layers that write the log. Inside one it is formatted once, to be checked.
#[test]
fn outside_a_context_nothing_is_formatted() {
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let subscriber = tracing_subscriber::registry().with(LogInjectionLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(value = %Counted(count.clone()), "outside");
        assert_eq!(count.load(std::sync::atomic::Ordering::Relaxed), 0);
        let _ = iast::check(|| tracing::info!(value = %Counted(count.clone()), "inside"));
        assert_eq!(count.load(std::sync::atomic::Ordering::Relaxed), 1);
    });
}
