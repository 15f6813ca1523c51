//! Markets as weighted mixes of topics, composed from per-topic results
//! without another iteration.
//!
//! A market's scores are `x_t = c_t · y_t` with `y_t = (I − α P_tᵀ)⁻¹ p_t`
//! and `c_t` the teleport mass per step (`restart`, recorded per market).
//! For a mix `Σ w_i · topic_i`, the walker that restarts in topic `i` with
//! probability `w_i` has stationary distribution
//! `Σ w_i y_i / Σ w_i |y_i| = Σ (w_i / c_i) x_i / Σ (w_i / c_i)`.
//! Under the plain walk this is exactly PageRank with the mixed teleport
//! `Σ w_i p_i` (dangling mass included); under the topic-biased walk each
//! walker keeps its topic's bias until it restarts.

use super::result::{MarketConvergence, RankResult, ScoreBlock};

/// A market defined as a weighted mix of topics.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketMix {
    /// Market name.
    pub name: String,
    /// `(topic name, weight)`, weights positive.
    pub parts: Vec<(String, f64)>,
}

/// A mix that cannot be composed from the ranked topics.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// The mix has a topic's name, so its column would be ambiguous.
    #[error("market `{0}` has the name of a topic; choose another name")]
    NameTaken(String),
    /// The mix uses a topic that was not ranked.
    #[error("market `{market}` uses unknown topic `{topic}`")]
    UnknownTopic {
        /// The mix.
        market: String,
        /// The topic it names.
        topic: String,
    },
}

/// Mixing coefficients `β_i = (w_i / c_i) / Σ_j (w_j / c_j)` over result
/// columns, from `(column, weight, restart)` triples.
pub fn mix_coefficients(parts: &[(usize, f64, f64)]) -> Vec<(usize, f64)> {
    let total: f64 = parts.iter().map(|&(_, w, c)| w / c).sum();
    parts
        .iter()
        .map(|&(col, w, c)| (col, (w / c) / total))
        .collect()
}

/// Resolves a mix's topic names to columns of `result`, with a message
/// naming the unknown topic.
pub fn resolve(
    result: &RankResult,
    mix: &MarketMix,
) -> Result<Vec<(usize, f64, f64)>, ComposeError> {
    if result.market_index(&mix.name).is_some() {
        return Err(ComposeError::NameTaken(mix.name.clone()));
    }
    mix.parts
        .iter()
        .map(|(t, w)| {
            let c = result
                .market_index(t)
                .ok_or_else(|| ComposeError::UnknownTopic {
                    market: mix.name.clone(),
                    topic: t.clone(),
                })?;
            Ok((c, *w, result.convergence[c].restart))
        })
        .collect()
}

/// Adds one column per mix to `result`, computed from the topic columns.
pub fn append_markets(result: RankResult, mixes: &[MarketMix]) -> Result<RankResult, ComposeError> {
    if mixes.is_empty() {
        return Ok(result);
    }
    let coefs: Vec<Vec<(usize, f64)>> = mixes
        .iter()
        .map(|m| resolve(&result, m).map(|p| mix_coefficients(&p)))
        .collect::<Result<_, _>>()?;
    let (n, k) = (result.users(), result.k());
    let k2 = k + mixes.len();
    let row = |u: usize, out: &mut Vec<f64>| {
        out.clear();
        out.extend((0..k).map(|c| result.score(u, c)));
        for co in &coefs {
            let v: f64 = co.iter().map(|&(c, b)| b * out[c]).sum();
            out.push(v);
        }
    };
    let mut buf = Vec::with_capacity(k2);
    let scores = match &result.scores {
        ScoreBlock::F32(_) => {
            let mut v = Vec::with_capacity(n * k2);
            for u in 0..n {
                row(u, &mut buf);
                v.extend(buf.iter().map(|&x| x as f32));
            }
            ScoreBlock::F32(v)
        }
        ScoreBlock::F64(_) => {
            let mut v = Vec::with_capacity(n * k2);
            for u in 0..n {
                row(u, &mut buf);
                v.extend_from_slice(&buf);
            }
            ScoreBlock::F64(v)
        }
    };
    let mut markets = result.markets.clone();
    let mut convergence = result.convergence.clone();
    for (m, co) in mixes.iter().zip(&coefs) {
        markets.push(m.name.clone());
        let parts: Vec<&MarketConvergence> =
            co.iter().map(|&(c, _)| &result.convergence[c]).collect();
        convergence.push(MarketConvergence {
            iterations: parts.iter().map(|p| p.iterations).max().unwrap_or(0),
            residual: co
                .iter()
                .zip(&parts)
                .map(|(&(_, b), p)| b * p.residual)
                .sum(),
            converged: parts.iter().all(|p| p.converged),
            restart: 1.0
                / co.iter()
                    .map(|&(c, b)| b / result.convergence[c].restart)
                    .sum::<f64>(),
        });
    }
    Ok(RankResult {
        markets,
        scores,
        convergence,
        iterations: result.iterations,
    })
}
