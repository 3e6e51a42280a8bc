//! io_uring live: a multishot `IORING_OP_RECVMSG` with provided buffers
//! (the `io-uring` crate, as its users submit one) on a Unix datagram
//! socketpair. Each completion is split by `parse_recvmsg_out` and its
//! descriptors owned by `take_completion_fds`; none is leaked (the copies
//! of a marker file in `/proc/self/fd`); a control region too small for
//! the fds gets what `Model::uring_receive` says. Where the kernel or a
//! sandbox refuses io_uring, each test says why and passes without
//! running: the parser's own tests (`tests/uring.rs`) still run. The
//! `io-uring` crate builds only for the 64-bit architectures it has
//! bindings for, so 32-bit processes (the i686 suite) skip this file.
#![cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "loongarch64",
        target_arch = "powerpc64"
    )
))]

use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use io_uring::{cqueue, opcode, types, IoUring};
use sockcmsg::model::{Model, UringDatagram, UringSubmission};
use sockcmsg::socket::{self, take_completion_fds, SocketKind, SocketOption};
use sockcmsg::Layout;

#[allow(dead_code, reason = "these tests use the marker, not the async cases")]
mod support;
use support::Marker;

/// The provided buffers: how many, and each one's size.
const BUFFERS: u16 = 16;
const BUFFER_LEN: usize = 256;
/// Their group: each receive provides a new group's buffers, in a ring of
/// its own, so no buffer of an earlier receive is ever picked.
const GROUP: u16 = 7;

/// A ring, or `None` (after saying why) where io_uring is refused.
fn ring() -> Option<IoUring> {
    match IoUring::new(32) {
        Ok(ring) => Some(ring),
        Err(err) => {
            eprintln!(
                "skipped: io_uring_setup failed ({err}): this kernel or sandbox refuses io_uring"
            );
            None
        }
    }
}

/// Submits `entry` and waits for its completion's result.
fn run(ring: &mut IoUring, entry: &io_uring::squeue::Entry) -> i32 {
    // SAFETY: the entry's buffers outlive the wait below, which reaps it.
    unsafe { ring.submission().push(entry) }.expect("a free submission slot");
    ring.submit_and_wait(1).unwrap();
    ring.completion().next().expect("a completion").result()
}

/// Hands `BUFFERS` buffers of `storage` to the kernel as group `GROUP`.
fn provide(ring: &mut IoUring, storage: &mut [u8]) {
    let provide =
        opcode::ProvideBuffers::new(storage.as_mut_ptr(), BUFFER_LEN as i32, BUFFERS, GROUP, 0)
            .build();
    assert!(run(ring, &provide) >= 0);
}

/// The multishot receive's `user_data`.
const RECEIVE: u64 = 1;

/// Receives `count` datagrams on `rx` with one multishot recvmsg whose
/// control region is `control_len` bytes (no name region), each
/// completion handed to `each` with its buffer; then cancels the receive
/// and waits for its last completion, so that the kernel is done with the
/// buffers before they are freed.
fn receive(
    ring: &mut IoUring,
    rx: &OwnedFd,
    control_len: usize,
    count: usize,
    mut each: impl FnMut(&mut [u8]),
) {
    let mut storage = vec![0u8; usize::from(BUFFERS) * BUFFER_LEN];
    provide(ring, &mut storage);
    // SAFETY: an all-zero msghdr is valid: no name, no iovec, no control.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_controllen = control_len as _;
    let recv = opcode::RecvMsgMulti::new(types::Fd(rx.as_raw_fd()), &msg, GROUP)
        .flags(libc::MSG_CMSG_CLOEXEC as u32)
        .build()
        .user_data(RECEIVE);
    // SAFETY: `msg` and `storage` outlive the request: it is cancelled,
    // and its last completion reaped, below.
    unsafe { ring.submission().push(&recv) }.expect("a free submission slot");
    let mut seen = 0;
    let mut ended = false;
    while !ended {
        if seen == count {
            let cancel = opcode::AsyncCancel::new(RECEIVE).build().user_data(2);
            // SAFETY: the entry holds no buffer.
            unsafe { ring.submission().push(&cancel) }.expect("a free submission slot");
            seen += 1;
        }
        ring.submit_and_wait(1).unwrap();
        let done: Vec<(u64, i32, u32)> = ring
            .completion()
            .map(|cqe| (cqe.user_data(), cqe.result(), cqe.flags()))
            .collect();
        for (user_data, res, flags) in done {
            if user_data != RECEIVE {
                continue;
            }
            ended |= !cqueue::more(flags);
            if res == -libc::ECANCELED || res == -libc::ENOBUFS {
                continue;
            }
            assert!(
                res >= 0,
                "the receive failed: {}",
                std::io::Error::from_raw_os_error(-res)
            );
            assert!(seen < count, "more datagrams than were sent");
            let id = usize::from(cqueue::buffer_select(flags).expect("a provided buffer"));
            each(&mut storage[id * BUFFER_LEN..][..res as usize]);
            seen += 1;
        }
    }
    assert!(
        seen > count,
        "the receive ended after {seen} of {count} datagrams"
    );
}

