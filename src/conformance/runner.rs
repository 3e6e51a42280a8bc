//! The runner: inputs from every source the project has, each answer
//! compared with the model, each case isolated.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestError, TestRunner};

use super::compare::{self, describe_walk};
use super::report::hex;
use super::wire::Answer;
use super::{inputs, CheckSummary, Finding, Implementation, Parsed, Report};
use crate::model::Model;
use crate::strategies::{malformed_buffer, well_formed_buffer};

/// How each case runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Isolation {
    /// In this process, with unwinding panics caught. An abort or an endless
    /// loop ends the run.
    InProcess,
    /// In a child process (a `fork`) allowed `limit`: aborts, crashes and
    /// hangs are reported too. Linux only.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Process {
        /// How long a case may take.
        limit: Duration,
    },
}

/// Runs the checks on one implementation. See the [module](super) docs.
pub struct Runner<'a, I: Implementation + ?Sized> {
    implementation: &'a I,
    isolation: Isolation,
    go_vectors: Option<&'a str>,
    corpus: Vec<PathBuf>,
    property_cases: u32,
    /// Set by [`Runner::seed`]; else read when the run starts.
    seed: Option<u64>,
    only: Option<Vec<String>>,
}

/// The environment variable a run takes the `properties` check's seed from
/// (decimal, or hex after `0x`), as a report prints it; without it, and
/// without [`Runner::seed`], the seed is [`DEFAULT_SEED`].
pub const SEED_VARIABLE: &str = "SOCKCMSG_CONFORMANCE_SEED";

/// The `properties` check's seed when neither [`Runner::seed`] nor
/// [`SEED_VARIABLE`] gives one: a fixed one, so that two runs on the same
/// implementation report the same findings.
pub const DEFAULT_SEED: u64 = 0x5eed_c0de_cafe_f00d;

/// How long the `properties` check may shrink its first deviation. The
/// shrinking is deterministic for a seed unless it takes this long.
const SHRINK_TIME: Duration = Duration::from_secs(20);

/// The seed [`SEED_VARIABLE`] sets, if it is set and reads as one.
fn seed_from_environment() -> Option<u64> {
    let text = std::env::var(SEED_VARIABLE).ok()?;
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Where a parse check puts each input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Alignment {
    /// As allocated: aligned for any header.
    Aligned,
    /// One byte past an aligned address, where a parser that reads a header
    /// through a pointer cast reads it misaligned.
    OddAddress,
}

/// `input` copied into `space` at an odd address.
fn odd_address<'s>(space: &'s mut Vec<u8>, input: &[u8]) -> &'s [u8] {
    space.clear();
    space.reserve(input.len().saturating_add(1));
    // A byte before the input where the allocation starts at an even
    // address.
    let start = usize::from(space.as_ptr().align_offset(2) == 0);
    space.resize(start, 0);
    space.extend_from_slice(input);
    space.get(start..).unwrap_or_default()
}

/// What one case did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Outcome<T = Parsed> {
    Answered(Option<T>),
    Failed(String),
}

impl<'a, I: Implementation + ?Sized> Runner<'a, I> {
    /// A runner of every check on `implementation`, in process, with 256
    /// property cases and neither Go's vectors nor a corpus.
    pub fn new(implementation: &'a I) -> Self {
        Runner {
            implementation,
            isolation: Isolation::InProcess,
            go_vectors: None,
            corpus: Vec::new(),
            property_cases: 256,
            seed: None,
            only: None,
        }
    }

    /// How each case runs.
    pub fn isolation(mut self, isolation: Isolation) -> Self {
        self.isolation = isolation;
        self
    }

    /// Go 1.19's answers, in the format of the project's
    /// `tests/data/go1.19-syscall-linux-amd64.tsv` (linux/amd64: checked
    /// only on an implementation of [`Layout::LINUX_64`](crate::Layout::LINUX_64)).
    pub fn go_vectors(mut self, text: &'a str) -> Self {
        self.go_vectors = Some(text);
        self
    }

    /// A folder of control buffers, one a file (the project's
    /// `corpus/parse`, `corpus/libc_walk` and `corpus/kernel` are), or one
    /// such file: the `corpus` check's inputs.
    pub fn corpus(mut self, path: impl Into<PathBuf>) -> Self {
        self.corpus.push(path.into());
        self
    }

