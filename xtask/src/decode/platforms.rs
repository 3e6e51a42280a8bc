//! The names of layouts, and the names each platform's headers give to
//! control message levels and types.

use sockcmsg::Layout;

/// The layout called `name`: the [`Layout::name`] of one of
/// [`Layout::ALL`], or `host` for `Layout::HOST`.
pub(super) fn layout_named(name: &str) -> Result<Layout, String> {
    let wanted = if name == "host" {
        Layout::HOST.name()
    } else {
        name
    };
    Layout::ALL
        .into_iter()
        .find(|layout| layout.name() == wanted)
        .ok_or_else(|| {
            let names: Vec<&str> = Layout::ALL.iter().map(Layout::name).collect();
            format!(
                "no layout {name:?}; the layouts are host, {}",
                names.join(", ")
            )
        })
}

/// The names a platform's headers give to levels and message types.
pub(super) struct PlatformNames {
    /// Level names by value.
    levels: &'static [(i32, &'static str)],
    /// Type names by level and value.
    kinds: &'static [(i32, i32, &'static str)],
}

impl PlatformNames {
    /// The name of the level `level`, if the platform has one.
    pub(super) fn level(&self, level: i32) -> Option<&'static str> {
        self.levels
            .iter()
            .find(|(value, _)| *value == level)
            .map(|(_, name)| *name)
    }

    /// The name of the type `kind` at the level `level`, if the platform
    /// has one.
    pub(super) fn kind(&self, level: i32, kind: i32) -> Option<&'static str> {
        self.kinds
            .iter()
            .find(|(at_level, value, _)| (*at_level, *value) == (level, kind))
            .map(|(_, _, name)| *name)
    }
}

/// The names of `layout`'s platform, or `None` for a layout not sorted
/// into a platform here yet (a test fails on it; the layout is still
/// decoded, with bare numbers).
fn platform_names(layout: Layout) -> Option<&'static PlatformNames> {
    match layout {
        Layout::LINUX_64
        | Layout::LINUX_64_BE
        | Layout::LINUX_64_MUSL
        | Layout::LINUX_64_MUSL_BE
        | Layout::LINUX_32 => Some(&LINUX),
        Layout::MACOS => Some(&MACOS),
        Layout::FREEBSD_64 | Layout::FREEBSD_32 => Some(&FREEBSD),
        Layout::OPENBSD_64 | Layout::OPENBSD_32 | Layout::OPENBSD_ARM => Some(&OPENBSD),
        Layout::NETBSD_64 | Layout::NETBSD_AARCH64 | Layout::NETBSD_32 | Layout::NETBSD_ARM => {
            Some(&NETBSD)
        }
        Layout::DRAGONFLY => Some(&DRAGONFLY),
        Layout::ILLUMOS => Some(&ILLUMOS),
        Layout::AIX => Some(&AIX),
        _ => None,
    }
}

/// The names used for `layout`: its platform's, or none at all.
pub(super) fn names(layout: Layout) -> &'static PlatformNames {
    const UNNAMED: PlatformNames = PlatformNames {
        levels: &[],
        kinds: &[],
    };
    platform_names(layout).unwrap_or(&UNNAMED)
}

const LINUX: PlatformNames = PlatformNames {
    levels: LINUX_LEVELS,
    kinds: LINUX_KINDS,
};

