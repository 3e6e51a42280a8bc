//! What Go 1.19 does with a control buffer: `syscall`'s
//! `ParseSocketControlMessage`, `ParseUnixRights` and
//! `ParseUnixCredentials`, and x/sys/unix's `ParseOneSocketControlMessage`.
//!
//! The one entry point is [`answers`], from a layout and the bytes to
//! [`GoAnswers`]. Go's rules are the reference model's Go dialect
//! (`sockcmsg::model::dialect`: `Dialect::Go`, `go_layout`,
//! `go_parse_unix_rights`, `go_parse_one`, and `Model::credentials`); this
//! file compares its answers with the crate's: [`GoAnswer::Same`] where Go
//! answers as the crate does. `render.rs` prints them.

use sockcmsg::check::as_model;
use sockcmsg::model::dialect::{go_layout, go_parse_one, go_parse_unix_rights, Answer, Dialect};
use sockcmsg::model::{Message, Model};
use sockcmsg::{Layout, Ucred};

use super::report::{index, rest_at, Payload};

/// What Go 1.19 answers for one control buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct GoAnswers {
    /// `syscall.ParseSocketControlMessage`.
    pub(super) walk: GoVerdict,
    /// `syscall.ParseUnixRights` or `ParseUnixCredentials`: one for each
    /// message of the model's walk whose payload a typed decoder of the
    /// crate reads (a [`Payload::Rights`] or [`Payload::Credentials`]), in
    /// order.
    pub(super) typed: Vec<TypedAnswer>,
    /// x/sys/unix `ParseOneSocketControlMessage`.
    pub(super) parse_one: GoVerdict,
}

impl GoAnswers {
    /// Go's typed decoder's answer on the message whose header is at
    /// `header_at`.
    pub(super) fn typed_at(&self, header_at: usize) -> Option<&GoAnswer> {
        self.typed
            .iter()
            .find(|typed| typed.header_at == header_at)
            .map(|typed| &typed.answer)
    }
}

/// Go's typed decoder's answer on one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct TypedAnswer {
    /// Where the message's header starts in the buffer.
    pub(super) header_at: usize,
    pub(super) answer: GoAnswer,
}

/// Go's answer to a parse function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct GoVerdict {
    pub(super) answer: GoAnswer,
    /// The layout Go reads the headers with (`go_layout`), where it is not
    /// the crate's and that changes Go's answer.
    pub(super) read_as: Option<Layout>,
}

/// What a Go 1.19 function does with the same input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum GoAnswer {
    /// It answers as the crate does.
    Same,
    /// The walk succeeds with other messages than the crate's: this many.
    OtherMessageCount(usize),
    /// `ParseOneSocketControlMessage` succeeds with another message or its
    /// rest at another offset than the crate's (`None`: no rest).
    OtherRest(Option<usize>),
    /// `ParseUnixRights` succeeds with other fds than the crate's.
    OtherFds(Vec<i32>),
    /// `ParseUnixCredentials` succeeds with other credentials than the
    /// crate's.
    OtherCredentials(Ucred),
    /// It returns `EINVAL`, Go's error wherever the model rejects.
    Einval,
    /// It panics, with the runtime's message.
    Panics(String),
    /// It reads a header from fewer bytes: a pointer cast has no bounds
    /// check.
    ReadsPastEnd { header_len: u128, available: u128 },
    /// It is not called: Go's walk returned no message, or panicked.
    NotCalled { walk_panicked: bool },
    /// It is called on other messages than the crate's.
    OnOtherMessages,
}

impl GoAnswer {
    /// The model's `answer` for Go, where it is not the crate's.
    fn of(answer: Answer) -> GoAnswer {
        match answer {
            Answer::Messages(msgs) => GoAnswer::OtherMessageCount(msgs.len()),
            Answer::Rejected(_) => GoAnswer::Einval,
            Answer::Panics(message) => GoAnswer::Panics(message),
            Answer::ReadsPastEnd {
                header_len,
                available,
            } => GoAnswer::ReadsPastEnd {
                header_len,
                available,
            },
        }
    }
}

