//! `cargo xtask miri`: the peers' parse loops under Miri, and glibc's walk
//! under AddressSanitizer, on the conformance runner's rule probes and a
//! sample of `corpus/parse/`: the conformance table's "undefined
//! behaviour" column.
//!
//! `peers/miri/` (a workspace of its own, the lock file's versions) holds
//! the programs; this module runs them:
//!
//! 1. `miri-inputs`, natively: the rule probes (as the runner hands them to
//!    a parser) and 50 files of `corpus/parse/`, into one file.
//! 2. `miri-parse PEER FILE` under `cargo +nightly miri run`, for each
//!    peer of [`PEERS`]: each input at the end of an allocation of its own,
//!    8-aligned, and again at an odd address (the runner's `unaligned`
//!    placement), in separate runs. Miri stops at the first undefined
//!    behaviour; the run is started again after the input it stopped at, so
//!    that one UB does not hide the others. A UB met again and again would
//!    cost a Miri run per input, so some inputs are passed over
//!    ([`run_peer`]): aligned, once [`REPEATS`] inputs of an input group (a
//!    rule's probes, the corpus sample) stopped at the same UB (the same
//!    line and message), or one if that UB already stopped inputs of two
//!    other groups, the rest of the group is sampled, 1, 3, 7, ... inputs
//!    passed over after each further stop there; at an odd address, where
//!    every input meets the same misaligned first header, the rest of the
//!    run after [`REPEATS`] stops at one UB. An abort (a panic in a function
//!    that cannot unwind) stops a run too and is listed, not counted as UB.
//!    When a UB is an aliasing-model one (Stacked Borrows, Miri's default,
//!    which Rust has not adopted), the aligned run is repeated under Tree
//!    Borrows (`-Zmiri-tree-borrows`), which says whether the code is UB
//!    under both models and shows what the aliasing error hid. When it is
//!    pointer arithmetic out of the allocation, the run is repeated with
//!    [`SPARE`] bytes after each input ([`Placement::Spare`]): a received
//!    buffer with room left, where a step just past the end is not UB, so
//!    the UBs that hid behind it show.
//! 3. For glibc, `asan-glibc` built with `-Zsanitizer=address`: glibc's
//!    walk on the same inputs (every one, long ones included: ASan is
//!    fast), and its two demonstrations: glibc's `__cmsg_nxthdr` reading
//!    past an allocation unseen (glibc is not instrumented), and a caller's
//!    loop doing the same, reported.
//! 4. For nix, which parses only inside its own `recvmsg`, `asan-forged`
//!    built with `-Zsanitizer=address`: the runner's forged receives, each
//!    ASan report a line ([`forged`]).
//!
//! Inputs longer than [`MAX_LEN`] (each rule's edge "at scale": after 255
//! to 1,000 messages, and at the end of 128 KiB) are not run under Miri:
//! they take it seconds to a minute each, and their edges are in the short
//! probes.
//!
//! The results are printed, and written as the lines the conformance
//! program's `--undefined FILE` reads ([`undefined_lines`]): for every
//! peer, to `docs/undefined-behaviour.tsv`, which `cargo xtask
//! conformance` reads; with `--peers`, to `<target>/miri-peers/undefined.tsv`.
//! Measured on a 2-core machine, two Miri runs at a time, builds warm:
//! about 3 minutes in all, nix's 1,331 forged receives under ASan 45 s of
//! them (the first build of the Miri and ASan programs adds a few). `--exhaustive` passes
//! over no input and finds the UBs the sampling misses (linux-raw-sys's
//! `lib.rs:147`, tokio-seqpacket's `reader.rs:281` under Stacked Borrows):
//! 8.5 minutes for rustix-linux-raw and tokio-seqpacket alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::fuzz::run_checked;
use crate::{root, target_dir};

mod forged;
mod output;
mod page;
use output::{asan_lines, group, last_lines, read_run, stop_reason, ub};
pub(crate) use page::{report, undefined_lines};

#[path = "../../../peers/miri/src/format.rs"]
mod format;
use format::{hex, Input};

