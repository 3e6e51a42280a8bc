//! The `typed encoders` check: what an implementation writes to send a
//! typed message ([`Implementation::encode_typed`], or, captured from its
//! `sendmsg` on Linux, [`Implementation::send_typed`]) against the model's
//! bytes ([`Model::typed_bytes`]): the model's message, of the same level,
//! type and payload (padding aside), once, beside only messages Linux
//! takes. A finding says what the model reads in what was written and what
//! Linux's UDP `sendmsg` answers for it ([`Model::kernel_udp_send`]): a
//! width the kernel refuses, or one only newer kernels take.

use super::report::hex;
use super::runner::{finding, not_run, summary, Outcome, Runner};
use super::typed_inputs::send_values;
use super::wire::Verdict;
use super::{Implementation, Report};
use crate::model::{Model, UdpFamily};
use crate::typed::{Direction, TypedMessage};

/// The check's name in reports.
pub(super) const ENCODERS: &str = "typed encoders";

impl<I: Implementation + ?Sized> Runner<'_, I> {
    /// The `typed encoders` check, for an implementation that encodes
    /// typed messages.
    pub(super) fn typed_encoder_check(&self, report: &mut Report) {
        let model = self.model();
        let mut summary = summary(ENCODERS);
        let mut findings = Vec::new();
        for msg in send_values(&model) {
            let outcome = self.isolated(|| {
                let bytes = self.implementation().encode_typed(&msg)?;
                Some(Verdict(judge_encoding(&model, &msg, &bytes)))
            });
            let problems = match outcome {
                #[cfg(target_os = "linux")]
                Outcome::Answered(None) => match self.captured(&model, &msg) {
                    Ok(Some(problems)) => problems,
                    Ok(None) => continue,
                    Err(why) => return not_run(report, ENCODERS, &why),
                },
                #[cfg(not(target_os = "linux"))]
                Outcome::Answered(None) => continue,
                Outcome::Answered(Some(Verdict(problems))) => problems,
                Outcome::Failed(how) => how,
            };
            let input = format!("{msg:?}");
            let found = (!problems.is_empty())
                .then(|| finding(ENCODERS, input.as_bytes(), expected(&model, &msg), problems));
            summary.count(found, &mut findings);
        }
        if summary.cases == 0 {
            return not_run(
                report,
                ENCODERS,
                "the implementation encodes no typed message",
            );
        }
        report.checks.push(summary);
        report.findings.extend(findings);
    }
}

#[cfg(target_os = "linux")]
impl<I: Implementation + ?Sized> Runner<'_, I> {
    /// The problems of the implementation's send of `msg`, its `sendmsg`
    /// captured, in a child: `None` if it does not send `msg`, an error if
    /// the capture could not run.
    fn captured(&self, model: &Model, msg: &TypedMessage) -> Result<Option<String>, String> {
        use crate::sys::isolate::{in_child, ChildEnd};
        let case = || match captured_send(self.implementation(), model, msg) {
            Ok(Some(problems)) => format!("sent\n{problems}"),
            Ok(None) => "unsent\n".to_owned(),
            Err(why) => format!("error\n{why}"),
        };
        let answer = match in_child(self.case_limit(), || case().into_bytes()) {
            ChildEnd::Returned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            ChildEnd::Failed(how) => return Ok(Some(how)),
            ChildEnd::NotStarted(err) => return Err(err),
        };
        match answer.split_once('\n') {
            Some(("sent", problems)) => Ok(Some(problems.to_owned())),
            Some(("unsent", _)) => Ok(None),
            Some((_, why)) => Err(format!("no captured send: {why}")),
            None => Err(format!("no captured send: {answer}")),
        }
    }
}

/// Sends `msg` with `implementation` on loopback UDP, its `sendmsg`'s
/// control bytes captured: their problems (and the send's error), or
/// `None` if it does not send `msg`.
#[cfg(target_os = "linux")]
fn captured_send<I: Implementation + ?Sized>(
    implementation: &I,
    model: &Model,
    msg: &TypedMessage,
) -> Result<Option<String>, String> {
    use crate::sys::forge::capture_sendmsg;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, UdpSocket};
    use std::os::fd::AsFd;

    let Some(Ok(want)) = model.typed_bytes(msg, Direction::Send) else {
        return Ok(None);
    };
    let ip: IpAddr = match want.level {
        IPPROTO_IPV6 => Ipv6Addr::LOCALHOST.into(),
        _ => Ipv4Addr::LOCALHOST.into(),
    };
    let setup = |err: std::io::Error| err.to_string();
    let rx = UdpSocket::bind((ip, 0)).map_err(setup)?;
    let tx = UdpSocket::bind((ip, 0)).map_err(setup)?;
    let to = rx.local_addr().map_err(setup)?;
    let (answer, captured) = capture_sendmsg(tx.as_fd(), || {
        implementation.send_typed(tx.as_fd(), to, msg)
    })
    .map_err(setup)?;
    let Some(sent) = answer else {
        return Ok(None);
    };
    if let Some(err) = captured.error {
        return Err(err);
    }
    // No sendmsg (a `send` or `sendto`): no control bytes.
    let bytes = captured.sent_control.unwrap_or_default();
    // The send's own error (a TTL of 0, an interface this machine does not
    // have, a GSO size past the MTU) is the kernel's answer to the bytes,
    // which the model's verdict already gives: said beside a problem only.
    let mut problems = judge_encoding(model, msg, &bytes);
    if let (false, Err(err)) = (problems.is_empty(), sent) {
        problems = format!("{problems}; the send failed: {err}");
    }
    Ok(Some(problems))
}

