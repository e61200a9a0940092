//! The SSRF sinks over `reqwest` 0.12, making real requests to a server on 127.0.0.1.
#![cfg(feature = "reqwest-0-12")]

use iast_sinks::reqwest_0_12 as sinks;
use reqwest_0_12 as reqwest;

include!("shared/reqwest.rs");
