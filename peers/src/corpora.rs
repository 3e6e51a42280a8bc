//! The corpora every row of the conformance table runs: `corpus/parse`,
//! `corpus/libc_walk` and `corpus/kernel`, then what the peers' fuzz
//! targets kept (and found), `corpus/peer_*`: every peer gets every
//! peer's. Shared by the table (`cli.rs`), `peers/fixed`'s tests and, as
//! a file (`#[path]`), `peers/miri`'s `asan-forged`.

use std::path::{Path, PathBuf};

/// The folders, under the project's `root`.
pub fn table_corpora(root: &Path) -> Result<Vec<PathBuf>, String> {
    let corpus = root.join("corpus");
    let mut peers: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .map_err(|err| format!("{}: {err}", corpus.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_dir()
                && path
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with("peer_"))
        })
        .collect();
    peers.sort();
    let mut folders: Vec<PathBuf> = ["parse", "libc_walk", "kernel"]
        .iter()
        .map(|name| corpus.join(name))
        .collect();
    folders.extend(peers);
    Ok(folders)
}
