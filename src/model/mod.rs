//! The reference model: the rules of a control buffer, stated once, as
//! plainly as they can be, for any [`Layout`].
//!
//! Every oracle compares against this module: the fuzz checks, the
//! property tests, `cargo xtask decode`, and the conformance runner. It
//! shares no code with the codec. It reads only the layout's constants
//! ([`Layout::header_len`], [`Layout::align`], [`Layout::len_offset`],
//! [`Layout::len_width`], [`Layout::is_big_endian`] and the message
//! numbers), reads and writes headers itself, and counts in `u128`, where
//! no length taken from a `usize` or a 64-bit field can overflow. It
//! prefers clarity to speed: it copies, allocates, and walks byte by byte.
//!
//! The rules (Go 1.19's `syscall`, which the codec follows):
//!
//! - A message's data starts at the header's length rounded up to the
//!   alignment, `cmsg_len(0)`; that is also the least valid `cmsg_len`.
//! - The walk goes on while at least `cmsg_len(0)` bytes remain. A shorter
//!   tail is ignored.
//! - A `cmsg_len` below `cmsg_len(0)`, or past the end of the buffer,
//!   rejects the whole buffer, at that header's offset.
//! - The next header starts at the aligned `cmsg_len`; the last message
//!   need not be padded.
//! - Rights are whole 4-byte fds; credentials are 12 bytes (pid, uid, gid),
//!   and more are ignored; each decoder takes only its level and type.
//! - The encoder writes each message as a header (its padding zeroed), the
//!   data, then zeros up to the aligned length.
//!
//! Where real implementations part from these rules, [`dialect`] states
//! how, each as a small variation of this walk. What Linux's `recvmsg`
//! writes into a control buffer of a given size (the fds it installs, when
//! it sets `MSG_CTRUNC`) is [`Model::kernel_receive`].
//!
//! ```
//! use sockcmsg::model::Model;
//! use sockcmsg::Layout;
//!
//! let model = Model::new(Layout::LINUX_64);
//! let buf = model.encode([(1, 1, &[3, 0, 0, 0][..])]);
//! assert_eq!(buf, sockcmsg::Layout::LINUX_64.unix_rights(&[3])?);
//! let walk = model.walk(&buf);
//! assert_eq!(walk.messages.len(), 1);
//! assert_eq!(walk.rejection, None);
//! # Ok::<(), sockcmsg::Error>(())
//! ```

// The model counts in u128 and indexes only after comparing with the
// length; the codec's lints against arithmetic and indexing, which make it
// prove the same with checked operations, would hide that plain reading.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "the model is written for reading: u128 arithmetic, bounds checked before indexing"
)]

pub mod dialect;
mod fields;
mod receive;
mod rejection;
mod send;
mod typed;
mod uring;

use crate::Layout;

pub use fields::{FieldClass, TypedField};
pub use receive::KernelReceive;
pub use rejection::Rejection;
pub use send::UdpFamily;
pub use typed::{typed_kinds, CType, TypedBytes, TypedRule};
pub use uring::{UringCompletion, UringDatagram, UringParts, UringSubmission, RECVMSG_OUT_LEN};

/// The bytes of one fd in an `SCM_RIGHTS` message's data.
pub const FD_LEN: usize = 4;

/// The bytes of `struct ucred` (pid, uid, gid) in an `SCM_CREDENTIALS`
/// message's data; more are ignored.
pub const UCRED_LEN: usize = 12;

/// A message the model found: its header and where its data lies in the
/// buffer walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Message {
    /// `cmsg_len`.
    pub len: u128,
    /// `cmsg_level`.
    pub level: i32,
    /// `cmsg_type`.
    pub kind: i32,
    /// Where the data starts: the header's offset plus `cmsg_len(0)`.
    pub data_at: u128,
    /// `cmsg_len - cmsg_len(0)`.
    pub data_len: u128,
}

impl Message {
    /// Where the message's header starts.
    pub fn offset(&self, model: &Model) -> u128 {
        self.data_at - model.data_offset()
    }

    /// The message's data, in the buffer it was found in.
    pub fn data<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.data_at as usize..(self.data_at + self.data_len) as usize]
    }
}

/// The model's answer for a whole buffer: the messages before any
/// rejection, and the rejection. A buffer is accepted, all or nothing, when
/// `rejection` is `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    /// The messages, in order (those before the rejection, if any).
    pub messages: Vec<Message>,
    /// Why the buffer is rejected, or `None`.
    pub rejection: Option<Rejection>,
    /// Where the walk stopped: the end of the last message, aligned (or the
    /// rejected header's offset). Bytes from here on are the tail.
    pub end: u128,
}

