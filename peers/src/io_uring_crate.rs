//! The `io-uring` crate's `types::RecvMsgOut::parse`, as its users split a
//! multishot recvmsg completion (the buffer, and the `msghdr` of the
//! submission: only its `msg_namelen` and `msg_controllen` are read), then
//! the `libc` crate's `CMSG_FIRSTHDR`/`CMSG_NXTHDR` over its
//! `control_data()`: the crate has no walk of its own, and its docs give
//! the control bytes "the same semantics as `msghdr.msg_control`". The
//! walk is `c_walk`'s, which says what a finding of the walk means.

use sockcmsg::conformance::{
    CompletionParts, Implementation, Parsed, ParsedCompletion, ParsedMessage,
};

use crate::c_walk;
use crate::libc_crate::MACROS;

/// `RecvMsgOut::parse`, then libc's walk of the control bytes.
pub struct IoUringCrate;

impl Implementation for IoUringCrate {
    fn name(&self) -> String {
        "io-uring RecvMsgOut + libc CMSG_NXTHDR".to_owned()
    }

    fn parse_completion(
        &self,
        buf: &[u8],
        name_len: u32,
        control_len: u32,
    ) -> Option<ParsedCompletion> {
        Some(split(buf, name_len, control_len, |control| {
            c_walk::walk(control, &MACROS)
        }))
    }
}

/// `RecvMsgOut::parse` of `buf` for a submission of these region sizes,
/// its control bytes walked by `walk`: the split the crate's users make.
pub(crate) fn split(
    buf: &[u8],
    name_len: u32,
    control_len: u32,
    walk: impl FnOnce(&[u8]) -> Vec<ParsedMessage>,
) -> ParsedCompletion {
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msghdr: libc::msghdr = unsafe { std::mem::zeroed() };
    msghdr.msg_namelen = name_len;
    msghdr.msg_controllen = control_len as _;
    match io_uring::types::RecvMsgOut::parse(buf, &msghdr) {
        Err(()) => ParsedCompletion::Rejected("RecvMsgOut::parse returned Err(())".to_owned()),
        Ok(out) => ParsedCompletion::Split(CompletionParts {
            name: out.name_data().to_vec(),
            control: Parsed::Messages(walk(out.control_data())),
            payload: out.payload_data().to_vec(),
            name_truncated: Some(out.is_name_data_truncated()),
            control_truncated: Some(out.is_control_data_truncated()),
            payload_truncated: Some(out.is_payload_truncated()),
        }),
    }
}

/// What the findings are, checked against the crate's source.
pub const NOTES: &str = r#"Every buffer the kernel writes (`completions`) is split as the model splits it. The findings are all in `forged completions`, buffers the kernel never writes, in two parts, checked against io-uring 0.7.16's `src/types.rs` and the `libc` crate 0.2.191:

- `RecvMsgOut::parse` (line 451) takes a `controllen` past the control region as the region's size, where the model rejects the completion: `usize::min(header.controllen, msghdr_control_len)` (lines 480-486). Smallest input: the kernel's completion of the credentials and one fd in a 56-byte region after a 16-byte name, `controllen` forged to 57. The walk then reads the whole region, bytes the kernel did not write for this datagram included (the rest of a reused buffer). `is_payload_truncated` (lines 557-558) reads only `MSG_TRUNC` in `flags`: a `payloadlen` past the bytes in the buffer without the flag is called whole. The name's and payload's bounds are clamped to the buffer: nothing is read outside it, and the split never panics (the `unwrap`s are of `u32` to `usize`).
- The walk over `control_data()` is the `libc` crate's `CMSG_FIRSTHDR`/`CMSG_NXTHDR`, the crate having none of its own; its findings are those of the `libc` row, on the rule probes as control regions: a header whose `cmsg_len` is below a header or past the region is handed out, so the program's read of its data goes outside (panicked: "reads outside"), and a `cmsg_len` within 7 of `usize::MAX` overflows `CMSG_ALIGN` (`src/unix/linux_like/mod.rs:1770`: an abort in a debug build, an endless walk in release).

Not found: the truncation fix of io-uring#257 (0.6.3) holds: a buffer too short for the regions is refused (`Err(())`), and a `payloadlen` past the buffer is cut to it. The control region after a name of 28 or 110 bytes is not aligned for `cmsghdr`; the walk reads it unaligned, which x86-64 allows and Rust does not (`(*cmsg).cmsg_len` through a misaligned pointer: undefined behaviour, which this runner does not see)."#;
