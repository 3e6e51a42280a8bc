//! nix under AddressSanitizer, through the conformance runner's forged
//! receives: nix parses only what its own `recvmsg` returns, so Miri cannot
//! run its parse (no system call), and the table's forged receives see only
//! what becomes of the fds. `asan-forged nix`
//! (`peers/miri/src/bin/asan_forged.rs`), built with `-Zsanitizer=address`,
//! runs that check with the control buffer an allocation of exactly the
//! forged input's length, so that a read past what the forged `recvmsg`
//! wrote is one ASan reports. Its reports are grouped here by the line of
//! nix's code they stop at.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::{cargo, output_within};
use crate::fuzz::run_checked;

/// The peers run so, as the table names them.
pub(crate) const PEERS: [&str; 1] = ["nix"];

/// How long the whole run may take (about 35 s on 2 cores).
const RUN_LIMIT: Duration = Duration::from_secs(15 * 60);

/// What ASan reported of one peer's forged receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ForgedResult {
    pub(crate) slug: String,
    /// Forged receives run.
    pub(crate) cases: usize,
    /// Each memory error ASan reported, one per kind and line of code, in
    /// the order first met.
    pub(crate) errors: Vec<AsanError>,
    /// Receives ended by ASan's allocator refusing a size (above its
    /// maximum, or more than the machine has): the aborts of a failed
    /// allocation without ASan, not memory errors.
    pub(crate) refused: usize,
}

/// One memory error, as reported for its first input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AsanError {
    /// The runner's line of it: `AddressSanitizer: heap-buffer-overflow on
    /// address 0x…8, READ of size 12, at nix-0.32.0/src/...:1036:50 in ...`.
    pub(crate) report: String,
    /// Where in the peer's code: `nix-0.32.0/src/sys/socket/mod.rs:1036:50`.
    pub(crate) place: String,
    /// That line of source.
    pub(crate) code: String,
    /// The shortest input that met it, in hex.
    pub(crate) input_hex: String,
    /// How many inputs met it.
    pub(crate) inputs: usize,
}

/// Builds `asan-forged` and runs it for `slug`.
pub(crate) fn run(dir: &Path, target: &Path, slug: &str) -> Result<ForgedResult, String> {
    // Without it ASan's frames have no file and line.
    if Command::new("llvm-symbolizer")
        .arg("--version")
        .output()
        .is_err()
    {
        return Err(
            "asan-forged: llvm-symbolizer is not on PATH (Debian: apt-get install llvm)".into(),
        );
    }
    let triple = "x86_64-unknown-linux-gnu";
    run_checked(
        cargo(dir, target)
            .args(["build", "--quiet", "--locked", "--no-default-features"])
            .args(["--features", "forged", "--target", triple])
            .args(["--bin", "asan-forged"])
            .env("RUSTFLAGS", "-Zsanitizer=address"),
        "asan-forged (build)",
    )?;
    let mut command = Command::new(target.join(triple).join("debug/asan-forged"));
    command.arg(slug);
    let output = output_within(command, RUN_LIMIT)?;
    read(slug, &output)
}

/// What `asan-forged` printed: `case-count N`, then `HEX<TAB>FINDING` for
/// each finding that is an ASan report.
fn read(slug: &str, output: &str) -> Result<ForgedResult, String> {
    let cases = output
        .lines()
        .find_map(|line| line.strip_prefix("case-count "))
        .and_then(|count| count.trim().parse().ok())
        .ok_or_else(|| format!("asan-forged {slug} ran no case:\n{output}"))?;
    let mut result = ForgedResult {
        slug: slug.to_owned(),
        cases,
        errors: Vec::new(),
        refused: 0,
    };
    for (input_hex, finding) in output.lines().filter_map(|line| line.split_once('\t')) {
        let Some(at) = finding.find("AddressSanitizer: ") else {
            continue;
        };
        let report = finding[at..].trim_end_matches(')').to_owned();
        if [
            "requested allocation size",
            "out of memory",
            "allocation-size-too-big",
        ]
        .iter()
        .any(|refusal| report.contains(refusal))
        {
            result.refused += 1;
            continue;
        }
        let kind = report.split([' ', ',']).nth(1).unwrap_or("").to_owned();
        let place = report
            .split_once(", at ")
            .map(|(_, rest)| rest.split(" in ").next().unwrap_or(rest).to_owned())
            .unwrap_or_default();
        let same = |error: &&mut AsanError| {
            error.place == place && error.report.split([' ', ',']).nth(1) == Some(kind.as_str())
        };
        match result.errors.iter_mut().find(same) {
            Some(known) => {
                known.inputs += 1;
                if input_hex.len() < known.input_hex.len() {
                    known.input_hex = input_hex.to_owned();
                    known.report = report;
                }
            }
            None => result.errors.push(AsanError {
                code: source_line(&place),
                report,
                place,
                input_hex: input_hex.to_owned(),
                inputs: 1,
            }),
        }
    }
    Ok(result)
}

