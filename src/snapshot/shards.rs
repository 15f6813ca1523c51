//! Sharded snapshots: a manifest plus one part per worker of a distributed
//! run.
//!
//! The manifest sits at the output path: UTF-8 JSON
//! `{"magic": "MKTSHARDS", "version": 1, "metadata": {...}, "parts": [{"file", "users"}]}`.
//! Each part is an ordinary snapshot (same format, no model sections) of a
//! contiguous range of users, named `<out>.<run id>.part-<i>-of-<n>` beside
//! the manifest; users of part `i` come after those of parts `0..i`.
//! [`Snapshot::open`](super::Snapshot::open) reads either kind.
//!
//! Writing: every part is written atomically first; the manifest is then
//! written atomically over the output path, so a reader sees the previous
//! run or the whole new one. Parts of earlier runs are removed after the
//! commit (readers that mapped them keep their mapping).

use super::meta::Metadata;
use super::SnapshotError;
use std::path::{Path, PathBuf};

/// Magic value of a manifest.
pub const SHARDS_MAGIC: &str = "MKTSHARDS";

/// One part of a sharded snapshot.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PartEntry {
    /// File name, relative to the manifest's directory.
    pub file: String,
    /// Users in the part.
    pub users: u64,
}

/// The manifest of a sharded snapshot.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// [`SHARDS_MAGIC`].
    pub magic: String,
    /// Manifest format version (1).
    pub version: u32,
    /// The whole run's metadata (users and follows of the whole graph).
    pub metadata: Metadata,
    /// Parts in user order.
    pub parts: Vec<PartEntry>,
}

/// File name of part `i` of `n` of run `run` for the manifest at `out`.
pub fn part_name(out: &Path, run: u64, i: usize, n: usize) -> String {
    let base = out
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "snapshot".into());
    format!("{base}.{run:016x}.part-{i:04}-of-{n:04}")
}

/// True when `bytes` (a file's start) looks like a manifest.
pub(crate) fn is_manifest(bytes: &[u8]) -> bool {
    let t = bytes.trim_ascii_start();
    t.starts_with(b"{")
        && t.windows(SHARDS_MAGIC.len())
            .any(|w| w == SHARDS_MAGIC.as_bytes())
}

/// Reads and checks a manifest; returns it with the parts' paths.
pub fn read_manifest(path: &Path) -> Result<(Manifest, Vec<PathBuf>), SnapshotError> {
    let p = path.display().to_string();
    let text = std::fs::read(path).map_err(|cause| SnapshotError::Io {
        path: p.clone(),
        cause,
    })?;
    let bad = |reason: String| SnapshotError::Malformed {
        path: p.clone(),
        reason,
    };
    let m: Manifest = serde_json::from_slice(&text)
        .map_err(|e| bad(format!("sharded snapshot manifest: {e}")))?;
    if m.magic != SHARDS_MAGIC || m.version != 1 {
        return Err(bad(format!(
            "manifest magic `{}` version {} (this marketrank reads {SHARDS_MAGIC} version 1)",
            m.magic, m.version
        )));
    }
    let users: u64 = m.parts.iter().map(|e| e.users).sum();
    if users != m.metadata.users {
        return Err(bad(format!(
            "the parts hold {users} users but the metadata says {}",
            m.metadata.users
        )));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let paths = m
        .parts
        .iter()
        .map(|e| {
            if e.file.contains('/') || e.file.contains('\\') {
                Err(bad(format!("part `{}` is not a plain file name", e.file)))
            } else {
                Ok(dir.join(&e.file))
            }
        })
        .collect::<Result<_, _>>()?;
    Ok((m, paths))
}

/// Writes the manifest atomically at `out`, then removes parts of earlier
/// runs of `out`.
pub fn commit(out: &Path, metadata: Metadata, parts: Vec<PartEntry>) -> Result<(), SnapshotError> {
    let m = Manifest {
        magic: SHARDS_MAGIC.into(),
        version: 1,
        metadata,
        parts,
    };
    let io = |cause| SnapshotError::Io {
        path: out.display().to_string(),
        cause,
    };
    crate::store::atomic::write_with(out, |w| {
        serde_json::to_writer_pretty(&mut *w, &m).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
    .map_err(io)?;
    let keep: Vec<&str> = m.parts.iter().map(|p| p.file.as_str()).collect();
    let base = out
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name
                .strip_prefix(&base)
                .and_then(|r| r.strip_prefix('.'))
                .is_some_and(|r| r.len() > 17 && r[16..].starts_with(".part-"));
            if ours && !keep.contains(&name.as_str()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(())
}

/// Writes `snap` (typically sharded) as one snapshot file at `out`,
/// atomically: the same users in the same order, scores, follower counts
/// and metadata. Needs the whole score block in memory once.
pub fn merge(snap: &super::Snapshot, out: &Path) -> Result<(), SnapshotError> {
    use crate::rank::{MarketConvergence, RankResult, ScoreBlock};
    let (n, k) = (snap.users(), snap.markets().len());
    let mut ids = crate::graph::UserIds::new();
    for u in 0..n as u32 {
        ids.intern(snap.user_id(u));
    }
    if ids.len() != n {
        return Err(SnapshotError::Malformed {
            path: out.display().to_string(),
            reason: "the parts repeat a user id".into(),
        });
    }
    let meta = snap.metadata().clone();
    let values = (0..n as u32).flat_map(|u| (0..k).map(move |m| snap.score(u, m)));
    let scores = if meta.parameters.precision == crate::Precision::F64 {
        ScoreBlock::F64(values.collect())
    } else {
        ScoreBlock::F32(values.map(|v| v as f32).collect())
    };
    let result = RankResult {
        markets: snap.markets().to_vec(),
        scores,
        convergence: meta
            .markets
            .iter()
            .map(|m| MarketConvergence {
                iterations: m.iterations,
                residual: m.residual,
                converged: m.converged,
                restart: m.restart,
            })
            .collect(),
        iterations: meta.markets.iter().map(|m| m.iterations).max().unwrap_or(0),
    };
    let content = super::SnapshotContent {
        user_ids: &ids,
        followers: (0..n as u32).map(|u| snap.followers(u) as u32).collect(),
        result: &result,
        metadata: meta,
        model: None,
        trust: None,
    };
    super::write_snapshot(out, &content)
}
