//! `cargo xtask conformance`: every peer of `peers/` through sockcmsg's
//! conformance runner (the `conformance` binary of `sockcmsg-peers`), and
//! `docs/conformance.md` from what it found.
//!
//! The binary prints the table; this command gives it the versions the
//! workspace's lock file resolved, lets it keep each check's first finding
//! under `corpus/conformance/<peer>/` (where the page's reproduce commands
//! point), and heads the page. With `--peers`, `--only` or `--input` it
//! only prints: the page is written by a full run.
//!
//! The binary is built on nightly with the peers' feature `nightly`, so
//! that std's `SocketAncillary` (unstable) has a row of results like the
//! others; the nightly toolchain is installed first if it is missing.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::bench::{criterion_home, read_results, Measured};
use crate::fuzz::{ensure_nightly, run_checked};
use crate::{cargo_metadata, root, version, write_page, Machine};

/// The folder of the saved findings, relative to the repository.
const FINDINGS: &str = "corpus/conformance";

/// What `cargo xtask miri` found, relative to the repository: the
/// `undefined behaviour` column (the format of the conformance program's
/// `--undefined`, after a first line `# ` and how it was made).
pub(crate) const UNDEFINED: &str = "docs/undefined-behaviour.tsv";

/// Runs the peers; `passed_on` are options for the binary (`--peers`,
/// `--only`, `--input`).
pub(crate) fn conformance(passed_on: &[String]) -> Result<(), String> {
    let versions = versions()?;
    let machine = Machine::now();
    let (started, clock) = (SystemTime::now(), Instant::now());
    let full_run = passed_on.is_empty();
    ensure_nightly("std's SocketAncillary")?;
    let speed = if full_run { speed()? } else { Vec::new() };
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .args([
            "+nightly",
            "run",
            "--quiet",
            "--package",
            "sockcmsg-peers",
            "--features",
            "nightly",
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
    if !speed.is_empty() {
        command.arg("--speed").arg(speed.join(","));
    }
    let undefined = root().join(UNDEFINED);
    let miri_run = match std::fs::read_to_string(&undefined) {
        Ok(text) if full_run => {
            command.arg("--undefined").arg(&undefined);
            text.lines()
                .next()
                .and_then(|line| line.strip_prefix("# "))
                .unwrap_or("")
                .to_owned()
        }
        _ => String::new(),
    };
    if full_run {
        let saved = root().join(FINDINGS);
        if saved.exists() {
            std::fs::remove_dir_all(&saved).map_err(|err| format!("{}: {err}", saved.display()))?;
        }
        command.arg("--save").arg(&saved);
    }
    let output = command
        .output()
        .map_err(|err| format!("cargo +nightly run --package sockcmsg-peers: {err}"))?;
    if !output.status.success() {
        return Err(format!("the conformance binary failed: {}", output.status));
    }
    let table = String::from_utf8_lossy(&output.stdout);
    if !full_run {
        print!("{table}");
        return Ok(());
    }
    let toolchain = version("rustc", &["+nightly", "--version"]);
    let body = format!(
        "Every implementation of `peers/` through sockcmsg's conformance runner \
         (`sockcmsg::conformance`), each case in a child process with a 2 s limit, the \
         adapters built in cargo's dev profile (debug assertions and overflow checks on, as \
         in the users' tests) with {toolchain}: nightly, for std's `SocketAncillary`, which \
         is unstable (`cargo +nightly run -p sockcmsg-peers --features nightly`). A column \
         per check: the rule probes, Go 1.19's vectors, the \
         committed corpus (sockcmsg's targets' and what the peers' fuzz targets kept and \
         found, `cargo xtask fuzz --targets peers`: docs/fuzzing-peers.md), the proptest \
         strategies, buffers the kernel wrote, the encoders, \
         fd ownership through real sockets, the same receive call given every rule probe, \
         the corpus and a sample of the strategies' buffers as a forged `recvmsg` answer \
         (`forged receives`: seccomp user notification, a real fd installed at each fd \
         slot; docs/conformance.md's notes say which systems write such buffers), and \
         undefined behaviour under Miri (each Rust parse) and AddressSanitizer (glibc's walk, and nix's receive through forged receives), \
         from `cargo xtask miri` ({UNDEFINED}: {miri_run}); and the speed of each parse, from \
         `cargo bench -p sockcmsg-peers --bench parse` in the same run: the most, over 1, 16 \
         and 256 messages, of the peer's median time over sockcmsg's, each walking the same \
         aligned buffer as its users loop over a received one (every message visited, every \
         fd and credential read; rustix skips the sixth of the messages whose type it does \
         not know), without the adapters' checks and copies. Each finding's input is kept \
         under `{FINDINGS}/<peer>/`.\n\n- Machine: {machine}.\n\n{table}"
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

/// The speed column: runs the peers' walk benchmark and gives, for each
/// peer it timed, `slug=ratio`: the most, over the sizes, of the peer's
/// median over sockcmsg's median at the same size.
fn speed() -> Result<Vec<String>, String> {
    let home = criterion_home()?;
    let since = SystemTime::now()
        .checked_sub(Duration::from_secs(1))
        .unwrap_or(UNIX_EPOCH);
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .args([
            "bench",
            "--package",
            "sockcmsg-peers",
            "--bench",
            "parse",
            "--",
        ])
        .args(["--warm-up-time", "1", "--measurement-time", "2"])
        .env("CRITERION_HOME", &home);
    run_checked(
        &mut command,
        "cargo bench --package sockcmsg-peers --bench parse",
    )?;
    let results = read_results(&home, since, &[])?;
    Ok(ratios(&results))
}

/// `slug=ratio` for every function of the `peer_walk` group (sockcmsg's
/// own is 1).
fn ratios(results: &[Measured]) -> Vec<String> {
    let timed = results.iter().filter(|m| m.group == "peer_walk");
    let mut worst: BTreeMap<&str, f64> = BTreeMap::new();
    for measured in timed.clone() {
        let reference = timed
            .clone()
            .find(|m| m.function == "sockcmsg" && m.value == measured.value);
        if let Some(reference) = reference.filter(|r| r.median > 0.0) {
            let ratio = measured.median / reference.median;
            let entry = worst.entry(&measured.function).or_insert(ratio);
            *entry = entry.max(ratio);
        }
    }
    worst
        .into_iter()
        .map(|(function, ratio)| format!("{function}={ratio:.2}"))
        .collect()
}

/// The version of every package the lock file resolved, by name (the
/// highest, where it has several).
fn versions() -> Result<BTreeMap<String, String>, String> {
    Ok(package_versions(&cargo_metadata(&["--locked"])?))
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

    fn measured(function: &str, count: &str, median: f64) -> Measured {
        let benchmark = serde_json::json!({
            "group_id": "peer_walk", "function_id": function, "value_str": count,
        });
        let estimates = serde_json::json!({"median": {
            "point_estimate": median,
            "confidence_interval": {"lower_bound": median, "upper_bound": median},
        }});
        Measured::of(&benchmark, &estimates, UNIX_EPOCH).unwrap()
    }

    #[test]
    fn each_peer_gets_its_worst_ratio_to_sockcmsg() {
        let results = [
            measured("sockcmsg", "1", 10.0),
            measured("rustix", "1", 15.0),
            measured("sockcmsg", "16", 100.0),
            measured("rustix", "16", 120.0),
            measured("libc", "16", 80.0),
        ];
        assert_eq!(
            ratios(&results),
            ["libc=0.80", "rustix=1.50", "sockcmsg=1.00"]
        );
    }

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
