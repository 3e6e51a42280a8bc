//! The process's descriptor table, for the conformance runner's fd-ownership
//! oracle: which numbers are open, closing the numbers an implementation
//! handed over as the caller's, and `RLIMIT_NOFILE`. The oracle runs in a
//! forked child (`isolate.rs`), alone in its process, so that nothing else
//! opens or closes a descriptor while it counts.

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Whether `fd` is an open descriptor of this process.
pub(crate) fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD reads the descriptor's flags and changes nothing; any
    // number may be asked about (a closed one is EBADF).
    fd >= 0 && unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1
}

/// Whether `fd` is open and close-on-exec.
pub(crate) fn is_close_on_exec(fd: RawFd) -> bool {
    // SAFETY: as in `is_open`.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    flags != -1 && flags & libc::FD_CLOEXEC != 0
}

/// Closes `fd`, a number an implementation handed over as the caller's to
/// close (`conformance::ReceivedFd::Raw`).
pub(crate) fn close_handed_over(fd: RawFd) {
    if is_open(fd) {
        // SAFETY: the implementation handed `fd` over for the caller to
        // close, and the runner, its caller here, closes each such number
        // once, after checking that it is open and not also handed back as
        // an `OwnedFd`. This runs in the oracle's child process, which
        // exits right after.
        drop(unsafe { OwnedFd::from_raw_fd(fd) });
    }
}

/// Sets the soft `RLIMIT_NOFILE` to `limit` and returns the soft limit it
/// replaced.
pub(crate) fn set_open_files_limit(limit: libc::rlim_t) -> io::Result<libc::rlim_t> {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `old` is a valid rlimit to write into.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let new = libc::rlimit {
        rlim_cur: limit.min(old.rlim_max),
        rlim_max: old.rlim_max,
    };
    // SAFETY: `new` is a valid rlimit to read.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &new) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(old.rlim_cur)
}
