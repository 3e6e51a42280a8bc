//! `nix`'s `recvmsg` as its users call it: `nix::sys::socket::recvmsg` into
//! a control buffer, then `RecvMsg::cmsgs()` and each
//! `ControlMessageOwned::ScmRights(Vec<RawFd>)` taken as the numbers the
//! caller now owns.
//!
//! Its `sendmsg` with a typed `ControlMessage` too, whose control bytes
//! the `typed encoders` check captures.
//!
//! `receive` only, for fds. `nix` has no parse of a buffer it is given: the
//! `CmsgIterator` that `cmsgs()` returns is built only from the `msghdr`
//! inside a `RecvMsg`, whose fields are private, and `ControlMessageOwned`'s
//! decoder (`decode_from`) is private too. Nor does it encode to bytes: its
//! `ControlMessage` is written by `sendmsg`/`sendmmsg` straight into a
//! buffer it hands to the kernel (`encode_into`, `space` and `cmsg_len` are
//! private), so `encode_rights` and `encode_credentials` are not
//! implemented either.
//!
//! Users size the buffer with `cmsg_space!([RawFd; n])` (a `Vec<u8>` of
//! `CMSG_SPACE`); the adapter passes a `Vec<u8>` of exactly `control_len`
//! bytes, which `recvmsg` accepts as is (`Option<&mut [u8]>`), and the flags
//! users pass, none.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd};

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use nix::sys::socket::{
    recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags, RecvMsg, SockaddrLike,
    SockaddrStorage,
};
use nix::sys::time::{TimeSpec, TimeVal};
use sockcmsg::conformance::{HandedBack, HandedFd, Implementation, TypedParsed};
use sockcmsg::model::{FieldClass, TypedField};
use sockcmsg::typed::{
    ExtendedError, PacketInfo, PacketInfoV6, TimeForm, Timespec, Timeval, TypedKind, TypedMessage,
};

/// `nix::sys::socket::recvmsg` and `RecvMsg::cmsgs()`.
pub struct NixCrate;

impl Implementation for NixCrate {
    fn name(&self) -> String {
        "nix (recvmsg, sendmsg)".to_owned()
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        Some(received::<(), _>(socket, control_len, |msg| {
            let truncated = msg.flags.contains(MsgFlags::MSG_CTRUNC);
            let cmsgs = msg
                .cmsgs()
                .map_err(|err| format!("RecvMsg::cmsgs: {err} (flags {:?})", msg.flags))?;
            let mut fds = Vec::new();
            for cmsg in cmsgs {
                if let ControlMessageOwned::ScmRights(received) = cmsg {
                    fds.extend(received.into_iter().map(HandedFd::Raw));
                }
            }
            Ok(HandedBack {
                fds,
                truncated: Some(truncated),
                control_len: None,
            })
        }))
    }

