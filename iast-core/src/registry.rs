//! The link-time registry of annotated functions.
//!
//! Every expansion of `#[iast::source]`, `#[iast::sink]`, `#[iast::sanitizer]` and
//! `#[iast::validator]` places one static [`Item`] into the distributed slice [`ITEMS`].
//!
//! linkme rather than inventory: linkme's entries are plain statics that the linker gathers
//! into one section, so the registry costs nothing at start-up (no life-before-main
//! constructors), needs no allocation, and `registry()` is a slice borrow. The known limit
//! of both designs is the same: an entry from a crate that the final binary never references
//! is not linked in (`extern crate that_crate as _;` fixes it).

use crate::vulnerability::{ClassSet, Vulnerability};
use linkme::distributed_slice;

/// Static metadata of one annotated function, written by the attribute macros. Read it through
/// its methods: [`Item::file`] is the file as reports show it, relative to the workspace.
#[derive(Debug)]
pub struct Item {
    pub(crate) kind: ItemKind,
    /// Full path: `my_app::db::run_query`, or `my_app::db::Db::run_query` for a method under
    /// `#[iast::methods]`.
    pub(crate) function: &'static str,
    /// `file!()` of the function, as the compiler gives it.
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    /// The package defining it, and where its manifest is: absolute `file!()` paths (a path
    /// dependency outside the workspace, a vendored or registry crate) are shown relative to
    /// it.
    pub(crate) package: &'static str,
    pub(crate) manifest_dir: &'static str,
}

/// What an annotated function is.
#[derive(Debug, Clone, Copy)]
pub enum ItemKind {
    /// Its return value is untrusted. `origin` is the `origin = "..."` label, if any.
    /// `strict` (`#[iast::source(strict)]`): its values coincide with the program's own text
    /// as a rule (protocol headers such as `Accept` or `User-Agent`), so a match by value
    /// counts only as a whole value that changes the argument's structure; its own buffer
    /// counts as always.
    Source {
        /// The `origin = "..."` label.
        origin: Option<&'static str>,
        /// `#[iast::source(strict)]`.
        strict: bool,
    },
    /// Its arguments must not carry unsanitized taint for these classes. `args` names the
    /// checked parameters; empty means every string-like parameter.
    Sink {
        /// The classes it is dangerous for.
        classes: ClassSet,
        /// The parameters named in `args(...)`.
        args: &'static [&'static str],
        /// `#[iast::sink(..., serialized)]`: the argument is structured data the program
        /// serialized (a query document, not text it assembled), in which a tainted value
        /// that stays inside one string or number is data. Only a flow that changes the
        /// structure (a tainted key or operator, a tainted object where a value was expected)
        /// is a finding.
        serialized: bool,
    },
    /// Its return value is safe for these classes.
    Sanitizer {
        /// The classes its return value is safe for.
        classes: ClassSet,
    },
    /// On `true` / `Ok`, its string-like arguments are safe for these classes.
    Validator {
        /// The classes its approved arguments are safe for.
        classes: ClassSet,
    },
}

/// The entries the attribute macros place, gathered by the linker.
#[distributed_slice]
pub static ITEMS: [Item];

impl Item {
    /// The origin label of a source: its `origin = "..."`, or its function path.
    pub fn origin(&self) -> Option<&'static str> {
        match self.kind {
            ItemKind::Source { origin, .. } => Some(origin.unwrap_or(self.function)),
            _ => None,
        }
    }

    /// The classes of a sink, sanitizer or validator.
    pub fn classes(&self) -> ClassSet {
        match self.kind {
            ItemKind::Source { .. } => ClassSet::EMPTY,
            ItemKind::Sink { classes, .. }
            | ItemKind::Sanitizer { classes }
            | ItemKind::Validator { classes } => classes,
        }
    }

    /// Whether it is a sink of the class `v`.
    pub fn is_sink_for(&self, v: Vulnerability) -> bool {
        matches!(self.kind, ItemKind::Sink { classes, .. } if classes.contains(v))
    }
}

impl Item {
    /// Full path of the function.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// Source file: relative to the workspace, or `package/path` for a crate outside it,
    /// so that it reads the same on every machine.
    pub fn file(&self) -> String {
        crate::site::normalize_file(self).into_owned()
    }

    /// Line of the function's name in its file.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// What the function is: source, sink, sanitizer or validator, with its settings.
    pub fn kind(&self) -> ItemKind {
        self.kind
    }

    fn key(&self) -> (&'static str, &'static str, u32, u8) {
        // The kind breaks ties between stacked attributes on one function.
        let kind = match self.kind {
            ItemKind::Source { .. } => 0,
            ItemKind::Sink { .. } => 1,
            ItemKind::Sanitizer { .. } => 2,
            ItemKind::Validator { .. } => 3,
        };
        (self.function, self.file, self.line, kind)
    }
}

