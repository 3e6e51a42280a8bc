//! Encoding: several messages into one control buffer, with the size known
//! before anything is written and every padding byte zeroed.

use std::os::fd::RawFd;

use crate::credentials::UCRED_LEN;
use crate::rights::rights_len;
use crate::{Error, Layout, SocketControlMessage, Ucred};

/// A control message to encode.
///
/// Each message takes [`cmsg_space`](crate::cmsg_space) of its data length
/// in the buffer: header, data, then zeroed padding up to the alignment.
///
/// ```
/// use sockcmsg::{ControlMessage, Ucred};
/// let fds = [3, 4];
/// let msgs = [
///     ControlMessage::Credentials(Ucred { pid: 1, uid: 0, gid: 0 }),
///     ControlMessage::Rights(&fds),
///     ControlMessage::Other { level: 41, kind: 50, data: &[1, 2, 3] },
/// ];
/// let buf = sockcmsg::encode(&msgs)?;
/// let parsed = sockcmsg::parse_socket_control_message(&buf)?;
/// assert_eq!(parsed.len(), 3);
/// assert_eq!(ControlMessage::from(parsed[2]), msgs[2]);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ControlMessage<'a> {
    /// `SCM_RIGHTS`: file descriptors to pass.
    Rights(&'a [RawFd]),
    /// `SCM_CREDENTIALS`: the sender's credentials.
    Credentials(Ucred),
    /// Any message, given by its level, type and data.
    Other {
        /// `cmsg_level`.
        level: i32,
        /// `cmsg_type`.
        kind: i32,
        /// The data, written as it is.
        data: &'a [u8],
    },
}

impl ControlMessage<'_> {
    /// The length of the message's data, without header or padding.
    ///
    /// ```
    /// use sockcmsg::ControlMessage;
    /// assert_eq!(ControlMessage::Rights(&[3, 4]).data_len(), 8);
    /// ```
    #[inline]
    pub fn data_len(&self) -> usize {
        match self {
            ControlMessage::Rights(fds) => rights_len(fds),
            ControlMessage::Credentials(_) => UCRED_LEN,
            ControlMessage::Other { data, .. } => data.len(),
        }
    }
}

impl<'a> From<SocketControlMessage<'a>> for ControlMessage<'a> {
    /// The parsed message as [`ControlMessage::Other`], for re-encoding it
    /// as it was.
    fn from(msg: SocketControlMessage<'a>) -> Self {
        ControlMessage::Other {
            level: msg.header.level,
            kind: msg.header.kind,
            data: msg.data,
        }
    }
}

/// A control message that owns its data: level, type and bytes.
///
/// What a parsed [`SocketControlMessage`] becomes when it must outlive its
/// buffer, and what generated test inputs are made of (with the `arbitrary`
/// and `proptest` features).
///
/// ```
/// use sockcmsg::OwnedControlMessage;
/// let msg = OwnedControlMessage::rights(&[3, 4]);
/// let buf = sockcmsg::encode(&[msg.as_control_message()])?;
/// assert_eq!(buf, sockcmsg::unix_rights(&[3, 4])?);
/// let parsed = sockcmsg::parse_socket_control_message(&buf)?;
/// assert_eq!(OwnedControlMessage::from(parsed[0]), msg);
/// # Ok::<(), sockcmsg::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OwnedControlMessage {
    /// `cmsg_level`.
    pub level: i32,
    /// `cmsg_type`.
    pub kind: i32,
    /// The data, without header or padding.
    pub data: Vec<u8>,
}

impl OwnedControlMessage {
    /// An `SCM_RIGHTS` message of the host's layout carrying `fds`.
    ///
    /// ```
    /// let msg = sockcmsg::OwnedControlMessage::rights(&[7]);
    /// assert_eq!(msg.data, 7i32.to_ne_bytes());
    /// ```
    pub fn rights(fds: &[RawFd]) -> Self {
        let layout = Layout::HOST;
        let mut data = vec![0; rights_len(fds)];
        layout.write_fds(&mut data, fds);
        OwnedControlMessage {
            level: layout.sol_socket(),
            kind: layout.scm_rights(),
            data,
        }
    }

