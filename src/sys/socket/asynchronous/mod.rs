//! The socket helpers as `async` functions, on sockets registered with an
//! async runtime's reactor: tokio's `UnixStream`, `UnixDatagram`,
//! `UdpSocket` and anything in an `AsyncFd` (feature `tokio`), and
//! async-io's `Async<T>`, smol's reactor (feature `async-io`).
//!
//! Each function makes the same system call as its blocking namesake in
//! [`socket`](super), with `MSG_DONTWAIT` added (so a descriptor that was
//! left blocking never blocks the runtime), when the runtime says the
//! socket is ready (tokio waits first; async-io tries first), and again
//! after each `WouldBlock`. The
//! guarantees are the same: every descriptor the kernel installs is an
//! [`OwnedFd`](std::os::fd::OwnedFd) in the [`Received`] before anything
//! can fail, close-on-exec by default, truncation reported,
//! [`RecvOptions::max_fds`] and the sender's address kept.
//!
//! # Cancellation
//!
//! A future of these functions may be dropped at any await point (a
//! `select!` that another branch won, a timeout) and lose nothing:
//!
//! - The only awaits are the waits for readiness. The system call and
//!   everything after it run in the one poll that completes the future, so
//!   a receive that took data and descriptors from the kernel always
//!   returns them, owned; a dropped receive took nothing, and the next
//!   receive gets what it would have got. Control storage given by value is
//!   dropped with the future; give it by `&mut` to keep it.
//! - A dropped send sent nothing: its one `sendmsg` (or, for a batch, its
//!   `sendmmsg` calls) is made in the poll that completes it. A send that
//!   completed may have sent part of the data on a stream socket, as the
//!   blocking one may: compare the count it returns, and send the rest
//!   without the control messages, which went with the first byte.
//!
//! Batches (Linux): `recv_batch` returns the datagrams that were waiting
//! once the socket is readable (at least one), whatever `MSG_WAITFORONE`
//! says; `send_batch` sends what the socket takes without waiting again, and
//! returns the counts of the datagrams sent, as the blocking one does when
//! a send would block.
//!
//! `MSG_ERRQUEUE` among the receive flags waits for the socket's error
//! queue (tokio's `Interest::ERROR`; async-io's readability, which
//! includes it), not for data.
//!
//! ```
//! # #[cfg(feature = "tokio")]
//! # tokio::runtime::Builder::new_current_thread().enable_io().build()?.block_on(async {
//! use std::os::fd::AsFd;
//! use sockcmsg::socket::{asynchronous as aio, ControlBuffer};
//! let (a, b) = tokio::net::UnixStream::pair()?;
//! let file = std::fs::File::open("/dev/null")?;
//! aio::send(&a, b"x", &[file.as_fd()], None).await?;
//! let received = aio::recv(&b, &mut [0; 1], ControlBuffer::for_fds(1)).await?;
//! assert_eq!((received.bytes, received.fds.len()), (1, 1));
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! The same on async-io:
//!
//! ```
//! # #[cfg(feature = "async-io")]
//! # async_io::block_on(async {
//! use std::os::fd::AsFd;
//! use std::os::unix::net::UnixDatagram;
//! use async_io::Async;
//! use sockcmsg::socket::{asynchronous as aio, ControlBuffer};
//! let (a, b) = Async::<UnixDatagram>::pair()?;
//! let file = std::fs::File::open("/dev/null")?;
//! aio::send(&a, b"x", &[file.as_fd()], None).await?;
//! let received = aio::recv(&b, &mut [0; 1], ControlBuffer::for_fds(1)).await?;
//! assert_eq!(received.fds.len(), 1);
//! # Ok::<(), std::io::Error>(())
//! # })?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::future::Future;
use std::io::{self, IoSlice, IoSliceMut};
use std::os::fd::BorrowedFd;

use super::buffer::sealed::{Token, TOKEN};
use super::recv::{capacity, received, recvmsg_into};
use super::send::{fds_and_credentials, Encoded};
#[cfg(any(target_os = "linux", target_os = "android"))]
use super::{batch, SendDatagram};
use super::{ControlStorage, Received, RecvOptions, SendMessage, SendOptions};
use crate::Ucred;

#[cfg(feature = "async-io")]
mod async_io;
#[cfg(feature = "tokio")]
mod tokio;
#[cfg(feature = "tokio")]
pub use self::tokio::{register, Descriptor};

