//! Command-line flags, as close to what the user types as possible. The
//! `cmd_*` modules turn them into library configs.

use clap::{Args, Parser, Subcommand, ValueEnum};
use marketrank::serve::listen::Limits;
use std::path::PathBuf;

/// marketrank: relative influence inside each market (topic-personalized PageRank).
#[derive(Debug, Parser)]
#[command(name = "marketrank", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Rank every market of a follower graph and write a snapshot.
    Rank(RankArgs),
    /// Parse follows and topics once into a binary graph cache for `rank --graph`.
    Ingest(IngestArgs),
    /// The most influential users of a market.
    Top(TopArgs),
    /// One user's standing in every market.
    Show(ShowArgs),
    /// Write a snapshot's scores as CSV, JSON Lines or Parquet.
    Export(ExportArgs),
    /// Which followers carry a user's score in a market, and how much.
    Explain(ExplainArgs),
    /// Compare two markets: top-k overlap, rank correlation, specialists.
    Compare(CompareArgs),
    /// Run the whole path on the bundled sample and print the contrast.
    Demo(DemoArgs),
    /// What a snapshot holds: parameters, inputs, markets, convergence.
    Info(InfoArgs),
    /// Risers, fallers, newcomers and departures of a market between two runs.
    Diff(DiffArgs),
    /// Write a sharded snapshot (from `rank --engine timely`) as one file.
    Merge(MergeArgs),
    /// Answer lookups over HTTP from a snapshot (read-only, hot-swapped).
    Serve(ServeArgs),
    /// Add influence columns (and a triage priority) to a customer CSV.
    Enrich(EnrichArgs),
    /// Write a self-contained HTML report of a snapshot.
    Report(ReportArgs),
    /// Put a snapshot's scores into a PostgreSQL table, swapped in atomically.
    Publish(PublishArgs),
}

/// `marketrank report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The snapshot.
    pub snapshot: PathBuf,
    /// HTML file to write (atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// An earlier snapshot: adds risers, fallers and newcomers per market.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// Two markets to compare: overlap, rank correlation, specialists.
    #[arg(long, value_delimiter = ',', num_args = 1)]
    pub markets: Vec<String>,
    /// Users per top list.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
}

/// `marketrank serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Snapshot to serve: a file, a sharded manifest, or `DIR/latest.snap`.
    /// When another file appears at this path (or on SIGHUP) it is loaded,
    /// verified and swapped in; a bad one is refused and logged.
    #[arg(long)]
    pub snapshot: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Bearer tokens, one per line (at least 16 characters each).
    #[arg(long, required_unless_present = "insecure_no_auth")]
    pub tokens: Option<PathBuf>,
    /// Serve without authentication: only on a loopback address.
    #[arg(long)]
    pub insecure_no_auth: bool,
    /// Seconds between checks for a new snapshot at the path.
    #[arg(long, default_value_t = 2.0)]
    pub poll: f64,
    /// Seconds a client has to send a request's head (from connecting, or
    /// from the first byte on a kept-alive connection); then it is closed.
    #[arg(long, default_value_t = Limits::DEFAULT_HEADER_TIMEOUT.as_secs_f64())]
    pub header_timeout: f64,
    /// Seconds a client has to send a request's body after its head; then
    /// `408` and close (a body trickled or never finished is cut).
    #[arg(long, default_value_t = Limits::DEFAULT_BODY_TIMEOUT.as_secs_f64())]
    pub body_timeout: f64,
    /// Seconds a kept-alive connection may wait for its next request.
    #[arg(long, default_value_t = Limits::DEFAULT_IDLE_TIMEOUT.as_secs_f64())]
    pub idle_timeout: f64,
    /// Seconds from a request's head to its answer (body included); then
    /// `503` and close.
    #[arg(long, default_value_t = Limits::DEFAULT_REQUEST_TIMEOUT.as_secs_f64())]
    pub request_timeout: f64,
    /// Most connections open at once [default: 10000, or what the open-files
    /// limit allows]. At the cap the oldest connection that has not shown a
    /// valid token is closed for a new one; when all have, new ones get 503.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Append one JSON line per request to FILE (`-`: standard output):
    /// time, method, route, status, latency, token id (never the token).
    #[arg(long, value_name = "FILE")]
    pub access_log: Option<PathBuf>,
    /// Also serve `/metrics`, without a token, on this address (for a
    /// Prometheus scrape; bind it to an internal interface). Off by default.
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// Let web pages from ORIGIN (`https://host[:port]`, or `*` for any)
    /// call the API from a browser; repeatable. Off by default.
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Vec<String>,
    /// Do not precompute ranks at load: saves 4 bytes per user and market
    /// (680 MB at 10M users x 17 markets), and each lookup searches the
    /// market's order instead (a few times slower; BENCHMARKS.md).
    #[arg(long)]
    pub no_rank_index: bool,
}