    /// Runs only the checks named (as a report names them: `tail`,
    /// `corpus`, `fds`, ...), such as `corpus` alone to replay one input.
    pub fn only<S: Into<String>>(mut self, checks: impl IntoIterator<Item = S>) -> Self {
        self.only = Some(checks.into_iter().map(Into::into).collect());
        self
    }

    pub(super) fn runs(&self, check: &str) -> bool {
        self.only
            .as_ref()
            .map_or(true, |only| only.iter().any(|name| name == check))
    }

    /// The cases of each property (well-formed and malformed buffers).
    pub fn property_cases(mut self, cases: u32) -> Self {
        self.property_cases = cases;
        self
    }

    /// The seed of the `properties` check's random buffers, replacing the
    /// one [`SEED_VARIABLE`] or [`DEFAULT_SEED`] gives; a report shows it.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The seed given, or the environment's, or [`DEFAULT_SEED`]: read
    /// when a run needs it, not for each [`fuzz_against_model`] input.
    fn seed_used(&self) -> u64 {
        self.seed
            .or_else(seed_from_environment)
            .unwrap_or(DEFAULT_SEED)
    }

    /// Runs every check (or those [`only`](Self::only) names) and reports
    /// what it found.
    pub fn run(&self) -> Report {
        let mut report = Report {
            implementation: self.implementation.name(),
            seed: self.seed_used(),
            ..Report::default()
        };
        // Built only when a check reads them: up to 128 KiB each.
        let probes = match super::RULES
            .iter()
            .chain(&["unaligned", "forged completions", "forged receives"])
            .any(|c| self.runs(c))
        {
            true => inputs::rule_probes(self.model()),
            false => Vec::new(),
        };
        for (check, inputs) in &probes {
            if self.runs(check) {
                self.parse_check(&mut report, check, inputs, Alignment::Aligned);
            }
        }
        if self.runs("unaligned") {
            let every_probe = probes.iter().flat_map(|(_, inputs)| inputs);
            self.parse_check(&mut report, "unaligned", every_probe, Alignment::OddAddress);
        }
        if self.runs("go-vectors") {
            self.go_vector_checks(&mut report);
        }
        if self.runs("corpus") {
            match inputs::folder_inputs(&self.corpus) {
                Ok(inputs) if !self.corpus.is_empty() => {
                    self.parse_check(&mut report, "corpus", &inputs, Alignment::Aligned)
                }
                Ok(_) => not_run(&mut report, "corpus", "no corpus folder given"),
                Err(err) => not_run(&mut report, "corpus", &err),
            }
        }
        if self.runs("properties") {
            self.property_check(&mut report);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.runs("kernel") {
            self.parse_check(
                &mut report,
                "kernel",
                &inputs::kernel_buffers(),
                Alignment::Aligned,
            );
        }
        if self.runs("encoders") {
            self.encoder_check(&mut report);
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.runs("fds") || self.runs("cloexec") {
            // One receive gives both checks' answers; only those asked for
            // are kept.
            let mut both = Report::default();
            super::fd_ownership::fd_check(self.implementation, self.case_limit(), &mut both);
            report.checks.extend(
                both.checks
                    .into_iter()
                    .filter(|summary| self.runs(summary.check)),
            );
            report.findings.extend(
                both.findings
                    .into_iter()
                    .filter(|found| self.runs(found.check)),
            );
        }
        #[cfg(target_os = "linux")]
        if self.runs("forged receives") {
            let corpus = inputs::folder_inputs(&self.corpus).unwrap_or_default();
            let properties = self.property_buffers();
            let every = probes
                .iter()
                .flat_map(|(_, inputs)| inputs)
                .chain(&corpus)
                .chain(&properties)
                .map(Vec::as_slice);
            super::forged::forged_check(self.implementation, every, self.case_limit(), &mut report);
        }
        self.completion_checks(&mut report, &probes);
        self.typed_checks(&mut report);
        report
    }

    /// How long a case run in a child may take: the isolation's limit, or
    /// ten seconds for the checks that always run in one.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) fn case_limit(&self) -> Duration {
        match self.isolation {
            Isolation::Process { limit } => limit,
            Isolation::InProcess => Duration::from_secs(10),
        }
    }

    /// The folders [`corpus`](Self::corpus) gave.
    pub(super) fn corpus_folders(&self) -> &[PathBuf] {
        &self.corpus
    }

    pub(super) fn model(&self) -> Model {
        Model::new(self.implementation.layout())
    }

    /// The implementation under test.
    pub(super) fn implementation(&self) -> &'a I {
        self.implementation
    }

