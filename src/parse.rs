//! Parsing: the zero-copy [`Messages`] walk and the Go-style functions
//! built on it.
//!
//! The rules are Go's (`syscall.ParseSocketControlMessage`): walk while at
//! least one header remains, ignoring a shorter tail; a `cmsg_len` below the
//! header or past the end fails; the next header starts at the aligned
//! length. All bounds are checked before any arithmetic that could overflow,
//! so a `cmsg_len` near `u64::MAX` is an error, not a hang.

use crate::{Error, Layout};

/// The header of a control message (`struct cmsghdr`, Go's `Cmsghdr`).
///
/// ```
/// let buf = sockcmsg::unix_rights(&[7])?;
/// let (msg, _) = sockcmsg::parse_one_socket_control_message(&buf)?;
/// assert_eq!(msg.header.len, sockcmsg::cmsg_len(4));
/// assert_eq!(msg.header.level, libc::SOL_SOCKET);
/// assert_eq!(msg.header.kind, libc::SCM_RIGHTS);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cmsghdr {
    /// `cmsg_len`: the header's length plus the data's, without padding.
    pub len: usize,
    /// `cmsg_level`: the protocol, such as `SOL_SOCKET`.
    pub level: i32,
    /// `cmsg_type`: the message type within the level, such as
    /// `SCM_RIGHTS`.
    pub kind: i32,
}

/// One parsed control message: its header and a slice of its data, borrowed
/// from the buffer (Go's `SocketControlMessage`).
///
/// `data` is exactly the `header.len - cmsg_len(0)` bytes after the header,
/// never the padding.
///
/// ```
/// let buf = sockcmsg::unix_rights(&[7])?;
/// let msgs = sockcmsg::parse_socket_control_message(&buf)?;
/// assert_eq!(msgs[0].data, 7i32.to_ne_bytes());
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SocketControlMessage<'a> {
    /// The message's header, as read.
    pub header: Cmsghdr,
    /// The message's data, without the header or padding.
    pub data: &'a [u8],
}

/// An iterator over the control messages in a buffer, made by
/// [`messages`](crate::messages) or [`Layout::messages`].
///
/// It allocates nothing and yields messages that borrow from the buffer.
/// After an error it yields that error once and then ends, so
/// `collect::<Result<Vec<_>, _>>()` gives exactly
/// [`parse_socket_control_message`](crate::parse_socket_control_message)'s
/// answer.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[3, 4])?;
/// buf.extend(sockcmsg::unix_rights(&[5])?);
/// let mut count = 0;
/// for msg in sockcmsg::messages(&buf) {
///     let msg = msg?;
///     count += sockcmsg::fds(&msg)?.len();
/// }
/// assert_eq!(count, 3);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Messages<'a> {
    layout: Layout,
    /// The unread part of the buffer; empty once the walk is over.
    rest: &'a [u8],
    /// The whole buffer's length, for error offsets.
    total: usize,
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<SocketControlMessage<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        // Go walks while a whole header remains and ignores a shorter tail.
        if self.rest.len() < self.layout.data_offset() {
            return None;
        }
        let offset = self.total.wrapping_sub(self.rest.len());
        match self.layout.parse_at(self.rest, offset) {
            Ok((msg, next)) => {
                self.rest = match self.rest.get(next..) {
                    Some(rest) => rest,
                    None => ended(),
                };
                Some(Ok(msg))
            }
            Err(err) => {
                self.rest = ended();
                Some(Err(err))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (
            0,
            Some(
                self.rest
                    .len()
                    .checked_div(self.layout.data_offset())
                    .unwrap_or(0),
            ),
        )
    }
}

/// The rest of a walk that is over. Cold, so that the step stays a branch
/// instead of a conditional move on the walk's critical path.
#[cold]
fn ended<'a>() -> &'a [u8] {
    &[]
}

impl std::iter::FusedIterator for Messages<'_> {}

