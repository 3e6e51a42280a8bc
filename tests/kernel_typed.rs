//! The typed messages against Linux on loopback UDP, IPv4 and IPv6: with
//! each socket option on, every message the kernel writes decodes, and the
//! encoder makes the kernel's exact bytes of the decoded value (so the
//! widths and forms of the host's layout are the kernel's); the model
//! decodes them alike. `.ci/run` runs this also as an i686 and a musl
//! process, where the `_OLD` timestamps are 8 bytes.
#![cfg(target_os = "linux")]

use std::io::{self, IoSlice};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use sockcmsg::model::{typed_kinds, Model, UdpFamily};
use sockcmsg::socket::{
    self, ControlBuffer, RecvOptions, SendMessage, SendOptions, SockAddr, SocketOption,
};
use sockcmsg::typed::{Direction, TimeForm, TypedKind, TypedMessage, TypedPayload};
use sockcmsg::Layout;

/// Sets an `int` (or `u32` flags) socket option.
fn set(sock: &UdpSocket, level: i32, name: i32, value: i32) {
    // SAFETY: `value` is an int that outlives the call, and the length
    // passed is its size.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            std::ptr::from_ref(&value).cast(),
            4,
        )
    };
    assert_eq!(
        rc,
        0,
        "setsockopt({level}, {name}): {}",
        io::Error::last_os_error()
    );
}

/// The option that turns on `kind` with the given form: the type numbers
/// of the timestamps are their options' too.
fn timestamp_option(kind: TypedKind) -> i32 {
    Layout::HOST
        .typed_number(kind, Direction::Receive)
        .unwrap()
        .1
}

fn bound(ip: SocketAddr) -> Option<UdpSocket> {
    match UdpSocket::bind(ip) {
        Ok(sock) => {
            sock.set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            Some(sock)
        }
        // A sandbox without IPv6 loopback: the IPv4 tests still run.
        Err(err) if ip.is_ipv6() => {
            eprintln!("no IPv6 loopback here ({err}): the IPv6 case is not run");
            None
        }
        Err(err) => panic!("bind {ip}: {err}"),
    }
}

fn pair(v6: bool) -> Option<(UdpSocket, UdpSocket)> {
    let ip: SocketAddr = if v6 {
        (Ipv6Addr::LOCALHOST, 0).into()
    } else {
        (Ipv4Addr::LOCALHOST, 0).into()
    };
    Some((bound(ip)?, bound(ip)?))
}

/// Sends `data` to `to` with `msgs` typed for sending (`SendMessage::Typed`).
fn send_typed(from: &UdpSocket, to: &UdpSocket, data: &[u8], msgs: &[TypedMessage]) {
    let payloads: Vec<TypedPayload> = msgs
        .iter()
        .map(|msg| TypedPayload::to_send(msg).unwrap())
        .collect();
    let msgs: Vec<SendMessage<'_>> = payloads.iter().map(SendMessage::Typed).collect();
    let address = SockAddr::from(to.local_addr().unwrap());
    let options = SendOptions::default().to(&address);
    let sent = socket::send_with(from.as_fd(), &[IoSlice::new(data)], &msgs, options).unwrap();
    assert_eq!(sent, data.len());
}

/// Checks each message of a control buffer the kernel wrote: it decodes,
/// the encoder writes the kernel's bytes for the value, and the model
/// reads the same value. Returns the values.
fn typed_messages(control: &[u8]) -> Vec<TypedMessage> {
    let layout = Layout::HOST;
    let model = Model::new(layout);
    let mut out = Vec::new();
    for msg in sockcmsg::messages(control) {
        let msg = msg.unwrap();
        let (level, kind) = (msg.header.level, msg.header.kind);
        let typed = sockcmsg::decode_typed(&msg)
            .unwrap_or_else(|err| panic!("level {level} type {kind}: {err}"))
            .unwrap_or_else(|| panic!("level {level} type {kind} is not typed"));
        let again = layout.typed_payload(&typed, Direction::Receive).unwrap();
        assert_eq!(
            (again.level(), again.kind(), again.data()),
            (level, kind, msg.data),
            "{typed:?}: the encoder's bytes are not the kernel's"
        );
        assert_eq!(model.typed(level, kind, msg.data), Ok(Some(typed)));
        out.push(typed);
    }
    out
}

