//! The input formats that the targets read: the byte that picks a layout,
//! and messages in `arbitrary`'s format; and, for seeds, the inputs that
//! read back as given layouts and messages.

use arbitrary::{Arbitrary, Unstructured};

use crate::credentials::UCRED_LEN;
use crate::{Layout, OwnedControlMessage, Ucred};

use super::invariants::as_parsed;

/// The layout and the messages that [`roundtrip_any_layout`](super::roundtrip_any_layout) encodes for
/// `bytes`: the first byte picks one of [`Layout::ALL`] ([`pick_layout`]),
/// the rest makes messages as for [`roundtrip`](super::roundtrip) ([`roundtrip_messages`]),
/// and each rights message is made the picked layout's (its `SOL_SOCKET`
/// and `SCM_RIGHTS`), so that the typed checks see each layout's values.
///
/// ```
/// use sockcmsg::{check, Layout, OwnedControlMessage};
/// let input = check::roundtrip_input(&[OwnedControlMessage::rights(&[3])]);
/// let (layout, msgs) = check::any_layout_messages(&check::any_layout_input(Layout::ILLUMOS, &input));
/// assert_eq!(layout, Layout::ILLUMOS);
/// assert_eq!((msgs[0].level, msgs[0].kind), (0xffff, 0x1010));
/// ```
pub fn any_layout_messages(bytes: &[u8]) -> (Layout, Vec<OwnedControlMessage>) {
    let (layout, input) = pick_layout(bytes);
    let host_rights = (Layout::HOST.sol_socket(), Layout::HOST.scm_rights());
    let msgs = roundtrip_messages(input)
        .into_iter()
        .map(|mut msg| {
            if (msg.level, msg.kind) == host_rights {
                msg.level = layout.sol_socket();
                msg.kind = layout.scm_rights();
            }
            msg
        })
        .collect();
    (layout, msgs)
}

/// The layout that the first byte of `bytes` picks, [`Layout::ALL`]
/// modulo its length, and the bytes after it. An empty input picks the
/// first layout.
///
/// ```
/// use sockcmsg::{check, Layout};
/// assert_eq!(check::pick_layout(&[4, 9]), (Layout::ALL[4], &[9][..]));
/// assert_eq!(check::pick_layout(&[18]), (Layout::ALL[0], &[][..]));
/// ```
pub fn pick_layout(bytes: &[u8]) -> (Layout, &[u8]) {
    let (&first, rest) = bytes.split_first().unwrap_or((&0, bytes));
    let index = usize::from(first)
        .checked_rem(Layout::ALL.len())
        .unwrap_or_default();
    (
        Layout::ALL.get(index).copied().unwrap_or(Layout::HOST),
        rest,
    )
}

/// `bytes` behind the byte that makes [`pick_layout`] pick `layout`: a
/// seed for the `*_any_layout` targets.
///
/// ```
/// use sockcmsg::{check, Layout};
/// let input = check::any_layout_input(Layout::MACOS, &[1, 2]);
/// assert_eq!(check::pick_layout(&input), (Layout::MACOS, &[1, 2][..]));
/// ```
pub fn any_layout_input(layout: Layout, bytes: &[u8]) -> Vec<u8> {
    let index = Layout::ALL
        .iter()
        .position(|known| *known == layout)
        .expect("every layout is in Layout::ALL");
    let mut input = vec![u8::try_from(index).expect("fewer than 256 layouts")];
    input.extend(bytes);
    input
}

