//! Analyzer for NoSQL queries and documents.
//!
//! The argument is a query document as JSON (MongoDB, CouchDB Mango, Elasticsearch) or in the
//! relaxed syntax of a shell (`{name: 'bob'}`). It is tokenized rather than parsed with a JSON
//! library: the decision needs the byte offsets of keys, strings and punctuation, which a
//! deserializer does not give, and it must also cope with text that is not valid JSON.
//!
//! Tainted bytes change the query when they
//! - add structure: `{ } [ ] : ,`, a quote that ends a string, a `\` that escapes the
//!   program's closing quote, or a bare word that is not `true`, `false` or `null` (a whole
//!   tainted `{"$ne": null}` where a scalar was expected is structure too);
//! - write or change a key starting with `$`, which names an operator (`$where`, `$ne`, `$gt`,
//!   `$regex`, `$expr`, ...);
//! - sit anywhere in the value of `$where`, or in the JavaScript of a `$function` (`body`) or
//!   `$accumulator` (`init`, `accumulate`, `merge`, `finalize`): that is code;
//! - put regular-expression metacharacters into a `$regex` pattern;
//! - start a string with `$` in an aggregation expression (`$expr`, `$group`, ...), where it
//!   names a field or variable instead of being a constant.
//!
//! Tainted bytes inside one string (a value, or a key not starting with `$`), one number, or
//! one `true`/`false`/`null` leave the query's structure alone.

use super::Input;
use std::ops::Range;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let text = input.text;
    let tokens = tokenize(text);
    let roles = roles(text, &tokens);
    crate::ranges::merge(input.tainted.iter().cloned(), text.len())
        .iter()
        .any(|r| changes_query(text, &tokens, &roles, r))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A string in `"` or `'`; `closed` when its closing quote is present.
    Str {
        closed: bool,
    },
    Number,
    /// An unquoted identifier: a shell key, `true`, `false`, `null`, an operator or code.
    Word,
    /// `{ } [ ] : ,`
    Punct,
    /// Any other byte.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    span: Range<usize>,
}

fn tokenize(text: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let start = i;
        let kind = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'"' | b'\'' => {
                i += 1;
                let mut closed = false;
                while let Some(&c) = text.get(i) {
                    i += 1;
                    if c == b'\\' {
                        i += 1;
                    } else if c == b {
                        closed = true;
                        break;
                    }
                }
                i = i.min(text.len());
                Kind::Str { closed }
            }
            b'-' | b'0'..=b'9'
                if text
                    .get(i + usize::from(b == b'-'))
                    .is_some_and(u8::is_ascii_digit) =>
            {
                i = number_end(text, i);
                Kind::Number
            }
            b'{' | b'}' | b'[' | b']' | b':' | b',' => {
                i += 1;
                Kind::Punct
            }
            _ if is_word_start(b) => {
                while text.get(i).is_some_and(|&c| is_word_byte(c)) {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                i += 1;
                Kind::Other
            }
        };
        tokens.push(Token {
            kind,
            span: start..i,
        });
    }
    tokens
}

fn number_end(text: &[u8], mut i: usize) -> usize {
    let digits = |mut i: usize| {
        while text.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    if text.get(i) == Some(&b'-') {
        i += 1;
    }
    i = digits(i);
    if text.get(i) == Some(&b'.') && text.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i = digits(i + 1);
    }
    if matches!(text.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(text.get(i + 1), Some(b'+' | b'-')));
        if text.get(i + 1 + sign).is_some_and(u8::is_ascii_digit) {
            i = digits(i + 1 + sign);
        }
    }
    i
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

fn is_word_byte(b: u8) -> bool {
    is_word_start(b) || b.is_ascii_digit() || b == b'.'
}

/// How a value is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A constant.
    Data,
    /// A regular expression.
    Regex,
    /// An aggregation expression: a string starting with `$` is a field path or variable.
    Expr,
    /// JavaScript.
    Js,
}

