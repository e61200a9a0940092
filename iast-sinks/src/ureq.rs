//! Server-side request forgery through `ureq` 3: checked versions of the calls that pick a URL.
//!
//! ```no_run
//! use iast_sinks::ureq::AgentExt as _;
//!
//! # fn run(user_supplied: &str) -> Result<(), ureq::Error> {
//! let agent = ureq::Agent::new_with_defaults();
//! let body = agent
//!     .get_checked(format!("http://{user_supplied}/status"))
//!     .call()?
//!     .body_mut()
//!     .read_to_string()?;
//! # let _ = body;
//! # Ok(())
//! # }
//! ```
//!
//! Each checked call passes the URL text to [`check_url`] and then makes the very call it is
//! named after, returning ureq's own request builder: the check runs when the URL is chosen,
//! in the context of the code that chose it. Every function between the application and
//! [`check_url`] is `#[track_caller]`, so that the application's line reaches the sink. A
//! request built as an `http::Request` and sent with `Agent::run` is not covered: pass its
//! URI to [`check_url`].

use std::borrow::Cow;

use ureq::http::{self, Uri};
use ureq::typestate::{WithBody, WithoutBody};
use ureq::{Agent, RequestBuilder};

/// The SSRF sink: `url` is a whole URL that a request is about to be sent to.
#[iast::sink(ssrf)]
pub fn check_url(url: &str) {
    crate::warn_if_disabled();
}

/// A URL that can be checked as text: what ureq takes as a URI (`&str`, `String`, `&String`
/// and [`Uri`]). A [`Uri`] is checked as its serialization, in which the taint is found as
/// long as parsing left the tainted text recognizable.
pub trait UriText {
    /// The text the URI is made from.
    fn uri_text(&self) -> Cow<'_, str>;
}

impl UriText for &str {
    fn uri_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl UriText for String {
    fn uri_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl UriText for &String {
    fn uri_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl UriText for Uri {
    fn uri_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

/// Checks `uri` for SSRF, and gives the `iast.taint` baggage entry naming its tainted values
/// when `[fleet] send` is on (see `iast::fleet`).
#[track_caller]
fn checked(uri: &impl UriText) -> Option<String> {
    let text = uri.uri_text();
    check_url(&text);
    iast::fleet::outgoing(&text)
}

/// The request with the `iast.taint` baggage entry `member`, when there is one: a `baggage`
/// line of its own, before any the application adds later.
fn with_baggage<B>(request: RequestBuilder<B>, member: Option<String>) -> RequestBuilder<B> {
    match member {
        Some(member) => request.header(iast::fleet::HEADER, member),
        None => request,
    }
}

/// Generates, for each method, a free function over a use-once agent (as `ureq::get` is) and
/// a method of [`AgentExt`].
macro_rules! checked_calls {
    ($($method:ident / $checked:ident -> $body:ty;)*) => {
        $(
            #[doc = concat!("[`ureq::", stringify!($method), "`](fn@ureq::", stringify!($method), "), after checking `uri` for SSRF.")]
            #[track_caller]
            pub fn $checked<T>(uri: T) -> RequestBuilder<$body>
            where
                T: UriText,
                Uri: TryFrom<T>,
                <Uri as TryFrom<T>>::Error: Into<http::Error>,
            {
                let baggage = checked(&uri);
                with_baggage(ureq::$method(uri), baggage)
            }
        )*

        /// Checked request builders for a ureq [`Agent`].
        pub trait AgentExt {
            $(
                #[doc = concat!("[`Agent::", stringify!($method), "`], after checking `uri` for SSRF.")]
                fn $checked<T>(&self, uri: T) -> RequestBuilder<$body>
                where
                    T: UriText,
                    Uri: TryFrom<T>,
                    <Uri as TryFrom<T>>::Error: Into<http::Error>;
            )*
        }

        impl AgentExt for Agent {
            $(
                #[track_caller]
                fn $checked<T>(&self, uri: T) -> RequestBuilder<$body>
                where
                    T: UriText,
                    Uri: TryFrom<T>,
                    <Uri as TryFrom<T>>::Error: Into<http::Error>,
                {
                    let baggage = checked(&uri);
                    with_baggage(self.$method(uri), baggage)
                }
            )*
        }
    };
}

checked_calls! {
    get / get_checked -> WithoutBody;
    post / post_checked -> WithBody;
    put / put_checked -> WithBody;
    delete / delete_checked -> WithoutBody;
    head / head_checked -> WithoutBody;
    patch / patch_checked -> WithBody;
    options / options_checked -> WithoutBody;
    connect / connect_checked -> WithoutBody;
    trace / trace_checked -> WithoutBody;
}
