//! Sizes and byte layout of `struct cmsghdr`: where each field sits, how
//! long the header is, and how messages are aligned.
//!
//! Everything else in the codec reads and writes headers through a
//! [`Layout`], so the host's layout and any other platform's are handled by
//! the same code.

/// The byte layout of a platform's `struct cmsghdr`.
///
/// A control buffer is a sequence of messages, each a header followed by its
/// data and then padding up to the platform's alignment. The layout says how
/// long the header is, where its length, level and type fields are, how wide
/// the length field is, which byte order the fields use, and the alignment.
/// It also carries the platform's values of `SOL_SOCKET`, `SCM_RIGHTS` and
/// `SCM_CREDENTIALS`, which the typed payload functions check.
///
/// The crate-root functions use [`Layout::HOST`]; every one of them is also a
/// method here, for parsing or building another platform's buffers.
///
/// ```
/// use sockcmsg::Layout;
///
/// // A 16-byte header, 8-byte alignment (x86_64, aarch64, ... Linux).
/// assert_eq!(Layout::LINUX_64.cmsg_len(4), 20);
/// assert_eq!(Layout::LINUX_64.cmsg_space(4), 24);
/// // A 12-byte header, 4-byte alignment (i686, armv7, ... Linux).
/// assert_eq!(Layout::LINUX_32.cmsg_len(4), 16);
/// assert_eq!(Layout::LINUX_32.cmsg_space(4), 16);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    name: &'static str,
    /// `sizeof(struct cmsghdr)`.
    header_len: usize,
    /// Where the length field starts, and its width: 4 or 8 bytes.
    len_offset: usize,
    len_width: usize,
    level_offset: usize,
    kind_offset: usize,
    /// Alignment minus one; the alignment is a power of two.
    align_mask: usize,
    big_endian: bool,
    sol_socket: i32,
    scm_rights: i32,
    /// `SCM_CREDENTIALS`, on Linux only: the other systems' credentials
    /// messages carry other structures.
    scm_credentials: Option<i32>,
    /// Whose numbers and widths the typed IP, UDP and socket messages use.
    system: System,
}

/// The system a layout belongs to, which picks the numbers and payload
/// widths of the typed messages ([`typed`](crate::typed)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum System {
    Linux,
    FreeBsd,
    MacOs,
    /// A system whose typed messages are not described here: every
    /// message stays untyped.
    Untyped,
}

/// The fields of a header as read from the buffer, before any check.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawHeader {
    pub(crate) len: u64,
    pub(crate) level: i32,
    pub(crate) kind: i32,
}

/// Linux's `SOL_SOCKET`, `SCM_RIGHTS` and `SCM_CREDENTIALS`
/// (`asm-generic/socket.h`, `linux/socket.h`; mips, sparc, alpha and parisc
/// use other values and have no layout here).
const LINUX_SOL_SOCKET: i32 = 1;
const LINUX_SCM_RIGHTS: i32 = 1;
pub(crate) const LINUX_SCM_CREDENTIALS: i32 = 2;

/// `SOL_SOCKET` everywhere but Linux.
const BSD_SOL_SOCKET: i32 = 0xffff;
/// `SCM_RIGHTS` everywhere but illumos/Solaris.
const BSD_SCM_RIGHTS: i32 = 1;

/// A Linux header with `size_t cmsg_len` (`<bits/socket.h>`): 8 bytes on
/// 64-bit, 4 on 32-bit, aligned to `sizeof(size_t)`.
// This, musl_64, socklen, host and unsupported run at compile time only,
// to make the constants: no input reaches them.
#[cfg_attr(coverage_nightly, coverage(off))]
const fn linux(name: &'static str, size_t: usize, big_endian: bool) -> Layout {
    Layout {
        name,
        header_len: size_t.wrapping_add(8),
        len_offset: 0,
        len_width: size_t,
        level_offset: size_t,
        kind_offset: size_t.wrapping_add(4),
        align_mask: size_t.wrapping_sub(1),
        big_endian,
        sol_socket: LINUX_SOL_SOCKET,
        scm_rights: LINUX_SCM_RIGHTS,
        scm_credentials: Some(LINUX_SCM_CREDENTIALS),
        system: System::Linux,
    }
}

