//! The io_uring checks: parsers of multishot `IORING_OP_RECVMSG`
//! completions ([`Implementation::parse_completion`]) against
//! [`Model::uring_parse`], their control bytes against the model's walk.
//!
//! - `completions`: what the kernel writes ([`Model::uring_receive`],
//!   [`Model::kernel_control`]): name regions of 0, 16, 28 (after which the
//!   control data is not aligned for `cmsghdr`) and 110 bytes, with
//!   senders' addresses that fit and that do not; credentials and 0 to 7
//!   fds into control regions at every edge of each message (one byte
//!   short, exact, one past; the last message unpadded); payloads whole
//!   and cut, with and without `MSG_TRUNC` asked.
//! - `forged completions`: what the kernel never writes, as another
//!   kernel, an emulated `io_uring` or a corrupted buffer might: a buffer
//!   shorter than the header and regions, `controllen` past its region, a
//!   first header longer than `controllen`, a `payloadlen` past the
//!   buffer or short of it, and every rule probe of the control-buffer
//!   checks as the control region, after no name and after a 28-byte one.
//!
//! A case's input, as a finding shows it, is the submission's
//! `msg_namelen` and `msg_controllen` (each a little-endian `u32`), then
//! the completion buffer.

#![allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "cases built from small constants; the buffer sliced only by the ranges the model's split gives"
)]

use std::ops::Range;

use super::compare::{self, describe_walk};
use super::report::hex;
use super::runner::{finding, not_run, summary, Outcome, Runner};
use super::{Implementation, Parsed, Report};
use crate::model::{Model, UringDatagram, UringSubmission, RECVMSG_OUT_LEN};

/// The checks of [`Implementation::parse_completion`], in the order they
/// run, by name in the report.
pub const COMPLETION_CHECKS: [&str; 2] = ["completions", "forged completions"];

/// What a parse of a completion answered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ParsedCompletion {
    /// The buffer split into its parts.
    Split(CompletionParts),
    /// The buffer was rejected, with the implementation's reason.
    Rejected(String),
}

/// A completion as an implementation split it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CompletionParts {
    /// The sender's address bytes it gives.
    pub name: Vec<u8>,
    /// The control messages of the control bytes, as
    /// [`Implementation::parse`] answers for a buffer.
    pub control: Parsed,
    /// The payload bytes it gives.
    pub payload: Vec<u8>,
    /// Whether it says the address was cut short; `None` if it has no way
    /// to say.
    pub name_truncated: Option<bool>,
    /// Whether it says the control data was cut short (`MSG_CTRUNC`).
    pub control_truncated: Option<bool>,
    /// Whether it says the payload was cut short.
    pub payload_truncated: Option<bool>,
}

/// One completion: the submission's region sizes and the buffer.
#[derive(Clone, Debug)]
struct Case {
    name_len: u32,
    control_len: u32,
    buf: Vec<u8>,
}

impl Case {
    /// The case as a finding's input: the two sizes, then the buffer.
    fn input(&self) -> Vec<u8> {
        let mut input = Vec::with_capacity(self.buf.len().saturating_add(8));
        input.extend(self.name_len.to_le_bytes());
        input.extend(self.control_len.to_le_bytes());
        input.extend(&self.buf);
        input
    }
}

/// The `completions` cases: what the kernel writes.
fn kernel_cases(model: &Model) -> Vec<Case> {
    // (name region, sender's address length): none, an IPv4 and an IPv6
    // address that fit, one cut short, a Unix path in a full sockaddr_un.
    let names: [(u32, u32); 5] = [(0, 0), (16, 16), (28, 28), (16, 28), (110, 14)];
    // (credentials, fds) sent.
    let datagrams: [(bool, u8); 5] = [(false, 1), (true, 0), (true, 1), (true, 3), (false, 7)];
    let payload = b"payload";
    let mut cases = Vec::new();
    for (name_len, sender) in names {
        for (credentials, fds) in datagrams {
            for control_len in region_edges(model, credentials, fds) {
                for (room, msg_trunc) in [(7, false), (3, false), (3, true)] {
                    let submission = UringSubmission {
                        name_len: name_len.into(),
                        control_len: control_len.into(),
                        buffer_len: RECVMSG_OUT_LEN
                            + u128::from(name_len)
                            + u128::from(control_len)
                            + room,
                        msg_trunc,
                    };
                    let datagram = UringDatagram {
                        name_len: sender.into(),
                        payload_len: payload.len() as u128,
                        credentials,
                        fds: fds.into(),
                    };
                    let Ok(done) = model.uring_receive(submission, datagram, u128::MAX) else {
                        continue;
                    };
                    let sent: Vec<i32> = (3..3 + i32::from(fds)).collect();
                    let control = model.kernel_control(&done.control, (1234, 1000, 1000), &sent);
                    let address: Vec<u8> = (1..=sender).map(|n| n as u8).collect();
                    let regions = (name_len.into(), control_len.into());
                    let buf = model.uring_buffer(&done, regions, &address, &control, payload);
                    cases.push(Case {
                        name_len,
                        control_len,
                        buf,
                    });
                }
            }
        }
    }
    cases
}

