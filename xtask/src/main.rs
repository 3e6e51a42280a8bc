//! Repository commands, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`).
//!
//! - `fuzz`: fuzzes every target with the committed corpus, prints a table
//!   of the results and writes it to `docs/fuzzing.md`; installs the
//!   nightly toolchain and cargo-fuzz first if they are missing.
//! - `cmin`: merges what the fuzzer found into `corpus/` (only what adds
//!   coverage; `--minimize` also drops what no longer does).
//! - `seeds`: writes the seed files under `corpus/` and the dictionary,
//!   from buffers the kernel writes on a live socketpair.
//! - `decode`: prints a control buffer (a fuzz finding, a corpus file) for
//!   a person: headers, payloads, padding, the verdict, and Go's answer.
//! - `coverage`: replays the committed corpus with coverage-instrumented
//!   fuzz targets and reports the lines and regions of the codec reached,
//!   also in `docs/coverage.md`.
//! - `cflite-build`: runs the ClusterFuzzLite/OSS-Fuzz build script with
//!   temporary `SRC` and `OUT` folders and replays the corpus with the
//!   binaries it builds.
//! - `conformance`: runs every peer of `peers/` through the conformance
//!   runner and writes `docs/conformance.md`.
//! - `miri`: runs the Rust peers' parses under Miri and glibc's under
//!   AddressSanitizer (`miri.rs`, `peers/miri/`) and writes the table's
//!   `undefined behaviour` column to `docs/undefined-behaviour.tsv`.
//! - `fixed`: builds the peers with the patches of `peers/fixed/patches/`
//!   applied and runs the runner's checks on them (`fixed.rs`).
//! - `bench`: runs the criterion benchmarks, without LTO and with fat LTO,
//!   and writes each one's time and its ratio to its group's baseline (libc,
//!   or the blocking helpers for the async and io_uring ones) of the same
//!   run to `docs/performance.md`.
//! - `mutants`: runs cargo-mutants over the codec (`.cargo/mutants.toml`),
//!   installing it first if it is missing, and writes the outcome to
//!   `docs/mutants.md`.
//!
//! The pages of `docs/` that hold figures of a run (`fuzzing.md`,
//! `coverage.md`, `performance.md`, `mutants.md`) are written only by these
//! commands, through [`write_page`], and say so at the top.