    /// An `SCM_CREDENTIALS` message of the host's layout carrying `cred`
    /// (Linux only, as the message is).
    ///
    /// ```
    /// use sockcmsg::{OwnedControlMessage, Ucred};
    /// let msg = OwnedControlMessage::credentials(Ucred { pid: 1, uid: 2, gid: 3 });
    /// assert_eq!(msg.data.len(), 12);
    /// ```
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn credentials(cred: Ucred) -> Self {
        let layout = Layout::HOST;
        OwnedControlMessage {
            level: layout.sol_socket(),
            kind: crate::layout::LINUX_SCM_CREDENTIALS,
            data: layout.ucred_bytes(&cred).to_vec(),
        }
    }

    /// The message as a [`ControlMessage`] to encode.
    ///
    /// ```
    /// use sockcmsg::{ControlMessage, OwnedControlMessage};
    /// let msg = OwnedControlMessage { level: 41, kind: 50, data: vec![1] };
    /// assert_eq!(
    ///     msg.as_control_message(),
    ///     ControlMessage::Other { level: 41, kind: 50, data: &[1] }
    /// );
    /// ```
    pub fn as_control_message(&self) -> ControlMessage<'_> {
        ControlMessage::Other {
            level: self.level,
            kind: self.kind,
            data: &self.data,
        }
    }
}

impl From<SocketControlMessage<'_>> for OwnedControlMessage {
    /// Copies the parsed message's level, type and data.
    fn from(msg: SocketControlMessage<'_>) -> Self {
        OwnedControlMessage {
            level: msg.header.level,
            kind: msg.header.kind,
            data: msg.data.to_vec(),
        }
    }
}

