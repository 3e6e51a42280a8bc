//! The peers' parse loops run under Miri, and glibc's walk under
//! AddressSanitizer, on the conformance runner's rule probes and a sample of
//! `corpus/parse/`: what `xtask/src/miri.rs` (`cargo xtask miri`) runs for
//! the table's "undefined behaviour" column.
//!
//! - `miri-inputs OUT [--max-len BYTES]` (a native run): asks sockcmsg's
//!   conformance runner for its rule probes (through an
//!   [`Implementation`](sockcmsg::conformance::Implementation) that records
//!   every buffer it is handed, [`inputs::record_probes`]), takes an even
//!   sample of 50 files of `corpus/parse/`, and writes them to one file
//!   ([`inputs::encode`]).
//! - `miri-parse PEER FILE [--from N] [--odd] [--spare BYTES]` (under
//!   `cargo +nightly miri run`, `-Zmiri-disable-isolation` to read the
//!   file): each input, from the `N`th, placed at the end of an allocation
//!   of its own (8-aligned, at an odd address with `--odd`, or followed by
//!   BYTES more of the allocation with `--spare`), through PEER's loop
//!   ([`PARSERS`]); a line `miri-parse: case N` on stderr before each, so
//!   that whoever runs it knows which input Miri stopped at. `miri-parse
//!   std` runs std's `SocketAncillary` cases instead (it parses only what
//!   it encoded or received).
//! - `asan-glibc FILE [--odd] | blind-spot | caller-read` (built with
//!   `-Zsanitizer=address`): glibc's walk on the same inputs, and the two
//!   demonstrations of what ASan sees and does not.
//! - `asan-forged nix` (built with `-Zsanitizer=address`, feature
//!   `forged`): nix, whose parse runs only inside its own `recvmsg`,
//!   through the runner's `forged receives` check, so that its reads of
//!   what the forged `recvmsg` wrote are checked by ASan.
//!
//! The loops are the adapters' own: `peers/src/c_walk.rs`,
//! `libc_crate.rs`, `glibc.rs`, `nix_crate.rs`, `rustix_crate.rs` and
//! `tokio_seqpacket_crate.rs` are compiled here as they are (`#[path]`), so
//! an edit there is what runs here. Only rustix's linux_raw walk is a copy
//! ([`linux_raw`]): Miri builds rustix with its libc backend.

pub mod format;
pub mod inputs;

#[cfg(feature = "peers")]
pub mod linux_raw;

// The peers' adapters, shared as files. What the harness here does not
// call of them (receives, encoders, notes) is dead code in this crate.
#[allow(dead_code, unused_imports)]
#[path = "../../src/c_walk.rs"]
mod c_walk;
#[cfg(feature = "forged")]
#[path = "../../src/corpora.rs"]
pub mod corpora;
#[allow(dead_code)]
#[cfg(target_env = "gnu")]
#[path = "../../src/glibc.rs"]
pub mod glibc;
#[allow(dead_code)]
#[path = "../../src/libc_crate.rs"]
pub mod libc_crate;
#[allow(dead_code)]
#[cfg(feature = "forged")]
#[path = "../../src/nix_crate.rs"]
pub mod nix_crate;
#[allow(dead_code)]
#[cfg(feature = "peers")]
#[path = "../../src/rustix_crate.rs"]
pub mod rustix_crate;
#[allow(dead_code)]
#[cfg(feature = "peers")]
#[path = "../../src/tokio_seqpacket_crate.rs"]
pub mod tokio_seqpacket_crate;

/// The glibc peer's `walk` (`peers/src/glibc.rs`): a C program's loop with
/// glibc's macros and no check of its own (`c_walk::sum`).
///
/// # Safety
///
/// As `c_walk::sum`'s: well-formed messages, aligned (`asan-glibc
/// caller-read` breaks it on purpose).
#[cfg(target_env = "gnu")]
pub unsafe fn glibc_walk(buf: &mut [u8]) -> u64 {
    // SAFETY: the caller's contract.
    unsafe { glibc::walk(buf) }
}

/// `peers/src/lib.rs`'s helper of the same name, which the rustix and
/// tokio-seqpacket adapters' encoders call (never called here).
///
/// # Safety
///
/// As the original's: the numbers are only copied.
#[cfg(feature = "peers")]
#[allow(dead_code)]
pub(crate) unsafe fn numbers_as_borrowed(
    fds: &[i32],
) -> Option<Vec<std::os::fd::BorrowedFd<'static>>> {
    if fds.contains(&-1) {
        return None;
    }
    // SAFETY: not -1; the caller's contract covers the rest.
    Some(
        fds.iter()
            .map(|&fd| unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) })
            .collect(),
    )
}

