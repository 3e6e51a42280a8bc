//! Typed messages written as the system's kernel writes them on receive,
//! or reads them on send.

use std::net::{SocketAddrV4, SocketAddrV6};

use super::{Direction, ExtendedError, Form, TimeForm, Timespec, TypedMessage, AF_INET, AF_INET6};
use crate::{ControlMessage, Error, Layout};

/// The longest typed payload: `SO_TIMESTAMPING_NEW`'s three 16-byte
/// `timespec`s.
pub(crate) const MAX_PAYLOAD: usize = 48;

/// A typed message's level, type and payload, as
/// [`Layout::typed_payload`] wrote them; [`control_message`](Self::control_message)
/// hands them to the encoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TypedPayload {
    level: i32,
    kind: i32,
    len: usize,
    bytes: [u8; MAX_PAYLOAD],
}

impl TypedPayload {
    /// `msg` as this platform's kernel reads it on send:
    /// [`Layout::HOST`]'s [`typed_payload`](Layout::typed_payload) for
    /// [`Direction::Send`].
    ///
    /// ```
    /// use sockcmsg::typed::{TypedMessage, TypedPayload};
    /// # #[cfg(target_os = "linux")] {
    /// let gso = TypedPayload::to_send(&TypedMessage::UdpSegment(1200))?;
    /// assert_eq!((gso.level(), gso.kind()), (libc::SOL_UDP, libc::UDP_SEGMENT));
    /// # }
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn to_send(msg: &TypedMessage) -> Result<TypedPayload, Error> {
        Layout::HOST.typed_payload(msg, Direction::Send)
    }

    /// `cmsg_level`.
    pub fn level(&self) -> i32 {
        self.level
    }

    /// `cmsg_type`.
    pub fn kind(&self) -> i32 {
        self.kind
    }

    /// The payload.
    pub fn data(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The message to encode: [`ControlMessage::Other`] with the level,
    /// type and payload.
    pub fn control_message(&self) -> ControlMessage<'_> {
        ControlMessage::Other {
            level: self.level,
            kind: self.kind,
            data: self.data(),
        }
    }
}

impl Layout {
    /// `msg` as the layout's system has it in `direction`: the level and
    /// type it has there, and its payload in the C type the kernel writes
    /// (on [`Direction::Receive`]) or reads (on [`Direction::Send`]).
    ///
    /// Where a system takes several widths on send, the one every kernel
    /// of it takes: Linux's `IP_TOS` is sent as an `int` (kernels from
    /// 3.13 until 2020 refuse a byte), FreeBSD's as a byte, macOS's as an
    /// `int`.
    ///
    /// Fails with [`Error::TypedUnsupported`] where the system has no such
    /// message in that direction, and with [`Error::TypedValue`] for a time
    /// that does not fit a 32-bit `long`.
    ///
    /// ```
    /// use sockcmsg::typed::{Direction, TypedMessage};
    /// use sockcmsg::{Error, Layout};
    ///
    /// let gso = Layout::LINUX_64.typed_payload(&TypedMessage::UdpSegment(1200), Direction::Send)?;
    /// assert_eq!((gso.level(), gso.kind(), gso.data()), (17, 103, &1200u16.to_le_bytes()[..]));
    /// let buf = Layout::LINUX_64.encode(&[gso.control_message()])?;
    /// assert_eq!(buf.len(), Layout::LINUX_64.cmsg_space(2));
    ///
    /// let tos = Layout::FREEBSD_64.typed_payload(&TypedMessage::Tos(2), Direction::Send)?;
    /// assert_eq!((tos.level(), tos.kind(), tos.data()), (0, 3, &[2][..]));
    /// assert!(matches!(
    ///     Layout::MACOS.typed_payload(&TypedMessage::UdpSegment(1200), Direction::Send),
    ///     Err(Error::TypedUnsupported { layout: "macos", .. })
    /// ));
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn typed_payload(
        &self,
        msg: &TypedMessage,
        direction: Direction,
    ) -> Result<TypedPayload, Error> {
        let entry = self
            .typed_entry(msg.kind(), direction)
            .ok_or(Error::TypedUnsupported {
                layout: self.name(),
                kind: msg.kind(),
                direction,
            })?;
        let mut out = Payload {
            layout: *self,
            payload: TypedPayload {
                level: entry.level,
                kind: entry.number,
                len: 0,
                bytes: [0; MAX_PAYLOAD],
            },
        };
        out.fits(msg)?;
        out.message(msg, entry.form);
        Ok(out.payload)
    }
}

/// The payload being written.
struct Payload {
    layout: Layout,
    payload: TypedPayload,
}

