//! The codec's answers checked against the model and against each other:
//! every parse of a buffer (the walk, the collecting and the one-at-a-time
//! parsers, each header re-encoded, the typed decoders) and every encoder
//! on messages parsed back.

use crate::credentials::UCRED_LEN;
use crate::{Cmsghdr, ControlMessage, Error, Layout, OwnedControlMessage, SocketControlMessage};

use super::codec::Codec;

/// Checks every parse of `bytes` with `layout` (see [`parse`](super::parse)) and returns
/// `parse_socket_control_message`'s answer, for [`roundtrip`](super::roundtrip) to compare.
///
/// One pass over the walk checks each message against the other parsers,
/// the bytes (its header re-encoded) and the typed decoders, so that each
/// message is read no more often than the invariants need. On the host's layout the
/// functions checked are the crate root's ([`Codec`]).
pub(super) fn parse_in(
    layout: Layout,
    bytes: &[u8],
) -> Result<Vec<SocketControlMessage<'_>>, Error> {
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
                check_typed(codec, raw, &msg, &kept);
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
        }
        (Err(_), Some(_)) => {}
        _ => panic!(
            "parse_socket_control_message gives {parsed:?} where messages() ends with {failed:?}"
        ),
    }
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
/// header (where the model puts it), and [`roundtrip`](super::roundtrip) checks that the
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

/// Checks the typed decoders on one message, whose header and data are
/// `raw`: each accepts exactly the messages of its type with a valid
/// payload, reports the reason for the others, and returns what encodes
/// back to the message (with `unix_rights` and `unix_credentials`), its
/// header's padding zeroed (`kept`).
fn check_typed(codec: Codec, raw: &[u8], msg: &SocketControlMessage<'_>, kept: &[u8; 32]) {
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
        }
        Err(err) => {
            assert!(
                !is_rights,
                "parse_unix_rights rejected an SCM_RIGHTS message: {err}"
            );
            assert_eq!(err, unexpected(layout.scm_rights()));
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
pub(super) fn offset_in(whole: &[u8], part: &[u8]) -> Option<usize> {
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

pub(super) fn roundtrip_in(layout: Layout, msgs: &[OwnedControlMessage]) {
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
            assert!(parse_in(layout, &buf).is_ok());
        }
    }
}
