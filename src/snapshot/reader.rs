//! Opening a snapshot: memory-map, check, then answer lookups without
//! decoding the score block.

use super::format::*;
use super::meta::Metadata;
use crate::store::container::{find_section, parse_table, Header, HeaderError, HEADER_LEN};
use memmap2::Mmap;
use std::ops::Range;
use std::path::Path;

mod checks;
mod private;

pub(crate) use private::Keep;

/// How much of a file [`Part::from_map`] checks.
#[derive(Clone, Copy)]
enum Check {
    /// Everything, the body CRC computed over the bytes given.
    Full,
    /// The header-level checks of [`Part::open_unverified`].
    Header,
    /// Everything but the model sections, which were not kept (zero
    /// bytes): the body CRC was computed over the whole file while it was
    /// read (see `reader/private.rs`), and the part has no model.
    WithoutModel { body_crc: u32 },
}

/// One snapshot file, memory-mapped ([`Snapshot`] is one or several).
pub(crate) struct Part {
    /// The file mapped, or a private anonymous copy of it
    /// (`reader/private.rs`).
    map: Mmap,
    path: String,
    meta: Metadata,
    markets: Vec<String>,
    users: usize,
    k: usize,
    dtype: u32,
    id_offsets: Range<usize>,
    id_bytes: Range<usize>,
    followers: Range<usize>,
    scores: Range<usize>,
    order: Range<usize>,
    id_index: Range<usize>,
    model: Option<ModelSections>,
    /// The body CRC its header stores: with the file length, what a
    /// sharded snapshot's manifest binds each part by.
    body_crc: u32,
    /// What the map holds: a file's pages are handed back as each section
    /// is checked (`checked`), so verifying a 13 GB snapshot does not hold
    /// 13 GB of it in the process's memory at once.
    backing: Backing,
}

/// Byte ranges of the optional graph / teleport / affinity sections.
struct ModelSections {
    offsets: Range<usize>,
    sources: Range<usize>,
    weights: Option<Range<usize>>,
    aff_offsets: Range<usize>,
    affinity: Range<usize>,
    tele_offsets: Range<usize>,
    teleport: Range<usize>,
    trust: Option<Range<usize>>,
}

/// One user's standing in one market.
#[derive(Debug, Clone, PartialEq)]
pub struct UserStanding {
    /// PageRank probability (sums to 1 over users in a market).
    pub score: f64,
    /// 1 = most influential (competition rank: ties share a rank).
    pub rank: u64,
    /// Share of users with a strictly lower score, in percent.
    pub percentile: f64,
}

/// Maps a snapshot file read-only.
fn map_file(path: &Path) -> Result<(Mmap, String), SnapshotError> {
    let p = path.display().to_string();
    let io = |e: std::io::Error| SnapshotError::Io {
        path: p.clone(),
        cause: e,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.is_dir() {
        return Err(SnapshotError::NotASnapshot { path: p });
    }
    // SAFETY: the map is read-only; the contract that the file is not
    // modified while open is documented on `Snapshot::open`, and every
    // access is bounds-checked.
    let map = unsafe { Mmap::map(&file) }.map_err(io)?;
    Ok((map, p))
}

/// What a map holds: a file's pages, or the process's own memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backing {
    /// `mmap` of a file: pages dropped are read again from the file.
    File,
    /// Anonymous memory (a private copy): pages dropped are lost.
    Memory,
}

/// Bytes hashed between handing pages back ([`body_crc_releasing`]).
const RELEASE_EVERY: usize = 64 << 20;

/// The CRC of the body (all after the header), handing each 64 MiB back to
/// the kernel once hashed: verifying reads the whole file, and a mapped
/// page once read counts in the process's memory until released, so a warm
/// start that opened a 300 MB previous snapshot peaked 300 MB higher than
/// the cold run (issue 22). The pages stay in the page cache; a later read
/// maps them again without touching the disk.
fn body_crc_releasing(map: &Mmap) -> u32 {
    let mut h = crc32fast::Hasher::new();
    let mut at = 0;
    while at < map.len() {
        let end = (at + RELEASE_EVERY).min(map.len());
        h.update(&map[at.max(HEADER_LEN)..end.max(HEADER_LEN)]);
        release(map, at, end - at);
        at = end;
    }
    h.finalize()
}

impl Part {
    /// Done reading section bytes `r` while checking: a file's pages are
    /// handed back (the whole pages inside `r`; a later read refaults them
    /// from the page cache), an anonymous copy's are kept.
    pub(super) fn checked(&self, r: &Range<usize>) {
        if self.backing == Backing::File {
            const PAGE: usize = 4096;
            let (at, end) = (r.start.next_multiple_of(PAGE), r.end / PAGE * PAGE);
            if end > at {
                release(&self.map, at, end - at);
            }
        }
    }
}

