//! The codec's answers checked against the model and against each other:
//! every parse of a buffer (the walk, the collecting and the one-at-a-time
//! parsers, each header re-encoded, the typed decoders) and every encoder
//! on messages parsed back.

use std::cell::RefCell;
use std::fmt;

use crate::model::{Message, Model, Rejection, Walk, UCRED_LEN};
use crate::{ControlMessage, Error, Layout, OwnedControlMessage, SocketControlMessage, Ucred};

use super::codec::Codec;
use super::once::{MessageKey, Seen};
use super::typed;

/// Checks every parse of `bytes` with `layout` (see [`parse`](super::parse)) and returns
/// `parse_socket_control_message`'s answer and the model's walk, for
/// [`roundtrip`](super::roundtrip) to compare.
///
/// The model's walk says where each header starts and where the walk
/// ends; at each of those places `messages()` and
/// `parse_one_socket_control_message` (walked with the rest it leaves)
/// must give the model's answer and each other's, and each message is
/// checked once, there: its header re-encoded and the typed decoders. On
/// the host's layout the functions checked are the crate root's
/// ([`Codec`]).
pub(super) fn parse_in(layout: Layout, bytes: &[u8]) -> (Parsed<'_>, Walk) {
    let codec = Codec::new(layout);
    let model = Model::new(layout);
    let expected = model.walk(bytes);
    let parsed = codec.parse_socket_control_message(bytes);
    check_against_model(bytes, &parsed, &expected.result());

    let mut walk = codec.messages(bytes);
    let upper_bound = walk.size_hint().1;
    // Where each message the model reads starts, then where its walk
    // stops: the rejected header, or the tail too short for one.
    let stops = expected
        .messages
        .iter()
        .map(|msg| msg.offset(&model))
        .chain([expected.end]);
    // What parse_one leaves, as a caller that walks with it goes on from.
    let mut rest = bytes;
    for (index, offset) in stops.enumerate() {
        let at = usize::try_from(offset).expect("the model's walk stops inside the buffer");
        let here = bytes
            .get(at..)
            .expect("the model's walk stops inside the buffer");
        assert!(
            rest.len() == here.len() && (rest.is_empty() || offset_in(bytes, rest) == Some(at)),
            "parse_one's rest does not start at offset {at}, where the model's walk is"
        );
        let one = codec.parse_one_socket_control_message(rest);
        if let Err(err) = one {
            check_error(err);
        }
        assert_eq!(
            one_as_model(rest, one),
            model.parse_one(here).map_err(Some),
            "parse_one_socket_control_message at offset {at} and the model disagree on \
             {bytes:02x?}"
        );
        match (walk.next(), expected.messages.get(index)) {
            (Some(Ok(msg)), Some(want)) => {
                assert_eq!(
                    as_model(bytes, &msg),
                    *want,
                    "messages() and the model disagree at offset {at} of {bytes:02x?}"
                );
                assert!(
                    parsed
                        .as_ref()
                        .map_or(true, |msgs| msgs.get(index).is_some_and(|m| same(m, &msg))),
                    "parse_socket_control_message and messages() give other messages"
                );
                let Ok((one, next)) = one else {
                    panic!("parse_one_socket_control_message at offset {at} gives {one:?}");
                };
                assert!(
                    same(&one, &msg),
                    "parse_one_socket_control_message gives {one:?} at offset {at}, messages() \
                     {msg:?}"
                );
                check_message(codec, &model, &msg);
                rest = next;
            }
            (Some(Err(err)), None) => {
                assert_eq!(
                    parsed.as_ref().err(),
                    Some(&err),
                    "parse_socket_control_message and messages() end in other errors"
                );
                check_error(err);
                let rejection = Rejection::of_error(err);
                assert!(
                    rejection.is_some() && rejection == expected.rejection,
                    "messages() ends with {err:?} at offset {at}, the model with {:?}",
                    expected.rejection
                );
                assert_eq!(
                    one.err()
                        .and_then(Rejection::of_error)
                        .map(|one| one.shifted(offset)),
                    rejection,
                    "parse_one_socket_control_message at offset {at} and messages() fail \
                     with other errors"
                );
            }
            (None, None) if expected.rejection.is_none() => {}
            (item, want) => panic!(
                "messages() gives {item:?} at offset {at} of {bytes:02x?}, where the model's \
                 walk gives {want:?} or ends with {:?}",
                expected.rejection
            ),
        }
    }
    assert!(
        walk.next().is_none() && walk.next().is_none(),
        "messages() yielded more than the model's walk, or more after ending"
    );
    let yielded = expected
        .messages
        .len()
        .saturating_add(usize::from(expected.rejection.is_some()));
    assert!(
        upper_bound.is_some_and(|bound| yielded <= bound),
        "messages() yielded {yielded} items, more than its size_hint {upper_bound:?}"
    );
    (parsed, expected)
}

