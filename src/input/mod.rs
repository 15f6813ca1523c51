//! Reading follower and topic files.
//!
//! Both formats are line oriented: `a<TAB>b[<TAB>weight]`, or comma separated
//! when the file name ends in `.csv` (optionally followed by `.gz`). Lines
//! starting with `#` and blank lines are skipped; CRLF line ends and a UTF-8
//! byte-order mark are accepted. Anything else that does not fit stops the
//! read with `file:line: reason`, unless the caller asked to skip bad lines,
//! in which case every skipped line is counted by reason ([`LineStats`]).

mod accounts;
pub mod error;
pub mod graph_cache;
mod lines;
pub mod load;
mod parallel;
mod rejects;

pub use accounts::{
    parse_utc_day, read_accounts, read_trusted, utc_date, AccountsReport, BadDate, DateProblem,
};
pub(crate) use lines::is_gzip;
pub use lines::{open_lines, Delimiter, LineStats, Lines};
pub use parallel::{read_edges_parallel, EdgeColumns};
pub use rejects::Rejects;

use crate::input::error::InputError;
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

/// Column names people put on a first line. A first data line whose two
/// id columns are both such words is taken as a header: skipped, counted
/// and reported, never ranked as two users named `follower` and `followee`.
const HEADER_WORDS: &[&str] = &[
    "follower",
    "followee",
    "follower_id",
    "followee_id",
    "source",
    "target",
    "src",
    "dst",
    "from",
    "to",
    "user",
    "user_id",
    "userid",
    "topic",
    "tag",
    "market",
    "weight",
];

/// True when `line` (the first data line of a file) is a header.
pub fn is_header_line(line: &[u8], sep: u8) -> bool {
    let mut cols = line.split(|&b| b == sep);
    let is_word = |c: Option<&[u8]>| {
        c.is_some_and(|c| {
            let c = c.trim_ascii();
            HEADER_WORDS
                .iter()
                .any(|w| w.as_bytes().eq_ignore_ascii_case(c))
        })
    };
    is_word(cols.next()) && is_word(cols.next())
}

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

/// One parsed `a<SEP>b[<SEP>weight]` record, borrowing from the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair<'a> {
    /// First column (follower, or user for topic files).
    pub first: &'a str,
    /// Second column (followee, or topic).
    pub second: &'a str,
    /// Third column, 1.0 when absent.
    pub weight: f32,
}

/// Parses one non-blank, non-comment line of a two-or-three-column file.
///
/// `what` names the two columns for error messages, e.g.
/// `("follower", "followee")`.
pub fn parse_pair<'a>(line: &'a [u8], sep: u8, what: (&str, &str)) -> Result<Pair<'a>, BadLine> {
    let line = utf8_line(line)?;
    let mut cols = line.split(sep as char);
    let first = cols.next().unwrap_or("");
    let second = cols.next().ok_or_else(|| {
        bad(
            "missing column",
            format!(
                "missing {} column: expected `{}{}{}[{}weight]`",
                what.1,
                what.0,
                sep_name(sep),
                what.1,
                sep_name(sep)
            ),
        )
    })?;
    let weight = match cols.next() {
        None => 1.0,
        Some(w) => parse_weight(w)?,
    };
    if cols.next().is_some() {
        return Err(bad(
            "too many columns",
            format!(
                "too many columns: expected `{}{}{}[{}weight]`",
                what.0,
                sep_name(sep),
                what.1,
                sep_name(sep)
            ),
        ));
    }
    if first.is_empty() {
        return Err(bad("empty id", format!("empty {} id", what.0)));
    }
    if second.is_empty() {
        return Err(bad("empty id", format!("empty {} id", what.1)));
    }
    for (name, field) in [(what.0, first), (what.1, second)] {
        if field.len() > MAX_ID_BYTES {
            return Err(bad(
                "id too long",
                format!(
                    "{name} id of {} bytes (at most {MAX_ID_BYTES}): a broken line or the wrong file?",
                    field.len()
                ),
            ));
        }
    }
    Ok(Pair {
        first,
        second,
        weight,
    })
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

fn sep_name(sep: u8) -> &'static str {
    if sep == b'\t' {
        "<TAB>"
    } else {
        ","
    }
}

fn parse_weight(w: &str) -> Result<f32, BadLine> {
    let v: f64 = w.trim().parse().map_err(|_| {
        bad(
            "bad weight",
            format!("weight `{}` is not a number", truncate(w, 40)),
        )
    })?;
    if !v.is_finite() || v <= 0.0 || v > f32::MAX as f64 {
        return Err(bad(
            "bad weight",
            format!(
                "weight `{}` must be a positive finite number",
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
    mut f: impl FnMut(Pair<'_>),
) -> Result<LineStats, InputError> {
    read_records(path, bad_lines, rejects, is_header_line, |line, sep| {
        parse_pair(line, sep, what).map(&mut f)
    })
}

/// The line loop every reader shares: a first line that `is_header` calls a
/// header is skipped and counted; `record` parses each other line, and a
/// line it refuses stops the read (`file:line: reason`) or, under
/// [`BadLines::Skip`], is counted and written to `rejects`.
pub(crate) fn read_records(
    path: &Path,
    bad_lines: BadLines,
    mut rejects: Option<&mut Rejects>,
    is_header: impl Fn(&[u8], u8) -> bool,
    mut record: impl FnMut(&[u8], u8) -> Result<(), BadLine>,
) -> Result<LineStats, InputError> {
    let mut lines = open_lines(path)?;
    let sep = lines.delimiter().byte();
    let mut first = true;
    while let Some((no, line)) = lines.next_line()? {
        if std::mem::take(&mut first) && is_header(line, sep) {
            lines.count_header();
            continue;
        }
        if let Err(e) = record(line, sep) {
            match bad_lines {
                BadLines::Fail => {
                    return Err(InputError::Malformed {
                        path: path.to_path_buf(),
                        line: no,
                        reason: e.message,
                    })
                }
                BadLines::Skip => {
                    if let Some(r) = rejects.as_deref_mut() {
                        r.record(path, no, &e.message, line)
                            .map_err(|err| InputError::io(r.path(), &err))?;
                    }
                    lines.skip(no, e)
                }
            }
        }
    }
    Ok(lines.into_stats())
}
