//! Typed IP, UDP and socket-level control messages: ECN and TOS, TTL and
//! hop limit, packet info, GSO and GRO, timestamps, extended errors, the
//! original destination, the receive-queue overflow count.
//!
//! Their numbers and payload widths differ by system and by direction: an
//! IPv4 TOS arrives as `IP_TOS` with 1 byte on Linux but as `IP_RECVTOS`
//! on FreeBSD and macOS; Linux takes 1 byte or an `int` on send, FreeBSD
//! exactly 1 byte, macOS exactly an `int`. A [`Layout`] knows its system's
//! numbers ([`Layout::typed_number`]), and a payload of a width its system
//! does not use is an error naming the expected and actual widths
//! ([`Error::TypedWidth`](crate::Error::TypedWidth)), never a value read
//! from the wrong bytes.
//!
//! [`decode_typed`](crate::decode_typed) reads a parsed message;
//! [`Layout::typed_payload`] writes a value as the system's kernel would
//! receive it or accepts it on send. A message of a level and type not
//! typed here decodes to `None` and stays as its bytes.
//!
//! ```
//! use sockcmsg::typed::{Direction, TypedMessage};
//! use sockcmsg::Layout;
//!
//! // What Linux writes for a received ECN-capable datagram: IP_TOS, 1 byte.
//! let tos = Layout::LINUX_64.typed_payload(&TypedMessage::Tos(0b10), Direction::Receive)?;
//! assert_eq!((tos.level(), tos.kind(), tos.data()), (0, 1, &[0b10][..]));
//! let buf = Layout::LINUX_64.encode(&[tos.control_message()])?;
//! let msg = Layout::LINUX_64.messages(&buf).next().unwrap()?;
//! assert_eq!(Layout::LINUX_64.decode_typed(&msg)?, Some(TypedMessage::Tos(0b10)));
//!
//! // FreeBSD reports it as IP_RECVTOS (68).
//! let tos = Layout::FREEBSD_64.typed_payload(&TypedMessage::Tos(0b10), Direction::Receive)?;
//! assert_eq!((tos.level(), tos.kind()), (0, 68));
//! # Ok::<(), sockcmsg::Error>(())
//! ```
//!
//! Systems covered: Linux (all its layouts), FreeBSD and macOS; on every
//! other layout every message stays untyped. `docs/typed.md` has the table
//! of numbers and widths with their sources.

mod decode;
mod encode;
mod freebsd;
mod linux;
mod macos;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use crate::layout::System;
use crate::Layout;

pub use encode::TypedPayload;

/// Which way a message goes: written by the kernel into a receive's
/// control buffer, or handed to the kernel with a send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From `recvmsg`.
    Receive,
    /// To `sendmsg`.
    Send,
}

/// Which form of a Linux timestamp: the `_OLD` one, whose fields are C
/// `long`s (4 bytes on 32-bit systems), or the `_NEW` one, whose fields are
/// 64-bit on every system. A socket gets the form of the option name it
/// was turned on with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeForm {
    /// `SO_TIMESTAMP_OLD` and friends: `long` fields.
    Old,
    /// `SO_TIMESTAMP_NEW` and friends: 64-bit fields.
    New,
}

