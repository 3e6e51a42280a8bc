//! Sending: messages whose descriptors are borrowed, encoded on the stack
//! when they fit, and the one raw form for bytes as they are.

use std::borrow::Cow;
use std::io::{self, IoSlice};
use std::marker::PhantomData;
use std::os::fd::{BorrowedFd, RawFd};

use super::syscall;
#[cfg(any(target_os = "linux", target_os = "android"))]
use super::syscall::Outgoing;
use super::SockAddr;
use crate::typed::TypedPayload;
use crate::{ControlMessage, Layout, Ucred};

/// A control message to send. Its descriptors are [`BorrowedFd`]s, so only
/// descriptors the caller holds can be passed; the codec's
/// [`ControlMessage`] carries bare numbers instead.
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, ControlBuffer, SendMessage, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::Datagram)?;
/// let file = std::fs::File::open("/dev/null")?;
/// let fds = [file.as_fd()];
/// // Two rights messages in one send; the kernel merges them.
/// socket::send_messages(a.as_fd(), b"x", &[SendMessage::Rights(&fds), SendMessage::Rights(&fds)])?;
/// let mut control = ControlBuffer::for_fds(2);
/// let received = socket::recv(b.as_fd(), &mut [0; 1], &mut control)?;
/// assert_eq!(received.fds.len(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum SendMessage<'a> {
    /// `SCM_RIGHTS`: descriptors to pass, borrowed for the call.
    Rights(&'a [BorrowedFd<'a>]),
    /// `SCM_CREDENTIALS`: credentials, which the kernel checks against the
    /// sender's rights.
    Credentials(Ucred),
    /// A typed IP, UDP or socket-level message, written for sending on
    /// this system ([`TypedPayload::to_send`]).
    Typed(&'a TypedPayload),
    /// Any other message, by level, type and data. An `SCM_RIGHTS` message
    /// is refused here (`InvalidInput`): its numbers would not be borrowed.
    Other {
        /// `cmsg_level`.
        level: i32,
        /// `cmsg_type`.
        kind: i32,
        /// The data, sent as it is.
        data: &'a [u8],
    },
}

impl<'a> SendMessage<'a> {
    /// The message for the codec: borrowed descriptors as numbers.
    fn to_control_message(self) -> io::Result<ControlMessage<'a>> {
        let layout = Layout::HOST;
        Ok(match self {
            SendMessage::Rights(fds) => {
                // SAFETY: `BorrowedFd` is `repr(transparent)` over a `RawFd`
                // (std documents it), so the slice can be read as `RawFd`s
                // in place, for as long as it is borrowed.
                ControlMessage::Rights(unsafe {
                    std::slice::from_raw_parts(fds.as_ptr().cast::<RawFd>(), fds.len())
                })
            }
            SendMessage::Credentials(cred) => ControlMessage::Credentials(cred),
            SendMessage::Typed(payload) => payload.control_message(),
            SendMessage::Other { level, kind, .. }
                if level == layout.sol_socket() && kind == layout.scm_rights() =>
            {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "an SCM_RIGHTS message must be sent as SendMessage::Rights, \
                     whose descriptors are borrowed",
                ));
            }
            SendMessage::Other { level, kind, data } => ControlMessage::Other { level, kind, data },
        })
    }
}

/// Sends `data` with `fds` (as one `SCM_RIGHTS` message) and, if given,
/// `credentials` (as `SCM_CREDENTIALS`, first, as the kernel orders them).
/// Returns the bytes of `data` sent. See [`send_messages`].
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, ControlBuffer, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::Datagram)?;
/// let file = std::fs::File::open("/dev/null")?;
/// socket::send(a.as_fd(), b"hi", &[file.as_fd(), file.as_fd()], None)?;
/// let mut control = ControlBuffer::for_fds(2);
/// let received = socket::recv(b.as_fd(), &mut [0; 2], &mut control)?;
/// assert_eq!(received.fds.len(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn send(
    sock: BorrowedFd<'_>,
    data: &[u8],
    fds: &[BorrowedFd<'_>],
    credentials: Option<&Ucred>,
) -> io::Result<usize> {
    let (both, count) = fds_and_credentials(fds, credentials);
    send_messages(sock, data, both.get(..count).unwrap_or_default())
}

