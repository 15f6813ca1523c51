"""Snapshot answers equal the CLI's (top, show, explain, compare), and the
columns are views of the mapped file, not copies."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

import marketrank as mr
from conftest import run


def close(a: float, b: str) -> bool:
    """`a` printed with the CLI's three or more significant digits is `b`."""
    return math.isclose(a, float(b), rel_tol=5e-3, abs_tol=1e-12)


def table_rows(text: str, skip: int) -> list[list[str]]:
    """The rows of a CLI table after `skip` lines (header included)."""
    rows = [line.split() for line in text.splitlines()[skip:] if line.strip()]
    # `…` closes a list cut at -n.
    return [r for r in rows if r[0] != "…"]


def markets_to_check(snap: mr.Snapshot) -> list[str]:
    return [m for m in snap.markets if m != "_global"][:3] + ["_global"]


def test_top_equals_the_cli(cli, snap_path):
    snap = mr.Snapshot(snap_path)
    for market in markets_to_check(snap):
        rows = table_rows(run(cli, "top", snap_path, "--market", market, "-k", 25), 2)
        mine = snap.top(market, 25)
        assert len(rows) == len(mine) == min(25, len(snap))
        for cells, r in zip(rows, mine):
            rank, user, score, influence, percentile, followers, global_rank, lift = cells
            assert (int(rank), user, int(followers), int(global_rank)) == (
                r["rank"], r["user"], r["followers"], r["global_rank"])
            assert close(r["score"], score)
            assert f"{r['influence']:.0f}" == influence
            assert f"{r['percentile']:.2f}" == percentile
            assert f"{r['lift']:.2f}" == lift


