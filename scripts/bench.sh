#!/usr/bin/env bash
# Performance benchmark of marketrank against the peer PageRank libraries of
# ../shared/bench (scipy, igraph, NetworkX, ...), plus the machine floors
# (gather probe, memory bandwidth, polars CSV parse) and K / users scaling.
# Writes every raw output under ${BENCH_DIR}/results/ and then BENCHMARKS.md
# (or ${BENCH_OUT}) with scripts/bench_report.py.
#
#   scripts/bench.sh            # g100k + g1m (+ g1m-k64 for K scaling), roughly 15-20 min on 2 cores
#   scripts/bench.sh --big      # also g10m (10M users / 200M follows; ~12 GB to generate)
#   scripts/bench.sh --quick    # g100k only (K scaling on g100k's 16 topics)
#
# Environment: BENCH_DIR (default ~/.cache/marketrank-bench, private to the
# user rather than a predictable name in the shared /tmp: graphs, results/),
# BENCH_OUT (default BENCHMARKS.md, relative to the repository root),
# SHARED_BENCH (default ../shared/bench or /work/shared/bench),
# PEER_TIMEOUT (per peer, default 1800 s), PROBE_ROUNDS (default 10; 3 at 10M).
#
# An existing ${BENCH_DIR}/results is moved aside to results.<timestamp> so
# the report never mixes runs.  Binaries are copied to results/bin before
# anything is measured, so concurrent rebuilds of target/ do not change what
# is being measured mid-run.
set -euo pipefail

QUICK=0
BIG=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    --big) BIG=1 ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "unknown argument: $a (use --quick or --big)" >&2; exit 2 ;;
  esac
done
if [[ $QUICK == 1 && $BIG == 1 ]]; then
  echo "--quick and --big exclude each other" >&2; exit 2
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BENCH_DIR="${BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/marketrank-bench}"
BENCH_OUT="${BENCH_OUT:-BENCHMARKS.md}"
PEER_TIMEOUT="${PEER_TIMEOUT:-1800}"
if [[ -z "${SHARED_BENCH:-}" ]]; then
  if [[ -f "$ROOT/../shared/bench/peers.py" ]]; then SHARED_BENCH="$ROOT/../shared/bench"
  else SHARED_BENCH=/work/shared/bench; fi
fi
SHARED_BENCH="$(cd "$SHARED_BENCH" && pwd)"
PY=python3
NPROC="$(nproc)"
mkdir -p "$BENCH_DIR"
BENCH_DIR="$(cd "$BENCH_DIR" && pwd)"
RES="$BENCH_DIR/results"
if [[ -e "$RES" ]]; then
  mv "$RES" "$RES.$(date -r "$RES" +%Y%m%dT%H%M%S)"
fi
mkdir -p "$RES"
CMDLOG="$RES/commands.log"
: > "$CMDLOG"
: > "$RES/failures.log"

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }

# print a command line that can be pasted back into a shell: plain words as
# they are, anything else single-quoted
quote_cmd() {
  local a sep=""
  for a in "$@"; do
    if [[ $a =~ ^[A-Za-z0-9_./=:,+@%-]+$ ]]; then printf '%s%s' "$sep" "$a"
    else printf '%s%s' "$sep" "${a@Q}"; fi
    sep=" "
  done
  printf '\n'
}

# record one command (exactly, shell-quoted) under a label, then run it with
# stdout+stderr to LOG; a failure is recorded and the benchmark goes on.
#   step LABEL LOG cmd args...
step() {
  local label="$1" out="$2"; shift 2
  { printf '%s\t' "$label"; quote_cmd "$@"; } >> "$CMDLOG"
  log "$label"
  local rc=0
  "$@" > "$out" 2>&1 || rc=$?
  if [[ $rc != 0 ]]; then
    echo "$label rc=$rc (log: ${out#$RES/})" >> "$RES/failures.log"
    log "  FAILED rc=$rc, see $out"
    tail -5 "$out" >&2 || true
  fi
  return 0
}

# ---------------------------------------------------------------- build
log "building release binaries"
{ printf 'build\t%s\n' "cargo build --release --bins --examples"
  printf 'build\t%s\n' "cargo bench --no-run --bench gather_probe"; } >> "$CMDLOG"
