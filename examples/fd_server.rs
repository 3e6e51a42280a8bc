//! A privileged server that opens files and hands read-only descriptors to
//! the clients that ask, over a Unix stream socket, on tokio; and its
//! clients, in the same process. `cargo run --example fd_server`.
//!
//! The protocol, per request:
//!
//! - the client writes a file name and `\n` (it may write several requests
//!   at once: the server reads them in order);
//! - the server answers with one status byte: `0` with exactly one
//!   `SCM_RIGHTS` descriptor attached, opened read-only; `1` for a name it
//!   refuses (empty, or with `/` or `..`); `2` for a file it cannot open.
//!   A nonzero status carries no descriptor.
//!
//! The client reads each answer with one `recv` of 1 byte: on a stream the
//! descriptor travels with the first byte of the send that carried it, so
//! the byte and its descriptor arrive together.

use std::error::Error;
use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind::{InvalidData, UnexpectedEof, WouldBlock};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sockcmsg::socket::{asynchronous as aio, ControlBuffer, RecvOptions};
use tokio::net::{UnixListener, UnixStream};

const OK: u8 = 0;
const REFUSED: u8 = 1;
const UNAVAILABLE: u8 = 2;
/// A client cannot make the server buffer more than this without a newline.
const MAX_LINE: usize = 256;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Everything lives under one fresh directory (a dead process's of the
    // same pid removed first), removed at the end whatever happened.
    let base = std::env::temp_dir().join(format!("sockcmsg-fd_server-{}", std::process::id()));
    let _ = fs::remove_dir_all(&base);
    fs::create_dir_all(base.join("files"))?;
    let outcome = run(&base).await;
    fs::remove_dir_all(&base)?;
    outcome
}

async fn run(base: &Path) -> Result<(), Box<dyn Error>> {
    let root: Arc<Path> = base.join("files").into();
    fs::write(root.join("hello.txt"), "hello from the server\n")?;
    fs::write(root.join("motd.txt"), "read-only and close-on-exec\n")?;
    // A secret beside the served directory, which "../secret" must not reach.
    fs::write(base.join("secret"), "nobody reads this\n")?;
    let path = base.join("server.sock");
    let server = tokio::spawn(serve(UnixListener::bind(&path)?, root.clone()));

    // A client that leaves mid-request: its connection ends with an error
    // in the server's log, and the server serves the next ones.
    send_all(&UnixStream::connect(&path).await?, b"hello.t").await?;

    // Two well-behaved clients at once, each on its own connection.
    let mut clients = Vec::new();
    for (who, names) in [
        ("alice", &["hello.txt", "../secret", "motd.txt"]),
        ("bob", &["missing.txt", "hello.txt", "."]),
    ] {
        let stream = UnixStream::connect(&path).await?;
        clients.push(tokio::spawn(client(who, stream, names)));
    }
    for client in clients {
        client.await??;
    }

    // A hostile server (the other end of a socketpair) that answers with
    // three descriptors: the client keeps none of them.
    let (ours, theirs) = UnixStream::pair()?;
    let file = File::open(root.join("hello.txt"))?;
    tokio::spawn(async move {
        read_line(&theirs, &mut Vec::new()).await?;
        aio::send(&theirs, &[OK], &[file.as_fd(); 3], None).await
    });
    match client("carol", ours, &["hello.txt"]).await {
        Err(err) => println!("carol: gave up on the hostile server: {err}"),
        Ok(()) => return Err("the hostile server's reply was accepted".into()),
    }
    server.abort();
    Ok(())
}

