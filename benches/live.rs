//! One fd's round trip over a socketpair (send, receive, parse, close) with
//! the crate's helpers, against raw libc calls doing the same.

use criterion::{criterion_group, criterion_main, Criterion};
use sockcmsg::socket::{self, ControlBuffer, SocketKind};
use std::fs::File;
use std::os::fd::{AsFd, AsRawFd, RawFd};

#[allow(dead_code, reason = "each benchmark uses part of the shared inputs")]
mod common;

/// The raw libc round trip: sendmsg with a CMSG-built SCM_RIGHTS, recvmsg
/// with MSG_CMSG_CLOEXEC, CMSG_FIRSTHDR/CMSG_DATA to read the fd, close.
fn libc_round_trip(tx: RawFd, rx: RawFd, fd: RawFd, words: &mut [u64]) {
    let mut byte = [b'x'];
    // SAFETY: every pointer given to the kernel points at a live local
    // buffer of the stated length; the received fd is ours to close.
    unsafe {
        let mut iov = libc::iovec {
            iov_base: byte.as_mut_ptr().cast(),
            iov_len: 1,
        };
        let mut msg = common::msghdr_for(words);
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_len = libc::CMSG_LEN(4) as _;
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        libc::CMSG_DATA(cmsg).cast::<RawFd>().write_unaligned(fd);
        assert_eq!(libc::sendmsg(tx, &msg, libc::MSG_NOSIGNAL), 1);

        let mut msg = common::msghdr_for(words);
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        assert_eq!(libc::recvmsg(rx, &mut msg, libc::MSG_CMSG_CLOEXEC), 1);
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        assert!(!cmsg.is_null() && (*cmsg).cmsg_type == libc::SCM_RIGHTS);
        let received = libc::CMSG_DATA(cmsg).cast::<RawFd>().read_unaligned();
        libc::close(received);
    }
}

fn crate_round_trip(tx: &impl AsFd, rx: &impl AsFd, file: &File, control: &mut ControlBuffer) {
    socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();
    let received = socket::recv(rx.as_fd(), &mut [0; 1], control).unwrap();
    assert_eq!(received.fds.len(), 1);
    // Dropping `received` closes the fd.
}

fn round_trip(c: &mut Criterion) {
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    let file = File::open("/dev/null").unwrap();
    let mut group = c.benchmark_group("round_trip");
    let mut words = vec![0u64; sockcmsg::cmsg_space(4) / 8];
    group.bench_function("libc", |b| {
        b.iter(|| libc_round_trip(tx.as_raw_fd(), rx.as_raw_fd(), file.as_raw_fd(), &mut words))
    });
    let mut control = ControlBuffer::for_fds(1);
    group.bench_function("sockcmsg", |b| {
        b.iter(|| crate_round_trip(&tx, &rx, &file, &mut control))
    });
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);
