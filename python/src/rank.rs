//! `marketrank.rank`: the CLI's `rank` job over files or in-memory
//! tables, with the GIL released while it runs.
//!
//! The Python side (`marketrank/_tables.py`) turns a pandas, polars or
//! pyarrow table into plain columns (numpy integer arrays or lists of
//! strings, null masks, a float64 weight array); here they become a
//! [`GraphTables`] and the job reads them as it reads files
//! ([`marketrank::input::table`]), so the same rows give the same bytes.

use crate::errors::{job_error, ConfigError};
use crate::snapshot::PySnapshot;
use marketrank::input::dialect::parse_delimiter;
use marketrank::input::load::GraphFiles;
use marketrank::input::table::{GraphTables, IdColumn, IdValues, PairTable, WeightColumn};
use marketrank::input::{BadLines, ColumnNames, Dialect, HeaderMode, InputColumns, ReadOptions};
use marketrank::job::{
    run_rank_job, AccountsInput, GraphInput, Level, Observer, Phase, Progress, RankJob,
};
use marketrank::{Method, Precision, RankConfig, TeleportMode, TrustConfig, Walk};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use std::path::PathBuf;
use std::sync::Arc;

/// One id column from Python: `(name, kind, values, nulls)`.
fn id_column(spec: &Bound<'_, PyAny>) -> PyResult<IdColumn> {
    let t = spec.cast::<PyTuple>()?;
    let name: String = t.get_item(0)?.extract()?;
    let kind: String = t.get_item(1)?.extract()?;
    let values = t.get_item(2)?;
    let values = match kind.as_str() {
        "signed" => IdValues::Signed(
            values
                .extract::<PyReadonlyArray1<'_, i64>>()?
                .as_slice()?
                .to_vec(),
        ),
        "unsigned" => IdValues::Unsigned(
            values
                .extract::<PyReadonlyArray1<'_, u64>>()?
                .as_slice()?
                .to_vec(),
        ),
        "text" => {
            let list = values.cast::<PyList>()?;
            let mut offsets = Vec::with_capacity(list.len() + 1);
            let mut bytes = Vec::new();
            offsets.push(0);
            for item in list.iter() {
                if let Ok(s) = item.cast::<PyString>() {
                    bytes.extend_from_slice(s.to_cow()?.as_bytes());
                }
                offsets.push(bytes.len());
            }
            IdValues::Text { offsets, bytes }
        }
        other => {
            return Err(ConfigError::new_err(format!(
                "unknown column kind `{other}`"
            )))
        }
    };
    Ok(IdColumn {
        name,
        values,
        nulls: nulls(&t.get_item(3)?)?,
    })
}

fn nulls(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<bool>>> {
    if obj.is_none() {
        return Ok(None);
    }
    Ok(Some(
        obj.extract::<PyReadonlyArray1<'_, bool>>()?
            .as_slice()?
            .to_vec(),
    ))
}

/// A table from Python: `{"label", "first", "second", "weight"}`.
fn pair_table(spec: &Bound<'_, PyDict>) -> PyResult<PairTable> {
    let get = |k: &str| -> PyResult<Bound<'_, PyAny>> {
        spec.get_item(k)?
            .ok_or_else(|| ConfigError::new_err(format!("table spec without `{k}`")))
    };
    let weight = get("weight")?;
    let weight = if weight.is_none() {
        None
    } else {
        let t = weight.cast::<PyTuple>()?;
        Some(WeightColumn {
            name: t.get_item(0)?.extract()?,
            values: t
                .get_item(1)?
                .extract::<PyReadonlyArray1<'_, f64>>()?
                .as_slice()?
                .to_vec(),
            nulls: nulls(&t.get_item(2)?)?,
        })
    };
    Ok(PairTable {
        label: get("label")?.extract()?,
        first: id_column(&get("first")?)?,
        second: id_column(&get("second")?)?,
        weight,
    })
}

/// The graph input: both roles as paths, or both as tables.
fn graph_input(
    edges: &Bound<'_, PyAny>,
    topics: &Bound<'_, PyAny>,
    read: ReadOptions,
) -> PyResult<GraphInput> {
    match (edges.cast::<PyDict>(), topics.cast::<PyDict>()) {
        (Ok(e), Ok(t)) => Ok(GraphInput::Tables(Arc::new(GraphTables { follows: pair_table(e)?, topics: pair_table(t)? }))),
        (Err(_), Err(_)) => {
            let e: Vec<PathBuf> = edges.extract()?;
            let t: Vec<PathBuf> = topics.extract()?;
            // The library default: spills to the temporary directory beyond
            // 2²⁸ follows held, the same graph either way.
            Ok(GraphInput::Text(GraphFiles { edges: e, topics: t, read, spill: Default::default() }))
        }
        _ => Err(ConfigError::new_err(
            "give edges and topics both as paths or both as tables (write the table to Parquet, or read the file into a DataFrame)",
        )),
    }
}

