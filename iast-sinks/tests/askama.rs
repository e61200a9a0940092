//! The askama checks, rendering real compiled templates: values escaped by the instrumented
//! escaper are clean, values written with `|safe` are XSS, and the escaper writes exactly
//! what askama's own does.
#![cfg(feature = "askama")]

use askama::Template;
use iast_sinks::askama::{TemplateExt as _, check_html};

const SINK: &str = "iast_sinks::askama::check_html";

include!("shared/xss.rs");

/// Escaped by `iast_sinks::askama::Html`, as `tests/askama.toml` says.
#[derive(Template)]
#[template(
    source = "<p>Hello {{ name }}</p>",
    ext = "html",
    config = "tests/askama.toml"
)]
struct Page<'a> {
    name: &'a str,
}

#[derive(Template)]
#[template(
    source = "<p>Hello {{ name|safe }}</p>",
    ext = "html",
    config = "tests/askama.toml"
)]
struct Raw<'a> {
    name: &'a str,
}

#[derive(Template)]
#[template(
    source = "<a href=\"{{ name }}\">x</a>",
    ext = "html",
    config = "tests/askama.toml"
)]
struct Link<'a> {
    name: &'a str,
}

/// The same page with askama's own escaper (no `config`).
#[derive(Template)]
#[template(source = "<p>Hello {{ name }}</p>", ext = "html")]
struct Plain<'a> {
    name: &'a str,
}

/// `render_checked` of the template `page` makes of the tainted `name`.
fn render(page: impl Fn(&str) -> askama::Result<String>, name: &str) -> (String, Report) {
    let mut html = String::new();
    let report = iast::check(|| {
        let name = param(name);
        html = page(&name).unwrap();
    });
    (html, report)
}

#[test]
fn values_escaped_by_the_instrumented_escaper_are_clean() {
    for name in ESCAPED {
        let (page, report) = render(|name| Page { name }.render_checked(), name);
        iast::assert_no_findings!(report);
        assert!(!page.contains("<script>"), "{page}");
    }
    // With askama's own escaper, the escaped name is found in the page as it came.
    let (_, report) = render(|name| Plain { name }.render_checked(), "carol smith");
    assert_eq!(xss(&report), only(Confidence::Unsanitized), "{report}");
}

#[test]
fn safe_values_and_script_urls_in_links_are_xss() {
    let (page, report) = render(
        |name| Raw { name }.render_checked(),
        "<script>alert(1)</script>",
    );
    assert!(page.contains("<script>alert(1)</script>"), "{page}");
    assert_eq!(xss(&report), only(Confidence::Confirmed), "{report}");

    let (page, report) = render(|name| Link { name }.render_checked(), "javascript:alert(1)");
    assert!(page.contains("javascript:alert(1)"), "{page}");
    assert_eq!(xss(&report), only(Confidence::Confirmed), "{report}");
}

#[test]
fn the_instrumented_escaper_writes_what_askamas_does() {
    for value in [
        "",
        "alice",
        "<>&\"'/",
        "&amp;",
        "12",
        "日本<語>",
        "a\nb",
        "javascript:x",
    ] {
        let plain = Plain { name: value }.render().unwrap();
        let instrumented = iast::check(|| {
            let page = Page { name: value }.render().unwrap();
            assert_eq!(page, plain, "{value:?}");
        });
        drop(instrumented);
        assert_eq!(Page { name: value }.render().unwrap(), plain, "{value:?}");
    }
    // Referenced so that the sink is linked even if the tests above are filtered out.
    let _ = check_html as fn(&str);
}
