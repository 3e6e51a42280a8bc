//! io_uring's multishot `IORING_OP_RECVMSG` (Linux 6.0 on): what the kernel
//! writes into each provided buffer, and what a parser of such a buffer
//! answers.
//!
//! `io_recvmsg_multishot` (`io_uring/net.c`, Linux 6.12.118 lines 955-968;
//! unchanged since 6.0) writes a 16-byte `struct io_uring_recvmsg_out`
//! (`namelen`, `controllen`, `payloadlen`, `flags`: each a `u32`), then a
//! name region of exactly the submission's `msg_namelen` bytes, a control
//! region of exactly its `msg_controllen` bytes, then the payload, with no
//! padding between them: the control data is aligned for `cmsghdr` only
//! when `16 + msg_namelen` is. A buffer too small for the header and both
//! regions gets no completion written: the CQE is `-EFAULT`.
//!
//! - `namelen` is the sender's whole address length; only
//!   `min(namelen, msg_namelen)` bytes of it are copied, and the rest of
//!   the region is left as it was.
//! - `controllen` is what `recvmsg` would report in `msg_controllen`
//!   ([`Model::kernel_receive`]'s `written`), never more than the region.
//! - `payloadlen` is what the socket's `recvmsg` returned: the datagram's
//!   whole length with `MSG_TRUNC` among the submission's flags, the bytes
//!   copied without it; `MSG_TRUNC` in `flags` says the payload was cut
//!   either way.
//! - `flags` is `msg_flags`: `MSG_TRUNC`, `MSG_CTRUNC`, and
//!   `MSG_CMSG_CLOEXEC` when it was asked for.
//! - The CQE's `res` is the bytes of the buffer written: the header, both
//!   regions and the payload copied.
//!
//! ```
//! use sockcmsg::model::{Model, UringDatagram, UringSubmission};
//! use sockcmsg::Layout;
//! let model = Model::new(Layout::LINUX_64);
//! // 3 fds into a 24-byte control region, in a 64-byte buffer.
//! let submission = UringSubmission { name_len: 0, control_len: 24, buffer_len: 64, msg_trunc: false };
//! let datagram = UringDatagram { name_len: 0, payload_len: 100, credentials: false, fds: 3 };
//! let done = model.uring_receive(submission, datagram, u128::MAX).unwrap();
//! assert_eq!((done.control.fds_installed, done.control.truncated), (2, true));
//! assert_eq!((done.payload_copied, done.data_truncated, done.res), (24, true, 64));
//! ```

#![allow(
    clippy::arithmetic_side_effects,
    reason = "the model is written for reading: u128 arithmetic, compared before subtracting"
)]

use std::ops::Range;

use super::{KernelReceive, Model, Rejection};

/// The bytes of `struct io_uring_recvmsg_out`.
pub const RECVMSG_OUT_LEN: u128 = 16;

/// `MSG_CTRUNC` and `MSG_TRUNC`: the same on every Linux architecture
/// (`include/linux/socket.h`).
const MSG_CTRUNC: u32 = 0x8;
const MSG_TRUNC: u32 = 0x20;

/// A multishot receive's submission: the region sizes of its `msghdr`, the
/// provided buffer's size, and whether `MSG_TRUNC` is among its flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UringSubmission {
    /// `msg_namelen`: the name region's size.
    pub name_len: u128,
    /// `msg_controllen`: the control region's size.
    pub control_len: u128,
    /// The provided buffer's size.
    pub buffer_len: u128,
    /// `MSG_TRUNC` asked for: `payloadlen` is then the datagram's whole
    /// length.
    pub msg_trunc: bool,
}

/// One datagram as it arrives on a Unix socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UringDatagram {
    /// The sender's address length (0 for an unbound sender).
    pub name_len: u128,
    /// The payload's length.
    pub payload_len: u128,
    /// Credentials attached (`SO_PASSCRED` on).
    pub credentials: bool,
    /// The descriptors sent with it.
    pub fds: u128,
}

/// What the kernel writes into a provided buffer for one datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UringCompletion {
    /// The CQE's `res`: the bytes of the buffer written.
    pub res: u128,
    /// The header's `namelen`: the sender's whole address length.
    pub namelen: u128,
    /// The header's `controllen`.
    pub controllen: u128,
    /// The header's `payloadlen`.
    pub payloadlen: u128,
    /// The payload bytes copied into the buffer.
    pub payload_copied: u128,
    /// `MSG_TRUNC` in the header's `flags`.
    pub data_truncated: bool,
    /// The control region as a `recvmsg` of its size fills it (the fds
    /// installed, `MSG_CTRUNC`).
    pub control: KernelReceive,
}

