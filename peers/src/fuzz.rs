//! The peers' fuzz targets: `fuzz/fuzz_targets/peer_<slug>.rs`, each one
//! line over [`fuzz`]. `cargo xtask fuzz --targets peer_libc` fuzzes one,
//! `--targets peers` all of them.
//!
//! A peer with known findings would stop every run at the first input of a
//! rule it breaks, so the inputs that exercise a rule with a reproducer
//! under `corpus/conformance/<slug>/` (what the table already shows) are
//! skipped, unparsed ([`fuzz_skipping_rules`]): what a run finds is new.
//! A full `cargo xtask conformance` rewrites those reproducers, so a rule a
//! peer's maintainer fixed is fuzzed again after the table is.

use std::path::Path;
use std::sync::OnceLock;

use sockcmsg::conformance::{fuzz_skipping_rules, RULES};

use crate::{all, table, Peer};

/// The name of `slug`'s fuzz target: `peer_tokio_seqpacket`.
pub fn target(slug: &str) -> String {
    format!("peer_{}", slug.replace('-', "_"))
}

/// Whether `peer` has a fuzz target: it parses a buffer it is given (in
/// this process or, for Go, in a program it starts), and it is not
/// sockcmsg, whose own targets are `check`'s.
pub fn fuzzed(peer: &Peer) -> bool {
    peer.slug != "sockcmsg" && peer.implementation.parse(&[]).is_some()
}

/// The rules (their checks) the committed reproducers of `slug` show it
/// breaking.
pub fn known_rules(slug: &str) -> Vec<&'static str> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/conformance")
        .join(slug);
    let mut known: Vec<&'static str> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| table::reproducer_check(entry.file_name().to_str()?))
        .filter(|check| RULES.contains(check))
        .collect();
    known.sort_by_key(|rule| RULES.iter().position(|check| check == rule));
    known.dedup();
    known
}

/// The body of `slug`'s fuzz target: its parse of `data` against the
/// model, panicking with the finding on a deviation, but for inputs of
/// the rules it is known to break.
///
/// # Panics
///
/// On a deviation, and if there is no fuzzed peer `slug`.
pub fn fuzz(slug: &str, data: &[u8]) {
    static TARGET: OnceLock<(Peer, Vec<&'static str>)> = OnceLock::new();
    let (peer, known) = TARGET.get_or_init(|| {
        let peer = all()
            .into_iter()
            .find(|peer| peer.slug == slug && fuzzed(peer))
            .unwrap_or_else(|| panic!("no fuzzed peer {slug}"));
        let known = known_rules(slug);
        eprintln!("fuzzing {slug}, skipping inputs of the rules it is known to break: {known:?}");
        (peer, known)
    });
    assert_eq!(peer.slug, slug, "one fuzz target per process");
    fuzz_skipping_rules(&*peer.implementation, known, data);
}
