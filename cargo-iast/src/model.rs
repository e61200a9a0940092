//! The collection's types, as iast-core defines them: the format written by the program under
//! test and read here is defined once, there.

pub use iast_core::collect::{Entry, FORMAT, FlowKey, Line};
pub use iast_core::{CallSite, Evidence, Finding, Hits, Route, Site, Tainted};