/// The line of source at `crate-version/src/file.rs:L:C` in cargo's
/// registry, trimmed (empty if it cannot be read).
fn source_line(place: &str) -> String {
    let mut parts = place.rsplitn(3, ':');
    let (_column, line, path) = (parts.next(), parts.next(), parts.next());
    let (Some(line), Some(path)) = (line.and_then(|line| line.parse::<usize>().ok()), path) else {
        return String::new();
    };
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let Some(registry) = home.map(|home| home.join("registry/src")) else {
        return String::new();
    };
    std::fs::read_dir(registry)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .find_map(|index| std::fs::read_to_string(index.path().join(path)).ok())
        .and_then(|text| {
            text.lines()
                .nth(line.saturating_sub(1))
                .map(|line| line.trim().to_owned())
        })
        .unwrap_or_default()
}

impl ForgedResult {
    /// How the column says it was run.
    fn tool(&self) -> &'static str {
        "AddressSanitizer, through the runner's forged receives (its receive's control \
         buffer an allocation of exactly the forged input's length)"
    }

    /// The results as text.
    pub(crate) fn report(&self) -> String {
        let mut out = format!(
            "{} under ASan through forged receives: {} cases, {} memory errors at distinct \
             lines, {} allocations refused (not memory errors)\n",
            self.slug,
            self.cases,
            self.errors.len(),
            self.refused
        );
        for error in &self.errors {
            let _ = writeln!(out, "  at {}: `{}`", error.place, error.code);
            let _ = writeln!(
                out,
                "  {} input(s) met it; the shortest: {}",
                error.inputs, error.input_hex
            );
            let _ = writeln!(out, "    | {}", error.report);
        }
        out
    }

    /// The lines of the conformance program's `--undefined FILE`, as
    /// `page::undefined_lines` writes Miri's.
    pub(crate) fn undefined_lines(&self) -> String {
        let mut out = String::new();
        for error in &self.errors {
            let said = format!(
                "{}: `{}` ⏎ {} ⏎ {} of {} forged receives met it",
                error.place, error.code, error.report, error.inputs, self.cases
            );
            let _ = writeln!(
                out,
                "{}\tub\t{}\t{}\t{}\t{}",
                self.slug,
                self.cases,
                self.tool(),
                error.input_hex,
                said.replace('\t', " ")
            );
        }
        if self.errors.is_empty() {
            let _ = writeln!(out, "{}\tok\t{}\t{}", self.slug, self.cases, self.tool());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_are_grouped_by_kind_and_line_and_refusals_counted_apart() {
        let output = "case-count 9\n\
            1000\texited with status 1 (AddressSanitizer: heap-buffer-overflow on address 0x…0, READ of size 12, at nix-0.32.0/src/sys/socket/mod.rs:1036:50 in decode_from)\n\
            10\texited with status 1 (AddressSanitizer: heap-buffer-overflow on address 0x…8, READ of size 12, at nix-0.32.0/src/sys/socket/mod.rs:1036:50 in decode_from)\n\
            20\texited with status 1 (AddressSanitizer: heap-buffer-overflow on address 0x…8, READ of size 4, at nix-0.32.0/src/sys/socket/mod.rs:1029:34 in decode_from)\n\
            30\texited with status 1 (AddressSanitizer: requested allocation size 0x…0, at nix-0.32.0/src/sys/socket/mod.rs:1025:35 in decode_from)\n\
            40\taborted: signal 6\n";
        let result = read("nix", output).unwrap();
        assert_eq!(result.cases, 9);
        assert_eq!(result.refused, 1);
        let found: Vec<(&str, &str, usize)> = result
            .errors
            .iter()
            .map(|error| (error.place.as_str(), error.input_hex.as_str(), error.inputs))
            .collect();
        assert_eq!(
            found,
            [
                ("nix-0.32.0/src/sys/socket/mod.rs:1036:50", "10", 2),
                ("nix-0.32.0/src/sys/socket/mod.rs:1029:34", "20", 1),
            ]
        );
        assert!(result.errors[0].report.ends_with("in decode_from"));
    }
}
