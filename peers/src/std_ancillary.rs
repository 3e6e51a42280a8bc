//! The standard library's `SocketAncillary` (unstable: `#![feature(unix_socket_ancillary_data)]`,
//! tracking issue rust-lang/rust#76915), as its users call it: a
//! `SocketAncillary` over a control buffer, `UnixDatagram::recv_vectored_with_ancillary`,
//! then `messages()`, each `AncillaryData::ScmRights` iterated for its fds;
//! and `add_fds` / `add_creds` for the encoders.
//!
//! Built only with this crate's feature `nightly` (on a nightly toolchain:
//! `cargo +nightly run -p sockcmsg-peers --features nightly --bin conformance -- --peers std`),
//! which `cargo xtask conformance` turns on. Without it (any stable build)
//! the peer is still listed, named
//! `std SocketAncillary (nightly only: not built)`, and every method
//! answers `None`, so the table says it was not run and why.
//!
//! There is no `parse`: `SocketAncillary::new` starts empty (its length is
//! 0) and only a receive or an `add_*` sets the length that `messages()`
//! walks, so a buffer from elsewhere cannot be handed to its parser through
//! the public API.

#[cfg(feature = "nightly")]
use std::os::fd::BorrowedFd;

use sockcmsg::conformance::Implementation;
#[cfg(feature = "nightly")]
use sockcmsg::conformance::{HandedBack, HandedFd};

/// `std::os::unix::net::SocketAncillary`.
pub struct StdAncillary;

#[cfg(not(feature = "nightly"))]
impl Implementation for StdAncillary {
    fn name(&self) -> String {
        "std SocketAncillary (nightly only: not built)".to_owned()
    }
}

#[cfg(feature = "nightly")]
impl Implementation for StdAncillary {
    fn name(&self) -> String {
        "std SocketAncillary (nightly)".to_owned()
    }

    fn encode_rights(&self, fds: &[i32]) -> Option<Vec<u8>> {
        let mut buffer = vec![0; 8192];
        let mut ancillary = std::os::unix::net::SocketAncillary::new(&mut buffer);
        if !ancillary.add_fds(fds) {
            return None;
        }
        let len = ancillary.len();
        buffer.truncate(len);
        Some(buffer)
    }

    fn encode_credentials(&self, pid: i32, uid: u32, gid: u32) -> Option<Vec<u8>> {
        let mut cred = std::os::unix::net::SocketCred::new();
        cred.set_pid(pid);
        cred.set_uid(uid);
        cred.set_gid(gid);
        let mut buffer = vec![0; 64];
        let mut ancillary = std::os::unix::net::SocketAncillary::new(&mut buffer);
        if !ancillary.add_creds(&[cred]) {
            return None;
        }
        let len = ancillary.len();
        buffer.truncate(len);
        Some(buffer)
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        use std::io::IoSliceMut;
        use std::os::unix::net::{AncillaryData, SocketAncillary};

        // SAFETY: used for this call only, while `socket` is borrowed.
        let socket = unsafe { crate::as_datagram(socket) };
        let mut buffer = vec![0; control_len];
        let mut ancillary = SocketAncillary::new(&mut buffer);
        let mut data = [0; 1];
        let received =
            socket.recv_vectored_with_ancillary(&mut [IoSliceMut::new(&mut data)], &mut ancillary);
        Some(match received {
            Ok(_) => {
                let fds = ancillary
                    .messages()
                    .filter_map(|msg| match msg {
                        Ok(AncillaryData::ScmRights(rights)) => Some(rights),
                        _ => None,
                    })
                    .flatten()
                    .map(HandedFd::Raw)
                    .collect();
                Ok(HandedBack {
                    fds,
                    truncated: Some(ancillary.truncated()),
                    control_len: None,
                })
            }
            Err(err) => Err(err.to_string()),
        })
    }
}

