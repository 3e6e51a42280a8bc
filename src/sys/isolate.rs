//! Running one case of the conformance runner in a child process, so that
//! an implementation that aborts or never returns is reported instead of
//! ending the run.
//!
//! The child is a `fork` of this process: it runs the case, writes the
//! bytes it returns to a pipe and leaves with `_exit`, running no
//! destructor or exit handler of the parent's. Its standard error goes to a
//! second pipe (non-blocking, so a long backtrace cannot stall it), from
//! which the parent keeps the panic message of a child that aborted. The
//! parent reads the first pipe until it closes or the time limit passes,
//! then reaps the child (killing it first if it is still running).

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// How a case run in a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChildEnd {
    /// It returned these bytes and exited.
    Returned(Vec<u8>),
    /// It did not return, as a finding says it: `aborted: signal 6
    /// (panicked at src/x.rs:3:5: attempt to add with overflow)`, `exited
    /// with status 2`, `did not return within 200 ms`.
    Failed(String),
    /// The child could not be started; the error's text.
    NotStarted(String),
}

/// Runs `case` in a child process, allowing it `limit`.
pub(crate) fn in_child(limit: Duration, case: impl FnOnce() -> Vec<u8>) -> ChildEnd {
    let (read_end, write_end) = match pipe() {
        Ok(ends) => ends,
        Err(err) => return ChildEnd::NotStarted(err.to_string()),
    };
    let (err_read, err_write) = match pipe() {
        Ok(ends) => ends,
        Err(err) => return ChildEnd::NotStarted(err.to_string()),
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
        // SAFETY: dup2 and fcntl on descriptors this child owns; standard
        // error becomes the pipe's write end, and writes to it never block.
        unsafe {
            libc::dup2(err_write.as_raw_fd(), libc::STDERR_FILENO);
            libc::fcntl(libc::STDERR_FILENO, libc::F_SETFL, libc::O_NONBLOCK);
        }
        // Each panic as one line on the pipe, whatever captures output in
        // the parent (a test harness does), and without the default hook's
        // backtrace lock, which another thread may have held at the fork.
        std::panic::set_hook(Box::new(|info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or_default();
            let line = match info.location() {
                Some(at) => format!("panicked at {at}: {message}\n"),
                None => format!("panicked: {message}\n"),
            };
            // SAFETY: `line` is valid for reads of its length.
            unsafe { libc::write(libc::STDERR_FILENO, line.as_ptr().cast(), line.len()) };
        }));
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
    drop((write_end, err_write));
    let bytes = read_until(read_end, limit);
    let timed_out = bytes.is_none();
    if timed_out {
        // SAFETY: `pid` is our child, not yet reaped.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let mut status = 0;
    // SAFETY: `pid` is our child; `status` is a valid int to write.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let panic = read_until(err_read, limit)
        .and_then(|stderr| panic_message(&String::from_utf8_lossy(&stderr)))
        .map(|message| format!(" ({message})"))
        .unwrap_or_default();
    match bytes {
        None => ChildEnd::Failed(format!("did not return within {} ms", limit.as_millis())),
        Some(_) if libc::WIFSIGNALED(status) => {
            ChildEnd::Failed(format!("aborted: signal {}{panic}", libc::WTERMSIG(status)))
        }
        Some(_) if libc::WEXITSTATUS(status) != 0 => ChildEnd::Failed(format!(
            "exited with status {}{panic}",
            libc::WEXITSTATUS(status)
        )),
        Some(bytes) => ChildEnd::Returned(bytes),
    }
}

/// A new pipe: its read end and its write end, both close-on-exec.
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [RawFd; 2] = [-1, -1];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let [read_end, write_end] = fds;
    // SAFETY: pipe2 succeeded: both are new descriptors nothing else owns.
    Ok(unsafe {
        (
            OwnedFd::from_raw_fd(read_end),
            OwnedFd::from_raw_fd(write_end),
        )
    })
}

/// The first panic a child reported on its standard error (a line
/// `panicked at src/lib.rs:3:5: attempt to add with overflow`), its path
/// cut to the crate's folder when it is a registry's.
fn panic_message(stderr: &str) -> Option<String> {
    let line = stderr.lines().find(|line| line.starts_with("panicked"))?;
    let Some(at) = line.strip_prefix("panicked at ") else {
        return Some(line.to_owned());
    };
    let at = at
        .split_once("/registry/src/")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or(at, |(_, path)| path);
    Some(format!("panicked at {at}"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abort_is_reported_with_its_first_panic_message() {
        let stderr = "panicked at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/libc-0.2.191/src/unix/linux_like/mod.rs:1770:6: attempt to add with overflow\npanicked at library/core/src/panicking.rs:225:5: panic in a function that cannot unwind\n";
        assert_eq!(
            panic_message(stderr).as_deref(),
            Some("panicked at libc-0.2.191/src/unix/linux_like/mod.rs:1770:6: attempt to add with overflow")
        );
        assert_eq!(
            panic_message("panicked at src/a.rs:1:2: boom\n").as_deref(),
            Some("panicked at src/a.rs:1:2: boom")
        );
        assert_eq!(panic_message("no panic here"), None);
    }

    #[test]
    fn a_child_that_returns_aborts_or_hangs_is_told_apart() {
        let limit = Duration::from_secs(5);
        assert_eq!(
            in_child(limit, || vec![1, 2]),
            ChildEnd::Returned(vec![1, 2])
        );
        let aborted = in_child(limit, || std::process::abort());
        assert_eq!(
            aborted,
            ChildEnd::Failed(format!("aborted: signal {}", libc::SIGABRT))
        );
        let hung = in_child(Duration::from_millis(100), || loop {
            std::thread::sleep(Duration::from_millis(10));
        });
        assert_eq!(
            hung,
            ChildEnd::Failed("did not return within 100 ms".to_owned())
        );
    }
}
