//! The typed checks on test doubles of the two shapes of typed decoders: a
//! decoder of each message that reads `UDP_GRO` as a `u16` whatever its
//! length (nix before 0.29, nix#2403), and a stack's struct that keeps the
//! ECN bits of whichever TOS it sees (as quinn and s2n-quic do); and an
//! encoder that sends a TOS as one byte. Each is found exactly where it
//! parts from the model, and sockcmsg is not.
// The numbers are Linux's; the doubles read little-endian.
#![cfg(all(target_os = "linux", target_endian = "little"))]

use sockcmsg::conformance::{Implementation, Runner, Sockcmsg, TypedParsed, TYPED_CHECKS};
use sockcmsg::model::{FieldClass, Model, TypedField};
use sockcmsg::socket::{self, SendMessage, SendOptions, SockAddr};
use sockcmsg::typed::{TypedKind, TypedMessage, TypedPayload};
use sockcmsg::Layout;
use std::io::IoSlice;
use std::net::SocketAddr;
use std::os::fd::BorrowedFd;

/// Linux's `SOL_UDP`, `UDP_GRO`, `IPPROTO_IP` and `IP_TOS`.
const SOL_UDP: i32 = 17;
const UDP_GRO: i32 = 104;
const IP_TOS: i32 = 1;

/// Each message's data, with its level and type, or the walk's error.
fn each_message(buf: &[u8]) -> Result<Vec<(i32, i32, Vec<u8>)>, String> {
    sockcmsg::messages(buf)
        .map(|msg| {
            msg.map(|msg| (msg.header.level, msg.header.kind, msg.data.to_vec()))
                .map_err(|err| err.to_string())
        })
        .collect()
}

/// Reads a `UDP_GRO` payload's first two bytes, zero-filled when shorter.
struct GroAsU16;

impl Implementation for GroAsU16 {
    fn name(&self) -> String {
        "gro as u16".into()
    }

    fn parse_typed(&self, buf: &[u8]) -> Option<TypedParsed> {
        Some(match each_message(buf) {
            Ok(msgs) => TypedParsed::Fields(
                msgs.into_iter()
                    .filter(|(level, kind, _)| (*level, *kind) == (SOL_UDP, UDP_GRO))
                    .map(|(_, _, data)| {
                        let low = [data.first(), data.get(1)].map(|b| b.copied().unwrap_or(0));
                        TypedField::Message(TypedMessage::UdpGro(u16::from_le_bytes(low)))
                    })
                    .collect(),
            ),
            Err(err) => TypedParsed::Rejected(err),
        })
    }

    fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
        vec![(TypedKind::UdpGro, FieldClass::Message(TypedKind::UdpGro))]
    }
}

/// Keeps the ECN bits of the last `IP_TOS`, of any width, from its first
/// byte.
struct EcnOfAnyTos;

impl Implementation for EcnOfAnyTos {
    fn name(&self) -> String {
        "ecn of any tos".into()
    }

    fn parse_typed(&self, buf: &[u8]) -> Option<TypedParsed> {
        Some(match each_message(buf) {
            Ok(msgs) => TypedParsed::Fields(
                msgs.into_iter()
                    .filter(|(level, kind, _)| (*level, *kind) == (0, IP_TOS))
                    .filter_map(|(_, _, data)| data.first().map(|tos| TypedField::Ecn(tos & 3)))
                    .next_back()
                    .into_iter()
                    .collect(),
            ),
            Err(err) => TypedParsed::Rejected(err),
        })
    }

    fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
        vec![(TypedKind::Tos, FieldClass::Ecn)]
    }
}