mod bench;
mod cflite;
mod conformance;
mod coverage;
mod decode;
mod fixed;
mod fuzz;
mod inputs;
mod miri;
mod mutants;
mod seeds;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, SystemTime};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  fuzz [--time SECS] [--targets a,b] [--jobs N]
      Fuzz each target for SECS seconds (default 60) with the committed
      corpus, then print runs, runs/s, corpus size, coverage and crashes,
      and write the same table to docs/fuzzing.md. A crash is minimized
      and saved as corpus/<target>/regression-<hash>. --jobs N runs
      libFuzzer with -fork=N (N processes per target). The peers' targets
      (peer_libc, peer_rustix, ...; `peers` for all) run only when named:
      each differential against the model, seeded with corpus/parse/,
      skipping the rules the peer is known to break; their table goes to
      docs/fuzzing-peers.md and what they find into the conformance table.
  cmin [--targets a,b] [--minimize]
      Merge the fuzzer's new inputs (fuzz/corpus/<target>/) into
      corpus/<target>/: only those that add coverage, and nothing is
      removed. --minimize chooses the committed corpus anew from both
      folders instead, always keeping the seed and regression files.
  seeds
      Rewrite the seed-* files under corpus/ (buffers captured from a live
      socketpair, and edge cases) and the dictionary fuzz/cmsg.dict.
  decode FILE | decode --hex HEX   [--target NAME] [--layout NAME]
      Print a fuzz target's input (a finding, a corpus file): each header
      at its offset with its length, level and type, the payload (fds,
      credentials, else hex), padding, ignored bytes, then each parse
      function's verdict, the rule that rejected it, and what Go 1.19 does
      with the same bytes. --target is the target that reads the input
      (default parse): parse, libc_walk and kernel read a control buffer;
      roundtrip reads messages (arbitrary's format), printed, then their
      encoding decoded; parse_any_layout, roundtrip_any_layout and typed
      read a byte that picks the layout, named in the output, then a
      buffer, messages or typed records (printed as messages). --layout is host (the default) or a layout's name
      (linux-64, linux-64-musl, macos, freebsd-64, illumos, aix, ...; an
      unknown name lists them all); not with the targets that pick one.
  coverage [--targets a,b] [--fail-under PERCENT]
      Replay the committed corpus with coverage-instrumented targets, write
      an HTML report to fuzz/coverage/html/, and print the lines and
      regions of the codec (src/*.rs but check, arbitrary, strategies)
      reached, then every region not reached; the same in docs/coverage.md.
      --fail-under 95 fails when less than 95% of the regions are reached.
  cflite-build
      Run .clusterfuzzlite/build.sh (also OSS-Fuzz's) with SRC and OUT set
      to temporary folders, check what it put in OUT, and replay each
      target's seed corpus with the binary it built (-runs=0).
  conformance [--peers a,b] [--only check,check] [--input FILE]
      Run every implementation of peers/ (nix, rustix, the libc crate, Go,
      ...) through the conformance runner and write docs/conformance.md:
      a row per implementation and version, a column per check, each
      finding with its input (kept under corpus/conformance/<peer>/) and
      the command that replays it. With options, run only those peers or
      checks, or one input, and print the table without writing the page.
  miri [--peers a,b] [--jobs N] [--exhaustive] [--out FILE]
      Run the Rust peers' parse loops (peers/miri/) under Miri on the rule
      probes and 50 corpus files, aligned and at an odd address (Tree
      Borrows where Stacked Borrows objects), and glibc's walk under
      AddressSanitizer, then write the conformance table's undefined
      behaviour column to docs/undefined-behaviour.tsv (with --peers, to
      target/miri-peers/undefined.tsv; --out FILE elsewhere), which the
      next cargo xtask conformance reads. --exhaustive runs every input
      instead of sampling a probe group that keeps stopping at one place.
  fixed
      Apply each patch of peers/fixed/patches/ (the fixes that
      docs/findings/ propose) to a copy of the crate's published source
      under peers/fixed/patched/, then run peers/fixed's tests, which
      build the peers against the patched crates ([patch]) and run the
      conformance runner on them: the finding is gone, and no new one.
  bench [--benches a,b] [--rounds N] [-- CRITERION_OPTIONS]
      Run the criterion benchmarks (cargo bench --bench parse, encode,
      live, typed, tokio, uring; --benches picks some), each built twice
      as a user's crate builds sockcmsg (release without LTO, then with
      fat LTO), each binary N times in turn (default 2), then write
      docs/performance.md: each benchmark's lowest median over the rounds
      and its ratio to its group's baseline (libc, or the blocking helpers
      for the async round trips and io_uring receives) measured the same
      way. Options after -- go to each benchmark binary (such as
      --measurement-time 10, or a filter).
      Honours CARGO_TARGET_DIR and CRITERION_HOME.
  mutants [--jobs N] [--file PATH]... [-- CARGO_MUTANTS_OPTIONS]
      Run cargo mutants (installed first if missing) with the settings of
      .cargo/mutants.toml, N jobs (default 1), its output in
      <target dir>/mutants.out/, then write docs/mutants.md: mutants
      caught, missed, unviable, timed out, the score, the duration.
      --file src/credentials.rs keeps that file's mutants only
      (repeatable; passed on as --re '^src/credentials\\.rs:', since
      cargo mutants --file adds to the configuration's files). Options
      after -- go to cargo mutants. Fails if a mutant was missed or timed
      out.

targets: parse, roundtrip, parse_any_layout, roundtrip_any_layout, typed,
libc_walk, kernel; the peers' peer_<slug> (fuzz, cmin)";

/// The repository's top folder.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is inside the repository")
        .to_path_buf()
}

/// `cargo metadata --format-version 1 EXTRA...` for the workspace, parsed.
fn cargo_metadata(extra: &[&str]) -> Result<serde_json::Value, String> {
    let output = Command::new("cargo")
        .current_dir(root())
        .args(["metadata", "--format-version", "1"])
        .args(extra)
        .output()
        .map_err(|err| format!("cargo metadata: {err}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata: {}", output.status));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("cargo metadata printed no JSON: {err}"))
}

/// Cargo's target directory for the workspace, as `cargo metadata` gives
/// it: `target/` unless `CARGO_TARGET_DIR` or a configuration says
/// otherwise.
fn target_dir() -> Result<PathBuf, String> {
    cargo_metadata(&["--no-deps"])?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata names no target_directory".to_owned())
}

/// The command line this process was started with, as a person would type
/// it: `cargo xtask fuzz --time 60`.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).map(|arg| quoted(&arg)).collect();
    format!("cargo xtask {}", args.join(" "))
}

/// `arg` as a shell word: single-quoted unless it is plain.
fn quoted(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./,=:+@%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// `time` as `2026-05-02 14:07 UTC`.
fn utc(time: SystemTime) -> String {
    // humantime writes `2026-05-02T14:07:00Z`; a page wants the minute.
    let rfc3339 = humantime::format_rfc3339_seconds(time).to_string();
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(minute)) => format!("{date} {minute} UTC"),
        _ => rfc3339,
    }
}

/// `duration` as `7 min 12 s` or `42 s`.
fn minutes(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match (seconds / 3600, seconds % 3600 / 60, seconds % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// What the figures of a run depend on: the cores, the processor, the
/// kernel, and the load when it started.
struct Machine {
    cores: usize,
    cpu: String,
    kernel: String,
    load: String,
}

impl Machine {
    fn now() -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map_or_else(
                || std::env::consts::ARCH.to_owned(),
                |(_, name)| name.split_whitespace().collect::<Vec<_>>().join(" "),
            );
        let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
            |_| std::env::consts::OS.to_owned(),
            |release| format!("Linux {}", release.trim()),
        );
        Machine {
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            cpu,
            kernel,
            load: load_average(),
        }
    }
}

/// The 1-, 5- and 15-minute load averages, as `/proc/loadavg` gives them.
fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cores = if self.cores == 1 { "core" } else { "cores" };
        write!(
            f,
            "{} {cores} ({}, {}), load average {} at the start",
            self.cores, self.cpu, self.kernel, self.load
        )
    }
}

/// The output of `program args`, trimmed, or `unknown`: a tool's version
/// for a page.
fn version(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map_or_else(
            || "unknown".to_owned(),
            |output| String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        )
}

/// Writes `docs/<file>`, a page of figures that `command` (such as
/// `cargo xtask fuzz`) measured: a title, a line saying which command line
/// wrote it, when, and that the command overwrites it, then `body`.
/// Returns the page's path.
fn write_page(
    file: &str,
    title: &str,
    command: &str,
    started: SystemTime,
    took: Duration,
    body: &str,
) -> Result<PathBuf, String> {
    let docs = root().join("docs");
    fs::create_dir_all(&docs).map_err(|err| format!("{}: {err}", docs.display()))?;
    let path = docs.join(file);
    let text = format!(
        "# {title}\n\n\
         Written by `{}`, started {} and run for {}. \
         `{command}` overwrites this page each time it runs: \
         do not edit it by hand.\n\n{body}",
        command_line(),
        utc(started),
        minutes(took),
    );
    fs::write(&path, text).map_err(|err| format!("{}: {err}", path.display()))?;
    println!(
        "xtask: wrote {}",
        path.strip_prefix(root()).unwrap_or(&path).display()
    );
    Ok(path)
}

/// The fuzz targets, in `sockcmsg::check::TARGETS` order, or the ones named
/// in `--targets`, where `peers` stands for every peer's target
/// (`peer_<slug>`: fuzzed only when named, and only by `fuzz` and `cmin`,
/// `with_peers`).
fn targets(selected: Option<&str>, with_peers: bool) -> Result<Vec<&'static str>, String> {
    let own: Vec<&'static str> = sockcmsg::check::TARGETS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let Some(selected) = selected else {
        return Ok(own);
    };
    let peers = if with_peers {
        fuzz::peer_targets()?
    } else {
        Vec::new()
    };
    let mut chosen = Vec::new();
    for name in selected.split(',') {
        match own.iter().chain(&peers).find(|known| **known == name) {
            Some(known) => chosen.push(*known),
            None if name == "peers" && with_peers => chosen.extend(&peers),
            None if with_peers => {
                return Err(format!(
                    "no fuzz target {name:?}; the targets are {own:?}, and the peers' {peers:?} \
                     (all of them: peers)"
                ))
            }
            None => return Err(format!("no fuzz target {name:?}; the targets are {own:?}")),
        }
    }
    Ok(chosen)
}

/// The value after `--flag` in `args`, if the flag is there.
fn option<'a>(args: &'a [String], flag: &str) -> Result<Option<&'a str>, String> {
    match args.iter().position(|arg| arg == flag) {
        None => Ok(None),
        Some(at) => args
            .get(at + 1)
            .map(|value| Some(value.as_str()))
            .ok_or_else(|| format!("{flag} needs a value")),
    }
}

/// Every value given with `--flag` in `args`, in order.
fn values<'a>(args: &'a [String], flag: &str) -> Result<Vec<&'a str>, String> {
    let mut found = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if arg == flag {
            let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
            found.push(value.as_str());
        }
    }
    Ok(found)
}

/// `args` split at the first `--`: the command's own options, and those it
/// passes on to the tool it runs.
fn split_passthrough(args: &[String]) -> (&[String], &[String]) {
    match args.iter().position(|arg| arg == "--") {
        Some(at) => (&args[..at], &args[at + 1..]),
        None => (args, &[]),
    }
}

/// `--flag N` as a number, or `default`.
fn number(args: &[String], flag: &str, default: u64) -> Result<u64, String> {
    option(args, flag)?.map_or(Ok(default), |value| {
        value
            .parse()
            .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))
    })
}

/// Fails on an option that the command does not know, so that a typo is
/// not silently ignored, and returns the other arguments (operands).
/// `valued` options take a value, `flags` none.
fn check_options<'a>(
    args: &'a [String],
    valued: &[&str],
    flags: &[&str],
) -> Result<Vec<&'a str>, String> {
    let mut operands = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if valued.contains(&arg.as_str()) {
            rest.next();
        } else if arg.starts_with('-') && !flags.contains(&arg.as_str()) {
            return Err(format!("unknown option {arg:?}\n\n{USAGE}"));
        } else if !flags.contains(&arg.as_str()) {
            operands.push(arg.as_str());
        }
    }
    Ok(operands)
}

/// Fails unless `args` holds only the options `valued` and `flags`.
fn only_options(args: &[String], valued: &[&str], flags: &[&str]) -> Result<(), String> {
    match check_options(args, valued, flags)?.first() {
        None => Ok(()),
        Some(operand) => Err(format!("unexpected argument {operand:?}\n\n{USAGE}")),
    }
}

/// `cargo xtask decode`: a fuzz target's input, from a file or `--hex`,
/// printed as the target named by `--target` reads it.
fn decode(options: &[String]) -> Result<(), String> {
    let operands = check_options(options, &["--hex", "--layout", "--target"], &[])?;
    let bytes = match (operands.as_slice(), option(options, "--hex")?) {
        ([file], None) => fs::read(file).map_err(|err| format!("{file}: {err}"))?,
        ([], Some(hex)) => decode::parse_hex(hex)?,
        _ => return Err(format!("decode takes one FILE or --hex HEX\n\n{USAGE}")),
    };
    let target = option(options, "--target")?.unwrap_or("parse");
    let layout = option(options, "--layout")?;
    print!("{}", decode::decode_input(target, layout, &bytes)?);
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    let (command, options) = args.split_first().ok_or(USAGE)?;
    match command.as_str() {
        "fuzz" => {
            only_options(options, &["--time", "--targets", "--jobs"], &[])?;
            let targets = targets(option(options, "--targets")?, true)?;
            let seconds = number(options, "--time", fuzz::DEFAULT_SECONDS)?;
            let jobs = number(options, "--jobs", 1)?.max(1);
            fuzz::fuzz(&targets, seconds, jobs)
        }
        "cmin" => {
            only_options(options, &["--targets"], &["--minimize"])?;
            let minimize = options.iter().any(|arg| arg == "--minimize");
            fuzz::cmin(&targets(option(options, "--targets")?, true)?, minimize)
        }
        "seeds" => {
            only_options(options, &[], &[])?;
            seeds::write_all()
        }
        "decode" => decode(options),
        "coverage" => {
            only_options(options, &["--targets", "--fail-under"], &[])?;
            let fail_under = option(options, "--fail-under")?
                .map(|least| {
                    least
                        .parse::<f64>()
                        .map_err(|err| format!("--fail-under: {err}"))
                })
                .transpose()?;
            coverage::coverage(&targets(option(options, "--targets")?, false)?, fail_under)
        }
        "cflite-build" => {
            only_options(options, &[], &[])?;
            cflite::build_and_replay()
        }
        "conformance" => {
            only_options(options, &["--peers", "--only", "--input"], &[])?;
            conformance::conformance(options)
        }
        "miri" => {
            only_options(options, &["--peers", "--jobs", "--out"], &["--exhaustive"])?;
            let jobs = number(options, "--jobs", 2)?.max(1);
            miri::command(
                option(options, "--peers")?,
                usize::try_from(jobs).unwrap_or(2),
                options.iter().any(|arg| arg == "--exhaustive"),
                option(options, "--out")?.map(Path::new),
            )
        }
        "fixed" => {
            only_options(options, &[], &[])?;
            fixed::fixed()
        }
        "bench" => {
            let (options, criterion) = split_passthrough(options);
            only_options(options, &["--benches", "--rounds"], &[])?;
            let benches = bench::benches(option(options, "--benches")?)?;
            let rounds = number(options, "--rounds", bench::DEFAULT_ROUNDS)?.max(1);
            bench::bench(&benches, rounds, criterion)
        }
        "mutants" => {
            let (options, passed_on) = split_passthrough(options);
            only_options(options, &["--jobs", "--file"], &[])?;
            let jobs = number(options, "--jobs", 1)?.max(1);
            mutants::mutants(jobs, &values(options, "--file")?, passed_on)
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_take_values_flags_do_not_and_typos_fail() {
        let known = |text: &str| only_options(&args(text), &["--time"], &["--minimize"]);
        assert!(known("--time 30 --minimize").is_ok());
        assert!(known("--minimize --time 30").is_ok());
        assert!(known("--tme 30").is_err());
        assert!(known("30").is_err());
        assert_eq!(
            check_options(
                &args("--hex 14 file --minimize"),
                &["--hex"],
                &["--minimize"]
            ),
            Ok(vec!["file"])
        );
        assert_eq!(number(&args("--time 30"), "--time", 60), Ok(30));
        assert_eq!(number(&args(""), "--time", 60), Ok(60));
        assert!(number(&args("--time soon"), "--time", 60).is_err());
        assert!(option(&args("--time"), "--time").is_err());
    }

    #[test]
    fn passed_on_options_and_repeated_values() {
        let all = args("--jobs 2 --file a.rs --file b.rs -- --check -f c");
        let (own, passed_on) = split_passthrough(&all);
        assert_eq!(own, &all[..6]);
        assert_eq!(passed_on, &all[7..]);
        assert_eq!(values(own, "--file"), Ok(vec!["a.rs", "b.rs"]));
        assert_eq!(values(own, "--jobs"), Ok(vec!["2"]));
        assert!(values(&args("--file"), "--file").is_err());
        assert_eq!(split_passthrough(&args("--jobs 2")).1.len(), 0);
    }

    #[test]
    fn times_are_utc_to_the_minute() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01 00:00 UTC");
        let leap_day = UNIX_EPOCH + Duration::from_secs(11_016 * 86_400 + 59);
        assert_eq!(utc(leap_day), "2000-02-29 00:00 UTC");
        let time = UNIX_EPOCH + Duration::from_secs(19_723 * 86_400 + 13 * 3600 + 5 * 60 + 59);
        assert_eq!(utc(time), "2024-01-01 13:05 UTC");
        assert_eq!(minutes(Duration::from_secs(42)), "42 s");
        assert_eq!(minutes(Duration::from_secs(432)), "7 min 12 s");
        assert_eq!(minutes(Duration::from_secs(7300)), "2 h 1 min");
    }

    #[test]
    fn command_lines_are_quoted_as_a_shell_reads_them() {
        assert_eq!(quoted("--time"), "--time");
        assert_eq!(quoted("src/credentials.rs"), "src/credentials.rs");
        assert_eq!(quoted("a b"), "'a b'");
        assert_eq!(quoted("it's"), r"'it'\''s'");
        assert_eq!(quoted(""), "''");
    }

    #[test]
    fn targets_are_checked_against_the_harness() {
        assert_eq!(
            targets(Some("kernel,parse"), true),
            Ok(vec!["kernel", "parse"])
        );
        assert!(targets(Some("pars"), true).is_err());
        assert_eq!(
            targets(None, true).unwrap().len(),
            sockcmsg::check::TARGETS.len()
        );
        let peers = targets(Some("peers"), true).unwrap();
        assert!(peers.contains(&"peer_libc"), "{peers:?}");
        assert!(peers.iter().all(|target| target.starts_with("peer_")));
        assert_eq!(targets(Some("peer_libc"), true), Ok(vec!["peer_libc"]));
        assert!(targets(Some("peer_libc"), false).is_err());
    }
}
