//! The table of `docs/conformance.md`: a row per implementation, a column
//! per check, each cell a tick or the number of findings linked to the
//! first one, then each first finding with its input and reproducer.

use std::fmt::Write;

use sockcmsg::conformance::{Finding, Report, CHECKS, COMPLETION_CHECKS, TYPED_CHECKS};

/// One implementation's run.
pub struct Row<'a> {
    /// Its slug (`libc`), for anchors and reproducers.
    pub slug: &'a str,
    /// Its name and version, as the table shows it.
    pub title: String,
    /// What the runner found.
    pub report: Report,
    /// Its findings explained, checked against its source (Markdown).
    pub notes: &'a str,
    /// Its parse's speed against sockcmsg's.
    pub speed: Speed,
}

/// The speed column's cell.
pub enum Speed {
    /// The most, over the sizes timed, of its median over sockcmsg's.
    Ratio(String),
    /// Its parse is not a library call (Go's is a process per call), or it
    /// has none.
    NotTimed,
    /// It was not timed in this run (`cargo xtask conformance` with
    /// options).
    NotMeasured,
}

impl Speed {
    fn cell(&self) -> String {
        match self {
            Speed::Ratio(ratio) => format!("×{ratio}"),
            Speed::NotTimed => "[–](# \"no parse that runs as a library call\")".to_owned(),
            Speed::NotMeasured => "[–](# \"not timed in this run\")".to_owned(),
        }
    }
}

/// The column `cargo xtask miri` fills (through the conformance program's
/// `--undefined`), after the runner's [`CHECKS`]: each parse under Miri
/// (Rust) or AddressSanitizer (C).
pub const UNDEFINED: &str = "undefined behaviour";

/// A finding's anchor in the page: `libc-tail`.
pub fn anchor(slug: &str, check: &str) -> String {
    format!("{slug}-{}", check.replace(' ', "-"))
}

/// `tail`, `tail-2`, ...: the file under `corpus/conformance/<peer>/`
/// where the `n`th class of a check's findings is saved.
pub fn reproducer_name(check: &str, n: usize) -> String {
    let check = check.replace(' ', "-");
    match n {
        0 => check,
        _ => format!("{check}-{}", n.saturating_add(1)),
    }
}

/// The check whose finding a file named by [`reproducer_name`] holds.
pub fn reproducer_check(name: &str) -> Option<&'static str> {
    let check = match name.rsplit_once('-') {
        Some((check, n)) if n.parse::<usize>().is_ok() => check,
        _ => name,
    };
    CHECKS
        .into_iter()
        .chain(COMPLETION_CHECKS)
        .chain(TYPED_CHECKS)
        .find(|known| known.replace(' ', "-") == check)
}

/// How many classes of findings the page shows per check.
const CLASSES_SHOWN: usize = 4;

/// The distinct classes of `check`'s findings among a report's `groups`
/// ([`Report::groups`]: answers that differ only in their numbers), the
/// smallest input of each, in the order first found.
pub fn classes<'r>(groups: &[Vec<&'r Finding>], check: &str) -> Vec<&'r Finding> {
    groups
        .iter()
        .filter_map(|group| group.first().copied())
        .filter(|smallest| smallest.check == check)
        .take(CLASSES_SHOWN)
        .collect()
}

