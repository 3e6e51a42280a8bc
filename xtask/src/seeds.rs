//! `cargo xtask seeds`: the seed files of every target and the dictionary.
//!
//! The control-buffer targets (`parse`, `libc_walk`, `kernel`) get the same
//! seeds: buffers the kernel wrote into `recvmsg`'s control buffer on a live
//! socketpair, then edge cases built with the crate's encoder. The
//! `roundtrip` target reads `arbitrary`'s format, so its seeds are the
//! messages of every valid buffer above (and a few more) written with
//! [`roundtrip_input`], and the `*_any_layout` targets' behind the byte that
//! picks a layout ([`any_layout_input`]). The `typed` target's seeds are,
//! for every layout, its typed messages as the model writes them for each
//! direction, and each one byte short ([`typed_input`]). The `uring`
//! target's are the completions the model says the kernel writes, on each
//! Linux layout, and two it never writes ([`uring_seeds`]). Every seed is
//! run through its target's check before it is written.
//!
//! The captures hold this process's fd numbers and pid, uid and gid, so a
//! new run rewrites those bytes.

use std::fs::{self, File};
use std::os::fd::{AsFd, BorrowedFd};

use sockcmsg::model::{Model, UringDatagram, UringSubmission};
use sockcmsg::socket::{self, ControlBuffer, SocketKind, SocketOption};
use sockcmsg::typed::{Direction, TypedMessage};
use sockcmsg::{check, ControlMessage, Layout, OwnedControlMessage, Ucred};

use crate::fuzz::DICTIONARY;
use crate::inputs::{any_layout_input, roundtrip_input, typed_input, uring_input, with_cmsg_len};
use crate::root;

/// The targets whose input is a raw control buffer.
const BUFFER_TARGETS: [&str; 3] = ["parse", "libc_walk", "kernel"];

/// One seed: a name (the file is `seed-<name>`) and its bytes.
type Seed = (String, Vec<u8>);

pub(crate) fn write_all() -> Result<(), String> {
    if Layout::HOST != Layout::LINUX_64 {
        return Err("the seeds are 64-bit Linux control buffers: run this on 64-bit Linux".into());
    }
    let mut buffers = captured().map_err(|err| format!("capturing from a socketpair: {err}"))?;
    buffers.extend(edge_cases());
    let mut lists: Vec<(String, Vec<OwnedControlMessage>)> = buffers
        .iter()
        .filter_map(|(name, buf)| {
            let msgs = sockcmsg::parse_socket_control_message(buf).ok()?;
            Some((name.clone(), msgs.into_iter().map(Into::into).collect()))
        })
        .collect();
    lists.extend(extra_messages());
    let mut messages: Vec<Seed> = Vec::new();
    for (name, msgs) in lists {
        let input = roundtrip_input(&msgs);
        if check::roundtrip_messages(&input) != msgs {
            return Err(format!(
                "the roundtrip seed {name} does not read back as its messages: \
                 has arbitrary's format changed?"
            ));
        }
        messages.push((name, input));
    }
    for target in BUFFER_TARGETS {
        write_seeds(target, &buffers)?;
    }
    write_seeds("roundtrip", &messages)?;
    let (buffers, messages) = any_layout_seeds()?;
    write_seeds("parse_any_layout", &buffers)?;
    write_seeds("roundtrip_any_layout", &messages)?;
    write_seeds("typed", &typed_seeds()?)?;
    write_seeds("uring", &uring_seeds())?;
    let dictionary = root().join(DICTIONARY);
    fs::write(&dictionary, dictionary_text())
        .map_err(|err| format!("{}: {err}", dictionary.display()))?;
    println!("wrote {}", DICTIONARY);
    Ok(())
}

/// Replaces the `seed-*` files of `corpus/<target>/` with `seeds`, after
/// checking each with the target's check (a panic here is a finding).
fn write_seeds(target: &str, seeds: &[Seed]) -> Result<(), String> {
    let (_, check) = check::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .ok_or_else(|| format!("no check for {target}"))?;
    let dir = root().join("corpus").join(target);
    fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    for entry in fs::read_dir(&dir).map_err(|err| err.to_string())? {
        let path = entry.map_err(|err| err.to_string())?.path();
        if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("seed-"))
        {
            fs::remove_file(&path).map_err(|err| format!("{}: {err}", path.display()))?;
        }
    }
    for (name, bytes) in seeds {
        check(bytes);
        let path = dir.join(format!("seed-{name}"));
        fs::write(&path, bytes).map_err(|err| format!("{}: {err}", path.display()))?;
    }
    println!("wrote {} seeds to corpus/{target}/", seeds.len());
    Ok(())
}

