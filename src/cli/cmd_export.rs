//! `marketrank export`: scores as CSV, JSON Lines or Parquet for other tools.

use super::args::{ExportArgs, FormatArg};
use anyhow::Context;
use marketrank::export::{export, ExportFilter, ExportFormat};

pub fn run(a: ExportArgs) -> anyhow::Result<()> {
    super::refuse_over_inputs([Some(a.out.as_path())], &[&a.snapshot])?;
    let snap = super::open_snapshot(&a.snapshot)?;
    for m in &a.market {
        super::market(&snap, m)?;
    }
    let format = match a.format {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Jsonl => ExportFormat::JsonLines,
        FormatArg::Parquet => ExportFormat::Parquet,
    };
    let filter = ExportFilter {
        markets: a.market,
        top: a.top,
        min_percentile: a.min_percentile,
        wide: a.wide,
    };
    let rows = export(&snap, format, &filter, &a.out)
        .with_context(|| format!("could not write {}", a.out.display()))?;
    eprintln!("wrote {} rows to {}", rows, a.out.display());
    Ok(())
}
