//! Fast reading of large follow files: the input is cut into windows
//! (slices of a memory map, or decompressed blocks of a gzip stream), each
//! window into chunks at line boundaries that are parsed in parallel, then
//! ids are interned sequentially in file order so indices do not depend on
//! the thread count.

use super::chunk::{
    chunk_bounds, parse_chunk, quoted_bounds, ChunkOut, ChunkSyntax, Raw, SIDE_FIELD, STR_FIELD,
};
use super::lines::MAX_SKIPPED_LINE_BYTES;
use super::{
    overlong_line, BadLines, Dialect, InputStream, LineStats, ReadBudget, ReadProgress, Rejects,
    Syntax,
};
use crate::graph::{BuildStats, FollowSpill, FollowerGraph, GraphBuilder, SpillOptions, UserIds};
use crate::input::error::InputError;
use rayon::prelude::*;
use std::io::Read;
use std::path::Path;

/// Bytes handled per window: bounds the parsed rows held at once (about
/// 24 bytes per line, twice the text) whatever the file size.
const WINDOW: usize = 8 << 20;
/// Follows read from a file, as dense user indices: the ones held in
/// memory, and (when reading with [`EdgeColumns::spilling`]) the ones
/// already moved to disk by followee range.
#[derive(Debug, Default)]
pub struct EdgeColumns {
    /// Followers (held in memory).
    pub src: Vec<u32>,
    /// Followees (held in memory).
    pub dst: Vec<u32>,
    /// Weights (empty when all held ones are 1).
    pub weights: Vec<f32>,
    /// When and where to spill; `None`: everything stays in memory.
    spill_options: Option<SpillOptions>,
    /// The follows already on disk.
    spilled: Option<FollowSpill>,
}

impl EdgeColumns {
    /// Empty columns that move their follows to disk whenever more than
    /// `options.after_follows` are held ([`EdgeColumns::relieve`]).
    pub fn spilling(options: &SpillOptions) -> EdgeColumns {
        EdgeColumns {
            spill_options: Some(options.clone()),
            ..EdgeColumns::default()
        }
    }

    /// Follows read so far, held and spilled.
    pub fn len(&self) -> usize {
        self.src.len() + self.spilled.as_ref().map_or(0, |s| s.len() as usize)
    }

    /// True when no follow was read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Follows moved to disk so far.
    pub fn spilled(&self) -> u64 {
        self.spilled.as_ref().map_or(0, |s| s.len())
    }

    /// Moves the held follows to disk when there are more than the spill
    /// options allow (called between windows of a read, never per row).
    /// Errors name the spill directory.
    pub fn relieve(&mut self) -> Result<(), InputError> {
        let Some(opts) = &self.spill_options else {
            return Ok(());
        };
        let Some(after) = opts.after_follows else {
            return Ok(());
        };
        if (self.src.len() as u64) < after.max(1) {
            return Ok(());
        }
        if self.spilled.is_none() {
            let dir = opts.dir.clone();
            let spill = FollowSpill::new(dir.as_deref()).map_err(|e| {
                let at = dir.unwrap_or_else(std::env::temp_dir);
                spill_error(&at, &e)
            })?;
            self.spilled = Some(spill);
        }
        let spill = self.spilled.as_mut().expect("just made");
        spill
            .write(&self.src, &self.dst, &self.weights)
            .map_err(|e| spill_error(spill.dir(), &e))?;
        self.src.clear();
        self.dst.clear();
        self.weights.clear();
        Ok(())
    }

    /// Builds the graph of every follow read, over `users` users: in memory
    /// ([`GraphBuilder`]) when nothing was spilled, else one followee range
    /// at a time from disk ([`FollowSpill::build`]) — the same graph.
    pub fn build(self, users: usize) -> Result<(FollowerGraph, BuildStats), InputError> {
        match self.spilled {
            None => Ok(GraphBuilder::from_columns(self.src, self.dst, self.weights).build(users)),
            Some(mut spill) => {
                spill
                    .write(&self.src, &self.dst, &self.weights)
                    .map_err(|e| spill_error(spill.dir(), &e))?;
                drop((self.src, self.dst, self.weights));
                let dir = spill.dir().to_path_buf();
                spill.build(users).map_err(|e| spill_error(&dir, &e))
            }
        }
    }

