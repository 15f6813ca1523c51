//! The pull kernel: one sweep over the incoming-edge CSR per iteration
//! updates every market's column.
//!
//! Layout: scores are node-major blocks whose rows are padded to a power of
//! two or whole cache lines and 64-byte aligned ([`block`](super::block)),
//! so the gather of a follower's row touches as few cache lines as possible
//! and the inner loop is a fixed-width vector add.
//!
//! Determinism: rows are summed by one thread each, in CSR order, and the
//! per-market totals (dangling mass, residuals) are summed per fixed chunk
//! and then over chunks in chunk order. Chunk boundaries depend on the graph
//! only, never on the thread count, so the bytes are the same with 1 thread
//! or 64.

use super::block::{row_stride, Block};
use super::config::{Precision, RankConfig, Walk};
use super::result::{MarketConvergence, RankResult, ScoreBlock};
use super::teleport::TopicTeleport;
use crate::graph::FollowerGraph;
use rayon::prelude::*;
use std::ops::{AddAssign, Mul, Range};

/// Work per parallel chunk, in edges + users: large enough to amortise
/// scheduling, small enough to balance skewed graphs on many cores.
const CHUNK_WORK: u64 = 1 << 15;
/// How many follows ahead the gather prefetches rows: far enough to hide
/// DRAM latency, near enough that the lines are still in L1 when used.
const PREFETCH_AHEAD: usize = 12;

/// Storage type of a score block.
pub(crate) trait Real:
    Copy
    + Send
    + Sync
    + Default
    + PartialEq
    + bytemuck::Pod
    + AddAssign
    + Mul<Output = Self>
    + std::fmt::Debug
    + 'static
{
    fn from_f64(v: f64) -> Self;
    fn to_f64(self) -> f64;
    fn into_block(v: Vec<Self>) -> ScoreBlock;
}

impl Real for f32 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn into_block(v: Vec<Self>) -> ScoreBlock {
        ScoreBlock::F32(v)
    }
}

impl Real for f64 {
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    fn into_block(v: Vec<Self>) -> ScoreBlock {
        ScoreBlock::F64(v)
    }
}

