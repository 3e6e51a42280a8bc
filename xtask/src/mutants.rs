//! `cargo xtask mutants`: mutation testing of the codec with cargo-mutants,
//! and `docs/mutants.md` from its outcome.
//!
//! cargo-mutants reads its settings from `.cargo/mutants.toml` (the files
//! it mutates, the timeout, the equivalent mutants left out), copies the
//! tree, and runs `cargo test` on each mutant. Its report goes to
//! `mutants.out/` in cargo's target directory (`--output`), not the source
//! tree: `outcomes.json` holds the counts, `missed.txt` and `timeout.txt`
//! the mutants that survived. The mutants themselves build in
//! cargo-mutants' copies of the tree, never in the tree's target folder.
//!
//! `cargo mutants --file` adds to the configuration's `examine_globs`
//! instead of narrowing them, so `cargo xtask mutants --file PATH` narrows
//! with a regular expression on the mutants' names instead, which begin
//! with their file: `--re '^PATH:'`.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Instant, SystemTime};

use serde_json::Value;

use crate::fuzz::install_unless_present;
use crate::{quoted, root, target_dir, write_page, Machine};

/// cargo-mutants' exit codes (its `ExitCode`): the ones after which its
/// report holds the outcome of every mutant.
const SUCCESS: i32 = 0;
const FOUND_PROBLEMS: i32 = 2;
const TIMEOUT: i32 = 3;

/// What one cargo-mutants run found, from its `outcomes.json`.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    total: u64,
    caught: u64,
    missed: u64,
    unviable: u64,
    timeout: u64,
    version: String,
}

impl Outcome {
    fn of(outcomes: &Value) -> Option<Outcome> {
        let count = |field: &str| outcomes[field].as_u64();
        Some(Outcome {
            total: count("total_mutants")?,
            caught: count("caught")?,
            missed: count("missed")?,
            unviable: count("unviable")?,
            timeout: count("timeout")?,
            version: outcomes["cargo_mutants_version"]
                .as_str()
                .unwrap_or("unknown")
                .to_owned(),
        })
    }

    /// The mutants the tests could judge: built, and caught, missed or
    /// timed out.
    fn viable(&self) -> u64 {
        self.caught + self.missed + self.timeout
    }

    /// Caught over viable, as a percentage: a timeout counts against the
    /// tests, since `.cargo/mutants.toml` wants a stalled walk to fail.
    fn score(&self) -> Option<f64> {
        let viable = self.viable();
        (viable > 0).then(|| self.caught as f64 * 100.0 / viable as f64)
    }
}

/// The `--re` that keeps the mutants of the source file `path` only: their
/// names are `path:line:column: replace ...`.
fn file_regex(path: &str) -> String {
    let mut regex = "^".to_owned();
    for c in path.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            regex.push('\\');
        }
        regex.push(c);
    }
    regex.push(':');
    regex
}

/// Caught, missed, unviable and timed-out mutants of one source file.
#[derive(Debug, Default, PartialEq)]
struct FileCounts {
    caught: u64,
    missed: u64,
    unviable: u64,
    timeout: u64,
}

/// The counts of each mutated file, by file, from the `outcomes` list of
/// `outcomes.json`.
fn by_file(outcomes: &Value) -> std::collections::BTreeMap<String, FileCounts> {
    let mut files: std::collections::BTreeMap<String, FileCounts> = Default::default();
    for outcome in outcomes["outcomes"].as_array().into_iter().flatten() {
        let Some(file) = outcome["scenario"]["Mutant"]["file"].as_str() else {
            continue;
        };
        let counts = files.entry(file.to_owned()).or_default();
        match outcome["summary"].as_str() {
            Some("CaughtMutant") => counts.caught += 1,
            Some("MissedMutant") => counts.missed += 1,
            Some("Unviable") => counts.unviable += 1,
            Some("Timeout") => counts.timeout += 1,
            _ => {}
        }
    }
    files
}