impl Layout {
    /// Iterates over the messages in `buf` with this layout. See
    /// [`messages`](crate::messages).
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// let buf = Layout::LINUX_32.unix_rights(&[3])?;
    /// assert_eq!(buf.len(), 16);
    /// let msg = Layout::LINUX_32.messages(&buf).next().unwrap()?;
    /// assert_eq!(Layout::LINUX_32.parse_unix_rights(&msg)?, [3]);
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    #[inline]
    pub fn messages<'a>(&self, buf: &'a [u8]) -> Messages<'a> {
        Messages {
            layout: *self,
            rest: buf,
            total: buf.len(),
        }
    }

    /// Parses every message in `buf` with this layout. See
    /// [`parse_socket_control_message`](crate::parse_socket_control_message).
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// let buf = Layout::LINUX_32.unix_rights(&[3, 4])?;
    /// let msgs = Layout::LINUX_32.parse_socket_control_message(&buf)?;
    /// assert_eq!(msgs.len(), 1);
    /// assert_eq!(msgs[0].header.len, 20);
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn parse_socket_control_message<'a>(
        &self,
        buf: &'a [u8],
    ) -> Result<Vec<SocketControlMessage<'a>>, Error> {
        self.messages(buf).collect()
    }

    /// Parses the first message in `buf` with this layout and returns it
    /// with the rest of the buffer. See
    /// [`parse_one_socket_control_message`](crate::parse_one_socket_control_message).
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// let buf = Layout::LINUX_32.unix_rights(&[3])?;
    /// let (msg, rest) = Layout::LINUX_32.parse_one_socket_control_message(&buf)?;
    /// assert_eq!(msg.data.len(), 4);
    /// assert!(rest.is_empty());
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn parse_one_socket_control_message<'a>(
        &self,
        buf: &'a [u8],
    ) -> Result<(SocketControlMessage<'a>, &'a [u8]), Error> {
        let (msg, next) = self.parse_at(buf, 0)?;
        Ok((msg, buf.get(next..).unwrap_or_default()))
    }

    /// Parses the message at the start of `rest`, which starts at `offset`
    /// in the caller's buffer. Returns it and where the next header starts,
    /// relative to `rest` (possibly past its end).
    #[inline]
    fn parse_at<'a>(
        &self,
        rest: &'a [u8],
        offset: usize,
    ) -> Result<(SocketControlMessage<'a>, usize), Error> {
        let data_offset = self.data_offset();
        let raw = self.read_header(rest).ok_or(Error::TruncatedHeader {
            offset,
            available: rest.len(),
            needed: data_offset,
        })?;
        // A length that does not fit a usize is past the end of any buffer.
        let len = usize::try_from(raw.len).unwrap_or(usize::MAX);
        let Some(data) = rest.get(data_offset..len) else {
            return Err(if len < data_offset {
                Error::LengthBelowHeader {
                    offset,
                    len: raw.len,
                    min: data_offset,
                }
            } else {
                Error::LengthPastEnd {
                    offset,
                    len: raw.len,
                    available: rest.len(),
                }
            });
        };
        let msg = SocketControlMessage {
            header: Cmsghdr {
                len,
                level: raw.level,
                kind: raw.kind,
            },
            data,
        };
        // `len` is at most `rest.len()`, so aligning it cannot saturate.
        Ok((msg, self.cmsg_align(len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ControlMessage;

    const L: Layout = Layout::LINUX_64;

    /// A header with any `cmsg_len`, followed by `data`.
    fn with_len(len: u64, data: &[u8]) -> Vec<u8> {
        let mut buf = len.to_le_bytes().to_vec();
        buf.extend(1i32.to_le_bytes());
        buf.extend(1i32.to_le_bytes());
        buf.extend(data);
        buf
    }

    #[test]
    fn lengths_near_the_top_fail_without_looping() {
        for len in [u64::MAX, u64::MAX - 6, 1 << 63, (1 << 32) + 16, 17] {
            let buf = with_len(len, &[]);
            assert_eq!(
                L.parse_socket_control_message(&buf),
                Err(Error::LengthPastEnd {
                    offset: 0,
                    len,
                    available: 16
                })
            );
        }
    }

    #[test]
    fn lengths_below_the_header_fail() {
        for len in [0, 1, 15] {
            assert_eq!(
                L.parse_socket_control_message(&with_len(len, &[0; 16])),
                Err(Error::LengthBelowHeader {
                    offset: 0,
                    len,
                    min: 16
                })
            );
        }
    }

    #[test]
    fn an_error_is_reported_at_its_offset_once_then_the_walk_ends() {
        let mut buf = L.unix_rights(&[3]).unwrap();
        buf.extend(with_len(40, &[0; 8]));
        let mut walk = L.messages(&buf);
        assert!(walk.next().unwrap().is_ok());
        assert_eq!(
            walk.next(),
            Some(Err(Error::LengthPastEnd {
                offset: 24,
                len: 40,
                available: 24
            }))
        );
        assert_eq!(walk.next(), None);
        assert_eq!(walk.next(), None);
        assert!(L.parse_socket_control_message(&buf).is_err());
    }

    #[test]
    fn a_short_tail_is_ignored_and_the_last_message_may_be_unpadded() {
        let mut buf = with_len(17, &[7]);
        assert_eq!(L.parse_socket_control_message(&buf).unwrap()[0].data, [7]);
        buf.extend([0xee; 15]);
        let msgs = L.parse_socket_control_message(&buf).unwrap();
        assert_eq!(msgs.len(), 1);
        // Data stops at cmsg_len, never reaching the padding.
        assert_eq!(msgs[0].data, [7]);
    }

    #[test]
    fn fields_are_read_from_unaligned_buffers() {
        let aligned = L.unix_rights(&[3, 4]).unwrap();
        for shift in 1..8 {
            let mut shifted = vec![0xaa; shift];
            shifted.extend(&aligned);
            let msgs = L.parse_socket_control_message(&shifted[shift..]).unwrap();
            assert_eq!(L.parse_unix_rights(&msgs[0]).unwrap(), [3, 4]);
        }
    }

    #[test]
    fn parse_one_reports_short_inputs_and_returns_the_aligned_rest() {
        for len in 0..16 {
            assert_eq!(
                L.parse_one_socket_control_message(&[0; 16][..len]),
                Err(Error::TruncatedHeader {
                    offset: 0,
                    available: len,
                    needed: 16
                })
            );
        }
        let two = L
            .encode(&[
                ControlMessage::Rights(&[3]),
                ControlMessage::Other {
                    level: 0,
                    kind: 0,
                    data: &[],
                },
            ])
            .unwrap();
        let (first, rest) = L.parse_one_socket_control_message(&two).unwrap();
        assert_eq!(first.header.len, 20);
        assert_eq!(rest, &two[24..]);
        // An unpadded last message leaves nothing, not a negative rest.
        let (_, rest) = L.parse_one_socket_control_message(&two[..20]).unwrap();
        assert!(rest.is_empty());
    }

    #[test]
    fn the_size_hint_counts_the_bare_headers_that_fit() {
        // A bare header is the shortest message, so the bound is exact for
        // a buffer of them, and a shorter tail does not count.
        let bare = ControlMessage::Other {
            level: 0,
            kind: 0,
            data: &[],
        };
        let mut buf = L.encode(&[bare; 3]).unwrap();
        buf.extend([0; 15]);
        let mut walk = L.messages(&buf);
        for left in (0..=3).rev() {
            assert_eq!(walk.size_hint(), (0, Some(left)));
            walk.next();
        }
    }

    #[test]
    fn the_32_bit_layout_reads_its_own_header() {
        let mut buf = 16u32.to_le_bytes().to_vec();
        buf.extend(1i32.to_le_bytes());
        buf.extend(1i32.to_le_bytes());
        buf.extend(9i32.to_le_bytes());
        let msgs = Layout::LINUX_32.parse_socket_control_message(&buf).unwrap();
        assert_eq!(msgs[0].header.len, 16);
        assert_eq!(Layout::LINUX_32.parse_unix_rights(&msgs[0]).unwrap(), [9]);
    }
}
