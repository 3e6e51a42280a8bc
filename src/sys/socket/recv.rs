//! Receiving: every descriptor the kernel installs becomes an `OwnedFd`
//! before anything can fail.

use std::io::{self, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::buffer::sealed::TOKEN;
use super::{syscall, ControlStorage, SockAddr};
use crate::typed::TypedMessage;
use crate::{Error, Layout, Ucred};

/// `SCM_PIDFD`: a pidfd of the sender, with `SO_PASSPIDFD` (Linux 6.5).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) const SCM_PIDFD: i32 = 4;

/// Options for [`recv_with`].
///
/// ```
/// use sockcmsg::socket::RecvOptions;
/// let options = RecvOptions::default().cloexec(false).flags(libc::MSG_DONTWAIT).max_fds(1);
/// # drop(options);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvOptions {
    cloexec: bool,
    flags: libc::c_int,
    max_fds: usize,
}

impl Default for RecvOptions {
    /// `MSG_CMSG_CLOEXEC`, no other flag, and every descriptor kept.
    fn default() -> Self {
        RecvOptions {
            cloexec: true,
            flags: 0,
            max_fds: usize::MAX,
        }
    }
}

impl RecvOptions {
    /// Whether received descriptors are close-on-exec
    /// (`MSG_CMSG_CLOEXEC`); on by default. The pidfd of `SO_PASSPIDFD` is
    /// close-on-exec either way: the kernel makes it so. macOS has no
    /// `MSG_CMSG_CLOEXEC`: `FD_CLOEXEC` is set on each descriptor right
    /// after the receive, and a fork and exec in another thread in between
    /// would inherit it.
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

    /// Keeps at most `max` of the `SCM_RIGHTS` descriptors, the first ones.
    /// The kernel installs as many as fit in the control buffer (its
    /// padding included), so a peer can hand over more than the buffer was
    /// sized for; the ones past `max` are closed before [`recv_with`]
    /// returns and counted in [`Received::fds_closed`].
    ///
    /// ```
    /// let options = sockcmsg::socket::RecvOptions::default().max_fds(1);
    /// # drop(options);
    /// ```
    pub fn max_fds(mut self, max: usize) -> Self {
        self.max_fds = max;
        self
    }

    /// The flags `recvmsg` is called with: those given, and
    /// `MSG_CMSG_CLOEXEC` unless turned off (macOS has none: see
    /// [`cloexec`](Self::cloexec)).
    pub(super) fn sent_flags(&self) -> libc::c_int {
        #[cfg(not(target_os = "macos"))]
        if self.cloexec {
            return self.flags | libc::MSG_CMSG_CLOEXEC;
        }
        self.flags
    }
}

/// What [`recv`] received, and the control storage it received into
/// (`C`: owned, or a `&mut` borrow of the caller's).
#[derive(Debug)]
#[non_exhaustive]
pub struct Received<C> {
    /// The bytes of data copied into the data buffer: `&data[..bytes]` is
    /// what arrived. On a stream, 0 is the end of the stream only when no
    /// control data came with it: an empty data buffer receives
    /// descriptors and no byte.
    pub bytes: usize,
    /// What `recvmsg` returned: with `MSG_TRUNC` among the flags, the whole
    /// length of a datagram, which is more than [`bytes`](Self::bytes) when
    /// the data buffer was too small; otherwise equal to it.
    pub full_len: usize,
    /// The descriptors of every `SCM_RIGHTS` message, in order, owned: they
    /// are closed when dropped. At most [`RecvOptions::max_fds`].
    pub fds: Vec<OwnedFd>,
    /// The descriptors past [`RecvOptions::max_fds`], which were closed.
    pub fds_closed: usize,
    /// The sender's pidfd, with `SO_PASSPIDFD`; always close-on-exec.
    /// `None` also when the kernel could not install it (it writes
    /// `-EMFILE` into the message when the process is at `RLIMIT_NOFILE`)
    /// or the control buffer was too small for it.
    pub pidfd: Option<OwnedFd>,
    /// The sender's credentials, with `SO_PASSCRED`. On a stream, a read
    /// at the end of the stream (`bytes == 0`) carries `{pid 0, uid 0,
    /// gid 0}`: no sender, not root. `None` when no credentials message
    /// came, or when it was cut short (then
    /// [`credentials_truncated`](Self::credentials_truncated) is set).
    pub credentials: Option<Ucred>,
    /// An `SCM_CREDENTIALS` message arrived cut short (a control buffer of
    /// less than `cmsg_len(12)` bytes on Linux), so the credentials were
    /// sent but cannot be read.
    pub credentials_truncated: bool,
    /// `MSG_CTRUNC`: the control buffer was too small and the kernel
    /// dropped some of the control data (descriptors it dropped were never
    /// installed).
    pub control_truncated: bool,
    /// `MSG_TRUNC`: the data buffer was too small for the datagram.
    pub data_truncated: bool,
    /// `msg_flags` as the kernel set it. Linux hands back
    /// `MSG_CMSG_CLOEXEC` here when the receive asked for it.
    pub msg_flags: libc::c_int,
    /// The sender's address (`msg_name`): a Unix socket's path or abstract
    /// name (`as_pathname`, `as_abstract_namespace`), an IP address and
    /// port (`as_socket`). `None` for none: a Unix sender that is not
    /// bound to a name (a socketpair's, an unbound datagram socket's), for
    /// which Linux gives no address and macOS and the BSDs one with no
    /// path.
    pub from: Option<SockAddr>,
    control: C,
    /// Where in `control` the bytes received into start.
    control_start: usize,
    control_len: usize,
}

