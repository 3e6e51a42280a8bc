//! What a receive's typed messages tell the program: the values a UDP
//! stack takes from them (the ECN bits of a TOS, the local address of a
//! `PKTINFO`, a GRO segment size), as [`TypedField`]s.
//!
//! Stacks rarely hand back messages: Go's `ipv4.ControlMessage`, quinn's
//! `RecvMeta` and s2n-quic's `AncillaryData` are structs of such values,
//! filled from whichever message carries them. The rules, stated here once:
//!
//! - A value may only come from a message the model decodes
//!   ([`Model::typed`]): each message gives the values
//!   [`Model::typed_fields`] lists (a TOS its ECN bits and itself, an
//!   `IP_PKTINFO` its interface and either address, ...).
//! - A value the model reads from a message is one the program should get:
//!   when a buffer the model accepts holds a message of a kind a stack
//!   takes a [`FieldClass`] from, the stack must give a value of that class
//!   (the first or the last, when there are several).

use std::net::IpAddr;

use super::Model;
use crate::typed::{TypedKind, TypedMessage};

/// A value taken from a typed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TypedField {
    /// The whole message, as a decoder of each message gives it.
    Message(TypedMessage),
    /// The ECN codepoint: the low two bits of a TOS or a traffic class.
    Ecn(u8),
    /// The local address the datagram was sent to: a `PKTINFO`'s (for
    /// IPv4 `ipi_addr` or `ipi_spec_dst`), an `ORIGDSTADDR`'s, or an
    /// `IP_RECVDSTADDR`.
    LocalAddress(IpAddr),
    /// The interface it arrived on: a `PKTINFO`'s index.
    Interface(u32),
    /// The size of each segment of a GRO-coalesced datagram.
    GroSegment(u32),
    /// When it arrived: a `SO_TIMESTAMP` (microseconds as nanoseconds),
    /// `SO_TIMESTAMPNS`, or `SO_TIMESTAMPING`'s software stamp.
    ReceiveTime {
        /// Seconds.
        sec: i64,
        /// Nanoseconds.
        nsec: i64,
    },
    /// A number a stack gave for a class whose values cannot hold it (a
    /// hop limit of 65536 in Go's `int`): never one the model reads.
    OutOfRange {
        /// What the number stands for.
        class: FieldClass,
        /// The number.
        value: i128,
    },
}

/// The class of a [`TypedField`], without its value: what a stack
/// declares it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldClass {
    /// [`TypedField::Message`] of this kind.
    Message(TypedKind),
    /// [`TypedField::Ecn`].
    Ecn,
    /// [`TypedField::LocalAddress`].
    LocalAddress,
    /// [`TypedField::Interface`].
    Interface,
    /// [`TypedField::GroSegment`].
    GroSegment,
    /// [`TypedField::ReceiveTime`].
    ReceiveTime,
}

impl TypedField {
    /// A number a stack gave for `class`: what `make` builds of it if its
    /// type holds it, else [`OutOfRange`](Self::OutOfRange).
    ///
    /// ```
    /// use sockcmsg::model::{FieldClass, TypedField};
    /// use sockcmsg::typed::{TypedKind, TypedMessage};
    ///
    /// let class = FieldClass::Message(TypedKind::Ttl);
    /// let ttl = |value: i32| TypedField::from_number(class, value, |ttl| TypedField::Message(TypedMessage::Ttl(ttl)));
    /// assert_eq!(ttl(64), TypedField::Message(TypedMessage::Ttl(64)));
    /// assert_eq!(ttl(256), TypedField::OutOfRange { class, value: 256 });
    /// ```
    pub fn from_number<N, T>(
        class: FieldClass,
        value: N,
        make: impl FnOnce(T) -> TypedField,
    ) -> Self
    where
        N: Copy + Into<i128>,
        T: TryFrom<N>,
    {
        T::try_from(value).map_or(
            TypedField::OutOfRange {
                class,
                value: value.into(),
            },
            make,
        )
    }

    /// Its class.
    pub fn class(&self) -> FieldClass {
        match self {
            TypedField::Message(msg) => FieldClass::Message(msg.kind()),
            TypedField::Ecn(_) => FieldClass::Ecn,
            TypedField::LocalAddress(_) => FieldClass::LocalAddress,
            TypedField::Interface(_) => FieldClass::Interface,
            TypedField::GroSegment(_) => FieldClass::GroSegment,
            TypedField::ReceiveTime { .. } => FieldClass::ReceiveTime,
            TypedField::OutOfRange { class, .. } => *class,
        }
    }
}

impl Model {
    /// The values a program may take from `msg`, a message the model
    /// decoded: the message itself, then what it carries.
    ///
    /// ```
    /// use sockcmsg::model::{Model, TypedField};
    /// use sockcmsg::typed::TypedMessage;
    /// use sockcmsg::Layout;
    ///
    /// let fields = Model::new(Layout::LINUX_64).typed_fields(&TypedMessage::Tos(0xb9));
    /// assert_eq!(fields, [TypedField::Message(TypedMessage::Tos(0xb9)), TypedField::Ecn(1)]);
    /// ```
    pub fn typed_fields(&self, msg: &TypedMessage) -> Vec<TypedField> {
        use TypedField::*;
        let mut fields = vec![Message(*msg)];
        match *msg {
            TypedMessage::Tos(value) | TypedMessage::TrafficClass(value) => {
                fields.push(Ecn(value & 3));
            }
            TypedMessage::PacketInfo(info) => {
                fields.push(LocalAddress(info.addr.into()));
                fields.push(LocalAddress(info.spec_dst.into()));
                fields.push(Interface(info.ifindex));
            }
            TypedMessage::PacketInfoV6(info) => {
                fields.push(LocalAddress(info.addr.into()));
                fields.push(Interface(info.ifindex));
            }
            TypedMessage::DestinationAddr(addr) => fields.push(LocalAddress(addr.into())),
            TypedMessage::OrigDstAddr(addr) => fields.push(LocalAddress((*addr.ip()).into())),
            TypedMessage::OrigDstAddrV6(addr) => fields.push(LocalAddress((*addr.ip()).into())),
            TypedMessage::UdpGro(size) => fields.push(GroSegment(size.into())),
            TypedMessage::Timestamp { time, .. } => fields.push(ReceiveTime {
                sec: time.sec,
                nsec: time.usec.saturating_mul(1000),
            }),
            TypedMessage::TimestampNs { time, .. } => fields.push(ReceiveTime {
                sec: time.sec,
                nsec: time.nsec,
            }),
            TypedMessage::Timestamping {
                times: [software, ..],
                ..
            } => fields.push(ReceiveTime {
                sec: software.sec,
                nsec: software.nsec,
            }),
            _ => {}
        }
        fields
    }

    /// The values the messages of `buf` that the model decodes give, each
    /// once, in order: what a program may take from the buffer. Messages
    /// before a rejection count; a typed message the model cannot read
    /// (a width or value no system writes) gives none.
    pub fn buffer_fields(&self, buf: &[u8]) -> Vec<TypedField> {
        let mut fields: Vec<TypedField> = Vec::new();
        for msg in self.walk(buf).messages {
            if let Ok(Some(typed)) = self.typed(msg.level, msg.kind, msg.data(buf)) {
                for field in self.typed_fields(&typed) {
                    if !fields.contains(&field) {
                        fields.push(field);
                    }
                }
            }
        }
        fields
    }
}
