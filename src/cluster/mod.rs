//! The same rank job on a cluster, over timely dataflow.
//!
//! One machine is the default and the reference; when the graph outgrows
//! it, `marketrank rank --engine timely` runs N processes × W workers (the
//! meaning of timely's own `-n -w -p -h`). Each worker reads its share of
//! the input files, owns a range of users (`partition`), and runs the
//! single-process iteration ([`crate::rank`](mod@crate::rank)) over them, trading follower
//! rows and market totals with the others once per iteration
//! ([`mailroom`]). Each worker writes one part of a sharded snapshot; the
//! first worker commits the manifest ([`crate::snapshot::shards`]).
//!
//! See `docs/distributed.md` for running it on a cluster.

mod commit;
mod exchange;
pub mod failure;
pub mod mailroom;
mod partition;
mod run;

pub use failure::ClusterError;

pub use partition::Totals;
pub use run::{run_cluster_job, ClusterSummary};

/// A cluster failure stops the job like any engine failure; the
/// conversions live here so that `job/` names no engine.
impl From<ClusterError> for crate::job::JobError {
    fn from(e: ClusterError) -> Self {
        crate::job::JobError::Engine(Box::new(e))
    }
}

impl From<SetupError> for crate::job::JobError {
    fn from(e: SetupError) -> Self {
        crate::job::JobError::Engine(Box::new(e))
    }
}

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where this process sits in the cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// Worker threads per process (timely `-w`).
    pub workers: usize,
    /// Number of processes (timely `-n`).
    pub processes: usize,
    /// This process's index, `0..processes` (timely `-p`).
    pub process: usize,
    /// `host:port` of every process (timely `-h`); unused with one process.
    pub hosts: Vec<String>,
    /// How long an exchange round may wait for a worker before the run
    /// stops naming it.
    pub peer_timeout: Duration,
    /// How long the processes may take to connect.
    pub connect_timeout: Duration,
}

impl ClusterConfig {
    /// Checks the numbers against each other.
    pub fn validate(&self) -> Result<(), SetupError> {
        if self.workers == 0 || self.processes == 0 {
            return Err(SetupError::NoWorkers);
        }
        if self.process >= self.processes {
            return Err(SetupError::ProcessOutOfRange {
                process: self.process,
                processes: self.processes,
            });
        }
        if self.processes > 1 && self.hosts.len() < self.processes {
            return Err(SetupError::TooFewHosts {
                processes: self.processes,
                found: self.hosts.len(),
            });
        }
        Ok(())
    }

    fn timely(&self) -> timely::Config {
        use timely::CommunicationConfig as C;
        let communication = if self.processes > 1 {
            C::Cluster {
                threads: self.workers,
                process: self.process,
                addresses: self.hosts[..self.processes].to_vec(),
                report: false,
                zerocopy: false,
            }
        } else if self.workers > 1 {
            C::Process(self.workers)
        } else {
            C::Thread
        };
        timely::Config {
            communication,
            worker: timely::WorkerConfig::default(),
        }
    }
}

/// A cluster that cannot be set up as given, or a job it does not run.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Zero workers or processes.
    #[error("a cluster needs at least 1 worker per process and at least 1 process")]
    NoWorkers,
    /// This process's index is not below the process count.
    #[error("process {process} is out of range: processes are numbered 0..{processes}")]
    ProcessOutOfRange {
        /// The index given.
        process: usize,
        /// The process count.
        processes: usize,
    },
    /// Fewer addresses than processes.
    #[error("{processes} processes need {processes} addresses in the hostfile (one host:port per line), found {found}")]
    TooFewHosts {
        /// The process count.
        processes: usize,
        /// Addresses found.
        found: usize,
    },
    /// The hostfile cannot be read.
    #[error("{}: cannot read the hostfile: {source}", path.display())]
    Hostfile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A hostfile line that is not `host:port`.
    #[error("{}:{line}: `{text}` is not host:port", path.display())]
    NotHostPort {
        /// The file.
        path: PathBuf,
        /// Its line number.
        line: usize,
        /// What the line says.
        text: String,
    },
    /// A graph cache: every worker reads its share of text files.
    #[error("the distributed engine reads text files (each worker its share); a graph cache is single-process")]
    GraphCache,
    /// In-memory tables: they are in one process.
    #[error("the distributed engine reads files (each worker its share); in-memory tables are single-process: write them to Parquet or TSV shards")]
    Tables,
    /// An option of the job the distributed engine does not offer yet.
    #[error("{0} is not available on the distributed engine yet; run single-process, or merge the sharded snapshot first")]
    NotOffered(SingleProcessOnly),
}

/// The options of a [`crate::job::RankJob`] only the single-process engine
/// offers (the CLI names each by its flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SingleProcessOnly {
    /// `RankJob::previous`.
    WarmStart,
    /// `RankJob::scores_tsv`.
    ScoresTsv,
    /// `RankJob::rejects`.
    Rejects,
    /// `RankJob::max_memory`.
    MemoryLimit,
    /// `RankJob::accounts`.
    Accounts,
}

impl SingleProcessOnly {
    /// The first option of `job` the distributed engine does not offer.
    pub fn first_in(job: &crate::job::RankJob) -> Option<SingleProcessOnly> {
        use SingleProcessOnly::*;
        [
            (WarmStart, job.previous.is_some()),
            (ScoresTsv, job.scores_tsv.is_some()),
            (Rejects, job.rejects.is_some()),
            (MemoryLimit, job.max_memory.is_some()),
            (Accounts, job.accounts.is_some()),
        ]
        .into_iter()
        .find_map(|(o, given)| given.then_some(o))
    }
}

impl std::fmt::Display for SingleProcessOnly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SingleProcessOnly::WarmStart => "warm start from a previous snapshot",
            SingleProcessOnly::ScoresTsv => "a scores TSV beside the snapshot",
            SingleProcessOnly::Rejects => "a rejects file",
            SingleProcessOnly::MemoryLimit => "a memory limit",
            SingleProcessOnly::Accounts => "an account history",
        })
    }
}

/// Reads a hostfile: one `host:port` per line, `#` comments and blank
/// lines ignored.
pub fn read_hostfile(path: &Path) -> Result<Vec<String>, SetupError> {
    let text = std::fs::read_to_string(path).map_err(|source| SetupError::Hostfile {
        path: path.to_path_buf(),
        source,
    })?;
    let mut hosts = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if !line.contains(':') {
            return Err(SetupError::NotHostPort {
                path: path.to_path_buf(),
                line: i + 1,
                text: line.to_string(),
            });
        }
        hosts.push(line.to_string());
    }
    Ok(hosts)
}
