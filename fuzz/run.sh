#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) starting from the seeds in
# fuzz/seeds/<target>; new inputs go to fuzz/corpus/<target> (not in git).
# A crash stops the script with libFuzzer's report and the input saved under
# fuzz/artifacts/<target>/; turn it into a regression test in tests/it/.
#
#   fuzz/run.sh            # 30 s per target (what .ci/run does)
#   fuzz/run.sh 600        # 10 minutes per target
#   fuzz/run.sh 600 snapshot_reader
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly compiler; with
# only a stable one, RUSTC_BOOTSTRAP=1 lets it accept the nightly flags.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-30}"
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(edge_parser topic_parser snapshot_reader graph_cache_reader accounts_parser markets_parser)
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  FUZZ=(cargo +nightly fuzz)
  OPTS=(-O)
else
  # Stable with RUSTC_BOOTSTRAP: no sanitizer runtime there, so libFuzzer
  # alone (panics, hangs and the RSS limit are still caught).
  export RUSTC_BOOTSTRAP=1
  FUZZ=(cargo fuzz)
  OPTS=(-O -s none)
fi
"${FUZZ[@]}" build "${OPTS[@]}"
mkdir -p logs
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
  # -rss_limit_mb: an input that makes a reader allocate beyond the file's
  # size is a bug, so the limit is low.
  rc=0
  "${FUZZ[@]}" run "${OPTS[@]}" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
    > "logs/$t.log" 2>&1 || rc=$?
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+ +DONE" "logs/$t.log" || true
  if [[ $rc -ne 0 ]]; then
    tail -40 "logs/$t.log"
    echo "fuzz target $t failed (rc=$rc): input saved under fuzz/artifacts/$t"
    exit 1
  fi
done
