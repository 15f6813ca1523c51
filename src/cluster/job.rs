//! A rank job on timely workers: load the partition, rank the owned users
//! with the single-process kernel, write one snapshot part per worker and
//! commit the manifest.

use super::failure::{self, ClusterError, Connecting};
use super::mailroom::{read_pod, Mailroom};
use super::partition::{self, Partition, Totals};
use super::{expand_files, ClusterConfig};
use crate::graph::BuildStats;
use crate::input::load::LoadReport;
use crate::job::{
    fallback_warnings, metadata_for, progress_observer, GraphInput, JobError, Level, Observer,
    Progress, RankJob,
};
use crate::rank::{
    append_markets, rank_partition, read_market_mixes, Layout, MarketMix, Peers, RankResult, Real,
    TeleportMode, TopicTeleport,
};
use crate::snapshot::shards::{self, PartEntry};
use crate::snapshot::{write_snapshot, SnapshotContent};
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

/// Ends the process on a cluster failure: the other workers cannot be
/// abandoned cleanly (see [`failure`]).
fn or_stop<T>(r: Result<T, ClusterError>) -> T {
    r.unwrap_or_else(|e| {
        eprintln!("marketrank: {e}");
        std::process::exit(failure::EXIT_CLUSTER)
    })
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
    cluster.validate().map_err(JobError::Config)?;
    job.config.validate().map_err(JobError::Config)?;
    let (edges, topics) = match &job.input {
        GraphInput::Text { edges, topics } => (edges.clone(), topics.clone()),
        GraphInput::Cache(_) => {
            return Err(JobError::Config(
                "--engine timely reads text files (each worker its share); a graph cache is single-process".into(),
            ))
        }
    };
    for (what, refused) in [
        ("--previous", job.previous.is_some()),
        ("--scores-tsv", job.scores_tsv.is_some()),
        ("--rejects", job.rejects.is_some()),
        ("--max-memory", job.max_memory.is_some()),
        ("--accounts", job.accounts.is_some()),
    ] {
        if refused {
            return Err(JobError::Config(format!(
                "{what} is not available with --engine timely yet; run single-process, or merge the sharded snapshot first"
            )));
        }
    }
    let edge_files = expand_files(&edges).map_err(JobError::Config)?;
    let topic_files = expand_files(&topics).map_err(JobError::Config)?;
    let mixes = match &job.markets {
        Some(p) => read_market_mixes(p)?,
        None => Vec::new(),
    };
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
    .map_err(|e| JobError::Config(format!("could not start the timely workers: {e}")))?;
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
            Err(e) => return Err(JobError::Config(format!("a worker failed: {e}"))),
        }
    }
    summary.ok_or_else(|| JobError::Config("no worker reported".into()))
}

