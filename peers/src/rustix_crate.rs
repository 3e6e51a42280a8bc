//! `rustix`'s ancillary-data API as its users call it:
//!
//! - `parse`: `AncillaryDrain::parse`, the public constructor for "control
//!   messages that were received without `RecvAncillaryBuffer`", over a
//!   copy of the buffer placed at the input's own alignment (so the
//!   `unaligned` probes reach it unaligned, as a user's `Vec<u8>` or a
//!   slice into a larger buffer may). It is `unsafe` with the contract "the
//!   buffer must contain valid message data (or be empty)": hostile
//!   buffers are outside that contract, and what it does with them is the
//!   hardening question. Each `RecvAncillaryMessage::ScmRights` is drained
//!   with `into_raw_fd()`, so no number the probes use is closed;
//!   `ScmCredentials` is reported as credentials. The drain yields nothing
//!   else: a message of any other type is skipped, with no way for the
//!   caller to see it.
//! - `encode_rights`/`encode_credentials`: `SendAncillaryBuffer::push` of
//!   `SendAncillaryMessage::ScmRights`/`ScmCredentials`. The buffer's used
//!   length is private, but the buffer is the caller's: the adapter hands
//!   `SendAncillaryBuffer::new` an aligned buffer of each length from 0 up,
//!   and the first that `push` accepts holds exactly the bytes `sendmsg`
//!   would pass (`push` fails exactly when the message does not fit, and
//!   fills what it takes). Numbers `rustix`'s types cannot hold are not
//!   encoded (`None`): fd -1 (`BorrowedFd`), pid 0 or below (`Pid` is
//!   non-zero and debug-asserts non-negative), uid or gid `u32::MAX`
//!   (`Uid::from_raw` debug-asserts not -1).
//! - `receive`: `rustix::net::recvmsg` with a `RecvAncillaryBuffer` over
//!   exactly `control_len` aligned bytes (`RecvAncillaryBuffer::new` would
//!   otherwise skip up to 7 bytes to align; users size it with
//!   `cmsg_space!`), no flags; every fd of `drain()`'s `ScmRights` handed
//!   back owned, and `ReturnFlags::CTRUNC` as the truncation.

use std::io::IoSliceMut;
use std::mem::{align_of, MaybeUninit};
use std::os::fd::{BorrowedFd, IntoRawFd};

use rustix::net::{
    recvmsg, AncillaryDrain, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags,
    SendAncillaryBuffer, SendAncillaryMessage, UCred,
};
use rustix::process::{Gid, Pid, Uid};
use sockcmsg::conformance::{HandedBack, HandedFd, Implementation, Parsed, ParsedMessage, Payload};

/// `AncillaryDrain::parse` over the buffer in place, as its users drain
/// one: each fd taken (`into_raw_fd`, so none is closed), each credential
/// read. Returns the sum of the fds and pids.
///
/// # Safety
///
/// `buf` holds well-formed messages (`AncillaryDrain::parse`'s contract),
/// aligned; its fd numbers are not closed, whoever owns them.
pub(crate) unsafe fn walk(buf: &mut [u8]) -> u64 {
    let mut sum = 0u64;
    // SAFETY: the caller's contract is parse's.
    for msg in unsafe { AncillaryDrain::parse(buf) } {
        match msg {
            RecvAncillaryMessage::ScmRights(mut fds) => {
                for fd in fds.by_ref() {
                    sum = sum.wrapping_add(fd.into_raw_fd() as u64);
                }
                std::mem::forget(fds);
            }
            RecvAncillaryMessage::ScmCredentials(cred) => {
                sum = sum.wrapping_add(cred.pid.as_raw_nonzero().get() as u64);
            }
            _ => {}
        }
    }
    sum
}

/// `rustix::net`'s `AncillaryDrain::parse`, `SendAncillaryBuffer::push` and
/// `recvmsg`.
pub struct RustixCrate;

