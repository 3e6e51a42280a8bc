//! glibc's `CMSG_NXTHDR`, as a C program that walks a received buffer sees
//! it: `CMSG_FIRSTHDR` (a macro in glibc's `<bits/socket.h>`, written out
//! here as it expands), then `__cmsg_nxthdr`, the function glibc's
//! `CMSG_NXTHDR` macro calls, from the C library this process runs with;
//! each message's data read from `CMSG_DATA` (the header's end) up to
//! `cmsg_len`. The buffer is walked in place, where the caller put it, so
//! the `unaligned` check hands glibc headers at odd addresses.
//!
//! A C-style walk has no error: the macros hand out headers, and the
//! program reads what they say. As `libc_crate`'s adapter does, the walk
//! goes to the end, skipping the data of a header whose `cmsg_len` would
//! take the read outside the buffer; then, if there was one, it panics with
//! the read the program would have made, so the runner reports it. A header
//! visited twice (a walk that never ends) and a header handed out outside
//! the buffer panic at once.

use std::ffi::CStr;
use std::mem::size_of;

use sockcmsg::conformance::{Implementation, Parsed, ParsedMessage, Payload};

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
        Some(Parsed::Messages(walk(buf)))
    }
}

/// glibc's `CMSG_FIRSTHDR`: `msg_control` if `msg_controllen` holds a
/// header, whatever its length says.
fn first_header(msg: &libc::msghdr) -> *mut libc::cmsghdr {
    if msg.msg_controllen >= size_of::<libc::cmsghdr>() {
        msg.msg_control.cast()
    } else {
        std::ptr::null_mut()
    }
}

#[allow(
    clippy::panic,
    reason = "a read the program would make out of bounds is reported as a panic"
)]
fn walk(buf: &[u8]) -> Vec<ParsedMessage> {
    let base = buf.as_ptr() as usize;
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_control = buf.as_ptr().cast_mut().cast();
    msg.msg_controllen = buf.len();
    let mut cmsg = first_header(&msg);
    let mut visited = Vec::new();
    let mut msgs = Vec::new();
    let mut read_outside = None;
    while !cmsg.is_null() {
        let offset = (cmsg as usize).wrapping_sub(base);
        if visited.contains(&offset) {
            panic!("CMSG_NXTHDR returned the header at offset {offset} again: the walk never ends");
        }
        visited.push(offset);
        if offset
            .checked_add(size_of::<libc::cmsghdr>())
            .is_none_or(|end| end > buf.len())
        {
            panic!("CMSG_NXTHDR returned a header at offset {offset}, outside the buffer");
        }
        // SAFETY: the header lies inside `buf` (checked above); it is read
        // unaligned, as x86 reads it where the macro points, aligned or not.
        let header = unsafe { cmsg.read_unaligned() };
        let len = header.cmsg_len;
        // glibc's CMSG_DATA: the byte after the header.
        let data_at = offset.wrapping_add(size_of::<libc::cmsghdr>());
        let data = offset
            .checked_add(len)
            .filter(|&end| end >= data_at)
            .and_then(|end| buf.get(data_at..end));
        match data {
            Some(data) => msgs.push(ParsedMessage {
                level: header.cmsg_level,
                kind: header.cmsg_type,
                payload: Payload::Bytes(data.to_vec()),
            }),
            None => {
                read_outside.get_or_insert(format!(
                    "the header at offset {offset} has cmsg_len {len}: reading its data from \
                     CMSG_DATA (offset {data_at}) reads outside the {}-byte buffer",
                    buf.len()
                ));
            }
        }
        // SAFETY: `msg` describes `buf` and `cmsg` is a header inside it,
        // as the function requires; whatever its length, glibc decides
        // where the next header is and whether one fits. It only reads.
        cmsg = unsafe { __cmsg_nxthdr(&mut msg, cmsg) };
    }
    if let Some(read) = read_outside {
        panic!("{read}");
    }
    msgs
}

/// What the findings are, checked against glibc's source.
pub const NOTES: &str = r#"Every finding is one thing: glibc's walk hands the program a header whose `cmsg_len` it has not checked, and the program's read of that message's data (`CMSG_DATA` up to `cmsg_len`, or `cmsg_len - CMSG_LEN(0)` bytes) goes outside the buffer. The model rejects these buffers; a C walk has no way to. Two classes, on this machine's glibc 2.36 (Debian `2.36-9+deb12u14`, linux/amd64):

- `cmsg_len` below a header (70 findings: short input, hostile lengths, unaligned, go-vectors, corpus, properties). Smallest input: `00000000000000000000000000000000`, a bare 16-byte header with `cmsg_len` 0. `CMSG_FIRSTHDR` returns it (the macro in `<bits/socket.h>` checks only that `msg_controllen` holds a header), and `cmsg_len - CMSG_LEN(0)` wraps to `SIZE_MAX - 15`. `__cmsg_nxthdr` then stops, since it refuses to step past a length below a header (`cmsg_nxthdr.c`: `if ((size_t) cmsg->cmsg_len < sizeof (struct cmsghdr)) return 0;`), but the header is already handed out.
- `cmsg_len` past the end of the buffer (745 findings: the same checks). Smallest input: `ffffffffffffffffffffffffffffffff` (`cmsg_len` `SIZE_MAX`), or `29000000000000000100000001000000000000000000000000000000000000000000000000000000` (`cmsg_len` 41 in 40 bytes). The first header comes from `CMSG_FIRSTHDR`, and a later one from `__cmsg_nxthdr`, which checks that the next header fits (16 bytes) but not the length that header claims: that length is checked only when the program asks for the header after it.

The kernel never writes such a header, so only a program that walks a buffer it did not get from `recvmsg`, or a corrupted one, meets these. `CMSG_NXTHDR`'s contract leaves the check to the caller, so these are hazards of the C API rather than a bug in glibc: a C program must check `cmsg_len >= CMSG_LEN(0)` and `(char *)cmsg + cmsg_len <= (char *)msg_control + msg_controllen` before it reads the data.

What did not happen: no endless walk and no header outside the buffer, whatever the length, up to `cmsg_len` `SIZE_MAX` and `SIZE_MAX - 7`, where the `libc` crate's Rust copy of the old code overflows. The installed `__cmsg_nxthdr` (disassembled: `objdump -d libc.so.6`) is the fixed one, upstream commit "socket: Check lengths before advancing pointer in CMSG_NXTHDR" (glibc 2.37, backported to 2.36): it computes `size_needed = sizeof (struct cmsghdr) + __CMSG_PADDING (cmsg->cmsg_len)` and returns 0 unless `msg_control + msg_controllen - cmsg` holds `size_needed + cmsg_len`, before any pointer arithmetic with `cmsg_len`. An unpatched 2.36 (`cmsg + CMSG_ALIGN (cmsg->cmsg_len)` first) would wrap the pointer. Tail, unpadded last, partial fd, short credentials, unknown types, negative fds and the kernel's buffers agree with the model (the data as bytes: a C walk decodes no type). Not run: `encoders` (glibc encodes nothing; a program fills the header itself) and `fds` (this adapter walks buffers; it does not receive)."#;
