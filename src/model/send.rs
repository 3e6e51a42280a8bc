//! What Linux's UDP `sendmsg` answers for one control message: sent, or
//! `EINVAL`.
//!
//! The rules are Linux 6.12's. `udp_cmsg_send` (`net/ipv4/udp.c`) reads
//! the `SOL_UDP` messages first: only `UDP_SEGMENT`, exactly a `__u16`.
//! Then an IPv4 socket's `ip_cmsg_send` (`net/ipv4/ip_sockglue.c`) reads
//! the `SOL_IP` ones and an IPv6 socket's `ip6_datagram_send_ctl`
//! (`net/ipv6/datagram.c`) the `SOL_IPV6` ones; each skips the other
//! family's level without a word:
//!
//! - `IP_TOS`: an `int` of 0..=255, or one byte.
//! - `IP_TTL`: an `int` of 1..=255.
//! - `IP_PKTINFO`: exactly a `struct in_pktinfo`.
//! - `IPV6_TCLASS`: an `int` of -1..=255 (-1: the socket's own).
//! - `IPV6_HOPLIMIT`: an `int` whose low 16 bits, as a signed number, are
//!   -1..=255: the kernel stores it in the `__s16 hlimit` of `struct
//!   ipcm6_cookie` (`include/net/ipv6.h`) before it checks the range, so
//!   65536 is sent as hop limit 0.
//! - `IPV6_PKTINFO`: at least a `struct in6_pktinfo`; more is ignored.
//! - Any other type of the level read is `EINVAL`, but for the ones the
//!   kernel takes that are not typed here (IP options, the protocol, IPv6
//!   extension headers, flow information, `IPV6_DONTFRAG`), which the
//!   model does not state.
//!
//! The packet info's interface and source address route the datagram,
//! which depends on the machine: the model states only the interface 0
//! and the unspecified source, which leave the route alone.
//!
//! ```
//! use sockcmsg::model::{Model, UdpFamily};
//! use sockcmsg::Layout;
//!
//! let model = Model::new(Layout::LINUX_64);
//! // IP_TOS as one byte or an int; IP_TTL 0 is refused.
//! assert_eq!(model.kernel_udp_send(UdpFamily::V4, 0, 1, &[2]), Some(true));
//! assert_eq!(model.kernel_udp_send(UdpFamily::V4, 0, 1, &2i32.to_le_bytes()), Some(true));
//! assert_eq!(model.kernel_udp_send(UdpFamily::V4, 0, 2, &0i32.to_le_bytes()), Some(false));
//! // IPV6_HOPLIMIT 65536 is cut to 16 bits, 0, before the range check.
//! assert_eq!(model.kernel_udp_send(UdpFamily::V6, 41, 52, &65536i32.to_le_bytes()), Some(true));
//! assert_eq!(model.kernel_udp_send(UdpFamily::V6, 41, 67, &65536i32.to_le_bytes()), Some(false));
//! // An IPv4 socket skips the IPv6 level.
//! assert_eq!(model.kernel_udp_send(UdpFamily::V4, 41, 67, &[]), Some(true));
//! ```

#![allow(
    clippy::indexing_slicing,
    reason = "the model is written for reading: lengths compared before indexing"
)]

use super::Model;
use crate::layout::System;
use crate::typed::{Direction, TypedKind};

/// The family of a UDP socket, which sends to an address of its own
/// family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UdpFamily {
    /// `AF_INET`.
    V4,
    /// `AF_INET6`, to an IPv6 address (not an IPv4-mapped one, which takes
    /// the IPv4 path).
    V6,
}

const SOL_IP: i32 = 0;
const SOL_UDP: i32 = 17;
const SOL_IPV6: i32 = 41;

/// `IP_RETOPTS`, `IP_PROTOCOL`: taken by `ip_cmsg_send`, not stated here.
const OTHER_IP_TYPES: [i32; 2] = [7, 52];
/// `IPV6_2292PKTINFO` .. `IPV6_2292RTHDR`, `IPV6_2292HOPLIMIT`,
/// `IPV6_FLOWINFO`, `IPV6_HOPOPTS`, `IPV6_RTHDRDSTOPTS`, `IPV6_RTHDR`,
/// `IPV6_DSTOPTS`, `IPV6_DONTFRAG`: taken by `ip6_datagram_send_ctl`, not
/// stated here.
const OTHER_IPV6_TYPES: [i32; 11] = [2, 3, 4, 5, 8, 11, 54, 55, 57, 59, 62];

impl Model {
    /// Whether Linux's UDP `sendmsg` on a socket of `family` sends a
    /// datagram with one control message of `level`, `kind` and `data`
    /// (`Some(true)`) or fails with `EINVAL` (`Some(false)`); `None` where
    /// the model does not say (another system, `SOL_SOCKET`, the types
    /// listed above, a packet info that routes).
    pub fn kernel_udp_send(
        &self,
        family: UdpFamily,
        level: i32,
        kind: i32,
        data: &[u8],
    ) -> Option<bool> {
        if self.layout().system() != System::Linux || level == self.layout().sol_socket() {
            return None;
        }
        let is = |typed| self.layout().typed_number(typed, Direction::Send) == Some((level, kind));
        let int = || (data.len() == 4).then(|| self.int_at(data, 0));
        let int_in = |min, max| Some(int().is_some_and(|value| (min..=max).contains(&value)));
        let zeros = |bytes: &[u8]| bytes.iter().all(|&byte| byte == 0);
        match (family, level) {
            (_, SOL_UDP) => Some(is(TypedKind::UdpSegment) && data.len() == 2),
            (UdpFamily::V4, SOL_IP) if is(TypedKind::Tos) => {
                Some(data.len() == 1 || int().is_some_and(|value| (0..=255).contains(&value)))
            }
            (UdpFamily::V4, SOL_IP) if is(TypedKind::Ttl) => int_in(1, 255),
            (UdpFamily::V4, SOL_IP) if is(TypedKind::PacketInfo) => match data.len() {
                12 => zeros(&data[..8]).then_some(true),
                _ => Some(false),
            },
            (UdpFamily::V4, SOL_IP) if OTHER_IP_TYPES.contains(&kind) => None,
            (UdpFamily::V6, SOL_IPV6) if is(TypedKind::TrafficClass) => int_in(-1, 255),
            (UdpFamily::V6, SOL_IPV6) if is(TypedKind::HopLimit) => {
                Some(int().is_some_and(|value| (-1..=255).contains(&(value as i16))))
            }
            (UdpFamily::V6, SOL_IPV6) if is(TypedKind::PacketInfoV6) => match data.len() {
                20.. => zeros(&data[..20]).then_some(true),
                _ => Some(false),
            },
            (UdpFamily::V6, SOL_IPV6) if OTHER_IPV6_TYPES.contains(&kind) => None,
            (UdpFamily::V4, SOL_IP) | (UdpFamily::V6, SOL_IPV6) => Some(false),
            // The other family's level, or any other: skipped.
            _ => Some(true),
        }
    }
}
