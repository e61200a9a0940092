use super::*;
use crate::analyzers::SqlDialect;
use Vulnerability::{CommandInjection, HeaderInjection, PathTraversal, SqlInjection, Ssrf, Xss};

/// The hidden parts of `text` when `tainted` (each the first occurrence of a substring, with
/// whether its source is secret-named) reached the sink parameter `argument`.
fn hidden<'t>(
    class: Vulnerability,
    argument: &str,
    text: &'t str,
    tainted: &[(&str, bool)],
) -> Vec<&'t str> {
    let mut ranges: Vec<(Range<usize>, bool)> = tainted
        .iter()
        .map(|(part, secret)| {
            let at = text.find(part).expect("tainted part is in the text");
            (at..at + part.len(), *secret)
        })
        .collect();
    ranges.sort_by_key(|(r, _)| r.start);
    let spans = secret_spans(&Subject {
        class,
        argument,
        text: text.as_bytes(),
        tainted: &ranges,
        scratch: &Default::default(),
        from: crate::analyzers::LiteralStarts::WHOLE,
    });
    spans.into_iter().map(|r| &text[r]).collect()
}

/// The hidden parts of an untainted text in a sink parameter named `arg`.
fn found(text: &str) -> Vec<&str> {
    hidden(Xss, "arg", text, &[])
}

#[test]
fn secret_names() {
    let secret = [
        "password",
        "user_password",
        "userPassword",
        "PASSWORD",
        "PGPASSWORD",
        "new_password2",
        "db_passwd",
        "passphrase",
        "pwd",
        "MYSQL_PWD",
        "pass",
        "userPass",
        "secret",
        "client_secret",
        "clientSecret",
        "secrets",
        "token",
        "access_token",
        "accessToken",
        "authToken",
        "csrftoken",
        "X-CSRF-Token",
        "refresh_tokens",
        "api_key",
        "apiKey",
        "apikey",
        "X-Api-Key",
        "x-api-key",
        "XApiKey",
        "access_key",
        "AWS_SECRET_ACCESS_KEY",
        "private_key",
        "privateKey",
        "private_key_pem",
        "signing_key",
        "encryption_key",
        "api_key_header",
        "passkey",
        "authorization",
        "Proxy-Authorization",
        "auth",
        "basic_auth",
        "authHeader",
        "credential",
        "credentials",
        "creds",
        "session",
        "session_id",
        "sessionId",
        "JSESSIONID",
        "PHPSESSID",
        "connect.sid",
        "cookie",
        "Set-Cookie",
        "otp",
        "totp_code",
        "pin",
        "pin_code",
        "ssn",
        "card_number",
        "cardNumber",
        "cc_number",
        "credit_card",
        "cvv2",
        "jwt",
        "bearer",
        "sig",
        "http.cookie",
        "http.header.authorization",
        "app::http::session_cookie",
        "app::auth::read_password",
        "Request::cookie",
        "read_password_from_file",
        "csrf",
        "_csrf",
        "xsrf",
        "csrf-token",
        "XSRF-TOKEN",
        "csrfmiddlewaretoken",
        "authenticity_token",
        "__RequestVerificationToken",
    ];
    // Twice each: the second time from the thread's memo, whose 64 slots these names
    // share, so that some are evicted by others between the two.
    for name in secret.iter().chain(&secret) {
        assert!(secret_name(name), "{name} should be secret");
    }
    let plain = [
        "",
        "sql",
        "query",
        "name",
        "username",
        "user",
        "email",
        "keyword",
        "keywords",
        "keyboard",
        "monkey",
        "turkey",
        "donkey",
        "hotkey",
        "key",
        "primary_key",
        "public_key",
        "sort_key",
        "cache_key",
        "object_key",
        "idempotency_key",
        "key_id",
        "api_key_id",
        "access_key_id",
        "private_key_path",
        "passenger",
        "passport",
        "bypass",
        "compass",
        "author",
        "authority",
        "authors",
        "tokenizer",
        "tokenize",
        "tokenized_text",
        "secretary",
        "cc",
        "password_file",
        "credentials_file",
        "token_url",
        "token_type",
        "auth_url",
        "secret_name",
        "cookie_name",
        "cookie_domain",
        "session_timeout",
        "password_length",
        "spinner",
        "opinion",
        "signature",
        "http.parameter",
        "http.header",
        "app::auth::current_user",
        "app::http::query_param",
    ];
    for name in plain.iter().chain(&plain).chain(&secret) {
        assert_eq!(secret_name(name), secret.contains(name), "{name}");
    }
}

