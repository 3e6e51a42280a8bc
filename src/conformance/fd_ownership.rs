//! The `fds` check: does an implementation's receive leak a descriptor the
//! kernel installed, hand back one that was not sent, or misreport
//! `MSG_CTRUNC`?
//!
//! Each case runs in a forked child, alone in its process, so that counting
//! open descriptors is exact: a datagram with one byte and some fds (copies
//! of one socket, whose inode names them) waits on a fresh socketpair; the
//! child lists its open descriptors, lets the implementation receive with a
//! control buffer of the case's size (after lowering `RLIMIT_NOFILE` when
//! the case says), drops what it handed back (closing the raw numbers as
//! their owner), and lists them again. The kernel's side of each case is
//! [`Model::kernel_receive`].

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use super::runner::{caught, finding, not_run, summary};
use super::{HandedBack, HandedFd, Implementation, Report};
use crate::model::{KernelReceive, Model};
use crate::socket::{self, SocketKind, SocketOption};
use crate::sys::fd_table;
use crate::sys::isolate::{in_child, ChildEnd};

/// One receive: what was sent and how much room the receiver has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Case {
    fds: usize,
    credentials: bool,
    control_len: usize,
    /// How many more descriptors the process may open, when limited.
    fd_room: Option<usize>,
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} fds", self.fds)?;
        if self.credentials {
            write!(f, " with SO_PASSCRED")?;
        }
        write!(f, ", a control buffer of {} bytes", self.control_len)?;
        if let Some(room) = self.fd_room {
            write!(f, ", room for {room} more open fds (RLIMIT_NOFILE)")?;
        }
        Ok(())
    }
}

impl Case {
    fn expected(&self, model: &Model) -> KernelReceive {
        let wide = |n: usize| u128::try_from(n).unwrap_or(u128::MAX);
        model.kernel_receive(
            wide(self.control_len),
            self.credentials,
            wide(self.fds),
            self.fd_room.map_or(u128::MAX, wide),
        )
    }
}

/// 1 to 4 fds, with and without credentials, into every control buffer
/// size from 0 to 8 bytes past the least that takes them all; then 2 and 3
/// fds into that buffer with room for fewer.
fn cases(model: &Model) -> Vec<Case> {
    let mut cases = Vec::new();
    for fds in 1..=4 {
        for credentials in [false, true] {
            let case = |control_len| Case {
                fds,
                credentials,
                control_len,
                fd_room: None,
            };
            let full = least_full(model, case);
            cases.extend((0..=full.saturating_add(8)).map(case));
        }
    }
    for fds in [2, 3] {
        let full = Case {
            fds,
            credentials: false,
            control_len: 0,
            fd_room: None,
        };
        let control_len = least_full(model, |control_len| Case {
            control_len,
            ..full
        });
        cases.extend((0..fds).map(|room| Case {
            control_len,
            fd_room: Some(room),
            ..full
        }));
    }
    cases
}

/// The least control buffer the kernel fills without `MSG_CTRUNC`, for
/// `case`'s fds and credentials.
fn least_full(model: &Model, case: impl Fn(usize) -> Case) -> usize {
    (0..usize::MAX)
        .find(|&len| !case(len).expected(model).truncated)
        .unwrap_or(usize::MAX)
}

