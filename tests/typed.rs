//! The typed IP, UDP and socket messages against the model
//! (`sockcmsg::model`'s `typed`, `typed_type`, `typed_bytes`) on every
//! layout, and the host's numbers and C types against the `libc` crate.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use sockcmsg::model::{typed_kinds, Model, Rejection, TypedBytes};
use sockcmsg::typed::{
    Direction, ExtendedError, PacketInfo, PacketInfoV6, TimeForm, Timespec, Timeval, TypedKind,
    TypedMessage,
};
use sockcmsg::{Cmsghdr, Layout, SocketControlMessage};

const DIRECTIONS: [Direction; 2] = [Direction::Receive, Direction::Send];

#[test]
fn the_codec_and_the_model_type_the_same_messages() {
    for layout in Layout::ALL {
        let model = Model::new(layout);
        for kind in typed_kinds() {
            for direction in DIRECTIONS {
                assert_eq!(
                    layout.typed_number(kind, direction).is_some(),
                    model.typed_type(kind, direction).is_some(),
                    "{} {kind:?} {direction:?}",
                    layout.name()
                );
            }
        }
    }
}

/// Each layout types the messages of its system, by the number its
/// headers give a received TOS: Linux's `IP_TOS` (1), FreeBSD's
/// `IP_RECVTOS` (68), macOS's (27); the other systems type nothing.
#[test]
fn every_layout_types_its_own_system_s_messages() {
    for layout in Layout::ALL {
        let expected = match layout.name() {
            name if name.starts_with("linux") => Some((0, 1)),
            name if name.starts_with("freebsd") => Some((0, 68)),
            "macos" => Some((0, 27)),
            _ => None,
        };
        assert_eq!(
            layout.typed_number(TypedKind::Tos, Direction::Receive),
            expected,
            "{}",
            layout.name()
        );
    }
}

/// An old timestamp of a 32-bit system holds 32-bit fields: a time past
/// them is refused, naming the range, where a 64-bit system or the new
/// form writes it.
#[test]
fn old_timestamps_of_32_bit_systems_refuse_times_past_32_bits() {
    let past = i64::from(i32::MAX) + 1;
    let time = Timespec { sec: past, nsec: 0 };
    let zero = Timespec::default();
    for form in [TimeForm::Old, TimeForm::New] {
        let msgs = [
            TypedMessage::Timestamp {
                time: Timeval { sec: past, usec: 0 },
                form,
            },
            TypedMessage::TimestampNs { time, form },
            TypedMessage::Timestamping {
                times: [zero, zero, time],
                form,
            },
        ];
        for msg in msgs {
            let narrow = Layout::LINUX_32.typed_payload(&msg, Direction::Receive);
            match form {
                TimeForm::Old => assert!(
                    matches!(
                        narrow,
                        Err(sockcmsg::Error::TypedValue { value, min, max, .. })
                            if (value, min, max) == (past, i32::MIN.into(), i32::MAX.into())
                    ),
                    "{msg:?}: {narrow:?}"
                ),
                TimeForm::New => assert!(narrow.is_ok(), "{msg:?}: {narrow:?}"),
            }
            assert!(Layout::LINUX_64
                .typed_payload(&msg, Direction::Receive)
                .is_ok());
        }
    }
}

/// A typed type on a level its system does not type it on stays untyped.
#[test]
fn a_typed_type_on_another_level_is_not_typed() {
    let layout = Layout::LINUX_64;
    for (level, kind, len) in [
        (99, 29, 16),
        (6, 1, 1),
        (0, 104, 4),
        (41, 1, 1),
        (17, 29, 16),
    ] {
        let data = vec![0; len];
        assert_eq!(
            decoded(layout, level, kind, &data),
            Ok(None),
            "level {level} type {kind}"
        );
    }
}