/// What `parse_socket_control_message` returns.
type Parsed<'a> = Result<Vec<SocketControlMessage<'a>>, Error>;

/// Checks that the codec's answer for `bytes` is the model's: the same
/// messages, each with its header's fields and its data where the model
/// puts it, or the same rejection with the same numbers.
fn check_against_model(
    bytes: &[u8],
    parsed: &Result<Vec<SocketControlMessage<'_>>, Error>,
    model: &Result<&[Message], Rejection>,
) {
    let agree = match (parsed, model) {
        (Ok(msgs), Ok(expected)) => msgs
            .iter()
            .map(|msg| as_model(bytes, msg))
            .eq(expected.iter().copied()),
        (Err(err), Err(rejection)) => Rejection::of_error(*err) == Some(*rejection),
        _ => false,
    };
    assert!(
        agree,
        "the codec and the model disagree on {bytes:02x?}: {parsed:?}, the model {model:?}"
    );
}

/// A message the codec parsed from `within` as the model's [`Message`]:
/// its header's fields, and where its data lies in `within` (which it must:
/// panics otherwise). `cargo xtask decode` compares the codec's walk with
/// the model's through it too.
pub fn as_model(within: &[u8], msg: &SocketControlMessage<'_>) -> Message {
    let wide = |n: usize| n as u128;
    Message {
        len: wide(msg.header.len),
        level: msg.header.level,
        kind: msg.header.kind,
        data_at: wide(offset_in(within, msg.data).expect("parsed data lies in the buffer")),
        data_len: wide(msg.data.len()),
    }
}