/// The peers of the conformance table this command fills the `undefined
/// behaviour` column of (their slugs), each with the `miri-parse` runs it
/// takes: rustix's are its walk as Miri builds it (the libc backend, which
/// rustix's build.rs picks under Miri) and `rustix-linux-raw`, the same
/// walk with its linux_raw backend's macros, linux-raw-sys's
/// `cmsg_macros` (the backend the table runs). glibc and nix have none:
/// they are run under AddressSanitizer, glibc's walk by `asan-glibc`, nix's
/// receive through forged receives ([`forged`]).
pub(crate) const PEERS: [(&str, &[&str]); 7] = [
    ("sockcmsg", &["sockcmsg"]),
    ("libc", &["libc"]),
    ("rustix", &["rustix", "rustix-linux-raw"]),
    ("tokio-seqpacket", &["tokio-seqpacket"]),
    ("std", &["std"]),
    ("glibc", &[]),
    ("nix", &[]),
];

/// The longest input run under Miri (`miri-parse`'s default).
pub(crate) const MAX_LEN: usize = 4096;

/// How many inputs of a group may stop at the same UB before the rest of
/// the group is passed over (see [`run_peer`]).
pub(crate) const REPEATS: usize = 2;

/// How long one Miri run may take.
const RUN_LIMIT: Duration = Duration::from_secs(20 * 60);

/// Where an input is put.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Placement {
    /// At an 8-aligned address.
    Aligned,
    /// One byte past one, as the runner's `unaligned` check puts it.
    OddAddress,
    /// Aligned, with [`SPARE`] bytes after it in its allocation: a received
    /// buffer with room left, where stepping a little past the end is not
    /// out of the allocation (run when the aligned run found pointer
    /// arithmetic out of it, to show what that hid).
    Spare,
}

/// The room after the buffer in [`Placement::Spare`].
pub(crate) const SPARE: usize = 64;

/// Miri's aliasing model for a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Borrows {
    /// Miri's default.
    Stacked,
    /// `-Zmiri-tree-borrows`.
    Tree,
}

/// One undefined behaviour Miri reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ub {
    /// The report's first lines: `error: Undefined Behavior: ...`, the
    /// `-->` line and the code it points at.
    pub(crate) first_lines: Vec<String>,
    /// The input: its label (`tail #0`, `corpus seed-...`, std's case).
    pub(crate) input: String,
    /// The input in hex (empty for std's cases, which are calls).
    pub(crate) input_hex: String,
    /// The line of the library's code: the innermost frame in a crate of
    /// the registry, in std's `os/unix/net/`, or in the rustix copy
    /// (`peers/miri/src/linux_raw.rs`); else where Miri points. As
    /// `crate-version/src/file.rs:line:column`.
    pub(crate) location: String,
    /// That line of source, read from the file.
    pub(crate) code: String,
    /// The library frames under it (callers), innermost first.
    pub(crate) callers: Vec<String>,
    /// Whether it is an aliasing-model (Stacked or Tree Borrows) error.
    pub(crate) aliasing: bool,
    /// How many inputs stopped at this location.
    pub(crate) inputs: usize,
}

impl Ub {
    /// What makes two reports the same UB: the line, and the message with
    /// its numbers (tags, allocations, offsets, sizes) taken out.
    pub(crate) fn key(&self) -> String {
        let message = self.first_lines.first().map_or("", String::as_str);
        // Numbers (tags, allocations, offsets, sizes) as `#`, and up to the
        // first ", " or " at alloc": "in-bounds pointer arithmetic failed:
        // attempting to offset pointer by # bytes", "trying to retag from
        // <#> for Unique permission", "constructing invalid value of type
        // &mut [u#]: encountered a dangling reference (...)".
        let mut words = String::new();
        for c in message.chars() {
            match c.is_ascii_digit() {
                true if words.ends_with('#') => {}
                true => words.push('#'),
                false => words.push(c),
            }
        }
        let words = words.split(", ").next().unwrap_or("");
        let words = words.split(" at alloc").next().unwrap_or("");
        format!("{} {words}", self.location)
    }
}

/// A run that ended for another reason than UB (an abort).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stopped {
    /// The input.
    pub(crate) input: String,
    /// Miri's first line (`error: abnormal termination: ...`) and the last
    /// panic message before it.
    pub(crate) what: String,
}

