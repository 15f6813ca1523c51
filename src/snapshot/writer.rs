//! Writing a snapshot atomically: temporary file, fsync, rename.

use super::format::*;
use super::meta::Metadata;
use crate::graph::{FollowerGraph, UserIds};
use crate::rank::{RankResult, ScoreBlock, TopicTeleport};
use crate::store::atomic::AtomicFile;
use crate::store::container::{finish_sections, SectionWriter};
use rayon::prelude::*;
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
    /// With account history: the trust each user passes per unit of follow
    /// weight ([`crate::rank::AccountTrust::passed`]); written with the model.
    pub trust: Option<&'a [f32]>,
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
    prepare_snapshot(path, content)?.commit()
}

/// A snapshot written completely and checked to open, not yet at its path.
pub struct PreparedSnapshot {
    file: AtomicFile,
}

impl PreparedSnapshot {
    /// The written file, for a caller that publishes it with others.
    pub fn into_file(self) -> AtomicFile {
        self.file
    }

    /// Renames it over its path.
    pub fn commit(self) -> Result<(), SnapshotError> {
        let path = self.file.target().display().to_string();
        self.file
            .commit()
            .map_err(|cause| SnapshotError::Io { path, cause })
    }
}

/// The first score that is not a finite number, as (user, market).
fn first_non_finite(r: &RankResult) -> Option<(usize, usize)> {
    let k = r.k();
    (0..r.users())
        .into_par_iter()
        .find_first(|&u| (0..k).any(|c| !r.scores.get(u, c, k).is_finite()))
        .and_then(|u| {
            (0..k)
                .find(|&c| !r.scores.get(u, c, k).is_finite())
                .map(|c| (u, c))
        })
}

/// Writes `content` beside `path` without replacing it: every score must be
/// finite, the metadata must read back, and the complete file must pass
/// [`Snapshot::open`](crate::Snapshot::open)'s checks, or nothing is
/// published and the previous file stays (a snapshot that cannot be read
/// back must never replace one that can). [`PreparedSnapshot::commit`]
/// publishes it, so that a run with several outputs publishes them together.
pub fn prepare_snapshot(
    path: &Path,
    content: &SnapshotContent<'_>,
) -> Result<PreparedSnapshot, SnapshotError> {
    let io = |e: std::io::Error| SnapshotError::Io {
        path: path.display().to_string(),
        cause: e,
    };
    let r = content.result;
    let n = r.users();
    assert_eq!(content.user_ids.len(), n, "one id per user");
    assert_eq!(content.followers.len(), n, "one follower count per user");
    if let Some((u, c)) = first_non_finite(r) {
        let mut id = Vec::new();
        content.user_ids.write_name(u as u32, &mut id);
        return Err(SnapshotError::NotFinite {
            path: path.display().to_string(),
            market: r.markets[c].clone(),
            what: format!(
                "the score of user `{}`",
                String::from_utf8_lossy(&id).escape_debug()
            ),
            value: r.scores.get(u, c, r.k()).to_string(),
        });
    }

    let ids = IdBytes::new(content.user_ids);
    let mut id_index: Vec<u32> = (0..n as u32).collect();
    id_index.par_sort_unstable_by(|&a, &b| ids.get(a).cmp(ids.get(b)));
    let meta_json = serde_json::to_vec_pretty(&content.metadata).expect("metadata serialises");
    // JSON has no NaN: serde writes `null`, which then does not read back.
    if let Err(e) = serde_json::from_slice::<Metadata>(&meta_json) {
        let market = content
            .metadata
            .markets
            .iter()
            .find(|m| !m.residual.is_finite())
            .map_or_else(|| "(all)".to_string(), |m| m.name.clone());
        return Err(SnapshotError::NotFinite {
            path: path.display().to_string(),
            market,
            what: "a number in the metadata".into(),
            value: e.to_string(),
        });
    }

    let mut file = AtomicFile::create_regular(path).map_err(io)?;
    let handle = file.file().try_clone().map_err(io)?;
    let mut w =
        SectionWriter::new(std::io::BufWriter::with_capacity(1 << 20, handle)).map_err(io)?;
    w.section(KIND_METADATA, &meta_json).map_err(io)?;
    w.section(KIND_ID_OFFSETS, bytemuck::cast_slice(&ids.offsets))
        .map_err(io)?;
    w.section(KIND_ID_BYTES, &ids.bytes).map_err(io)?;
    w.section(KIND_FOLLOWERS, bytemuck::cast_slice(&content.followers))
        .map_err(io)?;
    w.section(KIND_SCORES, r.scores.as_bytes()).map_err(io)?;
    w.begin(KIND_ORDER);
    for c in 0..r.k() {
        let o = market_order(r, c);
        w.put(bytemuck::cast_slice(&o)).map_err(io)?;
    }
    w.end().map_err(io)?;
    w.section(KIND_ID_INDEX, bytemuck::cast_slice(&id_index))
        .map_err(io)?;
    if let Some((g, tele)) = content.model {
        w.section(KIND_GRAPH_OFFSETS, bytemuck::cast_slice(g.offsets()))
            .map_err(io)?;
        w.section(KIND_GRAPH_SOURCES, bytemuck::cast_slice(g.sources()))
            .map_err(io)?;
        if g.is_weighted() {
            w.section(KIND_GRAPH_WEIGHTS, bytemuck::cast_slice(&g.weights))
                .map_err(io)?;
        }
        w.section(
            KIND_AFFINITY_OFFSETS,
            bytemuck::cast_slice(&tele.aff_offsets),
        )
        .map_err(io)?;
        let a: Vec<AffinityEntry> = tele
            .affinity
            .iter()
            .map(|&(column, affinity)| AffinityEntry { column, affinity })
            .collect();
        w.section(KIND_AFFINITY, bytemuck::cast_slice(&a))
            .map_err(io)?;
        drop(a);
        w.section(KIND_TELEPORT_OFFSETS, bytemuck::cast_slice(&tele.offsets))
            .map_err(io)?;
        let t: Vec<TeleportEntry> = tele
            .entries
            .iter()
            .map(|&(column, prob)| TeleportEntry {
                column,
                reserved: 0,
                prob,
            })
            .collect();
        w.section(KIND_TELEPORT, bytemuck::cast_slice(&t))
            .map_err(io)?;
        if let Some(trust) = content.trust {
            w.section(KIND_TRUST, bytemuck::cast_slice(trust))
                .map_err(io)?;
        }
    }
    let dtype = match r.scores {
        ScoreBlock::F32(_) => DTYPE_F32,
        ScoreBlock::F64(_) => DTYPE_F64,
    };
    let file = finish_sections(
        file,
        w,
        MAGIC,
        (VERSION_MAJOR, VERSION_MINOR),
        (dtype, n as u64, r.k() as u64),
    )
    .map_err(io)?;
    if let Err(cause) = crate::Snapshot::open(file.temporary_path()) {
        return Err(SnapshotError::DoesNotReopen {
            path: path.display().to_string(),
            cause: Box::new(cause),
        });
    }
    Ok(PreparedSnapshot { file })
}
