//! `miri-parse PEER [FILE] [--from N] [--odd] [--spare BYTES] [--max-len BYTES]`,
//! run under Miri:
//!
//! ```text
//! MIRIFLAGS=-Zmiri-disable-isolation cargo +nightly miri run --bin miri-parse -- libc inputs.bin
//! ```
//!
//! Each input of FILE (`miri-inputs` writes it), from the `N`th, through
//! PEER's loop (`sockcmsg_peers_miri::PARSERS`), at the end of an
//! allocation of its own, 8-aligned or (`--odd`) one byte past, as the
//! runner's `unaligned` check places it; with `--spare`, that many zero
//! bytes follow it in the allocation (a received buffer with room left).
//! Before each case a line `miri-parse: case N` on stderr (N the input's
//! index in FILE; std's cases add their label): Miri stops at the first
//! undefined behaviour, and its report follows that line. A panic (the adapters
//! report a read outside the buffer with one, and some peers panic on
//! hostile lengths) is caught and counted, not undefined behaviour.
//!
//! PEER `std` (no FILE) is the standard library's `SocketAncillary`, which
//! parses only what it received or encoded: its cases encode with
//! `add_fds`/`add_creds` into a caller's buffer and walk it with
//! `messages()`, as its users do.

#![feature(unix_socket_ancillary_data)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;

use sockcmsg_peers_miri::{inputs, Placed, PARSERS};

/// The longest input run by default: the rule probes but those "at scale"
/// (each rule's edge after 255 to 1,000 messages and at the end of 128 KiB,
/// 7 KiB and up, which take Miri seconds to a minute each; the same edges
/// are run in the short probes), and every corpus file.
const DEFAULT_MAX_LEN: usize = 4096;

/// One case: what it does with the buffer it is handed (and places anew).
type Case = Box<dyn Fn(&mut Placed)>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("miri-parse: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let mut from = 0usize;
    let mut odd = false;
    let mut max_len = DEFAULT_MAX_LEN;
    let mut spare = 0usize;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--odd" => odd = true,
            "--spare" => {
                spare = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--spare takes a number")?;
            }
            "--max-len" => {
                max_len = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--max-len takes a number")?;
            }
            "--from" => {
                from = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--from takes a number")?;
            }
            _ => positional.push(arg.as_str()),
        }
    }
    let shift = usize::from(odd);
    // A panic is an answer here, not undefined behaviour: one short line,
    // without std's message and backtrace hint.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        let location = info
            .location()
            .map(|at| format!("{}:{}", at.file(), at.line()))
            .unwrap_or_default();
        let first_line = message.lines().next().unwrap_or("");
        eprintln!("miri-parse: panicked at {location}: {first_line}");
    }));
    let file = match positional.as_slice() {
        [_, file] => inputs::read_short(file.as_ref(), max_len)?,
        _ => Vec::new(),
    };
    // Each case with its index in the file (or in std's list), its label
    // (std's; a file's are the reader's to look up), and `None` for an
    // input longer than `max_len`, not run.
    let cases: Vec<(usize, Option<String>, Option<Case>)> = match positional.as_slice() {
        ["std"] => std_cases()
            .into_iter()
            .enumerate()
            .map(|(index, (label, case))| (index, Some(label), Some(case)))
            .collect(),
        [peer, _] => {
            let parser = PARSERS
                .iter()
                .find(|parser| parser.slug == *peer)
                .ok_or_else(|| format!("no peer {peer:?}"))?;
            let parse = parser.parse;
            file.into_iter()
                .enumerate()
                .map(|(index, bytes)| {
                    let case = bytes.ok().map(|bytes| {
                        Box::new(move |placed: &mut Placed| {
                            *placed = Placed::with_spare(&bytes, shift, spare);
                            parse(placed.bytes());
                        }) as Case
                    });
                    (index, None, case)
                })
                .collect()
        }
        _ => {
            return Err(
                "usage: miri-parse PEER FILE [--from N] [--odd] [--spare BYTES] \
                        [--max-len BYTES] | miri-parse std [--from N] [--odd]"
                    .into(),
            )
        }
    };
    let (mut ran, mut panicked, mut skipped) = (0usize, 0usize, 0usize);
    for (index, label, case) in cases.iter().filter(|(index, ..)| *index >= from) {
        let Some(case) = case else {
            skipped += 1;
            continue;
        };
        match label {
            Some(label) => eprintln!("miri-parse: case {index} ({label})"),
            None => eprintln!("miri-parse: case {index}"),
        }
        let started = std::time::Instant::now();
        let mut placed = Placed::new(&[], shift);
        if catch_unwind(AssertUnwindSafe(|| case(&mut placed))).is_err() {
            panicked += 1;
        }
        ran += 1;
        eprintln!(
            "miri-parse: case {index} ran in {} ms",
            started.elapsed().as_millis()
        );
    }
    eprintln!(
        "miri-parse: done: {ran} cases from case {from}, {panicked} panicked; \
         {skipped} inputs longer than {max_len} bytes not run"
    );
    Ok(())
}

