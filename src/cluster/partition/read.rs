//! Phases 0 and 1 of [`super::load`]: agree on the file lists, then read
//! this worker's share of them with ids numbered locally.

use super::too_many;
use crate::cluster::mailroom::Mailroom;
use crate::graph::UserIds;
use crate::input::read::{read_follow_file, read_pair_file};
use crate::input::{BadLines, EdgeColumns, LineStats, ReadOptions};
use crate::job::JobError;
use rustc_hash::FxHashMap;
use std::hash::Hasher;
use std::path::PathBuf;

/// What one worker read of its files, before any id is global.
pub(super) struct Share {
    /// Every id this worker saw, interned in reading order.
    pub ids: UserIds,
    /// Ids `0..in_edges` appear in a follow; the rest only in topic files
    /// (counted in the totals, and they still need a global id).
    pub in_edges: usize,
    pub follows: Follows,
    /// Topic names in first-seen order; `tags` refer to them by index.
    pub topic_names: Vec<String>,
    /// `(local user, local topic, weight)` per topic line kept.
    pub tags: Vec<(u32, u32, f32)>,
    pub edge_lines: LineStats,
    pub topic_lines: LineStats,
}

/// The follows read here, as local id columns.
pub(super) struct Follows {
    pub src: Vec<u32>,
    pub dst: Vec<u32>,
    /// One weight per follow when any file read here had weights, else empty.
    pub wts: Vec<f32>,
    pub weighted: bool,
}

/// Phase 0. Every process must see the same file lists, or files would be
/// read twice or not at all: each worker broadcasts a hash of its lists
/// (one round, 8 bytes to every worker) and all refuse on a mismatch. Every
/// worker sees the same payloads, so they all stop together.
pub(super) fn same_inputs(
    mail: &mut Mailroom<'_>,
    edges: &[PathBuf],
    topics: &[PathBuf],
) -> Result<(), JobError> {
    let me = mail.index();
    let mut h = rustc_hash::FxHasher::default();
    for (kind, list) in [(1u8, edges), (2u8, topics)] {
        for p in list {
            h.write_u8(kind);
            h.write(p.as_os_str().as_encoded_bytes());
        }
    }
    let lists = mail.broadcast(h.finish().to_le_bytes().to_vec())?;
    if let Some(other) = lists.iter().position(|l| *l != lists[me]) {
        return Err(JobError::Config(format!(
            "worker {other} sees other input files than worker {me} ({} edge, {} topic files here): every process must expand the edge and topic paths to the same list (a shared filesystem, or the same paths on every host)",
            edges.len(),
            topics.len()
        )));
    }
    Ok(())
}

/// Phase 1 (no exchange). Reads `edges[i]` and `topics[i]` for `i ≡ me mod
/// w`, interning ids locally: edge files first, so the ids a follow names
/// come before those only tagged. `only` drops other topics' lines here,
/// before their users are interned.
pub(super) fn share(
    edges: &[PathBuf],
    topics: &[PathBuf],
    opts: &ReadOptions,
    (me, w): (usize, usize),
    bad: BadLines,
    only: Option<&[String]>,
) -> Result<Share, JobError> {
    let mut ids = UserIds::new();
    let (follows, edge_lines) = read_follows(mine(edges, me, w), opts, &mut ids, bad)?;
    let in_edges = ids.len();
    let mut topic_ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut topic_names: Vec<String> = Vec::new();
    let mut tags: Vec<(u32, u32, f32)> = Vec::new();
    let mut topic_lines = LineStats::default();
    for path in mine(topics, me, w) {
        let mut overflow = false;
        let read = read_pair_file(path, opts, ("user", "topic"), bad, None, None, |p| {
            if only.is_some_and(|o| !o.iter().any(|t| *t == *p.second)) {
                return;
            }
            let Some(u) = ids.intern(&p.first) else {
                overflow = true;
                return;
            };
            let t = *topic_ids.entry(p.second.to_string()).or_insert_with(|| {
                topic_names.push(p.second.to_string());
                topic_names.len() as u32 - 1
            });
            tags.push((u, t, p.weight));
        })?;
        if overflow {
            return Err(too_many(path));
        }
        add_stats(&mut topic_lines, &read.lines);
    }
    Ok(Share {
        ids,
        in_edges,
        follows,
        topic_names,
        tags,
        edge_lines,
        topic_lines,
    })
}

/// This worker's files of a list: the `i`-th goes to worker `i mod w`, the
/// same assignment on every process since the lists agree (phase 0).
fn mine(files: &[PathBuf], me: usize, w: usize) -> impl Iterator<Item = &PathBuf> {
    files
        .iter()
        .enumerate()
        .filter(move |(i, _)| i % w == me)
        .map(|(_, p)| p)
}

/// Reads edge files into one set of columns (each file appends); weights
/// appear once any follow has one, those read before weighing 1
/// ([`EdgeColumns::push`]).
fn read_follows<'a>(
    files: impl Iterator<Item = &'a PathBuf>,
    opts: &ReadOptions,
    ids: &mut UserIds,
    bad: BadLines,
) -> Result<(Follows, LineStats), JobError> {
    let mut cols = EdgeColumns::default();
    let mut lines = LineStats::default();
    for path in files {
        let read = read_follow_file(path, opts, ids, &mut cols, bad, None, None)?;
        add_stats(&mut lines, &read.lines);
    }
    let follows = Follows {
        weighted: !cols.weights.is_empty(),
        src: cols.src,
        dst: cols.dst,
        wts: cols.weights,
    };
    Ok((follows, lines))
}

/// Adds one file's line counts to a worker's (skip reasons merged by name).
fn add_stats(a: &mut LineStats, b: &LineStats) {
    a.lines += b.lines;
    a.bytes += b.bytes;
    a.comments_and_blank += b.comments_and_blank;
    a.headers += b.headers;
    for (k, v) in &b.skipped {
        *a.skipped.entry(k.clone()).or_default() += v;
    }
}
