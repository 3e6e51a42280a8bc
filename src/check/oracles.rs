//! The oracles outside the crate: the C library's `CMSG_FIRSTHDR`/
//! `CMSG_NXTHDR` walk and the kernel's `sendmsg`, each compared with the
//! model's dialect of it (`crate::model::dialect`). The targets that call
//! them, [`libc_walk`](super::libc_walk) and [`kernel`](super::kernel),
//! say what each checks.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
use crate::ControlMessage;
use crate::{Cmsghdr, Layout};

use super::invariants::offset_in;

/// The body of [`libc_walk`](super::libc_walk): the C library's walk of
/// `bytes`, where the model's dialect of that library accepts them, must
/// be the dialect's.
#[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
pub(super) fn check_c_library_walk(bytes: &[u8]) {
    use crate::model::dialect::Answer;
    use crate::model::Model;
    use crate::sys::libc_walk::{walk, Header, OutOfBounds};

    let model = Model::new(Layout::HOST);
    let dialect = c_library_dialect();
    let Answer::Messages(messages) = dialect.walk(&model, bytes) else {
        return;
    };
    let as_usize = |n: u128| usize::try_from(n).expect("an offset in the buffer");
    let expected: Vec<Header> = messages
        .iter()
        .map(|msg| Header {
            offset: as_usize(msg.offset(&model)),
            len: as_usize(msg.len),
            level: msg.level,
            kind: msg.kind,
            data: as_usize(msg.data_at)..as_usize(msg.data_at.saturating_add(msg.data_len)),
        })
        .collect();
    match walk(bytes) {
        Ok(walked) => assert_eq!(
            walked, expected,
            "the C library's walk and the model's {dialect:?} disagree on {bytes:02x?}"
        ),
        Err(OutOfBounds { offset, len }) => panic!(
            "the C library's walk reached a header at offset {offset} with cmsg_len {len}, \
             out of bounds, in a buffer the model accepts: {bytes:02x?}"
        ),
    }
}

/// The model's dialect for the C library's walk: musl's, or the running
/// glibc's, which is probed once.
#[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
fn c_library_dialect() -> crate::model::dialect::Dialect {
    use crate::model::dialect::Dialect;
    #[cfg(target_env = "gnu")]
    if glibc_drops_an_unpadded_last_message() {
        return Dialect::GlibcBefore2023;
    }
    if cfg!(target_env = "musl") {
        Dialect::Musl
    } else {
        Dialect::Glibc
    }
}

/// Whether the running glibc's `CMSG_NXTHDR` drops an unpadded last message
/// (the old one) or keeps it (the one rewritten in 2023): asked once, on
/// two one-byte messages with the second unpadded.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_drops_an_unpadded_last_message() -> bool {
    static DROPS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DROPS.get_or_init(|| {
        let byte = ControlMessage::Other {
            level: 0,
            kind: 0,
            data: &[0],
        };
        let mut probe = crate::encode(&[byte, byte]).expect("two one-byte messages encode");
        probe.truncate(crate::cmsg_space(1).saturating_add(crate::cmsg_len(1)));
        let walked = crate::sys::libc_walk::walk(&probe).expect("the probe is well-formed");
        walked.len() == 1
    })
}

/// The largest control buffer that [`kernel`](super::kernel) sends; it
/// skips longer ones. Past `net.core.optmem_max` (20 KiB before Linux 6.9,
/// 128 KiB since) `sendmsg` fails with `ENOBUFS` whatever the buffer holds.
///
/// ```
/// assert!(sockcmsg::check::KERNEL_MAX_CONTROL >= 4096); // libFuzzer's default -max_len
/// ```
pub const KERNEL_MAX_CONTROL: usize = 16 * 1024;

/// The level that [`move_levels_off_sol_socket`] writes: no protocol uses
/// it, and Unix sockets ignore every level but `SOL_SOCKET` after checking
/// its header.
///
/// ```
/// assert_ne!(sockcmsg::check::MOVED_LEVEL, libc::SOL_SOCKET);
/// ```
pub const MOVED_LEVEL: i32 = i32::MAX;

