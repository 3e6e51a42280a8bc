//! async-io's `Async<T>` (the reactor of smol), through its `read_with` and
//! `write_with`: each runs the call first, waits for readiness only after
//! `WouldBlock`, and returns within the poll whose call did not block.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use async_io::Async;

use super::sealed::{Reactor, Wait};
use crate::sys::socket::buffer::sealed::Token;

/// Any `Async<T>`: a std socket (`Async<UnixStream>`, `Async<UdpSocket>`)
/// or an `OwnedFd` (`SOCK_SEQPACKET`). async-io's readability includes
/// `EPOLLERR` (polling's `read_flags`), so the error queue waits for it.
impl<T: AsFd> Reactor for Async<T> {
    fn fd(&self, _: Token) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }

    async fn io<R>(
        &self,
        wait: Wait,
        _: Token,
        mut io: impl FnMut(BorrowedFd<'_>) -> io::Result<R>,
    ) -> io::Result<R> {
        match wait {
            Wait::Write => self.write_with(|inner| io(inner.as_fd())).await,
            // The error queue too: readability includes `EPOLLERR`.
            _ => self.read_with(|inner| io(inner.as_fd())).await,
        }
    }
}
