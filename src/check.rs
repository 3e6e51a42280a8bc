//! The invariants that every parse and encode must hold, one function per
//! fuzz target (feature `harness`).
//!
//! The fuzz targets in `fuzz/fuzz_targets/` hand libFuzzer's bytes to these
//! functions and do nothing else, and `tests/corpus_replay.rs` runs every
//! file under `corpus/<target>/` through them, so what the fuzzer checks
//! and what `cargo test` replays are the same code. Each function accepts
//! any bytes and panics, with a message that names the invariant, when one
//! does not hold: that is how a fuzz target reports a finding.
//!
//! | target | function | its input |
//! |---|---|---|
//! | `parse` | [`parse`] | a control buffer |
//! | `roundtrip` | [`roundtrip`] | messages in `arbitrary`'s format ([`roundtrip_messages`]) |
//! | `libc_walk` | [`libc_walk`] | a control buffer |
//! | `kernel` | [`kernel`] | a control buffer |
//!
//! [`TARGETS`] lists them by name.
//!
//! ```
//! use sockcmsg::ControlMessage;
//!
//! let buf = sockcmsg::encode(&[
//!     ControlMessage::Rights(&[3, 4]),
//!     ControlMessage::Other { level: 41, kind: 50, data: &[1, 2, 3] },
//! ])?;
//! for (_name, check) in sockcmsg::check::TARGETS {
//!     check(&buf); // panics if an invariant breaks
//! }
//! # Ok::<(), sockcmsg::Error>(())
//! ```

#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "a broken invariant must stop the fuzzer with a message: that is what this module is for"
)]

use arbitrary::{Arbitrary, Unstructured};

use crate::{
    Cmsghdr, ControlMessage, Error, Layout, OwnedControlMessage, SocketControlMessage, Ucred,
};

/// A function that checks one fuzz input, panicking on a broken invariant.
pub type Check = fn(&[u8]);

/// Every fuzz target's name, which is also its folder under `corpus/` and
/// its file under `fuzz/fuzz_targets/`, with the function that checks one
/// input.
///
/// ```
/// let names: Vec<&str> = sockcmsg::check::TARGETS.iter().map(|(name, _)| *name).collect();
/// assert!(names.contains(&"parse"));
/// ```
pub const TARGETS: &[(&str, Check)] = &[
    ("parse", parse),
    ("roundtrip", roundtrip),
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    ("libc_walk", libc_walk),
    #[cfg(any(target_os = "linux", target_os = "android"))]
    ("kernel", kernel),
];

/// Parses `bytes` every way the crate can and checks the answers.
///
/// - [`parse_socket_control_message`](crate::parse_socket_control_message),
///   [`messages`](crate::messages) and
///   [`parse_one_socket_control_message`](crate::parse_one_socket_control_message)
///   (iterated) give the same messages and the same error.
/// - Each message's `data` lies inside `bytes`, right after its header, at
///   the offset the walk implies (each header at the aligned end of the
///   one before), and is `cmsg_len - cmsg_len(0)` bytes long; each
///   `cmsg_len` is at least a header and reaches no further than the end.
/// - The walk ends with an error or with less than a header left, and an
///   error names the rule the header there breaks, with its offset and
///   length.
/// - Re-encoding each header reproduces its bytes. (The data is the slice
///   of `bytes` at the place the walk implies, and [`roundtrip`] checks
///   that the encoder copies data as it is.)
/// - [`parse_unix_rights`](crate::parse_unix_rights), [`fds`](crate::fds)
///   and [`parse_unix_credentials`](crate::parse_unix_credentials) accept
///   exactly the messages they should, and what they return encodes back
///   to the message.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[3]);
/// sockcmsg::check::parse(&buf);
/// buf[0] = 0xff; // a cmsg_len past the end: an error, checked too
/// sockcmsg::check::parse(&buf);
/// ```
pub fn parse(bytes: &[u8]) {
    parse_in(Layout::HOST, bytes);
}