/// musl's 64-bit header: `socklen_t cmsg_len` (4 bytes) beside an `int
/// __pad1` that makes it as long as the kernel's `size_t`; the pad comes
/// first on big-endian (`include/sys/socket.h`).
#[cfg_attr(coverage_nightly, coverage(off))]
const fn musl_64(name: &'static str, big_endian: bool) -> Layout {
    Layout {
        len_offset: if big_endian { 4 } else { 0 },
        len_width: 4,
        ..linux(name, 8, big_endian)
    }
}

/// The BSD header, `socklen_t cmsg_len; int cmsg_level; int cmsg_type;`
/// (12 bytes), shared by macOS, the BSDs, illumos and AIX, which differ in
/// alignment and constants only.
#[cfg_attr(coverage_nightly, coverage(off))]
const fn socklen(name: &'static str, align: usize, big_endian: bool, scm_rights: i32) -> Layout {
    Layout {
        name,
        header_len: 12,
        len_offset: 0,
        len_width: 4,
        level_offset: 4,
        kind_offset: 8,
        align_mask: align.wrapping_sub(1),
        big_endian,
        sol_socket: BSD_SOL_SOCKET,
        scm_rights,
        scm_credentials: None,
        system: System::Untyped,
    }
}

impl Layout {
    /// 64-bit Linux with glibc, little-endian (x86_64, aarch64, riscv64,
    /// loongarch64, powerpc64le).
    ///
    /// glibc's `<bits/socket.h>`: `size_t cmsg_len; int cmsg_level; int
    /// cmsg_type;` (16 bytes), `CMSG_ALIGN` to `sizeof(size_t)`; Go's
    /// `Cmsghdr` on linux/amd64 is the same.
    pub const LINUX_64: Layout = linux("linux-64", 8, false);

    /// 64-bit Linux with glibc, big-endian (s390x, powerpc64): as
    /// [`LINUX_64`](Self::LINUX_64) with big-endian fields.
    pub const LINUX_64_BE: Layout = linux("linux-64-be", 8, true);

    /// 64-bit Linux with musl, little-endian.
    ///
    /// musl's `<sys/socket.h>`: `socklen_t cmsg_len; int __pad1;` then level
    /// and type, so the length is the first 4 bytes alone: musl's
    /// `CMSG_NXTHDR` ignores the pad, and its `sendmsg` zeroes it before the
    /// kernel reads all 8 bytes. So does the encoder here.
    pub const LINUX_64_MUSL: Layout = musl_64("linux-64-musl", false);

    /// 64-bit Linux with musl, big-endian: `int __pad1; socklen_t cmsg_len;`,
    /// so the length is bytes 4 to 8.
    pub const LINUX_64_MUSL_BE: Layout = musl_64("linux-64-musl-be", true);

    /// 32-bit Linux, little-endian (i686, armv7, riscv32, ...).
    ///
    /// glibc's `<bits/socket.h>` with a 4-byte `size_t`: a 12-byte header
    /// aligned to 4. musl's is the same.
    pub const LINUX_32: Layout = linux("linux-32", 4, false);

    /// macOS, iOS and Apple's other systems.
    ///
    /// XNU's `bsd/sys/socket.h`: the 12-byte BSD header, with `CMSG_DATA`
    /// and `CMSG_SPACE` aligned by `__DARWIN_ALIGN32` (4 bytes, also on
    /// 64-bit; Go's `cmsgAlignOf` agrees). `SOL_SOCKET` is `0xffff`; there is
    /// no credentials message.
    pub const MACOS: Layout = Layout {
        system: System::MacOs,
        ..socklen("macos", 4, false, BSD_SCM_RIGHTS)
    };

    /// FreeBSD on 64-bit machines (amd64, arm64).
    ///
    /// `sys/sys/socket.h`: the 12-byte BSD header, `_ALIGN` to
    /// `_ALIGNBYTES + 1` = 8 (`sys/x86/include/_align.h`:
    /// `sizeof(register_t)`; `sys/arm64/include/_align.h`: `sizeof(long
    /// long)`), so data starts at 16. Its `SCM_CREDS` carries a `struct
    /// cmsgcred`, not a `ucred`, and has no typed decoder here.
    pub const FREEBSD_64: Layout = Layout {
        system: System::FreeBsd,
        ..socklen("freebsd-64", 8, false, BSD_SCM_RIGHTS)
    };

