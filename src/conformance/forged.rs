//! The `forged receives` check: an implementation's own receive call, given
//! a control buffer Linux never writes.
//!
//! Most cmsg code has no parse function to call: it parses what its own
//! `recvmsg` returned. Linux writes only well-formed buffers, but other
//! systems and situations do not: macOS hands back a `cmsg_len` longer than
//! the bytes it wrote when it cuts the control data short (rustix#1683),
//! and a sandbox that emulates `recvmsg` (gVisor's sentry, a seccomp
//! supervisor) or a kernel bug writes what it writes. Each case runs in a
//! forked child: a datagram waits on a fresh socket, and the
//! implementation's `receive` is called with a control buffer of the
//! input's length, while `sys/forge.rs` answers its `recvmsg` with the
//! input instead (as much as its buffer holds, `MSG_CTRUNC` when not all),
//! a new descriptor installed at each fd slot of the model's walk of the
//! bytes written, and of a cut message past their end
//! ([`Model::forged_fd_slots`]). Then, as in the `fds` check,
//! its open descriptors are listed before and after, and what it handed
//! back is checked: a crash, a hang, a descriptor leaked, closed or handed
//! back that was not installed (or already closed), and installed ones
//! dropped in silence from a buffer the model accepts are findings. Which
//! messages a receive accepts is the parse checks' matter: from a buffer
//! the model rejects, handing back the fds of the messages before the bad
//! header is no finding here, as long as none is leaked.

use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use super::compare::describe_walk;
use super::fd_ownership::{identity, open_fds, Installed};
use super::runner::{finding, not_run, summary};
use super::{HandedBack, Implementation, Report};
use crate::model::Model;
use crate::socket::{self, SocketKind};
use crate::sys::forge::{forge_recvmsg, Forgery};
use crate::sys::isolate::{in_child, ChildEnd};

/// The check's name in reports.
pub(super) const CHECK: &str = "forged receives";

/// The most descriptors one case installs: Linux's `SCM_MAX_FD`, the most
/// one message carries. Inputs with more fd slots are left out.
const MAX_FDS: usize = 253;

/// What a child answers, before its text: a case run, or why none can be.
const RAN: &str = "ran";
pub(super) const UNSUPPORTED: &str = "unsupported";
pub(super) const NOT_TRAPPED: &str = "not trapped";
pub(super) const UNAVAILABLE: &str = "unavailable";

/// Runs the check on `implementation` with each of `inputs` as the forged
/// control data, each case in a child allowed `limit`.
pub(super) fn forged_check<'i, I: Implementation + ?Sized>(
    implementation: &I,
    inputs: impl IntoIterator<Item = &'i [u8]>,
    limit: Duration,
    report: &mut Report,
) {
    let model = Model::new(implementation.layout());
    let inputs = inputs
        .into_iter()
        .filter(|input| model.forged_fd_slots(input, false).len() <= MAX_FDS);
    run_forged(
        CHECK,
        inputs,
        limit,
        report,
        |input| forged_receive(implementation, &model, input),
        |input, written| expected(&model, input, written),
    );
}