/// One peer's result in one placement and model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MiriResult {
    /// The table's peer (its slug).
    pub(crate) slug: String,
    /// The run (`miri-parse`'s name: the slug, or `rustix-linux-raw`).
    pub(crate) name: String,
    pub(crate) placement: Placement,
    pub(crate) borrows: Borrows,
    /// Inputs run (to their end or to Miri's error).
    pub(crate) cases: usize,
    /// Of those, how many ran to their end with no UB (a caught panic
    /// included).
    pub(crate) clean: usize,
    /// The first UB, if any.
    pub(crate) first: Option<Ub>,
    /// The other UBs at other lines, in the order met.
    pub(crate) others: Vec<Ub>,
    /// Aborts.
    pub(crate) stopped: Vec<Stopped>,
    /// Inputs not run because their group stopped [`REPEATS`] times at the
    /// same line.
    pub(crate) skipped: usize,
    /// Miri runs made.
    pub(crate) runs: usize,
    /// Wall time.
    pub(crate) time: Duration,
}

impl MiriResult {
    /// The table's cell: `no UB (202 inputs)` or the first UB's line.
    pub(crate) fn cell(&self) -> String {
        match &self.first {
            None => format!("no UB ({} inputs)", self.cases),
            Some(ub) => format!(
                "UB: {} ({}{})",
                ub.location,
                ub.first_lines
                    .first()
                    .map(|line| line.trim_start_matches("error: Undefined Behavior: "))
                    .unwrap_or(""),
                match self.others.len() {
                    0 => String::new(),
                    n => format!("; {n} more"),
                }
            ),
        }
    }
}

/// What ASan said of glibc's walk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AsanResult {
    /// Inputs walked in each placement.
    pub(crate) inputs: usize,
    /// The walk's output, aligned and at odd addresses: its summary line,
    /// or ASan's report's first lines.
    pub(crate) walk: Vec<String>,
    /// `blind-spot`: glibc reading past an allocation.
    pub(crate) blind_spot: Vec<String>,
    /// `caller-read`: the caller's loop reading past one.
    pub(crate) caller_read: Vec<String>,
}

/// `cargo xtask miri [--peers a,b] [--jobs N] [--exhaustive] [--out FILE]`:
/// runs them, prints the results, and writes the lines of the conformance
/// program's `--undefined FILE` ([`undefined_lines`]) to FILE (default:
/// `docs/undefined-behaviour.tsv` for every peer, else
/// `<target>/miri-peers/undefined.tsv`).
pub(crate) fn command(
    peers: Option<&str>,
    jobs: usize,
    exhaustive: bool,
    out: Option<&Path>,
) -> Result<(), String> {
    let known: Vec<&str> = PEERS.iter().map(|(slug, _)| *slug).collect();
    let slugs: Vec<&str> = match peers {
        None => known.clone(),
        Some(list) => list
            .split(',')
            .map(|name| {
                known
                    .iter()
                    .copied()
                    .find(|slug| *slug == name)
                    .ok_or_else(|| format!("no peer {name:?}; the peers are {known:?}"))
            })
            .collect::<Result<_, _>>()?,
    };
    let (started, clock) = (std::time::SystemTime::now(), Instant::now());
    let (results, asan) = miri(&slugs, jobs, exhaustive)?;
    let (dir, target) = (root().join("peers/miri"), target_dir()?.join("miri-peers"));
    let forged = slugs
        .iter()
        .filter(|slug| forged::PEERS.contains(slug))
        .map(|slug| forged::run(&dir, &target, slug))
        .collect::<Result<Vec<_>, _>>()?;
    print!("{}", report(&results, asan.as_ref()));
    for result in &forged {
        print!("{}", result.report());
    }
    // The whole column goes where `cargo xtask conformance` reads it.
    let out = match (out, peers) {
        (Some(out), _) => out.to_path_buf(),
        (None, None) => root().join(crate::conformance::UNDEFINED),
        (None, Some(_)) => target_dir()?.join("miri-peers/undefined.tsv"),
    };
    let head = format!(
        "# written by `cargo xtask miri{}`, started {} and run for {} s\n",
        if exhaustive { " --exhaustive" } else { "" },
        crate::utc(started),
        clock.elapsed().as_secs()
    );
    let mut lines = undefined_lines(&results, asan.as_ref());
    lines.extend(forged.iter().map(|result| result.undefined_lines()));
    std::fs::write(&out, head + &lines).map_err(|err| format!("{}: {err}", out.display()))?;
    println!(
        "xtask: miri: {} s in all; the column's lines in {} (conformance --undefined)",
        clock.elapsed().as_secs(),
        out.display()
    );
    Ok(())
}

