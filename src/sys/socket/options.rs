//! Socket options that make the kernel attach control messages, and the
//! peer's identity without one.
//!
//! Written here rather than handed to a library: of the options below,
//! `socket2` 0.6 and `rustix` 1.1 have only `SO_PASSCRED` and `IP_RECVTOS`
//! (and rustix `SO_PEERCRED`). `SO_TIMESTAMPING`, whose value is a set of
//! flags rather than on or off, is not here: set it with `libc::setsockopt`
//! (or `rustix::net::sockopt`); its `SCM_TIMESTAMPING` messages parse as any
//! other.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::{FromRawFd, OwnedFd};

use super::socklen;
#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::Ucred;

/// The newest `SOL_SOCKET` options' numbers, from
/// `include/uapi/asm-generic/socket.h`, which x86, Arm and RISC-V use (the
/// other architectures have their own, unchecked here); `libc` does not
/// have them yet: `SO_PASSPIDFD`, `SO_PEERPIDFD`, `SO_PASSRIGHTS`.
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv64"
    )
))]
const GENERIC: Option<(libc::c_int, libc::c_int, libc::c_int)> = Some((76, 77, 83));
#[cfg(all(
    any(target_os = "linux", target_os = "android"),
    not(any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv64"
    ))
))]
const GENERIC: Option<(libc::c_int, libc::c_int, libc::c_int)> = None;

/// An option this system does not have, or whose number this
/// architecture's build does not know.
fn unknown_here() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "not an option of this system (or, for SO_PASSPIDFD, SO_PEERPIDFD and \
         SO_PASSRIGHTS, whose number is known here only for x86, Arm and RISC-V)",
    )
}

/// A socket option that makes the kernel attach a control message to what
/// this socket receives, or allows it to. Each is on or off; the C name is
/// its doc alias. They are Linux's; on macOS and the BSDs only `Timestamp`
/// and `Ipv6ReceivePacketInfo` are set here, and the others are
/// `Unsupported`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SocketOption {
    /// `SO_PASSCRED`: receive the sender's `SCM_CREDENTIALS`.
    #[doc(alias = "SO_PASSCRED")]
    PassCredentials,
    /// `SO_PASSPIDFD` (Linux 6.5): receive a pidfd of the sender as
    /// `SCM_PIDFD`.
    #[doc(alias = "SO_PASSPIDFD")]
    PassPidfd,
    /// `SO_PASSRIGHTS` (Linux 6.16, on by default): accept `SCM_RIGHTS`.
    /// When off, senders of descriptors get `EPERM`.
    #[doc(alias = "SO_PASSRIGHTS")]
    PassRights,
    /// `SO_TIMESTAMP`: each message comes with `SCM_TIMESTAMP`, its arrival
    /// time as a `struct timeval`.
    #[doc(alias = "SO_TIMESTAMP")]
    Timestamp,
    /// `SO_TIMESTAMPNS`: `SCM_TIMESTAMPNS`, the arrival time as a `struct
    /// timespec`.
    #[doc(alias = "SO_TIMESTAMPNS")]
    TimestampNs,
    /// `SO_RXQ_OVFL`: `SO_RXQ_OVFL`, a `u32` count of the packets dropped
    /// for a full receive queue, on messages received after a drop.
    #[doc(alias = "SO_RXQ_OVFL")]
    ReceiveQueueOverflow,
    /// `IP_RECVTOS` (IPv4): `IP_TOS`, the packet's type-of-service byte.
    #[doc(alias = "IP_RECVTOS")]
    IpReceiveTos,
    /// `IP_PKTINFO` (IPv4): `IP_PKTINFO`, a `struct in_pktinfo` (the
    /// interface and the destination address).
    #[doc(alias = "IP_PKTINFO")]
    IpPacketInfo,
    /// `IPV6_RECVPKTINFO`: `IPV6_PKTINFO`, a `struct in6_pktinfo`.
    #[doc(alias = "IPV6_RECVPKTINFO")]
    Ipv6ReceivePacketInfo,
    /// `IP_RECVERR` (IPv4): errors are queued, and read with
    /// `MSG_ERRQUEUE` as `IP_RECVERR` messages.
    #[doc(alias = "IP_RECVERR")]
    IpReceiveErrors,
    /// `IPV6_RECVERR`: the same for IPv6, as `IPV6_RECVERR` messages.
    #[doc(alias = "IPV6_RECVERR")]
    Ipv6ReceiveErrors,
    /// `UDP_GRO` (Linux 5.0): coalesced datagrams, each read with a
    /// `UDP_GRO` message giving the segment size.
    #[doc(alias = "UDP_GRO")]
    UdpGro,
}

