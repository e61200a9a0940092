//! The minijinja checks, rendering real templates: escaped values are clean, values written
//! unescaped are XSS, and instrumenting an environment changes none of its output.
#![cfg(feature = "minijinja")]

use iast_sinks::minijinja::{TemplateExt as _, check_html, instrument};
use minijinja::{Environment, context};

const SINK: &str = "iast_sinks::minijinja::check_html";

include!("shared/xss.rs");

const TEMPLATES: [(&str, &str); 7] = [
    (
        "twice.html",
        "<p>{{ name }}</p><script>var n = {{ name|safe }};</script>",
    ),
    ("link.html", "<a href=\"{{ name }}\">x</a>"),
    ("page.html", "<p>Hello {{ name }}</p>"),
    ("raw.html", "<p>Hello {{ name|safe }}</p>"),
    (
        "off.html",
        "{% autoescape false %}<p>{{ name }}</p>{% endautoescape %}",
    ),
    ("filtered.txt", "<p>{{ name|e }} {{ name|escape }}</p>"),
    (
        "mixed.html",
        "<a title=\"{{ name }}\">{{ n }} {{ none }} {{ list }} {{ name|e }}</a>",
    ),
];

fn env(instrumented: bool) -> Environment<'static> {
    let mut env = Environment::new();
    if instrumented {
        instrument(&mut env);
    }
    for (name, source) in TEMPLATES {
        env.add_template(name, source).unwrap();
    }
    env
}

fn render(env: &Environment<'_>, template: &str, name: &str) -> (String, Report) {
    let mut page = String::new();
    let report = iast::check(|| {
        let name = param(name);
        page = env
            .get_template(template)
            .unwrap()
            .render_checked(context! { name, n => 42, none => (), list => vec!["a<b", "c"] })
            .unwrap();
    });
    (page, report)
}

#[test]
fn autoescaped_values_are_clean_once_the_environment_is_instrumented() {
    let env = env(true);
    for name in ESCAPED {
        for template in ["page.html", "filtered.txt", "mixed.html"] {
            let (page, report) = render(&env, template, name);
            iast::assert_no_findings!(report);
            assert_eq!(report.sinks_reached().len(), 1, "{template}: {report}");
            assert!(!page.contains("<script>"), "{page}");
        }
    }
}

#[test]
fn without_instrumenting_an_escaped_name_is_reported_as_reaching_the_page() {
    // The page holds the value as it came: iast cannot tell minijinja's escaping from none.
    let (page, report) = render(&env(false), "page.html", "carol smith");
    assert_eq!(page, "<p>Hello carol smith</p>");
    assert_eq!(xss(&report), only(Confidence::Unsanitized), "{report}");
}

#[test]
fn values_written_unescaped_are_xss() {
    let env = env(true);
    for template in ["raw.html", "off.html"] {
        let (page, report) = render(&env, template, "<script>alert(1)</script>");
        assert!(page.contains("<script>alert(1)</script>"), "{page}");
        assert_eq!(
            xss(&report),
            only(Confidence::Confirmed),
            "{template}: {report}"
        );
    }
}

#[test]
fn instrumenting_changes_no_output() {
    let (plain, instrumented) = (env(false), env(true));
    let values = [
        "",
        "alice",
        "<>&\"'/",
        "&amp;",
        "12",
        "-3",
        "x\u{0}y",
        "日本<語>",
        "a\nb",
    ];
    for (template, _) in TEMPLATES {
        for value in values {
            let ctx = context! { name => value, n => 42, none => (), list => vec!["a<b", "c"] };
            let expected = plain.get_template(template).unwrap().render(&ctx).unwrap();
            let got = instrumented
                .get_template(template)
                .unwrap()
                .render(&ctx)
                .unwrap();
            assert_eq!(got, expected, "{template} with {value:?}");
        }
    }
    // Referenced so that the sink is linked even if the tests above are filtered out.
    let _ = check_html as fn(&str);
}

#[test]
fn an_escaped_copy_does_not_hide_a_raw_one() {
    // Escaping leaves this value as it is: its escaped copy in the paragraph must not make its
    // raw copy in the script safe.
    let (page, report) = render(&env(true), "twice.html", "1;alert(document.cookie)");
    assert!(page.contains("var n = 1;alert(document.cookie);"), "{page}");
    assert_eq!(xss(&report), only(Confidence::Confirmed), "{report}");
}

#[test]
fn a_script_url_in_a_link_is_still_xss() {
    let env = env(true);
    for url in ["javascript:alert(1)", " JavaScript:alert(document.cookie)"] {
        let (page, report) = render(&env, "link.html", url);
        assert!(page.contains(url.trim()), "{page}");
        assert_eq!(
            xss(&report),
            only(Confidence::Confirmed),
            "{url:?}: {report}"
        );
    }
    let (_, report) = render(&env, "link.html", "quarterly-report-2024");
    iast::assert_no_findings!(report);
}
