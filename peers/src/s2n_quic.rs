//! s2n-quic-platform's control-message decoder, as s2n-quic's UDP receive
//! calls it on each datagram: `cmsg::decode::Iter` over the control bytes
//! (8-aligned, its contract), `collect()` into s2n-quic-core's
//! `AncillaryData` (`ecn`, `local_address`, `local_interface`,
//! `segment_size`), of which the adapter gives what s2n-quic's caller can
//! tell was set.
//!
//!
//! Its encoder too, as s2n-quic's UDP send calls it on each datagram's
//! `Storage` (`message::cmsg::Encoder`): `encode_ecn` (a TOS or traffic
//! class of the ECN bits alone), `encode_local_address` (the source
//! address: a packet info of no interface) and `encode_gso`.

use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};

use sockcmsg::conformance::{Implementation, TypedParsed};
use sockcmsg::model::{FieldClass, TypedField};
use sockcmsg::typed::{TypedKind, TypedMessage};

use s2n_quic_core::inet::{ExplicitCongestionNotification, SocketAddress};
use s2n_quic_platform::message::cmsg::decode::Iter;
use s2n_quic_platform::message::cmsg::{Encoder, Storage, MAX_LEN};

/// `Iter::from_bytes(..).collect()`.
pub struct S2nQuic;

impl Implementation for S2nQuic {
    fn name(&self) -> String {
        "s2n-quic-platform (message::cmsg)".to_owned()
    }

    fn parse_typed(&self, buf: &[u8]) -> Option<TypedParsed> {
        // s2n-quic's own buffers are `#[repr(align(8))]`; a copy into
        // u64s, cut to the input's length, is as aligned.
        let mut words = vec![0u64; buf.len().div_ceil(8)];
        let bytes = &mut bytemuck_bytes(&mut words)[..buf.len()];
        bytes.copy_from_slice(buf);
        // SAFETY: `from_bytes` requires contents aligned to `cmsghdr`: a
        // `Vec<u64>`'s are 8-aligned.
        let data = unsafe { Iter::from_bytes(bytes) }.collect();
        let mut fields = Vec::new();
        // `NotEct` is also what no TOS leaves: only another codepoint
        // says a TOS was read.
        let ecn = data.ecn as u8;
        if ecn != 0 {
            fields.push(TypedField::Ecn(ecn));
        }
        // Set together, from a PKTINFO.
        if let Some(interface) = data.local_interface {
            fields.push(TypedField::Interface(interface));
            let local = std::net::SocketAddr::from(data.local_address.0);
            fields.push(TypedField::LocalAddress(local.ip()));
        }
        // 0 is what no GRO leaves.
        if data.segment_size != 0 {
            fields.push(TypedField::GroSegment(data.segment_size.into()));
        }
        Some(TypedParsed::Fields(fields))
    }

    /// What s2n-quic writes for `msg`, if it sends such a message: the ECN
    /// bits of a TOS or traffic class (the rest of the byte it cannot
    /// set, and `NotEct` it does not send), a packet info of no interface
    /// (and no `ipi_addr`), a GSO segment size.
    fn encode_typed(&self, msg: &TypedMessage) -> Option<Vec<u8>> {
        let ecn = |value: u8| {
            let ecn = ExplicitCongestionNotification::new(value);
            (value & !3 == 0 && ecn != ExplicitCongestionNotification::NotEct).then_some(ecn)
        };
        let v4 = SocketAddr::from(SocketAddrV4::new([127, 0, 0, 1].into(), 4433));
        let v6 = SocketAddr::from(SocketAddrV6::new(std::net::Ipv6Addr::LOCALHOST, 4433, 0, 0));
        let mut storage = Storage::<{ MAX_LEN }>::default();
        let mut encoder = storage.encoder();
        let encoded = match *msg {
            TypedMessage::Tos(tos) => encoder.encode_ecn(ecn(tos)?, &SocketAddress::from(v4)),
            TypedMessage::TrafficClass(class) => {
                encoder.encode_ecn(ecn(class)?, &SocketAddress::from(v6))
            }
            TypedMessage::PacketInfo(info) if info.ifindex == 0 && info.addr.is_unspecified() => {
                let local = SocketAddr::from(SocketAddrV4::new(info.spec_dst, 0));
                encoder.encode_local_address(&SocketAddress::from(local))
            }
            TypedMessage::PacketInfoV6(info) if info.ifindex == 0 => {
                let local = SocketAddr::from(SocketAddrV6::new(info.addr, 0, 0, 0));
                encoder.encode_local_address(&SocketAddress::from(local))
            }
            TypedMessage::UdpSegment(size) => encoder.encode_gso(size),
            _ => return None,
        };
        // Its error: the message does not fit the storage.
        encoded.ok()?;
        Some(encoder.to_vec())
    }

    fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
        use FieldClass::{GroSegment, Interface, LocalAddress};
        use TypedKind::{PacketInfo, PacketInfoV6, UdpGro};
        vec![
            (PacketInfo, Interface),
            (PacketInfo, LocalAddress),
            (PacketInfoV6, Interface),
            (PacketInfoV6, LocalAddress),
            (UdpGro, GroSegment),
        ]
    }
}

/// `words` as bytes.
fn bytemuck_bytes(words: &mut [u64]) -> &mut [u8] {
    let len = std::mem::size_of_val(words);
    // SAFETY: a u64 slice is valid for reads and writes of its size in
    // bytes, every byte pattern is a valid u8, and the result borrows
    // `words` mutably for its life.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast(), len) }
}

/// What the findings are, checked against s2n-quic-platform's source
/// (0.91.0, the lock file's version; paths under `s2n-quic-platform-0.91.0/src/`).
pub const NOTES: &str = r#"
Only the typed checks run: it decodes no `SCM_RIGHTS` or credentials. Linux
writes none of these buffers: each finding matters where the control bytes
come from elsewhere (another kernel, an emulated `recvmsg`, a buffer
handed on), or as a misread a kernel change would expose.

- **A message with no data ends the walk.** `Iter::next`
  (`message/cmsg/decode.rs:203-206`) returns `None` on a `cmsg_len` of 16,
  so every message after it is lost: after an empty one, the `IP_PKTINFO`
  of `1000000000000000ad7e0000ad7e00001c000000000000000000000008000000010000007f0000017f00000200000000`
  gives no interface or local address. Go's rule and the model read on.
  The walk also stops, without an error, at a `cmsg_len` past the end
  (`:196`) or below a header (`:199`), where the model rejects the buffer.
- **A GRO size outside `u16` wraps.** `collect_item` stores the `c_int`
  (`features/gro.rs:54`) with `data.segment_size = segment_size as _`
  (`decode.rs:91-96`): `-1` (`14000000000000001100000068000000ffffffff00000000`)
  becomes 65535, 70000 becomes 4464. Linux writes `gso_size`, a `u16`
  widened to an `int`, so only a value no kernel writes wraps.
- **A TOS or traffic class of 1 or 4 bytes, whichever it is.**
  `tos::decode` (`features/tos.rs:15-23`) takes 1 byte or a 4-byte native
  `u32` for `IP_TOS`, `IP_RECVTOS`, `IPV6_TCLASS` and `IPV6_RECVTCLASS`
  alike (`tos.rs:10-12`): a 1-byte `IPV6_TCLASS`
  (`110000000000000029000000430000002e00000000000000`), which Linux never
  writes (an `int`), gives ECN 2.

- **`IP_RECVTOS` and `IPV6_RECVTCLASS` are taken as message types.**
  `tos_v4::is_match` and `tos_v6::is_match` (`features/tos_v4.rs:17-19`,
  `tos_v6.rs:17-21`) match the numbers of the options that turn the
  messages on beside `IP_TOS` and `IPV6_TCLASS`, on every system. On Linux
  those are 13 and 66, types no kernel writes (a TOS comes as `IP_TOS`, a
  class as `IPV6_TCLASS`; the BSDs' `IP_RECVTOS` is 68 or 27):
  `1100000000000000000000000d000000b900000000000000` gives ECN 1.

Its encoder writes the model's bytes: `encode_ecn` an `int` `IP_TOS` or
`IPV6_TCLASS` of the ECN bits (`features/tos_v4.rs:53-54`), nothing for
`NotEct`; `encode_local_address` a packet info of the source alone
(`pktinfo_v4.rs:50-58`, `pktinfo_v6.rs:39-47`); `encode_gso` a `u16`
(`gso.rs:70-71`).

Its ECN is `NotEct` both when no TOS came and when one carried ECN 0, so
the adapter gives only another codepoint, and no TOS is owed an ECN.
Reproduce: `cargo xtask conformance --peers s2n-quic --only 'typed probes,typed encoders'`.
"#;
