"""marketrank: relative influence, who matters inside one market.

Open a snapshot written by ``marketrank rank`` (or by :func:`rank`) and read
it as numpy views and Arrow tables::

    import marketrank as mr
    snap = mr.Snapshot("scores.snap")
    fashion = snap.scores("fashion")        # read-only view, no copy
    snap.top("fashion", 10)                 # what `marketrank top` prints
    df = snap.to_polars(markets=["fashion", "tech"])

or rank a follower graph from files or DataFrames::

    snap = mr.rank(edges_df, topics_df)     # same defaults as the CLI

See docs/python.md.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Optional, Sequence, Union

from . import _marketrank
from ._marketrank import (
    ConfigError,
    InputError,
    MarketrankError,
    MemoryLimitError,
    ScoreTable,
    Snapshot,
    SnapshotError,
    UserColumn,
    __version__,
)
from ._tables import table_spec

__all__ = [
    "Snapshot",
    "UserColumn",
    "ScoreTable",
    "rank",
    "DEFAULTS",
    "MarketrankError",
    "InputError",
    "SnapshotError",
    "MemoryLimitError",
    "ConfigError",
    "__version__",
]

#: The parameters of ``marketrank rank`` and their defaults (the library's
#: own constants), the keyword arguments of :func:`rank`.
DEFAULTS: dict = dict(_marketrank.DEFAULTS)

PathLike = Union[str, "os.PathLike[str]"]


def _paths(x) -> Optional[list]:
    """A path or a list of paths as a list of str; None for anything else."""
    if isinstance(x, (str, os.PathLike)):
        return [os.fspath(x)]
    if isinstance(x, (list, tuple)) and x and all(isinstance(p, (str, os.PathLike)) for p in x):
        return [os.fspath(p) for p in x]
    return None


def _progress_callback(progress) -> Optional[Callable[[str, dict], None]]:
    """The callback for ``progress=``: a callable as given; True for a tqdm
    bar (when tqdm is installed) or lines on stderr."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    if tqdm is None:
        def lines(kind: str, data: dict) -> None:
            if kind == "note":
                print(f"marketrank: {data['message']}", file=sys.stderr)
        return lines
    return _Bar(tqdm)


class _Bar:
    """A tqdm bar over the run's estimated share done; closed by rank()."""

    def __init__(self, tqdm):
        self.bar = tqdm(total=100, unit="%", desc="rank", leave=True)

    def __call__(self, kind: str, data: dict) -> None:
        if kind == "progress":
            self.bar.n = round(100 * data["fraction"])
            self.bar.set_postfix(iteration=data["iteration"], residual=f"{data['max_residual']:.1e}")
            self.bar.refresh()
        elif data.get("level") == "warning":
            self.bar.write(f"marketrank: {data['message']}")

    def close(self) -> None:
        self.bar.close()


def rank(
    edges: Any,
    topics: Any,
    accounts: Optional[PathLike] = None,
    *,
    out: Optional[PathLike] = None,
    progress: Union[None, bool, Callable[[str, dict], None]] = None,
    follower_col: Optional[str] = None,
    followee_col: Optional[str] = None,
    user_col: Optional[str] = None,
    topic_col: Optional[str] = None,
    weight_col: Optional[str] = None,
    **config: Any,
) -> Snapshot:
    """Ranks every market of a follower graph in one pass: the job of
    ``marketrank rank``, with its parameters and defaults (:data:`DEFAULTS`).

    ``edges`` and ``topics`` are paths (one or a list; files, directories or
    ``*`` patterns, text or Parquet, read as the CLI reads them), or tables
    (pandas or polars DataFrames, pyarrow Tables: two id columns and an
    optional ``weight``). ``accounts`` is an account-history file
    (``user, created[, status]``) for earned trust.

    The run releases the GIL. The snapshot is written to ``out`` when given,
    else kept in memory (a removed temporary file, mapped). ``progress`` is a
    callable ``(kind, data)`` (kind ``"note"`` or ``"progress"``), or True
    for a tqdm bar. Raises :class:`InputError` (with ``file:line`` or
    ``table, row R``), :class:`ConfigError`, :class:`MemoryLimitError`,
    :class:`SnapshotError`.
    """
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"rank() got unexpected keyword argument(s) {', '.join(unknown)}; parameters: {', '.join(DEFAULTS)}")
    params = dict(DEFAULTS)
    params.update(config)
    params["accounts"] = None if accounts is None else os.fspath(accounts)
    params.update(
        follower_col=follower_col,
        followee_col=followee_col,
        user_col=user_col,
        topic_col=topic_col,
        weight_col=weight_col,
    )
    for key in ("markets", "rejects", "previous", "trusted"):
        if params.get(key) is not None:
            params[key] = os.fspath(params[key])
    if params.get("max_memory") is not None:
        params["max_memory"] = str(params["max_memory"])
    e_paths, t_paths = _paths(edges), _paths(topics)
    e = e_paths if e_paths is not None else table_spec(
        edges, ("follower", "followee"), "edges", follower_col, followee_col, weight_col, True
    )
    t = t_paths if t_paths is not None else table_spec(
        topics, ("user", "topic"), "topics", user_col, topic_col, weight_col, False
    )
    callback = _progress_callback(progress)
    try:
        snap, _notes = _marketrank.run_rank(e, t, None if out is None else os.fspath(out), params, callback)
    finally:
        if isinstance(callback, _Bar):
            callback.close()
    return snap