/// `marketrank merge`
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The sharded snapshot's manifest.
    pub manifest: PathBuf,
    /// The single-file snapshot to write (atomically).
    #[arg(long)]
    pub out: PathBuf,
}

/// Which engine runs `rank`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// One process, all cores (the default and the reference).
    Local,
    /// timely dataflow: N processes x W workers, over TCP between processes.
    Timely,
}

/// `rank --engine timely`: where this process sits in the cluster (timely's
/// `-w -n -p -h`, spelled long so that `-h` stays help).
#[derive(Debug, Args, Clone)]
pub struct ClusterArgs {
    /// `local` (one process) or `timely` (a cluster; see docs/distributed.md).
    #[arg(long, value_enum, default_value_t = EngineArg::Local)]
    pub engine: EngineArg,
    /// timely: worker threads per process.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// timely: number of processes (every process runs the same command).
    #[arg(long, default_value_t = 1)]
    pub processes: usize,
    /// timely: this process's index, 0..processes.
    #[arg(long, default_value_t = 0)]
    pub process: usize,
    /// timely: one `host:port` per process, in process order.
    #[arg(long)]
    pub hostfile: Option<PathBuf>,
    /// timely: seconds an exchange may wait for a silent worker before the
    /// run stops and names it (a process that died is noticed at once).
    #[arg(long, default_value_t = 600)]
    pub peer_timeout: u64,
    /// timely: seconds the processes may take to connect to each other.
    #[arg(long, default_value_t = 60)]
    pub connect_timeout: u64,
}

pub use super::enrich_args::EnrichArgs;
pub use super::input_args::InputArgs;
pub use super::publish_args::PublishArgs;

