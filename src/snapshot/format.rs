//! Constants of the snapshot layout and its errors.

/// Magic bytes; read back reversed they would show a big-endian writer.
pub(crate) const MAGIC: [u8; 8] = *b"MKTRANK\0";
pub(crate) const VERSION_MAJOR: u16 = 1;
pub(crate) const VERSION_MINOR: u16 = 0;
/// Oldest major version this reader accepts.
pub(crate) const OLDEST_MAJOR: u16 = 1;

pub(crate) const DTYPE_F32: u32 = 1;
pub(crate) const DTYPE_F64: u32 = 2;

pub(crate) const KIND_METADATA: u32 = 1;
pub(crate) const KIND_ID_OFFSETS: u32 = 2;
pub(crate) const KIND_ID_BYTES: u32 = 3;
pub(crate) const KIND_FOLLOWERS: u32 = 4;
pub(crate) const KIND_SCORES: u32 = 5;
pub(crate) const KIND_ORDER: u32 = 6;
pub(crate) const KIND_ID_INDEX: u32 = 7;
pub(crate) const KIND_GRAPH_OFFSETS: u32 = 8;
pub(crate) const KIND_GRAPH_SOURCES: u32 = 9;
pub(crate) const KIND_GRAPH_WEIGHTS: u32 = 10;
pub(crate) const KIND_AFFINITY_OFFSETS: u32 = 11;
pub(crate) const KIND_AFFINITY: u32 = 12;
pub(crate) const KIND_TELEPORT_OFFSETS: u32 = 13;
pub(crate) const KIND_TELEPORT: u32 = 14;
/// Optional (runs with `--accounts`): per user the trust it passes per unit
/// of follow weight (`f32`), for `explain`'s trust sources.
pub(crate) const KIND_TRUST: u32 = 15;

/// The name of section `kind` in the format's table
/// (`docs/snapshot-format.md`), for messages.
pub(crate) fn section_name(kind: u32) -> &'static str {
    match kind {
        KIND_METADATA => "METADATA",
        KIND_ID_OFFSETS => "USER_ID_OFFSETS",
        KIND_ID_BYTES => "USER_ID_BYTES",
        KIND_FOLLOWERS => "FOLLOWERS",
        KIND_SCORES => "SCORES",
        KIND_ORDER => "ORDER",
        KIND_ID_INDEX => "ID_INDEX",
        KIND_GRAPH_OFFSETS => "GRAPH_OFFSETS",
        KIND_GRAPH_SOURCES => "GRAPH_SOURCES",
        KIND_GRAPH_WEIGHTS => "GRAPH_WEIGHTS",
        KIND_AFFINITY_OFFSETS => "AFFINITY_OFFSETS",
        KIND_AFFINITY => "AFFINITY",
        KIND_TELEPORT_OFFSETS => "TELEPORT_OFFSETS",
        KIND_TELEPORT => "TELEPORT",
        KIND_TRUST => "TRUST",
        _ => "unknown",
    }
}

/// One teleport entry as stored: user's probability in a market column.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TeleportEntry {
    /// Market column.
    pub column: u32,
    /// Always 0 (alignment).
    pub reserved: u32,
    /// Teleport probability.
    pub prob: f64,
}

/// One topic affinity as stored.
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AffinityEntry {
    /// Market column.
    pub column: u32,
    /// Tag weight relative to the user's strongest tag, in (0, 1].
    pub affinity: f32,
}

