//! Property tests: the codec against a reference model of Go's rules, round
//! trips, concatenation, the three parsers, sizes against libc, the
//! encoder's output and the typed decoders, for each layout in [`SPECS`].
//!
//! The model (`mod model`) is written from the spec (Go's
//! `syscall.ParseSocketControlMessage` and the C headers) and shares no
//! code with the crate: it reads and writes headers itself, counts in
//! `u128` so that nothing can overflow, and has its own error type, to which
//! the crate's errors are mapped variant by variant.
//!
//! The inputs come from `sockcmsg::strategies` (the crate's dev-dependency
//! on itself turns the `proptest` feature on). `PROPTEST_CASES` sets the
//! number of cases.

use model::{Failure, Msg, Spec};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use sockcmsg::strategies::{
    self, malformed_buffer, message, messages, well_formed_buffer, MalformedBuffer,
};
use sockcmsg::{ControlMessage, Error, Layout, OwnedControlMessage, SocketControlMessage, Ucred};

/// The layouts under test, each with the model's description of it, from
/// the platform's C header (and Go's `cmsgAlignOf` for the alignment).
static SPECS: [Spec; 18] = [
    // glibc <bits/socket.h>: size_t cmsg_len; int cmsg_level; int
    // cmsg_type; CMSG_ALIGN to sizeof(size_t).
    linux(Layout::LINUX_64, 16, 0, 8, false),
    linux(Layout::LINUX_64_BE, 16, 0, 8, true),
    // musl <sys/socket.h>: socklen_t cmsg_len beside int __pad1, the pad
    // first on big-endian; CMSG_ALIGN to sizeof(size_t).
    linux(Layout::LINUX_64_MUSL, 16, 0, 4, false),
    linux(Layout::LINUX_64_MUSL_BE, 16, 4, 4, true),
    // 32-bit: size_t is 4 bytes.
    linux(Layout::LINUX_32, 12, 0, 4, false),
    // socklen_t cmsg_len; int cmsg_level; int cmsg_type; with SOL_SOCKET
    // 0xffff: XNU __DARWIN_ALIGN32.
    bsd(Layout::MACOS, 4, false, 1),
    // FreeBSD _ALIGNBYTES: register_t / long long on 64-bit, int on 32-bit.
    bsd(Layout::FREEBSD_64, 8, false, 1),
    bsd(Layout::FREEBSD_32, 4, false, 1),
    // OpenBSD _ALIGNBYTES: long; int on i386; 8 on arm (Go, libc).
    bsd(Layout::OPENBSD_64, 8, false, 1),
    bsd(Layout::OPENBSD_32, 4, false, 1),
    bsd(Layout::OPENBSD_ARM, 8, false, 1),
    // NetBSD __ALIGNBYTES: 7 on amd64, __int128 on aarch64, 3 on i386,
    // long long on earm.
    bsd(Layout::NETBSD_64, 8, false, 1),
    bsd(Layout::NETBSD_AARCH64, 16, false, 1),
    bsd(Layout::NETBSD_32, 4, false, 1),
    bsd(Layout::NETBSD_ARM, 8, false, 1),
    // DragonFly since 2019: long.
    bsd(Layout::DRAGONFLY, 8, false, 1),
    // illumos x86: 4-byte alignment, SCM_RIGHTS 0x1010.
    bsd(Layout::ILLUMOS, 4, false, 0x1010),
    // AIX: no alignment, big-endian.
    bsd(Layout::AIX, 1, true, 1),
];

/// A Linux layout: the length field at `len_offset`, `len_width` bytes
/// wide, level and type in the last 8 bytes, alignment `sizeof(size_t)`.
const fn linux(
    layout: Layout,
    header_len: u128,
    len_offset: usize,
    len_width: usize,
    big_endian: bool,
) -> Spec {
    Spec {
        layout,
        header_len,
        align: header_len - 8,
        len_offset,
        len_width,
        big_endian,
        sol_socket: 1,
        scm_rights: 1,
        scm_credentials: Some(2),
    }
}

/// A 12-byte BSD layout, with `SOL_SOCKET` 0xffff and no `SCM_CREDENTIALS`.
const fn bsd(layout: Layout, align: u128, big_endian: bool, scm_rights: i32) -> Spec {
    Spec {
        layout,
        header_len: 12,
        align,
        len_offset: 0,
        len_width: 4,
        big_endian,
        sol_socket: 0xffff,
        scm_rights,
        scm_credentials: None,
    }
}

