//! io_uring's multishot `IORING_OP_RECVMSG` completions (Linux 6.0 on).
//!
//! With io_uring the kernel does not fill a `msghdr`: each datagram goes
//! into a provided buffer as a 16-byte `struct io_uring_recvmsg_out`
//! (`namelen`, `controllen`, `payloadlen`, `flags`), then a name region
//! of exactly the submission's `msg_namelen` bytes, a control region of
//! exactly its `msg_controllen` bytes, and the payload, each possibly cut
//! short (`sockcmsg::model`'s `Model::uring_receive`, features
//! `conformance`, `harness` or `proptest`, states the format). [`parse_recvmsg_out`](crate::parse_recvmsg_out) splits one,
//! checking every length against the buffer, so the control bytes go to
//! [`messages`](crate::messages) and the typed decoders as any others. The
//! control region is not aligned for `cmsghdr` unless `16 + msg_namelen`
//! is: the walk reads at any alignment.
//!
//! ```
//! use sockcmsg::Layout;
//! let layout = Layout::LINUX_64;
//! // What the kernel writes for one datagram "hi" with one fd (7), into a
//! // buffer of a submission with no name region and a 24-byte control region.
//! let control = layout.unix_rights(&[7])?;
//! let mut buf = Vec::new();
//! for field in [0u32, control.len() as u32, 2, 0] {
//!     buf.extend(field.to_le_bytes()); // namelen, controllen, payloadlen, flags
//! }
//! buf.extend(&control);
//! buf.extend(b"hi");
//!
//! let out = layout.parse_recvmsg_out(&buf, 0, 24)?;
//! assert_eq!(out.payload, b"hi");
//! assert!(!out.control_truncated() && !out.payload_truncated());
//! let msg = out.messages().next().unwrap()?;
//! assert_eq!(layout.parse_unix_rights(&msg)?, [7]);
//! # Ok::<(), sockcmsg::Error>(())
//! ```

use crate::{Error, Layout, Messages};

/// The bytes of `struct io_uring_recvmsg_out`.
const HEADER_LEN: usize = 16;

/// A multishot recvmsg completion, split into its parts: slices of the
/// buffer, and the header's numbers.
#[doc(alias = "io_uring_recvmsg_out")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecvmsgOut<'a> {
    /// The sender's address bytes copied: `min(namelen, msg_namelen)` of
    /// the name region.
    pub name: &'a [u8],
    /// The control bytes written: `controllen` of the control region.
    pub control: &'a [u8],
    /// The payload bytes in the buffer: `min(payloadlen, the bytes after
    /// the regions)`.
    pub payload: &'a [u8],
    /// The header's `namelen`: the sender's whole address length.
    pub name_len: u32,
    /// The header's `payloadlen`: the datagram's whole length when the
    /// submission asked for `MSG_TRUNC`, else the bytes copied.
    pub payload_len: u32,
    /// The header's `flags` (`msg_flags`: `MSG_TRUNC`, `MSG_CTRUNC`, ...).
    pub flags: u32,
    layout: Layout,
}

impl<'a> RecvmsgOut<'a> {
    /// The sender's address did not fit the name region.
    pub fn name_truncated(&self) -> bool {
        usize::try_from(self.name_len).map_or(true, |len| len > self.name.len())
    }

    /// `MSG_CTRUNC`: the control region was too small, and the kernel
    /// dropped some control data (fds it dropped were never installed).
    pub fn control_truncated(&self) -> bool {
        self.flags & flag(libc::MSG_CTRUNC) != 0
    }

    /// `MSG_TRUNC`, or a `payloadlen` past the bytes in the buffer: the
    /// payload was cut short.
    pub fn payload_truncated(&self) -> bool {
        self.flags & flag(libc::MSG_TRUNC) != 0
            || usize::try_from(self.payload_len).map_or(true, |len| len > self.payload.len())
    }

    /// The control messages, walked as [`messages`](crate::messages) walks
    /// any buffer, in the layout the completion was parsed with.
    pub fn messages(&self) -> Messages<'a> {
        self.layout.messages(self.control)
    }
}

fn flag(bit: libc::c_int) -> u32 {
    u32::try_from(bit).unwrap_or(0)
}

impl Layout {
    /// Splits `buf`, a multishot recvmsg completion (the provided buffer,
    /// or its first `res` bytes) of a submission whose `msghdr` has
    /// `name_len` bytes of name and `control_len` bytes of control. See
    /// [`uring`](crate::uring).
    ///
    /// # Errors
    ///
    /// [`Error::CompletionTooShort`] for a buffer shorter than the header
    /// and both regions; [`Error::ControlLenPastRegion`] for a
    /// `controllen` past the control region. The kernel writes neither.
    pub fn parse_recvmsg_out<'a>(
        &self,
        buf: &'a [u8],
        name_len: u32,
        control_len: u32,
    ) -> Result<RecvmsgOut<'a>, Error> {
        let too_short = Error::CompletionTooShort {
            len: buf.len(),
            needed: u64::from(name_len)
                .saturating_add(u64::from(control_len))
                .saturating_add(HEADER_LEN as u64),
        };
        let region = |len: u32| usize::try_from(len).map_err(|_| too_short);
        let (header, rest) = buf.split_at_checked(HEADER_LEN).ok_or(too_short)?;
        let (name_region, rest) = rest.split_at_checked(region(name_len)?).ok_or(too_short)?;
        let (control_region, after) = rest
            .split_at_checked(region(control_len)?)
            .ok_or(too_short)?;
        let field = |at: usize| {
            let bytes = header.get(at..at.saturating_add(4)).unwrap_or_default();
            self.u32_from(bytes.try_into().unwrap_or_default())
        };
        let (namelen, controllen, payloadlen, flags) = (field(0), field(4), field(8), field(12));
        let control = usize::try_from(controllen)
            .ok()
            .and_then(|len| control_region.get(..len))
            .ok_or(Error::ControlLenPastRegion {
                len: controllen,
                region: control_len,
            })?;
        let prefix = |bytes: &'a [u8], len: u32| {
            let len = usize::try_from(len).map_or(bytes.len(), |len| len.min(bytes.len()));
            bytes.get(..len).unwrap_or(bytes)
        };
        Ok(RecvmsgOut {
            name: prefix(name_region, namelen),
            control,
            payload: prefix(after, payloadlen),
            name_len: namelen,
            payload_len: payloadlen,
            flags,
            layout: *self,
        })
    }
}
