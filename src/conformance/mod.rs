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
//! run goes on. Runs may share a test binary with other tests and other
//! runs on other threads, as `cargo test` runs them: a run's report is the
//! one it gives alone, and a test binary killed mid-case takes the case's
//! child with it. [`fuzz_against_model`] is the one line that turns an
//! implementation into a cargo-fuzz target; [`fuzz_skipping_rules`] passes
//! over the inputs of rules it is known to break, and a target's panic
//! names the rules its input exercises. [`fuzz_typed_skipping_rules`] is
//! the same for a decoder of typed messages, with the rules of
//! [`TYPED_RULES`].
//!
//! The `properties` check draws its buffers from a seed: [`DEFAULT_SEED`],
//! so that two runs report the same, unless [`Runner::seed`] or the
//! environment variable [`SEED_VARIABLE`] gives another; the report shows
//! it, to run the same cases again.
//!
//! # Where the implementation lives
//!
//! The tests and a fuzz target share one [`Implementation`], so it lives in
//! your library, behind a feature (a module of `tests/` cannot be reached
//! from `fuzz/`):
//!
//! ```text
//! my-parser/
//!   Cargo.toml                  [features] conformance = ["dep:sockcmsg"]
//!                               [dependencies] sockcmsg = { version = "0.1", features = ["conformance"], optional = true }
//!                               [dev-dependencies] my-parser = { path = ".", features = ["conformance"] }
//!   src/lib.rs                  #[cfg(feature = "conformance")] pub mod conformance;
//!   src/conformance.rs          pub struct MyParser; impl sockcmsg::conformance::Implementation for MyParser { ... }
//!   tests/conformance.rs        Runner::new(&my_parser::conformance::MyParser).run()
//!   fuzz/Cargo.toml             my-parser = { path = "..", features = ["conformance"] }
//!   fuzz/fuzz_targets/model.rs  fuzz_target!(|data: &[u8]| fuzz_against_model(&my_parser::conformance::MyParser, data));
//! ```
//!
//! The dev-dependency of the crate on itself turns the feature on for its
//! own tests, so plain `cargo test` runs them; a user of the library never
//! builds sockcmsg.
//!
//! The checks, by name in the report. One per rule of the format, each on
//! buffers at its edges built with the model: `short input` (less than a
//! header), `tail` (bytes after the last message, fewer than a header),
//! `unpadded last`, `hostile lengths` (a `cmsg_len` at and around every
//! bound, up to `u64::MAX`), `partial fd`, `short credentials` (and longer
//! ones), `unknown types` (kept, not dropped), `negative fds`. Each but
//! `short input` also puts its rule's edge after 255, 256, 257 and 1,000
//! valid messages (rights of 0 to 7 fds, and credentials on Linux layouts;
//! for `unknown types`, also unknown levels and types and empty data), and
//! at the end of a buffer of up to 131,072 bytes, Linux's
//! `net.core.optmem_max`, the most control data `sendmsg` takes (credentials
//! and `SCM_RIGHTS` messages of 253 fds); `tail`, `hostile lengths`,
//! `partial fd`, `short credentials` and `unknown types` also probe one
//! message of about 128 KiB. `hostile lengths` puts each length on a header
//! alone with zeros to the end, after a valid message, and between two, so
//! that a length taken shows in the message after it. That is 192 probes on
//! linux-64, the largest 131,072 bytes and 1,001 messages. Then
//! `unaligned` (every probe again at an odd address), `go-vectors` (Go
//! 1.19's 2,541 inputs, up to about 2,100 bytes), `corpus` (folders of
//! buffers), `properties` (the crate's proptest strategies: up to 8
//! messages of up to 253 fds or 512 bytes each, and one buffer in 16 with up
//! to 600 small messages, mostly hundreds, up to about 20 KiB; the first
//! deviation shrunk to the fewest messages and bytes that still show it,
//! for up to 20 s), `kernel` (buffers the kernel wrote, up to about 1 KiB:
//! 253 fds and credentials), `encoders` (bytes against the model's), `fds`
//! (Linux: fds
//! received through a real socket into control buffers of every size from
//! 0 to past full, and at `RLIMIT_NOFILE`; each case in a child process
//! that counts its open descriptors before and after the implementation's
//! result is dropped, and compares what was handed back and the truncation
//! reported, for the control buffer the receive used, with
//! [`Model::kernel_receive`](crate::model::Model::kernel_receive):
//! a leak, a foreign or repeated fd, a wrong `MSG_CTRUNC`, installed fds
//! dropped without a word) and `cloexec` (the same receives: is every fd
//! handed back close-on-exec, as `MSG_CMSG_CLOEXEC` makes it, by default?),
//! and `forged receives` (Linux 5.9 or later): the same receive call, its
//! `recvmsg` answered through seccomp user notification with a control
//! buffer Linux never writes (every rule probe, the corpus and a sample of
//! the strategies' buffers), a real fd installed at each fd slot of the
//! model's walk ([`Model::forged_fd_slots`](crate::model::Model::forged_fd_slots)):
//! a crash, a hang, an fd leaked, closed or handed back that was not
//! installed, and installed fds dropped in silence from a buffer the model
//! accepts are findings.
//!
//! For a parser of io_uring's multishot recvmsg completions
//! ([`Implementation::parse_completion`]), two more ([`COMPLETION_CHECKS`]):
//! `completions` (what the kernel writes, by
//! [`Model::uring_receive`](crate::model::Model::uring_receive): name
//! regions of 0, 16, 28 and 110 bytes, the credentials and up to 7 fds into
//! control regions at every edge of each message, the payload whole and
//! cut) and `forged completions` (a short buffer, a `controllen` past its
//! region, a header longer than `controllen`, a `payloadlen` past the
//! buffer or short of it, and every rule probe as the control region).
//! Each answer is compared with
//! [`Model::uring_parse`](crate::model::Model::uring_parse), its control
//! messages as a parse's are. A finding's input is the submission's
//! `msg_namelen` and `msg_controllen` (little-endian `u32`s), then the
//! buffer.
//!
//! For a decoder of typed IP and UDP messages
//! ([`Implementation::parse_typed`]), two more ([`TYPED_CHECKS`]): `typed
//! probes` (for each typed kind of the layout's system, buffers built with
//! the model at the edges of its value, its width and its level, beside
//! other messages and unpadded) and `typed corpus` (the corpus folders),
//! the values given compared with
//! [`Model::buffer_fields`](crate::model::Model::buffer_fields).
//!
// Off Linux the variant does not exist: the link goes to the enum.
#![cfg_attr(
    not(any(target_os = "linux", target_os = "android")),
    doc = "[`Isolation::Process`]: Isolation"
)]

