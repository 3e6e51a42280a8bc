//! The invariants that every parse and encode must hold, one function per
//! fuzz target (feature `harness`).
//!
//! Fuzzing glue, hidden from the docs and not covered by semver: any
//! release may change or remove it. The public harness is
//! [`model`](crate::model), the conformance runner, the strategies and
//! `Arbitrary`.
//!
//! The fuzz targets in `fuzz/fuzz_targets/` hand libFuzzer's bytes to these
//! functions and do nothing else, and `tests/corpus_replay.rs` runs every
//! file under `corpus/<target>/` through them, so what the fuzzer checks
//! and what `cargo test` replays are the same code. Each function accepts
//! any bytes and panics, with a message that names the invariant, when one
//! does not hold: that is how a fuzz target reports a finding.
//!
//! | target | function | its input |
//! |---|---|---|
//! | `parse` | [`parse`] | a control buffer |
//! | `roundtrip` | [`roundtrip`] | messages in `arbitrary`'s format ([`roundtrip_messages`]) |
//! | `parse_any_layout` | [`parse_any_layout`] | a byte that picks a [`Layout`] ([`pick_layout`]), then a control buffer |
//! | `roundtrip_any_layout` | [`roundtrip_any_layout`] | a byte that picks a [`Layout`], then messages in `arbitrary`'s format ([`any_layout_messages`]) |
//! | `typed` | [`typed`](fn@typed) | a byte that picks a [`Layout`], then typed messages' numbers and data ([`typed_messages`]) |
//! | `uring` | [`uring`](fn@uring) | a byte that picks a [`Layout`], the name and control region sizes, then an io_uring completion buffer ([`uring_input`]) |
// The rows of the Linux-only targets, where their functions are.
#![cfg_attr(
    all(target_os = "linux", any(target_env = "gnu", target_env = "musl")),
    doc = "| `libc_walk` | [`libc_walk`] | a control buffer |"
)]
#![cfg_attr(
    any(target_os = "linux", target_os = "android"),
    doc = "| `kernel` | [`kernel`] | a control buffer |"
)]
//!
//! [`TARGETS`] lists them by name. (`libc_walk` is on Linux with glibc or
//! musl only, and `kernel` on Linux only.)
//!
//! ```
//! use sockcmsg::ControlMessage;
//!
//! let buf = sockcmsg::encode(&[
//!     ControlMessage::Rights(&[3, 4]),
//!     ControlMessage::Other { level: 41, kind: 50, data: &[1, 2, 3] },
//! ])?;
//! for (_name, check) in sockcmsg::check::TARGETS {
//!     check(&buf); // panics if an invariant breaks
//! }
//! # Ok::<(), sockcmsg::Error>(())
//! ```
//!
//! This file holds the targets; the rest is cut by concern. `inputs`
//! reads the targets' input formats ([`pick_layout`],
//! [`roundtrip_messages`], [`any_layout_messages`]). `invariants` checks
//! the codec's answers against the model and against each other, through
//! `codec`, which calls the crate-root functions on the host's layout and
//! the layout's methods on any other. `oracles` compares the C library's
//! walk and the kernel with the model's dialects.

#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "a broken invariant must stop the fuzzer with a message: that is what this module is for"
)]

mod codec;
mod inputs;
mod invariants;
mod once;
mod oracles;
mod typed;
mod uring;

pub use inputs::{
    any_layout_messages, pick_layout, roundtrip_messages, typed_messages, uring_input,
};
pub use invariants::as_model;
pub use oracles::{move_levels_off_sol_socket, KERNEL_MAX_CONTROL, MOVED_LEVEL};

use crate::{ControlMessage, Layout, OwnedControlMessage};

use invariants::{parse_in, roundtrip_in};

/// A function that checks one fuzz input, panicking on a broken invariant.
pub type Check = fn(&[u8]);

/// Every fuzz target's name, which is also its folder under `corpus/` and
/// its file under `fuzz/fuzz_targets/`, with the function that checks one
/// input.
///
/// ```
/// let names: Vec<&str> = sockcmsg::check::TARGETS.iter().map(|(name, _)| *name).collect();
/// assert!(names.contains(&"parse"));
/// ```
pub const TARGETS: &[(&str, Check)] = &[
    ("parse", parse),
    ("roundtrip", roundtrip),
    ("parse_any_layout", parse_any_layout),
    ("roundtrip_any_layout", roundtrip_any_layout),
    ("typed", typed),
    ("uring", uring),
    #[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
    ("libc_walk", libc_walk),
    #[cfg(any(target_os = "linux", target_os = "android"))]
    ("kernel", kernel),
];

