//! One chunk of a window of the parallel follow reader: where its records
//! are (line ends, or in a quoted file the ends of quoted records) and how
//! they become rows, with a digits-only fast path for the common line.

use super::header::{header_text, is_header, is_header_line};
use super::quoted::first_fields;
use super::quoted::{record_end, record_end_at_eof};
use super::{parse_record, BadLine, BadLines, HeaderMode, Syntax};
use crate::graph::canonical_number;
use std::borrow::Cow;

/// Bytes per parallel chunk: fixed, so chunking never depends on threads.
pub(super) const CHUNK: usize = 1 << 20;
/// Field that indexes the window's bytes rather than holding a number.
pub(super) const STR_FIELD: u64 = 1 << 63;
/// With [`STR_FIELD`]: the bytes are in the chunk's `side` buffer (an id
/// that unquoting changed, so it is no slice of the window).
pub(super) const SIDE_FIELD: u64 = 1 << 62;

/// One parsed line: two fields (numbers, or
/// `STR_FIELD [| SIDE_FIELD] | start << 31 | len`) and a weight.
pub(super) type Raw = (u64, u64, f32);

/// What a chunk parse produced.
pub(super) struct ChunkOut {
    pub rows: Vec<Raw>,
    pub comments: u64,
    pub headers: u64,
    pub header_line: Option<String>,
    /// The header as read: its bytes and its two id fields, so that a
    /// later record equal to it (shards concatenated, each with its
    /// header) is counted as a header too, not ranked as two users.
    pub header: Option<(Vec<u8>, String, String)>,
    pub skipped: Vec<(usize, BadLine)>,
    /// Unquoted ids that are not slices of the window (`""` unescaped).
    pub side: String,
}

/// How a chunk is parsed: the same for every chunk of a file.
#[derive(Clone, Copy)]
pub(super) struct ChunkSyntax<'a> {
    pub syn: Syntax<'a>,
    pub header: HeaderMode,
    pub what: (&'a str, &'a str),
    pub bad: BadLines,
}

/// A parsed id as a [`Raw`] field: a number, a slice of the window
/// (`bytes` is the chunk, at `offset` in the window), or a copy in `side`.
fn field(s: Cow<'_, str>, bytes: &[u8], offset: usize, side: &mut String) -> Result<u64, BadLine> {
    if let Some(v) = canonical_number(s.as_bytes()) {
        return Ok(v);
    }
    let (flag, base) = match &s {
        Cow::Borrowed(b) => (0, offset + (b.as_ptr() as usize - bytes.as_ptr() as usize)),
        Cow::Owned(o) => {
            side.push_str(o);
            (SIDE_FIELD, side.len() - o.len())
        }
    };
    let start = base as u64;
    let len = s.len() as u64;
    if start >= 1 << 31 || len >= 1 << 31 {
        return Err(BadLine {
            kind: "id too long",
            message: format!("id of {len} bytes is too long"),
        });
    }
    Ok(STR_FIELD | flag | start << 31 | len)
}

/// The end (index of the `\n`, or the length) of the record at `pos` of a
/// chunk: its line end, or in a quoted file where its quotes end.
#[inline]
fn end_of(bytes: &[u8], pos: usize, syn: &Syntax<'_>) -> usize {
    if syn.quoted {
        record_end_at_eof(bytes, pos, syn.sep)
    } else {
        memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i)
    }
}

/// The data record after `pos` (comments and blank lines passed over),
/// for header detection's look at the second record.
fn next_data_record<'b>(bytes: &'b [u8], mut pos: usize, syn: &Syntax<'_>) -> Option<&'b [u8]> {
    while pos < bytes.len() {
        let end = end_of(bytes, pos, syn);
        let line = &bytes[pos..end];
        pos = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.first() != Some(&b'#') && !line.iter().all(|b| b.is_ascii_whitespace()) {
            return Some(line);
        }
    }
    None
}