#[test]
fn a_secret_parameter_hides_the_whole_argument() {
    let text = "hunter2' OR '1'='1";
    assert_eq!(
        hidden(SqlInjection, "password", text, &[(text, false)]),
        [text]
    );
    assert_eq!(hidden(Xss, "api_key", "abc", &[]), ["abc"]);
    assert!(hidden(Xss, "password", "", &[]).is_empty());
}

#[test]
fn a_tainted_range_from_a_secret_source_is_hidden_and_others_stay() {
    let text = "<p>session s3cr3t-value for guest</p>";
    assert_eq!(
        hidden(
            Xss,
            "html",
            text,
            &[("s3cr3t-value", true), ("guest", false)]
        ),
        ["s3cr3t-value"]
    );
}

#[test]
fn bearer_and_basic_credentials_keep_the_scheme_word() {
    assert_eq!(
        found("curl -H 'X: Bearer 9f8e7d6c5b4a' http://h"),
        ["9f8e7d6c5b4a"]
    );
    assert_eq!(found("BEARER aBcDeFgHiJ."), ["aBcDeFgHiJ"]);
    // base64("admin:letmein")
    assert_eq!(
        found("basic YWRtaW46bGV0bWVpbg== sent"),
        ["YWRtaW46bGV0bWVpbg=="]
    );
    // Prose, and base64 that is no `user:password`.
    assert!(found("Bearer authentication, bearer token").is_empty());
    assert!(found("Basic authentication, basic aGVsbG8gd29ybGQ=").is_empty());
    assert!(found("subbearer 9f8e7d6c5b4a").is_empty());
}

#[test]
fn json_web_tokens_are_hidden_whole() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    let text = format!("GET /x?next={jwt}. Done");
    assert_eq!(found(&text), [jwt]);
    let unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.";
    assert_eq!(found(unsigned), [unsigned]);
    // A second segment not starting with `eyJ`, and `eyJ` inside a word with claims that do
    // not decode to a JSON key (`{"sub"`).
    assert!(found("eyJhbGciOi.abc.def").is_empty());
    assert!(found("xeyJhbGciOiJIUzI1NiJ9.eyJzdWIi.sig").is_empty());
}

#[test]
fn pem_private_keys_are_hidden_to_their_end_line() {
    let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAKC\n-----END RSA PRIVATE KEY-----";
    let text = format!("key = load(\"\"\"{key}\n\"\"\")");
    assert_eq!(found(&text), [key]);
    let escaped = "-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----";
    assert_eq!(found(&format!("{{\"k\":\"{escaped}\"}}")), [escaped]);
    // Evidence cut inside the key.
    let cut = "x -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA";
    assert_eq!(found(cut), [&cut[2..]]);
    // Certificates and public keys are not secret; an END of another label does not close.
    assert!(found("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----").is_empty());
    assert!(found("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----").is_empty());
    let mismatched = "-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END PRIVATE KEY-----\nrest";
    assert_eq!(found(mismatched), [mismatched]);
}

#[test]
fn url_credentials_hide_the_password_or_a_token_user() {
    assert_eq!(
        found("postgres://app:s3cr%40t@db.internal:5432/app"),
        ["s3cr%40t"]
    );
    assert_eq!(found("redis://:hunter2@cache/0"), ["hunter2"]);
    // The last `@` ends the user information.
    assert_eq!(found("ftp://u:p@ss@host/"), ["p@ss"]);
    let token = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
    assert_eq!(
        found(&format!("git clone https://{token}@github.com/o/r.git")),
        [token]
    );
    assert!(found("ssh://git@github.com/o/r.git").is_empty());
    assert!(found("https://first.last@example.com/").is_empty());
    assert!(found("https://u:@h/ mailto:a@b https://h/p@q").is_empty());
}

