//! io_uring multishot recvmsg completions: the codec's parser
//! (`Layout::parse_recvmsg_out`) against the model (`Model::uring_parse`)
//! on any bytes and region sizes, through the `uring` fuzz target's check
//! (`check::uring`), and on the buffers the model says the kernel writes
//! (`Model::uring_receive`, `uring_buffer`), on every layout.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use sockcmsg::check;
use sockcmsg::model::{Model, UringDatagram, UringSubmission};
use sockcmsg::uring::RecvmsgOut;
use sockcmsg::Layout;

/// The `uring` fuzz target's check on `buf` as a completion of the regions
/// on `layout`: the codec's parts or rejection against the model's.
fn agrees(layout: Layout, buf: &[u8], name_len: u8, control_len: u8) {
    let index = Layout::ALL
        .iter()
        .position(|known| *known == layout)
        .unwrap();
    let mut input = vec![index as u8, name_len, control_len];
    input.extend(buf);
    check::uring(&input);
}

/// A header of small numbers in `layout`'s byte order, so that the
/// lengths land inside the buffer as often as past it.
fn header(layout: Layout) -> impl Strategy<Value = Vec<u8>> {
    (
        0u32..80,
        0u32..80,
        0u32..80,
        select(vec![0u32, 0x8, 0x20, 0x28, 0x4000_0000]),
    )
        .prop_map(move |(namelen, controllen, payloadlen, flags)| {
            let bytes = |n: u32| {
                if layout.is_big_endian() {
                    n.to_be_bytes()
                } else {
                    n.to_le_bytes()
                }
            };
            [namelen, controllen, payloadlen, flags]
                .into_iter()
                .flat_map(bytes)
                .collect()
        })
}

proptest! {
    #[test]
    fn any_bytes_split_as_the_model_splits_them(
        layout in select(Layout::ALL.to_vec()),
        bytes in vec(any::<u8>(), 0..160),
        name_len in 0u8..48,
        control_len in 0u8..64,
    ) {
        agrees(layout, &bytes, name_len, control_len);
    }

    #[test]
    fn headers_of_small_numbers_split_as_the_model_splits_them(
        (layout, head) in select(Layout::ALL.to_vec()).prop_flat_map(|layout| (Just(layout), header(layout))),
        rest in vec(any::<u8>(), 0..160),
        name_len in 0u8..48,
        control_len in 0u8..64,
    ) {
        let buf: Vec<u8> = head.into_iter().chain(rest).collect();
        agrees(layout, &buf, name_len, control_len);
    }

    /// What the kernel writes for a datagram with fds (and credentials),
    /// into any buffer with room for the regions: the parser hands back
    /// the name, control bytes and payload that were written, and the
    /// control bytes walk to the fds the kernel installed.
    #[test]
    fn a_written_completion_parses_back_into_what_was_written(
        name_len in 0u32..40,
        control_len in 0u32..80,
        extra in 0u32..64,
        msg_trunc: bool,
        sender in vec(any::<u8>(), 0..40),
        payload in vec(any::<u8>(), 0..64),
        fds in 0u128..6,
    ) {
        let layout = Layout::LINUX_64;
        let model = Model::new(layout);
        let submission = UringSubmission {
            name_len: name_len.into(),
            control_len: control_len.into(),
            buffer_len: u128::from(16 + name_len + control_len + extra),
            msg_trunc,
        };
        let datagram = UringDatagram {
            name_len: sender.len() as u128,
            payload_len: payload.len() as u128,
            credentials: false,
            fds,
        };
        let done = model.uring_receive(submission, datagram, u128::MAX).unwrap();
        let installed: Vec<i32> = (0..done.control.fds_installed as i32).map(|fd| 100 + fd).collect();
        let control = if installed.is_empty() {
            Vec::new()
        } else {
            // One message, its last padding cut to what the kernel wrote.
            let mut control = model.encode([(1, 1, &model.fd_bytes(&installed)[..])]);
            control.truncate(done.controllen as usize);
            control
        };
        prop_assert_eq!(control.len() as u128, done.controllen);
        let buf = model.uring_buffer(&done, (name_len.into(), control_len.into()), &sender, &control, &payload);
        prop_assert_eq!(buf.len() as u128, done.res);
        let out: RecvmsgOut<'_> = layout.parse_recvmsg_out(&buf, name_len, control_len).unwrap();
        prop_assert_eq!(out.name, &sender[..sender.len().min(name_len as usize)]);
        prop_assert_eq!(out.name_truncated(), sender.len() > name_len as usize);
        prop_assert_eq!(out.control, &control[..]);
        prop_assert_eq!(out.control_truncated(), fds > done.control.fds_installed);
        prop_assert_eq!(out.payload, &payload[..done.payload_copied as usize]);
        prop_assert_eq!(out.payload_truncated(), done.payload_copied < payload.len() as u128);
        let walked: Vec<i32> = out
            .messages()
            .flat_map(|msg| layout.parse_unix_rights(&msg.unwrap()).unwrap())
            .collect();
        prop_assert_eq!(walked, installed);
    }
}

#[test]
fn what_the_kernel_never_writes_is_an_error() {
    let layout = Layout::LINUX_64;
    let err = layout.parse_recvmsg_out(&[0; 30], 8, 8).unwrap_err();
    assert_eq!(
        err.to_string(),
        "io_uring completion of 30 bytes is shorter than its header and regions (32 bytes)"
    );
    let mut buf = [0u8; 48];
    buf[4] = 17;
    let err = layout.parse_recvmsg_out(&buf, 8, 16).unwrap_err();
    assert_eq!(
        err.to_string(),
        "io_uring completion has controllen 17, past its 16-byte control region"
    );
    // Regions as large as a u32 allows: an error, not an overflow.
    let err = layout
        .parse_recvmsg_out(&buf, u32::MAX, u32::MAX)
        .unwrap_err();
    assert!(
        matches!(err, sockcmsg::Error::CompletionTooShort { needed, .. } if needed == 2 * u64::from(u32::MAX) + 16)
    );
}
