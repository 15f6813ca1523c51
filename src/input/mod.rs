//! Reading follower and topic files.
//!
//! Both formats are line oriented: `a<TAB>b[<TAB>weight]`, or comma separated
//! when the file name ends in `.csv` (optionally followed by `.gz`). Lines
//! starting with `#` and blank lines are skipped; CRLF line ends and a UTF-8
//! byte-order mark are accepted. Anything else that does not fit stops the
//! read with `file:line: reason`, unless the caller asked to skip bad lines,
//! in which case every skipped line is counted by reason ([`LineStats`]).

mod accounts;
mod chunk;
pub mod dialect;
pub mod error;
pub mod files;
pub mod graph_cache;
mod header;
mod lines;
pub mod load;
pub mod open;
mod parallel;
pub mod parquet;
mod quoted;
pub mod read;
mod rejects;
pub mod table;

pub use accounts::{
    parse_utc_day, read_accounts, read_trusted, utc_date, AccountsReport, BadDate, DateProblem,
};
pub use dialect::{ColumnNames, Dialect, HeaderMode, InputColumns, ReadOptions};
pub use header::is_header_line;
pub(crate) use lines::is_compressed;
pub use lines::{open_lines, open_lines_with, Delimiter, LineStats, Lines, MAX_LINE_BYTES};
pub use open::{is_stdin, is_stream, Compression, InputStream, STDIN_PATH};
pub use parallel::{
    read_edges_into, read_edges_parallel, read_edges_within, reader_overhead, EdgeColumns,
};
pub use rejects::Rejects;

use crate::input::error::InputError;
use std::borrow::Cow;
use std::path::Path;

/// Why a line was refused: a short category (for counting skipped lines by
/// reason) and the full message (for the error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// Category, e.g. `"bad weight"`.
    pub kind: &'static str,
    /// The whole message, e.g. "weight `-1` must be a positive finite number".
    pub message: String,
}

/// Longest user id or topic name accepted, in bytes. Longer fields are
/// almost always a wrong file or a broken line (a missing newline glues
/// lines together), so they are refused rather than interned.
pub const MAX_ID_BYTES: usize = 4096;

fn bad(kind: &'static str, message: String) -> BadLine {
    BadLine { kind, message }
}

/// What to do with a malformed line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadLines {
    /// Stop at the first malformed line with an error naming it (default).
    #[default]
    Fail,
    /// Skip it, count it by reason, and go on.
    Skip,
}

/// One parsed `a<SEP>b[<SEP>weight]` record, borrowing from the line
/// (its ids are owned only when unquoting changed them: `""` in a quoted
/// field).
#[derive(Debug, Clone, PartialEq)]
pub struct Pair<'a> {
    /// First column (follower, or user for topic files).
    pub first: Cow<'a, str>,
    /// Second column (followee, or topic).
    pub second: Cow<'a, str>,
    /// Third column, 1.0 when absent.
    pub weight: f32,
}

impl<'a> Pair<'a> {
    /// A record of two ids and a weight (readers other than the line
    /// parser, e.g. Parquet, build their records with this).
    pub fn new(first: &'a str, second: &'a str, weight: f32) -> Pair<'a> {
        Pair {
            first: Cow::Borrowed(first),
            second: Cow::Borrowed(second),
            weight,
        }
    }
}

/// How a reader splits a record: the separator, whether fields may be
/// quoted (RFC 4180), and the null tokens refused as ids.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax<'d> {
    pub sep: u8,
    pub quoted: bool,
    pub nulls: &'d [String],
}

impl<'d> Syntax<'d> {
    /// The syntax of `path` under `dialect`.
    pub fn of(dialect: &'d Dialect, path: &Path) -> Syntax<'d> {
        Syntax {
            sep: dialect.separator(path),
            quoted: dialect.quoted(path),
            nulls: &dialect.null_tokens,
        }
    }

    /// Fields split at `sep` and taken as they are; no null tokens.
    pub fn literal(sep: u8) -> Syntax<'static> {
        Syntax {
            sep,
            quoted: false,
            nulls: &[],
        }
    }

