"""Reads a marketrank snapshot with numpy alone, following
docs/snapshot-format.md, and checks that the CSV and JSON Lines exports read
back by polars and DuckDB carry the same values with the right types.

Usage: python3 tests/py/roundtrip.py SNAPSHOT LONG.csv LONG.jsonl WIDE.csv LONG.parquet WIDE_TOP.parquet
(WIDE_TOP.parquet: `export --wide --top 10 --format parquet`, so it has nulls.)
Exits non-zero with a message on the first mismatch.
"""
import json
import struct
import sys

import duckdb
import numpy as np
import polars as pl

snap, long_csv, long_jsonl, wide_csv, long_pq, wide_pq = sys.argv[1:7]

# --- the snapshot, from the format document only ---
b = np.memmap(snap, dtype=np.uint8, mode="r")
magic, major, minor, dtype, n, k, flen, tab, nsec = struct.unpack_from("<8sHHIQQQQQ", b, 0)
assert magic == b"MKTRANK\0" and major == 1 and flen == len(b), (magic, major, flen, len(b))
sec = {}
for i in range(nsec):
    kind, _, off, ln, _ = struct.unpack_from("<IIQQQ", b, tab + 32 * i)
    sec[kind] = (off, ln)
meta = json.loads(bytes(b[sec[1][0]:sec[1][0] + sec[1][1]]))
markets = [m["name"] for m in meta["markets"]]
id_off = np.frombuffer(b, dtype="<u8", count=n + 1, offset=sec[2][0])
id_bytes = bytes(b[sec[3][0]:sec[3][0] + sec[3][1]])
ids = [id_bytes[id_off[i]:id_off[i + 1]].decode() for i in range(n)]
followers = np.frombuffer(b, dtype="<u4", count=n, offset=sec[4][0])
scores = np.frombuffer(b, dtype="<f4" if dtype == 1 else "<f8", count=n * k, offset=sec[5][0]).reshape(n, k)
order = np.frombuffer(b, dtype="<u4", count=n * k, offset=sec[6][0]).reshape(k, n)
for m in range(k):
    assert np.all(np.diff(scores[order[m], m].astype(np.float64)) <= 0), f"order of {markets[m]}"
    assert abs(scores[:, m].astype(np.float64).sum() - 1) < 1e-4, f"{markets[m]} sums to 1"
want = {(ids[u], markets[m]): float(scores[u, m]) for u in range(n) for m in range(k)}
fol = {ids[u]: int(followers[u]) for u in range(n)}

def check_long(df, source):
    assert df.height == n * k, (source, df.height)
    schema = dict(df.schema)
    assert schema["user"] == pl.String and schema["market"] == pl.String, (source, schema)
    assert schema["score"] == pl.Float64 and schema["percentile"] == pl.Float64, (source, schema)
    assert schema["rank"] in (pl.Int64, pl.UInt64, pl.Int32) and schema["followers"] in (pl.Int64, pl.UInt64, pl.Int32), (source, schema)
    for user, market, score, rank, followers_ in df.select("user", "market", "score", "rank", "followers").iter_rows():
        w = want[(user, market)]
        assert abs(score - w) <= 1e-12 + 1e-7 * abs(w), (source, user, market, score, w)
        assert followers_ == fol[user], (source, user)
        assert rank >= 1
    print(f"{source}: {df.height} rows match the snapshot")

check_long(pl.read_csv(long_csv), "polars CSV")
check_long(pl.read_ndjson(long_jsonl), "polars JSON Lines")