/// 12 datagrams, each with credentials and 2 copies of the marker, into
/// control regions with room for both: each completion splits, its fds
/// name the marker and are owned once, its credentials are this
/// process's; nothing is left open.
#[test]
fn multishot_completions_split_and_every_fd_is_owned() {
    let Some(mut ring) = ring() else { return };
    let marker = Marker::new();
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true).unwrap();
    let layout = Layout::HOST;
    let control_len = layout.cmsg_space(12) + layout.cmsg_space(8);
    for n in 0..12u8 {
        socket::send(tx.as_fd(), &[n], &[marker.file.as_fd(); 2], None).unwrap();
    }
    let mut next = 0u8;
    receive(&mut ring, &rx, control_len, 12, |buf| {
        let out = sockcmsg::parse_recvmsg_out(buf, 0, control_len as u32).unwrap();
        assert_eq!(out.payload, [next]);
        assert!(!out.control_truncated() && !out.payload_truncated());
        // SAFETY: the kernel wrote this completion for this process, and
        // nothing took its fds yet.
        let taken = unsafe { take_completion_fds(buf, 0, control_len as u32, usize::MAX) }.unwrap();
        assert_eq!(taken.fds.len(), 2);
        assert!(taken.fds.iter().all(|fd| marker.is(fd)));
        assert_eq!(
            taken.credentials.map(|cred| cred.pid),
            Some(std::process::id() as i32)
        );
        // SAFETY: as above: the first call overwrote every number it took.
        let again = unsafe { take_completion_fds(buf, 0, control_len as u32, usize::MAX) }.unwrap();
        assert!(again.fds.is_empty());
        next += 1;
    });
    drop(ring);
    assert_eq!(marker.copies(), 1);
}

/// 3 fds sent into control regions of each size from nothing to room for
/// all: the kernel installs what `Model::uring_receive` says (the fds that
/// fit after one header, padding included), reports `MSG_CTRUNC` when it
/// says, and writes `controllen` and `res` as it says; every installed fd
/// is owned and closed.
#[test]
fn control_regions_too_small_install_what_the_model_says() {
    let marker = Marker::new();
    let model = Model::new(Layout::HOST);
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    let full = Layout::HOST.cmsg_space(12);
    for control_len in [
        0,
        Layout::HOST.cmsg_len(0),
        Layout::HOST.cmsg_len(4),
        Layout::HOST.cmsg_space(4),
        full,
    ] {
        socket::send(tx.as_fd(), b"xyz", &[marker.file.as_fd(); 3], None).unwrap();
        let submission = UringSubmission {
            name_len: 0,
            control_len: control_len as u128,
            buffer_len: BUFFER_LEN as u128,
            msg_trunc: false,
        };
        let datagram = UringDatagram {
            name_len: 0,
            payload_len: 3,
            credentials: false,
            fds: 3,
        };
        let expected = model
            .uring_receive(submission, datagram, u128::MAX)
            .unwrap();
        let Some(mut ring) = ring() else { return };
        receive(&mut ring, &rx, control_len, 1, |buf| {
            assert_eq!(buf.len() as u128, expected.res, "{control_len}-byte region");
            let out = sockcmsg::parse_recvmsg_out(buf, 0, control_len as u32).unwrap();
            assert_eq!(
                out.control.len() as u128,
                expected.controllen,
                "{control_len}-byte region"
            );
            assert_eq!(
                out.control_truncated(),
                expected.control.truncated,
                "{control_len}-byte region"
            );
            assert_eq!(out.payload, b"xyz");
            // SAFETY: the kernel wrote this completion for this process, and
            // nothing took its fds yet.
            let taken =
                unsafe { take_completion_fds(buf, 0, control_len as u32, usize::MAX) }.unwrap();
            assert_eq!(
                taken.fds.len() as u128,
                expected.control.fds_installed,
                "{control_len}-byte region"
            );
            assert!(taken.fds.iter().all(|fd| marker.is(fd)));
        });
        assert_eq!(marker.copies(), 1, "{control_len}-byte region");
    }
}
