//! s2n-quic-platform's control-message decoder, as s2n-quic's UDP receive
//! calls it on each datagram: `cmsg::decode::Iter` over the control bytes
//! (8-aligned, its contract), `collect()` into s2n-quic-core's
//! `AncillaryData` (`ecn`, `local_address`, `local_interface`,
//! `segment_size`), of which the adapter gives what s2n-quic's caller can
//! tell was set.
//!
//! `parse_typed` only: its walk yields only what `collect` reads, and its
//! encoder writes into a `Storage` of its own.

use sockcmsg::conformance::{Implementation, TypedParsed};
use sockcmsg::model::{FieldClass, TypedField};
use sockcmsg::typed::TypedKind;

use s2n_quic_platform::message::cmsg::decode::Iter;

/// `Iter::from_bytes(..).collect()`.
pub struct S2nQuic;

impl Implementation for S2nQuic {
    fn name(&self) -> String {
        "s2n-quic-platform (cmsg::decode)".to_owned()
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

Its ECN is `NotEct` both when no TOS came and when one carried ECN 0, so
the adapter gives only another codepoint, and no TOS is owed an ECN.
Reproduce: `cargo xtask conformance --peers s2n-quic --only 'typed probes'`.
"#;