mod compare;
mod completion;
#[cfg(any(target_os = "linux", target_os = "android"))]
mod fd_ownership;
#[cfg(target_os = "linux")]
mod forged;
mod inputs;
mod report;
mod runner;
mod sockcmsg;
mod typed;
mod typed_inputs;
mod typed_send;
mod wire;

#[cfg(any(target_os = "linux", target_os = "android"))]
use std::net::SocketAddr;
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::{BorrowedFd, OwnedFd, RawFd};

use crate::model::FieldClass;
use crate::typed::{TypedKind, TypedMessage};
use crate::Layout;

pub use completion::{CompletionParts, ParsedCompletion, COMPLETION_CHECKS};
pub use inputs::rules_exercised;
pub use report::{CheckSummary, Finding, Report};
pub use runner::{
    fuzz_against_model, fuzz_skipping_rules, Isolation, Runner, DEFAULT_SEED, SEED_VARIABLE,
};
pub use sockcmsg::Sockcmsg;
#[cfg(all(feature = "tokio", any(target_os = "linux", target_os = "android")))]
pub use sockcmsg::SockcmsgTokio;
pub use typed::{fuzz_typed_skipping_rules, TypedParsed, TYPED_CHECKS};
pub use typed_inputs::{typed_finding_rules, typed_rules_exercised};

