//! The HTML report: one self-contained document that a reviewer opens from disk or from a CI
//! artifact, offline.
//!
//! # Escaping policy
//!
//! Nearly everything this report shows came out of the program under test or out of a
//! collection file anyone could have written: evidence values hold attacker input by design,
//! and function paths, file names, origins, match kinds, baseline reasons, fingerprints,
//! binary names and error messages are untrusted too. Opening the report must never run
//! that input, restyle the page or send anything anywhere, so:
//!
//! - Untrusted text is written only as element text or as a double-quoted attribute value
//!   (`title`), through one escaper (`Out::text`, `Out::attr`) that turns `&`, `<`, `>`, `"`
//!   and `'` into references in both places, so no call site has to know which context needs
//!   which escapes.
//! - It never lands in a URL, a `style`, a `class`, an `id`, an element or attribute name, a
//!   comment or `<script>` (there is none): those hold only literals of this module and
//!   numbers. The only links are to cwe.mitre.org, built from the CWE number.
//! - Control characters and invisible or bidirectional formatting characters become visible
//!   `\u{..}` escapes (as the evidence format already does for the value): a right-to-left
//!   override in a function name could otherwise make the report say something other than
//!   what the collection holds, and a NUL or CR would silently disappear in a browser.
//! - Tainted ranges become `<mark>` elements opened and closed within one segment between
//!   consecutive range boundaries, so overlapping or touching ranges of different sources
//!   still give well-nested markup. Ranges are clamped to the value and widened to character
//!   boundaries, because a corrupted collection must give a report, not a panic.
//! - As a second line of defence, a Content-Security-Policy allows nothing but this module's
//!   own stylesheet (by its SHA-256 hash): no script, no inline `style` attribute, no image,
//!   font, frame or request of any kind, even if an escape were ever missed.
//!
//! The output depends only on the analysis: no time, no absolute paths, no map iteration in
//! hash order, so the same collection gives the same bytes.

use crate::analysis::{Analysis, Judged, Status};
use crate::model::{Evidence, Finding, Site};
use iast_core::{Confidence, MatchKind};
use std::fmt::Write as _;

/// Renders the report as one HTML5 document.
pub fn render(analysis: &Analysis) -> String {
    let mut out = Out(String::with_capacity(16 * 1024));
    let failing = analysis.failing().count();
    let suppressed = analysis.suppressed().count();
    let below = analysis
        .findings
        .iter()
        .filter(|j| j.status == Status::BelowThreshold)
        .count();

    out.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Right after the charset, before anything the policy has to govern.
    out.raw(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '",
    );
    out.raw(&style_hash());
    out.raw("'; base-uri 'none'; form-action 'none'\">\n");
    out.raw("<meta name=\"referrer\" content=\"no-referrer\">\n");
    out.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        out.0,
        "<title>iast report: {failing} failing, {suppressed} suppressed, {below} below threshold</title>"
    );
    out.raw("<style>");
    out.raw(STYLE);
    out.raw("</style>\n</head>\n<body>\n");

    header(&mut out, analysis, failing, suppressed, below);
    summary(&mut out, analysis);
    coverage(&mut out, analysis);

    let groups = [
        ("failing", "Failing findings"),
        ("suppressed", "Suppressed findings"),
        ("below", "Findings below the threshold"),
    ];
    let mut number = 0;
    for (class, heading) in groups {
        let members: Vec<&Judged> = analysis
            .findings
            .iter()
            .filter(|j| status_words(&j.status).0 == class)
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(
            out.0,
            "<section class=\"group {class}\">\n<h2>{heading} ({})</h2>",
            members.len()
        );
        for judged in members {
            number += 1;
            finding(&mut out, analysis, judged, number);
        }
        out.raw("</section>\n");
    }
    if analysis.findings.is_empty() {
        out.raw("<section>\n<h2>Findings</h2>\n<p class=\"none\">No findings.</p>\n</section>\n");
    }

    baseline(&mut out, analysis);
    registry(&mut out, analysis);
    problems(&mut out, analysis);
    out.raw("<footer>Written by <code>cargo iast</code> ");
    out.raw(env!("CARGO_PKG_VERSION"));
    out.raw(".</footer>\n</body>\n</html>\n");
    out.0
}