/// Receives one datagram into a control buffer of `ControlBuffer::for_typed(kinds)`,
/// which must hold all the kernel writes: its length and typed messages,
/// which `Received::typed` reads alike.
fn receive(
    sock: &UdpSocket,
    flags: i32,
    kinds: &[TypedKind],
) -> io::Result<(usize, Vec<TypedMessage>)> {
    let mut data = [0; 4096];
    let options = RecvOptions::default().flags(flags);
    let control = ControlBuffer::for_typed(kinds);
    let received = socket::recv_with(sock.as_fd(), &mut data, control, options)?;
    assert!(
        !received.control_truncated,
        "for_typed({kinds:?}) is too small"
    );
    let msgs = typed_messages(received.control());
    let typed: Vec<TypedMessage> = received.typed().collect::<Result<_, _>>().unwrap();
    assert_eq!(typed, msgs);
    Ok((received.bytes, msgs))
}

fn find<T>(msgs: &[TypedMessage], pick: impl Fn(&TypedMessage) -> Option<T>) -> T {
    msgs.iter()
        .find_map(pick)
        .unwrap_or_else(|| panic!("not among {msgs:?}"))
}

#[test]
fn ipv4_tos_ttl_packet_info_and_destination() {
    let (tx, rx) = pair(false).unwrap();
    for option in [
        SocketOption::IpReceiveTos,
        SocketOption::IpReceiveTtl,
        SocketOption::IpPacketInfo,
        SocketOption::IpReceiveOrigDstAddr,
    ] {
        socket::set_option(rx.as_fd(), option, true).unwrap();
    }
    // ECT(0), sent as the typed IP_TOS of the host, and a TTL.
    send_typed(
        &tx,
        &rx,
        b"ecn",
        &[TypedMessage::Tos(0b10), TypedMessage::Ttl(17)],
    );
    let kinds = [
        TypedKind::Tos,
        TypedKind::Ttl,
        TypedKind::PacketInfo,
        TypedKind::OrigDstAddr,
    ];
    let (len, msgs) = receive(&rx, 0, &kinds).unwrap();
    assert_eq!((len, msgs.len()), (3, 4), "{msgs:?}");
    assert_eq!(
        find(&msgs, |m| match m {
            TypedMessage::Tos(t) => Some(*t),
            _ => None,
        }),
        0b10
    );
    assert_eq!(
        find(&msgs, |m| match m {
            TypedMessage::Ttl(t) => Some(*t),
            _ => None,
        }),
        17
    );
    let info = find(&msgs, |m| match m {
        TypedMessage::PacketInfo(i) => Some(*i),
        _ => None,
    });
    assert_eq!(
        (info.addr, info.spec_dst),
        (Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST)
    );
    let dst = find(&msgs, |m| match m {
        TypedMessage::OrigDstAddr(a) => Some(*a),
        _ => None,
    });
    assert_eq!(SocketAddr::V4(dst), rx.local_addr().unwrap());
}

#[test]
fn ipv6_traffic_class_hop_limit_packet_info_and_destination() {
    let Some((tx, rx)) = pair(true) else { return };
    for option in [
        SocketOption::Ipv6ReceiveTrafficClass,
        SocketOption::Ipv6ReceiveHopLimit,
        SocketOption::Ipv6ReceivePacketInfo,
        SocketOption::Ipv6ReceiveOrigDstAddr,
    ] {
        socket::set_option(rx.as_fd(), option, true).unwrap();
    }
    let sent = [TypedMessage::TrafficClass(0b01), TypedMessage::HopLimit(9)];
    send_typed(&tx, &rx, b"ecn6", &sent);
    let kinds = [
        TypedKind::TrafficClass,
        TypedKind::HopLimit,
        TypedKind::PacketInfoV6,
        TypedKind::OrigDstAddrV6,
    ];
    let (len, msgs) = receive(&rx, 0, &kinds).unwrap();
    assert_eq!((len, msgs.len()), (4, 4), "{msgs:?}");
    assert!(msgs.contains(&TypedMessage::TrafficClass(0b01)), "{msgs:?}");
    assert!(msgs.contains(&TypedMessage::HopLimit(9)), "{msgs:?}");
    let info = find(&msgs, |m| match m {
        TypedMessage::PacketInfoV6(i) => Some(*i),
        _ => None,
    });
    assert_eq!(info.addr, Ipv6Addr::LOCALHOST);
    let dst = find(&msgs, |m| match m {
        TypedMessage::OrigDstAddrV6(a) => Some(*a),
        _ => None,
    });
    assert_eq!(SocketAddr::V6(dst), rx.local_addr().unwrap());
}

