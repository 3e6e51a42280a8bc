//! `cargo xtask fuzz` and `cargo xtask cmin`: cargo-fuzz on nightly over
//! the committed corpus.
//!
//! libFuzzer reads two corpus folders per target: `fuzz/corpus/<target>/`
//! (ignored by git), where it writes what it finds, and the committed
//! `corpus/<target>/`, which a run never changes. `cmin` merges the first
//! into the second. Crash artifacts land in `fuzz/artifacts/<target>/`, the
//! full libFuzzer output in `fuzz/logs/<target>.log`. The table of a
//! `fuzz` run is printed and written to `docs/fuzzing.md`.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use crate::{root, version, write_page, Machine};

/// How long each target runs when `--time` is not given.
pub(crate) const DEFAULT_SECONDS: u64 = 60;

/// How often a progress line is printed while a target runs.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

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
        },
        // These run unsafe code (glibc's walk, sendmsg and recvmsg), which
        // AddressSanitizer and debug assertions check.
        _ => Setup {
            sanitizer: "address",
            build: &[],
            dictionary: Some(DICTIONARY),
            options: &[],
        },
    }
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
    let toolchains = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .map_err(|err| format!("rustup is needed to fuzz: {err}"))?;
    let has_nightly = String::from_utf8_lossy(&toolchains.stdout)
        .lines()
        .any(|line| line.starts_with("nightly"));
    if !has_nightly {
        println!("xtask: installing the nightly toolchain, which cargo-fuzz needs (rustup toolchain install nightly --profile minimal)");
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
    let has_cargo_fuzz = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_cargo_fuzz {
        println!("xtask: installing cargo-fuzz (cargo install cargo-fuzz --locked)");
        run_checked(
            Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]),
            "cargo install cargo-fuzz",
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

/// libFuzzer's numbers from one status line, such as
/// `#4096 pulse  cov: 187 ft: 496 corp: 50/7663b lim: 4096 exec/s: 2048`
/// or, with `-fork`, `#8192: cov: 187 ft: 496 corp: 50 exec/s: 4096 ...`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Stats {
    runs: u64,
    cov: u64,
    ft: u64,
    corpus: u64,
}

impl Stats {
    fn parse(line: &str) -> Option<Stats> {
        let runs = line.strip_prefix('#')?;
        let digits = runs.find(|c: char| !c.is_ascii_digit())?;
        let field = |name: &str| -> Option<u64> {
            let value = &line[line.find(name)? + name.len()..];
            let end = value
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(value.len());
            value[..end].parse().ok()
        };
        Some(Stats {
            runs: runs[..digits].parse().ok()?,
            cov: field(" cov: ")?,
            ft: field(" ft: ")?,
            corpus: field(" corp: ")?,
        })
    }
}

/// What a run of one target printed, read line by line.
#[derive(Debug, Default)]
struct Run {
    /// After loading the corpus (`INITED`, or the first line with `-fork`).
    start: Option<Stats>,
    last: Option<Stats>,
    /// libFuzzer's `Done N runs in T second(s)`.
    done: Option<(u64, u64)>,
    /// The first panic message, for the report.
    panic: Option<String>,
}

impl Run {
    fn read(&mut self, line: &str) {
        if let Some(stats) = Stats::parse(line) {
            if self.start.is_none() || line.contains("INITED") {
                self.start = Some(stats);
            }
            self.last = Some(stats);
        } else if let Some(rest) = line.strip_prefix("Done ") {
            let mut words = rest.split_whitespace();
            let runs = words.next().and_then(|runs| runs.parse().ok());
            let seconds = words.nth(2).and_then(|seconds| seconds.parse().ok());
            if let (Some(runs), Some(seconds)) = (runs, seconds) {
                self.done = Some((runs, seconds));
            }
        } else if self.panic.is_none() && line.contains("panicked at") {
            self.panic = Some(line.trim().to_owned());
        } else if let Some(panic) = self.panic.as_mut().filter(|panic| !panic.contains('\n')) {
            // The line after `panicked at` holds the message.
            panic.push('\n');
            panic.push_str(line.trim());
        }
    }

