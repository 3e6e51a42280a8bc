//! FreeBSD's numbers: `sys/netinet/in.h`, `sys/netinet6/in6.h` (the KAME
//! numbers). Widths: `ip_savecontrol` (`sys/netinet/ip_input.c`) writes the
//! TOS and TTL as one `u_char` each and the destination as an `in_addr`;
//! `udp_output` (`sys/netinet/udp_usrreq.c`) takes exactly a `u_char` for
//! `IP_TOS` and an `in_addr` for `IP_SENDSRCADDR`; `ip6_setpktopt`
//! (`sys/netinet6/ip6_output.c`) exactly an `int` for the traffic class and
//! hop limit and an `in6_pktinfo`. There is no GSO, GRO, extended error or
//! overflow message.

use super::Form::{Byte, Bytes, Int};
use super::TypedKind::*;
use super::{Entry, Table, BOTH, IPPROTO_IP, IPPROTO_IPV6, RECEIVE, SEND};

pub(super) const TABLE: Table = Table {
    ip: &[
        Entry::new(Tos, "IP_TOS", (IPPROTO_IP, 3), SEND, Byte),
        Entry::new(
            DestinationAddr,
            "IP_RECVDSTADDR",
            (IPPROTO_IP, 7),
            RECEIVE,
            Bytes(4),
        ),
        Entry::new(
            DestinationAddr,
            "IP_SENDSRCADDR",
            (IPPROTO_IP, 7),
            SEND,
            Bytes(4),
        ),
        Entry::new(Ttl, "IP_RECVTTL", (IPPROTO_IP, 65), RECEIVE, Byte),
        Entry::new(Tos, "IP_RECVTOS", (IPPROTO_IP, 68), RECEIVE, Byte),
    ],
    ipv6: &[
        Entry::new(
            PacketInfoV6,
            "IPV6_PKTINFO",
            (IPPROTO_IPV6, 46),
            BOTH,
            Bytes(20),
        ),
        Entry::new(HopLimit, "IPV6_HOPLIMIT", (IPPROTO_IPV6, 47), BOTH, Int),
        Entry::new(TrafficClass, "IPV6_TCLASS", (IPPROTO_IPV6, 61), BOTH, Int),
    ],
    udp: &[],
    socket: &[],
};
