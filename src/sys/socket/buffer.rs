//! The control buffer `recvmsg` writes into: zeroed, aligned for
//! `struct cmsghdr`, sized for what the caller expects.

/// The most descriptors one `recvmsg` can install: the kernel's
/// `SCM_MAX_FD` (`include/net/scm.h`). A send of more is `EINVAL`, and a
/// receive stops at the message that carried them.
pub(super) const SCM_MAX_FD: usize = 253;

/// A control buffer for [`recv`](super::recv): zeroed, and aligned for
/// `struct cmsghdr` as `recvmsg` expects.
///
/// A buffer holds whole messages plus their padding, and the kernel fills
/// the padding too: on 64-bit Linux [`for_fds(1)`](Self::for_fds) has room
/// for 2 descriptors, and a peer that sends 2 gets both installed. To hold
/// no more than you expect, cap them with
/// [`RecvOptions::max_fds`](super::RecvOptions::max_fds).
///
/// ```
/// use sockcmsg::socket::ControlBuffer;
/// assert_eq!(ControlBuffer::for_fds(3).len(), sockcmsg::cmsg_space(12));
/// assert_eq!(ControlBuffer::with_len(19).len(), 19);
/// ```
#[derive(Clone, Debug)]
pub struct ControlBuffer {
    /// u64 words give an alignment of 8, which covers every `cmsghdr`.
    words: Box<[u64]>,
    len: usize,
    /// How many bytes from the start may be non-zero: what the last receive
    /// wrote. The rest is still as allocated, zeroed.
    written: usize,
}

impl ControlBuffer {
    /// A buffer of exactly `len` bytes.
    ///
    /// # Panics
    ///
    /// If `len` is more than `isize::MAX` bytes, as `Vec::with_capacity`
    /// does.
    ///
    /// ```
    /// assert!(sockcmsg::socket::ControlBuffer::with_len(0).is_empty());
    /// ```
    pub fn with_len(len: usize) -> Self {
        ControlBuffer {
            words: vec![0; len.div_ceil(8)].into_boxed_slice(),
            len,
            written: 0,
        }
    }

    /// Room for one `SCM_RIGHTS` message of `fds` descriptors. More than
    /// 253 (the kernel's `SCM_MAX_FD`, the most one receive can carry) are
    /// taken as 253, so this never panics.
    ///
    /// ```
    /// use sockcmsg::socket::ControlBuffer;
    /// assert_eq!(ControlBuffer::for_fds(253).len(), sockcmsg::cmsg_space(253 * 4));
    /// assert_eq!(ControlBuffer::for_fds(usize::MAX).len(), ControlBuffer::for_fds(253).len());
    /// ```
    pub fn for_fds(fds: usize) -> Self {
        Self::with_len(rights_space(fds))
    }

    /// Room for the `SCM_CREDENTIALS` message that `SO_PASSCRED` adds and
    /// one `SCM_RIGHTS` message of `fds` descriptors (at most 253, as in
    /// [`for_fds`](Self::for_fds)).
    ///
    /// ```
    /// let buf = sockcmsg::socket::ControlBuffer::for_credentials_and_fds(1);
    /// assert_eq!(buf.len(), sockcmsg::cmsg_space(12) + sockcmsg::cmsg_space(4));
    /// ```
    pub fn for_credentials_and_fds(fds: usize) -> Self {
        Self::with_len(crate::cmsg_space(12).saturating_add(rights_space(fds)))
    }

    /// The buffer's length in bytes.
    ///
    /// ```
    /// assert_eq!(sockcmsg::socket::ControlBuffer::with_len(7).len(), 7);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the buffer has no room at all.
    ///
    /// ```
    /// assert!(!sockcmsg::socket::ControlBuffer::for_fds(0).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(super) fn bytes(&self) -> &[u8] {
        // SAFETY: the words are initialized, u8 has no alignment or validity
        // requirement, and `len` is at most 8 bytes per word.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast(), self.len) }
    }

    pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
        self.written = self.len;
        // SAFETY: as in `bytes`, and the borrow of `self` is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast(), self.len) }
    }

    /// The whole buffer, zeroed, for the kernel to write into; zeroing only
    /// what was written before keeps a large buffer's untouched pages
    /// untouched. Say what the kernel wrote with [`received`](Self::received).
    pub(super) fn zeroed(&mut self) -> &mut [u8] {
        let written = self.written;
        let bytes = self.bytes_mut();
        if let Some(dirty) = bytes.get_mut(..written) {
            dirty.fill(0);
        }
        bytes
    }

    /// Records that the kernel wrote the first `len` bytes, and returns them.
    pub(super) fn received(&mut self, len: usize) -> &[u8] {
        self.written = len.min(self.len);
        self.bytes().get(..self.written).unwrap_or_default()
    }
}

/// The space of one rights message of `fds` descriptors, at most
/// [`SCM_MAX_FD`] of them.
fn rights_space(fds: usize) -> usize {
    crate::cmsg_space(fds.min(SCM_MAX_FD).saturating_mul(4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_is_zeroed_again_where_it_was_written() {
        let mut buf = ControlBuffer::with_len(20);
        // The kernel writes no further than the length it reports.
        buf.zeroed()[..12].fill(0xff);
        assert_eq!(buf.received(12), [0xff; 12]);
        assert!(buf.zeroed().iter().all(|&b| b == 0));
        buf.zeroed().fill(0xff);
        assert_eq!(buf.received(usize::MAX).len(), 20);
        assert!(buf.zeroed().iter().all(|&b| b == 0));
    }

    #[test]
    fn any_number_of_fds_gives_a_buffer_for_at_most_253() {
        let most = crate::cmsg_space(253 * 4);
        for fds in [254, usize::MAX / 4, usize::MAX / 4 + 1, usize::MAX] {
            assert_eq!(ControlBuffer::for_fds(fds).len(), most, "{fds}");
            assert_eq!(
                ControlBuffer::for_credentials_and_fds(fds).len(),
                crate::cmsg_space(12) + most,
                "{fds}"
            );
        }
    }
}
