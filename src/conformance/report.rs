//! What a run found: a value, with a plain-text rendering (`Display`) and a
//! Markdown one.

use std::fmt::{self, Write};

/// The result of [`Runner::run`](super::Runner::run).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The implementation's name.
    pub implementation: String,
    /// Each check, in the order run.
    pub checks: Vec<CheckSummary>,
    /// Every deviation from the model, in the order found.
    pub findings: Vec<Finding>,
}

/// One check of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSummary {
    /// The check's name (`tail`, `go-vectors`, `fds`, ...: see the
    /// [module](super) docs).
    pub check: &'static str,
    /// The cases it ran.
    pub cases: usize,
    /// The findings among them.
    pub findings: usize,
    /// Why it did not run, when it did not.
    pub not_run: Option<String>,
}

/// One deviation from the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The check that found it.
    pub check: &'static str,
    /// The input: a control buffer, or for the `encoders` and `fds` checks,
    /// a description of the case, as text in bytes.
    pub input: Vec<u8>,
    /// What the model answers.
    pub model: String,
    /// What the implementation answered (or "panicked: ...", "aborted:
    /// signal 6", "did not return within 200 ms").
    pub implementation: String,
}

impl Finding {
    /// The input as reports show it: a control buffer in hex; the
    /// arguments of the `encoders` and `fds` checks, which are text, as
    /// they are.
    pub fn input_shown(&self) -> String {
        if super::reads_buffers(self.check) {
            self.input_hex()
        } else {
            String::from_utf8_lossy(&self.input).into_owned()
        }
    }

    /// The input in hex.
    pub fn input_hex(&self) -> String {
        hex(&self.input)
    }
}

/// `bytes` in hex, as findings show buffers.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

impl Report {
    /// The findings of `check`.
    pub fn findings_of<'a>(&'a self, check: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |finding| finding.check == check)
    }

    /// The report as Markdown: a table of the checks, then each finding.
    pub fn to_markdown(&self) -> String {
        let mut out = format!(
            "## {}\n\n| check | cases | findings |\n|---|---|---|\n",
            self.implementation
        );
        for check in &self.checks {
            let findings = match &check.not_run {
                Some(why) => format!("not run: {why}"),
                None => check.findings.to_string(),
            };
            let _ = writeln!(out, "| {} | {} | {findings} |", check.check, check.cases);
        }
        for finding in &self.findings {
            let _ = write!(
                out,
                "\n### {}\n\n- input: `{}`\n- model: {}\n- {}: {}\n",
                finding.check,
                finding.input_shown(),
                finding.model,
                self.implementation,
                finding.implementation
            );
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} findings",
            self.implementation,
            self.findings.len()
        )?;
        for check in &self.checks {
            match &check.not_run {
                Some(why) => writeln!(f, "  {}: not run: {why}", check.check)?,
                None => writeln!(
                    f,
                    "  {}: {} cases, {} findings",
                    check.check, check.cases, check.findings
                )?,
            }
        }
        for finding in &self.findings {
            writeln!(f, "[{}] input {}", finding.check, finding.input_shown())?;
            writeln!(f, "  model: {}", finding.model)?;
            writeln!(f, "  {}: {}", self.implementation, finding.implementation)?;
        }
        Ok(())
    }
}
