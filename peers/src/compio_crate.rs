//! compio's `CMsgIter` (compio-net), the walk compio's users loop over a
//! control buffer with, over the control region of a multishot recvmsg
//! completion split by the `io-uring` crate's `RecvMsgOut::parse` (the
//! crate compio's driver submits with): each message's data read from
//! `CMsgRef::data` up to `CMsgRef::len`. compio's own `recv_msg` hands its
//! users the control bytes the kernel wrote, and `CMsgIter::new` is how
//! they walk them; it is `unsafe` ("the buffer should contain valid
//! control messages"), which every buffer the kernel writes does. The walk
//! is `c_walk`'s, which says what a finding of the walk means.

use std::mem::size_of;

use compio_net::CMsgIter;
use sockcmsg::conformance::{Implementation, ParsedCompletion, ParsedMessage};

use crate::{c_walk, io_uring_crate};

/// The io-uring crate's split, then `CMsgIter` over the control bytes.
pub struct Compio;

impl Implementation for Compio {
    fn name(&self) -> String {
        "compio CMsgIter".to_owned()
    }

    fn parse_completion(
        &self,
        buf: &[u8],
        name_len: u32,
        control_len: u32,
    ) -> Option<ParsedCompletion> {
        Some(io_uring_crate::split(buf, name_len, control_len, walk))
    }
}

/// `CMsgIter` over `control`, each header it hands out passed to
/// `c_walk`'s checks.
fn walk(control: &[u8]) -> Vec<ParsedMessage> {
    // SAFETY: as compio's users call it, on the control bytes a receive
    // wrote; the runner's isolation takes what a hostile buffer does.
    let mut messages = unsafe { CMsgIter::new(control) };
    // The header behind a message: its data starts one header after it.
    let mut header = move || {
        messages.next().map_or(std::ptr::null_mut(), |msg| {
            // SAFETY: a `u8` needs no alignment; the reference is only
            // turned back into an address.
            let data: *const u8 = unsafe { msg.data::<u8>() };
            data.wrapping_sub(size_of::<libc::cmsghdr>())
                .cast::<libc::cmsghdr>()
                .cast_mut()
        })
    };
    let first = header();
    c_walk::walk_from(control, first, |_| header(), data)
}

/// `CMSG_DATA`, as compio's `CMsgRef::data` reads it (the `libc` crate's).
unsafe extern "C" fn data(cmsg: *const libc::cmsghdr) -> *mut libc::c_uchar {
    // SAFETY: CMSG_DATA only adds the header's size to the pointer.
    unsafe { libc::CMSG_DATA(cmsg) }
}

/// What the findings are, checked against compio's source.
pub const NOTES: &str = r#"Checked against compio-net 0.11.1 (`src/cmsg/mod.rs`, `src/cmsg/unix.rs`):

- **Panics on what the kernel writes (`completions`).** `CMsgIter::new` asserts that the buffer holds `CMSG_SPACE(0)` bytes ("buffer too short") and that it is aligned for `cmsghdr` ("misaligned buffer"), `src/cmsg/unix.rs:53-55`; both panics are documented (`src/cmsg/mod.rs:51-61`). In a completion the control region starts `16 + msg_namelen` bytes into the buffer, so after a 28-byte name region (`sizeof(struct sockaddr_in6)`, an IPv6 receiver's) or a 110-byte one (`sockaddr_un`) it is never aligned, and every completion panics, whatever it holds. A control region into which the kernel wrote nothing (`controllen` 0: no control message, or one cut away with `MSG_CTRUNC`) panics as too short. Smallest inputs: no name, a 7-byte payload and an 8-byte region with `MSG_CTRUNC` (too short); a 28-byte name and one fd (misaligned). A program must check both before each call, or copy the region to an aligned buffer; compio's own receive (`recv_msg`) hands back an aligned control buffer, so this shows when its walk meets io_uring's provided buffers. The same asserts are in compio's newest code, where the walk moved to compio-io's `AncillaryIter` (`compio-io/src/ancillary/sys.rs:138-140` at 9721017).
- **Forged completions.** The split is the io-uring crate's (a `controllen` past the region taken as the region) and the walk the `libc` crate's macros, with their findings (see those rows); compio's `CMsgRef::data` hands out a `&T` at `CMSG_DATA` whatever `cmsg_len` says (`src/cmsg/unix.rs:18-23`), so the program's read of a short message's data goes past it."#;
