//! Cross-site scripting through minijinja templates.
//!
//! [`instrument`] makes an `Environment`'s HTML escaping a sanitizer iast knows: a value that
//! auto-escaping (or the `escape` filter) escaped for HTML is safe for XSS, so rendering it
//! is clean; a value written unescaped (`|safe`, `{% autoescape false %}`, a template whose
//! name does not turn auto-escaping on) is not. [`TemplateExt::render_checked`] renders and
//! checks the HTML for tainted markup:
//!
//! ```
//! use iast_sinks::minijinja::TemplateExt as _;
//!
//! let mut env = minijinja::Environment::new();
//! iast_sinks::minijinja::instrument(&mut env);
//! env.add_template("hello.html", "<p>Hello {{ name }}</p><p>{{ bio|safe }}</p>").unwrap();
//! let page = env
//!     .get_template("hello.html")
//!     .unwrap()
//!     .render_checked(minijinja::context! { name => "<b>ann</b>", bio => "<i>hi</i>" })
//!     .unwrap();
//! assert_eq!(page, "<p>Hello &lt;b&gt;ann&lt;&#x2f;b&gt;</p><p><i>hi</i></p>");
//! ```
//!
//! Without [`instrument`], an escaped value that holds no markup (a name, a phrase) is still
//! found in the page and reported as reaching it unsanitized. The web layers check a
//! response's HTML too (the axum layer does); [`TemplateExt::render_checked`] is for
//! applications that render elsewhere, and names the line that rendered.
//!
//! What HTML escaping does not make safe: a URL that runs script (`javascript:...`) in a link
//! is left unmarked, so that it is still reported where it lands, and so is a value that
//! escaping leaves unchanged unless it is plain words (the mark is matched by bytes, and would
//! otherwise cover a raw copy of the value elsewhere in the page). But a value escaped into
//! an event handler attribute (`onclick="f('{{ v }}')"`, where the browser decodes `&#x27;`
//! back into a quote before running it), a `<script>` or a `style` is treated as safe, as it
//! is for iast's own `html_escape` sanitizer. Keep untrusted values out of those places.

use crate::script_url::escaping_protects;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, Error, HtmlEscape, Output, State, Template};

/// The XSS sink of rendered templates: `html` is a page or fragment about to be served.
#[iast::sink(xss)]
pub fn check_html(html: &str) {
    crate::warn_if_disabled();
}

/// minijinja's HTML escaping, as a sanitizer: its output is safe for XSS and carries the
/// input's sources.
#[iast::sanitizer(xss)]
fn html_escaped(value: &str) -> String {
    HtmlEscape(value).to_string()
}

/// Makes `env`'s HTML escaping, automatic and by the `escape` (`e`) filter, known to iast as a
/// sanitizer. It replaces the formatter and those two filters with ones that write exactly
/// what minijinja's own write; a formatter of the application's set before is replaced too.
pub fn instrument(env: &mut Environment<'_>) {
    env.set_formatter(format);
    env.add_filter("escape", escape);
    env.add_filter("e", escape);
}

/// minijinja's default formatter, with HTML escaping of strings through the sanitizer.
fn format(out: &mut Output, state: &State, value: &Value) -> Result<(), Error> {
    match value.as_str() {
        Some(s)
            if state.auto_escape() == AutoEscape::Html
                && !value.is_safe()
                && escaping_protects(s, &HtmlEscape(s).to_string()) =>
        {
            out.write_str(&html_escaped(s)).map_err(Error::from)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// minijinja's `escape` filter; a string it escapes for HTML goes through the sanitizer.
fn escape(state: &State, value: &Value) -> Result<Value, Error> {
    let escaped = minijinja::filters::escape(state, value)?;
    let Some(s) = value.as_str().filter(|_| !value.is_safe()) else {
        return Ok(escaped);
    };
    // The filter escapes for the template's format; only an HTML escape is marked.
    let html = HtmlEscape(s).to_string();
    if escaped.as_str() == Some(&html) && escaping_protects(s, &html) {
        Ok(Value::from_safe_string(html_escaped(s)))
    } else {
        Ok(escaped)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for minijinja::Template<'_, '_> {}
}

/// Checked rendering of a minijinja `Template`.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait TemplateExt: sealed::Sealed {
    /// [`Template::render`], then the result checked as HTML for XSS.
    fn render_checked<S: serde::Serialize>(&self, ctx: S) -> Result<String, Error>;
}

impl TemplateExt for Template<'_, '_> {
    #[track_caller]
    fn render_checked<S: serde::Serialize>(&self, ctx: S) -> Result<String, Error> {
        let html = self.render(ctx)?;
        check_html(&html);
        Ok(html)
    }
}
