//! Follows and topic tags handed over in memory (a DataFrame from Python,
//! columns from another Rust program) instead of in files.
//!
//! The rows are read with the rules of the file readers, so the same rows
//! give the same users (numbered in the same order), the same graph and
//! the same scores as the same lines of a TSV file: a non-negative integer
//! id interns as the decimal the text reader reads, a string id as the
//! text reader would read its bytes (`"42"` is the number 42), a negative
//! integer as its text; a null, an empty id or a bad weight is a bad row,
//! refused with its row number (counted from 0, as `df[i]` and
//! `df.iloc[i]` count) or, under [`BadLines::Skip`], counted and skipped.

use super::error::InputError;
use super::{check_id, weight_value, BadLine, BadLines, EdgeColumns, LineStats, Pair, Rejects};
use crate::graph::UserIds;
use std::borrow::Cow;
use std::path::Path;

/// The values of one id column.
#[derive(Debug, Clone)]
pub enum IdValues {
    /// Signed integers (a negative id interns as its text, `-5`).
    Signed(Vec<i64>),
    /// Unsigned integers.
    Unsigned(Vec<u64>),
    /// UTF-8 strings, Arrow-style: row `i` is
    /// `bytes[offsets[i]..offsets[i + 1]]` (`rows + 1` offsets).
    Text {
        /// Where each row starts in `bytes`, and where the last ends.
        offsets: Vec<usize>,
        /// The strings, concatenated.
        bytes: Vec<u8>,
    },
}

impl IdValues {
    /// Strings from an iterator (`None` rows become empty strings: mark
    /// them in [`IdColumn::nulls`]).
    pub fn text_from<'a>(rows: impl IntoIterator<Item = Option<&'a str>>) -> IdValues {
        let mut offsets = vec![0];
        let mut bytes = Vec::new();
        for r in rows {
            bytes.extend_from_slice(r.unwrap_or("").as_bytes());
            offsets.push(bytes.len());
        }
        IdValues::Text { offsets, bytes }
    }

    /// Rows in the column.
    pub fn len(&self) -> usize {
        match self {
            IdValues::Signed(v) => v.len(),
            IdValues::Unsigned(v) => v.len(),
            IdValues::Text { offsets, .. } => offsets.len().saturating_sub(1),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One id column: its name (for messages), values and null rows.
#[derive(Debug, Clone)]
pub struct IdColumn {
    /// The column's name in the table.
    pub name: String,
    /// The values.
    pub values: IdValues,
    /// `true` where the row is null (`None`: no nulls).
    pub nulls: Option<Vec<bool>>,
}

/// A weight column: numbers, and the rows that are null.
#[derive(Debug, Clone)]
pub struct WeightColumn {
    /// The column's name in the table.
    pub name: String,
    /// The weights (validated as the text reader validates them).
    pub values: Vec<f64>,
    /// `true` where the row is null (`None`: no nulls).
    pub nulls: Option<Vec<bool>>,
}

/// A table of two id columns and an optional weight: follows
/// (follower, followee) or topic tags (user, topic).
#[derive(Debug, Clone)]
pub struct PairTable {
    /// What the table is, for messages: `edges (polars DataFrame)`.
    pub label: String,
    /// Followers, or tagged users.
    pub first: IdColumn,
    /// Followees, or topics.
    pub second: IdColumn,
    /// Weights (absent: every row weighs 1).
    pub weight: Option<WeightColumn>,
}

/// The graph as two in-memory tables ([`crate::job::GraphInput::Tables`]).
#[derive(Debug, Clone)]
pub struct GraphTables {
    /// Follows.
    pub follows: PairTable,
    /// Topic tags.
    pub topics: PairTable,
}

impl PairTable {
    /// Rows in the table; an error when its columns differ in length.
    pub fn rows(&self) -> Result<usize, InputError> {
        let n = self.first.values.len();
        let lens = [
            (&self.second.name, self.second.values.len()),
            (
                self.weight.as_ref().map_or(&self.first.name, |w| &w.name),
                self.weight.as_ref().map_or(n, |w| w.values.len()),
            ),
        ];
        let nulls = [&self.first.nulls, &self.second.nulls]
            .into_iter()
            .chain(self.weight.as_ref().map(|w| &w.nulls))
            .flatten()
            .map(Vec::len);
        for (name, len) in lens {
            if len != n {
                return Err(self.unusable(format!(
                    "column `{name}` has {len} rows, column `{}` {n}",
                    self.first.name
                )));
            }
        }
        if nulls.into_iter().any(|len| len != n) {
            return Err(self.unusable("a null mask differs in length from its column".into()));
        }
        Ok(n)
    }

    fn unusable(&self, reason: String) -> InputError {
        InputError::Unusable {
            path: self.label.clone().into(),
            reason,
        }
    }

    /// Row `r` as a record, or why it is bad. `buf` holds the text of an
    /// integer topic.
    fn row<'t>(
        &'t self,
        r: usize,
        what: (&str, &str),
        bufs: &'t mut (String, String),
    ) -> Result<Pair<'t>, BadLine> {
        let first = field(&self.first, r, what.0, &mut bufs.0)?;
        let second = field(&self.second, r, what.1, &mut bufs.1)?;
        let weight = match &self.weight {
            None => 1.0,
            Some(w) if is_null(&w.nulls, r) => {
                return Err(bad(
                    "null weight",
                    format!("null weight in column `{}`", w.name),
                ))
            }
            Some(w) => weight_value(w.values[r])?,
        };
        Ok(Pair {
            first,
            second,
            weight,
        })
    }

    /// Row `r` as tab-separated text, for the rejects file.
    fn row_text(&self, r: usize) -> String {
        let mut b = (String::new(), String::new());
        let text = |c: &IdColumn, buf: &mut String| {
            if is_null(&c.nulls, r) {
                return "null".to_string();
            }
            raw_text(&c.values, r, buf).into_owned()
        };
        let mut line = format!(
            "{}\t{}",
            text(&self.first, &mut b.0),
            text(&self.second, &mut b.1)
        );
        if let Some(w) = &self.weight {
            line.push('\t');
            line.push_str(&if is_null(&w.nulls, r) {
                "null".into()
            } else {
                w.values[r].to_string()
            });
        }
        line
    }
}

