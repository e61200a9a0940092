//! The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.
//!
//! Choices, and why:
//!
//! - **Every class is a rule**, whether or not it has findings, in [`Vulnerability::ALL`]
//!   order: `ruleIndex` then means the same in every report, and code scanning can tell "this
//!   rule ran and found nothing" (close the alert) from "this rule was not run". Each rule
//!   names its CWE twice: as the `external/cwe/cwe-N` tag code scanning reads, and as a
//!   relationship to the run's CWE taxonomy for consumers that follow SARIF's taxonomies.
//! - **Every judged finding is a result**, whatever its status, so that the report shows
//!   what the run saw and not only what fails it:
//!   - failing findings get the level of their confidence: `error` for a confirmed flow (the
//!     input changed the structure of the argument), `warning` for an unsanitized one;
//!   - findings the baseline accepts keep that level and carry an `external` suppression
//!     with the baseline's reason, which viewers that honour suppressions show as closed;
//!   - findings below `report.fail_on` are `note`s: the project decided they do not fail
//!     the run, and consumers that gate on levels (annotations, problem lists, build
//!     breakers) should agree. Their confidence stays in the result's properties, and code
//!     scanning ranks security alerts by the rule's `security-severity` whatever the level.
//! - **The location is the sink**, where the data does harm; the path from source(s)
//!   through the sanitizers that did not cover the class to the sink is the result's one
//!   code flow, which is what code scanning shows as the "path". Every step points at the
//!   definition of an annotated function: that is what the run knows, not the call sites.
//! - **Paths are relative to `%SRCROOT%`**, the workspace root, which the report does not
//!   define: an absolute `file:///` URI would tie the report to one machine, and code
//!   scanning resolves `%SRCROOT%` to the checkout itself.
//! - **Nothing from the run's environment**: no times, no invocation, no absolute paths,
//!   and the output is a function of the analysis alone (which is already sorted), so it can
//!   be compared and committed.
//! - **Messages are short and inert.** Viewers render message text with links
//!   (`[text](target)`) and often as markdown, so names from the application's code go in
//!   code spans with brackets escaped, and the attacker-controlled evidence never enters a
//!   message: it is in the result's `properties.evidence()`, where it is plain JSON data.
//! - **The fingerprint** of the collection is `partialFingerprints["iastFingerprint/v1"]`: it
//!   leaves out line numbers, so an alert follows its flow through edits of the file.
//!
//! Objects are serde structs rather than `json!` values so that keys come out in the order
//! written here whatever serde_json's features are.

use crate::analysis::{Analysis, Judged, Status};
use crate::model::{Evidence, Finding, Site};
use iast_core::{Confidence, Vulnerability};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// Versioned, so that a change of the fingerprint's recipe does not silently match old
/// alerts to new flows.
const FINGERPRINT: &str = "iastFingerprint/v1";

/// The report as pretty-printed SARIF 2.1.0 JSON, ending with a newline.
pub fn render(analysis: &Analysis) -> String {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [run(analysis)],
    };
    let mut text = serde_json::to_string_pretty(&log)
        .expect("a SARIF log is strings, numbers and maps with string keys");
    text.push('\n');
    text
}

fn run(analysis: &Analysis) -> Run<'_> {
    Run {
        tool: Tool {
            driver: Driver {
                name: "iast",
                full_name: "iast: Interactive Application Security Testing for Rust",
                information_uri: "https://docs.rs/iast",
                version: env!("CARGO_PKG_VERSION"),
                semantic_version: env!("CARGO_PKG_VERSION"),
                rules: Vulnerability::ALL.into_iter().map(rule).collect(),
                supported_taxonomies: [ToolComponentReference {
                    name: "CWE",
                    index: 0,
                }],
            },
        },
        taxonomies: [Taxonomy {
            name: "CWE",
            organization: "MITRE",
            short_description: Message {
                text: "The Common Weakness Enumeration.".to_owned(),
            },
            information_uri: "https://cwe.mitre.org/",
            taxa: cwes()
                .into_iter()
                .map(|cwe| Taxon {
                    id: cwe.to_string(),
                    help_uri: iast_core::cwe_url(cwe),
                })
                .collect(),
        }],
        // The category GitHub keeps these results under, apart from other tools' uploads.
        automation_details: AutomationDetails { id: "iast/" },
        original_uri_base_ids: BTreeMap::from([(
            SRCROOT,
            UriBase {
                description: Message {
                    text: "The root of the Cargo workspace whose tests ran.".to_owned(),
                },
            },
        )]),
        results: analysis.findings.iter().map(result).collect(),
        invocations: invocations(analysis),
    }
}

