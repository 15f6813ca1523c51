//! Reading follows and pairs from Parquet: row groups decoded in parallel
//! a batch at a time, then interned in row group order.

use super::columns::{
    id_type_problem, ids_of, read_column, weight_type_problem, weights_of, Id, Ids,
};
use super::file::{broken, check_columns, choose, open, Chosen, Reader};
use crate::graph::UserIds;
use crate::input::dialect::{ColumnNames, ReadOptions};
use crate::input::error::InputError;
use crate::input::{
    BadLine, BadLines, EdgeColumns, LineStats, Pair, ReadBudget, ReadProgress, Rejects,
};
use parquet::file::reader::FileReader;
use rayon::prelude::*;
use std::ops::Range;
use std::path::Path;

/// Rows decoded per batch (at least one row group): bounds the decoded
/// ids held at once (two batches in flight, ~20 bytes a row each, more for
/// string ids) whatever the file's size, and small enough that even a
/// file of a million rows is several batches, so that decoding overlaps
/// the sequential interning (a single batch cannot).
pub(super) const BATCH_ROWS: u64 = 1 << 19;

/// One row group, decoded.
struct Group {
    /// Its index in the file (0-based).
    index: usize,
    /// Rows of the file before it.
    first_row: u64,
    rows: usize,
    first: Ids,
    second: Ids,
    /// Empty when the file has no weight column.
    weights: Vec<f32>,
    /// Bad rows (row within the group, why), sorted, one per row.
    bad: Vec<(usize, BadLine)>,
}

impl Group {
    fn heap_bytes(&self) -> usize {
        self.first.heap_bytes() + self.second.heap_bytes() + self.weights.capacity() * 4
    }

    /// The row as `first<TAB>second[<TAB>weight]`, for a rejects file.
    fn row_text(&self, r: usize) -> String {
        let (mut a, mut b) = (String::new(), String::new());
        self.first.text(r, &mut a);
        self.second.text(r, &mut b);
        let mut t = format!("{a}\t{b}");
        if let Some(w) = self.weights.get(r) {
            t.push_str(&format!("\t{w}"));
        }
        t
    }
}

/// A file being read: its columns and row groups (shared by the
/// decoding threads).
struct Source<'a> {
    path: &'a Path,
    reader: Reader,
    chosen: Chosen,
    what: (&'a str, &'a str),
    /// Row groups as (rows before, rows).
    groups: Vec<(u64, usize)>,
    /// The file's size.
    size: u64,
}

/// Where a read's rows go besides the records: counts and rejects
/// (touched by the interning thread only).
pub(super) struct Sink<'a> {
    path: &'a Path,
    bad_lines: BadLines,
    rejects: Option<&'a mut Rejects>,
    pub stats: LineStats,
}

impl<'a> Sink<'a> {
    /// A sink for `path` (of `size` bytes).
    pub(super) fn new(
        path: &'a Path,
        size: u64,
        bad_lines: BadLines,
        rejects: Option<&'a mut Rejects>,
    ) -> Sink<'a> {
        Sink {
            path,
            bad_lines,
            rejects,
            stats: LineStats {
                bytes: size,
                ..LineStats::default()
            },
        }
    }
}

