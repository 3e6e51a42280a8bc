//! The typed messages' rules: which C type each kind's payload has on each
//! system in each direction, how a payload of that type reads, and (on
//! Linux) which payloads the kernel refuses on send.
//!
//! The numbers are the layout's ([`Layout::typed_number`]); everything
//! else is stated here, from the kernels' sources, and the codec
//! ([`Layout::decode_typed`], [`Layout::typed_payload`]) is compared with
//! it:
//!
//! - A payload decodes as the C type of its kind in either direction whose
//!   size is its length; any other length is [`Rejection::TypedWidth`].
//! - A TOS, traffic class, TTL or hop limit held in an `int` must be
//!   0..=255, a GSO segment size 0..=65535 and a GRO one 1..=65535 (Linux
//!   writes `UDP_GRO` only for a coalesced datagram, and a stack divides
//!   by it) ([`Rejection::TypedValue`]); an
//!   address's family must be its type's, or 0 for an extended error's
//!   zeroed offender ([`Rejection::AddressFamily`]).
//! - Encoding writes the C type of the direction asked for.
//!
//! ```
//! use sockcmsg::model::{CType, Model};
//! use sockcmsg::typed::{Direction, TypedKind, TypedMessage};
//! use sockcmsg::Layout;
//!
//! let linux = Model::new(Layout::LINUX_64);
//! assert_eq!(linux.typed_type(TypedKind::Tos, Direction::Receive), Some(CType::UChar));
//! assert_eq!(linux.typed_type(TypedKind::Tos, Direction::Send), Some(CType::Int));
//! assert_eq!(linux.typed(0, 1, &[3]), Ok(Some(TypedMessage::Tos(3))));
//! assert_eq!(linux.typed(0, 1, &3i32.to_le_bytes()), Ok(Some(TypedMessage::Tos(3))));
//! ```

#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "the model is written for reading: lengths compared before indexing"
)]

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use super::{Model, Rejection};
use crate::layout::System;
use crate::typed::{
    Direction, ExtendedError, PacketInfo, PacketInfoV6, TimeForm, Timespec, Timeval, TypedKind,
    TypedMessage,
};

/// The C type of a typed payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CType {
    /// `unsigned char`.
    UChar,
    /// `int`, 4 bytes.
    Int,
    /// `__u16`.
    U16,
    /// `__u32`.
    U32,
    /// `struct in_addr`: 4 bytes, network order.
    InAddr,
    /// `struct in_pktinfo`: `int ipi_ifindex`, two `in_addr`s (12 bytes).
    InPktinfo,
    /// `struct in6_pktinfo`: an `in6_addr`, `int ipi6_ifindex` (20 bytes).
    In6Pktinfo,
    /// Linux's `struct sockaddr_in`: `u16` family, `__be16` port, the
    /// address, 8 zeros (16 bytes).
    SockaddrIn,
    /// Linux's `struct sockaddr_in6`: `u16` family, `__be16` port, `u32`
    /// flow information, the address, `u32` scope (28 bytes).
    SockaddrIn6,
    /// `struct sock_extended_err` (16 bytes) and a `sockaddr_in`.
    ExtendedErrIn,
    /// `struct sock_extended_err` and a `sockaddr_in6`.
    ExtendedErrIn6,
    /// Two `long`s of the given width: a `timeval` or a `timespec`.
    Longs2(u8),
    /// Six `long`s of the given width: `struct scm_timestamping`.
    Longs6(u8),
}

impl CType {
    /// `sizeof`.
    pub fn size(self) -> u128 {
        match self {
            CType::UChar => 1,
            CType::U16 => 2,
            CType::Int | CType::U32 | CType::InAddr => 4,
            CType::InPktinfo => 4 + 4 + 4,
            CType::In6Pktinfo => 16 + 4,
            CType::SockaddrIn => 2 + 2 + 4 + 8,
            CType::SockaddrIn6 => 2 + 2 + 4 + 16 + 4,
            CType::ExtendedErrIn => 16 + CType::SockaddrIn.size(),
            CType::ExtendedErrIn6 => 16 + CType::SockaddrIn6.size(),
            CType::Longs2(width) => 2 * u128::from(width),
            CType::Longs6(width) => 6 * u128::from(width),
        }
    }
}

