//! The native module of the `marketrank` Python package (`marketrank._marketrank`).
//!
//! A thin layer over the library: snapshots opened and queried with
//! [`marketrank::Snapshot`], runs with [`marketrank::job::run_rank_job`].
//! The Python modules beside it (`python/marketrank/`) turn DataFrames into
//! columns and Arrow streams into DataFrames.

mod arrow;
mod errors;
mod rank;
mod snapshot;
mod tables;

use pyo3::prelude::*;

#[pymodule]
fn _marketrank(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<snapshot::PySnapshot>()?;
    m.add_class::<tables::UserColumn>()?;
    m.add_class::<tables::ScoreTable>()?;
    m.add_function(wrap_pyfunction!(rank::run_rank, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULTS", rank::defaults(m.py())?)?;
    m.add_function(wrap_pyfunction!(usual_column_names, m)?)?;
    errors::register(m)
}

/// The column names tried, in order, for a role (`follower`, `followee`,
/// `user`, `topic`) when a table or Parquet file does not name its column.
#[pyfunction]
fn usual_column_names(role: &str) -> Vec<&'static str> {
    marketrank::input::dialect::usual_column_names(role).to_vec()
}