    /// `recvmsg::<SockaddrStorage>` on the UDP socket, then each typed
    /// `ControlMessageOwned` of `cmsgs()` as the value it holds.
    fn receive_typed(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<TypedParsed, String>> {
        Some(received::<SockaddrStorage, _>(socket, control_len, |msg| {
            let cmsgs = msg
                .cmsgs()
                .map_err(|err| format!("RecvMsg::cmsgs: {err}"))?;
            Ok(TypedParsed::Fields(cmsgs.filter_map(typed_field).collect()))
        }))
    }

    /// `sendmsg` with the typed `ControlMessage` for `msg` (nix has one
    /// for each kind Linux takes), one data byte, to `to`.
    fn send_typed(
        &self,
        socket: BorrowedFd<'_>,
        to: SocketAddr,
        msg: &TypedMessage,
    ) -> Option<Result<(), String>> {
        let v4 = |addr: Ipv4Addr| libc::in_addr {
            s_addr: u32::from(addr).to_be(),
        };
        // What each ControlMessage borrows.
        let (tos, int, class, gso, pktinfo, pktinfo6);
        let cmsg = match *msg {
            TypedMessage::Tos(value) => {
                tos = value;
                ControlMessage::Ipv4Tos(&tos)
            }
            TypedMessage::Ttl(value) => {
                int = libc::c_int::from(value);
                ControlMessage::Ipv4Ttl(&int)
            }
            TypedMessage::HopLimit(value) => {
                int = libc::c_int::from(value);
                ControlMessage::Ipv6HopLimit(&int)
            }
            TypedMessage::TrafficClass(value) => {
                class = i32::from(value);
                ControlMessage::Ipv6TClass(&class)
            }
            TypedMessage::UdpSegment(size) => {
                gso = size;
                ControlMessage::UdpGsoSegments(&gso)
            }
            TypedMessage::PacketInfo(info) => {
                pktinfo = libc::in_pktinfo {
                    ipi_ifindex: info.ifindex as libc::c_int,
                    ipi_spec_dst: v4(info.spec_dst),
                    ipi_addr: v4(info.addr),
                };
                ControlMessage::Ipv4PacketInfo(&pktinfo)
            }
            TypedMessage::PacketInfoV6(info) => {
                pktinfo6 = libc::in6_pktinfo {
                    ipi6_addr: libc::in6_addr {
                        s6_addr: info.addr.octets(),
                    },
                    ipi6_ifindex: info.ifindex,
                };
                ControlMessage::Ipv6PacketInfo(&pktinfo6)
            }
            _ => return None,
        };
        let to = SockaddrStorage::from(to);
        let sent = sendmsg(
            socket.as_raw_fd(),
            &[IoSlice::new(b"x")],
            &[cmsg],
            MsgFlags::empty(),
            Some(&to),
        );
        Some(sent.map(|_| ()).map_err(|err| format!("sendmsg: {err}")))
    }

    fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
        use TypedKind::*;
        let old = TimeForm::Old;
        [
            Tos,
            TrafficClass,
            Ttl,
            HopLimit,
            PacketInfo,
            PacketInfoV6,
            UdpGro,
            RxqOverflow,
            RecvErr,
            RecvErrV6,
            OrigDstAddr,
            OrigDstAddrV6,
            Timestamp(old),
            TimestampNs(old),
            Timestamping(old),
        ]
        .into_iter()
        .map(|kind| (kind, FieldClass::Message(kind)))
        .collect()
    }
}

/// One `recvmsg::<S>` on `socket` into a one-byte data buffer and a
/// control buffer of exactly `control_len` bytes, with no flags, as nix's
/// users call it; `then` reads what it returned.
fn received<S: SockaddrLike, T>(
    socket: BorrowedFd<'_>,
    control_len: usize,
    then: impl FnOnce(RecvMsg<'_, '_, S>) -> Result<T, String>,
) -> Result<T, String> {
    let mut data = [0u8; 1];
    let mut iov = [IoSliceMut::new(&mut data)];
    let mut control = vec![0u8; control_len];
    let msg = recvmsg::<S>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut control),
        MsgFlags::empty(),
    )
    .map_err(|err| format!("recvmsg: {err}"))?;
    then(msg)
}

