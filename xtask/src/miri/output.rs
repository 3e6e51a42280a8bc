//! What a Miri run or an ASan run printed: the cases it started, the first
//! undefined behaviour with its place in the library's code, why it
//! stopped.

use super::*;

/// What a run printed: the cases it started (index, label), and whether it
/// reached its end.
pub(super) struct Run {
    pub(super) started: Vec<(usize, String)>,
    pub(super) done: bool,
}

pub(super) fn read_run(output: &str, inputs: &[Input]) -> Run {
    let started = output
        .lines()
        .filter_map(|line| line.strip_prefix("miri-parse: case "))
        .filter_map(|rest| {
            let (index, label) = rest.split_once(' ').unwrap_or((rest, ""));
            let index: usize = index.parse().ok()?;
            // `case N (LABEL)` from std's cases; `case N` from a file's,
            // whose label is the file's; `case N ran in ...` is not a start.
            let label = match label
                .strip_prefix('(')
                .and_then(|label| label.strip_suffix(')'))
            {
                Some(label) => label.to_owned(),
                None if label.is_empty() => inputs.get(index)?.label.clone(),
                None => return None,
            };
            Some((index, label))
        })
        .collect();
    Run {
        started,
        done: output
            .lines()
            .any(|line| line.starts_with("miri-parse: done:")),
    }
}

/// An input's group: its check (`tail` of `tail #3`), `corpus`, or std's
/// case itself.
pub(super) fn group(label: &str) -> &str {
    label
        .split_once(" #")
        .map(|(check, _)| check)
        .or_else(|| {
            label
                .split_once(' ')
                .filter(|(word, _)| *word == "corpus")
                .map(|(word, _)| word)
        })
        .unwrap_or(label)
}

/// The UB Miri reported in `output`, if it did.
pub(super) fn ub(output: &str, label: &str, input: Option<&Input>) -> Option<Ub> {
    let lines: Vec<&str> = output.lines().collect();
    let start = lines
        .iter()
        .position(|line| line.starts_with("error: Undefined Behavior"))?;
    let block = &lines[start..];
    let first_lines: Vec<String> = block
        .iter()
        .take_while(|line| {
            let line = line.trim_start();
            !(line.starts_with("= ") || line.starts_with("help:") || line.starts_with("note:"))
        })
        .take(12)
        .map(|line| match line.split_once("--> ") {
            Some((indent, place)) => format!("{indent}--> {}", short_path(place)),
            None => line.trim_end().to_owned(),
        })
        .collect();
    let aliasing = block.iter().take(20).any(|line| {
        line.contains("Stacked Borrows")
            || line.contains("Tree Borrows")
            || line.contains("borrow stack")
    });
    // Where Miri points, then each frame of the backtrace.
    let mut places: Vec<&str> = Vec::new();
    for line in block {
        let line = line.trim_start();
        if let Some(place) = line.strip_prefix("--> ") {
            if places.is_empty() {
                places.push(place);
            }
        } else if let Some(place) = line.strip_prefix("at ") {
            // `at FILE:L:C: L:C`
            places.push(place.split(": ").next().unwrap_or(place));
        }
    }
    let theirs: Vec<&str> = places
        .iter()
        .copied()
        .filter(|place| is_library(place))
        .collect();
    let location = theirs.first().or(places.first()).copied().unwrap_or("");
    let mut callers: Vec<String> = Vec::new();
    for place in theirs.iter().skip(1) {
        let short = short_path(place);
        if callers.last() != Some(&short) && short != short_path(location) {
            callers.push(short);
        }
    }
    callers.truncate(3);
    Some(Ub {
        first_lines,
        input: label.to_owned(),
        input_hex: input.map(|input| hex(&input.bytes)).unwrap_or_default(),
        location: short_path(location),
        code: source_line(location),
        callers,
        aliasing,
        inputs: 1,
    })
}

/// Whether a path is a library's own code: a crate of the registry, std's
/// `os/unix/net/` (`SocketAncillary`), or the copy of rustix's walk.
fn is_library(place: &str) -> bool {
    place.contains("/.cargo/registry/src/")
        || place.contains("library/std/src/os/unix/net/")
        || place.contains("linux_raw.rs")
}

/// `crate-version/src/file.rs:L:C` for a registry path, `library/...` for
/// std's, `peers/miri/src/...` for this crate's.
fn short_path(place: &str) -> String {
    if let Some(at) = place.find("/.cargo/registry/src/") {
        let rest = &place[at + "/.cargo/registry/src/".len()..];
        return rest
            .split_once('/')
            .map_or(rest, |(_, path)| path)
            .to_owned();
    }
    if let Some(at) = place.find("/library/") {
        return place[at + 1..].to_owned();
    }
    // This crate's paths are relative to peers/miri; the adapters it
    // shares are peers/src's.
    match place.strip_prefix("src/") {
        Some(rest) => match rest.strip_prefix("../../src/") {
            Some(adapter) => format!("peers/src/{adapter}"),
            None => format!("peers/miri/src/{rest}"),
        },
        None => place.to_owned(),
    }
}

/// The line of source at `FILE:L:C`, trimmed, if the file is readable
/// (relative paths are `peers/miri`'s).
fn source_line(place: &str) -> String {
    let mut parts = place.rsplitn(3, ':');
    let (_column, line, path) = (parts.next(), parts.next(), parts.next());
    let (Some(line), Some(path)) = (line.and_then(|line| line.parse::<usize>().ok()), path) else {
        return String::new();
    };
    let path = if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        root().join("peers/miri").join(path)
    };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| {
            text.lines()
                .nth(line.saturating_sub(1))
                .map(|line| line.trim().to_owned())
        })
        .unwrap_or_default()
}

/// Why a run stopped without UB: Miri's `error:` line and the last panic
/// before it.
pub(super) fn stop_reason(output: &str) -> String {
    let error = output
        .lines()
        .find(|line| line.starts_with("error"))
        .unwrap_or("no error line");
    let panic = output.lines().rfind(|line| {
        line.starts_with("miri-parse: panicked at")
            && !line.contains("panic in a function that cannot unwind")
    });
    match panic {
        Some(panic) => format!(
            "{error} ({})",
            panic
                .trim_start_matches("miri-parse: ")
                .replace(&*root().to_string_lossy(), ".")
        ),
        None => error.to_owned(),
    }
}

/// The last `n` lines of `text`.
pub(super) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// A run's summary line, or ASan's report's first lines: the `ERROR` line,
/// the access, the first frames outside core and std, and where the
/// address lies.
pub(super) fn asan_lines(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|line| line.contains("ERROR: AddressSanitizer"))
    else {
        return lines
            .iter()
            .filter(|line| line.starts_with("asan-glibc:"))
            .map(|line| line.to_string())
            .collect();
    };
    let mut kept: Vec<String> = lines[start..]
        .iter()
        .take(2)
        .map(|line| line.trim().to_owned())
        .collect();
    kept.extend(
        lines[start..]
            .iter()
            .filter(|line| line.trim_start().starts_with('#'))
            .filter(|line| !line.contains("/library/core/") && !line.contains("/library/std/"))
            .take(4)
            .map(|line| line.trim().to_owned()),
    );
    kept.extend(
        lines[start..]
            .iter()
            .find(|line| line.contains(" is located "))
            .map(|line| line.trim().to_owned()),
    );
    kept
}
