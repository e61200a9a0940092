//! Every supported form of function compiles under each attribute and returns exactly what it
//! returned without it: free functions, methods with each receiver, generics, `async fn`,
//! `impl Trait` returns, `?` and early `return`, elided lifetimes, patterns in parameters,
//! visibility. With the `enabled` feature the registry names them, and the checks they add
//! see their arguments and return values.

use std::fmt::{self, Display};

/// The error of the fallible functions below; converted from `ParseIntError` by `?`.
#[derive(Debug, PartialEq)]
struct BadInput;

impl From<std::num::ParseIntError> for BadInput {
    fn from(_: std::num::ParseIntError) -> Self {
        BadInput
    }
}

// ---------------------------------------------------------------------------------------
// Free functions
// ---------------------------------------------------------------------------------------

/// Documented, and the docs stay on the function.
#[iast::source(origin = "http.parameter")]
#[inline]
fn param(v: &str) -> String {
    v.to_owned()
}

#[iast::source]
fn default_origin(v: &str) -> String {
    v.to_owned()
}

#[cfg(feature = "enabled")]
const RUN_QUERY_LINE: u32 = line!() + 2;
#[iast::sink(sql)]
fn run_query(sql: &str) -> usize {
    sql.len()
}

#[iast::sink(command, args(program))]
fn spawn(program: &str, argv: &[String]) -> usize {
    program.len() + argv.len()
}

#[iast::sanitizer(sql, xss)]
fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

#[iast::validator(path)]
fn is_plain_name(p: &str) -> bool {
    !p.contains('/') && !p.contains("..")
}

#[test]
fn free_functions_return_what_they_returned() {
    let run = || {
        assert_eq!(param("a"), "a");
        assert_eq!(default_origin("b"), "b");
        assert_eq!(run_query("select"), 6);
        assert_eq!(spawn("ls", &["-l".to_owned()]), 3);
        assert_eq!(quote("o'k"), "'o''k'");
        assert!(is_plain_name("file.txt"));
        assert!(!is_plain_name("../etc/passwd"));
    };
    run();
    iast::check(run);
}

#[cfg(feature = "enabled")]
#[test]
fn free_functions_are_registered_under_their_path() {
    let registry = iast::registry();
    let sink = registry
        .sinks()
        .find(|i| i.function() == "attributes::run_query")
        .expect("run_query is registered");
    assert_eq!(sink.file(), "tests/attributes.rs");
    assert_eq!(sink.line(), RUN_QUERY_LINE);
    match sink.kind() {
        iast::ItemKind::Sink {
            classes,
            args,
            serialized,
        } => {
            assert!(classes.contains(iast::Vulnerability::SqlInjection));
            assert!(args.is_empty());
            assert!(!serialized);
        }
        other => panic!("not a sink: {other:?}"),
    }
    let spawn = registry
        .sinks()
        .find(|i| i.function() == "attributes::spawn")
        .unwrap();
    assert!(matches!(
        spawn.kind(),
        iast::ItemKind::Sink {
            args: ["program"],
            ..
        }
    ));

    let param = registry
        .sources()
        .find(|i| i.function() == "attributes::param")
        .unwrap();
    assert_eq!(param.origin(), Some("http.parameter"));
    let default = registry
        .sources()
        .find(|i| i.function() == "attributes::default_origin")
        .unwrap();
    assert_eq!(default.origin(), Some("attributes::default_origin"));

    let quote = registry
        .sanitizers()
        .find(|i| i.function() == "attributes::quote")
        .unwrap();
    assert!(quote.classes().contains(iast::Vulnerability::SqlInjection));
    assert!(quote.classes().contains(iast::Vulnerability::Xss));
    assert!(
        registry
            .validators()
            .any(|i| i.function() == "attributes::is_plain_name")
    );
}

