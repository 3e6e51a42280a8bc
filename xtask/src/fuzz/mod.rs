//! `cargo xtask fuzz` and `cargo xtask cmin`: cargo-fuzz on nightly over
//! the committed corpus.
//!
//! libFuzzer reads two corpus folders per target: `fuzz/corpus/<target>/`
//! (ignored by git), where it writes what it finds, and the committed
//! `corpus/<target>/`, which a run never changes. `cmin` merges the first
//! into the second. Crash artifacts land in `fuzz/artifacts/<target>/`, the
//! full libFuzzer output in `fuzz/logs/<target>.log`. The table of a
//! `fuzz` run is printed and written to `docs/fuzzing.md`.
//!
//! - this module says how each target is built and run (its [`Setup`]),
//!   installs the tools, and holds the file helpers the other commands
//!   share;
//! - [`run`] fuzzes the targets one after the other and reads libFuzzer's
//!   output;
//! - [`table`] prints the table of a run and writes the page's body;
//! - [`cmin`](mod@cmin) merges a run's finds into the committed corpus.

mod cmin;
mod run;
mod table;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::root;

pub(crate) use cmin::cmin;
pub(crate) use run::fuzz;

/// How long each target runs when `--time` is not given.
pub(crate) const DEFAULT_SECONDS: u64 = 60;

/// The dictionary for the targets that read a raw control buffer; written
/// by `cargo xtask seeds`.
pub(crate) const DICTIONARY: &str = "fuzz/cmsg.dict";

/// How one target is built and run.
pub(crate) struct Setup {
    /// The sanitizer, which also names the build folder.
    pub(crate) sanitizer: &'static str,
    /// `cargo fuzz` build options besides the sanitizer.
    pub(crate) build: &'static [&'static str],
    /// The dictionary, for the targets whose input is a control buffer.
    pub(crate) dictionary: Option<&'static str>,
    /// libFuzzer options for fuzzing and merging.
    pub(crate) options: &'static [&'static str],
    /// Committed corpora it reads besides its own `corpus/<target>/`.
    pub(crate) seeds: &'static [&'static str],
}

/// The build of the targets that run safe Rust only (the codec denies
/// `unsafe`, indexing and unchecked arithmetic): optimized without debug
/// assertions or overflow checks, which can find nothing there, and
/// without tracing comparisons. Tracing halves the runs per second or worse,
/// and from an empty corpus both targets reach as many branches in a
/// minute without it (parse: 245 either way; roundtrip: 269 without, 263
/// and 265 with).
const SAFE_RUST_BUILD: &[&str] = &["--release", "--no-trace-compares"];

/// How `target` is built and run.
pub(crate) fn setup(target: &str) -> Setup {
    match target {
        // AddressSanitizer, like debug assertions, finds nothing in safe
        // Rust, and costs more than half the runs per second.
        "parse" | "parse_any_layout" => Setup {
            sanitizer: "none",
            build: SAFE_RUST_BUILD,
            dictionary: Some(DICTIONARY),
            options: &[],
            seeds: &[],
        },
        // Its input is arbitrary's format, not a control buffer. Up to
        // 1024 bytes: room for the 253 fds the kernel takes at most (1016
        // bytes) and many messages; no rule of the codec changes with more
        // data or more messages, while every run pays for each byte several
        // times over (decoded, encoded twice, parsed four ways, checked).
        // Measured: 63,000 runs/s instead of 37,000 at libFuzzer's 4096.
        "roundtrip" | "roundtrip_any_layout" => Setup {
            sanitizer: "none",
            build: SAFE_RUST_BUILD,
            dictionary: None,
            options: &["-max_len=1024"],
            seeds: &[],
        },
        // Records of typed messages' numbers and data, not a control
        // buffer: the dictionary's headers would mean nothing in it. An
        // io_uring completion starts with its own header, not a cmsghdr.
        "typed" | "uring" => Setup {
            sanitizer: "none",
            build: SAFE_RUST_BUILD,
            dictionary: None,
            options: &[],
            seeds: &[],
        },
        // The peers run C and unsafe code, built as their users' tests
        // build them (debug assertions and overflow checks on), from the
        // parse and typed targets' corpora (a peer parses, decodes typed
        // messages, or both). An endless walk is a finding, not a wait of
        // libFuzzer's default 20 minutes.
        peer if peer.starts_with(PEER_PREFIX) => Setup {
            sanitizer: "address",
            build: &["--features", "peers"],
            dictionary: Some(DICTIONARY),
            options: &["-timeout=10"],
            seeds: &["corpus/parse", "corpus/typed"],
        },
        // These run unsafe code (glibc's walk, sendmsg and recvmsg), which
        // AddressSanitizer and debug assertions check.
        _ => Setup {
            sanitizer: "address",
            build: &[],
            dictionary: Some(DICTIONARY),
            options: &[],
            seeds: &[],
        },
    }
}

/// How the peers' targets' names start: `peer_libc`.
pub(crate) const PEER_PREFIX: &str = "peer_";

/// The peers' targets: one per `fuzz/fuzz_targets/peer_<slug>.rs`, in name
/// order (peers/tests/fuzz_targets.rs checks there is one per fuzzed peer).
pub(crate) fn peer_targets() -> Result<Vec<&'static str>, String> {
    let folder = root().join("fuzz/fuzz_targets");
    let mut names: Vec<&'static str> = Vec::new();
    for path in files(&folder) {
        let name = file_name(&path);
        if let Some(stem) = name.strip_suffix(".rs") {
            if stem.starts_with(PEER_PREFIX) {
                // Leaked once per run: targets are named for the whole run.
                names.push(Box::leak(stem.to_owned().into_boxed_str()));
            }
        }
    }
    if names.is_empty() {
        return Err(format!("no peer_*.rs in {}", folder.display()));
    }
    Ok(names)
}

