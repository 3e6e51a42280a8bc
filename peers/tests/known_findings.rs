//! What the conformance table says of the peers holds: the publicly known
//! defects are found again, and every reproducer kept under
//! `corpus/conformance/<peer>/` still shows its finding.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use sockcmsg::conformance::{Isolation, Report, Runner};
use sockcmsg::model::Model;
use sockcmsg::Layout;
use sockcmsg_peers::Peer;

/// The runner forks a child per case; a child forked while another test
/// thread is inside its panic hook would wait forever for the hook's lock.
/// The tests take turns.
static FORKING: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    FORKING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn peer(slug: &str) -> Peer {
    sockcmsg_peers::all()
        .into_iter()
        .find(|peer| peer.slug == slug)
        .unwrap_or_else(|| panic!("no peer {slug}"))
}

/// `peer`'s answer to one buffer, in a child process: its parse's and
/// its typed decode's, as `--input` replays it.
fn replay(peer: &Peer, input: &Path) -> Report {
    Runner::new(&*peer.implementation)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(10),
        })
        .corpus(input)
        .only(["corpus", "typed corpus"])
        .run()
}

/// `bytes` in a file of its own, for the runner's `corpus` check.
fn input_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("sockcmsg-peers-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn the_libc_crate_aborts_on_a_length_within_7_of_usize_max() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::HOST);
    let mut buf = model.header(u128::from(u64::MAX) - 7, 1, 1);
    buf.resize(40, 0);
    let report = replay(&peer("libc"), &input_file("libc-max-len", &buf));
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert!(
        finding.implementation.starts_with("aborted: signal 6")
            && finding.implementation.contains("linux_like/mod.rs:1770")
            && finding
                .implementation
                .contains("attempt to add with overflow"),
        "{report}"
    );
}

#[test]
fn every_kept_reproducer_still_shows_its_finding() {
    let _turn = one_at_a_time();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/conformance");
    let Ok(peers) = std::fs::read_dir(&root) else {
        panic!(
            "{}: no reproducers (cargo xtask conformance keeps them)",
            root.display()
        );
    };
    let mut replayed = 0;
    for folder in peers {
        let folder = folder.unwrap().path();
        let slug = folder.file_name().unwrap().to_str().unwrap().to_owned();
        let peer = peer(&slug);
        for file in std::fs::read_dir(&folder).unwrap() {
            let file = file.unwrap().path();
            let report = replay(&peer, &file);
            assert!(
                !report.findings.is_empty(),
                "{}: no finding now\n{report}",
                file.display()
            );
            replayed += 1;
        }
    }
    assert!(replayed > 0);
}

#[test]
fn nix_leaks_the_fds_the_kernel_installed_under_msg_ctrunc() {
    let _turn = one_at_a_time();
    let report = Runner::new(&*peer("nix").implementation)
        .only(["fds"])
        .run();
    // A header and one fd: the kernel installs the first of the two and
    // sets MSG_CTRUNC; nix's cmsgs() answers ENOBUFS and drops it.
    let room_for_one = if cfg!(target_pointer_width = "64") {
        20
    } else {
        16
    };
    let case = format!("2 fds, a control buffer of {room_for_one} bytes");
    let finding = report.findings.iter().find(|f| f.input == case.as_bytes());
    assert!(
        finding.is_some_and(|f| f.implementation.starts_with("leaked 1 fds")),
        "{report}"
    );
}

#[test]
fn passfd_leaks_the_second_fd_its_fixed_buffer_holds_whatever_size_is_asked() {
    let _turn = one_at_a_time();
    let report = Runner::new(&*peer("passfd").implementation)
        .only(["fds"])
        .run();
    // recv_fd always receives into CMSG_SPACE(sizeof(int)) bytes; the
    // adapter says so, and the check compares with that buffer.
    // SAFETY: CMSG_SPACE only computes with its argument.
    let used = unsafe { libc::CMSG_SPACE(std::mem::size_of::<libc::c_int>() as u32) } as usize;
    let kernel = Model::new(Layout::HOST).kernel_receive(used as u128, false, 2, u128::MAX);
    let case = "2 fds, a control buffer of 0 bytes";
    let finding = report.findings.iter().find(|f| f.input == case.as_bytes());
    if kernel.fds_installed < 2 {
        // 32-bit: the buffer holds one fd, the one recv_fd returns.
        assert!(finding.is_none(), "{report}");
        return;
    }
    let Some(finding) = finding else {
        panic!("{report}");
    };
    assert!(
        finding.model.starts_with(&format!(
            "with the control buffer of {used} bytes the implementation used (0 asked for), \
             the kernel installs 2 of 2 fds"
        )),
        "{report}"
    );
    assert!(finding.implementation.contains("leaked 1 fds"), "{report}");
}

