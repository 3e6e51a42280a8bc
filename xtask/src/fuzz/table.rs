//! The table of a `cargo xtask fuzz` run: printed, and as the body of
//! `docs/fuzzing.md`.

use super::run::Row;
use super::{build_description, reproduce_command};
use crate::{root, version, Machine};

/// `1234567` as `1,234,567`.
pub(super) fn thousands(n: u64) -> String {
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
pub(super) fn page(rows: &[Row], seconds: u64, jobs: u64, machine: &Machine) -> String {
    let processes = if jobs > 1 {
        format!("{jobs} libFuzzer processes per target (`-fork={jobs}`)")
    } else {
        "one libFuzzer process per target".to_owned()
    };
    let peers = if rows.iter().any(|row| super::peer_of(row.target).is_some()) {
        " A peer's target (`peer_<slug>`) also reads `corpus/parse/`, and skips, unparsed, the \
         inputs of the rules the peer's reproducers under `corpus/conformance/<slug>/` show it \
         breaking (`sockcmsg_peers::fuzz`): a crash is a finding the conformance table does not \
         show yet."
    } else {
        ""
    };
    let mut text = format!(
        "Each target fuzzed for {seconds} s in turn, {processes}, over its committed corpus \
         (`corpus/<target>/`) and the working one (`fuzz/corpus/<target>/`).{peers}\n\n\
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

pub(super) fn print_table(rows: &[Row]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }
}