/// The operator whose object a key belongs to, for keys whose meaning depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    None,
    Function,
    Accumulator,
    RegexOp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Key { operator: bool },
    Value(Ctx),
    Structure,
}

struct Frame {
    object: bool,
    ctx: Ctx,
    owner: Owner,
    /// Context and owner for the value after the current key.
    value_ctx: Ctx,
    value_owner: Owner,
}

impl Frame {
    fn for_value(&self) -> (Ctx, Owner) {
        if self.object {
            (self.value_ctx, self.value_owner)
        } else {
            (self.ctx, Owner::None)
        }
    }
}

/// The role of every token: structure, key, or a value and how it is interpreted.
fn roles(text: &[u8], tokens: &[Token]) -> Vec<Role> {
    // The root accepts keys too, for shell-style `name: 'bob'` without braces; it is never
    // popped, so an unbalanced `}` cannot empty the stack.
    let mut stack = vec![Frame {
        object: true,
        ctx: Ctx::Data,
        owner: Owner::None,
        value_ctx: Ctx::Data,
        value_owner: Owner::None,
    }];
    let mut roles = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        let Some(top) = stack.last_mut() else { break };
        let role = match (token.kind, text.get(token.span.start)) {
            (Kind::Punct, Some(&open @ (b'{' | b'['))) => {
                let (ctx, owner) = top.for_value();
                stack.push(Frame {
                    object: open == b'{',
                    ctx,
                    owner,
                    value_ctx: ctx,
                    value_owner: Owner::None,
                });
                Role::Structure
            }
            (Kind::Punct, Some(b'}' | b']')) => {
                if stack.len() > 1 {
                    stack.pop();
                }
                Role::Structure
            }
            (Kind::Punct | Kind::Other, _) => Role::Structure,
            (Kind::Str { .. } | Kind::Number | Kind::Word, _) => {
                let is_key = tokens.get(i + 1).is_some_and(|next| {
                    next.kind == Kind::Punct && text.get(next.span.start) == Some(&b':')
                });
                if is_key {
                    let name = key_name(text, token);
                    top.value_ctx = value_ctx(top.ctx, top.owner, &name);
                    top.value_owner = owner_of(&name);
                    Role::Key {
                        operator: name.starts_with('$'),
                    }
                } else {
                    Role::Value(top.for_value().0)
                }
            }
        };
        roles.push(role);
    }
    roles
}

fn value_ctx(ctx: Ctx, owner: Owner, key: &str) -> Ctx {
    if ctx == Ctx::Js {
        return Ctx::Js;
    }
    match (owner, key) {
        (_, "$where")
        | (Owner::Function, "body")
        | (Owner::Accumulator, "init" | "accumulate" | "merge" | "finalize") => Ctx::Js,
        (_, "$regex") | (Owner::RegexOp, "regex") => Ctx::Regex,
        (
            _,
            "$expr" | "$function" | "$accumulator" | "$regexMatch" | "$regexFind" | "$regexFindAll"
            | "$group" | "$addFields" | "$replaceRoot" | "$replaceWith" | "$sortByCount"
            | "$bucket" | "$bucketAuto",
        ) => Ctx::Expr,
        _ => ctx,
    }
}

fn owner_of(key: &str) -> Owner {
    match key {
        "$function" => Owner::Function,
        "$accumulator" => Owner::Accumulator,
        "$regexMatch" | "$regexFind" | "$regexFindAll" => Owner::RegexOp,
        _ => Owner::None,
    }
}

/// The first characters of a key, unescaped: enough to compare with operator names, so that
/// `"\u0024where"` is `$where`.
fn key_name(text: &[u8], token: &Token) -> String {
    const LONGEST: usize = 32;
    let Token { kind, span } = token;
    let raw = match kind {
        Kind::Str { closed } => text.get(span.start + 1..span.end - usize::from(*closed)),
        _ => text.get(span.clone()),
    }
    .unwrap_or_default();
    let mut name = String::new();
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if name.len() >= LONGEST {
            break;
        }
        let (c, len) = if b == b'\\' && matches!(kind, Kind::Str { .. }) {
            unescape(raw, i)
        } else if b.is_ascii() {
            (char::from(b), 1)
        } else {
            (char::REPLACEMENT_CHARACTER, 1)
        };
        name.push(c);
        i += len;
    }
    name
}