impl Walk {
    /// The messages, or the rejection: what a parse of the whole buffer
    /// returns.
    pub fn result(&self) -> Result<&[Message], Rejection> {
        match self.rejection {
            Some(rejection) => Err(rejection),
            None => Ok(&self.messages),
        }
    }
}

/// The model of one layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Model {
    layout: Layout,
}

impl Model {
    /// The model of `layout`'s rules.
    pub fn new(layout: Layout) -> Model {
        Model { layout }
    }

    /// The layout modelled.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// `sizeof(struct cmsghdr)`.
    pub fn header_len(&self) -> u128 {
        self.layout.header_len() as u128
    }

    /// The alignment of headers.
    pub fn align(&self) -> u128 {
        self.layout.align() as u128
    }

    /// `n` rounded up to the alignment.
    pub fn align_up(&self, n: u128) -> u128 {
        n.div_ceil(self.align()) * self.align()
    }

    /// `cmsg_len(0)`: where data starts, and the least valid `cmsg_len`.
    pub fn data_offset(&self) -> u128 {
        self.align_up(self.header_len())
    }

    /// `CMSG_LEN(data_len)`.
    pub fn cmsg_len(&self, data_len: u128) -> u128 {
        self.data_offset() + data_len
    }

    /// `CMSG_SPACE(data_len)`.
    pub fn cmsg_space(&self, data_len: u128) -> u128 {
        self.align_up(self.cmsg_len(data_len))
    }

    /// Bytes as a number in the layout's byte order.
    fn number(&self, bytes: &[u8]) -> u128 {
        let mut little_endian = [0; 16];
        let digits = &mut little_endian[..bytes.len()];
        digits.copy_from_slice(bytes);
        if self.layout.is_big_endian() {
            digits.reverse();
        }
        u128::from_le_bytes(little_endian)
    }

    /// Writes the low `out.len()` bytes of `n` into `out`, in the layout's
    /// byte order.
    fn put(&self, out: &mut [u8], n: u128) {
        let width = out.len();
        out.copy_from_slice(&n.to_le_bytes()[..width]);
        if self.layout.is_big_endian() {
            out.reverse();
        }
    }

    /// The 4-byte signed number at `at`.
    fn int_at(&self, bytes: &[u8], at: usize) -> i32 {
        self.number(&bytes[at..at + 4]) as u32 as i32
    }

    /// Level and type are the header's last 8 bytes on every layout.
    fn level_offset(&self) -> usize {
        self.layout.header_len() - 8
    }

    /// `cmsg_len`, level and type of the header at the start of `bytes`,
    /// which holds at least a header.
    pub fn read_header(&self, bytes: &[u8]) -> (u128, i32, i32) {
        let len_at = self.layout.len_offset();
        let level_at = self.level_offset();
        (
            self.number(&bytes[len_at..len_at + self.layout.len_width()]),
            self.int_at(bytes, level_at),
            self.int_at(bytes, level_at + 4),
        )
    }

    /// Writes the low bytes of `len` that the length field holds as the
    /// `cmsg_len` of the header at the start of `bytes`.
    pub fn write_len(&self, bytes: &mut [u8], len: u128) {
        let at = self.layout.len_offset();
        self.put(&mut bytes[at..at + self.layout.len_width()], len);
    }

    /// A header, zero-padded to `cmsg_len(0)` bytes. Only the low bytes of
    /// `len` that the length field holds are written.
    pub fn header(&self, len: u128, level: i32, kind: i32) -> Vec<u8> {
        let mut header = vec![0; self.data_offset() as usize];
        self.write_header(&mut header, len, level, kind);
        header
    }

    /// Writes [`header`](Model::header)`(len, level, kind)` over the
    /// `cmsg_len(0)` bytes at the start of `bytes`, which are zero.
    pub(crate) fn write_header(&self, bytes: &mut [u8], len: u128, level: i32, kind: i32) {
        self.write_len(bytes, len);
        let at = self.level_offset();
        self.put(&mut bytes[at..at + 4], u128::from(level as u32));
        self.put(&mut bytes[at + 4..at + 8], u128::from(kind as u32));
    }

    /// The walk over a whole buffer.
    pub fn walk(&self, buf: &[u8]) -> Walk {
        let end = buf.len() as u128;
        let mut messages = Vec::new();
        let mut at = 0;
        while at + self.data_offset() <= end {
            match self.message_at(buf, at) {
                Ok(msg) => {
                    at += self.align_up(msg.len);
                    messages.push(msg);
                }
                Err(rejection) => {
                    return Walk {
                        messages,
                        rejection: Some(rejection),
                        end: at,
                    }
                }
            }
        }
        Walk {
            messages,
            rejection: None,
            end: at.min(end),
        }
    }