/// The class and the words for a status.
fn status_words(status: &Status) -> (&'static str, &'static str) {
    match status {
        Status::Failing => ("failing", "failing"),
        Status::Suppressed { .. } => ("suppressed", "suppressed"),
        Status::BelowThreshold => ("below", "below threshold"),
    }
}

fn header(out: &mut Out, analysis: &Analysis, failing: usize, suppressed: usize, below: usize) {
    out.raw("<header>\n<h1>iast report</h1>\n<p class=\"totals\">");
    let failing_class = if failing > 0 { "failing" } else { "passing" };
    let _ = write!(
        out.0,
        "<span class=\"total {failing_class}\"><b>{failing}</b> failing</span> \
         <span class=\"total suppressed\"><b>{suppressed}</b> suppressed</span> \
         <span class=\"total below\"><b>{below}</b> below threshold</span>"
    );
    out.raw("</p>\n");
    if analysis.binaries.is_empty() {
        out.raw("<p>No test process wrote to the collection.</p>\n");
    } else {
        out.raw("<p>Test binaries: ");
        for (i, (name, processes)) in analysis.binaries.iter().enumerate() {
            if i > 0 {
                out.raw(", ");
            }
            out.raw("<code>");
            out.text(name);
            let _ = write!(
                out.0,
                "</code> ({processes} {})",
                plural(*processes, "process", "processes")
            );
        }
        out.raw(".</p>\n");
    }
    out.raw("</header>\n");
}

fn summary(out: &mut Out, analysis: &Analysis) {
    out.raw("<section class=\"summary\">\n<h2>Summary</h2>\n");
    if analysis.counts.is_empty() {
        out.raw("<p class=\"none\">No findings.</p>\n</section>\n");
        return;
    }
    out.raw(
        "<table>\n<thead><tr><th>Vulnerability</th><th>Rule</th><th>CWE</th><th>Confidence</th>\
         <th class=\"n\">Findings</th><th class=\"n\">Failing</th><th class=\"n\">Suppressed</th>\
         <th class=\"n\">Below threshold</th></tr></thead>\n<tbody>\n",
    );
    for c in &analysis.counts {
        let v = c.vulnerability;
        out.raw("<tr><td>");
        out.text(v.title());
        out.raw("</td><td><code>");
        out.text(v.rule_id());
        out.raw("</code></td><td>");
        cwe_link(out, v.cwe());
        let below = c.findings.saturating_sub(c.failing + c.suppressed);
        let _ = writeln!(
            out.0,
            "</td><td><span class=\"conf {conf}\">{conf}</span></td><td class=\"n\">{}</td>\
             <td class=\"n{}\">{}</td><td class=\"n\">{}</td><td class=\"n\">{below}</td></tr>",
            c.findings,
            if c.failing > 0 { " failing" } else { "" },
            c.failing,
            c.suppressed,
            conf = c.confidence.as_str(),
        );
    }
    out.raw("</tbody>\n</table>\n</section>\n");
}

fn coverage(out: &mut Out, analysis: &Analysis) {
    out.raw("<section class=\"coverage\">\n<h2>Coverage</h2>\n");
    let not_reached: Vec<&Site> = analysis.sinks_not_reached().collect();
    let registered = analysis.sinks_registered.len();
    let _ = writeln!(
        out.0,
        "<p>Sinks reached: <b>{}</b> of {registered}.</p>",
        registered - not_reached.len()
    );
    if !not_reached.is_empty() {
        out.raw(
            "<details class=\"list\"><summary>Sinks no test reached, so their flows were not \
             checked</summary>\n<ul>\n",
        );
        for site in not_reached {
            out.raw("<li>");
            site_line(out, site);
            out.raw("</li>\n");
        }
        out.raw("</ul>\n</details>\n");
    }
    if !analysis.sinks_outside_context.is_empty() {
        out.raw("<div class=\"problems\">\n<p>Sinks that ");
        out.text(crate::analysis::OUTSIDE_CONTEXT);
        out.raw(":</p>\n<ul>\n");
        for site in &analysis.sinks_outside_context {
            out.raw("<li>");
            site_line(out, site);
            out.raw("</li>\n");
        }
        out.raw("</ul>\n</div>\n");
    }
    let not_exercised: Vec<_> = analysis.flows_not_exercised().collect();
    let monitored = analysis.flows_monitored.len();
    let _ = writeln!(
        out.0,
        "<p>Monitored flows (source origin to sink class) exercised: <b>{}</b> of {monitored}.</p>",
        monitored - not_exercised.len()
    );
    if !not_exercised.is_empty() {
        out.raw("<details class=\"list\"><summary>Flows no test exercised</summary>\n<ul>\n");
        for flow in not_exercised {
            out.raw("<li><span class=\"origin\">");
            out.text(&flow.origin);
            out.raw("</span> → <code>");
            out.text(&flow.class);
            out.raw("</code></li>\n");
        }
        out.raw("</ul>\n</details>\n");
    }
    out.raw("</section>\n");
}

