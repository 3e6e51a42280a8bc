//! `cargo xtask fixed`: the peers built with the fixes of `docs/findings/`
//! and the runner's checks on them. Each fix is a patch to a crate's
//! published source (`peers/fixed/patches/<crate>-<version>-<what>.patch`):
//! it is applied to a fresh copy of the source cargo downloaded for the
//! workspace's lock file, under `peers/fixed/patched/<crate>-<version>/`,
//! which `peers/fixed/Cargo.toml` puts in place of the crate with cargo's
//! `[patch]`; then `cargo test` in `peers/fixed` runs the checks.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::fuzz::run_checked;
use crate::{cargo_metadata, root, target_dir};

/// Each fix: the crate, its version (the lock file's), and its patch.
const FIXES: [(&str, &str, &str); 1] =
    [("libc", "0.2.191", "libc-0.2.191-cmsg-nxthdr-overflow.patch")];

/// `cargo xtask fixed`.
pub(crate) fn fixed() -> Result<(), String> {
    let metadata = cargo_metadata(&["--locked"])?;
    let fixed = root().join("peers/fixed");
    for (name, version, patch) in FIXES {
        let source = metadata["packages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|package| package["name"] == name && package["version"] == version)
            .and_then(|package| package["manifest_path"].as_str())
            .and_then(|manifest| Path::new(manifest).parent())
            .ok_or_else(|| format!("{name} {version} is not in the lock file"))?
            .to_path_buf();
        let copy = fixed.join("patched").join(format!("{name}-{version}"));
        if copy.exists() {
            fs::remove_dir_all(&copy).map_err(|err| format!("{}: {err}", copy.display()))?;
        }
        copy_tree(&source, &copy)?;
        println!("xtask: {patch} applied to a copy of {}", source.display());
        run_checked(
            Command::new("patch")
                .args(["--quiet", "--forward", "-p1", "--directory"])
                .arg(&copy)
                .arg("--input")
                .arg(fixed.join("patches").join(patch)),
            &format!("patch {patch}"),
        )?;
    }
    run_checked(
        Command::new("cargo")
            .current_dir(&fixed)
            .args(["test", "--locked"])
            .env("CARGO_TARGET_DIR", target_dir()?.join("fixed")),
        "cargo test in peers/fixed",
    )
}

/// Copies the folder `from` to `to`, files and folders (a crate's source
/// has no links).
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|err| format!("{}: {err}", to.display()))?;
    let entries = fs::read_dir(from).map_err(|err| format!("{}: {err}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|err| format!("{}: {err}", from.display()))?;
        let (path, target) = (entry.path(), to.join(entry.file_name()));
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            fs::copy(&path, &target).map_err(|err| format!("{}: {err}", path.display()))?;
        }
    }
    Ok(())
}