/// A completion buffer split as its parser must split it: ranges of the
/// buffer, and the header's numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UringParts {
    /// The name bytes copied: `min(namelen, msg_namelen)` of the region.
    pub name: Range<usize>,
    /// The control bytes written: `controllen` of the region.
    pub control: Range<usize>,
    /// The payload bytes copied: `min(payloadlen, the bytes after the
    /// regions)`.
    pub payload: Range<usize>,
    /// The header's `namelen`.
    pub namelen: u128,
    /// The header's `payloadlen`.
    pub payloadlen: u128,
    /// The header's `flags`.
    pub flags: u32,
    /// The sender's address did not fit the region (`namelen` past it).
    pub name_truncated: bool,
    /// `MSG_CTRUNC`.
    pub control_truncated: bool,
    /// `MSG_TRUNC`, or a `payloadlen` past the bytes after the regions.
    pub payload_truncated: bool,
}

impl Model {
    /// What a multishot `IORING_OP_RECVMSG` writes for `datagram` into a
    /// provided buffer of `submission`, when the process may open
    /// `fd_room` more descriptors; `Err(-EFAULT)` (the CQE's `res`) when
    /// the buffer cannot hold the header and both regions.
    pub fn uring_receive(
        &self,
        submission: UringSubmission,
        datagram: UringDatagram,
        fd_room: u128,
    ) -> Result<UringCompletion, i32> {
        let regions = RECVMSG_OUT_LEN + submission.name_len + submission.control_len;
        if submission.buffer_len < regions {
            return Err(-libc::EFAULT);
        }
        let control = self.kernel_receive(
            submission.control_len,
            datagram.credentials,
            datagram.fds,
            fd_room,
        );
        let payload_copied = datagram.payload_len.min(submission.buffer_len - regions);
        let data_truncated = payload_copied < datagram.payload_len;
        Ok(UringCompletion {
            res: regions + payload_copied,
            namelen: datagram.name_len,
            controllen: control.written,
            payloadlen: if submission.msg_trunc {
                datagram.payload_len
            } else {
                payload_copied
            },
            payload_copied,
            data_truncated,
            control,
        })
    }

    /// A completion buffer `buf` (the provided buffer, or its first `res`
    /// bytes) of a submission whose regions are `name_len` and
    /// `control_len` bytes, split; rejected when it is too short for the
    /// header and both regions, or its `controllen` is past the control
    /// region (the kernel writes neither).
    pub fn uring_parse(
        &self,
        buf: &[u8],
        name_len: u128,
        control_len: u128,
    ) -> Result<UringParts, Rejection> {
        let len = buf.len() as u128;
        let payload_at = RECVMSG_OUT_LEN + name_len + control_len;
        if len < payload_at {
            return Err(Rejection::CompletionTooShort {
                len,
                needed: payload_at,
            });
        }
        let field = |at: usize| self.number(&buf[at..at + 4]);
        let (namelen, controllen, payloadlen) = (field(0), field(4), field(8));
        let flags = field(12) as u32;
        if controllen > control_len {
            return Err(Rejection::ControlLenPastRegion {
                len: controllen,
                region: control_len,
            });
        }
        let name_at = RECVMSG_OUT_LEN;
        let control_at = name_at + name_len;
        let copied = payloadlen.min(len - payload_at);
        let range = |at: u128, n: u128| at as usize..(at + n) as usize;
        Ok(UringParts {
            name: range(name_at, namelen.min(name_len)),
            control: range(control_at, controllen),
            payload: range(payload_at, copied),
            namelen,
            payloadlen,
            flags,
            name_truncated: namelen > name_len,
            control_truncated: flags & MSG_CTRUNC != 0,
            payload_truncated: flags & MSG_TRUNC != 0 || payloadlen > copied,
        })
    }

