//! The control buffer `recvmsg` writes into: zeroed, aligned for
//! `struct cmsghdr`, sized for what the caller expects; or the caller's own
//! bytes ([`ControlStorage`]).

use std::mem::MaybeUninit;

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
    /// untouched.
    fn zeroed(&mut self) -> &mut [u8] {
        let written = self.written;
        let bytes = self.bytes_mut();
        if let Some(dirty) = bytes.get_mut(..written) {
            dirty.fill(0);
        }
        bytes
    }
}

/// Where a receive writes the control data: a [`ControlBuffer`], or the
/// caller's own bytes (`[u8]`, `[MaybeUninit<u8>]` or an array of either),
/// used from their first byte aligned for `struct cmsghdr`; by value or
/// behind `&mut`. Given by value, the storage moves into the
/// [`Received`](super::Received), which gives it back with
/// [`into_control`](super::Received::into_control): a temporary buffer is
/// no borrow to outlive.
///
/// ```
/// use std::mem::MaybeUninit;
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, ControlBuffer, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::Datagram)?;
/// let file = std::fs::File::open("/dev/null")?;
/// for _ in 0..3 {
///     socket::send(a.as_fd(), b"x", &[file.as_fd()], None)?;
/// }
/// // A temporary, moved in.
/// let received = socket::recv(b.as_fd(), &mut [0; 1], ControlBuffer::for_fds(1))?;
/// assert_eq!(received.fds.len(), 1);
/// // Bytes on the stack, aligned inside.
/// let mut bytes = [0u8; 64];
/// assert_eq!(socket::recv(b.as_fd(), &mut [0; 1], &mut bytes[1..])?.fds.len(), 1);
/// // Uninitialized bytes: zeroed where the kernel may write.
/// let mut uninit = [MaybeUninit::<u8>::uninit(); 64];
/// assert_eq!(socket::recv(b.as_fd(), &mut [0; 1], &mut uninit)?.fds.len(), 1);
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait ControlStorage: sealed::Storage {}

impl<T: sealed::Storage + ?Sized> ControlStorage for T {}

pub(super) mod sealed {
    /// What a receive does with its storage; sealed, so that `written` is
    /// only ever called after `prepare`.
    pub trait Storage {
        /// The bytes to receive into: zeroed, aligned for `cmsghdr`.
        fn prepare(&mut self) -> &mut [u8];
        /// Records that the kernel wrote the first `len` bytes of what
        /// `prepare` gave.
        fn finish(&mut self, len: usize);
        /// The first `len` bytes of what `prepare` gave (at most all of
        /// them), after it.
        fn written(&self, len: usize) -> &[u8];
    }
}

impl sealed::Storage for ControlBuffer {
    fn prepare(&mut self) -> &mut [u8] {
        self.zeroed()
    }

    fn finish(&mut self, len: usize) {
        self.written = len.min(self.len);
    }

    fn written(&self, len: usize) -> &[u8] {
        self.bytes()
            .get(..len.min(self.written))
            .unwrap_or_default()
    }
}

/// Where the bytes aligned for `cmsghdr` start in a buffer at `address`.
fn aligned_start(address: *const u8, len: usize) -> usize {
    address
        .align_offset(std::mem::align_of::<libc::cmsghdr>())
        .min(len)
}

impl sealed::Storage for [u8] {
    fn prepare(&mut self) -> &mut [u8] {
        let start = aligned_start(self.as_ptr(), self.len());
        let aligned = self.get_mut(start..).unwrap_or_default();
        aligned.fill(0);
        aligned
    }

    fn finish(&mut self, _: usize) {}

    fn written(&self, len: usize) -> &[u8] {
        let start = aligned_start(self.as_ptr(), self.len());
        let aligned = self.get(start..).unwrap_or_default();
        aligned.get(..len).unwrap_or(aligned)
    }
}

impl sealed::Storage for [MaybeUninit<u8>] {
    fn prepare(&mut self) -> &mut [u8] {
        let start = aligned_start(self.as_ptr().cast(), self.len());
        let aligned = self.get_mut(start..).unwrap_or_default();
        aligned.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `aligned` was just initialized, and
        // MaybeUninit<u8> has u8's layout.
        unsafe { &mut *(std::ptr::from_mut(aligned) as *mut [u8]) }
    }

    fn finish(&mut self, _: usize) {}

    fn written(&self, len: usize) -> &[u8] {
        let start = aligned_start(self.as_ptr().cast(), self.len());
        let aligned = self.get(start..).unwrap_or_default();
        let written = aligned.get(..len).unwrap_or(aligned);
        // SAFETY: `prepare` initialized every byte from `start` on, and
        // the trait is sealed: receives call `written` only after it.
        unsafe { &*(std::ptr::from_ref(written) as *const [u8]) }
    }
}

impl<const N: usize> sealed::Storage for [u8; N] {
    fn prepare(&mut self) -> &mut [u8] {
        self.as_mut_slice().prepare()
    }

    fn finish(&mut self, _: usize) {}

    fn written(&self, len: usize) -> &[u8] {
        self.as_slice().written(len)
    }
}

impl<const N: usize> sealed::Storage for [MaybeUninit<u8>; N] {
    fn prepare(&mut self) -> &mut [u8] {
        self.as_mut_slice().prepare()
    }

    fn finish(&mut self, _: usize) {}

    fn written(&self, len: usize) -> &[u8] {
        self.as_slice().written(len)
    }
}

impl<T: sealed::Storage + ?Sized> sealed::Storage for &mut T {
    fn prepare(&mut self) -> &mut [u8] {
        (**self).prepare()
    }

    fn finish(&mut self, len: usize) {
        (**self).finish(len);
    }

    fn written(&self, len: usize) -> &[u8] {
        (**self).written(len)
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

    use sealed::Storage;

    #[test]
    fn a_buffer_is_zeroed_again_where_it_was_written() {
        let mut buf = ControlBuffer::with_len(20);
        // The kernel writes no further than the length it reports.
        buf.prepare()[..12].fill(0xff);
        buf.finish(12);
        assert_eq!(buf.written(12), [0xff; 12]);
        assert!(buf.prepare().iter().all(|&b| b == 0));
        buf.prepare().fill(0xff);
        buf.finish(usize::MAX);
        assert_eq!(buf.written(usize::MAX).len(), 20);
        assert!(buf.prepare().iter().all(|&b| b == 0));
    }

    #[test]
    fn callers_bytes_are_used_from_their_first_aligned_byte() {
        let align = std::mem::align_of::<libc::cmsghdr>();
        let mut words = [u64::MAX; 4];
        // SAFETY: u8 has no alignment or validity requirement, and the
        // slice covers the words' bytes.
        let bytes = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), 32) };
        let odd = &mut bytes[1..];
        let prepared = odd.prepare();
        assert_eq!(prepared.len(), 32 - align);
        assert_eq!(prepared.as_ptr() as usize % align, 0);
        assert!(prepared.iter().all(|&b| b == 0));
        prepared[..3].fill(7);
        assert_eq!(odd.written(3), [7; 3]);
        assert_eq!(odd.written(usize::MAX).len(), 32 - align);
        assert_eq!(
            bytes[..align],
            [0xff; 8][..align],
            "nothing before is touched"
        );

        let mut uninit = [MaybeUninit::<u8>::uninit(); 3];
        assert!(uninit[..].prepare().len() <= 3);
        let mut too_short: [u8; 0] = [];
        assert!(too_short.prepare().is_empty());
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