/// A typed message's level, type and payload, as the model writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypedBytes {
    /// `cmsg_level`.
    pub level: i32,
    /// `cmsg_type`.
    pub kind: i32,
    /// The payload.
    pub data: Vec<u8>,
}

/// Linux's `AF_INET` and `AF_INET6`.
const AF_INET: u128 = 2;
const AF_INET6: u128 = 10;

/// The rule of one kind of typed message on one system, in one
/// direction: its payload's C type, and where the system's source says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypedRule {
    /// The payload's C type.
    pub ctype: CType,
    /// The function that writes it (receive) or reads it (send): Linux
    /// 6.12, XNU 11417.101.15, FreeBSD 13.
    pub source: &'static str,
}

impl Model {
    /// The rule of `kind`'s payload on the layout's system in `direction`,
    /// or `None` where the system has no such message.
    pub fn typed_rule(&self, kind: TypedKind, direction: Direction) -> Option<TypedRule> {
        use CType::*;
        use Direction::{Receive, Send};
        use TypedKind::*;
        // A `long` is as wide as Linux's `size_t`, the header's first field.
        let long = |form| match form {
            TimeForm::Old => self.header_len() as u8 - 8,
            TimeForm::New => 8,
        };
        let (ctype, source) = match (self.layout().system(), kind, direction) {
            (System::Linux, Tos, Receive) => (UChar, "net/ipv4/ip_sockglue.c:69 ip_cmsg_recv_tos"),
            // Also a byte since e895cdce (2020); an int from 3.13 on.
            (System::Linux, Tos, Send) => (Int, "net/ipv4/ip_sockglue.c:308 ip_cmsg_send"),
            (System::Linux, Ttl, Receive) => (Int, "net/ipv4/ip_sockglue.c:63 ip_cmsg_recv_ttl"),
            (System::Linux, Ttl, Send) => (Int, "net/ipv4/ip_sockglue.c:300 ip_cmsg_send"),
            (System::Linux, PacketInfo, Receive) => {
                (InPktinfo, "net/ipv4/ip_sockglue.c:54 ip_cmsg_recv_pktinfo")
            }
            (System::Linux, PacketInfo, Send) => {
                (InPktinfo, "net/ipv4/ip_sockglue.c:289 ip_cmsg_send")
            }
            (System::Linux, RecvErr, Receive) => {
                (ExtendedErrIn, "net/ipv4/ip_sockglue.c:523 ip_recv_error")
            }
            (System::Linux, OrigDstAddr, Receive) => (
                SockaddrIn,
                "net/ipv4/ip_sockglue.c:147 ip_cmsg_recv_dstaddr",
            ),
            (System::Linux, TrafficClass, Receive) => (
                Int,
                "net/ipv6/datagram.c:648 ip6_datagram_recv_specific_ctl",
            ),
            (System::Linux, TrafficClass, Send) => {
                (Int, "net/ipv6/datagram.c:1052 ip6_datagram_send_ctl")
            }
            (System::Linux, HopLimit, Receive) => (
                Int,
                "net/ipv6/datagram.c:643 ip6_datagram_recv_specific_ctl",
            ),
            (System::Linux, HopLimit, Send) => {
                (Int, "net/ipv6/datagram.c:1037 ip6_datagram_send_ctl")
            }
            (System::Linux, PacketInfoV6, Receive) => (
                In6Pktinfo,
                "net/ipv6/datagram.c:599 ip6_datagram_recv_common_ctl",
            ),
            (System::Linux, PacketInfoV6, Send) => {
                (In6Pktinfo, "net/ipv6/datagram.c:833 ip6_datagram_send_ctl")
            }
            (System::Linux, RecvErrV6, Receive) => {
                (ExtendedErrIn6, "net/ipv6/datagram.c:458 ipv6_recv_error")
            }
            (System::Linux, OrigDstAddrV6, Receive) => (
                SockaddrIn6,
                "net/ipv6/datagram.c:765 ip6_datagram_recv_specific_ctl",
            ),
            (System::Linux, UdpSegment, Send) => (U16, "net/ipv4/udp.c:1087 __udp_cmsg_send"),
            (System::Linux, UdpGro, Receive) => (Int, "include/linux/udp.h:142 udp_cmsg_recv"),
            (System::Linux, Timestamp(form), Receive) => {
                (Longs2(long(form)), "net/socket.c:898 __sock_recv_timestamp")
            }
            (System::Linux, TimestampNs(form), Receive) => {
                (Longs2(long(form)), "net/socket.c:913 __sock_recv_timestamp")
            }
            (System::Linux, Timestamping(form), Receive) => {
                (Longs6(long(form)), "net/socket.c:962 __sock_recv_timestamp")
            }
            (System::Linux, RxqOverflow, Receive) => (U32, "net/socket.c:994 sock_recv_drops"),
            (System::FreeBsd, Tos, Receive) => (UChar, "sys/netinet/ip_input.c ip_savecontrol"),
            (System::FreeBsd, Tos, Send) => (UChar, "sys/netinet/udp_usrreq.c udp_output"),
            (System::FreeBsd, Ttl, Receive) => (UChar, "sys/netinet/ip_input.c ip_savecontrol"),
            (System::FreeBsd, DestinationAddr, Receive) => {
                (InAddr, "sys/netinet/ip_input.c ip_savecontrol")
            }
            (System::FreeBsd, DestinationAddr, Send) => {
                (InAddr, "sys/netinet/udp_usrreq.c udp_output")
            }
            (System::MacOs, Tos, Receive) => (UChar, "bsd/netinet/ip_input.c:3944 ip_savecontrol"),
            // Other widths are ignored, not refused.
            (System::MacOs, Tos, Send) => (Int, "bsd/netinet/in_tclass.c:1075 so_tos_from_control"),
            (System::MacOs, Ttl, Receive) => (UChar, "bsd/netinet/ip_input.c:3923 ip_savecontrol"),
            (System::MacOs, DestinationAddr, Receive) => {
                (InAddr, "bsd/netinet/ip_input.c:3845 ip_savecontrol")
            }
            (System::MacOs, PacketInfo, Receive) => {
                (InPktinfo, "bsd/netinet/ip_input.c:3930 ip_savecontrol")
            }
            (System::MacOs, PacketInfo, Send) => {
                (InPktinfo, "bsd/netinet/udp_usrreq.c:1500 udp_output")
            }
            (System::MacOs, TrafficClass, Receive) => {
                (Int, "bsd/netinet6/ip6_input.c:1956 ip6_savecontrol")
            }
            (System::MacOs, HopLimit, Receive) => {
                (Int, "bsd/netinet6/ip6_input.c:1919 ip6_savecontrol")
            }
            (System::MacOs, PacketInfoV6, Receive) => {
                (In6Pktinfo, "bsd/netinet6/ip6_input.c:1878 ip6_savecontrol")
            }
            (System::MacOs, TrafficClass, Send) => {
                (Int, "bsd/netinet6/ip6_output.c:3876 ip6_setpktopt")
            }
            (System::MacOs, HopLimit, Send) => {
                (Int, "bsd/netinet6/ip6_output.c:3853 ip6_setpktopt")
            }
            (System::MacOs, PacketInfoV6, Send) => {
                (In6Pktinfo, "bsd/netinet6/ip6_output.c:3786 ip6_setpktopt")
            }
            // RFC 3542's int and in6_pktinfo, which FreeBSD's KAME stack
            // checks on send; its receive side is taken to match (unread).
            (System::FreeBsd, TrafficClass | HopLimit, _) => {
                (Int, "sys/netinet6/ip6_output.c ip6_setpktopt")
            }
            (System::FreeBsd, PacketInfoV6, _) => {
                (In6Pktinfo, "sys/netinet6/ip6_output.c ip6_setpktopt")
            }
            _ => return None,
        };
        Some(TypedRule { ctype, source })
    }