/// The reference model: Go's rules, written from the spec.
mod model {
    /// A platform's `struct cmsghdr`: `cmsg_len` (`len_width` bytes at
    /// `len_offset`), then `int cmsg_level` and `int cmsg_type` as the last
    /// 8 bytes of the header, all in one byte order; messages aligned to
    /// `align`.
    #[derive(Clone, Copy, Debug)]
    pub struct Spec {
        /// The crate's layout for the same platform, which is under test.
        pub layout: sockcmsg::Layout,
        pub header_len: u128,
        pub align: u128,
        pub len_offset: usize,
        pub len_width: usize,
        pub big_endian: bool,
        pub sol_socket: i32,
        pub scm_rights: i32,
        /// Linux only.
        pub scm_credentials: Option<i32>,
    }

    /// A parsed message: its header, and where its data lies in the buffer.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Msg {
        pub len: u128,
        pub level: i32,
        pub kind: i32,
        pub data_at: u128,
        pub data_len: u128,
    }

    /// Why the model rejects an input; every number is exact.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Failure {
        TruncatedHeader {
            offset: u128,
            available: u128,
            needed: u128,
        },
        LengthBelowHeader {
            offset: u128,
            len: u128,
            min: u128,
        },
        LengthPastEnd {
            offset: u128,
            len: u128,
            available: u128,
        },
        UnexpectedMessage {
            level: i32,
            kind: i32,
            expected_level: i32,
            expected_kind: i32,
        },
        PartialFd {
            len: u128,
        },
        ShortCredentials {
            len: u128,
            needed: u128,
        },
        CredentialsUnsupported,
    }

    impl Failure {
        /// The failure as seen from a buffer in which the input starts at
        /// `base`.
        pub fn shifted(self, base: u128) -> Failure {
            match self {
                Failure::TruncatedHeader {
                    offset,
                    available,
                    needed,
                } => Failure::TruncatedHeader {
                    offset: offset + base,
                    available,
                    needed,
                },
                Failure::LengthBelowHeader { offset, len, min } => Failure::LengthBelowHeader {
                    offset: offset + base,
                    len,
                    min,
                },
                Failure::LengthPastEnd {
                    offset,
                    len,
                    available,
                } => Failure::LengthPastEnd {
                    offset: offset + base,
                    len,
                    available,
                },
                other => other,
            }
        }
    }

    impl From<sockcmsg::Error> for Failure {
        fn from(err: sockcmsg::Error) -> Failure {
            use sockcmsg::Error;
            let wide = |n: usize| n as u128;
            match err {
                Error::TruncatedHeader {
                    offset,
                    available,
                    needed,
                } => Failure::TruncatedHeader {
                    offset: wide(offset),
                    available: wide(available),
                    needed: wide(needed),
                },
                Error::LengthBelowHeader { offset, len, min } => Failure::LengthBelowHeader {
                    offset: wide(offset),
                    len: u128::from(len),
                    min: wide(min),
                },
                Error::LengthPastEnd {
                    offset,
                    len,
                    available,
                } => Failure::LengthPastEnd {
                    offset: wide(offset),
                    len: u128::from(len),
                    available: wide(available),
                },
                Error::UnexpectedMessage {
                    level,
                    kind,
                    expected_level,
                    expected_kind,
                } => Failure::UnexpectedMessage {
                    level,
                    kind,
                    expected_level,
                    expected_kind,
                },
                Error::PartialFd { len } => Failure::PartialFd { len: wide(len) },
                Error::ShortCredentials { len, needed } => Failure::ShortCredentials {
                    len: wide(len),
                    needed: wide(needed),
                },
                Error::CredentialsUnsupported { .. } => Failure::CredentialsUnsupported,
                other => panic!("a decoder returned an encoder's error: {other:?}"),
            }
        }
    }

    impl Spec {
        /// Bytes as a number in the layout's byte order.
        fn number(&self, bytes: &[u8]) -> u128 {
            let from_high = |acc: u128, &byte: &u8| acc << 8 | u128::from(byte);
            if self.big_endian {
                bytes.iter().fold(0, from_high)
            } else {
                bytes.iter().rev().fold(0, from_high)
            }
        }

        /// The low `width` bytes of `n` in the layout's byte order.
        fn bytes_of(&self, n: u128, width: usize) -> Vec<u8> {
            let mut bytes = n.to_le_bytes()[..width].to_vec();
            if self.big_endian {
                bytes.reverse();
            }
            bytes
        }

        fn int_at(&self, bytes: &[u8], at: usize) -> i32 {
            self.number(&bytes[at..at + 4]) as u32 as i32
        }

        fn level_offset(&self) -> usize {
            self.header_len as usize - 8
        }

        pub fn align_up(&self, n: u128) -> u128 {
            n.div_ceil(self.align) * self.align
        }

        /// `CMSG_LEN(0)`: where data starts, and the least valid length.
        pub fn data_offset(&self) -> u128 {
            self.align_up(self.header_len)
        }

        pub fn cmsg_len(&self, data_len: u128) -> u128 {
            self.data_offset() + data_len
        }

        pub fn cmsg_space(&self, data_len: u128) -> u128 {
            self.align_up(self.cmsg_len(data_len))
        }

        /// `cmsg_len`, level and type of the header at the start of `bytes`.
        pub fn read_header(&self, bytes: &[u8]) -> (u128, i32, i32) {
            let len_at = self.len_offset;
            let level_at = self.level_offset();
            (
                self.number(&bytes[len_at..len_at + self.len_width]),
                self.int_at(bytes, level_at),
                self.int_at(bytes, level_at + 4),
            )
        }

        /// Writes the low `len_width` bytes of `len` as the length field of
        /// the header at the start of `bytes`.
        pub fn write_len(&self, bytes: &mut [u8], len: u128) {
            let at = self.len_offset;
            bytes[at..at + self.len_width].copy_from_slice(&self.bytes_of(len, self.len_width));
        }

        /// A header, padded with zeros to `data_offset` bytes.
        pub fn header(&self, len: u128, level: i32, kind: i32) -> Vec<u8> {
            let mut header = vec![0; self.data_offset() as usize];
            self.write_len(&mut header, len);
            let at = self.level_offset();
            header[at..at + 4].copy_from_slice(&self.bytes_of(u128::from(level as u32), 4));
            header[at + 4..at + 8].copy_from_slice(&self.bytes_of(u128::from(kind as u32), 4));
            header
        }

        /// Messages given as level, type and data, each padded with zeros
        /// to its `cmsg_space`.
        pub fn encode<'a>(&self, msgs: impl IntoIterator<Item = (i32, i32, &'a [u8])>) -> Vec<u8> {
            let mut out = Vec::new();
            for (level, kind, data) in msgs {
                let start = out.len();
                out.extend(self.header(self.cmsg_len(data.len() as u128), level, kind));
                out.extend(data);
                out.resize(start + self.cmsg_space(data.len() as u128) as usize, 0);
            }
            out
        }

        /// The data of an `SCM_RIGHTS` message carrying `fds`.
        pub fn fd_bytes(&self, fds: &[i32]) -> Vec<u8> {
            fds.iter()
                .flat_map(|&fd| self.bytes_of(u128::from(fd as u32), 4))
                .collect()
        }

        /// The data of an `SCM_CREDENTIALS` message: pid, uid, gid.
        pub fn ucred_bytes(&self, pid: i32, uid: u32, gid: u32) -> Vec<u8> {
            [u128::from(pid as u32), u128::from(uid), u128::from(gid)]
                .into_iter()
                .flat_map(|field| self.bytes_of(field, 4))
                .collect()
        }

        /// Go's walk: while a whole header remains, a length below the
        /// header or past the end fails the parse; the next header starts
        /// at the aligned length. Returns the messages before any failure,
        /// and the failure.
        pub fn parse(&self, buf: &[u8]) -> (Vec<Msg>, Option<Failure>) {
            let end = buf.len() as u128;
            let header = self.data_offset();
            let mut msgs = Vec::new();
            let mut at = 0;
            while at + header <= end {
                match self.parse_at(buf, at) {
                    Ok(msg) => {
                        at += self.align_up(msg.len);
                        msgs.push(msg);
                    }
                    Err(failure) => return (msgs, Some(failure)),
                }
            }
            (msgs, None)
        }

        /// The message whose header starts at `at`, where a whole header is.
        fn parse_at(&self, buf: &[u8], at: u128) -> Result<Msg, Failure> {
            let available = buf.len() as u128 - at;
            let header = self.data_offset();
            let (len, level, kind) = self.read_header(&buf[at as usize..]);
            if len < header {
                return Err(Failure::LengthBelowHeader {
                    offset: at,
                    len,
                    min: header,
                });
            }
            if len > available {
                return Err(Failure::LengthPastEnd {
                    offset: at,
                    len,
                    available,
                });
            }
            Ok(Msg {
                len,
                level,
                kind,
                data_at: at + header,
                data_len: len - header,
            })
        }

        /// x/sys/unix's `ParseOneSocketControlMessage`, with a short input
        /// an error: the first message, and where the rest starts (the end
        /// if the aligned length passes it).
        pub fn parse_one(&self, buf: &[u8]) -> Result<(Msg, u128), Failure> {
            let end = buf.len() as u128;
            if end < self.data_offset() {
                return Err(Failure::TruncatedHeader {
                    offset: 0,
                    available: end,
                    needed: self.data_offset(),
                });
            }
            let msg = self.parse_at(buf, 0)?;
            Ok((msg, self.align_up(msg.len).min(end)))
        }

        /// Go's `ParseUnixRights`, with a partial fd an error.
        pub fn rights(&self, level: i32, kind: i32, data: &[u8]) -> Result<Vec<i32>, Failure> {
            self.expect(level, kind, self.scm_rights)?;
            if data.len() % 4 != 0 {
                return Err(Failure::PartialFd {
                    len: data.len() as u128,
                });
            }
            Ok((0..data.len())
                .step_by(4)
                .map(|at| self.int_at(data, at))
                .collect())
        }

        /// Go's `ParseUnixCredentials`: pid, uid, gid.
        pub fn credentials(
            &self,
            level: i32,
            kind: i32,
            data: &[u8],
        ) -> Result<(i32, u32, u32), Failure> {
            let expected_kind = self
                .scm_credentials
                .ok_or(Failure::CredentialsUnsupported)?;
            self.expect(level, kind, expected_kind)?;
            if data.len() < 12 {
                return Err(Failure::ShortCredentials {
                    len: data.len() as u128,
                    needed: 12,
                });
            }
            let field = |at| self.int_at(data, at);
            Ok((field(0), field(4) as u32, field(8) as u32))
        }

        fn expect(&self, level: i32, kind: i32, expected_kind: i32) -> Result<(), Failure> {
            if level == self.sol_socket && kind == expected_kind {
                Ok(())
            } else {
                Err(Failure::UnexpectedMessage {
                    level,
                    kind,
                    expected_level: self.sol_socket,
                    expected_kind,
                })
            }
        }
    }
}

