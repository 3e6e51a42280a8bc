//! The `typed encoders` check: what an implementation writes to send a
//! typed message ([`Implementation::encode_typed`]) against the model's
//! bytes ([`Model::typed_bytes`]): the same messages, of the same level,
//! type and payload (padding aside). A finding says what the model reads
//! in what was written and what Linux's UDP `sendmsg` answers for it
//! ([`Model::kernel_udp_send`]): a width the kernel refuses, or one only
//! newer kernels take.

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
    if walk.rejection.is_none() && got == [(want.level, want.kind, want.data.as_slice())] {
        return String::new();
    }
    let family = match want.level {
        IPPROTO_IPV6 => UdpFamily::V6,
        _ => UdpFamily::V4,
    };
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
        // IP_TTL 0 is no TTL Linux sends.
        let ttl = model.encode([(0, 2, &0i32.to_le_bytes()[..])]);
        assert!(judge_encoding(&model, &tos, &ttl).ends_with("Linux refuses it (EINVAL)"));
    }
}
