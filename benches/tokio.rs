//! One fd's round trip over tokio (send a byte with one `SCM_RIGHTS` fd,
//! receive it, close the fd): `socket::asynchronous` on a current-thread
//! runtime, on a tokio `UnixStream` pair and on a `SOCK_SEQPACKET` pair in
//! an `AsyncFd`, against the blocking `socket` helpers on the same socket
//! kind (each group's `sync` baseline), and on seqpacket against
//! tokio-seqpacket's own `UnixSeqpacket`.
//!
//! The async benchmarks enter the runtime once per batch of iterations
//! (criterion's `iter_custom`, timed inside one `block_on`), as a task that
//! keeps sending and receiving does, so that `block_on`'s own cost is not
//! counted per round trip. The peer is the same task: a receive always
//! finds the byte the send just wrote, and nothing waits for the reactor.

use criterion::{criterion_group, criterion_main, Criterion};
use sockcmsg::socket::asynchronous::{self as aio, AsyncSocket};
use sockcmsg::socket::{self, ControlBuffer, SocketKind};
use std::fs::File;
use std::future::Future;
use std::io::IoSlice;
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};
use tokio::runtime::{Builder, Runtime};
use tokio_seqpacket::ancillary::{AncillaryMessageWriter, OwnedAncillaryMessage};
use tokio_seqpacket::UnixSeqpacket;

/// The blocking helpers: `socket::send`, `socket::recv`.
fn sync_round_trip(tx: &OwnedFd, rx: &OwnedFd, file: &File, control: &mut ControlBuffer) {
    socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();
    let received = socket::recv(rx.as_fd(), &mut [0; 1], control).unwrap();
    assert_eq!((received.bytes, received.fds.len()), (1, 1));
    // Dropping `received` closes the fd.
}

/// The same calls, awaited: `socket::asynchronous::send`, `recv`.
async fn async_round_trip<S: AsyncSocket>(
    tx: &S,
    rx: &S,
    file: &File,
    control: &mut ControlBuffer,
) {
    aio::send(tx, b"x", &[file.as_fd()], None).await.unwrap();
    let received = aio::recv(rx, &mut [0; 1], control).await.unwrap();
    assert_eq!((received.bytes, received.fds.len()), (1, 1));
}

/// tokio-seqpacket as its users write it: an `AncillaryMessageWriter` over
/// a stack buffer, and the received fd taken as an `OwnedFd`.
async fn tokio_seqpacket_round_trip(tx: &UnixSeqpacket, rx: &UnixSeqpacket, file: &File) {
    let mut send_buffer = [0; 64];
    let mut ancillary = AncillaryMessageWriter::new(&mut send_buffer);
    ancillary.add_fds([file.as_fd()]).unwrap();
    let sent = tx
        .send_vectored_with_ancillary(&[IoSlice::new(b"x")], &mut ancillary)
        .await
        .unwrap();
    assert_eq!(sent, 1);

    let (mut byte, mut recv_buffer) = ([0; 1], [0; 64]);
    let (info, ancillary) = rx
        .recv_with_ancillary(&mut byte, &mut recv_buffer)
        .await
        .unwrap();
    assert_eq!(info.bytes_read(), 1);
    let mut messages = ancillary.into_messages();
    let Some(OwnedAncillaryMessage::FileDescriptors(mut fds)) = messages.next() else {
        panic!("no SCM_RIGHTS message");
    };
    let fd: OwnedFd = fds.next().expect("one fd");
    assert!(fds.next().is_none() && messages.next().is_none());
    drop(fd);
}

fn runtime() -> Runtime {
    Builder::new_current_thread().enable_io().build().unwrap()
}

/// How long `batch` takes, inside one `block_on`.
fn timed(runtime: &Runtime, batch: impl Future<Output = ()>) -> Duration {
    runtime.block_on(async {
        let start = Instant::now();
        batch.await;
        start.elapsed()
    })
}

fn stream(c: &mut Criterion) {
    let file = File::open("/dev/null").unwrap();
    let mut control = ControlBuffer::for_fds(1);
    let mut group = c.benchmark_group("stream_round_trip");

    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    group.bench_function("sync", |b| {
        b.iter(|| sync_round_trip(&tx, &rx, &file, &mut control))
    });

    let runtime = runtime();
    let (tx, rx) = runtime
        .block_on(async { tokio::net::UnixStream::pair() })
        .unwrap();
    group.bench_function("async", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, async {
                for _ in 0..iters {
                    async_round_trip(&tx, &rx, &file, &mut control).await;
                }
            })
        })
    });
    group.finish();
}

fn seqpacket(c: &mut Criterion) {
    let file = File::open("/dev/null").unwrap();
    let mut control = ControlBuffer::for_fds(1);
    let mut group = c.benchmark_group("seqpacket_round_trip");

    let (tx, rx) = socket::socketpair(SocketKind::SeqPacket).unwrap();
    group.bench_function("sync", |b| {
        b.iter(|| sync_round_trip(&tx, &rx, &file, &mut control))
    });

    let runtime = runtime();
    let (tx, rx) = {
        let _entered = runtime.enter();
        let (tx, rx) = socket::socketpair(SocketKind::SeqPacket).unwrap();
        (aio::register(tx).unwrap(), aio::register(rx).unwrap())
    };
    group.bench_function("async", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, async {
                for _ in 0..iters {
                    async_round_trip(&tx, &rx, &file, &mut control).await;
                }
            })
        })
    });

    let (tx, rx) = {
        let _entered = runtime.enter();
        UnixSeqpacket::pair().unwrap()
    };
    group.bench_function("tokio_seqpacket", |b| {
        b.iter_custom(|iters| {
            timed(&runtime, async {
                for _ in 0..iters {
                    tokio_seqpacket_round_trip(&tx, &rx, &file).await;
                }
            })
        })
    });
    group.finish();
}

criterion_group!(benches, stream, seqpacket);
criterion_main!(benches);
