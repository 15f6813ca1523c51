//! The file container shared by snapshots (`.snap`) and graph caches
//! (`.mrg`): a 64-byte checksummed header, 64-byte-aligned little-endian
//! sections, then a table of (kind, offset, length) entries.
//!
//! Header: magic `[u8; 8]`, major u16, minor u16, a u32 and two u64 whose
//! meaning the file type gives, file length u64, table offset u64, section
//! count u64, CRC-32 of bytes `64..file length` u32, CRC-32 of bytes `0..60`
//! u32. Table entry (32 bytes): kind u32, 0 u32, offset u64, length u64, 0 u64.
//! `docs/snapshot-format.md` describes it for readers in other languages.

use std::io::Write;
use std::ops::Range;

pub(crate) const HEADER_LEN: usize = 64;
pub(crate) const ENTRY_LEN: usize = 32;
pub(crate) const ALIGN: u64 = 64;

pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// The header's fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Header {
    pub magic: [u8; 8],
    pub major: u16,
    pub minor: u16,
    /// Bytes 12..16: snapshot score type, graph-cache flags.
    pub tag: u32,
    /// Bytes 16..24: users.
    pub a: u64,
    /// Bytes 24..32: snapshot markets, graph-cache follows.
    pub b: u64,
    pub file_len: u64,
    pub table_offset: u64,
    pub sections: u64,
    pub body_crc: u32,
}

/// Why a header could not be read.
pub(crate) enum HeaderError {
    /// Too short or another magic.
    NotOurs,
    /// Header CRC mismatch: (stored, computed).
    Checksum(u32, u32),
}

impl Header {
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..8].copy_from_slice(&self.magic);
        h[8..10].copy_from_slice(&self.major.to_le_bytes());
        h[10..12].copy_from_slice(&self.minor.to_le_bytes());
        h[12..16].copy_from_slice(&self.tag.to_le_bytes());
        h[16..24].copy_from_slice(&self.a.to_le_bytes());
        h[24..32].copy_from_slice(&self.b.to_le_bytes());
        h[32..40].copy_from_slice(&self.file_len.to_le_bytes());
        h[40..48].copy_from_slice(&self.table_offset.to_le_bytes());
        h[48..56].copy_from_slice(&self.sections.to_le_bytes());
        h[56..60].copy_from_slice(&self.body_crc.to_le_bytes());
        let crc = crc32fast::hash(&h[0..60]);
        h[60..64].copy_from_slice(&crc.to_le_bytes());
        h
    }

    /// Decodes and checks the header CRC of a file starting with `magic`.
    pub fn decode(bytes: &[u8], magic: &[u8; 8]) -> Result<Header, HeaderError> {
        if bytes.len() < HEADER_LEN || &bytes[0..8] != magic {
            return Err(HeaderError::NotOurs);
        }
        let h = &bytes[0..HEADER_LEN];
        let crc = crc32fast::hash(&h[0..60]);
        if crc != u32_at(h, 60) {
            return Err(HeaderError::Checksum(u32_at(h, 60), crc));
        }
        Ok(Header {
            magic: *magic,
            major: u16_at(h, 8),
            minor: u16_at(h, 10),
            tag: u32_at(h, 12),
            a: u64_at(h, 16),
            b: u64_at(h, 24),
            file_len: u64_at(h, 32),
            table_offset: u64_at(h, 40),
            sections: u64_at(h, 48),
            body_crc: u32_at(h, 56),
        })
    }

    /// The table's byte range, if it lies inside a file of `have` bytes.
    pub fn table_range(&self, have: u64) -> Option<Range<usize>> {
        let end = self
            .sections
            .checked_mul(ENTRY_LEN as u64)
            .and_then(|l| l.checked_add(self.table_offset))?;
        (self.table_offset >= HEADER_LEN as u64 && end <= have)
            .then(|| self.table_offset as usize..end as usize)
    }
}

/// The sections listed in `table` (the bytes of the section table), as
/// (kind, byte range); every range is checked to lie between the header and
/// the table and to be aligned.
pub(crate) fn parse_table(
    table: &[u8],
    table_offset: u64,
) -> Result<Vec<(u32, Range<usize>)>, String> {
    table
        .chunks_exact(ENTRY_LEN)
        .map(|e| {
            let kind = u32_at(e, 0);
            let off = u64_at(e, 8);
            let len = u64_at(e, 16);
            let ok = off
                .checked_add(len)
                .is_some_and(|end| end <= table_offset && off >= HEADER_LEN as u64)
                && off % ALIGN == 0;
            if !ok {
                return Err(format!("section {kind} out of bounds or misaligned"));
            }
            Ok((kind, off as usize..(off + len) as usize))
        })
        .collect()
}

