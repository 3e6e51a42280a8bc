//! The async helpers (`socket::asynchronous`, feature `async-io`) on
//! async-io's `Async<T>`: the bodies `tests/tokio.rs` runs
//! (`support/cases.rs`), each with both sides in one thread (joined
//! futures) and with the sending side in a thread of its own, and its own
//! test of dropped futures (raced with `future::or`). Leaks are counted as
//! the copies of a marker file in `/proc/self/fd` (`support/mod.rs`).

use std::future::Future;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::sync::Arc;
use std::time::Duration;

use async_io::{block_on, Async, Timer};
use futures_lite::future;
use sockcmsg::socket::asynchronous as aio;
use sockcmsg::socket::{self, ControlBuffer, SocketKind, SocketOption};

mod support;
use support::{cases, Marker, Rng};

/// Runs what `sides` makes, a sending and a receiving future, joined in
/// one thread; then again with the sender in a thread of its own.
fn in_one_thread_and_in_two<S, R>(sides: impl Fn() -> (S, R))
where
    S: Future<Output = ()> + Send + 'static,
    R: Future<Output = ()>,
{
    let (sender, receiver) = sides();
    block_on(future::zip(sender, receiver));
    let (sender, receiver) = sides();
    let sender = std::thread::spawn(move || block_on(sender));
    block_on(receiver);
    sender.join().unwrap();
}

/// A connected SOCK_SEQPACKET pair, registered with async-io.
fn seqpacket_pair() -> (Async<OwnedFd>, Async<OwnedFd>) {
    let (a, b) = socket::socketpair(SocketKind::SeqPacket).unwrap();
    (Async::new(a).unwrap(), Async::new(b).unwrap())
}

#[test]
fn fds_pass_both_ways_between_two_tasks() {
    let (left, right) = (Arc::new(Marker::new()), Arc::new(Marker::new()));
    in_one_thread_and_in_two(|| {
        let (a, b) = Async::<UnixStream>::pair().unwrap();
        let (c, d) = seqpacket_pair();
        let (l, r) = (left.clone(), right.clone());
        let one = async move {
            cases::exchange(&a, 0, &l.file, &r).await;
            cases::exchange(&c, 2, &l.file, &r).await;
        };
        let (l, r) = (left.clone(), right.clone());
        let other = async move {
            cases::exchange(&b, 1, &r.file, &l).await;
            cases::exchange(&d, 3, &r.file, &l).await;
        };
        (one, other)
    });
    assert_eq!((left.copies(), right.copies()), (1, 1));
}

/// 10,000 messages with fds in flight, as in `tests/tokio.rs`.
#[test]
fn ten_thousand_messages_with_fds_in_flight_leak_nothing() {
    const MESSAGES: u32 = 10_000;
    let marker = Arc::new(Marker::new());
    in_one_thread_and_in_two(|| {
        let (tx, rx) = seqpacket_pair();
        socket2::SockRef::from(&tx)
            .set_send_buffer_size(16 * 1024)
            .unwrap();
        let sender_marker = marker.clone();
        let sender = async move { cases::send_numbered(&tx, &sender_marker, MESSAGES).await };
        let marker = marker.clone();
        let receiver = async move { cases::receive_numbered(&rx, &marker, MESSAGES).await };
        (sender, receiver)
    });
    assert_eq!(marker.copies(), 1);
}

/// `future` raced against a timer of up to 1.5 ms: its output, or `None`
/// if the timer won and `future` was dropped.
async fn or_timer<T>(rng: &mut Rng, future: impl Future<Output = T>) -> Option<T> {
    let timer = async {
        Timer::after(Duration::from_micros(rng.below(1500))).await;
        None
    };
    future::or(async { Some(future.await) }, timer).await
}

