//! Server-side request forgery through hyper's client: checked versions of the calls of
//! hyper-util's `Client`, the client that picks the server from the request's URL.
//!
//! ```no_run
//! use bytes::Bytes;
//! use http_body_util::Empty;
//! use hyper_util::client::legacy::Client;
//! use hyper_util::rt::TokioExecutor;
//! use iast_sinks::hyper::ClientExt as _;
//!
//! # async fn run(user_supplied: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
//! let uri = format!("http://{user_supplied}/status").parse()?;
//! let response = client.get_checked(uri).await?;
//! # let _ = response;
//! # Ok(())
//! # }
//! ```
//!
//! Each checked call passes the URL to [`check_url`] and then makes the very call it is named
//! after, returning hyper's own future: the check runs when the call is made, in the context
//! of the code that chose the URL. A connection made by the application and used through
//! `hyper::client::conn` is not covered: there the server is chosen when the connection is
//! opened, and the request's URL is only its path.

use http::{HeaderMap, HeaderValue, Request, Uri};
use hyper_util::client::legacy::connect::Connect;
use hyper_util::client::legacy::{Client, ResponseFuture};

/// The SSRF sink: `url` is a whole URL that a request is about to be sent to.
#[iast::sink(ssrf)]
pub fn check_url(url: &str) {
    crate::warn_if_disabled();
}

/// Checked calls of hyper-util's `Client`.
pub trait ClientExt<B> {
    /// [`Client::get`], after checking `uri` for SSRF.
    fn get_checked(&self, uri: Uri) -> ResponseFuture
    where
        B: Default;

    /// [`Client::request`], after checking the request's URL for SSRF.
    fn request_checked(&self, request: Request<B>) -> ResponseFuture;
}

impl<C, B> ClientExt<B> for Client<C, B>
where
    C: Connect + Clone + Send + Sync + 'static,
    B: http_body::Body + Send + 'static + Unpin,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    #[track_caller]
    fn get_checked(&self, uri: Uri) -> ResponseFuture
    where
        B: Default,
    {
        let text = uri.to_string();
        check_url(&text);
        if !iast::fleet::sends() {
            return self.get(uri);
        }
        // `Client::get`'s own request, with the baggage entry.
        let mut request = Request::new(B::default());
        *request.uri_mut() = uri;
        add_baggage(request.headers_mut(), &text);
        self.request(request)
    }

    #[track_caller]
    fn request_checked(&self, mut request: Request<B>) -> ResponseFuture {
        let text = request.uri().to_string();
        check_url(&text);
        if iast::fleet::sends() {
            add_baggage(request.headers_mut(), &text);
        }
        self.request(request)
    }
}

/// Adds the `iast.taint` baggage entry for a request to `url` (see `iast::fleet`): any such
/// entry already there is taken out (forwarded from an incoming request, or forged: only
/// this service's own travels on), and the application's `baggage` lines keep their order,
/// ours after them, within W3C's limits.
fn add_baggage(headers: &mut HeaderMap, url: &str) {
    let member = iast::fleet::outgoing(url).unwrap_or_default();
    let present = headers.get_all(iast::fleet::HEADER).iter().next().is_some();
    if member.is_empty() && !present {
        return;
    }
    let lines = iast::fleet::merge(
        headers
            .get_all(iast::fleet::HEADER)
            .iter()
            .map(|v| v.as_bytes()),
        &member,
    );
    headers.remove(iast::fleet::HEADER);
    for line in lines.iter().filter(|l| !l.is_empty()) {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append(iast::fleet::HEADER, value);
        }
    }
}
