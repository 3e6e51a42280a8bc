//! Go 1.19's answers on 2,541 inputs (tests/data/README.md gives the format),
//! checked line by line against the crate with the linux/amd64 layout, and
//! against the reference model's Go dialect (`sockcmsg::model::dialect`),
//! which must answer as Go does, panics included.
//!
//! The two deliberate differences: where Go's `ParseUnixRights` panics
//! (`R:PANIC`), the crate must return `Error::PartialFd`; Go's
//! `ParseOneSocketControlMessage` is not in the vectors.

use sockcmsg::model::dialect::{self, Answer, Dialect};
use sockcmsg::model::Model;
use sockcmsg::{Error, Layout, SocketControlMessage, Ucred};

const VECTORS: &str = include_str!("data/go1.19-syscall-linux-amd64.tsv");
const LAYOUT: Layout = Layout::LINUX_64;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd hex length: {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// The crate's answer in the vectors' notation for one parsed message.
fn describe(msg: &SocketControlMessage<'_>) -> String {
    let rights = match LAYOUT.parse_unix_rights(msg) {
        Ok(fds) => fds
            .iter()
            .map(|fd| fd.to_string())
            .collect::<Vec<_>>()
            .join(","),
        // Go panics where the crate reports a partial fd.
        Err(Error::PartialFd { .. }) => "PANIC".to_owned(),
        Err(_) => "ERR".to_owned(),
    };
    let creds = match LAYOUT.parse_unix_credentials(msg) {
        Ok(Ucred { pid, uid, gid }) => format!("{pid},{uid},{gid}"),
        Err(_) => "ERR".to_owned(),
    };
    format!(
        "{} {} {} {} R:{rights} C:{creds}",
        msg.header.len,
        msg.header.level,
        msg.header.kind,
        hex(msg.data)
    )
}

/// The crate's answer to one request line, in the vectors' notation.
fn answer(request: &str) -> String {
    let (op, args) = request.split_once(' ').expect("request has an operation");
    let numbers = || args.split_whitespace();
    match op {
        "P" => match LAYOUT.parse_socket_control_message(&unhex(args)) {
            Err(_) => "ERR".to_owned(),
            Ok(msgs) => {
                let mut out = format!("OK {}", msgs.len());
                for msg in &msgs {
                    out.push_str(" | ");
                    out.push_str(&describe(msg));
                }
                out
            }
        },
        "R" => {
            let fds: Vec<i32> = numbers().map(|n| n.parse().expect("fd")).collect();
            hex(&LAYOUT.unix_rights(&fds).expect("fds fit"))
        }
        "C" => {
            let mut fields = numbers();
            let mut next = || fields.next().expect("three fields");
            let cred = Ucred {
                pid: next().parse().expect("pid"),
                uid: next().parse().expect("uid"),
                gid: next().parse().expect("gid"),
            };
            hex(&LAYOUT
                .unix_credentials(&cred)
                .expect("Linux has credentials"))
        }
        "S" => {
            let n: usize = args.trim().parse().expect("length");
            format!("{} {}", LAYOUT.cmsg_len(n), LAYOUT.cmsg_space(n))
        }
        other => panic!("unknown operation {other:?}"),
    }
}

/// The model's Go dialect's answer to one request line, in the vectors'
/// notation.
fn go_dialect_answer(request: &str) -> String {
    let model = Model::new(LAYOUT);
    let (op, args) = request.split_once(' ').expect("request has an operation");
    let numbers = || args.split_whitespace();
    match op {
        "P" => {
            let buf = unhex(args);
            match Dialect::Go.walk(&model, &buf) {
                Answer::Messages(msgs) => {
                    let mut out = format!("OK {}", msgs.len());
                    for msg in &msgs {
                        let data = msg.data(&buf);
                        let rights = match dialect::go_parse_unix_rights(
                            &model, msg.level, msg.kind, data,
                        ) {
                            Ok(fds) => fds
                                .iter()
                                .map(|fd| fd.to_string())
                                .collect::<Vec<_>>()
                                .join(","),
                            Err(Answer::Panics(_)) => "PANIC".to_owned(),
                            Err(_) => "ERR".to_owned(),
                        };
                        let creds = match model.credentials(msg.level, msg.kind, data) {
                            Ok((pid, uid, gid)) => format!("{pid},{uid},{gid}"),
                            Err(_) => "ERR".to_owned(),
                        };
                        out.push_str(&format!(
                            " | {} {} {} {} R:{rights} C:{creds}",
                            msg.len,
                            msg.level,
                            msg.kind,
                            hex(data)
                        ));
                    }
                    out
                }
                Answer::Rejected(_) => "ERR".to_owned(),
                Answer::Panics(message) => format!("PANIC {message}"),
                other @ Answer::ReadsPastEnd { .. } => {
                    panic!("the walk reads headers only where they fit: {other:?}")
                }
            }
        }
        "R" => {
            let fds: Vec<i32> = numbers().map(|n| n.parse().expect("fd")).collect();
            let data = model.fd_bytes(&fds);
            hex(&model.encode([(LAYOUT.sol_socket(), LAYOUT.scm_rights(), data.as_slice())]))
        }
        "C" => {
            let mut fields = numbers();
            let mut next = || fields.next().expect("three fields");
            let (pid, uid, gid) = (
                next().parse().expect("pid"),
                next().parse().expect("uid"),
                next().parse().expect("gid"),
            );
            let data = model.ucred_bytes(pid, uid, gid);
            let kind = LAYOUT.scm_credentials().expect("Linux has credentials");
            hex(&model.encode([(LAYOUT.sol_socket(), kind, data.as_slice())]))
        }
        "S" => {
            let n: u128 = args.trim().parse().expect("length");
            format!("{} {}", model.cmsg_len(n), model.cmsg_space(n))
        }
        other => panic!("unknown operation {other:?}"),
    }
}

#[test]
fn the_model_go_dialect_answers_every_go_vector() {
    let mismatches: Vec<String> = VECTORS
        .lines()
        .enumerate()
        .filter_map(|(number, line)| {
            let (request, expected) = line.split_once('\t').expect("two columns");
            let got = go_dialect_answer(request);
            (got != expected).then(|| {
                format!(
                    "line {}: {request}\n  go:    {expected}\n  model: {got}",
                    number + 1
                )
            })
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} vectors disagree:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}

#[test]
fn every_go_vector_agrees() {
    let mut cases = 0;
    let mut go_panics = 0;
    let mut mismatches = Vec::new();
    for (number, line) in VECTORS.lines().enumerate() {
        let (request, expected) = line.split_once('\t').expect("two columns");
        cases += 1;
        go_panics += expected.matches("R:PANIC").count();
        let got = answer(request);
        if got != expected {
            mismatches.push(format!(
                "line {}: {request}\n  go:    {expected}\n  crate: {got}",
                number + 1
            ));
        }
    }
    assert_eq!(cases, 2541, "the vector file is incomplete");
    assert_eq!(
        go_panics, 228,
        "the messages on which Go panics are all there"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cases} vectors disagree:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}