/// `parse_one_socket_control_message`'s answer on `rest` as
/// [`Model::parse_one`]'s: the message, and where the bytes it leaves
/// start in `rest` (which they must end).
fn one_as_model(
    rest: &[u8],
    one: Result<(SocketControlMessage<'_>, &[u8]), Error>,
) -> Result<(Message, u128), Option<Rejection>> {
    let (msg, next) = one.map_err(Rejection::of_error)?;
    let start = rest
        .len()
        .checked_sub(next.len())
        .expect("parse_one leaves no more than it was given");
    assert!(
        next.is_empty() || offset_in(rest, next) == Some(start),
        "parse_one leaves bytes that are not the end of its input"
    );
    Ok((as_model(rest, &msg), start as u128))
}

/// Checks what depends on one message alone: its header re-encoded, its
/// sizes, the typed decoders. Each message is checked once on a thread
/// ([`Seen`]), unless it has more data than a [`MessageKey`] holds.
fn check_message(codec: Codec, model: &Model, msg: &SocketControlMessage<'_>) {
    thread_local! {
        static CHECKED: RefCell<Seen<MessageKey, 1024>> = const { RefCell::new(Seen::new()) };
    }
    let check = || {
        check_header(model, msg);
        check_sizes(codec, model, msg.data.len());
        check_typed(codec, model, msg);
        typed::check_typed_message(codec, model, msg);
        check_conversions(msg);
    };
    match MessageKey::of(codec.layout.name(), msg) {
        Some(key) => Seen::check_once(&CHECKED, key, check),
        None => check(),
    }
}

/// Checks that a parsed message made a [`ControlMessage`] or an
/// [`OwnedControlMessage`] (`From`) keeps its level, type and data.
fn check_conversions(msg: &SocketControlMessage<'_>) {
    let (level, kind, data) = (msg.header.level, msg.header.kind, msg.data);
    let owned = OwnedControlMessage::from(*msg);
    assert!(
        owned.level == level && owned.kind == kind && owned.data == data,
        "{msg:?} made an OwnedControlMessage is {owned:?}"
    );
    let borrowed = ControlMessage::from(*msg);
    assert!(
        borrowed == ControlMessage::Other { level, kind, data },
        "{msg:?} made a ControlMessage is {borrowed:?}"
    );
}

/// Checks that re-encoding a parsed message's header gives the model's
/// header for its fields ([`Model::header`]): the fields where the model
/// puts them and the padding zeroed.
///
/// That the fields are the ones read, and that the data is the slice after
/// the header, the comparisons with the model's walk check; that the
/// encoder copies data as it is, [`roundtrip`](super::roundtrip).
fn check_header(model: &Model, msg: &SocketControlMessage<'_>) {
    let header = msg.header;
    let mut expected = [0; 32];
    let mut written = [0xa5; 32];
    let len = usize::try_from(model.data_offset()).expect("a header's length is a usize");
    let (Some(expected), Some(written)) = (expected.get_mut(..len), written.get_mut(..len)) else {
        panic!("a header is at most 32 bytes");
    };
    model.write_header(expected, header.len as u128, header.level, header.kind);
    model
        .layout()
        .write_header(written, header.len, header.level, header.kind)
        .expect("a parsed header's length fits its field");
    assert!(
        *written == *expected,
        "re-encoding the header {header:?} gives {written:02x?}, the model {expected:02x?}"
    );
}

/// Checks the codec's `cmsg_len` and `cmsg_space` for a message's data
/// length against the model's.
fn check_sizes(codec: Codec, model: &Model, data_len: usize) {
    let wide = data_len as u128;
    assert_eq!(
        (
            codec.cmsg_len(data_len) as u128,
            codec.cmsg_space(data_len) as u128
        ),
        (model.cmsg_len(wide), model.cmsg_space(wide)),
        "cmsg_len and cmsg_space of {data_len} bytes are not the model's"
    );
}

/// Checks what a caller does with an error the codec returned: its message
/// formats (never a panic, whatever its numbers), and it converts to
/// `EINVAL`, as Go's errors are. `error.rs`'s tests check each message's
/// words. Both depend on the error's value alone: each value is checked
/// once on a thread ([`Seen`]).
pub(super) fn check_error(err: Error) {
    thread_local! {
        static CHECKED: RefCell<Seen<Error, 256>> = const { RefCell::new(Seen::new()) };
    }
    Seen::check_once(&CHECKED, err, || check_error_value(err));
}

/// [`check_error`] on one value, whatever was checked before.
fn check_error_value(err: Error) {
    /// Counts what is written: the message is formatted in full, with no
    /// allocation.
    struct Length(usize);
    impl fmt::Write for Length {
        fn write_str(&mut self, part: &str) -> fmt::Result {
            self.0 = self.0.saturating_add(part.len());
            Ok(())
        }
    }
    let mut message = Length(0);
    fmt::write(&mut message, format_args!("{err}")).expect("an error's message formats");
    assert!(message.0 > 0, "{err:?} has no message");
    assert_eq!(
        std::io::Error::from(err).raw_os_error(),
        Some(libc::EINVAL),
        "{err:?} is not EINVAL as an io::Error"
    );
}

/// Checks the typed decoders on one message against the model's
/// ([`Model::rights`], [`Model::credentials`]): the same payload, or the
/// same reason to refuse it; and what they return encodes, with
/// `unix_rights` and `unix_credentials`, as the model encodes it.
fn check_typed(codec: Codec, model: &Model, msg: &SocketControlMessage<'_>) {
    let (level, kind, data) = (msg.header.level, msg.header.kind, msg.data);

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
    assert_eq!(
        rights.as_ref().map_err(|err| Rejection::of_error(*err)),
        model
            .rights(level, kind, data)
            .as_ref()
            .map_err(|r| Some(*r)),
        "parse_unix_rights and the model disagree on {msg:?}"
    );
    if let Err(err) = rights {
        check_error(err);
    }
    // What the decoders return is the model's reading of `data` (checked
    // above), so the model encodes it back as `data`: the message with
    // its padding zeroed, and for credentials the `struct ucred` alone.
    if let Ok(fds) = &rights {
        assert_eq!(
            codec.unix_rights(fds),
            Ok(model.encode([(level, kind, data)])),
            "unix_rights of the fds parse_unix_rights returned is not the model's message"
        );
    }

    let credentials = codec.parse_unix_credentials(msg);
    if let Err(err) = credentials {
        check_error(err);
    }
    assert_eq!(
        credentials
            .map(|cred| (cred.pid, cred.uid, cred.gid))
            .map_err(Rejection::of_error),
        model.credentials(level, kind, data).map_err(Some),
        "parse_unix_credentials and the model disagree on {msg:?}"
    );
    match credentials {
        Ok(cred) => assert_eq!(
            codec.unix_credentials(&cred),
            Ok(model.encode([(level, kind, data.get(..UCRED_LEN).unwrap_or(data))])),
            "unix_credentials of what parse_unix_credentials returned is not the model's message"
        ),
        Err(Error::CredentialsUnsupported { layout }) => assert_eq!(
            layout,
            model.layout().name(),
            "CredentialsUnsupported names another layout"
        ),
        Err(_) => {}
    }
}

/// Whether two parsers gave the same message: the same header, and the
/// same slice of the buffer as its data (not only equal bytes).
fn same(a: &SocketControlMessage<'_>, b: &SocketControlMessage<'_>) -> bool {
    a.header == b.header && std::ptr::eq(a.data, b.data)
}

/// Where `part` starts in `whole`, if it lies wholly inside it.
fn offset_in(whole: &[u8], part: &[u8]) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start.checked_add(part.len())? <= whole.len()).then_some(start)
}

