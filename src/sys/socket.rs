//! Sending and receiving control messages over Unix sockets: thin wrappers
//! over `sendmsg`/`recvmsg` that use the codec and own every file
//! descriptor the kernel installs.
//!
//! [`recv`] turns each descriptor the kernel put in the control buffer into
//! an [`OwnedFd`] before looking at anything else, so none is leaked: not
//! when the control buffer was too small (`MSG_CTRUNC`, where `nix`'s
//! `recvmsg` leaks them), not when the buffer fails to parse (the
//! descriptors are closed as the error is returned). Negative and repeated
//! values never become an `OwnedFd`. `MSG_CMSG_CLOEXEC` is on by default.
//!
//! ```
//! use std::io::{Read, Seek, Write};
//! use std::os::fd::AsFd;
//! use sockcmsg::socket::{self, ControlBuffer, SocketKind};
//!
//! let (parent, child) = socket::socketpair(SocketKind::Stream)?;
//! let mut file = tempfile()?;
//! file.write_all(b"Hello from child process!\n")?;
//! file.rewind()?;
//! socket::send(child.as_fd(), b"x", &[file.as_fd()], None)?;
//!
//! let mut data = [0; 1];
//! let mut control = ControlBuffer::for_fds(1);
//! let received = socket::recv(parent.as_fd(), &mut data, &mut control)?;
//! assert_eq!(received.bytes, 1);
//! let mut text = String::new();
//! std::fs::File::from(received.fds.into_iter().next().unwrap()).read_to_string(&mut text)?;
//! assert_eq!(text, "Hello from child process!\n");
//! # fn tempfile() -> std::io::Result<std::fs::File> {
//! #     let path = std::env::temp_dir().join(format!("sockcmsg-doc-{}", std::process::id()));
//! #     let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?;
//! #     std::fs::remove_file(&path)?;
//! #     Ok(file)
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use crate::{ControlMessage, Layout, Ucred};

/// `SCM_PIDFD`: a pidfd of the sender, with `SO_PASSPIDFD` (Linux 6.5).
const SCM_PIDFD: i32 = 4;

/// The type of socket [`socketpair`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocketKind {
    /// `SOCK_STREAM`: a byte stream.
    Stream,
    /// `SOCK_DGRAM`: datagrams.
    Datagram,
    /// `SOCK_SEQPACKET`: datagrams on a connection.
    SeqPacket,
}

/// A socket option that makes the kernel attach a control message to what
/// this socket receives, or allows it to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SocketOption {
    /// `SO_PASSCRED`: receive the sender's `SCM_CREDENTIALS`.
    PassCredentials,
    /// `SO_PASSPIDFD` (Linux 6.5): receive a pidfd of the sender as
    /// `SCM_PIDFD`.
    #[cfg(any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv64"
    ))]
    PassPidfd,
    /// `SO_PASSRIGHTS` (Linux 6.16, on by default): accept `SCM_RIGHTS`.
    /// When off, senders of descriptors get `EPERM`.
    #[cfg(any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv64"
    ))]
    PassRights,
}

impl SocketOption {
    /// The option's number at level `SOL_SOCKET`. The newer ones come from
    /// `include/uapi/asm-generic/socket.h`, which the listed architectures
    /// use; `libc` does not have them yet.
    fn name(self) -> libc::c_int {
        match self {
            SocketOption::PassCredentials => libc::SO_PASSCRED,
            #[cfg(any(
                target_arch = "x86",
                target_arch = "x86_64",
                target_arch = "arm",
                target_arch = "aarch64",
                target_arch = "riscv64"
            ))]
            SocketOption::PassPidfd => 76,
            #[cfg(any(
                target_arch = "x86",
                target_arch = "x86_64",
                target_arch = "arm",
                target_arch = "aarch64",
                target_arch = "riscv64"
            ))]
            SocketOption::PassRights => 83,
        }
    }
}