/// Receives and sends raced against timers, on a socket whose small send
/// buffer makes sends wait too. Every message sent arrives once, in order,
/// with its fd; a dropped send sent nothing (it is sent again), a dropped
/// receive took nothing.
#[test]
fn dropped_receives_and_sends_lose_and_leak_nothing() {
    const MESSAGES: u32 = 400;
    let marker = Arc::new(Marker::new());
    in_one_thread_and_in_two(|| {
        let (tx, rx) = seqpacket_pair();
        socket2::SockRef::from(&tx)
            .set_send_buffer_size(4096)
            .unwrap();
        let sender_marker = marker.clone();
        let sender = async move {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
            let mut seq = 0;
            while seq < MESSAGES {
                let fds = [sender_marker.file.as_fd()];
                let data = seq.to_ne_bytes();
                if let Some(sent) = or_timer(&mut rng, aio::send(&tx, &data, &fds, None)).await {
                    assert_eq!(sent.unwrap(), 4);
                    seq += 1;
                }
                if rng.below(16) == 0 {
                    Timer::after(Duration::from_millis(rng.below(4))).await;
                }
            }
        };
        let marker = marker.clone();
        let receiver = async move {
            let mut control = ControlBuffer::for_fds(1);
            let mut rng = Rng(0x2545_f491_4f6c_dd1d);
            let mut seq = 0;
            while seq < MESSAGES {
                let mut data = [0; 4];
                let recv = aio::recv(&rx, &mut data, &mut control);
                if let Some(received) = or_timer(&mut rng, recv).await {
                    cases::assert_numbered(received.unwrap(), data, seq, &marker);
                    seq += 1;
                }
                if rng.below(8) == 0 {
                    Timer::after(Duration::from_millis(rng.below(3))).await;
                }
            }
            // The sender has dropped its socket, or will: what comes next is
            // the end, not a message a dropped send sent after all.
            let end = aio::recv(&rx, &mut [0; 4], ControlBuffer::for_fds(1))
                .await
                .unwrap();
            assert_eq!((end.bytes, end.fds.len()), (0, 0));
        };
        (sender, receiver)
    });
    assert_eq!(marker.copies(), 1);
}

/// A receive dropped while it waits (nothing was sent) takes nothing: the
/// message sent after it goes to the next receive.
#[test]
fn a_receive_dropped_while_waiting_takes_nothing() {
    let marker = Marker::new();
    let (tx, rx) = seqpacket_pair();
    block_on(async {
        let mut control = ControlBuffer::for_fds(1);
        let mut data = [0; 1];
        let waiting = aio::recv(&rx, &mut data, &mut control);
        let timer = async {
            Timer::after(Duration::from_millis(5)).await;
            None
        };
        assert!(future::or(async { Some(waiting.await) }, timer)
            .await
            .is_none());
        aio::send(&tx, b"x", &[marker.file.as_fd()], None)
            .await
            .unwrap();
        let received = aio::recv(&rx, &mut data, &mut control).await.unwrap();
        assert!(marker.is(&received.fds[0]));
    });
    assert_eq!(marker.copies(), 1);
}

#[test]
fn more_fds_than_the_buffer_holds_are_all_owned() {
    let marker = Marker::new();
    let (tx, rx) = Async::<UnixDatagram>::pair().unwrap();
    block_on(cases::more_fds_than_the_buffer_holds(&tx, &rx, &marker));
}

#[test]
fn a_batch_goes_out_and_comes_back_with_every_fd_owned() {
    let marker = Marker::new();
    let (a, b) = Async::<UnixDatagram>::pair().unwrap();
    block_on(cases::batch_round_trip(&a, &b, &marker));
}

/// A receive with `MSG_ERRQUEUE` is woken by the error queue (async-io's
/// readability includes `EPOLLERR`), as in `tests/tokio.rs`.
#[test]
fn an_icmp_error_wakes_a_receive_on_the_error_queue() {
    let tx = Async::<std::net::UdpSocket>::bind(([127, 0, 0, 1], 0)).unwrap();
    socket::set_option(tx.as_fd(), SocketOption::IpReceiveErrors, true).unwrap();
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = closed.local_addr().unwrap();
    closed.connect("127.0.0.1:9").unwrap();
    let msgs = block_on(async {
        let receive = async { Some(cases::receive_error(&tx).await) };
        let send = async {
            // After the receive waits: the error must wake it.
            Timer::after(Duration::from_millis(20)).await;
            tx.send_to(b"x", to).await.unwrap();
            Timer::after(Duration::from_secs(10)).await;
            None
        };
        future::or(receive, send).await
    });
    cases::assert_port_unreachable(&msgs.expect("no wake-up from the error queue"));
}