/// The body of [`kernel`](super::kernel): `sendmsg` of `bytes`, their
/// levels moved off `SOL_SOCKET`, fails with `EINVAL` exactly when the
/// model's dialect of the running kernel rejects them.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn check_kernel(bytes: &[u8]) {
    use std::os::fd::{AsFd, OwnedFd};

    use crate::model::dialect::{Answer, Dialect};
    use crate::model::Model;
    use crate::socket::{self, ControlBuffer, RecvOptions, SocketKind};

    thread_local! {
        static SOCKETS: (OwnedFd, OwnedFd) = socket::socketpair(SocketKind::Datagram)
            .expect("a Unix datagram socketpair for the kernel check");
    }

    if bytes.len() > KERNEL_MAX_CONTROL {
        return;
    }
    let mut control = bytes.to_vec();
    move_levels_off_sol_socket(&mut control);
    let codec = crate::parse_socket_control_message(&control).map(drop);
    let sent = SOCKETS.with(|(sender, receiver)| {
        let sent = socket::send_control(sender.as_fd(), b"x", &control);
        if sent.is_ok() {
            // Empty the queue, so that the socket never fills.
            let options = RecvOptions::default().flags(libc::MSG_DONTWAIT);
            socket::recv_with(
                receiver.as_fd(),
                &mut [0; 1],
                &mut ControlBuffer::with_len(0),
                options,
            )
            .expect("the datagram just sent is there to read");
        }
        sent
    });
    let einval = sent
        .as_ref()
        .is_err_and(|err| err.raw_os_error() == Some(libc::EINVAL));
    let dialect = if kernel_rejects_short_tails() {
        Dialect::KernelCompat
    } else {
        Dialect::Kernel
    };
    let model = dialect.walk(&Model::new(Layout::HOST), &control);
    let rejected = matches!(model, Answer::Rejected(_));
    assert_eq!(
        codec.is_err(),
        Model::new(Layout::HOST).walk(&control).rejection.is_some(),
        "the codec says {codec:?} about {control:02x?}, the model otherwise"
    );
    assert!(
        (!rejected && sent.is_ok()) || (rejected && einval),
        "the model's {dialect:?} says {model:?} and sendmsg says {sent:?} about the control \
         buffer {control:02x?} (levels moved off SOL_SOCKET)"
    );
}

/// Whether the kernel rejects a control buffer that is nothing but a short
/// tail, as its compat path for 32-bit processes does: asked once.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn kernel_rejects_short_tails() -> bool {
    use std::os::fd::AsFd;
    use std::sync::OnceLock;

    static REJECTS: OnceLock<bool> = OnceLock::new();
    *REJECTS.get_or_init(|| {
        let (sender, _receiver) = crate::socket::socketpair(crate::socket::SocketKind::Datagram)
            .expect("a Unix datagram socketpair for the probe");
        let sent = crate::socket::send_control(sender.as_fd(), b"x", &[0]);
        match sent {
            Ok(_) => false,
            Err(err) if err.raw_os_error() == Some(libc::EINVAL) => true,
            Err(err) => panic!("sendmsg of a 1-byte control buffer: {err}"),
        }
    })
}

