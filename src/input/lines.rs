//! Line iteration over plain or gzip-compressed text files.

use super::BadLine;
use crate::input::error::InputError;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
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
        let name = name.strip_suffix(".gz").unwrap_or(name);
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
    /// Header lines skipped (0 or 1: only a first data line of column names).
    #[serde(default)]
    pub headers: u64,
}

impl LineStats {
    /// Total malformed lines skipped.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// A line reader that strips line ends, a leading BOM, and skips comments
/// and blank lines.
pub struct Lines {
    path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    stats: LineStats,
    delimiter: Delimiter,
}

/// The first two bytes of every gzip stream.
pub(crate) const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// True when the file at `path` starts with the gzip magic bytes (how the
/// readers decide to decompress, whatever the file is called).
pub(crate) fn is_gzip(path: &Path) -> bool {
    let mut head = [0u8; 2];
    File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && head == GZIP_MAGIC
}

/// Opens `path` for line reading; gzip input is recognised by its magic
/// bytes, whatever the file is called.
pub fn open_lines(path: &Path) -> Result<Lines, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, &e))?;
    if meta.is_dir() {
        return Err(InputError::Io {
            path: path.to_path_buf(),
            reason: "is a directory, not a file".into(),
        });
    }
    let file = File::open(path).map_err(|e| InputError::io(path, &e))?;
    let mut raw = BufReader::with_capacity(1 << 20, file);
    let head = raw.fill_buf().map_err(|e| InputError::io(path, &e))?;
    let reader: Box<dyn BufRead + Send> = if head.starts_with(&GZIP_MAGIC) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(raw),
        ))
    } else {
        Box::new(raw)
    };
    Ok(Lines {
        path: path.to_path_buf(),
        reader,
        buf: Vec::with_capacity(256),
        stats: LineStats {
            bytes: meta.len(),
            ..LineStats::default()
        },
        delimiter: Delimiter::for_path(path),
    })
}

impl Lines {
    /// The column separator for this file.
    pub fn delimiter(&self) -> Delimiter {
        self.delimiter
    }

    /// The next data line (1-based line number, content without line end),
    /// or `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>, InputError> {
        loop {
            self.buf.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| self.read_error(&e))?;
            if n == 0 {
                return Ok(None);
            }
            self.stats.lines += 1;
            let mut line: &[u8] = &self.buf;
            if self.stats.lines == 1 && line.starts_with(b"\xEF\xBB\xBF") {
                line = &line[3..];
            }
            while let [rest @ .., b'\n' | b'\r'] = line {
                line = rest;
            }
            if line.iter().all(|b| b.is_ascii_whitespace()) || line.first() == Some(&b'#') {
                self.stats.comments_and_blank += 1;
                continue;
            }
            let start = line.as_ptr() as usize - self.buf.as_ptr() as usize;
            let end = start + line.len();
            return Ok(Some((self.stats.lines, &self.buf[start..end])));
        }
    }

    /// Records a skipped header line.
    pub fn count_header(&mut self) {
        self.stats.headers += 1;
    }

    /// Records a skipped malformed line.
    pub fn skip(&mut self, line: u64, bad: BadLine) {
        *self.stats.skipped.entry(bad.kind.to_string()).or_insert(0) += 1;
        if self.stats.first_skipped.len() < 10 {
            self.stats.first_skipped.push((line, bad.message));
        }
    }

    /// The statistics gathered so far.
    pub fn into_stats(self) -> LineStats {
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
