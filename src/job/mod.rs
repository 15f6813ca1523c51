//! The `rank` job as a library call: load, rank, write the snapshot.
//!
//! The CLI is a thin layer over [`run_rank_job`]; other Rust programs can
//! run the same job with a [`RankJob`] value.

mod accounts;
pub mod memory;
mod observe;
pub mod schedule;

pub use accounts::{young_restart_share, AccountsInput, TrustedRun, YOUNG_DAYS};
pub use observe::{Collect, Level, Observer, Progress, Silent};

use crate::input::load::{load_tagged_graph_with, LoadReport, TaggedGraph};
use crate::input::{BadLines, Rejects};
use crate::job::memory::{current_rss, MemoryLimit};
use crate::rank::{
    append_markets, human_bytes, rank_observed, read_market_mixes, MarketMix, MemoryEstimate,
    RankConfig, RankResult, TopicTeleport, Walk, GLOBAL_MARKET,
};
use crate::snapshot::{
    self, write_snapshot, InputFile, InputRole, MarketKind, MarketMeta, Metadata, Parameters,
    SnapshotContent,
};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Where the graph comes from.
#[derive(Debug, Clone)]
pub enum GraphInput {
    /// Text files: follows and topic tags.
    Text {
        /// Follow file (`follower<TAB>followee[<TAB>weight]`).
        edges: PathBuf,
        /// Topic file (`user<TAB>topic[<TAB>weight]`).
        topics: PathBuf,
    },
    /// A graph cache written by `marketrank ingest` ([`crate::input::graph_cache`]).
    Cache(PathBuf),
}

impl GraphInput {
    /// Loads the graph, keeping only the topics in `only` when given;
    /// skipped lines go to `rejects` (text input only: a cache has none).
    pub fn load(
        &self,
        bad: BadLines,
        only: Option<&[String]>,
        rejects: Option<&mut Rejects>,
    ) -> Result<TaggedGraph, JobError> {
        match self {
            GraphInput::Text { edges, topics } => {
                Ok(load_tagged_graph_with(edges, topics, bad, only, rejects)?)
            }
            GraphInput::Cache(path) => {
                let mut data = crate::input::graph_cache::read_graph_cache(path)?;
                if let Some(only) = only {
                    data.tags = data.tags.restrict(only).map_err(|t| {
                        JobError::Config(format!(
                            "topic `{t}` (from --only-topics) is not in {}",
                            path.display()
                        ))
                    })?;
                }
                Ok(data)
            }
        }
    }
}

/// Everything a rank run needs: plain data ([`RankJob::new`] gives the
/// defaults of `marketrank rank`).
#[derive(Debug, Clone)]
pub struct RankJob {
    /// The graph: text files or a graph cache.
    pub input: GraphInput,
    /// Snapshot to write.
    pub out: PathBuf,
    /// Iteration parameters.
    pub config: RankConfig,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Stop or skip at malformed lines.
    pub bad_lines: BadLines,
    /// With [`BadLines::Skip`]: where the skipped lines go
    /// (default `<out>.rejects.tsv`).
    pub rejects: Option<PathBuf>,
    /// Refuse the run up front when its estimated peak memory exceeds this
    /// many bytes (`None`: the memory available when the run starts).
    pub max_memory: Option<u64>,
    /// Markets as mixes of topics (`market<TAB>topic<TAB>weight`).
    pub markets: Option<PathBuf>,
    /// Compute the `_global` column (plain PageRank) too.
    pub global: bool,
    /// Only these topics (all when `None`).
    pub only_topics: Option<Vec<String>>,
    /// Also write `user<TAB>market<TAB>score` here (zeros omitted), the
    /// interchange format of `../shared/bench`.
    pub scores_tsv: Option<PathBuf>,
    /// Warm-start from this earlier snapshot (users matched by id, markets
    /// by name; new users and markets start from teleport).
    pub previous: Option<PathBuf>,
    /// Account history (`--accounts`): restart weight by earned trust, and
    /// follows of accounts in probation or suspended out of the walk.
    pub accounts: Option<AccountsInput>,
}

impl RankJob {
    /// The job `marketrank rank` runs by default: the default model
    /// ([`RankConfig::default`]), all cores, stop at a bad line, the memory
    /// guard at the memory available, the `_global` column, no account
    /// history.
    pub fn new(input: GraphInput, out: PathBuf) -> RankJob {
        RankJob {
            input,
            out,
            config: RankConfig::default(),
            threads: 0,
            bad_lines: BadLines::Fail,
            rejects: None,
            max_memory: None,
            markets: None,
            global: true,
            only_topics: None,
            scores_tsv: None,
            previous: None,
            accounts: None,
        }
    }
}