fn finding(out: &mut Out, analysis: &Analysis, judged: &Judged, number: usize) {
    let f = &judged.finding;
    let (status_class, status_word) = status_words(&judged.status);
    let open = if judged.status == Status::Failing {
        " open"
    } else {
        ""
    };
    let _ = write!(
        out.0,
        "<details class=\"finding {status_class}\"{open}>\n<summary><span class=\"num\">#{number}</span> \
         <span class=\"status {status_class}\">{status_word}</span> <code class=\"rule\">"
    );
    out.text(f.rule());
    out.raw("</code> ");
    if f.stored() {
        out.raw("stored ");
    }
    out.text(f.vulnerability().title());
    if f.vulnerability().needs_taint() {
        out.raw(" reaches <code>");
        out.text(f.sink().function());
        out.raw("</code>");
    } else if let Some(subject) = f.subject() {
        out.raw(": cookie <code>");
        out.text(subject);
        out.raw("</code>");
    }
    let conf = f.confidence().as_str();
    let _ = write!(out.0, " <span class=\"conf {conf}\">{conf}</span>");
    // In the summary line, so that a closed suppressed finding still says why it is accepted.
    if let Status::Suppressed { reason } = &judged.status {
        out.raw("<span class=\"reason\">Suppressed by the baseline: <q>");
        out.text(reason);
        out.raw("</q></span>");
    }
    out.raw("</summary>\n");

    out.raw("<dl class=\"facts\">\n<dt>Where</dt><dd><code>");
    let (file, line) = f.location();
    out.text(file);
    let _ = write!(out.0, ":{line}");
    out.raw("</code>");
    if let Some(function) = f.call_site().and_then(|c| c.function()) {
        out.raw(" in <code>");
        out.text(function);
        out.raw("</code>");
    }
    out.raw("</dd>\n");
    if let Some(route) = f.route() {
        out.raw("<dt>Route</dt><dd><code>");
        out.text(&route.to_string());
        out.raw("</code></dd>\n");
    }
    if let Some(source) = f.principal_source() {
        out.raw("<dt>Input</dt><dd>");
        out.text(&source.describe());
        out.raw("</dd>\n");
    }
    out.raw("<dt>Rule</dt><dd><code>");
    out.text(f.rule());
    out.raw("</code> ");
    out.text(f.vulnerability().title());
    out.raw("</dd>\n<dt>Weakness</dt><dd>");
    cwe_link(out, f.cwe());
    let _ = writeln!(
        out.0,
        "</dd>\n<dt>Confidence</dt><dd><span class=\"conf {conf}\">{conf}</span>: {}</dd>",
        match f.confidence() {
            Confidence::Confirmed if !f.vulnerability().needs_taint() =>
                "the response holds the weakness, whatever its data",
            Confidence::Confirmed => "the tainted bytes changed the structure of the argument",
            Confidence::Unsanitized =>
                "the tainted bytes reached the sink unsanitized; for this input they left its structure intact",
        }
    );
    if let Some(proof) = f.proof() {
        out.raw("<dt>Proof</dt><dd>confirmed by the probe's input <code>");
        out.text(proof);
        out.raw("</code></dd>\n");
    }
    let _ = writeln!(
        out.0,
        "<dt>Status</dt><dd><span class=\"status {status_class}\">{status_word}</span></dd>"
    );
    out.raw("<dt>Fingerprint</dt><dd><code class=\"fp\">");
    out.text(f.fingerprint());
    let _ = writeln!(
        out.0,
        "</code></dd>\n<dt>Hits</dt><dd>{} (test {} that saw this flow)</dd>\n</dl>",
        f.hits(),
        plural(f.hits() as usize, "process", "processes")
    );

    flow(out, analysis, f);

    out.raw("<h3>Evidence</h3>\n<p>Argument <code>");
    out.text(&f.evidence().argument);
    out.raw("</code> of <code>");
    out.text(f.sink().function());
    out.raw("</code>:</p>\n");
    evidence(out, f);

    out.raw("<p class=\"help\">");
    // The help text marks code with backticks, as in the terminal report.
    for (i, part) in f.vulnerability().help().split('`').enumerate() {
        if i % 2 == 1 {
            out.raw("<code>");
            out.text(part);
            out.raw("</code>");
        } else {
            out.text(part);
        }
    }
    out.raw("</p>\n</details>\n");
}

