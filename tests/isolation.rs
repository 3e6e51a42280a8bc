//! The runner's process isolation inside a multi-threaded test binary, as
//! parser maintainers run it from their own `cargo test`: runs on other
//! threads change no report, and a runner killed mid-case leaves no child.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sockcmsg::conformance::{Implementation, Isolation, Parsed, Report, Runner, Sockcmsg};

/// The rule probes: about 150 cases, each a fork.
const RULES: [&str; 8] = sockcmsg::conformance::RULES;

/// Takes `delay` over every parse, then parses as sockcmsg does: its
/// children live for `delay`, longer than the runs beside it allow a case.
struct Slow {
    delay: Duration,
}

impl Implementation for Slow {
    fn name(&self) -> String {
        "slow".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        std::thread::sleep(self.delay);
        Sockcmsg.parse(buf)
    }
}

/// Panics on every parse.
struct Panics;

impl Implementation for Panics {
    fn name(&self) -> String {
        "panics".to_owned()
    }

    fn parse(&self, _: &[u8]) -> Option<Parsed> {
        panic!("on every input")
    }
}

fn sockcmsg_run() -> Report {
    Runner::new(&Sockcmsg)
        .isolation(Isolation::Process {
            limit: Duration::from_secs(3),
        })
        .only(RULES.into_iter().chain(["properties"]))
        .property_cases(32)
        .run()
}

/// A child of another run's case, forked while this run's case had its
/// pipe open, kept that pipe open after this run's child ended: this run
/// waited for the other child and reported its own case as hung.
#[test]
fn runs_on_other_threads_change_no_report() {
    let alone = sockcmsg_run();
    assert!(alone.findings.is_empty(), "{alone}");
    // One input, so that each run beside is one case and stops soon.
    let input =
        std::env::temp_dir().join(format!("sockcmsg-isolation-input-{}", std::process::id()));
    std::fs::write(&input, [0u8; 16]).unwrap();
    let stop = AtomicBool::new(false);
    // Each slow child forked while a case of this run has its pipe open
    // would hold it for 4 s, past this run's 3 s limit: 12 threads fork
    // three a second, enough for several to fall in six runs.
    let slow = Slow {
        delay: Duration::from_secs(4),
    };
    let beside = std::thread::scope(|scope| {
        for _ in 0..12 {
            scope.spawn(|| keep_running(&slow, &input, &stop));
        }
        for _ in 0..2 {
            scope.spawn(|| keep_running(&Panics, &input, &stop));
        }
        let beside: Vec<Report> = (0..6).map(|_| sockcmsg_run()).collect();
        stop.store(true, Ordering::Relaxed);
        beside
    });
    let _ = std::fs::remove_file(&input);
    for report in beside {
        assert_eq!(report, alone, "{report}");
    }
}

/// Runs `implementation` on `input`, in a child allowed a minute, until
/// `stop`.
fn keep_running(implementation: &dyn Implementation, input: &std::path::Path, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        Runner::new(implementation)
            .isolation(Isolation::Process {
                limit: Duration::from_secs(60),
            })
            .corpus(input)
            .only(["corpus"])
            .run();
    }
}

/// Set in the process [`a_killed_runner_leaves_no_child`] starts: the file
/// the case's child writes its pid to.
const CHILD_PID_FILE: &str = "SOCKCMSG_TEST_CHILD_PID_FILE";

/// Writes its process id to a file, then never returns.
struct WritesPidThenHangs(std::path::PathBuf);

impl Implementation for WritesPidThenHangs {
    fn name(&self) -> String {
        "hangs".to_owned()
    }

    fn parse(&self, _: &[u8]) -> Option<Parsed> {
        let pid = std::process::id().to_string();
        std::fs::write(&self.0, pid).expect("the pid file is written");
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// Run by [`a_killed_runner_leaves_no_child`] in a process of its own, which
/// it kills mid-case; does nothing in a plain `cargo test`.
#[test]
fn runner_to_be_killed() {
    let Some(path) = std::env::var_os(CHILD_PID_FILE) else {
        return;
    };
    Runner::new(&WritesPidThenHangs(path.into()))
        .isolation(Isolation::Process {
            limit: Duration::from_secs(600),
        })
        .only(["short input"])
        .run();
}

/// Whether process `pid` has ended (gone, or a zombie no one reaped).
fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the command's closing parenthesis.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "{what}: not within {timeout:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A test binary killed while a case hangs (a CI time-out) must take the
/// case's child with it, and must not leave it holding the binary's output:
/// a shell's `out=$(cargo test)` would wait for it forever.
#[test]
fn a_killed_runner_leaves_no_child() {
    let pid_file = std::env::temp_dir().join(format!(
        "sockcmsg-isolation-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_file(&pid_file);
    let mut runner = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "runner_to_be_killed", "--test-threads=1"])
        .env(CHILD_PID_FILE, &pid_file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut output = runner.stdout.take().unwrap();
    let mut child = None;
    wait_for("the case's child started", Duration::from_secs(60), || {
        child = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|pid| pid.parse::<u32>().ok());
        child.is_some()
    });
    let child = child.unwrap();
    runner.kill().unwrap();
    runner.wait().unwrap();
    let (closed, closed_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = output.read_to_end(&mut Vec::new());
        let _ = closed.send(());
    });
    let child_ended = {
        let start = Instant::now();
        while !ended(child) && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        ended(child)
    };
    let output_closed = closed_rx.recv_timeout(Duration::from_secs(10)).is_ok();
    if !child_ended {
        // Not to leave it running after the test fails.
        // SAFETY-free: a signal to a process id this test read.
        let _ = Command::new("kill")
            .args(["-9", &child.to_string()])
            .status();
    }
    let _ = std::fs::remove_file(&pid_file);
    assert!(child_ended, "the case's child {child} outlived its runner");
    assert!(output_closed, "the runner's output was still held open");
}