/// Drops the process's mapping of `map[at..at + len]` (`at` page-aligned;
/// a [`Backing::File`] map only):
/// the memory it counts falls, the next read refaults the same bytes from
/// the page cache. Advice only: a failure changes nothing.
fn release(map: &Mmap, at: usize, len: usize) {
    #[cfg(unix)]
    if len > 0 {
        // SAFETY: the map is read-only and backed by a file marketrank never
        // modifies in place (the contract of `Snapshot::open`), so dropping
        // its pages cannot change what any live slice of it reads: the next
        // access refaults the same bytes.
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, at, len) };
    }
    #[cfg(not(unix))]
    let _ = (map, at, len);
}

impl Part {
    /// Opens and fully verifies (header, checksums, section bounds, and
    /// every offset, index and score in range: see `reader/checks.rs`) the
    /// snapshot at `path`.
    ///
    /// The file is memory-mapped: it must not be modified while open.
    /// marketrank itself never modifies a snapshot in place (it writes a new
    /// file and renames it), so this holds for files it wrote.
    pub fn open(path: impl AsRef<Path>) -> Result<Part, SnapshotError> {
        let (map, p) = map_file(path.as_ref())?;
        Self::from_map(map, &p, Check::Full, Backing::File)
    }

    /// Opens without the whole-file checks: the header checksum, the
    /// version, the file length, the section table and the metadata are
    /// checked (and that the variable-length sections hold whole
    /// records), but not the body checksum and the per-user checks of
    /// offsets, indices and scores, which read the whole file (about a second for a 2.5 GB
    /// snapshot). For services that open a snapshot which was verified once
    /// (by [`open`](Self::open) or `marketrank info`) and is never modified:
    /// on a damaged file, lookups may panic instead of returning an error.
    pub fn open_unverified(path: impl AsRef<Path>) -> Result<Part, SnapshotError> {
        let (map, p) = map_file(path.as_ref())?;
        Self::from_map(map, &p, Check::Header, Backing::File)
    }

