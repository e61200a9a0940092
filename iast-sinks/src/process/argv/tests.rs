use super::*;
use Role::{Arg, Code, Operand, Program, Script, Setting};

/// The roles of the elements after the program in `command`.
#[track_caller]
fn reads(command: &[&str], expected: &[Role]) {
    let (program, args) = command.split_first().expect("a program");
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    assert_eq!(roles(OsStr::new(program), &args), expected, "{command:?}");
}

#[test]
fn other_programs_get_the_generic_reading() {
    reads(&["printf", "%s", "a; rm -rf /"], &[Arg, Arg]);
    reads(
        &["ls", "-l", "--", "-la", "x"],
        &[Arg, Arg, Operand, Operand],
    );
    reads(&["echo", "-c", "x"], &[Arg, Arg]);
    reads(&["/bin/shx", "-c", "x"], &[Arg, Arg]);
    reads(&["convert", "in.png", "out.png"], &[Arg, Arg]);
}

#[test]
fn posix_shells_take_the_operand_after_c() {
    reads(&["sh", "-c", "echo hi"], &[Arg, Script]);
    reads(
        &["/bin/bash", "-ec", "echo $1", "name", "arg"],
        &[Arg, Script, Arg, Arg],
    );
    reads(&["zsh", "-c", "-x", "--", "ls"], &[Arg, Arg, Arg, Script]);
    reads(
        &["bash", "-o", "pipefail", "-c", "a | b"],
        &[Arg, Arg, Arg, Script],
    );
    reads(&["bash", "--norc", "-lc", "id"], &[Arg, Arg, Script]);
    reads(
        &["bash", "--rcfile", "rc", "-c", "id"],
        &[Arg, Program, Arg, Script],
    );
    // `--` after the script is `$1`, not an end of options for the commands that read it.
    reads(
        &["sh", "-c", "ls \"$1\"", "sh", "--", "-la"],
        &[Arg, Script, Arg, Arg, Arg],
    );
}

#[test]
fn a_shell_without_c_runs_a_script_file() {
    reads(&["sh", "run.sh", "-c"], &[Program, Arg]);
    reads(&["sh", "-c"], &[Arg]);
    reads(&["sh", "-e", "x"], &[Arg, Program]);
    reads(&["bash", "-s", "x"], &[Arg, Arg]);
}

#[test]
fn cmd_and_powershell() {
    reads(
        &[r"C:\Windows\System32\CMD.EXE", "/Q", "/C", "dir", "x"],
        &[Arg, Arg, Script, Script],
    );
    reads(
        &["pwsh", "-NoProfile", "-Command", "Get-Item", "x"],
        &[Arg, Arg, Script, Script],
    );
    reads(&["powershell.exe", "-c", "ls"], &[Arg, Script]);
    reads(&["powershell", "-File", "a.ps1", "x"], &[Arg, Program, Arg]);
    reads(
        &["pwsh", "-EncodedCommand", "ZQBjAGgAbwA=", "-NoLogo"],
        &[Arg, Script, Arg],
    );
    reads(&["pwsh", "script.ps1"], &[Script]);
}

