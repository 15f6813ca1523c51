//! Extrapolation between sweeps ([`Method::Extrapolated`]).
//!
//! After a few sweeps the error of power iteration is mostly its slowest
//! geometric mode, `e_k ≈ λᵏ·v`: the L1 changes `r_k` then shrink by a
//! steady ratio λ, and `x_k + λ/(1 − λ)·(x_k − x_{k−1})` removes that mode
//! in one step (Aitken's δ², taken per market with λ from the residuals
//! instead of per entry, which on PageRank amplifies noise; Kamvar et al.,
//! WWW 2003, for the idea). The next sweeps measure the ratio afresh
//! before another jump, so a jump that helped little costs nothing
//! lasting, and convergence is only ever judged on plain sweeps' changes
//! (the distance to the fixed point they imply, [`Distance`]).
//!
//! Deterministic: λ comes from the per-market sums, which are the same at
//! any thread count, and the jump is element by element.
//!
//! [`Method::Extrapolated`]: super::Method::Extrapolated

use super::layout::Layout;
use super::real::Real;
use rayon::prelude::*;

/// Plain sweeps after a jump (or the start) before the next: the ratio is
/// read from the last two of them, whose changes both come after the jump.
const SWEEPS_BETWEEN: usize = 3;
/// How close the last two ratios must be (relative) to call the decay
/// geometric.
const STEADY: f64 = 0.1;
/// Largest ratio jumped on: λ/(1 − λ) grows fast near 1, and a slow mode
/// estimated a little high would then overshoot by much.
const MAX_RATIO: f64 = 0.9;

/// Per-market (residual, drift) of each sweep since the last jump.
pub(crate) struct Extrapolator {
    since_jump: Vec<Vec<(f64, f64)>>,
}

impl Extrapolator {
    /// For `k` markets.
    pub fn new(k: usize) -> Self {
        Extrapolator {
            since_jump: vec![Vec::new(); k],
        }
    }

    /// Records one sweep's residuals (L1 changes) and drifts (signed
    /// summaries of the change, [`super::pass::PassSums`]) and returns, per
    /// market, the factor `μ/(1 − μ)` to jump by now (`None`: keep
    /// sweeping). The mode's ratio μ is the drift's ratio; it counts only
    /// when it is steady over the last two sweeps and its size agrees with
    /// the residuals' ratio (the change is then mostly one mode). A
    /// negative μ is a mode that alternates in sign (a market held in a
    /// two-step cycle, such as accounts following each other in pairs),
    /// which the L1 change alone cannot tell from one that does not; jumping
    /// the wrong way tripled the change on the planted 1M graph. Markets in
    /// `done` (converged by this sweep or before) never jump.
    pub fn factors(&mut self, resid: &[f64], drift: &[f64], done: &[bool]) -> Vec<Option<f64>> {
        let mut out = vec![None; resid.len()];
        for (c, hist) in self.since_jump.iter_mut().enumerate() {
            if done[c] {
                continue;
            }
            hist.push((resid[c], drift[c]));
            if hist.len() < SWEEPS_BETWEEN {
                continue;
            }
            let n = hist.len();
            let ((ra, pa), (rb, pb), (r, p)) = (hist[n - 3], hist[n - 2], hist[n - 1]);
            if !(ra > 0.0 && rb > 0.0 && pa != 0.0 && pb != 0.0) {
                continue;
            }
            let (mu1, mu2, l2) = (pb / pa, p / pb, r / rb);
            let steady =
                (mu2 - mu1).abs() <= STEADY * mu2.abs() && (mu2.abs() - l2).abs() <= STEADY * l2;
            let mu = (steady && mu2.abs() <= MAX_RATIO).then_some(mu2);
            if let Some(mu) = mu {
                out[c] = Some(mu / (1.0 - mu));
                hist.clear();
            }
        }
        out
    }
}

/// Distance to the fixed point, estimated per market from the L1 changes:
/// a change `r` shrinking by the ratio ρ leaves `r·ρ/(1 − ρ)` to go. The
/// stopping test of [`Method::Extrapolated`](super::Method::Extrapolated):
/// the L1 change alone stopped the planted graph's slowest market (ρ ≈ 0.73)
/// 2.6e-6 from the tight reference at a tolerance of 1e-6 (issue 22). The
/// ratio is only taken between two plain sweeps, never across a jump.
pub(crate) struct Distance {
    last: Vec<f64>,
    rate: Vec<f64>,
}

