use crate::analyzers::command::changes_structure;
use crate::analyzers::{Input, confidence_of};
use crate::vulnerability::Confidence::{self, Confirmed, Unsanitized};

fn c(template: &str, tainted: &str) -> Confidence {
    confidence_of(changes_structure, "command", template, tainted)
}

#[test]
fn hand_picked_payloads_are_confirmed() {
    assert_eq!(c("ping -c 1 {}", "; cat /etc/passwd"), Confirmed);
    assert_eq!(c("ping -c 1 {}", "| id"), Confirmed);
    assert_eq!(c("ping -c 1 {}", "&& reboot"), Confirmed);
    assert_eq!(c("ping -c 1 {}", "$(id)"), Confirmed);
    assert_eq!(c("ping -c 1 {}", "`id`"), Confirmed);
    assert_eq!(c("ping -c 1 {}", "\nid"), Confirmed);
    assert_eq!(c("ping -c 1 {}", "example.com&"), Confirmed);
    assert_eq!(c("grep '{}' /var/log/app.log", "' ; id ; '"), Confirmed);
    assert_eq!(c("grep \"{}\" /var/log/app.log", "\"; id; \""), Confirmed);
    assert_eq!(c("grep \"{}\" /var/log/app.log", "$(id)"), Confirmed);
    assert_eq!(c("grep \"{}\" /var/log/app.log", "`id`"), Confirmed);
    assert_eq!(c("ls {}", "*"), Confirmed);
    assert_eq!(c("ls /srv/{}", "?/x"), Confirmed);
    assert_eq!(c("ls /srv/{}", "[a-z]*"), Confirmed);
    assert_eq!(c("echo {}", ">/etc/passwd"), Confirmed);
    assert_eq!(c("echo {}", "x </etc/shadow"), Confirmed);
    assert_eq!(c("cat{}", "${IFS}/etc/passwd"), Confirmed);
    assert_eq!(c("echo {}", "$HOME"), Confirmed);
    assert_eq!(c("echo {}", "a (b)"), Confirmed);
}

#[test]
fn benign_values_are_unsanitized() {
    assert_eq!(c("ping -c 1 {}", "example.com"), Unsanitized);
    assert_eq!(c("cat \"/srv/files/{}\"", "report 2024.pdf"), Unsanitized);
    assert_eq!(c("cat '/srv/files/{}'", "report 2024.pdf"), Unsanitized);
    assert_eq!(c("head -n {} /var/log/app.log", "20"), Unsanitized);
    assert_eq!(
        c("mail -s hello '{}' < body.txt", "alice@example.com"),
        Unsanitized
    );
    assert_eq!(c("convert {} out.png", "in.jpg"), Unsanitized);
    assert_eq!(c("ls -l {} | wc -l", "notes.txt"), Unsanitized);
    // Metacharacters inside single quotes are literal.
    assert_eq!(
        c("echo '{}'", "a; b | c & $(d) `e` * ~ # \" \\"),
        Unsanitized
    );
    // Inside double quotes everything but `$`, backtick, `\` and `"` is literal.
    assert_eq!(c("echo \"{}\"", "a; b | c & * ~ # ' é"), Unsanitized);
    assert_eq!(c("echo \"{}\"", "C:\\Users\\me"), Unsanitized);
    assert_eq!(c("echo \"{}\"", "costs $ 5"), Unsanitized);
    // Not at the start of a word, `#` and `~` are plain bytes.
    assert_eq!(c("echo a{}", "#b~c"), Unsanitized);
    assert_eq!(c("echo a{}", "=b:c,d}e]f!g%h^i@j+k"), Unsanitized);
}

#[test]
fn the_command_word_is_confirmed() {
    assert_eq!(c("{} --version", "git"), Confirmed);
    assert_eq!(c("/usr/bin/{} -l", "ls"), Confirmed);
    assert_eq!(c("cd /tmp && {}", "make"), Confirmed);
    assert_eq!(c("if true; then {}; fi", "reboot"), Confirmed);
    assert_eq!(c("exec {}", "id"), Confirmed);
    assert_eq!(c("env -i PATH=/bin {} x", "id"), Confirmed);
    // An assignment's value is not the command word; its name is.
    assert_eq!(c("LANG={} sort data.txt", "C"), Unsanitized);
    assert_eq!(c("{}=C sort data.txt", "LANG"), Confirmed);
    // Taint that turns the command word into an assignment moves the command.
    assert_eq!(c("{} data.txt", "X=1 cat"), Confirmed);
}

