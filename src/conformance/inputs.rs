//! The inputs of the runner's parse checks: buffers at the edges of each
//! rule, built with the model; Go's vectors; folders of buffers; and
//! buffers the kernel wrote.

use std::path::PathBuf;

use crate::model::{Message, Model, Rejection, FD_LEN, UCRED_LEN};

/// The inputs of Go 1.19's answers, in the format of the project's
/// `tests/data/go1.19-syscall-linux-amd64.tsv`: each `P` line's hex.
pub(super) fn go_vector_inputs(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .filter_map(|line| line.strip_prefix("P "))
        .filter_map(|line| line.split_once('\t'))
        .filter_map(|(hex, _)| unhex(hex))
        .collect()
}

/// Every file of each folder, in name order; a file given instead of a
/// folder is read itself.
pub(super) fn folder_inputs(folders: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    let mut inputs = Vec::new();
    for folder in folders {
        if folder.is_file() {
            inputs
                .push(std::fs::read(folder).map_err(|err| format!("{}: {err}", folder.display()))?);
            continue;
        }
        let entries =
            std::fs::read_dir(folder).map_err(|err| format!("{}: {err}", folder.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect();
        files.sort();
        for file in files.iter().filter(|file| file.is_file()) {
            inputs.push(std::fs::read(file).map_err(|err| format!("{}: {err}", file.display()))?);
        }
    }
    Ok(inputs)
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .map(|digit| {
            char::from(digit)
                .to_digit(16)
                .and_then(|d| u8::try_from(d).ok())
        })
        .collect::<Option<_>>()?;
    digits
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some(high.wrapping_shl(4) | low),
            _ => None,
        })
        .collect()
}

/// fd numbers no process has open (above Linux's `fs.nr_open` ceiling of
/// 2^30 by default 2^20), so that a parser that wraps what it reads in an
/// `OwnedFd` closes nothing of the runner's.
const NEVER_OPEN: [i32; 3] = [2_000_000_001, 2_000_000_002, 2_000_000_003];

/// The rule probes: for each rule of the format, by the name its check has
/// in a report, buffers at its edges, built with the model. The probes of
/// structure carry `SCM_RIGHTS` messages of whole fds, so that a parser
/// that keeps only the types it knows is judged on structure alone.
#[allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "small constant lengths, as the model counts them"
)]
pub(super) fn rule_probes(model: Model) -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let layout = model.layout();
    let (sol, rights) = (layout.sol_socket(), layout.scm_rights());
    let header = model.data_offset() as usize;
    let fds = |n: usize| model.fd_bytes(&NEVER_OPEN[..n]);
    let rights_of = |n: usize| model.encode([(sol, rights, fds(n).as_slice())]);

    let short_input = (0..=header)
        .flat_map(|len| [vec![0; len], vec![0xff; len]])
        .collect();
    let tail = (0..=2)
        .flat_map(|n| (1..header).map(move |tail| (n, tail)))
        .map(|(n, tail)| [rights_of(n), vec![0xee; tail]].concat())
        .collect();
    let unpadded_last = [1, 3]
        .iter()
        .map(|&n| {
            let last = rights_of(n);
            let unpadded = model.cmsg_len((4 * n) as u128) as usize;
            [rights_of(1), last[..unpadded].to_vec()].concat()
        })
        .collect();
    let room = 24;
    let lengths = [
        0,
        1,
        model.header_len() - 1,
        model.header_len(),
        header as u128 - 1,
        header as u128,
        (header + room) as u128,
        (header + room + 1) as u128,
        u128::from(u32::MAX),
        (1 << 32) + header as u128,
        u128::from(u64::MAX) - 7,
        u128::from(u64::MAX),
    ];
    let hostile_lengths = lengths
        .iter()
        .flat_map(|&len| {
            let mut alone = model.header(len, sol, rights);
            alone.resize(header + room, 0);
            let after_one = [rights_of(1), alone.clone()].concat();
            [alone, after_one]
        })
        .collect();
    let partial_fd = [1, 2, 3, 5, 6, 7]
        .iter()
        .map(|&len| model.encode([(sol, rights, &fds(2)[..len])]))
        .collect();
    let short_credentials = layout
        .scm_credentials()
        .map(|kind| {
            let ucred = model.ucred_bytes(1, 2, 3);
            let longer = [ucred.clone(), vec![0xee; 4]].concat();
            (0..ucred.len())
                .map(|len| &ucred[..len])
                .chain([&longer[..13], &longer[..]])
                .map(|data| model.encode([(sol, kind, data)]))
                .collect()
        })
        .unwrap_or_default();
    let unknown_types = (0..=9u8)
        .map(|len| model.encode([(41, 50, (1..=len).collect::<Vec<u8>>().as_slice())]))
        .chain([
            model.encode([(sol, 99, &[1, 2, 3, 4][..])]),
            model.encode([
                (sol, rights, fds(1).as_slice()),
                (41, 50, &[7][..]),
                (sol, rights, fds(2).as_slice()),
            ]),
        ])
        .collect();
    let negative_fds = [&[-1][..], &[i32::MIN], &[-1, NEVER_OPEN[0]]]
        .iter()
        .map(|fds| model.encode([(sol, rights, model.fd_bytes(fds).as_slice())]))
        .collect();
    vec![
        ("short input", short_input),
        ("tail", tail),
        ("unpadded last", unpadded_last),
        ("hostile lengths", hostile_lengths),
        ("partial fd", partial_fd),
        ("short credentials", short_credentials),
        ("unknown types", unknown_types),
        ("negative fds", negative_fds),
    ]
}

