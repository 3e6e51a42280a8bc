//! Go's `syscall` package, as a Go program calls it: `peers/go/main.go` (a
//! module of its own, no dependencies) reads one request a line and answers
//! with `syscall.ParseSocketControlMessage`, then `syscall.ParseUnixRights`
//! on each `SCM_RIGHTS` message and `syscall.ParseUnixCredentials` on each
//! `SCM_CREDENTIALS` one (any other message's data as bytes), recovering a
//! panic into its answer (`panic: <message>`); and with `syscall.UnixRights`
//! and `syscall.UnixCredentials` for the encoders.
//!
//! The program is built once per run, when the adapter is first asked
//! (`name()`, in the runner's process), with the `go` on `PATH`, to
//! `<target dir>/peer-go`; each call spawns it, which keeps every case
//! alone in the runner's forked child. The bytes are copied into the Go
//! program at an address with the same remainder mod 8 as the caller's
//! buffer, so the `unaligned` check reads headers at odd addresses in Go
//! too. A Go panic becomes a Rust panic with Go's message, which the runner
//! reports. Without `go` every method answers `None` and the name says
//! `go (not installed)`.
//!
//! There is no `receive`: a Go program's `Recvmsg` installs the fds in the
//! Go process, where the runner cannot count them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use sockcmsg::conformance::{Implementation, Parsed, ParsedMessage, Payload};
use sockcmsg::Layout;

/// Go's `syscall` through `peers/go`.
#[derive(Default)]
pub struct GoSyscall {
    program: OnceLock<Result<Program, String>>,
}

/// A built Go program and what it said of itself.
pub(crate) struct Program {
    pub(crate) binary: PathBuf,
    /// `runtime.Version()`, such as `go1.19.8`.
    pub(crate) version: String,
    /// `GOOS/GOARCH`, such as `linux/amd64`.
    pub(crate) platform: String,
    /// What else it said: a module's version, for one.
    pub(crate) more: String,
}

impl GoSyscall {
    /// The program, built on the first call.
    fn program(&self) -> Option<&Program> {
        self.program.get_or_init(build_syscall).as_ref().ok()
    }

    /// Sends one request line and returns the answer line; panics if the
    /// program does not answer (a crash of the Go runtime, say).
    fn ask(program: &Program, request: &str) -> String {
        program.ask(request)
    }
}

/// The layout of a Go program's `Cmsghdr` (syscall's, and x/net's, whose
/// internal/socket reads the same). On linux/amd64 it is
/// `{ Len uint64; Level int32; Type int32 }` (ztypes_linux_amd64.go),
/// SizeofCmsghdr 16, aligned to sizeofPtr 8 (cmsgAlignOf in
/// sockcmsg_unix_other.go): LINUX_64. Other platforms are the host's, which
/// `go build` targets.
pub(crate) fn layout(program: Option<&Program>) -> Layout {
    match program {
        Some(program) if program.platform == "linux/amd64" => Layout::LINUX_64,
        _ => Layout::HOST,
    }
}

impl Program {
    /// Sends one request line and returns the answer line; panics if the
    /// program does not answer (a crash of the Go runtime, say).
    #[allow(
        clippy::panic,
        reason = "a program that fails to answer is reported as a panic"
    )]
    pub(crate) fn ask(&self, request: &str) -> String {
        match ask(&self.binary, request) {
            Ok(answer) => answer,
            Err(err) => panic!("{}: {err}", self.binary.display()),
        }
    }
}

impl Implementation for GoSyscall {
    fn name(&self) -> String {
        match self.program.get_or_init(build_syscall) {
            Ok(program) => format!("Go syscall ({} {})", program.version, program.platform),
            Err(why) => format!("go ({why})"),
        }
    }

    fn layout(&self) -> Layout {
        layout(self.program())
    }