    /// True when an unquoted field is a null token. A quoted field is a
    /// string whatever it holds (RFC 4180 quoting says "this is a value"),
    /// so a quoted `"\N"` is an id and only an unquoted `\N` is a null.
    fn is_null(&self, f: &quoted::Field<'_>) -> bool {
        !f.quoted && self.nulls.iter().any(|n| *n == f.text)
    }
}

/// Parses one non-blank, non-comment line of a two-or-three-column file,
/// fields taken literally (no quoting, no null tokens).
///
/// `what` names the two columns for error messages, e.g.
/// `("follower", "followee")`.
pub fn parse_pair<'a>(line: &'a [u8], sep: u8, what: (&str, &str)) -> Result<Pair<'a>, BadLine> {
    parse_record(line, &Syntax::literal(sep), what)
}

/// Parses one record (a line, or in a quoted file the lines of a quoted
/// field) of a two-or-three-column file in `syn`.
pub(crate) fn parse_record<'a>(
    line: &'a [u8],
    syn: &Syntax<'_>,
    what: (&str, &str),
) -> Result<Pair<'a>, BadLine> {
    let sep = syn.sep;
    let line = text_line(line)?;
    let mut rest = Some(line);
    let mut next = || quoted::next_field(&mut rest, sep, syn.quoted).transpose();
    let shape = || {
        format!(
            "`{}{}{}[{}weight]`",
            what.0,
            sep_name(sep),
            what.1,
            sep_name(sep)
        )
    };
    let first = next()?.unwrap_or(quoted::Field {
        text: Cow::Borrowed(""),
        quoted: false,
    });
    let second = next()?.ok_or_else(|| {
        bad(
            "missing column",
            format!("missing {} column: expected {}", what.1, shape()),
        )
    })?;
    let weight = match next()? {
        None => 1.0,
        Some(w) if syn.is_null(&w) => {
            return Err(bad(
                "null weight",
                format!(
                    "null weight `{}` (a null in a database export: drop those rows or fill in the weight, or --skip-bad-lines)",
                    w.text
                ),
            ))
        }
        Some(w) => parse_weight(&w.text)?,
    };
    if next()?.is_some() {
        return Err(bad(
            "too many columns",
            format!("too many columns: expected {}", shape()),
        ));
    }
    for (name, f) in [(what.0, &first), (what.1, &second)] {
        if f.text.is_empty() {
            return Err(bad("empty id", format!("empty {name} id")));
        }
        if syn.is_null(f) {
            return Err(bad(
                "null id",
                format!(
                    "null {name} id `{}` (a null in a database export: drop those rows, or --skip-bad-lines)",
                    f.text
                ),
            ));
        }
    }
    check_id(what.0, &first.text)?;
    check_id(what.1, &second.text)?;
    Ok(Pair {
        first: first.text,
        second: second.text,
        weight,
    })
}

/// An id field as read: at most [`MAX_ID_BYTES`], and without leading or
/// trailing white space. Ids are compared byte for byte, so `alice ` and
/// `alice` would be two users; refusing at the line (rather than trimming)
/// keeps the file and the snapshot in agreement about who is who.
pub(crate) fn check_id(name: &str, field: &str) -> Result<(), BadLine> {
    if field.len() > MAX_ID_BYTES {
        return Err(bad(
            "id too long",
            format!(
                "{name} id of {} bytes (at most {MAX_ID_BYTES}): a broken line or the wrong file?",
                field.len()
            ),
        ));
    }
    if field.trim() != field {
        return Err(bad(
            "spaces around id",
            format!(
                "{name} id `{}` has leading or trailing white space (ids are compared byte for byte: strip it)",
                truncate(field, 40).escape_debug()
            ),
        ));
    }
    Ok(())
}

/// A line as text, refused when it cannot be one line of a well-formed
/// file: longer than [`MAX_LINE_BYTES`], not UTF-8, holding a carriage
/// return (CR-only line ends, or a stray CR that would end up inside an
/// id), or a byte-order mark after the start (two files concatenated).
pub(crate) fn text_line(line: &[u8]) -> Result<&str, BadLine> {
    if line.len() > MAX_LINE_BYTES {
        return Err(overlong_line(line.len() as u64, true));
    }
    let text = utf8_line(line)?;
    if let Some(at) = memchr::memchr(b'\r', line) {
        return Err(bad(
            "carriage return",
            format!(
                "carriage return inside the line (column {}): a file with CR-only line ends? Convert it with `tr '\\r' '\\n'`",
                at + 1
            ),
        ));
    }
    if let Some(at) = text.find('\u{FEFF}') {
        return Err(bad(
            "byte-order mark",
            format!(
                "a UTF-8 byte-order mark inside the file (column {}): two files concatenated? Only the first line may start with one",
                at + 1
            ),
        ));
    }
    Ok(text)
}

