//! The single-process driver: the rank pipeline as one call per step, on a
//! rayon pool. `cluster::run_cluster_job` takes the same steps over timely
//! workers.

use super::memory::{current_rss, guard_rank, guard_read, peak_rss, peak_rss_text, MemoryLimit};
use super::metadata::{add_trust, metadata_for, Coverage};
use super::publish::PendingOutputs;
use super::source::{
    load_with_rejects, read_market_mixes, refuse_output_over_input, report_dropped,
};
use super::steps::{compose_markets, progress_observer, warn_fallbacks, warn_not_converged};
use super::{accounts, warm, JobError, Level, Observer, RankJob, RankSummary, TrustedRun};
use crate::input::load::TaggedGraph;
use crate::rank::{human_bytes, rank_observed, MemoryEstimate, TopicTeleport};
use crate::input::ReadBudget;
use crate::snapshot::{prepare_snapshot, SnapshotContent};
use std::time::Instant;

/// Builds a rayon pool with `threads` workers (0 = one per core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, JobError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| JobError::Engine(format!("cannot start {threads} threads: {e}").into()))
}

/// Threads per core beyond which `--threads` is capped: more only adds
/// scheduling (5,000 threads on 2 cores ran > 60 s instead of 0.01 s).
pub const THREADS_PER_CORE: usize = 4;

/// `threads` (0 = one per core), capped at [`THREADS_PER_CORE`] per core
/// with a warning. The result does not depend on the thread count, so the
/// cap changes only the time.
pub fn capped_threads(threads: usize, obs: &mut dyn Observer) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = cores * THREADS_PER_CORE;
    if threads > cap {
        obs.note(
            Level::Warning,
            &format!(
                "--threads {threads} capped at {cap} ({THREADS_PER_CORE} per core on {cores} cores): more threads than that only add scheduling; the result is the same at any count"
            ),
        );
        return cap;
    }
    threads
}

/// Runs the whole job; `obs` receives its notes and progress.
pub fn run_rank_job(job: &RankJob, obs: &mut dyn Observer) -> Result<RankSummary, JobError> {
    job.config.validate()?;
    refuse_output_over_input(job)?;
    let pool = thread_pool(capped_threads(job.threads, obs))?;
    let mixes = read_market_mixes(job.markets.as_deref())?;
    pool.install(|| {
        obs.note(Level::Info, &job.input.reading_note());
        let limit = MemoryLimit::resolve(job.max_memory);
        if let Some(limit) = limit {
            guard_read(limit, &job.input)?;
        }
        let budget = limit.map(|l| ReadBudget {
            limit: l.bytes,
            resident: current_rss,
        });
        let mut pending = PendingOutputs::default();
        let t0 = Instant::now();
        let (mut data, rejects) = load_with_rejects(
            &job.input,
            job.bad_lines,
            job.only_topics.as_deref(),
            job.rejects.as_deref(),
            &job.out,
            budget.as_ref(),
            &mut pending,
        )?;
        let load_time = t0.elapsed();
        let k = data.tags.len() + usize::from(job.global);
        let estimate = MemoryEstimate::for_graph(&data.graph, k, data.tags.tags(), &job.config);
        if let Some(limit) = limit {
            guard_rank(limit, data.ids.len() as u64, &estimate, mixes.len(), obs)?;
        }
        obs.note(Level::Info, &format!(
            "loaded {} users, {} follows, {} topics in {load_time:.2?} (peak memory so far {}); rank needs about {} more (graph {} + scores {})",
            data.ids.len(),
            data.graph.edges(),
            data.tags.len(),
            peak_rss_text(),
            human_bytes(estimate.scores + estimate.other),
            human_bytes(estimate.graph),
            human_bytes(estimate.scores),
        ));
        report_dropped(&data, obs);

        let t1 = Instant::now();
        // Follower counts and follows as read (absolute influence), before
        // an account history takes follows out of the walk.
        let followers: Vec<u32> =
            (0..data.ids.len() as u32).map(|u| data.graph.follower_count(u) as u32).collect();
        let edges = data.graph.edges();
        let (teleport, trusted) = teleport_of(job, &mut data, &mut pending, obs)?;
        warn_fallbacks(&teleport, obs);
        let start = match &job.previous {
            Some(p) => Some(warm::start_from_previous(p, &data, &teleport, obs)?),
            None => None,
        };
        let result = {
            let progress = progress_observer(job, &*obs, teleport.len());
            rank_observed(&data.graph, &teleport, &job.config, start.as_deref(), &progress)
        };
        drop(start);
        let result = compose_markets(job, result, &mixes)?;
        let rank_time = t1.elapsed();
        obs.note(Level::Info, &format!(
            "ranked {k} markets in {} iterations, {rank_time:.2?} (peak memory so far {})",
            result.iterations,
            peak_rss_text()
        ));
        warn_not_converged(job, &result, obs);

        let t2 = Instant::now();
        let covers = Coverage { users: data.ids.len() as u64, edges, load: &data.report };
        let mut metadata = metadata_for(job, covers, &result, &teleport, &mixes);
        if let Some(t) = &trusted {
            add_trust(&mut metadata, t, &teleport);
        }
        let content = SnapshotContent {
            user_ids: &data.ids,
            followers,
            result: &result,
            metadata,
            model: Some((&data.graph, &teleport)),
            trust: trusted.as_ref().map(|t| &t.trust.passed[..]),
        };
        // Every output is written and checked before any is published.
        let snapshot = prepare_snapshot(&job.out, &content)?;
        if let Some(tsv) = &job.scores_tsv {
            let (file, _) = crate::export::prepare_scores_tsv(&result, &data.ids, tsv)
                .map_err(|e| JobError::io(tsv, e))?;
            pending.add(file, None);
        }
        pending.add(snapshot.into_file(), None);
        pending.publish(obs)?;
        let write_time = t2.elapsed();
        Ok(RankSummary { data, result, follows: edges, estimate, load_time, rank_time, write_time, peak_rss: peak_rss(), rejects })
    })
}

/// The restart distribution: from the account history's earned trust with
/// `--accounts` (whose walk graph then replaces the graph as read: one
/// graph alive from here on), else from the tags and the graph.
fn teleport_of(
    job: &RankJob,
    data: &mut TaggedGraph,
    pending: &mut PendingOutputs,
    obs: &mut dyn Observer,
) -> Result<(TopicTeleport, Option<TrustedRun>), JobError> {
    let Some(a) = &job.accounts else {
        let tele = TopicTeleport::new(&data.tags, &data.graph, job.config.teleport, job.global);
        return Ok((tele, None));
    };
    let mut t = accounts::trusted_run(a, data, job.bad_lines, &job.out, pending, obs)?;
    data.graph = std::mem::take(&mut t.walk);
    let tele = TopicTeleport::with_trust(&data.tags, data.ids.len(), &t.trust, job.global);
    Ok((tele, Some(t)))
}
