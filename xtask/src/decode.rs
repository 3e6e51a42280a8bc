//! `cargo xtask decode`: one fuzz target's input laid out for a person
//! triaging a fuzz finding.
//!
//! A control buffer (the input of `parse`, `libc_walk` and `kernel`, and of
//! `parse_any_layout` after the byte that picks its layout) is shown header
//! by header at its offsets: each `cmsg_len`, level and type (by name where
//! the layout's platform has one), the payload (the fds or the
//! credentials, else hex), the padding, and any bytes the walk ignores or
//! never reaches. The verdict follows: each parse function's answer, a
//! rejection by its `Error` variant and message, and what Go 1.19 does
//! with the same bytes. An input of `roundtrip` or `roundtrip_any_layout`
//! is shown as the messages the target makes of it, then their encoding,
//! decoded.
//!
//! Everything about the bytes comes from the crate's own functions: the
//! walk is `Layout::messages`, offsets are where its slices lie in the
//! input, payloads are `parse_unix_rights` and `parse_unix_credentials`,
//! `parse_one_socket_control_message` answers for x/sys/unix, and
//! `check::pick_layout`, `check::roundtrip_messages` and
//! `check::any_layout_messages` read the fuzz
//! targets' inputs. This module adds only the names of levels and types,
//! and Go's behaviour.

use std::fmt::{self, Write as _};

use sockcmsg::{
    check, Cmsghdr, ControlMessage, Error, Layout, OwnedControlMessage, SocketControlMessage, Ucred,
};

/// The layout called `name`: the [`Layout::name`] of one of
/// [`Layout::ALL`], or `host` for `Layout::HOST`.
fn layout_named(name: &str) -> Result<Layout, String> {
    let wanted = if name == "host" {
        Layout::HOST.name()
    } else {
        name
    };
    Layout::ALL
        .into_iter()
        .find(|layout| layout.name() == wanted)
        .ok_or_else(|| {
            let names: Vec<&str> = Layout::ALL.iter().map(Layout::name).collect();
            format!(
                "no layout {name:?}; the layouts are host, {}",
                names.join(", ")
            )
        })
}

/// The names a platform's headers give to levels and message types.
struct PlatformNames {
    /// Level names by value.
    levels: &'static [(i32, &'static str)],
    /// Type names by level and value.
    kinds: &'static [(i32, i32, &'static str)],
}

impl PlatformNames {
    fn level(&self, level: i32) -> String {
        let name = self
            .levels
            .iter()
            .find(|(value, _)| *value == level)
            .map(|(_, name)| *name);
        named(name, level)
    }

    fn kind(&self, level: i32, kind: i32) -> String {
        let name = self
            .kinds
            .iter()
            .find(|(at_level, value, _)| (*at_level, *value) == (level, kind))
            .map(|(_, _, name)| *name);
        named(name, kind)
    }
}

/// `SOL_SOCKET (1)` for a known value, the bare number otherwise.
fn named(name: Option<&str>, value: i32) -> String {
    match name {
        Some(name) => format!("{name} ({value})"),
        None => value.to_string(),
    }
}

/// The names of `layout`'s platform, or `None` for a layout not sorted
/// into a platform here yet (a test fails on it; the layout is still
/// decoded, with bare numbers).
fn platform_names(layout: Layout) -> Option<&'static PlatformNames> {
    match layout {
        Layout::LINUX_64
        | Layout::LINUX_64_BE
        | Layout::LINUX_64_MUSL
        | Layout::LINUX_64_MUSL_BE
        | Layout::LINUX_32 => Some(&LINUX),
        Layout::MACOS => Some(&MACOS),
        Layout::FREEBSD_64 | Layout::FREEBSD_32 => Some(&FREEBSD),
        Layout::OPENBSD_64 | Layout::OPENBSD_32 | Layout::OPENBSD_ARM => Some(&OPENBSD),
        Layout::NETBSD_64 | Layout::NETBSD_AARCH64 | Layout::NETBSD_32 | Layout::NETBSD_ARM => {
            Some(&NETBSD)
        }
        Layout::DRAGONFLY => Some(&DRAGONFLY),
        Layout::ILLUMOS => Some(&ILLUMOS),
        Layout::AIX => Some(&AIX),
        _ => None,
    }
}

/// The names used for `layout`: its platform's, or none at all.
fn names(layout: Layout) -> &'static PlatformNames {
    const UNNAMED: PlatformNames = PlatformNames {
        levels: &[],
        kinds: &[],
    };
    platform_names(layout).unwrap_or(&UNNAMED)
}

const LINUX: PlatformNames = PlatformNames {
    levels: LINUX_LEVELS,
    kinds: LINUX_KINDS,
};

/// Linux's levels that carry control messages: `SOL_SOCKET` from
/// `<asm-generic/socket.h>`, the protocols from `<linux/in.h>`, `SOL_ALG`
/// and `SOL_TLS` from `<linux/socket.h>`.
const LINUX_LEVELS: &[(i32, &str)] = &[
    (0, "IPPROTO_IP"),
    (1, "SOL_SOCKET"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (279, "SOL_ALG"),
    (282, "SOL_TLS"),
];

/// Linux's control message types. `SOL_SOCKET`'s from
/// `<asm-generic/socket.h>` (the values of x86, arm, riscv; not MIPS, SPARC
/// or PA-RISC) and `<linux/socket.h>` (`SCM_SECURITY`, `SCM_PIDFD`), the
/// rest from `<linux/in.h>`, `<linux/in6.h>`, `<linux/udp.h>`,
/// `<linux/if_alg.h>` and `<linux/tls.h>`.
const LINUX_KINDS: &[(i32, i32, &str)] = &[
    (1, 1, "SCM_RIGHTS"),
    (1, 2, "SCM_CREDENTIALS"),
    (1, 3, "SCM_SECURITY"),
    (1, 4, "SCM_PIDFD"),
    (1, 29, "SCM_TIMESTAMP"),
    (1, 35, "SCM_TIMESTAMPNS"),
    (1, 36, "SO_MARK"),
    (1, 37, "SCM_TIMESTAMPING"),
    (1, 40, "SO_RXQ_OVFL"),
    (1, 41, "SCM_WIFI_STATUS"),
    (1, 61, "SCM_TXTIME"),
    (1, 63, "SO_TIMESTAMP_NEW"),
    (1, 64, "SO_TIMESTAMPNS_NEW"),
    (1, 65, "SO_TIMESTAMPING_NEW"),
    (0, 1, "IP_TOS"),
    (0, 2, "IP_TTL"),
    (0, 8, "IP_PKTINFO"),
    (0, 11, "IP_RECVERR"),
    (0, 20, "IP_ORIGDSTADDR"),
    (41, 25, "IPV6_RECVERR"),
    (41, 50, "IPV6_PKTINFO"),
    (41, 52, "IPV6_HOPLIMIT"),
    (41, 67, "IPV6_TCLASS"),
    (17, 103, "UDP_SEGMENT"),
    (17, 104, "UDP_GRO"),
    (279, 2, "ALG_SET_IV"),
    (279, 3, "ALG_SET_OP"),
    (279, 4, "ALG_SET_AEAD_ASSOCLEN"),
    (282, 1, "TLS_SET_RECORD_TYPE"),
    (282, 2, "TLS_GET_RECORD_TYPE"),
];

/// `SOL_SOCKET` on every platform but Linux: `0xffff` in the
/// `<sys/socket.h>` of macOS, each BSD, illumos and AIX.
const BSD_SOL_SOCKET: i32 = 0xffff;

/// The levels of every platform but Linux: `SOL_SOCKET`, and the IANA
/// protocol numbers that each `<netinet/in.h>` gives the protocol levels.
/// Types at the protocol levels differ by platform and are left as
/// numbers.
const BSD_LEVELS: &[(i32, &str)] = &[
    (0, "IPPROTO_IP"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (BSD_SOL_SOCKET, "SOL_SOCKET"),
];

/// XNU's `bsd/sys/socket.h` ("Socket"-level control message types, the
/// public ones).
const MACOS: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 2, "SCM_TIMESTAMP"),
        (BSD_SOL_SOCKET, 3, "SCM_CREDS"),
        (BSD_SOL_SOCKET, 4, "SCM_TIMESTAMP_MONOTONIC"),
    ],
};

