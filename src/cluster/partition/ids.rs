//! Phases 2 and 3 of [`super::load`]: global user ids and global topic
//! columns, the numbering every later phase and the snapshot use.

use super::{payloads, too_many, Layout};
use crate::cluster::mailroom::{byte_strings, put_bytes, read_pod, Mailroom};
use crate::graph::UserIds;
use crate::job::JobError;
use rayon::prelude::*;
use std::hash::Hasher;
use std::path::Path;

/// Phase 2's outcome.
pub(super) struct GlobalIds {
    /// Global id of each id this worker read, by local intern index.
    pub global: Vec<u32>,
    pub layout: Layout,
    /// The owned users' external ids, sorted: owned user `u` is global
    /// `layout.lo() + u`.
    pub owned_ids: UserIds,
    /// Owned users no follow names (seen only in topic files).
    pub only_topics: u64,
}

/// Which worker interns `id`.
fn owner_of_id(id: &[u8], workers: usize) -> usize {
    let mut h = rustc_hash::FxHasher::default();
    h.write(id);
    ((h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % workers as u64) as usize
}

/// Phase 2. Three rounds: every id read here goes to its owner (with
/// whether a follow named it); each owner sorts its distinct ids; a sum of
/// the owners' counts gives every worker's range (`starts`); each owner
/// answers every request with its global id. `first_edges` names the
/// input in the error when the cluster has more users than 32 bits index
/// (every worker sees the same sum, so all stop together).
pub(super) fn global_ids(
    mail: &mut Mailroom<'_>,
    ids: UserIds,
    in_edges: usize,
    first_edges: &Path,
) -> Result<GlobalIds, JobError> {
    let (me, w) = (mail.index(), mail.peers());
    let mut asked: Vec<Vec<u32>> = vec![Vec::new(); w];
    let mut out: Vec<Vec<u8>> = vec![Vec::new(); w];
    for i in 0..ids.len() as u32 {
        let name = ids.name(i);
        let o = owner_of_id(name.as_bytes(), w);
        asked[o].push(i);
        put_bytes(&mut out[o], name.as_bytes());
        out[o].push(u8::from((i as usize) < in_edges));
    }
    let got = mail.exchange(out)?;
    let ranked = rank_requests(&got);
    drop(got);
    let mut counts = vec![0u64; w];
    counts[me] = ranked.owned as u64;
    let counts = mail.sum_u64(&counts)?;
    let mut starts = vec![0u64; w + 1];
    for k in 0..w {
        starts[k + 1] = starts[k] + counts[k];
    }
    if starts[w] > u32::MAX as u64 - 1 {
        return Err(too_many(first_edges));
    }
    let first = starts[me] as u32;
    let replies: Vec<Vec<u32>> = ranked
        .replies
        .into_iter()
        .map(|mut r| {
            r.iter_mut().for_each(|g| *g += first);
            r
        })
        .collect();
    let got = mail.exchange(payloads(replies))?;
    let mut global = vec![0u32; ids.len()];
    for (o, payload) in got.iter().enumerate() {
        for (&l, g) in asked[o].iter().zip(read_pod::<u32>(payload)) {
            global[l as usize] = g;
        }
    }
    Ok(GlobalIds {
        global,
        layout: Layout { me, starts },
        owned_ids: ranked.ids,
        only_topics: ranked.only_topics,
    })
}

/// The owner's side of phase 2, before the ranges are known.
struct Ranked {
    /// Per sender, per requested id in its order: the id's rank here.
    replies: Vec<Vec<u32>>,
    /// Distinct ids owned here.
    owned: usize,
    /// Those ids, sorted.
    ids: UserIds,
    only_topics: u64,
}

/// Ranks the ids sent here: entries are (id, sender, position in the
/// sender's list, seen in a follow), so one sort gives every distinct id
/// its rank and every request its answer.
fn rank_requests(got: &[Vec<u8>]) -> Ranked {
    let mut names: Vec<(&[u8], u32, u32, bool)> = Vec::new();
    let mut replies: Vec<Vec<u32>> = vec![Vec::new(); got.len()];
    for (s, payload) in got.iter().enumerate() {
        let mut rest = &payload[..];
        while !rest.is_empty() {
            let n = u32::from_le_bytes(rest[..4].try_into().unwrap()) as usize;
            let pos = replies[s].len() as u32;
            names.push((&rest[4..4 + n], s as u32, pos, rest[4 + n] == 1));
            replies[s].push(0);
            rest = &rest[5 + n..];
        }
    }
    names.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut ids = UserIds::new();
    let (mut owned, mut only_topics) = (0usize, 0u64);
    for group in names.chunk_by(|a, b| a.0 == b.0) {
        for e in group {
            replies[e.1 as usize][e.2 as usize] = owned as u32;
        }
        ids.intern(std::str::from_utf8(group[0].0).expect("ids are UTF-8"));
        owned += 1;
        only_topics += u64::from(!group.iter().any(|e| e.3));
    }
    Ranked {
        replies,
        owned,
        ids,
        only_topics,
    }
}

/// Phase 3. One broadcast of each worker's topic names; the sorted union
/// is the column order, so column `t` is the same topic everywhere.
/// Returns the union and the column of each topic read here (by local
/// index). A topic of `only` in no file is refused by every worker alike.
pub(super) fn topic_columns(
    mail: &mut Mailroom<'_>,
    topic_names: &[String],
    only: Option<&[String]>,
) -> Result<(Vec<String>, Vec<u32>), JobError> {
    let mut out = Vec::new();
    for n in topic_names {
        put_bytes(&mut out, n.as_bytes());
    }
    let got = mail.broadcast(out)?;
    let mut all_topics: Vec<String> = got
        .iter()
        .flat_map(|p| byte_strings(p).map(|s| String::from_utf8_lossy(s).into_owned()))
        .collect();
    all_topics.sort_unstable();
    all_topics.dedup();
    if let Some(missing) = only.and_then(|o| o.iter().find(|t| !all_topics.contains(t))) {
        return Err(JobError::Config(format!(
            "topic `{missing}` (asked for by name) is in none of the topic files"
        )));
    }
    let topic_global: Vec<u32> = topic_names
        .iter()
        .map(|n| all_topics.binary_search(n).unwrap() as u32)
        .collect();
    Ok((all_topics, topic_global))
}
