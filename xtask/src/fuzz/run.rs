//! `cargo xtask fuzz`: each target run in turn, libFuzzer's output read
//! line by line, and each crash minimized and saved as a regression.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use super::table::{page, print_table, thousands};
use super::{
    cargo_fuzz, create_dir, ensure_tools, file_name, files, peer_of, reproduce_command,
    run_checked, setup,
};
use crate::{root, write_page, Machine};

/// How often a progress line is printed while a target runs.
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// libFuzzer's numbers from one status line, such as
/// `#4096 pulse  cov: 187 ft: 496 corp: 50/7663b lim: 4096 exec/s: 2048`
/// or, with `-fork`, `#8192: cov: 187 ft: 496 corp: 50 exec/s: 4096 ...`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Stats {
    runs: u64,
    pub(super) cov: u64,
    pub(super) ft: u64,
    pub(super) corpus: u64,
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
pub(super) struct Row {
    pub(super) target: &'static str,
    pub(super) runs: u64,
    pub(super) seconds: f64,
    pub(super) start: Stats,
    pub(super) end: Stats,
    pub(super) new_inputs: usize,
    pub(super) regressions: Vec<PathBuf>,
    pub(super) panic: Option<String>,
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
            match peer_of(row.target) {
                Some(peer) => println!(
                    "  in the table: cargo xtask conformance --peers {peer} --input {}",
                    regression
                        .strip_prefix(root())
                        .unwrap_or(regression)
                        .display()
                ),
                None => println!("  or, on stable: cargo test --test corpus_replay"),
            }
        }
    }
    // The peers' runs have a page of their own, so that neither kind of run
    // overwrites the other's.
    let (page_name, title, command) = if targets.iter().all(|target| peer_of(target).is_some()) {
        (
            "fuzzing-peers.md",
            "Fuzzing the peers: the last run",
            "cargo xtask fuzz --targets peers",
        )
    } else {
        ("fuzzing.md", "Fuzzing: the last run", "cargo xtask fuzz")
    };
    write_page(
        page_name,
        title,
        command,
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
    for dir in [&work, &committed, &artifacts, &logs] {
        create_dir(dir)?;
    }
    let log_path = logs.join(format!("{target}.log"));
    let mut log =
        fs::File::create(&log_path).map_err(|err| format!("{}: {err}", log_path.display()))?;
    let artifacts_before = files(&artifacts);
    let work_before = files(&work).len();

    let setup = setup(target);
    let mut command = cargo_fuzz("run", target);
    command.arg(&work).arg(&committed);
    for seeds in setup.seeds {
        command.arg(root.join(seeds));
    }
    command
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg("-print_final_stats=1");
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
}