/// The messages of [`send`]: the credentials first, if any, then the
/// descriptors, if any; the count of them is the second item.
pub(super) fn fds_and_credentials<'a>(
    fds: &'a [BorrowedFd<'a>],
    credentials: Option<&Ucred>,
) -> ([SendMessage<'a>; 2], usize) {
    let rights = SendMessage::Rights(fds);
    let both = [
        credentials.map_or(rights, |cred| SendMessage::Credentials(*cred)),
        rights,
    ];
    let count = match (credentials.is_some(), fds.is_empty()) {
        (false, true) => 0,
        (true, false) => 2,
        _ => 1,
    };
    (both, count)
}

/// The most messages [`send_messages`] converts on the stack.
const STACK_MESSAGES: usize = 4;

/// Room on the stack for the encoding of credentials and up to 4 fds
/// (64-bit Linux).
const STACK_CONTROL_LEN: usize = 64;

/// Control data aligned as a `cmsghdr`, as [`ControlBuffer`](super::ControlBuffer) is.
#[repr(C, align(8))]
struct StackControl([u8; STACK_CONTROL_LEN]);

/// `MSG_NOSIGNAL`, where the system has it (not macOS).
#[cfg(not(target_os = "macos"))]
const NO_SIGNAL: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(target_os = "macos")]
const NO_SIGNAL: libc::c_int = 0;

/// Options for [`send_with`]: where to send (`msg_name`), and `sendmsg`
/// flags. `MSG_NOSIGNAL` is always among them (but on macOS, which has
/// none: see [`sent_flags`](Self::sent_flags)), so that a send to a peer
/// that has gone is `EPIPE` (`BrokenPipe`), never a `SIGPIPE` that ends
/// the process.
///
/// ```
/// use sockcmsg::socket::{SendOptions, SockAddr};
/// let to = SockAddr::from("127.0.0.1:9".parse::<std::net::SocketAddr>().unwrap());
/// let options = SendOptions::default().to(&to).flags(libc::MSG_DONTWAIT);
/// assert_eq!(options.sent_flags(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct SendOptions<'a> {
    pub(super) to: Option<&'a SockAddr>,
    flags: libc::c_int,
}

impl<'a> SendOptions<'a> {
    /// Sends to `address`, on a socket that is not connected: a Unix
    /// socket's path (`SockAddr::unix`) or abstract name (a path starting
    /// with a NUL byte, Linux), or an IP address and port
    /// (`SockAddr::from(std::net::SocketAddr)`).
    ///
    /// ```
    /// use sockcmsg::socket::{SendOptions, SockAddr};
    /// let path = std::env::temp_dir().join("sockcmsg-doc-to.sock");
    /// let to = SockAddr::unix(&path)?;
    /// let options = SendOptions::default().to(&to);
    /// # drop(options);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn to(mut self, address: &'a SockAddr) -> Self {
        self.to = Some(address);
        self
    }

    /// Other `sendmsg` flags, such as `MSG_DONTWAIT` or `MSG_EOR`, beside
    /// `MSG_NOSIGNAL`.
    ///
    /// ```
    /// let options = sockcmsg::socket::SendOptions::default().flags(libc::MSG_DONTWAIT);
    /// # drop(options);
    /// ```
    pub fn flags(mut self, flags: libc::c_int) -> Self {
        self.flags = flags;
        self
    }

    /// The flags `sendmsg` is called with: those given, and `MSG_NOSIGNAL`
    /// (on macOS, which has none, those given: set `SO_NOSIGPIPE` on the
    /// socket, or ignore `SIGPIPE`, as Rust's runtime does by default).
    pub fn sent_flags(&self) -> libc::c_int {
        self.flags | NO_SIGNAL
    }
}

/// Sends `data` with `msgs` as the control data, encoded in order. Returns
/// the bytes of `data` sent. See [`send_with`], which this calls with
/// `data` as one slice and the default options.
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, SendMessage, SocketKind};
/// let (a, _b) = socket::socketpair(SocketKind::Stream)?;
/// let file = std::fs::File::open("/dev/null")?;
/// let err = socket::send_messages(a.as_fd(), b"", &[SendMessage::Rights(&[file.as_fd()])])
///     .unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn send_messages(
    sock: BorrowedFd<'_>,
    data: &[u8],
    msgs: &[SendMessage<'_>],
) -> io::Result<usize> {
    send_with(sock, &[IoSlice::new(data)], msgs, SendOptions::default())
}

