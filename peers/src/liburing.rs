//! liburing's recvmsg helpers, as a C program splits a multishot recvmsg
//! completion with them (liburing's `examples/io_uring-udp.c` does):
//! `io_uring_recvmsg_validate` on the CQE's buffer and `res`, the name
//! from `io_uring_recvmsg_name` (`min(namelen, msg_namelen)` bytes, as the
//! program must cut it), the control messages from
//! `io_uring_recvmsg_cmsg_firsthdr`/`_nexthdr` with each message's data
//! read from `CMSG_DATA` up to `cmsg_len`, and the payload from
//! `io_uring_recvmsg_payload`/`_payload_length`. The helpers are
//! `static inline` in `<liburing.h>`: `c/liburing.c` compiles each into a
//! function (the system's header, Debian's `liburing-dev`). liburing has no
//! helper for the truncations: the program reads `flags` itself, so none
//! is reported. The walk is `c_walk`'s, which says what a finding of the
//! walk means.

use std::mem::size_of;

use sockcmsg::conformance::{CompletionParts, Implementation, Parsed, ParsedCompletion};

use crate::c_walk;

/// `struct io_uring_recvmsg_out`.
#[repr(C)]
struct RecvmsgOut {
    namelen: u32,
    controllen: u32,
    payloadlen: u32,
    flags: u32,
}

extern "C" {
    fn sockcmsg_recvmsg_validate(
        buf: *mut libc::c_void,
        buf_len: libc::c_int,
        msgh: *mut libc::msghdr,
    ) -> *mut RecvmsgOut;
    fn sockcmsg_recvmsg_name(o: *mut RecvmsgOut) -> *mut libc::c_void;
    fn sockcmsg_recvmsg_cmsg_firsthdr(
        o: *mut RecvmsgOut,
        msgh: *mut libc::msghdr,
    ) -> *mut libc::cmsghdr;
    fn sockcmsg_recvmsg_cmsg_nexthdr(
        o: *mut RecvmsgOut,
        msgh: *mut libc::msghdr,
        cmsg: *mut libc::cmsghdr,
    ) -> *mut libc::cmsghdr;
    fn sockcmsg_recvmsg_payload(o: *mut RecvmsgOut, msgh: *mut libc::msghdr) -> *mut libc::c_void;
    fn sockcmsg_recvmsg_payload_length(
        o: *mut RecvmsgOut,
        buf_len: libc::c_int,
        msgh: *mut libc::msghdr,
    ) -> libc::c_uint;
}

/// liburing's helpers over the completion in place.
pub struct Liburing;

impl Implementation for Liburing {
    fn name(&self) -> String {
        format!(
            "liburing io_uring_recvmsg_* {}",
            env!("SOCKCMSG_LIBURING_VERSION")
        )
    }

    fn parse_completion(
        &self,
        buf: &[u8],
        name_len: u32,
        control_len: u32,
    ) -> Option<ParsedCompletion> {
        Some(split(buf, name_len, control_len))
    }
}

#[allow(
    clippy::panic,
    reason = "a read the program would make out of bounds is reported as a panic"
)]
fn split(buf: &[u8], name_len: u32, control_len: u32) -> ParsedCompletion {
    let Ok(buf_len) = libc::c_int::try_from(buf.len()) else {
        return ParsedCompletion::Rejected("a buffer longer than a CQE's res".to_owned());
    };
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msgh: libc::msghdr = unsafe { std::mem::zeroed() };
    msgh.msg_namelen = name_len;
    msgh.msg_controllen = control_len as _;
    let base = buf.as_ptr() as usize;
    // SAFETY: validate reads `msgh` and compares lengths; the helpers write
    // nothing through the buffer's pointer.
    let o =
        unsafe { sockcmsg_recvmsg_validate(buf.as_ptr().cast_mut().cast(), buf_len, &mut msgh) };
    if o.is_null() {
        return ParsedCompletion::Rejected("io_uring_recvmsg_validate returned NULL".to_owned());
    }
    // SAFETY: validate checked that the buffer holds the header.
    let header = unsafe { o.read_unaligned() };
    let at = |ptr: *mut libc::c_void| (ptr as usize).wrapping_sub(base);
    // SAFETY: name only adds the header's size to `o`.
    let name_at = at(unsafe { sockcmsg_recvmsg_name(o) });
    let name_end = name_at.saturating_add(header.namelen.min(name_len) as usize);
    // SAFETY: validate checked that the buffer holds both regions, where
    // firsthdr points; each next header is one the walk found inside the
    // buffer, as nexthdr requires. They only read.
    let first = unsafe { sockcmsg_recvmsg_cmsg_firsthdr(o, &mut msgh) };
    let next = |cmsg: *const libc::cmsghdr| unsafe {
        sockcmsg_recvmsg_cmsg_nexthdr(o, &mut msgh, cmsg.cast_mut())
    };
    let control = c_walk::walk_from(buf, first, next, data);
    // SAFETY: payload adds the regions' sizes to the name's pointer;
    // payload_length subtracts it from the buffer's end.
    let (payload_at, payload_len) = unsafe {
        let payload = sockcmsg_recvmsg_payload(o, &mut msgh);
        (
            at(payload),
            sockcmsg_recvmsg_payload_length(o, buf_len, &mut msgh),
        )
    };
    let payload_end = payload_at.saturating_add(payload_len as usize);
    let (Some(name), Some(payload)) =
        (buf.get(name_at..name_end), buf.get(payload_at..payload_end))
    else {
        panic!(
            "reading the name ({name_at}..{name_end}) or the payload \
             ({payload_at}..{payload_end}) reads outside the {}-byte buffer",
            buf.len()
        );
    };
    ParsedCompletion::Split(CompletionParts {
        name: name.to_vec(),
        control: Parsed::Messages(control),
        payload: payload.to_vec(),
        name_truncated: None,
        control_truncated: None,
        payload_truncated: None,
    })
}

