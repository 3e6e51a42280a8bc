//! The `libc` crate with `patches/libc-0.2.191-cmsg-nxthdr-overflow.patch`
//! (`docs/findings/libc-cmsg-nxthdr-overflow.md`): `CMSG_NXTHDR` ends the
//! walk at a `cmsg_len` within 7 of `usize::MAX` instead of overflowing
//! `CMSG_ALIGN`, and the `libc` row of the conformance table, run on the
//! same inputs as the table, keeps its other class of findings and gains
//! none.

use std::mem;
use std::path::{Path, PathBuf};
use std::time::Duration;

use libc::{c_void, cmsghdr, msghdr};
use sockcmsg::conformance::{Isolation, Report, Runner};
use sockcmsg::model::Model;
use sockcmsg::Layout;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `libc` peer (the `libc` crate's macros, `c_walk`'s walk) through
/// the runner, each case in a child process, with Go's vectors and the
/// `corpus` folders or files; `only` its checks, if given.
fn libc_row(corpus: &[PathBuf], only: Option<&str>) -> Report {
    let peer = sockcmsg_peers::all()
        .into_iter()
        .find(|peer| peer.slug == "libc")
        .expect("the libc peer");
    let mut runner = Runner::new(&*peer.implementation)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(2),
        })
        .go_vectors(include_str!(
            "../../../tests/data/go1.19-syscall-linux-amd64.tsv"
        ));
    for path in corpus {
        runner = runner.corpus(path);
    }
    if let Some(check) = only {
        runner = runner.only([check]);
    }
    runner.run()
}

/// Whether a finding is the class the fix leaves: a header the macros hand
/// out whose data, read up to its `cmsg_len`, lies outside the buffer (C's
/// macros share it; the caller must check `cmsg_len`).
fn reads_outside(answer: &str) -> bool {
    answer.starts_with("panicked: the header at offset") && answer.contains("reads outside the")
}

/// The test the report proposes for libc's `libc-test/tests/cmsg.rs`, in
/// its style, run on the patched crate.
#[test]
fn test_cmsg_nxthdr_len_near_usize_max() {
    #[repr(align(8))]
    struct Align8<T>(T);

    let mut buffer = Align8([0_u8; 64]);
    let pcmsghdr = buffer.0.as_mut_ptr().cast::<cmsghdr>();
    let mut mhdr: msghdr = unsafe { mem::zeroed() };
    mhdr.msg_control = pcmsghdr.cast::<c_void>();
    mhdr.msg_controllen = 64 as _;
    for below_max in 0..mem::size_of::<usize>() {
        unsafe {
            (*pcmsghdr).cmsg_len = (usize::MAX - below_max) as _;
            assert!(
                libc::CMSG_NXTHDR(&mhdr, pcmsghdr).is_null(),
                "cmsg_len: usize::MAX - {below_max}"
            );
        }
    }
}

#[test]
fn the_libc_row_keeps_one_class_of_findings_and_gains_none() {
    // The table's corpora, and the row's saved findings.
    let mut folders = sockcmsg_peers::corpora::table_corpora(&root()).unwrap();
    folders.push(root().join("corpus/conformance/libc"));
    let report = libc_row(&folders, None);
    assert!(
        report
            .findings
            .iter()
            .any(|finding| finding.check == "hostile lengths"),
        "the C macros' class stays: {report}"
    );
    for finding in &report.findings {
        assert!(reads_outside(&finding.implementation), "{report}");
    }
    // The input of the report: a header with cmsg_len usize::MAX - 7 and
    // 24 zero bytes, which aborted the walk; now its data read is reported
    // as outside the buffer, as for any other length past it.
    let model = Model::new(Layout::HOST);
    let mut input = model.header(u128::from(u64::MAX) - 7, 1, 1);
    input.resize(40, 0);
    let file = std::env::temp_dir().join(format!("sockcmsg-fixed-libc-{}", std::process::id()));
    std::fs::write(&file, &input).unwrap();
    let report = libc_row(std::slice::from_ref(&file), Some("corpus"));
    std::fs::remove_file(&file).unwrap();
    let found: Vec<_> = report.findings_of("corpus").collect();
    assert_eq!(found.len(), 1, "{report}");
    assert!(reads_outside(&found[0].implementation), "{report}");
}
