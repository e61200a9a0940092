//! XSS checks over askama (feature `askama`): its HTML escaping as a sanitizer, and checked
//! rendering.
//!
//! askama compiles templates into the application, so the escaping is chosen when the
//! template is compiled: name [`Html`] as the escaper of HTML templates in the crate's
//! `askama.toml` (or in the file a template's `config = "..."` names), for the extensions
//! askama escapes as HTML by default, and askama calls it for every value it escapes:
//!
//! ```toml
//! [[escaper]]
//! path = "iast_sinks::askama::Html"
//! extensions = ["askama", "html", "htm", "j2", "jinja", "jinja2", "rinja", "svg", "xml"]
//! ```
//!
//! [`Html`] writes exactly what askama's own HTML escaper writes, and marks the escaped value
//! as safe for XSS where escaping protects it. [`TemplateExt::render_checked`] renders and
//! checks the page: a value written with `|safe`, or in a template without escaping, is
//! found in it as it came, and reported.
//!
//! ```ignore
//! use iast_sinks::askama::TemplateExt as _;
//! let page = HelloTemplate { name: &name }.render_checked()?;
//! ```
//!
//! Without the escaper, rendering is still checked: an escaped value no longer matches what
//! the client sent, so it is not reported, but one that escaping leaves unchanged is found
//! as it was (and is reported only where it changes the page's structure).

use crate::script_url::escaping_protects;
use std::fmt::Write;

/// The XSS sink of rendered templates: `html` is a page or fragment about to be served.
#[iast::sink(xss)]
pub fn check_html(html: &str) {
    crate::warn_if_disabled();
}

/// askama's HTML escaping, as a sanitizer: its output is safe for XSS and carries the input's
/// sources.
#[iast::sanitizer(xss)]
fn html_escaped(value: &str) -> String {
    escaped(value)
}

fn escaped(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    // Writing into a String cannot fail.
    let _ = askama::filters::Escaper::write_escaped_str(&askama::filters::Html, &mut out, value);
    out
}

/// askama's HTML escaper, made known to iast as a sanitizer. Name it in `askama.toml` (see the
/// module's documentation).
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: Write>(&self, mut dest: W, string: &str) -> std::fmt::Result {
        let out = escaped(string);
        if iast::in_context() && escaping_protects(string, &out) {
            dest.write_str(&html_escaped(string))
        } else {
            dest.write_str(&out)
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl<T: askama::Template + ?Sized> Sealed for T {}
}

/// Checked rendering of an askama template.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait TemplateExt: sealed::Sealed {
    /// `Template::render`, then the result checked as HTML for XSS.
    fn render_checked(&self) -> askama::Result<String>;
}

impl<T: askama::Template + ?Sized> TemplateExt for T {
    #[track_caller]
    fn render_checked(&self) -> askama::Result<String> {
        let html = self.render()?;
        check_html(&html);
        Ok(html)
    }
}