    /// One parse, isolated.
    fn parse_case(&self, buf: &[u8]) -> Outcome {
        self.isolated(|| self.implementation.parse(buf))
    }

    /// One call of the implementation, isolated: caught in this process,
    /// or run in a child whose answer comes back through a pipe.
    pub(super) fn isolated<T: Answer>(&self, call: impl Fn() -> Option<T>) -> Outcome<T> {
        match self.isolation {
            Isolation::InProcess => outcome(caught(call)),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Isolation::Process { limit } => {
                use crate::sys::isolate::{in_child, ChildEnd};
                let end = in_child(limit, || super::wire::write(&outcome(caught(&call))));
                match end {
                    ChildEnd::Returned(bytes) => super::wire::read(&bytes),
                    ChildEnd::Failed(how) => Outcome::Failed(how),
                    ChildEnd::NotStarted(err) => Outcome::Failed(format!("not run: {err}")),
                }
            }
        }
    }

    /// The finding for `buf`, if the implementation's parse is not the
    /// model's; `Err(())` if it does not parse at all.
    fn deviation(&self, check: &'static str, buf: &[u8]) -> Result<Option<Finding>, ()> {
        let model = self.model();
        let walk = model.walk(buf);
        let answer = match self.parse_case(buf) {
            Outcome::Answered(None) => return Err(()),
            Outcome::Answered(Some(parsed)) => parsed,
            Outcome::Failed(what) => {
                return Ok(Some(finding(check, buf, describe_walk(&walk, buf), what)))
            }
        };
        let agrees = compare::agrees(&model, buf, &walk, &answer);
        Ok((!agrees).then(|| {
            finding(
                check,
                buf,
                describe_walk(&walk, buf),
                compare::describe(&answer),
            )
        }))
    }