    /// Appends a follow. The weights column appears with the first weight
    /// other than 1 (the follows before it weighing 1), so an unweighted
    /// graph never holds one.
    #[inline]
    pub fn push(&mut self, src: u32, dst: u32, weight: f32) {
        if weight != 1.0 && self.weights.is_empty() {
            self.weights = vec![1.0; self.src.len()];
        }
        self.src.push(src);
        self.dst.push(dst);
        if !self.weights.is_empty() {
            self.weights.push(weight);
        }
    }
}

/// Parses one window of whole lines into rows (parallel, no state).
/// Row buffers come from `pool` and go back to it after interning: fresh
/// ones per window cost page faults worth ~8% of the parse (measured).
/// `bounds`: the chunks of a window holding quotes ([`quoted_bounds`]),
/// else cut at newlines here.
fn parse_window(
    bytes: &[u8],
    file_start: bool,
    cs: &ChunkSyntax<'_>,
    bounds: Option<Vec<(usize, usize)>>,
    pool: &mut Vec<Vec<Raw>>,
) -> Vec<ChunkOut> {
    let bounds = bounds.unwrap_or_else(|| chunk_bounds(bytes));
    let bufs: Vec<Vec<Raw>> = bounds
        .iter()
        .map(|_| pool.pop().unwrap_or_default())
        .collect();
    bounds
        .par_iter()
        .zip(bufs)
        .map(|(&(a, b), rows)| parse_chunk(&bytes[a..b], a, cs, file_start, rows))
        .collect()
}

/// State carried across windows.
struct Reader<'p> {
    path: &'p Path,
    bad: BadLines,
    rejects: Option<&'p mut Rejects>,
    stats: LineStats,
    lines_before: u64,
    /// The file's header (its bytes and two id fields), once one was
    /// skipped: later records equal to it are repeated headers.
    header: Option<(Vec<u8>, String, String)>,
}