/// Builds messages from `bytes` ([`roundtrip_messages`]), encodes them and
/// parses them back.
///
/// - The same messages come back, and the buffer is the sum of their
///   `cmsg_space`s, which [`encoded_len`](crate::encoded_len) also gives.
/// - They also come back with the last message's padding cut off (its
///   `cmsg_len` instead of its `cmsg_space`).
/// - [`encode_into`](crate::encode_into) writes the same bytes over a dirty
///   buffer (so padding is zeroed) and nothing past them, refuses a buffer
///   one byte short without touching it, and
///   [`encode_to_vec`](crate::encode_to_vec) appends the same bytes.
/// - The encoded buffer passes [`parse`].
///
/// ```
/// use sockcmsg::{check, OwnedControlMessage, Ucred};
/// let msgs = [
///     OwnedControlMessage::rights(&[3, 4]),
///     OwnedControlMessage::credentials(Ucred { pid: 1, uid: 2, gid: 3 }),
/// ];
/// check::roundtrip(&check::roundtrip_input(&msgs));
/// ```
pub fn roundtrip(bytes: &[u8]) {
    roundtrip_in(Layout::HOST, &roundtrip_messages(bytes));
}

/// The messages [`roundtrip`] encodes for `bytes`: `arbitrary`'s
/// `Vec<OwnedControlMessage>` taking all of them, as a
/// `fuzz_target!(|msgs: Vec<OwnedControlMessage>| ...)` would get.
///
/// ```
/// let msgs = sockcmsg::check::roundtrip_messages(&[1, 0, 1, 7, 0, 0, 0]);
/// assert_eq!(msgs, [sockcmsg::OwnedControlMessage::rights(&[7])]);
/// ```
pub fn roundtrip_messages(bytes: &[u8]) -> Vec<OwnedControlMessage> {
    Vec::<OwnedControlMessage>::arbitrary_take_rest(Unstructured::new(bytes))
        .expect("arbitrary makes messages from any bytes")
}

/// The bytes that [`roundtrip_messages`] reads as `msgs`: seeds for the
/// `roundtrip` target.
///
/// This writes `arbitrary`'s format by hand: each element of a collection
/// is preceded by a byte whose low bit says that one follows, integers are
/// little-endian, and the first byte of a message chooses rights (0),
/// credentials (1) or any other message (2). Rights and credentials are
/// written as such, so that mutating them keeps them valid; anything else
/// as level, type and data.
///
/// ```
/// use sockcmsg::{check, OwnedControlMessage};
/// let msgs = vec![
///     OwnedControlMessage::rights(&[3]),
///     OwnedControlMessage { level: 41, kind: 50, data: vec![1, 2, 3] },
/// ];
/// assert_eq!(check::roundtrip_messages(&check::roundtrip_input(&msgs)), msgs);
/// ```
pub fn roundtrip_input(msgs: &[OwnedControlMessage]) -> Vec<u8> {
    const MORE: u8 = 1;
    const END: u8 = 0;
    let mut out = Vec::new();
    for msg in msgs {
        out.push(MORE);
        let parsed = SocketControlMessage {
            header: Cmsghdr {
                len: crate::cmsg_len(msg.data.len()),
                level: msg.level,
                kind: msg.kind,
            },
            data: &msg.data,
        };
        if let Ok(fds) = crate::parse_unix_rights(&parsed) {
            out.push(0);
            for fd in fds {
                out.push(MORE);
                out.extend(fd.to_le_bytes());
            }
            out.push(END);
        } else if let Some(Ucred { pid, uid, gid }) = crate::parse_unix_credentials(&parsed)
            .ok()
            .filter(|_| msg.data.len() == crate::credentials::UCRED_LEN)
        {
            out.push(1);
            out.extend(pid.to_le_bytes());
            out.extend(uid.to_le_bytes());
            out.extend(gid.to_le_bytes());
        } else {
            out.push(2);
            out.extend(msg.level.to_le_bytes());
            out.extend(msg.kind.to_le_bytes());
            for &byte in &msg.data {
                out.extend([MORE, byte]);
            }
            out.push(END);
        }
    }
    out
}

