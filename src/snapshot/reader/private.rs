//! A [`Part`] read into private anonymous memory instead of mapped: what a
//! long-running service answers from (issue 19).
//!
//! A mapping shows whatever the file holds now: `cp new.snap served.snap`
//! (which truncates and rewrites the same file) changed the answers of a
//! running `serve` to bytes that were never verified, and a shorter copy
//! killed it with SIGBUS on the next lookup. A private copy cannot change
//! under the process, so what answers is exactly what was verified. It
//! costs its size in the process's own memory, which the kernel cannot
//! drop and reread as it does a mapping's page cache.
//!
//! [`Keep::Lookups`] keeps only what lookups read: the model sections
//! (follower graph, affinity, teleport, trust; 36 % of a 10M-user ×
//! 17-market file with 8 follows a user) are read and checksummed but not
//! kept. They go to a scratch buffer, and the pages of the copy they would
//! fill are never written: an anonymous mapping's untouched pages take no
//! memory.
//!
//! No transparent huge pages: asked for with `madvise`, they made reading
//! a 2.5 GB snapshot 3–4 × slower on the 2-core machine (compaction of
//! 2 MiB pages; 3.2 s → 11.5–14.7 s), for no lookup speed-up measurable
//! beside the other loads on it.

use super::{Backing, Check, Part};
use crate::snapshot::format::*;
use crate::store::container::{parse_table, Header, HEADER_LEN};
use memmap2::MmapMut;
use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

/// What a private copy keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// The whole file.
    All,
    /// All but the model sections: a part with no model
    /// ([`Part::has_model`] is false), for lookups only.
    Lookups,
}

/// The sections [`Keep::Lookups`] leaves out: nothing a lookup reads.
const MODEL_KINDS: [u32; 8] = [
    KIND_GRAPH_OFFSETS,
    KIND_GRAPH_SOURCES,
    KIND_GRAPH_WEIGHTS,
    KIND_AFFINITY_OFFSETS,
    KIND_AFFINITY,
    KIND_TELEPORT_OFFSETS,
    KIND_TELEPORT,
    KIND_TRUST,
];

/// Bytes read at a time into the scratch buffer for a skipped section.
const SCRATCH: usize = 1 << 20;

impl Part {
    /// Reads the file at `path` into private memory and verifies that copy
    /// as fully as [`open`](Self::open) does the mapped file (with
    /// [`Keep::Lookups`]: every kept section, and the body CRC over the
    /// whole file as it was read).
    ///
    /// # Errors
    ///
    /// Those of [`open`](Self::open), and
    /// [`SnapshotError::ChangedWhileRead`] when the file's length or its
    /// section table changes while it is read.
    pub fn read_private(path: impl AsRef<Path>, keep: Keep) -> Result<Part, SnapshotError> {
        let path = path.as_ref();
        let p = path.display().to_string();
        let io = |e: std::io::Error| SnapshotError::Io {
            path: p.clone(),
            cause: e,
        };
        let mut file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if meta.is_dir() {
            return Err(SnapshotError::NotASnapshot { path: p });
        }
        let len = usize::try_from(meta.len()).map_err(|_| {
            io(std::io::Error::new(
                std::io::ErrorKind::OutOfMemory,
                "the file is larger than the address space",
            ))
        })?;
        let mut buf = MmapMut::map_anon(len).map_err(io)?;
        // The table first, to know what to skip; a header or table that
        // does not parse is read whole, for `from_map` to name the fault.
        let plan = match keep {
            Keep::All => None,
            Keep::Lookups => skip_plan(&file, len).map_err(io)?,
        };
        let Some(Plan {
            head,
            table_at,
            table,
            skip,
        }) = plan
        else {
            read_into(&mut file, &mut buf, 0..len, None, &p)?;
            check_end(&mut file, len, &p)?;
            let map = buf.make_read_only().map_err(io)?;
            return Self::from_map(map, &p, Check::Full, Backing::Memory);
        };
        let mut crc = crc32fast::Hasher::new();
        let mut scratch = vec![0u8; SCRATCH.min(len)];
        read_into(&mut file, &mut buf, 0..HEADER_LEN, None, &p)?;
        let mut at = HEADER_LEN;
        for r in skip.iter().chain(std::iter::once(&(len..len))) {
            read_into(&mut file, &mut buf, at..r.start, Some(&mut crc), &p)?;
            let mut left = r.len();
            while left > 0 {
                let n = left.min(scratch.len());
                let got = fill(&mut file, &mut scratch[..n]).map_err(io)?;
                if got < n {
                    return Err(ended(&p, len, r.end - left + got));
                }
                crc.update(&scratch[..n]);
                left -= n;
            }
            at = r.end;
        }
        check_end(&mut file, len, &p)?;
        // The header and table the plan came from must be those read: else
        // a kept section may lie where zeros were left, under a CRC that
        // matches.
        if buf[..HEADER_LEN] != head[..] || buf[table_at..table_at + table.len()] != table[..] {
            return Err(changed(&p, "its header or section table changed".into()));
        }
        let body_crc = crc.finalize();
        Self::from_map(
            buf.make_read_only().map_err(io)?,
            &p,
            Check::WithoutModel { body_crc },
            Backing::Memory,
        )
    }
}