/// What the kernel writes into a control buffer of `control_len` bytes for
/// a datagram sent with `fds` descriptors, with `SO_PASSCRED` on the
/// receiver if `credentials`.
fn capture(
    fds: &[BorrowedFd<'_>],
    credentials: bool,
    control_len: usize,
) -> std::io::Result<Vec<u8>> {
    let (sender, receiver) = socket::socketpair(SocketKind::Datagram)?;
    if credentials {
        socket::set_option(receiver.as_fd(), SocketOption::PassCredentials, true)?;
    }
    socket::send(sender.as_fd(), b"x", fds, None)?;
    let mut control = ControlBuffer::with_len(control_len);
    let received = socket::recv(receiver.as_fd(), &mut [0; 1], &mut control)?;
    // The descriptors received are closed when `received` is dropped.
    Ok(received.control().to_vec())
}

/// Buffers the kernel wrote: 1, 2 and 253 (the most it takes) fds,
/// credentials, credentials with an fd, and 3 fds cut short by control
/// buffers of every interesting size.
fn captured() -> std::io::Result<Vec<Seed>> {
    let null = File::open("/dev/null")?;
    let fds = |n: usize| vec![null.as_fd(); n];
    let rights = |n: usize| sockcmsg::cmsg_space(n * 4);
    let mut seeds = vec![
        (
            "kernel-rights-1fd".to_owned(),
            capture(&fds(1), false, rights(1))?,
        ),
        (
            "kernel-rights-2fds".to_owned(),
            capture(&fds(2), false, rights(2))?,
        ),
        (
            "kernel-rights-253fds".to_owned(),
            capture(&fds(253), false, rights(253))?,
        ),
        (
            "kernel-credentials".to_owned(),
            capture(&[], true, sockcmsg::cmsg_space(12))?,
        ),
        (
            "kernel-credentials-1fd".to_owned(),
            capture(
                &fds(1),
                true,
                ControlBuffer::for_credentials_and_fds(1).len(),
            )?,
        ),
        // A credentials message cut short: 4 of its 12 bytes.
        (
            "kernel-credentials-in-20".to_owned(),
            capture(&[], true, 20)?,
        ),
    ];
    for control_len in [16, 19, 20, 24, 27, 28, 64] {
        seeds.push((
            format!("kernel-rights-3fds-in-{control_len}"),
            capture(&fds(3), false, control_len)?,
        ));
    }
    Ok(seeds)
}

/// A message with `data_len` bytes of data and its `cmsg_len` set to `len`.
fn with_len(len: usize, data_len: usize) -> Vec<u8> {
    let mut buf = sockcmsg::encode(&[ControlMessage::Other {
        level: libc::SOL_SOCKET,
        kind: libc::SCM_RIGHTS,
        data: &vec![0xab; data_len],
    }])
    .expect("a small message encodes");
    buf.truncate(sockcmsg::cmsg_len(data_len));
    with_cmsg_len(Layout::HOST, &buf, len).expect("64-bit Linux's length field holds any usize")
}

/// Buffers at the edges of the rules.
fn edge_cases() -> Vec<Seed> {
    let rights = sockcmsg::unix_rights(&[0]).expect("one fd encodes");
    let cred = sockcmsg::unix_credentials(&Ucred {
        pid: 1,
        uid: 0,
        gid: 0,
    })
    .expect("Linux encodes credentials");
    let joined = |parts: &[&[u8]]| parts.concat();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("below-a-header", vec![0x10; 8]),
        ("len-0", with_len(0, 0)),
        ("len-15", with_len(15, 0)),
        ("len-16", with_len(16, 0)),
        ("len-17-past-the-end", with_len(17, 0)),
        ("len-17-unpadded", with_len(17, 1)),
        ("len-u64-max", with_len(usize::MAX, 8)),
        ("len-u64-max-minus-7", with_len(usize::MAX - 7, 8)),
        ("len-2-pow-32-plus-16", with_len((1 << 32) + 16, 8)),
        ("short-tail", joined(&[&rights, &[0xee; 8]])),
        (
            "unpadded-last",
            joined(&[&rights, &rights[..sockcmsg::cmsg_len(4)]]),
        ),
        ("partial-fd", with_len(sockcmsg::cmsg_len(5), 5)),
        ("credentials-and-rights", joined(&[&cred, &rights])),
        ("second-header-below", joined(&[&rights, &with_len(0, 0)])),
        (
            "second-header-past-the-end",
            joined(&[&rights, &with_len(64, 8)]),
        ),
    ];
    cases
        .into_iter()
        .map(|(name, buf)| (format!("edge-{name}"), buf))
        .collect()
}

