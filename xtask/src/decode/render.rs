//! The text that `cargo xtask decode` prints for a report: one row for
//! each section at its offset, then the verdict, each crate function's
//! answer above Go's (the `Display` of [`GoAnswer`] and [`GoVerdict`] is
//! here too, with the rest of the text). Checked against the golden files in `goldens/`
//! (see the module docs of [`super`] for how to regenerate them).

use std::fmt::{self, Write as _};

use sockcmsg::model::{Model, FD_LEN, UCRED_LEN};
use sockcmsg::{Error, Layout, Ucred};

use super::go::{GoAnswer, GoVerdict};
use super::platforms::names;
use super::report::{
    BufferReport, CompletionReport, ContentReport, InputReport, MessagesReport, Part, Payload,
    Section,
};

/// Values per printed row: 16 bytes of hex, or 16 fds.
const PER_ROW: usize = 16;

/// The whole text of `report`.
pub(super) fn input(report: &InputReport) -> String {
    let mut out = String::new();
    if let Some(pick) = &report.layout_pick {
        let (what, content_len) = match &report.content {
            ContentReport::Buffer(buffer) => ("the buffer", buffer.len),
            ContentReport::Messages(messages) => ("the input of messages", messages.input_len),
            ContentReport::Completion(completion) => ("the completion input", completion.input_len),
        };
        let picked = match pick.byte {
            Some(byte) => format!(
                "the first byte, {byte:02x}, picks layout {}; {what} below is the {} after it",
                pick.layout.name(),
                bytes_title(content_len)
            ),
            None => format!("empty, which picks layout {}", pick.layout.name()),
        };
        writeln!(
            out,
            "{} input, {}: {picked}\n",
            pick.target,
            bytes_title(pick.input_len)
        )
        .expect("writing to a String cannot fail");
    }
    match &report.content {
        ContentReport::Buffer(buffer) => out.push_str(&buffer_text(buffer)),
        ContentReport::Messages(messages) => out.push_str(&messages_text(messages)),
        ContentReport::Completion(completion) => out.push_str(&completion_text(completion)),
    }
    out
}

/// An io_uring completion: its regions, its header's numbers, then its
/// control bytes decoded; or why it does not split.
fn completion_text(report: &CompletionReport) -> String {
    let mut out = format!(
        "a name region of {} and a control region of {} (the next two bytes), \
         then the completion buffer\n",
        bytes_title(report.name_len as usize),
        bytes_title(report.control_len as usize)
    );
    match &report.split {
        Ok((namelen, payloadlen, flags, name, payload, control)) => {
            writeln!(
                out,
                "namelen {namelen} ({name} in the buffer), payloadlen {payloadlen} \
                 ({payload} in the buffer), flags {flags:#x}; the control bytes:\n"
            )
            .expect("writing to a String cannot fail");
            out.push_str(&buffer_text(control));
        }
        Err(err) => {
            writeln!(out, "does not split: {err}").expect("writing to a String cannot fail");
        }
    }
    out
}

/// The messages a roundtrip or typed input makes, then their encoding,
/// decoded.
fn messages_text(report: &MessagesReport) -> String {
    let mut out = format!(
        "{} of input making {}\n",
        bytes_title(report.input_len),
        counted(report.messages.len(), "message", "messages")
    );
    for msg in &report.messages {
        writeln!(
            out,
            "  level {}, type {}, {}",
            level_text(report.layout, msg.level),
            kind_text(report.layout, msg.level, msg.kind),
            bytes_title(msg.data.len())
        )
        .expect("writing to a String cannot fail");
    }
    match &report.encoded {
        Ok(buffer) => {
            out.push_str("\nencoded by Layout::encode:\n");
            out.push_str(&buffer_text(buffer));
        }
        Err(err) => {
            writeln!(out, "\nLayout::encode: rejected: {err:?}\n  {err}")
                .expect("writing to a String cannot fail");
        }
    }
    out
}

