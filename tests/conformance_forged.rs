//! The `forged receives` check on doubles that call `recvmsg(2)` (or
//! `recvmmsg(2)`, as UDP stacks batch) as receive-only code does and break
//! one rule each: each is caught on the inputs that show it, and on no
//! other.
#![cfg(target_os = "linux")]

use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::path::PathBuf;

use sockcmsg::conformance::{Finding, HandedBack, HandedFd, Implementation, Runner};
use sockcmsg::model::Model;
use sockcmsg::Layout;

/// How each double goes wrong.
#[derive(Clone, Copy)]
enum Fault {
    /// None: closes what it took on an error, hands back every fd.
    Correct,
    /// Stops at the first malformed header and returns its error, leaving
    /// the fds it already read open (as passfd's error paths do).
    LeaksOnError,
    /// Reads the first header's data length as `cmsg_len - CMSG_LEN(0)`
    /// without checking it (as uds does), which panics below a header.
    TrustsTheLength,
    /// As `Correct`, receiving with `recvmmsg(2)`.
    Batched,
}

struct Receiver(Fault);

impl Implementation for Receiver {
    fn name(&self) -> String {
        "a recvmsg(2) double".to_owned()
    }

    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let control = recvmsg(socket, control_len, matches!(self.0, Fault::Batched));
        if let Fault::TrustsTheLength = self.0 {
            let len = control.get(..8).map_or(0, |len| {
                usize::from_ne_bytes(len.try_into().unwrap_or_default())
            });
            let _data_len = len - 16;
        }
        let mut owned = Vec::new();
        for msg in sockcmsg::messages(&control) {
            let msg = match msg {
                Ok(msg) => msg,
                Err(err) => {
                    if let Fault::LeaksOnError = self.0 {
                        owned.into_iter().for_each(std::mem::forget);
                    }
                    return Some(Err(err.to_string()));
                }
            };
            // SAFETY: each number is a descriptor this receive installed.
            owned.extend(
                whole_fds(&msg)
                    .into_iter()
                    .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
            );
        }
        Some(Ok(HandedBack {
            fds: owned.into_iter().map(HandedFd::Owned).collect(),
            truncated: None,
            control_len: None,
        }))
    }
}

/// The whole fds of an `SCM_RIGHTS` message, as the kernel installed them.
fn whole_fds(msg: &sockcmsg::SocketControlMessage<'_>) -> Vec<i32> {
    let layout = Layout::HOST;
    if (msg.header.level, msg.header.kind) != (layout.sol_socket(), layout.scm_rights()) {
        return Vec::new();
    }
    let fds = msg.data.chunks_exact(4);
    fds.map(|fd| i32::from_ne_bytes(fd.try_into().unwrap_or_default()))
        .collect()
}

/// One `recvmsg(2)` (or, `batch`, a `recvmmsg(2)` of one message) with
/// `control_len` bytes of control room: the control bytes written.
fn recvmsg(socket: BorrowedFd<'_>, control_len: usize, batch: bool) -> Vec<u8> {
    let mut control = vec![0u64; control_len.div_ceil(8)];
    let mut byte = [0u8; 1];
    let mut iov = libc::iovec {
        iov_base: byte.as_mut_ptr().cast(),
        iov_len: 1,
    };
    // SAFETY: msghdr is plain C data; all zeroes is an empty one.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = control_len as _;
    // SAFETY: mmsghdr is plain C data; all zeroes is an empty one.
    let mut batched: libc::mmsghdr = unsafe { std::mem::zeroed() };
    // The system call itself: 32-bit x86's C library may go through
    // socketcall(2), which the forgery does not trap.
    // SAFETY: `msg` points to `iov` and `control`, alive for the call, and
    // `batched` holds a copy of it, which the call writes back into.
    let received = unsafe {
        match batch {
            false => libc::syscall(
                libc::SYS_recvmsg,
                socket.as_raw_fd(),
                &mut msg,
                libc::MSG_CMSG_CLOEXEC,
            ),
            true => {
                batched.msg_hdr = msg;
                let n = libc::syscall(
                    libc::SYS_recvmmsg,
                    socket.as_raw_fd(),
                    &mut batched,
                    1,
                    libc::MSG_CMSG_CLOEXEC,
                    std::ptr::null_mut::<libc::timespec>(),
                );
                msg = batched.msg_hdr;
                n
            }
        }
    };
    let written = if received < 0 {
        0
    } else {
        msg.msg_controllen as usize
    };
    control
        .iter()
        .flat_map(|word| word.to_ne_bytes())
        .take(written.min(control_len))
        .collect()
}

