//! The kernel as the codec's oracle: the bytes it writes for rights and
//! credentials are exactly what the encoder produces, and the socket helpers
//! behave on every socket type as the kernel does.
//!
//! Tests that count open descriptors live in `kernel_fd_leaks.rs`, alone in
//! their binary, so that these tests' descriptors cannot disturb the count.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::fs::MetadataExt;

use sockcmsg::model::{Model, UCRED_LEN};
use sockcmsg::socket::{self, ControlBuffer, RecvOptions, SendMessage, SocketKind, SocketOption};
use sockcmsg::{Layout, Ucred};

fn dev_null() -> File {
    File::open("/dev/null").expect("/dev/null")
}

fn raw(fds: &[OwnedFd]) -> Vec<RawFd> {
    fds.iter().map(AsRawFd::as_raw_fd).collect()
}

/// Whether `fd` is close-on-exec, read from `/proc/self/fdinfo` (the
/// `flags` field, in octal, includes `O_CLOEXEC`).
fn is_cloexec(fd: BorrowedFd<'_>) -> bool {
    let info =
        std::fs::read_to_string(format!("/proc/self/fdinfo/{}", fd.as_raw_fd())).expect("fdinfo");
    let flags = info
        .lines()
        .find_map(|line| line.strip_prefix("flags:"))
        .expect("flags line");
    let flags = i32::from_str_radix(flags.trim(), 8).expect("octal flags");
    flags & libc::O_CLOEXEC != 0
}

/// This process's credentials as the kernel reports them: its pid and its
/// effective uid and gid (the owner of `/proc/self`).
fn own_credentials() -> Ucred {
    let proc_self = std::fs::metadata("/proc/self").expect("/proc/self");
    Ucred {
        pid: std::process::id() as i32,
        uid: proc_self.uid(),
        gid: proc_self.gid(),
    }
}

#[test]
fn kernel_rights_bytes_equal_unix_rights_for_1_to_253_fds() {
    let (tx, rx) = socket::socketpair(SocketKind::SeqPacket).unwrap();
    let file = dev_null();
    for count in 1..=253 {
        let fds = vec![file.as_fd(); count];
        socket::send(tx.as_fd(), b"x", &fds, None).unwrap();
        let mut control = ControlBuffer::for_fds(count);
        let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
        assert_eq!(received.fds.len(), count);
        assert!(!received.control_truncated);
        assert_eq!(
            received.control(),
            sockcmsg::unix_rights(&raw(&received.fds)).unwrap(),
            "{count} fds"
        );
    }
}

/// 1,064 bytes of control data: past the 1,056 that musl's `sendmsg`
/// wrapper copies, which the system call made directly does not care about.
#[test]
fn kernel_takes_credentials_with_253_fds() {
    let (tx, rx) = socket::socketpair(SocketKind::SeqPacket).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true).unwrap();
    let file = dev_null();
    let cred = own_credentials();
    socket::send(tx.as_fd(), b"x", &[file.as_fd(); 253], Some(&cred)).unwrap();
    let mut control = ControlBuffer::for_credentials_and_fds(253);
    let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert_eq!(received.fds.len(), 253);
    assert_eq!(received.credentials, Some(cred));
    assert!(!received.control_truncated);
}

/// The control length reaches the kernel whole, past 32 bits: it refuses
/// one over `INT_MAX` with `ENOBUFS` (musl's wrapper used to send the low
/// 32 bits, 24 bytes, and succeed), and fills a buffer of 2^32 + 16 bytes
/// (which musl's wrapper used to pass as 16, truncating).
#[test]
#[cfg(target_pointer_width = "64")]
#[cfg_attr(miri, ignore = "sends and receives")]
fn control_lengths_past_32_bits_reach_the_kernel_whole() {
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    // Zeroed and never written: the pages are not touched.
    let control = vec![0u8; (1 << 32) + 24];
    let err = socket::send_control(tx.as_fd(), b"y", &control).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOBUFS));
    drop(control);
    let file = dev_null();
    socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();
    let mut control = ControlBuffer::with_len((1 << 32) + 16);
    let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert_eq!(received.fds.len(), 1);
    assert!(!received.control_truncated);
    // One header and one fd, padded: cmsg_space(4) on 64-bit.
    assert_eq!(received.control().len(), 24);
}

