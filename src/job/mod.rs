//! The `rank` job as a library call: load, rank, write the snapshot.
//!
//! The CLI is a thin layer over [`run_rank_job`]; other Rust programs can
//! run the same job with a [`RankJob`] value. One file per step: where the
//! data comes from ([`source`]), the memory guard ([`memory`]), the account
//! history (`accounts`), warm start ([`warm`]), the steps both engines
//! share ([`steps`]), the snapshot's record ([`metadata`]) and the
//! single-process driver (`local`). The distributed driver
//! (`crate::cluster`) takes the same steps; nothing here knows it.

mod accounts;
mod error;
mod local;
pub mod memory;
pub mod metadata;
mod observe;
pub mod publish;
pub mod schedule;
pub mod source;
pub mod steps;
pub mod warm;

pub use accounts::{young_restart_share, AccountsInput, TrustedRun, YOUNG_DAYS};
pub use error::JobError;
pub use local::{capped_threads, run_rank_job, thread_pool, THREADS_PER_CORE};
pub use memory::peak_rss;
pub use observe::{Collect, Level, Observer, Phase, Progress, Silent};
pub use publish::PendingOutputs;
pub use source::{
    load_with_rejects, read_market_mixes, read_market_mixes_with, refuse_output_over_input,
    rejects_path_for, report_dropped, GraphInput,
};

use crate::input::load::TaggedGraph;
use crate::input::BadLines;
use crate::rank::{MemoryEstimate, RankConfig, RankResult};
use std::path::PathBuf;
use std::time::Duration;

/// Everything a rank run needs: plain data ([`RankJob::new`] gives the
/// defaults of `marketrank rank`).
#[derive(Debug, Clone)]
pub struct RankJob {
    /// The graph: text files or a graph cache.
    pub input: GraphInput,
    /// Snapshot to write.
    pub out: PathBuf,
    /// Iteration parameters.
    pub config: RankConfig,
    /// Worker threads (0 = all cores; at most [`THREADS_PER_CORE`] per
    /// core: a larger number is capped, with a warning).
    pub threads: usize,
    /// Stop or skip at malformed lines.
    pub bad_lines: BadLines,
    /// With [`BadLines::Skip`]: where the skipped lines go
    /// (default `<out>.rejects.tsv`).
    pub rejects: Option<PathBuf>,
    /// Refuse the run up front when its estimated peak memory exceeds this
    /// many bytes (`None`: the memory available when the run starts).
    pub max_memory: Option<u64>,
    /// Markets as mixes of topics (`market<TAB>topic<TAB>weight`).
    pub markets: Option<PathBuf>,
    /// Compute the `_global` column (plain PageRank) too.
    pub global: bool,
    /// Only these topics (all when `None`).
    pub only_topics: Option<Vec<String>>,
    /// Also write `user<TAB>market<TAB>score` here (zeros omitted), the
    /// interchange format of `../shared/bench`.
    pub scores_tsv: Option<PathBuf>,
    /// Warm-start from this earlier snapshot (users matched by id, markets
    /// by name; new users and markets start from teleport).
    pub previous: Option<PathBuf>,
    /// `--previous-if-exists`: a `previous` that does not exist (the first
    /// run of a schedule) is a warning and a cold start, not an error.
    pub previous_may_be_missing: bool,
    /// Account history (`--accounts`): restart weight by earned trust, and
    /// follows of accounts in probation or suspended out of the walk.
    pub accounts: Option<AccountsInput>,
}

impl RankJob {
    /// The job `marketrank rank` runs by default: the default model
    /// ([`RankConfig::default`]), all cores, stop at a bad line, the memory
    /// guard at the memory available, the `_global` column, no account
    /// history.
    pub fn new(input: GraphInput, out: PathBuf) -> RankJob {
        RankJob {
            input,
            out,
            config: RankConfig::default(),
            threads: 0,
            bad_lines: BadLines::Fail,
            rejects: None,
            max_memory: None,
            markets: None,
            global: true,
            only_topics: None,
            scores_tsv: None,
            previous: None,
            previous_may_be_missing: false,
            accounts: None,
        }
    }
}

/// What a run did, for the summary line.
#[derive(Debug)]
pub struct RankSummary {
    /// The loaded graph (kept so callers can print from it).
    pub data: TaggedGraph,
    /// The scores.
    pub result: RankResult,
    /// Distinct follows as read (`data.graph` is the walk's graph, which
    /// lacks the follows an account history took out).
    pub follows: u64,
    /// Estimated peak memory, printed before allocating.
    pub estimate: MemoryEstimate,
    /// Time to read and build the graph.
    pub load_time: Duration,
    /// Time of the power iteration.
    pub rank_time: Duration,
    /// Time to write the snapshot.
    pub write_time: Duration,
    /// Peak resident memory of the process, if the OS reports it.
    pub peak_rss: Option<u64>,
    /// The rejects file written and its line count (with skipped lines).
    pub rejects: Option<(PathBuf, u64)>,
}