/// The seeds of `parse_any_layout` and `roundtrip_any_layout`: for each
/// layout, behind the byte that picks it, its own buffers at the edges of
/// the rules and message lists.
fn any_layout_seeds() -> Result<(Vec<Seed>, Vec<Seed>), String> {
    let mut buffers = Vec::new();
    let mut messages = Vec::new();
    for layout in Layout::ALL {
        let name = layout.name();
        for (case, buf) in
            layout_edge_cases(layout).map_err(|err| format!("encoding the {name} seeds: {err}"))?
        {
            buffers.push((format!("{name}-{case}"), any_layout_input(layout, &buf)));
        }
        let other = |data: &[u8]| OwnedControlMessage {
            level: libc::IPPROTO_IPV6,
            kind: libc::IPV6_PKTINFO,
            data: data.to_vec(),
        };
        let lists = [
            ("rights-1fd", vec![OwnedControlMessage::rights(&[0])]),
            (
                "credentials-rights-other",
                vec![
                    OwnedControlMessage::credentials(Ucred::default()),
                    OwnedControlMessage::rights(&[0, 1, 2]),
                    other(&[1, 2, 3]),
                ],
            ),
            (
                "one-byte-to-eight-bytes",
                (1..=8).map(|n| other(&vec![0x5a; n])).collect(),
            ),
        ];
        for (case, msgs) in lists {
            let input = roundtrip_input(&msgs);
            messages.push((format!("{name}-{case}"), any_layout_input(layout, &input)));
        }
    }
    Ok((buffers, messages))
}

/// A datagram into a submission's buffer, for [`uring_seeds`].
#[derive(Clone, Copy)]
struct UringCase {
    name: &'static str,
    /// `msg_namelen` and `msg_controllen`.
    regions: (u8, u8),
    /// The buffer's bytes after the regions.
    room: u128,
    /// The sender's address length.
    sender: u128,
    credentials: bool,
    fds: u128,
    /// `MSG_TRUNC` asked for.
    msg_trunc: bool,
}