/// The character of the escape sequence at `raw[i]` (a `\`) and the sequence's length.
fn unescape(raw: &[u8], i: usize) -> (char, usize) {
    match raw.get(i + 1) {
        Some(b'u') => {
            let code = raw
                .get(i + 2..i + 6)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u32::from_str_radix(hex, 16).ok());
            match code {
                Some(code) => (
                    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
                    6,
                ),
                None => ('u', 2),
            }
        }
        Some(b'n') => ('\n', 2),
        Some(b't') => ('\t', 2),
        Some(b'r') => ('\r', 2),
        Some(b'b') => ('\u{8}', 2),
        Some(b'f') => ('\u{c}', 2),
        Some(&b) if b.is_ascii() => (char::from(b), 2),
        Some(_) => (char::REPLACEMENT_CHARACTER, 2),
        None => ('\\', 1),
    }
}

/// Length of the escape sequence starting with the `\` at `text[i]`.
fn escape_len(text: &[u8], i: usize) -> usize {
    if text.get(i + 1) == Some(&b'u') { 6 } else { 2 }
}

fn changes_query(text: &[u8], tokens: &[Token], roles: &[Role], r: &Range<usize>) -> bool {
    let first = tokens.partition_point(|t| t.span.end <= r.start);
    let touched = &tokens[first..];
    let count = touched
        .iter()
        .take(2)
        .filter(|t| t.span.start < r.end)
        .count();
    let token = match (count, touched.first()) {
        (1, Some(token)) => token,
        // Only whitespace: harmless unless it splits a word or number.
        (0, _) => return splits_a_token(text, r),
        _ => return true,
    };
    let role = roles.get(first).copied().unwrap_or(Role::Structure);
    match token.kind {
        Kind::Punct | Kind::Other => true,
        Kind::Str { closed } => {
            let content = token.span.start + 1..token.span.end - usize::from(closed);
            let inside = content.start <= r.start && r.end <= content.end;
            let whole = closed && r.start <= token.span.start && token.span.end <= r.end;
            if !(inside || whole) || escapes_beyond(text, &content, r) {
                return true;
            }
            match role {
                Role::Key { operator } => operator,
                Role::Value(Ctx::Data) => false,
                Role::Value(Ctx::Js) | Role::Structure => true,
                Role::Value(Ctx::Regex) => {
                    let bytes = text.get(r.start.max(content.start)..r.end.min(content.end));
                    bytes
                        .unwrap_or_default()
                        .iter()
                        .any(|b| b"\\^$.|?*+()[]{}".contains(b))
                }
                Role::Value(Ctx::Expr) => {
                    r.start <= content.start && key_name(text, token).starts_with('$')
                }
            }
        }
        Kind::Number => {
            matches!(role, Role::Value(Ctx::Js) | Role::Structure) || splits_a_token(text, r)
        }
        Kind::Word => match role {
            Role::Key { operator } => operator,
            Role::Value(Ctx::Js) | Role::Structure => true,
            Role::Value(_) => {
                let word = text.get(token.span.clone()).unwrap_or_default();
                !matches!(word, b"true" | b"false" | b"null") || splits_a_token(text, r)
            }
        },
    }
}

/// Whether a tainted `\` in the string `content` escapes a byte after the tainted range (the
/// program's closing quote, typically).
fn escapes_beyond(text: &[u8], content: &Range<usize>, r: &Range<usize>) -> bool {
    let start = r.start.max(content.start);
    let end = r.end.min(content.end);
    // A run of backslashes before the range decides whether its first byte is escaped.
    let before = text
        .get(content.start..start)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count();
    let mut i = start + before % 2;
    while i < end {
        if text.get(i) == Some(&b'\\') {
            let len = escape_len(text, i);
            if i + len > r.end {
                return true;
            }
            i += len;
        } else {
            i += 1;
        }
    }
    false
}

