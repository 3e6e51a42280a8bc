//! Running one case of the conformance runner in a child process, so that
//! an implementation that aborts or never returns is reported instead of
//! ending the run.
//!
//! The child is a `fork` of this process: it runs the case, writes the
//! bytes it returns to a pipe and leaves with `_exit`, running no
//! destructor or exit handler of the parent's. The parent reads the pipe
//! until it closes or the time limit passes, then reaps the child (killing
//! it first if it is still running).

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// How a case run in a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChildEnd {
    /// It returned these bytes and exited.
    Returned(Vec<u8>),
    /// A signal ended it (an abort is `SIGABRT`).
    Signaled(i32),
    /// It exited with this status before writing all it had to.
    Exited(i32),
    /// It ran past the time limit and was killed.
    TimedOut,
    /// The child could not be started; the error's text.
    NotStarted(String),
}

/// Runs `case` in a child process, allowing it `limit`.
pub(crate) fn in_child(limit: Duration, case: impl FnOnce() -> Vec<u8>) -> ChildEnd {
    let mut fds: [RawFd; 2] = [-1, -1];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return ChildEnd::NotStarted(std::io::Error::last_os_error().to_string());
    }
    let [read_end, write_end] = fds;
    // SAFETY: pipe2 succeeded: both are new descriptors nothing else owns.
    let (read_end, write_end) = unsafe {
        (
            OwnedFd::from_raw_fd(read_end),
            OwnedFd::from_raw_fd(write_end),
        )
    };
    // SAFETY: the child only runs `case`, writes to the pipe and calls
    // `_exit`; it returns to none of the parent's code. (glibc and musl
    // make malloc usable in the child of a multithreaded process.)
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return ChildEnd::NotStarted(std::io::Error::last_os_error().to_string());
    }
    if pid == 0 {
        drop(read_end);
        let bytes = case();
        let mut written = 0;
        while let Some(rest) = bytes.get(written..).filter(|rest| !rest.is_empty()) {
            // SAFETY: `rest` is valid for reads of its length.
            let n = unsafe { libc::write(write_end.as_raw_fd(), rest.as_ptr().cast(), rest.len()) };
            match usize::try_from(n) {
                Ok(n) => written = written.saturating_add(n),
                // SAFETY: _exit ends the child at once.
                Err(_) => unsafe { libc::_exit(2) },
            }
        }
        // SAFETY: as above.
        unsafe { libc::_exit(0) }
    }
    drop(write_end);
    let bytes = read_until(read_end, limit);
    let timed_out = bytes.is_none();
    if timed_out {
        // SAFETY: `pid` is our child, not yet reaped.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let mut status = 0;
    // SAFETY: `pid` is our child; `status` is a valid int to write.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    match bytes {
        None => ChildEnd::TimedOut,
        Some(_) if libc::WIFSIGNALED(status) => ChildEnd::Signaled(libc::WTERMSIG(status)),
        Some(_) if libc::WEXITSTATUS(status) != 0 => ChildEnd::Exited(libc::WEXITSTATUS(status)),
        Some(bytes) => ChildEnd::Returned(bytes),
    }
}

/// Everything written to `pipe` until its write end closes, or `None` past
/// `limit`.
fn read_until(pipe: OwnedFd, limit: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now().checked_add(limit)?;
    let mut file = std::fs::File::from(pipe);
    let mut bytes = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        let mut poll = libc::pollfd {
            fd: file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = libc::c_int::try_from(left.as_millis().max(1)).unwrap_or(libc::c_int::MAX);
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready <= 0 {
            continue;
        }
        let mut chunk = [0u8; 4096];
        match file.read(&mut chunk) {
            Ok(0) | Err(_) => return Some(bytes),
            Ok(n) => bytes.extend(chunk.get(..n).unwrap_or_default()),
        }
    }
}