impl Reader<'_> {
    /// `buf` is a whole window without a line end: the start of a line over
    /// [`MAX_LINE_BYTES`](super::MAX_LINE_BYTES). Refuses it at its line, or under
    /// [`BadLines::Skip`] reads on to its end (keeping only its start for
    /// the rejects file) and leaves what follows it in `buf`.
    fn overlong_line(
        &mut self,
        source: &mut dyn Read,
        buf: &mut Vec<u8>,
    ) -> Result<(), InputError> {
        let line = self.lines_before + 1;
        let refuse = |len: u64| InputError::Malformed {
            path: self.path.to_path_buf(),
            line,
            reason: overlong_line(len, false).message,
        };
        if self.bad == BadLines::Fail {
            return Err(refuse(buf.len() as u64));
        }
        let head = buf[..buf.len().min(1000)].to_vec();
        let mut len = buf.len() as u64;
        loop {
            buf.clear();
            buf.resize(WINDOW, 0);
            let n = fill(source, buf, 0).map_err(|e| InputError::io(self.path, &e))?;
            buf.truncate(n);
            if let Some(i) = memchr::memchr(b'\n', buf) {
                len += i as u64;
                buf.drain(..=i);
                break;
            }
            len += n as u64;
            if n < WINDOW {
                buf.clear();
                break;
            }
            if len > MAX_SKIPPED_LINE_BYTES {
                return Err(refuse(len));
            }
        }
        let e = overlong_line(len, true);
        if let Some(r) = self.rejects.as_deref_mut() {
            r.record_cut(self.path, line, &e.message, &head, Some(len))
                .map_err(|err| InputError::io(r.path(), &err))?;
        }
        self.stats.count_skipped(line, e);
        self.lines_before += 1;
        self.stats.lines += 1;
        Ok(())
    }

    /// Parses one window of whole lines and appends its follows.
    /// Takes in a parsed window: counts, errors with line numbers, and the
    /// follows with ids interned in file order (sequential).
    fn absorb(
        &mut self,
        bytes: &[u8],
        parts: Vec<ChunkOut>,
        ids: &mut UserIds,
        out: &mut EdgeColumns,
        spent: &mut Vec<Vec<Raw>>,
    ) -> Result<(), InputError> {
        let bad = self.bad;
        let line_of = |offset: usize| {
            self.lines_before + 1 + memchr::memchr_iter(b'\n', &bytes[..offset]).count() as u64
        };
        for part in &parts {
            self.stats.comments_and_blank += part.comments;
            self.stats.headers += part.headers;
            if part.header_line.is_some() {
                self.stats.header_line = part.header_line.clone();
            }
            if part.header.is_some() {
                self.header = part.header.clone();
            }
            for (offset, e) in &part.skipped {
                let rest = &bytes[*offset..];
                let mut text = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
                if let [head @ .., b'\r'] = text {
                    text = head;
                }
                if self.header.as_ref().is_some_and(|h| h.0 == text) {
                    self.stats.headers += 1;
                    continue;
                }
                let line = line_of(*offset);
                if bad == BadLines::Fail {
                    return Err(InputError::Malformed {
                        path: self.path.to_path_buf(),
                        line,
                        reason: e.message.clone(),
                    });
                }
                self.stats.count_skipped(line, e.clone());
                if let Some(r) = self.rejects.as_deref_mut() {
                    r.record(self.path, line, &e.message, text)
                        .map_err(|err| InputError::io(r.path(), &err))?;
                }
            }
        }
        // A string field's text: a slice of the window or of the side buffer.
        fn text_of<'t>(f: u64, bytes: &'t [u8], side: &'t str) -> &'t str {
            let start = ((f & !(STR_FIELD | SIDE_FIELD)) >> 31) as usize;
            let len = (f & ((1 << 31) - 1)) as usize;
            if f & SIDE_FIELD != 0 {
                return &side[start..start + len];
            }
            // The field came from a valid UTF-8 line, cut at separators
            // (or inside the quotes of a field, at ASCII quotes).
            std::str::from_utf8(&bytes[start..start + len]).expect("checked UTF-8")
        }
        let resolve = |ids: &mut UserIds, f: u64, side: &str| -> Option<u32> {
            if f & STR_FIELD == 0 {
                ids.intern_number(f)
            } else {
                ids.intern(text_of(f, bytes, side))
            }
        };
        let header = self.header.as_ref().map(|h| (h.1.as_str(), h.2.as_str()));
        for part in &parts {
            for &(a, b, w) in &part.rows {
                let repeated = header.is_some_and(|(ha, hb)| {
                    a & b & STR_FIELD != 0
                        && text_of(a, bytes, &part.side) == ha
                        && text_of(b, bytes, &part.side) == hb
                });
                if repeated {
                    self.stats.headers += 1;
                    continue;
                }
                let (Some(a), Some(b)) = (resolve(ids, a, &part.side), resolve(ids, b, &part.side))
                else {
                    return Err(InputError::too_many_users(self.path));
                };
                out.push(a, b, w);
            }
        }
        spent.extend(parts.into_iter().map(|p| p.rows));
        let lines = memchr::memchr_iter(b'\n', bytes).count() as u64
            + u64::from(!bytes.ends_with(b"\n") && !bytes.is_empty());
        self.lines_before += lines;
        self.stats.lines += lines;
        Ok(())
    }
}

/// Reads a two-or-three-column file of follows in parallel, interning ids
/// into `ids`. Plain and gzip files are read in windows of 8 MB, so memory
/// beyond the follows themselves stays bounded.
pub fn read_edges_parallel(
    path: &Path,
    ids: &mut UserIds,
    bad: BadLines,
    rejects: Option<&mut Rejects>,
) -> Result<(EdgeColumns, LineStats), InputError> {
    read_edges_within(path, ids, bad, rejects, None)
}

