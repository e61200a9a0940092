//! The HTML report under hostile input: collections whose evidence, names and reasons are
//! crafted to break out of the markup. Each report is read back with an HTML5 tokenizer, as
//! a browser would read it, and checked for what could run, load or mislead.

mod common;

use cargo_iast::Collection;
use cargo_iast::analysis::{Analysis, Judged, Status};
use cargo_iast::html::render;
use cargo_iast::model::{Finding, Tainted};
use common::{finding_line, process_line, reached_line, registry_entry, site, source};
use html5gum::{DefaultEmitter, Token, Tokenizer};
use iast_core::MatchKind;
use iast_core::config::Config;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Reading the report back

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Doctype,
    Start {
        name: String,
        attrs: Vec<(String, String)>,
    },
    End(String),
    Text(String),
    Comment,
}

/// Tokenizes as a browser would, including the raw-text state of `<style>` and the RCDATA
/// of `<title>` (so a stylesheet containing `<` is not misread as tags). Adjacent text
/// tokens are joined; tokenizer errors fail the test, since a report must be well-formed.
fn tokens(html: &str) -> Vec<Tok> {
    let mut emitter = DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let mut out: Vec<Tok> = Vec::new();
    for token in Tokenizer::new_with_emitter(html, emitter) {
        let token = token.expect("reading from a string cannot fail");
        let tok = match token {
            Token::Doctype(_) => Tok::Doctype,
            Token::StartTag(tag) => Tok::Start {
                name: utf8(&tag.name),
                attrs: tag
                    .attributes
                    .iter()
                    .map(|(k, v)| (utf8(k), utf8(&v.value)))
                    .collect(),
            },
            Token::EndTag(tag) => Tok::End(utf8(&tag.name)),
            Token::String(s) => Tok::Text(utf8(&s.value)),
            Token::Comment(_) => Tok::Comment,
            Token::Error(e) => panic!("the report does not tokenize cleanly: {:?}", e.value),
        };
        match (out.last_mut(), tok) {
            (Some(Tok::Text(prev)), Tok::Text(more)) => prev.push_str(&more),
            (_, tok) => out.push(tok),
        }
    }
    out
}

fn utf8(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("the report is UTF-8")
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A `<mark>` as the browser sees it: its title, class and character data.
#[derive(Debug)]
struct Mark {
    title: String,
    class: String,
    text: String,
}

/// Every element of the report, as the generator may write them. Anything else (script,
/// img, svg, iframe, object, a, form, ...) came from the collection.
const ELEMENTS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "footer", "section", "h1", "h2",
    "h3", "p", "b", "em", "q", "span", "code", "pre", "mark", "table", "thead", "tbody", "tr",
    "th", "td", "details", "summary", "ul", "ol", "li", "dl", "dt", "dd", "a",
];
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "title",
    "open",
    "href",
    "rel",
];
const CWE_PREFIX: &str = "https://cwe.mitre.org/data/definitions/";

