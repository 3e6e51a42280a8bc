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
    scm_credentials: i32,
}

/// The fields of a header as read from the buffer, before any check.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawHeader {
    pub(crate) len: u64,
    pub(crate) level: i32,
    pub(crate) kind: i32,
}

impl Layout {
    /// 64-bit Linux with glibc, little-endian (x86_64, aarch64, riscv64, ...).
    ///
    /// From `<bits/socket.h>`: `size_t cmsg_len; int cmsg_level; int
    /// cmsg_type;`, aligned to `sizeof(size_t)`; Go's `Cmsghdr` on
    /// linux/amd64 is the same.
    pub const LINUX_64: Layout = Layout {
        name: "linux-64",
        header_len: 16,
        len_offset: 0,
        len_width: 8,
        level_offset: 8,
        kind_offset: 12,
        align_mask: 7,
        big_endian: false,
        sol_socket: 1,
        scm_rights: 1,
        scm_credentials: 2,
    };

    /// 32-bit Linux, little-endian (i686, armv7, ...).
    ///
    /// From `<bits/socket.h>`: `size_t cmsg_len` is 4 bytes, so the header is
    /// 12 bytes, aligned to `sizeof(size_t)` = 4.
    pub const LINUX_32: Layout = Layout {
        name: "linux-32",
        header_len: 12,
        len_offset: 0,
        len_width: 4,
        level_offset: 4,
        kind_offset: 8,
        align_mask: 3,
        big_endian: false,
        sol_socket: 1,
        scm_rights: 1,
        scm_credentials: 2,
    };

    /// The layout of the platform this crate was compiled for.
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        target_pointer_width = "64",
        target_endian = "little",
        not(target_env = "musl")
    ))]
    pub const HOST: Layout = Layout::LINUX_64;

    /// The layout of the platform this crate was compiled for.
    #[cfg(all(
        any(target_os = "linux", target_os = "android"),
        target_pointer_width = "32",
        target_endian = "little"
    ))]
    pub const HOST: Layout = Layout::LINUX_32;

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

    pub(crate) const fn sol_socket(&self) -> i32 {
        self.sol_socket
    }

    pub(crate) const fn scm_rights(&self) -> i32 {
        self.scm_rights
    }

    pub(crate) const fn scm_credentials(&self) -> i32 {
        self.scm_credentials
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

    fn u64_bytes(&self, value: u64) -> [u8; 8] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }
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
}