/// [`read_edges_within`] with the separator from the file name
/// ([`Dialect::default`]), into new columns.
pub fn read_edges_within(
    path: &Path,
    ids: &mut UserIds,
    bad: BadLines,
    rejects: Option<&mut Rejects>,
    budget: Option<&ReadBudget>,
) -> Result<(EdgeColumns, LineStats), InputError> {
    let mut out = EdgeColumns::default();
    let stats = read_edges_into(
        path,
        &Dialect::default(),
        ids,
        &mut out,
        bad,
        rejects,
        budget,
    )?;
    Ok((out, stats))
}

/// A spill file that could not be written or read: the directory, and
/// what to do.
fn spill_error(dir: &Path, e: &std::io::Error) -> InputError {
    InputError::Unusable {
        path: dir.to_path_buf(),
        reason: format!(
            "spilling follows to disk: {e} (it needs about 8 bytes a follow free; choose another place with --spill-dir)"
        ),
    }
}

/// Bytes the parallel reader itself holds at most, whatever the file: two
/// windows in flight (one parsed while the other is interned), each its
/// text and its parsed rows (24 bytes a line, at the shortest line
/// `1\t2\n` of 4 bytes). The memory guard counts it before reading.
pub fn reader_overhead() -> u64 {
    let window = (WINDOW + (1 << 20)) as u64;
    let rows = (WINDOW as u64 / 4) * std::mem::size_of::<Raw>() as u64;
    2 * (window + rows)
}

/// Bytes the graph build allocates beyond the columns read: the CSR's
/// sorted sources (4 per follow, 8 weighted) and two per-user offset
/// arrays ([`crate::graph::GraphBuilder::build`]), plus the next window's
/// follows at the shortest line (`1\t2\n`) and its text.
fn build_ahead(follows: u64, users: u64, weighted: bool) -> u64 {
    let per_follow = if weighted { 8 } else { 4 };
    let next_window = (WINDOW as u64 / 4) * if weighted { 12 } else { 8 } + 2 * WINDOW as u64;
    follows * per_follow + users * 16 + next_window
}

