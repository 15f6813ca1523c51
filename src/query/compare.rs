//! Comparing two markets of a snapshot: how much their top lists overlap,
//! how well their rankings agree, and who is a specialist of each.

use crate::snapshot::Snapshot;

/// A user high in one market and low in the other.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Specialist {
    /// User index.
    pub user: u32,
    /// Rank in the market where the user is strong.
    pub rank_here: u64,
    /// Rank in the other market.
    pub rank_there: u64,
}

/// How two markets relate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MarketComparison {
    /// Size of the top lists compared.
    pub k: usize,
    /// |top_k(a) ∩ top_k(b)| / |top_k(a) ∪ top_k(b)|.
    pub jaccard_top_k: f64,
    /// Spearman rank correlation over all users (average ranks for ties).
    pub spearman: f64,
    /// Kendall τ-b over the union of the two top-k lists.
    pub kendall_tau_top_k: f64,
    /// Users in a's top k with the worst rank in b, worst first.
    pub specialists_a: Vec<Specialist>,
    /// Users in b's top k with the worst rank in a, worst first.
    pub specialists_b: Vec<Specialist>,
}

/// Average ranks (1-based, ties share the mean) of market `m`.
fn average_ranks(snap: &Snapshot, m: usize) -> Vec<f64> {
    let order = snap.order(m);
    let mut ranks = vec![0f64; order.len()];
    let mut i = 0;
    while i < order.len() {
        let s = snap.score(order[i], m);
        // Past `i` from the start: a NaN score (equal to nothing) must not
        // stop the loop from moving on (issue 18, item 10).
        let mut j = i + 1;
        while j < order.len() && snap.score(order[j], m) == s {
            j += 1;
        }
        let avg = (i + 1 + j) as f64 / 2.0;
        for &u in &order[i..j] {
            ranks[u as usize] = avg;
        }
        i = j;
    }
    ranks
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa == 0.0 || sbb == 0.0 {
        0.0
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// Kendall τ-b of paired values (O(n²): used on top-k unions only).
fn kendall_tau_b(a: &[f64], b: &[f64]) -> f64 {
    let (mut conc, mut disc, mut ties_a, mut ties_b) = (0f64, 0f64, 0f64, 0f64);
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            let da = a[i] - a[j];
            let db = b[i] - b[j];
            if da == 0.0 && db == 0.0 {
                continue;
            } else if da == 0.0 {
                ties_a += 1.0;
            } else if db == 0.0 {
                ties_b += 1.0;
            } else if (da > 0.0) == (db > 0.0) {
                conc += 1.0;
            } else {
                disc += 1.0;
            }
        }
    }
    let denom = ((conc + disc + ties_a) * (conc + disc + ties_b)).sqrt();
    if denom == 0.0 {
        0.0
    } else {
        (conc - disc) / denom
    }
}

/// Compares markets `a` and `b` (columns) on their top `k` users;
/// `specialists` users are listed for each side.
pub fn compare_markets(
    snap: &Snapshot,
    a: usize,
    b: usize,
    k: usize,
    specialists: usize,
) -> MarketComparison {
    let ra = average_ranks(snap, a);
    let rb = average_ranks(snap, b);
    let top_a: Vec<u32> = snap.order(a).iter().take(k).copied().collect();
    let top_b: Vec<u32> = snap.order(b).iter().take(k).copied().collect();
    let set_b: std::collections::HashSet<u32> = top_b.iter().copied().collect();
    let inter = top_a.iter().filter(|u| set_b.contains(u)).count();
    let mut union: Vec<u32> = top_a.iter().chain(&top_b).copied().collect();
    union.sort_unstable();
    union.dedup();
    let ua: Vec<f64> = union.iter().map(|&u| ra[u as usize]).collect();
    let ub: Vec<f64> = union.iter().map(|&u| rb[u as usize]).collect();
    let spec = |top: &[u32], here: usize, there: usize| {
        let mut v: Vec<Specialist> = top
            .iter()
            .map(|&u| Specialist {
                user: u,
                rank_here: snap.standing(u, here).rank,
                rank_there: snap.standing(u, there).rank,
            })
            .collect();
        v.sort_by(|x, y| {
            y.rank_there
                .cmp(&x.rank_there)
                .then(x.rank_here.cmp(&y.rank_here))
        });
        v.truncate(specialists);
        v
    };
    MarketComparison {
        k,
        jaccard_top_k: if union.is_empty() {
            0.0
        } else {
            inter as f64 / union.len() as f64
        },
        spearman: pearson(&ra, &rb),
        kendall_tau_top_k: kendall_tau_b(&ua, &ub),
        specialists_a: spec(&top_a, a, b),
        specialists_b: spec(&top_b, b, a),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kendall_and_pearson_extremes() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let r = [4.0, 3.0, 2.0, 1.0];
        assert_eq!(super::kendall_tau_b(&a, &a), 1.0);
        assert_eq!(super::kendall_tau_b(&a, &r), -1.0);
        assert!((super::pearson(&a, &r) + 1.0).abs() < 1e-12);
    }
}
