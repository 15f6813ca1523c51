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
    Ok(explain_many(snap, &[u], m)?
        .pop()
        .expect("one user, one explanation"))
}

/// [`explain`] for several users of one market, with one pass over the
/// follows for all of them instead of one each: the report explains each
/// market's top users, and at a billion follows a pass is what costs
/// (issue 23). Each explanation is the one [`explain`] gives, bit for bit:
/// a follower's normaliser sums the same weights in the same order however
/// many users share the pass. Memory: two numbers per column of the market
/// for each distinct follower of `users`.
pub fn explain_many(
    snap: &Snapshot,
    users: &[u32],
    m: usize,
) -> Result<Vec<Explanation>, ExplainError> {
    if !snap.has_model() {
        return Err(ExplainError::NoModel);
    }
    let meta = snap.metadata();
    let walk_rule = match (meta.parameters.walk, meta.parameters.topic_bias) {
        (crate::rank::WalkKind::TopicBiased, Some(epsilon)) => Walk::TopicBiased { epsilon },
        _ => Walk::Plain,
    };
    let parts = market_parts(snap, m)?;
    // One slot per distinct follower of the users explained.
    let n = snap.users();
    let mut slot = vec![u32::MAX; n];
    let mut slots = 0u32;
    for &u in users {
        for &f in snap.followers_of(u) {
            if slot[f as usize] == u32::MAX {
                slot[f as usize] = slots;
                slots += 1;
            }
        }
    }
    let z = normaliser_sums(snap, &slot, slots as usize, &parts);
    let is_global = |c: usize| meta.markets[c].name == GLOBAL_MARKET && c == 0;
    let epsilon = walk::epsilons(walk_rule, meta.markets.len(), is_global);
    let biased = matches!(walk_rule, Walk::TopicBiased { .. });
    let ctx = Context {
        snap,
        m,
        parts: &parts,
        epsilon: &epsilon,
        biased,
        is_global: &is_global,
    };
    Ok(users
        .iter()
        .map(|&u| ctx.explain_one(u, &slot, &z))
        .collect())
}

/// The topic columns behind market `m` with their mixing coefficients
/// (`m` itself with 1 for a topic or the global market).
fn market_parts(snap: &Snapshot, m: usize) -> Result<Vec<(usize, f64)>, ExplainError> {
    let meta = snap.metadata();
    let market = &meta.markets[m];
    if market.kind != crate::snapshot::MarketKind::Market {
        return Ok(vec![(m, 1.0)]);
    }
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
    Ok(mix_coefficients(&triples))
}

/// The followers' out-weights and, per part, affinity-weighted out-weights
/// (the pieces of `Z_t(f)`), for the followers with a slot: one scan over
/// all follows.
struct NormaliserSums {
    out_weight: Vec<f64>,
    aff_sum: Vec<f64>,
}

fn normaliser_sums(
    snap: &Snapshot,
    slot: &[u32],
    slots: usize,
    parts: &[(usize, f64)],
) -> NormaliserSums {
    let np = parts.len();
    let mut out_weight = vec![0f64; slots];
    let mut aff_sum = vec![0f64; slots * np];
    for v in 0..snap.users() as u32 {
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
    NormaliserSums {
        out_weight,
        aff_sum,
    }
}

/// What every explanation of one market shares.
struct Context<'a, G: Fn(usize) -> bool> {
    snap: &'a Snapshot,
    m: usize,
    parts: &'a [(usize, f64)],
    epsilon: &'a [f64],
    biased: bool,
    is_global: &'a G,
}

impl<G: Fn(usize) -> bool> Context<'_, G> {
    /// User `u`'s explanation, its followers' sums read through `slot`.
    fn explain_one(&self, u: u32, slot: &[u32], z: &NormaliserSums) -> Explanation {
        let (snap, m, parts) = (self.snap, self.m, self.parts);
        let meta = snap.metadata();
        let alpha = meta.parameters.damping;
        let n = snap.users();
        let np = parts.len();
        let followers = snap.followers_of(u);
        let weights = snap.follower_weights_of(u);
        let mut contributions = Vec::with_capacity(followers.len());
        for (i, &f) in followers.iter().enumerate() {
            let s = slot[f as usize] as usize;
            let w = weights.map_or(1.0, |w| w[i] as f64);
            let mut amount = 0.0;
            for (p, &(c, beta)) in parts.iter().enumerate() {
                let e = self.epsilon[c];
                let (bias, zf) = if self.biased {
                    let a = snap
                        .affinity_of(u)
                        .iter()
                        .find(|a| a.column as usize == c)
                        .map_or(0.0, |a| a.affinity as f64);
                    (
                        walk::bias(e, a),
                        walk::normaliser(e, z.out_weight[s], z.aff_sum[s * np + p]),
                    )
                } else {
                    (1.0, z.out_weight[s])
                };
                amount += beta * alpha * snap.score(f, c) * w * bias / zf;
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
                let base = if (self.is_global)(c) {
                    1.0 / n as f64
                } else {
                    0.0
                };
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
        Explanation {
            score,
            teleport,
            contributions,
        }
    }
}
