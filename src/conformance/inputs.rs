//! The inputs of the runner's parse checks: buffers at the edges of each
//! rule, built with the model; Go's vectors; folders of buffers; and
//! buffers the kernel wrote.

use std::path::PathBuf;

use crate::model::{Message, Model, Rejection, Walk, FD_LEN, UCRED_LEN};

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

/// Linux's `net.core.optmem_max` since 6.9 (128 KiB; 20 KiB before): the
/// most control data `sendmsg` takes. The largest probes are this long. A
/// constant rather than this machine's sysctl, so that every machine runs
/// the same probes.
const OPTMEM_MAX: usize = 131_072;

/// Linux's `SCM_MAX_FD`: the most fds one `SCM_RIGHTS` message carries.
const SCM_MAX_FD: usize = 253;

/// How many valid messages come before a rule's edge in the crowded
/// probes: past a `u8` count and arrays of 255, 256 and 257 messages, and
/// about a thousand.
const CROWDS: [usize; 4] = [255, 256, 257, 1000];

/// `n` distinct fd numbers that no process has open: [`NEVER_OPEN`] and on.
#[allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    reason = "n is at most SCM_MAX_FD: the numbers stay below i32::MAX"
)]
fn never_open(n: usize) -> Vec<i32> {
    (0..n).map(|i| NEVER_OPEN[0] + i as i32).collect()
}

/// The data of `n` fds that no process has open, the first [`SCM_MAX_FD`]
/// of [`never_open`] over again (cheaper to build than `n` numbers).
fn fd_data(model: &Model, n: usize) -> Vec<u8> {
    let full = model.fd_bytes(&never_open(n.min(SCM_MAX_FD)));
    full.iter()
        .copied()
        .cycle()
        .take(n.saturating_mul(FD_LEN))
        .collect()
}

