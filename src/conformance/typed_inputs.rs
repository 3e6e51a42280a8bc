//! The typed checks' inputs: probes built with the model at the edges of
//! each kind's value, width and level, and (Linux) buffers the kernel
//! wrote on loopback UDP with the typed options on.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use super::inputs::rules_of_walk;
use super::TYPED_RULES;
use crate::model::{CType, Model, Rejection, TypedField};
use crate::typed::{
    Direction, ExtendedError, PacketInfo, PacketInfoV6, Timespec, Timeval, TypedKind, TypedMessage,
};

/// `IPPROTO_IP`, `IPPROTO_IPV6` and `IPPROTO_UDP`, the same on every
/// system the layouts describe.
const IP_LEVELS: [i32; 3] = [0, 41, 17];

/// An ordinary message of each kind.
fn sample(kind: TypedKind) -> TypedMessage {
    let time = Timespec {
        sec: 1_700_000_000,
        nsec: 123_456_789,
    };
    let error = ExtendedError {
        errno: 111,
        origin: 2,
        kind: 3,
        code: 3,
        ..ExtendedError::default()
    };
    match kind {
        TypedKind::Tos => TypedMessage::Tos(0xb9),
        TypedKind::TrafficClass => TypedMessage::TrafficClass(0x2e),
        TypedKind::Ttl => TypedMessage::Ttl(64),
        TypedKind::HopLimit => TypedMessage::HopLimit(64),
        TypedKind::PacketInfo => TypedMessage::PacketInfo(PacketInfo {
            ifindex: 1,
            spec_dst: Ipv4Addr::new(127, 0, 0, 1),
            addr: Ipv4Addr::new(127, 0, 0, 2),
        }),
        TypedKind::PacketInfoV6 => TypedMessage::PacketInfoV6(PacketInfoV6 {
            addr: Ipv6Addr::LOCALHOST,
            ifindex: 1,
        }),
        TypedKind::DestinationAddr => TypedMessage::DestinationAddr(Ipv4Addr::new(127, 0, 0, 2)),
        TypedKind::UdpSegment => TypedMessage::UdpSegment(1200),
        TypedKind::UdpGro => TypedMessage::UdpGro(1200),
        TypedKind::Timestamp(form) => TypedMessage::Timestamp {
            time: Timeval {
                sec: time.sec,
                usec: 123_456,
            },
            form,
        },
        TypedKind::TimestampNs(form) => TypedMessage::TimestampNs { time, form },
        TypedKind::Timestamping(form) => TypedMessage::Timestamping {
            times: [time, Timespec::default(), Timespec::default()],
            form,
        },
        TypedKind::RecvErr => TypedMessage::RecvErr {
            error,
            offender: Some(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 3), 0)),
        },
        TypedKind::RecvErrV6 => TypedMessage::RecvErrV6 {
            error,
            offender: Some(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0)),
        },
        TypedKind::OrigDstAddr => {
            TypedMessage::OrigDstAddr(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 2), 4433))
        }
        TypedKind::OrigDstAddrV6 => {
            TypedMessage::OrigDstAddrV6(SocketAddrV6::new(Ipv6Addr::LOCALHOST, 4433, 0, 0))
        }
        TypedKind::RxqOverflow => TypedMessage::RxqOverflow(7),
    }
}

/// The values at the edges of a kind that holds one number, and of a
/// packet info's interface index.
fn edges(kind: TypedKind) -> Vec<TypedMessage> {
    let bytes = |make: fn(u8) -> TypedMessage| [0, 3, 255].map(make).to_vec();
    match kind {
        TypedKind::Tos => bytes(TypedMessage::Tos),
        TypedKind::TrafficClass => bytes(TypedMessage::TrafficClass),
        TypedKind::Ttl => bytes(TypedMessage::Ttl),
        TypedKind::HopLimit => bytes(TypedMessage::HopLimit),
        // A GRO segment of 0 bytes no kernel writes: `past the edges`
        // below has it.
        TypedKind::UdpGro => [1, u16::MAX].map(TypedMessage::UdpGro).to_vec(),
        TypedKind::UdpSegment => [1, u16::MAX].map(TypedMessage::UdpSegment).to_vec(),
        TypedKind::RxqOverflow => [0, u32::MAX].map(TypedMessage::RxqOverflow).to_vec(),
        // The interface index is a C `int`: the greatest, and past it (what
        // a decoder that reads it as declared has as negative).
        TypedKind::PacketInfo | TypedKind::PacketInfoV6 => [i32::MAX as u32, 1 << 31, u32::MAX]
            .map(|ifindex| match sample(kind) {
                TypedMessage::PacketInfo(info) => {
                    TypedMessage::PacketInfo(PacketInfo { ifindex, ..info })
                }
                TypedMessage::PacketInfoV6(info) => {
                    TypedMessage::PacketInfoV6(PacketInfoV6 { ifindex, ..info })
                }
                other => other,
            })
            .to_vec(),
        _ => Vec::new(),
    }
}

