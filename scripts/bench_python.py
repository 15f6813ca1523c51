#!/usr/bin/env python3
"""The Python package's costs (issue 21), side by side with the peers.

    python3 scripts/bench_python.py WORKDIR [--runs 3]

WORKDIR/big (10M users x 16 topics + _global) and WORKDIR/mid (1M users,
20M follows, 16 topics) are made with ../shared/bench/gen_follow_graph.py
and `marketrank rank` when missing. Measures, each in a fresh process and
RUNS times (best, median):

* `Snapshot(path)` + `scores(m)` on the 10M snapshot, and the resident
  memory before and after taking every market's view;
* `to_polars(markets=["tech"])` of one market at 10M users;
* `rank()` from a 20M-row polars DataFrame vs `marketrank rank` on the same
  follows as TSV (same parameters: the defaults), and the peers' Python
  calls on the same graph: igraph `personalized_pagerank` and NetworKit
  `PageRank` (one market each; marketrank ranks 17), NetworkX `pagerank`
  on a 2M-follow prefix (the 20M graph does not fit NetworkX in 24 GB).

Prints Markdown tables, the commit and the CPU model.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import textwrap

ROOT = pathlib.Path(__file__).resolve().parents[1]
GEN = pathlib.Path(os.environ.get("GEN", ROOT.parent / "shared/bench/gen_follow_graph.py"))
BIN = pathlib.Path(os.environ.get("MARKETRANK", ROOT / "target/release/marketrank"))


def sh(*args, **kw):
    return subprocess.run([str(a) for a in args], check=True, **kw)


def graph(work: pathlib.Path, name: str, users: int, degree: float) -> tuple[pathlib.Path, pathlib.Path]:
    d = work / name
    if not (d / "edges.tsv").exists():
        sh(sys.executable, GEN, "--users", users, "--avg-degree", degree, "--topics", 16, "--seed", 7, "--out", d, stdout=subprocess.DEVNULL)
    if not (d / "scores.snap").exists():
        sh(BIN, "rank", "--edges", d / "edges.tsv", "--topics", d / "topics.tsv", "--out", d / "scores.snap", "-q")
    return d, d / "scores.snap"


def child(code: str, **env) -> dict:
    """Runs `code` in a fresh interpreter; it prints one JSON object."""
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True, text=True,
                         env={**os.environ, **{k: str(v) for k, v in env.items()}})
    return json.loads(out.stdout.strip().splitlines()[-1])


OPEN = """
import json, os, time, resource
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
import numpy, polars, marketrank as mr
t0 = time.perf_counter(); snap = mr.Snapshot(os.environ["SNAP"]); t1 = time.perf_counter()
a = snap.scores("tech"); t2 = time.perf_counter()
before = rss()
views = [snap.scores(m) for m in snap.markets]
after = rss()
t3 = time.perf_counter(); df = snap.to_polars(markets=["tech"]); t4 = time.perf_counter()
print(json.dumps({"open": t1 - t0, "scores": t2 - t1, "rss_growth": after - before, "to_polars": t4 - t3, "rows": df.height}))
"""

RANK_DF = """
import json, os, time
import polars as pl, marketrank as mr
d = os.environ["DIR"]
e = pl.read_csv(d + "/edges.tsv", separator="\\t", has_header=False, comment_prefix="#", new_columns=["follower", "followee"], schema_overrides={"follower": pl.Int64, "followee": pl.Int64})
t = pl.read_csv(d + "/topics.tsv", separator="\\t", has_header=False, comment_prefix="#", new_columns=["user", "topic"], schema_overrides={"user": pl.Int64, "topic": pl.Utf8})
t0 = time.perf_counter(); snap = mr.rank(e, t); t1 = time.perf_counter()
print(json.dumps({"rank_df": t1 - t0, "rows": e.height, "markets": len(snap.markets)}))
"""

PEERS = """
import json, os, time
import numpy as np, polars as pl
d = os.environ["DIR"]; which = os.environ["PEER"]
e = pl.read_csv(d + "/edges.tsv", separator="\\t", has_header=False, comment_prefix="#", new_columns=["a", "b"], schema_overrides={"a": pl.Int64, "b": pl.Int64})
t = pl.read_csv(d + "/topics.tsv", separator="\\t", has_header=False, comment_prefix="#", new_columns=["user", "topic"], schema_overrides={"user": pl.Int64, "topic": pl.Utf8})
n = int(max(e["a"].max(), e["b"].max(), t["user"].max())) + 1
seeds = t.filter(pl.col("topic") == "tech")["user"].to_numpy()
if which == "networkx":
    e = e.head(2_000_000); n = int(max(e["a"].max(), e["b"].max())) + 1; seeds = seeds[seeds < n]
