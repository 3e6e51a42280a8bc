//! `conformance`: the peers through sockcmsg's conformance runner, and the
//! table of `docs/conformance.md` (`sockcmsg_peers::cli`), built against
//! the patched crates of `patches/`.

fn main() -> std::process::ExitCode {
    sockcmsg_peers::cli::main()
}