    #[allow(
        clippy::panic,
        reason = "Go's panic, recovered in the program, is reported as a panic"
    )]
    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        let program = self.program()?;
        let at = buf.as_ptr() as usize % 8;
        let answer = Self::ask(program, &format!("P{at} {}", hex(buf)));
        if answer.starts_with("panic: ") {
            panic!("{answer}");
        }
        if let Some(err) = answer.strip_prefix("error ") {
            return Some(Parsed::Rejected(err.to_owned()));
        }
        match answer.strip_prefix("ok").map(messages) {
            Some(Some(msgs)) => Some(Parsed::Messages(msgs)),
            _ => panic!("peer-go: unexpected answer {answer:?}"),
        }
    }

    fn encode_rights(&self, fds: &[i32]) -> Option<Vec<u8>> {
        let program = self.program()?;
        let list: Vec<String> = fds.iter().map(i32::to_string).collect();
        let answer = Self::ask(program, &format!("R {}", list.join(" ")));
        encoded(&answer)
    }

    fn encode_credentials(&self, pid: i32, uid: u32, gid: u32) -> Option<Vec<u8>> {
        let program = self.program()?;
        let answer = Self::ask(program, &format!("C {pid} {uid} {gid}"));
        encoded(&answer)
    }
}

/// The bytes of an encoder's answer (`ok <hex>`).
#[allow(
    clippy::panic,
    reason = "a program that fails to answer is reported as a panic"
)]
fn encoded(answer: &str) -> Option<Vec<u8>> {
    match answer.strip_prefix("ok ").and_then(unhex) {
        Some(bytes) => Some(bytes),
        None => panic!("peer-go: {answer}"),
    }
}

/// The messages of a parse's answer: after `ok`, each after a tab.
fn messages(rest: &str) -> Option<Vec<ParsedMessage>> {
    rest.split('\t')
        .skip(1)
        .map(|msg| {
            let mut words = msg.split(' ');
            let level = words.next()?.parse().ok()?;
            let kind = words.next()?.parse().ok()?;
            let payload = match words.next()? {
                "F" => Payload::Fds(words.map(|fd| fd.parse().ok()).collect::<Option<_>>()?),
                "C" => Payload::Credentials {
                    pid: words.next()?.parse().ok()?,
                    uid: words.next()?.parse().ok()?,
                    gid: words.next()?.parse().ok()?,
                },
                "B" => Payload::Bytes(unhex(words.next().unwrap_or(""))?),
                _ => return None,
            };
            Some(ParsedMessage {
                level,
                kind,
                payload,
            })
        })
        .collect()
}

/// Where the program goes: `<target dir>/peer-go`.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(|| option_env!("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// `peers/go`, built.
fn build_syscall() -> Result<Program, String> {
    build("go", "peer-go")
}

/// Builds the Go module `peers/<module>` with the `go` on `PATH`, for this
/// machine, offline, to `<target dir>/<name>`, and asks the program its
/// version.
pub(crate) fn build(module: &str, name: &str) -> Result<Program, String> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(module);
    let dir = target_dir();
    std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let binary = dir.join(name);
    // Built beside it and renamed, so that two runs never see half a file:
    // two builds of one process too (tests on two threads each build), or
    // the first rename takes the second's file away.
    static BUILDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let build = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let fresh = dir.join(format!("{name}.{}.{build}", std::process::id()));
    let mut go = Command::new("go");
    go.arg("build")
        .arg("-o")
        .arg(&fresh)
        .arg(".")
        .current_dir(&source)
        // For this machine, without cgo (syscall needs none), in module
        // mode, with the toolchain and modules installed (never a
        // download: a module's dependencies are `replace`d by folders).
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .env("CGO_ENABLED", "0")
        .env("GO111MODULE", "on")
        .env("GOWORK", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod");
    if ["GOCACHE", "XDG_CACHE_HOME", "HOME"]
        .iter()
        .all(|var| std::env::var_os(var).is_none())
    {
        go.env("GOCACHE", dir.join(format!("{name}-cache")));
    }
    let built = match go.output() {
        Ok(built) => built,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err("not installed".to_owned())
        }
        Err(err) => return Err(format!("go build: {err}")),
    };
    if !built.status.success() {
        let stderr = String::from_utf8_lossy(&built.stderr);
        return Err(format!(
            "go build failed: {}",
            stderr.lines().next().unwrap_or_default()
        ));
    }
    std::fs::rename(&fresh, &binary).map_err(|err| format!("{}: {err}", binary.display()))?;
    let answer = ask(&binary, "V")?;
    let mut words = answer.strip_prefix("ok ").unwrap_or_default().split(' ');
    match (words.next(), words.next()) {
        (Some(version), Some(platform)) => Ok(Program {
            version: version.to_owned(),
            platform: platform.to_owned(),
            more: words.collect::<Vec<_>>().join(" "),
            binary,
        }),
        _ => Err(format!("{name} answered V with {answer:?}")),
    }
}