/// Runs the table's peers `slugs` under Miri (`jobs` runs at a time), and
/// glibc under ASan if it is one of them. `exhaustive` passes over no
/// input: a Miri run per input that stops (minutes more; see
/// [`run_peer`]).
pub(crate) fn miri(
    slugs: &[&str],
    jobs: usize,
    exhaustive: bool,
) -> Result<(Vec<MiriResult>, Option<AsanResult>), String> {
    let peers: Vec<(&str, &str)> = PEERS
        .iter()
        .filter(|(slug, _)| slugs.contains(slug))
        .flat_map(|(slug, runs)| runs.iter().map(move |run| (*slug, *run)))
        .collect();
    let dir = root().join("peers/miri");
    let target = target_dir()?.join("miri-peers");
    // Every input for ASan; the short ones for Miri, whose runs then read
    // only what they run.
    let (all, file) = (target.join("inputs.bin"), target.join("inputs-miri.bin"));
    std::fs::create_dir_all(&target).map_err(|err| format!("{}: {err}", target.display()))?;
    for (out, max_len) in [(&all, None), (&file, Some(MAX_LEN.to_string()))] {
        run_checked(
            cargo(&dir, &target)
                .args(["run", "--quiet", "--locked", "--no-default-features"])
                .args(["--bin", "miri-inputs", "--"])
                .arg(out)
                .args(max_len.iter().flat_map(|len| ["--max-len", len.as_str()])),
            "miri-inputs",
        )?;
    }
    let inputs = read_inputs(&file)?;
    // Built once before the runs, which then only check it is fresh.
    if !peers.is_empty() {
        run_checked(
            &mut miri_run(&dir, &target, "", &["std", "--from", "1000000"]),
            "cargo miri run (build)",
        )?;
    }
    let queue = Mutex::new(peers.iter().rev().copied().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    let failure = Mutex::new(None);
    // The queue's lock is taken in a closure, so that it is not held while
    // a peer runs.
    let next = || queue.lock().ok().and_then(|mut queue| queue.pop());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| {
                while let Some((slug, peer)) = next() {
                    match peer_results(&dir, &target, &file, &inputs, slug, peer, exhaustive) {
                        Ok(found) => results.lock().expect("no panic holds it").extend(found),
                        Err(err) => *failure.lock().expect("no panic holds it") = Some(err),
                    }
                }
            });
        }
    });
    if let Some(err) = failure.into_inner().expect("no panic held it") {
        return Err(err);
    }
    let mut results = results.into_inner().expect("no panic held it");
    let order = |result: &MiriResult| {
        (
            peers.iter().position(|(_, peer)| *peer == result.name),
            result.placement,
            result.borrows == Borrows::Tree,
        )
    };
    results.sort_by_key(order);
    let asan = match slugs.contains(&"glibc") {
        true => Some(asan(&dir, &target, &all, read_inputs(&all)?.len())?),
        false => None,
    };
    Ok((results, asan))
}

