//! A deliberately wrong parser plugged into the conformance runner: it
//! rejects a buffer with a short tail (fewer bytes than a header after the
//! last message), which Go, the kernel and the model ignore.
//!
//! `cargo run --example wrong_parser --features conformance` prints what
//! the runner finds; `tests/conformance.rs` asserts it.

use sockcmsg::conformance::{Implementation, Parsed, ParsedMessage, Runner};

/// Parses with sockcmsg, then refuses any byte past the last message.
pub struct RejectsShortTails;

impl Implementation for RejectsShortTails {
    fn name(&self) -> String {
        "rejects-short-tails".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        let msgs = match sockcmsg::parse_socket_control_message(buf) {
            Ok(msgs) => msgs,
            Err(err) => return Some(Parsed::Rejected(err.to_string())),
        };
        let used: usize = msgs
            .iter()
            .map(|msg| sockcmsg::cmsg_space(msg.data.len()))
            .sum();
        if used < buf.len() {
            return Some(Parsed::Rejected(format!(
                "{} bytes after the last message",
                buf.len() - used
            )));
        }
        Some(Parsed::Messages(
            msgs.into_iter().map(ParsedMessage::from).collect(),
        ))
    }
}

#[allow(
    dead_code,
    reason = "tests/conformance.rs includes this file for the parser"
)]
fn main() {
    let report = Runner::new(&RejectsShortTails).property_cases(64).run();
    print!("{report}");
}
