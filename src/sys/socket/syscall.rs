//! `sendmsg` and `recvmsg`. On Linux, as system calls with the kernel's own
//! message header; on macOS and the BSDs, the C library's functions (the
//! system's interface there). On Linux the C library's wrappers are not
//! used: musl's narrows
//! `msg_controllen` to 32 bits (a control buffer of 2^32 + 24 bytes would
//! go out as its first 24) and copies the control data into a 1,056-byte
//! buffer of its own, failing with `ENOMEM` past it, where the kernel takes
//! 253 descriptors with credentials (1,064 bytes). Called directly, the
//! kernel's limits are the same whatever the C library. On 32-bit x86 the
//! direct `sendmsg`, `recvmsg`, `sendmmsg` and `recvmmsg` system calls
//! exist from Linux 4.3 (before, only `socketcall`), so the socket layer
//! needs that kernel there.

use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd};

use socket2::{SockAddr, SockAddrStorage};

/// The kernel's `struct user_msghdr` (`include/linux/socket.h`). Its lengths
/// are `__kernel_size_t`, which is a `usize` on every Linux ABI; a 32-bit
/// process on a 64-bit kernel passes `struct compat_msghdr`, whose fields
/// are all 32 bits wide: the same layout again.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[repr(C)]
struct UserMsghdr {
    name: *mut libc::c_void,
    namelen: libc::c_int,
    iov: *mut libc::iovec,
    iovlen: usize,
    control: *mut libc::c_void,
    controllen: usize,
    /// An `unsigned int` in C, read here as the `c_int` of `MSG_*`.
    flags: libc::c_int,
}

/// The C library's `struct msghdr`, on the systems where the socket layer
/// calls the C library's `sendmsg` and `recvmsg` (macOS and the BSDs, whose
/// C library is the system's interface).
#[cfg(not(any(target_os = "linux", target_os = "android")))]
struct UserMsghdr(libc::msghdr);

#[cfg(any(target_os = "linux", target_os = "android"))]
impl UserMsghdr {
    /// A header for `iovlen` buffers at `iov` and `controllen` bytes of
    /// control data at `control`; no address.
    fn new(
        iov: *mut libc::iovec,
        iovlen: usize,
        control: *mut libc::c_void,
        controllen: usize,
    ) -> io::Result<Self> {
        Ok(UserMsghdr {
            name: std::ptr::null_mut(),
            namelen: 0,
            iov,
            iovlen,
            // An empty control buffer is passed as no buffer at all.
            control: if controllen == 0 {
                std::ptr::null_mut()
            } else {
                control
            },
            controllen,
            flags: 0,
        })
    }

    fn set_name(&mut self, name: *mut libc::c_void, len: libc::socklen_t) {
        self.name = name;
        // At most sizeof(sockaddr_storage): it fits.
        self.namelen = libc::c_int::try_from(len).unwrap_or(libc::c_int::MAX);
    }

    fn namelen(&self) -> libc::socklen_t {
        libc::socklen_t::try_from(self.namelen).unwrap_or(0)
    }

    fn controllen(&self) -> usize {
        self.controllen
    }

    fn flags(&self) -> libc::c_int {
        self.flags
    }

    /// # Safety
    ///
    /// The header points at live buffers of its lengths, whose descriptors
    /// the caller may pass.
    unsafe fn send(&self, sock: BorrowedFd<'_>, flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: by the contract; sendmsg only reads through the header.
        let sent = unsafe {
            libc::syscall(
                libc::SYS_sendmsg,
                sock.as_raw_fd(),
                std::ptr::from_ref(self),
                flags,
            )
        };
        usize::try_from(sent).map_err(|_| io::Error::last_os_error())
    }

