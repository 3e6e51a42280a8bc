//! What the async tests (`tokio.rs`, `async_io.rs`) share: a marker file
//! whose copies in `/proc/self/fd` are counted, the delays that race
//! futures, and the test bodies that do not depend on the runtime
//! (`cases`).
//!
//! Leaks are counted as the descriptors that name the test's own marker
//! (by device and inode), at points where the test's tasks are done: other
//! tests' and the runtime's descriptors never match, so the tests run in
//! parallel with anything.

use std::fs::File;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicU64, Ordering};

pub mod cases;

/// A file of the test's own, whose copies are counted in `/proc/self/fd`.
pub struct Marker {
    pub file: File,
    id: (u64, u64),
}

impl Marker {
    pub fn new() -> Marker {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("sockcmsg-marker-{}-{n}", std::process::id()));
        let file = File::create(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let meta = file.metadata().unwrap();
        Marker {
            file,
            id: (meta.dev(), meta.ino()),
        }
    }

    /// The open descriptors naming the marker, its own among them.
    pub fn copies(&self) -> usize {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|entry| std::fs::metadata(entry.ok()?.path()).ok())
            .filter(|meta| (meta.dev(), meta.ino()) == self.id)
            .count()
    }

    pub fn is(&self, fd: &OwnedFd) -> bool {
        let meta = File::from(fd.try_clone().unwrap()).metadata().unwrap();
        (meta.dev(), meta.ino()) == self.id
    }
}

/// A small xorshift generator: the tests need varied delays, not good
/// randomness, and the same sequence on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}