/// A layout's spec, and a value from the strategy `make` builds for its
/// layout.
fn for_each_spec<S: Strategy>(
    make: impl Fn(Layout) -> S,
) -> impl Strategy<Value = (Spec, S::Value)> {
    select(SPECS.as_slice()).prop_flat_map(move |spec| (Just(spec), make(spec.layout)))
}

fn as_control_messages(msgs: &[OwnedControlMessage]) -> Vec<ControlMessage<'_>> {
    msgs.iter()
        .map(OwnedControlMessage::as_control_message)
        .collect()
}

fn owned(msgs: Vec<SocketControlMessage<'_>>) -> Vec<OwnedControlMessage> {
    msgs.into_iter().map(OwnedControlMessage::from).collect()
}

/// A message the crate parsed from `buf`, as the model describes it.
fn seen_in(buf: &[u8], msg: &SocketControlMessage<'_>) -> Msg {
    Msg {
        len: msg.header.len as u128,
        level: msg.header.level,
        kind: msg.header.kind,
        data_at: (msg.data.as_ptr() as usize - buf.as_ptr() as usize) as u128,
        data_len: msg.data.len() as u128,
    }
}

/// The model's answer and the crate's three parsers agree on `buf`:
/// `parse_socket_control_message`, the `messages` walk (including its size
/// hints and its end after an error), and `parse_one_socket_control_message`
/// iterated while a header's worth remains; `parse_one` alone agrees with
/// the model's.
fn assert_agrees(spec: Spec, buf: &[u8]) -> Result<(), TestCaseError> {
    let layout = spec.layout;
    let (model_msgs, model_failure) = spec.parse(buf);
    let expected = match model_failure {
        Some(failure) => Err(failure),
        None => Ok(model_msgs.clone()),
    };

    let expected_items: Vec<Result<Msg, Failure>> = model_msgs
        .iter()
        .copied()
        .map(Ok)
        .chain(model_failure.map(Err))
        .collect();
    // The walks in this function stop one step past the model's answer, so
    // that a walk which stops advancing fails at once instead of hanging.
    let mut walk = layout.messages(buf);
    let mut walked = Vec::new();
    while walked.len() <= expected_items.len() {
        let left = expected_items.len() - walked.len();
        let (low, high) = walk.size_hint();
        prop_assert!(low <= left && high.map_or(true, |high| left <= high));
        match walk.next() {
            Some(item) => walked.push(item.map(|msg| seen_in(buf, &msg)).map_err(Failure::from)),
            None => break,
        }
    }
    prop_assert_eq!(&walked, &expected_items, "messages");
    prop_assert!(walk.next().is_none(), "the walk stays ended");

    let parsed = layout
        .parse_socket_control_message(buf)
        .map(|msgs| msgs.iter().map(|msg| seen_in(buf, msg)).collect::<Vec<_>>())
        .map_err(Failure::from);
    prop_assert_eq!(&parsed, &expected, "parse_socket_control_message");

    let mut rest = buf;
    let mut one_by_one = Vec::new();
    let iterated = loop {
        if (rest.len() as u128) < spec.data_offset() || one_by_one.len() > model_msgs.len() {
            break Ok(one_by_one);
        }
        match layout.parse_one_socket_control_message(rest) {
            Ok((msg, next)) => {
                one_by_one.push(seen_in(buf, &msg));
                rest = next;
            }
            Err(err) => {
                let consumed = (buf.len() - rest.len()) as u128;
                break Err(Failure::from(err).shifted(consumed));
            }
        }
    };
    prop_assert_eq!(&iterated, &expected, "parse_one iterated");

    let one = layout
        .parse_one_socket_control_message(buf)
        .map(|(msg, rest)| (seen_in(buf, &msg), (buf.len() - rest.len()) as u128))
        .map_err(Failure::from);
    prop_assert_eq!(one, spec.parse_one(buf), "parse_one");
    Ok(())
}

