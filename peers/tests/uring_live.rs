//! liburing drops a last control message the kernel wrote unpadded,
//! confirmed on the live kernel: a multishot `IORING_OP_RECVMSG` (the
//! `io-uring` crate) on a Unix datagram socketpair with `SO_PASSCRED` on
//! the receiver, one datagram carrying one fd, a control region of
//! `CMSG_SPACE(12) + CMSG_LEN(4)` bytes (52 on 64-bit). The kernel writes
//! the credentials and then `SCM_RIGHTS` whole, the last without its
//! padding: `controllen` 52, no `MSG_CTRUNC`, the fd installed. liburing's
//! `io_uring_recvmsg_cmsg_nexthdr` (`<liburing.h>` lines 817-836, Debian's
//! liburing-dev 2.3) refuses the `SCM_RIGHTS` header at line 832,
//! `cmsg + CMSG_ALIGN(cmsg->cmsg_len) > end` (32 + 24 > 52), so a program
//! walking with it never sees the fd: it leaks. The `io-uring` crate's
//! split with libc's walk finds both messages. A control region with the
//! padding (`CMSG_SPACE(4)`, 56 bytes) is the control case: liburing finds
//! both there. The `io-uring` crate builds only for 64-bit architectures,
//! as in sockcmsg's `tests/kernel_uring.rs`, which this gates like.
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
use sockcmsg::conformance::{Implementation, Parsed, ParsedCompletion};
use sockcmsg::socket::{self, take_completion_fds, SocketKind, SocketOption};
use sockcmsg::Layout;
use sockcmsg_peers::io_uring_crate::IoUringCrate;
use sockcmsg_peers::liburing::Liburing;

/// The one provided buffer's size, and its group.
const BUFFER_LEN: usize = 256;
const GROUP: u16 = 7;
/// The multishot receive's `user_data`.
const RECEIVE: u64 = 1;

const CREDENTIALS: (i32, i32) = (libc::SOL_SOCKET, libc::SCM_CREDENTIALS);
const RIGHTS: (i32, i32) = (libc::SOL_SOCKET, libc::SCM_RIGHTS);

/// What was seen of the one completion.
struct Seen {
    /// The header's `controllen` and `flags`.
    controllen: usize,
    flags: u32,
    /// (level, type) of each message, as sockcmsg, liburing and the
    /// `io-uring` crate walk the control region.
    sockcmsg: Vec<(i32, i32)>,
    liburing: Vec<(i32, i32)>,
    io_uring_crate: Vec<(i32, i32)>,
    /// The fds sockcmsg's `SCM_RIGHTS` message holds.
    rights: usize,
    /// The fds the kernel installed, owned (closed when dropped).
    taken: Vec<OwnedFd>,
}

