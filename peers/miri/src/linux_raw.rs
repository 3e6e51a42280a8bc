//! rustix 1.1.6's `AncillaryDrain::parse` walk as its linux_raw backend (the
//! one the peers' table runs) builds it. Under Miri rustix's build.rs picks
//! its libc backend (`CARGO_CFG_MIRI`), whose `CMSG_*` are the `libc`
//! crate's; so the walk is copied here with the linux_raw backend's
//! `c::CMSG_*`, which are `linux_raw_sys::cmsg_macros::*`
//! (`rustix-1.1.6/src/backend/linux_raw/c.rs:77`), called directly.
//!
//! Copied from `rustix-1.1.6/src/net/send_recv/msg.rs`, the code unchanged
//! but for names: `messages::Messages` (lines 932-1000), `AncillaryDrain`'s
//! `parse`, `advance`, `cvt_msg` and `next` (lines 529-604), and
//! `AncillaryIter`'s `next` and `Drop` (lines 830-875), with
//! `RecvAncillaryMessage` cut to the two variants `cvt_msg` makes on Linux.
//! rustix's own `UCred` is read, as `cvt_msg` reads it. [`walk`] is the
//! rustix adapter's loop (`peers/src/rustix_crate.rs::walk`) over it.

// The casts and conversions are rustix's, kept as written (they are not
// no-ops on every target rustix builds for).
#![allow(clippy::unnecessary_cast, clippy::useless_conversion)]

use std::iter::FusedIterator;
use std::marker::PhantomData;
use std::mem::{size_of, take, MaybeUninit};
use std::os::fd::{IntoRawFd, OwnedFd};
use std::ptr::NonNull;
use std::slice;

use linux_raw_sys::cmsg_macros::{CMSG_DATA, CMSG_FIRSTHDR, CMSG_LEN, CMSG_NXTHDR};
use linux_raw_sys::net::{cmsghdr, msghdr, SCM_CREDENTIALS, SCM_RIGHTS, SOL_SOCKET};
use rustix::net::UCred;

/// The rustix adapter's loop (`rustix_crate::walk`), over this drain: each
/// fd taken with `into_raw_fd` (none closed), each credential's pid read.
pub fn walk(buf: &mut [u8]) -> u64 {
    let mut sum = 0u64;
    for msg in AncillaryDrain::parse(buf) {
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
        }
    }
    sum
}

/// `RecvAncillaryMessage`, the variants `cvt_msg` makes on Linux.
pub enum RecvAncillaryMessage<'a> {
    ScmRights(AncillaryIter<'a, OwnedFd>),
    ScmCredentials(UCred),
}

/// `AncillaryDrain`, as `parse` makes it (no `read_and_length`).
pub struct AncillaryDrain<'buf> {
    messages: Messages<'buf>,
}

impl<'buf> AncillaryDrain<'buf> {
    /// msg.rs:529.
    pub fn parse(buffer: &'buf mut [u8]) -> Self {
        Self {
            messages: Messages::new(buffer),
        }
    }

    /// msg.rs:537, without the `read_and_length` that `parse` leaves `None`.
    fn advance(msg: &cmsghdr, space: usize) -> Option<RecvAncillaryMessage<'buf>> {
        let msg_len = (msg.cmsg_len as usize).min(space);
        Self::cvt_msg(msg, msg_len)
    }

    /// msg.rs:558.
    fn cvt_msg(msg: &cmsghdr, msg_len: usize) -> Option<RecvAncillaryMessage<'buf>> {
        unsafe {
            let payload = CMSG_DATA(msg);
            let payload_len = msg_len.checked_sub(CMSG_LEN(0) as usize)?;

            let (level, msg_type) = (msg.cmsg_level, msg.cmsg_type);
            match (level as u32, msg_type as u32) {
                (SOL_SOCKET, SCM_RIGHTS) => {
                    let payload_len = payload_len - payload_len % size_of::<OwnedFd>();
                    let payload: &'buf mut [u8] = slice::from_raw_parts_mut(payload, payload_len);
                    let fds = AncillaryIter::new(payload);
                    Some(RecvAncillaryMessage::ScmRights(fds))
                }
                (SOL_SOCKET, SCM_CREDENTIALS) => {
                    if payload_len >= size_of::<UCred>() {
                        let ucred = payload.cast::<UCred>().read_unaligned();
                        Some(RecvAncillaryMessage::ScmCredentials(ucred))
                    } else {
                        None
                    }
                }
                _ => None,
            }
        }
    }
}

impl<'buf> Iterator for AncillaryDrain<'buf> {
    type Item = RecvAncillaryMessage<'buf>;

    /// msg.rs:601.
    fn next(&mut self) -> Option<Self::Item> {
        self.messages
            .find_map(|(msg, space)| Self::advance(msg, space))
    }
}

/// msg.rs:830.
pub struct AncillaryIter<'data, T> {
    data: &'data mut [u8],
    _marker: PhantomData<T>,
}

impl<'data, T> AncillaryIter<'data, T> {
    /// msg.rs:843.
    unsafe fn new(data: &'data mut [u8]) -> Self {
        assert_eq!(data.len() % size_of::<T>(), 0);
        Self {
            data,
            _marker: PhantomData,
        }
    }
}

impl<T> Drop for AncillaryIter<'_, T> {
    /// msg.rs:855.
    fn drop(&mut self) {
        self.for_each(drop);
    }
}

impl<T> Iterator for AncillaryIter<'_, T> {
    type Item = T;

    /// msg.rs:863.
    fn next(&mut self) -> Option<Self::Item> {
        if self.data.len() < size_of::<T>() {
            return None;
        }
        let item = unsafe { self.data.as_ptr().cast::<T>().read_unaligned() };
        let data = take(&mut self.data);
        self.data = &mut data[size_of::<T>()..];
        Some(item)
    }
}

/// `messages::Messages`, msg.rs:932.
struct Messages<'buf> {
    msghdr: msghdr,
    header: Option<NonNull<cmsghdr>>,
    _buffer: PhantomData<&'buf mut [MaybeUninit<u8>]>,
}

impl<'buf> Messages<'buf> {
    /// msg.rs:951 (`msghdr::zero_msghdr()` is linux_raw's, all zero).
    fn new(buf: &'buf mut [u8]) -> Self {
        let mut msghdr = msghdr {
            msg_name: std::ptr::null_mut(),
            msg_namelen: 0,
            msg_iov: std::ptr::null_mut(),
            msg_iovlen: 0,
            msg_control: std::ptr::null_mut(),
            msg_controllen: 0,
            msg_flags: 0,
        };
        msghdr.msg_control = buf.as_mut_ptr().cast();
        msghdr.msg_controllen = buf.len().try_into().expect("buffer too large for msghdr");
        let header = NonNull::new(unsafe { CMSG_FIRSTHDR(&msghdr) });
        Self {
            msghdr,
            header,
            _buffer: PhantomData,
        }
    }
}

impl<'a> Iterator for Messages<'a> {
    type Item = (&'a mut cmsghdr, usize);

    /// msg.rs:973.
    fn next(&mut self) -> Option<Self::Item> {
        let header = self.header?;
        let end = (self.msghdr.msg_control as usize) + (self.msghdr.msg_controllen as usize);
        let space = end.saturating_sub(header.as_ptr() as usize);
        self.header = NonNull::new(unsafe { CMSG_NXTHDR(&self.msghdr, header.as_ptr()) });
        if Some(header) == self.header {
            self.header = None;
        }
        Some((unsafe { &mut *header.as_ptr() }, space))
    }
}

impl FusedIterator for Messages<'_> {}
