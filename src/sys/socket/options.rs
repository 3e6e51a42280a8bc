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
use crate::typed::{Direction, TimeForm, TypedKind};
#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::{Layout, Ucred};

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

/// `SOL_SOCKET` and the number of a `_NEW` timestamp option: its message's
/// type.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn new_timestamp(kind: TypedKind) -> Option<(libc::c_int, libc::c_int)> {
    let (_, number) = Layout::HOST.typed_number(kind, Direction::Receive)?;
    Some((libc::SOL_SOCKET, number))
}

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
/// its doc alias. [`sockcmsg::typed`](crate::typed) decodes the IP, UDP
/// and timestamp messages they bring. They are Linux's, but for
/// `IpReceiveDstAddr`; macOS and FreeBSD set `Timestamp`, the IPv6 ones
/// but the original destination, `IpReceiveTos`, `IpReceiveTtl` and
/// `IpReceiveDstAddr` (macOS `IpPacketInfo` too), NetBSD `Timestamp`,
/// `Ipv6ReceivePacketInfo`, `Ipv6ReceiveTrafficClass` and
/// `IpReceiveDstAddr`; the others are `Unsupported` there.
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
    /// `IP_RECVTTL` (IPv4): the packet's TTL, as `IP_TTL` on Linux and
    /// `IP_RECVTTL` elsewhere.
    #[doc(alias = "IP_RECVTTL")]
    IpReceiveTtl,
    /// `IPV6_RECVTCLASS`: `IPV6_TCLASS`, the traffic class (ECN in its low
    /// 2 bits).
    #[doc(alias = "IPV6_RECVTCLASS")]
    Ipv6ReceiveTrafficClass,
    /// `IPV6_RECVHOPLIMIT`: `IPV6_HOPLIMIT`, the hop limit.
    #[doc(alias = "IPV6_RECVHOPLIMIT")]
    Ipv6ReceiveHopLimit,
    /// `IP_RECVORIGDSTADDR` (Linux, IPv4): `IP_ORIGDSTADDR`, the
    /// destination address and port the datagram was sent to.
    #[doc(alias = "IP_RECVORIGDSTADDR")]
    IpReceiveOrigDstAddr,
    /// `IPV6_RECVORIGDSTADDR` (Linux): `IPV6_ORIGDSTADDR`.
    #[doc(alias = "IPV6_RECVORIGDSTADDR")]
    Ipv6ReceiveOrigDstAddr,
    /// `IP_RECVDSTADDR` (macOS and the BSDs, IPv4): the destination
    /// address as an `in_addr`.
    #[doc(alias = "IP_RECVDSTADDR")]
    IpReceiveDstAddr,
    /// `SO_TIMESTAMP_NEW` (Linux 5.1): `SO_TIMESTAMP_NEW`, a `timeval` of
    /// 64-bit fields on every system (`Timestamp` is the form of the C
    /// library's `time_t`).
    #[doc(alias = "SO_TIMESTAMP_NEW")]
    TimestampNew,
    /// `SO_TIMESTAMPNS_NEW` (Linux 5.1): `SO_TIMESTAMPNS_NEW`, a
    /// `timespec` of 64-bit fields.
    #[doc(alias = "SO_TIMESTAMPNS_NEW")]
    TimestampNsNew,
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
            SocketOption::IpReceiveTtl => (libc::IPPROTO_IP, libc::IP_RECVTTL),
            SocketOption::Ipv6ReceiveTrafficClass => (libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS),
            SocketOption::Ipv6ReceiveHopLimit => (libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT),
            SocketOption::IpReceiveOrigDstAddr => (libc::IPPROTO_IP, libc::IP_RECVORIGDSTADDR),
            SocketOption::Ipv6ReceiveOrigDstAddr => {
                (libc::IPPROTO_IPV6, libc::IPV6_RECVORIGDSTADDR)
            }
            SocketOption::IpReceiveDstAddr => return None,
            // The options' numbers are their messages' types, which the
            // layout has (not every architecture's libc exports them).
            SocketOption::TimestampNew => new_timestamp(TypedKind::Timestamp(TimeForm::New))?,
            SocketOption::TimestampNsNew => new_timestamp(TypedKind::TimestampNs(TimeForm::New))?,
        })
    }

    /// On macOS and the BSDs: the options they have here.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn level_and_name(self) -> Option<(libc::c_int, libc::c_int)> {
        Some(match self {
            SocketOption::Timestamp => (libc::SOL_SOCKET, libc::SO_TIMESTAMP),
            SocketOption::Ipv6ReceivePacketInfo => (libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO),
            SocketOption::Ipv6ReceiveTrafficClass => (libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS),
            SocketOption::IpReceiveDstAddr => (libc::IPPROTO_IP, libc::IP_RECVDSTADDR),
            #[cfg(any(target_os = "macos", target_os = "freebsd"))]
            SocketOption::IpReceiveTos => (libc::IPPROTO_IP, libc::IP_RECVTOS),
            #[cfg(any(target_os = "macos", target_os = "freebsd"))]
            SocketOption::IpReceiveTtl => (libc::IPPROTO_IP, libc::IP_RECVTTL),
            #[cfg(any(target_os = "macos", target_os = "freebsd"))]
            SocketOption::Ipv6ReceiveHopLimit => (libc::IPPROTO_IPV6, libc::IPV6_RECVHOPLIMIT),
            #[cfg(target_os = "macos")]
            SocketOption::IpPacketInfo => (libc::IPPROTO_IP, libc::IP_PKTINFO),
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
            | SocketOption::TimestampNew
            | SocketOption::TimestampNsNew
            | SocketOption::ReceiveQueueOverflow => {
                super::super::socketpair(super::super::SocketKind::Datagram)
                    .unwrap()
                    .0
            }
            SocketOption::IpReceiveTos
            | SocketOption::IpReceiveTtl
            | SocketOption::IpPacketInfo
            | SocketOption::IpReceiveErrors
            | SocketOption::IpReceiveOrigDstAddr
            | SocketOption::IpReceiveDstAddr
            | SocketOption::UdpGro => udp("127.0.0.1:0"),
            SocketOption::Ipv6ReceivePacketInfo
            | SocketOption::Ipv6ReceiveErrors
            | SocketOption::Ipv6ReceiveTrafficClass
            | SocketOption::Ipv6ReceiveHopLimit
            | SocketOption::Ipv6ReceiveOrigDstAddr => udp("[::1]:0"),
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
            IpReceiveTtl,
            Ipv6ReceiveTrafficClass,
            Ipv6ReceiveHopLimit,
            IpReceiveOrigDstAddr,
            Ipv6ReceiveOrigDstAddr,
            TimestampNew,
            TimestampNsNew,
        ];
        // Linux has no IP_RECVDSTADDR.
        let sock = socket_for(IpReceiveDstAddr);
        let unsupported = set_option(sock.as_fd(), IpReceiveDstAddr, true).unwrap_err();
        assert_eq!(unsupported.kind(), io::ErrorKind::Unsupported);
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
