#!/usr/bin/env python3
"""Turn the raw outputs of scripts/bench.sh into BENCHMARKS.md (on stdout).

    python3 scripts/bench_report.py ${BENCH_DIR}/results > BENCHMARKS.md

Every number comes from a file under the results directory (peers.py JSON
lines, /usr/bin/time -v logs, BENCH_RESULT lines, the gather probe, the
load_phases example, the polars timing, membw.py); nothing is typed in.  A
missing or failed measurement is printed as "not measured", never guessed.
"""

from __future__ import annotations

import json
import os
import re
import sys

TARGETS = {
    "compute": "engine compute >= 10x faster than scipy float64 (same run)",
    "process": "whole engine process >= 5x faster than scipy parse+build+compute",
    "iter": "engine time per iteration <= 2x the gather-probe floor",
    "memory": "engine peak RSS <= 1.5x the data it needs",
    "parse": "engine parse+intern at least as fast as polars read_csv",
}
LIMITS = {"compute": (">=", 10.0), "process": (">=", 5.0), "iter": ("<=", 2.0),
          "memory": ("<=", 1.5), "parse": (">=", 1.0)}


# ---------------------------------------------------------------- readers

def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def read_peers(path):
    """Rows of the last peers.py run in a JSON-lines file: (rows by peer, meta)."""
    text = read(path)
    if not text:
        return {}, None
    recs = [json.loads(l) for l in text.splitlines() if l.strip()]
    runs = [r["run"] for r in recs if "run" in r]
    if not runs:
        return {}, None
    last = runs[-1]
    rows = {r["peer"]: r for r in recs if r.get("run") == last and r["peer"] != "_meta"}
    meta = next((r for r in recs if r.get("run") == last and r["peer"] == "_meta"), None)
    return rows, meta


def duration_s(text):
    """Rust Debug Duration ("99.57ms", "1.23s", "850.1µs") -> seconds."""
    m = re.match(r"\s*([0-9.]+)\s*(ns|µs|us|ms|s)\b", text)
    if not m:
        return None
    scale = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]
    return float(m.group(1)) * scale


def bench_result(text):
    if not text:
        return None
    for line in text.splitlines():
        if line.startswith("BENCH_RESULT "):
            return json.loads(line[len("BENCH_RESULT "):])
    return None


def time_v(text):
    """Fields of a /usr/bin/time -v log: wall_s, max_rss_kb, exit."""
    if not text:
        return None
    out = {}
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+)", text)
    if m:
        parts = [float(p) for p in m.group(1).split(":")]
        s = 0.0
        for p in parts:
            s = s * 60 + p
        out["wall_s"] = s
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["max_rss_kb"] = int(m.group(1))
    m = re.search(r"Exit status: (\d+)", text)
    if m:
        out["exit"] = int(m.group(1))
    m = re.search(r"Percent of CPU this job got: (\d+)%", text)
    if m:
        out["cpu_pct"] = int(m.group(1))
    out["summary"] = [l for l in text.splitlines() if l.startswith(("wrote ", "loaded ", "ranked "))]
    out["bench"] = bench_result(text)
    return out


def probe(text):
    """probe_s_per_sweep of every probe line; 'floor' = the 'probe users=' line."""
    if not text:
        return None
    out = {"lines": []}
    for line in text.splitlines():
        m = re.search(r"probe_s_per_sweep=([0-9.eE+-]+)", line)
        if not m:
            continue
        out["lines"].append((line.split("probe_s_per_sweep")[0].strip(), float(m.group(1))))
        if line.startswith("probe users="):
            out["floor"] = float(m.group(1))
            out["floor_line"] = line.strip()
            for k in ("users", "follows", "threads"):
                mm = re.search(rf"\b{k}=(\d+)", line)
                if mm:
                    out[k] = int(mm.group(1))
    return out


