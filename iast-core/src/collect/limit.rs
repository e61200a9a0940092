//! The file size limit (`RLIMIT_FSIZE`, `ulimit -f`).
//!
//! The kernel answers a write that starts at or past the limit with `SIGXFSZ`, whose default
//! action ends the process; a write that crosses it is cut short, and `write_all` then retries
//! at the limit. Whether that signal is ignored is the application's choice, not iast's, so a
//! write that would not fit is not attempted at all.

use std::io::Write;

/// `Err(limit)` when `len` bytes written at offset `at` would cross the soft limit.
#[cfg(unix)]
pub(super) fn fits(at: u64, len: usize) -> Result<(), u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return Ok(());
    }
    #[allow(
        clippy::unnecessary_cast,
        reason = "`rlim_t` is u64 on Linux, i64 (never negative) on some BSDs"
    )]
    let cur = limit.rlim_cur as u64;
    match at.checked_add(len as u64) {
        Some(end) if end <= cur => Ok(()),
        _ => Err(cur),
    }
}

#[cfg(not(unix))]
pub(super) fn fits(_at: u64, _len: usize) -> Result<(), u64> {
    Ok(())
}

/// Writes `text` on stderr, unless stderr is a regular file the text would take past the
/// limit: a message about the limit must not be what ends the process. Written directly,
/// not through `eprint!`, which panics when stderr fails.
pub(super) fn say(text: &str) {
    let stderr = std::io::stderr();
    #[cfg(unix)]
    {
        use std::io::Seek;
        use std::os::fd::AsFd;
        if let Ok(fd) = stderr.as_fd().try_clone_to_owned() {
            let mut file = std::fs::File::from(fd);
            if let Ok(meta) = file.metadata()
                && meta.is_file()
            {
                // Appending or not, the write lands at one of the two.
                let at = file.stream_position().unwrap_or(0).max(meta.len());
                if fits(at, text.len()).is_err() {
                    return;
                }
            }
        }
    }
    let _ = stderr.lock().write_all(text.as_bytes());
}
