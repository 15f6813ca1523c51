//! Building a [`FollowerGraph`] larger than memory allows to hold as
//! pairs: follows are moved to disk by followee range as they are read,
//! then each range is read back and sorted on its own.
//!
//! Why: the in-memory [`GraphBuilder`](super::GraphBuilder) holds every
//! follow as a (follower, followee) pair — 8 bytes a follow — and then 4
//! more for the CSR column: 12 bytes a follow at the peak, 17.6 GB for
//! twitter-2010's 1.47 billion follows, more while the columns grow by
//! doubling. Spilled, the peak is the CSR column itself (4 bytes a follow)
//! plus one followee range's pairs. The graph is the same, array for array:
//! every followee's followers are sorted and merged within its own segment
//! ([`super::builder::csr_of_pairs`]), so which pairs arrive in which range
//! file, in what order, cannot change it.
//!
//! Files: one per range of [`RANGE_USERS`] followees, in a temporary
//! directory removed when the spill is dropped (also on error or panic).
//! Each holds (follower, followee) `u32` pairs, native-endian, in arrival
//! order; a weights file beside it starts once a weight other than 1 is
//! seen (the range's earlier follows weighing 1).

use super::builder::{csr_of_pairs, out_weights};
use super::{BuildStats, FollowerGraph};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Followees per range file: 2²² (4.2M). At twitter-2010's 41.7M users that
/// is 10 files of ~150M follows (1.2 GB of pairs) each on average.
pub const RANGE_USERS: usize = 1 << 22;

/// Where and when follows go to disk while a graph is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpillOptions {
    /// Follows held in memory before they are moved to disk; `None` never
    /// spills (the whole graph is built in memory, as before).
    pub after_follows: Option<u64>,
    /// Directory the temporary range files are created in (default: the
    /// system's temporary directory). Needs ~8 bytes a follow free.
    pub dir: Option<PathBuf>,
}

impl SpillOptions {
    /// Follows held in memory by default before spilling: 2²⁸ (268M follows,
    /// 2 GiB of pairs). Graphs below it never touch the disk.
    pub const DEFAULT_AFTER: u64 = 1 << 28;
}

impl Default for SpillOptions {
    fn default() -> SpillOptions {
        SpillOptions {
            after_follows: Some(SpillOptions::DEFAULT_AFTER),
            dir: None,
        }
    }
}

/// One followee range's files.
struct Range {
    pairs: BufWriter<File>,
    weights: Option<BufWriter<File>>,
    /// Follows written.
    len: u64,
    /// Follows written before the first weight other than 1.
    unweighted_prefix: u64,
}

/// Follows moved to disk by followee range; [`FollowSpill::build`] turns
/// them into the graph.
pub struct FollowSpill {
    dir: tempfile::TempDir,
    ranges: Vec<Range>,
    weighted: bool,
    self_follows_dropped: u64,
    follows: u64,
}

impl std::fmt::Debug for FollowSpill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowSpill")
            .field("dir", &self.dir.path())
            .field("ranges", &self.ranges.len())
            .field("follows", &self.follows)
            .finish()
    }
}

fn range_path(dir: &Path, r: usize, what: &str) -> PathBuf {
    dir.join(format!("range-{r:05}.{what}"))
}

impl FollowSpill {
    /// An empty spill in a new temporary directory under `parent` (the
    /// system's temporary directory when `None`).
    pub fn new(parent: Option<&Path>) -> io::Result<FollowSpill> {
        let mut b = tempfile::Builder::new();
        b.prefix(".marketrank-spill-");
        let dir = match parent {
            Some(p) => b.tempdir_in(p)?,
            None => b.tempdir()?,
        };
        Ok(FollowSpill {
            dir,
            ranges: Vec::new(),
            weighted: false,
            self_follows_dropped: 0,
            follows: 0,
        })
    }

    /// The temporary directory (for messages).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Follows on disk so far (self-follows excluded).
    pub fn len(&self) -> u64 {
        self.follows
    }

    /// True when nothing was spilled.
    pub fn is_empty(&self) -> bool {
        self.follows == 0
    }

