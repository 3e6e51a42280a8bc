//! Python's receive of passed descriptors, as a Python program calls it:
//! `peers/python/recv.py` (the standard library only) run by the `python3`
//! on `PATH` (or the interpreter `SOCKCMSG_PEER_PYTHON` names), one process
//! per receive, as Go's peer is one per call. Two rows:
//!
//! - [`Python::recv_fds`]: `socket.recv_fds(sock, 1, maxfds)` (Python 3.9+).
//!   It sizes its own control buffer, `CMSG_LEN(maxfds * 4)` (3.11.7
//!   `Lib/socket.py:573-574`): the adapter asks for the fds a buffer of
//!   `control_len` holds (`fds_fitting`), 16 + 4k bytes on 64-bit
//!   Linux (16 for `control_len` under 16), and says the size used in
//!   [`HandedBack::control_len`], as the sendfd adapter does.
//! - [`Python::recvmsg`]: `sock.recvmsg(1, control_len)`, then the loop of
//!   the `socket` module's documentation over its `ancdata` (each
//!   `SCM_RIGHTS` item's data, cut to whole ints, into an `array("i")`):
//!   every buffer size, as asked.
//!
//! Both hand their caller `msg_flags`, so `truncated` is its `MSG_CTRUNC`.
//!
//! # One receive
//!
//! The socket is passed to Python **with the same number** it has here
//! (`FD_CLOEXEC` cleared on it in the spawned child only, with `pre_exec`):
//! the receive is Python's own `recvmsg(2)` on that number, which a
//! `recvmsg` filter on the number (the `forged receives` check's seccomp
//! trap, inherited across `exec`) catches. Python lists `/proc/self/fd`
//! before and after the receive and answers on a `SOCK_SEQPACKET` pair:
//! the fds it has to show, as `SCM_RIGHTS` (its own `sendmsg`, at most 253
//! to a message), then a line (the fds handed back, in Python's numbers;
//! each one's `FD_CLOEXEC` as the API left it; the fds the receive opened
//! that the API did not hand back; `msg_flags`; the control buffer used;
//! an `OSError`'s text), then an end message, which ends the answer (not
//! the end of the pair or of a pipe, which a copy handed back would keep
//! open). The runner then sees, in this process:
//!
//! - the fds handed back, as `HandedFd::Owned` copies, with `FD_CLOEXEC` set
//!   or cleared on each copy to match what Python had on its own (the
//!   copies arrive close-on-exec, `MSG_CMSG_CLOEXEC`): the `cloexec` check
//!   reads Python's status, not the hand-back's (a number handed back
//!   twice comes back as the same copy twice; one of Python's standard
//!   streams or the socket, open before the receive, as the same number
//!   here; any other number Python had open before, or not open in Python,
//!   as -1: the runner finds these are not descriptors received);
//! - **the fds Python left open without handing them back, as copies
//!   deliberately left open here** (`into_raw_fd`, never closed): the `fds`
//!   check counts them as leaked, one for one, with the same "handed back k
//!   of the n installed" when the API was silent about them. An `Err` with
//!   the list would not do: the check treats an error as "nothing handed
//!   back" and looks only at the descriptors left open.
//!
//! An `OSError` from the receive is `Err` with its text (any fd Python left
//! open still comes back as a leak). A Python that does not answer (a
//! traceback, the interpreter gone) is a panic with its standard error,
//! which the runner reports, as the Go peer does.
//!
//! When the runner lowers `RLIMIT_NOFILE` around the receive (room for k
//! more fds), the adapter raises it again for the spawn and the hand-back
//! (they need descriptors of their own) and has Python set the same room in
//! its own table around its receive alone: the kernel installs into
//! Python's table, so that is where the limit must bite. The soft limit is
//! put back as it was before the adapter returns.
//!
//! The interpreter is asked its path (`sys.executable`, so that each receive
//! starts it directly, not through a shim such as pyenv's) and version when
//! the adapter is first asked (`name()`, in the runner's process). Without a
//! `python3` every method answers `None` and the name says
//! `python (not installed)`; without `socket.recv_fds` (Python before 3.9)
//! that row does not receive.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, IntoRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use sockcmsg::conformance::{HandedBack, HandedFd, Implementation};
use sockcmsg::socket::{self, ControlBuffer, SocketKind};

