//! Errors of the library. Each one names the file, and where it applies the
//! line, so that a user with a 200 GB input knows where to look.

use std::path::PathBuf;

/// A problem with an input file: missing, unreadable, or malformed at a line.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be opened or read.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong, in words.
        reason: String,
    },
    /// A line that does not follow the format.
    #[error("{path}:{line}: {reason}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Why the line was refused.
        reason: String,
    },
    /// A regular file that changed while it was read: a writer still
    /// appending (its last line may be cut inside an id) or rewriting it.
    #[error("{path}: the file changed while it was read (size {size_at_open} bytes when opened, {size_now} now, {bytes_read} read): is a writer still appending to it? Rank a finished file (write it under another name and rename it when complete)")]
    Changed {
        /// The file.
        path: PathBuf,
        /// Its size when opened.
        size_at_open: u64,
        /// Its size when the read ended.
        size_now: u64,
        /// Bytes read (compressed bytes for gzip).
        bytes_read: u64,
    },
    /// Reading would exceed the memory limit (`--max-memory`): stopped
    /// before it did, at this line.
    #[error("{path}:{line}: reading stopped after {} of text ({follows} follows, {users} users): the graph being built would need about {}, over the memory limit of {}; raise --max-memory or run on a larger machine", crate::rank::human_bytes(*.bytes_read), crate::rank::human_bytes(*.needed), crate::rank::human_bytes(*.limit))]
    OverMemory {
        /// The file.
        path: PathBuf,
        /// The line reached.
        line: u64,
        /// Bytes of text read (decompressed).
        bytes_read: u64,
        /// Follows (or records) read so far.
        follows: u64,
        /// Distinct users so far.
        users: u64,
        /// Projected peak, bytes.
        needed: u64,
        /// The limit, bytes.
        limit: u64,
    },
    /// A row of an in-memory table ([`super::table`]) that does not follow
    /// the format; rows are counted from 0, as DataFrames index them.
    #[error("{table}, row {row}: {reason}")]
    BadRow {
        /// The table, e.g. `edges (polars DataFrame)`.
        table: String,
        /// 0-based row number.
        row: u64,
        /// Why the row was refused.
        reason: String,
    },
    /// The input as a whole cannot be used (no edges, too many users, ...).
    #[error("{path}: {reason}")]
    Unusable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl InputError {
    /// The refusal when `path` would take the distinct users past what a
    /// u32 index holds (every reader and both engines say it alike).
    pub(crate) fn too_many_users(path: &std::path::Path) -> InputError {
        InputError::Unusable {
            path: path.to_path_buf(),
            reason: "more than 4,294,967,294 distinct users: marketrank indexes users with 32 bits"
                .into(),
        }
    }

    pub(crate) fn io(path: &std::path::Path, err: &std::io::Error) -> InputError {
        let reason = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file (check the path)".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            std::io::ErrorKind::UnexpectedEof => {
                "the file ends unexpectedly (a truncated gzip stream?)".to_string()
            }
            _ => err.to_string(),
        };
        InputError::Io {
            path: path.to_path_buf(),
            reason,
        }
    }
}
