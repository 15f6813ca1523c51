//! The JSON metadata section of a snapshot.

use crate::rank::{Precision, TeleportMode, WalkKind};
use serde::{Deserialize, Serialize};

/// The role of an input file (`"edges"`, `"topics"`, `"graph_cache"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputRole {
    /// Follows.
    Edges,
    /// Topic tags.
    Topics,
    /// A graph cache the follows and tags were read from.
    GraphCache,
}

/// What a score column is (`"global"`, `"topic"`, `"market"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketKind {
    /// Plain PageRank, uniform teleport (`_global`).
    Global,
    /// One topic's personalized ranking.
    Topic,
    /// A mix of topics (`--markets`), composed from the topic columns.
    Market,
}

macro_rules! display_as_serde_name {
    ($t:ty { $($v:ident => $s:literal),* }) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(match self { $(Self::$v => $s),* })
            }
        }
    };
}
display_as_serde_name!(InputRole { Edges => "edges", Topics => "topics", GraphCache => "graph_cache" });
display_as_serde_name!(MarketKind { Global => "global", Topic => "topic", Market => "market" });

/// Everything about a run that is not a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// Snapshot format version (major).
    pub format_version: u32,
    /// marketrank version that wrote it.
    pub tool_version: String,
    /// Creation time, RFC 3339 UTC. Set `SOURCE_DATE_EPOCH` to fix it (for
    /// byte-identical reruns).
    pub created: String,
    /// Creation time, seconds since the Unix epoch.
    pub created_unix: u64,
    /// Number of users.
    pub users: u64,
    /// Number of distinct follows after dropping self-follows.
    pub edges: u64,
    /// Run parameters.
    pub parameters: Parameters,
    /// Input files.
    pub inputs: Vec<InputFile>,
    /// Markets, in score-column order.
    pub markets: Vec<MarketMeta>,
    /// What loading dropped or merged (self-follows, duplicates, skipped lines).
    #[serde(default)]
    pub load: LoadCounts,
    /// The snapshot this run continued from, if any.
    #[serde(default)]
    pub parent: Option<String>,
    /// The parent's content id (`<created>/<crc>`), so lineage names the
    /// bytes continued from even after the file is replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_snapshot_id: Option<String>,
    /// The account-history inputs of a run with `--accounts` (absent
    /// otherwise, so graph-only snapshots keep their bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<TrustMeta>,
    /// The distributed run that wrote this file (16 hex digits), in every
    /// part of a sharded snapshot, its manifest, and a file merged from it:
    /// opening a manifest refuses a part whose run id is another's (issue
    /// 18, item 16). Absent for single-process runs, whose files keep their
    /// bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
}

/// What a run with `--accounts` anchored its trust in, so that warm starts
/// and `diff` compare like with like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustMeta {
    /// The accounts file, as given.
    pub accounts: String,
    /// Its size in bytes.
    pub accounts_bytes: u64,
    /// The vetted-seed file (`--trusted`), if any.
    pub trusted: Option<String>,
    /// The day ages were measured at (`YYYY-MM-DD`, UTC).
    pub as_of: String,
    /// Probation period in days.
    pub probation_days: u32,
    /// Trust propagation steps.
    pub steps: u32,
    /// Trust damping β.
    pub damping: f64,
    /// Standing counts over the graph's users.
    pub counts: crate::rank::TrustCounts,
    /// Accounts in the file that the graph does not have.
    pub accounts_not_in_graph: u64,
    /// Malformed lines of the accounts file skipped (`--skip-bad-lines`).
    pub accounts_skipped_lines: u64,
    /// Vetted accounts that the graph does not have.
    pub trusted_not_in_graph: u64,
}

/// Parameters of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameters {
    /// Damping factor α.
    pub damping: f64,
    /// L1 tolerance per market.
    pub tolerance: f64,
    /// Iteration cap.
    pub max_iterations: u32,
    /// `"f32"` or `"f64"`.
    pub precision: Precision,
    /// Walk model: `"plain"` or `"topic_biased"`.
    pub walk: WalkKind,
    /// ε of the topic-biased walk.
    #[serde(default)]
    pub topic_bias: Option<f64>,
    /// Teleport model: `"tagged"` or `"earned"`.
    pub teleport: TeleportMode,
}