/// The rule probes: for each rule of the format, by the name its check has
/// in a report, buffers at its edges, built with the model. The probes of
/// structure carry `SCM_RIGHTS` messages of whole fds, so that a parser
/// that keeps only the types it knows is judged on structure alone. Each
/// rule's edge is also put after hundreds of valid messages and at the end
/// of buffers of up to [`OPTMEM_MAX`] bytes ([`at_scale`]).
#[allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "small constant lengths, as the model counts them"
)]
pub(super) fn rule_probes(model: Model) -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let layout = model.layout();
    let (sol, rights) = (layout.sol_socket(), layout.scm_rights());
    let header = model.data_offset() as usize;
    let fds = |n: usize| fd_data(&model, n);
    let rights_of = |n: usize| model.encode([(sol, rights, fds(n).as_slice())]);
    let unpadded_rights = |n: usize| {
        let mut msg = rights_of(n);
        msg.truncate(model.cmsg_len((4 * n) as u128) as usize);
        msg
    };

    let short_input = (0..=header)
        .flat_map(|len| [vec![0; len], vec![0xff; len]])
        .collect();
    let tail_of = |len: usize| vec![0xee; len];
    let mut tail: Vec<Vec<u8>> = (0..=2)
        .flat_map(|n| (1..header).map(move |tail| (n, tail)))
        .map(|(n, tail)| [rights_of(n), tail_of(tail)].concat())
        .collect();
    let tails = [1, header - 1, header / 2, header - 1].map(tail_of);
    tail.extend(at_scale(&model, &tails, KNOWN_KINDS));
    // One message as long as the buffer allows, then a tail.
    let one_long = rights_within(&model, OPTMEM_MAX - header + 1, usize::MAX);
    tail.push([one_long, tail_of(header - 1)].concat());

    let mut unpadded_last: Vec<Vec<u8>> = [1, 3]
        .iter()
        .map(|&n| [rights_of(1), unpadded_rights(n)].concat())
        .collect();
    // The kernel's own last message: SCM_MAX_FD fds, unpadded.
    let unpadded = [1, 3, 1, SCM_MAX_FD].map(unpadded_rights);
    unpadded_last.extend(at_scale(&model, &unpadded, KNOWN_KINDS));

    let mut hostile_lengths = hostile_lengths(&model);
    // Hostile headers after many messages, each followed by a valid one.
    let follower = rights_of(2);
    let past_end = model.cmsg_len(follower.len() as u128) + 1;
    let hostile = [0, model.data_offset() - 1, past_end, u128::from(u64::MAX)]
        .map(|len| [model.header(len, sol, rights), follower.clone()].concat());
    hostile_lengths.extend(at_scale(&model, &hostile, KNOWN_KINDS));
    // The first header of a buffer of OPTMEM_MAX bytes claims one byte
    // more; full rights messages follow it.
    let mut claims_more = model.header(OPTMEM_MAX as u128 + 1, sol, rights);
    claims_more.extend(kernel_like(&model, OPTMEM_MAX - header));
    hostile_lengths.push(claims_more);

    let mut partial_fd: Vec<Vec<u8>> = [1, 2, 3, 5, 6, 7]
        .iter()
        .map(|&len| model.encode([(sol, rights, &fds(2)[..len])]))
        .collect();
    let partial = [1, 3, 5, 7].map(|len| model.encode([(sol, rights, &fds(2)[..len])]));
    partial_fd.extend(at_scale(&model, &partial, KNOWN_KINDS));
    // One message as long as the buffer allows, ending in 3 bytes of an fd.
    let data_len = OPTMEM_MAX - header - 1;
    let mut long_partial = fd_data(&model, data_len / 4 + 1);
    long_partial.truncate(data_len);
    partial_fd.push(model.encode([(sol, rights, long_partial.as_slice())]));

    let short_credentials = layout
        .scm_credentials()
        .map(|kind| {
            let ucred = model.ucred_bytes(1, 2, 3);
            let longer = [ucred.clone(), vec![0xee; 4]].concat();
            let credentials = |data: &[u8]| model.encode([(sol, kind, data)]);
            let mut probes: Vec<Vec<u8>> = (0..ucred.len())
                .map(|len| &ucred[..len])
                .chain([&longer[..13], &longer[..]])
                .map(credentials)
                .collect();
            let edges = [&ucred[..11], &[][..], &longer[..13], &ucred[..4]].map(credentials);
            probes.extend(at_scale(&model, &edges, KNOWN_KINDS));
            // Credentials as long as the buffer allows: 12 bytes read.
            let mut longest = ucred;
            longest.resize(OPTMEM_MAX - header, 0xee);
            probes.push(credentials(&longest));
            probes
        })
        .unwrap_or_default();

    let unknown = |len: u8| model.encode([(41, 50, (1..=len).collect::<Vec<u8>>().as_slice())]);
    let mut unknown_types: Vec<Vec<u8>> = (0..=9u8)
        .map(unknown)
        .chain([
            model.encode([(sol, 99, &[1, 2, 3, 4][..])]),
            model.encode([
                (sol, rights, fds(1).as_slice()),
                (41, 50, &[7][..]),
                (sol, rights, fds(2).as_slice()),
            ]),
        ])
        .collect();
    let unknowns = [
        unknown(3),
        unknown(0),
        model.encode([(sol, 99, &[][..])]),
        unknown(9),
    ];
    unknown_types.extend(at_scale(&model, &unknowns, ALL_KINDS));
    // One message of a type no parser knows, as long as the buffer allows.
    let long_data: Vec<u8> = (0..OPTMEM_MAX - header).map(|i| i as u8).collect();
    unknown_types.push(model.encode([(41, 50, long_data.as_slice())]));

    let negative = |fds: &[i32]| model.encode([(sol, rights, model.fd_bytes(fds).as_slice())]);
    let mut negative_fds: Vec<Vec<u8>> = [&[-1][..], &[i32::MIN], &[-1, NEVER_OPEN[0]]]
        .iter()
        .map(|fds| negative(fds))
        .collect();
    // SCM_MAX_FD fds, the last of them negative.
    let mut full = never_open(SCM_MAX_FD);
    full[SCM_MAX_FD - 1] = -1;
    let negatives = [
        &[-1][..],
        &[NEVER_OPEN[0], i32::MIN],
        &[-1],
        full.as_slice(),
    ]
    .map(negative);
    negative_fds.extend(at_scale(&model, &negatives, KNOWN_KINDS));

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