/// The control region sizes at the edges of what `credentials` and `fds`
/// take: none, a bare header, then one byte short of each message's
/// `cmsg_len` and `cmsg_space`, each exact, and one past.
fn region_edges(model: &Model, credentials: bool, fds: u8) -> Vec<u32> {
    let mut ends = Vec::new();
    let mut at = 0;
    if credentials {
        ends.push(model.cmsg_len(12));
        at = model.cmsg_space(12);
        ends.push(at);
    }
    for n in 1..=u128::from(fds) {
        ends.push(at + model.cmsg_len(4 * n));
        ends.push(at + model.cmsg_space(4 * n));
    }
    let mut edges = vec![0, model.header_len() as u32];
    for end in ends {
        edges.extend([end - 1, end, end + 1].map(|n| n as u32));
    }
    edges.sort_unstable();
    edges.dedup();
    edges
}

/// The `forged completions` cases: `probes` (the rule probes' control
/// buffers) as control regions, and each field of a kernel-written
/// completion forged.
fn forged_cases<'p>(model: &Model, probes: impl IntoIterator<Item = &'p Vec<u8>>) -> Vec<Case> {
    let mut cases = Vec::new();
    for probe in probes {
        let Ok(control_len) = u32::try_from(probe.len()) else {
            continue;
        };
        for name_len in [0, 28] {
            let mut buf = header(model, [0, control_len, 1, 0]);
            buf.resize(buf.len() + name_len as usize, 0);
            buf.extend(probe);
            buf.push(b'x');
            cases.push(Case {
                name_len,
                control_len,
                buf,
            });
        }
    }
    // One fd after the credentials, each message padded, in a region that
    // holds both, after a 16-byte name: a completion the kernel writes,
    // then forged.
    let name_len = 16u32;
    let control_len = (model.cmsg_space(12) + model.cmsg_space(4)) as u32;
    let receive = model.kernel_receive(control_len.into(), true, 1, u128::MAX);
    let control = model.kernel_control(&receive, (1234, 1000, 1000), &[3]);
    let written = control.len() as u32;
    let completion = |fields: [u32; 4], control: &[u8], after: &[u8]| {
        let mut buf = header(model, fields);
        buf.extend((1..=name_len).map(|n| n as u8));
        buf.extend(control);
        buf.resize(16 + (name_len + control_len) as usize, 0);
        buf.extend(after);
        Case {
            name_len,
            control_len,
            buf,
        }
    };
    for fields in [
        [16, control_len + 1, 2, 0],
        [16, u32::MAX, 2, 0],
        [u32::MAX, written, 2, 0],
        [16, written, 3, 0],
        [16, written, u32::MAX, 0],
        [16, written, 1, 0],
    ] {
        cases.push(completion(fields, &control, b"hi"));
    }
    // The rights header's cmsg_len past controllen, inside the region.
    let mut longer = control.clone();
    let rights_at = model.cmsg_space(12) as usize;
    model.write_len(&mut longer[rights_at..], 24);
    cases.push(completion([16, written, 2, 0], &longer, b"hi"));
    // The first header's cmsg_len past controllen: a controllen of 20.
    cases.push(completion([16, 20, 2, 0], &control, b"hi"));
    // Short buffers: each length up to the header and regions.
    let whole = completion([16, written, 2, 0], &control, b"hi").buf;
    let needed = 16 + (name_len + control_len) as usize;
    for len in [0, 15, 16, needed - 1] {
        cases.push(Case {
            name_len,
            control_len,
            buf: whole[..len].to_vec(),
        });
    }
    cases
}

/// `struct io_uring_recvmsg_out` (`namelen`, `controllen`, `payloadlen`,
/// `flags`) in the layout's byte order.
fn header(model: &Model, fields: [u32; 4]) -> Vec<u8> {
    let big_endian = model.layout().is_big_endian();
    fields
        .into_iter()
        .flat_map(|field| match big_endian {
            true => field.to_be_bytes(),
            false => field.to_le_bytes(),
        })
        .collect()
}

