//! What a run found: a value, with a plain-text rendering (`Display`) and a
//! Markdown one. Both show the findings by group ([`Report::groups`]): one
//! bug met on 61 inputs is one group, printed with its smallest few inputs
//! and a count, not 61 times; [`Report::findings`] keeps every one.

use std::collections::HashMap;
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
    /// The seed the `properties` check drew its buffers from: set
    /// [`SEED_VARIABLE`](super::SEED_VARIABLE) to it to draw them again.
    pub seed: u64,
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

impl CheckSummary {
    /// Counts one case, and `found`, if the case deviated, among the
    /// findings (pushed to `findings`).
    pub(super) fn count(&mut self, found: Option<Finding>, findings: &mut Vec<Finding>) {
        self.cases = self.cases.saturating_add(1);
        if let Some(found) = found {
            self.findings = self.findings.saturating_add(1);
            findings.push(found);
        }
    }
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

    /// The input as a group shows it: cut after `bytes` bytes, with its
    /// whole length said ([`Report::findings`] keeps it whole).
    fn input_cut(&self, bytes: usize) -> String {
        let Some(start) = self.input.get(..bytes).filter(|_| self.input.len() > bytes) else {
            return self.input_shown();
        };
        let start = match super::reads_buffers(self.check) {
            true => hex(start),
            false => String::from_utf8_lossy(start).into_owned(),
        };
        format!("{start}… ({} bytes)", self.input.len())
    }
}

/// `bytes` in hex, as findings show buffers.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// How many findings of a group the renderings show: the smallest inputs.
const SHOWN_PER_GROUP: usize = 3;
/// Where `Display` cuts an input: 128 bytes are 256 hex digits, a few lines.
const INPUT_BYTES_DISPLAYED: usize = 128;
/// Where the Markdown cuts an input, for a page that scrolls.
const INPUT_BYTES_IN_MARKDOWN: usize = 512;
/// Where both cut an answer: a large buffer's answer holds all its data in
/// hex.
const ANSWER_CHARS_SHOWN: usize = 240;

impl Report {
    /// The findings of `check`.
    pub fn findings_of<'a>(&'a self, check: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings
            .iter()
            .filter(move |finding| finding.check == check)
    }

    /// What a check's line says of its seed: the `properties` check's.
    fn seed_of(&self, check: &CheckSummary) -> String {
        match check.check {
            "properties" => format!(" ({}={:#x})", super::SEED_VARIABLE, self.seed),
            _ => String::new(),
        }
    }

    /// The findings grouped by what went wrong, as `Display` and
    /// [`to_markdown`](Self::to_markdown) show them: the groups in the order
    /// of their first finding, each a non-empty list of findings of one
    /// check, smallest input first (the shortest, then in byte order).
    ///
    /// Two findings are in one group when they have the same check and the
    /// same answers once the numbers in the answers are set aside: the
    /// model's, and the implementation's. The numbers are what changes
    /// from one input of a bug to the next (offsets, lengths, fds, pids,
    /// addresses, the data in hex), and the rest is what went wrong
    /// ("panicked: attempt to add with overflow", "rejected: LengthPastEnd
    /// ...", "2 messages [... fds [...]]"). Set aside are: each word (a run
    /// of ASCII letters and digits) that starts with a digit, with its
    /// minus sign if it has one (`-1`, `16`, `0x5607bf7c`); the hex word
    /// after `data ` (`a31d0000`); and how many numbers a list holds (`[]`,
    /// `[3]` and `[3, 4]` are alike). Two bugs whose answers differ only in
    /// numbers share a group; a different kind of answer, error, panic
    /// message or message count is a different group.
    pub fn groups(&self) -> Vec<Vec<&Finding>> {
        let mut groups: Vec<Vec<&Finding>> = Vec::new();
        let mut group_of: HashMap<(&str, String, String), usize> = HashMap::new();
        for finding in &self.findings {
            let key = (
                finding.check,
                without_numbers(&finding.model),
                without_numbers(&finding.implementation),
            );
            match group_of.get(&key).and_then(|&at| groups.get_mut(at)) {
                Some(group) => group.push(finding),
                None => {
                    group_of.insert(key, groups.len());
                    groups.push(vec![finding]);
                }
            }
        }
        for group in &mut groups {
            group.sort_by(|a, b| (a.input.len(), &a.input).cmp(&(b.input.len(), &b.input)));
        }
        groups
    }

    /// The report as Markdown: a table of the checks, then each group of
    /// findings ([`groups`](Self::groups)) under its check's name, with its
    /// smallest inputs.
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
            let _ = writeln!(
                out,
                "| {} | {} | {findings}{} |",
                check.check,
                check.cases,
                self.seed_of(check)
            );
        }
        for group in self.groups() {
            let Some(first) = group.first() else {
                continue;
            };
            let shown = shown(&group);
            let size = group_size(group.len(), shown.len());
            let _ = write!(out, "\n### {}\n\n{size}\n\n", first.check);
            for finding in shown {
                let _ = writeln!(
                    out,
                    "- input: `{}`\n  - model: {}\n  - {}: {}",
                    finding.input_cut(INPUT_BYTES_IN_MARKDOWN),
                    answer_cut(&finding.model),
                    self.implementation,
                    answer_cut(&finding.implementation)
                );
            }
        }
        out
    }
}