/// `buf` with the `cmsg_len` of its first header set to `len`, written as
/// `layout` stores it (width, place, byte order; a pad beside it zeroed):
/// for building malformed buffers. `None` if `buf` is shorter than a
/// header or `len` does not fit the layout's length field.
///
/// ```
/// use sockcmsg::{check, Error, Layout};
/// let layout = Layout::FREEBSD_64;
/// let buf = layout.unix_rights(&[3])?;
/// // 12 bytes: sizeof(struct cmsghdr), but data starts at 16.
/// let short = check::with_cmsg_len(layout, &buf, 12).unwrap();
/// assert!(matches!(layout.parse_socket_control_message(&short), Err(Error::LengthBelowHeader { .. })));
/// assert_eq!(check::with_cmsg_len(layout, &buf[..8], 16), None); // shorter than a header
/// # Ok::<(), sockcmsg::Error>(())
/// ```
pub fn with_cmsg_len(layout: Layout, buf: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = buf.to_vec();
    let header = layout.read_header(buf)?;
    let slot = out.get_mut(..layout.data_offset())?;
    layout.write_header(slot, len, header.level, header.kind)?;
    Some(out)
}

/// The messages [`roundtrip`](super::roundtrip) encodes for `bytes`: `arbitrary`'s
/// `Vec<OwnedControlMessage>` taking all of them, as a
/// `fuzz_target!(|msgs: Vec<OwnedControlMessage>| ...)` would get.
///
/// ```
/// // One message follows (1), rights (0), an fd (7), 4 bytes of fds (4).
/// let msgs = sockcmsg::check::roundtrip_messages(&[1, 0, 7, 0, 0, 0, 4]);
/// assert_eq!(msgs, [sockcmsg::OwnedControlMessage::rights(&[7])]);
/// ```
pub fn roundtrip_messages(bytes: &[u8]) -> Vec<OwnedControlMessage> {
    Vec::<OwnedControlMessage>::arbitrary_take_rest(Unstructured::new(bytes))
        .expect("arbitrary makes messages from any bytes")
}

/// The bytes that [`roundtrip_messages`] reads as `msgs`: seeds for the
/// `roundtrip` target.
///
/// This writes the format of `OwnedControlMessage`'s `Arbitrary` impl by
/// hand. From the front: for each message a byte whose low bit says that
/// one follows, then a byte that chooses rights (0), credentials (1) or any
/// other message (2), then its fds, its credentials, or its level, type
/// and data, integers little-endian. From the back, the last read first:
/// the length in bytes of each message's fds or data, in the 1, 2, 4 or 8
/// bytes that `Unstructured::arbitrary_len` takes for what is left when it
/// reads it. Rights and credentials are written as such, so that mutating
/// them keeps them valid; anything else as level, type and data.
///
/// ```
/// use sockcmsg::{check, OwnedControlMessage};
/// let msgs = vec![
///     OwnedControlMessage::rights(&[3]),
///     OwnedControlMessage { level: 41, kind: 50, data: vec![1, 2, 3] },
/// ];
/// let input = check::roundtrip_input(&msgs);
/// assert_eq!(input.len(), 2 + 4 + 2 + 8 + 3 + 2);
/// assert_eq!(check::roundtrip_messages(&input), msgs);
/// ```
pub fn roundtrip_input(msgs: &[OwnedControlMessage]) -> Vec<u8> {
    const MORE: u8 = 1;
    const RIGHTS: u8 = 0;
    const CREDENTIALS: u8 = 1;
    const OTHER: u8 = 2;
    let layout = Layout::HOST;
    // What is read from the front, in order, and each length read from the
    // back, with the number of front bytes read before it.
    let mut front = Vec::new();
    let mut lengths: Vec<(usize, usize)> = Vec::new();
    for msg in msgs {
        front.push(MORE);
        let parsed = as_parsed(layout, msg);
        if let Ok(fds) = layout.parse_unix_rights(&parsed) {
            front.push(RIGHTS);
            lengths.push((front.len(), msg.data.len()));
            for fd in fds {
                front.extend(fd.to_le_bytes());
            }
        } else if let Some(Ucred { pid, uid, gid }) = layout
            .parse_unix_credentials(&parsed)
            .ok()
            .filter(|_| msg.data.len() == UCRED_LEN)
        {
            front.push(CREDENTIALS);
            front.extend(pid.to_le_bytes());
            front.extend(uid.to_le_bytes());
            front.extend(gid.to_le_bytes());
        } else {
            front.push(OTHER);
            front.extend(msg.level.to_le_bytes());
            front.extend(msg.kind.to_le_bytes());
            lengths.push((front.len(), msg.data.len()));
            front.extend(&msg.data);
        }
    }
    // The innermost length is read last, when only the front bytes after
    // it and its own bytes are left; each one further out has the inner
    // ones' bytes left besides.
    let mut back = Vec::new();
    for &(read_after, len) in lengths.iter().rev() {
        let left = front
            .len()
            .saturating_sub(read_after)
            .saturating_add(back.len());
        back.extend(length_bytes(left, len));
    }
    front.extend(back);
    front
}