impl Payload {
    /// Checks that `msg`'s times fit the `long`s of its form: 32 bits for
    /// an old timestamp of a 32-bit system. The other values fit every
    /// form a table gives their kind.
    fn fits(&self, msg: &TypedMessage) -> Result<(), Error> {
        let (form, times): (TimeForm, &[Timespec]) = match msg {
            TypedMessage::Timestamp { time, form } => (
                *form,
                &[Timespec {
                    sec: time.sec,
                    nsec: time.usec,
                }][..],
            ),
            TypedMessage::TimestampNs { time, form } => (*form, std::slice::from_ref(time)),
            TypedMessage::Timestamping { times, form } => (*form, &times[..]),
            _ => return Ok(()),
        };
        if form == TimeForm::New || self.layout.long_width() == 8 {
            return Ok(());
        }
        let outside = times
            .iter()
            .flat_map(|time| [time.sec, time.nsec])
            .find(|&value| i32::try_from(value).is_err());
        match outside {
            Some(value) => Err(Error::TypedValue {
                level: self.payload.level,
                kind: self.payload.kind,
                value,
                min: i32::MIN.into(),
                max: i32::MAX.into(),
            }),
            None => Ok(()),
        }
    }

    fn message(&mut self, msg: &TypedMessage, form: Form) {
        match *msg {
            TypedMessage::Tos(value)
            | TypedMessage::TrafficClass(value)
            | TypedMessage::Ttl(value)
            | TypedMessage::HopLimit(value) => self.scalar(form, value.into()),
            TypedMessage::UdpSegment(value) | TypedMessage::UdpGro(value) => {
                self.scalar(form, value.into())
            }
            TypedMessage::RxqOverflow(value) => self.u32(value),
            TypedMessage::DestinationAddr(addr) => self.push(addr.octets()),
            TypedMessage::PacketInfo(info) => {
                self.u32(info.ifindex);
                self.push(info.spec_dst.octets());
                self.push(info.addr.octets());
            }
            TypedMessage::PacketInfoV6(info) => {
                self.push(info.addr.octets());
                self.u32(info.ifindex);
            }
            TypedMessage::Timestamp { time, form } => {
                self.long(form, time.sec);
                self.long(form, time.usec);
            }
            TypedMessage::TimestampNs { time, form } => self.timespec(form, time),
            TypedMessage::Timestamping { times, form } => {
                times.iter().for_each(|&time| self.timespec(form, time));
            }
            TypedMessage::RecvErr { error, offender } => {
                self.extended_error(error);
                match offender {
                    Some(addr) => self.sockaddr_in(addr),
                    None => self.push([0; 16]),
                }
            }
            TypedMessage::RecvErrV6 { error, offender } => {
                self.extended_error(error);
                match offender {
                    Some(addr) => self.sockaddr_in6(addr),
                    None => self.push([0; 28]),
                }
            }
            TypedMessage::OrigDstAddr(addr) => self.sockaddr_in(addr),
            TypedMessage::OrigDstAddrV6(addr) => self.sockaddr_in6(addr),
        }
    }

    /// Appends `bytes`. The payload is as long as the longest C type of
    /// any table (a test checks), so nothing is ever cut.
    fn push<const N: usize>(&mut self, bytes: [u8; N]) {
        let len = self.payload.len;
        for (slot, byte) in self.payload.bytes.iter_mut().skip(len).zip(bytes) {
            *slot = byte;
        }
        self.payload.len = len.saturating_add(N).min(MAX_PAYLOAD);
    }

    fn u16(&mut self, value: u16) {
        self.push(self.layout.u16_bytes(value));
    }

    fn u32(&mut self, value: u32) {
        self.push(self.layout.u32_bytes(value));
    }

    /// A value of a scalar kind in the entry's C type: a byte, a `u16` or
    /// an `int`, each of which holds the values of the kinds given it.
    fn scalar(&mut self, form: Form, value: u32) {
        if form == Form::Byte {
            self.push([u8::try_from(value).unwrap_or(u8::MAX)]);
        } else if form == Form::U16 {
            self.u16(u16::try_from(value).unwrap_or(u16::MAX));
        } else {
            let value = i32::try_from(value).unwrap_or(i32::MAX);
            self.push(self.layout.i32_bytes(value));
        }
    }

    /// A C `long` of the form's width ([`fits`](Self::fits) checked it).
    fn long(&mut self, form: TimeForm, value: i64) {
        if form == TimeForm::Old && self.layout.long_width() == 4 {
            let narrow = i32::try_from(value).unwrap_or_default();
            self.push(self.layout.i32_bytes(narrow));
        } else {
            self.push(self.layout.i64_bytes(value));
        }
    }

    fn timespec(&mut self, form: TimeForm, time: Timespec) {
        self.long(form, time.sec);
        self.long(form, time.nsec);
    }

    fn extended_error(&mut self, error: ExtendedError) {
        self.u32(error.errno);
        self.push([error.origin, error.kind, error.code, error.pad]);
        self.u32(error.info);
        self.u32(error.data);
    }

    fn sockaddr_in(&mut self, addr: SocketAddrV4) {
        self.u16(AF_INET);
        self.push(addr.port().to_be_bytes());
        self.push(addr.ip().octets());
        self.push([0; 8]);
    }

    fn sockaddr_in6(&mut self, addr: SocketAddrV6) {
        self.u16(AF_INET6);
        self.push(addr.port().to_be_bytes());
        self.u32(addr.flowinfo());
        self.push(addr.ip().octets());
        self.u32(addr.scope_id());
    }
}
