//! Unix socket control messages (`struct cmsghdr` records, the ancillary
//! data of `sendmsg`/`recvmsg`), encoded and parsed in safe Rust with Go's
//! rules.
//!
//! The functions at the crate root are Go's `syscall` functions for the
//! host's layout; [`Layout`] has each of them as a method for any layout.
//!
//! | Go (`syscall`) | sockcmsg |
//! |---|---|
//! | `CmsgLen`, `CmsgSpace` | [`cmsg_len`], [`cmsg_space`] |
//! | `UnixRights` | [`unix_rights`] |
//! | `UnixCredentials` | [`unix_credentials`] |
//! | `ParseSocketControlMessage` | [`parse_socket_control_message`] |
//! | `ParseOneSocketControlMessage` (x/sys/unix) | [`parse_one_socket_control_message`] |
//! | `ParseUnixRights` | [`parse_unix_rights`] |
//! | `ParseUnixCredentials` | [`parse_unix_credentials`] |
//!
// Off Linux the crate root has no credentials functions: the two links go
// to the layout methods, and the page says so.
#![cfg_attr(
    not(any(target_os = "linux", target_os = "android")),
    doc = "This platform has no `SCM_CREDENTIALS`, so its crate root has no
credentials functions: `unix_credentials` and `parse_unix_credentials` link
to [`Layout`]'s methods, for Linux's layouts.

[`unix_credentials`]: Layout::unix_credentials
[`parse_unix_credentials`]: Layout::parse_unix_credentials"
)]
//!
//! Beyond Go: [`messages`] walks a buffer without allocating, [`fds`] reads
//! the descriptors of a rights message without allocating, and
//! [`encode_into`] writes several messages into a caller's buffer.
//!
//! # Semantics
//!
//! Exactly Go 1.19's, except where Go crashes:
//!
//! - The walk goes on while at least [`cmsg_len(0)`](cmsg_len) bytes remain
//!   and ignores a shorter tail. A `cmsg_len` below the header or past the
//!   end of the buffer fails the whole parse. The next header starts at the
//!   aligned length; the last message may be unpadded.
//! - [`parse_unix_rights`] with a payload that is not a multiple of 4 bytes
//!   returns [`Error::PartialFd`]; Go panics.
//! - [`parse_one_socket_control_message`] on fewer bytes than a header
//!   returns [`Error::TruncatedHeader`]; Go panics on an empty input and
//!   reads out of bounds on a shorter one.
//!
//! Fields are read by offset from any `&[u8]`: the buffer need not be
//! aligned. No input makes the codec panic, loop or overflow.
//!
//! ```
//! use sockcmsg::{parse_socket_control_message, parse_unix_rights, unix_rights};
//!
//! let buf = unix_rights(&[3, 4])?;
//! let msgs = parse_socket_control_message(&buf)?;
//! assert_eq!(parse_unix_rights(&msgs[0])?, [3, 4]);
//! # Ok::<(), sockcmsg::Error>(())
//! ```
//!
//! # Features
//!
//! - `arbitrary`: `arbitrary::Arbitrary` for [`OwnedControlMessage`] and
//!   [`Ucred`], for fuzzing code that consumes control messages.
//! - `proptest`: `sockcmsg::strategies`, proptest strategies for
//!   well-formed messages and buffers and malformed buffers, and
//!   `sockcmsg::model`, which builds the buffers and says what they hold.
//! - `conformance` (implies `arbitrary` and `proptest`): [`conformance`],
//!   a runner that checks any control-message implementation against
//!   [`model`], the reference model of the rules and of the dialects real
//!   implementations speak (Go, glibc, musl, the kernel).
//! - `harness` (implies `arbitrary`): [`model`], and `sockcmsg::check`,
//!   the fuzz targets' glue (the invariants, one function per fuzz target,
//!   which the fuzz targets and the corpus replay in `cargo test` call).
//!   `check` is hidden from these docs and not covered by semver: the
//!   harness's public surface is [`model`], the conformance runner, the
//!   strategies and `Arbitrary`.

#![deny(unsafe_code)]
#![warn(missing_docs)]
// `cargo xtask coverage` sets `--cfg coverage_nightly` so that code run
// only at compile time is left out of the figure (`#[coverage(off)]`).
#![cfg_attr(coverage_nightly, feature(coverage_attribute))]
// docs.rs (`--cfg docsrs`, see Cargo.toml): each item behind a feature or a
// platform says which.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(
        clippy::arithmetic_side_effects,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unwrap_used,
        clippy::expect_used
    )
)]