/// What a run did, for the summary line.
#[derive(Debug)]
pub struct RankSummary {
    /// The loaded graph (kept so callers can print from it).
    pub data: TaggedGraph,
    /// The scores.
    pub result: RankResult,
    /// Distinct follows as read (`data.graph` is the walk's graph, which
    /// lacks the follows an account history took out).
    pub follows: u64,
    /// Estimated peak memory, printed before allocating.
    pub estimate: MemoryEstimate,
    /// Time to read and build the graph.
    pub load_time: Duration,
    /// Time of the power iteration.
    pub rank_time: Duration,
    /// Time to write the snapshot.
    pub write_time: Duration,
    /// Peak resident memory of the process, if the OS reports it.
    pub peak_rss: Option<u64>,
    /// The rejects file written and its line count (with skipped lines).
    pub rejects: Option<(PathBuf, u64)>,
}

/// Errors of a job: input, snapshot, or configuration.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Bad input file.
    #[error(transparent)]
    Input(#[from] crate::InputError),
    /// Could not write the snapshot.
    #[error(transparent)]
    Snapshot(#[from] crate::SnapshotError),
    /// Could not read the graph cache.
    #[error(transparent)]
    GraphCache(#[from] crate::input::graph_cache::GraphCacheError),
    /// Bad parameters.
    #[error("{0}")]
    Config(String),
    /// Refused up front: the run would not fit in memory.
    #[error(transparent)]
    Memory(#[from] crate::job::memory::MemoryRefusal),
    /// A distributed run's exchange failed (a silent worker).
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
}

pub use crate::job::memory::peak_rss;

/// Builds a rayon pool with `threads` workers (0 = one per core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, JobError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| JobError::Config(format!("cannot start {threads} threads: {e}")))
}

/// Runs the whole job; `obs` receives its notes and progress.
pub fn run_rank_job(job: &RankJob, obs: &mut dyn Observer) -> Result<RankSummary, JobError> {
    job.config.validate().map_err(JobError::Config)?;
    let pool = thread_pool(job.threads)?;
    let mixes = match &job.markets {
        Some(p) => read_market_mixes(p)?,
        None => Vec::new(),
    };
    pool.install(|| {
        obs.note(Level::Info, &match &job.input {
            GraphInput::Text { edges, topics } => {
                format!("reading {} and {}", edges.display(), topics.display())
            }
            GraphInput::Cache(p) => format!("reading graph cache {}", p.display()),
        });
        let limit = MemoryLimit::resolve(job.max_memory);
        if let Some(limit) = limit {
            let (needed, detail) = read_need(&job.input);
            limit.check("reading the graph", needed, detail)?;
        }
        let t0 = Instant::now();
        let (mut data, rejects) = load_with_rejects(
            &job.input,
            job.bad_lines,
            job.only_topics.as_deref(),
            job.rejects.as_deref(),
            &job.out,
            obs,
        )?;
        let load_time = t0.elapsed();
        let k = data.tags.len() + usize::from(job.global);
        let estimate = MemoryEstimate::for_graph(&data.graph, k, data.tags.tags(), &job.config);
        if let Some(limit) = limit {
            let resident = current_rss().unwrap_or(0);
            let users = data.ids.len() as u64;
            // Writing the snapshot: one market's sort keys and order at a
            // time, the id bytes and index, and the composed markets' columns.
            let write = users * (16 + 4 + 24) + users * mixes.len() as u64 * 8;
            let peak = resident + estimate.scores + estimate.other + write;
            obs.note(Level::Info, &format!(
                "memory guard: estimated peak {} of a {} limit{}",
                human_bytes(peak),
                human_bytes(limit.bytes),
                if limit.explicit { " (--max-memory)" } else { " (memory available)" }
            ));
            limit.check(
                "ranking",
                peak,
                format!(
                    "{} resident after loading + score blocks {} + teleport and per-user tables {} + snapshot writing {}",
                    human_bytes(resident),
                    human_bytes(estimate.scores),
                    human_bytes(estimate.other),
                    human_bytes(write)
                ),
            )?;
        }
        obs.note(Level::Info, &format!(
            "loaded {} users, {} follows, {} topics in {:.2?} (peak memory so far {}); rank needs about {} more (graph {} + scores {})",
            data.ids.len(),
            data.graph.edges(),
            data.tags.len(),
            load_time,
            crate::job::memory::peak_rss_text(),
            human_bytes(estimate.scores + estimate.other),
            human_bytes(estimate.graph),
            human_bytes(estimate.scores),
        ));
        report_dropped(&data, obs);
        let t1 = Instant::now();
        // Follower counts and follows as read (absolute influence), before
        // an account history takes follows out of the walk.
        let followers: Vec<u32> = (0..data.ids.len() as u32).map(|u| data.graph.follower_count(u) as u32).collect();
        let edges = data.graph.edges();
        let mut trusted = match &job.accounts {
            Some(a) => Some(accounts::trusted_run(a, &data, job.bad_lines, &job.out, obs)?),
            None => None,
        };
        let teleport = match &mut trusted {
            Some(t) => {
                // One graph alive from here on: the walk's.
                data.graph = std::mem::take(&mut t.walk);
                TopicTeleport::with_trust(&data.tags, data.ids.len(), &t.trust, job.global)
            }
            None => TopicTeleport::new(&data.tags, &data.graph, job.config.teleport, job.global),
        };
        for w in fallback_warnings(&teleport) {
            obs.note(Level::Warning, &w);
        }
        let start = match &job.previous {
            Some(p) => Some(start_from_previous(p, &data, &teleport, obs)?),
            None => None,
        };
        let result = {
            let progress = progress_observer(job, &*obs, teleport.len());
            rank_observed(&data.graph, &teleport, &job.config, start.as_deref(), &progress)
        };
        drop(start);
        let result = append_markets(result, &mixes).map_err(|e| {
            JobError::Config(format!("{}: {e}", job.markets.as_ref().map(|p| p.display().to_string()).unwrap_or_default()))
        })?;
        let rank_time = t1.elapsed();
        obs.note(Level::Info, &format!(
            "ranked {k} markets in {} iterations, {:.2?} (peak memory so far {})",
            result.iterations,
            rank_time,
            crate::job::memory::peak_rss_text()
        ));
        for (m, c) in result.markets.iter().zip(&result.convergence) {
            if !c.converged {
                obs.note(Level::Warning, &format!(
                    "warning: market `{m}` did not converge: L1 change {:.3e} > tolerance {:.1e} after {} iterations (raise --max-iter)",
                    c.residual, job.config.tolerance, c.iterations
                ));
            }
        }
        let t2 = Instant::now();
        let counts = (data.ids.len() as u64, edges, &data.report);
        let mut metadata = metadata_for(job, counts, &result, &teleport, &mixes);
        if let Some(t) = &trusted {
            let young = young_restart_share(&teleport, &t.history, t.trust.config.as_of_day);
            for (m, share) in metadata.markets.iter_mut().zip(young) {
                m.young_restart_share = Some(share);
            }
            metadata.trust = Some(t.meta.clone());
        }
        let content = SnapshotContent {
            user_ids: &data.ids,
            followers,
            result: &result,
            metadata,
            model: Some((&data.graph, &teleport)),
            trust: trusted.as_ref().map(|t| &t.trust.passed[..]),
        };
        write_snapshot(&job.out, &content)?;
        if let Some(tsv) = &job.scores_tsv {
            crate::export::write_scores_tsv(&result, &data.ids, tsv)
                .map_err(|e| JobError::Config(format!("could not write {}: {e}", tsv.display())))?;
        }
        let write_time = t2.elapsed();
        Ok(RankSummary { data, result, follows: edges, estimate, load_time, rank_time, write_time, peak_rss: peak_rss(), rejects })
    })
}

/// Turns the kernel's iteration reports into [`Progress`] for `obs` (the
/// share of the way is measured from the first report).
pub(crate) fn progress_observer<'a>(
    job: &'a RankJob,
    obs: &'a dyn Observer,
    markets: usize,
) -> impl Fn(&crate::rank::IterationReport) + 'a {
    let t_iter = Instant::now();
    let first = std::cell::Cell::new(None::<f64>);
    move |r| {
        let first_residual = first.get().unwrap_or(r.max_residual);
        first.set(Some(first_residual));
        obs.progress(&Progress {
            iteration: r.iteration,
            active: r.active,
            markets,
            max_residual: r.max_residual,
            first_residual,
            tolerance: job.config.tolerance,
            elapsed: t_iter.elapsed(),
        });
    }
}

