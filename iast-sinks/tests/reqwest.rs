//! The SSRF sinks over `reqwest` 0.13, making real requests to a server on 127.0.0.1.
#![cfg(feature = "reqwest")]

use iast_sinks::reqwest as sinks;

include!("shared/reqwest.rs");