/// A peer's runs: aligned, at odd addresses, and aligned under Tree
/// Borrows if the first found a Stacked Borrows error.
fn peer_results(
    dir: &Path,
    target: &Path,
    file: &Path,
    inputs: &[Input],
    slug: &str,
    peer: &str,
    exhaustive: bool,
) -> Result<Vec<MiriResult>, String> {
    let run = |placement, borrows| {
        let result = run_peer(
            dir, target, file, inputs, peer, placement, borrows, exhaustive,
        )?;
        Ok::<_, String>(MiriResult {
            slug: slug.to_owned(),
            ..result
        })
    };
    let aligned = run(Placement::Aligned, Borrows::Stacked)?;
    let odd = run(Placement::OddAddress, Borrows::Stacked)?;
    let found = |what: &dyn Fn(&Ub) -> bool| aligned.first.iter().chain(&aligned.others).any(what);
    let aliasing = found(&|ub| ub.aliasing);
    let out_of_allocation = found(&|ub| {
        ub.first_lines
            .first()
            .is_some_and(|line| line.contains("pointer arithmetic"))
    });
    let mut results = vec![aligned, odd];
    if aliasing {
        results.push(run(Placement::Aligned, Borrows::Tree)?);
    }
    if out_of_allocation {
        let borrows = if aliasing {
            Borrows::Tree
        } else {
            Borrows::Stacked
        };
        results.push(run(Placement::Spare, borrows)?);
    }
    Ok(results)
}

/// `cargo +nightly` in `dir`, its target folder `target`.
fn cargo(dir: &Path, target: &Path) -> Command {
    let mut command = Command::new("cargo");
    command
        .current_dir(dir)
        .arg("+nightly")
        .env("CARGO_TARGET_DIR", target);
    command
}

/// `cargo +nightly miri run --bin miri-parse -- ARGS`, isolation off (it
/// reads the inputs file), `flags` added to MIRIFLAGS.
fn miri_run(dir: &Path, target: &Path, flags: &str, args: &[&str]) -> Command {
    let mut command = cargo(dir, target);
    command
        .args([
            "miri",
            "run",
            "--quiet",
            "--locked",
            "--bin",
            "miri-parse",
            "--",
        ])
        .args(args)
        .env(
            "MIRIFLAGS",
            format!("-Zmiri-disable-isolation {flags}").trim_end(),
        );
    command
}

/// One peer in one placement and model, started again after each input
/// Miri stops at; unless `exhaustive`, inputs are passed over as the
/// module's docs say.
#[allow(clippy::too_many_arguments)]
fn run_peer(
    dir: &Path,
    target: &Path,
    file: &Path,
    inputs: &[Input],
    peer: &str,
    placement: Placement,
    borrows: Borrows,
    exhaustive: bool,
) -> Result<MiriResult, String> {
    let clock = Instant::now();
    let mut result = MiriResult {
        slug: peer.to_owned(),
        name: peer.to_owned(),
        placement,
        borrows,
        cases: 0,
        clean: 0,
        first: None,
        others: Vec::new(),
        stopped: Vec::new(),
        skipped: 0,
        runs: 0,
        time: Duration::ZERO,
    };
    let flags = match borrows {
        Borrows::Stacked => "",
        Borrows::Tree => "-Zmiri-tree-borrows",
    };
    let file_arg = file.to_string_lossy().into_owned();
    // For each UB (its line and message): the inputs stopped there, by
    // group.
    let mut stops: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut from = 0usize;
    loop {
        let from_arg = from.to_string();
        let mut args = vec![peer];
        if peer != "std" {
            args.push(&file_arg);
        }
        args.extend(["--from", &from_arg]);
        let spare = SPARE.to_string();
        match placement {
            Placement::Aligned => {}
            Placement::OddAddress => args.push("--odd"),
            Placement::Spare => args.extend(["--spare", &spare]),
        }
        let output = output_within(miri_run(dir, target, flags, &args), RUN_LIMIT)
            .map_err(|err| format!("miri-parse {peer}: {err}"))?;
        result.runs += 1;
        let run = read_run(&output, if peer == "std" { &[] } else { inputs });
        result.cases += run.started.len();
        if run.done {
            result.clean += run.started.len();
            break;
        }
        let Some(&(at, ref label)) = run.started.last() else {
            return Err(format!(
                "miri-parse {peer} --from {from} ran no case:\n{}",
                last_lines(&output, 30)
            ));
        };
        result.clean += run.started.len() - 1;
        let input = inputs.get(at).filter(|_| peer != "std");
        let group = group(label);
        match ub(&output, label, input) {
            Some(found) => {
                let by_group = stops.entry(found.key()).or_default();
                *by_group.entry(group.to_owned()).or_default() += 1;
                let in_group = by_group[group];
                let other_groups = by_group.len() - 1;
                let known = result
                    .first
                    .iter_mut()
                    .chain(result.others.iter_mut())
                    .find(|ub| ub.key() == found.key());
                if let Some(known) = known {
                    known.inputs += 1;
                } else if result.first.is_none() {
                    result.first = Some(found);
                } else {
                    result.others.push(found);
                }
                from = at + 1;
                // Which inputs are passed over: at an odd address every
                // input meets the same misaligned first header, so the run
                // ends after REPEATS stops at one UB. Aligned, once REPEATS
                // inputs of a group stopped at one UB (or one, if that UB
                // already stopped inputs of two other groups), the group is
                // sampled: 1, then 3, 7, ... inputs are passed over after
                // each further stop at that UB, so that a UB on every input
                // costs a few runs per group and another one met further on
                // in the group can still show.
                let passed_over = match placement {
                    _ if exhaustive => 0,
                    Placement::OddAddress if by_group.values().sum::<usize>() >= REPEATS => {
                        usize::MAX
                    }
                    Placement::OddAddress => 0,
                    Placement::Aligned | Placement::Spare => {
                        let free = if other_groups >= 2 { 0 } else { REPEATS - 1 };
                        match in_group.checked_sub(free) {
                            None | Some(0) => 0,
                            Some(past) => (1usize << past.min(16)) - 1,
                        }
                    }
                };
                if passed_over > 0 && peer != "std" {
                    let rest: Vec<usize> = inputs
                        .iter()
                        .enumerate()
                        .skip(from)
                        .take_while(|(_, input)| {
                            placement == Placement::OddAddress
                                || output::group(&input.label) == group
                        })
                        .take(passed_over)
                        .map(|(index, _)| index)
                        .collect();
                    result.skipped += rest.len();
                    from = rest.last().map_or(from, |last| last + 1);
                    if placement == Placement::OddAddress {
                        break;
                    }
                }
            }
            None => {
                result.stopped.push(Stopped {
                    input: label.clone(),
                    what: stop_reason(&output),
                });
                from = at + 1;
            }
        }
    }
    result.time = clock.elapsed();
    Ok(result)
}

