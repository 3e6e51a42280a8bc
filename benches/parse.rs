//! Parsing: the bounds-checked `messages` walk against libc's unchecked
//! `CMSG_FIRSTHDR`/`CMSG_NXTHDR`/`CMSG_DATA` walk, each reading every
//! message's length, level, type and first data byte, and the allocating
//! Go-style path.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

#[allow(dead_code, reason = "each benchmark uses part of the shared inputs")]
mod common;
use common::{as_bytes, mixed_buffer, msghdr_for, COUNTS};

/// Reads each message's length, level, type and first data byte as libc
/// gives them. Like any correct C walk it reads data only where the length
/// says there is some: `CMSG_DATA` of a bare header points past the
/// message.
fn libc_walk(msg: &libc::msghdr) -> usize {
    let mut sum = 0usize;
    // SAFETY: `msg` describes a well-formed, aligned buffer that outlives the
    // walk, so every header the macros return lies inside it, and so does
    // the first data byte of a message longer than a header.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(msg);
        while !cmsg.is_null() {
            let len = (*cmsg).cmsg_len as usize;
            let first = if len > libc::CMSG_LEN(0) as usize {
                *libc::CMSG_DATA(cmsg)
            } else {
                0
            };
            sum = sum
                .wrapping_add(len)
                .wrapping_add((*cmsg).cmsg_level as usize)
                .wrapping_add((*cmsg).cmsg_type as usize)
                .wrapping_add(usize::from(first));
            cmsg = libc::CMSG_NXTHDR(msg, cmsg);
        }
    }
    sum
}

/// Reads the same fields with the codec, as a user's loop does.
fn codec_walk(buf: &[u8]) -> usize {
    let mut sum = 0usize;
    for msg in sockcmsg::messages(buf) {
        let Ok(msg) = msg else { break };
        sum = sum
            .wrapping_add(msg.header.len)
            .wrapping_add(msg.header.level as usize)
            .wrapping_add(msg.header.kind as usize)
            .wrapping_add(usize::from(msg.data.first().copied().unwrap_or(0)));
    }
    sum
}

/// The Go-style path: a Vec of messages, then a Vec of fds per rights message.
fn go_style(buf: &[u8]) -> usize {
    let msgs = sockcmsg::parse_socket_control_message(buf).expect("parses");
    msgs.iter()
        .filter_map(|msg| sockcmsg::parse_unix_rights(msg).ok())
        .map(|fds| fds.len())
        .sum()
}

fn walk(c: &mut Criterion) {
    let mut group = c.benchmark_group("walk");
    for count in COUNTS {
        let mut words = mixed_buffer(count);
        let msg = msghdr_for(&mut words);
        let buf = as_bytes(&words);
        assert_eq!(
            codec_walk(buf),
            libc_walk(&msg),
            "the walks read the same fields"
        );
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::new("libc", count), &msg, |b, msg| {
            b.iter(|| libc_walk(black_box(msg)))
        });
        group.bench_with_input(BenchmarkId::new("messages", count), buf, |b, buf| {
            b.iter(|| codec_walk(black_box(buf)))
        });
        group.bench_with_input(BenchmarkId::new("go_style", count), buf, |b, buf| {
            b.iter(|| go_style(black_box(buf)))
        });
    }
    group.finish();
}

criterion_group!(benches, walk);
criterion_main!(benches);
