//! The std and tokio sinks on real processes and real files: findings come out as the
//! analyzers say, and every checked call returns what the unchecked one does.

use iast::{Confidence, Finding, Report, Vulnerability};
use iast_sinks::fs;
use iast_sinks::process::CommandExt;
use iast_sinks::sanitize::is_path_component;
use std::process::Command;

#[iast::source(origin = "test.attacker")]
fn attacker(value: &str) -> String {
    value.to_owned()
}

/// The only finding of the report, which must be of `class`.
#[track_caller]
fn only(report: &Report, class: Vulnerability) -> &Finding {
    assert_eq!(report.findings().len(), 1, "{report}");
    let finding = &report.findings()[0];
    assert_eq!(finding.vulnerability(), class, "{report}");
    finding
}

#[track_caller]
fn assert_finding(
    report: &Report,
    class: Vulnerability,
    confidence: Confidence,
    sink: &str,
    argument: &str,
    tainted: &str,
) {
    let finding = only(report, class);
    assert_eq!(finding.confidence(), confidence, "{report}");
    assert_eq!(finding.sink().function(), sink, "{report}");
    assert_eq!(finding.evidence().argument, argument, "{report}");
    assert!(
        finding.evidence().tainted_text().any(|t| t == tainted),
        "{tainted:?} not marked in {report}"
    );
}

const COMMAND_SINK: &str = "iast_sinks::process::check_command";

/// A directory `public` to serve from, next to a file `secret` it must not reach.
fn layout() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret"), "the secret").unwrap();
    let public = dir.path().join("public");
    std::fs::create_dir(&public).unwrap();
    std::fs::write(public.join("notes-2024.txt"), "public notes").unwrap();
    (dir, public)
}

#[test]
fn a_tainted_shell_script_is_confirmed_and_runs_as_std_does() {
    let mut output = None;
    let report = iast::check(|| {
        let input = attacker("hello; echo injected");
        let script = format!("echo {input}");
        output = Some(
            Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output_checked()
                .unwrap(),
        );
    });
    assert_finding(
        &report,
        Vulnerability::CommandInjection,
        Confidence::Confirmed,
        COMMAND_SINK,
        "script",
        "hello; echo injected",
    );
    let expected = Command::new("sh")
        .args(["-c", "echo hello; echo injected"])
        .output()
        .unwrap();
    assert_eq!(output.unwrap(), expected);
}

#[test]
fn a_tainted_plain_argument_is_data() {
    let mut output = None;
    let report = iast::check(|| {
        let input = attacker("hello; $(id) world");
        output = Some(Command::new("echo").arg(&input).output_checked().unwrap());
    });
    iast::assert_no_findings!(report);
    assert!(
        report
            .sinks_reached()
            .iter()
            .any(|s| s.function() == COMMAND_SINK)
    );
    assert_eq!(output.unwrap().stdout, b"hello; $(id) world\n");
}

#[test]
fn a_tainted_option_is_confirmed() {
    let report = iast::check(|| {
        let input = attacker("-n-injected-option");
        Command::new("echo").arg(&input).status_checked().unwrap();
    });
    assert_finding(
        &report,
        Vulnerability::CommandInjection,
        Confidence::Confirmed,
        COMMAND_SINK,
        "args",
        "-n-injected-option",
    );
}

