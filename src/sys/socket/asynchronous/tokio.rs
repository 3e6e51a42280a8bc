//! tokio's sockets and `AsyncFd`, through their `async_io`: tokio waits
//! for readiness, and clears it when the call says `WouldBlock`.

use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use ::tokio::io::unix::AsyncFd;
use ::tokio::io::Interest;
use ::tokio::net::{UdpSocket, UnixDatagram, UnixStream};

use super::sealed::{Reactor, Wait};
use crate::sys::socket::buffer::sealed::Token;

fn interest(wait: Wait) -> Interest {
    match wait {
        Wait::Read => Interest::READABLE,
        Wait::Write => Interest::WRITABLE,
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Wait::Error => Interest::ERROR,
    }
}

/// tokio's own sockets, each with the same `async_io`.
macro_rules! tokio_socket {
    ($($socket:ty),*) => {$(
        impl Reactor for $socket {
            fn fd(&self, _: Token) -> BorrowedFd<'_> {
                self.as_fd()
            }

            fn io<R>(
                &self,
                wait: Wait,
                _: Token,
                mut io: impl FnMut(BorrowedFd<'_>) -> io::Result<R>,
            ) -> impl Future<Output = io::Result<R>> {
                self.async_io(interest(wait), move || io(self.as_fd()))
            }
        }
    )*};
}

tokio_socket!(UnixStream, UnixDatagram, UdpSocket);

/// Any descriptor registered with tokio's reactor, such as a
/// `SOCK_SEQPACKET` socket in an `AsyncFd<OwnedFd>`.
impl<T: AsRawFd + AsFd> Reactor for AsyncFd<T> {
    fn fd(&self, _: Token) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }

    fn io<R>(
        &self,
        wait: Wait,
        _: Token,
        mut io: impl FnMut(BorrowedFd<'_>) -> io::Result<R>,
    ) -> impl Future<Output = io::Result<R>> {
        self.async_io(interest(wait), move |inner| io(inner.as_fd()))
    }
}

/// Registers `fd` with the current tokio runtime's reactor, for the
/// functions of this module: an `AsyncFd` of a socket tokio has no type
/// for, such as `SOCK_SEQPACKET`. Safe where tokio's `AsyncFd::register` is
/// not: an `OwnedFd` or `BorrowedFd` names one open descriptor for as long
/// as the `AsyncFd` holds it. The descriptor may stay blocking: the
/// functions here never wait in the system call (`MSG_DONTWAIT`).
///
/// Must be called within a runtime with I/O enabled; a runtime that has
/// shut down is an error.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_io().build()?.block_on(async {
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, asynchronous as aio, ControlBuffer, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::SeqPacket)?;
/// let (a, b) = (aio::register(a)?, aio::register(b)?);
/// let file = std::fs::File::open("/dev/null")?;
/// aio::send(&a, b"x", &[file.as_fd()], None).await?;
/// let received = aio::recv(&b, &mut [0; 1], ControlBuffer::for_fds(1)).await?;
/// assert_eq!(received.fds.len(), 1);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn register<T: Descriptor>(fd: T) -> io::Result<AsyncFd<T>> {
    // SAFETY: `T` is an `OwnedFd` or a `BorrowedFd`: its number is open,
    // names the same file and is what `as_raw_fd` returns for as long as
    // the value lives, and the `AsyncFd` holds the value (a `BorrowedFd`'s
    // lifetime bounds the `AsyncFd`'s).
    unsafe { AsyncFd::register(fd) }.map_err(io::Error::from)
}

/// An `OwnedFd` or a `BorrowedFd`: a descriptor that stays open and the
/// same while it lives, as [`register`] needs. Sealed.
pub trait Descriptor: AsRawFd + AsFd + sealed::Descriptor {}

impl Descriptor for OwnedFd {}
impl Descriptor for BorrowedFd<'_> {}

mod sealed {
    pub trait Descriptor {}
    impl Descriptor for std::os::fd::OwnedFd {}
    impl Descriptor for std::os::fd::BorrowedFd<'_> {}
}
