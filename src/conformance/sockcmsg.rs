//! sockcmsg itself as an [`Implementation`]: the first one plugged into the
//! runner, and the reference row of a table of peers.

#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::BorrowedFd;

use super::{
    CompletionParts, Implementation, Parsed, ParsedCompletion, ParsedMessage, Payload, TypedParsed,
};
#[cfg(any(target_os = "linux", target_os = "android"))]
use super::{HandedBack, HandedFd};
use crate::model::{FieldClass, TypedField};
use crate::typed::{Direction, TypedKind, TypedMessage};
use crate::{Error, Layout, SocketControlMessage};

/// sockcmsg through its public API, as its users call it: the walk that
/// allocates nothing ([`messages`](crate::messages)), each message decoded
/// (rights as fds, credentials on Linux, anything else as bytes), the
/// encoders, and [`socket::recv`](crate::socket::recv).
///
/// ```
/// use sockcmsg::conformance::{Runner, Sockcmsg};
///
/// let report = Runner::new(&Sockcmsg).property_cases(8).run();
/// assert!(report.findings.is_empty(), "{report}");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sockcmsg;

impl Implementation for Sockcmsg {
    fn name(&self) -> String {
        "sockcmsg".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        Some(parse_messages(crate::messages(buf)))
    }

    /// Each message's [`Layout::decode_typed`]: a message it refuses (a
    /// width or value no system writes) gives nothing.
    fn parse_typed(&self, buf: &[u8]) -> Option<TypedParsed> {
        let mut fields = Vec::new();
        for msg in crate::messages(buf) {
            match msg {
                Ok(msg) => {
                    if let Ok(Some(typed)) = Layout::HOST.decode_typed(&msg) {
                        fields.push(TypedField::Message(typed));
                    }
                }
                Err(err) => return Some(TypedParsed::Rejected(err.to_string())),
            }
        }
        Some(TypedParsed::Fields(fields))
    }

    fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
        let mut classes: Vec<(TypedKind, FieldClass)> = Layout::HOST
            .typed_numbers()
            .map(|(kind, _, _)| (kind, FieldClass::Message(kind)))
            .collect();
        classes.dedup();
        classes
    }

    fn parse_completion(
        &self,
        buf: &[u8],
        name_len: u32,
        control_len: u32,
    ) -> Option<ParsedCompletion> {
        Some(match crate::parse_recvmsg_out(buf, name_len, control_len) {
            Ok(out) => ParsedCompletion::Split(CompletionParts {
                name: out.name.to_vec(),
                control: parse_messages(out.messages()),
                payload: out.payload.to_vec(),
                name_truncated: Some(out.name_truncated()),
                control_truncated: Some(out.control_truncated()),
                payload_truncated: Some(out.payload_truncated()),
            }),
            Err(err) => ParsedCompletion::Rejected(err.to_string()),
        })
    }

    fn encode_rights(&self, fds: &[i32]) -> Option<Vec<u8>> {
        crate::unix_rights(fds).ok()
    }

    fn encode_credentials(&self, pid: i32, uid: u32, gid: u32) -> Option<Vec<u8>> {
        Layout::HOST
            .unix_credentials(&crate::Ucred { pid, uid, gid })
            .ok()
    }

    /// [`Layout::typed_payload`] for sending, encoded as one message.
    fn encode_typed(&self, msg: &TypedMessage) -> Option<Vec<u8>> {
        let payload = Layout::HOST.typed_payload(msg, Direction::Send).ok()?;
        crate::encode(&[payload.control_message()]).ok()
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn receive(
        &self,
        sock: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let mut control = crate::socket::ControlBuffer::with_len(control_len);
        Some(handed_back(crate::socket::recv(
            sock,
            &mut [0; 1],
            &mut control,
        )))
    }

    /// [`socket::recv`](crate::socket::recv), then the control bytes
    /// decoded as [`parse_typed`](Implementation::parse_typed) does.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn receive_typed(
        &self,
        sock: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<TypedParsed, String>> {
        let mut control = crate::socket::ControlBuffer::with_len(control_len);
        match crate::socket::recv(sock, &mut [0; 1], &mut control) {
            Ok(received) => self.parse_typed(received.control()).map(Ok),
            Err(err) => Some(Err(err.to_string())),
        }
    }
}