/// A buffer for typed kinds holds one message of each as the model sizes
/// the kernel's: `cmsg_space` of the receive type's size.
#[test]
fn typed_space_is_the_model_s() {
    for layout in Layout::ALL {
        let model = Model::new(layout);
        let space = |kind| {
            model
                .typed_type(kind, Direction::Receive)
                .map_or(0, |ctype| model.cmsg_space(ctype.size()))
        };
        let mut total = 0;
        for kind in typed_kinds() {
            assert_eq!(layout.typed_space(&[kind]) as u128, space(kind), "{kind:?}");
            total += space(kind);
        }
        assert_eq!(
            layout.typed_space(&typed_kinds()) as u128,
            total,
            "{}",
            layout.name()
        );
    }
}

/// The numbers of the Linux layouts are the C headers' as the `libc`
/// crate has them, and the C types' sizes are libc's.
#[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
#[test]
fn the_host_numbers_and_sizes_are_libc_s() {
    use std::mem::size_of;
    use TypedKind::*;

    let host = Layout::HOST;
    let number = |kind, direction| host.typed_number(kind, direction);
    let both = |kind, expected| {
        for direction in DIRECTIONS {
            assert_eq!(
                number(kind, direction),
                Some(expected),
                "{kind:?} {direction:?}"
            );
        }
    };
    use Direction::{Receive, Send};
    assert_eq!(number(Tos, Receive), Some((libc::IPPROTO_IP, libc::IP_TOS)));
    assert_eq!(number(Tos, Send), Some((libc::IPPROTO_IP, libc::IP_TOS)));
    both(Ttl, (libc::IPPROTO_IP, libc::IP_TTL));
    both(PacketInfo, (libc::IPPROTO_IP, libc::IP_PKTINFO));
    both(TrafficClass, (libc::IPPROTO_IPV6, libc::IPV6_TCLASS));
    both(HopLimit, (libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT));
    both(PacketInfoV6, (libc::IPPROTO_IPV6, libc::IPV6_PKTINFO));
    let receive = [
        (RecvErr, (libc::IPPROTO_IP, libc::IP_RECVERR)),
        (OrigDstAddr, (libc::IPPROTO_IP, libc::IP_ORIGDSTADDR)),
        (RecvErrV6, (libc::IPPROTO_IPV6, libc::IPV6_RECVERR)),
        (OrigDstAddrV6, (libc::IPPROTO_IPV6, libc::IPV6_ORIGDSTADDR)),
        (UdpGro, (libc::SOL_UDP, libc::UDP_GRO)),
        (RxqOverflow, (libc::SOL_SOCKET, libc::SO_RXQ_OVFL)),
    ];
    for (kind, expected) in receive {
        assert_eq!(number(kind, Receive), Some(expected), "{kind:?}");
        assert_eq!(number(kind, Send), None, "{kind:?}");
    }
    assert_eq!(
        number(UdpSegment, Send),
        Some((libc::SOL_UDP, libc::UDP_SEGMENT))
    );
    assert_eq!(number(UdpSegment, Receive), None);

    // libc's SO_TIMESTAMP* name the form whose width is libc's timeval or
    // timespec: the old form where time_t is a long, the new one where a
    // 32-bit system has a 64-bit time_t.
    let model = Model::new(host);
    let form_of = |name: i32, kinds: [TypedKind; 2]| {
        let kind = kinds
            .into_iter()
            .find(|&kind| number(kind, Receive) == Some((libc::SOL_SOCKET, name)))
            .unwrap_or_else(|| panic!("libc's {name} is neither form of {kinds:?}"));
        model.typed_type(kind, Receive).unwrap().size()
    };
    let forms = |kind: fn(TimeForm) -> TypedKind| [kind(TimeForm::Old), kind(TimeForm::New)];
    let wide = |size: usize| size as u128;
    assert_eq!(
        form_of(libc::SO_TIMESTAMP, forms(Timestamp)),
        wide(size_of::<libc::timeval>())
    );
    assert_eq!(
        form_of(libc::SO_TIMESTAMPNS, forms(TimestampNs)),
        wide(size_of::<libc::timespec>())
    );
    assert_eq!(
        form_of(libc::SO_TIMESTAMPING, forms(Timestamping)),
        wide(3 * size_of::<libc::timespec>())
    );

    let size = |kind, direction| model.typed_type(kind, direction).unwrap().size();
    assert_eq!(
        size(PacketInfo, Receive),
        wide(size_of::<libc::in_pktinfo>())
    );
    assert_eq!(
        size(PacketInfoV6, Receive),
        wide(size_of::<libc::in6_pktinfo>())
    );
    assert_eq!(
        size(OrigDstAddr, Receive),
        wide(size_of::<libc::sockaddr_in>())
    );
    assert_eq!(
        size(OrigDstAddrV6, Receive),
        wide(size_of::<libc::sockaddr_in6>())
    );
    let err_len = size_of::<libc::sock_extended_err>();
    assert_eq!(
        size(RecvErr, Receive),
        wide(err_len + size_of::<libc::sockaddr_in>())
    );
    assert_eq!(
        size(RecvErrV6, Receive),
        wide(err_len + size_of::<libc::sockaddr_in6>())
    );
    assert_eq!(libc::AF_INET6, 10);
}