/// The `typed probes` check's buffers on the model's layout.
pub(super) fn typed_probes(model: &Model) -> Vec<Vec<u8>> {
    let layout = model.layout();
    let (sol_socket, rights) = (layout.sol_socket(), layout.scm_rights());
    let mut probes: Vec<Vec<u8>> = Vec::new();
    let mut push = |probe: Vec<u8>| {
        if !probes.contains(&probe) {
            probes.push(probe);
        }
    };
    for (kind, direction, (level, number)) in layout.typed_numbers() {
        let Some(Ok(valid)) = model.typed_bytes(&sample(kind), direction) else {
            continue;
        };
        let one = |data: &[u8]| model.encode([(level, number, data)]);
        push(one(&valid.data));
        for edge in edges(kind) {
            if let Some(Ok(bytes)) = model.typed_bytes(&edge, direction) {
                push(one(&bytes.data));
            }
        }
        // Past the edges of a number held in an `int`, and 0 (no GRO size).
        if model.typed_type(kind, direction) == Some(CType::Int) {
            for value in [256i32, 65_536, -1, 0] {
                let bytes = match layout.is_big_endian() {
                    true => value.to_be_bytes(),
                    false => value.to_le_bytes(),
                };
                push(one(&bytes));
            }
        }
        // An address of no family and of the other: Linux's sockaddrs
        // start with their family, a native `u16`.
        if matches!(kind, TypedKind::OrigDstAddr | TypedKind::OrigDstAddrV6) {
            for family in [0u16, 2, 10] {
                let mut data = valid.data.clone();
                let bytes = match layout.is_big_endian() {
                    true => family.to_be_bytes(),
                    false => family.to_le_bytes(),
                };
                if let Some(head) = data.get_mut(..2) {
                    head.copy_from_slice(&bytes);
                }
                push(one(&data));
            }
        }
        // Widths: one short, one long, and those other systems use.
        let size = valid.data.len();
        let widths = [
            size.saturating_sub(1),
            size.saturating_add(1),
            0,
            1,
            2,
            4,
            8,
            12,
            16,
            20,
            28,
            32,
            48,
        ];
        for width in widths.into_iter().filter(|width| *width != size) {
            let mut data = valid.data.clone();
            data.resize(width, 0xab);
            push(one(&data));
        }
        // Its type on the other levels.
        for other in IP_LEVELS
            .into_iter()
            .chain([sol_socket])
            .filter(|other| *other != level)
        {
            push(model.encode([(other, number, &valid.data[..])]));
        }
        let first_edge = edges(kind)
            .first()
            .and_then(|edge| model.typed_bytes(edge, direction)?.ok())
            .map_or(valid.data.clone(), |bytes| bytes.data);
        push(model.encode([
            (level, number, &valid.data[..]),
            (level, number, &first_edge[..]),
        ]));
        // After an unknown message, with data and without.
        for unknown in [&[0xab; 4][..], &[]] {
            push(model.encode([(0x7ead, 0x7ead, unknown), (level, number, &valid.data[..])]));
        }
        push(model.encode([
            (sol_socket, rights, &[0, 0, 0, 0][..]),
            (level, number, &valid.data[..]),
        ]));
        // Unpadded at the end.
        let mut unpadded = one(&valid.data);
        unpadded
            .truncate(usize::try_from(model.data_offset()).map_or(0, |at| at.saturating_add(size)));
        push(unpadded);
    }
    // Each width of a level's received messages under every other type of
    // the level up to 127: a decoder that takes a type the system does not
    // write (another system's number, or the socket option that turns the
    // message on, as `IP_RECVTOS`) reads it.
    let mut payloads: Vec<(i32, Vec<u8>)> = Vec::new();
    for (kind, direction, (level, _)) in layout.typed_numbers() {
        if direction != Direction::Receive || level == sol_socket {
            continue;
        }
        if let Some(Ok(valid)) = model.typed_bytes(&sample(kind), direction) {
            if !payloads
                .iter()
                .any(|(at, data)| *at == level && data.len() == valid.data.len())
            {
                payloads.push((level, valid.data));
            }
        }
    }
    for (level, data) in &payloads {
        for number in 0..=127 {
            if model.typed(*level, number, data) == Ok(None) {
                push(model.encode([(*level, number, &data[..])]));
            }
        }
    }
    probes
}

