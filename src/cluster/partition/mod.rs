//! Loading a graph across workers: each reads only its share of the files,
//! ids become dense global ids, and each worker ends up with the follows
//! into the users it owns.
//!
//! Ownership is by hash of the external id: worker `hash(id) mod W` interns
//! it. Each owner sorts its distinct ids, so worker `w` owns the contiguous
//! global range `starts[w]..starts[w+1]`, and global ids are the same
//! whichever worker read which file.
//!
//! Pull partitioning: a worker holds the *incoming* follows of its users
//! (the single-process CSR, cut by followee). The followers it needs from
//! other workers are *ghost* rows at the end of its local block, refreshed
//! once per iteration from their owners: rows sent per iteration = distinct
//! (follower, followee's worker) pairs across workers.

use super::mailroom::{byte_strings, put_bytes, read_pod, Mailroom};
use crate::graph::{
    strongly_connected, FollowerGraph, GraphBuilder, TopicTags, TopicsBuilder, UserIds,
};
use crate::input::error::InputError;
use crate::input::{read_edges_parallel, read_pairs, BadLines, LineStats};
use crate::job::JobError;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::hash::Hasher;
use std::ops::Range;
use std::path::PathBuf;

/// A worker's part of the graph.
pub(crate) struct Partition {
    /// Local graph: owned users `0..owned`, then ghosts (no follows in).
    pub graph: FollowerGraph,
    pub owned: usize,
    /// Global start of each worker's range (`W + 1` values).
    pub starts: Vec<u64>,
    /// The owned users' external ids, in local order (sorted by id).
    pub ids: UserIds,
    /// Tags of the local users (ghosts have none), global topic order.
    pub tags: TopicTags,
    /// Per worker: owned local users whose rows it needs each iteration.
    pub send: Vec<Vec<u32>>,
    /// Per worker: the ghost rows it sends here.
    pub recv: Vec<Range<usize>>,
    /// Global id of each ghost.
    pub ghosts: Vec<u32>,
    /// Totals over all workers.
    pub totals: Totals,
}

/// Counts summed over the cluster, for the summary and the metadata.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Edge lines read.
    pub edge_lines: LineStats,
    /// Topic lines read.
    pub topic_lines: LineStats,
    /// Distinct follows.
    pub edges: u64,
    /// Self-follows dropped.
    pub self_follows_dropped: u64,
    /// Repeated follows merged.
    pub duplicate_follows_merged: u64,
    /// Repeated tags merged.
    pub duplicate_tags_merged: u64,
    /// Users who appear only in topic files.
    pub users_only_in_topics: u64,
    /// Rows sent per iteration by pull (follower rows to followees' workers).
    pub pull_rows: u64,
    /// Rows a push with per-destination pre-aggregation would send.
    pub push_rows: u64,
}

impl Partition {
    /// Global id of local user `u` (owned or ghost).
    pub fn global(&self, u: u32, me: usize) -> u32 {
        if (u as usize) < self.owned {
            self.starts[me] as u32 + u
        } else {
            self.ghosts[u as usize - self.owned]
        }
    }
}

