//! The `libc` crate's `CMSG_FIRSTHDR`, `CMSG_NXTHDR` and `CMSG_DATA`, as a
//! Rust program that walks a received buffer with them does: in place, then
//! each message's data read from `CMSG_DATA` up to `cmsg_len`.
//!
//! A C-style walk has no error: the macros hand out headers, and the
//! program reads what they say. The adapter walks to the end as such a
//! program does, skipping the data of a header whose `cmsg_len` would take
//! the read outside the buffer; then, if there was one, it panics with the
//! read the program would have made, so the runner reports it. A header
//! visited twice (a walk that never ends) and a header handed out outside
//! the buffer panic at once.

use std::mem::size_of;

use sockcmsg::conformance::{Implementation, Parsed, ParsedMessage, Payload};

/// The `libc` crate's macros over the buffer in place.
pub struct LibcCrate;

impl Implementation for LibcCrate {
    fn name(&self) -> String {
        "libc (CMSG_* in Rust)".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        Some(Parsed::Messages(walk(buf)))
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
    msg.msg_controllen = buf.len() as _;
    // SAFETY: FIRSTHDR reads only `msg`.
    let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
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
        // without assuming the pointer is aligned, as a careful program
        // does.
        let header = unsafe { cmsg.read_unaligned() };
        let len = header.cmsg_len as usize;
        // SAFETY: CMSG_DATA only adds the header's size to the pointer.
        let data_at = (unsafe { libc::CMSG_DATA(cmsg) } as usize).wrapping_sub(base);
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
        // as the macro requires; whatever its length, the macro decides
        // where the next header is and whether one fits.
        cmsg = unsafe { libc::CMSG_NXTHDR(&msg, cmsg) };
    }
    if let Some(read) = read_outside {
        panic!("{read}");
    }
    msgs
}

/// What the findings are, checked against the `libc` crate's source
/// (0.2.191, `src/unix/linux_like/`).
pub const NOTES: &str = "\
- **A `cmsg_len` within 7 of `usize::MAX` aborts (debug) or never ends \
(release).** Input: a 16-byte header with `cmsg_len` `0xffff_ffff_ffff_fff8` \
(`f8ffffffffffffff0100000001000000`, then 24 zero bytes). `CMSG_NXTHDR` \
computes `CMSG_ALIGN(len)` as `(len + size_of::<usize>() - 1) & !(size_of::<usize>() - 1)` \
(`mod.rs:1770`): `len + 8` overflows before the `- 1`. With overflow checks \
(the dev profile) the panic is raised in a function that cannot unwind and \
the process aborts with `SIGABRT`. Built `--release`, the sum wraps: for \
`cmsg_len` `usize::MAX - 6` to `usize::MAX` the aligned length is 0, so \
`next_cmsg == cmsg` passes the wrap check (`next_cmsg < cmsg`, \
`linux_l4re_shared.rs:1452`) and `CMSG_NXTHDR` returns the same header \
again: an endless walk (`cargo run --release -p sockcmsg-peers --bin \
conformance -- --peers libc --only 'hostile lengths'`). The model and the \
kernel reject the buffer (`cmsg_len` past the end); Go returns an error. \
A fix: `len.checked_add(size_of::<usize>() - 1)`, treating overflow as the \
end of the walk.
- **The macros do not check the current header's length against the \
buffer.** `CMSG_FIRSTHDR` returns the first header whenever one fits \
(`mod.rs:1774`), whatever its `cmsg_len`, and `CMSG_NXTHDR` checks only \
that the *next* header fits: a program that reads `cmsg_len - CMSG_LEN(0)` \
bytes from `CMSG_DATA` reads outside the buffer on a `cmsg_len` below a \
header (16 zero bytes: `cmsg_len` 0) or past the end. C's macros share \
this; the caller must check `cmsg_len` itself. The model, Go and the kernel \
reject such buffers.
- **Not found:** the tail rule, unpadded last messages, partial fds, short \
credentials, unknown types and negative fds are walked as the model walks \
them, and an unaligned buffer (read with `read_unaligned`) changes nothing.";