/// Each kind of typed message, without its value: what
/// [`Layout::typed_number`] maps to a level and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TypedKind {
    /// An IPv4 TOS byte (ECN in its low 2 bits): `IP_TOS`, received as
    /// `IP_RECVTOS` on FreeBSD and macOS.
    Tos,
    /// An IPv6 traffic class (ECN in its low 2 bits): `IPV6_TCLASS`.
    TrafficClass,
    /// An IPv4 TTL: `IP_TTL` on Linux, `IP_RECVTTL` on FreeBSD and macOS.
    Ttl,
    /// An IPv6 hop limit: `IPV6_HOPLIMIT`.
    HopLimit,
    /// `IP_PKTINFO` (`struct in_pktinfo`; Linux and macOS).
    PacketInfo,
    /// `IPV6_PKTINFO` (`struct in6_pktinfo`).
    PacketInfoV6,
    /// `IP_RECVDSTADDR`, and `IP_SENDSRCADDR` on send (FreeBSD; macOS
    /// receives only): a `struct in_addr`.
    DestinationAddr,
    /// `UDP_SEGMENT` (Linux GSO, send only): a `u16` segment size.
    UdpSegment,
    /// `UDP_GRO` (Linux, receive only): an `int` segment size.
    UdpGro,
    /// `SO_TIMESTAMP` (Linux): a `timeval`.
    Timestamp(TimeForm),
    /// `SO_TIMESTAMPNS` (Linux): a `timespec`.
    TimestampNs(TimeForm),
    /// `SO_TIMESTAMPING` (Linux, receive): three `timespec`s.
    Timestamping(TimeForm),
    /// `IP_RECVERR` (Linux): a `sock_extended_err` and a `sockaddr_in`.
    RecvErr,
    /// `IPV6_RECVERR` (Linux): a `sock_extended_err` and a `sockaddr_in6`.
    RecvErrV6,
    /// `IP_ORIGDSTADDR` (Linux): a `sockaddr_in`.
    OrigDstAddr,
    /// `IPV6_ORIGDSTADDR` (Linux): a `sockaddr_in6`.
    OrigDstAddrV6,
    /// `SO_RXQ_OVFL` (Linux): the `u32` count of datagrams dropped.
    RxqOverflow,
}

/// `struct in_pktinfo`: the interface and addresses of an IPv4 datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketInfo {
    /// `ipi_ifindex`: the interface it arrived on, or to send from (0: any).
    pub ifindex: u32,
    /// `ipi_spec_dst`: the local address (on send, the source to use).
    pub spec_dst: Ipv4Addr,
    /// `ipi_addr`: the header's destination address.
    pub addr: Ipv4Addr,
}

/// `struct in6_pktinfo`: the interface and address of an IPv6 datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketInfoV6 {
    /// `ipi6_addr`: the destination address (on send, the source to use).
    pub addr: Ipv6Addr,
    /// `ipi6_ifindex`: the interface (0: any).
    pub ifindex: u32,
}

/// A `struct timeval`, each field sign-extended from the form's width.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timeval {
    /// Seconds.
    pub sec: i64,
    /// Microseconds.
    pub usec: i64,
}

/// A `struct timespec`, each field sign-extended from the form's width.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timespec {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: i64,
}

/// `struct sock_extended_err` (`linux/errqueue.h`), every field as the
/// kernel wrote it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExtendedError {
    /// `ee_errno`.
    pub errno: u32,
    /// `ee_origin`: `SO_EE_ORIGIN_LOCAL` (1), `_ICMP` (2), `_ICMP6` (3), ...
    pub origin: u8,
    /// `ee_type`: the ICMP type, for ICMP origins.
    pub kind: u8,
    /// `ee_code`: the ICMP code, for ICMP origins.
    pub code: u8,
    /// `ee_pad`.
    pub pad: u8,
    /// `ee_info`: the MTU for `EMSGSIZE`, for one.
    pub info: u32,
    /// `ee_data`.
    pub data: u32,
}