#[cfg(feature = "enabled")]
#[test]
fn a_source_flowing_into_a_sink_is_found() {
    let report = iast::check(|| {
        let name = param("x' OR '1'='1");
        run_query(&format!("SELECT * FROM t WHERE name = '{name}'"));
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    assert_eq!(
        report.findings()[0].sink().function(),
        "attributes::run_query"
    );

    // `args(program)`: the other parameter is not checked.
    let report = iast::check(|| {
        let tainted = param("; rm -rf /");
        spawn("ls", &[tainted]);
    });
    assert!(report.is_clean(), "{report}");
}

// ---------------------------------------------------------------------------------------
// Methods under #[iast::methods]
// ---------------------------------------------------------------------------------------

struct Db {
    name: String,
    log: Vec<String>,
}

#[iast::methods]
impl Db {
    const KIND: &'static str = "db";

    fn new(name: &str) -> Db {
        Db {
            name: name.to_owned(),
            log: Vec::new(),
        }
    }

    /// An elided lifetime in the return type.
    #[iast::source(origin = "db.name")]
    fn name(&self) -> &str {
        &self.name
    }

    /// A borrow of a field of `&mut self`, which only a closure called once may return.
    #[iast::source]
    fn name_mut(&mut self) -> &mut String {
        &mut self.name
    }

    #[iast::sink(sql)]
    #[must_use]
    fn execute(&mut self, sql: &str) -> usize {
        self.log.push(sql.to_owned());
        self.log.len()
    }

    #[iast::sanitizer(xss)]
    fn into_name(self) -> String {
        self.name
    }

    #[iast::sink(command, args(self))]
    fn boxed(self: Box<Self>) -> usize {
        self.log.len()
    }

    /// Not annotated: passes through untouched.
    fn kind(&self) -> &'static str {
        Self::KIND
    }
}

#[test]
fn methods_with_each_receiver_return_what_they_returned() {
    let run = || {
        let mut db = Db::new("main");
        assert_eq!(db.name(), "main");
        db.name_mut().push_str("-1");
        assert_eq!(db.name(), "main-1");
        assert_eq!(db.execute("select 1"), 1);
        assert_eq!(db.execute("select 2"), 2);
        assert_eq!(db.kind(), "db");
        assert_eq!(Box::new(Db::new("b")).boxed(), 0);
        assert_eq!(db.into_name(), "main-1");
    };
    run();
    iast::check(run);
}

#[cfg(feature = "enabled")]
#[test]
fn methods_are_registered_as_type_and_method() {
    let registry = iast::registry();
    let sources: Vec<_> = registry.sources().map(|i| i.function()).collect();
    assert!(sources.contains(&"attributes::Db::name"), "{sources:?}");
    assert!(sources.contains(&"attributes::Db::name_mut"), "{sources:?}");
    let sinks: Vec<_> = registry.sinks().map(|i| i.function()).collect();
    assert!(sinks.contains(&"attributes::Db::execute"), "{sinks:?}");
    assert!(sinks.contains(&"attributes::Db::boxed"), "{sinks:?}");
    assert!(
        registry
            .sanitizers()
            .any(|i| i.function() == "attributes::Db::into_name")
    );
    let all: Vec<_> = registry.items().iter().map(|i| i.function()).collect();
    assert!(!all.contains(&"attributes::Db::kind"), "{all:?}");

    let report = iast::check(|| {
        let mut db = Db::new("main");
        let input = param("' OR 1=1 --");
        let _ = db.execute(&format!("SELECT {input}"));
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    assert_eq!(
        report.findings()[0].sink().function(),
        "attributes::Db::execute"
    );
}

/// A generic impl and a trait impl: the registry shows the type without its generics.
struct Wrapper<T>(T);

#[iast::methods]
impl<T: AsRef<str>> Wrapper<T> {
    #[iast::source]
    fn get(&self) -> String {
        self.0.as_ref().to_owned()
    }
}

trait Render {
    fn render(&self, text: &str) -> String;
}

#[iast::methods]
impl<T> Render for Wrapper<T>
where
    T: AsRef<str>,
{
    #[iast::sanitizer(xss)]
    fn render(&self, text: &str) -> String {
        format!("{}{}", self.0.as_ref(), text.replace('<', "&lt;"))
    }
}

/// A trait's default method, annotated on its own.
trait Store {
    #[iast::sink(nosql)]
    fn put(&self, doc: &str) -> usize {
        doc.len()
    }
}

impl Store for Db {}

#[test]
fn generic_and_trait_impls() {
    assert_eq!(Wrapper("a").get(), "a");
    assert_eq!(Wrapper(String::from("b")).render("<i>"), "b&lt;i>");
    assert_eq!(Db::new("x").put("{}"), 2);
    #[cfg(feature = "enabled")]
    {
        let registry = iast::registry();
        assert!(
            registry
                .sources()
                .any(|i| i.function() == "attributes::Wrapper::get")
        );
        assert!(
            registry
                .sanitizers()
                .any(|i| i.function() == "attributes::Wrapper::render")
        );
        assert!(registry.sinks().any(|i| i.function() == "attributes::put"));
    }
}

// ---------------------------------------------------------------------------------------
// Generics, parameter types and patterns
// ---------------------------------------------------------------------------------------

#[iast::sink(sql)]
fn generic<T, S>(value: T, suffix: S) -> String
where
    T: AsRef<str>,
    S: Display,
{
    format!("{}{suffix}", value.as_ref())
}

#[iast::source]
fn generic_source<T: Into<String>>(value: T) -> String {
    value.into()
}

#[iast::sink(path)]
fn many_kinds(
    path: impl AsRef<str>,
    flags: &mut Vec<u8>,
    owned: String,
    bytes: &[u8],
    boxed: Box<str>,
    shown: &dyn Display,
    count: u32,
) -> usize {
    flags.push(1);
    path.as_ref().len()
        + owned.len()
        + bytes.len()
        + boxed.len()
        + shown.to_string().len()
        + count as usize
}

struct Pair(String);

#[iast::sink(sql)]
fn patterns((first, second): (String, String), Pair(third): Pair, _: &str, mut n: u8) -> String {
    n += 1;
    format!("{first}{second}{third}{n}")
}

/// A parameter that is configured away is not checked either.
#[iast::sink(sql)]
fn configured(sql: &str, #[cfg(not(test))] absent: &str, #[cfg(test)] present: &str) -> usize {
    sql.len() + present.len()
}

#[iast::validator(path)]
fn validates_patterns(Pair(p): Pair, [a, b]: [&str; 2]) -> bool {
    !p.is_empty() && a != b
}

#[test]
fn generics_and_parameter_types() {
    let run = || {
        assert_eq!(generic("a", 1), "a1");
        assert_eq!(generic(String::from("b"), "c"), "bc");
        assert_eq!(generic_source("x"), "x");
        let mut flags = Vec::new();
        let shown = 7;
        assert_eq!(
            many_kinds("ab", &mut flags, "c".into(), b"d", "e".into(), &shown, 1),
            7
        );
        assert_eq!(flags, [1]);
        assert_eq!(
            patterns(("a".into(), "b".into()), Pair("c".into()), "ignored", 1),
            "abc2"
        );
        assert!(validates_patterns(Pair("p".into()), ["a", "b"]));
        assert_eq!(configured("ab", "c"), 3);
    };
    run();
    iast::check(run);
}

#[cfg(feature = "enabled")]
#[test]
fn each_name_bound_by_a_pattern_is_checked() {
    let report = iast::check(|| {
        let tainted = param("' OR 1=1 --");
        patterns(("a".into(), "b".into()), Pair(tainted), "also ignored", 0);
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    let report = iast::check(|| {
        let tainted = param("' OR 1=1 --");
        patterns((String::new(), tainted), Pair(String::new()), "", 0);
    });
    assert_eq!(report.findings().len(), 1, "{report}");
}

// ---------------------------------------------------------------------------------------
// Return types and control flow
// ---------------------------------------------------------------------------------------

#[iast::source]
fn lines(text: &str) -> impl Iterator<Item = String> {
    text.lines()
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

#[iast::source]
fn as_ref_str(v: &str) -> impl AsRef<str> {
    v.to_owned()
}

#[iast::sanitizer(xss)]
fn escaped(v: &str) -> Result<impl Display, BadInput> {
    if v.is_empty() {
        return Err(BadInput);
    }
    Ok(v.replace('<', "&lt;"))
}

#[iast::sanitizer(xss)]
fn trimmed<'a>(v: &'a str) -> &'a str {
    v.trim()
}

#[iast::source]
fn parse_port(v: &str) -> Result<u16, BadInput> {
    if v.is_empty() {
        return Ok(80);
    }
    let port: u16 = v.parse()?;
    Ok(port)
}

#[iast::source]
fn header_value(raw: &str) -> Result<String, BadInput> {
    if raw.is_empty() {
        return Err(BadInput);
    }
    let (_, value) = raw.split_once(':').ok_or(BadInput)?;
    Ok(value.trim().to_owned())
}

#[iast::source]
fn inferred_from_the_return_type(early: bool) -> Vec<String> {
    let mut v = Default::default();
    if early {
        return v;
    }
    v.push("late".to_owned());
    v
}

#[iast::validator(path)]
fn depth_ok(p: &str, limit: &str) -> Result<usize, BadInput> {
    let limit: usize = limit.parse()?;
    if p.is_empty() {
        return Ok(0);
    }
    let depth = p.split('/').count();
    if depth > limit {
        return Err(BadInput);
    }
    Ok(depth)
}

#[iast::validator(path)]
fn io_checked(p: &str) -> std::io::Result<()> {
    if p.contains('\0') {
        return Err(std::io::Error::other("nul"));
    }
    Ok(())
}

#[iast::sink(sql)]
fn sink_returning_early(sql: &str) -> Result<usize, BadInput> {
    if sql.is_empty() {
        return Err(BadInput);
    }
    let n: usize = sql.trim().parse()?;
    Ok(n)
}

#[iast::source]
fn with_inner_attributes(v: &str) -> String {
    #![allow(unused_variables)]
    let unused = 1;
    v.to_owned()
}

#[iast::sink(sql)]
fn sink_with_inner_attributes(sql: &str) {
    #![allow(unused_variables)]
    let unused = sql.len();
}

#[iast::sink(sql)]
unsafe fn unsafe_sink(sql: &str, at: *const u8) -> u8 {
    // SAFETY: the caller passes a pointer into `sql`.
    unsafe { *at }.wrapping_add(sql.len() as u8)
}

#[iast::source]
unsafe fn unsafe_source(at: *const u8) -> u8 {
    // SAFETY: the caller passes a valid pointer.
    unsafe { *at }
}

#[iast::source]
extern "C" fn extern_source(n: u32) -> u32 {
    n + 1
}

#[iast::source]
fn r#type(v: &str) -> String {
    v.to_owned()
}

#[test]
fn return_types_and_control_flow() {
    let run = || {
        assert_eq!(lines("a\nb").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(as_ref_str("x").as_ref(), "x");
        assert_eq!(escaped("<b>").unwrap().to_string(), "&lt;b>");
        assert!(escaped("").is_err());
        assert_eq!(trimmed("  t "), "t");
        assert_eq!(parse_port(""), Ok(80));
        assert_eq!(parse_port("8080"), Ok(8080));
        assert_eq!(parse_port("http"), Err(BadInput));
        assert_eq!(header_value(""), Err(BadInput));
        assert_eq!(header_value("no colon"), Err(BadInput));
        assert_eq!(header_value("X: v "), Ok("v".to_owned()));
        assert_eq!(inferred_from_the_return_type(true), Vec::<String>::new());
        assert_eq!(inferred_from_the_return_type(false), ["late"]);
        assert_eq!(depth_ok("a/b", "3"), Ok(2));
        assert_eq!(depth_ok("", "3"), Ok(0));
        assert_eq!(depth_ok("a/b/c/d", "3"), Err(BadInput));
        assert_eq!(depth_ok("a", "three"), Err(BadInput));
        assert!(io_checked("ok").is_ok());
        assert!(io_checked("a\0b").is_err());
        assert_eq!(sink_returning_early(""), Err(BadInput));
        assert_eq!(sink_returning_early(" 12 "), Ok(12));
        assert_eq!(sink_returning_early("x"), Err(BadInput));
        assert_eq!(with_inner_attributes("i"), "i");
        sink_with_inner_attributes("s");
        let text = "four";
        // SAFETY: pointers into a live `&str`.
        assert_eq!(unsafe { unsafe_sink(text, text.as_ptr()) }, b'f' + 4);
        // SAFETY: as above.
        assert_eq!(unsafe { unsafe_source(text.as_ptr()) }, b'f');
        assert_eq!(extern_source(1), 2);
        assert_eq!(r#type("t"), "t");
    };
    run();
    iast::check(run);
}

#[cfg(feature = "enabled")]
#[test]
fn impl_trait_and_early_returns_are_recorded() {
    // The value behind `impl AsRef<str>` is recorded as what it is: a `String`.
    let report = iast::check(|| {
        let held = as_ref_str("' OR 1=1");
        run_query(held.as_ref());
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    // A value that left the body through `?` and `return` is recorded as well.
    let report = iast::check(|| {
        assert_eq!(header_value(""), Err(BadInput));
        assert_eq!(header_value("no colon"), Err(BadInput));
        let value = header_value("X-Name: ' OR 1=1").unwrap();
        run_query(&value);
    });
    assert_eq!(report.findings().len(), 1, "{report}");
    assert!(
        iast::registry()
            .sources()
            .any(|i| i.function() == "attributes::type")
    );
}

// ---------------------------------------------------------------------------------------
// async fn
// ---------------------------------------------------------------------------------------

#[iast::source(origin = "http.body")]
async fn read_body(v: &str) -> Result<String, BadInput> {
    if v.is_empty() {
        return Err(BadInput);
    }
    tokio::task::yield_now().await;
    let _: u8 = v.len().to_string().parse()?;
    Ok(v.to_owned())
}

#[iast::sink(sql)]
async fn exec_async(sql: String) -> usize {
    tokio::task::yield_now().await;
    sql.len()
}

#[iast::validator(path)]
async fn exists(p: &str) -> bool {
    tokio::task::yield_now().await;
    !p.contains("..")
}

struct Client {
    base: String,
}

#[iast::methods]
impl Client {
    #[iast::source]
    async fn base(&self) -> &str {
        tokio::task::yield_now().await;
        &self.base
    }

    #[iast::sink(ssrf)]
    async fn get(&mut self, url: &str) -> String {
        tokio::task::yield_now().await;
        self.base.push_str(url);
        self.base.clone()
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

#[tokio::test]
async fn async_functions_return_what_they_returned() {
    // What the instrumentation holds across `.await` keeps the futures `Send`.
    assert_send(read_body("s")).await.unwrap();
    assert_send(exec_async("s".into())).await;
    assert_send(exists("s")).await;
    assert_eq!(read_body("b").await, Ok("b".to_owned()));
    assert_eq!(read_body("").await, Err(BadInput));
    assert_eq!(exec_async("abc".into()).await, 3);
    assert!(exists("a").await);
    assert!(!exists("../a").await);
    let mut client = Client {
        base: "http://h/".into(),
    };
    assert_eq!(client.base().await, "http://h/");
    assert_eq!(client.get("p").await, "http://h/p");
}

#[cfg(feature = "enabled")]
#[tokio::test]
async fn async_sources_and_sinks_are_seen_in_their_task() {
    let report = iast::check_async(async {
        let body = read_body("1'; DROP TABLE t; --").await.unwrap();
        exec_async(format!("SELECT '{body}'")).await;
    })
    .await;
    assert_eq!(report.findings().len(), 1, "{report}");
    assert_eq!(
        report.findings()[0].sink().function(),
        "attributes::exec_async"
    );
    assert!(
        iast::registry()
            .sinks()
            .any(|i| i.function() == "attributes::Client::get")
    );
}

// ---------------------------------------------------------------------------------------
// Visibility, stacking
// ---------------------------------------------------------------------------------------

mod inner {
    #[iast::sink(log)]
    pub(crate) fn write_log(line: &str) -> usize {
        line.len()
    }

    pub(super) struct Service;

    #[iast::methods]
    impl Service {
        #[iast::sanitizer(log)]
        pub(crate) fn strip(&self, line: &str) -> String {
            line.replace('\n', " ")
        }
    }
}

#[iast::sink(ssrf)]
#[iast::source(origin = "http.response")]
fn fetch(url: &str) -> String {
    format!("body of {url}")
}

struct Http;

#[iast::methods]
impl Http {
    #[iast::source(origin = "http.response")]
    #[iast::sink(ssrf)]
    fn fetch(&self, url: &str) -> String {
        format!("body of {url}")
    }
}

#[test]
fn visibility_and_stacked_attributes() {
    assert_eq!(inner::write_log("l"), 1);
    assert_eq!(inner::Service.strip("a\nb"), "a b");
    assert_eq!(fetch("u"), "body of u");
    assert_eq!(Http.fetch("v"), "body of v");
    #[cfg(feature = "enabled")]
    {
        let registry = iast::registry();
        assert!(
            registry
                .sinks()
                .any(|i| i.function() == "attributes::inner::write_log")
        );
        assert!(
            registry
                .sanitizers()
                .any(|i| i.function() == "attributes::inner::Service::strip")
        );
        for name in ["attributes::fetch", "attributes::Http::fetch"] {
            assert!(registry.sinks().any(|i| i.function() == name), "{name}");
            assert!(registry.sources().any(|i| i.function() == name), "{name}");
        }
        let report = iast::check(|| {
            let url = param("http://169.254.169.254/");
            let body = Http.fetch(&url);
            fetch(&body);
        });
        // The tainted URL reaches both sinks: the second through the first's body.
        assert_eq!(report.findings().len(), 2, "{report}");
    }
}

/// Keeps `Display` in use when the `enabled` feature is off.
impl Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bad input")
    }
}
