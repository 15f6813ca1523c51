//! How the CLI shows a run's notes and progress on stderr: everything, or
//! under `--quiet` only warnings; progress as a bar rewritten in place on a
//! terminal, as plain lines otherwise (files, schedulers).
//!
//! `--log-format json` writes one JSON object per line instead (timestamp,
//! level, phase, message, figures), for log collectors; plain lines carry
//! a UTC timestamp when stderr is not a terminal (`>> rank.log` from cron),
//! so a month of nightly runs in one file can be told apart.

use marketrank::job::{Level, Observer, Phase, Progress};
use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Text; timestamped when stderr is not a terminal.
    #[default]
    Plain,
    /// One JSON object per line.
    Json,
}

static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Sets the format of every log line of this process (the first call wins:
/// one process, one log format; the error line `main` prints follows it).
pub fn set_format(format: LogFormat) {
    let _ = FORMAT.set(format);
}

fn format() -> LogFormat {
    FORMAT.get().copied().unwrap_or_default()
}

/// Now as `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, the wall clock: log lines are
/// about when, unlike a snapshot's `created`, which SOURCE_DATE_EPOCH pins).
fn timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = marketrank::snapshot::rfc3339_of(now.as_secs());
    format!("{}.{:03}Z", secs.trim_end_matches('Z'), now.subsec_millis())
}

/// Writes one log line to stderr in the process's format: `level` is
/// `info`, `warning` or `error`.
pub fn log_line(level: &str, phase: Option<Phase>, message: &str, figures: &[(&str, f64)]) {
    match format() {
        LogFormat::Json => {
            let mut figs = serde_json::Map::new();
            for (k, v) in figures {
                let n = serde_json::Number::from_f64(*v)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number);
                figs.insert((*k).to_string(), n);
            }
            let line = serde_json::json!({
                "timestamp": timestamp(),
                "level": level,
                "phase": phase,
                "message": message,
                "figures": figs,
            });
            eprintln!("{line}");
        }
        LogFormat::Plain if std::io::stderr().is_terminal() => eprintln!("{message}"),
        LogFormat::Plain => eprintln!("{} {message}", timestamp()),
    }
}

/// The error a run ends with, as the last log line: plain text as it has
/// always been (no timestamp: it is what a person reads first), or under
/// `--log-format json` an object of level `error`.
pub fn error_line(message: &str) {
    match format() {
        LogFormat::Json => log_line("error", None, message, &[]),
        LogFormat::Plain => eprintln!("{message}"),
    }
}

/// Notes and progress to stderr.
pub struct Stderr {
    quiet: bool,
    terminal: bool,
    phase: Phase,
}

impl Stderr {
    /// Shows every note and the progress, or with `quiet` only warnings.
    pub fn new(quiet: bool) -> Stderr {
        Stderr {
            quiet,
            terminal: std::io::stderr().is_terminal() && format() == LogFormat::Plain,
            phase: Phase::Setup,
        }
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Info => "info",
        Level::Warning => "warning",
    }
}

impl Observer for Stderr {
    fn note(&mut self, level: Level, message: &str) {
        self.note_figures(level, message, &[]);
    }

    fn note_figures(&mut self, level: Level, message: &str, figures: &[(&'static str, f64)]) {
        if self.quiet && level == Level::Info {
            return;
        }
        if self.terminal {
            eprint!("\r\x1b[2K"); // clear the progress line first
        }
        log_line(level_name(level), Some(self.phase), message, figures);
    }

    fn phase(&mut self, phase: Phase) {
        self.phase = phase;
    }

    /// On a terminal a bar (share of the way from the first iteration's L1
    /// change down to the tolerance, on a log scale) and the iteration line.
    fn progress(&self, p: &Progress) {
        if self.quiet {
            return;
        }
        if self.terminal {
            const WIDTH: usize = 24;
            let done = (p.fraction() * WIDTH as f64).round() as usize;
            eprint!(
                "\r\x1b[2K[{}{}] {:>3.0}% {p}",
                "#".repeat(done),
                "-".repeat(WIDTH - done),
                100.0 * p.fraction()
            )
        } else {
            let figures = [
                ("iteration", p.iteration as f64),
                ("active_markets", p.active as f64),
                ("markets", p.markets as f64),
                ("max_residual", p.max_residual),
                ("seconds", p.elapsed.as_secs_f64()),
            ];
            log_line("info", Some(Phase::Rank), &p.to_string(), &figures);
        }
    }
}
