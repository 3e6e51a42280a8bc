//! The async helpers (`socket::asynchronous`, feature `tokio`) on tokio's
//! current-thread and multi-thread runtimes: fds both ways between tasks,
//! 10,000 messages with fds in flight, receives and sends dropped at random
//! points (`select!` with a timer), more fds than the control buffer holds,
//! batches, the error queue, addresses, refused sends. `tests/async_io.rs`
//! runs the same bodies (`support/cases.rs`) on async-io. Leaks are counted
//! as the copies of a marker file of the test's own in `/proc/self/fd`
//! (`support/mod.rs`), so the tests run in parallel with anything.

use std::fs::File;
use std::future::Future;
use std::io::{ErrorKind, IoSlice};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use sockcmsg::socket::asynchronous as aio;
use sockcmsg::socket::{self, ControlBuffer, SendMessage, SendOptions, SocketKind, SocketOption};
use tokio::io::unix::AsyncFd;
use tokio::net::{UdpSocket, UnixDatagram, UnixStream};

mod support;
use support::{cases, Marker, Rng};

/// Runs the test on a current-thread runtime, then as a task on a
/// multi-thread runtime of two workers (where the tasks it spawns run in
/// parallel, and every future must be `Send`).
fn on_both_runtimes<F, Fut>(test: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    current.block_on(test());
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    multi.block_on(multi.spawn(test())).unwrap();
}

/// A connected SOCK_SEQPACKET pair, registered with the runtime.
fn seqpacket_pair() -> (AsyncFd<OwnedFd>, AsyncFd<OwnedFd>) {
    let (a, b) = socket::socketpair(SocketKind::SeqPacket).unwrap();
    (aio::register(a).unwrap(), aio::register(b).unwrap())
}

#[test]
fn fds_pass_both_ways_between_two_tasks() {
    on_both_runtimes(|| async {
        let (left, right) = (Arc::new(Marker::new()), Arc::new(Marker::new()));
        let (a, b) = UnixStream::pair().unwrap();
        let (c, d) = seqpacket_pair();
        let (l, r) = (left.clone(), right.clone());
        let task = tokio::spawn(async move {
            cases::exchange(&a, 0, &l.file, &r).await;
            cases::exchange(&c, 2, &l.file, &r).await;
        });
        cases::exchange(&b, 1, &right.file, &left).await;
        cases::exchange(&d, 3, &right.file, &left).await;
        task.await.unwrap();
        assert_eq!((left.copies(), right.copies()), (1, 1));
    });
}

/// 10,000 four-byte messages, each with a copy of the marker, sent by one
/// task and received by another. A 16 KiB send buffer caps the fds in
/// flight at a few dozen (the kernel refuses more fds in flight than
/// `RLIMIT_NOFILE` to a user without `CAP_SYS_RESOURCE`).
#[test]
fn ten_thousand_messages_with_fds_in_flight_leak_nothing() {
    const MESSAGES: u32 = 10_000;
    on_both_runtimes(|| async {
        let marker = Arc::new(Marker::new());
        let (tx, rx) = seqpacket_pair();
        socket2::SockRef::from(&tx)
            .set_send_buffer_size(16 * 1024)
            .unwrap();
        let sender_marker = marker.clone();
        let sender = tokio::spawn(async move {
            cases::send_numbered(&tx, &sender_marker, MESSAGES).await;
        });
        cases::receive_numbered(&rx, &marker, MESSAGES).await;
        sender.await.unwrap();
        assert_eq!(marker.copies(), 1);
    });
}

/// Receives raced against a timer, so that many are dropped while they
/// wait; sends raced the same way, on a socket whose small send buffer
/// makes them wait too. Every message sent arrives once, in order, with
/// its fd; a dropped send sent nothing (it is sent again), a dropped
/// receive took nothing.
#[test]
fn dropped_receives_and_sends_lose_and_leak_nothing() {
    const MESSAGES: u32 = 400;
    on_both_runtimes(|| async {
        let marker = Arc::new(Marker::new());
        let (tx, rx) = seqpacket_pair();
        socket2::SockRef::from(&tx)
            .set_send_buffer_size(4096)
            .unwrap();
        let sender_marker = marker.clone();
        let (start, started) = tokio::sync::oneshot::channel();
        let sender = tokio::spawn(async move {
            started.await.unwrap();
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            let mut dropped = 0;
            let mut seq = 0;
            while seq < MESSAGES {
                let fds = [sender_marker.file.as_fd()];
                let data = seq.to_ne_bytes();
                let send = aio::send(&tx, &data, &fds, None);
                tokio::select! {
                    sent = send => {
                        assert_eq!(sent.unwrap(), 4);
                        seq += 1;
                    }
                    () = tokio::time::sleep(Duration::from_micros(rng.below(1500))) => dropped += 1,
                }
                if rng.below(16) == 0 {
                    tokio::time::sleep(Duration::from_millis(rng.below(4))).await;
                }
            }
            dropped
        });
        let mut control = ControlBuffer::for_fds(1);
        // One receive surely dropped while it waits: nothing is sent yet.
        let mut data = [0; 4];
        let waiting = aio::recv(&rx, &mut data, &mut control);
        assert!(tokio::time::timeout(Duration::from_millis(5), waiting)
            .await
            .is_err());
        start.send(()).unwrap();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut dropped = 1;
        let mut seq = 0;
        while seq < MESSAGES {
            let mut data = [0; 4];
            let recv = aio::recv(&rx, &mut data, &mut control);
            tokio::select! {
                received = recv => {
                    cases::assert_numbered(received.unwrap(), data, seq, &marker);
                    seq += 1;
                }
                () = tokio::time::sleep(Duration::from_micros(rng.below(1500))) => dropped += 1,
            }
            if rng.below(8) == 0 {
                tokio::time::sleep(Duration::from_millis(rng.below(3))).await;
            }
        }
        // The sender has dropped its socket: what comes next is the end,
        // not a message a dropped send sent after all.
        let sends_dropped = sender.await.unwrap();
        let mut data = [0; 4];
        let end = aio::recv(&rx, &mut data, ControlBuffer::for_fds(1))
            .await
            .unwrap();
        assert_eq!((end.bytes, end.fds.len()), (0, 0));
        eprintln!("{dropped} receives and {sends_dropped} sends dropped");
        assert_eq!(marker.copies(), 1);
    });
}

