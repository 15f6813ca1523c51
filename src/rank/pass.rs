//! One chunk of an iteration: gather the followers' rows, add teleport,
//! compare with the old scores and store the new ones.

use super::layout::Layout;
use super::real::Real;
use super::teleport::TopicTeleport;
use crate::graph::FollowerGraph;
use std::ops::Range;

/// Followers summed in `T` before the partial sum is added in f64. A plain
/// f32 running sum over a celebrity's many followers loses up to about
/// `n × 2⁻²⁴` of it (L1 errors of 4e-4 were measured at 10M users, with
/// celebrities of millions of followers); blocks of 32 bound the relative
/// error by about 2e-6 (a block of 128 still left 4.6e-6 on a million-
/// follower star, `tests/it/hand_checked.rs`), and users with fewer
/// followers take the plain path.
const BLOCK: usize = 32;

/// Sums one line (`W` lanes at lane offset `off` of rows of `stride`) over
/// the followers `srcs`, in `T`.
#[inline(always)]
fn line_sum<T: Real, const W: usize>(
    rows: &[T],
    stride: usize,
    off: usize,
    srcs: &[u32],
    ws: Option<&[f32]>,
) -> [T; W] {
    let mut a = [T::default(); W];
    match ws {
        None => {
            for &u in srcs {
                let at = u as usize * stride + off;
                let row: &[T; W] = rows[at..at + W].try_into().unwrap();
                for j in 0..W {
                    a[j] += row[j];
                }
            }
        }
        Some(ws) => {
            for (&u, &w) in srcs.iter().zip(ws) {
                let at = u as usize * stride + off;
                let row: &[T; W] = rows[at..at + W].try_into().unwrap();
                let w = T::from_f64(w as f64);
                for j in 0..W {
                    a[j] += w * row[j];
                }
            }
        }
    }
    a
}

/// [`line_sum`] of a one-line region A row and its region B lanes in one
/// loop over the followers: the B read (a second, smaller array) then
/// waits in the same instruction window as the A miss instead of in a
/// second loop of its own.
#[inline(always)]
fn line_sum_ab<T: Real, const W: usize, const WB: usize>(
    rows: (&[T], &[T]),
    srcs: &[u32],
    ws: Option<&[f32]>,
) -> ([T; W], [T; WB]) {
    let (ra, rb) = rows;
    let mut a = [T::default(); W];
    let mut b = [T::default(); WB];
    let rows_of = |u: u32| -> (&[T; W], &[T; WB]) {
        let (at, bt) = (u as usize * W, u as usize * WB);
        (
            ra[at..at + W].try_into().unwrap(),
            rb[bt..bt + WB].try_into().unwrap(),
        )
    };
    match ws {
        None => {
            for &u in srcs {
                let (row, rowb) = rows_of(u);
                for j in 0..W {
                    a[j] += row[j];
                }
                for j in 0..WB {
                    b[j] += rowb[j];
                }
            }
        }
        Some(ws) => {
            for (&u, &w) in srcs.iter().zip(ws) {
                let (row, rowb) = rows_of(u);
                let w = T::from_f64(w as f64);
                for j in 0..W {
                    a[j] += w * row[j];
                }
                for j in 0..WB {
                    b[j] += w * rowb[j];
                }
            }
        }
    }
    (a, b)
}

/// [`gather`] of a one-line region A row and its region B lanes together
/// ([`line_sum_ab`]), block by block into f64 past [`BLOCK`] followers.
#[inline(always)]
fn gather_ab<T: Real, const W: usize, const WB: usize>(
    out: (&mut [T; W], &mut [T; WB]),
    rows: (&[T], &[T]),
    srcs: &[u32],
    ws: Option<&[f32]>,
) {
    if srcs.len() <= BLOCK {
        let (a, b) = line_sum_ab::<T, W, WB>(rows, srcs, ws);
        (*out.0, *out.1) = (a, b);
        return;
    }
    let (mut wa, mut wb) = ([0f64; W], [0f64; WB]);
    for (i, block) in srcs.chunks(BLOCK).enumerate() {
        let bw = ws.map(|w| &w[i * BLOCK..i * BLOCK + block.len()]);
        let (a, b) = line_sum_ab::<T, W, WB>(rows, block, bw);
        for j in 0..W {
            wa[j] += a[j].to_f64();
        }
        for j in 0..WB {
            wb[j] += b[j].to_f64();
        }
    }
    for j in 0..W {
        out.0[j] = T::from_f64(wa[j]);
    }
    for j in 0..WB {
        out.1[j] = T::from_f64(wb[j]);
    }
}

