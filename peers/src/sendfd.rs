//! The `sendfd` crate's receive, as its users call it:
//! `sendfd::RecvWithFd::recv_with_fd` on a `UnixDatagram`, with a buffer
//! for the fds it may hand back.
//!
//! `recv_with_fd` has no control-buffer argument: it allocates one of
//! `CMSG_SPACE(0) + 4 * fds.len()` bytes itself (`construct_msghdr_for`).
//! The adapter picks `fds.len()` so that this is `control_len` where it
//! can be (16, 20, 24, ... bytes on 64-bit Linux), or else the nearest size
//! below (and 16 bytes, room for no fd, for `control_len` under 16), and
//! says the size sendfd used. The `fds` check then tests the buffers
//! sendfd can have. `sendfd` does not
//! tell its caller about `MSG_CTRUNC`, so `truncated` is `None`.
//!
//! There is no `parse`: sendfd walks only the buffer its own `recvmsg`
//! filled. It has no encoder either: `send_with_fd` builds its message and
//! sends it in one call.

use std::os::fd::BorrowedFd;

use sendfd::RecvWithFd;
use sockcmsg::conformance::{HandedBack, HandedFd, Implementation};

/// `sendfd::RecvWithFd` for `UnixDatagram`.
pub struct Sendfd;

impl Implementation for Sendfd {
    fn name(&self) -> String {
        "sendfd".to_owned()
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        // SAFETY: used for this call only, while `socket` is borrowed.
        let socket = unsafe { crate::as_datagram(socket) };
        let mut fds = vec![-1; crate::fds_fitting(control_len)];
        let used = construct_msghdr_for_len(fds.len());
        Some(
            socket
                .recv_with_fd(&mut [0; 1], &mut fds)
                .map(|(_, count)| HandedBack {
                    fds: fds
                        .iter()
                        .take(count)
                        .map(|&fd| HandedFd::Raw(fd))
                        .collect(),
                    truncated: None,
                    control_len: Some(used),
                })
                .map_err(|err| err.to_string()),
        )
    }
}

/// The control buffer `recv_with_fd` allocates for `fd_count` fds:
/// `CMSG_SPACE(0) + size_of::<RawFd>() * fd_count`, as
/// `construct_msghdr_for` computes it (sendfd 0.4.5 `src/lib.rs:48-49`).
fn construct_msghdr_for_len(fd_count: usize) -> usize {
    // SAFETY: CMSG_SPACE only computes with its argument.
    let header = unsafe { libc::CMSG_SPACE(0) } as usize;
    header + std::mem::size_of::<std::os::fd::RawFd>() * fd_count
}

/// What the findings are, checked against sendfd's source.
pub const NOTES: &str = r#"Only `fds` and `cloexec` run (sendfd neither parses a given buffer nor encodes one). Every fd the kernel installed is handed back as a raw number, and nothing leaks. The receive sizes its control buffer from the caller's fd slice, `CMSG_SPACE(0) + 4 * fds.len()` (`construct_msghdr_for`, sendfd 0.4.5 `src/lib.rs:48-49`). The adapter picks the slice length that gives `control_len` (16 + 4k bytes on 64-bit Linux), or the nearest size below, and the check compares with the size sendfd used. The walk (`recv_with_fd`, `src/lib.rs:143-196`) copies every fd of every `SCM_RIGHTS` message the kernel wrote. The kernel installs only the fds that fit (`scm_detach_fds`), so the branch that would drop extra ones (`src/lib.rs:188`, a panic) cannot be reached on Linux.

From reading the source: the caller is not told about `MSG_CTRUNC`. With `SO_PASSCRED` on, the kernel's `SCM_CREDENTIALS` message (32 bytes) comes first and uses the room sized for the fds, so fewer fds (or none) arrive, and `recv_with_fd` returns a smaller count with no error. The trait's documentation (`src/lib.rs:314-316`) warns about this. The data length `(*cmsg_header).cmsg_len as usize - data_offset` (`src/lib.rs:152`) is checked only by `debug_assert!`. That is harmless here, since the buffer is always one the kernel just wrote.

`cloexec`: the received fds are not close-on-exec: `recv_with_fd` calls `libc::recvmsg(socket, &mut msghdr, 0)` (`src/lib.rs:134`) without `MSG_CMSG_CLOEXEC` and sets no `FD_CLOEXEC` afterwards (passfd does, `src/lib.rs:190`), so a program that execs passes them on.

**Forged receives** (210). These buffers come from a forged `recvmsg(2)`: Linux writes few of them, but macOS under `MSG_CTRUNC`, gVisor or a seccomp supervisor emulating `recvmsg`, or a kernel bug can. The walk (`src/lib.rs:143-196`) trusts `cmsg_len`, and only `debug_assert!`s check it:
- **A partial fd** fails `lib.rs:154` (132). `11000000000000000100000001000000` (`cmsg_len` 17). Release builds round down.
- **Under 16 on `SCM_RIGHTS`:** overflow panic at `lib.rs:152` (21). `00000000000000000100000001000000`.
- **2^63 or more:** `lib.rs:153` fails (12). `f8ffffffffffffff0100000001000000abababababababab`.
- **Near `usize::MAX` on another type:** libc's `CMSG_ALIGN` (`linux_like/mod.rs:1770`) overflows in `CMSG_NXTHDR` (`lib.rs:195`), an `extern "C"` fn, so the process aborts (23). `ffffffffffffffffffffffffffffffff`.
- **More fds than the slice holds:** the branch its comment calls unreachable panics at `lib.rs:188` (11). `10000000010000000100000001000000abababababababab` claims 2^30 fds in 24 bytes.
- **Reads past its heap buffer** (`construct_msghdr_for`, `lib.rs:48-53`; read at `lib.rs:158`) (11). `1c000000000000000100000002000000d7b0…` (225 bytes) is cut to 224 with `MSG_CTRUNC`, in macOS's shape. sendfd hands back the 44 fds installed in the bytes that fit, plus 4 numbers from past the buffer ("not open", "not received"). When such a header claims more fds than the slice holds, the same shape hits the panic at `lib.rs:188` instead.

Reproduce: `cargo xtask conformance --peers sendfd --only 'forged receives'`."#;