/// The value a typed `ControlMessageOwned` holds, as nix's caller reads it;
/// `None` for the others. A number the value's type cannot hold is given as
/// it is.
fn typed_field(cmsg: ControlMessageOwned) -> Option<TypedField> {
    let byte = |kind: TypedKind, value: i32, message: fn(u8) -> TypedMessage| {
        TypedField::from_number(FieldClass::Message(kind), value, |byte| {
            TypedField::Message(message(byte))
        })
    };
    let v4 = |addr: libc::in_addr| Ipv4Addr::from(u32::from_be(addr.s_addr));
    let timespec = |time: TimeSpec| Timespec {
        sec: time.tv_sec(),
        nsec: time.tv_nsec(),
    };
    let error = |err: libc::sock_extended_err| ExtendedError {
        errno: err.ee_errno,
        origin: err.ee_origin,
        kind: err.ee_type,
        code: err.ee_code,
        pad: err.ee_pad,
        info: err.ee_info,
        data: err.ee_data,
    };
    let sockaddr_v4 =
        |sa: libc::sockaddr_in| SocketAddrV4::new(v4(sa.sin_addr), u16::from_be(sa.sin_port));
    let sockaddr_v6 = |sa: libc::sockaddr_in6| {
        SocketAddrV6::new(
            Ipv6Addr::from(sa.sin6_addr.s6_addr),
            u16::from_be(sa.sin6_port),
            sa.sin6_flowinfo,
            sa.sin6_scope_id,
        )
    };
    let old = TimeForm::Old;
    Some(match cmsg {
        ControlMessageOwned::Ipv4Tos(tos) => TypedField::Message(TypedMessage::Tos(tos)),
        ControlMessageOwned::Ipv6TClass(class) => {
            byte(TypedKind::TrafficClass, class, TypedMessage::TrafficClass)
        }
        ControlMessageOwned::Ipv4Ttl(ttl) => byte(TypedKind::Ttl, ttl, TypedMessage::Ttl),
        ControlMessageOwned::Ipv6HopLimit(hops) => {
            byte(TypedKind::HopLimit, hops, TypedMessage::HopLimit)
        }
        ControlMessageOwned::Ipv4PacketInfo(info) => {
            TypedField::Message(TypedMessage::PacketInfo(PacketInfo {
                ifindex: info.ipi_ifindex as u32,
                spec_dst: v4(info.ipi_spec_dst),
                addr: v4(info.ipi_addr),
            }))
        }
        ControlMessageOwned::Ipv6PacketInfo(info) => {
            TypedField::Message(TypedMessage::PacketInfoV6(PacketInfoV6 {
                addr: Ipv6Addr::from(info.ipi6_addr.s6_addr),
                ifindex: info.ipi6_ifindex,
            }))
        }
        ControlMessageOwned::UdpGroSegments(size) => {
            TypedField::from_number(FieldClass::Message(TypedKind::UdpGro), size, |size| {
                TypedField::Message(TypedMessage::UdpGro(size))
            })
        }
        ControlMessageOwned::RxqOvfl(dropped) => {
            TypedField::Message(TypedMessage::RxqOverflow(dropped))
        }
        ControlMessageOwned::Ipv4RecvErr(err, offender) => {
            TypedField::Message(TypedMessage::RecvErr {
                error: error(err),
                offender: offender.map(sockaddr_v4),
            })
        }
        ControlMessageOwned::Ipv6RecvErr(err, offender) => {
            TypedField::Message(TypedMessage::RecvErrV6 {
                error: error(err),
                offender: offender.map(sockaddr_v6),
            })
        }
        ControlMessageOwned::Ipv4OrigDstAddr(sa) => {
            TypedField::Message(TypedMessage::OrigDstAddr(sockaddr_v4(sa)))
        }
        ControlMessageOwned::Ipv6OrigDstAddr(sa) => {
            TypedField::Message(TypedMessage::OrigDstAddrV6(sockaddr_v6(sa)))
        }
        ControlMessageOwned::ScmTimestamp(time) => TypedField::Message(TypedMessage::Timestamp {
            time: timeval(time),
            form: old,
        }),
        ControlMessageOwned::ScmTimestampns(time) => {
            TypedField::Message(TypedMessage::TimestampNs {
                time: timespec(time),
                form: old,
            })
        }
        ControlMessageOwned::ScmTimestampsns(times) => {
            TypedField::Message(TypedMessage::Timestamping {
                times: [times.system, times.hw_trans, times.hw_raw].map(timespec),
                form: old,
            })
        }
        _ => return None,
    })
}

fn timeval(time: TimeVal) -> Timeval {
    Timeval {
        sec: time.tv_sec(),
        usec: time.tv_usec(),
    }
}

/// What the findings are, checked against `nix`'s source (0.32.0, the lock
/// file's version; paths under `nix-0.32.0/`).
pub const NOTES: &str = r#"
Only the receive checks run (`fds`, `cloexec`, the forged receives and the
typed forged receives), and the typed encoders through a captured `sendmsg`:
nix parses nothing it is not handed by its own `recvmsg`
(`CmsgIterator` is built only from `RecvMsg`'s private `cmsghdr`/`mhdr`,
`src/sys/socket/mod.rs:692-698`; `ControlMessageOwned::decode_from` is
private, `mod.rs:1015`), and encodes only into the buffer `sendmsg` hands the
kernel (`ControlMessage::encode_into`/`space` are private, `mod.rs:1394`,
`mod.rs:1695`).

