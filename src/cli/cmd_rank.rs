//! `marketrank rank`: load, rank, write the snapshot.

use super::args::{
    ClusterArgs, EngineArg, LogFormatArg, RankArgs, RankParams, TeleportArg, WalkArg,
};
use super::NotConverged;
use anyhow::Context;
use marketrank::input::BadLines;
use marketrank::job::{run_rank_job, AccountsInput, GraphInput, RankJob, RankSummary};
use marketrank::rank::human_bytes;
use marketrank::{RankConfig, TeleportMode, TrustConfig, Walk};
use std::io::Write;
use std::path::PathBuf;

pub fn run(a: RankArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    super::observe::set_format(match a.params.log_format {
        LogFormatArg::Plain => super::observe::LogFormat::Plain,
        LogFormatArg::Json => super::observe::LogFormat::Json,
    });
    let out = match (&a.out, &a.out_dir) {
        (Some(out), _) => out.clone(),
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
            marketrank::job::schedule::timestamped_path(dir)
        }
        (None, None) => anyhow::bail!("give --out FILE or --out-dir DIR"),
    };
    let input = match (a.graph, a.edges, a.topics) {
        (Some(g), _, _) => GraphInput::Cache(g),
        (None, edges, topics) if !edges.is_empty() && !topics.is_empty() => {
            GraphInput::Text(a.input.graph_files(edges, topics)?)
        }
        _ => anyhow::bail!("give --edges and --topics, or --graph"),
    };
    let job = job_from(&a.params, input, out.clone())?;
    if a.cluster.engine == EngineArg::Timely {
        anyhow::ensure!(
            a.out_dir.is_none(),
            "--out-dir is single-process; give --out (the manifest path) with --engine timely"
        );
        return run_cluster(
            &a.cluster,
            &job,
            a.strict,
            a.params.bench_result,
            a.params.quiet,
            stdout,
        );
    }
    let summary = run_job(&job, a.params.quiet)?;
    print_summary(&job, &summary, a.params.quiet);
    let unconverged: Vec<&str> = summary
        .result
        .markets
        .iter()
        .zip(&summary.result.convergence)
        .filter(|(_, c)| !c.converged)
        .map(|(m, _)| m.as_str())
        .collect();
    if a.strict && !unconverged.is_empty() {
        return Err(NotConverged(format!(
            "{} market(s) did not converge ({}); {} was written but not published (raise --max-iter or --tol)",
            unconverged.len(),
            unconverged.join(", "),
            out.display()
        ))
        .into());
    }
    if let Some(dir) = &a.out_dir {
        marketrank::job::schedule::publish_latest(dir, &out)
            .with_context(|| format!("could not update {}/latest.snap", dir.display()))?;
        let removed = marketrank::job::schedule::prune(dir, a.keep.max(1))
            .with_context(|| format!("could not prune {}", dir.display()))?;
        if !a.params.quiet {
            super::observe::log_line(
                "info",
                Some(marketrank::job::Phase::Write),
                &format!(
                    "{}/latest.snap -> {}; removed {} old snapshot(s)",
                    dir.display(),
                    out.display(),
                    removed.len()
                ),
                &[("removed", removed.len() as f64)],
            );
        }
    }
    if a.params.bench_result {
        let threads = match job.threads.min(cores() * marketrank::job::THREADS_PER_CORE) {
            0 => cores(),
            t => t,
        };
        writeln!(
            stdout,
            "BENCH_RESULT {}",
            serde_json::json!({
                "load_s": summary.load_time.as_secs_f64(),
                "compute_s": summary.rank_time.as_secs_f64(),
                "write_s": summary.write_time.as_secs_f64(),
                "iterations": summary.result.iterations,
                "threads": threads,
                "version": format!("marketrank {}", env!("CARGO_PKG_VERSION")),
                "peak_rss_mb": summary.peak_rss.map(|b| b as f64 / 1e6),
            })
        )?;
    }
    Ok(())
}

/// Cores of this machine, 1 when unknown.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Builds the library job from flags.
pub fn job_from(p: &RankParams, input: GraphInput, out: PathBuf) -> anyhow::Result<RankJob> {
    let accounts = match &p.accounts.accounts {
        None => None,
        Some(path) => {
            anyhow::ensure!(
                p.teleport != Some(TeleportArg::Tagged),
                "--accounts sets who restarts the walk (tag weight x earned trust); it cannot be combined with --teleport tagged"
            );
            let as_of_day = match &p.accounts.as_of {
                Some(s) => marketrank::input::parse_utc_day(s)
                    .map_err(|e| anyhow::anyhow!("--as-of: {e}"))?,
                None => (marketrank::snapshot::meta_now() / 86_400) as i32,
            };
            Some(AccountsInput {
                path: path.clone(),
                trusted: p.accounts.trusted.clone(),
                config: TrustConfig {
                    probation_days: p.accounts.probation_days,
                    steps: p.accounts.trust_steps,
                    ..TrustConfig::at(as_of_day)
                },
            })
        }
    };
    let walk = match p.walk {
        WalkArg::Plain => Walk::Plain,
        WalkArg::TopicBiased => Walk::TopicBiased {
            epsilon: p.topic_bias,
        },
    };
    let teleport = match p.teleport {
        Some(TeleportArg::Tagged) => TeleportMode::Tagged,
        Some(TeleportArg::Earned) => TeleportMode::Earned,
        None => TeleportMode::default_for(&walk),
    };
    Ok(RankJob {
        accounts,
        input,
        out,
        config: RankConfig {
            damping: p.damping,
            tolerance: p.tol,
            max_iterations: p.max_iter,
            precision: p.precision.into(),
            walk,
            teleport,
            method: p.method.into(),
        },
        markets: p.markets.clone(),
        global: !p.no_global,
        only_topics: p.only_topics.clone(),
        scores_tsv: p.scores_tsv.clone(),
        previous: p.previous.clone().or_else(|| p.previous_if_exists.clone()),
        previous_may_be_missing: p.previous_if_exists.is_some(),
        threads: p.threads,
        rejects: p.rejects.clone(),
        max_memory: p.max_memory,
        bad_lines: if p.skip_bad_lines {
            BadLines::Skip
        } else {
            BadLines::Fail
        },
    })
}