def test_user_equals_show(cli, snap_path):
    snap = mr.Snapshot(snap_path)
    for user in [snap.users[0], snap.users[len(snap) // 2], snap.top(snap.markets[-1], 1)[0]["user"]]:
        out = run(cli, "show", snap_path, "--user", user)
        head = out.splitlines()[0]
        mine = snap.user(user)
        assert head == f"{user}: {mine['followers']} followers, global rank {mine['global_rank']} of {len(snap)}"
        rows = table_rows(out, 2)
        assert [r[0] for r in rows] == snap.markets
        for market, score, rank, percentile, influence, lift in rows:
            m = mine["markets"][market]
            assert close(m["score"], score) and int(rank) == m["rank"]
            assert f"{m['percentile']:.2f}" == percentile
            assert f"{m['influence']:.0f}" == influence and f"{m['lift']:.2f}" == lift


def test_explain_equals_the_cli(cli, snap_path):
    snap = mr.Snapshot(snap_path)
    market = markets_to_check(snap)[0]
    for entry in snap.top(market, 3):
        user = entry["user"]
        out = run(cli, "explain", snap_path, "--user", user, "--market", market, "-n", 8)
        e = snap.explain(user, market, 8)
        assert f"(rank {e['rank']}, {e['followers']} followers)" in out.splitlines()[0]
        assert e["from_followers"] + e["teleport"] == pytest.approx(e["score"], rel=1e-3)
        rows = table_rows(out, 5)
        assert [r[0] for r in rows] == [c["follower"] for c in e["contributions"]]
        for (follower, share, passes, their_rank, their_score), c in zip(rows, e["contributions"]):
            assert share == f"{100 * c['share']:.1f}%"
            assert close(c["amount"], passes) and int(their_rank) == c["rank"]
            assert close(c["score"], their_score)


def test_compare_equals_the_cli_csv(cli, snap_path, tmp_path):
    snap = mr.Snapshot(snap_path)
    a, b = markets_to_check(snap)[:2]
    csv = tmp_path / "c.csv"
    run(cli, "compare", snap_path, "--markets", f"{a},{b}", "-k", 20, "--specialists", 5, "--csv", csv)
    figures, specialists = csv.read_text().split("\n\n")
    row = figures.splitlines()[1].split(",")
    c = snap.compare(a, b, 20, 5)
    assert row[:3] == [a, b, "20"]
    assert [float(x) for x in row[3:]] == [c["jaccard_top_k"], c["spearman"], c["kendall_tau_top_k"]]
    listed = [line.split(",")[:4] for line in specialists.splitlines()[1:] if line]
    mine = [[a, s["user"], str(s["rank_here"]), str(s["rank_there"])] for s in c["specialists_a"]]
    mine += [[b, s["user"], str(s["rank_here"]), str(s["rank_there"])] for s in c["specialists_b"]]
    assert listed == mine


def test_scores_are_read_only_views_of_the_file(snap_path):
    snap = mr.Snapshot(snap_path)
    k = len(snap.markets)
    for m, market in enumerate(snap.markets):
        a, b = snap.scores(market), snap.scores(market)
        assert np.shares_memory(a, b), "two views of one column share the mapped block"
        assert not a.flags.writeable and not a.flags.owndata
        assert a.shape == (len(snap),) and a.strides == (k * a.itemsize,)
        with pytest.raises(ValueError):
            a[0] = 1.0
        top = snap.top(market, 1)[0]
        assert a[snap.users.index(top["user"])] == np.float32(top["score"])
    # Neighbouring markets are interleaved in one block: market m+1's view
    # starts one element after market m's.
    v0, v1 = snap.scores(snap.markets[0]), snap.scores(snap.markets[1])
    assert v1.__array_interface__["data"][0] - v0.__array_interface__["data"][0] == v0.itemsize
    f = snap.followers
    assert not f.flags.writeable and f.dtype == np.uint32 and np.shares_memory(f, snap.followers)


def test_taking_a_view_allocates_nothing_per_user(ciao_snap):
    snap = mr.Snapshot(ciao_snap)
    market = snap.markets[1]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    views = [snap.scores(market) for _ in range(10)]
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    # A copy would be 4 bytes per user each time; ten views are ten small
    # array objects.
    assert grown < 10 * 4 * len(snap) / 20, grown
    assert all(np.shares_memory(views[0], v) for v in views)


def test_the_view_outlives_the_snapshot_object(sample_snap):
    a = mr.Snapshot(sample_snap).scores("fashion")
    import gc

    gc.collect()
    assert a.base is not None and float(a.sum()) == pytest.approx(1.0, rel=1e-4)


def test_frames_equal_the_parquet_export(cli, snap_path, tmp_path):
    pl = pytest.importorskip("polars")
    snap = mr.Snapshot(snap_path)
    for wide in (False, True):
        out = tmp_path / f"export-{wide}.parquet"
        run(cli, "export", snap_path, "--format", "parquet", "--out", out, *(["--wide"] if wide else []))
        exported = pl.read_parquet(out)
        mine = snap.to_polars(wide=wide)
        assert mine.columns == exported.columns
        assert mine.cast(exported.schema).equals(exported)
    one = snap.to_polars(markets=[snap.markets[1]])
    assert one["market"].unique().to_list() == [snap.markets[1]] and len(one) == len(snap)


def test_arrow_consumers_take_the_tables(snap_path):
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    snap = mr.Snapshot(snap_path)
    ids = snap.users.to_list()
    assert pa.array(snap.users).to_pylist() == ids
    assert pl.Series(snap.users).to_list() == ids
    assert pa.table(snap.to_arrow()).num_rows == len(snap) * len(snap.markets)
    market = snap.markets[1]
    scores = snap.to_arrow(markets=[market])  # noqa: F841 (read by DuckDB by name)
    (n, best), = duckdb.sql("select count(*), max(score) from scores").fetchall()
    assert n == len(snap) and best == pytest.approx(float(snap.scores(market).max()))
    pd_frame = snap.to_pandas(markets=[market])
    assert list(pd_frame["user"][:3]) == [r["user"] for r in snap.top(market, 3)]


def test_info_and_diff(cli, sample_snap, tmp_path):
    snap = mr.Snapshot(sample_snap, verify=True)
    assert snap.info["users"] == len(snap) and [m["name"] for m in snap.info["markets"]] == snap.markets
    assert snap.snapshot_id in run(cli, "info", sample_snap)
    same = snap.diff(sample_snap, "fashion")
    assert same == {"market": "fashion", "risers": [], "fallers": [], "newcomers": [], "departures": []}
    plain = mr.Snapshot(mr.rank(*[str(p) for p in __import__("conftest").SAMPLE], walk="plain", out=tmp_path / "p.snap") and tmp_path / "p.snap")
    moved = plain.diff(snap, "fashion", k=50, limit=5)
    assert moved["risers"] or moved["fallers"]
    for r in moved["risers"]:
        assert r["rank_delta"] == r["old_rank"] - r["new_rank"] > 0


def test_errors_name_what_is_wrong(tmp_path, sample_snap):
    with pytest.raises(mr.SnapshotError, match="no-such.snap"):
        mr.Snapshot(tmp_path / "no-such.snap")
    cut = tmp_path / "cut.snap"
    cut.write_bytes(sample_snap.read_bytes()[:1000])
    with pytest.raises(mr.SnapshotError):
        mr.Snapshot(cut)
    snap = mr.Snapshot(sample_snap)
    with pytest.raises(KeyError, match="fashion"):
        snap.scores("fahsion")
    with pytest.raises(KeyError, match="nobody"):
        snap.user("nobody")
