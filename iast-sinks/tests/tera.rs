//! The tera checks, rendering real templates: escaped values are clean, values written
//! unescaped are XSS, and instrumenting changes none of tera's output.
#![cfg(feature = "tera")]

use iast_sinks::tera::{TeraExt as _, check_html, instrument};
use tera::{Context, Tera};

const SINK: &str = "iast_sinks::tera::check_html";

include!("shared/xss.rs");

const TEMPLATES: [(&str, &str); 6] = [
    ("page.html", "<p>Hello {{ name }}</p>"),
    ("raw.html", "<p>Hello {{ name|safe }}</p>"),
    ("link.html", "<a href=\"{{ name }}\">x</a>"),
    ("filtered.txt", "<p>{{ name|escape }}</p>"),
    (
        "mixed.html",
        "<a title=\"{{ name }}\">{{ n }} {{ name|escape|safe }}</a>",
    ),
    ("number.html", "{{ n|escape }}"),
];

fn tera(instrumented: bool) -> Tera {
    let mut tera = Tera::default();
    if instrumented {
        instrument(&mut tera);
    }
    tera.add_raw_templates(TEMPLATES).unwrap();
    tera
}

fn context(name: &str) -> Context {
    let mut ctx = Context::new();
    ctx.insert("name", name);
    ctx.insert("n", &42);
    ctx
}

fn render(tera: &Tera, template: &str, name: &str) -> (String, Report) {
    let mut page = String::new();
    let report = iast::check(|| {
        let name = param(name);
        page = tera.render_checked(template, &context(&name)).unwrap();
    });
    (page, report)
}

#[test]
fn escaped_values_are_clean_once_tera_is_instrumented() {
    let tera = tera(true);
    for name in ESCAPED {
        for template in ["page.html", "filtered.txt", "mixed.html"] {
            let (page, report) = render(&tera, template, name);
            iast::assert_no_findings!(report);
            assert!(!page.contains("<script>"), "{page}");
        }
    }
    // Without it, the escaped name is found in the page as it came.
    let (_, report) = render(&self::tera(false), "page.html", "carol smith");
    assert_eq!(xss(&report), only(Confidence::Unsanitized), "{report}");
}

#[test]
fn unescaped_values_and_script_urls_in_links_are_xss() {
    let tera = tera(true);
    for (template, name) in [
        ("raw.html", "<script>alert(1)</script>"),
        ("link.html", "javascript:alert(1)"),
    ] {
        let (page, report) = render(&tera, template, name);
        assert!(page.contains(name), "{page}");
        assert_eq!(
            xss(&report),
            only(Confidence::Confirmed),
            "{template}: {report}"
        );
    }
}

#[test]
fn instrumenting_changes_no_output() {
    let (plain, instrumented) = (tera(false), tera(true));
    for (template, _) in TEMPLATES {
        for value in ["", "alice", "<>&\"'/", "&amp;", "12", "日本<語>", "a\nb"] {
            let ctx = context(value);
            let expected = plain.render(template, &ctx).map_err(|e| format!("{e:?}"));
            let got = instrumented
                .render(template, &ctx)
                .map_err(|e| format!("{e:?}"));
            assert_eq!(got, expected, "{template} with {value:?}");
        }
    }
    // Referenced so that the sink is linked even if the tests above are filtered out.
    let _ = check_html as fn(&str);
}
