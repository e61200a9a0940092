use super::*;
use crate::analyzers::{as_confidence, confidence_of};
use crate::vulnerability::Confidence::{self, Confirmed, Unsanitized};

fn c(template: &str, tainted: &str) -> Confidence {
    confidence_of(changes_structure, "code", template, tainted)
}

fn raw(text: &[u8], tainted: &[Range<usize>]) -> Confidence {
    as_confidence(changes_structure(&Input {
        text,
        tainted,
        argument: "code",
    }))
}

fn one(text: &[u8], tainted: Range<usize>) -> Confidence {
    raw(text, std::slice::from_ref(&tainted))
}

#[test]
fn payloads_are_confirmed() {
    let cases = [
        ("greet('{}')", "'); require('child_process').exec('id"),
        ("greet('{}')", "');require('child_process').exec('id');//"),
        ("greet('{}')", "' + process.env.SECRET + '"),
        ("greet(\"{}\")", "\"); os.execute(\"id\") --"),
        ("{}", "__import__('os').system('id')"),
        ("print({})", "__import__('os').system('id')"),
        ("greet('{}')", "__import__('os').system('id')"),
        ("return {}", "1; os.execute('id')"),
        ("x = {}", "1\nimport os"),
        ("x = {}", "process"),
        ("x = {}", "1 + 1"),
        ("x = {}", "-1 || true"),
        ("greet(`{}`)", "${process.exit()}"),
        ("greet(\"{}\")", "#{system('id')}"),
        ("greet(\"{}\")", "${Runtime.getRuntime().exec('id')}"),
        ("f'Hello {}'", "{__import__('os').system('id')}"),
        ("\"\"\"{}\"\"\"", "\"\"\"; import os; \"\"\""),
        ("'''{}'''", "''' + x + '''"),
        ("greet('{}')", "\\"),
        ("greet('{}', 1)", "abc\\"),
        ("greet('{}')", "abc'"),
        ("greet('{}')", "'"),
        ("greet({})", "'abc"),
        ("x = 10 // {}", "2; import os"),
        ("// {}", "\nrm()"),
    ];
    for (template, payload) in cases {
        assert_eq!(
            c(template, payload),
            Confirmed,
            "{payload:?} in {template:?}"
        );
    }
}

#[test]
fn benign_values_inside_literals_are_unsanitized() {
    let values = [
        "Alice",
        "José García",
        "李小龙",
        "alice@example.com",
        "It\\'s a lovely day, isn\\'t it?",
        "O''Brien",
        "50% off - today only",
        "Is 5 > 3? Yes.",
        "1 + 1",
        "; rm -rf /",
        "// not a comment",
        "# nor this",
        "-- nor this",
        "/* nor */",
        "\\n\\t\\\\",
        "abc\\\\",
        "\"double\" and `back`",
        "$5 {x} #1",
        "emoji 🦀",
        "",
    ];
    for v in values {
        assert_eq!(c("greet('{}')", v), Unsanitized, "{v:?}");
    }
    for v in ["It's", "say 'hi'", "`", "{x}", "$", "#"] {
        assert_eq!(c("greet(\"{}\")", v), Unsanitized, "{v:?}");
    }
    for v in ["It's", "say \"hi\"", "{x}", "$", "#", "#{x}"] {
        assert_eq!(c("greet(`{}`)", v), Unsanitized, "{v:?}");
    }
    assert_eq!(c("\"\"\"{}\"\"\"", "say \"hi\", it's \"\" ok"), Unsanitized);
    assert_eq!(c("'''{}'''", "it's"), Unsanitized);
    assert_eq!(c("f'Hello {}'", "{{not a field}}"), Unsanitized);
    assert_eq!(c("f'Hello {}'", "Alice"), Unsanitized);
    assert_eq!(c("r'{}'", "{x}"), Unsanitized);
}

#[test]
fn numbers_and_blanks_are_unsanitized() {
    for v in [
        "42", "-7", "+7", "3.14", ".5", "1e6", "1e-6", "0x1F", "0b101", "1_000", " 42\t",
    ] {
        assert_eq!(c("total({})", v), Unsanitized, "{v:?}");
    }
    for v in [" ", "\t", "  \t "] {
        assert_eq!(c("total(1,{}2)", v), Unsanitized, "{v:?}");
    }
    assert_eq!(c("x = 1{}", "0"), Unsanitized);
    for v in ["42abc", "1.toString()", "0x", "1,2", "4-2", "\n", "1\n"] {
        assert_eq!(c("total({})", v), Confirmed, "{v:?}");
    }
    // Glued to the program's identifier, or after an operand.
    assert_eq!(c("x = a{}", "1"), Confirmed);
    assert_eq!(c("x = obj.{}", "5"), Confirmed);
    assert_eq!(c("x = a {}", "-1"), Confirmed);
    assert_eq!(c("x = f() {}", "-1"), Confirmed);
}

