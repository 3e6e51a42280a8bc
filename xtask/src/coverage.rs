//! `cargo xtask coverage`: how much of the codec the committed corpus
//! reaches.
//!
//! `cargo fuzz coverage` builds each target with `-C instrument-coverage`
//! (in `fuzz/target/coverage/`, apart from the fuzzing builds) and runs it
//! on every file of `corpus/<target>/`, leaving a profile in
//! `fuzz/coverage/<target>/`. The profiles are merged, `llvm-cov show`
//! writes an HTML report of the crate's sources to `fuzz/coverage/html/`,
//! and `llvm-cov export` gives the figures for the codec: the files
//! directly in `src/` but the `arbitrary` and `proptest` support, and the
//! typed messages' codec, `src/typed/`. The other folders are left out:
//! the harness (`src/check/`, `src/model/`, `src/conformance/`) and
//! `src/sys/`, which the kernel tests cover. The figures are printed and
//! written to `docs/coverage.md`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use serde_json::Value;

use crate::fuzz::{create_dir, ensure_tools, files, run_checked};
use crate::{root, version, write_page};

/// Files directly in `src/` that are not the codec: the `arbitrary` and
/// `proptest` support. (The harness's modules are folders, `src/check/`,
/// `src/model/` and `src/conformance/`, which [`codec_files`] never reads.)
const NOT_CODEC: [&str; 2] = ["arbitrary.rs", "strategies.rs"];

/// The folders of `src/` that are codec: the typed messages'.
const CODEC_FOLDERS: [&str; 1] = ["typed"];

/// The codec's source files: `src/*.rs` but [`NOT_CODEC`], and the files
/// of [`CODEC_FOLDERS`], sorted; the other folders of `src/` are not read.
fn codec_files(src: &Path) -> Result<Vec<PathBuf>, String> {
    let mut codec = Vec::new();
    for folder in std::iter::once(src.to_path_buf()).chain(CODEC_FOLDERS.map(|f| src.join(f))) {
        let entries =
            fs::read_dir(&folder).map_err(|err| format!("{}: {err}", folder.display()))?;
        codec.extend(
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    path.is_file()
                        && path.extension().is_some_and(|ext| ext == "rs")
                        && !NOT_CODEC.iter().any(|name| path.ends_with(name))
                }),
        );
    }
    codec.sort();
    Ok(codec)
}