    /// Checks `map` as `check` says and indexes its sections. `backing`
    /// says what the map holds: only a file's pages may be handed back while
    /// checking ([`release`]); an anonymous map's would read back as zeros.
    fn from_map(map: Mmap, p: &str, check: Check, backing: Backing) -> Result<Part, SnapshotError> {
        let verify = !matches!(check, Check::Header);
        let bad = |reason: String| SnapshotError::Malformed {
            path: p.to_string(),
            reason,
        };
        let have = map.len() as u64;
        let h = match Header::decode(&map, &MAGIC) {
            Ok(h) => h,
            Err(HeaderError::NotOurs) => {
                return Err(SnapshotError::NotASnapshot {
                    path: p.to_string(),
                })
            }
            Err(HeaderError::Checksum(expected, found)) => {
                return Err(SnapshotError::Checksum {
                    path: p.into(),
                    part: "header",
                    expected,
                    found,
                })
            }
        };
        if !(OLDEST_MAJOR..=VERSION_MAJOR).contains(&h.major) {
            return Err(SnapshotError::Version {
                path: p.into(),
                found: h.major,
                oldest: OLDEST_MAJOR,
                newest: VERSION_MAJOR,
            });
        }
        let (dtype, users, k, file_len) = (h.tag, h.a, h.b, h.file_len);
        if file_len != have {
            if have < file_len {
                return Err(SnapshotError::Truncated {
                    path: p.into(),
                    need: file_len,
                    have,
                });
            }
            return Err(bad(format!(
                "{} bytes after the end the header gives ({file_len})",
                have - file_len
            )));
        }
        let bcrc = match check {
            Check::Full if backing == Backing::File => body_crc_releasing(&map),
            Check::Full => crc32fast::hash(&map[HEADER_LEN..]),
            Check::Header => h.body_crc,
            Check::WithoutModel { body_crc } => body_crc,
        };
        if bcrc != h.body_crc {
            return Err(SnapshotError::Checksum {
                path: p.into(),
                part: "body",
                expected: h.body_crc,
                found: bcrc,
            });
        }
        let elem = match dtype {
            DTYPE_F32 => 4u64,
            DTYPE_F64 => 8,
            other => return Err(bad(format!("unknown score type {other}"))),
        };
        if users > u32::MAX as u64 || k > (1 << 20) {
            return Err(bad(format!(
                "implausible size: {users} users × {k} markets"
            )));
        }
        let table = h
            .table_range(have)
            .ok_or_else(|| bad("section table outside the file".into()))
            .and_then(|r| parse_table(&map[r], h.table_offset).map_err(bad))?;
        let find_opt = |kind: u32, want: Option<u64>| find_section(&table, kind, want).map_err(bad);
        let find = |kind: u32, want: Option<u64>| -> Result<Range<usize>, SnapshotError> {
            find_opt(kind, want)?.ok_or_else(|| bad(format!("section {kind} missing")))
        };
        let meta_r = find(KIND_METADATA, None)?;
        let id_offsets = find(KIND_ID_OFFSETS, Some((users + 1) * 8))?;
        let id_bytes = find(KIND_ID_BYTES, None)?;
        let followers = find(KIND_FOLLOWERS, Some(users * 4))?;
        let scores = find(KIND_SCORES, Some(users * k * elem))?;
        let order = find(KIND_ORDER, Some(users * k * 4))?;
        let id_index = find(KIND_ID_INDEX, Some(users * 4))?;
        let meta: Metadata = serde_json::from_slice(&map[meta_r])
            .map_err(|e| bad(format!("metadata is not valid JSON: {e}")))?;
        if meta.markets.len() as u64 != k {
            return Err(bad(format!(
                "metadata lists {} markets, header {k}",
                meta.markets.len()
            )));
        }
        let markets = meta.markets.iter().map(|m| m.name.clone()).collect();
        if meta.users != users {
            return Err(bad(format!(
                "metadata says {} users, header {users}",
                meta.users
            )));
        }
        let model = match find_opt(KIND_GRAPH_OFFSETS, Some((users + 1) * 8))? {
            None => None,
            Some(_) if matches!(check, Check::WithoutModel { .. }) => None,
            Some(offsets) => {
                let sources = find(KIND_GRAPH_SOURCES, None)?;
                Some(ModelSections {
                    offsets,
                    // One f32 per follow, as many bytes as the u32 sources.
                    weights: find_opt(KIND_GRAPH_WEIGHTS, Some(sources.len() as u64))?,
                    sources,
                    aff_offsets: find(KIND_AFFINITY_OFFSETS, Some((users + 1) * 8))?,
                    affinity: find(KIND_AFFINITY, None)?,
                    tele_offsets: find(KIND_TELEPORT_OFFSETS, Some((users + 1) * 8))?,
                    teleport: find(KIND_TELEPORT, None)?,
                    trust: find_opt(KIND_TRUST, Some(users * 4))?,
                })
            }
        };
        let snap = Part {
            map,
            path: p.to_string(),
            meta,
            markets,
            users: users as usize,
            k: k as usize,
            dtype,
            id_offsets,
            id_bytes,
            followers,
            scores,
            order,
            id_index,
            model,
            body_crc: h.body_crc,
            backing,
        };
        // Whole records, or the casts to them would panic: O(1), so done
        // even without `verify`.
        snap.check_record_sizes()?;
        if !verify {
            return Ok(snap);
        }
        snap.check_structure()?;
        if backing == Backing::File {
            release(&snap.map, 0, snap.map.len());
        }
        Ok(snap)
    }

    /// The body CRC stored in the header and the file's length: what a
    /// manifest records to bind this part to its run.
    pub(crate) fn fingerprint(&self) -> (u64, u32) {
        (self.map.len() as u64, self.body_crc)
    }

    /// The file's path, as given.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The ids in id-index order (byte order, for a consistent file): for
    /// checking that the parts of a sharded snapshot share no id.
    pub(crate) fn ids_sorted(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.id_index_slice().iter().map(|&u| self.id_bytes_of(u))
    }

    fn id_offsets_slice(&self) -> &[u64] {
        bytemuck::cast_slice(&self.map[self.id_offsets.clone()])
    }
    fn order_all(&self) -> &[u32] {
        bytemuck::cast_slice(&self.map[self.order.clone()])
    }
    fn id_index_slice(&self) -> &[u32] {
        bytemuck::cast_slice(&self.map[self.id_index.clone()])
    }

    fn model(&self) -> &ModelSections {
        self.model
            .as_ref()
            .expect("snapshot has no graph sections (check has_model)")
    }
    fn graph_sources(&self) -> &[u32] {
        bytemuck::cast_slice(&self.map[self.model().sources.clone()])
    }
    fn affinity_all(&self) -> &[AffinityEntry] {
        bytemuck::cast_slice(&self.map[self.model().affinity.clone()])
    }
    fn teleport_all(&self) -> &[TeleportEntry] {
        bytemuck::cast_slice(&self.map[self.model().teleport.clone()])
    }

