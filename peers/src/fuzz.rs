//! The peers' fuzz targets: `fuzz/fuzz_targets/peer_<slug>.rs`, each
//! [`init`] and [`fuzz`]. `cargo xtask fuzz --targets peer_libc` fuzzes one,
//! `--targets peers` all of them.
//!
//! A peer with known findings would stop every run at the first input of a
//! rule it breaks, so the inputs that exercise a rule with a reproducer
//! under `corpus/conformance/<slug>/` (what the table already shows) are
//! skipped, unparsed ([`fuzz_skipping_rules`]): what a run finds is new.
//! A typed decoder's findings are of checks, not rules: its target skips
//! the rules of the typed probes it fails and those its typed reproducers
//! stand for ([`known_typed_rules`], [`fuzz_typed_skipping_rules`]).
//! A full `cargo xtask conformance` rewrites those reproducers, so a rule a
//! peer's maintainer fixed is fuzzed again after the table is.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use sockcmsg::conformance::{
    fuzz_skipping_rules, fuzz_typed_skipping_rules, typed_finding_rules, Isolation, Runner, RULES,
    TYPED_CHECKS,
};
use sockcmsg::model::Model;
use sockcmsg::Layout;

use crate::{all, table, Peer};

/// The name of `slug`'s fuzz target: `peer_tokio_seqpacket`.
pub fn target(slug: &str) -> String {
    format!("peer_{}", slug.replace('-', "_"))
}

/// Whether `peer` has a fuzz target: it parses a buffer it is given, or
/// decodes its typed messages (in this process or, for Go, in a program it
/// starts), and it is not sockcmsg, whose own targets are `check`'s.
pub fn fuzzed(peer: &Peer) -> bool {
    peer.slug != "sockcmsg"
        && (peer.implementation.parse(&[]).is_some()
            || peer.implementation.parse_typed(&[]).is_some())
}

/// The committed reproducers of `slug`'s findings: each file's name and
/// bytes.
fn reproducers(slug: &str) -> Vec<(String, Vec<u8>)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/conformance")
        .join(slug);
    std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            Some((name, std::fs::read(entry.path()).ok()?))
        })
        .collect()
}

/// The rules (their checks) the committed reproducers of `slug` show it
/// breaking.
pub fn known_rules(slug: &str) -> Vec<&'static str> {
    let mut known: Vec<&'static str> = reproducers(slug)
        .iter()
        .filter_map(|(name, _)| table::reproducer_check(name))
        .filter(|check| RULES.contains(check))
        .collect();
    known.sort_by_key(|rule| RULES.iter().position(|check| check == rule));
    known.dedup();
    known
}

/// The rules `peer`'s typed decode is known to break: those its findings
/// on the `typed probes` (run here, each case in a child process) and its
/// committed typed reproducers (the corpus's and the kernel's, and what
/// its fuzz target found) stand for ([`typed_finding_rules`]), on the
/// host's layout.
pub fn known_typed_rules(peer: &Peer) -> Vec<&'static str> {
    let model = Model::new(Layout::HOST);
    let probes = Runner::new(&*peer.implementation)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(2),
        })
        .only(["typed probes"])
        .run();
    let reproducers = reproducers(peer.slug);
    let typed_reproducers = reproducers
        .iter()
        .filter(|(name, _)| {
            table::reproducer_check(name).is_some_and(|check| TYPED_CHECKS.contains(&check))
        })
        .map(|(_, bytes)| bytes.as_slice());
    let mut known: Vec<&'static str> = probes
        .findings
        .iter()
        .map(|finding| finding.input.as_slice())
        .chain(typed_reproducers)
        .flat_map(|bytes| typed_finding_rules(&model, bytes))
        .collect();
    known.sort_unstable();
    known.dedup();
    known
}

/// A fuzzed peer and what its target skips.
struct Target {
    peer: Peer,
    /// The rules to skip in its parse, `None` if it does not parse.
    known: Option<Vec<&'static str>>,
    /// The same for its typed decode.
    known_typed: Option<Vec<&'static str>>,
}

/// The process's one fuzzed peer, `slug`, found and its known rules read
/// (running its typed probes) the first time.
fn fuzzed_target(slug: &str) -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    let target = TARGET.get_or_init(|| {
        let peer = all()
            .into_iter()
            .find(|peer| peer.slug == slug && fuzzed(peer))
            .unwrap_or_else(|| panic!("no fuzzed peer {slug}"));
        let implementation = &peer.implementation;
        let known = implementation.parse(&[]).map(|_| known_rules(slug));
        let known_typed = implementation
            .parse_typed(&[])
            .map(|_| known_typed_rules(&peer));
        for (what, known) in [("parse", &known), ("typed decode", &known_typed)] {
            if let Some(known) = known {
                eprintln!(
                    "fuzzing {slug}'s {what}, skipping inputs of the rules it is known to \
                     break: {known:?}"
                );
            }
        }
        Target {
            peer,
            known,
            known_typed,
        }
    });
    assert_eq!(target.peer.slug, slug, "one fuzz target per process");
    target
}

/// The set-up of `slug`'s fuzz target, before libFuzzer runs an input (and
/// times it): the peer found, and its known rules read, which for a typed
/// decoder runs its typed probes, a child process each.
///
/// # Panics
///
/// If there is no fuzzed peer `slug`.
pub fn init(slug: &str) {
    fuzzed_target(slug);
}

/// The body of `slug`'s fuzz target: its parse of `data` against the
/// model, and its decode of the typed messages in `data` against the
/// model's, each panicking with the finding on a deviation, but for inputs
/// of the rules it is known to break.
///
/// # Panics
///
/// On a deviation, and if there is no fuzzed peer `slug`.
pub fn fuzz(slug: &str, data: &[u8]) {
    let target = fuzzed_target(slug);
    let implementation = &*target.peer.implementation;
    if let Some(known) = &target.known {
        fuzz_skipping_rules(implementation, known, data);
    }
    if let Some(known) = &target.known_typed {
        fuzz_typed_skipping_rules(implementation, known, data);
    }
}
