//! The `uring` target's invariant: an io_uring completion split by the
//! codec as the model splits it.

use crate::model::{Model, Rejection};
use crate::Layout;

use super::invariants::parse_in;

/// `buf` as a completion of a submission with `name_len` bytes of name
/// and `control_len` of control: [`Layout::parse_recvmsg_out`] gives
/// [`Model::uring_parse`]'s parts (the same ranges of `buf`, the same
/// header numbers and truncations) or its rejection; the control bytes
/// then get every check of `parse`.
pub(super) fn completion_in(layout: Layout, name_len: u32, control_len: u32, buf: &[u8]) {
    let model = Model::new(layout).uring_parse(buf, name_len.into(), control_len.into());
    match (layout.parse_recvmsg_out(buf, name_len, control_len), model) {
        (Ok(out), Ok(parts)) => {
            let range = |part: &[u8]| {
                let at = (part.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
                at..at.wrapping_add(part.len())
            };
            let got = (range(out.name), range(out.control), range(out.payload));
            let expected = (parts.name, parts.control, parts.payload);
            assert_eq!(got, expected, "name, control and payload ranges");
            let numbers = (out.name_len.into(), out.payload_len.into(), out.flags);
            assert_eq!(
                numbers,
                (parts.namelen, parts.payloadlen, parts.flags),
                "header"
            );
            let truncated = (
                out.name_truncated(),
                out.control_truncated(),
                out.payload_truncated(),
            );
            let expected = (
                parts.name_truncated,
                parts.control_truncated,
                parts.payload_truncated,
            );
            assert_eq!(truncated, expected, "name, control and payload truncation");
            let _ = parse_in(layout, out.control);
        }
        (Err(err), Err(rejection)) => {
            assert_eq!(Rejection::of_error(err), Some(rejection), "the rejection");
        }
        (codec, model) => panic!("codec {codec:?}, model {model:?}"),
    }
}