#[test]
fn more_fds_than_the_buffer_holds_are_all_owned() {
    on_both_runtimes(|| async {
        let marker = Marker::new();
        let (tx, rx) = UnixDatagram::pair().unwrap();
        cases::more_fds_than_the_buffer_holds(&tx, &rx, &marker).await;
    });
}

#[test]
fn a_batch_goes_out_and_comes_back_with_every_fd_owned() {
    on_both_runtimes(|| async {
        let marker = Marker::new();
        let (a, b) = UnixDatagram::pair().unwrap();
        cases::batch_round_trip(&a, &b, &marker).await;
    });
}

/// A receive with `MSG_ERRQUEUE` waits for the error queue, not for data
/// (which never comes): an ICMP port unreachable from loopback wakes it.
/// The port stays bound, by a socket connected elsewhere that takes
/// nothing from the sender, so no other test can take it meanwhile.
#[test]
fn an_icmp_error_wakes_a_receive_on_the_error_queue() {
    on_both_runtimes(|| async {
        let tx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket::set_option(tx.as_fd(), SocketOption::IpReceiveErrors, true).unwrap();
        let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let to = closed.local_addr().unwrap();
        closed.connect("127.0.0.1:9").unwrap();
        let receive = tokio::time::timeout(Duration::from_secs(10), cases::receive_error(&tx));
        let send = async {
            // After the receive waits: the error must wake it.
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.send_to(b"x", to).await.unwrap();
        };
        let (msgs, ()) = tokio::join!(receive, send);
        cases::assert_port_unreachable(&msgs.expect("no wake-up from the error queue"));
    });
}

#[test]
fn a_datagram_receive_names_its_sender() {
    on_both_runtimes(|| async {
        let dir = std::env::temp_dir().join(format!(
            "sockcmsg-tokio-addr-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let (a_path, b_path) = (dir.join("a"), dir.join("b"));
        let _ = (std::fs::remove_file(&a_path), std::fs::remove_file(&b_path));
        let a = UnixDatagram::bind(&a_path).unwrap();
        let b = UnixDatagram::bind(&b_path).unwrap();
        let to = socket::SockAddr::unix(&b_path).unwrap();
        let data = [IoSlice::new(b"hi")];
        let options = SendOptions::default().to(&to);
        assert_eq!(aio::send_with(&a, &data, &[], options).await.unwrap(), 2);
        let received = aio::recv(&b, &mut [0; 2], ControlBuffer::with_len(0))
            .await
            .unwrap();
        let from = received.from.expect("a bound sender's address");
        assert_eq!(from.as_pathname(), Some(a_path.as_path()));
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn refused_sends_fail_before_waiting_and_send_nothing() {
    on_both_runtimes(|| async {
        let (a, b) = UnixStream::pair().unwrap();
        let file = File::open("/dev/null").unwrap();
        // No data byte on a stream: the kernel would drop the fds.
        let err = aio::send(&a, b"", &[file.as_fd()], None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let numbers = sockcmsg::unix_rights(&[0]).unwrap();
        let bare = SendMessage::Other {
            level: libc::SOL_SOCKET,
            kind: libc::SCM_RIGHTS,
            data: &numbers[sockcmsg::cmsg_len(0)..],
        };
        let err = aio::send_messages(&a, b"x", &[bare]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let mut data = [0; 1];
        let nothing = aio::recv(&b, &mut data, ControlBuffer::for_fds(1));
        assert!(tokio::time::timeout(Duration::from_millis(20), nothing)
            .await
            .is_err());
        // A peer that has gone: EPIPE, not a SIGPIPE that ends the test.
        drop(b);
        let err = aio::send(&a, b"x", &[], None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BrokenPipe);
    });
}
