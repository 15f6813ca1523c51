//! [`Snapshot`]: one snapshot file, or the parts of a sharded one read as
//! if they were one file.

use super::format::{AffinityEntry, TeleportEntry};
use super::meta::Metadata;
use super::reader::{Keep, Part, UserStanding};
use super::shards::{check_part, is_manifest, read_manifest, ShardProblem};
use super::SnapshotError;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// An open, verified snapshot.
///
/// ```no_run
/// let snap = marketrank::Snapshot::open("scores.snap")?;
/// let m = snap.market_index("fashion").expect("market");
/// for (user, score) in snap.top(m, 10) {
///     println!("{}\t{score}", snap.user_id(user));
/// }
/// # Ok::<(), marketrank::SnapshotError>(())
/// ```
///
/// A sharded snapshot (the manifest written by a distributed run,
/// [`shards`](super::shards)) opens the same way: user indices run over the
/// parts in order, and ranks and percentiles are over all users. What
/// differs: it carries no model (no `explain` or warm start from it), and
/// [`order`](Self::order) merges the parts' orders on first use (4 bytes
/// per user and market asked for).
pub struct Snapshot {
    parts: Vec<Part>,
    /// Global index of each part's first user (`parts + 1` values).
    starts: Vec<u32>,
    /// The manifest's metadata, for a sharded snapshot.
    meta: Option<Metadata>,
    /// The path opened (the manifest's, for a sharded snapshot).
    path: String,
    merged: Vec<OnceLock<Vec<u32>>>,
}

impl Snapshot {
    /// Opens and fully verifies (header, checksums, section bounds, and
    /// every offset, index and score in range: see `reader/checks.rs`) the
    /// snapshot at `path`, or every part of a sharded one.
    ///
    /// The files are memory-mapped: they must not be modified while open.
    /// marketrank itself never modifies a snapshot in place (it writes a new
    /// file and renames it), so this holds for files it wrote; a process
    /// that must outlive someone else's `cp` over the file reads a private
    /// copy instead ([`read_private`](Self::read_private)).
    pub fn open(path: impl AsRef<Path>) -> Result<Snapshot, SnapshotError> {
        Self::open_with(path.as_ref(), Access::Mapped)
    }

    /// Opens without the whole-file checks: the header checksum, the
    /// version, the file length, the section table and the metadata are
    /// checked (and that the variable-length sections hold whole
    /// records), but not the body checksum and the per-user checks of
    /// offsets, indices and scores, which read the whole file (about a second for a 2.5 GB
    /// snapshot). For services that open a snapshot which was verified once
    /// (by [`open`](Self::open) or `marketrank info`) and is never modified:
    /// on a damaged file, lookups may panic instead of returning an error.
    pub fn open_unverified(path: impl AsRef<Path>) -> Result<Snapshot, SnapshotError> {
        Self::open_with(path.as_ref(), Access::Unverified)
    }

    /// Reads the snapshot at `path` (every part of a sharded one) into
    /// private memory and fully verifies that copy, as [`open`](Self::open)
    /// does the mapped file.
    ///
    /// For a long-running service: nothing written to the files afterwards
    /// can change its answers or crash it. A mapped file changed in place
    /// (`cp new.snap served.snap`) answers from bytes that were never
    /// verified, and one made shorter raises SIGBUS on the next lookup
    /// (issue 19). The cost is the files' size in memory of the process's
    /// own, which the kernel cannot drop and reread as it can the page
    /// cache behind a mapping; twice that while a new snapshot is loaded
    /// beside the one still answering.
    ///
    /// # Errors
    ///
    /// Those of [`open`](Self::open), and
    /// [`SnapshotError::ChangedWhileRead`] when a file's length (or, for
    /// [`read_private_lookups`](Self::read_private_lookups), its header or
    /// section table) changes while it is read.
    pub fn read_private(path: impl AsRef<Path>) -> Result<Snapshot, SnapshotError> {
        Self::open_with(path.as_ref(), Access::Private(Keep::All))
    }

