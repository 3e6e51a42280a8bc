//! The `passfd` crate's receive, as its users call it:
//! `passfd::FdPassingExt::recv_fd`, which the crate implements for
//! `UnixStream` and for a bare `RawFd` (the one a datagram socket takes).
//!
//! `recv_fd` has no control-buffer argument: it always receives into
//! `CMSG_SPACE(sizeof(int))` bytes (24 on 64-bit Linux) of a 256-byte
//! aligned buffer, and hands back one fd. The adapter cannot honour
//! `control_len`: it says the size `recv_fd` used instead, so the check
//! compares with what the kernel does with that buffer, and its sizes only
//! repeat one case per fd count and `SO_PASSCRED` setting. `passfd` does
//! not tell its caller about `MSG_CTRUNC`, so `truncated` is `None`.
//!
//! There is no `parse`, and no encoder: `send_fd` builds its message and
//! sends it in one call.

use std::os::fd::{AsRawFd, BorrowedFd};

use passfd::FdPassingExt;
use sockcmsg::conformance::{HandedBack, HandedFd, Implementation};

/// `passfd::FdPassingExt` for `RawFd`.
pub struct Passfd;

impl Implementation for Passfd {
    fn name(&self) -> String {
        "passfd".to_owned()
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let _ = control_len;
        Some(
            socket
                .as_raw_fd()
                .recv_fd()
                .map(|fd| HandedBack {
                    fds: vec![HandedFd::Raw(fd)],
                    truncated: None,
                    control_len: Some(recv_fd_control_len()),
                })
                .map_err(|err| err.to_string()),
        )
    }
}

/// The control buffer `recv_fd` receives into: `CMSG_SPACE(sizeof(c_int))`,
/// as it computes it (passfd 0.1.6 `src/lib.rs:142`).
fn recv_fd_control_len() -> usize {
    // SAFETY: CMSG_SPACE only computes with its argument.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) };
    space as usize
}

/// What the findings are, checked against passfd's source.
pub const NOTES: &str = r#"`passfd` always receives into `CMSG_SPACE(sizeof(int))` bytes, whatever control buffer size the case asks for (see the module doc): the adapter says so, each `fds` finding names both sizes, and each is the same receive, repeated at every size of its case. One class: **`recv_fd` leaks the second fd when two or more are sent**, without `SO_PASSCRED` (2, 3 or 4 fds, and 3 fds with room for 2 under `RLIMIT_NOFILE`).

- Input: 2 fds sent on a Unix datagram socket, one data byte. The call is `socket.as_raw_fd().recv_fd()`. It returns the first fd, and the second stays open in the process with nothing referring to it: the check counts it open after the returned fd is closed.
- Why: `recv_fd` (passfd 0.1.6 `src/lib.rs:140-197`) sets `msg_controllen = CMSG_SPACE(sizeof(c_int))` (lines 142 and 157), which is 24 bytes on 64-bit Linux because of the header's 8-byte alignment padding. The kernel (`scm_detach_fds`) installs as many fds as fit after the 16-byte header: 2, not 1, with `cmsg_len` `CMSG_LEN(8)` = 24, and `MSG_CTRUNC` set if more were sent. The length check `msg.msg_controllen != CMSG_SPACE(sizeof(c_int))` (line 184) passes, because the used length is 24 either way. Only the first fd is read (`read_unaligned(CMSG_DATA(hdr))`, line 189), and `MSG_CTRUNC` is never looked at. On 32-bit Linux, `CMSG_SPACE(4)` is 16 bytes and holds one fd, so the leak is 64-bit only.
- The model and the kernel: with a 24-byte buffer the kernel installs 2 of 2 (or 2 of 3-4, with `MSG_CTRUNC`). None may be open after the caller drops what it was given.
- Fix: read the fd count from `cmsg_len` (`(cmsg_len - CMSG_LEN(0)) / sizeof(int)`) and close every fd past the first (or return an error after closing them all), and check `MSG_CTRUNC`.

Also from the source, not a leak: with `SO_PASSCRED` on, the kernel's `SCM_CREDENTIALS` message comes first and fills the 24 bytes (truncated, `MSG_CTRUNC`), so no fd is installed and `recv_fd` fails with `bad control msg (level)` (line 177). A passfd receiver on a socket with `SO_PASSCRED` can never receive an fd. One fd alone is received and returned with `FD_CLOEXEC` set (line 190), with no leak.

**Forged receives** (333). These buffers come from a forged `recvmsg(2)`: Linux writes few of them, but macOS under `MSG_CTRUNC`, gVisor or a seccomp supervisor emulating `recvmsg`, or a kernel bug can. The buffer is always 24 bytes, so longer inputs arrive cut, with `MSG_CTRUNC`, which passfd never reads. It checks level and type (`lib.rs:177`) and `msg_controllen` (`lib.rs:184`), never `cmsg_len`, and returns the word at `CMSG_DATA` (`lib.rs:189`):
- **The second fd leaks** (266). This is the `fds` class (`lib.rs:184`, `189`), in three shapes:
  - the kernel's own, `180000000000000001000000010000000600000007000000` (10);
  - the same cut, `180000000000000001000000010000000194357702943577ee` (17);
  - macOS's, with `cmsg_len` 28 cut to 24 and the two fds that fit installed, `1c000000000000000100000001000000060000000700000008000000` (239).
- **A message holding no whole fd still yields one** (60). passfd returns the word that follows:
  - `110000000000000001000000010000000100000000000000` returns fd 1 (stdout) as the caller's (1);
  - `1000000000000000010000000100000010000000000000000100000001000000`, cut to 24, returns 16, the next header's length (53);
  - a `cmsg_len` of 0 to 16 followed by zeros returns fd 0 (6).
- **The error path leaks** (7). A `msg_controllen` other than 24 (`1400000000000000010000000100000006000000`, 20 bytes) gives `bad control msg (len)` (`lib.rs:184-185`) without closing the installed fd. Linux reports 24 here.

Reproduce: `cargo xtask conformance --peers passfd --only 'forged receives'`."#;