/// What Go 1.19 answers for the control buffer `bytes`, whose headers
/// the C library reads with `layout`.
pub(super) fn answers(layout: Layout, bytes: &[u8]) -> GoAnswers {
    let walk = walk_answer(layout, bytes);
    let typed = typed_answers(layout, bytes, &walk.answer);
    GoAnswers {
        walk,
        typed,
        parse_one: parse_one_answer(layout, bytes),
    }
}

impl GoVerdict {
    /// Go's `answer`, where `go` is the Go function on the model of a
    /// layout: the layout Go reads is named if reading `layout`'s headers
    /// instead would change what `go` answers.
    fn of<T: PartialEq>(layout: Layout, answer: GoAnswer, go: impl Fn(&Model) -> T) -> GoVerdict {
        let go_layout = go_layout(layout);
        let changed = go_layout != layout && go(&Model::new(go_layout)) != go(&Model::new(layout));
        GoVerdict {
            answer,
            read_as: changed.then_some(go_layout),
        }
    }
}

/// What Go's `syscall.ParseSocketControlMessage` does with `bytes`.
fn walk_answer(layout: Layout, bytes: &[u8]) -> GoVerdict {
    let go = |model: &Model| Dialect::Go.walk(model, bytes);
    let ours = layout.parse_socket_control_message(bytes);
    let same = |msgs: &[Message]| {
        ours.as_ref().is_ok_and(|ours| {
            ours.iter()
                .map(|msg| as_model(bytes, msg))
                .eq(msgs.iter().copied())
        })
    };
    let answer = match go(&Model::new(go_layout(layout))) {
        Answer::Messages(msgs) if same(&msgs) => GoAnswer::Same,
        other => GoAnswer::of(other),
    };
    GoVerdict::of(layout, answer, go)
}

/// What Go's `ParseUnixRights` and `ParseUnixCredentials` do with each
/// message of the model's walk that the crate's typed decoders read, where
/// Go's walk answered `walk`: a Go program gets no message at all where
/// its walk fails.
fn typed_answers(layout: Layout, bytes: &[u8], walk: &GoAnswer) -> Vec<TypedAnswer> {
    let model = Model::new(layout);
    let go = Model::new(go_layout(layout));
    model
        .walk(bytes)
        .messages
        .iter()
        .filter_map(|msg| {
            let decoded = typed_answer(&go, bytes, msg, &Payload::of(layout, bytes, msg))?;
            let answer = match walk {
                GoAnswer::Same => decoded,
                GoAnswer::OtherMessageCount(_) => GoAnswer::OnOtherMessages,
                GoAnswer::Panics(_) => GoAnswer::NotCalled {
                    walk_panicked: true,
                },
                _ => GoAnswer::NotCalled {
                    walk_panicked: false,
                },
            };
            Some(TypedAnswer {
                header_at: index(msg.offset(&model)),
                answer,
            })
        })
        .collect()
}

/// What Go's typed decoder does with `msg`, a message of `bytes`, with
/// `go`, the model of the layout Go reads, where the crate's answered
/// `ours`; `None` where no typed decoder reads it.
fn typed_answer(go: &Model, bytes: &[u8], msg: &Message, ours: &Payload) -> Option<GoAnswer> {
    let data = msg.data(bytes);
    Some(match ours {
        Payload::Rights(ours) => match go_parse_unix_rights(go, msg.level, msg.kind, data) {
            Ok(fds) if ours.as_ref() == Ok(&fds) => GoAnswer::Same,
            Ok(fds) => GoAnswer::OtherFds(fds),
            Err(answer) => GoAnswer::of(answer),
        },
        Payload::Credentials(ours) => match go.credentials(msg.level, msg.kind, data) {
            Ok((pid, uid, gid)) => {
                let cred = Ucred { pid, uid, gid };
                if ours.as_ref() == Ok(&cred) {
                    GoAnswer::Same
                } else {
                    GoAnswer::OtherCredentials(cred)
                }
            }
            Err(rejection) => GoAnswer::of(Answer::Rejected(rejection)),
        },
        Payload::Other => return None,
    })
}

