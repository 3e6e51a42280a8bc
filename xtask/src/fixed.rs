//! `cargo xtask fixed`: the peers built with the fixes of `docs/findings/`,
//! and the runner on them. Each fix is a patch to a crate's published
//! source (`peers/fixed/patches/<crate>-<version>-<what>.patch`): it is
//! applied to a fresh copy of the source cargo downloaded for the
//! workspace's lock file, under `peers/fixed/patched/<crate>-<version>/`,
//! which `peers/fixed/Cargo.toml` puts in place of the crate with cargo's
//! `[patch]`. Then:
//!
//! - the peers' `conformance` program runs on each fixed peer twice, as
//!   published and as fixed (every check but `properties`, whose shrunk
//!   input depends on the answers), and every input that is a finding of
//!   the fixed build must have been one of the published build's, in some
//!   check: a fix adds no finding (an input may move between checks: a
//!   receive that aborted, an `fds` finding, may now hand back fds that the
//!   `cloexec` check finds open across `exec`, as the peer's other receives
//!   are);
//! - `cargo test` in `peers/fixed` checks that the finding each fix is for
//!   is gone, with the test its report proposes.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::fuzz::run_checked;
use crate::{cargo_metadata, root, target_dir};

/// Each fix: the crate, its version (the lock file's), its patch, and the
/// peer whose findings it is for.
const FIXES: [(&str, &str, &str, &str); 3] = [
    (
        "libc",
        "0.2.191",
        "libc-0.2.191-cmsg-nxthdr-overflow.patch",
        "libc",
    ),
    (
        "linux-raw-sys",
        "0.12.1",
        "linux-raw-sys-0.12.1-cmsg-nxthdr-unpadded-last.patch",
        "rustix",
    ),
    (
        "rustix",
        "1.1.6",
        "rustix-1.1.6-drain-advances-past-padding.patch",
        "rustix",
    ),
];

/// `cargo xtask fixed`.
pub(crate) fn fixed() -> Result<(), String> {
    let metadata = cargo_metadata(&["--locked"])?;
    let fixed = root().join("peers/fixed");
    for (name, version, patch, _) in FIXES {
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
    let mut peers: Vec<&str> = FIXES.iter().map(|fix| fix.3).collect();
    peers.dedup();
    let out = target_dir()?.join("fixed");
    fs::create_dir_all(&out).map_err(|err| format!("{}: {err}", out.display()))?;
    let published = findings(&peers, None, &out.join("published.tsv"))?;
    let patched = findings(&peers, Some(&fixed), &out.join("fixed.tsv"))?;
    for peer in &peers {
        let count = |set: &BTreeSet<String>| {
            set.iter()
                .filter(|line| line.starts_with(&format!("{peer}\t")))
                .count()
        };
        println!(
            "xtask: {peer}: {} inputs found as published, {} fixed",
            count(&published),
            count(&patched)
        );
    }
    let new: Vec<&String> = patched.difference(&published).collect();
    if !new.is_empty() {
        return Err(format!(
            "the fixed peers have {} findings the published ones do not (peer, input):\n{}",
            new.len(),
            new.iter()
                .map(|line| line.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    run_checked(
        Command::new("cargo")
            .current_dir(&fixed)
            .args(["test", "--locked"])
            .env("CARGO_TARGET_DIR", &out),
        "cargo test in peers/fixed",
    )
}

/// The findings of `peers` (each line the program writes: peer, check,
/// input; as [`key`] keeps it), by the
/// `conformance` program of `manifest_dir`'s package (`peers/fixed`), or of
/// `sockcmsg-peers` as published when `None`.
fn findings(
    peers: &[&str],
    manifest_dir: Option<&Path>,
    path: &Path,
) -> Result<BTreeSet<String>, String> {
    let mut command = Command::new("cargo");
    command.current_dir(manifest_dir.unwrap_or(&root())).args([
        "run",
        "--quiet",
        "--locked",
        "--bin",
        "conformance",
    ]);
    match manifest_dir {
        Some(_) => command.env("CARGO_TARGET_DIR", target_dir()?.join("fixed")),
        None => command.args(["--package", "sockcmsg-peers"]),
    };
    command
        .arg("--")
        .args(["--peers", &peers.join(",")])
        .args(["--property-cases", "0", "--findings"])
        .arg(path)
        .stdout(Stdio::null());
    // The reports, long, to a file beside the findings.
    let log = path.with_extension("log");
    let log_file = fs::File::create(&log).map_err(|err| format!("{}: {err}", log.display()))?;
    command.stderr(log_file);
    let what = match manifest_dir {
        Some(_) => "the fixed peers' conformance",
        None => "the peers' conformance",
    };
    run_checked(
        &mut command,
        &format!("{what} (its reports: {})", log.display()),
    )?;
    let text = fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(text.lines().filter_map(key).collect())
}

/// A line as the comparison sees it: the peer and the input, whatever the
/// check.
fn key(line: &str) -> Option<String> {
    let mut fields = line.splitn(3, '\t');
    let (peer, _check, input) = (fields.next()?, fields.next()?, fields.next()?);
    Some(format!("{peer}\t{input}"))
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
