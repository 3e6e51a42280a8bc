//! The oracles outside the crate: the C library's `CMSG_FIRSTHDR`/
//! `CMSG_NXTHDR` walk and the kernel's `sendmsg`, each compared with the
//! model's dialect of it (`crate::model::dialect`). The targets that call
//! them, [`libc_walk`](super::libc_walk) and [`kernel`](super::kernel),
//! say what each checks.

use crate::model::Model;
use crate::Layout;

/// The body of [`libc_walk`](super::libc_walk): the C library's walk of
/// `bytes`, where the model's dialect of that library accepts them, must
/// be the dialect's.
#[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
pub(super) fn check_c_library_walk(bytes: &[u8]) {
    use crate::model::dialect::Answer;
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
        let model = Model::new(Layout::HOST);
        let byte = (0, 0, &[0][..]);
        let mut probe = model.encode([byte, byte]);
        let unpadded = model.cmsg_space(1).saturating_add(model.cmsg_len(1));
        probe.truncate(usize::try_from(unpadded).expect("the probe is a few bytes"));
        let walked = crate::sys::libc_walk::walk(&probe).expect("the probe is well-formed");
        walked.len() == 1
    })
}

// The `kernel` target is Linux's only: a link to it elsewhere resolves to
// nothing.
#[cfg_attr(
    any(target_os = "linux", target_os = "android"),
    doc = "The largest control buffer that [`kernel`](super::kernel) sends; it"
)]
#[cfg_attr(
    not(any(target_os = "linux", target_os = "android")),
    doc = "The largest control buffer that the `kernel` target (Linux) sends; it"
)]
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

/// Sets the level of every `SOL_SOCKET` header in `buf` to [`MOVED_LEVEL`]:
/// every header of the model's walk (Go's and the kernel's), which stops at
/// the first invalid length, past which the kernel reads nothing either.
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
    let model = Model::new(Layout::HOST);
    for msg in model.walk(buf).messages {
        if msg.level != Layout::HOST.sol_socket() {
            continue;
        }
        let header = model.header(msg.len, MOVED_LEVEL, msg.kind);
        let at = usize::try_from(msg.offset(&model)).expect("a header the model read is in buf");
        buf.get_mut(at..at.saturating_add(header.len()))
            .expect("a header the model read is in buf")
            .copy_from_slice(&header);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_env = "musl")]
    use crate::unix_rights;
    use crate::{encode, ControlMessage};

    /// Sizes in the host's `struct cmsghdr` on Linux, a length a word wide
    /// (on musl 4 bytes and a pad) then level and type, with data aligned
    /// to a word.
    struct Cmsghdr {
        /// `CMSG_LEN(0)`.
        header: usize,
        /// Where `cmsg_level` is.
        level_at: usize,
        /// `CMSG_LEN(1)`.
        len_1: usize,
        /// `CMSG_SPACE(1)`.
        space_1: usize,
        /// `CMSG_LEN(8)`, which is `CMSG_SPACE(8)`.
        len_8: usize,
    }

    #[cfg(target_pointer_width = "64")]
    const HOST: Cmsghdr = Cmsghdr {
        header: 16,
        level_at: 8,
        len_1: 17,
        space_1: 24,
        len_8: 24,
    };

    #[cfg(target_pointer_width = "32")]
    const HOST: Cmsghdr = Cmsghdr {
        header: 12,
        level_at: 4,
        len_1: 13,
        space_1: 16,
        len_8: 20,
    };

    #[test]
    fn levels_move_only_up_to_the_first_invalid_header() {
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
            let at = offset + HOST.level_at;
            i32::from_ne_bytes(buf[at..at + 4].try_into().unwrap())
        };
        assert_eq!(second, HOST.len_8);
        assert_eq!(level_in(0), MOVED_LEVEL);
        assert_eq!(level_in(second), libc::SOL_SOCKET);
        assert_eq!(level_in(third), libc::SOL_SOCKET);
        // Everything else is as it was: the length (as wide as a word, musl's
        // pad zero) and the type.
        assert_eq!(&buf[..HOST.level_at], &HOST.len_8.to_ne_bytes());
        assert_eq!(&buf[HOST.level_at + 4..HOST.header], &9i32.to_ne_bytes());
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

        // One byte of data, padded to a word: unpadded on every width.
        let one = encode(&[ControlMessage::Other {
            level: 0,
            kind: 0,
            data: &[7],
        }])
        .unwrap();
        assert_eq!(one.len(), HOST.space_1);
        // The first message is never dropped: CMSG_FIRSTHDR checks no length.
        let first_unpadded = walk(&one[..HOST.len_1]).unwrap();
        assert_eq!(first_unpadded.len(), 1);
        assert_eq!(first_unpadded[0].data, HOST.header..HOST.len_1);

        let mut two = one.clone();
        two.extend(&one);
        assert_eq!(walk(&two).unwrap().len(), 2);
        let kept = if glibc_drops_an_unpadded_last_message() {
            1
        } else {
            2
        };
        let second_unpadded = &two[..HOST.space_1 + HOST.len_1];
        assert_eq!(walk(second_unpadded).unwrap().len(), kept);
        check_c_library_walk(second_unpadded);
    }
}