/// Every annotated function linked into this binary.
#[derive(Debug, Clone, Copy)]
pub struct Registry {
    items: &'static [Item],
}

/// The registry of this binary.
pub fn registry() -> Registry {
    Registry { items: &ITEMS }
}

/// A monitored flow: values from one source origin reaching sinks of one class, with the
/// sanitizers and validators that make them safe for that class.
#[derive(Debug, Clone)]
pub struct Flow {
    /// The source origin (`http.parameter`, or a source's function path).
    pub origin: &'static str,
    /// The sinks' class.
    pub vulnerability: Vulnerability,
    /// The sources of that origin.
    pub sources: Vec<&'static Item>,
    /// The sinks of that class.
    pub sinks: Vec<&'static Item>,
    /// The sanitizers that make a value safe for the class.
    pub sanitizers: Vec<&'static Item>,
    /// The validators that make a value safe for the class.
    pub validators: Vec<&'static Item>,
}

impl Registry {
    /// All entries, sorted by function path, file and line (link order is not stable).
    pub fn items(&self) -> Vec<&'static Item> {
        let mut items: Vec<&'static Item> = self.items.iter().collect();
        items.sort_by_key(|i| i.key());
        items
    }

    fn of(&self, pick: fn(&ItemKind) -> bool) -> std::vec::IntoIter<&'static Item> {
        let mut items = self.items();
        items.retain(|i| pick(&i.kind));
        items.into_iter()
    }

    /// The sources, sorted as [`Registry::items`].
    pub fn sources(&self) -> impl Iterator<Item = &'static Item> {
        self.of(|k| matches!(k, ItemKind::Source { .. }))
    }

    /// The sinks, sorted as [`Registry::items`].
    pub fn sinks(&self) -> impl Iterator<Item = &'static Item> {
        self.of(|k| matches!(k, ItemKind::Sink { .. }))
    }

    /// The sanitizers, sorted as [`Registry::items`].
    pub fn sanitizers(&self) -> impl Iterator<Item = &'static Item> {
        self.of(|k| matches!(k, ItemKind::Sanitizer { .. }))
    }

    /// The validators, sorted as [`Registry::items`].
    pub fn validators(&self) -> impl Iterator<Item = &'static Item> {
        self.of(|k| matches!(k, ItemKind::Validator { .. }))
    }

    /// Whether no annotated function is linked in (instrumentation compiled out, or the
    /// crates defining them not linked: `extern crate that_crate as _;`).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The number of entries (a function with stacked attributes has one per attribute).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Every source origin × sink class pair, sorted, with what covers it.
    pub fn flows(&self) -> Vec<Flow> {
        let mut origins: Vec<&'static str> = self.sources().filter_map(|s| s.origin()).collect();
        origins.sort_unstable();
        origins.dedup();
        let mut flows = Vec::new();
        for origin in origins {
            // A weakness found without taint flows from no source.
            for v in Vulnerability::ALL.into_iter().filter(|v| v.needs_taint()) {
                let sinks: Vec<_> = self.sinks().filter(|s| s.is_sink_for(v)).collect();
                if sinks.is_empty() {
                    continue;
                }
                let covers = |i: &&'static Item| i.classes().contains(v);
                flows.push(Flow {
                    origin,
                    vulnerability: v,
                    sources: self
                        .sources()
                        .filter(|s| s.origin() == Some(origin))
                        .collect(),
                    sinks,
                    sanitizers: self.sanitizers().filter(covers).collect(),
                    validators: self.validators().filter(covers).collect(),
                });
            }
        }
        flows
    }
}

impl std::fmt::Display for Registry {
    /// A listing of the registry and its monitored flows.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |items: &[&'static Item]| {
            items
                .iter()
                .map(|i| i.function)
                .collect::<Vec<_>>()
                .join(", ")
        };
        for item in self.items() {
            let what = match item.kind {
                ItemKind::Source { .. } => "source",
                ItemKind::Sink { .. } => "sink",
                ItemKind::Sanitizer { .. } => "sanitizer",
                ItemKind::Validator { .. } => "validator",
            };
            let classes: Vec<_> = item.classes().iter().map(|v| v.word()).collect();
            write!(f, "{what:<9} {}", item.function)?;
            if !classes.is_empty() {
                write!(f, " ({})", classes.join(", "))?;
            }
            if let Some(origin) = item.origin().filter(|o| *o != item.function) {
                write!(f, " [{origin}]")?;
            }
            writeln!(f)?;
        }
        for flow in self.flows() {
            writeln!(
                f,
                "flow      {} -> {}: sinks [{}], sanitizers [{}], validators [{}]",
                flow.origin,
                flow.vulnerability.rule_id(),
                names(&flow.sinks),
                names(&flow.sanitizers),
                names(&flow.validators)
            )?;
        }
        Ok(())
    }
}