    /// [`read_private`](Self::read_private) without the model sections
    /// (follower graph, affinity, teleport): they are read and
    /// checksummed, but not kept, so [`has_model`](Self::has_model) is
    /// false. What `serve` holds: lookups never read the model, which is
    /// about a third of a snapshot (README, "What `serve` holds").
    pub fn read_private_lookups(path: impl AsRef<Path>) -> Result<Snapshot, SnapshotError> {
        Self::open_with(path.as_ref(), Access::Private(Keep::Lookups))
    }

    fn open_with(path: &Path, access: Access) -> Result<Snapshot, SnapshotError> {
        let open = |p: &Path| match access {
            Access::Mapped => Part::open(p),
            Access::Unverified => Part::open_unverified(p),
            Access::Private(keep) => Part::read_private(p, keep),
        };
        if !starts_like_manifest(path) {
            let part = open(path)?;
            let users = part.users() as u32;
            return Ok(Snapshot {
                parts: vec![part],
                starts: vec![0, users],
                meta: None,
                path: path.display().to_string(),
                merged: Vec::new(),
            });
        }
        let (manifest, paths) = read_manifest(path)?;
        let bad = |reason: String| SnapshotError::Malformed {
            path: path.display().to_string(),
            reason,
        };
        if manifest.metadata.users > u32::MAX as u64 {
            return Err(bad("more than 2³² users".into()));
        }
        let mut parts = Vec::with_capacity(paths.len());
        let mut starts = vec![0u32];
        for (entry, p) in manifest.parts.iter().zip(&paths) {
            let part = open(p)?;
            check_part(path, &manifest.run, entry, &part)?;
            if part.users() as u64 != entry.users {
                return Err(bad(format!(
                    "part {} holds {} users, the manifest says {}",
                    p.display(),
                    part.users(),
                    entry.users
                )));
            }
            let names: Vec<&str> = manifest
                .metadata
                .markets
                .iter()
                .map(|m| m.name.as_str())
                .collect();
            if part.markets() != names.as_slice() {
                return Err(bad(format!(
                    "part {} has other markets than the manifest (a part of another run?)",
                    p.display()
                )));
            }
            starts.push(starts.last().unwrap() + part.users() as u32);
            parts.push(part);
        }
        if parts.is_empty() {
            return Err(bad("the manifest lists no parts".into()));
        }
        let k = parts[0].markets().len();
        Ok(Snapshot {
            parts,
            starts,
            meta: Some(manifest.metadata),
            path: path.display().to_string(),
            merged: (0..k).map(|_| OnceLock::new()).collect(),
        })
    }

    /// An id of the snapshot's content, the same on every copy of its
    /// files: `<created>/<crc>`, the run's creation time (RFC 3339, from
    /// [`Metadata::created_unix`]) and the body CRC-32 its header stores
    /// (for a sharded snapshot, the CRC-32 of every part's length and CRC
    /// in order).
    ///
    /// Content, not the file's identity: replicas serving copies of one
    /// file agree, and an export names the snapshot it came from (issue
    /// 19). The time makes the 32-bit CRC unambiguous in practice (two runs
    /// in the same second that differ collide with chance 2⁻³²), and tells
    /// a reader at a glance which run it is.
    pub fn content_id(&self) -> String {
        let crc = match self.parts.as_slice() {
            [one] => one.fingerprint().1,
            parts => {
                let mut h = crc32fast::Hasher::new();
                for p in parts {
                    let (len, crc) = p.fingerprint();
                    h.update(&len.to_le_bytes());
                    h.update(&crc.to_le_bytes());
                }
                h.finalize()
            }
        };
        format!(
            "{}/{crc:08x}",
            super::meta::rfc3339(self.metadata().created_unix)
        )
    }

