//! `iast.toml`: the project's settings, read by the program under test and by `cargo iast`.
//!
//! ```toml
//! [taint]
//! min_match_length = 12          # shortest match by value that counts on its own (>= 8)
//! stored = true                  # values read from a database are sources (off by default)
//!
//! [redaction]
//! enabled = true                 # hide secrets in evidence (the default)
//! patterns = ['ssn=(\d{3}-\d{2}-\d{4})', 'X-Internal-[A-Za-z]+']
//!
//! [classes]
//! log = false                    # no log-injection findings
//!
//! [protect]
//! sql = "block"                  # refuse confirmed SQL injections in web requests (opt-in)
//!
//! [limits]
//! check_budget = 50_000_000      # steps one sink check may take before it stops (see below)
//!
//! [collect]
//! output = "target/iast/collection"   # like IAST_OUTPUT, relative to this file
//!
//! [fleet]
//! service = "gateway"            # this process's name in the baggage it sends
//! send = true                    # checked clients add `iast.taint` to `baggage` (off by default)
//! trust = true                   # web layers read `iast.taint` from requests (off by default)
//!
//! [report]
//! fail_on = "confirmed"          # "unsanitized" (default), "confirmed" or "never"
//! dir = "target/iast"            # where cargo iast writes its reports, relative to this file
//! formats = ["text", "json", "sarif", "html"]
//!
//! [[baseline]]
//! fingerprint = "5b1c2e0f3a9d7c41"
//! reason = "admin-only endpoint; the proxy rejects quotes"
//! ```
//!
//! `limits.check_budget` bounds the work of one sink check, in steps of about one byte of one
//! pass over the argument (sqlparser's tokenizer counts 100 per byte it reads): the default is some tens
//! of milliseconds. A check that spends it stops, keeps what it found, reports a flow whose
//! analysis did not fit as unsanitized, and is counted in the report's
//! `limits.budget_exceeded`.
//!
//! The file is walked key by key against this schema rather than deserialized, so that
//! every error names the file, the line and the full key (`report.fail_on`,
//! `baseline[2].reason`), including errors serde could only report as a position.
//!
//! The program under test finds the file through `IAST_CONFIG`, or as the first `iast.toml`
//! in `CARGO_MANIFEST_DIR` or the working directory and their parents. A file it cannot
//! read or understand is reported once on stderr and the defaults are used: a settings
//! mistake must not stop the program being watched. `cargo iast` reads the same file
//! strictly and stops on the first error. Only a regular file is read: `IAST_CONFIG` naming
//! a FIFO or a device is such an error, never something to wait on.

mod in_code;
mod regular;

pub(crate) use regular::open_regular;

use crate::vulnerability::{ClassSet, Confidence, Vulnerability};
pub(crate) use in_code::InCode;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The environment variable naming the configuration file.
pub const CONFIG_VAR: &str = "IAST_CONFIG";
/// The configuration file's name.
pub const FILE_NAME: &str = "iast.toml";
/// The shortest `min_match_length`: shorter pieces of values are not indexed.
pub const MIN_MATCH_FLOOR: usize = crate::taint::MIN_PARTIAL;

/// The smallest `limits.check_budget`: below it, ordinary checks of a few KiB would stop.
pub const MIN_CHECK_BUDGET: u64 = 100_000;

/// The settings of `iast.toml`; [`Config::default`] when there is no file.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// The shortest match by value that counts as tainted on its own: shorter whole values
    /// need the analyzer's confirmation, shorter pieces of values are ignored.
    pub min_match_length: usize,
    /// Whether values read from a database (sources of origin `db.row`) are sources of
    /// stored flows (`taint.stored`, off by default).
    pub stored: bool,
    /// Whether evidence hides secrets.
    pub redaction: bool,
    /// Extra patterns whose matches are hidden in evidence (with capture groups, only the
    /// groups).
    pub(crate) redaction_patterns: Vec<regex_lite::Regex>,
    /// Classes whose findings are not reported.
    pub disabled: ClassSet,
    /// Classes whose confirmed flows are refused in the requests of a web layer
    /// (`[protect] sql = "block"`).
    pub block: ClassSet,
    /// Steps one sink check may take (`limits.check_budget`).
    pub check_budget: u64,
    /// The collection directory, when the file names one.
    pub output: Option<PathBuf>,
    /// Findings at or above this confidence fail `cargo iast test`.
    pub fail_on: FailOn,
    /// Where `cargo iast` writes its reports.
    pub report_dir: Option<PathBuf>,
    /// Which reports `cargo iast test` writes.
    pub formats: Vec<Format>,
    /// Accepted findings.
    pub baseline: Vec<Suppression>,
    /// Flows across services (`[fleet]`, see [`crate::fleet`]).
    pub fleet: Fleet,
}