def load_phases(res, g):
    parse, build, whole = [], [], []
    for i in (1, 2):
        text = read(os.path.join(res, g, f"load_phases.{i}.log"))
        if not text:
            continue
        for line in text.splitlines():
            if line.startswith("parse+intern "):
                parse.append(duration_s(line[len("parse+intern "):]))
            elif line.startswith("build "):
                build.append(duration_s(line[len("build "):]))
            elif line.startswith("whole load incl. topics "):
                whole.append(duration_s(line[len("whole load incl. topics "):]))
    f = lambda xs: min(x for x in xs if x is not None) if any(x is not None for x in xs) else None
    return dict(parse=f(parse), build=f(build), whole=f(whole), parse_all=parse)


def polars(res, g):
    text = read(os.path.join(res, g, "polars.log"))
    if not text:
        return None
    for line in text.splitlines():
        if line.startswith("POLARS_RESULT "):
            return json.loads(line[len("POLARS_RESULT "):])
    return None


# ---------------------------------------------------------------- formatting

def num(v, digits=3):
    """Significant-digit formatting, '-' for missing."""
    if v is None:
        return "-"
    if isinstance(v, int):
        return f"{v:,}"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 10 ** digits:
        return f"{v:,.0f}"
    if a < 1e-3:
        return f"{v:.{digits - 1}e}"
    from math import floor, log10
    dec = max(0, digits - 1 - floor(log10(a)))
    return f"{v:.{dec}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def verdict(key, value):
    if value is None:
        return "not measured"
    op, lim = LIMITS[key]
    ok = value >= lim if op == ">=" else value <= lim
    return f"**met** ({num(value)} {op} {lim:g})" if ok else f"**NOT met** ({num(value)}, needs {op} {lim:g})"