impl SocketOption {
    /// The option's level and number, or `None` where this architecture's
    /// number is not known here.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn level_and_name(self) -> Option<(libc::c_int, libc::c_int)> {
        Some(match self {
            SocketOption::PassCredentials => (libc::SOL_SOCKET, libc::SO_PASSCRED),
            SocketOption::PassPidfd => (libc::SOL_SOCKET, GENERIC?.0),
            SocketOption::PassRights => (libc::SOL_SOCKET, GENERIC?.2),
            SocketOption::Timestamp => (libc::SOL_SOCKET, libc::SO_TIMESTAMP),
            SocketOption::TimestampNs => (libc::SOL_SOCKET, libc::SO_TIMESTAMPNS),
            SocketOption::ReceiveQueueOverflow => (libc::SOL_SOCKET, libc::SO_RXQ_OVFL),
            SocketOption::IpReceiveTos => (libc::IPPROTO_IP, libc::IP_RECVTOS),
            SocketOption::IpPacketInfo => (libc::IPPROTO_IP, libc::IP_PKTINFO),
            SocketOption::Ipv6ReceivePacketInfo => (libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO),
            SocketOption::IpReceiveErrors => (libc::IPPROTO_IP, libc::IP_RECVERR),
            SocketOption::Ipv6ReceiveErrors => (libc::IPPROTO_IPV6, libc::IPV6_RECVERR),
            SocketOption::UdpGro => (libc::IPPROTO_UDP, libc::UDP_GRO),
        })
    }

    /// On macOS and the BSDs: the options they share with Linux here.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn level_and_name(self) -> Option<(libc::c_int, libc::c_int)> {
        Some(match self {
            SocketOption::Timestamp => (libc::SOL_SOCKET, libc::SO_TIMESTAMP),
            SocketOption::Ipv6ReceivePacketInfo => (libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO),
            _ => return None,
        })
    }
}

/// Turns a socket option on or off.
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, SocketKind, SocketOption};
/// let (a, _b) = socket::socketpair(SocketKind::Stream)?;
/// socket::set_option(a.as_fd(), SocketOption::PassCredentials, true)?;
/// assert!(socket::get_option(a.as_fd(), SocketOption::PassCredentials)?);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn set_option(sock: BorrowedFd<'_>, option: SocketOption, on: bool) -> io::Result<()> {
    let (level, name) = option.level_and_name().ok_or_else(unknown_here)?;
    let value = libc::c_int::from(on);
    // SAFETY: `value` is a c_int that outlives the call, and the length
    // passed is its size.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            std::ptr::from_ref(&value).cast(),
            socklen(std::mem::size_of_val(&value)),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Whether a socket option is on.
pub fn get_option(sock: BorrowedFd<'_>, option: SocketOption) -> io::Result<bool> {
    let (level, name) = option.level_and_name().ok_or_else(unknown_here)?;
    let value: libc::c_int = get(sock, level, name, 0)?;
    Ok(value != 0)
}

/// The credentials of the peer of a connected Unix socket, as they were
/// when it connected (or when the socketpair was made): `SO_PEERCRED`,
/// no control message needed.
///
/// ```
/// use std::os::fd::AsFd;
/// use sockcmsg::socket::{self, SocketKind};
/// let (a, _b) = socket::socketpair(SocketKind::Stream)?;
/// assert_eq!(socket::peer_credentials(a.as_fd())?.pid, std::process::id() as i32);
/// # Ok::<(), std::io::Error>(())
/// ```
#[doc(alias = "SO_PEERCRED")]
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn peer_credentials(sock: BorrowedFd<'_>) -> io::Result<Ucred> {
    let none = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let cred = get(sock, libc::SOL_SOCKET, libc::SO_PEERCRED, none)?;
    Ok(Ucred {
        pid: cred.pid,
        uid: cred.uid,
        gid: cred.gid,
    })
}

