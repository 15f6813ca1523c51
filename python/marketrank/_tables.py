"""DataFrames and tables into the plain columns the native module reads.

A table is a pandas or polars DataFrame, a pyarrow Table or RecordBatch,
anything else with ``__arrow_c_stream__`` (read through pyarrow), or a dict
of equal-length sequences. Columns are chosen as for Parquet files: the one
named (``follower_col=`` ...), else a usual name (``follower``, ``src``,
``source`` ...; the library's list), else the first columns not taken; the
weight only when named or called ``weight``.

Integer id columns go over as numpy int64/uint64 arrays (no copy when the
DataFrame's buffer already is one), string columns as lists of str; nulls
as a boolean mask. The native side checks every row (null, empty or too
long id, bad weight) and names the first bad one by its row number,
counted from 0 as ``df[i]`` and ``df.iloc[i]`` count.
"""

from __future__ import annotations

import numpy as np

from . import _marketrank

_ROLE_FLAGS = {
    "follower": "follower_col",
    "followee": "followee_col",
    "user": "user_col",
    "topic": "topic_col",
}


class _Frame:
    """One table seen through a common interface: column names, and each
    column as (numpy values or list, null mask or None, dtype text)."""

    def __init__(self, table, kind: str):
        self.table = table
        self.kind = kind

    def names(self) -> list[str]:
        t = self.table
        if self.kind in ("polars", "pandas"):
            return [str(c) for c in t.columns]
        if self.kind == "pyarrow":
            return list(t.schema.names)
        return [str(k) for k in t.keys()]

    def column(self, name: str):
        """(values, nulls, dtype, kind): kind in int, uint, float, str, bool, other."""
        t = self.table
        if self.kind == "polars":
            return _polars_column(t[name])
        if self.kind == "pandas":
            return _pandas_column(t[name])
        if self.kind == "pyarrow":
            return _arrow_column(t.column(name))
        return _numpy_column(t[name])


def _classify(dtype: np.dtype) -> str:
    k = np.dtype(dtype).kind
    return {"i": "int", "u": "uint", "f": "float", "b": "bool", "U": "str", "O": "str"}.get(k, "other")


def _polars_column(s):
    import polars as pl

    dtype = s.dtype
    nulls = s.is_null().to_numpy() if s.null_count() else None
    if dtype.is_integer():
        vals = s.fill_null(0).to_numpy() if nulls is not None else s.to_numpy()
        return vals, nulls, str(dtype), "uint" if dtype.is_unsigned_integer() else "int"
    if dtype.is_float():
        return s.fill_null(0).to_numpy(), nulls, str(dtype), "float"
    if dtype in (pl.Utf8, pl.String, pl.Categorical) or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return s.cast(pl.Utf8).to_list(), nulls, str(dtype), "str"
    return None, nulls, str(dtype), "other"


def _pandas_column(s):
    import pandas as pd

    isna = s.isna().to_numpy()
    nulls = isna if isna.any() else None
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return None, nulls, str(dtype), "bool"
    if pd.api.types.is_integer_dtype(dtype):
        unsigned = pd.api.types.is_unsigned_integer_dtype(dtype)
        target = np.uint64 if unsigned else np.int64
        vals = s.fillna(0).to_numpy(dtype=target) if nulls is not None else s.to_numpy(dtype=target)
        return vals, nulls, str(dtype), "uint" if unsigned else "int"
    if pd.api.types.is_float_dtype(dtype):
        return s.fillna(0).to_numpy(dtype=np.float64), nulls, str(dtype), "float"
    if pd.api.types.is_string_dtype(dtype) or dtype == object or isinstance(dtype, pd.CategoricalDtype):
        vals = [None if m else v for v, m in zip(s.tolist(), isna)]
        if any(v is not None and not isinstance(v, str) for v in vals):
            first = next(i for i, v in enumerate(vals) if v is not None and not isinstance(v, str))
            return None, nulls, f"{dtype} holding {type(vals[first]).__name__} (row {first})", "other"
        return vals, nulls, str(dtype), "str"
    return None, nulls, str(dtype), "other"


def _arrow_column(col):
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    nulls = pc.is_null(col).to_numpy(zero_copy_only=False) if col.null_count else None
    if pa.types.is_integer(t):
        filled = pc.fill_null(col, 0) if nulls is not None else col
        target = np.uint64 if pa.types.is_unsigned_integer(t) else np.int64
        vals = np.asarray(filled.to_numpy(), dtype=target)
        return vals, nulls, str(t), "uint" if pa.types.is_unsigned_integer(t) else "int"
    if pa.types.is_floating(t):
        filled = pc.fill_null(col, 0.0) if nulls is not None else col
        return np.asarray(filled.to_numpy(), dtype=np.float64), nulls, str(t), "float"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t) or str(t) == "string_view":
        return pc.cast(col, pa.large_string()).to_pylist(), nulls, str(t), "str"
    return None, nulls, str(t), "other"


