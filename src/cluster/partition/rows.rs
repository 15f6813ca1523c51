//! Phases 6 and 7 of [`super::load`]: what the iteration needs besides the
//! graph: every follower's total out-weight, and which rows travel where.

use super::{owner_of_global, payloads, Layout};
use crate::cluster::mailroom::{read_pod, Mailroom};
use crate::graph::FollowerGraph;
use crate::job::JobError;
use std::ops::Range;

/// Phase 6. A follower's out-weight sums follows held by the followees'
/// owners, so each owner sends every follow's weight `(follower, weight
/// bits)` to the follower's owner in one round (its own followers it adds
/// directly). Owned users get the sum; ghosts keep 1.0, a placeholder
/// (the sum that counts is their owner's).
pub(super) fn out_weights(
    mail: &mut Mailroom<'_>,
    graph: &FollowerGraph,
    ghosts: &[u32],
    layout: &Layout,
    any_weighted: bool,
) -> Result<Vec<f64>, JobError> {
    let (me, lo, owned) = (layout.me, layout.lo(), layout.owned());
    let mut out_weight = vec![1.0f64; owned + ghosts.len()];
    out_weight[..owned].fill(0.0);
    let add = |ow: &mut [f64], s: u32, wt: f32| {
        ow[(s - lo) as usize] += if any_weighted { wt as f64 } else { 1.0 };
    };
    let global_of = |s: u32| match (s as usize) < owned {
        true => lo + s,
        false => ghosts[s as usize - owned],
    };
    let mut typed: Vec<Vec<[u32; 2]>> = vec![Vec::new(); layout.workers()];
    for v in 0..owned as u32 {
        let ws = graph.follower_weights(v);
        for (i, &s) in graph.followers(v).iter().enumerate() {
            let (s, wt) = (global_of(s), ws.map_or(1.0, |ws| ws[i]));
            match layout.owner(s) {
                o if o == me => add(&mut out_weight, s, wt),
                o => typed[o].push([s, wt.to_bits()]),
            }
        }
    }
    let got = mail.exchange(payloads(typed))?;
    for p in &got {
        for [s, wt] in read_pod::<[u32; 2]>(p) {
            add(&mut out_weight, s, f32::from_bits(wt));
        }
    }
    Ok(out_weight)
}

/// Phase 7. One round: each worker tells every owner which of its users
/// it holds as ghosts (global ids, ascending), so both sides agree on the
/// rows once per iteration without naming them again. Returns `send` (per
/// worker, the owned local users whose rows it needs) and `recv` (per
/// worker, the run of ghost rows it fills here).
pub(super) fn routes(
    mail: &mut Mailroom<'_>,
    ghosts: &[u32],
    layout: &Layout,
) -> Result<(Vec<Vec<u32>>, Vec<Range<usize>>), JobError> {
    let (w, owned) = (layout.workers(), layout.owned());
    let mut recv = vec![0..0; w];
    let mut out: Vec<Vec<u8>> = vec![Vec::new(); w];
    let mut at = 0;
    for (o, r) in recv.iter_mut().enumerate() {
        let end = at + ghosts[at..].partition_point(|&g| layout.owner(g) == o);
        *r = owned + at..owned + end;
        out[o] = bytemuck::cast_slice(&ghosts[at..end]).to_vec();
        at = end;
    }
    let got = mail.exchange(out)?;
    let lo = layout.lo();
    let send: Vec<Vec<u32>> = got
        .iter()
        .map(|p| read_pod::<u32>(p).into_iter().map(|g| g - lo).collect())
        .collect();
    Ok((send, recv))
}

/// Rows a push would send: distinct (followee, follower's worker) pairs
/// with the follower owned elsewhere. Ghost followers come after owned
/// ones, in global order, so their owners come in runs.
pub(super) fn push_rows(g: &FollowerGraph, owned: usize, ghosts: &[u32], starts: &[u64]) -> u64 {
    let mut n = 0;
    for v in 0..owned as u32 {
        let mut last = usize::MAX;
        for &s in g.followers(v).iter().filter(|&&s| s as usize >= owned) {
            let o = owner_of_global(starts, ghosts[s as usize - owned]);
            n += u64::from(o != last);
            last = o;
        }
    }
    n
}
