//! The results as text, and as the lines of the conformance program's
//! `--undefined` (the table's `undefined behaviour` column).

use super::*;

/// The results as text: a line per peer and run, then each UB with its
/// first lines, input and code, then ASan's.
pub(crate) fn report(results: &[MiriResult], asan: Option<&AsanResult>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for result in results {
        let _ = writeln!(
            out,
            "{} ({}, {}): {}; {} inputs, {} without UB, {} skipped, {} aborted; {} Miri runs, {} s",
            result.name,
            match result.placement {
                Placement::Aligned => "aligned".to_owned(),
                Placement::OddAddress => "odd address".to_owned(),
                Placement::Spare => format!("aligned, {SPARE} spare bytes"),
            },
            match result.borrows {
                Borrows::Stacked => "Stacked Borrows",
                Borrows::Tree => "Tree Borrows",
            },
            result.cell(),
            result.cases,
            result.clean,
            result.skipped,
            result.stopped.len(),
            result.runs,
            result.time.as_secs(),
        );
        for ub in result.first.iter().chain(&result.others) {
            let _ = writeln!(out, "  at {}: `{}`", ub.location, ub.code);
            for caller in &ub.callers {
                let _ = writeln!(out, "    called from {caller}");
            }
            let _ = writeln!(
                out,
                "  {} input(s) stopped here; the first: {} ({})",
                ub.inputs,
                ub.input,
                if ub.input_hex.len() > 160 {
                    format!(
                        "{}... ({} bytes)",
                        &ub.input_hex[..160],
                        ub.input_hex.len() / 2
                    )
                } else {
                    ub.input_hex.clone()
                }
            );
            for line in &ub.first_lines {
                let _ = writeln!(out, "    | {line}");
            }
        }
        for stopped in &result.stopped {
            let _ = writeln!(out, "  aborted on {}: {}", stopped.input, stopped.what);
        }
    }
    let Some(asan) = asan else {
        return out;
    };
    let _ = writeln!(
        out,
        "glibc under ASan ({} inputs each placement):",
        asan.inputs
    );
    for (what, lines) in [
        ("walk", &asan.walk),
        ("blind-spot", &asan.blind_spot),
        ("caller-read", &asan.caller_read),
    ] {
        let _ = writeln!(out, "  {what}:");
        for line in lines {
            let _ = writeln!(out, "    {line}");
        }
    }
    out
}

/// How a run was made, for the column: `Miri, Stacked Borrows, ...`, with
/// rustix's backend.
fn tool(result: &MiriResult) -> String {
    let backend = match result.name.as_str() {
        "rustix" => " (rustix's libc backend, as Miri builds it)",
        "rustix-linux-raw" => {
            " (rustix's walk with its linux_raw backend's linux-raw-sys cmsg_macros, \
             peers/miri/src/linux_raw.rs)"
        }
        _ => "",
    };
    let borrows = match result.borrows {
        Borrows::Stacked => "Stacked Borrows",
        Borrows::Tree => "Tree Borrows",
    };
    let placement = match result.placement {
        Placement::Aligned => "8-aligned buffer at the end of its allocation".to_owned(),
        Placement::OddAddress => "buffer at an odd address".to_owned(),
        Placement::Spare => format!("8-aligned buffer, {SPARE} bytes of its allocation after it"),
    };
    format!("Miri, {borrows}, {placement}{backend}")
}

/// The lines of the conformance program's `--undefined FILE` (see
/// `peers/src/cli.rs`), tab-separated: for each peer, a line per distinct
/// UB, `slug ub CASES TOOL INPUT-HEX REPORT` (REPORT the library's line and
/// Miri's first lines, joined by ` ⏎ `; std's cases are calls, their input
/// empty and their label in REPORT), or else `slug ok CASES TOOL`. A UB met
/// in several runs of a peer (Stacked and Tree Borrows) is one line, its
/// TOOL the first run's; an aliasing UB that the Tree Borrows run did not
/// meet says so. glibc's line is ASan's.
pub(crate) fn undefined_lines(results: &[MiriResult], asan: Option<&AsanResult>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut slugs: Vec<&str> = results.iter().map(|result| result.slug.as_str()).collect();
    slugs.dedup();
    for slug in slugs {
        let runs: Vec<&MiriResult> = results
            .iter()
            .filter(|result| result.slug == slug)
            .collect();
        let mut seen: Vec<String> = Vec::new();
        for run in &runs {
            for ub in run.first.iter().chain(&run.others) {
                if seen.contains(&ub.key()) {
                    continue;
                }
                seen.push(ub.key());
                let tree_clean = ub.aliasing
                    && run.borrows == Borrows::Stacked
                    && runs.iter().any(|other| {
                        other.name == run.name
                            && other.borrows == Borrows::Tree
                            && other.placement == run.placement
                            && !other
                                .first
                                .iter()
                                .chain(&other.others)
                                .any(|found| found.location == ub.location)
                    });
                let mut tool = tool(run);
                if tree_clean {
                    tool.push_str("; not met under Tree Borrows");
                }
                let mut said = vec![format!("{}: `{}`", ub.location, ub.code)];
                said.extend(
                    ub.first_lines
                        .iter()
                        .map(|line| line.trim())
                        .filter(|line| !line.is_empty() && *line != "|")
                        .map(str::to_owned),
                );
                match ub.input_hex.is_empty() {
                    true => said.push(format!("case: {}", ub.input)),
                    false => said.push(format!("input: {}", ub.input)),
                }
                let said = said.join(" ⏎ ").replace('\t', " ");
                let _ = writeln!(
                    out,
                    "{slug}\tub\t{}\t{tool}\t{}\t{said}",
                    run.cases, ub.input_hex
                );
            }
        }
        if seen.is_empty() {
            let cases = runs.iter().map(|run| run.cases).max().unwrap_or(0);
            let tools: Vec<String> = runs.iter().map(|run| tool(run)).collect();
            let _ = writeln!(out, "{slug}\tok\t{cases}\t{}", tools.join("; "));
        }
    }
    if let Some(asan) = asan {
        let tool = "AddressSanitizer, aligned and at an odd address (glibc's own reads, in \
                    __cmsg_nxthdr, are not instrumented: only the walk's reads are checked)";
        match asan
            .walk
            .iter()
            .any(|line| line.contains("AddressSanitizer"))
        {
            false => {
                let _ = writeln!(out, "glibc\tok\t{}\t{tool}", asan.inputs);
            }
            true => {
                let _ = writeln!(
                    out,
                    "glibc\tub\t{}\t{tool}\t\t{}",
                    asan.inputs,
                    asan.walk.join(" ⏎ ").replace('\t', " ")
                );
            }
        }
    }
    out
}
