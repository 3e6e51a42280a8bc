//! `cargo xtask cflite-build`: the ClusterFuzzLite and OSS-Fuzz build
//! script, run here as their builder image runs it, and its output
//! checked.
//!
//! `.clusterfuzzlite/build.sh` gets `SRC` (holding the repository as
//! `$SRC/sockcmsg`) and `OUT`, both temporary folders, and nightly as its
//! toolchain, as in the image. Then, for every fuzz target, `OUT` must hold
//! the binary, a seed corpus zip with exactly the files of
//! `corpus/<target>/`, and the dictionary where `cargo xtask fuzz` uses
//! one; and the binary must replay the unzipped corpus with `-runs=0`
//! without a crash.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::fuzz::{create_dir, ensure_tools, file_name, files, run_checked, setup};
use crate::{root, targets};

/// The build script, from the repository's top.
const BUILD_SCRIPT: &str = ".clusterfuzzlite/build.sh";

/// `cargo xtask cflite-build`. The temporary folders are removed after a
/// success and kept, for a look, after a failure.
pub(crate) fn build_and_replay() -> Result<(), String> {
    ensure_tools()?;
    let root = root();
    let work = std::env::temp_dir().join(format!("sockcmsg-cflite-{}", std::process::id()));
    let (src, out) = (work.join("src"), work.join("out"));
    create_dir(&src)?;
    create_dir(&out)?;
    std::os::unix::fs::symlink(&root, src.join("sockcmsg"))
        .map_err(|err| format!("{}: {err}", src.display()))?;
    println!(
        "xtask: running {BUILD_SCRIPT} with SRC={} OUT={}",
        src.display(),
        out.display()
    );
    run_checked(
        Command::new("bash")
            .arg(root.join(BUILD_SCRIPT))
            .env("SRC", &src)
            .env("OUT", &out)
            .env("RUSTUP_TOOLCHAIN", "nightly")
            // The folder of `cargo xtask fuzz`'s AddressSanitizer builds,
            // which are the same build: nothing is compiled twice.
            .env("CARGO_TARGET_DIR", root.join("fuzz/target/address")),
        BUILD_SCRIPT,
    )?;
    for target in targets(None, false)? {
        let report = check_and_replay(target, &root, &out, &work.join("seeds").join(target))
            .map_err(|err| format!("{target}: {err} (the build is kept in {})", work.display()))?;
        println!("  {target}: {report}");
    }
    fs::remove_dir_all(&work).map_err(|err| format!("{}: {err}", work.display()))
}

/// Checks what the build script put in `out` for `target`, unzips its seed
/// corpus into `seeds` and replays it; says what was found.
fn check_and_replay(target: &str, root: &Path, out: &Path, seeds: &Path) -> Result<String, String> {
    let binary = out.join(target);
    if !binary.is_file() {
        return Err(format!("no binary {}", binary.display()));
    }
    let zip = out.join(format!("{target}_seed_corpus.zip"));
    create_dir(seeds)?;
    run_checked(
        Command::new("python3")
            .args(["-m", "zipfile", "-e"])
            .arg(&zip)
            .arg(seeds),
        &format!("unzipping {}", zip.display()),
    )?;
    let corpus = root.join("corpus").join(target);
    same_files(&corpus, seeds)?;
    let mut found = format!(
        "binary, {} ({} files, those of corpus/{target}/)",
        file_name(&zip),
        files(&corpus).len()
    );

    let dictionary = out.join(format!("{target}.dict"));
    let mut replay = Command::new(&binary);
    replay.arg("-runs=0");
    match (setup(target).dictionary, dictionary.exists()) {
        (Some(expected), true) => {
            let read =
                |path: &Path| fs::read(path).map_err(|err| format!("{}: {err}", path.display()));
            if read(&dictionary)? != read(&root.join(expected))? {
                return Err(format!("{} is not {expected}", dictionary.display()));
            }
            replay.arg(format!("-dict={}", dictionary.display()));
            found.push_str(&format!(", {} ({expected})", file_name(&dictionary)));
        }
        (None, false) => found.push_str(", no dictionary"),
        (expected, present) => {
            return Err(format!(
                "{} is {}there; cargo xtask fuzz uses {}",
                dictionary.display(),
                if present { "" } else { "not " },
                expected.unwrap_or("no dictionary")
            ))
        }
    }
    let output = replay
        .arg(seeds)
        .output()
        .map_err(|err| format!("{}: {err}", binary.display()))?;
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "replaying the seed corpus failed ({}):\n{log}",
            output.status
        ));
    }
    // libFuzzer's last words: `Done <runs> runs in <seconds> second(s)`.
    let runs = log
        .lines()
        .find_map(|line| line.strip_prefix("Done "))
        .and_then(|rest| rest.split_whitespace().next())
        .ok_or_else(|| format!("libFuzzer did not say it was done:\n{log}"))?;
    Ok(format!("{found}; -runs=0 replay: {runs} runs, no crash"))
}

/// Fails unless the folders hold files of the same names and bytes.
fn same_files(expected: &Path, got: &Path) -> Result<(), String> {
    let names = |dir: &Path| -> Vec<String> {
        files(dir)
            .iter()
            .map(|path| file_name(path).to_owned())
            .collect()
    };
    let (want, have) = (names(expected), names(got));
    if want != have {
        return Err(format!(
            "the seed corpus zip holds {} files, corpus has {}, or other names",
            have.len(),
            want.len()
        ));
    }
    for name in want {
        let read = |dir: &Path| fs::read(dir.join(&name)).map_err(|err| format!("{name}: {err}"));
        if read(expected)? != read(got)? {
            return Err(format!("{name} differs in the seed corpus zip"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_differ_in_a_name_or_in_bytes() {
        let dir = std::env::temp_dir().join(format!("xtask-same-files-{}", std::process::id()));
        let (one, two) = (dir.join("one"), dir.join("two"));
        for folder in [&one, &two] {
            create_dir(folder).unwrap();
            fs::write(folder.join("seed-a"), b"a").unwrap();
        }
        assert_eq!(same_files(&one, &two), Ok(()));
        fs::write(two.join("seed-a"), b"b").unwrap();
        assert!(same_files(&one, &two).is_err());
        fs::write(two.join("seed-a"), b"a").unwrap();
        fs::write(two.join("seed-b"), b"b").unwrap();
        assert!(same_files(&one, &two).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