/// The positions to check in `0..count`: all of them, but under Miri, which
/// runs a thousand times slower and looks for undefined behaviour rather
/// than wrong answers, a few dozen spread over the range.
fn positions(count: usize) -> impl Iterator<Item = usize> {
    let step = if cfg!(miri) { (count / 32).max(1) } else { 1 };
    (0..count).step_by(step)
}

/// [`assert_agrees`] on every prefix of `buf`.
fn assert_every_prefix_agrees(spec: Spec, buf: &[u8]) -> Result<(), TestCaseError> {
    for end in positions(buf.len() + 1) {
        assert_agrees(spec, &buf[..end])?;
    }
    Ok(())
}

/// Lengths at the edges of each rule, for a header at `offset` in a buffer
/// of `buf_len` bytes whose length field held `len`.
fn boundary_lengths(spec: Spec, offset: u128, buf_len: u128, len: u128) -> Vec<u128> {
    let header = spec.data_offset();
    let remaining = buf_len - offset;
    let mut values = vec![
        0,
        1,
        spec.header_len - 1,
        spec.header_len,
        spec.header_len + 1,
        header - 1,
        header,
        header + 1,
        15,
        16,
        17,
        remaining - 1,
        remaining,
        remaining + 1,
        spec.align_up(remaining),
        len.saturating_sub(1),
        len + 1,
        spec.align_up(len) + 1,
        (1 << 31) - 1,
        1 << 31,
        (1 << 32) - 1,
        1 << 32,
        (1 << 32) + header,
        (1 << 32) + remaining,
        1 << 63,
        (1 << 63) + header,
        u128::from(u64::MAX) - spec.align,
        u128::from(u64::MAX) - 1,
        u128::from(u64::MAX),
    ];
    // A 4-byte field holds only the low bytes: the model reads back what
    // was written either way.
    values.retain(|&value| value < 1 << 64);
    values
}

