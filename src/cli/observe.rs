//! How the CLI shows a run's notes and progress on stderr: everything, or
//! under `--quiet` only warnings; progress as a bar rewritten in place on a
//! terminal, as plain lines otherwise (files, schedulers).

use marketrank::job::{Level, Observer, Progress};
use std::io::IsTerminal;

/// Notes and progress to stderr.
pub struct Stderr {
    quiet: bool,
    terminal: bool,
}

impl Stderr {
    /// Shows every note and the progress, or with `quiet` only warnings.
    pub fn new(quiet: bool) -> Stderr {
        Stderr {
            quiet,
            terminal: std::io::stderr().is_terminal(),
        }
    }
}

impl Observer for Stderr {
    fn note(&mut self, level: Level, message: &str) {
        if self.quiet && level == Level::Info {
            return;
        }
        if self.terminal {
            eprint!("\r\x1b[2K"); // clear the progress line first
        }
        eprintln!("{message}");
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
            eprintln!("{p}")
        }
    }
}
