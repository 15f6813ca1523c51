//! Exports of a snapshot for other tools: CSV, JSON Lines, Parquet.
//!
//! `rows.rs` decides which rows an export holds, once for every format; one
//! file per format (`csv.rs`, `jsonl.rs`, `parquet.rs`) spells them behind
//! the `RowWriter` trait; [`export`] drives the two. A new format is a new
//! file with a `RowWriter`, an [`ExportFormat`] variant and one arm in
//! [`export`]'s match (and a `--format` value in the CLI).

mod csv;
mod jsonl;
#[cfg(feature = "parquet")]
mod parquet;
mod rows;
mod text;
mod tsv;

use crate::snapshot::Snapshot;
use rows::{Row, RowSource, WideRows};
use std::io;
use std::path::Path;

/// Kept here for callers of the old path; the query lives in
/// [`crate::query::ranks`].
pub use crate::query::ranks::market_ranks;
pub use csv::csv_field;
pub use tsv::{prepare_scores_tsv, write_scores_tsv};

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma separated, RFC 4180 quoting, header line.
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// Apache Parquet, typed columns, Snappy-compressed (Cargo feature
    /// `parquet`, on by default).
    #[cfg(feature = "parquet")]
    Parquet,
}

/// Which rows to export, and how.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Only these markets (all when empty).
    pub markets: Vec<String>,
    /// Only each market's top `n` users.
    pub top: Option<usize>,
    /// Only rows whose percentile is at least this.
    pub min_percentile: Option<f64>,
    /// One row per user with a column group per market, instead of one row
    /// per (user, market).
    pub wide: bool,
}

/// What a writer learns before the first row: the layout, and the selected
/// markets' names in column order (the wide layout's column groups).
struct Layout<'a> {
    wide: bool,
    markets: Vec<&'a str>,
}

/// One export format, writing the rows [`rows`] selected to its file.
///
/// The rows come a market (long layout) or a table (wide layout) at a time,
/// not one by one, because Parquet writes columns per row group: it needs
/// the batch, while a text format just loops over it. A writer creates its
/// file (and writes any header) when it is made, and publishes it in
/// [`finish`](Self::finish); dropped unfinished, it leaves the target as it
/// was.
trait RowWriter {
    /// The rows of one market, in rank order.
    fn market_rows(&mut self, src: &RowSource<'_>, market: &str, rows: &[Row]) -> io::Result<()>;
    /// Every selected user, in user order, with a cell per market.
    fn wide_rows(&mut self, src: &RowSource<'_>, wide: &WideRows) -> io::Result<()>;
    /// Completes the file and renames it over the target.
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// Writes the export atomically to `out`. Long format: rows grouped by
/// market, in rank order. Returns the number of rows written.
pub fn export(
    snap: &Snapshot,
    format: ExportFormat,
    filter: &ExportFilter,
    out: &Path,
) -> io::Result<u64> {
    let markets = rows::selected_markets(snap, filter)?;
    let src = RowSource::new(snap);
    let layout = Layout {
        wide: filter.wide,
        markets: markets
            .iter()
            .map(|&m| snap.markets()[m].as_str())
            .collect(),
    };
    let mut writer: Box<dyn RowWriter> = match format {
        ExportFormat::Csv => Box::new(csv::CsvWriter::create(out, &layout)?),
        ExportFormat::JsonLines => Box::new(jsonl::JsonLinesWriter::create(out, &layout)?),
        #[cfg(feature = "parquet")]
        ExportFormat::Parquet => Box::new(parquet::ParquetWriter::create(out, &layout)?),
    };
    let mut written = 0u64;
    if filter.wide {
        let wide = src.wide_rows(&markets, filter);
        writer.wide_rows(&src, &wide)?;
        written += wide.users.len() as u64;
    } else {
        for (&m, name) in markets.iter().zip(&layout.markets) {
            let rows = src.market_rows(m, filter);
            writer.market_rows(&src, name, &rows)?;
            written += rows.len() as u64;
        }
    }
    writer.finish()?;
    Ok(written)
}