    /// The C type of `kind`'s payload in `direction`: its
    /// [`typed_rule`](Self::typed_rule)'s.
    pub fn typed_type(&self, kind: TypedKind, direction: Direction) -> Option<CType> {
        self.typed_rule(kind, direction).map(|rule| rule.ctype)
    }

    /// The typed message a payload of level `level` and type `kind`
    /// holds, `None` if no typed kind has that level and type on the
    /// layout's system, or why it cannot be read.
    pub fn typed(
        &self,
        level: i32,
        kind: i32,
        data: &[u8],
    ) -> Result<Option<TypedMessage>, Rejection> {
        let mut types = Vec::new();
        for (typed_kind, direction, number) in self.layout().typed_numbers() {
            if number == (level, kind) {
                if let Some(ctype) = self.typed_type(typed_kind, direction) {
                    types.push((typed_kind, ctype));
                }
            }
        }
        if types.is_empty() {
            return Ok(None);
        }
        let len = data.len() as u128;
        let Some(&(typed_kind, ctype)) = types.iter().find(|(_, ctype)| ctype.size() == len) else {
            let sizes = types.iter().map(|(_, ctype)| ctype.size());
            return Err(Rejection::TypedWidth {
                level,
                kind,
                len,
                widths: (sizes.clone().min().unwrap_or(0), sizes.max().unwrap_or(0)),
            });
        };
        let reading = Reading {
            model: self,
            level,
            kind,
            data,
        };
        reading.message(typed_kind, ctype).map(Some)
    }
}