/// The lines of `mutants.out/<file>` (none if it is missing).
fn listed(out: &Path, file: &str) -> Vec<String> {
    fs::read_to_string(out.join(file))
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// The body of `docs/mutants.md`.
fn page(
    outcome: &Outcome,
    ran: &str,
    files: &[&str],
    machine: &Machine,
    per_file: &std::collections::BTreeMap<String, FileCounts>,
    survivors: &[(&str, Vec<String>)],
) -> String {
    let scope = if files.is_empty() {
        "every file `examine_globs` names in `.cargo/mutants.toml`".to_owned()
    } else {
        let files: Vec<String> = files.iter().map(|file| format!("`{file}`")).collect();
        format!(
            "only the mutants of {} (`cargo xtask mutants --file`), with \
             `.cargo/mutants.toml`'s settings: not a run over the whole codec",
            files.join(", ")
        )
    };
    let score = outcome.score().map_or_else(
        || "none (no viable mutant)".to_owned(),
        |score| format!("{score:.1}%"),
    );
    let mut text = format!(
        "- Ran: `{ran}` (cargo-mutants {}).\n\
         - Scope: {scope}.\n\
         - Machine: {machine}.\n\n\
         | mutants | caught | missed | unviable | timed out | score |\n\
         |--:|--:|--:|--:|--:|--:|\n\
         | {} | {} | {} | {} | {} | {score} |\n\n\
         A mutant is caught when `cargo test` fails on it, missed when the tests pass, \
         unviable when it does not build. The score is caught over caught, missed and timed \
         out: a timeout counts against the tests, as `.cargo/mutants.toml` asks a stalled \
         walk to fail. The equivalent mutants excluded there, each with its reason, are not \
         counted.\n",
        outcome.version,
        outcome.total,
        outcome.caught,
        outcome.missed,
        outcome.unviable,
        outcome.timeout,
    );
    if !per_file.is_empty() {
        text.push_str(
            "\n| file | caught | missed | unviable | timed out |\n|---|--:|--:|--:|--:|\n",
        );
        for (file, counts) in per_file {
            text.push_str(&format!(
                "| `{file}` | {} | {} | {} | {} |\n",
                counts.caught, counts.missed, counts.unviable, counts.timeout
            ));
        }
    }
    for (title, mutants) in survivors {
        if mutants.is_empty() {
            continue;
        }
        text.push_str(&format!("\n## {title}\n\n"));
        for mutant in mutants {
            text.push_str(&format!("- `{mutant}`\n"));
        }
    }
    text
}

/// `cargo xtask mutants`: `cargo mutants --jobs N`, with `--file` for each
/// of `files` and `passed_on` after, then `docs/mutants.md`. Fails if the
/// run did not finish, or if a mutant was missed or timed out.
pub(crate) fn mutants(jobs: u64, files: &[&str], passed_on: &[String]) -> Result<(), String> {
    install_unless_present(&["mutants"], "cargo-mutants")?;
    let output = target_dir()?;
    let out = output.join("mutants.out");
    let mut args = vec!["mutants".to_owned(), "--jobs".to_owned(), jobs.to_string()];
    args.extend(["--output".to_owned(), output.display().to_string()]);
    for file in files {
        args.extend(["--re".to_owned(), file_regex(file)]);
    }
    args.extend(passed_on.iter().cloned());
    let ran = format!(
        "cargo {}",
        args.iter()
            .map(|arg| quoted(arg))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let machine = Machine::now();
    let (started, clock) = (SystemTime::now(), Instant::now());
    println!("xtask: {ran} (report: {})", out.display());
    let status = Command::new("cargo")
        .current_dir(root())
        .args(&args)
        // Each mutant builds in cargo-mutants' copy of the tree, into that
        // copy's own target folder. A shared CARGO_TARGET_DIR would let
        // the copy's mutated library replace the tree's: cargo names a
        // workspace crate's artifacts by its path within the workspace,
        // which is the same in the copy.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .status()
        .map_err(|err| format!("cargo mutants: cannot start: {err}"))?;
    let took = clock.elapsed();
    let code = status.code();
    if !matches!(code, Some(SUCCESS | FOUND_PROBLEMS | TIMEOUT)) {
        return Err(format!(
            "{ran}: {status} (see {}); docs/mutants.md is left as it was",
            out.join("debug.log").display()
        ));
    }
    let path = out.join("outcomes.json");
    let fresh = fs::metadata(&path)
        .and_then(|metadata| metadata.modified())
        .is_ok_and(|written| written >= started);
    if !fresh {
        return Err(format!("{ran} wrote no {}", path.display()));
    }
    let text = fs::read(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    let outcomes: Value = serde_json::from_slice(&text)
        .map_err(|err| format!("{}: not JSON: {err}", path.display()))?;
    let outcome = Outcome::of(&outcomes)
        .ok_or_else(|| format!("{}: not cargo-mutants' format", path.display()))?;
    let survivors = [
        ("Missed", listed(&out, "missed.txt")),
        ("Timed out", listed(&out, "timeout.txt")),
    ];
    write_page(
        "mutants.md",
        "Mutation testing: the last run",
        "cargo xtask mutants",
        started,
        took,
        &page(
            &outcome,
            &ran,
            files,
            &machine,
            &by_file(&outcomes),
            &survivors,
        ),
    )?;
    println!(
        "xtask: {} mutants: {} caught, {} missed, {} unviable, {} timed out",
        outcome.total, outcome.caught, outcome.missed, outcome.unviable, outcome.timeout
    );
    if outcome.missed + outcome.timeout > 0 {
        Err(format!(
            "{} mutants missed and {} timed out; they are listed in docs/mutants.md",
            outcome.missed, outcome.timeout
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_read_and_scored() {
        let outcomes = serde_json::json!({
            "outcomes": [], "total_mutants": 184, "missed": 1, "caught": 157,
            "timeout": 1, "unviable": 25, "success": 0,
            "start_time": "2026-05-02T10:00:00Z", "end_time": "2026-05-02T10:13:00Z",
            "cargo_mutants_version": "27.1.0"
        });
        let outcome = Outcome::of(&outcomes).unwrap();
        assert_eq!(
            outcome,
            Outcome {
                total: 184,
                caught: 157,
                missed: 1,
                unviable: 25,
                timeout: 1,
                version: "27.1.0".into()
            }
        );
        assert_eq!(outcome.viable(), 159);
        assert_eq!(format!("{:.1}", outcome.score().unwrap()), "98.7");
        assert_eq!(Outcome::default().score(), None);
        assert!(Outcome::of(&serde_json::json!({"caught": 1})).is_none());
    }

    #[test]
    fn outcomes_are_counted_by_file() {
        let mutant = |file: &str, summary: &str| serde_json::json!({"scenario": {"Mutant": {"name": "x", "file": file}}, "summary": summary});
        let outcomes = serde_json::json!({"outcomes": [
            {"scenario": "Baseline", "summary": "Success"},
            mutant("src/lib.rs", "CaughtMutant"),
            mutant("src/lib.rs", "MissedMutant"),
            mutant("src/parse.rs", "Unviable"),
            mutant("src/parse.rs", "Timeout"),
            mutant("src/lib.rs", "CaughtMutant"),
        ]});
        let files = by_file(&outcomes);
        assert_eq!(files.len(), 2);
        assert_eq!(
            files["src/lib.rs"],
            FileCounts {
                caught: 2,
                missed: 1,
                ..FileCounts::default()
            }
        );
        assert_eq!(
            files["src/parse.rs"],
            FileCounts {
                unviable: 1,
                timeout: 1,
                ..FileCounts::default()
            }
        );
    }

    #[test]
    fn a_file_is_kept_by_a_regex_on_the_mutants_names() {
        assert_eq!(file_regex("src/credentials.rs"), r"^src/credentials\.rs:");
        assert_eq!(file_regex("src/a+b.rs"), r"^src/a\+b\.rs:");
    }
}