impl Implementation for RustixCrate {
    fn name(&self) -> String {
        "rustix (net)".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        let offset = (buf.as_ptr() as usize) % align_of::<libc::cmsghdr>();
        let mut backing = vec![0u8; buf.len() + 2 * align_of::<libc::cmsghdr>()];
        let start = aligned_start(backing.as_ptr() as usize) + offset;
        let copy = &mut backing[start..start + buf.len()];
        copy.copy_from_slice(buf);
        // SAFETY: `copy` is initialized memory we own for the whole walk.
        // The contract asks for "valid message data": the runner's hostile
        // buffers break it on purpose, which is the question asked. Every
        // fd yielded is taken with `into_raw_fd`, so none is closed.
        let drain = unsafe { AncillaryDrain::parse(copy) };
        let mut msgs = Vec::new();
        for msg in drain {
            match msg {
                RecvAncillaryMessage::ScmRights(mut fds) => {
                    let mut numbers = Vec::new();
                    for fd in fds.by_ref() {
                        numbers.push(fd.into_raw_fd());
                    }
                    // What the iterator still holds (it stops early on an
                    // fd of -1, see the notes) its `Drop` would close: the
                    // numbers are the probe's, not ours.
                    std::mem::forget(fds);
                    msgs.push(ParsedMessage {
                        level: libc::SOL_SOCKET,
                        kind: libc::SCM_RIGHTS,
                        payload: Payload::Fds(numbers),
                    });
                }
                RecvAncillaryMessage::ScmCredentials(cred) => msgs.push(ParsedMessage {
                    level: libc::SOL_SOCKET,
                    kind: libc::SCM_CREDENTIALS,
                    payload: Payload::Credentials {
                        pid: cred.pid.as_raw_nonzero().get(),
                        uid: cred.uid.as_raw(),
                        gid: cred.gid.as_raw(),
                    },
                }),
                // `RecvAncillaryMessage` is non-exhaustive; on Linux it has
                // no other variant.
                _ => {}
            }
        }
        Some(Parsed::Messages(msgs))
    }

    fn encode_rights(&self, fds: &[i32]) -> Option<Vec<u8>> {
        // SAFETY: `push` only copies the numbers into the buffer into the buffer.
        let borrowed = unsafe { crate::numbers_as_borrowed(fds) }?;
        encode(|| SendAncillaryMessage::ScmRights(&borrowed))
    }

    fn encode_credentials(&self, pid: i32, uid: u32, gid: u32) -> Option<Vec<u8>> {
        if pid <= 0 || uid == u32::MAX || gid == u32::MAX {
            return None;
        }
        let cred = UCred {
            pid: Pid::from_raw(pid)?,
            uid: Uid::from_raw(uid),
            gid: Gid::from_raw(gid),
        };
        encode(|| SendAncillaryMessage::ScmCredentials(cred))
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let mut data = [0u8; 1];
        let mut iov = [IoSliceMut::new(&mut data)];
        let mut space = aligned_space(control_len);
        let start = aligned_start(space.as_ptr() as usize);
        let mut control = RecvAncillaryBuffer::new(&mut space[start..start + control_len]);
        let msg = match recvmsg(socket, &mut iov, &mut control, RecvFlags::empty()) {
            Ok(msg) => msg,
            Err(err) => return Some(Err(format!("recvmsg: {err}"))),
        };
        let mut fds = Vec::new();
        for cmsg in control.drain() {
            if let RecvAncillaryMessage::ScmRights(received) = cmsg {
                fds.extend(received.map(HandedFd::Owned));
            }
        }
        Some(Ok(HandedBack {
            fds,
            truncated: Some(msg.flags.contains(ReturnFlags::CTRUNC)),
            control_len: None,
        }))
    }
}

/// A buffer with room for `len` bytes from a `cmsghdr`-aligned start.
fn aligned_space(len: usize) -> Vec<MaybeUninit<u8>> {
    vec![MaybeUninit::new(0); len + align_of::<libc::cmsghdr>()]
}

/// How far past `addr` the next `cmsghdr`-aligned address is.
fn aligned_start(addr: usize) -> usize {
    addr.next_multiple_of(align_of::<libc::cmsghdr>()) - addr
}

