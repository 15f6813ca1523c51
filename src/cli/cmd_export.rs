//! `marketrank export`: scores as CSV, JSON Lines or Parquet for other tools.

use super::args::{ExportArgs, FormatArg};
use anyhow::Context;
use clap::ValueEnum;
use marketrank::export::{export, ExportFilter, ExportFormat};
use std::path::Path;

pub fn run(a: ExportArgs) -> anyhow::Result<()> {
    let format = format_for(a.format, &a.out)?;
    super::refuse_over_inputs([Some(a.out.as_path())], &[&a.snapshot])?;
    let snap = super::open_snapshot(&a.snapshot)?;
    // Repeats are dropped here, where the flag can be named (the library
    // drops them too): each market once, where it first appears.
    let mut markets: Vec<String> = Vec::with_capacity(a.market.len());
    let mut repeated: Vec<String> = Vec::new();
    for m in a.market {
        super::market(&snap, &m)?;
        if !markets.contains(&m) {
            markets.push(m);
        } else if !repeated.contains(&m) {
            repeated.push(m);
        }
    }
    if !repeated.is_empty() {
        eprintln!(
            "note: --market names {} more than once; each market is exported once",
            super::table::printable(&repeated.join(", "))
        );
    }
    let filter = ExportFilter {
        markets,
        top: a.top,
        min_percentile: a.min_percentile,
        wide: a.wide,
    };
    let rows = export(&snap, format, &filter, &a.out)
        .with_context(|| format!("could not write {}", a.out.display()))?;
    // CSV and JSON Lines files carry no snapshot id (see
    // `export::SNAPSHOT_ID_KEY`): this line names it for every format.
    eprintln!(
        "wrote {} rows ({}) to {} from snapshot {}",
        rows,
        name(format),
        a.out.display(),
        snap.content_id()
    );
    Ok(())
}

/// The format to write: `--format` when given, else the one the `--out`
/// extension names, else CSV (the extension names no format: `scores.txt`,
/// no extension, standard output). A `--format` that contradicts a known
/// extension is refused (exit 2): before, `--out x.parquet` without
/// `--format` wrote CSV into it, and no Parquet reader could open it.
fn format_for(flag: Option<FormatArg>, out: &Path) -> anyhow::Result<ExportFormat> {
    let by_name = ExportFormat::for_path(out);
    let Some(flag) = flag else {
        return Ok(by_name.unwrap_or(ExportFormat::Csv));
    };
    let format = match flag {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Jsonl => ExportFormat::JsonLines,
        FormatArg::Parquet => ExportFormat::Parquet,
    };
    match by_name {
        Some(named) if named != format => anyhow::bail!(
            "--format {} contradicts --out {}, a {} file name: drop --format (the extension decides) or give --out a name that ends in .{}",
            flag.to_possible_value().map_or("?".into(), |v| v.get_name().to_string()),
            out.display(),
            name(named),
            extension(format)
        ),
        _ => Ok(format),
    }
}

/// How a message names a format.
fn name(f: ExportFormat) -> &'static str {
    match f {
        ExportFormat::Csv => "CSV",
        ExportFormat::JsonLines => "JSON Lines",
        ExportFormat::Parquet => "Parquet",
    }
}

/// The extension that names a format.
fn extension(f: ExportFormat) -> &'static str {
    use marketrank::export::{CSV_EXT, JSONL_EXT, PARQUET_EXT};
    match f {
        ExportFormat::Csv => CSV_EXT,
        ExportFormat::JsonLines => JSONL_EXT,
        ExportFormat::Parquet => PARQUET_EXT,
    }
}