/// Creates a connected pair of Unix sockets (`socketpair(AF_UNIX, ...)`),
/// close-on-exec.
///
/// ```
/// use sockcmsg::socket::{socketpair, SocketKind};
/// let (a, b) = socketpair(SocketKind::SeqPacket)?;
/// # drop((a, b));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn socketpair(kind: SocketKind) -> io::Result<(OwnedFd, OwnedFd)> {
    let ty = match kind {
        SocketKind::Stream => libc::SOCK_STREAM,
        SocketKind::Datagram => libc::SOCK_DGRAM,
        SocketKind::SeqPacket => libc::SOCK_SEQPACKET,
    };
    let mut fds: [RawFd; 2] = [-1, -1];
    // SAFETY: `fds` has room for the two descriptors socketpair writes.
    let rc =
        unsafe { libc::socketpair(libc::AF_UNIX, ty | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let [a, b] = fds;
    // SAFETY: on success both are new open descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(a), OwnedFd::from_raw_fd(b)) })
}

/// Turns a socket option on or off.
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, SocketKind, SocketOption};
/// let (a, _b) = socket::socketpair(SocketKind::Stream)?;
/// socket::set_option(a.as_fd(), SocketOption::PassCredentials, true)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn set_option(sock: BorrowedFd<'_>, option: SocketOption, on: bool) -> io::Result<()> {
    let value = libc::c_int::from(on);
    // SAFETY: `value` is a c_int that outlives the call, and the length
    // passed is its size.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            option.name(),
            std::ptr::from_ref(&value).cast(),
            socklen(std::mem::size_of_val(&value)),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A control buffer for [`recv`] and [`send`]: zeroed, and aligned for
/// `struct cmsghdr` as `recvmsg` expects.
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
}

impl ControlBuffer {
    /// A buffer of exactly `len` bytes.
    ///
    /// ```
    /// assert!(sockcmsg::socket::ControlBuffer::with_len(0).is_empty());
    /// ```
    pub fn with_len(len: usize) -> Self {
        ControlBuffer {
            words: vec![0; len.div_ceil(8)].into_boxed_slice(),
            len,
        }
    }

    /// Room for one `SCM_RIGHTS` message of `fds` descriptors.
    ///
    /// ```
    /// let buf = sockcmsg::socket::ControlBuffer::for_fds(253);
    /// assert_eq!(buf.len(), sockcmsg::cmsg_space(253 * 4));
    /// ```
    pub fn for_fds(fds: usize) -> Self {
        Self::with_len(crate::cmsg_space(fds.saturating_mul(4)))
    }

    /// Room for the `SCM_CREDENTIALS` message that `SO_PASSCRED` adds and
    /// one `SCM_RIGHTS` message of `fds` descriptors.
    ///
    /// ```
    /// let buf = sockcmsg::socket::ControlBuffer::for_credentials_and_fds(1);
    /// assert_eq!(buf.len(), sockcmsg::cmsg_space(12) + sockcmsg::cmsg_space(4));
    /// ```
    pub fn for_credentials_and_fds(fds: usize) -> Self {
        let len = crate::cmsg_space(12).saturating_add(crate::cmsg_space(fds.saturating_mul(4)));
        Self::with_len(len)
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

    fn bytes(&self) -> &[u8] {
        // SAFETY: the words are initialized, u8 has no alignment or validity
        // requirement, and `len` is at most 8 bytes per word.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast(), self.len) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`, and the borrow of `self` is exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast(), self.len) }
    }
}

/// Sends `data` with `fds` (as one `SCM_RIGHTS` message) and, if given,
/// `credentials` (as `SCM_CREDENTIALS`, which the kernel checks against
/// the sender's rights). Returns the bytes of `data` sent.
///
/// On a stream socket, send at least one byte: the kernel drops descriptors
/// sent with no data.
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
    // SAFETY: `BorrowedFd` is `repr(transparent)` over a `RawFd` (std
    // documents it), so the slice can be read as `RawFd`s in place.
    let raw_fds: &[RawFd] = unsafe { std::slice::from_raw_parts(fds.as_ptr().cast(), fds.len()) };
    // Credentials first, as the kernel orders them. No allocation for the
    // usual send: at most two messages, and their encoding on the stack
    // when it fits.
    let rights = ControlMessage::Rights(raw_fds);
    let both = [
        credentials.map_or(rights, |cred| ControlMessage::Credentials(*cred)),
        rights,
    ];
    let count = match (credentials.is_some(), fds.is_empty()) {
        (false, true) => 0,
        (true, false) => 2,
        _ => 1,
    };
    let msgs = both.get(..count).unwrap_or_default();
    let needed = crate::encoded_len(msgs)?;
    let mut small = SmallControl([0; SMALL_CONTROL_LEN]);
    let mut large;
    let control = match small.0.get_mut(..needed) {
        Some(control) => control,
        None => {
            large = ControlBuffer::with_len(needed);
            large.bytes_mut()
        }
    };
    crate::encode_into(msgs, control)?;
    send_control(sock, data, control)
}