/// A control message whose payload is typed: one value per
/// [`TypedKind`].
///
/// Addresses and ports are in their usual Rust types; the other fields are
/// numbers in the layout's byte order, as the C structures hold them (a
/// `SocketAddrV6`'s flow information too, as std's conversions keep it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TypedMessage {
    /// An IPv4 TOS byte ([`TypedKind::Tos`]).
    Tos(u8),
    /// An IPv6 traffic class ([`TypedKind::TrafficClass`]).
    TrafficClass(u8),
    /// An IPv4 TTL ([`TypedKind::Ttl`]).
    Ttl(u8),
    /// An IPv6 hop limit ([`TypedKind::HopLimit`]).
    HopLimit(u8),
    /// `IP_PKTINFO`.
    PacketInfo(PacketInfo),
    /// `IPV6_PKTINFO`.
    PacketInfoV6(PacketInfoV6),
    /// `IP_RECVDSTADDR` / `IP_SENDSRCADDR`.
    DestinationAddr(Ipv4Addr),
    /// `UDP_SEGMENT`: the size of each segment to send.
    UdpSegment(u16),
    /// `UDP_GRO`: the size of each coalesced segment received, at least 1
    /// (a 0 is [`Error::TypedValue`](crate::Error::TypedValue)).
    UdpGro(u16),
    /// `SO_TIMESTAMP`.
    Timestamp {
        /// When the datagram arrived.
        time: Timeval,
        /// Which form the message had.
        form: TimeForm,
    },
    /// `SO_TIMESTAMPNS`.
    TimestampNs {
        /// When the datagram arrived.
        time: Timespec,
        /// Which form the message had.
        form: TimeForm,
    },
    /// `SO_TIMESTAMPING`: software, (deprecated) and hardware stamps.
    Timestamping {
        /// `ts[0]`, `ts[1]`, `ts[2]`.
        times: [Timespec; 3],
        /// Which form the message had.
        form: TimeForm,
    },
    /// `IP_RECVERR`.
    RecvErr {
        /// The error.
        error: ExtendedError,
        /// The offender's address (`SO_EE_OFFENDER`), or `None` where the
        /// kernel zeroed it (family 0).
        offender: Option<SocketAddrV4>,
    },
    /// `IPV6_RECVERR`.
    RecvErrV6 {
        /// The error.
        error: ExtendedError,
        /// The offender's address, or `None` where the kernel zeroed it.
        offender: Option<SocketAddrV6>,
    },
    /// `IP_ORIGDSTADDR`: the datagram's destination address and port.
    OrigDstAddr(SocketAddrV4),
    /// `IPV6_ORIGDSTADDR`.
    OrigDstAddrV6(SocketAddrV6),
    /// `SO_RXQ_OVFL`: datagrams dropped before this one.
    RxqOverflow(u32),
}

impl TypedMessage {
    /// The message's kind.
    ///
    /// ```
    /// use sockcmsg::typed::{TypedKind, TypedMessage};
    /// assert_eq!(TypedMessage::UdpGro(1200).kind(), TypedKind::UdpGro);
    /// ```
    pub fn kind(&self) -> TypedKind {
        match *self {
            TypedMessage::Tos(_) => TypedKind::Tos,
            TypedMessage::TrafficClass(_) => TypedKind::TrafficClass,
            TypedMessage::Ttl(_) => TypedKind::Ttl,
            TypedMessage::HopLimit(_) => TypedKind::HopLimit,
            TypedMessage::PacketInfo(_) => TypedKind::PacketInfo,
            TypedMessage::PacketInfoV6(_) => TypedKind::PacketInfoV6,
            TypedMessage::DestinationAddr(_) => TypedKind::DestinationAddr,
            TypedMessage::UdpSegment(_) => TypedKind::UdpSegment,
            TypedMessage::UdpGro(_) => TypedKind::UdpGro,
            TypedMessage::Timestamp { form, .. } => TypedKind::Timestamp(form),
            TypedMessage::TimestampNs { form, .. } => TypedKind::TimestampNs(form),
            TypedMessage::Timestamping { form, .. } => TypedKind::Timestamping(form),
            TypedMessage::RecvErr { .. } => TypedKind::RecvErr,
            TypedMessage::RecvErrV6 { .. } => TypedKind::RecvErrV6,
            TypedMessage::OrigDstAddr(_) => TypedKind::OrigDstAddr,
            TypedMessage::OrigDstAddrV6(_) => TypedKind::OrigDstAddrV6,
            TypedMessage::RxqOverflow(_) => TypedKind::RxqOverflow,
        }
    }
}

