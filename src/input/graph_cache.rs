//! The binary graph cache (`.mrg`): a parsed, interned, built graph saved so
//! that recomputes with other parameters skip the text entirely
//! (`marketrank ingest`, then `marketrank rank --graph`).
//!
//! Same container as snapshots (`store::container`): magic `MKTGRAPH`,
//! header u32 at 12 = flags (bit 0: weighted follows), u64 at 16 = users,
//! u64 at 24 = follows. Sections:
//!
//! | kind | content |
//! |---|---|
//! | 1 | UTF-8 JSON: tool version, creation time, topic names, the [`LoadReport`] of the text it came from |
//! | 2 | u64 × users: id keys (the number itself, or 2⁶³ + index into the string ids) |
//! | 3 | u64 × (string ids + 1): offsets into 4 |
//! | 4 | the string ids, UTF-8, concatenated |
//! | 5 | u64 × (users + 1): CSR offsets of incoming follows |
//! | 6 | u32 × follows: followers, ascending per user |
//! | 7 | f32 × follows: weights (only when weighted) |
//! | 8 | f64 × users: total weight of each user's follows |
//! | 9 | u64 × (users + 1): offsets into 10 |
//! | 10 | (u32 topic, f32 weight) per tag, by user then topic |
//!
//! Loading reads the sections straight into the arrays the kernel uses
//! (`read`, not a memory map): a map would have to be copied anyway, because
//! [`FollowerGraph`] owns its vectors, and map + copy would hold the graph
//! twice at the peak. The body CRC is checked while reading.

use crate::graph::{FollowerGraph, TopicTags, UserIds};
use crate::input::load::{LoadReport, TaggedGraph};
use crate::store::atomic::AtomicFile;
use crate::store::container::{
    commit_sections, find_section, parse_table, Header, HeaderError, SectionWriter, HEADER_LEN,
};
use bytemuck::Pod;
use rayon::prelude::*;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

const MAGIC: [u8; 8] = *b"MKTGRAPH";
const VERSION_MAJOR: u16 = 1;
const VERSION_MINOR: u16 = 0;
const FLAG_WEIGHTED: u32 = 1;

const KIND_METADATA: u32 = 1;
const KIND_ID_KEYS: u32 = 2;
const KIND_ID_STR_OFFSETS: u32 = 3;
const KIND_ID_STR_BYTES: u32 = 4;
const KIND_OFFSETS: u32 = 5;
const KIND_SOURCES: u32 = 6;
const KIND_WEIGHTS: u32 = 7;
const KIND_OUT_WEIGHT: u32 = 8;
const KIND_TAG_OFFSETS: u32 = 9;
const KIND_TAGS: u32 = 10;

/// File extension of graph caches.
pub const GRAPH_CACHE_EXT: &str = "mrg";

/// The cache's JSON section.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CacheMetadata {
    /// marketrank version that wrote it.
    pub tool_version: String,
    /// Creation time, RFC 3339 UTC.
    pub created: String,
    /// Topic names, by topic number.
    pub topics: Vec<String>,
    /// Repeated (user, topic) tags merged at ingest.
    pub duplicate_tags_merged: u64,
    /// How the text was read (paths, line counts, what was dropped).
    pub report: LoadReport,
}

/// Why a graph cache could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum GraphCacheError {
    /// I/O failure.
    #[error("{path}: {cause}")]
    Io {
        /// The cache path.
        path: PathBuf,
        /// The cause (in the message, not a `source()`, so it prints once).
        cause: std::io::Error,
    },
    /// The file is not a usable graph cache; `reason` says why and what to do.
    #[error("{path}: {reason}")]
    Unusable {
        /// The cache path.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Pod element type of a `(topic, weight)` tag as stored.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct TagEntry {
    topic: u32,
    weight: f32,
}