/// A control buffer: its layout, its sections, and the verdict.
fn buffer_text(report: &BufferReport) -> String {
    let layout = report.layout;
    let model = Model::new(layout);
    let mut out = String::new();
    writeln!(
        out,
        "{}, layout {}: {}-byte header, data at {}, {}-byte alignment\n",
        bytes_title(report.len),
        layout.name(),
        model.header_len(),
        model.data_offset(),
        model.align()
    )
    .expect("writing to a String cannot fail");
    for section in &report.sections {
        section_rows(&mut out, layout, section);
    }
    row(&mut out, Some(report.len), "end", "");

    out.push_str("\nverdict\n");
    verdict(
        &mut out,
        "parse_socket_control_message",
        report.walk.as_ref(),
        |count| counted(**count, "message", "messages"),
        format!(
            "Go 1.19 syscall.ParseSocketControlMessage: {}",
            report.go.walk
        ),
    );
    for section in &report.sections {
        let Part::Data { header_at, payload } = &section.part else {
            continue;
        };
        let go_typed = |call: &str| {
            let answer = report
                .go
                .typed_at(*header_at)
                .expect("go::answers answers for every message a typed decoder reads");
            format!("Go 1.19 syscall.{call}: {answer}")
        };
        match payload {
            Payload::Rights(fds) => verdict(
                &mut out,
                &format!("parse_unix_rights (message at {header_at})"),
                fds.as_ref(),
                |fds| fds_answer(fds),
                go_typed("ParseUnixRights"),
            ),
            Payload::Credentials(cred) => verdict(
                &mut out,
                &format!("parse_unix_credentials (message at {header_at})"),
                cred.as_ref(),
                |cred| credentials_text(cred),
                go_typed("ParseUnixCredentials"),
            ),
            Payload::Other => {}
        }
    }
    verdict(
        &mut out,
        "parse_one_socket_control_message",
        report.parse_one.as_ref(),
        |rest_at| rest_text(**rest_at),
        format!(
            "Go x/sys/unix.ParseOneSocketControlMessage: {}",
            report.go.parse_one
        ),
    );
    out
}

/// The rows of one section, at its offset.
fn section_rows(out: &mut String, layout: Layout, section: &Section) {
    let Section {
        offset,
        ref bytes,
        ref part,
    } = *section;
    let len = bytes_title(bytes.len());
    match part {
        Part::Header {
            len: cmsg_len,
            level,
            kind,
        } => {
            hex_rows(out, offset, "header", &len, bytes);
            row(
                out,
                None,
                "",
                &format!(
                    "cmsg_len {cmsg_len}, level {}, type {}",
                    level_text(layout, *level),
                    kind_text(layout, *level, *kind)
                ),
            );
        }
        Part::Data { payload, .. } => match payload {
            Payload::Rights(Ok(fds)) => {
                let title = format!("{len}, {}", fds_title(fds.len()));
                rows(out, offset, "data", &title, &fds_text(fds), FD_LEN, ", ");
            }
            Payload::Credentials(Ok(cred)) => {
                row(
                    out,
                    Some(offset),
                    "data",
                    &format!("{len}, {}", credentials_text(cred)),
                );
                let extra = bytes.get(UCRED_LEN..).unwrap_or_default();
                if !extra.is_empty() {
                    let title = format!("{} past struct ucred, ignored", bytes_title(extra.len()));
                    hex_rows(out, offset + UCRED_LEN, "", &title, extra);
                }
            }
            Payload::Rights(Err(_)) | Payload::Credentials(Err(_)) | Payload::Other => {
                hex_rows(out, offset, "data", &len, bytes);
            }
        },
        Part::Padding { wanted } => {
            let title = if bytes.len() == *wanted {
                len
            } else {
                format!("{} of {wanted} bytes: the buffer ends first", bytes.len())
            };
            hex_rows(out, offset, "padding", &title, bytes);
        }
        Part::RejectedHeader(rejection) => {
            hex_rows(out, offset, "header", &len, bytes);
            row(out, None, "", &format!("rejected: {rejection:?}"));
        }
        Part::Unread => hex_rows(out, offset, "unread", &len, bytes),
        Part::Tail => {
            let model = Model::new(layout);
            let shorter = if (bytes.len() as u128) < model.header_len() {
                "shorter than a header".to_owned()
            } else {
                format!(
                    "shorter than a header and its padding ({} bytes)",
                    model.data_offset()
                )
            };
            let title = format!("{len}, {shorter}, ignored");
            hex_rows(out, offset, "tail", &title, bytes);
        }
    }
}

/// Writes a crate function's answer, its error's message if it failed,
/// and then `go`: what Go's function does.
fn verdict<T>(
    out: &mut String,
    call: &str,
    answer: Result<T, &Error>,
    text: impl Fn(&T) -> String,
    go: String,
) {
    let lines = match answer {
        Ok(answer) => format!("  {call}: Ok, {}\n", text(&answer)),
        Err(err) => format!("  {call}: rejected: {err:?}\n    {err}\n"),
    };
    out.push_str(&lines);
    writeln!(out, "    {go}").expect("writing to a String cannot fail");
}

