//! The immutable follower graph in compressed sparse row form.

/// Follows stored by *followee*: for user `v`, `sources[offsets[v]..offsets[v+1]]`
/// are the users who follow `v`, sorted ascending and distinct.
///
/// Why incoming edges: the rank kernel *pulls* — each user's new score row
/// is a sum over its followers, written by one thread in a fixed order, so
/// results are bit-identical whatever the thread count and no atomics are
/// needed.
///
/// Invariants: `offsets.len() == users + 1`, `offsets[0] == 0`, offsets are
/// non-decreasing, `sources.len() == offsets[users] == edges`; `weights` is
/// either empty (every follow weighs 1) or as long as `sources`;
/// `out_weight[u]` is the total weight of the follows *of* `u` (its
/// out-degree when unweighted). No self-follows.
#[derive(Debug, Clone, Default)]
pub struct FollowerGraph {
    pub(crate) offsets: Vec<u64>,
    pub(crate) sources: Vec<u32>,
    pub(crate) weights: Vec<f32>,
    pub(crate) out_weight: Vec<f64>,
}

impl FollowerGraph {
    /// Number of users (nodes), including those with no follows.
    pub fn users(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of distinct follows (edges).
    pub fn edges(&self) -> u64 {
        self.sources.len() as u64
    }

    /// True when follows carry weights other than 1.
    pub fn is_weighted(&self) -> bool {
        !self.weights.is_empty()
    }

    /// The followers of `v`, ascending.
    pub fn followers(&self, v: u32) -> &[u32] {
        let (a, b) = self.range(v);
        &self.sources[a..b]
    }

    /// The weights of the follows into `v`, aligned with [`followers`](Self::followers);
    /// `None` when the graph is unweighted.
    pub fn follower_weights(&self, v: u32) -> Option<&[f32]> {
        if self.weights.is_empty() {
            return None;
        }
        let (a, b) = self.range(v);
        Some(&self.weights[a..b])
    }

    /// Number of followers of `v` (absolute influence).
    pub fn follower_count(&self, v: u32) -> u64 {
        let (a, b) = self.range(v);
        (b - a) as u64
    }

    /// Total weight of the follows made by `u`; 0 for users who follow nobody.
    pub fn out_weight(&self, u: u32) -> f64 {
        self.out_weight[u as usize]
    }

    /// The CSR offsets (`users + 1` entries).
    pub fn offsets(&self) -> &[u64] {
        &self.offsets
    }

    /// The follower column of the CSR.
    pub fn sources(&self) -> &[u32] {
        &self.sources
    }

    /// Bytes held by the graph.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.len() * 8
            + self.sources.len() * 4
            + self.weights.len() * 4
            + self.out_weight.len() * 8
    }

    fn range(&self, v: u32) -> (usize, usize) {
        (
            self.offsets[v as usize] as usize,
            self.offsets[v as usize + 1] as usize,
        )
    }
}
