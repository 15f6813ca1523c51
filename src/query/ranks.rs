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
        let mut j = i;
        while j < order.len() && snap.score(order[j], m) == s {
            ranks[order[j] as usize] = i as u64 + 1;
            j += 1;
        }
        i = j;
    }
    ranks
}