/// `[fleet]`: whether the origins of values travel between services in W3C Baggage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fleet {
    /// This process's name in the entries it sends (`fleet.service`).
    pub service: Option<String>,
    /// Whether checked clients add `iast.taint` to their requests (`fleet.send`).
    pub send: bool,
    /// Whether web layers read `iast.taint` from requests (`fleet.trust`).
    pub trust: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            path: None,
            min_match_length: MIN_MATCH_FLOOR,
            stored: false,
            redaction: true,
            redaction_patterns: Vec::new(),
            disabled: ClassSet::EMPTY,
            block: ClassSet::EMPTY,
            check_budget: crate::work::DEFAULT_BUDGET,
            output: None,
            fail_on: FailOn::Unsanitized,
            report_dir: None,
            formats: Format::ALL.to_vec(),
            baseline: Vec::new(),
            fleet: Fleet::default(),
        }
    }
}

/// The lowest confidence that fails a run (`report.fail_on`, `cargo iast --fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Any finding fails the run.
    Unsanitized,
    /// Only confirmed findings fail it.
    Confirmed,
    /// Findings never fail it.
    Never,
}

impl FailOn {
    /// Every level, in the order the settings list them.
    pub const ALL: [FailOn; 3] = [FailOn::Unsanitized, FailOn::Confirmed, FailOn::Never];

    /// The words of [`FailOn::ALL`], for an error that names what was expected.
    pub const EXPECTED: &str = "\"unsanitized\", \"confirmed\" or \"never\"";

    /// The level's word in `iast.toml` and on the command line.
    pub fn word(self) -> &'static str {
        match self {
            FailOn::Unsanitized => "unsanitized",
            FailOn::Confirmed => "confirmed",
            FailOn::Never => "never",
        }
    }

    /// The level a word names.
    pub fn from_word(word: &str) -> Option<FailOn> {
        FailOn::ALL.into_iter().find(|f| f.word() == word)
    }

    /// The lowest confidence of a finding that fails the run; `None` when none does.
    pub fn threshold(self) -> Option<Confidence> {
        match self {
            FailOn::Unsanitized => Some(Confidence::Unsanitized),
            FailOn::Confirmed => Some(Confidence::Confirmed),
            FailOn::Never => None,
        }
    }
}

/// A report format of `cargo iast`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// The compiler-style text of every finding (`report.txt`).
    Text,
    /// The analysis as JSON (`report.json`).
    Json,
    /// SARIF 2.1.0, for code scanning (`report.sarif`).
    Sarif,
    /// A self-contained HTML page (`report.html`).
    Html,
}

impl Format {
    /// Every format, in the order reports are written.
    pub const ALL: [Format; 4] = [Format::Text, Format::Json, Format::Sarif, Format::Html];

    /// The words of [`Format::ALL`], for an error that names what was expected.
    pub const EXPECTED: &str = "\"text\", \"json\", \"sarif\" or \"html\"";

    /// The format's word in `iast.toml` and on the command line.
    pub fn word(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Html => "html",
        }
    }

    /// The format a word names.
    pub fn from_word(word: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.word() == word)
    }
}

/// A baseline entry: a finding accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The accepted finding's fingerprint.
    pub fingerprint: String,
    /// Why it is accepted.
    pub reason: String,
    /// The line of the entry in the file, for messages.
    pub line: usize,
}

