//! Cross-site scripting through tera templates.
//!
//! [`instrument`] makes a `Tera`'s HTML escaping a sanitizer iast knows: a value that
//! auto-escaping (or the `escape` filter) escaped is safe for XSS, so rendering it is clean; a
//! value written unescaped (`|safe`, a template whose name does not turn auto-escaping on) is
//! not. [`TeraExt::render_checked`] renders and checks the HTML for tainted markup:
//!
//! ```
//! use iast_sinks::tera::TeraExt as _;
//!
//! let mut tera = tera::Tera::default();
//! iast_sinks::tera::instrument(&mut tera);
//! tera.add_raw_template("hello.html", "<p>Hello {{ name }}</p><p>{{ bio|safe }}</p>").unwrap();
//! let mut ctx = tera::Context::new();
//! ctx.insert("name", "<b>ann</b>");
//! ctx.insert("bio", "<i>hi</i>");
//! let page = tera.render_checked("hello.html", &ctx).unwrap();
//! assert_eq!(page, "<p>Hello &lt;b&gt;ann&lt;&#x2F;b&gt;</p><p><i>hi</i></p>");
//! ```
//!
//! What is said of `iast_sinks::minijinja` holds here: without [`instrument`], an escaped
//! value that holds no markup is reported as reaching the page unsanitized; a URL that runs
//! script, and a value that escaping leaves unchanged unless it is plain words, are left
//! unmarked; a value escaped into an event handler attribute, a `<script>` or a `style` is
//! treated as safe.

use crate::script_url::escaping_protects;
use std::collections::HashMap;
use tera::{Context, Tera, Value};

/// The XSS sink of rendered templates: `html` is a page or fragment about to be served.
#[iast::sink(xss)]
pub fn check_html(html: &str) {
    crate::warn_if_disabled();
}

/// tera's HTML escaping, as a sanitizer: its output is safe for XSS and carries the input's
/// sources.
#[iast::sanitizer(xss)]
fn html_escaped(value: &str) -> String {
    tera::escape_html(value)
}

/// tera's HTML escaping, through the sanitizer where escaping protects the value.
fn escape(value: &str) -> String {
    let escaped = tera::escape_html(value);
    if escaping_protects(value, &escaped) {
        html_escaped(value)
    } else {
        escaped
    }
}

/// Makes `tera`'s HTML escaping, automatic and by the `escape` filter, known to iast as a
/// sanitizer. It replaces the escape function (one the application set before too) and that
/// filter with ones that write exactly what tera's own write.
pub fn instrument(tera: &mut Tera) {
    tera.set_escape_fn(escape);
    tera.register_filter(
        "escape",
        |value: &Value, _: &HashMap<String, Value>| match value.as_str() {
            Some(s) => Ok(Value::String(escape(s))),
            // tera's own filter's words.
            None => Err(tera::Error::msg(format!(
                "Filter `escape_html` was called on an incorrect value: got `{value}` but \
                 expected a String"
            ))),
        },
    );
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for tera::Tera {}
}

/// Checked rendering for `Tera`.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait TeraExt: sealed::Sealed {
    /// [`Tera::render`], then the result checked as HTML for XSS.
    fn render_checked(&self, template_name: &str, context: &Context) -> tera::Result<String>;
}

impl TeraExt for Tera {
    #[track_caller]
    fn render_checked(&self, template_name: &str, context: &Context) -> tera::Result<String> {
        let html = self.render(template_name, context)?;
        check_html(&html);
        Ok(html)
    }
}
