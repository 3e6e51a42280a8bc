//! How far the runner's probes reach: wrong parsers that only part from the
//! model on large buffers, after many messages, or past a hostile length,
//! each caught by the check of the rule whose edge the input holds.

use sockcmsg::conformance::{
    Implementation, Parsed, ParsedMessage, Payload, Runner, Sockcmsg, RULES,
};
use sockcmsg::model::Model;
use sockcmsg::Layout;

/// Keeps the first 64 messages and drops the rest without a word, as a
/// parser that stores them in a fixed array does.
struct KeepsSixtyFour;

impl Implementation for KeepsSixtyFour {
    fn name(&self) -> String {
        "keeps 64 messages".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        Some(match Sockcmsg.parse(buf)? {
            Parsed::Messages(mut msgs) => {
                msgs.truncate(64);
                Parsed::Messages(msgs)
            }
            rejected => rejected,
        })
    }
}

/// Refuses buffers longer than a page, as a parser that copies the control
/// data into a 4 KiB array does; parses the rest as sockcmsg does.
struct RejectsPastAPage;

impl Implementation for RejectsPastAPage {
    fn name(&self) -> String {
        "rejects past a page".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        if buf.len() > 4096 {
            return Some(Parsed::Rejected(format!(
                "{} bytes: more than a page",
                buf.len()
            )));
        }
        Sockcmsg.parse(buf)
    }
}

/// What a hand-written walk does with a `cmsg_len` the model rejects.
#[derive(Clone, Copy)]
enum BadLength {
    /// Past the end: cut to the bytes left, and go on (as some C parsers
    /// do). Below the header: rejected.
    Clamp,
    /// Below the header but not 0: an empty message, and the next header
    /// right after this one's. 0 (which would never advance): rejected.
    /// Past the end: rejected.
    TakeShort,
}

/// A walk by hand over a buffer of the host's layout, each message's data
/// as bytes, bad lengths treated as `bad` says.
struct HandWalk(BadLength);

impl Implementation for HandWalk {
    fn name(&self) -> String {
        match self.0 {
            BadLength::Clamp => "clamps lengths past the end".to_owned(),
            BadLength::TakeShort => "takes lengths below the header".to_owned(),
        }
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        let layout = Layout::HOST;
        let header = sockcmsg::cmsg_len(0);
        let mut msgs = Vec::new();
        let mut at = 0;
        while buf.len() - at >= header {
            let bytes = &buf[at..];
            let field = &bytes[layout.len_offset()..][..layout.len_width()];
            let len = match *field {
                [a, b, c, d] => u64::from(u32::from_ne_bytes([a, b, c, d])),
                _ => u64::from_ne_bytes(field.try_into().unwrap()),
            };
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            let int = |at: usize| i32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
            let (level, kind) = (int(layout.header_len() - 8), int(layout.header_len() - 4));
            let left = buf.len() - at;
            let len = match self.0 {
                _ if (header..=left).contains(&len) => len,
                BadLength::Clamp if len > left => left,
                BadLength::TakeShort if len > 0 && len < header => header,
                _ => return Some(Parsed::Rejected(format!("cmsg_len {len} at {at}"))),
            };
            msgs.push(ParsedMessage {
                level,
                kind,
                payload: Payload::Bytes(bytes[header..len].to_vec()),
            });
            at = (at + sockcmsg::cmsg_space(len - header)).min(buf.len());
        }
        Some(Parsed::Messages(msgs))
    }
}

fn model() -> Model {
    Model::new(Layout::HOST)
}

/// The checks with a finding in `report`, in order, once each.
fn checks_with_findings(report: &sockcmsg::conformance::Report) -> Vec<&'static str> {
    let mut checks: Vec<&'static str> = report.findings.iter().map(|f| f.check).collect();
    checks.dedup();
    checks
}

/// The rule checks whose probes a parse that stops at 64 messages, or at
/// 4 KiB, answers wrongly even when it rejects: those where the model
/// accepts a large probe (a rejection is a right answer to the probes of
/// `hostile lengths` and `partial fd`, whose buffers the model, or its
/// decoder of rights, refuses).
fn rules_that_accept_large_probes() -> Vec<&'static str> {
    // Each has accepted crowds before its edge, whatever the alignment.
    let mut rules = vec!["tail", "unpadded last"];
    if Layout::HOST.scm_credentials().is_some() {
        // Credentials longer than 12 bytes.
        rules.push("short credentials");
    }
    rules.extend(["unknown types", "negative fds"]);
    rules
}

#[test]
fn a_parser_that_keeps_64_messages_is_caught_by_the_rule_probes_and_the_properties() {
    let report = Runner::new(&KeepsSixtyFour)
        .only(RULES.iter().copied().chain(["properties"]))
        .property_cases(512)
        .run();
    let mut expected = rules_that_accept_large_probes();
    expected.push("properties");
    assert_eq!(checks_with_findings(&report), expected, "{report}");
    for finding in &report.findings {
        assert!(model().walk(&finding.input).messages.len() > 64, "{report}");
    }
    // The properties' finding, shrunk: the least count that shows it.
    let shrunk = report.findings_of("properties").next().unwrap();
    assert_eq!(model().walk(&shrunk.input).messages.len(), 65, "{report}");
}

#[test]
fn a_parser_that_rejects_past_a_page_is_caught_by_the_rule_probes() {
    let report = Runner::new(&RejectsPastAPage).only(RULES).run();
    assert_eq!(
        checks_with_findings(&report),
        rules_that_accept_large_probes(),
        "{report}"
    );
    for finding in &report.findings {
        assert!(finding.input.len() > 4096, "{report}");
        assert!(finding.input.len() <= 131_072, "{report}");
    }
}

#[test]
fn a_parser_that_clamps_a_length_past_the_end_is_caught_by_hostile_lengths() {
    let report = Runner::new(&HandWalk(BadLength::Clamp)).only(RULES).run();
    // A header's worth of 0xff is a length past the end too.
    assert_eq!(
        checks_with_findings(&report),
        ["short input", "hostile lengths"],
        "{report}"
    );
    // Each finding is a length past the end: the walk is right elsewhere.
    for finding in &report.findings {
        assert!(
            finding.model.starts_with("rejected: LengthPastEnd"),
            "{report}"
        );
    }
    // Among them buffers of up to 128 KiB, where a clamp hides in the bulk.
    assert!(
        report.findings.iter().any(|f| f.input.len() > 4096),
        "{report}"
    );
}

/// Issue 20: the bytes after a hostile header were zeros, so a parser that
/// took a length below the header rejected the zero header after it, and
/// answered as the model does. A valid message after it shows it.
#[test]
fn a_parser_that_takes_a_length_below_the_header_is_caught_by_hostile_lengths() {
    let report = Runner::new(&HandWalk(BadLength::TakeShort))
        .only(RULES)
        .run();
    assert_eq!(
        checks_with_findings(&report),
        ["hostile lengths"],
        "{report}"
    );
    // Each finding is a length below the header, taken.
    for finding in &report.findings {
        assert!(
            finding.model.starts_with("rejected: LengthBelowHeader"),
            "{report}"
        );
        assert!(!finding.implementation.starts_with("rejected"), "{report}");
    }
}
