//! glibc's `CMSG_NXTHDR`, as a C program that walks a received buffer sees
//! it: `CMSG_FIRSTHDR` (a macro in glibc's `<bits/socket.h>`, written out
//! here as it expands), then `__cmsg_nxthdr`, the function glibc's
//! `CMSG_NXTHDR` macro calls, from the C library this process runs with;
//! each message's data read from `CMSG_DATA` (the header's end) up to
//! `cmsg_len`. The buffer is walked in place, where the caller put it, so
//! the `unaligned` check hands glibc headers at odd addresses.
//!
//! The walk is `c_walk`'s, which says what a finding means.

use std::ffi::CStr;
use std::mem::size_of;

use sockcmsg::conformance::{Implementation, Parsed};

use crate::c_walk::{self, Macros};

extern "C" {
    /// glibc's `CMSG_NXTHDR` (`sysdeps/unix/sysv/linux/cmsg_nxthdr.c`). It
    /// takes mutable pointers but only reads through them.
    fn __cmsg_nxthdr(mhdr: *mut libc::msghdr, cmsg: *mut libc::cmsghdr) -> *mut libc::cmsghdr;
}

/// glibc's macros and `__cmsg_nxthdr` over the buffer in place.
pub struct Glibc;

impl Implementation for Glibc {
    fn name(&self) -> String {
        // SAFETY: gnu_get_libc_version returns a static NUL-terminated
        // string.
        let version = unsafe { CStr::from_ptr(libc::gnu_get_libc_version()) };
        format!("glibc {} CMSG_NXTHDR", version.to_string_lossy())
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        Some(Parsed::Messages(c_walk::walk(buf, &MACROS)))
    }
}

const MACROS: Macros = Macros {
    first: first_header,
    next: next_header,
    data,
};

/// A C program's loop with glibc's macros ([`c_walk::sum`]).
///
/// # Safety
///
/// As [`c_walk::sum`]'s: well-formed messages, aligned.
pub(crate) unsafe fn walk(buf: &mut [u8]) -> u64 {
    // SAFETY: the caller's contract is sum's.
    unsafe { c_walk::sum(buf, &MACROS) }
}

/// glibc's `CMSG_FIRSTHDR`: `msg_control` if `msg_controllen` holds a
/// header, whatever its length says.
///
/// # Safety
///
/// `msg` points to a `msghdr`.
unsafe extern "C" fn first_header(msg: *const libc::msghdr) -> *mut libc::cmsghdr {
    // SAFETY: the caller's contract.
    let msg = unsafe { &*msg };
    if msg.msg_controllen >= size_of::<libc::cmsghdr>() {
        msg.msg_control.cast()
    } else {
        std::ptr::null_mut()
    }
}

/// glibc's `CMSG_NXTHDR` macro: `__cmsg_nxthdr`, which only reads through
/// its pointers.
///
/// # Safety
///
/// As for the macro: `msg` describes a buffer that holds `cmsg`.
unsafe extern "C" fn next_header(
    msg: *const libc::msghdr,
    cmsg: *const libc::cmsghdr,
) -> *mut libc::cmsghdr {
    // SAFETY: the caller's contract is the function's; it writes nothing.
    unsafe { __cmsg_nxthdr(msg.cast_mut(), cmsg.cast_mut()) }
}

/// glibc's `CMSG_DATA`: the byte after the header.
unsafe extern "C" fn data(cmsg: *const libc::cmsghdr) -> *mut libc::c_uchar {
    cmsg.cast::<u8>()
        .wrapping_add(size_of::<libc::cmsghdr>())
        .cast_mut()
}

/// What the findings are, checked against glibc's source.
pub const NOTES: &str = r#"Every finding is one thing: glibc's walk hands the program a header whose `cmsg_len` it has not checked, and the program's read of that message's data (`CMSG_DATA` up to `cmsg_len`, or `cmsg_len - CMSG_LEN(0)` bytes) goes outside the buffer. The model rejects these buffers; a C walk has no way to. Two classes, on this machine's glibc 2.36 (Debian `2.36-9+deb12u14`, linux/amd64):

- `cmsg_len` below a header (in short input, hostile lengths, unaligned, go-vectors, corpus, properties). Smallest input: `00000000000000000000000000000000`, a bare 16-byte header with `cmsg_len` 0. `CMSG_FIRSTHDR` returns it (the macro in `<bits/socket.h>` checks only that `msg_controllen` holds a header), and `cmsg_len - CMSG_LEN(0)` wraps to `SIZE_MAX - 15`. `__cmsg_nxthdr` then stops, since it refuses to step past a length below a header (`cmsg_nxthdr.c`: `if ((size_t) cmsg->cmsg_len < sizeof (struct cmsghdr)) return 0;`), but the header is already handed out.
- `cmsg_len` past the end of the buffer (in the same checks). Smallest input: `ffffffffffffffffffffffffffffffff` (`cmsg_len` `SIZE_MAX`), or `29000000000000000100000001000000000000000000000000000000000000000000000000000000` (`cmsg_len` 41 in 40 bytes). The first header comes from `CMSG_FIRSTHDR`, and a later one from `__cmsg_nxthdr`, which checks that the next header fits (16 bytes) but not the length that header claims: that length is checked only when the program asks for the header after it.

The kernel never writes such a header, so only a program that walks a buffer it did not get from `recvmsg`, or a corrupted one, meets these. `CMSG_NXTHDR`'s contract leaves the check to the caller, so these are hazards of the C API rather than a bug in glibc: a C program must check `cmsg_len >= CMSG_LEN(0)` and `(char *)cmsg + cmsg_len <= (char *)msg_control + msg_controllen` before it reads the data.

What did not happen: no endless walk and no header outside the buffer, whatever the length, up to `cmsg_len` `SIZE_MAX` and `SIZE_MAX - 7`, where the `libc` crate's Rust copy of the old code overflows. The installed `__cmsg_nxthdr` (disassembled: `objdump -d libc.so.6`) is the fixed one, upstream commit "socket: Check lengths before advancing pointer in CMSG_NXTHDR" (glibc 2.37, backported to 2.36): it computes `size_needed = sizeof (struct cmsghdr) + __CMSG_PADDING (cmsg->cmsg_len)` and returns 0 unless `msg_control + msg_controllen - cmsg` holds `size_needed + cmsg_len`, before any pointer arithmetic with `cmsg_len`. An unpatched 2.36 (`cmsg + CMSG_ALIGN (cmsg->cmsg_len)` first) would wrap the pointer. Tail, unpadded last, partial fd, short credentials, unknown types, negative fds and the kernel's buffers agree with the model (the data as bytes: a C walk decodes no type). Not run: `encoders` (glibc encodes nothing; a program fills the header itself) and `fds` (this adapter walks buffers; it does not receive)."#;