    /// # Safety
    ///
    /// The header points at live buffers of its lengths, borrowed
    /// exclusively.
    unsafe fn recv(&mut self, sock: BorrowedFd<'_>, flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: by the contract; recvmsg writes only within the buffers
        // and into the header.
        let read = unsafe {
            libc::syscall(
                libc::SYS_recvmsg,
                sock.as_raw_fd(),
                std::ptr::from_mut(self),
                flags,
            )
        };
        usize::try_from(read).map_err(|_| io::Error::last_os_error())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl UserMsghdr {
    /// A header for `iovlen` buffers at `iov` and `controllen` bytes of
    /// control data at `control`; no address. `InvalidInput` if a length
    /// does not fit the C library's narrower fields.
    fn new(
        iov: *mut libc::iovec,
        iovlen: usize,
        control: *mut libc::c_void,
        controllen: usize,
    ) -> io::Result<Self> {
        let too_long = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{what} too long for this system's struct msghdr"),
            )
        };
        // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = iov;
        msg.msg_iovlen = iovlen.try_into().map_err(|_| too_long("the data slices"))?;
        if controllen > 0 {
            msg.msg_control = control;
            msg.msg_controllen = controllen
                .try_into()
                .map_err(|_| too_long("the control data"))?;
        }
        Ok(UserMsghdr(msg))
    }

    fn set_name(&mut self, name: *mut libc::c_void, len: libc::socklen_t) {
        self.0.msg_name = name;
        self.0.msg_namelen = len;
    }

    fn namelen(&self) -> libc::socklen_t {
        self.0.msg_namelen
    }

    fn controllen(&self) -> usize {
        self.0.msg_controllen as usize
    }

    fn flags(&self) -> libc::c_int {
        self.0.msg_flags
    }

    /// # Safety
    ///
    /// The header points at live buffers of its lengths, whose descriptors
    /// the caller may pass.
    unsafe fn send(&self, sock: BorrowedFd<'_>, flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: by the contract; sendmsg only reads through the header.
        let sent = unsafe { libc::sendmsg(sock.as_raw_fd(), &self.0, flags) };
        usize::try_from(sent).map_err(|_| io::Error::last_os_error())
    }

    /// # Safety
    ///
    /// The header points at live buffers of its lengths, borrowed
    /// exclusively.
    unsafe fn recv(&mut self, sock: BorrowedFd<'_>, flags: libc::c_int) -> io::Result<usize> {
        // SAFETY: by the contract; recvmsg writes only within the buffers
        // and into the header.
        let read = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut self.0, flags) };
        usize::try_from(read).map_err(|_| io::Error::last_os_error())
    }
}

/// What a successful [`recvmsg`] reports.
#[derive(Clone, Debug)]
pub(super) struct Recvd {
    /// The system call's return value: the bytes read, or with `MSG_TRUNC`
    /// in the flags, a datagram's whole length.
    pub(super) returned: usize,
    /// The control bytes the kernel wrote (never more than it was given).
    pub(super) control_len: usize,
    /// `msg_flags`.
    pub(super) flags: libc::c_int,
    /// The sender's address, if the kernel gave one.
    pub(super) from: Option<SockAddr>,
}

