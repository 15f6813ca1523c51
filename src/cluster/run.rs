//! A rank job on timely workers: each worker loads its partition, takes
//! the steps of the single-process driver ([`crate::job::run_rank_job`])
//! over the users it owns, trades rows with the others ([`super::exchange`])
//! and writes its part of the snapshot ([`super::commit`]).

use super::commit;
use super::exchange::{or_stop, RowExchange};
use super::failure::{self, Connecting};
use super::mailroom::Mailroom;
use super::partition::{self, Partition, Totals};
use super::{ClusterConfig, SetupError, SingleProcessOnly};
use crate::job::memory::{peak_rss, peak_rss_text};
use crate::job::steps::{compose_markets, progress_observer, warn_fallbacks, warn_not_converged};
use crate::job::{GraphInput, JobError, Level, Observer, Progress, RankJob};
use crate::rank::{rank_partition, MarketMix, TeleportMode, TopicTeleport};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a distributed run reports (from this process's first worker).
#[derive(Debug, Clone)]
pub struct ClusterSummary {
    /// Users in the whole graph.
    pub users: u64,
    /// Counts summed over the cluster (lines, follows, rows sent).
    pub totals: Totals,
    /// Market names, iterations and convergence (the same on every worker).
    pub markets: Vec<String>,
    /// Markets that did not converge.
    pub not_converged: Vec<String>,
    /// Iterations run.
    pub iterations: u32,
    /// Loading (read, ids, follows to their owners), in this process.
    pub load_time: Duration,
    /// The iteration.
    pub rank_time: Duration,
    /// Writing the part and committing the manifest.
    pub write_time: Duration,
    /// Bytes this process's first worker sent per iteration (score rows and
    /// market totals to other workers).
    pub bytes_per_iteration: f64,
    /// Peak resident memory of this process.
    pub peak_rss: Option<u64>,
    /// The manifest written (also on processes other than 0, which only
    /// wrote their parts).
    pub out: PathBuf,
}

/// Runs `job` as process `cluster.process` of the cluster; every process
/// runs this with the same job. `obs` gets this process's notes and progress.
///
/// A failure anywhere (bad input at one worker, a lost process) stops this
/// process with exit code 2 after printing why: timely cannot abandon a
/// dataflow whose peers are gone, so the function does not return then.
pub fn run_cluster_job(
    job: &RankJob,
    cluster: &ClusterConfig,
    obs: &mut dyn Observer,
) -> Result<ClusterSummary, JobError> {
    cluster.validate()?;
    job.config.validate()?;
    crate::job::refuse_output_over_input(job)?;
    let files = match &job.input {
        GraphInput::Text(files) => files,
        GraphInput::Cache(_) => return Err(SetupError::GraphCache.into()),
        GraphInput::Tables(_) => return Err(SetupError::Tables.into()),
    };
    if let Some(option) = SingleProcessOnly::first_in(job) {
        return Err(SetupError::NotOffered(option).into());
    }
    let (edge_files, topic_files) = files.expand()?;
    let mixes = crate::job::read_market_mixes_with(job.markets.as_deref(), &job.read_options())?;
    obs.note(Level::Info, &format!(
        "process {} of {}: {} worker(s); {} edge file(s), {} topic file(s) shared round-robin over {} workers",
        cluster.process,
        cluster.processes,
        cluster.workers,
        edge_files.len(),
        topic_files.len(),
        cluster.workers * cluster.processes
    ));
    let hosts = cluster
        .hosts
        .get(..cluster.processes)
        .unwrap_or_default()
        .to_vec();
    failure::install_hook(cluster.process, hosts.clone());
    let connecting = Arc::new(if cluster.processes > 1 {
        Some(Connecting::start(
            cluster.process,
            hosts,
            cluster.connect_timeout,
        ))
    } else {
        None
    });
    let (tx, rx) = mpsc::channel::<Message>();
    let shared = Arc::new(Shared {
        job: job.clone(),
        edges: edge_files,
        topics: topic_files,
        read: files.read.clone(),
        mixes,
        peer_timeout: cluster.peer_timeout,
        first_worker: cluster.process * cluster.workers,
        workers: cluster.workers,
    });
    let tx = std::sync::Mutex::new(tx);
    let guards = timely::execute(cluster.timely(), move |worker| {
        if let Some(c) = connecting.as_ref() {
            c.done();
        }
        let tx = tx.lock().unwrap().clone();
        match work(worker, &shared, &tx) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("marketrank: worker {}: {e}", worker.index());
                std::process::exit(failure::EXIT_CLUSTER)
            }
        }
    })
    .map_err(|e| JobError::Engine(format!("could not start the timely workers: {e}").into()))?;
    // Messages arrive until every worker has dropped its sender.
    for m in rx {
        match m {
            Message::Note(level, line) => obs.note(level, &line),
            Message::Progress(p) => obs.progress(&p),
        }
    }
    let mut summary = None;
    for r in guards.join() {
        match r {
            Ok(Some(s)) if summary.is_none() => summary = Some(s),
            Ok(_) => {}
            Err(e) => return Err(JobError::Engine(format!("a worker failed: {e}").into())),
        }
    }
    summary.ok_or_else(|| JobError::Engine("no worker reported".into()))
}

