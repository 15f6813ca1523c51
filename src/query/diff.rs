//! What changed in a market between two snapshots: risers, fallers,
//! newcomers and departures.

use super::ranks::market_ranks;
use crate::snapshot::Snapshot;

/// One user's change between two runs (`None` where absent from one).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RankChange {
    /// External id.
    pub user: String,
    /// Rank in the old snapshot.
    pub old_rank: Option<u64>,
    /// Rank in the new snapshot.
    pub new_rank: Option<u64>,
    /// Score in the old snapshot.
    pub old_score: Option<f64>,
    /// Score in the new snapshot.
    pub new_score: Option<f64>,
}

impl RankChange {
    /// Positive when the user climbed (old rank − new rank).
    pub fn rank_delta(&self) -> Option<i64> {
        Some(self.old_rank? as i64 - self.new_rank? as i64)
    }
}

/// Changes in one market, each list ordered by size of change.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct MarketDiff {
    /// Users who climbed the most (among those in either top `k`).
    pub risers: Vec<RankChange>,
    /// Users who dropped the most.
    pub fallers: Vec<RankChange>,
    /// In the new top `k`, absent from the old snapshot.
    pub newcomers: Vec<RankChange>,
    /// In the old top `k`, absent from the new snapshot.
    pub departures: Vec<RankChange>,
}

/// A market one of the two snapshots lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no market `{market}` in the {} snapshot", if *.in_new { "new" } else { "old" })]
pub struct MissingMarket {
    /// The market.
    pub market: String,
    /// True when the new snapshot lacks it, false when the old one does.
    pub in_new: bool,
}

/// Compares market `market` of two snapshots over the users in either
/// top `k`, listing at most `limit` per kind.
pub fn diff_market(
    old: &Snapshot,
    new: &Snapshot,
    market: &str,
    k: usize,
    limit: usize,
) -> Result<MarketDiff, MissingMarket> {
    let missing = |in_new| MissingMarket {
        market: market.to_string(),
        in_new,
    };
    let mo = old.market_index(market).ok_or_else(|| missing(false))?;
    let mn = new.market_index(market).ok_or_else(|| missing(true))?;
    let (ro, rn) = (market_ranks(old, mo), market_ranks(new, mn));
    let mut seen = std::collections::HashSet::new();
    let mut changes = Vec::new();
    let mut consider = |id: &str| {
        if !seen.insert(id.to_string()) {
            return;
        }
        let o = old.user_index(id);
        let n = new.user_index(id);
        changes.push(RankChange {
            user: id.to_string(),
            old_rank: o.map(|u| ro[u as usize]),
            new_rank: n.map(|u| rn[u as usize]),
            old_score: o.map(|u| old.score(u, mo)),
            new_score: n.map(|u| new.score(u, mn)),
        });
    };
    for &u in old.order(mo).iter().take(k) {
        consider(old.user_id(u));
    }
    for &u in new.order(mn).iter().take(k) {
        consider(new.user_id(u));
    }
    let mut d = MarketDiff::default();
    for c in changes {
        match (c.old_rank, c.new_rank) {
            (None, Some(_)) => d.newcomers.push(c),
            (Some(_), None) => d.departures.push(c),
            (Some(_), Some(_)) if c.rank_delta() > Some(0) => d.risers.push(c),
            (Some(_), Some(_)) if c.rank_delta() < Some(0) => d.fallers.push(c),
            _ => {}
        }
    }
    d.risers
        .sort_by_key(|c| (std::cmp::Reverse(c.rank_delta()), c.new_rank));
    d.fallers.sort_by_key(|c| (c.rank_delta(), c.old_rank));
    d.newcomers.sort_by_key(|c| c.new_rank);
    d.departures.sort_by_key(|c| c.old_rank);
    for list in [
        &mut d.risers,
        &mut d.fallers,
        &mut d.newcomers,
        &mut d.departures,
    ] {
        list.truncate(limit);
    }
    Ok(d)
}