impl Layout {
    /// The exact number of bytes that encoding `msgs` takes: the sum of
    /// their `cmsg_space`s. See [`encoded_len`](crate::encoded_len).
    ///
    /// ```
    /// use sockcmsg::{ControlMessage, Layout};
    /// let msgs = [ControlMessage::Rights(&[3])];
    /// assert_eq!(Layout::LINUX_64.encoded_len(&msgs)?, 24);
    /// assert_eq!(Layout::LINUX_32.encoded_len(&msgs)?, 16);
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    #[inline]
    pub fn encoded_len(&self, msgs: &[ControlMessage<'_>]) -> Result<usize, Error> {
        msgs.iter().try_fold(0usize, |before, msg| {
            self.header_of(msg)?;
            let len = msg.data_len();
            let max = self.max_data_len();
            if len > max {
                return Err(Error::DataTooLong { len, max });
            }
            let added = self.cmsg_space(len);
            within_max_encoded(before, added)
        })
    }

    /// Encodes `msgs` into the start of `buf` and returns the bytes written.
    /// See [`encode_into`](crate::encode_into).
    ///
    /// ```
    /// use sockcmsg::{ControlMessage, Layout};
    /// let mut buf = [0xff; 32];
    /// let n = Layout::LINUX_32.encode_into(&[ControlMessage::Rights(&[3])], &mut buf)?;
    /// assert_eq!(n, 16);
    /// assert_eq!(buf[..4], 16u32.to_le_bytes());
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    // Always inlined, so that the crate root's functions, which call it on
    // `Layout::HOST`, write with the layout's numbers as constants: left to
    // the compiler, a caller with several call sites got one outlined copy
    // that read every field at run time (×1.5 the time for one message).
    #[inline(always)]
    pub fn encode_into(&self, msgs: &[ControlMessage<'_>], buf: &mut [u8]) -> Result<usize, Error> {
        let needed = self.encoded_len(msgs)?;
        let too_small = Error::BufferTooSmall {
            needed,
            available: buf.len(),
        };
        let mut rest = buf.get_mut(..needed).ok_or(too_small)?;
        for msg in msgs {
            rest = self.write_message(rest, msg).ok_or(too_small)?;
        }
        Ok(needed)
    }

    /// Appends the encoding of `msgs` to `out` and returns the bytes
    /// appended. See [`encode_to_vec`](crate::encode_to_vec).
    ///
    /// ```
    /// use sockcmsg::{ControlMessage, Layout};
    /// let mut out = Vec::new();
    /// Layout::LINUX_32.encode_to_vec(&[ControlMessage::Rights(&[3])], &mut out)?;
    /// assert_eq!(out, Layout::LINUX_32.unix_rights(&[3])?);
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn encode_to_vec(
        &self,
        msgs: &[ControlMessage<'_>],
        out: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        let start = out.len();
        let needed = self.encoded_len(msgs)?;
        out.resize(within_max_encoded(start, needed)?, 0);
        let written = out
            .get_mut(start..)
            .map_or(Ok(0), |tail| self.encode_into(msgs, tail));
        if written.is_err() {
            out.truncate(start);
        }
        written
    }

    /// Encodes `msgs` into a new buffer of exactly
    /// [`encoded_len`](Self::encoded_len) bytes. See
    /// [`encode`](crate::encode).
    ///
    /// ```
    /// use sockcmsg::{ControlMessage, Layout};
    /// let buf = Layout::LINUX_32.encode(&[ControlMessage::Rights(&[3, 4])])?;
    /// assert_eq!(buf.len(), 20);
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn encode(&self, msgs: &[ControlMessage<'_>]) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(self.encoded_len(msgs)?);
        self.encode_to_vec(msgs, &mut out)?;
        Ok(out)
    }

    /// An `SCM_RIGHTS` message carrying `fds`, padded (Go's `UnixRights`).
    /// Fails only if the fds take more bytes than a `cmsg_len` of this
    /// layout can describe. See [`unix_rights`](crate::unix_rights).
    ///
    /// ```
    /// use sockcmsg::Layout;
    /// assert_eq!(Layout::LINUX_32.unix_rights(&[3])?, [16, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0]);
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn unix_rights(&self, fds: &[RawFd]) -> Result<Vec<u8>, Error> {
        self.encode(&[ControlMessage::Rights(fds)])
    }

    /// An `SCM_CREDENTIALS` message carrying `cred`, padded (Go's
    /// `UnixCredentials`). Only Linux has the message: other layouts give
    /// [`Error::CredentialsUnsupported`].
    // The crate root's function is Linux's only.
    #[cfg_attr(
        any(target_os = "linux", target_os = "android"),
        doc = "See [`unix_credentials`](crate::unix_credentials)."
    )]
    ///
    /// ```
    /// use sockcmsg::{Error, Layout, Ucred};
    /// let cred = Ucred { pid: 1, uid: 2, gid: 3 };
    /// assert_eq!(Layout::LINUX_64.unix_credentials(&cred)?.len(), 32);
    /// assert_eq!(
    ///     Layout::FREEBSD_64.unix_credentials(&cred),
    ///     Err(Error::CredentialsUnsupported { layout: "freebsd-64" })
    /// );
    /// # Ok::<(), sockcmsg::Error>(())
    /// ```
    pub fn unix_credentials(&self, cred: &Ucred) -> Result<Vec<u8>, Error> {
        self.encode(&[ControlMessage::Credentials(*cred)])
    }

    /// Writes `msg` at the start of `rest` and returns what follows it.
    /// `None` only if `rest` is too short, the length does not fit the
    /// length field, or the layout lacks the message's type, which
    /// [`encoded_len`](Self::encoded_len) rules out.
    // One match per message, each arm with its own data length and writer,
    // so that a fixed-size payload (credentials) is written with fixed-size
    // stores. Always inlined, as `encode_into` is: an outlined copy read the
    // layout at run time and took 1.3x as long for 16 messages.
    #[inline(always)]
    fn write_message<'b>(
        &self,
        rest: &'b mut [u8],
        msg: &ControlMessage<'_>,
    ) -> Option<&'b mut [u8]> {
        match *msg {
            ControlMessage::Rights(fds) => {
                let (level, kind) = (self.sol_socket(), self.scm_rights());
                self.write_record(rest, level, kind, rights_len(fds), |out| {
                    self.write_fds(out, fds)
                })
            }
            ControlMessage::Credentials(cred) => {
                let (level, kind) = (self.sol_socket(), self.scm_credentials()?);
                self.write_record(rest, level, kind, UCRED_LEN, |out| {
                    out.copy_from_slice(&self.ucred_bytes(&cred))
                })
            }
            ControlMessage::Other { level, kind, data } => {
                self.write_record(rest, level, kind, data.len(), |out| copy(out, data))
            }
        }
    }