/// FreeBSD's `sys/sys/socket.h`.
const FREEBSD: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 2, "SCM_TIMESTAMP"),
        (BSD_SOL_SOCKET, 3, "SCM_CREDS"),
        (BSD_SOL_SOCKET, 4, "SCM_BINTIME"),
        (BSD_SOL_SOCKET, 5, "SCM_REALTIME"),
        (BSD_SOL_SOCKET, 6, "SCM_MONOTONIC"),
        (BSD_SOL_SOCKET, 7, "SCM_TIME_INFO"),
    ],
};

/// OpenBSD's `sys/sys/socket.h`.
const OPENBSD: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 4, "SCM_TIMESTAMP"),
    ],
};

/// NetBSD's `sys/sys/socket.h` (0x02 and 0x04 are retired, unnamed there).
const NETBSD: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 8, "SCM_TIMESTAMP"),
        (BSD_SOL_SOCKET, 0x10, "SCM_CREDS"),
    ],
};

/// DragonFly's `sys/sys/socket.h`.
const DRAGONFLY: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 2, "SCM_TIMESTAMP"),
        (BSD_SOL_SOCKET, 3, "SCM_CREDS"),
    ],
};

/// illumos's `usr/src/uts/common/sys/socket.h`, where the types share
/// their numbers with the socket options.
const ILLUMOS: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 0x1010, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 0x1012, "SCM_UCRED"),
        (BSD_SOL_SOCKET, 0x1013, "SCM_TIMESTAMP"),
    ],
};

/// AIX, whose headers are not public: `SCM_RIGHTS` as the `libc` crate
/// and Go have it.
const AIX: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[(BSD_SOL_SOCKET, 1, "SCM_RIGHTS")],
};

/// What a fuzz target's input holds after the layout byte, if it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    /// A control buffer.
    Buffer,
    /// Messages in `arbitrary`'s format (`check::roundtrip_messages`).
    Messages,
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

fn input_format(target: &str) -> Result<InputFormat, String> {
    TARGET_INPUTS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, format)| *format)
        .ok_or_else(|| {
            let names: Vec<&str> = TARGET_INPUTS.iter().map(|(name, _)| *name).collect();
            format!(
                "no fuzz target {target:?}; the targets are {}",
                names.join(", ")
            )
        })
}

/// An input of the fuzz target `target`, decoded as that target reads it:
/// with the layout named `layout_name` (default `host`), or, for the
/// `*_any_layout` targets, the one its first byte picks.
pub(crate) fn decode_input(
    target: &str,
    layout_name: Option<&str>,
    bytes: &[u8],
) -> Result<String, String> {
    let format = input_format(target)?;
    let (layout, content, mut out) = if format.layout_byte {
        if let Some(name) = layout_name {
            return Err(format!(
                "--layout {name} does not apply to {target}: its input's first byte picks the layout"
            ));
        }
        let (layout, content) = check::pick_layout(bytes);
        let what = match format.content {
            Content::Buffer => "the buffer",
            Content::Messages => "the roundtrip input",
        };
        let picked = match bytes.first() {
            Some(byte) => format!(
                "the first byte, {byte:02x}, picks layout {}; {what} below is the {} after it",
                layout.name(),
                bytes_title(content.len())
            ),
            None => format!("empty, which picks layout {}", layout.name()),
        };
        let intro = format!("{target} input, {}: {picked}\n\n", bytes_title(bytes.len()));
        (layout, content, intro)
    } else {
        let layout = layout_named(layout_name.unwrap_or("host"))?;
        (layout, bytes, String::new())
    };
    match format.content {
        Content::Buffer => out.push_str(&decode(layout, content)),
        Content::Messages if format.layout_byte => out.push_str(&decode_messages(
            layout,
            content.len(),
            &check::any_layout_messages(bytes).1,
        )),
        Content::Messages => out.push_str(&decode_roundtrip(layout, content)),
    }
    Ok(out)
}

/// Bytes typed as hex, two digits each, whitespace ignored (so that
/// `xxd -p` output can be pasted).
pub(crate) fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!(
            "--hex takes whole bytes: {} hex digits",
            digits.len()
        ));
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                // from_str_radix alone would take a sign: "+1".
                .filter(|pair| pair.bytes().all(|digit| digit.is_ascii_hexdigit()))
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "--hex: {:?} is not a hex byte",
                        String::from_utf8_lossy(pair)
                    )
                })
        })
        .collect()
}

/// A message's payload as the typed decoders read it.
#[derive(Debug)]
enum Payload {
    /// `SCM_RIGHTS` (the decoder accepted the level and type).
    Rights(Result<Vec<i32>, Error>),
    /// `SCM_CREDENTIALS` (Linux layouts only).
    Credentials(Result<Ucred, Error>),
    /// Any other level or type: shown as bytes.
    Other,
}

impl Payload {
    fn of(layout: Layout, msg: &SocketControlMessage<'_>) -> Payload {
        match layout.parse_unix_rights(msg) {
            Err(Error::UnexpectedMessage { .. }) => {}
            rights => return Payload::Rights(rights),
        }
        match layout.parse_unix_credentials(msg) {
            // The other systems' credentials carry other structures, which
            // neither the crate nor Go decodes.
            Err(Error::UnexpectedMessage { .. } | Error::CredentialsUnsupported { .. }) => {
                Payload::Other
            }
            credentials => Payload::Credentials(credentials),
        }
    }
}

/// What one stretch of the input is.
#[derive(Debug)]
enum Part {
    /// A header the walk accepted.
    Header(Cmsghdr),
    /// The data of the message whose header is at `header_at`.
    Data { header_at: usize, payload: Payload },
    /// Padding after a header (where data starts past its end: the 64-bit
    /// BSDs) or after a message's data: `wanted` bytes, fewer where the
    /// buffer ends first (an unpadded last message).
    Padding { wanted: usize },
    /// The header at which the walk failed.
    RejectedHeader(Error),
    /// What follows a rejected header: no parser reads it.
    Unread,
    /// Fewer bytes than `cmsg_len(0)` after the last message: the walk
    /// ignores them.
    Tail,
}

/// One stretch of the input and what it is.
#[derive(Debug)]
struct Section<'a> {
    offset: usize,
    bytes: &'a [u8],
    part: Part,
}

/// The input cut into sections, in order and covering every byte once,
/// and the answers of the parse functions.
struct Decoded<'a> {
    sections: Vec<Section<'a>>,
    /// `parse_socket_control_message`: the number of messages, or the error.
    walk: Result<usize, Error>,
    /// `parse_one_socket_control_message`: where the rest starts (`None`
    /// when it is empty), or the error.
    parse_one: Result<Option<usize>, Error>,
}

