//! The `unix-ancillary` crate: its low-level receive, [`cmsg_recvmsg`] into
//! a [`SocketAncillary`] drained with [`SocketAncillary::messages`], and
//! its encoders, [`SocketAncillary::add_fds`] and
//! [`SocketAncillary::add_credentials`].
//!
//! It has no public parser: its byte walk (`RawMessages`, and
//! `take_received`, which makes `OwnedFd`s of what it finds) is private and
//! runs only on the buffer `cmsg_recvmsg` just received; the one public
//! entry over bytes, `__fuzz_parse`, is hidden, unstable, and returns a
//! count of messages, nothing a user could read. So there is no `parse`.
//!
//! `cmsg_recvmsg` takes the caller's buffer of any length and alignment,
//! so the receive uses exactly `control_len` bytes, and it reports
//! `MSG_CTRUNC` (`RecvResult::truncated`). The convenience receives
//! (`UnixDatagramExt::recv_fds::<N>` and the like) allocate a fixed buffer
//! (room for 253 fds and credentials) and are not what the runner's
//! buffer sizes can probe.
//!
//! The encoders write into a caller's buffer whose used length is not
//! public (it is what `cmsg_sendmsg` sends): the adapter gives them a
//! buffer of exactly `buffer_size_for_rights(n)` (or
//! `buffer_size_for_credentials()`) bytes, as its documentation says to
//! size it, and takes the whole buffer. An fd list with -1 is not encoded:
//! `add_fds` takes `BorrowedFd`s, which cannot hold -1.

use std::io::IoSliceMut;
use std::os::fd::BorrowedFd;

use sockcmsg::conformance::{HandedBack, HandedFd, Implementation};
use unix_ancillary::{cmsg_recvmsg, AncillaryData, ScmCredentials, SocketAncillary};

/// `unix-ancillary`'s `cmsg_recvmsg` and `SocketAncillary`.
pub struct UnixAncillary;

impl Implementation for UnixAncillary {
    fn name(&self) -> String {
        "unix-ancillary (cmsg_recvmsg)".to_owned()
    }

    fn encode_rights(&self, fds: &[i32]) -> Option<Vec<u8>> {
        // SAFETY: `add_fds` only reads each number (`as_raw_fd`) to copy it into the buffer.
        let borrowed = unsafe { crate::numbers_as_borrowed(fds) }?;
        let mut buffer = vec![0; SocketAncillary::buffer_size_for_rights(fds.len())];
        let mut ancillary = SocketAncillary::new(&mut buffer);
        ancillary.add_fds(&borrowed).ok()?;
        drop(ancillary);
        Some(buffer)
    }

    fn encode_credentials(&self, pid: i32, uid: u32, gid: u32) -> Option<Vec<u8>> {
        let mut buffer = vec![0; SocketAncillary::buffer_size_for_credentials()];
        let mut ancillary = SocketAncillary::new(&mut buffer);
        ancillary
            .add_credentials(ScmCredentials::new(pid, uid, gid))
            .ok()?;
        drop(ancillary);
        Some(buffer)
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let mut buffer = vec![0; control_len];
        let mut ancillary = SocketAncillary::new(&mut buffer);
        let mut data = [0; 1];
        let received = cmsg_recvmsg(socket, &mut [IoSliceMut::new(&mut data)], &mut ancillary);
        Some(
            received
                .map(|result| {
                    let mut fds = Vec::new();
                    for message in ancillary.messages() {
                        if let AncillaryData::ScmRights(rights) = message {
                            fds.extend(rights.map(HandedFd::Owned));
                        }
                    }
                    HandedBack {
                        fds,
                        truncated: Some(result.truncated),
                        control_len: None,
                    }
                })
                .map_err(|err| err.to_string()),
        )
    }
}

/// What the findings are, checked against `unix-ancillary`'s source.
pub const NOTES: &str = r#"Checked by hand against unix-ancillary 0.6.1 (`src/ancillary.rs`, `src/cmsg.rs`, `src/lib.rs`). There is no public parser, so only `encoders`, `fds` and `cloexec` run.
- **`encoders`**: `SocketAncillary::add_fds` and `add_credentials` write the model's bytes into a buffer sized with `buffer_size_for_rights(n)` and `buffer_size_for_credentials()`. The list with -1 cannot be a `BorrowedFd`, so it is not run.
- **`fds`**: `cmsg_recvmsg` (lib.rs:150) with exactly `control_len` bytes. It reports `MSG_CTRUNC` correctly (`RecvResult::truncated`, cmsg.rs:92), makes every received fd an `OwnedFd` before returning (`take_received`, called at cmsg.rs:98), and leaks none.

Found by reading, not in the table. These are properties of the private walk `RawMessages` (ancillary.rs:121-150) and `take_received` (ancillary.rs:162-190), which run only on what `recvmsg` just wrote:
- Negative numbers in `SCM_RIGHTS` are skipped (ancillary.rs:102).
- A trailing partial fd is ignored (`chunks_exact`, ancillary.rs:100).
- Credentials under 12 bytes are dropped (ancillary.rs:109).
- Any type other than `SCM_RIGHTS`, `SCM_CREDENTIALS` and `SCM_PIDFD` is dropped. `SCM_PIDFD` descriptors are closed (ancillary.rs:168-173).
- A header whose `cmsg_len` is under 16 or past the end ends the walk silently (ancillary.rs:137-139).

Of these, only the dropped credentials can happen with a kernel-written buffer. With `SO_PASSCRED` on and a 16-27-byte buffer, the kernel cuts the credentials header to fit; the message is dropped, but `RecvResult::truncated` says so.
"#;
