#!/usr/bin/env bash
# The distributed engine against the single-process one, on one machine:
#   1 process (--engine local, all cores)
#   timely, 1 process x 1 worker (the engine's own overhead, no network)
#   timely, 2 processes x 1 worker on 127.0.0.1 (--threads 1 each: one core each)
# Default settings (topic-biased walk, earned teleport, f32, tol 1e-6).
# Prints a markdown table of whole-process wall time, compute time,
# iterations, bytes sent per iteration and peak memory.
#
# usage: scripts/bench_cluster.sh GRAPH_DIR   (edges.tsv + topics.tsv, e.g.
#   python3 ../shared/bench/gen_follow_graph.py --users 1000000 --avg-degree 20 --seed 1 --out /tmp/bench-graphs/g1m)
set -euo pipefail
G=${1:?graph directory}
M=${MARKETRANK:-target/release/marketrank}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
[[ -n "${MARKETRANK:-}" ]] || cargo build --release -q
# Two edge files, so each process reads its own half.
split -n l/2 -d --additional-suffix=.tsv "$G/edges.tsv" "$W/edges-"
T="$G/topics.tsv"

bench() { grep '^BENCH_RESULT' "$1" | sed 's/^BENCH_RESULT //'; }
timed() { # timed LOG cmd...: wall seconds to LOG.wall
  local log=$1; shift
  local t0; t0=$(date +%s.%N)
  "$@" >"$log" 2>"$log.err"
  echo "$(date +%s.%N) - $t0" | bc >"$log.wall"
}

timed "$W/local" $M rank --edges "$G/edges.tsv" --topics "$T" --out "$W/local.snap" --bench-result -q
timed "$W/t1" $M rank --edges "$W/edges-*.tsv" --topics "$T" --out "$W/t1.snap" --bench-result -q \
  --engine timely --workers 1
P0=$((20000 + RANDOM % 20000)); P1=$((P0 + 1))
printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$P0" "$P1" >"$W/hosts"
t0=$(date +%s.%N)
for p in 0 1; do
  $M rank --edges "$W/edges-*.tsv" --topics "$T" --out "$W/t2.snap" --bench-result -q --threads 1 \
    --engine timely --workers 1 --processes 2 --process $p --hostfile "$W/hosts" \
    >"$W/t2-$p" 2>"$W/t2-$p.err" &
done
wait
echo "$(date +%s.%N) - $t0" | bc >"$W/t2.wall"

echo "\`scripts/bench_cluster.sh $G\` on $(date -u +%FT%TZ), $(lscpu | sed -n 's/^Model name: *//p') x $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, git $(git rev-parse --short HEAD)."
echo
echo "Default settings (topic-biased walk, earned teleport, f32, tol 1e-6), 17 markets; the edge file split in two (\`split -n l/2\`) so each timely process reads its own half. Wall = whole process (the 2-process row: both, started together); compute includes the earned-teleport closed-group step (worker 0 gathers all follows) and the teleport totals, so s/iteration is compute / iterations."
echo
python3 - "$W" <<'EOF'
import json, sys
w = sys.argv[1]
def res(name):
    for line in open(f"{w}/{name}"):
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
wall = lambda n: float(open(f"{w}/{n}.wall").read())
local, t1, a, b = res("local"), res("t1"), res("t2-0"), res("t2-1")
rows = [
    ("local engine, 1 process, 2 threads", wall("local"), local, None),
    ("timely, 1 process x 1 worker, 2 threads", wall("t1"), t1, t1["bytes_per_iteration"]),
    ("timely, 2 processes x 1 worker, 1 thread each", wall("t2"), a,
     a["bytes_per_iteration"] + b["bytes_per_iteration"]),
]
base = wall("local")
print("| run | wall s | x local | load s | compute s | iterations | s/iteration | bytes sent / iteration | peak RSS MB (per process) |")
print("|---|---|---|---|---|---|---|---|---|")
for name, wl, r, sent in rows:
    peak = r["peak_rss_mb"] if r is not a else f'{a["peak_rss_mb"]:.0f} + {b["peak_rss_mb"]:.0f}'
    peak = f"{peak:.0f}" if isinstance(peak, float) else peak
    sent = "0" if sent is None else f"{sent/1e6:.1f} MB"
    print(f"| {name} | {wl:.2f} | {wl/base:.2f} | {r['load_s']:.2f} | {r['compute_s']:.2f} | {r['iterations']} | {r['compute_s']/r['iterations']:.3f} | {sent} | {peak} |")
print()
print(f"rows per iteration across the cut (2 processes): pull {a['pull_rows']:,} (what is sent), "
      f"push with per-followee pre-aggregation would send {a['push_rows']:,}")
EOF
# Agreement of the 2-process run with the local engine (export both, L1 per market).
$M export "$W/local.snap" --out "$W/l.csv" 2>/dev/null
$M export "$W/t2.snap" --out "$W/t.csv" 2>/dev/null
python3 - "$W" <<'EOF'
import csv, sys, collections
w = sys.argv[1]
def load(p):
    d = collections.defaultdict(dict)
    with open(p) as f:
        for r in csv.DictReader(f):
            d[r["market"]][r["user"]] = float(r["score"])
    return d
a, b = load(f"{w}/l.csv"), load(f"{w}/t.csv")
worst = max(sum(abs(a[m][u] - b[m][u]) for u in a[m]) for m in a)
print(f"largest per-market L1 between the 2-process and the local snapshot (f32, tol 1e-6): {worst:.2e}")
EOF