impl Model {
    /// The payload the layout's system has for `msg` in `direction`: its
    /// level, type and bytes; `None` where it has no such message, and the
    /// rejection of a time that does not fit a 32-bit `long`.
    pub fn typed_bytes(
        &self,
        msg: &TypedMessage,
        direction: Direction,
    ) -> Option<Result<TypedBytes, Rejection>> {
        let ctype = self.typed_type(msg.kind(), direction)?;
        let (level, kind) = self.layout().typed_number(msg.kind(), direction)?;
        let size = ctype.size() as usize;
        let bytes = match *msg {
            TypedMessage::Tos(value)
            | TypedMessage::TrafficClass(value)
            | TypedMessage::Ttl(value)
            | TypedMessage::HopLimit(value) => self.native(value.into(), size),
            TypedMessage::UdpSegment(value) | TypedMessage::UdpGro(value) => {
                self.native(value.into(), size)
            }
            TypedMessage::RxqOverflow(value) => self.native(value.into(), size),
            TypedMessage::DestinationAddr(addr) => addr.octets().to_vec(),
            TypedMessage::PacketInfo(info) => [
                self.native(info.ifindex.into(), 4),
                info.spec_dst.octets().to_vec(),
                info.addr.octets().to_vec(),
            ]
            .concat(),
            TypedMessage::PacketInfoV6(info) => [
                info.addr.octets().to_vec(),
                self.native(info.ifindex.into(), 4),
            ]
            .concat(),
            TypedMessage::Timestamp { time, .. } => {
                match self.longs(level, kind, ctype, &[time.sec, time.usec]) {
                    Ok(bytes) => bytes,
                    Err(rejection) => return Some(Err(rejection)),
                }
            }
            TypedMessage::TimestampNs { time, .. } => {
                match self.longs(level, kind, ctype, &[time.sec, time.nsec]) {
                    Ok(bytes) => bytes,
                    Err(rejection) => return Some(Err(rejection)),
                }
            }
            TypedMessage::Timestamping { times, .. } => {
                let fields: Vec<i64> = times.iter().flat_map(|t| [t.sec, t.nsec]).collect();
                match self.longs(level, kind, ctype, &fields) {
                    Ok(bytes) => bytes,
                    Err(rejection) => return Some(Err(rejection)),
                }
            }
            TypedMessage::RecvErr { error, offender } => {
                let offender = match offender {
                    Some(addr) => self.sockaddr_in(addr),
                    None => vec![0; 16],
                };
                [self.extended_error(&error), offender].concat()
            }
            TypedMessage::RecvErrV6 { error, offender } => {
                let offender = match offender {
                    Some(addr) => self.sockaddr_in6(addr),
                    None => vec![0; 28],
                };
                [self.extended_error(&error), offender].concat()
            }
            TypedMessage::OrigDstAddr(addr) => self.sockaddr_in(addr),
            TypedMessage::OrigDstAddrV6(addr) => self.sockaddr_in6(addr),
        };
        Some(Ok(TypedBytes {
            level,
            kind,
            data: bytes,
        }))
    }

    /// `value` as `width` bytes in the layout's byte order.
    fn native(&self, value: u128, width: usize) -> Vec<u8> {
        let mut bytes = vec![0; width];
        self.put(&mut bytes, value);
        bytes
    }

