#!/usr/bin/env bash
# Load test of `marketrank serve` on loopback with the in-repo client
# (examples/load.rs): single lookups at 4/8/16 connections, batches of 100,
# and /healthz as the ceiling of HTTP alone. Bounded: 10 s per run.
# Prints a markdown table; client and server share the machine's cores.
#
# usage: scripts/bench_serve.sh SNAPSHOT MARKET
set -euo pipefail
S=${1:?snapshot}; MK=${2:?market}
cargo build --release -q --bins --examples
W=$(mktemp -d); trap 'kill $SRV 2>/dev/null; rm -rf "$W"' EXIT
TOKEN=bench-token-$(date +%s%N); echo "$TOKEN" > "$W/tokens"
PORT=$((30000 + RANDOM % 20000))
target/release/marketrank serve --snapshot "$S" --listen 127.0.0.1:$PORT --tokens "$W/tokens" 2>"$W/serve.log" &
SRV=$!
until curl -sf 127.0.0.1:$PORT/healthz >/dev/null; do sleep 0.5; done
L=target/release/examples/load
echo "\`scripts/bench_serve.sh $S $MK\` on $(date -u +%FT%TZ), $(lscpu | sed -n 's/^Model name: *//p') x $(nproc) cores; snapshot $(du -h "$S" | cut -f1)B, $(curl -s 127.0.0.1:$PORT/healthz | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["users"], "users x", len(d["markets"]), "markets")'), market \`$MK\`, with bearer token."
echo
echo "| requests | connections | requests/s | lookups/s | p50 ms | p99 ms | max ms | errors |"
echo "|---|---|---|---|---|---|---|---|"
row() { python3 - "$1" "$2" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
print(f"| {sys.argv[2]} | {r['connections']} | {r['requests_per_s']:,.0f} | {r['lookups_per_s']:,.0f} | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {r['max_ms']:.1f} | {r['errors']} |")
PY
}
for c in 4 8 16; do row "$($L "$S" 127.0.0.1:$PORT "$TOKEN" "$MK" single $c 10)" "GET /v1/users/{id}?market="; done
row "$($L "$S" 127.0.0.1:$PORT "$TOKEN" "$MK" batch 4 10 100)" "POST /v1/users:batch, 100 ids"
row "$($L "$S" 127.0.0.1:$PORT "$TOKEN" "$MK" healthz 8 10)" "GET /healthz (no lookup)"
echo
echo "Server memory after the runs: $(awk '/RssFile/{f=$2} /RssAnon/{a=$2} END{printf "%.0f MB mapped from the snapshot + %.0f MB anonymous (id hash index, buffers)", f/1024, a/1024}' /proc/$SRV/status)."