/// One input file, as fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    /// What the file was.
    pub role: InputRole,
    /// Path as given (a pattern or directory's files one by one).
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Lines read (rows, for Parquet).
    pub lines: u64,
    /// Malformed lines skipped.
    pub skipped_lines: u64,
    /// How the file was read (absent in snapshots older than issue 20,
    /// and for the graph cache).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<InputRead>,
}

/// The choices a run made reading one input file, so that a snapshot says
/// how its inputs were understood (a header skipped, a delimiter, a column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRead {
    /// `text` or `parquet`.
    pub format: crate::input::read::FileKind,
    /// `none`, `gzip` or `zstd` (told by the bytes).
    pub compression: crate::input::Compression,
    /// Text: the separator (`tab`, `comma`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Text: whether fields could be quoted (RFC 4180).
    #[serde(default)]
    pub quoted: bool,
    /// Text: `--header` (`auto`, `yes`, `no`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<crate::input::HeaderMode>,
    /// Header lines skipped (0 or 1).
    #[serde(default)]
    pub headers_skipped: u64,
    /// Text: the null tokens refused as ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub null_tokens: Vec<String>,
    /// Parquet: the columns read (first id, second id, weight).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

/// One market's column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketMeta {
    /// Market name (`_global` for plain PageRank).
    pub name: String,
    /// `"global"`, `"topic"` or `"market"` (a mix of topics).
    pub kind: MarketKind,
    /// Users the walk restarts at.
    pub seed_users: u64,
    /// Iterations used.
    pub iterations: u32,
    /// Final L1 change.
    pub residual: f64,
    /// Whether it met the tolerance.
    pub converged: bool,
    /// Teleport mass per step at the end (`1 − α + α · dangling mass`);
    /// needed to mix markets exactly.
    #[serde(default)]
    pub restart: f64,
    /// Earned teleport found nobody who earned it; plain tags were used.
    #[serde(default)]
    pub teleport_fallback: bool,
    /// For [`MarketKind::Market`]: the `(topic, weight)` mix.
    #[serde(default)]
    pub composition: Vec<(String, f64)>,
    /// With `--accounts`: the share of this market's restart mass on
    /// accounts younger than 90 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub young_restart_share: Option<f64>,
}

/// Seconds since the epoch now, or `SOURCE_DATE_EPOCH` when set.
pub fn now_unix() -> u64 {
    if let Some(s) = std::env::var_os("SOURCE_DATE_EPOCH") {
        if let Some(v) = s.to_str().and_then(|s| s.trim().parse().ok()) {
            return v;
        }
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (no time-zone crate needed).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_614_956), "2026-11-25T13:55:56Z");
    }
}

/// What loading dropped, merged or skipped, as counts. Fields in name
/// order: the JSON object they replace was written with sorted keys, so
/// snapshots keep their bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadCounts {
    /// Follows read more than once (a follow counts once).
    pub duplicate_follows_merged: u64,
    /// Tags read more than once.
    pub duplicate_tags_merged: u64,
    /// Follows of a user to itself.
    pub self_follows_dropped: u64,
    /// Malformed lines skipped (with skipping on).
    pub skipped_lines: u64,
    /// Users tagged but in no follow.
    pub users_only_in_topics: u64,
}

impl MarketMeta {
    /// The columns of a convergence table (`info`, the HTML report), in
    /// [`MarketMeta::CONVERGENCE_HEADER`] order: one formatting for every
    /// place that shows whether a market converged.
    pub fn convergence_cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.kind.to_string(),
            self.seed_users.to_string(),
            self.iterations.to_string(),
            format!("{:.2e}", self.residual),
            (if self.converged { "yes" } else { "NO" }).to_string(),
        ]
    }

    /// The header of [`MarketMeta::convergence_cells`].
    pub const CONVERGENCE_HEADER: [&'static str; 6] = [
        "market",
        "kind",
        "seed users",
        "iterations",
        "residual",
        "converged",
    ];
}
