//! The typed checks: an implementation's decode of the IP and UDP typed
//! messages (TOS, TTL, `PKTINFO`, GRO, timestamps, ...) against the
//! model's ([`Model::buffer_fields`]), for decoders of a whole buffer
//! ([`Implementation::parse_typed`]).
//!
//! - `typed probes`: for each typed kind the layout's system has, in
//!   either direction, buffers built with the model: a message of an
//!   ordinary value, its values at their edges (and, held in an `int`,
//!   past them), its payload one byte short and long and at the widths
//!   other systems use, its type on the other levels, its address of
//!   another family, two of it in one buffer, after an unknown message
//!   (with data and without) and after `SCM_RIGHTS`, and unpadded at the
//!   end; and each width of a level's received messages under every type
//!   of the level up to 127 the system does not type (another system's
//!   number, or an option's, as `IP_RECVTOS`).
//! - `typed kernel` (Linux): buffers the kernel wrote on loopback UDP,
//!   IPv4 and IPv6, with the typed options on, whole and cut.
//! - `typed corpus`: the corpus folders' buffers.
//! - `typed encoders`, for implementations that send typed messages
//!   ([`Implementation::encode_typed`]): each kind the system sends, at an
//!   ordinary value and its edges, encoded, against the model's bytes
//!   (`typed_send.rs`).
//! - `typed forged receives` (Linux 5.9 or later), for decoders that only
//!   receive ([`Implementation::receive_typed`]): their receive on a UDP
//!   socket, its `recvmsg` answered with each typed probe and each kernel
//!   buffer as the control data (`sys/forge.rs`, as the `forged receives`
//!   check does).
//!
//! Each case is judged where it ran (in the child, when isolated): a value
//! given that no message the model reads holds (a misread width, a type on
//! the wrong level, a value no system writes), or no value of a class the
//! implementation takes from a kind ([`Implementation::typed_classes`])
//! from a buffer the model accepts that holds a message of that kind, is a
//! finding, as are a crash or a hang.

use super::runner::{finding, fuzz_finding, not_run, summary, Outcome, Runner};
#[cfg(any(target_os = "linux", target_os = "android"))]
use super::typed_inputs::kernel_typed_buffers;
use super::typed_inputs::{typed_probes, typed_rules_exercised};
use super::typed_send::ENCODERS;
use super::wire::Verdict;
use super::{inputs, Implementation, Report};
use crate::model::{FieldClass, Model, TypedField};
use crate::typed::TypedKind;

/// The typed checks, by name in reports.
pub const TYPED_CHECKS: [&str; 5] = [PROBES, KERNEL, CORPUS, ENCODERS, FORGED];

const PROBES: &str = "typed probes";
const KERNEL: &str = "typed kernel";
const CORPUS: &str = "typed corpus";
const FORGED: &str = "typed forged receives";

/// What a typed decode answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypedParsed {
    /// The values it gives its caller, in any order.
    Fields(Vec<TypedField>),
    /// The buffer was rejected, with the implementation's reason.
    Rejected(String),
}

impl<I: Implementation + ?Sized> Runner<'_, I> {
    /// The typed checks, for an implementation that decodes typed
    /// messages.
    pub(super) fn typed_checks(&self, report: &mut Report) {
        if !TYPED_CHECKS.iter().any(|check| self.runs(check)) {
            return;
        }
        let model = self.model();
        let probes = typed_probes(&model);
        if self.runs(PROBES) {
            self.typed_check(report, PROBES, &probes);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        let kernel = kernel_typed_buffers();
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        let kernel: Vec<Vec<u8>> = Vec::new();
        if self.runs(KERNEL) {
            match kernel.is_empty() {
                true => not_run(report, KERNEL, "no UDP buffer from the kernel (Linux only)"),
                false => self.typed_check(report, KERNEL, &kernel),
            }
        }
        if self.runs(CORPUS) {
            match inputs::folder_inputs(self.corpus_folders()) {
                Ok(inputs) if !inputs.is_empty() => self.typed_check(report, CORPUS, &inputs),
                Ok(_) => not_run(report, CORPUS, "no corpus folder given"),
                Err(err) => not_run(report, CORPUS, &err),
            }
        }
        if self.runs(ENCODERS) {
            self.typed_encoder_check(report);
        }
        #[cfg(target_os = "linux")]
        if self.runs(FORGED) {
            let classes = self.implementation().typed_classes();
            super::forged::run_forged(
                FORGED,
                probes.iter().chain(&kernel).map(Vec::as_slice),
                self.case_limit(),
                report,
                |input| forged_typed_receive(self.implementation(), &model, &classes, input),
                |input, written| expected(&model, &classes, written.unwrap_or(input)),
            );
        }
        #[cfg(not(target_os = "linux"))]
        if self.runs(FORGED) {
            not_run(report, FORGED, "Linux only (seccomp user notification)");
        }
    }

    fn typed_check(&self, report: &mut Report, check: &'static str, inputs: &[Vec<u8>]) {
        let model = self.model();
        let classes = self.implementation().typed_classes();
        let mut summary = summary(check);
        let mut findings = Vec::new();
        for input in inputs {
            let outcome = self.isolated(|| {
                let answer = self.implementation().parse_typed(input)?;
                Some(Verdict(judge(&model, &classes, input, answer).join("; ")))
            });
            let problems = match outcome {
                Outcome::Answered(None) => {
                    return not_run(
                        report,
                        check,
                        "the implementation does not decode typed messages",
                    )
                }
                Outcome::Answered(Some(Verdict(problems))) => problems,
                Outcome::Failed(how) => how,
            };
            let found = (!problems.is_empty())
                .then(|| finding(check, input, expected(&model, &classes, input), problems));
            summary.count(found, &mut findings);
        }
        report.checks.push(summary);
        report.findings.extend(findings);
    }
}

