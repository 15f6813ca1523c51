//! Parameters of a rank run.

use crate::graph::FollowerGraph;

/// Storage type of the score block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 4-byte scores: half the memory traffic. Per-market sums (dangling
    /// mass, residuals) are still taken in f64, which is what lets a run
    /// reach 1e-6.
    F32,
    /// 8-byte scores, for tight tolerances (below ~1e-7).
    F64,
}

impl Precision {
    /// Bytes per score.
    pub fn bytes(self) -> usize {
        match self {
            Precision::F32 => 4,
            Precision::F64 => 8,
        }
    }
}

/// How the iteration approaches the fixed point: the same fixed point,
/// reached in a different number of sweeps, and a different stopping test
/// (see each variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Power (Jacobi) iteration: every step is one sweep; a market stops
    /// when a sweep's L1 change is at most the tolerance.
    Power,
    /// Power iteration that, per market, jumps ahead along the last step
    /// once the changes shrink by a steady ratio μ (the error is then
    /// mostly one geometric mode): `x ← x + μ/(1 − μ) · (x − x_prev)`, the
    /// Aitken-style extrapolation of Kamvar et al. (WWW 2003) with μ, sign
    /// included, taken from per-market sums of the change. A market stops
    /// when the distance to the fixed point those changes imply is at most
    /// the tolerance. Needs no memory beyond the two blocks power iteration
    /// holds (`src/rank/extrapolate.rs`).
    #[default]
    Extrapolated,
}

/// How a walker in market `t` picks the next account among those it follows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Walk {
    /// In proportion to follow weight alone (NetworkX semantics).
    Plain,
    /// In proportion to `weight × (epsilon + affinity_t(followee))`, where
    /// the affinity is the followee's tag weight in `t` relative to its
    /// strongest tag (1 for its main topic, 0 when untagged). The walk keeps
    /// to the market instead of drifting to global celebrities; `epsilon > 0`
    /// keeps every follow possible, so the chain stays irreducible.
    TopicBiased {
        /// Weight of a follow to an account outside the market, relative to
        /// 1 + epsilon for one inside.
        epsilon: f64,
    },
}

/// The walk model without its parameters, as recorded in snapshots
/// (`"plain"` or `"topic_biased"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalkKind {
    /// [`Walk::Plain`].
    Plain,
    /// [`Walk::TopicBiased`].
    TopicBiased,
}

impl Walk {
    /// Which model, without ε.
    pub fn kind(&self) -> WalkKind {
        match self {
            Walk::Plain => WalkKind::Plain,
            Walk::TopicBiased { .. } => WalkKind::TopicBiased,
        }
    }
}

impl std::fmt::Display for WalkKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WalkKind::Plain => "plain",
            WalkKind::TopicBiased => "topic_biased",
        })
    }
}

impl std::fmt::Display for TeleportMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TeleportMode::Tagged => "tagged",
            TeleportMode::Earned => "earned",
        })
    }
}

impl std::fmt::Display for Precision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        })
    }
}

/// Who a market's walk restarts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeleportMode {
    /// Every tagged user, in proportion to tag weight.
    Tagged,
    /// Tagged users who earned it: at least one follower who is not part of
    /// a closed group (see `TopicTeleport::earned`).
    Earned,
}

impl TeleportMode {
    /// The teleport of a run that names none: earned with the topic-biased
    /// walk, tagged with the plain one (the plain walk is the textbook
    /// topic-sensitive PageRank, restarting at every tagged user).
    pub fn default_for(walk: &Walk) -> TeleportMode {
        match walk {
            Walk::Plain => TeleportMode::Tagged,
            Walk::TopicBiased { .. } => TeleportMode::Earned,
        }
    }
}

/// How to run the power iteration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RankConfig {
    /// Probability of following a link rather than teleporting (α).
    pub damping: f64,
    /// Stop a market once the L1 change between iterates is at most this.
    pub tolerance: f64,
    /// Stop every market after this many iterations, converged or not.
    pub max_iterations: u32,
    /// Score storage type.
    pub precision: Precision,
    /// Walk model (global PageRank is always plain).
    pub walk: Walk,
    /// Teleport model (used when building the teleport; recorded in snapshots).
    pub teleport: TeleportMode,
    /// Iteration method.
    pub method: Method,
}

impl RankConfig {
    /// The usual damping factor (Brin & Page).
    pub const DEFAULT_DAMPING: f64 = 0.85;
    /// Default L1 tolerance.
    pub const DEFAULT_TOLERANCE: f64 = 1e-6;
    /// Default iteration cap.
    pub const DEFAULT_MAX_ITERATIONS: u32 = 200;
    /// Default ε of the topic-biased walk: a follow into the market weighs
    /// 11× one outside it. Small enough that a fashion walker rarely leaves
    /// fashion for a celebrity, large enough that accounts outside the
    /// market still pass some mass (and convergence stays fast).
    pub const DEFAULT_TOPIC_BIAS: f64 = 0.1;