/// Sends the slices of `data` in order (a gathering write) with `msgs` as
/// the control data, encoded in order, and `options`' flags. Returns the
/// bytes of `data` sent. Nothing is allocated for up to 4 messages whose
/// encoding takes up to 64 bytes (credentials and 4 fds on 64-bit Linux).
///
/// Errors before anything is sent: `InvalidInput` for an
/// [`SendMessage::Other`] that is `SCM_RIGHTS`, for messages the codec
/// cannot encode, and for control data with no byte in `data` on a stream
/// socket. The kernel would drop such control data without a word
/// (`unix_stream_sendmsg` sends nothing for no bytes), so the descriptors
/// would never arrive; send at least one byte, as Go's `net` package does.
/// On datagram and seqpacket sockets an empty datagram carries control
/// data.
///
/// ```
/// use std::io::{IoSlice, IoSliceMut};
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, ControlBuffer, RecvOptions, SendMessage, SendOptions, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::Datagram)?;
/// let file = std::fs::File::open("/dev/null")?;
/// let data = [IoSlice::new(b"head"), IoSlice::new(b"-body")];
/// let options = SendOptions::default().flags(libc::MSG_DONTWAIT);
/// socket::send_with(a.as_fd(), &data, &[SendMessage::Rights(&[file.as_fd()])], options)?;
///
/// let (mut head, mut body) = ([0; 4], [0; 8]);
/// let mut control = ControlBuffer::for_fds(1);
/// let mut slices = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut body)];
/// let received =
///     socket::recv_vectored(b.as_fd(), &mut slices, &mut control, RecvOptions::default())?;
/// assert_eq!((received.bytes, received.fds.len()), (9, 1));
/// assert_eq!((&head, &body[..5]), (b"head", &b"-body"[..]));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn send_with(
    sock: BorrowedFd<'_>,
    data: &[IoSlice<'_>],
    msgs: &[SendMessage<'_>],
    options: SendOptions<'_>,
) -> io::Result<usize> {
    Encoded::new(sock, data, msgs)?.send(sock, data, options.to, options.sent_flags())
}

/// Control data encoded for sending: on the stack when it fits, else in a
/// buffer of its own. The only descriptors in it are the `BorrowedFd`s of
/// the messages it was encoded from, which `'fds` keeps borrowed.
pub(super) struct Encoded<'fds> {
    small: StackControl,
    large: Option<super::ControlBuffer>,
    len: usize,
    fds: PhantomData<SendMessage<'fds>>,
}

impl<'fds> Encoded<'fds> {
    /// Checks `msgs` for sending with `data` on `sock` (see [`send_with`]'s
    /// errors) and encodes them.
    pub(super) fn new(
        sock: BorrowedFd<'_>,
        data: &[IoSlice<'_>],
        msgs: &[SendMessage<'fds>],
    ) -> io::Result<Self> {
        let mut small = StackControl([0; STACK_CONTROL_LEN]);
        let mut large = None;
        let len = encode_messages(sock, data, msgs, |needed| match small.0.get_mut(..needed) {
            Some(control) => control,
            None => large
                .insert(super::ControlBuffer::with_len(needed))
                .bytes_mut(),
        })?
        .len();
        Ok(Encoded {
            small,
            large,
            len,
            fds: PhantomData,
        })
    }

    fn bytes(&self) -> &[u8] {
        let bytes = match &self.large {
            Some(large) => large.bytes(),
            None => &self.small.0,
        };
        bytes.get(..self.len).unwrap_or_default()
    }

    /// One `sendmsg` of `data` with this control data.
    pub(super) fn send(
        &self,
        sock: BorrowedFd<'_>,
        data: &[IoSlice<'_>],
        to: Option<&SockAddr>,
        flags: libc::c_int,
    ) -> io::Result<usize> {
        // SAFETY: the only descriptors in the control data are the
        // `BorrowedFd`s of the messages, borrowed for `'fds`, which outlives
        // `self`; `encode_messages` refused any other SCM_RIGHTS message.
        unsafe { syscall::sendmsg(sock, data, self.bytes(), to, flags) }
    }

    /// The datagram, for `sendmmsg`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) fn outgoing<'a>(
        &'a self,
        data: &'a [IoSlice<'a>],
        to: Option<&'a SockAddr>,
    ) -> Outgoing<'a> {
        Outgoing {
            data,
            control: self.bytes(),
            to,
        }
    }
}