/// The bad-line reason for a line over [`MAX_LINE_BYTES`]: of `len` bytes
/// when `whole` (read to its end), else of more than `len` (reading
/// stopped there).
pub(crate) fn overlong_line(len: u64, whole: bool) -> BadLine {
    let size = if whole {
        format!("{len} bytes")
    } else {
        format!("more than {len} bytes")
    };
    bad(
        "line too long",
        format!(
            "line of {size} (at most {MAX_LINE_BYTES}; ids are at most {MAX_ID_BYTES} bytes): a file without line ends, or not a follow file?"
        ),
    )
}

/// A line as text, or the bad-line reason naming the first bad byte.
pub(crate) fn utf8_line(line: &[u8]) -> Result<&str, BadLine> {
    std::str::from_utf8(line).map_err(|e| {
        bad(
            "not UTF-8",
            format!(
                "not valid UTF-8 (bad byte at column {})",
                e.valid_up_to() + 1
            ),
        )
    })
}

/// A separator inside an example line: `<TAB>` and `<SPACE>` spelled out
/// (invisible otherwise), any other as itself.
fn sep_name(sep: u8) -> String {
    match sep {
        b'\t' => "<TAB>".into(),
        b' ' => "<SPACE>".into(),
        _ => (sep as char).to_string(),
    }
}

/// Smallest weight accepted: far above `f32`'s smallest normal number, so
/// that a weight divided by a sum of weights, or multiplied by a walk
/// probability, never becomes 0 and then 0/0 = NaN (issue 18: `1e-50` was
/// positive in f64, 0 in f32, and published a snapshot of NaN).
pub const MIN_WEIGHT: f64 = 1e-20;
/// Largest weight accepted: a sum of 2³² of them stays finite in `f32`.
pub const MAX_WEIGHT: f64 = 1e20;

/// A weight given as a number (Parquet, in-memory tables), validated as
/// [`parse_weight`] validates text.
pub(crate) fn weight_value(v: f64) -> Result<f32, BadLine> {
    if !v.is_finite() || v <= 0.0 {
        return Err(bad(
            "bad weight",
            format!("weight `{v}` must be a positive finite number"),
        ));
    }
    if !(MIN_WEIGHT..=MAX_WEIGHT).contains(&v) {
        return Err(bad(
            "bad weight",
            format!(
                "weight `{v}` is outside the range marketrank represents ({MIN_WEIGHT:e} to {MAX_WEIGHT:e}): rescale the weights"
            ),
        ));
    }
    Ok(v as f32)
}

