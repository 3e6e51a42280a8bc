//! Inputs shared by the benchmarks: the same mix of messages for the codec
//! and its libc baseline.

use sockcmsg::{OwnedControlMessage, Ucred};

/// The message counts every per-message benchmark runs at.
pub const COUNTS: [usize; 3] = [1, 16, 256];

/// `count` messages cycling through rights with 1 to 4 fds, credentials and
/// a message of an unknown type.
pub fn mixed_messages(count: usize) -> Vec<OwnedControlMessage> {
    (0..count)
        .map(|i| match i % 6 {
            fds @ 0..=3 => OwnedControlMessage::rights(&[3, 4, 5, 6][..=fds]),
            4 => OwnedControlMessage::credentials(Ucred {
                pid: 1,
                uid: 1000,
                gid: 1000,
            }),
            _ => OwnedControlMessage {
                level: 41,
                kind: 50,
                data: vec![7; 8],
            },
        })
        .collect()
}

/// A control buffer holding `mixed_messages(count)`, in u64 words so that
/// libc's macros may read it in place.
pub fn mixed_buffer(count: usize) -> Vec<u64> {
    let msgs = mixed_messages(count);
    let msgs: Vec<_> = msgs
        .iter()
        .map(OwnedControlMessage::as_control_message)
        .collect();
    encoded_words(&msgs)
}

/// `msgs` encoded, in u64 words so that libc's macros may read them in
/// place.
pub fn encoded_words(msgs: &[sockcmsg::ControlMessage<'_>]) -> Vec<u64> {
    let bytes = sockcmsg::encode(msgs).expect("encodes");
    let mut words = vec![0u64; bytes.len().div_ceil(8)];
    for (word, chunk) in words.iter_mut().zip(bytes.chunks(8)) {
        let mut raw = [0; 8];
        raw[..chunk.len()].copy_from_slice(chunk);
        *word = u64::from_ne_bytes(raw);
    }
    words
}

/// The bytes of a word buffer.
pub fn as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: u8 has no alignment or validity requirement, and the slice
    // covers exactly the words' bytes.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast(), words.len() * 8) }
}

/// The bytes of a word buffer, to write into.
pub fn as_bytes_mut(words: &mut [u64]) -> &mut [u8] {
    // SAFETY: as for `as_bytes`; any bytes written are a valid u64.
    unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast(), words.len() * 8) }
}

/// The bytes of fds in memory: an `SCM_RIGHTS` payload of the host.
pub fn fd_bytes(fds: &[i32]) -> &[u8] {
    // SAFETY: u8 has no alignment or validity requirement, and the slice
    // covers exactly the fds' bytes.
    unsafe { std::slice::from_raw_parts(fds.as_ptr().cast(), std::mem::size_of_val(fds)) }
}

/// A msghdr whose control data is `words`.
pub fn msghdr_for(words: &mut [u64]) -> libc::msghdr {
    // SAFETY: msghdr is a plain C struct for which all zeroes is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_control = words.as_mut_ptr().cast();
    msg.msg_controllen = (words.len() * 8) as _;
    msg
}