**typed encoders: `IP_TOS` is sent as one byte.** `ControlMessage::Ipv4Tos`
holds a `&u8` (`mod.rs:1371`) and its length is `size_of_val(tos)`
(`mod.rs:1577-1579`): `sendmsg` with `Ipv4Tos(&0xb9)` writes
`110000000000000000000000010000000000000000000000`'s 1-byte form of the
`int` Linux reads. Linux takes a byte only since e895cdce ("ipv4: accept u8
in IP_TOS ancillary data", 2020; an `int` before), so on an older kernel the
send fails with `EINVAL`. Every other typed `ControlMessage` writes the
model's bytes (TTL, hop limit and class as `int`s, the packet infos, the
GSO size as a `u16`).

**fds: every descriptor the kernel installed is leaked when it set
`MSG_CTRUNC`**: the cases where the kernel installs some but not all of the
fds sent. Smallest:
2 fds sent on a Unix datagram socket, `recvmsg::<()>(fd, &mut iov,
Some(&mut [0u8; 20]), MsgFlags::empty())`. Linux's `scm_detach_fds` installs
the one fd that fits, writes `cmsg_len = CMSG_LEN(4)` = 20 (a well-formed
message) and sets `MSG_CTRUNC`; `recvmsg` returns `Ok`, and
`RecvMsg::cmsgs()` (`mod.rs:705-713`) returns `Err(ENOBUFS)` whenever
`MSG_CTRUNC` is set, without looking at the buffer. That is the only way to
the `ControlMessageOwned::ScmRights(Vec<RawFd>)` (`mod.rs:1023-1032`) that
would give the caller the number to close, and `RecvMsg` has no `Drop`: the
installed fd stays open in the process, unreachable. The same with a buffer
sized by `cmsg_space!([RawFd; 2])` (24 bytes) when the process has room
under `RLIMIT_NOFILE` for only one more fd: the kernel installs 1 of 2 and
sets `MSG_CTRUNC`, and nix leaks it. With `SO_PASSCRED`, the credentials
come first and the same happens to the fds that fit after them (smallest:
2 fds, a 52-byte buffer). A peer that sends more fds than the receiver
sized its buffer for therefore makes the receiver leak descriptors, one
message at a time, until it runs out. Cases where the kernel installs none
(the rights header does not fit) report `ENOBUFS` and leak nothing; cases
without `MSG_CTRUNC` hand back every fd and leak nothing.

The check was added by nix PR #2413 (fixing #2400, "RecvMsg.cmsg() should
check MSG_CTRUNC", CHANGELOG 0.29): on Linux the truncated buffer is still
walkable (the kernel shortens `cmsg_len` to what it wrote), so `cmsgs()`
could iterate it and report the truncation beside it; or, before returning
`ENOBUFS`, walk it and close the `SCM_RIGHTS` fds found.

- **`cloexec`: the fds are not close-on-exec by default.** `recvmsg` passes
  the caller's `MsgFlags` through, and `MSG_CMSG_CLOEXEC`
  (`src/sys/socket/mod.rs:371`) is one the caller must ask for; with
  `MsgFlags::empty()` a program that later execs hands every received fd to
  its child. sockcmsg sets it unless told not to.

**Forged receives** (263). These buffers come from a forged `recvmsg(2)`:
Linux writes few of them, but macOS under `MSG_CTRUNC`, gVisor or a seccomp
supervisor emulating `recvmsg`, or a kernel bug can. macOS's cut shape never
reaches the walk, because `cmsgs()` answers `ENOBUFS` under `MSG_CTRUNC`
(`mod.rs:707-709`). Every finding is an uncut buffer whose `cmsg_len`
`decode_from` trusts: the data length is `header + cmsg_len - CMSG_DATA`
(`mod.rs:1020-1021`), never bounded by the buffer.
- **Under 16:** overflow panic at `mod.rs:1020` (81).
  `00000000000000000000000000000000`.
