//! Sharded snapshots: a manifest plus one part per worker of a distributed
//! run.
//!
//! The manifest sits at the output path: UTF-8 JSON
//! `{"magic": "MKTSHARDS", "version": 2, "run": "<16 hex>", "metadata": {...},
//! "parts": [{"file", "users", "bytes", "crc32"}]}`.
//! Each part is an ordinary snapshot (same format, no model sections) of a
//! contiguous range of users, named `<out>.<run id>.part-<i>-of-<n>` beside
//! the manifest; users of part `i` come after those of parts `0..i`.
//! [`Snapshot::open`](super::Snapshot::open) reads either kind.
//!
//! Binding (issue 18, item 16): a file name proves nothing, so the manifest
//! records each part's length and body CRC (from the part's header), and
//! every part's metadata carries the run id. Opening refuses a part whose
//! length, CRC or run id is not the manifest's (a part of another run
//! copied in, or a damaged one) and a manifest that lists a part twice.
//! Version-1 manifests had none of this and are refused with a message
//! saying to run again: reading them unbound would keep the hole open, and
//! rerunning writes a bound one.
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

/// The manifest version this marketrank writes and reads.
pub const MANIFEST_VERSION: u32 = 2;

/// One part of a sharded snapshot.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PartEntry {
    /// File name, relative to the manifest's directory.
    pub file: String,
    /// Users in the part.
    pub users: u64,
    /// The part's length in bytes (absent in version 1, which is then
    /// refused with its own message rather than a parse error).
    #[serde(default)]
    pub bytes: u64,
    /// The body CRC-32 stored in the part's header (absent in version 1).
    #[serde(default)]
    pub crc32: u32,
}

/// The manifest of a sharded snapshot.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    /// [`SHARDS_MAGIC`].
    pub magic: String,
    /// Manifest format version ([`MANIFEST_VERSION`]).
    pub version: u32,
    /// The run id (16 hex digits) every part's metadata carries
    /// ([`Metadata::run_id`]). Absent only in version 1.
    #[serde(default)]
    pub run: String,
    /// The whole run's metadata (users and follows of the whole graph).
    pub metadata: Metadata,
    /// Parts in user order.
    pub parts: Vec<PartEntry>,
}

/// Why a sharded snapshot does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardProblem {
    /// A manifest from before parts were bound to their run.
    #[error("manifest version {version} does not bind its parts to their run (this marketrank reads version {MANIFEST_VERSION}); run the distributed `marketrank rank` again to rewrite it")]
    Unbound {
        /// The manifest's version.
        version: u32,
    },
    /// The same part listed twice, by name or by content.
    #[error("part `{again}` (entry {}) is the same file as `{first}` (entry {}): a part may be listed once; run `marketrank rank` again", .again_at + 1, .first_at + 1)]
    Duplicate {
        /// The earlier entry's file.
        first: String,
        /// Its position (from 0).
        first_at: usize,
        /// The repeated entry's file.
        again: String,
        /// Its position (from 0).
        again_at: usize,
    },
    /// A part that is not the file the manifest was written with.
    #[error("part `{file}` is not the file this manifest was written with ({bytes} bytes, CRC {crc32:08x}; the manifest says {want_bytes} bytes, CRC {want_crc32:08x}): a part of another run or a damaged copy; run `marketrank rank` again")]
    Changed {
        /// The part's file name.
        file: String,
        /// Its length.
        bytes: u64,
        /// The CRC its header stores.
        crc32: u32,
        /// The manifest's length.
        want_bytes: u64,
        /// The manifest's CRC.
        want_crc32: u32,
    },
    /// A part whose metadata names another run.
    #[error("part `{file}` belongs to run {}, the manifest to run {run}: a part of another run; run `marketrank rank` again", .found.as_deref().unwrap_or("(none)"))]
    OtherRun {
        /// The part's file name.
        file: String,
        /// The run id in the part's metadata.
        found: Option<String>,
        /// The manifest's run id.
        run: String,
    },
    /// Two parts holding the same user (`info --check`).
    #[error("parts `{first}` and `{second}` both hold user `{id}`; run `marketrank rank` again")]
    SharedUser {
        /// The user id.
        id: String,
        /// One part.
        first: String,
        /// The other.
        second: String,
    },
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
    if m.magic != SHARDS_MAGIC || m.version > MANIFEST_VERSION {
        return Err(bad(format!(
            "manifest magic `{}` version {} (this marketrank reads {SHARDS_MAGIC} version {MANIFEST_VERSION})",
            m.magic, m.version
        )));
    }
    let shards = |problem| SnapshotError::Shards {
        path: p.clone(),
        problem,
    };
    if m.version < MANIFEST_VERSION {
        return Err(shards(ShardProblem::Unbound { version: m.version }));
    }
    if let Some(problem) = duplicate(&m.parts) {
        return Err(shards(problem));
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

/// The first entry that repeats an earlier one: the same file name, or
/// the same length and CRC (a copy under another name).
fn duplicate(parts: &[PartEntry]) -> Option<ShardProblem> {
    let mut seen: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for (again_at, e) in parts.iter().enumerate() {
        for key in [(Some(e.file.as_str()), 0, 0), (None, e.bytes, e.crc32)] {
            if let Some(&first_at) = seen.get(&key) {
                return Some(ShardProblem::Duplicate {
                    first: parts[first_at].file.clone(),
                    first_at,
                    again: e.file.clone(),
                    again_at,
                });
            }
            seen.insert(key, again_at);
        }
    }
    None
}

/// Checks that `part`, opened from `entry`, is the file the manifest of
/// run `run` was written with: its length and header CRC, then its run id.
pub(crate) fn check_part(
    manifest: &Path,
    run: &str,
    entry: &PartEntry,
    part: &super::reader::Part,
) -> Result<(), SnapshotError> {
    let shards = |problem| SnapshotError::Shards {
        path: manifest.display().to_string(),
        problem,
    };
    let (bytes, crc32) = part.fingerprint();
    if (bytes, crc32) != (entry.bytes, entry.crc32) {
        return Err(shards(ShardProblem::Changed {
            file: entry.file.clone(),
            bytes,
            crc32,
            want_bytes: entry.bytes,
            want_crc32: entry.crc32,
        }));
    }
    let found = &part.metadata().run_id;
    if found.as_deref() != Some(run) {
        return Err(shards(ShardProblem::OtherRun {
            file: entry.file.clone(),
            found: found.clone(),
            run: run.to_string(),
        }));
    }
    Ok(())
}

/// Length and body CRC of the snapshot written at `path`, from its header:
/// what [`PartEntry`] records.
pub fn fingerprint(path: &Path) -> Result<(u64, u32), SnapshotError> {
    use std::io::Read;
    let p = path.display().to_string();
    let io = |cause| SnapshotError::Io {
        path: p.clone(),
        cause,
    };
    let mut head = [0u8; crate::store::container::HEADER_LEN];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map_err(io)?;
    let h = crate::store::container::Header::decode(&head, &super::format::MAGIC)
        .map_err(|_| SnapshotError::NotASnapshot { path: p.clone() })?;
    Ok((h.file_len, h.body_crc))
}

/// Writes the manifest of run `run` atomically at `out`, then removes
/// parts of earlier runs of `out`.
pub fn commit(
    out: &Path,
    run: &str,
    metadata: Metadata,
    parts: Vec<PartEntry>,
) -> Result<(), SnapshotError> {
    let m = Manifest {
        magic: SHARDS_MAGIC.into(),
        version: MANIFEST_VERSION,
        run: run.to_string(),
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
