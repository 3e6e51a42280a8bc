//! `cargo xtask cmin`: a run's finds merged into the committed corpus,
//! or the committed corpus chosen anew.

use std::fs;
use std::path::Path;
use std::process::Stdio;

use super::{cargo_fuzz, create_dir, ensure_tools, file_name, files, run_checked, setup};
use crate::root;

/// Whether a corpus file is kept by `cmin --minimize` whatever its
/// coverage: the seeds and every input that ever made a target fail.
fn always_kept(path: &Path) -> bool {
    let name = file_name(path);
    name.starts_with("seed-") || name.starts_with("regression-")
}

/// `cargo xtask cmin`: for each target, adds to `corpus/<target>/` the
/// inputs of `fuzz/corpus/<target>/` that reach a feature the committed
/// corpus does not, and removes nothing. With `minimize`, the committed
/// corpus is chosen anew instead: seed and regression files, then the
/// inputs of both folders that add features beyond them (libFuzzer prefers
/// the smallest), and the other files of `corpus/<target>/` are deleted.
pub(crate) fn cmin(targets: &[&'static str], minimize: bool) -> Result<(), String> {
    ensure_tools()?;
    let root = root();
    for target in targets {
        run_checked(
            cargo_fuzz("build", target).stdout(Stdio::null()),
            "cargo fuzz build",
        )?;
        let committed = root.join("corpus").join(target);
        let work = root.join("fuzz/corpus").join(target);
        create_dir(&work)?;
        let before = files(&committed);
        if minimize {
            let chosen = root.join("fuzz/cmin").join(target);
            if chosen.exists() {
                fs::remove_dir_all(&chosen)
                    .map_err(|err| format!("{}: {err}", chosen.display()))?;
            }
            create_dir(&chosen)?;
            for path in before.iter().filter(|path| always_kept(path)) {
                fs::copy(path, chosen.join(file_name(path))).map_err(|err| err.to_string())?;
            }
            merge(target, &chosen, &[&committed, &work])?;
            for path in before.iter().filter(|path| !always_kept(path)) {
                fs::remove_file(path).map_err(|err| format!("{}: {err}", path.display()))?;
            }
            for path in files(&chosen).iter().filter(|path| !always_kept(path)) {
                fs::copy(path, committed.join(file_name(path))).map_err(|err| err.to_string())?;
            }
        } else {
            merge(target, &committed, &[&work])?;
        }
        let after = files(&committed);
        println!(
            "corpus/{target}: {} files before, {} after ({} new)",
            before.len(),
            after.len(),
            after.difference(&before).count()
        );
    }
    Ok(())
}

/// libFuzzer's `-merge=1`: adds to `into` each input of `from` that reaches
/// a feature `into` does not yet reach, named by its SHA-1.
fn merge(target: &str, into: &Path, from: &[&Path]) -> Result<(), String> {
    let logs = root().join("fuzz/logs");
    create_dir(&logs)?;
    let log_path = logs.join(format!("{target}-cmin.log"));
    let log =
        fs::File::create(&log_path).map_err(|err| format!("{}: {err}", log_path.display()))?;
    run_checked(
        cargo_fuzz("run", target)
            .arg(into)
            .args(from)
            .args(["--", "-merge=1"])
            .args(setup(target).options)
            .stdout(Stdio::null())
            .stderr(log),
        &format!("merging {target} (log: {})", log_path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_seeds_and_regressions_are_always_kept() {
        assert!(always_kept(Path::new("corpus/parse/seed-rights-1fd")));
        assert!(always_kept(Path::new(
            "corpus/parse/regression-0123456789abcdef"
        )));
        assert!(!always_kept(Path::new(
            "corpus/parse/3f786850e387550fdab836ed7e6dc881de23001b"
        )));
    }
}
