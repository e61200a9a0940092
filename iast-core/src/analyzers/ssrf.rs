//! Analyzer for outgoing URLs.
//!
//! Tainted bytes decide where a request goes when they fall in the scheme, userinfo, host or
//! port of the URL as a client resolves it, including bytes right after a program-written host
//! that extend it (`.evil.example`, `@evil.example`, `:22`) and a tainted `\` that ends it (see
//! [`Origin::backslash_end`]). Everything after the authority (path, query, fragment) only picks
//! a resource on a server the program chose. Two more cases are confirmed: a scheme-less text
//! whose tainted first segment names an internal address (`169.254.169.254/latest`), and any
//! tainted byte in a parameter named like a host (`host`, `addr`, `peer_addr`, ...), which holds
//! a bare `host[:port]`.
//!
//! Clients follow the WHATWG URL standard (the `url` crate, browsers, most HTTP stacks), whose
//! parse differs from the raw text: it trims C0 controls and spaces, drops tabs and newlines
//! anywhere, treats `\` as `/` in special schemes, skips any run of slashes after `http:`,
//! splits userinfo at the last `@` and decodes IP literals (`2130706433`, `0x7f.1`, `0177.0.0.1`).
//! The `url` crate reports positions in its own serialization, not in the text, so the spans
//! here are derived from the raw bytes by the same rules; the tests check them against the
//! crate.

use super::Input;
use super::url_parts::{Origin, Scheme};
use crate::ranges::Runs;
use std::net::{Ipv4Addr, Ipv6Addr};
use url::Host;

pub(super) fn changes_structure(input: &Input<'_>) -> bool {
    let text = input.text;
    if names_a_host(input.argument) {
        // The argument is a bare `host[:port]`: any tainted byte in it picks the server.
        return !input.tainted.is_empty();
    }
    let tainted = Runs::new(text.len(), input.tainted);
    let origin = Origin::of(text);
    origin.chosen_by(&tainted)
        || (origin.scheme == Scheme::None
            && origin.authority.is_none()
            && internal_host_leads(text, &origin, &tainted))
}

/// Sink parameters that by name hold a host or socket address rather than a URL.
fn names_a_host(argument: &str) -> bool {
    const HOSTS: [&str; 7] = [
        "host",
        "hostname",
        "addr",
        "address",
        "authority",
        "domain",
        "ip",
    ];
    let lower = argument.to_ascii_lowercase();
    let last = lower.rsplit('_').next().unwrap_or("");
    HOSTS.contains(&lower.as_str()) || HOSTS.contains(&last)
}

/// Some clients (curl, many wrappers) complete a scheme-less `10.0.0.5/admin` to `http://`, so
/// a tainted leading segment that names an internal address is a request to it.
fn internal_host_leads(text: &[u8], origin: &Origin, tainted: &Runs) -> bool {
    let start = origin.span.start;
    let rest = &text[start..origin.end];
    let len = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'\\' | b'?' | b'#'))
        .unwrap_or(rest.len());
    if !tainted.overlaps(start..start + len) {
        return false;
    }
    let segment = &rest[..len];
    let host_port = match segment.iter().rposition(|&b| b == b'@') {
        Some(at) => &segment[at + 1..],
        None => segment,
    };
    let host = if host_port.first() == Some(&b'[') {
        match host_port.iter().position(|&b| b == b']') {
            Some(close) => &host_port[..=close],
            None => host_port,
        }
    } else {
        let colon = host_port.iter().position(|&b| b == b':');
        &host_port[..colon.unwrap_or(host_port.len())]
    };
    // Longer than any IP literal or `localhost`, even percent-encoded; IDNA would be slow.
    if host.len() > 1024 {
        return false;
    }
    std::str::from_utf8(host.trim_ascii())
        .ok()
        .and_then(|host| Host::parse(host).ok())
        .is_some_and(|host| is_internal(&host))
}

/// Loopback, private, link-local, unspecified and carrier-grade NAT addresses, and `localhost`:
/// what an attacker aims a server-side request at (metadata endpoints, admin ports).
fn is_internal(host: &Host<String>) -> bool {
    match host {
        Host::Ipv4(address) => internal_v4(*address),
        Host::Ipv6(address) => internal_v6(address),
        Host::Domain(name) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            name == "localhost" || name.ends_with(".localhost")
        }
    }
}

fn internal_v4(address: Ipv4Addr) -> bool {
    let [a, b, ..] = address.octets();
    address.is_loopback()
        || address.is_private()
        || address.is_link_local()
        || address.is_unspecified()
        || address.is_broadcast()
        || a == 0
        || (a == 100 && (b & 0xc0) == 64)
}

