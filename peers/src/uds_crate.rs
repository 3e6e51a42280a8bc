//! The `uds` crate's receive: [`UnixDatagramExt::recv_fds`], as its users
//! call it on a `std` [`UnixDatagram`].
//!
//! `uds` has no public parser and no public encoder: its walk of the
//! control buffer (`Ancillary`, over `CMSG_FIRSTHDR`/`CMSG_NXTHDR`) and its
//! `recv_ancillary` and `send_ancillary` are in a private module, reached
//! only through `recv_fds`/`send_fds` on its extension traits and on
//! `UnixSeqpacketConn`. So the adapter implements `receive` only.
//!
//! The caller of `recv_fds` does not choose the control buffer's size: it
//! passes a slice for the fds it wants, and `uds` allocates
//! `CMSG_SPACE(4 * n)` bytes for `n` of them (0 bytes for none). The
//! adapter asks for the fds that `control_len` bytes hold (`fds_fitting`:
//! `(control_len - 16) / 4` on 64-bit, none below 20 bytes), as a caller sizes its
//! slice; `uds`'s buffer is then that many fds' `CMSG_SPACE`, which is
//! `control_len` rounded to a multiple of 4 and then up to one of 8 (so 4
//! bytes more than `control_len` at most, and an odd `n` exercises the fd
//! the kernel may add that `recv_fds` closes); the adapter says that size,
//! which the check compares with. `recv_fds`
//! returns raw numbers the caller must close, and never tells its caller
//! about `MSG_CTRUNC` (its `ancillary_truncated` is private), so
//! `truncated` is `None`.
//!
//! The runner's datagram socket is used in place, as a `std`
//! `UnixDatagram` built from its number and never dropped (no `dup`, so
//! that the `RLIMIT_NOFILE` cases have the room they say): `recv_fds` is
//! the same `recvmsg` on it with `uds`'s own buffer and walk.

use std::os::fd::{BorrowedFd, RawFd};

use sockcmsg::conformance::{HandedBack, HandedFd, Implementation};
use uds::UnixDatagramExt;

/// `uds`'s `UnixDatagramExt::recv_fds`.
pub struct Uds;

