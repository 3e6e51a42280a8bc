//! Every peer's walk over the same received buffers (1, 16 and 256
//! messages, as sockcmsg's `benches/common` builds them), as its users
//! loop ([`Peer::walk`](sockcmsg_peers::Peer::walk): every message
//! visited, every fd and credential read), beside sockcmsg's
//! (`messages()`, `fds()`, `parse_unix_credentials()`), in one run.
//! `cargo xtask conformance` puts each peer's time over sockcmsg's in the
//! table's speed column.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

#[path = "../../benches/common/mod.rs"]
#[allow(dead_code, reason = "this benchmark uses part of the shared inputs")]
mod common;
use common::{mixed_buffer, COUNTS};

fn walk(c: &mut Criterion) {
    let peers = sockcmsg_peers::all();
    let mut group = c.benchmark_group("peer_walk");
    for count in COUNTS {
        group.throughput(Throughput::Elements(count as u64));
        for peer in &peers {
            let Some(walk) = peer.walk else {
                continue;
            };
            // Words, so that the bytes are aligned for `cmsghdr`.
            let mut words = mixed_buffer(count);
            // SAFETY: u8 has no alignment or validity requirement, and the
            // slice covers exactly the words' bytes.
            let buf = unsafe {
                std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), words.len() * 8)
            };
            group.bench_function(BenchmarkId::new(peer.slug, count), |b| {
                // SAFETY: sockcmsg's encoding of well-formed messages,
                // aligned; the fds in it are only read.
                b.iter(|| unsafe { walk(black_box(&mut *buf)) })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, walk);
criterion_main!(benches);