/// Linux's levels that carry control messages: `SOL_SOCKET` from
/// `<asm-generic/socket.h>`, the protocols from `<linux/in.h>`, `SOL_ALG`
/// and `SOL_TLS` from `<linux/socket.h>`.
const LINUX_LEVELS: &[(i32, &str)] = &[
    (0, "IPPROTO_IP"),
    (1, "SOL_SOCKET"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (279, "SOL_ALG"),
    (282, "SOL_TLS"),
];

/// Linux's control message types. `SOL_SOCKET`'s from
/// `<asm-generic/socket.h>` (the values of x86, arm, riscv; not MIPS, SPARC
/// or PA-RISC) and `<linux/socket.h>` (`SCM_SECURITY`, `SCM_PIDFD`), the
/// rest from `<linux/in.h>`, `<linux/in6.h>`, `<linux/udp.h>`,
/// `<linux/if_alg.h>` and `<linux/tls.h>`.
const LINUX_KINDS: &[(i32, i32, &str)] = &[
    (1, 1, "SCM_RIGHTS"),
    (1, 2, "SCM_CREDENTIALS"),
    (1, 3, "SCM_SECURITY"),
    (1, 4, "SCM_PIDFD"),
    (1, 29, "SCM_TIMESTAMP"),
    (1, 35, "SCM_TIMESTAMPNS"),
    (1, 36, "SO_MARK"),
    (1, 37, "SCM_TIMESTAMPING"),
    (1, 40, "SO_RXQ_OVFL"),
    (1, 41, "SCM_WIFI_STATUS"),
    (1, 61, "SCM_TXTIME"),
    (1, 63, "SO_TIMESTAMP_NEW"),
    (1, 64, "SO_TIMESTAMPNS_NEW"),
    (1, 65, "SO_TIMESTAMPING_NEW"),
    (0, 1, "IP_TOS"),
    (0, 2, "IP_TTL"),
    (0, 8, "IP_PKTINFO"),
    (0, 11, "IP_RECVERR"),
    (0, 20, "IP_ORIGDSTADDR"),
    (41, 25, "IPV6_RECVERR"),
    (41, 50, "IPV6_PKTINFO"),
    (41, 52, "IPV6_HOPLIMIT"),
    (41, 67, "IPV6_TCLASS"),
    (41, 74, "IPV6_ORIGDSTADDR"),
    (17, 103, "UDP_SEGMENT"),
    (17, 104, "UDP_GRO"),
    (279, 2, "ALG_SET_IV"),
    (279, 3, "ALG_SET_OP"),
    (279, 4, "ALG_SET_AEAD_ASSOCLEN"),
    (282, 1, "TLS_SET_RECORD_TYPE"),
    (282, 2, "TLS_GET_RECORD_TYPE"),
];

/// `SOL_SOCKET` on every platform but Linux: `0xffff` in the
/// `<sys/socket.h>` of macOS, each BSD, illumos and AIX.
const BSD_SOL_SOCKET: i32 = 0xffff;

/// The levels of every platform but Linux: `SOL_SOCKET`, and the IANA
/// protocol numbers that each `<netinet/in.h>` gives the protocol levels.
/// Types at the protocol levels differ by platform and are left as
/// numbers.
const BSD_LEVELS: &[(i32, &str)] = &[
    (0, "IPPROTO_IP"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (BSD_SOL_SOCKET, "SOL_SOCKET"),
];

/// XNU's `bsd/sys/socket.h` ("Socket"-level control message types, the
/// public ones).
const MACOS: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 2, "SCM_TIMESTAMP"),
        (BSD_SOL_SOCKET, 3, "SCM_CREDS"),
        (BSD_SOL_SOCKET, 4, "SCM_TIMESTAMP_MONOTONIC"),
    ],
};

/// FreeBSD's `sys/sys/socket.h`.
const FREEBSD: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 2, "SCM_TIMESTAMP"),
        (BSD_SOL_SOCKET, 3, "SCM_CREDS"),
        (BSD_SOL_SOCKET, 4, "SCM_BINTIME"),
        (BSD_SOL_SOCKET, 5, "SCM_REALTIME"),
        (BSD_SOL_SOCKET, 6, "SCM_MONOTONIC"),
        (BSD_SOL_SOCKET, 7, "SCM_TIME_INFO"),
    ],
};

/// OpenBSD's `sys/sys/socket.h`.
const OPENBSD: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 4, "SCM_TIMESTAMP"),
    ],
};

/// NetBSD's `sys/sys/socket.h` (0x02 and 0x04 are retired, unnamed there).
const NETBSD: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 8, "SCM_TIMESTAMP"),
        (BSD_SOL_SOCKET, 0x10, "SCM_CREDS"),
    ],
};

/// DragonFly's `sys/sys/socket.h`.
const DRAGONFLY: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 1, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 2, "SCM_TIMESTAMP"),
        (BSD_SOL_SOCKET, 3, "SCM_CREDS"),
    ],
};

/// illumos's `usr/src/uts/common/sys/socket.h`, where the types share
/// their numbers with the socket options.
const ILLUMOS: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[
        (BSD_SOL_SOCKET, 0x1010, "SCM_RIGHTS"),
        (BSD_SOL_SOCKET, 0x1012, "SCM_UCRED"),
        (BSD_SOL_SOCKET, 0x1013, "SCM_TIMESTAMP"),
    ],
};

