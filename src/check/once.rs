//! Checks that depend on a value alone, run once per value on a thread.
//!
//! A fuzzer makes each input from another by changing a few bytes, so most
//! of the messages it parses, and most of the errors it gets back, it has
//! seen before. Checking a message's header, sizes and typed decoders, or an
//! error's message, is a function of that message or that error alone: a
//! second check of the same value checks nothing new, and costs as much as
//! the first. [`Seen`] remembers the values whose checks passed last, each
//! in the slot its hash picks, and a value is checked whenever it is not
//! there: always the first time, so an input that breaks a check breaks it
//! on its own, in a fresh process too, and again each time it is run.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::thread::LocalKey;

use crate::SocketControlMessage;

/// The values checked last, in `SLOTS` slots, allocated at the first check
/// (so that a thread-local `Seen` adds a pointer, not the slots, to every
/// thread of a test binary).
pub(super) struct Seen<K, const SLOTS: usize> {
    slots: Vec<Option<K>>,
}

impl<K: Copy + Eq + Hash + 'static, const SLOTS: usize> Seen<K, SLOTS> {
    pub(super) const fn new() -> Self {
        Seen { slots: Vec::new() }
    }

    /// Runs `check` on `key` unless `key` is in its slot of this thread's
    /// `seen`. The key is put there only once `check` returns: a check that
    /// panics (a finding, which a property test may run again to shrink
    /// it) runs again on the same value.
    pub(super) fn check_once(seen: &'static LocalKey<RefCell<Self>>, key: K, check: impl FnOnce()) {
        let mut hasher = Multiplicative(0);
        key.hash(&mut hasher);
        let slot = usize::try_from(hasher.0 >> 32)
            .unwrap_or_default()
            .checked_rem(SLOTS)
            .unwrap_or_default();
        if seen.with_borrow(|seen| seen.slots.get(slot) == Some(&Some(key))) {
            return;
        }
        check();
        seen.with_borrow_mut(|seen| {
            if seen.slots.is_empty() {
                seen.slots = vec![None; SLOTS];
            }
            if let Some(slot) = seen.slots.get_mut(slot) {
                *slot = Some(key);
            }
        });
    }
}

/// A message as the per-message checks see it: the layout (by name), the
/// header's fields and the data, if the data is short enough to keep.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct MessageKey {
    layout: &'static str,
    len: usize,
    level: i32,
    kind: i32,
    data_len: usize,
    data: [u8; MessageKey::DATA],
}

impl MessageKey {
    /// The most data a key holds: longer messages are checked every time.
    const DATA: usize = 64;

    pub(super) fn of(layout: &'static str, msg: &SocketControlMessage<'_>) -> Option<MessageKey> {
        let mut data = [0; MessageKey::DATA];
        data.get_mut(..msg.data.len())?.copy_from_slice(msg.data);
        Some(MessageKey {
            layout,
            len: msg.header.len,
            level: msg.header.level,
            kind: msg.header.kind,
            data_len: msg.data.len(),
            data,
        })
    }
}

/// The header's fields and the data in use: the layout, compared in full,
/// rarely differs between two messages of one slot.
impl Hash for MessageKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len);
        state.write_i32(self.level);
        state.write_i32(self.kind);
        state.write(self.data.get(..self.data_len).unwrap_or_default());
    }
}

/// A hash of a few integers that is cheap next to the checks it saves
/// (rustc's `FxHasher`).
struct Multiplicative(u64);

impl Hasher for Multiplicative {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in words.by_ref() {
            let mut le = [0; 8];
            le.copy_from_slice(word);
            self.write_u64(u64::from_le_bytes(le));
        }
        for &byte in words.remainder() {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn write_i32(&mut self, word: i32) {
        self.write_u64(u64::from(word as u32));
    }

    fn write_isize(&mut self, word: isize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static ONE_SLOT: RefCell<Seen<u32, 1>> = const { RefCell::new(Seen::new()) };
    }

    /// How many times `check_once` ran the check on `key`, out of `tries`.
    fn runs(key: u32, tries: usize) -> usize {
        let mut ran = 0;
        for _ in 0..tries {
            Seen::check_once(&ONE_SLOT, key, || ran += 1);
        }
        ran
    }

    #[test]
    fn a_value_is_checked_again_only_once_another_took_its_slot() {
        assert_eq!(runs(7, 3), 1);
        assert_eq!(runs(8, 2), 1);
        assert_eq!(runs(7, 2), 1, "8 took the only slot");
    }

    #[test]
    fn a_check_that_panics_runs_again() {
        let panicking = || Seen::check_once(&ONE_SLOT, 9, || panic!("a finding"));
        assert!(std::panic::catch_unwind(panicking).is_err());
        assert!(std::panic::catch_unwind(panicking).is_err());
        assert_eq!(runs(9, 2), 1);
    }

    #[test]
    fn messages_with_more_data_than_a_key_holds_have_no_key() {
        let data = [5; MessageKey::DATA + 1];
        let header = crate::Cmsghdr {
            len: 16 + data.len(),
            level: 1,
            kind: 1,
        };
        let long = SocketControlMessage {
            header,
            data: &data,
        };
        assert!(MessageKey::of("linux-64", &long).is_none());
        let short = SocketControlMessage {
            header,
            data: &data[1..],
        };
        let key = MessageKey::of("linux-64", &short);
        assert!(key.is_some_and(|key| key.data_len == MessageKey::DATA));
    }
}