/// Checks `msgs` for sending with `data` on `sock` (see [`send_with`]'s
/// errors) and encodes them into the buffer `buffer` gives for the length
/// they take; returns the encoding. The only descriptors in it are the
/// `BorrowedFd`s of `msgs`.
fn encode_messages<'b>(
    sock: BorrowedFd<'_>,
    data: &[IoSlice<'_>],
    msgs: &[SendMessage<'_>],
    buffer: impl FnOnce(usize) -> &'b mut [u8],
) -> io::Result<&'b [u8]> {
    let mut on_stack = [ControlMessage::Rights(&[]); STACK_MESSAGES];
    let mut on_heap;
    let converted: &mut [ControlMessage<'_>] = match on_stack.get_mut(..msgs.len()) {
        Some(converted) => converted,
        None => {
            on_heap = vec![ControlMessage::Rights(&[]); msgs.len()];
            &mut on_heap
        }
    };
    for (slot, msg) in converted.iter_mut().zip(msgs) {
        *slot = msg.to_control_message()?;
    }
    let needed = crate::encoded_len(converted)?;
    let no_data = data.iter().all(|slice| slice.is_empty());
    if no_data && needed > 0 && super::socket_type(sock)? == libc::SOCK_STREAM {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "control messages sent with no data on a stream socket never arrive \
             (the kernel drops them): send at least one byte",
        ));
    }
    let control = buffer(needed);
    let written = crate::encode_into(converted, control)?;
    Ok(control.get(..written).unwrap_or_default())
}

/// Sends `data` with `control` as the control data, as it is: the kernel
/// parses and checks it. For tests that use the kernel as an oracle, and for
/// messages the other helpers do not build. `MSG_NOSIGNAL` is set.
///
/// A buffer that passes descriptors is refused (`InvalidInput`, nothing
/// sent): an `SCM_RIGHTS` message among the headers the kernel reads (it
/// walks as the codec does, up to the first invalid header). Its numbers
/// are not borrowed, and a number saved from an earlier receive may name
/// another file by now; send descriptors with [`send`] or
/// [`send_messages`], or, holding the numbers some other way,
/// [`send_control_unchecked`].
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, SocketKind};
/// let (a, _b) = socket::socketpair(SocketKind::Datagram)?;
/// // A cmsg_len past the end of the buffer: the kernel says EINVAL, as Go does.
/// let mut control = sockcmsg::unix_credentials(&sockcmsg::Ucred { pid: 0, uid: 0, gid: 0 })?;
/// control[0] = 99;
/// let err = socket::send_control(a.as_fd(), b"x", &control).unwrap_err();
/// assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
///
/// let rights = sockcmsg::unix_rights(&[0])?;
/// let err = socket::send_control(a.as_fd(), b"x", &rights).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn send_control(sock: BorrowedFd<'_>, data: &[u8], control: &[u8]) -> io::Result<usize> {
    let layout = Layout::HOST;
    let passes_fds = layout.messages(control).map_while(Result::ok).any(|msg| {
        msg.header.level == layout.sol_socket() && msg.header.kind == layout.scm_rights()
    });
    if passes_fds {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "send_control does not pass descriptors (an SCM_RIGHTS message): \
             use send, send_messages or send_control_unchecked",
        ));
    }
    let control = as_the_kernel_reads(control);
    // SAFETY: the kernel reads the headers the walk above read, in the same
    // order, and stops with EINVAL at the first invalid one; none of them is
    // SCM_RIGHTS, so no descriptor is passed.
    unsafe { syscall::sendmsg(sock, &[IoSlice::new(data)], &control, None, NO_SIGNAL) }
}

/// Sends `data` with `control` as the control data, as it is, descriptors
/// included. `MSG_NOSIGNAL` is set.
///
/// # Safety
///
/// Every descriptor number in an `SCM_RIGHTS` message of `control`, as the
/// kernel walks it, must name for the whole call either a descriptor the
/// caller may use, as if it held a [`BorrowedFd`] of it, or no open
/// descriptor at all (the kernel then fails with `EBADF`): the kernel
/// passes the file that number names to the peer, whatever that file is by
/// then.
///
/// ```
/// use std::os::fd::{AsFd, AsRawFd};
/// use sockcmsg::socket::{self, ControlBuffer, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::Datagram)?;
/// let file = std::fs::File::open("/dev/null")?;
/// let control = sockcmsg::unix_rights(&[file.as_raw_fd()])?;
/// // SAFETY: `file` is open and held for the whole call.
/// unsafe { socket::send_control_unchecked(a.as_fd(), b"x", &control) }?;
/// let mut control = ControlBuffer::for_fds(1);
/// let received = socket::recv(b.as_fd(), &mut [0; 1], &mut control)?;
/// assert_eq!(received.fds.len(), 1);
/// # Ok::<(), std::io::Error>(())
/// ```
pub unsafe fn send_control_unchecked(
    sock: BorrowedFd<'_>,
    data: &[u8],
    control: &[u8],
) -> io::Result<usize> {
    let control = as_the_kernel_reads(control);
    // SAFETY: the caller's contract is this one's.
    unsafe { syscall::sendmsg(sock, &[IoSlice::new(data)], &control, None, NO_SIGNAL) }
}