/// Where each header starts in a buffer that the model parses.
fn header_offsets(spec: Spec, buf: &[u8]) -> Vec<u128> {
    let (msgs, failure) = spec.parse(buf);
    let mut offsets: Vec<u128> = msgs
        .iter()
        .map(|msg| msg.data_at - spec.data_offset())
        .collect();
    if let Some(Failure::LengthBelowHeader { offset, .. } | Failure::LengthPastEnd { offset, .. }) =
        failure
    {
        offsets.push(offset);
    }
    offsets
}

/// Any buffer built from headers with small random lengths and random
/// filler, so that walks end at every kind of place.
fn header_soup(spec: Spec) -> impl Strategy<Value = Vec<u8>> {
    let piece = (
        0..=48u128,
        prop_oneof![Just(spec.sol_socket), any::<i32>()],
        prop_oneof![
            Just(spec.scm_rights),
            Just(spec.scm_credentials.unwrap_or(2)),
            any::<i32>()
        ],
        vec(any::<u8>(), 0..=24),
    );
    vec(piece, 0..=6).prop_map(move |pieces| {
        pieces
            .into_iter()
            .flat_map(|(len, level, kind, filler)| {
                let mut bytes = spec.header(len, level, kind);
                bytes.extend(filler);
                bytes
            })
            .collect()
    })
}