/// The tables, then each check's classes of findings, for `rows`;
/// `reproduce` gives the command that replays the `n`th class of a check.
/// The control-buffer table has the rows that ran any of [`CHECKS`]; the
/// io_uring table, those that ran any of [`COMPLETION_CHECKS`]; the typed
/// table, those that ran any of [`TYPED_CHECKS`].
pub fn markdown(rows: &[Row<'_>], reproduce: impl Fn(&str, &Finding, usize) -> String) -> String {
    let mut out = String::new();
    let columns: Vec<&str> = CHECKS.into_iter().chain([UNDEFINED]).collect();
    table(&mut out, rows, &columns, true);
    let _ = writeln!(
        out,
        "\n✔: no finding (the number of cases in the link's title); ✘ N: N findings, linked to \
         the first; –: not run, with the reason in the link's title. Speed: the parse's time \
         over sockcmsg's, at the size where it compares worst (below 1: faster).\n"
    );
    let _ = writeln!(
        out,
        "\n## io_uring completions\n\n\
         Parsers of a multishot `IORING_OP_RECVMSG` completion: the provided buffer's \
         `struct io_uring_recvmsg_out`, name, control and payload regions, against \
         `Model::uring_parse`, the control bytes against the model's walk. `completions`: \
         what the kernel writes (`Model::uring_receive`), with name regions of 0, 16, 28 and \
         110 bytes, credentials and up to 7 fds into control regions at every edge of each \
         message, payloads whole and cut. `forged completions`: what the kernel never writes \
         (a short buffer, `controllen` past its region, a header longer than `controllen`, \
         `payloadlen` past the buffer or short of it, and every rule probe as the control \
         region). A finding's input is the submission's `msg_namelen` and `msg_controllen` \
         (each a little-endian `u32`), then the buffer.\n"
    );
    table(&mut out, rows, &COMPLETION_CHECKS, false);
    let _ = writeln!(
        out,
        "\n## Typed IP and UDP messages\n\n\
         Decoders of typed messages (TOS, TTL, `PKTINFO`, GRO, timestamps, ...), each as its \
         users get the values, against `Model::buffer_fields`: a value given that no message \
         the model reads holds (a misread width, a type on the wrong level, a value no system \
         writes) is a finding, as is none of a class the decoder takes, from a buffer the model \
         accepts holding a message of the kind it takes it from. `typed probes`: for each typed \
         kind of the system, buffers built with the model at the edges of its value, width, \
         level and address family, beside other messages and unpadded, and each width of a \
         level's messages under every type of the level up to 127 the system does not type. \
         `typed kernel`: buffers Linux wrote on \
         loopback UDP (IPv4 and IPv6, TOS or class, TTL or hop limit, packet info), whole and \
         cut. `typed corpus`: the corpus's buffers. `typed encoders`: for a stack that sends \
         typed messages, what it writes for each kind Linux takes, at an ordinary value and its \
         edges, against the model's bytes (a finding says what Linux's UDP `sendmsg` answers \
         for what was written). `typed forged receives`: for a stack that \
         only receives, its UDP receive, whose `recvmsg` or `recvmmsg` is answered with each \
         probe and kernel buffer. Linux writes none of the probes: a finding there matters \
         where control bytes come from elsewhere (another kernel, an emulated receive) or on \
         another architecture.\n"
    );
    table(&mut out, rows, &TYPED_CHECKS, false);
    let _ = writeln!(out, "\n## Findings, by implementation and check");
    for row in rows {
        let groups = row.report.groups();
        for check in CHECKS
            .into_iter()
            .chain([UNDEFINED])
            .chain(COMPLETION_CHECKS)
            .chain(TYPED_CHECKS)
        {
            let classes = classes(&groups, check);
            if classes.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "\n### <a id=\"{}\"></a>{}: {check}",
                anchor(row.slug, check),
                row.title
            );
            for (n, finding) in classes.iter().enumerate() {
                let _ = write!(
                    out,
                    "\n- input: {}\n  - the model: {}\n  - {}: {}\n  - reproduce: `{}`\n",
                    shown(finding),
                    cut(&finding.model),
                    row.title,
                    cut(&finding.implementation),
                    reproduce(row.slug, finding, n),
                );
            }
        }
        if !row.notes.is_empty() {
            let _ = write!(out, "\n### Notes on {}\n\n{}\n", row.title, row.notes);
        }
    }
    out
}

/// A table of `checks`, a row for each of `rows` that ran one of them,
/// with the speed column if `speed`.
fn table(out: &mut String, rows: &[Row<'_>], checks: &[&str], speed: bool) {
    let speed_header = if speed { " speed |" } else { "" };
    let _ = writeln!(
        out,
        "| implementation | {} |{speed_header}",
        checks.join(" | ")
    );
    let _ = writeln!(
        out,
        "|---|{}{}",
        "---|".repeat(checks.len()),
        if speed { "---|" } else { "" }
    );
    for row in rows {
        let ran = row
            .report
            .checks
            .iter()
            .any(|summary| checks.contains(&summary.check) && summary.not_run.is_none());
        if !ran {
            continue;
        }
        let cells: Vec<String> = checks.iter().map(|check| cell(row, check)).collect();
        let speed_cell = if speed {
            format!(" {} |", row.speed.cell())
        } else {
            String::new()
        };
        let _ = writeln!(out, "| {} | {} |{speed_cell}", row.title, cells.join(" | "));
    }
}

/// A finding's input as the page shows it, in code: cut after 80 bytes
/// (the kept file has it whole).
fn shown(finding: &Finding) -> String {
    const SHOWN: usize = 160;
    let text = finding.input_shown();
    match text.get(..SHOWN) {
        Some(start) if text.len() > SHOWN => {
            format!("`{start}…` ({} bytes in all)", finding.input.len())
        }
        _ => format!("`{text}`"),
    }
}

/// An answer as the page shows it: cut after 300 characters.
fn cut(answer: &str) -> String {
    match answer.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &answer[..at]),
        None => answer.to_owned(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reproducers_name_gives_back_its_check() {
        for check in CHECKS
            .into_iter()
            .chain(COMPLETION_CHECKS)
            .chain(TYPED_CHECKS)
        {
            for n in 0..12 {
                assert_eq!(reproducer_check(&reproducer_name(check, n)), Some(check));
            }
        }
        assert_eq!(reproducer_name("hostile lengths", 1), "hostile-lengths-2");
        assert_eq!(reproducer_check("regression-2"), None);
    }
}
