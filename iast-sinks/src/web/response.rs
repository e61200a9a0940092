//! The response's checks. They are the layer's own, so their findings are attributed to the
//! request's route, not to a line of the layer.

#[iast::sink(xss)]
fn response_html(body: &[u8]) {
    let _ = body;
}

#[iast::sink(redirect)]
fn response_location(location: &[u8]) {
    let _ = location;
}

/// A cookie the response sets: a tainted `;` in it adds an attribute of the attacker's.
#[iast::sink(header)]
fn response_set_cookie(set_cookie: &[u8]) {
    let _ = set_cookie;
}

#[iast::sink(header, args(value))]
fn response_header(name: &str, value: &[u8]) {
    let _ = (name, value);
}

/// Checks one response header (`name` lowercase): `Location` for an open redirect, and the
/// headers where a tainted value does harm although both frameworks' header types reject CR
/// and LF (so an echoed value cannot split the response): `Set-Cookie` (the attacker sets
/// cookie attributes or other cookies) and `Access-Control-Allow-Origin` (a reflected origin
/// opens the API to any site). Any other header is left alone.
pub(crate) fn check_response_header(name: &str, value: &[u8]) {
    match name {
        "location" => iast::with_call_site(None, || response_location(value)),
        "set-cookie" => iast::with_call_site(None, || response_set_cookie(value)),
        "access-control-allow-origin" => {
            iast::with_call_site(None, || response_header(name, value))
        }
        _ => {}
    }
}

/// Checks an HTML response body for XSS.
pub(crate) fn check_html(body: &[u8]) {
    iast::with_call_site(None, || response_html(body));
}
