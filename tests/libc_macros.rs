//! The codec against the C library's CMSG_* macros (as the `libc` crate
//! defines them for the host): the size functions for every length up to a
//! page, and the walk over well-formed buffers.
//!
//! The C library's walk is compared with the model's dialect of it: on
//! musl `Dialect::Musl`, whose `CMSG_NXTHDR` does not visit a last message
//! that is a bare header ending exactly at the end (unless it is the
//! first); on glibc `Dialect::Glibc`, which on these padded buffers both
//! glibc versions follow. The codec's walk is compared with the model's own
//! (Go's rules), which on glibc is the same.

use proptest::prelude::*;
use sockcmsg::model::dialect::{Answer, Dialect};
use sockcmsg::model::{Message, Model};
use sockcmsg::{cmsg_len, cmsg_space, messages, ControlMessage, Layout};

#[test]
fn sizes_match_libc_up_to_4096() {
    for data_len in 0..=4096u32 {
        // SAFETY: CMSG_LEN and CMSG_SPACE are pure arithmetic.
        let (len, space) = unsafe { (libc::CMSG_LEN(data_len), libc::CMSG_SPACE(data_len)) };
        let n = data_len as usize;
        assert_eq!(cmsg_len(n), len as usize, "CMSG_LEN({data_len})");
        assert_eq!(cmsg_space(n), space as usize, "CMSG_SPACE({data_len})");
    }
}

/// One message as each walk reports it: where its data starts in the
/// buffer, `cmsg_len`, level, type, data.
type Seen = (usize, usize, i32, i32, Vec<u8>);

/// Walks `buf` with `CMSG_FIRSTHDR`/`CMSG_NXTHDR` over an aligned copy.
fn libc_walk(buf: &[u8]) -> Vec<Seen> {
    // u64 storage gives the alignment `struct cmsghdr` needs.
    let mut storage = vec![0u64; buf.len().div_ceil(8)];
    let base = storage.as_mut_ptr().cast::<u8>();
    // SAFETY: `storage` has at least `buf.len()` bytes.
    unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), base, buf.len()) };
    // SAFETY: msghdr is plain data; all-zero is a valid value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_control = base.cast();
    // The buffers here are small: the cast (to musl's 32-bit socklen_t)
    // cannot narrow them.
    msg.msg_controllen = buf.len() as _;
    let mut seen = Vec::new();
    // SAFETY: `msg` describes `storage`, which outlives the walk; the caller
    // passes only well-formed buffers, on which the macros stay in bounds.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let data_at = libc::CMSG_DATA(cmsg).offset_from(base) as usize;
            let len = (*cmsg).cmsg_len as usize;
            let data_offset = libc::CMSG_DATA(cmsg).offset_from(cmsg.cast::<u8>()) as usize;
            let data = std::slice::from_raw_parts(libc::CMSG_DATA(cmsg), len - data_offset);
            seen.push((
                data_at,
                len,
                (*cmsg).cmsg_level,
                (*cmsg).cmsg_type,
                data.to_vec(),
            ));
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    seen
}

fn codec_walk(buf: &[u8]) -> Vec<Seen> {
    messages(buf)
        .map(|msg| {
            let msg = msg.expect("a well-formed buffer parses");
            (
                msg.data.as_ptr() as usize - buf.as_ptr() as usize,
                msg.header.len,
                msg.header.level,
                msg.header.kind,
                msg.data.to_vec(),
            )
        })
        .collect()
}

proptest! {
    #[test]
    fn walk_matches_libc_on_well_formed_buffers(
        specs in prop::collection::vec((any::<i32>(), any::<i32>(), prop::collection::vec(any::<u8>(), 0..64)), 0..12)
    ) {
        let msgs: Vec<ControlMessage<'_>> = specs
            .iter()
            .map(|(level, kind, data)| ControlMessage::Other { level: *level, kind: *kind, data })
            .collect();
        let buf = sockcmsg::encode(&msgs).expect("encodes");
        let codec = codec_walk(&buf);
        prop_assert_eq!(codec.len(), msgs.len());
        prop_assert_eq!(codec, model_walk(&buf));
        prop_assert_eq!(libc_walk(&buf), c_library_model_walk(&buf));
    }
}

/// What the model's dialect of the host's C library visits in `buf`.
fn c_library_model_walk(buf: &[u8]) -> Vec<Seen> {
    let dialect = if cfg!(target_env = "musl") {
        Dialect::Musl
    } else {
        Dialect::Glibc
    };
    let Answer::Messages(messages) = dialect.walk(&Model::new(Layout::HOST), buf) else {
        panic!("an encoded buffer is accepted: {buf:02x?}");
    };
    seen(buf, &messages)
}

/// What the model's walk, whose rules the codec follows, visits in `buf`.
fn model_walk(buf: &[u8]) -> Vec<Seen> {
    let walk = Model::new(Layout::HOST).walk(buf);
    assert_eq!(walk.rejection, None, "an encoded buffer is accepted");
    seen(buf, &walk.messages)
}

fn seen(buf: &[u8], messages: &[Message]) -> Vec<Seen> {
    messages
        .iter()
        .map(|msg| {
            (
                msg.data_at as usize,
                msg.len as usize,
                msg.level,
                msg.kind,
                msg.data(buf).to_vec(),
            )
        })
        .collect()
}

#[test]
fn a_final_bare_header_is_visited_except_by_musl() {
    let mut buf = sockcmsg::unix_rights(&[3]).unwrap();
    buf.extend(sockcmsg::unix_rights(&[]).unwrap());
    let visited = if cfg!(target_env = "musl") { 1 } else { 2 };
    assert_eq!(codec_walk(&buf).len(), 2);
    assert_eq!(codec_walk(&buf), model_walk(&buf));
    assert_eq!(libc_walk(&buf).len(), visited);
    assert_eq!(libc_walk(&buf), c_library_model_walk(&buf));
}
