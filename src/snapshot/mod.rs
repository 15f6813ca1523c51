//! Snapshots: the scores of a run, in one checksummed file that other
//! programs memory-map.
//!
//! # Layout (format version 1)
//!
//! All integers little-endian. A 64-byte header, then sections, each
//! starting at a multiple of 64 bytes, then a section table.
//!
//! | offset | type | field |
//! |---|---|---|
//! | 0 | `[u8; 8]` | magic `MKTRANK\0` |
//! | 8 | u16, u16 | format major, minor |
//! | 12 | u32 | score type: 1 = f32, 2 = f64 |
//! | 16 | u64 | users |
//! | 24 | u64 | markets |
//! | 32 | u64 | file length in bytes (a shorter file is truncated) |
//! | 40 | u64 | offset of the section table |
//! | 48 | u64 | number of sections |
//! | 56 | u32 | CRC-32 (IEEE) of bytes `64..file length` |
//! | 60 | u32 | CRC-32 of bytes `0..60` |
//!
//! Section table entry (32 bytes): kind u32, reserved u32, offset u64,
//! length in bytes u64, reserved u64. Kinds:
//!
//! | kind | content |
//! |---|---|
//! | 1 `METADATA` | UTF-8 JSON ([`Metadata`]) |
//! | 2 `USER_ID_OFFSETS` | u64 × (users + 1): user `i`'s id is `ID_BYTES[off[i]..off[i+1]]` |
//! | 3 `USER_ID_BYTES` | the ids, UTF-8, concatenated |
//! | 4 `FOLLOWERS` | u32 × users: follower counts |
//! | 5 `SCORES` | users × markets scores, row-major by user (row `i` = user `i`'s scores in every market, in [`Metadata::markets`] order) |
//! | 6 `ORDER` | u32 × markets × users: per market, users by descending score, ties by user index |
//! | 7 `ID_INDEX` | u32 × users: users sorted by id (byte order), for binary-search lookup |
//! | 8 `GRAPH_OFFSETS` | u64 × (users + 1): CSR of incoming follows (optional, with 9–14) |
//! | 9 `GRAPH_SOURCES` | u32 × follows: followers of user `v` are `SOURCES[OFF[v]..OFF[v+1]]`, ascending |
//! | 10 `GRAPH_WEIGHTS` | f32 × follows, aligned with 9 (absent: every follow weighs 1) |
//! | 11 `AFFINITY_OFFSETS` | u64 × (users + 1) into 12 |
//! | 12 `AFFINITY` | (u32 market column, f32 affinity) per tag: tag weight / the user's strongest tag |
//! | 13 `TELEPORT_OFFSETS` | u64 × (users + 1) into 14 |
//! | 14 `TELEPORT` | (u32 market column, u32 0, f64 probability): teleport beyond the uniform base (`1/users` in `_global`) |
//!
//! Rank is competition rank (1 + users with a strictly higher score);
//! percentile is `100 × users with a strictly lower score / users`.

pub mod columns;
mod format;
pub mod meta;
mod reader;
pub mod shards;
mod validate;
mod view;
mod writer;

pub use columns::{PartColumns, ScoreBlock};
pub use format::{AffinityEntry, SnapshotError, TeleportEntry};
pub use meta::{
    now_unix as meta_now, rfc3339 as rfc3339_of, InputFile, InputRead, InputRole, LoadCounts,
    MarketKind, MarketMeta, Metadata, Parameters, TrustMeta,
};
pub use reader::UserStanding;
pub use validate::SectionProblem;
pub use view::Snapshot;
pub use writer::{prepare_snapshot, write_snapshot, PreparedSnapshot, SnapshotContent};

/// File extension of snapshots.
pub const SNAPSHOT_EXT: &str = "snap";
