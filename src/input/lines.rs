//! Line iteration over plain or gzip-compressed text files.

use super::dialect::Dialect;
use super::open::{Compression, InputStream};
use super::BadLine;
use crate::input::error::InputError;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Column separator, chosen from the file name: `.csv` (or `.csv.gz`) means
/// comma, anything else tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// `\t`
    Tab,
    /// `,`
    Comma,
}

impl Delimiter {
    /// The separator byte.
    pub fn byte(self) -> u8 {
        match self {
            Delimiter::Tab => b'\t',
            Delimiter::Comma => b',',
        }
    }

    /// Picks the separator from a path's extension.
    pub fn for_path(path: &Path) -> Delimiter {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase());
        let name = name.as_deref().unwrap_or("");
        let name = [".gz", ".zst", ".zstd"]
            .iter()
            .find_map(|z| name.strip_suffix(z))
            .unwrap_or(name);
        if name.ends_with(".csv") {
            Delimiter::Comma
        } else {
            Delimiter::Tab
        }
    }
}

/// Counts of what a read saw, so that nothing is dropped silently.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LineStats {
    /// Physical lines read.
    pub lines: u64,
    /// Blank lines and `#` comments.
    pub comments_and_blank: u64,
    /// Lines skipped because they were malformed, by reason (only with
    /// `--skip-bad-lines`).
    pub skipped: BTreeMap<String, u64>,
    /// The first few skipped lines (line number and message), for the report.
    pub first_skipped: Vec<(u64, String)>,
    /// Bytes read from the file (compressed size for `.gz`).
    pub bytes: u64,
    /// Header lines skipped: the first data line when it names columns,
    /// and later lines equal to it (files concatenated with their headers).
    #[serde(default)]
    pub headers: u64,
    /// How the bytes were compressed.
    #[serde(default)]
    pub compression: Compression,
    /// The skipped header line, at most about 200 bytes of it (named in
    /// the report, so a first line taken for a header can be seen).
    #[serde(default)]
    pub header_line: Option<String>,
}

impl LineStats {
    /// Counts a skipped malformed line by reason, keeping the first ten
    /// (line number and message) for the report.
    pub fn count_skipped(&mut self, line: u64, bad: BadLine) {
        *self.skipped.entry(bad.kind.to_string()).or_insert(0) += 1;
        if self.first_skipped.len() < 10 {
            self.first_skipped.push((line, bad.message));
        }
    }

    /// Total malformed lines skipped.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Adds another file's counts to these (the totals of a role read from
    /// several files; the first skipped lines keep their own file's line
    /// numbers, so per-file reports are where they are printed from).
    pub fn add(&mut self, other: &LineStats) {
        self.lines += other.lines;
        self.comments_and_blank += other.comments_and_blank;
        for (k, v) in &other.skipped {
            *self.skipped.entry(k.clone()).or_insert(0) += v;
        }
        for s in &other.first_skipped {
            if self.first_skipped.len() < 10 {
                self.first_skipped.push(s.clone());
            }
        }
        self.bytes += other.bytes;
        self.headers += other.headers;
        if self.header_line.is_none() {
            self.header_line = other.header_line.clone();
        }
    }
}

/// A line or record: its (first) line number, its bytes, and its length
/// when it is over [`MAX_LINE_BYTES`] (then only its start is there).
type Measured<'a> = Option<(u64, &'a [u8], Option<u64>)>;

/// Longest line accepted, in bytes (without its line end): two ids of at
/// most [`MAX_ID_BYTES`](super::MAX_ID_BYTES) each, a weight and separators
/// fit with room to spare. Reading stops at this length, so a file without
/// line ends (10 GB of NUL bytes, `/dev/zero`) is an error at its line
/// instead of one line buffer that grows until the machine runs out of memory.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// Longest line `--skip-bad-lines` skips; longer is an error even then
/// (no line ends at all: not a line-oriented text file).
pub(crate) const MAX_SKIPPED_LINE_BYTES: u64 = 64 << 20;

/// A line reader that strips line ends and a leading BOM, and skips
/// comments and blank lines. A line longer than [`MAX_LINE_BYTES`] is
/// returned cut, with its length ([`next_line_measured`](Self::next_line_measured)).
pub struct Lines {
    path: PathBuf,
    stream: InputStream,
    buf: Vec<u8>,
    stats: LineStats,
    sep: u8,
    /// RFC 4180 quoting: a record may go on over line ends inside quotes.
    quoted: bool,
    /// Read past an overlong line to its end (to skip it) or stop there.
    skip_overlong: bool,
    /// Lines read ahead for a quoted record that was then cut back to its
    /// first line: read again before the stream.
    replay: std::collections::VecDeque<Vec<u8>>,
    /// Where a record over several lines is put together.
    record: Vec<u8>,
}