    /// The completion buffer the kernel writes: the header of `completion`
    /// in this layout's byte order, `name` copied into a region of
    /// `name_len` bytes and `control` into one of `control_len` (the rest
    /// of each zero: the kernel leaves them as they were), and `payload`
    /// (its first `payload_copied` bytes).
    pub fn uring_buffer(
        &self,
        completion: &UringCompletion,
        regions: (u128, u128),
        name: &[u8],
        control: &[u8],
        payload: &[u8],
    ) -> Vec<u8> {
        let (name_len, control_len) = regions;
        let flags = if completion.data_truncated {
            MSG_TRUNC
        } else {
            0
        } | if completion.control.truncated {
            MSG_CTRUNC
        } else {
            0
        };
        let mut buf = vec![0; RECVMSG_OUT_LEN as usize];
        for (at, n) in [
            completion.namelen,
            completion.controllen,
            completion.payloadlen,
            u128::from(flags),
        ]
        .into_iter()
        .enumerate()
        {
            self.put(&mut buf[at * 4..at * 4 + 4], n);
        }
        let mut region = |bytes: &[u8], len: u128| {
            let mut part = bytes[..bytes.len().min(len as usize)].to_vec();
            part.resize(len as usize, 0);
            buf.extend(part);
        };
        region(name, name_len);
        region(control, control_len);
        buf.extend(&payload[..completion.payload_copied as usize]);
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    fn submission(name_len: u128, control_len: u128, buffer_len: u128) -> UringSubmission {
        UringSubmission {
            name_len,
            control_len,
            buffer_len,
            msg_trunc: false,
        }
    }

    fn datagram(payload_len: u128, fds: u128) -> UringDatagram {
        UringDatagram {
            name_len: 0,
            payload_len,
            credentials: false,
            fds,
        }
    }

    /// The kernel's answers measured on Linux 6.18 (3 fds, a 64-bit
    /// process): a region of 24 bytes installs 2, of 20 one, of 16 none.
    #[test]
    fn the_control_region_fills_as_a_recvmsg_of_its_size() {
        let model = Model::new(Layout::LINUX_64);
        for (region, installed, written) in [(24, 2, 24), (20, 1, 20), (16, 0, 0), (0, 0, 0)] {
            let done = model
                .uring_receive(submission(0, region, 256), datagram(1, 3), u128::MAX)
                .unwrap();
            assert_eq!(done.control.fds_installed, installed, "{region}");
            assert_eq!(done.controllen, written, "{region}");
            assert!(done.control.truncated);
            assert_eq!(done.res, 16 + region + 1);
        }
    }

    #[test]
    fn a_buffer_without_room_for_the_regions_is_efault() {
        let model = Model::new(Layout::LINUX_64);
        let short = model.uring_receive(submission(16, 24, 55), datagram(0, 0), u128::MAX);
        assert_eq!(short, Err(-libc::EFAULT));
        let exact = model.uring_receive(submission(16, 24, 56), datagram(9, 0), u128::MAX);
        let exact = exact.unwrap();
        assert_eq!((exact.payload_copied, exact.payloadlen), (0, 0));
        assert!(exact.data_truncated);
    }

    #[test]
    fn payloadlen_is_the_whole_datagram_only_with_msg_trunc() {
        let model = Model::new(Layout::LINUX_64);
        let asked = UringSubmission {
            msg_trunc: true,
            ..submission(0, 0, 20)
        };
        let done = model
            .uring_receive(asked, datagram(10, 0), u128::MAX)
            .unwrap();
        assert_eq!((done.payload_copied, done.payloadlen), (4, 10));
        let plain = model
            .uring_receive(submission(0, 0, 20), datagram(10, 0), u128::MAX)
            .unwrap();
        assert_eq!((plain.payload_copied, plain.payloadlen), (4, 4));
        assert!(done.data_truncated && plain.data_truncated);
    }

    #[test]
    fn a_written_buffer_parses_back_into_its_parts() {
        let model = Model::new(Layout::LINUX_64);
        let sub = UringSubmission {
            msg_trunc: true,
            ..submission(6, 24, 50)
        };
        let sent = UringDatagram {
            name_len: 9,
            ..datagram(20, 1)
        };
        let done = model.uring_receive(sub, sent, u128::MAX).unwrap();
        let control = model.encode([(1, 1, &7i32.to_ne_bytes()[..])]);
        let payload: Vec<u8> = (0..20).collect();
        let buf = model.uring_buffer(&done, (6, 24), b"abcdefghi", &control, &payload);
        assert_eq!(buf.len() as u128, done.res);
        let parts = model.uring_parse(&buf, 6, 24).unwrap();
        assert_eq!(&buf[parts.name.clone()], b"abcdef");
        assert_eq!(&buf[parts.control.clone()], &control[..]);
        assert_eq!(&buf[parts.payload.clone()], &payload[..4]);
        assert!(parts.name_truncated && parts.payload_truncated && !parts.control_truncated);
        assert_eq!((parts.namelen, parts.payloadlen), (9, 20));
    }

    #[test]
    fn what_the_kernel_never_writes_is_rejected() {
        let model = Model::new(Layout::LINUX_64);
        assert_eq!(
            model.uring_parse(&[0; 20], 8, 0),
            Err(Rejection::CompletionTooShort {
                len: 20,
                needed: 24
            })
        );
        let mut buf = vec![0; 40];
        buf[4] = 25; // controllen past a 24-byte region
        assert_eq!(
            model.uring_parse(&buf, 0, 24),
            Err(Rejection::ControlLenPastRegion {
                len: 25,
                region: 24
            })
        );
    }
}