/// Room on the stack for credentials and up to 4 fds (64-bit Linux).
const SMALL_CONTROL_LEN: usize = 64;

/// Control data aligned as a `cmsghdr`, as `ControlBuffer` is.
#[repr(C, align(8))]
struct SmallControl([u8; SMALL_CONTROL_LEN]);

/// Sends `data` with `control` as the control data, as it is: the kernel
/// parses and checks it. For tests that use the kernel as an oracle, and for
/// messages the other helpers do not build.
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, SocketKind};
/// let (a, _b) = socket::socketpair(SocketKind::Datagram)?;
/// // A cmsg_len past the end of the buffer: the kernel says EINVAL, as Go does.
/// let mut control = sockcmsg::unix_rights(&[]);
/// control[0] = 17;
/// let err = socket::send_control(a.as_fd(), b"x", &control).unwrap_err();
/// assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn send_control(sock: BorrowedFd<'_>, data: &[u8], control: &[u8]) -> io::Result<usize> {
    let mut iov = libc::iovec {
        // The kernel only reads through these pointers.
        iov_base: data.as_ptr().cast_mut().cast(),
        iov_len: data.len(),
    };
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = control.as_ptr().cast_mut().cast();
        msg.msg_controllen = control.len() as _;
    }
    // SAFETY: `msg` points at `iov`, `data` and `control`, which outlive the
    // call, with their true lengths; sendmsg only reads them.
    let sent = unsafe { libc::sendmsg(sock.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
    usize::try_from(sent).map_err(|_| io::Error::last_os_error())
}

/// Options for [`recv_with`].
///
/// ```
/// use sockcmsg::socket::RecvOptions;
/// let options = RecvOptions::default().cloexec(false).flags(libc::MSG_DONTWAIT);
/// # drop(options);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvOptions {
    cloexec: bool,
    flags: libc::c_int,
}

impl Default for RecvOptions {
    /// `MSG_CMSG_CLOEXEC` and no other flag.
    fn default() -> Self {
        RecvOptions {
            cloexec: true,
            flags: 0,
        }
    }
}

impl RecvOptions {
    /// Whether received descriptors are close-on-exec
    /// (`MSG_CMSG_CLOEXEC`); on by default.
    ///
    /// ```
    /// let options = sockcmsg::socket::RecvOptions::default().cloexec(false);
    /// # drop(options);
    /// ```
    pub fn cloexec(mut self, on: bool) -> Self {
        self.cloexec = on;
        self
    }

    /// Other `recvmsg` flags, such as `MSG_DONTWAIT` or `MSG_PEEK` (which
    /// installs the descriptors too, so each peek owns a copy).
    ///
    /// ```
    /// let options = sockcmsg::socket::RecvOptions::default().flags(libc::MSG_PEEK);
    /// # drop(options);
    /// ```
    pub fn flags(mut self, flags: libc::c_int) -> Self {
        self.flags = flags;
        self
    }
}

