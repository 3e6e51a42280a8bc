//! `Arbitrary` for the owned message types (feature `arbitrary`), so that a
//! fuzz target can take messages instead of raw bytes.
//!
//! [`Ucred`](crate::Ucred) derives it; [`OwnedControlMessage`] is written
//! by hand so that rights and credentials messages are as likely as any
//! other: a derived impl would almost never hit `SOL_SOCKET` with a valid
//! payload.

use std::os::fd::RawFd;

use arbitrary::{Arbitrary, Unstructured};

use crate::OwnedControlMessage;
#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::Ucred;

/// The bytes of one fd in the input: a little-endian `i32`, as `arbitrary`
/// reads integers.
const FD_LEN: usize = 4;

/// One message in three is an `SCM_RIGHTS` message of the host's layout
/// with any fds, one in three an `SCM_CREDENTIALS` message with any
/// credentials, and one in three any level, type and data.
///
/// The input is read as `arbitrary` reads its own types, and densely: a
/// byte chooses the kind (modulo 3); fds, `Ucred` fields, level and type
/// are little-endian integers; the fds and the data are a run of input
/// bytes as long as a length that, as for `arbitrary`'s `&[u8]`, is taken
/// from the end of the input (`Unstructured::arbitrary_len`). So a data
/// byte costs one input byte and is copied, not read one call at a time,
/// and the fuzzer can change the data without moving the lengths.
///
/// ```
/// use arbitrary::{Arbitrary, Unstructured};
/// use sockcmsg::OwnedControlMessage;
///
/// let raw = [7u8; 64];
/// let msgs = Vec::<OwnedControlMessage>::arbitrary(&mut Unstructured::new(&raw))?;
/// assert!(!msgs.is_empty());
/// let as_encoded: Vec<_> = msgs.iter().map(OwnedControlMessage::as_control_message).collect();
/// let buf = sockcmsg::encode(&as_encoded)?;
/// let parsed: Vec<OwnedControlMessage> = sockcmsg::parse_socket_control_message(&buf)?
///     .into_iter()
///     .map(OwnedControlMessage::from)
///     .collect();
/// assert_eq!(parsed, msgs);
///
/// // Any level (41), type (50) and data ([1, 2, 3]); the data's length
/// // (3) is the input's last byte.
/// let raw = [2, 41, 0, 0, 0, 50, 0, 0, 0, 1, 2, 3, 3];
/// let msg = OwnedControlMessage::arbitrary(&mut Unstructured::new(&raw))?;
/// assert_eq!(msg, OwnedControlMessage { level: 41, kind: 50, data: vec![1, 2, 3] });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<'a> Arbitrary<'a> for OwnedControlMessage {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u.choose_index(3)? {
            0 => {
                let count = u.arbitrary_len::<RawFd>()?;
                // arbitrary_len leaves at least `count` fds' bytes.
                let bytes = u.bytes(count.saturating_mul(FD_LEN))?;
                let fds: Vec<RawFd> = bytes
                    .chunks_exact(FD_LEN)
                    .filter_map(|fd| fd.try_into().ok())
                    .map(RawFd::from_le_bytes)
                    .collect();
                OwnedControlMessage::rights(&fds)
            }
            #[cfg(any(target_os = "linux", target_os = "android"))]
            1 => OwnedControlMessage::credentials(Ucred::arbitrary(u)?),
            _ => {
                let level = u.arbitrary()?;
                let kind = u.arbitrary()?;
                let len = u.arbitrary_len::<u8>()?;
                OwnedControlMessage {
                    level,
                    kind,
                    data: u.bytes(len)?.to_vec(),
                }
            }
        })
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        // The byte that picks the kind; every kind can then be empty.
        (1, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_unix_credentials, parse_unix_rights, Cmsghdr, SocketControlMessage};

    fn generate(raw: &[u8]) -> OwnedControlMessage {
        OwnedControlMessage::arbitrary(&mut Unstructured::new(raw)).unwrap()
    }

    fn as_parsed(msg: &OwnedControlMessage) -> SocketControlMessage<'_> {
        SocketControlMessage {
            header: Cmsghdr {
                len: crate::cmsg_len(msg.data.len()),
                level: msg.level,
                kind: msg.kind,
            },
            data: &msg.data,
        }
    }

    #[test]
    fn the_choice_byte_picks_rights_credentials_or_any_message() {
        // Two fds, then their 8 bytes' length, from the end.
        let rights = [0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 8];
        let msg = generate(&rights);
        assert_eq!(parse_unix_rights(&as_parsed(&msg)).unwrap(), [1, -1]);

        let credentials = [1, 1, 0, 0, 0, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        let msg = generate(&credentials);
        assert_eq!(
            parse_unix_credentials(&as_parsed(&msg)).unwrap(),
            Ucred {
                pid: 1,
                uid: 2,
                gid: u32::MAX
            }
        );

        let other = [2, 0xfe, 0xff, 0xff, 0xff, 9, 0, 0, 0, 7, 6, 2];
        assert_eq!(
            generate(&other),
            OwnedControlMessage {
                level: -2,
                kind: 9,
                data: vec![7, 6]
            }
        );

        // The choice is taken modulo 3.
        let mut rights_again = rights;
        rights_again[0] = 3;
        assert_eq!(generate(&rights_again), generate(&rights));
    }

    #[test]
    fn each_data_byte_takes_one_input_byte_and_the_length_comes_from_the_end() {
        let mut raw = vec![2, 0, 0, 0, 0, 0, 0, 0, 0];
        raw.extend(0..=99);
        raw.push(100);
        let mut u = Unstructured::new(&raw);
        let msg = OwnedControlMessage::arbitrary(&mut u).unwrap();
        assert_eq!(msg.data, (0..=99).collect::<Vec<u8>>());
        assert!(u.is_empty());

        // Fds are whole: a length of 7 bytes is one fd.
        let raw = [0, 5, 0, 0, 0, 0, 0, 0, 7];
        assert_eq!(generate(&raw), OwnedControlMessage::rights(&[5]));
    }

    #[test]
    fn an_exhausted_input_still_gives_a_message() {
        assert_eq!(generate(&[]), OwnedControlMessage::rights(&[]));
    }
}