/// `control` as the kernel must be given it. musl's 64-bit header has a
/// 32-bit `cmsg_len` beside an `int __pad1`, which the kernel reads as half
/// of its 64-bit `cmsg_len`; musl's `sendmsg` zeroes every pad in a copy,
/// and so does this (copying only if a pad is not zero), walking as the
/// codec does (musl's own walk misses a final bare header). Elsewhere the
/// host's header is the kernel's.
fn as_the_kernel_reads(control: &[u8]) -> Cow<'_, [u8]> {
    if !(cfg!(target_env = "musl") && cfg!(target_pointer_width = "64")) {
        return Cow::Borrowed(control);
    }
    let layout = Layout::HOST;
    let mut kernel = Cow::Borrowed(control);
    for msg in layout.messages(control).map_while(Result::ok) {
        let data_at = (msg.data.as_ptr() as usize).saturating_sub(control.as_ptr() as usize);
        let header_at = data_at.saturating_sub(layout.cmsg_len(0));
        let (len, level, kind) = (msg.header.len, msg.header.level, msg.header.kind);
        // The header written again, with its pad zeroed.
        let mut zeroed = [0u8; 16];
        let zeroed = zeroed.get_mut(..layout.cmsg_len(0)).unwrap_or_default();
        let _ = layout.write_header(zeroed, len, level, kind);
        if control.get(header_at..data_at) != Some(&*zeroed) {
            if let Some(header) = kernel.to_mut().get_mut(header_at..data_at) {
                header.copy_from_slice(zeroed);
            }
        }
    }
    kernel
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn an_scm_rights_message_of_bare_numbers_is_refused() {
        let (tx, _rx) = super::super::socketpair(super::super::SocketKind::Datagram).unwrap();
        let fd = std::fs::File::open("/dev/null").unwrap();
        let numbers = crate::OwnedControlMessage::rights(&[std::os::fd::AsRawFd::as_raw_fd(&fd)]);
        let msg = SendMessage::Other {
            level: numbers.level,
            kind: numbers.kind,
            data: &numbers.data,
        };
        let err = send_messages(tx.as_fd(), b"x", &[msg]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn the_kernel_is_given_zero_in_every_pad_of_a_musl_header() {
        let other = ControlMessage::Other {
            level: 41,
            kind: 50,
            data: &[1],
        };
        let bare = ControlMessage::Other {
            level: 41,
            kind: 50,
            data: &[],
        };
        let clean = crate::encode(&[other, bare]).unwrap();
        let mut dirty = clean.clone();
        let second = crate::cmsg_space(1);
        // Where musl's pad is on a little-endian 64-bit host; elsewhere the
        // high half of the kernel's own cmsg_len, sent as it is.
        for pad in [4..8, second + 4..second + 8] {
            dirty[pad].fill(0xff);
        }
        let expected = if cfg!(all(target_env = "musl", target_pointer_width = "64")) {
            &clean
        } else {
            &dirty
        };
        assert_eq!(*as_the_kernel_reads(&dirty), **expected);
    }

    #[test]
    fn send_control_refuses_rights_wherever_the_kernel_would_read_them() {
        let (tx, _rx) = super::super::socketpair(super::super::SocketKind::Datagram).unwrap();
        let other = crate::encode(&[ControlMessage::Other {
            level: 41,
            kind: 50,
            data: &[1],
        }])
        .unwrap();
        let mut second = other.clone();
        second.extend(crate::unix_rights(&[0]).unwrap());
        for control in [
            crate::unix_rights(&[]).unwrap(),
            crate::unix_rights(&[0]).unwrap(),
            second,
        ] {
            let err = send_control(tx.as_fd(), b"x", &control).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{control:02x?}");
        }
        assert_eq!(send_control(tx.as_fd(), b"x", &other).unwrap(), 1);
    }
}
