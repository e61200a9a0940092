//! Where things are: annotated functions ([`Site`]), the application's calls into sinks
//! ([`CallSite`]) and the request a finding was made in ([`Route`]).
//!
//! Paths are machine-independent: relative to the workspace as the compiler gives them, or
//! `package/path-in-package` for a crate outside it. Nothing here holds an address.

use crate::registry::{Item, ItemKind};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Where an annotated function is defined; for a source of a finding, also what the value
/// was (the query parameter `q`, the header `x-tenant`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Site {
    function: Cow<'static, str>,
    file: Cow<'static, str>,
    line: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<Cow<'static, str>>,
    /// The source's name for the value: a parameter, header, cookie or field name, a JSON
    /// pointer. Given by `#[iast::source(name = param)]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    /// Where the value entered the fleet, when a trusted `iast.taint` entry said so: another
    /// service's request (see `iast::fleet`). Last, so that sites sort as they did without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    upstream: Option<Arc<Upstream>>,
}

/// Where a value a service received entered the fleet: in which service, at which route,
/// as what. Said by the sending service in `iast.taint` (see `iast::fleet`); it labels a
/// source the receiving service recorded itself, and never enters a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Upstream {
    service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    route: Option<String>,
    origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl Upstream {
    pub(crate) fn new(
        service: String,
        route: Option<String>,
        origin: String,
        name: Option<String>,
    ) -> Upstream {
        Upstream {
            service,
            route,
            origin,
            name,
        }
    }

    /// The service the value entered (`gateway`).
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The route of the request it entered with (`GET /search`), when that service's layer
    /// had matched one.
    pub fn route(&self) -> Option<&str> {
        self.route.as_deref()
    }

    /// The origin label of the source there (`http.query`), or its function path.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The name of the value there (`q`).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// What kind of input the value was there, in words (`query parameter`), for the origins
    /// of the web layers.
    pub fn kind_in_words(&self) -> Option<&'static str> {
        kind_in_words(&self.origin)
    }

    /// In words: ``entered at `gateway` as query parameter `q` of `GET /search` ``.
    pub fn describe(&self) -> String {
        let what = match &self.name {
            Some(name) => value_in_words(Some(&self.origin), name, &self.origin),
            None => format!("`{}`", self.origin),
        };
        match &self.route {
            Some(route) => format!("entered at `{}` as {what} of `{route}`", self.service),
            None => format!("entered at `{}` as {what}", self.service),
        }
    }
}

/// A named value in words (`query parameter `q``), from its source's origin, or its
/// function when the origin is not one the web layers give.
fn value_in_words(origin: Option<&str>, name: &str, function: &str) -> String {
    if origin == Some("http.body") && name == "body" {
        return "the request body".to_owned();
    }
    match (origin.and_then(kind_in_words), origin) {
        (Some(what), _) => format!("{what} `{name}`"),
        (None, Some(origin)) => format!("{origin} `{name}`"),
        (None, None) => format!("`{name}` from `{function}`"),
    }
}

/// What kind of input an origin is, in words, for the origins of the web layers
/// (`http.query`: `query parameter`).
fn kind_in_words(origin: &str) -> Option<&'static str> {
    Some(match origin {
        "http.query" => "query parameter",
        "http.path" => "path parameter",
        "http.header" => "header",
        "http.cookie" => "cookie",
        "http.json" => "JSON field",
        "http.form" => "form field",
        "http.multipart" => "multipart field",
        "http.body" => "body",
        crate::stored::ORIGIN => "database column",
        _ => return None,
    })
}

/// Longest source name kept; a longer one (a deep JSON pointer, a hostile header name) is
/// cut on a character boundary and marked with `…`.
pub(crate) const MAX_NAME: usize = 256;

impl Site {
    pub(crate) fn of(item: &'static Item) -> Site {
        Site {
            function: Cow::Borrowed(item.function),
            file: normalize_file(item),
            line: item.line,
            origin: match item.kind {
                ItemKind::Source { .. } => item.origin().map(Cow::Borrowed),
                _ => None,
            },
            name: None,
            upstream: None,
        }
    }

