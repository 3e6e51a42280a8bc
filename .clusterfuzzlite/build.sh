#!/bin/bash -eu
# Builds the fuzz targets for ClusterFuzzLite, and for OSS-Fuzz, whose
# oss-fuzz/build.sh runs this script. Into $OUT go each target's binary,
# its seed corpus (corpus/<target>/ as <target>_seed_corpus.zip) and, for
# the targets whose input is a control buffer, the dictionary as
# <target>.dict.
#
# The builder image sets SRC and OUT and has a nightly toolchain, cargo-fuzz
# and python3. `cargo xtask cflite-build` runs this script on any machine
# with SRC and OUT set to temporary folders, then replays each seed corpus
# with the binary built here.

cd "$SRC/sockcmsg"

# The builder's cargo wrapper turns this into the build for $SANITIZER.
cargo fuzz build -O

# Where cargo-fuzz (or, for the coverage build, the wrapper) puts binaries.
host=$(rustc -vV | sed -n 's/^host: //p')
binaries="${CARGO_TARGET_DIR:-$PWD/fuzz/target}/$host/release"

# One binary per file of fuzz/fuzz_targets/ (`cargo fuzz list` would do, but
# the coverage build's wrapper turns every `cargo fuzz` into a build).
for source in fuzz/fuzz_targets/*.rs; do
    target=$(basename "$source" .rs)
    # The peers' targets (feature `peers`, not built above) fuzz other
    # people's code: `cargo xtask fuzz --targets peers` runs them.
    case "$target" in peer_*) continue ;; esac
    cp "$binaries/$target" "$OUT/"
    # python3's zipfile stores each file under its own name, as `zip -j`
    # does, without needing zip installed.
    python3 -m zipfile -c "$OUT/${target}_seed_corpus.zip" "corpus/$target"/*
    case "$target" in
        # Their input is arbitrary's format, typed records or an io_uring
        # completion, not a control buffer, as for `cargo xtask fuzz`.
        roundtrip | roundtrip_any_layout | typed | uring) ;;
        *) cp fuzz/cmsg.dict "$OUT/$target.dict" ;;
    esac
done
