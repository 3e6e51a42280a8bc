//! A parse's outcome through the pipe from the child process that ran it:
//! a tag byte, then the messages (level, type, payload tag, length, bytes;
//! all little-endian), a split completion, or a text.

#[cfg(any(target_os = "linux", target_os = "android"))]
use super::runner::Outcome;
use super::{CompletionParts, Parsed, ParsedCompletion, ParsedMessage, Payload};

const UNSUPPORTED: u8 = 0;
const MESSAGES: u8 = 1;
const REJECTED: u8 = 2;
const FAILED: u8 = 3;
const SPLIT: u8 = 4;
const VERDICT: u8 = 5;

const BYTES: u8 = 0;
const FDS: u8 = 1;
const CREDENTIALS: u8 = 2;

/// An answer that crosses the pipe: a parse's or a completion parse's.
pub(super) trait Answer: Sized {
    /// Appends the answer, its tag first.
    fn put(&self, out: &mut Vec<u8>);
    /// The answer `put` wrote, from its tag on.
    fn take(bytes: &[u8]) -> Option<Self>;
}

impl Answer for Parsed {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            Parsed::Messages(msgs) => {
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
                    put_bytes(out, &bytes);
                }
            }
            Parsed::Rejected(why) => put_text(out, REJECTED, why),
        }
    }

    fn take(bytes: &[u8]) -> Option<Self> {
        match bytes.split_first()? {
            (&MESSAGES, rest) => read_messages(rest).map(Parsed::Messages),
            (&REJECTED, rest) => Some(Parsed::Rejected(text(rest))),
            _ => None,
        }
    }
}

/// A split completion: the name, the payload, the three truncations
/// (0 unsaid, 1 false, 2 true), then the control's answer, last because a
/// list of messages runs to the end.
impl Answer for ParsedCompletion {
    fn put(&self, out: &mut Vec<u8>) {
        match self {
            ParsedCompletion::Split(parts) => {
                out.push(SPLIT);
                put_bytes(out, &parts.name);
                put_bytes(out, &parts.payload);
                for said in [
                    parts.name_truncated,
                    parts.control_truncated,
                    parts.payload_truncated,
                ] {
                    out.push(said.map_or(0, |said| if said { 2 } else { 1 }));
                }
                parts.control.put(out);
            }
            ParsedCompletion::Rejected(why) => put_text(out, REJECTED, why),
        }
    }

    fn take(bytes: &[u8]) -> Option<Self> {
        match bytes.split_first()? {
            (&SPLIT, rest) => {
                let (name, rest) = take_bytes(rest)?;
                let (payload, rest) = take_bytes(rest)?;
                let (said, rest) = rest.split_first_chunk::<3>()?;
                let [name_truncated, control_truncated, payload_truncated] =
                    said.map(|said| match said {
                        0 => None,
                        said => Some(said == 2),
                    });
                Some(ParsedCompletion::Split(CompletionParts {
                    name: name.to_vec(),
                    payload: payload.to_vec(),
                    name_truncated,
                    control_truncated,
                    payload_truncated,
                    control: Parsed::take(rest)?,
                }))
            }
            (&REJECTED, rest) => Some(ParsedCompletion::Rejected(text(rest))),
            _ => None,
        }
    }
}

/// A case judged where it ran: its problems (empty: it agrees with the
/// model), so that only text crosses the pipe.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Verdict(pub(super) String);

impl Answer for Verdict {
    fn put(&self, out: &mut Vec<u8>) {
        put_text(out, VERDICT, &self.0);
    }

    fn take(bytes: &[u8]) -> Option<Self> {
        match bytes.split_first()? {
            (&VERDICT, rest) => Some(Verdict(text(rest))),
            _ => None,
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn write<T: Answer>(outcome: &Outcome<T>) -> Vec<u8> {
    let mut out = Vec::new();
    match outcome {
        Outcome::Answered(None) => out.push(UNSUPPORTED),
        Outcome::Answered(Some(answer)) => answer.put(&mut out),
        Outcome::Failed(what) => put_text(&mut out, FAILED, what),
    }
    out
}

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn read<T: Answer>(bytes: &[u8]) -> Outcome<T> {
    match bytes.split_first() {
        Some((&UNSUPPORTED, _)) => Outcome::Answered(None),
        Some((&FAILED, rest)) => Outcome::Failed(text(rest)),
        Some(_) => T::take(bytes).map_or_else(
            || Outcome::Failed("a garbled answer from the child".to_owned()),
            |answer| Outcome::Answered(Some(answer)),
        ),
        None => Outcome::Failed("no answer from the child".to_owned()),
    }
}

fn put_text(out: &mut Vec<u8>, tag: u8, text: &str) {
    out.push(tag);
    out.extend(text.as_bytes());
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend(u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_le_bytes());
    out.extend(bytes);
}

fn take_bytes(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = bytes.split_first_chunk::<8>()?;
    rest.split_at_checked(usize::try_from(u64::from_le_bytes(*len)).ok()?)
}

fn read_messages(mut rest: &[u8]) -> Option<Vec<ParsedMessage>> {
    let mut msgs = Vec::new();
    while !rest.is_empty() {
        let (level, after) = rest.split_first_chunk::<4>()?;
        let (kind, after) = after.split_first_chunk::<4>()?;
        let (tag, after) = after.split_first()?;
        let (bytes, after) = take_bytes(after)?;
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

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
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
        let completions = [
            Outcome::Answered(Some(ParsedCompletion::Rejected("short".into()))),
            Outcome::Answered(Some(ParsedCompletion::Split(CompletionParts {
                name: vec![1, 2],
                control: Parsed::Messages(vec![ParsedMessage {
                    level: 1,
                    kind: 1,
                    payload: Payload::Fds(vec![3]),
                }]),
                payload: b"hi".to_vec(),
                name_truncated: None,
                control_truncated: Some(false),
                payload_truncated: Some(true),
            }))),
            Outcome::Failed("aborted: signal 6".into()),
        ];
        for outcome in completions {
            assert_eq!(read(&write(&outcome)), outcome);
        }
        assert_eq!(
            read::<Parsed>(&[MESSAGES, 1]),
            Outcome::Failed("a garbled answer from the child".into())
        );
    }
}
