//! Checked file-system calls: the functions of [`std::fs`] (and, with the `tokio` feature,
//! [`tokio::fs`](::tokio::fs) in [`fs::tokio`](self::tokio)) under the same names and
//! signatures, each checking its paths for path traversal before doing the real call.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! let base = std::path::Path::new("/srv/files");
//! let name = "notes.txt";
//! let text = iast_sinks::fs::read_to_string(base.join(name))?;
//! # Ok(()) }
//! ```
//!
//! The path analyzer takes the untainted start of a path as the directory the program chose,
//! so join untrusted names onto a base (`base.join(name)`) rather than checking them alone.

use std::fs::{File, Metadata, ReadDir};
use std::io;
use std::path::Path;

/// The sinks, one per operation so that a report names what the path reached. Call them
/// directly to check a path handed to another API.
pub mod check {
    use std::path::Path;

    /// Checks the path of [`File::open`](std::fs::File::open).
    #[iast::sink(path)]
    pub fn open(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`File::create`](std::fs::File::create).
    #[iast::sink(path)]
    pub fn create(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`read`](std::fs::read).
    #[iast::sink(path)]
    pub fn read(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`read_to_string`](std::fs::read_to_string).
    #[iast::sink(path)]
    pub fn read_to_string(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`write`](std::fs::write).
    #[iast::sink(path)]
    pub fn write(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`read_dir`](std::fs::read_dir).
    #[iast::sink(path)]
    pub fn read_dir(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`remove_file`](std::fs::remove_file).
    #[iast::sink(path)]
    pub fn remove_file(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`remove_dir_all`](std::fs::remove_dir_all).
    #[iast::sink(path)]
    pub fn remove_dir_all(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`create_dir_all`](std::fs::create_dir_all).
    #[iast::sink(path)]
    pub fn create_dir_all(path: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks both paths of [`copy`](std::fs::copy): a tainted source reads any file, a
    /// tainted destination overwrites one.
    #[iast::sink(path)]
    pub fn copy(from: &Path, to: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks both paths of [`rename`](std::fs::rename).
    #[iast::sink(path)]
    pub fn rename(from: &Path, to: &Path) {
        crate::warn_if_disabled();
    }

    /// Checks the path of [`metadata`](std::fs::metadata): whether a file exists is itself
    /// information.
    #[iast::sink(path)]
    pub fn metadata(path: &Path) {
        crate::warn_if_disabled();
    }
}

/// Checks the path, then [`File::open`].
#[track_caller]
pub fn open<P: AsRef<Path>>(path: P) -> io::Result<File> {
    check::open(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    File::open(path)
}

/// Checks the path, then [`File::create`].
#[track_caller]
pub fn create<P: AsRef<Path>>(path: P) -> io::Result<File> {
    check::create(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    File::create(path)
}

/// Checks the path, then [`std::fs::read`].
#[track_caller]
pub fn read<P: AsRef<Path>>(path: P) -> io::Result<Vec<u8>> {
    check::read(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::read(path)
}

/// Checks the path, then [`std::fs::read_to_string`].
#[track_caller]
pub fn read_to_string<P: AsRef<Path>>(path: P) -> io::Result<String> {
    check::read_to_string(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::read_to_string(path)
}

/// Checks the path, then [`std::fs::write`].
#[track_caller]
pub fn write<P: AsRef<Path>, C: AsRef<[u8]>>(path: P, contents: C) -> io::Result<()> {
    check::write(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::write(path, contents)
}

/// Checks the path, then [`std::fs::read_dir`].
#[track_caller]
pub fn read_dir<P: AsRef<Path>>(path: P) -> io::Result<ReadDir> {
    check::read_dir(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::read_dir(path)
}

/// Checks the path, then [`std::fs::remove_file`].
#[track_caller]
pub fn remove_file<P: AsRef<Path>>(path: P) -> io::Result<()> {
    check::remove_file(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::remove_file(path)
}

/// Checks the path, then [`std::fs::remove_dir_all`].
#[track_caller]
pub fn remove_dir_all<P: AsRef<Path>>(path: P) -> io::Result<()> {
    check::remove_dir_all(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::remove_dir_all(path)
}

/// Checks the path, then [`std::fs::create_dir_all`].
#[track_caller]
pub fn create_dir_all<P: AsRef<Path>>(path: P) -> io::Result<()> {
    check::create_dir_all(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::create_dir_all(path)
}

/// Checks both paths, then [`std::fs::copy`].
#[track_caller]
pub fn copy<P: AsRef<Path>, Q: AsRef<Path>>(from: P, to: Q) -> io::Result<u64> {
    check::copy(from.as_ref(), to.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::copy(from, to)
}

/// Checks both paths, then [`std::fs::rename`].
#[track_caller]
pub fn rename<P: AsRef<Path>, Q: AsRef<Path>>(from: P, to: Q) -> io::Result<()> {
    check::rename(from.as_ref(), to.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::rename(from, to)
}

/// Checks the path, then [`std::fs::metadata`].
#[track_caller]
pub fn metadata<P: AsRef<Path>>(path: P) -> io::Result<Metadata> {
    check::metadata(path.as_ref());
    crate::protect::io(iast::Vulnerability::PathTraversal)?;
    std::fs::metadata(path)
}

/// The [`tokio::fs`](::tokio::fs) twins: each checks when called, in the caller's context,
/// and returns a future that runs tokio's (or, when protect mode refused the call, fails
/// with `PermissionDenied`).
#[cfg(feature = "tokio")]
pub mod tokio {
    use super::check;
    use ::tokio::fs::{File, ReadDir};
    use std::fs::Metadata;
    use std::future::Future;
    use std::io;
    use std::path::Path;

    /// Checks the path, then [`tokio::fs::File::open`](::tokio::fs::File::open).
    #[track_caller]
    pub fn open(path: impl AsRef<Path>) -> impl Future<Output = io::Result<File>> {
        check::open(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal).map(|()| File::open(path));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::File::create`](::tokio::fs::File::create).
    #[track_caller]
    pub fn create(path: impl AsRef<Path>) -> impl Future<Output = io::Result<File>> {
        check::create(path.as_ref());
        let run =
            crate::protect::io(iast::Vulnerability::PathTraversal).map(|()| File::create(path));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::read`].
    #[track_caller]
    pub fn read(path: impl AsRef<Path>) -> impl Future<Output = io::Result<Vec<u8>>> {
        check::read(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::read(path));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::read_to_string`].
    #[track_caller]
    pub fn read_to_string(path: impl AsRef<Path>) -> impl Future<Output = io::Result<String>> {
        check::read_to_string(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::read_to_string(path));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::write`].
    #[track_caller]
    pub fn write(
        path: impl AsRef<Path>,
        contents: impl AsRef<[u8]>,
    ) -> impl Future<Output = io::Result<()>> {
        check::write(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::write(path, contents));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::read_dir`].
    #[track_caller]
    pub fn read_dir(path: impl AsRef<Path>) -> impl Future<Output = io::Result<ReadDir>> {
        check::read_dir(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::read_dir(path));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::remove_file`].
    #[track_caller]
    pub fn remove_file(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
        check::remove_file(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::remove_file(path));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::remove_dir_all`].
    #[track_caller]
    pub fn remove_dir_all(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
        check::remove_dir_all(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::remove_dir_all(path));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::create_dir_all`].
    #[track_caller]
    pub fn create_dir_all(path: impl AsRef<Path>) -> impl Future<Output = io::Result<()>> {
        check::create_dir_all(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::create_dir_all(path));
        async move { run?.await }
    }

    /// Checks both paths, then [`tokio::fs::copy`].
    #[track_caller]
    pub fn copy(
        from: impl AsRef<Path>,
        to: impl AsRef<Path>,
    ) -> impl Future<Output = io::Result<u64>> {
        check::copy(from.as_ref(), to.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::copy(from, to));
        async move { run?.await }
    }

    /// Checks both paths, then [`tokio::fs::rename`].
    #[track_caller]
    pub fn rename(
        from: impl AsRef<Path>,
        to: impl AsRef<Path>,
    ) -> impl Future<Output = io::Result<()>> {
        check::rename(from.as_ref(), to.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::rename(from, to));
        async move { run?.await }
    }

    /// Checks the path, then [`tokio::fs::metadata`].
    #[track_caller]
    pub fn metadata(path: impl AsRef<Path>) -> impl Future<Output = io::Result<Metadata>> {
        check::metadata(path.as_ref());
        let run = crate::protect::io(iast::Vulnerability::PathTraversal)
            .map(|()| ::tokio::fs::metadata(path));
        async move { run?.await }
    }
}
