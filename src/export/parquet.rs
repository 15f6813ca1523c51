//! Parquet export: the same rows and columns as the CSV export, typed.
//!
//! Long layout (one row per user and market), one row group per market (or
//! per 1 Mi rows of it):
//!
//! | column | Parquet type | pandas / polars / DuckDB |
//! |---|---|---|
//! | `user` | BYTE_ARRAY, String | object / String / VARCHAR |
//! | `market` | BYTE_ARRAY, String | object / String / VARCHAR |
//! | `score` | DOUBLE | float64 / Float64 / DOUBLE |
//! | `rank` | INT64 | int64 / Int64 / BIGINT |
//! | `percentile` | DOUBLE | |
//! | `followers` | INT64, Integer(64, unsigned) | uint64 / UInt64 / UBIGINT |
//! | `influence` | DOUBLE (0–100 scale) | |
//! | `global_rank` | INT64 (0 when there is no `_global` market) | |
//! | `lift` | DOUBLE (score / `_global` score) | |
//!
//! The file's key-value metadata holds the snapshot's id under
//! [`SNAPSHOT_ID_KEY`](super::SNAPSHOT_ID_KEY) (`pyarrow.parquet.read_metadata(p).metadata`).
//!
//! Wide layout (`--wide`): `user`, `followers`, `global_rank`, then per
//! market `<m>_score`, `<m>_rank`, `<m>_percentile`, `<m>_influence`,
//! `<m>_lift`, nullable (null where that market's filter left the user out).
//!
//! Written with the `parquet` crate's column writers, without Arrow: the
//! columns are plain vectors already, and Arrow's crates would roughly double
//! the build time for no gain here.
//!
//! It sits behind the same `RowWriter` as the text formats: the rows come a
//! market (or the wide table) at a time, which is what a row group needs,
//! and the schema is fixed when the writer is made, from the same layout
//! that gives the CSV its header.

use super::rows::{Row, RowSource, WideRows};
use super::{Layout, RowWriter};
use crate::snapshot::Snapshot;
use crate::store::atomic::AtomicFile;
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
use parquet::schema::types::Type;
use std::io::{self, BufWriter};
use std::path::Path;
use std::sync::Arc;

/// Rows per row group: bounds the memory a row group's columns take.
const GROUP_ROWS: usize = 1 << 20;

type Writer = SerializedFileWriter<BufWriter<std::fs::File>>;

fn pq(e: ParquetError) -> io::Error {
    io::Error::other(format!("parquet: {e}"))
}

fn column(
    name: &str,
    physical: Physical,
    logical: Option<LogicalType>,
    nullable: bool,
) -> Arc<Type> {
    let rep = if nullable {
        Repetition::OPTIONAL
    } else {
        Repetition::REQUIRED
    };
    Arc::new(
        Type::primitive_type_builder(name, physical)
            .with_repetition(rep)
            .with_logical_type(logical)
            .build()
            .expect("valid column type"),
    )
}

fn string(name: &str) -> Arc<Type> {
    column(name, Physical::BYTE_ARRAY, Some(LogicalType::String), false)
}

fn unsigned(name: &str) -> Arc<Type> {
    column(
        name,
        Physical::INT64,
        Some(LogicalType::integer(64, false)),
        false,
    )
}

/// One column's values for a row group; `defs` marks present values of a
/// nullable column (`None`: required column).
enum Values {
    Bytes(Vec<ByteArray>),
    F64(Vec<f64>, Option<Vec<i16>>),
    I64(Vec<i64>, Option<Vec<i16>>),
}

fn write_group(w: &mut Writer, columns: Vec<Values>) -> io::Result<()> {
    let mut rg: SerializedRowGroupWriter<'_, _> = w.next_row_group().map_err(pq)?;
    for values in columns {
        let mut col = rg
            .next_column()
            .map_err(pq)?
            .expect("one writer per schema column");
        match &values {
            Values::Bytes(v) => col.typed::<ByteArrayType>().write_batch(v, None, None),
            Values::F64(v, d) => col.typed::<DoubleType>().write_batch(v, d.as_deref(), None),
            Values::I64(v, d) => col.typed::<Int64Type>().write_batch(v, d.as_deref(), None),
        }
        .map_err(pq)?;
        col.close().map_err(pq)?;
    }
    rg.close().map_err(pq)?;
    Ok(())
}

fn user_bytes(snap: &Snapshot, u: u32) -> ByteArray {
    ByteArray::from(snap.user_id(u))
}

/// Followers as Parquet's INT64 (the schema marks it unsigned).
fn followers(snap: &Snapshot, u: u32) -> i64 {
    snap.followers(u) as i64
}

/// The Parquet export being written: the `parquet` crate's file writer on
/// a buffered handle to the atomic temporary (declared first so that,
/// dropped on an error, it is gone before `file` removes the temporary).
pub(super) struct ParquetWriter {
    w: Writer,
    file: AtomicFile,
}

