//! `conformance`: runs every peer (or those named) through sockcmsg's
//! conformance runner, each case in a child process, and prints the table
//! of `docs/conformance.md` on standard output; each report goes to
//! standard error as it ends. `cargo xtask conformance` runs it and writes
//! the page.
//!
//! ```text
//! conformance [--peers a,b] [--only check,check] [--input FILE]
//!             [--versions name=1.2,...] [--speed slug=1.05,...]
//!             [--save DIR] [--property-cases N] [--findings FILE]
//!             [--undefined FILE]
//! ```
//!
//! `--input FILE` replays one control buffer (the `corpus` check alone);
//! `--save DIR` keeps the first input of each check that found something,
//! as `DIR/<peer>/<check>`, where the page's reproduce commands point.
//! `--findings FILE` writes every finding, one a line: the peer, the check
//! and the input in hex, tab-separated (what `cargo xtask fixed` compares
//! between a peer and its fixed build). `--undefined FILE` adds the
//! `undefined behaviour` column from what `cargo xtask miri` wrote
//! (lines starting with `#` are comments): a line per peer, tab-separated, `slug ok CASES TOOL`, `slug not-run REASON`,
//! or, for each undefined behaviour found, `slug ub CASES TOOL INPUT-HEX
//! REPORT` (the report's lines joined by ` ⏎ `, shown joined by ` / `).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use crate::corpora::table_corpora;
use crate::go::unhex;
use crate::table::{self, Row, Speed};
use sockcmsg::conformance::{
    self, CheckSummary, Finding, Isolation, Report, Runner, CHECKS, COMPLETION_CHECKS, TYPED_CHECKS,
};

const GO_VECTORS: &str = include_str!("../../tests/data/go1.19-syscall-linux-amd64.tsv");

/// Whether `check`'s findings can be saved and replayed with `--input`:
/// its input is a control buffer, as aligned as any, that a parse reads
/// (not `unaligned`: replayed aligned, its inputs would not do what they
/// did; not the forged receives, typed or not, which hand their inputs to
/// a receive, nor the io_uring checks', whose inputs are completions:
/// running the check again builds the same cases).
fn replayable(check: &str) -> bool {
    conformance::reads_buffers(check)
        && !matches!(
            check,
            "unaligned" | "forged receives" | "typed forged receives"
        )
        && !COMPLETION_CHECKS.contains(&check)
}

const USAGE: &str = "usage: conformance [--peers a,b] [--only check,check] [--input FILE] \
                     [--versions name=1.2,...] [--speed slug=1.05,...] [--save DIR] \
                     [--property-cases N] [--findings FILE] [--undefined FILE]";