/// A sink that ran outside any context, as a warning of the run: its flows were not
/// followed. Only when there is one, so that a clean run's log has no invocation (which
/// would otherwise say nothing but that it ran).
fn invocations(analysis: &Analysis) -> Vec<Invocation<'_>> {
    if analysis.sinks_outside_context.is_empty() {
        return Vec::new();
    }
    let notifications = analysis
        .sinks_outside_context
        .iter()
        .map(|site| Notification {
            descriptor: NotificationDescriptor {
                id: "iast/sink-outside-context",
            },
            level: "warning",
            message: Message {
                text: format!(
                    "Sink {} {}.",
                    code(site.function()),
                    crate::analysis::OUTSIDE_CONTEXT
                ),
            },
            locations: [site_location(site, None)],
        })
        .collect();
    vec![Invocation {
        execution_successful: true,
        tool_execution_notifications: notifications,
    }]
}

/// The CWE numbers of the classes, each once, in report order: the taxonomy's taxa.
fn cwes() -> Vec<u32> {
    let mut cwes: Vec<u32> = Vec::new();
    for v in Vulnerability::ALL {
        if !cwes.contains(&v.cwe()) {
            cwes.push(v.cwe());
        }
    }
    cwes
}

fn rule(v: Vulnerability) -> Rule {
    let cwe = v.cwe();
    let cwe_uri = iast_core::cwe_url(cwe);
    let help = v.help();
    // The help's first sentence says what the flaw is; the rest says how to fix it.
    let first = help.find(". ").map_or(help, |i| &help[..=i]);
    Rule {
        id: v.rule_id(),
        name: pascal_case(v.title()),
        short_description: Message {
            text: capitalized(v.title()),
        },
        full_description: Message {
            text: first.to_owned(),
        },
        help: Help {
            text: format!("{help} See CWE-{cwe}: {cwe_uri}"),
            markdown: format!("{help}\n\nSee [CWE-{cwe}]({cwe_uri})."),
        },
        help_uri: cwe_uri,
        default_configuration: Configuration { level: "error" },
        properties: RuleProperties {
            // The CodeQL query's id as a tag of its own, so that code scanning shows iast's
            // and CodeQL's results of one class side by side under the same filter.
            tags: ["security".to_owned(), format!("external/cwe/cwe-{cwe}")]
                .into_iter()
                .chain(v.codeql_id().map(str::to_owned))
                .collect(),
            precision: "high",
            security_severity: security_severity(v),
        },
        // The tag is what code scanning reads; the relationship is the same fact for
        // consumers that follow SARIF's taxonomies.
        relationships: [Relationship {
            target: TaxonReference {
                id: cwe.to_string(),
                index: cwes()
                    .iter()
                    .position(|&c| c == cwe)
                    .expect("cwes() holds every class's CWE"),
                tool_component: ToolComponentReference {
                    name: "CWE",
                    index: 0,
                },
            },
            kinds: ["relevant"],
        }],
    }
}

/// CVSS-like base scores in the range GitHub maps to critical (9.0 and up), high (7.0 to
/// 8.9), medium and low: what the flaw typically allows, close to the scores other
/// code-scanning tools give the same CWE.
fn security_severity(v: Vulnerability) -> &'static str {
    match v {
        Vulnerability::SqlInjection
        | Vulnerability::CommandInjection
        | Vulnerability::CodeInjection => "9.8",
        Vulnerability::Ssrf => "8.6",
        Vulnerability::LdapInjection | Vulnerability::NosqlInjection => "8.1",
        Vulnerability::PathTraversal | Vulnerability::XpathInjection => "7.5",
        Vulnerability::Xss | Vulnerability::OpenRedirect | Vulnerability::HeaderInjection => "6.1",
        Vulnerability::LogInjection => "5.3",
        // CodeQL's score for its weak sensitive-data hashing query.
        Vulnerability::WeakHash => "7.5",
        // CodeQL's score for its Rust query on the `Secure` flag.
        Vulnerability::InsecureCookie => "7.5",
        Vulnerability::NoHttpOnlyCookie | Vulnerability::HstsHeaderMissing => "5.3",
        // CodeQL's score for its stack-trace exposure queries.
        Vulnerability::StacktraceLeak => "5.4",
        Vulnerability::NoSameSiteCookie => "4.3",
        Vulnerability::XContentTypeHeaderMissing => "3.7",
        // A class newer than this table is still a security finding; medium until scored.
        _ => "5.0",
    }
}