/// What is wrong with `bytes`, an implementation's encoding of `msg`:
/// nothing if its messages are the model's.
fn judge_encoding(model: &Model, msg: &TypedMessage, bytes: &[u8]) -> String {
    let Some(Ok(want)) = model.typed_bytes(msg, Direction::Send) else {
        return String::new();
    };
    let walk = model.walk(bytes);
    let got: Vec<(i32, i32, &[u8])> = walk
        .messages
        .iter()
        .map(|found| (found.level, found.kind, found.data(bytes)))
        .collect();
    let family = match want.level {
        IPPROTO_IPV6 => UdpFamily::V6,
        _ => UdpFamily::V4,
    };
    // The model's message once, and any other only one Linux takes (a
    // stack that sets its TOS on every datagram, as quinn does).
    let wanted = (want.level, want.kind, want.data.as_slice());
    let once = got.iter().filter(|found| **found == wanted).count() == 1;
    let others_sent = got
        .iter()
        .filter(|found| **found != wanted)
        .all(|(level, kind, data)| {
            model.kernel_udp_send(family, *level, *kind, data) == Some(true)
        });
    if walk.rejection.is_none() && once && others_sent {
        return String::new();
    }
    let wrote = match bytes.is_empty() {
        true => "wrote nothing".to_owned(),
        false => format!("wrote {}", hex(bytes)),
    };
    let mut problems = vec![wrote];
    if let Some(rejection) = walk.rejection {
        problems.push(format!("which the model rejects ({rejection:?})"));
    }
    for (level, kind, data) in got {
        let read = model.typed(level, kind, data);
        let sent = match model.kernel_udp_send(family, level, kind, data) {
            Some(true) => "Linux sends it",
            Some(false) => "Linux refuses it (EINVAL)",
            None => "the model does not say what Linux answers",
        };
        problems.push(format!(
            "level {level} type {kind} data {}: read as {read:?}; {sent}",
            hex(data)
        ));
    }
    problems.join("; ")
}

/// `IPPROTO_IPV6`, the same on every system the layouts describe.
const IPPROTO_IPV6: i32 = 41;

/// The model's line of a case: its bytes for `msg`.
fn expected(model: &Model, msg: &TypedMessage) -> String {
    match model.typed_bytes(msg, Direction::Send) {
        Some(Ok(want)) => format!(
            "{} (level {} type {} data {})",
            hex(&model.encode([(want.level, want.kind, want.data.as_slice())])),
            want.level,
            want.kind,
            hex(&want.data)
        ),
        Some(Err(rejection)) => format!("not sent ({rejection:?})"),
        None => "no such message".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    #[test]
    fn a_tos_of_one_byte_is_found_with_what_linux_answers_and_an_int_is_not() {
        let model = Model::new(Layout::LINUX_64);
        let tos = TypedMessage::Tos(2);
        // IP_TOS (0, 1): the model sends an int; Linux 6.12 takes a byte
        // too, which kernels before e895cdce refuse.
        let int = model.encode([(0, 1, &2i32.to_le_bytes()[..])]);
        assert_eq!(judge_encoding(&model, &tos, &int), "");
        let byte = model.encode([(0, 1, &[2][..])]);
        assert_eq!(
            judge_encoding(&model, &tos, &byte),
            format!(
                "wrote {}; level 0 type 1 data 02: read as Ok(Some(Tos(2))); Linux sends it",
                hex(&byte)
            )
        );
        // Beside a TOS of 0, which Linux takes: as quinn sends.
        let ttl = TypedMessage::Ttl(64);
        let with_tos = model.encode([(0, 1, &[0; 4][..]), (0, 2, &64i32.to_le_bytes()[..])]);
        assert_eq!(judge_encoding(&model, &ttl, &with_tos), "");
        // IP_TTL 0 is no TTL Linux sends.
        let ttl = model.encode([(0, 2, &0i32.to_le_bytes()[..])]);
        assert!(judge_encoding(&model, &tos, &ttl).ends_with("Linux refuses it (EINVAL)"));
    }
}
