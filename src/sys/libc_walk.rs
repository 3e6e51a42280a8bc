//! The C library's walk over a control buffer: `CMSG_FIRSTHDR`, then
//! `CMSG_NXTHDR` until it returns null, over an aligned copy. The fuzz
//! harness (`check::libc_walk`) compares it with the codec's walk.
//!
//! With glibc, `CMSG_NXTHDR` is glibc's own, `__cmsg_nxthdr`, which the C
//! macro calls: what a C program receiving the buffer sees. Its rule for an
//! unpadded last message depends on the glibc (see `check::libc_walk`).
//! The `libc` crate's Rust copy of glibc's `CMSG_NXTHDR` is not used: it
//! too changed (0.2.174 drops an unpadded last message, 0.2.186 keeps it),
//! and the point is what C programs do.
//!
//! musl has `CMSG_NXTHDR` only as a macro in `sys/socket.h`, with no
//! function to call; the `libc` crate's musl `CMSG_NXTHDR` is a copy of
//! that macro, its `>=` end rule included (a next header must end before
//! the buffer's last byte, so a bare header that ends exactly at the end
//! is not visited), and is what this walk calls there.
//!
//! `CMSG_FIRSTHDR` is the `libc` crate's: glibc has it only as a macro,
//! with the same rule (a whole header fits, whatever its length).
//!
//! The old glibc computes with `cmsg_len` unchecked: a length near
//! `usize::MAX` wraps the pointer. The walk stops, with [`OutOfBounds`], before stepping
//! past a header whose length is below a header's or past the end of the
//! buffer, so it never reads outside the copy; callers walk only buffers
//! that the codec accepted, where no such header should exist.

use std::mem::size_of;
use std::ops::Range;

/// A header as the C library's walk found it. Offsets count bytes from the
/// start of the buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) offset: usize,
    /// `cmsg_len`.
    pub(crate) len: usize,
    pub(crate) level: i32,
    pub(crate) kind: i32,
    /// From where `CMSG_DATA` points to the end of the message
    /// (`offset + len`).
    pub(crate) data: Range<usize>,
}

/// The C library handed out a header with this `cmsg_len`, which is shorter
/// than a header or passes the end of the buffer: stepping past it could
/// leave the buffer, so the walk stopped there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OutOfBounds {
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

#[cfg(target_env = "gnu")]
extern "C" {
    /// glibc's `CMSG_NXTHDR`. It takes mutable pointers but only reads
    /// through them.
    fn __cmsg_nxthdr(mhdr: *mut libc::msghdr, cmsg: *mut libc::cmsghdr) -> *mut libc::cmsghdr;
}

/// glibc's `CMSG_NXTHDR`, the function its macro calls.
///
/// # Safety
///
/// As for the C macro: `msg` describes a buffer that holds `cmsg`.
#[cfg(target_env = "gnu")]
unsafe fn next_header(msg: &mut libc::msghdr, cmsg: *mut libc::cmsghdr) -> *mut libc::cmsghdr {
    // SAFETY: the caller's contract is the function's.
    unsafe { __cmsg_nxthdr(msg, cmsg) }
}

/// musl's `CMSG_NXTHDR` macro, as the `libc` crate copies it.
///
/// # Safety
///
/// As for the C macro: `msg` describes a buffer that holds `cmsg`.
#[cfg(target_env = "musl")]
unsafe fn next_header(msg: &mut libc::msghdr, cmsg: *mut libc::cmsghdr) -> *mut libc::cmsghdr {
    // SAFETY: the caller's contract is the macro's.
    unsafe { libc::CMSG_NXTHDR(msg, cmsg) }
}

/// Every header the C library's walk yields on `bytes`.
pub(crate) fn walk(bytes: &[u8]) -> Result<Vec<Header>, OutOfBounds> {
    // u64 words give the alignment of `struct cmsghdr` (that of size_t).
    let mut words = vec![0u64; bytes.len().div_ceil(size_of::<u64>())];
    let base = words.as_mut_ptr().cast::<u8>();
    // SAFETY: `words` holds at least `bytes.len()` bytes, and a new
    // allocation cannot overlap `bytes`.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), base, bytes.len()) };
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_control = base.cast();
    // musl's `msg_controllen` is 32 bits wide: a longer copy is walked as
    // its first 4 GiB, all that a musl program could be handed.
    // (The cast cannot narrow after the `min`.)
    msg.msg_controllen = bytes.len().min(libc::socklen_t::MAX as usize) as _;
    let mut headers = Vec::new();
    // SAFETY: FIRSTHDR only compares `msg_controllen` with a header's size.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    while !cmsg.is_null() {
        let offset = (cmsg as usize).saturating_sub(base as usize);
        // SAFETY: the walk returns only a header that lies wholly inside
        // the copy: FIRSTHDR when the copy holds a header, NXTHDR when the
        // next header's end is within `msg_controllen` (the step to it
        // cannot wrap: the current length was checked below). Its offset is
        // a multiple of 8 from an 8-aligned base, so the read is aligned.
        let header = unsafe { cmsg.read() };
        #[allow(
            clippy::useless_conversion,
            reason = "cmsg_len is a size_t with glibc but a socklen_t with musl"
        )]
        let len = usize::try_from(header.cmsg_len).unwrap_or(usize::MAX);
        let remaining = bytes.len().saturating_sub(offset);
        if len < size_of::<libc::cmsghdr>() || len > remaining {
            return Err(OutOfBounds { offset, len });
        }
        // SAFETY: CMSG_DATA adds a header's size to the pointer, which stays
        // inside this message (its length is at least a header's).
        let data = unsafe { libc::CMSG_DATA(cmsg) } as usize;
        headers.push(Header {
            offset,
            len,
            level: header.cmsg_level,
            kind: header.cmsg_type,
            data: data.saturating_sub(base as usize)..offset.saturating_add(len),
        });
        // SAFETY: `msg` describes the copy, which outlives the walk, and
        // `cmsg` is a header in it whose length was just checked to stay
        // within the copy, so the next header's address is at most 7 bytes
        // past its end. NXTHDR returns null unless a whole header fits
        // before the end, and reads only that header.
        cmsg = unsafe { next_header(&mut msg, cmsg) };
    }
    Ok(headers)
}