fn result(judged: &Judged) -> SarifResult<'_> {
    let f = &judged.finding;
    let v = f.vulnerability();
    let level = match (&judged.status, f.confidence()) {
        (Status::BelowThreshold, _) => "note",
        (_, Confidence::Confirmed) => "error",
        (_, Confidence::Unsanitized) => "warning",
    };
    let suppressions = match &judged.status {
        Status::Suppressed { reason } => vec![Suppression {
            kind: "external",
            status: "accepted",
            justification: plain(reason),
        }],
        _ => Vec::new(),
    };
    let status = match judged.status {
        Status::Failing => "failing",
        Status::Suppressed { .. } => "suppressed",
        Status::BelowThreshold => "below_threshold",
    };
    SarifResult {
        rule_id: v.rule_id(),
        rule_index: Vulnerability::ALL
            .iter()
            .position(|&x| x == v)
            .expect("ALL holds every class"),
        level,
        message: Message { text: message(f) },
        locations: [at_call(f, None)],
        code_flows: [CodeFlow {
            thread_flows: [ThreadFlow {
                locations: thread_flow(f),
            }],
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT, f.fingerprint())]),
        suppressions,
        properties: ResultProperties {
            confidence: f.confidence().as_str(),
            status,
            hits: f.hits(),
            evidence: f.evidence(),
            proof: f.proof(),
            blocked: f.blocked(),
            stored: f.stored(),
        },
    }
}

/// "SQL injection: untrusted data from `a::source` (`http.parameter`) reaches `a::sink`
/// (confirmed)." The evidence stays out: it is the attacker's text.
fn message(f: &Finding) -> String {
    if !f.vulnerability().needs_taint() {
        // A weakness of the response has no source: what it is about, and where.
        let mut text = capitalized(f.vulnerability().title());
        if let Some(subject) = f.subject() {
            let _ = write!(text, ": cookie {}", code(subject));
        }
        match f.route() {
            Some(route) => {
                let _ = write!(text, ", in the response to {}.", code(&route.to_string()));
            }
            None => text.push('.'),
        }
        return text;
    }
    let title = match f.stored() {
        true => format!("stored {}", f.vulnerability().title()),
        false => f.vulnerability().title().to_owned(),
    };
    let mut text = format!(
        "{}: untrusted data from {} reaches {} ({}).",
        capitalized(&title),
        list(f.sources().iter().map(source)),
        code(f.sink().function()),
        f.confidence(),
    );
    if let Some(route) = f.route() {
        let _ = write!(text, " Route {}.", code(&route.to_string()));
    }
    if f.proof().is_some() {
        text.push_str(" A probe's payload confirmed it (properties.proof).");
    }
    if !f.sanitizers().is_empty() {
        let _ = write!(
            text,
            " It passes {}, which {} not protect against {}.",
            list(f.sanitizers().iter().map(|s| code(s.function()))),
            if f.sanitizers().len() == 1 {
                "does"
            } else {
                "do"
            },
            f.vulnerability().title(),
        );
    }
    text
}

fn source(s: &Site) -> String {
    let here = source_here(s);
    let Some(up) = s.upstream() else {
        return here;
    };
    let what = match (up.name(), up.kind_in_words()) {
        (Some(name), Some(kind)) => format!("{kind} {}", code(name)),
        (Some(name), None) => format!("{} {}", code(up.origin()), code(name)),
        (None, _) => code(up.origin()),
    };
    let route = up
        .route()
        .map(|r| format!(" of {}", code(r)))
        .unwrap_or_default();
    format!("{here}, entered at {} as {what}{route}", code(up.service()))
}

