//! Writing a snapshot atomically: temporary file, fsync, rename.

use super::format::*;
use super::meta::Metadata;
use crate::atomic::AtomicFile;
use crate::graph::{FollowerGraph, UserIds};
use crate::rank::{RankResult, ScoreBlock, TopicTeleport};
use rayon::prelude::*;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// What goes into a snapshot.
pub struct SnapshotContent<'a> {
    /// User ids, by index.
    pub user_ids: &'a UserIds,
    /// Follower count per user.
    pub followers: Vec<u32>,
    /// The scores.
    pub result: &'a RankResult,
    /// The metadata (its `markets` must match `result.markets`).
    pub metadata: Metadata,
    /// The follower graph and the walk's teleport and affinities, so that
    /// `explain` and warm starts need only the snapshot. `None` omits them.
    pub model: Option<(&'a FollowerGraph, &'a TopicTeleport)>,
}

/// Counts bytes and computes the body CRC while writing.
struct CrcWriter<W: Write> {
    inner: W,
    crc: crc32fast::Hasher,
    pos: u64,
}

impl<W: Write> CrcWriter<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)?;
        self.crc.update(bytes);
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> std::io::Result<()> {
        let rem = (ALIGN - self.pos % ALIGN) % ALIGN;
        self.put(&vec![0u8; rem as usize])
    }
}

/// The ids as one byte buffer with offsets (the snapshot's sections 2–3).
pub(crate) struct IdBytes {
    offsets: Vec<u64>,
    bytes: Vec<u8>,
}

impl IdBytes {
    fn new(ids: &UserIds) -> IdBytes {
        let mut offsets = Vec::with_capacity(ids.len() + 1);
        let mut bytes = Vec::with_capacity(ids.len() * 8);
        offsets.push(0);
        for i in 0..ids.len() as u32 {
            ids.write_name(i, &mut bytes);
            offsets.push(bytes.len() as u64);
        }
        IdBytes { offsets, bytes }
    }

    fn get(&self, i: u32) -> &[u8] {
        &self.bytes[self.offsets[i as usize] as usize..self.offsets[i as usize + 1] as usize]
    }
}

/// Users of market `c` by descending score, ties by user index. One market
/// at a time, so only one order is in memory. The key packs the score's bits
/// (scores are ≥ 0, so their bit patterns sort like the values) and the
/// index into one integer: a plain integer sort, no float or string compares.
pub(crate) fn market_order(result: &RankResult, c: usize) -> Vec<u32> {
    let n = result.users();
    let k = result.k();
    let mut keys: Vec<u128> = (0..n)
        .into_par_iter()
        .map(|u| {
            let bits = result.scores.get(u, c, k).max(0.0).to_bits();
            ((!bits as u128) << 32) | u as u128
        })
        .collect();
    keys.par_sort_unstable();
    keys.into_par_iter().map(|key| key as u32).collect()
}

