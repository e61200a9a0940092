//! Ready-made sinks, sanitizers and sources for std and popular crates.
//!
//! Each library sits behind its own cargo feature, so an application pays only for what it
//! uses. The checked functions are marked with iast's own attributes and show up in the
//! registry like the application's.

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "std")]
pub mod fs;
#[cfg(feature = "axum")]
mod multipart;
#[cfg(feature = "std")]
pub mod process;
#[cfg(any(feature = "reqwest", feature = "reqwest-0-12"))]
pub mod reqwest;
#[cfg(feature = "reqwest-0-12")]
pub mod reqwest_0_12;
#[cfg(feature = "rusqlite")]
pub mod rusqlite;
#[cfg(feature = "std")]
pub mod sanitize;
#[cfg(feature = "sqlx")]
pub mod sqlx;
#[cfg(feature = "tracing")]
pub mod tracing;