/// The findings of `group` (sorted) that the renderings show: the smallest
/// few inputs, each once (a check may meet one input more than once: the
/// kernel writes the same buffer into control buffers of several sizes).
fn shown<'a>(group: &[&'a Finding]) -> Vec<&'a Finding> {
    let mut shown: Vec<&Finding> = Vec::with_capacity(SHOWN_PER_GROUP);
    for &finding in group {
        if shown.len() == SHOWN_PER_GROUP {
            break;
        }
        if shown
            .last()
            .map_or(true, |last| last.input != finding.input)
        {
            shown.push(finding);
        }
    }
    shown
}

/// What a group's heading says of its size: "1 finding:", "2 findings like
/// this:", "61 findings like this; the 3 smallest:".
fn group_size(count: usize, shown: usize) -> String {
    match (count, shown) {
        (1, _) => "1 finding:".to_owned(),
        (count, shown) if shown >= count => format!("{count} findings like this:"),
        (count, 1) => format!("{count} findings like this, on one input:"),
        (count, shown) => format!("{count} findings like this; the {shown} smallest:"),
    }
}

/// `answer`, cut after [`ANSWER_CHARS_SHOWN`] characters.
fn answer_cut(answer: &str) -> String {
    match answer.char_indices().nth(ANSWER_CHARS_SHOWN) {
        Some((at, _)) => format!(
            "{}… ({} bytes)",
            answer.get(..at).unwrap_or(answer),
            answer.len()
        ),
        None => answer.to_owned(),
    }
}