/// Well-formed or malformed: any buffer a strategy makes.
fn any_derived_buffer(layout: Layout) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        well_formed_buffer(layout).prop_map(|buf| buf.bytes),
        malformed_buffer(layout).prop_map(|buf| buf.bytes),
    ]
}

/// The tests that check every prefix or every byte of a buffer parse it
/// thousands of times per case: they run 64 cases unless `PROPTEST_CASES`
/// is set.
fn per_byte_config() -> ProptestConfig {
    let config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        config
    } else {
        ProptestConfig {
            cases: 64,
            ..config
        }
    }
}

proptest! {
    #![proptest_config(per_byte_config())]

    #[test]
    fn well_formed_buffers_parse_to_their_messages(
        (spec, buf) in for_each_spec(well_formed_buffer)
    ) {
        let parsed = spec.layout.parse_socket_control_message(&buf.bytes).unwrap();
        prop_assert_eq!(owned(parsed), buf.messages);
        assert_every_prefix_agrees(spec, &buf.bytes)?;
    }

    #[test]
    fn malformed_buffers_fail_where_they_were_damaged(
        (spec, buf) in for_each_spec(malformed_buffer)
    ) {
        let MalformedBuffer { bytes, offset, messages_before } = buf;
        let mut walk = spec.layout.messages(&bytes);
        let before: Vec<_> = walk.by_ref().take(messages_before.len()).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(owned(before), messages_before);
        let failed_at = match Failure::from(walk.next().unwrap().unwrap_err()) {
            Failure::LengthBelowHeader { offset, .. } | Failure::LengthPastEnd { offset, .. } => offset,
            other => return Err(TestCaseError::fail(format!("unexpected {other:?}"))),
        };
        prop_assert_eq!(failed_at, offset as u128);
        assert_every_prefix_agrees(spec, &bytes)?;
    }

    #[test]
    fn every_single_byte_change_agrees_with_the_model(
        (spec, (mut buf, flip)) in for_each_spec(|layout| (any_derived_buffer(layout), 1..=u8::MAX))
    ) {
        for at in positions(buf.len()) {
            buf[at] ^= flip;
            assert_agrees(spec, &buf)?;
            buf[at] ^= flip;
        }
    }
}