/// What Go's x/sys/unix `ParseOneSocketControlMessage` does with `bytes`.
fn parse_one_answer(layout: Layout, bytes: &[u8]) -> GoVerdict {
    let go = |model: &Model| go_parse_one(model, bytes);
    let ours = layout.parse_one_socket_control_message(bytes);
    let answer = match go(&Model::new(go_layout(layout))) {
        Ok((msg, rest)) => {
            let rest = (rest < bytes.len() as u128).then(|| index(rest));
            let same = ours.as_ref().is_ok_and(|(ours, ours_rest)| {
                as_model(bytes, ours) == msg && rest_at(bytes, ours_rest) == rest
            });
            if same {
                GoAnswer::Same
            } else {
                GoAnswer::OtherRest(rest)
            }
        }
        Err(answer) => GoAnswer::of(answer),
    };
    GoVerdict::of(layout, answer, go)
}

#[cfg(test)]
mod tests {
    use super::super::parse_hex;
    use super::super::report::{buffer, BufferReport, Part};
    use super::*;
    use crate::root;
    use sockcmsg::Error;

    fn corpus(path: &str) -> Vec<u8> {
        std::fs::read(root().join("corpus").join(path)).unwrap()
    }

    fn hex(text: &str) -> Vec<u8> {
        parse_hex(text).unwrap()
    }

    /// A verdict where Go reads the headers as the crate does.
    fn verdict(answer: GoAnswer) -> GoVerdict {
        GoVerdict {
            answer,
            read_as: None,
        }
    }

    fn typed(header_at: usize, answer: GoAnswer) -> TypedAnswer {
        TypedAnswer { header_at, answer }
    }

    fn panics(message: &str) -> GoAnswer {
        GoAnswer::Panics(message.to_owned())
    }

    #[test]
    fn go_agrees_on_well_formed_messages() {
        let bytes = corpus("parse/seed-edge-credentials-and-rights");
        assert_eq!(
            answers(Layout::LINUX_64, &bytes),
            GoAnswers {
                walk: verdict(GoAnswer::Same),
                typed: vec![typed(0, GoAnswer::Same), typed(32, GoAnswer::Same)],
                parse_one: verdict(GoAnswer::Same),
            }
        );
    }

    #[test]
    fn a_length_past_the_end_is_einval() {
        let bytes = corpus("parse/seed-edge-len-u64-max");
        assert_eq!(
            answers(Layout::LINUX_64, &bytes),
            GoAnswers {
                walk: verdict(GoAnswer::Einval),
                typed: vec![],
                parse_one: verdict(GoAnswer::Einval),
            }
        );
    }

    /// A Go program gets no message at all where its walk fails.
    #[test]
    fn a_failed_walk_calls_no_typed_decoder() {
        let bytes = corpus("parse/seed-edge-second-header-past-the-end");
        assert_eq!(
            answers(Layout::LINUX_64, &bytes),
            GoAnswers {
                walk: verdict(GoAnswer::Einval),
                typed: vec![typed(
                    0,
                    GoAnswer::NotCalled {
                        walk_panicked: false
                    }
                )],
                parse_one: verdict(GoAnswer::Same),
            }
        );
    }

    #[test]
    fn a_partial_fd_panics_parse_unix_rights() {
        let go = answers(Layout::LINUX_64, &corpus("parse/seed-edge-partial-fd"));
        assert_eq!(
            go.typed,
            [typed(0, panics("index out of range [1] with length 1"))]
        );
        assert_eq!(go.typed_at(0), Some(&go.typed[0].answer));
        assert_eq!(go.typed_at(16), None);
    }

    #[test]
    fn fewer_bytes_than_a_header_break_parse_one() {
        let empty = answers(Layout::LINUX_64, &[]);
        assert_eq!(empty.walk, verdict(GoAnswer::Same));
        assert_eq!(
            empty.parse_one,
            verdict(panics("index out of range [0] with length 0"))
        );
        let below = answers(Layout::LINUX_64, &corpus("parse/seed-edge-below-a-header"));
        assert_eq!(
            below.parse_one,
            verdict(GoAnswer::ReadsPastEnd {
                header_len: 16,
                available: 8
            })
        );
    }