/// `cmsg_len` at and around every bound, on a header alone (the bytes after
/// it zero, to the end of the buffer), after a valid message, and between
/// two valid ones: zeros after a header whose length is taken would be
/// rejected as a header of length 0, which hides that it was taken.
#[allow(
    clippy::arithmetic_side_effects,
    reason = "small constant lengths, as the model counts them"
)]
fn hostile_lengths(model: &Model) -> Vec<Vec<u8>> {
    let layout = model.layout();
    let (sol, rights) = (layout.sol_socket(), layout.scm_rights());
    let rights_of = |fds: &[i32]| model.encode([(sol, rights, model.fd_bytes(fds).as_slice())]);
    let (before, follower) = (rights_of(&NEVER_OPEN[..1]), rights_of(&NEVER_OPEN[1..]));
    let header = model.data_offset();
    // The bytes after the hostile header: up to `header + room` fits.
    let room = follower.len() as u128;
    let lengths = [
        0,
        1,
        model.header_len() - 1,
        model.header_len(),
        header - 1,
        header,
        header + room,
        header + room + 1,
        u128::from(u32::MAX),
        (1 << 32) + header,
        u128::from(u64::MAX) - 7,
        u128::from(u64::MAX),
    ];
    lengths
        .iter()
        .flat_map(|&len| {
            let hostile = model.header(len, sol, rights);
            let mut alone = hostile.clone();
            alone.resize(alone.len() + follower.len(), 0);
            let after_one = [before.clone(), alone.clone()].concat();
            let between = [before.clone(), hostile, follower.clone()].concat();
            [alone, after_one, between]
        })
        .collect()
}

/// Each of `edges` after each of [`CROWDS`] valid messages of `kinds`
/// ([`crowd`]), and the last of them at the end of a buffer of
/// [`OPTMEM_MAX`] bytes of credentials and full rights messages
/// ([`kernel_like`]): where a parser that keeps a fixed number of
/// messages, or a page of bytes, parts from the model.
#[allow(
    clippy::arithmetic_side_effects,
    reason = "an edge is a few KiB at most"
)]
fn at_scale(model: &Model, edges: &[Vec<u8>; 4], kinds: usize) -> Vec<Vec<u8>> {
    let mut probes: Vec<Vec<u8>> = CROWDS
        .iter()
        .zip(edges)
        .map(|(&count, edge)| [crowd(model, count, kinds), edge.clone()].concat())
        .collect();
    let [.., last] = edges;
    probes.push([kernel_like(model, OPTMEM_MAX - last.len()), last.clone()].concat());
    probes
}

/// The kinds every parser keeps, for [`crowd`]: rights of 3, 0, 1 and 7
/// fds, and credentials where the layout has them (rights of 2 fds
/// elsewhere). No rule in them: what follows them is judged alone, even in
/// a parser that drops the types it does not know.
const KNOWN_KINDS: usize = 5;

/// [`KNOWN_KINDS`], a level and type no parser knows with 0 to 9 bytes of
/// data, and an unknown type at `SOL_SOCKET` with none.
const ALL_KINDS: usize = 7;

/// `count` well-formed messages, the `i`th of the `i % kinds`th kind.
#[allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "small counts; indices taken modulo the lengths"
)]
fn crowd(model: &Model, count: usize, kinds: usize) -> Vec<u8> {
    let layout = model.layout();
    let (sol, rights) = (layout.sol_socket(), layout.scm_rights());
    let fds = |n: usize| fd_data(model, n);
    let credentials = match layout.scm_credentials() {
        Some(kind) => (sol, kind, model.ucred_bytes(1, 2, 3)),
        None => (sol, rights, fds(2)),
    };
    let known = [
        (sol, rights, fds(3)),
        (sol, rights, Vec::new()),
        credentials,
        (sol, rights, fds(1)),
        (sol, rights, fds(7)),
    ];
    let unknown: Vec<(i32, i32, Vec<u8>)> =
        (0..10u8).map(|len| (41, 50, (1..=len).collect())).collect();
    let empty_unknown = (sol, 99, Vec::new());
    let kinds = kinds.clamp(1, known.len() + 2);
    model.encode((0..count).map(|i| {
        let (level, kind, data) = match i % kinds {
            5 => &unknown[i % unknown.len()],
            6 => &empty_unknown,
            k => &known[k],
        };
        (*level, *kind, data.as_slice())
    }))
}

/// What a receive of many fds and credentials holds, at most `len` bytes:
/// credentials where the layout has them, then `SCM_RIGHTS` messages of
/// [`SCM_MAX_FD`] fds, the last of them with the fds that fit.
#[allow(
    clippy::arithmetic_side_effects,
    reason = "lengths of at most OPTMEM_MAX"
)]
fn kernel_like(model: &Model, len: usize) -> Vec<u8> {
    let layout = model.layout();
    let mut out = match layout.scm_credentials() {
        Some(kind) => model.encode([(layout.sol_socket(), kind, &model.ucred_bytes(1, 2, 3)[..])]),
        None => Vec::new(),
    };
    let full = rights_within(model, usize::MAX, SCM_MAX_FD);
    while out.len() + full.len() <= len {
        out.extend(&full);
    }
    out.extend(rights_within(
        model,
        len.saturating_sub(out.len()),
        SCM_MAX_FD,
    ));
    out
}