    /// The site of a source, with the name of the value it returned.
    pub(crate) fn of_source(item: &'static Item, name: Option<&str>) -> Site {
        let mut site = Site::of(item);
        site.name = name.map(|n| cut_name(n).into_owned());
        site
    }

    /// This source with the place its value entered the fleet, if known.
    pub(crate) fn with_upstream(mut self, upstream: Option<Arc<Upstream>>) -> Site {
        self.upstream = upstream;
        self
    }

    /// For a source whose value came from another service of the fleet: where it entered.
    pub fn upstream(&self) -> Option<&Upstream> {
        self.upstream.as_deref()
    }

    /// Full path of the function: `my_app::db::run_query`, `my_app::db::Db::run_query`.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// Source file, relative to the workspace (or to the package for a registry crate).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The line, 1-based.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// For a source: its origin label (`http.query`), or its function path.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// For a source of a finding: the name of the value (`q`, `x-tenant`, `/user/name`).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The origin label of a source, or its function path when it has none.
    pub fn origin_or_function(&self) -> &str {
        self.origin().unwrap_or(self.function())
    }

    /// What a source's value was, in words: `query parameter `q``, `header `x-tenant``,
    /// `JSON field `/user/name``; for a source without a name, its function. When the value
    /// came from another service, where it entered the fleet follows: `query parameter
    /// `name`, entered at `gateway` as query parameter `q` of `GET /search``.
    pub fn describe(&self) -> String {
        let here = self.describe_here();
        match self.upstream() {
            Some(up) => format!("{here}, {}", up.describe()),
            None => here,
        }
    }

    /// [`Site::describe`] without the upstream origin: what the value was in this service.
    pub fn describe_here(&self) -> String {
        match self.name() {
            Some(name) => value_in_words(self.origin(), name, &self.function),
            None => format!("`{}`", self.function),
        }
    }

    /// What kind of input a source's origin is, in words, for the origins of the web layers
    /// (`http.query`: `query parameter`).
    pub fn kind_in_words(&self) -> Option<&'static str> {
        kind_in_words(self.origin()?)
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` at {}:{}", self.function, self.file, self.line)
    }
}

pub(crate) fn cut_name(name: &str) -> Cow<'_, str> {
    if name.len() <= MAX_NAME {
        return Cow::Borrowed(name);
    }
    let mut end = MAX_NAME;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &name[..end]))
}

/// Where the application called a sink: the line of its own code that made the dangerous
/// call, found through `#[track_caller]` across the wrappers of iast-sinks, and the function
/// that line is in when the binary's debug information tells.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CallSite {
    file: String,
    line: u32,
    column: u32,
    /// The enclosing function (`app::handlers::download`), without closure and generic
    /// suffixes; `None` when the binary carries no debug information for the line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    function: Option<String>,
}

impl CallSite {
    pub(crate) fn new(file: &str, line: u32, column: u32, function: Option<String>) -> CallSite {
        CallSite {
            file: normalize_path(file, None),
            line,
            column,
            function,
        }
    }

    /// The application's source file, relative to its workspace.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The line, 1-based.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// 1-based; 0 when unknown (a line a layer named, such as a tracing event's).
    pub fn column(&self) -> u32 {
        self.column
    }

    /// The function the call is in, when known.
    pub fn function(&self) -> Option<&str> {
        self.function.as_deref()
    }
}

impl fmt::Display for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        // 0: a layer named the line only (a tracing event's metadata has no column).
        if self.column > 0 {
            write!(f, ":{}", self.column)?;
        }
        if let Some(function) = &self.function {
            write!(f, " in `{function}`")?;
        }
        Ok(())
    }
}