fn flow(out: &mut Out, analysis: &Analysis, f: &Finding) {
    out.raw("<h3>Flow</h3>\n<ol class=\"flow\">\n");
    for (i, source) in f.sources().iter().enumerate() {
        let _ = write!(
            out.0,
            "<li class=\"source\"><span class=\"chip {}\">source #{i}</span> ",
            palette(i)
        );
        out.raw("<code>");
        out.text(source.function());
        out.raw("</code>");
        if let Some(origin) = &source.origin() {
            out.raw(" <span class=\"origin\">");
            out.text(origin);
            out.raw("</span>");
        }
        out.raw(" at ");
        location(out, source);
        if let Some(up) = source.upstream() {
            out.raw(" <span class=\"upstream\">");
            out.text(&up.describe());
            out.raw("</span>");
        }
        out.raw("</li>\n");
    }
    for sanitizer in f.sanitizers() {
        out.raw("<li class=\"sanitizer\"><span class=\"chip passed\">passed</span> <code>");
        out.text(sanitizer.function());
        out.raw("</code> at ");
        location(out, sanitizer);
        let covers = analysis
            .registry
            .iter()
            .find(|e| {
                (e.kind == "sanitizer" || e.kind == "validator")
                    && e.site.function() == sanitizer.function()
                    && e.site.file() == sanitizer.file()
                    && e.site.line() == sanitizer.line()
            })
            .filter(|e| !e.classes.is_empty());
        if let Some(entry) = covers {
            out.raw(", a ");
            out.text(&entry.kind);
            out.raw(" for ");
            for (i, class) in entry.classes.iter().enumerate() {
                if i > 0 {
                    out.raw(", ");
                }
                out.raw("<code>");
                out.text(class);
                out.raw("</code>");
            }
        }
        out.raw(": <em>does not protect against ");
        out.text(f.vulnerability().title());
        out.raw("</em></li>\n");
    }
    out.raw("<li class=\"sink\"><span class=\"chip sink\">sink</span> <code>");
    out.text(f.sink().function());
    out.raw("</code> at ");
    location(out, f.sink());
    out.raw(", argument <code>");
    out.text(&f.evidence().argument);
    out.raw("</code></li>\n</ol>\n");
}

/// A tainted range made safe to slice `value` with.
struct Range {
    start: usize,
    end: usize,
    source: usize,
    kind: MatchKind,
}

/// The tainted ranges of `e` clamped into its value and widened to character boundaries;
/// empty or inverted ones dropped.
fn usable_ranges(e: &Evidence) -> Vec<Range> {
    let value = &e.value;
    let mut ranges: Vec<Range> = e
        .tainted
        .iter()
        .filter_map(|t| {
            let mut start = t.start.min(value.len());
            let mut end = t.end.min(value.len());
            while !value.is_char_boundary(start) {
                start -= 1;
            }
            while !value.is_char_boundary(end) {
                end += 1;
            }
            (start < end).then_some(Range {
                start,
                end,
                source: t.source,
                kind: t.kind,
            })
        })
        .collect();
    ranges.sort_by(|a, b| {
        (a.start, a.end, a.source, a.kind).cmp(&(b.start, b.end, b.source, b.kind))
    });
    ranges
        .dedup_by(|a, b| (a.start, a.end, a.source, a.kind) == (b.start, b.end, b.source, b.kind));
    ranges
}