/// How a payload is stored: its C type, or for a structure its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Form {
    /// `unsigned char`.
    Byte,
    /// `int`.
    Int,
    /// `__u16`.
    U16,
    /// `__u32`.
    U32,
    /// A structure of this many bytes.
    Bytes(u8),
    /// A timestamp structure of this many C `long`s of the form's width.
    Longs(u8, TimeForm),
}

impl Form {
    /// The bytes of the C type where a `long` has `long` bytes.
    #[cfg_attr(coverage_nightly, coverage(off))]
    const fn width(self, long: u8) -> u8 {
        match self {
            Form::Byte => 1,
            Form::U16 => 2,
            Form::Int | Form::U32 => 4,
            Form::Bytes(size) => size,
            Form::Longs(count, TimeForm::Old) => count.saturating_mul(long),
            Form::Longs(count, TimeForm::New) => count.saturating_mul(8),
        }
    }
}

/// One number of a system's table: a kind, the level and type it has in
/// one direction (or both), and the C type of its payload there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    pub(crate) kind: TypedKind,
    /// The C name of the type number, as in the system's headers.
    pub(crate) name: &'static str,
    pub(crate) level: i32,
    pub(crate) number: i32,
    pub(crate) receive: bool,
    pub(crate) send: bool,
    pub(crate) form: Form,
    /// The payload's bytes where a C `long` has 4 bytes, and where it has
    /// 8: computed with the table, so that a receive reads it, not works
    /// it out.
    widths: [u8; 2],
}

impl Entry {
    // Runs at compile time only, to make the tables.
    #[cfg_attr(coverage_nightly, coverage(off))]
    pub(crate) const fn new(
        kind: TypedKind,
        name: &'static str,
        (level, number): (i32, i32),
        (receive, send): (bool, bool),
        form: Form,
    ) -> Entry {
        Entry {
            kind,
            name,
            level,
            number,
            receive,
            send,
            form,
            widths: [form.width(4), form.width(8)],
        }
    }

    /// The bytes of the payload: the C type's size on `layout`.
    #[inline]
    pub(crate) fn width(&self, layout: &Layout) -> usize {
        let [narrow, wide] = self.widths;
        usize::from(if layout.long_width() == 4 {
            narrow
        } else {
            wide
        })
    }

    fn goes(&self, direction: Direction) -> bool {
        match direction {
            Direction::Receive => self.receive,
            Direction::Send => self.send,
        }
    }
}

/// Receive only, send only, both.
pub(crate) const RECEIVE: (bool, bool) = (true, false);
pub(crate) const SEND: (bool, bool) = (false, true);
pub(crate) const BOTH: (bool, bool) = (true, true);

/// A system's typed messages, by level: a receive looks a message up among
/// its level's few.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) ip: &'static [Entry],
    pub(crate) ipv6: &'static [Entry],
    pub(crate) udp: &'static [Entry],
    pub(crate) socket: &'static [Entry],
}

impl Table {
    /// Every entry, level by level.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &'static Entry> + Clone {
        self.ip
            .iter()
            .chain(self.ipv6)
            .chain(self.udp)
            .chain(self.socket)
    }
}

/// The table of a system whose messages are not typed here.
const UNTYPED: Table = Table {
    ip: &[],
    ipv6: &[],
    udp: &[],
    socket: &[],
};

