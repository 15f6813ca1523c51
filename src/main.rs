//! The `marketrank` binary: parse flags, hand them to [`cli::run`], map
//! errors to exit codes (0 ok, 1 nothing found, 2 error, 3 not converged
//! under `--strict`, 4 refused: not enough memory).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut message = format!("marketrank: {e:#}");
            if let Some(h) = cli::hints::hint(&e) {
                message = format!("{message}\n{h}");
            }
            cli::observe::error_line(&message);
            if e.downcast_ref::<cli::NotFound>().is_some() {
                ExitCode::from(1)
            } else if e.downcast_ref::<cli::NotConverged>().is_some() {
                ExitCode::from(3)
            } else if e
                .downcast_ref::<marketrank::job::JobError>()
                .is_some_and(|j| {
                    matches!(
                        j,
                        marketrank::job::JobError::Memory(_)
                            | marketrank::job::JobError::Input(
                                marketrank::InputError::OverMemory { .. }
                            )
                    )
                })
            {
                // What the guard held the run to, for whoever sizes the limit.
                if let Some(peak) = marketrank::job::memory::peak_rss() {
                    eprintln!("marketrank: peak memory of this run: {peak} bytes");
                }
                ExitCode::from(4)
            } else {
                ExitCode::from(2)
            }
        }
    }
}