/// True when the file at `path` starts with the gzip or zstd magic bytes
/// (how the readers decide to decompress, whatever the file is called),
/// or is Parquet (whose columns are compressed). Always false for a stream
/// (`-`, a FIFO): peeking would consume its bytes.
pub(crate) fn is_compressed(path: &Path) -> bool {
    if super::open::is_stream(path) {
        return false;
    }
    let mut head = [0u8; 4];
    File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && (Compression::of_magic(&head).is_compressed() || head == super::open::PARQUET_MAGIC)
}

/// Opens `path` (`-`: standard input) for line reading; gzip and zstd
/// input is recognised by its magic bytes, whatever the file is called.
/// The separator comes from the file name ([`Dialect::default`]).
pub fn open_lines(path: &Path) -> Result<Lines, InputError> {
    open_lines_with(path, &Dialect::default())
}

/// [`open_lines`] in a given dialect (separator, quoting).
pub fn open_lines_with(path: &Path, dialect: &Dialect) -> Result<Lines, InputError> {
    let stream = InputStream::open(path)?;
    let stats = LineStats {
        compression: stream.compression,
        ..LineStats::default()
    };
    Ok(Lines {
        path: path.to_path_buf(),
        stream,
        buf: Vec::with_capacity(256),
        stats,
        sep: dialect.separator(path),
        quoted: dialect.quoted(path),
        skip_overlong: false,
        replay: Default::default(),
        record: Vec::new(),
    })
}

/// Appends the next line of `r` (with its `\n`) to `buf`, keeping at most
/// `keep` bytes; returns the bytes consumed (0 at the end) and whether the
/// line's `\n` was reached. Past `keep` it
/// reads on to the line's end when `to_end`, else stops there.
fn read_capped(
    r: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    keep: usize,
    to_end: bool,
) -> std::io::Result<(u64, bool)> {
    let mut total = 0u64;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok((total, false));
        }
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let room = keep.saturating_sub(buf.len());
        buf.extend_from_slice(&avail[..take.min(room)]);
        r.consume(take);
        total += take as u64;
        if done || (!to_end && total > keep as u64) || total > MAX_SKIPPED_LINE_BYTES {
            return Ok((total, done));
        }
    }
}

impl Lines {
    /// The column separator for this file.
    pub fn separator(&self) -> u8 {
        self.sep
    }

    /// True when fields may be quoted (RFC 4180).
    pub fn quoted(&self) -> bool {
        self.quoted
    }

    /// Skip lines longer than [`MAX_LINE_BYTES`] by reading to their end
    /// (`--skip-bad-lines`), instead of stopping at the limit.
    pub fn skip_overlong(&mut self, skip: bool) {
        self.skip_overlong = skip;
    }