/// What is wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    /// The file, as it was named.
    pub file: String,
    /// 1-based; 0 when the file could not be read at all.
    pub line: usize,
    /// 1-based, in characters; 0 with `line`.
    pub column: usize,
    /// The dotted key at fault, when there is one.
    pub key: Option<String>,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl Config {
    /// Reads `path` strictly. Anything but a regular file is refused unread: a FIFO would
    /// block the reader until some other process wrote to it.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let mut text = String::new();
        open_regular(path)
            .and_then(|mut file| std::io::Read::read_to_string(&mut file, &mut text))
            .map_err(|e| ConfigError {
                file: path.display().to_string(),
                line: 0,
                column: 0,
                key: None,
                message: format!("cannot read the file: {e}"),
            })?;
        let mut config = Config::parse(&path.display().to_string(), &text)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        config.output = config.output.map(|p| dir.join(p));
        config.report_dir = config.report_dir.map(|p| dir.join(p));
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses a file's text; `file` is the name errors give. Relative paths stay relative.
    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigError> {
        Parser { file, text }.config()
    }

    /// The first `iast.toml` in `dir` or its parents.
    pub fn find(dir: &Path) -> Option<PathBuf> {
        dir.ancestors()
            .map(|d| d.join(FILE_NAME))
            .find(|p| p.is_file())
    }

    /// The baseline entry for a fingerprint.
    pub fn suppression(&self, fingerprint: &str) -> Option<&Suppression> {
        self.baseline.iter().find(|s| s.fingerprint == fingerprint)
    }

    /// Byte spans of `text` that the redaction patterns hide.
    /// The extra redaction patterns (`redaction.patterns`), as written.
    pub fn redaction_patterns(&self) -> impl Iterator<Item = &str> {
        self.redaction_patterns.iter().map(|re| re.as_str())
    }

    pub(crate) fn pattern_spans(&self, text: &[u8], out: &mut Vec<Range<usize>>) {
        if self.redaction_patterns.is_empty() {
            return;
        }
        let mut offset = 0;
        for chunk in text.utf8_chunks() {
            let valid = chunk.valid();
            for re in &self.redaction_patterns {
                for caps in re.captures_iter(valid) {
                    let groups: Vec<_> = caps.iter().skip(1).flatten().collect();
                    if groups.is_empty() {
                        if let Some(m) = caps.get(0) {
                            out.push(offset + m.start()..offset + m.end());
                        }
                    } else {
                        out.extend(groups.iter().map(|m| offset + m.start()..offset + m.end()));
                    }
                }
            }
            offset += valid.len() + chunk.invalid().len();
        }
    }
}

/// The configuration of this process, read once.
pub fn active() -> &'static Config {
    static ACTIVE: OnceLock<Config> = OnceLock::new();
    ACTIVE.get_or_init(|| {
        let path = match std::env::var_os(CONFIG_VAR) {
            Some(p) => Some(PathBuf::from(p)),
            None => std::env::var_os("CARGO_MANIFEST_DIR")
                .map(PathBuf::from)
                .and_then(|d| Config::find(&d))
                .or_else(|| std::env::current_dir().ok().and_then(|d| Config::find(&d))),
        };
        let Some(path) = path else {
            return Config::default();
        };
        match Config::load(&path) {
            Ok(config) => config,
            Err(e) => {
                eprintln!("iast: {e}\niast: running with the default configuration");
                let _ = ERROR.set(e.to_string());
                Config::default()
            }
        }
    })
}

/// The error that made [`active`] fall back to the defaults, if its file had one: for a
/// layer that says once which settings it runs with.
pub fn active_error() -> Option<&'static str> {
    active();
    ERROR.get().map(String::as_str)
}

static ERROR: OnceLock<String> = OnceLock::new();

struct Parser<'a> {
    file: &'a str,
    text: &'a str,
}

type Value<'i> = Spanned<DeValue<'i>>;

