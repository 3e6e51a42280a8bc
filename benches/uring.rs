//! Receiving N datagrams of one byte and one `SCM_RIGHTS` fd each on a Unix
//! datagram socketpair: one multishot `IORING_OP_RECVMSG` on provided
//! buffers (the `io-uring` crate; each completion split by
//! `parse_recvmsg_out`, its fd owned by `take_completion_fds`), against a
//! loop of the blocking `socket::recv` (the `sync` baseline).
//!
//! The N sends of each run are not timed (criterion's `iter_custom`); every
//! received fd is owned and closed in the timing, on both sides. Each run
//! submits the multishot receive and ends it (cancelled once all N came,
//! its last completion reaped): a receive left armed would take the next
//! run's datagrams while they are sent, outside the timing. Where io_uring
//! is refused, only the baseline runs. The `io-uring` crate builds only for
//! the 64-bit architectures it has bindings for; elsewhere this says so.

#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "loongarch64",
        target_arch = "powerpc64"
    )
))]
mod bench {
    use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
    use io_uring::types::{BufRingEntry, Fd};
    use io_uring::{cqueue, opcode, IoUring};
    use sockcmsg::socket::{self, take_completion_fds, ControlBuffer, SocketKind};
    use std::fs::File;
    use std::io;
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};
    use std::sync::atomic::{AtomicU16, Ordering};
    use std::time::{Duration, Instant};

    /// The datagrams each run receives.
    const COUNTS: [usize; 3] = [1, 16, 64];
    /// The provided buffers (a ring's size is a power of two): more than
    /// the largest run's datagrams, since a multishot receive that took the
    /// last buffer ends with `ENOBUFS` at its next try, before any datagram.
    const BUFFERS: u16 = 128;
    /// A buffer: `struct io_uring_recvmsg_out`, the control region, the byte.
    const BUFFER_LEN: usize = 128;
    /// The control region, as `ControlBuffer::for_fds(1)` sizes the sync one.
    const CONTROL_LEN: u32 = sockcmsg::cmsg_space(4) as u32;
    const GROUP: u16 = 0;
    /// The mapping: the ring's entries, then the buffers.
    const RING_LEN: usize = BUFFERS as usize * size_of::<BufRingEntry>();
    const MAP_LEN: usize = RING_LEN + BUFFERS as usize * BUFFER_LEN;
    /// The `user_data` of the receive and of its cancellation.
    const RECEIVE: u64 = 1;
    const CANCEL: u64 = 2;

    /// A provided-buffer ring (`register_buf_ring_with_flags`, Linux 5.19;
    /// the kernel's `IORING_REGISTER_PBUF_RING`) rather than
    /// `ProvideBuffers`: every kernel with multishot recvmsg (6.0) has one,
    /// liburing's guide to io_uring networking recommends it, and giving a
    /// buffer back is a few stores into shared memory, not a submission.
    /// Users keeping a multishot receive fed write this.
    struct Buffers {
        /// An anonymous mapping of `MAP_LEN` bytes: page-aligned, as the
        /// kernel asks of a ring.
        base: *mut u8,
        /// The entries added so far: the ring's tail.
        tail: u16,
    }

    impl Buffers {
        fn new() -> io::Result<Buffers> {
            // SAFETY: a new private anonymous mapping, at no address asked for.
            let base = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    MAP_LEN,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if base == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            let mut buffers = Buffers {
                base: base.cast(),
                tail: 0,
            };
            (0..BUFFERS).for_each(|bid| buffers.give_back(bid));
            Ok(buffers)
        }

        /// The first `len` bytes of buffer `bid`, which the kernel filled
        /// and handed over in a completion.
        fn buffer(&mut self, bid: u16, len: usize) -> &mut [u8] {
            assert!(bid < BUFFERS && len <= BUFFER_LEN);
            // SAFETY: buffer `bid` lies in the mapping, after the ring; the
            // kernel does not touch it until it is given back.
            unsafe {
                std::slice::from_raw_parts_mut(
                    self.base.add(RING_LEN + usize::from(bid) * BUFFER_LEN),
                    len,
                )
            }
        }

        /// Adds buffer `bid` at the ring's tail, then publishes the tail.
        fn give_back(&mut self, bid: u16) {
            let ring = self.base.cast::<BufRingEntry>();
            // SAFETY: the entry lies in the ring's part of the mapping, and
            // no entry at or past the tail is read by the kernel; the tail
            // (the first entry's last field, which the setters leave alone)
            // is stored atomically, after the entry.
            unsafe {
                let entry = &mut *ring.add(usize::from(self.tail % BUFFERS));
                let addr = self.base.add(RING_LEN + usize::from(bid) * BUFFER_LEN);
                entry.set_addr(addr as u64);
                entry.set_len(BUFFER_LEN as u32);
                entry.set_bid(bid);
                self.tail = self.tail.wrapping_add(1);
                AtomicU16::from_ptr(BufRingEntry::tail(ring).cast_mut())
                    .store(self.tail, Ordering::Release);
            }
        }
    }

    impl Drop for Buffers {
        fn drop(&mut self) {
            // SAFETY: the mapping is ours; the ring that used it is closed.
            unsafe { libc::munmap(self.base.cast(), MAP_LEN) };
        }
    }

    struct Uring {
        ring: IoUring,
        /// Declared after `ring`, so unmapped after the ring is closed.
        buffers: Buffers,
    }

    impl Uring {
        /// A ring whose completion queue (twice its entries) has room for a
        /// completion per buffer and the cancellation's, with the buffers
        /// registered; the error where io_uring is refused.
        fn new() -> io::Result<Uring> {
            let ring = IoUring::new(u32::from(BUFFERS))?;
            let buffers = Buffers::new()?;
            // SAFETY: the ring's memory outlives the registration: it is
            // unmapped after the ring is closed.
            unsafe {
                ring.submitter().register_buf_ring_with_flags(
                    buffers.base as u64,
                    BUFFERS,
                    GROUP,
                    0,
                )?
            };
            Ok(Uring { ring, buffers })
        }

        /// Receives the `n` datagrams waiting on `rx` with one multishot
        /// recvmsg, and returns how many came with their byte and one fd.
        fn receive(&mut self, rx: &OwnedFd, n: usize) -> usize {
            // SAFETY: an all-zero msghdr is valid: no name, no iovec.
            let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
            msg.msg_controllen = CONTROL_LEN as _;
            let recv = opcode::RecvMsgMulti::new(Fd(rx.as_raw_fd()), &msg, GROUP)
                .flags(libc::MSG_CMSG_CLOEXEC as u32)
                .build()
                .user_data(RECEIVE);
            // SAFETY: `msg` and the buffers outlive the request, whose last
            // completion is reaped below.
            unsafe { self.ring.submission().push(&recv) }.expect("a free submission slot");
            // `live`: the requests whose last completion is still to come.
            let (mut got, mut seen, mut live, mut cancelled) = (0, 0, 1, false);
            while live > 0 {
                if seen == n && !cancelled {
                    let cancel = opcode::AsyncCancel::new(RECEIVE).build().user_data(CANCEL);
                    // SAFETY: the entry holds no buffer.
                    unsafe { self.ring.submission().push(&cancel) }
                        .expect("a free submission slot");
                    live += 1;
                    cancelled = true;
                }
                self.ring.submit_and_wait(1).unwrap();
                for cqe in self.ring.completion() {
                    let (res, flags) = (cqe.result(), cqe.flags());
                    if cqe.user_data() == CANCEL || !cqueue::more(flags) {
                        live -= 1;
                    }
                    if cqe.user_data() == CANCEL || res == -libc::ECANCELED {
                        continue;
                    }
                    assert!(
                        res >= 0,
                        "the receive failed: {}",
                        io::Error::from_raw_os_error(-res)
                    );
                    let bid = cqueue::buffer_select(flags).expect("a provided buffer");
                    let buf = self.buffers.buffer(bid, res as usize);
                    let out = sockcmsg::parse_recvmsg_out(buf, 0, CONTROL_LEN).unwrap();
                    let whole = out.payload.len() == 1 && !out.control_truncated();
                    // SAFETY: the kernel wrote this completion for this
                    // process, and nothing took its fds yet.
                    let taken =
                        unsafe { take_completion_fds(buf, 0, CONTROL_LEN, usize::MAX) }.unwrap();
                    got += usize::from(whole && taken.fds.len() == 1);
                    drop(taken);
                    self.buffers.give_back(bid);
                    seen += 1;
                }
            }
            got
        }
    }

    /// Receives the `n` datagrams waiting on `rx` with the blocking helper
    /// as its users call it, and returns how many came with their byte and
    /// one fd.
    fn sync(rx: &OwnedFd, control: &mut ControlBuffer, n: usize) -> usize {
        let mut got = 0;
        for _ in 0..n {
            let received = socket::recv(rx.as_fd(), &mut [0; 1], &mut *control).unwrap();
            got += usize::from(received.bytes == 1 && received.fds.len() == 1);
            // Dropping `received` closes the fd.
        }
        got
    }

    /// `iters` runs, each sending `n` datagrams with one fd (not timed),
    /// then timing `receive`, which says how many came whole with their fd.
    fn runs(
        iters: u64,
        tx: &OwnedFd,
        file: &File,
        n: usize,
        mut receive: impl FnMut() -> usize,
    ) -> Duration {
        let mut elapsed = Duration::ZERO;
        for _ in 0..iters {
            for _ in 0..n {
                socket::send(tx.as_fd(), b"x", &[file.as_fd()], None).unwrap();
            }
            let start = Instant::now();
            let got = receive();
            elapsed += start.elapsed();
            assert_eq!(got, n, "datagrams received with their byte and one fd");
        }
        elapsed
    }

    fn receive(c: &mut Criterion) {
        let file = File::open("/dev/null").unwrap();
        let (tx, rx) = socket::socketpair(SocketKind::Datagram).unwrap();
        let mut control = ControlBuffer::for_fds(1);
        let mut uring = Uring::new()
            .map_err(|err| {
                eprintln!(
                    "io_uring not measured: its setup failed ({err}): \
                     this kernel or sandbox refuses io_uring"
                );
            })
            .ok();
        let mut group = c.benchmark_group("datagram_receive");
        for n in COUNTS {
            group.throughput(Throughput::Elements(n as u64));
            group.bench_function(BenchmarkId::new("sync", n), |b| {
                b.iter_custom(|iters| runs(iters, &tx, &file, n, || sync(&rx, &mut control, n)))
            });
            if let Some(uring) = &mut uring {
                group.bench_function(BenchmarkId::new("io_uring", n), |b| {
                    b.iter_custom(|iters| runs(iters, &tx, &file, n, || uring.receive(&rx, n)))
                });
            }
        }
        group.finish();
    }

    criterion_group!(benches, receive);
}

#[cfg(not(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "loongarch64",
        target_arch = "powerpc64"
    )
)))]
mod bench {
    /// What runs in place of the benchmarks.
    pub fn benches() {
        eprintln!(
            "benches/uring.rs: nothing measured: the io-uring crate builds only for \
             64-bit Linux (x86_64, aarch64, riscv64, loongarch64, powerpc64)"
        );
    }
}

criterion::criterion_main!(bench::benches);
