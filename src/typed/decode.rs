//! Typed messages read from a parsed message's data: the width checked
//! against the system's table first, then each field read by offset.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use super::{
    Entry, ExtendedError, Form, PacketInfo, PacketInfoV6, TimeForm, Timespec, Timeval, TypedKind,
    TypedMessage, AF_INET, AF_INET6,
};
use crate::{Error, Layout, SocketControlMessage};

impl Layout {
    /// The typed value of `msg`, if its level and type are one of the
    /// layout's system's typed messages ([`typed`](crate::typed)); `None`
    /// for any other message, which stays as its bytes.
    ///
    /// The payload must have a width the system uses for that level and
    /// type, in either direction ([`Error::TypedWidth`]), and each field a
    /// value its type holds ([`Error::TypedValue`], [`Error::AddressFamily`]).
    ///
    /// ```
    /// use sockcmsg::typed::TypedMessage;
    /// use sockcmsg::{ControlMessage, Error, Layout};
    ///
    /// let layout = Layout::LINUX_64;
    /// // UDP_GRO is an int: 1200-byte segments.
    /// let buf = layout.encode(&[ControlMessage::Other { level: 17, kind: 104, data: &1200i32.to_ne_bytes() }])?;
    /// let msg = layout.messages(&buf).next().unwrap()?;
    /// assert_eq!(layout.decode_typed(&msg)?, Some(TypedMessage::UdpGro(1200)));
    ///
    /// // A u16, as nix had it before 0.29 (nix#2403): refused, not misread.
    /// let buf = layout.encode(&[ControlMessage::Other { level: 17, kind: 104, data: &1200u16.to_ne_bytes() }])?;
    /// let msg = layout.messages(&buf).next().unwrap()?;
    /// assert_eq!(
    ///     layout.decode_typed(&msg),
    ///     Err(Error::TypedWidth { level: 17, kind: 104, len: 2, expected: 4, alternative: None })
    /// );
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    #[inline]
    pub fn decode_typed(
        &self,
        msg: &SocketControlMessage<'_>,
    ) -> Result<Option<TypedMessage>, Error> {
        let (level, kind, data) = (msg.header.level, msg.header.kind, msg.data);
        let mut entries = self
            .typed_level(level)
            .iter()
            .skip_while(|entry| entry.number != kind);
        let Some(first) = entries.next() else {
            return Ok(None);
        };
        // The other direction's entry of the same level and type, if any,
        // is the next one (a test checks every table), perhaps of another
        // width.
        let second = entries.next().filter(|entry| entry.number == kind);
        let expected = first.width(self);
        let entry = match second {
            _ if data.len() == expected => first,
            Some(other) if data.len() == other.width(self) => other,
            _ => {
                return Err(Error::TypedWidth {
                    level,
                    kind,
                    len: data.len(),
                    expected,
                    alternative: second
                        .map(|other| other.width(self))
                        .filter(|&width| width != expected),
                })
            }
        };
        let fields = Fields {
            layout: self,
            level,
            kind,
            rest: data,
        };
        fields.decode(entry).map(Some)
    }
}

/// A cursor over a payload whose width was checked, so that every read is
/// in bounds: a read past the end, which the check rules out, would give
/// zeros rather than panic.
struct Fields<'a> {
    layout: &'a Layout,
    level: i32,
    kind: i32,
    rest: &'a [u8],
}