/// The `uring` target's seeds: on each Linux layout, the completions the
/// model says the kernel writes for a datagram with fds (and credentials,
/// and a sender's address) into buffers of several region sizes (the
/// control region whole, too small, aligned or not; the name and payload
/// cut), and two it never writes (too short; a `controllen` past its
/// region).
fn uring_seeds() -> Vec<Seed> {
    let linux = [
        Layout::LINUX_64,
        Layout::LINUX_64_BE,
        Layout::LINUX_64_MUSL,
        Layout::LINUX_32,
    ];
    let case = |name, regions: (u8, u8), room, sender, credentials, fds, msg_trunc| UringCase {
        name,
        regions,
        room,
        sender,
        credentials,
        fds,
        msg_trunc,
    };
    let cases = [
        case("one-fd", (0, 24), 8, 0, false, 1, false),
        case(
            "three-fds-into-room-for-two",
            (0, 24),
            8,
            0,
            false,
            3,
            false,
        ),
        case(
            "credentials-and-fds-unaligned",
            (14, 64),
            8,
            14,
            true,
            2,
            false,
        ),
        case("name-cut", (8, 24), 8, 20, false, 1, false),
        case("payload-cut-msg-trunc", (0, 24), 2, 0, false, 1, true),
        case("no-control-region", (16, 0), 8, 12, true, 1, false),
    ];
    let mut seeds = Vec::new();
    for layout in linux {
        let model = Model::new(layout);
        for UringCase {
            name,
            regions: (name_len, control_len),
            room,
            sender,
            credentials,
            fds,
            msg_trunc,
        } in cases
        {
            let submission = UringSubmission {
                name_len: name_len.into(),
                control_len: control_len.into(),
                buffer_len: 16 + u128::from(name_len) + u128::from(control_len) + room,
                msg_trunc,
            };
            let datagram = UringDatagram {
                name_len: sender,
                payload_len: 5,
                credentials,
                fds,
            };
            let done = model
                .uring_receive(submission, datagram, u128::MAX)
                .expect("every seed's buffer has room for its regions");
            // The control region as the kernel fills it: the credentials,
            // then the fds installed, the last message cut to what fits.
            let sent: Vec<i32> = (3..3 + fds as i32).collect();
            let control = model.kernel_control(&done.control, (1234, 1000, 1000), &sent);
            let sender_name: Vec<u8> = (1..=sender as u8).collect();
            let buf = model.uring_buffer(
                &done,
                (name_len.into(), control_len.into()),
                &sender_name,
                &control,
                b"hello",
            );
            let input = uring_input(layout, name_len, control_len, &buf);
            seeds.push((format!("{}-{name}", layout.name()), input));
        }
        let mut past_region = vec![0; 16 + 24];
        past_region[4..8].copy_from_slice(&if layout.is_big_endian() {
            25u32.to_be_bytes()
        } else {
            25u32.to_le_bytes()
        });
        seeds.push((
            format!("{}-controllen-past-region", layout.name()),
            uring_input(layout, 0, 24, &past_region),
        ));
        seeds.push((
            format!("{}-too-short", layout.name()),
            uring_input(layout, 8, 24, &[0; 40]),
        ));
    }
    seeds
}

/// A value of each typed kind, its fields distinct and away from the edges.
fn typed_samples() -> Vec<TypedMessage> {
    use sockcmsg::typed::{ExtendedError, PacketInfo, PacketInfoV6, TimeForm, Timespec, Timeval};
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
    let v4 = SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 1), 4433);
    let v6 = SocketAddrV6::new(Ipv6Addr::LOCALHOST, 4433, 0, 1);
    let time = Timespec {
        sec: 1_765_000_000,
        nsec: 123_456_789,
    };
    let error = ExtendedError {
        errno: 111,
        origin: 2,
        kind: 3,
        code: 3,
        ..ExtendedError::default()
    };
    let mut samples = vec![
        TypedMessage::Tos(0b10),
        TypedMessage::TrafficClass(0b01),
        TypedMessage::Ttl(64),
        TypedMessage::HopLimit(64),
        TypedMessage::PacketInfo(PacketInfo {
            ifindex: 1,
            spec_dst: *v4.ip(),
            addr: *v4.ip(),
        }),
        TypedMessage::PacketInfoV6(PacketInfoV6 {
            addr: *v6.ip(),
            ifindex: 1,
        }),
        TypedMessage::DestinationAddr(*v4.ip()),
        TypedMessage::UdpSegment(1200),
        TypedMessage::UdpGro(1200),
        TypedMessage::RecvErr {
            error,
            offender: Some(v4),
        },
        TypedMessage::RecvErrV6 {
            error,
            offender: None,
        },
        TypedMessage::OrigDstAddr(v4),
        TypedMessage::OrigDstAddrV6(v6),
        TypedMessage::RxqOverflow(3),
    ];
    for form in [TimeForm::Old, TimeForm::New] {
        samples.extend([
            TypedMessage::Timestamp {
                time: Timeval {
                    sec: time.sec,
                    usec: 123_456,
                },
                form,
            },
            TypedMessage::TimestampNs { time, form },
            TypedMessage::Timestamping {
                times: [time, Timespec::default(), Timespec::default()],
                form,
            },
        ]);
    }
    samples
}

