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
mod cmd_rank;
mod cmd_report;
mod cmd_serve;
mod cmd_show;
mod cmd_top;
pub mod hints;
mod observe;
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
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Rank(a) => cmd_rank::run(a),
        Command::Ingest(a) => cmd_ingest::run(a),
        Command::Top(a) => cmd_top::run(a),
        Command::Show(a) => cmd_show::run(a),
        Command::Export(a) => cmd_export::run(a),
        Command::Explain(a) => cmd_explain::run(a),
        Command::Compare(a) => cmd_compare::run(a),
        Command::Demo(a) => cmd_demo::run(a),
        Command::Info(a) => cmd_info::run(a),
        Command::Diff(a) => cmd_diff::run(a),
        Command::Merge(a) => cmd_merge::run(a),
        Command::Serve(a) => cmd_serve::run(a),
        Command::Enrich(a) => cmd_enrich::run(a),
        Command::Report(a) => cmd_report::run(a),
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
            "no market `{market}` in this snapshot; markets: {}",
            snap.markets().join(", ")
        ))
        .into()
    })
}

/// The index of user `id`, or a [`NotFound`] that says how many users there are.
fn user(snap: &marketrank::Snapshot, id: &str) -> anyhow::Result<u32> {
    snap.user_index(id).ok_or_else(|| {
        NotFound(format!(
            "no user `{id}` in this snapshot ({} users)",
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
