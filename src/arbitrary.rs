//! `Arbitrary` for the owned message types (feature `arbitrary`), so that a
//! fuzz target can take messages instead of raw bytes.
//!
//! [`Ucred`](crate::Ucred) derives it; [`OwnedControlMessage`] is written
//! by hand so that rights and credentials messages are as likely as any
//! other: a derived impl would almost never hit `SOL_SOCKET` with a valid
//! payload.

use std::os::fd::RawFd;

use arbitrary::{Arbitrary, Unstructured};

use crate::{OwnedControlMessage, Ucred};

/// One message in three is an `SCM_RIGHTS` message of the host's layout
/// with any fds, one in three an `SCM_CREDENTIALS` message with any
/// credentials, and one in three any level, type and data.
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
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<'a> Arbitrary<'a> for OwnedControlMessage {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(match u.choose_index(3)? {
            0 => OwnedControlMessage::rights(&Vec::<RawFd>::arbitrary(u)?),
            1 => OwnedControlMessage::credentials(Ucred::arbitrary(u)?),
            _ => OwnedControlMessage {
                level: u.arbitrary()?,
                kind: u.arbitrary()?,
                data: u.arbitrary()?,
            },
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

    /// Bytes that `arbitrary` reads as a non-empty value of each type.
    const TAIL: [u8; 24] = [
        1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 9, 8, 7, 6, 5, 4, 3, 18,
    ];

    /// The message generated from a choice byte followed by [`TAIL`].
    fn generate(choice: u8) -> OwnedControlMessage {
        let mut raw = vec![choice];
        raw.extend(TAIL);
        OwnedControlMessage::arbitrary(&mut Unstructured::new(&raw)).unwrap()
    }

    /// What `arbitrary` itself makes of [`TAIL`] as a `T`.
    fn from_tail<T: for<'a> Arbitrary<'a>>() -> T {
        T::arbitrary(&mut Unstructured::new(&TAIL)).unwrap()
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
        let fds: Vec<RawFd> = from_tail();
        assert!(!fds.is_empty());
        let rights = generate(0);
        assert_eq!(parse_unix_rights(&as_parsed(&rights)).unwrap(), fds);

        let cred: Ucred = from_tail();
        let credentials = generate(1);
        assert_eq!(
            parse_unix_credentials(&as_parsed(&credentials)).unwrap(),
            cred
        );

        let (level, kind, data): (i32, i32, Vec<u8>) = from_tail();
        assert!(!data.is_empty());
        assert_eq!(generate(2), OwnedControlMessage { level, kind, data });
        // The choice is taken modulo 3.
        assert_eq!(generate(3), rights);
    }

    #[test]
    fn an_exhausted_input_still_gives_a_message() {
        assert_eq!(
            OwnedControlMessage::arbitrary(&mut Unstructured::new(&[])).unwrap(),
            OwnedControlMessage::rights(&[])
        );
    }
}