#[test]
fn interpreters_take_code_and_script_files() {
    reads(
        &["python3", "-c", "print(1)", "a", "--", "b"],
        &[Arg, Code, Arg, Arg, Operand],
    );
    reads(&["python3.12", "-Bc", "x"], &[Arg, Code]);
    reads(&["/usr/bin/python", "-cx"], &[Code]);
    reads(
        &["python3", "-m", "http.server", "8000"],
        &[Arg, Program, Arg],
    );
    reads(
        &["python3", "-W", "ignore", "app.py", "-v"],
        &[Arg, Operand, Program, Arg],
    );
    reads(&["python3", "-", "x"], &[Arg, Arg]);
    reads(&["python3", "--", "app.py"], &[Arg, Program]);

    reads(&["perl", "-lne", "print if /x/", "file"], &[Arg, Code, Arg]);
    reads(&["perl", "-e", "a", "-E", "b"], &[Arg, Code, Arg, Code]);
    reads(&["perl", "-MPOSIX=strftime", "-e", "x"], &[Code, Arg, Code]);
    reads(
        &["perl", "-i.bak", "-pe", "s/a/b/", "f"],
        &[Arg, Arg, Code, Arg],
    );
    // `-i` takes the rest of its element: `-ie` has the extension `e`, then a script file.
    reads(&["perl", "-ie", "code"], &[Arg, Program]);
    reads(&["perl5.36", "script.pl", "x"], &[Program, Arg]);

    reads(&["ruby", "-rjson", "-e", "x"], &[Program, Arg, Code]);
    reads(&["ruby", "app.rb", "-v"], &[Program, Arg]);

    reads(&["node", "-e", "x"], &[Arg, Code]);
    reads(&["node", "--eval=x"], &[Code]);
    reads(&["nodejs", "-pe", "x"], &[Arg, Code]);
    reads(&["node", "-p", "x"], &[Arg, Program]);
    reads(
        &["node", "--require", "m", "app.js", "--port", "1"],
        &[Arg, Program, Program, Arg, Arg],
    );

    reads(&["php", "-r", "echo 1;"], &[Arg, Code]);
    reads(
        &[
            "php8.2",
            "-d",
            "auto_prepend_file=/x",
            "-d",
            "memory_limit=1G",
            "a.php",
        ],
        &[Arg, Script, Arg, Setting, Program],
    );
    reads(&["lua5.4", "-e", "x"], &[Arg, Code]);
    reads(&["Rscript", "-e", "x"], &[Arg, Code]);
}

#[test]
fn awk_and_sed_programs_are_code() {
    reads(
        &["awk", "-F:", "{print $1}", "/etc/passwd"],
        &[Arg, Code, Arg],
    );
    reads(
        &["gawk", "-v", "x=1", "-f", "prog.awk", "data"],
        &[Arg, Setting, Arg, Program, Arg],
    );
    reads(&["mawk", "--", "{print}", "-"], &[Arg, Code, Arg]);

    reads(&["sed", "-n", "s/a/b/p", "f"], &[Arg, Code, Arg]);
    reads(&["sed", "-e", "s/a/b/", "f"], &[Arg, Code, Arg]);
    // GNU sed reads options among the operands: `-e` gives the script, `f` is a file.
    reads(&["sed", "f", "-e", "x"], &[Arg, Arg, Code]);
    reads(&["sed", "-i", "s/a/b/", "f"], &[Arg, Code, Arg]);
    reads(&["sed", "--expression=x"], &[Code]);
    reads(&["sed", "-f", "script.sed", "in"], &[Arg, Program, Arg]);
}