/// Where `part`, a slice of `whole`, starts in it.
fn offset_in(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// The bytes of `bytes` from `start`, `len` long or up to the end.
fn stretch(bytes: &[u8], start: usize, len: usize) -> &[u8] {
    let start = start.min(bytes.len());
    let end = start.saturating_add(len).min(bytes.len());
    &bytes[start..end]
}

/// Cuts `bytes` where the crate's walk finds headers, data and padding,
/// and asks each parse function for its answer.
fn cut(layout: Layout, bytes: &[u8]) -> Decoded<'_> {
    let header_len = layout.header_len();
    let data_offset = layout.cmsg_len(0);
    let mut sections = Vec::new();
    let mut push = |offset: usize, len: usize, part: Part| {
        sections.push(Section {
            offset,
            bytes: stretch(bytes, offset, len),
            part,
        });
    };
    // The first byte that no section holds yet.
    let mut at = 0;
    let mut walk = Ok(0);
    for item in layout.messages(bytes) {
        match item {
            Ok(msg) => {
                let data_at = offset_in(bytes, msg.data);
                let header_at = data_at - data_offset;
                let data_len = msg.data.len();
                push(header_at, header_len, Part::Header(msg.header));
                if data_offset > header_len {
                    let wanted = data_offset - header_len;
                    push(header_at + header_len, wanted, Part::Padding { wanted });
                }
                push(
                    data_at,
                    data_len,
                    Part::Data {
                        header_at,
                        payload: Payload::of(layout, &msg),
                    },
                );
                let data_end = data_at + data_len;
                let wanted = layout.cmsg_space(data_len) - layout.cmsg_len(data_len);
                if wanted > 0 {
                    push(data_end, wanted, Part::Padding { wanted });
                }
                at = (data_end + wanted).min(bytes.len());
                walk = walk.map(|count| count + 1);
            }
            Err(err) => {
                // The walk reads a header only where `data_offset` bytes
                // remain, so the whole header is there.
                push(at, header_len, Part::RejectedHeader(err));
                let unread_at = at + header_len;
                if unread_at < bytes.len() {
                    push(unread_at, bytes.len() - unread_at, Part::Unread);
                }
                at = bytes.len();
                walk = Err(err);
            }
        }
    }
    if at < bytes.len() {
        push(at, bytes.len() - at, Part::Tail);
    }
    let parse_one = layout
        .parse_one_socket_control_message(bytes)
        .map(|(_, rest)| (!rest.is_empty()).then(|| offset_in(bytes, rest)));
    Decoded {
        sections,
        walk,
        parse_one,
    }
}

/// Values per printed row: 16 bytes of hex, or 16 fds.
const PER_ROW: usize = 16;

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

fn credentials_text(cred: &Ucred) -> String {
    format!("pid {}, uid {}, gid {}", cred.pid, cred.uid, cred.gid)
}

/// `struct ucred`'s length: what `parse_unix_credentials` reads.
const UCRED_LEN: usize = 12;

/// The bytes of one fd in an `SCM_RIGHTS` payload.
const FD_LEN: usize = 4;

