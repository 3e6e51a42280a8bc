//! quinn-udp's receive, as quinn calls it on each batch: a
//! `UdpSocketState` made for the socket (`UdpSocketState::new`, which
//! turns on the options it decodes), then `recv` into one buffer and one
//! `RecvMeta` (`ecn`, `dst_ip`, `interface_index`, `stride`, `timestamp`).
//! On Linux it receives with `recvmmsg`, into a control buffer of its own
//! (96 bytes), and its control-message walk is private: only the typed
//! forged receives reach it. Its `send` (a `Transmit`'s ECN, GSO segment
//! and source address) writes its control bytes into a private buffer too:
//! the `typed encoders` check captures them from its `sendmsg`.

use std::io::IoSliceMut;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd};

use quinn_udp::{EcnCodepoint, RecvMeta, Transmit, UdpSocketState};
use sockcmsg::conformance::{Implementation, TypedParsed};
use sockcmsg::model::{FieldClass, TypedField};
use sockcmsg::typed::{TimeForm, TypedKind, TypedMessage};

/// `UdpSocketState::recv`.
pub struct Quinn;

impl Implementation for Quinn {
    fn name(&self) -> String {
        "quinn-udp (UdpSocketState::recv, send)".to_owned()
    }

    fn receive_typed(
        &self,
        socket: BorrowedFd<'_>,
        _control_len: usize,
    ) -> Option<Result<TypedParsed, String>> {
        // Not a dup, which would be another number than the one forged;
        // ManuallyDrop keeps the runner's socket open.
        // SAFETY: the number is the runner's open UDP socket, borrowed for
        // this call, and never closed here.
        let udp =
            std::mem::ManuallyDrop::new(unsafe { UdpSocket::from_raw_fd(socket.as_raw_fd()) });
        let state = match UdpSocketState::new((&*udp).into()) {
            Ok(state) => state,
            Err(err) => return Some(Err(format!("UdpSocketState::new: {err}"))),
        };
        let mut data = [0u8; 64];
        let mut meta = [RecvMeta::default()];
        let received = state.recv((&*udp).into(), &mut [IoSliceMut::new(&mut data)], &mut meta);
        Some(match received {
            Ok(_) => Ok(TypedParsed::Fields(fields(&meta[0]))),
            Err(err) => Err(format!("UdpSocketState::recv: {err}")),
        })
    }

    /// `UdpSocketState::try_send` of a `Transmit` whose fields give `msg`: its
    /// `ecn` a TOS or traffic class of the ECN bits alone, its
    /// `segment_size` a GSO size (for contents one byte longer: a shorter
    /// segment is no segmentation), its `src_ip` a packet info of no
    /// interface and, for IPv4, no `ipi_addr`. quinn sets the TOS or
    /// traffic class of every datagram, so each case's control bytes have
    /// that message too.
    fn send_typed(
        &self,
        socket: BorrowedFd<'_>,
        to: SocketAddr,
        msg: &TypedMessage,
    ) -> Option<Result<(), String>> {
        let ecn = |bits: u8| (bits & !3 == 0).then(|| EcnCodepoint::from_bits(bits));
        let (mut ecn_bits, mut segment_size, mut src_ip) = (None, None, None);
        match *msg {
            TypedMessage::Tos(tos) if to.is_ipv4() => ecn_bits = ecn(tos)?,
            TypedMessage::TrafficClass(class) if to.is_ipv6() => ecn_bits = ecn(class)?,
            TypedMessage::UdpSegment(size) => segment_size = Some(usize::from(size)),
            TypedMessage::PacketInfo(info) if info.ifindex == 0 && info.addr.is_unspecified() => {
                src_ip = Some(IpAddr::V4(info.spec_dst));
            }
            TypedMessage::PacketInfoV6(info) if info.ifindex == 0 => {
                src_ip = Some(IpAddr::V6(info.addr));
            }
            _ => return None,
        }
        let contents = vec![b'x'; segment_size.map_or(1, |size| size.saturating_add(1))];
        // SAFETY: as in `receive_typed`: the runner's open UDP socket,
        // borrowed for this call, and never closed here.
        let udp =
            std::mem::ManuallyDrop::new(unsafe { UdpSocket::from_raw_fd(socket.as_raw_fd()) });
        let state = match UdpSocketState::new((&*udp).into()) {
            Ok(state) => state,
            Err(err) => return Some(Err(format!("UdpSocketState::new: {err}"))),
        };
        let transmit = Transmit {
            destination: to,
            ecn: ecn_bits,
            contents: &contents,
            segment_size,
            src_ip,
        };
        Some(
            state
                .try_send((&*udp).into(), &transmit)
                .map_err(|err| format!("UdpSocketState::try_send: {err}")),
        )
    }

    fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
        use FieldClass::{Interface, LocalAddress, ReceiveTime};
        use TypedKind::{PacketInfo, PacketInfoV6, TimestampNs};
        vec![
            (PacketInfo, LocalAddress),
            (PacketInfo, Interface),
            (PacketInfoV6, LocalAddress),
            (PacketInfoV6, Interface),
            (TimestampNs(TimeForm::Old), ReceiveTime),
        ]
    }
}

/// What `meta` tells quinn's caller that a message set: `ecn` is `None`
/// both without a TOS and with ECN bits 0, and `stride` is `len` both
/// without GRO and with a segment of the datagram's size, so those are
/// given only when they say more.
fn fields(meta: &RecvMeta) -> Vec<TypedField> {
    let mut fields = Vec::new();
    if let Some(ecn) = meta.ecn {
        fields.push(TypedField::Ecn(ecn as u8));
    }
    if let Some(ip) = meta.dst_ip {
        fields.push(TypedField::LocalAddress(ip));
    }
    if let Some(interface) = meta.interface_index {
        fields.push(TypedField::Interface(interface));
    }
    if meta.stride != meta.len {
        // A usize is at most 64 bits here.
        let stride = meta.stride as u64;
        fields.push(TypedField::from_number(
            FieldClass::GroSegment,
            stride,
            |stride: u16| TypedField::GroSegment(stride.into()),
        ));
    }
    if let Some(time) = meta.timestamp {
        fields.push(TypedField::ReceiveTime {
            sec: i64::try_from(time.as_secs()).unwrap_or(i64::MAX),
            nsec: time.subsec_nanos().into(),
        });
    }
    fields
}

/// What the findings are, checked against quinn-udp's source (0.6.3, the
/// lock file's version; paths under `quinn-udp-0.6.3/src/`).
pub const NOTES: &str = r#"
Only the typed forged receives and the typed encoders run: its
control-message walk (`cmsg`) is private, and its receive batches with
`recvmmsg` into a 96-byte control buffer of its own
(`cmsg/mod.rs:227-228`), which the forgery answers in its first `mmsghdr`;
its send (`UdpSocketState::try_send`) writes into a buffer of its own too,
whose bytes the check captures from `sendmsg`. Linux writes none of these
buffers. Its send writes the model's bytes for the ECN bits (an `int`
`IP_TOS` or `IPV6_TCLASS`, on every datagram: `unix.rs:724-738`), the GSO
size (a `u16`) and the source address (a packet info of no interface,
`unix.rs:748-781`).

- **A payload of another width panics in a debug build and is read
  anyway in a release one.** `CMsg::decode::<T>` (`cmsg/mod.rs:153-159`)
  checks the length only with `debug_assert_eq!(self.len(),
  C::cmsg_len(size_of::<T>()))` (`:154`), then reads `size_of::<T>()`
  bytes whatever `cmsg_len` says: `10000000000000000000000001000000`, an
  `IP_TOS` header with no data, panics there as the table builds the
  adapters (debug), and a release build reads the byte after the buffer.
  Every typed arm of `ControlMetadata::decode` (`unix.rs:847-912`) goes
  through it.
- **`IPV6_TCLASS` and `UDP_GRO` are `int`s cast without a check.** The
  traffic class is `decode::<c_int>() as u8` (`unix.rs:873`): -1 gives
  ECN 3 (`14000000000000002900000043000000ffffffff00000000`); the GRO
  segment is `decode::<c_int>() as usize` (`unix.rs:900`): -1 gives a
  stride of `usize::MAX`, 65536 one past any datagram, and 0
  (`140000000000000011000000680000000000000000000000`) a stride of 0,
  which no kernel writes (`udp_cmsg_recv` writes `UDP_GRO` only for a
  coalesced datagram) and by which a caller that splits the datagram into
  segments cannot step.
- **`IP_RECVTOS` is taken as a message type** (`unix.rs:852-862`, "FreeBSD
  uses IP_RECVTOS here"): on Linux that is 13, the option's number, a type
  no kernel writes (the BSDs' is 68 or 27):
  `1100000000000000000000000d000000b900000000000000` gives ECN 1.

Its ECN is `None` both without a TOS and with ECN bits 0, and its `stride`
is the datagram's length both without GRO and with a segment of that size:
the adapter gives those only when they say more, and no TOS or GRO is owed
one. Reproduce: `cargo xtask conformance --peers quinn-udp --only 'typed forged receives,typed encoders'`.
"#;