impl Parser<'_> {
    fn error(&self, span: Range<usize>, key: Option<&str>, message: String) -> ConfigError {
        let at = span.start.min(self.text.len());
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        ConfigError {
            file: self.file.to_owned(),
            line,
            column,
            key: key.map(str::to_owned),
            message,
        }
    }

    fn config(&self) -> Result<Config, ConfigError> {
        let root = DeTable::parse(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let key = self.key_on_line(span.start);
            let what = e.message().trim_end().replace('\n', " ");
            let message = match &key {
                Some(k) => format!("malformed TOML at key `{k}`: {what}"),
                None => format!("malformed TOML: {what}"),
            };
            self.error(span, key.as_deref(), message)
        })?;
        let mut config = Config::default();
        for (key, value) in root.get_ref() {
            let name = key.get_ref().as_ref();
            match name {
                "taint" => self.table(name, value, |k, v| match k {
                    "min_match_length" => {
                        let n = self.integer("taint.min_match_length", v)?;
                        let max = crate::taint::Caps::default().max_value_len as i64;
                        if n < MIN_MATCH_FLOOR as i64 || n > max {
                            return Err(self.error(
                                v.span(),
                                Some("taint.min_match_length"),
                                format!(
                                    "`taint.min_match_length` must be between {MIN_MATCH_FLOOR} and {max}, not {n}"
                                ),
                            ));
                        }
                        config.min_match_length = n as usize;
                        Ok(true)
                    }
                    "stored" => {
                        config.stored = self.boolean("taint.stored", v)?;
                        Ok(true)
                    }
                    _ => Ok(false),
                })?,
                "redaction" => self.table(name, value, |k, v| match k {
                    "enabled" => {
                        config.redaction = self.boolean("redaction.enabled", v)?;
                        Ok(true)
                    }
                    "patterns" => {
                        for (i, p) in self.array("redaction.patterns", v)?.iter().enumerate() {
                            let key = format!("redaction.patterns[{i}]");
                            let text = self.string(&key, p)?;
                            let re = regex_lite::Regex::new(text).map_err(|e| {
                                self.error(
                                    p.span(),
                                    Some(&key),
                                    format!(
                                        "`{key}` is not a valid pattern: {}",
                                        e.to_string().replace('\n', " ")
                                    ),
                                )
                            })?;
                            if re.is_match("") {
                                return Err(self.error(
                                    p.span(),
                                    Some(&key),
                                    format!(
                                        "`{key}` matches the empty text, so it would hide nothing"
                                    ),
                                ));
                            }
                            config.redaction_patterns.push(re);
                        }
                        Ok(true)
                    }
                    _ => Ok(false),
                })?,
                "classes" => self.table(name, value, |k, v| {
                    let Some(class) = Vulnerability::from_word(k) else {
                        return Ok(false);
                    };
                    if !self.boolean(&format!("classes.{k}"), v)? {
                        config.disabled.insert(class);
                    }
                    Ok(true)
                })?,
                "protect" => self.table(name, value, |k, v| {
                    let Some(class) = Vulnerability::from_word(k).filter(|c| c.needs_taint())
                    else {
                        return Ok(false);
                    };
                    let key = format!("protect.{k}");
                    match self.string(&key, v)? {
                        "block" => config.block.insert(class),
                        "report" => {}
                        word => {
                            return Err(self.error(
                                v.span(),
                                Some(&key),
                                format!(
                                    "`{key}` is \"{}\"; expected \"block\" or \"report\"",
                                    word.escape_debug()
                                ),
                            ));
                        }
                    }
                    Ok(true)
                })?,
                "limits" => self.table(name, value, |k, v| match k {
                    "check_budget" => {
                        let n = self.integer("limits.check_budget", v)?;
                        if n < MIN_CHECK_BUDGET as i64 {
                            return Err(self.error(
                                v.span(),
                                Some("limits.check_budget"),
                                format!(
                                    "`limits.check_budget` must be at least {MIN_CHECK_BUDGET}, not {n}"
                                ),
                            ));
                        }
                        config.check_budget = n as u64;
                        Ok(true)
                    }
                    _ => Ok(false),
                })?,
                "collect" => self.table(name, value, |k, v| match k {
                    "output" => {
                        config.output = Some(self.path("collect.output", v)?);
                        Ok(true)
                    }
                    _ => Ok(false),
                })?,
                "report" => self.table(name, value, |k, v| match k {
                    "fail_on" => {
                        let word = self.string("report.fail_on", v)?;
                        config.fail_on = FailOn::from_word(word).ok_or_else(|| {
                            self.error(
                                v.span(),
                                Some("report.fail_on"),
                                format!(
                                    "`report.fail_on` is \"{}\"; expected {}",
                                    word.escape_debug(),
                                    FailOn::EXPECTED
                                ),
                            )
                        })?;
                        Ok(true)
                    }
                    "dir" => {
                        config.report_dir = Some(self.path("report.dir", v)?);
                        Ok(true)
                    }
                    "formats" => {
                        config.formats.clear();
                        for (i, f) in self.array("report.formats", v)?.iter().enumerate() {
                            let key = format!("report.formats[{i}]");
                            let word = self.string(&key, f)?;
                            let Some(format) = Format::from_word(word) else {
                                return Err(self.error(
                                    f.span(),
                                    Some(&key),
                                    format!(
                                        "`{key}` is \"{}\"; expected {}",
                                        word.escape_debug(),
                                        Format::EXPECTED
                                    ),
                                ));
                            };
                            if !config.formats.contains(&format) {
                                config.formats.push(format);
                            }
                        }
                        config.formats.sort();
                        Ok(true)
                    }
                    _ => Ok(false),
                })?,
                "fleet" => self.table(name, value, |k, v| match k {
                    "service" => {
                        let text = self.string("fleet.service", v)?;
                        let max = crate::fleet::MAX_SERVICE;
                        if text.trim().is_empty()
                            || text.len() > max
                            || text.chars().any(char::is_control)
                        {
                            return Err(self.error(
                                v.span(),
                                Some("fleet.service"),
                                format!(
                                    "`fleet.service` is \"{}\"; a service name is 1 to {max} bytes without control characters",
                                    text.escape_debug()
                                ),
                            ));
                        }
                        config.fleet.service = Some(text.trim().to_owned());
                        Ok(true)
                    }
                    "send" => {
                        config.fleet.send = self.boolean("fleet.send", v)?;
                        Ok(true)
                    }
                    "trust" => {
                        config.fleet.trust = self.boolean("fleet.trust", v)?;
                        Ok(true)
                    }
                    _ => Ok(false),
                })?,
                "baseline" => {
                    for (i, entry) in self.array("baseline", value)?.iter().enumerate() {
                        let s = self.suppression(i, entry)?;
                        if let Some(first) = config.suppression(&s.fingerprint) {
                            let key = format!("baseline[{i}].fingerprint");
                            return Err(self.error(
                                entry.span(),
                                Some(&key),
                                format!(
                                    "`{key}`: fingerprint {} is already listed on line {}",
                                    s.fingerprint, first.line
                                ),
                            ));
                        }
                        config.baseline.push(s);
                    }
                }
                _ => return Err(self.unknown(key, "", &["taint", "redaction", "classes", "protect", "limits", "collect", "fleet", "report", "baseline"])),
            }
        }
        Ok(config)
    }

    /// Walks a section; `field` says whether it knows a key.
    fn table(
        &self,
        section: &str,
        value: &Value<'_>,
        mut field: impl FnMut(&str, &Value<'_>) -> Result<bool, ConfigError>,
    ) -> Result<(), ConfigError> {
        let DeValue::Table(table) = value.get_ref() else {
            return Err(self.mistyped(section, value, "a table"));
        };
        // A response check is judged after the handler ran: nothing is left to refuse.
        let refusable: Vec<&str> = Vulnerability::ALL
            .iter()
            .filter(|v| v.needs_taint())
            .map(|v| v.word())
            .collect();
        for (key, v) in table {
            if !field(key.get_ref().as_ref(), v)? {
                let known: &[&str] = match section {
                    "protect" => &refusable,
                    "taint" => &["min_match_length", "stored"],
                    "redaction" => &["enabled", "patterns"],
                    "classes" => &Vulnerability::ALL.map(|v| v.word()),
                    "collect" => &["output"],
                    "limits" => &["check_budget"],
                    "fleet" => &["service", "send", "trust"],
                    _ => &["fail_on", "dir", "formats"],
                };
                return Err(self.unknown(key, section, known));
            }
        }
        Ok(())
    }

    fn suppression(&self, i: usize, entry: &Value<'_>) -> Result<Suppression, ConfigError> {
        let here = format!("baseline[{i}]");
        let DeValue::Table(table) = entry.get_ref() else {
            return Err(self.mistyped(&here, entry, "a table with `fingerprint` and `reason`"));
        };
        let (mut fingerprint, mut reason) = (None, None);
        for (key, v) in table.iter() {
            let k = key.get_ref().as_ref();
            let full = format!("{here}.{k}");
            match k {
                "fingerprint" => {
                    let f = self.string(&full, v)?;
                    if f.len() != 16 || !f.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(self.error(
                            v.span(),
                            Some(&full),
                            format!(
                                "`{full}` is \"{}\"; a fingerprint is 16 hexadecimal digits, as reports print it",
                                f.escape_debug()
                            ),
                        ));
                    }
                    fingerprint = Some(f.to_ascii_lowercase());
                }
                "reason" => {
                    let r = self.string(&full, v)?;
                    if r.trim().is_empty() {
                        return Err(self.error(
                            v.span(),
                            Some(&full),
                            format!("`{full}` is empty; say why the finding is accepted"),
                        ));
                    }
                    reason = Some(r.trim().to_owned());
                }
                _ => return Err(self.unknown(key, &here, &["fingerprint", "reason"])),
            }
        }
        let missing = |what: &str| {
            let full = format!("{here}.{what}");
            let message = match what {
                "reason" => format!("`{full}` is missing: every suppressed finding needs a reason"),
                _ => format!("`{full}` is missing"),
            };
            self.error(entry.span(), Some(&full), message)
        };
        let fingerprint = fingerprint.ok_or_else(|| missing("fingerprint"))?;
        let reason = reason.ok_or_else(|| missing("reason"))?;
        let line = self.text[..entry.span().start.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        Ok(Suppression {
            fingerprint,
            reason,
            line,
        })
    }

    fn unknown(
        &self,
        key: &Spanned<std::borrow::Cow<'_, str>>,
        section: &str,
        known: &[&str],
    ) -> ConfigError {
        let name = key.get_ref().as_ref();
        let full = if section.is_empty() {
            name.to_owned()
        } else {
            format!("{section}.{name}")
        };
        let what = if section.is_empty() { "section" } else { "key" };
        self.error(
            key.span(),
            Some(&full),
            format!(
                "unknown {what} `{}`; expected one of: {}",
                full.escape_debug(),
                known.join(", ")
            ),
        )
    }

    fn mistyped(&self, key: &str, v: &Value<'_>, expected: &str) -> ConfigError {
        self.error(
            v.span(),
            Some(key),
            format!("`{key}` must be {expected}, not {}", v.get_ref().type_str()),
        )
    }

    fn string<'v>(&self, key: &str, v: &'v Value<'_>) -> Result<&'v str, ConfigError> {
        v.get_ref()
            .as_str()
            .ok_or_else(|| self.mistyped(key, v, "a string"))
    }

    fn boolean(&self, key: &str, v: &Value<'_>) -> Result<bool, ConfigError> {
        v.get_ref()
            .as_bool()
            .ok_or_else(|| self.mistyped(key, v, "true or false"))
    }

    fn integer(&self, key: &str, v: &Value<'_>) -> Result<i64, ConfigError> {
        let i = v
            .get_ref()
            .as_integer()
            .ok_or_else(|| self.mistyped(key, v, "an integer"))?;
        i64::from_str_radix(i.as_str(), i.radix())
            .map_err(|_| self.error(v.span(), Some(key), format!("`{key}` is out of range")))
    }

    fn array<'v, 'i>(&self, key: &str, v: &'v Value<'i>) -> Result<&'v [Value<'i>], ConfigError> {
        v.get_ref()
            .as_array()
            .map(|a| &a[..])
            .ok_or_else(|| self.mistyped(key, v, "an array"))
    }

    fn path(&self, key: &str, v: &Value<'_>) -> Result<PathBuf, ConfigError> {
        let p = self.string(key, v)?;
        if p.is_empty() {
            return Err(self.error(v.span(), Some(key), format!("`{key}` is empty")));
        }
        Ok(PathBuf::from(p))
    }

    /// The key of a `key = value` line, for a syntax error on it.
    fn key_on_line(&self, at: usize) -> Option<String> {
        let at = at.min(self.text.len());
        let start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line = self.text[start..].lines().next()?;
        let (key, _) = line.split_once('=')?;
        let key = key.trim();
        let bare = !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');
        bare.then(|| key.to_owned())
    }
}

#[cfg(test)]
mod tests;
