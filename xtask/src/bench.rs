//! `cargo xtask bench`: the criterion benchmarks of `benches/`, and
//! `docs/performance.md` from what they measured.
//!
//! Each benchmark binary (`cargo bench --bench parse`, `encode`, `live`,
//! `typed`, `tokio`, `uring`) measures the crate and a baseline doing the
//! same work, side by side in one run: libc's calls and macros (a function
//! named `libc` or `libc_fill`), or for the async round trips of `tokio`
//! and the io_uring receives of `uring` the crate's own blocking helpers
//! (`sync`); each criterion group has one. A benchmark is its own crate
//! that links sockcmsg's rlib, as a user's crate does, so only what
//! sockcmsg marks `#[inline]` (or LTO) crosses into it; each runs in the
//! [`BUILDS`] users build with: cargo's release profile, without LTO, and
//! with fat LTO. Criterion writes each measurement to
//! `<criterion home>/<group>/<function>/<size>/new/estimates.json` (next
//! to `benchmark.json`, which names it); the home is `$CRITERION_HOME`, else
//! `criterion/` in cargo's target directory, which honours
//! `CARGO_TARGET_DIR`. Only the files this run wrote are read, so that a
//! benchmark measured by an older run cannot slip into the page.
//!
//! Other processes on a shared machine slow a benchmark for seconds at a
//! time (the same binary measured one message's encoding at 6.7 ns, then
//! at 13.1 ns on the next run), and criterion measures a baseline and its
//! rival one after the other: one slowed and not the other is a ratio
//! that measures the machine. So every benchmark binary runs in
//! [`DEFAULT_ROUNDS`] rounds, the benchmarks of a build taking turns, and
//! each benchmark keeps its round with the lowest median: noise only adds
//! time, and baseline and rival are treated alike.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use crate::fuzz::run_checked;
use crate::{load_average, root, target_dir, version, write_page, Machine};

/// The benchmark binaries of `benches/`, in the order they run.
pub(crate) const BENCHES: [&str; 6] = ["parse", "encode", "live", "typed", "tokio", "uring"];

/// The rounds each benchmark binary runs in, unless `--rounds` says.
pub(crate) const DEFAULT_ROUNDS: u64 = 2;

/// The benchmarks, or the ones named in `--benches`.
pub(crate) fn benches(selected: Option<&str>) -> Result<Vec<&'static str>, String> {
    let Some(selected) = selected else {
        return Ok(BENCHES.to_vec());
    };
    selected
        .split(',')
        .map(|name| {
            BENCHES
                .iter()
                .find(|known| **known == name)
                .copied()
                .ok_or_else(|| format!("no benchmark {name:?}; the benchmarks are {BENCHES:?}"))
        })
        .collect()
}

/// How a benchmark binary is built: its name on the page and the
/// environment that sets cargo's bench profile.
#[derive(Debug)]
pub(crate) struct Build {
    pub(crate) name: &'static str,
    /// The folder under the criterion home that holds this build's results.
    folder: &'static str,
    env: &'static [(&'static str, &'static str)],
}

/// The builds every benchmark runs in: as `cargo build --release` builds a
/// user's crate (no LTO, 16 codegen units), and with fat LTO and one
/// codegen unit, where the codec can be inlined whatever its attributes.
pub(crate) const BUILDS: [Build; 2] = [
    Build {
        name: "release, no LTO",
        folder: "release",
        env: &[],
    },
    Build {
        name: "release, fat LTO, 1 codegen unit",
        folder: "lto",
        env: &[
            ("CARGO_PROFILE_BENCH_LTO", "fat"),
            ("CARGO_PROFILE_BENCH_CODEGEN_UNITS", "1"),
        ],
    },
];

/// Where criterion writes its results.
pub(crate) fn criterion_home() -> Result<PathBuf, String> {
    match std::env::var_os("CRITERION_HOME") {
        Some(home) => Ok(PathBuf::from(home)),
        None => Ok(target_dir()?.join("criterion")),
    }
}