/// Each timestamp option in each form, on a socket of its own (one flag
/// per socket picks the form of all its timestamps).
#[test]
fn timestamps_in_both_forms() {
    let stamping = (libc::SOF_TIMESTAMPING_RX_SOFTWARE | libc::SOF_TIMESTAMPING_SOFTWARE) as i32;
    for form in [TimeForm::Old, TimeForm::New] {
        for kind in [
            TypedKind::Timestamp(form),
            TypedKind::TimestampNs(form),
            TypedKind::Timestamping(form),
        ] {
            let (tx, rx) = pair(false).unwrap();
            let value = if matches!(kind, TypedKind::Timestamping(_)) {
                stamping
            } else {
                1
            };
            match kind {
                TypedKind::Timestamp(TimeForm::New) => {
                    socket::set_option(rx.as_fd(), SocketOption::TimestampNew, true).unwrap()
                }
                TypedKind::TimestampNs(TimeForm::New) => {
                    socket::set_option(rx.as_fd(), SocketOption::TimestampNsNew, true).unwrap()
                }
                _ => set(&rx, libc::SOL_SOCKET, timestamp_option(kind), value),
            }
            let msgs = first_stamped(&tx, &rx, kind);
            assert_eq!(msgs.len(), 1, "{kind:?}: {msgs:?}");
            assert_eq!(msgs[0].kind(), kind);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            let sec = match msgs[0] {
                TypedMessage::Timestamp { time, .. } => time.sec,
                TypedMessage::TimestampNs { time, .. } => time.sec,
                TypedMessage::Timestamping { times, .. } => times[0].sec,
                other => panic!("{other:?}"),
            };
            assert!(
                (now - 60..=now + 1).contains(&sec),
                "{kind:?}: {sec} is not now ({now})"
            );
        }
    }
}

/// The messages of the first datagram that comes with any. Linux turns
/// receive timestamps on for the whole stack from a work queue, after the
/// option is set: `SO_TIMESTAMPING` stamps nothing until then (the other
/// two stamp at `recvmsg` instead).
fn first_stamped(tx: &UdpSocket, rx: &UdpSocket, kind: TypedKind) -> Vec<TypedMessage> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        send_typed(tx, rx, b"t", &[]);
        let (_, msgs) = receive(rx, 0, &[kind]).unwrap();
        if !msgs.is_empty() || Instant::now() > deadline {
            return msgs;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// GSO on send (`UDP_SEGMENT`), GRO on receive: loopback hands the
/// unsegmented datagram to a socket with `UDP_GRO` on, with its segment
/// size.
#[test]
fn udp_segment_sent_arrives_as_gro() {
    let (tx, rx) = pair(false).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::UdpGro, true).unwrap();
    send_typed(&tx, &rx, &[7; 3000], &[TypedMessage::UdpSegment(1000)]);
    let (len, msgs) = receive(&rx, 0, &[TypedKind::UdpGro]).unwrap();
    assert_eq!((len, msgs), (3000, vec![TypedMessage::UdpGro(1000)]));
}

/// Drops counted while the receive queue was full come with the next
/// datagram queued.
#[test]
fn receive_queue_overflow_counts_drops() {
    let (tx, rx) = pair(false).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::ReceiveQueueOverflow, true).unwrap();
    set(&rx, libc::SOL_SOCKET, libc::SO_RCVBUF, 1);
    rx.set_nonblocking(true).unwrap();
    for _ in 0..64 {
        send_typed(&tx, &rx, &[0; 1000], &[]);
    }
    let mut queued = 0;
    let overflow = [TypedKind::RxqOverflow];
    while let Ok((_, msgs)) = receive(&rx, 0, &overflow) {
        assert_eq!(
            msgs,
            [],
            "the datagrams queued before any drop carry no count"
        );
        queued += 1;
    }
    assert!((1..64).contains(&queued), "{queued} of 64 queued");
    send_typed(&tx, &rx, b"after", &[]);
    let (_, msgs) = receive(&rx, 0, &overflow).unwrap();
    let dropped = 64 - queued;
    assert_eq!(msgs, [TypedMessage::RxqOverflow(dropped)]);
}

