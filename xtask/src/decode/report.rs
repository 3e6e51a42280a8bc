//! A fuzz target's input cut into a structured report: the layout byte,
//! the messages of a roundtrip input, and a control buffer's sections
//! (headers, data, padding, ignored bytes) with each parse function's
//! answer and Go's. Plain data, no text: [`super::render`] prints it.

use sockcmsg::model::{Message, Model, Rejection};
use sockcmsg::{
    check, Cmsghdr, ControlMessage, Error, Layout, OwnedControlMessage, SocketControlMessage, Ucred,
};

use super::go::{self, GoAnswers};
use super::platforms::layout_named;

/// What a fuzz target's input holds after the layout byte, if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    /// A control buffer.
    Buffer,
    /// Messages in `arbitrary`'s format (`check::roundtrip_messages`).
    Messages,
    /// Typed messages' numbers and data (`check::typed_messages`).
    TypedRecords,
    /// Two region sizes and an io_uring completion (`check::uring_input`).
    Completion,
}

/// How a fuzz target reads its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct InputFormat {
    /// The first byte picks the layout (`check::pick_layout`); otherwise
    /// the target uses the host's, and `--layout` may name another.
    layout_byte: bool,
    content: Content,
}

/// Each fuzz target of `check::TARGETS` by name, with how it reads its
/// input (a test checks that none is missing).
const TARGET_INPUTS: &[(&str, InputFormat)] = &[
    (
        "parse",
        InputFormat {
            layout_byte: false,
            content: Content::Buffer,
        },
    ),
    (
        "roundtrip",
        InputFormat {
            layout_byte: false,
            content: Content::Messages,
        },
    ),
    (
        "parse_any_layout",
        InputFormat {
            layout_byte: true,
            content: Content::Buffer,
        },
    ),
    (
        "roundtrip_any_layout",
        InputFormat {
            layout_byte: true,
            content: Content::Messages,
        },
    ),
    (
        "typed",
        InputFormat {
            layout_byte: true,
            content: Content::TypedRecords,
        },
    ),
    (
        "uring",
        InputFormat {
            layout_byte: true,
            content: Content::Completion,
        },
    ),
    (
        "libc_walk",
        InputFormat {
            layout_byte: false,
            content: Content::Buffer,
        },
    ),
    (
        "kernel",
        InputFormat {
            layout_byte: false,
            content: Content::Buffer,
        },
    ),
];

/// The fuzz target called `target`, and how it reads its input.
fn input_format(target: &str) -> Result<(&'static str, InputFormat), String> {
    TARGET_INPUTS
        .iter()
        .find(|(name, _)| *name == target)
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = TARGET_INPUTS.iter().map(|(name, _)| *name).collect();
            format!(
                "no fuzz target {target:?}; the targets are {}",
                names.join(", ")
            )
        })
}

/// A fuzz target's input, decoded as the target reads it.
#[derive(Debug, PartialEq)]
pub(super) struct InputReport {
    /// How the first byte picked the layout, for the targets that read one.
    pub(super) layout_pick: Option<LayoutPick>,
    pub(super) content: ContentReport,
}

/// The layout that an `*_any_layout` target's first byte picked.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct LayoutPick {
    pub(super) target: &'static str,
    /// The whole input's length, the layout byte included.
    pub(super) input_len: usize,
    /// The first byte; `None` for an empty input, which picks a layout too.
    pub(super) byte: Option<u8>,
    pub(super) layout: Layout,
}

/// What follows the layout byte (or the whole input, without one).
#[derive(Debug, PartialEq)]
pub(super) enum ContentReport {
    Buffer(BufferReport),
    Messages(MessagesReport),
    Completion(CompletionReport),
}

