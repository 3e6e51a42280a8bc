//! Where real implementations part from the model's rules: each dialect is
//! the model's walk with one named change, and its source.
//!
//! ```
//! use sockcmsg::model::dialect::{Answer, Dialect};
//! use sockcmsg::model::Model;
//! use sockcmsg::Layout;
//!
//! // Two messages, the second a bare header that ends the buffer.
//! let model = Model::new(Layout::LINUX_64);
//! let buf = model.encode([(41, 50, &[1][..]), (41, 50, &[][..])]);
//! let visited = |dialect: Dialect| match dialect.walk(&model, &buf) {
//!     Answer::Messages(messages) => messages.len(),
//!     other => panic!("{other:?}"),
//! };
//! assert_eq!(visited(Dialect::Go), 2);
//! assert_eq!(visited(Dialect::Glibc), 2);
//! assert_eq!(visited(Dialect::Musl), 1);
//! ```

// As in the model: u128 arithmetic, bounds checked before indexing.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "the model is written for reading: u128 arithmetic, bounds checked before indexing"
)]

use super::{Message, Model, Rejection, Walk};
use crate::Layout;

/// An implementation's rules, as a variation of the model's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// Go 1.19's `syscall.ParseSocketControlMessage`: the model's rules,
    /// but its header check is `h.Len < SizeofCmsghdr` and it then slices
    /// `b[cmsgAlignOf(SizeofCmsghdr):h.Len]`, so a `cmsg_len` from the
    /// header's length up to where data starts (12 to 15 on the 64-bit
    /// BSDs) panics instead of failing (`syscall/sockcmsg_unix.go`,
    /// `socketControlMessageHeaderAndData`). On Linux Go reads the
    /// kernel's header: see [`go_layout`].
    Go,
    /// glibc's `CMSG_NXTHDR` before its 2023 rewrite (glibc 2.38, backported
    /// to Debian 12's 2.36): it steps by the padded length and stops when
    /// that passes the end, so it drops an unpadded last message unless it
    /// is the first (`CMSG_FIRSTHDR` checks no length).
    GlibcBefore2023,
    /// glibc's `CMSG_NXTHDR` since the rewrite: the model's walk.
    Glibc,
    /// musl's `CMSG_NXTHDR` (`include/sys/socket.h`): `>=` where the model
    /// has `>`, so a last message that is a bare header ending exactly at
    /// the end is not visited, unless it is the first.
    Musl,
    /// Linux's `sendmsg` check on its native path (`__scm_send` walking
    /// with `CMSG_NXTHDR` and `CMSG_OK`): the model's verdict.
    Kernel,
    /// Linux's compat path for 32-bit processes on a 64-bit kernel
    /// (`cmsghdr_from_user_compat_to_kern` in `net/compat.c`): it reads a
    /// header wherever one byte remains after the last message, so it also
    /// rejects a short tail, and a buffer of nothing but one.
    KernelCompat,
}

/// What an implementation of a dialect does with a buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// It accepts the buffer and visits these messages.
    Messages(Vec<Message>),
    /// It rejects the buffer (for the C libraries' walks, which have no
    /// error: it reaches a header the model rejects, and what it does then
    /// is not modelled).
    Rejected(Rejection),
    /// It panics, with the runtime's message.
    Panics(String),
    /// It reads a `header_len`-byte header from `available` bytes, past the
    /// end of its input: a pointer cast, which has no bounds check (Go's
    /// [`go_parse_one`]). What it does next depends on the bytes there,
    /// which the model does not know.
    ReadsPastEnd {
        /// The bytes of the header it reads.
        header_len: u128,
        /// The input's length.
        available: u128,
    },
}

impl Dialect {
    /// The dialect's answer for `buf`, with `model`'s layout.
    pub fn walk(self, model: &Model, buf: &[u8]) -> Answer {
        let walk = model.walk(buf);
        if let Some(rejection) = walk.rejection {
            return self.on_rejection(model, rejection);
        }
        let Walk {
            mut messages, end, ..
        } = walk;
        let len = buf.len() as u128;
        match self {
            Dialect::Go | Dialect::Glibc | Dialect::Kernel => {}
            Dialect::GlibcBefore2023 => {
                let unpadded = |last: &Message| last.offset(model) + model.align_up(last.len) > len;
                if messages.len() > 1 && messages.last().is_some_and(unpadded) {
                    messages.pop();
                }
            }
            Dialect::Musl => {
                let bare_at_end = |last: &Message| last.offset(model) + model.data_offset() == len;
                if messages.len() > 1 && messages.last().is_some_and(bare_at_end) {
                    messages.pop();
                }
            }
            Dialect::KernelCompat => {
                if end < len {
                    return Answer::Rejected(Rejection::TruncatedHeader {
                        offset: end,
                        available: len - end,
                        needed: model.data_offset(),
                    });
                }
            }
        }
        Answer::Messages(messages)
    }

