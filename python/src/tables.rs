//! A snapshot's tables for Arrow consumers: the user ids as a column
//! borrowed from the mapped file ([`UserColumn`]), and the scores with the
//! export's rows and columns as a stream of record batches
//! ([`ScoreTable`]).

use crate::arrow::{self, Column, DataType};
use marketrank::export::rows::{Row, RowSource, WideRows};
use marketrank::export::ExportFilter;
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use std::sync::Arc;

/// The user ids of a snapshot as an Arrow `large_utf8` column, borrowing
/// the mapped id sections.
#[pyclass(module = "marketrank._marketrank", frozen)]
pub struct UserColumn {
    pub(crate) snap: Arc<marketrank::Snapshot>,
}

#[pymethods]
impl UserColumn {
    fn __len__(&self) -> usize {
        self.snap.users()
    }

    fn __getitem__(&self, i: isize) -> PyResult<String> {
        let n = self.snap.users() as isize;
        let j = if i < 0 { i + n } else { i };
        if !(0..n).contains(&j) {
            return Err(pyo3::exceptions::PyIndexError::new_err(format!(
                "user {i} of {n}"
            )));
        }
        Ok(self.snap.user_id(j as u32).to_string())
    }

    fn __repr__(&self) -> String {
        format!("<marketrank.UserColumn of {} users>", self.snap.users())
    }

    /// The ids as a Python list (a copy: one str per user).
    fn to_list(&self) -> Vec<String> {
        (0..self.snap.users() as u32)
            .map(|u| self.snap.user_id(u).to_string())
            .collect()
    }

    /// User index of `id` (binary search of the id index).
    fn index(&self, id: &str) -> PyResult<u32> {
        self.snap
            .user_index(id)
            .ok_or_else(|| PyKeyError::new_err(format!("no user `{id}`")))
    }

    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let _ = requested_schema;
        let mut cols = user_columns(&self.snap);
        if cols.len() != 1 {
            // A sharded snapshot: its parts' ids in one owned column.
            return arrow::column_capsules(py, owned_ids(&self.snap, None));
        }
        arrow::column_capsules(py, cols.remove(0))
    }

    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = requested_schema;
        let mut parts = user_columns(&self.snap).into_iter();
        let next: arrow::Batches = Box::new(move || parts.next().map(|c| Ok(vec![c])));
        arrow::stream_capsule(py, vec![("user".into(), DataType::LargeUtf8)], next)
    }
}

/// The id column of each part, borrowed from the mapped file.
fn user_columns(snap: &Arc<marketrank::Snapshot>) -> Vec<Column> {
    let keep: Arc<dyn std::any::Any + Send + Sync> = snap.clone();
    snap.columns()
        .iter()
        .map(|p| {
            // SAFETY: the sections live as long as the snapshot `keep` holds.
            unsafe { Column::strings_borrowed("user", p.id_offsets, p.id_bytes, keep.clone()) }
        })
        .collect()
}

/// The ids of `users` (all, in user order, when `None`) in one owned column.
fn owned_ids(snap: &marketrank::Snapshot, users: Option<&[u32]>) -> Column {
    let n = users.map_or(snap.users(), <[u32]>::len);
    let mut offsets = Vec::with_capacity(n + 1);
    let mut bytes = Vec::new();
    offsets.push(0i64);
    for i in 0..n {
        let u = users.map_or(i as u32, |us| us[i]);
        bytes.extend_from_slice(snap.user_id(u).as_bytes());
        offsets.push(bytes.len() as i64);
    }
    Column::strings_owned("user", offsets, bytes)
}

/// A snapshot's scores as an Arrow stream ([`PySnapshot::to_arrow`]).
#[pyclass(module = "marketrank._marketrank", frozen)]
pub struct ScoreTable {
    pub(crate) snap: Arc<marketrank::Snapshot>,
    pub(crate) markets: Vec<usize>,
    pub(crate) wide: bool,
}

const LONG: [(&str, DataType); 9] = [
    ("user", DataType::LargeUtf8),
    ("market", DataType::LargeUtf8),
    ("score", DataType::Float64),
    ("rank", DataType::Int64),
    ("percentile", DataType::Float64),
    ("followers", DataType::UInt32),
    ("influence", DataType::Float64),
    ("global_rank", DataType::Int64),
    ("lift", DataType::Float64),
];

const PER_MARKET: [(&str, DataType); 5] = [
    ("score", DataType::Float64),
    ("rank", DataType::Int64),
    ("percentile", DataType::Float64),
    ("influence", DataType::Float64),
    ("lift", DataType::Float64),
];

impl ScoreTable {
    fn fields(&self) -> Vec<(String, DataType)> {
        if !self.wide {
            return LONG.iter().map(|(n, t)| (n.to_string(), *t)).collect();
        }
        let mut f = vec![
            ("user".to_string(), DataType::LargeUtf8),
            ("followers".to_string(), DataType::UInt32),
            ("global_rank".to_string(), DataType::Int64),
        ];
        for &m in &self.markets {
            let name = &self.snap.markets()[m];
            f.extend(PER_MARKET.iter().map(|(s, t)| (format!("{name}_{s}"), *t)));
        }
        f
    }
}

