//! The conformance report as a person reads it: one bug met on many inputs
//! is one group, shown with its smallest few inputs and a count, while
//! `Report::findings` keeps every finding; different bugs stay apart.

use sockcmsg::conformance::{Finding, Report};
use sockcmsg::model::Model;
use sockcmsg::Layout;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn finding(check: &'static str, input: Vec<u8>, model: &str, implementation: &str) -> Finding {
    Finding {
        check,
        input,
        model: model.to_owned(),
        implementation: implementation.to_owned(),
    }
}

fn report(findings: Vec<Finding>) -> Report {
    Report {
        implementation: "mine".to_owned(),
        findings,
        ..Report::default()
    }
}

/// What a parser that drops the last fd of a rights message finds on a
/// 1 KiB buffer the kernel could write: credentials from `pid`, then 244
/// fds. The answers read as the runner writes them, with all the data.
fn drops_the_last_fd(pid: u32) -> Finding {
    let model = Model::new(Layout::LINUX_64);
    let creds: Vec<u8> = [pid, 1000, 1000]
        .iter()
        .flat_map(|id| id.to_ne_bytes())
        .collect();
    let fds: Vec<i32> = (3..247).collect();
    let fd_bytes: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
    let input = model.encode([(1, 2, &creds[..]), (1, 1, &fd_bytes[..])]);
    assert_eq!(input.len(), 1024);
    let kept: Vec<String> = fds[..fds.len() - 1].iter().map(i32::to_string).collect();
    finding(
        "kernel",
        input,
        &format!(
            "2 messages [level 1 type 2 data {}; level 1 type 1 data {}]",
            hex(&creds),
            hex(&fd_bytes)
        ),
        &format!(
            "2 messages [level 1 type 2 credentials pid {pid} uid 1000 gid 1000; \
             level 1 type 1 fds [{}]]",
            kept.join(", ")
        ),
    )
}

#[test]
fn one_bug_on_61_large_inputs_prints_as_one_short_group() {
    let mut findings: Vec<Finding> = (0..61).map(|n| drops_the_last_fd(4000 + n)).collect();
    // Two other bugs: a panic in another check, and in the same check a
    // rejection where the model reads messages.
    findings.insert(
        0,
        finding(
            "tail",
            vec![0; 20],
            "0 messages []",
            "panicked: attempt to add with overflow",
        ),
    );
    findings.insert(
        30,
        finding(
            "kernel",
            vec![0x18; 24],
            "1 messages [level 1 type 1 data 03000000]",
            "rejected: cmsg_len 24 past the end at 0",
        ),
    );
    let report = report(findings);
    let shown = report.to_string();

    // Before grouping, this report printed 324 KB: each finding with its
    // input and both answers whole. Now 2.8 KB.
    assert!(shown.len() < 4096, "{} bytes:\n{shown}", shown.len());
    assert!(
        shown.starts_with("mine: 63 findings in 3 groups\n"),
        "{shown}"
    );
    assert!(
        shown.contains("[kernel] 61 findings like this; the 3 smallest:"),
        "{shown}"
    );
    assert!(shown.contains("[tail] 1 finding:"), "{shown}");
    assert!(shown.contains("[kernel] 1 finding:"), "{shown}");
    assert!(
        shown.contains("panicked: attempt to add with overflow"),
        "{shown}"
    );
    assert!(
        shown.contains("rejected: cmsg_len 24 past the end at 0"),
        "{shown}"
    );
    // All 61 inputs are 1 KiB: the smallest in byte order are shown, cut,
    // with their length; the largest is not.
    let mut big: Vec<&Finding> = report
        .findings_of("kernel")
        .filter(|f| f.input.len() == 1024)
        .collect();
    big.sort_by(|a, b| a.input.cmp(&b.input));
    let start = |finding: &Finding| hex(&finding.input[..128]);
    assert!(
        shown.contains(&format!("{}… (1024 bytes)", start(big[0]))),
        "{shown}"
    );
    assert!(!shown.contains(&start(big[60])), "{shown}");

    // The Markdown: the same groups, under their checks' headings.
    let markdown = report.to_markdown();
    assert!(markdown.len() < 8192, "{} bytes", markdown.len());
    assert_eq!(markdown.matches("\n### kernel\n").count(), 2, "{markdown}");
    assert_eq!(markdown.matches("\n### tail\n").count(), 1, "{markdown}");
    assert!(markdown.contains("61 findings like this; the 3 smallest:"));

    // Nothing is lost: the report keeps every finding, and the groups hold
    // them all.
    assert_eq!(report.findings.len(), 63);
    let sizes: Vec<usize> = report.groups().iter().map(Vec::len).collect();
    assert_eq!(sizes, [1, 61, 1], "in the order of their first finding");
}

#[test]
fn a_group_shows_its_smallest_inputs_each_once() {
    let inputs: [&[u8]; 6] = [&[9; 40], &[2; 16], &[1; 24], &[2; 16], &[1; 64], &[1; 16]];
    let report = report(
        inputs
            .iter()
            .enumerate()
            .map(|(n, input)| {
                let answer = format!("rejected: {n} bytes at offset {}", input.len());
                finding("corpus", input.to_vec(), "0 messages []", &answer)
            })
            .collect(),
    );
    let groups = report.groups();
    let [group] = groups.as_slice() else {
        panic!("{report}");
    };
    let lengths: Vec<(usize, u8)> = group.iter().map(|f| (f.input.len(), f.input[0])).collect();
    assert_eq!(
        lengths,
        [(16, 1), (16, 2), (16, 2), (24, 1), (40, 9), (64, 1)]
    );

    let shown = report.to_string();
    assert!(
        shown.contains("[corpus] 6 findings like this; the 3 smallest:"),
        "{shown}"
    );
    let inputs_shown: Vec<&str> = shown
        .lines()
        .filter_map(|line| line.strip_prefix("  input "))
        .collect();
    assert_eq!(
        inputs_shown,
        ["01".repeat(16), "02".repeat(16), "01".repeat(24)],
        "the shortest first, then in byte order; a repeated input once"
    );
}