    /// Writes a header and `data_len` bytes of data (by `write_data`), then
    /// zeroes the padding, at the start of `rest`; returns what follows.
    #[inline(always)]
    fn write_record<'b>(
        &self,
        rest: &'b mut [u8],
        level: i32,
        kind: i32,
        data_len: usize,
        write_data: impl FnOnce(&mut [u8]),
    ) -> Option<&'b mut [u8]> {
        let (slot, tail) = rest.split_at_mut_checked(self.cmsg_space(data_len))?;
        let short_padding = self.align() <= 8;
        if short_padding {
            // The padding is shorter than the alignment, so one fixed-size
            // store of the slot's last 8 bytes zeroes it (a memset of a
            // variable length costs a call); header and data are written
            // over the rest after.
            *slot.last_chunk_mut::<8>()? = [0; 8];
        }
        let (header, rest) = slot.split_at_mut_checked(self.cmsg_len(0))?;
        let (data, padding) = rest.split_at_mut_checked(data_len)?;
        if !short_padding {
            padding.fill(0);
        }
        write_data(data);
        self.write_header(header, self.cmsg_len(data_len), level, kind)?;
        Some(tail)
    }

    /// The level and type `msg` is written with.
    #[inline]
    fn header_of(&self, msg: &ControlMessage<'_>) -> Result<(i32, i32), Error> {
        match *msg {
            ControlMessage::Rights(_) => Ok((self.sol_socket(), self.scm_rights())),
            ControlMessage::Credentials(_) => self
                .scm_credentials()
                .map(|kind| (self.sol_socket(), kind))
                .ok_or(Error::CredentialsUnsupported {
                    layout: self.name(),
                }),
            ControlMessage::Other { level, kind, .. } => Ok((level, kind)),
        }
    }
}

/// Copies `data` into `out`, of the same length. From 4 to 16 bytes, the
/// usual payloads (an fd or a few, credentials, an `int`), two overlapping
/// fixed-size moves replace a call to `memcpy`.
#[inline]
fn copy(out: &mut [u8], data: &[u8]) {
    if (8..=16).contains(&data.len()) {
        copy_ends::<8>(out, data);
    } else if (4..8).contains(&data.len()) {
        copy_ends::<4>(out, data);
    } else {
        out.copy_from_slice(data);
    }
}

/// Copies the first and the last `N` bytes of `data` into `out`: all of it
/// when it is `N` to `2 * N` bytes long.
#[inline]
fn copy_ends<const N: usize>(out: &mut [u8], data: &[u8]) {
    if let (Some(o), Some(d)) = (out.first_chunk_mut::<N>(), data.first_chunk::<N>()) {
        *o = *d;
    }
    if let (Some(o), Some(d)) = (out.last_chunk_mut::<N>(), data.last_chunk::<N>()) {
        *o = *d;
    }
}

/// The most bytes an encoding may take: `isize::MAX`, the most a Rust
/// allocation or slice can have, so that the encoders never ask for more.
const MAX_ENCODED: usize = isize::MAX.unsigned_abs();