fn source_here(s: &Site) -> String {
    match (s.name(), s.origin()) {
        (Some(name), Some(origin)) => format!(
            "{} {} ({})",
            s.kind_in_words().unwrap_or(origin),
            code(name),
            code(origin)
        ),
        (_, Some(origin)) => format!("{} ({})", code(s.function()), code(origin)),
        (_, None) => code(s.function()),
    }
}

/// Source(s), then the sanitizers that did not help, then the sink.
fn thread_flow(f: &Finding) -> Vec<ThreadFlowLocation<'_>> {
    let mut steps = Vec::new();
    for s in f.sources() {
        steps.push(step(s, "source", format!("Source {}.", source(s))));
    }
    for s in f.sanitizers() {
        let text = format!(
            "Passes {}, which does not protect against {}.",
            code(s.function()),
            f.vulnerability().title(),
        );
        steps.push(step(s, "sanitizer", text));
    }
    let text = format!(
        "Sink {}, argument {}.",
        code(f.sink().function()),
        code(&f.evidence().argument)
    );
    steps.push(ThreadFlowLocation {
        location: at_call(f, Some(Message { text })),
        kinds: ["sink"],
    });
    steps
}

/// Where the application called the sink (its file, line and column, in its enclosing
/// function); for a response check, or a sink that cannot see its caller, the sink itself.
fn at_call(f: &Finding, message: Option<Message>) -> Location<'_> {
    let function = f
        .call_site()
        .and_then(|c| c.function())
        .unwrap_or(f.sink().function());
    let (file, line) = f.location();
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: relative_uri(file),
                uri_base_id: SRCROOT,
            },
            region: Region {
                start_line: line.max(1),
                start_column: f.call_site().map(|c| c.column()).filter(|&c| c > 0),
            },
        },
        logical_locations: vec![LogicalLocation {
            fully_qualified_name: function,
            kind: "function",
        }],
        message,
    }
}

fn step<'a>(site: &'a Site, kind: &'static str, text: String) -> ThreadFlowLocation<'a> {
    ThreadFlowLocation {
        location: site_location(site, Some(Message { text })),
        kinds: [kind],
    }
}

/// Where an annotated function is defined, named as a function.
fn site_location(site: &Site, message: Option<Message>) -> Location<'_> {
    Location {
        physical_location: physical(site),
        logical_locations: vec![LogicalLocation {
            fully_qualified_name: site.function(),
            kind: "function",
        }],
        message,
    }
}

fn physical(site: &Site) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: relative_uri(site.file()),
            uri_base_id: SRCROOT,
        },
        // SARIF lines start at 1; a site without a known line points at the file's start.
        region: Region {
            start_line: site.line().max(1),
            start_column: None,
        },
    }
}

/// A collection path as a relative URI reference: every byte but unreserved characters and
/// `/` percent-encoded (spaces, `%`, `#`, `?`, non-ASCII, and a `:` that would read as a
/// scheme). Sites are relative already; a leading `/` is dropped because a URI under a base
/// id must not be absolute.
fn relative_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri
}

/// A name from the application's code as an inert code span in a message: brackets and
/// backslashes escaped so that no `[text](target)` link can form, a backtick (which would
/// end the span) replaced, control characters shown as U+FFFD.
fn code(name: &str) -> String {
    format!("`{}`", plain(&name.replace('`', "'")))
}