/// `marketrank rank`
#[derive(Debug, Args)]
pub struct RankArgs {
    /// Follows: `follower<TAB>followee[<TAB>weight]` (.tsv, .csv, .parquet;
    /// gzip or zstd). Repeat it, or give a directory or a `'part-*'`
    /// pattern, for shards: read in sorted order, each with its own header.
    #[arg(long, required_unless_present = "graph", requires = "topics")]
    pub edges: Vec<PathBuf>,
    /// Topic tags: `user<TAB>topic[<TAB>weight]` (repeatable, like --edges).
    #[arg(long, requires = "edges")]
    pub topics: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// A graph cache from `marketrank ingest`, instead of --edges/--topics:
    /// no parsing, the same scores.
    #[arg(long, conflicts_with_all = ["edges", "topics", "skip_bad_lines"])]
    pub graph: Option<PathBuf>,
    /// Snapshot to write (atomically).
    #[arg(long, required_unless_present = "out_dir", conflicts_with = "out_dir")]
    pub out: Option<PathBuf>,
    /// For scheduled runs: write `DIR/<UTC timestamp>.snap` and point
    /// `DIR/latest.snap` at it once it is complete (and converged).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// With `--out-dir`: keep this many timestamped snapshots, remove older ones.
    #[arg(long, default_value_t = 7, requires = "out_dir")]
    pub keep: usize,
    /// Exit with code 3 when a market did not converge (the snapshot is
    /// written but `latest.snap` is not moved).
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub params: RankParams,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `marketrank ingest`
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Follows: `follower<TAB>followee[<TAB>weight]` (.tsv, .csv, .parquet;
    /// gzip or zstd), or a directory or `'part-*'` pattern of shards.
    pub edges: PathBuf,
    /// Topic tags: `user<TAB>topic[<TAB>weight]` (or shards, like EDGES).
    pub topics: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Graph cache to write (atomically), conventionally `.mrg`.
    #[arg(long)]
    pub out: PathBuf,
    /// Worker threads (0 = all cores; at most 4 per core: a larger number
    /// is capped, with a warning).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Skip malformed lines instead of stopping: counted by reason,
    /// reported, and written with their line numbers to the rejects file.
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// With --skip-bad-lines: the rejects file (default `<out>.rejects.tsv`).
    #[arg(long, requires = "skip_bad_lines")]
    pub rejects: Option<PathBuf>,
    /// Print only warnings and errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parameters shared by `rank` and `demo`.
#[derive(Debug, Args, Clone)]
pub struct RankParams {
    /// Worker threads (0 = all cores; at most 4 per core: a larger number
    /// is capped, with a warning).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Damping factor α: probability of following a link rather than restarting.
    #[arg(long, default_value_t = marketrank::RankConfig::DEFAULT_DAMPING)]
    pub damping: f64,
    /// Stop a market when the L1 change between iterations is at most this.
    #[arg(long, default_value_t = marketrank::RankConfig::DEFAULT_TOLERANCE)]
    pub tol: f64,
    /// Stop after this many iterations even if not converged (with a warning).
    #[arg(long, default_value_t = marketrank::RankConfig::DEFAULT_MAX_ITERATIONS)]
    pub max_iter: u32,
    /// Score storage: f32 (half the memory, enough for tol ≥ 1e-7) or f64.
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    pub precision: PrecisionArg,
    /// Iteration method: `extrapolated` (default: power iteration that jumps
    /// ahead once a market's changes shrink steadily, and stops when the
    /// estimated distance to the fixed point is at most --tol) or `power`
    /// (plain power iteration, stopping when the L1 change is at most --tol).
    #[arg(long, value_enum, default_value_t = MethodArg::Extrapolated)]
    pub method: MethodArg,
    /// Walk model: `topic-biased` (default: walkers prefer followees in the
    /// market) or `plain` (NetworkX semantics; implies `--teleport tagged`
    /// unless given).
    #[arg(long, value_enum, default_value_t = WalkArg::TopicBiased)]
    pub walk: WalkArg,
    /// ε of the topic-biased walk: weight of a follow outside the market
    /// relative to 1 + ε inside it.
    #[arg(long, default_value_t = marketrank::RankConfig::DEFAULT_TOPIC_BIAS)]
    pub topic_bias: f64,
    /// Teleport model: `earned` (default with the biased walk: only tagged
    /// users someone outside a closed group follows) or `tagged`.
    #[arg(long, value_enum)]
    pub teleport: Option<TeleportArg>,
    /// Markets as weighted mixes of topics: `market<TAB>topic<TAB>weight`.
    #[arg(long)]
    pub markets: Option<PathBuf>,
    /// Warm-start from an earlier snapshot (periodic recomputes converge in
    /// fewer iterations); recorded as the new snapshot's parent (the file
    /// a symlink points to, and its snapshot id).
    #[arg(long, conflicts_with = "previous_if_exists")]
    pub previous: Option<PathBuf>,
    /// Like --previous, but a snapshot that does not exist yet (the first
    /// night of a schedule) is a warning and a cold start, not an error.
    #[arg(long)]
    pub previous_if_exists: Option<PathBuf>,
    /// How notes go to stderr: `plain` (timestamped when stderr is not a
    /// terminal) or `json` (one object per line: timestamp, level, phase,
    /// message, figures).
    #[arg(long, value_enum, default_value_t = LogFormatArg::Plain)]
    pub log_format: LogFormatArg,
    /// Leave out the `_global` market (plain PageRank); topics only.
    #[arg(long)]
    pub no_global: bool,
    /// Rank only these topics (comma separated); other tags are ignored.
    #[arg(long, value_delimiter = ',')]
    pub only_topics: Option<Vec<String>>,
    /// Also write the scores as `user<TAB>market<TAB>score` (zeros omitted).
    #[arg(long)]
    pub scores_tsv: Option<PathBuf>,
    /// Print one `BENCH_RESULT {json}` line on stdout (load_s, compute_s,
    /// iterations, threads, version) for `../shared/bench/peers.py`.
    #[arg(long)]
    pub bench_result: bool,
    /// Skip malformed lines instead of stopping: counted by reason,
    /// reported, and written with their line numbers to the rejects file.
    #[arg(long)]
    pub skip_bad_lines: bool,
    /// With --skip-bad-lines: the rejects file (default `<out>.rejects.tsv`).
    #[arg(long, requires = "skip_bad_lines")]
    pub rejects: Option<PathBuf>,
    /// Refuse the run up front (exit 4) when its estimated peak memory
    /// exceeds this: `512MB`, `24GB`, `1.5GiB`, ... (default: the memory
    /// available when the run starts).
    #[arg(long, value_parser = marketrank::job::memory::parse_size)]
    pub max_memory: Option<u64>,
    #[command(flatten)]
    pub accounts: AccountArgs,
    /// Print only warnings and errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Account history: trust anchored outside the graph (see README,
/// "Hard to game").
#[derive(Debug, Args, Clone, Default)]
pub struct AccountArgs {
    /// Account history `user<TAB>created[<TAB>status]` (created: ISO-8601
    /// date or timestamp, UTC; status: active, verified, restricted,
    /// suspended). Accounts in probation or suspended earn no restart
    /// weight and their follows pass no endorsement; restart weight follows
    /// trust from established accounts. Recommended whenever you have it.
    #[arg(long)]
    pub accounts: Option<PathBuf>,
    /// Vetted accounts (one per line) used as the trust seeds instead of
    /// every established account.
    #[arg(long, requires = "accounts")]
    pub trusted: Option<PathBuf>,
    /// Measure account ages at this date (YYYY-MM-DD or a timestamp, UTC;
    /// default: now).
    #[arg(long, requires = "accounts")]
    pub as_of: Option<String>,
    /// Accounts younger than this many days are in probation.
    #[arg(long, default_value_t = marketrank::TrustConfig::DEFAULT_PROBATION_DAYS)]
    pub probation_days: u32,
    /// Trust propagation steps from the seeds.
    #[arg(long, default_value_t = marketrank::TrustConfig::DEFAULT_STEPS)]
    pub trust_steps: u32,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormatArg {
    /// Lines of text.
    #[default]
    Plain,
    /// One JSON object per line.
    Json,
}

/// CLI mirror of [`marketrank::Walk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WalkArg {
    /// Follow weight only.
    Plain,
    /// Prefer followees tagged with the market.
    TopicBiased,
}

/// CLI mirror of [`marketrank::TeleportMode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TeleportArg {
    /// All tagged users.
    Tagged,
    /// Tagged users who earned a follower outside closed groups.
    Earned,
}

/// CLI mirror of [`marketrank::Precision`].
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PrecisionArg {
    /// 4-byte scores.
    F32,
    /// 8-byte scores.
    F64,
}

impl From<PrecisionArg> for marketrank::Precision {
    fn from(p: PrecisionArg) -> Self {
        match p {
            PrecisionArg::F32 => marketrank::Precision::F32,
            PrecisionArg::F64 => marketrank::Precision::F64,
        }
    }
}

/// CLI mirror of [`marketrank::Method`].
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Plain power iteration.
    Power,
    /// Power iteration with per-market extrapolation.
    Extrapolated,
}

impl From<MethodArg> for marketrank::Method {
    fn from(m: MethodArg) -> Self {
        match m {
            MethodArg::Power => marketrank::Method::Power,
            MethodArg::Extrapolated => marketrank::Method::Extrapolated,
        }
    }
}

/// `marketrank top`
#[derive(Debug, Args)]
pub struct TopArgs {
    /// Snapshot file.
    pub snapshot: PathBuf,
    /// Market (topic name, or `_global` for plain PageRank).
    #[arg(long, short)]
    pub market: String,
    /// How many users.
    #[arg(short, long, default_value_t = 20)]
    pub k: usize,
}

/// `marketrank show`
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Snapshot file.
    pub snapshot: PathBuf,
    /// User id as in the input files.
    #[arg(long, short)]
    pub user: String,
}