/// Which worker interns `id`.
fn owner_of_id(id: &[u8], workers: usize) -> usize {
    let mut h = rustc_hash::FxHasher::default();
    h.write(id);
    ((h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % workers as u64) as usize
}

/// Which worker owns global id `g`.
fn owner_of_global(starts: &[u64], g: u32) -> usize {
    starts.partition_point(|&s| s <= g as u64) - 1
}

fn add_stats(a: &mut LineStats, b: &LineStats) {
    a.lines += b.lines;
    a.bytes += b.bytes;
    a.comments_and_blank += b.comments_and_blank;
    a.headers += b.headers;
    for (k, v) in &b.skipped {
        *a.skipped.entry(k.clone()).or_default() += v;
    }
}

fn stats_vec(s: &LineStats) -> Vec<u64> {
    vec![
        s.lines,
        s.bytes,
        s.comments_and_blank,
        s.headers,
        s.skipped_total(),
    ]
}

/// Reads this worker's files (`edges[i]` and `topics[i]` for `i ≡ me mod
/// W`) and builds its partition, trading ids and follows with the others.
pub(crate) fn load(
    mail: &mut Mailroom<'_>,
    edges: &[PathBuf],
    topics: &[PathBuf],
    bad: BadLines,
    only: Option<&[String]>,
) -> Result<Partition, JobError> {
    let (me, w) = (mail.index(), mail.peers());
    // Every process must see the same file lists, or files would be read
    // twice or not at all.
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
            "worker {other} sees other input files than worker {me} ({} edge, {} topic files here): every process must expand --edges/--topics to the same list (a shared filesystem, or the same paths on every host)",
            edges.len(),
            topics.len()
        )));
    }
    let mine = |i: &usize| i % w == me;
    // 1. Read this worker's share, interning ids locally.
    let mut ids = UserIds::new();
    let (mut src, mut dst, mut wts) = (Vec::new(), Vec::new(), Vec::new());
    let mut totals = Totals::default();
    let mut weighted = false;
    for (_, path) in edges.iter().enumerate().filter(|(i, _)| mine(i)) {
        let (cols, stats) = read_edges_parallel(path, &mut ids, bad, None)?;
        add_stats(&mut totals.edge_lines, &stats);
        if !cols.weights.is_empty() {
            // Files read before without weights weigh 1.
            weighted = true;
            wts.resize(src.len(), 1.0);
            wts.extend_from_slice(&cols.weights);
        }
        src.extend_from_slice(&cols.src);
        dst.extend_from_slice(&cols.dst);
    }
    if weighted {
        wts.resize(src.len(), 1.0);
    }
    let in_edges = ids.len();
    let mut topic_ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut topic_names: Vec<String> = Vec::new();
    let mut local_tags: Vec<(u32, u32, f32)> = Vec::new();
    for (_, path) in topics.iter().enumerate().filter(|(i, _)| mine(i)) {
        let mut overflow = false;
        let stats = read_pairs(path, ("user", "topic"), bad, None, |p| {
            if only.is_some_and(|o| !o.iter().any(|t| t == p.second)) {
                return;
            }
            let Some(u) = ids.intern(p.first) else {
                overflow = true;
                return;
            };
            let t = *topic_ids.entry(p.second.to_string()).or_insert_with(|| {
                topic_names.push(p.second.to_string());
                topic_names.len() as u32 - 1
            });
            local_tags.push((u, t, p.weight));
        })?;
        if overflow {
            return Err(too_many(path));
        }
        add_stats(&mut totals.topic_lines, &stats);
    }

    // 2. Global ids: send every id to its owner, which sorts its distinct
    // ids; ranges follow from the counts.
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
    // (id, sender, position in the sender's list, seen in a follow); one
    // sort gives every id its rank and every request its answer.
    let mut names: Vec<(&[u8], u32, u32, bool)> = Vec::new();
    let mut replies: Vec<Vec<u32>> = vec![Vec::new(); w];
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
    let mut owned_names: Vec<&[u8]> = Vec::with_capacity(names.len());
    let mut only_topics = 0u64;
    for group in names.chunk_by(|a, b| a.0 == b.0) {
        let rank = owned_names.len() as u32;
        for e in group {
            replies[e.1 as usize][e.2 as usize] = rank;
        }
        owned_names.push(group[0].0);
        only_topics += u64::from(!group.iter().any(|e| e.3));
    }
    let mut counts = vec![0u64; w];
    counts[me] = owned_names.len() as u64;
    let counts = mail.sum_u64(&counts)?;
    let mut starts = vec![0u64; w + 1];
    for k in 0..w {
        starts[k + 1] = starts[k] + counts[k];
    }
    if starts[w] > u32::MAX as u64 - 1 {
        return Err(too_many(&edges[0]));
    }
    let first = starts[me];
    let owned = owned_names.len();
    let replies: Vec<Vec<u8>> = replies
        .into_iter()
        .map(|mut r| {
            r.iter_mut().for_each(|g| *g += first as u32);
            bytemuck::cast_slice(&r).to_vec()
        })
        .collect();
    let mut owned_ids = UserIds::new();
    for n in &owned_names {
        owned_ids.intern(std::str::from_utf8(n).expect("ids are UTF-8"));
    }
    drop((names, owned_names));
    let got = mail.exchange(replies)?;
    let mut global = vec![0u32; ids.len()];
    for (o, payload) in got.iter().enumerate() {
        for (&l, g) in asked[o].iter().zip(read_pod::<u32>(payload)) {
            global[l as usize] = g;
        }
    }
    drop(ids);

    // 3. Topic names: the sorted union, so column t is the same everywhere.
    let mut out = Vec::new();
    for n in &topic_names {
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
            "topic `{missing}` (from --only-topics) is in none of the topic files"
        )));
    }
    let topic_global: Vec<u32> = topic_names
        .iter()
        .map(|n| all_topics.binary_search(n).unwrap() as u32)
        .collect();

    // 4. Follows to the followee's owner; tags to the user's owner.
    let any_weighted = mail.sum_u64(&[u64::from(weighted)])?[0] > 0;
    // (follower, followee, weight bits) per follow.
    let mut typed: Vec<Vec<[u32; 3]>> = vec![Vec::new(); w];
    for e in 0..src.len() {
        let (gs, gd) = (global[src[e] as usize], global[dst[e] as usize]);
        let wt = if weighted { wts[e] } else { 1.0 };
        typed[owner_of_global(&starts, gd)].push([gs, gd, wt.to_bits()]);
    }
    drop((src, dst, wts));
    let out = typed
        .into_iter()
        .map(|t| bytemuck::cast_slice(&t).to_vec())
        .collect();
    let got = mail.exchange(out)?;
    // 5. Ghosts: followers owned elsewhere, sorted by global id, so each
    // owner's ghosts are one contiguous run of rows after the owned users.
    let recs: Vec<[u32; 3]> = got
        .into_iter()
        .flat_map(|p| read_pod::<[u32; 3]>(&p))
        .collect();
    let lo = first as u32;
    let hi = (first + owned as u64) as u32;
    let own = |s: u32| s >= lo && s < hi;
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
    // The single-process builder over local indices: self-follows dropped,
    // repeated follows merged with the largest weight, followers ascending.
    let (mut graph, build) = GraphBuilder::from_columns(src, dst, wts).build(n_local);
    let global_of = |s: u32| match (s as usize) < owned {
        true => lo + s,
        false => ghosts[s as usize - owned],
    };

    // Tags to the user's owner.
    let mut typed: Vec<Vec<[u32; 3]>> = vec![Vec::new(); w];
    for &(u, t, wt) in &local_tags {
        let g = global[u as usize];
        typed[owner_of_global(&starts, g)].push([g, topic_global[t as usize], wt.to_bits()]);
    }
    drop((local_tags, global));
    let out = typed
        .into_iter()
        .map(|t| bytemuck::cast_slice(&t).to_vec())
        .collect();
    let got = mail.exchange(out)?;
    let mut tb = TopicsBuilder::with_topics(&all_topics);
    for p in &got {
        for [g, t, wt] in read_pod::<[u32; 3]>(p) {
            tb.add_tag(g - lo, &all_topics[t as usize], f32::from_bits(wt));
        }
    }
    let tags = tb.build(n_local);

    // 6. Out-weights: each follow's weight to the follower's owner.
    let mut out_weight = vec![1.0f64; n_local];
    out_weight[..owned].fill(0.0);
    let add = |ow: &mut [f64], s: u32, wt: f32| {
        ow[(s - lo) as usize] += if any_weighted { wt as f64 } else { 1.0 };
    };
    let mut typed: Vec<Vec<[u32; 2]>> = vec![Vec::new(); w];
    for v in 0..owned as u32 {
        let ws = graph.follower_weights(v);
        for (i, &s) in graph.followers(v).iter().enumerate() {
            let (s, wt) = (global_of(s), ws.map_or(1.0, |ws| ws[i]));
            match owner_of_global(&starts, s) {
                o if o == me => add(&mut out_weight, s, wt),
                o => typed[o].push([s, wt.to_bits()]),
            }
        }
    }
    let push_rows = push_rows(&graph, owned, &ghosts, &starts);
    let out = typed
        .into_iter()
        .map(|t| bytemuck::cast_slice(&t).to_vec())
        .collect();
    let got = mail.exchange(out)?;
    for p in &got {
        for [s, wt] in read_pod::<[u32; 2]>(p) {
            add(&mut out_weight, s, f32::from_bits(wt));
        }
    }
    graph.out_weight = out_weight;

    // 7. Which rows each worker sends here, and which it needs from here.
    let mut recv = vec![0..0; w];
    let mut out: Vec<Vec<u8>> = vec![Vec::new(); w];
    let mut at = 0;
    for (o, r) in recv.iter_mut().enumerate() {
        let end = at + ghosts[at..].partition_point(|&g| owner_of_global(&starts, g) == o);
        *r = owned + at..owned + end;
        out[o] = bytemuck::cast_slice(&ghosts[at..end]).to_vec();
        at = end;
    }
    let got = mail.exchange(out)?;
    let send: Vec<Vec<u32>> = got
        .iter()
        .map(|p| read_pod::<u32>(p).into_iter().map(|g| g - lo).collect())
        .collect();

    let mut v = stats_vec(&totals.edge_lines);
    v.extend(stats_vec(&totals.topic_lines));
    v.extend([
        graph.edges(),
        build.self_follows_dropped,
        build.duplicate_follows_merged,
        tags.duplicates_merged(),
        only_topics,
        send.iter().map(|s| s.len() as u64).sum(),
        push_rows,
    ]);
    let s = mail.sum_u64(&v)?;
    totals.edges = s[10];
    totals.self_follows_dropped = s[11];
    totals.duplicate_follows_merged = s[12];
    totals.duplicate_tags_merged = s[13];
    totals.users_only_in_topics = s[14];
    totals.pull_rows = s[15];
    totals.push_rows = s[16];
    for (st, base) in [(&mut totals.edge_lines, 0), (&mut totals.topic_lines, 5)] {
        st.lines = s[base];
        st.bytes = s[base + 1];
        st.comments_and_blank = s[base + 2];
        st.headers = s[base + 3];
        st.skipped = std::iter::once(("malformed".to_string(), s[base + 4]))
            .filter(|e| e.1 > 0)
            .collect();
        st.first_skipped.clear();
    }
    if totals.edges == 0 {
        return Err(JobError::Config(format!(
            "no follows to rank in {} edge file(s): {} lines, {} self-follows dropped",
            edges.len(),
            totals.edge_lines.lines,
            totals.self_follows_dropped
        )));
    }
    Ok(Partition {
        graph,
        owned,
        starts,
        ids: owned_ids,
        tags,
        send,
        recv,
        ghosts,
        totals,
    })
}

