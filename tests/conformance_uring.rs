//! The runner's io_uring checks (`completions`, `forged completions`) on
//! test doubles that each break one rule the way a real parser does: each
//! is caught by the right check, on the inputs that show it, and nowhere
//! else. sockcmsg's own completion parser has no finding
//! (`tests/conformance.rs`).
#![cfg(target_os = "linux")]

use sockcmsg::conformance::{
    CompletionParts, Implementation, Parsed, ParsedCompletion, ParsedMessage, Report, Runner,
    COMPLETION_CHECKS,
};
use sockcmsg::model::Model;
use sockcmsg::uring::RecvmsgOut;
use sockcmsg::Layout;

/// sockcmsg's split and parse of the control bytes, but a message for
/// which `drop` says so (given where it starts, the space it takes with
/// its padding, and the control bytes' length) ends the walk, unreported.
fn split(out: &RecvmsgOut<'_>, drop: impl Fn(usize, usize, usize) -> bool) -> ParsedCompletion {
    let mut msgs = Vec::new();
    let mut at = 0;
    for msg in out.messages() {
        let Ok(msg) = msg else {
            return ParsedCompletion::Rejected("a bad message".into());
        };
        let space = Layout::HOST.cmsg_space(msg.data.len());
        if drop(at, space, out.control.len()) {
            break;
        }
        at += space;
        msgs.push(ParsedMessage::from(msg));
    }
    ParsedCompletion::Split(CompletionParts {
        name: out.name.to_vec(),
        control: Parsed::Messages(msgs),
        payload: out.payload.to_vec(),
        name_truncated: None,
        control_truncated: None,
        payload_truncated: None,
    })
}

/// sockcmsg's split of `buf`, its messages walked by [`split`] with
/// `drop`; sockcmsg's rejection otherwise.
fn split_buffer(
    buf: &[u8],
    name_len: u32,
    control_len: u32,
    drop: impl Fn(usize, usize, usize) -> bool,
) -> ParsedCompletion {
    match sockcmsg::parse_recvmsg_out(buf, name_len, control_len) {
        Ok(out) => split(&out, drop),
        Err(err) => ParsedCompletion::Rejected(err.to_string()),
    }
}

/// Clamps a `controllen` past its region to the region, as the `io-uring`
/// crate's `RecvMsgOut::parse` does, instead of rejecting it.
struct ClampsControlLen;

impl Implementation for ClampsControlLen {
    fn name(&self) -> String {
        "clamps controllen".into()
    }
    fn parse_completion(
        &self,
        buf: &[u8],
        name_len: u32,
        control_len: u32,
    ) -> Option<ParsedCompletion> {
        let mut buf = buf.to_vec();
        if let Some(field) = buf.get_mut(4..8) {
            let controllen = u32::from_ne_bytes(field.try_into().unwrap());
            field.copy_from_slice(&controllen.min(control_len).to_ne_bytes());
        }
        Some(split_buffer(&buf, name_len, control_len, |_, _, _| false))
    }
}

/// Stops before a message whose padding runs past the control bytes, as
/// liburing's `io_uring_recvmsg_cmsg_nexthdr` does: the kernel's unpadded
/// last message is lost, with its fds.
struct DropsUnpaddedLast;

impl Implementation for DropsUnpaddedLast {
    fn name(&self) -> String {
        "drops an unpadded last message".into()
    }
    fn parse_completion(
        &self,
        buf: &[u8],
        name_len: u32,
        control_len: u32,
    ) -> Option<ParsedCompletion> {
        Some(split_buffer(
            buf,
            name_len,
            control_len,
            |at, space, len| at > 0 && at + space > len,
        ))
    }
}

/// Panics on a control region not aligned for `cmsghdr`, as compio's
/// `CMsgIter::new` does.
struct NeedsAlignedControl;

impl Implementation for NeedsAlignedControl {
    fn name(&self) -> String {
        "needs aligned control".into()
    }
    fn parse_completion(
        &self,
        buf: &[u8],
        name_len: u32,
        control_len: u32,
    ) -> Option<ParsedCompletion> {
        let out = sockcmsg::parse_recvmsg_out(buf, name_len, control_len).ok()?;
        let align = Model::new(Layout::HOST).align() as usize;
        let aligned = out.control.as_ptr() as usize % align == 0;
        assert!(aligned, "a misaligned control buffer");
        Some(split(&out, |_, _, _| false))
    }
}

fn run(implementation: &dyn Implementation) -> Report {
    Runner::new(implementation).only(COMPLETION_CHECKS).run()
}

/// The submission's region sizes and the buffer of a finding's input.
fn case(input: &[u8]) -> (u32, u32, &[u8]) {
    let word = |at: usize| u32::from_le_bytes(input[at..at + 4].try_into().unwrap());
    (word(0), word(4), &input[8..])
}

#[test]
fn a_clamped_controllen_is_a_forged_completion_finding_only() {
    let report = run(&ClampsControlLen);
    assert_eq!(report.findings_of("completions").count(), 0, "{report}");
    assert!(
        report.findings_of("forged completions").count() > 0,
        "{report}"
    );
    for finding in &report.findings {
        let (_, control_len, buf) = case(&finding.input);
        let controllen = u32::from_ne_bytes(buf[4..8].try_into().unwrap());
        assert!(controllen > control_len, "{report}");
        assert!(finding.model.contains("ControlLenPastRegion"), "{report}");
    }
}

/// 64-bit only: with a 32-bit header every message's data is a multiple of
/// its 4-byte alignment, so no message lacks padding.
#[cfg(target_pointer_width = "64")]
#[test]
fn a_lost_unpadded_last_message_is_found_in_what_the_kernel_writes() {
    let report = run(&DropsUnpaddedLast);
    let model = Model::new(Layout::HOST);
    let found: Vec<_> = report.findings_of("completions").collect();
    assert!(!found.is_empty(), "{report}");
    for finding in found {
        let (name_len, control_len, buf) = case(&finding.input);
        let parts = model
            .uring_parse(buf, name_len.into(), control_len.into())
            .unwrap();
        let walk = model.walk(&buf[parts.control.clone()]);
        let msgs = walk.result().unwrap();
        assert!(msgs.len() >= 2, "{report}");
        let last = msgs.last().unwrap();
        let unpadded = last.data_at + model.align_up(last.data_len);
        assert!(parts.control.len() < unpadded as usize, "{report}");
    }
}

/// 64-bit only: a 32-bit header's 4-byte alignment holds after 28 bytes.
#[cfg(target_pointer_width = "64")]
#[test]
fn a_panic_on_an_unaligned_control_region_is_found_after_a_28_byte_name() {
    let report = run(&NeedsAlignedControl);
    let found: Vec<_> = report.findings_of("completions").collect();
    assert!(!found.is_empty(), "{report}");
    for finding in &report.findings {
        assert!(
            finding.implementation.contains("misaligned control buffer"),
            "{report}"
        );
        let (name_len, _, _) = case(&finding.input);
        assert_ne!((16 + name_len) % 8, 0, "{report}");
    }
}
