#!/usr/bin/env bash
# Load test of `marketrank serve` on loopback with the in-repo client
# (examples/load.rs): single lookups at 4/8/16 connections, batches of 100,
# and /healthz as the ceiling of HTTP alone; then the same single lookups
# against a server started with --no-rank-index (memory against speed).
# Bounded: 10 s per row. Prints one markdown table per run; client and
# server share the machine's cores.
#
# usage: scripts/bench_serve.sh SNAPSHOT MARKET [RUNS]
set -euo pipefail
S=${1:?snapshot}; MK=${2:?market}; RUNS=${3:-1}
cargo build --release -q --bins --examples
W=$(mktemp -d); SRV=
trap 'kill $SRV 2>/dev/null; rm -rf "$W"' EXIT
TOKEN=bench-token-$(date +%s%N); echo "$TOKEN" > "$W/tokens"; chmod 600 "$W/tokens"
L=target/release/examples/load
PORT=
start() { # start [serve flags...]: starts a server, sets SRV, PORT, LOAD_S
  PORT=$((30000 + RANDOM % 20000))
  local t0; t0=$(date +%s.%N)
  target/release/marketrank serve --snapshot "$S" --listen 127.0.0.1:$PORT --tokens "$W/tokens" "$@" 2>"$W/serve.log" &
  SRV=$!
  until curl -sf 127.0.0.1:$PORT/healthz >/dev/null; do sleep 0.2; done
  LOAD_S=$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')")
}
stop() { kill $SRV; wait $SRV 2>/dev/null || true; SRV=; }
memory() { awk '/VmHWM/{h=$2} /RssAnon/{a=$2} /RssFile/{f=$2} END{printf "%.0f MB resident (%.0f MB private, %.0f MB mapped), peak %.0f MB", (a+f)/1024, a/1024, f/1024, h/1024}' /proc/$SRV/status; }
row() { python3 - "$1" "$2" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"| {sys.argv[2]} | {r['connections']} | {r['requests_per_s']:,.0f} | {r['lookups_per_s']:,.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['max_ms']:.1f} | {r['errors']} |")
PY
}
echo "\`scripts/bench_serve.sh $S $MK $RUNS\` at git $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src examples scripts || echo '+changes'), $(lscpu | sed -n 's/^Model name: *//p') x $(nproc) cores; snapshot $(du -h "$S" | cut -f1)B, market \`$MK\`, with bearer token."
for run in $(seq 1 "$RUNS"); do
  start
  echo
  echo "Run $run of $RUNS, started $(date -u +%FT%TZ); $(curl -s 127.0.0.1:$PORT/healthz | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["users"], "users x", len(d["markets"]), "markets")'); loaded and verified in ${LOAD_S} s."
  echo
  echo "| requests | connections | requests/s | lookups/s | p50 ms | p99 ms | max ms | errors |"
  echo "|---|---|---|---|---|---|---|---|"
  for c in 4 8 16; do row "$($L "$S" 127.0.0.1:$PORT "$TOKEN" "$MK" single $c 10)" "GET /v1/users/{id}?market="; done
  row "$($L "$S" 127.0.0.1:$PORT "$TOKEN" "$MK" batch 4 10 100)" "POST /v1/users:batch, 100 ids"
  row "$($L "$S" 127.0.0.1:$PORT "$TOKEN" "$MK" healthz 8 10)" "GET /healthz (no lookup)"
  INDEXED="$(memory)"; stop
  start --no-rank-index; NOINDEX_LOAD=$LOAD_S
  row "$($L "$S" 127.0.0.1:$PORT "$TOKEN" "$MK" single 8 10)" "GET /v1/users/{id}?market=, \`--no-rank-index\`"
  NOINDEX="$(memory)"; stop
  echo
  echo "Server memory: with the rank index $INDEXED; with \`--no-rank-index\` $NOINDEX (loaded in ${NOINDEX_LOAD} s)."
done