#[test]
fn rustix_drops_messages_of_types_it_does_not_know() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::HOST);
    let unknown = model.encode([(41, 50, &[1, 2, 3][..])]);
    let report = replay(&peer("rustix"), &input_file("rustix-unknown", &unknown));
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert_eq!(finding.model, "1 messages [level 41 type 50 data 010203]");
    assert_eq!(finding.implementation, "0 messages []");
}

#[test]
fn go_parse_unix_rights_panics_on_a_partial_fd() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::LINUX_64);
    // SCM_RIGHTS with one fd and one byte of another.
    let partial = model.encode([(1, 1, &[3, 0, 0, 0, 9][..])]);
    let report = replay(&peer("go"), &input_file("go-partial-fd", &partial));
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert!(
        finding
            .implementation
            .contains("index out of range [1] with length 1"),
        "{report}"
    );
}

#[test]
fn go_xnet_ipv4_panics_on_a_message_of_level_0_and_type_0() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::LINUX_64);
    let zero = model.encode([(0, 0, &[][..])]);
    let report = replay(&peer("go-xnet-ipv4"), &input_file("go-xnet-zero", &zero));
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert!(
        finding
            .implementation
            .contains("invalid memory address or nil pointer dereference"),
        "{report}"
    );
}

#[test]
fn s2n_quic_wraps_a_gro_size_past_u16_and_stops_at_a_message_without_data() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::LINUX_64);
    let s2n = peer("s2n-quic");
    let gro = model.encode([(17, 104, &(-1i32).to_le_bytes()[..])]);
    let report = replay(&s2n, &input_file("s2n-gro", &gro));
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert!(
        finding.implementation.contains("GroSegment(65535)"),
        "{report}"
    );
    let pktinfo = [1u32.to_le_bytes(), [127, 0, 0, 1], [127, 0, 0, 2]].concat();
    let after_empty = model.encode([(0x7ead, 0x7ead, &[][..]), (0, 8, &pktinfo[..])]);
    let report = replay(&s2n, &input_file("s2n-after-empty", &after_empty));
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert!(
        finding.implementation.contains("gave none: no Interface"),
        "{report}"
    );
}

/// `peer`'s run of one io_uring check, each case in a child process.
fn completion_check(peer: &Peer, check: &str) -> Report {
    Runner::new(&*peer.implementation)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(10),
        })
        .only([check])
        .run()
}

#[test]
fn liburing_loses_the_kernels_unpadded_last_message() {
    let _turn = one_at_a_time();
    let report = completion_check(&peer("liburing"), "completions");
    let model = Model::new(Layout::HOST);
    // The credentials and one fd in a region that ends with the fd's
    // message unpadded: CMSG_SPACE(12) + CMSG_LEN(4).
    let region = model.cmsg_space(12) + model.cmsg_len(4);
    let found = report.findings_of("completions").find(|finding| {
        let control_len = u32::from_le_bytes(finding.input[4..8].try_into().unwrap());
        u128::from(control_len) == region
    });
    let Some(finding) = found else {
        panic!("no finding with a {region}-byte region: {report}");
    };
    assert!(finding.model.contains("2 messages"), "{report}");
    assert!(
        finding
            .implementation
            .contains("control: 1 messages [level 1 type 2 "),
        "{report}"
    );
    for finding in &report.findings {
        assert!(!finding.implementation.contains("panicked"), "{report}");
    }
}

#[test]
fn io_uring_clamps_a_controllen_past_its_region() {
    let _turn = one_at_a_time();
    let peer = peer("io-uring");
    let kernel = completion_check(&peer, "completions");
    assert!(kernel.findings.is_empty(), "{kernel}");
    let forged = completion_check(&peer, "forged completions");
    let clamped = forged
        .findings
        .iter()
        .any(|finding| finding.model.starts_with("rejected: ControlLenPastRegion"));
    assert!(clamped, "{forged}");
}