/// A folder of the given inputs, as the runner's corpus.
fn corpus(name: &str, inputs: &[Vec<u8>]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sockcmsg-forged-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (n, input) in inputs.iter().enumerate() {
        std::fs::write(dir.join(format!("{n:03}")), input).unwrap();
    }
    dir
}

fn forged_findings(fault: Fault, inputs: &[Vec<u8>]) -> Vec<Finding> {
    let name = ["correct", "leaks", "trusts", "batched"][fault as usize];
    let dir = corpus(name, inputs);
    let report = Runner::new(&Receiver(fault))
        .only(["forged receives"])
        .corpus(&dir)
        .property_cases(16)
        .run();
    std::fs::remove_dir_all(&dir).unwrap();
    let ran = report
        .checks
        .iter()
        .find(|check| check.check == "forged receives");
    assert!(
        ran.is_some_and(|ran| ran.not_run.is_none() && ran.cases > inputs.len()),
        "{report}"
    );
    report.findings
}

fn model() -> Model {
    Model::new(Layout::HOST)
}

/// Two fds, then a header shorter than a header: the model rejects it,
/// and a forged receive installs the two fds.
fn rights_then_short_header() -> Vec<u8> {
    let model = model();
    let layout = model.layout();
    let fds = model.fd_bytes(&[7, 8]);
    let mut buf = model.encode([(layout.sol_socket(), layout.scm_rights(), &fds[..])]);
    buf.extend(model.header(0, 1, 1));
    buf
}

#[test]
fn a_receive_that_owns_every_fd_and_rejects_as_the_model_has_no_finding() {
    let findings = forged_findings(Fault::Correct, &[rights_then_short_header()]);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn a_batched_receive_is_forged_as_a_single_one_and_has_no_finding() {
    let findings = forged_findings(Fault::Batched, &[rights_then_short_header()]);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn fds_left_open_on_an_error_are_found_where_the_model_rejects_after_rights() {
    if Layout::HOST != Layout::LINUX_64 {
        return;
    }
    let leaky = rights_then_short_header();
    let findings = forged_findings(Fault::LeaksOnError, std::slice::from_ref(&leaky));
    let model = model();
    for finding in &findings {
        assert!(
            model.walk(&finding.input).rejection.is_some(),
            "{finding:#?}"
        );
        assert!(
            !model.forged_fd_slots(&finding.input, false).is_empty(),
            "{finding:#?}"
        );
        assert!(finding.implementation.starts_with("leaked"), "{finding:#?}");
    }
    let found = findings.iter().find(|finding| finding.input == leaky);
    let Some(found) = found else {
        panic!("{findings:#?}");
    };
    assert!(
        found.implementation.starts_with("leaked 2 fds"),
        "{found:#?}"
    );
    assert!(found.model.contains("installs 2 fds"), "{found:#?}");
}

#[test]
fn an_unchecked_length_is_found_on_a_header_shorter_than_a_header() {
    if Layout::HOST != Layout::LINUX_64 {
        return;
    }
    let short = vec![0u8; 16];
    let whole = rights_then_short_header();
    let findings = forged_findings(Fault::TrustsTheLength, &[short.clone(), whole]);
    let model = model();
    for finding in &findings {
        if finding.input.len() >= 16 {
            let (len, ..) = model.read_header(&finding.input);
            assert!(len < 16, "{finding:#?}");
        }
        assert!(
            finding
                .implementation
                .contains("attempt to subtract with overflow"),
            "{finding:#?}"
        );
    }
    assert!(
        findings.iter().any(|finding| finding.input == short),
        "{findings:#?}"
    );
}