/// `text` with its numbers set aside, as [`Report::groups`] says: each
/// number is `N`, and a list of numbers is `[N]`.
fn without_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Whether `out` ends with a number, then with `, ` after it.
    let mut after_number = false;
    let mut after_number_and_comma = false;
    let mut after_data = false;
    while !rest.is_empty() {
        let word_len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (word, tail) = rest.split_at_checked(word_len).unwrap_or((rest, ""));
        if word.is_empty() {
            // Punctuation and spaces up to the next word, kept.
            let gap_len = rest
                .find(|c: char| c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let (gap, tail) = rest.split_at_checked(gap_len).unwrap_or((rest, ""));
            let before_number = tail.starts_with(|c: char| c.is_ascii_digit());
            // A minus sign is the number's own: `pid -1`, not `16-byte`.
            let gap = match gap.strip_suffix('-') {
                Some(sign_dropped)
                    if before_number && (!sign_dropped.is_empty() || out.is_empty()) =>
                {
                    sign_dropped
                }
                _ => gap,
            };
            after_number_and_comma = after_number && gap == ", ";
            after_data = after_data && gap == " ";
            out.push_str(gap);
            after_number = false;
            rest = tail;
            continue;
        }
        let number = word.starts_with(|c: char| c.is_ascii_digit())
            || (after_data && word.bytes().all(|byte| byte.is_ascii_hexdigit()));
        if number && after_number_and_comma {
            // The list of numbers is already `N`: drop the `, ` too.
            out.truncate(out.len().saturating_sub(", ".len()));
        } else if number {
            out.push('N');
        } else {
            out.push_str(word);
        }
        after_number = number;
        after_number_and_comma = false;
        after_data = word == "data";
        rest = tail;
    }
    // An empty list of numbers is a list of numbers: `fds []` is `fds [N]`.
    out.replace("[]", "[N]")
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups = self.groups();
        let in_groups = match groups.len() {
            0 => String::new(),
            1 => " in 1 group".to_owned(),
            count => format!(" in {count} groups"),
        };
        writeln!(
            f,
            "{}: {} findings{in_groups}",
            self.implementation,
            self.findings.len(),
        )?;
        for check in &self.checks {
            match &check.not_run {
                Some(why) => writeln!(f, "  {}: not run: {why}", check.check)?,
                None => writeln!(
                    f,
                    "  {}: {} cases, {} findings{}",
                    check.check,
                    check.cases,
                    check.findings,
                    self.seed_of(check)
                )?,
            }
        }
        for group in &groups {
            let Some(first) = group.first() else {
                continue;
            };
            let shown = shown(group);
            let size = group_size(group.len(), shown.len());
            writeln!(f, "[{}] {size}", first.check)?;
            for finding in shown {
                writeln!(f, "  input {}", finding.input_cut(INPUT_BYTES_DISPLAYED))?;
                writeln!(f, "    model: {}", answer_cut(&finding.model))?;
                writeln!(
                    f,
                    "    {}: {}",
                    self.implementation,
                    answer_cut(&finding.implementation)
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_lists_of_numbers_are_set_aside() {
        for (text, expected) in [
            (
                "leaked 2 fds: [14, 15] still open",
                "leaked N fds: [N] still open",
            ),
            (
                "1 messages [level 1 type 1 fds []]",
                "N messages [level N type N fds [N]]",
            ),
            (
                "credentials pid -1 uid 0 gid 7",
                "credentials pid N uid N gid N",
            ),
            (
                "reads outside the 16-byte buffer",
                "reads outside the N-byte buffer",
            ),
            (
                "data a31d0000; level 1 type 1 data ",
                "data N; level N type N data ",
            ),
            ("but is 0x5607bf7c4361)", "but is N)"),
            ("-3 at offset 24", "N at offset N"),
            (
                "attempt to add with overflow",
                "attempt to add with overflow",
            ),
            ("", ""),
        ] {
            assert_eq!(without_numbers(text), expected, "{text:?}");
        }
    }

    #[test]
    fn long_inputs_and_answers_are_cut_with_their_length() {
        let finding = Finding {
            check: "kernel",
            input: vec![0xab; 300],
            model: "x".repeat(1000),
            implementation: String::new(),
        };
        assert_eq!(
            finding.input_cut(2),
            "abab… (300 bytes)",
            "the start in hex, and the whole length"
        );
        assert_eq!(finding.input_cut(300), "ab".repeat(300));
        let cut = answer_cut(&finding.model);
        assert!(cut.ends_with("… (1000 bytes)"), "{cut}");
        assert_eq!(
            cut.chars().filter(|&c| c == 'x').count(),
            ANSWER_CHARS_SHOWN
        );
        let text = Finding {
            check: "fds",
            input: "3 fds, a control buffer of 24 bytes".into(),
            ..finding
        };
        assert_eq!(text.input_cut(5), "3 fds… (35 bytes)");
    }
}