#[test]
fn answers_that_differ_only_in_numbers_share_a_group() {
    let model = "0 messages []";
    // Pairs of answers from docs/conformance.md: one bug each.
    let alike = [
        (
            "handed back fds [14] without FD_CLOEXEC",
            "handed back fds [14, 15, 16] without FD_CLOEXEC",
        ),
        (
            "leaked 1 fds: [15] still open after the result was dropped",
            "leaked 3 fds: [14, 15, 16] still open after the result was dropped",
        ),
        (
            "1 messages [level 1 type 1 fds []]",
            "1 messages [level 1 type 1 fds [2000000001]]",
        ),
        (
            "aborted: signal 6 (panicked at msg.rs:992:28: misaligned pointer \
             dereference: address must be a multiple of 0x8 but is 0x5607bf7c4361)",
            "aborted: signal 6 (panicked at msg.rs:992:28: misaligned pointer \
             dereference: address must be a multiple of 0x8 but is 0x5607bfb9fa7c)",
        ),
        (
            "1 messages [level 1 type 2 credentials pid -1 uid 4294967295 gid 0]",
            "1 messages [level 1 type 2 credentials pid 25402 uid 0 gid 0]",
        ),
        (
            "1 messages [level 1 type 1 data a31d0000]",
            "1 messages [level 1 type 1 data 06000000]",
        ),
    ];
    for (one, other) in alike {
        let report = report(vec![
            finding("tail", vec![1], model, one),
            finding("tail", vec![2], model, other),
        ]);
        assert_eq!(report.groups().len(), 1, "{report}");
    }
    // Different bugs, and the same answer in two checks.
    let apart = [
        (
            ("tail", "panicked: attempt to add with overflow"),
            ("tail", "panicked: attempt to subtract with overflow"),
        ),
        (
            ("tail", "0 messages []"),
            ("tail", "1 messages [level 1 type 1 fds []]"),
        ),
        (
            ("tail", "1 messages [level 1 type 1 fds [3]]"),
            (
                "tail",
                "2 messages [level 1 type 1 fds [3]; level 1 type 1 fds [4]]",
            ),
        ),
        (
            ("tail", "rejected: invalid argument"),
            ("tail", "did not return within 200 ms"),
        ),
        (
            ("tail", "panicked: attempt to add with overflow"),
            ("corpus", "panicked: attempt to add with overflow"),
        ),
    ];
    for ((check, one), (other_check, other)) in apart {
        let report = report(vec![
            finding(check, vec![1], model, one),
            finding(other_check, vec![2], model, other),
        ]);
        assert_eq!(report.groups().len(), 2, "{report}");
    }
    // The model's answer counts too: an implementation that answers the
    // same to two different buffers may be wrong in two ways.
    let report = report(vec![
        finding(
            "tail",
            vec![1],
            "rejected: LengthBelowHeader { offset: 0, len: 0, min: 16 }",
            "0 messages []",
        ),
        finding(
            "tail",
            vec![2],
            "rejected: LengthPastEnd { offset: 0, len: 99, available: 16 }",
            "0 messages []",
        ),
    ]);
    assert_eq!(report.groups().len(), 2, "{report}");
}

/// A hand-written parser with one bug, through the runner's `kernel`
/// check: it drops the last fd of every rights message.
#[cfg(target_os = "linux")]
mod one_bug_through_the_runner {
    use sockcmsg::conformance::{Implementation, Parsed, ParsedMessage, Payload, Runner};

    struct DropsTheLastFd;

    impl Implementation for DropsTheLastFd {
        fn name(&self) -> String {
            "drops-the-last-fd".to_owned()
        }

        fn parse(&self, buf: &[u8]) -> Option<Parsed> {
            let msgs = match sockcmsg::parse_socket_control_message(buf) {
                Ok(msgs) => msgs,
                Err(err) => return Some(Parsed::Rejected(err.to_string())),
            };
            let parsed = msgs
                .into_iter()
                .map(|msg| match sockcmsg::parse_unix_rights(&msg) {
                    Ok(mut fds) => {
                        fds.pop();
                        ParsedMessage {
                            level: msg.header.level,
                            kind: msg.header.kind,
                            payload: Payload::Fds(fds),
                        }
                    }
                    Err(_) => ParsedMessage::from(msg),
                });
            Some(Parsed::Messages(parsed.collect()))
        }
    }

    #[test]
    fn the_kernel_check_reports_it_as_one_group() {
        let report = Runner::new(&DropsTheLastFd).only(["kernel"]).run();
        // 101 findings on Linux 6.18: every buffer the kernel wrote with
        // fds in it. Before grouping, the report printed 79 KB; now 1.1 KB.
        let findings = report.findings.len();
        assert!(findings > 3, "{report}");
        assert_eq!(report.groups().len(), 1, "{report}");
        let shown = report.to_string();
        assert!(
            shown.contains(&format!(
                "[kernel] {findings} findings like this; the 3 smallest:"
            )),
            "{shown}"
        );
        assert!(shown.len() < 2048, "{} bytes:\n{shown}", shown.len());
    }
}
