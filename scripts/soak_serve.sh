#!/usr/bin/env bash
# Soak test of `marketrank serve` (issue 19): 8 keep-alive clients look
# users up for SECONDS while another snapshot is renamed over the served
# path every EVERY seconds (alternately A and B, hard links beside them:
# what a nightly job's `mv` does). Reports failed requests, swaps seen by
# the server, and its resident memory sampled every 2 s: per minute, the
# lowest (between swaps: what stays) and the highest (a new snapshot loaded
# beside the old one). Flat means neither grows from minute to minute.
#
# usage: scripts/soak_serve.sh SNAPSHOT_A SNAPSHOT_B MARKET [SECONDS [EVERY]]
# A and B must hold the same users (B: the same graph ranked with other
# parameters), so that every id the client asks for exists in both.
set -euo pipefail
A=${1:?snapshot A}; B=${2:?snapshot B}; MK=${3:?market}
SECS=${4:-600}; EVERY=${5:-10}
cargo build --release -q --bins --examples
W=$(mktemp -d "$(dirname "$(realpath "$A")")/soak.XXXXXX"); SRV=; CLIENT=; SAMPLER=
trap 'kill $SRV $CLIENT $SAMPLER 2>/dev/null; rm -rf "$W"' EXIT
link() { ln -f "$1" "$2" 2>/dev/null || cp "$1" "$2"; }
link "$A" "$W/a.snap"; link "$B" "$W/b.snap"; link "$W/a.snap" "$W/served.snap"
TOKEN=soak-token-$(date +%s%N); echo "$TOKEN" > "$W/tokens"; chmod 600 "$W/tokens"
PORT=$((30000 + RANDOM % 20000))
target/release/marketrank serve --snapshot "$W/served.snap" --listen 127.0.0.1:$PORT \
  --tokens "$W/tokens" --poll 1 2>"$W/serve.log" &
SRV=$!
until curl -sf 127.0.0.1:$PORT/healthz >/dev/null; do sleep 0.2; done
metric() { curl -s -H "Authorization: Bearer $TOKEN" 127.0.0.1:$PORT/metrics | awk -v m="$1" '$1==m{print $2}'; }
rss() { awk '/VmRSS/{printf "%.0f", $2/1024}' /proc/$SRV/status; }
echo "\`scripts/soak_serve.sh $A $B $MK $SECS $EVERY\` at git $(git rev-parse --short HEAD), $(lscpu | sed -n 's/^Model name: *//p') x $(nproc) cores, started $(date -u +%FT%TZ)"
target/release/examples/load "$A" 127.0.0.1:$PORT "$TOKEN" "$MK" single 8 "$SECS" > "$W/load.json" &
CLIENT=$!
T0=$(date +%s); N=0
( while :; do echo "$(( $(date +%s) - T0 )) $(rss)"; sleep 2; done ) > "$W/rss.txt" &
SAMPLER=$!
while kill -0 $CLIENT 2>/dev/null && (( $(date +%s) - T0 < SECS - EVERY )); do
  sleep "$EVERY"
  N=$((N + 1))
  if (( N % 2 )); then next=b; else next=a; fi
  link "$W/$next.snap" "$W/next.snap" && mv "$W/next.snap" "$W/served.snap"
done
wait $CLIENT; CLIENT=
sleep $((EVERY > 8 ? EVERY : 8)); kill $SAMPLER; SAMPLER=
python3 - "$(cat "$W/load.json")" "$N" "$(metric marketrank_snapshot_swaps_total)" \
  "$(metric marketrank_snapshot_swap_failures_total)" "$(awk '/VmHWM/{printf "%.0f", $2/1024}' /proc/$SRV/status)" "$W/rss.txt" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); renames, swaps, failures, peak = sys.argv[2:6]
samples = [tuple(map(int, l.split())) for l in open(sys.argv[6]) if len(l.split()) == 2]
print(f"- {r['requests']:,} lookups in {r['seconds']:.0f} s ({r['requests_per_s']:,.0f}/s), "
      f"failed (not 200): {r['errors']}; p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms, max {r['max_ms']:.1f} ms")
print(f"- renames: {renames}; swaps the server counted: {swaps}; swap failures: {failures}")
minutes = {}
for t, mb in samples:
    minutes.setdefault(t // 60, []).append(mb)
print(f"- resident MB ({len(samples)} samples, every 2 s; peak VmHWM {peak} MB), per minute lowest / highest:")
print("  " + ", ".join(f"{m + 1}: {min(v)} / {max(v)}" for m, v in sorted(minutes.items())))
PY
echo "- server log: $(grep -c 'swapped in' "$W/serve.log" || true) swapped-in lines, $(grep -vc 'swapped in' "$W/serve.log" || true) other lines:"
grep -v 'swapped in' "$W/serve.log" | sed 's/^/    /' | head -5
