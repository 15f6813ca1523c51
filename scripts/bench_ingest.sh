#!/usr/bin/env bash
# Parquet vs TSV ingest (issue 20): `marketrank ingest` of the same follows
# as TSV and as Parquet (DuckDB, Snappy, BIGINT ids), side by side, with
# polars reading the same files for reference; 3 runs each, best and
# median, per-follow ratios. Prints a Markdown table, the commit and CPU.
#
#   scripts/bench_ingest.sh [WORKDIR] [SIZES]
#
# WORKDIR (default /tmp/bench-ingest) holds one folder per size; a
# folder that already has edges.tsv/topics.tsv is used as it is, else
# /work/shared/bench/gen_follow_graph.py (or $GEN) makes one. SIZES
# (default "1000000 20000000") are follow counts (20 follows a user).
# Needs python3 with duckdb and polars; builds nothing: uses
# $MARKETRANK (default target/release/marketrank).
set -euo pipefail
work=${1:-/tmp/bench-ingest}
sizes=${2:-"1000000 20000000"}
bin=${MARKETRANK:-target/release/marketrank}
gen=${GEN:-/work/shared/bench/gen_follow_graph.py}
runs=${RUNS:-3}
mkdir -p "$work"

# Seconds of the "parse+build" a quiet-less ingest prints (`1.23s` or `456.7ms`).
parse_build() {
  "$bin" ingest "$1" "$2" --out "$3" 2>&1 | sed -n 's/.*parse+build \([0-9.]*\)\(m\?s\).*/\1 \2/p' |
    awk '{ print ($2 == "ms") ? $1 / 1000 : $1 }'
}

stats() { # best and median of the arguments
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f %.3f", a[1], a[int((NR + 1) / 2)] }'
}

echo "| follows | reader | best s | median s | ns/follow (best) | vs marketrank TSV |"
echo "|---:|---|---:|---:|---:|---:|"
for n in $sizes; do
  dir="$work/g$n"
  if [ ! -s "$dir/edges.tsv" ]; then
    python3 "$gen" --users $((n / 20)) --avg-degree 20 --out "$dir" >/dev/null
  fi
  if [ ! -s "$dir/edges.parquet" ]; then
    python3 - "$dir" <<'PY'
import sys, duckdb
d = sys.argv[1]
with open(f"{d}/edges.tsv") as f:
    skip = 0
    while f.readline().startswith("#"):
        skip += 1
duckdb.sql(f"""COPY (SELECT * FROM read_csv('{d}/edges.tsv', delim='\t', header=false, skip={skip},
    quote='', escape='', columns={{'follower': 'BIGINT', 'followee': 'BIGINT'}}))
    TO '{d}/edges.parquet' (FORMAT parquet, COMPRESSION snappy)""")
PY
  fi
  tsv=(); pq=(); ptsv=(); ppq=()
  for _ in $(seq "$runs"); do
    tsv+=("$(parse_build "$dir/edges.tsv" "$dir/topics.tsv" "$dir/tsv.mrg")")
    pq+=("$(parse_build "$dir/edges.parquet" "$dir/topics.tsv" "$dir/pq.mrg")")
  done
  read -r -a pol < <(python3 - "$dir" "$runs" <<'PY'
import sys, time
import polars as pl
d, runs = sys.argv[1], int(sys.argv[2])
def best(f):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return ts
a = best(lambda: pl.read_csv(f"{d}/edges.tsv", separator="\t", has_header=False, comment_prefix="#",
                            schema={"src": pl.Int64, "dst": pl.Int64}))
b = best(lambda: pl.read_parquet(f"{d}/edges.parquet"))
print(" ".join(f"{x:.4f}" for x in a + b))
PY
)
  ptsv=("${pol[@]:0:$runs}"); ppq=("${pol[@]:$runs:$runs}")
  read -r base _ <<<"$(stats "${tsv[@]}")"
  for row in "marketrank ingest, TSV:tsv" "marketrank ingest, Parquet:pq" "polars read_csv, TSV:ptsv" "polars read_parquet, Parquet:ppq"; do
    name=${row%%:*}; var=${row##*:}
    eval "vals=(\"\${${var}[@]}\")"
    read -r b m <<<"$(stats "${vals[@]}")"
    awk -v n="$n" -v name="$name" -v b="$b" -v m="$m" -v base="$base" \
      'BEGIN { printf "| %d | %s | %.3f | %.3f | %.1f | %.2f× |\n", n, name, b, m, b * 1e9 / n, b / base }'
  done
done
echo
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (+ uncommitted changes)'); $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; polars $(python3 -c 'import polars; print(polars.__version__)'), duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)')"
echo "marketrank times are ingest's parse+build (follows and the same topics.tsv, graph built); polars times are the read alone."