- **Near `usize::MAX`:** overflow panic there too (45).
  `ffffffffffffffffffffffffffffffff`.
- **Huge:** the bare "aborted: signal 6" is a failed allocation, either
  copying an unknown type's data (`mod.rs:1185-1188`) or
  `Vec::with_capacity` for `SCM_RIGHTS` (`mod.rs:1025`) (97).
  `01180009000027008000ababababababab`. Above `isize::MAX`, the
  `from_raw_parts` precondition aborts at `mod.rs:1185` (12,
  `f85bffffff18ffff000001410000b2abab`), and in 2 more cases the copy at
  `mod.rs:1188` aborts on its no-overlap precondition.
- **Past the end:** `SCM_RIGHTS` reads `(cmsg_len - 16) / 4` numbers
  (`mod.rs:1024-1031`) from beyond the buffer. They come back not open, not
  received, or twice (24).
  `14000000000000000100000001000000000000000000000040000000000000000100000001000000abababababababab`.
  Read from inside the buffer, `29000000000000000100000001000000` + 24 zero
  bytes (`cmsg_len` 41 in 40) gives fd 0 six times (2).

Reproduce: `cargo xtask conformance --peers nix --only 'forged receives'`.

**Typed forged receives** (`recvmsg::<SockaddrStorage>` on a UDP socket,
each typed `ControlMessageOwned` of `cmsgs()` as its value; the `net`
feature). Each typed arm of `decode_from` reads its type's width whatever
`cmsg_len` says (`mod.rs:1076-1183`): `Ipv4Tos` one byte
(`mod.rs:1166-1171`), `Ipv4PacketInfo` an `in_pktinfo` (`mod.rs:1082-1087`),
`Ipv4Ttl`, `Ipv6HopLimit`, `Ipv6TClass` and `UdpGroSegments` an `i32`. So a
header with no data at the end of the buffer is read past it
(`10000000000000000000000001000000`, an `IP_TOS` of `cmsg_len` 16, gives the
byte after the buffer; an `IP_PKTINFO` so, whatever lies after it), a
payload of another width is taken (a 1-byte `IP_TTL`, an 8-byte one), and
an `int` past a byte is handed on (`Ipv4Ttl(65536)`). nix#2403 (GRO read
as a `u16`) is fixed in this version: `UdpGroSegments(i32)`
(`mod.rs:1106-1111`, CHANGELOG 0.29.0). Reproduce: `cargo xtask
conformance --peers nix --only 'typed forged receives'`.

**Undefined behaviour** (AddressSanitizer through the same forged
receives, the receive's control buffer an allocation of exactly the
input's length: `cargo xtask miri --peers nix`). What the check above
cannot see, because no fd is involved: `decode_from` reads a whole
`ucred` (`mod.rs:1036`), `timeval` (`SCM_TIMESTAMP`, `mod.rs:1046`) or
`timespec` (`SCM_TIMESTAMPNS`, `mod.rs:1051`; `SCM_TIMESTAMPING`,
`mod.rs:1067`) whatever `cmsg_len` says, past the end of the buffer:
`10000000000000000100000002000000`, an `SCM_CREDENTIALS` header of
`cmsg_len` 16 alone in 16 bytes, is a 12-byte heap-buffer-overflow at
`mod.rs:1036`. The reads past the end above (`SCM_RIGHTS` at
`mod.rs:1029`, an unknown type's copy at `mod.rs:1188`) are
heap-buffer-overflows there too, and so is each typed arm of the `net`
feature read past a short payload: `IP_TOS` (`mod.rs:1169`, a header
alone: `10000000000000000000000001000000`), `IPV6_PKTINFO` (`:1079`),
`IP_ORIGDSTADDR` and `IPV6_ORIGDSTADDR` (`:1103`, `:1140`), and
`recv_err_helper`'s `sock_extended_err` (`:1200`), which checks the
offender's bounds but not its own. ASan's allocator refusing a huge size
is the failed allocation above, not counted.
"#;
