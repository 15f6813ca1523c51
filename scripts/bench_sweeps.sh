#!/usr/bin/env bash
# Issue 22's comparisons on one graph, 3 rounds each, on the machine at hand:
#   - sweeps and time of `--method power` vs `extrapolated`, plain 16 markets
#     and default settings (16 topics + _global, biased walk, earned teleport),
#     each scored against a tight f64 power-iteration reference (max L1);
#   - per-sweep cost of the default 17-market run vs the plain 16-market run
#     (30 sweeps at --tol 1e-12, timed between the 10th and 30th sweep);
#   - warm starts after 0.1% and 1% of follows rewired (scripts/perturb_edges.py)
#     vs cold runs of the same changed graph, whole process, from text;
#   - the peers (scipy f64/f32, igraph, fast-pagerank) side by side with the
#     engine in one peers.py run.
#
#   scripts/bench_sweeps.sh GRAPH_DIR [ROUNDS]      # GRAPH_DIR from gen_follow_graph.py
#
# Writes GRAPH_DIR/sweeps/*.log and prints Markdown tables.
set -euo pipefail
G="$(cd "$1" && pwd)"; ROUNDS="${2:-3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
M="${MARKETRANK:-$ROOT/target/release/marketrank}"
SHARED_BENCH="${SHARED_BENCH:-$ROOT/../shared/bench}"
[[ -f $SHARED_BENCH/peers.py ]] || SHARED_BENCH=/work/shared/bench
W="$G/sweeps"; mkdir -p "$W"
[[ -f $G/g.cache ]] || "$M" ingest --quiet "$G/edges.tsv" "$G/topics.tsv" --out "$G/g.cache"
for f in 0.001 0.01; do
  [[ -f $G/edges-$f.tsv ]] || python3 "$ROOT/scripts/perturb_edges.py" "$G/edges.tsv" "$G/edges-$f.tsv" --fraction "$f"
done
# the value of "key": N in a BENCH_RESULT line
field() { grep -o "\"$2\":[0-9.e+-]*" "$1" | head -1 | cut -d: -f2; }
# seconds from the iteration-10 line to the iteration-30 line of a log
sweep20() { python3 - "$1" <<'PY'
import re, sys
t = {int(m[1]): float(m[2]) for m in re.finditer(r"iteration (\d+):.*\(([0-9.]+)s\)", open(sys.argv[1]).read())}
print(f"{(t[30] - t[10]) / 20:.4f}")
PY
}
l1() { python3 - "$1" "$2" <<'PY'
import sys, polars as pl
cols = lambda f, v: pl.read_csv(f, separator="\t", has_header=False, new_columns=["u", "m", v], schema_overrides={"u": pl.Utf8})
j = cols(sys.argv[1], "s").join(cols(sys.argv[2], "t"), on=["u", "m"], how="full", coalesce=True).fill_null(0.0)
print(f'{j.group_by("m").agg((pl.col("s") - pl.col("t")).abs().sum())["s"].max():.2e}')
PY
}
declare -A SET=([plain16]="--walk plain --no-global" [default17]="")
for s in plain16 default17; do
  [[ -f $W/ref-$s.tsv ]] || "$M" rank --quiet --graph "$G/g.cache" ${SET[$s]} --method power --precision f64 --tol 1e-12 \
    --max-iter 1000 --out "$W/ref-$s.snap" --scores-tsv "$W/ref-$s.tsv"
done
echo "| settings | method | sweeps | rank s (3 rounds) | max L1 vs f64 reference |"
echo "|---|---|---|---|---|"
for s in plain16 default17; do for m in power extrapolated; do
  ts=()
  for r in $(seq "$ROUNDS"); do
    "$M" rank --graph "$G/g.cache" ${SET[$s]} --method "$m" --out "$W/$s-$m.snap" --scores-tsv "$W/$s-$m.tsv" --bench-result > "$W/$s-$m.$r.log" 2>&1
    ts+=("$(field "$W/$s-$m.$r.log" compute_s)")
  done
  echo "| $s | $m | $(field "$W/$s-$m.1.log" iterations) | $(printf '%.2f ' "${ts[@]}")| $(l1 "$W/ref-$s.tsv" "$W/$s-$m.tsv") |"
done; done
echo
echo "| round | plain 16, s/sweep | default 17, s/sweep | ratio |"
echo "|---|---|---|---|"
for r in $(seq "$ROUNDS"); do
  for s in plain16 default17; do
    "$M" rank --graph "$G/g.cache" ${SET[$s]} --method power --tol 1e-12 --max-iter 30 --out "$W/cost.snap" > "$W/cost-$s.$r.log" 2>&1
  done
  a=$(sweep20 "$W/cost-plain16.$r.log"); b=$(sweep20 "$W/cost-default17.$r.log")
  echo "| $r | $a | $b | $(python3 -c "print(f'{$b/$a:.2f}')") |"
done
echo
"$M" rank --quiet --edges "$G/edges.tsv" --topics "$G/topics.tsv" --out "$W/base.snap"
echo "| change | cold wall s | warm wall s | warm/cold | cold peak MB | warm peak MB | sweeps cold / warm |"
echo "|---|---|---|---|---|---|---|"
for f in 0.001 0.01; do for r in $(seq "$ROUNDS"); do
  for mode in cold warm; do
    extra=(); [[ $mode == warm ]] && extra=(--previous "$W/base.snap")
    /usr/bin/time -f "WALL %e PEAK %M" "$M" rank --edges "$G/edges-$f.tsv" --topics "$G/topics.tsv" --out "$W/$mode.snap" \
      "${extra[@]}" --bench-result > "$W/$mode-$f.$r.log" 2>&1
  done
  wc=$(grep -o "WALL [0-9.]*" "$W/cold-$f.$r.log" | cut -d' ' -f2); ww=$(grep -o "WALL [0-9.]*" "$W/warm-$f.$r.log" | cut -d' ' -f2)
  pc=$(grep -o "PEAK [0-9]*" "$W/cold-$f.$r.log" | cut -d' ' -f2); pw=$(grep -o "PEAK [0-9]*" "$W/warm-$f.$r.log" | cut -d' ' -f2)
  echo "| $f (round $r) | $wc | $ww | $(python3 -c "print(f'{$ww/$wc:.2f}')") | $((pc/1024)) | $((pw/1024)) | $(field "$W/cold-$f.$r.log" iterations) / $(field "$W/warm-$f.$r.log" iterations) |"
done; done
echo
python3 "$SHARED_BENCH/peers.py" "$G" --peers scipy,scipy_f32,igraph,fastpr,engine --topics 16 --tol 1e-6 --max-iter 100 \
  --jsonl "$W/peers.jsonl" --table "$W/peers.table.md" \
  --engine-cmd "$M rank --quiet --walk plain --no-global --edges {edges} --topics {topics_file} --only-topics {topics} --tol {tol} --max-iter {max_iter} --damping {damping} --out {out}.snap --scores-tsv {out} --bench-result" > "$W/peers.log" 2>&1
cat "$W/peers.table.md"