/// Writes `content` to `path` atomically: readers see the old file or the
/// whole new one, never a part.
pub fn write_snapshot(path: &Path, content: &SnapshotContent<'_>) -> Result<(), SnapshotError> {
    let io = |e: std::io::Error| SnapshotError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let r = content.result;
    let n = r.users();
    assert_eq!(content.user_ids.len(), n, "one id per user");
    assert_eq!(content.followers.len(), n, "one follower count per user");

    let ids = IdBytes::new(content.user_ids);
    let mut id_index: Vec<u32> = (0..n as u32).collect();
    id_index.par_sort_unstable_by(|&a, &b| ids.get(a).cmp(ids.get(b)));
    let meta_json = serde_json::to_vec_pretty(&content.metadata).expect("metadata serialises");

    let mut file = AtomicFile::create(path).map_err(io)?;
    let handle = file.file().try_clone().map_err(io)?;
    let mut w = CrcWriter {
        inner: std::io::BufWriter::with_capacity(1 << 20, handle),
        crc: crc32fast::Hasher::new(),
        pos: 0,
    };
    w.inner.write_all(&[0u8; HEADER_LEN]).map_err(io)?;
    w.pos = HEADER_LEN as u64;
    let mut table: Vec<(u32, u64, u64)> = Vec::new();
    macro_rules! section {
        ($kind:expr, $body:block) => {{
            let start = w.pos;
            $body
            table.push(($kind, start, w.pos - start));
            w.pad().map_err(io)?;
        }};
    }
    section!(KIND_METADATA, {
        w.put(&meta_json).map_err(io)?;
    });
    section!(KIND_ID_OFFSETS, {
        w.put(bytemuck::cast_slice(&ids.offsets)).map_err(io)?;
    });
    section!(KIND_ID_BYTES, {
        w.put(&ids.bytes).map_err(io)?;
    });
    section!(KIND_FOLLOWERS, {
        w.put(bytemuck::cast_slice(&content.followers))
            .map_err(io)?;
    });
    section!(KIND_SCORES, {
        w.put(r.scores.as_bytes()).map_err(io)?;
    });
    section!(KIND_ORDER, {
        for c in 0..r.k() {
            let o = market_order(r, c);
            w.put(bytemuck::cast_slice(&o)).map_err(io)?;
        }
    });
    section!(KIND_ID_INDEX, {
        w.put(bytemuck::cast_slice(&id_index)).map_err(io)?;
    });
    if let Some((g, tele)) = content.model {
        section!(KIND_GRAPH_OFFSETS, {
            w.put(bytemuck::cast_slice(g.offsets())).map_err(io)?;
        });
        section!(KIND_GRAPH_SOURCES, {
            w.put(bytemuck::cast_slice(g.sources())).map_err(io)?;
        });
        if g.is_weighted() {
            section!(KIND_GRAPH_WEIGHTS, {
                w.put(bytemuck::cast_slice(&g.weights)).map_err(io)?;
            });
        }
        section!(KIND_AFFINITY_OFFSETS, {
            w.put(bytemuck::cast_slice(&tele.aff_offsets)).map_err(io)?;
        });
        section!(KIND_AFFINITY, {
            let a: Vec<AffinityEntry> = tele
                .affinity
                .iter()
                .map(|&(column, affinity)| AffinityEntry { column, affinity })
                .collect();
            w.put(bytemuck::cast_slice(&a)).map_err(io)?;
        });
        section!(KIND_TELEPORT_OFFSETS, {
            w.put(bytemuck::cast_slice(&tele.offsets)).map_err(io)?;
        });
        section!(KIND_TELEPORT, {
            let t: Vec<TeleportEntry> = tele
                .entries
                .iter()
                .map(|&(column, prob)| TeleportEntry {
                    column,
                    reserved: 0,
                    prob,
                })
                .collect();
            w.put(bytemuck::cast_slice(&t)).map_err(io)?;
        });
    }

    let table_offset = w.pos;
    for &(kind, off, len) in &table {
        let mut e = [0u8; ENTRY_LEN];
        e[0..4].copy_from_slice(&kind.to_le_bytes());
        e[8..16].copy_from_slice(&off.to_le_bytes());
        e[16..24].copy_from_slice(&len.to_le_bytes());
        w.put(&e).map_err(io)?;
    }
    let CrcWriter {
        inner,
        crc,
        pos: file_len,
    } = w;
    let body_crc = crc.finalize();
    let mut inner = inner.into_inner().map_err(|e| io(e.into_error()))?;

    let mut h = [0u8; HEADER_LEN];
    h[0..8].copy_from_slice(&MAGIC);
    h[8..10].copy_from_slice(&VERSION_MAJOR.to_le_bytes());
    h[10..12].copy_from_slice(&VERSION_MINOR.to_le_bytes());
    let dtype = match r.scores {
        ScoreBlock::F32(_) => DTYPE_F32,
        ScoreBlock::F64(_) => DTYPE_F64,
    };
    h[12..16].copy_from_slice(&dtype.to_le_bytes());
    h[16..24].copy_from_slice(&(n as u64).to_le_bytes());
    h[24..32].copy_from_slice(&(r.k() as u64).to_le_bytes());
    h[32..40].copy_from_slice(&file_len.to_le_bytes());
    h[40..48].copy_from_slice(&table_offset.to_le_bytes());
    h[48..56].copy_from_slice(&(table.len() as u64).to_le_bytes());
    h[56..60].copy_from_slice(&body_crc.to_le_bytes());
    let header_crc = crc32fast::hash(&h[0..60]);
    h[60..64].copy_from_slice(&header_crc.to_le_bytes());
    inner.seek(SeekFrom::Start(0)).map_err(io)?;
    inner.write_all(&h).map_err(io)?;
    drop(inner);
    file.commit().map_err(io)?;
    Ok(())
}
