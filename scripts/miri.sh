#!/usr/bin/env bash
# The library's unit tests under Miri (needs `rustup +nightly component add
# miri rust-src`). Tree Borrows because rayon's crossbeam-epoch trips the
# experimental Stacked Borrows model (inside crossbeam, not this crate);
# isolation off for the tests that write temporary files. Tests that are
# too slow when interpreted (a 1M-user chain, 4M-value blocks, planted
# graphs, 8 MB parse windows) are skipped. A second run compiles with
# AVX2+FMA so that the kernel takes its `unsafe` AVX2 path.
set -euo pipefail
cd "$(dirname "$0")/.."
export MIRIFLAGS="-Zmiri-disable-isolation -Zmiri-tree-borrows -Zmiri-permissive-provenance -Zmiri-ignore-leaks"
cargo +nightly miri test --lib -- --skip long_chain --skip planted_shapes --skip deterministic \
  --skip simple_graph --skip blocks_are_aligned --skip more_users_than
RUSTFLAGS="-C target-feature=+avx2,+fma" CARGO_TARGET_DIR=target/miri-avx2 \
  cargo +nightly miri test --lib -- rank::kernel