/// The checks of the rules of the format, one per rule, each on buffers
/// at its edges: the first of [`CHECKS`], and what [`rules_exercised`]
/// names.
pub const RULES: [&str; 8] = [
    "short input",
    "tail",
    "unpadded last",
    "hostile lengths",
    "partial fd",
    "short credentials",
    "unknown types",
    "negative fds",
];

/// The rules of typed messages, each a family of the `typed probes`
/// check's buffers, what [`typed_rules_exercised`] names: a message at a
/// level and type the system types, of no width its C type has (`typed
/// width`), or of a value its type does not hold, an address of another
/// family or an interface index past `i32::MAX` (`typed value`); a
/// message at the IP, IPv6 or UDP level of a type the system does not type
/// there (`other IP types`: a typed type on the wrong level among them);
/// two messages of one level and type (`typed twice`); a typed message
/// after a message without data (`typed after empty`) or after one with
/// data the system does not type (`typed after other`).
pub const TYPED_RULES: [&str; 6] = [
    "typed width",
    "typed value",
    "other IP types",
    "typed twice",
    "typed after empty",
    "typed after other",
];

/// Every check a run may report, by name, in the order it runs them.
pub const CHECKS: [&str; 17] = [
    RULES[0],
    RULES[1],
    RULES[2],
    RULES[3],
    RULES[4],
    RULES[5],
    RULES[6],
    RULES[7],
    "unaligned",
    "go-vectors",
    "corpus",
    "properties",
    "kernel",
    "encoders",
    "fds",
    "cloexec",
    "forged receives",
];

/// Whether the inputs of `check` are control buffers (all but `encoders`,
/// `typed encoders`, `fds` and `cloexec`, whose inputs are descriptions of
/// the case).
pub fn reads_buffers(check: &str) -> bool {
    !matches!(check, "encoders" | "typed encoders" | "fds" | "cloexec")
}

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

    /// Splits `buf`, an io_uring multishot `IORING_OP_RECVMSG` completion
    /// (the provided buffer's first `res` bytes) of a submission whose
    /// `msghdr` has `name_len` bytes of name and `control_len` of control,
    /// as its users do, and parses its control bytes: the
    /// `completions` and `forged completions` checks
    /// ([`COMPLETION_CHECKS`]) compare the answer with
    /// [`Model::uring_parse`](crate::model::Model::uring_parse).
    fn parse_completion(
        &self,
        buf: &[u8],
        name_len: u32,
        control_len: u32,
    ) -> Option<ParsedCompletion> {
        let _ = (buf, name_len, control_len);
        None
    }

    /// Decodes the typed messages (IP and UDP: TOS, `PKTINFO`, GRO,
    /// timestamps, ...) of a whole control buffer as its users get them:
    /// the values it gives ([`TypedField`](crate::model::TypedField)s: whole messages, or what a
    /// stack's struct keeps of them), or its error. The `typed` checks
    /// ([`TYPED_CHECKS`]) compare them with
    /// [`Model::buffer_fields`](crate::model::Model::buffer_fields).
    fn parse_typed(&self, buf: &[u8]) -> Option<TypedParsed> {
        let _ = buf;
        None
    }

    /// The classes of values [`parse_typed`](Self::parse_typed) takes,
    /// each from a kind of message: from a buffer the model accepts that
    /// holds a message of that kind, giving no value of the class is a
    /// finding.
    fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
        Vec::new()
    }

    /// Encodes `msg` to send it, as the implementation's users do: its
    /// control bytes, or `None` where it cannot send that message (a kind,
    /// or a value, its API has no way to give). The `typed encoders` check
    /// compares them with the model's ([`Model::typed_bytes`]).
    ///
    /// [`Model::typed_bytes`]: crate::model::Model::typed_bytes
    fn encode_typed(&self, msg: &TypedMessage) -> Option<Vec<u8>> {
        let _ = msg;
        None
    }

    /// Sends one datagram on `socket` (a UDP socket bound on loopback, of
    /// `to`'s family) to `to` with `msg` as its control message, the way
    /// the implementation's users do: what the send returned, or `None`
    /// where it cannot send that message. For an implementation without
    /// [`encode_typed`](Self::encode_typed), the `typed encoders` check
    /// captures the control bytes of its `sendmsg` (Linux 5.9 or later:
    /// `sys/forge.rs`) and compares them with the model's.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn send_typed(
        &self,
        socket: BorrowedFd<'_>,
        to: SocketAddr,
        msg: &TypedMessage,
    ) -> Option<Result<(), String>> {
        let _ = (socket, to, msg);
        None
    }

    /// Receives the one datagram waiting on `socket` (a UDP socket on
    /// loopback) with a control buffer of `control_len` bytes, the way the
    /// implementation's users do, and gives the typed values its caller
    /// gets, as [`parse_typed`](Self::parse_typed) does; an `Err` with the
    /// implementation's error otherwise. The `typed forged receives` check
    /// (Linux) answers its `recvmsg` with the typed probes.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn receive_typed(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<TypedParsed, String>> {
        let _ = (socket, control_len);
        None
    }

    /// Receives the one datagram waiting on `socket` (a Unix datagram
    /// socket, `SO_PASSCRED` on or off, one data byte and some fds sent)
    /// with a control buffer of `control_len` bytes, the way the
    /// implementation's users do, and hands back what its caller gets; an
    /// `Err` with the implementation's error otherwise. The fd-ownership
    /// check (Linux) counts the process's descriptors around it.
    ///
    /// An implementation whose API sizes the buffer itself (from a number
    /// of fds, or always the same) receives with the size nearest
    /// `control_len` it can have and says which in
    /// [`HandedBack::control_len`]: the kernel's side of the case is then
    /// that size's.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let _ = (socket, control_len);
        None
    }
}

