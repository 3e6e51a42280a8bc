//! Running one case of the conformance runner in a child process, so that
//! an implementation that aborts or never returns is reported instead of
//! ending the run.
//!
//! The child is a `fork` of this process, not a new program: the case is a
//! closure over the caller's implementation, a value that only exists in
//! this process (re-executing the test binary, as `rusty-fork` or Go's
//! `TestPassFD` do, would need every caller's test to be re-entered by name
//! and would start a program per case, of which a run has thousands). The
//! runner is used from multi-threaded test binaries, so the child is made
//! to depend on nothing another thread may hold at the fork:
//!
//! - Pipes are created, the child forked and the parent's write ends closed
//!   under one lock ([`FORKING`]), so that no other case's child inherits a
//!   write end and keeps a pipe open after its own child ended.
//! - The child never calls `std::panic::set_hook`, whose lock another
//!   thread may have held at the fork: the hook that reports a child's
//!   panics is installed once, in the parent ([`report_panics_in_children`]),
//!   before the first fork.
//! - The case runs under `catch_unwind`: a panic it does not catch ends the
//!   child there and is reported, instead of unwinding into the parent's
//!   frames inside the child.
//! - The child asks to be killed when the thread that forked it ends
//!   (`PR_SET_PDEATHSIG`), and its standard output and error go to a pipe
//!   the parent reads: a runner killed mid-case leaves no child running and
//!   no inherited terminal or pipe held open.
//!
//! The child writes the bytes the case returns to a pipe and leaves with
//! `_exit`, running no destructor or exit handler of the parent's. The
//! parent reads that pipe and the child's output together until the first
//! closes or the time limit passes, then reaps the child (killing it first
//! if it is still running).

use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::{Duration, Instant};

/// How a case run in a child ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ChildEnd {
    /// It returned these bytes and exited.
    Returned(Vec<u8>),
    /// It did not return, as a finding says it: `aborted: signal 6
    /// (panicked at src/x.rs:3:5: attempt to add with overflow)`, `exited
    /// with status 2`, `did not return within 200 ms`, `panicked at
    /// src/x.rs:3:5: boom`.
    Failed(String),
    /// The child could not be started; the error's text.
    NotStarted(String),
}

/// Held from the creation of a case's pipes until the parent has closed its
/// write ends, across the fork: while it is held no other case forks, so
/// no child holds a write end but its own.
static FORKING: Mutex<()> = Mutex::new(());

/// Set in a child, before its case runs: the panic hook then writes the
/// panic as one line to the child's standard error.
static IN_CHILD: AtomicBool = AtomicBool::new(false);

/// The exit status of a child whose case panicked (Rust's, for a panic
/// that leaves `main`).
const PANICKED: libc::c_int = 101;

/// The most of a child's output kept: enough for its panic message.
const OUTPUT_KEPT: usize = 64 * 1024;

/// How long the output of a child that has exited is read for, should a
/// process it started still hold the pipe.
const OUTPUT_GRACE: Duration = Duration::from_secs(1);