/// The bytes `SendAncillaryBuffer` holds after pushing the message `make`
/// builds: those of the smallest aligned buffer `push` accepts it in.
fn encode<'slice, 'fd: 'slice>(
    make: impl Fn() -> SendAncillaryMessage<'slice, 'fd>,
) -> Option<Vec<u8>> {
    // `size()` is `cmsg_space!`, which has room to align: an upper bound.
    let most = make().size();
    (0..=most).find_map(|len| {
        let mut space = aligned_space(len);
        let start = aligned_start(space.as_ptr() as usize);
        let mut buffer = SendAncillaryBuffer::new(&mut space[start..start + len]);
        if !buffer.push(make()) {
            return None;
        }
        Some(
            space[start..start + len]
                .iter()
                // SAFETY: `aligned_space` initialized every byte.
                .map(|byte| unsafe { byte.assume_init() })
                .collect(),
        )
    })
}

/// What the findings are, checked against `rustix`'s source (1.1.6, the lock
/// file's version, `linux_raw` backend, whose `CMSG_*` are
/// `linux-raw-sys` 0.12.1's `cmsg_macros`). `msg.rs` is
/// `rustix-1.1.6/src/net/send_recv/msg.rs`; `lrs` is
/// `linux-raw-sys-0.12.1/src/lib.rs`.
pub const NOTES: &str = r#"
The page's run is a debug build (overflow checks and debug assertions on, as
in `cargo test`); what a release build does instead is said where it
differs. The `go-vectors` and `corpus` findings are the classes below (one
finding may show several): unknown type dropped, length past the end
accepted, fd -1 ending the fds, partial fd dropped, short credentials
dropped, length below a header ending the walk, overflow panic, unpadded
last message dropped.

**Kernel-written buffers (in `AncillaryDrain::parse`'s contract): a last
message the kernel left unpadded is dropped, and on the receive path its fds
leak.** `kernel` and `fds`. When the
control buffer ends between `CMSG_LEN` and `CMSG_SPACE` of the last message,
Linux's `put_cmsg`/`scm_detach_fds` advance by `min(CMSG_SPACE, room)`, so
`msg_controllen` ends at the message's unpadded end. Smallest: credentials
then one fd, 52 bytes,
`1c0000000000000001000000020000009f5e00000000000000000000000000001400000000000000010000000100000006000000`:
rustix yields the credentials only. `Messages::next`
(`msg.rs:984`) asks `CMSG_NXTHDR` for the next header, and
`linux-raw-sys`'s (`lrs:154-155`, like glibc's) refuses a next header whose
`CMSG_ALIGN(cmsg_len)` passes `msg_controllen`; the kernel's own walk and
the `libc` crate's Linux `CMSG_NXTHDR` only ask that the header fit. Through
`recvmsg`: `SO_PASSCRED` on, 1 fd sent, a `RecvAncillaryBuffer` of 52..=55
bytes. The kernel installs the fd and does not set `MSG_CTRUNC`; `drain()`
yields only the credentials; then `Drop for RecvAncillaryBuffer`
(`msg.rs:490-494`) drains again from `read`, which `AncillaryDrain::advance`
moved by the unpadded `cmsg_len` (`msg.rs:550-551`: 28 for credentials), not
to the next header (32). The second walk starts mid-padding: in a debug
build `Messages::next` makes a `&mut cmsghdr` at a misaligned address
(`msg.rs:992`) and the process aborts ("misaligned pointer dereference",
every `fds` finding); in a release build it reads a garbage
header, yields nothing, and the kernel-installed fds are never handed out
nor closed (the same cases report "leaked 1 fds" or "leaked 3 fds" when
the binary is built with `--release`). Same for 2-4 fds with `SO_PASSCRED`
and a 52..=55 or 60..=63-byte buffer. Buffers whose length is a multiple of
8 never end a message unpadded; `cmsg_space!` sizes are, but
`RecvAncillaryBuffer::new` trims an unaligned `[MaybeUninit<u8>; N]` by up
to 7 bytes (`align_for_cmsghdr`, `msg.rs:499-509`), which makes them not.