/// Why a snapshot could not be read or written. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The file could not be opened, read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The snapshot path.
        path: String,
        /// The cause (in the message, so not a `source()`: printing the
        /// chain would repeat it).
        cause: std::io::Error,
    },
    /// Not a marketrank snapshot at all.
    #[error("{path}: not a marketrank snapshot (no MKTRANK header): give the .snap file written by `marketrank rank`")]
    NotASnapshot {
        /// The path.
        path: String,
    },
    /// Shorter than its header says: an interrupted copy or write.
    #[error("{path}: truncated: the file has {have} bytes but its header says {need}; re-copy it or run `marketrank rank` again")]
    Truncated {
        /// The path.
        path: String,
        /// Bytes expected.
        need: u64,
        /// Bytes present.
        have: u64,
    },
    /// The file changed while it was read into memory: something is
    /// writing it in place (`cp` over the path). Publish snapshots with a
    /// rename instead, which no reader ever sees half done (issue 19).
    #[error("{path}: the file changed while it was read ({change}): it is being written in place; write the new snapshot under another name and `mv` it into place")]
    ChangedWhileRead {
        /// The path.
        path: String,
        /// What changed (`it had 10 bytes when opened and ended after 4`).
        change: String,
    },
    /// A format version this reader does not know.
    #[error("{path}: snapshot format version {found} is not supported (this marketrank reads versions {oldest} to {newest}); use a matching marketrank")]
    Version {
        /// The path.
        path: String,
        /// The file's major version.
        found: u16,
        /// Oldest supported.
        oldest: u16,
        /// Newest supported.
        newest: u16,
    },
    /// Stored and computed checksums differ.
    #[error("{path}: checksum mismatch in the {part} (stored {expected:08x}, computed {found:08x}): the file is corrupt; re-copy it or recompute it")]
    Checksum {
        /// The path.
        path: String,
        /// "header" or "body".
        part: &'static str,
        /// Stored CRC.
        expected: u32,
        /// Computed CRC.
        found: u32,
    },
    /// Refused before publishing: a value that is not a finite number (a
    /// score, or a number in the metadata) would make a snapshot that
    /// cannot be read back, or ranks that mean nothing. The previous file
    /// at the path is kept.
    #[error("{path}: not written: {what} of market `{market}` is not a finite number ({value}); the previous file is kept. Check the input's weights and the parameters")]
    NotFinite {
        /// The path that was to be written.
        path: String,
        /// The market.
        market: String,
        /// Which value (`the score of user X`, `metadata field Y`).
        what: String,
        /// The value as printed (`NaN`, `inf`).
        value: String,
    },
    /// Refused before publishing: the file just written did not open again.
    #[error("{path}: not written: the new snapshot does not read back ({cause}); the previous file is kept")]
    DoesNotReopen {
        /// The path that was to be written.
        path: String,
        /// Why the new file did not open.
        cause: Box<SnapshotError>,
    },
    /// Inconsistent internal structure (only in a file that passed its
    /// checksum if it was written by a buggy writer).
    #[error("{path}: malformed snapshot: {reason}")]
    Malformed {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A section whose values cannot be right (an offset past its data, a
    /// user index beyond the users, a NaN score) in a file whose checksums
    /// match: crafted, or written by a faulty tool. Refused by `open` before
    /// a lookup can index out of bounds or a loop over tied scores spin on
    /// a NaN; `info --check` refuses the rest (issue 18, item 10).
    #[error(
        "{path}: malformed snapshot: section {section}{}: {problem}; marketrank never writes this (a crafted or damaged file): run `marketrank rank` again",
        .market.as_deref().map(|m| format!(", market `{m}`")).unwrap_or_default()
    )]
    BadSection {
        /// The path.
        path: String,
        /// The section's name in the format (`SCORES`, `GRAPH_OFFSETS`, ...).
        section: &'static str,
        /// The market, for per-market sections (SCORES, ORDER).
        market: Option<String>,
        /// What is wrong.
        problem: super::validate::SectionProblem,
    },
    /// A sharded snapshot whose parts are not those of its run: another
    /// run's part, a changed one, or one listed twice (issue 18, item 16).
    #[error("{path}: sharded snapshot: {problem}")]
    Shards {
        /// The manifest's path.
        path: String,
        /// What is wrong.
        problem: super::shards::ShardProblem,
    },
}
