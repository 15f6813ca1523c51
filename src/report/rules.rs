//! Who the report calls a specialist, a celebrity or a micro-influencer.
//! One place for each rule, so the scatter's colours, the legend, the
//! tables and the README say the same thing (issue 23: the legend promised
//! green specialists, but the scatter used another rule and drew none).

use crate::snapshot::Snapshot;

/// Size of the top lists that decide who is a specialist: the report's
/// `--top` (at least 10), at most every user. The market comparison and the
/// scatter use the same `k`, so a green point is a user the comparison
/// table would list.
pub(super) fn specialist_k(top: usize, users: usize) -> usize {
    top.max(10).min(users)
}

/// Specialist of "here" against "there": in the top `k` here (rank ≤ k)
/// but not in the top `k` there — `marketrank compare`'s notion (its
/// specialists are picked from one market's top k by their rank in the
/// other). A celebrity of a market is a specialist of the global market
/// against it.
pub(super) fn is_specialist(rank_here: u64, rank_there: u64, k: usize) -> bool {
    rank_here <= k as u64 && rank_there > k as u64
}

/// Standing that makes a candidate micro-influencer: the market's top 1%
/// (percentile ≥ 99, percentile = share of users with a strictly lower
/// score).
pub const MICRO_PERCENTILE: f64 = 99.0;

/// Most accounts in the reference group whose follower counts set the bar.
pub const MICRO_REFERENCE: usize = 100;

/// Market `m`'s micro-influencers: high standing in the market, few
/// followers — the people a company that sorts by follower count misses.
///
/// Rule: percentile ≥ [`MICRO_PERCENTILE`] in the market, and fewer than
/// half the median follower count of the market's top [`MICRO_REFERENCE`]
/// accounts by market rank. On a graph under 10,000 users 100 accounts
/// would be most of a market (on the bundled sample, the whole of it, with
/// a median of 4 followers), so the reference group is then the market's
/// top 1% instead: `ceil(users / 100)` accounts, at most 100. Half the
/// median, not the median itself, because half of any group sits below its
/// own median: the bar must single out accounts with clearly fewer
/// followers than the market's leaders, not the lower half of the leaders.
pub(super) struct MicroInfluencers {
    /// Size of the reference group.
    pub reference: usize,
    /// Median follower count of the reference group.
    pub median_followers: f64,
    /// Users in the market's top 1% with fewer followers than
    /// `median_followers / 2`, in market order, at most the `limit` asked.
    pub users: Vec<u32>,
    /// How many qualify in all (may exceed `users.len()`).
    pub qualifying: usize,
}

/// Finds market `m`'s micro-influencers (see [`MicroInfluencers`]),
/// keeping the first `limit` by market rank. Walks the market's order
/// only as far as the top 1% reaches, so the cost is bounded by 1% of the
/// users, not all of them.
pub(super) fn micro_influencers(snap: &Snapshot, m: usize, limit: usize) -> MicroInfluencers {
    let n = snap.users();
    let order = snap.order(m);
    let reference = n.div_ceil(100).clamp(1, MICRO_REFERENCE).min(order.len());
    let mut followers: Vec<u64> = order[..reference]
        .iter()
        .map(|&u| snap.followers(u))
        .collect();
    followers.sort_unstable();
    let median_followers = match followers.len() {
        0 => 0.0,
        l if l % 2 == 1 => followers[l / 2] as f64,
        l => (followers[l / 2 - 1] + followers[l / 2]) as f64 / 2.0,
    };
    let mut out = MicroInfluencers {
        reference,
        median_followers,
        users: Vec::new(),
        qualifying: 0,
    };
    for &u in order {
        if snap.standing(u, m).percentile < MICRO_PERCENTILE {
            break;
        }
        if (snap.followers(u) as f64) < median_followers / 2.0 {
            out.qualifying += 1;
            if out.users.len() < limit {
                out.users.push(u);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specialists_are_top_k_here_and_not_there() {
        let k = specialist_k(20, 523);
        assert_eq!(k, 20);
        assert!(is_specialist(1, 21, k));
        assert!(is_specialist(20, 500, k));
        assert!(!is_specialist(21, 500, k), "not top k here");
        assert!(!is_specialist(3, 20, k), "top k in both");
        assert_eq!(specialist_k(3, 523), 10);
        assert_eq!(specialist_k(20, 5), 5);
    }
}