    /// Each file's columns as stored, in user order: what a program hands
    /// on without a copy (numpy views, Arrow arrays).
    pub fn columns(&self) -> Vec<super::columns::PartColumns<'_>> {
        self.parts
            .iter()
            .zip(&self.starts)
            .map(|(p, &s)| p.columns(s))
            .collect()
    }

    /// Number of files behind this snapshot (1 unless sharded).
    pub fn part_count(&self) -> usize {
        self.parts.len()
    }

    fn sharded(&self) -> bool {
        self.parts.len() > 1
    }

    /// Part and local index of user `u`.
    #[inline]
    fn locate(&self, u: u32) -> (&Part, u32) {
        if !self.sharded() {
            return (&self.parts[0], u);
        }
        let p = self.starts.partition_point(|&s| s <= u) - 1;
        (&self.parts[p], u - self.starts[p])
    }

    /// True when the snapshot carries the follower graph, teleport and
    /// affinities (needed by `explain` and warm starts); never for a
    /// sharded snapshot.
    pub fn has_model(&self) -> bool {
        !self.sharded() && self.parts[0].has_model()
    }

    /// Followers of `v` (ascending user indices). Panics without a model.
    pub fn followers_of(&self, v: u32) -> &[u32] {
        self.single().followers_of(v)
    }

    /// Weights of the follows into `v`, aligned with [`followers_of`](Self::followers_of);
    /// `None` when every follow weighs 1. Panics without a model.
    pub fn follower_weights_of(&self, v: u32) -> Option<&[f32]> {
        self.single().follower_weights_of(v)
    }

    /// Topic affinities of user `u`. Panics without a model.
    pub fn affinity_of(&self, u: u32) -> &[AffinityEntry] {
        self.single().affinity_of(u)
    }

    /// Teleport entries of user `u` (beyond the uniform `_global` base).
    /// Panics without a model.
    pub fn teleport_of(&self, u: u32) -> &[TeleportEntry] {
        self.single().teleport_of(u)
    }

    /// Trust user `u` passes per unit of follow weight (runs with
    /// `--accounts`; `None` otherwise, and for sharded snapshots).
    pub fn trust_passed(&self, u: u32) -> Option<f32> {
        if self.sharded() {
            return None;
        }
        self.single().trust_passed(u)
    }

    fn single(&self) -> &Part {
        assert!(!self.sharded(), "a sharded snapshot has no model");
        &self.parts[0]
    }

    /// The run's metadata.
    pub fn metadata(&self) -> &Metadata {
        self.meta
            .as_ref()
            .unwrap_or_else(|| self.parts[0].metadata())
    }

    /// Number of users.
    pub fn users(&self) -> usize {
        *self.starts.last().unwrap() as usize
    }

    /// Market names, in column order.
    pub fn markets(&self) -> &[String] {
        self.parts[0].markets()
    }

    /// Column of a market name.
    pub fn market_index(&self, name: &str) -> Option<usize> {
        self.parts[0].market_index(name)
    }

    /// External id of user index `u`.
    pub fn user_id(&self, u: u32) -> &str {
        let (p, l) = self.locate(u);
        p.user_id(l)
    }

    /// Index of an external id (binary search in each part).
    pub fn user_index(&self, id: &str) -> Option<u32> {
        self.parts
            .iter()
            .zip(&self.starts)
            .find_map(|(p, &s)| p.user_index(id).map(|l| s + l))
    }

    /// Follower count of user `u`.
    pub fn followers(&self, u: u32) -> u64 {
        let (p, l) = self.locate(u);
        p.followers(l)
    }

    /// Score of user `u` in market column `m`.
    pub fn score(&self, u: u32, m: usize) -> f64 {
        let (p, l) = self.locate(u);
        p.score(l, m)
    }

    /// Users of market `m` by descending score, ties by user index.
    pub fn order(&self, m: usize) -> &[u32] {
        if !self.sharded() {
            return self.parts[0].order(m);
        }
        self.merged[m].get_or_init(|| self.merge_orders(m))
    }

    /// Merges the parts' orders: by score descending, then global index.
    fn merge_orders(&self, m: usize) -> Vec<u32> {
        let mut heads = vec![0usize; self.parts.len()];
        let mut out = Vec::with_capacity(self.users());
        loop {
            let mut best: Option<(f64, u32, usize)> = None;
            for (i, part) in self.parts.iter().enumerate() {
                if let Some(&l) = part.order(m).get(heads[i]) {
                    let (s, g) = (part.score(l, m), self.starts[i] + l);
                    if best.is_none_or(|(bs, bg, _)| s > bs || (s == bs && g < bg)) {
                        best = Some((s, g, i));
                    }
                }
            }
            let Some((_, g, i)) = best else { break };
            out.push(g);
            heads[i] += 1;
        }
        out
    }

    /// The `k` most influential users of market `m`, with scores.
    pub fn top(&self, m: usize, k: usize) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.order(m)
            .iter()
            .take(k)
            .map(move |&u| (u, self.score(u, m)))
    }

    /// Score, rank and percentile of user `u` in market `m`: one binary
    /// search for the users above, then a galloping search over the users
    /// tied with `u` (usually a few), in each part's order.
    pub fn standing(&self, u: u32, m: usize) -> UserStanding {
        let s = self.score(u, m);
        let (mut higher, mut not_lower) = (0, 0);
        for part in &self.parts {
            let order = part.order(m);
            let h = order.partition_point(|&v| part.score(v, m) > s);
            higher += h;
            not_lower += h + leading_at_least(&order[h..], |v| part.score(v, m) >= s);
        }
        let users = self.users();
        UserStanding {
            score: s,
            rank: higher as u64 + 1,
            percentile: 100.0 * (users - not_lower) as f64 / users.max(1) as f64,
        }
    }

    /// Competition rank of user `u` in market `m` (1 + users with a higher
    /// score): one binary search per part.
    pub fn rank(&self, u: u32, m: usize) -> u64 {
        let s = self.score(u, m);
        let higher: usize = self
            .parts
            .iter()
            .map(|part| part.order(m).partition_point(|&v| part.score(v, m) > s))
            .sum();
        higher as u64 + 1
    }

    /// Deep consistency checks of every part (see `marketrank info
    /// --check`): every section's values in range, id index sorted, each
    /// market's order a ranking; across the parts of a sharded snapshot, no
    /// id in two parts (one merge of the parts' sorted ids).
    pub fn check_consistency(&self) -> Result<(), SnapshotError> {
        self.parts.iter().try_for_each(Part::check_consistency)?;
        if !self.sharded() {
            return Ok(());
        }
        use std::cmp::Reverse;
        let mut ids: Vec<_> = self.parts.iter().map(|p| p.ids_sorted()).collect();
        let mut heap = std::collections::BinaryHeap::new();
        for (i, it) in ids.iter_mut().enumerate() {
            if let Some(id) = it.next() {
                heap.push(Reverse((id, i)));
            }
        }
        let mut last: Option<(&[u8], usize)> = None;
        while let Some(Reverse((id, i))) = heap.pop() {
            if let Some((prev, j)) = last.filter(|&(prev, _)| prev == id) {
                return Err(SnapshotError::Shards {
                    path: self.path.clone(),
                    problem: ShardProblem::SharedUser {
                        id: String::from_utf8_lossy(prev).into_owned(),
                        first: self.parts[j].path().to_string(),
                        second: self.parts[i].path().to_string(),
                    },
                });
            }
            last = Some((id, i));
            if let Some(next) = ids[i].next() {
                heap.push(Reverse((next, i)));
            }
        }
        Ok(())
    }
}

/// How [`Snapshot::open_with`] gets at each file's bytes.
#[derive(Clone, Copy)]
enum Access {
    /// Memory-mapped and fully verified ([`Snapshot::open`]).
    Mapped,
    /// Memory-mapped, header-level checks only ([`Snapshot::open_unverified`]).
    Unverified,
    /// Read into private memory and fully verified
    /// ([`Snapshot::read_private`], [`Snapshot::read_private_lookups`]).
    Private(Keep),
}

fn starts_like_manifest(path: &Path) -> bool {
    let mut head = [0u8; 256];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    is_manifest(&head[..n])
}

/// How many leading users of `order` satisfy `at_least` (which holds for a
/// prefix): exponential then binary search, so a few ties cost a few reads.
fn leading_at_least(order: &[u32], at_least: impl Fn(u32) -> bool) -> usize {
    let (mut lo, mut step) = (0, 1);
    while lo + step <= order.len() && at_least(order[lo + step - 1]) {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step).min(order.len());
    lo + order[lo..hi].partition_point(|&v| at_least(v))
}
