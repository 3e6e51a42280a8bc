//! A C program's walk over a received control buffer, in place, with a C
//! library's `CMSG_FIRSTHDR`, `CMSG_NXTHDR` and `CMSG_DATA`: each message's
//! data read from `CMSG_DATA` up to `cmsg_len`. The `libc` crate's and
//! glibc's adapters are this walk with their macros.
//!
//! A C-style walk has no error: the macros hand out headers, and the
//! program reads what they say. The walk goes to the end as such a program
//! does, skipping the data of a header whose `cmsg_len` would take the read
//! outside the buffer; then, if there was one, it panics with the read the
//! program would have made, so the runner reports it. A header visited
//! twice (a walk that never ends) and a header handed out outside the
//! buffer panic at once. The buffer is walked where the caller put it, so
//! the runner's `unaligned` check hands the macros headers at odd
//! addresses.

use std::mem::size_of;

use sockcmsg::conformance::{ParsedMessage, Payload};

/// A C library's macros, as functions with the `libc` crate's signatures.
pub(crate) struct Macros {
    /// `CMSG_FIRSTHDR`.
    pub(crate) first: unsafe extern "C" fn(*const libc::msghdr) -> *mut libc::cmsghdr,
    /// `CMSG_NXTHDR`.
    pub(crate) next:
        unsafe extern "C" fn(*const libc::msghdr, *const libc::cmsghdr) -> *mut libc::cmsghdr,
    /// `CMSG_DATA`.
    pub(crate) data: unsafe extern "C" fn(*const libc::cmsghdr) -> *mut libc::c_uchar,
}

pub(crate) fn walk(buf: &[u8], macros: &Macros) -> Vec<ParsedMessage> {
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_control = buf.as_ptr().cast_mut().cast();
    msg.msg_controllen = buf.len() as _;
    // SAFETY: FIRSTHDR reads only `msg`.
    let first = unsafe { (macros.first)(&msg) };
    // SAFETY: `msg` describes `buf` and `walk_from` passes only headers
    // inside it, as the macro requires; whatever their lengths, the C
    // library decides where the next header is and whether one fits. It
    // only reads.
    let next = |cmsg| unsafe { (macros.next)(&msg, cmsg) };
    walk_from(buf, first, next, macros.data)
}

/// [`walk`] from the header `first`, each next one from `next`, each
/// message's data from `data`: for a library whose walk is not the
/// `msghdr` macros' (liburing's over a completion). `bounds` is the memory
/// the program may read: a header or a read outside it is reported.
#[allow(
    clippy::panic,
    reason = "a read the program would make out of bounds is reported as a panic"
)]
pub(crate) fn walk_from(
    bounds: &[u8],
    first: *mut libc::cmsghdr,
    mut next: impl FnMut(*const libc::cmsghdr) -> *mut libc::cmsghdr,
    data: unsafe extern "C" fn(*const libc::cmsghdr) -> *mut libc::c_uchar,
) -> Vec<ParsedMessage> {
    let buf = bounds;
    let base = buf.as_ptr() as usize;
    let mut cmsg = first;
    let mut visited = Vec::new();
    let mut msgs = Vec::new();
    let mut read_outside = None;
    while !cmsg.is_null() {
        let offset = (cmsg as usize).wrapping_sub(base);
        if visited.contains(&offset) {
            panic!("CMSG_NXTHDR returned the header at offset {offset} again: the walk never ends");
        }
        visited.push(offset);
        if offset
            .checked_add(size_of::<libc::cmsghdr>())
            .is_none_or(|end| end > buf.len())
        {
            panic!("CMSG_NXTHDR returned a header at offset {offset}, outside the buffer");
        }
        // SAFETY: the header lies inside `buf` (checked above); it is read
        // without assuming the pointer is aligned, as a careful program
        // does (and as x86 reads it where the macro points).
        let header = unsafe { cmsg.read_unaligned() };
        #[allow(clippy::unnecessary_cast, reason = "cmsg_len is a u32 with musl")]
        let len = header.cmsg_len as usize;
        // SAFETY: CMSG_DATA only adds the header's size to the pointer.
        let data_at = (unsafe { data(cmsg) } as usize).wrapping_sub(base);
        let data = offset
            .checked_add(len)
            .filter(|&end| end >= data_at)
            .and_then(|end| buf.get(data_at..end));
        match data {
            Some(data) => msgs.push(ParsedMessage {
                level: header.cmsg_level,
                kind: header.cmsg_type,
                payload: Payload::Bytes(data.to_vec()),
            }),
            None => {
                read_outside.get_or_insert(format!(
                    "the header at offset {offset} has cmsg_len {len}: reading its data from \
                     CMSG_DATA (offset {data_at}) reads outside the {}-byte buffer",
                    buf.len()
                ));
            }
        }
        cmsg = next(cmsg);
    }
    if let Some(read) = read_outside {
        panic!("{read}");
    }
    msgs
}

/// The loop a C program runs over a buffer the kernel wrote, with no check
/// of its own: each message visited, each fd and credential read from
/// `CMSG_DATA`. Returns the sum of the fds and the pids, so that nothing is
/// optimized away: what the speed column times, without [`walk`]'s checks
/// and copies.
///
/// # Safety
///
/// `buf` holds well-formed messages (as the kernel writes them) and is
/// aligned for `cmsghdr`.
pub(crate) unsafe fn sum(buf: &[u8], macros: &Macros) -> u64 {
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_control = buf.as_ptr().cast_mut().cast();
    msg.msg_controllen = buf.len() as _;
    let mut sum = 0u64;
    // SAFETY: the caller's contract: every header the macros hand out is
    // aligned, inside `buf`, with its data inside too.
    unsafe {
        let mut cmsg = (macros.first)(&msg);
        while !cmsg.is_null() {
            let data = (macros.data)(cmsg);
            let len = (*cmsg).cmsg_len as usize - (data as usize - cmsg as usize);
            match ((*cmsg).cmsg_level, (*cmsg).cmsg_type) {
                (libc::SOL_SOCKET, libc::SCM_RIGHTS) => {
                    for n in 0..len / size_of::<i32>() {
                        let fd = data.cast::<i32>().add(n).read_unaligned();
                        sum = sum.wrapping_add(fd as u64);
                    }
                }
                (libc::SOL_SOCKET, libc::SCM_CREDENTIALS) if len >= size_of::<libc::ucred>() => {
                    let cred = data.cast::<libc::ucred>().read_unaligned();
                    sum = sum.wrapping_add(cred.pid as u64);
                }
                _ => {}
            }
            cmsg = (macros.next)(&msg, cmsg);
        }
    }
    sum
}