#[test]
fn wrappers_run_their_command_by_its_own_rules() {
    reads(
        &[
            "find", ".", "-name", "*.txt", "-exec", "grep", "-l", "x", "{}", ";", "-print",
        ],
        &[Arg, Arg, Arg, Arg, Program, Arg, Arg, Arg, Arg, Arg],
    );
    reads(
        &["find", ".", "-execdir", "sh", "-c", "x", "{}", "+"],
        &[Arg, Arg, Program, Arg, Script, Arg, Arg],
    );
    reads(&["find", ".", "-exec", "x"], &[Arg, Arg, Program]);
    reads(&["find", ".", "-exec", ";"], &[Arg, Arg, Arg]);

    reads(
        &["xargs", "-0", "-n", "1", "printf", "%s"],
        &[Arg, Arg, Operand, Program, Arg],
    );
    reads(
        &["xargs", "-I{}", "sh", "-c", "echo {}"],
        &[Arg, Program, Arg, Script],
    );

    reads(
        &["env", "-i", "PATH=/bin", "LANG=C", "cmd", "x"],
        &[Arg, Script, Setting, Program, Arg],
    );
    reads(&["env", "-", "A=1", "cmd"], &[Arg, Setting, Program]);
    reads(&["env", "-S", "cmd a b"], &[Arg, Script]);
    reads(&["env", "python3", "-c", "x"], &[Program, Arg, Code]);
    reads(&["env", "--", "cmd"], &[Arg, Program]);
    // Options end at the first operand: `-i` is the command.
    reads(&["env", "A=1", "-i"], &[Setting, Program]);

    reads(
        &["sudo", "-u", "www", "-E", "LD_PRELOAD=x", "cmd", "-x"],
        &[Arg, Operand, Arg, Script, Program, Arg],
    );
    reads(&["sudo", "-e", "/etc/hosts"], &[Arg, Arg]);
    reads(&["sudo", "-c", "class", "cmd"], &[Arg, Operand, Program]);
    reads(&["doas", "-u", "root", "id"], &[Arg, Operand, Program]);
    reads(&["nice", "-n", "10", "cmd"], &[Arg, Operand, Program]);
    reads(
        &["timeout", "-s", "KILL", "5", "cmd", "x"],
        &[Arg, Operand, Arg, Program, Arg],
    );
    reads(&["nohup", "cmd"], &[Program]);
    reads(&["setsid", "-f", "cmd"], &[Arg, Program]);
    reads(&["stdbuf", "-oL", "cmd"], &[Arg, Program]);
    reads(&["time", "-f", "%e", "cmd"], &[Arg, Operand, Program]);
    reads(&["ionice", "-c", "3", "cmd"], &[Arg, Operand, Program]);
    reads(&["chroot", "/srv/root", "cmd"], &[Program, Program]);
    reads(&["flock", "/tmp/l", "-c", "x"], &[Arg, Arg, Script]);
    reads(
        &["flock", "-w", "5", "/tmp/l", "cmd", "a"],
        &[Arg, Operand, Arg, Program, Arg],
    );
    reads(&["su", "-c", "x", "bob"], &[Arg, Script, Arg]);
    reads(&["su", "-", "bob", "-c", "x"], &[Arg, Arg, Arg, Script]);
    reads(&["su", "bob", "script.sh"], &[Arg, Program]);
    reads(
        &["runuser", "-u", "bob", "cmd", "x"],
        &[Arg, Operand, Program, Arg],
    );
    reads(
        &["watch", "-n", "1", "ls", "-l"],
        &[Arg, Operand, Script, Script],
    );
    reads(&["watch", "-x", "ls", "-l"], &[Arg, Program, Arg]);
    reads(&["busybox", "sh", "-c", "x"], &[Program, Arg, Script]);
    reads(&["busybox", "--list"], &[Arg]);
    reads(
        &["env", "nice", "sudo", "sh", "-c", "x"],
        &[Program, Program, Program, Arg, Script],
    );
}

#[test]
fn ssh_runs_a_remote_command_line() {
    reads(
        &["ssh", "-p", "22", "host", "ls", "-l"],
        &[Arg, Operand, Arg, Script, Script],
    );
    reads(
        &["ssh", "host", "-o", "User=x", "uptime"],
        &[Arg, Arg, Setting, Script],
    );
    reads(&["ssh", "-oProxyCommand=nc %h %p", "host"], &[Script, Arg]);
    reads(
        &["ssh", "-o", "proxycommand nc", "host"],
        &[Arg, Script, Arg],
    );
    reads(&["ssh", "-F", "cfg", "host"], &[Arg, Program, Arg]);
    reads(&["ssh", "--", "host", "ls"], &[Arg, Operand, Script]);
}

#[test]
fn git_settings_and_command_options() {
    reads(
        &["git", "-c", "user.name=x", "commit", "-m", "msg"],
        &[Arg, Setting, Program, Arg, Arg],
    );
    reads(
        &["git", "-c", "core.sshCommand=ssh -i k", "fetch"],
        &[Arg, Script, Program],
    );
    reads(&["git", "-c", "alias.x=!sh", "x"], &[Arg, Script, Program]);
    reads(
        &["git", "clone", "--upload-pack=x", "url", "dir"],
        &[Program, Script, Arg, Arg],
    );
    reads(
        &["git", "clone", "-u", "x", "url"],
        &[Program, Arg, Script, Arg],
    );
    reads(
        &["git", "clone", "--config", "filter.a.smudge=x", "url"],
        &[Program, Arg, Script, Arg],
    );
    // `fetch -u` is `--update-head-ok`, a flag.
    reads(&["git", "fetch", "-u", "origin"], &[Program, Arg, Arg]);
    reads(&["git", "fetch", "--upload", "x"], &[Program, Arg, Script]);
    reads(&["git", "log", "--", "-x"], &[Program, Arg, Operand]);
    reads(
        &["git", "config", "core.pager", "less"],
        &[Program, Setting, Script],
    );
    reads(
        &["git", "config", "set", "user.name", "x"],
        &[Program, Operand, Setting, Operand],
    );
    reads(
        &["git", "rebase", "-x", "make test", "main"],
        &[Program, Arg, Script, Arg],
    );
    reads(&["git", "grep", "-Ovim", "x"], &[Program, Script, Arg]);
    reads(
        &["git", "submodule", "foreach", "--recursive", "git", "pull"],
        &[Program, Arg, Arg, Script, Script],
    );
    reads(
        &["git", "bisect", "run", "make", "test"],
        &[Program, Arg, Program, Arg],
    );
    reads(
        &["git", "--exec-path=/tmp/x", "status"],
        &[Program, Program],
    );
    reads(&["git", "-C", "repo", "status"], &[Arg, Operand, Program]);
    reads(
        &["git", "--config-env=core.pager=PAGER_CMD", "log"],
        &[Script, Program],
    );
    reads(
        &["git", "--config-env", "user.name=NAME", "log"],
        &[Arg, Setting, Program],
    );
}