#[test]
fn quotes_in_comments_do_not_open_strings() {
    assert_eq!(c("# it's a comment\ngreet('{}')", "Alice"), Unsanitized);
    assert_eq!(c("-- don't\nprint('{}')", "Alice"), Unsanitized);
    assert_eq!(c("--[[ it's\n long ]] print('{}')", "Alice"), Unsanitized);
    assert_eq!(c("/* it's */ greet('{}')", "Alice"), Unsanitized);
    assert_eq!(c("// it's\ngreet('{}')", "Alice"), Unsanitized);
    // Not comments: a decrement, a private field.
    assert_eq!(c("x--; greet('{}')", "Alice"), Unsanitized);
    assert_eq!(c("this.#name = '{}'", "Alice"), Unsanitized);
    // Taint in a comment is confirmed: the comment syntax is a guess (`//` divides in
    // Python). A number stays a number.
    assert_eq!(c("x = 1 # {}", "note"), Confirmed);
    assert_eq!(c("x = 10 // {}", "2"), Unsanitized);
}

#[test]
fn template_literals() {
    let t = "`Hello ${user.name}, {}!`";
    assert_eq!(c(t, "Alice"), Unsanitized);
    assert_eq!(c(t, "${secret}"), Confirmed);
    assert_eq!(c(t, "\\${secret}"), Unsanitized);
    assert_eq!(c(t, "`+secret+`"), Confirmed);
    // Strings inside an interpolation.
    let nested = "`a ${ f('{}') } b`";
    assert_eq!(c(nested, "Alice"), Unsanitized);
    assert_eq!(c(nested, "')+evil('"), Confirmed);
    assert_eq!(c("`a ${ {k: 1}.k } b {}`", "Alice"), Unsanitized);
    // Taint in the interpolation's code.
    assert_eq!(c("`a ${ {} } b`", "secret"), Confirmed);
}

#[test]
fn escapes() {
    assert_eq!(c("greet('{}')", "it\\'s"), Unsanitized);
    assert_eq!(c("greet('{}')", "abc\\\\"), Unsanitized);
    assert_eq!(c("greet(\"{}\")", "abc\\"), Confirmed);
    // The program's backslash before the taint.
    assert_eq!(c("greet('\\{}')", "n"), Unsanitized);
}

#[test]
fn unterminated_literals() {
    // Left open by the program: the taint only fills it.
    assert_eq!(c("greet('{}", "Alice"), Unsanitized);
    // Opened by the taint, or the program's closing quote swallowed.
    assert_eq!(c("greet({}", "'Alice"), Confirmed);
    assert_eq!(c("greet('{}')", "Alice\\"), Confirmed);
    assert_eq!(c("greet('{}')", "Alice'"), Confirmed);
}

#[test]
fn several_ranges() {
    let text = b"f('abc', 1); g()";
    assert_eq!(one(text, 3..6), Unsanitized);
    assert_eq!(raw(text, &[3..6, 9..10]), Unsanitized);
    assert_eq!(raw(text, &[3..6, 10..16]), Confirmed);
    assert_eq!(raw(text, &[3..5, 4..6]), Unsanitized);
    assert_eq!(raw(text, &[5..6, 3..4, 2..2, 40..50]), Unsanitized);
}

#[test]
fn garbage_bytes() {
    assert_eq!(one(b"f('\xff\xfe\x00\x01')", 3..7), Unsanitized);
    assert_eq!(one(b"f(\xff\x00)", 2..4), Confirmed);
    assert_eq!(one(b"f('a', \x00)", 7..8), Confirmed);
    for v in [
        "'\"`\\", "\\", "${", "}", "}}}`", "/*", "--[[", "'''", "\"\"\"",
    ] {
        assert_eq!(c("f({})", v), Confirmed, "{v:?}");
    }
}

#[test]
fn never_panics_on_random_input() {
    const PIECES: &[&[u8]] = &[
        b"'",
        b"\"",
        b"`",
        b"\\",
        b"${",
        b"#{",
        b"{",
        b"}",
        b"/*",
        b"*/",
        b"//",
        b"#",
        b"--",
        b"--[[",
        b"]]",
        b"\n",
        b"f'",
        b"rf\"",
        b"'''",
        b"\"\"\"",
        b"0x",
        b"1e",
        b"-",
        b"1",
        b".",
        b";",
        b" ",
        b"\t",
        b"\xff",
        b"\xc3",
        b"\0",
        "é".as_bytes(),
        b"a",
        b"_",
        b"$",
    ];
    let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
    let mut next = move |n: usize| rng.below(n);
    for _ in 0..20_000 {
        let mut text = Vec::new();
        for _ in 0..next(24) {
            text.extend_from_slice(PIECES[next(PIECES.len())]);
        }
        let mut tainted: Vec<Range<usize>> = (0..1 + next(3))
            .map(|_| {
                let a = next(text.len() + 1);
                a..a + next(text.len() + 1 - a)
            })
            .collect();
        tainted.sort_by_key(|r| r.start);
        let _ = raw(&text, &tainted);
    }
}

#[test]
fn a_large_program_is_analyzed() {
    let mut text = String::new();
    for i in 0..50_000 {
        text.push_str(&format!("x{i} = 'v{i}' // it's\n"));
    }
    let at = text.len() + 7;
    text.push_str("greet('needle')");
    assert_eq!(one(text.as_bytes(), at..at + 6), Unsanitized);
    assert_eq!(one(text.as_bytes(), at..at + 7), Confirmed);
}
