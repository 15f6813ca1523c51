//! [`RankIndex`]: every user's rank in every market, precomputed, so that a
//! lookup reads its rank and percentile instead of searching for them.
//!
//! Without it a [`Snapshot::standing`] is a binary search over the market's
//! order (about 24 dependent random reads at 10M users) and a galloping
//! search over the users tied with the one asked for, and a lookup that
//! also shows the global rank does it twice: ~10 µs, which kept the lookup
//! service under 50,000 lookups/s on two cores (issue 19). With it a
//! standing is two reads (the user's rank slot and, for a tied user only,
//! the end of its tie group) besides the score.
//!
//! Cost: 4 bytes per user and market (680 MB at 10M users × 17 markets),
//! plus 8 bytes per tie group of more than one user, built in one pass over
//! each market's stored order (markets in parallel). `serve` builds one per
//! loaded snapshot unless told not to (`--no-rank-index`): measured in
//! BENCHMARKS.md, "Lookup service".

use crate::snapshot::Snapshot;
use crate::snapshot::UserStanding;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// The flag on a rank slot whose user shares its score with others.
const TIED: u32 = 1 << 31;

/// Ranks of every user in every market of one snapshot (see the module
/// docs). Answers only for the snapshot it was built from.
pub struct RankIndex {
    users: usize,
    /// Market-major: slot `m · users + u` holds the number of users with a
    /// higher score than `u` in market `m`, with [`TIED`] set when others
    /// share `u`'s score. Market-major so that each market's column is
    /// built by one thread without sharing cache lines with another.
    slots: Vec<u32>,
    /// Per market, the start of every tie group of two or more users (its
    /// users' "higher" count) → one past its end in the order.
    tie_ends: Vec<FxHashMap<u32, u32>>,
}

impl RankIndex {
    /// Builds the index from each market's stored order; `None` for a
    /// snapshot of 2³¹ users or more, whose counts do not fit beside the
    /// flag (its lookups keep searching).
    pub fn build(snap: &Snapshot) -> Option<RankIndex> {
        let users = snap.users();
        if users >= TIED as usize {
            return None;
        }
        let k = snap.markets().len();
        let mut slots = vec![0u32; users * k];
        let tie_ends: Vec<FxHashMap<u32, u32>> = if users == 0 {
            vec![FxHashMap::default(); k]
        } else {
            slots
                .par_chunks_mut(users)
                .enumerate()
                .map(|(m, column)| fill_column(snap, m, column))
                .collect()
        };
        Some(RankIndex {
            users,
            slots,
            tie_ends,
        })
    }

    /// Bytes held (slots and tie groups), for logs and `/metrics`.
    pub fn bytes(&self) -> usize {
        self.slots.len() * 4
            + self
                .tie_ends
                .iter()
                .map(|t| t.capacity() * 8)
                .sum::<usize>()
    }

    /// Number of users with a higher score than `u` in market `m`, and
    /// one past the last position of `u`'s tie group in the order (the
    /// users that do not score lower).
    #[inline]
    fn counts(&self, u: u32, m: usize) -> (u32, u32) {
        let slot = self.slots[m * self.users + u as usize];
        let higher = slot & !TIED;
        if slot & TIED == 0 {
            return (higher, higher + 1);
        }
        (higher, self.tie_ends[m][&higher])
    }

    /// Competition rank of `u` in market `m`: what [`Snapshot::rank`]
    /// returns, in one read.
    #[inline]
    pub fn rank(&self, u: u32, m: usize) -> u64 {
        (self.slots[m * self.users + u as usize] & !TIED) as u64 + 1
    }

    /// Score, rank and percentile of `u` in market `m` of `snap` (the
    /// snapshot this index was built from): what [`Snapshot::standing`]
    /// returns, without its searches.
    #[inline]
    pub fn standing(&self, snap: &Snapshot, u: u32, m: usize) -> UserStanding {
        let (higher, not_lower) = self.counts(u, m);
        UserStanding {
            score: snap.score(u, m),
            rank: higher as u64 + 1,
            percentile: 100.0 * (self.users - not_lower as usize) as f64 / self.users.max(1) as f64,
        }
    }
}

/// Fills market `m`'s column from its order; returns its tie groups.
fn fill_column(snap: &Snapshot, m: usize, column: &mut [u32]) -> FxHashMap<u32, u32> {
    let order = snap.order(m);
    let mut ties = FxHashMap::default();
    let mut i = 0;
    while i < order.len() {
        let s = snap.score(order[i], m);
        // `j` starts past `i`, so a score equal to nothing (NaN in a file
        // opened without its checks) still moves on (as `market_ranks`).
        let mut j = i + 1;
        while j < order.len() && snap.score(order[j], m) == s {
            j += 1;
        }
        let flag = if j - i > 1 {
            ties.insert(i as u32, j as u32);
            TIED
        } else {
            0
        };
        for &u in &order[i..j] {
            column[u as usize] = i as u32 | flag;
        }
        i = j;
    }
    ties
}