/// Checks the encoders on [`ControlMessage::Credentials`], made from the
/// first of `msgs` that the model decodes as the host's credentials
/// message: where the layout has credentials, each (and
/// `unix_credentials`) gives the model's message; elsewhere each refuses
/// them with [`Error::CredentialsUnsupported`], leaving the buffer it was
/// given as it was.
fn check_typed_credentials(codec: Codec, model: &Model, msgs: &[OwnedControlMessage]) {
    thread_local! {
        static CHECKED: RefCell<Seen<(&'static str, i32, u32, u32), 64>> =
            const { RefCell::new(Seen::new()) };
    }
    let host = Model::new(Layout::HOST);
    let Some((pid, uid, gid)) = msgs
        .iter()
        .find_map(|msg| host.credentials(msg.level, msg.kind, &msg.data).ok())
    else {
        return;
    };
    let key = (codec.layout.name(), pid, uid, gid);
    Seen::check_once(&CHECKED, key, || {
        check_credentials_encoders(codec, model, Ucred { pid, uid, gid });
    });
}

/// [`check_typed_credentials`] on one value, whatever was checked before.
fn check_credentials_encoders(codec: Codec, model: &Model, cred: Ucred) {
    let Ucred { pid, uid, gid } = cred;
    let typed = [ControlMessage::Credentials(cred)];
    let layout = codec.layout;
    let mut buf = [0xa5; 64];
    let mut out = vec![0xa5];
    let answers = (
        codec.unix_credentials(&cred),
        codec.encoded_len(&typed),
        codec.encode(&typed),
        codec.encode_into(&typed, &mut buf).map(|n| buf.get(..n)),
        codec.encode_to_vec(&typed, &mut out).map(|_| out.get(1..)),
    );
    match layout.scm_credentials() {
        Some(kind) => {
            let expected = model.encode([(
                layout.sol_socket(),
                kind,
                &model.ucred_bytes(pid, uid, gid)[..],
            )]);
            assert!(
                answers.0.as_ref() == Ok(&expected)
                    && answers.1 == Ok(expected.len())
                    && answers.2.as_ref() == Ok(&expected)
                    && answers.3 == Ok(Some(&expected[..]))
                    && answers.4 == Ok(Some(&expected[..])),
                "unix_credentials and the encoders on Credentials({cred:?}) give {answers:?}, \
                 the model {expected:?}"
            );
        }
        None => {
            let refused = Error::CredentialsUnsupported {
                layout: layout.name(),
            };
            assert!(
                answers
                    == (
                        Err(refused),
                        Err(refused),
                        Err(refused),
                        Err(refused),
                        Err(refused)
                    )
                    && buf == [0xa5; 64]
                    && out == [0xa5],
                "unix_credentials and the encoders on Credentials({cred:?}) for {}, which has \
                 no SCM_CREDENTIALS, give {answers:?}",
                layout.name()
            );
        }
    }
}

pub(super) fn roundtrip_in(layout: Layout, msgs: &[OwnedControlMessage]) {
    let codec = Codec::new(layout);
    let model = Model::new(layout);
    check_typed_credentials(codec, &model, msgs);
    let to_encode: Vec<ControlMessage<'_>> = msgs
        .iter()
        .map(OwnedControlMessage::as_control_message)
        .collect();
    let expected = model.encode(
        msgs.iter()
            .map(|msg| (msg.level, msg.kind, msg.data.as_slice())),
    );
    let size = expected.len();
    assert_eq!(
        codec.encoded_len(&to_encode),
        Ok(size),
        "encoded_len is not the length of the model's encoding"
    );

    let mut appended = Vec::with_capacity(size.saturating_add(1));
    appended.push(0xa5);
    assert_eq!(
        codec.encode_to_vec(&to_encode, &mut appended),
        Ok(size),
        "encode_to_vec's length"
    );
    let (&first, buf) = appended.split_first().expect("one byte was there");
    assert_eq!(first, 0xa5, "encode_to_vec changed the bytes it appends to");
    assert!(
        *buf == *expected,
        "encode_to_vec appends {buf:02x?}, the model encodes {expected:02x?}"
    );

    let mut dirty = vec![0xa5; size.saturating_add(1)];
    if let Some(short) = size.checked_sub(1) {
        let small = dirty.get_mut(..short).expect("a shorter buffer");
        let refused = codec.encode_into(&to_encode, small);
        let too_small = Error::BufferTooSmall {
            needed: size,
            available: short,
        };
        assert_eq!(refused, Err(too_small), "encode_into one byte short");
        check_error(too_small);
        assert!(
            small.iter().all(|&byte| byte == 0xa5),
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
    let (parsed, walk) = parse_in(layout, buf);
    assert!(
        parsed.as_ref().is_ok_and(|parsed| parsed
            .iter()
            .map(|&msg| ControlMessage::from(msg))
            .eq(to_encode.iter().copied())),
        "the encoded messages parse back as {parsed:?}, not as {msgs:?}"
    );
    // ... and, without the last message's padding (up to where the model
    // says its data ends), with the level, type and data of the owned
    // message it was made from.
    if let Some(last) = walk.messages.last() {
        let end = usize::try_from(last.data_at.saturating_add(last.data_len))
            .expect("the last message lies in the buffer");
        let unpadded = buf.get(..end).expect("the last message lies in the buffer");
        let parsed = codec.parse_socket_control_message(unpadded);
        assert!(
            parsed.as_ref().is_ok_and(|parsed| parsed
                .iter()
                .map(|msg| (msg.header.level, msg.header.kind, msg.data))
                .eq(msgs.iter().map(|msg| (msg.level, msg.kind, &msg.data[..])))),
            "without the last message's padding, the encoded messages parse back as \
             {parsed:?}, not as {msgs:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(parse_in(layout, &buf).0.is_ok());
        }
    }
}