/// One market's rows in rank order, as the long layout's columns, built
/// straight from the rows (no `Row` vector) with the ids copied from the
/// id sections' bytes.
fn long_batch(snap: &Arc<marketrank::Snapshot>, src: &RowSource<'_>, m: usize) -> Vec<Column> {
    let n = snap.users();
    let name = snap.markets()[m].as_bytes();
    let parts = snap.columns();
    let id_bytes = |u: u32| -> &[u8] {
        let p = &parts[parts.partition_point(|p| p.first_user <= u) - 1];
        let l = (u - p.first_user) as usize;
        &p.id_bytes[p.id_offsets[l] as usize..p.id_offsets[l + 1] as usize]
    };
    let (mut ids, mut id_offsets) = (Vec::with_capacity(n * 8), Vec::with_capacity(n + 1));
    let mut market_offsets = Vec::with_capacity(n + 1);
    id_offsets.push(0i64);
    market_offsets.push(0i64);
    let mut score = Vec::with_capacity(n);
    let mut rank = Vec::with_capacity(n);
    let mut percentile = Vec::with_capacity(n);
    let mut followers = Vec::with_capacity(n);
    let mut influence = Vec::with_capacity(n);
    let mut global_rank = Vec::with_capacity(n);
    let mut lift = Vec::with_capacity(n);
    src.each_market_row(m, &ExportFilter::default(), |r| {
        ids.extend_from_slice(id_bytes(r.user));
        id_offsets.push(ids.len() as i64);
        market_offsets.push(market_offsets.len() as i64 * name.len() as i64);
        score.push(r.score);
        rank.push(r.rank as i64);
        percentile.push(r.percentile);
        followers.push(snap.followers(r.user) as u32);
        influence.push(r.influence);
        global_rank.push(src.global_rank(r.user) as i64);
        lift.push(r.lift);
    });
    let market_bytes = name.repeat(market_offsets.len() - 1);
    vec![
        Column::strings_owned("user", id_offsets, ids),
        Column::strings_owned("market", market_offsets, market_bytes),
        Column::owned("score", DataType::Float64, score),
        Column::owned("rank", DataType::Int64, rank),
        Column::owned("percentile", DataType::Float64, percentile),
        Column::owned("followers", DataType::UInt32, followers),
        Column::owned("influence", DataType::Float64, influence),
        Column::owned("global_rank", DataType::Int64, global_rank),
        Column::owned("lift", DataType::Float64, lift),
    ]
}

/// Every user in user order, with five columns per market: ids and
/// follower counts borrowed from a single-file snapshot.
fn wide_batch(
    snap: &Arc<marketrank::Snapshot>,
    src: &RowSource<'_>,
    markets: &[usize],
) -> Vec<Column> {
    let wide: WideRows = src.wide_rows(markets, &ExportFilter::default());
    let keep: Arc<dyn std::any::Any + Send + Sync> = snap.clone();
    let parts = snap.columns();
    let (user, followers) = match parts.as_slice() {
        // SAFETY: the sections live as long as the snapshot `keep` holds.
        [one] => unsafe {
            (
                Column::strings_borrowed("user", one.id_offsets, one.id_bytes, keep.clone()),
                Column::borrowed("followers", DataType::UInt32, one.followers, keep),
            )
        },
        _ => (
            owned_ids(snap, None),
            Column::owned(
                "followers",
                DataType::UInt32,
                (0..snap.users() as u32)
                    .map(|u| snap.followers(u) as u32)
                    .collect::<Vec<u32>>(),
            ),
        ),
    };
    let n = wide.users.len();
    let mut cols = vec![
        user,
        followers,
        Column::owned(
            "global_rank",
            DataType::Int64,
            wide.users
                .iter()
                .map(|&u| src.global_rank(u) as i64)
                .collect::<Vec<i64>>(),
        ),
    ];
    for (i, &m) in markets.iter().enumerate() {
        let name = &snap.markets()[m];
        // Every cell is present: the wide layout here has no filter.
        let cell =
            |j: usize| wide.cells_of(j)[i].expect("an unfiltered wide layout has every cell");
        let floats = |f: fn(&Row) -> f64| (0..n).map(|j| f(&cell(j))).collect::<Vec<f64>>();
        let ranks = (0..n).map(|j| cell(j).rank as i64).collect::<Vec<i64>>();
        cols.push(Column::owned(
            &format!("{name}_score"),
            DataType::Float64,
            floats(|r| r.score),
        ));
        cols.push(Column::owned(
            &format!("{name}_rank"),
            DataType::Int64,
            ranks,
        ));
        let rest: [(&str, fn(&Row) -> f64); 3] = [
            ("percentile", |r| r.percentile),
            ("influence", |r| r.influence),
            ("lift", |r| r.lift),
        ];
        for (suffix, f) in rest {
            cols.push(Column::owned(
                &format!("{name}_{suffix}"),
                DataType::Float64,
                floats(f),
            ));
        }
    }
    cols
}

#[pymethods]
impl ScoreTable {
    fn __repr__(&self) -> String {
        format!(
            "<marketrank.ScoreTable {} layout, {} markets of {} users>",
            if self.wide { "wide" } else { "long" },
            self.markets.len(),
            self.snap.users()
        )
    }

    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = requested_schema;
        let snap = self.snap.clone();
        let markets = self.markets.clone();
        let wide = self.wide;
        let mut i = 0;
        let mut global = None;
        let next: arrow::Batches = Box::new(move || {
            // The `_global` columns are computed once, for every batch.
            let src = RowSource::with_global(&snap, global.take());
            let batch = if wide {
                (i == 0).then(|| wide_batch(&snap, &src, &markets))
            } else {
                markets.get(i).map(|&m| long_batch(&snap, &src, m))
            };
            global = src.into_global();
            i += 1;
            batch.map(Ok)
        });
        arrow::stream_capsule(py, self.fields(), next)
    }
}
