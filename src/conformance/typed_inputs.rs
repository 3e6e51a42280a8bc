//! The typed checks' inputs: probes built with the model at the edges of
//! each kind's value, width and level, and (Linux) buffers the kernel
//! wrote on loopback UDP with the typed options on.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use crate::model::{CType, Model};
use crate::typed::{
    ExtendedError, PacketInfo, PacketInfoV6, Timespec, Timeval, TypedKind, TypedMessage,
};

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

/// The values at the edges of a kind that holds one number.
fn edges(kind: TypedKind) -> Vec<TypedMessage> {
    let bytes = |make: fn(u8) -> TypedMessage| [0, 3, 255].map(make).to_vec();
    match kind {
        TypedKind::Tos => bytes(TypedMessage::Tos),
        TypedKind::TrafficClass => bytes(TypedMessage::TrafficClass),
        TypedKind::Ttl => bytes(TypedMessage::Ttl),
        TypedKind::HopLimit => bytes(TypedMessage::HopLimit),
        // A segment of 0 bytes no kernel writes or takes.
        TypedKind::UdpGro => [1, u16::MAX].map(TypedMessage::UdpGro).to_vec(),
        TypedKind::UdpSegment => [1, u16::MAX].map(TypedMessage::UdpSegment).to_vec(),
        TypedKind::RxqOverflow => [0, u32::MAX].map(TypedMessage::RxqOverflow).to_vec(),
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
        // Past the edges of a number held in an `int`.
        if model.typed_type(kind, direction) == Some(CType::Int) {
            for value in [256i32, 65_536, -1] {
                let bytes = match layout.is_big_endian() {
                    true => value.to_be_bytes(),
                    false => value.to_le_bytes(),
                };
                push(one(&bytes));
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
        for other in [0, 41, 17, sol_socket]
            .into_iter()
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
    probes
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