/// A datagram no socket takes comes back as an ICMP error on the error
/// queue: `IP_RECVERR` / `IPV6_RECVERR`, its offender the loopback
/// address. The port stays bound (by a socket connected elsewhere, which
/// takes nothing from the sender), so no other test can take it meanwhile.
#[test]
fn icmp_errors_arrive_on_the_error_queue() {
    for v6 in [false, true] {
        let Some((tx, closed)) = pair(v6) else {
            continue;
        };
        let (option, kind) = if v6 {
            (SocketOption::Ipv6ReceiveErrors, TypedKind::RecvErrV6)
        } else {
            (SocketOption::IpReceiveErrors, TypedKind::RecvErr)
        };
        socket::set_option(tx.as_fd(), option, true).unwrap();
        let to = closed.local_addr().unwrap();
        let elsewhere = SocketAddr::new(to.ip(), 9);
        closed.connect(elsewhere).unwrap();
        tx.send_to(b"x", to).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let msgs = loop {
            match receive(&tx, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT, &[kind]) {
                Ok((_, msgs)) => break msgs,
                Err(err)
                    if err.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(err) => panic!("no error queued: {err}"),
            }
        };
        match msgs[..] {
            [TypedMessage::RecvErr { error, offender }] if !v6 => {
                assert_eq!(error.errno, libc::ECONNREFUSED as u32);
                assert_eq!(
                    (error.origin, error.kind, error.code),
                    (libc::SO_EE_ORIGIN_ICMP, 3, 3)
                );
                assert_eq!(offender.map(|a| *a.ip()), Some(Ipv4Addr::LOCALHOST));
            }
            [TypedMessage::RecvErrV6 { error, offender }] if v6 => {
                assert_eq!(error.errno, libc::ECONNREFUSED as u32);
                assert_eq!(
                    (error.origin, error.kind, error.code),
                    (libc::SO_EE_ORIGIN_ICMP6, 1, 4)
                );
                assert_eq!(offender.map(|a| *a.ip()), Some(Ipv6Addr::LOCALHOST));
            }
            _ => panic!("{msgs:?}"),
        }
    }
}

/// A level the UDP path reads, a type (a typed one of the host's, in
/// either direction, or any), and a payload: bytes that are mostly zeros
/// (so that packet info leaves the route alone), zeros of about the typed
/// width, or an `int` at an edge of the kernel's ranges.
fn message() -> impl Strategy<Value = (i32, i32, Vec<u8>)> {
    let model = Model::new(Layout::HOST);
    let typed: Vec<(i32, i32, usize)> = typed_kinds()
        .into_iter()
        .flat_map(|kind| [Direction::Receive, Direction::Send].map(|d| (kind, d)))
        .filter_map(|(kind, d)| {
            let (level, number) = Layout::HOST.typed_number(kind, d)?;
            let width = model.typed_type(kind, d)?.size() as usize;
            (level != libc::SOL_SOCKET).then_some((level, number, width))
        })
        .collect();
    let untyped = (
        select(vec![libc::SOL_IP, libc::SOL_IPV6, libc::SOL_UDP]),
        0..110,
        0usize..24,
    );
    let header = prop_oneof![3 => select(typed), 1 => untyped];
    header.prop_flat_map(|(level, kind, width)| {
        let byte = prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(0xffu8), 1 => any::<u8>()];
        let edges = vec![-2i32, -1, 0, 1, 2, 254, 255, 256, 65535];
        let payload = prop_oneof![
            2 => vec(byte, 0..24),
            2 => (width.saturating_sub(1)..=width + 1).prop_map(|len| vec![0; len]),
            1 => select(edges).prop_map(|int| int.to_ne_bytes().to_vec()),
        ];
        (Just(level), Just(kind), payload)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// `sendmsg` on a UDP socket fails with `EINVAL` exactly when the
    /// model says the kernel refuses the message.
    #[test]
    fn the_kernel_refuses_what_the_model_refuses(
        family in select(vec![UdpFamily::V4, UdpFamily::V6]),
        (level, kind, data) in message(),
    ) {
        let Some(expected) = Model::new(Layout::HOST).kernel_udp_send(family, level, kind, &data) else {
            return Ok(());
        };
        let Some((tx, rx)) = pair(family == UdpFamily::V6) else { return Ok(()) };
        tx.connect(rx.local_addr().unwrap()).unwrap();
        let control = Layout::HOST.encode(&[sockcmsg::ControlMessage::Other { level, kind, data: &data }]).unwrap();
        let sent = socket::send_control(tx.as_fd(), b"x", &control);
        match sent {
            Ok(1) => prop_assert!(expected, "the kernel sent level {} type {} {:02x?}, the model says EINVAL", level, kind, data),
            Err(err) if err.raw_os_error() == Some(libc::EINVAL) => {
                prop_assert!(!expected, "the kernel refused level {} type {} {:02x?}, the model says it sends", level, kind, data)
            }
            other => prop_assert!(false, "level {} type {} {:02x?}: {:?}", level, kind, data, other),
        }
    }
}