#[test]
fn kernel_refuses_254_fds() {
    let (tx, _rx) = socket::socketpair(SocketKind::SeqPacket).unwrap();
    let file = dev_null();
    let err = socket::send(tx.as_fd(), b"x", &[file.as_fd(); 254], None).unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::EINVAL));
}

#[test]
fn kernel_credentials_bytes_equal_unix_credentials() {
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    // Before anything is sent: data sent earlier arrives with overflow ids.
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true).unwrap();
    socket::send(tx.as_fd(), b"x", &[], None).unwrap();
    let mut control = ControlBuffer::for_credentials_and_fds(0);
    let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    let expected = own_credentials();
    assert_eq!(received.credentials, Some(expected));
    assert_eq!(
        received.control(),
        sockcmsg::unix_credentials(&expected).unwrap()
    );
}

#[test]
fn explicit_credentials_are_accepted_and_arrive() {
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true).unwrap();
    let cred = own_credentials();
    socket::send_control(
        tx.as_fd(),
        b"x",
        &sockcmsg::unix_credentials(&cred).unwrap(),
    )
    .unwrap();
    let mut control = ControlBuffer::for_credentials_and_fds(0);
    let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert_eq!(received.credentials, Some(cred));
}

#[test]
fn credentials_come_before_rights() {
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true).unwrap();
    let file = dev_null();
    socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();
    let mut control = ControlBuffer::for_credentials_and_fds(1);
    let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    let msgs = sockcmsg::parse_socket_control_message(received.control()).unwrap();
    let kinds: Vec<i32> = msgs.iter().map(|msg| msg.header.kind).collect();
    assert_eq!(kinds, [libc::SCM_CREDENTIALS, libc::SCM_RIGHTS]);
    assert_eq!(received.credentials, Some(own_credentials()));
    assert_eq!(received.fds.len(), 1);
    let mut expected = sockcmsg::unix_credentials(&own_credentials()).unwrap();
    expected.extend(sockcmsg::unix_rights(&raw(&received.fds)).unwrap());
    assert_eq!(received.control(), expected);
}

#[test]
fn every_socket_type_passes_fds_close_on_exec() {
    for kind in [
        SocketKind::Stream,
        SocketKind::Datagram,
        SocketKind::SeqPacket,
    ] {
        let (tx, rx) = socket::socketpair(kind).unwrap();
        let file = dev_null();
        socket::send(tx.as_fd(), b"abc", &[file.as_fd(), tx.as_fd()], None).unwrap();
        let mut data = [0; 8];
        let mut control = ControlBuffer::for_fds(2);
        let received = socket::recv(rx.as_fd(), &mut data, &mut control).unwrap();
        assert_eq!(&data[..received.bytes], b"abc", "{kind:?}");
        assert_eq!(received.fds.len(), 2, "{kind:?}");
        assert!(
            received.fds.iter().all(|fd| is_cloexec(fd.as_fd())),
            "{kind:?}"
        );
    }
}

#[test]
fn cloexec_can_be_turned_off() {
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    let file = dev_null();
    socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();
    let mut control = ControlBuffer::for_fds(1);
    let options = RecvOptions::default().cloexec(false);
    let received = socket::recv_with(rx.as_fd(), &mut [0; 1], &mut control, options).unwrap();
    assert!(!is_cloexec(received.fds[0].as_fd()));
}

#[test]
fn a_stream_read_stops_at_the_byte_that_carried_fds() {
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    let file = dev_null();
    socket::send(tx.as_fd(), b"AB", &[file.as_fd()], None).unwrap();
    socket::send(tx.as_fd(), b"CD", &[file.as_fd(), file.as_fd()], None).unwrap();
    let mut data = [0; 16];
    let mut control = ControlBuffer::for_fds(4);
    let first = socket::recv(rx.as_fd(), &mut data, &mut control).unwrap();
    assert_eq!((&data[..first.bytes], first.fds.len()), (&b"AB"[..], 1));
    let second = socket::recv(rx.as_fd(), &mut data, &mut control).unwrap();
    assert_eq!((&data[..second.bytes], second.fds.len()), (&b"CD"[..], 2));
}