    /// FreeBSD on 32-bit machines (i386, armv7): alignment 4
    /// (`sys/x86/include/_align.h` with a 4-byte `register_t`,
    /// `sys/arm/include/_align.h`: `sizeof(int)`).
    pub const FREEBSD_32: Layout = Layout {
        system: System::FreeBsd,
        ..socklen("freebsd-32", 4, false, BSD_SCM_RIGHTS)
    };

    /// OpenBSD on 64-bit machines (amd64, arm64): `sys/sys/socket.h` with
    /// `_ALIGNBYTES` = `sizeof(long) - 1` (`arch/*/include/_types.h`), so
    /// alignment 8.
    pub const OPENBSD_64: Layout = socklen("openbsd-64", 8, false, BSD_SCM_RIGHTS);

    /// OpenBSD on i386: alignment 4 (`arch/i386/include/_types.h`).
    pub const OPENBSD_32: Layout = socklen("openbsd-32", 4, false, BSD_SCM_RIGHTS);

    /// OpenBSD on 32-bit arm: alignment 8, as Go's `cmsgAlignOf` ("NetBSD
    /// and OpenBSD armv7 require 64-bit alignment") and the `libc` crate
    /// have it.
    pub const OPENBSD_ARM: Layout = socklen("openbsd-arm", 8, false, BSD_SCM_RIGHTS);

    /// NetBSD on amd64: `sys/sys/socket.h`'s `__CMSG_ALIGN` with
    /// `__ALIGNBYTES` = 7.
    pub const NETBSD_64: Layout = socklen("netbsd-64", 8, false, BSD_SCM_RIGHTS);

    /// NetBSD on aarch64: `__ALIGNBYTES` is `sizeof(__int128_t) - 1`
    /// (`sys/arch/arm/include/cdefs.h`), so alignment 16 and data at 16;
    /// Go's `cmsgAlignOf` agrees ("NetBSD aarch64 requires 128-bit
    /// alignment").
    pub const NETBSD_AARCH64: Layout = socklen("netbsd-aarch64", 16, false, BSD_SCM_RIGHTS);

    /// NetBSD on i386: alignment 4.
    pub const NETBSD_32: Layout = socklen("netbsd-32", 4, false, BSD_SCM_RIGHTS);

    /// NetBSD on 32-bit arm: alignment 8 (`sys/arch/arm/include/cdefs.h`:
    /// `sizeof(long long)` under the EABI; Go's `cmsgAlignOf` agrees).
    pub const NETBSD_ARM: Layout = socklen("netbsd-arm", 8, false, BSD_SCM_RIGHTS);

    /// DragonFly BSD on x86_64 since its 2019 ABI change: alignment
    /// `sizeof(long)` = 8 (`cpu/alignbytes.h`). Older kernels aligned to 4,
    /// which Go checks for at run time.
    pub const DRAGONFLY: Layout = socklen("dragonfly", 8, false, BSD_SCM_RIGHTS);

    /// illumos and Solaris on x86_64.
    ///
    /// `usr/src/uts/common/sys/socket.h`: the 12-byte BSD header, headers
    /// and data aligned to 4 (`_CMSG_HDR_ALIGNMENT` is 8 only on SPARC,
    /// which has no layout here); `SCM_RIGHTS` is `0x1010`.
    pub const ILLUMOS: Layout = socklen("illumos", 4, false, 0x1010);

    /// AIX on ppc64, big-endian: the 12-byte BSD header with no alignment
    /// at all (Go's `cmsgAlignOf`: "There is no alignment on AIX"; the
    /// `libc` crate's `CMSG_SPACE` is the header plus the data).
    pub const AIX: Layout = socklen("aix", 1, true, BSD_SCM_RIGHTS);

