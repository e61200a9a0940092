//! LDAP sinks over [`ldap3`] (feature `ldap3`): search filters and distinguished names.
//!
//! [`LdapExt`] adds a checked twin to each method of an async `ldap3::Ldap` that takes a
//! filter or a DN, and [`LdapConnExt`] the same for the synchronous `LdapConn`. A twin hands
//! the filter to [`check_filter`] and each DN to [`check_dn`], `#[iast::sink(ldap)]`
//! functions, when it is called, then makes ldap3's own call, so it returns exactly what
//! ldap3 returns:
//!
//! ```no_run
//! use iast_sinks::ldap3::{LdapExt, ldap_escape};
//! use ldap3::{Ldap, Scope};
//!
//! # async fn find(ldap: &mut Ldap, uid: &str) -> ldap3::result::Result<()> {
//! let base = "ou=people,dc=example,dc=org";
//! // Reported when `uid` came from a source: `*` or `)(` in it change the filter.
//! let filter = format!("(uid={uid})");
//! let _found = ldap.search_checked(base, Scope::Subtree, &filter, vec!["cn"]).await?;
//!
//! // Clean: the value is escaped for a filter.
//! let filter = format!("(uid={})", ldap_escape(uid));
//! let _found = ldap.search_checked(base, Scope::Subtree, &filter, vec!["cn"]).await?;
//! # Ok(())
//! # }
//! ```
//!
//! A tainted value is injection when it changes the structure: in a filter, a `(`, `)` or
//! `*` in an assertion value, or anything but an attribute name's bytes where a component's
//! attribute is; in a DN, a `,`, `+`, `=`, `"`, `;`, `<`, `>`, a leading `#` or space, or a
//! `\` that escapes the program's own bytes. Attribute values of `add`, `modify` and
//! `compare` and the password of a bind are data, sent as they are, and are not checked.
//!
//! [`ldap_escape`] and [`dn_escape`] are ldap3's escapes as sanitizers. Use each for its own
//! place: iast takes either as making a value safe for LDAP, and does not tell a value
//! escaped for a filter (where `,` needs no escape) that lands in a DN.

use ldap3::result::{CompareResult, LdapResult, Result, SearchResult};
use ldap3::{Ldap, LdapConn, Mod, Scope};
use std::collections::HashSet;
use std::future::Future;
use std::hash::Hash;

/// The sink behind every checked filter: a call with tainted text that changes `filter`'s
/// structure is an LDAP-injection finding. Call it directly for a filter that reaches the
/// server by another route (`streaming_search_with`, a search with controls).
#[iast::sink(ldap)]
pub fn check_filter(filter: &str) {
    // The check runs in the attribute's prologue; nothing is left to do here, but to say
    // when there is no check.
    crate::warn_if_disabled();
}

/// The sink behind every checked distinguished name (a search base, the entry of an `add`,
/// `modify`, `delete`, `compare` or `modifydn`, a bind DN).
#[iast::sink(ldap)]
pub fn check_dn(dn: &str) {
    crate::warn_if_disabled();
}

/// [`ldap3::ldap_escape`] as a sanitizer: `value` escaped for an assertion value of a filter
/// (`\`, `*`, `(`, `)` and NUL as `\XX`).
#[iast::sanitizer(ldap)]
pub fn ldap_escape(value: &str) -> String {
    ldap3::ldap_escape(value).into_owned()
}

/// [`ldap3::dn_escape`] as a sanitizer: `value` escaped for one attribute value of a DN.
#[iast::sanitizer(ldap)]
pub fn dn_escape(value: &str) -> String {
    ldap3::dn_escape(value).into_owned()
}