#[test]
fn several_rights_messages_arrive_merged() {
    for kind in [
        SocketKind::Stream,
        SocketKind::Datagram,
        SocketKind::SeqPacket,
    ] {
        let (tx, rx) = socket::socketpair(kind).unwrap();
        let file = dev_null();
        let fd = file.as_fd();
        socket::send_messages(
            tx.as_fd(),
            b"x",
            &[SendMessage::Rights(&[fd, fd]), SendMessage::Rights(&[fd])],
        )
        .unwrap();
        let mut control = ControlBuffer::for_fds(3);
        let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
        let msgs = sockcmsg::parse_socket_control_message(received.control()).unwrap();
        assert_eq!(msgs.len(), 1, "{kind:?}");
        assert_eq!(sockcmsg::parse_unix_rights(&msgs[0]).unwrap().len(), 3);
        assert_eq!(received.fds.len(), 3, "{kind:?}");
    }
}

/// Runs `test` if the kernel has `option`; otherwise prints why it did not.
fn where_supported(option: SocketOption, test: impl FnOnce(OwnedFd, OwnedFd)) {
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    match socket::set_option(rx.as_fd(), option, true) {
        Ok(()) => test(tx, rx),
        Err(err) if err.raw_os_error() == Some(libc::ENOPROTOOPT) => {
            println!("skipped: this kernel has no {option:?} ({err})");
        }
        Err(err) => panic!("{option:?}: {err}"),
    }
}

#[test]
fn a_pidfd_is_received_owned() {
    where_supported(SocketOption::PassPidfd, |tx, rx| {
        socket::send(tx.as_fd(), b"x", &[], None).unwrap();
        let mut control = ControlBuffer::with_len(sockcmsg::cmsg_space(4));
        let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
        let pidfd = received.pidfd.expect("SCM_PIDFD");
        assert!(is_cloexec(pidfd.as_fd()));
        // Close-on-exec even when asked otherwise: the kernel's choice.
        socket::send(tx.as_fd(), b"x", &[], None).unwrap();
        let options = RecvOptions::default().cloexec(false);
        let again = socket::recv_with(rx.as_fd(), &mut [0; 1], &mut control, options).unwrap();
        assert!(is_cloexec(again.pidfd.expect("SCM_PIDFD").as_fd()));
        let info =
            std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd())).unwrap();
        assert!(
            info.contains(&format!("Pid:\t{}\n", std::process::id())),
            "{info}"
        );
    });
}

#[test]
fn a_receiver_without_pass_rights_refuses_fds() {
    where_supported(SocketOption::PassRights, |tx, rx| {
        socket::set_option(rx.as_fd(), SocketOption::PassRights, false).unwrap();
        let file = dev_null();
        let err = socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EPERM));
        // Data without descriptors still passes.
        socket::send(tx.as_fd(), b"y", &[], None).unwrap();
    });
}

#[test]
fn a_stream_drops_fds_sent_without_data() {
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    let file = dev_null();
    let control = sockcmsg::unix_rights(&[file.as_raw_fd()]).unwrap();
    // SAFETY: `file` is open for the call.
    let sent = unsafe { socket::send_control_unchecked(tx.as_fd(), b"", &control) };
    assert_eq!(sent.unwrap(), 0);
    socket::send(tx.as_fd(), b"x", &[], None).unwrap();
    let mut control = ControlBuffer::for_fds(1);
    let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert!(received.fds.is_empty() && received.control().is_empty());
}

#[test]
fn sending_control_data_without_data_on_a_stream_is_refused() {
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    let file = dev_null();
    let err = socket::send(tx.as_fd(), b"", &[file.as_fd()], None).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("send at least one byte"), "{err}");
    let cred = own_credentials();
    let err = socket::send(tx.as_fd(), b"", &[], Some(&cred)).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    // No data and no control data is no error: nothing to lose.
    assert_eq!(socket::send(tx.as_fd(), b"", &[], None).unwrap(), 0);
    // Datagram and seqpacket sockets carry control data in an empty datagram.
    for kind in [SocketKind::Datagram, SocketKind::SeqPacket] {
        let (tx, rx) = socket::socketpair(kind).unwrap();
        assert_eq!(
            socket::send(tx.as_fd(), b"", &[file.as_fd()], None).unwrap(),
            0
        );
        let mut control = ControlBuffer::for_fds(1);
        let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
        assert_eq!((received.bytes, received.fds.len()), (0, 1), "{kind:?}");
    }
    drop(rx);
}

#[test]
fn an_empty_data_buffer_on_a_stream_takes_the_fds_and_no_byte() {
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    let file = dev_null();
    socket::send(tx.as_fd(), b"xy", &[file.as_fd()], None).unwrap();
    let mut control = ControlBuffer::for_fds(1);
    let received = socket::recv(rx.as_fd(), &mut [], &mut control).unwrap();
    assert_eq!((received.bytes, received.fds.len()), (0, 1));
    let mut data = [0; 2];
    let rest = socket::recv(rx.as_fd(), &mut data, &mut control).unwrap();
    assert_eq!((&data[..rest.bytes], rest.fds.len()), (&b"xy"[..], 0));
}