/// How far toward 1 a measured ratio is moved ([`Distance::after`]).
const CREEP: f64 = 0.1;
/// Ratios this close to 1 are taken as 0.99 (an estimate of 99× the change).
const MAX_RATE: f64 = 0.99;

impl Distance {
    /// For `k` markets.
    pub fn new(k: usize) -> Self {
        Distance {
            last: vec![f64::NAN; k],
            rate: vec![MAX_RATE; k],
        }
    }

    /// The estimate after a sweep with changes `resid`; `jumped[c]` when
    /// market `c`'s iterate was moved by a jump before this sweep.
    pub fn after(&mut self, resid: &[f64], jumped: &[bool]) -> Vec<f64> {
        (0..resid.len())
            .map(|c| {
                let r = resid[c];
                if !jumped[c] && self.last[c] > 0.0 {
                    self.rate[c] = (r / self.last[c]).clamp(0.0, MAX_RATE);
                }
                self.last[c] = r;
                // The ratio creeps up as the faster modes die out: taken a
                // tenth of the way closer to 1 (at ρ = 0.73 the plain
                // estimate fell 12% short of the measured distance).
                let rho = self.rate[c] + (1.0 - self.rate[c]) * CREEP;
                r.max(r * rho / (1.0 - rho))
            })
            .collect()
    }
}

/// `next ← max(0, next + f·(next − x))` on the lanes of markets with a
/// factor `f`: `x` and `next` hold the same per-user divisors, so the jump
/// is the same in stored form. Negative entries (an overshoot) are clipped;
/// the following sweeps restore the lost mass.
pub(crate) fn jump<T: Real>(next: &mut [T], x: &[T], lay: &Layout, factors: &[Option<f64>]) {
    let lanes = lay.lanes();
    let per_lane: Vec<Option<f64>> = (0..lanes)
        .map(|lane| lay.market(lane).and_then(|c| factors[c]))
        .collect();
    let (na, nb) = next.split_at_mut(lay.n * lay.sa());
    let (xa, xb) = x.split_at(lay.n * lay.sa());
    let region = |out: &mut [T], old: &[T], width: usize, first: usize| {
        if width == 0 {
            return;
        }
        out.par_chunks_mut(width * 4096)
            .zip(old.par_chunks(width * 4096))
            .for_each(|(o, p)| {
                for (row, prow) in o.chunks_mut(width).zip(p.chunks(width)) {
                    for (j, (v, &pv)) in row.iter_mut().zip(prow).enumerate() {
                        if let Some(f) = per_lane[first + j] {
                            let (now, was) = (v.to_f64(), pv.to_f64());
                            *v = T::from_f64((now + f * (now - was)).max(0.0));
                        }
                    }
                }
            });
    };
    region(na, xa, lay.sa(), 0);
    region(nb, xb, lay.sb, lay.sa());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_only_on_a_steady_ratio_and_takes_its_sign_from_the_drift() {
        let mut e = Extrapolator::new(3);
        let done = [false; 3];
        // Market 0 halves steadily; market 1 wobbles; market 2 halves with
        // a drift that alternates in sign.
        let mut step = |r: [f64; 3], p: [f64; 3]| e.factors(&r, &p, &done);
        assert_eq!(step([1.0; 3], [1.0, 1.0, 1.0]), vec![None; 3]);
        assert_eq!(step([0.5, 0.3, 0.5], [0.5, 0.3, -0.5]), vec![None; 3]);
        let f = step([0.25, 0.27, 0.25], [0.25, 0.27, 0.25]);
        assert_eq!(f, vec![Some(1.0), None, Some(-1.0 / 3.0)]);
        // The history restarts after a jump.
        assert_eq!(step([0.1; 3], [0.1; 3])[0], None);
    }

    #[test]
    fn no_jump_when_the_drift_disagrees_with_the_residuals() {
        let mut e = Extrapolator::new(1);
        e.factors(&[1.0], &[1.0], &[false]);
        e.factors(&[0.5], &[0.9], &[false]);
        // Residuals halve, the drift barely moves: two modes, not one.
        assert_eq!(e.factors(&[0.25], &[0.81], &[false]), vec![None]);
    }

    #[test]
    fn a_jump_along_one_geometric_mode_lands_on_the_limit() {
        // x_k = 1 + 0.5^k per entry: from x_2, x_3 the jump gives 1.
        let lay = Layout::new(3, 1, 4);
        let x = vec![1.25f32; lay.len()];
        let mut next = vec![1.125f32; lay.len()];
        jump(&mut next, &x, &lay, &[Some(1.0)]);
        assert!(next.iter().all(|&v| v == 1.0), "{next:?}");
    }
}