impl<C: ControlStorage> Received<C> {
    /// The control bytes the kernel wrote.
    pub fn control(&self) -> &[u8] {
        self.control
            .written(self.control_start, self.control_len, TOKEN)
    }

    /// The typed IP, UDP and socket-level messages received
    /// ([`sockcmsg::typed`](crate::typed)), in order; the others are
    /// skipped. An item is an error only for a payload of a width this
    /// system does not use, which its kernel does not write.
    ///
    /// ```
    /// use std::net::UdpSocket;
    /// use std::os::fd::AsFd;
    /// use sockcmsg::socket::{self, ControlBuffer, SocketOption};
    /// use sockcmsg::typed::{TypedKind, TypedMessage};
    /// # #[cfg(target_os = "linux")] {
    /// let receiver = UdpSocket::bind("127.0.0.1:0")?;
    /// socket::set_option(receiver.as_fd(), SocketOption::IpReceiveTtl, true)?;
    /// UdpSocket::bind("127.0.0.1:0")?.send_to(b"x", receiver.local_addr()?)?;
    /// let received = socket::recv(receiver.as_fd(), &mut [0; 1], ControlBuffer::for_typed(&[TypedKind::Ttl]))?;
    /// assert!(matches!(received.typed().next(), Some(Ok(TypedMessage::Ttl(64)))));
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn typed(&self) -> impl Iterator<Item = Result<TypedMessage, Error>> + '_ {
        let layout = Layout::HOST;
        layout
            .messages(self.control())
            .filter_map(move |msg| match msg {
                Ok(msg) => layout.decode_typed(&msg).transpose(),
                Err(err) => Some(Err(err)),
            })
    }

    /// The control storage, to receive into again.
    ///
    /// ```
    /// use std::os::fd::AsFd;
    /// use sockcmsg::socket::{self, ControlBuffer, SocketKind};
    /// let (a, b) = socket::socketpair(SocketKind::Datagram)?;
    /// let mut control = ControlBuffer::for_fds(1);
    /// for _ in 0..2 {
    ///     socket::send(a.as_fd(), b"x", &[], None)?;
    ///     control = socket::recv(b.as_fd(), &mut [0; 1], control)?.into_control();
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_control(self) -> C {
        self.control
    }
}

/// The descriptors and credentials taken from the control data, owned.
#[derive(Debug, Default)]
pub(super) struct Taken {
    pub(super) fds: Vec<OwnedFd>,
    pub(super) pidfd: Option<OwnedFd>,
    pub(super) credentials: Option<Ucred>,
    pub(super) credentials_truncated: bool,
}

