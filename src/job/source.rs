//! Where a run's data comes from: the graph (text files or a graph cache),
//! the rejects file its skipped lines go to, and the market mixes. All the
//! file reading of a job sits here, so `rank/` stays pure computation.

use super::publish::PendingOutputs;
use super::{JobError, Level, Observer, RankJob};
use crate::input::load::{load_graph_files, load_graph_tables, GraphFiles, TaggedGraph};
use crate::input::read::read_pair_file;
use crate::input::table::GraphTables;
use crate::input::{BadLines, LineStats, ReadBudget, ReadOptions, Rejects};
use crate::rank::MarketMix;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the graph comes from.
#[derive(Debug, Clone)]
pub enum GraphInput {
    /// Text or Parquet files: follows and topic tags, each role one or
    /// more files, directories or patterns.
    Text(GraphFiles),
    /// A graph cache written by `marketrank ingest` ([`crate::input::graph_cache`]).
    Cache(PathBuf),
    /// In-memory follow and topic tables (the Python package's DataFrames;
    /// [`crate::input::table`]), shared, not copied, by clones of the job.
    Tables(Arc<GraphTables>),
}

impl GraphInput {
    /// One follow file and one topic file, read the default way.
    pub fn text(edges: impl Into<PathBuf>, topics: impl Into<PathBuf>) -> GraphInput {
        GraphInput::Text(GraphFiles::new(edges, topics))
    }

    /// Loads the graph, keeping only the topics in `only` when given;
    /// skipped lines go to `rejects` (text input only: a cache has none).
    pub fn load(
        &self,
        bad: BadLines,
        only: Option<&[String]>,
        rejects: Option<&mut Rejects>,
        budget: Option<&ReadBudget>,
    ) -> Result<TaggedGraph, JobError> {
        match self {
            GraphInput::Text(files) => Ok(load_graph_files(files, bad, only, rejects, budget)?),
            GraphInput::Tables(t) => Ok(load_graph_tables(t, bad, only, rejects)?),
            GraphInput::Cache(path) => {
                let mut data = crate::input::graph_cache::read_graph_cache(path)?;
                if let Some(only) = only {
                    data.tags = data.tags.restrict(only).map_err(|t| {
                        JobError::Config(format!(
                            "topic `{}` (asked for by name) is not in {}",
                            t.0,
                            path.display()
                        ))
                    })?;
                }
                Ok(data)
            }
        }
    }

    /// The note a run starts with.
    pub fn reading_note(&self) -> String {
        match self {
            GraphInput::Text(files) => {
                let names = |p: &[PathBuf]| {
                    p.iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!(
                    "reading {} and {}",
                    names(&files.edges),
                    names(&files.topics)
                )
            }
            GraphInput::Cache(p) => format!("reading graph cache {}", p.display()),
            GraphInput::Tables(t) => format!("reading {} and {}", t.follows.label, t.topics.label),
        }
    }
}

/// Reads `market<TAB>topic<TAB>weight` lines (weight optional, default 1):
/// markets as weighted mixes of topics, composed after the iteration
/// ([`crate::rank::append_markets`]). No file: no mixes. Text is read the
/// default way (separator from the name); a Parquet file by its columns
/// (`market`, `topic`, `weight`).
pub fn read_market_mixes(path: Option<&Path>) -> Result<Vec<MarketMix>, JobError> {
    read_market_mixes_with(path, &ReadOptions::default())
}

/// [`read_market_mixes`] in the run's dialect (`--delimiter`, `--header`,
/// `--null-token`), as its graph files are read.
pub fn read_market_mixes_with(
    path: Option<&Path>,
    opts: &ReadOptions,
) -> Result<Vec<MarketMix>, JobError> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let mut mixes: Vec<MarketMix> = Vec::new();
    read_pair_file(
        path,
        opts,
        ("market", "topic"),
        BadLines::Fail,
        None,
        None,
        |p| match mixes.iter_mut().find(|m| *m.name == *p.first) {
            Some(m) => m.parts.push((p.second.to_string(), p.weight as f64)),
            None => mixes.push(MarketMix {
                name: p.first.to_string(),
                parts: vec![(p.second.to_string(), p.weight as f64)],
            }),
        },
    )?;
    Ok(mixes)
}

impl RankJob {
    /// How the job's text inputs are read (the default for a graph cache).
    pub fn read_options(&self) -> ReadOptions {
        match &self.input {
            GraphInput::Text(files) => files.read.clone(),
            GraphInput::Cache(_) | GraphInput::Tables(_) => ReadOptions::default(),
        }
    }
}

/// Loads `input` as a run does: with [`BadLines::Skip`] and text input,
/// skipped lines go to a rejects file at `rejects` (default beside `out`,
/// [`rejects_path_for`]), added to `pending` to be published with the
/// snapshot; returns the graph and the rejects file's path and line count.
#[allow(clippy::too_many_arguments)] // one per input of the loading step
pub fn load_with_rejects(
    input: &GraphInput,
    bad: BadLines,
    only: Option<&[String]>,
    rejects: Option<&Path>,
    out: &Path,
    budget: Option<&ReadBudget>,
    pending: &mut PendingOutputs,
) -> Result<(TaggedGraph, Option<(PathBuf, u64)>), JobError> {
    let path = match (bad, input) {
        (BadLines::Skip, GraphInput::Text(_)) => {
            Some(rejects.map_or_else(|| rejects_path_for(out), PathBuf::from))
        }
        // Tables have no file beside which rejects would go unasked: their
        // skipped rows are counted (and the first ten kept) in the report.
        (BadLines::Skip, GraphInput::Tables(_)) => rejects.map(PathBuf::from),
        _ => None,
    };
    with_rejects(path, "skipped lines", pending, |sink| {
        input.load(bad, only, sink, budget)
    })
}

