//! The control-message implementations people use, each plugged into
//! sockcmsg's conformance harness ([`sockcmsg::conformance`]) the way its
//! users call it: one module per implementation, each an
//! [`Implementation`]. `cargo xtask conformance` runs them all and writes
//! `docs/conformance.md`; the versions are those of the workspace's lock
//! file.
//!
//! Adapters that call C or `unsafe` code walk hostile buffers as their
//! users would, out of bounds included: run them only under
//! [`Isolation::Process`](sockcmsg::conformance::Isolation::Process), where
//! a crash is a finding and not the end of the run.

#![cfg_attr(feature = "nightly", feature(unix_socket_ancillary_data))]

use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd};
use std::os::unix::net::UnixDatagram;

use sockcmsg::conformance::Implementation;

mod c_walk;
pub mod cli;
pub mod compio_crate;
pub mod corpora;
pub mod fuzz;
#[cfg(target_env = "gnu")]
pub mod glibc;
pub mod go;
pub mod go_xnet;
pub mod io_uring_crate;
pub mod libc_crate;
pub mod liburing;
pub mod nix_crate;
pub mod passfd;
pub mod python;
pub mod quinn;
pub mod rustix_crate;
pub mod s2n_quic;
pub mod sendfd;
pub mod std_ancillary;
pub mod table;
pub mod tokio_seqpacket_crate;
pub mod uds_crate;
pub mod unix_ancillary_crate;

/// A peer: its crate's name as the lock file has it (for the version), and
/// its adapter.
pub struct Peer {
    /// A short name for command lines and folders: `libc`, `nix`, ...
    pub slug: &'static str,
    /// The package whose version the table shows (`libc`, `nix`, ...), or
    /// `None` for what is not a crate (Go, glibc).
    pub package: Option<&'static str>,
    /// The adapter.
    pub implementation: Box<dyn Implementation + Send + Sync>,
    /// Its walk over a received buffer as its users loop, without the
    /// adapter's copy into the harness's answer: every message visited,
    /// every fd and credential read, the sum of the fds and pids returned
    /// (so that nothing is optimized away). What the speed column times; `None` for a peer
    /// with no parse of a buffer in this process.
    ///
    /// # Safety
    ///
    /// Only for buffers of well-formed messages, as the kernel writes them,
    /// aligned for `cmsghdr`; fd numbers in them are read, never closed.
    pub walk: Option<unsafe fn(&mut [u8]) -> u64>,
    /// What its findings are, checked by hand against its source: for each,
    /// the function and line of its code that does it. Markdown, shown
    /// under its findings in the page.
    pub notes: &'static str,
}

/// The runner's socket as a `UnixDatagram`, for a receive API that takes
/// one. Not a dup: a dup would take a descriptor, and the `fds` check counts
/// and limits them; `ManuallyDrop` keeps it from being closed.
///
/// # Safety
///
/// The result must be used only while `socket` is borrowed.
pub(crate) unsafe fn as_datagram(socket: BorrowedFd<'_>) -> ManuallyDrop<UnixDatagram> {
    // SAFETY: the number is an open socket for as long as the caller's
    // contract says the result is used, and ManuallyDrop never closes it.
    ManuallyDrop::new(unsafe { UnixDatagram::from_raw_fd(socket.as_raw_fd()) })
}

/// The fds a control buffer of `control_len` bytes takes (as many whole
/// ones as fit after one header, the model says): what a receive API that
/// sizes its buffer from a number of fds is asked for.
pub(crate) fn fds_fitting(control_len: usize) -> usize {
    let model = sockcmsg::model::Model::new(sockcmsg::Layout::HOST);
    let fitting = model.kernel_receive(control_len as u128, false, u128::MAX, u128::MAX);
    usize::try_from(fitting.fds_installed).unwrap_or(usize::MAX)
}

/// `fds` as `BorrowedFd`s, for an encoder whose API takes them, or `None`
/// if one is -1, which a `BorrowedFd` cannot hold.
///
/// # Safety
///
/// The encoder given them must only read their numbers to copy them into
/// its buffer (`as_raw_fd`), never use them for I/O: they need not be open.
pub(crate) unsafe fn numbers_as_borrowed(fds: &[i32]) -> Option<Vec<BorrowedFd<'static>>> {
    if fds.contains(&-1) {
        return None;
    }
    // SAFETY: not -1 (checked above); the caller's contract covers the
    // rest: the numbers are only copied.
    Some(
        fds.iter()
            .map(|&fd| unsafe { BorrowedFd::borrow_raw(fd) })
            .collect(),
    )
}

/// sockcmsg's walk, as [`Peer::walk`] says: `messages()`, each message
/// matched on its header and decoded with `fds()` or
/// `parse_unix_credentials()`, as a receiver loops.
fn sockcmsg_walk(buf: &mut [u8]) -> u64 {
    let mut sum = 0u64;
    for msg in sockcmsg::messages(buf).map_while(Result::ok) {
        match (msg.header.level, msg.header.kind) {
            (libc::SOL_SOCKET, libc::SCM_RIGHTS) => {
                if let Ok(fds) = sockcmsg::fds(&msg) {
                    for fd in fds {
                        sum = sum.wrapping_add(fd as u64);
                    }
                }
            }
            (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) => {
                if let Ok(cred) = sockcmsg::parse_unix_credentials(&msg) {
                    sum = sum.wrapping_add(cred.pid as u64);
                }
            }
            _ => {}
        }
    }
    sum
}