#[cfg(feature = "arbitrary")]
mod arbitrary;
#[cfg(feature = "harness")]
#[doc(hidden)]
pub mod check;
#[cfg(feature = "conformance")]
pub mod conformance;
mod credentials;
mod encode;
mod error;
mod layout;
#[cfg(any(feature = "conformance", feature = "harness", feature = "proptest"))]
pub mod model;
mod parse;
mod rights;
#[cfg(feature = "proptest")]
pub mod strategies;
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "freebsd",
    target_os = "netbsd"
))]
#[allow(unsafe_code)]
mod sys;
pub mod typed;
pub mod uring;

use std::os::fd::RawFd;

pub use credentials::Ucred;
pub use encode::{ControlMessage, OwnedControlMessage};
pub use error::Error;
pub use layout::Layout;
pub use parse::{Cmsghdr, Messages, SocketControlMessage};
pub use rights::Fds;
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "freebsd",
    target_os = "netbsd"
))]
pub use sys::socket;

/// The value of `cmsg_len` for a message carrying `data_len` bytes (Go's
/// `CmsgLen`, C's `CMSG_LEN`). Saturates at `usize::MAX`.
///
/// ```
/// assert_eq!(sockcmsg::cmsg_len(4), sockcmsg::cmsg_len(0) + 4);
/// ```
#[inline]
pub const fn cmsg_len(data_len: usize) -> usize {
    Layout::HOST.cmsg_len(data_len)
}

/// The bytes a message carrying `data_len` bytes takes in a buffer, padding
/// included (Go's `CmsgSpace`, C's `CMSG_SPACE`). Saturates at `usize::MAX`.
///
/// ```
/// // A control buffer with room for one message of 3 fds.
/// let buf = vec![0u8; sockcmsg::cmsg_space(3 * 4)];
/// assert!(buf.len() >= sockcmsg::cmsg_len(12));
/// ```
#[inline]
pub const fn cmsg_space(data_len: usize) -> usize {
    Layout::HOST.cmsg_space(data_len)
}

/// An `SCM_RIGHTS` message carrying `fds` (Go's `UnixRights`): a header with
/// `cmsg_len(4 * fds.len())`, the fds in native byte order, and zeroed
/// padding. No fds give a bare header.
///
/// The same contract as [`Layout::unix_rights`], so that nothing here
/// panics: it fails ([`Error::DataTooLong`], [`Error::EncodingTooLong`])
/// only if the fds take more bytes than a `cmsg_len` or an allocation can
/// hold, which needs a slice of gigabytes; the kernel accepts at most 253
/// fds in one message. Go's `UnixRights` returns the bytes alone.
///
/// ```
/// let buf = sockcmsg::unix_rights(&[0])?;
/// assert_eq!(buf.len(), sockcmsg::cmsg_space(4));
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn unix_rights(fds: &[RawFd]) -> Result<Vec<u8>, Error> {
    Layout::HOST.unix_rights(fds)
}

/// An `SCM_CREDENTIALS` message carrying `cred` (Go's `UnixCredentials`),
/// padded.
///
/// The same contract as [`Layout::unix_credentials`]; on Linux, where this
/// function exists, it does not fail (a 12-byte payload fits every
/// `cmsg_len`). Go's `UnixCredentials` returns the bytes alone.
///
/// ```
/// use sockcmsg::Ucred;
/// let buf = sockcmsg::unix_credentials(&Ucred { pid: 1, uid: 0, gid: 0 })?;
/// assert_eq!(buf.len(), sockcmsg::cmsg_space(12));
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub fn unix_credentials(cred: &Ucred) -> Result<Vec<u8>, Error> {
    Layout::HOST.unix_credentials(cred)
}

/// Iterates over the messages in `buf` without allocating. It yields the
/// same messages as [`parse_socket_control_message`]; after an error it
/// yields that error once and ends.
///
/// ```
/// let buf = sockcmsg::unix_rights(&[5])?;
/// let kinds: Vec<i32> = sockcmsg::messages(&buf)
///     .map(|msg| msg.map(|msg| msg.header.kind))
///     .collect::<Result<_, _>>()?;
/// assert_eq!(kinds, [libc::SCM_RIGHTS]);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn messages(buf: &[u8]) -> Messages<'_> {
    Layout::HOST.messages(buf)
}