/// AIX, whose headers are not public: `SCM_RIGHTS` as the `libc` crate
/// and Go have it.
const AIX: PlatformNames = PlatformNames {
    levels: BSD_LEVELS,
    kinds: &[(BSD_SOL_SOCKET, 1, "SCM_RIGHTS")],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_found_by_name_and_host_is_the_host_layout() {
        assert_eq!(layout_named("linux-32"), Ok(Layout::LINUX_32));
        assert_eq!(layout_named("freebsd-64"), Ok(Layout::FREEBSD_64));
        assert_eq!(layout_named("host"), Ok(Layout::HOST));
        assert_eq!(
            layout_named("freebsd"),
            Err(
                "no layout \"freebsd\"; the layouts are host, linux-64, linux-64-be, \
                 linux-64-musl, linux-64-musl-be, linux-32, macos, freebsd-64, freebsd-32, \
                 openbsd-64, openbsd-32, openbsd-arm, netbsd-64, netbsd-aarch64, netbsd-32, \
                 netbsd-arm, dragonfly, illumos, aix"
                    .to_owned()
            )
        );
    }

    /// A layout added to `Layout::ALL` is decodable by name at once; this
    /// fails until it is given its platform's names, which must name the
    /// rights message that the crate encodes for it.
    #[test]
    fn every_layout_is_found_by_name_and_names_its_rights_message() {
        for layout in Layout::ALL {
            let name = layout.name();
            assert_eq!(layout_named(name), Ok(layout));
            let names = platform_names(layout).unwrap_or_else(|| panic!("{name} has no platform"));
            assert_eq!(
                names.level(layout.sol_socket()),
                Some("SOL_SOCKET"),
                "{name}"
            );
            assert_eq!(
                names.kind(layout.sol_socket(), layout.scm_rights()),
                Some("SCM_RIGHTS"),
                "{name}"
            );
        }
    }

    /// The names that `libc` also has, checked against it.
    #[test]
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    fn linux_names_have_libc_values() {
        let level = |name: &str| {
            LINUX_LEVELS
                .iter()
                .find(|(_, known)| *known == name)
                .unwrap()
                .0
        };
        let kind = |name: &str| {
            let (level, kind, _) = LINUX_KINDS
                .iter()
                .find(|(_, _, known)| *known == name)
                .unwrap();
            (*level, *kind)
        };
        let levels = [
            ("IPPROTO_IP", libc::IPPROTO_IP),
            ("SOL_SOCKET", libc::SOL_SOCKET),
            ("IPPROTO_TCP", libc::IPPROTO_TCP),
            ("IPPROTO_UDP", libc::IPPROTO_UDP),
            ("IPPROTO_IPV6", libc::IPPROTO_IPV6),
            ("SOL_ALG", libc::SOL_ALG),
            ("SOL_TLS", libc::SOL_TLS),
        ];
        for (name, value) in levels {
            assert_eq!(level(name), value, "{name}");
        }
        let kinds = [
            ("SCM_RIGHTS", libc::SOL_SOCKET, libc::SCM_RIGHTS),
            ("SCM_CREDENTIALS", libc::SOL_SOCKET, libc::SCM_CREDENTIALS),
            ("SCM_TIMESTAMP", libc::SOL_SOCKET, libc::SCM_TIMESTAMP),
            ("SCM_TIMESTAMPNS", libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS),
            ("SO_MARK", libc::SOL_SOCKET, libc::SO_MARK),
            ("SCM_TIMESTAMPING", libc::SOL_SOCKET, libc::SCM_TIMESTAMPING),
            ("SO_RXQ_OVFL", libc::SOL_SOCKET, libc::SO_RXQ_OVFL),
            ("SCM_WIFI_STATUS", libc::SOL_SOCKET, libc::SCM_WIFI_STATUS),
            ("SCM_TXTIME", libc::SOL_SOCKET, libc::SCM_TXTIME),
            ("SO_TIMESTAMP_NEW", libc::SOL_SOCKET, libc::SO_TIMESTAMP_NEW),
            (
                "SO_TIMESTAMPNS_NEW",
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS_NEW,
            ),
            (
                "SO_TIMESTAMPING_NEW",
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPING_NEW,
            ),
            ("IP_TOS", libc::IPPROTO_IP, libc::IP_TOS),
            ("IP_TTL", libc::IPPROTO_IP, libc::IP_TTL),
            ("IP_PKTINFO", libc::IPPROTO_IP, libc::IP_PKTINFO),
            ("IP_RECVERR", libc::IPPROTO_IP, libc::IP_RECVERR),
            ("IP_ORIGDSTADDR", libc::IPPROTO_IP, libc::IP_ORIGDSTADDR),
            ("IPV6_RECVERR", libc::IPPROTO_IPV6, libc::IPV6_RECVERR),
            ("IPV6_PKTINFO", libc::IPPROTO_IPV6, libc::IPV6_PKTINFO),
            ("IPV6_HOPLIMIT", libc::IPPROTO_IPV6, libc::IPV6_HOPLIMIT),
            ("IPV6_TCLASS", libc::IPPROTO_IPV6, libc::IPV6_TCLASS),
            (
                "IPV6_ORIGDSTADDR",
                libc::IPPROTO_IPV6,
                libc::IPV6_ORIGDSTADDR,
            ),
            ("UDP_SEGMENT", libc::IPPROTO_UDP, libc::UDP_SEGMENT),
            ("UDP_GRO", libc::IPPROTO_UDP, libc::UDP_GRO),
            ("ALG_SET_IV", libc::SOL_ALG, libc::ALG_SET_IV),
            ("ALG_SET_OP", libc::SOL_ALG, libc::ALG_SET_OP),
            (
                "ALG_SET_AEAD_ASSOCLEN",
                libc::SOL_ALG,
                libc::ALG_SET_AEAD_ASSOCLEN,
            ),
            (
                "TLS_SET_RECORD_TYPE",
                libc::SOL_TLS,
                libc::TLS_SET_RECORD_TYPE,
            ),
            (
                "TLS_GET_RECORD_TYPE",
                libc::SOL_TLS,
                libc::TLS_GET_RECORD_TYPE,
            ),
        ];
        for (name, level, value) in kinds {
            assert_eq!(kind(name), (level, value), "{name}");
        }
        // The two that libc lacks, from <linux/socket.h>.
        assert_eq!(kind("SCM_SECURITY"), (1, 3));
        assert_eq!(kind("SCM_PIDFD"), (1, 4));
        assert_eq!(LINUX_KINDS.len(), kinds.len() + 2, "every name is checked");
    }
}
