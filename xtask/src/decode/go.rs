//! What Go 1.19 does with a control buffer: `syscall`'s
//! `ParseSocketControlMessage`, `ParseUnixRights` and
//! `ParseUnixCredentials`, and x/sys/unix's `ParseOneSocketControlMessage`.
//!
//! The one entry point is [`answers`], from a layout and the bytes to
//! [`GoAnswers`]. Everything it knows about Go is in this file, so that it
//! can be re-implemented (over a reference model of Go's rules, say)
//! without touching the report or its rendering. Its answers are relative
//! to the crate's: [`GoAnswer::Same`] where Go answers as the crate does.
//! `render.rs` prints them.

use sockcmsg::model::{Model, FD_LEN};
use sockcmsg::{Error, Layout};

use super::report::{index, offset_in, Payload};

/// What Go 1.19 answers for one control buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct GoAnswers {
    /// `syscall.ParseSocketControlMessage`.
    pub(super) walk: GoVerdict,
    /// `syscall.ParseUnixRights` or `ParseUnixCredentials`: one for each
    /// message of the crate's walk whose payload a typed decoder reads
    /// (a [`Payload::Rights`] or [`Payload::Credentials`]), in order.
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
    /// The layout Go reads the headers with ([`go_layout`]), where it is
    /// not the crate's and that changes what is parsed.
    pub(super) read_as: Option<Layout>,
}

/// What a Go 1.19 function does with the same input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum GoAnswer {
    /// It answers as the crate does.
    Same,
    /// The walk succeeds with another number of messages than the crate's.
    OtherMessageCount(usize),
    /// `ParseOneSocketControlMessage` succeeds with its rest at another
    /// offset than the crate's (`None`: no rest).
    OtherRest(Option<usize>),
    /// It returns `EINVAL`.
    Einval,
    /// It panics, with the runtime's message.
    Panics(String),
    /// It reads a header from fewer bytes: an `unsafe.Pointer` cast has no
    /// bounds check.
    ReadsPastEnd { header_len: usize, available: usize },
    /// It is not called: Go's walk returned no message, or panicked.
    NotCalled { walk_panicked: bool },
    /// It is called on other messages than the crate's.
    OnOtherMessages,
    /// There is no model of Go for this error here.
    Unknown(Error),
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

/// The layout whose header Go 1.19 (`syscall`, x/sys/unix) reads where the
/// C library's is `layout`. Go calls no C library on Linux: its `Cmsghdr`
/// is the kernel's, whose `cmsg_len` is 8 bytes, so on musl it takes
/// musl's pad as part of the length. Everywhere else Go's `Cmsghdr` and
/// `cmsgAlignOf` are the layout's own (the README's Layouts table).
fn go_layout(layout: Layout) -> Layout {
    match layout {
        Layout::LINUX_64_MUSL => Layout::LINUX_64,
        Layout::LINUX_64_MUSL_BE => Layout::LINUX_64_BE,
        other => other,
    }
}

impl GoVerdict {
    /// Go's `answer`, where the crate's function returns `ours` with
    /// `layout` and `go` with [`go_layout`].
    fn of<T: PartialEq>(
        layout: Layout,
        ours: &Result<T, Error>,
        go: &Result<T, Error>,
        answer: GoAnswer,
    ) -> GoVerdict {
        let go_layout = go_layout(layout);
        GoVerdict {
            answer,
            read_as: (go_layout != layout && ours != go).then_some(go_layout),
        }
    }
}

/// What Go does where the crate, reading `layout`'s headers, returns
/// `err`. Go's header check is `socketControlMessageHeaderAndData`'s
/// `h.Len < SizeofCmsghdr || uint64(h.Len) > uint64(len(b))`, then it
/// slices `b[cmsgAlignOf(SizeofCmsghdr):h.Len]`.
fn error_answer(layout: Layout, err: Error) -> GoAnswer {
    match err {
        // The crate's least length is where data starts; Go's is
        // SizeofCmsghdr. Between the two (12 to 15 on the 64-bit BSDs) Go's
        // check passes and its slice starts past its end.
        Error::LengthBelowHeader { len, .. }
            if usize::try_from(len).is_ok_and(|len| len >= layout.header_len()) =>
        {
            GoAnswer::Panics(format!(
                "slice bounds out of range [{}:{len}]",
                layout.cmsg_len(0)
            ))
        }
        Error::LengthBelowHeader { .. }
        | Error::LengthPastEnd { .. }
        | Error::ShortCredentials { .. }
        | Error::UnexpectedMessage { .. } => GoAnswer::Einval,
        // `fds := make([]int, len(m.Data)>>2)`, then a store for every fd
        // started, the partial one included.
        Error::PartialFd { len } => {
            let whole = len / FD_LEN;
            GoAnswer::Panics(format!("index out of range [{whole}] with length {whole}"))
        }
        // `(*Cmsghdr)(unsafe.Pointer(&b[0]))`: `b[0]` of an empty slice.
        Error::TruncatedHeader { available: 0, .. } => {
            GoAnswer::Panics("index out of range [0] with length 0".to_owned())
        }
        // The same cast on a shorter slice: unsafe.Pointer has no bounds.
        Error::TruncatedHeader { available, .. } if available < layout.header_len() => {
            GoAnswer::ReadsPastEnd {
                header_len: layout.header_len(),
                available,
            }
        }
        other => GoAnswer::Unknown(other),
    }
}

