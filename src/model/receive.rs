//! What Linux's `recvmsg` writes into a control buffer of a given size:
//! the credentials message, how many fds it installs, and when it sets
//! `MSG_CTRUNC`. The fd-ownership oracle of the conformance runner reads
//! the kernel's side from here.
//!
//! The source is `net/core/scm.c` (`put_cmsg`, `scm_detach_fds`,
//! `scm_max_fds`) and, for 32-bit processes, `net/compat.c`
//! (`put_cmsg_compat`, `scm_detach_fds_compat`), which are the same rules
//! with the 12-byte header of [`Layout::LINUX_32`](crate::Layout::LINUX_32):
//!
//! - With `SO_PASSCRED` the credentials come first. A buffer shorter than a
//!   header gets nothing; one shorter than `cmsg_len(12)` gets the message
//!   cut to the buffer's length. Either way `MSG_CTRUNC` is set. The fds
//!   then get what is left after `cmsg_space(12)`, or nothing.
//! - The fds: as many whole 4-byte fds as fit after one header (the
//!   padding included, so `cmsg_space(4)` takes 2 on 64-bit Linux), no more
//!   than were sent, and no more than the process may still open
//!   (`RLIMIT_NOFILE`). Fewer than were sent sets `MSG_CTRUNC`; the rest
//!   are closed by the kernel.
//!
//! ```
//! use sockcmsg::model::Model;
//! use sockcmsg::Layout;
//!
//! let model = Model::new(Layout::LINUX_64);
//! let full = model.kernel_receive(40, false, 3, u128::MAX);
//! assert_eq!((full.fds_installed, full.truncated), (3, false));
//! let cut = model.kernel_receive(24, false, 3, u128::MAX);
//! assert_eq!((cut.fds_installed, cut.truncated), (2, true));
//! let at_the_limit = model.kernel_receive(40, false, 3, 1);
//! assert_eq!((at_the_limit.fds_installed, at_the_limit.truncated), (1, true));
//! ```

#![allow(
    clippy::arithmetic_side_effects,
    reason = "the model is written for reading: u128 arithmetic, compared before subtracting"
)]

use super::{Model, Rejection, FD_LEN, UCRED_LEN};

/// What the kernel does with one received message's control data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelReceive {
    /// The `cmsg_len` of the credentials message written, if one was:
    /// `cmsg_len(12)`, or less when cut short.
    pub credentials_len: Option<u128>,
    /// The fds installed in the process and written to the buffer.
    pub fds_installed: u128,
    /// Whether `MSG_CTRUNC` is set.
    pub truncated: bool,
    /// The control bytes it reports written (`msg_controllen` on return):
    /// each message's `cmsg_space`, the last one's cut to the buffer.
    pub written: u128,
}

impl Model {
    /// What Linux's `recvmsg` does with a control buffer of `control_len`
    /// bytes for a message carrying credentials (`SO_PASSCRED` on) or not,
    /// and `fds` descriptors, when the process may open `fd_room` more.
    pub fn kernel_receive(
        &self,
        control_len: u128,
        credentials: bool,
        fds: u128,
        fd_room: u128,
    ) -> KernelReceive {
        let mut left = control_len;
        let mut truncated = false;
        let mut credentials_len = None;
        if credentials {
            if left < self.header_len() {
                truncated = true;
            } else {
                let len = self.cmsg_len(UCRED_LEN as u128);
                truncated = left < len;
                credentials_len = Some(len.min(left));
                left -= self.cmsg_space(UCRED_LEN as u128).min(left);
            }
        }
        let room = if left > self.header_len() {
            (left - self.header_len()) / FD_LEN as u128
        } else {
            0
        };
        let fds_installed = fds.min(room).min(fd_room);
        if fds_installed > 0 {
            left -= self.cmsg_space(fds_installed * FD_LEN as u128).min(left);
        }
        KernelReceive {
            credentials_len,
            fds_installed,
            truncated: truncated || fds_installed < fds,
            written: control_len - left,
        }
    }

    /// The control bytes the kernel writes for `receive` (what
    /// [`kernel_receive`](Self::kernel_receive) said): the credentials
    /// `ucred` (pid, uid, gid) in a message cut to its `credentials_len`,
    /// then the first `fds_installed` of `fds` in one `SCM_RIGHTS`
    /// message, all cut to `written` (so the last message may lack its
    /// padding). The padding between messages is zero here; the kernel
    /// leaves it as the buffer had it.
    ///
    /// ```
    /// use sockcmsg::model::Model;
    /// use sockcmsg::Layout;
    /// let model = Model::new(Layout::LINUX_64);
    /// // The credentials (32 bytes with padding) and one fd, unpadded.
    /// let receive = model.kernel_receive(52, true, 3, u128::MAX);
    /// let bytes = model.kernel_control(&receive, (7, 8, 9), &[3, 4, 5]);
    /// assert_eq!(bytes.len(), 52);
    /// assert_eq!(model.rights(1, 1, model.walk(&bytes).result().unwrap()[1].data(&bytes)), Ok(vec![3]));
    /// ```
    pub fn kernel_control(
        &self,
        receive: &KernelReceive,
        ucred: (i32, u32, u32),
        fds: &[i32],
    ) -> Vec<u8> {
        let layout = self.layout();
        let mut bytes = Vec::new();
        if let (Some(len), Some(kind)) = (receive.credentials_len, layout.scm_credentials()) {
            let data = self.ucred_bytes(ucred.0, ucred.1, ucred.2);
            let cut = (len - self.data_offset()) as usize;
            bytes.extend(self.encode([(layout.sol_socket(), kind, &data[..cut])]));
        }
        let installed = &fds[..(receive.fds_installed as usize).min(fds.len())];
        if !installed.is_empty() {
            let data = self.fd_bytes(installed);
            bytes.extend(self.encode([(layout.sol_socket(), layout.scm_rights(), &data[..])]));
        }
        bytes.truncate(receive.written as usize);
        bytes
    }

