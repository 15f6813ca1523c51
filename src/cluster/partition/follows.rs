//! Phases 4 and 5 of [`super::load`]: follows and tags travel to the
//! worker that owns them, which builds its local graph and tags.

use super::read::Follows;
use super::{payloads, Layout};
use crate::cluster::mailroom::{read_pod, Mailroom};
use crate::graph::{BuildStats, FollowerGraph, GraphBuilder, TopicTags, TopicsBuilder};
use crate::job::JobError;
use rayon::prelude::*;

/// Phase 4. Two rounds: whether any worker read weights (a sum, so every
/// worker stores weights or none), then every follow as `(follower,
/// followee, weight bits)` in global ids to the followee's owner, which
/// pulls along incoming follows. Returns the follows received here, in
/// sender order, and whether weights are kept.
pub(super) fn to_followee_owners(
    mail: &mut Mailroom<'_>,
    follows: Follows,
    global: &[u32],
    layout: &Layout,
) -> Result<(Vec<[u32; 3]>, bool), JobError> {
    let any_weighted = mail.sum_u64(&[u64::from(follows.weighted)])?[0] > 0;
    let Follows {
        src,
        dst,
        wts,
        weighted,
    } = follows;
    let mut typed: Vec<Vec<[u32; 3]>> = vec![Vec::new(); layout.workers()];
    for e in 0..src.len() {
        let (gs, gd) = (global[src[e] as usize], global[dst[e] as usize]);
        let wt = if weighted { wts[e] } else { 1.0 };
        typed[layout.owner(gd)].push([gs, gd, wt.to_bits()]);
    }
    drop((src, dst, wts));
    let got = mail.exchange(payloads(typed))?;
    let recs = got
        .into_iter()
        .flat_map(|p| read_pod::<[u32; 3]>(&p))
        .collect();
    Ok((recs, any_weighted))
}

/// This worker's graph over local indices.
pub(super) struct LocalGraph {
    /// Owned users `0..owned`, then the ghosts; out-weights not yet summed.
    pub graph: FollowerGraph,
    pub build: BuildStats,
    /// Global id of each ghost, ascending.
    pub ghosts: Vec<u32>,
}

/// Phase 5 (no exchange). Followers owned elsewhere become ghosts, sorted
/// by global id so each owner's ghosts are one contiguous run of rows
/// after the owned users (phase 7 then names a run per worker). The
/// single-process builder does the rest over local indices: self-follows
/// dropped, repeated follows merged with the largest weight, followers
/// ascending.
pub(super) fn local_graph(recs: Vec<[u32; 3]>, layout: &Layout, any_weighted: bool) -> LocalGraph {
    let (lo, owned) = (layout.lo(), layout.owned());
    let own = |s: u32| layout.owns(s);
    let mut ghosts: Vec<u32> = recs.iter().map(|r| r[0]).filter(|&s| !own(s)).collect();
    ghosts.par_sort_unstable();
    ghosts.dedup();
    let n_local = owned + ghosts.len();
    let src: Vec<u32> = recs
        .par_iter()
        .map(|r| match own(r[0]) {
            true => r[0] - lo,
            false => owned as u32 + ghosts.binary_search(&r[0]).unwrap() as u32,
        })
        .collect();
    let dst: Vec<u32> = recs.iter().map(|r| r[1] - lo).collect();
    let wts: Vec<f32> = match any_weighted {
        true => recs.iter().map(|r| f32::from_bits(r[2])).collect(),
        false => Vec::new(),
    };
    drop(recs);
    let (graph, build) = GraphBuilder::from_columns(src, dst, wts).build(n_local);
    LocalGraph {
        graph,
        build,
        ghosts,
    }
}

/// Phase 5's one round: every tag as `(user, topic column, weight bits)`
/// in global numbers to the user's owner, which builds the tags of its
/// `n_local` rows (ghosts get none: a row's teleport is its owner's).
pub(super) fn tags_to_owners(
    mail: &mut Mailroom<'_>,
    tags: Vec<(u32, u32, f32)>,
    global: Vec<u32>,
    (all_topics, topic_global): (&[String], &[u32]),
    layout: &Layout,
    n_local: usize,
) -> Result<TopicTags, JobError> {
    let mut typed: Vec<Vec<[u32; 3]>> = vec![Vec::new(); layout.workers()];
    for &(u, t, wt) in &tags {
        let g = global[u as usize];
        typed[layout.owner(g)].push([g, topic_global[t as usize], wt.to_bits()]);
    }
    drop((tags, global));
    let got = mail.exchange(payloads(typed))?;
    let lo = layout.lo();
    let mut tb = TopicsBuilder::with_topics(all_topics);
    for p in &got {
        for [g, t, wt] in read_pod::<[u32; 3]>(p) {
            tb.add_tag(g - lo, &all_topics[t as usize], f32::from_bits(wt));
        }
    }
    Ok(tb.build(n_local))
}