#[test]
fn python_hands_back_received_fds_without_fd_cloexec_and_leaks_none() {
    let _turn = one_at_a_time();
    for slug in ["python", "python-recvmsg"] {
        let peer = peer(slug);
        let report = Runner::new(&*peer.implementation)
            .only(["fds", "cloexec"])
            .run();
        assert!(
            report.implementation.starts_with("Python socket."),
            "{report}"
        );
        let check = |name: &str| {
            report
                .checks
                .iter()
                .find(|summary| summary.check == name)
                .unwrap_or_else(|| panic!("no {name} check: {report}"))
        };
        // Every fd the kernel installs is handed back, and nothing else
        // stays open in Python (the adapter keeps Python's leaks open here).
        let fds = check("fds");
        assert!(fds.not_run.is_none() && fds.cases > 0, "{report}");
        assert_eq!(fds.findings, 0, "{report}");
        // But each is inheritable: recvmsg(2) without MSG_CMSG_CLOEXEC
        // (sock_recvmsg_guts passes the caller's flags, and recv_fds none).
        let cloexec = check("cloexec");
        assert!(cloexec.cases > 0, "{report}");
        assert_eq!(cloexec.findings, cloexec.cases, "{report}");
        let case = "1 fds, a control buffer of 20 bytes";
        let finding = report
            .findings_of("cloexec")
            .find(|finding| finding.input == case.as_bytes());
        assert!(
            finding.is_some_and(
                |finding| finding.implementation.starts_with("handed back fds [")
                    && finding.implementation.ends_with("] without FD_CLOEXEC")
            ),
            "{report}"
        );
    }
}

/// `peer`'s `forged receives` findings, on the rule probes and `input`: its
/// own receive call answered with control buffers Linux never writes.
fn forged(peer: &Peer, name: &str, input: &[u8]) -> Report {
    Runner::new(&*peer.implementation)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(10),
        })
        .corpus(input_file(name, input))
        .property_cases(0)
        .only(["forged receives"])
        .run()
}

/// The finding of `report` on `input`, whose text must contain each of
/// `says`.
fn forged_finding(report: &Report, input: &[u8], says: &[&str]) {
    let finding = report
        .findings
        .iter()
        .find(|finding| finding.input == input);
    let Some(finding) = finding else {
        panic!("no finding on {input:02x?}: {report}");
    };
    for said in says {
        assert!(
            finding.implementation.contains(said),
            "{said}: {finding:#?}"
        );
    }
}

#[test]
fn passfd_leaks_the_fd_of_a_message_without_its_padding_on_an_error_path() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::HOST);
    // One SCM_RIGHTS fd, cmsg_len 20 and no padding: passfd refuses a
    // msg_controllen that is not CMSG_SPACE(4) and returns before closing
    // the fd installed (lib.rs:184-186).
    let input = model.encode([(1, 1, &model.fd_bytes(&[7])[..])])[..20].to_vec();
    let report = forged(&peer("passfd"), "passfd-unpadded", &input);
    forged_finding(&report, &input, &["leaked 1 fds"]);
}

#[test]
fn sendfd_panics_on_more_fds_than_its_buffer_was_sized_for() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::HOST);
    let mut input = model.header(0xffff_fff0, 1, 1);
    input.resize(40, 0);
    let report = forged(&peer("sendfd"), "sendfd-max-len", &input);
    forged_finding(
        &report,
        &input,
        &[
            "sendfd-0.4.5/src/lib.rs:188",
            "buffer was sized for exactly",
        ],
    );
}

#[test]
fn uds_subtracts_the_header_from_a_cmsg_len_below_it() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::HOST);
    let mut input = model.header(0, 1, 1);
    input.resize(40, 0);
    let report = forged(&peer("uds"), "uds-zero-len", &input);
    forged_finding(
        &report,
        &input,
        &[
            "uds-0.4.2/src/ancillary.rs:396",
            "attempt to subtract with overflow",
        ],
    );
}

/// `peer`'s typed forged receives, each case in a child process.
fn typed_forged(peer: &Peer) -> Report {
    Runner::new(&*peer.implementation)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(10),
        })
        .only(["typed forged receives"])
        .run()
}

/// The finding of `report` on the buffer of one message of `level`,
/// `kind` and `data`, whose text must contain `says`.
fn typed_finding(report: &Report, (level, kind, data): (i32, i32, &[u8]), says: &str) {
    let input = Model::new(Layout::HOST).encode([(level, kind, data)]);
    let finding = report
        .findings
        .iter()
        .find(|finding| finding.input == input)
        .unwrap_or_else(|| panic!("no finding on {input:02x?}: {report}"));
    assert!(finding.implementation.contains(says), "{finding:?}");
}

