//! The typed IP, UDP and socket messages' decoder and encoder checked
//! against the model's on each message parsed: the same value or the same
//! reason to refuse it, and the value written back, in each direction, as
//! the model writes it and read back as itself.

use crate::model::{Model, Rejection, TypedBytes};
use crate::typed::{Direction, TypedMessage};
use crate::{Error, SocketControlMessage};

use super::codec::Codec;
use super::invariants::check_error;

/// Checks [`decode_typed`](crate::decode_typed) on `msg` against
/// [`Model::typed`], and what it decodes with [`check_encoding`].
pub(super) fn check_typed_message(codec: Codec, model: &Model, msg: &SocketControlMessage<'_>) {
    let (level, kind, data) = (msg.header.level, msg.header.kind, msg.data);
    let decoded = codec.decode_typed(msg);
    assert_eq!(
        decoded.map_err(Rejection::of_error),
        model.typed(level, kind, data).map_err(Some),
        "decode_typed and the model disagree on {msg:?}"
    );
    match decoded {
        Ok(Some(value)) => check_encoding(codec, model, value),
        Ok(None) => {}
        Err(err) => check_error(err),
    }
}

/// Checks that `value` is written in each direction as the model writes it
/// (or refused for the same reason, or where the system has no such
/// message), that what is written, encoded, reads back as `value`, and
/// that the type's name and a buffer sized for the kind agree.
fn check_encoding(codec: Codec, model: &Model, value: TypedMessage) {
    let layout = codec.layout;
    let kind = value.kind();
    for direction in [Direction::Receive, Direction::Send] {
        let name = layout.typed_name(kind, direction);
        let space = layout.typed_space(&[kind]);
        match (
            codec.typed_payload(&value, direction),
            model.typed_bytes(&value, direction),
        ) {
            (Ok(payload), Some(Ok(TypedBytes { level, kind, data }))) => {
                assert!(
                    (payload.level(), payload.kind(), payload.data()) == (level, kind, &data[..]),
                    "{value:?} written for {direction:?} is {payload:?}, the model's {data:02x?}"
                );
                let buf = layout
                    .encode(&[payload.control_message()])
                    .expect("a typed payload encodes");
                let read = layout.messages(&buf).next();
                assert!(
                    matches!(read, Some(Ok(msg)) if codec.decode_typed(&msg) == Ok(Some(value))),
                    "{value:?} written for {direction:?} does not read back"
                );
                assert!(name.is_some(), "{value:?} has no name for {direction:?}");
                if direction == Direction::Receive {
                    assert_eq!(
                        space,
                        layout.cmsg_space(data.len()),
                        "typed_space of {value:?}"
                    );
                }
            }
            (Err(err), Some(Err(rejection))) => {
                assert_eq!(Rejection::of_error(err), Some(rejection), "{value:?}");
                check_error(err);
            }
            (Err(err @ Error::TypedUnsupported { .. }), None) => {
                check_error(err);
                assert!(name.is_none(), "{value:?} has a name for {direction:?}");
                if direction == Direction::Receive {
                    assert_eq!(space, 0, "typed_space of {value:?}, which is not received");
                }
            }
            (written, expected) => panic!(
                "{value:?} for {direction:?} on {}: written {written:?}, the model {expected:?}",
                layout.name()
            ),
        }
    }
}