#[test]
fn positional_parameters_of_a_shell_script_are_argv_elements() {
    let mut output = None;
    let report = iast::check(|| {
        let input = attacker("hello; echo injected");
        output = Some(
            Command::new("sh")
                .args(["-c", r#"echo "$1""#, "name"])
                .arg(&input)
                .output_checked()
                .unwrap(),
        );
    });
    // Data for the script, which quotes it: no shell parses it.
    iast::assert_no_findings!(report);
    assert_eq!(output.unwrap().stdout, b"hello; echo injected\n");
}

#[test]
fn a_tainted_program_is_confirmed() {
    let mut status = None;
    let report = iast::check(|| {
        let program = attacker("/bin/echo");
        let mut child = Command::new(&program).arg("hi").spawn_checked().unwrap();
        status = Some(child.wait().unwrap());
    });
    assert_finding(
        &report,
        Vulnerability::CommandInjection,
        Confidence::Confirmed,
        COMMAND_SINK,
        "program",
        "/bin/echo",
    );
    assert!(status.unwrap().success());
}

#[test]
fn untainted_commands_are_clean() {
    let report = iast::check(|| {
        let status = Command::new("sh")
            .args(["-c", "exit 3"])
            .status_checked()
            .unwrap();
        assert_eq!(status.code(), Some(3));
    });
    iast::assert_no_findings!(report);
    assert!(
        report
            .sinks_reached()
            .iter()
            .any(|s| s.function() == COMMAND_SINK)
    );
}

#[test]
fn a_climbing_path_is_confirmed_and_reads_what_std_reads() {
    let (_dir, public) = layout();
    let mut text = None;
    let report = iast::check(|| {
        let name = attacker("../secret");
        text = Some(fs::read_to_string(public.join(&name)).unwrap());
    });
    assert_finding(
        &report,
        Vulnerability::PathTraversal,
        Confidence::Confirmed,
        "iast_sinks::fs::check::read_to_string",
        "path",
        "../secret",
    );
    let expected = std::fs::read_to_string(public.join("../secret")).unwrap();
    assert_eq!(text.unwrap(), expected);
}

#[test]
fn a_plain_file_name_is_unsanitized() {
    let (_dir, public) = layout();
    let mut bytes = None;
    let report = iast::check(|| {
        let name = attacker("notes-2024.txt");
        bytes = Some(fs::read(public.join(&name)).unwrap());
    });
    assert_finding(
        &report,
        Vulnerability::PathTraversal,
        Confidence::Unsanitized,
        "iast_sinks::fs::check::read",
        "path",
        "notes-2024.txt",
    );
    assert_eq!(bytes.unwrap(), b"public notes");
}

#[test]
fn a_validated_file_name_is_clean() {
    let (_dir, public) = layout();
    let report = iast::check(|| {
        let name = attacker("notes-2024.txt");
        assert!(is_path_component(&name));
        assert_eq!(
            fs::read_to_string(public.join(&name)).unwrap(),
            "public notes"
        );
        let climbing = attacker("../secret");
        assert!(!is_path_component(&climbing));
    });
    iast::assert_no_findings!(report);
}

#[test]
fn every_fs_function_checks_and_does_what_std_does() {
    let (_dir, public) = layout();
    let report = iast::check(|| {
        let name = attacker("uploaded-file");
        let path = public.join(&name);
        fs::write(&path, "first").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        {
            use std::io::{Read, Write};
            let mut file = fs::create(&path).unwrap();
            file.write_all(b"second").unwrap();
            drop(file);
            let mut text = String::new();
            fs::open(&path).unwrap().read_to_string(&mut text).unwrap();
            assert_eq!(text, "second");
        }
        assert_eq!(fs::metadata(&path).unwrap().len(), 6);
        let copied = public.join(format!("{name}.copy"));
        assert_eq!(fs::copy(&path, &copied).unwrap(), 6);
        let moved = public.join(format!("{name}.moved"));
        fs::rename(&copied, &moved).unwrap();
        assert!(!copied.exists() && moved.exists());
        fs::remove_file(&moved).unwrap();
        let nested = public.join(&name).with_extension("d").join("a/b");
        fs::create_dir_all(&nested).unwrap();
        assert!(nested.is_dir());
        let listed: Vec<_> = fs::read_dir(&public)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(listed.len(), 3, "{listed:?}");
        fs::remove_dir_all(public.join(&name).with_extension("d")).unwrap();
        assert!(!public.join("uploaded-file.d").exists());
    });
    let reached = reached_fs_checkers(&report);
    let expected = [
        "copy",
        "create",
        "create_dir_all",
        "metadata",
        "open",
        "remove_dir_all",
        "remove_file",
        "rename",
        "write",
    ];
    assert_eq!(reached, expected, "{report}");
    // `read_dir` got the untainted base only.
    assert!(
        report
            .sinks_reached()
            .iter()
            .any(|s| s.function() == "iast_sinks::fs::check::read_dir")
    );
}

#[test]
fn copy_and_rename_check_both_paths() {
    let (_dir, public) = layout();
    let plain = public.join("notes-2024.txt");
    for (from_tainted, op) in [
        (true, "copy"),
        (false, "copy"),
        (true, "rename"),
        (false, "rename"),
    ] {
        let report = iast::check(|| {
            let tainted = public.join(attacker("../secret"));
            let (from, to) = if from_tainted {
                (tainted, public.join("copy-of-secret"))
            } else {
                (plain.clone(), tainted)
            };
            if op == "copy" {
                assert_eq!(
                    fs::copy(&from, &to).unwrap(),
                    std::fs::metadata(&from).unwrap().len()
                );
            } else {
                fs::rename(&from, &to).unwrap();
                std::fs::rename(&to, &from).unwrap();
            }
        });
        let argument = if from_tainted { "from" } else { "to" };
        assert_finding(
            &report,
            Vulnerability::PathTraversal,
            Confidence::Confirmed,
            &format!("iast_sinks::fs::check::{op}"),
            argument,
            "../secret",
        );
    }
}

#[test]
fn errors_are_returned_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let checked = fs::read_to_string(&missing).unwrap_err();
    let plain = std::fs::read_to_string(&missing).unwrap_err();
    assert_eq!(checked.kind(), plain.kind());
    assert_eq!(checked.raw_os_error(), plain.raw_os_error());
    let checked = Command::new(dir.path().join("no-such-program"))
        .output_checked()
        .unwrap_err();
    assert_eq!(checked.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn the_registry_lists_the_checkers() {
    let registry = iast::registry();
    let sinks: Vec<&str> = registry.sinks().map(|s| s.function()).collect();
    assert!(sinks.contains(&COMMAND_SINK), "{sinks:?}");
    for op in [
        "open",
        "create",
        "read",
        "read_to_string",
        "write",
        "read_dir",
        "remove_file",
        "remove_dir_all",
        "create_dir_all",
        "copy",
        "rename",
        "metadata",
    ] {
        let name = format!("iast_sinks::fs::check::{op}");
        assert!(sinks.contains(&name.as_str()), "{name} in {sinks:?}");
    }
    let command = registry
        .sinks()
        .find(|s| s.function() == COMMAND_SINK)
        .unwrap();
    assert!(command.is_sink_for(Vulnerability::CommandInjection));
    assert!(!command.is_sink_for(Vulnerability::PathTraversal));
    let validators: Vec<&str> = registry.validators().map(|s| s.function()).collect();
    assert!(validators.contains(&"iast_sinks::sanitize::is_path_component"));
}

#[cfg(feature = "tokio")]
mod tokio_twins {
    use super::*;
    use iast_sinks::process::TokioCommandExt;

    #[tokio::test]
    async fn a_tainted_shell_script_is_confirmed() {
        let report = iast::check_async(async {
            let input = attacker("hello; echo injected");
            let output = tokio::process::Command::new("sh")
                .arg("-c")
                .arg(format!("echo {input}"))
                .output_checked()
                .await
                .unwrap();
            assert_eq!(output.stdout, b"hello\ninjected\n");
        })
        .await;
        assert_finding(
            &report,
            Vulnerability::CommandInjection,
            Confidence::Confirmed,
            COMMAND_SINK,
            "script",
            "hello; echo injected",
        );
    }

    #[tokio::test]
    async fn status_checks_arguments() {
        let report = iast::check_async(async {
            let input = attacker("plain words here");
            let status = tokio::process::Command::new("echo")
                .arg(&input)
                .status_checked()
                .await
                .unwrap();
            assert!(status.success());
        })
        .await;
        iast::assert_no_findings!(report);
        assert!(
            report
                .sinks_reached()
                .iter()
                .any(|s| s.function() == COMMAND_SINK)
        );
    }

    #[tokio::test]
    async fn spawn_checks_the_program() {
        let report = iast::check_async(async {
            let program = attacker("/bin/echo");
            let status = tokio::process::Command::new(&program)
                .spawn_checked()
                .unwrap()
                .wait()
                .await
                .unwrap();
            assert!(status.success());
        })
        .await;
        assert_finding(
            &report,
            Vulnerability::CommandInjection,
            Confidence::Confirmed,
            COMMAND_SINK,
            "program",
            "/bin/echo",
        );
    }

    #[tokio::test]
    async fn a_climbing_path_is_confirmed() {
        let (_dir, public) = layout();
        let report = iast::check_async(async {
            let name = attacker("../secret");
            let text = fs::tokio::read_to_string(public.join(&name)).await.unwrap();
            assert_eq!(text, "the secret");
        })
        .await;
        assert_finding(
            &report,
            Vulnerability::PathTraversal,
            Confidence::Confirmed,
            "iast_sinks::fs::check::read_to_string",
            "path",
            "../secret",
        );
    }

    #[test]
    fn the_fs_twins_check_when_called() {
        let (_dir, public) = layout();
        let report = iast::check(|| {
            let name = attacker("../secret");
            // Never polled, and no runtime: the check ran when the future was made.
            drop(fs::tokio::read(public.join(&name)));
        });
        assert_finding(
            &report,
            Vulnerability::PathTraversal,
            Confidence::Confirmed,
            "iast_sinks::fs::check::read",
            "path",
            "../secret",
        );
    }

    #[tokio::test]
    async fn a_validated_file_name_is_clean() {
        let (_dir, public) = layout();
        let report = iast::check_async(async {
            let name = attacker("notes-2024.txt");
            assert!(is_path_component(&name));
            let bytes = fs::tokio::read(public.join(&name)).await.unwrap();
            assert_eq!(bytes, b"public notes");
        })
        .await;
        iast::assert_no_findings!(report);
    }

    #[tokio::test]
    async fn every_fs_twin_checks_and_does_what_tokio_does() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (_dir, public) = layout();
        let report = iast::check_async(async {
            let name = attacker("uploaded-file");
            let path = public.join(&name);
            fs::tokio::write(&path, "first").await.unwrap();
            assert_eq!(fs::tokio::read_to_string(&path).await.unwrap(), "first");
            let mut file = fs::tokio::create(&path).await.unwrap();
            file.write_all(b"second").await.unwrap();
            file.flush().await.unwrap();
            drop(file);
            let mut text = String::new();
            fs::tokio::open(&path)
                .await
                .unwrap()
                .read_to_string(&mut text)
                .await
                .unwrap();
            assert_eq!(text, "second");
            assert_eq!(fs::tokio::metadata(&path).await.unwrap().len(), 6);
            let copied = public.join(format!("{name}.copy"));
            assert_eq!(fs::tokio::copy(&path, &copied).await.unwrap(), 6);
            let moved = public.join(format!("{name}.moved"));
            fs::tokio::rename(&copied, &moved).await.unwrap();
            fs::tokio::remove_file(&moved).await.unwrap();
            let nested = public.join(format!("{name}.d")).join("a");
            fs::tokio::create_dir_all(&nested).await.unwrap();
            let mut entries = fs::tokio::read_dir(&public).await.unwrap();
            let mut count = 0;
            while entries.next_entry().await.unwrap().is_some() {
                count += 1;
            }
            assert_eq!(count, 3);
            fs::tokio::remove_dir_all(public.join(format!("{name}.d")))
                .await
                .unwrap();
            assert!(!nested.exists());
        })
        .await;
        let reached = reached_fs_checkers(&report);
        let expected = [
            "copy",
            "create",
            "create_dir_all",
            "metadata",
            "open",
            "read_to_string",
            "remove_dir_all",
            "remove_file",
            "rename",
            "write",
        ];
        assert_eq!(reached, expected, "{report}");
    }
}

/// The fs checkers that reported path traversal in `report`, sorted; every finding must be
/// an unsanitized flow (plain names under the base).
fn reached_fs_checkers(report: &iast::Report) -> Vec<&str> {
    let mut reached: Vec<&str> = report
        .of(Vulnerability::PathTraversal)
        .map(|f| {
            assert_eq!(f.confidence(), Confidence::Unsanitized, "{report}");
            f.sink()
                .function()
                .strip_prefix("iast_sinks::fs::check::")
                .unwrap()
        })
        .collect();
    reached.sort_unstable();
    reached
}