/// A level and type: one the layout types, or any.
fn level_and_type(layout: Layout) -> impl Strategy<Value = (i32, i32, usize)> {
    let model = Model::new(layout);
    let typed: Vec<(i32, i32, usize)> = typed_kinds()
        .into_iter()
        .flat_map(|kind| DIRECTIONS.map(|direction| (kind, direction)))
        .filter_map(|(kind, direction)| {
            let (level, number) = layout.typed_number(kind, direction)?;
            let width = model.typed_type(kind, direction)?.size() as usize;
            Some((level, number, width))
        })
        .collect();
    let levels = vec![0, 1, 6, 17, 41, 99, 0xffff];
    let any = (select(levels.clone()), 0..110, 0usize..48);
    if typed.is_empty() {
        any.boxed()
    } else {
        // A typed type on another level, of its width: untyped there.
        let elsewhere = (select(typed.clone()), select(levels))
            .prop_map(|((_, number, width), level)| (level, number, width));
        prop_oneof![3 => select(typed), 1 => any, 1 => elsewhere].boxed()
    }
}

/// A payload of about `width` bytes (one short, exact, one long) or of any
/// length up to 50, its bytes mostly small (so that values in range are
/// common), sometimes any.
fn payload(width: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![4 => Just(0u8), 2 => 0u8..3, 1 => any::<u8>()];
    let len = prop_oneof![3 => width.saturating_sub(1)..=width + 1, 1 => 0usize..50];
    len.prop_flat_map(move |len| vec(byte.clone(), len))
}

fn decoded(
    layout: Layout,
    level: i32,
    kind: i32,
    data: &[u8],
) -> Result<Option<TypedMessage>, Rejection> {
    let msg = SocketControlMessage {
        header: Cmsghdr {
            len: layout.cmsg_len(data.len()),
            level,
            kind,
        },
        data,
    };
    layout
        .decode_typed(&msg)
        .map_err(|err| Rejection::of_error(err).expect("a decoding error"))
}

fn timespec() -> impl Strategy<Value = Timespec> {
    let long = prop_oneof![any::<i32>().prop_map(i64::from), any::<i64>()];
    (long.clone(), long).prop_map(|(sec, nsec)| Timespec { sec, nsec })
}

fn form() -> impl Strategy<Value = TimeForm> {
    select(vec![TimeForm::Old, TimeForm::New])
}

fn v4() -> impl Strategy<Value = SocketAddrV4> {
    (any::<[u8; 4]>(), any::<u16>())
        .prop_map(|(ip, port)| SocketAddrV4::new(Ipv4Addr::from(ip), port))
}

fn v6() -> impl Strategy<Value = SocketAddrV6> {
    (any::<[u8; 16]>(), any::<u16>(), any::<u32>(), any::<u32>()).prop_map(
        |(ip, port, flow, scope)| SocketAddrV6::new(Ipv6Addr::from(ip), port, flow, scope),
    )
}

fn extended_error() -> impl Strategy<Value = ExtendedError> {
    (any::<u32>(), any::<[u8; 4]>(), any::<u32>(), any::<u32>()).prop_map(
        |(errno, [origin, kind, code, pad], info, data)| ExtendedError {
            errno,
            origin,
            kind,
            code,
            pad,
            info,
            data,
        },
    )
}

