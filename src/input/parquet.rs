//! Parquet input: follows, topics and markets read by column.
//! (Being written: the readers below are filled in by the Parquet work of
//! issue 20; until then a Parquet file is refused with this message.)

use super::dialect::ReadOptions;
use super::error::InputError;
use super::{BadLines, EdgeColumns, LineStats, Pair, ReadBudget, Rejects};
use crate::graph::UserIds;
use std::path::Path;

fn not_yet(path: &Path) -> InputError {
    InputError::Unusable {
        path: path.to_path_buf(),
        reason: "is a Parquet file; Parquet input is not in this build".into(),
    }
}

/// Reads a Parquet file of follows into `ids` and `out`; returns the row
/// counts and the columns read.
pub fn read_parquet_follows(
    path: &Path,
    _opts: &ReadOptions,
    _ids: &mut UserIds,
    _out: &mut EdgeColumns,
    _bad: BadLines,
    _rejects: Option<&mut Rejects>,
    _budget: Option<&ReadBudget>,
) -> Result<(LineStats, Vec<String>), InputError> {
    Err(not_yet(path))
}

/// Reads a Parquet file of two ids (and a weight), calling `f` per row.
pub fn read_parquet_pairs(
    path: &Path,
    _opts: &ReadOptions,
    _what: (&str, &str),
    _bad: BadLines,
    _rejects: Option<&mut Rejects>,
    _f: &mut dyn FnMut(Pair<'_>),
) -> Result<(LineStats, Vec<String>), InputError> {
    Err(not_yet(path))
}