#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetch is a hint; it never faults, even on a bad address.
    unsafe {
        std::arch::x86_64::_mm_prefetch(p as *const i8, std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// `acc += Σ w · pre[u]` over the followers `srcs` (rows of exactly `L`).
#[inline(always)]
fn gather_fixed<T: Real, const L: usize>(
    acc: &mut [T],
    pre: &[T],
    srcs: &[u32],
    ws: Option<&[f32]>,
) {
    let mut a = [T::default(); L];
    let base = pre.as_ptr();
    match ws {
        None => {
            for (i, &u) in srcs.iter().enumerate() {
                if let Some(&next) = srcs.get(i + PREFETCH_AHEAD) {
                    prefetch(base.wrapping_add(next as usize * L));
                }
                let row: &[T; L] = pre[u as usize * L..u as usize * L + L].try_into().unwrap();
                for j in 0..L {
                    a[j] += row[j];
                }
            }
        }
        Some(ws) => {
            for (i, (&u, &w)) in srcs.iter().zip(ws).enumerate() {
                if let Some(&next) = srcs.get(i + PREFETCH_AHEAD) {
                    prefetch(base.wrapping_add(next as usize * L));
                }
                let w = T::from_f64(w as f64);
                let row: &[T; L] = pre[u as usize * L..u as usize * L + L].try_into().unwrap();
                for j in 0..L {
                    a[j] += w * row[j];
                }
            }
        }
    }
    acc[..L].copy_from_slice(&a);
}

/// The same for rows of several cache lines (`stride` a multiple of `L`).
#[inline(always)]
fn gather_lines<T: Real, const L: usize>(
    acc: &mut [T],
    pre: &[T],
    srcs: &[u32],
    ws: Option<&[f32]>,
    stride: usize,
) {
    acc[..stride].fill(T::default());
    let base = pre.as_ptr();
    for (i, &u) in srcs.iter().enumerate() {
        if let Some(&next) = srcs.get(i + PREFETCH_AHEAD) {
            for l in (0..stride).step_by(L) {
                prefetch(base.wrapping_add(next as usize * stride + l));
            }
        }
        let w = T::from_f64(ws.map_or(1.0, |ws| ws[i] as f64));
        let row = &pre[u as usize * stride..u as usize * stride + stride];
        for (a, r) in acc[..stride].chunks_exact_mut(L).zip(row.chunks_exact(L)) {
            let a: &mut [T; L] = a.try_into().unwrap();
            let r: &[T; L] = r.try_into().unwrap();
            for j in 0..L {
                a[j] += w * r[j];
            }
        }
    }
}

/// Dispatches to a fixed-width gather for the block's row stride.
#[inline(always)]
fn gather<T: Real>(acc: &mut [T], pre: &[T], srcs: &[u32], ws: Option<&[f32]>, stride: usize) {
    let line = 64 / std::mem::size_of::<T>();
    match stride {
        1 => gather_fixed::<T, 1>(acc, pre, srcs, ws),
        2 => gather_fixed::<T, 2>(acc, pre, srcs, ws),
        4 => gather_fixed::<T, 4>(acc, pre, srcs, ws),
        8 => gather_fixed::<T, 8>(acc, pre, srcs, ws),
        16 if line == 16 => gather_fixed::<T, 16>(acc, pre, srcs, ws),
        _ if line == 16 => gather_lines::<T, 16>(acc, pre, srcs, ws, stride),
        _ => gather_lines::<T, 8>(acc, pre, srcs, ws, stride),
    }
}

/// Runs the power iteration for every market of `teleport` over `graph`, in
/// the current rayon thread pool.
///
/// # Panics
/// If `teleport` was built for another number of users, or `config` is
/// invalid (call [`RankConfig::validate`] first).
pub fn rank(graph: &FollowerGraph, teleport: &TopicTeleport, config: &RankConfig) -> RankResult {
    config.validate().expect("invalid RankConfig");
    assert_eq!(
        teleport.offsets.len(),
        graph.users() + 1,
        "teleport built for another graph"
    );
    match config.precision {
        Precision::F32 => run::<f32>(graph, teleport, config),
        Precision::F64 => run::<f64>(graph, teleport, config),
    }
}

/// Splits users into chunks of about [`CHUNK_WORK`] edges + users.
fn chunks(graph: &FollowerGraph) -> Vec<Range<usize>> {
    let n = graph.users();
    let off = graph.offsets();
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && (off[end] - off[start]) + (end - start) as u64 <= CHUNK_WORK {
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

fn run<T: Real>(graph: &FollowerGraph, tele: &TopicTeleport, config: &RankConfig) -> RankResult {
    let n = graph.users();
    let k = tele.len();
    let s = row_stride(k, std::mem::size_of::<T>());
    let alpha = config.damping;
    let ranges = chunks(graph);

    let inv_out: Vec<f64> = (0..n as u32)
        .map(|u| graph.out_weight(u))
        .map(|w| if w > 0.0 { 1.0 / w } else { 0.0 })
        .collect();
    // Topic-biased walk: per-column ε (the global column stays plain) and
    // the per-user, per-market normalisers 1/Z, computed once.
    let eps: Vec<f64> = match config.walk {
        Walk::Plain => vec![1.0; k],
        Walk::TopicBiased { epsilon } => {
            (0..k).map(|c| if c == 0 { 1.0 } else { epsilon }).collect()
        }
    };
    let biased = matches!(config.walk, Walk::TopicBiased { .. });
    let inv_z: Vec<T> = if biased {
        inverse_normalisers(graph, tele, &eps, &inv_out)
    } else {
        Vec::new()
    };
    // Start from the teleport vector: already the right answer for markets
    // whose seeds follow nobody, and close to it for most others.
    let mut x: Block<T> = Block::zeroed(n * s);
    fill_teleport(x.as_mut_slice(), &ranges, tele, k, s);
    let mut next: Block<T> = Block::zeroed(n * s);
    let mut pre: Block<T> = Block::zeroed(n * s);

    let mut conv = vec![
        MarketConvergence {
            iterations: 0,
            residual: f64::INFINITY,
            converged: false,
            restart: 1.0
        };
        k
    ];
    let mut iterations = 0;
    while iterations < config.max_iterations && conv.iter().any(|c| !c.converged) {
        iterations += 1;
        let xs = x.as_slice();
        // 1. Pre-divide rows by out-weight; total the dangling mass.
        let dangling = {
            let parts: Vec<Vec<f64>> = split_rows(pre.as_mut_slice(), &ranges, s)
                .into_par_iter()
                .zip(&ranges)
                .map(|(out, r)| {
                    let mut d = vec![0f64; k];
                    for (i, u) in r.clone().enumerate() {
                        let row = &xs[u * s..u * s + k];
                        let dst = &mut out[i * s..i * s + k];
                        let inv = inv_out[u];
                        if inv == 0.0 {
                            dst.fill(T::default());
                            for (acc, v) in d.iter_mut().zip(row) {
                                *acc += v.to_f64();
                            }
                        } else if biased {
                            let iz = &inv_z[u * k..(u + 1) * k];
                            for ((o, &v), &z) in dst.iter_mut().zip(row).zip(iz) {
                                *o = T::from_f64(v.to_f64() * z.to_f64());
                            }
                        } else {
                            for (o, &v) in dst.iter_mut().zip(row) {
                                *o = T::from_f64(v.to_f64() * inv);
                            }
                        }
                    }
                    d
                })
                .collect();
            sum_parts(&parts, k)
        };
        // 2. Teleport amount per market: (1 − α)·mass + α·dangling, mass = 1.
        let restart: Vec<f64> = (0..k)
            .map(|c| (1.0 - alpha) + alpha * dangling[c])
            .collect();
        let active: Vec<bool> = conv.iter().map(|c| !c.converged).collect();
        let pres = pre.as_slice();
        // 3. Gather followers' rows, add teleport, measure the change.
        let parts: Vec<Vec<f64>> = split_rows(next.as_mut_slice(), &ranges, s)
            .into_par_iter()
            .zip(&ranges)
            .map(|(out, r)| {
                let mut acc = vec![T::default(); s];
                let mut bias = vec![1f64; k];
                let mut resid = vec![0f64; k];
                for (i, v) in r.clone().enumerate() {
                    gather(
                        &mut acc,
                        pres,
                        graph.followers(v as u32),
                        graph.follower_weights(v as u32),
                        s,
                    );
                    let old = &xs[v * s..v * s + k];
                    let dst = &mut out[i * s..i * s + k];
                    if biased {
                        bias.copy_from_slice(&eps);
                        for &(c, a) in tele.affinity_of(v as u32) {
                            bias[c as usize] += a as f64;
                        }
                    }
                    for c in 0..k {
                        dst[c] = T::from_f64(
                            alpha * bias[c] * acc[c].to_f64() + restart[c] * tele.base[c],
                        );
                    }
                    for &(c, p) in tele.of_user(v as u32) {
                        let c = c as usize;
                        dst[c] = T::from_f64(dst[c].to_f64() + restart[c] * p);
                    }
                    for c in 0..k {
                        if active[c] {
                            resid[c] += (dst[c].to_f64() - old[c].to_f64()).abs();
                        } else {
                            dst[c] = old[c];
                        }
                    }
                }
                resid
            })
            .collect();
        let resid = sum_parts(&parts, k);
        std::mem::swap(&mut x, &mut next);
        for c in 0..k {
            if active[c] {
                conv[c].iterations = iterations;
                conv[c].residual = resid[c];
                conv[c].converged = resid[c] <= config.tolerance;
                conv[c].restart = restart[c];
            }
        }
    }
    drop((next, pre));
    let xs = x.as_slice();
    let mut compact = vec![T::default(); n * k];
    compact
        .par_chunks_mut(k.max(1))
        .enumerate()
        .for_each(|(u, row)| row.copy_from_slice(&xs[u * s..u * s + k]));
    RankResult {
        markets: tele.markets.clone(),
        scores: T::into_block(compact),
        convergence: conv,
        iterations,
    }
}

/// `1 / Z[u][c]` with `Z[u][c] = ε_c · out_weight(u) + Σ_{u→v} w · affinity_c(v)`:
/// the total biased weight of `u`'s follows in market `c` (0 for users who
/// follow nobody). One sequential pass over the follows, in f64.
fn inverse_normalisers<T: Real>(
    graph: &FollowerGraph,
    tele: &TopicTeleport,
    eps: &[f64],
    inv_out: &[f64],
) -> Vec<T> {
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
    let mut inv = vec![T::default(); n * k];
    inv.par_chunks_mut(k)
        .zip(z.par_chunks(k))
        .enumerate()
        .for_each(|(u, (out, zr))| {
            if inv_out[u] > 0.0 {
                let ow = graph.out_weight(u as u32);
                for c in 0..k {
                    out[c] = T::from_f64(1.0 / (eps[c] * ow + zr[c]));
                }
            }
        });
    inv
}

/// Sets every row of `x` to the teleport vectors.
fn fill_teleport<T: Real>(
    x: &mut [T],
    ranges: &[Range<usize>],
    tele: &TopicTeleport,
    k: usize,
    s: usize,
) {
    split_rows(x, ranges, s)
        .into_par_iter()
        .zip(ranges)
        .for_each(|(out, r)| {
            for (i, u) in r.clone().enumerate() {
                let dst = &mut out[i * s..i * s + k];
                for c in 0..k {
                    dst[c] = T::from_f64(tele.base[c]);
                }
                for &(c, p) in tele.of_user(u as u32) {
                    let c = c as usize;
                    dst[c] = T::from_f64(dst[c].to_f64() + p);
                }
            }
        });
}

/// Sums per-chunk partial sums in chunk order (deterministic).
fn sum_parts(parts: &[Vec<f64>], k: usize) -> Vec<f64> {
    let mut total = vec![0f64; k];
    for p in parts {
        for (t, v) in total.iter_mut().zip(p) {
            *t += v;
        }
    }
    total
}
