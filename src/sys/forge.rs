//! A forged `recvmsg(2)`, for the conformance runner's `forged receives`
//! checks, and a captured `sendmsg(2)`. In a forged receive, an
//! implementation's own receive call gets a control buffer that Linux
//! would never write, with a real descriptor installed at each fd
//! slot, so that what it makes of hostile bytes (and of the descriptors in
//! them) is seen through its public API, whatever that API is.
//!
//! Seccomp user notification (`SECCOMP_RET_USER_NOTIF`, Linux 5.0; adding
//! descriptors, 5.9) rather than interposing the C library's `recvmsg`:
//! the filter sees the system call itself, so code that makes it without
//! the C library (sockcmsg, rustix's linux-raw backend) is reached too, and
//! so is a receive made by another program the implementation starts (the
//! filter is inherited). The filter traps `recvmsg` and `recvmmsg` (which
//! UDP stacks batch with, quinn's among them) on one descriptor number
//! only; every other system call runs as usual. A `recvmmsg` is answered
//! in its first `mmsghdr`, with its `msg_len`, and returns 1.
//!
//! The supervisor is a thread of the same process, started with
//! `pthread_create` (not `std::thread`, which a forked child should not
//! rely on: see `isolate.rs`) after the filter is installed on the calling
//! thread, so it is filtered too but never receives on the trapped
//! descriptor. It answers the first trapped `recvmsg`: it reads the
//! caller's `msghdr` with `process_vm_readv`, installs the descriptors with
//! `SECCOMP_IOCTL_NOTIF_ADDFD` (close-on-exec when the call asked for
//! `MSG_CMSG_CLOEXEC`), writes one data byte, the sender's name, the
//! forged control bytes (as many as the caller's buffer holds, `MSG_CTRUNC`
//! when not all) and the `msghdr`'s lengths and flags back with
//! `process_vm_writev`, and makes the call return 1. The same code serves a receive in this process and
//! one in a program it started. A later `recvmsg` on the descriptor goes to
//! the kernel.
//!
//! The same filter and supervisor capture a send (`capture_sendmsg`, for
//! the `typed encoders` check): the first `sendmsg` or `sendmmsg` on the
//! descriptor has its control bytes copied with `process_vm_readv` and is
//! then let through to the kernel as it was
//! (`SECCOMP_USER_NOTIF_FLAG_CONTINUE`), so the sender sees the kernel's
//! own answer.
//!
//! On 32-bit x86 a C library may receive through `socketcall(2)`, which
//! the filter does not trap (it cannot read the descriptor from there):
//! such a receive reaches the kernel, and the check says it was not run.
//!
//! The filter stays on the calling thread for the life of its process: call
//! this only in a child that exits after the case (`isolate.rs`).

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

use super::process_vm::{read_into, read_plain, write_bytes, write_int};

/// What a forged receive hands over.
pub(crate) struct Forgery<'a> {
    /// The control bytes; a receive gets as many as its buffer holds.
    pub(crate) control: &'a [u8],
    /// Where descriptors go in the control bytes written (a prefix of
    /// `control`; the flag: cut short, `MSG_CTRUNC`): the offset of each
    /// 4-byte slot that gets the number of a new descriptor.
    pub(crate) fd_slots: &'a dyn Fn(&[u8], bool) -> Vec<usize>,
    /// What each installed descriptor is a copy of.
    pub(crate) source: BorrowedFd<'a>,
    /// The sender's address, as the kernel writes it into `msg_name` (a
    /// `sockaddr_in` for UDP; none from an unnamed Unix socket).
    pub(crate) name: &'a [u8],
}

/// What the forged receive did.
#[derive(Debug, Default)]
pub(crate) struct Forged {
    /// Whether a `recvmsg` on the descriptor was answered with the forgery.
    pub(crate) answered: bool,
    /// How many control bytes were written (`msg_controllen` returned).
    pub(crate) written: usize,
    /// The descriptors installed, in slot order, as numbers of the
    /// receiving process.
    pub(crate) installed: Vec<RawFd>,
    /// Why the forgery could not be completed, if it could not.
    pub(crate) error: Option<String>,
    /// For a captured send: the control bytes of the first trapped
    /// `sendmsg` or `sendmmsg` (its first message's), `None` if none was.
    pub(crate) sent_control: Option<Vec<u8>>,
}

/// `AUDIT_ARCH_*` of `<linux/audit.h>` for the host, which the filter
/// checks so that a system call number of another ABI is not trapped.
#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: Option<u32> = Some(0xC000_003E);
#[cfg(target_arch = "x86")]
const AUDIT_ARCH: Option<u32> = Some(0x4000_0003);
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: Option<u32> = Some(0xC000_00B7);
#[cfg(not(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64")))]
const AUDIT_ARCH: Option<u32> = None;

