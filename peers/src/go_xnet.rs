//! Go's `golang.org/x/net/ipv4` and `ipv6` `ControlMessage.Parse`, as a Go
//! UDP program calls them on the control bytes of a `ReadMsgUDP`, and
//! `ControlMessage.Marshal`, as it fills the one it sends with
//! `WriteMsgUDP`: `peers/go-xnet/main.go` (a module of its own, against
//! Debian's `golang-golang-x-net-dev` in `/usr/share/gocode`, built
//! offline) parses each request's bytes into a `ControlMessage` and
//! answers the fields `Parse` set, recovering a panic into its answer, or
//! marshals the fields a request gives. Built and spawned as
//! `go.rs`'s program is; without `go` or x/net every method answers
//! `None`.
//!
//! Two rows, as two packages: ipv4 keeps `TTL`, `Dst` and `IfIndex`; ipv6
//! `TrafficClass`, `HopLimit`, `Dst`, `IfIndex` (and `MTU`, of
//! `IPV6_PATHMTU`, which the model does not type).

use std::net::IpAddr;
use std::sync::OnceLock;

use sockcmsg::conformance::{Implementation, TypedParsed};
use sockcmsg::model::{FieldClass, TypedField};
use sockcmsg::typed::{TypedKind, TypedMessage};
use sockcmsg::Layout;

use crate::go::{build, hex, unhex, Program};

/// `ipv4.ControlMessage.Parse`, `ipv6.ControlMessage.Parse`, or x/sys's
/// `unix.ParseOrigDstAddr`.
pub struct GoXnet {
    /// The program's request: `4`, `6` or `o`.
    op: char,
    program: OnceLock<Result<Program, String>>,
}

impl GoXnet {
    /// The `ipv4` package's.
    pub fn ipv4() -> Self {
        GoXnet {
            op: '4',
            program: OnceLock::new(),
        }
    }

    /// The `ipv6` package's.
    pub fn ipv6() -> Self {
        GoXnet {
            op: '6',
            program: OnceLock::new(),
        }
    }

    /// x/sys's `unix.ParseOrigDstAddr` on each message of
    /// `unix.ParseSocketControlMessage`.
    pub fn orig_dst_addr() -> Self {
        GoXnet {
            op: 'o',
            program: OnceLock::new(),
        }
    }

    fn program(&self) -> Option<&Program> {
        self.program
            .get_or_init(|| build("go-xnet", "peer-go-xnet"))
            .as_ref()
            .ok()
    }
}

impl Implementation for GoXnet {
    fn name(&self) -> String {
        let what = match self.op {
            '4' => "Go x/net ipv4 ControlMessage (Parse, Marshal)",
            '6' => "Go x/net ipv6 ControlMessage (Parse, Marshal)",
            _ => "Go x/sys unix.ParseOrigDstAddr",
        };
        match self
            .program
            .get_or_init(|| build("go-xnet", "peer-go-xnet"))
        {
            // x/sys is Debian's, whatever version x/net's go.mod requires.
            Ok(program) if self.op == 'o' => format!(
                "{what} ({}, {} {})",
                debian_version("golang-golang-x-sys-dev"),
                program.version,
                program.platform
            ),
            Ok(program) => format!(
                "{what} ({} {}, {})",
                program.more, program.version, program.platform
            ),
            Err(why) => format!("{what} ({why})"),
        }
    }

    fn layout(&self) -> Layout {
        crate::go::layout(self.program())
    }

