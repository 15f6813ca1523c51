#!/usr/bin/env python3
"""Rewires a fraction of a follow file's lines, for warm-start benchmarks.

    scripts/perturb_edges.py IN.tsv OUT.tsv --fraction 0.01 [--seed 1]

Each chosen line keeps its follower and gets a followee drawn uniformly from
the followees of the file (so the user set does not change and a follow may
repeat), which is what a day of follows and unfollows looks like to the
ranking: the same users, a small share of the edges moved. Deterministic for
a seed. Header-less `follower<TAB>followee[<TAB>weight]` text only.
"""
import argparse

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--fraction", type=float, required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with open(a.src, "rb") as f:
        lines = f.read().splitlines()
    n = len(lines)
    rng = np.random.default_rng(a.seed)
    chosen = rng.choice(n, size=int(round(n * a.fraction)), replace=False)
    donors = rng.integers(0, n, size=len(chosen))
    moved = 0
    for i, d in zip(chosen, donors):
        if lines[i].startswith(b"#") or lines[d].startswith(b"#"):
            continue  # comments (the generator's header) stay as they are
        moved += 1
        parts = lines[i].split(b"\t")
        parts[1] = lines[d].split(b"\t")[1]
        lines[i] = b"\t".join(parts)
    with open(a.dst, "wb") as f:
        f.write(b"\n".join(lines) + b"\n")
    print(f"{a.dst}: {moved} of {n} lines rewired (seed {a.seed})")


if __name__ == "__main__":
    main()