/// Offsets in `struct seccomp_data`: `nr`, `arch`, and the low 32 bits of
/// `args[0]`.
const NR_AT: u32 = 0;
const ARCH_AT: u32 = 4;
#[cfg(target_endian = "little")]
const ARG0_LOW_AT: u32 = 16;
#[cfg(target_endian = "big")]
const ARG0_LOW_AT: u32 = 20;

/// `<linux/seccomp.h>`'s ioctls on a listener, `_IOWR('!', n, type)` or
/// `_IOW`, written out: the `libc` crate names them only from 0.2.187.
const fn ioctl(write_read: u64, n: u64, size: usize) -> u64 {
    (write_read << 30) | ((size as u64) << 16) | ((b'!' as u64) << 8) | n
}
const NOTIF_RECV: u64 = ioctl(3, 0, size_of::<libc::seccomp_notif>());
const NOTIF_SEND: u64 = ioctl(3, 1, size_of::<libc::seccomp_notif_resp>());
const NOTIF_ID_VALID: u64 = ioctl(1, 2, size_of::<u64>());
const NOTIF_ADDFD: u64 = ioctl(1, 3, size_of::<libc::seccomp_notif_addfd>());

/// Runs `receive` with every `recvmsg` on `socket` (by number, in this
/// process or one it starts) answered by `forgery` the first time.
pub(crate) fn forge_recvmsg<R>(
    socket: BorrowedFd<'_>,
    forgery: &Forgery<'_>,
    receive: impl FnOnce() -> R,
) -> io::Result<(R, Forged)> {
    let job = Job::Forge(ForgeryParts {
        control: forgery.control,
        fd_slots: forgery.fd_slots,
        source: forgery.source.as_raw_fd(),
        name: forgery.name,
    });
    supervised(
        socket,
        [libc::SYS_recvmsg, libc::SYS_recvmmsg],
        job,
        receive,
    )
}

/// Runs `send` and captures the control bytes of the first `sendmsg` or
/// `sendmmsg` on `socket` (by number, in this process or one it starts),
/// which then goes to the kernel as it was: `Forged::sent_control`.
pub(crate) fn capture_sendmsg<R>(
    socket: BorrowedFd<'_>,
    send: impl FnOnce() -> R,
) -> io::Result<(R, Forged)> {
    supervised(
        socket,
        [libc::SYS_sendmsg, libc::SYS_sendmmsg],
        Job::Capture,
        send,
    )
}

/// Runs `call` with the system calls `trapped` on `socket` handed to a
/// supervisor thread doing `job`.
fn supervised<R>(
    socket: BorrowedFd<'_>,
    trapped: [libc::c_long; 2],
    job: Job<'_>,
    call: impl FnOnce() -> R,
) -> io::Result<(R, Forged)> {
    let listener = install_filter(socket.as_raw_fd(), trapped)?;
    // SAFETY: eventfd takes no pointer; a new descriptor or -1.
    let stop = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if stop < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `stop` was just created and nothing else owns it.
    let stop = unsafe { OwnedFd::from_raw_fd(stop) };
    let stopping = AtomicBool::new(false);
    let supervisor = Box::into_raw(Box::new(Supervisor {
        listener: listener.as_raw_fd(),
        stop: stop.as_raw_fd(),
        stopping: &stopping,
        job: Some(job),
        forged: Forged::default(),
    }));
    let mut thread = MaybeUninit::<libc::pthread_t>::uninit();
    // SAFETY: `supervise` takes the `Supervisor` that `supervisor` points
    // to, which stays allocated and untouched by this thread until
    // `Running::finish` (or its drop) has joined the thread.
    let started = unsafe {
        libc::pthread_create(
            thread.as_mut_ptr(),
            std::ptr::null(),
            supervise,
            supervisor.cast(),
        )
    };
    if started != 0 {
        // SAFETY: no thread was started; the box is this function's again.
        drop(unsafe { Box::from_raw(supervisor) });
        return Err(io::Error::from_raw_os_error(started));
    }
    let running = Running {
        // SAFETY: pthread_create succeeded, so it wrote the thread's id.
        thread: Some(unsafe { thread.assume_init() }),
        stop,
        stopping: &stopping,
        supervisor,
        _listener: listener,
    };
    let result = call();
    Ok((result, running.finish()))
}