/// The values the `typed encoders` check asks an implementation to send:
/// each kind the layout's system sends, at its ordinary value and its
/// edges; a packet info also as a sender that sets only its source writes
/// it: an IPv4 one with no `ipi_addr` (the kernel reads the source from
/// `ipi_spec_dst`), and either of no interface.
pub(super) fn send_values(model: &Model) -> Vec<TypedMessage> {
    let mut values = Vec::new();
    for (kind, direction, _) in model.layout().typed_numbers() {
        if direction != Direction::Send {
            continue;
        }
        for msg in [sample(kind)].into_iter().chain(edges(kind)) {
            let sources = match msg {
                TypedMessage::PacketInfo(info) => [info.ifindex, 0].map(|ifindex| {
                    Some(TypedMessage::PacketInfo(PacketInfo {
                        addr: Ipv4Addr::UNSPECIFIED,
                        ifindex,
                        ..info
                    }))
                }),
                TypedMessage::PacketInfoV6(info) => [
                    Some(TypedMessage::PacketInfoV6(PacketInfoV6 {
                        ifindex: 0,
                        ..info
                    })),
                    None,
                ],
                _ => [None, None],
            };
            for value in [Some(msg)].into_iter().chain(sources).flatten() {
                let sent = model.typed_bytes(&value, direction);
                if sent.is_some_and(|bytes| bytes.is_ok()) && !values.contains(&value) {
                    values.push(value);
                }
            }
        }
    }
    values
}

/// The rules of typed messages `buf` exercises, by name (in
/// [`TYPED_RULES`] order) after the rules of the format's
/// ([`rules_exercised`](super::rules_exercised), but for `unknown types`,
/// which every typed message is to a walk of rights and credentials), as
/// the model walks it: the
/// families of the typed probes. A buffer of well-formed typed messages of
/// distinct kinds, padded, exercises none.
///
/// ```
/// use sockcmsg::conformance::typed_rules_exercised;
/// use sockcmsg::model::Model;
///
/// let model = Model::new(sockcmsg::Layout::LINUX_64);
/// // IP_TTL is an int on Linux, 1 byte no width of it; and an int of 64.
/// let one_byte = model.encode([(libc::IPPROTO_IP, libc::IP_TTL, &[64][..])]);
/// assert_eq!(typed_rules_exercised(&model, &one_byte), ["typed width"]);
/// let ttl = model.encode([(libc::IPPROTO_IP, libc::IP_TTL, &64i32.to_ne_bytes()[..])]);
/// assert!(typed_rules_exercised(&model, &ttl).is_empty());
/// ```
pub fn typed_rules_exercised(model: &Model, buf: &[u8]) -> Vec<&'static str> {
    let walk = model.walk(buf);
    let readings: Vec<_> = walk
        .messages
        .iter()
        .map(|msg| (msg, model.typed(msg.level, msg.kind, msg.data(buf))))
        .collect();
    // At a level and type the system types, whatever its data.
    let at_typed = |reading: &Result<Option<_>, Rejection>| !matches!(reading, Ok(None));
    let after = |empty: bool| {
        readings.iter().enumerate().any(|(at, (_, reading))| {
            at_typed(reading)
                && readings
                    .iter()
                    .take(at)
                    .any(|(before, earlier)| match empty {
                        true => before.data_len == 0,
                        false => before.data_len > 0 && !at_typed(earlier),
                    })
        })
    };
    let typed_numbers: Vec<(i32, i32)> = readings
        .iter()
        .filter(|(_, reading)| at_typed(reading))
        .map(|(msg, _)| (msg.level, msg.kind))
        .collect();
    let twice = typed_numbers.iter().enumerate().any(|(at, number)| {
        typed_numbers
            .iter()
            .skip(at.saturating_add(1))
            .any(|other| other == number)
    });
    let exercised = [
        (
            TYPED_RULES[0],
            readings
                .iter()
                .any(|(_, reading)| matches!(reading, Err(Rejection::TypedWidth { .. }))),
        ),
        (
            TYPED_RULES[1],
            readings.iter().any(|(_, reading)| match reading {
                Err(Rejection::TypedValue { .. } | Rejection::AddressFamily { .. }) => true,
                // `ipi_ifindex` is a C `int`: one past `i32::MAX` is
                // negative to a decoder that reads it as C declares it.
                Ok(Some(msg)) => model.typed_fields(msg).iter().any(
                    |field| matches!(field, TypedField::Interface(index) if *index > i32::MAX as u32),
                ),
                _ => false,
            }),
        ),
        (
            TYPED_RULES[2],
            readings
                .iter()
                .any(|(msg, reading)| !at_typed(reading) && IP_LEVELS.contains(&msg.level)),
        ),
        (TYPED_RULES[3], twice),
        (TYPED_RULES[4], after(true)),
        (TYPED_RULES[5], after(false)),
    ];
    rules_of_walk(model, buf, &walk)
        .into_iter()
        .filter(|rule| *rule != "unknown types")
        .chain(
            exercised
                .into_iter()
                .filter_map(|(rule, exercised)| exercised.then_some(rule)),
        )
        .collect()
}

