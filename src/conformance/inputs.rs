//! The inputs of the runner's parse checks: buffers at the edges of each
//! rule, built with the model; Go's vectors; folders of buffers; and
//! buffers the kernel wrote.

use std::path::PathBuf;

use crate::model::Model;

/// The inputs of Go 1.19's answers, in the format of the project's
/// `tests/data/go1.19-syscall-linux-amd64.tsv`: each `P` line's hex.
pub(super) fn go_vector_inputs(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .filter_map(|line| line.strip_prefix("P "))
        .filter_map(|line| line.split_once('\t'))
        .filter_map(|(hex, _)| unhex(hex))
        .collect()
}

/// Every file of each folder, in name order.
pub(super) fn folder_inputs(folders: &[PathBuf]) -> Result<Vec<Vec<u8>>, String> {
    let mut inputs = Vec::new();
    for folder in folders {
        let entries =
            std::fs::read_dir(folder).map_err(|err| format!("{}: {err}", folder.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect();
        files.sort();
        for file in files.iter().filter(|file| file.is_file()) {
            inputs.push(std::fs::read(file).map_err(|err| format!("{}: {err}", file.display()))?);
        }
    }
    Ok(inputs)
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .map(|digit| {
            char::from(digit)
                .to_digit(16)
                .and_then(|d| u8::try_from(d).ok())
        })
        .collect::<Option<_>>()?;
    digits
        .chunks(2)
        .map(|pair| match pair {
            [high, low] => Some(high.wrapping_shl(4) | low),
            _ => None,
        })
        .collect()
}

/// Buffers at the edges of each rule, built with the model: short tails of
/// every length, lengths at and around each bound, unpadded last messages.
#[allow(
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing,
    reason = "small constant lengths, as the model counts them"
)]
pub(super) fn edges(model: Model) -> Vec<Vec<u8>> {
    let header = model.data_offset();
    let mut inputs: Vec<Vec<u8>> = (0..=header).map(|len| vec![0; len as usize]).collect();
    let one = |data: &[u8]| model.encode([(41, 50, data)]);
    for data_len in 0..=9u8 {
        let data: Vec<u8> = (1..=data_len).collect();
        let message = one(&data);
        for tail in 0..header {
            let mut buf = message.clone();
            buf.resize(buf.len() + tail as usize, 0xee);
            inputs.push(buf);
        }
        let mut unpadded = one(&[1]);
        unpadded.extend(&message[..(model.cmsg_len(u128::from(data_len))) as usize]);
        inputs.push(unpadded);
    }
    let room = 24u128;
    let lengths = [
        0,
        1,
        model.header_len() - 1,
        model.header_len(),
        header - 1,
        header,
        header + room,
        header + room + 1,
        u128::from(u32::MAX),
        (1 << 32) + header,
        u128::from(u64::MAX) - 7,
        u128::from(u64::MAX),
    ];
    for len in lengths {
        let mut buf = model.header(len, 1, 1);
        buf.resize((header + room) as usize, 0);
        inputs.push(buf.clone());
        let mut after_one = one(&[7]);
        after_one.extend(buf);
        inputs.push(after_one);
    }
    inputs
}

/// Control buffers the kernel wrote: fds and credentials received into
/// buffers of every size from a header's to past full.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn kernel_buffers() -> Vec<Vec<u8>> {
    use crate::socket::{self, ControlBuffer, SocketKind, SocketOption};
    use std::os::fd::AsFd;

    let Ok((tx, rx)) = socket::socketpair(SocketKind::Datagram) else {
        return Vec::new();
    };
    let Ok(file) = std::fs::File::open("/dev/null") else {
        return Vec::new();
    };
    let _ = socket::set_option(rx.as_fd(), SocketOption::PassCredentials, true);
    let mut buffers = Vec::new();
    for count in [0, 1, 2, 3, 8, 253] {
        let full = ControlBuffer::for_credentials_and_fds(count).len();
        for len in (0..=full.saturating_add(8)).step_by(if count > 8 { 61 } else { 1 }) {
            if socket::send(tx.as_fd(), b"x", &vec![file.as_fd(); count], None).is_err() {
                continue;
            }
            let mut control = ControlBuffer::with_len(len);
            if let Ok(received) = socket::recv(rx.as_fd(), &mut [0; 1], &mut control) {
                buffers.push(received.control.to_vec());
            }
        }
    }
    buffers
}