#[test]
fn splitting_a_word_is_confirmed_but_outer_blanks_are_not() {
    assert_eq!(c("ping -c 1 {}", "a b"), Confirmed);
    assert_eq!(c("ping -c 1 {}", "a\tb"), Confirmed);
    assert_eq!(c("ping -c 1 pre{}post", " x "), Confirmed);
    assert_eq!(c("ping -c 1 {}", " example.com "), Unsanitized);
    assert_eq!(c("ping -c 1 {} -W 2", "example.com "), Unsanitized);
    // Escaped or quoted by the attacker, the blank stays inside the attacker's word.
    assert_eq!(c("cat {}", "my\\ file.txt"), Unsanitized);
    assert_eq!(c("cat {}", "'my file.txt'"), Unsanitized);
    assert_eq!(c("cat {}", "\"my file.txt\""), Unsanitized);
}

#[test]
fn quotes_and_backslashes_that_reach_the_programs_text_are_confirmed() {
    // The attacker's quote closes the program's.
    assert_eq!(c("echo '{}'", "it's"), Confirmed);
    assert_eq!(c("echo \"{}\"", "say \"hi\""), Confirmed);
    // An unbalanced quote swallows the rest of the program's line.
    assert_eq!(c("echo {} > out.txt", "O'Brien"), Confirmed);
    // A trailing backslash escapes the program's closing quote or separator.
    assert_eq!(c("echo \"{}\" > out.txt", "a\\"), Confirmed);
    assert_eq!(c("echo {} > out.txt", "a\\"), Confirmed);
    assert_eq!(c("echo \"{}\"", "\\$HOME"), Unsanitized);
    // Taint inside the program's quotes, with the program's backslash before it.
    assert_eq!(c("echo \\{}", ";id"), Unsanitized);
}

#[test]
fn comments_and_tilde_are_confirmed_at_word_start() {
    assert_eq!(c("rm -f {} /tmp/lock", "#"), Confirmed);
    assert_eq!(c("ls {}", "~root"), Confirmed);
    assert_eq!(c("ls {}", "~/.ssh"), Confirmed);
    assert_eq!(c("ls {}", "a{b,c}"), Confirmed);
    // Inside the program's comment nothing runs, until a line break.
    assert_eq!(c("true # {}", "; id"), Unsanitized);
    assert_eq!(c("true # {}", "x\nid"), Confirmed);
}

#[test]
fn option_injection_in_a_command_line_is_confirmed() {
    assert_eq!(c("curl {}", "-o/etc/x http://a"), Confirmed);
    assert_eq!(c("curl {}", "--output=/tmp/x"), Confirmed);
    // Quotes do not stop the program from reading an option.
    assert_eq!(c("ls '{}'", "-la"), Confirmed);
    assert_eq!(c("ls \"{}\"", "-la"), Confirmed);
    // After `--` nothing is an option; an option's value is the program's choice.
    assert_eq!(c("rm -- {}", "-rf"), Unsanitized);
    assert_eq!(c("git log --author={}", "-x"), Unsanitized);
    assert_eq!(c("ls {}", "a-b"), Unsanitized);
}

#[test]
fn the_programs_substitutions_are_read_as_command_lines() {
    assert_eq!(c("echo $(basename {})", "a.txt"), Unsanitized);
    assert_eq!(c("echo $(basename {})", "a); id; echo $(x"), Confirmed);
    assert_eq!(c("echo $(basename {})", "a; id"), Confirmed);
    assert_eq!(c("echo `basename {}`", "a.txt"), Unsanitized);
    assert_eq!(c("echo `basename {}`", "a; id"), Confirmed);
    assert_eq!(c("echo \"$(basename '{}')\"", "a b.txt"), Unsanitized);
    assert_eq!(c("echo \"$(basename '{}')\"", "a'; id; '"), Confirmed);
    // The shell evaluates parameter expansions and arithmetic.
    assert_eq!(c("echo ${X:-{}}", "a"), Confirmed);
    assert_eq!(c("echo $(({} + 1))", "2"), Confirmed);
    assert_eq!(c("echo $HOME/{}", "a.txt"), Unsanitized);
}