/// The range of section `kind`, checking its length when `want` is given.
pub(crate) fn find_section(
    table: &[(u32, Range<usize>)],
    kind: u32,
    want: Option<u64>,
) -> Result<Option<Range<usize>>, String> {
    match table.iter().find(|(k, _)| *k == kind) {
        None => Ok(None),
        Some((_, r)) => match want {
            Some(w) if w != r.len() as u64 => Err(format!(
                "section {kind} has {} bytes, expected {w}",
                r.len()
            )),
            _ => Ok(Some(r.clone())),
        },
    }
}

/// Writes sections after a header-sized hole, computing the body CRC as it
/// goes; [`finish`](Self::finish) appends the table.
pub(crate) struct SectionWriter<W: Write> {
    inner: W,
    crc: crc32fast::Hasher,
    pos: u64,
    table: Vec<(u32, u64, u64)>,
    open: Option<(u32, u64)>,
}

/// What [`SectionWriter::finish`] leaves for the header.
pub(crate) struct Finished<W> {
    pub inner: W,
    pub file_len: u64,
    pub table_offset: u64,
    pub sections: u64,
    pub body_crc: u32,
}

impl<W: Write> SectionWriter<W> {
    /// Starts after a zeroed header, which the caller overwrites at the end.
    pub fn new(mut inner: W) -> std::io::Result<Self> {
        inner.write_all(&[0u8; HEADER_LEN])?;
        Ok(SectionWriter {
            inner,
            crc: crc32fast::Hasher::new(),
            pos: HEADER_LEN as u64,
            table: Vec::new(),
            open: None,
        })
    }

    /// Appends bytes to the current section.
    pub fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes)?;
        self.crc.update(bytes);
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Writes one whole section.
    pub fn section(&mut self, kind: u32, bytes: &[u8]) -> std::io::Result<()> {
        self.begin(kind);
        self.put(bytes)?;
        self.end()
    }

    /// Starts section `kind`; fill it with [`put`](Self::put).
    pub fn begin(&mut self, kind: u32) {
        assert!(self.open.is_none(), "sections do not nest");
        self.open = Some((kind, self.pos));
    }

    /// Ends the current section and pads to the next aligned offset.
    pub fn end(&mut self) -> std::io::Result<()> {
        let (kind, start) = self.open.take().expect("a section was begun");
        self.table.push((kind, start, self.pos - start));
        let rem = (ALIGN - self.pos % ALIGN) % ALIGN;
        self.put(&[0u8; ALIGN as usize][..rem as usize])
    }

    /// Appends the section table.
    pub fn finish(mut self) -> std::io::Result<Finished<W>> {
        assert!(self.open.is_none(), "last section was not ended");
        let table_offset = self.pos;
        let table = std::mem::take(&mut self.table);
        for &(kind, off, len) in &table {
            let mut e = [0u8; ENTRY_LEN];
            e[0..4].copy_from_slice(&kind.to_le_bytes());
            e[8..16].copy_from_slice(&off.to_le_bytes());
            e[16..24].copy_from_slice(&len.to_le_bytes());
            self.put(&e)?;
        }
        Ok(Finished {
            inner: self.inner,
            file_len: self.pos,
            table_offset,
            sections: table.len() as u64,
            body_crc: self.crc.finalize(),
        })
    }
}

/// Finishes a file written through [`SectionWriter`] into an [`AtomicFile`]:
/// appends the table, writes the header with `magic`, version and the three
/// type-specific fields, and publishes the file.
pub(crate) fn commit_sections(
    file: crate::store::atomic::AtomicFile,
    w: SectionWriter<std::io::BufWriter<std::fs::File>>,
    magic: [u8; 8],
    version: (u16, u16),
    fields: (u32, u64, u64),
) -> std::io::Result<()> {
    finish_sections(file, w, magic, version, fields)?.commit()
}

/// [`commit_sections`] without the commit: the header is written and the
/// file complete, but the target is not replaced yet.
pub(crate) fn finish_sections(
    file: crate::store::atomic::AtomicFile,
    w: SectionWriter<std::io::BufWriter<std::fs::File>>,
    magic: [u8; 8],
    version: (u16, u16),
    (tag, a, b): (u32, u64, u64),
) -> std::io::Result<crate::store::atomic::AtomicFile> {
    use std::io::{Seek, SeekFrom};
    let done = w.finish()?;
    let mut inner = done.inner.into_inner().map_err(|e| e.into_error())?;
    let header = Header {
        magic,
        major: version.0,
        minor: version.1,
        tag,
        a,
        b,
        file_len: done.file_len,
        table_offset: done.table_offset,
        sections: done.sections,
        body_crc: done.body_crc,
    };
    inner.seek(SeekFrom::Start(0))?;
    inner.write_all(&header.encode())?;
    drop(inner);
    Ok(file)
}