/// `before + added`, unless that passes [`MAX_ENCODED`].
#[inline]
fn within_max_encoded(before: usize, added: usize) -> Result<usize, Error> {
    before
        .checked_add(added)
        .filter(|&total| total <= MAX_ENCODED)
        .ok_or(Error::EncodingTooLong {
            before,
            added,
            max: MAX_ENCODED,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: Layout = Layout::LINUX_64;

    #[test]
    fn padding_is_zeroed_and_nothing_past_the_size_is_touched() {
        let msgs = [
            ControlMessage::Other {
                level: 6,
                kind: 7,
                data: &[0xab; 3],
            },
            ControlMessage::Rights(&[-1]),
        ];
        let mut buf = [0xff; 64];
        let n = L.encode_into(&msgs, &mut buf).unwrap();
        assert_eq!(n, 24 + 24);
        assert_eq!(buf[16..24], [0xab, 0xab, 0xab, 0, 0, 0, 0, 0]);
        assert_eq!(buf[40..48], [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
        assert!(buf[n..].iter().all(|&b| b == 0xff));
    }

    #[test]
    fn copy_writes_every_length_exactly() {
        for len in 0..=20u8 {
            let data: Vec<u8> = (1..=len).collect();
            let mut out = vec![0; data.len()];
            copy(&mut out, &data);
            assert_eq!(out, data, "{len} bytes");
        }
    }

    #[test]
    fn a_small_buffer_is_an_error_and_is_left_alone() {
        let msgs = [ControlMessage::Rights(&[3, 4])];
        for size in [0, 16, 23] {
            let mut buf = vec![0xee; size];
            assert_eq!(
                L.encode_into(&msgs, &mut buf),
                Err(Error::BufferTooSmall {
                    needed: 24,
                    available: size
                })
            );
            assert!(buf.iter().all(|&b| b == 0xee));
        }
    }

    #[test]
    fn encode_to_vec_appends() {
        let mut out = vec![9];
        let n = L
            .encode_to_vec(&[ControlMessage::Rights(&[])], &mut out)
            .unwrap();
        assert_eq!(n, 16);
        assert_eq!(out.len(), 17);
        assert_eq!(out[0], 9);
        assert_eq!(out[1..], L.unix_rights(&[]).unwrap());
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    #[cfg_attr(miri, ignore = "allocates 4 GiB, which Miri would really use")]
    fn a_32_bit_length_field_takes_data_up_to_its_limit_and_no_more() {
        let layout = Layout::LINUX_32;
        let max = u32::MAX as usize - 12;
        // Zeroed and never written: the pages are not touched.
        let data = vec![0u8; max + 1];
        let message = |len: usize| ControlMessage::Other {
            level: 0,
            kind: 0,
            data: &data[..len],
        };
        assert_eq!(layout.encoded_len(&[message(max)]), Ok(1 << 32));
        assert_eq!(
            layout.encoded_len(&[message(max + 1)]),
            Err(Error::DataTooLong { len: max + 1, max })
        );
    }

    #[test]
    fn an_encoding_may_take_up_to_isize_max_bytes_and_no_more() {
        let max = isize::MAX as usize;
        assert_eq!(within_max_encoded(max - 24, 24), Ok(max));
        let past = Error::EncodingTooLong {
            before: max - 23,
            added: 24,
            max,
        };
        assert_eq!(within_max_encoded(max - 23, 24), Err(past));
        let wraps = Error::EncodingTooLong {
            before: usize::MAX,
            added: 1,
            max,
        };
        assert_eq!(within_max_encoded(usize::MAX, 1), Err(wraps));
    }

    /// The issue's reproducer: 1.2 GB of data twice passes `isize::MAX` on a
    /// 32-bit target, where encode and encode_to_vec used to panic.
    #[test]
    #[cfg(target_pointer_width = "32")]
    #[cfg_attr(miri, ignore = "allocates 1.2 GB, which Miri would really use")]
    fn gigabytes_of_data_on_a_32_bit_target_are_an_error_that_names_the_sum() {
        // Zeroed and never written: the pages are not touched.
        let data = vec![0u8; 1_200_000_000];
        let m = ControlMessage::Other {
            level: 0,
            kind: 0,
            data: &data,
        };
        // A 12-byte header on 32-bit Linux.
        let space = 1_200_000_012;
        let err = Error::EncodingTooLong {
            before: space,
            added: space,
            max: 2_147_483_647,
        };
        assert_eq!(crate::encoded_len(&[m]), Ok(space));
        assert_eq!(crate::encoded_len(&[m, m]), Err(err));
        assert_eq!(crate::encode(&[m, m]), Err(err));
        assert_eq!(crate::encode(&[m; 4]), Err(err));
        let mut out = Vec::new();
        assert_eq!(crate::encode_to_vec(&[m, m], &mut out), Err(err));
        assert!(out.is_empty());
        let mut small = [0u8; 64];
        assert!(matches!(
            crate::encode_into(&[m, m], &mut small),
            Err(Error::EncodingTooLong { .. })
        ));
        // One message fits, but not after what the vector already holds.
        let mut full = vec![0u8; 1_000_000_000];
        assert_eq!(
            crate::encode_to_vec(&[m], &mut full),
            Err(Error::EncodingTooLong {
                before: 1_000_000_000,
                added: space,
                max: 2_147_483_647,
            })
        );
        assert_eq!(full.len(), 1_000_000_000);
    }

    #[test]
    fn the_length_field_bounds_the_data() {
        // A 4-byte field bounds the length on 64-bit hosts; on 32-bit ones
        // the padded size must fit a usize first.
        let linux_32_max = if cfg!(target_pointer_width = "64") {
            u32::MAX as usize - 12
        } else {
            usize::MAX - 3 - 12
        };
        assert_eq!(Layout::LINUX_32.max_data_len(), linux_32_max);
        assert_eq!(L.max_data_len(), usize::MAX - 7 - 16);
        assert_eq!(L.cmsg_space(L.max_data_len()), usize::MAX - 7);
        // No alignment: the field alone bounds it, on any host.
        assert_eq!(Layout::AIX.max_data_len(), u32::MAX as usize - 12);
    }
}