/// Receives into `data` and `control` with `MSG_CMSG_CLOEXEC`, and takes
/// ownership of every descriptor received. See [`recv_with`].
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, ControlBuffer, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::Stream)?;
/// let file = std::fs::File::open("/dev/null")?;
/// socket::send(a.as_fd(), b"x", &[file.as_fd(); 5], None)?;
/// // Room for 2 fds only (cmsg_space(8): no padding to spare on 64-bit
/// // Linux): the rest are never installed.
/// let mut control = ControlBuffer::for_fds(2);
/// let received = socket::recv(b.as_fd(), &mut [0; 1], &mut control)?;
/// assert!(received.fds.len() < 5);
/// assert!(received.control_truncated);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn recv<C: ControlStorage>(
    sock: BorrowedFd<'_>,
    data: &mut [u8],
    control: C,
) -> io::Result<Received<C>> {
    recv_with(sock, data, control, RecvOptions::default())
}

/// Receives into `data` and `control` and takes ownership of every
/// descriptor received. Storage given by value comes back in the
/// [`Received`] ([`into_control`](Received::into_control)) and is dropped
/// with an error: give it by `&mut` to keep it whatever happens.
///
/// The control buffer is zeroed first, so [`Received::control`] holds only
/// what the kernel wrote. If the control data does not parse (the kernel
/// never writes such a buffer), the error is `InvalidData` and every
/// descriptor found before the fault is closed; numbers after the fault
/// cannot be found, and are not closed. A second `SCM_PIDFD` (which the
/// kernel never writes either) is `InvalidData` too.
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
pub fn recv_with<C: ControlStorage>(
    sock: BorrowedFd<'_>,
    data: &mut [u8],
    control: C,
    options: RecvOptions,
) -> io::Result<Received<C>> {
    recv_vectored(sock, &mut [IoSliceMut::new(data)], control, options)
}

