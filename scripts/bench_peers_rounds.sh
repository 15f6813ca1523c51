#!/usr/bin/env bash
# The peers side by side, several times: peers.py ROUNDS times on one graph
# (scipy float64/float32, igraph, fast-pagerank, the engine on the plain
# 16-market comparison), then the ranges of the two ratios BENCHMARKS.md
# quotes: scipy float64's compute over the engine's, and scipy's
# load+compute over the engine's whole process.
#
#   scripts/bench_peers_rounds.sh GRAPH_DIR [ROUNDS] [OUT_DIR]
#
# GRAPH_DIR holds edges.tsv and topics.tsv (../shared/bench/gen_follow_graph.py).
# SUMMARY_ONLY=1 prints the ranges of the rounds already in OUT_DIR.
set -euo pipefail
G=${1:?usage: scripts/bench_peers_rounds.sh GRAPH_DIR [ROUNDS] [OUT_DIR]}
R=${2:-3}
W=${3:-/tmp/peers-rounds}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED_BENCH=$ROOT/../shared/bench
[[ -f $SHARED_BENCH/peers.py ]] || SHARED_BENCH=/work/shared/bench
M=$ROOT/target/release/marketrank
mkdir -p "$W"
(cd "$ROOT" && cargo build --release --quiet)
for r in $(seq 1 "$R"); do
  [[ -n ${SUMMARY_ONLY:-} ]] && break
  python3 "$SHARED_BENCH/peers.py" "$G" --peers scipy,scipy_f32,igraph,fastpr,engine --topics 16 --tol 1e-6 --max-iter 100 \
    --jsonl "$W/peers.$r.jsonl" --table "$W/peers.$r.table.md" \
    --engine-cmd "$M rank --quiet --walk plain --no-global --edges {edges} --topics {topics_file} --only-topics {topics} --tol {tol} --max-iter {max_iter} --damping {damping} --out {out}.snap --scores-tsv {out} --bench-result" > "$W/peers.$r.log" 2>&1
  echo "round $r"; cat "$W/peers.$r.table.md"; echo
done
python3 - "$W" "$R" <<'PY'
import json, sys
w, rounds = sys.argv[1], int(sys.argv[2])
comp, whole = [], []
def scipy_total(s):
    return s.get("parse_s", 0) + s.get("build_s", 0) + s["compute_s"]
for r in range(1, rounds + 1):
    recs = {}
    for line in open(f"{w}/peers.{r}.jsonl"):
        rec = json.loads(line)
        recs[rec.get("peer")] = rec
    s, e = recs.get("scipy"), recs.get("engine")
    if not (s and e and s.get("compute_s") and e.get("compute_s")):
        continue
    comp.append(s["compute_s"] / e["compute_s"])
    if e.get("wall_s"):
        # scipy's whole job: parse the text, build the matrix, iterate
        # (what the issue compares with the engine's whole process).
        whole.append(scipy_total(s) / e["wall_s"])
    print(f"round {r}: scipy f64 compute {s['compute_s']:.2f} s, engine {e['compute_s']:.2f} s ({comp[-1]:.1f}x); "
          f"scipy parse+build+compute {scipy_total(s):.2f} s, engine whole process {e.get('wall_s', 0):.2f} s"
          + (f" ({whole[-1]:.1f}x)" if e.get("wall_s") else ""))
if comp:
    print(f"compute: {min(comp):.1f}-{max(comp):.1f}x scipy float64 over {len(comp)} rounds")
if whole:
    print(f"whole process: {min(whole):.1f}-{max(whole):.1f}x scipy's parse+build+compute over {len(whole)} rounds")
PY