/// An io_uring completion as the `uring` target reads it: its regions'
/// sizes, and its parts, with its control bytes decoded, or the error.
#[derive(Debug, PartialEq)]
pub(super) struct CompletionReport {
    /// The bytes after the layout byte.
    pub(super) input_len: usize,
    pub(super) name_len: u32,
    pub(super) control_len: u32,
    /// The header's numbers (`namelen`, `payloadlen`, `flags`), the name
    /// and payload lengths in the buffer, and the control bytes decoded.
    pub(super) split: Result<(u32, u32, u32, usize, usize, BufferReport), Error>,
}

/// The messages a roundtrip target makes of its input, and their encoding.
#[derive(Debug, PartialEq)]
pub(super) struct MessagesReport {
    pub(super) layout: Layout,
    /// The length of the bytes the messages were made of.
    pub(super) input_len: usize,
    pub(super) messages: Vec<OwnedControlMessage>,
    /// The buffer that `Layout::encode` makes of the messages, decoded, or
    /// its error.
    pub(super) encoded: Result<BufferReport, Error>,
}

/// A control buffer cut into sections where the model's walk finds them,
/// in order and covering every byte once, and the answers of the parse
/// functions, the crate's and Go's.
#[derive(Debug, PartialEq)]
pub(super) struct BufferReport {
    pub(super) layout: Layout,
    /// The buffer's length.
    pub(super) len: usize,
    pub(super) sections: Vec<Section>,
    /// `parse_socket_control_message`: the number of messages, or the error.
    pub(super) walk: Result<usize, Error>,
    /// `parse_one_socket_control_message`: where the rest starts (`None`
    /// when it is empty), or the error.
    pub(super) parse_one: Result<Option<usize>, Error>,
    pub(super) go: GoAnswers,
}

/// One stretch of the buffer and what it is.
#[derive(Debug, PartialEq)]
pub(super) struct Section {
    pub(super) offset: usize,
    /// The buffer's bytes from `offset` (for padding, fewer than `wanted`
    /// where the buffer ends first).
    pub(super) bytes: Vec<u8>,
    pub(super) part: Part,
}

/// What one stretch of the buffer is, as the model's walk finds it.
#[derive(Debug, PartialEq)]
pub(super) enum Part {
    /// A header the walk accepted: its `cmsg_len`, level and type.
    Header { len: u128, level: i32, kind: i32 },
    /// The data of the message whose header is at `header_at`.
    Data { header_at: usize, payload: Payload },
    /// Padding after a header (where data starts past its end: the 64-bit
    /// BSDs) or after a message's data: `wanted` bytes, fewer where the
    /// buffer ends first (an unpadded last message).
    Padding { wanted: usize },
    /// The header at which the walk failed.
    RejectedHeader(Rejection),
    /// What follows a rejected header: no parser reads it.
    Unread,
    /// The bytes after the last message, where the walk reads no header:
    /// it ignores them.
    Tail,
}

/// A message's payload as the crate's typed decoders read it.
#[derive(Debug, PartialEq)]
pub(super) enum Payload {
    /// `SCM_RIGHTS` (the decoder accepted the level and type).
    Rights(Result<Vec<i32>, Error>),
    /// `SCM_CREDENTIALS` (Linux layouts only).
    Credentials(Result<Ucred, Error>),
    /// Any other level or type: shown as bytes.
    Other,
}

impl Payload {
    /// The answer of the crate's typed decoder that reads `msg`, a message
    /// of the model's walk over `bytes`, if one does.
    pub(super) fn of(layout: Layout, bytes: &[u8], msg: &Message) -> Payload {
        let msg = SocketControlMessage {
            header: Cmsghdr {
                len: index(msg.len),
                level: msg.level,
                kind: msg.kind,
            },
            data: msg.data(bytes),
        };
        match layout.parse_unix_rights(&msg) {
            Err(Error::UnexpectedMessage { .. }) => {}
            rights => return Payload::Rights(rights),
        }
        match layout.parse_unix_credentials(&msg) {
            // The other systems' credentials carry other structures, which
            // neither the crate nor Go decodes.
            Err(Error::UnexpectedMessage { .. } | Error::CredentialsUnsupported { .. }) => {
                Payload::Other
            }
            credentials => Payload::Credentials(credentials),
        }
    }
}

