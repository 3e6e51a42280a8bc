//! macOS's numbers (XNU `bsd/netinet/in.h`, `bsd/netinet6/in6.h`, without
//! `__APPLE_USE_RFC_2292`). Widths: `ip_savecontrol`
//! (`bsd/netinet/ip_input.c`) writes the TOS and TTL as one byte each;
//! `so_tos_from_control` (`bsd/netinet/in_tclass.c`) reads `IP_TOS` only as
//! an `int` (other widths are ignored); `ip6_setpktopt`
//! (`bsd/netinet6/ip6_output.c`) takes exactly an `int` for the traffic
//! class and hop limit and an `in6_pktinfo`; `udp_output` takes exactly an
//! `in_pktinfo`. There is no `IP_SENDSRCADDR`, GSO, GRO, extended error or
//! overflow message.

use super::Form::{Byte, Bytes, Int};
use super::TypedKind::*;
use super::{Entry, Table, BOTH, IPPROTO_IP, IPPROTO_IPV6, RECEIVE, SEND};

pub(super) const TABLE: Table = Table {
    ip: &[
        Entry::new(Tos, "IP_TOS", (IPPROTO_IP, 3), SEND, Int),
        Entry::new(
            DestinationAddr,
            "IP_RECVDSTADDR",
            (IPPROTO_IP, 7),
            RECEIVE,
            Bytes(4),
        ),
        Entry::new(Ttl, "IP_RECVTTL", (IPPROTO_IP, 24), RECEIVE, Byte),
        Entry::new(PacketInfo, "IP_PKTINFO", (IPPROTO_IP, 26), BOTH, Bytes(12)),
        Entry::new(Tos, "IP_RECVTOS", (IPPROTO_IP, 27), RECEIVE, Byte),
    ],
    ipv6: &[
        Entry::new(TrafficClass, "IPV6_TCLASS", (IPPROTO_IPV6, 36), BOTH, Int),
        Entry::new(
            PacketInfoV6,
            "IPV6_PKTINFO",
            (IPPROTO_IPV6, 46),
            BOTH,
            Bytes(20),
        ),
        Entry::new(HopLimit, "IPV6_HOPLIMIT", (IPPROTO_IPV6, 47), BOTH, Int),
    ],
    udp: &[],
    socket: &[],
};