/// Writes `data` to `path` atomically.
pub fn write_graph_cache(path: &Path, data: &TaggedGraph) -> Result<(), GraphCacheError> {
    let io = |cause| GraphCacheError::Io {
        path: path.to_path_buf(),
        cause,
    };
    let created = crate::snapshot::meta_now();
    let meta = CacheMetadata {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        created: crate::snapshot::rfc3339_of(created),
        topics: data.tags.names().to_vec(),
        duplicate_tags_merged: data.tags.duplicates_merged(),
        report: data.report.clone(),
    };
    let meta_json = serde_json::to_vec_pretty(&meta).expect("metadata serialises");
    let (keys, strs) = data.ids.parts();
    let mut str_offsets = Vec::with_capacity(strs.len() + 1);
    let mut str_bytes = Vec::new();
    str_offsets.push(0u64);
    for s in strs {
        str_bytes.extend_from_slice(s.as_bytes());
        str_offsets.push(str_bytes.len() as u64);
    }
    let g = &data.graph;
    let (tag_offsets, tags) = data.tags.parts();
    let tags: Vec<TagEntry> = tags
        .iter()
        .map(|&(topic, weight)| TagEntry { topic, weight })
        .collect();

    let mut file = AtomicFile::create_regular(path).map_err(io)?;
    let handle = file.file().try_clone().map_err(io)?;
    let mut w =
        SectionWriter::new(std::io::BufWriter::with_capacity(1 << 20, handle)).map_err(io)?;
    w.section(KIND_METADATA, &meta_json).map_err(io)?;
    w.section(KIND_ID_KEYS, bytemuck::cast_slice(keys))
        .map_err(io)?;
    w.section(KIND_ID_STR_OFFSETS, bytemuck::cast_slice(&str_offsets))
        .map_err(io)?;
    w.section(KIND_ID_STR_BYTES, &str_bytes).map_err(io)?;
    w.section(KIND_OFFSETS, bytemuck::cast_slice(g.offsets()))
        .map_err(io)?;
    w.section(KIND_SOURCES, bytemuck::cast_slice(g.sources()))
        .map_err(io)?;
    if g.is_weighted() {
        w.section(KIND_WEIGHTS, bytemuck::cast_slice(&g.weights))
            .map_err(io)?;
    }
    w.section(KIND_OUT_WEIGHT, bytemuck::cast_slice(&g.out_weight))
        .map_err(io)?;
    w.section(KIND_TAG_OFFSETS, bytemuck::cast_slice(tag_offsets))
        .map_err(io)?;
    w.section(KIND_TAGS, bytemuck::cast_slice(&tags))
        .map_err(io)?;
    let flags = if g.is_weighted() { FLAG_WEIGHTED } else { 0 };
    commit_sections(
        file,
        w,
        MAGIC,
        (VERSION_MAJOR, VERSION_MINOR),
        (flags, g.users() as u64, g.edges()),
    )
    .map_err(io)
}

/// Reads the body in file order, checking the CRC on the way.
struct BodyReader {
    file: std::io::BufReader<File>,
    crc: crc32fast::Hasher,
    pos: u64,
}

impl BodyReader {
    fn skip_to(&mut self, at: u64) -> std::io::Result<()> {
        let mut gap = vec![0u8; (at - self.pos) as usize];
        self.file.read_exact(&mut gap)?;
        self.crc.update(&gap);
        self.pos = at;
        Ok(())
    }

    fn read<T: Pod>(&mut self, bytes: usize) -> std::io::Result<Vec<T>> {
        if bytes % std::mem::size_of::<T>() != 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a section's length is not a whole number of elements",
            ));
        }
        let mut v: Vec<T> = vec![T::zeroed(); bytes / std::mem::size_of::<T>()];
        let buf: &mut [u8] = bytemuck::cast_slice_mut(&mut v);
        self.file.read_exact(buf)?;
        self.crc.update(buf);
        self.pos += bytes as u64;
        Ok(v)
    }
}