/// Runs the `fds` check on `implementation`, each case in a child allowed
/// `limit`.
pub(super) fn fd_check<I: Implementation + ?Sized>(
    implementation: &I,
    limit: Duration,
    report: &mut Report,
) {
    let model = Model::new(implementation.layout());
    let (mut fds, mut cloexec) = (summary("fds"), summary("cloexec"));
    let mut findings = Vec::new();
    for case in cases(&model) {
        let expected = case.expected(&model);
        let answer = match in_child(limit, || run_case(implementation, &model, case)) {
            ChildEnd::Returned(bytes) if bytes == UNSUPPORTED => {
                let why = "the implementation does not receive";
                not_run(report, "fds", why);
                return not_run(report, "cloexec", why);
            }
            ChildEnd::Returned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            ChildEnd::Failed(how) => how,
            ChildEnd::NotStarted(err) => {
                not_run(report, "fds", &err);
                return not_run(report, "cloexec", &err);
            }
        };
        let (problems, inheritable) = answer.split_once('\n').unwrap_or((&answer, ""));
        let input = case.to_string();
        fds.cases = fds.cases.saturating_add(1);
        if !problems.is_empty() {
            fds.findings = fds.findings.saturating_add(1);
            let model = describe(&expected, case.fds);
            findings.push(finding("fds", input.as_bytes(), model, problems.to_owned()));
        }
        if expected.fds_installed > 0 {
            cloexec.cases = cloexec.cases.saturating_add(1);
            if !inheritable.is_empty() {
                cloexec.findings = cloexec.findings.saturating_add(1);
                let model = "every fd handed back close-on-exec, as MSG_CMSG_CLOEXEC makes it: \
                             a program that execs must not pass on what a peer sent"
                    .to_owned();
                findings.push(finding(
                    "cloexec",
                    input.as_bytes(),
                    model,
                    inheritable.to_owned(),
                ));
            }
        }
    }
    report.checks.push(fds);
    report.checks.push(cloexec);
    report.findings.extend(findings);
}

/// What a child answers for an implementation with no `receive`.
const UNSUPPORTED: &[u8] = b"\0unsupported";

fn describe(expected: &KernelReceive, sent: usize) -> String {
    let ctrunc = if expected.truncated {
        "sets MSG_CTRUNC"
    } else {
        "does not set MSG_CTRUNC"
    };
    format!(
        "the kernel installs {} of {sent} fds and {ctrunc}; none open after the result is dropped",
        expected.fds_installed
    )
}

/// One case, in the child: the problems found, then on a second line the
/// fds handed back without `FD_CLOEXEC`; or [`UNSUPPORTED`].
fn run_case<I: Implementation + ?Sized>(implementation: &I, model: &Model, case: Case) -> Vec<u8> {
    match receive_and_count(implementation, model, case) {
        Ok((problems, inheritable)) => {
            let problems = problems.join("; ").replace('\n', " ");
            let inheritable = match inheritable.as_slice() {
                [] => String::new(),
                fds => format!("handed back fds {fds:?} without FD_CLOEXEC"),
            };
            format!("{problems}\n{inheritable}").into_bytes()
        }
        Err(Setup::Unsupported) => UNSUPPORTED.to_vec(),
        Err(Setup::Failed(why)) => format!("the case could not be set up: {why}").into_bytes(),
    }
}

enum Setup {
    Unsupported,
    Failed(String),
}

impl From<std::io::Error> for Setup {
    fn from(err: std::io::Error) -> Self {
        Setup::Failed(err.to_string())
    }
}

