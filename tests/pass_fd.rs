//! Go's `TestPassFD`, ported: a child process opens a file, writes a line,
//! and passes the fd to its parent over a socketpair; the parent parses the
//! control message and reads the file through the fd it received.
//!
//! As in Go, the test binary is its own child: an environment variable
//! selects the helper role, and the child gets its end of the socketpair as
//! fd 3. The binary has its own `main` (`harness = false`) so that the child
//! prints nothing at all.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use sockcmsg::socket::{self, ControlBuffer, SocketKind};

const HELPER_ENV: &str = "SOCKCMSG_WANT_HELPER_PROCESS";
const CHILD_FD: i32 = 3;
const LINE: &str = "Hello from child process!\n";

fn main() {
    if std::env::var_os(HELPER_ENV).is_some() {
        if let Err(err) = child() {
            eprintln!("child: {err}");
            std::process::exit(1);
        }
        std::process::exit(0);
    }
    print!("test pass_fd ... ");
    pass_fd();
    println!("ok");
}

/// A directory that the parent owns and removes, as Go's `t.TempDir`.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pass_fd() {
    let dir =
        TempDir(std::env::temp_dir().join(format!("sockcmsg-pass-fd-{}", std::process::id())));
    std::fs::create_dir(&dir.0).expect("temp dir");

    let (parent_end, child_end) = socket::socketpair(SocketKind::Stream).expect("socketpair");
    let child_raw = child_end.as_raw_fd();
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command.env(HELPER_ENV, "1").arg(&dir.0);
    // SAFETY: between fork and exec only async-signal-safe calls (dup2,
    // fcntl) run, on descriptors this process owns.
    unsafe {
        command.pre_exec(move || {
            if child_raw == CHILD_FD {
                // dup2 onto itself would keep the close-on-exec flag.
                if libc::fcntl(CHILD_FD, libc::F_SETFD, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(child_raw, CHILD_FD) != CHILD_FD {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().expect("run the child");
    drop(child_end);
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "child process: {:?}, stdout {:?}, stderr {:?}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    let stream = UnixStream::from(parent_end);
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0; 32]; // expect 1 byte
    let mut control = ControlBuffer::with_len(32); // expect 24 bytes
    let received = socket::recv(stream.as_fd(), &mut buf, &mut control).expect("recvmsg");
    assert_eq!(received.bytes, 1);

    let msgs = sockcmsg::parse_socket_control_message(received.control()).expect("parse");
    assert_eq!(
        msgs.len(),
        1,
        "expected 1 SocketControlMessage; got {msgs:?}"
    );
    let fds = sockcmsg::parse_unix_rights(&msgs[0]).expect("parse_unix_rights");
    assert_eq!(fds.len(), 1, "wanted 1 fd; got {fds:?}");
    let mut owned = received.fds.into_iter();
    let fd = owned.next().expect("the helper owns the fd");
    assert_eq!(fd.as_raw_fd(), fds[0]);

    let mut text = String::new();
    File::from(fd).read_to_string(&mut text).expect("read");
    assert_eq!(text, LINE, "child process ReadAll");
}

/// The helper: makes a file in the parent's temp dir and sends its fd on
/// fd 3 with one dummy byte.
fn child() -> std::io::Result<()> {
    // SAFETY: the parent set up fd 3 as our end of the socketpair, and
    // nothing else in this process uses it.
    let sock = unsafe { OwnedFd::from_raw_fd(CHILD_FD) };
    let dir = PathBuf::from(std::env::args_os().nth(1).expect("temp dir argument"));
    let mut file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(dir.join("child-file"))?;
    file.write_all(LINE.as_bytes())?;
    file.rewind()?;
    let control = sockcmsg::unix_rights(&[file.as_raw_fd()]).unwrap();
    // SAFETY: `file` is open and held until after the call.
    unsafe { socket::send_control_unchecked(sock.as_fd(), &[0], &control) }?;
    Ok(())
}
