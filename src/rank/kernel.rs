//! The pull kernel: one sweep over the incoming-edge CSR per iteration
//! updates every market's column.
//!
//! Layout: scores are node-major blocks whose rows are padded to a power of
//! two or whole cache lines and 64-byte aligned ([`block`](super::block)),
//! with a small second region for a few markets past a whole line
//! ([`layout`](super::layout)), so a follower's row touches as few cache
//! lines as possible and the inner loop is a fixed-width vector add.
//!
//! What a row stores for a user who follows someone is the score already
//! divided by what the user splits it over (out-weight, or the biased
//! walk's per-market normaliser Z): exactly what followees gather, so an
//! iteration is a plain sum of rows with no separate division pass. Users
//! who follow nobody are never gathered; their rows hold the score itself.
//!
//! Determinism: rows are summed by one thread each, in CSR order, and the
//! per-market totals (dangling mass, residuals) are summed per fixed chunk
//! and then over chunks in chunk order. Chunk boundaries depend on the graph
//! only, never on the thread count, so the bytes are the same with 1 thread
//! or 64.

use super::block::Block;
use super::config::{Method, Precision, RankConfig, Walk};
use super::extrapolate;
use super::layout::Layout;
use super::pass::{pass_fn, Pass, PassSums};
use super::real::Real;
use super::result::{MarketConvergence, RankResult};
use super::teleport::TopicTeleport;
use super::walk;
use crate::graph::FollowerGraph;
use rayon::prelude::*;
use std::borrow::Cow;
use std::ops::Range;

/// Work per parallel chunk, in edges + users: large enough to amortise
/// scheduling, small enough to balance skewed graphs on many cores.
const CHUNK_WORK: u64 = 1 << 15;

/// Runs the power iteration for every market of `teleport` over `graph`, in
/// the current rayon thread pool.
///
/// # Panics
/// If `teleport` was built for another number of users, or `config` is
/// invalid (call [`RankConfig::validate`] first).
pub fn rank(graph: &FollowerGraph, teleport: &TopicTeleport, config: &RankConfig) -> RankResult {
    rank_from(graph, teleport, config, None)
}

/// Like [`rank`], starting from `start` (users × markets, node-major; NaN
/// where there is no previous value, e.g. a new user or market) instead of
/// the teleport vectors: a warm start from the previous run of a periodic
/// recompute. Each market's start is completed with teleport mass for what
/// is missing and normalised to sum 1; the fixed point is the same.
///
/// # Panics
/// As [`rank`], and if `start` does not have users × markets values.
pub fn rank_from(
    graph: &FollowerGraph,
    teleport: &TopicTeleport,
    config: &RankConfig,
    start: Option<&[f32]>,
) -> RankResult {
    rank_observed(graph, teleport, config, start.map(Cow::Borrowed), &|_| {})
}

/// What one finished iteration reports to an observer (progress displays).
#[derive(Debug, Clone, Copy)]
pub struct IterationReport {
    /// Iterations done.
    pub iteration: u32,
    /// Markets still iterating after this one.
    pub active: usize,
    /// Largest L1 change among the markets that iterated.
    pub max_residual: f64,
}

/// Like [`rank_from`], calling `observe` after every iteration. An owned
/// `start` is dropped as soon as it is copied into the first iterate, so a
/// warm start costs no memory beyond the block it arrives in, and that only
/// until the second score block is allocated.
pub fn rank_observed(
    graph: &FollowerGraph,
    teleport: &TopicTeleport,
    config: &RankConfig,
    start: Option<Cow<'_, [f32]>>,
    observe: &dyn Fn(&IterationReport),
) -> RankResult {
    let owned = graph.users();
    rank_partition(graph, teleport, config, start, owned, &mut Alone, observe)
}

/// The points where the workers of a partitioned run trade data: a worker
/// owns users `0..owned` of its graph and holds *ghost* rows (`owned..`)
/// for the followers it needs from other workers. The single-process engine
/// is [`Alone`], for which all three are no-ops; a cluster implements them
/// with message rounds, so both run the very same iteration.
pub(crate) trait Peers {
    /// Element-wise sum of `local` over all workers, the same bits on each.
    fn sum(&mut self, local: Vec<f64>) -> Vec<f64>;
    /// Adds the ghost rows of `z` (rows of `k`, f64) into their owners' rows.
    fn add_to_owners(&mut self, z: &mut [f64], k: usize);
    /// Overwrites the ghost rows of `x` with their owners' current rows.
    fn share_rows<T: Real>(&mut self, x: &mut [T], lay: &Layout);
}