proptest! {
    #[test]
    fn encoded_messages_parse_back_and_match_the_model(
        (spec, msgs) in for_each_spec(|_| messages())
    ) {
        let layout = spec.layout;
        let encoded = layout.encode(&as_control_messages(&msgs)).unwrap();
        let model = spec.encode(msgs.iter().map(|msg| (msg.level, msg.kind, msg.data.as_slice())));
        prop_assert_eq!(&encoded, &model);
        let predicted: u128 = msgs.iter().map(|msg| spec.cmsg_space(msg.data.len() as u128)).sum();
        prop_assert_eq!(encoded.len() as u128, predicted);
        prop_assert_eq!(layout.encoded_len(&as_control_messages(&msgs)).unwrap() as u128, predicted);
        prop_assert_eq!(owned(layout.parse_socket_control_message(&encoded).unwrap()), msgs);
    }

    #[test]
    fn a_concatenation_parses_as_its_parts(
        (spec, (first, second, broken)) in for_each_spec(|layout| {
            (messages(), well_formed_buffer(layout), malformed_buffer(layout))
        })
    ) {
        let layout = spec.layout;
        let mut joined = layout.encode(&as_control_messages(&first)).unwrap();
        let second_at = joined.len();
        joined.extend(&second.bytes);
        let expected: Vec<_> = first.iter().chain(&second.messages).cloned().collect();
        prop_assert_eq!(owned(layout.parse_socket_control_message(&joined).unwrap()), expected);

        joined.truncate(second_at);
        joined.extend(&broken.bytes);
        let failure = Failure::from(layout.parse_socket_control_message(&joined).unwrap_err());
        let (_, model_failure) = spec.parse(&broken.bytes);
        prop_assert_eq!(Some(failure), model_failure.map(|failure| failure.shifted(second_at as u128)));
    }

    #[test]
    fn boundary_lengths_agree_with_the_model(
        (spec, mut buf) in for_each_spec(any_derived_buffer)
    ) {
        for offset in header_offsets(spec, &buf) {
            let at = offset as usize;
            let (len, _, _) = spec.read_header(&buf[at..]);
            for value in boundary_lengths(spec, offset, buf.len() as u128, len) {
                spec.write_len(&mut buf[at..], value);
                assert_agrees(spec, &buf)?;
            }
            spec.write_len(&mut buf[at..], len);
        }
    }

    #[test]
    fn random_buffers_agree_with_the_model(
        (spec, bytes) in for_each_spec(|_| vec(any::<u8>(), 0..=96))
    ) {
        assert_agrees(spec, &bytes)?;
    }

    #[test]
    fn buffers_of_random_headers_agree_with_the_model(
        (spec, bytes) in select(SPECS.as_slice()).prop_flat_map(|spec| (Just(spec), header_soup(spec)))
    ) {
        assert_every_prefix_agrees(spec, &bytes)?;
    }

    #[test]
    fn sizes_match_libc(data_len in 0..=u32::MAX - 23) {
        // SAFETY: CMSG_LEN and CMSG_SPACE are pure arithmetic; below this
        // bound neither overflows a u32.
        let (len, space) = unsafe { (libc::CMSG_LEN(data_len), libc::CMSG_SPACE(data_len)) };
        prop_assert_eq!(sockcmsg::cmsg_len(data_len as usize), len as usize);
        prop_assert_eq!(sockcmsg::cmsg_space(data_len as usize), space as usize);
    }

    #[test]
    fn sizes_match_the_model_and_saturate(
        (spec, data_len) in for_each_spec(|_| prop_oneof![
            0..=4096usize,
            any::<usize>(),
            usize::MAX - 64..=usize::MAX,
        ])
    ) {
        let saturated = |n: u128| n.min(usize::MAX as u128) as usize;
        prop_assert_eq!(spec.layout.cmsg_len(data_len), saturated(spec.cmsg_len(data_len as u128)));
        prop_assert_eq!(spec.layout.cmsg_space(data_len), saturated(spec.cmsg_space(data_len as u128)));
    }

    #[test]
    fn the_encoder_writes_the_predicted_bytes_and_nothing_past_them(
        (spec, (msgs, spare, short, prefix)) in for_each_spec(|_| {
            (messages(), 0..=64usize, any::<Index>(), vec(any::<u8>(), 0..=8))
        })
    ) {
        let layout = spec.layout;
        let to_encode = as_control_messages(&msgs);
        let model = spec.encode(msgs.iter().map(|msg| (msg.level, msg.kind, msg.data.as_slice())));
        let needed = model.len();

        let mut buf = vec![0xff; needed + spare];
        prop_assert_eq!(layout.encode_into(&to_encode, &mut buf), Ok(needed));
        prop_assert_eq!(&buf[..needed], model.as_slice());
        prop_assert!(buf[needed..].iter().all(|&byte| byte == 0xff));
        // Every byte between a message's cmsg_len and its cmsg_space is zero.
        let mut at = 0;
        for msg in &msgs {
            let len = spec.cmsg_len(msg.data.len() as u128) as usize;
            let space = spec.cmsg_space(msg.data.len() as u128) as usize;
            prop_assert!(buf[at + len..at + space].iter().all(|&byte| byte == 0));
            at += space;
        }

        if needed > 0 {
            let mut small = vec![0xff; short.index(needed)];
            prop_assert_eq!(
                layout.encode_into(&to_encode, &mut small),
                Err(Error::BufferTooSmall { needed, available: small.len() })
            );
            prop_assert!(small.iter().all(|&byte| byte == 0xff));
        }

        let mut out = prefix.clone();
        prop_assert_eq!(layout.encode_to_vec(&to_encode, &mut out), Ok(needed));
        prop_assert_eq!(&out[..prefix.len()], prefix.as_slice());
        prop_assert_eq!(&out[prefix.len()..], model.as_slice());
    }

    #[test]
    fn typed_encoders_match_the_model(
        (spec, (fds, (pid, uid, gid))) in for_each_spec(|_| {
            (vec(any::<i32>(), 0..=strategies::MAX_FDS), any::<(i32, u32, u32)>())
        })
    ) {
        let layout = spec.layout;
        let fd_bytes = spec.fd_bytes(&fds);
        let rights = spec.encode([(spec.sol_socket, spec.scm_rights, fd_bytes.as_slice())]);
        prop_assert_eq!(layout.unix_rights(&fds).unwrap(), rights.clone());
        prop_assert_eq!(layout.encode(&[ControlMessage::Rights(&fds)]).unwrap(), rights);
        prop_assert_eq!(ControlMessage::Rights(&fds).data_len(), fd_bytes.len());

        let cred = Ucred { pid, uid, gid };
        let cred_bytes = spec.ucred_bytes(pid, uid, gid);
        let credentials = spec
            .scm_credentials
            .map(|kind| spec.encode([(spec.sol_socket, kind, cred_bytes.as_slice())]))
            .ok_or(Failure::CredentialsUnsupported);
        let encoded = layout.unix_credentials(&cred).map_err(Failure::from);
        prop_assert_eq!(&encoded, &credentials);
        let encoded = layout.encode(&[ControlMessage::Credentials(cred)]).map_err(Failure::from);
        prop_assert_eq!(&encoded, &credentials);

        // The owned constructors are the host's.
        if layout == Layout::HOST {
            prop_assert_eq!(OwnedControlMessage::rights(&fds).data, fd_bytes);
            prop_assert_eq!(OwnedControlMessage::credentials(cred).data, cred_bytes);
        }
    }

    #[test]
    fn typed_decoders_follow_their_rules_for_any_payload(
        (spec, (level, kind, data)) in select(SPECS.as_slice()).prop_flat_map(|spec| (Just(spec), (
            prop_oneof![Just(spec.sol_socket), any::<i32>()],
            prop_oneof![Just(spec.scm_rights), Just(spec.scm_credentials.unwrap_or(2)), any::<i32>()],
            prop_oneof![vec(any::<u8>(), 0..=32), message().prop_map(|msg| msg.data)],
        )))
    ) {
        let layout = spec.layout;
        let msg = SocketControlMessage {
            header: sockcmsg::Cmsghdr {
                len: spec.cmsg_len(data.len() as u128) as usize,
                level,
                kind,
            },
            data: &data,
        };
        let expected_fds = spec.rights(level, kind, &data);
        prop_assert_eq!(layout.parse_unix_rights(&msg).map_err(Failure::from), expected_fds.clone());
        let fds = layout.fds(&msg).map_err(Failure::from);
        prop_assert_eq!(fds.as_ref().map(|fds| fds.len()).ok(), expected_fds.as_ref().map(Vec::len).ok());
        prop_assert_eq!(fds.map(Iterator::collect::<Vec<_>>), expected_fds);

        let cred = layout
            .parse_unix_credentials(&msg)
            .map(|cred| (cred.pid, cred.uid, cred.gid))
            .map_err(Failure::from);
        prop_assert_eq!(cred, spec.credentials(level, kind, &data));
    }
}