/// The warnings for markets whose earned teleport fell back to plain tags.
pub(crate) fn fallback_warnings(tele: &TopicTeleport) -> Vec<String> {
    (0..tele.len())
        .filter(|&c| tele.fell_back(c))
        .map(|c| format!(
            "warning: market `{}`: no tagged user earned teleport weight (nobody outside a closed group follows them); using plain tags",
            tele.markets()[c]
        ))
        .collect()
}

/// Loads `input` as a run does: with [`BadLines::Skip`] and text input,
/// skipped lines go to a rejects file at `rejects` (default beside `out`,
/// [`rejects_path_for`]), published once loading succeeded; returns the
/// graph and the rejects file's path and line count.
pub fn load_with_rejects(
    input: &GraphInput,
    bad: BadLines,
    only: Option<&[String]>,
    rejects: Option<&std::path::Path>,
    out: &std::path::Path,
    obs: &mut dyn Observer,
) -> Result<(TaggedGraph, Option<(PathBuf, u64)>), JobError> {
    let path = match (bad, input) {
        (BadLines::Skip, GraphInput::Text { .. }) => {
            Some(rejects.map_or_else(|| rejects_path_for(out), PathBuf::from))
        }
        _ => None,
    };
    with_rejects(path, "skipped lines", obs, |sink| {
        input.load(bad, only, sink)
    })
}