/// Reads a cache written by [`write_graph_cache`], checking its checksums
/// and structure.
///
/// (~170 lines: the sections in file order, each checked against the
/// counts of the ones before it as it arrives, so a damaged cache is
/// refused before the next allocation; the order of the checks is the
/// format's order and reads best in one place.)
pub fn read_graph_cache(path: &Path) -> Result<TaggedGraph, GraphCacheError> {
    let io = |cause| GraphCacheError::Io {
        path: path.to_path_buf(),
        cause,
    };
    let bad = |reason: String| GraphCacheError::Unusable {
        path: path.to_path_buf(),
        reason,
    };
    let mut file = File::open(path).map_err(io)?;
    let have = file.metadata().map_err(io)?.len();
    let mut head = [0u8; HEADER_LEN];
    let n = file.read(&mut head).map_err(io)?;
    let h = match Header::decode(&head[..n], &MAGIC) {
        Ok(h) => h,
        Err(HeaderError::NotOurs) => return Err(bad(
            "not a marketrank graph cache (no MKTGRAPH header): write one with `marketrank ingest`"
                .into(),
        )),
        Err(HeaderError::Checksum(..)) => {
            return Err(bad(
                "header checksum mismatch: the file is corrupt; run `marketrank ingest` again"
                    .into(),
            ))
        }
    };
    if h.major != VERSION_MAJOR {
        return Err(bad(format!(
            "graph cache format {} is not supported (this marketrank reads {VERSION_MAJOR}); run `marketrank ingest` again",
            h.major
        )));
    }
    if h.file_len != have {
        return Err(bad(format!(
            "truncated or extended: {have} bytes, the header says {}; run `marketrank ingest` again",
            h.file_len
        )));
    }
    let table_range = h
        .table_range(have)
        .ok_or_else(|| bad("section table outside the file".into()))?;
    let mut table_bytes = vec![0u8; table_range.len()];
    file.seek(SeekFrom::Start(h.table_offset)).map_err(io)?;
    file.read_exact(&mut table_bytes).map_err(io)?;
    let table = parse_table(&table_bytes, h.table_offset).map_err(bad)?;
    let (users, edges) = (h.a, h.b);
    if users > u32::MAX as u64 - 1 {
        return Err(bad(format!("implausible user count {users}")));
    }
    // Every follow takes 4 bytes of the file: bounds the products below.
    if edges > have / 4 {
        return Err(bad(format!(
            "implausible follow count {edges} for a file of {have} bytes"
        )));
    }
    let weighted = h.tag & FLAG_WEIGHTED != 0;
    // Expected lengths; a missing required section is an error.
    let need = |kind: u32, want: Option<u64>| {
        find_section(&table, kind, want)
            .map_err(bad)?
            .ok_or_else(|| bad(format!("section {kind} missing")))
    };
    need(KIND_METADATA, None)?;
    need(KIND_ID_KEYS, Some(users * 8))?;
    need(KIND_ID_STR_OFFSETS, None)?;
    need(KIND_ID_STR_BYTES, None)?;
    need(KIND_OFFSETS, Some((users + 1) * 8))?;
    need(KIND_SOURCES, Some(edges * 4))?;
    if weighted {
        need(KIND_WEIGHTS, Some(edges * 4))?;
    }
    need(KIND_OUT_WEIGHT, Some(users * 8))?;
    need(KIND_TAG_OFFSETS, Some((users + 1) * 8))?;
    need(KIND_TAGS, None)?;

    let mut order: Vec<&(u32, std::ops::Range<usize>)> = table.iter().collect();
    order.sort_by_key(|(_, r)| r.start);
    file.seek(SeekFrom::Start(HEADER_LEN as u64)).map_err(io)?;
    let mut body = BodyReader {
        file: std::io::BufReader::with_capacity(1 << 20, file),
        crc: crc32fast::Hasher::new(),
        pos: HEADER_LEN as u64,
    };
    let (mut meta, mut keys, mut str_offsets, mut str_bytes) = (None, None, None, None);
    let (mut offsets, mut sources, mut weights, mut out_weight) = (None, None, Vec::new(), None);
    let (mut tag_offsets, mut tags) = (None, None);
    for (kind, r) in order {
        if (r.start as u64) < body.pos {
            return Err(bad(format!("section {kind} overlaps another")));
        }
        body.skip_to(r.start as u64).map_err(io)?;
        let len = r.len();
        match *kind {
            KIND_METADATA => meta = Some(body.read::<u8>(len).map_err(io)?),
            KIND_ID_KEYS => keys = Some(body.read::<u64>(len).map_err(io)?),
            KIND_ID_STR_OFFSETS => str_offsets = Some(body.read::<u64>(len).map_err(io)?),
            KIND_ID_STR_BYTES => str_bytes = Some(body.read::<u8>(len).map_err(io)?),
            KIND_OFFSETS => offsets = Some(body.read::<u64>(len).map_err(io)?),
            KIND_SOURCES => sources = Some(body.read::<u32>(len).map_err(io)?),
            KIND_WEIGHTS => weights = body.read::<f32>(len).map_err(io)?,
            KIND_OUT_WEIGHT => out_weight = Some(body.read::<f64>(len).map_err(io)?),
            KIND_TAG_OFFSETS => tag_offsets = Some(body.read::<u64>(len).map_err(io)?),
            KIND_TAGS => tags = Some(body.read::<TagEntry>(len).map_err(io)?),
            _ => drop(body.read::<u8>(len).map_err(io)?), // a later minor version's extra
        }
    }
    body.skip_to(h.table_offset).map_err(io)?;
    body.crc.update(&table_bytes);
    let crc = body.crc.finalize();
    if crc != h.body_crc {
        return Err(bad(format!(
            "checksum mismatch (stored {:08x}, computed {crc:08x}): the file is corrupt; run `marketrank ingest` again",
            h.body_crc
        )));
    }
    let meta: CacheMetadata = serde_json::from_slice(&meta.unwrap())
        .map_err(|e| bad(format!("metadata is not valid JSON: {e}")))?;

    let str_offsets = str_offsets.unwrap();
    let str_bytes = str_bytes.unwrap();
    if str_offsets.first() != Some(&0)
        || str_offsets.last() != Some(&(str_bytes.len() as u64))
        || str_offsets.windows(2).any(|w| w[0] > w[1])
    {
        return Err(bad("string id offsets are inconsistent".into()));
    }
    let strs = str_offsets
        .windows(2)
        .map(|w| {
            std::str::from_utf8(&str_bytes[w[0] as usize..w[1] as usize]).map(Box::<str>::from)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad("a string id is not UTF-8".into()))?;
    drop(str_bytes);
    let ids = UserIds::from_parts(keys.unwrap(), strs)
        .ok_or_else(|| bad("user ids are inconsistent (repeated or dangling)".into()))?;

    let offsets = offsets.unwrap();
    let sources = sources.unwrap();
    let csr_ok = offsets[0] == 0
        && offsets[users as usize] == edges
        && offsets.par_windows(2).all(|w| w[0] <= w[1])
        && sources.par_iter().all(|&s| (s as u64) < users);
    if !csr_ok {
        return Err(bad("follow offsets or followers are out of range".into()));
    }
    let graph = FollowerGraph {
        offsets,
        sources,
        weights,
        out_weight: out_weight.unwrap(),
    };
    let tags = tags
        .unwrap()
        .into_iter()
        .map(|t| (t.topic, t.weight))
        .collect();
    let tags = TopicTags::from_parts(
        meta.topics,
        tag_offsets.unwrap(),
        tags,
        meta.duplicate_tags_merged,
    )
    .ok_or_else(|| bad("topic tags are inconsistent".into()))?;
    Ok(TaggedGraph {
        ids,
        graph,
        tags,
        report: meta.report,
    })
}