/// The seeds of `typed`: for each layout, its typed messages (Linux's on
/// the layouts without them) as the model writes them for receiving and
/// for sending, then the same each one byte short.
fn typed_seeds() -> Result<Vec<Seed>, String> {
    let mut seeds = Vec::new();
    for layout in Layout::ALL {
        let model = Model::new(layout);
        let writer = if typed_samples().iter().any(|msg| {
            [Direction::Receive, Direction::Send]
                .iter()
                .any(|&d| model.typed_bytes(msg, d).is_some())
        }) {
            model
        } else {
            Model::new(Layout::LINUX_64)
        };
        for (case, direction) in [("receive", Direction::Receive), ("send", Direction::Send)] {
            let msgs: Vec<OwnedControlMessage> = typed_samples()
                .iter()
                .filter_map(|msg| writer.typed_bytes(msg, direction)?.ok())
                .map(|bytes| OwnedControlMessage {
                    level: bytes.level,
                    kind: bytes.kind,
                    data: bytes.data,
                })
                .collect();
            let short: Vec<OwnedControlMessage> = msgs
                .iter()
                .map(|msg| OwnedControlMessage {
                    data: msg.data[..msg.data.len() - 1].to_vec(),
                    ..msg.clone()
                })
                .collect();
            for (suffix, msgs) in [("", msgs), ("-short", short)] {
                let name = format!("{}-{case}{suffix}", layout.name());
                let input = typed_input(layout, &msgs).ok_or_else(|| {
                    format!("the typed seed {name} has a message the target cannot pick")
                })?;
                seeds.push((name, input));
            }
        }
    }
    Ok(seeds)
}

/// `layout`'s buffers at the edges of its rules, built with its encoder.
fn layout_edge_cases(layout: Layout) -> Result<Vec<(&'static str, Vec<u8>)>, sockcmsg::Error> {
    let data_offset = layout.cmsg_len(0);
    let rights = layout.unix_rights(&[0])?;
    let other = |data: &[u8]| {
        layout.encode(&[ControlMessage::Other {
            level: libc::IPPROTO_IPV6,
            kind: libc::IPV6_PKTINFO,
            data,
        }])
    };
    let joined = |parts: &[&[u8]]| parts.concat();
    let three = other(&[1, 2, 3])?;
    let mut cases = vec![
        ("rights-1fd", rights.clone()),
        ("rights-3fds", layout.unix_rights(&[0, 1, 2])?),
        ("two", joined(&[&three, &rights])),
        (
            "unpadded-last",
            joined(&[&rights, &three[..layout.cmsg_len(3)]]),
        ),
        (
            "short-tail",
            joined(&[&rights, &vec![0xee; data_offset - 1]]),
        ),
        (
            "partial-fd",
            layout.encode(&[ControlMessage::Other {
                level: 0,
                kind: 0,
                data: &[1; 5],
            }])?,
        ),
    ];
    if let Ok(cred) = layout.unix_credentials(&Ucred {
        pid: 1,
        uid: 0,
        gid: 0,
    }) {
        cases.push(("credentials", joined(&[&cred, &rights])));
    }
    // An empty message's header with its length rewritten.
    let empty = other(&[])?;
    let mut lengths = vec![
        ("len-0", 0),
        ("len-below-data", data_offset - 1),
        ("len-data-offset", data_offset),
        ("len-past-the-end", data_offset + 1),
        ("len-u32-max", u32::MAX as usize),
        ("len-u64-max", usize::MAX),
        ("len-2-pow-32-plus-data-offset", (1 << 32) + data_offset),
    ];
    if layout.header_len() < data_offset {
        // sizeof(struct cmsghdr), short of the data on the 64-bit BSDs.
        lengths.push(("len-header", layout.header_len()));
    }
    for (case, len) in lengths {
        // A length that does not fit a 32-bit field is no seed there.
        if let Some(buf) = with_cmsg_len(layout, &empty, len) {
            cases.push((case, buf));
        }
    }
    Ok(cases)
}

/// Message lists for `roundtrip` that no buffer above holds.
fn extra_messages() -> Vec<(String, Vec<OwnedControlMessage>)> {
    let other = |level, kind, data: &[u8]| OwnedControlMessage {
        level,
        kind,
        data: data.to_vec(),
    };
    let lists = [
        ("no-messages", vec![]),
        (
            "one-byte-to-eight-bytes",
            (1..=8).map(|n| other(0, 0, &vec![0x5a; n])).collect(),
        ),
        (
            "extreme-level-and-type",
            vec![other(i32::MIN, i32::MAX, &[1, 2, 3])],
        ),
        (
            "ipv6-pktinfo",
            vec![other(libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, &[0; 20])],
        ),
        (
            "rights-with-a-partial-fd",
            vec![other(libc::SOL_SOCKET, libc::SCM_RIGHTS, &[1; 5])],
        ),
        (
            "credentials-with-extra-bytes",
            vec![other(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &[2; 16])],
        ),
        (
            "negative-fds",
            vec![OwnedControlMessage::rights(&[-1, i32::MIN])],
        ),
    ];
    lists
        .into_iter()
        .map(|(name, msgs)| (format!("extra-{name}"), msgs))
        .collect()
}