/// The output of a nightly tool, which must succeed.
fn nightly_output(program: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new(program)
        .arg("+nightly")
        .args(args)
        .output()
        .map_err(|err| format!("{program}: {err}"))?;
    if !output.status.success() {
        return Err(format!("{program} {}: {}", args.join(" "), output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The folder of nightly's `llvm-cov` and `llvm-profdata`, after adding
/// the `llvm-tools-preview` component if they are missing.
fn llvm_tools() -> Result<PathBuf, String> {
    let sysroot = nightly_output("rustc", &["--print", "sysroot"])?;
    let bin = Path::new(&sysroot)
        .join("lib/rustlib")
        .join(host_triple()?)
        .join("bin");
    if !bin.join("llvm-cov").exists() {
        println!("xtask: installing llvm-cov and llvm-profdata (rustup component add --toolchain nightly llvm-tools-preview)");
        run_checked(
            Command::new("rustup").args([
                "component",
                "add",
                "--toolchain",
                "nightly",
                "llvm-tools-preview",
            ]),
            "rustup component add llvm-tools-preview",
        )?;
    }
    Ok(bin)
}

/// The host's target triple, which names cargo-fuzz's output folder.
fn host_triple() -> Result<String, String> {
    let version = nightly_output("rustc", &["-vV"])?;
    version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "rustc -vV names no host".to_owned())
}

/// `cargo xtask coverage`.
pub(crate) fn coverage(targets: &[&'static str], fail_under: Option<f64>) -> Result<(), String> {
    let (started, clock) = (SystemTime::now(), Instant::now());
    ensure_tools()?;
    let llvm = llvm_tools()?;
    let root = root();
    let target_dir = root.join("fuzz/target/coverage");
    let binaries = target_dir.join(host_triple()?).join("release");
    let logs = root.join("fuzz/logs");
    let report = root.join("fuzz/coverage");
    create_dir(&logs)?;
    let mut profiles = Vec::new();
    for target in targets {
        let log_path = logs.join(format!("{target}-coverage.log"));
        let log =
            fs::File::create(&log_path).map_err(|err| format!("{}: {err}", log_path.display()))?;
        println!(
            "xtask: replaying corpus/{target}/ with coverage (log: {})",
            log_path.display()
        );
        run_checked(
            Command::new("cargo")
                .current_dir(&root)
                .args(["+nightly", "fuzz", "coverage", "--sanitizer", "none"])
                // Turns on `#[coverage(off)]` for the code that runs at
                // compile time only (see src/lib.rs); cargo-fuzz appends
                // its own flags to these.
                .env("RUSTFLAGS", "--cfg coverage_nightly")
                .arg("--target-dir")
                .arg(&target_dir)
                .arg(target)
                .arg(root.join("corpus").join(target))
                .stdout(Stdio::null())
                .stderr(log),
            &format!("cargo fuzz coverage {target} (log: {})", log_path.display()),
        )?;
        profiles.push(report.join(target).join("coverage.profdata"));
    }
    let merged = report.join("corpus.profdata");
    run_checked(
        Command::new(llvm.join("llvm-profdata"))
            .args(["merge", "-sparse", "-o"])
            .arg(&merged)
            .args(&profiles),
        "llvm-profdata merge",
    )?;
    // llvm-cov takes the first binary as an operand, the others as -object.
    let objects = |command: &mut Command| {
        command.arg("-instr-profile").arg(&merged);
        for (number, target) in targets.iter().enumerate() {
            if number > 0 {
                command.arg("-object");
            }
            command.arg(binaries.join(target));
        }
    };
    let html = report.join("html");
    let mut show = Command::new(llvm.join("llvm-cov"));
    show.args(["show", "-format=html", "-show-line-counts-or-regions"])
        .arg("-output-dir")
        .arg(&html);
    objects(&mut show);
    run_checked(show.arg(root.join("src")), "llvm-cov show")?;

    let codec = codec_files(&root.join("src"))?;
    let mut export = Command::new(llvm.join("llvm-cov"));
    export.args(["export", "-format=text"]);
    objects(&mut export);
    let output = export
        .args(&codec)
        .output()
        .map_err(|err| format!("llvm-cov export: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "llvm-cov export: {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let export: Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("llvm-cov export printed no JSON: {err}"))?;
    let totals = Totals::of(&export)?;
    let names: Vec<String> = codec.iter().map(|path| relative(&root, path)).collect();
    println!(
        "\ncodec coverage by the committed corpus ({}): {}; report: {}",
        names.join(" "),
        totals,
        relative(&root, &html.join("index.html"))
    );
    let groups = unreached(&export, &codec);
    if !groups.is_empty() {
        println!("\nregions not reached, by line:");
    }
    let mut listed = Vec::new();
    for group in &groups {
        let file = relative(&root, Path::new(&group.file));
        let source = fs::read_to_string(&group.file).unwrap_or_default();
        let text = source
            .lines()
            .nth(group.first_line.saturating_sub(1))
            .unwrap_or_default()
            .trim()
            .to_owned();
        let lines = if group.last_line > group.first_line {
            format!("{}-{}", group.first_line, group.last_line)
        } else {
            group.first_line.to_string()
        };
        let count = if group.regions == 1 {
            "1 region".to_owned()
        } else {
            format!("{} regions", group.regions)
        };
        let location = format!("{file}:{lines}");
        println!("  {location:<22} {count:<11} {text}");
        listed.push((location, group.regions, text));
    }
    let replayed: Vec<(&str, usize)> = targets
        .iter()
        .map(|target| (*target, files(&root.join("corpus").join(target)).len()))
        .collect();
    write_page(
        "coverage.md",
        "Coverage of the codec: the last run",
        "cargo xtask coverage",
        started,
        clock.elapsed(),
        &page(&totals, &names, &replayed, &listed),
    )?;
    match fail_under {
        Some(least) if percent(totals.regions) < least => Err(format!(
            "the corpus reaches {:.1}% of the codec's regions, under the {least}% asked for",
            percent(totals.regions)
        )),
        _ => Ok(()),
    }
}

/// The body of `docs/coverage.md`: what was replayed, the totals, and the
/// regions not reached (`location`, regions, the source line).
fn page(
    totals: &Totals,
    codec: &[String],
    replayed: &[(&str, usize)],
    unreached: &[(String, usize, String)],
) -> String {
    let corpus: Vec<String> = replayed
        .iter()
        .map(|(target, files)| format!("`{target}` {files}"))
        .collect();
    let codec: Vec<String> = codec.iter().map(|file| format!("`{file}`")).collect();
    let unreached_regions: usize = unreached.iter().map(|(_, regions, _)| regions).sum();
    let mut text = format!(
        "The committed corpus, replayed by the fuzz targets built with coverage \
         instrumentation (`cargo fuzz coverage`, {}), over the codec: {}. Not counted: \
         `src/check/`, `src/model/`, `src/conformance/`, `src/arbitrary.rs`, \
         `src/strategies.rs` (the harness and test support) and `src/sys/` (the socket \
         layer, which the kernel tests cover). \
         Functions that only run at compile time are `#[coverage(off)]` under this command.\n\n\
         - Corpus files replayed: {}.\n\
         - **{totals}**.\n\
         - HTML report, with every line's count: `fuzz/coverage/html/index.html`.\n\n",
        version("rustc", &["+nightly", "--version"]),
        codec.join(", "),
        corpus.join(", "),
    );
    if unreached.is_empty() {
        text.push_str("Every region was reached.\n");
        return text;
    }
    text.push_str(&format!(
        "## The {unreached_regions} regions not reached\n\n\
         Neighbouring lines of one file are grouped; the text is the group's first line.\n\n\
         | where | regions | first line |\n|---|--:|---|\n"
    ));
    for (location, regions, line) in unreached {
        // A `|` would end the table's cell.
        let line = line.replace('|', "\\|");
        text.push_str(&format!("| `{location}` | {regions} | `{line}` |\n"));
    }
    text
}

/// `path` from the repository's top, as printed.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Covered and total lines and regions, from `llvm-cov export`.
#[derive(Debug, PartialEq)]
struct Totals {
    lines: (u64, u64),
    regions: (u64, u64),
}

impl Totals {
    fn of(export: &Value) -> Result<Totals, String> {
        let totals = &export["data"][0]["totals"];
        let pair = |kind: &str| -> Result<(u64, u64), String> {
            let number = |field: &str| {
                totals[kind][field]
                    .as_u64()
                    .ok_or_else(|| format!("llvm-cov export has no totals.{kind}.{field}"))
            };
            Ok((number("covered")?, number("count")?))
        };
        Ok(Totals {
            lines: pair("lines")?,
            regions: pair("regions")?,
        })
    }
}

/// `covered` of `count` as a percentage (100 of nothing).
fn percent((covered, count): (u64, u64)) -> f64 {
    if count == 0 {
        100.0
    } else {
        covered as f64 * 100.0 / count as f64
    }
}

impl std::fmt::Display for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lines {}/{} ({:.1}%), regions {}/{} ({:.1}%)",
            self.lines.0,
            self.lines.1,
            percent(self.lines),
            self.regions.0,
            self.regions.1,
            percent(self.regions)
        )
    }
}

/// Unreached regions on neighbouring lines of one file.
#[derive(Debug, PartialEq)]
struct Group {
    file: String,
    first_line: usize,
    last_line: usize,
    regions: usize,
}

/// The code regions of `files` that no run reached, grouped by runs of
/// lines. A region is counted once however many binaries hold it (each
/// target has its own copy of the codec), and is reached if any copy was.
fn unreached(export: &Value, files: &[PathBuf]) -> Vec<Group> {
    // A region: file, start line and column, end line and column.
    type Span = (String, u64, u64, u64, u64);
    /// `llvm-cov export`'s kind of a plain code region.
    const CODE_REGION: u64 = 0;
    let wanted = |file: &str| files.iter().any(|path| Path::new(file) == path);
    let mut reached: std::collections::BTreeMap<Span, bool> = Default::default();
    let functions = export["data"][0]["functions"].as_array();
    for function in functions.into_iter().flatten() {
        let filenames = function["filenames"].as_array();
        for region in function["regions"].as_array().into_iter().flatten() {
            // [line start, column start, line end, column end, count,
            //  file id, expanded file id, kind]
            let field = |at: usize| region[at].as_u64().unwrap_or(u64::MAX);
            let file = filenames
                .and_then(|names| names.get(field(5) as usize))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if field(7) != CODE_REGION || !wanted(file) {
                continue;
            }
            let span = (file.to_owned(), field(0), field(1), field(2), field(3));
            *reached.entry(span).or_default() |= field(4) > 0;
        }
    }
    let mut groups: Vec<Group> = Vec::new();
    for ((file, first, _, last, _), _) in reached.into_iter().filter(|(_, reached)| !reached) {
        let (first, last) = (first as usize, last as usize);
        match groups.last_mut() {
            Some(group) if group.file == file && first <= group.last_line + 1 => {
                group.last_line = group.last_line.max(last);
                group.regions += 1;
            }
            _ => groups.push(Group {
                file,
                first_line: first,
                last_line: last,
                regions: 1,
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codec_is_src_without_the_harness_and_test_support() {
        let src = root().join("src");
        let codec = codec_files(&src).unwrap();
        for file in [
            "lib.rs",
            "parse.rs",
            "encode.rs",
            "error.rs",
            "layout.rs",
            "typed/decode.rs",
            "typed/linux.rs",
        ] {
            assert!(codec.contains(&src.join(file)), "{file} is codec");
        }
        for file in NOT_CODEC {
            assert!(!codec.contains(&src.join(file)), "{file} is not codec");
        }
        let typed = src.join("typed");
        assert!(codec
            .iter()
            .all(|path| path.parent() == Some(src.as_path())
                || path.parent() == Some(typed.as_path())));
    }

    /// An export in `llvm-cov export -format=text`'s shape: the same
    /// function in two binaries, one of which reached a region the other
    /// did not, and a function of another file.
    fn export() -> Value {
        serde_json::json!({"data": [{
            "totals": {
                "lines": {"count": 447, "covered": 340},
                "regions": {"count": 754, "covered": 573}
            },
            "functions": [
                {"filenames": ["/r/src/parse.rs"], "regions": [
                    [10, 5, 12, 6, 3, 0, 0, 0],
                    [11, 9, 11, 20, 0, 0, 0, 0],
                    [12, 1, 12, 4, 0, 0, 0, 0],
                    [20, 1, 20, 9, 0, 0, 0, 0],
                    [21, 1, 21, 9, 0, 0, 0, 3]
                ]},
                {"filenames": ["/r/src/parse.rs"], "regions": [
                    [11, 9, 11, 20, 0, 0, 0, 0],
                    [12, 1, 12, 4, 7, 0, 0, 0]
                ]},
                {"filenames": ["/r/src/check/mod.rs"], "regions": [
                    [1, 1, 2, 2, 0, 0, 0, 0]
                ]}
            ]
        }]})
    }

    #[test]
    fn totals_are_read_and_printed_with_percentages() {
        let totals = Totals::of(&export()).unwrap();
        assert_eq!(
            totals,
            Totals {
                lines: (340, 447),
                regions: (573, 754)
            }
        );
        assert_eq!(
            totals.to_string(),
            "lines 340/447 (76.1%), regions 573/754 (76.0%)"
        );
        assert!(Totals::of(&serde_json::json!({})).is_err());
    }

    #[test]
    fn a_region_is_unreached_only_if_no_binary_reached_it() {
        let groups = unreached(&export(), &[PathBuf::from("/r/src/parse.rs")]);
        assert_eq!(
            groups,
            [
                Group {
                    file: "/r/src/parse.rs".into(),
                    first_line: 11,
                    last_line: 11,
                    regions: 1
                },
                // Line 21's region is a gap region, not code.
                Group {
                    file: "/r/src/parse.rs".into(),
                    first_line: 20,
                    last_line: 20,
                    regions: 1
                },
            ]
        );
    }

    #[test]
    fn the_page_lists_the_unreached_regions() {
        let totals = Totals {
            lines: (481, 485),
            regions: (768, 795),
        };
        let unreached = [
            ("src/rights.rs:36".to_owned(), 1, "x || y".to_owned()),
            (
                "src/layout.rs:365-395".to_owned(),
                12,
                "let a = b?;".to_owned(),
            ),
        ];
        let text = page(
            &totals,
            &["src/parse.rs".into()],
            &[("parse", 40)],
            &unreached,
        );
        assert!(text.contains("**lines 481/485 (99.2%), regions 768/795 (96.6%)**"));
        assert!(text.contains("`parse` 40"));
        assert!(text.contains("## The 13 regions not reached"));
        assert!(text.contains("| `src/rights.rs:36` | 1 | `x \\|\\| y` |"));
        assert!(page(&totals, &[], &[], &[]).contains("Every region was reached."));
    }

    #[test]
    fn regions_on_neighbouring_lines_form_one_group() {
        let export = serde_json::json!({"data": [{"functions": [
            {"filenames": ["/r/src/a.rs"], "regions": [
                [5, 1, 6, 2, 0, 0, 0, 0],
                [7, 1, 7, 9, 0, 0, 0, 0],
                [6, 3, 6, 4, 0, 0, 0, 0],
                [9, 1, 9, 2, 0, 0, 0, 0]
            ]}
        ]}]});
        let groups = unreached(&export, &[PathBuf::from("/r/src/a.rs")]);
        let spans: Vec<(usize, usize, usize)> = groups
            .iter()
            .map(|group| (group.first_line, group.last_line, group.regions))
            .collect();
        assert_eq!(spans, [(5, 7, 3), (9, 9, 1)]);
    }
}