/// Runs `read` with its skipped lines going to a rejects file at `path`
/// (none when `path` is `None`), then publishes the file and, when it holds
/// lines, says so as `<what> written to PATH (N lines)`. Returns what
/// `read` gave and the rejects file's path and line count.
pub(crate) fn with_rejects<T>(
    path: Option<PathBuf>,
    what: &str,
    obs: &mut dyn Observer,
    read: impl FnOnce(Option<&mut Rejects>) -> Result<T, JobError>,
) -> Result<(T, Option<(PathBuf, u64)>), JobError> {
    let cannot = |path: &std::path::Path, e: std::io::Error| {
        JobError::Config(format!(
            "could not write the rejects file {}: {e}",
            path.display()
        ))
    };
    let mut sink = match path {
        Some(path) => Some(Rejects::create(&path).map_err(|e| cannot(&path, e))?),
        None => None,
    };
    let value = read(sink.as_mut())?;
    let written = match sink {
        Some(r) => {
            let path = r.path().to_path_buf();
            let (path, lines) = r.finish().map_err(|e| cannot(&path, e))?;
            if lines > 0 {
                obs.note(
                    Level::Warning,
                    &format!("{what} written to {} ({lines} lines)", path.display()),
                );
            }
            Some((path, lines))
        }
        None => None,
    };
    Ok((value, written))
}

/// The previous snapshot's scores laid out for this run's users and
/// markets (NaN where unknown).
fn start_from_previous(
    path: &std::path::Path,
    data: &TaggedGraph,
    tele: &TopicTeleport,
    obs: &mut dyn Observer,
) -> Result<Vec<f32>, JobError> {
    let prev = crate::Snapshot::open(path)?;
    let k = tele.len();
    let cols: Vec<Option<usize>> = tele
        .markets()
        .iter()
        .map(|m| prev.market_index(m))
        .collect();
    let mut start = vec![f32::NAN; data.ids.len() * k];
    let mut matched = 0u64;
    let mut name = Vec::new();
    for u in 0..data.ids.len() as u32 {
        name.clear();
        data.ids.write_name(u, &mut name);
        let Some(pu) = std::str::from_utf8(&name)
            .ok()
            .and_then(|s| prev.user_index(s))
        else {
            continue;
        };
        matched += 1;
        for (c, pc) in cols.iter().enumerate() {
            if let Some(pc) = pc {
                start[u as usize * k + c] = prev.score(pu, *pc) as f32;
            }
        }
    }
    obs.note(
        Level::Info,
        &format!(
            "warm start from {}: {matched} of {} users and {} of {k} markets known",
            path.display(),
            data.ids.len(),
            cols.iter().filter(|c| c.is_some()).count()
        ),
    );
    Ok(start)
}