#[test]
fn a_truncated_datagram_reports_what_was_copied_and_its_whole_length() {
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    let mut data = [0; 8];
    let mut control = ControlBuffer::with_len(0);
    for flags in [0, libc::MSG_TRUNC] {
        socket::send(tx.as_fd(), &[7; 100], &[], None).unwrap();
        let options = RecvOptions::default().flags(flags);
        let received = socket::recv_with(rx.as_fd(), &mut data, &mut control, options).unwrap();
        let full_len = if flags == 0 { 8 } else { 100 };
        assert_eq!((received.bytes, received.full_len), (8, full_len));
        assert!(received.data_truncated);
        assert_ne!(received.msg_flags & libc::MSG_TRUNC, 0);
        assert_eq!(&data[..received.bytes], [7; 8]);
    }
}

#[test]
fn at_the_end_of_a_stream_credentials_are_all_zero() {
    let (tx, rx) = socket::socketpair(SocketKind::Stream).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true).unwrap();
    drop(tx);
    let mut control = ControlBuffer::for_credentials_and_fds(0);
    let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
    assert_eq!(received.bytes, 0);
    assert_eq!(
        received.credentials,
        Some(Ucred {
            pid: 0,
            uid: 0,
            gid: 0
        })
    );
}

/// The control buffer lengths into which the kernel writes the credentials
/// message cut short: from a bare header up to one byte short of
/// `cmsg_len(12)`, as measured on 64-bit (16-byte header) and 32-bit
/// (12-byte header) processes.
#[cfg(target_pointer_width = "64")]
const CREDENTIALS_CUT: std::ops::RangeInclusive<usize> = 16..=27;
#[cfg(target_pointer_width = "32")]
const CREDENTIALS_CUT: std::ops::RangeInclusive<usize> = 12..=23;

/// Every control buffer length from 0 to past `cmsg_space(12)`: the
/// credentials arrive whole, cut short, or not at all, as the model of the
/// kernel's `put_cmsg` says.
#[test]
fn credentials_cut_short_by_a_small_control_buffer_are_reported() {
    let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true).unwrap();
    let model = Model::new(Layout::HOST);
    let whole = model.cmsg_len(UCRED_LEN as u128);
    let mut cut = Vec::new();
    for len in 0..=model.cmsg_space(UCRED_LEN as u128) + 8 {
        socket::send(tx.as_fd(), b"x", &[], None).unwrap();
        let mut control = ControlBuffer::with_len(len as usize);
        let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut control).unwrap();
        let kernel = model.kernel_receive(len, true, 0, u128::MAX);
        let expected = (
            (kernel.credentials_len == Some(whole)).then(own_credentials),
            kernel
                .credentials_len
                .is_some_and(|written| written < whole),
            kernel.truncated,
            kernel.written,
        );
        let got = (
            received.credentials,
            received.credentials_truncated,
            received.control_truncated,
            received.control().len() as u128,
        );
        assert_eq!(got, expected, "{len}-byte buffer");
        if received.credentials_truncated {
            cut.push(len as usize);
        }
    }
    assert_eq!(cut, CREDENTIALS_CUT.collect::<Vec<_>>());
}

