//! What a run tells the one who started it: notes with a typed level and
//! per-iteration progress. The library never prints; the CLI (or another
//! program) decides what to show, e.g. only warnings under `--quiet`.

use std::time::Duration;

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// What the run is doing (reading, loaded, ranked, memory).
    Info,
    /// What the user must see even when quiet: lines skipped, a market
    /// that fell back or did not converge.
    Warning,
}

/// Which step of a run a note belongs to, told by the run as it enters
/// the step (never read back out of a note's words), so a log reader can
/// select, say, every `read` note of a month of nightly runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Checking the job, before any input is read.
    #[default]
    Setup,
    /// Reading the inputs and building the graph.
    Read,
    /// The power iteration (and composing market mixes).
    Rank,
    /// Writing and publishing the outputs.
    Write,
}

/// Receives a run's notes and progress.
pub trait Observer: Send {
    /// One line of what the run did.
    fn note(&mut self, level: Level, message: &str);
    /// A note with its figures (counts, seconds, bytes) as numbers, for
    /// machine-readable logs; the message says the same in words.
    fn note_figures(&mut self, level: Level, message: &str, _figures: &[(&'static str, f64)]) {
        self.note(level, message);
    }
    /// The run enters `phase`; the notes that follow belong to it.
    fn phase(&mut self, _phase: Phase) {}
    /// After every iteration of the power iteration.
    fn progress(&self, _progress: &Progress) {}
}

/// An observer that keeps nothing (library callers who need no log).
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Observer for Silent {
    fn note(&mut self, _: Level, _: &str) {}
}

/// An observer that collects the notes (tests, embedding programs).
#[derive(Debug, Default, Clone)]
pub struct Collect(pub Vec<(Level, String)>);

impl Observer for Collect {
    fn note(&mut self, level: Level, message: &str) {
        self.0.push((level, message.to_string()));
    }
}

/// Where the power iteration stands, after each iteration.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Iterations done.
    pub iteration: u32,
    /// Markets still iterating.
    pub active: usize,
    /// Markets in all.
    pub markets: usize,
    /// Largest L1 change of this iteration.
    pub max_residual: f64,
    /// The largest L1 change of the first iteration.
    pub first_residual: f64,
    /// The tolerance every market must reach.
    pub tolerance: f64,
    /// Time since the iteration started.
    pub elapsed: Duration,
}

impl Progress {
    /// Estimated share of the work done, in [0, 1]: the L1 change falls
    /// geometrically, so progress is how far its logarithm has come from
    /// the first iteration's down to the tolerance.
    pub fn fraction(&self) -> f64 {
        if self.active == 0 {
            return 1.0;
        }
        let span = (self.first_residual / self.tolerance).ln();
        if !(span.is_finite() && span > 0.0) {
            return 0.0;
        }
        ((self.first_residual / self.max_residual).ln() / span).clamp(0.0, 1.0)
    }
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "iteration {}: {} of {} markets still iterating, largest L1 change {:.2e} ({:.1?})",
            self.iteration, self.active, self.markets, self.max_residual, self.elapsed
        )
    }
}