/// What [`recv`] received.
#[derive(Debug)]
#[non_exhaustive]
pub struct Received<'c> {
    /// The bytes of data read.
    pub bytes: usize,
    /// The descriptors of every `SCM_RIGHTS` message, in order, owned: they
    /// are closed when dropped.
    pub fds: Vec<OwnedFd>,
    /// The sender's pidfd, with `SO_PASSPIDFD`.
    pub pidfd: Option<OwnedFd>,
    /// The sender's credentials, with `SO_PASSCRED`; `None` also when the
    /// message was cut short by a small control buffer.
    pub credentials: Option<Ucred>,
    /// `MSG_CTRUNC`: the control buffer was too small and the kernel
    /// dropped some of the control data (descriptors it dropped were never
    /// installed).
    pub control_truncated: bool,
    /// `MSG_TRUNC`: the data buffer was too small for the datagram.
    pub data_truncated: bool,
    /// The control bytes the kernel wrote.
    pub control: &'c [u8],
}

/// Receives into `data` and `control` with `MSG_CMSG_CLOEXEC`, and takes
/// ownership of every descriptor received. See [`recv_with`].
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, ControlBuffer, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::Stream)?;
/// let file = std::fs::File::open("/dev/null")?;
/// socket::send(a.as_fd(), b"x", &[file.as_fd(), file.as_fd(), file.as_fd()], None)?;
/// // Room for 2 fds only: the third is never installed.
/// let mut control = ControlBuffer::for_fds(2);
/// let received = socket::recv(b.as_fd(), &mut [0; 1], &mut control)?;
/// assert_eq!(received.fds.len(), 2);
/// assert!(received.control_truncated);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn recv<'c>(
    sock: BorrowedFd<'_>,
    data: &mut [u8],
    control: &'c mut ControlBuffer,
) -> io::Result<Received<'c>> {
    recv_with(sock, data, control, RecvOptions::default())
}

/// Receives into `data` and `control` and takes ownership of every
/// descriptor received.
///
/// The control buffer is zeroed first, so [`Received::control`] holds only
/// what the kernel wrote. If the control data does not parse (the kernel
/// never writes such a buffer), the error is `InvalidData` and every
/// descriptor found before the fault is closed.
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, ControlBuffer, RecvOptions, SocketKind};
/// let (_a, b) = socket::socketpair(SocketKind::Stream)?;
/// let options = RecvOptions::default().flags(libc::MSG_DONTWAIT);
/// let err = socket::recv_with(b.as_fd(), &mut [0; 1], &mut ControlBuffer::for_fds(1), options)
///     .unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn recv_with<'c>(
    sock: BorrowedFd<'_>,
    data: &mut [u8],
    control: &'c mut ControlBuffer,
    options: RecvOptions,
) -> io::Result<Received<'c>> {
    let control_len = control.len();
    let buf = control.bytes_mut();
    buf.fill(0);
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if control_len > 0 {
        msg.msg_control = buf.as_mut_ptr().cast();
        msg.msg_controllen = control_len as _;
    }
    let cloexec = if options.cloexec {
        libc::MSG_CMSG_CLOEXEC
    } else {
        0
    };
    // SAFETY: `msg` points at `iov`, `data` and the control buffer, which
    // outlive the call, with their true lengths; recvmsg writes within them.
    let read = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, options.flags | cloexec) };
    let bytes = usize::try_from(read).map_err(|_| io::Error::last_os_error())?;
    // The kernel reports at most the length it was given.
    #[allow(
        clippy::useless_conversion,
        reason = "msg_controllen is a size_t with glibc but a socklen_t with musl"
    )]
    let written = usize::try_from(msg.msg_controllen).map_or(control_len, |n| n.min(control_len));
    let control = control.bytes().get(..written).unwrap_or_default();
    let mut received = Received {
        bytes,
        fds: Vec::new(),
        pidfd: None,
        credentials: None,
        control_truncated: msg.msg_flags & libc::MSG_CTRUNC != 0,
        data_truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        control,
    };
    take_ownership(&mut received)?;
    Ok(received)
}

