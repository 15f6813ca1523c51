"""rank() from DataFrames, Arrow tables and files gives the CLI's bytes;
bad tables name their row; the GIL is released while it runs."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

import marketrank as mr
from conftest import CIAO, SAMPLE, rank_cli

pl = pytest.importorskip("polars")


def read_tsv(path, names, dtype):
    return pl.read_csv(path, separator="\t", has_header=False, comment_prefix="#",
                       new_columns=list(names), schema_overrides=dict(zip(names, dtype)))


def assert_same_scores(a: mr.Snapshot, b: mr.Snapshot):
    assert a.markets == b.markets and a.users.to_list() == b.users.to_list()
    for m in a.markets:
        sa, sb = a.scores(m), b.scores(m)
        assert sa.tobytes() == sb.tobytes(), m
    assert np.array_equal(a.followers, b.followers)


@pytest.mark.parametrize("graph", ["sample", "ciao"])
def test_tables_and_files_rank_like_the_cli(cli, tmp_path, graph):
    edges, topics = {"sample": SAMPLE, "ciao": CIAO}[graph]
    # Ciao's ids are integers: its tables take the integer path.
    id_type = pl.Utf8 if graph == "sample" else pl.Int64
    e = read_tsv(edges, ["follower", "followee"], [id_type, id_type])
    t = read_tsv(topics, ["user", "topic"], [id_type, pl.Utf8])
    reference = mr.Snapshot(rank_cli(cli, tmp_path, graph, edges, topics))
    for tables in [(e, t), (e.to_pandas(), t.to_pandas()), (e.to_arrow(), t.to_arrow())]:
        assert_same_scores(mr.rank(*tables), reference)
    assert_same_scores(mr.rank(str(edges), topics), reference)
    # Other parameters travel too: the plain walk, threads, f64.
    plain = mr.Snapshot(rank_cli(cli, tmp_path, graph + "-plain", edges, topics, "--walk", "plain", "--precision", "f64"))
    assert_same_scores(mr.rank(e, t, walk="plain", precision="f64", threads=1), plain)
    assert plain.scores(plain.markets[0]).dtype == np.float64


def test_weights_and_unsigned_ids_rank_like_the_cli(cli, tmp_path):
    rng = np.random.default_rng(7)
    src = rng.integers(0, 300, 3000, dtype=np.uint64)
    dst = rng.integers(0, 300, 3000, dtype=np.uint64)
    w = rng.choice([0.5, 1.0, 2.0, 3.25], 3000)
    e = pl.DataFrame({"src": src, "dst": dst, "weight": w})
    t = pl.DataFrame({"user": np.arange(0, 60, dtype=np.uint64), "topic": ["a", "b", "c"] * 20})
    e.write_csv(tmp_path / "e.tsv", separator="\t", include_header=False)
    t.write_csv(tmp_path / "t.tsv", separator="\t", include_header=False)
    reference = mr.Snapshot(rank_cli(cli, tmp_path, "w", tmp_path / "e.tsv", tmp_path / "t.tsv"))
    assert_same_scores(mr.rank(e, t), reference)
    assert_same_scores(mr.rank(e.to_pandas(), t.to_pandas()), reference)


def small_tables():
    e = pl.DataFrame({"follower": ["a", "b", "c", "d", "e"], "followee": ["b", "c", "a", "a", "d"]})
    t = pl.DataFrame({"user": ["a", "b"], "topic": ["x", "x"]})
    return e, t


@pytest.mark.parametrize("kind", ["polars", "pandas", "pyarrow"])
def test_bad_tables_name_the_row(kind):
    e, t = small_tables()
    convert = {"polars": lambda d: d, "pandas": lambda d: d.to_pandas(), "pyarrow": lambda d: d.to_arrow()}[kind]
    with_null = e.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(None).otherwise(pl.col("followee")).alias("followee"))
    with pytest.raises(mr.InputError, match=r"edges \(.*table\), row 3: null followee id"):
        mr.rank(convert(with_null), convert(t))
    weighted = e.with_columns(weight=pl.Series([1.0, 2.0, -1.0, 1.0, 1.0]))
    with pytest.raises(mr.InputError, match=r"row 2: weight `-1` must be a positive finite number"):
        mr.rank(convert(weighted), convert(t))
    floats = e.with_columns(pl.Series("follower", [1.5, 2.0, 3.0, 4.0, 5.0]))
    with pytest.raises(mr.InputError, match=r"column `follower` is (Float64|float64|double)"):
        mr.rank(convert(floats), convert(t))
    empty = e.with_columns(pl.Series("follower", ["a", "", "c", "d", "e"]))
    with pytest.raises(mr.InputError, match=r"row 1: empty follower id"):
        mr.rank(convert(empty), convert(t))
    # Skipped instead, the bad row is counted in the snapshot's record.
    snap = mr.rank(convert(with_null), convert(t), skip_bad_lines=True)
    edges_input = snap.info["inputs"][0]
    assert edges_input["skipped_lines"] == 1 and "table" in edges_input["path"]


def test_pandas_float_ids_from_missing_values_are_nulls():
    pd = pytest.importorskip("pandas")
    e = pd.DataFrame({"follower": [1, 2, None, 4], "followee": [2, 3, 1, 1]})
    t = pd.DataFrame({"user": [1, 2], "topic": ["x", "x"]})
    with pytest.raises(mr.InputError, match=r"row 2: null follower id"):
        mr.rank(e, t)


def test_tables_and_paths_cannot_be_mixed_and_typos_are_refused():
    e, t = small_tables()
    with pytest.raises(mr.ConfigError, match="both as paths or both as tables"):
        mr.rank(e, str(SAMPLE[1]))
    with pytest.raises(TypeError, match="dampnig"):
        mr.rank(e, t, dampnig=0.9)
    with pytest.raises(mr.ConfigError, match="damping"):
        mr.rank(e, t, damping=1.5)
    with pytest.raises(mr.InputError, match=r"no column `who`"):
        mr.rank(e, t, follower_col="who")


def test_file_errors_are_the_clis(tmp_path):
    bad = tmp_path / "e.tsv"
    bad.write_text("a\tb\nc\n")
    with pytest.raises(mr.InputError, match=r"e.tsv:2: "):
        mr.rank(bad, SAMPLE[1])
    with pytest.raises(mr.MemoryLimitError):
        mr.rank(*SAMPLE, max_memory="1K")


def test_out_writes_the_file_and_progress_reports(tmp_path):
    events = []
    out = tmp_path / "s.snap"
    snap = mr.rank(*SAMPLE, out=out, progress=lambda kind, data: events.append((kind, data)))
    assert out.exists() and mr.Snapshot(out).snapshot_id == snap.snapshot_id
    kinds = {k for k, _ in events}
    assert kinds == {"note", "progress"}
    fractions = [d["fraction"] for k, d in events if k == "progress"]
    assert fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
    phases = [d["phase"] for k, d in events if k == "note"]
    assert "read" in phases and "rank" in phases
    assert any(d["message"].startswith("loaded 523 users") for k, d in events if k == "note")

    def fails(kind, data):
        raise RuntimeError("stop here")
    with pytest.raises(RuntimeError, match="stop here"):
        mr.rank(*SAMPLE, progress=fails)


def test_the_gil_is_released_while_ranking():
    rng = np.random.default_rng(3)
    users = 200_000
    e = pl.DataFrame({"follower": rng.integers(0, users, 2_000_000), "followee": rng.integers(0, users, 2_000_000)})
    t = pl.DataFrame({"user": np.arange(0, users, 10), "topic": ["a", "b", "c", "d"] * (users // 40)})
    ticks = []
    running = threading.Event()
    stop = threading.Event()

    def count():
        while not stop.is_set():
            if running.is_set():
                ticks.append(time.perf_counter())
            time.sleep(0.002)
    th = threading.Thread(target=count)
    th.start()
    running.set()
    t0 = time.perf_counter()
    mr.rank(e, t, tol=1e-8)
    elapsed = time.perf_counter() - t0
    running.clear()
    stop.set()
    th.join()
    during = [x for x in ticks if t0 <= x <= t0 + elapsed]
    # The counter wakes every 2 ms; holding the GIL for the run would let
    # it tick a few times at most (at the boundaries).
    assert elapsed > 0.2, elapsed
    assert len(during) > 0.25 * elapsed / 0.002, (len(during), elapsed)
