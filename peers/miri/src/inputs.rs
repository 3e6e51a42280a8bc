//! The inputs: the runner's rule probes and a sample of `corpus/parse/`,
//! in one file that a Miri run reads (Miri reads a file far faster than it
//! builds the probes).
//!
//! The file's format is `format.rs`'s.

use std::path::Path;
use std::sync::Mutex;

use sockcmsg::conformance::{Implementation, Isolation, Parsed, Runner, RULES};

pub use crate::format::{decode, hex, read, Input, MAGIC};

/// An implementation that keeps every buffer the runner hands it and
/// parses nothing (an empty answer, which the runner compares with the
/// model and forgets).
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<Vec<u8>>>,
}

impl Implementation for Recorder {
    fn name(&self) -> String {
        "recorder".to_owned()
    }

    fn parse(&self, buf: &[u8]) -> Option<Parsed> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(buf.to_vec());
        }
        Some(Parsed::Messages(Vec::new()))
    }
}

/// The runner's rule probes, check by check (`RULES`' order), each
/// labelled `<check> #<index>`: the buffers the table's rule columns
/// parse (`src/conformance/inputs.rs::rule_probes`, which is private:
/// the runner hands them to an implementation that records them).
pub fn record_probes() -> Vec<Input> {
    let mut inputs = Vec::new();
    for rule in RULES {
        let recorder = Recorder::default();
        let report = Runner::new(&recorder)
            .isolation(Isolation::InProcess)
            .property_cases(0)
            .only([rule])
            .run();
        let seen = recorder.seen.into_inner().unwrap_or_default();
        // The runner parses each probe once: as many buffers as cases.
        let cases: usize = report.checks.iter().map(|check| check.cases).sum();
        assert_eq!(
            seen.len(),
            cases,
            "the {rule} check's cases, each recorded once"
        );
        inputs.extend(seen.into_iter().enumerate().map(|(index, bytes)| Input {
            label: format!("{rule} #{index}"),
            bytes,
        }));
    }
    inputs
}

/// `count` files of `folder` (all if fewer), evenly spread over their
/// names in order, each labelled `corpus <name>`.
pub fn corpus_sample(folder: &Path, count: usize) -> Result<Vec<Input>, String> {
    let entries =
        std::fs::read_dir(folder).map_err(|err| format!("{}: {err}", folder.display()))?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    let picked: Vec<_> = if files.len() <= count {
        files
    } else {
        (0..count)
            .map(|i| files[i * files.len() / count].clone())
            .collect()
    };
    picked
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(|err| format!("{}: {err}", path.display()))?;
            let name = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Input {
                label: format!("corpus {name}"),
                bytes,
            })
        })
        .collect()
}

/// The inputs in the file's format.
pub fn encode(inputs: &[Input]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    for input in inputs {
        let label = input.label.as_bytes();
        out.extend(
            u16::try_from(label.len())
                .expect("a short label")
                .to_le_bytes(),
        );
        out.extend(label);
        out.extend(
            u32::try_from(input.bytes.len())
                .expect("an input under 4 GiB")
                .to_le_bytes(),
        );
        out.extend(&input.bytes);
    }
    out
}

/// The inputs of the file at `path`, without their labels: each one's
/// bytes, or only its length when it is longer than `max_len` (not read:
/// seeked over). For `miri-parse`, which holds only what it runs and
/// leaves the labels to whoever reads its output (under Miri, a
/// `String::from_utf8_lossy` of a label takes milliseconds).
pub fn read_short(path: &Path, max_len: usize) -> Result<Vec<Result<Vec<u8>, usize>>, String> {
    use std::io::{Read, Seek, SeekFrom};
    let error = |err: std::io::Error| format!("{}: {err}", path.display());
    let mut file = std::fs::File::open(path).map_err(error)?;
    let total = file.metadata().map_err(error)?.len();
    let mut magic = vec![0; MAGIC.len()];
    file.read_exact(&mut magic).map_err(error)?;
    if magic != MAGIC {
        return Err(format!(
            "{}: not an inputs file (no magic line)",
            path.display()
        ));
    }
    let mut inputs = Vec::new();
    let mut at = MAGIC.len() as u64;
    while at < total {
        let mut len = [0; 2];
        file.read_exact(&mut len).map_err(error)?;
        file.seek(SeekFrom::Current(i64::from(u16::from_le_bytes(len))))
            .map_err(error)?;
        let mut len = [0; 4];
        file.read_exact(&mut len).map_err(error)?;
        let len = u32::from_le_bytes(len);
        if len as usize <= max_len {
            let mut bytes = vec![0; len as usize];
            file.read_exact(&mut bytes).map_err(error)?;
            inputs.push(Ok(bytes));
        } else {
            file.seek(SeekFrom::Current(i64::from(len)))
                .map_err(error)?;
            inputs.push(Err(len as usize));
        }
        at = file.stream_position().map_err(error)?;
    }
    Ok(inputs)
}