/// The script, found from this crate's folder at compile time.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/python/recv.py");

/// The variable naming another interpreter than the `python3` on `PATH`.
pub const INTERPRETER_VARIABLE: &str = "SOCKCMSG_PEER_PYTHON";

/// Which of Python's receives a row calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Api {
    /// `socket.recv_fds(sock, bufsize, maxfds)`.
    RecvFds,
    /// `sock.recvmsg(bufsize, ancbufsize)` and the documentation's loop.
    Recvmsg,
}

/// Python's `socket` module through `peers/python/recv.py`.
pub struct Python {
    api: Api,
    interpreter: OnceLock<Result<Interpreter, String>>,
}

/// The interpreter and what it said of itself.
struct Interpreter {
    /// `sys.executable`.
    path: PathBuf,
    /// `sys.version_info`, such as `3.11.7`.
    version: String,
    /// Whether `socket.recv_fds` exists (3.9+).
    has_recv_fds: bool,
}

impl Python {
    /// The `socket.recv_fds` row.
    pub fn recv_fds() -> Python {
        Python {
            api: Api::RecvFds,
            interpreter: OnceLock::new(),
        }
    }

    /// The `sock.recvmsg` row.
    pub fn recvmsg() -> Python {
        Python {
            api: Api::Recvmsg,
            interpreter: OnceLock::new(),
        }
    }

    fn interpreter(&self) -> &Result<Interpreter, String> {
        self.interpreter.get_or_init(find)
    }
}

impl Implementation for Python {
    fn name(&self) -> String {
        let api = match self.api {
            Api::RecvFds => "socket.recv_fds",
            Api::Recvmsg => "socket.recvmsg",
        };
        match self.interpreter() {
            Ok(python) => format!("Python {api} ({})", python.version),
            Err(why) => format!("python ({why})"),
        }
    }

    #[allow(
        clippy::panic,
        reason = "a Python that does not answer is reported as a panic"
    )]
    fn receive(
        &self,
        socket: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let python = self.interpreter().as_ref().ok()?;
        let (size, used) = match self.api {
            Api::RecvFds if !python.has_recv_fds => return None,
            Api::RecvFds => {
                let maxfds = crate::fds_fitting(control_len);
                (maxfds, Some(cmsg_len(maxfds)))
            }
            Api::Recvmsg => (control_len, None),
        };
        let answer = match run(python, self.api, size, socket) {
            Ok(answer) => answer,
            Err(err) => panic!("peer-python: {err}"),
        };
        Some(answer.handed_back(socket.as_raw_fd(), used))
    }
}

/// `CMSG_LEN(maxfds * sizeof(int))`: the buffer `recv_fds` receives into.
fn cmsg_len(maxfds: usize) -> usize {
    let data = maxfds.saturating_mul(std::mem::size_of::<libc::c_int>());
    // SAFETY: CMSG_LEN only computes with its argument.
    unsafe { libc::CMSG_LEN(u32::try_from(data).unwrap_or(u32::MAX)) as usize }
}

