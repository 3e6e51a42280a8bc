//! `asan-glibc FILE [--odd] | blind-spot | caller-read`, built with
//! AddressSanitizer:
//!
//! ```text
//! RUSTFLAGS=-Zsanitizer=address cargo +nightly run --no-default-features \
//!     --target x86_64-unknown-linux-gnu --bin asan-glibc -- FILE
//! ```
//!
//! - `FILE [--odd]`: glibc's walk, the glibc peer's (`peers/src/glibc.rs`:
//!   `CMSG_FIRSTHDR`, glibc's own `__cmsg_nxthdr`, each message's data read
//!   from `CMSG_DATA` up to `cmsg_len`, with `c_walk.rs`'s bounds check
//!   before the read), on every input of FILE, each at the end of an
//!   allocation of its own. A panic is the adapter reporting a read the
//!   program would make outside the buffer: counted, not an ASan report.
//! - `blind-spot`: `__cmsg_nxthdr` handed a header whose `cmsg_len` lies
//!   partly past a 4-byte heap allocation: glibc reads it, and ASan (whose
//!   runtime does not intercept `__cmsg_nxthdr`, and glibc is not
//!   instrumented) says nothing; the program then prints that it returned.
//! - `caller-read`: a C program's loop with no check of its own
//!   (`c_walk::sum` with glibc's macros, the glibc peer's `walk`) on a
//!   20-byte buffer whose header claims 24 bytes (two fds): the loop's read
//!   of the second fd is 4 bytes past the allocation, in instrumented code,
//!   and ASan reports it (a `heap-buffer-overflow`, and the process exits
//!   with an error).

#[cfg(target_env = "gnu")]
fn main() -> std::process::ExitCode {
    use std::panic::{catch_unwind, AssertUnwindSafe};

    use sockcmsg::conformance::Implementation;
    use sockcmsg_peers_miri::{glibc, inputs, Placed};

    let args: Vec<String> = std::env::args().skip(1).collect();
    let odd = args.iter().any(|arg| arg == "--odd");
    let positional: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|arg| *arg != "--odd")
        .collect();
    match positional.as_slice() {
        ["blind-spot"] => {
            let mut placed = Placed::new(&[0x18, 0, 0, 0], 0);
            let cmsg = placed.bytes().as_mut_ptr().cast::<libc::cmsghdr>();
            // SAFETY: zeroed msghdr; the header's length field is read past
            // the allocation, on purpose: the question is whether ASan sees
            // glibc read it.
            let next = unsafe {
                let mut msg: libc::msghdr = std::mem::zeroed();
                msg.msg_control = cmsg.cast();
                msg.msg_controllen = 64;
                glibc_next(&mut msg, cmsg)
            };
            println!(
                "asan-glibc: blind-spot: __cmsg_nxthdr read the 8-byte cmsg_len of a header \
                 at the start of a 4-byte allocation and returned {:?}: no ASan report",
                next.map(|offset| format!("the header at offset {offset}"))
            );
            std::process::ExitCode::SUCCESS
        }
        ["caller-read"] => {
            let input = [
                0x18, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0,
            ];
            let mut placed = Placed::new(&input, 0);
            // SAFETY: not: the buffer breaks `sum`'s contract (its header
            // claims 4 bytes more than there are), which is what ASan is
            // asked to see.
            let sum = unsafe { sockcmsg_peers_miri::glibc_walk(placed.bytes()) };
            println!(
                "asan-glibc: caller-read: the loop read past the buffer, sum {sum}: no ASan report"
            );
            std::process::ExitCode::SUCCESS
        }
        [file] => {
            let all = match inputs::read(file.as_ref()) {
                Ok(all) => all,
                Err(err) => {
                    eprintln!("asan-glibc: {err}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            std::panic::set_hook(Box::new(|_| {}));
            let mut panicked = 0usize;
            for input in &all {
                let mut placed = Placed::new(&input.bytes, usize::from(odd));
                let buf = placed.bytes();
                if catch_unwind(AssertUnwindSafe(|| glibc::Glibc.parse(buf))).is_err() {
                    panicked += 1;
                }
            }
            println!(
                "asan-glibc: {} inputs walked ({}), {panicked} reported a read outside the \
                 buffer (the adapter's check, before the read), no ASan report",
                all.len(),
                if odd { "at odd addresses" } else { "aligned" },
            );
            std::process::ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: asan-glibc FILE [--odd] | blind-spot | caller-read");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc's `__cmsg_nxthdr` on `cmsg`, as the offset from it of the header
/// it returns.
///
/// # Safety
///
/// `msg` and `cmsg` are readable for glibc (or the question is whether
/// ASan sees them read).
#[cfg(target_env = "gnu")]
unsafe fn glibc_next(msg: *mut libc::msghdr, cmsg: *mut libc::cmsghdr) -> Option<usize> {
    extern "C" {
        fn __cmsg_nxthdr(mhdr: *mut libc::msghdr, cmsg: *mut libc::cmsghdr) -> *mut libc::cmsghdr;
    }
    // SAFETY: the caller's contract.
    let next = unsafe { __cmsg_nxthdr(msg, cmsg) };
    (!next.is_null()).then(|| (next as usize).wrapping_sub(cmsg as usize))
}

#[cfg(not(target_env = "gnu"))]
fn main() {
    eprintln!("asan-glibc: glibc only");
}