/// The implementation's typed receive of `input`, forged, on a UDP socket:
/// how many bytes its buffer held and the problems found, or the tag and
/// reason of a case that could not run.
#[cfg(target_os = "linux")]
fn forged_typed_receive<I: Implementation + ?Sized>(
    implementation: &I,
    model: &Model,
    classes: &[(TypedKind, FieldClass)],
    input: &[u8],
) -> Result<(usize, Vec<String>), (&'static str, String)> {
    use super::forged::{NOT_TRAPPED, UNAVAILABLE, UNSUPPORTED};
    use crate::sys::forge::{forge_recvmsg, Forgery};
    use std::net::Ipv4Addr;
    use std::os::fd::AsFd;

    let setup = |err: std::io::Error| (UNAVAILABLE, err.to_string());
    let rx = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(setup)?;
    let tx = std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).map_err(setup)?;
    // The datagram the receive waits for, which the forgery answers in its
    // place.
    tx.send_to(b"x", rx.local_addr().map_err(setup)?)
        .map_err(setup)?;
    // The descriptors an SCM_RIGHTS among the probes gets.
    let (source, _peer) = std::os::unix::net::UnixDatagram::pair().map_err(setup)?;
    let slots = |written: &[u8], cut| model.forged_fd_slots(written, cut);
    // The sender's `sockaddr_in`, as Linux writes it into `msg_name`.
    let port = tx.local_addr().map_err(setup)?.port();
    let family = u16::try_from(libc::AF_INET).unwrap_or_default();
    let name = [
        &family.to_ne_bytes()[..],
        &port.to_be_bytes(),
        &Ipv4Addr::LOCALHOST.octets(),
        &[0; 8],
    ]
    .concat();
    let forgery = Forgery {
        control: input,
        fd_slots: &slots,
        source: source.as_fd(),
        name: &name,
    };
    let (answer, forged) = forge_recvmsg(rx.as_fd(), &forgery, || {
        implementation.receive_typed(rx.as_fd(), input.len())
    })
    .map_err(setup)?;
    let answer = match answer {
        None => return Err((UNSUPPORTED, String::new())),
        Some(Ok(parsed)) => parsed,
        Some(Err(err)) => TypedParsed::Rejected(err),
    };
    if let Some(err) = forged.error {
        return Err((UNAVAILABLE, err));
    }
    if !forged.answered {
        return Err((NOT_TRAPPED, String::new()));
    }
    let written = input.get(..forged.written).unwrap_or(input);
    Ok((forged.written, judge(model, classes, written, answer)))
}