    /// Moves follows to disk (`weights` empty when all weigh 1), dropping
    /// self-follows as [`GraphBuilder::from_columns`](super::GraphBuilder::from_columns)
    /// does.
    pub fn write(&mut self, src: &[u32], dst: &[u32], weights: &[f32]) -> io::Result<()> {
        let weighted = !weights.is_empty();
        for i in 0..src.len() {
            let (s, d) = (src[i], dst[i]);
            if s == d {
                self.self_follows_dropped += 1;
                continue;
            }
            let w = if weighted { weights[i] } else { 1.0 };
            if w != 1.0 && !self.weighted {
                self.weighted = true;
            }
            let r = d as usize / RANGE_USERS;
            if r >= self.ranges.len() {
                self.open_ranges(r + 1)?;
            }
            let range = &mut self.ranges[r];
            if self.weighted && range.weights.is_none() {
                let f = File::create(range_path(self.dir.path(), r, "weights"))?;
                range.weights = Some(BufWriter::with_capacity(1 << 16, f));
                range.unweighted_prefix = range.len;
            }
            range.pairs.write_all(&s.to_ne_bytes())?;
            range.pairs.write_all(&d.to_ne_bytes())?;
            if let Some(wf) = &mut range.weights {
                wf.write_all(&w.to_ne_bytes())?;
            }
            range.len += 1;
            self.follows += 1;
        }
        Ok(())
    }

    fn open_ranges(&mut self, n: usize) -> io::Result<()> {
        while self.ranges.len() < n {
            let r = self.ranges.len();
            let f = File::create(range_path(self.dir.path(), r, "pairs"))?;
            self.ranges.push(Range {
                pairs: BufWriter::with_capacity(1 << 16, f),
                weights: None,
                len: 0,
                unweighted_prefix: 0,
            });
        }
        Ok(())
    }

    /// Builds the graph over `users` users from every follow written, one
    /// followee range at a time; the range files are removed as they are
    /// read. The same follows give the same graph as
    /// [`GraphBuilder::build`](super::GraphBuilder::build).
    pub fn build(mut self, users: usize) -> io::Result<(FollowerGraph, BuildStats)> {
        for r in &mut self.ranges {
            r.pairs.flush()?;
            if let Some(w) = &mut r.weights {
                w.flush()?;
            }
        }
        let weighted = self.weighted;
        let mut offsets: Vec<u64> = Vec::with_capacity(users + 1);
        offsets.push(0);
        let mut sources: Vec<u32> = Vec::with_capacity(self.follows as usize);
        let mut wsorted: Vec<f32> =
            Vec::with_capacity(if weighted { self.follows as usize } else { 0 });
        let mut merged = 0u64;
        let ranges = std::mem::take(&mut self.ranges);
        let mut ranges = ranges.into_iter();
        let mut base = 0usize;
        while base < users {
            let width = RANGE_USERS.min(users - base);
            let (src, dst, ws) = match ranges.next() {
                Some(range) => self.read_range(base / RANGE_USERS, range, base as u32)?,
                None => (Vec::new(), Vec::new(), Vec::new()),
            };
            let (off, s, w, m) = csr_of_pairs(src, dst, ws, weighted, width);
            let at = sources.len() as u64;
            offsets.extend(off[1..].iter().map(|o| at + o));
            sources.extend_from_slice(&s);
            wsorted.extend_from_slice(&w);
            merged += m;
            base += width;
        }
        if ranges.next().is_some() {
            return Err(io::Error::other(format!(
                "a follow names a followee index beyond the {users} users read"
            )));
        }
        sources.shrink_to_fit();
        wsorted.shrink_to_fit();
        let out_weight = out_weights(&sources, &wsorted, weighted, users);
        let stats = BuildStats {
            self_follows_dropped: self.self_follows_dropped,
            duplicate_follows_merged: merged,
        };
        let graph = FollowerGraph {
            offsets,
            sources,
            weights: wsorted,
            out_weight,
        };
        Ok((graph, stats))
    }