fn evidence(out: &mut Out, f: &Finding) {
    let e = &f.evidence();
    let value = &e.value;
    let ranges = usable_ranges(e);
    let mut cuts: Vec<usize> = ranges
        .iter()
        .flat_map(|r| [r.start, r.end])
        .chain([0, value.len()])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();

    // The newline after <pre> is dropped by the parser, so a value that starts with a
    // blank line keeps it.
    out.raw("<pre class=\"evidence\">\n");
    if e.cut_before {
        out.raw("<span class=\"cut\" title=\"the argument was cut here\">…</span>");
    }
    // Ranges are sorted by start, and every start is a cut, so a sweep over the segments
    // knows exactly which ranges cover each one.
    let mut active: Vec<usize> = Vec::new();
    let mut next = 0;
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        active.retain(|&i| ranges[i].end > from);
        while next < ranges.len() && ranges[next].start <= from {
            active.push(next);
            next += 1;
        }
        let segment = &value[from..to];
        if active.is_empty() {
            out.pre_text(segment);
            continue;
        }
        // Listed by source, so a segment reads the same whichever range started first.
        let mut covering: Vec<&Range> = active.iter().map(|&i| &ranges[i]).collect();
        covering.sort_by_key(|r| (r.source, r.start, r.end));
        let first = covering[0].source;
        let mixed = covering.iter().any(|r| r.source != first);
        let _ = write!(
            out.0,
            "<mark class=\"{}{}\" title=\"",
            palette(first),
            if mixed { " overlap" } else { "" }
        );
        for (n, r) in covering.iter().enumerate() {
            if n > 0 {
                out.raw("; ");
            }
            let _ = write!(out.0, "source #{}", r.source);
            match f.sources().get(r.source) {
                Some(site) => {
                    out.raw(" (");
                    out.attr(site.origin_or_function());
                    out.raw(")");
                }
                None => out.raw(" (not in the finding)"),
            }
            out.raw(": ");
            out.attr(r.kind.describe());
        }
        out.raw("\">");
        out.pre_text(segment);
        out.raw("</mark>");
    }
    if e.cut_after {
        out.raw("<span class=\"cut\" title=\"the argument was cut here\">…</span>");
    }
    out.raw("</pre>\n");
}

/// The colour class of a source index: numbers only, so no collection text reaches a class.
fn palette(source: usize) -> &'static str {
    const CLASSES: [&str; 6] = ["s0", "s1", "s2", "s3", "s4", "s5"];
    CLASSES[source % CLASSES.len()]
}

fn baseline(out: &mut Out, analysis: &Analysis) {
    if analysis.unused_suppressions.is_empty() {
        return;
    }
    out.raw(
        "<section class=\"baseline\">\n<h2>Unused baseline entries</h2>\n<p>These suppressions \
         matched no finding: the flow was fixed, or no test reaches it any more. Remove them from \
         <code>iast.toml</code> once that is confirmed.</p>\n<ul>\n",
    );
    for fingerprint in &analysis.unused_suppressions {
        out.raw("<li><code class=\"fp\">");
        out.text(fingerprint);
        out.raw("</code></li>\n");
    }
    out.raw("</ul>\n</section>\n");
}

fn registry(out: &mut Out, analysis: &Analysis) {
    if analysis.registry.is_empty() {
        return;
    }
    let _ = writeln!(
        out.0,
        "<section class=\"registry\">\n<details class=\"list\"><summary>Annotated functions ({})</summary>\n\
         <table>\n<thead><tr><th>Kind</th><th>Function</th><th>Where</th><th>Classes or origin</th></tr></thead>\n<tbody>",
        analysis.registry.len()
    );
    for entry in &analysis.registry {
        out.raw("<tr><td>");
        out.text(&entry.kind);
        out.raw("</td><td><code>");
        out.text(entry.site.function());
        out.raw("</code></td><td>");
        location(out, &entry.site);
        out.raw("</td><td>");
        match &entry.site.origin() {
            Some(origin) if entry.kind == "source" => {
                out.raw("<span class=\"origin\">");
                out.text(origin);
                out.raw("</span>");
            }
            _ => {
                for (i, class) in entry.classes.iter().enumerate() {
                    if i > 0 {
                        out.raw(", ");
                    }
                    out.raw("<code>");
                    out.text(class);
                    out.raw("</code>");
                }
            }
        }
        out.raw("</td></tr>\n");
    }
    out.raw("</tbody>\n</table>\n</details>\n</section>\n");
}