def md_table(hdr, rows):
    out = ["| " + " | ".join(hdr) + " |", "|" + "|".join("---" for _ in hdr) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def ok(r):
    return r is not None and r.get("status") in ("ok", "not_converged")


# ---------------------------------------------------------------- report

def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    res = os.path.abspath(argv[1])
    out = []
    p = out.append
    machine = json.loads(read(os.path.join(res, "machine.json")) or "{}")
    graphs = (read(os.path.join(res, "graphs.txt")) or "").split()
    kgraph = (read(os.path.join(res, "kscale_graph.txt")) or "").strip()
    commands = [l.split("\t", 1) for l in (read(os.path.join(res, "commands.log")) or "").splitlines()
                if "\t" in l]
    failures = (read(os.path.join(res, "failures.log")) or "").strip()

    data = {}
    for g in graphs:
        rows, meta = read_peers(os.path.join(res, g, "peers.jsonl"))
        rows1, meta1 = read_peers(os.path.join(res, g, "peers_t1.jsonl"))
        data[g] = dict(rows=rows, meta=meta, rows1=rows1, meta1=meta1,
                       time=time_v(read(os.path.join(res, g, "time_rank.log"))),
                       ingest=time_v(read(os.path.join(res, g, "time_ingest.log"))),
                       cached=time_v(read(os.path.join(res, g, "time_rank_cache.log"))),
                       cache_bytes=read(os.path.join(res, g, "graph.mrg.bytes")),
                       probe=probe(read(os.path.join(res, g, "probe.log"))),
                       lp=load_phases(res, g), polars=polars(res, g))

    p("# marketrank benchmarks")
    p("")
    p("Generated by `scripts/bench.sh` and `scripts/bench_report.py` from the raw outputs in "
      f"`{res}` (peers.py JSON lines, `/usr/bin/time -v` logs, `BENCH_RESULT` lines, the "
      "gather probe, `load_phases`, polars, `membw.py`). Every number below is read from "
      "those files; a missing or failed measurement shows as `-` / \"not measured\". "
      "Ratios compare runs made in the same peers.py invocation, one after another.")
    p("")

    # -------------------------------------------------- machine
    p("## Machine")
    p("")
    mem = machine.get("mem_total_kb")
    p(f"- date: {machine.get('date', '-')}")
    p(f"- CPU: {machine.get('cpu_model', '-')}, nproc {machine.get('nproc', '-')}"
      f" (affinity {machine.get('affinity', '-')})")
    p(f"- memory: {num(mem / 1048576) if mem else '-'} GiB (MemTotal {mem:,} kB)" if mem
      else "- memory: -")
    caches = [l.strip() for l in machine.get("lscpu", "").splitlines()
              if re.match(r"\s*L[123]\w* cache", l)]
    if caches:
        p("- caches: " + "; ".join(re.sub(r"\s+", " ", c) for c in caches))
    p(f"- kernel {machine.get('kernel', '-')}, Python {machine.get('python', '-')}, "
      f"{machine.get('rustc', '-')}")
    pk = machine.get("packages", {})
    if pk:
        p("- Python packages: " + ", ".join(f"{k} {v}" for k, v in pk.items()))
    commit = machine.get("git_commit", "-")
    dirty = machine.get("git_dirty_files") or []
    p(f"- git: `{commit}` on `{machine.get('git_branch', '-')}`" +
      (f", **working tree not clean** (`git status --porcelain`: "
       f"{', '.join('`' + x.strip() + '`' for x in dirty[:15])}"
       f"{' ...' if len(dirty) > 15 else ''}; tracked changes are in `worktree.diff`)"
       if dirty else ", clean working tree"))
    versions = sorted({str(d["rows"].get("engine", {}).get("version")) for d in data.values()
                       if d["rows"].get("engine")})
    if versions:
        p(f"- engine: {', '.join(versions)}")
    threads = (read(os.path.join(res, "threads.txt")) or "").strip()
    mb = None
    text = read(os.path.join(res, "membw.log"))
    if text:
        for line in text.splitlines():
            if line.startswith("{"):
                mb = json.loads(line)
    if mb:
        t = mb["total"]
        p(f"- memory bandwidth (`membw.py`, {mb['procs']} process): read {num(t['read'])} GB/s, "
          f"copy {num(t['copy'])} GB/s, triad {num(t['triad'])} GB/s, random 8 B gathers "
          f"{num(t['gather1_Mrows_per_s'])} M rows/s, random 128 B gathers "
          f"{num(t['gather16_Mrows_per_s'])} M rows/s ({num(t['gather16'])} GB/s)")
    p("")

    # -------------------------------------------------- collect the target numbers
    summary = []
    per = {}
    for g in graphs:
        d = data[g]
        rows, rows1 = d["rows"], d["rows1"]
        sc, en = rows.get("scipy"), rows.get("engine")
        x = {}
        x["compute"] = ratio(sc.get("compute_s"), en.get("compute_s")) if ok(sc) and ok(en) else None
        tv = d["time"] or {}
        wall = tv.get("wall_s") if tv.get("exit") == 0 else None
        spbc = (sc["parse_s"] + sc["build_s"] + sc["compute_s"]) if ok(sc) else None
        x["process"] = ratio(spbc, wall)
        eit = en["compute_s"] / en["iterations"] if ok(en) and en.get("iterations") else None
        floor = (d["probe"] or {}).get("floor")
        gi = (d["meta"] or {}).get("graph") or {}
        k = len(gi.get("topics", [])) or 16
        # the probe gathers 16-wide rows: a floor only for K = 16
        x["iter"] = ratio(eit, floor) if k == 16 else None
        n, m = gi.get("n"), gi.get("m")
        if n is None and d["probe"]:
            n, m = d["probe"].get("users"), d["probe"].get("follows")
        need = None
        if n is not None and m is not None:
            need = dict(csr=4 * m + 8 * (n + 1), blocks=2 * n * k * 4, ids=8 * n)
            need["total"] = sum(need.values())
        rss = tv.get("max_rss_kb") * 1024 if tv.get("max_rss_kb") and tv.get("exit") == 0 else None
        x["memory"] = ratio(rss, need["total"]) if need else None
        pol = d["polars"]
        x["parse"] = ratio(pol.get("best_s") if pol else None, d["lp"]["parse"])
        per[g] = dict(x=x, wall=wall, spbc=spbc, eit=eit, floor=floor, n=n, m=m, need=need, k=k,
                      rss=rss, sc=sc, en=en)
        for k in TARGETS:
            summary.append((k, g, x[k]))

    p("## Targets")
    p("")
    if graphs:
        hdr = ["target"] + graphs
        trows = []
        for k, desc in TARGETS.items():
            trows.append([desc] + [verdict(k, per[g]["x"][k]) for g in graphs])
        p(md_table(hdr, trows))
        p("")
        p("Ratios: compute = scipy compute s / engine compute s; whole process = scipy "
          "(parse_s + build_s + compute_s) / engine process wall time; per iteration = engine "
          "s/iter / probe s/sweep; memory = engine max RSS / data needs; parse = polars s / "
          f"engine parse+intern s. Engine at {threads or '-'} threads (all cores) unless noted.")
    else:
        p("No graphs were benchmarked (graphs.txt missing).")
    p("")

    # -------------------------------------------------- per graph
    for g in graphs:
        d, q = data[g], per[g]
        rows, rows1 = d["rows"], d["rows1"]
        gi = (d["meta"] or {}).get("graph") or {}
        p(f"## {g}: {num(q['n']) if q['n'] is not None else '-'} users, "
          f"{num(q['m']) if q['m'] is not None else '-'} follows, "
          f"{len(gi.get('topics', [])) or '-'} topics")
        p("")
        p(f"### Peers (`peers.py`, engine at {threads or '-'} threads)")
        p("")
        if rows:
            p(peer_table(rows))
            p("")
            en = rows.get("engine")
            lines = []
            for peer in ("scipy", "scipy_f32", "igraph", "networkx", "sknetwork", "fastpr"):
                r = rows.get(peer)
                if ok(r) and ok(en):
                    lines.append(f"- {peer} compute / engine compute = "
                                 f"**{num(ratio(r['compute_s'], en['compute_s']))}x** "
                                 f"({num(r['compute_s'])} s / {num(en['compute_s'])} s)")
            nk = rows.get("networkit")
            if ok(nk) and ok(en):
                lines.append(f"- networkit ran ONE plain PageRank in {num(nk['compute_s'])} s "
                             f"({nk.get('iterations')} iterations, {nk.get('threads')} threads) "
                             f"vs the engine's {len(gi.get('topics', []))} topics in "
                             f"{num(en['compute_s'])} s (not a like-for-like ratio)")
            p("\n".join(lines) if lines else "No engine/peer ratio: a run is missing or failed.")
            bad = [f"{k}: {r.get('status')} {r.get('error', '')[:200]}" for k, r in rows.items()
                   if not ok(r)]
            if bad:
                p("")
                p("Failed peers: " + "; ".join(bad))
        else:
            p("not measured (peers.jsonl missing)")
        p("")

        # whole process
        p("### Whole process")
        p("")
        tv = d["time"] or {}
        sc = rows.get("scipy")
        if tv:
            br = tv.get("bench") or {}
            p(f"- engine `rank` process (snapshot written, no TSV), `/usr/bin/time -v`: wall "
              f"**{num(tv.get('wall_s'))} s**, max RSS {num(tv.get('max_rss_kb', 0) / 1024)} MiB, "
              f"{tv.get('cpu_pct', '-')}% CPU, exit {tv.get('exit', '-')}; its BENCH_RESULT: load "
              f"{num(br.get('load_s'))} s, compute {num(br.get('compute_s'))} s, write "
              f"{num(br.get('write_s'))} s, {br.get('iterations', '-')} iterations")
            for s in tv.get("summary", []):
                if s.startswith("wrote "):
                    p(f"- engine summary line: `{s}`")
        else:
            p("- engine process: not measured")
        if ok(sc):
            p(f"- scipy float64 (same peers.py run as above): parse_s {num(sc['parse_s'])} + "
              f"build_s {num(sc['build_s'])} + compute_s {num(sc['compute_s'])} = "
              f"**{num(q['spbc'])} s** (peak RSS {num(sc.get('peak_rss_mb'))} MiB)")
        p(f"- scipy parse+build+compute / engine wall = {verdict('process', q['x']['process'])}")
        p("")

        # graph cache
        p("### Graph cache (`ingest`, then `rank --graph`)")
        p("")
        ing, cached = d["ingest"] or {}, d["cached"] or {}
        if ing:
            cb = (d["cache_bytes"] or "").strip()
            p(f"- `marketrank ingest`: wall **{num(ing.get('wall_s'))} s**, max RSS "
              f"{num(ing.get('max_rss_kb', 0) / 1024)} MiB, cache file "
              f"{num(int(cb) / 1048576) if cb else '-'} MiB")
        if cached:
            cbr, tbr = cached.get("bench") or {}, tv.get("bench") or {}
            p(f"- `rank --graph` (same parameters as the whole-process run): wall "
              f"**{num(cached.get('wall_s'))} s**, max RSS {num(cached.get('max_rss_kb', 0) / 1024)} MiB; "
              f"graph load **{num(cbr.get('load_s'))} s** from the cache vs {num(tbr.get('load_s'))} s "
              f"from text ({num(ratio(tbr.get('load_s'), cbr.get('load_s')))}x)")
            if q["need"] and cached.get("max_rss_kb"):
                p(f"- max RSS / data needs from the cache: "
                  f"{num(cached['max_rss_kb'] * 1024 / q['need']['total'])}")
            if ok(sc) and cached.get("wall_s"):
                p(f"- scipy parse+build+compute / `rank --graph` wall = "
                  f"{num(ratio(q['spbc'], cached['wall_s']))}")
        if not ing and not cached:
            p("- not measured")
        p("")

        # per iteration
        p("### Per iteration vs the gather floor")
        p("")
        pr = d["probe"] or {}
        en = rows.get("engine")
        if ok(en):
            p(f"- engine (peers run): {num(en['compute_s'])} s / {en.get('iterations')} iterations "
              f"= **{num(q['eit'])} s/iter** for {len(gi.get('topics', [])) or '-'} topics")
        if pr.get("floor") is not None:
            p(f"- probe floor (`{pr.get('floor_line')}`): **{num(pr['floor'])} s/sweep**")
            others = [f"{name} {num(v)}" for name, v in pr["lines"] if not name.startswith("probe users")]
            if others:
                p("- other probe variants, s/sweep: " + "; ".join(others))
        else:
            p("- probe floor: not measured")
        if q["k"] != 16:
            p(f"- engine s/iter / probe floor: not comparable (the probe gathers 16-wide rows, "
              f"this run ranked {q['k']} topics)")
        else:
            p(f"- engine s/iter / probe floor = {verdict('iter', q['x']['iter'])}")
        p("")

        # memory
        p("### Peak memory vs data needs")
        p("")
        need = q["need"]
        MiB = 1048576
        if need:
            n, m = q["n"], q["m"]
            p(f"- data needs: CSR 4 B x {m:,} follows + 8 B x ({n:,} + 1) = "
              f"{num(need['csr'] / MiB)} MiB; two {n:,} x {q['k']} x 4 B score blocks = "
              f"{num(need['blocks'] / MiB)} MiB; id table 8 B x {n:,} = "
              f"{num(need['ids'] / MiB)} MiB; total **{num(need['total'] / MiB)} MiB**")
        p(f"- engine max RSS (the `/usr/bin/time -v` run above): "
          f"**{num(q['rss'] / MiB) if q['rss'] else '-'} MiB**"
          + (f"; in the peers run (which also writes the scores TSV) "
             f"{num(en.get('peak_rss_mb'))} MiB" if ok(en) else ""))
        p(f"- max RSS / data needs = {verdict('memory', q['x']['memory'])}")
        p("")

        # parse
        p("### Parse: engine vs polars")
        p("")
        lp, pol = d["lp"], d["polars"]
        p(f"- engine `load_phases` parse+intern, best of 2: **{num(lp['parse'])} s** "
          f"(runs: {', '.join(num(x) for x in lp['parse_all']) or '-'}); CSR build "
          f"{num(lp['build'])} s; whole load incl. topics {num(lp['whole'])} s")
        if pol:
            p(f"- polars {pol.get('version')} `read_csv` ({pol.get('threads')} threads), best of 2: "
              f"**{num(pol['best_s'])} s** (runs: {', '.join(num(x) for x in pol['times_s'])}; "
              f"{pol.get('rows', 0):,} rows)")
        else:
            p("- polars: not measured")
        p(f"- polars / engine = {verdict('parse', q['x']['parse'])}")
        p("")

        # threads
        p("### Threads: 1 vs all cores")
        p("")
        trows = []
        for label, rr in ((f"engine --threads 1 (peers_t1 run)", rows1),
                          (f"engine --threads {threads or '-'} (peers run)", rows)):
            e, s = rr.get("engine"), rr.get("scipy")
            if ok(e):
                trows.append([label, num(e["compute_s"]), e.get("iterations", "-"),
                              num(e["compute_s"] / e["iterations"]) if e.get("iterations") else "-",
                              num(s["compute_s"]) if ok(s) else "-",
                              num(ratio(s["compute_s"], e["compute_s"])) if ok(s) else "-",
                              num(e.get("peak_rss_mb"))])
        if trows:
            p(md_table(["run", "engine compute s", "iters", "s/iter", "scipy compute s (same run)",
                        "scipy / engine", "engine peak RSS MiB"], trows))
            e1, e2 = rows1.get("engine"), rows.get("engine")
            if ok(e1) and ok(e2):
                p("")
                p(f"Speed-up from 1 to {threads or '-'} threads (compute): "
                  f"{num(ratio(e1['compute_s'], e2['compute_s']))}x")
        else:
            p("not measured")
        p("")

    # -------------------------------------------------- distributed
    cluster = os.path.join(res, "cluster.md")
    if os.path.exists(cluster):
        p("## Distributed engine (timely), 1M users / 20M follows")
        p("")
        for line in open(cluster).read().rstrip().splitlines():
            p(line)
        p("")

    # -------------------------------------------------- sweeps (issue 22)
    sweeps = os.path.join(res, "sweeps.md")
    if os.path.exists(sweeps):
        p("## Sweeps, the 17th market and warm starts, 1M users / 20M follows")
        p("")
        p("From `scripts/bench_sweeps.sh` (3 rounds each): `--method power` vs `extrapolated`, "
          "the default 17-market run's cost per sweep vs the plain 16-market run, warm starts "
          "vs cold runs of the changed graph, and the peers beside the extrapolated engine.")
        p("")
        for line in open(sweeps).read().rstrip().splitlines():
            p(line)
        p("")

    # -------------------------------------------------- scaling
    p("## Scaling")
    p("")
    p(f"### Topics K ({kgraph or '-'}, engine at {threads or '-'} threads, first K topics of "
      "`truth.json`)")
    p("")
    # follows of the K-scaling graph: its truth.json copy (the generator writes no
    # duplicates or self-loops), else its peers run
    truth = json.loads(read(os.path.join(res, "kscale", "truth.json")) or "{}")
    kfollows = truth.get("edges") or per.get(kgraph, {}).get("m")
    if truth:
        p(f"{truth.get('users', 0):,} users, {truth.get('edges', 0):,} follows, "
          f"{len(truth.get('topics', []))} topics in the graph.")
        p("")
    krows = []
    for k in (1, 4, 16, 64):
        text = read(os.path.join(res, "kscale", f"k{k}.log"))
        if text is None:
            continue
        tv = time_v(text)
        br = tv.get("bench") if tv else None
        if not br or tv.get("exit") != 0:
            krows.append([k, "failed", "-", "-", "-", "-"])
            continue
        m = kfollows
        it = br.get("iterations")
        spi = br["compute_s"] / it if it else None
        krows.append([k, num(br["compute_s"]), it, num(spi),
                      num(spi / (m * k) * 1e9) if spi and m else "-",
                      num(tv.get("max_rss_kb", 0) / 1024)])
    if krows:
        p(md_table(["K", "compute s", "iters", "s/iter", "ns per follow x K (per iter)",
                    "max RSS MiB (time -v)"], krows))
    else:
        p("not measured")
    p("")

    p("### Users (engine at all cores, from each graph's peers run: K = 16, at 10M K = 4)")
    p("")
    urows = []
    for g in graphs:
        q = per[g]
        en, sc = q["en"], q["sc"]
        if not ok(en):
            continue
        k = len(((data[g]["meta"] or {}).get("graph") or {}).get("topics", [])) or 16
        it = en.get("iterations")
        spi = en["compute_s"] / it if it else None
        sspi = sc["compute_s"] / sc["iterations"] if ok(sc) and sc.get("iterations") else None
        urows.append([g, num(q["n"]), num(q["m"]), num(en["compute_s"]), it, num(spi),
                      num(spi / (q["m"] * k) * 1e9) if spi and q["m"] else "-",
                      num(sspi / (q["m"] * k) * 1e9) if sspi and q["m"] else "-",
                      num(en.get("peak_rss_mb"))])
    if urows:
        p(md_table(["graph", "users", "follows", "compute s", "iters", "s/iter",
                    "engine ns per follow x K (per iter)", "scipy ns per follow x K (per iter)",
                    "engine peak RSS MiB"], urows))
    else:
        p("not measured")
    p("")

    # -------------------------------------------------- commands
    p("## Commands")
    p("")
    p("Exactly as run by `scripts/bench.sh` (shell-quoted; `$BIN` binaries are copies of "
      "`target/release` made before the first measurement):")
    p("")
    p("```sh")
    for label, cmd in commands:
        p(f"# {label}")
        p(cmd.strip())
    p("```")
    p("")
    snippet = read(os.path.join(res, "polars_parse.py"))
    if snippet:
        p("`polars_parse.py` (the polars side of the parse comparison):")
        p("")
        p("```python")
        p(snippet.rstrip())
        p("```")
        p("")
    if failures:
        p("## Failed steps")
        p("")
        for line in failures.splitlines():
            p(f"- {line}")
        p("")
    sys.stdout.write("\n".join(out))
    return 0


def peer_table(rows):
    order = ["engine", "scipy", "scipy_f32", "igraph", "networkit", "sknetwork", "fastpr",
             "networkx"]
    names = [k for k in order if k in rows] + [k for k in rows if k not in order]
    sc = rows.get("scipy")
    en = rows.get("engine")
    hdr = ["peer", "status", "threads", "topics", "compute s", "x scipy", "peer / engine",
           "load s", "iters", "s/iter", "peak RSS MiB", "max L1 vs ref", "top100"]
    out = []
    for k in names:
        r = rows[k]
        good = ok(r)
        it = r.get("iterations")
        glob = r.get("global_only")
        out.append([
            f"**{k}**" if k == "engine" else k, r.get("status"), r.get("threads", "-"),
            "1 (global)" if glob else r.get("topics", "-"),
            num(r["compute_s"]) if good else "-",
            num(ratio(r["compute_s"], sc["compute_s"])) if good and ok(sc) and not glob else "-",
            num(ratio(r["compute_s"], en["compute_s"])) if good and ok(en) and not glob else "-",
            num(r.get("load_s")) if good else "-",
            it if good and it else "-",
            num(r["compute_s"] / it) if good and it else "-",
            num(r.get("peak_rss_mb")),
            f"{r['max_l1_vs_ref']:.1e}" if r.get("max_l1_vs_ref") is not None else "-",
            f"{r['min_top100_overlap']:.2f}" if r.get("min_top100_overlap") is not None else "-",
        ])
    return md_table(hdr, out)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
