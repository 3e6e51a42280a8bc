//! A conformance harness any control-message implementation plugs into
//! (feature `conformance`): fill in [`Implementation`] for your parser or
//! encoder, hand it to a [`Runner`], and read the [`Report`]. Every answer
//! is compared with the reference model ([`crate::model`]); every
//! deviation is a [`Finding`] with the input in hex, the model's answer
//! and yours.
//!
//! From a downstream crate's `cargo test`, on stable:
//!
//! ```
//! use sockcmsg::conformance::{Implementation, Parsed, ParsedMessage, Runner};
//!
//! /// A parser to check: here sockcmsg's own, through its public API.
//! struct Mine;
//!
//! impl Implementation for Mine {
//!     fn name(&self) -> String {
//!         "mine".into()
//!     }
//!     fn parse(&self, buf: &[u8]) -> Option<Parsed> {
//!         Some(match sockcmsg::parse_socket_control_message(buf) {
//!             Ok(msgs) => Parsed::Messages(msgs.into_iter().map(ParsedMessage::from).collect()),
//!             Err(err) => Parsed::Rejected(err.to_string()),
//!         })
//!     }
//! }
//!
//! let report = Runner::new(&Mine).property_cases(16).run();
//! assert!(report.findings.is_empty(), "{report}");
//! ```
//!
//! Each case runs with unwinding panics caught; with
//! [`Isolation::Process`] (Linux) each runs in a child process with a time
//! limit, so that an implementation that aborts or never returns is
//! reported ("aborted: signal 6", "did not return within 200 ms") and the
//! run goes on. [`fuzz_against_model`] is the one line that turns an
//! implementation into a cargo-fuzz target.

mod report;
mod runner;

use crate::Layout;

pub use report::{CheckSummary, Finding, Report};
pub use runner::{fuzz_against_model, Isolation, Runner};

/// An implementation under test. Every method is optional: return `None`
/// for what it cannot do, and the checks that need it are reported as not
/// run.
pub trait Implementation: std::panic::RefUnwindSafe {
    /// The name in reports, such as `"nix 0.29"`.
    fn name(&self) -> String;

    /// The layout it parses and encodes: the host's unless said otherwise.
    fn layout(&self) -> Layout {
        Layout::HOST
    }

    /// Parses a whole control buffer, as a received one would be.
    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        let _ = buf;
        None
    }

    /// Encodes one `SCM_RIGHTS` message carrying `fds`.
    fn encode_rights(&self, fds: &[i32]) -> Option<Vec<u8>> {
        let _ = fds;
        None
    }

    /// Encodes one `SCM_CREDENTIALS` message (Linux).
    fn encode_credentials(&self, pid: i32, uid: u32, gid: u32) -> Option<Vec<u8>> {
        let _ = (pid, uid, gid);
        None
    }
}

/// What a parse answered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Parsed {
    /// The messages found, in order.
    Messages(Vec<ParsedMessage>),
    /// The buffer was rejected, with the implementation's reason.
    Rejected(String),
}

/// One message as an implementation parsed it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParsedMessage {
    /// `cmsg_level`.
    pub level: i32,
    /// `cmsg_type`.
    pub kind: i32,
    /// The data, without header or padding.
    pub data: Vec<u8>,
}

impl From<crate::SocketControlMessage<'_>> for ParsedMessage {
    /// A message sockcmsg parsed, for implementations built on it.
    fn from(msg: crate::SocketControlMessage<'_>) -> Self {
        ParsedMessage {
            level: msg.header.level,
            kind: msg.header.kind,
            data: msg.data.to_vec(),
        }
    }
}