/// Runs `read` with its skipped lines going to a rejects file at `path`
/// (none when `path` is `None`), then adds the file to `pending` with the
/// note `<what> written to PATH (N lines)` when it holds lines. Returns
/// what `read` gave and the rejects file's path and line count.
pub(crate) fn with_rejects<T>(
    path: Option<PathBuf>,
    what: &str,
    pending: &mut PendingOutputs,
    read: impl FnOnce(Option<&mut Rejects>) -> Result<T, JobError>,
) -> Result<(T, Option<(PathBuf, u64)>), JobError> {
    let mut sink = match path {
        Some(path) => Some(Rejects::create(&path).map_err(|e| JobError::io(&path, e))?),
        None => None,
    };
    let value = read(sink.as_mut())?;
    let written = match sink {
        Some(r) => {
            let path = r.path().to_path_buf();
            let (file, path, lines) = r.prepare().map_err(|e| JobError::io(&path, e))?;
            let note = (lines > 0)
                .then(|| format!("{what} written to {} ({lines} lines)", path.display()));
            pending.add(file, note);
            Some((path, lines))
        }
        None => None,
    };
    Ok((value, written))
}

/// Refuses a job whose outputs (the snapshot, the rejects file, the
/// scores TSV) name one of its inputs (the graph files, the markets, the
/// account history, the vetted list): same path or same file. `--previous`
/// may be the output: the warm start reads it before the new one replaces it.
pub fn refuse_output_over_input(job: &RankJob) -> Result<(), JobError> {
    // Patterns and directories are checked as the files they name.
    let expanded = match &job.input {
        GraphInput::Text(files) => {
            let (e, t) = files.expand()?;
            e.into_iter().chain(t).collect()
        }
        GraphInput::Cache(p) => vec![p.clone()],
        GraphInput::Tables(_) => Vec::new(),
    };
    let mut inputs: Vec<&Path> = expanded.iter().map(PathBuf::as_path).collect();
    inputs.extend(job.markets.as_deref());
    if let Some(a) = &job.accounts {
        inputs.push(&a.path);
        inputs.extend(a.trusted.as_deref());
    }
    let outputs = std::iter::once(job.out.as_path())
        .chain(job.rejects.as_deref())
        .chain(job.scores_tsv.as_deref());
    for output in outputs {
        if let Some(input) = crate::store::paths::input_named_by(output, &inputs) {
            return Err(JobError::OutputIsInput {
                output: output.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Where skipped lines go by default: beside `out`, as `<out>.rejects.tsv`.
pub fn rejects_path_for(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".rejects.tsv");
    out.with_file_name(name)
}

/// Logs what loading dropped, merged or skipped (counts, then the first bad lines).
pub fn report_dropped(data: &TaggedGraph, obs: &mut dyn Observer) {
    let r = &data.report;
    if r.build.self_follows_dropped > 0 || r.build.duplicate_follows_merged > 0 {
        obs.note(
            Level::Info,
            &format!(
                "dropped {} self-follows; merged {} repeated follows (a follow counts once)",
                r.build.self_follows_dropped, r.build.duplicate_follows_merged
            ),
        );
    }
    // Per file when the load says which (several shards each report their
    // own header and line numbers); else the role's totals.
    let per_file = |files: &[crate::input::read::FileRead], path: &Path, all: &LineStats| {
        if files.is_empty() {
            vec![(path.to_path_buf(), all.clone())]
        } else {
            files
                .iter()
                .map(|f| (f.path.clone(), f.lines.clone()))
                .collect()
        }
    };
    let files = per_file(&r.edge_files, &r.edges_path, &r.edge_lines)
        .into_iter()
        .chain(per_file(&r.topic_files, &r.topics_path, &r.topic_lines));
    for (path, stats) in files {
        let stats = &stats;
        if stats.headers > 0 {
            obs.note(
                Level::Warning,
                &match &stats.header_line {
                    Some(h) if stats.headers > 1 => format!(
                        "skipped the header line `{h}` of {} and {} later lines equal to it (files concatenated, each with its header?; --header no reads them as data)",
                        path.display(),
                        stats.headers - 1
                    ),
                    Some(h) => format!(
                        "skipped the header line `{h}` of {} (--header no reads it as data)",
                        path.display()
                    ),
                    None => format!(
                        "skipped a header line in {} (its first data line names columns, not users)",
                        path.display()
                    ),
                },
            );
        }
        if stats.skipped_total() > 0 {
            let by: Vec<String> = stats
                .skipped
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect();
            obs.note(
                Level::Warning,
                &format!(
                    "skipped {} bad lines in {} ({})",
                    stats.skipped_total(),
                    path.display(),
                    by.join(", ")
                ),
            );
            for (line, msg) in &stats.first_skipped {
                obs.note(
                    Level::Warning,
                    &format!("  {}:{line}: {msg}", path.display()),
                );
            }
        }
    }
}
