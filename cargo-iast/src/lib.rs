//! `cargo iast`: runs a workspace's tests with iast's collection on, merges what every test
//! process saw, judges it against `iast.toml` and writes text, JSON, SARIF and HTML reports.
//!
//! The binary is a thin shell over this library, which the tests drive directly.

#![warn(missing_docs)]

pub mod analysis;
pub mod html;
pub mod json;
pub mod model;
pub mod sarif;
pub mod text;

pub use analysis::{Analysis, Judged, Status};
pub use iast_core::collect::{Collection, Problem};