/// The rules of the format `buf` exercises, by the names of their checks
/// (in [`RULES`](super::RULES) order), as the model walks it: what a
/// rule probe of each is built to be. A buffer of well-formed, padded
/// rights and credentials messages exercises none.
///
/// ```
/// use sockcmsg::conformance::rules_exercised;
/// use sockcmsg::model::Model;
///
/// let model = Model::new(sockcmsg::Layout::HOST);
/// let odd = model.encode([(libc::SOL_SOCKET, libc::SCM_RIGHTS, &[1, 2, 3][..])]);
/// assert_eq!(rules_exercised(&model, &odd), ["partial fd"]);
/// let whole = model.encode([(libc::SOL_SOCKET, libc::SCM_RIGHTS, &model.fd_bytes(&[3])[..])]);
/// assert!(rules_exercised(&model, &whole).is_empty());
/// assert_eq!(rules_exercised(&model, &[]), ["short input"]);
/// ```
pub fn rules_exercised(model: &Model, buf: &[u8]) -> Vec<&'static str> {
    let layout = model.layout();
    let walk = model.walk(buf);
    let len = buf.len() as u128;
    let rights =
        |msg: &Message| msg.level == layout.sol_socket() && msg.kind == layout.scm_rights();
    let credentials = |msg: &Message| {
        msg.level == layout.sol_socket() && Some(msg.kind) == layout.scm_credentials()
    };
    let negative = |msg: &Message| {
        model
            .rights(msg.level, msg.kind, msg.data(buf))
            .is_ok_and(|fds| fds.iter().any(|fd| *fd < 0))
    };
    // The buffer ends inside the last message's padding: all of it
    // missing, or some (as the kernel writes into a buffer cut there).
    let last_unpadded = walk.messages.last().is_some_and(|last| {
        let end = last.data_at.saturating_add(last.data_len);
        end <= len && len < model.align_up(end)
    });
    let exercised = [
        ("short input", len <= model.data_offset()),
        (
            "tail",
            walk.rejection.is_none() && walk.end < len && len > model.data_offset(),
        ),
        ("unpadded last", last_unpadded),
        (
            "hostile lengths",
            matches!(
                walk.rejection,
                Some(Rejection::LengthBelowHeader { .. } | Rejection::LengthPastEnd { .. })
            ),
        ),
        (
            "partial fd",
            walk.messages
                .iter()
                .any(|msg| rights(msg) && msg.data_len.checked_rem(FD_LEN as u128) != Some(0)),
        ),
        (
            "short credentials",
            walk.messages
                .iter()
                .any(|msg| credentials(msg) && msg.data_len != UCRED_LEN as u128),
        ),
        (
            "unknown types",
            walk.messages
                .iter()
                .any(|msg| !rights(msg) && !credentials(msg)),
        ),
        ("negative fds", walk.messages.iter().any(negative)),
    ];
    exercised
        .into_iter()
        .filter_map(|(rule, exercised)| exercised.then_some(rule))
        .collect()
}