/// Whether `answer` is the model's for `case`: a rejection where the model
/// rejects the completion or its control data; else the same name and
/// payload bytes, each truncation said as the model says it, and the
/// control bytes parsed as [`compare::agrees`] wants.
fn agrees(model: &Model, case: &Case, answer: &ParsedCompletion) -> bool {
    let parts = match model.uring_parse(&case.buf, case.name_len.into(), case.control_len.into()) {
        Err(_) => return matches!(answer, ParsedCompletion::Rejected(_)),
        Ok(parts) => parts,
    };
    let control = &case.buf[parts.control.clone()];
    let walk = model.walk(control);
    let got = match answer {
        ParsedCompletion::Rejected(why) => {
            return compare::agrees(model, control, &walk, &Parsed::Rejected(why.clone()))
        }
        ParsedCompletion::Split(got) => got,
    };
    let said = |said: Option<bool>, truth: bool| said.map_or(true, |said| said == truth);
    got.name == case.buf[parts.name.clone()]
        && got.payload == case.buf[parts.payload.clone()]
        && said(got.name_truncated, parts.name_truncated)
        && said(got.control_truncated, parts.control_truncated)
        && said(got.payload_truncated, parts.payload_truncated)
        && compare::agrees(model, control, &walk, &got.control)
}

/// The model's answer for `case`, as a finding shows it.
fn describe_model(model: &Model, case: &Case) -> String {
    let parts = model.uring_parse(&case.buf, case.name_len.into(), case.control_len.into());
    match parts {
        Err(rejection) => format!("rejected: {rejection:?}"),
        Ok(parts) => {
            let part = |range: Range<usize>| hex(&case.buf[range]);
            let control = &case.buf[parts.control.clone()];
            describe_parts(
                &part(parts.name),
                &part(parts.payload),
                [
                    Some(parts.name_truncated),
                    Some(parts.control_truncated),
                    Some(parts.payload_truncated),
                ],
                &describe_walk(&model.walk(control), control),
            )
        }
    }
}

/// An implementation's answer, as a finding shows it.
fn describe(answer: &ParsedCompletion) -> String {
    match answer {
        ParsedCompletion::Rejected(why) => format!("rejected: {why}"),
        ParsedCompletion::Split(got) => describe_parts(
            &hex(&got.name),
            &hex(&got.payload),
            [
                got.name_truncated,
                got.control_truncated,
                got.payload_truncated,
            ],
            &compare::describe(&got.control),
        ),
    }
}

fn describe_parts(
    name: &str,
    payload: &str,
    truncated: [Option<bool>; 3],
    control: &str,
) -> String {
    let [name_cut, control_cut, payload_cut] =
        truncated.map(|said| said.map_or("unsaid".to_owned(), |said| said.to_string()));
    format!(
        "name {name:?} payload {payload:?} truncated (name {name_cut}, control {control_cut}, \
         payload {payload_cut}); control: {control}"
    )
}

/// Runs `implementation`'s completion parse on `case`: the call the
/// runner isolates.
fn parse<I: Implementation + ?Sized>(implementation: &I, case: &Case) -> Option<ParsedCompletion> {
    implementation.parse_completion(&case.buf, case.name_len, case.control_len)
}

impl<I: Implementation + ?Sized> Runner<'_, I> {
    /// The io_uring checks, each case isolated.
    pub(super) fn completion_checks(
        &self,
        report: &mut Report,
        probes: &[(&'static str, Vec<Vec<u8>>)],
    ) {
        let model = self.model();
        let every_probe = || probes.iter().flat_map(|(_, inputs)| inputs);
        for check in COMPLETION_CHECKS
            .into_iter()
            .filter(|check| self.runs(check))
        {
            if model.layout().scm_credentials().is_none() {
                not_run(report, check, "io_uring is Linux's, and the layout is not");
                continue;
            }
            let cases = match check {
                "completions" => kernel_cases(&model),
                _ => forged_cases(&model, every_probe()),
            };
            let mut summary = summary(check);
            for case in &cases {
                let got = match self.isolated(|| parse(self.implementation(), case)) {
                    Outcome::Answered(None) => break,
                    Outcome::Answered(Some(answer)) => {
                        (!agrees(&model, case, &answer)).then(|| describe(&answer))
                    }
                    Outcome::Failed(what) => Some(what),
                };
                let found =
                    got.map(|got| finding(check, &case.input(), describe_model(&model, case), got));
                summary.count(found, &mut report.findings);
            }
            match summary.cases {
                0 => not_run(
                    report,
                    check,
                    "the implementation does not parse completions",
                ),
                _ => report.checks.push(summary),
            }
        }
    }
}