/// Sends one datagram with one fd to a receiver with `SO_PASSCRED`, takes
/// it with a multishot recvmsg whose control region is `control_len`
/// bytes (no name region), and walks the completion; or `None` (after
/// saying why) where io_uring is refused.
fn receive_one(control_len: usize) -> Option<Seen> {
    let mut ring = match IoUring::new(8) {
        Ok(ring) => ring,
        Err(err) => {
            eprintln!(
                "skipped: io_uring_setup failed ({err}): this kernel or sandbox refuses io_uring"
            );
            return None;
        }
    };
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true).unwrap();
    let file = std::fs::File::open("/dev/null").unwrap();
    socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();

    let mut storage = vec![0u8; BUFFER_LEN];
    let provide =
        opcode::ProvideBuffers::new(storage.as_mut_ptr(), BUFFER_LEN as i32, 1, GROUP, 0).build();
    // SAFETY: `storage` outlives the ring's use of it: the receive that
    // takes the buffer is cancelled and its last completion reaped below.
    unsafe { ring.submission().push(&provide) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    let provided = ring.completion().next().unwrap().result();
    assert!(provided >= 0, "ProvideBuffers failed: {provided}");
    // SAFETY: an all-zero msghdr is valid: no name, no iovec, no control.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_controllen = control_len as _;
    let recv = opcode::RecvMsgMulti::new(types::Fd(rx.as_raw_fd()), &msg, GROUP)
        .flags(libc::MSG_CMSG_CLOEXEC as u32)
        .build()
        .user_data(RECEIVE);
    // SAFETY: `msg` and `storage` outlive the request: the loop below
    // ends only with its last completion.
    unsafe { ring.submission().push(&recv) }.unwrap();
    let mut res = None;
    let mut ended = false;
    while !ended {
        ring.submit_and_wait(1).unwrap();
        let done: Vec<(u64, i32, u32)> = ring
            .completion()
            .map(|cqe| (cqe.user_data(), cqe.result(), cqe.flags()))
            .collect();
        for (_, result, flags) in done.into_iter().filter(|c| c.0 == RECEIVE) {
            ended |= !cqueue::more(flags);
            if result == -libc::ECANCELED || result == -libc::ENOBUFS {
                continue;
            }
            assert!(
                result >= 0,
                "the receive failed: {}",
                std::io::Error::from_raw_os_error(-result)
            );
            assert!(res.is_none(), "one datagram sent, a second completion");
            assert_eq!(cqueue::buffer_select(flags), Some(0), "the one buffer");
            res = Some(result as usize);
            let cancel = opcode::AsyncCancel::new(RECEIVE).build().user_data(2);
            // SAFETY: the entry holds no buffer.
            unsafe { ring.submission().push(&cancel) }.unwrap();
        }
    }
    let res = res.expect("a completion with the datagram");
    let buf = &mut storage[..res];

    let control_len = u32::try_from(control_len).unwrap();
    let out = sockcmsg::parse_recvmsg_out(buf, 0, control_len).unwrap();
    let messages: Vec<_> = out.messages().collect::<Result<_, _>>().unwrap();
    let rights = messages
        .iter()
        .filter(|m| (m.header.level, m.header.kind) == RIGHTS)
        .map(|m| sockcmsg::parse_unix_rights(m).unwrap().len())
        .sum();
    let (controllen, flags) = (out.control.len(), out.flags);
    let sockcmsg = messages
        .iter()
        .map(|m| (m.header.level, m.header.kind))
        .collect();
    let liburing = kinds(&Liburing, buf, control_len);
    let io_uring_crate = kinds(&IoUringCrate, buf, control_len);
    // SAFETY: the kernel wrote this completion for this process, and
    // nothing took its fds yet (the walks above only read).
    let taken = unsafe { take_completion_fds(buf, 0, control_len, usize::MAX) }.unwrap();
    println!("{control_len}-byte region: res {res}, controllen {controllen}, flags {flags:#x}");
    Some(Seen {
        controllen,
        flags,
        sockcmsg,
        liburing,
        io_uring_crate,
        rights,
        taken: taken.fds,
    })
}

/// (level, type) of each control message `peer` finds in the completion.
fn kinds(peer: &dyn Implementation, buf: &[u8], control_len: u32) -> Vec<(i32, i32)> {
    match peer.parse_completion(buf, 0, control_len) {
        Some(ParsedCompletion::Split(parts)) => match parts.control {
            Parsed::Messages(messages) => messages.iter().map(|m| (m.level, m.kind)).collect(),
            Parsed::Rejected(why) => panic!("{}: control rejected: {why}", peer.name()),
        },
        other => panic!("{}: the completion did not split: {other:?}", peer.name()),
    }
}

#[test]
fn liburing_drops_the_unpadded_scm_rights_the_kernel_wrote_and_its_fd_leaks() {
    let layout = Layout::HOST;
    let control_len = layout.cmsg_space(12) + layout.cmsg_len(4);
    let Some(seen) = receive_one(control_len) else {
        return;
    };
    assert_eq!(
        seen.controllen, control_len,
        "the kernel filled the region: both messages, the last without its padding"
    );
    assert_eq!(
        seen.flags & libc::MSG_CTRUNC as u32,
        0,
        "no MSG_CTRUNC: the kernel wrote every message whole"
    );
    assert_eq!(
        seen.sockcmsg,
        [CREDENTIALS, RIGHTS],
        "sockcmsg finds the credentials, then SCM_RIGHTS"
    );
    assert_eq!(seen.rights, 1, "SCM_RIGHTS holds the one fd sent");
    assert_eq!(seen.taken.len(), 1, "the kernel installed that fd");
    assert_eq!(
        seen.liburing,
        [CREDENTIALS],
        "the finding: liburing's nexthdr refuses the unpadded SCM_RIGHTS, so its fd is never seen"
    );
    assert_eq!(
        seen.io_uring_crate,
        [CREDENTIALS, RIGHTS],
        "the io-uring crate with libc's walk finds both messages"
    );
}

#[test]
fn with_the_padding_liburing_finds_both_messages() {
    let layout = Layout::HOST;
    let control_len = layout.cmsg_space(12) + layout.cmsg_space(4);
    let Some(seen) = receive_one(control_len) else {
        return;
    };
    assert_eq!(
        (seen.controllen, seen.flags & libc::MSG_CTRUNC as u32),
        (control_len, 0),
        "the kernel filled the region, padding included, without MSG_CTRUNC"
    );
    assert_eq!(seen.taken.len(), 1, "the kernel installed the fd");
    assert_eq!(
        seen.liburing,
        [CREDENTIALS, RIGHTS],
        "with the last message padded liburing finds it: only the missing padding hides it"
    );
}
