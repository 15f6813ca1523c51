//! What a person sees for a (user, market): relative and absolute
//! influence side by side.

use super::rank_index::RankIndex;
use crate::snapshot::Snapshot;
use crate::GLOBAL_MARKET;

/// A user's standing in one market, with the numbers a CRM agent needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct UserView {
    /// Market score: PageRank probability, summing to 1 over users.
    pub score: f64,
    /// Rank in the market (1 = most influential; ties share a rank).
    pub rank: u64,
    /// Share of users with a strictly lower score, in percent.
    pub percentile: f64,
    /// 0–100 influence scale, see [`influence_scale`].
    pub influence: f64,
    /// Follower count (absolute influence).
    pub followers: u64,
    /// Rank in the global (uniform-teleport) PageRank.
    pub global_rank: u64,
    /// Market score over global score: above 1 means the user matters more
    /// inside this market than in the graph at large.
    pub lift: f64,
}

/// Maps a score to 0–100: `clamp(50 + 10 · log10(score · users), 0, 100)`.
///
/// `score · users` is the score relative to an average user (1 = average),
/// so the scale means the same thing after the graph grows, unlike a raw
/// probability that shrinks as users are added (the idea behind Twitter's
/// TweepCred, `130 + 5.21 ln PageRank`, normalised by size). 50 is an
/// average user, 60 ten times average, 100 a hundred thousand times; a
/// score of 0 maps to 0.
pub fn influence_scale(score: f64, users: usize) -> f64 {
    if score <= 0.0 || users == 0 {
        return 0.0;
    }
    (50.0 + 10.0 * (score * users as f64).log10()).clamp(0.0, 100.0)
}

/// The tier a support desk reads: `top 1%`, `top 5%`, `top 10%`,
/// `top 25%` or `rest`, from the market percentile (the share of users
/// with a lower score). One definition for `enrich` and `publish`.
pub fn tier(percentile: f64) -> &'static str {
    match percentile {
        p if p >= 99.0 => "top 1%",
        p if p >= 95.0 => "top 5%",
        p if p >= 90.0 => "top 10%",
        p if p >= 75.0 => "top 25%",
        _ => "rest",
    }
}

/// The full view of user `u` in market column `m`.
pub fn user_view(snap: &Snapshot, u: u32, m: usize) -> UserView {
    view(snap, None, u, m)
}

/// [`user_view`] with ranks and percentiles read from `ranks` (built from
/// `snap`) instead of searched for: what the lookup service answers.
pub fn user_view_indexed(snap: &Snapshot, ranks: &RankIndex, u: u32, m: usize) -> UserView {
    view(snap, Some(ranks), u, m)
}

fn view(snap: &Snapshot, ranks: Option<&RankIndex>, u: u32, m: usize) -> UserView {
    let st = match ranks {
        Some(r) => r.standing(snap, u, m),
        None => snap.standing(u, m),
    };
    let g = snap.market_index(GLOBAL_MARKET);
    let (global_rank, global_score) = match g {
        Some(g) if g == m => (st.rank, st.score),
        Some(g) => (
            ranks.map_or_else(|| snap.rank(u, g), |r| r.rank(u, g)),
            snap.score(u, g),
        ),
        None => (0, 0.0),
    };
    UserView {
        score: st.score,
        rank: st.rank,
        percentile: st.percentile,
        influence: influence_scale(st.score, snap.users()),
        followers: snap.followers(u),
        global_rank,
        lift: if global_score > 0.0 {
            st.score / global_score
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::influence_scale;

    #[test]
    fn scale_is_relative_to_the_average_user() {
        assert_eq!(influence_scale(1e-6, 1_000_000), 50.0);
        assert_eq!(influence_scale(1e-2, 1_000), 60.0);
        assert_eq!(influence_scale(0.0, 10), 0.0);
        assert_eq!(influence_scale(0.9, 1_000_000_000), 100.0);
        assert_eq!(influence_scale(1e-12, 1_000), 0.0);
    }
}
