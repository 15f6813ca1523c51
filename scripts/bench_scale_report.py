#!/usr/bin/env python3
"""Turns the logs of scripts/bench_scale.sh DIR into the markdown table of
BENCHMARKS.md's twitter-2010-scale section. Every figure is read from the
logs; a missing one prints as "-".

usage: scripts/bench_scale_report.py DIR
"""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_report import duration_s as dur  # noqa: E402  (Rust Duration text -> s)

d = Path(sys.argv[1])


def text(name):
    p = d / name
    return p.read_text(errors="replace") if p.exists() else ""


def wall_and_peak(log):
    wall = re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", log)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", log)
    w = None
    if wall:
        parts = [float(x) for x in wall.group(1).split(":")]
        w = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return w, (int(peak.group(1)) / 1024 / 1024 if peak else None)


def f(x, fmt="{:.1f}"):
    return "-" if x is None else fmt.format(x)


gen, ing, rank = text("gen.log"), text("ingest.log"), text("rank.log")
probe = text("probe.log")
sizes = {Path(l.split()[1]).name: int(l.split()[0]) for l in text("sizes.log").splitlines() if l.strip()}

print("```")
print(text("machine.log").strip())
print("```")
print()
m = re.search(r"wrote .*?: (\d+) users, (\d+) follow lines in (\d+) files", gen)
if m:
    print(f"Generated: {int(m.group(1)):,} users, {int(m.group(2)):,} follow lines in {m.group(3)} `.tsv.gz` shards "
          f"({sizes.get('follows', 0) / 1e9:.2f} GB), graph cache {sizes.get('graph.mrg', 0) / 1e9:.2f} GB.")
m = re.search(r"wrote .*?: (\d+) users, (\d+) follows, (\d+) topics", ing)
if m:
    print(f"Ingested: {int(m.group(1)):,} users, {int(m.group(2)):,} follows after merging repeats and dropping self-follows, {m.group(3)} topics.")
print()
print("| step | wall s | peak RSS GiB | detail |")
print("|---|---|---|---|")
w, p = wall_and_peak(gen)
m = re.search(r"follows ([\d.]+) s, cache \S+ ([\d.]+) s", gen)
print(f"| generate (text + cache) | {f(w)} | {f(p, '{:.2f}')} | follow files {m.group(1) if m else '-'} s, cache build+write {m.group(2) if m else '-'} s |")
w, p = wall_and_peak(ing)
m = re.search(r"parse\+build (\S+?)(?: \((\d+) follows spilled[^)]*\))?, write (\S+?);", ing)
detail = "-"
if m:
    detail = f"parse+build {f(dur(m.group(1)))} s, {int(m.group(2) or 0):,} follows spilled, cache write {f(dur(m.group(3)))} s"
print(f"| ingest text -> cache | {f(w)} | {f(p, '{:.2f}')} | {detail} |")
w, p = wall_and_peak(rank)
load = re.search(r"; load (\S+), rank (\S+), write (\S+);", rank)
trust = re.search(r"trust: (\d+) steps in (\S+), walk graph in (\S+)", rank)
iters = re.search(r"ranked (\d+) markets in (\d+) iterations, (\S+)", rank)
out_walk = re.search(r"(\d+) follows out of the walk", rank)
print(f"| rank from cache (default + accounts) | {f(w)} | {f(p, '{:.2f}')} | "
      + (f"load {f(dur(load.group(1)))} s, rank {f(dur(load.group(2)))} s, snapshot write {f(dur(load.group(3)))} s" if load else "-")
      + " |")
print()
if trust:
    print(f"- trust step: {trust.group(1)} steps in {f(dur(trust.group(2)))} s, walk graph in {f(dur(trust.group(3)))} s"
          + (f" ({int(out_walk.group(1)):,} follows out of the walk)" if out_walk else ""))
sweeps = None
if iters:
    sweeps = int(iters.group(2))
    per = dur(iters.group(3)) / sweeps if dur(iters.group(3)) else None
    print(f"- sweeps: {sweeps} for {iters.group(1)} markets; rank step {f(dur(iters.group(3)))} s in all, "
          f"{f(per, '{:.2f}')} s a sweep on average (the step includes the trust step and the earned-teleport set-up)")
pm = re.search(r"probe_s_per_sweep=([\d.]+)", probe)
its = re.findall(r"iteration (\d+): .*?\(([\d.]+(?:ms|s|µs))\)", rank)
if its and len(its) > 2:
    cum = [dur(t) for _, t in its]
    diffs = [b - a for a, b in zip(cum, cum[1:])]
    diffs.sort()
    med = diffs[len(diffs) // 2]
    print(f"- per sweep (median of the gaps between iteration lines): {med:.2f} s"
          + (f"; gather floor (`gather_probe`, 16-wide rows over the full graph): {float(pm.group(1)):.2f} s, ratio {med / float(pm.group(1)):.2f}" if pm else ""))
if "scale.snap" in sizes:
    print(f"- snapshot size: {sizes['scale.snap'] / 1e9:.2f} GB")