cargo build --release --bins --examples >&2
PROBE_EXE="$(cargo bench --no-run --bench gather_probe --message-format=json 2>"$RES/build-probe.log" |
  $PY -c 'import json,sys
for l in sys.stdin:
    try: m = json.loads(l)
    except ValueError: continue
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "gather_probe" and m.get("executable"):
        print(m["executable"])')"
[[ -x "$PROBE_EXE" ]] || { tail -30 "$RES/build-probe.log" >&2; echo "gather_probe executable not found" >&2; exit 1; }
BIN="$RES/bin"
mkdir -p "$BIN"
cp target/release/marketrank "$BIN/marketrank"
cp target/release/examples/load_phases "$BIN/load_phases"
cp "$PROBE_EXE" "$BIN/gather_probe"

# ---------------------------------------------------------------- python peers
if ! $PY -c 'import igraph, networkit, sknetwork, fast_pagerank, scipy, networkx, polars' 2>/dev/null; then
  log "installing the pinned peer packages"
  # the README's pinned line without pyspark (GraphX is not benchmarked here) + polars
  PIP=($PY -m pip install numpy==2.4.6 scipy==1.17.1 networkx==3.6.1 igraph==1.0.0
       networkit==11.3 scikit-network==0.33.5 fast-pagerank==1.0.0 polars)
  { printf 'install\t'; quote_cmd "${PIP[@]}"; } >> "$CMDLOG"
  "${PIP[@]}"
fi

# ---------------------------------------------------------------- machine
$PY - "$RES/machine.json" "$ROOT" <<'EOF'
import json, os, platform, subprocess, sys, datetime
from importlib.metadata import version, PackageNotFoundError
out, root = sys.argv[1], sys.argv[2]
def sh(*c):
    try: return subprocess.run(c, capture_output=True, text=True, cwd=root).stdout.strip()
    except OSError: return ""
cpu = ""
with open("/proc/cpuinfo") as fh:
    for line in fh:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip(); break
mem_kb = 0
with open("/proc/meminfo") as fh:
    for line in fh:
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
pk = {}
for p in ["numpy", "scipy", "networkx", "igraph", "networkit", "scikit-network",
          "fast-pagerank", "polars"]:
    try: pk[p] = version(p)
    except PackageNotFoundError: pk[p] = None
status = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True,
                        cwd=root).stdout
json.dump(dict(
    date=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    nproc=os.cpu_count(), affinity=len(os.sched_getaffinity(0)), cpu_model=cpu,
    mem_total_kb=mem_kb, kernel=platform.release(), python=platform.python_version(),
    git_commit=sh("git", "rev-parse", "HEAD"), git_branch=sh("git", "rev-parse", "--abbrev-ref", "HEAD"),
    git_dirty_files=[l for l in status.splitlines() if l.strip()],
    rustc=sh("rustc", "--version"), packages=pk, lscpu=sh("lscpu"),
), open(out, "w"), indent=1)
EOF
git diff HEAD > "$RES/worktree.diff" || true