/// `CMSG_DATA`: the byte after the header.
unsafe extern "C" fn data(cmsg: *const libc::cmsghdr) -> *mut libc::c_uchar {
    cmsg.cast::<u8>()
        .wrapping_add(size_of::<libc::cmsghdr>())
        .cast_mut()
}

/// What the findings are, checked against liburing's source.
pub const NOTES: &str = r#"Checked against Debian's `liburing-dev` 2.3-3, `/usr/include/liburing.h` (upstream liburing 2.3's `src/include/liburing.h`, the same helpers):

- **What the kernel writes: the last message is lost when it has no padding (`completions`).** `io_uring_recvmsg_cmsg_nexthdr` (lines 818-836) returns the next header only if `cmsg + CMSG_ALIGN(cmsg->cmsg_len)` fits before the end of the control data (line 832), the next header's own padding included. The kernel pads every message but the last, which it cuts to the region (`put_cmsg` in `net/core/scm.c`, `Model::kernel_receive`): with `SO_PASSCRED` and one fd, a region of `CMSG_SPACE(12) + CMSG_LEN(4)` = 52 bytes gets `controllen` 52 and both messages whole, and the program never sees the `SCM_RIGHTS` message. Its fds are installed and never closed: a leak of every fd of a receive, silent. Smallest input: the credentials and one fd in a 52-byte region, no name; the same after 16, 28 and 110-byte names and with 3 or 7 fds whose region ends unpadded. `peers/tests/uring_live.rs` receives such a completion from this machine's kernel through a multishot recvmsg and shows liburing's walk without the fd.
- **A first header longer than the control data is handed out (`forged completions`).** `io_uring_recvmsg_cmsg_firsthdr` (lines 807-815) checks only that `controllen` holds a header, not the header's `cmsg_len`: a `cmsg_len` below a header makes the program's `cmsg_len - CMSG_LEN(0)` wrap, and one past `controllen` makes it read the payload or past the buffer as control data.
- **`CMSG_ALIGN` wraps (`forged completions`).** `nexthdr` adds `CMSG_ALIGN(cmsg->cmsg_len)` to the pointer before any check (lines 827-828): a `cmsg_len` of `SIZE_MAX` aligns to 0, and the same header comes back for ever (the runner stops the walk: "the walk never ends"). The fix proposed in liburing#1587 was closed unmerged.
- **`controllen` is not checked against the region (`forged completions`).** `io_uring_recvmsg_validate` (lines 791-799) compares the buffer's length with the submission's regions, never with the header's `controllen`, and the walk's end is `firsthdr + controllen` (line 825): a forged `controllen` past the region puts headers in the payload and past the buffer.
- **`payloadlen` is ignored (`forged completions`).** `io_uring_recvmsg_payload_length` (lines 845-854) is the buffer's length after the regions: given the whole provided buffer rather than the CQE's `res`, the program takes stale bytes as payload. With `res`, as liburing's `examples/io_uring-udp.c` passes it, the kernel's completions agree.

The same `nexthdr` is in upstream's `src/include/liburing.h` at 27255f4c (August 2026, lines 1236-1255), whose `validate` now checks each region's size without overflow but still not `controllen`.

liburing has no helper for the truncations (`flags` is read by the program), so none is reported; the name is cut to `min(namelen, msg_namelen)` by the adapter, as the program must."#;