impl fmt::Display for GoAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoAnswer::Same => f.write_str("the same"),
            GoAnswer::OtherMessageCount(count) => {
                write!(f, "Ok, {}", counted(*count, "message", "messages"))
            }
            GoAnswer::OtherRest(rest_at) => write!(f, "Ok, {}", rest_text(*rest_at)),
            GoAnswer::OtherFds(fds) => write!(f, "Ok, {}", fds_answer(fds)),
            GoAnswer::OtherCredentials(cred) => write!(f, "Ok, {}", credentials_text(cred)),
            GoAnswer::Einval => f.write_str("EINVAL"),
            GoAnswer::Panics(message) => write!(f, "panics: {message}"),
            GoAnswer::ReadsPastEnd {
                header_len,
                available,
            } => write!(
                f,
                "reads a {header_len}-byte header from {available} bytes, past the end of the slice"
            ),
            GoAnswer::NotCalled {
                walk_panicked: false,
            } => f.write_str("not called: ParseSocketControlMessage returned no message"),
            GoAnswer::NotCalled {
                walk_panicked: true,
            } => f.write_str("not called: ParseSocketControlMessage panicked"),
            GoAnswer::OnOtherMessages => {
                f.write_str("not compared: ParseSocketControlMessage returned other messages")
            }
        }
    }
}

impl fmt::Display for GoVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.answer)?;
        match self.read_as {
            Some(layout) => write!(
                f,
                " (Go reads the kernel's header, as in {}: musl's pad is part of its cmsg_len)",
                layout.name()
            ),
            None => Ok(()),
        }
    }
}

/// Writes one row: the offset (if any), a label and the text.
fn row(out: &mut String, offset: Option<usize>, label: &str, text: &str) {
    let offset = offset.map(|offset| offset.to_string()).unwrap_or_default();
    let line = format!("{offset:>6}  {label:<8} {text}");
    writeln!(out, "{}", line.trim_end()).expect("writing to a String cannot fail");
}

/// A titled list of values that take `width` bytes each, from `offset`:
/// on the title's row if they fit, else in rows of [`PER_ROW`] at their
/// own offsets.
fn rows(
    out: &mut String,
    offset: usize,
    label: &str,
    title: &str,
    values: &[String],
    width: usize,
    separator: &str,
) {
    if values.len() <= PER_ROW {
        let text = if values.is_empty() {
            title.to_owned()
        } else {
            format!("{title}: {}", values.join(separator))
        };
        row(out, Some(offset), label, &text);
        return;
    }
    row(out, Some(offset), label, title);
    for (number, chunk) in values.chunks(PER_ROW).enumerate() {
        row(
            out,
            Some(offset + number * PER_ROW * width),
            "",
            &chunk.join(separator),
        );
    }
}

fn hex_rows(out: &mut String, offset: usize, label: &str, title: &str, bytes: &[u8]) {
    let values: Vec<String> = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    rows(out, offset, label, title, &values, 1, " ");
}

/// `SOL_SOCKET (1)` for a level `layout`'s platform names, the bare
/// number otherwise.
fn level_text(layout: Layout, level: i32) -> String {
    named(names(layout).level(level), level)
}

/// `SCM_RIGHTS (1)` for a type `layout`'s platform names at `level`, the
/// bare number otherwise.
fn kind_text(layout: Layout, level: i32, kind: i32) -> String {
    named(names(layout).kind(level, kind), kind)
}

fn named(name: Option<&str>, value: i32) -> String {
    match name {
        Some(name) => format!("{name} ({value})"),
        None => value.to_string(),
    }
}