/// Forwards a run's notes and progress to a Python callable:
/// `callback(kind, data)` with kind `"note"` (data: `level`, `phase`,
/// `message`) or `"progress"` (data: `iteration`, `fraction`,
/// `max_residual`, `tolerance`, `active`, `markets`). An exception the
/// callback raises is kept and raised after the run.
struct PyObserver {
    callback: Option<Py<PyAny>>,
    phase: Phase,
    notes: Vec<(Level, String)>,
    error: std::sync::Mutex<Option<PyErr>>,
}

impl PyObserver {
    fn call(&self, kind: &str, fill: impl FnOnce(&Bound<'_, PyDict>) -> PyResult<()>) {
        let Some(cb) = &self.callback else { return };
        Python::attach(|py| {
            let d = PyDict::new(py);
            let r = fill(&d).and_then(|()| cb.call1(py, (kind, d)).map(drop));
            if let Err(e) = r {
                self.error.lock().expect("not poisoned").get_or_insert(e);
            }
        });
    }
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Setup => "setup",
        Phase::Read => "read",
        Phase::Rank => "rank",
        Phase::Write => "write",
    }
}

impl Observer for PyObserver {
    fn note(&mut self, level: Level, message: &str) {
        self.notes.push((level, message.to_string()));
        let phase = phase_name(self.phase);
        self.call("note", |d| {
            d.set_item(
                "level",
                if level == Level::Warning {
                    "warning"
                } else {
                    "info"
                },
            )?;
            d.set_item("phase", phase)?;
            d.set_item("message", message)
        });
    }

    fn phase(&mut self, phase: Phase) {
        self.phase = phase;
    }

    fn progress(&self, p: &Progress) {
        self.call("progress", |d| {
            d.set_item("iteration", p.iteration)?;
            d.set_item("fraction", p.fraction())?;
            d.set_item("max_residual", p.max_residual)?;
            d.set_item("tolerance", p.tolerance)?;
            d.set_item("active", p.active)?;
            d.set_item("markets", p.markets)
        });
    }
}

/// The run's parameters, as `marketrank rank`'s flags with its defaults.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub struct Params {
    damping: f64,
    tol: f64,
    max_iter: u32,
    precision: String,
    method: String,
    walk: String,
    topic_bias: f64,
    teleport: Option<String>,
    markets: Option<PathBuf>,
    global_market: bool,
    only_topics: Option<Vec<String>>,
    threads: usize,
    skip_bad_lines: bool,
    rejects: Option<PathBuf>,
    max_memory: Option<String>,
    previous: Option<PathBuf>,
    accounts: Option<PathBuf>,
    trusted: Option<PathBuf>,
    as_of: Option<String>,
    probation_days: u32,
    trust_steps: u32,
    delimiter: Option<String>,
    header: String,
    null_tokens: Option<Vec<String>>,
    follower_col: Option<String>,
    followee_col: Option<String>,
    user_col: Option<String>,
    topic_col: Option<String>,
    weight_col: Option<String>,
}

/// How files are read: the CLI's `--delimiter`, `--header`, `--null-token`
/// and column flags.
fn read_options(p: &Params) -> PyResult<ReadOptions> {
    let delimiter = match &p.delimiter {
        None => None,
        Some(d) => {
            Some(parse_delimiter(d).map_err(|e| ConfigError::new_err(format!("delimiter: {e}")))?)
        }
    };
    let header = match p.header.as_str() {
        "auto" => HeaderMode::Auto,
        "yes" => HeaderMode::Yes,
        "no" => HeaderMode::No,
        v => {
            return Err(ConfigError::new_err(format!(
                "header `{v}`: one of auto, yes, no"
            )))
        }
    };
    let null_tokens = p
        .null_tokens
        .clone()
        .unwrap_or_else(|| Dialect::default().null_tokens);
    let names = |first: &Option<String>, second: &Option<String>| ColumnNames {
        first: first.clone(),
        second: second.clone(),
        weight: p.weight_col.clone(),
    };
    Ok(ReadOptions {
        dialect: Dialect {
            delimiter,
            header,
            null_tokens,
        },
        columns: InputColumns {
            edges: names(&p.follower_col, &p.followee_col),
            topics: names(&p.user_col, &p.topic_col),
        },
    })
}

fn config_of(p: &Params) -> PyResult<RankConfig> {
    let bad = |what: &str, v: &str, allowed: &str| {
        ConfigError::new_err(format!("{what} `{v}`: one of {allowed}"))
    };
    let walk = match p.walk.as_str() {
        "topic-biased" | "topic_biased" => Walk::TopicBiased {
            epsilon: p.topic_bias,
        },
        "plain" => Walk::Plain,
        v => return Err(bad("walk", v, "topic-biased, plain")),
    };
    let teleport = match p.teleport.as_deref() {
        Some("tagged") => TeleportMode::Tagged,
        Some("earned") => TeleportMode::Earned,
        None => TeleportMode::default_for(&walk),
        Some(v) => return Err(bad("teleport", v, "earned, tagged")),
    };
    let precision = match p.precision.as_str() {
        "f32" => Precision::F32,
        "f64" => Precision::F64,
        v => return Err(bad("precision", v, "f32, f64")),
    };
    let method = match p.method.as_str() {
        "extrapolated" => Method::Extrapolated,
        "power" => Method::Power,
        v => return Err(bad("method", v, "extrapolated, power")),
    };
    Ok(RankConfig {
        damping: p.damping,
        tolerance: p.tol,
        max_iterations: p.max_iter,
        precision,
        walk,
        teleport,
        method,
    })
}

