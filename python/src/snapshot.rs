//! `marketrank.Snapshot`: an open snapshot, its columns as read-only numpy
//! views of the mapped file and as Arrow arrays, and the CLI's queries
//! (`top`, `show`, `explain`, `compare`, `diff`) as dicts.

use crate::errors::snapshot_error;
use crate::tables::{ScoreTable, UserColumn};
use marketrank::query::standing::user_view;
use marketrank::query::{compare, diff, explain};
use marketrank::snapshot::{PartColumns, ScoreBlock};
use numpy::ndarray::{ArrayView1, ShapeBuilder};
use numpy::{PyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::{PyImportError, PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::Arc;

/// An open snapshot (single file or sharded manifest).
#[pyclass(module = "marketrank._marketrank", name = "Snapshot", frozen)]
pub struct PySnapshot {
    pub(crate) snap: Arc<marketrank::Snapshot>,
}

/// Imports `module`, or raises ImportError with `hint` (how to install it).
fn import_for<'py>(py: Python<'py>, module: &str, hint: &str) -> PyResult<Bound<'py, PyModule>> {
    py.import(module)
        .map_err(|_| PyImportError::new_err(hint.to_string()))
}

/// Marks a numpy array read-only: the views point into a file mapped
/// read-only, so a write would crash the process rather than raise.
fn read_only<T: numpy::Element>(a: &Bound<'_, PyArray1<T>>) {
    // SAFETY: the array was just made here and is not shared yet.
    unsafe {
        (*a.as_array_ptr()).flags &= !numpy::npyffi::flags::NPY_ARRAY_WRITEABLE;
    }
}

impl PySnapshot {
    pub fn from_snapshot(snap: marketrank::Snapshot) -> PySnapshot {
        PySnapshot {
            snap: Arc::new(snap),
        }
    }

    fn market(&self, name: &str) -> PyResult<usize> {
        self.snap.market_index(name).ok_or_else(|| {
            PyKeyError::new_err(format!(
                "no market `{name}` in the snapshot (markets: {})",
                self.snap.markets().join(", ")
            ))
        })
    }

    fn user_index(&self, id: &str) -> PyResult<u32> {
        self.snap
            .user_index(id)
            .ok_or_else(|| PyKeyError::new_err(format!("no user `{id}` in the snapshot")))
    }

    fn parts(&self) -> Vec<PartColumns<'_>> {
        self.snap.columns()
    }

    fn view_dict<'py>(&self, py: Python<'py>, u: u32, m: usize) -> PyResult<Bound<'py, PyDict>> {
        let v = user_view(&self.snap, u, m);
        let d = PyDict::new(py);
        d.set_item("user", self.snap.user_id(u))?;
        d.set_item("score", v.score)?;
        d.set_item("rank", v.rank)?;
        d.set_item("percentile", v.percentile)?;
        d.set_item("influence", v.influence)?;
        d.set_item("followers", v.followers)?;
        d.set_item("global_rank", v.global_rank)?;
        d.set_item("lift", v.lift)?;
        Ok(d)
    }
}

#[pymethods]
impl PySnapshot {
    /// Opens the snapshot at `path` (a `.snap` file or a sharded run's
    /// manifest). `verify=False` (the default) checks the header, its
    /// checksum, the length, the section table and the metadata, and maps
    /// the rest (milliseconds at any size); `verify=True` also checks the
    /// body checksum and every offset, index and score (`marketrank info`'s
    /// checks; about a second per 2.5 GB).
    #[new]
    #[pyo3(signature = (path, verify = false))]
    fn new(py: Python<'_>, path: std::path::PathBuf, verify: bool) -> PyResult<PySnapshot> {
        let snap = py
            .detach(|| {
                if verify {
                    marketrank::Snapshot::open(&path)
                } else {
                    marketrank::Snapshot::open_unverified(&path)
                }
            })
            .map_err(snapshot_error)?;
        Ok(PySnapshot::from_snapshot(snap))
    }

    fn __repr__(&self) -> String {
        format!(
            "<marketrank.Snapshot {}: {} users, {} markets>",
            self.snap.content_id(),
            self.snap.users(),
            self.snap.markets().len()
        )
    }

    fn __len__(&self) -> usize {
        self.snap.users()
    }

    /// Market names, in column order.
    #[getter]
    fn markets(&self) -> Vec<String> {
        self.snap.markets().to_vec()
    }

    /// The snapshot's content id (`<created>/<crc>`, what `info` prints).
    #[getter]
    fn snapshot_id(&self) -> String {
        self.snap.content_id()
    }

    /// The user ids, in user order, as a column (Arrow `large_utf8`
    /// without a copy: `pl.Series(snap.users)`, `pa.array(snap.users)`).
    #[getter]
    fn users(&self) -> UserColumn {
        UserColumn {
            snap: self.snap.clone(),
        }
    }