/// Runs the program on one request line and returns its answer line.
fn ask(binary: &Path, request: &str) -> Result<String, String> {
    let mut child = Command::new(binary)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("{}: {err}", binary.display()))?;
    // The program reads the whole line before it answers, so writing it
    // all first cannot block on a full pipe the other way.
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(format!("{request}\n").as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|err| format!("{}: {err}", binary.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match stdout.lines().next() {
        Some(line) if output.status.success() => Ok(line.to_owned()),
        _ => Err(format!(
            "{} ({:?}): {}",
            output.status,
            written,
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The bytes of `text`, pairs of hex digits; `None` if it is not that.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at.checked_add(2)?)?, 16).ok())
        .collect()
}

/// What the findings are, checked against Go's source.
pub const NOTES: &str = r#"Every finding (partial fd, unaligned, go-vectors, corpus, properties: one class) is `syscall.ParseUnixRights` panicking on an `SCM_RIGHTS` message whose data is not a multiple of 4 bytes. Go 1.19's own answers in the go-vectors file record the same (`R:PANIC`): the model, which is Go 1.19's walk, refuses such data as a partial fd instead.

- Input (smallest): `110000000000000001000000010000000100000000000000`, one `SCM_RIGHTS` message with `cmsg_len` 17 (one byte of data). `syscall.ParseSocketControlMessage` returns it (1 message, data `01`); `syscall.ParseUnixRights(&msgs[0])` panics: `runtime error: index out of range [0] with length 0`. With 5 to 7 bytes of data: `index out of range [1] with length 1`.
- Where: `src/syscall/sockcmsg_unix.go:86-88` (Go 1.19.8, `$(go env GOROOT)`): `fds := make([]int, len(m.Data)>>2)` rounds the count down, the loop `for i, j := 0, 0; i < len(m.Data); i += 4` runs once more for the partial fd, and `fds[j] = int(*(*int32)(unsafe.Pointer(&m.Data[i])))` indexes past `fds`. As compiled (go1.19.8 linux/amd64, `go tool objdump`), the 4-byte load at `&m.Data[i]` comes before the bounds check of `fds[j]`, so it also reads up to 3 bytes past `len(m.Data)` (inside the buffer's padding or capacity) before the panic.
- The kernel never writes such a message (an `SCM_RIGHTS` payload is whole `int`s), so only a forged or corrupted buffer reaches it; but the panic is not an `error`, and a program that parses a buffer it did not get from `recvmsg` crashes. The fix is a check before the loop (`if len(m.Data)%4 != 0 { return nil, EINVAL }`). `golang.org/x/sys/unix`'s `ParseUnixRights` has the same loop.
- Everything else agrees with the model: short input, tail, unpadded last, hostile lengths (`ParseSocketControlMessage` returns `EINVAL` for `cmsg_len` below 16 or past the buffer, `sockcmsg_unix.go:56`), short credentials (`ParseUnixCredentials` returns `EINVAL` below 12 bytes, `sockcmsg_linux.go:34`), unknown types, negative fds, the kernel's buffers, and the encoders `UnixRights` and `UnixCredentials`.
- The layout is `Layout::LINUX_64`: `Cmsghdr` is `{ Len uint64; Level int32; Type int32 }` (`ztypes_linux_amd64.go:244`), aligned to `sizeofPtr` (`cmsgAlignOf`, `sockcmsg_unix_other.go:14`).
- Not run: `fds`. A Go program's `Recvmsg` installs the fds in the Go process, where the runner cannot count them; the adapter has no `receive`."#;