/// `sendmsg(2)` of `data` with `control` as the control data, unchanged.
///
/// # Safety
///
/// Every descriptor in an `SCM_RIGHTS` message of `control`, as the kernel
/// reads it, must be one the caller may use for the call: the kernel passes
/// the file it names to the peer.
pub(super) unsafe fn sendmsg(
    sock: BorrowedFd<'_>,
    data: &[IoSlice<'_>],
    control: &[u8],
    to: Option<&SockAddr>,
    flags: libc::c_int,
) -> io::Result<usize> {
    let msg = outgoing_header(data, control, to)?;
    // SAFETY: `msg` points at `data`, `control` and the address, which
    // outlive the call, with their true lengths (no conversion narrows
    // them: `new` refuses what would not fit); sendmsg only reads them. The
    // descriptors in `control` are the caller's to pass, by this
    // function's contract.
    unsafe { msg.send(sock, flags) }
}

/// The header that sends `data` with `control` (to `to`, if given).
fn outgoing_header(
    data: &[IoSlice<'_>],
    control: &[u8],
    to: Option<&SockAddr>,
) -> io::Result<UserMsghdr> {
    // `IoSlice` is guaranteed to be ABI-compatible with `iovec` on Unix;
    // the kernel only reads through these pointers.
    let mut msg = UserMsghdr::new(
        data.as_ptr().cast_mut().cast(),
        data.len(),
        control.as_ptr().cast_mut().cast(),
        control.len(),
    )?;
    if let Some(to) = to {
        msg.set_name(to.as_ptr().cast_mut().cast(), to.len());
    }
    Ok(msg)
}

/// `recvmsg(2)` into `data` and `control`.
///
/// Any descriptor the kernel installs is written into `control` as a bare
/// number: the caller must take ownership of each (or close it).
pub(super) fn recvmsg(
    sock: BorrowedFd<'_>,
    data: &mut [IoSliceMut<'_>],
    control: &mut [u8],
    flags: libc::c_int,
) -> io::Result<Recvd> {
    let mut msg = UserMsghdr::new(
        data.as_mut_ptr().cast(),
        data.len(),
        control.as_mut_ptr().cast(),
        control.len(),
    )?;
    let receive = |name: *mut SockAddrStorage, namelen: *mut libc::socklen_t| {
        // SAFETY: try_init hands a valid length, set to the storage's size.
        msg.set_name(name.cast(), unsafe { *namelen });
        // SAFETY: `msg` points at `data` (whose `IoSliceMut`s are
        // ABI-compatible with `iovec`), `control` and the address storage,
        // which outlive the call and are borrowed exclusively, with their
        // true lengths.
        let returned = unsafe { msg.recv(sock, flags) }?;
        // SAFETY: as above; the kernel set the name's length to the bytes
        // of address it wrote (0 for none), at most the storage's size.
        unsafe { *namelen = msg.namelen() };
        Ok(returned)
    };
    // SAFETY: `receive` leaves in the storage and its length what the
    // kernel wrote: a valid address of that length, or none (length 0).
    let (returned, from) = unsafe { SockAddr::try_init(receive) }?;
    Ok(Recvd {
        returned,
        control_len: msg.controllen().min(control.len()),
        flags: msg.flags(),
        from: named(from),
    })
}

/// A received sender's address, or `None` for none: Linux gives no bytes
/// for a Unix sender bound to no name, macOS and the BSDs an `AF_UNIX`
/// address with no path; both are unnamed.
fn named(from: SockAddr) -> Option<SockAddr> {
    (from.len() > 0 && !from.is_unnamed()).then_some(from)
}

/// The kernel's `struct mmsghdr`: a message header and the bytes sent or
/// received for it (`compat_mmsghdr` has the same layout for 32-bit
/// processes, as `UserMsghdr` does).
#[cfg(any(target_os = "linux", target_os = "android"))]
#[repr(C)]
struct UserMmsghdr {
    hdr: UserMsghdr,
    len: libc::c_uint,
}

/// One datagram for [`sendmmsg`]: its data, its control data and where to.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) struct Outgoing<'a> {
    pub(super) data: &'a [IoSlice<'a>],
    pub(super) control: &'a [u8],
    pub(super) to: Option<&'a SockAddr>,
}

/// `sendmmsg(2)`: the bytes sent of each of `datagrams` that was sent,
/// from the first (on a stream, a datagram's data may go in part).
///
/// # Safety
///
/// As for [`sendmsg`], for every datagram's control data.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) unsafe fn sendmmsg(
    sock: BorrowedFd<'_>,
    datagrams: &[Outgoing<'_>],
    flags: libc::c_int,
) -> io::Result<Vec<usize>> {
    let mut headers: Vec<UserMmsghdr> = datagrams
        .iter()
        .map(|datagram| {
            let hdr = outgoing_header(datagram.data, datagram.control, datagram.to)?;
            Ok(UserMmsghdr { hdr, len: 0 })
        })
        .collect::<io::Result<_>>()?;
    // SAFETY: each header points at its datagram's data, control data and
    // address, which outlive the call, with their true lengths; sendmmsg
    // reads them and writes only each header's `len`. The descriptors are
    // the caller's to pass.
    let sent = unsafe { mmsg(libc::SYS_sendmmsg, sock, &mut headers, flags) }?;
    Ok(headers
        .iter()
        .take(sent)
        .map(|header| usize::try_from(header.len).unwrap_or(usize::MAX))
        .collect())
}

/// `sendmmsg` or `recvmmsg` (the system call `number`) over `headers`, with
/// no timeout: how many messages it sent or received.
///
/// # Safety
///
/// Each header points at live buffers of its lengths, as that call needs
/// them (and for `sendmmsg`, descriptors the caller may pass).
#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe fn mmsg(
    number: libc::c_long,
    sock: BorrowedFd<'_>,
    headers: &mut [UserMmsghdr],
    flags: libc::c_int,
) -> io::Result<usize> {
    let count = libc::c_uint::try_from(headers.len()).unwrap_or(libc::c_uint::MAX);
    // SAFETY: by the contract; `count` is at most the headers' number. The
    // null timeout is recvmmsg's "wait"; sendmmsg takes no fifth argument.
    let done = unsafe {
        libc::syscall(
            number,
            sock.as_raw_fd(),
            headers.as_mut_ptr(),
            count,
            flags,
            std::ptr::null_mut::<libc::timespec>(),
        )
    };
    usize::try_from(done).map_err(|_| io::Error::last_os_error())
}