/// Any typed message.
fn typed_message() -> impl Strategy<Value = TypedMessage> {
    prop_oneof![
        any::<u8>().prop_map(TypedMessage::Tos),
        any::<u8>().prop_map(TypedMessage::TrafficClass),
        any::<u8>().prop_map(TypedMessage::Ttl),
        any::<u8>().prop_map(TypedMessage::HopLimit),
        (any::<u32>(), any::<[u8; 4]>(), any::<[u8; 4]>()).prop_map(|(ifindex, spec, addr)| {
            TypedMessage::PacketInfo(PacketInfo {
                ifindex,
                spec_dst: spec.into(),
                addr: addr.into(),
            })
        }),
        (any::<[u8; 16]>(), any::<u32>()).prop_map(|(addr, ifindex)| {
            TypedMessage::PacketInfoV6(PacketInfoV6 {
                addr: addr.into(),
                ifindex,
            })
        }),
        any::<[u8; 4]>().prop_map(|addr| TypedMessage::DestinationAddr(addr.into())),
        any::<u16>().prop_map(TypedMessage::UdpSegment),
        any::<u16>().prop_map(TypedMessage::UdpGro),
        (timespec(), form()).prop_map(|(t, form)| TypedMessage::Timestamp {
            time: Timeval {
                sec: t.sec,
                usec: t.nsec,
            },
            form,
        }),
        (timespec(), form()).prop_map(|(time, form)| TypedMessage::TimestampNs { time, form }),
        ([timespec(), timespec(), timespec()], form())
            .prop_map(|(times, form)| TypedMessage::Timestamping { times, form }),
        (extended_error(), proptest::option::of(v4()))
            .prop_map(|(error, offender)| TypedMessage::RecvErr { error, offender }),
        (extended_error(), proptest::option::of(v6()))
            .prop_map(|(error, offender)| TypedMessage::RecvErrV6 { error, offender }),
        v4().prop_map(TypedMessage::OrigDstAddr),
        v6().prop_map(TypedMessage::OrigDstAddrV6),
        any::<u32>().prop_map(TypedMessage::RxqOverflow),
    ]
}

proptest! {
    #[test]
    fn typed_decoders_agree_with_the_model(
        (layout, (level, kind), data) in select(Layout::ALL.to_vec())
            .prop_flat_map(|layout| (Just(layout), level_and_type(layout)))
            .prop_flat_map(|(layout, (level, kind, width))| {
                (Just(layout), Just((level, kind)), payload(width))
            })
    ) {
        prop_assert_eq!(
            decoded(layout, level, kind, &data),
            Model::new(layout).typed(level, kind, &data),
            "{} level {} type {} data {:02x?}", layout.name(), level, kind, data
        );
    }

    #[test]
    fn typed_encoders_write_the_model_s_bytes_and_decode_back(
        layout in select(Layout::ALL.to_vec()),
        msg in typed_message(),
        direction in select(DIRECTIONS.to_vec()),
    ) {
        let model = Model::new(layout);
        let encoded = layout.typed_payload(&msg, direction);
        let expected = model.typed_bytes(&msg, direction);
        match (encoded, expected) {
            (Ok(payload), Some(Ok(TypedBytes { level, kind, data: bytes }))) => {
                prop_assert_eq!((payload.level(), payload.kind(), payload.data()), (level, kind, &bytes[..]));
                // What the kernel writes decodes to the value; on send,
                // the same holds where the C type is the receive one's.
                let back = decoded(layout, level, kind, &bytes);
                prop_assert_eq!(back, Ok(Some(msg)));
            }
            (Err(err), Some(Err(rejection))) => {
                prop_assert_eq!(Rejection::of_error(err), Some(rejection));
            }
            (Err(sockcmsg::Error::TypedUnsupported { layout: name, kind, direction: asked }), None) => {
                prop_assert_eq!((name, kind, asked), (layout.name(), msg.kind(), direction));
            }
            (encoded, expected) => {
                prop_assert!(false, "{} {:?} {:?}: codec {:?}, model {:?}", layout.name(), msg, direction, encoded, expected);
            }
        }
    }
}

