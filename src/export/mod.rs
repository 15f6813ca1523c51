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
pub mod rows;
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

/// File name extensions that name an export format (compared ignoring
/// case), for [`ExportFormat::for_path`].
pub const CSV_EXT: &str = "csv";
/// JSON Lines; [`NDJSON_EXT`] is its other common name.
pub const JSONL_EXT: &str = "jsonl";
/// Newline-delimited JSON: the same format as [`JSONL_EXT`].
pub const NDJSON_EXT: &str = "ndjson";
/// Apache Parquet.
pub const PARQUET_EXT: &str = "parquet";

impl ExportFormat {
    /// The format a file name's extension names (`.csv`, `.jsonl` or
    /// `.ndjson`, `.parquet`, in any case), or `None` for any other name
    /// (and for `.parquet` when the crate is built without `parquet`).
    ///
    /// Callers that are given both a format and a file name check them
    /// against each other with this: writing CSV bytes into `x.parquet`
    /// makes a file every Parquet reader refuses (issue 18, item 18).
    pub fn for_path(path: &Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?;
        let is = |e: &str| ext.eq_ignore_ascii_case(e);
        #[cfg(feature = "parquet")]
        if is(PARQUET_EXT) {
            return Some(ExportFormat::Parquet);
        }
        if is(CSV_EXT) {
            Some(ExportFormat::Csv)
        } else if is(JSONL_EXT) || is(NDJSON_EXT) {
            Some(ExportFormat::JsonLines)
        } else {
            None
        }
    }
}

/// Which rows to export, and how.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Only these markets (all when empty), in this order; a market named
    /// twice is exported once, where it first appears (twice, it would
    /// repeat every row, and give the wide Parquet layout two columns of
    /// one name, which pyarrow and polars refuse to read).
    pub markets: Vec<String>,
    /// Only each market's top `n` users.
    pub top: Option<usize>,
    /// Only rows whose percentile is at least this: a finite number from 0
    /// to 100 ([`export`] refuses anything else; NaN would compare false
    /// with every percentile and select all rows).
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
    /// [`Snapshot::content_id`] of the snapshot exported: Parquet carries
    /// it in its file metadata (key [`SNAPSHOT_ID_KEY`]).
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    snapshot_id: String,
}

/// The Parquet key-value metadata key holding the id of the snapshot an
/// export came from ([`Snapshot::content_id`], what `info` prints and
/// `serve` answers with). CSV and JSON Lines carry no id in the file: a
/// comment line breaks CSV readers and a column repeats ~30 bytes on each
/// of up to users × markets rows; `marketrank export` names it on its
/// `wrote ... rows` line instead (issue 19, README "Export").
pub const SNAPSHOT_ID_KEY: &str = "marketrank.snapshot_id";

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
///
/// # Errors
///
/// `InvalidInput` for a market the snapshot lacks or a `min_percentile`
/// that is not a finite number from 0 to 100, before `out` is touched;
/// any error of writing the file (which then leaves `out` as it was).
pub fn export(
    snap: &Snapshot,
    format: ExportFormat,
    filter: &ExportFilter,
    out: &Path,
) -> io::Result<u64> {
    if let Some(p) = filter.min_percentile {
        if !(p.is_finite() && (0.0..=100.0).contains(&p)) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("minimum percentile {p} is not a number from 0 to 100"),
            ));
        }
    }
    let markets = rows::selected_markets(snap, filter)?;
    let src = RowSource::new(snap);
    let layout = Layout {
        wide: filter.wide,
        markets: markets
            .iter()
            .map(|&m| snap.markets()[m].as_str())
            .collect(),
        snapshot_id: snap.content_id(),
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