    /// Runs and seconds: libFuzzer's own count, or the last status line
    /// over the wall time.
    fn runs_and_seconds(&self, wall: Duration) -> (u64, f64) {
        match self.done {
            Some((runs, seconds)) => (runs, seconds.max(1) as f64),
            None => (
                self.last.map_or(0, |stats| stats.runs),
                wall.as_secs_f64().max(1.0),
            ),
        }
    }
}

/// One row of the final table.
struct Row {
    target: &'static str,
    runs: u64,
    seconds: f64,
    start: Stats,
    end: Stats,
    new_inputs: usize,
    regressions: Vec<PathBuf>,
    panic: Option<String>,
}

/// `cargo xtask fuzz`: builds, then fuzzes each target for `seconds`, then
/// prints the table. Fails if any target crashed.
pub(crate) fn fuzz(targets: &[&'static str], seconds: u64, jobs: u64) -> Result<(), String> {
    ensure_tools()?;
    for target in targets {
        println!("xtask: building fuzz target {target}");
        run_checked(
            cargo_fuzz("build", target).stdout(Stdio::null()),
            "cargo fuzz build",
        )?;
    }
    let machine = Machine::now();
    let (started, clock) = (SystemTime::now(), Instant::now());
    let mut rows = Vec::new();
    for target in targets {
        rows.push(fuzz_one(target, seconds, jobs)?);
    }
    println!();
    print_table(&rows);
    let crashed: Vec<&Row> = rows
        .iter()
        .filter(|row| !row.regressions.is_empty())
        .collect();
    for row in &crashed {
        println!("\n{} crashed:", row.target);
        if let Some(panic) = &row.panic {
            println!("  {}", panic.replace('\n', "\n  "));
        }
        for regression in &row.regressions {
            println!("  saved (minimized): {}", regression.display());
            println!("  reproduce: {}", reproduce_command(row.target, regression));
            println!("  or, on stable: cargo test --test corpus_replay");
        }
    }
    write_page(
        "fuzzing.md",
        "Fuzzing: the last run",
        "cargo xtask fuzz",
        started,
        clock.elapsed(),
        &page(&rows, seconds, jobs, &machine),
    )?;
    if crashed.is_empty() {
        println!("\nNo crash. New inputs are in fuzz/corpus/<target>/; `cargo xtask cmin` merges them into corpus/.");
        Ok(())
    } else {
        Err(format!(
            "{} of {} targets crashed",
            crashed.len(),
            rows.len()
        ))
    }
}

fn fuzz_one(target: &'static str, seconds: u64, jobs: u64) -> Result<Row, String> {
    let root = root();
    let work = root.join("fuzz/corpus").join(target);
    let committed = root.join("corpus").join(target);
    let artifacts = root.join("fuzz/artifacts").join(target);
    let logs = root.join("fuzz/logs");
    for dir in [&work, &artifacts, &logs] {
        create_dir(dir)?;
    }
    let log_path = logs.join(format!("{target}.log"));
    let mut log =
        fs::File::create(&log_path).map_err(|err| format!("{}: {err}", log_path.display()))?;
    let artifacts_before = files(&artifacts);
    let work_before = files(&work).len();

    let mut command = cargo_fuzz("run", target);
    command
        .arg(&work)
        .arg(&committed)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1");
    let setup = setup(target);
    command.args(setup.options);
    if let Some(dictionary) = setup.dictionary {
        command.arg(format!("-dict={}", root.join(dictionary).display()));
    }
    if jobs > 1 {
        command.arg(format!("-fork={jobs}"));
    }
    println!(
        "xtask: fuzzing {target} for {seconds} s (log: {})",
        log_path.display()
    );
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cargo fuzz run: {err}"))?;
    let stderr = child.stderr.take().ok_or("cargo fuzz run: no stderr")?;
    // A reader thread, so that progress is printed even when libFuzzer is
    // quiet (late in a run it prints a line per doubling of the runs).
    let (lines, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut run = Run::default();
    let mut last_progress = Instant::now();
    loop {
        match received.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => {
                writeln!(log, "{line}").map_err(|err| format!("{}: {err}", log_path.display()))?;
                run.read(&line);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            last_progress = Instant::now();
            let stats = run.last.unwrap_or_default();
            println!(
                "  {target}: {:>4}/{seconds} s  runs {:>12}  cov {}  ft {}  corpus {}",
                started.elapsed().as_secs(),
                thousands(stats.runs),
                stats.cov,
                stats.ft,
                stats.corpus
            );
        }
    }
    reader.join().map_err(|_| "the output reader panicked")?;
    let status = child
        .wait()
        .map_err(|err| format!("cargo fuzz run: {err}"))?;

    let failures: Vec<PathBuf> = files(&artifacts)
        .difference(&artifacts_before)
        .filter(|path| {
            ["crash-", "leak-", "oom-", "timeout-"]
                .iter()
                .any(|kind| file_name(path).starts_with(kind))
        })
        .cloned()
        .collect();
    if !status.success() && failures.is_empty() {
        return Err(format!(
            "fuzzing {target} failed ({status}) without a crash input; see {}",
            log_path.display()
        ));
    }
    let mut regressions = Vec::new();
    for failure in &failures {
        regressions.push(save_regression(target, failure, &committed, &mut log)?);
    }
    let (runs, fuzzed_seconds) = run.runs_and_seconds(started.elapsed());
    Ok(Row {
        target,
        runs,
        seconds: fuzzed_seconds,
        start: run.start.unwrap_or_default(),
        end: run.last.unwrap_or_default(),
        new_inputs: files(&work).len().saturating_sub(work_before),
        regressions,
        panic: run.panic,
    })
}

/// Minimizes a failing input with `cargo fuzz tmin` and saves the result as
/// `corpus/<target>/regression-<hash>`, which `cargo test` replays for
/// good. Returns the saved file.
fn save_regression(
    target: &str,
    failure: &Path,
    committed: &Path,
    log: &mut fs::File,
) -> Result<PathBuf, String> {
    println!(
        "xtask: {target} failed on {}; minimizing it",
        failure.display()
    );
    let artifacts = failure.parent().unwrap_or(failure);
    let before = files(artifacts);
    let log_copy = log.try_clone().map_err(|err| err.to_string())?;
    let minimized = cargo_fuzz("tmin", target)
        .arg(failure)
        .stdout(Stdio::null())
        .stderr(log_copy)
        .status()
        .ok()
        .and_then(|_| {
            files(artifacts)
                .difference(&before)
                .find(|path| file_name(path).starts_with("minimized-from-"))
                .cloned()
        })
        .unwrap_or_else(|| failure.to_path_buf());
    // libFuzzer names the input by its SHA-1: `crash-<sha1>`.
    let hash = file_name(failure)
        .split_once('-')
        .map_or("input", |(_, hash)| hash);
    let saved = committed.join(format!("regression-{}", &hash[..hash.len().min(16)]));
    fs::copy(&minimized, &saved).map_err(|err| format!("{}: {err}", saved.display()))?;
    Ok(saved)
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The body of `docs/fuzzing.md`: where the run ran, the table, and each
/// crash with its saved input and the command that reproduces it.
fn page(rows: &[Row], seconds: u64, jobs: u64, machine: &Machine) -> String {
    let processes = if jobs > 1 {
        format!("{jobs} libFuzzer processes per target (`-fork={jobs}`)")
    } else {
        "one libFuzzer process per target".to_owned()
    };
    let mut text = format!(
        "Each target fuzzed for {seconds} s in turn, {processes}, over its committed corpus \
         (`corpus/<target>/`) and the working one (`fuzz/corpus/<target>/`).\n\n\
         - Machine: {machine}.\n\
         - Toolchain: {}; {}.\n\n",
        version("rustc", &["+nightly", "--version"]),
        version("cargo", &["+nightly", "fuzz", "--version"]),
    );
    text.push_str(
        "| target | build | time | runs | runs/s | corpus start → end | cov | ft | new inputs | crashes |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for row in rows {
        text.push_str(&format!(
            "| `{}` | `{}` | {} s | {} | {} | {} → {} | {} | {} | {} | {} |\n",
            row.target,
            build_description(row.target, jobs),
            row.seconds.round(),
            thousands(row.runs),
            thousands((row.runs as f64 / row.seconds).round() as u64),
            row.start.corpus,
            row.end.corpus,
            row.end.cov,
            row.end.ft,
            row.new_inputs,
            row.regressions.len()
        ));
    }
    text.push_str(
        "\n`runs` and `time` are libFuzzer's final count (`Done N runs in T second(s)`); \
         corpus, `cov` (edges reached) and `ft` (features) are from its first status line after \
         loading the corpus and its last; `new inputs` are the files it added to \
         `fuzz/corpus/<target>/`, which `cargo xtask cmin` merges into `corpus/`.\n",
    );
    let crashed: Vec<&Row> = rows
        .iter()
        .filter(|row| !row.regressions.is_empty())
        .collect();
    if crashed.is_empty() {
        text.push_str("\nNo crash.\n");
    }
    for row in crashed {
        text.push_str(&format!("\n## `{}` crashed\n\n", row.target));
        if let Some(panic) = &row.panic {
            text.push_str(&format!("```text\n{panic}\n```\n\n"));
        }
        for regression in &row.regressions {
            let saved = regression.strip_prefix(root()).unwrap_or(regression);
            text.push_str(&format!(
                "- saved (minimized) as `{}`; reproduce: `{}`, or on stable `cargo test --test corpus_replay`\n",
                saved.display(),
                reproduce_command(row.target, regression)
            ));
        }
    }
    text
}

fn print_table(rows: &[Row]) {
    // As wide as the longest target name.
    let width = rows
        .iter()
        .map(|row| row.target.len())
        .fold("target".len(), usize::max);
    println!(
        "{:<width$} {:>6} {:>14} {:>10} {:>18} {:>6} {:>7} {:>11} {:>8}",
        "target",
        "time",
        "runs",
        "runs/s",
        "corpus start > end",
        "cov",
        "ft",
        "new inputs",
        "crashes"
    );
    for row in rows {
        println!(
            "{:<width$} {:>5}s {:>14} {:>10} {:>18} {:>6} {:>7} {:>11} {:>8}",
            row.target,
            row.seconds.round(),
            thousands(row.runs),
            thousands((row.runs as f64 / row.seconds).round() as u64),
            format!("{} > {}", row.start.corpus, row.end.corpus),
            row.end.cov,
            row.end.ft,
            row.new_inputs,
            row.regressions.len()
        );
    }
}

/// Whether a corpus file is kept by `cmin --minimize` whatever its
/// coverage: the seeds and every input that ever made a target fail.
fn always_kept(path: &Path) -> bool {
    let name = file_name(path);
    name.starts_with("seed-") || name.starts_with("regression-")
}

/// `cargo xtask cmin`: for each target, adds to `corpus/<target>/` the
/// inputs of `fuzz/corpus/<target>/` that reach a feature the committed
/// corpus does not, and removes nothing. With `minimize`, the committed
/// corpus is chosen anew instead: seed and regression files, then the
/// inputs of both folders that add features beyond them (libFuzzer prefers
/// the smallest), and the other files of `corpus/<target>/` are deleted.
pub(crate) fn cmin(targets: &[&'static str], minimize: bool) -> Result<(), String> {
    ensure_tools()?;
    let root = root();
    for target in targets {
        run_checked(
            cargo_fuzz("build", target).stdout(Stdio::null()),
            "cargo fuzz build",
        )?;
        let committed = root.join("corpus").join(target);
        let work = root.join("fuzz/corpus").join(target);
        create_dir(&work)?;
        let before = files(&committed);
        if minimize {
            let chosen = root.join("fuzz/cmin").join(target);
            if chosen.exists() {
                fs::remove_dir_all(&chosen)
                    .map_err(|err| format!("{}: {err}", chosen.display()))?;
            }
            create_dir(&chosen)?;
            for path in before.iter().filter(|path| always_kept(path)) {
                fs::copy(path, chosen.join(file_name(path))).map_err(|err| err.to_string())?;
            }
            merge(target, &chosen, &[&committed, &work])?;
            for path in before.iter().filter(|path| !always_kept(path)) {
                fs::remove_file(path).map_err(|err| format!("{}: {err}", path.display()))?;
            }
            for path in files(&chosen).iter().filter(|path| !always_kept(path)) {
                fs::copy(path, committed.join(file_name(path))).map_err(|err| err.to_string())?;
            }
        } else {
            merge(target, &committed, &[&work])?;
        }
        let after = files(&committed);
        println!(
            "corpus/{target}: {} files before, {} after ({} new)",
            before.len(),
            after.len(),
            after.difference(&before).count()
        );
    }
    Ok(())
}

/// libFuzzer's `-merge=1`: adds to `into` each input of `from` that reaches
/// a feature `into` does not yet reach, named by its SHA-1.
fn merge(target: &str, into: &Path, from: &[&Path]) -> Result<(), String> {
    let logs = root().join("fuzz/logs");
    create_dir(&logs)?;
    let log_path = logs.join(format!("{target}-cmin.log"));
    let log =
        fs::File::create(&log_path).map_err(|err| format!("{}: {err}", log_path.display()))?;
    run_checked(
        cargo_fuzz("run", target)
            .arg(into)
            .args(from)
            .args(["--", "-merge=1"])
            .args(setup(target).options)
            .stdout(Stdio::null())
            .stderr(log),
        &format!("merging {target} (log: {})", log_path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_read_in_both_modes() {
        let plain = "#84\tINITED cov: 187 ft: 496 corp: 50/7663b exec/s: 0 rss: 27Mb";
        assert_eq!(
            Stats::parse(plain),
            Some(Stats {
                runs: 84,
                cov: 187,
                ft: 496,
                corpus: 50
            })
        );
        let fork = "#1048576: cov: 190 ft: 510 corp: 61 exec/s: 99000 oom/timeout/crash: 0/0/0 time: 12s job: 3 dft_time: 0";
        assert_eq!(
            Stats::parse(fork),
            Some(Stats {
                runs: 1_048_576,
                cov: 190,
                ft: 510,
                corpus: 61
            })
        );
        assert_eq!(Stats::parse("INFO: Seed: 123"), None);
        assert_eq!(Stats::parse("#0\tREAD units: 83"), None);
    }

    #[test]
    fn a_run_keeps_the_start_the_end_and_the_panic() {
        let mut run = Run::default();
        for line in [
            "#2\tINITED cov: 10 ft: 20 corp: 3/40b exec/s: 0 rss: 27Mb",
            "#1024\tNEW    cov: 12 ft: 25 corp: 4/50b lim: 4 exec/s: 0 rss: 27Mb",
            "thread '<unnamed>' panicked at src/check.rs:10:5:",
            "the walk stopped at offset 8",
            "note: run with `RUST_BACKTRACE=1`",
            "Done 2048 runs in 3 second(s)",
        ] {
            run.read(line);
        }
        assert_eq!(run.start.map(|stats| stats.corpus), Some(3));
        assert_eq!(run.last.map(|stats| stats.corpus), Some(4));
        assert_eq!(run.runs_and_seconds(Duration::ZERO), (2048, 3.0));
        assert_eq!(
            run.panic.as_deref(),
            Some("thread '<unnamed>' panicked at src/check.rs:10:5:\nthe walk stopped at offset 8")
        );
    }

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

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn only_seeds_and_regressions_are_always_kept() {
        assert!(always_kept(Path::new("corpus/parse/seed-rights-1fd")));
        assert!(always_kept(Path::new(
            "corpus/parse/regression-0123456789abcdef"
        )));
        assert!(!always_kept(Path::new(
            "corpus/parse/3f786850e387550fdab836ed7e6dc881de23001b"
        )));
    }
}
