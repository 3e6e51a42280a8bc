//! The one error type: each variant names a rejection and carries the
//! offsets and lengths involved.

use std::fmt;

/// Why a control buffer or message was rejected.
///
/// Go answers every one of these with `EINVAL` (or, for
/// [`PartialFd`](Error::PartialFd) and [`TruncatedHeader`](Error::TruncatedHeader),
/// a panic); here each has its own variant with the numbers involved.
/// Offsets count bytes from the start of the buffer that was passed in.
/// Converted with `std::io::Error::from`, every variant becomes `EINVAL`, as
/// in Go.
///
/// ```
/// use sockcmsg::{parse_socket_control_message, Error};
///
/// // A bare header (16 bytes on 64-bit Linux) claiming 17 bytes.
/// let mut buf = sockcmsg::unix_rights(&[])?;
/// buf[0] = 17;
/// let err = parse_socket_control_message(&buf).unwrap_err();
/// assert_eq!(err, Error::LengthPastEnd { offset: 0, len: 17, available: buf.len() });
/// assert_eq!(std::io::Error::from(err).raw_os_error(), Some(libc::EINVAL));
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// Fewer bytes than one header where a header was required
    /// ([`parse_one_socket_control_message`](crate::parse_one_socket_control_message)
    /// on a short input, which Go indexes out of bounds).
    TruncatedHeader {
        /// Where the header should start.
        offset: usize,
        /// The bytes there.
        available: usize,
        /// The bytes a header needs (`cmsg_len(0)`).
        needed: usize,
    },
    /// A header's `cmsg_len` is shorter than the header itself.
    LengthBelowHeader {
        /// Where the header starts.
        offset: usize,
        /// Its `cmsg_len`.
        len: u64,
        /// The least valid `cmsg_len` (`cmsg_len(0)`).
        min: usize,
    },
    /// A header's `cmsg_len` reaches past the end of the buffer.
    LengthPastEnd {
        /// Where the header starts.
        offset: usize,
        /// Its `cmsg_len`.
        len: u64,
        /// The bytes from the header to the end of the buffer.
        available: usize,
    },
    /// A typed decoder was given a message of another level or type.
    UnexpectedMessage {
        /// The message's level.
        level: i32,
        /// The message's type.
        kind: i32,
        /// The level the decoder reads (`SOL_SOCKET`).
        expected_level: i32,
        /// The type the decoder reads (`SCM_RIGHTS` or `SCM_CREDENTIALS`).
        expected_kind: i32,
    },
    /// An `SCM_RIGHTS` payload whose length is not a multiple of 4: it ends
    /// in part of a file descriptor. Go's `ParseUnixRights` panics here.
    PartialFd {
        /// The payload's length.
        len: usize,
    },
    /// An `SCM_CREDENTIALS` payload shorter than a `struct ucred`.
    ShortCredentials {
        /// The payload's length.
        len: usize,
        /// The length of a `struct ucred` (12).
        needed: usize,
    },
    /// The encoder's output buffer cannot hold the messages.
    BufferTooSmall {
        /// The bytes the messages take.
        needed: usize,
        /// The bytes the buffer has.
        available: usize,
    },
    /// The layout has no `SCM_CREDENTIALS` message: only Linux's do. (Other
    /// systems' credentials messages carry other structures.)
    CredentialsUnsupported {
        /// The layout's name.
        layout: &'static str,
    },
    /// A message to encode carries more data than a `cmsg_len` can describe.
    DataTooLong {
        /// The message's data length.
        len: usize,
        /// The most it could carry.
        max: usize,
    },
    /// The encoding would take more bytes than any buffer can hold: more
    /// than `isize::MAX`, the most a Rust allocation or slice has. Only
    /// reachable with gigabytes of data, on 32-bit targets.
    EncodingTooLong {
        /// The bytes before the part that passes the limit: those of the
        /// messages before it ([`encoded_len`](crate::encoded_len)), or
        /// the vector's length ([`encode_to_vec`](crate::encode_to_vec)).
        before: usize,
        /// The bytes that part adds: that message's `cmsg_space`, or the
        /// whole encoding.
        added: usize,
        /// The most they may take together (`isize::MAX`).
        max: usize,
    },
    /// A typed message's payload has a width its layout's system does not
    /// use for that level and type ([`typed`](crate::typed)).
    TypedWidth {
        /// The message's level.
        level: i32,
        /// The message's type.
        kind: i32,
        /// The payload's length.
        len: usize,
        /// The width the system uses.
        expected: usize,
        /// Another width it uses (in the other direction), if any: Linux's
        /// `IP_TOS` is 1 byte on receive and an `int` on send.
        alternative: Option<usize>,
    },
    /// A typed message's field holds a value its type cannot: a TOS `int`
    /// past 255, a 64-bit time in a 32-bit field.
    TypedValue {
        /// The message's level.
        level: i32,
        /// The message's type.
        kind: i32,
        /// The value.
        value: i64,
        /// The least the field takes.
        min: i64,
        /// The most the field takes.
        max: i64,
    },
    /// A typed message's address has another family than its type's.
    AddressFamily {
        /// The message's level.
        level: i32,
        /// The message's type.
        kind: i32,
        /// The family found.
        family: u16,
        /// The type's family (`AF_INET` or `AF_INET6`).
        expected: u16,
    },
    /// The layout's system has no message of this kind in this direction
    /// (no `UDP_GRO` on FreeBSD; no `UDP_GRO` to send anywhere).
    TypedUnsupported {
        /// The layout's name.
        layout: &'static str,
        /// The kind of message.
        kind: crate::typed::TypedKind,
        /// The direction asked for.
        direction: crate::typed::Direction,
    },
    /// An io_uring completion buffer shorter than its 16-byte header and
    /// the submission's name and control regions
    /// ([`uring`](crate::uring)): the kernel fails such a receive with
    /// `-EFAULT` instead of writing it.
    CompletionTooShort {
        /// The buffer's length.
        len: usize,
        /// The header and both regions.
        needed: u64,
    },
    /// An io_uring completion whose `controllen` is past the submission's
    /// control region, which the kernel never writes.
    ControlLenPastRegion {
        /// The header's `controllen`.
        len: u32,
        /// The control region's size (`msg_controllen`).
        region: u32,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::TruncatedHeader {
                offset,
                available,
                needed,
            } => write!(
                f,
                "control message header at offset {offset} is truncated: \
                 {available} bytes, a header needs {needed}"
            ),
            Error::LengthBelowHeader { offset, len, min } => write!(
                f,
                "control message at offset {offset} has cmsg_len {len}, \
                 below the header's {min} bytes"
            ),
            Error::LengthPastEnd {
                offset,
                len,
                available,
            } => write!(
                f,
                "control message at offset {offset} has cmsg_len {len}, \
                 past the end of the buffer ({available} bytes remain)"
            ),
            Error::UnexpectedMessage {
                level,
                kind,
                expected_level,
                expected_kind,
            } => write!(
                f,
                "control message has level {level} and type {kind}, \
                 expected level {expected_level} and type {expected_kind}"
            ),
            Error::PartialFd { len } => write!(
                f,
                "SCM_RIGHTS payload of {len} bytes is not a whole number of \
                 4-byte file descriptors"
            ),
            Error::ShortCredentials { len, needed } => write!(
                f,
                "SCM_CREDENTIALS payload of {len} bytes is shorter than \
                 struct ucred ({needed} bytes)"
            ),
            Error::BufferTooSmall { needed, available } => write!(
                f,
                "control buffer of {available} bytes is too small for \
                 {needed} bytes of messages"
            ),
            Error::CredentialsUnsupported { layout } => {
                write!(f, "the {layout} layout has no SCM_CREDENTIALS message")
            }
            Error::DataTooLong { len, max } => write!(
                f,
                "control message data of {len} bytes is longer than the \
                 {max} bytes a cmsg_len can describe"
            ),
            Error::EncodingTooLong { before, added, max } => write!(
                f,
                "control messages would take {before} + {added} bytes, \
                 more than the {max} a buffer can hold"
            ),
            Error::TypedWidth {
                level,
                kind,
                len,
                expected,
                alternative,
            } => {
                write!(
                    f,
                    "control message of level {level} and type {kind} has {len} bytes \
                     of data, expected {expected}"
                )?;
                match alternative {
                    Some(other) => write!(f, " or {other}"),
                    None => Ok(()),
                }
            }
            Error::TypedValue {
                level,
                kind,
                value,
                min,
                max,
            } => write!(
                f,
                "control message of level {level} and type {kind} holds {value}, \
                 outside {min}..={max}"
            ),
            Error::AddressFamily {
                level,
                kind,
                family,
                expected,
            } => write!(
                f,
                "control message of level {level} and type {kind} has address family \
                 {family}, expected {expected}"
            ),
            Error::TypedUnsupported {
                layout,
                kind,
                direction,
            } => write!(
                f,
                "the {layout} layout has no {kind:?} message to {}",
                match direction {
                    crate::typed::Direction::Receive => "receive",
                    crate::typed::Direction::Send => "send",
                }
            ),
            Error::CompletionTooShort { len, needed } => write!(
                f,
                "io_uring completion of {len} bytes is shorter than its header and \
                 regions ({needed} bytes)"
            ),
            Error::ControlLenPastRegion { len, region } => write!(
                f,
                "io_uring completion has controllen {len}, past its {region}-byte \
                 control region"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    /// `EINVAL`, the error Go's `syscall` returns for every rejection.
    fn from(_: Error) -> Self {
        std::io::Error::from_raw_os_error(libc::EINVAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of each variant, with a distinct value in each field.
    fn one_of_each() -> [Error; 16] {
        [
            Error::TruncatedHeader {
                offset: 8,
                available: 5,
                needed: 16,
            },
            Error::LengthBelowHeader {
                offset: 24,
                len: 3,
                min: 16,
            },
            Error::LengthPastEnd {
                offset: 40,
                len: u64::MAX,
                available: 17,
            },
            Error::UnexpectedMessage {
                level: -41,
                kind: 50,
                expected_level: 1,
                expected_kind: 2,
            },
            Error::PartialFd { len: 6 },
            Error::ShortCredentials { len: 8, needed: 12 },
            Error::BufferTooSmall {
                needed: 24,
                available: 9,
            },
            Error::CredentialsUnsupported {
                layout: "netbsd-aarch64",
            },
            Error::DataTooLong {
                len: 4_294_967_285,
                max: 4_294_967_279,
            },
            Error::EncodingTooLong {
                before: 1_200_000_016,
                added: 1_200_000_024,
                max: 2_147_483_647,
            },
            Error::TypedWidth {
                level: 0,
                kind: 1,
                len: 3,
                expected: 1,
                alternative: Some(4),
            },
            Error::TypedValue {
                level: 41,
                kind: 67,
                value: -1,
                min: 0,
                max: 255,
            },
            Error::AddressFamily {
                level: 0,
                kind: 20,
                family: 10,
                expected: 2,
            },
            Error::TypedUnsupported {
                layout: "freebsd-64",
                kind: crate::typed::TypedKind::UdpGro,
                direction: crate::typed::Direction::Receive,
            },
            Error::CompletionTooShort {
                len: 20,
                needed: 56,
            },
            Error::ControlLenPastRegion {
                len: 33,
                region: 24,
            },
        ]
    }

    /// The message of `err`, one of [`one_of_each`], and the values it
    /// carries as they must appear in it, written out by hand. The match
    /// has no `_` arm: a new variant does not compile until it has its case
    /// here (and in `one_of_each`).
    fn expected(err: Error) -> (&'static str, &'static [&'static str]) {
        match err {
            Error::TruncatedHeader { .. } => (
                "control message header at offset 8 is truncated: 5 bytes, a header needs 16",
                &["8", "5", "16"],
            ),
            Error::LengthBelowHeader { .. } => (
                "control message at offset 24 has cmsg_len 3, below the header's 16 bytes",
                &["24", "3", "16"],
            ),
            Error::LengthPastEnd { .. } => (
                "control message at offset 40 has cmsg_len 18446744073709551615, \
                 past the end of the buffer (17 bytes remain)",
                &["40", "18446744073709551615", "17"],
            ),
            Error::UnexpectedMessage { .. } => (
                "control message has level -41 and type 50, expected level 1 and type 2",
                &["-41", "50", "1", "2"],
            ),
            Error::PartialFd { .. } => (
                "SCM_RIGHTS payload of 6 bytes is not a whole number of 4-byte file descriptors",
                &["6"],
            ),
            Error::ShortCredentials { .. } => (
                "SCM_CREDENTIALS payload of 8 bytes is shorter than struct ucred (12 bytes)",
                &["8", "12"],
            ),
            Error::BufferTooSmall { .. } => (
                "control buffer of 9 bytes is too small for 24 bytes of messages",
                &["9", "24"],
            ),
            Error::CredentialsUnsupported { .. } => (
                "the netbsd-aarch64 layout has no SCM_CREDENTIALS message",
                &["netbsd-aarch64"],
            ),
            Error::DataTooLong { .. } => (
                "control message data of 4294967285 bytes is longer than the 4294967279 \
                 bytes a cmsg_len can describe",
                &["4294967285", "4294967279"],
            ),
            Error::EncodingTooLong { .. } => (
                "control messages would take 1200000016 + 1200000024 bytes, \
                 more than the 2147483647 a buffer can hold",
                &["1200000016", "1200000024", "2147483647"],
            ),
            Error::TypedWidth { .. } => (
                "control message of level 0 and type 1 has 3 bytes of data, expected 1 or 4",
                &["0", "1", "3", "4"],
            ),
            Error::TypedValue { .. } => (
                "control message of level 41 and type 67 holds -1, outside 0..=255",
                &["41", "67", "-1", "255"],
            ),
            Error::AddressFamily { .. } => (
                "control message of level 0 and type 20 has address family 10, expected 2",
                &["20", "10", "2"],
            ),
            Error::TypedUnsupported { .. } => (
                "the freebsd-64 layout has no UdpGro message to receive",
                &["freebsd-64", "UdpGro", "receive"],
            ),
            Error::CompletionTooShort { .. } => (
                "io_uring completion of 20 bytes is shorter than its header and regions \
                 (56 bytes)",
                &["20", "56"],
            ),
            Error::ControlLenPastRegion { .. } => (
                "io_uring completion has controllen 33, past its 24-byte control region",
                &["33", "24"],
            ),
        }
    }

    #[test]
    fn every_variant_names_what_it_carries_and_is_einval() {
        let errors = one_of_each();
        for (at, err) in errors.iter().enumerate() {
            assert!(
                errors[..at]
                    .iter()
                    .all(|seen| std::mem::discriminant(seen) != std::mem::discriminant(err)),
                "{err:?}: one_of_each has its variant twice"
            );
            let (message, values) = expected(*err);
            let text = err.to_string();
            assert!(!text.is_empty(), "{err:?}");
            for value in values {
                assert!(
                    text.contains(value),
                    "{err:?} does not name {value}: {text}"
                );
            }
            assert_eq!(text, message);
            assert_eq!(
                std::io::Error::from(*err).raw_os_error(),
                Some(libc::EINVAL),
                "{err:?}"
            );
        }
    }
}
