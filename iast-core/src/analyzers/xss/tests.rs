use super::*;
use crate::analyzers::confidence_of;
use crate::vulnerability::Confidence;

fn c(template: &str, tainted: &str) -> Confidence {
    confidence_of(changes_structure, "html", template, tainted)
}

#[track_caller]
fn confirmed(template: &str, tainted: &str) {
    assert_eq!(
        c(template, tainted),
        Confidence::Confirmed,
        "{template} <- {tainted:?}"
    );
}

#[track_caller]
fn unsanitized(template: &str, tainted: &str) {
    assert_eq!(
        c(template, tainted),
        Confidence::Unsanitized,
        "{template} <- {tainted:?}"
    );
}

#[test]
fn markup_in_text_is_confirmed() {
    confirmed("<p>Hello {}!</p>", "<script>alert(1)</script>");
    confirmed("<p>Hello {}!</p>", "<img src=x onerror=alert(1)>");
    confirmed("<p>{}</p>", "<!-- hidden -->");
    confirmed("{}", "<!DOCTYPE html>");
    confirmed("<p>{}</p>", "</p>");
    confirmed("<p>{}</p>", "</ x>");
    // The tag the taint starts is finished by the program.
    confirmed("<p>{}b>bold</b></p>", "<");
}

#[test]
fn plain_text_is_unsanitized() {
    unsanitized("<p>Hello {}!</p>", "Alice");
    unsanitized("<p>{}</p>", "It's Bob's day, isn't it?");
    unsanitized("<p>{}</p>", "5 < 6");
    unsanitized("<p>{}</p>", "a<3 and 4>2 & 1<=2");
    unsanitized("<p>Contact: {}</p>", "alice@example.com");
    unsanitized("<p>{}</p>", "Zoë 東京 🎉 \u{2028}");
    unsanitized("<p>{}</p>", "&lt;script&gt; &amp; &#60;");
    unsanitized("{}", "just text");
}

#[test]
fn rcdata_and_raw_text() {
    confirmed("<title>{}</title>", "</title><script>alert(1)</script>");
    confirmed(
        "<textarea>{}</textarea>",
        "</textarea><img src=x onerror=alert(1)>",
    );
    confirmed(
        "<noscript>{}</noscript>",
        "</noscript><img src=x onerror=alert(1)>",
    );
    // Markup inside RCDATA and raw text is text.
    unsanitized("<title>{}</title>", "<b>bold</b>");
    unsanitized("<textarea>{}</textarea>", "<script>alert(1)</script>");
    unsanitized("<iframe>{}</iframe>", "<img src=x>");
    unsanitized("<textarea>{}</textarea>", "</textareax>");
}

#[test]
fn comments() {
    confirmed("<!-- {} -->", "--><script>alert(1)</script>");
    confirmed("<!-- {} -->", "--!><b>");
    unsanitized("<!-- {} -->", "a comment with <b>tags</b> and - dashes -");
    unsanitized("<!--{}-->", "x-");
}

