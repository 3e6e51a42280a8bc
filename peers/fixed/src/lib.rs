//! The peers of `peers/` built with the fixes of `docs/findings/` applied:
//! each fix a patch under `patches/` to the crate's published source,
//! applied by `cargo xtask fixed` to a copy under `patched/`, which this
//! crate's `[patch]` puts in place of the crate. Its tests (`tests/`) run
//! the conformance runner on the fixed peer: the finding the fix is for is
//! gone, and no other appears.