fn show_section(out: &mut String, layout: Layout, section: &Section<'_>) {
    let Section {
        offset,
        bytes,
        ref part,
    } = *section;
    let len = bytes_title(bytes.len());
    match part {
        Part::Header(header) => {
            hex_rows(out, offset, "header", &len, bytes);
            let names = names(layout);
            row(
                out,
                None,
                "",
                &format!(
                    "cmsg_len {}, level {}, type {}",
                    header.len,
                    names.level(header.level),
                    names.kind(header.level, header.kind)
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
        Part::RejectedHeader(err) => {
            hex_rows(out, offset, "header", &len, bytes);
            row(out, None, "", &format!("rejected: {err:?}"));
        }
        Part::Unread => hex_rows(out, offset, "unread", &len, bytes),
        Part::Tail => {
            let shorter = if bytes.len() < layout.header_len() {
                "shorter than a header".to_owned()
            } else {
                format!(
                    "shorter than a header and its padding ({} bytes)",
                    layout.cmsg_len(0)
                )
            };
            let title = format!("{len}, {shorter}, ignored");
            hex_rows(out, offset, "tail", &title, bytes);
        }
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

/// What a Go 1.19 function does with the same input.
#[derive(Debug)]
enum GoAnswer {
    /// It answers as the crate does.
    Same,
    /// It succeeds with another answer than the crate's.
    Other(String),
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

impl fmt::Display for GoAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GoAnswer::Same => f.write_str("the same"),
            GoAnswer::Other(answer) => write!(f, "Ok, {answer}"),
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
            GoAnswer::Unknown(err) => write!(f, "not known for {err:?}"),
        }
    }
}

/// What Go does where the crate, reading `layout`'s headers, returns
/// `err`. Go's header check is `socketControlMessageHeaderAndData`'s
/// `h.Len < SizeofCmsghdr || uint64(h.Len) > uint64(len(b))`, then it
/// slices `b[cmsgAlignOf(SizeofCmsghdr):h.Len]`.
fn go_error(layout: Layout, err: Error) -> GoAnswer {
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

/// Go's answer where the crate answered `answer`: the same, or
/// [`go_error`] of the error.
fn go_same_or<T>(layout: Layout, answer: Result<T, &Error>) -> GoAnswer {
    answer.map_or_else(|err| go_error(layout, *err), |_| GoAnswer::Same)
}

/// Go's answer to a parse function.
struct GoVerdict {
    answer: GoAnswer,
    /// The layout Go reads the headers with ([`go_layout`]), where it is
    /// not the crate's and that changes what is parsed.
    read_as: Option<Layout>,
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

/// What Go's `syscall.ParseSocketControlMessage` does with `bytes`.
fn go_walk(layout: Layout, bytes: &[u8]) -> GoVerdict {
    let go_layout = go_layout(layout);
    let ours = layout.parse_socket_control_message(bytes);
    let go = go_layout.parse_socket_control_message(bytes);
    let answer = match &go {
        Ok(msgs) if ours.as_ref() == Ok(msgs) => GoAnswer::Same,
        Ok(msgs) => GoAnswer::Other(counted(msgs.len(), "message", "messages")),
        Err(err) => go_error(go_layout, *err),
    };
    GoVerdict::of(layout, &ours, &go, answer)
}

/// What Go's x/sys/unix `ParseOneSocketControlMessage` does with `bytes`.
fn go_parse_one(layout: Layout, bytes: &[u8]) -> GoVerdict {
    let go_layout = go_layout(layout);
    let ours = layout.parse_one_socket_control_message(bytes);
    let go = go_layout.parse_one_socket_control_message(bytes);
    let answer = match &go {
        Ok(parsed) if ours.as_ref() == Ok(parsed) => GoAnswer::Same,
        Ok((_, rest)) => GoAnswer::Other(rest_text(
            (!rest.is_empty()).then(|| offset_in(bytes, rest)),
        )),
        Err(err @ Error::TruncatedHeader { available, .. })
            if *available >= go_layout.header_len() =>
        {
            go_on_header_before_data(go_layout, bytes, *err)
        }
        Err(err) => go_error(go_layout, *err),
    };
    GoVerdict::of(layout, &ours, &go, answer)
}

/// What Go does with `bytes`, which hold a whole `struct cmsghdr` but end
/// before data would start (12 to 15 bytes on the 64-bit BSDs), where the
/// crate returns `err` (`TruncatedHeader`): Go reads the header and checks
/// its length as anywhere else.
fn go_on_header_before_data(layout: Layout, bytes: &[u8], err: Error) -> GoAnswer {
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

/// Where `parse_one_socket_control_message`'s rest starts, in words.
fn rest_text(rest_at: Option<usize>) -> String {
    match rest_at {
        Some(rest_at) => format!("the message at 0, the rest from {rest_at}"),
        None => "the message at 0, no rest".to_owned(),
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

/// The whole decoding of the control buffer `bytes` with `layout`, as
/// printed by `cargo xtask decode`.
fn decode(layout: Layout, bytes: &[u8]) -> String {
    let decoded = cut(layout, bytes);
    let mut out = String::new();
    writeln!(
        out,
        "{}, layout {}: {}-byte header, data at {}, {}-byte alignment\n",
        bytes_title(bytes.len()),
        layout.name(),
        layout.header_len(),
        layout.cmsg_len(0),
        layout.align()
    )
    .expect("writing to a String cannot fail");
    for section in &decoded.sections {
        show_section(&mut out, layout, section);
    }
    row(&mut out, Some(bytes.len()), "end", "");

    out.push_str("\nverdict\n");
    let walk = decoded.walk.as_ref();
    let go_walk = go_walk(layout, bytes);
    verdict(
        &mut out,
        "parse_socket_control_message",
        walk,
        |count| counted(**count, "message", "messages"),
        format!("Go 1.19 syscall.ParseSocketControlMessage: {go_walk}"),
    );
    // A Go program gets no message at all where its walk fails.
    let go_typed = |call: &str, answer: Result<(), &Error>| {
        let go = match go_walk.answer {
            GoAnswer::Same => go_same_or(layout, answer),
            GoAnswer::Other(_) => GoAnswer::OnOtherMessages,
            GoAnswer::Panics(_) => GoAnswer::NotCalled {
                walk_panicked: true,
            },
            _ => GoAnswer::NotCalled {
                walk_panicked: false,
            },
        };
        format!("Go 1.19 syscall.{call}: {go}")
    };
    for section in &decoded.sections {
        let Part::Data { header_at, payload } = &section.part else {
            continue;
        };
        match payload {
            Payload::Rights(fds) => verdict(
                &mut out,
                &format!("parse_unix_rights (message at {header_at})"),
                fds.as_ref(),
                |fds| {
                    if (1..=PER_ROW).contains(&fds.len()) {
                        format!("{}: {}", fds_title(fds.len()), fds_text(fds).join(", "))
                    } else {
                        fds_title(fds.len())
                    }
                },
                go_typed("ParseUnixRights", fds.as_ref().map(drop)),
            ),
            Payload::Credentials(cred) => verdict(
                &mut out,
                &format!("parse_unix_credentials (message at {header_at})"),
                cred.as_ref(),
                |cred| credentials_text(cred),
                go_typed("ParseUnixCredentials", cred.as_ref().map(drop)),
            ),
            Payload::Other => {}
        }
    }
    verdict(
        &mut out,
        "parse_one_socket_control_message",
        decoded.parse_one.as_ref(),
        |rest_at| rest_text(**rest_at),
        format!(
            "Go x/sys/unix.ParseOneSocketControlMessage: {}",
            go_parse_one(layout, bytes)
        ),
    );
    out
}

/// An input of the `roundtrip` target, which is `arbitrary`'s format, not
/// a control buffer: the messages the target makes of it
/// (`sockcmsg::check::roundtrip_messages`), then the buffer that
/// `Layout::encode` makes of them with `layout`, decoded.
fn decode_roundtrip(layout: Layout, bytes: &[u8]) -> String {
    decode_messages(layout, bytes.len(), &check::roundtrip_messages(bytes))
}

/// `msgs`, made by a roundtrip target from `input_len` bytes, and then the
/// buffer that `Layout::encode` makes of them with `layout`, decoded.
fn decode_messages(layout: Layout, input_len: usize, msgs: &[OwnedControlMessage]) -> String {
    let names = names(layout);
    let mut out = format!(
        "{} of roundtrip input: {}\n",
        bytes_title(input_len),
        counted(msgs.len(), "message", "messages")
    );
    for msg in msgs {
        writeln!(
            out,
            "  level {}, type {}, {}",
            names.level(msg.level),
            names.kind(msg.level, msg.kind),
            bytes_title(msg.data.len())
        )
        .expect("writing to a String cannot fail");
    }
    let to_encode: Vec<ControlMessage<'_>> = msgs
        .iter()
        .map(OwnedControlMessage::as_control_message)
        .collect();
    match layout.encode(&to_encode) {
        Ok(buf) => {
            out.push_str("\nencoded by Layout::encode:\n");
            out.push_str(&decode(layout, &buf));
        }
        Err(err) => {
            writeln!(out, "\nLayout::encode: rejected: {err:?}\n  {err}")
                .expect("writing to a String cannot fail");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::root;

    fn decode_seed(name: &str) -> String {
        let bytes = std::fs::read(root().join("corpus/parse").join(name)).unwrap();
        decode(Layout::LINUX_64, &bytes)
    }

    #[test]
    fn credentials_then_rights() {
        assert_eq!(
            decode_seed("seed-edge-credentials-and-rights"),
            "\
56 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment

     0  header   16 bytes: 1c 00 00 00 00 00 00 00 01 00 00 00 02 00 00 00
                 cmsg_len 28, level SOL_SOCKET (1), type SCM_CREDENTIALS (2)
    16  data     12 bytes, pid 1, uid 0, gid 0
    28  padding  4 bytes: 00 00 00 00
    32  header   16 bytes: 14 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00
                 cmsg_len 20, level SOL_SOCKET (1), type SCM_RIGHTS (1)
    48  data     4 bytes, 1 fd: 0
    52  padding  4 bytes: 00 00 00 00
    56  end

verdict
  parse_socket_control_message: Ok, 2 messages
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_credentials (message at 0): Ok, pid 1, uid 0, gid 0
    Go 1.19 syscall.ParseUnixCredentials: the same
  parse_unix_rights (message at 32): Ok, 1 fd: 0
    Go 1.19 syscall.ParseUnixRights: the same
  parse_one_socket_control_message: Ok, the message at 0, the rest from 32
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn a_length_of_u64_max_is_past_the_end() {
        assert_eq!(
            decode_seed("seed-edge-len-u64-max"),
            "\
24 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment

     0  header   16 bytes: ff ff ff ff ff ff ff ff 01 00 00 00 01 00 00 00
                 rejected: LengthPastEnd { offset: 0, len: 18446744073709551615, available: 24 }
    16  unread   8 bytes: ab ab ab ab ab ab ab ab
    24  end

verdict
  parse_socket_control_message: rejected: LengthPastEnd { offset: 0, len: 18446744073709551615, available: 24 }
    control message at offset 0 has cmsg_len 18446744073709551615, past the end of the buffer (24 bytes remain)
    Go 1.19 syscall.ParseSocketControlMessage: EINVAL
  parse_one_socket_control_message: rejected: LengthPastEnd { offset: 0, len: 18446744073709551615, available: 24 }
    control message at offset 0 has cmsg_len 18446744073709551615, past the end of the buffer (24 bytes remain)
    Go x/sys/unix.ParseOneSocketControlMessage: EINVAL
"
        );
    }

    #[test]
    fn a_second_message_cut_short_fails_the_walk_after_the_first() {
        assert_eq!(
            decode_seed("seed-edge-second-header-past-the-end"),
            "\
48 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment

     0  header   16 bytes: 14 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00
                 cmsg_len 20, level SOL_SOCKET (1), type SCM_RIGHTS (1)
    16  data     4 bytes, 1 fd: 0
    20  padding  4 bytes: 00 00 00 00
    24  header   16 bytes: 40 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00
                 rejected: LengthPastEnd { offset: 24, len: 64, available: 24 }
    40  unread   8 bytes: ab ab ab ab ab ab ab ab
    48  end

verdict
  parse_socket_control_message: rejected: LengthPastEnd { offset: 24, len: 64, available: 24 }
    control message at offset 24 has cmsg_len 64, past the end of the buffer (24 bytes remain)
    Go 1.19 syscall.ParseSocketControlMessage: EINVAL
  parse_unix_rights (message at 0): Ok, 1 fd: 0
    Go 1.19 syscall.ParseUnixRights: not called: ParseSocketControlMessage returned no message
  parse_one_socket_control_message: Ok, the message at 0, the rest from 24
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn a_short_tail_is_ignored() {
        assert_eq!(
            decode_seed("seed-edge-short-tail"),
            "\
32 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment

     0  header   16 bytes: 14 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00
                 cmsg_len 20, level SOL_SOCKET (1), type SCM_RIGHTS (1)
    16  data     4 bytes, 1 fd: 0
    20  padding  4 bytes: 00 00 00 00
    24  tail     8 bytes, shorter than a header, ignored: ee ee ee ee ee ee ee ee
    32  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_rights (message at 0): Ok, 1 fd: 0
    Go 1.19 syscall.ParseUnixRights: the same
  parse_one_socket_control_message: Ok, the message at 0, the rest from 24
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn a_partial_fd_in_an_unpadded_message_panics_go() {
        assert_eq!(
            decode_seed("seed-edge-partial-fd"),
            "\
21 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment

     0  header   16 bytes: 15 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00
                 cmsg_len 21, level SOL_SOCKET (1), type SCM_RIGHTS (1)
    16  data     5 bytes: ab ab ab ab ab
    21  padding  0 of 3 bytes: the buffer ends first
    21  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_rights (message at 0): rejected: PartialFd { len: 5 }
    SCM_RIGHTS payload of 5 bytes is not a whole number of 4-byte file descriptors
    Go 1.19 syscall.ParseUnixRights: panics: index out of range [1] with length 1
  parse_one_socket_control_message: Ok, the message at 0, no rest
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn fewer_bytes_than_a_header_break_go_parse_one() {
        assert_eq!(
            decode_seed("seed-edge-empty"),
            "\
0 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment

     0  end

verdict
  parse_socket_control_message: Ok, 0 messages
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_one_socket_control_message: rejected: TruncatedHeader { offset: 0, available: 0, needed: 16 }
    control message header at offset 0 is truncated: 0 bytes, a header needs 16
    Go x/sys/unix.ParseOneSocketControlMessage: panics: index out of range [0] with length 0
"
        );
        assert!(decode_seed("seed-edge-below-a-header").ends_with(
            "\
  parse_one_socket_control_message: rejected: TruncatedHeader { offset: 0, available: 8, needed: 16 }
    control message header at offset 0 is truncated: 8 bytes, a header needs 16
    Go x/sys/unix.ParseOneSocketControlMessage: reads a 16-byte header from 8 bytes, past the end of the slice
"
        ));
    }

    #[test]
    fn long_payloads_are_printed_in_rows_at_their_offsets() {
        let fds: Vec<i32> = (0..20).collect();
        let rights = Layout::LINUX_64.unix_rights(&fds).unwrap();
        let text = decode(Layout::LINUX_64, &rights);
        assert!(text.contains(
            "
    16  data     80 bytes, 20 fds
    16           0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    80           16, 17, 18, 19
    96  end
"
        ));
        assert!(text.contains("parse_unix_rights (message at 0): Ok, 20 fds\n"));

        // An IPV6_PKTINFO message of 20 bytes, its padding cut off.
        let mut pktinfo = 36u64.to_le_bytes().to_vec();
        pktinfo.extend(41i32.to_le_bytes());
        pktinfo.extend(50i32.to_le_bytes());
        pktinfo.extend(0..20u8);
        assert!(decode(Layout::LINUX_64, &pktinfo).contains(
            "
     0  header   16 bytes: 24 00 00 00 00 00 00 00 29 00 00 00 32 00 00 00
                 cmsg_len 36, level IPPROTO_IPV6 (41), type IPV6_PKTINFO (50)
    16  data     20 bytes
    16           00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
    32           10 11 12 13
    36  padding  0 of 4 bytes: the buffer ends first
    36  end
"
        ));
    }
    #[test]
    fn credentials_longer_than_struct_ucred_show_the_ignored_bytes() {
        let mut cred = 32u64.to_le_bytes().to_vec();
        cred.extend(1i32.to_le_bytes());
        cred.extend(2i32.to_le_bytes());
        cred.extend([7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd]);
        assert_eq!(
            decode(Layout::LINUX_64, &cred),
            "\
32 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment

     0  header   16 bytes: 20 00 00 00 00 00 00 00 01 00 00 00 02 00 00 00
                 cmsg_len 32, level SOL_SOCKET (1), type SCM_CREDENTIALS (2)
    16  data     16 bytes, pid 7, uid 8, gid 9
    28           4 bytes past struct ucred, ignored: aa bb cc dd
    32  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_credentials (message at 0): Ok, pid 7, uid 8, gid 9
    Go 1.19 syscall.ParseUnixCredentials: the same
  parse_one_socket_control_message: Ok, the message at 0, no rest
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn a_roundtrip_input_is_shown_as_its_messages_then_their_encoding() {
        let bytes = std::fs::read(root().join("corpus/roundtrip/seed-extra-negative-fds")).unwrap();
        assert_eq!(
            decode_roundtrip(Layout::LINUX_64, &bytes),
            "\
11 bytes of roundtrip input: 1 message
  level SOL_SOCKET (1), type SCM_RIGHTS (1), 8 bytes

encoded by Layout::encode:
24 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment

     0  header   16 bytes: 18 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00
                 cmsg_len 24, level SOL_SOCKET (1), type SCM_RIGHTS (1)
    16  data     8 bytes, 2 fds: -1, -2147483648
    24  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_rights (message at 0): Ok, 2 fds: -1, -2147483648
    Go 1.19 syscall.ParseUnixRights: the same
  parse_one_socket_control_message: Ok, the message at 0, no rest
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn the_32_bit_layout_reads_a_12_byte_header() {
        let buf = parse_hex("10000000 01000000 01000000 05000000 ffff").unwrap();
        assert_eq!(
            decode(Layout::LINUX_32, &buf),
            "\
18 bytes, layout linux-32: 12-byte header, data at 12, 4-byte alignment

     0  header   12 bytes: 10 00 00 00 01 00 00 00 01 00 00 00
                 cmsg_len 16, level SOL_SOCKET (1), type SCM_RIGHTS (1)
    12  data     4 bytes, 1 fd: 5
    16  tail     2 bytes, shorter than a header, ignored: ff ff
    18  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_rights (message at 0): Ok, 1 fd: 5
    Go 1.19 syscall.ParseUnixRights: the same
  parse_one_socket_control_message: Ok, the message at 0, the rest from 16
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn layouts_are_found_by_name_and_host_is_the_host_layout() {
        assert_eq!(layout_named("linux-32"), Ok(Layout::LINUX_32));
        assert_eq!(layout_named("freebsd-64"), Ok(Layout::FREEBSD_64));
        assert_eq!(layout_named("host"), Ok(Layout::HOST));
        assert_eq!(
            layout_named("freebsd"),
            Err(
                "no layout \"freebsd\"; the layouts are host, linux-64, linux-64-be, \
                 linux-64-musl, linux-64-musl-be, linux-32, macos, freebsd-64, freebsd-32, \
                 openbsd-64, openbsd-32, openbsd-arm, netbsd-64, netbsd-aarch64, netbsd-32, \
                 netbsd-arm, dragonfly, illumos, aix"
                    .to_owned()
            )
        );
    }

    #[test]
    fn hex_may_hold_whitespace_but_only_whole_hex_bytes() {
        assert_eq!(parse_hex("14 00\n0a\tFF"), Ok(vec![0x14, 0, 0x0a, 0xff]));
        assert_eq!(parse_hex(""), Ok(vec![]));
        assert!(parse_hex("140").is_err());
        assert!(parse_hex("1g").is_err());
        assert!(parse_hex("+1").is_err());
    }

    /// The names that `libc` also has, checked against it.
    #[test]
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    fn linux_names_have_libc_values() {
        let level = |name: &str| {
            LINUX_LEVELS
                .iter()
                .find(|(_, known)| *known == name)
                .unwrap()
                .0
        };
        let kind = |name: &str| {
            let (level, kind, _) = LINUX_KINDS
                .iter()
                .find(|(_, _, known)| *known == name)
                .unwrap();
            (*level, *kind)
        };
        let levels = [
            ("IPPROTO_IP", libc::IPPROTO_IP),
            ("SOL_SOCKET", libc::SOL_SOCKET),
            ("IPPROTO_TCP", libc::IPPROTO_TCP),
            ("IPPROTO_UDP", libc::IPPROTO_UDP),
            ("IPPROTO_IPV6", libc::IPPROTO_IPV6),
            ("SOL_ALG", libc::SOL_ALG),
            ("SOL_TLS", libc::SOL_TLS),
        ];
        for (name, value) in levels {
            assert_eq!(level(name), value, "{name}");
        }
        let kinds = [
            ("SCM_RIGHTS", libc::SOL_SOCKET, libc::SCM_RIGHTS),
            ("SCM_CREDENTIALS", libc::SOL_SOCKET, libc::SCM_CREDENTIALS),
            ("SCM_TIMESTAMP", libc::SOL_SOCKET, libc::SCM_TIMESTAMP),
            ("SCM_TIMESTAMPNS", libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS),
            ("SO_MARK", libc::SOL_SOCKET, libc::SO_MARK),
            ("SCM_TIMESTAMPING", libc::SOL_SOCKET, libc::SCM_TIMESTAMPING),
            ("SO_RXQ_OVFL", libc::SOL_SOCKET, libc::SO_RXQ_OVFL),
            ("SCM_WIFI_STATUS", libc::SOL_SOCKET, libc::SCM_WIFI_STATUS),
            ("SCM_TXTIME", libc::SOL_SOCKET, libc::SCM_TXTIME),
            ("SO_TIMESTAMP_NEW", libc::SOL_SOCKET, libc::SO_TIMESTAMP_NEW),
            (
                "SO_TIMESTAMPNS_NEW",
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS_NEW,
            ),
            (
                "SO_TIMESTAMPING_NEW",
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPING_NEW,
            ),
            ("IP_TOS", libc::IPPROTO_IP, libc::IP_TOS),
            ("IP_TTL", libc::IPPROTO_IP, libc::IP_TTL),
            ("IP_PKTINFO", libc::IPPROTO_IP, libc::IP_PKTINFO),
            ("IP_RECVERR", libc::IPPROTO_IP, libc::IP_RECVERR),
            ("IP_ORIGDSTADDR", libc::IPPROTO_IP, libc::IP_ORIGDSTADDR),
            ("IPV6_RECVERR", libc::IPPROTO_IPV6, libc::IPV6_RECVERR),
            ("IPV6_PKTINFO", libc::IPPROTO_IPV6, libc::IPV6_PKTINFO),
            ("IPV6_HOPLIMIT", libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT),
            ("IPV6_TCLASS", libc::IPPROTO_IPV6, libc::IPV6_TCLASS),
            ("UDP_SEGMENT", libc::IPPROTO_UDP, libc::UDP_SEGMENT),
            ("UDP_GRO", libc::IPPROTO_UDP, libc::UDP_GRO),
            ("ALG_SET_IV", libc::SOL_ALG, libc::ALG_SET_IV),
            ("ALG_SET_OP", libc::SOL_ALG, libc::ALG_SET_OP),
            (
                "ALG_SET_AEAD_ASSOCLEN",
                libc::SOL_ALG,
                libc::ALG_SET_AEAD_ASSOCLEN,
            ),
            (
                "TLS_SET_RECORD_TYPE",
                libc::SOL_TLS,
                libc::TLS_SET_RECORD_TYPE,
            ),
            (
                "TLS_GET_RECORD_TYPE",
                libc::SOL_TLS,
                libc::TLS_GET_RECORD_TYPE,
            ),
        ];
        for (name, level, value) in kinds {
            assert_eq!(kind(name), (level, value), "{name}");
        }
        // The two that libc lacks, from <linux/socket.h>.
        assert_eq!(kind("SCM_SECURITY"), (1, 3));
        assert_eq!(kind("SCM_PIDFD"), (1, 4));
        assert_eq!(LINUX_KINDS.len(), kinds.len() + 2, "every name is checked");
    }

    /// The input of a `parse_any_layout` target, decoded.
    fn decode_any_layout_seed(name: &str) -> String {
        let bytes = std::fs::read(root().join("corpus/parse_any_layout").join(name)).unwrap();
        decode_input("parse_any_layout", None, &bytes).unwrap()
    }

    #[test]
    fn a_bsd_length_from_the_header_to_the_data_is_rejected_and_panics_go() {
        assert_eq!(
            decode_any_layout_seed("seed-freebsd-64-len-header"),
            "\
parse_any_layout input, 17 bytes: the first byte, 06, picks layout freebsd-64; the buffer below is the 16 bytes after it

16 bytes, layout freebsd-64: 12-byte header, data at 16, 8-byte alignment

     0  header   12 bytes: 0c 00 00 00 29 00 00 00 32 00 00 00
                 rejected: LengthBelowHeader { offset: 0, len: 12, min: 16 }
    12  unread   4 bytes: 00 00 00 00
    16  end

verdict
  parse_socket_control_message: rejected: LengthBelowHeader { offset: 0, len: 12, min: 16 }
    control message at offset 0 has cmsg_len 12, below the header's 16 bytes
    Go 1.19 syscall.ParseSocketControlMessage: panics: slice bounds out of range [16:12]
  parse_one_socket_control_message: rejected: LengthBelowHeader { offset: 0, len: 12, min: 16 }
    control message at offset 0 has cmsg_len 12, below the header's 16 bytes
    Go x/sys/unix.ParseOneSocketControlMessage: panics: slice bounds out of range [16:12]
"
        );
        // Below sizeof(struct cmsghdr), Go's check fails too.
        let eleven = parse_hex("0b000000 ffff0000 01000000 00000000").unwrap();
        assert!(decode(Layout::DRAGONFLY, &eleven).contains(
            "
    control message at offset 0 has cmsg_len 11, below the header's 16 bytes
    Go 1.19 syscall.ParseSocketControlMessage: EINVAL
"
        ));
    }

    /// 12 to 15 bytes hold a whole BSD header but not the 4 bytes of
    /// padding before the data: Go's ParseOneSocketControlMessage reads
    /// the header and checks it.
    #[test]
    fn go_parse_one_reads_a_bsd_header_that_ends_before_its_data() {
        let go_parse_one = |hex: &str| {
            let text = decode(Layout::NETBSD_64, &parse_hex(hex).unwrap());
            let (_, go) = text
                .split_once("Go x/sys/unix.ParseOneSocketControlMessage: ")
                .unwrap();
            go.trim_end().to_owned()
        };
        assert_eq!(
            go_parse_one("0d000000 ffff0000 01000000 0000"),
            "panics: slice bounds out of range [16:13]"
        );
        assert_eq!(go_parse_one("0f000000 ffff0000 01000000 0000"), "EINVAL");
        assert_eq!(go_parse_one("0b000000 ffff0000 01000000 0000"), "EINVAL");
        assert_eq!(
            go_parse_one("0d000000 ffff0000"),
            "reads a 12-byte header from 8 bytes, past the end of the slice"
        );
        assert!(decode(
            Layout::NETBSD_64,
            &parse_hex("0d000000 ffff0000 01000000 0000").unwrap()
        )
        .contains(
            "
     0  tail     14 bytes, shorter than a header and its padding (16 bytes), ignored: \
0d 00 00 00 ff ff 00 00 01 00 00 00 00 00
    14  end
"
        ));
    }

    #[test]
    fn a_64_bit_bsd_message_shows_the_padding_between_header_and_data() {
        let creds = parse_hex("14000000 ffff0000 03000000 00000000 01020304").unwrap();
        assert_eq!(
            decode(Layout::FREEBSD_64, &creds),
            "\
20 bytes, layout freebsd-64: 12-byte header, data at 16, 8-byte alignment

     0  header   12 bytes: 14 00 00 00 ff ff 00 00 03 00 00 00
                 cmsg_len 20, level SOL_SOCKET (65535), type SCM_CREDS (3)
    12  padding  4 bytes: 00 00 00 00
    16  data     4 bytes: 01 02 03 04
    20  padding  0 of 4 bytes: the buffer ends first
    20  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_one_socket_control_message: Ok, the message at 0, no rest
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn a_macos_rights_message_is_named_and_its_fd_shown() {
        let rights = parse_hex("10000000 ffff0000 01000000 07000000").unwrap();
        assert_eq!(
            decode(Layout::MACOS, &rights),
            "\
16 bytes, layout macos: 12-byte header, data at 12, 4-byte alignment

     0  header   12 bytes: 10 00 00 00 ff ff 00 00 01 00 00 00
                 cmsg_len 16, level SOL_SOCKET (65535), type SCM_RIGHTS (1)
    12  data     4 bytes, 1 fd: 7
    16  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_rights (message at 0): Ok, 1 fd: 7
    Go 1.19 syscall.ParseUnixRights: the same
  parse_one_socket_control_message: Ok, the message at 0, no rest
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn an_aix_header_is_read_big_endian() {
        let rights = parse_hex("00000010 0000ffff 00000001 00000009 00").unwrap();
        assert_eq!(
            decode(Layout::AIX, &rights),
            "\
17 bytes, layout aix: 12-byte header, data at 12, 1-byte alignment

     0  header   12 bytes: 00 00 00 10 00 00 ff ff 00 00 00 01
                 cmsg_len 16, level SOL_SOCKET (65535), type SCM_RIGHTS (1)
    12  data     4 bytes, 1 fd: 9
    16  tail     1 byte, shorter than a header, ignored: 00
    17  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_rights (message at 0): Ok, 1 fd: 9
    Go 1.19 syscall.ParseUnixRights: the same
  parse_one_socket_control_message: Ok, the message at 0, the rest from 16
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    #[test]
    fn illumos_names_its_own_scm_rights() {
        let rights = parse_hex("10000000 ffff0000 10100000 05000000").unwrap();
        assert!(decode(Layout::ILLUMOS, &rights).contains(
            "
                 cmsg_len 16, level SOL_SOCKET (65535), type SCM_RIGHTS (4112)
    12  data     4 bytes, 1 fd: 5
"
        ));
    }

    /// Go reads the kernel's 8-byte cmsg_len on musl too: a pad of 1 makes
    /// the length 2^32 + 16, past the end.
    #[test]
    fn go_reads_musl_s_pad_as_part_of_the_length() {
        let text = decode(
            Layout::LINUX_64_MUSL,
            &parse_hex("10000000 01000000 01000000 01000000").unwrap(),
        );
        assert!(
            text.ends_with(
                "
verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: EINVAL (Go reads the kernel's header, as in linux-64: musl's pad is part of its cmsg_len)
  parse_unix_rights (message at 0): Ok, 0 fds
    Go 1.19 syscall.ParseUnixRights: not called: ParseSocketControlMessage returned no message
  parse_one_socket_control_message: Ok, the message at 0, no rest
    Go x/sys/unix.ParseOneSocketControlMessage: EINVAL (Go reads the kernel's header, as in linux-64: musl's pad is part of its cmsg_len)
"
            ),
            "{text}"
        );
        // With the pad zeroed, as musl's sendmsg leaves it, Go agrees.
        let zeroed = decode(
            Layout::LINUX_64_MUSL_BE,
            &parse_hex("00000000 00000010 00000001 00000001").unwrap(),
        );
        assert!(zeroed.contains(
            "
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
"
        ));
    }

    #[test]
    fn a_roundtrip_any_layout_input_makes_rights_of_the_picked_layout() {
        let bytes =
            std::fs::read(root().join("corpus/roundtrip_any_layout/seed-illumos-rights-1fd"))
                .unwrap();
        assert_eq!(
            decode_input("roundtrip_any_layout", None, &bytes).unwrap(),
            "\
roundtrip_any_layout input, 8 bytes: the first byte, 10, picks layout illumos; the roundtrip input below is the 7 bytes after it

7 bytes of roundtrip input: 1 message
  level SOL_SOCKET (65535), type SCM_RIGHTS (4112), 4 bytes

encoded by Layout::encode:
16 bytes, layout illumos: 12-byte header, data at 12, 4-byte alignment

     0  header   12 bytes: 10 00 00 00 ff ff 00 00 10 10 00 00
                 cmsg_len 16, level SOL_SOCKET (65535), type SCM_RIGHTS (4112)
    12  data     4 bytes, 1 fd: 0
    16  end

verdict
  parse_socket_control_message: Ok, 1 message
    Go 1.19 syscall.ParseSocketControlMessage: the same
  parse_unix_rights (message at 0): Ok, 1 fd: 0
    Go 1.19 syscall.ParseUnixRights: the same
  parse_one_socket_control_message: Ok, the message at 0, no rest
    Go x/sys/unix.ParseOneSocketControlMessage: the same
"
        );
    }

    /// A layout added to `Layout::ALL` is decodable by name at once; this
    /// fails until it is given its platform's names, which must name the
    /// rights message that the crate encodes for it.
    #[test]
    fn every_layout_is_decoded_by_name_with_its_platform_s_names() {
        for layout in Layout::ALL {
            let name = layout.name();
            assert_eq!(layout_named(name), Ok(layout));
            assert!(platform_names(layout).is_some(), "{name} has no platform");
            let rights = layout.unix_rights(&[3]).unwrap();
            let input = check::any_layout_input(layout, &rights);
            let text = decode_input("parse_any_layout", None, &input).unwrap();
            assert!(
                text.contains(&format!("picks layout {name};")),
                "{name}:\n{text}"
            );
            let names = text
                .lines()
                .find(|line| line.trim_start().starts_with("cmsg_len"))
                .unwrap();
            assert!(
                names.contains("level SOL_SOCKET (") && names.contains("type SCM_RIGHTS ("),
                "{name}: {names}"
            );
            assert!(text.contains("1 fd: 3"), "{name}:\n{text}");
        }
    }

    #[test]
    fn every_fuzz_target_has_an_input_format() {
        for (target, _) in check::TARGETS {
            assert!(input_format(target).is_ok(), "{target}");
        }
        assert_eq!(
            input_format("parse_anylayout"),
            Err(
                "no fuzz target \"parse_anylayout\"; the targets are parse, roundtrip, \
                 parse_any_layout, roundtrip_any_layout, libc_walk, kernel"
                    .to_owned()
            )
        );
    }

    #[test]
    fn a_target_whose_first_byte_picks_the_layout_takes_no_layout_option() {
        assert_eq!(
            decode_input("roundtrip_any_layout", Some("macos"), &[5]),
            Err("--layout macos does not apply to roundtrip_any_layout: \
                 its input's first byte picks the layout"
                .to_owned())
        );
        assert!(decode_input("parse_any_layout", None, &[])
            .unwrap()
            .starts_with(
                "\
parse_any_layout input, 0 bytes: empty, which picks layout linux-64

0 bytes, layout linux-64: 16-byte header, data at 16, 8-byte alignment
"
            ));
        // The buffer targets read the layout that --layout names.
        let buf = parse_hex("10000000 ffff0000 01000000 07000000").unwrap();
        assert_eq!(
            decode_input("kernel", Some("macos"), &buf),
            Ok(decode(Layout::MACOS, &buf))
        );
    }

    /// Every committed control buffer, read with every layout (and the
    /// `parse_any_layout` inputs with the layout they pick), is cut into
    /// sections that hold each byte once, in order, each the input's own
    /// bytes at its offset.
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
            let decoded = cut(*layout, bytes);
            let at_fault = || format!("{} as {}", path.display(), layout.name());
            let mut at = 0;
            for section in &decoded.sections {
                assert_eq!(section.offset, at, "{}: {section:?}", at_fault());
                assert_eq!(
                    section.bytes.as_ptr(),
                    bytes[at..].as_ptr(),
                    "{}: {section:?} is not the input's bytes at its offset",
                    at_fault()
                );
                at += section.bytes.len();
            }
            assert_eq!(at, bytes.len(), "{}: not every byte shown", at_fault());
        }
        assert!(buffers.len() > 2000, "only {} buffers", buffers.len());
    }

    /// Go's answers in `tests/data/` (tests/data/README.md gives the
    /// format) to every `P` request: the walk, `ParseUnixRights` and
    /// `ParseUnixCredentials`, compared with the verdict's lines.
    #[test]
    fn the_verdict_says_what_go_1_19_answered_on_each_recorded_buffer() {
        const VECTORS: &str = include_str!("../../tests/data/go1.19-syscall-linux-amd64.tsv");
        let mut buffers = 0;
        for line in VECTORS.lines() {
            let Some((hex, go)) = line
                .strip_prefix("P ")
                .and_then(|rest| rest.split_once('\t'))
            else {
                continue;
            };
            let text = decode(Layout::LINUX_64, &parse_hex(hex).unwrap());
            assert_eq!(
                go_verdicts(&text),
                expected_verdicts(go),
                "on {hex}:\n{text}"
            );
            buffers += 1;
        }
        assert_eq!(buffers, 2394);
    }

    /// The verdict's lines for the walk, then each typed decoder, in the
    /// vectors' notation: `ERR`, `OK <n>`, `R:<fds or PANIC>`,
    /// `C:<pid,uid,gid or ERR>`. A list of more than 16 fds is its count.
    fn go_verdicts(text: &str) -> Vec<String> {
        let (_, verdict) = text.split_once("\nverdict\n").unwrap();
        let lines: Vec<&str> = verdict.lines().collect();
        let mut found = Vec::new();
        for (at, line) in lines.iter().enumerate() {
            // A call's line, then its error's message if it failed, then Go's.
            let Some(call_line) = line
                .strip_prefix("  ")
                .filter(|line| !line.starts_with(' '))
            else {
                continue;
            };
            let go = lines[at + 1..]
                .iter()
                .find(|line| line.starts_with("    Go "))
                .unwrap();
            let (_, go) = go.split_once(": ").unwrap();
            let (call, answer) = call_line.split_once(": ").unwrap();
            let ok = answer.strip_prefix("Ok, ");
            if call == "parse_socket_control_message" {
                found.push(match ok {
                    Some(count) => {
                        assert_eq!(go, "the same");
                        format!("OK {}", count.split(' ').next().unwrap())
                    }
                    None => {
                        assert_eq!(go, "EINVAL");
                        "ERR".to_owned()
                    }
                });
            } else if go.starts_with("not called") {
                // Go's walk failed: the vectors hold no message.
            } else if call.starts_with("parse_unix_rights") {
                found.push(match ok {
                    Some(fds) => {
                        assert_eq!(go, "the same");
                        match fds.split_once(": ") {
                            Some((_, list)) => format!("R:{}", list.replace(", ", ",")),
                            None if fds == "0 fds" => "R:".to_owned(),
                            None => format!("R:{fds}"),
                        }
                    }
                    None if go.starts_with("panics: index out of range") => "R:PANIC".to_owned(),
                    None => panic!("ParseUnixRights: {go}"),
                });
            } else if call.starts_with("parse_unix_credentials") {
                found.push(match ok {
                    Some(cred) => {
                        assert_eq!(go, "the same");
                        let numbers: Vec<&str> = cred
                            .split(", ")
                            .map(|field| field.split(' ').nth(1).unwrap())
                            .collect();
                        format!("C:{}", numbers.join(","))
                    }
                    None => {
                        assert_eq!(go, "EINVAL");
                        "C:ERR".to_owned()
                    }
                });
            }
        }
        found
    }

    /// Go's answer to a `P` request, as [`go_verdicts`] notes it: the walk,
    /// then `R:` for each `SCM_RIGHTS` message and `C:` for each
    /// `SCM_CREDENTIALS` one.
    fn expected_verdicts(go: &str) -> Vec<String> {
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
                ("1", "1") => {
                    let rights = answer("R:");
                    let count = rights.split(',').count();
                    if count > 16 {
                        expected.push(format!("R:{count} fds"));
                    } else {
                        expected.push(rights.to_owned());
                    }
                }
                ("1", "2") => expected.push(answer("C:").to_owned()),
                _ => {}
            }
        }
        expected
    }
}
