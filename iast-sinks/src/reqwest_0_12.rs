//! Server-side request forgery through `reqwest` 0.12: the checked calls of
//! [`iast_sinks::reqwest`](crate::reqwest), for an application on reqwest 0.12.
//!
//! ```no_run
//! # use reqwest_0_12 as reqwest;
//! use iast_sinks::reqwest_0_12::ClientExt as _;
//!
//! # async fn run(user_supplied: &str) -> reqwest::Result<()> {
//! let client = reqwest::Client::new();
//! let body = client
//!     .get_checked(format!("http://{user_supplied}/status"))
//!     .send()
//!     .await?
//!     .text()
//!     .await?;
//! # let _ = body;
//! # Ok(())
//! # }
//! ```
//!
//! The URL goes to the same sink as with reqwest 0.13, [`check_url`]
//! (`iast_sinks::reqwest::check_url`), so findings and baselines do not change with the
//! version.

pub use crate::reqwest::check_url;

crate::reqwest::checked_calls!(reqwest_0_12);