/// The supervisor thread and what it shares, joined when dropped (also
/// when the receive panics).
struct Running<'a> {
    /// The supervisor, until joined.
    thread: Option<libc::pthread_t>,
    stop: OwnedFd,
    stopping: &'a AtomicBool,
    supervisor: *mut Supervisor<'a>,
    /// Closed after the thread is joined.
    _listener: OwnedFd,
}

impl Running<'_> {
    /// Stops and joins the supervisor and hands back what it did.
    fn finish(mut self) -> Forged {
        self.join();
        // SAFETY: joined: the thread no longer uses the supervisor.
        std::mem::take(unsafe { &mut (*self.supervisor).forged })
    }

    fn join(&mut self) {
        self.stopping.store(true, Ordering::Release);
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from `one` to an eventfd this owns.
        unsafe { libc::write(self.stop.as_raw_fd(), (&one as *const u64).cast(), 8) };
        if let Some(thread) = self.thread.take() {
            // SAFETY: `thread` is the supervisor, started and not yet joined.
            unsafe { libc::pthread_join(thread, std::ptr::null_mut()) };
        }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.join();
        // SAFETY: the thread is joined; the box is freed once, here.
        drop(unsafe { Box::from_raw(self.supervisor) });
    }
}

/// `Forgery` with the source as a number, for the supervisor thread.
struct ForgeryParts<'a> {
    control: &'a [u8],
    fd_slots: &'a dyn Fn(&[u8], bool) -> Vec<usize>,
    source: RawFd,
    name: &'a [u8],
}

/// What the supervisor does with the first trapped call.
enum Job<'a> {
    /// Answers a receive with the forgery.
    Forge(ForgeryParts<'a>),
    /// Copies a send's control bytes, and lets the kernel run it.
    Capture,
}

struct Supervisor<'a> {
    listener: RawFd,
    /// An eventfd written to stop the thread at once.
    stop: RawFd,
    /// Set to stop it within [`POLL_MS`] even if the receive closed the
    /// eventfd (a parser closing numbers it read from the forgery).
    stopping: &'a AtomicBool,
    /// Taken by the first trapped call.
    job: Option<Job<'a>>,
    forged: Forged,
}