    #[allow(
        clippy::panic,
        reason = "Go's panic, recovered in the program, is reported as a panic"
    )]
    fn parse_typed(&self, buf: &[u8]) -> Option<TypedParsed> {
        let program = self.program()?;
        let answer = program.ask(&format!("{} {}", self.op, hex(buf)));
        if answer.starts_with("panic: ") {
            panic!("{answer}");
        }
        if let Some(err) = answer.strip_prefix("error ") {
            return Some(TypedParsed::Rejected(err.to_owned()));
        }
        let Some(fields) = answer.strip_prefix("ok") else {
            panic!("peer-go-xnet: unexpected answer {answer:?}");
        };
        let fields = fields
            .split('\t')
            .skip(1)
            .filter_map(|field| self.field(field))
            .collect();
        Some(TypedParsed::Fields(fields))
    }

    /// `ControlMessage.Marshal` of the fields a Go program sets to send
    /// `msg`: ipv4's the packet info (`Src` its `ipi_spec_dst`, no
    /// `ipi_addr`), ipv6's the traffic class, hop limit and packet info.
    #[allow(
        clippy::panic,
        reason = "an answer the adapter cannot read is reported as a panic"
    )]
    fn encode_typed(&self, msg: &TypedMessage) -> Option<Vec<u8>> {
        let request = match (self.op, *msg) {
            ('4', TypedMessage::PacketInfo(info)) if info.addr.is_unspecified() => {
                format!("M4 {} {}", info.ifindex, info.spec_dst)
            }
            ('6', TypedMessage::TrafficClass(class)) => format!("M6 {class} 0 0 -"),
            ('6', TypedMessage::HopLimit(hops)) => format!("M6 0 {hops} 0 -"),
            ('6', TypedMessage::PacketInfoV6(info)) => {
                format!("M6 0 0 {} {}", info.ifindex, info.addr)
            }
            _ => return None,
        };
        let answer = self.program()?.ask(&request);
        match answer.strip_prefix("ok").map(str::trim_start).map(unhex) {
            Some(Some(bytes)) => Some(bytes),
            _ => panic!("peer-go-xnet: unexpected answer {answer:?}"),
        }
    }

    fn typed_classes(&self) -> Vec<(TypedKind, FieldClass)> {
        use FieldClass::{Interface, LocalAddress, Message};
        use TypedKind::{HopLimit, PacketInfo, PacketInfoV6, TrafficClass, Ttl};
        match self.op {
            '4' => vec![
                (Ttl, Message(Ttl)),
                (PacketInfo, LocalAddress),
                (PacketInfo, Interface),
            ],
            'o' => vec![
                (TypedKind::OrigDstAddr, LocalAddress),
                (TypedKind::OrigDstAddrV6, LocalAddress),
            ],
            _ => vec![
                (TrafficClass, Message(TrafficClass)),
                (HopLimit, Message(HopLimit)),
                (PacketInfoV6, LocalAddress),
                (PacketInfoV6, Interface),
            ],
        }
    }
}

impl GoXnet {
    /// One field of the answer (`ttl 64`), as a value; `mtu`, which the
    /// model does not type, gives none.
    #[allow(
        clippy::panic,
        reason = "an answer the adapter cannot read is reported as a panic"
    )]
    fn field(&self, field: &str) -> Option<TypedField> {
        let (name, value) = field.split_once(' ')?;
        let number = || -> i64 {
            value
                .parse()
                .unwrap_or_else(|_| panic!("peer-go-xnet: {field:?}"))
        };
        // A number its field cannot hold is given as it is.
        let byte = |kind: TypedKind, message: fn(u8) -> TypedMessage| {
            TypedField::from_number(FieldClass::Message(kind), number(), |byte| {
                TypedField::Message(message(byte))
            })
        };
        Some(match name {
            "ttl" => byte(TypedKind::Ttl, TypedMessage::Ttl),
            "hoplimit" => byte(TypedKind::HopLimit, TypedMessage::HopLimit),
            "tclass" => byte(TypedKind::TrafficClass, TypedMessage::TrafficClass),
            "ifindex" => {
                TypedField::from_number(FieldClass::Interface, number(), TypedField::Interface)
            }
            "dst" => TypedField::LocalAddress(
                value
                    .parse::<IpAddr>()
                    .unwrap_or_else(|_| panic!("peer-go-xnet: {field:?}")),
            ),
            "mtu" => return None,
            _ => panic!("peer-go-xnet: unknown field {field:?}"),
        })
    }
}

/// The version of a Debian package, or `Debian's <package>`.
fn debian_version(package: &str) -> String {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", package])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| format!("Debian {}", String::from_utf8_lossy(&out.stdout)))
        .unwrap_or_else(|| format!("Debian's {package}"))
}

/// What the ipv4 row's findings are, checked against x/net's source
/// (Debian's `golang-golang-x-net-dev` 0.7.0, under
/// `/usr/share/gocode/src/golang.org/x/net/`).
pub const NOTES_IPV4: &str = r#"
Only the typed checks run. Linux writes none of these buffers; each
finding matters where the bytes come from elsewhere, or on a big-endian
machine (the TTL).

- **A message of level 0 and type 0 panics.** On Linux `ctlOpts`
  (`ipv4/sys_linux.go:19-22`) fills only `ctlTTL` and `ctlPacketInfo`; the
  zero entries `ctlDst` and `ctlInterface` have name 0, length 0 and a
  `nil` parse, so `typ == ctlOpts[ctlDst].name && l >= ctlOpts[ctlDst].length`
  (`ipv4/control.go:89`) matches type 0 and calls `nil`: "invalid memory
  address or nil pointer dereference". Smallest: `10000000000000000000000000000000`,
  one header of level 0 and type 0. `Parse` returns errors for bad
  lengths, but this is a panic, which a program parsing a buffer crashes
  on.
