//! Every peer's parse of the same buffers (1, 16 and 256 messages, as
//! sockcmsg's `benches/common` builds them), through its adapter, beside
//! sockcmsg's own adapter and its allocation-free `messages()` walk, in one
//! run. Each adapter copies what it parses into the harness's `Parsed`, so
//! the adapters pay the same overhead; `cargo xtask conformance` puts each
//! peer's time over sockcmsg's adapter's in the table's speed column.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

#[path = "../../benches/common/mod.rs"]
#[allow(dead_code, reason = "this benchmark uses part of the shared inputs")]
mod common;
use common::{as_bytes, mixed_buffer, COUNTS};

fn parse(c: &mut Criterion) {
    let peers = sockcmsg_peers::all();
    let mut group = c.benchmark_group("peer_parse");
    for count in COUNTS {
        let words = mixed_buffer(count);
        let buf = as_bytes(&words);
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::new("messages", count), buf, |b, buf| {
            b.iter(|| sockcmsg::messages(black_box(buf)).count())
        });
        for peer in peers
            .iter()
            .filter(|peer| sockcmsg_peers::parses_in_process(peer))
        {
            group.bench_with_input(BenchmarkId::new(peer.slug, count), buf, |b, buf| {
                b.iter(|| peer.implementation.parse(black_box(buf)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
