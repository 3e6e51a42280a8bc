//! Another process's memory, read and written with `process_vm_readv` and
//! `process_vm_writev`: the forged receive's and the captured send's
//! access to the trapped caller's `msghdr` and buffers (`forge.rs`). The
//! kernel checks the remote addresses; a bad one is an error, not a fault.

use std::io;
use std::mem::{size_of, MaybeUninit};

/// Reads a `T` at `at` in process `pid`; `T` is `msghdr` or `iovec`,
/// plain C data of which any bytes are a value.
pub(super) fn read_plain<T: Copy>(pid: libc::pid_t, at: usize) -> io::Result<T> {
    let mut value = MaybeUninit::<T>::uninit();
    let local = libc::iovec {
        iov_base: value.as_mut_ptr().cast(),
        iov_len: size_of::<T>(),
    };
    let remote = libc::iovec {
        iov_base: at as *mut libc::c_void,
        iov_len: size_of::<T>(),
    };
    // SAFETY: `local` is `value`'s bytes; the kernel checks `remote`.
    let read = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    if usize::try_from(read).ok() != Some(size_of::<T>()) {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: every byte was written, and `T` is plain C data.
    Ok(unsafe { value.assume_init() })
}

/// Reads `into.len()` bytes at `at` in process `pid`.
pub(super) fn read_into(pid: libc::pid_t, at: usize, into: &mut [u8]) -> io::Result<()> {
    if into.is_empty() {
        return Ok(());
    }
    let local = libc::iovec {
        iov_base: into.as_mut_ptr().cast(),
        iov_len: into.len(),
    };
    let remote = libc::iovec {
        iov_base: at as *mut libc::c_void,
        iov_len: into.len(),
    };
    // SAFETY: `local` is `into`'s bytes; the kernel checks `remote`.
    let read = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    if usize::try_from(read).ok() != Some(into.len()) {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Writes the integer `value` (a `msghdr` field) at `at` in process `pid`.
pub(super) fn write_int<T: Copy>(pid: libc::pid_t, at: usize, value: &T) -> io::Result<()> {
    // SAFETY: `value`'s bytes: an integer, which has no padding.
    let bytes =
        unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) };
    write_bytes(pid, at, bytes)
}

/// Writes `bytes` at `at` in process `pid`.
pub(super) fn write_bytes(pid: libc::pid_t, at: usize, bytes: &[u8]) -> io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    let local = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    let remote = libc::iovec {
        iov_base: at as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: `local` is `bytes`, only read; the kernel checks `remote`.
    let wrote = unsafe { libc::process_vm_writev(pid, &local, 1, &remote, 1, 0) };
    if usize::try_from(wrote).ok() != Some(bytes.len()) {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
