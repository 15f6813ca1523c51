//! Every user's rank in one market, for questions that compare ranks
//! across users or runs (a diff, the export's `global_rank` column) rather
//! than look up one user.

use crate::snapshot::Snapshot;

/// Competition rank of every user in market `m`, from the stored order:
/// users with equal scores share the rank of the first of them ("1, 2, 2,
/// 4"), so a tie never makes one user look better than another.
pub fn market_ranks(snap: &Snapshot, m: usize) -> Vec<u64> {
    let order = snap.order(m);
    let mut ranks = vec![0u64; order.len()];
    let mut i = 0;
    while i < order.len() {
        let s = snap.score(order[i], m);
        // `j` starts past `i`, so every pass moves on even when `s` equals
        // nothing (NaN in a file opened without its checks: issue 18, item 10).
        let mut j = i + 1;
        while j < order.len() && snap.score(order[j], m) == s {
            j += 1;
        }
        for &u in &order[i..j] {
            ranks[u as usize] = i as u64 + 1;
        }
        i = j;
    }
    ranks
}
