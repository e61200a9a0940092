//! Opening the files iast reads (`iast.toml`, collection files) only when they are regular
//! files.
//!
//! Reading a FIFO waits for a writer that may never come, and a character device may never
//! end: a path naming one where a file is expected would hang the program under test at its
//! first context, or `cargo iast` in the middle of a CI run. The type is checked before
//! opening, so that nothing else is opened at all, and again on the open file, since the
//! path may have been replaced in between; the open itself does not wait (`O_NONBLOCK`), so
//! such a replacement cannot block it either.

use std::fs::{File, FileType, OpenOptions};
use std::io;
use std::path::Path;

/// Opens `path` for reading if it is a regular file (after symbolic links); an error of
/// kind [`io::ErrorKind::InvalidInput`] that says what it is otherwise.
pub(crate) fn open_regular(path: &Path) -> io::Result<File> {
    regular(std::fs::metadata(path)?.file_type())?;
    let mut options = OpenOptions::new();
    options.read(true);
    // Kept on the open file: it changes nothing for a regular file.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path)?;
    regular(file.metadata()?.file_type())?;
    Ok(file)
}

fn regular(kind: FileType) -> io::Result<()> {
    if kind.is_file() {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file but {}", describe(kind)),
    ))
}

fn describe(kind: FileType) -> &'static str {
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    "another kind of file"
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Read;

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "iast-regular-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_regular_file_is_read_and_anything_else_is_named() {
        let dir = scratch("kinds");
        let file = dir.join("iast.toml");
        std::fs::write(&file, "[taint]\n").unwrap();
        let mut text = String::new();
        open_regular(&file)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "[taint]\n");

        let fifo = dir.join("fifo.toml");
        mkfifo(&fifo);
        let e = open_regular(&fifo).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(e.to_string(), "not a regular file but a FIFO (named pipe)");
        // Through a symbolic link too.
        let link = dir.join("link.toml");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        assert!(
            open_regular(&link)
                .unwrap_err()
                .to_string()
                .contains("FIFO")
        );
        assert!(
            open_regular(&dir)
                .unwrap_err()
                .to_string()
                .contains("a directory")
        );
        assert!(
            open_regular(Path::new("/dev/null"))
                .unwrap_err()
                .to_string()
                .contains("a character device")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