    /// Every layout above, for tools and tests that cover them all.
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// assert!(Layout::ALL.contains(&Layout::HOST));
    /// assert!(Layout::ALL.iter().all(|layout| layout.align().is_power_of_two()));
    /// ```
    pub const ALL: [Layout; 18] = [
        Layout::LINUX_64,
        Layout::LINUX_64_BE,
        Layout::LINUX_64_MUSL,
        Layout::LINUX_64_MUSL_BE,
        Layout::LINUX_32,
        Layout::MACOS,
        Layout::FREEBSD_64,
        Layout::FREEBSD_32,
        Layout::OPENBSD_64,
        Layout::OPENBSD_32,
        Layout::OPENBSD_ARM,
        Layout::NETBSD_64,
        Layout::NETBSD_AARCH64,
        Layout::NETBSD_32,
        Layout::NETBSD_ARM,
        Layout::DRAGONFLY,
        Layout::ILLUMOS,
        Layout::AIX,
    ];

    /// The layout of the platform this crate was compiled for, chosen by
    /// `target_os`, `target_arch`, `target_pointer_width`, `target_endian`
    /// and `target_env`.
    ///
    /// ```
    /// # #[cfg(all(target_os = "linux", target_arch = "x86_64", target_env = "gnu"))]
    /// assert_eq!(sockcmsg::Layout::HOST, sockcmsg::Layout::LINUX_64);
    /// ```
    pub const HOST: Layout = host();

    /// A short name for the layout, such as `"linux-64"`.
    ///
    /// ```
    /// assert_eq!(sockcmsg::Layout::LINUX_32.name(), "linux-32");
    /// ```
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// `sizeof(struct cmsghdr)`: the header's length before alignment.
    ///
    /// ```
    /// assert_eq!(sockcmsg::Layout::LINUX_64.header_len(), 16);
    /// ```
    pub const fn header_len(&self) -> usize {
        self.header_len
    }

    /// The alignment of headers in a control buffer (a power of two).
    ///
    /// ```
    /// assert_eq!(sockcmsg::Layout::LINUX_32.align(), 4);
    /// ```
    pub const fn align(&self) -> usize {
        // The mask is a small power of two minus one: adding one cannot wrap.
        self.align_mask.wrapping_add(1)
    }

    /// Where a message's data starts: the header length, aligned
    /// (`CMSG_LEN(0)`). Also the shortest valid `cmsg_len`.
    pub(crate) const fn data_offset(&self) -> usize {
        self.cmsg_align(self.header_len)
    }

    /// Rounds `len` up to the alignment, saturating at `usize::MAX`.
    pub(crate) const fn cmsg_align(&self, len: usize) -> usize {
        match len.checked_add(self.align_mask) {
            Some(padded) => padded & !self.align_mask,
            None => usize::MAX,
        }
    }

    /// The value of `cmsg_len` for a message carrying `data_len` bytes
    /// (`CMSG_LEN`, Go's `CmsgLen`). Saturates at `usize::MAX` for lengths
    /// that no buffer can hold.
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// assert_eq!(Layout::LINUX_64.cmsg_len(0), 16);
    /// assert_eq!(Layout::LINUX_64.cmsg_len(12), 28);
    /// ```
    pub const fn cmsg_len(&self, data_len: usize) -> usize {
        self.data_offset().saturating_add(data_len)
    }

    /// The bytes a message carrying `data_len` bytes takes in a buffer,
    /// padding included (`CMSG_SPACE`, Go's `CmsgSpace`). Saturates at
    /// `usize::MAX` for lengths that no buffer can hold.
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// assert_eq!(Layout::LINUX_64.cmsg_space(12), 32);
    /// assert_eq!(Layout::LINUX_32.cmsg_space(12), 24);
    /// ```
    pub const fn cmsg_space(&self, data_len: usize) -> usize {
        self.cmsg_align(self.cmsg_len(data_len))
    }

    /// The most data one message can carry: its `cmsg_len` must fit the
    /// length field and its padded size must fit a `usize`.
    pub(crate) const fn max_data_len(&self) -> usize {
        let field_max = if self.len_width == 4 {
            u32::MAX as usize
        } else {
            usize::MAX
        };
        // The padded size must not saturate either.
        let space_max = usize::MAX & !self.align_mask;
        let total_max = if field_max < space_max {
            field_max
        } else {
            space_max
        };
        total_max.saturating_sub(self.data_offset())
    }

    /// Where `cmsg_len` lies in the header, in bytes from its start (4 on
    /// big-endian 64-bit musl, after the pad; 0 elsewhere).
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// assert_eq!(Layout::LINUX_64_MUSL_BE.len_offset(), 4);
    /// assert_eq!(Layout::LINUX_64.len_offset(), 0);
    /// ```
    pub const fn len_offset(&self) -> usize {
        self.len_offset
    }

