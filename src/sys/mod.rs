//! The only code in the crate that calls the C library or uses `unsafe`:
//! the socket helpers. Every `unsafe` block has a `// SAFETY:` comment.

pub mod socket;
