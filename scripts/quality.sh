#!/usr/bin/env bash
# Regenerates QUALITY.md (full mode: planted graphs of 20k, 100k and 1M users,
# plus the real labelled graphs in tests/data/real).
# See examples/quality_report.rs; pass --quick to skip the 1M-user graph.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --example quality_report -- "$@"