/// One process owning every user.
pub(crate) struct Alone;

impl Peers for Alone {
    fn sum(&mut self, local: Vec<f64>) -> Vec<f64> {
        local
    }
    fn add_to_owners(&mut self, _: &mut [f64], _: usize) {}
    fn share_rows<T: Real>(&mut self, _: &mut [T], _: &Layout) {}
}

/// Like [`rank_observed`] for a worker that owns users `0..owned` of
/// `graph` (the rest are ghosts, see [`Peers`]); returns the owned rows.
pub(crate) fn rank_partition<P: Peers>(
    graph: &FollowerGraph,
    teleport: &TopicTeleport,
    config: &RankConfig,
    start: Option<Cow<'_, [f32]>>,
    owned: usize,
    peers: &mut P,
    observe: &dyn Fn(&IterationReport),
) -> RankResult {
    config.validate().expect("invalid RankConfig");
    assert!(owned <= graph.users());
    assert!(
        start.is_none() || owned == graph.users(),
        "warm starts are single-process"
    );
    if let Some(s) = &start {
        assert_eq!(
            s.len(),
            graph.users() * teleport.len(),
            "start block has the wrong size"
        );
    }
    assert_eq!(
        teleport.offsets.len(),
        graph.users() + 1,
        "teleport built for another graph"
    );
    let (n, k) = (graph.users(), teleport.len());
    match config.precision {
        Precision::F32 => {
            let lay = Layout::new(n, k, 4);
            match (lay.l, lay.sb) {
                (1, _) => {
                    run::<f32, 1, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (2, _) => {
                    run::<f32, 2, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (4, _) => {
                    run::<f32, 4, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (8, _) => {
                    run::<f32, 8, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, 0) => {
                    run::<f32, 16, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, 1) => {
                    run::<f32, 16, 1, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, 2) => {
                    run::<f32, 16, 2, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, 4) => {
                    run::<f32, 16, 4, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, _) => {
                    run::<f32, 16, 8, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
            }
        }
        Precision::F64 => {
            let lay = Layout::new(n, k, 8);
            match (lay.l, lay.sb) {
                (1, _) => {
                    run::<f64, 1, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (2, _) => {
                    run::<f64, 2, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (4, _) => {
                    run::<f64, 4, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, 0) => {
                    run::<f64, 8, 0, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, 1) => {
                    run::<f64, 8, 1, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, 2) => {
                    run::<f64, 8, 2, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
                (_, _) => {
                    run::<f64, 8, 4, P>(graph, teleport, config, lay, start, owned, peers, observe)
                }
            }
        }
    }
}

/// Bytes of one chunk's gather buffer (its rows × the row width) beyond
/// which a chunk is cut: a pass holds one such buffer per running chunk,
/// so without the cap a graph with few follows and many markets (600
/// users, 200,000 topics) ran its single chunk with a gather buffer as
/// large as a score block, 33% over the memory estimate (issue 18).
pub(crate) const CHUNK_GATHER_BYTES: usize = 4 << 20;

/// About how many chunks [`chunks`] makes for `users` and `edges` with rows
/// of `row_bytes` (for the memory estimate, before the graph exists).
pub(crate) fn chunk_count_estimate(users: u64, edges: u64, row_bytes: u64) -> u64 {
    let max_rows = (CHUNK_GATHER_BYTES as u64 / row_bytes.max(1)).max(1);
    users
        .div_ceil(max_rows)
        .max((edges + users).div_ceil(CHUNK_WORK))
        + 1
}

/// Splits users `0..n` into chunks of about [`CHUNK_WORK`] edges + users,
/// and at most [`CHUNK_GATHER_BYTES`] of rows of `row_bytes`. Depends on the
/// graph and the layout only, never on the thread count.
fn chunks(graph: &FollowerGraph, n: usize, row_bytes: usize) -> Vec<Range<usize>> {
    let off = graph.offsets();
    let max_rows = (CHUNK_GATHER_BYTES / row_bytes.max(1)).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n
            && end - start < max_rows
            && (off[end] - off[start]) + (end - start) as u64 <= CHUNK_WORK
        {
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// Splits `block` (rows of `stride`) into one mutable slice per chunk.
fn split_rows<'a, T>(
    mut block: &'a mut [T],
    ranges: &[Range<usize>],
    stride: usize,
) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        let (head, tail) = block.split_at_mut(r.len() * stride);
        out.push(head);
        block = tail;
    }
    out
}

/// The iteration (power, or extrapolated: [`Method`]) for one lane width.
///
/// (~175 lines: the setup and the iteration loop share a dozen per-run
/// tables — ε, Z, the divisor, the chunk ranges, the per-lane constants,
/// the extrapolation state — and the loop is the hot path; cut into
/// functions they would travel as one long argument list, which hides the
/// order of the steps that makes the result deterministic.)
#[allow(clippy::too_many_arguments)]
fn run<T: Real, const L: usize, const LB: usize, P: Peers>(
    graph: &FollowerGraph,
    tele: &TopicTeleport,
    config: &RankConfig,
    lay: Layout,
    start: Option<Cow<'_, [f32]>>,
    owned: usize,
    peers: &mut P,
    observe: &dyn Fn(&IterationReport),
) -> RankResult {
    let (n, k, lanes, sa) = (lay.n, lay.k, lay.lanes(), lay.sa());
    let alpha = config.damping;
    let ranges = chunks(graph, owned, lanes * std::mem::size_of::<T>());
    let dangling_user: Vec<bool> = graph.out_weight.iter().map(|&w| w == 0.0).collect();
    // Per-column ε of the walk (the global column stays plain).
    let eps = walk::epsilons(config.walk, k, |c| tele.is_global(c));
    let biased = matches!(config.walk, Walk::TopicBiased { .. });
    let z: Block<T> = if biased {
        normalisers(graph, tele, &eps, &lay, peers)
    } else {
        Block::zeroed(0)
    };
    let zs = z.as_slice();
    let divisor = |u: usize, c: usize| -> f64 {
        if dangling_user[u] {
            1.0
        } else if biased {
            zs[lay.at(u, lay.lane(c))].to_f64()
        } else {
            graph.out_weight[u]
        }
    };
    let mut x: Block<T> = Block::zeroed(lay.len());
    fill_teleport(x.as_mut_slice(), tele, &lay);
    if let Some(start) = start {
        warm_start(x.as_mut_slice(), &start, &lay);
    }
    let mut dangling = peers.sum(dangling_mass(x.as_slice(), &ranges, &dangling_user, &lay));
    {
        let xs = x.as_mut_slice();
        for u in (0..n).filter(|&u| !dangling_user[u]) {
            for c in 0..k {
                let at = lay.at(u, lay.lane(c));
                xs[at] = T::from_f64(xs[at].to_f64() / divisor(u, c));
            }
        }
    }
    peers.share_rows(x.as_mut_slice(), &lay);
    let mut next: Block<T> = Block::zeroed(lay.len());
    let pass = pass_fn::<T, L, LB>();

    let mut conv = vec![
        MarketConvergence {
            iterations: 0,
            residual: f64::INFINITY,
            converged: false,
            restart: 1.0
        };
        k
    ];
    let extrapolated = config.method == Method::Extrapolated;
    let mut extrapolator = extrapolated.then(|| extrapolate::Extrapolator::new(k));
    let mut distance = extrapolated.then(|| extrapolate::Distance::new(k));
    let mut jumped = vec![false; k];
    let mut iterations = 0;
    while iterations < config.max_iterations && conv.iter().any(|c| !c.converged) {
        iterations += 1;
        // Teleport amount per market: (1 − α)·mass + α·dangling, mass = 1.
        let restart: Vec<f64> = (0..k)
            .map(|c| (1.0 - alpha) + alpha * dangling[c])
            .collect();
        let mut lane_const = vec![T::default(); lanes];
        let mut lane_alpha = vec![T::default(); lanes];
        let mut lane_active = vec![false; lanes];
        for c in 0..k {
            let lane = lay.lane(c);
            lane_const[lane] = T::from_f64(restart[c] * tele.base[c]);
            // α·ε of α·(ε + a)·g ([`walk`]); the pass adds α·a·g.
            lane_alpha[lane] = T::from_f64(alpha * eps[c]);
            lane_active[lane] = !conv[c].converged;
        }
        let ctx = Pass {
            layout: lay,
            xs: x.as_slice(),
            zs,
            graph,
            tele,
            dangling_user: &dangling_user,
            lane_const: &lane_const,
            lane_alpha: &lane_alpha,
            lane_active: &lane_active,
            restart: &restart,
            alpha,
            biased,
        };
        // Gather followers' rows, add teleport, measure the change, and total
        // the new dangling mass for the next iteration, in one pass.
        let (next_a, next_b) = next.as_mut_slice().split_at_mut(n * sa);
        let parts: Vec<PassSums> = split_rows(next_a, &ranges, sa)
            .into_par_iter()
            .zip(split_rows(next_b, &ranges, LB))
            .zip(&ranges)
            .map(|((a, b), r)| pass(&ctx, a, b, r.clone()))
            .collect();
        let by_market = |lane_sums: Vec<f64>| -> Vec<f64> {
            let mut out = vec![0f64; k];
            for (lane, v) in lane_sums.into_iter().enumerate() {
                if let Some(c) = lay.market(lane) {
                    out[c] = v;
                }
            }
            out
        };
        let mut both = by_market(sum_parts(parts.iter().map(|p| &p.0), lanes));
        both.extend(by_market(sum_parts(parts.iter().map(|p| &p.1), lanes)));
        both.extend(by_market(sum_parts(parts.iter().map(|p| &p.2), lanes)));
        let mut both = peers.sum(both);
        let drift = both.split_off(2 * k);
        dangling = both.split_off(k);
        let resid = both;
        // What the stopping test compares with the tolerance: the L1 change
        // (power iteration), or the distance to the fixed point it implies.
        let gap = match distance.as_mut() {
            Some(d) => d.after(&resid, &jumped),
            None => resid.clone(),
        };
        jumped.fill(false);
        if let Some(ex) = extrapolator.as_mut() {
            let done: Vec<bool> = (0..k)
                .map(|c| conv[c].converged || gap[c] <= config.tolerance)
                .collect();
            let factors = ex.factors(&resid, &drift, &done);
            if factors.iter().any(Option::is_some) {
                extrapolate::jump(next.as_mut_slice(), x.as_slice(), &lay, &factors);
                let d = dangling_mass(next.as_slice(), &ranges, &dangling_user, &lay);
                dangling = peers.sum(d);
                for (j, f) in jumped.iter_mut().zip(&factors) {
                    *j = f.is_some();
                }
            }
        }
        std::mem::swap(&mut x, &mut next);
        peers.share_rows(x.as_mut_slice(), &lay);
        for c in 0..k {
            if !conv[c].converged {
                conv[c].iterations = iterations;
                conv[c].residual = resid[c];
                conv[c].converged = gap[c] <= config.tolerance;
                conv[c].restart = restart[c];
            }
        }
        let max_residual = (0..k)
            .filter(|&c| conv[c].iterations == iterations)
            .map(|c| resid[c])
            .fold(0.0, f64::max);
        observe(&IterationReport {
            iteration: iterations,
            active: conv.iter().filter(|c| !c.converged).count(),
            max_residual,
        });
    }
    drop(next);
    let xs = x.as_slice();
    let mut compact = vec![T::default(); owned * k];
    compact
        .par_chunks_mut(k.max(1))
        .enumerate()
        .for_each(|(u, row)| {
            for c in 0..k {
                row[c] = T::from_f64(xs[lay.at(u, lay.lane(c))].to_f64() * divisor(u, c));
            }
        });
    RankResult {
        markets: tele.markets.clone(),
        scores: T::into_block(compact),
        convergence: conv,
        iterations,
    }
}

/// Per-market mass of users who follow nobody (f64, chunk order).
fn dangling_mass<T: Real>(
    x: &[T],
    ranges: &[Range<usize>],
    dangling: &[bool],
    lay: &Layout,
) -> Vec<f64> {
    let k = lay.k;
    let parts: Vec<Vec<f64>> = ranges
        .par_iter()
        .map(|r| {
            let mut d = vec![0f64; k];
            for u in r.clone().filter(|&u| dangling[u]) {
                for (c, acc) in d.iter_mut().enumerate() {
                    *acc += x[lay.at(u, lay.lane(c))].to_f64();
                }
            }
            d
        })
        .collect();
    sum_parts(parts.iter(), k)
}

/// `Z[u][c]` ([`walk::normaliser`]): the total biased weight of `u`'s
/// follows in market `c` (0 for users who follow nobody). One sequential pass over the follows, in f64. Padding lanes hold
/// 1, so dividing their 0 scores keeps them 0.
fn normalisers<T: Real, P: Peers>(
    graph: &FollowerGraph,
    tele: &TopicTeleport,
    eps: &[f64],
    lay: &Layout,
    peers: &mut P,
) -> Block<T> {
    let n = graph.users();
    let k = eps.len();
    let mut z = vec![0f64; n * k];
    for v in 0..n as u32 {
        let aff = tele.affinity_of(v);
        if aff.is_empty() {
            continue;
        }
        let ws = graph.follower_weights(v);
        for (i, &u) in graph.followers(v).iter().enumerate() {
            let w = ws.map_or(1.0, |ws| ws[i] as f64);
            for &(c, a) in aff {
                z[u as usize * k + c as usize] += w * a as f64;
            }
        }
    }
    peers.add_to_owners(&mut z, k);
    let mut out: Block<T> = Block::zeroed(lay.len());
    let zs = out.as_mut_slice();
    zs.fill(T::from_f64(1.0));
    for u in 0..n {
        let ow = graph.out_weight[u];
        for c in 0..k {
            zs[lay.at(u, lay.lane(c))] = T::from_f64(walk::normaliser(eps[c], ow, z[u * k + c]));
        }
    }
    out
}

/// Sets every row of `x` to the teleport vectors.
fn fill_teleport<T: Real>(x: &mut [T], tele: &TopicTeleport, lay: &Layout) {
    for u in 0..lay.n {
        for c in 0..lay.k {
            x[lay.at(u, lay.lane(c))] = T::from_f64(tele.base[c]);
        }
        for &(c, p) in tele.of_user(u as u32) {
            let at = lay.at(u, lay.lane(c as usize));
            x[at] = T::from_f64(x[at].to_f64() + p);
        }
    }
}

/// Replaces the teleport start `x` by the previous scores where known:
/// per market, previous values (0 where missing) plus the teleport vector
/// scaled by the mass they lack, normalised to sum 1.
fn warm_start<T: Real>(x: &mut [T], start: &[f32], lay: &Layout) {
    let (n, k) = (lay.n, lay.k);
    for c in 0..k {
        let known: f64 = (0..n)
            .map(|u| start[u * k + c])
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| v as f64)
            .sum();
        if known == 0.0 {
            continue;
        }
        let missing = (1.0 - known).max(0.0);
        let total = known + missing;
        for u in 0..n {
            let at = lay.at(u, lay.lane(c));
            let prev = start[u * k + c];
            let prev = if prev.is_finite() && prev > 0.0 {
                prev as f64
            } else {
                0.0
            };
            x[at] = T::from_f64((prev + missing * x[at].to_f64()) / total);
        }
    }
}

/// Sums per-chunk partial sums in chunk order (deterministic).
fn sum_parts<'a>(parts: impl Iterator<Item = &'a Vec<f64>>, k: usize) -> Vec<f64> {
    let mut total = vec![0f64; k];
    for p in parts {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    //! Small enough for Miri: the whole iteration (aligned blocks, the
    //! AVX2-or-portable chunk pass, block summation of a 40-follower user)
    //! on a graph whose fixed point is known.
    use super::*;
    use crate::graph::{GraphBuilder, TopicsBuilder};

    #[test]
    fn star_scores_sum_to_one_and_match_in_f32_and_f64() {
        let n = 41;
        let mut g = GraphBuilder::new();
        for u in 1..n as u32 {
            g.add_follow(u, 0, 1.0 + (u % 3) as f32);
        }
        g.add_follow(0, 1, 1.0);
        let (graph, _) = g.build(n);
        let mut t = TopicsBuilder::new();
        t.add_tag(1, "a", 1.0);
        t.add_tag(2, "b", 2.0);
        let tags = t.build(n);
        let tele = TopicTeleport::from_tags(&tags, n);
        let run = |precision| {
            let cfg = RankConfig {
                precision,
                tolerance: 1e-7,
                ..RankConfig::plain()
            };
            rank(&graph, &tele, &cfg)
        };
        let (a, b) = (
            run(crate::rank::Precision::F32),
            run(crate::rank::Precision::F64),
        );
        for c in 0..a.k() {
            let sum: f64 = (0..n).map(|u| a.score(u, c)).sum();
            assert!((sum - 1.0).abs() < 1e-5, "market {c} sums to {sum}");
            let l1: f64 = (0..n).map(|u| (a.score(u, c) - b.score(u, c)).abs()).sum();
            assert!(l1 < 1e-5, "market {c}: f32 vs f64 L1 {l1}");
            assert!(a.score(0, c) > a.score(5, c), "the followed user leads");
        }
    }
}