/// Receives into the slices of `data` in order (a scattering read) and
/// `control`, and takes ownership of every descriptor received, as
/// [`recv_with`] does. [`Received::bytes`] counts the bytes across the
/// slices. See [`send_with`](super::send_with) for an example.
pub fn recv_vectored<C: ControlStorage>(
    sock: BorrowedFd<'_>,
    data: &mut [IoSliceMut<'_>],
    mut control: C,
    options: RecvOptions,
) -> io::Result<Received<C>> {
    let capacity = capacity(data);
    let (recvd, start) = recvmsg_into(sock, data, &mut control, options.sent_flags())?;
    received(recvd, capacity, control, start, options)
}

/// The bytes `data` holds.
pub(super) fn capacity(data: &[IoSliceMut<'_>]) -> usize {
    data.iter()
        .fold(0usize, |total, slice| total.saturating_add(slice.len()))
}

/// `recvmsg` into `data` and `control` with `flags`: what it reported, and
/// where in `control` the bytes received into start. Every descriptor in
/// them must then go through [`received`].
pub(super) fn recvmsg_into<C: ControlStorage>(
    sock: BorrowedFd<'_>,
    data: &mut [IoSliceMut<'_>],
    control: &mut C,
    flags: libc::c_int,
) -> io::Result<(syscall::Recvd, usize)> {
    let (start, buf) = control.prepare(TOKEN);
    Ok((syscall::recvmsg(sock, data, buf, flags)?, start))
}

/// What a receive of `capacity` bytes of data into `control` (from
/// `start`, as `prepare` gave it) got, as the system call reported it in
/// `recvd`: every descriptor in the control data taken, those past
/// `options.max_fds` closed. On an error they are all closed.
pub(super) fn received<C: ControlStorage>(
    recvd: syscall::Recvd,
    capacity: usize,
    mut control: C,
    start: usize,
    options: RecvOptions,
) -> io::Result<Received<C>> {
    control.finish(recvd.control_len, TOKEN);
    let cut = recvd.flags & libc::MSG_CTRUNC != 0;
    let mut taken = take_ownership(control.written(start, recvd.control_len, TOKEN), cut)?;
    #[cfg(target_os = "macos")]
    if options.cloexec {
        for fd in &taken.fds {
            super::set_cloexec(std::os::fd::AsFd::as_fd(fd))?;
        }
    }
    let kept = taken.fds.len().min(options.max_fds);
    let fds_closed = taken.fds.len().saturating_sub(kept);
    taken.fds.truncate(kept);
    Ok(Received {
        bytes: recvd.returned.min(capacity),
        full_len: recvd.returned,
        fds: taken.fds,
        fds_closed,
        pidfd: taken.pidfd,
        credentials: taken.credentials,
        credentials_truncated: taken.credentials_truncated,
        control_truncated: recvd.flags & libc::MSG_CTRUNC != 0,
        data_truncated: recvd.flags & libc::MSG_TRUNC != 0,
        msg_flags: recvd.flags,
        from: recvd.from,
        control,
        control_start: start,
        control_len: recvd.control_len,
    })
}

/// Takes every descriptor in `control`, and reads the credentials. On an
/// error, what was taken is dropped (closed).
///
/// `cut`: the kernel set `MSG_CTRUNC`. Linux then shortens the last
/// `cmsg_len` to what it wrote; macOS leaves it whole (rustix#1683), so the
/// last header passes the end, and the fds that fit before it were
/// installed: they are taken too, and closed with the rest, since the
/// buffer is an error.
pub(super) fn take_ownership(control: &[u8], cut: bool) -> io::Result<Taken> {
    let layout = Layout::HOST;
    let invalid = |err: Error| io::Error::new(io::ErrorKind::InvalidData, err);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let mut pidfd_seen = false;
    let mut received = Taken::default();
    for msg in layout.messages(control) {
        let msg = match msg {
            Ok(msg) => msg,
            Err(err @ Error::LengthPastEnd { offset, .. }) if cut => {
                let cut_rights = control
                    .get(offset..)
                    .and_then(|rest| Some((layout.read_header(rest)?, rest)))
                    .filter(|(header, _)| {
                        (header.level, header.kind) == (layout.sol_socket(), libc::SCM_RIGHTS)
                    })
                    .and_then(|(_, rest)| rest.get(layout.data_offset()..));
                for fd in layout.whole_fds(cut_rights.unwrap_or_default()) {
                    if let Some(owned) = own(fd, &received) {
                        received.fds.push(owned);
                    }
                }
                return Err(invalid(err));
            }
            Err(err) => return Err(invalid(err)),
        };
        if msg.header.level != layout.sol_socket() {
            continue;
        }
        match msg.header.kind {
            libc::SCM_RIGHTS => {
                // A partial fd at the end cannot have been installed.
                let fds = layout.whole_fds(msg.data);
                // Bounded by the length, as `parse_unix_rights` is.
                let count = fds.len();
                for fd in fds.take(count) {
                    if let Some(owned) = own(fd, &received) {
                        received.fds.push(owned);
                    }
                }
            }
            #[cfg(any(target_os = "linux", target_os = "android"))]
            SCM_PIDFD => {
                let pidfd = layout
                    .whole_fds(msg.data)
                    .next()
                    .and_then(|fd| own(fd, &received));
                if pidfd_seen {
                    // Dropped (closed) here: no other owner has its number.
                    drop(pidfd);
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a second SCM_PIDFD message",
                    ));
                }
                received.pidfd = pidfd;
                pidfd_seen = true;
            }
            #[cfg(any(target_os = "linux", target_os = "android"))]
            libc::SCM_CREDENTIALS => match layout.parse_unix_credentials(&msg) {
                Ok(cred) => received.credentials = Some(cred),
                // Cut short by MSG_CTRUNC: sent, but not readable.
                Err(_) => received.credentials_truncated = true,
            },
            _ => {}
        }
    }
    Ok(received)
}

/// `fd` as an owned descriptor, unless it is negative or `received` already
/// owns that number (as a rights descriptor or as the pidfd).
fn own(fd: RawFd, received: &Taken) -> Option<OwnedFd> {
    let owned = received.fds.iter().chain(&received.pidfd);
    if fd < 0 || owned.map(AsRawFd::as_raw_fd).any(|other| other == fd) {
        return None;
    }
    // SAFETY: the kernel installed this descriptor in our table for this
    // message and nothing else has seen it, so ownership passes to us once.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::ControlMessage;
    use std::os::fd::IntoRawFd;

    /// Held by each test that checks a number was closed, so that no other
    /// test opens a descriptor that reuses it in between.
    pub(in crate::sys::socket) static FD_NUMBERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// A descriptor handed over as a bare number, as the kernel hands them.
    pub(in crate::sys::socket) fn installed() -> RawFd {
        std::fs::File::open("/dev/null").unwrap().into_raw_fd()
    }

    pub(in crate::sys::socket) fn is_open(fd: RawFd) -> bool {
        std::path::Path::new(&format!("/proc/self/fd/{fd}")).exists()
    }

    fn take(control: &[u8]) -> io::Result<Taken> {
        take_ownership(control, false)
    }

    fn pidfd_message(fd: RawFd) -> Vec<u8> {
        crate::encode(&[ControlMessage::Other {
            level: libc::SOL_SOCKET,
            kind: SCM_PIDFD,
            data: &fd.to_ne_bytes(),
        }])
        .unwrap()
    }

    #[test]
    fn negative_and_repeated_values_never_become_owned() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let fd = installed();
        let control = crate::unix_rights(&[-1, fd, fd, i32::MIN]).unwrap();
        let received = take(&control).unwrap();
        assert_eq!(raw(&received.fds), [fd]);
        drop(received);
        assert!(!is_open(fd));
    }

    #[test]
    fn a_pidfd_and_a_rights_fd_of_one_number_are_owned_once() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let fd = installed();
        let mut pidfd_first = pidfd_message(fd);
        pidfd_first.extend(crate::unix_rights(&[fd]).unwrap());
        let received = take(&pidfd_first).unwrap();
        assert_eq!(received.pidfd.as_ref().map(AsRawFd::as_raw_fd), Some(fd));
        assert!(received.fds.is_empty());
        drop(received);
        assert!(!is_open(fd));

        let fd = installed();
        let mut rights_first = crate::unix_rights(&[fd]).unwrap();
        rights_first.extend(pidfd_message(fd));
        let received = take(&rights_first).unwrap();
        assert_eq!(raw(&received.fds), [fd]);
        assert!(received.pidfd.is_none());
        drop(received);
        assert!(!is_open(fd));
    }

    #[test]
    fn a_second_pidfd_is_an_error_and_closes_both() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        for same in [true, false] {
            let first = installed();
            let second = if same { first } else { installed() };
            let mut control = pidfd_message(first);
            control.extend(pidfd_message(second));
            let err = take(&control).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(!is_open(first) && !is_open(second), "same number: {same}");
        }
    }

    #[test]
    fn cut_short_credentials_are_reported() {
        let cred = crate::unix_credentials(&Ucred {
            pid: 1,
            uid: 2,
            gid: 3,
        })
        .unwrap();
        let mut cut = cred.clone();
        let len = crate::cmsg_len(8);
        cut.truncate(len);
        cut[..std::mem::size_of::<usize>()].copy_from_slice(&len.to_ne_bytes());
        let received = take(&cut).unwrap();
        assert_eq!(received.credentials, None);
        assert!(received.credentials_truncated);
        let whole = take(&cred).unwrap();
        assert!(whole.credentials.is_some() && !whole.credentials_truncated);
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
        let mut control = crate::unix_rights(&[fd]).unwrap();
        let bad = control.len();
        control.extend(crate::unix_rights(&[]).unwrap());
        control[bad] = 99; // a cmsg_len past the end
        let err = take(&control).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(!is_open(fd));
    }

    /// Documented: the walk cannot step past an invalid header, so a number
    /// after one is never found, and stays open.
    #[test]
    fn a_number_after_a_parse_fault_is_not_seen() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let after = installed();
        let mut control = crate::unix_rights(&[]).unwrap();
        control[0] = 99; // a cmsg_len past the end
        control.extend(crate::unix_rights(&[after]).unwrap());
        assert!(take(&control).is_err());
        assert!(is_open(after));
        // SAFETY: nothing owns `after`: the receive did not take it.
        drop(unsafe { OwnedFd::from_raw_fd(after) });
    }

    /// macOS's cut message: `MSG_CTRUNC`, and a `cmsg_len` still the whole
    /// message's, past the end: the fds that fit were installed, and are
    /// closed with the error. Without `MSG_CTRUNC` nothing there is taken.
    #[test]
    fn the_fds_of_a_cut_message_whose_length_passes_the_end_are_closed() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let fds = [installed(), installed()];
        let mut control = crate::unix_rights(&[fds[0], fds[1], 2_000_000_000]).unwrap();
        let whole = Layout::HOST.cmsg_len(8);
        control.truncate(whole);
        assert!(take_ownership(&control, false).is_err());
        assert!(fds.iter().all(|&fd| is_open(fd)));
        assert!(take_ownership(&control, true).is_err());
        assert!(fds.iter().all(|&fd| !is_open(fd)));
    }

    fn raw(fds: &[OwnedFd]) -> Vec<RawFd> {
        fds.iter().map(AsRawFd::as_raw_fd).collect()
    }
}