/// The table of docs/typed.md, between its markers: each kind on each
/// system in each direction, from the layouts' numbers and the model's
/// rules. `UPDATE_GOLDENS=1 cargo test --test typed` rewrites it.
#[test]
fn the_docs_table_is_the_model_s() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/typed.md");
    let page = std::fs::read_to_string(&path).unwrap_or_default();
    let (start, end) = ("<!-- table: tests/typed.rs -->\n", "<!-- end of table -->");
    let table = docs_table();
    let current = page
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(table, _)| table);
    if current != Some(table.as_str()) {
        if std::env::var_os("UPDATE_GOLDENS").is_some() {
            let (before, rest) = page
                .split_once(start)
                .expect("docs/typed.md has the start marker");
            let (_, after) = rest
                .split_once(end)
                .expect("docs/typed.md has the end marker");
            std::fs::write(&path, format!("{before}{start}{table}{end}{after}")).unwrap();
        } else {
            panic!(
                "docs/typed.md's table is not the model's; UPDATE_GOLDENS=1 rewrites it:\n{table}"
            );
        }
    }
}

fn docs_table() -> String {
    use sockcmsg::model::CType::*;
    let systems = [
        ("Linux", Layout::LINUX_64, Some(Layout::LINUX_32)),
        ("FreeBSD", Layout::FREEBSD_64, None),
        ("macOS", Layout::MACOS, None),
    ];
    let mut out = String::from(
        "| kind | system | direction | level | type | C type | bytes | source |\n\
         |---|---|---|---|---|---|--:|---|\n",
    );
    for kind in typed_kinds() {
        for (system, layout, narrow) in systems {
            for direction in DIRECTIONS {
                let model = Model::new(layout);
                let (Some(rule), Some((level, number))) = (
                    model.typed_rule(kind, direction),
                    layout.typed_number(kind, direction),
                ) else {
                    continue;
                };
                let level_name = match level {
                    0 => "IPPROTO_IP",
                    17 => "IPPROTO_UDP",
                    41 => "IPPROTO_IPV6",
                    _ => "SOL_SOCKET",
                };
                let ctype = match (rule.ctype, kind) {
                    (UChar, _) => "unsigned char",
                    (Int, _) => "int",
                    (U16, _) => "__u16",
                    (U32, _) => "__u32",
                    (InAddr, _) => "struct in_addr",
                    (InPktinfo, _) => "struct in_pktinfo",
                    (In6Pktinfo, _) => "struct in6_pktinfo",
                    (SockaddrIn, _) => "struct sockaddr_in",
                    (SockaddrIn6, _) => "struct sockaddr_in6",
                    (ExtendedErrIn, _) => "struct sock_extended_err, struct sockaddr_in",
                    (ExtendedErrIn6, _) => "struct sock_extended_err, struct sockaddr_in6",
                    (Longs2(_), TypedKind::Timestamp(TimeForm::Old)) => {
                        "struct __kernel_old_timeval"
                    }
                    (Longs2(_), TypedKind::Timestamp(_)) => "struct __kernel_sock_timeval",
                    (Longs2(_), TypedKind::TimestampNs(TimeForm::Old)) => {
                        "struct __kernel_old_timespec"
                    }
                    (Longs2(_), _) => "struct __kernel_timespec",
                    (Longs6(_), TypedKind::Timestamping(TimeForm::Old)) => {
                        "struct scm_timestamping"
                    }
                    (Longs6(_), _) => "struct scm_timestamping64",
                };
                let size = rule.ctype.size();
                let bytes = match narrow
                    .and_then(|narrow| Model::new(narrow).typed_type(kind, direction))
                {
                    Some(other) if other.size() != size => {
                        format!("{size} ({} on 32-bit)", other.size())
                    }
                    _ => size.to_string(),
                };
                let name = layout.typed_name(kind, direction).unwrap();
                let direction = match direction {
                    Direction::Receive => "receive",
                    Direction::Send => "send",
                };
                out.push_str(&format!(
                    "| `{kind:?}` | {system} | {direction} | `{level_name}` ({level}) | `{name}` ({number}) \
                     | `{ctype}` | {bytes} | `{}` |\n",
                    rule.source
                ));
            }
        }
    }
    out
}