/// `count` things, in the singular or the plural.
fn counted(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

fn bytes_title(len: usize) -> String {
    counted(len, "byte", "bytes")
}

fn fds_title(count: usize) -> String {
    counted(count, "fd", "fds")
}

fn fds_text(fds: &[i32]) -> Vec<String> {
    fds.iter().map(i32::to_string).collect()
}

/// A decoder's fds: their count, and the fds if they fit a row.
fn fds_answer(fds: &[i32]) -> String {
    if (1..=PER_ROW).contains(&fds.len()) {
        format!("{}: {}", fds_title(fds.len()), fds_text(fds).join(", "))
    } else {
        fds_title(fds.len())
    }
}

fn credentials_text(cred: &Ucred) -> String {
    format!("pid {}, uid {}, gid {}", cred.pid, cred.uid, cred.gid)
}

/// Where `parse_one_socket_control_message`'s rest starts, in words.
fn rest_text(rest_at: Option<usize>) -> String {
    match rest_at {
        Some(rest_at) => format!("the message at 0, the rest from {rest_at}"),
        None => "the message at 0, no rest".to_owned(),
    }
}

/// The golden files: `goldens/<name>.txt` holds what `cargo xtask decode`
/// prints for each case of `CASES`. After a deliberate change to the text,
/// `UPDATE_GOLDENS=1 cargo test --package xtask decode::render` rewrites
/// them; review the diff.
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};
    use std::{env, fs};

    use sockcmsg::Ucred;

    use super::super::go::GoAnswer;
    use super::super::{decode_input, parse_hex};
    use crate::root;

    /// Where a golden case's input comes from.
    enum Input {
        /// A committed corpus file, by its path under `corpus/`.
        Corpus(&'static str),
        /// Bytes as `--hex` takes them.
        Hex(&'static str),
    }

    /// One `cargo xtask decode` run whose output is `goldens/<name>.txt`.
    struct Case {
        name: &'static str,
        target: &'static str,
        layout: Option<&'static str>,
        input: Input,
    }

    impl Case {
        const fn new(
            name: &'static str,
            target: &'static str,
            layout: Option<&'static str>,
            input: Input,
        ) -> Case {
            Case {
                name,
                target,
                layout,
                input,
            }
        }
    }

    const CASES: &[Case] = &[
        Case::new(
            "parse-linux-64-credentials-then-rights",
            "parse",
            Some("linux-64"),
            Input::Corpus("parse/seed-edge-credentials-and-rights"),
        ),
        Case::new(
            "parse-linux-64-len-u64-max",
            "parse",
            Some("linux-64"),
            Input::Corpus("parse/seed-edge-len-u64-max"),
        ),
        Case::new(
            "parse-linux-64-second-header-past-the-end",
            "parse",
            Some("linux-64"),
            Input::Corpus("parse/seed-edge-second-header-past-the-end"),
        ),
        Case::new(
            "parse-linux-64-short-tail",
            "parse",
            Some("linux-64"),
            Input::Corpus("parse/seed-edge-short-tail"),
        ),
        Case::new(
            "parse-linux-64-partial-fd",
            "parse",
            Some("linux-64"),
            Input::Corpus("parse/seed-edge-partial-fd"),
        ),
        Case::new(
            "parse-linux-64-empty",
            "parse",
            Some("linux-64"),
            Input::Corpus("parse/seed-edge-empty"),
        ),
        Case::new(
            "parse-linux-64-below-a-header",
            "parse",
            Some("linux-64"),
            Input::Corpus("parse/seed-edge-below-a-header"),
        ),
        // Layout::LINUX_64.unix_rights of the fds 0 to 19.
        Case::new(
            "parse-linux-64-20-fds",
            "parse",
            Some("linux-64"),
            Input::Hex(
                "60000000 00000000 01000000 01000000 00000000 01000000 02000000 03000000 \
                 04000000 05000000 06000000 07000000 08000000 09000000 0a000000 0b000000 \
                 0c000000 0d000000 0e000000 0f000000 10000000 11000000 12000000 13000000",
            ),
        ),
        // An IPV6_PKTINFO message of 20 bytes, its padding cut off.
        Case::new(
            "parse-linux-64-pktinfo-padding-cut-off",
            "parse",
            Some("linux-64"),
            Input::Hex(
                "24000000 00000000 29000000 32000000 \
                 00010203 04050607 08090a0b 0c0d0e0f 10111213",
            ),
        ),
        Case::new(
            "parse-linux-64-credentials-past-struct-ucred",
            "parse",
            Some("linux-64"),
            Input::Hex("20000000 00000000 01000000 02000000 07000000 08000000 09000000 aabbccdd"),
        ),
        Case::new(
            "roundtrip-linux-64-negative-fds",
            "roundtrip",
            Some("linux-64"),
            Input::Corpus("roundtrip/seed-extra-negative-fds"),
        ),
        Case::new(
            "parse-linux-32-rights-then-tail",
            "parse",
            Some("linux-32"),
            Input::Hex("10000000 01000000 01000000 05000000 ffff"),
        ),
        Case::new(
            "parse-any-layout-freebsd-64-len-header",
            "parse_any_layout",
            None,
            Input::Corpus("parse_any_layout/seed-freebsd-64-len-header"),
        ),
        Case::new(
            "parse-dragonfly-len-below-struct-cmsghdr",
            "parse",
            Some("dragonfly"),
            Input::Hex("0b000000 ffff0000 01000000 00000000"),
        ),
        Case::new(
            "parse-netbsd-64-header-ends-before-data",
            "parse",
            Some("netbsd-64"),
            Input::Hex("0d000000 ffff0000 01000000 0000"),
        ),
        Case::new(
            "parse-freebsd-64-padding-between-header-and-data",
            "parse",
            Some("freebsd-64"),
            Input::Hex("14000000 ffff0000 03000000 00000000 01020304"),
        ),
        Case::new(
            "parse-macos-rights",
            "parse",
            Some("macos"),
            Input::Hex("10000000 ffff0000 01000000 07000000"),
        ),
        Case::new(
            "parse-aix-big-endian-rights",
            "parse",
            Some("aix"),
            Input::Hex("00000010 0000ffff 00000001 00000009 00"),
        ),
        Case::new(
            "parse-illumos-rights",
            "parse",
            Some("illumos"),
            Input::Hex("10000000 ffff0000 10100000 05000000"),
        ),
        // A pad of 1: Go reads cmsg_len 2^32 + 16, past the end.
        Case::new(
            "parse-linux-64-musl-pad-in-cmsg-len",
            "parse",
            Some("linux-64-musl"),
            Input::Hex("10000000 01000000 01000000 01000000"),
        ),
        // The pad zeroed, as musl's sendmsg leaves it: Go agrees.
        Case::new(
            "parse-linux-64-musl-be-zeroed-pad",
            "parse",
            Some("linux-64-musl-be"),
            Input::Hex("00000000 00000010 00000001 00000001"),
        ),
        Case::new(
            "roundtrip-any-layout-illumos-rights",
            "roundtrip_any_layout",
            None,
            Input::Corpus("roundtrip_any_layout/seed-illumos-rights-1fd"),
        ),
        Case::new(
            "parse-any-layout-empty",
            "parse_any_layout",
            None,
            Input::Hex(""),
        ),
    ];

    fn goldens() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/decode/goldens")
    }

    fn golden_path(case: &Case) -> PathBuf {
        goldens().join(format!("{}.txt", case.name))
    }

    fn printed(case: &Case) -> String {
        let bytes = match case.input {
            Input::Corpus(path) => fs::read(root().join("corpus").join(path)).unwrap(),
            Input::Hex(hex) => parse_hex(hex).unwrap(),
        };
        decode_input(case.target, case.layout, &bytes).unwrap()
    }

    #[test]
    fn every_case_prints_its_golden_file() {
        if env::var_os("UPDATE_GOLDENS").is_some() {
            for case in CASES {
                fs::write(golden_path(case), printed(case)).unwrap();
            }
            return;
        }
        for case in CASES {
            let path = golden_path(case);
            let golden = fs::read_to_string(&path).unwrap_or_else(|err| {
                panic!(
                    "{}: {err}; UPDATE_GOLDENS=1 cargo test --package xtask decode::render \
                     writes it",
                    path.display()
                )
            });
            assert_eq!(
                printed(case),
                golden,
                "{} differs from the printed text; after a deliberate change, \
                 UPDATE_GOLDENS=1 cargo test --package xtask decode::render rewrites it",
                path.display()
            );
        }
    }

    /// Go's fds or credentials, where they are not the crate's (which no
    /// golden case shows: the crate agrees with Go on all of them), read
    /// as the crate's do.
    #[test]
    fn go_s_own_fds_and_credentials_are_printed_as_the_crate_s() {
        assert_eq!(
            GoAnswer::OtherFds(vec![7, -1]).to_string(),
            "Ok, 2 fds: 7, -1"
        );
        let cred = Ucred {
            pid: 7,
            uid: 8,
            gid: 9,
        };
        assert_eq!(
            GoAnswer::OtherCredentials(cred).to_string(),
            "Ok, pid 7, uid 8, gid 9"
        );
    }

    /// A renamed or dropped case leaves no golden file behind.
    #[test]
    fn every_golden_file_is_a_case() {
        let cases: BTreeSet<String> = CASES
            .iter()
            .map(|case| format!("{}.txt", case.name))
            .collect();
        assert_eq!(cases.len(), CASES.len(), "two cases have one name");
        let files: BTreeSet<String> = fs::read_dir(goldens())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name != "README.md")
            .collect();
        assert_eq!(
            files, cases,
            "each file of goldens/ but README.md is a case's; remove the others"
        );
    }
}