    /// Go's least length is `sizeof(struct cmsghdr)`, the crate's is where
    /// data starts: between the two Go slices past the end.
    #[test]
    fn a_bsd_length_from_the_header_to_the_data_panics_go() {
        let input = corpus("parse_any_layout/seed-freebsd-64-len-header");
        let (layout, bytes) = sockcmsg::check::pick_layout(&input);
        assert_eq!(layout, Layout::FREEBSD_64);
        let go = answers(layout, bytes);
        let slice_panic = verdict(panics("slice bounds out of range [16:12]"));
        assert_eq!((go.walk, go.parse_one), (slice_panic.clone(), slice_panic));
        // Below sizeof(struct cmsghdr), Go's check fails too.
        let eleven = hex("0b000000 ffff0000 01000000 00000000");
        assert_eq!(
            answers(Layout::DRAGONFLY, &eleven).walk,
            verdict(GoAnswer::Einval)
        );
    }

    /// 12 to 15 bytes hold a whole BSD header but not the 4 bytes of
    /// padding before the data: Go's ParseOneSocketControlMessage reads
    /// the header and checks it.
    #[test]
    fn parse_one_reads_a_bsd_header_that_ends_before_its_data() {
        let parse_one = |text: &str| answers(Layout::NETBSD_64, &hex(text)).parse_one.answer;
        assert_eq!(
            parse_one("0d000000 ffff0000 01000000 0000"),
            panics("slice bounds out of range [16:13]")
        );
        assert_eq!(
            parse_one("0f000000 ffff0000 01000000 0000"),
            GoAnswer::Einval
        );
        assert_eq!(
            parse_one("0b000000 ffff0000 01000000 0000"),
            GoAnswer::Einval
        );
        assert_eq!(
            parse_one("0d000000 ffff0000"),
            GoAnswer::ReadsPastEnd {
                header_len: 12,
                available: 8
            }
        );
    }

    /// Go reads the kernel's 8-byte cmsg_len on musl too: a pad of 1 makes
    /// the length 2^32 + 16, past the end.
    #[test]
    fn go_reads_musl_s_pad_as_part_of_the_length() {
        let as_linux = GoVerdict {
            answer: GoAnswer::Einval,
            read_as: Some(Layout::LINUX_64),
        };
        assert_eq!(
            answers(
                Layout::LINUX_64_MUSL,
                &hex("10000000 01000000 01000000 01000000")
            ),
            GoAnswers {
                walk: as_linux.clone(),
                typed: vec![typed(
                    0,
                    GoAnswer::NotCalled {
                        walk_panicked: false
                    }
                )],
                parse_one: as_linux,
            }
        );
        // With the pad zeroed, as musl's sendmsg leaves it, Go agrees.
        let zeroed = answers(
            Layout::LINUX_64_MUSL_BE,
            &hex("00000000 00000010 00000001 00000001"),
        );
        assert_eq!(zeroed.walk, verdict(GoAnswer::Same));
        assert_eq!(zeroed.parse_one, verdict(GoAnswer::Same));
    }

    /// Go's decoders are the model's, not the crate's: where the crate
    /// answers otherwise (a bug that decode would show), Go's own answer is
    /// shown.
    #[test]
    fn go_s_typed_answer_is_its_own_where_the_crate_s_differs() {
        let model = Model::new(Layout::LINUX_64);
        let rights = hex("14000000 00000000 01000000 01000000 07000000");
        let msg = model.walk(&rights).messages[0];
        let answer = |ours| typed_answer(&model, &rights, &msg, &ours);
        assert_eq!(answer(Payload::Rights(Ok(vec![7]))), Some(GoAnswer::Same));
        assert_eq!(
            answer(Payload::Rights(Ok(vec![8]))),
            Some(GoAnswer::OtherFds(vec![7]))
        );
        assert_eq!(
            answer(Payload::Rights(Err(Error::PartialFd { len: 4 }))),
            Some(GoAnswer::OtherFds(vec![7]))
        );
        assert_eq!(answer(Payload::Other), None);

        let credentials = hex("1c000000 00000000 01000000 02000000 07000000 08000000 09000000");
        let msg = model.walk(&credentials).messages[0];
        let answer = |ours| typed_answer(&model, &credentials, &msg, &ours);
        let cred = Ucred {
            pid: 7,
            uid: 8,
            gid: 9,
        };
        assert_eq!(answer(Payload::Credentials(Ok(cred))), Some(GoAnswer::Same));
        let short = Error::ShortCredentials {
            len: 12,
            needed: 12,
        };
        assert_eq!(
            answer(Payload::Credentials(Err(short))),
            Some(GoAnswer::OtherCredentials(cred))
        );
    }

