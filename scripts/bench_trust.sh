#!/usr/bin/env bash
# What --accounts costs (issue 16): rank the same graph with and without the
# account history, interleaved, RUNS times each; prints the rank step's
# compute time (trust + walk graph + iteration), the trust step alone, the
# iterations and the peak memory of each run.
#   cargo run --release --example gen_planted -- --users 1000000 --avg-degree 20 --topics 16 --attacks --out /tmp/g1m-acc
#   scripts/bench_trust.sh /tmp/g1m-acc [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?graph directory from gen_planted --attacks}
runs=${2:-3}
bin=target/release/marketrank
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); commit $(git rev-parse --short HEAD)"
for i in $(seq "$runs"); do
  for mode in graph-only accounts; do
    extra=()
    [[ $mode == accounts ]] && extra=(--accounts "$dir/accounts.tsv" --as-of 2026-12-01)
    log="$out/$mode.$i.log"
    /usr/bin/time -f 'peak_rss_kb %M' "$bin" rank --edges "$dir/edges.tsv" --topics "$dir/topics.tsv" \
      --out "$out/s.snap" "${extra[@]}" 2>"$log" >/dev/null
    rank=$(grep -o 'ranked [0-9]* markets in [0-9]* iterations, [0-9.]*[a-zµ]*' "$log")
    trust=$(grep -o 'trust: [0-9]* steps in [0-9.]*[a-zµ]*' "$log" || echo "trust: -")
    echo "run $i $mode: $rank; $trust; $(grep peak_rss_kb "$log")"
  done
done