/// Reads a follow file in `dialect`, appending its follows to `out` (the
/// files of a role read one after the other into the same columns), under
/// a memory budget: after each window, the
/// process's resident memory plus what building the graph from the follows
/// read so far will allocate (`build_ahead`) is checked against the
/// budget, and the read stops at that line with [`InputError::OverMemory`]
/// before it is exceeded, whatever the file's size on disk says (a gzip
/// bomb, a pipe).
#[allow(clippy::too_many_arguments)] // one per input of a read
pub fn read_edges_into(
    path: &Path,
    dialect: &Dialect,
    ids: &mut UserIds,
    out: &mut EdgeColumns,
    bad: BadLines,
    rejects: Option<&mut Rejects>,
    budget: Option<&ReadBudget>,
) -> Result<LineStats, InputError> {
    let mut stream = InputStream::open(path)?;
    let cs = ChunkSyntax {
        syn: Syntax::of(dialect, path),
        header: dialect.header,
        what: ("follower", "followee"),
        bad,
    };
    let mut reader = Reader {
        path,
        bad,
        rejects,
        stats: LineStats::default(),
        lines_before: 0,
        header: None,
    };
    reader.stats.compression = stream.compression;
    if let (Some(size), false) = (stream.size, stream.compression.is_compressed()) {
        // Room for the follows, from the file size at ~12 bytes a line,
        // so the columns do not grow by doubling.
        let guess = (size / 12) as usize;
        out.src.reserve(guess);
        out.dst.reserve(guess);
    }
    // Window i is parsed (all cores) while window i − 1 is interned (one
    // core), so the sequential interning hides behind the parse.
    let mut buf: Vec<u8> = Vec::with_capacity(WINDOW + (1 << 20));
    let mut pending: Option<(Vec<u8>, Vec<ChunkOut>)> = None;
    let mut pool: Vec<Vec<Raw>> = Vec::new();
    let mut first = true;
    let mut text_read = 0u64;
    loop {
        let start = buf.len();
        buf.resize(start + WINDOW, 0);
        let filled = match fill(&mut *stream.reader, &mut buf, start) {
            Ok(n) => n,
            Err(e) => {
                if let Some((bytes, parts)) = pending.take() {
                    reader.absorb(&bytes, parts, ids, out, &mut pool)?;
                }
                let mut err = InputError::io(path, &e);
                if let InputError::Io { reason, .. } = &mut err {
                    *reason = format!("after line {}: {reason}", reader.lines_before);
                }
                return Err(err);
            }
        };
        text_read += (filled - start) as u64;
        buf.truncate(filled);
        let eof = filled < start + WINDOW;
        // A window holding no quote at all is cut as a tab file is (one
        // memchr); only one with quotes is walked record by record.
        let bounds = (cs.syn.quoted && memchr::memchr(b'"', &buf).is_some()).then(|| {
            let bom = first && buf.starts_with(b"\xEF\xBB\xBF");
            quoted_bounds(&buf, cs.syn.sep, eof, bom)
        });
        let cut = match &bounds {
            Some((_, cut)) => *cut,
            None if eof => buf.len(),
            None => memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1),
        };
        if cut == 0 && !eof {
            // A whole window without a line end: one line over the limit.
            if let Some((bytes, parts)) = pending.take() {
                reader.absorb(&bytes, parts, ids, out, &mut pool)?;
            }
            reader.overlong_line(&mut *stream.reader, &mut buf)?;
            first = false;
            continue;
        }
        let rest = buf[cut..].to_vec();
        buf.truncate(cut);
        let window = std::mem::replace(&mut buf, rest);
        let prev = pending.take();
        let chunks = bounds.map(|(b, _)| b);
        let mut spent = Vec::new();
        let (absorbed, parts) = rayon::join(
            || {
                prev.map_or(Ok(()), |(bytes, parts)| {
                    reader.absorb(&bytes, parts, ids, out, &mut spent)
                })
            },
            || {
                // Without a quote in the window, quoting changes nothing:
                // the literal split (one memchr a line) is the same parse.
                let cs = ChunkSyntax {
                    syn: Syntax {
                        quoted: cs.syn.quoted && chunks.is_some(),
                        ..cs.syn
                    },
                    ..cs
                };
                parse_window(&window, first, &cs, chunks, &mut pool)
            },
        );
        absorbed?;
        out.relieve()?;
        pool.append(&mut spent);
        first = false;
        pending = Some((window, parts));
        if let Some(b) = budget {
            let weighted = !out.weights.is_empty();
            let progress = ReadProgress {
                path,
                line: reader.lines_before + 1,
                bytes_read: text_read,
                records: out.len() as u64,
                users: ids.len() as u64,
            };
            b.check(
                progress,
                build_ahead(out.len() as u64, ids.len() as u64, weighted),
            )?;
        }
        if eof {
            break;
        }
    }
    if let Some((bytes, parts)) = pending.take() {
        reader.absorb(&bytes, parts, ids, out, &mut pool)?;
    }
    out.relieve()?;
    stream.check_unchanged()?;
    reader.stats.bytes = stream.raw_bytes();
    Ok(reader.stats)
}

/// Reads into `buf[from..]` until it is full or the input ends; returns
/// the filled length.
fn fill(source: &mut dyn Read, buf: &mut [u8], from: usize) -> std::io::Result<usize> {
    let mut filled = from;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_users_than_indices_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.tsv");
        std::fs::write(&p, "1\t2\n3\t4\nalice\tbob\n").unwrap();
        let mut ids = UserIds::with_max_users(3);
        let err = read_edges_parallel(&p, &mut ids, BadLines::Fail, None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("e.tsv: more than 4,294,967,294 distinct users"),
            "{err}"
        );
    }
}