/// A socket whose readiness an async runtime's reactor reports: tokio's
/// `UnixStream`, `UnixDatagram`, `UdpSocket` and `AsyncFd<T>` (feature
/// `tokio`), async-io's `Async<T>` (feature `async-io`). Sealed: the
/// functions of this module call its methods.
pub trait AsyncSocket: sealed::Reactor {}

impl<T: sealed::Reactor + ?Sized> AsyncSocket for T {}

pub(super) mod sealed {
    use super::*;

    /// What to wait for.
    #[derive(Clone, Copy, Debug)]
    pub enum Wait {
        Read,
        Write,
        /// The socket's error queue (`MSG_ERRQUEUE`).
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Error,
    }

    /// The runtime's side.
    pub trait Reactor {
        /// The socket's descriptor.
        fn fd(&self, token: Token) -> BorrowedFd<'_>;

        /// Runs `io` on the socket's descriptor when the runtime says the
        /// socket is ready for `wait` (tokio waits first, async-io tries
        /// first), again after each `WouldBlock`, within the poll that
        /// returns its result.
        fn io<R>(
            &self,
            wait: Wait,
            token: Token,
            io: impl FnMut(BorrowedFd<'_>) -> io::Result<R>,
        ) -> impl Future<Output = io::Result<R>>;
    }
}

use sealed::Wait;

/// What a receive with `options` waits for.
fn receive_wait(options: &RecvOptions) -> Wait {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if options.sent_flags() & libc::MSG_ERRQUEUE != 0 {
        return Wait::Error;
    }
    let _ = options;
    Wait::Read
}

/// [`socket::recv`](super::recv), awaiting the socket: receives into
/// `data` and `control` with `MSG_CMSG_CLOEXEC` and owns every descriptor
/// received. See [`recv_with`].
pub async fn recv<S: AsyncSocket + ?Sized, C: ControlStorage>(
    sock: &S,
    data: &mut [u8],
    control: C,
) -> io::Result<Received<C>> {
    recv_with(sock, data, control, RecvOptions::default()).await
}

/// [`socket::recv_with`](super::recv_with), awaiting the socket. See the
/// [module](self) on cancellation.
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # tokio::runtime::Builder::new_current_thread().enable_io().build()?.block_on(async {
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{asynchronous as aio, ControlBuffer, RecvOptions};
/// let (a, b) = tokio::net::UnixDatagram::pair()?;
/// let file = std::fs::File::open("/dev/null")?;
/// aio::send(&a, b"x", &[file.as_fd(); 3], None).await?;
/// let mut control = ControlBuffer::for_fds(3);
/// let received = aio::recv_with(&b, &mut [0; 1], &mut control, RecvOptions::default().max_fds(1)).await?;
/// assert_eq!((received.fds.len(), received.fds_closed), (1, 2));
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn recv_with<S: AsyncSocket + ?Sized, C: ControlStorage>(
    sock: &S,
    data: &mut [u8],
    control: C,
    options: RecvOptions,
) -> io::Result<Received<C>> {
    recv_vectored(sock, &mut [IoSliceMut::new(data)], control, options).await
}

/// [`socket::recv_vectored`](super::recv_vectored), awaiting the socket.
/// See the [module](self) on cancellation.
pub async fn recv_vectored<S: AsyncSocket + ?Sized, C: ControlStorage>(
    sock: &S,
    data: &mut [IoSliceMut<'_>],
    mut control: C,
    options: RecvOptions,
) -> io::Result<Received<C>> {
    let capacity = capacity(data);
    let flags = options.sent_flags() | libc::MSG_DONTWAIT;
    let (recvd, start) = sock
        .io(receive_wait(&options), TOKEN, |fd| {
            recvmsg_into(fd, data, &mut control, flags)
        })
        .await?;
    // In the poll whose system call installed the descriptors.
    received(recvd, capacity, control, start, options)
}

/// [`socket::send`](super::send), awaiting the socket: sends `data` with
/// `fds` and, if given, `credentials`. See the [module](self) on
/// cancellation.
pub async fn send<S: AsyncSocket + ?Sized>(
    sock: &S,
    data: &[u8],
    fds: &[BorrowedFd<'_>],
    credentials: Option<&Ucred>,
) -> io::Result<usize> {
    let (both, count) = fds_and_credentials(fds, credentials);
    send_messages(sock, data, both.get(..count).unwrap_or_default()).await
}

/// [`socket::send_messages`](super::send_messages), awaiting the socket.
pub async fn send_messages<S: AsyncSocket + ?Sized>(
    sock: &S,
    data: &[u8],
    msgs: &[SendMessage<'_>],
) -> io::Result<usize> {
    send_with(sock, &[IoSlice::new(data)], msgs, SendOptions::default()).await
}

/// [`socket::send_with`](super::send_with), awaiting the socket. The
/// messages are checked and encoded before the wait: their errors come
/// first, and nothing is sent. See the [module](self) on cancellation.
pub async fn send_with<S: AsyncSocket + ?Sized>(
    sock: &S,
    data: &[IoSlice<'_>],
    msgs: &[SendMessage<'_>],
    options: SendOptions<'_>,
) -> io::Result<usize> {
    let encoded = Encoded::new(sock.fd(TOKEN), data, msgs)?;
    let flags = options.sent_flags() | libc::MSG_DONTWAIT;
    sock.io(Wait::Write, TOKEN, |fd| {
        encoded.send(fd, data, options.to, flags)
    })
    .await
}

/// [`socket::send_batch`](super::send_batch), awaiting the socket: sends
/// `datagrams` with `sendmmsg` once the socket is writable, as many as it
/// takes without waiting again, and returns the bytes sent of each, from
/// the first. A shorter list than `datagrams` means the next one failed or
/// would have blocked: send the rest again. See the [module](self) on
/// cancellation.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub async fn send_batch<S: AsyncSocket + ?Sized>(
    sock: &S,
    datagrams: &[SendDatagram<'_>],
    options: SendOptions<'_>,
) -> io::Result<Vec<usize>> {
    let encoded = batch::encode_batch(sock.fd(TOKEN), datagrams)?;
    let flags = options.sent_flags() | libc::MSG_DONTWAIT;
    sock.io(Wait::Write, TOKEN, |fd| {
        batch::send_encoded(fd, datagrams, &encoded, options.to, flags)
    })
    .await
}

/// [`socket::recv_batch`](super::recv_batch), awaiting the socket:
/// receives the datagrams waiting once the socket is readable (at least
/// one, at most one per slot) with `recvmmsg`, owning every descriptor of
/// every datagram. See the [module](self) on cancellation.
///
/// ```
/// # #[cfg(feature = "tokio")]
/// # tokio::runtime::Builder::new_current_thread().enable_io().build()?.block_on(async {
/// use std::io::IoSlice;
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{asynchronous as aio, ControlBuffer, RecvOptions, SendDatagram, SendMessage, SendOptions};
/// let (a, b) = tokio::net::UnixDatagram::pair()?;
/// let file = std::fs::File::open("/dev/null")?;
/// let fds = [file.as_fd()];
/// let data = [IoSlice::new(b"one")];
/// let datagram = SendDatagram { data: &data, msgs: &[SendMessage::Rights(&fds)], to: None };
/// assert_eq!(aio::send_batch(&a, &[datagram; 2], SendOptions::default()).await?, [3, 3]);
///
/// let mut buffers = [[0; 8]; 4];
/// let slots = buffers.iter_mut().map(|data| (&mut data[..], ControlBuffer::for_fds(1)));
/// let received = aio::recv_batch(&b, slots, RecvOptions::default()).await?;
/// assert_eq!(received.iter().map(|one| one.fds.len()).collect::<Vec<_>>(), [1, 1]);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[cfg(any(target_os = "linux", target_os = "android"))]
pub async fn recv_batch<'d, S: AsyncSocket + ?Sized, C: ControlStorage>(
    sock: &S,
    slots: impl IntoIterator<Item = (&'d mut [u8], C)>,
    options: RecvOptions,
) -> io::Result<Vec<Received<C>>> {
    let mut slots: Vec<(&'d mut [u8], C)> = slots.into_iter().collect();
    let flags = options.sent_flags() | libc::MSG_DONTWAIT;
    let (recvds, starts) = sock
        .io(receive_wait(&options), TOKEN, |fd| {
            batch::recvmmsg_into(fd, &mut slots, flags)
        })
        .await?;
    // In the poll whose system call installed the descriptors.
    batch::take_batch(recvds, starts, slots, options)
}