#[test]
fn receiving_nothing_waiting_is_would_block() {
    let (_tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
    let mut control = ControlBuffer::for_fds(1);
    let options = RecvOptions::default().flags(libc::MSG_DONTWAIT);
    let err = socket::recv_with(rx.as_fd(), &mut [0; 1], &mut control, options).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
}

/// The kernel as the parser's oracle. On AF_UNIX the kernel skips messages
/// whose level is not `SOL_SOCKET` but still checks the buffer's structure
/// by Go's rule, so for any buffer of such messages `sendmsg` must fail
/// with `EINVAL` exactly when the codec rejects it (`check::kernel` moves
/// any `SOL_SOCKET` level off and asserts that).
mod oracle {
    use proptest::prelude::*;
    use proptest::sample::Index;
    use proptest::strategy::ValueTree;
    use sockcmsg::model::dialect::go_layout;
    use sockcmsg::model::Model;
    use sockcmsg::strategies::{malformed_buffer, well_formed_buffer};
    use sockcmsg::Layout;

    /// The kernel's `struct cmsghdr` (`__kernel_size_t cmsg_len; int
    /// cmsg_level; int cmsg_type;`): the header Go reads on Linux, which
    /// on musl is not the C library's (whose `cmsg_len` is 4 bytes).
    fn kernel() -> Model {
        Model::new(go_layout(Layout::HOST))
    }

    /// How a generated header's `cmsg_len` relates to its data.
    #[derive(Clone, Copy, Debug)]
    enum Len {
        /// `cmsg_len(data.len())`: well-formed.
        Exact,
        /// 0 to the header's length minus one: below the header.
        Below(u8),
        /// 1 to 8 bytes past the data, usually past the end.
        Past(u8),
        /// `2^32 + cmsg_len(k)`, where a 32-bit reader would wrap (a
        /// 32-bit kernel header holds the low bytes: `cmsg_len(k)`).
        Above4G(u8),
        /// `usize::MAX - k`, where C's `CMSG_NXTHDR` overflows.
        NearMax(u8),
        Any(usize),
    }

    fn len_value(choice: Len, data_len: usize) -> u128 {
        let model = kernel();
        let exact = model.cmsg_len(data_len as u128);
        match choice {
            Len::Exact => exact,
            Len::Below(k) => u128::from(k) % model.header_len(),
            Len::Past(k) => exact + 1 + u128::from(k % 8),
            Len::Above4G(k) => (1 << 32) + model.cmsg_len(u128::from(k % 32)),
            Len::NearMax(k) => usize::MAX as u128 - u128::from(k % 16),
            Len::Any(len) => len as u128,
        }
    }

    fn len_choice() -> impl Strategy<Value = Len> {
        prop_oneof![
            6 => Just(Len::Exact),
            1 => any::<u8>().prop_map(Len::Below),
            1 => any::<u8>().prop_map(Len::Past),
            1 => any::<u8>().prop_map(Len::Above4G),
            1 => any::<u8>().prop_map(Len::NearMax),
            1 => (0usize..256).prop_map(Len::Any),
        ]
    }

    /// Buffers of raw headers with levels other than `SOL_SOCKET`, lengths
    /// from [`Len`], each message padded or not, and a tail of 0 to 15
    /// bytes.
    fn raw_buffer() -> impl Strategy<Value = Vec<u8>> {
        let level = any::<i32>().prop_filter("not SOL_SOCKET", |l| *l != libc::SOL_SOCKET);
        let message = (
            len_choice(),
            level,
            any::<i32>(),
            prop::collection::vec(any::<u8>(), 0..40),
            any::<bool>(),
        );
        (
            prop::collection::vec(message, 0..6),
            prop::collection::vec(any::<u8>(), 0..16),
        )
            .prop_map(|(messages, tail)| {
                let model = kernel();
                let mut buf = Vec::new();
                for (len, level, kind, data, padded) in messages {
                    buf.extend(model.header(len_value(len, data.len()), level, kind));
                    buf.extend(&data);
                    if padded {
                        buf.resize(model.align_up(buf.len() as u128) as usize, 0);
                    }
                }
                buf.extend(tail);
                buf
            })
    }

    /// Any of the crate's well-formed or malformed buffers, or a raw one.
    fn any_buffer() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            2 => raw_buffer(),
            1 => well_formed_buffer(Layout::HOST).prop_map(|buf| buf.bytes),
            1 => malformed_buffer(Layout::HOST).prop_map(|buf| buf.bytes),
            1 => (raw_buffer(), any::<Index>()).prop_map(|(mut buf, cut)| {
                buf.truncate(cut.index(buf.len() + 1));
                buf
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn sendmsg_fails_with_einval_exactly_when_the_parser_does(buf in any_buffer()) {
            sockcmsg::check::kernel(&buf);
        }
    }

    /// The generator reaches both verdicts often, so the property above
    /// compares the kernel and the codec on both sides of every rule.
    #[test]
    fn the_generated_buffers_are_both_accepted_and_rejected() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut accepted, mut rejected) = (0, 0);
        for _ in 0..1000 {
            let buf = any_buffer().new_tree(&mut runner).unwrap().current();
            match sockcmsg::parse_socket_control_message(&buf) {
                Ok(_) => accepted += 1,
                Err(_) => rejected += 1,
            }
        }
        assert!(
            accepted > 250 && rejected > 250,
            "{accepted} accepted, {rejected} rejected"
        );
    }
}
