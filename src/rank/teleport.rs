//! Where each market's random walk restarts.

use crate::graph::TopicTags;

/// Name of the absolute-influence market: ordinary PageRank, uniform
/// teleport over all users.
pub const GLOBAL_MARKET: &str = "_global";

/// Teleport vectors of all markets (score columns), stored by user so the
/// kernel adds them in the same sweep that writes a user's row.
///
/// Column `c`'s teleport probability at user `u` is `base[c]` plus the `prob`
/// of an entry `(c, prob)` in `u`'s list. Every column sums to 1.
#[derive(Debug, Clone)]
pub struct TopicTeleport {
    pub(crate) markets: Vec<String>,
    pub(crate) base: Vec<f64>,
    pub(crate) offsets: Vec<u64>,
    pub(crate) entries: Vec<(u32, f64)>,
    pub(crate) seeds: Vec<u64>,
}

impl TopicTeleport {
    /// Column 0 is [`GLOBAL_MARKET`] (uniform); column `t + 1` is topic `t`,
    /// with each tagged user's probability proportional to its tag weight.
    pub fn from_tags(tags: &TopicTags, users: usize) -> TopicTeleport {
        let k = tags.len() + 1;
        let mut markets = Vec::with_capacity(k);
        markets.push(GLOBAL_MARKET.to_string());
        markets.extend(tags.names().iter().cloned());
        let mut base = vec![0.0; k];
        base[0] = if users > 0 { 1.0 / users as f64 } else { 0.0 };
        let mut seeds = vec![users as u64];
        seeds.extend((0..tags.len() as u32).map(|t| tags.tagged_users(t)));
        let mut offsets = Vec::with_capacity(users + 1);
        let mut entries = Vec::with_capacity(tags.tags());
        offsets.push(0);
        for u in 0..users as u32 {
            for &(t, w) in tags.of_user(u) {
                entries.push((t + 1, w as f64 / tags.total_weight(t)));
            }
            offsets.push(entries.len() as u64);
        }
        TopicTeleport {
            markets,
            base,
            offsets,
            entries,
            seeds,
        }
    }

    /// Market (column) names.
    pub fn markets(&self) -> &[String] {
        &self.markets
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.markets.len()
    }

    /// True when there is no market at all.
    pub fn is_empty(&self) -> bool {
        self.markets.is_empty()
    }

    /// Users the teleport of column `c` restarts at.
    pub fn seed_users(&self, c: usize) -> u64 {
        self.seeds[c]
    }

    /// `(column, probability)` entries of user `u` beyond the uniform base.
    pub fn of_user(&self, u: u32) -> &[(u32, f64)] {
        let u = u as usize;
        &self.entries[self.offsets[u] as usize..self.offsets[u + 1] as usize]
    }

    /// Teleport probability of user `u` in column `c`.
    pub fn prob(&self, u: u32, c: usize) -> f64 {
        self.base[c]
            + self
                .of_user(u)
                .iter()
                .filter(|e| e.0 as usize == c)
                .map(|e| e.1)
                .sum::<f64>()
    }
}