The `read` offset also breaks the drop-closes-the-rest guarantee on its own,
whatever the buffer (checked outside the runner, which drains everything):
`SO_PASSCRED`, 1 fd, a buffer of `cmsg_space!(ScmRights(1),
ScmCredentials(1))` = 72 bytes, the caller takes the credentials with
`drain().next()` and drops the buffer: debug aborts at `msg.rs:992`, release
leaks the fd. Advancing `read` by `CMSG_ALIGN(msg_len)` (clamped to the
length), with linux-raw-sys's `CMSG_NXTHDR` asking only that the next
header fit, fixes both: the report, its tests and the two patches are in
[findings/rustix-unpadded-last-message.md](findings/rustix-unpadded-last-message.md),
and `cargo xtask fixed` shows the row without these findings and with no
new one.

The other `kernel` findings are credentials the kernel truncated under
`MSG_CTRUNC` (data shorter than 12 bytes): dropped, see short credentials;
`recvmsg` callers see `ReturnFlags::CTRUNC`.

**Messages it does not know are dropped.** `unknown types`, `go-vectors`
and `corpus`. Smallest: `10000000000000002900000032000000`
(level 41, type 50, no data): no message. `AncillaryDrain::cvt_msg` returns
`None` for anything but `SCM_RIGHTS` and `SCM_CREDENTIALS` (`msg.rs:592`) and
`next` skips it (`find_map`, `msg.rs:601-604`); `RecvAncillaryMessage` has no
variant for the rest (rustix issue #1094).

**Short credentials are dropped.** `short credentials` (longer ones
are read from their first 12 bytes, as the model does). Smallest:
`10000000000000000100000002000000`: no message (`msg.rs:585-590`).

**A partial fd is dropped silently.** `partial fd`. Smallest:
`110000000000000001000000010000000100000000000000` (`SCM_RIGHTS`, 1 byte):
an `ScmRights` with no fds; 5 bytes give 1 fd. `msg.rs:573` rounds the
payload down to whole fds (added for macOS, where `cmsg_len` is not
shortened on truncation; Linux never writes a partial fd).

**The length of a header is not checked** (the walk has no error to
report):
- below the header (`hostile lengths`, `short input`, `properties`,
  `go-vectors`, `corpus`): `00000000000000000000000000000000` gives no
  message and no error. `cvt_msg` skips a message shorter than a header
  (`checked_sub`, `msg.rs:565`) and `CMSG_NXTHDR` ends the walk there
  (`lrs:150-152`): that message and every one after it vanish, those
  before are kept.
- past the end (`hostile lengths`, `go-vectors`, `corpus`):
  `advance` clamps `cmsg_len` to the buffer (`msg.rs:546`, for macOS), so
  the rest of the buffer is read as the message's data:
  `1c0000000000000001000000010000000300000000000000` (24 bytes,
  `cmsg_len` 28) gives fds `[3, 0]`, the 0 being the bytes after the
  message's one fd (checked outside the runner); the runner's 40-byte
  `29000000…` gives six fds 0. Through `AncillaryIter` these are
  `OwnedFd`s the caller will close.
- `CMSG_NXTHDR` casts the 64-bit `cmsg_len` to `c_uint` (`lrs:147`), so a
  `cmsg_len` of 2^32 + 16 advances by 16: its clamped data is reported, and
  the walk then reads that data as the next header (`hostile lengths`
  `1000000001000000…`).
- a `cmsg_len` whose low 32 bits are 0xfffffff8 or more panics, "attempt to
  add with overflow", in `CMSG_ALIGN` (`lrs:118`, `len + 8 - 1` in `u32`)
  called from `CMSG_NXTHDR` (`lrs:147` or `lrs:155`): `hostile lengths`,
  `short input` (`ffffffffffffffffffffffffffffffff`), `unaligned`,
  `go-vectors`, `corpus`. In release the sum wraps to 0, `CMSG_NXTHDR`
  returns the same header, and `Messages::next` ends the walk
  (`msg.rs:986-989`).

**An fd of -1 ends the fds and the rest are closed.** `negative fds`,
`go-vectors`, `corpus`. Smallest:
`14000000000000000100000001000000ffffffff00000000`: an `ScmRights` with no
fds. `AncillaryIter::next` reads each fd as an `OwnedFd`
(`read_unaligned`, `msg.rs:870`); -1 is `OwnedFd`'s niche, so the value is
invalid (undefined behaviour) and in practice `Some(fd)` is `None`: the
caller's loop ends, and `AncillaryIter`'s `Drop` (`msg.rs:854-857`) then
takes and closes the fds after it (the adapter forgets the iterator to keep
the probe's numbers open). The kernel never writes -1.

**Unaligned buffers abort.** `unaligned` (the findings that are not aborts
are the overflow above). `AncillaryDrain::parse` (`msg.rs:529-534`) takes
the buffer as it is, unlike `RecvAncillaryBuffer::new`, which aligns it;
`Messages::next` then makes a `&mut cmsghdr` at the misaligned address
(`msg.rs:992`): undefined behaviour, and a debug build aborts. Its contract
says "valid message data" and nothing of alignment, and a `&mut [u8]` has
none. In release the unaligned probes give the findings the aligned probes
give, the overflow panics becoming lengths past the end accepted.

**Passed:** `tail`, `encoders` (rights `[]`, `[0]`, `[3, 4]`, 253 fds,
credentials `(1, 0, 0)`, bytes equal to the model's).
Not encoded: fd -1 (`BorrowedFd` cannot hold it), pid -1 and uid
`u32::MAX` (`Pid::from_raw` and `Uid::from_raw` debug-assert against
them).

- **`cloexec`: the fds are not close-on-exec by default.** `recvmsg` takes
  `RecvFlags`, and `RecvFlags::CMSG_CLOEXEC` is the caller's to ask for;
  with `RecvFlags::empty()` a program that later execs hands every received
  fd to its child.

**Forged receives** (522). These buffers come from a forged `recvmsg(2)`:
Linux writes few of them, but macOS under `MSG_CTRUNC`, gVisor or a seccomp
supervisor emulating `recvmsg`, or a kernel bug can. The adapter's buffer is
the input's length, so no input is cut. Most findings are the `read` offset
above, reached by buffers Linux does not write:
- **The second drain aborts** (417). `Drop for RecvAncillaryBuffer`
  (`msg.rs:490-494`) drains again from `read`, which moved by unpadded
  lengths (`msg.rs:550-551`), and `msg.rs:992` makes a misaligned
  `&mut cmsghdr`. Examples:
  `140000000000000001000000010000000194357700000000eeeeeeeeeeeeeeeeeeeeeeee`
  (accepted: one fd, then 12 bytes), or a `cmsg_len` of 1-15
  (`01000000000000000100000001000000` + 24 zero bytes).
- **When that offset is 8-aligned,** the second drain closes fds already
  handed out as `OwnedFd` ("not open", 10; smallest 164 bytes,
  `14000000000000000000360101000000000000fa…`). An unpadded last message
  refused by `lrs:154-155` has its fds leaked or closed unseen (10):
  `140000000000000001000000010000000000000a000000001400000000000000010000000100000000000200000032001400000000000000010000000100000000010100`.
- **Overflow** in `CMSG_ALIGN` at `lrs:118` (52).
  `ffffffffffffffffffffffffffffffff`.
- **`length` underflow** at `msg.rs:551` (26). `lrs:147` cuts `cmsg_len` to
  `u32`, so a `cmsg_len` of 2^32+16 steps 16 bytes while the clamp takes the
  rest:
  `14000000000000000100000001000000019435770000000010000000010000000100000001000000180000000000000001000000010000000294357703943577`.
- **The clamp** (`msg.rs:546`, meant for macOS's cut buffers), applied to an
  uncut buffer, makes fds of the bytes that follow (7).
  `29000000000000000100000001000000` + 24 zero bytes gives six `OwnedFd(0)`.

Reproduce:
`cargo xtask conformance --peers rustix --only 'forged receives'`.
"#;