    /// The width of `cmsg_len` in bytes: 8 for a 64-bit `size_t`, 4 for a
    /// `socklen_t` or a 32-bit `size_t`.
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// assert_eq!(Layout::LINUX_64.len_width(), 8);
    /// assert_eq!(Layout::LINUX_64_MUSL.len_width(), 4);
    /// ```
    pub const fn len_width(&self) -> usize {
        self.len_width
    }

    /// Whether the header's numbers are big-endian. `cmsg_level` and
    /// `cmsg_type` are the header's last 8 bytes on every layout.
    ///
    /// ```
    /// assert!(sockcmsg::Layout::AIX.is_big_endian());
    /// ```
    pub const fn is_big_endian(&self) -> bool {
        self.big_endian
    }

    /// The layout's `SOL_SOCKET`: 1 on Linux, `0xffff` elsewhere.
    ///
    /// ```
    /// assert_eq!(sockcmsg::Layout::LINUX_64.sol_socket(), libc::SOL_SOCKET);
    /// assert_eq!(sockcmsg::Layout::MACOS.sol_socket(), 0xffff);
    /// ```
    #[doc(alias = "SOL_SOCKET")]
    pub const fn sol_socket(&self) -> i32 {
        self.sol_socket
    }

    /// The layout's `SCM_RIGHTS`: 1, but `0x1010` on illumos.
    ///
    /// ```
    /// assert_eq!(sockcmsg::Layout::LINUX_64.scm_rights(), libc::SCM_RIGHTS);
    /// assert_eq!(sockcmsg::Layout::ILLUMOS.scm_rights(), 0x1010);
    /// ```
    #[doc(alias = "SCM_RIGHTS")]
    pub const fn scm_rights(&self) -> i32 {
        self.scm_rights
    }

    /// The layout's `SCM_CREDENTIALS` (2 on Linux), or `None` where there is
    /// no message of Linux's `struct ucred`.
    ///
    /// ```
    /// assert_eq!(sockcmsg::Layout::LINUX_32.scm_credentials(), Some(libc::SCM_CREDENTIALS));
    /// assert_eq!(sockcmsg::Layout::FREEBSD_64.scm_credentials(), None);
    /// ```
    #[doc(alias = "SCM_CREDENTIALS")]
    pub const fn scm_credentials(&self) -> Option<i32> {
        self.scm_credentials
    }

    pub(crate) const fn system(&self) -> System {
        self.system
    }

    /// Reads the header at the start of `bytes`, or `None` if fewer than
    /// [`data_offset`](Self::data_offset) bytes remain.
    #[inline]
    pub(crate) fn read_header(&self, bytes: &[u8]) -> Option<RawHeader> {
        let header = bytes.get(..self.data_offset())?;
        let len = if self.len_width == 4 {
            u64::from(self.u32_from(field(header, self.len_offset)?))
        } else {
            self.u64_from(field(header, self.len_offset)?)
        };
        Some(RawHeader {
            len,
            level: self.i32_from(field(header, self.level_offset)?),
            kind: self.i32_from(field(header, self.kind_offset)?),
        })
    }

    /// Writes a header into `out`, whose length must be
    /// [`data_offset`](Self::data_offset); any padding inside it is zeroed.
    /// `None` if `out` is too short or `len` does not fit the length field.
    #[inline]
    pub(crate) fn write_header(
        &self,
        out: &mut [u8],
        len: usize,
        level: i32,
        kind: i32,
    ) -> Option<()> {
        out.fill(0);
        if self.len_width == 4 {
            let len = u32::try_from(len).ok()?;
            put(out, self.len_offset, self.u32_bytes(len))?;
        } else {
            let len = u64::try_from(len).ok()?;
            put(out, self.len_offset, self.u64_bytes(len))?;
        }
        put(out, self.level_offset, self.i32_bytes(level))?;
        put(out, self.kind_offset, self.i32_bytes(kind))
    }

    #[inline]
    pub(crate) fn u32_from(&self, raw: [u8; 4]) -> u32 {
        if self.big_endian {
            u32::from_be_bytes(raw)
        } else {
            u32::from_le_bytes(raw)
        }
    }