/// The bytes at the end of the input that `Unstructured::arbitrary_len`
/// reads as `len` when `left` other bytes remain: 1, 2, 4 or 8 of them, the
/// fewest whose range reaches `left`; of those it reads, big-endian, only
/// as many as `left` needs, and takes the number modulo `left + 1`.
fn length_bytes(left: usize, len: usize) -> Vec<u8> {
    let left = u64::try_from(left).expect("a usize fits a u64");
    let width = if left <= u8::MAX.into() {
        1
    } else if left <= u16::MAX.into() {
        2
    } else if left <= u32::MAX.into() {
        4
    } else {
        8
    };
    let significant = u64::BITS.saturating_sub(left.leading_zeros()).div_ceil(8);
    let len = u64::try_from(len)
        .expect("a usize fits a u64")
        .to_be_bytes();
    let skipped = len
        .len()
        .saturating_sub(usize::try_from(significant).expect("at most 8"));
    let mut bytes = len.get(skipped..).unwrap_or_default().to_vec();
    bytes.resize(width, 0);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn other(level: i32, kind: i32, data: &[u8]) -> OwnedControlMessage {
        OwnedControlMessage {
            level,
            kind,
            data: data.to_vec(),
        }
    }

    #[test]
    fn roundtrip_input_is_read_back_as_the_same_messages() {
        let lists = [
            vec![],
            vec![OwnedControlMessage::rights(&[])],
            vec![OwnedControlMessage::rights(&[0, -1, i32::MAX, i32::MIN])],
            vec![
                OwnedControlMessage::credentials(Ucred {
                    pid: -5,
                    uid: u32::MAX,
                    gid: 7,
                }),
                other(libc::SOL_SOCKET, libc::SCM_RIGHTS, &[1, 2, 3]),
                other(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &[9; 13]),
                other(i32::MIN, -1, &[]),
                other(0, 0, &[0xff; 300]),
            ],
            // Lengths in 4, 2, 1 and 1 bytes, as more or less is left when
            // each is read.
            vec![
                other(1, 2, &[7; 65_536]),
                OwnedControlMessage::rights(&[5; 64]),
                other(3, 4, &[8; 200]),
                other(5, 6, &[]),
            ],
        ];
        for msgs in lists {
            assert_eq!(roundtrip_messages(&roundtrip_input(&msgs)), msgs);
        }
    }

    #[test]
    fn each_length_takes_the_bytes_arbitrary_len_reads_for_what_is_left() {
        for (left, len, bytes) in [
            (0, 0, &[0][..]),
            (3, 3, &[3]),
            (255, 200, &[200]),
            (256, 200, &[0, 200]),
            (300, 258, &[1, 2]),
            (65_535, 65_535, &[0xff, 0xff]),
            (65_536, 7, &[0, 0, 7, 0]),
        ] {
            assert_eq!(length_bytes(left, len), bytes, "{len} of {left}");
        }
        // And arbitrary agrees: the length is the last bytes it reads.
        for left in [0, 1, 255, 256, 65_535, 65_536] {
            let mut input = vec![0; left];
            input.extend(length_bytes(left, left));
            let read = Unstructured::new(&input).arbitrary_len::<u8>().unwrap();
            assert_eq!(read, left);
        }
    }
}
