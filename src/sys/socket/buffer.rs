//! The control buffer `recvmsg` writes into: zeroed, aligned for
//! `struct cmsghdr`, sized for what the caller expects; or the caller's own
//! bytes ([`ControlStorage`]).

use std::mem::MaybeUninit;

use crate::typed::TypedKind;
use crate::Layout;

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

    /// Room for one message of each of `kinds` as this system's kernel
    /// writes them ([`Layout::typed_space`](crate::Layout::typed_space)):
    /// what the socket options of a UDP receiver bring with each datagram.
    ///
    /// ```
    /// use sockcmsg::socket::ControlBuffer;
    /// use sockcmsg::typed::{TimeForm, TypedKind};
    /// # #[cfg(all(target_os = "linux", target_pointer_width = "64"))]
    /// assert_eq!(ControlBuffer::for_typed(&[TypedKind::UdpGro, TypedKind::Tos]).len(), 48);
    /// ```
    pub fn for_typed(kinds: &[TypedKind]) -> Self {
        Self::with_len(Layout::HOST.typed_space(kinds))
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
    /// Only the socket layer can make one, and each method below takes
    /// one: a supertrait's methods can be called through a bound on the
    /// public trait, and `written` must only ever follow `prepare`.
    pub struct Token(());

    /// The token, for the socket layer's receives.
    pub(in crate::sys::socket) const TOKEN: Token = Token(());

    /// What a receive does with its storage.
    pub trait Storage {
        /// The bytes to receive into, zeroed and aligned for `cmsghdr`,
        /// and where they start in the storage: an offset, which stays
        /// true when the storage moves (an array passed by value).
        fn prepare(&mut self, token: Token) -> (usize, &mut [u8]);
        /// Records that the kernel wrote the first `len` bytes of what
        /// `prepare` gave.
        fn finish(&mut self, len: usize, token: Token);
        /// The first `len` bytes (at most all) of what `prepare` gave,
        /// `start` being the offset it returned.
        fn written(&self, start: usize, len: usize, token: Token) -> &[u8];
    }
}

use sealed::{Storage, Token};

impl Storage for ControlBuffer {
    fn prepare(&mut self, _: Token) -> (usize, &mut [u8]) {
        (0, self.zeroed())
    }

    fn finish(&mut self, len: usize, _: Token) {
        self.written = len.min(self.len);
    }