/// An input of the fuzz target `target`, decoded as that target reads it:
/// with the layout named `layout_name` (default `host`), or, for the
/// `*_any_layout` targets, the one its first byte picks.
pub(super) fn input(
    target: &str,
    layout_name: Option<&str>,
    bytes: &[u8],
) -> Result<InputReport, String> {
    let (target, format) = input_format(target)?;
    let (layout_pick, layout, content) = if format.layout_byte {
        if let Some(name) = layout_name {
            return Err(format!(
                "--layout {name} does not apply to {target}: its input's first byte picks the layout"
            ));
        }
        let (layout, content) = check::pick_layout(bytes);
        let pick = LayoutPick {
            target,
            input_len: bytes.len(),
            byte: bytes.first().copied(),
            layout,
        };
        (Some(pick), layout, content)
    } else {
        let layout = layout_named(layout_name.unwrap_or("host"))?;
        (None, layout, bytes)
    };
    let content = match format.content {
        Content::Buffer => ContentReport::Buffer(buffer(layout, content)),
        Content::Messages if format.layout_byte => ContentReport::Messages(messages(
            layout,
            content.len(),
            check::any_layout_messages(bytes).1,
        )),
        Content::Messages => ContentReport::Messages(messages(
            layout,
            content.len(),
            check::roundtrip_messages(content),
        )),
        Content::TypedRecords => ContentReport::Messages(messages(
            layout,
            content.len(),
            check::typed_messages(bytes).1,
        )),
        Content::Completion => {
            let (_, name_len, control_len, buf) = check::uring_input(bytes);
            let split = layout
                .parse_recvmsg_out(buf, name_len, control_len)
                .map(|out| {
                    let control = buffer(layout, out.control);
                    let (name, payload) = (out.name.len(), out.payload.len());
                    (
                        out.name_len,
                        out.payload_len,
                        out.flags,
                        name,
                        payload,
                        control,
                    )
                });
            ContentReport::Completion(CompletionReport {
                input_len: content.len(),
                name_len,
                control_len,
                split,
            })
        }
    };
    Ok(InputReport {
        layout_pick,
        content,
    })
}

/// `msgs`, made by a roundtrip target from `input_len` bytes, and the
/// buffer that `Layout::encode` makes of them with `layout`, decoded.
fn messages(layout: Layout, input_len: usize, msgs: Vec<OwnedControlMessage>) -> MessagesReport {
    let to_encode: Vec<ControlMessage<'_>> = msgs
        .iter()
        .map(OwnedControlMessage::as_control_message)
        .collect();
    let encoded = layout.encode(&to_encode).map(|buf| buffer(layout, &buf));
    MessagesReport {
        layout,
        input_len,
        messages: msgs,
        encoded,
    }
}

/// Where `part`, a slice of `whole`, starts in it.
pub(super) fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// Where `parse_one_socket_control_message`'s `rest`, a slice of `whole`,
/// starts in it; `None` when it is empty.
pub(super) fn rest_at(whole: &[u8], rest: &[u8]) -> Option<usize> {
    (!rest.is_empty()).then(|| offset_in(whole, rest))
}

/// A place or a length in a buffer, which the model counts in `u128`.
pub(super) fn index(n: u128) -> usize {
    usize::try_from(n).expect("a place in a buffer fits a usize")
}

