//! Replays the committed fuzz corpus: every file under `corpus/<target>/`
//! goes through the same `sockcmsg::check` function that the fuzz target
//! `<target>` calls, on stable Rust, as part of `cargo test`. Seeds,
//! merged fuzzer finds and every input that ever made a target fail
//! (`regression-*`) are all replayed.

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

use sockcmsg::check::TARGETS;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files in `dir`, sorted, so that failures are reported in a stable
/// order.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_passes_its_target_check() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for (name, check) in TARGETS {
        let dir = root().join("corpus").join(name);
        let files = files_in(&dir);
        assert!(
            !files.is_empty(),
            "{} is empty: run `cargo xtask seeds`",
            dir.display()
        );
        for file in files {
            let bytes = fs::read(&file).expect("a corpus file");
            if panic::catch_unwind(|| check(&bytes)).is_err() {
                failures.push(file.display().to_string());
            }
            replayed += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {replayed} corpus files fail (the panic messages are above); reproduce one with \
         `cargo fuzz run <target> <file>`:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_corpus_folder_and_fuzz_target_has_a_check() {
    let known = |name: &str| TARGETS.iter().any(|(target, _)| *target == name);
    for entry in fs::read_dir(root().join("corpus")).expect("corpus/") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap();
        // corpus/conformance/<peer>/ and corpus/peer_<slug>/: the peers'
        // findings and fuzz targets' corpora, which peers/tests replays
        // through their adapters.
        if path.is_dir() && name != "conformance" && !name.starts_with("peer_") {
            assert!(known(name), "corpus/{name} is no target in check::TARGETS");
        }
    }
    for entry in fs::read_dir(root().join("fuzz/fuzz_targets")).expect("fuzz/fuzz_targets/") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_stem().and_then(|name| name.to_str()).unwrap();
        // The peers' targets: peers/tests/fuzz_targets.rs checks them.
        assert!(
            known(name) || name.starts_with("peer_"),
            "fuzz target {name} is not in check::TARGETS, so its corpus is not replayed"
        );
    }
}