    fn on_rejection(self, model: &Model, rejection: Rejection) -> Answer {
        match (self, rejection) {
            (Dialect::Go, Rejection::LengthBelowHeader { len, .. })
                if len >= model.layout().header_len() as u128 =>
            {
                Answer::Panics(format!(
                    "slice bounds out of range [{}:{len}]",
                    model.data_offset()
                ))
            }
            _ => Answer::Rejected(rejection),
        }
    }
}

/// The layout whose header Go reads where the C library's is `layout`. Go
/// calls no C library on Linux: its `Cmsghdr` is the kernel's, whose
/// `cmsg_len` is 8 bytes on 64-bit, so on musl it reads musl's pad as part
/// of the length. Everywhere else Go's `Cmsghdr` and `cmsgAlignOf` are the
/// layout's own.
///
/// ```
/// use sockcmsg::{model::dialect::go_layout, Layout};
/// assert_eq!(go_layout(Layout::LINUX_64_MUSL), Layout::LINUX_64);
/// assert_eq!(go_layout(Layout::MACOS), Layout::MACOS);
/// ```
pub fn go_layout(layout: Layout) -> Layout {
    match layout {
        Layout::LINUX_64_MUSL => Layout::LINUX_64,
        Layout::LINUX_64_MUSL_BE => Layout::LINUX_64_BE,
        other => other,
    }
}

/// Go 1.19's `syscall.ParseUnixRights` on a message's data: the model's
/// answer, but a partial fd panics (`fds := make([]int, len(m.Data)>>2)`,
/// then a store for every fd started, the partial one included).
pub fn go_parse_unix_rights(
    model: &Model,
    level: i32,
    kind: i32,
    data: &[u8],
) -> Result<Vec<i32>, Answer> {
    match model.rights(level, kind, data) {
        Err(Rejection::PartialFd { len }) => {
            let whole = len / super::FD_LEN as u128;
            Err(Answer::Panics(format!(
                "index out of range [{whole}] with length {whole}"
            )))
        }
        other => other.map_err(Answer::Rejected),
    }
}

/// x/sys/unix's `ParseOneSocketControlMessage` in Go: the model's answer,
/// but on fewer bytes than `cmsg_len(0)` Go casts `&b[0]` to a header:
/// it panics on an empty input, reads past the end on one shorter than a
/// header, and otherwise checks the header it read as anywhere else.
///
/// ```
/// use sockcmsg::model::dialect::{go_parse_one, Answer};
/// use sockcmsg::model::Model;
/// use sockcmsg::Layout;
///
/// let model = Model::new(Layout::LINUX_64);
/// let eight_bytes = go_parse_one(&model, &[16, 0, 0, 0, 0, 0, 0, 0]);
/// let past_the_end = Answer::ReadsPastEnd {
///     header_len: 16,
///     available: 8,
/// };
/// assert_eq!(eight_bytes, Err(past_the_end));
/// ```
pub fn go_parse_one(model: &Model, buf: &[u8]) -> Result<(Message, u128), Answer> {
    let header_len = model.layout().header_len();
    if buf.is_empty() {
        return Err(Answer::Panics(
            "index out of range [0] with length 0".to_owned(),
        ));
    }
    if buf.len() < header_len {
        return Err(Answer::ReadsPastEnd {
            header_len: header_len as u128,
            available: buf.len() as u128,
        });
    }
    if (buf.len() as u128) < model.data_offset() {
        let (len, ..) = model.read_header(buf);
        let available = buf.len() as u128;
        return Err(if len < header_len as u128 {
            Answer::Rejected(Rejection::LengthBelowHeader {
                offset: 0,
                len,
                min: model.data_offset(),
            })
        } else if len > available {
            Answer::Rejected(Rejection::LengthPastEnd {
                offset: 0,
                len,
                available,
            })
        } else {
            Answer::Panics(format!(
                "slice bounds out of range [{}:{len}]",
                model.data_offset()
            ))
        });
    }
    model.parse_one(buf).map_err(|rejection| match rejection {
        Rejection::LengthBelowHeader { len, .. } if len >= header_len as u128 => Answer::Panics(
            format!("slice bounds out of range [{}:{len}]", model.data_offset()),
        ),
        other => Answer::Rejected(other),
    })
}