    fn written(&self, _: usize, len: usize, _: Token) -> &[u8] {
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

/// `len` bytes (at most all) of `bytes` from `start`.
fn from_start<T>(bytes: &[T], start: usize, len: usize) -> &[T] {
    let rest = bytes.get(start..).unwrap_or_default();
    rest.get(..len).unwrap_or(rest)
}

impl Storage for [u8] {
    fn prepare(&mut self, _: Token) -> (usize, &mut [u8]) {
        let start = aligned_start(self.as_ptr(), self.len());
        let aligned = self.get_mut(start..).unwrap_or_default();
        aligned.fill(0);
        (start, aligned)
    }

    fn finish(&mut self, _: usize, _: Token) {}

    fn written(&self, start: usize, len: usize, _: Token) -> &[u8] {
        from_start(self, start, len)
    }
}

impl Storage for [MaybeUninit<u8>] {
    fn prepare(&mut self, _: Token) -> (usize, &mut [u8]) {
        let start = aligned_start(self.as_ptr().cast(), self.len());
        let aligned = self.get_mut(start..).unwrap_or_default();
        aligned.fill(MaybeUninit::new(0));
        // SAFETY: every byte of `aligned` was just initialized, and
        // MaybeUninit<u8> has u8's layout.
        (start, unsafe {
            &mut *(std::ptr::from_mut(aligned) as *mut [u8])
        })
    }

    fn finish(&mut self, _: usize, _: Token) {}

    fn written(&self, start: usize, len: usize, _: Token) -> &[u8] {
        let written = from_start(self, start, len);
        // SAFETY: only the socket layer holds a Token, and it passes the
        // `start` that `prepare` returned, which initialized every byte
        // from there on; a move copies the bytes with their
        // initialization.
        unsafe { &*(std::ptr::from_ref(written) as *const [u8]) }
    }
}

impl<const N: usize> Storage for [u8; N] {
    fn prepare(&mut self, token: Token) -> (usize, &mut [u8]) {
        self.as_mut_slice().prepare(token)
    }

    fn finish(&mut self, _: usize, _: Token) {}

    fn written(&self, start: usize, len: usize, token: Token) -> &[u8] {
        self.as_slice().written(start, len, token)
    }
}

impl<const N: usize> Storage for [MaybeUninit<u8>; N] {
    fn prepare(&mut self, token: Token) -> (usize, &mut [u8]) {
        self.as_mut_slice().prepare(token)
    }

    fn finish(&mut self, _: usize, _: Token) {}

    fn written(&self, start: usize, len: usize, token: Token) -> &[u8] {
        self.as_slice().written(start, len, token)
    }
}

impl<T: Storage + ?Sized> Storage for &mut T {
    fn prepare(&mut self, token: Token) -> (usize, &mut [u8]) {
        (**self).prepare(token)
    }

    fn finish(&mut self, len: usize, token: Token) {
        (**self).finish(len, token);
    }

    fn written(&self, start: usize, len: usize, token: Token) -> &[u8] {
        (**self).written(start, len, token)
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

    use sealed::TOKEN as T;

    #[test]
    fn a_buffer_is_zeroed_again_where_it_was_written() {
        let mut buf = ControlBuffer::with_len(20);
        // The kernel writes no further than the length it reports.
        buf.prepare(T).1[..12].fill(0xff);
        buf.finish(12, T);
        assert_eq!(buf.written(0, 12, T), [0xff; 12]);
        assert!(buf.prepare(T).1.iter().all(|&b| b == 0));
        buf.prepare(T).1.fill(0xff);
        buf.finish(usize::MAX, T);
        assert_eq!(buf.written(0, usize::MAX, T).len(), 20);
        assert!(buf.prepare(T).1.iter().all(|&b| b == 0));
    }

    #[test]
    fn callers_bytes_are_used_from_their_first_aligned_byte() {
        let align = std::mem::align_of::<libc::cmsghdr>();
        let mut words = [u64::MAX; 4];
        // SAFETY: u8 has no alignment or validity requirement, and the
        // slice covers the words' bytes.
        let bytes = unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), 32) };
        let odd = &mut bytes[1..];
        let (start, prepared) = odd.prepare(T);
        assert_eq!((start, prepared.len()), (align - 1, 32 - align));
        assert_eq!(prepared.as_ptr() as usize % align, 0);
        assert!(prepared.iter().all(|&b| b == 0));
        prepared[..3].fill(7);
        assert_eq!(odd.written(start, 3, T), [7; 3]);
        assert_eq!(odd.written(start, usize::MAX, T).len(), 32 - align);
        assert_eq!(
            bytes[..align],
            [0xff; 8][..align],
            "nothing before is touched"
        );

        let mut uninit = [MaybeUninit::<u8>::uninit(); 3];
        assert!(uninit[..].prepare(T).1.len() <= 3);
        let mut too_short: [u8; 0] = [];
        assert!(too_short.prepare(T).1.is_empty());
    }

    /// An array passed by value moves after `prepare`: what was written is
    /// read from the offset `prepare` gave, wherever the array now is.
    #[test]
    fn a_moved_array_is_read_from_where_it_was_prepared() {
        let mut array = [0xffu8; 61];
        let (start, prepared) = array.prepare(T);
        prepared[..4].copy_from_slice(&[1, 2, 3, 4]);
        let moved = Box::new(array);
        assert_eq!(moved.written(start, 4, T), [1, 2, 3, 4]);
        let mut uninit = [MaybeUninit::<u8>::uninit(); 61];
        let (start, prepared) = uninit.prepare(T);
        prepared[..2].copy_from_slice(&[5, 6]);
        let moved = Box::new(uninit);
        assert_eq!(moved.written(start, 2, T), [5, 6]);
        assert_eq!(moved.written(start, usize::MAX, T).len(), 61 - start);
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
