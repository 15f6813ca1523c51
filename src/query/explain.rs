//! Why a user scores what they score in a market: the followers whose
//! endorsement carries the score, with their shares.
//!
//! At the fixed point, user `u`'s score in topic `t` is
//!
//! ```text
//! x_t[u] = Σ_{f follows u} α · x_t[f] · w(f→u) · b_t(u) / Z_t(f)  +  c_t · p_t[u]
//! ```
//!
//! (`b_t(u) = ε + affinity`, `Z_t(f)` the follower's total biased weight; 1 and
//! out-weight for the plain walk; `c_t · p_t[u]` is the teleport part). Each
//! term of the sum is one follower's contribution. A composed market mixes
//! its topics' contributions with the same coefficients as its scores.

use crate::rank::{mix_coefficients, walk, Walk};
use crate::snapshot::Snapshot;
use crate::GLOBAL_MARKET;

/// One follower's part of a user's score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contribution {
    /// The follower (user index).
    pub follower: u32,
    /// Score passed to the user.
    pub amount: f64,
    /// `amount` / the user's score.
    pub share: f64,
}

/// A user's score split into follower contributions and teleport.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// The user's score in the market.
    pub score: f64,
    /// Mass that arrives by teleport (being a seed of the market).
    pub teleport: f64,
    /// Every follower's contribution, largest first.
    pub contributions: Vec<Contribution>,
}

impl Explanation {
    /// Sum of all follower contributions.
    pub fn from_followers(&self) -> f64 {
        self.contributions.iter().map(|c| c.amount).sum()
    }
}

/// Why a score cannot be explained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    /// The snapshot carries no graph (a sharded part, or an old file).
    #[error("this snapshot was written without its graph; rerun `marketrank rank` to explain")]
    NoModel,
    /// A composed market names a topic the snapshot lacks.
    #[error("topic `{0}` of the composed market is missing from the snapshot")]
    MissingTopic(String),
}

/// Explains user `u`'s score in market column `m`. The snapshot must carry
/// its graph ([`Snapshot::has_model`]); one pass over the follows finds the
/// followers' normalisers.
pub fn explain(snap: &Snapshot, u: u32, m: usize) -> Result<Explanation, ExplainError> {
    if !snap.has_model() {
        return Err(ExplainError::NoModel);
    }
    let meta = snap.metadata();
    let alpha = meta.parameters.damping;
    let walk_rule = match (meta.parameters.walk, meta.parameters.topic_bias) {
        (crate::rank::WalkKind::TopicBiased, Some(epsilon)) => Walk::TopicBiased { epsilon },
        _ => Walk::Plain,
    };
    let biased = matches!(walk_rule, Walk::TopicBiased { .. });
    // The topic columns behind market m, with mixing coefficients.
    let market = &meta.markets[m];
    let parts: Vec<(usize, f64)> = if market.kind == crate::snapshot::MarketKind::Market {
        let triples: Vec<(usize, f64, f64)> = market
            .composition
            .iter()
            .map(|(t, w)| {
                let c = snap
                    .market_index(t)
                    .ok_or_else(|| ExplainError::MissingTopic(t.clone()))?;
                Ok((c, *w, meta.markets[c].restart))
            })
            .collect::<Result<_, ExplainError>>()?;
        mix_coefficients(&triples)
    } else {
        vec![(m, 1.0)]
    };
    let followers = snap.followers_of(u);
    let weights = snap.follower_weights_of(u);
    // Normalisers Z_t(f) for u's followers: one scan over all follows.
    let n = snap.users();
    let mut slot = vec![u32::MAX; n];
    for (i, &f) in followers.iter().enumerate() {
        slot[f as usize] = i as u32;
    }
    let np = parts.len();
    let mut out_weight = vec![0f64; followers.len()];
    let mut aff_sum = vec![0f64; followers.len() * np];
    for v in 0..n as u32 {
        let fv = snap.followers_of(v);
        let wv = snap.follower_weights_of(v);
        let aff = snap.affinity_of(v);
        for (j, &f) in fv.iter().enumerate() {
            let s = slot[f as usize];
            if s == u32::MAX {
                continue;
            }
            let w = wv.map_or(1.0, |w| w[j] as f64);
            out_weight[s as usize] += w;
            for (p, &(c, _)) in parts.iter().enumerate() {
                if let Some(a) = aff.iter().find(|a| a.column as usize == c) {
                    aff_sum[s as usize * np + p] += w * a.affinity as f64;
                }
            }
        }
    }
    let is_global = |c: usize| meta.markets[c].name == GLOBAL_MARKET && c == 0;
    let epsilon = walk::epsilons(walk_rule, meta.markets.len(), is_global);
    let mut contributions = Vec::with_capacity(followers.len());
    for (i, &f) in followers.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i] as f64);
        let mut amount = 0.0;
        for (p, &(c, beta)) in parts.iter().enumerate() {
            let e = epsilon[c];
            let (bias, z) = if biased {
                let a = snap
                    .affinity_of(u)
                    .iter()
                    .find(|a| a.column as usize == c)
                    .map_or(0.0, |a| a.affinity as f64);
                (
                    walk::bias(e, a),
                    walk::normaliser(e, out_weight[i], aff_sum[i * np + p]),
                )
            } else {
                (1.0, out_weight[i])
            };
            amount += beta * alpha * snap.score(f, c) * w * bias / z;
        }
        contributions.push(Contribution {
            follower: f,
            amount,
            share: 0.0,
        });
    }
    let score = snap.score(u, m);
    let teleport: f64 = parts
        .iter()
        .map(|&(c, beta)| {
            let base = if is_global(c) { 1.0 / n as f64 } else { 0.0 };
            let p = base
                + snap
                    .teleport_of(u)
                    .iter()
                    .filter(|t| t.column as usize == c)
                    .map(|t| t.prob)
                    .sum::<f64>();
            beta * meta.markets[c].restart * p
        })
        .sum();
    for c in &mut contributions {
        c.share = if score > 0.0 { c.amount / score } else { 0.0 };
    }
    contributions.sort_by(|a, b| {
        b.amount
            .total_cmp(&a.amount)
            .then(a.follower.cmp(&b.follower))
    });
    Ok(Explanation {
        score,
        teleport,
        contributions,
    })
}