fn problems(out: &mut Out, analysis: &Analysis) {
    if analysis.problems.is_empty() {
        return;
    }
    out.raw(
        "<section class=\"problems\">\n<h2>Unreadable collection lines</h2>\n<p>These lines were \
         skipped (a process killed mid-write leaves a torn last line).</p>\n<ul>\n",
    );
    for p in &analysis.problems {
        out.raw("<li><code>");
        out.text(&p.file);
        let _ = write!(out.0, ":{}</code>: ", p.line);
        out.text(&p.message);
        out.raw("</li>\n");
    }
    out.raw("</ul>\n</section>\n");
}

fn site_line(out: &mut Out, site: &Site) {
    out.raw("<code>");
    out.text(site.function());
    out.raw("</code> at ");
    location(out, site);
}

fn location(out: &mut Out, site: &Site) {
    out.raw("<code class=\"loc\">");
    out.text(site.file());
    let _ = write!(out.0, ":{}</code>", site.line());
}

/// The only URL in the report: built from a number, never from collection text.
fn cwe_link(out: &mut Out, cwe: u32) {
    let _ = write!(
        out.0,
        "<a href=\"{}\" rel=\"noreferrer noopener\">CWE-{cwe}</a>",
        iast_core::cwe_url(cwe)
    );
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The document being written. Literal markup goes through [`Out::raw`]; everything else
/// through one of the escaping writers.
struct Out(String);

impl Out {
    /// Markup of this module; never called with collection text.
    fn raw(&mut self, s: &str) {
        self.0.push_str(s);
    }

    /// Untrusted text as element content, on one line.
    fn text(&mut self, s: &str) {
        self.escape(s, Context::Text);
    }

    /// Untrusted text inside `<pre>`, where line breaks and tabs are kept.
    fn pre_text(&mut self, s: &str) {
        self.escape(s, Context::Pre);
    }

    /// Untrusted text inside a double-quoted attribute value. Markup cannot appear there, so
    /// escapes are plain text.
    fn attr(&mut self, s: &str) {
        self.escape(s, Context::Attribute);
    }

    fn escape(&mut self, s: &str, context: Context) {
        let out = &mut self.0;
        let mut rest = 0;
        for (i, c) in s.char_indices() {
            let replacement = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' if context == Context::Pre => continue,
                c if c.is_control() || invisible(c) => "",
                _ => continue,
            };
            out.push_str(&s[rest..i]);
            rest = i + c.len_utf8();
            if !replacement.is_empty() {
                out.push_str(replacement);
                continue;
            }
            let visible = match c {
                '\n' => "\\n".to_owned(),
                '\r' => "\\r".to_owned(),
                '\t' => "\\t".to_owned(),
                '\0' => "\\0".to_owned(),
                c => format!("\\u{{{:x}}}", c as u32),
            };
            match context {
                Context::Attribute => out.push_str(&visible),
                Context::Text | Context::Pre => {
                    out.push_str("<span class=\"esc\">");
                    out.push_str(&visible);
                    out.push_str("</span>");
                }
            }
            // A line break in the evidence stays one, after its visible escape, so that
            // multi-line arguments keep their shape and CR LF injection is still plain.
            if c == '\n' && context == Context::Pre {
                out.push('\n');
            }
        }
        out.push_str(&s[rest..]);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Text,
    Pre,
    Attribute,
}

/// Characters that display as nothing or reorder the text around them (the set the
/// evidence format escapes, applied here to every string of the collection).
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}'
        | '\u{61c}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}'
        | '\u{feff}'
        | '\u{e0000}'..='\u{e007f}')
}