    /// Timestamp fields as `long`s of the type's width, each of which must
    /// fit it.
    fn longs(
        &self,
        level: i32,
        kind: i32,
        ctype: CType,
        values: &[i64],
    ) -> Result<Vec<u8>, Rejection> {
        let width = ctype.size() as usize / values.len();
        let max = (1i128 << (8 * width - 1)) - 1;
        let min = -max - 1;
        let mut bytes = Vec::new();
        for &value in values {
            let value = i128::from(value);
            if !(min..=max).contains(&value) {
                return Err(Rejection::TypedValue {
                    level,
                    kind,
                    value,
                    min,
                    max,
                });
            }
            bytes.extend(self.native(value as u128, width));
        }
        Ok(bytes)
    }

    fn extended_error(&self, error: &ExtendedError) -> Vec<u8> {
        [
            self.native(error.errno.into(), 4),
            vec![error.origin, error.kind, error.code, error.pad],
            self.native(error.info.into(), 4),
            self.native(error.data.into(), 4),
        ]
        .concat()
    }

    fn sockaddr_in(&self, addr: SocketAddrV4) -> Vec<u8> {
        [
            self.native(AF_INET, 2),
            addr.port().to_be_bytes().to_vec(),
            addr.ip().octets().to_vec(),
            vec![0; 8],
        ]
        .concat()
    }

    fn sockaddr_in6(&self, addr: SocketAddrV6) -> Vec<u8> {
        [
            self.native(AF_INET6, 2),
            addr.port().to_be_bytes().to_vec(),
            self.native(addr.flowinfo().into(), 4),
            addr.ip().octets().to_vec(),
            self.native(addr.scope_id().into(), 4),
        ]
        .concat()
    }
}

/// Every kind, each timestamp in both forms.
pub fn typed_kinds() -> [TypedKind; 20] {
    use TypedKind::*;
    [
        Tos,
        TrafficClass,
        Ttl,
        HopLimit,
        PacketInfo,
        PacketInfoV6,
        DestinationAddr,
        UdpSegment,
        UdpGro,
        Timestamp(TimeForm::Old),
        Timestamp(TimeForm::New),
        TimestampNs(TimeForm::Old),
        TimestampNs(TimeForm::New),
        Timestamping(TimeForm::Old),
        Timestamping(TimeForm::New),
        RecvErr,
        RecvErrV6,
        OrigDstAddr,
        OrigDstAddrV6,
        RxqOverflow,
    ]
}

/// One payload being read, whose length is its C type's size.
struct Reading<'a> {
    model: &'a Model,
    level: i32,
    kind: i32,
    data: &'a [u8],
}