    /// True when the snapshot carries the follower graph, teleport and
    /// affinities (needed by `explain` and warm starts).
    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// Followers of `v` (ascending user indices). Panics without a model.
    pub fn followers_of(&self, v: u32) -> &[u32] {
        let offs: &[u64] = bytemuck::cast_slice(&self.map[self.model().offsets.clone()]);
        &self.graph_sources()[offs[v as usize] as usize..offs[v as usize + 1] as usize]
    }

    /// Weights of the follows into `v`, aligned with [`followers_of`](Self::followers_of);
    /// `None` when every follow weighs 1.
    pub fn follower_weights_of(&self, v: u32) -> Option<&[f32]> {
        let m = self.model();
        let w: &[f32] = bytemuck::cast_slice(&self.map[m.weights.clone()?]);
        let offs: &[u64] = bytemuck::cast_slice(&self.map[m.offsets.clone()]);
        Some(&w[offs[v as usize] as usize..offs[v as usize + 1] as usize])
    }

    /// Topic affinities of user `u`.
    pub fn affinity_of(&self, u: u32) -> &[AffinityEntry] {
        let offs: &[u64] = bytemuck::cast_slice(&self.map[self.model().aff_offsets.clone()]);
        &self.affinity_all()[offs[u as usize] as usize..offs[u as usize + 1] as usize]
    }

    /// Teleport entries of user `u` (beyond the uniform `_global` base).
    pub fn teleport_of(&self, u: u32) -> &[TeleportEntry] {
        let offs: &[u64] = bytemuck::cast_slice(&self.map[self.model().tele_offsets.clone()]);
        &self.teleport_all()[offs[u as usize] as usize..offs[u as usize + 1] as usize]
    }

    /// Trust user `u` passes per unit of follow weight (runs with
    /// `--accounts`; `None` otherwise).
    pub fn trust_passed(&self, u: u32) -> Option<f32> {
        let r = self.model.as_ref()?.trust.clone()?;
        let t: &[f32] = bytemuck::cast_slice(&self.map[r]);
        Some(t[u as usize])
    }

    /// The run's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// Number of users.
    pub fn users(&self) -> usize {
        self.users
    }

    /// Market names, in column order.
    pub fn markets(&self) -> &[String] {
        &self.markets
    }

    /// Column of a market name.
    pub fn market_index(&self, name: &str) -> Option<usize> {
        self.markets.iter().position(|m| m == name)
    }

    /// External id of user index `u`.
    pub fn user_id(&self, u: u32) -> &str {
        std::str::from_utf8(self.id_bytes_of(u)).unwrap_or("<invalid UTF-8>")
    }

    fn id_bytes_of(&self, u: u32) -> &[u8] {
        let offs = self.id_offsets_slice();
        let (a, b) = (offs[u as usize] as usize, offs[u as usize + 1] as usize);
        &self.map[self.id_bytes.start + a..self.id_bytes.start + b]
    }

    /// Index of an external id (binary search over the id index).
    pub fn user_index(&self, id: &str) -> Option<u32> {
        let idx = self.id_index_slice();
        idx.binary_search_by(|&u| self.id_bytes_of(u).cmp(id.as_bytes()))
            .ok()
            .map(|i| idx[i])
    }

    /// Follower count of user `u`.
    pub fn followers(&self, u: u32) -> u64 {
        let f: &[u32] = bytemuck::cast_slice(&self.map[self.followers.clone()]);
        f[u as usize] as u64
    }

    /// Score of user `u` in market column `m`.
    pub fn score(&self, u: u32, m: usize) -> f64 {
        let i = u as usize * self.k + m;
        let s = &self.map[self.scores.clone()];
        match self.dtype {
            DTYPE_F32 => bytemuck::cast_slice::<u8, f32>(s)[i] as f64,
            _ => bytemuck::cast_slice::<u8, f64>(s)[i],
        }
    }

    /// The part's columns as stored ([`super::columns`]).
    pub(crate) fn columns(&self, first_user: u32) -> super::columns::PartColumns<'_> {
        let s = &self.map[self.scores.clone()];
        super::columns::PartColumns {
            first_user,
            users: self.users,
            scores: match self.dtype {
                DTYPE_F32 => super::columns::ScoreBlock::F32(bytemuck::cast_slice(s)),
                _ => super::columns::ScoreBlock::F64(bytemuck::cast_slice(s)),
            },
            followers: bytemuck::cast_slice(&self.map[self.followers.clone()]),
            id_offsets: self.id_offsets_slice(),
            id_bytes: &self.map[self.id_bytes.clone()],
        }
    }

    /// Users of market `m` by descending score.
    pub fn order(&self, m: usize) -> &[u32] {
        &self.order_all()[m * self.users..(m + 1) * self.users]
    }
}