# ---------------------------------------------------------------- graphs
gen() {  # gen NAME USERS [extra args]
  local name="$1" users="$2"; shift 2
  local dir="$BENCH_DIR/$name"
  local cmd=($PY "$SHARED_BENCH/gen_follow_graph.py" --users "$users" --avg-degree 20 --seed 1 "$@" --out "$dir.tmp")
  if [[ -f "$dir/edges.tsv" && -f "$dir/topics.tsv" && -f "$dir/truth.json" ]]; then
    log "graph $name present"
    { printf 'graph %s (present, not regenerated; made by)\t' "$name"; quote_cmd "${cmd[@]}"; } >> "$CMDLOG"
    return
  fi
  rm -rf "$dir.tmp"
  { printf 'graph %s (then moved to %s)\t' "$name" "$dir"; quote_cmd "${cmd[@]}"; } >> "$CMDLOG"
  log "generating $name"
  "${cmd[@]}" > "$RES/gen-$name.log" 2>&1
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

GRAPHS=(g100k)
gen g100k 100000
if [[ $QUICK == 0 ]]; then
  GRAPHS+=(g1m); gen g1m 1000000
  gen g1m-k64 1000000 --topics 64
  KGRAPH=g1m-k64
  if [[ $BIG == 1 ]]; then GRAPHS+=(g10m); gen g10m 10000000; fi
else
  KGRAPH=g100k
fi

engine_cmd() {  # engine_cmd THREADS -> peers.py --engine-cmd template
  echo "$BIN/marketrank rank --quiet --walk plain --no-global --threads $1 --edges {edges} --topics {topics_file} --only-topics {topics} --tol {tol} --max-iter {max_iter} --damping {damping} --out {out}.snap --scores-tsv {out} --bench-result"
}

echo "$KGRAPH" > "$RES/kscale_graph.txt"
printf '%s\n' "${GRAPHS[@]}" > "$RES/graphs.txt"
echo "$NPROC" > "$RES/threads.txt"

# the polars side of the parse comparison (saved with the results)
cat > "$RES/polars_parse.py" <<'EOF'
import json, sys, time
import polars as pl
ts = []
for _ in range(2):
    t0 = time.perf_counter()
    df = pl.read_csv(sys.argv[1], separator='\t', has_header=False, comment_prefix='#',
                     schema={'src': pl.Int64, 'dst': pl.Int64})
    ts.append(time.perf_counter() - t0)
    rows = df.height
    del df
print("POLARS_RESULT " + json.dumps(dict(times_s=ts, best_s=min(ts), rows=rows,
      version=pl.__version__, threads=pl.thread_pool_size())))
EOF

# ---------------------------------------------------------------- memory bandwidth (once)
step "membw" "$RES/membw.log" $PY "$SHARED_BENCH/membw.py" --json

# ---------------------------------------------------------------- per graph
for g in "${GRAPHS[@]}"; do
  gd="$BENCH_DIR/$g"
  out="$RES/$g"
  mkdir -p "$out"
  E="$gd/edges.tsv"; T="$gd/topics.tsv"
  case "$g" in
    g100k) peers="scipy,scipy_f32,networkx,igraph,networkit,sknetwork,fastpr,engine" ;;
    g10m) peers="scipy,engine" ;;
    *) peers="scipy,scipy_f32,igraph,networkit,sknetwork,fastpr,engine" ;;
  esac
  rounds="${PROBE_ROUNDS:-10}"
  [[ $g == g10m && -z "${PROBE_ROUNDS:-}" ]] && rounds=3

  # 1. all peers, engine at the default thread count (all cores)
  # peers.py reads an engine's scores with np.loadtxt and 64-character
  # strings per line: at 10M users x 16 topics (160M lines) that alone is
  # over 40 GB, so the 10M comparison uses 4 topics (the engine's 16-topic
  # 10M figures come from step 4).
  ktop=16; [[ $g == g10m ]] && ktop=4
  # the same topics as peers.py picks (most distinct members, ties by name),
  # so the whole-process runs below rank what the peers ranked
  ONLY=()
  if [[ $ktop != 16 ]]; then
    sel="$($PY "$ROOT/scripts/top_topics.py" "$T" "$ktop")"
    ONLY=(--only-topics "$sel")
    echo "$sel" > "$out/only_topics.txt"
  fi
  step "$g peers (engine --threads $NPROC)" "$out/peers.log" \
    $PY "$SHARED_BENCH/peers.py" "$gd" --peers "$peers" --topics "$ktop" --tol 1e-6 --max-iter 100 \
    --timeout "$PEER_TIMEOUT" --jsonl "$out/peers.jsonl" --table "$out/peers.table.md" \
    --engine-cmd "$(engine_cmd "$NPROC")"
  # 2. scipy vs the engine on one thread (same run, so the ratio is fair);
  # not at 10M, where scipy alone takes minutes per run
  [[ $g == g10m ]] || step "$g peers (engine --threads 1)" "$out/peers_t1.log" \
    $PY "$SHARED_BENCH/peers.py" "$gd" --peers scipy,engine --topics "$ktop" --tol 1e-6 --max-iter 100 \
    --timeout "$PEER_TIMEOUT" --jsonl "$out/peers_t1.jsonl" --table "$out/peers_t1.table.md" \
    --engine-cmd "$(engine_cmd 1)"
  # 3. gather floor (64-byte aligned K=16 rows, same CSR, all cores)
  step "$g gather probe" "$out/probe.log" "$BIN/gather_probe" "$E" "$T" "$rounds"
  # 4. whole rank process: snapshot written, no TSV
  step "$g whole process" "$out/time_rank.log" /usr/bin/time -v \
    "$BIN/marketrank" rank --walk plain --no-global --threads "$NPROC" "${ONLY[@]}" \
    --edges "$E" --topics "$T" --out "$out/rank.snap" --bench-result
  rm -f "$out/rank.snap"
  # 5. parse: engine parse+intern vs polars read_csv, best of 2 each
  for i in 1 2; do
    step "$g load phases #$i" "$out/load_phases.$i.log" "$BIN/load_phases" "$E" "$T"
  done
  step "$g polars read_csv (best of 2)" "$out/polars.log" $PY "$RES/polars_parse.py" "$E"
  # 6. graph cache: ingest once, then the same whole-process run from the cache
  step "$g ingest" "$out/time_ingest.log" /usr/bin/time -v \
    "$BIN/marketrank" ingest "$E" "$T" --out "$out/graph.mrg"
  stat -c %s "$out/graph.mrg" > "$out/graph.mrg.bytes" 2>/dev/null || true
  step "$g whole process from the cache" "$out/time_rank_cache.log" /usr/bin/time -v \
    "$BIN/marketrank" rank --walk plain --no-global --threads "$NPROC" "${ONLY[@]}" \
    --graph "$out/graph.mrg" --out "$out/rank.snap" --bench-result
  rm -f "$out/rank.snap" "$out/graph.mrg"
