//! Why the model rejects an input, with exact numbers, and the codec's
//! errors read as the same answers.

use crate::Error;

/// Why the model rejects an input; every number is exact (`u128`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// Fewer bytes than `cmsg_len(0)` where a header was required.
    TruncatedHeader {
        /// Where the header should start.
        offset: u128,
        /// The bytes there.
        available: u128,
        /// `cmsg_len(0)`.
        needed: u128,
    },
    /// A `cmsg_len` below `cmsg_len(0)`.
    LengthBelowHeader {
        /// The header's offset.
        offset: u128,
        /// Its `cmsg_len`.
        len: u128,
        /// `cmsg_len(0)`.
        min: u128,
    },
    /// A `cmsg_len` past the end of the buffer.
    LengthPastEnd {
        /// The header's offset.
        offset: u128,
        /// Its `cmsg_len`.
        len: u128,
        /// The bytes from the header to the end.
        available: u128,
    },
    /// A typed decoder given another level or type.
    UnexpectedMessage {
        /// The message's level.
        level: i32,
        /// The message's type.
        kind: i32,
        /// The decoder's level.
        expected_level: i32,
        /// The decoder's type.
        expected_kind: i32,
    },
    /// Rights data that is not a whole number of 4-byte fds.
    PartialFd {
        /// The data's length.
        len: u128,
    },
    /// Credentials data shorter than 12 bytes.
    ShortCredentials {
        /// The data's length.
        len: u128,
        /// 12.
        needed: u128,
    },
    /// The layout has no `SCM_CREDENTIALS`.
    CredentialsUnsupported,
    /// A typed payload whose length is not the size of its C type in
    /// either direction.
    TypedWidth {
        /// The message's level.
        level: i32,
        /// The message's type.
        kind: i32,
        /// The payload's length.
        len: u128,
        /// The least and the greatest size it may have (equal where the
        /// two directions agree).
        widths: (u128, u128),
    },
    /// A typed field outside what its Rust type holds.
    TypedValue {
        /// The message's level.
        level: i32,
        /// The message's type.
        kind: i32,
        /// The value.
        value: i128,
        /// The least it may be.
        min: i128,
        /// The most it may be.
        max: i128,
    },
    /// An address of another family than its type's.
    AddressFamily {
        /// The message's level.
        level: i32,
        /// The message's type.
        kind: i32,
        /// The family found.
        family: u16,
        /// The type's.
        expected: u16,
    },
    /// An io_uring completion buffer shorter than its header and the
    /// submission's name and control regions.
    CompletionTooShort {
        /// The buffer's length.
        len: u128,
        /// The header's 16 bytes and both regions.
        needed: u128,
    },
    /// An io_uring completion whose `controllen` is past the submission's
    /// control region.
    ControlLenPastRegion {
        /// The header's `controllen`.
        len: u128,
        /// The control region's size (`msg_controllen`).
        region: u128,
    },
}

impl Rejection {
    /// The rejection as seen from a buffer in which the input starts at
    /// `base`.
    pub fn shifted(self, base: u128) -> Rejection {
        match self {
            Rejection::TruncatedHeader {
                offset,
                available,
                needed,
            } => Rejection::TruncatedHeader {
                offset: offset + base,
                available,
                needed,
            },
            Rejection::LengthBelowHeader { offset, len, min } => Rejection::LengthBelowHeader {
                offset: offset + base,
                len,
                min,
            },
            Rejection::LengthPastEnd {
                offset,
                len,
                available,
            } => Rejection::LengthPastEnd {
                offset: offset + base,
                len,
                available,
            },
            other => other,
        }
    }

    /// The codec's decoding error `err` as the model's answer; `None` for
    /// the encoder's errors, which no decoder returns.
    pub fn of_error(err: Error) -> Option<Rejection> {
        let wide = |n: usize| n as u128;
        Some(match err {
            Error::TruncatedHeader {
                offset,
                available,
                needed,
            } => Rejection::TruncatedHeader {
                offset: wide(offset),
                available: wide(available),
                needed: wide(needed),
            },
            Error::LengthBelowHeader { offset, len, min } => Rejection::LengthBelowHeader {
                offset: wide(offset),
                len: u128::from(len),
                min: wide(min),
            },
            Error::LengthPastEnd {
                offset,
                len,
                available,
            } => Rejection::LengthPastEnd {
                offset: wide(offset),
                len: u128::from(len),
                available: wide(available),
            },
            Error::UnexpectedMessage {
                level,
                kind,
                expected_level,
                expected_kind,
            } => Rejection::UnexpectedMessage {
                level,
                kind,
                expected_level,
                expected_kind,
            },
            Error::PartialFd { len } => Rejection::PartialFd { len: wide(len) },
            Error::ShortCredentials { len, needed } => Rejection::ShortCredentials {
                len: wide(len),
                needed: wide(needed),
            },
            Error::CredentialsUnsupported { .. } => Rejection::CredentialsUnsupported,
            Error::TypedWidth {
                level,
                kind,
                len,
                expected,
                alternative,
            } => {
                let other = alternative.unwrap_or(expected);
                Rejection::TypedWidth {
                    level,
                    kind,
                    len: wide(len),
                    widths: (wide(expected.min(other)), wide(expected.max(other))),
                }
            }
            Error::TypedValue {
                level,
                kind,
                value,
                min,
                max,
            } => Rejection::TypedValue {
                level,
                kind,
                value: value.into(),
                min: min.into(),
                max: max.into(),
            },
            Error::AddressFamily {
                level,
                kind,
                family,
                expected,
            } => Rejection::AddressFamily {
                level,
                kind,
                family,
                expected,
            },
            Error::CompletionTooShort { len, needed } => Rejection::CompletionTooShort {
                len: wide(len),
                needed: needed.into(),
            },
            Error::ControlLenPastRegion { len, region } => Rejection::ControlLenPastRegion {
                len: len.into(),
                region: region.into(),
            },
            Error::BufferTooSmall { .. }
            | Error::DataTooLong { .. }
            | Error::EncodingTooLong { .. }
            | Error::TypedUnsupported { .. } => return None,
        })
    }
}
