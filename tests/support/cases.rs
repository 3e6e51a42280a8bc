//! Test bodies generic over the socket (`AsyncSocket`): each async test
//! file runs them on its runtime's sockets.

use std::fs::File;
use std::io::IoSlice;
use std::os::fd::AsFd;

use sockcmsg::socket::asynchronous::{self as aio, AsyncSocket};
use sockcmsg::socket::{
    ControlBuffer, Received, RecvOptions, SendDatagram, SendMessage, SendOptions,
};
use sockcmsg::typed::{TypedKind, TypedMessage};

use super::Marker;

/// Sends `byte` with a copy of `file`, then receives the other side's byte
/// and fd, which must name `expected`.
pub async fn exchange(sock: &impl AsyncSocket, byte: u8, file: &File, expected: &Marker) {
    let sent = aio::send(sock, &[byte], &[file.as_fd()], None).await;
    assert_eq!(sent.unwrap(), 1);
    let mut data = [0; 1];
    let received = aio::recv(sock, &mut data, ControlBuffer::for_fds(1)).await;
    let received = received.unwrap();
    assert_eq!((received.bytes, received.fds.len()), (1, 1));
    assert_eq!(data[0], byte ^ 1);
    assert!(expected.is(&received.fds[0]));
}

/// Sends `messages` four-byte sequence numbers, each with a copy of the
/// marker.
pub async fn send_numbered(tx: &impl AsyncSocket, marker: &Marker, messages: u32) {
    for seq in 0..messages {
        let fds = [marker.file.as_fd()];
        aio::send(tx, &seq.to_ne_bytes(), &fds, None).await.unwrap();
    }
}

/// Receives what [`send_numbered`] sends: every number once, in order, with
/// its fd.
pub async fn receive_numbered(rx: &impl AsyncSocket, marker: &Marker, messages: u32) {
    let mut control = ControlBuffer::for_fds(1);
    for seq in 0..messages {
        let mut data = [0; 4];
        let received = aio::recv(rx, &mut data, &mut control).await.unwrap();
        assert!(!received.control_truncated);
        assert_numbered(received, data, seq, marker);
    }
}

/// One message of [`send_numbered`], received into `data`: number `seq`,
/// with one fd, which names the marker (and is closed here).
pub fn assert_numbered<C>(received: Received<C>, data: [u8; 4], seq: u32, marker: &Marker) {
    assert_eq!(u32::from_ne_bytes(data), seq);
    assert_eq!(received.fds.len(), 1, "message {seq}");
    assert!(marker.is(&received.fds[0]));
}

/// A peer sends 10 fds to a buffer with room for 2 (`cmsg_space(8)`
/// bytes: no padding to spare, 64-bit or 32-bit): the kernel installs the
/// 2 that fit, reports `MSG_CTRUNC` and never installs the rest; the 2 are
/// owned, and closed with the receive. With `max_fds(1)` the second is
/// closed at once. `tx` and `rx` are a datagram pair.
pub async fn more_fds_than_the_buffer_holds(
    tx: &impl AsyncSocket,
    rx: &impl AsyncSocket,
    marker: &Marker,
) {
    for (max_fds, kept, closed) in [(usize::MAX, 2, 0), (1, 1, 1)] {
        let sent = aio::send(tx, b"x", &[marker.file.as_fd(); 10], None).await;
        sent.unwrap();
        let options = RecvOptions::default().max_fds(max_fds);
        let mut control = ControlBuffer::for_fds(2);
        let received = aio::recv_with(rx, &mut [0; 1], &mut control, options).await;
        let received = received.unwrap();
        assert!(received.control_truncated);
        assert_eq!((received.fds.len(), received.fds_closed), (kept, closed));
        assert!(received.fds.iter().all(|fd| marker.is(fd)));
        assert_eq!(marker.copies(), 1 + kept);
        drop(received);
        assert_eq!(marker.copies(), 1);
    }
}

/// Three datagrams in one `send_batch`, the first and last with a copy of
/// the marker; one `recv_batch` of four slots gets the three waiting, with
/// every fd owned. `a` and `b` are a datagram pair.
pub async fn batch_round_trip(a: &impl AsyncSocket, b: &impl AsyncSocket, marker: &Marker) {
    let fds = [marker.file.as_fd()];
    let data = [IoSlice::new(b"one")];
    let rights = [SendMessage::Rights(&fds)];
    let with = SendDatagram {
        data: &data,
        msgs: &rights,
        to: None,
    };
    let without = SendDatagram { msgs: &[], ..with };
    let batch = [with, without, with];
    let sent = aio::send_batch(a, &batch, SendOptions::default()).await;
    assert_eq!(sent.unwrap(), [3, 3, 3]);
    let mut buffers = [[0; 8]; 4];
    let slots = buffers
        .iter_mut()
        .map(|data| (&mut data[..], ControlBuffer::for_fds(1)));
    let received = aio::recv_batch(b, slots, RecvOptions::default()).await;
    let received = received.unwrap();
    let fds: Vec<usize> = received.iter().map(|one| one.fds.len()).collect();
    assert_eq!(fds, [1, 0, 1]);
    assert_eq!(marker.copies(), 3);
    drop(received);
    assert_eq!(marker.copies(), 1);
}

/// A receive on `tx`'s error queue (`MSG_ERRQUEUE`), of a UDP socket with
/// `IP_RECVERR` on: the typed messages that came.
pub async fn receive_error(tx: &impl AsyncSocket) -> Vec<TypedMessage> {
    let mut control = ControlBuffer::for_typed(&[TypedKind::RecvErr]);
    let options = RecvOptions::default().flags(libc::MSG_ERRQUEUE);
    let received = aio::recv_with(tx, &mut [0; 8], &mut control, options).await;
    let typed = received.unwrap().typed().collect::<Result<Vec<_>, _>>();
    typed.unwrap()
}

/// What [`receive_error`] got must be one port unreachable from loopback.
pub fn assert_port_unreachable(msgs: &[TypedMessage]) {
    match msgs {
        [TypedMessage::RecvErr { error, .. }] => {
            assert_eq!(error.errno, libc::ECONNREFUSED as u32);
        }
        other => panic!("{other:?}"),
    }
}
