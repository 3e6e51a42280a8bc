//! Batches of datagrams with control data: `sendmmsg` and `recvmmsg`, the
//! path UDP programs use, with the guarantees of one send or receive:
//! descriptors sent only as `BorrowedFd`s, and every descriptor received
//! owned before anything can fail.

use std::io::{self, IoSlice};
use std::os::fd::BorrowedFd;

use super::buffer::sealed::TOKEN;
use super::recv::received;
use super::send::Encoded;
use super::syscall::{self, Incoming, Outgoing, Recvd};
use super::{ControlStorage, Received, RecvOptions, SendMessage, SendOptions, SockAddr};

/// The most datagrams one `sendmmsg` sends (`UIO_MAXIOV`,
/// `include/uapi/linux/uio.h`): `__sys_sendmmsg` in `net/socket.c` lowers a
/// larger count to it. `recvmmsg` has no such cap: it fills every slot.
const UIO_MAXIOV: usize = 1024;

/// One datagram of a [`send_batch`].
#[derive(Clone, Copy, Debug)]
pub struct SendDatagram<'a> {
    /// The data, in slices.
    pub data: &'a [IoSlice<'a>],
    /// The control messages, encoded in order.
    pub msgs: &'a [SendMessage<'a>],
    /// Where to, on a socket that is not connected; `None` for the
    /// batch's [`SendOptions::to`], if any.
    pub to: Option<&'a SockAddr>,
}

/// Sends `datagrams` with `sendmmsg`, with `options`' flags (and its
/// address for those without their own). Returns the bytes sent of each
/// datagram that was sent, from the first: the kernel stops at the first
/// that fails, and the batch fails only if that is its first datagram, so
/// a shorter list than `datagrams` means the next one failed (sending the
/// rest again reports why) or would have blocked. On a stream socket a
/// datagram's data may go in part: compare each count with its data's
/// length. Each datagram's control data is checked and encoded as
/// [`send_with`](super::send_with) does, all before anything is sent, into
/// a buffer of its own.
///
/// One `sendmmsg` sends at most 1,024 datagrams (`UIO_MAXIOV`: the kernel
/// caps the count it is given and returns how many it sent), so a bigger
/// batch goes in calls of 1,024, each made once the one before sent all it
/// was given: a send on the same socket from another thread may come
/// between them.
///
/// ```
/// use std::io::IoSlice;
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, ControlBuffer, RecvOptions, SendDatagram, SendMessage, SendOptions, SocketKind};
/// let (a, b) = socket::socketpair(SocketKind::Datagram)?;
/// let file = std::fs::File::open("/dev/null")?;
/// let fds = [file.as_fd()];
/// let (first, second) = ([IoSlice::new(b"one")], [IoSlice::new(b"two")]);
/// let datagrams = [
///     SendDatagram { data: &first, msgs: &[SendMessage::Rights(&fds)], to: None },
///     SendDatagram { data: &second, msgs: &[], to: None },
/// ];
/// assert_eq!(socket::send_batch(a.as_fd(), &datagrams, SendOptions::default())?, [3, 3]);
///
/// let (mut one, mut two) = ([0; 8], [0; 8]);
/// let slots = [(&mut one[..], ControlBuffer::for_fds(1)), (&mut two[..], ControlBuffer::for_fds(1))];
/// let received = socket::recv_batch(b.as_fd(), slots, RecvOptions::default())?;
/// assert_eq!(received.len(), 2);
/// assert_eq!((received[0].bytes, received[0].fds.len()), (3, 1));
/// assert_eq!((received[1].bytes, received[1].fds.len()), (3, 0));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn send_batch(
    sock: BorrowedFd<'_>,
    datagrams: &[SendDatagram<'_>],
    options: SendOptions<'_>,
) -> io::Result<Vec<usize>> {
    let encoded = encode_batch(sock, datagrams)?;
    send_encoded(sock, datagrams, &encoded, options.to, options.sent_flags())
}

/// Each datagram's control data, checked and encoded.
pub(super) fn encode_batch<'fds>(
    sock: BorrowedFd<'_>,
    datagrams: &[SendDatagram<'fds>],
) -> io::Result<Vec<Encoded<'fds>>> {
    datagrams
        .iter()
        .map(|datagram| Encoded::new(sock, datagram.data, datagram.msgs))
        .collect()
}