impl Layout {
    /// The system's table of typed message numbers.
    #[inline]
    pub(crate) fn typed_table(&self) -> &'static Table {
        match self.system() {
            System::Linux => &linux::TABLE,
            System::FreeBsd => &freebsd::TABLE,
            System::MacOs => &macos::TABLE,
            System::Untyped => &UNTYPED,
        }
    }

    /// The entries of `level`'s typed messages.
    #[inline]
    pub(crate) fn typed_level(&self, level: i32) -> &'static [Entry] {
        let table = self.typed_table();
        match level {
            IPPROTO_IP => table.ip,
            IPPROTO_IPV6 => table.ipv6,
            IPPROTO_UDP => table.udp,
            _ if level == self.sol_socket() => table.socket,
            _ => &[],
        }
    }

    /// The entry of `kind` in `direction`, if the system has one.
    pub(crate) fn typed_entry(
        &self,
        kind: TypedKind,
        direction: Direction,
    ) -> Option<&'static Entry> {
        self.typed_table()
            .entries()
            .find(|entry| entry.kind == kind && entry.goes(direction))
    }

    /// The level and type that messages of `kind` have on this layout's
    /// system in `direction`, or `None` if it has no such message.
    ///
    /// ```
    /// use sockcmsg::typed::{Direction, TypedKind};
    /// use sockcmsg::Layout;
    ///
    /// assert_eq!(Layout::LINUX_64.typed_number(TypedKind::Tos, Direction::Receive), Some((0, 1)));
    /// assert_eq!(Layout::FREEBSD_64.typed_number(TypedKind::Tos, Direction::Receive), Some((0, 68)));
    /// assert_eq!(Layout::FREEBSD_64.typed_number(TypedKind::Tos, Direction::Send), Some((0, 3)));
    /// assert_eq!(Layout::MACOS.typed_number(TypedKind::UdpGro, Direction::Receive), None);
    /// ```
    pub fn typed_number(&self, kind: TypedKind, direction: Direction) -> Option<(i32, i32)> {
        self.typed_entry(kind, direction)
            .map(|entry| (entry.level, entry.number))
    }

    /// Every typed message of this layout's system: its kind, a direction,
    /// and the level and type it has in that direction.
    ///
    /// ```
    /// use sockcmsg::typed::{Direction, TypedKind};
    /// let gro = (TypedKind::UdpGro, Direction::Receive, (17, 104));
    /// assert!(sockcmsg::Layout::LINUX_32.typed_numbers().any(|number| number == gro));
    /// assert_eq!(sockcmsg::Layout::AIX.typed_numbers().count(), 0);
    /// ```
    pub fn typed_numbers(&self) -> impl Iterator<Item = (TypedKind, Direction, (i32, i32))> {
        self.typed_table().entries().flat_map(|entry| {
            [
                (entry.receive, Direction::Receive),
                (entry.send, Direction::Send),
            ]
            .into_iter()
            .filter(|&(goes, _)| goes)
            .map(|(_, direction)| (entry.kind, direction, (entry.level, entry.number)))
        })
    }

    /// The C name of the type that messages of `kind` have on this
    /// layout's system in `direction`, such as `"IP_RECVTOS"`.
    ///
    /// ```
    /// use sockcmsg::typed::{Direction, TypedKind};
    /// use sockcmsg::Layout;
    /// assert_eq!(Layout::MACOS.typed_name(TypedKind::Tos, Direction::Receive), Some("IP_RECVTOS"));
    /// assert_eq!(Layout::MACOS.typed_name(TypedKind::Tos, Direction::Send), Some("IP_TOS"));
    /// assert_eq!(Layout::LINUX_64.typed_name(TypedKind::Tos, Direction::Receive), Some("IP_TOS"));
    /// ```
    pub fn typed_name(&self, kind: TypedKind, direction: Direction) -> Option<&'static str> {
        self.typed_entry(kind, direction).map(|entry| entry.name)
    }

    /// The bytes a control buffer needs to receive one message of each of
    /// `kinds` as this layout's system writes them: the sum of their
    /// `cmsg_space`s. A kind the system does not write adds nothing.
    ///
    /// ```
    /// use sockcmsg::typed::{TimeForm, TypedKind};
    /// use sockcmsg::Layout;
    ///
    /// // GRO, ECN, the destination and a timestamp on 64-bit Linux.
    /// let kinds = [TypedKind::UdpGro, TypedKind::Tos, TypedKind::PacketInfo, TypedKind::TimestampNs(TimeForm::New)];
    /// assert_eq!(Layout::LINUX_64.typed_space(&kinds), 24 + 24 + 32 + 32);
    /// // macOS has no GRO.
    /// assert_eq!(Layout::MACOS.typed_space(&[TypedKind::UdpGro]), 0);
    /// ```
    pub fn typed_space(&self, kinds: &[TypedKind]) -> usize {
        kinds
            .iter()
            .filter_map(|&kind| self.typed_entry(kind, Direction::Receive))
            .fold(0, |total, entry| {
                total.saturating_add(self.cmsg_space(entry.width(self)))
            })
    }

    /// The bytes a `long` takes on this layout's system (the `_OLD`
    /// timestamps' fields): Linux's header is a `size_t`, as wide as a
    /// `long`, and two `int`s.
    pub(crate) fn long_width(&self) -> usize {
        self.header_len().saturating_sub(8)
    }
}

