//! Property tests: the codec against the reference model
//! (`sockcmsg::model`, which states the rules once and shares no code with
//! the codec), round trips, concatenation, the three parsers, sizes, the
//! encoder's output and the typed decoders, for each layout of
//! `Layout::ALL`.
//!
//! The inputs come from `sockcmsg::strategies` (the crate's dev-dependency
//! on itself turns the `proptest` feature on). `PROPTEST_CASES` sets the
//! number of cases.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use sockcmsg::model::{Message, Model, Rejection, Walk};
use sockcmsg::strategies::{
    self, malformed_buffer, message, messages, well_formed_buffer, MalformedBuffer,
};
use sockcmsg::{ControlMessage, Error, Layout, OwnedControlMessage, SocketControlMessage, Ucred};

/// Each layout as the platform's C header describes it (and Go's
/// `cmsgAlignOf` for the alignment): the constants the model reads.
static C_HEADERS: [CHeader; 18] = [
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
    header_len: usize,
    len_offset: usize,
    len_width: usize,
    big_endian: bool,
) -> CHeader {
    CHeader {
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
const fn bsd(layout: Layout, align: usize, big_endian: bool, scm_rights: i32) -> CHeader {
    CHeader {
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

/// A platform's `struct cmsghdr`: `cmsg_len` (`len_width` bytes at
/// `len_offset`), then `int cmsg_level` and `int cmsg_type`; messages
/// aligned to `align`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CHeader {
    layout: Layout,
    header_len: usize,
    align: usize,
    len_offset: usize,
    len_width: usize,
    big_endian: bool,
    sol_socket: i32,
    scm_rights: i32,
    scm_credentials: Option<i32>,
}

#[test]
fn every_layout_is_its_c_header() {
    assert_eq!(C_HEADERS.map(|header| header.layout), Layout::ALL);
    for header in C_HEADERS {
        let layout = header.layout;
        let read = CHeader {
            layout,
            header_len: layout.header_len(),
            align: layout.align(),
            len_offset: layout.len_offset(),
            len_width: layout.len_width(),
            big_endian: layout.is_big_endian(),
            sol_socket: layout.sol_socket(),
            scm_rights: layout.scm_rights(),
            scm_credentials: layout.scm_credentials(),
        };
        assert_eq!(read, header, "{}", layout.name());
    }
}

/// A layout's model, and a value from the strategy `make` builds for the
/// layout.
fn for_each_spec<S: Strategy>(
    make: impl Fn(Layout) -> S,
) -> impl Strategy<Value = (Model, S::Value)> {
    select(Layout::ALL.to_vec())
        .prop_flat_map(move |layout| (Just(Model::new(layout)), make(layout)))
}

/// The model's messages and rejection for `buf`.
fn parse(model: Model, buf: &[u8]) -> (Vec<Message>, Option<Rejection>) {
    let Walk {
        messages,
        rejection,
        ..
    } = model.walk(buf);
    (messages, rejection)
}

/// The codec's decoding error as the model's rejection.
fn rejection(err: Error) -> Rejection {
    Rejection::of_error(err).expect("a decoder's error")
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
fn seen_in(buf: &[u8], msg: &SocketControlMessage<'_>) -> Message {
    Message {
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
/// iterated once per step of the model's walk, ending where the walk ends;
/// `parse_one` alone agrees with the model's.
fn assert_agrees(spec: Model, buf: &[u8]) -> Result<(), TestCaseError> {
    let layout = spec.layout();
    let Walk {
        messages: model_msgs,
        rejection: model_failure,
        end: model_end,
    } = spec.walk(buf);
    let expected = match model_failure {
        Some(failure) => Err(failure),
        None => Ok(model_msgs.clone()),
    };

    let expected_items: Vec<Result<Message, Rejection>> = model_msgs
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
            Some(item) => walked.push(item.map(|msg| seen_in(buf, &msg)).map_err(rejection)),
            None => break,
        }
    }
    prop_assert_eq!(&walked, &expected_items, "messages");
    prop_assert!(walk.next().is_none(), "the walk stays ended");

    let parsed = layout
        .parse_socket_control_message(buf)
        .map(|msgs| msgs.iter().map(|msg| seen_in(buf, msg)).collect::<Vec<_>>())
        .map_err(rejection);
    prop_assert_eq!(&parsed, &expected, "parse_socket_control_message");

    // `parse_one_socket_control_message` called once per step of the
    // model's walk: it gives each message, then the rejection, and what it
    // leaves is the model's tail.
    let mut rest = buf;
    let mut iterated = Vec::new();
    for _ in &expected_items {
        let consumed = (buf.len() - rest.len()) as u128;
        match layout.parse_one_socket_control_message(rest) {
            Ok((msg, next)) => {
                iterated.push(Ok(seen_in(buf, &msg)));
                rest = next;
            }
            Err(err) => {
                iterated.push(Err(rejection(err).shifted(consumed)));
                break;
            }
        }
    }
    prop_assert_eq!(&iterated, &expected_items, "parse_one iterated");
    prop_assert_eq!(
        (buf.len() - rest.len()) as u128,
        model_end,
        "parse_one's tail"
    );

    let one = layout
        .parse_one_socket_control_message(buf)
        .map(|(msg, rest)| (seen_in(buf, &msg), (buf.len() - rest.len()) as u128))
        .map_err(rejection);
    prop_assert_eq!(one, spec.parse_one(buf), "parse_one");
    Ok(())
}

/// The positions to check in `0..count`, in a buffer of `buf_messages`
/// messages: all of them; but in a buffer of more than
/// `strategies::FEW_MESSAGES` (the strategies' crowds, up to 600 messages
/// and 20 KiB, where each check walks them all), and under Miri, which
/// runs a thousand times slower and looks for undefined behaviour rather
/// than wrong answers, a few dozen spread over the range.
fn positions(count: usize, buf_messages: usize) -> impl Iterator<Item = usize> {
    let sampled = cfg!(miri) || buf_messages > strategies::FEW_MESSAGES;
    // An odd step, so that the positions fall at every alignment.
    let step = if sampled { (count / 32) | 1 } else { 1 };
    (0..count).step_by(step)
}

/// How many messages the model walks in `buf`.
fn message_count(spec: Model, buf: &[u8]) -> usize {
    spec.walk(buf).messages.len()
}

/// [`assert_agrees`] on every prefix of `buf`.
fn assert_every_prefix_agrees(spec: Model, buf: &[u8]) -> Result<(), TestCaseError> {
    for end in positions(buf.len() + 1, message_count(spec, buf)) {
        assert_agrees(spec, &buf[..end])?;
    }
    Ok(())
}

/// Lengths at the edges of each rule, for a header at `offset` in a buffer
/// of `buf_len` bytes whose length field held `len`.
fn boundary_lengths(spec: Model, offset: u128, buf_len: u128, len: u128) -> Vec<u128> {
    let header = spec.data_offset();
    let remaining = buf_len - offset;
    let mut values = vec![
        0,
        1,
        spec.header_len() - 1,
        spec.header_len(),
        spec.header_len() + 1,
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
        u128::from(u64::MAX) - spec.align(),
        u128::from(u64::MAX) - 1,
        u128::from(u64::MAX),
    ];
    // A 4-byte field holds only the low bytes: the model reads back what
    // was written either way.
    values.retain(|&value| value < 1 << 64);
    values
}

/// Where each header starts in a buffer that the model parses.
fn header_offsets(spec: Model, buf: &[u8]) -> Vec<u128> {
    let (msgs, failure) = parse(spec, buf);
    let mut offsets: Vec<u128> = msgs.iter().map(|msg| msg.offset(&spec)).collect();
    if let Some(
        Rejection::LengthBelowHeader { offset, .. } | Rejection::LengthPastEnd { offset, .. },
    ) = failure
    {
        offsets.push(offset);
    }
    // In a crowd of hundreds, where each value is checked by walking them
    // all: the last two headers (smaller buffers have the first ones).
    if offsets.len() > strategies::FEW_MESSAGES {
        offsets.drain(..offsets.len() - 2);
    }
    offsets
}

/// Any buffer built from headers with small random lengths and random
/// filler, so that walks end at every kind of place.
fn header_soup(spec: Model) -> impl Strategy<Value = Vec<u8>> {
    let piece = (
        0..=48u128,
        prop_oneof![Just(spec.layout().sol_socket()), any::<i32>()],
        prop_oneof![
            Just(spec.layout().scm_rights()),
            Just(spec.layout().scm_credentials().unwrap_or(2)),
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
        let parsed = spec.layout().parse_socket_control_message(&buf.bytes).unwrap();
        prop_assert_eq!(owned(parsed), buf.messages);
        assert_every_prefix_agrees(spec, &buf.bytes)?;
    }

    #[test]
    fn malformed_buffers_fail_where_they_were_damaged(
        (spec, buf) in for_each_spec(malformed_buffer)
    ) {
        let MalformedBuffer { bytes, offset, messages_before } = buf;
        let mut walk = spec.layout().messages(&bytes);
        let before: Vec<_> = walk.by_ref().take(messages_before.len()).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(owned(before), messages_before);
        let failed_at = match rejection(walk.next().unwrap().unwrap_err()) {
            Rejection::LengthBelowHeader { offset, .. } | Rejection::LengthPastEnd { offset, .. } => offset,
            other => return Err(TestCaseError::fail(format!("unexpected {other:?}"))),
        };
        prop_assert_eq!(failed_at, offset as u128);
        assert_every_prefix_agrees(spec, &bytes)?;
    }

    #[test]
    fn every_single_byte_change_agrees_with_the_model(
        (spec, (mut buf, flip)) in for_each_spec(|layout| (any_derived_buffer(layout), 1..=u8::MAX))
    ) {
        for at in positions(buf.len(), message_count(spec, &buf)) {
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
        let layout = spec.layout();
        let encoded = layout.encode(&as_control_messages(&msgs)).unwrap();
        let model = spec.encode(msgs.iter().map(|msg| (msg.level, msg.kind, msg.data.as_slice())));
        prop_assert_eq!(&encoded, &model);
        prop_assert_eq!(layout.encoded_len(&as_control_messages(&msgs)).unwrap(), model.len());
        prop_assert_eq!(owned(layout.parse_socket_control_message(&encoded).unwrap()), msgs);
    }

    #[test]
    fn a_concatenation_parses_as_its_parts(
        (spec, (first, second, broken)) in for_each_spec(|layout| {
            (messages(), well_formed_buffer(layout), malformed_buffer(layout))
        })
    ) {
        let layout = spec.layout();
        let mut joined = layout.encode(&as_control_messages(&first)).unwrap();
        let second_at = joined.len();
        joined.extend(&second.bytes);
        let expected: Vec<_> = first.iter().chain(&second.messages).cloned().collect();
        prop_assert_eq!(owned(layout.parse_socket_control_message(&joined).unwrap()), expected);

        joined.truncate(second_at);
        joined.extend(&broken.bytes);
        let failure = rejection(layout.parse_socket_control_message(&joined).unwrap_err());
        let (_, model_failure) = parse(spec, &broken.bytes);
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
        (spec, bytes) in select(Layout::ALL.map(Model::new).to_vec()).prop_flat_map(|spec| (Just(spec), header_soup(spec)))
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
        prop_assert_eq!(spec.layout().cmsg_len(data_len), saturated(spec.cmsg_len(data_len as u128)));
        prop_assert_eq!(spec.layout().cmsg_space(data_len), saturated(spec.cmsg_space(data_len as u128)));
    }

    #[test]
    fn the_encoder_writes_the_predicted_bytes_and_nothing_past_them(
        (spec, (msgs, spare, short, prefix)) in for_each_spec(|_| {
            (messages(), 0..=64usize, any::<Index>(), vec(any::<u8>(), 0..=8))
        })
    ) {
        let layout = spec.layout();
        let to_encode = as_control_messages(&msgs);
        let model = spec.encode(msgs.iter().map(|msg| (msg.level, msg.kind, msg.data.as_slice())));
        let needed = model.len();

        let mut buf = vec![0xff; needed + spare];
        prop_assert_eq!(layout.encode_into(&to_encode, &mut buf), Ok(needed));
        prop_assert_eq!(&buf[..needed], model.as_slice());
        prop_assert!(buf[needed..].iter().all(|&byte| byte == 0xff));

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
        let layout = spec.layout();
        let fd_bytes = spec.fd_bytes(&fds);
        let rights = spec.encode([(spec.layout().sol_socket(), spec.layout().scm_rights(), fd_bytes.as_slice())]);
        prop_assert_eq!(layout.unix_rights(&fds).unwrap(), rights.clone());
        prop_assert_eq!(layout.encode(&[ControlMessage::Rights(&fds)]).unwrap(), rights);
        prop_assert_eq!(ControlMessage::Rights(&fds).data_len(), fd_bytes.len());

        let cred = Ucred { pid, uid, gid };
        let cred_bytes = spec.ucred_bytes(pid, uid, gid);
        let credentials = spec
            .layout()
            .scm_credentials()
            .map(|kind| spec.encode([(spec.layout().sol_socket(), kind, cred_bytes.as_slice())]))
            .ok_or(Rejection::CredentialsUnsupported);
        let encoded = layout.unix_credentials(&cred).map_err(rejection);
        prop_assert_eq!(&encoded, &credentials);
        let encoded = layout.encode(&[ControlMessage::Credentials(cred)]).map_err(rejection);
        prop_assert_eq!(&encoded, &credentials);

        // The owned constructors are the host's.
        if layout == Layout::HOST {
            prop_assert_eq!(OwnedControlMessage::rights(&fds).data, fd_bytes);
            prop_assert_eq!(OwnedControlMessage::credentials(cred).data, cred_bytes);
        }
    }

    #[test]
    fn typed_decoders_follow_their_rules_for_any_payload(
        (spec, (level, kind, data)) in select(Layout::ALL.map(Model::new).to_vec()).prop_flat_map(|spec| (Just(spec), (
            prop_oneof![Just(spec.layout().sol_socket()), any::<i32>()],
            prop_oneof![Just(spec.layout().scm_rights()), Just(spec.layout().scm_credentials().unwrap_or(2)), any::<i32>()],
            prop_oneof![vec(any::<u8>(), 0..=32), message().prop_map(|msg| msg.data)],
        )))
    ) {
        let layout = spec.layout();
        let msg = SocketControlMessage {
            header: sockcmsg::Cmsghdr {
                len: spec.cmsg_len(data.len() as u128) as usize,
                level,
                kind,
            },
            data: &data,
        };
        let expected_fds = spec.rights(level, kind, &data);
        prop_assert_eq!(layout.parse_unix_rights(&msg).map_err(rejection), expected_fds.clone());
        let fds = layout.fds(&msg).map_err(rejection);
        prop_assert_eq!(fds.as_ref().map(|fds| fds.len()).ok(), expected_fds.as_ref().map(Vec::len).ok());
        // One past the model's fds at most: a walk that does not end fails here.
        let bound = expected_fds.as_ref().map_or(0, Vec::len) + 1;
        prop_assert_eq!(fds.map(|fds| fds.take(bound).collect::<Vec<_>>()), expected_fds);

        let cred = layout
            .parse_unix_credentials(&msg)
            .map(|cred| (cred.pid, cred.uid, cred.gid))
            .map_err(rejection);
        prop_assert_eq!(cred, spec.credentials(level, kind, &data));
    }
}