src, dst = e["a"].to_numpy(), e["b"].to_numpy()
t0 = time.perf_counter()
if which == "igraph":
    import igraph as ig
    g = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=True)
    t1 = time.perf_counter()
    g.personalized_pagerank(damping=0.85, reset_vertices=seeds.tolist())
elif which == "networkit":
    import networkit as nk
    g = nk.GraphFromCoo((np.ones(len(src)), (src.astype(np.uint64), dst.astype(np.uint64))), n=n, directed=True, weighted=False)
    t1 = time.perf_counter()
    pr = nk.centrality.PageRank(g, damp=0.85, tol=1e-6); pr.run()
else:
    import networkx as nx
    g = nx.DiGraph(); g.add_nodes_from(range(n)); g.add_edges_from(zip(src.tolist(), dst.tolist()))
    t1 = time.perf_counter()
    nx.pagerank(g, alpha=0.85, personalization={int(s): 1.0 for s in seeds}, tol=1e-6)
t2 = time.perf_counter()
print(json.dumps({"build": t1 - t0, "pagerank": t2 - t1, "follows": len(src)}))
"""


def cli_rank(d: pathlib.Path) -> float:
    import time
    t0 = time.perf_counter()
    sh(BIN, "rank", "--edges", d / "edges.tsv", "--topics", d / "topics.tsv", "--out", d / "cli.snap", "-q")
    return time.perf_counter() - t0


def best_median(xs):
    return min(xs), statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work", type=pathlib.Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peers", default="igraph,networkit,networkx")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"commit {commit}, {cpu}, {os.cpu_count()} cores, {a.runs} runs each (best / median)\n")

    big_dir, big = graph(a.work, "big", 10_000_000, 8)
    runs = [child(OPEN, SNAP=big) for _ in range(a.runs)]
    print("| 10M users x 17 markets | best | median |\n|---|---:|---:|")
    for key, label, scale, unit in [("open", "`Snapshot(path)`", 1e3, "ms"), ("scores", "`scores(m)`", 1e3, "ms"),
                                    ("to_polars", "`to_polars(markets=['tech'])` (10M rows)", 1, "s")]:
        b, m = best_median([r[key] * scale for r in runs])
        print(f"| {label} | {b:.3f} {unit} | {m:.3f} {unit} |")
    g = [r["rss_growth"] / 2**20 for r in runs]
    print(f"| resident memory grown by taking all 17 views | {min(g):.2f} MiB | {statistics.median(g):.2f} MiB |")
    print(f"\n(snapshot {big.stat().st_size / 2**30:.2f} GiB)\n")

    mid_dir, _ = graph(a.work, "mid", 1_000_000, 20)
    cli, df = [], []
    for _ in range(a.runs):
        cli.append(cli_rank(mid_dir))
        df.append(child(RANK_DF, DIR=mid_dir)["rank_df"])
    print("| 1M users, 20M follows, default run (16 topics + _global) | best s | median s | vs CLI (best) |\n|---|---:|---:|---:|")
    cb, cm = best_median(cli)
    db, dm = best_median(df)
    print(f"| `marketrank rank` (TSV files, whole process) | {cb:.2f} | {cm:.2f} | 1.00 |")
    print(f"| `mr.rank(polars DataFrame)` (frame already read) | {db:.2f} | {dm:.2f} | {db / cb:.2f} |")
    for peer in [p for p in a.peers.split(",") if p]:
        try:
            rs = [child(PEERS, DIR=mid_dir, PEER=peer) for _ in range(a.runs)]
        except subprocess.CalledProcessError as e:
            print(f"| {peer} | failed: {e.stderr.strip().splitlines()[-1] if e.stderr else e} | | |")
            continue
        tot = [r["build"] + r["pagerank"] for r in rs]
        tb, tm = best_median(tot)
        follows = rs[0]["follows"]
        what = "1 market" + ("" if follows > 10_000_000 else f", first {follows / 1e6:.0f}M follows")
        print(f"| {peer} (build {min(r['build'] for r in rs):.2f} s + pagerank {min(r['pagerank'] for r in rs):.2f} s; {what}) | {tb:.2f} | {tm:.2f} | {tb / cb:.2f} |")


if __name__ == "__main__":
    main()