fn bad(kind: &'static str, message: String) -> BadLine {
    BadLine { kind, message }
}

fn is_null(nulls: &Option<Vec<bool>>, r: usize) -> bool {
    nulls.as_ref().is_some_and(|n| n[r])
}

/// The value of row `r` as text (integers in decimal).
fn raw_text<'t>(v: &'t IdValues, r: usize, buf: &'t mut String) -> Cow<'t, str> {
    use std::fmt::Write;
    buf.clear();
    match v {
        IdValues::Signed(x) => write!(buf, "{}", x[r]).expect("a String takes any write"),
        IdValues::Unsigned(x) => write!(buf, "{}", x[r]).expect("a String takes any write"),
        IdValues::Text { offsets, bytes } => {
            let b = &bytes[offsets[r]..offsets[r + 1]];
            return String::from_utf8_lossy(b);
        }
    }
    Cow::Borrowed(buf.as_str())
}

/// Row `r` of an id column, checked as the text reader checks a field.
fn field<'t>(
    c: &'t IdColumn,
    r: usize,
    role: &str,
    buf: &'t mut String,
) -> Result<Cow<'t, str>, BadLine> {
    if is_null(&c.nulls, r) {
        return Err(bad("null id", format!("null {role} id")));
    }
    if let IdValues::Text { offsets, bytes } = &c.values {
        let b = &bytes[offsets[r]..offsets[r + 1]];
        let s = std::str::from_utf8(b).map_err(|e| {
            bad(
                "not UTF-8",
                format!(
                    "{role} id is not valid UTF-8 (bad byte at {})",
                    e.valid_up_to() + 1
                ),
            )
        })?;
        if s.is_empty() {
            return Err(bad("empty id", format!("empty {role} id")));
        }
        check_id(role, s)?;
        return Ok(Cow::Borrowed(s));
    }
    Ok(raw_text(&c.values, r, buf))
}

/// Interns row `r`'s id of column `c` (integers without formatting them).
fn intern(ids: &mut UserIds, c: &IdColumn, r: usize, text: &str) -> Option<u32> {
    match &c.values {
        // 2⁶³ and above are strings to the text reader too.
        IdValues::Unsigned(v) if v[r] < 1 << 63 => ids.intern_number(v[r]),
        IdValues::Signed(v) if v[r] >= 0 => ids.intern_number(v[r] as u64),
        _ => ids.intern(text),
    }
}