/// A forged check's loop: `case` run on each of `inputs` in a child
/// allowed `limit`, answering how many bytes the receive's buffer held and
/// the problems found (or why it cannot run: a tag and a reason), and
/// `expected` the model's line of a finding (given the bytes written, if
/// the child said).
pub(super) fn run_forged<'i>(
    check: &'static str,
    inputs: impl IntoIterator<Item = &'i [u8]>,
    limit: Duration,
    report: &mut Report,
    case: impl Fn(&[u8]) -> Result<(usize, Vec<String>), (&'static str, String)>,
    expected: impl Fn(&[u8], Option<&[u8]>) -> String,
) {
    let mut summary = summary(check);
    let mut findings = Vec::new();
    for input in inputs {
        let answer = |input: &[u8]| match case(input) {
            Ok((written, problems)) => {
                format!(
                    "{RAN}\n{written}\n{}",
                    problems.join("; ").replace('\n', " ")
                )
            }
            Err((tag, why)) => format!("{tag}\n0\n{why}"),
        };
        let text = match in_child(limit, || answer(input).into_bytes()) {
            ChildEnd::Returned(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            // How much its buffer held, the child did not get to say.
            ChildEnd::Failed(how) => format!("{RAN}\n?\n{how}"),
            ChildEnd::NotStarted(err) => return not_run(report, check, &err),
        };
        let mut lines = text.splitn(3, '\n');
        let (tag, written, problems) = match (lines.next(), lines.next(), lines.next()) {
            (Some(tag), Some(written), Some(problems)) => (tag, written, problems),
            _ => ("", "", text.as_str()),
        };
        match tag {
            RAN => {}
            UNSUPPORTED => return not_run(report, check, "the implementation does not receive"),
            NOT_TRAPPED => {
                let why =
                    "its receive makes no recvmsg(2) or recvmmsg(2) call on the socket to forge";
                return not_run(report, check, why);
            }
            _ => return not_run(report, check, &format!("no forged receive: {problems}")),
        }
        // What the receive's buffer held of the input, if the child said.
        let written = written.parse().ok().and_then(|len| input.get(..len));
        let found = (!problems.is_empty())
            .then(|| finding(check, input, expected(input, written), problems.to_owned()));
        summary.count(found, &mut findings);
    }
    if summary.cases == 0 {
        return not_run(report, check, "no input");
    }
    report.checks.push(summary);
    report.findings.extend(findings);
}

/// The model's line of a finding: its walk of the bytes `written` of
/// `input` (all, unless the receive's buffer was smaller; `None`: the
/// receive ended the child before it could say).
fn expected(model: &Model, input: &[u8], written: Option<&[u8]>) -> String {
    let (cut, written) = match written {
        Some(written) if written.len() < input.len() => (
            format!(
                "its buffer of {} bytes holds {} of the {}, with MSG_CTRUNC: ",
                written.len(),
                written.len(),
                input.len()
            ),
            written,
        ),
        Some(written) => (String::new(), written),
        None => (
            "if its buffer holds them all (a smaller one gets a prefix, with MSG_CTRUNC): "
                .to_owned(),
            input,
        ),
    };
    format!(
        "{cut}{}; a forged receive installs {} fds, each handed back or closed, none open \
         after the result is dropped (a forged buffer: whether or not Linux writes it, \
         another system, an emulated recvmsg or a kernel bug can)",
        describe_walk(&model.walk(written), written),
        model
            .forged_fd_slots(written, written.len() < input.len())
            .len(),
    )
}

/// The implementation's receive of `input`, forged: how many bytes its
/// buffer held and the problems found, or the tag and reason of a case
/// that could not run.
fn forged_receive<I: Implementation + ?Sized>(
    implementation: &I,
    model: &Model,
    input: &[u8],
) -> Result<(usize, Vec<String>), (&'static str, String)> {
    let setup = |err: std::io::Error| (UNAVAILABLE, err.to_string());
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).map_err(setup)?;
    // The datagram the receive waits for, which the forgery answers in its
    // place; a second receive gets it from the kernel.
    socket::send(tx.as_fd(), b"x", &[], None).map_err(setup)?;
    let (source, _peer) = UnixDatagram::pair().map_err(setup)?;
    let sent = identity(source.as_raw_fd()).ok_or((UNAVAILABLE, "no inode".to_owned()))?;
    let slots = |written: &[u8], cut| model.forged_fd_slots(written, cut);
    let forgery = Forgery {
        control: input,
        fd_slots: &slots,
        source: source.as_fd(),
        // An unnamed socket's peer: no name.
        name: &[],
    };
    let before = open_fds();
    // A panic is not caught here: it ends the child, which reports it
    // with its place in the implementation's code.
    let (answer, forged) = forge_recvmsg(rx.as_fd(), &forgery, || {
        implementation.receive(rx.as_fd(), input.len())
    })
    .map_err(setup)?;
    let mut problems = Vec::new();
    let (handed, answered) = match answer {
        None => return Err((UNSUPPORTED, String::new())),
        Some(Ok(handed)) => (handed, true),
        Some(Err(_)) => (HandedBack::default(), false),
    };
    if let Some(err) = forged.error {
        return Err((UNAVAILABLE, err));
    }
    if !forged.answered {
        return Err((NOT_TRAPPED, String::new()));
    }
    let written = input.get(..forged.written).unwrap_or(input);
    let rejection = model.walk(written).rejection;
    let installed = Installed {
        // From a rejected buffer nothing need be handed back.
        fds: match rejection {
            Some(_) => 0,
            None => forged.installed.len(),
        },
        by: "the forged receive",
        truncated: forged.written < input.len(),
        before: &before,
        identity: sent,
    };
    // Accepting what precedes a bad header is Go's rule broken, which the
    // parse checks report; here only what becomes of the fds counts.
    installed.judge(handed, answered, &mut problems);
    Ok((forged.written, problems))
}