impl<'a> Source<'a> {
    fn open(
        path: &'a Path,
        names: &ColumnNames,
        what: (&'a str, &'a str),
    ) -> Result<Source<'a>, InputError> {
        let (reader, size) = open(path)?;
        let chosen = choose(path, &reader, what, names)?;
        let mut cols = vec![chosen.first.clone(), chosen.second.clone()];
        cols.extend(chosen.weight.clone());
        check_columns(path, &reader, &cols)?;
        let problem = id_type_problem(&reader, chosen.first.0)
            .or_else(|| id_type_problem(&reader, chosen.second.0))
            .or_else(|| {
                chosen
                    .weight
                    .as_ref()
                    .and_then(|w| weight_type_problem(&reader, w.0))
            });
        if let Some(reason) = problem {
            return Err(InputError::Unusable {
                path: path.to_path_buf(),
                reason,
            });
        }
        let meta = reader.metadata();
        let mut before = 0u64;
        let groups = (0..meta.num_row_groups())
            .map(|g| {
                let rows = meta.row_group(g).num_rows() as u64;
                before += rows;
                (before - rows, rows as usize)
            })
            .collect();
        Ok(Source {
            path,
            reader,
            chosen,
            what,
            groups,
            size,
        })
    }

    fn sink(&self, bad_lines: BadLines, rejects: Option<&'a mut Rejects>) -> Sink<'a> {
        Sink::new(self.path, self.size, bad_lines, rejects)
    }

    /// Row groups in batches of about [`BATCH_ROWS`] rows.
    fn batches(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let (mut start, mut rows) = (0, 0u64);
        for (g, &(_, n)) in self.groups.iter().enumerate() {
            rows += n as u64;
            if rows >= BATCH_ROWS {
                out.push(start..g + 1);
                (start, rows) = (g + 1, 0);
            }
        }
        if start < self.groups.len() {
            out.push(start..self.groups.len());
        }
        out
    }

    /// Decodes one row group (any thread).
    fn decode(&self, g: usize) -> Result<Group, InputError> {
        let err = |e: parquet::errors::ParquetError| broken(self.path, &e);
        let (first_col, second_col) = (&self.chosen.first, &self.chosen.second);
        let ((a, b), w) = rayon::join(
            || {
                rayon::join(
                    || read_column(&self.reader, g, first_col.0),
                    || read_column(&self.reader, g, second_col.0),
                )
            },
            || {
                self.chosen
                    .weight
                    .as_ref()
                    .map(|w| read_column(&self.reader, g, w.0))
            },
        );
        let ((a, rows), (b, _)) = (a.map_err(err)?, b.map_err(err)?);
        let (first, mut bad) = ids_of(a, rows, self.what.0, &first_col.1);
        let (second, bad2) = ids_of(b, rows, self.what.1, &second_col.1);
        bad.extend(bad2);
        let weights = match w {
            None => Vec::new(),
            Some(w) => {
                let (w, bad3) = weights_of(&w.map_err(err)?.0, rows);
                bad.extend(bad3);
                w
            }
        };
        // One reason per row, the first column's first (stable sort).
        bad.sort_by_key(|b| b.0);
        bad.dedup_by_key(|b| b.0);
        Ok(Group {
            index: g,
            first_row: self.groups[g].0,
            rows,
            first,
            second,
            weights,
            bad,
        })
    }

    fn decode_batch(&self, batch: Range<usize>) -> Result<Vec<Group>, InputError> {
        batch.into_par_iter().map(|g| self.decode(g)).collect()
    }
}