/// libFuzzer's dictionary for the control-buffer targets: lengths, levels,
/// types and whole headers, as they sit in a 64-bit Linux buffer.
fn dictionary_text() -> String {
    let len = |n: u64| n.to_ne_bytes().to_vec();
    let int = |n: i32| n.to_ne_bytes().to_vec();
    let pair = |level: i32, kind: i32| [int(level), int(kind)].concat();
    let header = |buf: Vec<u8>| buf[..sockcmsg::cmsg_len(0)].to_vec();
    let entries: Vec<(&str, Vec<u8>)> = vec![
        ("len_header", len(16)),
        ("len_1fd", len(20)),
        ("len_2fds", len(24)),
        ("len_credentials", len(28)),
        ("len_253fds", len(sockcmsg::cmsg_len(253 * 4) as u64)),
        ("len_17", len(17)),
        ("len_u64_max", len(u64::MAX)),
        ("len_u64_max_minus_7", len(u64::MAX - 7)),
        ("len_2_pow_32_plus_16", len((1 << 32) + 16)),
        ("sol_socket", int(libc::SOL_SOCKET)),
        ("scm_rights", int(libc::SCM_RIGHTS)),
        ("scm_credentials", int(libc::SCM_CREDENTIALS)),
        // SCM_SECURITY and SCM_PIDFD, which `libc` does not have.
        ("scm_security", int(3)),
        ("scm_pidfd", int(4)),
        (
            "sol_socket_scm_rights",
            pair(libc::SOL_SOCKET, libc::SCM_RIGHTS),
        ),
        (
            "sol_socket_scm_credentials",
            pair(libc::SOL_SOCKET, libc::SCM_CREDENTIALS),
        ),
        (
            "sol_socket_so_timestamp",
            pair(libc::SOL_SOCKET, libc::SO_TIMESTAMP),
        ),
        (
            "sol_socket_so_timestampns",
            pair(libc::SOL_SOCKET, libc::SO_TIMESTAMPNS),
        ),
        (
            "ipproto_ip_ip_pktinfo",
            pair(libc::IPPROTO_IP, libc::IP_PKTINFO),
        ),
        (
            "ipproto_ipv6_ipv6_pktinfo",
            pair(libc::IPPROTO_IPV6, libc::IPV6_PKTINFO),
        ),
        (
            "header_rights_1fd",
            header(sockcmsg::unix_rights(&[0]).expect("one fd encodes")),
        ),
        (
            "header_credentials",
            header(
                sockcmsg::unix_credentials(&Ucred::default()).expect("Linux encodes credentials"),
            ),
        ),
        ("fd_minus_1", int(-1)),
        // For parse_any_layout: the BSDs' SOL_SOCKET and illumos's
        // SCM_RIGHTS, and big-endian lengths and values.
        ("bsd_sol_socket", int(0xffff)),
        ("illumos_scm_rights", int(0x1010)),
        ("be_len_header", 16u64.to_be_bytes().to_vec()),
        ("be_len_12", 12u32.to_be_bytes().to_vec()),
        ("be_bsd_sol_socket", 0xffff_i32.to_be_bytes().to_vec()),
        ("be_one", 1i32.to_be_bytes().to_vec()),
    ];
    let mut text = String::from(
        "# libFuzzer dictionary for the control-buffer targets (parse,\n\
         # parse_any_layout, libc_walk, kernel): cmsg_len values, levels, types\n\
         # and headers of 64-bit Linux, and a few values of the other layouts.\n\
         # Written by `cargo xtask seeds`.\n",
    );
    for (name, bytes) in entries {
        let escaped: String = bytes.iter().map(|byte| format!("\\x{byte:02x}")).collect();
        text.push_str(&format!("{name}=\"{escaped}\"\n"));
    }
    text
}
