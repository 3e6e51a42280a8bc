//! The socket layer live, over socketpairs and loopback: vectored I/O,
//! flags, addresses.

use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::os::fd::AsFd;
use std::time::Duration;

use sockcmsg::socket::{self, ControlBuffer, RecvOptions, SendMessage, SendOptions, SocketKind};

#[test]
fn a_gathering_send_and_a_scattering_receive_carry_fds_on_a_stream() {
    let (a, b) = socket::socketpair(SocketKind::Stream).unwrap();
    let file = std::fs::File::open("/dev/null").unwrap();
    let data = [IoSlice::new(b""), IoSlice::new(b"ab"), IoSlice::new(b"cde")];
    let rights = [SendMessage::Rights(&[file.as_fd(), file.as_fd()])];
    let sent = socket::send_with(a.as_fd(), &data, &rights, SendOptions::default()).unwrap();
    assert_eq!(sent, 5);
    let (mut first, mut second) = ([0; 3], [0; 3]);
    let mut slices = [IoSliceMut::new(&mut first), IoSliceMut::new(&mut second)];
    let mut control = ControlBuffer::for_fds(2);
    let received =
        socket::recv_vectored(b.as_fd(), &mut slices, &mut control, RecvOptions::default())
            .unwrap();
    assert_eq!((received.bytes, received.full_len), (5, 5));
    assert_eq!(received.fds.len(), 2);
    assert!(!received.control_truncated);
    drop(received);
    assert_eq!((&first, &second[..2]), (b"abc", &b"de"[..]));
}

#[test]
fn only_empty_slices_on_a_stream_with_fds_are_refused() {
    let (a, _b) = socket::socketpair(SocketKind::Stream).unwrap();
    let file = std::fs::File::open("/dev/null").unwrap();
    let data = [IoSlice::new(b""), IoSlice::new(b"")];
    let rights = [SendMessage::Rights(&[file.as_fd()])];
    let err = socket::send_with(a.as_fd(), &data, &rights, SendOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

/// `MSG_DONTWAIT` on a datagram socket whose peer's queue is full: the
/// send would block, and says so instead. (Without the flag the send
/// blocks: the test fails after 10 s rather than hang.)
#[test]
fn a_send_flag_reaches_the_kernel() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (a, _b) = socket::socketpair(SocketKind::Datagram).unwrap();
        let dont_wait = SendOptions::default().flags(libc::MSG_DONTWAIT);
        let data = [IoSlice::new(&[7; 1024])];
        let err = (0..100_000)
            .find_map(|_| socket::send_with(a.as_fd(), &data, &[], dont_wait).err())
            .map(|err| err.kind());
        done.send(err).unwrap();
    });
    let err = finished.recv_timeout(Duration::from_secs(10));
    assert_eq!(err, Ok(Some(ErrorKind::WouldBlock)));
}

/// A datagram larger than the slices: `bytes` is what fit, `full_len`
/// (with `MSG_TRUNC`) the datagram's length.
#[test]
fn a_scattering_receive_of_a_longer_datagram_reports_both_lengths() {
    let (a, b) = socket::socketpair(SocketKind::Datagram).unwrap();
    socket::send_with(
        a.as_fd(),
        &[IoSlice::new(b"0123456789")],
        &[],
        SendOptions::default(),
    )
    .unwrap();
    let (mut first, mut second) = ([0; 2], [0; 3]);
    let mut slices = [IoSliceMut::new(&mut first), IoSliceMut::new(&mut second)];
    let options = RecvOptions::default().flags(libc::MSG_TRUNC);
    let mut control = ControlBuffer::for_fds(0);
    let received = socket::recv_vectored(b.as_fd(), &mut slices, &mut control, options).unwrap();
    assert_eq!((received.bytes, received.full_len), (5, 10));
    assert!(received.data_truncated);
    drop(received);
    assert_eq!((&first, &second), (b"01", b"234"));
}