/// The command's stdout and stderr, killed after `limit`.
fn output_within(mut command: Command, limit: Duration) -> Result<String, String> {
    let out = tempfile("out")?;
    let err = tempfile("err")?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(&err).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let clock = Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if clock.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no end within {} s", limit.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = [&out, &err]
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&err);
    Ok(text)
}

/// A fresh file name in the temporary folder.
fn tempfile(what: &str) -> Result<PathBuf, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Ok(std::env::temp_dir().join(format!("xtask-miri-{}-{n}.{what}", std::process::id())))
}

/// glibc's walk under AddressSanitizer.
fn asan(dir: &Path, target: &Path, file: &Path, inputs: usize) -> Result<AsanResult, String> {
    let triple = "x86_64-unknown-linux-gnu";
    run_checked(
        cargo(dir, target)
            .args(["build", "--quiet", "--locked", "--no-default-features"])
            .args(["--target", triple, "--bin", "asan-glibc"])
            .env("RUSTFLAGS", "-Zsanitizer=address"),
        "asan-glibc (build)",
    )?;
    let binary = target.join(triple).join("debug/asan-glibc");
    let run = |args: &[&std::ffi::OsStr]| -> Result<Vec<String>, String> {
        let mut command = Command::new(&binary);
        command.args(args);
        let output = output_within(command, RUN_LIMIT)?;
        Ok(asan_lines(&output))
    };
    let mut walk = run(&[file.as_os_str()])?;
    walk.extend(run(&[file.as_os_str(), "--odd".as_ref()])?);
    Ok(AsanResult {
        inputs,
        walk,
        blind_spot: run(&["blind-spot".as_ref()])?,
        caller_read: run(&["caller-read".as_ref()])?,
    })
}

/// The inputs file (`peers/miri/src/format.rs`).
fn read_inputs(path: &Path) -> Result<Vec<Input>, String> {
    format::read(path)
}