/// The payloads of the level and type that each finding's input holds.
fn payloads_found(implementation: &dyn Implementation, level: i32, kind: i32) -> Vec<Vec<u8>> {
    let report = Runner::new(implementation).only(TYPED_CHECKS).run();
    assert!(
        report.checks.iter().any(|check| check.cases > 0),
        "{report}"
    );
    let mut found: Vec<Vec<u8>> = report
        .findings
        .iter()
        .flat_map(|finding| each_message(&finding.input).unwrap_or_default())
        .filter(|(l, k, _)| (*l, *k) == (level, kind))
        .map(|(_, _, data)| data)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn a_gro_read_as_u16_is_found_on_every_width_but_an_ints_and_past_u16() {
    let model = Model::new(Layout::HOST);
    let found = payloads_found(&GroAsU16, SOL_UDP, UDP_GRO);
    assert!(!found.is_empty());
    for data in &found {
        assert!(
            model.typed(SOL_UDP, UDP_GRO, data).is_err(),
            "a GRO the model reads is read right: {data:?}"
        );
    }
    // The int past u16's range, misread as 0.
    assert!(
        found.contains(&65_536i32.to_le_bytes().to_vec()),
        "{found:?}"
    );
    // Both a short one (2 bytes: the u16 nix used to send back) and a
    // long one.
    assert!(found.iter().any(|data| data.len() == 2), "{found:?}");
    assert!(found.iter().any(|data| data.len() > 4), "{found:?}");
}

#[test]
fn ecn_taken_from_a_tos_the_model_refuses_is_found_and_from_one_it_reads_is_not() {
    let model = Model::new(Layout::HOST);
    let found = payloads_found(&EcnOfAnyTos, 0, IP_TOS);
    assert!(!found.is_empty());
    for data in &found {
        assert!(
            model.typed(0, IP_TOS, data).is_err(),
            "a TOS the model reads is no finding: {data:?}"
        );
    }
    // An int TOS past 255, whose first byte is a valid TOS.
    assert!(found.contains(&256i32.to_le_bytes().to_vec()), "{found:?}");
}

/// Sends a TOS as one byte (Linux 6.12 takes it, kernels before e895cdce
/// refuse it), and every other message as sockcmsg does.
struct TosAsByte;

impl Implementation for TosAsByte {
    fn name(&self) -> String {
        "tos as byte".into()
    }

    fn encode_typed(&self, msg: &TypedMessage) -> Option<Vec<u8>> {
        match msg {
            TypedMessage::Tos(tos) => {
                Some(Model::new(Layout::HOST).encode([(0, IP_TOS, &[*tos][..])]))
            }
            other => Sockcmsg.encode_typed(other),
        }
    }
}

/// Runs the `typed encoders` check on `implementation`, and asserts that
/// its findings are on the TOS values sent, the ordinary one and its edges
/// 0, 3 and 255, and nothing else, out of more than 10 cases, each saying
/// that Linux takes the byte.
fn found_on_every_tos_alone(implementation: &dyn Implementation) {
    let report = Runner::new(implementation).only(["typed encoders"]).run();
    let inputs: Vec<String> = report
        .findings
        .iter()
        .map(|found| String::from_utf8_lossy(&found.input).into_owned())
        .collect();
    assert_eq!(
        inputs,
        ["Tos(185)", "Tos(0)", "Tos(3)", "Tos(255)"],
        "{report}"
    );
    assert!(report.checks[0].cases > 10, "{report}");
    for found in &report.findings {
        assert!(
            found.implementation.ends_with("Linux sends it"),
            "{found:?}"
        );
    }
}

#[test]
fn a_tos_sent_as_one_byte_is_found_on_every_tos_and_nothing_else() {
    found_on_every_tos_alone(&TosAsByte);
}

/// Sends each message with sockcmsg's socket layer (`send_with`), as a
/// `SendMessage::Typed` but a TOS, sent as one byte (`SendMessage::Other`):
/// only the check's capture of `sendmsg` sees its bytes.
struct SendsTosAsByte;

impl Implementation for SendsTosAsByte {
    fn name(&self) -> String {
        "sends tos as byte".into()
    }

    fn send_typed(
        &self,
        socket: BorrowedFd<'_>,
        to: SocketAddr,
        msg: &TypedMessage,
    ) -> Option<Result<(), String>> {
        let payload = TypedPayload::to_send(msg).ok()?;
        let byte = [payload.data()[0]];
        let message = match msg {
            TypedMessage::Tos(_) => SendMessage::Other {
                level: 0,
                kind: IP_TOS,
                data: &byte,
            },
            _ => SendMessage::Typed(&payload),
        };
        let to = SockAddr::from(to);
        let options = SendOptions::default().to(&to);
        let sent = socket::send_with(socket, &[IoSlice::new(b"x")], &[message], options);
        Some(sent.map(|_| ()).map_err(|err| err.to_string()))
    }
}

#[test]
fn a_tos_sent_as_one_byte_is_found_through_the_captured_sendmsg() {
    found_on_every_tos_alone(&SendsTosAsByte);
}

/// On every target the suite runs on (64-bit glibc, i686 and musl in CI),
/// so that the buffers the kernel writes for a process of each are among
/// the `typed kernel` check's, judged by the model of its layout.
#[test]
fn sockcmsg_agrees_with_the_model_on_every_typed_probe_and_kernel_buffer() {
    let report = Runner::new(&Sockcmsg).only(TYPED_CHECKS).run();
    assert!(report.findings.is_empty(), "{report}");
    let cases = |name: &str| {
        report
            .checks
            .iter()
            .find(|check| check.check == name)
            .map_or(0, |check| check.cases)
    };
    assert!(cases("typed probes") > 1000, "{report}");
    assert!(cases("typed encoders") > 10, "{report}");
    #[cfg(target_os = "linux")]
    assert!(cases("typed kernel") > 20, "{report}");
}