extern "C" fn supervise(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `forge_recvmsg` passes a live `Supervisor` that only this
    // thread uses until it is joined.
    let supervisor = unsafe { &mut *arg.cast::<Supervisor<'_>>() };
    supervisor.run();
    std::ptr::null_mut()
}

/// How long the supervisor waits before it looks at `stopping` again.
const POLL_MS: libc::c_int = 50;

impl Supervisor<'_> {
    fn run(&mut self) {
        while !self.stopping.load(Ordering::Acquire) {
            let mut polled = [
                libc::pollfd {
                    fd: self.listener,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: self.stop,
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: `polled` is an array of two pollfds.
            if unsafe { libc::poll(polled.as_mut_ptr(), 2, POLL_MS) } < 0 {
                let err = io::Error::last_os_error();
                if err.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                self.forged.error = Some(format!("poll: {err}"));
                return;
            }
            let [listener, stop] = polled;
            if stop.revents & libc::POLLIN != 0 {
                return;
            }
            if listener.revents & libc::POLLIN != 0 {
                self.one_call();
            } else if listener.revents != 0 {
                return;
            }
        }
    }

    /// Answers one trapped call: the forgery the first time, the kernel
    /// after.
    fn one_call(&mut self) {
        // SAFETY: seccomp_notif is plain C data; all zeroes is valid, and
        // NOTIF_RECV requires it zeroed.
        let mut call: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: NOTIF_RECV writes one seccomp_notif into `call`.
        if unsafe { libc::ioctl(self.listener, NOTIF_RECV as _, &mut call) } != 0 {
            // ENOENT: the caller was interrupted before it was read.
            return;
        }
        let mut answer = libc::seccomp_notif_resp {
            id: call.id,
            val: 0,
            error: 0,
            flags: 0,
        };
        #[allow(
            clippy::unnecessary_cast,
            reason = "a c_ulong: u64 on 64-bit targets, u32 on 32-bit ones"
        )]
        let continued = libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32;
        if let Some(job) = self.job.take() {
            self.forged.answered = true;
            let done = match job {
                Job::Forge(forgery) => self.forge(&forgery, &call),
                Job::Capture => {
                    answer.flags = continued;
                    self.capture(&call).map(|()| 0)
                }
            };
            match done {
                Ok(returned) => answer.val = returned,
                Err(err) => {
                    self.forged.error = Some(err.to_string());
                    answer.flags = 0;
                    answer.error = -libc::EIO;
                }
            }
        } else {
            answer.flags = continued;
        }
        // SAFETY: NOTIF_SEND reads one seccomp_notif_resp. ENOENT (the
        // caller went away) leaves nothing to do.
        unsafe { libc::ioctl(self.listener, NOTIF_SEND as _, &answer) };
    }

    /// Writes the forgery into the trapped call's buffers; the number of
    /// data bytes it returns.
    #[allow(
        clippy::useless_conversion,
        reason = "msg_controllen is a usize in glibc, a socklen_t in musl"
    )]
    fn forge(&mut self, forgery: &ForgeryParts<'_>, call: &libc::seccomp_notif) -> io::Result<i64> {
        let pid = libc::pid_t::try_from(call.pid).map_err(|_| invalid("pid"))?;
        // recvmsg(fd, msg, flags); recvmmsg(fd, msgvec, vlen, flags, timeout),
        // whose first mmsghdr starts with its msghdr.
        let batch = i64::from(call.data.nr) == i64::from(libc::SYS_recvmmsg);
        let [_, msghdr_at, third, fourth, ..] = call.data.args;
        let flags = if batch { fourth } else { third };
        let msghdr_at = usize::try_from(msghdr_at).map_err(|_| invalid("msghdr"))?;
        let mut msg: libc::msghdr = read_plain(pid, msghdr_at)?;
        // The call is still waiting: what was read is its arguments.
        // SAFETY: NOTIF_ID_VALID reads one u64.
        if unsafe { libc::ioctl(self.listener, NOTIF_ID_VALID as _, &call.id) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut returned = 0;
        if msg.msg_iovlen > 0 && !msg.msg_iov.is_null() {
            let iov: libc::iovec = read_plain(pid, msg.msg_iov as usize)?;
            if iov.iov_len > 0 {
                write_bytes(pid, iov.iov_base as usize, b"x")?;
                returned = 1;
            }
        }
        let room = match msg.msg_control.is_null() {
            true => 0,
            false => usize::try_from(msg.msg_controllen).map_err(|_| invalid("controllen"))?,
        };
        let written = forgery.control.len().min(room);
        let mut control = forgery.control.get(..written).unwrap_or(&[]).to_vec();
        let cloexec =
            i64::try_from(flags).is_ok_and(|f| f & i64::from(libc::MSG_CMSG_CLOEXEC) != 0);
        self.forged.written = written;
        let cut = written < forgery.control.len();
        for slot in (forgery.fd_slots)(&control, cut) {
            let fd = self.add_fd(call.id, forgery.source, cloexec)?;
            self.forged.installed.push(fd);
            let end = slot.checked_add(4).ok_or_else(|| invalid("slot"))?;
            control
                .get_mut(slot..end)
                .ok_or_else(|| invalid("slot"))?
                .copy_from_slice(&fd.to_ne_bytes());
        }
        write_bytes(pid, msg.msg_control as usize, &control)?;
        msg.msg_controllen = written.try_into().map_err(|_| invalid("controllen"))?;
        msg.msg_flags = match cut {
            true => libc::MSG_CTRUNC,
            false => 0,
        };
        // As the kernel: as much of the name as its room holds, and the
        // whole name's length.
        if !msg.msg_name.is_null() {
            let room = usize::try_from(msg.msg_namelen).map_err(|_| invalid("namelen"))?;
            let name = forgery.name;
            write_bytes(pid, msg.msg_name as usize, name.get(..room).unwrap_or(name))?;
        }
        msg.msg_namelen = forgery
            .name
            .len()
            .try_into()
            .map_err(|_| invalid("namelen"))?;
        let field = |offset: usize| {
            msghdr_at
                .checked_add(offset)
                .ok_or_else(|| invalid("msghdr"))
        };
        let controllen_at = field(std::mem::offset_of!(libc::msghdr, msg_controllen))?;
        write_int(pid, controllen_at, &msg.msg_controllen)?;
        write_int(
            pid,
            field(std::mem::offset_of!(libc::msghdr, msg_flags))?,
            &msg.msg_flags,
        )?;
        let namelen_at = field(std::mem::offset_of!(libc::msghdr, msg_namelen))?;
        write_int(pid, namelen_at, &msg.msg_namelen)?;
        if batch {
            // One message received, of `returned` bytes.
            let len_at = field(std::mem::offset_of!(libc::mmsghdr, msg_len))?;
            let len = libc::c_uint::try_from(returned).map_err(|_| invalid("msg_len"))?;
            write_int(pid, len_at, &len)?;
            return Ok(1);
        }
        Ok(returned)
    }

    /// Copies the trapped send's control bytes (its first message's, for
    /// `sendmmsg`, whose first `mmsghdr` starts with its `msghdr`).
    #[allow(
        clippy::useless_conversion,
        reason = "msg_controllen is a usize in glibc, a socklen_t in musl"
    )]
    fn capture(&mut self, call: &libc::seccomp_notif) -> io::Result<()> {
        let pid = libc::pid_t::try_from(call.pid).map_err(|_| invalid("pid"))?;
        let msghdr_at = usize::try_from(call.data.args[1]).map_err(|_| invalid("msghdr"))?;
        let msg: libc::msghdr = read_plain(pid, msghdr_at)?;
        let len = match msg.msg_control.is_null() {
            true => 0,
            false => usize::try_from(msg.msg_controllen).map_err(|_| invalid("controllen"))?,
        };
        // Linux refuses more than its optmem limit; read no more than that.
        let mut control = vec![0; len.min(MAX_CAPTURED)];
        read_into(pid, msg.msg_control as usize, &mut control)?;
        // The call is still waiting: what was read is its arguments.
        // SAFETY: NOTIF_ID_VALID reads one u64.
        if unsafe { libc::ioctl(self.listener, NOTIF_ID_VALID as _, &call.id) } != 0 {
            return Err(io::Error::last_os_error());
        }
        self.forged.sent_control = Some(control);
        Ok(())
    }

    /// A copy of the source installed in the trapped caller's table.
    fn add_fd(&self, id: u64, source: RawFd, cloexec: bool) -> io::Result<RawFd> {
        let add = libc::seccomp_notif_addfd {
            id,
            flags: 0,
            srcfd: u32::try_from(source).map_err(|_| invalid("source"))?,
            newfd: 0,
            newfd_flags: match cloexec {
                true => libc::O_CLOEXEC as u32,
                false => 0,
            },
        };
        // SAFETY: NOTIF_ADDFD reads one seccomp_notif_addfd and returns the
        // number of the descriptor it installed in the caller.
        let fd = unsafe { libc::ioctl(self.listener, NOTIF_ADDFD as _, &add) };
        match fd {
            fd if fd < 0 => Err(io::Error::last_os_error()),
            fd => Ok(fd),
        }
    }
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("trapped recvmsg: {what}"),
    )
}