/// `marketrank export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Snapshot file.
    pub snapshot: PathBuf,
    /// Output format (default: the one --out's extension names, `.csv`,
    /// `.jsonl`/`.ndjson` or `.parquet`; CSV for any other name). A format
    /// that contradicts the extension is refused.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Output file (written atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Only these markets (comma separated; a repeat counts once).
    #[arg(long, value_delimiter = ',')]
    pub market: Vec<String>,
    /// Only each market's top N users.
    #[arg(long)]
    pub top: Option<usize>,
    /// Only rows at or above this percentile (e.g. 99 for the top 1%): a
    /// number from 0 to 100.
    #[arg(long, value_parser = percentile)]
    pub min_percentile: Option<f64>,
    /// One row per user, a column group per market.
    #[arg(long)]
    pub wide: bool,
}

/// `--min-percentile`: a finite number from 0 to 100. NaN was accepted and
/// then compared false with every percentile, so it filtered nothing.
pub(super) fn percentile(s: &str) -> Result<f64, String> {
    let p: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number (give a percentile from 0 to 100)"))?;
    if p.is_finite() && (0.0..=100.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{s} is not a percentile from 0 to 100"))
    }
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// `user,market,score,rank,percentile,followers,influence,global_rank,lift`
    Csv,
    /// One JSON object per line, same fields.
    Jsonl,
    /// Apache Parquet, same columns, typed (pandas, polars, DuckDB, Spark).
    Parquet,
}