    /// One range's follows, followees made relative to `base`; its files
    /// are removed once read.
    fn read_range(
        &self,
        r: usize,
        range: Range,
        base: u32,
    ) -> io::Result<(Vec<u32>, Vec<u32>, Vec<f32>)> {
        let Range {
            pairs,
            weights,
            len,
            unweighted_prefix,
        } = range;
        drop((pairs, weights));
        let n = len as usize;
        let pairs_path = range_path(self.dir.path(), r, "pairs");
        // Read in pieces, so the range is held once (as columns), not
        // also as bytes.
        let mut file = std::io::BufReader::with_capacity(1 << 20, File::open(&pairs_path)?);
        let (mut src, mut dst) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut piece = vec![0u8; 8 << 20];
        let mut left = n * 8;
        while left > 0 {
            let take = left.min(piece.len());
            file.read_exact(&mut piece[..take])?;
            for p in piece[..take].chunks_exact(8) {
                src.push(u32::from_ne_bytes([p[0], p[1], p[2], p[3]]));
                dst.push(u32::from_ne_bytes([p[4], p[5], p[6], p[7]]) - base);
            }
            left -= take;
        }
        drop(file);
        std::fs::remove_file(&pairs_path)?;
        let mut ws = Vec::new();
        if self.weighted {
            ws = vec![1.0f32; unweighted_prefix as usize];
            let path = range_path(self.dir.path(), r, "weights");
            if path.exists() {
                let mut b = Vec::with_capacity((n - unweighted_prefix as usize) * 4);
                File::open(&path)?.read_to_end(&mut b)?;
                std::fs::remove_file(&path)?;
                ws.extend(
                    b.chunks_exact(4)
                        .map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]])),
                );
            } else {
                ws.resize(n, 1.0);
            }
            if ws.len() != n {
                return Err(io::Error::other(format!(
                    "{}: {} weights for {n} follows",
                    path.display(),
                    ws.len()
                )));
            }
        }
        Ok((src, dst, ws))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphBuilder;

    /// Follows across several ranges, repeated and self-follows included,
    /// weighted from the middle on: the spilled build equals the in-memory one.
    #[test]
    fn spilled_build_equals_the_in_memory_build() {
        let users = 2 * RANGE_USERS + 5;
        let mut src = Vec::new();
        let mut dst = Vec::new();
        let mut w = Vec::new();
        let mut x = 12345u64;
        for i in 0..20_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let s = (x >> 33) as u32 % 50;
            let d = match i % 4 {
                0 => (x >> 20) as u32 % 50,
                1 => RANGE_USERS as u32 + (x >> 40) as u32 % 7,
                _ => (users - 1 - (x >> 45) as usize % 3) as u32,
            };
            src.push(s);
            dst.push(d);
            w.push(if i > 10_000 {
                1.0 + (i % 3) as f32
            } else {
                1.0
            });
        }
        for weighted in [false, true] {
            let ws: &[f32] = if weighted { &w } else { &[] };
            let (mem, mem_stats) =
                GraphBuilder::from_columns(src.clone(), dst.clone(), ws.to_vec()).build(users);
            let mut spill = FollowSpill::new(None).unwrap();
            // In pieces, the first ones all weighing 1.
            for (a, b) in [(0, 7_000), (7_000, 15_000), (15_000, 20_000)] {
                let piece: &[f32] = if weighted && a > 0 { &w[a..b] } else { &[] };
                spill.write(&src[a..b], &dst[a..b], piece).unwrap();
            }
            let (disk, disk_stats) = spill.build(users).unwrap();
            assert_eq!(mem_stats, disk_stats);
            assert!(mem_stats.self_follows_dropped > 0 && mem_stats.duplicate_follows_merged > 0);
            assert_eq!(mem.offsets, disk.offsets);
            assert_eq!(mem.sources, disk.sources);
            assert_eq!(mem.weights, disk.weights);
            assert_eq!(mem.out_weight, disk.out_weight);
        }
    }

    #[test]
    fn the_directory_goes_with_the_spill() {
        let mut spill = FollowSpill::new(None).unwrap();
        spill.write(&[1, 2], &[2, 1], &[]).unwrap();
        let dir = spill.dir().to_path_buf();
        assert!(dir.exists());
        drop(spill);
        assert!(!dir.exists());
    }
}
