//! Linux's numbers (every architecture with the generic
//! `asm-generic/socket.h`, which are all of Linux's layouts here).
//!
//! Levels: `SOL_IP` 0, `SOL_UDP` 17, `SOL_IPV6` 41 (`linux/socket.h`),
//! `SOL_SOCKET` 1 (`asm-generic/socket.h`). Types: `uapi/linux/in.h`,
//! `in6.h`, `udp.h`, `asm-generic/socket.h`. Widths: what the kernel writes
//! (`net/ipv4/ip_sockglue.c` `ip_cmsg_recv_*`, `net/ipv6/datagram.c`
//! `ip6_datagram_recv_*`, `include/linux/udp.h` `udp_cmsg_recv`,
//! `net/socket.c` `__sock_recv_timestamp`) and what it reads on send
//! (`ip_cmsg_send`, `ip6_datagram_send_ctl`, `udp.c` `__udp_cmsg_send`).

use super::Form::{Byte, Bytes, Int, Longs, U16, U32};
use super::TypedKind::*;
use super::{Entry, Table, TimeForm, BOTH, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_UDP, RECEIVE, SEND};

const SOL_SOCKET: i32 = 1;

pub(super) const TABLE: Table = Table {
    ip: &[
        // The kernel writes the TOS as one byte, and reads an int (or, since
        // e895cdce "ipv4: accept u8 in IP_TOS ancillary data", a byte): an int
        // is what every kernel from 3.13 on takes.
        Entry::new(Tos, "IP_TOS", (IPPROTO_IP, 1), RECEIVE, Byte),
        Entry::new(Tos, "IP_TOS", (IPPROTO_IP, 1), SEND, Int),
        Entry::new(Ttl, "IP_TTL", (IPPROTO_IP, 2), BOTH, Int),
        Entry::new(PacketInfo, "IP_PKTINFO", (IPPROTO_IP, 8), BOTH, Bytes(12)),
        Entry::new(RecvErr, "IP_RECVERR", (IPPROTO_IP, 11), RECEIVE, Bytes(32)),
        Entry::new(
            OrigDstAddr,
            "IP_ORIGDSTADDR",
            (IPPROTO_IP, 20),
            RECEIVE,
            Bytes(16),
        ),
    ],
    ipv6: &[
        Entry::new(
            RecvErrV6,
            "IPV6_RECVERR",
            (IPPROTO_IPV6, 25),
            RECEIVE,
            Bytes(44),
        ),
        Entry::new(
            PacketInfoV6,
            "IPV6_PKTINFO",
            (IPPROTO_IPV6, 50),
            BOTH,
            Bytes(20),
        ),
        Entry::new(HopLimit, "IPV6_HOPLIMIT", (IPPROTO_IPV6, 52), BOTH, Int),
        Entry::new(TrafficClass, "IPV6_TCLASS", (IPPROTO_IPV6, 67), BOTH, Int),
        Entry::new(
            OrigDstAddrV6,
            "IPV6_ORIGDSTADDR",
            (IPPROTO_IPV6, 74),
            RECEIVE,
            Bytes(28),
        ),
    ],
    udp: &[
        Entry::new(UdpSegment, "UDP_SEGMENT", (IPPROTO_UDP, 103), SEND, U16),
        Entry::new(UdpGro, "UDP_GRO", (IPPROTO_UDP, 104), RECEIVE, Int),
    ],
    socket: &[
        Entry::new(
            Timestamp(TimeForm::Old),
            "SO_TIMESTAMP_OLD",
            (SOL_SOCKET, 29),
            RECEIVE,
            Longs(2, TimeForm::Old),
        ),
        Entry::new(
            TimestampNs(TimeForm::Old),
            "SO_TIMESTAMPNS_OLD",
            (SOL_SOCKET, 35),
            RECEIVE,
            Longs(2, TimeForm::Old),
        ),
        Entry::new(
            Timestamping(TimeForm::Old),
            "SO_TIMESTAMPING_OLD",
            (SOL_SOCKET, 37),
            RECEIVE,
            Longs(6, TimeForm::Old),
        ),
        Entry::new(RxqOverflow, "SO_RXQ_OVFL", (SOL_SOCKET, 40), RECEIVE, U32),
        Entry::new(
            Timestamp(TimeForm::New),
            "SO_TIMESTAMP_NEW",
            (SOL_SOCKET, 63),
            RECEIVE,
            Longs(2, TimeForm::New),
        ),
        Entry::new(
            TimestampNs(TimeForm::New),
            "SO_TIMESTAMPNS_NEW",
            (SOL_SOCKET, 64),
            RECEIVE,
            Longs(2, TimeForm::New),
        ),
        Entry::new(
            Timestamping(TimeForm::New),
            "SO_TIMESTAMPING_NEW",
            (SOL_SOCKET, 65),
            RECEIVE,
            Longs(6, TimeForm::New),
        ),
    ],
};