/// Walks `bytes` with glibc's `CMSG_FIRSTHDR`/`CMSG_NXTHDR` over an aligned
/// copy, where the codec accepts them, and checks that the walk yields the
/// codec's headers at the codec's offsets, with `CMSG_DATA` where the
/// codec's data starts.
///
/// One documented difference is allowed, because glibc's `CMSG_NXTHDR`
/// changed. The old one stops before a message whose padded length passes
/// the end of the buffer, so it drops an unpadded last message unless that
/// is the first (`CMSG_FIRSTHDR` checks no length). The one rewritten in
/// 2023 (glibc 2.38, and backported: Debian 12's 2.36 has it) checks
/// lengths before stepping and keeps that message.
/// Which rule the running glibc follows is found once, on a probe buffer,
/// and every walk must then follow it.
///
/// Buffers the codec rejects are not walked: older glibc computes with
/// their lengths unchecked and can step outside the buffer.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[3]);
/// buf.extend(sockcmsg::unix_rights(&[4]));
/// buf.truncate(buf.len() - 4); // the last message unpadded
/// sockcmsg::check::libc_walk(&buf);
/// ```
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn libc_walk(bytes: &[u8]) {
    use crate::sys::libc_walk::{walk, Header, OutOfBounds};

    let layout = Layout::HOST;
    let Ok(msgs) = layout.parse_socket_control_message(bytes) else {
        return;
    };
    let mut expected: Vec<Header> = msgs
        .iter()
        .map(|msg| {
            let data_at = offset_in(bytes, msg.data).expect("parsed data lies in the buffer");
            Header {
                offset: data_at.saturating_sub(layout.cmsg_len(0)),
                len: msg.header.len,
                level: msg.header.level,
                kind: msg.header.kind,
                data: data_at..data_at.saturating_add(msg.data.len()),
            }
        })
        .collect();
    let last_unpadded = expected
        .last()
        .is_some_and(|last| last.offset.saturating_add(layout.cmsg_align(last.len)) > bytes.len());
    if expected.len() > 1 && last_unpadded && glibc_drops_an_unpadded_last_message() {
        expected.pop();
    }
    match walk(bytes) {
        Ok(walked) => assert_eq!(
            walked, expected,
            "glibc's walk and the codec's disagree on {bytes:02x?}"
        ),
        Err(OutOfBounds { offset, len }) => panic!(
            "glibc's walk reached a header at offset {offset} with cmsg_len {len}, \
             out of bounds, in a buffer the codec accepted: {bytes:02x?}"
        ),
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

/// The largest control buffer that [`kernel`] sends; it skips longer ones.
/// Past `net.core.optmem_max` (20 KiB before Linux 6.9, 128 KiB since)
/// `sendmsg` fails with `ENOBUFS` whatever the buffer holds.
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

/// Sends `bytes` (after [`move_levels_off_sol_socket`]) as the control data
/// of a `sendmsg` on a Unix datagram socketpair and checks that the kernel
/// fails with `EINVAL` exactly when the codec rejects the buffer; with the
/// levels moved, the kernel checks only the lengths, by the same rules.
///
/// One documented difference: a 32-bit process on a 64-bit kernel goes
/// through the kernel's compat path (`cmsghdr_from_user_compat_to_kern` in
/// `net/compat.c`), which reads a header wherever one byte remains after
/// the last message and so also rejects a short tail (and a buffer of
/// nothing but one), where Go and the native path ignore it. Whether the
/// running kernel does is found once, on a probe buffer, and every buffer
/// is then held to that rule.
///
/// Each thread keeps one socketpair and reads back every datagram it sends.
/// Buffers longer than [`KERNEL_MAX_CONTROL`] are skipped.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[0]);
/// sockcmsg::check::kernel(&buf);
/// buf[0] += 1; // cmsg_len past the end: both reject it
/// sockcmsg::check::kernel(&buf);
/// ```
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn kernel(bytes: &[u8]) {
    use std::os::fd::{AsFd, OwnedFd};

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
    let rejected = codec.is_err() || (has_short_tail(&control) && kernel_rejects_short_tails());
    assert!(
        (!rejected && sent.is_ok()) || (rejected && einval),
        "the codec says {codec:?} and sendmsg says {sent:?} about the control buffer \
         {control:02x?} (levels moved off SOL_SOCKET)"
    );
}

/// Whether bytes remain after the aligned end of the last message of a
/// buffer the codec accepts: a tail shorter than a header, which the walk
/// ignores.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn has_short_tail(control: &[u8]) -> bool {
    let layout = Layout::HOST;
    let Ok(msgs) = layout.parse_socket_control_message(control) else {
        return false;
    };
    let end = msgs.last().map_or(0, |last| {
        let data_at = offset_in(control, last.data).expect("parsed data lies in the buffer");
        let header_at = data_at.saturating_sub(layout.cmsg_len(0));
        header_at.saturating_add(layout.cmsg_align(last.header.len))
    });
    end < control.len()
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
/// let mut buf = sockcmsg::unix_rights(&[0]);
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

fn parse_in(layout: Layout, bytes: &[u8]) {
    let header_len = layout.cmsg_len(0);
    let mut messages = layout.messages(bytes);
    let walk: Vec<Result<SocketControlMessage<'_>, Error>> = messages.by_ref().collect();
    assert_eq!(
        messages.next(),
        None,
        "messages() yielded more after ending"
    );
    let upper_bound = layout.messages(bytes).size_hint().1;
    assert!(
        upper_bound.is_some_and(|bound| walk.len() <= bound),
        "messages() yielded {} items, more than its size_hint {upper_bound:?}",
        walk.len()
    );
    match layout.parse_socket_control_message(bytes) {
        Ok(msgs) => assert!(
            msgs.len() == walk.len()
                && walk
                    .iter()
                    .zip(&msgs)
                    .all(|(item, msg)| item.as_ref() == Ok(msg)),
            "parse_socket_control_message and messages() give other messages"
        ),
        Err(err) => assert_eq!(
            walk.last(),
            Some(&Err(err)),
            "parse_socket_control_message and messages() end in other errors"
        ),
    }
    check_one_at_a_time(layout, bytes, &walk);

    // Where the walk says the next header starts.
    let mut offset = 0usize;
    let mut ended_in_error = false;
    for item in &walk {
        assert!(!ended_in_error, "messages() went on after an error");
        let rest = bytes.get(offset..).unwrap_or_default();
        assert!(
            rest.len() >= header_len,
            "the walk read a header at offset {offset} with only {} bytes left",
            rest.len()
        );
        match item {
            Ok(msg) => {
                check_placement(layout, bytes, offset, msg);
                check_typed(layout, msg);
                offset = offset.saturating_add(layout.cmsg_space(msg.data.len()));
            }
            Err(err) => {
                check_rejection(layout, rest, offset, *err);
                ended_in_error = true;
            }
        }
    }
    if !ended_in_error {
        assert!(
            bytes.len().saturating_sub(offset) < header_len,
            "the walk stopped at offset {offset} of {} bytes with a whole header left",
            bytes.len()
        );
    }

    // Re-encoded, each header comes back as the same bytes. Its data needs
    // no re-encoding: it is the slice of `bytes` that check_placement found
    // at the right place, and the roundtrip target checks that the encoder
    // copies data as it is.
    let mut scratch = [0u8; 32];
    let header = scratch
        .get_mut(..header_len)
        .expect("a header is at most 32 bytes");
    let mut at = 0usize;
    for msg in walk.iter().filter_map(|item| item.as_ref().ok()) {
        layout
            .write_header(header, msg.header.len, msg.header.level, msg.header.kind)
            .expect("a parsed header's length fits its field");
        assert_eq!(
            bytes.get(at..at.saturating_add(header_len)),
            Some(&header[..]),
            "re-encoding the header at offset {at} does not reproduce its bytes"
        );
        at = at.saturating_add(layout.cmsg_space(msg.data.len()));
    }
}

/// Checks that a parsed message sits where the walk says: its header at
/// `offset` in `bytes`, its data right after, all of it inside `bytes`.
fn check_placement(layout: Layout, bytes: &[u8], offset: usize, msg: &SocketControlMessage<'_>) {
    let header_len = layout.cmsg_len(0);
    assert_eq!(
        offset_in(bytes, msg.data),
        Some(offset.saturating_add(header_len)),
        "the data of the message at offset {offset} is not right after its header"
    );
    assert_eq!(
        msg.header.len,
        layout.cmsg_len(msg.data.len()),
        "the message at offset {offset} has {} bytes of data for a cmsg_len of {}",
        msg.data.len(),
        msg.header.len
    );
    assert!(
        msg.header.len >= header_len && msg.header.len <= bytes.len().saturating_sub(offset),
        "the message at offset {offset} was accepted with cmsg_len {} in {} bytes",
        msg.header.len,
        bytes.len()
    );
}

/// Checks that an error reports the header at `offset`, whose bytes start
/// `rest`, and the rule that header breaks.
fn check_rejection(layout: Layout, rest: &[u8], offset: usize, err: Error) {
    let header_len = layout.cmsg_len(0);
    let raw = layout
        .read_header(rest)
        .expect("the walk reads only whole headers");
    match err {
        Error::LengthBelowHeader {
            offset: at,
            len,
            min,
        } => {
            assert_eq!((at, len, min), (offset, raw.len, header_len), "{err:?}");
            assert!(len < min as u64, "{err:?} is not below the header");
        }
        Error::LengthPastEnd {
            offset: at,
            len,
            available,
        } => {
            assert_eq!(
                (at, len, available),
                (offset, raw.len, rest.len()),
                "{err:?}"
            );
            assert!(
                len > available as u64 && len >= header_len as u64,
                "{err:?} is not past the end"
            );
        }
        other => panic!("the walk failed with {other:?}, which names no broken length"),
    }
    // Every rejection is EINVAL, as in Go.
    assert_eq!(
        std::io::Error::from(err).raw_os_error(),
        Some(libc::EINVAL),
        "{err}"
    );
}

/// Checks the typed decoders on one message: each accepts exactly the
/// messages of its type with a valid payload, reports the reason for the
/// others, and returns what encodes back to the message.
fn check_typed(layout: Layout, msg: &SocketControlMessage<'_>) {
    let on_socket = msg.header.level == layout.sol_socket();
    let is_rights = on_socket && msg.header.kind == layout.scm_rights();
    let is_credentials = on_socket && Some(msg.header.kind) == layout.scm_credentials();
    let unexpected = |kind| Error::UnexpectedMessage {
        level: msg.header.level,
        kind: msg.header.kind,
        expected_level: layout.sol_socket(),
        expected_kind: kind,
    };

    let rights = layout.parse_unix_rights(msg);
    let iterated = layout.fds(msg);
    assert!(
        match (&rights, iterated) {
            (Ok(fds), Ok(iterated)) =>
                iterated.len() == fds.len() && iterated.eq(fds.iter().copied()),
            (Err(err), Err(iterated)) => *err == iterated,
            _ => false,
        },
        "fds() and parse_unix_rights disagree"
    );
    match rights {
        Ok(fds) => {
            assert!(is_rights, "parse_unix_rights accepted {:?}", msg.header);
            assert!(
                fds.len().saturating_mul(4) == msg.data.len()
                    && fds
                        .iter()
                        .zip(msg.data.chunks_exact(4))
                        .all(|(&fd, bytes)| layout.i32_bytes(fd) == bytes),
                "the fds parse_unix_rights returned do not encode back to the message"
            );
        }
        Err(Error::PartialFd { len }) => {
            assert!(
                is_rights && len == msg.data.len() && len % 4 != 0,
                "{rights:?}"
            );
        }
        Err(err) => {
            assert!(
                !is_rights,
                "parse_unix_rights rejected an SCM_RIGHTS message: {err}"
            );
            assert_eq!(err, unexpected(layout.scm_rights()));
        }
    }

    let credentials = layout.parse_unix_credentials(msg);
    match credentials {
        Ok(cred) => {
            assert!(
                is_credentials,
                "parse_unix_credentials accepted {:?}",
                msg.header
            );
            // Bytes past the struct are ignored, as in Go.
            assert_eq!(
                Some(&layout.ucred_bytes(&cred)[..]),
                msg.data.get(..crate::credentials::UCRED_LEN),
                "the credentials parse_unix_credentials returned do not encode back to the message"
            );
        }
        Err(Error::ShortCredentials { len, needed }) => {
            assert!(
                is_credentials && len == msg.data.len() && len < needed,
                "{credentials:?}"
            );
            assert_eq!(needed, crate::credentials::UCRED_LEN);
        }
        Err(err) => {
            assert!(
                !is_credentials,
                "parse_unix_credentials rejected an SCM_CREDENTIALS message: {err}"
            );
            let expected = match layout.scm_credentials() {
                Some(kind) => unexpected(kind),
                None => Error::CredentialsUnsupported {
                    layout: layout.name(),
                },
            };
            assert_eq!(err, expected);
        }
    }
}

/// Checks that `parse_one_socket_control_message`, called on each rest as a
/// caller walks with it, gives the messages and error of `walk` (with error
/// offsets counted from the start of `bytes`), that each rest starts at the
/// aligned end of its message, and that an input shorter than a header is
/// an error.
fn check_one_at_a_time(
    layout: Layout,
    bytes: &[u8],
    walk: &[Result<SocketControlMessage<'_>, Error>],
) {
    let header_len = layout.cmsg_len(0);
    let mut rest = bytes;
    let mut expected = walk.iter();
    while rest.len() >= header_len {
        let offset = bytes.len().saturating_sub(rest.len());
        let one = layout.parse_one_socket_control_message(rest);
        let same = match (one, expected.next()) {
            (Ok((msg, _)), Some(Ok(walked))) => msg == *walked,
            (Err(err), Some(Err(walked))) => at_offset(err, offset) == *walked,
            _ => false,
        };
        assert!(
            same,
            "parse_one_socket_control_message at offset {offset} gives {one:?}, \
             messages() another answer"
        );
        let Ok((msg, next)) = one else {
            return;
        };
        let next_at = offset.saturating_add(layout.cmsg_space(msg.data.len()));
        if next.is_empty() {
            assert!(
                next_at >= bytes.len(),
                "parse_one returned an empty rest at offset {next_at} of {}",
                bytes.len()
            );
        } else {
            assert_eq!(
                offset_in(bytes, next),
                Some(next_at),
                "parse_one's rest does not start at the message's aligned end"
            );
        }
        rest = next;
    }
    assert_eq!(
        expected.next(),
        None,
        "messages() went on where parse_one stops"
    );
    assert_eq!(
        layout.parse_one_socket_control_message(rest).err(),
        Some(Error::TruncatedHeader {
            offset: 0,
            available: rest.len(),
            needed: header_len
        }),
        "parse_one on fewer bytes than a header"
    );
}

/// `err` with its header offset moved by `by`, for an error that
/// `parse_one_socket_control_message` reported on a suffix of the buffer.
fn at_offset(err: Error, by: usize) -> Error {
    let moved = |offset: usize| offset.saturating_add(by);
    match err {
        Error::TruncatedHeader {
            offset,
            available,
            needed,
        } => Error::TruncatedHeader {
            offset: moved(offset),
            available,
            needed,
        },
        Error::LengthBelowHeader { offset, len, min } => Error::LengthBelowHeader {
            offset: moved(offset),
            len,
            min,
        },
        Error::LengthPastEnd {
            offset,
            len,
            available,
        } => Error::LengthPastEnd {
            offset: moved(offset),
            len,
            available,
        },
        other => other,
    }
}

/// Where `part` starts in `whole`, if it lies wholly inside it.
fn offset_in(whole: &[u8], part: &[u8]) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start.checked_add(part.len())? <= whole.len()).then_some(start)
}

fn roundtrip_in(layout: Layout, msgs: &[OwnedControlMessage]) {
    let to_encode: Vec<ControlMessage<'_>> = msgs
        .iter()
        .map(OwnedControlMessage::as_control_message)
        .collect();
    let size = msgs
        .iter()
        .try_fold(0usize, |total, msg| {
            total.checked_add(layout.cmsg_space(msg.data.len()))
        })
        .expect("fuzzed messages are far from usize::MAX bytes");
    assert_eq!(
        layout.encoded_len(&to_encode),
        Ok(size),
        "encoded_len is not the sum of the messages' cmsg_space"
    );
    let mut appended = vec![0xa5];
    assert_eq!(layout.encode_to_vec(&to_encode, &mut appended), Ok(size));
    let (&first, buf) = appended.split_first().expect("one byte was there");
    assert_eq!(first, 0xa5, "encode_to_vec changed the bytes it appends to");
    assert_eq!(buf.len(), size, "encode_to_vec's length is not encoded_len");
    check_parses_back(layout, buf, msgs, "the encoded messages");
    if let Some(last) = msgs.last() {
        let padding = layout
            .cmsg_space(last.data.len())
            .saturating_sub(layout.cmsg_len(last.data.len()));
        let unpadded = buf
            .get(..size.saturating_sub(padding))
            .expect("the padding is part of the buffer");
        check_parses_back(
            layout,
            unpadded,
            msgs,
            "without the last message's padding, they",
        );
    }

    let mut dirty = vec![0xa5; size.saturating_add(1)];
    assert_eq!(layout.encode_into(&to_encode, &mut dirty), Ok(size));
    assert_eq!(
        dirty.split_last(),
        Some((&0xa5, buf)),
        "encode_into over a dirty buffer wrote other bytes, or wrote past the messages"
    );
    if let Some(short) = size.checked_sub(1) {
        let small = dirty.get_mut(..short).expect("a shorter buffer");
        small.fill(0xa5);
        assert_eq!(
            layout.encode_into(&to_encode, small),
            Err(Error::BufferTooSmall {
                needed: size,
                available: short
            })
        );
        assert!(
            small.iter().all(|&byte| byte == 0xa5),
            "encode_into wrote into a buffer it refused"
        );
    }

    parse_in(layout, buf);
}

/// Checks that `buf` parses as `msgs`; `what` names the buffer in the
/// panic message.
fn check_parses_back(layout: Layout, buf: &[u8], msgs: &[OwnedControlMessage], what: &str) {
    let parsed = layout.parse_socket_control_message(buf);
    let same = parsed.as_ref().is_ok_and(|parsed| {
        parsed.len() == msgs.len()
            && parsed.iter().zip(msgs).all(|(got, sent)| {
                (got.header.level, got.header.kind, got.data)
                    == (sent.level, sent.kind, sent.data.as_slice())
            })
    });
    assert!(same, "{what} parse back as {parsed:?}, not as {msgs:?}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode, unix_credentials, unix_rights};

    fn other(level: i32, kind: i32, data: &[u8]) -> OwnedControlMessage {
        OwnedControlMessage {
            level,
            kind,
            data: data.to_vec(),
        }
    }

    #[test]
    fn roundtrip_input_is_read_back_as_the_same_messages() {
        let lists = [
            vec![],
            vec![OwnedControlMessage::rights(&[])],
            vec![OwnedControlMessage::rights(&[0, -1, i32::MAX, i32::MIN])],
            vec![
                OwnedControlMessage::credentials(Ucred {
                    pid: -5,
                    uid: u32::MAX,
                    gid: 7,
                }),
                other(libc::SOL_SOCKET, libc::SCM_RIGHTS, &[1, 2, 3]),
                other(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &[9; 13]),
                other(i32::MIN, -1, &[]),
                other(0, 0, &[0xff; 300]),
            ],
        ];
        for msgs in lists {
            assert_eq!(roundtrip_messages(&roundtrip_input(&msgs)), msgs);
        }
    }

    #[test]
    fn every_target_passes_the_crate_own_buffers() {
        let mut two = unix_credentials(&Ucred {
            pid: 1,
            uid: 2,
            gid: 3,
        });
        two.extend(unix_rights(&[3, 4, 5]));
        let unpadded = &two[..two.len() - 4];
        for (_, check) in TARGETS {
            for buf in [&two[..], unpadded, &[], &[0; 15], &[0xff; 40]] {
                check(buf);
            }
        }
    }

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
    fn glibc_walks_an_unpadded_last_message_by_its_own_rule() {
        use crate::sys::libc_walk::walk;

        // The host's struct cmsghdr: a size_t length, then level and type;
        // one fd makes a message of header + 4 bytes, padded to a word.
        let word = std::mem::size_of::<usize>();
        let header = word + 8;
        let unpadded = header + 4;
        let one = unix_rights(&[3]);
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
        libc_walk(&two[..second_unpadded]);
    }
}