    fn parse_check<'i>(
        &self,
        report: &mut Report,
        check: &'static str,
        inputs: impl IntoIterator<Item = &'i Vec<u8>>,
        alignment: Alignment,
    ) {
        let mut summary = summary(check);
        let mut odd = Vec::new();
        for input in inputs {
            let buf = match alignment {
                Alignment::Aligned => input.as_slice(),
                Alignment::OddAddress => odd_address(&mut odd, input),
            };
            match self.deviation(check, buf) {
                Err(()) => return not_run(report, check, "the implementation does not parse"),
                Ok(found) => summary.count(found, &mut report.findings),
            }
        }
        if summary.cases == 0 {
            return not_run(report, check, "no input of this kind for the layout");
        }
        report.checks.push(summary);
    }

    fn go_vector_checks(&self, report: &mut Report) {
        let Some(text) = self.go_vectors else {
            return not_run(report, "go-vectors", "no vectors given");
        };
        if self.implementation.layout() != crate::Layout::LINUX_64 {
            return not_run(report, "go-vectors", "the vectors are linux/amd64's");
        }
        let inputs = inputs::go_vector_inputs(text);
        self.parse_check(report, "go-vectors", &inputs, Alignment::Aligned);
    }

    /// Well-formed and malformed buffers from the crate's strategies; each
    /// strategy's first deviation, shrunk, is a finding.
    fn property_check(&self, report: &mut Report) {
        let layout = self.implementation.layout();
        let buffers = prop_oneof![
            well_formed_buffer(layout).prop_map(|buf| buf.bytes),
            malformed_buffer(layout).prop_map(|buf| buf.bytes),
        ];
        let config = Config {
            cases: self.property_cases,
            failure_persistence: None,
            rng_seed: RngSeed::Fixed(self.seed_used()),
            // Shrunk until no smaller input deviates, bounded in time
            // (proptest's default stops after 4 steps a case: a 900-byte
            // input where a 44-byte one deviates).
            max_shrink_iters: u32::MAX - 1,
            max_shrink_time: u32::try_from(SHRINK_TIME.as_millis()).unwrap_or(u32::MAX),
            ..Config::default()
        };
        let unsupported = std::cell::Cell::new(false);
        let result =
            TestRunner::new(config).run(&buffers, |buf| match self.deviation("properties", &buf) {
                Err(()) => {
                    unsupported.set(true);
                    Ok(())
                }
                Ok(None) => Ok(()),
                Ok(Some(found)) => Err(TestCaseError::fail(found.implementation)),
            });
        if unsupported.get() {
            return not_run(report, "properties", "the implementation does not parse");
        }
        let mut summary = summary("properties");
        summary.cases = usize::try_from(self.property_cases).unwrap_or(usize::MAX);
        if let Err(TestError::Fail(_, buf)) = result {
            if let Ok(Some(found)) = self.deviation("properties", &buf) {
                summary.findings = 1;
                report.findings.push(found);
            }
        }
        report.checks.push(summary);
    }

    /// `property_cases` buffers of the strategies the `properties` check
    /// draws from, with its seed, unshrunk.
    #[cfg(target_os = "linux")]
    fn property_buffers(&self) -> Vec<Vec<u8>> {
        use proptest::strategy::ValueTree;
        let layout = self.implementation.layout();
        let buffers = prop_oneof![
            well_formed_buffer(layout).prop_map(|buf| buf.bytes),
            malformed_buffer(layout).prop_map(|buf| buf.bytes),
        ];
        let config = Config {
            rng_seed: RngSeed::Fixed(self.seed_used()),
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        (0..self.property_cases)
            .filter_map(|_| buffers.new_tree(&mut runner).ok())
            .map(|tree| tree.current())
            .collect()
    }

    /// The encoders' bytes against the model's.
    fn encoder_check(&self, report: &mut Report) {
        let model = self.model();
        let layout = model.layout();
        let mut summary = summary("encoders");
        let mut supported = false;
        let fd_lists: [&[i32]; 5] = [&[], &[0], &[3, 4], &[-1, i32::MAX, i32::MIN], &[7; 253]];
        for fds in fd_lists {
            let implementation = self.implementation;
            let Ok(Some(got)) =
                panic::catch_unwind(AssertUnwindSafe(|| implementation.encode_rights(fds)))
            else {
                continue;
            };
            supported = true;
            let data = model.fd_bytes(fds);
            let expected =
                model.encode([(layout.sol_socket(), layout.scm_rights(), data.as_slice())]);
            let input = format!("rights {fds:?}");
            compare_encoding(report, &mut summary, &input, &expected, &got);
        }
        for (pid, uid, gid) in [(1, 0, 0), (-1, u32::MAX, 7)] {
            let Some(kind) = layout.scm_credentials() else {
                break;
            };
            let implementation = self.implementation;
            let Ok(Some(got)) = panic::catch_unwind(AssertUnwindSafe(|| {
                implementation.encode_credentials(pid, uid, gid)
            })) else {
                continue;
            };
            supported = true;
            let data = model.ucred_bytes(pid, uid, gid);
            let expected = model.encode([(layout.sol_socket(), kind, data.as_slice())]);
            let input = format!("credentials {pid} {uid} {gid}");
            compare_encoding(report, &mut summary, &input, &expected, &got);
        }
        if supported {
            report.checks.push(summary);
        } else {
            not_run(report, "encoders", "the implementation does not encode");
        }
    }
}

/// Compares `implementation`'s parse of `data` with the model's and panics
/// with the finding on a deviation: the body of a cargo-fuzz target.
///
/// ```
/// # use sockcmsg::conformance::{Implementation, Parsed};
/// # struct Mine;
/// # impl Implementation for Mine {
/// #     fn name(&self) -> String { "mine".into() }
/// #     fn parse(&self, _: &[u8]) -> Option<Parsed> { Some(Parsed::Messages(Vec::new())) }
/// # }
/// // fuzz_target!(|data: &[u8]| sockcmsg::conformance::fuzz_against_model(&Mine, data));
/// sockcmsg::conformance::fuzz_against_model(&Mine, &[0; 3]);
/// ```
pub fn fuzz_against_model<I: Implementation + ?Sized>(implementation: &I, data: &[u8]) {
    fuzz_skipping_rules(implementation, &[], data);
}