/// Refuses row `r` (or counts and skips it under [`BadLines::Skip`]).
fn refuse_or_skip(
    t: &PairTable,
    r: usize,
    e: BadLine,
    bad_lines: BadLines,
    stats: &mut LineStats,
    rejects: &mut Option<&mut Rejects>,
) -> Result<(), InputError> {
    match bad_lines {
        BadLines::Fail => Err(InputError::BadRow {
            table: t.label.clone(),
            row: r as u64,
            reason: e.message,
        }),
        BadLines::Skip => {
            if let Some(rj) = rejects {
                rj.record(
                    Path::new(&t.label),
                    r as u64,
                    &e.message,
                    t.row_text(r).as_bytes(),
                )
                .map_err(|err| InputError::io(rj.path(), &err))?;
            }
            stats.count_skipped(r as u64, e);
            Ok(())
        }
    }
}

/// Reads a follow table into `ids` and `out` (appending), as
/// [`super::read::read_follow_file`] reads a file.
pub fn read_follow_table(
    t: &PairTable,
    ids: &mut UserIds,
    out: &mut EdgeColumns,
    bad_lines: BadLines,
    mut rejects: Option<&mut Rejects>,
) -> Result<LineStats, InputError> {
    let rows = t.rows()?;
    let mut stats = LineStats {
        lines: rows as u64,
        ..LineStats::default()
    };
    if read_plain_numbers(t, ids, out, rows)? {
        return Ok(stats);
    }
    let mut bufs = (String::new(), String::new());
    for r in 0..rows {
        let (a, b, w) = match t.row(r, ("follower", "followee"), &mut bufs) {
            Ok(p) => {
                let a = intern(ids, &t.first, r, &p.first);
                let b = intern(ids, &t.second, r, &p.second);
                (a, b, p.weight)
            }
            Err(e) => {
                refuse_or_skip(t, r, e, bad_lines, &mut stats, &mut rejects)?;
                continue;
            }
        };
        match (a, b) {
            (Some(a), Some(b)) => out.push(a, b, w),
            _ => return Err(InputError::too_many_users(Path::new(&t.label))),
        }
    }
    Ok(stats)
}

/// The common case, two integer columns without nulls or a weight: ids
/// interned as numbers, without the per-row checks and text of
/// [`PairTable::row`] (nothing in such a row can be bad; a negative id or
/// one of 2⁶³ or more, a string to the text reader, takes the general
/// path). False, having read nothing, when the table is not such.
fn read_plain_numbers(
    t: &PairTable,
    ids: &mut UserIds,
    out: &mut EdgeColumns,
    rows: usize,
) -> Result<bool, InputError> {
    if t.weight.is_some() || t.first.nulls.is_some() || t.second.nulls.is_some() {
        return Ok(false);
    }
    fn numbers(v: &IdValues) -> Option<&[u64]> {
        match v {
            IdValues::Unsigned(x) if x.iter().all(|&v| v < 1 << 63) => Some(x),
            // Non-negative i64 are the same bits as u64.
            IdValues::Signed(x) if x.iter().all(|&v| v >= 0) => Some(bytemuck::cast_slice(x)),
            _ => None,
        }
    }
    let (Some(a), Some(b)) = (numbers(&t.first.values), numbers(&t.second.values)) else {
        return Ok(false);
    };
    out.src.reserve(rows);
    out.dst.reserve(rows);
    for (&x, &y) in a.iter().zip(b) {
        match (ids.intern_number(x), ids.intern_number(y)) {
            (Some(x), Some(y)) => out.push(x, y, 1.0),
            _ => return Err(InputError::too_many_users(Path::new(&t.label))),
        }
    }
    Ok(true)
}

/// Reads a (user, topic) table, calling `f` for each good row, as
/// [`super::read::read_pair_file`] reads a file.
pub fn read_tag_table(
    t: &PairTable,
    bad_lines: BadLines,
    mut rejects: Option<&mut Rejects>,
    mut f: impl FnMut(Pair<'_>),
) -> Result<LineStats, InputError> {
    let rows = t.rows()?;
    let mut stats = LineStats {
        lines: rows as u64,
        ..LineStats::default()
    };
    let mut bufs = (String::new(), String::new());
    for r in 0..rows {
        match t.row(r, ("user", "topic"), &mut bufs) {
            Ok(p) => f(p),
            Err(e) => refuse_or_skip(t, r, e, bad_lines, &mut stats, &mut rejects)?,
        }
    }
    Ok(stats)
}
