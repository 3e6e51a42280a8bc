//! `nix`'s `recvmsg` as its users call it: `nix::sys::socket::recvmsg` into
//! a control buffer, then `RecvMsg::cmsgs()` and each
//! `ControlMessageOwned::ScmRights(Vec<RawFd>)` taken as the numbers the
//! caller now owns.
//!
//! `receive` only. `nix` has no parse of a buffer it is given: the
//! `CmsgIterator` that `cmsgs()` returns is built only from the `msghdr`
//! inside a `RecvMsg`, whose fields are private, and `ControlMessageOwned`'s
//! decoder (`decode_from`) is private too. Nor does it encode to bytes: its
//! `ControlMessage` is written by `sendmsg`/`sendmmsg` straight into a
//! buffer it hands to the kernel (`encode_into`, `space` and `cmsg_len` are
//! private), so `encode_rights` and `encode_credentials` are not
//! implemented either.
//!
//! Users size the buffer with `cmsg_space!([RawFd; n])` (a `Vec<u8>` of
//! `CMSG_SPACE`); the adapter passes a `Vec<u8>` of exactly `control_len`
//! bytes, which `recvmsg` accepts as is (`Option<&mut [u8]>`), and the flags
//! users pass, none.

use std::io::IoSliceMut;
use std::os::fd::{AsRawFd, BorrowedFd};

use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
use sockcmsg::conformance::{HandedBack, HandedFd, Implementation};

/// `nix::sys::socket::recvmsg` and `RecvMsg::cmsgs()`.
pub struct NixCrate;

impl Implementation for NixCrate {
    fn name(&self) -> String {
        "nix (recvmsg)".to_owned()
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let mut data = [0u8; 1];
        let mut iov = [IoSliceMut::new(&mut data)];
        let mut control = vec![0u8; control_len];
        let msg = match recvmsg::<()>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut control),
            MsgFlags::empty(),
        ) {
            Ok(msg) => msg,
            Err(err) => return Some(Err(format!("recvmsg: {err}"))),
        };
        let truncated = msg.flags.contains(MsgFlags::MSG_CTRUNC);
        let cmsgs = match msg.cmsgs() {
            Ok(cmsgs) => cmsgs,
            Err(err) => {
                return Some(Err(format!(
                    "RecvMsg::cmsgs: {err} (flags {:?})",
                    msg.flags
                )))
            }
        };
        let mut fds = Vec::new();
        for cmsg in cmsgs {
            if let ControlMessageOwned::ScmRights(received) = cmsg {
                fds.extend(received.into_iter().map(HandedFd::Raw));
            }
        }
        Some(Ok(HandedBack {
            fds,
            truncated: Some(truncated),
            control_len: None,
        }))
    }
}

/// What the findings are, checked against `nix`'s source (0.32.0, the lock
/// file's version; paths under `nix-0.32.0/`).
pub const NOTES: &str = r#"
Only `fds` and `cloexec` run: nix parses nothing it is not handed by its own `recvmsg`
(`CmsgIterator` is built only from `RecvMsg`'s private `cmsghdr`/`mhdr`,
`src/sys/socket/mod.rs:692-698`; `ControlMessageOwned::decode_from` is
private, `mod.rs:1015`), and encodes only into the buffer `sendmsg` hands the
kernel (`ControlMessage::encode_into`/`space` are private, `mod.rs:1394`,
`mod.rs:1695`).

**fds: every descriptor the kernel installed is leaked when it set
`MSG_CTRUNC`**: the cases where the kernel installs some but not all of the
fds sent. Smallest:
2 fds sent on a Unix datagram socket, `recvmsg::<()>(fd, &mut iov,
Some(&mut [0u8; 20]), MsgFlags::empty())`. Linux's `scm_detach_fds` installs
the one fd that fits, writes `cmsg_len = CMSG_LEN(4)` = 20 (a well-formed
message) and sets `MSG_CTRUNC`; `recvmsg` returns `Ok`, and
`RecvMsg::cmsgs()` (`mod.rs:705-713`) returns `Err(ENOBUFS)` whenever
`MSG_CTRUNC` is set, without looking at the buffer. That is the only way to
the `ControlMessageOwned::ScmRights(Vec<RawFd>)` (`mod.rs:1023-1032`) that
would give the caller the number to close, and `RecvMsg` has no `Drop`: the
installed fd stays open in the process, unreachable. The same with a buffer
sized by `cmsg_space!([RawFd; 2])` (24 bytes) when the process has room
under `RLIMIT_NOFILE` for only one more fd: the kernel installs 1 of 2 and
sets `MSG_CTRUNC`, and nix leaks it. With `SO_PASSCRED`, the credentials
come first and the same happens to the fds that fit after them (smallest:
2 fds, a 52-byte buffer). A peer that sends more fds than the receiver
sized its buffer for therefore makes the receiver leak descriptors, one
message at a time, until it runs out. Cases where the kernel installs none
(the rights header does not fit) report `ENOBUFS` and leak nothing; cases
without `MSG_CTRUNC` hand back every fd and leak nothing.