def _numpy_column(seq):
    a = np.asarray(seq)
    kind = _classify(a.dtype)
    if kind == "str":
        vals = [None if v is None else v for v in a.tolist()]
        nulls = np.array([v is None for v in vals]) if any(v is None for v in vals) else None
        return vals, nulls, str(a.dtype), "str"
    if kind == "float":
        nan = np.isnan(a)
        return np.nan_to_num(a.astype(np.float64)), nan if nan.any() else None, str(a.dtype), "float"
    return a, None, str(a.dtype), kind


def frame_of(table) -> _Frame | None:
    """The table seen as a _Frame, or None when it is not a table."""
    mod = type(table).__module__ or ""
    if mod.startswith("polars"):
        return _Frame(table, "polars")
    if mod.startswith("pandas"):
        return _Frame(table, "pandas")
    if mod.startswith("pyarrow"):
        return _Frame(table, "pyarrow")
    if isinstance(table, dict):
        return _Frame(table, "dict")
    if hasattr(table, "__arrow_c_stream__"):
        try:
            import pyarrow as pa
        except ImportError as e:  # pragma: no cover - depends on the host
            raise ImportError(
                f"reading a {type(table).__name__} needs pyarrow (pip install pyarrow), "
                "or pass a pandas/polars DataFrame"
            ) from e
        return _Frame(pa.table(table), "pyarrow")
    return None


def _pick(names: list[str], role: str, given: str | None, taken: set[str], label: str) -> str | None:
    lower = {n.lower(): n for n in reversed(names)}
    if given is not None:
        if given in names:
            return given
        if given.lower() in lower:
            return lower[given.lower()]
        raise _marketrank.InputError(
            f"{label}: no column `{given}` ({_ROLE_FLAGS.get(role, role)}=); its columns: {', '.join(names)}"
        )
    for n in _marketrank.usual_column_names(role):
        if n in names and n not in taken:
            return n
        if n.lower() in lower and lower[n.lower()] not in taken:
            return lower[n.lower()]
    return None


def _id_spec(frame: _Frame, name: str, role: str, label: str):
    vals, nulls, dtype, kind = frame.column(name)
    if kind == "float":
        if nulls is not None:
            row = int(np.flatnonzero(nulls)[0])
            raise _marketrank.InputError(f"{label}, row {row}: null {role} id")
        raise _marketrank.InputError(
            f"{label}: column `{name}` is {dtype}: ids must be integers or strings "
            f"(cast it, e.g. df['{name}'].astype('int64'))"
        )
    if kind not in ("int", "uint", "str"):
        raise _marketrank.InputError(
            f"{label}: column `{name}` is {dtype}: ids must be integers or strings"
        )
    if kind == "int":
        vals = np.ascontiguousarray(vals, dtype=np.int64)
    elif kind == "uint":
        vals = np.ascontiguousarray(vals, dtype=np.uint64)
    if nulls is not None:
        nulls = np.ascontiguousarray(nulls, dtype=bool)
    return (name, {"int": "signed", "uint": "unsigned", "str": "text"}[kind], vals, nulls)


def table_spec(table, roles: tuple[str, str], label: str, first_col=None, second_col=None, weight_col=None, weight_required=False):
    """The native module's spec of `table`: {label, first, second, weight}."""
    frame = frame_of(table)
    if frame is None:
        raise TypeError(f"{label}: expected a path, a list of paths, or a table (pandas, polars, pyarrow), not {type(table).__name__}")
    label = f"{label} ({frame.kind} table)"
    names = frame.names()
    weight = None
    if weight_col is not None:
        weight = _pick(names, "weight", weight_col, set(), label) if (weight_required or weight_col in names) else None
    elif "weight" in names:
        weight = "weight"
    taken = {weight} if weight else set()
    first = _pick(names, roles[0], first_col, taken, label)
    if first:
        taken.add(first)
    second = _pick(names, roles[1], second_col, taken, label)
    if second:
        taken.add(second)
    rest = [n for n in names if n not in taken]
    if first is None and rest:
        first = rest.pop(0)
    if second is None and rest:
        second = rest.pop(0)
    if first is None or second is None:
        raise _marketrank.InputError(
            f"{label}: has fewer than two id columns (its columns: {', '.join(names)}): "
            f"a {roles[0]} table needs a {roles[0]} and a {roles[1]} column"
        )
    wspec = None
    if weight is not None:
        vals, nulls, dtype, kind = frame.column(weight)
        if kind not in ("int", "uint", "float"):
            raise _marketrank.InputError(f"{label}: column `{weight}` is {dtype}: weights must be numbers")
        wspec = (weight, np.ascontiguousarray(vals, dtype=np.float64), None if nulls is None else np.ascontiguousarray(nulls, dtype=bool))
    return {
        "label": label,
        "first": _id_spec(frame, first, roles[0], label),
        "second": _id_spec(frame, second, roles[1], label),
        "weight": wspec,
    }
