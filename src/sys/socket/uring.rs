//! The descriptors of an io_uring multishot recvmsg completion, owned once.
//!
//! The kernel installs a datagram's `SCM_RIGHTS` fds when it writes the
//! completion into a provided buffer, so they are open before anyone reads
//! them; nothing ties the numbers in the buffer to an owner. This takes
//! every one as an `OwnedFd` and writes `-1` over each number it took, so
//! that the buffer cannot hand the same number out twice.

use std::io;
use std::os::fd::OwnedFd;

use super::recv::{take_ownership, SCM_PIDFD};
use crate::{Layout, Ucred};

/// What [`take_completion_fds`] took from a completion: its descriptors
/// and credentials, owned.
#[derive(Debug)]
#[non_exhaustive]
pub struct CompletionFds {
    /// The descriptors of every `SCM_RIGHTS` message, in order: at most
    /// the `max_fds` asked for.
    pub fds: Vec<OwnedFd>,
    /// The descriptors past `max_fds`, which were closed.
    pub fds_closed: usize,
    /// The sender's pidfd (`SO_PASSPIDFD`).
    pub pidfd: Option<OwnedFd>,
    /// The sender's credentials (`SO_PASSCRED`), if a whole message came.
    pub credentials: Option<Ucred>,
    /// A credentials message came cut short (`MSG_CTRUNC`).
    pub credentials_truncated: bool,
}

/// Takes ownership of every descriptor in `buf`, a multishot
/// `IORING_OP_RECVMSG` completion of a submission whose `msghdr` has
/// `name_len` bytes of name and `control_len` of control
/// ([`parse_recvmsg_out`](crate::parse_recvmsg_out)), keeps the first
/// `max_fds` and closes the rest, and writes `-1` over each number in the
/// buffer, so a second call takes nothing. Close-on-exec is what the
/// submission asked for (`MSG_CMSG_CLOEXEC` in its `msg_flags`).
///
/// A completion that does not split, or whose control data does not
/// parse, is `InvalidData`; the descriptors found before the fault are
/// closed (and their numbers overwritten), as
/// [`recv_with`](super::recv_with) does.
///
/// # Safety
///
/// `buf` holds what the kernel wrote for a successful completion (its
/// CQE's `res` is not negative) into a buffer of this process, for a
/// submission with these region sizes, and no descriptor in it has been
/// taken since, other than by this function. The numbers then name
/// descriptors the kernel installed for this completion and nothing else
/// owns.
///
/// ```
/// use sockcmsg::socket::take_completion_fds;
/// // A completion whose control region holds no descriptor.
/// let mut buf = [0u8; 16 + 24];
/// // SAFETY: a completion with no descriptor in it.
/// let taken = unsafe { take_completion_fds(&mut buf, 0, 24, usize::MAX) }?;
/// assert!(taken.fds.is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
pub unsafe fn take_completion_fds(
    buf: &mut [u8],
    name_len: u32,
    control_len: u32,
    max_fds: usize,
) -> io::Result<CompletionFds> {
    let layout = Layout::HOST;
    let invalid = |err| io::Error::new(io::ErrorKind::InvalidData, err);
    let (control_at, slots, taken) = {
        let out = layout
            .parse_recvmsg_out(buf, name_len, control_len)
            .map_err(invalid)?;
        let at = (out.control.as_ptr() as usize).saturating_sub(buf.as_ptr() as usize);
        (
            at,
            fd_slots(layout, out.control),
            // io_uring is Linux's, which shortens a cut message's cmsg_len.
            take_ownership(out.control, false),
        )
    };
    // Every number the walk reached, taken or not (negative, repeated,
    // closed on a later fault), so none is read again.
    for slot in slots {
        let at = control_at.saturating_add(slot);
        if let Some(number) = buf.get_mut(at..at.saturating_add(4)) {
            number.copy_from_slice(&(-1i32).to_ne_bytes());
        }
    }
    let mut taken = taken?;
    let kept = taken.fds.len().min(max_fds);
    let fds_closed = taken.fds.len().saturating_sub(kept);
    taken.fds.truncate(kept);
    Ok(CompletionFds {
        fds: taken.fds,
        fds_closed,
        pidfd: taken.pidfd,
        credentials: taken.credentials,
        credentials_truncated: taken.credentials_truncated,
    })
}