#[test]
fn aws_access_key_ids_are_hidden() {
    assert_eq!(
        found("aws configure set id AKIAIOSFODNN7EXAMPLE;"),
        ["AKIAIOSFODNN7EXAMPLE"]
    );
    assert_eq!(found("ASIAY34FZKBOKMUTVV7A"), ["ASIAY34FZKBOKMUTVV7A"]);
    // A longer run of capitals and digits is another identifier.
    assert!(found("AKIAIOSFODNN7EXAMPLE1 AKIAshort").is_empty());
}

#[test]
fn values_of_secret_named_keys_are_hidden() {
    assert_eq!(found("password=hunter2&x=1"), ["hunter2"]);
    assert_eq!(found("/login?user=guest&pwd=hunter2#top"), ["hunter2"]);
    assert_eq!(
        found(r#"{"user": "guest", "api_key": "abc\"def", "pin": 1234}"#),
        [r#"abc\"def"#, "1234"]
    );
    assert_eq!(found("token: abc def\nuser: guest"), ["abc def"]);
    assert_eq!(
        found("export AWS_SECRET_ACCESS_KEY=wJalrXUtnF"),
        ["wJalrXUtnF"]
    );
    assert_eq!(found("app --db-password='p w' --user=x"), ["p w"]);
    assert_eq!(found("{'secret' => 'abc'}"), ["abc"]);
    assert_eq!(found("user[password]=abc"), ["abc"]);
    assert_eq!(
        found("Authorization: Bearer abc\r\nHost: h"),
        ["abc"],
        "the scheme word stays"
    );
    assert_eq!(
        found("Cookie: theme=dark; sid=abc\r\n"),
        ["theme=dark; sid=abc"],
        "a cookie header is hidden whole"
    );
    assert_eq!(found("passwd := 'x'"), ["x"]);
    assert_eq!(
        found(r#"{"auth": {"user": "guest", "token": "t1"}, "secrets": ["a", "b"]}"#),
        ["t1", r#""a", "b""#]
    );
    let text = r#"{"user": "guest", "password": {"$ne": null}}"#;
    let payload = [(r#"{"$ne": null}"#, false)];
    assert!(hidden(Vulnerability::NosqlInjection, "filter", text, &payload).is_empty());
    // Not pairs, or not secret keys.
    assert!(found("user=guest&keyword=pass&monkey=1 a != password").is_empty());
    assert!(found("password_file=/etc/pw token_type: Bearer password=").is_empty());
    assert!(found("if password == '' {} std::token::x").is_empty());
}

#[test]
fn taint_filling_a_secret_value_is_hidden_but_a_breakout_stays_readable() {
    let text = "/login?user=guest&password=hunter2&next=/";
    assert_eq!(
        hidden(Ssrf, "url", text, &[("hunter2", false)]),
        ["hunter2"]
    );
    // The whole request is tainted: the secret inside it is still hidden.
    assert_eq!(hidden(Ssrf, "url", text, &[(text, false)]), ["hunter2"]);
    // The payload starts in the value and runs past it: readable from its start.
    let text = "q?password=pre' OR '1'='1&x=1";
    assert_eq!(
        hidden(Ssrf, "url", text, &[("' OR '1'='1&x", false)]),
        ["pre"]
    );
    let text = "q?password=hunter2&admin=1";
    assert!(hidden(Ssrf, "url", text, &[("hunter2&admin=1", false)]).is_empty());
}

#[test]
fn a_credential_recognised_by_shape_is_hidden_when_the_taint_runs_past_it() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    let cookie = format!("{jwt}; theme=dark");
    assert_eq!(
        hidden(
            HeaderInjection,
            "value",
            &cookie,
            &[(cookie.as_str(), false)]
        ),
        [jwt]
    );
    // Taint starting inside the signature.
    let text = format!("/a?t={jwt}&lang=en");
    let tail = format!("{}&lang=en", &jwt[60..]);
    assert_eq!(hidden(Ssrf, "url", &text, &[(tail.as_str(), false)]), [jwt]);
    let text = "/srv/keys/AKIAIOSFODNN7EXAMPLE/../../etc/passwd";
    assert_eq!(
        hidden(
            PathTraversal,
            "path",
            text,
            &[("AKIAIOSFODNN7EXAMPLE/../../etc/passwd", false)]
        ),
        ["AKIAIOSFODNN7EXAMPLE"]
    );
    // The header's value is a secret-named place the payload breaks out of, but the token is
    // a credential by its shape.
    let text = "Authorization: Bearer 9f8e7d6c5b4a\r\nX-Injected: 1";
    assert_eq!(
        hidden(
            HeaderInjection,
            "header",
            text,
            &[("9f8e7d6c5b4a\r\nX-Injected: 1", false)]
        ),
        ["9f8e7d6c5b4a"]
    );
    let text = "q?password=AKIAIOSFODNN7EXAMPLE' OR '1'='1&x=1";
    assert_eq!(
        hidden(
            Ssrf,
            "url",
            text,
            &[("AKIAIOSFODNN7EXAMPLE' OR '1'='1", false)]
        ),
        ["AKIAIOSFODNN7EXAMPLE"]
    );
    let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----";
    let text = format!("{key}\n$(curl evil)");
    assert_eq!(
        hidden(CommandInjection, "cmd", &text, &[(text.as_str(), false)]),
        [key]
    );
    // A value recognised by its place keeps the breakout rule.
    let text = "q?password=hunter2&admin=1";
    assert!(hidden(Ssrf, "url", text, &[("hunter2&admin=1", false)]).is_empty());
}

#[test]
fn secret_named_html_fields_hide_their_value() {
    assert_eq!(
        found(r#"<input name=csrf_token value="c5f1a2b3">"#),
        ["c5f1a2b3"]
    );
    assert_eq!(
        found(r#"<form><input type="hidden" name="csrf" value="c5f1a2b3"/></form>"#),
        ["c5f1a2b3"]
    );
    assert_eq!(
        found("<meta content='c5f1a2b3' name='csrf-token'>"),
        ["c5f1a2b3"]
    );
    assert_eq!(found("<META NAME=_csrf CONTENT=c5f1a2b3>"), ["c5f1a2b3"]);
    assert_eq!(
        found("<input\n  value=\"c5f1\"\n  name=\"xsrf\"\n>"),
        ["c5f1"]
    );
    assert_eq!(found("<input value=\"pw 1\" type=password>"), ["pw 1"]);
    // Quotes escaped for a string literal, and a stray `<` before the field.
    assert_eq!(
        found(r#"html = "<input name=\"authenticity_token\" value=\"c5f1\">";"#),
        ["c5f1"]
    );
    assert_eq!(
        found(r#"if a<b && c > d { "<input name='csrf' value='v1'>" }"#),
        ["v1"]
    );
    assert_eq!(found("a<b <input name=csrf value=v1>"), ["v1"]);
    // Other names, a secret name without a value, a value outside the tag.
    assert!(
        found(
            r#"<input name="q" value="shoes"> <meta name="description" content="Shop">
            <input name="csrf"> value="v2" <input type=text value=v3>"#
        )
        .is_empty()
    );
    // Taint filling the value is hidden; taint breaking out of it is a payload to show.
    let text = r#"<input name="csrf" value="c5f1a2b3">"#;
    assert_eq!(
        hidden(Xss, "html", text, &[("c5f1a2b3", false)]),
        ["c5f1a2b3"]
    );
    let text = r#"<input name="csrf" value="x"><script>alert(1)</script>">"#;
    let payload = [(r#"x"><script>alert(1)</script>"#, false)];
    assert!(hidden(Xss, "html", text, &payload).is_empty());
}

#[test]
fn aws_key_ids_and_json_web_tokens_glued_to_other_characters_are_recognised() {
    assert_eq!(found("xAKIAIOSFODNN7EXAMPLE"), ["AKIAIOSFODNN7EXAMPLE"]);
    assert_eq!(
        found("user1ASIAY34FZKBOKMUTVV7Aend"),
        ["ASIAY34FZKBOKMUTVV7A"]
    );
    let two = "AKIAIOSFODNN7EXAMPLEASIAY34FZKBOKMUTVV7A";
    assert_eq!(found(&format!("ids:{two}.")), [two]);
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    assert_eq!(found(&format!("1{jwt}")), [jwt]);
    assert_eq!(found(&format!("Bearer{jwt} x")), [jwt]);
    // Ordinary words and identifiers that contain the prefixes.
    let plain = "AKIAK AKIAS ASIAN EURASIA SLOVAKIA_2024 keyJar eyJohn heyJude.eyJude.x \
                 monkeyJar.eyJohn.smith surveyJs.eyJs.min.js keyJson.eyJsonSchema.v1";
    assert!(found(plain).is_empty(), "{:?}", found(plain));
}

/// For `k` repeats of a unit, the number of hidden spans and their total length.
type Expected<'a> = &'a dyn Fn(usize) -> (usize, usize);

#[test]
fn adversarial_repeats_give_spans_in_proportion() {
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    let glued_jwt = format!("1{jwt} ");
    let field = "<input name=csrf value=\"";
    let cases: [(&str, Expected<'_>); 10] = [
        ("eyJ", &|_| (0, 0)),
        ("1eyJ", &|_| (0, 0)),
        ("keyJar.eyJohn ", &|_| (0, 0)),
        (&glued_jwt, &|k| (k, k * jwt.len())),
        ("AKIA ", &|_| (0, 0)),
        ("xAKIAIOSFODNN7EXAMPLE", &|k| (k, k * 20)),
        // Glued ids are one run, hidden whole.
        ("AKIAIOSFODNN7EXAMPLE", &|k| (1, k * 20)),
        // An unquoted value stops at the next tag.
        ("<input name=csrf value=", &|_| (0, 0)),
        ("<input name=csrf value=v>", &|k| (k, k)),
        // Each quote closes the value the one before opened.
        (field, &|k| (k / 2, k / 2 * (field.len() - 1))),
    ];
    for (unit, expected) in cases {
        for k in [4, 16] {
            let text = unit.repeat(k);
            for tainted in [vec![], vec![(0..text.len(), false)]] {
                let spans = secret_spans(&Subject {
                    class: Xss,
                    argument: "arg",
                    text: text.as_bytes(),
                    tainted: &tainted,
                    scratch: &Default::default(),
                    from: crate::analyzers::LiteralStarts::WHOLE,
                });
                let shape = (spans.len(), spans.iter().map(ExactSizeIterator::len).sum());
                assert_eq!(shape, expected(k), "{unit:?} x{k}, tainted: {tainted:?}");
            }
        }
    }
}

#[test]
fn the_tainted_injection_stays_readable_while_an_untainted_password_literal_is_hidden() {
    let text = "SELECT * FROM users WHERE name = '' OR 1=1 --' AND pass = 'hunter2'";
    let tainted = [("' OR 1=1 --", false)];
    assert_eq!(hidden(SqlInjection, "sql", text, &tainted), ["hunter2"]);
    // Also when only the SQL reading can tell: the comment the payload opened swallows the
    // program's literal, which the program's own query still has.
    let text = "SELECT * FROM users WHERE name = '' OR 1=1 --' AND note = 'hunter2'";
    assert_eq!(hidden(SqlInjection, "sql", text, &tainted), ["hunter2"]);
}

#[test]
fn sql_literals_the_taint_does_not_touch_are_hidden() {
    let text = "UPDATE t SET a = 'x1', \"col\" = 2 /* 'c' */ WHERE n = 'guest' -- 'z'";
    assert_eq!(
        hidden(SqlInjection, "sql", text, &[("guest", false)]),
        ["x1"]
    );
    // With a backslash the generic dialect also reads the text as MySQL, where `"..."` is a
    // string: a literal either reading sees is hidden.
    let text = "UPDATE t SET a = E'y\\'2', \"col\" = 1";
    assert_eq!(hidden(SqlInjection, "sql", text, &[]), ["y\\'2", "col"]);
    // The literal the taint touches is readable whole, the program's part too.
    let text = "SELECT 1 WHERE a = 'pre-guest-post'";
    assert!(hidden(SqlInjection, "sql", text, &[("guest", false)]).is_empty());
    // Evidence cut inside a literal.
    let text = "INSERT INTO t VALUES ('guest', 'long secr";
    assert_eq!(
        hidden(SqlInjection, "sql", text, &[("guest", false)]),
        ["long secr"]
    );
    // Only SQL sinks read literals.
    assert!(hidden(Xss, "html", "<a title='x'>", &[]).is_empty());
}

#[test]
fn sql_literal_spans_follow_the_dialect() {
    let text = b"SELECT \"a\", 'b', `c`, $t$d$t$, [e] FROM t";
    let insides = |d| -> Vec<&str> {
        string_literal_spans(d, text, LiteralStarts::WHOLE, &Default::default())
            .into_iter()
            .map(|r| std::str::from_utf8(&text[r]).unwrap_or_default())
            .collect()
    };
    assert_eq!(insides(SqlDialect::MySql), ["a", "b"]);
    assert_eq!(insides(SqlDialect::PostgreSql), ["b", "d"]);
    assert_eq!(insides(SqlDialect::Sqlite), ["b"]);
    // The generic reading also takes MySQL's backslash escapes.
    let text = b"SELECT 'it\\'s secret' FROM t";
    let spans = string_literal_spans(
        SqlDialect::Generic,
        text,
        LiteralStarts::WHOLE,
        &Default::default(),
    );
    assert!(spans.iter().any(|r| &text[r.clone()] == b"it\\'s secret"));
}

#[test]
fn spans_are_sorted_merged_and_within_bounds_for_any_input() {
    let sample = "SELECT 'a\u{e9}' , password='x' -- Bearer 9f8e7d6c5b4a eyJa.eyJb.c \
                  https://u:p@h AKIAIOSFODNN7EXAMPLE -----BEGIN PRIVATE KEY-----\nQ\n\
                  -----END PRIVATE KEY----- \"token\": \"t\" Basic YTpi";
    let mut bytes = sample.as_bytes().to_vec();
    bytes.extend_from_slice(b"\xff\xfe'\xc3");
    for class in [SqlInjection, Xss] {
        for end in 0..=bytes.len() {
            let text = &bytes[..end];
            let tainted = [(3..9, false), (5..7, true), (20..400, false)];
            let spans = secret_spans(&Subject {
                class,
                argument: "arg",
                text,
                tainted: &tainted,
                scratch: &Default::default(),
                from: crate::analyzers::LiteralStarts::WHOLE,
            });
            assert!(spans.iter().all(|r| r.start < r.end && r.end <= text.len()));
            assert!(spans.windows(2).all(|w| w[0].end < w[1].start));
        }
    }
}

#[test]
fn adversarial_inputs_take_linear_time() {
    // Each repeats what could restart a scan at every byte; quadratic work on these would
    // take minutes.
    let n = 1 << 18;
    let units: [&[u8]; 25] = [
        b"password=",
        b"token:",
        b"'",
        b"password=\"",
        b"eyJ.",
        b"eyJa",
        b"-----BEGIN PRIVATE KEY-----",
        b"a://",
        b"a://u:p@",
        b"Bearer ",
        b"AKIA",
        b"basic /",
        b"\"password\": [",
        b"password={",
        b"Authorization: Bearer ",
        b"$a",
        b"E'\\",
        b"1eyJ",
        b"xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx",
        b"keyJar.eyJohn.",
        b"xAKIA",
        b"AKIAIOSFODNN7EXAMPLE",
        b"<input name=csrf value=",
        b"<input name=csrf value=\"",
        b"<a b=\\'",
    ];
    for unit in units {
        let text: Vec<u8> = unit.iter().copied().cycle().take(n).collect();
        let tainted = [(1..n / 2, false)];
        for class in [SqlInjection, Xss] {
            let spans = secret_spans(&Subject {
                class,
                argument: "arg",
                text: &text,
                tainted: &tainted,
                scratch: &Default::default(),
                from: crate::analyzers::LiteralStarts::WHOLE,
            });
            assert!(spans.iter().all(|r| r.end <= n));
        }
        let _ = secret_name(std::str::from_utf8(&text).unwrap_or_default());
    }
}

/// Redaction reads the literals of the query the program meant only when replacing the
/// tainted bytes could change a token (`meant_reads_the_same`): on random texts of SQL and
/// not-quite-SQL fragments, with tainted runs inside literals or anywhere, the literals found
/// equal those of both readings.
#[test]
fn the_meant_query_is_read_again_only_when_it_could_differ() {
    const PIECES: &[&str] = &[
        "SELECT ",
        "'",
        "\"",
        "`",
        "\\",
        "$",
        "$t$",
        "--",
        "/*",
        "*/",
        "\n",
        "name",
        "bc ",
        "= ",
        "x'y",
        "''",
        "\u{e9}",
        " ",
        ",",
        "(",
        ")",
        "1",
        "E'",
        "#",
        "WHERE a = '",
        "ok",
    ];
    let reference = |text: &[u8], tainted: &[Range<usize>]| {
        let (dialect, scratch) = (sql_dialect(), Scratch::default());
        let mut literals = string_literal_spans(dialect, text, LiteralStarts::WHOLE, &scratch);
        let mut meant = text.to_vec();
        for r in tainted {
            meant[r.clone()].fill(b'x');
        }
        literals.extend(string_literal_spans(
            dialect,
            &meant,
            LiteralStarts::WHOLE,
            &scratch,
        ));
        literals.retain(|l| !l.is_empty() && !overlaps(tainted, l.clone()));
        literals
    };
    // Another seed from `IAST_TEST_SEED`, for runs by hand.
    let seed = std::env::var("IAST_TEST_SEED").map_or(0x5eed_1234, |s| s.parse().unwrap_or(1));
    let mut rng = crate::test_rng::Rng(seed);
    let mut shortcuts = 0;
    for _ in 0..20_000 {
        let text: String = (0..3 + rng.below(12))
            .map(|_| PIECES[rng.below(PIECES.len())])
            .collect();
        let text = text.as_bytes();
        let literals = string_literal_spans(
            sql_dialect(),
            text,
            LiteralStarts::WHOLE,
            &Default::default(),
        );
        let mut runs = Vec::new();
        for _ in 0..1 + rng.below(3) {
            // Inside a literal half of the time, anywhere otherwise.
            let within = match literals.get(rng.below(2 * literals.len().max(1))) {
                Some(l) => l.clone(),
                None => 0..text.len(),
            };
            let start = within.start + rng.below(within.len() + 1);
            let end = start + rng.below(within.end - start + 1);
            runs.push(start..end);
        }
        let tainted = crate::ranges::merge(runs, text.len());
        shortcuts += usize::from(
            !tainted.is_empty()
                && super::meant_reads_the_same(sql_dialect(), text, &tainted, &literals),
        );
        let mut fast = sql_literals(text, &tainted, LiteralStarts::WHOLE, &Default::default());
        let mut slow = reference(text, &tainted);
        for spans in [&mut fast, &mut slow] {
            spans.sort_by_key(|r| (r.start, r.end));
            spans.dedup();
        }
        assert_eq!(
            fast,
            slow,
            "{:?} tainted {tainted:?}",
            String::from_utf8_lossy(text)
        );
    }
    assert!(
        shortcuts > 1_000,
        "the shortcut was taken {shortcuts} times"
    );
}