    /// The run's metadata (the snapshot's JSON record) as a dict.
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::to_string(self.snap.metadata())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        py.import("json")?.call_method1("loads", (text,))
    }

    /// Scores of `market`, one per user in user order: a read-only numpy
    /// view of the mapped score block (no copy; float32 or float64 as the
    /// run's precision). A sharded snapshot's scores span its files: they
    /// are copied into one array.
    fn scores<'py>(slf: Bound<'py, Self>, market: &str) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.get();
        let m = this.market(market)?;
        let k = this.snap.markets().len();
        let parts = this.parts();
        if let [one] = parts.as_slice() {
            macro_rules! view {
                ($s:expr) => {{
                    let v = ArrayView1::from(&$s[m..]);
                    // Every k-th value from column m: users values.
                    let shape = (one.users,).strides((k,));
                    // SAFETY: the strided view stays inside the block
                    // ((users − 1)·k + m < users·k), which lives as long
                    // as the snapshot the array's base object holds.
                    let v = unsafe { ArrayView1::from_shape_ptr(shape, v.as_ptr()) };
                    let a = unsafe { PyArray1::borrow_from_array(&v, slf.clone().into_any()) };
                    read_only(&a);
                    a.into_any()
                }};
            }
            return Ok(match one.scores {
                ScoreBlock::F32(s) => view!(s),
                ScoreBlock::F64(s) => view!(s),
            });
        }
        let py = slf.py();
        let copy: Vec<f64> = (0..this.snap.users() as u32)
            .map(|u| this.snap.score(u, m))
            .collect();
        let a = PyArray1::from_vec(py, copy);
        read_only(&a);
        Ok(a.into_any())
    }

    /// Follower counts (uint32), one per user: a read-only view of the
    /// mapped file (a copy for a sharded snapshot).
    #[getter]
    fn followers<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let this = slf.get();
        let parts = this.parts();
        let a = if let [one] = parts.as_slice() {
            let v = ArrayView1::from(one.followers);
            // SAFETY: the slice lives as long as the snapshot the base holds.
            unsafe { PyArray1::borrow_from_array(&v, slf.clone().into_any()) }
        } else {
            let all: Vec<u32> = parts
                .iter()
                .flat_map(|p| p.followers.iter().copied())
                .collect();
            PyArray1::from_vec(slf.py(), all)
        };
        read_only(&a);
        Ok(a)
    }

    /// The `k` most influential users of `market`: dicts of `rank`, `user`,
    /// `score`, `influence`, `percentile`, `followers`, `global_rank`,
    /// `lift` (the columns of `marketrank top`).
    #[pyo3(signature = (market, k = 10))]
    fn top<'py>(&self, py: Python<'py>, market: &str, k: usize) -> PyResult<Bound<'py, PyList>> {
        let m = self.market(market)?;
        let rows: Vec<_> = self
            .snap
            .top(m, k)
            .map(|(u, _)| self.view_dict(py, u, m))
            .collect::<PyResult<_>>()?;
        PyList::new(py, rows)
    }

    /// One user in every market (`marketrank show`): `user`, `followers`,
    /// `global_rank`, and `markets`: market → dict of `score`, `rank`,
    /// `percentile`, `influence`, `lift`.
    fn user<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyDict>> {
        let u = self.user_index(id)?;
        let d = PyDict::new(py);
        let markets = PyDict::new(py);
        for (m, name) in self.snap.markets().iter().enumerate() {
            let v = self.view_dict(py, u, m)?;
            if m == 0 {
                d.set_item("user", id)?;
                d.set_item("followers", v.get_item("followers")?)?;
                d.set_item("global_rank", v.get_item("global_rank")?)?;
            }
            for key in ["user", "followers", "global_rank"] {
                v.del_item(key)?;
            }
            markets.set_item(name, v)?;
        }
        d.set_item("markets", markets)?;
        Ok(d)
    }

    /// Which followers carry `user`'s score in `market` (`marketrank
    /// explain`): `score`, `teleport`, `from_followers`, and the first `n`
    /// `contributions` (dicts of `follower`, `amount`, `share`, `rank`,
    /// `score`: the follower's own standing), largest first.
    #[pyo3(signature = (user, market, n = 10))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        user: &str,
        market: &str,
        n: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (u, m) = (self.user_index(user)?, self.market(market)?);
        let snap = &self.snap;
        let e = py
            .detach(|| explain::explain(snap, u, m))
            .map_err(|e| crate::errors::SnapshotError::new_err(e.to_string()))?;
        let d = PyDict::new(py);
        d.set_item("user", user)?;
        d.set_item("market", market)?;
        d.set_item("score", e.score)?;
        d.set_item("rank", snap.rank(u, m))?;
        d.set_item("followers", snap.followers(u))?;
        d.set_item("teleport", e.teleport)?;
        d.set_item("from_followers", e.from_followers())?;
        let rows = PyList::empty(py);
        for c in e.contributions.iter().take(n) {
            let r = PyDict::new(py);
            r.set_item("follower", snap.user_id(c.follower))?;
            r.set_item("amount", c.amount)?;
            r.set_item("share", c.share)?;
            r.set_item("rank", snap.rank(c.follower, m))?;
            r.set_item("score", snap.score(c.follower, m))?;
            rows.append(r)?;
        }
        d.set_item("contributions", rows)?;
        Ok(d)
    }

    /// How markets `a` and `b` relate (`marketrank compare`): overlap of
    /// the top `k`, Spearman over all users, Kendall τ-b over the top
    /// lists, and `specialists` users of each side.
    #[pyo3(signature = (a, b, k = 100, specialists = 10))]
    fn compare<'py>(
        &self,
        py: Python<'py>,
        a: &str,
        b: &str,
        k: usize,
        specialists: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (ma, mb) = (self.market(a)?, self.market(b)?);
        let snap = &self.snap;
        let c = py.detach(|| compare::compare_markets(snap, ma, mb, k, specialists));
        let d = PyDict::new(py);
        d.set_item("a", a)?;
        d.set_item("b", b)?;
        d.set_item("k", c.k)?;
        d.set_item("jaccard_top_k", c.jaccard_top_k)?;
        d.set_item("spearman", c.spearman)?;
        d.set_item("kendall_tau_top_k", c.kendall_tau_top_k)?;
        for (key, list) in [
            ("specialists_a", &c.specialists_a),
            ("specialists_b", &c.specialists_b),
        ] {
            let rows = PyList::empty(py);
            for s in list {
                let r = PyDict::new(py);
                r.set_item("user", snap.user_id(s.user))?;
                r.set_item("rank_here", s.rank_here)?;
                r.set_item("rank_there", s.rank_there)?;
                rows.append(r)?;
            }
            d.set_item(key, rows)?;
        }
        Ok(d)
    }

    /// What changed in `market` since `older` (a Snapshot or a path): the
    /// `limit` largest risers, fallers, newcomers and departures among the
    /// users of either top `k` (`marketrank diff`).
    #[pyo3(signature = (older, market, k = 100, limit = 10))]
    fn diff<'py>(
        &self,
        py: Python<'py>,
        older: &Bound<'py, PyAny>,
        market: &str,
        k: usize,
        limit: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let old = match older.cast::<PySnapshot>() {
            Ok(s) => s.get().snap.clone(),
            Err(_) => {
                let path: std::path::PathBuf = older.extract()?;
                Arc::new(marketrank::Snapshot::open_unverified(&path).map_err(snapshot_error)?)
            }
        };
        let new = &self.snap;
        let dd = py
            .detach(|| diff::diff_market(&old, new, market, k, limit))
            .map_err(|e| PyKeyError::new_err(e.to_string()))?;
        let d = PyDict::new(py);
        d.set_item("market", market)?;
        for (key, list) in [
            ("risers", &dd.risers),
            ("fallers", &dd.fallers),
            ("newcomers", &dd.newcomers),
            ("departures", &dd.departures),
        ] {
            let rows = PyList::empty(py);
            for c in list {
                let r = PyDict::new(py);
                r.set_item("user", &c.user)?;
                r.set_item("old_rank", c.old_rank)?;
                r.set_item("new_rank", c.new_rank)?;
                r.set_item("old_score", c.old_score)?;
                r.set_item("new_score", c.new_score)?;
                r.set_item("rank_delta", c.rank_delta())?;
                rows.append(r)?;
            }
            d.set_item(key, rows)?;
        }
        Ok(d)
    }

    /// The scores as an Arrow table (an object with `__arrow_c_stream__`),
    /// with the columns and rows of `marketrank export` (Parquet types):
    /// long, one row per (user, market) in rank order, a batch per market;
    /// or `wide`, one row per user in user order with five columns per
    /// market.
    #[pyo3(signature = (markets = None, wide = false))]
    fn to_arrow(&self, markets: Option<Vec<String>>, wide: bool) -> PyResult<ScoreTable> {
        let columns = match markets {
            None => (0..self.snap.markets().len()).collect(),
            Some(names) => {
                let mut cols: Vec<usize> = Vec::new();
                for n in &names {
                    let c = self.market(n)?;
                    if !cols.contains(&c) {
                        cols.push(c);
                    }
                }
                cols
            }
        };
        Ok(ScoreTable {
            snap: self.snap.clone(),
            markets: columns,
            wide,
        })
    }

    /// [`to_arrow`](Self::to_arrow) as a polars DataFrame (polars takes
    /// the Arrow stream without copying it).
    #[pyo3(signature = (markets = None, wide = false))]
    fn to_polars<'py>(
        &self,
        py: Python<'py>,
        markets: Option<Vec<String>>,
        wide: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = Bound::new(py, self.to_arrow(markets, wide)?)?;
        let pl = import_for(py, "polars", "to_polars needs polars: pip install polars")?;
        pl.call_method1("DataFrame", (table,))
    }

    /// [`to_arrow`](Self::to_arrow) as a pandas DataFrame, through
    /// pyarrow (`pa.table(...).to_pandas()`).
    #[pyo3(signature = (markets = None, wide = false))]
    fn to_pandas<'py>(
        &self,
        py: Python<'py>,
        markets: Option<Vec<String>>,
        wide: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = Bound::new(py, self.to_arrow(markets, wide)?)?;
        let hint = "to_pandas needs pandas and pyarrow: pip install pandas pyarrow";
        let pa = import_for(py, "pyarrow", hint)?;
        pa.call_method1("table", (table,))?
            .call_method0("to_pandas")
    }
}