/// The estimated peak of reading `input`, and how it was estimated.
fn read_need(input: &GraphInput) -> (u64, String) {
    let resident = current_rss().unwrap_or(0);
    match input {
        GraphInput::Text { edges, .. } => {
            let bytes = std::fs::metadata(edges).map_or(0, |m| m.len());
            let gzip = crate::input::is_gzip(edges);
            let need = crate::job::memory::read_estimate(bytes, gzip);
            (
                resident + need,
                format!(
                    "at least {} to parse {} of follows{}, + {} resident",
                    human_bytes(need),
                    human_bytes(bytes),
                    if gzip { " (gzip)" } else { "" },
                    human_bytes(resident)
                ),
            )
        }
        GraphInput::Cache(p) => {
            let bytes = std::fs::metadata(p).map_or(0, |m| m.len());
            (
                resident + bytes,
                format!(
                    "the graph cache's {} + {} resident",
                    human_bytes(bytes),
                    human_bytes(resident)
                ),
            )
        }
    }
}

/// Where `--skip-bad-lines` writes skipped lines by default: beside `out`.
pub fn rejects_path_for(out: &std::path::Path) -> PathBuf {
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
    for (path, stats) in [
        (&r.edges_path, &r.edge_lines),
        (&r.topics_path, &r.topic_lines),
    ] {
        if stats.headers > 0 {
            obs.note(
                Level::Warning,
                &format!(
                    "skipped a header line in {} (its first data line names columns, not users)",
                    path.display()
                ),
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

/// The text files the graph came from (through the cache, when one was
/// used, which is listed too with role `graph_cache`).
fn inputs_of(job: &RankJob, r: &crate::input::load::LoadReport) -> Vec<InputFile> {
    let mut inputs = vec![
        InputFile {
            role: InputRole::Edges,
            path: r.edges_path.display().to_string(),
            bytes: r.edge_lines.bytes,
            lines: r.edge_lines.lines,
            skipped_lines: r.edge_lines.skipped_total(),
        },
        InputFile {
            role: InputRole::Topics,
            path: r.topics_path.display().to_string(),
            bytes: r.topic_lines.bytes,
            lines: r.topic_lines.lines,
            skipped_lines: r.topic_lines.skipped_total(),
        },
    ];
    if let GraphInput::Cache(p) = &job.input {
        inputs.push(InputFile {
            role: InputRole::GraphCache,
            path: p.display().to_string(),
            bytes: std::fs::metadata(p).map_or(0, |m| m.len()),
            lines: 0,
            skipped_lines: 0,
        });
    }
    inputs
}

/// The snapshot metadata of a run over `users` users and `edges` follows.
pub(crate) fn metadata_for(
    job: &RankJob,
    (users, edges, r): (u64, u64, &LoadReport),
    result: &RankResult,
    tele: &TopicTeleport,
    mixes: &[MarketMix],
) -> Metadata {
    let created = snapshot::meta_now();
    Metadata {
        format_version: 1,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created: snapshot::rfc3339_of(created),
        created_unix: created,
        users,
        edges,
        parameters: Parameters {
            damping: job.config.damping,
            tolerance: job.config.tolerance,
            max_iterations: job.config.max_iterations,
            precision: job.config.precision,
            walk: job.config.walk.kind(),
            topic_bias: match job.config.walk {
                Walk::Plain => None,
                Walk::TopicBiased { epsilon } => Some(epsilon),
            },
            teleport: job.config.teleport,
        },
        inputs: inputs_of(job, r),
        markets: result
            .markets
            .iter()
            .zip(&result.convergence)
            .enumerate()
            .map(|(c, (name, conv))| {
                let mix = c.checked_sub(tele.len()).map(|i| &mixes[i]);
                MarketMeta {
                    name: name.clone(),
                    kind: if c == 0 && name == GLOBAL_MARKET {
                        MarketKind::Global
                    } else if mix.is_some() {
                        MarketKind::Market
                    } else {
                        MarketKind::Topic
                    },
                    seed_users: if c < tele.len() {
                        tele.seed_users(c)
                    } else {
                        0
                    },
                    iterations: conv.iterations,
                    residual: conv.residual,
                    converged: conv.converged,
                    restart: conv.restart,
                    teleport_fallback: c < tele.len() && tele.fell_back(c),
                    composition: mix.map(|m| m.parts.clone()).unwrap_or_default(),
                    young_restart_share: None,
                }
            })
            .collect(),
        load: serde_json::json!({
            "self_follows_dropped": r.build.self_follows_dropped,
            "duplicate_follows_merged": r.build.duplicate_follows_merged,
            "duplicate_tags_merged": r.duplicate_tags_merged,
            "users_only_in_topics": r.users_only_in_topics,
            "skipped_lines": r.skipped_total(),
        }),
        parent: job.previous.as_ref().map(|p| p.display().to_string()),
        trust: None,
    }
}
