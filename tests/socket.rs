//! The socket layer live, over socketpairs and loopback: vectored I/O,
//! flags, addresses, options, batches. What is Linux's alone (abstract
//! names, its options, peer identity, batches) runs on Linux; the rest
//! also on macOS and the BSDs, where the host is one.

use std::ffi::OsStr;
use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::net::UdpSocket;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use sockcmsg::socket::{
    self, ControlBuffer, RecvOptions, SendMessage, SendOptions, SockAddr, SocketKind,
};

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

/// `MSG_WAITALL` on a stream waits for the whole buffer across two sends;
/// the raw `msg_flags` are there beside the booleans.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_receive_flag_reaches_the_kernel() {
    let (a, b) = socket::socketpair(SocketKind::Stream).unwrap();
    let sender = std::thread::spawn(move || {
        for part in [b"ab", b"cd"] {
            std::thread::sleep(Duration::from_millis(20));
            socket::send(a.as_fd(), part, &[], None).unwrap();
        }
        a
    });
    let mut data = [0; 4];
    let wait_all = RecvOptions::default().flags(libc::MSG_WAITALL);
    let received = socket::recv_with(b.as_fd(), &mut data, ControlBuffer::for_fds(0), wait_all);
    let received = received.unwrap();
    // Linux hands MSG_CMSG_CLOEXEC (which recv sets) back in msg_flags.
    assert_eq!(
        (received.bytes, received.msg_flags),
        (4, libc::MSG_CMSG_CLOEXEC)
    );
    assert!(!received.control_truncated && !received.data_truncated);
    drop(sender.join().unwrap());
    assert_eq!(&data, b"abcd");
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

