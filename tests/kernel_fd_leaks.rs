//! No descriptor leaks: the number of open fds (`/proc/self/fd`) is the same
//! before and after truncated receives, refused sends, peeks, receives that
//! would block or were interrupted, and receives at `RLIMIT_NOFILE`. These tests count
//! the process's descriptors, so they live alone in this binary and take a
//! lock so they never run at the same time as each other. They hold with
//! descriptors inherited from the parent at any numbers, gaps between them.

use std::fs::File;
use std::io::ErrorKind;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::thread::JoinHandleExt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use sockcmsg::model::Model;
use sockcmsg::socket::{self, ControlBuffer, RecvOptions, SocketKind, SocketOption};
use sockcmsg::Layout;

static COUNTING: Mutex<()> = Mutex::new(());

/// Takes [`COUNTING`], poisoned or not: a test that fails holding it drops
/// what it holds as it unwinds (its descriptors, a lowered limit), and the
/// counts are taken afresh in each test, so the others still run and each
/// failure is its own.
fn counting() -> MutexGuard<'static, ()> {
    COUNTING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Control buffer sizes and the fds (of 3 sent) the kernel installs into
/// each: as many whole 4-byte fds as fit after the header, padding
/// included, so a cmsg_space(4) buffer (24 bytes on 64-bit) receives 2.
#[cfg(target_pointer_width = "64")]
const TRUNCATION: [(usize, usize); 7] = [
    (16, 0),
    (19, 0),
    (20, 1),
    (24, 2),
    (27, 2),
    (28, 3),
    (64, 3),
];
/// The same with the 12-byte header of 32-bit processes.
#[cfg(target_pointer_width = "32")]
const TRUNCATION: [(usize, usize); 7] = [
    (12, 0),
    (15, 0),
    (16, 1),
    (19, 1),
    (20, 2),
    (24, 3),
    (64, 3),
];

/// A one-fd buffer (`cmsg_space(4)` bytes) and the fds the kernel installs
/// into it (of 3 sent): its padding holds a second fd on 64-bit, none on
/// 32-bit (the rows 24 and 16 of [`TRUNCATION`]).
#[cfg(target_pointer_width = "64")]
const ONE_FD_BUFFER: (usize, usize) = (24, 2);
#[cfg(target_pointer_width = "32")]
const ONE_FD_BUFFER: (usize, usize) = (16, 1);