/// `acc = Σ_u w(u→v) · rows[u]` over the followers `srcs`, for rows of
/// `acc.len()` lines of `W` lanes. One line at a time, so each sum stays in
/// registers; more than [`BLOCK`] followers are summed block by block into
/// f64.
#[inline(always)]
fn gather<T: Real, const W: usize>(
    acc: &mut [[T; W]],
    rows: &[T],
    srcs: &[u32],
    ws: Option<&[f32]>,
) {
    let stride = acc.len() * W;
    for (l, out) in acc.iter_mut().enumerate() {
        if srcs.len() <= BLOCK {
            *out = line_sum::<T, W>(rows, stride, l * W, srcs, ws);
            continue;
        }
        let mut wide = [0f64; W];
        for (i, block) in srcs.chunks(BLOCK).enumerate() {
            let bw = ws.map(|w| &w[i * BLOCK..i * BLOCK + block.len()]);
            let a = line_sum::<T, W>(rows, stride, l * W, block, bw);
            for j in 0..W {
                wide[j] += a[j].to_f64();
            }
        }
        for j in 0..W {
            out[j] = T::from_f64(wide[j]);
        }
    }
}

/// Everything one chunk of the pass reads. Per-lane vectors follow the
/// layout's lane order (region A, then region B).
pub(crate) struct Pass<'a, T> {
    pub layout: Layout,
    /// Current block: scores already divided by the user's divisor.
    pub xs: &'a [T],
    /// The biased walk's normalisers, same layout (empty for the plain walk).
    pub zs: &'a [T],
    pub graph: &'a FollowerGraph,
    pub tele: &'a TopicTeleport,
    pub dangling_user: &'a [bool],
    /// `restart · base` per lane (the uniform part of the teleport).
    pub lane_const: &'a [T],
    /// `α · ε` per lane.
    pub lane_alpha: &'a [T],
    /// False for converged markets and padding: their rows are copied.
    pub lane_active: &'a [bool],
    pub restart: &'a [f64],
    pub alpha: f64,
    pub biased: bool,
}

/// Per-chunk sums per lane: residuals, the new dangling mass, and the
/// drift `Σ old·(new − old)`: a signed summary of the change, whose ratio
/// from sweep to sweep tells a slow mode that keeps its sign from one that
/// alternates ([`super::extrapolate`]).
pub(crate) type PassSums = (Vec<f64>, Vec<f64>, Vec<f64>);

/// A chunk pass, monomorphised for the layout's line widths.
pub(crate) type PassFn<T> = fn(&Pass<'_, T>, &mut [T], &mut [T], Range<usize>) -> PassSums;

/// Finishes one line of a row: compare with the old values, divide by the
/// divisor, accumulate residual and dangling mass, write.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn finish<T: Real, const W: usize>(
    new: &mut [T; W],
    stored: &[T; W],
    z: Option<&[T; W]>,
    weight: (T, T),
    active: &[bool],
    dangling: bool,
    sums: (&mut [f64], &mut [f64], &mut [f64]),
) {
    let (resid, dang, drift) = sums;
    let (w, inv_w) = weight;
    let mut changed = |j: usize, old: T, new: T| {
        resid[j] += new.abs_diff(old);
        drift[j] += old.to_f64() * (new.to_f64() - old.to_f64());
    };
    for j in 0..W {
        if dangling {
            let v = if active[j] { new[j] } else { stored[j] };
            changed(j, stored[j], v);
            dang[j] += v.to_f64();
            new[j] = v;
        } else if let Some(z) = z {
            if active[j] {
                changed(j, stored[j] * z[j], new[j]);
            }
            new[j] = if active[j] { new[j] / z[j] } else { stored[j] };
        } else {
            if active[j] {
                changed(j, stored[j] * w, new[j]);
            }
            new[j] = if active[j] { new[j] * inv_w } else { stored[j] };
        }
    }
}

