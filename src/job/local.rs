//! The single-process driver: the rank pipeline as one call per step, on a
//! rayon pool. `cluster::run_cluster_job` takes the same steps over timely
//! workers.

use super::memory::{current_rss, guard_rank, guard_read, peak_rss, peak_rss_text, MemoryLimit};
use super::metadata::{add_trust, metadata_for, Coverage};
use super::publish::PendingOutputs;
use super::source::{
    load_with_rejects, read_market_mixes_with, refuse_output_over_input, report_dropped,
};
use super::steps::{compose_markets, progress_observer, warn_fallbacks, warn_not_converged};
use super::{accounts, warm, JobError, Level, Observer, Phase, RankJob, RankSummary, TrustedRun};
use crate::input::load::TaggedGraph;
use crate::input::ReadBudget;
use crate::rank::{human_bytes, rank_observed, MemoryEstimate, TopicTeleport};
use crate::snapshot::{prepare_snapshot, SnapshotContent};
use std::borrow::Cow;
use std::time::Instant;

/// Builds a rayon pool with `threads` workers (0 = one per core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, JobError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| JobError::Engine(format!("cannot start {threads} threads: {e}").into()))
}

/// The most worker threads per core a run starts, whatever it asks for.
///
/// The kernel is memory-bound and splits its work into as many pieces as
/// there are workers; beyond the cores, extra workers only add switching
/// and idle spinning: 5000 threads on 2 cores took over 60 s for what 2
/// do in 0.01 s (issue 18, item 11). A few per core are still allowed, for
/// machines that report fewer cores than they can use (a CPU quota set
/// after start, hyper-threads hidden from the count). The scores do not
/// depend on the thread count, so capping changes no byte of the output.
pub const THREADS_PER_CORE: usize = 4;

/// `threads` (0 = one per core) capped at [`THREADS_PER_CORE`] per core of
/// this machine ([`std::thread::available_parallelism`]); a capped request
/// is a warning to `obs`.
pub fn capped_threads(threads: usize, obs: &mut dyn Observer) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let used = cap_threads(cores, threads);
    if used < threads {
        obs.note(
            Level::Warning,
            &format!(
                "warning: {threads} worker threads asked for on {cores} cores; using {used} (at most {THREADS_PER_CORE} per core: more only slow the run down, the scores are the same)"
            ),
        );
    }
    used
}

/// `threads` capped for a machine of `cores` cores (0 stays 0: one per core).
fn cap_threads(cores: usize, threads: usize) -> usize {
    threads.min(cores.max(1).saturating_mul(THREADS_PER_CORE))
}

/// Runs the whole job; `obs` receives its notes and progress.
pub fn run_rank_job(job: &RankJob, obs: &mut dyn Observer) -> Result<RankSummary, JobError> {
    job.config.validate()?;
    refuse_output_over_input(job)?;
    let pool = thread_pool(capped_threads(job.threads, obs))?;
    let mixes = read_market_mixes_with(job.markets.as_deref(), &job.read_options())?;
    pool.install(|| {
        obs.phase(Phase::Read);
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
        let loaded = [
            ("users", data.ids.len() as f64),
            ("follows", data.graph.edges() as f64),
            ("topics", data.tags.len() as f64),
            ("skipped_lines", data.report.skipped_total() as f64),
            ("seconds", load_time.as_secs_f64()),
            ("peak_bytes", peak_rss().unwrap_or(0) as f64),
            ("rank_needs_bytes", (estimate.scores + estimate.other + estimate.graph) as f64),
        ];
        obs.note_figures(Level::Info, &format!(
            "loaded {} users, {} follows, {} topics in {load_time:.2?} (peak memory so far {}); rank needs about {} more (graph {} + scores {})",
            data.ids.len(),
            data.graph.edges(),
            data.tags.len(),
            peak_rss_text(),
            human_bytes(estimate.scores + estimate.other),
            human_bytes(estimate.graph),
            human_bytes(estimate.scores),
        ), &loaded);
        report_dropped(&data, obs);

        obs.phase(Phase::Rank);
        let t1 = Instant::now();
        // Follower counts and follows as read (absolute influence), before
        // an account history takes follows out of the walk.
        let followers: Vec<u32> =
            (0..data.ids.len() as u32).map(|u| data.graph.follower_count(u) as u32).collect();
        let edges = data.graph.edges();
        let (teleport, trusted) = teleport_of(job, &mut data, &mut pending, obs)?;
        warn_fallbacks(&teleport, obs);
        let previous = warm::previous_to_use(job.previous.as_deref(), job.previous_may_be_missing, obs);
        let (start, parent) = match previous {
            Some(p) => {
                let (start, parent) = warm::start_from_previous(p, &data, &teleport, obs)?;
                (Some(start), Some(parent))
            }
            None => (None, None),
        };
        let result = {
            let progress = progress_observer(job, &*obs, teleport.len());
            rank_observed(&data.graph, &teleport, &job.config, start.map(Cow::Owned), &progress)
        };
        let result = compose_markets(job, result, &mixes)?;
        let rank_time = t1.elapsed();
        let ranked = [
            ("markets", k as f64),
            ("iterations", result.iterations as f64),
            ("not_converged", result.convergence.iter().filter(|c| !c.converged).count() as f64),
            ("seconds", rank_time.as_secs_f64()),
            ("peak_bytes", peak_rss().unwrap_or(0) as f64),
        ];
        obs.note_figures(Level::Info, &format!(
            "ranked {k} markets in {} iterations, {rank_time:.2?} (peak memory so far {})",
            result.iterations,
            peak_rss_text()
        ), &ranked);
        warn_not_converged(job, &result, obs);

        obs.phase(Phase::Write);
        let t2 = Instant::now();
        let covers = Coverage { users: data.ids.len() as u64, edges, load: &data.report };
        let mut metadata = metadata_for(job, covers, &result, &teleport, &mixes);
        metadata.parent = parent.as_ref().map(|p| p.path.clone());
        metadata.parent_snapshot_id = parent.map(|p| p.snapshot_id);
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

#[cfg(test)]
mod tests {
    use super::cap_threads;

    #[test]
    fn threads_are_capped_at_four_per_core_and_zero_stays_one_per_core() {
        assert_eq!(cap_threads(2, 5000), 8);
        assert_eq!(cap_threads(2, 8), 8);
        assert_eq!(cap_threads(2, 3), 3);
        assert_eq!(cap_threads(2, 0), 0);
        assert_eq!(cap_threads(0, 5000), 4);
    }
}