fn open_fds() -> usize {
    // The directory handle itself is one of the entries, every time.
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

#[test]
fn truncated_control_buffers_install_what_fits_and_leak_nothing() {
    let _lock = counting();
    let before = open_fds();
    {
        let file = File::open("/dev/null").unwrap();
        let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
        for (size, installed) in TRUNCATION {
            socket::send(tx.as_fd(), b"x", &[file.as_fd(); 3], None).unwrap();
            let mut control = ControlBuffer::with_len(size);
            let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
            assert_eq!(received.fds.len(), installed, "{size}-byte buffer");
            assert_eq!(
                received.control_truncated,
                installed < 3,
                "{size}-byte buffer"
            );
            let msgs = sockcmsg::parse_socket_control_message(received.control()).unwrap();
            let parsed: Vec<i32> = msgs
                .iter()
                .flat_map(|msg| sockcmsg::parse_unix_rights(msg).unwrap())
                .collect();
            let owned: Vec<i32> = received.fds.iter().map(AsRawFd::as_raw_fd).collect();
            assert_eq!(parsed, owned, "{size}-byte buffer");
        }
    }
    assert_eq!(open_fds(), before);
}

#[test]
fn sending_a_closed_fd_is_ebadf_and_leaks_nothing() {
    let _lock = counting();
    let before = open_fds();
    {
        let (tx, _rx) = socket::socketpair(SocketKind::Datagram).unwrap();
        let file = File::open("/dev/null").unwrap();
        // A number far above any open descriptor, so it cannot be reused.
        let closed = 100_000;
        assert!(!is_open(closed), "descriptor {closed} is open");
        for fds in [vec![closed], vec![file.as_raw_fd(), closed]] {
            let control = sockcmsg::unix_rights(&fds).unwrap();
            // SAFETY: `file` is open for the call, and no descriptor of
            // this process has the number `closed`.
            let err =
                unsafe { socket::send_control_unchecked(tx.as_fd(), b"x", &control) }.unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{fds:?}");
        }
    }
    assert_eq!(open_fds(), before);
}

#[test]
fn fds_past_the_cap_are_closed_and_counted() {
    let _lock = counting();
    let file = File::open("/dev/null").unwrap();
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    let (len, room) = ONE_FD_BUFFER;
    socket::send(tx.as_fd(), b"x", &[file.as_fd(); 3], None).unwrap();
    let before = open_fds();
    let mut control = ControlBuffer::for_fds(1);
    assert_eq!(control.len(), len);
    let options = RecvOptions::default().max_fds(1);
    let received = socket::recv_with(rx.as_fd(), &mut [0; 1], &mut control, options).unwrap();
    assert_eq!(received.fds.len(), 1);
    assert_eq!(received.fds_closed, room - 1);
    let msgs = sockcmsg::parse_socket_control_message(received.control()).unwrap();
    assert_eq!(sockcmsg::parse_unix_rights(&msgs[0]).unwrap().len(), room);
    assert_eq!(open_fds(), before + 1, "only the kept descriptor is open");
    drop(received);
    assert_eq!(open_fds(), before);
}

/// With the process at `RLIMIT_NOFILE`, the kernel cannot install the
/// pidfd: it writes `-EMFILE` into the `SCM_PIDFD` message, and `recv`
/// reports no pidfd, owning nothing.
#[test]
fn at_the_descriptor_limit_the_pidfd_is_none() {
    let _lock = counting();
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    match socket::set_option(rx.as_fd(), SocketOption::PassPidfd, true) {
        Ok(()) => {}
        Err(err) if err.raw_os_error() == Some(libc::ENOPROTOOPT) => {
            println!("skipped: this kernel has no SO_PASSPIDFD ({err})");
            return;
        }
        Err(err) => panic!("SO_PASSPIDFD: {err}"),
    }
    socket::send(tx.as_fd(), b"x", &[], None).unwrap();
    let mut control = ControlBuffer::with_len(sockcmsg::cmsg_space(4));
    let before = open_fds();
    let received = with_fd_room(0, || socket::recv(rx.as_fd(), &mut [0; 1], &mut control));
    let received = received.unwrap();
    assert!(received.pidfd.is_none());
    let msgs = sockcmsg::parse_socket_control_message(received.control()).unwrap();
    assert_eq!(msgs[0].data, (-libc::EMFILE).to_ne_bytes());
    drop(received);
    assert_eq!(open_fds(), before);
}

/// Whether `fd` is an open descriptor of this process.
fn is_open(fd: libc::c_int) -> bool {
    // SAFETY: F_GETFD only reads the descriptor's flags; it fails (EBADF)
    // for a number that is not open.
    unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
}

/// Runs `f` with `RLIMIT_NOFILE` lowered so that exactly `room` descriptor
/// numbers below it are free, and restores it, also if `f` panics. The
/// kernel installs each new descriptor at the lowest free number below the
/// limit, and descriptors inherited from the parent may sit at any numbers,
/// with gaps: so the limit is the `room`-th free number (from 0), counting
/// up from 0 (the tests hold [`COUNTING`], so nothing opens one meanwhile).
fn with_fd_room<T>(room: usize, f: impl FnOnce() -> T) -> T {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit to write into.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    let end = (0..libc::c_int::MAX)
        .filter(|&fd| !is_open(fd))
        .nth(room)
        .expect("a free descriptor number");
    let lowered = libc::rlimit {
        rlim_cur: end as libc::rlim_t,
        ..limit
    };
    assert!(
        lowered.rlim_cur <= limit.rlim_max,
        "room {room}: {end} is past the hard limit"
    );
    // SAFETY: plain values.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lowered) }, 0);
    let _restore = RestoreLimit(limit);
    f()
}

/// Sets `RLIMIT_NOFILE` back to what it holds when dropped.
struct RestoreLimit(libc::rlimit);

impl Drop for RestoreLimit {
    fn drop(&mut self) {
        // SAFETY: plain values, the limit as getrlimit gave it.
        let restored = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &self.0) } == 0;
        // A second panic while unwinding would abort the whole binary.
        if !restored && !std::thread::panicking() {
            panic!(
                "restoring RLIMIT_NOFILE: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Under `RLIMIT_NOFILE` pressure the kernel installs what the limit lets
/// it, drops the rest with `MSG_CTRUNC` (as the model says), and `recv`
/// owns exactly what was installed.
#[test]
fn at_the_descriptor_limit_what_was_installed_is_owned_and_nothing_leaks() {
    let _lock = counting();
    let model = Model::new(Layout::HOST);
    let file = File::open("/dev/null").unwrap();
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    for room in 0..=3 {
        socket::send(tx.as_fd(), b"x", &[file.as_fd(); 3], None).unwrap();
        let mut control = ControlBuffer::for_fds(3);
        let expected = model.kernel_receive(control.len() as u128, false, 3, room as u128);
        let before = open_fds();
        let received = with_fd_room(room, || socket::recv(rx.as_fd(), &mut [0; 1], &mut control));
        let received = received.unwrap();
        assert_eq!(
            received.fds.len() as u128,
            expected.fds_installed,
            "room {room}"
        );
        assert_eq!(
            received.control_truncated, expected.truncated,
            "room {room}"
        );
        assert_eq!(open_fds(), before + received.fds.len(), "room {room}");
        drop(received);
        assert_eq!(open_fds(), before, "room {room}");
    }
}

/// `MSG_PEEK` installs the descriptors too: each peek owns its copies, and
/// the read after it owns its own.
#[test]
fn each_peek_owns_its_copies_and_the_read_its_own() {
    let _lock = counting();
    let file = File::open("/dev/null").unwrap();
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    socket::send(tx.as_fd(), b"x", &[file.as_fd(); 2], None).unwrap();
    let before = open_fds();
    let mut control = ControlBuffer::for_fds(2);
    for _ in 0..2 {
        let peek = RecvOptions::default().flags(libc::MSG_PEEK);
        let peeked = socket::recv_with(rx.as_fd(), &mut [0; 1], &mut control, peek).unwrap();
        assert_eq!(peeked.fds.len(), 2);
        assert_eq!(open_fds(), before + 2);
    }
    assert_eq!(open_fds(), before, "the peeks' copies were closed");
    let read = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert_eq!((read.bytes, read.fds.len()), (1, 2));
    drop(read);
    assert_eq!(open_fds(), before);
    let nothing_left = RecvOptions::default().flags(libc::MSG_DONTWAIT);
    let err = socket::recv_with(rx.as_fd(), &mut [0; 1], &mut control, nothing_left).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
}

/// A receive that would block (`EAGAIN`) takes nothing and leaves the
/// descriptors sent after it to the next one.
#[test]
fn a_receive_that_would_block_takes_nothing() {
    let _lock = counting();
    let file = File::open("/dev/null").unwrap();
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    let before = open_fds();
    let mut control = ControlBuffer::for_fds(1);
    let dont_wait = RecvOptions::default().flags(libc::MSG_DONTWAIT);
    let err = socket::recv_with(rx.as_fd(), &mut [0; 1], &mut control, dont_wait).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WouldBlock);
    assert_eq!(open_fds(), before);
    socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();
    let received = socket::recv_with(rx.as_fd(), &mut [0; 1], &mut control, dont_wait).unwrap();
    assert_eq!(received.fds.len(), 1);
    drop(received);
    assert_eq!(open_fds(), before);
}

/// A blocked receive interrupted by a signal (a handler without
/// `SA_RESTART`) returns `EINTR` as `Interrupted`, takes nothing, and is
/// not retried behind the caller's back; the next receive gets the fds.
#[test]
fn an_interrupted_receive_takes_nothing() {
    extern "C" fn interrupt(_: libc::c_int) {}
    let _lock = counting();
    // SAFETY: an all-zero sigaction is valid (no flags, empty mask); the
    // handler does nothing, so it is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    let file = File::open("/dev/null").unwrap();
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    let before = open_fds();
    let receiver = std::thread::spawn(move || {
        let mut control = ControlBuffer::for_fds(1);
        let result = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).map(|r| r.fds.len());
        (result.map_err(|err| err.kind()), rx)
    });
    while !receiver.is_finished() {
        std::thread::sleep(Duration::from_millis(10));
        // SAFETY: the thread is not joined yet, so its pthread_t is valid
        // (signalling a thread that has just returned is harmless). std
        // gives it as a number; musl's pthread_t is a pointer.
        unsafe { libc::pthread_kill(receiver.as_pthread_t() as libc::pthread_t, libc::SIGUSR1) };
    }
    let (result, rx) = receiver.join().unwrap();
    assert_eq!(result, Err(ErrorKind::Interrupted));
    assert_eq!(open_fds(), before);
    socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();
    let mut control = ControlBuffer::for_fds(1);
    let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert_eq!(received.fds.len(), 1);
    drop(received);
    assert_eq!(open_fds(), before);
}

/// A batch owns every datagram's descriptors: those that fit each slot's
/// control storage (as the model says for its size), none leaked from the
/// datagrams cut short, all closed when the batch is dropped.
#[test]
fn a_received_batch_owns_every_datagrams_fds() {
    use sockcmsg::socket::{SendDatagram, SendMessage, SendOptions};
    use std::io::IoSlice;

    let _lock = counting();
    let model = Model::new(Layout::HOST);
    let file = File::open("/dev/null").unwrap();
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    let fds = [file.as_fd(); 3];
    let rights = [SendMessage::Rights(&fds)];
    let data = [IoSlice::new(b"x")];
    let datagram = SendDatagram {
        data: &data,
        msgs: &rights,
        to: None,
    };
    let sent = socket::send_batch(tx.as_fd(), &[datagram; 3], SendOptions::default()).unwrap();
    assert_eq!(sent, [1, 1, 1]);
    let before = open_fds();
    let sizes = [0, 1, 3].map(ControlBuffer::for_fds);
    let expected: Vec<u128> = sizes
        .iter()
        .map(|control| {
            model
                .kernel_receive(control.len() as u128, false, 3, u128::MAX)
                .fds_installed
        })
        .collect();
    let mut data = [[0u8; 1]; 3];
    let slots = data.iter_mut().map(|data| &mut data[..]).zip(sizes);
    let batch = socket::recv_batch(rx.as_fd(), slots, RecvOptions::default()).unwrap();
    let owned: Vec<u128> = batch
        .iter()
        .map(|received| received.fds.len() as u128)
        .collect();
    assert_eq!(owned, expected);
    assert_eq!(
        open_fds() as u128,
        before as u128 + expected.iter().sum::<u128>()
    );
    drop(batch);
    assert_eq!(open_fds(), before);
}