/// Checks the names a `modifydn` takes: the entry, its new RDN and its new parent.
#[track_caller]
fn check_renaming(dn: &str, rdn: &str, new_sup: Option<&str>) {
    check_dn(dn);
    check_dn(rdn);
    if let Some(new_sup) = new_sup {
        check_dn(new_sup);
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for ldap3::Ldap {}
    impl Sealed for ldap3::LdapConn {}
}

/// Checked twins of the methods of an async `ldap3::Ldap` that take a filter or a DN. Each
/// checks them when called, then returns ldap3's future.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait LdapExt: sealed::Sealed {
    /// [`Ldap::search`], after checking `base` and `filter`.
    fn search_checked<'a, S, A>(
        &'a mut self,
        base: &'a str,
        scope: Scope,
        filter: &'a str,
        attrs: A,
    ) -> impl Future<Output = Result<SearchResult>> + Send + 'a
    where
        S: AsRef<str> + Send + Sync + 'a,
        A: AsRef<[S]> + Send + Sync + 'a;

    /// [`Ldap::simple_bind`], after checking `bind_dn` (the password is data).
    fn simple_bind_checked<'a>(
        &'a mut self,
        bind_dn: &'a str,
        bind_pw: &'a str,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a;

    /// [`Ldap::add`], after checking `dn`.
    fn add_checked<'a, S>(
        &'a mut self,
        dn: &'a str,
        attrs: Vec<(S, HashSet<S>)>,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a
    where
        S: AsRef<[u8]> + Eq + Hash + Send + 'a;

    /// [`Ldap::modify`], after checking `dn`.
    fn modify_checked<'a, S>(
        &'a mut self,
        dn: &'a str,
        mods: Vec<Mod<S>>,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a
    where
        S: AsRef<[u8]> + Eq + Hash + Send + 'a;

    /// [`Ldap::delete`], after checking `dn`.
    fn delete_checked<'a>(
        &'a mut self,
        dn: &'a str,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a;

    /// [`Ldap::compare`], after checking `dn`.
    fn compare_checked<'a, B>(
        &'a mut self,
        dn: &'a str,
        attr: &'a str,
        val: B,
    ) -> impl Future<Output = Result<CompareResult>> + Send + 'a
    where
        B: AsRef<[u8]> + Send + 'a;

    /// [`Ldap::modifydn`], after checking `dn`, `rdn` and `new_sup`.
    fn modifydn_checked<'a>(
        &'a mut self,
        dn: &'a str,
        rdn: &'a str,
        delete_old: bool,
        new_sup: Option<&'a str>,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a;
}

impl LdapExt for Ldap {
    #[track_caller]
    fn search_checked<'a, S, A>(
        &'a mut self,
        base: &'a str,
        scope: Scope,
        filter: &'a str,
        attrs: A,
    ) -> impl Future<Output = Result<SearchResult>> + Send + 'a
    where
        S: AsRef<str> + Send + Sync + 'a,
        A: AsRef<[S]> + Send + Sync + 'a,
    {
        check_dn(base);
        check_filter(filter);
        self.search(base, scope, filter, attrs)
    }

    #[track_caller]
    fn simple_bind_checked<'a>(
        &'a mut self,
        bind_dn: &'a str,
        bind_pw: &'a str,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a {
        check_dn(bind_dn);
        self.simple_bind(bind_dn, bind_pw)
    }

    #[track_caller]
    fn add_checked<'a, S>(
        &'a mut self,
        dn: &'a str,
        attrs: Vec<(S, HashSet<S>)>,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a
    where
        S: AsRef<[u8]> + Eq + Hash + Send + 'a,
    {
        check_dn(dn);
        self.add(dn, attrs)
    }

    #[track_caller]
    fn modify_checked<'a, S>(
        &'a mut self,
        dn: &'a str,
        mods: Vec<Mod<S>>,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a
    where
        S: AsRef<[u8]> + Eq + Hash + Send + 'a,
    {
        check_dn(dn);
        self.modify(dn, mods)
    }

    #[track_caller]
    fn delete_checked<'a>(
        &'a mut self,
        dn: &'a str,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a {
        check_dn(dn);
        self.delete(dn)
    }

    #[track_caller]
    fn compare_checked<'a, B>(
        &'a mut self,
        dn: &'a str,
        attr: &'a str,
        val: B,
    ) -> impl Future<Output = Result<CompareResult>> + Send + 'a
    where
        B: AsRef<[u8]> + Send + 'a,
    {
        check_dn(dn);
        self.compare(dn, attr, val)
    }

    #[track_caller]
    fn modifydn_checked<'a>(
        &'a mut self,
        dn: &'a str,
        rdn: &'a str,
        delete_old: bool,
        new_sup: Option<&'a str>,
    ) -> impl Future<Output = Result<LdapResult>> + Send + 'a {
        check_renaming(dn, rdn, new_sup);
        self.modifydn(dn, rdn, delete_old, new_sup)
    }
}