/// One benchmark as criterion measured it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measured {
    /// `walk`, `rights`, `round_trip`, ...
    pub(crate) group: String,
    /// `libc`, `messages`, ...
    pub(crate) function: String,
    /// The size it ran at (`16` messages, `253` fds), if it has one.
    pub(crate) value: Option<String>,
    /// The messages one iteration handles, for the benchmarks that say.
    elements: Option<u64>,
    /// The median time of one iteration, and its confidence interval, in
    /// nanoseconds.
    pub(crate) median: f64,
    low: f64,
    high: f64,
    /// When criterion wrote it: the order the benchmarks ran in.
    written: SystemTime,
}

impl Measured {
    /// `walk/messages/16`, criterion's id.
    fn id(&self) -> String {
        match &self.value {
            Some(value) => format!("{}/{}/{value}", self.group, self.function),
            None => format!("{}/{}", self.group, self.function),
        }
    }

    /// Whether this is its group's baseline: libc's (`libc`, `libc_fill`),
    /// or the blocking helpers the async and io_uring ones are measured
    /// against (`sync`).
    fn is_baseline(&self) -> bool {
        self.function.starts_with("libc") || self.function == "sync"
    }

    /// Reads `new/benchmark.json` and `new/estimates.json` in `new`.
    fn read(new: &Path) -> Result<Measured, String> {
        let json = |name: &str| -> Result<(Value, SystemTime), String> {
            let path = new.join(name);
            let text = fs::read(&path).map_err(|err| format!("{}: {err}", path.display()))?;
            let written = fs::metadata(&path)
                .and_then(|metadata| metadata.modified())
                .map_err(|err| format!("{}: {err}", path.display()))?;
            let value = serde_json::from_slice(&text)
                .map_err(|err| format!("{}: not JSON: {err}", path.display()))?;
            Ok((value, written))
        };
        let (benchmark, _) = json("benchmark.json")?;
        let (estimates, written) = json("estimates.json")?;
        Measured::of(&benchmark, &estimates, written)
            .ok_or_else(|| format!("{}: not criterion's format", new.display()))
    }

    pub(crate) fn of(
        benchmark: &Value,
        estimates: &Value,
        written: SystemTime,
    ) -> Option<Measured> {
        let text = |field: &str| benchmark[field].as_str().map(str::to_owned);
        let median = &estimates["median"];
        Some(Measured {
            group: text("group_id")?,
            function: text("function_id").unwrap_or_default(),
            value: text("value_str"),
            elements: benchmark["throughput"]["Elements"].as_u64(),
            median: median["point_estimate"].as_f64()?,
            low: median["confidence_interval"]["lower_bound"].as_f64()?,
            high: median["confidence_interval"]["upper_bound"].as_f64()?,
            written,
        })
    }
}

/// The `new/` folders under `dir` whose estimates were written at `since`
/// or later.
fn written_since(dir: &Path, since: SystemTime, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let estimates = path.join("estimates.json");
        if path.file_name().is_some_and(|name| name == "new") && estimates.is_file() {
            let fresh = fs::metadata(&estimates)
                .and_then(|metadata| metadata.modified())
                .is_ok_and(|written| written >= since);
            if fresh {
                found.push(path);
            }
        } else {
            written_since(&path, since, found);
        }
    }
}

/// The benchmarks criterion wrote under `home` since `since`, but those in
/// `seen`, in the order they ran.
pub(crate) fn read_results(
    home: &Path,
    since: SystemTime,
    seen: &[Measured],
) -> Result<Vec<Measured>, String> {
    let mut folders = Vec::new();
    written_since(home, since, &mut folders);
    let mut results = Vec::new();
    for folder in folders {
        let measured = Measured::read(&folder)?;
        if !seen.iter().any(|old| old.id() == measured.id()) {
            results.push(measured);
        }
    }
    results.sort_by_key(|measured| measured.written);
    Ok(results)
}

/// The baseline of `measured` in `results`: the same group and size.
fn baseline<'a>(measured: &Measured, results: &'a [Measured]) -> Option<&'a Measured> {
    results.iter().find(|other| {
        other.is_baseline() && other.group == measured.group && other.value == measured.value
    })
}