/// What every worker reads.
struct Shared {
    job: RankJob,
    edges: Vec<PathBuf>,
    topics: Vec<PathBuf>,
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

fn work(
    worker: &mut timely::worker::Worker,
    s: &Shared,
    tx: &mpsc::Sender<Message>,
) -> Result<Option<ClusterSummary>, JobError> {
    let job = &s.job;
    let mut mail = Mailroom::new(worker, s.peer_timeout, s.workers);
    let (me, w) = (mail.index(), mail.peers());
    let logs = me == s.first_worker;
    let mut sink = ToMain { tx, on: logs };
    let t0 = Instant::now();
    let part = partition::load(
        &mut mail,
        &s.edges,
        &s.topics,
        job.bad_lines,
        job.only_topics.as_deref(),
    )?;
    let all_users = part.starts[w];
    let t = &part.totals;
    sink.note(Level::Info, &format!(
        "loaded {} users, {} follows, {} topics in {:.2?} (peak memory so far {}); this worker owns {} users and {} follows, and needs {} follower rows from other workers",
        all_users,
        t.edges,
        part.tags.len(),
        t0.elapsed(),
        crate::job::memory::peak_rss_text(),
        part.owned,
        part.graph.edges(),
        part.ghosts.len()
    ));
    sink.note(Level::Info, &format!(
        "rows sent per iteration: pull {} (follower rows to the followees' workers, what this engine sends); push with per-followee pre-aggregation would send {}",
        t.pull_rows, t.push_rows
    ));
    if t.edge_lines.skipped_total() + t.topic_lines.skipped_total() > 0 {
        sink.note(Level::Warning, &format!(
            "skipped {} malformed edge lines and {} malformed topic lines (all workers; --rejects is single-process)",
            t.edge_lines.skipped_total(),
            t.topic_lines.skipped_total()
        ));
    }
    let load_time = t0.elapsed();
    let t1 = Instant::now();
    let vouched = match job.config.teleport {
        TeleportMode::Earned => Some(partition::vouched(&mut mail, &part)?),
        TeleportMode::Tagged => None,
    };
    let tele = TopicTeleport::build_part(
        &part.tags,
        part.graph.users(),
        all_users,
        vouched.as_deref(),
        job.global,
        &mut |v| or_stop(mail.sum_f64(&v)),
    );
    for w in fallback_warnings(&tele) {
        sink.note(Level::Warning, &w);
    }
    let sent_before = mail.bytes_sent;
    let result = {
        // (`sink` forwards only from the first worker.)
        let observe = progress_observer(job, &sink, tele.len());
        let mut rows = RowExchange {
            mail: &mut mail,
            part: &part,
        };
        rank_partition(
            &part.graph,
            &tele,
            &job.config,
            None,
            part.owned,
            &mut rows,
            &observe,
        )
    };
    let bytes_per_iteration =
        (mail.bytes_sent - sent_before) as f64 / result.iterations.max(1) as f64;
    let result = append_markets(result, &s.mixes).map_err(JobError::Config)?;
    let rank_time = t1.elapsed();
    sink.note(Level::Info, &format!(
        "ranked {} markets in {} iterations, {:.2?} (peak memory so far {}); this worker sent {:.1} MB per iteration",
        result.k(),
        result.iterations,
        rank_time,
        crate::job::memory::peak_rss_text(),
        bytes_per_iteration / 1e6
    ));
    let t2 = Instant::now();
    write_part(&mut mail, job, &part, &result, &tele, &s.mixes)?;
    let write_time = t2.elapsed();
    let not_converged = result
        .markets
        .iter()
        .zip(&result.convergence)
        .filter(|(_, c)| !c.converged)
        .map(|(m, _)| m.clone())
        .collect();
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
        peak_rss: crate::job::memory::peak_rss(),
        out: job.out.clone(),
    }))
}

/// The load report the metadata records, from the cluster's totals.
fn report_of(job: &RankJob, t: &Totals) -> LoadReport {
    let (edges_path, topics_path) = match &job.input {
        GraphInput::Text { edges, topics } => (edges.clone(), topics.clone()),
        GraphInput::Cache(p) => (p.clone(), p.clone()),
    };
    LoadReport {
        edges_path,
        topics_path,
        edge_lines: t.edge_lines.clone(),
        topic_lines: t.topic_lines.clone(),
        build: BuildStats {
            self_follows_dropped: t.self_follows_dropped,
            duplicate_follows_merged: t.duplicate_follows_merged,
        },
        duplicate_tags_merged: t.duplicate_tags_merged,
        users_only_in_topics: t.users_only_in_topics,
    }
}