/// The rules a typed finding's input `buf` stands for: the rules of typed
/// messages it exercises ([`typed_rules_exercised`]), or, if none, the
/// format's. A finding's input may carry an unpadded end or a tail beside
/// the typed message it is about.
///
/// ```
/// use sockcmsg::conformance::typed_finding_rules;
/// use sockcmsg::model::Model;
///
/// let model = Model::new(sockcmsg::Layout::LINUX_64);
/// // A 1-byte TTL, unpadded at the end.
/// let mut one_byte = model.encode([(libc::IPPROTO_IP, libc::IP_TTL, &[64][..])]);
/// one_byte.truncate(17);
/// assert_eq!(typed_finding_rules(&model, &one_byte), ["typed width"]);
/// ```
pub fn typed_finding_rules(model: &Model, buf: &[u8]) -> Vec<&'static str> {
    let exercised = typed_rules_exercised(model, buf);
    match exercised.iter().any(|rule| TYPED_RULES.contains(rule)) {
        true => exercised
            .into_iter()
            .filter(|rule| TYPED_RULES.contains(rule))
            .collect(),
        false => exercised,
    }
}

/// Buffers Linux wrote on loopback UDP, IPv4 and IPv6, with the options
/// whose messages do not change from run to run on (TOS and traffic class,
/// TTL and hop limit, packet info, the drop count), into a control buffer
/// that holds them all and into each shorter one (cut, as the kernel cuts
/// them). Timestamps, ports and GRO, which change or need a coalesced
/// send, are left to the probes.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn kernel_typed_buffers() -> Vec<Vec<u8>> {
    use crate::socket::{self, ControlBuffer, SocketOption};
    use std::net::UdpSocket;
    use std::os::fd::AsFd;

    let families: [(std::net::IpAddr, &[SocketOption]); 2] = [
        (
            Ipv4Addr::LOCALHOST.into(),
            &[
                SocketOption::IpReceiveTos,
                SocketOption::IpReceiveTtl,
                SocketOption::IpPacketInfo,
                SocketOption::ReceiveQueueOverflow,
            ],
        ),
        (
            Ipv6Addr::LOCALHOST.into(),
            &[
                SocketOption::Ipv6ReceiveTrafficClass,
                SocketOption::Ipv6ReceiveHopLimit,
                SocketOption::Ipv6ReceivePacketInfo,
                SocketOption::ReceiveQueueOverflow,
            ],
        ),
    ];
    let mut buffers = Vec::new();
    for (ip, options) in families {
        let (Ok(rx), Ok(tx)) = (UdpSocket::bind((ip, 0)), UdpSocket::bind((ip, 0))) else {
            continue;
        };
        let Ok(to) = rx.local_addr() else {
            continue;
        };
        for option in options {
            let _ = socket::set_option(rx.as_fd(), *option, true);
        }
        let full = 256;
        for len in (0..=full).rev() {
            if tx.send_to(b"x", to).is_err() {
                break;
            }
            let mut control = ControlBuffer::with_len(len);
            match socket::recv(rx.as_fd(), &mut [0; 1], &mut control) {
                Ok(received) if !buffers.contains(&received.control().to_vec()) => {
                    buffers.push(received.control().to_vec())
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    buffers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    #[test]
    fn every_kind_of_the_layout_has_its_ordinary_message_among_distinct_probes() {
        let layouts = [
            Layout::LINUX_64,
            Layout::LINUX_32,
            Layout::MACOS,
            Layout::FREEBSD_64,
        ];
        for layout in layouts {
            let model = Model::new(layout);
            let probes = typed_probes(&model);
            for (kind, direction, (level, number)) in layout.typed_numbers() {
                let Some(Ok(valid)) = model.typed_bytes(&sample(kind), direction) else {
                    panic!("{}: no {kind:?} {direction:?}", layout.name());
                };
                let message = model.encode([(level, number, &valid.data[..])]);
                assert!(probes.contains(&message), "{kind:?} {direction:?}");
                // The probe is one the model reads back as the sample.
                let walk = model.walk(&message);
                let data = walk.messages[0].data(&message);
                assert_eq!(model.typed(level, number, data), Ok(Some(sample(kind))));
            }
            let mut distinct = probes.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), probes.len(), "{}", layout.name());
        }
    }

    #[test]
    fn each_family_of_typed_probes_exercises_its_rule() {
        let model = Model::new(Layout::LINUX_64);
        let int = |value: i32| value.to_le_bytes().to_vec();
        // IP_TTL (0, 2), IPV6_HOPLIMIT (41, 52), UDP_GRO (17, 104).
        let ttl = (0, 2, int(64));
        let hops = (41, 52, int(64));
        // Each buffer's messages (level, type, data), and its rules.
        type Case = (Vec<(i32, i32, Vec<u8>)>, &'static [&'static str]);
        let cases: [Case; 13] = [
            (vec![ttl.clone(), hops.clone()], &[]),
            (vec![(0, 2, vec![64])], &["typed width"]),
            (vec![(0, 2, int(256))], &["typed value"]),
            (vec![(17, 104, int(-1))], &["typed value"]),
            // An IP_ORIGDSTADDR of family 0; an IPV6_PKTINFO of interface
            // 2^31 (ipi6_ifindex is an int).
            (vec![(0, 20, vec![0; 16])], &["typed value"]),
            (
                vec![(41, 50, [&[0; 16][..], &int(i32::MIN)].concat())],
                &["typed value"],
            ),
            // Type 2 is IP_TTL at IPPROTO_IP, nothing at IPPROTO_UDP.
            (vec![(17, 2, int(64))], &["other IP types"]),
            (vec![(0, 0, vec![1; 4])], &["other IP types"]),
            (vec![ttl.clone(), ttl.clone()], &["typed twice"]),
            (
                vec![(0x7ead, 0x7ead, vec![]), hops.clone()],
                &["typed after empty"],
            ),
            (
                vec![(0x7ead, 0x7ead, vec![0xab; 4]), hops.clone()],
                &["typed after other"],
            ),
            (vec![(1, 1, int(0)), hops.clone()], &["typed after other"]),
            // An unknown message after a typed one is no rule.
            (vec![hops, (0x7ead, 0x7ead, vec![])], &[]),
        ];
        for (messages, rules) in cases {
            let buf = model.encode(messages.iter().map(|(l, k, d)| (*l, *k, &d[..])));
            assert_eq!(typed_rules_exercised(&model, &buf), rules, "{buf:02x?}");
        }
        // The rules of the format come first; `unknown types` is not one.
        let mut unpadded = model.encode([ttl].iter().map(|(l, k, d)| (*l, *k, &d[..])));
        unpadded.truncate(20);
        assert_eq!(typed_rules_exercised(&model, &unpadded), ["unpadded last"]);
        let mut tail = model.encode([(0, 2, &int(64)[..])]);
        tail.extend([0; 8]);
        assert_eq!(typed_rules_exercised(&model, &tail), ["tail"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_kernel_writes_typed_messages_the_model_reads_whole_and_cut() {
        let model = Model::new(Layout::HOST);
        let buffers = kernel_typed_buffers();
        let read = |buf: &Vec<u8>| {
            let walk = model.walk(buf);
            walk.messages
                .iter()
                .filter(|msg| {
                    matches!(model.typed(msg.level, msg.kind, msg.data(buf)), Ok(Some(_)))
                })
                .count()
        };
        // Whole: the class or TOS, the hop limit or TTL and the packet
        // info (no drop count before a drop); and cut between messages.
        let counts: Vec<usize> = buffers.iter().map(read).collect();
        assert!(counts.iter().any(|&n| n >= 3), "{buffers:02x?}");
        assert!(counts.iter().any(|&n| n > 0 && n < 3), "{buffers:02x?}");
        for buf in &buffers {
            assert_eq!(model.walk(buf).rejection, None, "{buf:02x?}");
        }
    }
}