fn internal_v6(address: &Ipv6Addr) -> bool {
    let segments = address.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    let nat64 = segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    let embedded = address
        .to_ipv4_mapped()
        .or_else(|| nat64.then(|| Ipv4Addr::from_bits(address.to_bits() as u32)));
    address.is_loopback()
        || address.is_unspecified()
        || address.is_unique_local()
        || address.is_unicast_link_local()
        || embedded.is_some_and(internal_v4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzers::confidence_of;
    use crate::vulnerability::Confidence;
    use Confidence::{Confirmed, Unsanitized};

    fn c(template: &str, tainted: &str) -> Confidence {
        confidence_of(changes_structure, "url", template, tainted)
    }

    #[test]
    fn tainted_host_is_confirmed() {
        assert_eq!(c("https://{}/api/users", "evil.example"), Confirmed);
        assert_eq!(c("https://{}.example.com/", "tenant"), Confirmed);
        assert_eq!(
            c("{}", "http://169.254.169.254/latest/meta-data"),
            Confirmed
        );
        assert_eq!(c("{}/api", "https://evil.example"), Confirmed);
        assert_eq!(c("http://{}:8080/", "internal"), Confirmed);
    }

    #[test]
    fn ip_literal_encodings_are_confirmed() {
        for host in [
            "2130706433",
            "0x7f000001",
            "0177.0.0.1",
            "127.1",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "[0:0:0:0:0:ffff:7f00:1]",
        ] {
            assert_eq!(c("http://{}/admin", host), Confirmed, "{host}");
        }
    }

    #[test]
    fn tainted_scheme_userinfo_or_port_is_confirmed() {
        assert_eq!(c("{}://internal.example/", "gopher"), Confirmed);
        assert_eq!(c("{}://internal.example/", "file"), Confirmed);
        assert_eq!(c("https://{}@api.example.com/", "user:secret"), Confirmed);
        assert_eq!(c("https://api.example.com:{}/", "6379"), Confirmed);
        assert_eq!(c("redis://{}/0", "10.0.0.7"), Confirmed);
    }

    #[test]
    fn tainted_bytes_right_after_the_host_can_extend_it() {
        assert_eq!(c("https://api.example.com{}", "@evil.example/"), Confirmed);
        assert_eq!(c("https://api.example.com{}", ".evil.example"), Confirmed);
        assert_eq!(c("https://api.example.com{}", ":22"), Confirmed);
        assert_eq!(
            c("https://api.example.com{}", "%2f@evil.example"),
            Confirmed
        );
        // WHATWG ends the host at `\`; an RFC 3986 validator reads `evil.example` as the host.
        assert_eq!(c("https://api.example.com{}", "\\@evil.example"), Confirmed);
        // A tainted `/`, `?` or `#` ending the host leaves it the program's.
        assert_eq!(c("https://api.example.com{}", "/users/7"), Unsanitized);
        assert_eq!(
            c("https://api.example.com{}", "?q=@evil.example"),
            Unsanitized
        );
        assert_eq!(
            c("https://api.example.com{}", "#@evil.example"),
            Unsanitized
        );
    }

    #[test]
    fn at_tricks_are_confirmed() {
        assert_eq!(c("https://{}/", "trusted.example@evil.example"), Confirmed);
        assert_eq!(
            c("https://{}/", "trusted.example%40evil.example"),
            Confirmed
        );
        assert_eq!(c("https://trusted.example{}/", "@evil.example"), Confirmed);
    }

    #[test]
    fn tainted_path_query_or_fragment_is_unsanitized() {
        assert_eq!(c("https://api.example.com/users/{}", "42"), Unsanitized);
        assert_eq!(
            c("https://api.example.com/search?q={}", "rust"),
            Unsanitized
        );
        assert_eq!(c("https://api.example.com/list?page={}", "3"), Unsanitized);
        assert_eq!(c("https://api.example.com/doc#{}", "intro"), Unsanitized);
        // After the path has begun, none of these reach the authority.
        assert_eq!(
            c("https://api.example.com/{}", "@evil.example"),
            Unsanitized
        );
        assert_eq!(
            c("https://api.example.com/{}", "\\\\evil.example"),
            Unsanitized
        );
        assert_eq!(
            c("https://api.example.com/{}", "//evil.example"),
            Unsanitized
        );
        assert_eq!(c("https://api.example.com/{}", "../../admin"), Unsanitized);
        assert_eq!(
            c("https://api.example.com/a?next={}", "http://evil.example"),
            Unsanitized
        );
        assert_eq!(c("mailto:{}", "someone@example.com"), Unsanitized);
    }

    #[test]
    fn slashes_and_backslashes_follow_whatwg() {
        // `http:` followed by any run of `/` and `\` starts the authority.
        assert_eq!(c("http:{}", "//evil.example"), Confirmed);
        assert_eq!(c("http:/{}", "\\evil.example"), Confirmed);
        assert_eq!(c("https:\\\\{}/", "evil.example"), Confirmed);
        // Tabs and newlines vanish before parsing, so they cannot hide a host.
        assert_eq!(c("https://api.example.com{}", "\t@evil.example"), Confirmed);
        assert_eq!(
            c("https://api.example.com/{}", "\n/evil.example"),
            Unsanitized
        );
    }

    #[test]
    fn scheme_relative_references_are_confirmed() {
        assert_eq!(c("{}/api", "//evil.example"), Confirmed);
        assert_eq!(c("{}", "\\\\evil.example"), Confirmed);
        assert_eq!(c("/{}", "\\evil.example"), Confirmed);
        assert_eq!(c("/api/users/{}", "7"), Unsanitized);
    }

    #[test]
    fn a_relative_reference_has_no_origin_to_overlap() {
        assert_eq!(c("{}", " /api/users"), Unsanitized);
        assert_eq!(c("{}", "\t users/7"), Unsanitized);
        assert_eq!(c("{}", " //evil.example"), Confirmed);
    }

    #[test]
    fn scheme_less_internal_host_is_confirmed() {
        assert_eq!(c("{}/latest/meta-data", "169.254.169.254"), Confirmed);
        assert_eq!(c("{}", "10.0.0.5:8080/admin"), Confirmed);
        assert_eq!(c("{}", "[::1]/admin"), Confirmed);
        assert_eq!(c("{}", "2130706433"), Confirmed);
        assert_eq!(c("{}/x", "metadata.localhost"), Confirmed);
        // A plain relative path, resolved against the program's base.
        assert_eq!(c("{}", "users/7"), Unsanitized);
        assert_eq!(c("{}/avatar", "bob"), Unsanitized);
    }

    #[test]
    fn host_parameters_are_confirmed_whatever_the_host() {
        let host = |value| confidence_of(changes_structure, "host", "{}", value);
        assert_eq!(host("example.com"), Confirmed);
        assert_eq!(
            confidence_of(changes_structure, "peer_addr", "{}:443", "example.com"),
            Confirmed
        );
    }

    #[test]
    fn internal_addresses() {
        let internal = |host: &str| is_internal(&Host::parse(host).unwrap());
        for host in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "[::1]",
            "[fd00::1]",
            "[fe80::1]",
            "[::ffff:10.0.0.1]",
            "[64:ff9b::a9fe:a9fe]",
            "localhost",
            "LOCALHOST.",
        ] {
            assert!(internal(host), "{host}");
        }
        for host in [
            "8.8.8.8",
            "[2001:db8::1]",
            "example.com",
            "localhost.example",
        ] {
            assert!(!internal(host), "{host}");
        }
    }

    /// The host the raw-text spans give, parsed the way the `url` crate parses hosts.
    fn host_by_span(text: &str) -> Option<Host<String>> {
        let authority = Origin::of(text.as_bytes()).authority?;
        let raw: String = text[authority]
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect();
        let host_port = raw.rsplit_once('@').map_or(raw.as_str(), |(_, h)| h);
        let host = match host_port.find(']') {
            Some(close) if host_port.starts_with('[') => &host_port[..=close],
            _ => host_port.split(':').next().unwrap_or(""),
        };
        Host::parse(host).ok()
    }

    #[test]
    fn spans_agree_with_the_url_crate() {
        for text in [
            "https://example.com/a",
            "HTTPS://EXAMPLE.com:8443/a?b#c",
            "http:evil.example/x",
            "http:\\\\evil.example\\x",
            "https:/\\/evil.example",
            "  https://evil.example  ",
            "ht\ttps://ev\nil.example/",
            "https://trusted.example@evil.example/",
            "https://a:b@c@evil.example:81/",
            "https://trusted.example\\@evil.example/",
            "https://evil.example?@trusted.example",
            "https://evil.example#@trusted.example",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://[::ffff:127.0.0.1]:80/",
            "http://%65vil.example/",
            "http://ＥＶＩＬ．example/",
            "ws://evil.example/socket",
            "ftp://user@evil.example/file",
            "redis://evil.example:6379/0",
            "foo://a\\b@evil.example/",
        ] {
            let by_crate = url::Url::parse(text)
                .ok()
                .and_then(|u| u.host().map(|h| h.to_owned()));
            assert!(by_crate.is_some(), "{text:?}");
            assert_eq!(host_by_span(text), by_crate, "{text:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        let odd: [&[u8]; 9] = [
            b"",
            b"\0",
            b"\xff\xfe://\xc3(/",
            b"http://\0@\xff/",
            b"::::",
            b"//",
            b"\\",
            b"a:",
            b"   \t\n ",
        ];
        for text in odd {
            for at in 0..=text.len() {
                for end in at..=text.len() {
                    let tainted = at..end;
                    let input = Input {
                        text,
                        tainted: std::slice::from_ref(&tainted),
                        argument: "url",
                    };
                    changes_structure(&input);
                }
            }
        }
    }

    #[test]
    fn huge_inputs_stay_linear() {
        let mut text = b"https://api.example.com/".to_vec();
        text.extend(std::iter::repeat_n(b'a', 4 << 20));
        let tainted = [30..40, 35..4_000_000, 4_000_001..4_000_002];
        let input = Input {
            text: &text,
            tainted: &tainted,
            argument: "url",
        };
        let started = std::time::Instant::now();
        assert!(!changes_structure(&input));
        let mut tab_heavy = b"https://".to_vec();
        tab_heavy.extend(std::iter::repeat_n(b'\t', 4 << 20));
        let input = Input {
            text: &tab_heavy,
            tainted: std::slice::from_ref(&(0..1)),
            argument: "url",
        };
        assert!(changes_structure(&input));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
