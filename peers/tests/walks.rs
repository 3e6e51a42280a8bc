//! Each peer's walk (what the speed column times) reads what its parse
//! reads: the same fds and credentials from the same buffer.

use sockcmsg::model::Model;
use sockcmsg::Layout;

#[test]
fn every_walk_reads_every_fd_and_credential() {
    let model = Model::new(Layout::HOST);
    let (sol, rights, credentials) = (libc::SOL_SOCKET, libc::SCM_RIGHTS, libc::SCM_CREDENTIALS);
    let bytes = model.encode([
        (sol, rights, &model.fd_bytes(&[3, 4])[..]),
        (sol, credentials, &model.ucred_bytes(7, 1000, 1000)[..]),
        (41, 50, &[9; 8][..]),
        (sol, rights, &model.fd_bytes(&[5])[..]),
    ]);
    let mut walked = Vec::new();
    for peer in sockcmsg_peers::all() {
        let Some(walk) = peer.walk else {
            continue;
        };
        // Words, so that the bytes are aligned for `cmsghdr`.
        let mut words = vec![0u64; bytes.len() / 8];
        // SAFETY: u8 has no alignment or validity requirement, and the
        // slice covers exactly the words' bytes.
        let buf =
            unsafe { std::slice::from_raw_parts_mut(words.as_mut_ptr().cast::<u8>(), bytes.len()) };
        buf.copy_from_slice(&bytes);
        // SAFETY: well-formed messages, aligned; fds 3, 4 and 5 are only
        // read.
        assert_eq!(unsafe { walk(buf) }, 3 + 4 + 7 + 5, "{}", peer.slug);
        walked.push(peer.slug);
    }
    assert!(walked.len() >= 5, "{walked:?}");
}
