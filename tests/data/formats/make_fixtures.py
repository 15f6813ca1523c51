"""Writes the Parquet fixtures of tests/it/input_parquet.rs and their TSV
twins (see README.md here). Deterministic: run it again and the TSV files
come out byte for byte the same (the Parquet bytes depend on the writer
versions, which README.md records)."""

import random
import sys
from pathlib import Path

import duckdb
import polars as pl

out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
rng = random.Random(20)

# 40 users with integer ids: small, zero, and some above 2^53 (exact only
# as INT64, never as a double).
int_ids = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55] + [100 + 7 * i for i in range(25)] + [
    9007199254740993,
    9007199254740995,
    4000000000,
    2147483648,
    123456789012,
]
# The same users with string ids: names, a canonical number as a string
# (interns as the number 12), a non-canonical one (`007`: a string id,
# as in a text file) and a negative one.
str_ids = [f"user_{i}" if i % 3 else str(v) for i, v in enumerate(int_ids)]
str_ids[4], str_ids[7], str_ids[10] = "007", "-5", "12"

pairs = set()
while len(pairs) < 150:
    a, b = rng.randrange(40), rng.randrange(40)
    if a != b:
        pairs.add((a, b))
pairs = sorted(pairs, key=lambda p: (rng.random(), p))
weights = [round(rng.uniform(0.1, 5.0), 3) for _ in pairs]
topics = ["cooking", "fitness", "travel"]
tags = sorted({(rng.randrange(40), rng.choice(topics)) for _ in range(30)})


def tsv(name, rows):
    (out / name).write_text("".join("\t".join(map(str, r)) + "\n" for r in rows))


tsv("follows_int.tsv", [(int_ids[a], int_ids[b]) for a, b in pairs])
tsv("follows_str.tsv", [(str_ids[a], str_ids[b]) for a, b in pairs])
tsv("follows_weighted.tsv", [(int_ids[a], int_ids[b], w) for (a, b), w in zip(pairs, weights)])
tsv("topics_int.tsv", [(int_ids[u], t) for u, t in tags])
tsv("topics_str.tsv", [(str_ids[u], t) for u, t in tags])

con = duckdb.connect()
# DuckDB: one row group (it does not cut groups below 2048 rows), snappy.
con.execute(
    f"COPY (SELECT * FROM read_csv('{out}/follows_int.tsv', delim='\t', header=false,"
    " columns={'follower': 'BIGINT', 'followee': 'BIGINT'})) "
    f"TO '{out}/follows_int.duckdb.parquet' (FORMAT parquet, COMPRESSION snappy)"
)
con.execute(
    f"COPY (SELECT * FROM read_csv('{out}/follows_str.tsv', delim='\t', header=false,"
    " columns={'follower': 'VARCHAR', 'followee': 'VARCHAR'})) "
    f"TO '{out}/follows_str.duckdb.parquet' (FORMAT parquet, COMPRESSION zstd)"
)
con.execute(
    f"COPY (SELECT * FROM read_csv('{out}/topics_int.tsv', delim='\t', header=false,"
    " columns={'user': 'BIGINT', 'topic': 'VARCHAR'})) "
    f"TO '{out}/topics_int.duckdb.parquet' (FORMAT parquet)"
)
# Custom column names and a weight (DOUBLE), for --follower-col etc.
con.execute(
    f"COPY (SELECT * FROM read_csv('{out}/follows_weighted.tsv', delim='\t', header=false,"
    " columns={'who': 'BIGINT', 'whom': 'BIGINT', 'strength': 'DOUBLE'})) "
    f"TO '{out}/follows_weighted.duckdb.parquet' (FORMAT parquet)"
)

# polars: several row groups (row_group_size=40: 4 groups of follows).
fi = pl.DataFrame(
    {"src": [int_ids[a] for a, _ in pairs], "dst": [int_ids[b] for _, b in pairs]},
    schema={"src": pl.UInt64, "dst": pl.Int64},
)
fi.write_parquet(out / "follows_int.polars.parquet", row_group_size=40)
fs = pl.DataFrame({"follower_id": [str_ids[a] for a, _ in pairs], "followee_id": [str_ids[b] for _, b in pairs]})
fs.write_parquet(out / "follows_str.polars.parquet", row_group_size=40)
pl.DataFrame({"user_id": [str_ids[u] for u, _ in tags], "tag": [t for _, t in tags]}).write_parquet(
    out / "topics_str.polars.parquet", row_group_size=10
)
# Nulls: row 57 of the file (row group 2, row 17) has no follower, row 121
# (row group 4, row 1) no followee.
nf = [str_ids[a] for a, _ in pairs]
nd = [str_ids[b] for _, b in pairs]
nf[56] = None
nd[120] = None
pl.DataFrame({"follower": nf, "followee": nd}).write_parquet(
    out / "follows_nulls.polars.parquet", row_group_size=40
)

# Account history: user, created (DATE), status.
users = sorted({int_ids[a] for a, _ in pairs} | {int_ids[b] for _, b in pairs})
acc = [(u, f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", ["active", "verified", "suspended"][i % 3]) for i, u in enumerate(users)]
tsv("accounts.tsv", acc)
con.execute(
    f"COPY (SELECT * FROM read_csv('{out}/accounts.tsv', delim='\t', header=false,"
    " columns={'user': 'BIGINT', 'created': 'DATE', 'status': 'VARCHAR'})) "
    f"TO '{out}/accounts.duckdb.parquet' (FORMAT parquet)"
)

# Topic columns with names no default picks (for --user-col/--topic-col).
pl.DataFrame({"note": ["x"] * len(tags), "interest": [t for _, t in tags], "account_name": [str_ids[u] for u, _ in tags]}).write_parquet(
    out / "topics_custom.polars.parquet"
)
