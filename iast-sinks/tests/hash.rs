//! The weak hashing checks: MD5 and SHA-1 of a secret from a request are confirmed, of an
//! ordinary value reported to be judged, of the program's own data clean; the twins return
//! exactly the crates' digests.
#![cfg(all(feature = "md5", feature = "md-5", feature = "sha1"))]

use iast::{Confidence, Report, Vulnerability};
use iast_sinks::hash::{WeakDigestExt, md5_compute, md5_digest, sha1_digest};
use rustcrypto_md5::Digest as _;

#[iast::source(origin = "http.form", name = field)]
fn form_field(field: &str, value: &str) -> String {
    value.to_owned()
}

const PASSWORD: &str = "correct horse battery staple";

/// The weak hash findings of `report`, as their confidence.
fn weak(report: &Report) -> Vec<Confidence> {
    report
        .of(Vulnerability::WeakHash)
        .inspect(|f| assert_eq!(f.sink().function(), "iast_sinks::hash::check_hashed"))
        .map(|f| f.confidence())
        .collect()
}

/// One of the checked ways to hash a text.
type Hash = fn(&str);

#[test]
fn a_secret_from_a_request_hashed_with_md5_or_sha1_is_confirmed_and_redacted() {
    let hashes: [(&str, Hash); 4] = [
        ("md5::compute", |p| {
            let _ = md5_compute(p);
        }),
        ("Md5::digest", |p| {
            let _ = md5_digest(p);
        }),
        ("Sha1::digest", |p| {
            let _ = sha1_digest(p);
        }),
        ("Sha1 update", |p| {
            let mut hasher = sha1::Sha1::new();
            hasher.update_checked(p);
            let _ = hasher.finalize();
        }),
    ];
    for (name, hash) in hashes {
        let report = iast::check(|| hash(&form_field("password", PASSWORD)));
        assert_eq!(weak(&report), [Confidence::Confirmed], "{name}: {report}");
        let finding = &report.findings()[0];
        assert_eq!(finding.rule(), "WEAK_HASH");
        assert_eq!(finding.vulnerability().cwe(), 328);
        assert!(
            !finding.evidence().value.contains("horse"),
            "{name}: {report}"
        );
        // At the line of the call here, not in iast-sinks.
        let site = finding.call_site().unwrap();
        assert!(site.file().ends_with("tests/hash.rs"), "{name}: {site:?}");
    }
}

#[test]
fn an_ordinary_value_is_reported_unsanitized_and_the_programs_own_data_is_clean() {
    let report = iast::check(|| {
        let body = form_field("comment", "a comment long enough to be found");
        md5_digest(body.as_bytes())
    });
    assert_eq!(weak(&report), [Confidence::Unsanitized], "{report}");

    let report = iast::check(|| {
        let _ = form_field("password", PASSWORD);
        rustcrypto_md5::Md5::new()
            .chain_update_checked(b"the program's own build id")
            .finalize()
    });
    iast::assert_no_findings!(report);
    assert_eq!(report.sinks_reached().len(), 1, "{report}");
}

#[test]
fn the_twins_return_the_crates_own_digests() {
    for input in ["", "a", PASSWORD] {
        assert_eq!(md5_compute(input).0, md5::compute(input).0);
        assert_eq!(md5_digest(input), rustcrypto_md5::Md5::digest(input));
        assert_eq!(sha1_digest(input), sha1::Sha1::digest(input));
        let mut checked = rustcrypto_md5::Md5::new();
        checked.update_checked(input);
        assert_eq!(checked.finalize(), rustcrypto_md5::Md5::digest(input));
    }
}