/// Parses a weight column: a number within [`MIN_WEIGHT`]..=[`MAX_WEIGHT`].
pub(crate) fn parse_weight(w: &str) -> Result<f32, BadLine> {
    let v: f64 = w.trim().parse().map_err(|_| {
        // NetworkX `write_edgelist` writes each edge's attribute dict.
        let hint = if w.starts_with('{') {
            " (NetworkX edge data? write the list with `data=False` or `data=['weight']`)"
        } else {
            ""
        };
        bad(
            "bad weight",
            format!("weight `{}` is not a number{hint}", truncate(w, 40)),
        )
    })?;
    if !v.is_finite() || v <= 0.0 {
        return Err(bad(
            "bad weight",
            format!(
                "weight `{}` must be a positive finite number",
                truncate(w, 40)
            ),
        ));
    }
    if !(MIN_WEIGHT..=MAX_WEIGHT).contains(&v) {
        return Err(bad(
            "bad weight",
            format!(
                "weight `{}` is outside the range marketrank represents ({MIN_WEIGHT:e} to {MAX_WEIGHT:e}): rescale the weights",
                truncate(w, 40)
            ),
        ));
    }
    Ok(v as f32)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// Reads every record of a two-or-three-column file, calling `f` for each.
///
/// Returns the line statistics. With [`BadLines::Fail`] the first malformed
/// line is an [`InputError::Malformed`]; with [`BadLines::Skip`] it is
/// counted and, when `rejects` is given, written there.
pub fn read_pairs(
    path: &Path,
    what: (&str, &str),
    bad_lines: BadLines,
    rejects: Option<&mut Rejects>,
    f: impl FnMut(Pair<'_>),
) -> Result<LineStats, InputError> {
    read_pairs_within(path, &Dialect::default(), what, bad_lines, rejects, None, f)
}

/// [`read_pairs`] under a memory budget: the read stops with
/// [`InputError::OverMemory`] at the line where the process's resident
/// memory reaches the budget's limit.
pub fn read_pairs_within(
    path: &Path,
    dialect: &Dialect,
    what: (&str, &str),
    bad_lines: BadLines,
    rejects: Option<&mut Rejects>,
    budget: Option<&ReadBudget>,
    mut f: impl FnMut(Pair<'_>),
) -> Result<LineStats, InputError> {
    let records = ReadRecords {
        dialect,
        bad_lines,
        rejects,
        budget,
    };
    records.read(path, header::looks_like_header, |line, syn| {
        parse_record(line, syn, what).map(&mut f)
    })
}

/// Lines between two checks of a [`ReadBudget`] in the line readers.
const BUDGET_EVERY: u64 = 1 << 16;

/// The memory a read may use. The readers check, as they go, the process's
/// resident memory (`resident`, a function so that this module does not
/// depend on how the job measures it) plus what is about to be built from
/// what was read, and stop at the line where it would exceed `limit`.
#[derive(Debug, Clone, Copy)]
pub struct ReadBudget {
    /// Bytes.
    pub limit: u64,
    /// The process's resident memory now, bytes (`None`: unknown, no check).
    pub resident: fn() -> Option<u64>,
}

impl ReadBudget {
    /// Refuses when resident memory plus `ahead` (bytes about to be
    /// allocated from what was read) exceeds the limit.
    pub(crate) fn check(&self, at: ReadProgress<'_>, ahead: u64) -> Result<(), InputError> {
        let Some(resident) = (self.resident)() else {
            return Ok(());
        };
        let needed = resident + ahead;
        if needed <= self.limit {
            return Ok(());
        }
        Err(InputError::OverMemory {
            path: at.path.to_path_buf(),
            line: at.line,
            bytes_read: at.bytes_read,
            follows: at.records,
            users: at.users,
            needed,
            limit: self.limit,
        })
    }
}

/// Where a read is, for [`ReadBudget::check`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadProgress<'a> {
    pub path: &'a Path,
    pub line: u64,
    pub bytes_read: u64,
    pub records: u64,
    pub users: u64,
}

/// How a line reader treats bad lines and memory: the options every
/// reader of a two-or-more-column file shares.
pub(crate) struct ReadRecords<'r> {
    pub dialect: &'r Dialect,
    pub bad_lines: BadLines,
    pub rejects: Option<&'r mut Rejects>,
    pub budget: Option<&'r ReadBudget>,
}

impl ReadRecords<'_> {
    /// The record loop every reader shares: the first record is a header
    /// under `--header yes`, never under `no`, and under `auto` when
    /// `is_header` says so given the record after it (one record of
    /// lookahead); a header is skipped and counted. `record` parses each
    /// other record, and one it refuses (or one over [`MAX_LINE_BYTES`])
    /// stops the read (`file:line: reason`) or, under [`BadLines::Skip`],
    /// is counted and written to `rejects`. At the end a regular file is
    /// checked not to have changed while it was read.
    pub fn read(
        mut self,
        path: &Path,
        is_header: impl Fn(&[u8], Option<&[u8]>, &Syntax<'_>) -> bool,
        mut record: impl FnMut(&[u8], &Syntax<'_>) -> Result<(), BadLine>,
    ) -> Result<LineStats, InputError> {
        let mut lines = open_lines_with(path, self.dialect)?;
        lines.skip_overlong(self.bad_lines == BadLines::Skip);
        let syn = Syntax::of(self.dialect, path);
        let mode = self.dialect.header;
        let header = |first: &[u8], next: Option<&[u8]>| match mode {
            HeaderMode::Auto => is_header(first, next, &syn),
            m => header::is_header(m, first, next, &syn),
        };
        let mut first = true;
        // The first record, held until the next one is read.
        let mut held: Option<(u64, Vec<u8>)> = None;
        // The header once one was skipped: a later record equal to it is a
        // repeated header (shards concatenated, each with its header).
        let mut header_seen: Option<Vec<u8>> = None;
        let mut records = 0u64;
        while let Some((no, line, overlong)) = lines.next_record_measured()? {
            if std::mem::take(&mut first) && overlong.is_none() {
                held = Some((no, line.to_vec()));
                continue;
            }
            if let Some((first_no, first_line)) = held.take() {
                let line = line.to_vec();
                if header(&first_line, Some(&line)) {
                    lines.count_header(&first_line);
                    header_seen = Some(first_line.clone());
                } else {
                    records += 1;
                    let parsed = record(&first_line, &syn);
                    self.take(path, &mut lines, first_no, &first_line, None, parsed)?;
                }
                records += 1;
                let parsed = match overlong {
                    Some(len) => Err(overlong_line(len, self.bad_lines == BadLines::Skip)),
                    None => record(&line, &syn),
                };
                self.take(path, &mut lines, no, &line, overlong, parsed)?;
                continue;
            }
            if header_seen.as_deref() == Some(line) {
                lines.count_repeated_header();
                continue;
            }
            let parsed = match overlong {
                Some(len) => Err(overlong_line(len, self.bad_lines == BadLines::Skip)),
                None => record(line, &syn),
            };
            records += 1;
            if let Err(e) = parsed {
                let e = self.refuse(path, no, e, line, overlong)?;
                lines.skip(no, e);
            }
            if let Some(b) = self.budget.filter(|_| no % BUDGET_EVERY == 0) {
                let progress = ReadProgress {
                    path,
                    line: no,
                    bytes_read: lines.bytes_read(),
                    records,
                    users: 0,
                };
                b.check(progress, 16 << 20)?;
            }
        }
        if let Some((first_no, first_line)) = held.take() {
            if header(&first_line, None) {
                lines.count_header(&first_line);
            } else {
                let parsed = record(&first_line, &syn);
                self.take(path, &mut lines, first_no, &first_line, None, parsed)?;
            }
        }
        lines.finish()
    }

    /// Takes in a record's outcome: a refused one stops the read or is
    /// counted ([`refuse`](Self::refuse)).
    fn take(
        &mut self,
        path: &Path,
        lines: &mut Lines,
        no: u64,
        line: &[u8],
        overlong: Option<u64>,
        parsed: Result<(), BadLine>,
    ) -> Result<(), InputError> {
        if let Err(e) = parsed {
            let e = self.refuse(path, no, e, line, overlong)?;
            lines.skip(no, e);
        }
        Ok(())
    }

    /// A refused record: the error that stops the read, or under
    /// [`BadLines::Skip`] the reason to count, once written to `rejects`.
    fn refuse(
        &mut self,
        path: &Path,
        no: u64,
        e: BadLine,
        line: &[u8],
        overlong: Option<u64>,
    ) -> Result<BadLine, InputError> {
        let hard = overlong.is_some_and(|l| l > lines::MAX_SKIPPED_LINE_BYTES);
        if self.bad_lines == BadLines::Fail || hard {
            return Err(InputError::Malformed {
                path: path.to_path_buf(),
                line: no,
                reason: e.message,
            });
        }
        if let Some(r) = self.rejects.as_deref_mut() {
            r.record_cut(path, no, &e.message, line, overlong)
                .map_err(|err| InputError::io(r.path(), &err))?;
        }
        Ok(e)
    }
}

/// [`ReadRecords::read`] without a memory budget.
pub(crate) fn read_records(
    path: &Path,
    bad_lines: BadLines,
    rejects: Option<&mut Rejects>,
    is_header: impl Fn(&[u8], u8) -> bool,
    mut record: impl FnMut(&[u8], u8) -> Result<(), BadLine>,
) -> Result<LineStats, InputError> {
    let records = ReadRecords {
        dialect: &Dialect::default(),
        bad_lines,
        rejects,
        budget: None,
    };
    records.read(
        path,
        |line, _, syn| is_header(line, syn.sep),
        |line, syn| record(line, syn.sep),
    )
}