    /// Where a forged receive (the runner's `forged receives` check, as a
    /// kernel that wrote `control` would) installs descriptors: the offset
    /// of every whole fd of each `SCM_RIGHTS` message the walk finds, the
    /// messages before a rejection included; and, when the kernel cut the
    /// control data (`cut`: `MSG_CTRUNC`), of the `SCM_RIGHTS` header the
    /// walk rejects for a length past the end, in the bytes there are:
    /// macOS leaves a cut message's `cmsg_len` whole (rustix#1683), and
    /// installs the fds that fit. Nowhere else: a rejected header's data is
    /// no message, and a partial fd is no fd.
    ///
    /// ```
    /// use sockcmsg::model::Model;
    /// use sockcmsg::Layout;
    /// let model = Model::new(Layout::LINUX_64);
    /// // Two fds and half of a third, then a header of 3 fds with room for 1.
    /// let mut control = model.encode([(1, 1, &[0; 10][..])]);
    /// control.extend(model.header(28, 1, 1));
    /// control.extend([0; 4]);
    /// assert_eq!(model.forged_fd_slots(&control, false), [16, 20]);
    /// assert_eq!(model.forged_fd_slots(&control, true), [16, 20, 48]);
    /// ```
    pub fn forged_fd_slots(&self, control: &[u8], cut: bool) -> Vec<usize> {
        let layout = self.layout();
        let rights = (layout.sol_socket(), layout.scm_rights());
        let walk = self.walk(control);
        let whole =
            |from: u128, len: u128| (from..from + len - len % FD_LEN as u128).step_by(FD_LEN);
        let mut slots: Vec<usize> = walk
            .messages
            .iter()
            .filter(|msg| (msg.level, msg.kind) == rights)
            .flat_map(|msg| whole(msg.data_at, msg.data_len))
            .map(|at| at as usize)
            .collect();
        if let (true, Some(Rejection::LengthPastEnd { offset, .. })) = (cut, walk.rejection) {
            let (_, level, kind) = self.read_header(&control[offset as usize..]);
            let data_at = offset + self.data_offset();
            if (level, kind) == rights {
                let available = control.len() as u128 - data_at;
                slots.extend(whole(data_at, available).map(|at| at as usize));
            }
        }
        slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layout;

    /// The kernel's answers as `tests/kernel_fd_leaks.rs` measures them: 3
    /// fds into buffers of each size, 64-bit and 32-bit headers.
    #[test]
    fn fds_fit_after_one_header_padding_included() {
        let cases = [
            (
                Layout::LINUX_64,
                [
                    (16, 0),
                    (19, 0),
                    (20, 1),
                    (24, 2),
                    (27, 2),
                    (28, 3),
                    (64, 3),
                ],
            ),
            (
                Layout::LINUX_32,
                [
                    (12, 0),
                    (15, 0),
                    (16, 1),
                    (19, 1),
                    (20, 2),
                    (24, 3),
                    (64, 3),
                ],
            ),
        ];
        for (layout, sizes) in cases {
            let model = Model::new(layout);
            for (len, installed) in sizes {
                let got = model.kernel_receive(len, false, 3, u128::MAX);
                assert!(got.written <= len);
                assert_eq!(got.fds_installed, installed, "{layout:?} {len}");
                assert_eq!(got.truncated, installed < 3, "{layout:?} {len}");
                assert_eq!(got.credentials_len, None);
            }
        }
    }

    #[test]
    fn credentials_come_first_and_may_be_cut() {
        let model = Model::new(Layout::LINUX_64);
        let none = model.kernel_receive(15, true, 0, u128::MAX);
        assert_eq!((none.credentials_len, none.truncated), (None, true));
        let cut = model.kernel_receive(20, true, 1, u128::MAX);
        assert_eq!(
            (cut.credentials_len, cut.fds_installed, cut.truncated),
            (Some(20), 0, true)
        );
        let whole = model.kernel_receive(28, true, 0, u128::MAX);
        assert_eq!((whole.credentials_len, whole.truncated), (Some(28), false));
        // 32 for the credentials, then a header and one fd.
        let both = model.kernel_receive(52, true, 2, u128::MAX);
        assert_eq!(
            (both.credentials_len, both.fds_installed, both.truncated),
            (Some(28), 1, true)
        );
        let room = model.kernel_receive(56, true, 2, u128::MAX);
        assert_eq!(
            (room.fds_installed, room.truncated, room.written),
            (2, false, 56)
        );
        let spare = model.kernel_receive(100, true, 1, u128::MAX);
        assert_eq!(spare.written, 56);
    }

    #[test]
    fn the_fd_limit_caps_what_is_installed() {
        let model = Model::new(Layout::LINUX_64);
        let got = model.kernel_receive(64, false, 3, 0);
        assert_eq!((got.fds_installed, got.truncated), (0, true));
    }
}
