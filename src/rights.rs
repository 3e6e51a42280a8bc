//! `SCM_RIGHTS` payloads: file descriptors as 4-byte integers.

use std::os::fd::RawFd;

use crate::{Error, Layout, SocketControlMessage};

/// The bytes of one file descriptor in an `SCM_RIGHTS` payload.
const FD_LEN: usize = 4;

/// An iterator over the file descriptors in an `SCM_RIGHTS` message, made by
/// [`fds`](crate::fds) or [`Layout::fds`]. It reads them from the message's
/// data as it goes and allocates nothing.
///
/// The values are numbers, not owned descriptors: received ones are the
/// caller's to close.
///
/// ```
/// let buf = sockcmsg::unix_rights(&[3, -1])?;
/// let msg = sockcmsg::messages(&buf).next().unwrap()?;
/// let fds = sockcmsg::fds(&msg)?;
/// assert_eq!(fds.len(), 2);
/// assert_eq!(fds.collect::<Vec<_>>(), [3, -1]);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Fds<'a> {
    layout: Layout,
    chunks: std::slice::ChunksExact<'a, u8>,
}

impl Iterator for Fds<'_> {
    type Item = RawFd;

    #[inline]
    fn next(&mut self) -> Option<RawFd> {
        let chunk = self.chunks.next()?.try_into().ok()?;
        Some(self.layout.i32_from(chunk))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl ExactSizeIterator for Fds<'_> {}

impl std::iter::FusedIterator for Fds<'_> {}

impl Layout {
    /// The file descriptors in an `SCM_RIGHTS` message, as an iterator. See
    /// [`fds`](crate::fds).
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// let buf = Layout::LINUX_32.unix_rights(&[3, 4])?;
    /// let msg = Layout::LINUX_32.messages(&buf).next().unwrap()?;
    /// assert_eq!(Layout::LINUX_32.fds(&msg)?.sum::<i32>(), 7);
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    #[inline]
    pub fn fds<'a>(&self, msg: &SocketControlMessage<'a>) -> Result<Fds<'a>, Error> {
        self.expect_type(msg, self.scm_rights())?;
        // Go's ParseUnixRights indexes out of range here; this is an error.
        if msg.data.len() % FD_LEN != 0 {
            return Err(Error::PartialFd {
                len: msg.data.len(),
            });
        }
        Ok(self.whole_fds(msg.data))
    }

    /// The whole file descriptors in `data`, ignoring a partial one at the
    /// end: for code that must see every descriptor the kernel installed
    /// even in a payload that [`fds`](Self::fds) rejects.
    #[inline]
    pub(crate) fn whole_fds<'a>(&self, data: &'a [u8]) -> Fds<'a> {
        Fds {
            layout: *self,
            chunks: data.chunks_exact(FD_LEN),
        }
    }

    /// The file descriptors in an `SCM_RIGHTS` message. See
    /// [`parse_unix_rights`](crate::parse_unix_rights).
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// let buf = Layout::LINUX_32.unix_rights(&[3, 4])?;
    /// let msgs = Layout::LINUX_32.parse_socket_control_message(&buf)?;
    /// assert_eq!(Layout::LINUX_32.parse_unix_rights(&msgs[0])?, [3, 4]);
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn parse_unix_rights(&self, msg: &SocketControlMessage<'_>) -> Result<Vec<RawFd>, Error> {
        let fds = self.fds(msg)?;
        // Bounded by the length, not by the iterator's end alone: a broken
        // `Fds::next` then gives wrong fds instead of an endless loop (the
        // mutation tests rely on it).
        let count = fds.len();
        Ok(fds.take(count).collect())
    }

    /// Checks that `msg` is a `SOL_SOCKET` message of type `kind`.
    #[inline]
    pub(crate) fn expect_type(
        &self,
        msg: &SocketControlMessage<'_>,
        kind: i32,
    ) -> Result<(), Error> {
        if msg.header.level == self.sol_socket() && msg.header.kind == kind {
            Ok(())
        } else {
            Err(Error::UnexpectedMessage {
                level: msg.header.level,
                kind: msg.header.kind,
                expected_level: self.sol_socket(),
                expected_kind: kind,
            })
        }
    }

    /// Writes `fds` into `out` in this layout's byte order; `out` holds
    /// [`rights_len`]`(fds)` bytes.
    #[inline]
    pub(crate) fn write_fds(&self, out: &mut [u8], fds: &[RawFd]) {
        // One fd, the usual message, is one store: the compiler makes the
        // loop a call to `memcpy` on a host-order layout.
        if let ([fd], Some(slot)) = (fds, out.first_chunk_mut::<FD_LEN>()) {
            *slot = self.i32_bytes(*fd);
            return;
        }
        for (slot, &fd) in out.chunks_exact_mut(FD_LEN).zip(fds) {
            slot.copy_from_slice(&self.i32_bytes(fd));
        }
    }
}

/// The payload length of an `SCM_RIGHTS` message carrying `fds`. A slice of
/// `i32` is at most `isize::MAX` bytes, so this cannot saturate.
pub(crate) fn rights_len(fds: &[RawFd]) -> usize {
    fds.len().saturating_mul(FD_LEN)
}