/// What Go's `syscall.ParseSocketControlMessage` does with `bytes`.
fn walk_answer(layout: Layout, bytes: &[u8]) -> GoVerdict {
    let go_layout = go_layout(layout);
    let ours = layout.parse_socket_control_message(bytes);
    let go = go_layout.parse_socket_control_message(bytes);
    let answer = match &go {
        Ok(msgs) if ours.as_ref() == Ok(msgs) => GoAnswer::Same,
        Ok(msgs) => GoAnswer::OtherMessageCount(msgs.len()),
        Err(err) => error_answer(go_layout, *err),
    };
    GoVerdict::of(layout, &ours, &go, answer)
}

/// What Go's `ParseUnixRights` and `ParseUnixCredentials` do with each
/// message of the crate's walk that the crate's typed decoders read, where
/// Go's walk answered `walk`: a Go program gets no message at all where
/// its walk fails.
fn typed_answers(layout: Layout, bytes: &[u8], walk: &GoAnswer) -> Vec<TypedAnswer> {
    let model = Model::new(layout);
    model
        .walk(bytes)
        .messages
        .iter()
        .filter_map(|msg| {
            let ours = match Payload::of(layout, bytes, msg) {
                Payload::Rights(fds) => fds.map(drop),
                Payload::Credentials(cred) => cred.map(drop),
                Payload::Other => return None,
            };
            let answer = match walk {
                GoAnswer::Same => {
                    ours.map_or_else(|err| error_answer(layout, err), |()| GoAnswer::Same)
                }
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

/// What Go's x/sys/unix `ParseOneSocketControlMessage` does with `bytes`.
fn parse_one_answer(layout: Layout, bytes: &[u8]) -> GoVerdict {
    let go_layout = go_layout(layout);
    let ours = layout.parse_one_socket_control_message(bytes);
    let go = go_layout.parse_one_socket_control_message(bytes);
    let answer = match &go {
        Ok(parsed) if ours.as_ref() == Ok(parsed) => GoAnswer::Same,
        Ok((_, rest)) => GoAnswer::OtherRest((!rest.is_empty()).then(|| offset_in(bytes, rest))),
        Err(err @ Error::TruncatedHeader { available, .. })
            if *available >= go_layout.header_len() =>
        {
            header_before_data_answer(go_layout, bytes, *err)
        }
        Err(err) => error_answer(go_layout, *err),
    };
    GoVerdict::of(layout, &ours, &go, answer)
}

/// What Go does with `bytes`, which hold a whole `struct cmsghdr` but end
/// before data would start (12 to 15 bytes on the 64-bit BSDs), where the
/// crate returns `err` (`TruncatedHeader`): Go reads the header and checks
/// its length as anywhere else.
fn header_before_data_answer(layout: Layout, bytes: &[u8], err: Error) -> GoAnswer {
    let Some(len) = cmsg_len_field(layout, bytes) else {
        return GoAnswer::Unknown(err);
    };
    if usize::try_from(len).is_ok_and(|len| len >= layout.header_len() && len <= bytes.len()) {
        GoAnswer::Panics(format!(
            "slice bounds out of range [{}:{len}]",
            layout.cmsg_len(0)
        ))
    } else {
        GoAnswer::Einval
    }
}

/// The `cmsg_len` of the header at the start of `bytes`, as the crate
/// reads it. The crate reads no header from fewer bytes than where data
/// starts, so it reads a copy padded with zeroes to that length.
fn cmsg_len_field(layout: Layout, bytes: &[u8]) -> Option<u64> {
    let mut padded = bytes.to_vec();
    padded.resize(bytes.len().max(layout.cmsg_len(0)), 0);
    match layout.parse_one_socket_control_message(&padded) {
        Ok((msg, _)) => u64::try_from(msg.header.len).ok(),
        Err(Error::LengthBelowHeader { len, .. } | Error::LengthPastEnd { len, .. }) => Some(len),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_hex;
    use super::super::report::{buffer, BufferReport, Part};
    use super::*;
    use crate::root;

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
