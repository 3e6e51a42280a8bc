//! Repository commands, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`).
//!
//! - `fuzz`: fuzzes every target with the committed corpus and prints a
//!   table of the results; installs the nightly toolchain and cargo-fuzz
//!   first if they are missing.
//! - `cmin`: merges what the fuzzer found into `corpus/` (only what adds
//!   coverage; `--minimize` also drops what no longer does).
//! - `seeds`: writes the seed files under `corpus/` and the dictionary,
//!   from buffers the kernel writes on a live socketpair.
//! - `decode`: prints a control buffer (a fuzz finding, a corpus file) for
//!   a person: headers, payloads, padding, the verdict, and Go's answer.
//! - `coverage`: replays the committed corpus with coverage-instrumented
//!   fuzz targets and reports the lines and regions of the codec reached.
//! - `cflite-build`: runs the ClusterFuzzLite/OSS-Fuzz build script with
//!   temporary `SRC` and `OUT` folders and replays the corpus with the
//!   binaries it builds.

mod cflite;
mod coverage;
mod decode;
mod fuzz;
mod seeds;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  fuzz [--time SECS] [--targets a,b] [--jobs N]
      Fuzz each target for SECS seconds (default 60) with the committed
      corpus, then print runs, runs/s, corpus size, coverage and crashes.
      A crash is minimized and saved as corpus/<target>/regression-<hash>.
      --jobs N runs libFuzzer with -fork=N (N processes per target).
  cmin [--targets a,b] [--minimize]
      Merge the fuzzer's new inputs (fuzz/corpus/<target>/) into
      corpus/<target>/: only those that add coverage, and nothing is
      removed. --minimize chooses the committed corpus anew from both
      folders instead, always keeping the seed and regression files.
  seeds
      Rewrite the seed-* files under corpus/ (buffers captured from a live
      socketpair, and edge cases) and the dictionary fuzz/cmsg.dict.
  decode FILE | decode --hex HEX   [--target NAME] [--layout NAME]
      Print a fuzz target's input (a finding, a corpus file): each header
      at its offset with its length, level and type, the payload (fds,
      credentials, else hex), padding, ignored bytes, then each parse
      function's verdict, the rule that rejected it, and what Go 1.19 does
      with the same bytes. --target is the target that reads the input
      (default parse): parse, libc_walk and kernel read a control buffer;
      roundtrip reads messages (arbitrary's format), printed, then their
      encoding decoded; parse_any_layout and roundtrip_any_layout read a
      byte that picks the layout, named in the output, then a buffer or
      messages. --layout is host (the default) or a layout's name
      (linux-64, linux-64-musl, macos, freebsd-64, illumos, aix, ...; an
      unknown name lists them all); not with the *_any_layout targets.
  coverage [--targets a,b]
      Replay the committed corpus with coverage-instrumented targets, write
      an HTML report to fuzz/coverage/html/, and print the lines and
      regions of the codec (src/*.rs but check, arbitrary, strategies)
      reached, then every region not reached.
  cflite-build
      Run .clusterfuzzlite/build.sh (also OSS-Fuzz's) with SRC and OUT set
      to temporary folders, check what it put in OUT, and replay each
      target's seed corpus with the binary it built (-runs=0).

targets: parse, roundtrip, parse_any_layout, roundtrip_any_layout, libc_walk,
kernel";

/// The repository's top folder.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is inside the repository")
        .to_path_buf()
}

/// The fuzz targets, in `sockcmsg::check::TARGETS` order, or the ones named
/// in `--targets`.
fn targets(selected: Option<&str>) -> Result<Vec<&'static str>, String> {
    let all: Vec<&'static str> = sockcmsg::check::TARGETS
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let Some(selected) = selected else {
        return Ok(all);
    };
    selected
        .split(',')
        .map(|name| {
            all.iter()
                .find(|known| **known == name)
                .copied()
                .ok_or_else(|| format!("no fuzz target {name:?}; the targets are {all:?}"))
        })
        .collect()
}

/// The value after `--flag` in `args`, if the flag is there.
fn option<'a>(args: &'a [String], flag: &str) -> Result<Option<&'a str>, String> {
    match args.iter().position(|arg| arg == flag) {
        None => Ok(None),
        Some(at) => args
            .get(at + 1)
            .map(|value| Some(value.as_str()))
            .ok_or_else(|| format!("{flag} needs a value")),
    }
}

/// `--flag N` as a number, or `default`.
fn number(args: &[String], flag: &str, default: u64) -> Result<u64, String> {
    option(args, flag)?.map_or(Ok(default), |value| {
        value
            .parse()
            .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))
    })
}

/// Fails on an option that the command does not know, so that a typo is
/// not silently ignored, and returns the other arguments (operands).
/// `valued` options take a value, `flags` none.
fn check_options<'a>(
    args: &'a [String],
    valued: &[&str],
    flags: &[&str],
) -> Result<Vec<&'a str>, String> {
    let mut operands = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if valued.contains(&arg.as_str()) {
            rest.next();
        } else if arg.starts_with('-') && !flags.contains(&arg.as_str()) {
            return Err(format!("unknown option {arg:?}\n\n{USAGE}"));
        } else if !flags.contains(&arg.as_str()) {
            operands.push(arg.as_str());
        }
    }
    Ok(operands)
}

/// Fails unless `args` holds only the options `valued` and `flags`.
fn only_options(args: &[String], valued: &[&str], flags: &[&str]) -> Result<(), String> {
    match check_options(args, valued, flags)?.first() {
        None => Ok(()),
        Some(operand) => Err(format!("unexpected argument {operand:?}\n\n{USAGE}")),
    }
}

/// `cargo xtask decode`: a fuzz target's input, from a file or `--hex`,
/// printed as the target named by `--target` reads it.
fn decode(options: &[String]) -> Result<(), String> {
    let operands = check_options(options, &["--hex", "--layout", "--target"], &[])?;
    let bytes = match (operands.as_slice(), option(options, "--hex")?) {
        ([file], None) => fs::read(file).map_err(|err| format!("{file}: {err}"))?,
        ([], Some(hex)) => decode::parse_hex(hex)?,
        _ => return Err(format!("decode takes one FILE or --hex HEX\n\n{USAGE}")),
    };
    let target = option(options, "--target")?.unwrap_or("parse");
    let layout = option(options, "--layout")?;
    print!("{}", decode::decode_input(target, layout, &bytes)?);
    Ok(())
}

fn run(args: &[String]) -> Result<(), String> {
    let (command, options) = args.split_first().ok_or(USAGE)?;
    match command.as_str() {
        "fuzz" => {
            only_options(options, &["--time", "--targets", "--jobs"], &[])?;
            let targets = targets(option(options, "--targets")?)?;
            let seconds = number(options, "--time", fuzz::DEFAULT_SECONDS)?;
            let jobs = number(options, "--jobs", 1)?.max(1);
            fuzz::fuzz(&targets, seconds, jobs)
        }
        "cmin" => {
            only_options(options, &["--targets"], &["--minimize"])?;
            let minimize = options.iter().any(|arg| arg == "--minimize");
            fuzz::cmin(&targets(option(options, "--targets")?)?, minimize)
        }
        "seeds" => {
            only_options(options, &[], &[])?;
            seeds::write_all()
        }
        "decode" => decode(options),
        "coverage" => {
            only_options(options, &["--targets"], &[])?;
            coverage::coverage(&targets(option(options, "--targets")?)?)
        }
        "cflite-build" => {
            only_options(options, &[], &[])?;
            cflite::build_and_replay()
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_take_values_flags_do_not_and_typos_fail() {
        let known = |text: &str| only_options(&args(text), &["--time"], &["--minimize"]);
        assert!(known("--time 30 --minimize").is_ok());
        assert!(known("--minimize --time 30").is_ok());
        assert!(known("--tme 30").is_err());
        assert!(known("30").is_err());
        assert_eq!(
            check_options(
                &args("--hex 14 file --minimize"),
                &["--hex"],
                &["--minimize"]
            ),
            Ok(vec!["file"])
        );
        assert_eq!(number(&args("--time 30"), "--time", 60), Ok(30));
        assert_eq!(number(&args(""), "--time", 60), Ok(60));
        assert!(number(&args("--time soon"), "--time", 60).is_err());
        assert!(option(&args("--time"), "--time").is_err());
    }

    #[test]
    fn targets_are_checked_against_the_harness() {
        assert_eq!(targets(Some("kernel,parse")), Ok(vec!["kernel", "parse"]));
        assert!(targets(Some("pars")).is_err());
        assert_eq!(targets(None).unwrap().len(), sockcmsg::check::TARGETS.len());
    }
}