/// Parses one chunk (whole records) into rows. `file_start`: the chunk
/// is the first of the file when `offset` is 0 (where a byte-order mark
/// and the header may be).
pub(super) fn parse_chunk(
    bytes: &[u8],
    offset: usize,
    cs: &ChunkSyntax<'_>,
    file_start: bool,
    mut rows: Vec<Raw>,
) -> ChunkOut {
    let (syn, sep) = (&cs.syn, cs.syn.sep);
    rows.clear();
    rows.reserve(bytes.len() / 12);
    let mut out = ChunkOut {
        rows,
        comments: 0,
        headers: 0,
        header_line: None,
        header: None,
        skipped: Vec::new(),
        side: String::new(),
    };
    let mut pos = 0;
    // A null token made of digits (`--null-token 0`) must reach the parser.
    let fast = !syn
        .nulls
        .iter()
        .any(|n| canonical_number(n.as_bytes()).is_some());
    // The file's first data record is still to come (it may be a header).
    let mut first_pending = file_start && offset == 0;
    while pos < bytes.len() {
        // Fast path: `digits SEP digits \n`, scanned once, no search calls
        // (lines of large graphs are ~14 bytes, where two memchr calls per
        // line cost more than the scan).
        if fast && !first_pending {
            let pair = if syn.quoted {
                quoted_number_pair(bytes, pos, sep)
            } else {
                number_pair(bytes, pos, sep)
            };
            if let Some((a, b, next)) = pair {
                out.rows.push((a, b, 1.0));
                pos = next;
                continue;
            }
        }
        let line_start = pos;
        let bom = first_pending && pos == 0 && bytes.starts_with(b"\xEF\xBB\xBF");
        let from = if bom { 3 } else { pos };
        let end = end_of(bytes, from, syn);
        let mut line = &bytes[from..end];
        pos = end + 1;
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        // A comment or blank line holding a carriage return goes to the
        // parser, which refuses it (CR-only line ends).
        let quiet = line.first() == Some(&b'#') || line.iter().all(|b| b.is_ascii_whitespace());
        if quiet && memchr::memchr(b'\r', line).is_none() {
            out.comments += 1;
            continue;
        }
        if std::mem::take(&mut first_pending)
            && is_header(cs.header, line, next_data_record(bytes, pos, syn), syn)
        {
            out.headers += 1;
            out.header_line = Some(header_text(line));
            let text = String::from_utf8_lossy(line);
            let [a, b] = first_fields::<2>(&text, syn.sep, syn.quoted);
            out.header = Some((
                line.to_vec(),
                a.map(Cow::into_owned).unwrap_or_default(),
                b.map(Cow::into_owned).unwrap_or_default(),
            ));
            continue;
        }
        // Fast path: two canonical decimal ids and nothing else (the common
        // case for large graphs); anything else goes through the full parser.
        if let Some(i) = memchr::memchr(sep, line).filter(|_| fast) {
            let (a, b) = (&line[..i], &line[i + 1..]);
            if let (Some(a), Some(b)) = (canonical_number(a), canonical_number(b)) {
                out.rows.push((a, b, 1.0));
                continue;
            }
        }
        let parsed = parse_record(line, syn, cs.what).and_then(|p| {
            let a = field(p.first, bytes, offset, &mut out.side)?;
            let b = field(p.second, bytes, offset, &mut out.side)?;
            Ok((a, b, p.weight))
        });
        match parsed {
            Ok(r) => out.rows.push(r),
            Err(e) => {
                out.skipped.push((offset + line_start, e));
                // A line of column words may be a repeated header, which
                // the interning step recognises (it knows the file's
                // header): parsing goes on past it.
                if cs.bad == BadLines::Fail && !is_header_line(line, syn.sep) {
                    break;
                }
            }
        }
    }
    out
}

/// Parses a canonical decimal number at `bytes[pos..]`, returning it and the
/// position after it.
#[inline(always)]
fn number_at(bytes: &[u8], mut pos: usize) -> Option<(u64, usize)> {
    let start = pos;
    let mut v: u64 = 0;
    while let Some(&c) = bytes.get(pos) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(d as u64);
        pos += 1;
    }
    let len = pos - start;
    let canonical = len > 0 && len <= 18 && !(bytes[start] == b'0' && len > 1);
    canonical.then_some((v, pos))
}