/// Cuts the control buffer `bytes` where the model's walk with `layout`
/// finds headers, data, padding and a tail, and asks each parse function,
/// and Go, for its answer.
pub(super) fn buffer(layout: Layout, bytes: &[u8]) -> BufferReport {
    let model = Model::new(layout);
    let walk = model.walk(bytes);
    let end = bytes.len() as u128;
    let mut sections = Vec::new();
    // The section of `len` bytes at `offset`, cut short where the buffer
    // ends.
    let mut push = |offset: u128, len: u128, part: Part| {
        sections.push(Section {
            offset: index(offset),
            bytes: bytes[index(offset.min(end))..index((offset + len).min(end))].to_vec(),
            part,
        });
    };
    for msg in &walk.messages {
        let header_at = msg.offset(&model);
        let header_end = header_at + model.header_len();
        push(
            header_at,
            model.header_len(),
            Part::Header {
                len: msg.len,
                level: msg.level,
                kind: msg.kind,
            },
        );
        if msg.data_at > header_end {
            let wanted = msg.data_at - header_end;
            push(
                header_end,
                wanted,
                Part::Padding {
                    wanted: index(wanted),
                },
            );
        }
        push(
            msg.data_at,
            msg.data_len,
            Part::Data {
                header_at: index(header_at),
                payload: Payload::of(layout, bytes, msg),
            },
        );
        let wanted = model.align_up(msg.len) - msg.len;
        if wanted > 0 {
            push(
                msg.data_at + msg.data_len,
                wanted,
                Part::Padding {
                    wanted: index(wanted),
                },
            );
        }
    }
    match walk.rejection {
        Some(rejection) => {
            push(
                walk.end,
                model.header_len(),
                Part::RejectedHeader(rejection),
            );
            let unread_at = walk.end + model.header_len();
            if unread_at < end {
                push(unread_at, end - unread_at, Part::Unread);
            }
        }
        None if walk.end < end => push(walk.end, end - walk.end, Part::Tail),
        None => {}
    }
    let parse_one = layout
        .parse_one_socket_control_message(bytes)
        .map(|(_, rest)| rest_at(bytes, rest));
    BufferReport {
        layout,
        len: bytes.len(),
        sections,
        walk: layout
            .parse_socket_control_message(bytes)
            .map(|msgs| msgs.len()),
        parse_one,
        go: go::answers(layout, bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_hex;
    use super::*;
    use crate::root;

    fn corpus(path: &str) -> Vec<u8> {
        std::fs::read(root().join("corpus").join(path)).unwrap()
    }

    fn hex(text: &str) -> Vec<u8> {
        parse_hex(text).unwrap()
    }

    /// Each section as its offset, its length and what it is.
    fn parts(report: &BufferReport) -> Vec<(usize, usize, &Part)> {
        report
            .sections
            .iter()
            .map(|section| (section.offset, section.bytes.len(), &section.part))
            .collect()
    }

    fn header(len: u128, level: i32, kind: i32) -> Part {
        Part::Header { len, level, kind }
    }

    fn rights(header_at: usize, fds: &[i32]) -> Part {
        Part::Data {
            header_at,
            payload: Payload::Rights(Ok(fds.to_vec())),
        }
    }

    fn other_data(header_at: usize) -> Part {
        Part::Data {
            header_at,
            payload: Payload::Other,
        }
    }

    fn padding(wanted: usize) -> Part {
        Part::Padding { wanted }
    }

    fn buffer_of(report: InputReport) -> BufferReport {
        match report.content {
            ContentReport::Buffer(buffer) => buffer,
            other => panic!("not a buffer: {other:?}"),
        }
    }

    fn messages_of(report: InputReport) -> MessagesReport {
        match report.content {
            ContentReport::Messages(messages) => messages,
            other => panic!("not messages: {other:?}"),
        }
    }

    /// The `uring` target's input: the regions' sizes, the header's
    /// numbers, and the control bytes decoded as a buffer.
    #[test]
    fn a_uring_input_splits_and_its_control_is_decoded() {
        let rights = Layout::LINUX_64.unix_rights(&[7]).unwrap();
        let mut bytes = vec![0, 0, 24];
        for field in [0u32, 20, 2, 0x8] {
            bytes.extend(field.to_le_bytes());
        }
        bytes.extend(&rights[..20]);
        bytes.extend([0; 4]);
        bytes.extend(b"hi");
        let report = input("uring", None, &bytes).unwrap();
        let ContentReport::Completion(completion) = report.content else {
            panic!("not a completion: {report:?}");
        };
        assert_eq!((completion.name_len, completion.control_len), (0, 24));
        let (namelen, payloadlen, flags, name, payload, control) = completion.split.unwrap();
        assert_eq!(
            (namelen, payloadlen, flags, name, payload),
            (0, 2, 0x8, 0, 2)
        );
        assert_eq!(control.len, 20);
        let short = input("uring", None, &[0, 0, 24, 1, 2]).unwrap();
        let ContentReport::Completion(short) = short.content else {
            panic!("not a completion");
        };
        assert!(matches!(
            short.split,
            Err(Error::CompletionTooShort { len: 2, needed: 40 })
        ));
    }

    #[test]
    fn credentials_then_rights() {
        let report = buffer(
            Layout::LINUX_64,
            &corpus("parse/seed-edge-credentials-and-rights"),
        );
        let credentials = Part::Data {
            header_at: 0,
            payload: Payload::Credentials(Ok(Ucred {
                pid: 1,
                uid: 0,
                gid: 0,
            })),
        };
        assert_eq!(
            parts(&report),
            [
                (0, 16, &header(28, 1, 2)),
                (16, 12, &credentials),
                (28, 4, &padding(4)),
                (32, 16, &header(20, 1, 1)),
                (48, 4, &rights(32, &[0])),
                (52, 4, &padding(4)),
            ]
        );
        assert_eq!(report.len, 56);
        assert_eq!(report.walk, Ok(2));
        assert_eq!(report.parse_one, Ok(Some(32)));
    }

    #[test]
    fn a_length_of_u64_max_is_past_the_end() {
        let report = buffer(Layout::LINUX_64, &corpus("parse/seed-edge-len-u64-max"));
        let err = Error::LengthPastEnd {
            offset: 0,
            len: u64::MAX,
            available: 24,
        };
        let rejection = Rejection::LengthPastEnd {
            offset: 0,
            len: u64::MAX.into(),
            available: 24,
        };
        assert_eq!(
            parts(&report),
            [
                (0, 16, &Part::RejectedHeader(rejection)),
                (16, 8, &Part::Unread)
            ]
        );
        assert_eq!(report.sections[1].bytes, [0xab; 8]);
        assert_eq!(report.walk, Err(err));
        assert_eq!(report.parse_one, Err(err));
    }

    #[test]
    fn a_second_message_cut_short_fails_the_walk_after_the_first() {
        let report = buffer(
            Layout::LINUX_64,
            &corpus("parse/seed-edge-second-header-past-the-end"),
        );
        let err = Error::LengthPastEnd {
            offset: 24,
            len: 64,
            available: 24,
        };
        let rejection = Rejection::LengthPastEnd {
            offset: 24,
            len: 64,
            available: 24,
        };
        assert_eq!(
            parts(&report),
            [
                (0, 16, &header(20, 1, 1)),
                (16, 4, &rights(0, &[0])),
                (20, 4, &padding(4)),
                (24, 16, &Part::RejectedHeader(rejection)),
                (40, 8, &Part::Unread),
            ]
        );
        assert_eq!(report.walk, Err(err));
        assert_eq!(report.parse_one, Ok(Some(24)));
    }

    #[test]
    fn a_short_tail_is_ignored() {
        let report = buffer(Layout::LINUX_64, &corpus("parse/seed-edge-short-tail"));
        assert_eq!(
            parts(&report),
            [
                (0, 16, &header(20, 1, 1)),
                (16, 4, &rights(0, &[0])),
                (20, 4, &padding(4)),
                (24, 8, &Part::Tail),
            ]
        );
        assert_eq!(report.sections[3].bytes, [0xee; 8]);
        assert_eq!(report.walk, Ok(1));
        assert_eq!(report.parse_one, Ok(Some(24)));
    }

    #[test]
    fn a_partial_fd_is_rejected_and_the_cut_off_padding_is_empty() {
        let report = buffer(Layout::LINUX_64, &corpus("parse/seed-edge-partial-fd"));
        let partial = Part::Data {
            header_at: 0,
            payload: Payload::Rights(Err(Error::PartialFd { len: 5 })),
        };
        assert_eq!(
            parts(&report),
            [
                (0, 16, &header(21, 1, 1)),
                (16, 5, &partial),
                (21, 0, &padding(3)),
            ]
        );
        assert_eq!(report.walk, Ok(1));
        assert_eq!(report.parse_one, Ok(None));
    }

    #[test]
    fn an_empty_buffer_has_no_message_and_no_first_one() {
        let report = buffer(Layout::LINUX_64, &[]);
        assert_eq!(parts(&report), []);
        assert_eq!(report.walk, Ok(0));
        assert_eq!(
            report.parse_one,
            Err(Error::TruncatedHeader {
                offset: 0,
                available: 0,
                needed: 16
            })
        );
    }

    #[test]
    fn twenty_fds_are_one_payload() {
        let fds: Vec<i32> = (0..20).collect();
        let report = buffer(
            Layout::LINUX_64,
            &Layout::LINUX_64.unix_rights(&fds).unwrap(),
        );
        assert_eq!(
            parts(&report),
            [(0, 16, &header(96, 1, 1)), (16, 80, &rights(0, &fds))]
        );
    }

    #[test]
    fn an_unnamed_payload_is_other_and_its_padding_may_be_cut_off() {
        // An IPV6_PKTINFO message of 20 bytes.
        let report = buffer(
            Layout::LINUX_64,
            &hex(
                "24000000 00000000 29000000 32000000 00010203 04050607 08090a0b 0c0d0e0f 10111213",
            ),
        );
        assert_eq!(
            parts(&report),
            [
                (0, 16, &header(36, 41, 50)),
                (16, 20, &other_data(0)),
                (36, 0, &padding(4)),
            ]
        );
        assert_eq!(report.sections[1].bytes, (0..20).collect::<Vec<u8>>());
    }

    #[test]
    fn credentials_longer_than_struct_ucred_are_read_from_its_first_bytes() {
        let report = buffer(
            Layout::LINUX_64,
            &hex("20000000 00000000 01000000 02000000 07000000 08000000 09000000 aabbccdd"),
        );
        let credentials = Part::Data {
            header_at: 0,
            payload: Payload::Credentials(Ok(Ucred {
                pid: 7,
                uid: 8,
                gid: 9,
            })),
        };
        assert_eq!(
            parts(&report),
            [(0, 16, &header(32, 1, 2)), (16, 16, &credentials)]
        );
        assert_eq!(report.sections[1].bytes[12..], [0xaa, 0xbb, 0xcc, 0xdd]);
    }

    #[test]
    fn the_32_bit_layout_reads_a_12_byte_header() {
        let report = buffer(
            Layout::LINUX_32,
            &hex("10000000 01000000 01000000 05000000 ffff"),
        );
        assert_eq!(
            parts(&report),
            [
                (0, 12, &header(16, 1, 1)),
                (12, 4, &rights(0, &[5])),
                (16, 2, &Part::Tail),
            ]
        );
        assert_eq!(report.parse_one, Ok(Some(16)));
    }

    #[test]
    fn a_64_bit_bsd_message_has_padding_between_header_and_data() {
        let report = buffer(
            Layout::FREEBSD_64,
            &hex("14000000 ffff0000 03000000 00000000 01020304"),
        );
        // SCM_CREDS: not struct ucred, so left as bytes.
        assert_eq!(
            parts(&report),
            [
                (0, 12, &header(20, 0xffff, 3)),
                (12, 4, &padding(4)),
                (16, 4, &other_data(0)),
                (20, 0, &padding(4)),
            ]
        );
    }

    #[test]
    fn a_bsd_length_from_the_header_to_the_data_is_rejected() {
        let input = corpus("parse_any_layout/seed-freebsd-64-len-header");
        let report = input_report("parse_any_layout", None, &input);
        assert_eq!(
            report.layout_pick,
            Some(LayoutPick {
                target: "parse_any_layout",
                input_len: 17,
                byte: Some(6),
                layout: Layout::FREEBSD_64,
            })
        );
        let report = buffer_of(report);
        let err = Error::LengthBelowHeader {
            offset: 0,
            len: 12,
            min: 16,
        };
        let rejection = Rejection::LengthBelowHeader {
            offset: 0,
            len: 12,
            min: 16,
        };
        assert_eq!(
            parts(&report),
            [
                (0, 12, &Part::RejectedHeader(rejection)),
                (12, 4, &Part::Unread)
            ]
        );
        assert_eq!((report.walk, report.parse_one), (Err(err), Err(err)));
    }

    #[test]
    fn a_bsd_header_that_ends_before_its_data_is_a_tail() {
        let report = buffer(Layout::NETBSD_64, &hex("0d000000 ffff0000 01000000 0000"));
        assert_eq!(parts(&report), [(0, 14, &Part::Tail)]);
        assert_eq!(report.walk, Ok(0));
    }

    #[test]
    fn headers_are_read_in_the_layout_s_byte_order() {
        let aix = buffer(Layout::AIX, &hex("00000010 0000ffff 00000001 00000009 00"));
        assert_eq!(
            parts(&aix),
            [
                (0, 12, &header(16, 0xffff, 1)),
                (12, 4, &rights(0, &[9])),
                (16, 1, &Part::Tail),
            ]
        );
        let musl_be = buffer(
            Layout::LINUX_64_MUSL_BE,
            &hex("00000000 00000010 00000001 00000001"),
        );
        assert_eq!(
            parts(&musl_be),
            [(0, 16, &header(16, 1, 1)), (16, 0, &rights(0, &[]))]
        );
    }

    #[test]
    fn illumos_has_its_own_scm_rights() {
        let report = buffer(Layout::ILLUMOS, &hex("10000000 ffff0000 10100000 05000000"));
        assert_eq!(
            parts(&report),
            [
                (0, 12, &header(16, 0xffff, 0x1010)),
                (12, 4, &rights(0, &[5]))
            ]
        );
    }

    fn input_report(target: &str, layout: Option<&str>, bytes: &[u8]) -> InputReport {
        input(target, layout, bytes).unwrap()
    }

    #[test]
    fn a_roundtrip_input_is_its_messages_then_their_encoding() {
        let report = messages_of(input_report(
            "roundtrip",
            Some("linux-64"),
            &corpus("roundtrip/seed-extra-negative-fds"),
        ));
        assert_eq!(report.input_len, 11);
        assert_eq!(
            report.messages,
            [OwnedControlMessage {
                level: 1,
                kind: 1,
                data: [(-1i32).to_le_bytes(), i32::MIN.to_le_bytes()].concat(),
            }]
        );
        let encoded = report.encoded.unwrap();
        assert_eq!(
            parts(&encoded),
            [
                (0, 16, &header(24, 1, 1)),
                (16, 8, &rights(0, &[-1, i32::MIN])),
            ]
        );
    }

    #[test]
    fn a_roundtrip_any_layout_input_makes_rights_of_the_picked_layout() {
        let input = corpus("roundtrip_any_layout/seed-illumos-rights-1fd");
        let report = input_report("roundtrip_any_layout", None, &input);
        assert_eq!(
            report.layout_pick,
            Some(LayoutPick {
                target: "roundtrip_any_layout",
                input_len: 8,
                byte: Some(0x10),
                layout: Layout::ILLUMOS,
            })
        );
        let report = messages_of(report);
        assert_eq!(report.input_len, 7);
        assert_eq!(report.messages.len(), 1);
        let encoded = report.encoded.unwrap();
        assert_eq!(
            parts(&encoded),
            [
                (0, 12, &header(16, 0xffff, 0x1010)),
                (12, 4, &rights(0, &[0]))
            ]
        );
    }

    #[test]
    fn every_layout_is_picked_by_its_any_layout_input() {
        for layout in Layout::ALL {
            let buf = layout.unix_rights(&[3]).unwrap();
            let input = crate::inputs::any_layout_input(layout, &buf);
            let report = input_report("parse_any_layout", None, &input);
            let name = layout.name();
            assert_eq!(
                report.layout_pick.as_ref().map(|pick| pick.layout),
                Some(layout),
                "{name}"
            );
            let report = buffer_of(report);
            let data = report
                .sections
                .iter()
                .map(|section| &section.part)
                .find(|part| matches!(part, Part::Data { .. }));
            assert_eq!(data, Some(&rights(0, &[3])), "{name}");
        }
    }

    #[test]
    fn every_fuzz_target_has_an_input_format() {
        for (target, _) in check::TARGETS {
            assert_eq!(input_format(target).map(|(name, _)| name), Ok(*target));
        }
        assert_eq!(
            input_format("parse_anylayout"),
            Err(
                "no fuzz target \"parse_anylayout\"; the targets are parse, roundtrip, \
                 parse_any_layout, roundtrip_any_layout, typed, uring, libc_walk, kernel"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_target_whose_first_byte_picks_the_layout_takes_no_layout_option() {
        assert_eq!(
            input("roundtrip_any_layout", Some("macos"), &[5]),
            Err("--layout macos does not apply to roundtrip_any_layout: \
                 its input's first byte picks the layout"
                .to_owned())
        );
        let empty = input_report("parse_any_layout", None, &[]);
        assert_eq!(
            empty.layout_pick,
            Some(LayoutPick {
                target: "parse_any_layout",
                input_len: 0,
                byte: None,
                layout: Layout::LINUX_64,
            })
        );
        assert_eq!(buffer_of(empty).len, 0);
        // The buffer targets read the layout that --layout names.
        let buf = hex("10000000 ffff0000 01000000 07000000");
        assert_eq!(
            input_report("kernel", Some("macos"), &buf),
            InputReport {
                layout_pick: None,
                content: ContentReport::Buffer(buffer(Layout::MACOS, &buf)),
            }
        );
        assert!(input("parse", Some("macOS"), &buf).is_err());
    }

    /// Every committed control buffer, read with every layout (and the
    /// `parse_any_layout` inputs with the layout they pick), is cut into
    /// sections that hold each byte once, in order, each the input's own
    /// bytes at its offset; and Go answers for every message that a typed
    /// decoder reads.
    #[test]
    fn sections_cover_every_corpus_buffer_exactly() {
        let mut buffers = Vec::new();
        for target in ["parse", "libc_walk", "kernel"] {
            for path in crate::fuzz::files(&root().join("corpus").join(target)) {
                let bytes = std::fs::read(&path).unwrap();
                for layout in Layout::ALL {
                    buffers.push((path.clone(), layout, bytes.clone()));
                }
            }
        }
        for path in crate::fuzz::files(&root().join("corpus/parse_any_layout")) {
            let input = std::fs::read(&path).unwrap();
            let (layout, bytes) = check::pick_layout(&input);
            buffers.push((path, layout, bytes.to_vec()));
        }
        for (path, layout, bytes) in &buffers {
            let report = buffer(*layout, bytes);
            let at_fault = || format!("{} as {}", path.display(), layout.name());
            let mut at = 0;
            let mut typed = Vec::new();
            for section in &report.sections {
                assert_eq!(section.offset, at, "{}: {section:?}", at_fault());
                assert_eq!(
                    section.bytes,
                    bytes[at..at + section.bytes.len()],
                    "{}: {section:?}",
                    at_fault()
                );
                at += section.bytes.len();
                if let Part::Data {
                    header_at,
                    payload: Payload::Rights(_) | Payload::Credentials(_),
                } = section.part
                {
                    typed.push(header_at);
                }
            }
            assert_eq!(at, bytes.len(), "{}: not every byte shown", at_fault());
            let go_typed: Vec<usize> = report.go.typed.iter().map(|go| go.header_at).collect();
            assert_eq!(go_typed, typed, "{}", at_fault());
        }
        assert!(buffers.len() > 2000, "only {} buffers", buffers.len());
    }
}