/// Parses `bytes` every way the crate can and checks the answers.
///
/// - [`parse_socket_control_message`](crate::parse_socket_control_message),
///   [`messages`](crate::messages) and
///   [`parse_one_socket_control_message`](crate::parse_one_socket_control_message)
///   (iterated) give the same messages and the same error.
/// - Each gives the model's answer: the walks give
///   [`Model::walk`](crate::model::Model::walk)'s, and `parse_one`, at each
///   place where the model's walk reads a header or stops, gives
///   [`Model::parse_one`](crate::model::Model::parse_one)'s there. That is
///   the same messages, each message's `data` the slice of `bytes` where
///   the model puts it, or the same rejection with the same numbers.
/// - Re-encoding each header gives the model's header for its fields
///   ([`Model::header`](crate::model::Model::header)). (The data is the
///   slice of `bytes` where the model puts it, and [`roundtrip`] checks
///   that the encoder copies data as it is.) Each message made a
///   [`ControlMessage`](crate::ControlMessage) or an
///   [`OwnedControlMessage`](crate::OwnedControlMessage) (`From`) keeps
///   its level, type and data.
/// - [`parse_unix_rights`](crate::parse_unix_rights), [`fds`](crate::fds)
///   and [`parse_unix_credentials`] give the model's decoders' answers
///   ([`Model::rights`](crate::model::Model::rights),
///   [`Model::credentials`](crate::model::Model::credentials)), and what
///   they return encodes with [`unix_rights`](crate::unix_rights) and
///   [`unix_credentials`] as the model encodes it.
///
/// - Every error returned formats (whatever its numbers) and converts to
///   `EINVAL`; that its message names what it carries, `Error`'s unit test
///   checks for every variant.
///
/// What depends on one message alone (its header, sizes, typed decoders
/// and conversions) or one error alone is checked once per distinct value on a
/// thread, and always the first time: a fuzzer's inputs differ by a few
/// bytes, and a second check of the same value would check nothing new.
///
/// The functions are the crate root's, which are [`Layout::HOST`]'s
/// methods; other layouts' are checked with the same invariants.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[3])?;
/// sockcmsg::check::parse(&buf);
/// buf[0] = 0xff; // a cmsg_len past the end: an error, checked too
/// sockcmsg::check::parse(&buf);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
///
// The crate root has credentials functions on Linux only; elsewhere the
// checks call the host layout's methods.
#[cfg_attr(
    any(target_os = "linux", target_os = "android"),
    doc = "[`parse_unix_credentials`]: crate::parse_unix_credentials
[`unix_credentials`]: crate::unix_credentials"
)]
#[cfg_attr(
    not(any(target_os = "linux", target_os = "android")),
    doc = "[`parse_unix_credentials`]: crate::Layout::parse_unix_credentials
[`unix_credentials`]: crate::Layout::unix_credentials"
)]
pub fn parse(bytes: &[u8]) {
    // The answer is for roundtrip, which compares it with what it encoded.
    let _ = parse_in(Layout::HOST, bytes);
}