    /// Plain topic-sensitive PageRank with tagged teleport: exactly
    /// NetworkX's `pagerank(personalization=...)`.
    pub fn plain() -> RankConfig {
        RankConfig {
            walk: Walk::Plain,
            teleport: TeleportMode::Tagged,
            ..RankConfig::default()
        }
    }

    /// Checks the parameters, saying which one is wrong.
    pub fn validate(&self) -> Result<(), InvalidParameter> {
        let bad = |name, must, value: String| Err(InvalidParameter { name, must, value });
        if !(self.damping > 0.0 && self.damping < 1.0) {
            return bad(Parameter::Damping, "be in (0, 1)", self.damping.to_string());
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return bad(
                Parameter::Tolerance,
                "be a positive number",
                self.tolerance.to_string(),
            );
        }
        if self.max_iterations == 0 {
            return bad(Parameter::MaxIterations, "be at least 1", "0".into());
        }
        if let Walk::TopicBiased { epsilon } = self.walk {
            if !(epsilon.is_finite() && epsilon > 0.0) {
                return bad(
                    Parameter::TopicBias,
                    "be a positive number",
                    epsilon.to_string(),
                );
            }
        }
        Ok(())
    }
}

/// The parameters of [`RankConfig`] that can be out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parameter {
    /// `damping`.
    Damping,
    /// `tolerance`.
    Tolerance,
    /// `max_iterations`.
    MaxIterations,
    /// The topic bias ε of [`Walk::TopicBiased`].
    TopicBias,
}

impl std::fmt::Display for Parameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Parameter::Damping => "damping",
            Parameter::Tolerance => "tolerance",
            Parameter::MaxIterations => "the iteration limit",
            Parameter::TopicBias => "the topic bias ε",
        })
    }
}

/// A parameter of [`RankConfig`] outside its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} must {must}, got {value}")]
pub struct InvalidParameter {
    /// Which parameter.
    pub name: Parameter,
    /// What it must be.
    pub must: &'static str,
    /// What it was.
    pub value: String,
}

impl Default for RankConfig {
    fn default() -> RankConfig {
        RankConfig {
            damping: Self::DEFAULT_DAMPING,
            tolerance: Self::DEFAULT_TOLERANCE,
            max_iterations: Self::DEFAULT_MAX_ITERATIONS,
            precision: Precision::F32,
            walk: Walk::TopicBiased {
                epsilon: Self::DEFAULT_TOPIC_BIAS,
            },
            teleport: TeleportMode::Earned,
            method: Method::default(),
        }
    }
}

/// Peak memory of a run, estimated before the large allocations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryEstimate {
    /// The graph (CSR and per-user out-weights).
    pub graph: u64,
    /// The users × K blocks the iteration holds (current and next scores,
    /// and the topic-biased walk's normalisers), rows padded as the kernel
    /// lays them out.
    pub scores: u64,
    /// Teleport entries and everything else per user.
    pub other: u64,
}

impl MemoryEstimate {
    /// Estimate for a graph of `users` and `edges` with `markets` columns.
    pub fn new(
        users: u64,
        edges: u64,
        weighted: bool,
        markets: u64,
        tags: u64,
        config: &RankConfig,
    ) -> Self {
        let graph = (users + 1) * 8 + edges * (4 + if weighted { 4 } else { 0 }) + users * 8;
        let bytes = config.precision.bytes();
        let stride =
            super::layout::Layout::new(users as usize, markets as usize, bytes).lanes() as u64;
        // Current and next scores; the biased walk also keeps its normalisers.
        let blocks = 2 + u64::from(matches!(config.walk, Walk::TopicBiased { .. }));
        let scores = blocks * users * stride * bytes as u64;
        // Each running chunk's gather buffer, capped per chunk
        // (`kernel::CHUNK_GATHER_BYTES`), one per thread; and every chunk's
        // residual and dangling sums (two f64 per lane), held until they are
        // added in chunk order (deterministic): with 200,000 markets these
        // were the 33% the estimate missed (issue 18).
        let threads = rayon::current_num_threads() as u64;
        let gather = threads * super::kernel::CHUNK_GATHER_BYTES as u64;
        let row_bytes = stride * bytes as u64;
        let chunks = super::kernel::chunk_count_estimate(users, edges, row_bytes);
        let sums = chunks * stride * 16;
        let other = tags * 32 + (users + 1) * 8 + users * 9 + gather + sums;
        MemoryEstimate {
            graph,
            scores,
            other,
        }
    }

    /// Estimate for an already built graph.
    pub fn for_graph(g: &FollowerGraph, markets: usize, tags: usize, config: &RankConfig) -> Self {
        Self::new(
            g.users() as u64,
            g.edges(),
            g.is_weighted(),
            markets as u64,
            tags as u64,
            config,
        )
    }

    /// Total bytes.
    pub fn total(&self) -> u64 {
        self.graph + self.scores + self.other
    }
}

/// Formats a byte count for people (`1.5 GB`).
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < UNITS.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}