/// The request a finding was made in: its method and the route pattern that matched it
/// (`POST /v1/items/{id}`), never the concrete path, so that every request to one endpoint
/// names the same route.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Route {
    // Shared, so that a layer can keep the routes it has seen and give each request a copy
    // for two reference counts rather than two allocations.
    method: Arc<str>,
    pattern: Arc<str>,
}

impl Route {
    /// The route of `method` (`GET`) and the matched `pattern` (`/items/{id}`).
    pub fn new(method: impl Into<String>, pattern: impl Into<String>) -> Route {
        Route {
            method: method.into().into(),
            pattern: pattern.into().into(),
        }
    }

    /// The request's method.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The route pattern that matched the request.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.pattern)
    }
}

/// Makes `file!()` paths machine-independent. Paths inside the workspace are relative
/// already; an absolute one (a path dependency outside the workspace, a vendored, registry or
/// git crate) is written `package/path-in-package`, which no other package's file can equal.
///
/// Borrowed when `file!()` gave a clean relative path already, as it does for every file of
/// the workspace: a finding names its sink and sources by file, and copying the path for each
/// was a measurable part of a finding's cost.
pub(crate) fn normalize_file(item: &Item) -> Cow<'static, str> {
    let file: &'static str = item.file;
    if is_clean(file) {
        return Cow::Borrowed(file);
    }
    Cow::Owned(normalize_path(
        file,
        Some((item.package, item.manifest_dir)),
    ))
}

/// Whether [`normalize_path`] gives `file` back as it is: a relative path with no `.`, `..`
/// or empty segment, no backslash and no drive.
fn is_clean(file: &str) -> bool {
    let bytes = file.as_bytes();
    if bytes.get(1) == Some(&b':') || memchr::memchr(b'\\', bytes).is_some() {
        return false;
    }
    // A leading `/` makes an empty first segment.
    let mut start = 0;
    memchr::memchr_iter(b'/', bytes)
        .chain([bytes.len()])
        .all(|end| {
            let segment = &bytes[start..end];
            start = end + 1;
            !matches!(segment, b"" | b"." | b"..")
        })
}

/// [`normalize_file`] for any path, with the package and its directory when known. Without
/// them, a registry crate's path keeps its `name-version` directory, and any other absolute
/// path its directory above `src/`.
pub(crate) fn normalize_path(file: &str, package: Option<(&str, &str)>) -> String {
    if is_clean(file) {
        return file.to_owned();
    }
    normalize_unclean(file, package)
}

/// [`normalize_path`] of a path that may need it.
fn normalize_unclean(file: &str, package: Option<(&str, &str)>) -> String {
    let file = lexically_clean(&file.replace('\\', "/"));
    // Checked by hand: a Windows path must read as absolute whatever the host.
    let bytes = file.as_bytes();
    let drive =
        bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    if !(file.starts_with('/') || drive) {
        return file.strip_prefix("./").unwrap_or(&file).to_owned();
    }
    if let Some((name, dir)) = package {
        let dir = dir.replace('\\', "/");
        if let Some(rest) = file.strip_prefix(dir.trim_end_matches('/'))
            && rest.starts_with('/')
        {
            return format!("{name}{rest}");
        }
    }
    if let Some((_, rest)) = file.split_once("/registry/src/")
        && let Some((_, in_index)) = rest.split_once('/')
    {
        return in_index.to_owned();
    }
    match file.rsplit_once("/src/") {
        Some((dir, rest)) => match package {
            Some((name, _)) => format!("{name}/src/{rest}"),
            None => {
                let parent = dir.rsplit('/').next().unwrap_or_default();
                format!("{parent}/src/{rest}")
            }
        },
        None => file.rsplit('/').next().unwrap_or_default().to_string(),
    }
}