/// The pass for users `r`; `out_a`/`out_b` are their rows in the next block.
#[inline(always)]
fn pass_body<T: Real, const L: usize, const LB: usize>(
    ctx: &Pass<'_, T>,
    out_a: &mut [T],
    out_b: &mut [T],
    r: Range<usize>,
) -> PassSums {
    let lay = ctx.layout;
    let (n, m, sa) = (lay.n, lay.m, lay.sa());
    let (xa, xb) = ctx.xs.split_at(n * sa);
    let (za, zb) = if ctx.biased {
        ctx.zs.split_at(n * sa)
    } else {
        (&[][..], &[][..])
    };
    let graph = ctx.graph;
    // Two phases. First every user's gather, back to back: with nothing
    // else in the instruction window the CPU keeps many row misses in
    // flight; interleaving the per-user arithmetic below halved the gather
    // rate (measured).
    let mut ga = vec![[T::default(); L]; r.len() * m];
    let mut gb = vec![[T::default(); LB]; if LB > 0 { r.len() } else { 0 }];
    for (i, v) in r.clone().enumerate() {
        let (srcs, ws) = (graph.followers(v as u32), graph.follower_weights(v as u32));
        if LB > 0 && m == 1 {
            gather_ab::<T, L, LB>((&mut ga[i], &mut gb[i]), (xa, xb), srcs, ws);
            continue;
        }
        gather::<T, L>(&mut ga[i * m..(i + 1) * m], xa, srcs, ws);
        if LB > 0 {
            gather::<T, LB>(&mut gb[i..i + 1], xb, srcs, ws);
        }
    }
    let lanes = lay.lanes();
    let mut resid = vec![0f64; lanes];
    let mut dang = vec![0f64; lanes];
    let mut drift = vec![0f64; lanes];
    let mut row = vec![T::default(); lanes];
    let mut extra: Vec<f64> = Vec::new();
    for (i, v) in r.clone().enumerate() {
        let vv = v as u32;
        for l in 0..m {
            row[l * L..(l + 1) * L].copy_from_slice(&ga[i * m + l]);
        }
        if LB > 0 {
            row[sa..sa + LB].copy_from_slice(&gb[i]);
        }
        // Biased walk: followees in the market get α·(ε + a)·g of the
        // gathered g ([`super::walk`]): α·ε·g is the lane factor, α·a·g is
        // added here; read before the row is overwritten.
        let aff = if ctx.biased {
            ctx.tele.affinity_of(vv)
        } else {
            &[]
        };
        extra.clear();
        extra.extend(
            aff.iter()
                .map(|&(c, a)| ctx.alpha * a as f64 * row[lay.lane(c as usize)].to_f64()),
        );
        for ((x, &a), &c) in row.iter_mut().zip(ctx.lane_alpha).zip(ctx.lane_const) {
            *x = a * *x + c;
        }
        for (&(c, _), &add) in aff.iter().zip(&extra) {
            let lane = lay.lane(c as usize);
            row[lane] = T::from_f64(row[lane].to_f64() + add);
        }
        for &(c, p) in ctx.tele.of_user(vv) {
            let lane = lay.lane(c as usize);
            row[lane] = T::from_f64(row[lane].to_f64() + ctx.restart[c as usize] * p);
        }
        // Compare with the old scores; store the new ones divided by what
        // the user splits them over.
        let dangling = ctx.dangling_user[v];
        let ow = graph.out_weight(vv);
        let weight = (T::from_f64(ow), T::from_f64(1.0 / ow));
        for l in 0..m {
            let (lo, hi) = (l * L, (l + 1) * L);
            let new: &mut [T; L] = (&mut row[lo..hi]).try_into().unwrap();
            let st: &[T; L] = xa[v * sa + lo..v * sa + hi].try_into().unwrap();
            let z = if ctx.biased {
                Some(za[v * sa + lo..v * sa + hi].try_into().unwrap())
            } else {
                None
            };
            finish(
                new,
                st,
                z,
                weight,
                &ctx.lane_active[lo..hi],
                dangling,
                (&mut resid[lo..hi], &mut dang[lo..hi], &mut drift[lo..hi]),
            );
            out_a[i * sa + lo..i * sa + hi].copy_from_slice(new);
        }
        if LB > 0 {
            let new: &mut [T; LB] = (&mut row[sa..sa + LB]).try_into().unwrap();
            let st: &[T; LB] = xb[v * LB..(v + 1) * LB].try_into().unwrap();
            let z = if ctx.biased {
                Some(zb[v * LB..(v + 1) * LB].try_into().unwrap())
            } else {
                None
            };
            let act = &ctx.lane_active[sa..sa + LB];
            finish(
                new,
                st,
                z,
                weight,
                act,
                dangling,
                (
                    &mut resid[sa..sa + LB],
                    &mut dang[sa..sa + LB],
                    &mut drift[sa..sa + LB],
                ),
            );
            out_b[i * LB..(i + 1) * LB].copy_from_slice(new);
        }
    }
    (resid, dang, drift)
}

fn pass_portable<T: Real, const L: usize, const LB: usize>(
    ctx: &Pass<'_, T>,
    out_a: &mut [T],
    out_b: &mut [T],
    r: Range<usize>,
) -> PassSums {
    pass_body::<T, L, LB>(ctx, out_a, out_b, r)
}

/// The same pass compiled for AVX2 (twice the lanes per instruction of the
/// x86-64 baseline's SSE2): 0.13 → 0.10 s per iteration at 1M users × 16
/// markets on the 2-core machine.
///
/// # Safety
/// Only call where AVX2 and FMA are available (checked in [`pass_fn`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn pass_avx2<T: Real, const L: usize, const LB: usize>(
    ctx: &Pass<'_, T>,
    out_a: &mut [T],
    out_b: &mut [T],
    r: Range<usize>,
) -> PassSums {
    pass_body::<T, L, LB>(ctx, out_a, out_b, r)
}

/// Picks the fastest pass this CPU supports. Both compute bit-identical
/// results: Rust never fuses a multiply and an add on its own.
pub(crate) fn pass_fn<T: Real, const L: usize, const LB: usize>() -> PassFn<T> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        return |ctx, a, b, r| {
            // SAFETY: AVX2 and FMA were detected just above.
            unsafe { pass_avx2::<T, L, LB>(ctx, a, b, r) }
        };
    }
    pass_portable::<T, L, LB>
}