/// The columns of `layout`, in the order the text formats write them.
fn schema(layout: &Layout<'_>) -> io::Result<Arc<Type>> {
    let mut fields = vec![string("user")];
    if layout.wide {
        fields.push(unsigned("followers"));
        fields.push(column("global_rank", Physical::INT64, None, false));
        for n in &layout.markets {
            for (suffix, physical) in [
                ("score", Physical::DOUBLE),
                ("rank", Physical::INT64),
                ("percentile", Physical::DOUBLE),
                ("influence", Physical::DOUBLE),
                ("lift", Physical::DOUBLE),
            ] {
                fields.push(column(&format!("{n}_{suffix}"), physical, None, true));
            }
        }
    } else {
        fields.push(string("market"));
        fields.push(column("score", Physical::DOUBLE, None, false));
        fields.push(column("rank", Physical::INT64, None, false));
        fields.push(column("percentile", Physical::DOUBLE, None, false));
        fields.push(unsigned("followers"));
        fields.push(column("influence", Physical::DOUBLE, None, false));
        fields.push(column("global_rank", Physical::INT64, None, false));
        fields.push(column("lift", Physical::DOUBLE, None, false));
    }
    Ok(Arc::new(
        Type::group_type_builder("marketrank_scores")
            .with_fields(fields)
            .build()
            .map_err(pq)?,
    ))
}

impl ParquetWriter {
    /// Creates the file for `layout`'s schema (written in the footer, on
    /// [`finish`](RowWriter::finish)).
    pub fn create(out: &Path, layout: &Layout<'_>) -> io::Result<ParquetWriter> {
        let schema = schema(layout)?;
        let props = Arc::new(
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_created_by(format!("marketrank {}", env!("CARGO_PKG_VERSION")))
                .set_key_value_metadata(Some(vec![KeyValue::new(
                    super::SNAPSHOT_ID_KEY.to_string(),
                    layout.snapshot_id.clone(),
                )]))
                .build(),
        );
        let mut file = AtomicFile::create(out)?;
        let handle = BufWriter::with_capacity(1 << 20, file.file().try_clone()?);
        let w = SerializedFileWriter::new(handle, schema, props).map_err(pq)?;
        Ok(ParquetWriter { w, file })
    }
}

impl RowWriter for ParquetWriter {
    /// One row group per market, or per [`GROUP_ROWS`] rows of it.
    fn market_rows(&mut self, src: &RowSource<'_>, market: &str, rows: &[Row]) -> io::Result<()> {
        let snap = src.snap;
        let name = ByteArray::from(market);
        for part in rows.chunks(GROUP_ROWS) {
            let f = |get: fn(&Row) -> f64| Values::F64(part.iter().map(get).collect(), None);
            let cols = vec![
                Values::Bytes(part.iter().map(|r| user_bytes(snap, r.user)).collect()),
                Values::Bytes(vec![name.clone(); part.len()]),
                f(|r| r.score),
                Values::I64(part.iter().map(|r| r.rank as i64).collect(), None),
                f(|r| r.percentile),
                Values::I64(part.iter().map(|r| followers(snap, r.user)).collect(), None),
                f(|r| r.influence),
                Values::I64(
                    part.iter()
                        .map(|r| src.global_rank(r.user) as i64)
                        .collect(),
                    None,
                ),
                f(|r| r.lift),
            ];
            write_group(&mut self.w, cols)?;
        }
        Ok(())
    }

    /// One row group per [`GROUP_ROWS`] users.
    fn wide_rows(&mut self, src: &RowSource<'_>, wide: &WideRows) -> io::Result<()> {
        let snap = src.snap;
        let k = wide.markets;
        for (gi, users) in wide.users.chunks(GROUP_ROWS).enumerate() {
            let cells = &wide.cells[gi * GROUP_ROWS * k..(gi * GROUP_ROWS + users.len()) * k];
            let mut cols = vec![
                Values::Bytes(users.iter().map(|&u| user_bytes(snap, u)).collect()),
                Values::I64(users.iter().map(|&u| followers(snap, u)).collect(), None),
                Values::I64(
                    users.iter().map(|&u| src.global_rank(u) as i64).collect(),
                    None,
                ),
            ];
            for mi in 0..k {
                let cell = |i: usize| cells[i * k + mi].as_ref();
                cols.extend(market_columns(users.len(), cell));
            }
            write_group(&mut self.w, cols)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        let ParquetWriter { w, file } = *self;
        w.close().map_err(pq)?;
        file.commit()
    }
}

/// One market's five nullable columns for `users` rows of the wide layout,
/// `cell(i)` being the `i`-th user's row in that market, if any.
fn market_columns<'r>(users: usize, cell: impl Fn(usize) -> Option<&'r Row>) -> [Values; 5] {
    let present: Vec<&Row> = (0..users).filter_map(&cell).collect();
    let defs: Vec<i16> = (0..users).map(|i| i16::from(cell(i).is_some())).collect();
    let f = |get: fn(&Row) -> f64| {
        Values::F64(present.iter().map(|r| get(r)).collect(), Some(defs.clone()))
    };
    [
        f(|r| r.score),
        Values::I64(
            present.iter().map(|r| r.rank as i64).collect(),
            Some(defs.clone()),
        ),
        f(|r| r.percentile),
        f(|r| r.influence),
        f(|r| r.lift),
    ]
}
