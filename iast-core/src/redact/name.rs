//! Whether a name says that what it names holds a secret.
//!
//! A name is read as words: split on every byte that is not an ASCII letter or digit and at
//! camelCase boundaries (`apiKey`, `HTTPToken` → `http` `token`), lower-cased, trailing digits
//! ignored (`password2`). Of a path (`app::auth::read_password`) only the last segment counts:
//! module names say where code lives, not what a function returns (`app::auth::current_user`
//! returns a user name).
//!
//! A name is secret when one of its words, or two adjacent words, is a secret term, unless the
//! word right after the term says the name is *about* the secret rather than the secret itself
//! (`password_file`, `token_url`, `token_type`, `secret_name`, `session_timeout`,
//! `cookie_domain`): such names hold paths, addresses and settings that a reviewer needs to
//! see. A term followed by anything else stays secret (`read_password_from_file`).
//!
//! Terms, and the decisions behind them:
//!
//! - inside any word, since they never occur by accident in other words: `password`, `passwd`,
//!   `passphrase`, `passcode`, `credential`, `authorization`, `cookie`, `sessionid`, `sessid`
//!   (`JSESSIONID`, `PHPSESSID`), `cardnumber`, `creditcard`, and `secret` except in
//!   `secretary` / `secretariat`;
//! - whole words only, since they are common inside other words: `pass` (not `passenger`,
//!   `passport`, `bypass`, `compass`), `auth` (not `author`, `authority`: the authority of a
//!   URL is a host), `pin` (not `spin`, `opinion`), `pwd`, `otp`, `totp`, `hotp`, `ssn`, `cvv`,
//!   `cvc`, `jwt`, `bearer`, `cred`, `creds`, `sid`, `session` (a session id or cookie; names
//!   about a session such as `session_timeout` fall to the rule above), `csrf` and `xsrf`
//!   (Express's `_csrf` field, a hidden form field or header holding the anti-forgery token);
//! - `token` as a word or at the end of one (`authtoken`, `csrftoken`), but not `tokenizer`,
//!   `tokenize`, `tokenized`: those name text processing, whose input and output are words of
//!   ordinary text;
//! - a card number: `card` or `cc` followed by `number` / `num` / `no` / `nr`, or `credit card`.
//!   `cc` alone is not secret: it is the carbon-copy list of an e-mail (a header injection
//!   sink's argument) or a compiler;
//! - `key` only after another word (`x-api-key`, `signing_key`, `AWS_SECRET_ACCESS_KEY`) and
//!   only as the last word or before a word naming its form (`api_key_header`,
//!   `private_key_pem`). `key` alone, and keys of data (`primary_key`, `sort_key`, `cache_key`,
//!   `object_key`, `idempotency_key`, `public_key`, ...) are not secret: an object-store key or
//!   a cache key is a path-like value whose evidence matters. `key_id` / `access_key_id` are
//!   not secret either: they name which key, are logged routinely, and an AWS access key id is
//!   caught by its value. `monkey`, `turkey`, `keyboard` and `keyword` are other words. Glued
//!   forms with a known first part count too (`apikey`, `privatekey`, `passkey`).
//! - `sig` (the signature of a shared-access URL); `signature` is not a term, since a forum
//!   `signature` is user text, a classic stored XSS sink argument.

/// Found inside any word.
const INSIDE: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "credential",
    "authorization",
    "cookie",
    "sessionid",
    "sessid",
    "cardnumber",
    "creditcard",
];

/// Whole words.
const WHOLE: &[&str] = &[
    "pass", "pwd", "auth", "pin", "otp", "totp", "hotp", "ssn", "cvv", "cvc", "jwt", "bearer",
    "cred", "creds", "sid", "session", "sig", "csrf", "xsrf",
];

/// First parts of glued `...key` words that make the key a secret.
const KEY_GLUED: &[&str] = &[
    "api",
    "access",
    "private",
    "priv",
    "secret",
    "signing",
    "encryption",
    "master",
    "license",
    "licence",
    "client",
    "hmac",
    "session",
    "pass",
    "app",
    "shared",
    "auth",
];

/// Words before `key` that make it a key of data rather than a secret.
const DATA_KEY: &[&str] = &[
    "primary",
    "foreign",
    "unique",
    "composite",
    "natural",
    "surrogate",
    "candidate",
    "alternate",
    "sort",
    "partition",
    "range",
    "hash",
    "cluster",
    "shard",
    "row",
    "index",
    "cache",
    "object",
    "s3",
    "bucket",
    "blob",
    "file",
    "map",
    "dict",
    "kv",
    "redis",
    "lookup",
    "search",
    "routing",
    "group",
    "order",
    "dedup",
    "dedupe",
    "idempotency",
    "public",
    "i18n",
    "translation",
    "message",
    "locale",
    "cursor",
    "page",
    "entity",
    "record",
    "item",
    "config",
    "setting",
    "settings",
    "field",
    "column",
    "attribute",
    "property",
    "prop",
    "json",
    "query",
    "param",
    "header",
    "label",
    "env",
    "hot",
];