fn receive_and_count<I: Implementation + ?Sized>(
    implementation: &I,
    model: &Model,
    case: Case,
) -> Result<(Vec<String>, Vec<RawFd>), Setup> {
    let (tx, rx) = socket::socketpair(SocketKind::Datagram)?;
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, case.credentials)?;
    let (passed, _peer) = UnixDatagram::pair()?;
    let sent = identity(passed.as_raw_fd()).ok_or(Setup::Failed("no inode".to_owned()))?;
    socket::send(tx.as_fd(), b"x", &vec![passed.as_fd(); case.fds], None)?;
    let before = open_fds();
    let old_limit = match case.fd_room {
        Some(room) => Some(fd_table::set_open_files_limit(limit_for(&before, room))?),
        None => None,
    };
    let answer = caught(|| implementation.receive(rx.as_fd(), case.control_len));
    if let Some(old) = old_limit {
        fd_table::set_open_files_limit(old)?;
    }
    let mut problems = Vec::new();
    let (handed, answered) = match answer {
        Ok(None) => return Err(Setup::Unsupported),
        Ok(Some(Ok(handed))) => (handed, true),
        Ok(Some(Err(_))) => (HandedBack::default(), false),
        Err(panic) => {
            problems.push(panic);
            (HandedBack::default(), false)
        }
    };
    let expected = case.expected(model);
    if let Some(truncated) = handed.truncated.filter(|&t| t != expected.truncated) {
        problems.push(format!("reported MSG_CTRUNC {truncated}"));
    }
    let numbers = handed.fds.iter().map(|fd| match fd {
        HandedFd::Owned(owned) => owned.as_raw_fd(),
        HandedFd::Raw(raw) => *raw,
    });
    let mut seen = Vec::new();
    let mut inheritable = Vec::new();
    for fd in numbers {
        if seen.contains(&fd) {
            problems.push(format!("handed back fd {fd} twice"));
        } else if before.contains(&fd) || identity(fd) != Some(sent) {
            problems.push(format!(
                "handed back fd {fd}, which is not a descriptor received"
            ));
        } else {
            if !fd_table::is_close_on_exec(fd) {
                inheritable.push(fd);
            }
            seen.push(fd);
        }
    }
    let installed = usize::try_from(expected.fds_installed).unwrap_or(usize::MAX);
    let lost = installed.saturating_sub(seen.len());
    if answered && lost > 0 && handed.truncated != Some(true) {
        problems.push(format!(
            "handed back {} of the {installed} fds the kernel installed, saying nothing of \
             the other {lost}",
            seen.len()
        ));
    }
    release(handed, &seen);
    let after = open_fds();
    let leaked: Vec<RawFd> = after
        .iter()
        .filter(|fd| !before.contains(fd))
        .copied()
        .collect();
    let closed: Vec<RawFd> = before
        .iter()
        .filter(|fd| !after.contains(fd))
        .copied()
        .collect();
    if !leaked.is_empty() {
        problems.push(format!(
            "leaked {} fds: {leaked:?} still open after the result was dropped",
            leaked.len()
        ));
    }
    if !closed.is_empty() {
        problems.push(format!("closed fds it did not receive: {closed:?}"));
    }
    Ok((problems, inheritable))
}

/// Drops what was handed back and closes the raw numbers among `verified`
/// (each a distinct descriptor received); an owned fd that repeats another
/// is forgotten rather than closed twice.
fn release(handed: HandedBack, verified: &[RawFd]) {
    let mut closed = Vec::new();
    for fd in handed.fds {
        let number = match &fd {
            HandedFd::Owned(owned) => owned.as_raw_fd(),
            HandedFd::Raw(raw) => *raw,
        };
        if closed.contains(&number) || !verified.contains(&number) {
            if let HandedFd::Owned(owned) = fd {
                std::mem::forget(owned);
            }
            continue;
        }
        closed.push(number);
        match fd {
            HandedFd::Owned(owned) => drop(owned),
            HandedFd::Raw(raw) => fd_table::close_handed_over(raw),
        }
    }
}

/// The process's open descriptors, in order. The listing's own handle is
/// closed again before the numbers are checked.
fn open_fds() -> Vec<RawFd> {
    let listed: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|dir| {
            dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let mut open: Vec<RawFd> = listed
        .into_iter()
        .filter(|&fd| fd_table::is_open(fd))
        .collect();
    open.sort_unstable();
    open
}

/// The `RLIMIT_NOFILE` under which exactly `room` more descriptors can be
/// opened: the kernel takes the lowest free numbers, below the limit.
fn limit_for(open: &[RawFd], room: usize) -> libc::rlim_t {
    (0..RawFd::MAX)
        .filter(|fd| !open.contains(fd))
        .nth(room)
        .and_then(|fd| libc::rlim_t::try_from(fd).ok())
        .unwrap_or(libc::rlim_t::MAX)
}

/// The file `fd` refers to, as (device, inode).
fn identity(fd: RawFd) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(format!("/proc/self/fd/{fd}")).ok()?;
    Some((metadata.dev(), metadata.ino()))
}