/// The stylesheet. Colours of the tainted marks follow the source index; nothing here
/// loads anything (the policy would refuse it anyway).
const STYLE: &str = r#"
:root{--fg:#1d1f21;--bg:#fff;--muted:#5f6368;--line:#d0d4d9;--fail:#b3261e;--ok:#1e7b34;--supp:#6b6f76;--panel:#f6f7f9}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#16181b;--muted:#a0a4aa;--line:#3a3f45;--fail:#ff7b72;--ok:#56d364;--supp:#9aa0a6;--panel:#1f2226}}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);max-width:72rem;margin:0 auto;padding:1rem 1.5rem 3rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
h1{margin:.2em 0}
h2{border-bottom:1px solid var(--line);padding-bottom:.2em;margin-top:2em}
h3{font-size:1em;margin:1.2em 0 .4em}
a{color:inherit}
.totals{font-size:1.1em;display:flex;gap:1.5em;flex-wrap:wrap}
.total b{font-size:1.6em;margin-right:.2em}
.total.failing b,td.failing{color:var(--fail)}
.total.passing b{color:var(--ok)}
.total.suppressed b,.total.below b{color:var(--supp)}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid var(--line);padding:.25em .6em;text-align:left;vertical-align:top}
th{background:var(--panel)}
.n{text-align:right}
.none{color:var(--muted)}
.conf{border-radius:3px;padding:0 .35em;font-size:.85em;border:1px solid currentColor}
.conf.confirmed{color:var(--fail)}
.conf.unsanitized{color:#b26a00}
.status{border-radius:3px;padding:0 .4em;font-size:.85em;font-weight:600;color:#fff;background:var(--supp)}
.status.failing{background:var(--fail)}
.status.suppressed{background:var(--supp)}
.status.below{background:#8a8f96}
details.finding{border:1px solid var(--line);border-left:5px solid var(--fail);border-radius:4px;margin:.8em 0;padding:.3em .9em;background:var(--bg)}
details.finding.suppressed{border-left:5px dashed var(--supp);background:var(--panel)}
details.finding.suppressed>summary .rule{text-decoration:line-through;text-decoration-color:var(--supp)}
details.finding.below{border-left-color:#8a8f96}
details>summary{cursor:pointer;padding:.2em 0}
.num{color:var(--muted)}
.reason{display:block;border-left:3px solid var(--supp);padding:.1em .7em;margin:.3em 0 .1em 1.2em;color:var(--supp);font-style:italic}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.6em 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
ol.flow{padding-left:1.6em}
ol.flow li{margin:.2em 0}
.origin{font-family:ui-monospace,monospace;font-size:.88em;border:1px solid var(--line);border-radius:3px;padding:0 .3em}
.chip{border-radius:3px;padding:0 .4em;font-size:.85em;color:#000}
.chip.passed{background:#d9dde3}
.chip.sink(){background:#f3c0bc}
pre.evidence(){background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:.6em .8em;white-space:pre-wrap;overflow-wrap:anywhere;color:var(--fg)}
mark{color:#000;border-radius:2px;outline:1px solid rgba(0,0,0,.35)}
.s0{background:#ffe066}.s1{background:#8ce0ff}.s2{background:#ffb3d9}.s3{background:#a6f0a6}.s4{background:#ffc285}.s5{background:#d4b8ff}
mark.overlap{outline:2px solid #000;text-decoration:underline wavy}
.esc{color:var(--fail);font-weight:600}
mark .esc{color:#7a0000}
.cut{color:var(--muted)}
.help{color:var(--muted);font-size:.92em}
footer{margin-top:3em;color:var(--muted);font-size:.85em}
"#;

/// The CSP source expression that allows exactly [`STYLE`].
fn style_hash() -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(STYLE.as_bytes());
    format!(
        "sha256-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_both_quotes_and_makes_controls_visible() {
        let mut out = Out(String::new());
        out.attr("a\"b'c<d>e&f\u{202e}g\r");
        assert_eq!(out.0, "a&quot;b&#39;c&lt;d&gt;e&amp;f\\u{202e}g\\r");
        let mut out = Out(String::new());
        out.pre_text("x\ty\nz");
        assert_eq!(out.0, "x\ty<span class=\"esc\">\\n</span>\nz");
        let mut out = Out(String::new());
        out.text("x\ty");
        assert_eq!(out.0, "x<span class=\"esc\">\\t</span>y");
    }
}