- **`IP_TTL` is read as its first byte.** `parseTTL` (`ipv4/control_unix.go:74-76`)
  reads one byte and the length is checked against 1 (`sys_linux.go:20`),
  while Linux writes an `int`: on a big-endian machine the TTL read is the
  `int`'s high byte, 0. So a 1-byte TTL
  (`110000000000000000000000020000004000000000000000`) gives 64 and an
  `int` past 255 (`14000000000000000000000002000000ffffffab`) gives 255.
  Linux writes such a 1-byte TTL itself when the control buffer ends
  inside the `int` (`put_cmsg` cuts the data and sets `MSG_CTRUNC`; the
  `typed kernel` findings): `Parse` takes it.
- **`IP_PKTINFO` of any length from 12** (`l >= sizeofInetPktinfo`,
  `control.go:93`): a 13-byte one gives its interface and address.
- **An interface index past `2^31 - 1` is negative.** `inetPktinfo`'s
  `Ifindex` is an `int32` (`zsys_linux_amd64.go:33`), as `ipi_ifindex` is
  a C `int`, and `parsePacketInfo` sets `cm.IfIndex = int(pi.Ifindex)`
  (`control_pktinfo.go:37`): `1c000000000000000000000008000000000000807f0000017f00000200000000`
  gives -2147483648, where the model (and Rust's std, whose indexes are
  `u32`) reads 2147483648. No kernel writes a negative index.

`Marshal` writes only `IP_PKTINFO` on Linux (`control.go:58-70`; the
`marshalTTL` of `ctlOpts` is never called): the model's bytes, for the
packet infos of a sender, with `Src` as `ipi_spec_dst`.

Reproduce: `cargo xtask conformance --peers go-xnet-ipv4 --only 'typed probes,typed encoders'`.
"#;

/// What the ipv6 row's findings are, checked as the ipv4 row's.
pub const NOTES_IPV6: &str = r#"
Only the typed checks run. Linux writes none of these buffers.

- **`IPV6_TCLASS` and `IPV6_HOPLIMIT` past a byte are given as they are.**
  `parseTrafficClass` and `parseHopLimit` read a native `uint32`
  (`ipv6/control_rfc3542_unix.go:30`, `:43`) into an `int` with no range
  check: `140000000000000029000000340000000000010000000000` gives a hop limit
  of 65536, and an `int` of -1 gives 4294967295 (the kernel writes 0 to 255).
- **Any length from the type's size is taken** (`l >= ctlOpts[...].length`,
  `ipv6/control.go:133-139`): an 8-byte hop limit, a 21-byte `IPV6_PKTINFO`
  (`250000000000000029000000320000000000000000000000000000000000000101000000ab000000`).
- **An interface index past `2^31 - 1` is negative**, as in ipv4:
  `inet6Pktinfo`'s `Ifindex` is an `int32` (`zsys_linux_amd64.go:35`),
  `cm.IfIndex = int(pi.Ifindex)` (`control_rfc3542_unix.go:67`).
- **typed encoders: a traffic class or hop limit of 0 is not sent.**
  `Marshal` writes `IPV6_TCLASS` only if `TrafficClass > 0` and
  `IPV6_HOPLIMIT` only if `HopLimit > 0` (`ipv6/control.go:79`, `:84`), so
  neither 0 nor the kernel's -1 (the socket's own) can be set for one
  datagram: the socket's setting applies instead. Nor is a value past 255
  checked: `TrafficClass: 256` is written as it is, which Linux refuses
  (the adapter sends only values a `TypedMessage` holds, so the table
  does not show it).

Reproduce: `cargo xtask conformance --peers go-xnet-ipv6 --only 'typed probes,typed encoders'`.
"#;

/// What the x/sys row's findings are, checked against Debian's
/// `golang-golang-x-sys-dev` 0.3.0 (under
/// `/usr/share/gocode/src/golang.org/x/sys/unix/`).
pub const NOTES_ORIG_DST_ADDR: &str = r#"
Only the typed checks run. Linux writes none of these buffers.

- **`ParseOrigDstAddr` checks no length.** It reads a `RawSockaddrInet4`
  or `RawSockaddrInet6` at `&m.Data[0]` whatever `len(m.Data)` is
  (`sockcmsg_linux.go:63-85`): with no data it panics, "index out of range
  [0] with length 0" (`10000000000000000000000014000000`, an
  `IP_ORIGDSTADDR` header alone); with less than a `sockaddr_in` it reads
  the address from past the data. Nor does it check the family. Unchanged
  upstream (golang/sys e8c1c327, 2026-08-20).

Reproduce: `cargo xtask conformance --peers go-xsys-origdstaddr --only 'typed probes'`.
"#;
