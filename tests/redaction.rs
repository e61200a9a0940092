//! Secrets are hidden in evidence by default, while the tainted part stays readable where it
//! is not a secret itself.

#[iast::source(origin = "http.parameter")]
fn param(v: &str) -> String {
    v.to_owned()
}

#[iast::source(origin = "http.header.authorization")]
fn authorization(v: &str) -> String {
    v.to_owned()
}

#[iast::sink(sql)]
fn query(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(log)]
fn log_line(line: &str) {
    let _ = line;
}

#[iast::sink(command, args(password))]
fn login(user: &str, password: &str) {
    let _ = (user, password);
}

fn evidence(report: &iast::Report) -> (&str, Vec<&str>) {
    let e = report.findings()[0].evidence();
    (e.value.as_str(), e.tainted_text().collect())
}

#[test]
fn untainted_sql_literals_are_hidden_and_the_injection_stays_readable() {
    let report = iast::check(|| {
        let name = param("' OR 1=1 --");
        query(&format!(
            "SELECT * FROM users WHERE name = '{name}' AND pass = 'hunter2'"
        ))
    });
    let (value, tainted) = evidence(&report);
    assert!(!value.contains("hunter2"), "{report}");
    assert_eq!(tainted, ["' OR 1=1 --"]);
    assert!(!report.to_string().contains("hunter2"));
    assert!(!serde_json::to_string(&report).unwrap().contains("hunter2"));
}

#[test]
fn values_from_secret_named_sources_are_hidden() {
    let report = iast::check(|| {
        let token = authorization(
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl\nINFO forged",
        );
        log_line(&format!("auth header: {token}"))
    });
    let (value, _) = evidence(&report);
    assert!(!value.contains("eyJ"), "{report}");
    assert!(value.contains("[REDACTED]"));
}

#[test]
fn tokens_and_credentials_in_values_are_hidden() {
    let report = iast::check(|| {
        let q = param("x' UNION SELECT 1 --");
        query(&format!(
            "SELECT * FROM jobs WHERE url = 'https://deploy:s3cr3t-pass@ci.example/' AND q = '{q}'"
        ))
    });
    let (value, tainted) = evidence(&report);
    assert!(!value.contains("s3cr3t-pass"), "{value}");
    assert_eq!(tainted, ["x' UNION SELECT 1 --"]);
}

#[test]
fn a_secret_named_parameter_is_hidden_whole() {
    let report = iast::check(|| login("alice", &param("hunter2; rm -rf /")));
    let (value, tainted) = evidence(&report);
    assert_eq!(value, "[REDACTED]");
    assert_eq!(tainted, ["[REDACTED]"]);
}

#[test]
fn redaction_can_be_turned_off_for_a_context() {
    let context = iast::Context::new().with_redaction(false);
    context.enter(|| {
        let name = param("' OR 1=1 --");
        query(&format!(
            "SELECT * FROM users WHERE name = '{name}' AND pass = 'hunter2'"
        ))
    });
    let report = context.report();
    let (value, _) = evidence(&report);
    assert!(value.contains("hunter2"));
}

#[test]
fn long_arguments_are_redacted_as_far_as_their_evidence_shows() {
    // Redaction reads the argument only up to the end of the evidence window; what the
    // window shows must be hidden exactly as in a short argument, with the SQL literals'
    // state carried from the start of the argument. The first filler is skimmed; a `$` is
    // where skimming stops, so the second is tokenized from the start.
    for unit in ["SELECT 1; ", "SELECT $1; "] {
        let filler = unit.repeat(2_000);
        let report = iast::check(|| {
            let name = param("' OR 1=1 --");
            query(&format!(
                "{filler}INSERT INTO t VALUES ('opening {}'); SELECT * FROM users WHERE name = '{name}' AND pass = 'hunter2'; {filler}",
                "x".repeat(100)
            ))
        });
        let e = report.findings()[0].evidence();
        assert!(e.cut_before && e.cut_after, "{unit}: {e:?}");
        assert!(!e.value.contains("hunter2"), "{unit}: {}", e.value);
        assert!(!e.value.contains("opening"), "{unit}: {}", e.value);
        assert!(
            e.value
                .contains("name = '' OR 1=1 --' AND pass = '[REDACTED]'"),
            "{unit}: {}",
            e.value
        );
        assert_eq!(e.tainted_text().collect::<Vec<_>>(), ["' OR 1=1 --"]);
    }
}

#[iast::sink(command, args(password))]
fn run_with_password(password: &str) {
    let _ = password;
}

#[test]
fn nothing_past_what_redaction_read_is_shown() {
    // A secret-named argument longer than the evidence window: all of what is shown is hidden.
    let report = iast::check(|| {
        let v = param("x; rm -rf /");
        run_with_password(&format!(
            "{v}{}TOPSECRET-TAIL{}",
            "A".repeat(1100),
            "B".repeat(50)
        ))
    });
    let e = report.findings()[0].evidence();
    assert!(!e.value.contains("TOPSECRET"), "{}", e.value);
    assert_eq!(e.value, "[REDACTED]");
    assert!(e.cut_after);
    // A long untainted literal before the injection shrinks to its marker: the window must
    // not then reach bytes that were never read for secrets.
    let report = iast::check(|| {
        let name = param("' OR 1=1 --");
        query(&format!(
            "SELECT '{}', x FROM users WHERE name = '{name}' AND {} pass = 'hunter2'",
            "L".repeat(600),
            "flag = 1 AND ".repeat(60)
        ))
    });
    let e = report.findings()[0].evidence();
    assert!(!e.value.contains("hunter2"), "{}", e.value);
    assert!(e.cut_after);
}
