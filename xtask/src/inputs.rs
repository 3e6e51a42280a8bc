//! Fuzz inputs built from what a target should read: the inverses of the
//! input formats that `sockcmsg::check` reads (`check::pick_layout`,
//! `check::roundtrip_messages`), and malformed buffers, for the seeds of
//! `cargo xtask seeds` and the tests of `cargo xtask decode`.
//!
//! They live here, not in the crate, because only xtask builds inputs; the
//! targets only read them. The tests check that each builder's output reads
//! back, through the crate's readers, as what it was built from.

use sockcmsg::model::Model;
use sockcmsg::{Layout, OwnedControlMessage};

/// `bytes` behind the byte that makes `check::pick_layout` pick `layout`:
/// a seed for the `*_any_layout` targets.
pub(crate) fn any_layout_input(layout: Layout, bytes: &[u8]) -> Vec<u8> {
    let index = Layout::ALL
        .iter()
        .position(|known| *known == layout)
        .expect("every layout is in Layout::ALL");
    let mut input = vec![u8::try_from(index).expect("fewer than 256 layouts")];
    input.extend(bytes);
    input
}

/// The bytes that `check::uring_input` reads as `buf`, a completion of a
/// submission with regions of `name_len` and `control_len` bytes, on
/// `layout`: seeds for the `uring` target.
pub(crate) fn uring_input(layout: Layout, name_len: u8, control_len: u8, buf: &[u8]) -> Vec<u8> {
    let mut sized = vec![name_len, control_len];
    sized.extend(buf);
    any_layout_input(layout, &sized)
}

/// `buf` with the `cmsg_len` of its first header set to `len`, written as
/// `layout` stores it (width, place, byte order; the header's padding
/// zeroed), by the reference model: for building malformed buffers. `None`
/// if `buf` is shorter than a header and its padding (the model's
/// `data_offset`) or `len` does not fit the layout's length field.
pub(crate) fn with_cmsg_len(layout: Layout, buf: &[u8], len: usize) -> Option<Vec<u8>> {
    let model = Model::new(layout);
    let len = u128::try_from(len).ok()?;
    let field_max = u128::from(u64::MAX) >> (64 - 8 * layout.len_width());
    if (buf.len() as u128) < model.data_offset() || len > field_max {
        return None;
    }
    let (_, level, kind) = model.read_header(buf);
    let header = model.header(len, level, kind);
    let mut out = buf.to_vec();
    out[..header.len()].copy_from_slice(&header);
    Some(out)
}

/// The bytes that `check::roundtrip_messages` reads as `msgs`: seeds for
/// the `roundtrip` target.
///
/// This writes the format of `OwnedControlMessage`'s `Arbitrary` impl by
/// hand. From the front: for each message a byte whose low bit says that
/// one follows, then a byte that chooses rights (0), credentials (1) or any
/// other message (2), then its fds, its credentials, or its level, type
/// and data, integers little-endian. From the back, the last read first:
/// the length in bytes of each message's fds or data, in the 1, 2, 4 or 8
/// bytes that `Unstructured::arbitrary_len` takes for what is left when it
/// reads it. Rights and credentials (as the host's model decodes them) are
/// written as such, so that mutating them keeps them valid; anything else
/// as level, type and data.
pub(crate) fn roundtrip_input(msgs: &[OwnedControlMessage]) -> Vec<u8> {
    const MORE: u8 = 1;
    const RIGHTS: u8 = 0;
    const CREDENTIALS: u8 = 1;
    const OTHER: u8 = 2;
    let model = Model::new(Layout::HOST);
    // What is read from the front, in order, and each length read from the
    // back, with the number of front bytes read before it.
    let mut front = Vec::new();
    let mut lengths: Vec<(usize, usize)> = Vec::new();
    for msg in msgs {
        front.push(MORE);
        if let Ok(fds) = model.rights(msg.level, msg.kind, &msg.data) {
            front.push(RIGHTS);
            lengths.push((front.len(), msg.data.len()));
            for fd in fds {
                front.extend(fd.to_le_bytes());
            }
        } else if let Some((pid, uid, gid)) = model
            .credentials(msg.level, msg.kind, &msg.data)
            .ok()
            // Only data that is exactly the credentials read: no more.
            .filter(|&(pid, uid, gid)| msg.data == model.ucred_bytes(pid, uid, gid))
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
        let left = front.len() - read_after + back.len();
        back.extend(length_bytes(left, len));
    }
    front.extend(back);
    front
}

/// The bytes that `check::typed_messages` reads as `msgs` with `layout`:
/// seeds for the `typed` target. Each message is a record: the byte that
/// picks its level and type (found by asking the reader), its length and
/// its data. `None` if a message's level and type are not among those the
/// reader picks from, or its data is longer than 255 bytes.
pub(crate) fn typed_input(layout: Layout, msgs: &[OwnedControlMessage]) -> Option<Vec<u8>> {
    let mut input = any_layout_input(layout, &[]);
    for msg in msgs {
        let pick = (0..=u8::MAX).find(|&pick| {
            let (_, read) = sockcmsg::check::typed_messages(&[input[0], pick, 0]);
            read.first()
                .is_some_and(|first| (first.level, first.kind) == (msg.level, msg.kind))
        })?;
        input.extend([pick, u8::try_from(msg.data.len()).ok()?]);
        input.extend(&msg.data);
    }
    Some(input)
}