/// Splits an io_uring multishot recvmsg completion on the host's layout
/// ([`Layout::parse_recvmsg_out`], [`uring`]).
#[inline]
pub fn parse_recvmsg_out(
    buf: &[u8],
    name_len: u32,
    control_len: u32,
) -> Result<uring::RecvmsgOut<'_>, Error> {
    Layout::HOST.parse_recvmsg_out(buf, name_len, control_len)
}

/// Parses every message in `buf` (Go's `ParseSocketControlMessage`): all of
/// them, or the first error.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[5])?;
/// buf.extend(sockcmsg::unix_rights(&[6, 7])?);
/// let msgs = sockcmsg::parse_socket_control_message(&buf)?;
/// assert_eq!(msgs.len(), 2);
///
/// buf[0] = 0; // a cmsg_len below the header's length
/// assert!(sockcmsg::parse_socket_control_message(&buf).is_err());
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn parse_socket_control_message(buf: &[u8]) -> Result<Vec<SocketControlMessage<'_>>, Error> {
    Layout::HOST.parse_socket_control_message(buf)
}

/// Parses the first message in `buf` and returns it with the rest of the
/// buffer, starting at the next aligned header (x/sys/unix's
/// `ParseOneSocketControlMessage`). The rest is empty when the message (with
/// its padding) reaches the end.
///
/// Unlike Go, an input shorter than a header is an error
/// ([`Error::TruncatedHeader`]), not a panic.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[5])?;
/// buf.extend(sockcmsg::unix_rights(&[6])?);
/// let (first, rest) = sockcmsg::parse_one_socket_control_message(&buf)?;
/// let (second, rest) = sockcmsg::parse_one_socket_control_message(rest)?;
/// assert_eq!(sockcmsg::parse_unix_rights(&first)?, [5]);
/// assert_eq!(sockcmsg::parse_unix_rights(&second)?, [6]);
/// assert!(rest.is_empty());
/// assert!(sockcmsg::parse_one_socket_control_message(rest).is_err());
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn parse_one_socket_control_message(
    buf: &[u8],
) -> Result<(SocketControlMessage<'_>, &[u8]), Error> {
    Layout::HOST.parse_one_socket_control_message(buf)
}

/// The file descriptors in an `SCM_RIGHTS` message (Go's
/// `ParseUnixRights`). Another level or type is an error; so is a payload
/// that is not a multiple of 4 bytes ([`Error::PartialFd`], where Go
/// panics). Negative values are returned as they are.
///
/// The values are numbers, not owned descriptors: received ones are the
/// caller's to close.
///
/// ```
/// let buf = sockcmsg::unix_rights(&[3, -1])?;
/// let msgs = sockcmsg::parse_socket_control_message(&buf)?;
/// assert_eq!(sockcmsg::parse_unix_rights(&msgs[0])?, [3, -1]);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn parse_unix_rights(msg: &SocketControlMessage<'_>) -> Result<Vec<RawFd>, Error> {
    Layout::HOST.parse_unix_rights(msg)
}

/// The file descriptors in an `SCM_RIGHTS` message as an iterator that
/// allocates nothing; the same checks as [`parse_unix_rights`].
///
/// ```
/// let buf = sockcmsg::unix_rights(&[3, 4])?;
/// let msg = sockcmsg::messages(&buf).next().unwrap()?;
/// assert!(sockcmsg::fds(&msg)?.eq([3, 4]));
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn fds<'a>(msg: &SocketControlMessage<'a>) -> Result<Fds<'a>, Error> {
    Layout::HOST.fds(msg)
}

/// The credentials in an `SCM_CREDENTIALS` message (Go's
/// `ParseUnixCredentials`). Another level or type is an error, and so is a
/// payload shorter than 12 bytes; bytes past the 12th are ignored.
///
/// ```
/// use sockcmsg::Ucred;
/// let cred = Ucred { pid: 42, uid: 1000, gid: 100 };
/// let buf = sockcmsg::unix_credentials(&cred)?;
/// let msgs = sockcmsg::parse_socket_control_message(&buf)?;
/// assert_eq!(sockcmsg::parse_unix_credentials(&msgs[0])?, cred);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[cfg(any(target_os = "linux", target_os = "android"))]
#[inline]
pub fn parse_unix_credentials(msg: &SocketControlMessage<'_>) -> Result<Ucred, Error> {
    Layout::HOST.parse_unix_credentials(msg)
}