impl Sink<'_> {
    /// Refuses a bad row (`Fail`) or counts it and writes it to the
    /// rejects file (`Skip`).
    fn bad_row(&mut self, group: &Group, r: usize, e: &BadLine) -> Result<(), InputError> {
        self.refuse_or_skip(group.index, group.first_row, r, e, || group.row_text(r))
    }

    /// Refuses row `r` of row group `g` (0-based; `first_row` rows before
    /// it), or counts it and writes `text()` to the rejects file.
    pub(super) fn refuse_or_skip(
        &mut self,
        g: usize,
        first_row: u64,
        r: usize,
        e: &BadLine,
        text: impl FnOnce() -> String,
    ) -> Result<(), InputError> {
        let line = first_row + r as u64 + 1;
        let message = format!("row group {}, row {}: {}", g + 1, r + 1, e.message);
        if self.bad_lines == BadLines::Fail {
            return Err(InputError::Malformed {
                path: self.path.to_path_buf(),
                line,
                reason: message,
            });
        }
        if let Some(rej) = self.rejects.as_deref_mut() {
            rej.record(self.path, line, &message, text().as_bytes())
                .map_err(|err| InputError::io(rej.path(), &err))?;
        }
        self.stats.count_skipped(
            line,
            BadLine {
                kind: e.kind,
                message,
            },
        );
        Ok(())
    }

    /// Interns the groups' follows in row order, appending to `out`.
    fn absorb_follows(
        &mut self,
        groups: Vec<Group>,
        ids: &mut UserIds,
        out: &mut EdgeColumns,
    ) -> Result<(), InputError> {
        let full = || InputError::too_many_users(self.path);
        let intern = |ids: &mut UserIds, id: Id<'_>| match id {
            Id::Num(v) => ids.intern_number(v),
            Id::Str(s) => ids.intern(s),
        };
        for group in &groups {
            // Fast path: numbers only, no bad row, no weights anywhere.
            let plain = group.bad.is_empty() && group.weights.is_empty() && out.weights.is_empty();
            let numbers = (group.first.numbers(), group.second.numbers());
            if let (true, (Some(a), Some(b))) = (plain, numbers) {
                for (&a, &b) in a.iter().zip(b) {
                    let a = ids.intern_number(a).ok_or_else(full)?;
                    let b = ids.intern_number(b).ok_or_else(full)?;
                    out.src.push(a);
                    out.dst.push(b);
                }
                self.stats.lines += group.rows as u64;
                continue;
            }
            let mut bad = group.bad.iter().peekable();
            for r in 0..group.rows {
                if let Some((_, e)) = bad.next_if(|b| b.0 == r) {
                    self.bad_row(group, r, e)?;
                    continue;
                }
                let a = intern(ids, group.first.get(r)).ok_or_else(full)?;
                let b = intern(ids, group.second.get(r)).ok_or_else(full)?;
                out.push(a, b, group.weights.get(r).copied().unwrap_or(1.0));
            }
            self.stats.lines += group.rows as u64;
        }
        Ok(())
    }

    /// Calls `f` for each good row of the groups, in row order.
    fn absorb_pairs(
        &mut self,
        groups: Vec<Group>,
        f: &mut dyn FnMut(Pair<'_>),
    ) -> Result<(), InputError> {
        let (mut a, mut b) = (String::new(), String::new());
        for group in &groups {
            let mut bad = group.bad.iter().peekable();
            for r in 0..group.rows {
                if let Some((_, e)) = bad.next_if(|b| b.0 == r) {
                    self.bad_row(group, r, e)?;
                    continue;
                }
                group.first.text(r, &mut a);
                group.second.text(r, &mut b);
                let w = group.weights.get(r).copied().unwrap_or(1.0);
                f(Pair::new(&a, &b, w));
            }
            self.stats.lines += group.rows as u64;
        }
        Ok(())
    }
}

/// Bytes the graph build allocates beyond the columns read (as the text
/// reader counts them): the CSR's sorted sources and two per-user offset
/// arrays, plus the next batch decoded.
fn build_ahead(follows: u64, users: u64, weighted: bool, next_batch: u64) -> u64 {
    let per_follow = if weighted { 8 } else { 4 };
    follows * per_follow + users * 16 + next_batch
}

/// Reads a Parquet file of follows into `ids` and `out` (appending);
/// returns the row counts and the columns read.
///
/// Batch i + 1 decodes (all cores) while batch i is interned (one core),
/// as in the text reader. After each batch the memory budget is checked
/// against resident memory plus what the graph build will allocate for
/// the follows so far and another batch like this one.
pub fn read_parquet_follows(
    path: &Path,
    opts: &ReadOptions,
    ids: &mut UserIds,
    out: &mut EdgeColumns,
    bad: BadLines,
    rejects: Option<&mut Rejects>,
    budget: Option<&ReadBudget>,
) -> Result<(LineStats, Vec<String>), InputError> {
    let source = Source::open(path, &opts.columns.edges, ("follower", "followee"))?;
    let mut sink = source.sink(bad, rejects);
    let total: u64 = source.groups.iter().map(|g| g.1 as u64).sum();
    out.src.reserve(total as usize);
    out.dst.reserve(total as usize);
    let mut pending: Option<Vec<Group>> = None;
    for batch in source.batches() {
        let prev = pending.take();
        let (absorbed, decoded) = rayon::join(
            || prev.map_or(Ok(()), |groups| sink.absorb_follows(groups, ids, out)),
            || source.decode_batch(batch),
        );
        absorbed?;
        let decoded = decoded?;
        if let Some(b) = budget {
            let held: usize = decoded.iter().map(Group::heap_bytes).sum();
            let progress = ReadProgress {
                path,
                line: sink.stats.lines + 1,
                bytes_read: source.size,
                records: out.len() as u64,
                users: ids.len() as u64,
            };
            let weighted = !out.weights.is_empty() || source.chosen.weight.is_some();
            b.check(
                progress,
                build_ahead(out.len() as u64, ids.len() as u64, weighted, held as u64),
            )?;
        }
        pending = Some(decoded);
    }
    if let Some(groups) = pending {
        sink.absorb_follows(groups, ids, out)?;
    }
    Ok((sink.stats, source.chosen.names()))
}