/// Runs `case` in a child process, allowing it `limit` (`Duration::MAX`:
/// no limit).
pub(crate) fn in_child(limit: Duration, case: impl FnOnce() -> Vec<u8>) -> ChildEnd {
    report_panics_in_children();
    let deadline = Instant::now().checked_add(limit);
    let forking = FORKING.lock().unwrap_or_else(PoisonError::into_inner);
    let ((read_end, write_end), (out_read, out_write)) = match (pipe(), pipe()) {
        (Ok(result), Ok(output)) => (result, output),
        (Err(err), _) | (_, Err(err)) => return ChildEnd::NotStarted(err.to_string()),
    };
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the child runs `child`, which never returns: it runs the case
    // with its unwinding stopped, writes to its pipe and calls `_exit`.
    // (glibc and musl make malloc usable in the child of a multithreaded
    // process; the locks the child takes are its case's.)
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return ChildEnd::NotStarted(std::io::Error::last_os_error().to_string());
    }
    if pid == 0 {
        drop((read_end, out_read));
        child(forking, parent, write_end, out_write, case);
    }
    drop((write_end, out_write, forking));
    let mut result = Reading::new(read_end, usize::MAX);
    let mut output = Reading::new(out_read, OUTPUT_KEPT);
    // A case may close its own pipe (a parser that closes numbers it read)
    // and then hang: it has returned only once it has ended.
    let returned =
        read_until_closed(&mut [&mut result, &mut output], deadline) && ended_by(pid, deadline);
    if !returned {
        // SAFETY: `pid` is our child, not yet reaped.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
    let status = reap(pid);
    read_until_closed(&mut [&mut output], Instant::now().checked_add(OUTPUT_GRACE));
    let stderr = String::from_utf8_lossy(&output.bytes);
    let panic = panic_message(&stderr);
    let with_panic = panic
        .clone()
        .or_else(|| sanitizer_message(&stderr))
        .as_ref()
        .map(|message| format!(" ({message})"))
        .unwrap_or_default();
    let bytes = returned.then_some(result.bytes);
    match (bytes, status) {
        (None, _) => ChildEnd::Failed(format!("did not return within {} ms", limit.as_millis())),
        (Some(_), Err(err)) => ChildEnd::Failed(format!("not reaped: {err}")),
        (Some(_), Ok(status)) if libc::WIFSIGNALED(status) => ChildEnd::Failed(format!(
            "aborted: signal {}{with_panic}",
            libc::WTERMSIG(status)
        )),
        (Some(_), Ok(status)) if libc::WEXITSTATUS(status) == PANICKED && panic.is_some() => {
            ChildEnd::Failed(panic.unwrap_or_default())
        }
        (Some(_), Ok(status)) if libc::WEXITSTATUS(status) != 0 => ChildEnd::Failed(format!(
            "exited with status {}{with_panic}",
            libc::WEXITSTATUS(status)
        )),
        (Some(bytes), Ok(_)) => ChildEnd::Returned(bytes),
    }
}

/// The child's side: it runs `case` and leaves, never returning into the
/// parent's code.
fn child(
    forking: MutexGuard<'_, ()>,
    parent: libc::pid_t,
    result: OwnedFd,
    output: OwnedFd,
    case: impl FnOnce() -> Vec<u8>,
) -> ! {
    // The only thread here is this one: unlocking lets a case fork in turn.
    drop(forking);
    IN_CHILD.store(true, Ordering::Relaxed);
    // SAFETY: prctl, getppid, dup2 and _exit on this child's own state: it
    // is killed when the thread that forked it ends (and leaves now if that
    // already happened), and its standard output and error become the
    // output pipe, whose reader is that thread.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() != parent {
            libc::_exit(PANICKED);
        }
        libc::dup2(output.as_raw_fd(), libc::STDOUT_FILENO);
        libc::dup2(output.as_raw_fd(), libc::STDERR_FILENO);
    }
    drop(output);
    let Ok(bytes) = panic::catch_unwind(AssertUnwindSafe(case)) else {
        // SAFETY: _exit ends the child at once; the hook wrote the panic.
        unsafe { libc::_exit(PANICKED) }
    };
    let mut written = 0;
    while let Some(rest) = bytes.get(written..).filter(|rest| !rest.is_empty()) {
        // SAFETY: `rest` is valid for reads of its length.
        let n = unsafe { libc::write(result.as_raw_fd(), rest.as_ptr().cast(), rest.len()) };
        match usize::try_from(n) {
            Ok(n) => written = written.saturating_add(n),
            Err(_) if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {
            }
            // SAFETY: as above.
            Err(_) => unsafe { libc::_exit(2) },
        }
    }
    // SAFETY: as above.
    unsafe { libc::_exit(0) }
}

/// Installs, once and before the first fork, the panic hook that writes a
/// child's panics as one line each to its standard error (whatever
/// captures output in the parent, as a test harness does, and without the
/// default hook's backtrace lock, which another thread may have held at
/// the fork). In the parent the hook it replaced runs, as before.
fn report_panics_in_children() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_CHILD.load(Ordering::Relaxed) {
                return previous(info);
            }
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
    });
}