    /// The next data line (1-based line number, content without line end),
    /// or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>, InputError> {
        Ok(self.next_line_measured()?.map(|(no, line, _)| (no, line)))
    }

    /// [`next_line`](Self::next_line) with the line's length when it is
    /// over [`MAX_LINE_BYTES`] (then only its start is returned; with
    /// skipping off, the length is what was read before stopping).
    pub fn next_line_measured(&mut self) -> Result<Measured<'_>, InputError> {
        Ok(self
            .next_line_range()?
            .map(|(no, r, overlong)| (no, &self.buf[r], overlong)))
    }

    /// The next physical line into `buf` (with its `\n`): a line handed
    /// back by a record cut short first, then the stream. Returns the bytes
    /// consumed (0 at the end) and whether the line end was reached.
    fn read_physical(&mut self, keep: usize) -> Result<(u64, bool), InputError> {
        self.buf.clear();
        let mut from_replay = 0;
        if let Some(line) = self.replay.pop_front() {
            self.buf = line;
            if self.buf.ends_with(b"\n") {
                return Ok((self.buf.len() as u64, true));
            }
            from_replay = self.buf.len() as u64;
        }
        let (n, ended) = read_capped(
            &mut self.stream.reader,
            &mut self.buf,
            keep,
            self.skip_overlong,
        )
        .map_err(|e| self.read_error(&e))?;
        Ok((from_replay + n, ended))
    }

    /// [`next_line_measured`](Self::next_line_measured), as a range of `buf`.
    #[allow(clippy::type_complexity)] // `Measured`, as a range of `buf`
    fn next_line_range(
        &mut self,
    ) -> Result<Option<(u64, std::ops::Range<usize>, Option<u64>)>, InputError> {
        let keep = MAX_LINE_BYTES + 2;
        loop {
            let (n, ended) = self.read_physical(keep)?;
            if n == 0 {
                return Ok(None);
            }
            self.stats.lines += 1;
            let overlong = (n > keep as u64).then(|| n - u64::from(ended));
            let mut line: &[u8] = &self.buf;
            if self.stats.lines == 1 && line.starts_with(b"\xEF\xBB\xBF") {
                line = &line[3..];
            }
            if let [rest @ .., b'\n'] = line {
                line = rest;
            }
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            // A comment or blank line holding a carriage return is handed
            // on as data, for the parser to refuse: CR-only line ends would
            // otherwise make a whole file one comment.
            let quiet = overlong.is_none()
                && memchr::memchr(b'\r', line).is_none()
                && (line.iter().all(|b| b.is_ascii_whitespace()) || line.first() == Some(&b'#'));
            if quiet {
                self.stats.comments_and_blank += 1;
                continue;
            }
            let start = line.as_ptr() as usize - self.buf.as_ptr() as usize;
            return Ok(Some((
                self.stats.lines,
                start..start + line.len(),
                overlong,
            )));
        }
    }

    /// The next record: a line, or in a quoted file the lines a quoted
    /// field runs over (joined by their `\n`), numbered by its first line.
    /// A record that would pass [`MAX_LINE_BYTES`] inside quotes (an
    /// unterminated quote) is its first line alone, and the lines after it
    /// are read again as records: the rule of
    /// `quoted::record_end`, which the parallel reader
    /// follows too.
    pub fn next_record_measured(&mut self) -> Result<Measured<'_>, InputError> {
        let Some((no, range, overlong)) = self.next_line_range()? else {
            return Ok(None);
        };
        let line = &self.buf[range.clone()];
        let open = self.quoted
            && overlong.is_none()
            && memchr::memchr(b'"', line).is_some()
            && super::quoted::record_end(line, 0, self.sep).is_none();
        if !open {
            return Ok(Some((no, &self.buf[range], overlong)));
        }
        let mut rec = std::mem::take(&mut self.record);
        rec.clear();
        rec.extend_from_slice(&self.buf[range.start..]);
        let mut ends = vec![rec.len()];
        let end = loop {
            let keep = (MAX_LINE_BYTES + 2).saturating_sub(rec.len()).max(1);
            let (n, _) = self.read_physical(keep)?;
            if n == 0 {
                break None;
            }
            self.stats.lines += 1;
            rec.extend_from_slice(&self.buf);
            ends.push(rec.len());
            if let Some(e) = super::quoted::record_end(&rec, 0, self.sep) {
                break Some(e);
            }
            if n > keep as u64 {
                break None;
            }
        };
        // Cut short: the record is its first line; the others go back.
        let first_end = ends[0];
        let end = match end {
            Some(e) if e >= first_end => e,
            _ => {
                for w in ends.windows(2).rev() {
                    self.replay.push_front(rec[w[0]..w[1]].to_vec());
                    self.stats.lines -= 1;
                }
                first_end - usize::from(rec[..first_end].ends_with(b"\n"))
            }
        };
        let mut record = &rec[..end];
        if let [head @ .., b'\n'] = record {
            record = head;
        }
        if let [head @ .., b'\r'] = record {
            record = head;
        }
        let len = record.len();
        self.buf.clear();
        self.buf.extend_from_slice(&rec[..len]);
        self.record = rec;
        Ok(Some((no, &self.buf[..len], None)))
    }

    /// Bytes read from the file so far (compressed bytes for gzip).
    pub fn bytes_read(&self) -> u64 {
        self.stream.raw_bytes()
    }

    /// Records a skipped header line and its text (for the report).
    pub fn count_header(&mut self, line: &[u8]) {
        self.stats.headers += 1;
        self.stats.header_line = Some(super::header::header_text(line));
    }

    /// Records a later line equal to the skipped header (files
    /// concatenated, each with its header).
    pub fn count_repeated_header(&mut self) {
        self.stats.headers += 1;
    }

    /// Records a skipped malformed line.
    pub fn skip(&mut self, line: u64, bad: BadLine) {
        self.stats.count_skipped(line, bad);
    }

    /// Ends the read: refuses a regular file that changed while it was
    /// read ([`InputError::Changed`]), and returns the statistics.
    pub fn finish(mut self) -> Result<LineStats, InputError> {
        self.stream.check_unchanged()?;
        self.stats.bytes = self.stream.raw_bytes();
        Ok(self.stats)
    }

    /// The statistics gathered so far (no check that the file is unchanged).
    pub fn into_stats(mut self) -> LineStats {
        self.stats.bytes = self.stream.raw_bytes();
        self.stats
    }

    fn read_error(&self, e: &std::io::Error) -> InputError {
        let mut err = InputError::io(&self.path, e);
        if let InputError::Io { reason, .. } = &mut err {
            *reason = format!("after line {}: {}", self.stats.lines, reason);
        }
        err
    }
}