/// The messages of a walk, each decoded as its users decode it; or the
/// first error.
fn parse_messages(walk: crate::Messages<'_>) -> Parsed {
    let decoded: Result<Vec<ParsedMessage>, Error> =
        walk.map(|msg| msg.and_then(|msg| decode(&msg))).collect();
    match decoded {
        Ok(msgs) => Parsed::Messages(msgs),
        Err(err) => Parsed::Rejected(err.to_string()),
    }
}

/// A message as its users decode it.
fn decode(msg: &SocketControlMessage<'_>) -> Result<ParsedMessage, Error> {
    let payload = match Layout::HOST.parse_unix_rights(msg) {
        Ok(fds) => Payload::Fds(fds),
        Err(Error::UnexpectedMessage { .. }) => match Layout::HOST.parse_unix_credentials(msg) {
            Ok(cred) => Payload::Credentials {
                pid: cred.pid,
                uid: cred.uid,
                gid: cred.gid,
            },
            Err(Error::UnexpectedMessage { .. } | Error::CredentialsUnsupported { .. }) => {
                Payload::Bytes(msg.data.to_vec())
            }
            Err(err) => return Err(err),
        },
        Err(err) => return Err(err),
    };
    Ok(ParsedMessage {
        level: msg.header.level,
        kind: msg.header.kind,
        payload,
    })
}

/// sockcmsg's async receive on tokio
/// ([`socket::asynchronous::recv`](crate::socket::asynchronous::recv)),
/// for the runner's receive checks (`fds`, `cloexec`): the runner's socket
/// registered with tokio in an `AsyncFd`, on a current-thread runtime
/// built when the adapter is made (as a user's runtime exists before its
/// receive; a current-thread runtime has no thread for the runner's fork
/// to lose).
///
/// ```
/// use sockcmsg::conformance::{Runner, SockcmsgTokio};
///
/// let report = Runner::new(&SockcmsgTokio::new()?).only(["fds"]).run();
/// assert!(report.findings.is_empty(), "{report}");
/// # Ok::<(), std::io::Error>(())
/// ```
#[cfg(all(feature = "tokio", any(target_os = "linux", target_os = "android")))]
#[derive(Debug)]
pub struct SockcmsgTokio {
    runtime: std::panic::AssertUnwindSafe<tokio::runtime::Runtime>,
}

#[cfg(all(feature = "tokio", any(target_os = "linux", target_os = "android")))]
impl SockcmsgTokio {
    /// The adapter and its runtime.
    pub fn new() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()?;
        Ok(SockcmsgTokio {
            runtime: std::panic::AssertUnwindSafe(runtime),
        })
    }
}

#[cfg(all(feature = "tokio", any(target_os = "linux", target_os = "android")))]
impl Implementation for SockcmsgTokio {
    fn name(&self) -> String {
        "sockcmsg (tokio)".to_owned()
    }

    fn receive(
        &self,
        sock: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        use crate::socket::asynchronous;
        let _context = self.runtime.enter();
        let sock = match asynchronous::register(sock) {
            Ok(sock) => sock,
            Err(err) => return Some(Err(err.to_string())),
        };
        let control = crate::socket::ControlBuffer::with_len(control_len);
        let mut data = [0; 1];
        let received = asynchronous::recv(&sock, &mut data, control);
        Some(handed_back(self.runtime.block_on(received)))
    }
}

/// What a receive hands back, as the runner reads it.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn handed_back<C>(
    received: std::io::Result<crate::socket::Received<C>>,
) -> Result<HandedBack, String> {
    received
        .map(|received| HandedBack {
            truncated: Some(received.control_truncated),
            fds: received.fds.into_iter().map(HandedFd::Owned).collect(),
            control_len: None,
        })
        .map_err(|err| err.to_string())
}