/// The bytes at the end of the input that `Unstructured::arbitrary_len`
/// reads as `len` when `left` other bytes remain: 1, 2, 4 or 8 of them, the
/// fewest whose range reaches `left`; of those it reads, big-endian, only
/// as many as `left` needs, and takes the number modulo `left + 1`.
fn length_bytes(left: usize, len: usize) -> Vec<u8> {
    let left = left as u64;
    let width = if left <= u8::MAX.into() {
        1
    } else if left <= u16::MAX.into() {
        2
    } else if left <= u32::MAX.into() {
        4
    } else {
        8
    };
    let significant = (u64::BITS - left.leading_zeros()).div_ceil(8) as usize;
    let len = (len as u64).to_be_bytes();
    let mut bytes = len[len.len() - significant..].to_vec();
    bytes.resize(width, 0);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbitrary::Unstructured;
    use sockcmsg::{check, Error, Ucred};

    #[test]
    fn uring_input_is_read_back_as_the_same_completion() {
        for layout in [Layout::LINUX_64, Layout::LINUX_64_BE] {
            let input = uring_input(layout, 14, 24, &[1, 2, 3]);
            assert_eq!(check::uring_input(&input), (layout, 14, 24, &[1, 2, 3][..]));
        }
    }

    #[test]
    fn typed_input_is_read_back_as_the_same_messages() {
        for layout in [Layout::LINUX_32, Layout::MACOS, Layout::AIX] {
            let msgs = [
                other(0, if layout == Layout::MACOS { 27 } else { 1 }, &[2]),
                other(
                    41,
                    if layout == Layout::MACOS { 36 } else { 67 },
                    &[1, 0, 0, 0, 9],
                ),
            ];
            let input = typed_input(layout, &msgs).unwrap();
            assert_eq!(check::typed_messages(&input), (layout, msgs.to_vec()));
        }
        assert_eq!(typed_input(Layout::LINUX_64, &[other(0, 99, &[])]), None);
    }

    fn other(level: i32, kind: i32, data: &[u8]) -> OwnedControlMessage {
        OwnedControlMessage {
            level,
            kind,
            data: data.to_vec(),
        }
    }

    #[test]
    fn every_layout_is_picked_by_its_any_layout_input() {
        for layout in Layout::ALL {
            let input = any_layout_input(layout, &[1, 2]);
            assert_eq!(
                check::pick_layout(&input),
                (layout, &[1, 2][..]),
                "{}",
                layout.name()
            );
        }
    }

    #[test]
    fn with_cmsg_len_rewrites_only_the_length() {
        let layout = Layout::FREEBSD_64;
        let buf = layout.unix_rights(&[3]).unwrap();
        // 12 bytes: sizeof(struct cmsghdr), but data starts at 16.
        let short = with_cmsg_len(layout, &buf, 12).unwrap();
        assert_eq!(
            layout.parse_socket_control_message(&short),
            Err(Error::LengthBelowHeader {
                offset: 0,
                len: 12,
                min: 16
            })
        );
        assert_eq!(with_cmsg_len(layout, &buf[..8], 16), None); // shorter than a header
        assert_eq!(with_cmsg_len(layout, &buf, layout.cmsg_len(4)), Some(buf));

        // Every layout, each length read back as written, level and type
        // kept, the data untouched.
        for layout in Layout::ALL {
            let name = layout.name();
            let buf = layout
                .encode(&[sockcmsg::ControlMessage::Other {
                    level: -7,
                    kind: 9,
                    data: &[0xab; 9],
                }])
                .unwrap();
            let header_len = layout.cmsg_len(0);
            let field_max = if layout.len_width() == 4 {
                u32::MAX as usize
            } else {
                usize::MAX
            };
            for len in [0, 1, header_len, header_len + 9, 1 << 20, field_max] {
                let out = with_cmsg_len(layout, &buf, len).unwrap();
                let model = Model::new(layout);
                assert_eq!(model.read_header(&out), (len as u128, -7, 9), "{name}");
                assert_eq!(out[header_len..], buf[header_len..], "{name}");
            }
            if layout.len_width() == 4 {
                assert_eq!(with_cmsg_len(layout, &buf, field_max + 1), None, "{name}");
            }
        }
    }

    #[test]
    fn roundtrip_input_is_read_back_as_the_same_messages() {
        let lists = [
            vec![],
            vec![OwnedControlMessage::rights(&[])],
            vec![OwnedControlMessage::rights(&[0, -1, i32::MAX, i32::MIN])],
            // Rights, then 3 bytes of other data: a byte each for "more"
            // and the kind, fds and level and type and data, a length each.
            vec![OwnedControlMessage::rights(&[3]), other(41, 50, &[1, 2, 3])],
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
            assert_eq!(check::roundtrip_messages(&roundtrip_input(&msgs)), msgs);
        }
        let input =
            roundtrip_input(&[OwnedControlMessage::rights(&[3]), other(41, 50, &[1, 2, 3])]);
        assert_eq!(input.len(), 2 + 4 + 2 + 8 + 3 + 2);
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
