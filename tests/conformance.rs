//! The conformance runner on sockcmsg itself (no finding), on the example's
//! wrong parser (caught by the right check on the right input), and on test
//! doubles that panic, hang and abort (reported, not fatal).

use std::os::fd::{BorrowedFd, IntoRawFd};
use std::time::Duration;

use sockcmsg::conformance::{
    HandedBack, HandedFd, Implementation, Isolation, Parsed, Runner, Sockcmsg, SockcmsgTokio,
    CHECKS, COMPLETION_CHECKS, TYPED_CHECKS,
};
use sockcmsg::model::Model;
use sockcmsg::socket::{self, ControlBuffer};
use sockcmsg::Layout;

#[path = "../examples/wrong_parser.rs"]
mod wrong_parser;

const GO_VECTORS: &str = include_str!("data/go1.19-syscall-linux-amd64.tsv");

fn corpus(target: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target)
}

#[test]
fn sockcmsg_has_no_finding() {
    let report = Runner::new(&Sockcmsg)
        .go_vectors(GO_VECTORS)
        .corpus(corpus("parse"))
        .corpus(corpus("libc_walk"))
        .corpus(corpus("kernel"))
        .property_cases(128)
        .run();
    assert!(report.findings.is_empty(), "{report}");
    let ran = |check: &str| {
        report
            .checks
            .iter()
            .any(|summary| summary.check == check && summary.not_run.is_none() && summary.cases > 0)
    };
    let every_check = CHECKS
        .into_iter()
        .chain(COMPLETION_CHECKS)
        .chain(TYPED_CHECKS);
    for check in every_check.filter(|&check| check != "go-vectors") {
        assert!(ran(check), "{check} did not run: {report}");
    }
    if Layout::HOST == Layout::LINUX_64 {
        assert!(ran("go-vectors"), "{report}");
    }
}

#[test]
fn the_wrong_parser_is_caught_on_a_short_tail() {
    let report = Runner::new(&wrong_parser::RejectsShortTails)
        .property_cases(32)
        .run();
    let model = Model::new(Layout::HOST);
    let has_short_tail = |input: &[u8]| {
        let walk = model.walk(input);
        walk.rejection.is_none() && walk.end < input.len() as u128
    };
    assert!(report.findings_of("tail").count() > 0, "{report}");
    for finding in &report.findings {
        assert!(has_short_tail(&finding.input), "{report}");
        assert!(
            finding.implementation.contains("after the last message"),
            "{report}"
        );
    }
    // A bare SCM_RIGHTS header and one byte more: the smallest such input.
    let (sol, rights) = (Layout::HOST.sol_socket(), Layout::HOST.scm_rights());
    let mut tail = model.encode([(sol, rights, &[][..])]);
    tail.push(0xee);
    assert!(
        report.findings.iter().any(|finding| finding.input == tail),
        "{report}"
    );
    assert!(report.to_markdown().contains("| tail |"));
}

/// Panics on a buffer with a short tail, hangs on a 5-byte one, aborts on a
/// 6-byte one; parses everything else as sockcmsg does.
struct Misbehaves;

impl Implementation for Misbehaves {
    fn name(&self) -> String {
        "misbehaves".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        match buf.len() {
            4 => panic!("four bytes"),
            5 => loop {
                std::thread::sleep(Duration::from_millis(10));
            },
            6 => std::process::abort(),
            _ => Sockcmsg.parse(buf),
        }
    }
}

#[test]
fn panics_hangs_and_aborts_are_reported_not_fatal() {
    let report = Runner::new(&Misbehaves)
        .isolation(Isolation::Process {
            // Generous: a loaded machine must not turn a panic into a hang.
            limit: Duration::from_secs(2),
        })
        .property_cases(4)
        .run();
    let on = |len: usize| {
        report
            .findings_of("short input")
            .find(|finding| finding.input.len() == len && finding.input.iter().all(|&b| b == 0))
            .map(|finding| finding.implementation.clone())
    };
    assert_eq!(on(4).as_deref(), Some("panicked: four bytes"), "{report}");
    assert_eq!(
        on(5).as_deref(),
        Some("did not return within 2000 ms"),
        "{report}"
    );
    assert_eq!(
        on(6),
        Some(format!("aborted: signal {}", libc::SIGABRT)),
        "{report}"
    );
    // The properties may draw 4- to 6-byte buffers too: every finding must
    // be one of the three misbehaviours, on an input of its length.
    for finding in &report.findings {
        let expected = match finding.input.len() {
            4 => "panicked: four bytes".to_owned(),
            5 => "did not return within 2000 ms".to_owned(),
            6 => format!("aborted: signal {}", libc::SIGABRT),
            _ => String::new(),
        };
        assert_eq!(finding.implementation, expected, "{report}");
    }
}

/// Hands back bare numbers for the caller to close, as `nix`'s `recvmsg`
/// does, and, like it, drops them without closing when the kernel set
/// `MSG_CTRUNC`.
struct LeaksOnTruncation;

impl Implementation for LeaksOnTruncation {
    fn name(&self) -> String {
        "leaks on truncation".to_owned()
    }

    fn receive(
        &self,
        sock: BorrowedFd<'_>,
        control_len: usize,
    ) -> Option<Result<HandedBack, String>> {
        let mut control = ControlBuffer::with_len(control_len);
        let received = match socket::recv(sock, &mut [0; 1], &mut control) {
            Ok(received) => received,
            Err(err) => return Some(Err(err.to_string())),
        };
        let raw: Vec<i32> = received
            .fds
            .into_iter()
            .map(IntoRawFd::into_raw_fd)
            .collect();
        if received.control_truncated {
            return Some(Err("MSG_CTRUNC".to_owned()));
        }
        Some(Ok(HandedBack {
            truncated: None,
            fds: raw.into_iter().map(HandedFd::Raw).collect(),
            control_len: None,
        }))
    }
}