/// Takes every descriptor in `received.control` into `received`, and reads
/// the credentials. On a parse error, what was taken is dropped (closed)
/// with `received`.
fn take_ownership(received: &mut Received<'_>) -> io::Result<()> {
    let layout = Layout::HOST;
    for msg in layout.messages(received.control) {
        let msg = msg.map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
        if msg.header.level != libc::SOL_SOCKET {
            continue;
        }
        match msg.header.kind {
            libc::SCM_RIGHTS => {
                // A partial fd at the end cannot have been installed.
                for fd in layout.whole_fds(msg.data) {
                    if let Some(owned) = own(fd, &received.fds) {
                        received.fds.push(owned);
                    }
                }
            }
            SCM_PIDFD => {
                if let Some(fd) = layout.whole_fds(msg.data).next() {
                    received.pidfd = own(fd, &received.fds);
                }
            }
            libc::SCM_CREDENTIALS => {
                // A credentials message cut short by MSG_CTRUNC is not an error.
                received.credentials = layout.parse_unix_credentials(&msg).ok();
            }
            _ => {}
        }
    }
    Ok(())
}

/// `fd` as an owned descriptor, unless it is negative or already owned.
fn own(fd: RawFd, owned: &[OwnedFd]) -> Option<OwnedFd> {
    if fd < 0 || owned.iter().any(|other| other.as_raw_fd() == fd) {
        return None;
    }
    // SAFETY: the kernel installed this descriptor in our table for this
    // message and nothing else has seen it, so ownership passes to us once.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A byte count as a `socklen_t`; the counts here are small constants.
fn socklen(len: usize) -> libc::socklen_t {
    libc::socklen_t::try_from(len).unwrap_or(libc::socklen_t::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::IntoRawFd;

    /// Held by each test that checks a number was closed, so that no other
    /// test opens a descriptor that reuses it in between.
    static FD_NUMBERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// A descriptor handed over as a bare number, as the kernel hands them.
    fn installed() -> RawFd {
        std::fs::File::open("/dev/null").unwrap().into_raw_fd()
    }

    fn is_open(fd: RawFd) -> bool {
        std::path::Path::new(&format!("/proc/self/fd/{fd}")).exists()
    }

    fn take(control: &[u8]) -> io::Result<Received<'_>> {
        let mut received = Received {
            bytes: 0,
            fds: Vec::new(),
            pidfd: None,
            credentials: None,
            control_truncated: false,
            data_truncated: false,
            control,
        };
        take_ownership(&mut received).map(|()| received)
    }

    #[test]
    fn negative_and_repeated_values_never_become_owned() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let fd = installed();
        let control = crate::unix_rights(&[-1, fd, fd, i32::MIN]);
        let received = take(&control).unwrap();
        assert_eq!(raw(&received.fds), [fd]);
        drop(received);
        assert!(!is_open(fd));
    }

    #[test]
    fn a_partial_fd_does_not_hide_the_whole_ones() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let fd = installed();
        let mut data = fd.to_ne_bytes().to_vec();
        data.extend([0xff, 0xff]);
        let control = crate::encode(&[ControlMessage::Other {
            level: libc::SOL_SOCKET,
            kind: libc::SCM_RIGHTS,
            data: &data,
        }])
        .unwrap();
        assert_eq!(raw(&take(&control).unwrap().fds), [fd]);
        assert!(!is_open(fd));
    }

    #[test]
    fn a_parse_error_closes_what_was_already_taken() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let fd = installed();
        let mut control = crate::unix_rights(&[fd]);
        let bad = control.len();
        control.extend(crate::unix_rights(&[]));
        control[bad] = 99; // a cmsg_len past the end
        let err = take(&control).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(!is_open(fd));
    }

    fn raw(fds: &[OwnedFd]) -> Vec<RawFd> {
        fds.iter().map(AsRawFd::as_raw_fd).collect()
    }
}