/// Runs the job, notes and progress to stderr (warnings even when quiet).
pub fn run_job(job: &RankJob, quiet: bool) -> anyhow::Result<RankSummary> {
    Ok(run_rank_job(job, &mut super::observe::Stderr::new(quiet))?)
}

fn print_summary(job: &RankJob, s: &RankSummary, quiet: bool) {
    if quiet {
        return;
    }
    let not_converged = s.result.convergence.iter().filter(|c| !c.converged).count();
    let message = format!(
        "wrote {}: {} users, {} follows, {} markets ({} not converged); load {:.2?}, rank {:.2?}, write {:.2?}; peak memory {} (estimate for the rank step {})",
        job.out.display(),
        s.data.ids.len(),
        s.follows,
        s.result.k(),
        not_converged,
        s.load_time,
        s.rank_time,
        s.write_time,
        s.peak_rss.map(human_bytes).unwrap_or_else(|| "unknown".into()),
        human_bytes(s.estimate.total()),
    );
    let figures = [
        ("users", s.data.ids.len() as f64),
        ("follows", s.follows as f64),
        ("markets", s.result.k() as f64),
        ("not_converged", not_converged as f64),
        ("load_seconds", s.load_time.as_secs_f64()),
        ("rank_seconds", s.rank_time.as_secs_f64()),
        ("write_seconds", s.write_time.as_secs_f64()),
        ("peak_bytes", s.peak_rss.unwrap_or(0) as f64),
    ];
    super::observe::log_line(
        "info",
        Some(marketrank::job::Phase::Write),
        &message,
        &figures,
    );
}

/// `rank --engine timely`: this process's share of a cluster run.
fn run_cluster(
    c: &ClusterArgs,
    job: &RankJob,
    strict: bool,
    bench: bool,
    quiet: bool,
    stdout: &mut dyn Write,
) -> anyhow::Result<()> {
    // Which options the distributed engine refuses is the library's to
    // say; here they get the names of the flags that asked for them.
    if matches!(job.input, GraphInput::Cache(_)) {
        anyhow::bail!("--engine timely reads text files (each worker its share); a graph cache is single-process");
    }
    if let Some(option) = marketrank::cluster::SingleProcessOnly::first_in(job) {
        use marketrank::cluster::SingleProcessOnly as O;
        let flag = match option {
            O::WarmStart => "--previous",
            O::ScoresTsv => "--scores-tsv",
            O::Rejects => "--rejects",
            O::MemoryLimit => "--max-memory",
            O::Accounts => "--accounts",
        };
        anyhow::bail!("{flag} is not available with --engine timely yet; run single-process, or merge the sharded snapshot first");
    }
    let hosts = match &c.hostfile {
        Some(p) => marketrank::cluster::read_hostfile(p)?,
        None if c.processes > 1 => anyhow::bail!(
            "--processes {} needs --hostfile (one host:port per process)",
            c.processes
        ),
        None => Vec::new(),
    };
    let cluster = marketrank::cluster::ClusterConfig {
        workers: c.workers,
        processes: c.processes,
        process: c.process,
        hosts,
        peer_timeout: std::time::Duration::from_secs(c.peer_timeout),
        connect_timeout: std::time::Duration::from_secs(c.connect_timeout),
    };
    let mut obs = super::observe::Stderr::new(quiet);
    let threads = marketrank::job::capped_threads(job.threads, &mut obs);
    if threads > 0 {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global();
    }
    let s = marketrank::cluster::run_cluster_job(job, &cluster, &mut obs)?;
    if !quiet {
        eprintln!(
            "process {}: wrote {}{}: {} users, {} follows, {} markets ({} not converged); load {:.2?}, rank {:.2?}, write {:.2?}; {:.1} MB sent per iteration by this process's first worker; peak memory {}",
            c.process,
            if c.process == 0 { "the manifest " } else { "its parts of " },
            s.out.display(),
            s.users,
            s.totals.edges,
            s.markets.len(),
            s.not_converged.len(),
            s.load_time,
            s.rank_time,
            s.write_time,
            s.bytes_per_iteration / 1e6,
            s.peak_rss.map(human_bytes).unwrap_or_else(|| "unknown".into()),
        );
    }
    if bench {
        writeln!(
            stdout,
            "BENCH_RESULT {}",
            serde_json::json!({
                "load_s": s.load_time.as_secs_f64(),
                "compute_s": s.rank_time.as_secs_f64(),
                "write_s": s.write_time.as_secs_f64(),
                "iterations": s.iterations,
                "processes": c.processes,
                "workers": c.workers,
                "bytes_per_iteration": s.bytes_per_iteration,
                "pull_rows": s.totals.pull_rows,
                "push_rows": s.totals.push_rows,
                "version": format!("marketrank {}", env!("CARGO_PKG_VERSION")),
                "peak_rss_mb": s.peak_rss.map(|b| b as f64 / 1e6),
            })
        )?;
    }
    if strict && !s.not_converged.is_empty() {
        return Err(NotConverged(format!(
            "{} market(s) did not converge ({})",
            s.not_converged.len(),
            s.not_converged.join(", ")
        ))
        .into());
    }
    Ok(())
}