impl Fields<'_> {
    #[inline]
    fn decode(mut self, entry: &Entry) -> Result<TypedMessage, Error> {
        Ok(match entry.kind {
            TypedKind::Tos => TypedMessage::Tos(self.small(entry.form)?),
            TypedKind::TrafficClass => TypedMessage::TrafficClass(self.small(entry.form)?),
            TypedKind::Ttl => TypedMessage::Ttl(self.small(entry.form)?),
            TypedKind::HopLimit => TypedMessage::HopLimit(self.small(entry.form)?),
            TypedKind::UdpSegment => TypedMessage::UdpSegment(self.u16_value(entry.form, 0)?),
            // Linux writes a GRO size only for a coalesced datagram
            // (`udp_cmsg_recv`): 0 is none, which a stack may not divide by.
            TypedKind::UdpGro => TypedMessage::UdpGro(self.u16_value(entry.form, 1)?),
            TypedKind::RxqOverflow => TypedMessage::RxqOverflow(self.u32()),
            TypedKind::DestinationAddr => TypedMessage::DestinationAddr(self.ipv4()),
            TypedKind::PacketInfo => TypedMessage::PacketInfo(PacketInfo {
                ifindex: self.u32(),
                spec_dst: self.ipv4(),
                addr: self.ipv4(),
            }),
            TypedKind::PacketInfoV6 => TypedMessage::PacketInfoV6(PacketInfoV6 {
                addr: self.ipv6(),
                ifindex: self.u32(),
            }),
            TypedKind::Timestamp(form) => TypedMessage::Timestamp {
                time: Timeval {
                    sec: self.long(form),
                    usec: self.long(form),
                },
                form,
            },
            TypedKind::TimestampNs(form) => TypedMessage::TimestampNs {
                time: self.timespec(form),
                form,
            },
            TypedKind::Timestamping(form) => TypedMessage::Timestamping {
                times: [
                    self.timespec(form),
                    self.timespec(form),
                    self.timespec(form),
                ],
                form,
            },
            TypedKind::RecvErr => {
                let error = self.extended_error();
                let offender = self.sockaddr_in();
                TypedMessage::RecvErr {
                    error,
                    offender: self.offender(offender, AF_INET)?,
                }
            }
            TypedKind::RecvErrV6 => {
                let error = self.extended_error();
                let offender = self.sockaddr_in6();
                TypedMessage::RecvErrV6 {
                    error,
                    offender: self.offender(offender, AF_INET6)?,
                }
            }
            TypedKind::OrigDstAddr => {
                let addr = self.sockaddr_in();
                TypedMessage::OrigDstAddr(self.address(addr, AF_INET)?)
            }
            TypedKind::OrigDstAddrV6 => {
                let addr = self.sockaddr_in6();
                TypedMessage::OrigDstAddrV6(self.address(addr, AF_INET6)?)
            }
        })
    }

    #[inline]
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.rest.split_first_chunk::<N>().unwrap_or((&[0; N], &[]));
        self.rest = rest;
        *head
    }

    #[inline]
    fn u8(&mut self) -> u8 {
        u8::from_ne_bytes(self.bytes())
    }

    #[inline]
    fn u16(&mut self) -> u16 {
        let raw = self.bytes();
        self.layout.u16_from(raw)
    }

    #[inline]
    fn u32(&mut self) -> u32 {
        let raw = self.bytes();
        self.layout.u32_from(raw)
    }

    #[inline]
    fn i32(&mut self) -> i32 {
        let raw = self.bytes();
        self.layout.i32_from(raw)
    }

    /// A scalar of `form` as a number: a byte, a `u16`, or an `int`
    /// (the scalar kinds' forms; `SO_RXQ_OVFL`'s `u32` is read apart).
    #[inline]
    fn scalar(&mut self, form: Form) -> i64 {
        if form == Form::Byte {
            i64::from(self.u8())
        } else if form == Form::U16 {
            i64::from(self.u16())
        } else {
            i64::from(self.i32())
        }
    }

    #[inline]
    fn in_range(&self, value: i64, min: i64, max: i64) -> Result<i64, Error> {
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(Error::TypedValue {
                level: self.level,
                kind: self.kind,
                value,
                min,
                max,
            })
        }
    }

    /// A TOS, traffic class, TTL or hop limit: a byte, or an `int` that
    /// must hold one.
    #[inline]
    fn small(&mut self, form: Form) -> Result<u8, Error> {
        let value = self.scalar(form);
        let value = self.in_range(value, 0, u8::MAX.into())?;
        Ok(u8::try_from(value).unwrap_or(u8::MAX))
    }

    /// A segment size of at least `min`: a `u16`, or an `int` that must
    /// hold one.
    #[inline]
    fn u16_value(&mut self, form: Form, min: i64) -> Result<u16, Error> {
        let value = self.scalar(form);
        let value = self.in_range(value, min, u16::MAX.into())?;
        Ok(u16::try_from(value).unwrap_or(u16::MAX))
    }

    /// A C `long` of the form's width, sign-extended.
    #[inline]
    fn long(&mut self, form: TimeForm) -> i64 {
        if form == TimeForm::Old && self.layout.long_width() == 4 {
            return i64::from(self.i32());
        }
        let raw = self.bytes();
        self.layout.i64_from(raw)
    }

    #[inline]
    fn timespec(&mut self, form: TimeForm) -> Timespec {
        Timespec {
            sec: self.long(form),
            nsec: self.long(form),
        }
    }

    #[inline]
    fn ipv4(&mut self) -> Ipv4Addr {
        Ipv4Addr::from(self.bytes::<4>())
    }

    #[inline]
    fn ipv6(&mut self) -> Ipv6Addr {
        Ipv6Addr::from(self.bytes::<16>())
    }

    #[inline]
    fn extended_error(&mut self) -> ExtendedError {
        ExtendedError {
            errno: self.u32(),
            origin: self.u8(),
            kind: self.u8(),
            code: self.u8(),
            pad: self.u8(),
            info: self.u32(),
            data: self.u32(),
        }
    }

    #[inline]
    fn family(&self, family: u16, expected: u16) -> Error {
        Error::AddressFamily {
            level: self.level,
            kind: self.kind,
            family,
            expected,
        }
    }

    /// A `sockaddr_in`: its family and address.
    #[inline]
    fn sockaddr_in(&mut self) -> (u16, SocketAddrV4) {
        let family = self.u16();
        let port = u16::from_be_bytes(self.bytes());
        let ip = self.ipv4();
        (family, SocketAddrV4::new(ip, port))
    }

    /// A `sockaddr_in6`: its family and address.
    #[inline]
    fn sockaddr_in6(&mut self) -> (u16, SocketAddrV6) {
        let family = self.u16();
        let port = u16::from_be_bytes(self.bytes());
        let flowinfo = self.u32();
        let ip = self.ipv6();
        let scope_id = self.u32();
        (family, SocketAddrV6::new(ip, port, flowinfo, scope_id))
    }

    /// An address of family `expected`, or `None` for family 0 (an
    /// offender the kernel zeroed).
    #[inline]
    fn offender<A>(&self, (family, addr): (u16, A), expected: u16) -> Result<Option<A>, Error> {
        match family {
            0 => Ok(None),
            _ => self.address((family, addr), expected).map(Some),
        }
    }

    /// An address of family `expected`.
    #[inline]
    fn address<A>(&self, (family, addr): (u16, A), expected: u16) -> Result<A, Error> {
        if family == expected {
            Ok(addr)
        } else {
            Err(self.family(family, expected))
        }
    }
}
