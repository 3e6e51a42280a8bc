//! The typed IP, UDP and socket messages' decoder and encoder checked
//! against the model's on each message parsed: the same value or the same
//! reason to refuse it, and the value written back, in each direction, as
//! the model writes it and read back as itself.

use crate::model::{Model, Rejection, TypedBytes};
use crate::typed::{Direction, TypedMessage};
use crate::{Cmsghdr, Error, Layout, SocketControlMessage};

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
        Ok(Some(value)) => check_encoding(codec.layout, model, value),
        Ok(None) => {}
        Err(err) => check_error(err),
    }
}

/// Checks that `value` is written in each direction as the model writes it
/// (or refused for the same reason, or where the system has no such
/// message), and that what is written decodes back to `value`.
fn check_encoding(layout: Layout, model: &Model, value: TypedMessage) {
    for direction in [Direction::Receive, Direction::Send] {
        match (
            layout.typed_payload(&value, direction),
            model.typed_bytes(&value, direction),
        ) {
            (Ok(payload), Some(Ok(TypedBytes { level, kind, data }))) => {
                assert!(
                    (payload.level(), payload.kind(), payload.data()) == (level, kind, &data[..]),
                    "{value:?} written for {direction:?} is {payload:?}, the model's {data:02x?}"
                );
                let written = SocketControlMessage {
                    header: Cmsghdr {
                        len: layout.cmsg_len(data.len()),
                        level,
                        kind,
                    },
                    data: payload.data(),
                };
                assert_eq!(
                    layout.decode_typed(&written),
                    Ok(Some(value)),
                    "{value:?} written for {direction:?} does not read back"
                );
            }
            (Err(err), Some(Err(rejection))) => {
                assert_eq!(Rejection::of_error(err), Some(rejection), "{value:?}");
                check_error(err);
            }
            (Err(Error::TypedUnsupported { .. }), None) => {}
            (written, expected) => panic!(
                "{value:?} for {direction:?} on {}: written {written:?}, the model {expected:?}",
                layout.name()
            ),
        }
    }
}
