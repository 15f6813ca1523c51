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