    /// Go's answers in `tests/data/` (tests/data/README.md gives the
    /// format) to every `P` request: the walk, `ParseUnixRights` and
    /// `ParseUnixCredentials`, compared with the report's.
    #[test]
    fn the_answers_are_what_go_1_19_answered_on_each_recorded_buffer() {
        const VECTORS: &str = include_str!("../../../tests/data/go1.19-syscall-linux-amd64.tsv");
        let mut buffers = 0;
        for line in VECTORS.lines() {
            let Some((hex_text, go)) = line
                .strip_prefix("P ")
                .and_then(|rest| rest.split_once('\t'))
            else {
                continue;
            };
            let report = buffer(Layout::LINUX_64, &hex(hex_text));
            assert_eq!(noted(&report), expected(go), "on {hex_text}:\n{report:#?}");
            buffers += 1;
        }
        assert_eq!(buffers, 2394);
    }

    /// The crate's answers with Go's, in the vectors' notation: the walk
    /// (`OK <n>` or `ERR`), then `R:<fds or PANIC>` and
    /// `C:<pid,uid,gid or ERR>` for each message Go's typed decoders read.
    fn noted(report: &BufferReport) -> Vec<String> {
        let mut found = vec![match (&report.walk, &report.go.walk.answer) {
            (Ok(count), GoAnswer::Same) => format!("OK {count}"),
            (Err(_), GoAnswer::Einval) => "ERR".to_owned(),
            other => panic!("the walk: {other:?}"),
        }];
        for section in &report.sections {
            let Part::Data { header_at, payload } = &section.part else {
                continue;
            };
            let note = match (payload, report.go.typed_at(*header_at)) {
                (Payload::Other, None) => continue,
                // Go's walk failed: the vectors hold no message.
                (_, Some(GoAnswer::NotCalled { .. })) => continue,
                (Payload::Rights(Ok(fds)), Some(GoAnswer::Same)) => {
                    let fds: Vec<String> = fds.iter().map(i32::to_string).collect();
                    format!("R:{}", fds.join(","))
                }
                (Payload::Rights(Err(_)), Some(GoAnswer::Panics(message)))
                    if message.starts_with("index out of range") =>
                {
                    "R:PANIC".to_owned()
                }
                (Payload::Credentials(Ok(cred)), Some(GoAnswer::Same)) => {
                    format!("C:{},{},{}", cred.pid, cred.uid, cred.gid)
                }
                (Payload::Credentials(Err(_)), Some(GoAnswer::Einval)) => "C:ERR".to_owned(),
                other => panic!("the message at {header_at}: {other:?}"),
            };
            found.push(note);
        }
        found
    }

    /// Go's answer to a `P` request, as [`noted`] notes it: the walk, then
    /// `R:` for each `SCM_RIGHTS` message and `C:` for each
    /// `SCM_CREDENTIALS` one.
    fn expected(go: &str) -> Vec<String> {
        let mut entries = go.split(" | ");
        let mut expected = vec![entries.next().unwrap().to_owned()];
        for entry in entries {
            let fields: Vec<&str> = entry.split(' ').collect();
            let answer = |prefix: &str| {
                *fields
                    .iter()
                    .find(|field| field.starts_with(prefix))
                    .unwrap()
            };
            match (fields[1], fields[2]) {
                ("1", "1") => expected.push(answer("R:").to_owned()),
                ("1", "2") => expected.push(answer("C:").to_owned()),
                _ => {}
            }
        }
        expected
    }
}