#[test]
fn eval_and_shell_scripts_are_read_again() {
    assert_eq!(c("sh -c 'echo {}'", "hello"), Unsanitized);
    assert_eq!(c("sh -c 'echo {}'", "hello; id"), Confirmed);
    assert_eq!(c("bash -ec \"grep {} log\"", "a; id"), Confirmed);
    // Quotes the attacker put around the attacker's own bytes only group them.
    assert_eq!(c("bash -ec \"grep {} log\"", "'a; id'"), Unsanitized);
    assert_eq!(
        c("/bin/bash -o pipefail -c 'grep {} log'", "a; id"),
        Confirmed
    );
    assert_eq!(
        c("/bin/bash -o pipefail -c 'grep {} log'", "error"),
        Unsanitized
    );
    assert_eq!(c("eval \"echo {}\"", "hello"), Unsanitized);
    assert_eq!(c("eval echo '{}'", "x; id"), Confirmed);
    assert_eq!(c("eval echo \\\"{}\\\"", "$(id)"), Confirmed);
    // Without `-c` the operand is a script file to run.
    assert_eq!(c("sh {}", "script.sh"), Confirmed);
    // An argument after the script is a positional parameter.
    assert_eq!(c("sh -c 'echo \"$1\"' sh '{}'", "a; id"), Unsanitized);
}

#[test]
fn here_documents() {
    assert_eq!(c("cat <<EOF\n{}\nEOF\n", "hello; world"), Unsanitized);
    assert_eq!(c("cat <<EOF\n{}\nEOF\n", "x\nEOF\nid"), Confirmed);
    assert_eq!(c("cat <<EOF\n{}\nEOF\n", "$(id)"), Confirmed);
    assert_eq!(c("cat <<'EOF'\n{}\nEOF\n", "$(id) `id`"), Unsanitized);
    assert_eq!(c("cat <<-EOF\n\t{}\n\tEOF\nls", "a\n\tEOF\nid"), Confirmed);
    assert_eq!(
        c("cat <<EOF > out.txt\n{}\nEOF\nls", "two\nlines"),
        Unsanitized
    );
}

#[test]
fn redirections_and_io_numbers() {
    assert_eq!(c("sort > {}", "out.txt"), Unsanitized);
    assert_eq!(c("echo {}>/tmp/log", "2"), Confirmed);
    assert_eq!(c("echo {} >/tmp/log", "2"), Unsanitized);
    assert_eq!(c("cmd 2>&1 | tee {}", "log.txt"), Unsanitized);
}

#[test]
fn bash_extensions() {
    assert_eq!(c("echo $'{}'", "abc"), Unsanitized);
    assert_eq!(c("echo $'{}'", "\\x27; id"), Confirmed);
    assert_eq!(c("diff <(sort {}) b.txt", "a.txt"), Unsanitized);
    assert_eq!(c("echo {}", "x &>/tmp/y"), Confirmed);
    assert_eq!(c("echo {}", "x |& id"), Confirmed);
}

#[test]
fn never_panics_and_stays_fast() {
    let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
    let mut next = move || rng.next();
    let alphabet = b"ab ;|&()<>'\"\\$`{}[]*?~#=-\n\t\0\xc3\xff2";
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let text: Vec<u8> = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let a = (next() % 26) as usize;
        let b = (next() % 26) as usize;
        let ranges = [a.min(b)..a.max(b) + 1, b..a];
        let input = Input {
            text: &text,
            tainted: &ranges,
            argument: "command",
        };
        let _ = changes_structure(&input);
    }
    // Deep nesting the program wrote, with taint at the bottom.
    let deep = format!("{}x{}", "$(".repeat(50_000), ")".repeat(50_000));
    let at = 2 * 50_000;
    let range = at..at + 1;
    let input = Input {
        text: deep.as_bytes(),
        tainted: std::slice::from_ref(&range),
        argument: "command",
    };
    assert!(changes_structure(&input));
    let deep = format!("{}x{}", "`".repeat(50_000), "`".repeat(50_000));
    let _ = changes_structure(&Input {
        text: deep.as_bytes(),
        tainted: std::slice::from_ref(&range),
        argument: "command",
    });
    let long = format!("grep '{}' log", "a b; c".repeat(300_000));
    let range = 6..long.len() - 5;
    let input = Input {
        text: long.as_bytes(),
        tainted: std::slice::from_ref(&range),
        argument: "command",
    };
    assert!(!changes_structure(&input));
}