/// Linux's `AF_INET` and `AF_INET6`, the families of its addresses.
pub(crate) const AF_INET: u16 = 2;
pub(crate) const AF_INET6: u16 = 10;

/// Level numbers, the same on every system here.
pub(crate) const IPPROTO_IP: i32 = 0;
pub(crate) const IPPROTO_IPV6: i32 = 41;
pub(crate) const IPPROTO_UDP: i32 = 17;

#[cfg(test)]
mod tests {
    use super::*;

    /// What the decoder takes for granted of every table.
    #[test]
    fn every_table_is_well_formed() {
        for layout in Layout::ALL {
            let table = layout.typed_table();
            for (level, entries) in [
                (IPPROTO_IP, table.ip),
                (IPPROTO_IPV6, table.ipv6),
                (IPPROTO_UDP, table.udp),
                (layout.sol_socket(), table.socket),
            ] {
                assert_eq!(layout.typed_level(level).len(), entries.len());
                for (at, entry) in entries.iter().enumerate() {
                    assert_eq!(entry.level, level, "{entry:?} is in another level's list");
                    // The entries of one level and type are the next ones,
                    // of the same kind, at most one per direction.
                    let same: Vec<&Entry> = entries
                        .iter()
                        .filter(|other| other.number == entry.number)
                        .collect();
                    let first = entries
                        .iter()
                        .position(|other| other.number == entry.number);
                    assert!(
                        first.is_some_and(|first| first + same.len() > at),
                        "{entry:?}"
                    );
                    assert!(same.len() <= 2 && same.iter().all(|other| other.kind == entry.kind));
                    if let [one, two] = same[..] {
                        assert!(one.receive != two.receive && one.send != two.send);
                    }
                    let scalar =
                        matches!(entry.form, Form::Byte | Form::Int | Form::U16 | Form::U32);
                    let form_of_kind = match entry.kind {
                        TypedKind::Timestamp(form)
                        | TypedKind::TimestampNs(form)
                        | TypedKind::Timestamping(form) => Some(form),
                        _ => None,
                    };
                    match entry.form {
                        Form::Longs(_, form) => assert_eq!(Some(form), form_of_kind),
                        _ => assert_eq!(form_of_kind, None, "{entry:?}"),
                    }
                    let scalar_kind = matches!(
                        entry.kind,
                        TypedKind::Tos
                            | TypedKind::TrafficClass
                            | TypedKind::Ttl
                            | TypedKind::HopLimit
                            | TypedKind::UdpSegment
                            | TypedKind::UdpGro
                            | TypedKind::RxqOverflow
                    );
                    assert_eq!(scalar, scalar_kind, "{entry:?}");
                    for long in [4, 8] {
                        assert!(usize::from(entry.form.width(long)) <= encode::MAX_PAYLOAD);
                    }
                }
            }
        }
    }
}