/// Builds messages from `bytes` ([`roundtrip_messages`]), encodes them and
/// parses them back.
///
/// - The buffer is the model's encoding of the messages
///   ([`Model::encode`](crate::model::Model::encode)), byte for byte, and
///   [`encoded_len`](crate::encoded_len) gives its length.
/// - The same messages come back (each parsed one, made a
///   [`ControlMessage`](crate::ControlMessage) `From` it, is the one encoded).
/// - They also come back with the last message's padding cut off (up to
///   where the model's walk says its data ends), with the levels, types
///   and data of the messages built from `bytes` (that a parsed message
///   made an [`OwnedControlMessage`](crate::OwnedControlMessage) keeps
///   them, [`parse`] checks).
/// - [`encode_into`](crate::encode_into) writes the same bytes over a dirty
///   buffer (so padding is zeroed) and nothing past them, refuses a buffer
///   one byte short without touching it, and
///   [`encode_to_vec`](crate::encode_to_vec) appends the same bytes.
/// - The encoded buffer passes [`parse`].
/// - The first of the messages that the host's model decodes as
///   credentials, made a
///   [`ControlMessage::Credentials`](crate::ControlMessage::Credentials),
///   is encoded by each encoder, and by
///   [`unix_credentials`], as the model encodes it, or refused by all of
///   them, the buffer untouched, on a layout without `SCM_CREDENTIALS`
///   (once per layout and credentials on a thread, as [`parse`] checks
///   each message once).
///
/// As in [`parse`], the functions are the crate root's.
///
/// ```
/// use sockcmsg::{check, OwnedControlMessage, Ucred};
/// let input = [
///     1, 0, 3, 0, 0, 0, 4, 0, 0, 0, // a message follows: rights, fds 3 and 4
///     1, 1, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, // a message follows: credentials
///     8, // the length of the fds, read from the back
/// ];
/// let msgs = [
///     OwnedControlMessage::rights(&[3, 4]),
///     OwnedControlMessage::credentials(Ucred { pid: 1, uid: 2, gid: 3 }),
/// ];
/// assert_eq!(check::roundtrip_messages(&input), msgs);
/// check::roundtrip(&input);
/// ```
///
// As for parse: the host layout's methods off Linux.
#[cfg_attr(
    any(target_os = "linux", target_os = "android"),
    doc = "[`parse_unix_credentials`]: crate::parse_unix_credentials
[`unix_credentials`]: crate::unix_credentials"
)]
#[cfg_attr(
    not(any(target_os = "linux", target_os = "android")),
    doc = "[`parse_unix_credentials`]: crate::Layout::parse_unix_credentials
[`unix_credentials`]: crate::Layout::unix_credentials"
)]
pub fn roundtrip(bytes: &[u8]) {
    roundtrip_in(Layout::HOST, &roundtrip_messages(bytes));
}

/// [`parse`] for every layout: the first byte picks one of
/// [`Layout::ALL`] ([`pick_layout`]), the rest is a control buffer of that
/// layout, checked with the same invariants through the layout's methods.
///
/// ```
/// use sockcmsg::{check, Layout};
/// let layout = Layout::NETBSD_AARCH64;
/// let pick = Layout::ALL.iter().position(|known| *known == layout).unwrap();
/// let mut input = vec![pick as u8];
/// input.extend(layout.unix_rights(&[3])?);
/// assert_eq!(check::pick_layout(&input).0, layout);
/// check::parse_any_layout(&input);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
pub fn parse_any_layout(bytes: &[u8]) {
    let (layout, buf) = pick_layout(bytes);
    let _ = parse_in(layout, buf);
}

/// [`roundtrip`] for every layout: the messages of
/// [`any_layout_messages`], encoded and parsed with the layout that the
/// first byte picks.
///
/// ```
/// use sockcmsg::{check, Layout};
/// let aix = Layout::ALL.iter().position(|known| *known == Layout::AIX).unwrap();
/// // The byte that picks AIX, then rights of the fds 3 and 4 (see roundtrip).
/// let input = [aix as u8, 1, 0, 3, 0, 0, 0, 4, 0, 0, 0, 8];
/// assert_eq!(check::any_layout_messages(&input).1.len(), 1);
/// check::roundtrip_any_layout(&input);
/// ```
pub fn roundtrip_any_layout(bytes: &[u8]) {
    let (layout, msgs) = any_layout_messages(bytes);
    roundtrip_in(layout, &msgs);
}

/// [`parse`] for buffers of typed messages: the messages of
/// [`typed_messages`] (the layout's typed levels and types, with data of
/// any length) encoded with the layout that the first byte picks. Beside
/// every invariant of `parse`, each typed message's value is written in
/// each direction as the model writes it and read back as itself (which
/// `parse` checks too, on the messages it meets).
///
/// ```
/// use sockcmsg::{check, Layout};
/// let macos = Layout::ALL.iter().position(|layout| *layout == Layout::MACOS).unwrap();
/// // IP_RECVTTL (macOS's third typed message), one byte; then one of 4.
/// check::typed(&[macos as u8, 2, 1, 64, 2, 4, 64, 0, 0, 0]);
/// ```
pub fn typed(bytes: &[u8]) {
    let (layout, msgs) = typed_messages(bytes);
    let msgs: Vec<ControlMessage<'_>> = msgs
        .iter()
        .map(OwnedControlMessage::as_control_message)
        .collect();
    let buf = layout
        .encode(&msgs)
        .expect("messages of at most 255 bytes of data encode");
    let _ = parse_in(layout, &buf);
}

