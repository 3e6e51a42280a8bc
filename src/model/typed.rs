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
//!   0..=255, a GRO segment size 0..=65535 ([`Rejection::TypedValue`]); an
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

impl Model {
    /// The C type of `kind`'s payload on the layout's system in
    /// `direction`, or `None` where the system has no such message.
    pub fn typed_type(&self, kind: TypedKind, direction: Direction) -> Option<CType> {
        use CType::*;
        use Direction::{Receive, Send};
        use TypedKind::*;
        // A `long` is as wide as Linux's `size_t`, the header's first field.
        let long = |form| match form {
            TimeForm::Old => self.header_len() as u8 - 8,
            TimeForm::New => 8,
        };
        match (self.layout().system(), kind, direction) {
            // ip_sockglue.c: ip_cmsg_recv_tos puts 1 byte; ip_cmsg_send
            // reads an int or (since e895cdce) a byte: the int is the one
            // every kernel from 3.13 takes.
            (System::Linux, Tos, Receive) => Some(UChar),
            (System::Linux, Tos, Send) => Some(Int),
            // ip_cmsg_recv_ttl puts an int; ip_cmsg_send wants exactly one.
            (System::Linux, Ttl, _) => Some(Int),
            (System::Linux, PacketInfo, _) => Some(InPktinfo),
            (System::Linux, RecvErr, Receive) => Some(ExtendedErrIn),
            (System::Linux, OrigDstAddr, Receive) => Some(SockaddrIn),
            // datagram.c: ip6_datagram_recv_common_ctl and
            // ip6_datagram_send_ctl.
            (System::Linux, TrafficClass | HopLimit, _) => Some(Int),
            (System::Linux, PacketInfoV6, _) => Some(In6Pktinfo),
            (System::Linux, RecvErrV6, Receive) => Some(ExtendedErrIn6),
            (System::Linux, OrigDstAddrV6, Receive) => Some(SockaddrIn6),
            // udp.c: __udp_cmsg_send reads a __u16; udp_cmsg_recv puts the
            // int gso_size.
            (System::Linux, UdpSegment, Send) => Some(U16),
            (System::Linux, UdpGro, Receive) => Some(Int),
            // socket.c: __sock_recv_timestamp and the overflow count.
            (System::Linux, Timestamp(form) | TimestampNs(form), Receive) => {
                Some(Longs2(long(form)))
            }
            (System::Linux, Timestamping(form), Receive) => Some(Longs6(long(form))),
            (System::Linux, RxqOverflow, Receive) => Some(U32),
            // FreeBSD: ip_savecontrol puts a u_char TOS (IP_RECVTOS) and TTL
            // (IP_RECVTTL) and an in_addr (IP_RECVDSTADDR); udp_output takes
            // exactly a u_char IP_TOS and an in_addr IP_SENDSRCADDR.
            (System::FreeBsd, Tos, _) => Some(UChar),
            (System::FreeBsd, Ttl, Receive) => Some(UChar),
            (System::FreeBsd, DestinationAddr, _) => Some(InAddr),
            // macOS: one byte each on receive; so_tos_from_control reads an
            // int IP_TOS only; the destination is received only.
            (System::MacOs, Tos, Receive) => Some(UChar),
            (System::MacOs, Tos, Send) => Some(Int),
            (System::MacOs, Ttl, Receive) => Some(UChar),
            (System::MacOs, DestinationAddr, Receive) => Some(InAddr),
            (System::MacOs, PacketInfo, _) => Some(InPktinfo),
            // Both: RFC 3542's int and in6_pktinfo (ip6_setpktopt).
            (System::FreeBsd | System::MacOs, TrafficClass | HopLimit, _) => Some(Int),
            (System::FreeBsd | System::MacOs, PacketInfoV6, _) => Some(In6Pktinfo),
            _ => None,
        }
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
    fn bounded(&self, ctype: CType, max: i128) -> Result<i128, Rejection> {
        let value = match ctype {
            CType::Int => self.signed(0, 4),
            other => self.number(0, other.size() as usize) as i128,
        };
        if (0..=max).contains(&value) {
            Ok(value)
        } else {
            Err(Rejection::TypedValue {
                level: self.level,
                kind: self.kind,
                value,
                min: 0,
                max,
            })
        }
    }

    fn message(&self, kind: TypedKind, ctype: CType) -> Result<TypedMessage, Rejection> {
        let byte = |reading: &Self| reading.bounded(ctype, 255).map(|v| v as u8);
        Ok(match kind {
            TypedKind::Tos => TypedMessage::Tos(byte(self)?),
            TypedKind::TrafficClass => TypedMessage::TrafficClass(byte(self)?),
            TypedKind::Ttl => TypedMessage::Ttl(byte(self)?),
            TypedKind::HopLimit => TypedMessage::HopLimit(byte(self)?),
            TypedKind::UdpSegment => TypedMessage::UdpSegment(self.bounded(ctype, 65535)? as u16),
            TypedKind::UdpGro => TypedMessage::UdpGro(self.bounded(ctype, 65535)? as u16),
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