/// std's `SocketAncillary` as its users encode and walk: each case a
/// sequence of `add_*` calls into a buffer of exactly their
/// `CMSG_SPACE`s, then `messages()` drained, every fd and credential read.
fn std_cases() -> Vec<(String, Case)> {
    use std::os::unix::net::SocketCred;

    #[derive(Clone)]
    enum Add {
        Fds(Vec<i32>),
        Creds(i32, u32, u32),
    }
    let space = |add: &Add| match add {
        // CMSG_SPACE(n * 4) and CMSG_SPACE(12) on Linux x86-64.
        Add::Fds(fds) => 16 + (fds.len() * 4).next_multiple_of(8),
        Add::Creds(..) => 16 + 16,
    };
    let sequences: Vec<Vec<Add>> = vec![
        vec![Add::Fds(vec![3])],
        vec![Add::Creds(1, 2, 3)],
        vec![
            Add::Fds(vec![3, 4, 5]),
            Add::Creds(1, 2, 3),
            Add::Fds(vec![6]),
        ],
        vec![Add::Fds((3..256).collect())],
    ];
    sequences
        .into_iter()
        .map(|adds| {
            let len: usize = adds.iter().map(space).sum();
            let label = format!(
                "SocketAncillary::new(&mut [u8; {len}]), {}, messages()",
                adds.iter()
                    .map(|add| match add {
                        Add::Fds(fds) if fds.len() > 3 => format!("add_fds({} fds)", fds.len()),
                        Add::Fds(fds) => format!("add_fds(&{fds:?})"),
                        Add::Creds(pid, uid, gid) =>
                            format!("add_creds(pid {pid}, uid {uid}, gid {gid})"),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let case: Case = Box::new(move |placed: &mut Placed| {
                use std::os::unix::net::{AncillaryData, SocketAncillary};
                let shift = placed.shift();
                *placed = Placed::new(&vec![0; len], shift);
                let mut ancillary = SocketAncillary::new(placed.bytes());
                for add in &adds {
                    let added = match add {
                        Add::Fds(fds) => ancillary.add_fds(fds),
                        Add::Creds(pid, uid, gid) => {
                            let mut cred = SocketCred::new();
                            cred.set_pid(*pid);
                            cred.set_uid(*uid);
                            cred.set_gid(*gid);
                            ancillary.add_creds(&[cred])
                        }
                    };
                    assert!(added, "{len} bytes hold the messages");
                }
                let mut sum = 0u64;
                for message in ancillary.messages() {
                    match message {
                        Ok(AncillaryData::ScmRights(fds)) => {
                            for fd in fds {
                                sum = sum.wrapping_add(fd as u64);
                            }
                        }
                        Ok(AncillaryData::ScmCredentials(creds)) => {
                            for cred in creds {
                                sum = sum.wrapping_add(cred.get_pid() as u64);
                            }
                        }
                        Err(_) => {}
                    }
                }
                std::hint::black_box(sum);
            });
            (label, case)
        })
        .collect()
}
