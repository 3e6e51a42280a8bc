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
//! [`Model::kernel_receive`] for the control buffer the implementation
//! used: the case's size, or the one it says in
//! [`HandedBack::control_len`] (an API that sizes its own buffer).

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
    /// The same case with the control buffer an implementation used.
    fn with_control_len(self, control_len: usize) -> Case {
        Case {
            control_len,
            ..self
        }
    }

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
        let answer = match in_child(limit, || run_case(implementation, &model, case)) {
            ChildEnd::Returned(bytes) if bytes == UNSUPPORTED => {
                let why = "the implementation does not receive";
                not_run(report, "fds", why);
                return not_run(report, "cloexec", why);
            }
            ChildEnd::Returned(bytes) => Answer::read(&bytes, case.control_len),
            // Whatever size it meant to use, it did not say: the case's.
            ChildEnd::Failed(how) => Answer {
                control_len: case.control_len,
                problems: how,
                inheritable: String::new(),
            },
            ChildEnd::NotStarted(err) => {
                not_run(report, "fds", &err);
                return not_run(report, "cloexec", &err);
            }
        };
        let expected = case.with_control_len(answer.control_len).expected(&model);
        let input = case.to_string();
        fds.cases = fds.cases.saturating_add(1);
        if !answer.problems.is_empty() {
            fds.findings = fds.findings.saturating_add(1);
            let model = describe(&expected, case, answer.control_len);
            findings.push(finding("fds", input.as_bytes(), model, answer.problems));
        }
        if expected.fds_installed > 0 {
            cloexec.cases = cloexec.cases.saturating_add(1);
            if !answer.inheritable.is_empty() {
                cloexec.findings = cloexec.findings.saturating_add(1);
                let model = "every fd handed back close-on-exec, as MSG_CMSG_CLOEXEC makes it: \
                             a program that execs must not pass on what a peer sent"
                    .to_owned();
                findings.push(finding(
                    "cloexec",
                    input.as_bytes(),
                    model,
                    answer.inheritable,
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

/// What a child found, sent to the parent as three lines.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    /// The control buffer the implementation used.
    control_len: usize,
    /// The `fds` problems, or empty.
    problems: String,
    /// The fds handed back without `FD_CLOEXEC`, or empty.
    inheritable: String,
}

impl Answer {
    fn to_bytes(&self) -> Vec<u8> {
        let one_line = |text: &str| text.replace('\n', " ");
        format!(
            "{}\n{}\n{}",
            self.control_len,
            one_line(&self.problems),
            one_line(&self.inheritable)
        )
        .into_bytes()
    }

    /// The answer in `bytes`; text that is not one (which the child does
    /// not write) is all problems, for the case's `asked` size.
    fn read(bytes: &[u8], asked: usize) -> Answer {
        let text = String::from_utf8_lossy(bytes);
        let mut lines = text.splitn(3, '\n');
        match (lines.next().map(str::parse), lines.next(), lines.next()) {
            (Some(Ok(control_len)), Some(problems), Some(inheritable)) => Answer {
                control_len,
                problems: problems.to_owned(),
                inheritable: inheritable.to_owned(),
            },
            _ => Answer {
                control_len: asked,
                problems: text.into_owned(),
                inheritable: String::new(),
            },
        }
    }
}

/// The model's line of an `fds` finding: what the kernel does with the
/// buffer used, which is named when it is not the one `case` asked for.
fn describe(expected: &KernelReceive, case: Case, used: usize) -> String {
    let ctrunc = if expected.truncated {
        "sets MSG_CTRUNC"
    } else {
        "does not set MSG_CTRUNC"
    };
    let kernel = if used == case.control_len {
        "the kernel".to_owned()
    } else {
        format!(
            "with the control buffer of {used} bytes the implementation used ({} asked for), \
             the kernel",
            case.control_len
        )
    };
    format!(
        "{kernel} installs {} of {} fds and {ctrunc}; none open after the result is dropped",
        expected.fds_installed, case.fds
    )
}

/// One case, in the child: its [`Answer`], or [`UNSUPPORTED`].
fn run_case<I: Implementation + ?Sized>(implementation: &I, model: &Model, case: Case) -> Vec<u8> {
    let answer = match receive_and_count(implementation, model, case) {
        Ok((control_len, problems, inheritable)) => Answer {
            control_len,
            problems: problems.join("; "),
            inheritable: match inheritable.as_slice() {
                [] => String::new(),
                fds => format!("handed back fds {fds:?} without FD_CLOEXEC"),
            },
        },
        Err(Setup::Unsupported) => return UNSUPPORTED.to_vec(),
        Err(Setup::Failed(why)) => Answer {
            control_len: case.control_len,
            problems: format!("the case could not be set up: {why}"),
            inheritable: String::new(),
        },
    };
    answer.to_bytes()
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

/// Runs `case`'s receive and answers the control buffer size used, the
/// problems found and the fds handed back without `FD_CLOEXEC`.
fn receive_and_count<I: Implementation + ?Sized>(
    implementation: &I,
    model: &Model,
    case: Case,
) -> Result<(usize, Vec<String>, Vec<RawFd>), Setup> {
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
    let used = handed.control_len.unwrap_or(case.control_len);
    let expected = case.with_control_len(used).expected(model);
    let installed = Installed {
        fds: usize::try_from(expected.fds_installed).unwrap_or(usize::MAX),
        by: "the kernel",
        truncated: expected.truncated,
        before: &before,
        identity: sent,
    };
    let inheritable = installed.judge(handed, answered, &mut problems);
    Ok((used, problems, inheritable))
}

/// What a receive was given: the basis of [`Installed::judge`].
pub(super) struct Installed<'a> {
    /// How many descriptors were installed and must be handed back (all
    /// of them, unless the receive says the control data was cut short).
    pub(super) fds: usize,
    /// Who installed them, as a finding says it.
    pub(super) by: &'static str,
    /// Whether `MSG_CTRUNC` was set.
    pub(super) truncated: bool,
    /// The descriptors open before the receive.
    pub(super) before: &'a [RawFd],
    /// The file each installed descriptor refers to.
    pub(super) identity: (u64, u64),
}

impl Installed<'_> {
    /// Checks what a receive handed back (`answered`: as a success) against
    /// what was installed, adding each problem: a descriptor handed back
    /// twice or not received, `MSG_CTRUNC` misreported, installed ones not
    /// handed back in silence; then drops what was handed back and adds
    /// the descriptors left open or closed that were not received. Gives
    /// back those of the fds received that were handed back without
    /// `FD_CLOEXEC`.
    pub(super) fn judge(
        &self,
        handed: HandedBack,
        answered: bool,
        problems: &mut Vec<String>,
    ) -> Vec<RawFd> {
        if let Some(truncated) = handed.truncated.filter(|&t| t != self.truncated) {
            problems.push(format!("reported MSG_CTRUNC {truncated}"));
        }
        let numbers = handed.fds.iter().map(|fd| match fd {
            HandedFd::Owned(owned) => owned.as_raw_fd(),
            HandedFd::Raw(raw) => *raw,
        });
        let mut seen = Vec::new();
        let mut inheritable = Vec::new();
        let (mut twice, mut closed_early, mut foreign) = (Vec::new(), Vec::new(), Vec::new());
        for fd in numbers {
            if seen.contains(&fd) {
                twice.push(fd);
            } else if !self.before.contains(&fd) && !fd_table::is_open(fd) {
                closed_early.push(fd);
            } else if self.before.contains(&fd) || identity(fd) != Some(self.identity) {
                foreign.push(fd);
            } else {
                if !fd_table::is_close_on_exec(fd) {
                    inheritable.push(fd);
                }
                seen.push(fd);
            }
        }
        // Those closed early were handed back: not lost in silence.
        let lost = self
            .fds
            .saturating_sub(seen.len())
            .saturating_sub(closed_early.len());
        for (fds, what) in [
            (twice, "twice"),
            (
                closed_early,
                "that were not open (closed before the caller got them, or never opened)",
            ),
            (foreign, "that were not received"),
        ] {
            if !fds.is_empty() {
                problems.push(format!(
                    "handed back {} fds {what}: {}",
                    fds.len(),
                    some(&fds)
                ));
            }
        }
        if answered && lost > 0 && handed.truncated != Some(true) {
            problems.push(format!(
                "handed back {} of the {} fds {} installed, saying nothing of the other {lost}",
                seen.len(),
                self.fds,
                self.by,
            ));
        }
        release(handed, &seen);
        let after = open_fds();
        let leaked: Vec<RawFd> = after
            .iter()
            .filter(|fd| !self.before.contains(fd))
            .copied()
            .collect();
        let closed: Vec<RawFd> = self
            .before
            .iter()
            .filter(|fd| !after.contains(fd))
            .copied()
            .collect();
        if !leaked.is_empty() {
            problems.push(format!(
                "leaked {} fds: {} still open after the result was dropped",
                leaked.len(),
                some(&leaked)
            ));
        }
        if !closed.is_empty() {
            problems.push(format!("closed fds it did not receive: {}", some(&closed)));
        }
        inheritable
    }
}

/// The first few of `fds`, for a finding's line.
fn some(fds: &[RawFd]) -> String {
    match fds.get(..8) {
        Some(first) if fds.len() > 8 => {
            format!("{first:?} and {} more", fds.len().saturating_sub(8))
        }
        _ => format!("{fds:?}"),
    }
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
pub(super) fn open_fds() -> Vec<RawFd> {
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
pub(super) fn identity(fd: RawFd) -> Option<(u64, u64)> {
    let metadata = std::fs::metadata(format!("/proc/self/fd/{fd}")).ok()?;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(test)]
mod tests {
    use std::os::fd::BorrowedFd;

    use super::*;
    use crate::conformance::{Finding, Runner};
    use crate::socket::ControlBuffer;
    use crate::Layout;

    /// The size of the one control buffer the doubles receive into,
    /// whatever they are asked for.
    const FIXED: usize = 24;

    /// Receives into [`FIXED`] bytes every time, as `passfd` does; says so
    /// when `says_its_size`. Hands back every fd as an `OwnedFd` and the
    /// kernel's `MSG_CTRUNC`, unless `keeps_only_the_first`, where it hands
    /// back the first fd and leaves the others open, unreachable.
    struct FixedBuffer {
        says_its_size: bool,
        keeps_only_the_first: bool,
    }

    impl Implementation for FixedBuffer {
        fn name(&self) -> String {
            "a fixed control buffer".to_owned()
        }

        fn receive(
            &self,
            sock: BorrowedFd<'_>,
            control_len: usize,
        ) -> Option<Result<HandedBack, String>> {
            let _ = control_len;
            let mut control = ControlBuffer::with_len(FIXED);
            let received = match socket::recv(sock, &mut [0; 1], &mut control) {
                Ok(received) => received,
                Err(err) => return Some(Err(err.to_string())),
            };
            let mut fds = received.fds.into_iter();
            let handed: Vec<HandedFd> = if self.keeps_only_the_first {
                let first = fds.next().map(HandedFd::Owned);
                // The leak: descriptors no one will close.
                fds.for_each(std::mem::forget);
                first.into_iter().collect()
            } else {
                fds.map(HandedFd::Owned).collect()
            };
            Some(Ok(HandedBack {
                fds: handed,
                truncated: Some(received.control_truncated),
                control_len: self.says_its_size.then_some(FIXED),
            }))
        }
    }

    fn fds_findings(implementation: &FixedBuffer) -> Vec<Finding> {
        let report = Runner::new(implementation).only(["fds"]).run();
        let fds = report.checks.iter().find(|summary| summary.check == "fds");
        assert!(
            fds.is_some_and(|fds| fds.not_run.is_none() && fds.cases > 0),
            "{report}"
        );
        report.findings
    }

    /// The kernel's side of `case` received into [`FIXED`] bytes.
    fn into_fixed(case: Case) -> KernelReceive {
        case.with_control_len(FIXED)
            .expected(&Model::new(Layout::HOST))
    }

    #[test]
    fn a_receive_that_says_its_fixed_size_and_owns_everything_has_no_finding() {
        let owns_all = FixedBuffer {
            says_its_size: true,
            keeps_only_the_first: false,
        };
        let findings = fds_findings(&owns_all);
        assert!(findings.is_empty(), "{findings:#?}");
    }

    /// Without the size, the same receive is compared with buffers it did
    /// not use: its (right) `MSG_CTRUNC` answers differ from theirs.
    #[test]
    fn the_same_receive_not_saying_its_size_is_compared_with_the_size_asked() {
        let silent = FixedBuffer {
            says_its_size: false,
            keeps_only_the_first: false,
        };
        let findings = fds_findings(&silent);
        assert!(!findings.is_empty());
        assert!(
            findings
                .iter()
                .all(|finding| finding.implementation.starts_with("reported MSG_CTRUNC")),
            "{findings:#?}"
        );
    }

    #[test]
    fn a_fixed_size_receive_that_leaks_is_found_with_the_size_it_used() {
        let leaks = FixedBuffer {
            says_its_size: true,
            keeps_only_the_first: true,
        };
        let findings = fds_findings(&leaks);
        let model = Model::new(Layout::HOST);
        let mut leaking = 0;
        for case in cases(&model) {
            let kernel = into_fixed(case);
            let finding = findings
                .iter()
                .find(|finding| finding.input == case.to_string().as_bytes());
            // It leaks what the kernel installs past the first fd.
            if kernel.fds_installed < 2 {
                assert!(finding.is_none(), "{case}: {finding:#?}");
                continue;
            }
            leaking += 1;
            let Some(finding) = finding else {
                panic!("{case}: no finding in {findings:#?}");
            };
            let ctrunc = if kernel.truncated {
                "sets"
            } else {
                "does not set"
            };
            let kernel_line = format!(
                "installs {} of {} fds and {ctrunc} MSG_CTRUNC; none open after the result \
                 is dropped",
                kernel.fds_installed, case.fds
            );
            let expected = if case.control_len == FIXED {
                format!("the kernel {kernel_line}")
            } else {
                format!(
                    "with the control buffer of {FIXED} bytes the implementation used ({} \
                     asked for), the kernel {kernel_line}",
                    case.control_len
                )
            };
            assert_eq!(finding.model, expected);
            assert!(
                finding
                    .implementation
                    .contains(&format!("leaked {} fds", kernel.fds_installed - 1)),
                "{case}: {}",
                finding.implementation
            );
        }
        assert!(leaking > 0);
        assert_eq!(findings.len(), leaking, "{findings:#?}");
    }

    #[test]
    fn an_answer_survives_the_pipe_and_anything_else_is_all_problems() {
        let answer = Answer {
            control_len: 24,
            problems: "leaked 1 fds: [15]".to_owned(),
            inheritable: "handed back fds [14] without FD_CLOEXEC".to_owned(),
        };
        assert_eq!(Answer::read(&answer.to_bytes(), 0), answer);
        let garbled = Answer::read(b"not a size\nx", 16);
        assert_eq!(garbled.control_len, 16);
        assert_eq!(garbled.problems, "not a size\nx");
    }
}