/// Accepts connections until aborted, a task per connection; what goes
/// wrong in one is logged and ends that connection only.
async fn serve(listener: UnixListener, root: Arc<Path>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let root = root.clone();
                tokio::spawn(async move {
                    match handle(&stream, &root).await {
                        Ok(()) => println!("server: a client is done"),
                        Err(err) => println!("server: connection dropped: {err}"),
                    }
                });
            }
            // Such as EMFILE: wait for descriptors to free up, do not spin.
            Err(err) => {
                println!("server: accept failed: {err}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn handle(stream: &UnixStream, root: &Path) -> io::Result<()> {
    let mut pending = Vec::new();
    while let Some(name) = read_line(stream, &mut pending).await? {
        let (status, file) = match open_in(root, &name) {
            Ok(file) => (OK, Some(file)),
            Err(status) => (status, None),
        };
        // One fd with status 0, none otherwise. Ours closes after the send;
        // the client's copy stays open.
        let fd = file.as_ref().map(File::as_fd);
        aio::send(stream, &[status], fd.as_slice(), None).await?;
        let shown = String::from_utf8_lossy(&name);
        println!("server: {shown:?}: status {status}");
    }
    Ok(())
}

/// The policy: a plain name of a regular file directly in `root`. Read-only
/// is what keeps the client from writing; std opens with `O_CLOEXEC`, so no
/// program the server runs inherits the file; `O_NOFOLLOW` keeps a symlink
/// in `root` from pointing outside it.
fn open_in(root: &Path, name: &[u8]) -> Result<File, u8> {
    let name = std::str::from_utf8(name).map_err(|_| REFUSED)?;
    if name.is_empty() || name.contains('/') || name.contains("..") {
        return Err(REFUSED);
    }
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(root.join(name))
        .map_err(|_| UNAVAILABLE)?;
    // Not a directory (such as "."), a device or a FIFO.
    let regular = file.metadata().is_ok_and(|meta| meta.is_file());
    regular.then_some(file).ok_or(UNAVAILABLE)
}

/// The next request line, without its `\n`; `None` when the client closed
/// between requests. A read takes whatever the socket holds, which may be
/// half a line or several: `pending` keeps what follows the line for the
/// next call. Plain `read`s take no control data: descriptors a client
/// attaches are closed by the kernel, never installed in the server.
async fn read_line(stream: &UnixStream, pending: &mut Vec<u8>) -> io::Result<Option<Vec<u8>>> {
    loop {
        if let Some(end) = pending.iter().position(|&byte| byte == b'\n') {
            let mut line: Vec<u8> = pending.drain(..=end).collect();
            line.pop();
            return Ok(Some(line));
        }
        if pending.len() > MAX_LINE {
            return fail(InvalidData, "request line too long");
        }
        stream.readable().await?;
        let mut chunk = [0; 512];
        match stream.try_read(&mut chunk) {
            Ok(0) if pending.is_empty() => return Ok(None),
            Ok(0) => return fail(UnexpectedEof, "client left mid-request"),
            Ok(read) => pending.extend_from_slice(&chunk[..read]),
            Err(err) if err.kind() == WouldBlock => {}
            Err(err) => return Err(err),
        }
    }
}

/// Asks for each of `names` (all at once: the server must not lose the
/// requests after the first), then reads and checks each reply.
async fn client(who: &str, stream: UnixStream, names: &[&str]) -> io::Result<()> {
    let requests: String = names.iter().map(|name| format!("{name}\n")).collect();
    send_all(&stream, requests.as_bytes()).await?;
    // One buffer for every reply, lent to each receive.
    let mut control = ControlBuffer::for_fds(1);
    for name in names {
        match reply(&stream, &mut control).await? {
            Ok(fd) => {
                let (text, write_err) = read_only_contents(fd)?;
                println!("{who}: {name}: {text:?} (a write through it failed: {write_err})");
            }
            Err(status) => println!("{who}: {name}: refused, status {status}"),
        }
    }
    Ok(())
}

/// One reply: `Ok(fd)` for status 0, `Err(status)` for a refusal; an
/// `io::Error` for a reply that breaks the protocol.
async fn reply(sock: &UnixStream, control: &mut ControlBuffer) -> io::Result<Result<OwnedFd, u8>> {
    let mut status = [0];
    // The server decides how many descriptors it attaches, and the kernel
    // installs as many as fit the buffer, its padding included (2 in
    // for_fds(1) on 64-bit Linux). max_fds(1) closes any past the first
    // before recv_with returns, so a hostile server cannot fill our table.
    let options = RecvOptions::default().max_fds(1);
    let received = aio::recv_with(sock, &mut status, &mut *control, options).await?;
    if received.bytes == 0 {
        return fail(UnexpectedEof, "the server closed the connection");
    }
    if received.fds_closed > 0 || received.control_truncated {
        // The fd we kept closes as `received` drops: the reply is not used.
        let (closed, cut) = (received.fds_closed, received.control_truncated);
        let what = format!("more than one fd in a reply ({closed} closed, MSG_CTRUNC: {cut})");
        return fail(InvalidData, what);
    }
    match (status[0], received.fds.into_iter().next()) {
        (OK, Some(fd)) => Ok(Ok(fd)),
        (OK, None) => fail(InvalidData, "status 0 without an fd"),
        (status, None) => Ok(Err(status)),
        (status, Some(_)) => fail(InvalidData, format!("status {status} with an fd")),
    }
}

/// Proves the descriptor read-only without `unsafe` (no fcntl): a write
/// through it must fail, a read must work. Small local files, so reading
/// them on the runtime's thread is fine; large ones belong in spawn_blocking.
fn read_only_contents(fd: OwnedFd) -> io::Result<(String, io::Error)> {
    let mut file = File::from(fd);
    let Err(write_err) = file.write_all(b"overwritten") else {
        return Err(io::Error::other("the server handed out a writable fd"));
    };
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok((text, write_err))
}

/// A stream send may take part of the data: send the rest.
async fn send_all(stream: &UnixStream, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        let sent = aio::send(stream, data, &[], None).await?;
        data = &data[sent..];
    }
    Ok(())
}

fn fail<T>(kind: io::ErrorKind, what: impl Into<String>) -> io::Result<T> {
    Err(io::Error::new(kind, what.into()))
}
