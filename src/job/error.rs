//! What can stop a job, by kind, so a caller can tell a bad input file from
//! a full disk from a run refused for memory without reading the sentence.

use std::path::PathBuf;

/// Errors of a job.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Parameters that contradict each other or the input (a topic that is
    /// not there, an option the engine does not offer).
    #[error("{0}")]
    Config(String),
    /// A file the job writes beside the snapshot (rejects, a scores TSV)
    /// could not be written.
    #[error("could not write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An output could not be renamed into place after the others were
    /// (rare: the directory changed under the run). Says exactly what was
    /// published.
    #[error("could not publish {}: {source}; already published: {}", path.display(), if published.is_empty() { "nothing".to_string() } else { published.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ") })]
    PartlyPublished {
        /// Outputs already at their paths.
        published: Vec<PathBuf>,
        /// The one that failed.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An output path that names one of the run's inputs: refused before
    /// any work, since writing it would destroy the input.
    #[error("{}: is also an input ({}): writing it would destroy the input; choose another output path", output.display(), input.display())]
    OutputIsInput {
        /// The output path given.
        output: PathBuf,
        /// The input it names.
        input: PathBuf,
    },
    /// A model parameter out of range.
    #[error(transparent)]
    Parameter(#[from] crate::rank::InvalidParameter),
    /// Bad input file.
    #[error(transparent)]
    Input(#[from] crate::InputError),
    /// Could not write or read a snapshot.
    #[error(transparent)]
    Snapshot(#[from] crate::SnapshotError),
    /// Could not read the graph cache.
    #[error(transparent)]
    GraphCache(#[from] crate::input::graph_cache::GraphCacheError),
    /// Refused up front: the run would not fit in memory.
    #[error(transparent)]
    Memory(#[from] crate::job::memory::MemoryRefusal),
    /// The engine underneath failed: the thread pool would not start, or a
    /// distributed run's exchange failed. Boxed so that `job/` does not
    /// name any engine's error type (the cluster converts its own).
    #[error(transparent)]
    Engine(Box<dyn std::error::Error + Send + Sync>),
}

impl JobError {
    /// An [`JobError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> JobError {
        JobError::Io {
            path: path.into(),
            source,
        }
    }
}