/// A fresh path for a socket in the temporary folder.
fn socket_path(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("sockcmsg-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// One data byte and one fd from `from` to `to`, received with the
/// sender's address.
fn send_fd_and_receive(from: &UnixDatagram, to: &SockAddr, at: &UnixDatagram) -> Option<SockAddr> {
    let file = std::fs::File::open("/dev/null").unwrap();
    let rights = [SendMessage::Rights(&[file.as_fd()])];
    let options = SendOptions::default().to(to);
    socket::send_with(from.as_fd(), &[IoSlice::new(b"x")], &rights, options).unwrap();
    let mut control = ControlBuffer::for_fds(1);
    let received = socket::recv(at.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert_eq!((received.bytes, received.fds.len()), (1, 1));
    received.from
}

#[test]
fn a_datagram_to_a_path_carries_fds_and_the_senders_path() {
    let (receiver_path, sender_path) = (socket_path("to"), socket_path("from"));
    let receiver = UnixDatagram::bind(&receiver_path).unwrap();
    let sender = UnixDatagram::bind(&sender_path).unwrap();
    let to = SockAddr::unix(&receiver_path).unwrap();
    let from = send_fd_and_receive(&sender, &to, &receiver).expect("a bound sender's address");
    assert_eq!(from.as_pathname(), Some(sender_path.as_path()));
    for path in [receiver_path, sender_path] {
        std::fs::remove_file(path).unwrap();
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_datagram_to_an_abstract_name_carries_the_senders_abstract_name() {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::SocketAddr;

    let name = |role: &str| format!("sockcmsg-{}-{role}", std::process::id());
    let bind = |role: &str| {
        let address = SocketAddr::from_abstract_name(name(role)).unwrap();
        UnixDatagram::bind_addr(&address).unwrap()
    };
    let (receiver, sender) = (bind("to"), bind("from"));
    // An abstract name is a path starting with a NUL byte, for socket2.
    let to = SockAddr::unix(OsStr::from_bytes(format!("\0{}", name("to")).as_bytes())).unwrap();
    let from = send_fd_and_receive(&sender, &to, &receiver).expect("a bound sender's address");
    assert_eq!(from.as_abstract_namespace(), Some(name("from").as_bytes()));
}

/// An unbound sender has no address: the kernel gives none.
#[test]
fn an_unnamed_senders_address_is_none() {
    let path = socket_path("unnamed");
    let receiver = UnixDatagram::bind(&path).unwrap();
    let sender = UnixDatagram::unbound().unwrap();
    let to = SockAddr::unix(&path).unwrap();
    assert!(send_fd_and_receive(&sender, &to, &receiver).is_none());
    let (a, b) = socket::socketpair(SocketKind::Datagram).unwrap();
    let (a, b) = (UnixDatagram::from(a), UnixDatagram::from(b));
    socket::send(a.as_fd(), b"x", &[], None).unwrap();
    let mut control = ControlBuffer::for_fds(0);
    let received = socket::recv(b.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert!(received.from.is_none());
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_udp_datagram_carries_the_senders_ip_address_both_ways() {
    for loopback in ["127.0.0.1:0", "[::1]:0"] {
        let receiver = UdpSocket::bind(loopback).unwrap();
        let sender = UdpSocket::bind(loopback).unwrap();
        let to = SockAddr::from(receiver.local_addr().unwrap());
        let options = SendOptions::default().to(&to);
        let sent = socket::send_with(sender.as_fd(), &[IoSlice::new(b"ping")], &[], options);
        assert_eq!(sent.unwrap(), 4);
        let mut data = [0; 8];
        let mut control = ControlBuffer::for_fds(0);
        let received = socket::recv(receiver.as_fd(), &mut data, &mut control).unwrap();
        assert_eq!(received.bytes, 4);
        let from = received.from.as_ref().and_then(SockAddr::as_socket);
        assert_eq!(from, Some(sender.local_addr().unwrap()), "{loopback}");
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
/// The `(level, type, data length)` of each message a receive of one
/// datagram on `rx` carries.
fn messages_received(rx: std::os::fd::BorrowedFd<'_>) -> Vec<(i32, i32, usize)> {
    let mut control = ControlBuffer::with_len(256);
    let received = socket::recv(rx, &mut [0; 8], &mut control).unwrap();
    sockcmsg::messages(received.control())
        .map(|msg| msg.map(|msg| (msg.header.level, msg.header.kind, msg.data.len())))
        .collect::<Result<_, _>>()
        .unwrap()
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn options_make_the_kernel_attach_their_messages() {
    use sockcmsg::socket::SocketOption;

    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    for (option, kind, len) in [
        (
            SocketOption::Timestamp,
            libc::SCM_TIMESTAMP,
            std::mem::size_of::<libc::timeval>(),
        ),
        (
            SocketOption::TimestampNs,
            libc::SCM_TIMESTAMPNS,
            std::mem::size_of::<libc::timespec>(),
        ),
    ] {
        socket::set_option(rx.as_fd(), option, true).unwrap();
        socket::send(tx.as_fd(), b"x", &[], None).unwrap();
        assert_eq!(
            messages_received(rx.as_fd()),
            [(libc::SOL_SOCKET, kind, len)],
            "{option:?}"
        );
        socket::set_option(rx.as_fd(), option, false).unwrap();
    }

    let ip = [
        (
            SocketOption::IpPacketInfo,
            "127.0.0.1:0",
            libc::IPPROTO_IP,
            libc::IP_PKTINFO,
            12,
        ),
        (
            SocketOption::IpReceiveTos,
            "127.0.0.1:0",
            libc::IPPROTO_IP,
            libc::IP_TOS,
            1,
        ),
        (
            SocketOption::Ipv6ReceivePacketInfo,
            "[::1]:0",
            libc::IPPROTO_IPV6,
            libc::IPV6_PKTINFO,
            20,
        ),
    ];
    for (option, loopback, level, kind, len) in ip {
        let receiver = UdpSocket::bind(loopback).unwrap();
        socket::set_option(receiver.as_fd(), option, true).unwrap();
        let sender = UdpSocket::bind(loopback).unwrap();
        sender
            .send_to(b"x", receiver.local_addr().unwrap())
            .unwrap();
        assert_eq!(
            messages_received(receiver.as_fd()),
            [(level, kind, len)],
            "{option:?}"
        );
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn the_peers_identity_needs_no_message() {
    let (a, _b) = socket::socketpair(SocketKind::Stream).unwrap();
    let cred = socket::peer_credentials(a.as_fd()).unwrap();
    // SAFETY: getuid and getgid have no preconditions and cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    assert_eq!(
        (cred.pid, cred.uid, cred.gid),
        (std::process::id() as i32, uid, gid)
    );
    match socket::peer_pidfd(a.as_fd()) {
        Ok(pidfd) => {
            use std::os::fd::AsRawFd;
            let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd()));
            let pid = format!("Pid:\t{}\n", std::process::id());
            assert!(info.unwrap().contains(&pid), "a pidfd of this process");
        }
        Err(err) if err.raw_os_error() == Some(libc::ENOPROTOOPT) => {
            println!("SO_PEERPIDFD: not in this kernel (6.5 and later): {err}");
        }
        Err(err) => panic!("SO_PEERPIDFD: {err}"),
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
/// A batch of UDP datagrams to two receivers, each datagram's own address
/// or the batch's; `recv_batch` gives each sender's address, and with
/// `MSG_WAITFORONE` returns what has arrived.
#[test]
fn a_batch_of_udp_datagrams_goes_to_each_address() {
    use sockcmsg::socket::SendDatagram;

    let (first, second) = (
        UdpSocket::bind("127.0.0.1:0").unwrap(),
        UdpSocket::bind("127.0.0.1:0").unwrap(),
    );
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (to_first, to_second) = (
        SockAddr::from(first.local_addr().unwrap()),
        SockAddr::from(second.local_addr().unwrap()),
    );
    let (a, b, c) = (
        [IoSlice::new(b"a")],
        [IoSlice::new(b"bb")],
        [IoSlice::new(b"ccc")],
    );
    let datagrams = [
        SendDatagram {
            data: &a,
            msgs: &[],
            to: None,
        },
        SendDatagram {
            data: &b,
            msgs: &[],
            to: Some(&to_second),
        },
        SendDatagram {
            data: &c,
            msgs: &[],
            to: None,
        },
    ];
    let options = SendOptions::default().to(&to_first);
    let sent = socket::send_batch(sender.as_fd(), &datagrams, options).unwrap();
    assert_eq!(sent, [1, 2, 3]);

    let wait_for_one = RecvOptions::default().flags(libc::MSG_WAITFORONE);
    let mut buffers = [[0u8; 4]; 4];
    let slots = buffers
        .iter_mut()
        .map(|data| (&mut data[..], ControlBuffer::for_fds(0)));
    let at_first = socket::recv_batch(first.as_fd(), slots, wait_for_one).unwrap();
    let lengths: Vec<usize> = at_first.iter().map(|received| received.bytes).collect();
    assert_eq!(lengths, [1, 3]);
    let from = at_first[1].from.as_ref().and_then(SockAddr::as_socket);
    assert_eq!(from, Some(sender.local_addr().unwrap()));
    drop(at_first);
    assert_eq!(&buffers[..2], [*b"a\0\0\0", *b"ccc\0"]);

    let mut data = [0u8; 4];
    let at_second = socket::recv_batch(second.as_fd(), [(&mut data[..], [0u8; 0])], wait_for_one);
    assert_eq!(at_second.unwrap()[0].bytes, 2);
}

#[cfg(any(target_os = "linux", target_os = "android"))]
/// On a stream, a batch's data may go in part: each count says how much.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_batch_on_a_stream_says_what_went_of_each() {
    use sockcmsg::socket::SendDatagram;

    let (a, _b) = socket::socketpair(SocketKind::Stream).unwrap();
    let big = vec![7; 4 << 20];
    let (big, small) = ([IoSlice::new(&big)], [IoSlice::new(b"x")]);
    let datagrams = [
        SendDatagram {
            data: &big,
            msgs: &[],
            to: None,
        },
        SendDatagram {
            data: &small,
            msgs: &[],
            to: None,
        },
    ];
    let dont_wait = SendOptions::default().flags(libc::MSG_DONTWAIT);
    let sent = socket::send_batch(a.as_fd(), &datagrams, dont_wait).unwrap();
    assert!(!sent.is_empty() && sent[0] < 4 << 20, "{sent:?}");
}

/// `sendmmsg` sends at most `UIO_MAXIOV` (1,024) datagrams a call and
/// says how many: a bigger batch goes in several calls, all of it, the
/// control data of each datagram with it (the last carries an fd). Over a
/// socketpair, which never drops a datagram (the sender waits for room),
/// drained meanwhile; an empty datagram after the batch marks its end, and
/// timeouts bound every wait, so a short batch fails the test, never hangs it.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn a_batch_past_uio_maxiov_is_sent_whole() {
    use sockcmsg::socket::SendDatagram;

    const COUNT: u16 = 1_100;
    let (tx, rx) = UnixDatagram::pair().unwrap();
    tx.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let sender = std::thread::spawn(move || {
        let file = std::fs::File::open("/dev/null").unwrap();
        let rights = [SendMessage::Rights(&[file.as_fd()])];
        let payloads: Vec<[u8; 2]> = (0..COUNT).map(u16::to_le_bytes).collect();
        let slices: Vec<[IoSlice<'_>; 1]> = payloads.iter().map(|p| [IoSlice::new(p)]).collect();
        let datagrams: Vec<SendDatagram<'_>> = (0..COUNT)
            .zip(&slices)
            .map(|(i, data)| SendDatagram {
                data,
                msgs: if i == COUNT - 1 { &rights[..] } else { &[] },
                to: None,
            })
            .collect();
        let sent = socket::send_batch(tx.as_fd(), &datagrams, SendOptions::default());
        socket::send(tx.as_fd(), b"", &[], None).unwrap();
        sent.map_err(|err| err.kind())
    });
    let wait_for_one = RecvOptions::default().flags(libc::MSG_WAITFORONE);
    let (mut received, mut fds) = (Vec::new(), Vec::new());
    'receiving: loop {
        let mut buffers = [[0u8; 2]; 64];
        let slots = buffers
            .iter_mut()
            .map(|data| (&mut data[..], ControlBuffer::for_fds(1)));
        let batch = socket::recv_batch(rx.as_fd(), slots, wait_for_one).unwrap();
        let got: Vec<(usize, usize)> = batch.iter().map(|r| (r.bytes, r.fds.len())).collect();
        drop(batch);
        for (data, (bytes, fd_count)) in buffers.iter().zip(got) {
            if bytes == 0 {
                break 'receiving;
            }
            assert_eq!(bytes, 2);
            received.push(u16::from_le_bytes(*data));
            fds.push(fd_count);
        }
    }
    let sent = sender.join().unwrap().unwrap();
    assert_eq!(sent.len(), usize::from(COUNT));
    assert!(sent.iter().all(|&bytes| bytes == 2));
    assert_eq!(received, (0..COUNT).collect::<Vec<_>>());
    assert_eq!(fds.iter().sum::<usize>(), 1);
    assert_eq!(fds.last(), Some(&1), "the last datagram's fd");
}

/// A datagram of a batch whose control data cannot be encoded stops the
/// batch before anything is sent.
#[test]
fn a_batch_is_checked_before_anything_is_sent() {
    use sockcmsg::socket::SendDatagram;

    let (a, b) = socket::socketpair(SocketKind::Datagram).unwrap();
    let data = [IoSlice::new(b"x")];
    let rights_as_bytes = [SendMessage::Other {
        level: libc::SOL_SOCKET,
        kind: libc::SCM_RIGHTS,
        data: &[0; 4],
    }];
    let datagrams = [
        SendDatagram {
            data: &data,
            msgs: &[],
            to: None,
        },
        SendDatagram {
            data: &data,
            msgs: &rights_as_bytes,
            to: None,
        },
    ];
    let err = socket::send_batch(a.as_fd(), &datagrams, SendOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let dont_wait = RecvOptions::default().flags(libc::MSG_DONTWAIT);
    let nothing = socket::recv_with(b.as_fd(), &mut [0; 1], ControlBuffer::for_fds(0), dont_wait);
    assert_eq!(
        nothing.unwrap_err().kind(),
        ErrorKind::WouldBlock,
        "the first was not sent"
    );
}
