//! `conformance`: the peers through sockcmsg's conformance runner, and the
//! table of `docs/conformance.md` (`sockcmsg_peers::cli`).

fn main() -> std::process::ExitCode {
    sockcmsg_peers::cli::main()
}
