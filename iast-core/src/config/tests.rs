use super::*;

fn err(text: &str) -> ConfigError {
    Config::parse("iast.toml", text).expect_err("the file is wrong")
}

/// Asserts where an error points and that its message names the key.
#[track_caller]
fn at(e: &ConfigError, line: usize, key: &str) {
    assert_eq!(e.file, "iast.toml", "{e}");
    assert_eq!(e.line, line, "{e}");
    assert_eq!(e.key.as_deref(), Some(key), "{e}");
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("iast.toml:{line}:")), "{shown}");
    // The message names the key itself (the last dotted part at least).
    let last = key.rsplit('.').next().unwrap();
    assert!(shown.contains(last), "{shown}");
}

#[test]
fn a_full_file_is_read() {
    let c = Config::parse(
        "iast.toml",
        r#"
[taint]
min_match_length = 12
stored = true

[redaction]
enabled = false
patterns = ['ssn=(\d{3}-\d{2}-\d{4})', 'X-Internal-[A-Za-z]+']

[classes]
log = false
sql = true
insecure_cookie = false

[collect]
output = "target/iast/collection"

[report]
fail_on = "confirmed"
dir = "target/iast"
formats = ["sarif", "text"]

[[baseline]]
fingerprint = "5B1C2E0F3A9D7C41"
reason = "  admin-only endpoint  "

[[baseline]]
fingerprint = "0000000000000001"
reason = "test fixture"
"#,
    )
    .unwrap();
    assert_eq!(c.min_match_length, 12);
    assert!(c.stored);
    assert!(!c.redaction);
    assert!(c.disabled.contains(Vulnerability::InsecureCookie));
    assert_eq!(c.redaction_patterns.len(), 2);
    assert!(c.disabled.contains(Vulnerability::LogInjection));
    assert!(!c.disabled.contains(Vulnerability::SqlInjection));
    assert_eq!(
        c.output.as_deref(),
        Some(Path::new("target/iast/collection"))
    );
    assert_eq!(c.fail_on, FailOn::Confirmed);
    assert_eq!(c.formats, [Format::Text, Format::Sarif]);
    assert_eq!(c.baseline.len(), 2);
    // Fingerprints are compared as reports print them (lowercase); reasons are trimmed.
    let s = c.suppression("5b1c2e0f3a9d7c41").unwrap();
    assert_eq!((s.reason.as_str(), s.line), ("admin-only endpoint", 23));
}

#[test]
fn an_empty_file_is_the_defaults() {
    let c = Config::parse("iast.toml", "# nothing yet\n").unwrap();
    assert_eq!(c.min_match_length, MIN_MATCH_FLOOR);
    assert!(!c.stored);
    assert!(c.redaction);
    assert_eq!(c.fail_on, FailOn::Unsanitized);
    assert_eq!(c.formats, Format::ALL);
    assert!(c.baseline.is_empty() && c.disabled.is_empty());
}