impl Reading<'_> {
    /// The number of `width` bytes at `at`, in the layout's byte order.
    fn number(&self, at: usize, width: usize) -> u128 {
        self.model.number(&self.data[at..at + width])
    }

    /// The same, signed.
    fn signed(&self, at: usize, width: usize) -> i128 {
        let n = self.number(at, width) as i128;
        let bits = 8 * width;
        if n >= 1 << (bits - 1) {
            n - (1 << bits)
        } else {
            n
        }
    }

    fn ipv4(&self, at: usize) -> Ipv4Addr {
        let mut octets = [0; 4];
        octets.copy_from_slice(&self.data[at..at + 4]);
        Ipv4Addr::from(octets)
    }

    fn ipv6(&self, at: usize) -> Ipv6Addr {
        let mut octets = [0; 16];
        octets.copy_from_slice(&self.data[at..at + 16]);
        Ipv6Addr::from(octets)
    }

    /// The network-order port at `at`.
    fn port(&self, at: usize) -> u16 {
        u16::from_be_bytes([self.data[at], self.data[at + 1]])
    }

    /// A scalar payload that must lie in `0..=max`.
    fn bounded(&self, ctype: CType, min: i128, max: i128) -> Result<i128, Rejection> {
        let value = match ctype {
            CType::Int => self.signed(0, 4),
            other => self.number(0, other.size() as usize) as i128,
        };
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(Rejection::TypedValue {
                level: self.level,
                kind: self.kind,
                value,
                min,
                max,
            })
        }
    }

    fn message(&self, kind: TypedKind, ctype: CType) -> Result<TypedMessage, Rejection> {
        let byte = |reading: &Self| reading.bounded(ctype, 0, 255).map(|v| v as u8);
        Ok(match kind {
            TypedKind::Tos => TypedMessage::Tos(byte(self)?),
            TypedKind::TrafficClass => TypedMessage::TrafficClass(byte(self)?),
            TypedKind::Ttl => TypedMessage::Ttl(byte(self)?),
            TypedKind::HopLimit => TypedMessage::HopLimit(byte(self)?),
            TypedKind::UdpSegment => {
                TypedMessage::UdpSegment(self.bounded(ctype, 0, 65535)? as u16)
            }
            // Linux writes UDP_GRO only for a coalesced datagram, of a
            // segment size of at least 1 (udp.h `udp_cmsg_recv`).
            TypedKind::UdpGro => TypedMessage::UdpGro(self.bounded(ctype, 1, 65535)? as u16),
            TypedKind::RxqOverflow => TypedMessage::RxqOverflow(self.number(0, 4) as u32),
            TypedKind::DestinationAddr => TypedMessage::DestinationAddr(self.ipv4(0)),
            TypedKind::PacketInfo => TypedMessage::PacketInfo(PacketInfo {
                ifindex: self.number(0, 4) as u32,
                spec_dst: self.ipv4(4),
                addr: self.ipv4(8),
            }),
            TypedKind::PacketInfoV6 => TypedMessage::PacketInfoV6(PacketInfoV6 {
                addr: self.ipv6(0),
                ifindex: self.number(16, 4) as u32,
            }),
            TypedKind::Timestamp(form) => TypedMessage::Timestamp {
                time: Timeval {
                    sec: self.long(ctype, 0),
                    usec: self.long(ctype, 1),
                },
                form,
            },
            TypedKind::TimestampNs(form) => TypedMessage::TimestampNs {
                time: self.timespec(ctype, 0),
                form,
            },
            TypedKind::Timestamping(form) => TypedMessage::Timestamping {
                times: [0, 1, 2].map(|index| self.timespec(ctype, index)),
                form,
            },
            TypedKind::RecvErr => TypedMessage::RecvErr {
                error: self.extended_error(),
                offender: self
                    .family(16, AF_INET, true)?
                    .then(|| self.sockaddr_in(16)),
            },
            TypedKind::RecvErrV6 => TypedMessage::RecvErrV6 {
                error: self.extended_error(),
                offender: self
                    .family(16, AF_INET6, true)?
                    .then(|| self.sockaddr_in6(16)),
            },
            TypedKind::OrigDstAddr => {
                self.family(0, AF_INET, false)?;
                TypedMessage::OrigDstAddr(self.sockaddr_in(0))
            }
            TypedKind::OrigDstAddrV6 => {
                self.family(0, AF_INET6, false)?;
                TypedMessage::OrigDstAddrV6(self.sockaddr_in6(0))
            }
        })
    }

    /// The `index`th `long` of a timestamp payload (of `Longs2` or
    /// `Longs6`; any other type is read as one field).
    fn long(&self, ctype: CType, index: usize) -> i64 {
        let width = match ctype {
            CType::Longs2(width) | CType::Longs6(width) => usize::from(width),
            other => other.size() as usize,
        };
        self.signed(index * width, width) as i64
    }

    fn timespec(&self, ctype: CType, index: usize) -> Timespec {
        Timespec {
            sec: self.long(ctype, 2 * index),
            nsec: self.long(ctype, 2 * index + 1),
        }
    }

    fn extended_error(&self) -> ExtendedError {
        ExtendedError {
            errno: self.number(0, 4) as u32,
            origin: self.data[4],
            kind: self.data[5],
            code: self.data[6],
            pad: self.data[7],
            info: self.number(8, 4) as u32,
            data: self.number(12, 4) as u32,
        }
    }

    /// The family at `at` checked: `expected`, or 0 where `zero` allows
    /// it (`false` then).
    fn family(&self, at: usize, expected: u128, zero: bool) -> Result<bool, Rejection> {
        match self.number(at, 2) {
            family if family == expected => Ok(true),
            0 if zero => Ok(false),
            family => Err(Rejection::AddressFamily {
                level: self.level,
                kind: self.kind,
                family: family as u16,
                expected: expected as u16,
            }),
        }
    }

    fn sockaddr_in(&self, at: usize) -> SocketAddrV4 {
        SocketAddrV4::new(self.ipv4(at + 4), self.port(at + 2))
    }

    fn sockaddr_in6(&self, at: usize) -> SocketAddrV6 {
        SocketAddrV6::new(
            self.ipv6(at + 8),
            self.port(at + 2),
            self.number(at + 4, 4) as u32,
            self.number(at + 24, 4) as u32,
        )
    }
}
