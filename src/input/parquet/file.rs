//! Opening a Parquet file and choosing its columns.

use crate::input::dialect::ColumnNames;
use crate::input::error::InputError;
use bytes::Bytes;
use parquet::basic::Compression;
use parquet::file::reader::{ChunkReader, FileReader, Length};
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::schema::types::ColumnDescPtr;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// A file read by position (`pread`), never by a shared seek offset.
///
/// Why not the crate's `impl ChunkReader for File`: it clones the handle,
/// and clones share one offset, so row groups read from several threads
/// at once would read each other's bytes.
pub(super) struct Positioned {
    file: Arc<File>,
    len: u64,
}

/// A reader at an offset of a [`Positioned`] file.
pub(super) struct PositionedRead {
    file: Arc<File>,
    pos: u64,
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, pos)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, pos)
}

impl Read for PositionedRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = read_at(&self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Length for Positioned {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for Positioned {
    type T = PositionedRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<PositionedRead> {
        Ok(PositionedRead {
            file: Arc::clone(&self.file),
            pos: start,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        // Read into spare capacity: zeroing a column chunk first costs
        // as much as a fast decoder.
        let mut buf = Vec::with_capacity(length);
        let got = self
            .get_read(start)?
            .take(length as u64)
            .read_to_end(&mut buf)?;
        if got != length {
            return Err(parquet::errors::ParquetError::EOF(format!(
                "expected {length} bytes at offset {start}, read {got}"
            )));
        }
        Ok(buf.into())
    }
}

/// An open Parquet file.
pub(super) type Reader = SerializedFileReader<Positioned>;

/// Opens `path` and reads its footer; returns the reader and the file size.
pub(super) fn open(path: &Path) -> Result<(Reader, u64), InputError> {
    let file = File::open(path).map_err(|e| InputError::io(path, &e))?;
    let len = file.metadata().map_err(|e| InputError::io(path, &e))?.len();
    let chunks = Positioned {
        file: Arc::new(file),
        len,
    };
    let reader = SerializedFileReader::new(chunks).map_err(|e| broken(path, &e))?;
    Ok((reader, len))
}

/// A file the parquet crate could not decode.
pub(super) fn broken(path: &Path, e: &parquet::errors::ParquetError) -> InputError {
    InputError::Unusable {
        path: path.to_path_buf(),
        reason: format!("is not a readable Parquet file: {e}"),
    }
}

/// The flag that names a role's column, for error messages.
fn flag_of(role: &str) -> Option<&'static str> {
    match role {
        "follower" => Some("--follower-col"),
        "followee" => Some("--followee-col"),
        "user" => Some("--user-col"),
        "topic" => Some("--topic-col"),
        "weight" => Some("--weight-col"),
        _ => None,
    }
}

/// The columns chosen for a role: leaf indices and names.
pub(super) struct Chosen {
    pub first: (usize, String),
    pub second: (usize, String),
    pub weight: Option<(usize, String)>,
}

impl Chosen {
    /// The names read, in role order (first, second, weight).
    pub fn names(&self) -> Vec<String> {
        let mut v = vec![self.first.1.clone(), self.second.1.clone()];
        v.extend(self.weight.as_ref().map(|w| w.1.clone()));
        v
    }
}

/// The file's columns as `a, b, c` (for errors).
pub(super) fn column_list(reader: &Reader) -> String {
    let schema = reader.metadata().file_metadata().schema_descr();
    let names: Vec<String> = schema.columns().iter().map(|c| c.path().string()).collect();
    names.join(", ")
}

/// The leaf column called `name` (case-sensitive first, then ignoring case).
pub(super) fn find_column(reader: &Reader, name: &str) -> Option<usize> {
    let schema = reader.metadata().file_metadata().schema_descr();
    let cols = schema.columns();
    cols.iter()
        .position(|c| c.path().string() == name)
        .or_else(|| {
            cols.iter()
                .position(|c| c.path().string().eq_ignore_ascii_case(name))
        })
}

/// A named column, or the error listing the file's columns.
pub(super) fn named_column(
    path: &Path,
    reader: &Reader,
    role: &str,
    name: &str,
) -> Result<(usize, String), InputError> {
    match find_column(reader, name) {
        Some(i) => Ok((i, column_name(reader, i))),
        None => Err(InputError::Unusable {
            path: path.to_path_buf(),
            reason: format!(
                "has no column `{name}` for the {role} (its columns: {}){}",
                column_list(reader),
                flag_of(role)
                    .map(|f| format!(": give {f} one of them"))
                    .unwrap_or_default()
            ),
        }),
    }
}

fn column_name(reader: &Reader, i: usize) -> String {
    reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .column(i)
        .path()
        .string()
}

/// Chooses the two id columns (roles `what`) and the weight: the ones
/// named in `names`, else a column with a usual name, else the first
/// columns not taken; the weight only when named or called `weight`.
pub(super) fn choose(
    path: &Path,
    reader: &Reader,
    what: (&str, &str),
    names: &ColumnNames,
) -> Result<Chosen, InputError> {
    // One `--weight-col` names the weight of follows and topics alike, and
    // topic files often have none: a named weight a topic file lacks
    // leaves its weights 1, while a follow file lacking it is an error.
    let weight = match &names.weight {
        Some(n) if what.0 == "follower" => Some(named_column(path, reader, "weight", n)?),
        Some(n) => find_column(reader, n).map(|i| (i, column_name(reader, i))),
        None => find_column(reader, "weight").map(|i| (i, column_name(reader, i))),
    };
    let pick =
        |role: &str, given: &Option<String>| -> Result<Option<(usize, String)>, InputError> {
            if let Some(n) = given {
                return named_column(path, reader, role, n).map(Some);
            }
            Ok(crate::input::dialect::usual_column_names(role)
                .iter()
                .find_map(|n| find_column(reader, n))
                .map(|i| (i, column_name(reader, i))))
        };
    let mut first = pick(what.0, &names.first)?;
    let mut second = pick(what.1, &names.second)?;
    if first.is_some() && first.as_ref().map(|f| f.0) == second.as_ref().map(|s| s.0) {
        second = None;
    }
    let count = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .num_columns();
    let taken = |i: usize, a: &Option<(usize, String)>, b: &Option<(usize, String)>| {
        [a, b, &weight]
            .iter()
            .any(|c| c.as_ref().is_some_and(|c| c.0 == i))
    };
    if first.is_none() {
        first = (0..count)
            .find(|&i| !taken(i, &None, &second))
            .map(|i| (i, column_name(reader, i)));
    }
    if second.is_none() {
        second = (0..count)
            .find(|&i| !taken(i, &first, &None))
            .map(|i| (i, column_name(reader, i)));
    }
    let (Some(first), Some(second)) = (first, second) else {
        return Err(InputError::Unusable {
            path: path.to_path_buf(),
            reason: format!(
                "has fewer than two id columns (its columns: {}): a {} file needs a {} and a {} column",
                column_list(reader),
                what.0,
                what.0,
                what.1
            ),
        });
    };
    Ok(Chosen {
        first,
        second,
        weight,
    })
}

/// Refuses columns this reader cannot decode: nested or repeated ones,
/// and column chunks compressed with a codec this build lacks.
pub(super) fn check_columns(
    path: &Path,
    reader: &Reader,
    columns: &[(usize, String)],
) -> Result<(), InputError> {
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    for (i, name) in columns {
        let c: ColumnDescPtr = schema.column(*i);
        if c.max_rep_level() > 0 || c.path().parts().len() > 1 {
            return Err(InputError::Unusable {
                path: path.to_path_buf(),
                reason: format!(
                    "column `{name}` is nested or a list: ids and weights must be plain top-level columns (flatten it first, e.g. DuckDB `SELECT unnest(...)`)"
                ),
            });
        }
        for g in 0..meta.num_row_groups() {
            let codec = meta.row_group(g).column(*i).compression();
            if !matches!(
                codec,
                Compression::UNCOMPRESSED | Compression::SNAPPY | Compression::ZSTD(_)
            ) {
                return Err(InputError::Unusable {
                    path: path.to_path_buf(),
                    reason: format!(
                        "column `{name}` is compressed with {codec}, which this build does not read (it reads uncompressed, Snappy and Zstd Parquet): rewrite the file with Zstd or Snappy, e.g. DuckDB `COPY t TO 'f.parquet' (COMPRESSION zstd)` or polars `write_parquet(..., compression='zstd')`"
                    ),
                });
            }
        }
    }
    Ok(())
}