/// Rows a push would send: distinct (followee, follower's worker) pairs
/// with the follower owned elsewhere. Ghost followers come after owned
/// ones, in global order, so their owners come in runs.
fn push_rows(g: &FollowerGraph, owned: usize, ghosts: &[u32], starts: &[u64]) -> u64 {
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

/// Earned teleport needs the closed groups of the whole graph (strongly
/// connected components nobody outside follows). Worker 0 gathers the
/// follows (8 bytes each), finds them, and tells every worker which of its
/// users someone vouches for. This is the one step that holds the whole
/// graph in one place; `--teleport tagged` skips it.
pub(crate) fn vouched(mail: &mut Mailroom<'_>, part: &Partition) -> Result<Vec<f32>, JobError> {
    let (me, w) = (mail.index(), mail.peers());
    let g = &part.graph;
    let mut out = vec![Vec::new(); w];
    for v in 0..part.owned as u32 {
        let gv = part.global(v, me);
        for &s in g.followers(v) {
            out[0].extend_from_slice(bytemuck::bytes_of(&part.global(s, me)));
            out[0].extend_from_slice(bytemuck::bytes_of(&gv));
        }
    }
    let got = mail.exchange(out)?;
    let mut out = vec![Vec::new(); w];
    if me == 0 {
        let users = part.starts[w] as usize;
        let mut b = GraphBuilder::with_capacity(got.iter().map(|p| p.len() / 8).sum());
        for p in got {
            for r in p.chunks_exact(8) {
                let s = u32::from_le_bytes(r[0..4].try_into().unwrap());
                let d = u32::from_le_bytes(r[4..8].try_into().unwrap());
                b.add_follow(s, d, 1.0);
            }
        }
        let (whole, _) = b.build(users);
        let comps = strongly_connected(&whole);
        let mut bits = vec![0u8; users.div_ceil(8)];
        for u in 0..users as u32 {
            // Cannot vouch: inside a closed group, or followed by nobody
            // (the single-process rule, `rank::teleport::vouched`).
            if comps.in_closed_group(u) || whole.follower_count(u) == 0 {
                bits[u as usize / 8] |= 1 << (u % 8);
            }
        }
        out = vec![bits; w];
    }
    let got = mail.exchange(out)?;
    let cannot = |u: u32| got[0][u as usize / 8] & (1 << (u % 8)) != 0;
    Ok((0..g.users() as u32)
        .map(|v| {
            let any = (v as usize) < part.owned
                && g.followers(v).iter().any(|&s| !cannot(part.global(s, me)));
            f32::from(u8::from(any))
        })
        .collect())
}

fn too_many(path: &std::path::Path) -> JobError {
    JobError::Input(InputError::Unusable {
        path: path.to_path_buf(),
        reason: "more than 4,294,967,294 distinct users: marketrank indexes users with 32 bits"
            .into(),
    })
}