/// `a/./b/../c` → `a/c`: a module included with `#[path = "../x.rs"]` gives `file!()` paths
/// such as `tests/../examples/x.rs`, which name the same file as `examples/x.rs`. A `..` that
/// climbs above the start stays.
fn lexically_clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(file: &'static str, manifest_dir: &'static str) -> Item {
        Item {
            kind: ItemKind::Source {
                origin: None,
                strict: false,
            },
            function: "app::f",
            file,
            line: 1,
            package: "app-db",
            manifest_dir,
        }
    }

    #[test]
    fn clean_relative_paths_are_borrowed_as_they_are() {
        let clean = [
            "src/http.rs",
            "tests/engine.rs",
            "examples/service/app.rs",
            "a.rs",
        ];
        let unclean = [
            "./src/a.rs",
            "src/./a.rs",
            "src//a.rs",
            "tests/../src/a.rs",
            "src\\a.rs",
            "C:x",
        ];
        let all = clean
            .iter()
            .map(|f| (f, true))
            .chain(unclean.iter().map(|f| (f, false)));
        for (file, borrowed) in all {
            assert_eq!(is_clean(file), borrowed, "{file}");
            let normalized = normalize_file(&item(file, "/ws"));
            assert_eq!(matches!(normalized, Cow::Borrowed(_)), borrowed, "{file}");
            // What the fast path gives is what the whole normalization would have.
            assert_eq!(normalized, normalize_unclean(file, Some(("app-db", "/ws"))));
        }
    }

    #[test]
    fn absolute_paths_lose_their_machine_part() {
        let registry = "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/app-db-0.1.0";
        assert_eq!(
            normalize_file(&item(
                "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/app-db-0.1.0/src/fs.rs",
                registry
            )),
            "app-db/src/fs.rs"
        );
        assert_eq!(
            normalize_file(&item(
                "/home/u/.cargo/git/checkouts/app-1a2b/5e6f7a8/db/src/db.rs",
                "/home/u/.cargo/git/checkouts/app-1a2b/5e6f7a8/db"
            )),
            "app-db/src/db.rs"
        );
        assert_eq!(
            normalize_file(&item("C:\\work\\db\\src\\lib.rs", "C:\\work\\db")),
            "app-db/src/lib.rs"
        );
        assert_eq!(
            normalize_file(&item("tests/engine.rs", "/ws")),
            "tests/engine.rs"
        );
    }

    #[test]
    fn call_site_paths_without_a_package() {
        assert_eq!(normalize_path("src/http.rs", None), "src/http.rs");
        assert_eq!(normalize_path("./src/http.rs", None), "src/http.rs");
        assert_eq!(
            normalize_path("tests/../examples/service/app.rs", None),
            "examples/service/app.rs"
        );
        assert_eq!(
            normalize_path("../shared/src/db.rs", None),
            "../shared/src/db.rs"
        );
        assert_eq!(
            normalize_path(
                "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/app-db-0.1.0/src/fs.rs",
                None
            ),
            "app-db-0.1.0/src/fs.rs"
        );
        assert_eq!(
            normalize_path("/elsewhere/shared/src/db.rs", None),
            "shared/src/db.rs"
        );
    }

    #[test]
    fn sources_say_what_their_value_was() {
        static QUERY: Item = Item {
            kind: ItemKind::Source {
                origin: Some("http.query"),
                strict: false,
            },
            function: "app::query",
            file: "src/app.rs",
            line: 1,
            package: "app",
            manifest_dir: "/ws",
        };
        static PLAIN: Item = Item {
            kind: ItemKind::Source {
                origin: None,
                strict: false,
            },
            function: "app::input",
            file: "src/app.rs",
            line: 2,
            package: "app",
            manifest_dir: "/ws",
        };
        assert_eq!(
            Site::of_source(&QUERY, Some("q")).describe(),
            "query parameter `q`"
        );
        assert_eq!(Site::of_source(&PLAIN, None).describe(), "`app::input`");
        let long = "é".repeat(MAX_NAME);
        let cut = Site::of_source(&QUERY, Some(&long));
        assert!(cut.name().unwrap().ends_with('…'));
        assert!(cut.name().unwrap().len() <= MAX_NAME + '…'.len_utf8());
    }
}