The check was added by nix PR #2413 (fixing #2400, "RecvMsg.cmsg() should
check MSG_CTRUNC", CHANGELOG 0.29): on Linux the truncated buffer is still
walkable (the kernel shortens `cmsg_len` to what it wrote), so `cmsgs()`
could iterate it and report the truncation beside it; or, before returning
`ENOBUFS`, walk it and close the `SCM_RIGHTS` fds found.

- **`cloexec`: the fds are not close-on-exec by default.** `recvmsg` passes
  the caller's `MsgFlags` through, and `MSG_CMSG_CLOEXEC`
  (`src/sys/socket/mod.rs:371`) is one the caller must ask for; with
  `MsgFlags::empty()` a program that later execs hands every received fd to
  its child. sockcmsg sets it unless told not to.

**Forged receives** (263). These buffers come from a forged `recvmsg(2)`:
Linux writes few of them, but macOS under `MSG_CTRUNC`, gVisor or a seccomp
supervisor emulating `recvmsg`, or a kernel bug can. macOS's cut shape never
reaches the walk, because `cmsgs()` answers `ENOBUFS` under `MSG_CTRUNC`
(`mod.rs:707-709`). Every finding is an uncut buffer whose `cmsg_len`
`decode_from` trusts: the data length is `header + cmsg_len - CMSG_DATA`
(`mod.rs:1020-1021`), never bounded by the buffer.
- **Under 16:** overflow panic at `mod.rs:1020` (81).
  `00000000000000000000000000000000`.
- **Near `usize::MAX`:** overflow panic there too (45).
  `ffffffffffffffffffffffffffffffff`.
- **Huge:** the bare "aborted: signal 6" is a failed allocation, either
  copying an unknown type's data (`mod.rs:1185-1188`) or
  `Vec::with_capacity` for `SCM_RIGHTS` (`mod.rs:1025`) (97).
  `01180009000027008000ababababababab`. Above `isize::MAX`, the
  `from_raw_parts` precondition aborts at `mod.rs:1185` (12,
  `f85bffffff18ffff000001410000b2abab`), and in 2 more cases the copy at
  `mod.rs:1188` aborts on its no-overlap precondition.
- **Past the end:** `SCM_RIGHTS` reads `(cmsg_len - 16) / 4` numbers
  (`mod.rs:1024-1031`) from beyond the buffer. They come back not open, not
  received, or twice (24).
  `14000000000000000100000001000000000000000000000040000000000000000100000001000000abababababababab`.
  Read from inside the buffer, `29000000000000000100000001000000` + 24 zero
  bytes (`cmsg_len` 41 in 40) gives fd 0 six times (2).

Reproduce: `cargo xtask conformance --peers nix --only 'forged receives'`.

**Undefined behaviour** (AddressSanitizer through the same forged
receives, the receive's control buffer an allocation of exactly the
input's length: `cargo xtask miri --peers nix`). What the check above
cannot see, because no fd is involved: `decode_from` reads a whole
`ucred` (`mod.rs:1036`), `timeval` (`SCM_TIMESTAMP`, `mod.rs:1046`) or
`timespec` (`SCM_TIMESTAMPNS`, `mod.rs:1051`; `SCM_TIMESTAMPING`,
`mod.rs:1067`) whatever `cmsg_len` says, past the end of the buffer:
`10000000000000000100000002000000`, an `SCM_CREDENTIALS` header of
`cmsg_len` 16 alone in 16 bytes, is a 12-byte heap-buffer-overflow at
`mod.rs:1036`. The reads past the end above (`SCM_RIGHTS` at
`mod.rs:1029`, an unknown type's copy at `mod.rs:1188`) are
heap-buffer-overflows there too. ASan's allocator refusing a huge size
is the failed allocation above, not counted.
"#;
