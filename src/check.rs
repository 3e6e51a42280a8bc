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
//! | `parse_any_layout` | [`parse_any_layout`] | a byte that picks a [`Layout`] ([`pick_layout`]), then a control buffer |
//! | `roundtrip_any_layout` | [`roundtrip_any_layout`] | a byte that picks a [`Layout`], then messages in `arbitrary`'s format ([`any_layout_messages`]) |
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

use std::os::fd::RawFd;

use crate::credentials::UCRED_LEN;
use crate::{
    Cmsghdr, ControlMessage, Error, Fds, Layout, Messages, OwnedControlMessage,
    SocketControlMessage, Ucred,
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
    ("parse_any_layout", parse_any_layout),
    ("roundtrip_any_layout", roundtrip_any_layout),
    #[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
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
///   to the message with [`unix_rights`](crate::unix_rights) and
///   [`unix_credentials`](crate::unix_credentials).
/// - Every error's message names the offsets and lengths it carries, and
///   the error converts to `EINVAL`.
///
/// The functions are the crate root's, which are [`Layout::HOST`]'s
/// methods; other layouts' are checked with the same invariants.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[3])?;
/// sockcmsg::check::parse(&buf);
/// buf[0] = 0xff; // a cmsg_len past the end: an error, checked too
/// sockcmsg::check::parse(&buf);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
pub fn parse(bytes: &[u8]) {
    // The answer is for roundtrip, which compares it with what it encoded.
    let _ = parse_in(Layout::HOST, bytes);
}

/// Builds messages from `bytes` ([`roundtrip_messages`]), encodes them and
/// parses them back.
///
/// - The same messages come back (each parsed one, made a
///   [`ControlMessage`] `From` it, is the one encoded), and the buffer is
///   the sum of their `cmsg_space`s, which
///   [`encoded_len`](crate::encoded_len) also gives.
/// - They also come back with the last message's padding cut off (its
///   `cmsg_len` instead of its `cmsg_space`): made
///   [`OwnedControlMessage`]s `From` the parsed ones, they are the
///   messages built from `bytes`.
/// - [`encode_into`](crate::encode_into) writes the same bytes over a dirty
///   buffer (so padding is zeroed) and nothing past them, refuses a buffer
///   one byte short without touching it, and
///   [`encode_to_vec`](crate::encode_to_vec) appends the same bytes.
/// - The encoded buffer passes [`parse`].
///
/// As in [`parse`], the functions are the crate root's.
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

/// [`parse`] for every layout: the first byte picks one of
/// [`Layout::ALL`] ([`pick_layout`]), the rest is a control buffer of that
/// layout, checked with the same invariants through the layout's methods.
///
/// ```
/// use sockcmsg::{check, Layout};
/// let buf = Layout::NETBSD_AARCH64.unix_rights(&[3])?;
/// check::parse_any_layout(&check::any_layout_input(Layout::NETBSD_AARCH64, &buf));
/// # Ok::<(), sockcmsg::Error>(())
/// ```
pub fn parse_any_layout(bytes: &[u8]) {
    let (layout, buf) = pick_layout(bytes);
    let _ = parse_in(layout, buf);
}

/// [`roundtrip`] for every layout: the messages of
/// [`any_layout_messages`], encoded and parsed with the layout that the
/// first byte picks.
///
/// ```
/// use sockcmsg::{check, Layout, OwnedControlMessage};
/// let input = check::roundtrip_input(&[OwnedControlMessage::rights(&[3, 4])]);
/// check::roundtrip_any_layout(&check::any_layout_input(Layout::AIX, &input));
/// ```
pub fn roundtrip_any_layout(bytes: &[u8]) {
    let (layout, msgs) = any_layout_messages(bytes);
    roundtrip_in(layout, &msgs);
}

/// The layout and the messages that [`roundtrip_any_layout`] encodes for
/// `bytes`: the first byte picks one of [`Layout::ALL`] ([`pick_layout`]),
/// the rest makes messages as for [`roundtrip`] ([`roundtrip_messages`]),
/// and each rights message is made the picked layout's (its `SOL_SOCKET`
/// and `SCM_RIGHTS`), so that the typed checks see each layout's values.
///
/// ```
/// use sockcmsg::{check, Layout, OwnedControlMessage};
/// let input = check::roundtrip_input(&[OwnedControlMessage::rights(&[3])]);
/// let (layout, msgs) = check::any_layout_messages(&check::any_layout_input(Layout::ILLUMOS, &input));
/// assert_eq!(layout, Layout::ILLUMOS);
/// assert_eq!((msgs[0].level, msgs[0].kind), (0xffff, 0x1010));
/// ```
pub fn any_layout_messages(bytes: &[u8]) -> (Layout, Vec<OwnedControlMessage>) {
    let (layout, input) = pick_layout(bytes);
    let host_rights = (Layout::HOST.sol_socket(), Layout::HOST.scm_rights());
    let msgs = roundtrip_messages(input)
        .into_iter()
        .map(|mut msg| {
            if (msg.level, msg.kind) == host_rights {
                msg.level = layout.sol_socket();
                msg.kind = layout.scm_rights();
            }
            msg
        })
        .collect();
    (layout, msgs)
}

/// The layout that the first byte of `bytes` picks, [`Layout::ALL`]
/// modulo its length, and the bytes after it. An empty input picks the
/// first layout.
///
/// ```
/// use sockcmsg::{check, Layout};
/// assert_eq!(check::pick_layout(&[4, 9]), (Layout::ALL[4], &[9][..]));
/// assert_eq!(check::pick_layout(&[18]), (Layout::ALL[0], &[][..]));
/// ```
pub fn pick_layout(bytes: &[u8]) -> (Layout, &[u8]) {
    let (&first, rest) = bytes.split_first().unwrap_or((&0, bytes));
    let index = usize::from(first)
        .checked_rem(Layout::ALL.len())
        .unwrap_or_default();
    (
        Layout::ALL.get(index).copied().unwrap_or(Layout::HOST),
        rest,
    )
}

/// `bytes` behind the byte that makes [`pick_layout`] pick `layout`: a
/// seed for the `*_any_layout` targets.
///
/// ```
/// use sockcmsg::{check, Layout};
/// let input = check::any_layout_input(Layout::MACOS, &[1, 2]);
/// assert_eq!(check::pick_layout(&input), (Layout::MACOS, &[1, 2][..]));
/// ```
pub fn any_layout_input(layout: Layout, bytes: &[u8]) -> Vec<u8> {
    let index = Layout::ALL
        .iter()
        .position(|known| *known == layout)
        .expect("every layout is in Layout::ALL");
    let mut input = vec![u8::try_from(index).expect("fewer than 256 layouts")];
    input.extend(bytes);
    input
}

/// `buf` with the `cmsg_len` of its first header set to `len`, written as
/// `layout` stores it (width, place, byte order; a pad beside it zeroed):
/// for building malformed buffers. `None` if `buf` is shorter than a
/// header or `len` does not fit the layout's length field.
///
/// ```
/// use sockcmsg::{check, Error, Layout};
/// let layout = Layout::FREEBSD_64;
/// let buf = layout.unix_rights(&[3])?;
/// // 12 bytes: sizeof(struct cmsghdr), but data starts at 16.
/// let short = check::with_cmsg_len(layout, &buf, 12).unwrap();
/// assert!(matches!(layout.parse_socket_control_message(&short), Err(Error::LengthBelowHeader { .. })));
/// assert_eq!(check::with_cmsg_len(layout, &buf[..8], 16), None); // shorter than a header
/// # Ok::<(), sockcmsg::Error>(())
/// ```
pub fn with_cmsg_len(layout: Layout, buf: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = buf.to_vec();
    let header = layout.read_header(buf)?;
    let slot = out.get_mut(..layout.data_offset())?;
    layout.write_header(slot, len, header.level, header.kind)?;
    Some(out)
}

/// The messages [`roundtrip`] encodes for `bytes`: `arbitrary`'s
/// `Vec<OwnedControlMessage>` taking all of them, as a
/// `fuzz_target!(|msgs: Vec<OwnedControlMessage>| ...)` would get.
///
/// ```
/// // One message follows (1), rights (0), an fd (7), 4 bytes of fds (4).
/// let msgs = sockcmsg::check::roundtrip_messages(&[1, 0, 7, 0, 0, 0, 4]);
/// assert_eq!(msgs, [sockcmsg::OwnedControlMessage::rights(&[7])]);
/// ```
pub fn roundtrip_messages(bytes: &[u8]) -> Vec<OwnedControlMessage> {
    Vec::<OwnedControlMessage>::arbitrary_take_rest(Unstructured::new(bytes))
        .expect("arbitrary makes messages from any bytes")
}

/// The bytes that [`roundtrip_messages`] reads as `msgs`: seeds for the
/// `roundtrip` target.
///
/// This writes the format of `OwnedControlMessage`'s `Arbitrary` impl by
/// hand. From the front: for each message a byte whose low bit says that
/// one follows, then a byte that chooses rights (0), credentials (1) or any
/// other message (2), then its fds, its credentials, or its level, type
/// and data, integers little-endian. From the back, the last read first:
/// the length in bytes of each message's fds or data, in the 1, 2, 4 or 8
/// bytes that `Unstructured::arbitrary_len` takes for what is left when it
/// reads it. Rights and credentials are written as such, so that mutating
/// them keeps them valid; anything else as level, type and data.
///
/// ```
/// use sockcmsg::{check, OwnedControlMessage};
/// let msgs = vec![
///     OwnedControlMessage::rights(&[3]),
///     OwnedControlMessage { level: 41, kind: 50, data: vec![1, 2, 3] },
/// ];
/// let input = check::roundtrip_input(&msgs);
/// assert_eq!(input.len(), 2 + 4 + 2 + 8 + 3 + 2);
/// assert_eq!(check::roundtrip_messages(&input), msgs);
/// ```
pub fn roundtrip_input(msgs: &[OwnedControlMessage]) -> Vec<u8> {
    const MORE: u8 = 1;
    const RIGHTS: u8 = 0;
    const CREDENTIALS: u8 = 1;
    const OTHER: u8 = 2;
    let layout = Layout::HOST;
    // What is read from the front, in order, and each length read from the
    // back, with the number of front bytes read before it.
    let mut front = Vec::new();
    let mut lengths: Vec<(usize, usize)> = Vec::new();
    for msg in msgs {
        front.push(MORE);
        let parsed = as_parsed(layout, msg);
        if let Ok(fds) = layout.parse_unix_rights(&parsed) {
            front.push(RIGHTS);
            lengths.push((front.len(), msg.data.len()));
            for fd in fds {
                front.extend(fd.to_le_bytes());
            }
        } else if let Some(Ucred { pid, uid, gid }) = layout
            .parse_unix_credentials(&parsed)
            .ok()
            .filter(|_| msg.data.len() == UCRED_LEN)
        {
            front.push(CREDENTIALS);
            front.extend(pid.to_le_bytes());
            front.extend(uid.to_le_bytes());
            front.extend(gid.to_le_bytes());
        } else {
            front.push(OTHER);
            front.extend(msg.level.to_le_bytes());
            front.extend(msg.kind.to_le_bytes());
            lengths.push((front.len(), msg.data.len()));
            front.extend(&msg.data);
        }
    }
    // The innermost length is read last, when only the front bytes after
    // it and its own bytes are left; each one further out has the inner
    // ones' bytes left besides.
    let mut back = Vec::new();
    for &(read_after, len) in lengths.iter().rev() {
        let left = front
            .len()
            .saturating_sub(read_after)
            .saturating_add(back.len());
        back.extend(length_bytes(left, len));
    }
    front.extend(back);
    front
}

/// The bytes at the end of the input that `Unstructured::arbitrary_len`
/// reads as `len` when `left` other bytes remain: 1, 2, 4 or 8 of them, the
/// fewest whose range reaches `left`; of those it reads, big-endian, only
/// as many as `left` needs, and takes the number modulo `left + 1`.
fn length_bytes(left: usize, len: usize) -> Vec<u8> {
    let left = u64::try_from(left).expect("a usize fits a u64");
    let width = if left <= u8::MAX.into() {
        1
    } else if left <= u16::MAX.into() {
        2
    } else if left <= u32::MAX.into() {
        4
    } else {
        8
    };
    let significant = u64::BITS.saturating_sub(left.leading_zeros()).div_ceil(8);
    let len = u64::try_from(len)
        .expect("a usize fits a u64")
        .to_be_bytes();
    let skipped = len
        .len()
        .saturating_sub(usize::try_from(significant).expect("at most 8"));
    let mut bytes = len.get(skipped..).unwrap_or_default().to_vec();
    bytes.resize(width, 0);
    bytes
}

/// Walks `bytes` with the C library's `CMSG_FIRSTHDR`/`CMSG_NXTHDR` (glibc's
/// or musl's) over an aligned copy, where the codec accepts them, and checks
/// that the walk yields the codec's headers at the codec's offsets, with
/// `CMSG_DATA` where the codec's data starts.
///
/// The expected walk is the model's dialect of the C library
/// (`sockcmsg::model::dialect`). musl's `CMSG_NXTHDR` has a `>=` where Go,
/// glibc and the kernel have a `>`: it does not visit a last message that
/// is a bare header ending exactly at the end of the buffer (unless it is
/// the first, which `CMSG_FIRSTHDR` returns): `Dialect::Musl`.
///
/// On glibc one documented difference is allowed, because glibc's
/// `CMSG_NXTHDR` changed. The old one stops before a message whose padded length passes
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
/// let mut buf = sockcmsg::unix_rights(&[3])?;
/// buf.extend(sockcmsg::unix_rights(&[4])?);
/// buf.truncate(buf.len() - 4); // the last message unpadded
/// sockcmsg::check::libc_walk(&buf);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
pub fn libc_walk(bytes: &[u8]) {
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
/// is then held to that rule: the model's `Dialect::KernelCompat`, else
/// `Dialect::Kernel`.
///
/// Each thread keeps one socketpair and reads back every datagram it sends.
/// Buffers longer than [`KERNEL_MAX_CONTROL`] are skipped.
///
/// ```
/// let mut buf = sockcmsg::unix_rights(&[0])?;
/// sockcmsg::check::kernel(&buf);
/// buf[0] += 1; // cmsg_len past the end: both reject it
/// sockcmsg::check::kernel(&buf);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn kernel(bytes: &[u8]) {
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

/// The codec's functions for one layout, as the checks call them: on the
/// host's layout the crate-root functions, which are Go's API and must
/// answer exactly as `Layout::HOST`'s methods do, so that every invariant
/// holds them (and, through them, those methods) to the same answers; on
/// any other layout the layout's methods.
///
/// In place, not beside the methods: a fuzz target inlines each call, so
/// calling both would put a second copy of the codec's branches in every
/// run's coverage, and libFuzzer's cost per run grows with the branches
/// it hits.
#[derive(Clone, Copy)]
struct Codec {
    layout: Layout,
}

impl Codec {
    fn new(layout: Layout) -> Codec {
        Codec { layout }
    }

    fn is_host(self) -> bool {
        self.layout == Layout::HOST
    }

    fn messages(self, buf: &[u8]) -> Messages<'_> {
        if self.is_host() {
            crate::messages(buf)
        } else {
            self.layout.messages(buf)
        }
    }

    fn parse_socket_control_message(
        self,
        buf: &[u8],
    ) -> Result<Vec<SocketControlMessage<'_>>, Error> {
        if self.is_host() {
            crate::parse_socket_control_message(buf)
        } else {
            self.layout.parse_socket_control_message(buf)
        }
    }

    fn parse_one_socket_control_message(
        self,
        buf: &[u8],
    ) -> Result<(SocketControlMessage<'_>, &[u8]), Error> {
        if self.is_host() {
            crate::parse_one_socket_control_message(buf)
        } else {
            self.layout.parse_one_socket_control_message(buf)
        }
    }

    fn parse_unix_rights(self, msg: &SocketControlMessage<'_>) -> Result<Vec<RawFd>, Error> {
        if self.is_host() {
            crate::parse_unix_rights(msg)
        } else {
            self.layout.parse_unix_rights(msg)
        }
    }

    fn fds<'a>(self, msg: &SocketControlMessage<'a>) -> Result<Fds<'a>, Error> {
        if self.is_host() {
            crate::fds(msg)
        } else {
            self.layout.fds(msg)
        }
    }

    fn parse_unix_credentials(self, msg: &SocketControlMessage<'_>) -> Result<Ucred, Error> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.is_host() {
            return crate::parse_unix_credentials(msg);
        }
        self.layout.parse_unix_credentials(msg)
    }

    fn unix_rights(self, fds: &[RawFd]) -> Result<Vec<u8>, Error> {
        if self.is_host() {
            crate::unix_rights(fds)
        } else {
            self.layout.unix_rights(fds)
        }
    }

    fn unix_credentials(self, cred: &Ucred) -> Result<Vec<u8>, Error> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.is_host() {
            return crate::unix_credentials(cred);
        }
        self.layout.unix_credentials(cred)
    }

    fn encoded_len(self, msgs: &[ControlMessage<'_>]) -> Result<usize, Error> {
        if self.is_host() {
            crate::encoded_len(msgs)
        } else {
            self.layout.encoded_len(msgs)
        }
    }

    fn encode_into(self, msgs: &[ControlMessage<'_>], buf: &mut [u8]) -> Result<usize, Error> {
        if self.is_host() {
            crate::encode_into(msgs, buf)
        } else {
            self.layout.encode_into(msgs, buf)
        }
    }

    fn encode_to_vec(self, msgs: &[ControlMessage<'_>], out: &mut Vec<u8>) -> Result<usize, Error> {
        if self.is_host() {
            crate::encode_to_vec(msgs, out)
        } else {
            self.layout.encode_to_vec(msgs, out)
        }
    }

    fn encode(self, msgs: &[ControlMessage<'_>]) -> Result<Vec<u8>, Error> {
        if self.is_host() {
            crate::encode(msgs)
        } else {
            self.layout.encode(msgs)
        }
    }
}

/// Checks every parse of `bytes` with `layout` (see [`parse`]) and returns
/// `parse_socket_control_message`'s answer, for [`roundtrip`] to compare.
///
/// One pass over the walk checks each message against the other parsers,
/// the bytes (its header re-encoded) and the typed decoders, so that each
/// message is read no more often than the invariants need. On the host's layout the
/// functions checked are the crate root's ([`Codec`]).
fn parse_in(layout: Layout, bytes: &[u8]) -> Result<Vec<SocketControlMessage<'_>>, Error> {
    let codec = Codec::new(layout);
    let header_len = layout.cmsg_len(0);
    let parsed = codec.parse_socket_control_message(bytes);
    let mut walk = codec.messages(bytes);
    let upper_bound = walk.size_hint().1;

    let mut count = 0usize;
    // Where the walk says the next header starts.
    let mut offset = 0usize;
    // What parse_one leaves, as a caller that walks with it goes on from.
    let mut rest = bytes;
    let mut failed = None;
    let mut header = [0u8; 32];
    let kept = kept_bytes(layout);
    let mut errors = ErrorKinds::default();
    for item in walk.by_ref() {
        assert!(failed.is_none(), "messages() went on after an error");
        let here = bytes.get(offset..).unwrap_or_default();
        assert!(
            here.len() >= header_len,
            "the walk read a header at offset {offset} with only {} bytes left",
            here.len()
        );
        assert!(
            offset_in(bytes, rest) == Some(offset) && rest.len() == here.len(),
            "parse_one's rest does not start at offset {offset}, where messages() reads a header"
        );
        let one = codec.parse_one_socket_control_message(rest);
        match item {
            Ok(msg) => {
                assert!(
                    parsed
                        .as_ref()
                        .map_or(true, |msgs| msgs.get(count) == Some(&msg)),
                    "parse_socket_control_message and messages() give other messages"
                );
                assert!(
                    one.is_ok_and(|(one, _)| one == msg),
                    "parse_one_socket_control_message at offset {offset} gives {one:?}, \
                     messages() {msg:?}"
                );
                let Some(raw) = here.get(..msg.header.len) else {
                    panic!("the message at offset {offset} passes the end of the buffer");
                };
                check_header(layout, raw, &msg, &kept, &mut header);
                check_typed(codec, raw, &msg, &kept, &mut errors);
                offset = offset.saturating_add(layout.cmsg_space(msg.data.len()));
                rest = one.map_or_else(|_| &[][..], |(_, next)| next);
            }
            Err(err) => {
                assert_eq!(
                    parsed.as_ref().err(),
                    Some(&err),
                    "parse_socket_control_message and messages() end in other errors"
                );
                assert_eq!(
                    one.map(drop).map_err(|one| at_offset(one, offset)),
                    Err(err),
                    "parse_one_socket_control_message at offset {offset} and messages() \
                     fail with other errors"
                );
                errors.note(err);
                failed = Some(err);
            }
        }
        count = count.saturating_add(1);
    }
    assert_eq!(walk.next(), None, "messages() yielded more after ending");
    assert!(
        upper_bound.is_some_and(|bound| count <= bound),
        "messages() yielded {count} items, more than its size_hint {upper_bound:?}"
    );
    match (&parsed, failed) {
        (Ok(msgs), None) => {
            assert_eq!(
                msgs.len(),
                count,
                "parse_socket_control_message and messages() give other messages"
            );
            let tail = bytes.get(offset..).unwrap_or_default();
            assert!(
                tail.len() < header_len,
                "the walk stopped at offset {offset} of {} bytes with a whole header left",
                bytes.len()
            );
            assert!(
                rest.len() == tail.len()
                    && (rest.is_empty() || offset_in(bytes, rest) == Some(offset)),
                "parse_one's last rest is not the tail that messages() leaves at offset {offset}"
            );
            let truncated = Error::TruncatedHeader {
                offset: 0,
                available: rest.len(),
                needed: header_len,
            };
            assert_eq!(
                codec.parse_one_socket_control_message(rest).err(),
                Some(truncated),
                "parse_one on fewer bytes than a header"
            );
            errors.note(truncated);
        }
        (Err(_), Some(_)) => {}
        _ => panic!(
            "parse_socket_control_message gives {parsed:?} where messages() ends with {failed:?}"
        ),
    }
    errors.check_texts();
    check_against_model(layout, bytes, &parsed);
    parsed
}

/// Checks that the codec's answer for `bytes` is the model's: the same
/// messages, each with its header's fields and its data where the model
/// puts it, or the same rejection with the same numbers.
fn check_against_model(
    layout: Layout,
    bytes: &[u8],
    parsed: &Result<Vec<SocketControlMessage<'_>>, Error>,
) {
    use crate::model::{Message, Model, Rejection};

    let wide = |n: usize| n as u128;
    let codec = match parsed {
        Ok(msgs) => Ok(msgs
            .iter()
            .map(|msg| Message {
                len: wide(msg.header.len),
                level: msg.header.level,
                kind: msg.header.kind,
                data_at: wide(offset_in(bytes, msg.data).expect("parsed data lies in the buffer")),
                data_len: wide(msg.data.len()),
            })
            .collect::<Vec<_>>()),
        Err(err) => Err(Rejection::of_error(*err)),
    };
    let walk = Model::new(layout).walk(bytes);
    let model = walk.result().map(<[Message]>::to_vec).map_err(Some);
    assert_eq!(
        codec, model,
        "the codec and the model disagree on {bytes:02x?}"
    );
}

/// Checks that re-encoding a parsed message's header reproduces the bytes
/// it was read from, the start of `raw`, with the header's padding zeroed
/// (`kept`, from [`kept_bytes`]). `scratch` is room for a header.
///
/// The data needs no re-encoding: it is the slice of `raw` after the
/// header (where the model puts it), and [`roundtrip`] checks that the
/// encoder copies data as it is.
fn check_header(
    layout: Layout,
    raw: &[u8],
    msg: &SocketControlMessage<'_>,
    kept: &[u8; 32],
    scratch: &mut [u8; 32],
) {
    let header_len = layout.cmsg_len(0);
    let header = scratch
        .get_mut(..header_len)
        .expect("a header is at most 32 bytes");
    layout
        .write_header(header, msg.header.len, msg.header.level, msg.header.kind)
        .expect("a parsed header's length fits its field");
    let raw = raw.get(..header_len).expect("a parsed header lies in raw");
    assert!(
        reencodes(header, raw, kept),
        "re-encoding the header {:?} gives {header:02x?}, not the bytes it was read from, \
         {raw:02x?}, with the padding zeroed",
        msg.header
    );
}

/// Which bytes of a message survive re-encoding, as 0xff, and which the
/// encoder zeroes, as 0: the header's padding, which the parser ignores
/// whatever it holds (the pad beside musl's 32-bit length; on the 64-bit
/// BSDs, the 4 bytes between the 12-byte header and the data). Bytes past
/// these 32 are data, kept.
fn kept_bytes(layout: Layout) -> [u8; 32] {
    let mut kept = [0xff; 32];
    let header = kept
        .get_mut(..layout.cmsg_len(0))
        .expect("a header is at most 32 bytes");
    // All ones in every field (and zeroes in the padding), the length's
    // being 4 or 8 bytes wide.
    let widest = [usize::MAX, usize::try_from(u32::MAX).unwrap_or(usize::MAX)];
    assert!(
        widest
            .into_iter()
            .any(|len| layout.write_header(header, len, -1, -1).is_some()),
        "{} has a length field of 4 or 8 bytes",
        layout.name()
    );
    kept
}

/// Whether `encoded` starts with the bytes of `raw` that survive
/// re-encoding (`kept`), and zeroes where `raw` had padding.
fn reencodes(encoded: &[u8], raw: &[u8], kept: &[u8; 32]) -> bool {
    encoded.len() >= raw.len()
        && encoded
            .iter()
            .zip(raw)
            .enumerate()
            .all(|(at, (&byte, &read))| byte == read & kept.get(at).copied().unwrap_or(u8::MAX))
}

/// An error's message, written into a fixed buffer: a `String` would cost
/// the fuzzer the branches of allocating and growing it in every run.
struct Message {
    bytes: [u8; 256],
    len: usize,
}

impl Message {
    fn of(err: Error) -> Message {
        use std::fmt::Write;

        let mut message = Message {
            bytes: [0; 256],
            len: 0,
        };
        write!(message, "{err}").expect("an error's message fits in 256 bytes");
        message
    }

    fn text(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl std::fmt::Write for Message {
    fn write_str(&mut self, part: &str) -> std::fmt::Result {
        let end = self.len.checked_add(part.len()).ok_or(std::fmt::Error)?;
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(part.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Which of `values` are numbers in `text`, where a number is a run of
/// digits and a '-' right before it its sign. One pass over the bytes, one
/// comparison each: every branch and comparison here is paid for in every
/// fuzz run.
fn named_in(text: &[u8], values: [Option<i128>; 4]) -> [bool; 4] {
    let mut named = [false; 4];
    let mut note = |number: Option<i128>, negative: bool| {
        if let Some(number) = number {
            let number = if negative {
                number.saturating_neg()
            } else {
                number
            };
            for (named, value) in named.iter_mut().zip(values) {
                *named |= value == Some(number);
            }
        }
    };
    let mut number: Option<i128> = None;
    let mut negative = false;
    for &byte in text {
        if byte.is_ascii_digit() {
            let digit = i128::from(byte.wrapping_sub(b'0'));
            number = Some(number.unwrap_or(0).saturating_mul(10).saturating_add(digit));
        } else {
            note(number.take(), negative);
            negative = byte == b'-';
        }
    }
    note(number, negative);
    named
}

/// The errors a check met, the first of each kind, whose messages
/// [`check_error_text`] checks once the check is done: formatting every
/// error of a buffer of many messages (each fails both typed decoders)
/// would cost more than all the other checks together, while one of each
/// kind still checks every message that the input reaches.
#[derive(Default)]
struct ErrorKinds(Vec<Error>);

impl ErrorKinds {
    fn note(&mut self, err: Error) {
        let kind = std::mem::discriminant(&err);
        if !self
            .0
            .iter()
            .any(|seen| std::mem::discriminant(seen) == kind)
        {
            self.0.push(err);
        }
    }

    fn check_texts(&self) {
        for &err in &self.0 {
            check_error_text(err);
        }
    }
}

/// Checks that an error's message names every number it carries (offsets,
/// lengths, levels, types) and, for a layout's error, the layout, so that
/// a person reading it sees what was rejected and where; and that it
/// converts to `EINVAL`, as Go answers every rejection.
fn check_error_text(err: Error) {
    let wide = |n: usize| i128::try_from(n).expect("a usize fits an i128");
    let carried: [Option<i128>; 4] = match err {
        Error::TruncatedHeader {
            offset,
            available,
            needed,
        } => [
            Some(wide(offset)),
            Some(wide(available)),
            Some(wide(needed)),
            None,
        ],
        Error::LengthBelowHeader { offset, len, min } => {
            [Some(wide(offset)), Some(len.into()), Some(wide(min)), None]
        }
        Error::LengthPastEnd {
            offset,
            len,
            available,
        } => [
            Some(wide(offset)),
            Some(len.into()),
            Some(wide(available)),
            None,
        ],
        Error::UnexpectedMessage {
            level,
            kind,
            expected_level,
            expected_kind,
        } => [level, kind, expected_level, expected_kind].map(|n| Some(n.into())),
        Error::PartialFd { len } => [Some(wide(len)), None, None, None],
        Error::ShortCredentials { len, needed } => {
            [Some(wide(len)), Some(wide(needed)), None, None]
        }
        Error::BufferTooSmall { needed, available } => {
            [Some(wide(needed)), Some(wide(available)), None, None]
        }
        Error::CredentialsUnsupported { .. } => [None; 4],
        Error::DataTooLong { len, max } => [Some(wide(len)), Some(wide(max)), None, None],
        Error::EncodingTooLong { before, added, max } => {
            [Some(wide(before)), Some(wide(added)), Some(wide(max)), None]
        }
    };
    let message = Message::of(err);
    let text = message.text();
    for (value, named) in carried.into_iter().zip(named_in(text, carried)) {
        assert!(
            value.is_none() || named,
            "the message of {err:?} does not name {value:?}: {err}"
        );
    }
    if let Error::CredentialsUnsupported { layout } = err {
        assert!(
            text.windows(layout.len())
                .any(|word| word == layout.as_bytes()),
            "the message of {err:?} does not name the layout: {err}"
        );
    }
    assert_eq!(
        std::io::Error::from(err).raw_os_error(),
        Some(libc::EINVAL),
        "{err}"
    );
}

/// Checks the typed decoders on one message, whose header and data are
/// `raw`: each accepts exactly the messages of its type with a valid
/// payload, reports the reason for the others, and returns what encodes
/// back to the message (with `unix_rights` and `unix_credentials`), its
/// header's padding zeroed (`kept`).
fn check_typed(
    codec: Codec,
    raw: &[u8],
    msg: &SocketControlMessage<'_>,
    kept: &[u8; 32],
    errors: &mut ErrorKinds,
) {
    let layout = codec.layout;
    let on_socket = msg.header.level == layout.sol_socket();
    let is_rights = on_socket && msg.header.kind == layout.scm_rights();
    let is_credentials = on_socket && Some(msg.header.kind) == layout.scm_credentials();
    let unexpected = |kind| Error::UnexpectedMessage {
        level: msg.header.level,
        kind: msg.header.kind,
        expected_level: layout.sol_socket(),
        expected_kind: kind,
    };

    let rights = codec.parse_unix_rights(msg);
    let iterated = codec.fds(msg);
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
            let encoded = codec
                .unix_rights(&fds)
                .expect("the fds of a parsed message fit a message");
            assert!(
                reencodes(&encoded, raw, kept),
                "the fds parse_unix_rights returned do not encode back to the message"
            );
        }
        Err(err @ Error::PartialFd { len }) => {
            assert!(
                is_rights && len == msg.data.len() && len % 4 != 0,
                "{err:?}"
            );
            errors.note(err);
        }
        Err(err) => {
            assert!(
                !is_rights,
                "parse_unix_rights rejected an SCM_RIGHTS message: {err}"
            );
            assert_eq!(err, unexpected(layout.scm_rights()));
            errors.note(err);
        }
    }

    let credentials = codec.parse_unix_credentials(msg);
    match credentials {
        Ok(cred) => {
            assert!(
                is_credentials,
                "parse_unix_credentials accepted {:?}",
                msg.header
            );
            let encoded = codec
                .unix_credentials(&cred)
                .expect("a layout that decodes credentials encodes them");
            // Bytes past the struct are ignored, as in Go, so the encoding
            // is the message only when it has none.
            let data = encoded.get(layout.cmsg_len(0)..layout.cmsg_len(UCRED_LEN));
            assert!(
                data.is_some()
                    && data == msg.data.get(..UCRED_LEN)
                    && (msg.data.len() > UCRED_LEN || reencodes(&encoded, raw, kept)),
                "the credentials parse_unix_credentials returned do not encode back to the message"
            );
        }
        Err(err @ Error::ShortCredentials { len, needed }) => {
            assert!(
                is_credentials && len == msg.data.len() && len < needed && needed == UCRED_LEN,
                "{err:?}"
            );
            errors.note(err);
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
            errors.note(err);
        }
    }
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

/// `msg` as `layout`'s parser would give it back, for the typed decoders.
fn as_parsed(layout: Layout, msg: &OwnedControlMessage) -> SocketControlMessage<'_> {
    SocketControlMessage {
        header: Cmsghdr {
            len: layout.cmsg_len(msg.data.len()),
            level: msg.level,
            kind: msg.kind,
        },
        data: &msg.data,
    }
}

/// Checks the encoders on [`ControlMessage::Credentials`], made from the
/// first of `msgs` that is the host's credentials message: each encodes it
/// as `unix_credentials` does where the layout has credentials, and
/// refuses it with [`Error::CredentialsUnsupported`] elsewhere, leaving
/// the buffer it was given as it was.
fn check_typed_credentials(codec: Codec, msgs: &[OwnedControlMessage]) {
    let host = Layout::HOST;
    let Some(cred) = msgs
        .iter()
        .find_map(|msg| host.parse_unix_credentials(&as_parsed(host, msg)).ok())
    else {
        return;
    };
    let typed = [ControlMessage::Credentials(cred)];
    let layout = codec.layout;
    let expected = codec.unix_credentials(&cred);
    let mut buf = [0xa5; 64];
    let mut out = vec![0xa5];
    let answers = (
        codec.encoded_len(&typed),
        codec.encode(&typed),
        codec.encode_into(&typed, &mut buf).map(|n| buf.get(..n)),
        codec.encode_to_vec(&typed, &mut out).map(|_| out.get(1..)),
    );
    match expected {
        Ok(expected) => assert!(
            answers.0 == Ok(expected.len())
                && answers.1.as_ref() == Ok(&expected)
                && answers.2 == Ok(Some(&expected[..]))
                && answers.3 == Ok(Some(&expected[..])),
            "the encoders on Credentials({cred:?}) give {answers:?}, not unix_credentials' \
             {expected:?}"
        ),
        Err(err) => {
            let refused = Error::CredentialsUnsupported {
                layout: layout.name(),
            };
            assert!(
                err == refused
                    && layout.scm_credentials().is_none()
                    && answers == (Err(refused), Err(refused), Err(refused), Err(refused))
                    && buf == [0xa5; 64]
                    && out == [0xa5],
                "the encoders on Credentials({cred:?}) for {} give {answers:?}, \
                 unix_credentials {err:?}",
                layout.name()
            );
        }
    }
}

fn roundtrip_in(layout: Layout, msgs: &[OwnedControlMessage]) {
    let codec = Codec::new(layout);
    check_typed_credentials(codec, msgs);
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
        codec.encoded_len(&to_encode),
        Ok(size),
        "encoded_len is not the sum of the messages' cmsg_space"
    );

    let mut appended = vec![0xa5];
    assert_eq!(
        codec.encode_to_vec(&to_encode, &mut appended),
        Ok(size),
        "encode_to_vec's length"
    );
    let (&first, buf) = appended.split_first().expect("one byte was there");
    assert_eq!(first, 0xa5, "encode_to_vec changed the bytes it appends to");
    assert_eq!(buf.len(), size, "encode_to_vec's length is not encoded_len");

    let dirty_bytes = vec![0xa5; size.saturating_add(1)];
    let mut dirty = dirty_bytes.clone();
    if let Some(short) = size.checked_sub(1) {
        let small = dirty.get_mut(..short).expect("a shorter buffer");
        let refused = codec.encode_into(&to_encode, small);
        let too_small = Error::BufferTooSmall {
            needed: size,
            available: short,
        };
        assert_eq!(refused, Err(too_small), "encode_into one byte short");
        check_error_text(too_small);
        assert!(
            dirty_bytes.get(..short) == Some(small),
            "encode_into wrote into a buffer it refused"
        );
    }
    assert_eq!(codec.encode_into(&to_encode, &mut dirty), Ok(size));
    assert_eq!(
        dirty.split_last(),
        Some((&0xa5, buf)),
        "encode_into over a dirty buffer wrote other bytes than encode_to_vec, or wrote past \
         the messages"
    );

    // Each message comes back as the ControlMessage it was encoded from...
    let parsed = parse_in(layout, buf);
    assert!(
        parsed.as_ref().is_ok_and(|parsed| parsed
            .iter()
            .map(|&msg| ControlMessage::from(msg))
            .eq(to_encode.iter().copied())),
        "the encoded messages parse back as {parsed:?}, not as {msgs:?}"
    );
    // ... and, without the last message's padding, as the owned message
    // it was made from.
    if let Some(last) = msgs.last() {
        let padding = layout
            .cmsg_space(last.data.len())
            .saturating_sub(layout.cmsg_len(last.data.len()));
        let unpadded = buf
            .get(..size.saturating_sub(padding))
            .expect("the padding is part of the buffer");
        let owned: Result<Vec<OwnedControlMessage>, Error> = codec
            .parse_socket_control_message(unpadded)
            .map(|parsed| parsed.into_iter().map(OwnedControlMessage::from).collect());
        assert_eq!(
            owned.as_deref(),
            Ok(msgs),
            "without the last message's padding, the encoded messages parse back as others"
        );
    }
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
            // Lengths in 4, 2, 1 and 1 bytes, as more or less is left when
            // each is read.
            vec![
                other(1, 2, &[7; 65_536]),
                OwnedControlMessage::rights(&[5; 64]),
                other(3, 4, &[8; 200]),
                other(5, 6, &[]),
            ],
        ];
        for msgs in lists {
            assert_eq!(roundtrip_messages(&roundtrip_input(&msgs)), msgs);
        }
    }

    #[test]
    fn each_length_takes_the_bytes_arbitrary_len_reads_for_what_is_left() {
        for (left, len, bytes) in [
            (0, 0, &[0][..]),
            (3, 3, &[3]),
            (255, 200, &[200]),
            (256, 200, &[0, 200]),
            (300, 258, &[1, 2]),
            (65_535, 65_535, &[0xff, 0xff]),
            (65_536, 7, &[0, 0, 7, 0]),
        ] {
            assert_eq!(length_bytes(left, len), bytes, "{len} of {left}");
        }
        // And arbitrary agrees: the length is the last bytes it reads.
        for left in [0, 1, 255, 256, 65_535, 65_536] {
            let mut input = vec![0; left];
            input.extend(length_bytes(left, left));
            let read = Unstructured::new(&input).arbitrary_len::<u8>().unwrap();
            assert_eq!(read, left);
        }
    }

    #[test]
    fn error_messages_name_what_each_error_carries() {
        for err in [
            Error::TruncatedHeader {
                offset: 1,
                available: 2,
                needed: 16,
            },
            Error::LengthBelowHeader {
                offset: 8,
                len: 3,
                min: 12,
            },
            Error::LengthPastEnd {
                offset: 0,
                len: u64::MAX,
                available: 40,
            },
            Error::UnexpectedMessage {
                level: -1,
                kind: 9,
                expected_level: 1,
                expected_kind: 2,
            },
            Error::PartialFd { len: 5 },
            Error::ShortCredentials { len: 4, needed: 12 },
            Error::BufferTooSmall {
                needed: 24,
                available: 23,
            },
            Error::CredentialsUnsupported { layout: "macos" },
            Error::DataTooLong { len: 9, max: 8 },
            Error::EncodingTooLong {
                before: 24,
                added: 16,
                max: 32,
            },
        ] {
            check_error_text(err);
        }
    }

    #[test]
    fn numbers_are_whole_runs_of_digits_with_their_sign() {
        let values = [Some(16), Some(-1), Some(4), None];
        assert_eq!(
            named_in(b"at offset 16 level -1 (4 bytes)", values),
            [true, true, true, false]
        );
        // 1 and 6 are not 16, 1 is not -1, 45 is not 4; a number may end
        // the text.
        assert_eq!(
            named_in(b"offsets 1 and 6, level 1, 45", values),
            [false; 4]
        );
        assert_eq!(
            named_in(b"cmsg_len 18446744073709551615", [Some(u64::MAX.into()); 4]),
            [true; 4]
        );
    }

    #[test]
    fn the_first_error_of_each_kind_is_kept_for_its_text() {
        let mut errors = ErrorKinds::default();
        for len in [5, 6] {
            errors.note(Error::PartialFd { len });
        }
        errors.note(Error::ShortCredentials { len: 4, needed: 12 });
        assert_eq!(
            errors.0,
            [
                Error::PartialFd { len: 5 },
                Error::ShortCredentials { len: 4, needed: 12 }
            ]
        );
    }

    #[test]
    fn header_padding_is_not_part_of_the_reencoded_bytes() {
        // The pad beside musl's length (bytes 4..8) and the 4 bytes
        // between FreeBSD's 12-byte header and its data, filled.
        for (layout, padding) in [(Layout::LINUX_64_MUSL, 4..8), (Layout::FREEBSD_64, 12..16)] {
            let mut buf = layout.unix_rights(&[3]).unwrap();
            buf[padding].fill(0xee);
            assert_eq!(
                layout.parse_unix_rights(&layout.parse_socket_control_message(&buf).unwrap()[0]),
                Ok(vec![3])
            );
            parse_any_layout(&any_layout_input(layout, &buf));
        }
    }

    #[test]
    fn every_target_passes_the_crate_own_buffers() {
        let mut two = unix_credentials(&Ucred {
            pid: 1,
            uid: 2,
            gid: 3,
        })
        .unwrap();
        two.extend(unix_rights(&[3, 4, 5]).unwrap());
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
        libc_walk(&two);
        // One byte more after it, and musl visits it.
        two.push(0);
        assert_eq!(walk(&two).unwrap().len(), 2);
        libc_walk(&two);
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
        libc_walk(&two[..second_unpadded]);
    }
}