/// Splits [`uring_input`]'s completion buffer as io_uring's multishot
/// recvmsg completion of its region sizes, on the layout its first byte
/// picks: [`Layout::parse_recvmsg_out`] gives
/// [`Model::uring_parse`](crate::model::Model::uring_parse)'s parts or
/// rejection, and the control bytes get every check of [`parse`].
///
/// ```
/// use sockcmsg::check;
/// // Linux 64-bit (layout 0), no name region, an 8-byte control region;
/// // namelen 0, controllen 0, payloadlen 2, flags 0; 8 bytes of region;
/// // the payload.
/// let mut input = vec![0, 0, 8];
/// input.extend([0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
/// input.extend([0; 8]);
/// input.extend(b"hi");
/// check::uring(&input);
/// ```
pub fn uring(bytes: &[u8]) {
    let (layout, name_len, control_len, buf) = uring_input(bytes);
    uring::completion_in(layout, name_len, control_len, buf);
}

/// Walks `bytes` with the C library's `CMSG_FIRSTHDR`/`CMSG_NXTHDR` (glibc's
/// or musl's) over an aligned copy, where the codec accepts them, and checks
/// that the walk yields the codec's headers at the codec's offsets, with
/// `CMSG_DATA` where the codec's data starts.
///
/// The expected walk is the model's dialect of the C library
/// (`sockcmsg::model::dialect`). musl's `CMSG_NXTHDR` has a `>=` where Go,
/// glibc and the kernel have a `>`: it does not visit a last message that
/// is a bare header ending exactly at the end of the buffer (unless it is
/// the first, which `CMSG_FIRSTHDR` returns): `Dialect::Musl`.
///
/// On glibc one documented difference is allowed, because glibc's
/// `CMSG_NXTHDR` changed. The old one stops before a message whose padded length passes
/// the end of the buffer, so it drops an unpadded last message unless that
/// is the first (`CMSG_FIRSTHDR` checks no length). The one rewritten in
/// 2023 (glibc 2.38, and backported: Debian 12's 2.36 has it) checks
/// lengths before stepping and keeps that message.
/// Which rule the running glibc follows is found once, on a probe buffer,
/// and every walk must then follow it.
///
/// Buffers the codec rejects are not walked: older glibc computes with
/// their lengths unchecked and can step outside the buffer.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[3])?;
/// buf.extend(sockcmsg::unix_rights(&[4])?);
/// buf.truncate(buf.len() - 4); // the last message unpadded
/// sockcmsg::check::libc_walk(&buf);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
pub fn libc_walk(bytes: &[u8]) {
    oracles::check_c_library_walk(bytes);
}

/// Sends `bytes` (after [`move_levels_off_sol_socket`]) as the control data
/// of a `sendmsg` on a Unix datagram socketpair and checks that the kernel
/// fails with `EINVAL` exactly when the codec rejects the buffer; with the
/// levels moved, the kernel checks only the lengths, by the same rules.
///
/// One documented difference: a 32-bit process on a 64-bit kernel goes
/// through the kernel's compat path (`cmsghdr_from_user_compat_to_kern` in
/// `net/compat.c`), which reads a header wherever one byte remains after
/// the last message and so also rejects a short tail (and a buffer of
/// nothing but one), where Go and the native path ignore it. Whether the
/// running kernel does is found once, on a probe buffer, and every buffer
/// is then held to that rule: the model's `Dialect::KernelCompat`, else
/// `Dialect::Kernel`.
///
/// Each thread keeps one socketpair and reads back every datagram it sends.
/// Buffers longer than [`KERNEL_MAX_CONTROL`] are skipped.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[0])?;
/// sockcmsg::check::kernel(&buf);
/// buf[0] += 1; // cmsg_len past the end: both reject it
/// sockcmsg::check::kernel(&buf);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn kernel(bytes: &[u8]) {
    oracles::check_kernel(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{unix_credentials, unix_rights, Ucred};

    #[test]
    fn every_target_passes_the_crate_own_buffers() {
        let mut two = unix_credentials(&Ucred {
            pid: 1,
            uid: 2,
            gid: 3,
        })
        .unwrap();
        two.extend(unix_rights(&[3, 4, 5]).unwrap());
        let unpadded = &two[..two.len() - 4];
        for (_, check) in TARGETS {
            for buf in [&two[..], unpadded, &[], &[0; 15], &[0xff; 40]] {
                check(buf);
            }
        }
    }
}