con = duckdb.connect()
types = dict(con.execute(f"DESCRIBE SELECT * FROM read_csv_auto('{long_csv}')").fetchall()[i][0:2] for i in range(9))
assert types["user"] == "VARCHAR" and types["market"] == "VARCHAR" and types["score"] == "DOUBLE", types
assert types["rank"] in ("BIGINT", "INTEGER") and types["followers"] in ("BIGINT", "INTEGER"), types
rows = con.execute(f"SELECT user, market, score, followers FROM read_csv_auto('{long_csv}')").fetchall()
assert len(rows) == n * k
for user, market, score, followers_ in rows:
    w = want[(user, market)]
    assert abs(score - w) <= 1e-12 + 1e-7 * abs(w), ("duckdb", user, market, score, w)
    assert followers_ == fol[user]
top = con.execute(f"SELECT user FROM read_csv_auto('{long_csv}') WHERE market = 'fashion' ORDER BY rank LIMIT 1").fetchone()[0]
assert top == ids[order[markets.index("fashion"), 0]], top
print(f"DuckDB CSV: {len(rows)} rows match the snapshot; fashion #1 is {top}")

wide = pl.read_csv(wide_csv)
assert wide.height == n, wide.height
for market in markets:
    col = wide[f"{market}_score"].to_list()
    for user, s in zip(wide["user"].to_list(), col):
        w = want[(user, market)]
        assert abs(s - w) <= 1e-12 + 1e-7 * abs(w), ("wide", user, market)
print(f"polars wide CSV: {wide.height} users x {len(markets)} markets match")

# --- Parquet: typed columns in polars and DuckDB ---
lp = pl.read_parquet(long_pq)
assert dict(lp.schema)["followers"] == pl.UInt64, lp.schema
assert dict(lp.schema)["rank"] == pl.Int64 and dict(lp.schema)["global_rank"] == pl.Int64, lp.schema
assert dict(lp.schema)["influence"] == pl.Float64 and dict(lp.schema)["lift"] == pl.Float64, lp.schema
check_long(lp, "polars Parquet")
csv_rows = pl.read_csv(long_csv).sort("market", "rank", "user")
pq_rows = lp.sort("market", "rank", "user")
assert csv_rows["rank"].to_list() == pq_rows["rank"].to_list(), "ranks equal in CSV and Parquet"
assert csv_rows["global_rank"].to_list() == pq_rows["global_rank"].to_list()

types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{long_pq}')").fetchall()}
assert types["user"] == "VARCHAR" and types["market"] == "VARCHAR", types
assert types["score"] == "DOUBLE" and types["percentile"] == "DOUBLE", types
assert types["rank"] == "BIGINT" and types["followers"] == "UBIGINT", types
rows = con.execute(f"SELECT user, market, score, followers FROM read_parquet('{long_pq}')").fetchall()
assert len(rows) == n * k, len(rows)
for user, market, score, followers_ in rows:
    w = want[(user, market)]
    assert score == w, ("duckdb parquet: scores are stored as float64, bit for bit", user, market, score, w)
    assert followers_ == fol[user]
top = con.execute(f"SELECT user FROM read_parquet('{long_pq}') WHERE market = 'fashion' ORDER BY rank, user LIMIT 1").fetchone()[0]
assert top == ids[order[markets.index("fashion"), 0]], top
print(f"DuckDB Parquet: {len(rows)} rows match the snapshot; types {types['followers']}, {types['rank']}")

wp = pl.read_parquet(wide_pq)
for market in markets:
    col = wp[f"{market}_score"]
    assert col.dtype == pl.Float64 and wp[f"{market}_rank"].dtype == pl.Int64
    present = col.drop_nulls()
    assert len(present) == 10, (market, len(present))
    for user, s in zip(wp["user"].to_list(), col.to_list()):
        if s is not None:
            assert s == want[(user, market)], ("wide parquet", user, market)
    best = wp.filter(pl.col(f"{market}_rank") == 1)["user"].to_list()
    assert ids[order[markets.index(market), 0]] in best, (market, best)
assert wp.height == wp["user"].n_unique() and wp.null_count().sum_horizontal()[0] > 0
print(f"polars wide Parquet (--top 10): {wp.height} users, nulls where a market left a user out")