/// Reads a Parquet file of two ids and maybe a weight (topics: `what` =
/// `("user", "topic")`, columns from `opts.columns.topics`; markets:
/// `("market", "topic")`, columns `market`/`topic`/`weight` by default),
/// calling `f` per good row in file order.
pub fn read_parquet_pairs(
    path: &Path,
    opts: &ReadOptions,
    what: (&str, &str),
    bad: BadLines,
    rejects: Option<&mut Rejects>,
    f: &mut dyn FnMut(Pair<'_>),
) -> Result<(LineStats, Vec<String>), InputError> {
    let names = match what.0 {
        "user" => opts.columns.topics.clone(),
        "follower" => opts.columns.edges.clone(),
        _ => ColumnNames::default(),
    };
    let source = Source::open(path, &names, what)?;
    let mut sink = source.sink(bad, rejects);
    for batch in source.batches() {
        let groups = source.decode_batch(batch)?;
        sink.absorb_pairs(groups, f)?;
    }
    Ok((sink.stats, source.chosen.names()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::read_edges_into;
    use parquet::data_type::Int64Type;
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;

    /// Writes `follower` (signed) and `followee` (unsigned) INT64 columns.
    fn write_ints(path: &Path, a: &[i64], b: &[i64]) {
        let schema = Arc::new(
            parse_message_type(
                "message m { required int64 follower; required int64 followee (INTEGER(64,false)); }",
            )
            .unwrap(),
        );
        let file = std::fs::File::create(path).unwrap();
        let props = Arc::new(WriterProperties::builder().build());
        let mut w = SerializedFileWriter::new(file, schema, props).unwrap();
        let mut g = w.next_row_group().unwrap();
        for col in [a, b] {
            let mut c = g.next_column().unwrap().unwrap();
            c.typed::<Int64Type>().write_batch(col, None, None).unwrap();
            c.close().unwrap();
        }
        g.close().unwrap();
        w.close().unwrap();
    }

    #[test]
    fn negative_and_huge_ints_intern_as_the_text_reader_reads_their_decimals() {
        let dir = tempfile::tempdir().unwrap();
        let pq = dir.path().join("e.parquet");
        // u64 2^63 + 1 is stored as the i64 bit pattern.
        let huge = ((1u64 << 63) + 1) as i64;
        write_ints(&pq, &[-5, 7, 0], &[huge, 7, 12]);
        let tsv = dir.path().join("e.tsv");
        std::fs::write(&tsv, "-5\t9223372036854775809\n7\t7\n0\t12\n").unwrap();
        let (mut a, mut b) = (UserIds::new(), UserIds::new());
        let (mut ea, mut eb) = (EdgeColumns::default(), EdgeColumns::default());
        let (stats, cols) = read_parquet_follows(
            &pq,
            &ReadOptions::default(),
            &mut a,
            &mut ea,
            BadLines::Fail,
            None,
            None,
        )
        .unwrap();
        read_edges_into(
            &tsv,
            &Default::default(),
            &mut b,
            &mut eb,
            BadLines::Fail,
            None,
            None,
        )
        .unwrap();
        assert_eq!(cols, ["follower", "followee"]);
        assert_eq!(stats.lines, 3);
        assert_eq!((ea.src, ea.dst), (eb.src, eb.dst));
        let names = |ids: &UserIds| {
            (0..ids.len() as u32)
                .map(|i| ids.name(i).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        assert_eq!(names(&a)[1], "9223372036854775809");
    }
}