    #[inline]
    fn u64_from(&self, raw: [u8; 8]) -> u64 {
        if self.big_endian {
            u64::from_be_bytes(raw)
        } else {
            u64::from_le_bytes(raw)
        }
    }

    #[inline]
    pub(crate) fn u32_bytes(&self, value: u32) -> [u8; 4] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    #[inline]
    pub(crate) fn i32_bytes(&self, value: i32) -> [u8; 4] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    #[inline]
    pub(crate) fn i32_from(&self, raw: [u8; 4]) -> i32 {
        if self.big_endian {
            i32::from_be_bytes(raw)
        } else {
            i32::from_le_bytes(raw)
        }
    }

    #[inline]
    pub(crate) fn u16_from(&self, raw: [u8; 2]) -> u16 {
        if self.big_endian {
            u16::from_be_bytes(raw)
        } else {
            u16::from_le_bytes(raw)
        }
    }

    #[inline]
    pub(crate) fn u16_bytes(&self, value: u16) -> [u8; 2] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    #[inline]
    pub(crate) fn i64_from(&self, raw: [u8; 8]) -> i64 {
        if self.big_endian {
            i64::from_be_bytes(raw)
        } else {
            i64::from_le_bytes(raw)
        }
    }

    #[inline]
    pub(crate) fn i64_bytes(&self, value: i64) -> [u8; 8] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    fn u64_bytes(&self, value: u64) -> [u8; 8] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }
}

/// The compile target's layout; a target without one fails to build here
/// rather than parse with the wrong rules.
#[cfg_attr(coverage_nightly, coverage(off))]
const fn host() -> Layout {
    if cfg!(any(
        target_arch = "mips",
        target_arch = "mips64",
        target_arch = "mips32r6",
        target_arch = "mips64r6",
        target_arch = "sparc",
        target_arch = "sparc64"
    )) {
        unsupported()
    } else if cfg!(any(target_os = "linux", target_os = "android")) {
        match (
            cfg!(target_pointer_width = "64"),
            cfg!(target_endian = "big"),
            cfg!(target_env = "musl"),
        ) {
            (true, false, false) => Layout::LINUX_64,
            (true, true, false) => Layout::LINUX_64_BE,
            (true, false, true) => Layout::LINUX_64_MUSL,
            (true, true, true) => Layout::LINUX_64_MUSL_BE,
            (false, false, _) => Layout::LINUX_32,
            (false, true, _) => unsupported(),
        }
    } else if cfg!(target_vendor = "apple") {
        Layout::MACOS
    } else if cfg!(target_os = "freebsd") {
        if cfg!(target_pointer_width = "64") {
            Layout::FREEBSD_64
        } else {
            Layout::FREEBSD_32
        }
    } else if cfg!(target_os = "openbsd") {
        if cfg!(target_arch = "arm") {
            Layout::OPENBSD_ARM
        } else if cfg!(target_pointer_width = "64") {
            Layout::OPENBSD_64
        } else {
            Layout::OPENBSD_32
        }
    } else if cfg!(target_os = "netbsd") {
        if cfg!(target_arch = "aarch64") {
            Layout::NETBSD_AARCH64
        } else if cfg!(target_arch = "arm") {
            Layout::NETBSD_ARM
        } else if cfg!(target_pointer_width = "64") {
            Layout::NETBSD_64
        } else {
            Layout::NETBSD_32
        }
    } else if cfg!(target_os = "dragonfly") {
        Layout::DRAGONFLY
    } else if cfg!(all(
        any(target_os = "illumos", target_os = "solaris"),
        target_arch = "x86_64"
    )) {
        Layout::ILLUMOS
    } else if cfg!(target_os = "aix") {
        Layout::AIX
    } else {
        unsupported()
    }
}

/// Stops the build on a target whose layout or constants are not known
/// here (Linux on mips, sparc, alpha or parisc, where `SOL_SOCKET` is
/// `0xffff`; 32-bit big-endian Linux; other systems).
#[cfg_attr(coverage_nightly, coverage(off))]
#[allow(
    clippy::panic,
    reason = "evaluated at compile time only: a build error, never a run-time panic"
)]
const fn unsupported() -> Layout {
    panic!("sockcmsg has no cmsghdr layout for this target")
}