/// Words after `key` naming the form the key is in.
const KEY_FORM: &[&str] = &[
    "value",
    "val",
    "str",
    "string",
    "bytes",
    "raw",
    "b64",
    "base64",
    "hex",
    "pem",
    "der",
    "data",
    "material",
    "header",
    "param",
    "env",
    "var",
    "text",
    "input",
    "plain",
    "plaintext",
    "encoded",
    "decoded",
];

/// Words after a term saying that the name is about the secret, not the secret.
const ABOUT: &[&str] = &[
    "url",
    "uri",
    "endpoint",
    "path",
    "file",
    "filename",
    "dir",
    "directory",
    "location",
    "type",
    "kind",
    "method",
    "mode",
    "scheme",
    "alg",
    "algorithm",
    "policy",
    "provider",
    "format",
    "len",
    "length",
    "size",
    "count",
    "max",
    "min",
    "ttl",
    "timeout",
    "expiry",
    "expires",
    "expiration",
    "lifetime",
    "age",
    "enabled",
    "disabled",
    "required",
    "name",
    "label",
    "field",
    "column",
    "prompt",
    "hint",
    "strength",
    "rule",
    "rules",
    "domain",
    "version",
    "attempts",
    "retries",
];

/// Whether a source (by its origin label or function path) or a parameter name looks like it
/// holds a secret. See the module documentation for the rules.
pub(crate) fn secret_name(name: &str) -> bool {
    if name.len() > MEMO_NAME {
        return judge(name);
    }
    // FNV-1a: the slot only; a collision evicts, and the name is compared whole.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let slot = (hash % MEMO_SLOTS as u64) as usize;
    MEMO.try_with(|memo| {
        let Ok(mut memo) = memo.try_borrow_mut() else {
            return judge(name);
        };
        if let Some((known, secret)) = &memo[slot]
            && **known == *name
        {
            return *secret;
        }
        let secret = judge(name);
        memo[slot] = Some((name.into(), secret));
        secret
    })
    .unwrap_or_else(|_| judge(name))
}

/// Names judged per thread and remembered: a check asks about the same few names again and
/// again (the column before each `=` of a query, a source's origin and name, the argument's
/// name), and the rules cost a few hundred nanoseconds and allocations per name. At most
/// `MEMO_SLOTS` names of at most `MEMO_NAME` bytes are kept, 3 KiB per thread.
const MEMO_SLOTS: usize = 64;
const MEMO_NAME: usize = 48;

/// A remembered name and whether it is secret.
type Judged = Option<(Box<str>, bool)>;

thread_local! {
    static MEMO: std::cell::RefCell<[Judged; MEMO_SLOTS]> =
        const { std::cell::RefCell::new([const { None }; MEMO_SLOTS]) };
}

/// [`secret_name`] without the memo.
fn judge(name: &str) -> bool {
    let last = name.rsplit("::").next().unwrap_or(name);
    let words = words(last);
    (0..words.len()).any(|i| secret_at(&words, i))
}

/// The lower-cased words of a name.
fn words(name: &str) -> Vec<String> {
    let b = name.as_bytes();
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, &c) in b.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !word.is_empty() {
            let prev = b[i - 1];
            let acronym_ends =
                prev.is_ascii_uppercase() && b.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || acronym_ends {
                out.push(std::mem::take(&mut word));
            }
        }
        word.push(char::from(c.to_ascii_lowercase()));
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// A word without its trailing digits (unless it is all digits).
fn stem(word: &str) -> &str {
    match word.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "" => word,
        s => s,
    }
}

/// Whether a secret term starts at word `i` and the name is not merely about it.
fn secret_at(words: &[String], i: usize) -> bool {
    let w = stem(&words[i]);
    let word = |j: usize| words.get(j).map(|s| stem(s));
    if w == "key" || w == "keys" {
        return i > 0
            && word(i - 1).is_some_and(|p| !DATA_KEY.contains(&p))
            && word(i + 1).is_none_or(|n| KEY_FORM.contains(&n));
    }
    let end = if INSIDE.iter().any(|t| w.contains(t))
        || (w.contains("secret") && !w.contains("secretar"))
        || WHOLE.contains(&w)
        || w.ends_with("token")
        || w.ends_with("tokens")
        || glued_key(w)
    {
        i
    } else if (matches!(w, "card" | "cc")
        && word(i + 1).is_some_and(|n| matches!(n, "number" | "num" | "no" | "nr")))
        || (w == "credit" && word(i + 1) == Some("card"))
    {
        i + 1
    } else {
        return false;
    };
    word(end + 1).is_none_or(|n| !ABOUT.contains(&n))
}

/// `apikey`, `privatekey`, `passkey`, ...
fn glued_key(w: &str) -> bool {
    w.strip_suffix("keys")
        .or_else(|| w.strip_suffix("key"))
        .is_some_and(|first| KEY_GLUED.contains(&first))
}