/// The longest `SCM_RIGHTS` message of 1 to `max_fds` fds whose
/// `cmsg_space` is at most `len` bytes; empty if none is.
#[allow(
    clippy::arithmetic_side_effects,
    clippy::cast_possible_truncation,
    reason = "lengths of at most OPTMEM_MAX"
)]
fn rights_within(model: &Model, len: usize, max_fds: usize) -> Vec<u8> {
    let layout = model.layout();
    let space = |n: usize| model.cmsg_space((n * FD_LEN) as u128) as usize;
    let room = len.saturating_sub(model.data_offset() as usize);
    let mut n = (room / FD_LEN).min(max_fds);
    while n > 0 && space(n) > len {
        n -= 1;
    }
    if n == 0 {
        return Vec::new();
    }
    let fds = fd_data(model, n);
    model.encode([(layout.sol_socket(), layout.scm_rights(), fds.as_slice())])
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
    rules_of_walk(model, buf, &model.walk(buf))
}

/// [`rules_exercised`] given the model's `walk` of `buf`, for a caller
/// that has it already.
pub(super) fn rules_of_walk(model: &Model, buf: &[u8], walk: &Walk) -> Vec<&'static str> {
    let layout = model.layout();
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
                buffers.push(with_fixed_pid(received.control().to_vec()));
            }
        }
    }
    buffers
}

/// The sender's pid in a kernel-written buffer's credentials (the first
/// message, where the kernel puts them), as far as the buffer holds it.
#[cfg(any(target_os = "linux", target_os = "android"))]
const FIXED_PID: i32 = 4242;

/// `buf` with its credentials' pid, which changes from run to run, set to
/// [`FIXED_PID`], so that two runs probe the same bytes and keep the same
/// reproducers.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn with_fixed_pid(mut buf: Vec<u8>) -> Vec<u8> {
    let model = Model::new(crate::Layout::HOST);
    let layout = model.layout();
    let first = model.walk(&buf).messages.first().copied();
    let Some(first) = first.filter(|msg| {
        msg.level == layout.sol_socket() && Some(msg.kind) == layout.scm_credentials()
    }) else {
        return buf;
    };
    let (Ok(at), Ok(len)) = (
        usize::try_from(first.data_at),
        usize::try_from(first.data_len),
    ) else {
        return buf;
    };
    let pid = FIXED_PID.to_ne_bytes();
    let end = at.saturating_add(len.min(pid.len()));
    if let (Some(bytes), Some(pid)) = (buf.get_mut(at..end), pid.get(..len.min(4))) {
        bytes.copy_from_slice(pid);
    }
    buf
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

    /// Each rule but `short input` has its edge after each crowd of valid
    /// messages, which hold no rule of their own, and in a buffer of nearly
    /// `OPTMEM_MAX` bytes, none longer.
    #[test]
    fn every_rule_is_probed_after_hundreds_of_messages_and_past_a_page() {
        for layout in [Layout::LINUX_64, Layout::LINUX_32, Layout::FREEBSD_64] {
            let model = Model::new(layout);
            assert!(rules_exercised(&model, &crowd(&model, 1000, KNOWN_KINDS)).is_empty());
            let all_kinds = crowd(&model, 1000, ALL_KINDS);
            assert_eq!(rules_exercised(&model, &all_kinds), ["unknown types"]);
            for (rule, probes) in rule_probes(model).into_iter().skip(1) {
                let Some(largest) = probes.iter().map(Vec::len).max() else {
                    continue; // No credentials in the layout.
                };
                assert!(
                    (OPTMEM_MAX - 2048..=OPTMEM_MAX).contains(&largest),
                    "{rule}"
                );
                let counts: Vec<usize> = probes
                    .iter()
                    .map(|p| model.walk(p).messages.len())
                    .collect();
                for crowd in CROWDS {
                    let after = |count: &usize| *count == crowd || *count == crowd + 1;
                    assert!(counts.iter().any(after), "{layout:?} {rule}: {counts:?}");
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