/// Where in `control` each whole descriptor number of an `SCM_RIGHTS` or
/// `SCM_PIDFD` message starts, up to the walk's first fault.
fn fd_slots(layout: Layout, control: &[u8]) -> Vec<usize> {
    let mut slots = Vec::new();
    for msg in layout.messages(control).map_while(Result::ok) {
        let fd_message = msg.header.level == layout.sol_socket()
            && (msg.header.kind == layout.scm_rights() || msg.header.kind == SCM_PIDFD);
        if !fd_message {
            continue;
        }
        let data_at = (msg.data.as_ptr() as usize).saturating_sub(control.as_ptr() as usize);
        let whole = msg.data.len() / 4;
        slots.extend((0..whole).map(|n| data_at.saturating_add(n.saturating_mul(4))));
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sys::socket::recv::tests::{installed, is_open, FD_NUMBERS};
    use std::os::fd::{AsRawFd, FromRawFd, RawFd};

    /// A completion with a 6-byte name region (so the control region is
    /// not aligned) holding `control`, and the payload "x".
    fn completion(control: &[u8], region: usize) -> Vec<u8> {
        let mut buf = Vec::new();
        for field in [6u32, control.len() as u32, 1, 0] {
            buf.extend(field.to_ne_bytes());
        }
        buf.extend(b"sender");
        let mut control = control.to_vec();
        control.resize(region, 0);
        buf.extend(control);
        buf.push(b'x');
        buf
    }

    #[test]
    fn each_fd_is_taken_once_and_its_number_overwritten() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let (a, b) = (installed(), installed());
        let rights = crate::unix_rights(&[a, b, a]).unwrap();
        let mut buf = completion(&rights, 40);
        // SAFETY: `a` and `b` are ours and owned by nothing else.
        let first = unsafe { take_completion_fds(&mut buf, 6, 40, usize::MAX) }.unwrap();
        let numbers: Vec<RawFd> = first.fds.iter().map(AsRawFd::as_raw_fd).collect();
        assert_eq!(numbers, [a, b]);
        // SAFETY: as above; the first call overwrote what it took.
        let second = unsafe { take_completion_fds(&mut buf, 6, 40, usize::MAX) }.unwrap();
        assert!(second.fds.is_empty());
        drop(first);
        assert!(!is_open(a) && !is_open(b));
    }

    #[test]
    fn fds_past_the_cap_are_closed() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let (a, b) = (installed(), installed());
        let mut buf = completion(&crate::unix_rights(&[a, b]).unwrap(), 24);
        // SAFETY: `a` and `b` are ours and owned by nothing else.
        let taken = unsafe { take_completion_fds(&mut buf, 6, 24, 1) }.unwrap();
        assert_eq!((taken.fds.len(), taken.fds_closed), (1, 1));
        assert!(!is_open(b));
    }

    #[test]
    fn a_fault_closes_what_came_before_it() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let a = installed();
        let mut control = crate::unix_rights(&[a]).unwrap();
        let bad = control.len();
        control.extend(crate::unix_rights(&[]).unwrap());
        control[bad] = 99; // a cmsg_len past the end
        let mut buf = completion(&control, control.len());
        // SAFETY: `a` is ours and owned by nothing else.
        let err = unsafe { take_completion_fds(&mut buf, 6, control.len() as u32, 9) };
        assert_eq!(err.unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert!(!is_open(a));
        // SAFETY: as above: its number was overwritten.
        let again = unsafe { take_completion_fds(&mut buf, 6, control.len() as u32, 9) };
        assert!(again.is_err());
    }

    #[test]
    fn a_completion_that_does_not_split_takes_nothing() {
        let _numbers = FD_NUMBERS.lock().unwrap();
        let a = installed();
        let mut buf = completion(&crate::unix_rights(&[a]).unwrap(), 24);
        buf[4] = 200; // controllen past the region
                      // SAFETY: nothing is taken from a completion that does not split.
        let err = unsafe { take_completion_fds(&mut buf, 6, 24, 9) }.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(is_open(a));
        // SAFETY: nothing took `a`.
        drop(unsafe { OwnedFd::from_raw_fd(a) });
    }
}