#[test]
fn malformed_toml_names_line_and_key() {
    let e = err("[report]\nfail_on = \"confirmed\ndir = \"x\"\n");
    assert_eq!(e.line, 2, "{e}");
    assert_eq!(e.key.as_deref(), Some("fail_on"));
    assert!(e.message.starts_with("malformed TOML"), "{e}");
    let e = err("[report\n");
    assert_eq!(e.line, 1, "{e}");
    assert!(e.message.starts_with("malformed TOML"), "{e}");
    // A key given twice is malformed TOML too.
    let e = err("[taint]\nmin_match_length = 8\nmin_match_length = 9\n");
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn unknown_sections_and_keys_are_named_with_what_is_known() {
    let e = err("[reports]\nfail_on = \"never\"\n");
    at(&e, 1, "reports");
    assert!(
        e.message.contains("expected one of: taint, redaction"),
        "{e}"
    );
    let e = err("[report]\ndir = \"x\"\nfail_onn = \"never\"\n");
    at(&e, 3, "report.fail_onn");
    assert!(e.message.contains("fail_on, dir, formats"), "{e}");
    let e = err("[classes]\nsqli = false\n");
    at(&e, 2, "classes.sqli");
    let e = err("[[baseline]]\nfingerprint = \"0000000000000001\"\nreason = \"r\"\nexpires = 3\n");
    at(&e, 4, "baseline[0].expires");
    let e = err("[taint.deep]\nx = 1\n");
    at(&e, 1, "taint.deep");
}

#[test]
fn wrong_types_name_the_key() {
    at(
        &err("[taint]\nmin_match_length = \"8\"\n"),
        2,
        "taint.min_match_length",
    );
    at(&err("[redaction]\nenabled = 1\n"), 2, "redaction.enabled");
    at(
        &err("[redaction]\npatterns = 'x'\n"),
        2,
        "redaction.patterns",
    );
    at(
        &err("[redaction]\npatterns = ['a', 3]\n"),
        2,
        "redaction.patterns[1]",
    );
    at(&err("[classes]\nlog = \"off\"\n"), 2, "classes.log");
    at(&err("report = 3\n"), 1, "report");
    at(&err("[collect]\noutput = \"\"\n"), 2, "collect.output");
    at(
        &err("baseline = [\"0000000000000001\"]\n"),
        1,
        "baseline[0]",
    );
}

#[test]
fn bad_values_name_the_key() {
    let e = err("[report]\nfail_on = \"high\"\n");
    at(&e, 2, "report.fail_on");
    assert!(e.message.contains("\"confirmed\""), "{e}");
    at(
        &err("[report]\nformats = [\"text\", \"pdf\"]\n"),
        2,
        "report.formats[1]",
    );
    let e = err("[taint]\nmin_match_length = 4\n");
    at(&e, 2, "taint.min_match_length");
    assert!(e.message.contains("between 8 and"), "{e}");
    let e = err("[redaction]\npatterns = ['a*']\n");
    at(&e, 2, "redaction.patterns[0]");
    assert!(e.message.contains("matches the empty text"), "{e}");
    let e = err("[taint]\nmin_match_length = 99999999999999999999\n");
    at(&e, 2, "taint.min_match_length");
    assert!(e.message.contains("out of range"), "{e}");
    let e = err("[redaction]\npatterns = [\n  'ok',\n  '(unclosed',\n]\n");
    at(&e, 4, "redaction.patterns[1]");
    assert!(e.message.contains("not a valid pattern"), "{e}");
}

#[test]
fn every_suppression_needs_a_reason_and_a_real_fingerprint() {
    let e = err("[[baseline]]\nfingerprint = \"0000000000000001\"\n");
    at(&e, 1, "baseline[0].reason");
    assert!(e.message.contains("needs a reason"), "{e}");
    let e = err("[[baseline]]\nfingerprint = \"0000000000000001\"\nreason = \"  \"\n");
    at(&e, 3, "baseline[0].reason");
    let e = err("[[baseline]]\nreason = \"r\"\n");
    at(&e, 1, "baseline[0].fingerprint");
    let e = err("[[baseline]]\nfingerprint = \"SQL_INJECTION\"\nreason = \"r\"\n");
    at(&e, 2, "baseline[0].fingerprint");
    let e = err(
        "[[baseline]]\nfingerprint = \"00000000000000aa\"\nreason = \"r\"\n\n\
         [[baseline]]\nfingerprint = \"00000000000000AA\"\nreason = \"again\"\n",
    );
    at(&e, 5, "baseline[1].fingerprint");
    assert!(e.message.contains("already listed on line 1"), "{e}");
}

#[test]
fn load_names_the_real_path_and_resolves_relative_paths() {
    let dir = std::env::temp_dir().join(format!("iast-config-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("member/src")).unwrap();
    let path = dir.join(FILE_NAME);
    std::fs::write(
        &path,
        "[collect]\noutput = \"out\"\n[report]\ndir = \"rep\"\n",
    )
    .unwrap();
    let c = Config::load(&path).unwrap();
    assert_eq!(c.output, Some(dir.join("out")));
    assert_eq!(c.report_dir, Some(dir.join("rep")));
    // A member's directory finds the workspace's file.
    assert_eq!(Config::find(&dir.join("member/src")), Some(path.clone()));
    std::fs::write(&path, "[report]\nfail_on = 1\n").unwrap();
    let e = Config::load(&path).unwrap_err();
    assert_eq!(e.file, path.display().to_string());
    assert_eq!(e.line, 2);
    let missing = Config::load(&dir.join("none.toml")).unwrap_err();
    assert!(
        missing.message.starts_with("cannot read the file"),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Reading a FIFO would wait for a writer: it is refused unread, with an error naming it,
/// and so is the same FIFO found through `find`'s name.
#[cfg(unix)]
#[test]
fn a_fifo_is_refused_unread() {
    let dir = std::env::temp_dir().join(format!("iast-config-fifo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(FILE_NAME);
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let e = Config::load(&path).unwrap_err();
    assert_eq!(e.file, path.display().to_string());
    assert_eq!((e.line, e.key.as_deref()), (0, None));
    assert_eq!(
        e.message,
        "cannot read the file: not a regular file but a FIFO (named pipe)"
    );
    assert_ne!(Config::find(&dir), Some(path.clone()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn patterns_hide_their_groups_or_whole_match() {
    let c = Config::parse(
        "iast.toml",
        "[redaction]\npatterns = ['ssn=(\\d{3}-\\d{2}-\\d{4})', 'tok_[a-z]+']\n",
    )
    .unwrap();
    let text = b"q ssn=123-45-6789 and tok_abc \xff tok_def";
    let mut spans = Vec::new();
    c.pattern_spans(text, &mut spans);
    spans.sort_by_key(|r| r.start);
    let shown: Vec<&[u8]> = spans.iter().map(|r| &text[r.clone()]).collect();
    assert_eq!(shown, [&b"123-45-6789"[..], b"tok_abc", b"tok_def"]);
}

#[test]
fn the_check_budget_is_read_and_bounded() {
    let c = Config::parse("iast.toml", "[limits]\ncheck_budget = 2_000_000\n").unwrap();
    assert_eq!(c.check_budget, 2_000_000);
    assert_eq!(Config::default().check_budget, crate::work::DEFAULT_BUDGET);
    at(
        &err("[limits]\ncheck_budget = 10\n"),
        2,
        "limits.check_budget",
    );
    at(
        &err("[limits]\ncheck_budget = \"50ms\"\n"),
        2,
        "limits.check_budget",
    );
    at(&err("[limits]\nbudget = 1\n"), 2, "limits.budget");
}

#[test]
fn protect_mode_blocks_the_classes_set_to_block() {
    let c = Config::parse(
        "iast.toml",
        "[protect]\nsql = \"block\"\ncommand = \"report\"\npath = \"block\"\n",
    )
    .unwrap();
    let blocked: Vec<_> = c.block.iter().collect();
    assert_eq!(
        blocked,
        [Vulnerability::SqlInjection, Vulnerability::PathTraversal]
    );
    assert!(Config::default().block.is_empty());

    let e = err("[protect]\nsql = \"deny\"\n");
    at(&e, 2, "protect.sql");
    assert!(
        e.to_string().contains("expected \"block\" or \"report\""),
        "{e}"
    );
    // A response check is judged after the handler ran: nothing is left to refuse.
    let e = err("[protect]\ninsecure_cookie = \"block\"\n");
    at(&e, 2, "protect.insecure_cookie");
    assert!(!e.to_string().contains("insecure_cookie,"), "{e}");
}

#[test]
fn fleet_is_off_unless_configured_and_its_keys_are_checked() {
    let c = Config::parse("iast.toml", "").unwrap();
    assert_eq!(c.fleet, Fleet::default());
    assert!(!c.fleet.send && !c.fleet.trust);
    let c = Config::parse(
        "iast.toml",
        "[fleet]\nservice = \" gateway \"\nsend = true\ntrust = true\n",
    )
    .unwrap();
    assert_eq!(c.fleet.service.as_deref(), Some("gateway"));
    assert!(c.fleet.send && c.fleet.trust);

    let e = err("[fleet]\nsend = true\nforward = true\n");
    at(&e, 3, "fleet.forward");
    assert!(e.message.contains("service, send, trust"), "{e}");
    at(&err("[fleet]\nsend = \"yes\"\n"), 2, "fleet.send");
    at(&err("[fleet]\n\ntrust = 1\n"), 3, "fleet.trust");
    at(&err("[fleet]\nservice = \"\"\n"), 2, "fleet.service");
    at(
        &err("[fleet]\nservice = \"a\\u0007b\"\n"),
        2,
        "fleet.service",
    );
    let long = format!("[fleet]\nservice = \"{}\"\n", "s".repeat(65));
    at(&err(&long), 2, "fleet.service");
    let e = err("[fleets]\nsend = true\n");
    assert!(e.message.contains("fleet"), "{e}");
}
