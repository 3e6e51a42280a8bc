//! Encoding: `unix_rights` and the multi-message encoder into a caller's
//! buffer, against filling the same buffer through libc's macros.
//!
//! Both sides copy from the same memory into the same buffer: a copy's cost
//! depends on where source and destination lie (the same 64-fd message took
//! 1.5x as long to write at one buffer address as at another), and the
//! benchmark compares code, not placements.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sockcmsg::{ControlMessage, OwnedControlMessage};
use std::hint::black_box;

#[allow(dead_code, reason = "each benchmark uses part of the shared inputs")]
mod common;
use common::{as_bytes, as_bytes_mut, fd_bytes, mixed_messages, msghdr_for, COUNTS};

/// Fills `words` with `msgs` the way C code does: zero the buffer, then
/// write each header and its data at CMSG_FIRSTHDR/CMSG_NXTHDR.
fn libc_fill(words: &mut [u64], msgs: &[(i32, i32, &[u8])]) {
    words.fill(0);
    let msg = msghdr_for(words);
    // SAFETY: `words` is zeroed, aligned and sized for exactly these
    // messages, so each header the macros return has room for its data.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        for &(level, kind, data) in msgs {
            (*cmsg).cmsg_len = libc::CMSG_LEN(data.len() as u32) as _;
            (*cmsg).cmsg_level = level;
            (*cmsg).cmsg_type = kind;
            std::ptr::copy_nonoverlapping(data.as_ptr(), libc::CMSG_DATA(cmsg), data.len());
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
}

/// The (level, type, data) of each message, for `libc_fill`.
fn triples(msgs: &[OwnedControlMessage]) -> Vec<(i32, i32, &[u8])> {
    msgs.iter()
        .map(|msg| (msg.level, msg.kind, &msg.data[..]))
        .collect()
}

fn rights(c: &mut Criterion) {
    let mut group = c.benchmark_group("rights");
    for count in [1, 64, 253] {
        let fds: Vec<i32> = (0..count).collect();
        let libc_msgs = [(libc::SOL_SOCKET, libc::SCM_RIGHTS, fd_bytes(&fds))];
        let msgs = [ControlMessage::Rights(&fds)];
        let size = sockcmsg::encoded_len(&msgs).unwrap();
        let mut words = vec![0u64; size / 8];
        libc_fill(&mut words, &libc_msgs);
        assert_eq!(
            as_bytes(&words),
            sockcmsg::unix_rights(&fds).unwrap(),
            "same bytes"
        );
        group.bench_with_input(BenchmarkId::new("libc_fill", count), &libc_msgs, |b, m| {
            b.iter(|| libc_fill(black_box(&mut words), black_box(m)))
        });
        let buf = as_bytes_mut(&mut words);
        group.bench_with_input(BenchmarkId::new("encode_into", count), &msgs, |b, m| {
            b.iter(|| sockcmsg::encode_into(black_box(m), black_box(&mut *buf)))
        });
        group.bench_with_input(BenchmarkId::new("unix_rights", count), &fds, |b, fds| {
            b.iter(|| sockcmsg::unix_rights(black_box(fds)).unwrap())
        });
    }
    group.finish();
}

fn mixed(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_mixed");
    for count in COUNTS {
        let owned = mixed_messages(count);
        let libc_msgs = triples(&owned);
        let msgs: Vec<_> = owned
            .iter()
            .map(OwnedControlMessage::as_control_message)
            .collect();
        let size = sockcmsg::encoded_len(&msgs).unwrap();
        let mut words = vec![0u64; size / 8];
        libc_fill(&mut words, &libc_msgs);
        assert_eq!(
            as_bytes(&words),
            sockcmsg::encode(&msgs).unwrap(),
            "same bytes"
        );
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::new("libc_fill", count), &libc_msgs, |b, m| {
            b.iter(|| libc_fill(black_box(&mut words), black_box(m)))
        });
        let buf = as_bytes_mut(&mut words);
        group.bench_with_input(BenchmarkId::new("encode_into", count), &msgs, |b, m| {
            b.iter(|| sockcmsg::encode_into(black_box(m), black_box(&mut *buf)))
        });
    }
    group.finish();
}

criterion_group!(benches, rights, mixed);
criterion_main!(benches);