/// Checked twins of the methods of a synchronous `ldap3::LdapConn` that take a filter or a
/// DN. Each checks them, then makes ldap3's call.
///
/// Sealed, so that methods can be added without breaking anyone.
pub trait LdapConnExt: sealed::Sealed {
    /// [`LdapConn::search`], after checking `base` and `filter`.
    fn search_checked<'a, S, A>(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: A,
    ) -> Result<SearchResult>
    where
        S: AsRef<str> + Send + Sync + 'a,
        A: AsRef<[S]> + Send + Sync + 'a;

    /// [`LdapConn::simple_bind`], after checking `bind_dn` (the password is data).
    fn simple_bind_checked(&mut self, bind_dn: &str, bind_pw: &str) -> Result<LdapResult>;

    /// [`LdapConn::add`], after checking `dn`.
    fn add_checked<S: AsRef<[u8]> + Eq + Hash>(
        &mut self,
        dn: &str,
        attrs: Vec<(S, HashSet<S>)>,
    ) -> Result<LdapResult>;

    /// [`LdapConn::modify`], after checking `dn`.
    fn modify_checked<S: AsRef<[u8]> + Eq + Hash>(
        &mut self,
        dn: &str,
        mods: Vec<Mod<S>>,
    ) -> Result<LdapResult>;

    /// [`LdapConn::delete`], after checking `dn`.
    fn delete_checked(&mut self, dn: &str) -> Result<LdapResult>;

    /// [`LdapConn::compare`], after checking `dn`.
    fn compare_checked<B: AsRef<[u8]>>(
        &mut self,
        dn: &str,
        attr: &str,
        val: B,
    ) -> Result<CompareResult>;

    /// [`LdapConn::modifydn`], after checking `dn`, `rdn` and `new_sup`.
    fn modifydn_checked(
        &mut self,
        dn: &str,
        rdn: &str,
        delete_old: bool,
        new_sup: Option<&str>,
    ) -> Result<LdapResult>;
}

impl LdapConnExt for LdapConn {
    #[track_caller]
    fn search_checked<'a, S, A>(
        &mut self,
        base: &str,
        scope: Scope,
        filter: &str,
        attrs: A,
    ) -> Result<SearchResult>
    where
        S: AsRef<str> + Send + Sync + 'a,
        A: AsRef<[S]> + Send + Sync + 'a,
    {
        check_dn(base);
        check_filter(filter);
        self.search(base, scope, filter, attrs)
    }

    #[track_caller]
    fn simple_bind_checked(&mut self, bind_dn: &str, bind_pw: &str) -> Result<LdapResult> {
        check_dn(bind_dn);
        self.simple_bind(bind_dn, bind_pw)
    }

    #[track_caller]
    fn add_checked<S: AsRef<[u8]> + Eq + Hash>(
        &mut self,
        dn: &str,
        attrs: Vec<(S, HashSet<S>)>,
    ) -> Result<LdapResult> {
        check_dn(dn);
        self.add(dn, attrs)
    }

    #[track_caller]
    fn modify_checked<S: AsRef<[u8]> + Eq + Hash>(
        &mut self,
        dn: &str,
        mods: Vec<Mod<S>>,
    ) -> Result<LdapResult> {
        check_dn(dn);
        self.modify(dn, mods)
    }

    #[track_caller]
    fn delete_checked(&mut self, dn: &str) -> Result<LdapResult> {
        check_dn(dn);
        self.delete(dn)
    }

    #[track_caller]
    fn compare_checked<B: AsRef<[u8]>>(
        &mut self,
        dn: &str,
        attr: &str,
        val: B,
    ) -> Result<CompareResult> {
        check_dn(dn);
        self.compare(dn, attr, val)
    }

    #[track_caller]
    fn modifydn_checked(
        &mut self,
        dn: &str,
        rdn: &str,
        delete_old: bool,
        new_sup: Option<&str>,
    ) -> Result<LdapResult> {
        check_renaming(dn, rdn, new_sup);
        self.modifydn(dn, rdn, delete_old, new_sup)
    }
}