/// `marketrank explain`
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Snapshot file.
    pub snapshot: PathBuf,
    /// User id.
    #[arg(long, short)]
    pub user: String,
    /// Market.
    #[arg(long, short)]
    pub market: String,
    /// Followers listed.
    #[arg(short, default_value_t = 10)]
    pub n: usize,
}

/// `marketrank compare`
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Snapshot file.
    pub snapshot: PathBuf,
    /// Two markets, comma separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub markets: Vec<String>,
    /// Size of the top lists compared.
    #[arg(short, long, default_value_t = 100)]
    pub k: usize,
    /// Specialists listed per market.
    #[arg(long, default_value_t = 10)]
    pub specialists: usize,
    /// Also write the figures and specialists as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// `marketrank info`
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Snapshot file.
    pub snapshot: PathBuf,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also run the deep consistency checks (id index order, each market's
    /// ranking): a random-order pass over the file, seconds at 10M users.
    #[arg(long)]
    pub check: bool,
}

/// `marketrank diff`
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier snapshot.
    pub old: PathBuf,
    /// The later snapshot.
    pub new: PathBuf,
    /// Market to compare.
    #[arg(long, short)]
    pub market: String,
    /// Compare the users in either run's top K.
    #[arg(short, long, default_value_t = 100)]
    pub k: usize,
    /// Users listed per kind of change.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Also write all listed changes as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// `marketrank demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to keep the demo snapshot (default: a private temporary
    /// directory, removed when the demo ends).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Keep the temporary directory (sample inputs and snapshot) and print
    /// its path, instead of removing it at exit.
    #[arg(long)]
    pub keep: bool,
    /// Users listed per market.
    #[arg(short, long, default_value_t = 5)]
    pub k: usize,
}
