//! Server-side request forgery through `reqwest`: checked versions of the calls that pick a URL.
//!
//! This module holds the checked calls for reqwest 0.13 (feature `reqwest`);
//! `iast_sinks::reqwest_0_12` (feature `reqwest-0-12`) has the same calls for reqwest 0.12.
//! Both pass the URL to the one SSRF sink, [`check_url`], which is here whichever of the two
//! features is on, so a finding names the same sink whatever the version.
#![cfg_attr(
    feature = "reqwest",
    doc = r#"
```no_run
use iast_sinks::reqwest::ClientExt as _;

# async fn run(user_supplied: &str) -> reqwest::Result<()> {
let client = reqwest::Client::new();
let body = client
    .get_checked(format!("http://{user_supplied}/status"))
    .send()
    .await?
    .text()
    .await?;
# let _ = body;
# Ok(())
# }
```
"#
)]
//!
//! Each checked call passes the URL text to [`check_url`] and then makes the very call it is
//! named after, returning what `reqwest` returns. The check runs when the call is made, not when
//! the request is sent, so it lands in the iast context of the code that chose the URL even if
//! the request is sent from another task.
//!
//! Every function between the application and [`check_url`] is `#[track_caller]`, so that the
//! location of the application's call reaches the sink.

/// The SSRF sink: `url` is a whole URL that a request is about to be sent to.
#[iast::sink(ssrf)]
pub fn check_url(url: &str) {
    crate::warn_if_disabled();
}

/// The checked calls over one version of reqwest, named by its crate as this crate depends on
/// it: `UrlText`, `ClientExt` and `get_checked`, each passing the URL to `check_url` (this
/// module's, shared by every version).
///
/// Every function between the application and `check_url` is `#[track_caller]`, so that the
/// caller's location reaches the sink.
macro_rules! checked_calls {
    ($reqwest:ident) => {
        use std::future::Future;

        use ::$reqwest::{Client, IntoUrl, Method, RequestBuilder, Response, Url};

        /// A URL that can be checked as text: what `reqwest` accepts as [`IntoUrl`] (`&str`,
        /// `String`, `&String` and [`Url`]).
        ///
        /// `reqwest::IntoUrl` is sealed and only converts, so it cannot give back the text; this
        /// trait adds that. A [`Url`] is checked as its serialization, in which the taint is
        /// still found as long as parsing left the tainted text recognizable (normalization may
        /// lowercase a host or percent-encode a path; both are matched).
        pub trait UrlText: IntoUrl {
            /// The text the URL is built from.
            fn url_text(&self) -> &str;
        }

        impl UrlText for &str {
            #[track_caller]
            fn url_text(&self) -> &str {
                self
            }
        }

        impl UrlText for String {
            #[track_caller]
            fn url_text(&self) -> &str {
                self
            }
        }

        impl UrlText for &String {
            #[track_caller]
            fn url_text(&self) -> &str {
                self
            }
        }

        impl UrlText for Url {
            #[track_caller]
            fn url_text(&self) -> &str {
                self.as_str()
            }
        }

        /// Checked request builders for [`Client`].
        pub trait ClientExt {
            /// [`Client::get`], after checking `url` for SSRF.
            fn get_checked<U: UrlText>(&self, url: U) -> RequestBuilder;

            /// [`Client::post`], after checking `url` for SSRF.
            fn post_checked<U: UrlText>(&self, url: U) -> RequestBuilder;

            /// [`Client::request`], after checking `url` for SSRF.
            fn request_checked<U: UrlText>(&self, method: Method, url: U) -> RequestBuilder;
        }

        impl ClientExt for Client {
            #[track_caller]
            fn get_checked<U: UrlText>(&self, url: U) -> RequestBuilder {
                $crate::reqwest::check_url(url.url_text());
                let baggage = iast::fleet::outgoing(url.url_text());
                with_baggage(self.get(url), baggage)
            }

            #[track_caller]
            fn post_checked<U: UrlText>(&self, url: U) -> RequestBuilder {
                $crate::reqwest::check_url(url.url_text());
                let baggage = iast::fleet::outgoing(url.url_text());
                with_baggage(self.post(url), baggage)
            }

            #[track_caller]
            fn request_checked<U: UrlText>(&self, method: Method, url: U) -> RequestBuilder {
                $crate::reqwest::check_url(url.url_text());
                let baggage = iast::fleet::outgoing(url.url_text());
                with_baggage(self.request(method, url), baggage)
            }
        }

        /// The request with the `iast.taint` baggage entry `member`, when there is one (see
        /// `iast::fleet`): a `baggage` line of its own, after any the client adds by default
        /// and before any the application adds later.
        fn with_baggage(request: RequestBuilder, member: Option<String>) -> RequestBuilder {
            match member {
                Some(member) => request.header(iast::fleet::HEADER, member),
                None => request,
            }
        }

        #[doc = concat!("[`reqwest::get`](::", stringify!($reqwest), "::get), after checking `url` for SSRF.")]
        ///
        /// The check runs at once, in the caller's context; the returned future does what
        /// `reqwest::get`'s does (a client of its own, one request), with the `iast.taint`
        /// baggage entry added when `[fleet] send` is on.
        #[track_caller]
        pub fn get_checked<U: UrlText>(
            url: U,
        ) -> impl Future<Output = ::$reqwest::Result<Response>> {
            $crate::reqwest::check_url(url.url_text());
            let baggage = iast::fleet::outgoing(url.url_text());
            async move {
                with_baggage(Client::builder().build()?.get(url), baggage)
                    .send()
                    .await
            }
        }
    };
}

#[cfg(feature = "reqwest-0-12")]
pub(crate) use checked_calls;

#[cfg(feature = "reqwest")]
checked_calls!(reqwest);
