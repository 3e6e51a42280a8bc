//! Whether an implementation's parse is the model's answer, and how each
//! answer reads in a finding.

use super::report::hex;
use super::{Parsed, ParsedMessage, Payload};
use crate::model::{Message, Model, Rejection, Walk};

/// Whether `answer` is the model's for `buf`: the same messages, each
/// payload what the model's decoder of its kind gives (the data itself, for
/// bytes); or a rejection where the model rejects the buffer, or where it
/// rejects the typed data of one of its messages (a partial fd, short
/// credentials), which an implementation that decodes may refuse whole.
pub(super) fn agrees(model: &Model, buf: &[u8], walk: &Walk, answer: &Parsed) -> bool {
    match (walk.result(), answer) {
        (Err(_), Parsed::Rejected(_)) => true,
        (Err(_), Parsed::Messages(_)) => false,
        (Ok(msgs), Parsed::Rejected(_)) => msgs
            .iter()
            .any(|msg| typed_data_rejected(model, msg, msg.data(buf))),
        (Ok(msgs), Parsed::Messages(got)) => {
            msgs.len() == got.len()
                && msgs
                    .iter()
                    .zip(got)
                    .all(|(msg, got)| same_message(model, msg, msg.data(buf), got))
        }
    }
}

fn same_message(model: &Model, msg: &Message, data: &[u8], got: &ParsedMessage) -> bool {
    msg.level == got.level
        && msg.kind == got.kind
        && match &got.payload {
            Payload::Bytes(bytes) => bytes == data,
            Payload::Fds(fds) => model.rights(msg.level, msg.kind, data).as_ref() == Ok(fds),
            Payload::Credentials { pid, uid, gid } => {
                model.credentials(msg.level, msg.kind, data) == Ok((*pid, *uid, *gid))
            }
        }
}

/// Whether the model's decoder of `msg`'s type refuses its data.
fn typed_data_rejected(model: &Model, msg: &Message, data: &[u8]) -> bool {
    matches!(
        model.rights(msg.level, msg.kind, data),
        Err(Rejection::PartialFd { .. })
    ) || matches!(
        model.credentials(msg.level, msg.kind, data),
        Err(Rejection::ShortCredentials { .. })
    )
}

/// The model's answer for `buf`, as a finding shows it.
pub(super) fn describe_walk(walk: &Walk, buf: &[u8]) -> String {
    match walk.result() {
        Err(rejection) => format!("rejected: {rejection:?}"),
        Ok(msgs) => describe_messages(msgs.iter().map(|msg| {
            format!(
                "level {} type {} data {}",
                msg.level,
                msg.kind,
                hex(msg.data(buf))
            )
        })),
    }
}

/// An implementation's answer, as a finding shows it.
pub(super) fn describe(parsed: &Parsed) -> String {
    match parsed {
        Parsed::Rejected(why) => format!("rejected: {why}"),
        Parsed::Messages(msgs) => describe_messages(msgs.iter().map(|msg| {
            let payload = match &msg.payload {
                Payload::Bytes(bytes) => format!("data {}", hex(bytes)),
                Payload::Fds(fds) => format!("fds {fds:?}"),
                Payload::Credentials { pid, uid, gid } => {
                    format!("credentials pid {pid} uid {uid} gid {gid}")
                }
            };
            format!("level {} type {} {payload}", msg.level, msg.kind)
        })),
    }
}

fn describe_messages(each: impl Iterator<Item = String>) -> String {
    let each: Vec<String> = each.collect();
    format!("{} messages [{}]", each.len(), each.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    fn answer(payload: Payload) -> Parsed {
        Parsed::Messages(vec![ParsedMessage {
            level: 1,
            kind: 1,
            payload,
        }])
    }

    #[test]
    fn decoded_payloads_are_checked_with_the_model_decoder() {
        let model = Model::new(Layout::LINUX_64);
        // One SCM_RIGHTS message with the fds 3 and 4.
        let buf = model.encode([(1, 1, &[3, 0, 0, 0, 4, 0, 0, 0][..])]);
        let walk = model.walk(&buf);
        assert!(agrees(
            &model,
            &buf,
            &walk,
            &answer(Payload::Fds(vec![3, 4]))
        ));
        assert!(!agrees(&model, &buf, &walk, &answer(Payload::Fds(vec![3]))));
        assert!(agrees(
            &model,
            &buf,
            &walk,
            &answer(Payload::Bytes(vec![3, 0, 0, 0, 4, 0, 0, 0]))
        ));
        assert!(!agrees(&model, &buf, &walk, &Parsed::Rejected("no".into())));
    }

    #[test]
    fn a_partial_fd_may_be_refused_not_dropped() {
        let model = Model::new(Layout::LINUX_64);
        // SCM_RIGHTS with 5 bytes: one fd and one byte of another.
        let buf = model.encode([(1, 1, &[3, 0, 0, 0, 9][..])]);
        let walk = model.walk(&buf);
        assert!(agrees(
            &model,
            &buf,
            &walk,
            &Parsed::Rejected("partial".into())
        ));
        assert!(!agrees(&model, &buf, &walk, &answer(Payload::Fds(vec![3]))));
    }

    #[test]
    fn credentials_are_read_from_twelve_bytes_or_refused() {
        let model = Model::new(Layout::LINUX_64);
        let whole = model.encode([(1, 2, &[7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0][..])]);
        let creds = Payload::Credentials {
            pid: 7,
            uid: 8,
            gid: 9,
        };
        assert!(agrees(
            &model,
            &whole,
            &model.walk(&whole),
            &Parsed::Messages(vec![ParsedMessage {
                level: 1,
                kind: 2,
                payload: creds.clone()
            }])
        ));
        let short = model.encode([(1, 2, &[7, 0, 0, 0][..])]);
        let walk = model.walk(&short);
        assert!(agrees(
            &model,
            &short,
            &walk,
            &Parsed::Rejected("short".into())
        ));
        assert!(!agrees(
            &model,
            &short,
            &walk,
            &Parsed::Messages(vec![ParsedMessage {
                level: 1,
                kind: 2,
                payload: creds
            }])
        ));
    }
}