/// One datagram's room for [`recvmmsg`].
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) struct Incoming<'a> {
    pub(super) data: &'a mut [u8],
    pub(super) control: &'a mut [u8],
}

/// `recvmmsg(2)` with no timeout: what each of the datagrams received, in
/// order (at most one per slot). Every descriptor the kernel installs is
/// written into that slot's control data as a bare number: the caller must
/// take ownership of each.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn recvmmsg(
    sock: BorrowedFd<'_>,
    slots: &mut [Incoming<'_>],
    flags: libc::c_int,
) -> io::Result<Vec<Recvd>> {
    let mut names: Vec<SockAddrStorage> = slots.iter().map(|_| SockAddrStorage::zeroed()).collect();
    let mut iovecs = Vec::with_capacity(slots.len());
    let mut controls = Vec::with_capacity(slots.len());
    for slot in slots.iter_mut() {
        iovecs.push(IoSliceMut::new(&mut *slot.data));
        controls.push((slot.control.as_mut_ptr(), slot.control.len()));
    }
    let mut headers: Vec<UserMmsghdr> = iovecs
        .iter_mut()
        .zip(&controls)
        .zip(names.iter_mut())
        .map(|((iovec, &(control, control_len)), name)| {
            let mut hdr = UserMsghdr::new(
                std::ptr::from_mut(iovec).cast(),
                1,
                control.cast(),
                control_len,
            )?;
            hdr.set_name(std::ptr::from_mut(name).cast(), name.size_of());
            Ok(UserMmsghdr { hdr, len: 0 })
        })
        .collect::<io::Result<_>>()?;
    // SAFETY: each header points at its slot's data (through one iovec),
    // control data and address storage, which outlive the call and are
    // borrowed exclusively, with their true lengths; recvmmsg writes only
    // within them and into the headers.
    let received = unsafe { mmsg(libc::SYS_recvmmsg, sock, &mut headers, flags) }?;
    Ok(headers
        .iter()
        .zip(names)
        .zip(&controls)
        .take(received)
        .map(|((header, name), &(_, control_len))| {
            let namelen = header.hdr.namelen();
            Recvd {
                returned: usize::try_from(header.len).unwrap_or(usize::MAX),
                control_len: header.hdr.controllen().min(control_len),
                flags: header.hdr.flags(),
                // SAFETY: the kernel wrote an address of `namelen` bytes
                // (0 for none) into the zeroed storage.
                from: named(unsafe { SockAddr::new(name, namelen) }),
            }
        })
        .collect())
}