/// Waits until `pid`, our child, has ended or `deadline` has passed, and
/// says whether it ended. Without a deadline, or a pidfd to wait on (Linux
/// before 5.3), it says yes and [`reap`] waits.
fn ended_by(pid: libc::pid_t, deadline: Option<Instant>) -> bool {
    let Some(deadline) = deadline else {
        return true;
    };
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    #[allow(
        irrefutable_let_patterns,
        reason = "a c_long: i64 on 64-bit targets, i32 (a RawFd) on 32-bit ones"
    )]
    let Ok(pidfd) = RawFd::try_from(pidfd) else {
        return true;
    };
    if pidfd < 0 {
        return true;
    }
    // SAFETY: a new descriptor that nothing else owns.
    let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd) };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let millis = libc::c_int::try_from(left.as_millis()).unwrap_or(libc::c_int::MAX);
        let mut polled = libc::pollfd {
            fd: pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        match unsafe { libc::poll(&mut polled, 1, millis) } {
            n if n > 0 => return true,
            0 => return false,
            _ if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
            _ => return true,
        }
    }
}

/// Waits for `pid`, our child, to end, and returns its wait status.
fn reap(pid: libc::pid_t) -> std::io::Result<libc::c_int> {
    let mut status = 0;
    loop {
        // SAFETY: `pid` is our child; `status` is a valid int to write.
        if unsafe { libc::waitpid(pid, &mut status, 0) } == pid {
            return Ok(status);
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// A new pipe: its read end and its write end, both close-on-exec (for
/// the forks of others that exec; the runner's own children are kept from
/// inheriting them by [`FORKING`]).
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
    Some(format!("panicked at {}", without_addresses(short_path(at))))
}

/// The AddressSanitizer report a child printed (an implementation built
/// with `-Zsanitizer=address` or `-fsanitize=address`), as one line: what,
/// the access, and the innermost frame with source outside the toolchain's
/// (core, std and the sanitizer's runtime: under `/rustc/`, or the
/// `rust-src` component's `/rustlib/src/`), as in
/// `AddressSanitizer: heap-buffer-overflow, READ of size 12, at
/// nix-0.32.0/src/sys/socket/mod.rs:1036:42 in
/// nix::sys::socket::ControlMessageOwned::decode_from`.
fn sanitizer_message(stderr: &str) -> Option<String> {
    let mut lines = stderr
        .lines()
        .skip_while(|line| !line.contains("ERROR: AddressSanitizer: "));
    let (_, error) = lines.next()?.split_once("ERROR: ")?;
    // Up to its registers or its details: "heap-buffer-overflow on address
    // 0x...", "requested allocation size 0x...".
    let error = error
        .split(" at pc ")
        .next()
        .and_then(|error| error.split(" (").next())
        .unwrap_or(error);
    let mut said = without_addresses(error);
    let mut lines = lines.peekable();
    if let Some(access) = lines.next_if(|line| line.contains(" of size ")) {
        let access = access.split(" at 0x").next().unwrap_or(access);
        said = format!("{said}, {}", access.trim());
    }
    let frame = lines
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| line.trim().strip_prefix('#')?.split_once(" in "))
        .filter_map(|(_, frame)| frame.split(" (BuildId: ").next()?.rsplit_once(' '))
        .find(|(_, place)| {
            !place.starts_with('(')
                && !["/rustc/", "/rustlib/src/", "compiler-rt"]
                    .iter()
                    .any(|toolchain| place.contains(toolchain))
        });
    if let Some((function, place)) = frame {
        let function = match function.rsplit_once("::h") {
            Some((name, hash)) if hash.len() == 16 => name,
            _ => function,
        };
        said = format!("{said}, at {} in {function}", short_path(place));
    }
    Some(said)
}

/// `place` (`/root/.cargo/registry/src/index.crates.io-.../libc-0.2.191/src/lib.rs:3:5`)
/// cut to the crate's folder when it is a registry's.
fn short_path(place: &str) -> &str {
    place
        .split_once("/registry/src/")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or(place, |(_, path)| path)
}

/// `text` with each address (`0x` and more than 8 significant hex digits, as in
/// "misaligned pointer dereference: ... but is 0x55fea4d465a1") cut to its
/// last digit (`0x…1`): the rest changes from run to run, the alignment
/// does not.
fn without_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("0x") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let hex = from
            .get(2..)
            .unwrap_or_default()
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(from.len().saturating_sub(2));
        let (number, after) = from.split_at(hex.saturating_add(2).min(from.len()));
        // Leading zeros are not an address's (ASan's `0x000000000010`).
        let digits = number.get(2..).unwrap_or_default().trim_start_matches('0');
        match number.get(number.len().saturating_sub(1)..) {
            Some(last) if digits.len() > 8 => {
                out.push_str("0x…");
                out.push_str(last);
            }
            _ => out.push_str(number),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// A pipe's read end and what was read from it.
struct Reading {
    file: std::fs::File,
    bytes: Vec<u8>,
    /// The most of `bytes` kept: the rest is read and dropped, so that the
    /// writer never blocks.
    keep: usize,
    open: bool,
}

impl Reading {
    fn new(pipe: OwnedFd, keep: usize) -> Self {
        Reading {
            file: pipe.into(),
            bytes: Vec::new(),
            keep,
            open: true,
        }
    }

    /// One read, after `poll` said the pipe is readable or closed.
    fn read_some(&mut self) {
        let mut chunk = [0u8; 4096];
        match self.file.read(&mut chunk) {
            Ok(0) => self.open = false,
            Ok(n) => {
                let room = self.keep.saturating_sub(self.bytes.len());
                let got = chunk.get(..n.min(room)).unwrap_or_default();
                self.bytes.extend_from_slice(got);
            }
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => self.open = false,
        }
    }
}

/// Reads every open pipe of `pipes` as it becomes readable, until the
/// first of them closes (`true`) or `deadline` passes (`false`; `None`:
/// no deadline).
fn read_until_closed(pipes: &mut [&mut Reading], deadline: Option<Instant>) -> bool {
    loop {
        let mut polled: Vec<libc::pollfd> = pipes
            .iter()
            .filter(|pipe| pipe.open)
            .map(|pipe| libc::pollfd {
                fd: pipe.file.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        match pipes.first() {
            Some(first) if first.open => {}
            _ => return true,
        }
        let millis = match deadline {
            None => -1,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return false;
                }
                libc::c_int::try_from(left.as_millis().max(1)).unwrap_or(libc::c_int::MAX)
            }
        };
        let count = libc::nfds_t::try_from(polled.len()).unwrap_or(0);
        // SAFETY: `polled` holds `count` valid pollfds.
        if unsafe { libc::poll(polled.as_mut_ptr(), count, millis) } <= 0 {
            continue;
        }
        for pipe in pipes.iter_mut().filter(|pipe| pipe.open) {
            let fd = pipe.file.as_raw_fd();
            if polled
                .iter()
                .any(|polled| polled.fd == fd && polled.revents != 0)
            {
                pipe.read_some();
            }
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
        assert_eq!(
            panic_message("panicked at src/m.rs:9:2: address must be a multiple of 0x8 but is 0x55fea4d465a1\n").as_deref(),
            Some("panicked at src/m.rs:9:2: address must be a multiple of 0x8 but is 0x…1")
        );
    }

    #[test]
    fn an_address_sanitizer_report_is_cut_to_what_where_and_whose_line() {
        let stderr = "=================================================================
==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x502000000060 at pc 0x55d0c7a1b2c3 bp 0x7ffd1 sp 0x7ffd2
READ of size 12 at 0x502000000060 thread T0
    #0 0x55d0c7a1b2c3 in __asan_memcpy /rustc/llvm/src/llvm-project/compiler-rt/lib/asan/asan_interceptors_memintrinsics.cpp:63:3
    #1 0x55d0c7a1b2c4 in core::ptr::read_unaligned::h0123456789abcdef /rustc/0123abcd/library/core/src/ptr/mod.rs:1520:9
    #2 0x55d0c7a1b2c5 in nix::sys::socket::ControlMessageOwned::decode_from::hfedcba9876543210 /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nix-0.32.0/src/sys/socket/mod.rs:1036:42
    #3 0x55d0c7a1b2c6 in <nix::sys::socket::CmsgIterator as core::iter::traits::iterator::Iterator>::next::h0000000000000001 /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/nix-0.32.0/src/sys/socket/mod.rs:744:22

0x502000000060 is located 0 bytes after 16-byte region [0x502000000050,0x502000000060)
";
        assert_eq!(
            sanitizer_message(stderr).as_deref(),
            Some(
                "AddressSanitizer: heap-buffer-overflow on address 0x…0, READ of size 12, \
                 at nix-0.32.0/src/sys/socket/mod.rs:1036:42 \
                 in nix::sys::socket::ControlMessageOwned::decode_from"
            )
        );
        let unsymbolized = "==7==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000010 (pc 0x7f bp 0x1 sp 0x2 T0)
    #0 0x7f in memcpy (/lib/x86_64-linux-gnu/libc.so.6+0x1234)
    #1 0x7e in <alloc::raw_vec::RawVecInner>::try_allocate_in (/work/target/debug/asan-forged+0x54930e) (BuildId: ecab4d76b5bf5433)
";
        assert_eq!(
            sanitizer_message(unsymbolized).as_deref(),
            Some("AddressSanitizer: SEGV on unknown address 0x000000000010")
        );
        assert_eq!(sanitizer_message("panicked at src/a.rs:1:2: boom\n"), None);
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

    #[test]
    fn no_limit_is_a_limit_never_reached() {
        assert_eq!(
            in_child(Duration::MAX, || vec![7]),
            ChildEnd::Returned(vec![7])
        );
    }

    /// Writes a byte to a pipe when dropped: where it runs shows whose
    /// frames were unwound.
    struct WritesWhenDropped(RawFd);

    impl Drop for WritesWhenDropped {
        fn drop(&mut self) {
            // SAFETY: one byte from a valid buffer.
            unsafe { libc::write(self.0, [1u8].as_ptr().cast(), 1) };
        }
    }

    #[test]
    fn a_case_that_panics_is_reported_and_unwinds_none_of_the_parents_frames() {
        let (read_end, write_end) = pipe().unwrap();
        let guard = WritesWhenDropped(write_end.as_raw_fd());
        let end = in_child(Duration::from_secs(30), || {
            panic!("outside the implementation")
        });
        let ChildEnd::Failed(how) = end else {
            panic!("reported as {end:?}");
        };
        assert!(how.starts_with("panicked at src/sys/isolate.rs:"), "{how}");
        assert!(how.ends_with(": outside the implementation"), "{how}");
        drop((guard, write_end));
        let mut dropped = Vec::new();
        std::fs::File::from(read_end)
            .read_to_end(&mut dropped)
            .unwrap();
        assert_eq!(dropped, [1], "the guard was dropped in the child too");
    }

    /// std holds the panic hook's lock while any thread runs a hook: a
    /// child forked then must not need it.
    #[test]
    fn a_fork_while_another_thread_panics_is_not_stalled_by_the_hook() {
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let panicking = {
            let stop = stop.clone();
            // Bounded: each panic's message goes to the test's captured
            // output.
            std::thread::spawn(move || {
                for _ in 0..20_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let _ = panic::catch_unwind(|| panic!("on another thread"));
                }
            })
        };
        let ends: Vec<ChildEnd> = (0..40u8)
            .map(|case| in_child(Duration::from_secs(5), move || vec![case]))
            .collect();
        stop.store(true, Ordering::Relaxed);
        panicking.join().unwrap();
        let expected: Vec<ChildEnd> = (0..40u8)
            .map(|case| ChildEnd::Returned(vec![case]))
            .collect();
        assert_eq!(ends, expected);
    }
}
