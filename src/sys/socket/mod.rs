//! Sending and receiving control messages over Unix sockets: thin wrappers
//! over the `sendmsg`/`recvmsg` system calls that use the codec and own
//! every file descriptor the kernel installs.
//!
//! [`recv`] turns each descriptor the kernel put in the control buffer into
//! an [`OwnedFd`] before looking at anything else, so none is leaked: not
//! when the control buffer was too small (`MSG_CTRUNC`, where `nix`'s
//! `recvmsg` leaks them), not when the buffer fails to parse (the
//! descriptors are closed as the error is returned), not past the cap of
//! [`RecvOptions::max_fds`]. Negative and repeated values never become an
//! `OwnedFd`. `MSG_CMSG_CLOEXEC` is on by default.
//!
//! [`send`] and [`send_messages`] take descriptors as [`BorrowedFd`]s, so
//! safe code can pass only descriptors it holds; [`send_control`], which
//! sends bytes as they are, refuses `SCM_RIGHTS`, and
//! [`send_control_unchecked`], which does not, is `unsafe`. On a stream
//! socket both refuse control data with no data byte, which the kernel
//! would silently drop.
//!
//! On Linux the system calls are made directly, not through the C library,
//! so the kernel's limits hold on glibc and musl alike (musl's `sendmsg`
//! refuses control data past 1,056 bytes and narrows its length to 32
//! bits). On macOS, FreeBSD and NetBSD it builds on the C library's
//! `sendmsg` and `recvmsg`; what differs there (no `MSG_CMSG_CLOEXEC` on
//! macOS, no credentials, no batches) is said where it applies.
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
use std::os::fd::{BorrowedFd, FromRawFd, OwnedFd, RawFd};

#[cfg(any(feature = "tokio", feature = "async-io"))]
pub mod asynchronous;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod batch;
mod buffer;
mod options;
mod recv;
mod send;
mod syscall;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod uring;

#[cfg(any(target_os = "linux", target_os = "android"))]
pub use batch::{recv_batch, send_batch, SendDatagram};
pub use buffer::{ControlBuffer, ControlStorage};
pub use options::{get_option, set_option, SocketOption};
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use options::{peer_credentials, peer_pidfd};
pub use recv::{recv, recv_vectored, recv_with, Received, RecvOptions};
pub use send::{
    send, send_control, send_control_unchecked, send_messages, send_with, SendMessage, SendOptions,
};
/// Socket addresses, for [`SendOptions::to`] and [`Received::from`]:
/// [`socket2`](https://docs.rs/socket2)'s, which converts to and from
/// `std::net::SocketAddr` and reads and builds Unix paths and abstract
/// names.
pub use socket2::SockAddr;
#[cfg(any(target_os = "linux", target_os = "android"))]
pub use uring::{take_completion_fds, CompletionFds};

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

/// Creates a connected pair of Unix sockets (`socketpair(AF_UNIX, ...)`),
/// close-on-exec (on macOS, set right after they are made).
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
    // macOS has no SOCK_CLOEXEC: FD_CLOEXEC is set right after, and a
    // fork and exec in between (in another thread) would inherit them.
    #[cfg(not(target_os = "macos"))]
    let ty = ty | libc::SOCK_CLOEXEC;
    let mut fds: [RawFd; 2] = [-1, -1];
    // SAFETY: `fds` has room for the two descriptors socketpair writes.
    let rc = unsafe { libc::socketpair(libc::AF_UNIX, ty, 0, fds.as_mut_ptr()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    let [a, b] = fds;
    // SAFETY: on success both are new open descriptors that nothing else owns.
    let pair = unsafe { (OwnedFd::from_raw_fd(a), OwnedFd::from_raw_fd(b)) };
    #[cfg(target_os = "macos")]
    for fd in [&pair.0, &pair.1] {
        set_cloexec(std::os::fd::AsFd::as_fd(fd))?;
    }
    Ok(pair)
}

/// Sets `FD_CLOEXEC` on `fd`: on macOS, which has neither `SOCK_CLOEXEC`
/// nor `MSG_CMSG_CLOEXEC`.
#[cfg(target_os = "macos")]
fn set_cloexec(fd: BorrowedFd<'_>) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: F_SETFD on a descriptor we borrow changes only its flags.
    if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The socket's type (`SO_TYPE`): `SOCK_STREAM`, `SOCK_DGRAM`, ...
fn socket_type(sock: BorrowedFd<'_>) -> io::Result<libc::c_int> {
    options::get(sock, libc::SOL_SOCKET, libc::SO_TYPE, 0)
}

/// A byte count as a `socklen_t`; the counts here are small constants.
fn socklen(len: usize) -> libc::socklen_t {
    libc::socklen_t::try_from(len).unwrap_or(libc::socklen_t::MAX)
}