/// Sends `datagrams` with their `encoded` control data, in calls of at
/// most [`UIO_MAXIOV`], each after the one before sent all it was given.
pub(super) fn send_encoded(
    sock: BorrowedFd<'_>,
    datagrams: &[SendDatagram<'_>],
    encoded: &[Encoded<'_>],
    to: Option<&SockAddr>,
    flags: libc::c_int,
) -> io::Result<Vec<usize>> {
    let outgoing: Vec<Outgoing<'_>> = datagrams
        .iter()
        .zip(encoded)
        .map(|(datagram, encoded)| encoded.outgoing(datagram.data, datagram.to.or(to)))
        .collect();
    let mut sent = Vec::with_capacity(datagrams.len());
    for chunk in outgoing.chunks(UIO_MAXIOV) {
        // SAFETY: the only descriptors in each control buffer are the
        // `BorrowedFd`s of that datagram's messages, borrowed for this call
        // (`Encoded`'s lifetime); `Encoded::new` refused any other
        // SCM_RIGHTS message.
        match unsafe { syscall::sendmmsg(sock, chunk, flags) } {
            Ok(counts) => {
                let whole = counts.len() == chunk.len();
                sent.extend(counts);
                if !whole {
                    break;
                }
            }
            // As within one call: an error only if nothing was sent.
            Err(err) if sent.is_empty() => return Err(err),
            Err(_) => break,
        }
    }
    Ok(sent)
}

/// Receives up to one datagram into each slot (its data buffer and its
/// control storage) in one `recvmmsg` (which, unlike `sendmmsg`, takes
/// any number of slots), taking ownership of every
/// descriptor in every datagram as [`recv_with`](super::recv_with) does.
/// Returns what each received, in order; the storage of slots no datagram
/// reached is dropped, as is all storage given by value when the call
/// fails (give it by `&mut` to keep it). Without `MSG_WAITFORONE` or `MSG_DONTWAIT` among
/// `options`' flags the call waits until every slot is filled. If any
/// datagram's control data fails to parse (the kernel never writes such),
/// the error is returned and every descriptor of the batch is closed. See
/// [`send_batch`] for an example.
pub fn recv_batch<'d, C: ControlStorage>(
    sock: BorrowedFd<'_>,
    slots: impl IntoIterator<Item = (&'d mut [u8], C)>,
    options: RecvOptions,
) -> io::Result<Vec<Received<C>>> {
    let mut slots: Vec<(&'d mut [u8], C)> = slots.into_iter().collect();
    let (recvds, starts) = recvmmsg_into(sock, &mut slots, options.sent_flags())?;
    take_batch(recvds, starts, slots, options)
}

/// `recvmmsg` into `slots` with `flags`: what it reported of each datagram
/// and where in each slot's control storage the bytes received into start.
/// Every descriptor in them must then go through [`take_batch`].
pub(super) fn recvmmsg_into<C: ControlStorage>(
    sock: BorrowedFd<'_>,
    slots: &mut [(&mut [u8], C)],
    flags: libc::c_int,
) -> io::Result<(Vec<Recvd>, Vec<usize>)> {
    let mut starts = Vec::with_capacity(slots.len());
    let mut incoming: Vec<Incoming<'_>> = slots
        .iter_mut()
        .map(|(data, control)| {
            let (start, control) = control.prepare(TOKEN);
            starts.push(start);
            Incoming { data, control }
        })
        .collect();
    let recvds = syscall::recvmmsg(sock, &mut incoming, flags)?;
    Ok((recvds, starts))
}

/// What each slot received, as [`recvmmsg_into`] reported it: every
/// descriptor of every datagram taken, and all closed if any datagram's
/// control data fails to parse.
pub(super) fn take_batch<C: ControlStorage>(
    recvds: Vec<Recvd>,
    starts: Vec<usize>,
    slots: Vec<(&mut [u8], C)>,
    options: RecvOptions,
) -> io::Result<Vec<Received<C>>> {
    let mut batch = Vec::with_capacity(recvds.len());
    let mut failed = None;
    for ((recvd, (data, control)), start) in recvds.into_iter().zip(slots).zip(starts) {
        // Every datagram's descriptors are taken, even after a failure, so
        // that dropping the batch closes them all.
        match received(recvd, data.len(), control, start, options) {
            Ok(one) => batch.push(one),
            Err(err) => {
                failed.get_or_insert(err);
            }
        }
    }
    match failed {
        Some(err) => Err(err),
        None => Ok(batch),
    }
}