fn accounts_of(p: &Params) -> PyResult<Option<AccountsInput>> {
    let Some(path) = &p.accounts else {
        return Ok(None);
    };
    if p.teleport.as_deref() == Some("tagged") {
        return Err(ConfigError::new_err(
            "accounts sets who restarts the walk (tag weight x earned trust); it cannot be combined with teleport='tagged'",
        ));
    }
    let as_of_day = match &p.as_of {
        Some(s) => marketrank::input::parse_utc_day(s)
            .map_err(|e| ConfigError::new_err(format!("as_of: {e}")))?,
        None => (marketrank::snapshot::meta_now() / 86_400) as i32,
    };
    Ok(Some(AccountsInput {
        path: path.clone(),
        trusted: p.trusted.clone(),
        config: TrustConfig {
            probation_days: p.probation_days,
            steps: p.trust_steps,
            ..TrustConfig::at(as_of_day)
        },
    }))
}

/// Runs the rank job; returns the snapshot and the run's notes.
#[pyfunction]
#[pyo3(signature = (edges, topics, out, params, progress = None))]
pub fn run_rank<'py>(
    py: Python<'py>,
    edges: &Bound<'py, PyAny>,
    topics: &Bound<'py, PyAny>,
    out: Option<PathBuf>,
    params: Params,
    progress: Option<Py<PyAny>>,
) -> PyResult<(PySnapshot, Vec<(String, String)>)> {
    let input = graph_input(edges, topics, read_options(&params)?)?;
    let config = config_of(&params)?;
    let max_memory = match &params.max_memory {
        None => None,
        Some(s) => Some(
            marketrank::job::memory::parse_size(s)
                .map_err(|e| ConfigError::new_err(format!("max_memory: {e}")))?,
        ),
    };
    // Without `out`, the snapshot is written to a private temporary
    // directory, mapped, and the file removed: it lives in the page cache
    // as long as the Snapshot does.
    let temp = match &out {
        Some(_) => None,
        None => Some(tempfile::tempdir().map_err(|e| {
            crate::errors::MarketrankError::new_err(format!("no temporary directory: {e}"))
        })?),
    };
    let path = out.clone().unwrap_or_else(|| {
        temp.as_ref()
            .expect("made above")
            .path()
            .join("scores.snap")
    });
    let accounts = accounts_of(&params)?;
    let job = RankJob {
        config,
        markets: params.markets.clone(),
        global: params.global_market,
        only_topics: params.only_topics.clone(),
        threads: params.threads,
        bad_lines: if params.skip_bad_lines {
            BadLines::Skip
        } else {
            BadLines::Fail
        },
        rejects: params.rejects.clone(),
        max_memory,
        previous: params.previous.clone(),
        accounts,
        ..RankJob::new(input, path.clone())
    };
    let mut obs = PyObserver {
        callback: progress,
        phase: Phase::Setup,
        notes: Vec::new(),
        error: Default::default(),
    };
    let result = py.detach(|| {
        run_rank_job(&job, &mut obs)?;
        Ok::<_, marketrank::job::JobError>(marketrank::Snapshot::open_unverified(&path)?)
    });
    if let Some(e) = obs.error.lock().expect("not poisoned").take() {
        return Err(e);
    }
    let snap = result.map_err(job_error)?;
    drop(temp);
    let notes = obs
        .notes
        .into_iter()
        .map(|(l, m)| {
            (
                (if l == Level::Warning {
                    "warning"
                } else {
                    "info"
                })
                .to_string(),
                m,
            )
        })
        .collect();
    Ok((PySnapshot::from_snapshot(snap), notes))
}

/// `marketrank.DEFAULTS`: the parameters of `marketrank rank` with the
/// library's defaults.
pub fn defaults<'py>(py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let none = py.None();
    d.set_item("damping", RankConfig::DEFAULT_DAMPING)?;
    d.set_item("tol", RankConfig::DEFAULT_TOLERANCE)?;
    d.set_item("max_iter", RankConfig::DEFAULT_MAX_ITERATIONS)?;
    d.set_item("precision", "f32")?;
    d.set_item("method", "extrapolated")?;
    d.set_item("walk", "topic-biased")?;
    d.set_item("topic_bias", RankConfig::DEFAULT_TOPIC_BIAS)?;
    d.set_item("global_market", true)?;
    d.set_item("threads", 0)?;
    d.set_item("skip_bad_lines", false)?;
    d.set_item("probation_days", TrustConfig::DEFAULT_PROBATION_DAYS)?;
    d.set_item("trust_steps", TrustConfig::DEFAULT_STEPS)?;
    d.set_item("header", "auto")?;
    for key in [
        "teleport",
        "markets",
        "only_topics",
        "rejects",
        "max_memory",
        "previous",
        "trusted",
        "as_of",
        "delimiter",
        "null_tokens",
    ] {
        d.set_item(key, &none)?;
    }
    Ok(d)
}