/// Sets the level of every `SOL_SOCKET` header in `buf` to [`MOVED_LEVEL`],
/// walking as Go and the kernel do and stopping at the first invalid
/// length, past which the kernel reads nothing either.
///
/// With no `SOL_SOCKET` message left, the kernel checks the headers and
/// acts on none of them: no descriptor or credential in fuzzed bytes is
/// ever passed.
///
/// ```
/// use sockcmsg::check::{move_levels_off_sol_socket, MOVED_LEVEL};
/// let mut buf = sockcmsg::unix_rights(&[0])?;
/// move_levels_off_sol_socket(&mut buf);
/// let msgs = sockcmsg::parse_socket_control_message(&buf)?;
/// assert_eq!(msgs[0].header.level, MOVED_LEVEL);
/// assert_eq!(msgs[0].header.kind, libc::SCM_RIGHTS);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
pub fn move_levels_off_sol_socket(buf: &mut [u8]) {
    let layout = Layout::HOST;
    let header_len = layout.cmsg_len(0);
    let on_sol_socket: Vec<(usize, Cmsghdr)> = layout
        .messages(buf)
        .map_while(Result::ok)
        .filter(|msg| msg.header.level == layout.sol_socket())
        .map(|msg| {
            let data_at = offset_in(buf, msg.data).expect("parsed data lies in the buffer");
            (data_at.saturating_sub(header_len), msg.header)
        })
        .collect();
    for (offset, header) in on_sol_socket {
        let slot = buf
            .get_mut(offset..offset.saturating_add(header_len))
            .expect("a parsed header lies in the buffer");
        layout
            .write_header(slot, header.len, MOVED_LEVEL, header.kind)
            .expect("a parsed header's length fits its field");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(any(target_env = "gnu", target_env = "musl"))]
    use crate::unix_rights;
    use crate::{encode, ControlMessage};

    #[test]
    fn levels_move_only_up_to_the_first_invalid_header() {
        // The host's struct cmsghdr: a size_t length, then level and type.
        let word = std::mem::size_of::<usize>();
        let (header, level_at) = (word + 8, word);
        let sol_socket = |len: usize| {
            encode(&[ControlMessage::Other {
                level: libc::SOL_SOCKET,
                kind: 9,
                data: &vec![0; len],
            }])
            .unwrap()
        };
        let mut buf = sol_socket(8);
        let second = buf.len();
        let mut bad = sol_socket(0);
        bad[0] = 1; // below the header
        buf.extend(&bad);
        let third = buf.len();
        buf.extend(sol_socket(0));
        move_levels_off_sol_socket(&mut buf);
        let level_in = |offset: usize| {
            let at = offset + level_at;
            i32::from_ne_bytes(buf[at..at + 4].try_into().unwrap())
        };
        assert_eq!(second, header + 8);
        assert_eq!(level_in(0), MOVED_LEVEL);
        assert_eq!(level_in(second), libc::SOL_SOCKET);
        assert_eq!(level_in(third), libc::SOL_SOCKET);
        // Everything else is as it was.
        assert_eq!(&buf[..word], &(header + 8).to_ne_bytes());
        assert_eq!(&buf[level_at + 4..header], &9i32.to_ne_bytes());
    }

    #[test]
    #[cfg(target_env = "musl")]
    fn musl_does_not_visit_a_bare_header_that_ends_the_buffer() {
        use crate::sys::libc_walk::walk;

        let bare = unix_rights(&[]).unwrap();
        // The first message is always visited: CMSG_FIRSTHDR checks no length.
        assert_eq!(walk(&bare).unwrap().len(), 1);
        let mut two = unix_rights(&[3]).unwrap();
        two.extend(&bare);
        assert_eq!(walk(&two).unwrap().len(), 1);
        assert_eq!(crate::parse_socket_control_message(&two).unwrap().len(), 2);
        check_c_library_walk(&two);
        // One byte more after it, and musl visits it.
        two.push(0);
        assert_eq!(walk(&two).unwrap().len(), 2);
        check_c_library_walk(&two);
    }

    #[test]
    #[cfg(target_env = "gnu")]
    fn glibc_walks_an_unpadded_last_message_by_its_own_rule() {
        use crate::sys::libc_walk::walk;

        // The host's struct cmsghdr: a size_t length, then level and type;
        // one fd makes a message of header + 4 bytes, padded to a word.
        let word = std::mem::size_of::<usize>();
        let header = word + 8;
        let unpadded = header + 4;
        let one = unix_rights(&[3]).unwrap();
        assert_eq!(one.len(), unpadded.next_multiple_of(word));
        // The first message is never dropped: CMSG_FIRSTHDR checks no length.
        let first_unpadded = walk(&one[..unpadded]).unwrap();
        assert_eq!(first_unpadded.len(), 1);
        assert_eq!(first_unpadded[0].data, header..unpadded);

        let mut two = one.clone();
        two.extend(&one);
        assert_eq!(walk(&two).unwrap().len(), 2);
        let kept = if glibc_drops_an_unpadded_last_message() {
            1
        } else {
            2
        };
        let second_unpadded = one.len() + unpadded;
        assert_eq!(walk(&two[..second_unpadded]).unwrap().len(), kept);
        check_c_library_walk(&two[..second_unpadded]);
    }
}