/// The typed value of an IP, UDP or socket-level message
/// ([`typed`]), or `None` for a message not typed on this
/// platform; a payload of a width this platform does not use is an error.
///
/// ```
/// use sockcmsg::typed::{Direction, TypedMessage};
/// use sockcmsg::Layout;
///
/// let ttl = Layout::HOST.typed_payload(&TypedMessage::Ttl(64), Direction::Receive);
/// # #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos", target_os = "freebsd"))] {
/// let buf = sockcmsg::encode(&[ttl?.control_message()])?;
/// let msg = sockcmsg::messages(&buf).next().unwrap()?;
/// assert_eq!(sockcmsg::decode_typed(&msg)?, Some(TypedMessage::Ttl(64)));
/// # }
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn decode_typed(msg: &SocketControlMessage<'_>) -> Result<Option<typed::TypedMessage>, Error> {
    Layout::HOST.decode_typed(msg)
}

/// The exact number of bytes that encoding `msgs` takes: the sum of their
/// [`cmsg_space`]s. Fails only on a message longer than a `cmsg_len` can
/// describe.
///
/// ```
/// use sockcmsg::ControlMessage;
/// let msgs = [ControlMessage::Rights(&[3]), ControlMessage::Rights(&[4, 5])];
/// assert_eq!(sockcmsg::encoded_len(&msgs)?, sockcmsg::cmsg_space(4) + sockcmsg::cmsg_space(8));
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn encoded_len(msgs: &[ControlMessage<'_>]) -> Result<usize, Error> {
    Layout::HOST.encoded_len(msgs)
}

/// Encodes `msgs` into the start of `buf`, padding zeroed, and returns the
/// bytes written ([`encoded_len`]); the rest of `buf` is left as it was. A
/// buffer that is too small is an error ([`Error::BufferTooSmall`]), and
/// nothing is written then.
///
/// ```
/// use sockcmsg::{ControlMessage, Error};
/// let mut buf = [0u8; 64];
/// let n = sockcmsg::encode_into(&[ControlMessage::Rights(&[3])], &mut buf)?;
/// assert_eq!(&buf[..n], sockcmsg::unix_rights(&[3])?);
///
/// let mut small = [0u8; 8];
/// assert!(matches!(
///     sockcmsg::encode_into(&[ControlMessage::Rights(&[3])], &mut small),
///     Err(Error::BufferTooSmall { .. })
/// ));
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn encode_into(msgs: &[ControlMessage<'_>], buf: &mut [u8]) -> Result<usize, Error> {
    Layout::HOST.encode_into(msgs, buf)
}

/// Appends the encoding of `msgs` to `out` and returns the bytes appended.
///
/// ```
/// use sockcmsg::ControlMessage;
/// let mut out = sockcmsg::unix_rights(&[3])?;
/// sockcmsg::encode_to_vec(&[ControlMessage::Rights(&[4])], &mut out)?;
/// assert_eq!(sockcmsg::parse_socket_control_message(&out)?.len(), 2);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn encode_to_vec(msgs: &[ControlMessage<'_>], out: &mut Vec<u8>) -> Result<usize, Error> {
    Layout::HOST.encode_to_vec(msgs, out)
}

/// Encodes `msgs` into a new buffer of exactly [`encoded_len`] bytes.
///
/// ```
/// use sockcmsg::{ControlMessage, Ucred};
/// let cred = Ucred { pid: 1, uid: 0, gid: 0 };
/// let buf = sockcmsg::encode(&[ControlMessage::Credentials(cred), ControlMessage::Rights(&[3])])?;
/// let mut expected = sockcmsg::unix_credentials(&cred)?;
/// expected.extend(sockcmsg::unix_rights(&[3])?);
/// assert_eq!(buf, expected);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[inline]
pub fn encode(msgs: &[ControlMessage<'_>]) -> Result<Vec<u8>, Error> {
    Layout::HOST.encode(msgs)
}

/// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
