//! `asan-forged nix`, built with AddressSanitizer and the `forged`
//! feature:
//!
//! ```text
//! RUSTFLAGS=-Zsanitizer=address cargo +nightly run --no-default-features \
//!     --features forged --target x86_64-unknown-linux-gnu --bin asan-forged -- nix
//! ```
//!
//! nix parses only what its own `recvmsg` returns, so its reads can be
//! checked only through a receive: the conformance runner's `forged
//! receives` check (the table's adapter, `peers/src/nix_crate.rs`, with a
//! control buffer of exactly the forged input's length) on the rule probes,
//! the table's corpora and the property buffers. A read past what the
//! forged `recvmsg` wrote is past the buffer's allocation, which ASan
//! reports; the child's report comes back in the finding (`exited with
//! status 1 (AddressSanitizer: ...)`).
//!
//! Prints `case-count CASES` and then, for each finding that is an ASan
//! report, `INPUT-HEX<TAB>REPORT`: the lines `cargo xtask miri` reads.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use sockcmsg::conformance::{Isolation, Runner};
use sockcmsg_peers_miri::corpora::table_corpora;
use sockcmsg_peers_miri::nix_crate::NixCrate;

/// The check run, as reports name it.
const CHECK: &str = "forged receives";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [peer] = args.as_slice() else {
        eprintln!("usage: asan-forged nix");
        return ExitCode::FAILURE;
    };
    if peer != "nix" {
        eprintln!("asan-forged: no peer {peer:?}; the peers: nix");
        return ExitCode::FAILURE;
    }
    // ASan's report (symbolized in the child) takes longer than the
    // table's 2 s.
    let mut runner = Runner::new(&NixCrate)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(20),
        })
        .only([CHECK]);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpora = match table_corpora(&root) {
        Ok(corpora) => corpora,
        Err(err) => {
            eprintln!("asan-forged: {err}");
            return ExitCode::FAILURE;
        }
    };
    for corpus in corpora {
        runner = runner.corpus(corpus);
    }
    let report = runner.run();
    let Some(summary) = report.checks.iter().find(|summary| summary.check == CHECK) else {
        eprintln!("asan-forged: the runner ran no {CHECK:?} check");
        return ExitCode::FAILURE;
    };
    if let Some(why) = &summary.not_run {
        eprintln!("asan-forged: {CHECK} not run: {why}");
        return ExitCode::FAILURE;
    }
    println!("case-count {}", summary.cases);
    for finding in &report.findings {
        if finding.implementation.contains("AddressSanitizer") {
            println!("{}\t{}", finding.input_hex(), finding.implementation);
        }
    }
    ExitCode::SUCCESS
}