/// What [`Keep::Lookups`] reads around: the header and table as first
/// read, and the model sections' ranges in file order.
struct Plan {
    head: [u8; HEADER_LEN],
    table_at: usize,
    table: Vec<u8>,
    skip: Vec<Range<usize>>,
}

/// The [`Plan`] for the file; `None` when its header or table does not
/// parse (or on a platform without positioned reads).
fn skip_plan(file: &File, len: usize) -> std::io::Result<Option<Plan>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        if len < HEADER_LEN {
            return Ok(None);
        }
        let mut head = [0u8; HEADER_LEN];
        file.read_exact_at(&mut head, 0)?;
        let Ok(h) = Header::decode(&head, &MAGIC) else {
            return Ok(None);
        };
        let Some(tr) = h.table_range(len as u64) else {
            return Ok(None);
        };
        let mut table = vec![0u8; tr.len()];
        file.read_exact_at(&mut table, tr.start as u64)?;
        let Ok(sections) = parse_table(&table, h.table_offset) else {
            return Ok(None);
        };
        let mut skip: Vec<Range<usize>> = sections
            .into_iter()
            .filter(|(k, _)| MODEL_KINDS.contains(k))
            .map(|(_, r)| r)
            .collect();
        skip.sort_by_key(|r| r.start);
        if skip.windows(2).any(|w| w[0].end > w[1].start) {
            return Ok(None);
        }
        Ok(Some(Plan {
            head,
            table_at: tr.start,
            table,
            skip,
        }))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, len);
        Ok(None)
    }
}

/// Reads the file's next bytes into `buf[range]`, adding them to `crc`.
fn read_into(
    file: &mut File,
    buf: &mut [u8],
    range: Range<usize>,
    crc: Option<&mut crc32fast::Hasher>,
    p: &str,
) -> Result<(), SnapshotError> {
    let got = fill(file, &mut buf[range.clone()]).map_err(|e| SnapshotError::Io {
        path: p.to_string(),
        cause: e,
    })?;
    if got < range.len() {
        return Err(ended(p, buf.len(), range.start + got));
    }
    if let Some(crc) = crc {
        crc.update(&buf[range]);
    }
    Ok(())
}

/// Reads until `buf` is full or the file ends; the bytes read.
fn fill(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The file ends where it did when opened.
fn check_end(file: &mut File, len: usize, p: &str) -> Result<(), SnapshotError> {
    let more = fill(file, &mut [0u8; 1]).map_err(|e| SnapshotError::Io {
        path: p.to_string(),
        cause: e,
    })?;
    if more > 0 {
        return Err(changed(
            p,
            format!("it went on past the {len} bytes it had when opened"),
        ));
    }
    Ok(())
}

fn changed(p: &str, change: String) -> SnapshotError {
    SnapshotError::ChangedWhileRead {
        path: p.to_string(),
        change,
    }
}

fn ended(p: &str, opened: usize, at: usize) -> SnapshotError {
    changed(
        p,
        format!("it had {opened} bytes when opened and ended after {at}"),
    )
}