impl Implementation for Uds {
    fn name(&self) -> String {
        "uds (recv_fds)".to_owned()
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let mut fd_buf: Vec<RawFd> = vec![-1; crate::fds_fitting(control_len)];
        let used = ancillary_buf_len(fd_buf.len());
        // SAFETY: used for the one recvmsg below, while `socket` is
        // borrowed.
        let datagram = unsafe { crate::as_datagram(socket) };
        let received = UnixDatagramExt::recv_fds(&*datagram, &mut [0; 1], &mut fd_buf);
        Some(
            received
                .map(|(_bytes, count)| HandedBack {
                    fds: fd_buf
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

/// The control buffer `recv_fds` receives into for `num_fds` fds, as
/// `AncillaryBuf::with_fd_capacity` sizes it (uds 0.4.2
/// `src/ancillary.rs:226-230`): none for none, else
/// `CMSG_SPACE(num_fds * size_of::<RawFd>())`.
fn ancillary_buf_len(num_fds: usize) -> usize {
    if num_fds == 0 {
        return 0;
    }
    let payload = u32::try_from(num_fds * std::mem::size_of::<RawFd>()).unwrap_or(u32::MAX);
    // SAFETY: CMSG_SPACE only computes with its argument.
    unsafe { libc::CMSG_SPACE(payload) as usize }
}

/// What the findings are, checked against `uds`'s source.
pub const NOTES: &str = r#"Checked by hand against uds 0.4.2 (`src/ancillary.rs`, `src/traits.rs`). `uds` has no public parser and no public encoder (its `ancillary` module is private), so only `fds` and `cloexec` run. `UnixDatagramExt::recv_fds` (traits.rs:447, into ancillary.rs:540) leaks nothing and hands back only descriptors it received. It asks for `MSG_CMSG_CLOEXEC` and refuses a misaligned control buffer (ancillary.rs:499-502).

- **`fds`: the fds past the caller's slice are closed without a word.** `recv_fds` sizes its buffer `CMSG_SPACE(4 * n)` for a slice of `n` fds (ancillary.rs:229-230), which for an odd `n` on 64-bit Linux has 4 bytes of padding: room for one more fd. When more were sent, the kernel installs `n + 1` and, the buffer holding them all, does not set `MSG_CTRUNC`; `recv_fds` copies `n` into the slice and closes the extra one (ancillary.rs:549-561, "we might receive two file descriptors even though we only want one"), and returns only the count. Smallest: 2 fds sent, `recv_fds(&mut buf, &mut [0; 1])` (a 24-byte buffer): `Ok((1, 1))`, the second fd closed, and nothing tells the caller that one more was sent. This is deliberate, and nothing leaks, but a caller that sized its slice for what it expects cannot learn that a peer sent more, the same as when the kernel drops them (below).

Found by reading, not in the table:
- **`MSG_CTRUNC` is never reported.** `Ancillary::ancillary_truncated` is private (ancillary.rs:466-467, "type is not yet exposed"). `recv_fds` returns only `MSG_TRUNC` (ancillary.rs:565), and `UnixDatagramExt::recv_fds` drops even that. The control buffer is sized from `fd_buf.len()` alone (ancillary.rs:544), so with `SO_PASSCRED` on, the 32 bytes of credentials come first and push the fds out. Then `recv_fds(&mut buf, &mut [0; 2])` (a 24-byte buffer) gets 0 of the 2 fds sent, and `Ok((1, 0))`. The kernel has set `MSG_CTRUNC` and discarded them, and the caller cannot tell. The adapter's own run shows this: `control_len` 24 with credentials hands back none.
- **A cut credentials message is read whole.** `Ancillary::next` reads a 12-byte `ucred` from any `SCM_CREDENTIALS` message without checking its length (ancillary.rs:423 `FIXME check payload size?`, read at 430). With `SO_PASSCRED` and a 24-byte buffer, the kernel writes `cmsg_len` 24, which is 8 bytes of data. The read then goes 4 bytes past the slice handed to `recvmsg`. It stays inside `AncillaryBuf`'s 256-byte on-stack array, so nothing faults, and `recv_fds` discards the value.
- **A header shorter than 16 bytes would underflow.** `Ancillary::next` computes `cmsg_len - CMSG_LEN(0)` without checking (ancillary.rs:396). Only buffers the kernel wrote reach it, and the kernel never writes such a header.

**Forged receives** (145). These buffers come from a forged `recvmsg(2)`: Linux writes few of them, but macOS under `MSG_CTRUNC`, gVisor or a seccomp supervisor emulating `recvmsg`, or a kernel bug can. `Ancillary::next` trusts `cmsg_len` (ancillary.rs:395-419), and `recv_fds` keeps `fd_buf.len()` numbers and **closes** the rest (ancillary.rs:553-562):
- **Under 16:** overflow at ancillary.rs:396. It panics again in `Drop for Ancillary` (ancillary.rs:443-453), so the process aborts (73). `00000000000000000100000001000000` + 24 zero bytes.
- **Near `usize::MAX`:** libc's `CMSG_ALIGN` (`linux_like/mod.rs:1770`) overflows in `CMSG_NXTHDR` (ancillary.rs:434) (37). `f8ffffffffffffff0100000001000000abababababababab`.
- **Past the end** (35). The fds are read from beyond the message (ancillary.rs:302). Those kept come back "not open" or "not received", and the rest are closed:
  - `14000000000000000100000001000000e02301db00000000180100000000000001000000010000009ce9303d` closes fds 0 and 1.
  - `10000000010000000100000001000000abababababababab` claims 2^30 fds. It closes words until it reads past the stack: the bare "signal 11" (10).
  - In macOS's shape, `0b010000000000000100000001000000bf52…` (331 bytes) is cut to 328 with `MSG_CTRUNC`. uds takes the 2 fds installed in the bytes that fit, then 4 words from past the buffer.
  - `29000000000000000100000001000000` + 24 zero bytes (`cmsg_len` 41 in 40) gives fd 0 six times.

Reproduce: `cargo xtask conformance --peers uds --only 'forged receives'`.
"#;
