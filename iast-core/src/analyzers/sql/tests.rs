use super::*;
use crate::analyzers::{as_confidence, confidence_of};
use crate::vulnerability::Confidence::{self, Confirmed, Unsanitized};
use SqlDialect::{Generic, MySql, PostgreSql, Sqlite};

type Analyze = fn(&Input<'_>) -> bool;

fn analyzer(dialect: SqlDialect) -> Analyze {
    match dialect {
        Generic => |i| changes_structure_in(Generic, i, &Scratch::default()),
        PostgreSql => |i| changes_structure_in(PostgreSql, i, &Scratch::default()),
        MySql => |i| changes_structure_in(MySql, i, &Scratch::default()),
        Sqlite => |i| changes_structure_in(Sqlite, i, &Scratch::default()),
    }
}

/// The confidence in `dialect` with `tainted` put in place of `{}`.
fn c(dialect: SqlDialect, template: &str, tainted: &str) -> Confidence {
    confidence_of(analyzer(dialect), "sql", template, tainted)
}

/// The confidence in `dialect` of raw bytes with the given tainted ranges.
fn raw(dialect: SqlDialect, text: &[u8], tainted: &[Range<usize>]) -> Confidence {
    as_confidence(analyzer(dialect)(&Input {
        text,
        tainted,
        argument: "sql",
    }))
}

fn one(dialect: SqlDialect, text: &[u8], tainted: Range<usize>) -> Confidence {
    raw(dialect, text, std::slice::from_ref(&tainted))
}

const STRING: &str = "SELECT * FROM users WHERE name = '{}' AND active = 1";
const NUMBER: &str = "SELECT * FROM users WHERE id = {} AND active = 1";

#[test]
fn classic_payloads_are_confirmed_in_every_dialect() {
    let cases = [
        (STRING, "' OR '1'='1"),
        (STRING, "'; DROP TABLE users; --"),
        (STRING, "admin'--"),
        (STRING, "admin' #"),
        (STRING, "' /*"),
        (STRING, "' UNION SELECT password FROM users --"),
        (STRING, "x' AND SLEEP(5) AND 'a'='a"),
        (NUMBER, "1 OR 1=1"),
        (NUMBER, "1 UNION SELECT password FROM users"),
        (NUMBER, "1; DROP TABLE users"),
        (NUMBER, "1)) OR ((1=1"),
        (NUMBER, "1 -- "),
        (NUMBER, "(SELECT 1)"),
        (NUMBER, "1e0UNION SELECT 1"),
        ("SELECT * FROM t ORDER BY {}", "name; DROP TABLE users"),
        (
            "SELECT * FROM t ORDER BY {}",
            "(CASE WHEN 1=1 THEN name END)",
        ),
        ("SELECT * FROM t ORDER BY {}", "users.password"),
        (
            "INSERT INTO t (a, b) VALUES ('{}', 1)",
            "x', 2); DROP TABLE t; --",
        ),
    ];
    for dialect in SqlDialect::ALL {
        for (template, payload) in cases {
            assert_eq!(
                c(dialect, template, payload),
                Confirmed,
                "{dialect:?}: {payload:?} in {template:?}"
            );
        }
    }
}

#[test]
fn benign_values_inside_literals_are_unsanitized_in_every_dialect() {
    // Apostrophes appear doubled, as the program's escaping left them.
    let values = [
        "Alice",
        "O''Brien",
        "It''s a lovely day, isn''t it?",
        "alice@example.com",
        "bob.smith+news@mail.example.org",
        "José García",
        "Zoë Ødegaard",
        "李小龙",
        "Nguyễn Văn An",
        "Rock & roll",
        "50% off - today only",
        "Is 5 > 3? Yes.",
        "The report (draft) is ready: see page 4.",
        "-- not a comment",
        "/* nor this */",
        "; DROP TABLE users; --",
        "\" OR \"\"=\"",
        "`",
        "$$",
        "",
        "emoji 🦀 and\ttab",
        "multi\nline",
    ];
    for dialect in SqlDialect::ALL {
        for v in values {
            assert_eq!(c(dialect, STRING, v), Unsanitized, "{dialect:?}: {v:?}");
        }
    }
}

#[test]
fn an_unescaped_quote_closes_the_literal() {
    for dialect in SqlDialect::ALL {
        assert_eq!(c(dialect, STRING, "O'Brien"), Confirmed, "{dialect:?}");
        assert_eq!(c(dialect, STRING, "it's"), Confirmed, "{dialect:?}");
    }
}

#[test]
fn backslashes_matter_where_the_dialect_gives_them_meaning() {
    // The program doubled the quote, but MySQL reads `\'` as an escaped quote: the doubled
    // quote's second half closes the literal and the rest is SQL.
    let doubled = "\\'' OR 1=1 -- ";
    assert_eq!(c(MySql, STRING, doubled), Confirmed);
    assert_eq!(c(Generic, STRING, doubled), Confirmed);
    assert_eq!(c(PostgreSql, STRING, doubled), Unsanitized);
    assert_eq!(c(Sqlite, STRING, doubled), Unsanitized);

    // Unescaped: in MySQL the backslash keeps the quote inside the literal, elsewhere the
    // quote closes it.
    let unescaped = "\\' OR 1=1 -- ";
    assert_eq!(c(MySql, STRING, unescaped), Unsanitized);
    assert_eq!(c(Generic, STRING, unescaped), Confirmed);
    assert_eq!(c(PostgreSql, STRING, unescaped), Confirmed);
    assert_eq!(c(Sqlite, STRING, unescaped), Confirmed);

    // A trailing backslash escapes the program's closing quote in MySQL.
    let two = "SELECT * FROM users WHERE name = '{}' AND pass = 'x'";
    assert_eq!(c(MySql, two, "abc\\"), Confirmed);
    assert_eq!(c(MySql, STRING, "abc\\"), Confirmed);
    assert_eq!(c(Generic, two, "abc\\"), Confirmed);
    assert_eq!(c(PostgreSql, two, "abc\\"), Unsanitized);
    assert_eq!(c(Sqlite, two, "abc\\"), Unsanitized);

    // Escaped by the program for MySQL: data.
    for v in ["abc\\\\", "O\\'Brien", "C:\\\\Users\\\\bob", "tab\\there"] {
        assert_eq!(c(MySql, STRING, v), Unsanitized, "{v:?}");
    }
}

#[test]
fn postgresql_dollar_quoting_and_escape_strings() {
    let dollar = "SELECT * FROM users WHERE name = $${}$$";
    assert_eq!(c(PostgreSql, dollar, "O'Brien"), Unsanitized);
    assert_eq!(
        c(PostgreSql, dollar, "it's \"quoted\" \\ fine"),
        Unsanitized
    );
    assert_eq!(c(PostgreSql, dollar, "x$$ OR 1=1 --"), Confirmed);
    assert_eq!(c(Generic, dollar, "x$$ OR 1=1 --"), Confirmed);
    let tagged = "SELECT * FROM users WHERE name = $q${}$q$";
    assert_eq!(c(PostgreSql, tagged, "a $$ b"), Unsanitized);
    assert_eq!(c(PostgreSql, tagged, "a$q$ OR 1=1 --"), Confirmed);
    // A dollar quote opened by the taint.
    assert_eq!(c(PostgreSql, NUMBER, "$$x$$"), Confirmed);

    let escaped = "SELECT * FROM users WHERE name = E'{}' AND active = 1";
    assert_eq!(c(PostgreSql, escaped, "it\\'s"), Unsanitized);
    assert_eq!(c(PostgreSql, escaped, "abc\\"), Confirmed);
    assert_eq!(c(PostgreSql, escaped, "x' OR 1=1 --"), Confirmed);
}

#[test]
fn double_quotes_are_identifiers_or_strings_by_dialect() {
    let ident = "SELECT \"{}\" FROM users";
    for dialect in [Generic, PostgreSql, Sqlite] {
        assert_eq!(c(dialect, ident, "name"), Unsanitized, "{dialect:?}");
        assert_eq!(
            c(dialect, ident, "odd \"\" name"),
            Unsanitized,
            "{dialect:?}"
        );
        assert_eq!(
            c(dialect, ident, "name\" FROM secrets --"),
            Confirmed,
            "{dialect:?}"
        );
    }
    let string = "SELECT * FROM users WHERE name = \"{}\"";
    assert_eq!(c(MySql, string, "O'Brien"), Unsanitized);
    assert_eq!(c(MySql, string, "\" OR \"\"=\""), Confirmed);
    assert_eq!(c(MySql, string, "abc\\"), Confirmed);

    let backtick = "SELECT `{}` FROM users";
    assert_eq!(c(MySql, backtick, "first name"), Unsanitized);
    assert_eq!(c(MySql, backtick, "a` FROM secrets --"), Confirmed);
    let bracket = "SELECT [{}] FROM users";
    assert_eq!(c(Sqlite, bracket, "first name"), Unsanitized);
    assert_eq!(c(Sqlite, bracket, "a] FROM secrets --"), Confirmed);
}

#[test]
fn a_whole_number_is_a_value() {
    for dialect in SqlDialect::ALL {
        for v in ["42", "0", "-7", "+7", "3.14159", "1e6", ".5", " 42 "] {
            assert_eq!(c(dialect, NUMBER, v), Unsanitized, "{dialect:?}: {v:?}");
        }
        for v in [
            "42 OR 1=1",
            "1,000,000",
            "2024-11-24",
            "4-2",
            "- 7",
            "--7",
            "1 2",
        ] {
            assert_eq!(c(dialect, NUMBER, v), Confirmed, "{dialect:?}: {v:?}");
        }
        // A digit appended to the program's number is still one number.
        assert_eq!(c(dialect, "SELECT 1{}", "0"), Unsanitized, "{dialect:?}");
        // After an operand, a sign subtracts.
        assert_eq!(
            c(dialect, "SELECT a{} FROM t", "-1"),
            Confirmed,
            "{dialect:?}"
        );
        assert_eq!(
            c(dialect, "SELECT 5 {} FROM t", "-1"),
            Confirmed,
            "{dialect:?}"
        );
        assert_eq!(
            c(dialect, "SELECT * FROM t LIMIT {}", "-1"),
            Unsanitized,
            "{dialect:?}"
        );
    }
}

#[test]
fn a_lone_bare_word_is_unsanitized() {
    // The program's whitelist may map the input to an equal constant: not confirmed.
    for dialect in SqlDialect::ALL {
        let order = "SELECT * FROM users ORDER BY {} LIMIT 10";
        assert_eq!(c(dialect, order, "name"), Unsanitized, "{dialect:?}");
        assert_eq!(c(dialect, order, "created_at"), Unsanitized, "{dialect:?}");
        let direction = "SELECT * FROM users ORDER BY name {}";
        assert_eq!(c(dialect, direction, "DESC"), Unsanitized, "{dialect:?}");
        let table = "SELECT * FROM logs_{} WHERE id = 1";
        assert_eq!(c(dialect, table, "2024"), Unsanitized, "{dialect:?}");
        // Two words are a structure of the attacker's.
        assert_eq!(c(dialect, order, "name DESC"), Confirmed, "{dialect:?}");
        assert_eq!(c(dialect, order, "name,id"), Confirmed, "{dialect:?}");
    }
}

#[test]
fn a_sigil_glued_to_punctuation_is_no_bare_word() {
    // sqlparser reads `@` (and the generic `#`) with whatever character follows as one word.
    for dialect in SqlDialect::ALL {
        for (text, tainted) in [
            (&b"@@,"[..], 0..3),
            (b" @, ", 0..4),
            (b"#,", 0..2),
            (b"SELECT @;DROP TABLE t", 7..21),
            (b"SELECT * FROM t ORDER BY @,name", 25..31),
        ] {
            assert_eq!(
                one(dialect, text, tainted.clone()),
                Confirmed,
                "{dialect:?}: {:?}",
                String::from_utf8_lossy(text)
            );
        }
    }
    let lone = |text: &[u8], tainted: Range<usize>| {
        lone_word(
            &Input {
                text,
                tainted: std::slice::from_ref(&tainted),
                argument: "sql",
            },
            &Scratch::default(),
        )
    };
    assert!(!lone(b"@@,", 0..3));
    assert!(!lone(b" @, ", 0..4));
    // The word after the program's sigil and punctuation is a word of its own.
    assert!(lone(b"SELECT @;DROP", 9..13));
    // Variables stay words.
    assert!(lone(b"SELECT @@version", 7..16));
    for dialect in [Generic, MySql] {
        assert_eq!(
            c(dialect, "SELECT @{}", "total"),
            Unsanitized,
            "{dialect:?}"
        );
        assert_eq!(
            c(dialect, "SELECT @@{}", "version"),
            Unsanitized,
            "{dialect:?}"
        );
        // After the sigil, the tokenizer goes on as it would after an `@` alone: here a
        // comment begins, and a quote inside it is the comment's text.
        assert_eq!(
            c(dialect, "SELECT 1 @-- {}", "it's"),
            Unsanitized,
            "{dialect:?}"
        );
        assert_eq!(
            c(dialect, "SELECT 1 @/* {} */", "it's"),
            Unsanitized,
            "{dialect:?}"
        );
    }
}

#[test]
fn tainted_blanks_are_unsanitized() {
    for dialect in SqlDialect::ALL {
        for v in [" ", "  \t", "\n", "\r\n", " \n\t "] {
            let text = "SELECT *{}FROM users";
            assert_eq!(c(dialect, text, v), Unsanitized, "{dialect:?}: {v:?}");
        }
    }
}

#[test]
fn comments() {
    for dialect in SqlDialect::ALL {
        let tag = "SELECT * FROM users /*controller='{}'*/";
        assert_eq!(c(dialect, tag, "index"), Unsanitized, "{dialect:?}");
        assert_eq!(
            c(dialect, tag, "x*/ DROP TABLE users; /*"),
            Confirmed,
            "{dialect:?}"
        );
        let line = "SELECT * FROM users -- user: {}";
        assert_eq!(c(dialect, line, "alice"), Unsanitized, "{dialect:?}");
        assert_eq!(
            c(dialect, line, "alice\nDROP TABLE users"),
            Confirmed,
            "{dialect:?}"
        );
        // Ending the program's comment early is confirmed even with nothing after it.
        assert_eq!(c(dialect, line, "alice\n"), Confirmed, "{dialect:?}");
    }
    // MySQL runs the inside of `/*! ... */`.
    let hint = "SELECT /*!{} */ 1";
    assert_eq!(c(MySql, hint, "SLEEP(5)"), Confirmed);
    assert_eq!(c(PostgreSql, hint, "SLEEP(5)"), Unsanitized);
    assert_eq!(c(MySql, NUMBER, "1 /*!UNION*/ SELECT 2"), Confirmed);
    // Where comments nest, a tainted opener leaves the program's comment unterminated.
    let nested = "SELECT 1 /* {} */ FROM t";
    assert_eq!(c(PostgreSql, nested, "/*"), Confirmed);
    assert_eq!(c(Generic, nested, "/*"), Confirmed);
}

#[test]
fn unterminated_tokens() {
    for dialect in SqlDialect::ALL {
        // Opened by the taint.
        assert_eq!(c(dialect, NUMBER, "'abc"), Confirmed, "{dialect:?}");
        assert_eq!(c(dialect, NUMBER, "/* x"), Confirmed, "{dialect:?}");
        assert_eq!(c(dialect, "SELECT 1 {}", "`x"), Confirmed, "{dialect:?}");
        // The taint's quote pairs with the program's closing quote, and the literal runs on
        // over the program's text.
        assert_eq!(c(dialect, STRING, "abc'"), Confirmed, "{dialect:?}");
        assert_eq!(c(dialect, STRING, "'"), Confirmed, "{dialect:?}");
        assert_eq!(c(dialect, "SELECT '{}'", "'"), Confirmed, "{dialect:?}");
        // The program left the literal open; the taint only fills it.
        assert_eq!(c(dialect, "SELECT '{}", "abc"), Unsanitized, "{dialect:?}");
        assert_eq!(c(dialect, "SELECT '{}", "abc "), Unsanitized, "{dialect:?}");
        // Untainted bytes before the failure are judged as usual.
        assert_eq!(
            c(dialect, "SELECT '{}', 'oops", "abc"),
            Unsanitized,
            "{dialect:?}"
        );
    }
}

#[test]
fn several_ranges() {
    let text = b"SELECT * FROM t WHERE a = 'x' AND b = 1 OR 1=1";
    let a = 27..28;
    let b = 38..46;
    for dialect in SqlDialect::ALL {
        assert_eq!(one(dialect, text, a.clone()), Unsanitized);
        assert_eq!(one(dialect, text, b.clone()), Confirmed);
        assert_eq!(raw(dialect, text, &[a.clone(), b.clone()]), Confirmed);
        // Overlapping ranges of two sources, both inside one literal.
        let t = b"SELECT 'abcdef'";
        assert_eq!(raw(dialect, t, &[8..12, 9..14]), Unsanitized);
        // Adjacent ranges join: a sign and its number.
        assert_eq!(raw(dialect, b"SELECT -7", &[7..8, 8..9]), Unsanitized);
        // Out-of-order, empty and out-of-bounds ranges do not panic.
        assert_eq!(raw(dialect, t, &[12..14, 8..9, 3..3, 20..99]), Unsanitized);
    }
}

#[test]
fn garbage_bytes() {
    for dialect in SqlDialect::ALL {
        // Not UTF-8, NUL and control bytes inside a literal: data.
        let text = b"SELECT * FROM t WHERE a = '\xff\xfe\x00\x01\xc3' AND b = 1";
        assert_eq!(one(dialect, text, 27..32), Unsanitized, "{dialect:?}");
        // Outside: structure.
        let text = b"SELECT * FROM t WHERE a = \xff\x00 AND b = 1";
        assert_eq!(one(dialect, text, 26..28), Confirmed, "{dialect:?}");
        let text = b"SELECT * FROM t WHERE a = 1\x00";
        assert_eq!(one(dialect, text, 27..28), Confirmed, "{dialect:?}");
        // Quotes and backslashes of every kind, unbalanced.
        for v in [
            "'\"`\\$$", "\\", "\\\\'", "[[[", "E'", "U&'", "N'", "X'zz", "*/",
        ] {
            assert_eq!(c(dialect, NUMBER, v), Confirmed, "{dialect:?}: {v:?}");
        }
    }
}

#[test]
fn never_panics_on_random_input() {
    const PIECES: &[&[u8]] = &[
        b"'",
        b"\"",
        b"`",
        b"\\",
        b"$$",
        b"$a$",
        b"/*",
        b"*/",
        b"/*!",
        b"--",
        b"-- ",
        b"#",
        b"\n",
        b"\r",
        b"E'",
        b"N'",
        b"X'",
        b"B'",
        b"R'",
        b"U&'",
        b"Q'{",
        b"}'",
        b"[",
        b"]",
        b"0x",
        b"1e",
        b"-",
        b"1",
        b".",
        b";",
        b" ",
        b"\xff",
        b"\xc3",
        b"\xe2\x82",
        b"\0",
        b"\x1a",
        "é".as_bytes(),
        "𝄞".as_bytes(),
        b"SELECT",
        b"COPY t FROM STDIN;",
        b"\\.",
        b"\t",
        b"'''",
        b"\"\"\"",
        b"@",
        b"?",
        b":a",
        b"$1",
    ];
    let mut rng = crate::test_rng::Rng(0x9e37_79b9_7f4a_7c15);
    let mut next = move |n: usize| rng.below(n);
    for _ in 0..3000 {
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
        for dialect in SqlDialect::ALL {
            let _ = raw(dialect, &text, &tainted);
        }
    }
}

#[test]
fn a_large_query_is_analyzed() {
    let mut text = String::from("SELECT * FROM t WHERE a IN (");
    for i in 0..50_000 {
        text.push_str(&format!("'v{i}', "));
    }
    let at = text.len() + 1;
    text.push_str("'needle') -- é\n");
    let literal = at..at + 6;
    let breakout = at + 6..at + 8;
    for dialect in SqlDialect::ALL {
        assert_eq!(one(dialect, text.as_bytes(), literal.clone()), Unsanitized);
        assert_eq!(one(dialect, text.as_bytes(), breakout.clone()), Confirmed);
    }
}

#[test]
fn the_dialect_is_a_process_wide_setting() {
    assert_eq!(SqlDialect::default(), Generic);
    // Other tests run concurrently and read the setting: only the default is written here.
    set_sql_dialect(Generic);
    assert_eq!(sql_dialect(), Generic);
    for d in SqlDialect::ALL {
        let n = d as u8;
        assert_eq!(SqlDialect::ALL.into_iter().find(|x| *x as u8 == n), Some(d));
    }
    assert_eq!(
        confidence_of(
            |i| changes_structure(i, &Scratch::default()),
            "sql",
            STRING,
            "' OR '1'='1"
        ),
        Confirmed
    );
}
