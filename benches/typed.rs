//! Decoding what a UDP receive brings (a GRO segment size, the TOS byte,
//! the packet info and a timestamp): `decode_typed` over the `messages`
//! walk, against the loop a C user writes with libc's `CMSG_*` macros and
//! unchecked reads of each payload.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

#[allow(dead_code, reason = "each benchmark uses part of the shared inputs")]
mod common;
use common::{as_bytes, encoded_words, msghdr_for};

use sockcmsg::typed::{Direction, PacketInfo, TimeForm, Timespec, TypedMessage};
use sockcmsg::Layout;

/// What the kernel writes with a GRO datagram on a socket with `UDP_GRO`,
/// `IP_RECVTOS`, `IP_PKTINFO` and `SO_TIMESTAMPNS` on, in its order
/// (`udp_recvmsg`: the timestamp first, then `ip_cmsg_recv_offset`'s, then
/// GRO), in u64 words so that libc's macros may read it in place.
fn receive_buffer() -> Vec<u64> {
    let local = std::net::Ipv4Addr::LOCALHOST;
    let msgs = [
        TypedMessage::TimestampNs {
            time: Timespec {
                sec: 1_765_000_000,
                nsec: 123_456_789,
            },
            form: TimeForm::Old,
        },
        TypedMessage::PacketInfo(PacketInfo {
            ifindex: 1,
            spec_dst: local,
            addr: local,
        }),
        TypedMessage::Tos(0b10),
        TypedMessage::UdpGro(1200),
    ];
    let payloads: Vec<_> = msgs
        .iter()
        .map(|msg| Layout::HOST.typed_payload(msg, Direction::Receive).unwrap())
        .collect();
    let msgs: Vec<_> = payloads.iter().map(|p| p.control_message()).collect();
    encoded_words(&msgs)
}

/// The C loop: each message's level and type compared, its payload read
/// as the C type, whatever `cmsg_len` says.
fn libc_loop(msg: &libc::msghdr) -> u64 {
    let mut sum = 0u64;
    // SAFETY: `msg` describes a well-formed, aligned buffer that outlives
    // the walk, each message as long as its payload's C type.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(msg);
        while !cmsg.is_null() {
            let data = libc::CMSG_DATA(cmsg);
            match ((*cmsg).cmsg_level, (*cmsg).cmsg_type) {
                (libc::SOL_UDP, libc::UDP_GRO) => {
                    sum += data.cast::<libc::c_int>().read_unaligned() as u64
                }
                (libc::IPPROTO_IP, libc::IP_TOS) => sum += u64::from(*data),
                (libc::IPPROTO_IP, libc::IP_PKTINFO) => {
                    let info = data.cast::<libc::in_pktinfo>().read_unaligned();
                    sum += info.ipi_ifindex as u64 + u64::from(info.ipi_addr.s_addr);
                }
                (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) => {
                    let time = data.cast::<libc::timespec>().read_unaligned();
                    sum += time.tv_sec as u64 + time.tv_nsec as u64;
                }
                _ => {}
            }
            cmsg = libc::CMSG_NXTHDR(msg, cmsg);
        }
    }
    sum
}

/// The same fields with the codec: each payload's width checked.
fn typed_loop(buf: &[u8]) -> u64 {
    let mut sum = 0u64;
    for msg in sockcmsg::messages(buf) {
        let Ok(msg) = msg else { break };
        match sockcmsg::decode_typed(&msg) {
            Ok(Some(TypedMessage::UdpGro(size))) => sum += u64::from(size),
            Ok(Some(TypedMessage::Tos(tos))) => sum += u64::from(tos),
            Ok(Some(TypedMessage::PacketInfo(info))) => {
                sum += u64::from(info.ifindex) + u64::from(u32::from_ne_bytes(info.addr.octets()))
            }
            Ok(Some(TypedMessage::TimestampNs { time, .. })) => {
                sum += time.sec as u64 + time.nsec as u64
            }
            _ => {}
        }
    }
    sum
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("typed_decode");
    let mut words = receive_buffer();
    let msg = msghdr_for(&mut words);
    let buf = as_bytes(&words);
    assert_eq!(
        typed_loop(buf),
        libc_loop(&msg),
        "the loops read the same fields"
    );
    group.throughput(Throughput::Elements(4));
    group.bench_with_input(BenchmarkId::new("libc", 4), &msg, |b, msg| {
        b.iter(|| libc_loop(black_box(msg)))
    });
    group.bench_with_input(BenchmarkId::new("decode_typed", 4), buf, |b, buf| {
        b.iter(|| typed_loop(black_box(buf)))
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
