//! `cargo xtask conformance`: every peer of `peers/` through sockcmsg's
//! conformance runner (the `conformance` binary of `sockcmsg-peers`), and
//! `docs/conformance.md` from what it found.
//!
//! The binary prints the table; this command gives it the versions the
//! workspace's lock file resolved, lets it keep each check's first finding
//! under `corpus/conformance/<peer>/` (where the page's reproduce commands
//! point), and heads the page. With `--peers`, `--only` or `--input` it
//! only prints: the page is written by a full run.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use serde_json::Value;

use crate::{root, write_page, Machine};

/// The folder of the saved findings, relative to the repository.
const FINDINGS: &str = "corpus/conformance";

/// Runs the peers; `passed_on` are options for the binary (`--peers`,
/// `--only`, `--input`).
pub(crate) fn conformance(passed_on: &[String]) -> Result<(), String> {
    let versions = versions()?;
    let machine = Machine::now();
    let (started, clock) = (SystemTime::now(), Instant::now());
    let full_run = passed_on.is_empty();
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .args([
            "run",
            "--quiet",
            "--package",
            "sockcmsg-peers",
            "--bin",
            "conformance",
            "--",
        ])
        .arg("--versions")
        .arg(
            versions
                .iter()
                .map(|(name, version)| format!("{name}={version}"))
                .collect::<Vec<_>>()
                .join(","),
        )
        .args(passed_on)
        .stderr(Stdio::inherit());
    if full_run {
        let saved = root().join(FINDINGS);
        if saved.exists() {
            std::fs::remove_dir_all(&saved).map_err(|err| format!("{}: {err}", saved.display()))?;
        }
        command.arg("--save").arg(&saved);
    }
    let output = command
        .output()
        .map_err(|err| format!("cargo run --package sockcmsg-peers: {err}"))?;
    if !output.status.success() {
        return Err(format!("the conformance binary failed: {}", output.status));
    }
    let table = String::from_utf8_lossy(&output.stdout);
    if !full_run {
        print!("{table}");
        return Ok(());
    }
    let body = format!(
        "Every implementation of `peers/` through sockcmsg's conformance runner \
         (`sockcmsg::conformance`), each case in a child process with a 2 s limit, the \
         adapters built in cargo's dev profile (debug assertions and overflow checks on, as \
         in the users' tests). A column per check: the rule probes, Go 1.19's vectors, the \
         committed corpus, the proptest strategies, buffers the kernel wrote, the encoders, \
         and fd ownership through real sockets. Each finding's input is kept under \
         `{FINDINGS}/<peer>/`.\n\n- Machine: {machine}.\n\n{table}"
    );
    write_page(
        "conformance.md",
        "Conformance of the cmsg implementations people use: the last run",
        "cargo xtask conformance",
        started,
        clock.elapsed(),
        &body,
    )?;
    Ok(())
}

/// The version of every package the lock file resolved, by name (the
/// highest, where it has several).
fn versions() -> Result<BTreeMap<String, String>, String> {
    let output = Command::new("cargo")
        .current_dir(root())
        .args(["metadata", "--format-version", "1", "--locked"])
        .output()
        .map_err(|err| format!("cargo metadata: {err}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata: {}", output.status));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("cargo metadata printed no JSON: {err}"))?;
    Ok(package_versions(&metadata))
}

fn package_versions(metadata: &Value) -> BTreeMap<String, String> {
    let mut versions: BTreeMap<String, String> = BTreeMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let (Some(name), Some(version)) = (package["name"].as_str(), package["version"].as_str())
        else {
            continue;
        };
        let newer = versions
            .get(name)
            .is_none_or(|known| numbers(version) > numbers(known));
        if newer {
            versions.insert(name.to_owned(), version.to_owned());
        }
    }
    versions
}

/// `0.2.191` as `[0, 2, 191]`, for comparing versions.
fn numbers(version: &str) -> Vec<u64> {
    version
        .split(['.', '-', '+'])
        .map_while(|part| part.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_version_of_each_package_is_kept() {
        let metadata = serde_json::json!({"packages": [
            {"name": "libc", "version": "0.2.9"},
            {"name": "libc", "version": "0.2.191"},
            {"name": "nix", "version": "0.30.1"},
            {"name": "broken"},
        ]});
        let versions = package_versions(&metadata);
        assert_eq!(versions.get("libc").map(String::as_str), Some("0.2.191"));
        assert_eq!(versions.get("nix").map(String::as_str), Some("0.30.1"));
        assert_eq!(versions.len(), 2);
    }
}
