//! [`RankIndex`]: every user's rank in every market, precomputed, so that a
//! lookup reads its rank and percentile instead of searching for them.
//!
//! Without it a [`Snapshot::standing`] is a binary search over the market's
//! order (about 24 dependent random reads at 10M users) and a galloping
//! search over the users tied with the one asked for, and a lookup that
//! also shows the global rank does it twice: ~10 µs, which kept the lookup
//! service under 50,000 lookups/s on two cores (issue 19). With it a
//! standing is one read (the user's rank slot) besides the score, two for
//! a user tied with others (the slot names its tie group, which holds where
//! the group starts and ends in the order).
//!
//! Cost: 4 bytes per user and market (680 MB at 10M users × 17 markets),
//! plus 8 bytes per tie group of more than one user (f32 scores tie often:
//! 10M groups holding 30% of the users at 10M × 17), built in one pass over
//! each market's stored order (markets in parallel). `serve` builds one per
//! loaded snapshot unless told not to (`--no-rank-index`): measured in
//! BENCHMARKS.md, "Lookup service".

use super::ranks::for_each_tie_group;
use crate::snapshot::Snapshot;
use crate::snapshot::UserStanding;
use rayon::prelude::*;

/// The flag on a rank slot whose user shares its score with others.
const TIED: u32 = 1 << 31;

/// Ranks of every user in every market of one snapshot (see the module
/// docs). Answers only for the snapshot it was built from.
pub struct RankIndex {
    users: usize,
    /// Market-major: slot `m · users + u` holds the number of users with a
    /// higher score than `u` in market `m`; or, with [`TIED`] set, the
    /// number of `u`'s tie group in `ties[m]`. Market-major so that each
    /// market's column is built by one thread without sharing cache lines
    /// with another.
    slots: Vec<u32>,
    /// Per market, every tie group of two or more users, in order: where it
    /// starts in the order (its users' "higher" count) and one past its end.
    ties: Vec<Vec<(u32, u32)>>,
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
        let ties: Vec<Vec<(u32, u32)>> = if users == 0 {
            vec![Vec::new(); k]
        } else {
            slots
                .par_chunks_mut(users)
                .enumerate()
                .map(|(m, column)| fill_column(snap, m, column))
                .collect()
        };
        Some(RankIndex { users, slots, ties })
    }

    /// Bytes held (slots and tie groups), for logs and `/metrics`.
    pub fn bytes(&self) -> usize {
        self.slots.len() * 4 + self.ties.iter().map(|t| t.capacity() * 8).sum::<usize>()
    }

    /// Number of users with a higher score than `u` in market `m`, and
    /// one past the last position of `u`'s tie group in the order (the
    /// users that do not score lower).
    #[inline]
    fn counts(&self, u: u32, m: usize) -> (u32, u32) {
        let slot = self.slots[m * self.users + u as usize];
        if slot & TIED == 0 {
            return (slot, slot + 1);
        }
        self.ties[m][(slot & !TIED) as usize]
    }

    /// Competition rank of `u` in market `m`: what [`Snapshot::rank`]
    /// returns, in one or two reads.
    #[inline]
    pub fn rank(&self, u: u32, m: usize) -> u64 {
        self.counts(u, m).0 as u64 + 1
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
fn fill_column(snap: &Snapshot, m: usize, column: &mut [u32]) -> Vec<(u32, u32)> {
    let mut ties = Vec::new();
    for_each_tie_group(snap, m, |start, end, users| {
        // Fewer groups than users, so a group number fits beside the flag.
        let slot = if users.len() > 1 {
            ties.push((start as u32, end as u32));
            (ties.len() - 1) as u32 | TIED
        } else {
            start as u32
        };
        for &u in users {
            column[u as usize] = slot;
        }
    });
    ties.shrink_to_fit();
    ties
}