/// Every peer, sockcmsg first (the table's reference row).
pub fn all() -> Vec<Peer> {
    vec![
        Peer {
            slug: "sockcmsg",
            package: Some("sockcmsg"),
            implementation: Box::new(sockcmsg::conformance::Sockcmsg),
            walk: Some(sockcmsg_walk),
            notes: "",
        },
        Peer {
            slug: "sockcmsg-tokio",
            package: Some("sockcmsg"),
            implementation: Box::new(
                sockcmsg::conformance::SockcmsgTokio::new()
                    .expect("a current-thread tokio runtime"),
            ),
            walk: None,
            // The async receive: it only receives, so the receive checks run.
            notes: "",
        },
        Peer {
            slug: "libc",
            package: Some("libc"),
            implementation: Box::new(libc_crate::LibcCrate),
            walk: Some(libc_crate::walk),
            notes: libc_crate::NOTES,
        },
        Peer {
            slug: "nix",
            package: Some("nix"),
            implementation: Box::new(nix_crate::NixCrate),
            walk: None,
            notes: nix_crate::NOTES,
        },
        Peer {
            slug: "rustix",
            package: Some("rustix"),
            implementation: Box::new(rustix_crate::RustixCrate),
            walk: Some(rustix_crate::walk),
            notes: rustix_crate::NOTES,
        },
        Peer {
            slug: "go",
            package: None,
            implementation: Box::new(go::GoSyscall::default()),
            walk: None,
            notes: go::NOTES,
        },
        #[cfg(target_env = "gnu")]
        Peer {
            slug: "glibc",
            package: None,
            implementation: Box::new(glibc::Glibc),
            walk: Some(glibc::walk),
            notes: glibc::NOTES,
        },
        Peer {
            slug: "std",
            package: None,
            implementation: Box::new(std_ancillary::StdAncillary),
            walk: None,
            notes: std_ancillary::NOTES,
        },
        Peer {
            slug: "sendfd",
            package: Some("sendfd"),
            implementation: Box::new(sendfd::Sendfd),
            walk: None,
            notes: sendfd::NOTES,
        },
        Peer {
            slug: "passfd",
            package: Some("passfd"),
            implementation: Box::new(passfd::Passfd),
            walk: None,
            notes: passfd::NOTES,
        },
        Peer {
            slug: "python",
            package: None,
            implementation: Box::new(python::Python::recv_fds()),
            walk: None,
            notes: python::NOTES,
        },
        Peer {
            slug: "python-recvmsg",
            package: None,
            implementation: Box::new(python::Python::recvmsg()),
            walk: None,
            notes: python::RECVMSG_NOTES,
        },
        Peer {
            slug: "uds",
            package: Some("uds"),
            implementation: Box::new(uds_crate::Uds),
            walk: None,
            notes: uds_crate::NOTES,
        },
        Peer {
            slug: "tokio-seqpacket",
            package: Some("tokio-seqpacket"),
            implementation: Box::new(tokio_seqpacket_crate::TokioSeqpacket::new()),
            walk: Some(tokio_seqpacket_crate::walk),
            notes: tokio_seqpacket_crate::NOTES,
        },
        Peer {
            slug: "io-uring",
            package: Some("io-uring"),
            implementation: Box::new(io_uring_crate::IoUringCrate),
            walk: None,
            notes: io_uring_crate::NOTES,
        },
        Peer {
            slug: "compio",
            package: Some("compio-net"),
            implementation: Box::new(compio_crate::Compio),
            walk: None,
            notes: compio_crate::NOTES,
        },
        Peer {
            slug: "go-xnet-ipv4",
            package: None,
            implementation: Box::new(go_xnet::GoXnet::ipv4()),
            walk: None,
            notes: go_xnet::NOTES_IPV4,
        },
        Peer {
            slug: "go-xnet-ipv6",
            package: None,
            implementation: Box::new(go_xnet::GoXnet::ipv6()),
            walk: None,
            notes: go_xnet::NOTES_IPV6,
        },
        Peer {
            slug: "go-xsys-origdstaddr",
            package: None,
            implementation: Box::new(go_xnet::GoXnet::orig_dst_addr()),
            walk: None,
            notes: go_xnet::NOTES_ORIG_DST_ADDR,
        },
        Peer {
            slug: "quinn-udp",
            package: Some("quinn-udp"),
            implementation: Box::new(quinn::Quinn),
            walk: None,
            notes: quinn::NOTES,
        },
        Peer {
            slug: "s2n-quic",
            package: Some("s2n-quic-platform"),
            implementation: Box::new(s2n_quic::S2nQuic),
            walk: None,
            notes: s2n_quic::NOTES,
        },
        Peer {
            slug: "liburing",
            package: None,
            implementation: Box::new(liburing::Liburing),
            walk: None,
            notes: liburing::NOTES,
        },
        Peer {
            slug: "unix-ancillary",
            package: Some("unix-ancillary"),
            implementation: Box::new(unix_ancillary_crate::UnixAncillary),
            walk: None,
            notes: unix_ancillary_crate::NOTES,
        },
    ]
}