/// Installs the filter trapping the system calls `single` and `batch` on
/// `fd` on this thread, and returns its listener.
fn install_filter(fd: RawFd, [single, batch]: [libc::c_long; 2]) -> io::Result<OwnedFd> {
    let unsupported = || io::Error::new(io::ErrorKind::Unsupported, "no seccomp arch");
    let arch = AUDIT_ARCH.ok_or_else(unsupported)?;
    let single = u32::try_from(single).map_err(|_| unsupported())?;
    let batch = u32::try_from(batch).map_err(|_| unsupported())?;
    let fd = u32::try_from(fd).map_err(|_| invalid("fd"))?;
    let load = |at| libc::sock_filter {
        code: (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16,
        jt: 0,
        jf: 0,
        k: at,
    };
    // Equal: the next instruction; not: `skip` further.
    let unless_equal = |value, skip| libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt: 0,
        jf: skip,
        k: value,
    };
    // Equal: `skip` further; not: the next instruction.
    let if_equal = |value, skip| libc::sock_filter {
        code: (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16,
        jt: skip,
        jf: 0,
        k: value,
    };
    let ret = |action| libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: action,
    };
    let mut program = [
        load(ARCH_AT),
        unless_equal(arch, 6),
        load(NR_AT),
        if_equal(single, 1),
        unless_equal(batch, 3),
        load(ARG0_LOW_AT),
        unless_equal(fd, 1),
        ret(libc::SECCOMP_RET_USER_NOTIF),
        ret(libc::SECCOMP_RET_ALLOW),
    ];
    let prog = libc::sock_fprog {
        len: program.len() as u16,
        filter: program.as_mut_ptr(),
    };
    // SAFETY: prctl with integer arguments. Without privileges, a filter
    // needs no_new_privs; this child never executes a setuid program.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `prog` points to `program`, both alive for the call, which
    // copies the filter into the kernel.
    let listener = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &prog,
        )
    };
    let listener = RawFd::try_from(listener).map_err(|_| invalid("listener"))?;
    if listener < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the call returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(listener) })
}

/// The most control bytes a capture reads: Linux's default
/// `net.core.optmem_max`, past which `sendmsg` fails.
const MAX_CAPTURED: usize = 128 * 1024;
