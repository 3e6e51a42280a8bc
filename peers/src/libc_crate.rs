//! The `libc` crate's `CMSG_FIRSTHDR`, `CMSG_NXTHDR` and `CMSG_DATA`, as a
//! Rust program that walks a received buffer with them does: in place, then
//! each message's data read from `CMSG_DATA` up to `cmsg_len`.
//!
//! The walk is `c_walk`'s, which says what a finding means.

use sockcmsg::conformance::{Implementation, Parsed};

use crate::c_walk::{self, Macros};

/// The `libc` crate's macros over the buffer in place.
pub struct LibcCrate;

impl Implementation for LibcCrate {
    fn name(&self) -> String {
        "libc (CMSG_* in Rust)".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        Some(Parsed::Messages(c_walk::walk(buf, &MACROS)))
    }
}

/// The `libc` crate's macros, which the io-uring peer's users walk with too.
pub(crate) const MACROS: Macros = Macros {
    first: libc::CMSG_FIRSTHDR,
    next: libc::CMSG_NXTHDR,
    data: libc::CMSG_DATA,
};

/// A C-style loop with the `libc` crate's macros, as its users write it
/// ([`c_walk::sum`]).
///
/// # Safety
///
/// As [`c_walk::sum`]'s: well-formed messages, aligned.
pub(crate) unsafe fn walk(buf: &mut [u8]) -> u64 {
    // SAFETY: the caller's contract is sum's.
    unsafe { c_walk::sum(buf, &MACROS) }
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
end of the walk: the report, its test and the patch are in \
[findings/libc-cmsg-nxthdr-overflow.md](findings/libc-cmsg-nxthdr-overflow.md), \
and `cargo xtask fixed` shows the row without the abort and with no new \
finding.
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
