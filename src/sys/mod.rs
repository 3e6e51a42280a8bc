//! The only code in the crate that calls the C library or uses `unsafe`:
//! the socket helpers, and the C library's own control-message walk that
//! the fuzz harness compares the codec with. Every `unsafe` block has a
//! `// SAFETY:` comment.

#[cfg(all(
    feature = "conformance",
    any(target_os = "linux", target_os = "android")
))]
pub(crate) mod fd_table;
#[cfg(all(feature = "conformance", target_os = "linux"))]
pub(crate) mod forge;
#[cfg(all(
    feature = "conformance",
    any(target_os = "linux", target_os = "android")
))]
pub(crate) mod isolate;
#[cfg(all(feature = "harness", any(target_env = "gnu", target_env = "musl")))]
pub(crate) mod libc_walk;
#[cfg(all(feature = "conformance", target_os = "linux"))]
mod process_vm;
pub mod socket;