/// The line at `pos` if it is exactly `number SEP number` (then `\n`,
/// `\r\n` or the end): both numbers and the start of the next line.
#[inline(always)]
fn number_pair(bytes: &[u8], pos: usize, sep: u8) -> Option<(u64, u64, usize)> {
    pair_of(bytes, pos, sep, number_at)
}

/// The line at `pos` if it is exactly two numbers read by `at` around
/// `sep` (then `\n`, `\r\n` or the end): both and the next line's start.
#[inline(always)]
fn pair_of(
    bytes: &[u8],
    pos: usize,
    sep: u8,
    at: impl Fn(&[u8], usize) -> Option<(u64, usize)>,
) -> Option<(u64, u64, usize)> {
    let (a, p) = at(bytes, pos)?;
    if bytes.get(p) != Some(&sep) {
        return None;
    }
    let (b, mut p) = at(bytes, p + 1)?;
    if bytes.get(p) == Some(&b'\r') {
        p += 1;
    }
    match bytes.get(p) {
        None => Some((a, b, p)),
        Some(b'\n') => Some((a, b, p + 1)),
        Some(_) => None,
    }
}

/// A canonical decimal number at `pos`, bare or in quotes (`"42"` is the
/// number 42, as the parser reads it); the position after it.
#[inline(always)]
fn quoted_number_at(bytes: &[u8], pos: usize) -> Option<(u64, usize)> {
    if bytes.get(pos) != Some(&b'"') {
        return number_at(bytes, pos);
    }
    let (v, p) = number_at(bytes, pos + 1)?;
    (bytes.get(p) == Some(&b'"') && bytes.get(p + 1) != Some(&b'"')).then_some((v, p + 1))
}

/// [`number_pair`] where either number may be quoted: the fast path of
/// quoted CSV as Python's `csv.QUOTE_ALL` or a warehouse export writes it.
#[inline(always)]
fn quoted_number_pair(bytes: &[u8], pos: usize, sep: u8) -> Option<(u64, u64, usize)> {
    pair_of(bytes, pos, sep, quoted_number_at)
}

/// Splits `bytes` into chunks of about [`CHUNK`] bytes ending at newlines.
pub(super) fn chunk_bounds(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let mut end = (start + CHUNK).min(bytes.len());
        if end < bytes.len() {
            end = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |i| end + i + 1);
        }
        out.push((start, end));
        start = end;
    }
    out
}

/// Splits a window holding quotes into chunks of about [`CHUNK`] bytes
/// ending at record ends (never inside a quoted field), and says where its
/// last whole record ends: the window's cut (`eof`: the window ends the
/// file, so its end is a record end).
pub(super) fn quoted_bounds(
    bytes: &[u8],
    sep: u8,
    eof: bool,
    bom: bool,
) -> (Vec<(usize, usize)>, usize) {
    let mut out = Vec::new();
    let (mut start, mut pos) = (0, 0);
    while pos < bytes.len() {
        // A record of two numbers (quoted or not) ends at its line end.
        if let Some((_, _, next)) = quoted_number_pair(bytes, pos, sep) {
            if bytes[next - 1] == b'\n' || eof {
                pos = next;
                if pos - start >= CHUNK {
                    out.push((start, pos));
                    start = pos;
                }
                continue;
            }
        }
        let from = if pos == 0 && bom { 3 } else { pos };
        let end = match record_end(bytes, from, sep) {
            Some(e) if e < bytes.len() || eof => e,
            _ if eof => record_end_at_eof(bytes, from, sep),
            _ => break,
        };
        pos = (end + 1).min(bytes.len());
        if pos - start >= CHUNK {
            out.push((start, pos));
            start = pos;
        }
    }
    if pos > start {
        out.push((start, pos));
    }
    (out, pos)
}