/// Compares `implementation`'s typed decode of `data`
/// ([`Implementation::parse_typed`]) with the model's, as the `typed
/// probes` check does, and panics with the finding on a deviation: the
/// body of a cargo-fuzz target for a typed decoder. An input that
/// exercises any of the rules `known` names ([`TYPED_RULES`] and
/// [`RULES`], as [`typed_rules_exercised`] gives them) is skipped,
/// unparsed, as [`fuzz_skipping_rules`](super::fuzz_skipping_rules) skips
/// them; an implementation that does not decode typed messages is not
/// called.
///
/// [`TYPED_RULES`]: super::TYPED_RULES
/// [`RULES`]: super::RULES
///
/// ```
/// # use sockcmsg::conformance::{Implementation, TypedParsed};
/// # use sockcmsg::model::{FieldClass, TypedField};
/// # use sockcmsg::typed::{TypedKind, TypedMessage};
/// # struct FirstByteTtl;
/// # impl Implementation for FirstByteTtl {
/// #     fn name(&self) -> String { "first byte TTL".into() }
/// #     fn layout(&self) -> sockcmsg::Layout { sockcmsg::Layout::LINUX_64 }
/// #     fn parse_typed(&self, buf: &[u8]) -> Option<TypedParsed> {
/// #         let ttl = buf.get(16).copied().map(|ttl| TypedField::Message(TypedMessage::Ttl(ttl)));
/// #         Some(TypedParsed::Fields(ttl.into_iter().collect()))
/// #     }
/// #     fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
/// #         vec![(TypedKind::Ttl, FieldClass::Message(TypedKind::Ttl))]
/// #     }
/// # }
/// use sockcmsg::conformance::fuzz_typed_skipping_rules;
/// use sockcmsg::model::Model;
///
/// let model = Model::new(sockcmsg::Layout::LINUX_64);
/// // A 1-byte TTL, which a decoder that reads one byte misreads as 64:
/// // skipped once `typed width` is known.
/// let one_byte = model.encode([(libc::IPPROTO_IP, libc::IP_TTL, &[64][..])]);
/// fuzz_typed_skipping_rules(&FirstByteTtl, &["typed width"], &one_byte);
/// let ttl = model.encode([(libc::IPPROTO_IP, libc::IP_TTL, &64i32.to_le_bytes()[..])]);
/// fuzz_typed_skipping_rules(&FirstByteTtl, &["typed width"], &ttl);
/// ```
pub fn fuzz_typed_skipping_rules<I: Implementation + ?Sized>(
    implementation: &I,
    known: &[&str],
    data: &[u8],
) {
    let model = Model::new(implementation.layout());
    let rules = typed_rules_exercised(&model, data);
    if rules.iter().any(|rule| known.contains(rule)) {
        return;
    }
    let Some(answer) = implementation.parse_typed(data) else {
        return;
    };
    let classes = implementation.typed_classes();
    let problems = judge(&model, &classes, data, answer);
    if !problems.is_empty() {
        let found = finding(
            "fuzz",
            data,
            expected(&model, &classes, data),
            problems.join("; "),
        );
        fuzz_finding(
            implementation.name(),
            &rules,
            "fuzz_typed_skipping_rules",
            found,
        );
    }
}

/// What is wrong with `answer`, the decode of `buf` by an implementation
/// that takes `classes` (a class of values from a kind of message):
/// nothing if it agrees with the model.
fn judge(
    model: &Model,
    classes: &[(TypedKind, FieldClass)],
    buf: &[u8],
    answer: TypedParsed,
) -> Vec<String> {
    let allowed = model.buffer_fields(buf);
    let accepted = model.walk(buf).rejection.is_none();
    let (given, rejected) = match answer {
        TypedParsed::Fields(fields) => (fields, None),
        TypedParsed::Rejected(why) => (Vec::new(), Some(why)),
    };
    let mut problems: Vec<String> = given
        .iter()
        .filter(|field| !allowed.contains(field))
        .map(|field| format!("gave {field:?}, which no message the model reads holds"))
        .collect();
    if accepted {
        let holds = |kind: TypedKind| {
            allowed
                .iter()
                .any(|field| matches!(field, TypedField::Message(msg) if msg.kind() == kind))
        };
        for (kind, class) in classes.iter().filter(|(kind, _)| holds(*kind)) {
            if !given.iter().any(|field| field.class() == *class) {
                let held: Vec<&TypedField> =
                    allowed.iter().filter(|f| f.class() == *class).collect();
                let how = match &rejected {
                    Some(why) => format!("rejected the buffer ({why})"),
                    None => "gave none".to_owned(),
                };
                problems.push(format!("{how}: no {class:?} (from a {kind:?}) of {held:?}"));
            }
        }
    }
    problems
}

/// The model's line of a case: what the buffer's messages give of the
/// classes the implementation takes.
fn expected(model: &Model, classes: &[(TypedKind, FieldClass)], buf: &[u8]) -> String {
    let fields: Vec<TypedField> = model
        .buffer_fields(buf)
        .into_iter()
        .filter(|field| classes.iter().any(|(_, class)| *class == field.class()))
        .collect();
    match model.walk(buf).rejection {
        Some(rejection) => format!("rejected ({rejection:?}); before it: {fields:?}"),
        None => format!("{fields:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typed::TypedMessage;
    use crate::Layout;

    #[test]
    fn a_decoder_that_reads_a_one_byte_ttl_is_found_and_one_that_agrees_is_not() {
        let model = Model::new(Layout::LINUX_64);
        let classes = [(TypedKind::Ttl, FieldClass::Message(TypedKind::Ttl))];
        // IP_TTL is an int on Linux: 1 byte is no width the kernel writes.
        let one_byte = model.encode([(0, 2, &[64][..])]);
        let misread = TypedParsed::Fields(vec![TypedField::Message(TypedMessage::Ttl(64))]);
        assert_eq!(
            judge(&model, &classes, &one_byte, misread.clone()),
            ["gave Message(Ttl(64)), which no message the model reads holds"]
        );
        let int = model.encode([(0, 2, &64i32.to_le_bytes()[..])]);
        assert_eq!(judge(&model, &classes, &int, misread), Vec::<String>::new());
        assert_eq!(
            judge(&model, &classes, &int, TypedParsed::Fields(vec![])),
            ["gave none: no Message(Ttl) (from a Ttl) of [Message(Ttl(64))]"]
        );
    }
}