/// Whether tainted whitespace in `r` separates two bytes that would otherwise belong to one
/// word or number.
fn splits_a_token(text: &[u8], r: &Range<usize>) -> bool {
    super::splits_a_token(text, r, |b| is_word_byte(b) || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use crate::vulnerability::Confidence;
    use Confidence::{Confirmed, Unsanitized};

    /// `confidence_of` with `<>` as the placeholder, since `{}` is JSON.
    fn c(template: &str, tainted: &str) -> Confidence {
        confidence_of(
            changes_structure,
            "query",
            &template.replace("<>", "{}"),
            tainted,
        )
    }

    #[test]
    fn operator_keys_are_confirmed() {
        assert_eq!(c(r#"{"<>": "x"}"#, "$where"), Confirmed);
        assert_eq!(c(r#"{"name": {"$<>": "bob"}}"#, "ne"), Confirmed);
        assert_eq!(c(r#"{"<>": "x"}"#, r"\u0024gt"), Confirmed);
        assert_eq!(c(r#"{<>: "x"}"#, "$regex"), Confirmed);
        assert_eq!(c(r#"{<>: 1}"#, r#""$expr""#), Confirmed);
    }

    #[test]
    fn added_structure_is_confirmed() {
        assert_eq!(c(r#"{"user": <>}"#, r#"{"$ne": null}"#), Confirmed);
        assert_eq!(c(r#"{"user": <>}"#, r#"{"$gt": ""}"#), Confirmed);
        assert_eq!(c(r#"{"tags": <>}"#, r#"["a", "b"]"#), Confirmed);
        assert_eq!(
            c(r#"{"user": "<>", "pass": "x"}"#, r#"admin", "$where": "1"#),
            Confirmed
        );
        assert_eq!(c(r#"{"user": "<>"}"#, r#"admin""#), Confirmed);
        assert_eq!(c(r#"{"user": "<>", "pass": "x"}"#, r"admin\"), Confirmed);
        assert_eq!(c(r#"{"age": <>}"#, "1, \"admin\": true"), Confirmed);
        assert_eq!(c(r#"{"age": <>}"#, "this.age"), Confirmed);
        assert_eq!(
            c("db.users.find({name: '<>'})", "x'}, {$where: 'sleep(1000)"),
            Confirmed
        );
        assert_eq!(c("<>", r#"{"name": "bob"}"#), Confirmed);
    }

    #[test]
    fn javascript_values_are_confirmed() {
        assert_eq!(c(r#"{"$where": "this.name == '<>'"}"#, "bob"), Confirmed);
        assert_eq!(c(r#"{"$where": "this.age > <>"}"#, "18"), Confirmed);
        assert_eq!(c(r#"{"$where": <>}"#, "\"sleep(5000)\""), Confirmed);
        assert_eq!(
            c(
                r#"{"$expr": {"$function": {"body": "function(n) { return n == '<>' }", "args": ["$name"], "lang": "js"}}}"#,
                "bob"
            ),
            Confirmed
        );
        assert_eq!(
            c(
                r#"{"$group": {"_id": null, "n": {"$accumulator": {"init": "function() { return <> }"}}}}"#,
                "0"
            ),
            Confirmed
        );
    }

    #[test]
    fn regex_and_expression_values() {
        assert_eq!(c(r#"{"name": {"$regex": "^<>"}}"#, ".*"), Confirmed);
        assert_eq!(c(r#"{"name": {"$regex": "^<>"}}"#, "(a+)+$"), Confirmed);
        assert_eq!(c(r#"{"name": {"$regex": "^<>"}}"#, "adm"), Unsanitized);
        assert_eq!(
            c(r#"{"$expr": {"$eq": ["$owner", "<>"]}}"#, "$password"),
            Confirmed
        );
        assert_eq!(
            c(r#"{"$expr": {"$eq": ["$owner", "<>"]}}"#, "bob"),
            Unsanitized
        );
        // Outside an aggregation expression a leading `$` is a plain character.
        assert_eq!(c(r#"{"price": "<>"}"#, "$5"), Unsanitized);
        assert_eq!(
            c(
                r#"{"$expr": {"$function": {"body": "f", "args": ["<>"]}}}"#,
                "$secret"
            ),
            Confirmed
        );
    }

    #[test]
    fn values_inside_one_string_or_number_are_unsanitized() {
        assert_eq!(c(r#"{"user": "<>"}"#, "alice"), Unsanitized);
        assert_eq!(c(r#"{"user": "<>"}"#, r#"a \"quoted\" name"#), Unsanitized);
        assert_eq!(c(r#"{"user": "<>"}"#, r"back\\slash"), Unsanitized);
        assert_eq!(c(r#"{"user": "<>"}"#, "{\\\"$ne\\\": 1}"), Unsanitized);
        assert_eq!(c(r#"{"user": "<>"}"#, "$where"), Unsanitized);
        assert_eq!(c(r#"{"user": "<>"}"#, r"caf\u00e9"), Unsanitized);
        assert_eq!(c(r#"{"age": <>}"#, "42"), Unsanitized);
        assert_eq!(c(r#"{"age": {"$gt": <>}}"#, "-1.5e3"), Unsanitized);
        assert_eq!(c(r#"{"page": <> }"#, " 3"), Unsanitized);
        assert_eq!(c(r#"{"active": <>}"#, "false"), Unsanitized);
        assert_eq!(c(r#"{"name": {"$in": ["<>", "x"]}}"#, "bob"), Unsanitized);
        assert_eq!(c(r#"{"name": {"$eq": "<>"}}"#, "bob"), Unsanitized);
        assert_eq!(c(r#"{"<>": 1}"#, "profile.name"), Unsanitized);
        assert_eq!(c(r#"{"selector": {"name": "<>"}}"#, "bob"), Unsanitized);
        assert_eq!(c("db.users.find({name: '<>'})", "O\\'Brien"), Unsanitized);
        // A whole string value where a scalar was expected stays a scalar.
        assert_eq!(c(r#"{"user": <>}"#, "\"alice\""), Unsanitized);
    }

    #[test]
    fn escapes_spanning_sources_are_judged_together() {
        let text = br#"{"a": "x\"y", "b": 1}"#;
        // A `\` from one source and the `"` it escapes from another.
        let split = [8..9, 9..10];
        let input = Input {
            text,
            tainted: &split,
            argument: "query",
        };
        assert!(!changes_structure(&input));
        let only_backslash = 8..9;
        let input = Input {
            text,
            tainted: std::slice::from_ref(&only_backslash),
            argument: "query",
        };
        assert!(changes_structure(&input));
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        let odd: [&[u8]; 10] = [
            b"",
            b"\"",
            b"\"\\",
            b"}}]]",
            b"{\"\\u12",
            b"{\"a\xff\":\0}",
            b"-",
            b"1e",
            b"'\\u0024",
            b"{:}",
        ];
        for text in odd {
            for at in 0..=text.len() {
                for end in at + 1..=text.len() {
                    let tainted = at..end;
                    changes_structure(&Input {
                        text,
                        tainted: std::slice::from_ref(&tainted),
                        argument: "query",
                    });
                }
            }
        }
    }

    #[test]
    fn huge_documents_stay_linear() {
        let mut text = br#"{"a": ""#.to_vec();
        text.extend(std::iter::repeat_n(b'x', 4 << 20));
        text.extend(br#""}"#);
        let tainted: Vec<Range<usize>> = (0..1000).map(|i| 10 + i * 100..20 + i * 100).collect();
        let input = Input {
            text: &text,
            tainted: &tainted,
            argument: "query",
        };
        let started = std::time::Instant::now();
        assert!(!changes_structure(&input));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
