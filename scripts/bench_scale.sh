#!/usr/bin/env bash
# twitter-2010 scale on one machine (issue 22): generate 41.7M users /
# 1.47B follows (sharded .tsv.gz + the graph cache), ingest the text with
# bounded memory, rank the cache with default settings and the account
# history, and time the gather floor at that size.
#
#   scripts/bench_scale.sh DIR [USERS]
#
# DIR needs ~45 GB free (7 GB of .tsv.gz, two 6 GB caches, the 12 GB spill
# while each is built, the snapshot). Every step writes DIR/<step>.log with
# `/usr/bin/time -v`; scripts/bench_scale_report.py turns them into the
# BENCHMARKS.md table. USERS (default twitter-2010's 41652230) scales the
# run down, follows in proportion (35.25 a user).
set -euo pipefail
dir=${1:?usage: scripts/bench_scale.sh DIR [USERS]}
users=${2:-41652230}
cd "$(dirname "$0")/.."
mkdir -p "$dir"
cargo build --release --quiet
cargo build --release --quiet --example gen_scale
probe=$(cargo bench --no-run --bench gather_probe 2>&1 | sed -n 's/.*(\(.*gather_probe-[^)]*\)).*/\1/p' | tail -1)
bin=target/release/marketrank
t=/usr/bin/time
{ echo "commit $(git rev-parse --short HEAD)"; lscpu | grep 'Model name'; nproc; free -g | sed -n 2p; } > "$dir/machine.log"

if [ ! -f "$dir/g/graph.mrg" ]; then
  $t -v target/release/examples/gen_scale --users "$users" --cache --spill-dir "$dir" --out "$dir/g" 2> "$dir/gen.log"
fi
du -sb "$dir/g/follows" "$dir/g/graph.mrg" "$dir/g/accounts.tsv.gz" "$dir/g/topics.tsv" > "$dir/sizes.log"

rm -f "$dir/ingested.mrg"
$t -v $bin ingest "$dir/g/follows" "$dir/g/topics.tsv" --out "$dir/ingested.mrg" --spill-dir "$dir" 2> "$dir/ingest.log"
# The caches differ only in the load report (paths, line counts); the
# graph itself is checked equal at 1/1000 scale by tests/it/scale.rs.
rm -f "$dir/ingested.mrg"

rm -f "$dir/scale.snap"
$t -v $bin rank --graph "$dir/g/graph.mrg" --accounts "$dir/g/accounts.tsv.gz" --as-of 2026-12-01 \
  --out "$dir/scale.snap" 2> "$dir/rank.log"
du -sb "$dir/scale.snap" >> "$dir/sizes.log"
rm -f "$dir/scale.snap"

$t -v "$probe" "$dir/g/graph.mrg" 3 > "$dir/probe.log" 2> "$dir/probe.err"
echo "done: $dir/*.log"