/// Control buffers the kernel wrote: fds and credentials received into
/// buffers of every size from a header's to past full.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn kernel_buffers() -> Vec<Vec<u8>> {
    use crate::socket::{self, ControlBuffer, SocketKind, SocketOption};
    use std::os::fd::AsFd;

    let Ok((tx, rx)) = socket::socketpair(SocketKind::Datagram) else {
        return Vec::new();
    };
    let Ok(file) = std::fs::File::open("/dev/null") else {
        return Vec::new();
    };
    let _ = socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true);
    let mut buffers = Vec::new();
    for count in [0, 1, 2, 3, 8, 253] {
        let full = ControlBuffer::for_credentials_and_fds(count).len();
        for len in (0..=full.saturating_add(8)).step_by(if count > 8 { 61 } else { 1 }) {
            if socket::send(tx.as_fd(), b"x", &vec![file.as_fd(); count], None).is_err() {
                continue;
            }
            let mut control = ControlBuffer::with_len(len);
            if let Ok(received) = socket::recv(rx.as_fd(), &mut [0; 1], &mut control) {
                buffers.push(received.control().to_vec());
            }
        }
    }
    buffers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    /// Each rule's probes exercise that rule, as `rules_exercised` sees
    /// them: all of them, but for the probes of `hostile lengths` at a
    /// length the model takes (the edges are probed from both sides).
    #[test]
    fn every_probe_exercises_its_rule() {
        for layout in [Layout::LINUX_64, Layout::LINUX_32, Layout::FREEBSD_64] {
            let model = Model::new(layout);
            let probes = rule_probes(model);
            let names: Vec<&str> = probes.iter().map(|(rule, _)| *rule).collect();
            assert_eq!(names, super::super::RULES);
            for (rule, probes) in probes {
                for probe in &probes {
                    let rejected = model.walk(probe).rejection.is_some();
                    // Whole fds fill 4-byte alignment: no last message
                    // of them lacks padding there.
                    let padded_anyway = rule == "unpadded last" && model.align() == 4;
                    if (rule == "hostile lengths" && !rejected) || padded_anyway {
                        continue;
                    }
                    assert!(
                        rules_exercised(&model, probe).contains(&rule),
                        "{layout:?}: a probe of {rule} ({probe:02x?}) exercises {:?}",
                        rules_exercised(&model, probe)
                    );
                }
            }
        }
    }

    #[test]
    fn well_formed_messages_exercise_no_rule() {
        let model = Model::new(Layout::LINUX_64);
        let buf = model.encode([
            (
                libc::SOL_SOCKET,
                libc::SCM_RIGHTS,
                &model.fd_bytes(&[3, 4])[..],
            ),
            (
                libc::SOL_SOCKET,
                libc::SCM_CREDENTIALS,
                &model.ucred_bytes(1, 2, 3)[..],
            ),
        ]);
        assert_eq!(rules_exercised(&model, &buf), Vec::<&str>::new());
        let tailed = [buf.clone(), vec![0; 15]].concat();
        assert_eq!(rules_exercised(&model, &tailed), ["tail"]);
        // Credentials (28 bytes) and 2 of their 4 bytes of padding: found
        // by fuzzing rustix, which drops such a last message.
        let cut = model.encode([(
            libc::SOL_SOCKET,
            libc::SCM_CREDENTIALS,
            &model.ucred_bytes(1, 2, 3)[..],
        )]);
        assert_eq!(rules_exercised(&model, &cut[..30]), ["unpadded last"]);
        let mut hostile = buf;
        model.write_len(&mut hostile, u128::from(u64::MAX));
        assert_eq!(rules_exercised(&model, &hostile), ["hostile lengths"]);
    }
}