/// Text from the program or the configuration, made inert for a reader that renders
/// markdown: `[`, `]` and `\` escaped so that no link forms, and control, invisible and
/// bidirectional characters replaced with U+FFFD so that nothing reorders or hides text.
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if iast_core::needs_escape(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// "a", "a and b", "a, b and c".
fn list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.split_last() {
        None => "an unknown source".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "cross-site scripting" → `CrossSiteScripting`: the title's words, as SARIF's rule names
/// are written. Not the id's words: a name that equals the id but for case (`Xss`, `XSS`)
/// is one the validator rejects as no name at all.
fn pascal_case(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|word| capitalized(&word.to_ascii_lowercase()))
        .collect()
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    taxonomies: [Taxonomy; 1],
    automation_details: AutomationDetails,
    #[serde(rename = "originalUriBaseIds")]
    original_uri_base_ids: BTreeMap<&'static str, UriBase>,
    results: Vec<SarifResult<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Notification<'a> {
    descriptor: NotificationDescriptor,
    level: &'static str,
    message: Message,
    locations: [Location<'a>; 1],
}

#[derive(Serialize)]
struct NotificationDescriptor {
    id: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    full_name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
    supported_taxonomies: [ToolComponentReference; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ToolComponentReference {
    name: &'static str,
    index: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Taxonomy {
    name: &'static str,
    organization: &'static str,
    short_description: Message,
    information_uri: &'static str,
    taxa: Vec<Taxon>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Taxon {
    id: String,
    help_uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    target: TaxonReference,
    kinds: [&'static str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TaxonReference {
    id: String,
    index: usize,
    tool_component: ToolComponentReference,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: &'static str,
}

#[derive(Serialize)]
struct UriBase {
    description: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
    relationships: [Relationship; 1],
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: [Location<'a>; 1],
    code_flows: [CodeFlow<'a>; 1],
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation,
    logical_locations: Vec<LogicalLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow<'a> {
    thread_flows: [ThreadFlow<'a>; 1],
}

#[derive(Serialize)]
struct ThreadFlow<'a> {
    locations: Vec<ThreadFlowLocation<'a>>,
}

#[derive(Serialize)]
struct ThreadFlowLocation<'a> {
    location: Location<'a>,
    kinds: [&'static str; 1],
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

/// The words are those of the JSON report, so that tools reading both need one vocabulary.
#[derive(Serialize)]
struct ResultProperties<'a> {
    confidence: &'static str,
    status: &'static str,
    hits: u32,
    /// The checked argument with its tainted byte ranges, as the collection holds it; a
    /// range's `source` indexes the sources, which are the code flow's first steps.
    evidence: &'a Evidence,
    /// The input of an `iast::probe` payload run that confirmed the flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    proof: Option<&'a str>,
    /// Protect mode refused the call and answered the request 403.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    blocked: bool,
    /// A flow from values read back from a database alone.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stored: bool,
}

#[cfg(test)]
mod tests {
    use super::message;
    use iast_core::Finding;

    /// A weakness of a response, as a collection file holds it.
    fn weakness() -> Finding {
        serde_json::from_str(
            r#"{
                "rule": "INSECURE_COOKIE",
                "vulnerability": "InsecureCookie",
                "cwe": 614,
                "confidence": "Confirmed",
                "route": {"method": "GET", "pattern": "/login"},
                "sink": {
                    "function": "iast_sinks::web::weakness::response_cookie",
                    "file": "iast-sinks/src/web/weakness.rs",
                    "line": 35
                },
                "sources": [],
                "subject": "session",
                "evidence": {"argument": "set-cookie", "value": "session=[REDACTED]", "tainted": []},
                "hits": 2,
                "fingerprint": "c1314127b625ffde"
            }"#,
        )
        .unwrap()
    }

    #[test]
    fn an_upstream_origin_follows_the_source_and_its_names_are_inert() {
        let site: iast_core::Site = serde_json::from_str(
            r#"{
                "function": "iast_sinks::web::request::query_parameter",
                "file": "iast-sinks/src/web/request.rs",
                "line": 55,
                "origin": "http.query",
                "name": "name",
                "upstream": {
                    "service": "gate`way",
                    "route": "GET /[x](http://evil)",
                    "origin": "http.query",
                    "name": "q\u202e"
                }
            }"#,
        )
        .unwrap();
        assert_eq!(
            super::source(&site),
            "query parameter `name` (`http.query`), entered at `gate'way` as query parameter \
             `q\u{fffd}` of `GET /\\[x\\](http://evil)`"
        );
    }

    #[test]
    fn a_weakness_is_named_by_its_cookie_and_route_not_by_a_source() {
        assert_eq!(
            message(&weakness()),
            "Cookie without Secure: cookie `session`, in the response to `GET /login`."
        );
    }
}