/// Checks everything that must hold of any report, whatever went into it, and returns the
/// tokens and the marks.
fn check_report(html: &str) -> (Vec<Tok>, Vec<Mark>) {
    let toks = tokens(html);
    assert_eq!(toks.first(), Some(&Tok::Doctype), "starts with a doctype");
    assert!(
        !toks.contains(&Tok::Comment),
        "no comments: nothing to hide there"
    );

    let mut stack: Vec<String> = Vec::new();
    let mut marks: Vec<Mark> = Vec::new();
    let mut open_mark: Option<usize> = None;
    let mut csp = None;
    let mut styles = 0;
    for tok in &toks {
        match tok {
            Tok::Start { name, attrs } => {
                assert!(
                    ELEMENTS.contains(&name.as_str()),
                    "unexpected element <{name}> in the report"
                );
                for (k, v) in attrs {
                    assert!(
                        !k.starts_with("on"),
                        "event handler attribute {k}={v:?} on <{name}>"
                    );
                    assert!(
                        ATTRIBUTES.contains(&k.as_str()),
                        "unexpected attribute {k}={v:?} on <{name}>"
                    );
                }
                if let Some(href) = attr(attrs, "href") {
                    assert_eq!(name, "a");
                    let number = href
                        .strip_prefix(CWE_PREFIX)
                        .and_then(|rest| rest.strip_suffix(".html"))
                        .unwrap_or_else(|| panic!("a link that is not a CWE page: {href:?}"));
                    assert!(
                        !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
                        "CWE link with a non-numeric id: {href:?}"
                    );
                }
                if let Some(class) = attr(attrs, "class") {
                    assert!(
                        class
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' '),
                        "class {class:?} is not one of the generator's words"
                    );
                }
                if name == "meta" && attr(attrs, "http-equiv") == Some("Content-Security-Policy") {
                    csp = attr(attrs, "content").map(str::to_owned);
                }
                if name == "style" {
                    styles += 1;
                }
                if name == "mark" {
                    assert!(open_mark.is_none(), "a <mark> inside a <mark>");
                    marks.push(Mark {
                        title: attr(attrs, "title").unwrap_or_default().to_owned(),
                        class: attr(attrs, "class").unwrap_or_default().to_owned(),
                        text: String::new(),
                    });
                    open_mark = Some(marks.len() - 1);
                }
                if name != "meta" {
                    stack.push(name.clone());
                }
            }
            Tok::End(name) => {
                let top = stack.pop();
                assert_eq!(
                    top.as_deref(),
                    Some(name.as_str()),
                    "</{name}> closes something else: the markup is not well nested"
                );
                if name == "mark" {
                    open_mark = None;
                }
            }
            Tok::Text(text) => {
                if let Some(i) = open_mark {
                    marks[i].text.push_str(text);
                }
            }
            Tok::Doctype | Tok::Comment => {}
        }
    }
    assert!(stack.is_empty(), "elements left open: {stack:?}");
    assert_eq!(styles, 1, "one stylesheet, the generator's");

    let csp = csp.expect("a Content-Security-Policy meta element");
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("style-src 'sha256-"), "{csp}");
    assert!(
        csp_comes_first(&toks),
        "the policy precedes every other element of the head but the charset"
    );

    // No URL anywhere but the CWE links: not in the stylesheet, not in text.
    for (at, _) in html.match_indices("://") {
        assert!(
            html[..at].ends_with("https") && html[at + 3..].starts_with("cwe.mitre.org/"),
            "an external URL near {:?}",
            &html[at.saturating_sub(20)..(at + 40).min(html.len())]
        );
    }
    let style = style_text(&toks);
    assert!(!style.contains("url("), "the stylesheet loads nothing");
    assert!(!style.contains("@import"), "the stylesheet loads nothing");
    assert!(
        !html.contains("<script"),
        "no script, not even the generator's"
    );

    (toks, marks)
}

fn csp_comes_first(toks: &[Tok]) -> bool {
    let metas: Vec<&Vec<(String, String)>> = toks
        .iter()
        .filter_map(|t| match t {
            Tok::Start { name, attrs } if name != "html" && name != "head" => Some(attrs),
            _ => None,
        })
        .take(2)
        .collect();
    metas.len() == 2
        && attr(metas[0], "charset").is_some()
        && attr(metas[1], "http-equiv") == Some("Content-Security-Policy")
}

fn style_text(toks: &[Tok]) -> String {
    let at = toks
        .iter()
        .position(|t| matches!(t, Tok::Start { name, .. } if name == "style"))
        .expect("a stylesheet");
    match &toks[at + 1] {
        Tok::Text(s) => s.clone(),
        other => panic!("the stylesheet is not raw text: {other:?}"),
    }
}