/// A pidfd of the peer of a connected Unix socket (`SO_PEERPIDFD`, Linux
/// 6.5), close-on-exec: a handle on the process that stays valid when its
/// pid is reused.
#[doc(alias = "SO_PEERPIDFD")]
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn peer_pidfd(sock: BorrowedFd<'_>) -> io::Result<OwnedFd> {
    let (_, peer_pidfd, _) = GENERIC.ok_or_else(unknown_here)?;
    let fd: libc::c_int = get(sock, libc::SOL_SOCKET, peer_pidfd, -1)?;
    // SAFETY: on success the kernel installed a new descriptor for us,
    // which nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// An option's value of type `T` (`c_int`, `ucred`), which starts as
/// `value`: it must be as long as the kernel's.
pub(super) fn get<T: Copy>(
    sock: BorrowedFd<'_>,
    level: libc::c_int,
    name: libc::c_int,
    mut value: T,
) -> io::Result<T> {
    let mut len = socklen(std::mem::size_of::<T>());
    // SAFETY: `value` is a T that outlives the call and `len` its size;
    // getsockopt writes at most that many bytes, and T (a C integer or
    // struct of integers) is valid for any bytes.
    let rc = unsafe {
        libc::getsockopt(
            sock.as_raw_fd(),
            level,
            name,
            std::ptr::from_mut(&mut value).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    if len as usize != std::mem::size_of::<T>() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "getsockopt({level}, {name}) wrote {len} bytes, not {}",
                std::mem::size_of::<T>()
            ),
        ));
    }
    Ok(value)
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsFd;

    /// A socket of the family each option belongs to (the match is
    /// exhaustive: a new option needs a socket here).
    fn socket_for(option: SocketOption) -> OwnedFd {
        let udp = |address: &str| OwnedFd::from(UdpSocket::bind(address).unwrap());
        match option {
            SocketOption::PassCredentials
            | SocketOption::PassPidfd
            | SocketOption::PassRights
            | SocketOption::Timestamp
            | SocketOption::TimestampNs
            | SocketOption::ReceiveQueueOverflow => {
                super::super::socketpair(super::super::SocketKind::Datagram)
                    .unwrap()
                    .0
            }
            SocketOption::IpReceiveTos
            | SocketOption::IpPacketInfo
            | SocketOption::IpReceiveErrors
            | SocketOption::UdpGro => udp("127.0.0.1:0"),
            SocketOption::Ipv6ReceivePacketInfo | SocketOption::Ipv6ReceiveErrors => udp("[::1]:0"),
        }
    }

    #[test]
    fn every_option_reads_back_what_was_set() {
        use SocketOption::*;
        let all = [
            PassCredentials,
            PassPidfd,
            PassRights,
            Timestamp,
            TimestampNs,
            ReceiveQueueOverflow,
            IpReceiveTos,
            IpPacketInfo,
            Ipv6ReceivePacketInfo,
            IpReceiveErrors,
            Ipv6ReceiveErrors,
            UdpGro,
        ];
        for option in all {
            let sock = socket_for(option);
            for on in [true, false, true] {
                match set_option(sock.as_fd(), option, on) {
                    // Newer than the kernel the tests run on (PassPidfd:
                    // 6.5, PassRights: 6.16); tests/kernel.rs says which.
                    Err(err) if err.raw_os_error() == Some(libc::ENOPROTOOPT) => {
                        println!("{option:?}: not in this kernel ({err})");
                        break;
                    }
                    result => result.unwrap(),
                }
                assert_eq!(get_option(sock.as_fd(), option).unwrap(), on, "{option:?}");
            }
        }
    }
}