/// What a receive hands its caller: the descriptors, and whether it said
/// the control data was cut short.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[derive(Debug, Default)]
pub struct HandedBack {
    /// The descriptors the caller gets.
    pub fds: Vec<HandedFd>,
    /// Whether the implementation reported `MSG_CTRUNC`; `None` if it has
    /// no way to say.
    pub truncated: Option<bool>,
    /// The size of the control buffer the receive used, when it is not the
    /// `control_len` asked for (an API that sizes its own buffer); `None`:
    /// the size asked for.
    pub control_len: Option<usize>,
}

/// A descriptor handed to the caller.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[derive(Debug)]
pub enum HandedFd {
    /// Owned: closed when dropped.
    Owned(OwnedFd),
    /// A bare number the caller must close (as `nix`'s `recvmsg` returns
    /// them). The runner closes each once, in the child process the check
    /// runs in, after checking that it is open and is a descriptor that was
    /// sent.
    Raw(RawFd),
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
    /// What the implementation gives of the message's data.
    pub payload: Payload,
}

/// A message's data as an implementation gives it: the bytes, or decoded
/// when it decodes that type. The runner checks a decoded payload with the
/// model's decoder of its type ([`Model::rights`](crate::model::Model::rights),
/// [`Model::credentials`](crate::model::Model::credentials)), so a partial
/// fd dropped or short credentials read are findings.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Payload {
    /// The data, without header or padding.
    Bytes(Vec<u8>),
    /// An `SCM_RIGHTS` message's fds.
    Fds(Vec<i32>),
    /// An `SCM_CREDENTIALS` message's pid, uid and gid.
    Credentials {
        /// The sender's process id.
        pid: i32,
        /// Its user id.
        uid: u32,
        /// Its group id.
        gid: u32,
    },
}

impl From<crate::SocketControlMessage<'_>> for ParsedMessage {
    /// A message sockcmsg parsed, as bytes, for implementations built on it.
    fn from(msg: crate::SocketControlMessage<'_>) -> Self {
        ParsedMessage {
            level: msg.header.level,
            kind: msg.header.kind,
            payload: Payload::Bytes(msg.data.to_vec()),
        }
    }
}
