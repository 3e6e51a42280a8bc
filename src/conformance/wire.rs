//! A parse's outcome through the pipe from the child process that ran it:
//! a tag byte, then the messages (level, type, payload tag, length, bytes;
//! all little-endian) or a text.

use super::runner::Outcome;
use super::{Parsed, ParsedMessage, Payload};

const UNSUPPORTED: u8 = 0;
const MESSAGES: u8 = 1;
const REJECTED: u8 = 2;
const FAILED: u8 = 3;

const BYTES: u8 = 0;
const FDS: u8 = 1;
const CREDENTIALS: u8 = 2;

pub(super) fn write(outcome: &Outcome) -> Vec<u8> {
    let mut out = Vec::new();
    let text = |out: &mut Vec<u8>, tag: u8, text: &str| {
        out.push(tag);
        out.extend(text.as_bytes());
    };
    match outcome {
        Outcome::Answered(None) => out.push(UNSUPPORTED),
        Outcome::Answered(Some(Parsed::Messages(msgs))) => {
            out.push(MESSAGES);
            for msg in msgs {
                out.extend(msg.level.to_le_bytes());
                out.extend(msg.kind.to_le_bytes());
                let (tag, bytes) = match &msg.payload {
                    Payload::Bytes(bytes) => (BYTES, bytes.clone()),
                    Payload::Fds(fds) => {
                        (FDS, fds.iter().flat_map(|fd| fd.to_le_bytes()).collect())
                    }
                    Payload::Credentials { pid, uid, gid } => (
                        CREDENTIALS,
                        [pid.to_le_bytes(), uid.to_le_bytes(), gid.to_le_bytes()].concat(),
                    ),
                };
                out.push(tag);
                out.extend(u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_le_bytes());
                out.extend(bytes);
            }
        }
        Outcome::Answered(Some(Parsed::Rejected(why))) => text(&mut out, REJECTED, why),
        Outcome::Failed(what) => text(&mut out, FAILED, what),
    }
    out
}

pub(super) fn read(bytes: &[u8]) -> Outcome {
    let text = |rest: &[u8]| String::from_utf8_lossy(rest).into_owned();
    match bytes.split_first() {
        Some((&UNSUPPORTED, _)) => Outcome::Answered(None),
        Some((&MESSAGES, rest)) => read_messages(rest).map_or_else(
            || Outcome::Failed("a garbled answer from the child".to_owned()),
            |msgs| Outcome::Answered(Some(Parsed::Messages(msgs))),
        ),
        Some((&REJECTED, rest)) => Outcome::Answered(Some(Parsed::Rejected(text(rest)))),
        Some((_, rest)) => Outcome::Failed(text(rest)),
        None => Outcome::Failed("no answer from the child".to_owned()),
    }
}

fn read_messages(mut rest: &[u8]) -> Option<Vec<ParsedMessage>> {
    let mut msgs = Vec::new();
    while !rest.is_empty() {
        let (level, after) = rest.split_first_chunk::<4>()?;
        let (kind, after) = after.split_first_chunk::<4>()?;
        let (tag, after) = after.split_first()?;
        let (len, after) = after.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        let (bytes, after) = after.split_at_checked(len)?;
        let words = || {
            bytes
                .chunks_exact(4)
                .map(|word| <[u8; 4]>::try_from(word).unwrap_or_default())
        };
        let payload = match *tag {
            BYTES => Payload::Bytes(bytes.to_vec()),
            FDS => Payload::Fds(words().map(i32::from_le_bytes).collect()),
            CREDENTIALS => match words().collect::<Vec<_>>().as_slice() {
                &[pid, uid, gid] => Payload::Credentials {
                    pid: i32::from_le_bytes(pid),
                    uid: u32::from_le_bytes(uid),
                    gid: u32::from_le_bytes(gid),
                },
                _ => return None,
            },
            _ => return None,
        };
        msgs.push(ParsedMessage {
            level: i32::from_le_bytes(*level),
            kind: i32::from_le_bytes(*kind),
            payload,
        });
        rest = after;
    }
    Some(msgs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_back_as_written() {
        let outcomes = [
            Outcome::Answered(None),
            Outcome::Answered(Some(Parsed::Rejected("a reason".into()))),
            Outcome::Failed("panicked: boom".into()),
            Outcome::Answered(Some(Parsed::Messages(vec![]))),
            Outcome::Answered(Some(Parsed::Messages(vec![
                ParsedMessage {
                    level: 41,
                    kind: -50,
                    payload: Payload::Bytes(vec![1, 2, 3]),
                },
                ParsedMessage {
                    level: 1,
                    kind: 1,
                    payload: Payload::Fds(vec![3, -1, i32::MIN]),
                },
                ParsedMessage {
                    level: 1,
                    kind: 2,
                    payload: Payload::Credentials {
                        pid: -7,
                        uid: u32::MAX,
                        gid: 9,
                    },
                },
            ]))),
        ];
        for outcome in outcomes {
            assert_eq!(read(&write(&outcome)), outcome);
        }
        assert_eq!(
            read(&[MESSAGES, 1]),
            Outcome::Failed("a garbled answer from the child".into())
        );
    }
}
