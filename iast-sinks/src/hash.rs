//! Weak hashing of request data (features `md5`, `md-5`, `sha1`): MD5 and SHA-1 used on data
//! from a source (CWE-328).
//!
//! MD5 and SHA-1 digests of short or common inputs are reversed by lookup, and both are
//! collided at will. The twins here check their input with [`check_hashed`], a
//! `#[iast::sink(weak_hash)]` function, then hash it as the crate does:
//!
//! ```ignore
//! // Confirmed when `password` came from a source named as a secret (a `password` field).
//! let stored = iast_sinks::hash::md5_digest(password.as_bytes());
//! ```
//!
//! A finding is confirmed when a source of the hashed bytes is named as a secret (by the
//! names that redaction reads: `password`, `token`, `secret`, `api_key`, ...), and
//! unsanitized otherwise: hashing an ordinary value (a cache key, an ETag) with MD5 is no
//! weakness by itself, and is reported so that it can be judged. As for every sink, a value
//! is found when it is the source's own buffer or of at least 8 bytes (`min_match_length`).

/// The sink behind every twin: `data` is about to be hashed with MD5 or SHA-1. Call it before
/// a weak hash of your own (`#[iast::sink(weak_hash)]` on your function does the same).
#[iast::sink(weak_hash)]
pub fn check_hashed(data: &[u8]) {
    // The check runs in the attribute's prologue; nothing is left to do here, but to say
    // when there is no check.
    crate::warn_if_disabled();
}

/// `md5::compute` (the `md5` crate), after checking `data`.
#[cfg(feature = "md5")]
#[track_caller]
pub fn md5_compute(data: impl AsRef<[u8]>) -> md5::Digest {
    check_hashed(data.as_ref());
    md5::compute(data)
}

/// `Md5::digest` (RustCrypto's md-5), after checking `data`.
#[cfg(feature = "md-5")]
#[track_caller]
pub fn md5_digest(data: impl AsRef<[u8]>) -> rustcrypto_md5::digest::Output<rustcrypto_md5::Md5> {
    use rustcrypto_md5::Digest as _;
    check_hashed(data.as_ref());
    rustcrypto_md5::Md5::digest(data)
}

/// `Sha1::digest` (RustCrypto's sha1), after checking `data`.
#[cfg(feature = "sha1")]
#[track_caller]
pub fn sha1_digest(data: impl AsRef<[u8]>) -> sha1::digest::Output<sha1::Sha1> {
    use sha1::Digest as _;
    check_hashed(data.as_ref());
    sha1::Sha1::digest(data)
}

mod sealed {
    pub trait Sealed {}
    #[cfg(feature = "md-5")]
    impl Sealed for rustcrypto_md5::Md5 {}
    #[cfg(feature = "sha1")]
    impl Sealed for sha1::Sha1 {}
}

/// Checked twins of the incremental `Digest` methods of RustCrypto's `Md5` and `Sha1`.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait WeakDigestExt: sealed::Sealed + Sized {
    /// `Digest::update`, after checking `data`.
    fn update_checked(&mut self, data: impl AsRef<[u8]>);

    /// `Digest::chain_update`, after checking `data`.
    fn chain_update_checked(self, data: impl AsRef<[u8]>) -> Self;
}

/// The twins for one RustCrypto hasher, over its crate's `Digest`.
macro_rules! weak_digest {
    ($feature:literal, $hasher:ty, $krate:ident) => {
        #[cfg(feature = $feature)]
        impl WeakDigestExt for $hasher {
            #[track_caller]
            fn update_checked(&mut self, data: impl AsRef<[u8]>) {
                check_hashed(data.as_ref());
                $krate::Digest::update(self, data);
            }

            #[track_caller]
            fn chain_update_checked(self, data: impl AsRef<[u8]>) -> Self {
                check_hashed(data.as_ref());
                $krate::Digest::chain_update(self, data)
            }
        }
    };
}

weak_digest!("md-5", rustcrypto_md5::Md5, rustcrypto_md5);
weak_digest!("sha1", sha1::Sha1, sha1);
