#!/usr/bin/env bash
# Publishing into PostgreSQL (issue 23): `marketrank publish` of a snapshot
# (binary COPY into a staging table, two indexes, ANALYZE, the swap) side
# by side, in one run, with what a team would script by hand: `marketrank
# export` to CSV, then `psql \copy` into a table, then the same indexes.
#
#   scripts/bench_publish.sh SNAPSHOT [ROUNDS]
#
# Starts a throwaway PostgreSQL cluster (initdb in a temporary directory,
# loopback port 55432, as `nobody` when run as root; fsync on, the
# server's defaults otherwise) and stops it at the end. Prints one line per
# round and step: seconds and rows/s.
set -euo pipefail
snap=${1:?usage: scripts/bench_publish.sh SNAPSHOT [ROUNDS]}
rounds=${2:-3}
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/marketrank
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
chmod 755 "$work"
run_as=()
if [ "$(id -u)" = 0 ]; then chown nobody "$work"; run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --); fi
"${run_as[@]}" "$pgbin/initdb" -D "$work/data" -U bench --auth=trust -E UTF8 --no-locale >/dev/null
"${run_as[@]}" "$pgbin/pg_ctl" -D "$work/data" -l "$work/log" -w \
  -o "-p 55432 -c listen_addresses=127.0.0.1 -k $work -c max_wal_size=8GB" start >/dev/null
trap '"${run_as[@]}" "$pgbin/pg_ctl" -D "$work/data" -m fast stop >/dev/null; rm -rf "$work"' EXIT
url=postgres://bench@127.0.0.1:55432/postgres
psql=(psql -X -q -v ON_ERROR_STOP=1 "$url")
{ echo "commit $(git rev-parse --short HEAD)"; lscpu | grep 'Model name'; nproc; "$pgbin/postgres" --version; } >&2
csv=$work/scores.csv
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$@"; }
now() { date +%s.%N; }
for r in $(seq 1 "$rounds"); do
  t0=$(now)
  "$bin" publish "$snap" --postgres "$url" --table influence 2> "$work/publish.err"
  t1=$(now)
  rows=$("${psql[@]}" -At -c 'SELECT count(*) FROM influence')
  echo "round $r publish: $(secs "$t0" "$t1") s, $rows rows, $(python3 -c "print(round($rows / ($t1 - $t0)))") rows/s; $(sed 's/.* in \([0-9.]* s (copy.*)\).*/\1/' "$work/publish.err")"
  t0=$(now)
  "$bin" export "$snap" --out "$csv" 2>/dev/null
  t1=$(now)
  "${psql[@]}" -c 'DROP TABLE IF EXISTS by_hand; CREATE TABLE by_hand ("user" text, market text, score float8, rank bigint, percentile float8, followers bigint, influence float8, global_rank bigint, lift float8)'
  t2=$(now)
  "${psql[@]}" -c "\\copy by_hand FROM '$csv' (FORMAT csv, HEADER)"
  t3=$(now)
  "${psql[@]}" -c 'CREATE INDEX ON by_hand ("user"); CREATE INDEX ON by_hand (market, rank); ANALYZE by_hand'
  t4=$(now)
  echo "round $r by hand: export CSV $(secs "$t0" "$t1") s, psql \\copy $(secs "$t2" "$t3") s ($(python3 -c "print(round($rows / ($t3 - $t2)))") rows/s), indexes+analyze $(secs "$t3" "$t4") s; total $(secs "$t0" "$t4") s"
done