/// A buffer at the end of an allocation of its own, `shift` bytes past an
/// 8-aligned start: a parser that steps or reads past the buffer steps out
/// of the allocation, which Miri and ASan see (a `Vec` with spare capacity
/// would hide it). With `spare` bytes after it, it is instead the start of
/// a larger allocation, as a received buffer is when the kernel wrote less
/// than its room.
pub struct Placed {
    ptr: *mut u8,
    layout: std::alloc::Layout,
    shift: usize,
    len: usize,
}

impl Placed {
    /// `input` copied to `shift` bytes past an 8-aligned allocation of
    /// exactly `shift + input.len()` bytes (1 byte for an empty input at
    /// shift 0, as an allocation cannot be empty).
    pub fn new(input: &[u8], shift: usize) -> Placed {
        Placed::with_spare(input, shift, 0)
    }

    /// As [`new`](Placed::new), with `spare` zero bytes after the input.
    pub fn with_spare(input: &[u8], shift: usize, spare: usize) -> Placed {
        let size = shift
            .saturating_add(input.len())
            .saturating_add(spare)
            .max(1);
        let layout =
            std::alloc::Layout::from_size_align(size, 8).expect("a buffer of the inputs' size");
        // SAFETY: the layout's size is not zero.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!ptr.is_null(), "out of memory");
        // SAFETY: the allocation holds `shift + input.len()` bytes.
        unsafe {
            ptr.add(shift)
                .copy_from_nonoverlapping(input.as_ptr(), input.len())
        };
        Placed {
            ptr,
            layout,
            shift,
            len: input.len(),
        }
    }

    /// How far past an 8-aligned address the buffer starts.
    pub fn shift(&self) -> usize {
        self.shift
    }

    /// The buffer.
    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `shift + len` bytes are allocated and initialised.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(self.shift), self.len) }
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        // SAFETY: allocated with this layout in `new`.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) };
    }
}

/// A peer's parse under Miri: its users' loop over a received buffer, in
/// place.
#[cfg(feature = "peers")]
pub struct Parser {
    /// The peer's slug (`peers/src/lib.rs`), with the backend where it is
    /// not the one the table runs.
    pub slug: &'static str,
    /// What is run.
    pub what: &'static str,
    /// The loop.
    pub parse: fn(&mut [u8]),
}

/// The peers whose parse runs under Miri. std's `SocketAncillary`, which
/// parses only what it received or encoded, has cases of its own
/// (`miri-parse std`).
#[cfg(feature = "peers")]
pub const PARSERS: [Parser; 5] = [
    Parser {
        slug: "sockcmsg",
        what: "sockcmsg::conformance::Sockcmsg::parse: messages(), each decoded (fds(), parse_unix_credentials)",
        parse: |buf| {
            use sockcmsg::conformance::Implementation;
            let _ = sockcmsg::conformance::Sockcmsg.parse(buf);
        },
    },
    Parser {
        slug: "libc",
        what: "the libc crate's CMSG_FIRSTHDR/CMSG_NXTHDR/CMSG_DATA: peers/src/c_walk.rs::walk (LibcCrate::parse)",
        parse: |buf| {
            use sockcmsg::conformance::Implementation;
            let _ = libc_crate::LibcCrate.parse(buf);
        },
    },
    Parser {
        slug: "rustix",
        what: "rustix's AncillaryDrain::parse drained (peers/src/rustix_crate.rs::walk), libc backend: the one Miri builds",
        // SAFETY: outside `parse`'s contract on hostile buffers, which is
        // the question; the fds are taken with into_raw_fd, never closed.
        parse: |buf| {
            let _ = unsafe { rustix_crate::walk(buf) };
        },
    },
    Parser {
        slug: "rustix-linux-raw",
        what: "rustix 1.1.6's AncillaryDrain walk with its linux_raw backend's macros, linux-raw-sys's cmsg_macros (src/linux_raw.rs, a copy)",
        parse: |buf| {
            let _ = linux_raw::walk(buf);
        },
    },
    Parser {
        slug: "tokio-seqpacket",
        what: "AncillaryMessageReader::new(buf, false).into_messages() drained (peers/src/tokio_seqpacket_crate.rs::walk)",
        // SAFETY: outside `new`'s contract on hostile buffers, which is
        // the question; the fds are given up with into_raw_fd.
        parse: |buf| {
            let _ = unsafe { tokio_seqpacket_crate::walk(buf) };
        },
    },
];
