#!/usr/bin/env python3
"""Exact topic-personalised PageRank reference scores for a dataset directory.

Usage: python3 scripts/reference_tspr.py DATASET_DIR OUT.tsv.gz [--verify]

--verify also (a) compares with DATASET_DIR/expected_tspr_exact.tsv when present
(max abs diff per topic, must be <= 1e-12) and (b) cross-checks every topic
against networkx.pagerank(G, alpha=0.85, personalization=..., tol=1e-12,
max_iter=10000): networkx stops once the L1 step is < N*tol, so its L1 error
is below N*tol*alpha/(1-alpha) (<= 1e-8 for N <= 1764; 4.1e-8 for ciao), which
is the bound checked per topic.  Exits 1 on any failure.

DATASET_DIR holds edges.tsv (`src<TAB>dst`, '#' comment lines skipped; influence
flows src -> dst) and topics.tsv (`node<TAB>topic`, one line per tag).

Model (NetworkX `pagerank` semantics, dangling=None, alpha = 0.85):
    x = alpha * (x P + (x . d) p) + (1 - alpha) p
  nodes  = every id in edges.tsv or topics.tsv; self loops dropped, duplicate
           edges counted once; P = out-degree-normalised adjacency,
           d = indicator of dangling (out-degree 0) nodes,
  p      = uniform over the distinct nodes tagged with the topic, or, for the
           extra topic `_global`, uniform over all nodes.
Solved directly, no iteration: y = spsolve(I - alpha P^T, p) (SuperLU, one
factorisation for all topics), x = (1 - alpha) y / (1 - alpha d.y)
(Sherman-Morrison for the rank-one dangling term). float64, error ~1e-15;
nodes unreachable from the seeds score exactly 0.

Output (gzip, deterministic: mtime 0, no file name): a '#' header, then
`node<TAB>topic<TAB>score` ('%.17g') for every node x every topic, zeros
included, sorted by topic then node id (plain string order).
"""
import gzip
import io
import platform
import sys

import networkx
import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as spla

ALPHA = 0.85
GLOBAL = "_global"


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                a, b = line.rstrip("\n").split("\t")
                yield a, b


def verify(ddir, nodes, edges, seeds, topics, x):
    ok = True
    try:
        exp = {(n, t): float(v) for n, t, v in
               (l.rstrip("\n").split("\t") for l in open(f"{ddir}/expected_tspr_exact.tsv") if not l.startswith("#"))}
    except FileNotFoundError:
        exp = None
    G = networkx.DiGraph()
    G.add_nodes_from(nodes)
    G.add_edges_from(edges)
    bound = len(nodes) * 1e-12 * ALPHA / (1 - ALPHA)
    for k, t in enumerate(topics):
        col = dict(zip(nodes, x[:, k]))
        msg = f"  {t:<35}"
        if exp is not None and t != GLOBAL:
            keys = [key for key in exp if key[1] == t]
            d = max(abs(exp[key] - col[key[0]]) for key in keys)
            ok &= d <= 1e-12 and len(keys) == len(nodes)
            msg += f" expected_tspr_exact: {len(keys)} rows, max|diff| {d:.2e}"
        nx = networkx.pagerank(G, alpha=ALPHA, personalization={n: 1.0 for n in seeds[t]},
                               tol=1e-12, max_iter=10000)
        l1 = sum(abs(nx[n] - col[n]) for n in nodes)
        ok &= l1 <= bound
        print(msg + f"  networkx(tol=1e-12) L1 {l1:.2e} (bound {bound:.1e}), "
              f"max|diff| {max(abs(nx[n] - col[n]) for n in nodes):.2e}")
    print("verify:", "OK" if ok else "FAILED")
    if not ok:
        sys.exit(1)


def main(ddir, out, check=False):
    edges = sorted({(s, t) for s, t in read_tsv(f"{ddir}/edges.tsv") if s != t})
    seeds = {}
    for n, t in read_tsv(f"{ddir}/topics.tsv"):
        seeds.setdefault(t, set()).add(n)
    nodes = sorted({n for e in edges for n in e} | {n for s in seeds.values() for n in s})
    idx = {n: i for i, n in enumerate(nodes)}
    N = len(nodes)
    seeds[GLOBAL] = set(nodes)
    topics = sorted(seeds)

    r = np.array([idx[s] for s, _ in edges], dtype=np.int64)
    c = np.array([idx[t] for _, t in edges], dtype=np.int64)
    A = sp.csr_matrix((np.ones(len(edges)), (r, c)), shape=(N, N))
    outdeg = np.asarray(A.sum(axis=1)).ravel()
    dang = (outdeg == 0).astype(float)
    P = sp.diags(np.divide(1.0, outdeg, out=np.zeros(N), where=outdeg > 0)) @ A
    B = (sp.identity(N, format="csc") - ALPHA * P.T.tocsc()).tocsc()

    p = np.zeros((N, len(topics)))
    for k, t in enumerate(topics):
        for n in seeds[t]:
            p[idx[n], k] = 1.0
    p /= p.sum(axis=0)
    y = spla.spsolve(B, p).reshape(N, len(topics))
    x = (1 - ALPHA) * y / (1 - ALPHA * (dang @ y)) + 0.0  # + 0.0: no "-0"

    # self-check: residual of the fixed-point equation and sums
    resid = x - (ALPHA * (P.T @ x + np.outer(np.ones(N), dang @ x) * p) + (1 - ALPHA) * p)
    print(f"{ddir}: {N} nodes, {len(edges)} edges, {len(topics)} topics (incl. {GLOBAL}); "
          f"max|residual| {np.abs(resid).max():.2e}, max|sum-1| {np.abs(x.sum(axis=0) - 1).max():.2e}, "
          f"min score {x.min():.3g}", file=sys.stderr)

    raw = open(out, "wb")
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz, \
            io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as f:
        name = ddir.rstrip("/").split("/")[-1]
        f.write(f"# exact topic-personalised PageRank reference for {name}\n")
        f.write(f"# made by: python3 scripts/reference_tspr.py <data>/{name} <out>  "
                f"(python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
                f"networkx {networkx.__version__} semantics)\n")
        f.write(f"# graph: {N} nodes (ids in edges.tsv or topics.tsv), {len(edges)} distinct non-loop edges "
                f"src->dst, {int(dang.sum())} dangling\n")
        f.write(f"# model: x = alpha*(x P + (x.d) p) + (1-alpha) p, alpha={ALPHA}, P = out-degree-normalised adjacency, "
                f"d = dangling indicator, p = uniform over distinct nodes tagged T ({GLOBAL}: uniform over all nodes); "
                f"= nx.pagerank(G, alpha={ALPHA}, personalization=..., dangling=None) at convergence\n")
        f.write("# solved: y = spsolve(I - alpha P^T, p), x = (1-alpha) y / (1 - alpha d.y) (Sherman-Morrison); "
                f"float64, max|residual| {np.abs(resid).max():.1e}; unreachable nodes exactly 0\n")
        f.write("# columns: node<TAB>topic<TAB>score ('%.17g'); sorted by topic, then node id (string order)\n")
        for k, t in enumerate(topics):
            col = x[:, k]
            f.write("".join(f"{n}\t{t}\t{col[i]:.17g}\n" for i, n in enumerate(nodes)))
    if check:
        verify(ddir, nodes, edges, seeds, topics, x)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--verify"]
    if len(args) != 2:
        sys.exit(__doc__)
    main(args[0], args[1], check="--verify" in sys.argv[1:])