done

# ---------------------------------------------------------------- K scaling
gd="$BENCH_DIR/$KGRAPH"
mapfile -t TOPICS < <($PY -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["topics"]))' "$gd/truth.json")
mkdir -p "$RES/kscale"
cp "$gd/truth.json" "$RES/kscale/truth.json"
for k in 1 4 16 64; do
  (( k <= ${#TOPICS[@]} )) || continue
  sel="$(IFS=,; echo "${TOPICS[*]:0:$k}")"
  step "K scaling $KGRAPH K=$k" "$RES/kscale/k$k.log" /usr/bin/time -v \
    "$BIN/marketrank" rank --quiet --walk plain --no-global --threads "$NPROC" \
    --edges "$gd/edges.tsv" --topics "$gd/topics.tsv" --only-topics "$sel" \
    --out "$RES/kscale/k$k.snap" --bench-result
  rm -f "$RES/kscale/k$k.snap"
done

# ---------------------------------------------------------------- distributed
# One process vs timely with 1 process and with 2 processes on 127.0.0.1.
if [[ -d "$BENCH_DIR/g1m" ]]; then
  step "distributed engine g1m" "$RES/cluster.md" \
    env MARKETRANK="$BIN/marketrank" scripts/bench_cluster.sh "$BENCH_DIR/g1m"
fi

# ---------------------------------------------------------------- sweeps
# Issue 22: power vs extrapolated, the 17th market's per-sweep cost, warm
# starts after 0.1% / 1% of follows change, peers side by side (3 rounds).
if [[ -d "$BENCH_DIR/g1m" ]]; then
  step "sweeps and warm starts g1m" "$RES/sweeps.md" \
    env MARKETRANK="$BIN/marketrank" SHARED_BENCH="$SHARED_BENCH" scripts/bench_sweeps.sh "$BENCH_DIR/g1m" 3
fi

# ---------------------------------------------------------------- report
log "writing $BENCH_OUT"
$PY scripts/bench_report.py "$RES" > "$BENCH_OUT.tmp"
mv "$BENCH_OUT.tmp" "$BENCH_OUT"
if [[ -s "$RES/failures.log" ]]; then
  log "some steps failed:"; cat "$RES/failures.log" >&2
fi
log "done: $BENCH_OUT (raw outputs in $RES)"
