//! rustix with `patches/linux-raw-sys-0.12.1-cmsg-nxthdr-unpadded-last.patch`
//! and `patches/rustix-1.1.6-drain-advances-past-padding.patch`
//! (`docs/findings/rustix-unpadded-last-message.md`): a receive whose last
//! control message the kernel left unpadded yields that message and its
//! fds, and a buffer dropped after a partial drain closes the fds it still
//! holds. `cargo xtask fixed` checks, beside these tests, that the rustix
//! row of the conformance table gains no finding.

use std::fs::File;
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::time::Duration;

use rustix::net::{
    recvmsg, sendmsg, socketpair, sockopt, AddressFamily, RecvAncillaryBuffer,
    RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer, SendAncillaryMessage, SendFlags,
    SocketFlags, SocketType,
};
use sockcmsg::conformance::{Isolation, Runner};

/// A file of this test's own, whose copies in `/proc/self/fd` are counted.
struct Marker(PathBuf, File);

impl Marker {
    fn new(name: &str) -> Marker {
        let path = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let file = File::create(&path).unwrap();
        Marker(path, file)
    }

    /// The descriptors of this process that are the marker (the one held
    /// here included).
    fn open_copies(&self) -> usize {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| *target == self.0)
            .count()
    }
}

impl Drop for Marker {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A Unix datagram pair, `SO_PASSCRED` on the receiver, one datagram with
/// a copy of `marker` in it waiting.
fn one_fd_with_credentials(marker: &Marker) -> OwnedFd {
    let (tx, rx) = socketpair(
        AddressFamily::UNIX,
        SocketType::DGRAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .unwrap();
    sockopt::set_socket_passcred(&rx, true).unwrap();
    let fds = [marker.1.as_fd()];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    assert!(control.push(SendAncillaryMessage::ScmRights(&fds)));
    sendmsg(&tx, &[IoSlice::new(b"x")], &mut control, SendFlags::empty()).unwrap();
    rx
}

#[repr(C, align(8))]
struct Aligned<const N: usize>([MaybeUninit<u8>; N]);

/// Credentials (`CMSG_SPACE(12)` = 32 bytes) then one fd, in a buffer that
/// ends at the fd message's `CMSG_LEN` (52), not its `CMSG_SPACE` (56): the
/// kernel writes both, the last unpadded, and sets no `MSG_CTRUNC`.
#[test]
fn test_unix_msg_with_scm_rights_unpadded_last() {
    let marker = Marker::new("rustix-unpadded-last");
    let rx = one_fd_with_credentials(&marker);
    let mut space = Aligned([MaybeUninit::uninit(); 52]);
    let mut control = RecvAncillaryBuffer::new(&mut space.0);
    let mut byte = [0u8; 1];
    let result = recvmsg(
        &rx,
        &mut [IoSliceMut::new(&mut byte)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )
    .unwrap();
    assert!(!result.flags.contains(rustix::net::ReturnFlags::CTRUNC));
    let mut kinds = Vec::new();
    let mut fds = Vec::new();
    for msg in control.drain() {
        match msg {
            RecvAncillaryMessage::ScmCredentials(_) => kinds.push("credentials"),
            RecvAncillaryMessage::ScmRights(rights) => {
                kinds.push("rights");
                fds.extend(rights);
            }
            _ => kinds.push("other"),
        }
    }
    assert_eq!(kinds, ["credentials", "rights"]);
    assert_eq!(fds.len(), 1);
    drop(fds);
    drop(control);
    assert_eq!(marker.open_copies(), 1, "the received fd was closed");
}

/// The same datagram into `cmsg_space!(ScmRights(1), ScmCredentials(1))`:
/// the caller takes the credentials and drops the buffer, whose `Drop`
/// drains the rest and closes the fd.
#[test]
fn test_unix_msg_drop_after_partial_drain_closes_the_fds() {
    let marker = Marker::new("rustix-partial-drain");
    let rx = one_fd_with_credentials(&marker);
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1), ScmCredentials(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut byte = [0u8; 1];
    recvmsg(
        &rx,
        &mut [IoSliceMut::new(&mut byte)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )
    .unwrap();
    let first_is_credentials = matches!(
        control.drain().next(),
        Some(RecvAncillaryMessage::ScmCredentials(_))
    );
    assert!(first_is_credentials);
    drop(control);
    assert_eq!(
        marker.open_copies(),
        1,
        "the fd left in the buffer was closed"
    );
}

/// The rustix row's checks of what the kernel writes: no finding but the
/// credentials the kernel cut short, which rustix drops by design (see the
/// table's notes).
#[test]
fn the_rustix_row_has_no_unpadded_last_finding() {
    let peer = sockcmsg_peers::all()
        .into_iter()
        .find(|peer| peer.slug == "rustix")
        .expect("the rustix peer");
    let report = Runner::new(&*peer.implementation)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(2),
        })
        .only(["unpadded last", "kernel", "fds"])
        .run();
    assert_eq!(report.findings_of("unpadded last").count(), 0, "{report}");
    assert_eq!(report.findings_of("fds").count(), 0, "{report}");
    for finding in report.findings_of("kernel") {
        assert!(
            finding.model.contains("level 1 type 2 data")
                && !finding.implementation.contains("type 1"),
            "{report}"
        );
    }
}
