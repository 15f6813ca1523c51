//! Parquet input: follows, topics, markets and account histories read by
//! column.
//!
//! Why the parquet crate's own column readers and not Arrow: a follow file
//! is two id columns and maybe a weight, decoded once into the same
//! interned indices the text readers build. Arrow arrays would be one more
//! copy of every value and would pull arrow-array/-select/-ipc and their
//! kernels into every build for nothing this reader needs.
//!
//! How a file is read: the footer names the row groups; groups are decoded
//! in parallel (rayon), a batch of about `read::BATCH_ROWS`
//! rows at a time, each group into plain vectors of ids (numbers, or
//! strings in an arena), and the batch is then interned sequentially in row
//! group order while the next one decodes. So user indices depend on the
//! file alone, never on the thread count, and equal those of the same data
//! as text: an integer id interns as the canonical decimal the text reader
//! would see (`-5` and ids of 2⁶³ and more as strings, as text reads them),
//! and a string column holding `123` interns as the number 123.
//!
//! A row is a "line": `line` in errors and rejects is its 1-based row
//! number in the file, and the message also says where it is inside the
//! file's structure (`row group 2, row 17: null follower id`, both counted
//! from 1), which is what Parquet tools show.
//!
//! Without the `parquet` cargo feature, a Parquet input is refused with a
//! message saying so (the dispatch in [`super::read`] recognises the file by
//! its magic either way).

#[cfg(feature = "parquet")]
mod accounts;
#[cfg(feature = "parquet")]
mod columns;
#[cfg(feature = "parquet")]
mod file;
#[cfg(feature = "parquet")]
mod read;

#[cfg(feature = "parquet")]
pub(crate) use accounts::read_parquet_accounts;
#[cfg(feature = "parquet")]
pub use read::{read_parquet_follows, read_parquet_pairs};

#[cfg(not(feature = "parquet"))]
pub(crate) use unsupported::read_parquet_accounts;
#[cfg(not(feature = "parquet"))]
pub use unsupported::{read_parquet_follows, read_parquet_pairs};

#[cfg(not(feature = "parquet"))]
mod unsupported {
    use super::super::dialect::ReadOptions;
    use super::super::error::InputError;
    use super::super::{BadLine, BadLines, EdgeColumns, LineStats, Pair, ReadBudget, Rejects};
    use crate::graph::{AccountStatus, UserIds};
    use std::path::Path;

    fn no_parquet(path: &Path) -> InputError {
        InputError::Unusable {
            path: path.to_path_buf(),
            reason: "is a Parquet file, and this build of marketrank lacks Parquet input (built without the `parquet` cargo feature): rebuild with `--features parquet`, or give the data as TSV".into(),
        }
    }

    /// Refuses: this build has no Parquet reader.
    pub fn read_parquet_follows(
        path: &Path,
        _opts: &ReadOptions,
        _ids: &mut UserIds,
        _out: &mut EdgeColumns,
        _bad: BadLines,
        _rejects: Option<&mut Rejects>,
        _budget: Option<&ReadBudget>,
    ) -> Result<(LineStats, Vec<String>), InputError> {
        Err(no_parquet(path))
    }

    /// Refuses: this build has no Parquet reader.
    pub fn read_parquet_pairs(
        path: &Path,
        _opts: &ReadOptions,
        _what: (&str, &str),
        _bad: BadLines,
        _rejects: Option<&mut Rejects>,
        _f: &mut dyn FnMut(Pair<'_>),
    ) -> Result<(LineStats, Vec<String>), InputError> {
        Err(no_parquet(path))
    }

    /// Refuses: this build has no Parquet reader.
    pub(crate) fn read_parquet_accounts(
        path: &Path,
        _bad: BadLines,
        _rejects: Option<&mut Rejects>,
        _record: &mut dyn FnMut(&str, i32, AccountStatus) -> Result<(), BadLine>,
    ) -> Result<LineStats, InputError> {
        Err(no_parquet(path))
    }
}