/// All character data of the document body, joined.
fn body_text(toks: &[Tok]) -> String {
    let at = toks
        .iter()
        .position(|t| matches!(t, Tok::Start { name, .. } if name == "body"))
        .expect("a body");
    toks[at..]
        .iter()
        .filter_map(|t| match t {
            Tok::Text(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

/// The character data of every `<pre>`, in order, as a browser shows it (the newline right
/// after the start tag is not part of the content).
fn pre_texts(toks: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for tok in toks {
        match tok {
            Tok::Start { name, .. } if name == "pre" => current = Some(String::new()),
            Tok::End(name) if name == "pre" => {
                let text = current.take().expect("a <pre> was open");
                out.push(text.strip_prefix('\n').unwrap_or(&text).to_owned());
            }
            Tok::Text(s) => {
                if let Some(c) = current.as_mut() {
                    c.push_str(s);
                }
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Building collections

/// Evidence whose tainted ranges are `tainted` (each a substring of `value`, found from the
/// left, with its source index and match kind).
fn evidence(argument: &str, value: &str, tainted: &[(&str, usize, &str)]) -> Value {
    let ranges: Vec<Value> = tainted
        .iter()
        .map(|(text, source, kind)| {
            let start = value.find(text).expect("tainted text is in the value");
            json!({ "start": start, "end": start + text.len(), "source": source, "match": kind })
        })
        .collect();
    json!({ "argument": argument, "value": value, "tainted": ranges })
}

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const BREAKOUT: &str = "</pre></details><svg onload=alert(1)>";
const ENTITY: &str = "&amp;";
const BOLD_FUNCTION: &str = "app::http::<b>param</b>";
const BOLD_ORIGIN: &str = "http.<b>header</b>";
const REASON: &str = "reviewed: <i>admin only</i> & 'quoted' \"twice\"";

/// Two processes of two binaries: a registry with a sink nobody reaches, and four findings
/// whose evidence, names and origins are hostile.
fn hostile_files() -> Vec<(String, String)> {
    let sink = site("app::db::run_query", "src/db.rs", 7);
    let param = source("app::http::query_param", "src/http.rs", 2, "http.parameter");
    let bold = source(BOLD_FUNCTION, "src/<b>.rs", 9, BOLD_ORIGIN);
    let escaper = site("app::html::escape", "src/html.rs", 4);
    let registry = process_line(
        "app-tests<script>",
        vec![
            registry_entry("sink", sink.clone(), &["sql"]),
            registry_entry(
                "sink",
                site("app::fs::<iframe src=x>", "src/fs.rs", 3),
                &["path"],
            ),
            registry_entry("source", param.clone(), &[]),
            registry_entry("source", bold.clone(), &[]),
            registry_entry("sanitizer", escaper.clone(), &["xss"]),
        ],
    );
    let reached = reached_line(sink.clone());

    let script_value = format!("SELECT * FROM t WHERE name = '{SCRIPT}'");
    let img_value = format!("SELECT * FROM t WHERE id = '{IMG}' LIMIT 1");
    let breakout_value = format!("SELECT 1; -- {BREAKOUT}");
    let entity_value = format!("SELECT * FROM t WHERE q = '{ENTITY}' OR 1=1");
    let first = [
        registry.clone(),
        reached.clone(),
        finding_line(
            "SqlInjection",
            "Confirmed",
            sink.clone(),
            vec![param.clone()],
            vec![],
            evidence("sql", &script_value, &[(SCRIPT, 0, "Exact")]),
            "00000000000000a1",
        ),
        finding_line(
            "SqlInjection",
            "Confirmed",
            sink.clone(),
            vec![param.clone(), bold.clone()],
            vec![escaper],
            evidence("sql\"><b>", &img_value, &[(IMG, 1, "Partial")]),
            "00000000000000b2",
        ),
    ]
    .join("\n");
    let second = [
        process_line("other", vec![]),
        reached,
        finding_line(
            "SqlInjection",
            "Unsanitized",
            sink.clone(),
            vec![bold],
            vec![],
            evidence("sql", &breakout_value, &[(BREAKOUT, 0, "Buffer")]),
            "00000000000000c3",
        ),
        finding_line(
            "SqlInjection",
            "Confirmed",
            sink,
            vec![param],
            vec![],
            evidence("sql", &entity_value, &[(ENTITY, 0, "Exact")]),
            "00000000000000d4",
        ),
        // An unreadable line whose error message quotes hostile text.
        "{\"kind\":\"<svg onload=alert(1)>\"}".to_owned(),
    ]
    .join("\n");
    vec![
        ("b.jsonl".to_owned(), second),
        ("a.jsonl".to_owned(), first),
    ]
}

fn analysis_of(files: &[(String, String)], config: &Config) -> Analysis {
    let collection = Collection::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_bytes())));
    Analysis::new(collection, config)
}

fn baseline() -> Config {
    let text = format!(
        "[[baseline]]\nfingerprint = \"00000000000000C3\"\nreason = '''{REASON}'''\n\n\
         [[baseline]]\nfingerprint = \"00000000000000ff\"\nreason = \"fixed <u>long ago</u>\"\n"
    );
    Config::parse("iast.toml", &text).expect("a valid configuration")
}

// ---------------------------------------------------------------------------------------
// Tests

#[test]
fn hostile_evidence_is_marked_text_and_nothing_else() {
    let analysis = analysis_of(&hostile_files(), &baseline());
    assert_eq!(analysis.findings.len(), 4);
    let html = render(&analysis);
    let (toks, marks) = check_report(&html);

    // Each tainted range is one mark whose character data is exactly the attacker's text.
    let mut texts: Vec<&str> = marks.iter().map(|m| m.text.as_str()).collect();
    texts.sort_unstable();
    let mut expected = vec![SCRIPT, IMG, BREAKOUT, ENTITY];
    expected.sort_unstable();
    assert_eq!(texts, expected);

    // The marks name their source and how it matched.
    let img = marks.iter().find(|m| m.text == IMG).unwrap();
    assert!(img.title.starts_with("source #1 "), "{}", img.title);
    assert!(img.title.contains(BOLD_ORIGIN), "{}", img.title);
    assert!(img.title.contains("a piece of the value"), "{}", img.title);
    assert!(img.class.split(' ').any(|c| c == "s1"), "{}", img.class);
    let entity = marks.iter().find(|m| m.text == ENTITY).unwrap();
    assert!(
        entity.title.ends_with("the whole value"),
        "{}",
        entity.title
    );

    // The whole value is the content of its <pre>, byte for byte.
    let pres = pre_texts(&toks);
    assert!(pres.contains(&format!("SELECT * FROM t WHERE name = '{SCRIPT}'")));
    assert!(pres.contains(&format!("SELECT 1; -- {BREAKOUT}")));
    assert!(pres.contains(&format!("SELECT * FROM t WHERE q = '{ENTITY}' OR 1=1")));

    let text = body_text(&toks);
    for shown in [
        "&amp;",
        BOLD_FUNCTION,
        BOLD_ORIGIN,
        "src/<b>.rs:9",
        "sql\"><b>",
        "app-tests<script>",
        "app::fs::<iframe src=x>",
        "unknown variant `<svg onload=alert(1)>`",
    ] {
        assert!(text.contains(shown), "{shown:?} is not shown as text");
    }
}

#[test]
fn suppressed_findings_show_their_reason_and_stand_apart() {
    let analysis = analysis_of(&hostile_files(), &baseline());
    let suppressed: Vec<&Judged> = analysis.suppressed().collect();
    assert_eq!(suppressed.len(), 1);
    let html = render(&analysis);
    let (toks, _) = check_report(&html);

    // The reason is shown as text, with its markup visible.
    let text = body_text(&toks);
    assert!(text.contains(REASON), "the reason is not shown");
    // The suppressed finding is its own, distinctly classed, closed block, and its reason
    // sits inside it.
    let at = toks
        .iter()
        .position(|t| {
            matches!(t, Tok::Start { name, attrs }
                if name == "details" && attr(attrs, "class") == Some("finding suppressed"))
        })
        .expect("a suppressed finding block");
    let Tok::Start { attrs, .. } = &toks[at] else {
        unreachable!()
    };
    assert_eq!(
        attr(attrs, "open"),
        None,
        "suppressed findings start closed"
    );
    let end = at
        + toks[at..]
            .iter()
            .position(|t| *t == Tok::End("details".to_owned()))
            .unwrap();
    let inside: String = toks[at..end]
        .iter()
        .filter_map(|t| match t {
            Tok::Text(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    assert!(inside.contains(REASON));
    // The reason is in the summary line, visible while the block is closed.
    let summary_end = at
        + toks[at..]
            .iter()
            .position(|t| *t == Tok::End("summary".to_owned()))
            .unwrap();
    let summary: String = toks[at..summary_end]
        .iter()
        .filter_map(|t| match t {
            Tok::Text(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    assert!(summary.contains(REASON), "{summary}");
    assert!(inside.contains("00000000000000c3"));
    assert!(inside.contains(BREAKOUT));

    // Failing findings start open; the totals add up.
    let failing_open = toks.iter().any(|t| {
        matches!(t, Tok::Start { name, attrs }
            if name == "details" && attr(attrs, "class") == Some("finding failing")
                && attr(attrs, "open").is_some())
    });
    assert!(failing_open);
    assert!(text.contains("3 failing"), "{text}");
    assert!(text.contains("1 suppressed"), "{text}");
    assert!(text.contains("0 below threshold"), "{text}");

    // The baseline entry that matched nothing is listed.
    assert_eq!(analysis.unused_suppressions, ["00000000000000ff"]);
    assert!(text.contains("Unused baseline entries"));
    assert!(text.contains("00000000000000ff"));
}

#[test]
fn findings_show_their_flow_summary_and_coverage() {
    let analysis = analysis_of(&hostile_files(), &Config::default());
    let html = render(&analysis);
    let (toks, _) = check_report(&html);
    let text = body_text(&toks);

    // Summary per class and confidence, with the CWE link.
    assert!(html.contains("<a href=\"https://cwe.mitre.org/data/definitions/89.html\""));
    assert!(text.contains("SQL_INJECTION"));
    assert!(text.contains("CWE-89"));
    // Coverage: one of two sinks reached, the other listed.
    assert!(text.contains("Sinks reached: 1 of 2."), "{text}");
    assert!(text.contains("app::fs::<iframe src=x> at src/fs.rs:3"));
    assert!(text.contains("Monitored flows"));
    // The flow: source with its origin and place, the sanitizer that does not help, the sink.
    assert!(text.contains("source #0 app::http::query_param http.parameter at src/http.rs:2"));
    assert!(text.contains(&format!(
        "source #1 {BOLD_FUNCTION} {BOLD_ORIGIN} at src/<b>.rs:9"
    )));
    assert!(text.contains(
        "passed app::html::escape at src/html.rs:4, a sanitizer for xss: does not protect against SQL injection"
    ));
    assert!(text.contains("sink app::db::run_query at src/db.rs:7, argument sql"));
    assert!(text.contains("Argument sql\"><b> of app::db::run_query"));
    // Fingerprint and hits.
    assert!(text.contains("00000000000000a1"));
    assert!(text.contains("1 (test process that saw this flow)"));
    // Nothing is suppressed without a baseline; no unused entries.
    assert!(text.contains("0 suppressed"));
    assert!(!text.contains("Unused baseline entries"));
    // The unreadable line of the second file is named.
    assert!(text.contains("b.jsonl:5"), "{text}");
}

#[test]
fn the_report_is_deterministic() {
    let files = hostile_files();
    let config = baseline();
    let once = render(&analysis_of(&files, &config));
    let twice = render(&analysis_of(&files, &config));
    assert_eq!(once, twice);
    // Nor does it depend on the order the files are read in.
    let reversed: Vec<_> = files.iter().rev().cloned().collect();
    assert_eq!(once, render(&analysis_of(&reversed, &config)));
}

fn finding(value: &str, tainted: Vec<Tainted>, sources: usize) -> Finding {
    // Built the way cargo iast gets findings: deserialized from a collection line.
    let sources: Vec<_> = (0..sources)
        .map(|i| {
            serde_json::json!({
                "function": format!("app::http::input{i}"),
                "file": "src/http.rs",
                "line": i,
                "origin": format!("origin{i}"),
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "rule": "XSS",
        "vulnerability": "Xss",
        "cwe": 79,
        "confidence": "Confirmed",
        "sink": { "function": "app::page::render", "file": "src/page.rs", "line": 12 },
        "sources": sources,
        "evidence": {
            "argument": "html",
            "value": value,
            "cut_before": true,
            "cut_after": true,
            "tainted": tainted,
        },
        "hits": 2,
        "fingerprint": "0123456789abcdef",
    }))
    .expect("a finding as the collection holds it")
}

fn analysis_with(findings: Vec<Finding>) -> Analysis {
    let mut analysis = Analysis::new(Collection::default(), &Config::default());
    analysis.findings = findings
        .into_iter()
        .map(|finding| Judged {
            finding,
            status: Status::Failing,
        })
        .collect();
    analysis
}

fn range(start: usize, end: usize, source: usize) -> Tainted {
    Tainted {
        start,
        end,
        source,
        kind: MatchKind::Exact,
    }
}

#[test]
fn overlapping_and_touching_ranges_give_one_mark_per_segment() {
    //           0         1         2         3
    //           0123456789012345678901234567890123
    let value = "<p>AAAAaaaaBBBBbbbbCCCC<script>x</p>";
    // Source 0 covers 3..11, source 1 covers 7..15 (overlapping), source 2 starts where
    // source 1 ends (touching), and a second range of source 0 sits inside source 2's.
    let tainted = vec![
        range(3, 11, 0),
        range(7, 15, 1),
        range(15, 31, 2),
        range(19, 23, 0),
    ];
    let html = render(&analysis_with(vec![finding(value, tainted, 3)]));
    let (toks, marks) = check_report(&html);
    let segments: Vec<(&str, &str)> = marks
        .iter()
        .map(|m| (m.text.as_str(), m.title.as_str()))
        .collect();
    assert_eq!(
        segments,
        [
            ("AAAA", "source #0 (origin0): the whole value"),
            (
                "aaaa",
                "source #0 (origin0): the whole value; source #1 (origin1): the whole value"
            ),
            ("BBBB", "source #1 (origin1): the whole value"),
            ("bbbb", "source #2 (origin2): the whole value"),
            (
                "CCCC",
                "source #0 (origin0): the whole value; source #2 (origin2): the whole value"
            ),
            ("<script>", "source #2 (origin2): the whole value"),
        ]
    );
    assert!(marks[1].class.split(' ').any(|c| c == "overlap"));
    assert!(!marks[0].class.split(' ').any(|c| c == "overlap"));
    // Cut marks around the value, which itself is intact.
    assert_eq!(pre_texts(&toks), [format!("…{value}…")]);
}

#[test]
fn corrupted_ranges_are_clamped_or_skipped_without_panicking() {
    let value = "€uro <b>bold</b> 😀 end";
    // Bytes: '€' 0..3, "<b>" 7..10, "bold" 10..14, "</b> " 14..19, '😀' 19..23, " end" 23..27.
    let tainted = vec![
        range(1, 2, 0),                       // inside one character: widened to '€'
        range(5, 3, 0),                       // inverted: skipped
        range(4, 4, 0),                       // empty: skipped
        range(10, 14, 99),                    // a source the finding does not have
        range(14, 21, 1),                     // ends inside the emoji: widened
        range(23, 1000, 1),                   // past the end: clamped
        range(usize::MAX - 1, usize::MAX, 0), // nowhere: skipped
    ];
    let html = render(&analysis_with(vec![finding(value, tainted, 2)]));
    let (toks, marks) = check_report(&html);
    assert_eq!(pre_texts(&toks), [format!("…{value}…")]);
    let texts: Vec<&str> = marks.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["€", "bold", "</b> 😀", " end"]);
    assert!(
        marks[1]
            .title
            .starts_with("source #99 (not in the finding)")
    );
}

#[test]
fn random_ranges_always_give_well_nested_marks_over_the_intact_value() {
    let value = "a€<&\"'b😀c\\d<e>f g&amp;h'i\"jé";
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for _ in 0..300 {
        let n = next(6);
        let tainted = (0..n)
            .map(|_| {
                let a = next(value.len() + 4);
                let b = next(value.len() + 4);
                range(a, b, next(4))
            })
            .collect();
        let html = render(&analysis_with(vec![finding(value, tainted, 3)]));
        let (toks, marks) = check_report(&html);
        assert_eq!(pre_texts(&toks), [format!("…{value}…")]);
        for m in &marks {
            assert!(!m.text.is_empty() && value.contains(&m.text), "{m:?}");
        }
    }
}

#[test]
fn control_and_invisible_characters_are_shown_not_obeyed() {
    let value = "a\u{202e}b\r\nc\u{0}d";
    let mut f = serde_json::to_value(finding(value, vec![range(0, value.len(), 0)], 1)).unwrap();
    f["sink"]["function"] = json!("app::\u{202e}evil");
    let f: Finding = serde_json::from_value(f).unwrap();
    let html = render(&analysis_with(vec![f]));
    let (toks, marks) = check_report(&html);
    assert!(!html.contains('\u{202e}') && !html.contains('\u{0}') && !html.contains('\r'));
    let shown: String = marks.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(shown, "a\\u{202e}b\\r\\n\nc\\0d");
    assert!(body_text(&toks).contains("app::\\u{202e}evil"));
}

#[test]
fn an_empty_analysis_renders_a_valid_report() {
    let analysis = Analysis::new(Collection::default(), &Config::default());
    let html = render(&analysis);
    let (toks, marks) = check_report(&html);
    assert!(marks.is_empty());
    let text = body_text(&toks);
    assert!(text.contains("No findings."));
    assert!(text.contains("0 failing"));
}
