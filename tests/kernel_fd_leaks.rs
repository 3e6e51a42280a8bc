//! No descriptor leaks: the number of open fds (`/proc/self/fd`) is the same
//! before and after truncated receives and refused sends. These tests count
//! the process's descriptors, so they live alone in this binary and take a
//! lock so they never run at the same time as each other.

use std::fs::File;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Mutex;

use sockcmsg::socket::{self, ControlBuffer, SocketKind};

static COUNTING: Mutex<()> = Mutex::new(());

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

fn open_fds() -> usize {
    // The directory handle itself is one of the entries, every time.
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

#[test]
fn truncated_control_buffers_install_what_fits_and_leak_nothing() {
    let _lock = COUNTING.lock().unwrap();
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
            let msgs = sockcmsg::parse_socket_control_message(received.control).unwrap();
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
    let _lock = COUNTING.lock().unwrap();
    let before = open_fds();
    {
        let (tx, _rx) = socket::socketpair(SocketKind::Datagram).unwrap();
        let file = File::open("/dev/null").unwrap();
        // A number far above any open descriptor, so it cannot be reused.
        let closed = 100_000;
        for fds in [vec![closed], vec![file.as_raw_fd(), closed]] {
            let control = sockcmsg::unix_rights(&fds);
            let err = socket::send_control(tx.as_fd(), b"x", &control).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EBADF), "{fds:?}");
        }
    }
    assert_eq!(open_fds(), before);
}