/// What every worker reads.
struct Shared {
    job: RankJob,
    edges: Vec<PathBuf>,
    topics: Vec<PathBuf>,
    /// How the files are read (dialect, Parquet columns).
    read: crate::input::ReadOptions,
    mixes: Vec<MarketMix>,
    peer_timeout: Duration,
    /// Global index of this process's first worker (the one that logs).
    first_worker: usize,
    /// Workers per process.
    workers: usize,
}

/// What a worker tells its process's main thread.
enum Message {
    Note(Level, String),
    Progress(Progress),
}

/// The observer of the process's first worker: forwards to the main thread,
/// which owns the caller's observer (other workers stay silent).
struct ToMain<'a> {
    tx: &'a mpsc::Sender<Message>,
    on: bool,
}

impl Observer for ToMain<'_> {
    fn note(&mut self, level: Level, message: &str) {
        if self.on {
            let _ = self.tx.send(Message::Note(level, message.to_string()));
        }
    }
    fn progress(&self, p: &Progress) {
        if self.on {
            let _ = self.tx.send(Message::Progress(p.clone()));
        }
    }
}

/// One worker's run: the steps of [`crate::job::run_rank_job`] over this
/// worker's partition, trading rows with the others through the mailroom.
fn work(
    worker: &mut timely::worker::Worker,
    s: &Shared,
    tx: &mpsc::Sender<Message>,
) -> Result<Option<ClusterSummary>, JobError> {
    let job = &s.job;
    let mut mail = Mailroom::new(worker, s.peer_timeout, s.workers);
    let w = mail.peers();
    let logs = mail.index() == s.first_worker;
    let mut obs = ToMain { tx, on: logs };
    let t0 = Instant::now();
    let part = partition::load(
        &mut mail,
        &s.edges,
        &s.topics,
        &s.read,
        job.bad_lines,
        job.only_topics.as_deref(),
    )?;
    let all_users = part.starts[w];
    note_loaded(&part, t0.elapsed(), &mut obs);
    let load_time = t0.elapsed();

    let t1 = Instant::now();
    let tele = teleport_of(job, &mut mail, &part)?;
    warn_fallbacks(&tele, &mut obs);
    let sent_before = mail.bytes_sent;
    let result = {
        // (`obs` forwards only from the first worker.)
        let progress = progress_observer(job, &obs, tele.len());
        let mut rows = RowExchange::new(&mut mail, &part);
        rank_partition(
            &part.graph,
            &tele,
            &job.config,
            None,
            part.owned,
            &mut rows,
            &progress,
        )
    };
    let bytes_per_iteration =
        (mail.bytes_sent - sent_before) as f64 / result.iterations.max(1) as f64;
    let result = compose_markets(job, result, &s.mixes)?;
    let rank_time = t1.elapsed();
    obs.note(Level::Info, &format!(
        "ranked {} markets in {} iterations, {rank_time:.2?} (peak memory so far {}); this worker sent {:.1} MB per iteration",
        result.k(),
        result.iterations,
        peak_rss_text(),
        bytes_per_iteration / 1e6
    ));
    let not_converged = warn_not_converged(job, &result, &mut obs);

    let t2 = Instant::now();
    commit::write_part(&mut mail, job, &part, &result, &tele, &s.mixes)?;
    let write_time = t2.elapsed();
    Ok(logs.then(|| ClusterSummary {
        users: all_users,
        totals: part.totals.clone(),
        markets: result.markets.clone(),
        not_converged,
        iterations: result.iterations,
        load_time,
        rank_time,
        write_time,
        bytes_per_iteration,
        peak_rss: peak_rss(),
        out: job.out.clone(),
    }))
}

/// What loading gave this worker and the cluster, and what it skipped.
fn note_loaded(part: &Partition, took: Duration, obs: &mut dyn Observer) {
    let t = &part.totals;
    obs.note(Level::Info, &format!(
        "loaded {} users, {} follows, {} topics in {took:.2?} (peak memory so far {}); this worker owns {} users and {} follows, and needs {} follower rows from other workers",
        part.starts[part.starts.len() - 1],
        t.edges,
        part.tags.len(),
        peak_rss_text(),
        part.owned,
        part.graph.edges(),
        part.ghosts.len()
    ));
    obs.note(Level::Info, &format!(
        "rows sent per iteration: pull {} (follower rows to the followees' workers, what this engine sends); push with per-followee pre-aggregation would send {}",
        t.pull_rows, t.push_rows
    ));
    if t.edge_lines.skipped_total() + t.topic_lines.skipped_total() > 0 {
        obs.note(Level::Warning, &format!(
            "skipped {} malformed edge lines and {} malformed topic lines (all workers; a rejects file is single-process only)",
            t.edge_lines.skipped_total(),
            t.topic_lines.skipped_total()
        ));
    }
}

/// The restart distribution over this worker's users: earned teleport
/// needs the vouchers of every worker, and the per-market totals are
/// summed over the cluster.
fn teleport_of(
    job: &RankJob,
    mail: &mut Mailroom<'_>,
    part: &Partition,
) -> Result<TopicTeleport, JobError> {
    let vouched = match job.config.teleport {
        TeleportMode::Earned => Some(partition::vouched(mail, part)?),
        TeleportMode::Tagged => None,
    };
    Ok(TopicTeleport::build_part(
        &part.tags,
        part.graph.users(),
        part.starts[part.starts.len() - 1],
        vouched.as_deref(),
        job.global,
        &mut |v| or_stop(mail.sum_f64(&v)),
    ))
}
