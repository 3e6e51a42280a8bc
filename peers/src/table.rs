//! The table of `docs/conformance.md`: a row per implementation, a column
//! per check, each cell a tick or the number of findings linked to the
//! first one, then each first finding with its input and reproducer.

use std::fmt::Write;

use sockcmsg::conformance::{Finding, Report};

/// The columns, in order: the checks of a report, by name.
pub const COLUMNS: [&str; 15] = [
    "go-vectors",
    "properties",
    "corpus",
    "kernel",
    "short input",
    "tail",
    "unpadded last",
    "hostile lengths",
    "partial fd",
    "short credentials",
    "unknown types",
    "negative fds",
    "unaligned",
    "encoders",
    "fds",
];

/// One implementation's run.
pub struct Row<'a> {
    /// Its slug (`libc`), for anchors and reproducers.
    pub slug: &'a str,
    /// Its name and version, as the table shows it.
    pub title: String,
    /// What the runner found.
    pub report: Report,
}

/// A finding's anchor in the page: `libc-tail`.
pub fn anchor(slug: &str, check: &str) -> String {
    format!("{slug}-{}", check.replace(' ', "-"))
}

/// The table, then every check's first finding, for `rows`; `reproduce`
/// gives the command that replays a finding.
pub fn markdown(rows: &[Row<'_>], reproduce: impl Fn(&str, &Finding) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| implementation | {} |", COLUMNS.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(COLUMNS.len()));
    for row in rows {
        let cells: Vec<String> = COLUMNS.iter().map(|check| cell(row, check)).collect();
        let _ = writeln!(out, "| {} | {} |", row.title, cells.join(" | "));
    }
    let _ = writeln!(
        out,
        "\n✔: no finding (the number of cases in the link's title); ✘ N: N findings, linked to \
         the first; –: not run, with the reason in the link's title.\n"
    );
    for row in rows {
        for check in COLUMNS {
            let Some(first) = row.report.findings_of(check).min_by_key(|f| f.input.len()) else {
                continue;
            };
            let _ = write!(
                out,
                "\n### <a id=\"{}\"></a>{}: {check}\n\n- input: `{}`\n- the model: {}\n- {}: {}\n- reproduce: `{}`\n",
                anchor(row.slug, check),
                row.title,
                first.input_shown(),
                first.model,
                row.title,
                first.implementation,
                reproduce(row.slug, first),
            );
        }
    }
    out
}

fn cell(row: &Row<'_>, check: &str) -> String {
    let Some(summary) = row
        .report
        .checks
        .iter()
        .find(|summary| summary.check == check)
    else {
        return "–".to_owned();
    };
    match &summary.not_run {
        Some(why) => format!("[–](# \"{}\")", why.replace('"', "'")),
        None if summary.findings == 0 => format!("[✔](# \"{} cases\")", summary.cases),
        None => format!("[✘ {}](#{})", summary.findings, anchor(row.slug, check)),
    }
}