/// [`fuzz_against_model`], but an input that exercises any of the rules
/// `known` names ([`rules_exercised`](super::rules_exercised)) is skipped,
/// unparsed: for an implementation with known findings, which would stop
/// every run at the first such input and hide what else it does (a hang or
/// an abort cannot be caught and passed over in a fuzz target, so the input
/// is not parsed at all).
///
/// ```
/// # use sockcmsg::conformance::{Implementation, Parsed};
/// # struct DropsPartialFds;
/// # impl Implementation for DropsPartialFds {
/// #     fn name(&self) -> String { "drops partial fds".into() }
/// #     fn parse(&self, _: &[u8]) -> Option<Parsed> { Some(Parsed::Messages(Vec::new())) }
/// # }
/// use sockcmsg::model::Model;
///
/// let model = Model::new(sockcmsg::Layout::HOST);
/// let partial = model.encode([(libc::SOL_SOCKET, libc::SCM_RIGHTS, &[1, 2, 3][..])]);
/// // Parses as nothing, where the model finds a message: but skipped.
/// sockcmsg::conformance::fuzz_skipping_rules(&DropsPartialFds, &["partial fd"], &partial);
/// ```
pub fn fuzz_skipping_rules<I: Implementation + ?Sized>(
    implementation: &I,
    known: &[&str],
    data: &[u8],
) {
    let model = Model::new(implementation.layout());
    let rules = super::rules_exercised(&model, data);
    if rules.iter().any(|rule| known.contains(rule)) {
        return;
    }
    let runner = Runner::new(implementation);
    if let Ok(Some(found)) = runner.deviation("fuzz", data) {
        fuzz_finding(implementation.name(), &rules, "fuzz_skipping_rules", found);
    }
}

/// Panics with `found`, a fuzz target's finding on an input that exercises
/// `rules`, which `skipper` would pass over once they are known.
pub(super) fn fuzz_finding(
    implementation: String,
    rules: &[&str],
    skipper: &str,
    found: Finding,
) -> ! {
    let rules = match rules {
        [] => "no rule probe's edge: a deviation the rule checks do not reach".to_owned(),
        [rule] => format!("the rule `{rule}` ({skipper} skips it once known)"),
        rules => format!(
            "the rules `{}` ({skipper} skips them once known)",
            rules.join("`, `")
        ),
    };
    #[allow(clippy::panic, reason = "a fuzz target reports a finding by panicking")]
    {
        panic!(
            "the input exercises {rules}\n{}",
            Report {
                implementation,
                findings: vec![found],
                ..Report::default()
            }
        );
    }
}

/// Counts one encoder case of `summary` and reports it if `got`, the
/// implementation's bytes for the arguments `input`, are not `expected`.
fn compare_encoding(
    report: &mut Report,
    summary: &mut CheckSummary,
    input: &str,
    expected: &[u8],
    got: &[u8],
) {
    let found =
        (got != expected).then(|| finding("encoders", input.as_bytes(), hex(expected), hex(got)));
    summary.count(found, &mut report.findings);
}

/// An answer, or how the call failed.
fn outcome<T>(answer: Result<Option<T>, String>) -> Outcome<T> {
    answer.map_or_else(Outcome::Failed, Outcome::Answered)
}

/// Runs `case` with an unwinding panic caught and described.
pub(super) fn caught<T>(case: impl FnOnce() -> T) -> Result<T, String> {
    panic::catch_unwind(AssertUnwindSafe(case)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("panicked: {message}")
    })
}

pub(super) fn summary(check: &'static str) -> CheckSummary {
    CheckSummary {
        check,
        cases: 0,
        findings: 0,
        not_run: None,
    }
}

pub(super) fn not_run(report: &mut Report, check: &'static str, why: &str) {
    report.checks.push(CheckSummary {
        not_run: Some(why.to_owned()),
        ..summary(check)
    });
}

pub(super) fn finding(
    check: &'static str,
    input: &[u8],
    model: String,
    implementation: String,
) -> Finding {
    Finding {
        check,
        input: input.to_vec(),
        model,
        implementation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_at_an_odd_address_keeps_its_bytes() {
        let mut space = Vec::new();
        for len in 0..40u8 {
            let input: Vec<u8> = (1..=len).collect();
            let placed = odd_address(&mut space, &input);
            assert_eq!(placed, input.as_slice());
            assert_eq!(placed.as_ptr() as usize % 2, 1);
        }
    }
}
