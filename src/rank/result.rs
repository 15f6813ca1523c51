//! What a rank run returns.

/// A `users × markets` score block, node-major (row `u` holds user `u`'s
/// score in every market).
#[derive(Debug, Clone, PartialEq)]
pub enum ScoreBlock {
    /// f32 storage.
    F32(Vec<f32>),
    /// f64 storage.
    F64(Vec<f64>),
}

impl ScoreBlock {
    /// Score of row `u`, column `c`, for a block of `k` columns.
    pub fn get(&self, u: usize, c: usize, k: usize) -> f64 {
        match self {
            ScoreBlock::F32(v) => v[u * k + c] as f64,
            ScoreBlock::F64(v) => v[u * k + c],
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            ScoreBlock::F32(v) => v.len(),
            ScoreBlock::F64(v) => v.len(),
        }
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw little-endian bytes (for snapshots).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ScoreBlock::F32(v) => bytemuck::cast_slice(v),
            ScoreBlock::F64(v) => bytemuck::cast_slice(v),
        }
    }
}

/// How one market's iteration ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MarketConvergence {
    /// Iterations run for this market.
    pub iterations: u32,
    /// L1 change of the last iteration.
    pub residual: f64,
    /// Whether `residual <= tolerance`.
    pub converged: bool,
    /// Teleport mass per step at the end, `1 − α + α · dangling mass`. A
    /// market's scores are `restart · (I − α Pᵀ)⁻¹ p`, so this is what makes
    /// mixing markets exact (see `compose`).
    #[serde(default)]
    pub restart: f64,
}

/// Scores of every market, with how each converged.
#[derive(Debug, Clone)]
pub struct RankResult {
    /// Market names, one per column.
    pub markets: Vec<String>,
    /// Scores, `users × markets.len()`.
    pub scores: ScoreBlock,
    /// Per market, in column order.
    pub convergence: Vec<MarketConvergence>,
    /// Iterations of the whole run (the maximum over markets).
    pub iterations: u32,
}

impl RankResult {
    /// Number of markets (columns).
    pub fn k(&self) -> usize {
        self.markets.len()
    }

    /// Number of users (rows).
    pub fn users(&self) -> usize {
        if self.markets.is_empty() {
            0
        } else {
            self.scores.len() / self.markets.len()
        }
    }

    /// Score of user `u` in column `c`.
    pub fn score(&self, u: usize, c: usize) -> f64 {
        self.scores.get(u, c, self.k())
    }

    /// One market's column as f64.
    pub fn column(&self, c: usize) -> Vec<f64> {
        (0..self.users()).map(|u| self.score(u, c)).collect()
    }

    /// Column index of a market name.
    pub fn market_index(&self, name: &str) -> Option<usize> {
        self.markets.iter().position(|m| m == name)
    }
}
