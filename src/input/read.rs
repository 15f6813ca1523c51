//! One input file, whatever it is: text (plain, gzip, zstd; tab, CSV or a
//! given delimiter) or Parquet. Both engines read every file of a role
//! through these two functions, so a shard is read alike whichever engine
//! and whichever of the role's files it is.

use super::dialect::{delimiter_name, ReadOptions};
use super::error::InputError;
use super::open::PARQUET_MAGIC;
use super::{
    is_stream, read_edges_into, read_pairs_within, BadLines, EdgeColumns, LineStats, Pair,
    ReadBudget, Rejects,
};
use crate::graph::UserIds;
use std::path::{Path, PathBuf};

/// What kind of file an input was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// Line-oriented text.
    #[default]
    Text,
    /// Apache Parquet.
    Parquet,
}

/// One file of a role as it was read: its path, kind, and what was in it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileRead {
    /// The file (as expanded from what was given).
    pub path: PathBuf,
    /// Text or Parquet.
    pub kind: FileKind,
    /// The separator (text only), as a name: `tab`, `comma`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// The Parquet columns read, in role order (first id, second id,
    /// weight when there is one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// Lines (rows, for Parquet) read, skipped and counted.
    pub lines: LineStats,
}

/// True when `path` is a Parquet file: told by its first bytes (`PAR1`),
/// whatever its name. A stream is never one here (it cannot be peeked
/// without losing what was peeked; [`super::InputStream::open`] refuses a
/// Parquet stream by its bytes instead).
pub fn is_parquet(path: &Path) -> bool {
    if is_stream(path) {
        return false;
    }
    let mut head = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && head == PARQUET_MAGIC
}

/// Reads one follow file into `ids` and `out` (appending).
#[allow(clippy::too_many_arguments)] // one per input of a read
pub fn read_follow_file(
    path: &Path,
    opts: &ReadOptions,
    ids: &mut UserIds,
    out: &mut EdgeColumns,
    bad: BadLines,
    rejects: Option<&mut Rejects>,
    budget: Option<&ReadBudget>,
) -> Result<FileRead, InputError> {
    if is_parquet(path) {
        let read =
            super::parquet::read_parquet_follows(path, opts, ids, out, bad, rejects, budget)?;
        return Ok(parquet_read(path, read));
    }
    let lines = read_edges_into(path, &opts.dialect, ids, out, bad, rejects, budget)?;
    Ok(text_read(path, opts, lines))
}

/// Reads one two-or-three-column file (topics: `what` = `("user",
/// "topic")`), calling `f` for each record.
pub fn read_pair_file(
    path: &Path,
    opts: &ReadOptions,
    what: (&str, &str),
    bad: BadLines,
    rejects: Option<&mut Rejects>,
    budget: Option<&ReadBudget>,
    mut f: impl FnMut(Pair<'_>),
) -> Result<FileRead, InputError> {
    if is_parquet(path) {
        let read = super::parquet::read_parquet_pairs(path, opts, what, bad, rejects, &mut f)?;
        return Ok(parquet_read(path, read));
    }
    let lines = read_pairs_within(path, &opts.dialect, what, bad, rejects, budget, f)?;
    Ok(text_read(path, opts, lines))
}

fn parquet_read(path: &Path, (lines, columns): (LineStats, Vec<String>)) -> FileRead {
    FileRead {
        path: path.to_path_buf(),
        kind: FileKind::Parquet,
        delimiter: None,
        columns,
        lines,
    }
}

fn text_read(path: &Path, opts: &ReadOptions, lines: LineStats) -> FileRead {
    FileRead {
        path: path.to_path_buf(),
        kind: FileKind::Text,
        delimiter: Some(delimiter_name(opts.dialect.separator(path))),
        columns: Vec::new(),
        lines,
    }
}