#[test]
fn quinn_udp_panics_on_a_width_in_debug_and_casts_its_ints_unchecked() {
    let _turn = one_at_a_time();
    let report = typed_forged(&peer("quinn-udp"));
    // An IP_TOS with no data: debug_assert_eq! in CMsg::decode.
    typed_finding(
        &report,
        (0, 1, &[]),
        "panicked at quinn-udp-0.6.3/src/cmsg/mod.rs:154:9",
    );
    // IPV6_TCLASS of -1, cast to u8: ECN 3.
    typed_finding(&report, (41, 67, &(-1i32).to_le_bytes()), "gave Ecn(3)");
}

#[test]
fn nix_reads_a_typed_width_whatever_cmsg_len_says() {
    let _turn = one_at_a_time();
    let report = typed_forged(&peer("nix"));
    // A 1-byte IP_TTL, read as an int with the padding after it.
    typed_finding(&report, (0, 2, &[64]), "gave Message(Ttl(64))");
    typed_finding(
        &report,
        (0, 2, &65_536i32.to_le_bytes()),
        "OutOfRange { class: Message(Ttl), value: 65536 }",
    );
}

#[test]
fn go_xsys_parse_orig_dst_addr_panics_on_a_header_alone() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::LINUX_64);
    let alone = model.encode([(0, 20, &[][..])]);
    let report = replay(
        &peer("go-xsys-origdstaddr"),
        &input_file("go-xsys-alone", &alone),
    );
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert!(
        finding
            .implementation
            .contains("index out of range [0] with length 0"),
        "{report}"
    );
}

/// `peer`'s typed encoders, each case in a child process.
fn typed_encoders(peer: &Peer) -> Report {
    Runner::new(&*peer.implementation)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(10),
        })
        .only(["typed encoders"])
        .run()
}

/// The inputs (the values sent) of `report`'s findings.
fn values_found(report: &Report) -> Vec<String> {
    let found = report.findings.iter();
    found
        .map(|finding| String::from_utf8_lossy(&finding.input).into_owned())
        .collect()
}

#[test]
fn nix_sends_ip_tos_as_one_byte_and_go_ipv6_no_class_or_hop_limit_of_0() {
    let _turn = one_at_a_time();
    // ControlMessage::Ipv4Tos(&u8): an int is what the kernel has always
    // read, a byte only since e895cdce "ipv4: accept u8 in IP_TOS
    // ancillary data" (2020; stable 4.4 took it in May 2020).
    let report = typed_encoders(&peer("nix"));
    assert_eq!(
        values_found(&report),
        ["Tos(185)", "Tos(0)", "Tos(3)", "Tos(255)"],
        "{report}"
    );
    assert!(report.findings[0]
        .implementation
        .contains("data b9: read as Ok(Some(Tos(185))); Linux sends it"));
    // Marshal writes IPV6_TCLASS and IPV6_HOPLIMIT only above 0.
    let report = typed_encoders(&peer("go-xnet-ipv6"));
    assert_eq!(
        values_found(&report),
        ["HopLimit(0)", "TrafficClass(0)"],
        "{report}"
    );
    for peer in ["quinn-udp", "s2n-quic", "go-xnet-ipv4"].map(peer) {
        let report = typed_encoders(&peer);
        assert!(
            report.findings.is_empty() && report.checks[0].cases > 3,
            "{report}"
        );
    }
}

#[test]
fn go_xnet_reads_an_interface_index_as_int32_and_s2n_takes_ip_recvtos() {
    let _turn = one_at_a_time();
    let model = Model::new(Layout::LINUX_64);
    // An IP_PKTINFO of interface 2^31: ipi_ifindex is a C int, and Go's
    // IfIndex gets it negative.
    let pktinfo = [1u32 << 31, 0x0100_007f, 0x0200_007f]
        .map(u32::to_le_bytes)
        .concat();
    let input = model.encode([(0, 8, &pktinfo[..])]);
    let report = replay(&peer("go-xnet-ipv4"), &input_file("go-ifindex", &input));
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert!(
        finding
            .implementation
            .contains("OutOfRange { class: Interface, value: -2147483648 }"),
        "{report}"
    );
    // IP_RECVTOS (13), the option's number, which Linux never writes as a
    // message's type: s2n-quic takes its ECN bits.
    let input = model.encode([(0, 13, &[0xb9][..])]);
    let report = replay(&peer("s2n-quic"), &input_file("s2n-recvtos", &input));
    let [finding] = report.findings.as_slice() else {
        panic!("{report}");
    };
    assert!(finding.implementation.contains("gave Ecn(1)"), "{report}");
}
