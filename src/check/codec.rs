//! Which of the codec's functions the checks call for a layout.

use std::os::fd::RawFd;

use crate::typed::{Direction, TypedMessage, TypedPayload};
use crate::{ControlMessage, Error, Fds, Layout, Messages, SocketControlMessage, Ucred};

/// The codec's functions for one layout, as the checks call them: on the
/// host's layout the crate-root functions, which are Go's API and must
/// answer exactly as `Layout::HOST`'s methods do, so that every invariant
/// holds them (and, through them, those methods) to the same answers; on
/// any other layout the layout's methods.
///
/// In place, not beside the methods: a fuzz target inlines each call, so
/// calling both would put a second copy of the codec's branches in every
/// run's coverage, and libFuzzer's cost per run grows with the branches
/// it hits.
///
/// Which of the two it is, is found once: comparing layouts field by field
/// at every call costs more than the call, and adds as many branches.
#[derive(Clone, Copy)]
pub(super) struct Codec {
    pub(super) layout: Layout,
    is_host: bool,
}

impl Codec {
    pub(super) fn new(layout: Layout) -> Codec {
        Codec {
            layout,
            is_host: layout == Layout::HOST,
        }
    }

    fn is_host(self) -> bool {
        self.is_host
    }

    pub(super) fn cmsg_len(self, data_len: usize) -> usize {
        if self.is_host() {
            crate::cmsg_len(data_len)
        } else {
            self.layout.cmsg_len(data_len)
        }
    }

    pub(super) fn cmsg_space(self, data_len: usize) -> usize {
        if self.is_host() {
            crate::cmsg_space(data_len)
        } else {
            self.layout.cmsg_space(data_len)
        }
    }

    pub(super) fn messages(self, buf: &[u8]) -> Messages<'_> {
        if self.is_host() {
            crate::messages(buf)
        } else {
            self.layout.messages(buf)
        }
    }

    pub(super) fn parse_socket_control_message(
        self,
        buf: &[u8],
    ) -> Result<Vec<SocketControlMessage<'_>>, Error> {
        if self.is_host() {
            crate::parse_socket_control_message(buf)
        } else {
            self.layout.parse_socket_control_message(buf)
        }
    }

    pub(super) fn parse_one_socket_control_message(
        self,
        buf: &[u8],
    ) -> Result<(SocketControlMessage<'_>, &[u8]), Error> {
        if self.is_host() {
            crate::parse_one_socket_control_message(buf)
        } else {
            self.layout.parse_one_socket_control_message(buf)
        }
    }

    pub(super) fn parse_unix_rights(
        self,
        msg: &SocketControlMessage<'_>,
    ) -> Result<Vec<RawFd>, Error> {
        if self.is_host() {
            crate::parse_unix_rights(msg)
        } else {
            self.layout.parse_unix_rights(msg)
        }
    }

    pub(super) fn fds<'a>(self, msg: &SocketControlMessage<'a>) -> Result<Fds<'a>, Error> {
        if self.is_host() {
            crate::fds(msg)
        } else {
            self.layout.fds(msg)
        }
    }

    pub(super) fn parse_unix_credentials(
        self,
        msg: &SocketControlMessage<'_>,
    ) -> Result<Ucred, Error> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.is_host() {
            return crate::parse_unix_credentials(msg);
        }
        self.layout.parse_unix_credentials(msg)
    }

    pub(super) fn decode_typed(
        self,
        msg: &SocketControlMessage<'_>,
    ) -> Result<Option<TypedMessage>, Error> {
        if self.is_host() {
            crate::decode_typed(msg)
        } else {
            self.layout.decode_typed(msg)
        }
    }

    /// `value` written for `direction`: on the host, for sending,
    /// [`TypedPayload::to_send`].
    pub(super) fn typed_payload(
        self,
        value: &TypedMessage,
        direction: Direction,
    ) -> Result<TypedPayload, Error> {
        if self.is_host() && direction == Direction::Send {
            TypedPayload::to_send(value)
        } else {
            self.layout.typed_payload(value, direction)
        }
    }

    pub(super) fn unix_rights(self, fds: &[RawFd]) -> Result<Vec<u8>, Error> {
        if self.is_host() {
            crate::unix_rights(fds)
        } else {
            self.layout.unix_rights(fds)
        }
    }

    pub(super) fn unix_credentials(self, cred: &Ucred) -> Result<Vec<u8>, Error> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.is_host() {
            return crate::unix_credentials(cred);
        }
        self.layout.unix_credentials(cred)
    }

    pub(super) fn encoded_len(self, msgs: &[ControlMessage<'_>]) -> Result<usize, Error> {
        if self.is_host() {
            crate::encoded_len(msgs)
        } else {
            self.layout.encoded_len(msgs)
        }
    }

    pub(super) fn encode_into(
        self,
        msgs: &[ControlMessage<'_>],
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        if self.is_host() {
            crate::encode_into(msgs, buf)
        } else {
            self.layout.encode_into(msgs, buf)
        }
    }

    pub(super) fn encode_to_vec(
        self,
        msgs: &[ControlMessage<'_>],
        out: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        if self.is_host() {
            crate::encode_to_vec(msgs, out)
        } else {
            self.layout.encode_to_vec(msgs, out)
        }
    }

    pub(super) fn encode(self, msgs: &[ControlMessage<'_>]) -> Result<Vec<u8>, Error> {
        if self.is_host() {
            crate::encode(msgs)
        } else {
            self.layout.encode(msgs)
        }
    }
}
