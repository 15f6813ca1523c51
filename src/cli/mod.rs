//! The command-line interface: flags in [`args`], one module per
//! subcommand. Library code never sees clap types.

pub mod args;
mod cmd_compare;
mod cmd_demo;
mod cmd_diff;
mod cmd_enrich;
mod cmd_explain;
mod cmd_export;
mod cmd_info;
mod cmd_ingest;
mod cmd_merge;
mod cmd_publish;
mod cmd_rank;
mod cmd_report;
mod cmd_serve;
mod cmd_show;
mod cmd_top;
mod enrich_args;
pub mod hints;
mod input_args;
pub mod observe;
mod publish_args;
mod table;

use args::{Cli, Command};

/// A lookup that found nothing (unknown user or market): exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotFound(pub String);

/// A run that did not converge under `--strict`: exit code 3.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotConverged(pub String);

/// Runs a parsed command line.
///
/// Commands write their report to `out`, standard output, and every
/// write returns its `io::Result` instead of going through
/// `println!`, which panics (exit 101) when the reader has gone away, as
/// `marketrank top … | head -1` does (issue 18, item 8). The error travels
/// up as an `io::Error` of kind `BrokenPipe` and `main` turns it into a
/// quiet exit 0, as ripgrep does; any other write error (a full disk under
/// `> file`) is an error like any other. SIGPIPE keeps Rust's default
/// (ignored): restoring `SIG_DFL` would end the process with 141 instead.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    // Not locked for the whole run: `serve` and the cluster engine run
    // threads, and one that printed would wait forever for the lock.
    let mut out = Report(std::io::stdout());
    let done = dispatch(cli.command, &mut out);
    // Flushed on failure too: what a command printed before its error is
    // part of its answer. A flush error only matters when the command
    // itself succeeded.
    let flushed = std::io::Write::flush(&mut out);
    done?;
    Ok(flushed?)
}

/// Standard output whose errors say that they are standard output's
/// (`marketrank top … > /dev/full`: "could not write to standard output:
/// No space left on device"), of the same kind, so that `main` still sees
/// a `BrokenPipe`.
struct Report(std::io::Stdout);

impl std::io::Write for Report {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(on_stdout)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(on_stdout)
    }
}

fn on_stdout(e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("could not write to standard output: {e}"))
}

fn dispatch(command: Command, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    match command {
        Command::Rank(a) => cmd_rank::run(a, out),
        Command::Ingest(a) => cmd_ingest::run(a),
        Command::Top(a) => cmd_top::run(a, out),
        Command::Show(a) => cmd_show::run(a, out),
        Command::Export(a) => cmd_export::run(a),
        Command::Explain(a) => cmd_explain::run(a, out),
        Command::Compare(a) => cmd_compare::run(a, out),
        Command::Demo(a) => cmd_demo::run(a, out),
        Command::Info(a) => cmd_info::run(a, out),
        Command::Diff(a) => cmd_diff::run(a, out),
        Command::Merge(a) => cmd_merge::run(a),
        Command::Serve(a) => cmd_serve::run(a),
        Command::Enrich(a) => cmd_enrich::run(a),
        Command::Report(a) => cmd_report::run(a),
        Command::Publish(a) => cmd_publish::run(a),
    }
}

/// Opens a snapshot with the path in the error.
fn open_snapshot(path: &std::path::Path) -> anyhow::Result<marketrank::Snapshot> {
    Ok(marketrank::Snapshot::open(path)?)
}

/// The column of `market`, or a [`NotFound`] that lists the markets.
fn market(snap: &marketrank::Snapshot, market: &str) -> anyhow::Result<usize> {
    snap.market_index(market).ok_or_else(|| {
        NotFound(format!(
            "no market `{}` in this snapshot; markets: {}",
            table::printable(market),
            table::printable(&snap.markets().join(", "))
        ))
        .into()
    })
}

/// The index of user `id`, or a [`NotFound`] that says how many users there are.
fn user(snap: &marketrank::Snapshot, id: &str) -> anyhow::Result<u32> {
    snap.user_index(id).ok_or_else(|| {
        NotFound(format!(
            "no user `{}` in this snapshot ({} users)",
            table::printable(id),
            snap.users()
        ))
        .into()
    })
}

/// Refuses, before any work, an output that names one of the command's
/// inputs (same path or same file): writing it would destroy the input.
fn refuse_over_inputs<'a>(
    outputs: impl IntoIterator<Item = Option<&'a std::path::Path>>,
    inputs: &[&std::path::Path],
) -> anyhow::Result<()> {
    for output in outputs.into_iter().flatten() {
        if let Some(input) = marketrank::store::paths::input_named_by(output, inputs) {
            return Err(marketrank::job::JobError::OutputIsInput {
                output: output.to_path_buf(),
                input: input.to_path_buf(),
            }
            .into());
        }
    }
    Ok(())
}
