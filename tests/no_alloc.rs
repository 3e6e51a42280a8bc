//! The zero-copy paths allocate nothing: `messages`, the `fds` iterator,
//! `encode_into`, `socket::send` with credentials and a few fds, and the
//! vectored `send_with` and `recv_vectored` run
//! under a global allocator that counts this thread's allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use sockcmsg::{ControlMessage, Ucred};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is passed on as it is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is passed on as it is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller's contract is passed on as it is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns what it returned and how many allocations this
/// thread made meanwhile.
fn allocations<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (out, ALLOCATIONS.with(Cell::get) - before)
}

/// Rights, credentials and another type, with fds summing to 18.
const MESSAGES: [ControlMessage<'static>; 4] = [
    ControlMessage::Rights(&[3, 4, 5]),
    ControlMessage::Credentials(Ucred {
        pid: 1,
        uid: 2,
        gid: 3,
    }),
    ControlMessage::Other {
        level: 41,
        kind: 50,
        data: &[1, 2, 3],
    },
    ControlMessage::Rights(&[6]),
];

fn sample() -> Vec<u8> {
    sockcmsg::encode(&MESSAGES).unwrap()
}

#[test]
fn the_counter_sees_allocations() {
    let (v, n) = allocations(|| vec![1u8; 100]);
    assert_eq!((v.len(), n), (100, 1));
}

#[test]
fn walking_messages_and_fds_allocates_nothing() {
    let buf = sample();
    let (fd_sum, n) = allocations(|| {
        let mut sum = 0;
        for msg in sockcmsg::messages(&buf) {
            let msg = msg.unwrap();
            if let Ok(fds) = sockcmsg::fds(&msg) {
                // Bounded, so that an iterator that does not end fails.
                let count = fds.len();
                sum += fds.take(count).sum::<i32>();
            }
        }
        sum
    });
    assert_eq!(fd_sum, 3 + 4 + 5 + 6);
    assert_eq!(n, 0);
}

#[test]
fn errors_allocate_nothing() {
    let mut buf = sample();
    buf[0] = 0xff;
    // One step past the error: a walk that failed to end fails here, fast.
    let (items, n) = allocations(|| sockcmsg::messages(&buf).take(2).count());
    assert_eq!((items, n), (1, 0));
    assert!(sockcmsg::messages(&buf)
        .next()
        .is_some_and(|item| item.is_err()));
}

#[test]
fn encoding_into_a_callers_buffer_allocates_nothing() {
    let mut buf = [0u8; 256];
    let (written, n) = allocations(|| sockcmsg::encode_into(&MESSAGES, &mut buf).unwrap());
    assert_eq!(n, 0);
    assert_eq!(&buf[..written], sample());
}

#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn sending_credentials_and_a_few_fds_allocates_nothing() {
    use sockcmsg::socket::{self, ControlBuffer, SocketKind};
    use std::os::fd::AsFd;

    let (a, b) = socket::socketpair(SocketKind::Datagram).unwrap();
    let file = std::fs::File::open("/dev/null").unwrap();
    let fds = [file.as_fd(); 4];
    let cred = Ucred {
        pid: std::process::id() as i32,
        // SAFETY: getuid and getgid have no preconditions and cannot fail.
        uid: unsafe { libc::getuid() },
        // SAFETY: as above.
        gid: unsafe { libc::getgid() },
    };
    let (sent, n) = allocations(|| socket::send(a.as_fd(), b"x", &fds, Some(&cred)));
    assert_eq!((sent.unwrap(), n), (1, 0));
    // 16 fds do not fit on the stack: the control data goes to the heap.
    let fds = [file.as_fd(); 16];
    let (sent, n) = allocations(|| socket::send(a.as_fd(), b"x", &fds, Some(&cred)));
    assert_eq!((sent.unwrap(), n), (1, 1));

    let mut control = ControlBuffer::for_credentials_and_fds(16);
    for count in [4, 16] {
        let received = socket::recv(b.as_fd(), &mut [0; 1], &mut control).unwrap();
        assert_eq!(received.fds.len(), count);
    }
}

/// A gathering send of several slices with a mix of messages, and a
/// receive with no descriptor (whose `Received::fds` stays an empty,
/// unallocated `Vec`), allocate nothing.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[test]
fn vectored_sends_and_receives_without_fds_allocate_nothing() {
    use sockcmsg::socket::{
        self, ControlBuffer, RecvOptions, SendMessage, SendOptions, SocketKind,
    };
    use std::io::{IoSlice, IoSliceMut};
    use std::os::fd::AsFd;

    let (a, b) = socket::socketpair(SocketKind::Datagram).unwrap();
    let file = std::fs::File::open("/dev/null").unwrap();
    let fds = [file.as_fd()];
    let msgs = [
        SendMessage::Rights(&fds),
        SendMessage::Rights(&fds),
        SendMessage::Other {
            level: libc::SOL_SOCKET,
            kind: 1234,
            data: &[],
        },
    ];
    let data = [IoSlice::new(b"ab"), IoSlice::new(b"c")];
    let options = SendOptions::default().flags(libc::MSG_DONTWAIT);
    // The kernel refuses the unknown type, after the encoding: what is
    // counted is the path to the system call.
    let (sent, n) = allocations(|| socket::send_with(a.as_fd(), &data, &msgs, options));
    assert_eq!(
        (sent.unwrap_err().raw_os_error(), n),
        (Some(libc::EINVAL), 0)
    );
    let (sent, n) = allocations(|| socket::send_with(a.as_fd(), &data, &msgs[..2], options));
    assert_eq!((sent.unwrap(), n), (3, 0));
    let mut control = ControlBuffer::for_fds(2);
    drop(socket::recv(b.as_fd(), &mut [0; 3], &mut control).unwrap());

    socket::send_with(a.as_fd(), &data, &[], options).unwrap();
    let (mut first, mut second) = ([0; 1], [0; 2]);
    let (received, n) = allocations(|| {
        let mut slices = [IoSliceMut::new(&mut first), IoSliceMut::new(&mut second)];
        socket::recv_vectored(b.as_fd(), &mut slices, &mut control, RecvOptions::default())
            .map(|received| received.bytes)
    });
    assert_eq!((received.unwrap(), n), (3, 0));
}
