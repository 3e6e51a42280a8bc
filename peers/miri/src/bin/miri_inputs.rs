//! `miri-inputs OUT [--corpus DIR] [--sample N] [--max-len BYTES]`, a
//! native run: writes the inputs that `miri-parse` and `asan-glibc` read to
//! OUT: the conformance runner's rule probes (`inputs::record_probes`), then
//! `N` (default 50) files of DIR (default `corpus/parse` of the
//! repository), evenly spread over their names; with `--max-len`, only the
//! inputs of at most BYTES bytes (a Miri run reads its file in seconds per
//! megabyte under Tree Borrows: the long ones, which it does not run, are
//! left out of its file).

use std::path::PathBuf;
use std::process::ExitCode;

use sockcmsg_peers_miri::inputs;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("miri-inputs: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let mut corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus/parse");
    let mut sample = 50usize;
    let mut max_len = usize::MAX;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--corpus" => corpus = args.next().ok_or("--corpus takes a folder")?.into(),
            "--sample" => {
                sample = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--sample takes a number")?;
            }
            "--max-len" => {
                max_len = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--max-len takes a number")?;
            }
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    let out = out.ok_or("usage: miri-inputs OUT [--corpus DIR] [--sample N] [--max-len BYTES]")?;
    let mut all = inputs::record_probes();
    all.retain(|input| input.bytes.len() <= max_len);
    let probes = all.len();
    let mut corpus = inputs::corpus_sample(&corpus, sample)?;
    corpus.retain(|input| input.bytes.len() <= max_len);
    all.extend(corpus);
    let bytes = inputs::encode(&all);
    std::fs::write(&out, &bytes).map_err(|err| format!("{}: {err}", out.display()))?;
    println!(
        "miri-inputs: {} inputs ({probes} rule probes, {} corpus files), {} bytes, to {}",
        all.len(),
        all.len() - probes,
        bytes.len(),
        out.display()
    );
    Ok(())
}
