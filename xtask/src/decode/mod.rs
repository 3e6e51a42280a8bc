//! `cargo xtask decode`: one fuzz target's input laid out for a person
//! triaging a fuzz finding.
//!
//! A control buffer (the input of `parse`, `libc_walk` and `kernel`, and of
//! `parse_any_layout` after the byte that picks its layout) is shown header
//! by header at its offsets: each `cmsg_len`, level and type (by name where
//! the layout's platform has one), the payload (the fds or the
//! credentials, else hex), the padding, and any bytes the walk ignores or
//! never reaches. The verdict follows: each parse function's answer, a
//! rejection by its `Error` variant and message, and what Go 1.19 does
//! with the same bytes. An input of `roundtrip` or `roundtrip_any_layout`
//! is shown as the messages the target makes of it, then their encoding,
//! decoded.
//!
//! The rules of the format are not restated here: the bytes are cut where
//! the model says, and each answer is the model's or the crate's.
//!
//! - the sections (headers, data, padding, the rejected header, the tail)
//!   are the reference model's walk, `sockcmsg::model::Model::walk`, and
//!   the sizes it names (`data_offset`, `align_up`, `FD_LEN`,
//!   `UCRED_LEN`);
//! - the verdict's lines for the crate are the codec's functions:
//!   `parse_socket_control_message`, `parse_one_socket_control_message`,
//!   and `parse_unix_rights` and `parse_unix_credentials` on each message
//!   of the model's walk (shown with its data, too);
//! - Go's lines are the model's Go dialect (`sockcmsg::model::dialect`:
//!   `Dialect::Go`, `go_layout`, `go_parse_unix_rights`, `go_parse_one`,
//!   and `Model::credentials`), compared with the crate's;
//! - `check::pick_layout`, `check::roundtrip_messages` and
//!   `check::any_layout_messages` read the fuzz targets' inputs, and
//!   `Layout::encode` encodes a roundtrip input's messages.
//!
//! This module adds only the names of levels and types, and the text.
//!
//! - [`report`] cuts an input into a structured report (plain data);
//! - [`render`] prints a report as text;
//! - [`platforms`] names layouts, levels and types;
//! - [`go`] says what Go 1.19 answers, behind one function.
//!
//! The unit tests check the report's values; the printed text is checked
//! against the golden files in `xtask/src/decode/goldens/`, one a case
//! (the cases are listed in `render.rs`'s tests). After a deliberate
//! change to the text, rewrite them with
//! `UPDATE_GOLDENS=1 cargo test --package xtask decode::render` and
//! review the diff.

mod go;
mod platforms;
mod render;
mod report;

/// An input of the fuzz target `target`, decoded as that target reads it:
/// with the layout named `layout_name` (default `host`), or, for the
/// `*_any_layout` targets, the one its first byte picks.
pub(crate) fn decode_input(
    target: &str,
    layout_name: Option<&str>,
    bytes: &[u8],
) -> Result<String, String> {
    report::input(target, layout_name, bytes).map(|report| render::input(&report))
}

/// Bytes typed as hex, two digits each, whitespace ignored (so that
/// `xxd -p` output can be pasted).
pub(crate) fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    if !digits.len().is_multiple_of(2) {
        return Err(format!(
            "--hex takes whole bytes: {} hex digits",
            digits.len()
        ));
    }
    digits
        .chunks_exact(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                // from_str_radix alone would take a sign: "+1".
                .filter(|pair| pair.bytes().all(|digit| digit.is_ascii_hexdigit()))
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| {
                    format!(
                        "--hex: {:?} is not a hex byte",
                        String::from_utf8_lossy(pair)
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_may_hold_whitespace_but_only_whole_hex_bytes() {
        assert_eq!(parse_hex("14 00\n0a\tFF"), Ok(vec![0x14, 0, 0x0a, 0xff]));
        assert_eq!(parse_hex(""), Ok(vec![]));
        assert!(parse_hex("140").is_err());
        assert!(parse_hex("1g").is_err());
        assert!(parse_hex("+1").is_err());
    }
}
