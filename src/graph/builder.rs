//! Building a [`FollowerGraph`] from follows in any order.

use super::csr::FollowerGraph;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicU32, Ordering};

/// Splits users into ranges of about `work` follows (at least one user).
fn node_ranges(offsets: &[u64], work: u64) -> Vec<Range<usize>> {
    let users = offsets.len() - 1;
    let mut out = Vec::new();
    let mut start = 0;
    while start < users {
        let mut end = start + 1;
        while end < users && offsets[end] - offsets[start] < work {
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// What the build dropped, so the summary can say it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BuildStats {
    /// Follows of a user to themself: dropped (they would only feed a user's
    /// own score back to them).
    pub self_follows_dropped: u64,
    /// Repeated `u → v` follows beyond the first: a follow counts once, with
    /// the largest weight given for it, so line order does not matter.
    pub duplicate_follows_merged: u64,
}

/// Collects follows as dense index pairs, then builds the CSR once.
///
/// Memory while collecting: 8 bytes per follow (+4 when weighted); the build
/// then needs 4 more per follow for the CSR column before the pairs are freed.
#[derive(Debug, Default)]
pub struct GraphBuilder {
    src: Vec<u32>,
    dst: Vec<u32>,
    weights: Vec<f32>,
    weighted: bool,
    stats: BuildStats,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// An empty builder with room for `edges` follows.
    pub fn with_capacity(edges: usize) -> GraphBuilder {
        GraphBuilder {
            src: Vec::with_capacity(edges),
            dst: Vec::with_capacity(edges),
            ..GraphBuilder::default()
        }
    }

    /// A builder holding follows already read as columns (weights empty when
    /// every follow weighs 1). Self-follows are dropped here.
    pub fn from_columns(
        mut src: Vec<u32>,
        mut dst: Vec<u32>,
        mut weights: Vec<f32>,
    ) -> GraphBuilder {
        let weighted = !weights.is_empty();
        let mut keep = 0;
        for i in 0..src.len() {
            if src[i] != dst[i] {
                src[keep] = src[i];
                dst[keep] = dst[i];
                if weighted {
                    weights[keep] = weights[i];
                }
                keep += 1;
            }
        }
        let dropped = (src.len() - keep) as u64;
        src.truncate(keep);
        dst.truncate(keep);
        weights.truncate(if weighted { keep } else { 0 });
        GraphBuilder {
            src,
            dst,
            weights,
            weighted,
            stats: BuildStats {
                self_follows_dropped: dropped,
                ..BuildStats::default()
            },
        }
    }

    /// Adds `follower → followee` with a positive weight.
    pub fn add_follow(&mut self, follower: u32, followee: u32, weight: f32) {
        if follower == followee {
            self.stats.self_follows_dropped += 1;
            return;
        }
        if weight != 1.0 && !self.weighted {
            // First weighted follow: every earlier one weighed 1.
            self.weighted = true;
            self.weights = vec![1.0; self.src.len()];
        }
        self.src.push(follower);
        self.dst.push(followee);
        if self.weighted {
            self.weights.push(weight);
        }
    }

    /// Follows added so far (self-follows excluded).
    pub fn len(&self) -> usize {
        self.src.len()
    }

    /// True when no follow was added.
    pub fn is_empty(&self) -> bool {
        self.src.is_empty()
    }

    /// Builds the graph over `users` users (every index added must be below
    /// it; users without follows are isolated nodes).
    pub fn build(self, users: usize) -> (FollowerGraph, BuildStats) {
        let GraphBuilder {
            src,
            dst,
            weights,
            weighted,
            mut stats,
        } = self;
        let (offsets, sources, wsorted, merged) = csr_of_pairs(src, dst, weights, weighted, users);
        stats.duplicate_follows_merged = merged;
        let out_weight = out_weights(&sources, &wsorted, weighted, users);
        let graph = FollowerGraph {
            offsets,
            sources,
            weights: wsorted,
            out_weight,
        };
        (graph, stats)
    }
}

/// The incoming-follow CSR of followees `0..users` from follows in any
/// order (self-follows already dropped): offsets, followers ascending per
/// followee, their weights (empty unless `weighted`), and the number of
/// repeated follows merged. Each followee's segment is sorted on its own,
/// so the result does not depend on the order of the pairs — which is what
/// lets [`super::FollowSpill`] build the same graph one followee range at a
/// time.
pub(super) fn csr_of_pairs(
    src: Vec<u32>,
    dst: Vec<u32>,
    weights: Vec<f32>,
    weighted: bool,
    users: usize,
) -> (Vec<u64>, Vec<u32>, Vec<f32>, u64) {
    // Counting sort by followee.
    let mut offsets = vec![0u64; users + 1];
    for &d in &dst {
        offsets[d as usize + 1] += 1;
    }
    for i in 0..users {
        offsets[i + 1] += offsets[i];
    }
    let mut cursor: Vec<u64> = offsets[..users].to_vec();
    let mut sources = vec![0u32; src.len()];
    let mut wsorted = if weighted {
        vec![0f32; src.len()]
    } else {
        Vec::new()
    };
    for (i, (&s, &d)) in src.iter().zip(&dst).enumerate() {
        let at = cursor[d as usize] as usize;
        cursor[d as usize] += 1;
        sources[at] = s;
        if weighted {
            wsorted[at] = weights[i];
        }
    }
    drop((src, dst, weights, cursor));

    // Sort each followee's followers and merge repeated follows within
    // its segment, in parallel over node ranges (segments are disjoint).
    let ranges = node_ranges(&offsets, 1 << 16);
    let mut lens = vec![0u32; users];
    let merged: u64;
    {
        let mut src_parts = Vec::with_capacity(ranges.len());
        let mut w_parts = Vec::with_capacity(ranges.len());
        let mut len_parts = Vec::with_capacity(ranges.len());
        let (mut rest_s, mut rest_w, mut rest_l) =
            (&mut sources[..], &mut wsorted[..], &mut lens[..]);
        for r in &ranges {
            let edges = (offsets[r.end] - offsets[r.start]) as usize;
            let (s_head, s_tail) = rest_s.split_at_mut(edges);
            let (w_head, w_tail) = rest_w.split_at_mut(if weighted { edges } else { 0 });
            let (l_head, l_tail) = rest_l.split_at_mut(r.len());
            src_parts.push(s_head);
            w_parts.push(w_head);
            len_parts.push(l_head);
            (rest_s, rest_w, rest_l) = (s_tail, w_tail, l_tail);
        }
        let offsets = &offsets;
        merged = src_parts
            .into_par_iter()
            .zip(w_parts)
            .zip(len_parts)
            .zip(&ranges)
            .map(|(((srcs, ws), lens), r)| {
                let base = offsets[r.start] as usize;
                let mut dups = 0u64;
                let mut pairs: Vec<(u32, f32)> = Vec::new();
                for (i, v) in r.clone().enumerate() {
                    let (a, b) = (offsets[v] as usize - base, offsets[v + 1] as usize - base);
                    let kept = if weighted {
                        pairs.clear();
                        pairs.extend(srcs[a..b].iter().copied().zip(ws[a..b].iter().copied()));
                        // Largest weight first among repeats, so the kept one wins.
                        pairs.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(y.1.total_cmp(&x.1)));
                        let mut n = 0;
                        for j in 0..pairs.len() {
                            if j > 0 && pairs[j].0 == pairs[j - 1].0 {
                                continue;
                            }
                            srcs[a + n] = pairs[j].0;
                            ws[a + n] = pairs[j].1;
                            n += 1;
                        }
                        n
                    } else {
                        let seg = &mut srcs[a..b];
                        seg.sort_unstable();
                        let mut n = 0;
                        for j in 0..seg.len() {
                            if j > 0 && seg[j] == seg[n - 1] {
                                continue;
                            }
                            seg[n] = seg[j];
                            n += 1;
                        }
                        n
                    };
                    dups += (b - a - kept) as u64;
                    lens[i] = kept as u32;
                }
                dups
            })
            .sum();
    }
    if merged > 0 {
        // Close the gaps the merged repeats left (sequential, rare).
        let mut write = 0usize;
        for v in 0..users {
            let a = offsets[v] as usize;
            let len = lens[v] as usize;
            offsets[v] = write as u64;
            sources.copy_within(a..a + len, write);
            if weighted {
                wsorted.copy_within(a..a + len, write);
            }
            write += len;
        }
        offsets[users] = write as u64;
        sources.truncate(write);
        sources.shrink_to_fit();
        if weighted {
            wsorted.truncate(write);
            wsorted.shrink_to_fit();
        }
    }
    drop(lens);
    (offsets, sources, wsorted, merged)
}

/// Each user's total weight of follows given (the count, unweighted).
pub(super) fn out_weights(
    sources: &[u32],
    wsorted: &[f32],
    weighted: bool,
    users: usize,
) -> Vec<f64> {
    if weighted {
        let mut ow = vec![0f64; users];
        for (&s, &w) in sources.iter().zip(wsorted) {
            ow[s as usize] += w as f64;
        }
        ow
    } else {
        // Integer counts: the order of the atomic adds cannot matter.
        let counts: Vec<AtomicU32> = (0..users).map(|_| AtomicU32::new(0)).collect();
        sources.par_chunks(1 << 16).for_each(|c| {
            for &s in c {
                counts[s as usize].fetch_add(1, Ordering::Relaxed);
            }
        });
        counts.into_iter().map(|c| c.into_inner() as f64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_self_follows_and_merges_duplicates() {
        let mut b = GraphBuilder::new();
        b.add_follow(0, 1, 1.0);
        b.add_follow(0, 1, 1.0);
        b.add_follow(2, 2, 1.0);
        b.add_follow(2, 1, 1.0);
        let (g, s) = b.build(3);
        assert_eq!(g.followers(1), &[0, 2]);
        assert_eq!(g.edges(), 2);
        assert_eq!(s.self_follows_dropped, 1);
        assert_eq!(s.duplicate_follows_merged, 1);
        assert_eq!(g.out_weight(0), 1.0);
        assert_eq!(g.out_weight(1), 0.0);
    }

    #[test]
    fn duplicate_weight_is_the_largest_whatever_the_order() {
        for order in [[2.0f32, 5.0], [5.0, 2.0]] {
            let mut b = GraphBuilder::new();
            b.add_follow(0, 1, order[0]);
            b.add_follow(0, 1, order[1]);
            let (g, _) = b.build(2);
            assert_eq!(g.follower_weights(1), Some(&[5.0f32][..]));
            assert_eq!(g.out_weight(0), 5.0);
        }
    }
}