/// Asks the interpreter its path, its version and whether it has
/// `socket.recv_fds`.
fn find() -> Result<Interpreter, String> {
    let program = std::env::var_os(INTERPRETER_VARIABLE).unwrap_or_else(|| "python3".into());
    let output = match Command::new(&program)
        .args(["-I", "-S", SCRIPT, "version"])
        .stdin(Stdio::null())
        .output()
    {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err("not installed".to_owned())
        }
        Err(err) => return Err(format!("{}: {err}", program.to_string_lossy())),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    match (
        output.status.success(),
        lines.next(),
        lines.next(),
        lines.next(),
    ) {
        (true, Some(path), Some(version), Some(recv_fds)) => Ok(Interpreter {
            path: PathBuf::from(path),
            version: version.to_owned(),
            has_recv_fds: recv_fds == "1",
        }),
        _ => Err(format!(
            "{} {SCRIPT} version: {} {}",
            program.to_string_lossy(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

/// An fd the API handed back, as it was in Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// Opened by the receive, with `FD_CLOEXEC` set (`true`) or not: a
    /// copy of it is sent.
    Received { cloexec: bool },
    /// Open before the receive: not one received, and not sent.
    Before,
    /// Not open.
    Closed,
}

/// What Python answered, its fds received here.
struct Answer {
    /// The fds the API handed back, in Python's numbers, in order.
    fds: Vec<RawFd>,
    /// For each, what it was in Python.
    status: Vec<Status>,
    /// The fds the receive left open in Python without handing them back.
    leaked: Vec<RawFd>,
    /// Each distinct fd of `fds` opened by the receive and of `leaked`
    /// (Python's number) with its copy here.
    copies: Vec<(RawFd, OwnedFd)>,
    /// `msg_flags`.
    flags: libc::c_int,
    /// The control buffer Python says the API used.
    control_len: Option<usize>,
    /// An `OSError`'s text.
    error: Option<String>,
}

impl Answer {
    /// What Python's caller got, as copies in this process: see the module
    /// documentation. `socket` is the number received from, here and in
    /// Python; `used` is the control buffer the adapter knows the API sized
    /// for itself.
    fn handed_back(mut self, socket: RawFd, used: Option<usize>) -> Result<HandedBack, String> {
        let mut handed = Vec::new();
        // Python's number -> the number of its copy here, once handed.
        let mut given: Vec<(RawFd, RawFd)> = Vec::new();
        for (&fd, &status) in self.fds.iter().zip(&self.status) {
            if let Some(&(_, copy)) = given.iter().find(|(python, _)| *python == fd) {
                // The same number twice: so the runner sees it.
                handed.push(HandedFd::Raw(copy));
                continue;
            }
            let at = self.copies.iter().position(|(python, _)| *python == fd);
            match (status, at) {
                (Status::Received { cloexec }, Some(at)) => {
                    let (_, copy) = self.copies.swap_remove(at);
                    set_cloexec(copy.as_fd(), cloexec);
                    given.push((fd, copy.as_raw_fd()));
                    handed.push(HandedFd::Owned(copy));
                }
                // One of Python's own, its standard streams or the socket:
                // the same number here (the socket's is the same socket),
                // which the runner finds is not a descriptor received, and
                // does not close. (Its end of the pair has a number that
                // may be a copy's here by now: -1, as any other.)
                (Status::Before, _) if (fd <= 2 || fd == socket) && is_open(fd) => {
                    handed.push(HandedFd::Raw(fd))
                }
                // A number with nothing behind it.
                _ => handed.push(HandedFd::Raw(-1)),
            }
        }
        for fd in &self.leaked {
            if let Some(at) = self.copies.iter().position(|(python, _)| python == fd) {
                let (_, copy) = self.copies.swap_remove(at);
                // Python's leak, made the runner's: left open on purpose,
                // never closed (see the module documentation).
                let _ = copy.into_raw_fd();
            }
        }
        if let Some(error) = self.error {
            return Err(error);
        }
        let control_len = self.control_len.or(used);
        Ok(HandedBack {
            fds: handed,
            truncated: Some(self.flags & libc::MSG_CTRUNC != 0),
            control_len,
        })
    }
}

/// Sets or clears `FD_CLOEXEC` on `fd`.
fn set_cloexec(fd: BorrowedFd<'_>, on: bool) {
    let flags = if on { libc::FD_CLOEXEC } else { 0 };
    // SAFETY: F_SETFD changes only the descriptor's flags; `fd` is open
    // for the borrow.
    unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, flags) };
}

/// The soft `RLIMIT_NOFILE` as it was, put back when dropped.
struct OpenFilesLimit {
    soft: libc::rlim_t,
    hard: libc::rlim_t,
}

impl OpenFilesLimit {
    fn get() -> Result<OpenFilesLimit, String> {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `limit` is a valid rlimit to write into.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
            return Err(format!("getrlimit: {}", std::io::Error::last_os_error()));
        }
        Ok(OpenFilesLimit {
            soft: limit.rlim_cur,
            hard: limit.rlim_max,
        })
    }

    fn set_soft(&self, soft: libc::rlim_t) {
        let limit = libc::rlimit {
            rlim_cur: soft.min(self.hard),
            rlim_max: self.hard,
        };
        // SAFETY: `limit` is a valid rlimit to read. A soft limit at or
        // under the hard one always can be set; should it fail, the
        // receive is made with what there is.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    }
}

impl Drop for OpenFilesLimit {
    fn drop(&mut self) {
        self.set_soft(self.soft);
    }
}

/// How many more descriptors the process may open under the soft limit
/// `soft`, given the open ones; `None` for no limit.
fn room(soft: libc::rlim_t) -> Option<u64> {
    if soft == libc::RLIM_INFINITY {
        return None;
    }
    let listed: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|dir| {
            dir.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    // The listing's own descriptor is closed by now: not counted.
    let open = listed
        .into_iter()
        .filter(|&fd| u64::try_from(fd).is_ok_and(|fd| fd < soft) && is_open(fd))
        .count();
    Some(soft.saturating_sub(open as u64))
}

/// Whether `fd` is open here.
fn is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD reads the descriptor's flags and changes nothing; a
    // closed number is EBADF.
    unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
}

/// Starts the script on `socket` and takes its answer.
fn run(
    python: &Interpreter,
    api: Api,
    size: usize,
    socket: BorrowedFd<'_>,
) -> Result<Answer, String> {
    // Room for the spawn and the hand-back first, then the room the
    // caller had, measured against the limit it set.
    let limit = OpenFilesLimit::get()?;
    limit.set_soft(limit.soft.saturating_add(256));
    let room = room(limit.soft).map_or(-1, |room| i64::try_from(room).unwrap_or(i64::MAX));
    let (ours, theirs) =
        socket::socketpair(SocketKind::SeqPacket).map_err(|err| format!("socketpair: {err}"))?;
    let (sock_fd, back_fd) = (socket.as_raw_fd(), theirs.as_raw_fd());
    let mode = match api {
        Api::RecvFds => "recv_fds",
        Api::Recvmsg => "recvmsg",
    };
    let mut command = Command::new(&python.path);
    command
        .args(["-I", "-S", SCRIPT, mode])
        .args([size.to_string(), sock_fd.to_string(), back_fd.to_string()])
        .arg(room.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: the closure runs in the forked child before exec and makes
    // only async-signal-safe system calls (fcntl, prctl) on numbers open
    // in it.
    unsafe {
        command.pre_exec(move || {
            for fd in [sock_fd, back_fd] {
                if libc::fcntl(fd, libc::F_SETFD, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // Gone with this process, should the runner kill it mid-case.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .map_err(|err| format!("{}: {err}", python.path.display()))?;
    // Only Python holds its end now: should it end before its end
    // message, the wait below ends too.
    drop(theirs);
    let (fds, line) = match take_answer(ours.as_fd()) {
        Ok(answer) => answer,
        Err(err) => {
            // The fds received so far are closed by now.
            let mut text = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut text);
            }
            let status = child.wait().map_err(|err| format!("wait: {err}"))?;
            return Err(format!("{status}, {err}: {}", text.trim()));
        }
    };
    // Its standard error is not needed: a warning at most.
    drop(child.stderr.take());
    let _ = child.wait();
    parse(&line, fds).ok_or_else(|| format!("unexpected answer {line:?}"))
}

/// The fds and the line the script sent on `back`, up to its end message.
fn take_answer(back: BorrowedFd<'_>) -> Result<(Vec<OwnedFd>, String), String> {
    let mut fds = Vec::new();
    let mut line = Vec::new();
    let mut data = vec![0; LINE_PART + 1];
    loop {
        let mut control = ControlBuffer::for_fds(SCM_MAX_FD);
        let received =
            socket::recv(back, &mut data, &mut control).map_err(|err| format!("recv: {err}"))?;
        if received.control_truncated || received.data_truncated {
            return Err("a message of the answer was cut short".to_owned());
        }
        fds.extend(received.fds);
        match data.get(..received.bytes).unwrap_or_default() {
            [] => return Err("no answer".to_owned()),
            [b'f'] => {}
            [b'l', part @ ..] => line.extend_from_slice(part),
            [b'e'] => return Ok((fds, String::from_utf8_lossy(&line).into_owned())),
            other => return Err(format!("unexpected message {other:?}")),
        }
    }
}

/// The most of the answer's line the script puts in one message.
const LINE_PART: usize = 65536;

/// The most fds one `SCM_RIGHTS` message carries on Linux, and so the
/// most the script puts in one.
const SCM_MAX_FD: usize = 253;

/// The answer line, its `sent` fds matched with `fds`, their copies.
fn parse(line: &str, fds: Vec<OwnedFd>) -> Option<Answer> {
    let (fields, error) = line.split_once(" error=")?;
    let mut fields = fields.split(' ').map(|field| field.split_once('='));
    let mut field = |name: &str| match fields.next() {
        Some(Some((key, value))) if key == name => Some(value),
        _ => None,
    };
    let numbers = |text: &str| -> Option<Vec<RawFd>> {
        text.split(',')
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().ok())
            .collect()
    };
    let fds_handed = numbers(field("fds")?)?;
    let status = field("cloexec")?
        .split(',')
        .filter(|flag| !flag.is_empty())
        .map(|flag| match flag {
            "1" => Some(Status::Received { cloexec: true }),
            "0" => Some(Status::Received { cloexec: false }),
            "p" => Some(Status::Before),
            "-" => Some(Status::Closed),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let leaked = numbers(field("leaked")?)?;
    let sent = numbers(field("sent")?)?;
    let flags = field("flags")?.parse().ok()?;
    let control_len = match field("control_len")? {
        "-" => None,
        len => Some(len.parse().ok()?),
    };
    if status.len() != fds_handed.len() || sent.len() != fds.len() {
        return None;
    }
    Some(Answer {
        fds: fds_handed,
        status,
        leaked,
        copies: sent.into_iter().zip(fds).collect(),
        flags,
        control_len,
        error: (!error.is_empty()).then(|| error.to_owned()),
    })
}

/// What the findings are, checked against Python's source (3.11.7's
/// `Lib/socket.py` and `Modules/socketmodule.c`; the C lines located with
/// the line table of that build's `_socket` module, the code read in
/// CPython's main, unchanged in that function since).
pub const NOTES: &str = r#"One class: `cloexec`. **Every fd `socket.recv_fds` hands back is inheritable** (`FD_CLOEXEC` clear), in every case where the kernel installs one, and its caller cannot ask otherwise. `fds` has no finding: every fd the kernel installs is handed back, `MSG_CTRUNC` is in the `msg_flags` returned, and nothing is left open, also when `RLIMIT_NOFILE` leaves room for fewer (the adapter gives Python's own table the room the case gives). `recv_fds` sizes its own control buffer, `CMSG_LEN(maxfds * 4)` (16 + 4k bytes on 64-bit Linux): the adapter asks for the fds `control_len` holds and says the size used, so the sizes that give the same `maxfds` (four on 64-bit Linux) repeat one receive.

- Input (smallest): 1 fd sent, `socket.recv_fds(sock, 1, 1)` (a control buffer of `CMSG_LEN(4)` = 20 bytes). The fd returned has `FD_CLOEXEC` clear (`os.get_inheritable(fd)` is `True`), so a program that then execs (`os.exec*`, `os.posix_spawn`, `subprocess` with `close_fds=False`) passes on what a peer sent.
- Why: `recv_fds` (`Lib/socket.py:564-580`) calls `sock.recvmsg(bufsize, _socket.CMSG_LEN(maxfds * fds.itemsize))` (lines 573-574) with no flags, and `sock_recvmsg_guts` (`Modules/socketmodule.c:3866`) hands the caller's flags to `recvmsg(2)` unchanged (`ctx.flags = flags`, line 3913; the call, `sock_recvmsg_impl`, line 3851): no `MSG_CMSG_CLOEXEC`, and no `FD_CLOEXEC` set afterwards. PEP 446 (3.4) made the descriptors Python creates non-inheritable, not those a peer sends.
- And the caller cannot ask: `recv_fds`'s `flags` parameter is never used. Line 573 assigns `recvmsg`'s `msg_flags` to the same name instead of passing it, so `socket.recv_fds(sock, 1, 1, socket.MSG_CMSG_CLOEXEC)` still returns inheritable fds (run on 3.9.18, 3.11.2, 3.11.7, 3.12.1 and 3.13.0). It is known upstream (python/cpython#107898, and #128881, "address and flags are ignored in `socket.send_fds` and `socket.recv_fds`"; PRs #108243 and #128882 propose the fix), and CPython's main (`Lib/socket.py` at 004b0cd) still has the same body. A user's way out is `sock.recvmsg(bufsize, ancbufsize, socket.MSG_CMSG_CLOEXEC)` with the documentation's loop, or `os.set_inheritable(fd, False)` on each fd afterwards, which is not atomic: a fork and exec in another thread in between inherits them.
- Fix: pass `flags` on (`sock.recvmsg(bufsize, _socket.CMSG_LEN(...), flags)`), and default it to `MSG_CMSG_CLOEXEC` where it exists, as PEP 446 would.

What a buffer Linux never writes does (the `forged receives` check, where it runs: the `recvmsg(2)` on the socket's number is caught in the Python process too), from the source: the walk (`Modules/socketmodule.c:3922-3954`, glibc's `CMSG_FIRSTHDR`/`CMSG_NXTHDR`) keeps every item before a header that does not fit in the buffer or whose `cmsg_len` is below `CMSG_LEN(0)` and stops there (`get_cmsg_data_len`, line 2667, answers -1; 3934-3935) with at most `RuntimeWarning: received malformed or improperly-truncated ancillary data` (3929), no error, so `recv_fds` hands back the fds of a buffer the model rejects, and what comes after such a header is neither returned nor closed. An item whose data runs past the buffer (`get_cmsg_data_len` answers 1) is returned cut to what is there, with the same warning, and the walk stops after it (3952-3953); `recv_fds` (`Lib/socket.py:575-578`) takes its bytes as fds: numbers no one installed (0, the caller's standard input, or any other) come back as received fds, for the caller to use and close. If the list cannot be built (`MemoryError`, or that warning turned into an error), `err_closefds` (3972-3994) closes every `SCM_RIGHTS` fd it walks to (`close`, line 3988) before raising, so an error leaks nothing. Linux writes an `SCM_RIGHTS` message only for the whole fds it installed, and cuts a credentials message's `cmsg_len` to the buffer, so none of this happens on Linux; the walk is the C library's, and on Debian 12 glibc's rewritten `CMSG_NXTHDR` reaches an unpadded last message."#;

/// The same, for the `recvmsg` row.
pub const RECVMSG_NOTES: &str = r#"One class: `cloexec`, as for `recv_fds`: **`sock.recvmsg` hands back inheritable fds unless its caller passes `socket.MSG_CMSG_CLOEXEC`**. The adapter calls it as the `socket` module's documentation shows, `sock.recvmsg(1, ancbufsize)` and then its loop (`fds.frombytes(cmsg_data[:len(cmsg_data) - (len(cmsg_data) % fds.itemsize)])` on each `SOL_SOCKET`/`SCM_RIGHTS` item), with the control buffer of every size asked. `fds` has no finding: every fd installed is handed back, and `MSG_CTRUNC` is in `msg_flags`. With 17 to 19 bytes, room for a header and part of an fd, the kernel installs none and sets `MSG_CTRUNC`, so the loop's cut to whole ints never drops an installed fd.

- Input (smallest): 1 fd sent, a control buffer of 20 bytes. The fd is handed back with `FD_CLOEXEC` clear.
- Why: `recvmsg`'s `flags` default to 0 (`sock_recvmsg`, `Modules/socketmodule.c:4012`), and `sock_recvmsg_guts` passes them to `recvmsg(2)` unchanged (line 3913; the call, line 3851). Unlike `recv_fds`, the caller can ask: with `sock.recvmsg(1, ancbufsize, socket.MSG_CMSG_CLOEXEC)` every fd comes back close-on-exec (the adapter with that flag: no `cloexec` finding). The documentation's example does not pass it.
- What the walk does with a truncated or malformed item, and with the fds on error: see the `recv_fds` row, whose call is this one. The documentation's loop cuts an item to whole ints as `recv_fds` does, and so takes a cut item's bytes as fds too."#;