/// A time in nanoseconds with three significant figures: `4.15 ns`,
/// `98.0 ns`, `1.82 µs`.
fn time(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {unit}")
}

/// The ratio column: how long `measured` takes over its baseline.
fn ratio(measured: &Measured, results: &[Measured]) -> String {
    match baseline(measured, results) {
        _ if measured.is_baseline() => "baseline".to_owned(),
        Some(base) if base.median > 0.0 => format!("{:.2}", measured.median / base.median),
        _ => "no baseline".to_owned(),
    }
}

/// One benchmark binary's results.
struct Section {
    bench: &'static str,
    build: &'static Build,
    results: Vec<Measured>,
}

/// The first paragraph of `benches/<bench>.rs`'s `//!` comment: what it
/// compares.
fn about(bench: &str) -> String {
    let path = root().join("benches").join(format!("{bench}.rs"));
    let source = fs::read_to_string(path).unwrap_or_default();
    source
        .lines()
        .map_while(|line| line.strip_prefix("//!"))
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The body of `docs/performance.md`.
fn page(
    sections: &[Section],
    machine: &Machine,
    load_at_end: &str,
    rounds: u64,
    criterion: &[String],
) -> String {
    let options = if criterion.is_empty() {
        "criterion's defaults (3 s warm-up, 5 s of measurement, 100 samples per benchmark)"
            .to_owned()
    } else {
        format!("criterion options `{}`", criterion.join(" "))
    };
    let mut text = format!(
        "Each benchmark runs beside its baseline in the same `cargo bench` run: libc doing \
         the same work (`libc`, `libc_fill`), or, for the async round trips and the io_uring \
         receives, the crate's blocking helpers on the same socket kind (`sync`). It runs with \
         {options}. Each benchmark is a crate of its own that links sockcmsg as a user's \
         crate does, and runs twice: built with cargo's release profile (no LTO), and \
         with fat LTO and one codegen unit. Each build's benchmark binaries run in {rounds} \
         round(s), taking turns, and each benchmark shows its round with the lowest \
         median: other processes only add time, to a baseline or its rival alike.\n\n\
         - Machine: {machine}, {load_at_end} at the end.\n\
         - Toolchain: {}.\n\n\
         `median` is criterion's median time of one iteration and `95% interval` its \
         confidence interval; `per message` divides the median by the messages an iteration \
         handles, where the benchmark says how many; `/ baseline` is the median over the \
         median of the baseline of the same group and size, measured in this run: below 1 \
         the benchmark is the faster. Other processes on the machine move these figures from one run \
         to the next; compare ratios, not runs.\n",
        version("rustc", &["--version"]),
    );
    for section in sections {
        text.push_str(&format!(
            "\n## `cargo bench --bench {}`, {}\n\n{}\n\n\
             | benchmark | median | 95% interval | per message | / baseline |\n\
             |---|--:|--:|--:|--:|\n",
            section.bench,
            section.build.name,
            about(section.bench)
        ));
        let mut results = section.results.clone();
        // By group, then by size, each size's baseline first; groups and
        // functions in the order they ran.
        let order = |measured: &Measured| {
            let group = section
                .results
                .iter()
                .position(|other| other.group == measured.group);
            let size = measured
                .value
                .as_deref()
                .and_then(|value| value.parse::<u64>().ok());
            (group, size, !measured.is_baseline(), measured.written)
        };
        results.sort_by(|a, b| {
            order(a)
                .partial_cmp(&order(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        for measured in &results {
            let per_message = match measured.elements {
                Some(elements) if elements > 1 => time(measured.median / elements as f64),
                Some(_) => time(measured.median),
                None => String::new(),
            };
            text.push_str(&format!(
                "| `{}` | {} | {} – {} | {per_message} | {} |\n",
                measured.id(),
                time(measured.median),
                time(measured.low),
                time(measured.high),
                ratio(measured, &section.results)
            ));
        }
    }
    text
}

/// Keeps, for each benchmark of `results`, the lower median of its entry
/// in `kept` and its new one.
fn keep_fastest(kept: &mut Vec<Measured>, results: Vec<Measured>) {
    for measured in results {
        match kept.iter_mut().find(|old| old.id() == measured.id()) {
            Some(old) if old.median <= measured.median => {}
            Some(old) => *old = measured,
            None => kept.push(measured),
        }
    }
}

/// Runs `cargo bench --bench <bench>` in `build` with criterion's results
/// under `home`, and returns what it measured: the results written since
/// it started, but those of `others` (other benchmarks of the build).
fn run_bench(
    bench: &str,
    build: &Build,
    home: &Path,
    criterion: &[String],
    started: SystemTime,
    others: &[Measured],
) -> Result<Vec<Measured>, String> {
    // A second of slack for file systems with coarse times; the other
    // benchmarks' results are told apart by their ids.
    let since = SystemTime::now()
        .checked_sub(Duration::from_secs(1))
        .unwrap_or(started);
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .args(["bench", "--bench", bench])
        .env("CRITERION_HOME", home)
        .envs(build.env.iter().copied());
    if !criterion.is_empty() {
        command.arg("--").args(criterion);
    }
    run_checked(&mut command, &format!("cargo bench --bench {bench}"))?;
    let results = read_results(home, since, others)?;
    if results.is_empty() {
        return Err(format!(
            "cargo bench --bench {bench} left no new estimates.json under {}",
            home.display()
        ));
    }
    Ok(results)
}

/// `cargo xtask bench`: runs each benchmark binary `rounds` times,
/// `criterion` options passed to it, then writes `docs/performance.md`.
pub(crate) fn bench(
    benches: &[&'static str],
    rounds: u64,
    criterion: &[String],
) -> Result<(), String> {
    let machine = Machine::now();
    let (started, clock) = (SystemTime::now(), Instant::now());
    let mut sections: Vec<Section> = Vec::new();
    for build in &BUILDS {
        let home = criterion_home()?.join(build.folder);
        let first = sections.len();
        for round in 1..=rounds {
            for (index, bench) in benches.iter().enumerate() {
                let others: Vec<Measured> = sections
                    .iter()
                    .skip(first)
                    .filter(|section| section.bench != *bench)
                    .flat_map(|section| section.results.iter().cloned())
                    .collect();
                println!(
                    "xtask: cargo bench --bench {bench}, {}, round {round} of {rounds} \
                     (criterion's results in {})",
                    build.name,
                    home.display()
                );
                let results = run_bench(bench, build, &home, criterion, started, &others)?;
                match sections.get_mut(first + index) {
                    Some(section) => keep_fastest(&mut section.results, results),
                    None => sections.push(Section {
                        bench,
                        build,
                        results,
                    }),
                }
            }
        }
    }
    println!(
        "\n{:<40} {:>10} {:>12}",
        "benchmark", "median", "/ baseline"
    );
    for section in &sections {
        println!("{}", section.build.name);
        for measured in &section.results {
            println!(
                "{:<40} {:>10} {:>12}",
                measured.id(),
                time(measured.median),
                ratio(measured, &section.results)
            );
        }
    }
    let body = page(&sections, &machine, &load_average(), rounds, criterion);
    write_page(
        "performance.md",
        "Performance: the last run",
        "cargo xtask bench",
        started,
        clock.elapsed(),
        &body,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn measured(function: &str, value: Option<&str>, median: f64) -> Measured {
        Measured {
            group: "walk".into(),
            function: function.into(),
            value: value.map(str::to_owned),
            elements: Some(16),
            median,
            low: median * 0.9,
            high: median * 1.1,
            written: UNIX_EPOCH,
        }
    }

    #[test]
    fn criterion_files_are_read() {
        let benchmark = serde_json::json!({
            "group_id": "walk", "function_id": "messages", "value_str": "16",
            "throughput": {"Elements": 16}, "full_id": "walk/messages/16",
            "directory_name": "walk/messages/16", "title": "walk/messages/16"
        });
        let estimate = |point: f64| {
            serde_json::json!({
                "confidence_interval": {"confidence_level": 0.95, "lower_bound": point - 1.0, "upper_bound": point + 1.0},
                "point_estimate": point, "standard_error": 0.5
            })
        };
        let estimates = serde_json::json!({
            "mean": estimate(40.0), "median": estimate(39.0), "median_abs_dev": estimate(1.0),
            "slope": null, "std_dev": estimate(2.0)
        });
        let read = Measured::of(&benchmark, &estimates, UNIX_EPOCH).unwrap();
        assert_eq!(
            read,
            Measured {
                low: 38.0,
                high: 40.0,
                ..measured("messages", Some("16"), 39.0)
            }
        );
        assert_eq!(read.id(), "walk/messages/16");
        assert!(Measured::of(&serde_json::json!({}), &estimates, UNIX_EPOCH).is_none());
    }

    #[test]
    fn ratios_are_to_the_libc_baseline_of_the_same_size() {
        let results = [
            measured("libc", Some("1"), 4.0),
            measured("messages", Some("1"), 3.0),
            measured("libc", Some("16"), 32.0),
            measured("messages", Some("16"), 40.0),
            measured("go_style", None, 40.0),
        ];
        assert_eq!(ratio(&results[0], &results), "baseline");
        assert_eq!(ratio(&results[1], &results), "0.75");
        assert_eq!(ratio(&results[3], &results), "1.25");
        assert_eq!(ratio(&results[4], &results), "no baseline");
    }

    #[test]
    fn async_round_trips_are_to_the_sync_baseline_of_their_group() {
        let round_trip = |group: &str, function: &str, median: f64| Measured {
            group: group.into(),
            elements: None,
            ..measured(function, None, median)
        };
        let results = [
            round_trip("stream_round_trip", "sync", 4.0),
            round_trip("stream_round_trip", "async", 5.0),
            round_trip("seqpacket_round_trip", "sync", 5.0),
            round_trip("seqpacket_round_trip", "async", 4.0),
            round_trip("seqpacket_round_trip", "tokio_seqpacket", 6.0),
            round_trip("round_trip", "async", 4.0),
        ];
        assert_eq!(ratio(&results[0], &results), "baseline");
        assert_eq!(ratio(&results[1], &results), "1.25");
        assert_eq!(ratio(&results[2], &results), "baseline");
        assert_eq!(ratio(&results[3], &results), "0.80");
        assert_eq!(ratio(&results[4], &results), "1.20");
        assert_eq!(ratio(&results[5], &results), "no baseline");
    }

    #[test]
    fn each_benchmark_keeps_its_lowest_median() {
        let mut kept = vec![
            measured("libc", Some("1"), 4.0),
            measured("messages", Some("1"), 3.0),
        ];
        keep_fastest(
            &mut kept,
            vec![
                measured("libc", Some("1"), 3.5),
                measured("messages", Some("1"), 6.0),
                measured("libc", Some("16"), 32.0),
            ],
        );
        let medians: Vec<(String, f64)> = kept.iter().map(|m| (m.id(), m.median)).collect();
        assert_eq!(
            medians,
            [
                ("walk/libc/1".to_owned(), 3.5),
                ("walk/messages/1".to_owned(), 3.0),
                ("walk/libc/16".to_owned(), 32.0)
            ]
        );
    }

    #[test]
    fn times_have_three_significant_figures() {
        assert_eq!(time(4.153), "4.15 ns");
        assert_eq!(time(98.04), "98.0 ns");
        assert_eq!(time(812.4), "812 ns");
        assert_eq!(time(1821.0), "1.82 µs");
        assert_eq!(time(2_370_000.0), "2.37 ms");
    }

    #[test]
    fn benchmarks_are_checked_and_described() {
        assert_eq!(benches(None), Ok(BENCHES.to_vec()));
        assert_eq!(benches(Some("live,parse")), Ok(vec!["live", "parse"]));
        assert!(benches(Some("walk")).is_err());
        for bench in BENCHES {
            assert!(root().join("benches").join(format!("{bench}.rs")).is_file());
            assert!(
                !about(bench).is_empty(),
                "benches/{bench}.rs says what it compares"
            );
        }
    }
}