/// The async receive (`socket::asynchronous::recv` on tokio) through the
/// receive checks: every control buffer size, at `RLIMIT_NOFILE`, each fd
/// owned and close-on-exec.
#[test]
fn the_async_receive_has_no_finding() {
    let tokio = SockcmsgTokio::new().unwrap();
    let report = Runner::new(&tokio).only(["fds", "cloexec"]).run();
    assert!(report.findings.is_empty(), "{report}");
    for check in ["fds", "cloexec"] {
        let summary = report.checks.iter().find(|summary| summary.check == check);
        assert!(
            summary.is_some_and(|summary| summary.not_run.is_none() && summary.cases > 100),
            "{check}: {report}"
        );
    }
}

#[test]
fn fds_leaked_under_msg_ctrunc_are_found_and_raw_numbers_closed_otherwise() {
    let report = Runner::new(&LeaksOnTruncation).run();
    let fds = report.checks.iter().find(|summary| summary.check == "fds");
    assert!(
        fds.is_some_and(|fds| fds.not_run.is_none() && fds.cases > 100),
        "{report}"
    );
    // Every finding is a leak of the fds the kernel installed before it set
    // MSG_CTRUNC: a case where some, not all, fit.
    assert!(
        report.findings.iter().all(|finding| finding.check == "fds"),
        "{report}"
    );
    for finding in &report.findings {
        assert!(
            finding.model.contains("sets MSG_CTRUNC") && !finding.model.contains("installs 0 of"),
            "{report}"
        );
        assert!(finding.implementation.starts_with("leaked "), "{report}");
    }
    // 3 fds into cmsg_space(4) bytes: the padding holds a second one.
    let padding_holds_two = format!(
        "3 fds, a control buffer of {} bytes",
        sockcmsg::cmsg_space(4)
    );
    let leak = report
        .findings
        .iter()
        .find(|finding| finding.input == padding_holds_two.as_bytes());
    let expected_leak = if cfg!(target_pointer_width = "64") {
        "leaked 2 fds"
    } else {
        "leaked 1 fds"
    };
    assert!(
        leak.is_some_and(|leak| leak.implementation.starts_with(expected_leak)),
        "{report}"
    );
    // At RLIMIT_NOFILE, a buffer with room for the 3 fds (a header and 12
    // bytes): the kernel installs what it can.
    let at_the_limit = format!(
        "3 fds, a control buffer of {} bytes, room for 2 more open fds (RLIMIT_NOFILE)",
        if cfg!(target_pointer_width = "64") {
            28
        } else {
            24
        }
    );
    assert!(
        report
            .findings
            .iter()
            .any(|finding| finding.input == at_the_limit.as_bytes()
                && finding.implementation.starts_with("leaked 2 fds")),
        "{report}"
    );
}

fn properties_of(
    implementation: &dyn Implementation,
    seed: Option<u64>,
) -> sockcmsg::conformance::Report {
    let runner = Runner::new(implementation)
        .only(["properties"])
        .property_cases(256);
    match seed {
        Some(seed) => runner.seed(seed).run(),
        None => runner.run(),
    }
}

#[test]
fn the_properties_check_draws_from_a_seed_the_report_shows() {
    let first = properties_of(&wrong_parser::RejectsShortTails, None);
    assert_eq!(first.seed, sockcmsg::conformance::DEFAULT_SEED);
    assert_eq!(first.findings.len(), 1, "{first}");
    assert_eq!(properties_of(&wrong_parser::RejectsShortTails, None), first);
    let shown = format!("SOCKCMSG_CONFORMANCE_SEED={:#x}", first.seed);
    assert!(first.to_string().contains(&shown), "{first}");
    assert!(first.to_markdown().contains(&shown), "{first}");
    let other = properties_of(&wrong_parser::RejectsShortTails, Some(7));
    assert_eq!(other.seed, 7);
    assert_eq!(other.findings.len(), 1, "{other}");
}

/// The properties' deviation is shrunk as far as the strategies go: no
/// larger than the rule probe's smallest (proptest's default bound on the
/// steps left a 900-byte input where the probes showed a 44-byte one).
#[test]
fn the_properties_finding_is_shrunk_as_small_as_the_rule_probes() {
    for seed in [1, 2, 3] {
        let report = Runner::new(&wrong_parser::RejectsShortTails)
            .only(["tail", "properties"])
            .property_cases(256)
            .seed(seed)
            .run();
        let smallest = |check| {
            report
                .findings_of(check)
                .map(|finding| finding.input.len())
                .min()
        };
        let probe = smallest("tail").expect("the probe finds it");
        let property = smallest("properties").expect("the properties find it");
        assert!(property <= probe, "{report}");
    }
}

#[test]
fn a_fuzz_targets_panic_names_the_rule_its_input_exercises() {
    let model = Model::new(Layout::HOST);
    let (sol, rights) = (Layout::HOST.sol_socket(), Layout::HOST.scm_rights());
    let mut tail = model.encode([(sol, rights, &[][..])]);
    tail.push(0xee);
    let panic = std::panic::catch_unwind(|| {
        sockcmsg::conformance::fuzz_against_model(&wrong_parser::RejectsShortTails, &tail)
    })
    .expect_err("a finding panics");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(
        message.starts_with("the input exercises the rule `tail`"),
        "{message}"
    );
}