/// `N` bytes of `bytes` at `offset`, or `None` if they are not all there.
#[inline]
fn field<const N: usize>(bytes: &[u8], offset: usize) -> Option<[u8; N]> {
    bytes.get(offset..offset.checked_add(N)?)?.try_into().ok()
}

/// Copies `value` into `out` at `offset`, or `None` if it does not fit.
#[inline]
fn put<const N: usize>(out: &mut [u8], offset: usize, value: [u8; N]) -> Option<()> {
    out.get_mut(offset..offset.checked_add(N)?)?
        .copy_from_slice(&value);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_header_holds_any_length_its_field_is_wide_enough_for() {
        let mut out = [0xee; 16];
        let len = (1 << 32) + 16;
        assert_eq!(Layout::LINUX_64.write_header(&mut out, len, 6, 7), Some(()));
        assert_eq!(out, [16, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0]);
        let raw = Layout::LINUX_64.read_header(&out).unwrap();
        assert_eq!((raw.len, raw.level, raw.kind), (len as u64, 6, 7));

        let mut out = [0xee; 12];
        let widest = u32::MAX as usize;
        assert_eq!(
            Layout::LINUX_32.write_header(&mut out, widest, 6, 7),
            Some(())
        );
        assert_eq!(out, [0xff, 0xff, 0xff, 0xff, 6, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(
            Layout::LINUX_32.write_header(&mut out, widest + 1, 6, 7),
            None
        );
    }

    #[test]
    fn musl_reads_the_length_from_its_32_bit_field_alone() {
        // cmsg_len 20, then non-zero padding where glibc's size_t would
        // continue, then SOL_SOCKET / SCM_RIGHTS and one fd.
        let mut le = vec![20, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd, 1, 0, 0, 0, 1, 0, 0, 0];
        le.extend(9i32.to_le_bytes());
        let msgs = Layout::LINUX_64_MUSL
            .parse_socket_control_message(&le)
            .unwrap();
        assert_eq!((msgs[0].header.len, msgs[0].data), (20, &le[16..]));
        assert!(Layout::LINUX_64.parse_socket_control_message(&le).is_err());

        let mut be = vec![0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1];
        be.extend(9i32.to_be_bytes());
        let msgs = Layout::LINUX_64_MUSL_BE
            .parse_socket_control_message(&be)
            .unwrap();
        assert_eq!(
            Layout::LINUX_64_MUSL_BE
                .parse_unix_rights(&msgs[0])
                .unwrap(),
            [9]
        );
    }

    #[test]
    fn musl_encodes_its_padding_as_zeros() {
        let mut out = [0xee; 16];
        Layout::LINUX_64_MUSL
            .write_header(&mut out, 20, 1, 1)
            .unwrap();
        assert_eq!(out, [20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        Layout::LINUX_64_MUSL_BE
            .write_header(&mut out, 20, 1, 1)
            .unwrap();
        assert_eq!(out, [0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1]);
    }

    #[test]
    fn a_bsd_length_between_header_and_data_offset_is_rejected() {
        // Go accepts cmsg_len 12 to 15 here (at least SizeofCmsghdr) and
        // then slices b[16:len], which panics; the codec asks for the data
        // offset.
        for layout in [
            Layout::FREEBSD_64,
            Layout::OPENBSD_64,
            Layout::NETBSD_AARCH64,
        ] {
            for len in 12..layout.cmsg_len(0) {
                let mut buf = vec![0; 32];
                buf[..4].copy_from_slice(&(len as u32).to_le_bytes());
                assert_eq!(
                    layout.parse_socket_control_message(&buf),
                    Err(crate::Error::LengthBelowHeader {
                        offset: 0,
                        len: len as u64,
                        min: layout.cmsg_len(0),
                    }),
                    "{} with cmsg_len {len}",
                    layout.name()
                );
            }
        }
    }

    #[test]
    fn every_layout_is_listed_once_under_its_own_name() {
        for (i, layout) in Layout::ALL.iter().enumerate() {
            let same_name = Layout::ALL
                .iter()
                .filter(|other| other.name() == layout.name());
            assert_eq!(same_name.count(), 1, "{}", layout.name());
            assert!(!Layout::ALL[..i].contains(layout), "{}", layout.name());
        }
    }
}