/// Writes this worker's part, then worker 0 commits the manifest that
/// names all parts (the only write at the output path itself, atomic).
/// Parts carry the run id in their name, so a new run never touches the
/// parts of the manifest that readers may still have open.
fn write_part(
    mail: &mut Mailroom<'_>,
    job: &RankJob,
    part: &Partition,
    result: &RankResult,
    tele: &TopicTeleport,
    mixes: &[MarketMix],
) -> Result<(), JobError> {
    let (me, w) = (mail.index(), mail.peers());
    let report = report_of(job, &part.totals);
    let all_users = part.starts[w];
    // One run id for all parts: worker 0's clock.
    let mine = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let run = read_pod::<u64>(&mail.broadcast(mine.to_le_bytes().to_vec())?[0])[0];
    let name = shards::part_name(&job.out, run, me, w);
    let path = job.out.with_file_name(&name);
    let metadata = metadata_for(
        job,
        (part.owned as u64, part.graph.edges(), &report),
        result,
        tele,
        mixes,
    );
    let content = SnapshotContent {
        user_ids: &part.ids,
        followers: (0..part.owned as u32)
            .map(|v| part.graph.follower_count(v) as u32)
            .collect(),
        result,
        metadata,
        model: None,
        trust: None,
    };
    write_snapshot(&path, &content)?;
    // Worker 0 commits once every part is on disk.
    let mut out = vec![Vec::new(); w];
    out[0] = (part.owned as u64).to_le_bytes().to_vec();
    let got = mail.exchange(out)?;
    let mut ok = vec![1u8];
    if me == 0 {
        let parts: Vec<PartEntry> = got
            .iter()
            .enumerate()
            .map(|(i, p)| PartEntry {
                file: shards::part_name(&job.out, run, i, w),
                users: read_pod::<u64>(p)[0],
            })
            .collect();
        let metadata = metadata_for(
            job,
            (all_users, part.totals.edges, &report),
            result,
            tele,
            mixes,
        );
        if let Err(e) = shards::commit(&job.out, metadata, parts) {
            eprintln!("marketrank: {e}");
            ok = vec![0u8];
        }
    }
    let got = mail.broadcast(if me == 0 { ok } else { Vec::new() })?;
    if got[0] != [1u8] {
        let _ = std::fs::remove_file(&path);
        return Err(JobError::Config(format!(
            "worker 0 could not commit the manifest {}",
            job.out.display()
        )));
    }
    Ok(())
}

/// [`Peers`] over the mailroom: ghost rows and market totals, once per
/// iteration.
struct RowExchange<'a, 'w> {
    mail: &'a mut Mailroom<'w>,
    part: &'a Partition,
}

impl Peers for RowExchange<'_, '_> {
    fn sum(&mut self, local: Vec<f64>) -> Vec<f64> {
        or_stop(self.mail.sum_f64(&local))
    }

    fn add_to_owners(&mut self, z: &mut [f64], k: usize) {
        let out = self
            .part
            .recv
            .iter()
            .map(|r| bytemuck::cast_slice(&z[r.start * k..r.end * k]).to_vec())
            .collect();
        let got = or_stop(self.mail.exchange(out));
        for (s, payload) in got.iter().enumerate() {
            let vals = read_pod::<f64>(payload);
            for (j, &u) in self.part.send[s].iter().enumerate() {
                for c in 0..k {
                    z[u as usize * k + c] += vals[j * k + c];
                }
            }
        }
    }

    fn share_rows<T: Real>(&mut self, x: &mut [T], lay: &Layout) {
        let k = lay.k;
        let lanes: Vec<usize> = (0..k).map(|c| lay.lane(c)).collect();
        let out = self
            .part
            .send
            .iter()
            .map(|users| {
                let mut vals: Vec<T> = Vec::with_capacity(users.len() * k);
                for &u in users {
                    vals.extend(lanes.iter().map(|&l| x[lay.at(u as usize, l)]));
                }
                bytemuck::cast_slice(&vals).to_vec()
            })
            .collect();
        let got = or_stop(self.mail.exchange(out));
        for (r, payload) in self.part.recv.iter().zip(&got) {
            let vals = read_pod::<T>(payload);
            for (j, u) in r.clone().enumerate() {
                for (c, &l) in lanes.iter().enumerate() {
                    x[lay.at(u, l)] = vals[j * k + c];
                }
            }
        }
    }
}