#[test]
fn attribute_breakouts_are_confirmed() {
    confirmed(r#"<a title="{}">x</a>"#, r#"" onmouseover="alert(1)"#);
    confirmed("<input value='{}'>", "' autofocus onfocus='x");
    confirmed("<div class={}>x</div>", "x onclick=alert(1)");
    confirmed("<div class={}>x</div>", "x>");
    confirmed("<div class={}>x</div>", "\"x\"");
    confirmed(r#"<a title="{}">x</a>"#, r#"">"#);
    // The taint names or renames an attribute.
    confirmed("<input {}>", "onfocus=alert(1) autofocus");
    confirmed("<input {}>", "checked");
    confirmed("<input data-{}=1>", "x onfocus");
    confirmed("<h{}>x</h1>", "1");
}

#[test]
fn attribute_values_are_unsanitized() {
    unsanitized(r#"<a title="{}">x</a>"#, "O'Brien");
    unsanitized("<a title='{}'>x</a>", r#"say "hi""#);
    unsanitized(r#"<input value="{}">"#, "<script>alert(1)</script>");
    unsanitized("<div class={}>x</div>", "big-red");
    unsanitized(r#"<a title="{}">x</a>"#, "a &amp; b &quot;quoted&quot;");
    unsanitized(r#"<img alt="{}" src="x.png">"#, "Zoë 東京 🎉");
}

#[test]
fn url_attributes() {
    confirmed(r#"<a href="{}">x</a>"#, "javascript:alert(1)");
    confirmed(r#"<a href="{}">x</a>"#, " JaVaScRiPt:alert(1)");
    confirmed(r#"<a href="{}">x</a>"#, "&#106;avascript:alert(1)");
    confirmed(r#"<a href="{}">x</a>"#, "&#x6A;avascript&colon;alert(1)");
    confirmed(r#"<a href="{}">x</a>"#, "java&Tab;script:alert(1)");
    confirmed(r#"<a href="{}">x</a>"#, "\x01\x10 javascript:alert(1)");
    confirmed(r#"<a href="{}">x</a>"#, "vbscript:msgbox(1)");
    confirmed("<a href={}>x</a>", "javascript:alert(1)");
    confirmed(r#"<form action="{}">"#, "javascript:alert(1)");
    confirmed(r#"<button formaction="{}">"#, "javascript:alert(1)");
    confirmed(
        r#"<svg><a xlink:href="{}">x</a></svg>"#,
        "javascript:alert(1)",
    );
    confirmed(
        r#"<iframe src="{}"></iframe>"#,
        "data:text/html,<script>alert(1)</script>",
    );
    confirmed(
        r#"<object data="{}"></object>"#,
        "data:image/svg+xml;base64,PHN2Zz4=",
    );
    // The attacker completes the scheme the program started.
    confirmed(r#"<a href="java{}">x</a>"#, "script:alert(1)");
    // The program chose `javascript:`; the taint leaves its string.
    confirmed(r#"<a href="javascript:go('{}')">x</a>"#, "');alert(1);//");
    confirmed(r#"<a href="javascript:go('{}')">x</a>"#, "%27);alert(1);//");
    unsanitized(r#"<a href="javascript:go('{}')">x</a>"#, "page 2");
    unsanitized(r#"<a href="{}">x</a>"#, "https://example.com/a?b=c");
    unsanitized(r#"<a href="{}">x</a>"#, "/relative/path?q=1#top");
    unsanitized(r#"<a href="{}">x</a>"#, "mailto:alice@example.com");
    unsanitized(r#"<a href="/search?q={}">x</a>"#, "javascript:alert(1)");
    unsanitized(r#"<img src="{}">"#, "data:image/png;base64,iVBORw0KGgo=");
    unsanitized(r#"<a href="{}">x</a>"#, "javascript-guide.html");
    confirmed(r#"<a href="{}">x</a>"#, "&#106avascript:alert(1)");
    confirmed(
        r#"<a href="{}">x</a>"#,
        "data:text/html;base64,PHNjcmlwdD4=",
    );
    confirmed(
        r#"<iframe src="data:text/html,<p>{}</p>"></iframe>"#,
        "<script>alert(1)</script>",
    );
    unsanitized(
        r#"<iframe src="data:text/html,<p>{}</p>"></iframe>"#,
        "Alice",
    );
    unsanitized(r#"<a href="{}">x</a>"#, "data:,plain%20text");
}

#[test]
fn event_handlers() {
    confirmed(
        r#"<button onclick="greet('{}')">x</button>"#,
        "');alert(1);//",
    );
    confirmed(
        r#"<button onclick="greet('{}')">x</button>"#,
        "&#39;);alert(1);//",
    );
    confirmed(
        r#"<button onclick="greet(&quot;{}&quot;)">x</button>"#,
        "&quot;);alert(1);//",
    );
    confirmed(r#"<button onclick="greet('{}')">x</button>"#, "x\\");
    confirmed(r#"<button onclick="{}">x</button>"#, "alert(1)");
    unsanitized(r#"<button onclick="greet('{}')">x</button>"#, "Bob");
    unsanitized(
        r#"<button onclick="greet(&quot;{}&quot;)">x</button>"#,
        "O'Brien",
    );
    unsanitized(r#"<button onclick="show({})">x</button>"#, "42");
}

#[test]
fn script_content() {
    confirmed(r#"<script>var q = "{}";</script>"#, r#"";alert(1);//"#);
    confirmed(
        r#"<script>var q = "{}";</script>"#,
        "</script><script>alert(1)</script>",
    );
    confirmed(r#"<script>var q = "{}";</script>"#, "<!--<script>");
    confirmed(
        r#"<script>var q = "{}"; document.write("<script src=a.js><\/script>");</script>"#,
        "<!--",
    );
    unsanitized(r#"<script>var q = "{}";</script>"#, "<!-- hi");
    unsanitized(
        r#"<script>var q = "{}";</script>"#,
        r"<script>alert(1)<\/script>",
    );
    confirmed(r#"<script>var q = "{}";</script>"#, "a\\");
    confirmed(r#"<script>var q = "{}";</script>"#, "a\nb");
    confirmed("<script>var q = '{}';</script>", "'+alert(1)+'");
    confirmed("<script>var q = `{}`;</script>", "${alert(1)}");
    confirmed("<script>var q = `{}`;</script>", "`+alert(1)+`");
    confirmed("<script>{}</script>", "alert(1)");
    confirmed("<script>var n = {};</script>", "1;alert(1)");
    confirmed("<script>var n = x{};</script>", "1");
    confirmed("<script>// {}\nrun();</script>", "x\nalert(1)");
    confirmed("<script>/* {} */</script>", "*/alert(1)/*");
    confirmed("<script>var r = /{}/;</script>", "/;alert(1);//");
    unsanitized(r#"<script>var q = "{}";</script>"#, "Alice O'Brien");
    unsanitized("<script>var q = '{}';</script>", r#"say "hi" \' </scrip"#);
    unsanitized("<script>var q = `{}`;</script>", r"a $ {b} \` c");
    unsanitized("<script>var n = {};</script>", "42");
    unsanitized("<script>var n = {};</script>", "3.14");
    unsanitized("<script>// {}\nrun();</script>", "a comment */ 'quoted'");
    unsanitized("<script>/* {} */</script>", "a comment // 'x'");
    unsanitized("<script>var r = /{}/;</script>", "a[/]b");
    unsanitized(r#"<script>var a = 1 / 2, q = "{}";</script>"#, "x");
    unsanitized(r#"<script>var a = f(`${b}`, "{}");</script>"#, "x");
    unsanitized(r#"<script>x = {a: "{}"};</script>"#, "x");
    unsanitized(
        r#"<script>if (a) { return /"/.test(b) } else { s = "{}" }</script>"#,
        "x",
    );
}

#[test]
fn script_types() {
    confirmed(
        r#"<script type="module">let q = "{}";</script>"#,
        r#"";alert(1);//"#,
    );
    unsanitized(
        r#"<script type="application/json">{"q": "{}"}</script>"#,
        r#"a", "b": "c"#,
    );
    confirmed(
        r#"<script type="application/json">{"q": "{}"}</script>"#,
        "</script><script>alert(1)</script>",
    );
    confirmed(
        r#"<script type="text/template"><p>{}</p></script>"#,
        "<img src=x onerror=alert(1)>",
    );
    unsanitized(
        r#"<script type="text/template"><p>{}</p></script>"#,
        "Alice",
    );
    confirmed(r#"<script type="{}">alert(1)</script>"#, "text/javascript");
    unsanitized(r#"<script type="{}">alert(1)</script>"#, "text/plain");
}

#[test]
fn style() {
    confirmed(
        "<style>p { color: {} }</style>",
        "red } body { background: url(//evil) ",
    );
    confirmed(
        "<style>p { color: {} }</style>",
        "red; behavior: url(x.htc)",
    );
    confirmed("<style>p { width: {} }</style>", "expression(alert(1))");
    confirmed(
        "<style>p { color: {} }</style>",
        "</style><script>alert(1)</script>",
    );
    confirmed(r#"<p style="color: {}">x</p>"#, "red; position: fixed");
    confirmed(r#"<p style="width: {}">x</p>"#, "expr/**/ession(alert(1))");
    confirmed(
        r#"<p style="background: {}">x</p>"#,
        "url(javascript:alert(1))",
    );
    unsanitized("<style>p { color: {} }</style>", "#ff0000");
    unsanitized(r#"<p style="color: {}">x</p>"#, "rgb(1, 2, 3)");
    unsanitized(
        r#"<p style="font-family: {}">x</p>"#,
        "'Helvetica Neue', Arial",
    );
    // In SVG, `<style>` is an ordinary element: its content is markup.
    confirmed(
        "<svg><style>{}</style></svg>",
        "<img src=x onerror=alert(1)>",
    );
}

#[test]
fn foreign_content() {
    confirmed(
        "<svg><title>{}</title></svg>",
        "<img src=x onerror=alert(1)>",
    );
    // A self-closing `<script/>` in SVG has no content: what follows is markup again.
    unsanitized("<svg><script/><text>{}</text></svg>", "Alice");
    confirmed("<svg><script>{}</script></svg>", "alert(1)");
    // `<p>` ends foreign content, so `<style>` is raw text again.
    unsanitized("<svg><p><style>p { color: {} }</style></svg>", "red");
    unsanitized("<plaintext>{}", "</plaintext><script>alert(1)</script>");
    // CDATA outside foreign content is a bogus comment; its delimiters are markup.
    confirmed("<p>{}</p>", "<![CDATA[x]]>");
}

#[test]
fn srcdoc_is_a_document() {
    confirmed(
        r#"<iframe srcdoc="{}"></iframe>"#,
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    );
    confirmed(
        r#"<iframe srcdoc="<p>{}</p>"></iframe>"#,
        "&lt;img src=x onerror=alert(1)&gt;",
    );
    unsanitized(r#"<iframe srcdoc="<p>{}</p>"></iframe>"#, "Alice &amp; Bob");
}

#[test]
fn fragments_ending_inside_a_tag() {
    unsanitized(r#"<a href="{}"#, "https://example.com/");
    confirmed(r#"<a href="{}"#, "javascript:alert(1)");
    unsanitized("<div class={}", "big");
    unsanitized("<a title='{}", r#"say "hi""#);
    confirmed("<a href='{}", "javascript:alert(1)");
    confirmed("<a title='{}", "x' onclick='alert(1)");
    confirmed("<p>{}", "<img src=x onerror=alert(1)");
    confirmed("{}", "<scr");
}

#[test]
fn only_tainted_bytes_count() {
    // The program's own markup and script around a harmless value.
    unsanitized(
        "<!DOCTYPE html><html><head><script>var x = '<b>';</script></head>\
         <body onload=\"init()\"><a href=\"javascript:void(0)\">{}</a></body></html>",
        "Alice",
    );
    let text = b"<p>a</p><p>b</p><i>c</i>";
    let analyze_ranges = |ranges: &[Range<usize>]| {
        changes_structure(&Input {
            text,
            tainted: ranges,
            argument: "html",
        })
    };
    // Several and overlapping ranges, in text only.
    assert!(!analyze_ranges(&[3..4, 3..4, 11..12]));
    assert!(analyze_ranges(&[3..4, 11..13]));
    // Out-of-bounds and empty ranges are tolerated.
    assert!(!analyze_ranges(&[20..20, 25..40]));
}

#[test]
fn never_panics() {
    // A small deterministic generator over HTML-significant bytes.
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet: &[u8] =
        b"<>/!-?'\"= \t\n\r&#;:x0aAsScriptylehrfjv()[]{}`$\\*\x00\xE2\x80\xA8\xFF";
    let pieces: &[&[u8]] = &[
        b"<script>",
        b"</script>",
        b"<style>",
        b"<!--",
        b"-->",
        b"<a href=\"",
        b"javascript:",
        b"<svg>",
        b"&#",
        b"&quot;",
        b"${",
        b"onclick='",
        b"<iframe srcdoc=\"",
        b"<textarea>",
    ];
    for _ in 0..3000 {
        let mut text = Vec::new();
        for _ in 0..(next() % 40) {
            if next() % 4 == 0 {
                text.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            } else {
                text.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
        }
        let len = text.len() + 2;
        let ranges: Vec<Range<usize>> = (0..(next() % 4))
            .map(|_| {
                let a = (next() % len as u64) as usize;
                let b = (next() % len as u64) as usize;
                a.min(b)..a.max(b)
            })
            .collect();
        let _ = changes_structure(&Input {
            text: &text,
            tainted: &ranges,
            argument: "html",
        });
    }
}

#[test]
fn stays_linear() {
    // Loose bounds, only to catch work that grows faster than the page (debug builds, shared
    // machines): a 100 kB page with the taint at its end, and a long script tainted in
    // hundreds of places.
    let mut page =
        String::from("<!DOCTYPE html><html><head><script>var a = 1 / 2;</script></head><body>");
    for i in 0..500 {
        page.push_str(&format!(
            "<div class=\"item\" data-id=\"{i}\"><a href=\"/p/{i}?a=1&amp;b=2\" onclick=\"go('{i}')\">\
             Item &quot;{i}&quot;</a><p>Text for item {i}, it's cheap.</p></div>\n"
        ));
    }
    page.push_str("<p>{}</p></body></html>");
    let started = std::time::Instant::now();
    for _ in 0..5 {
        unsanitized(&page, "Alice");
    }
    let mut script = String::from("<script>var names = [");
    let mut ranges = Vec::new();
    for _ in 0..500 {
        script.push('"');
        ranges.push(script.len()..script.len() + 5);
        script.push_str("Alice\", ");
    }
    script.push_str("];</script>");
    for _ in 0..5 {
        let changed = changes_structure(&Input {
            text: script.as_bytes(),
            tainted: &ranges,
            argument: "html",
        });
        assert!(!changed);
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