struct Options {
    peers: Option<Vec<String>>,
    only: Option<Vec<String>>,
    input: Option<PathBuf>,
    versions: BTreeMap<String, String>,
    speed: BTreeMap<String, String>,
    save: Option<PathBuf>,
    findings: Option<PathBuf>,
    undefined: Option<PathBuf>,
    property_cases: u32,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        peers: None,
        only: None,
        input: None,
        versions: BTreeMap::new(),
        speed: BTreeMap::new(),
        save: None,
        findings: None,
        undefined: None,
        property_cases: 256,
    };
    let mut args = std::env::args().skip(1);
    let list = |value: String| value.split(',').map(str::to_owned).collect::<Vec<_>>();
    while let Some(flag) = args.next() {
        if matches!(flag.as_str(), "--help" | "-h") {
            return Err(USAGE.to_owned());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--peers" => options.peers = Some(list(value)),
            "--only" => options.only = Some(list(value)),
            "--input" => options.input = Some(PathBuf::from(value)),
            "--save" => options.save = Some(PathBuf::from(value)),
            "--findings" => options.findings = Some(PathBuf::from(value)),
            "--undefined" => options.undefined = Some(PathBuf::from(value)),
            "--property-cases" => {
                options.property_cases = value.parse().map_err(|err| format!("{flag}: {err}"))?
            }
            "--versions" | "--speed" => {
                let map = match flag.as_str() {
                    "--versions" => &mut options.versions,
                    _ => &mut options.speed,
                };
                for pair in list(value) {
                    let (name, value) = pair
                        .split_once('=')
                        .ok_or_else(|| format!("{flag}: {pair} is not name=value"))?;
                    map.insert(name.to_owned(), value.to_owned());
                }
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(options)
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The `conformance` binary's `main`: in the library, so that a build of
/// the peers against patched crates (`peers/fixed`) runs the same program.
pub fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("conformance: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let options = options()?;
    let undefined = match &options.undefined {
        Some(path) => Some(
            std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?,
        ),
        None => None,
    };
    let peers = crate::all();
    if let Some(named) = &options.peers {
        if let Some(unknown) = named
            .iter()
            .find(|name| !peers.iter().any(|p| p.slug == *name))
        {
            let known: Vec<&str> = peers.iter().map(|peer| peer.slug).collect();
            return Err(format!(
                "no peer {unknown}; the peers: {}",
                known.join(", ")
            ));
        }
    }
    let mut rows = Vec::new();
    for peer in &peers {
        if options
            .peers
            .as_ref()
            .is_some_and(|named| !named.iter().any(|name| name == peer.slug))
        {
            continue;
        }
        let mut runner = Runner::new(&*peer.implementation)
            .isolation(Isolation::Process {
                limit: Duration::from_secs(2),
            })
            .property_cases(options.property_cases);
        if let Some(input) = &options.input {
            // A saved buffer of a parse check or a typed one: both replay it.
            runner = runner.corpus(input).only(["corpus", "typed corpus"]);
        } else {
            runner = runner.go_vectors(GO_VECTORS);
            for folder in table_corpora(root())? {
                runner = runner.corpus(folder);
            }
        }
        if let Some(only) = &options.only {
            runner = runner.only(only.iter().cloned());
        }
        let mut report = runner.run();
        if let Some(file) = &undefined {
            undefined_behaviour(file, peer.slug, &mut report)?;
        }
        eprintln!("{report}");
        let version = peer
            .package
            .and_then(|package| options.versions.get(package));
        let title = match version {
            Some(version) => format!("{} {version}", report.implementation),
            None => report.implementation.clone(),
        };
        if let Some(dir) = &options.save {
            save_classes(&dir.join(peer.slug), &report)?;
        }
        let speed = match options.speed.get(peer.slug) {
            Some(ratio) => Speed::Ratio(ratio.clone()),
            None if peer.walk.is_none() => Speed::NotTimed,
            None => Speed::NotMeasured,
        };
        rows.push(Row {
            slug: peer.slug,
            title,
            report,
            notes: peer.notes,
            speed,
        });
    }
    if let Some(path) = &options.findings {
        let lines: String = rows
            .iter()
            .flat_map(|row| {
                row.report.findings.iter().map(move |finding| {
                    format!("{}\t{}\t{}\n", row.slug, finding.check, finding.input_hex())
                })
            })
            .collect();
        std::fs::write(path, lines).map_err(|err| format!("{}: {err}", path.display()))?;
    }
    print!("{}", table::markdown(&rows, reproduce));
    Ok(())
}

/// Adds to `report` the `undefined behaviour` column's lines for `slug` of
/// `file` (see the module doc), or says why it has none.
fn undefined_behaviour(file: &str, slug: &str, report: &mut Report) -> Result<(), String> {
    let mut summary = CheckSummary {
        check: table::UNDEFINED,
        cases: 0,
        findings: 0,
        not_run: None,
    };
    let mut seen = false;
    for line in file.lines().filter(|line| !line.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.first() != Some(&slug) {
            continue;
        }
        seen = true;
        let cases = |field: Option<&&str>| {
            field
                .and_then(|cases| cases.parse().ok())
                .ok_or_else(|| format!("--undefined: no number of cases in {line:?}"))
        };
        match fields.get(1).copied() {
            Some("ok") => summary.cases = cases(fields.get(2))?,
            Some("not-run") => summary.not_run = fields.get(2).map(|why| (*why).to_owned()),
            Some("ub") => {
                let (Some(tool), Some(input), Some(said)) =
                    (fields.get(3), fields.get(4), fields.get(5))
                else {
                    return Err(format!("--undefined: a ub line needs 6 fields: {line:?}"));
                };
                summary.cases = cases(fields.get(2))?;
                summary.findings = summary.findings.saturating_add(1);
                report.findings.push(Finding {
                    check: table::UNDEFINED,
                    input: unhex(input).ok_or_else(|| format!("--undefined: {input:?}"))?,
                    model: format!(
                        "no undefined behaviour: the parse runs to its end under {tool}"
                    ),
                    implementation: said.replace(" ⏎ ", " / "),
                });
            }
            _ => return Err(format!("--undefined: {line:?}")),
        }
    }
    if !seen {
        summary.not_run = Some(
            "not run by cargo xtask miri, which runs the parses it can call from a Rust or C \
             program of its own: this one parses only inside its receive, or in another \
             language's runtime"
                .to_owned(),
        );
    }
    report.checks.push(summary);
    Ok(())
}

/// The command that replays the `n`th class of `finding`'s check for the
/// peer `slug`: the saved input, or for a check whose input is not a
/// buffer (or is placed at an odd address), the check itself.
fn reproduce(slug: &str, finding: &Finding, n: usize) -> String {
    if finding.check == table::UNDEFINED {
        return format!("cargo xtask miri --peers {slug}");
    }
    if replayable(finding.check) {
        format!(
            "cargo xtask conformance --peers {slug} --input corpus/conformance/{slug}/{}",
            table::reproducer_name(finding.check, n)
        )
    } else {
        format!(
            "cargo xtask conformance --peers {slug} --only '{}'",
            finding.check
        )
    }
}

/// Writes the input of each class of each buffer check's findings to
/// `dir/<check>[-n]`.
fn save_classes(dir: &Path, report: &Report) -> Result<(), String> {
    let groups = report.groups();
    for check in CHECKS
        .into_iter()
        .chain(TYPED_CHECKS)
        .filter(|check| replayable(check))
    {
        for (n, finding) in table::classes(&groups, check).into_iter().enumerate() {
            std::fs::create_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
            let path = dir.join(table::reproducer_name(check, n));
            std::fs::write(&path, &finding.input)
                .map_err(|err| format!("{}: {err}", path.display()))?;
        }
    }
    Ok(())
}
