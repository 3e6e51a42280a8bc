//! The text of the errors a check met: each must name the numbers it
//! carries.

use crate::Error;

/// An error's message, written into a fixed buffer: a `String` would cost
/// the fuzzer the branches of allocating and growing it in every run.
struct Message {
    bytes: [u8; 256],
    len: usize,
}

impl Message {
    fn of(err: Error) -> Message {
        use std::fmt::Write;

        let mut message = Message {
            bytes: [0; 256],
            len: 0,
        };
        write!(message, "{err}").expect("an error's message fits in 256 bytes");
        message
    }

    fn text(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl std::fmt::Write for Message {
    fn write_str(&mut self, part: &str) -> std::fmt::Result {
        let end = self.len.checked_add(part.len()).ok_or(std::fmt::Error)?;
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(part.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Which of `values` are numbers in `text`, where a number is a run of
/// digits and a '-' right before it its sign. One pass over the bytes, one
/// comparison each: every branch and comparison here is paid for in every
/// fuzz run.
fn named_in(text: &[u8], values: [Option<i128>; 4]) -> [bool; 4] {
    let mut named = [false; 4];
    let mut note = |number: Option<i128>, negative: bool| {
        if let Some(number) = number {
            let number = if negative {
                number.saturating_neg()
            } else {
                number
            };
            for (named, value) in named.iter_mut().zip(values) {
                *named |= value == Some(number);
            }
        }
    };
    let mut number: Option<i128> = None;
    let mut negative = false;
    for &byte in text {
        if byte.is_ascii_digit() {
            let digit = i128::from(byte.wrapping_sub(b'0'));
            number = Some(number.unwrap_or(0).saturating_mul(10).saturating_add(digit));
        } else {
            note(number.take(), negative);
            negative = byte == b'-';
        }
    }
    note(number, negative);
    named
}

/// The errors a check met, the first of each kind, whose messages
/// [`check_error_text`] checks once the check is done: formatting every
/// error of a buffer of many messages (each fails both typed decoders)
/// would cost more than all the other checks together, while one of each
/// kind still checks every message that the input reaches.
#[derive(Default)]
pub(super) struct ErrorKinds(Vec<Error>);

impl ErrorKinds {
    pub(super) fn note(&mut self, err: Error) {
        let kind = std::mem::discriminant(&err);
        if !self
            .0
            .iter()
            .any(|seen| std::mem::discriminant(seen) == kind)
        {
            self.0.push(err);
        }
    }

    pub(super) fn check_texts(&self) {
        for &err in &self.0 {
            check_error_text(err);
        }
    }
}

/// Checks that an error's message names every number it carries (offsets,
/// lengths, levels, types) and, for a layout's error, the layout, so that
/// a person reading it sees what was rejected and where; and that it
/// converts to `EINVAL`, as Go answers every rejection.
pub(super) fn check_error_text(err: Error) {
    let wide = |n: usize| i128::try_from(n).expect("a usize fits an i128");
    let carried: [Option<i128>; 4] = match err {
        Error::TruncatedHeader {
            offset,
            available,
            needed,
        } => [
            Some(wide(offset)),
            Some(wide(available)),
            Some(wide(needed)),
            None,
        ],
        Error::LengthBelowHeader { offset, len, min } => {
            [Some(wide(offset)), Some(len.into()), Some(wide(min)), None]
        }
        Error::LengthPastEnd {
            offset,
            len,
            available,
        } => [
            Some(wide(offset)),
            Some(len.into()),
            Some(wide(available)),
            None,
        ],
        Error::UnexpectedMessage {
            level,
            kind,
            expected_level,
            expected_kind,
        } => [level, kind, expected_level, expected_kind].map(|n| Some(n.into())),
        Error::PartialFd { len } => [Some(wide(len)), None, None, None],
        Error::ShortCredentials { len, needed } => {
            [Some(wide(len)), Some(wide(needed)), None, None]
        }
        Error::BufferTooSmall { needed, available } => {
            [Some(wide(needed)), Some(wide(available)), None, None]
        }
        Error::CredentialsUnsupported { .. } => [None; 4],
        Error::DataTooLong { len, max } => [Some(wide(len)), Some(wide(max)), None, None],
        Error::EncodingTooLong { before, added, max } => {
            [Some(wide(before)), Some(wide(added)), Some(wide(max)), None]
        }
    };
    let message = Message::of(err);
    let text = message.text();
    for (value, named) in carried.into_iter().zip(named_in(text, carried)) {
        assert!(
            value.is_none() || named,
            "the message of {err:?} does not name {value:?}: {err}"
        );
    }
    if let Error::CredentialsUnsupported { layout } = err {
        assert!(
            text.windows(layout.len())
                .any(|word| word == layout.as_bytes()),
            "the message of {err:?} does not name the layout: {err}"
        );
    }
    assert_eq!(
        std::io::Error::from(err).raw_os_error(),
        Some(libc::EINVAL),
        "{err}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_name_what_each_error_carries() {
        for err in [
            Error::TruncatedHeader {
                offset: 1,
                available: 2,
                needed: 16,
            },
            Error::LengthBelowHeader {
                offset: 8,
                len: 3,
                min: 12,
            },
            Error::LengthPastEnd {
                offset: 0,
                len: u64::MAX,
                available: 40,
            },
            Error::UnexpectedMessage {
                level: -1,
                kind: 9,
                expected_level: 1,
                expected_kind: 2,
            },
            Error::PartialFd { len: 5 },
            Error::ShortCredentials { len: 4, needed: 12 },
            Error::BufferTooSmall {
                needed: 24,
                available: 23,
            },
            Error::CredentialsUnsupported { layout: "macos" },
            Error::DataTooLong { len: 9, max: 8 },
            Error::EncodingTooLong {
                before: 24,
                added: 16,
                max: 32,
            },
        ] {
            check_error_text(err);
        }
    }

    #[test]
    fn numbers_are_whole_runs_of_digits_with_their_sign() {
        let values = [Some(16), Some(-1), Some(4), None];
        assert_eq!(
            named_in(b"at offset 16 level -1 (4 bytes)", values),
            [true, true, true, false]
        );
        // 1 and 6 are not 16, 1 is not -1, 45 is not 4; a number may end
        // the text.
        assert_eq!(
            named_in(b"offsets 1 and 6, level 1, 45", values),
            [false; 4]
        );
        assert_eq!(
            named_in(b"cmsg_len 18446744073709551615", [Some(u64::MAX.into()); 4]),
            [true; 4]
        );
    }

    #[test]
    fn the_first_error_of_each_kind_is_kept_for_its_text() {
        let mut errors = ErrorKinds::default();
        for len in [5, 6] {
            errors.note(Error::PartialFd { len });
        }
        errors.note(Error::ShortCredentials { len: 4, needed: 12 });
        assert_eq!(
            errors.0,
            [
                Error::PartialFd { len: 5 },
                Error::ShortCredentials { len: 4, needed: 12 }
            ]
        );
    }
}