/// What the findings are, checked against the standard library's source.
pub const NOTES: &str = r#"Checked by hand against `library/std/src/os/unix/net/ancillary.rs` of rustc 1.97.0-nightly (e50aa6fba 2026-05-19), whose lines are cited. `encoders`: `add_fds` and `add_creds` write one `CMSG_SPACE`-long message with zeroed padding (`add_to_ancillary_data`, lines 90-160). `fds`: the fds the kernel installed are handed back by `messages()`' `ScmRights` (raw numbers the caller must close), and `truncated()` is `MSG_CTRUNC` (`recv_vectored_with_ancillary_from`, lines 53-54). `cloexec`: the receive is std's `Socket::recv_msg`, which on Linux passes `MSG_CMSG_CLOEXEC` to `recvmsg`. The parse checks cannot run: `SocketAncillary::new` (line 626) starts with length 0, only a receive or `add_*` sets it, and `messages()` walks `buffer[..length]` (line 654), so no buffer from elsewhere reaches the parser through the public API.

From reading the source, not from the runner:

- Alignment: `SocketAncillary::new` takes any `&mut [u8]`, such as the `[0; 128]` of its own examples (alignment 1). Yet `Messages::next` turns the `CMSG_FIRSTHDR`/`CMSG_NXTHDR` pointer into a `&libc::cmsghdr` (`cmsg.as_ref()`, line 558), and `add_to_ancillary_data` writes the header through it (lines 151-153). On a misaligned buffer that is a misaligned reference, which is undefined behaviour. This is known: rust-lang/rust#139861 ("SocketAncillary doesn't ensure the control buffer is aligned at least as much as cmsghdr"). The adapter's buffers are `Vec`s (malloc-aligned), so the runner does not exercise it.
- `AncillaryData::try_from_cmsghdr` computes `(*cmsg).cmsg_len as usize - CMSG_LEN(0)` unchecked (line 509) and then calls `from_raw_parts` with it. A `cmsg_len` below 16 (which the kernel never writes, and which the public API cannot put in the buffer) would wrap that to a huge slice. It is not reachable today, but it would be if a constructor over external bytes were added.
- `ScmRights` and `ScmCredentials` yield only whole items (`AncillaryDataIter::next`, line 182): a partial fd is dropped, and credentials shorter than 12 bytes yield nothing, silently. The kernel writes these only into a truncated buffer, where `truncated()` is true.
- A message of another type is an `Err(AncillaryError::Unknown)` from `messages()` (lines 522-527), not dropped.

**Forged receives** (its own `recv_vectored_with_ancillary_from` given buffers from a forged `recvmsg`, which Linux writes few of: `cargo xtask conformance --peers std --only 'forged receives'`). The std in the toolchain is built without overflow checks, so `try_from_cmsghdr`'s `let data_len = (*cmsg).cmsg_len as usize - cmsg_len_zero;` (line 509) wraps on a `cmsg_len` below `CMSG_LEN(0)`, and line 511 makes a slice of it (`from_raw_parts(data, data_len)`): reading its fds faults (`00000000000000000100000001000000`: signal 11), as it does for a `cmsg_len` past the buffer (`10000000010000000100000001000000abababababababab`). `Messages::next` walks with the libc crate's `CMSG_NXTHDR` (line 553), which checks that the next header fits, not its length: a header whose `cmsg_len` passes the end is handed over whole, and its `ScmRights` reads numbers past the buffer or from bytes no one installed (`29000000000000000100000001000000` and 24 zero bytes, `cmsg_len` 41 in 40 bytes: six fds 0 handed back; with more after it, numbers that are not open at all). The undefined behaviour column has the same slice under Miri (line 511, Stacked Borrows) and, at an odd address, the libc crate's misaligned read that `add_fds` reaches first. That read is why Miri does not show rust-lang/rust#139861's misaligned `&cmsghdr` of `Messages::next` (line 558): a `SocketAncillary` gets a length only from `add_fds`/`add_creds`, whose walk reads the misaligned header through the libc crate's `CMSG_NXTHDR` first (line 137), or from a receive, which Miri cannot make (`can't call foreign function recvmsg on OS linux`, Miri e50aa6fb 2026-05-19); and outside Miri nothing checks the reference's alignment, std being built without debug assertions. It stands by reading line 558."#;
