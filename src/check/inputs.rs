//! The input formats that the targets read: the byte that picks a layout,
//! and messages in `arbitrary`'s format.
//!
//! Their inverses, which build inputs for seeds, are xtask's
//! (`xtask/src/inputs.rs`): only `cargo xtask seeds` builds inputs, and its
//! tests read them back with these functions.

use arbitrary::{Arbitrary, Unstructured};

use crate::{Layout, OwnedControlMessage};

/// The layout and the messages that [`roundtrip_any_layout`](super::roundtrip_any_layout) encodes for
/// `bytes`: the first byte picks one of [`Layout::ALL`] ([`pick_layout`]),
/// the rest makes messages as for [`roundtrip`](super::roundtrip) ([`roundtrip_messages`]),
/// and each rights message is made the picked layout's (its `SOL_SOCKET`
/// and `SCM_RIGHTS`), so that the typed checks see each layout's values.
///
/// ```
/// use sockcmsg::{check, Layout};
/// let illumos = Layout::ALL.iter().position(|layout| *layout == Layout::ILLUMOS).unwrap();
/// // The byte that picks illumos, then one rights message holding the fd 3
/// // (see roundtrip_messages).
/// let input = [illumos as u8, 1, 0, 3, 0, 0, 0, 4];
/// let (layout, msgs) = check::any_layout_messages(&input);
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

/// What the [`uring`](fn@super::uring) target reads from `bytes`: the layout
/// the first byte picks ([`pick_layout`]), the name and control region
/// sizes (the next two bytes, each up to 255; 0 when missing), and the
/// completion buffer (the rest).
///
/// ```
/// use sockcmsg::{check, Layout};
/// assert_eq!(check::uring_input(&[0, 16, 24, 9]), (Layout::ALL[0], 16, 24, &[9][..]));
/// assert_eq!(check::uring_input(&[0, 16]), (Layout::ALL[0], 16, 0, &[][..]));
/// ```
pub fn uring_input(bytes: &[u8]) -> (Layout, u32, u32, &[u8]) {
    let (layout, rest) = pick_layout(bytes);
    let (name_len, rest) = rest.split_first().map_or((0, rest), |(&n, rest)| (n, rest));
    let (control_len, buf) = rest.split_first().map_or((0, rest), |(&n, rest)| (n, rest));
    (layout, name_len.into(), control_len.into(), buf)
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

/// The layout and the messages that [`typed`](fn@super::typed) encodes for
/// `bytes`: the first byte picks a layout ([`pick_layout`]), then each
/// record is a byte that picks a level and type among the layout's typed
/// messages (Linux's on a layout without them, which must leave them
/// untyped), a length byte, and that many bytes of data (what is left, at
/// the end).
///
/// ```
/// use sockcmsg::{check, Layout};
/// let linux = Layout::ALL.iter().position(|layout| *layout == Layout::LINUX_64).unwrap();
/// // Linux's first typed message (IP_TOS) with one byte of data.
/// let (layout, msgs) = check::typed_messages(&[linux as u8, 0, 1, 2]);
/// assert_eq!(layout, Layout::LINUX_64);
/// assert_eq!((msgs[0].level, msgs[0].kind, &msgs[0].data[..]), (0, 1, &[2][..]));
/// ```
pub fn typed_messages(bytes: &[u8]) -> (Layout, Vec<OwnedControlMessage>) {
    let (layout, mut rest) = pick_layout(bytes);
    let mut table: Vec<_> = layout.typed_table().entries().collect();
    if table.is_empty() {
        table = Layout::LINUX_64.typed_table().entries().collect();
    }
    let mut msgs = Vec::new();
    while let [pick, len, after @ ..] = rest {
        let index = usize::from(*pick)
            .checked_rem(table.len())
            .unwrap_or_default();
        let (data, next) = after.split_at(usize::from(*len).min(after.len()));
        if let Some(entry) = table.get(index) {
            msgs.push(OwnedControlMessage {
                level: entry.level,
                kind: entry.number,
                data: data.to_vec(),
            });
        }
        rest = next;
    }
    (layout, msgs)
}