#[test]
fn tar_rsync_and_zip_options_that_run_commands() {
    reads(
        &["tar", "-cf", "out.tar", "--to-command=x", "d"],
        &[Arg, Operand, Script, Arg],
    );
    reads(
        &[
            "tar",
            "czf",
            "out.tgz",
            "--checkpoint=1",
            "--checkpoint-action=exec=sh x",
            "dir",
        ],
        &[Arg, Operand, Arg, Script, Arg],
    );
    reads(&["tar", "xfI", "a.tar", "zstd -d"], &[Arg, Operand, Script]);
    reads(
        &["tar", "-I", "zstd", "-xf", "a"],
        &[Arg, Script, Arg, Operand],
    );
    reads(
        &["tar", "cf", "-", "--", "-x"],
        &[Arg, Operand, Arg, Operand],
    );
    reads(
        &["tar", "cf", "a.tar", "--to-comm", "x"],
        &[Arg, Operand, Arg, Script],
    );

    reads(
        &["rsync", "-az", "-e", "ssh -p 2222", "src", "host:dst"],
        &[Arg, Arg, Script, Arg, Arg],
    );
    reads(
        &["rsync", "--rsync-path=sudo rsync", "a", "b"],
        &[Script, Arg, Arg],
    );
    reads(&["rsync", "-M", "--x", "a", "b"], &[Arg, Arg, Arg, Arg]);

    reads(
        &["zip", "-T", "-TT", "unzip -t", "a.zip", "f"],
        &[Arg, Arg, Script, Arg, Arg],
    );
    reads(&["zip", "--unzip-command=x", "a.zip"], &[Script, Arg]);
}

#[test]
fn deep_nesting_is_bounded() {
    let mut command = vec!["env"; 100];
    command.push("x");
    let program = OsStr::new(command[0]);
    let args: Vec<&OsStr> = command[1..].iter().map(OsStr::new).collect();
    let roles = roles(program, &args);
    assert_eq!(roles.len(), args.len());
    assert!(roles.iter().all(|r| *r == Program), "{roles:?}");
}

#[test]
fn never_panics() {
    let programs = [
        "sh", "cmd", "pwsh", "python", "perl", "ruby", "node", "php", "lua", "rscript", "awk",
        "sed", "find", "xargs", "env", "sudo", "doas", "nice", "nohup", "stdbuf", "time", "ionice",
        "timeout", "chroot", "flock", "su", "watch", "ssh", "git", "tar", "rsync", "zip",
        "busybox", "ls",
    ];
    let pieces = [
        "-",
        "--",
        "-c",
        "-e",
        "",
        ";",
        "{}",
        "+",
        "-x",
        "a=b",
        "-oX=y",
        "--to-command",
        "-TT",
        "-u",
        "config",
        "foreach",
        "run",
        "-exec",
        "/c",
        "\u{e9}",
        "--=",
    ];
    for program in programs {
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let args = [a, b, c].map(OsStr::new);
                    for n in 0..=3 {
                        let got = roles(OsStr::new(program), &args[..n]);
                        assert_eq!(got.len(), n);
                    }
                }
            }
        }
    }
}
