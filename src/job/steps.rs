//! The steps both engines take the same way after their own loading: say
//! which markets fell back, report progress, compose the market mixes and
//! say which markets did not converge. One home, so the single-process and
//! the distributed driver cannot drift apart in what they tell the user.

use super::{JobError, Level, Observer, Progress, RankJob};
use crate::rank::{append_markets, IterationReport, MarketMix, RankResult, TopicTeleport};
use std::time::Instant;

/// Warns for each market whose earned teleport fell back to plain tags.
pub fn warn_fallbacks(tele: &TopicTeleport, obs: &mut dyn Observer) {
    for c in (0..tele.len()).filter(|&c| tele.fell_back(c)) {
        obs.note(
            Level::Warning,
            &format!(
                "warning: market `{}`: no tagged user earned teleport weight (nobody outside a closed group follows them); using plain tags",
                tele.markets()[c]
            ),
        );
    }
}

/// Turns the kernel's iteration reports into [`Progress`] for `obs` (the
/// share of the way is measured from the first report).
pub fn progress_observer<'a>(
    job: &'a RankJob,
    obs: &'a dyn Observer,
    markets: usize,
) -> impl Fn(&IterationReport) + 'a {
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

/// Adds the market mixes' columns to `result`; a mix that names a missing
/// topic is refused with the markets file's name.
pub fn compose_markets(
    job: &RankJob,
    result: RankResult,
    mixes: &[MarketMix],
) -> Result<RankResult, JobError> {
    append_markets(result, mixes).map_err(|e| {
        let file = job
            .markets
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        JobError::Config(format!("{file}: {e}"))
    })
}

/// Warns for each market that did not reach the tolerance; returns their names.
pub fn warn_not_converged(
    job: &RankJob,
    result: &RankResult,
    obs: &mut dyn Observer,
) -> Vec<String> {
    let mut names = Vec::new();
    for (m, c) in result.markets.iter().zip(&result.convergence) {
        if !c.converged {
            obs.note(
                Level::Warning,
                &format!(
                    "warning: market `{m}` did not converge: L1 change {:.3e} > tolerance {:.1e} after {} iterations (raise the iteration limit)",
                    c.residual, job.config.tolerance, c.iterations
                ),
            );
            names.push(m.clone());
        }
    }
    names
}
