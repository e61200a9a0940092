//! Ready-made sinks, sanitizers and sources for std and popular crates.
//!
//! Each library will sit behind its own cargo feature. The crate is a placeholder until then.