    /// The message whose header starts at `at`, where a whole header is.
    fn message_at(&self, buf: &[u8], at: u128) -> Result<Message, Rejection> {
        let available = buf.len() as u128 - at;
        let min = self.data_offset();
        let (len, level, kind) = self.read_header(&buf[at as usize..]);
        if len < min {
            return Err(Rejection::LengthBelowHeader {
                offset: at,
                len,
                min,
            });
        }
        if len > available {
            return Err(Rejection::LengthPastEnd {
                offset: at,
                len,
                available,
            });
        }
        Ok(Message {
            len,
            level,
            kind,
            data_at: at + min,
            data_len: len - min,
        })
    }

    /// x/sys/unix's `ParseOneSocketControlMessage`, with an input shorter
    /// than `cmsg_len(0)` an error: the first message, and where the rest
    /// starts (the end, if the aligned length passes it).
    pub fn parse_one(&self, buf: &[u8]) -> Result<(Message, u128), Rejection> {
        let end = buf.len() as u128;
        if end < self.data_offset() {
            return Err(Rejection::TruncatedHeader {
                offset: 0,
                available: end,
                needed: self.data_offset(),
            });
        }
        let msg = self.message_at(buf, 0)?;
        Ok((msg, self.align_up(msg.len).min(end)))
    }

    /// Go's `ParseUnixRights`, with a partial fd an error: the fds of an
    /// `SCM_RIGHTS` message's data.
    pub fn rights(&self, level: i32, kind: i32, data: &[u8]) -> Result<Vec<i32>, Rejection> {
        self.expect(level, kind, self.layout.scm_rights())?;
        if data.len() % FD_LEN != 0 {
            return Err(Rejection::PartialFd {
                len: data.len() as u128,
            });
        }
        Ok((0..data.len())
            .step_by(FD_LEN)
            .map(|at| self.int_at(data, at))
            .collect())
    }

    /// Go's `ParseUnixCredentials`: pid, uid, gid of an `SCM_CREDENTIALS`
    /// message's data.
    pub fn credentials(
        &self,
        level: i32,
        kind: i32,
        data: &[u8],
    ) -> Result<(i32, u32, u32), Rejection> {
        let expected_kind = self
            .layout
            .scm_credentials()
            .ok_or(Rejection::CredentialsUnsupported)?;
        self.expect(level, kind, expected_kind)?;
        if data.len() < UCRED_LEN {
            return Err(Rejection::ShortCredentials {
                len: data.len() as u128,
                needed: UCRED_LEN as u128,
            });
        }
        let field = |at| self.int_at(data, at);
        Ok((field(0), field(4) as u32, field(8) as u32))
    }

    fn expect(&self, level: i32, kind: i32, expected_kind: i32) -> Result<(), Rejection> {
        let expected_level = self.layout.sol_socket();
        if level == expected_level && kind == expected_kind {
            Ok(())
        } else {
            Err(Rejection::UnexpectedMessage {
                level,
                kind,
                expected_level,
                expected_kind,
            })
        }
    }

    /// The encoder's exact bytes for messages given as level, type and data:
    /// each a header, the data, and zeros up to its `cmsg_space`.
    pub fn encode<'a>(&self, msgs: impl IntoIterator<Item = (i32, i32, &'a [u8])>) -> Vec<u8> {
        let mut out = Vec::new();
        for (level, kind, data) in msgs {
            let start = out.len();
            let data_len = data.len() as u128;
            out.reserve(self.cmsg_space(data_len) as usize);
            out.resize(start + self.data_offset() as usize, 0);
            self.write_header(&mut out[start..], self.cmsg_len(data_len), level, kind);
            out.extend(data);
            out.resize(start + self.cmsg_space(data_len) as usize, 0);
        }
        out
    }

    /// The data of an `SCM_RIGHTS` message carrying `fds`.
    pub fn fd_bytes(&self, fds: &[i32]) -> Vec<u8> {
        self.numbers(fds.iter().map(|&fd| u128::from(fd as u32)), FD_LEN)
    }

    /// The data of an `SCM_CREDENTIALS` message: pid, uid, gid.
    pub fn ucred_bytes(&self, pid: i32, uid: u32, gid: u32) -> Vec<u8> {
        let fields = [u128::from(pid as u32), u128::from(uid), u128::from(gid)];
        self.numbers(fields.into_iter(), 4)
    }

    /// `numbers`, each `width` bytes in the layout's byte order, one after
    /// the other.
    fn numbers(&self, numbers: impl ExactSizeIterator<Item = u128>, width: usize) -> Vec<u8> {
        let mut out = vec![0; numbers.len() * width];
        for (field, n) in out.chunks_exact_mut(width).zip(numbers) {
            self.put(field, n);
        }
        out
    }
}
