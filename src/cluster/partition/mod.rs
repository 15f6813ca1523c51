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
//!
//! [`load`] is a fixed sequence of phases, each a function with the rounds
//! it trades: 0 and 1, agreeing on the file lists and reading this
//! worker's share ([`read`]); 2 and 3, global user ids and topic columns
//! ([`ids`]); 4 and 5, follows and tags to their owners and the local
//! graph ([`follows`]); 6 and 7, out-weights and which rows travel where
//! ([`rows`]); then the cluster's [`totals`].

mod follows;
mod ids;
mod read;
mod rows;
mod totals;

use super::mailroom::Mailroom;
use crate::graph::{strongly_connected, FollowerGraph, GraphBuilder, TopicTags, UserIds};
use crate::input::error::InputError;
use crate::input::{BadLines, LineStats};
use crate::job::JobError;
use std::ops::Range;
use std::path::{Path, PathBuf};

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

/// Where every worker's users sit once global ids are known (phase 2):
/// worker `k` owns the global range `starts[k]..starts[k + 1]`, and owned
/// user `u` here is global `lo() + u`.
struct Layout {
    me: usize,
    starts: Vec<u64>,
}

impl Layout {
    fn workers(&self) -> usize {
        self.starts.len() - 1
    }

    /// First global id owned here.
    fn lo(&self) -> u32 {
        self.starts[self.me] as u32
    }

    /// Number of users owned here.
    fn owned(&self) -> usize {
        (self.starts[self.me + 1] - self.starts[self.me]) as usize
    }

    fn owns(&self, g: u32) -> bool {
        let lo = self.lo();
        g >= lo && g < lo + self.owned() as u32
    }

    /// Which worker owns global id `g`.
    fn owner(&self, g: u32) -> usize {
        owner_of_global(&self.starts, g)
    }
}

/// Which worker owns global id `g`.
fn owner_of_global(starts: &[u64], g: u32) -> usize {
    starts.partition_point(|&s| s <= g as u64) - 1
}

/// One payload per worker from per-worker lists of plain values.
fn payloads<T: bytemuck::Pod>(per_worker: Vec<Vec<T>>) -> Vec<Vec<u8>> {
    per_worker
        .into_iter()
        .map(|t| bytemuck::cast_slice(&t).to_vec())
        .collect()
}

/// Reads this worker's files (`edges[i]` and `topics[i]` for `i ≡ me mod
/// W`) and builds its partition, trading ids and follows with the others.
///
/// The phases run in this order on every worker, each making the same
/// mailroom calls (rounds are matched by number, so a worker that skipped
/// or reordered one would read another phase's payloads); a phase that
/// refuses the input does so on every worker at once, from data all of
/// them received.
pub(crate) fn load(
    mail: &mut Mailroom<'_>,
    edges: &[PathBuf],
    topics: &[PathBuf],
    opts: &crate::input::ReadOptions,
    bad: BadLines,
    only: Option<&[String]>,
) -> Result<Partition, JobError> {
    read::same_inputs(mail, edges, topics)?;
    let share = read::share(edges, topics, opts, (mail.index(), mail.peers()), bad, only)?;
    let ids = ids::global_ids(mail, share.ids, share.in_edges, &edges[0])?;
    let (all_topics, topic_global) = ids::topic_columns(mail, &share.topic_names, only)?;
    if all_topics.is_empty() {
        // Every worker holds the same topic list, so all refuse together.
        let first = topics.first().map_or(Path::new("-"), |p| p.as_path());
        return Err(crate::input::load::no_topics(first, &share.topic_lines).into());
    }
    let layout = ids.layout;
    let (recs, any_weighted) =
        follows::to_followee_owners(mail, share.follows, &ids.global, &layout)?;
    let follows::LocalGraph {
        mut graph,
        build,
        ghosts,
    } = follows::local_graph(recs, &layout, any_weighted);
    let n_local = layout.owned() + ghosts.len();
    let tags = follows::tags_to_owners(
        mail,
        share.tags,
        ids.global,
        (&all_topics, &topic_global),
        &layout,
        n_local,
    )?;
    graph.out_weight = rows::out_weights(mail, &graph, &ghosts, &layout, any_weighted)?;
    let push_rows = rows::push_rows(&graph, layout.owned(), &ghosts, &layout.starts);
    let (send, recv) = rows::routes(mail, &ghosts, &layout)?;
    let local = Totals {
        edge_lines: share.edge_lines,
        topic_lines: share.topic_lines,
        edges: graph.edges(),
        self_follows_dropped: build.self_follows_dropped,
        duplicate_follows_merged: build.duplicate_follows_merged,
        duplicate_tags_merged: tags.duplicates_merged(),
        users_only_in_topics: ids.only_topics,
        pull_rows: send.iter().map(|s| s.len() as u64).sum(),
        push_rows,
    };
    let totals = totals::summed(mail, local)?;
    totals::require_follows(&totals, edges.len())?;
    Ok(Partition {
        graph,
        owned: layout.owned(),
        starts: layout.starts,
        ids: ids.owned_ids,
        tags,
        send,
        recv,
        ghosts,
        totals,
    })
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
    JobError::Input(InputError::too_many_users(path))
}