/// The peer whose target `target` is (`peer_tokio_seqpacket` →
/// `tokio-seqpacket`), or `None` for one of sockcmsg's.
pub(crate) fn peer_of(target: &str) -> Option<String> {
    target
        .strip_prefix(PEER_PREFIX)
        .map(|slug| slug.replace('_', "-"))
}

/// `cargo +nightly fuzz <subcommand>` for `target`, run from the
/// repository's top, with the target's build options and a build folder
/// per sanitizer (so that switching targets does not rebuild everything).
fn cargo_fuzz(subcommand: &str, target: &str) -> Command {
    let setup = setup(target);
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .args([
            "+nightly",
            "fuzz",
            subcommand,
            "--sanitizer",
            setup.sanitizer,
        ])
        .args(setup.build)
        .arg("--target-dir")
        .arg(root().join("fuzz/target").join(setup.sanitizer))
        .arg(target);
    command
}

/// How `target` is built and run, as `cargo fuzz` and libFuzzer options:
/// `--sanitizer none --release --no-trace-compares, -max_len=1024`.
fn build_description(target: &str, jobs: u64) -> String {
    let setup = setup(target);
    let mut words = vec![format!("--sanitizer {}", setup.sanitizer)];
    words.extend(setup.build.iter().map(|option| option.to_string()));
    let mut fuzzer: Vec<String> = setup
        .options
        .iter()
        .map(|option| option.to_string())
        .collect();
    if let Some(dictionary) = setup.dictionary {
        fuzzer.push(format!("-dict={dictionary}"));
    }
    if jobs > 1 {
        fuzzer.push(format!("-fork={jobs}"));
    }
    if fuzzer.is_empty() {
        words.join(" ")
    } else {
        format!("{}, {}", words.join(" "), fuzzer.join(" "))
    }
}

/// The command that reproduces a failure on `input`, as printed for people.
fn reproduce_command(target: &str, input: &Path) -> String {
    let setup = setup(target);
    let input = input.strip_prefix(root()).unwrap_or(input);
    let build: String = setup
        .build
        .iter()
        .map(|option| format!(" {option}"))
        .collect();
    format!(
        "cargo +nightly fuzz run --sanitizer {}{build} {target} {}",
        setup.sanitizer,
        input.display()
    )
}

/// Runs `command`, failing with `what` if it cannot start or exits
/// non-zero.
pub(crate) fn run_checked(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|err| format!("{what}: cannot start: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: {status}"))
    }
}

/// Installs the nightly toolchain and cargo-fuzz if either is missing, and
/// says so.
pub(crate) fn ensure_tools() -> Result<(), String> {
    ensure_nightly("cargo-fuzz")?;
    install_unless_present(&["+nightly", "fuzz"], "cargo-fuzz")
}

/// Installs the nightly toolchain if it is missing, and says so, naming
/// what needs it.
pub(crate) fn ensure_nightly(needed_by: &str) -> Result<(), String> {
    let toolchains = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .map_err(|err| format!("rustup is needed ({needed_by} needs nightly): {err}"))?;
    let has_nightly = String::from_utf8_lossy(&toolchains.stdout)
        .lines()
        .any(|line| line.starts_with("nightly"));
    if !has_nightly {
        println!("xtask: installing the nightly toolchain, which {needed_by} needs (rustup toolchain install nightly --profile minimal)");
        run_checked(
            Command::new("rustup").args([
                "toolchain",
                "install",
                "nightly",
                "--profile",
                "minimal",
            ]),
            "rustup toolchain install nightly",
        )?;
    }
    Ok(())
}

/// Installs `package` with `cargo install PACKAGE --locked`, and says so,
/// unless `cargo PROBE... --version` already runs (`["mutants"]` for
/// cargo-mutants).
pub(crate) fn install_unless_present(probe: &[&str], package: &str) -> Result<(), String> {
    let present = Command::new("cargo")
        .args(probe)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !present {
        println!("xtask: installing {package} (cargo install {package} --locked)");
        run_checked(
            Command::new("cargo").args(["install", package, "--locked"]),
            &format!("cargo install {package}"),
        )?;
    }
    Ok(())
}

/// The files directly in `dir` (none if it does not exist).
pub(crate) fn files(dir: &Path) -> BTreeSet<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.is_file())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default()
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_is_reproduced_with_the_build_that_found_it() {
        let input = root().join("corpus/parse/regression-0123");
        assert_eq!(
            reproduce_command("parse", &input),
            "cargo +nightly fuzz run --sanitizer none --release --no-trace-compares parse \
             corpus/parse/regression-0123"
        );
        assert_eq!(
            reproduce_command("kernel", Path::new("crash-1")),
            "cargo +nightly fuzz run --sanitizer address kernel crash-1"
        );
        assert_eq!(
            reproduce_command("peer_go", Path::new("crash-2")),
            "cargo +nightly fuzz run --sanitizer address --features peers peer_go crash-2"
        );
        assert_eq!(
            peer_of("peer_tokio_seqpacket").as_deref(),
            Some("tokio-seqpacket")
        );
        assert_eq!(peer_of("parse"), None);
    }

    #[test]
    fn the_page_names_each_build() {
        assert_eq!(
            build_description("roundtrip", 1),
            "--sanitizer none --release --no-trace-compares, -max_len=1024"
        );
        assert_eq!(
            build_description("kernel", 2),
            "--sanitizer address, -dict=fuzz/cmsg.dict -fork=2"
        );
    }
}
