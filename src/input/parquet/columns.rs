//! Decoding one column chunk into plain values: ids (numbers, or strings
//! in an arena) and weights, with the bad rows found on the way. Runs on
//! any thread; interning happens later, in file order.

use super::file::Reader;
use crate::graph::canonical_number;
use crate::input::{check_id, weight_value, BadLine};
use parquet::basic::{ConvertedType, LogicalType, Type as Physical};
use parquet::column::reader::ColumnReader;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::reader::FileReader;

/// A column chunk's values as stored, nulls left out, and one definition
/// level per row when the column is nullable.
pub(super) struct RawColumn {
    pub values: RawValues,
    /// `None`: the column is required (no nulls possible).
    defs: Option<(Vec<i16>, i16)>,
    /// Integers are unsigned (logical type `UINT_32`/`UINT_64`).
    pub unsigned: bool,
}

/// Values by physical type.
pub(super) enum RawValues {
    Int32(Vec<i32>),
    Int64(Vec<i64>),
    Float(Vec<f32>),
    Double(Vec<f64>),
    Bytes(Vec<ByteArray>),
    /// A type no role reads (boolean, INT96, fixed-length bytes), refused
    /// before decoding.
    Other,
}

impl RawColumn {
    /// For each row, the index of its value among [`Self::values`], or
    /// `None` for a null.
    pub fn slots(&self, rows: usize) -> Vec<Option<usize>> {
        match &self.defs {
            None => (0..rows).map(Some).collect(),
            Some((defs, max)) => {
                let mut next = 0;
                defs.iter()
                    .map(|d| {
                        (d == max).then(|| {
                            next += 1;
                            next - 1
                        })
                    })
                    .collect()
            }
        }
    }

    /// True when no row is null.
    pub fn dense(&self) -> bool {
        self.defs
            .as_ref()
            .is_none_or(|(d, max)| d.iter().all(|x| x == max))
    }
}

/// Reads column `col` of row group `g`: all its `rows` values.
pub(super) fn read_column(
    reader: &Reader,
    g: usize,
    col: usize,
) -> Result<(RawColumn, usize), ParquetError> {
    let group = reader.get_row_group(g)?;
    let rows = group.metadata().num_rows() as usize;
    let descr = group.metadata().schema_descr().column(col);
    let max = descr.max_def_level();
    let mut defs = Vec::new();
    let want_defs = (max > 0).then_some(&mut defs);
    let unsigned = matches!(
        descr.logical_type_ref(),
        Some(LogicalType::Integer(t)) if !t.is_signed
    ) || matches!(
        descr.converted_type(),
        ConvertedType::UINT_8
            | ConvertedType::UINT_16
            | ConvertedType::UINT_32
            | ConvertedType::UINT_64
    );
    macro_rules! all {
        ($r:expr, $variant:ident) => {{
            let mut v = Vec::with_capacity(rows);
            $r.read_records(rows, want_defs, None, &mut v)?;
            RawValues::$variant(v)
        }};
    }
    let values = match group.get_column_reader(col)? {
        ColumnReader::Int32ColumnReader(mut r) => all!(r, Int32),
        ColumnReader::Int64ColumnReader(mut r) => all!(r, Int64),
        ColumnReader::FloatColumnReader(mut r) => all!(r, Float),
        ColumnReader::DoubleColumnReader(mut r) => all!(r, Double),
        ColumnReader::ByteArrayColumnReader(mut r) => all!(r, Bytes),
        _ => RawValues::Other,
    };
    let defs = (max > 0).then_some((defs, max));
    if let Some((d, _)) = &defs {
        if d.len() != rows {
            return Err(ParquetError::General(format!(
                "column {} has {} levels in a row group of {rows} rows",
                descr.path().string(),
                d.len()
            )));
        }
    }
    Ok((
        RawColumn {
            values,
            defs,
            unsigned,
        },
        rows,
    ))
}

/// Tag of an [`Ids`] value that indexes the arena instead of being a
/// canonical number (as in the text reader and [`crate::graph::UserIds`]).
const STR: u64 = 1 << 63;

/// One column's ids: numbers below 2⁶³ as themselves, anything else as
/// `STR | k`, the k-th string of the arena.
#[derive(Default)]
pub(super) struct Ids {
    vals: Vec<u64>,
    arena: String,
    spans: Vec<(usize, usize)>,
}

/// One id as read.
pub(super) enum Id<'a> {
    Num(u64),
    Str(&'a str),
}

impl Ids {
    fn push_num(&mut self, v: u64) {
        if v < STR {
            self.vals.push(v);
        } else {
            // What the text reader does with a decimal of 2⁶³ or more.
            self.push_str(&v.to_string());
        }
    }

    fn push_str(&mut self, s: &str) {
        self.vals.push(STR | self.spans.len() as u64);
        self.spans.push((self.arena.len(), s.len()));
        self.arena.push_str(s);
    }

    fn push_signed(&mut self, v: i64) {
        match u64::try_from(v) {
            Ok(v) => self.push_num(v),
            // `-5` in a text file is the string id `-5`.
            Err(_) => self.push_str(&v.to_string()),
        }
    }

    /// All the ids as numbers, when none is a string.
    pub fn numbers(&self) -> Option<&[u64]> {
        self.spans.is_empty().then_some(&self.vals[..])
    }

    /// The id of row `r`.
    pub fn get(&self, r: usize) -> Id<'_> {
        let v = self.vals[r];
        if v & STR == 0 {
            return Id::Num(v);
        }
        let (start, len) = self.spans[(v & !STR) as usize];
        Id::Str(&self.arena[start..start + len])
    }

    /// Row `r` as text (for rejects files and string callers).
    pub fn text(&self, r: usize, buf: &mut String) {
        buf.clear();
        match self.get(r) {
            Id::Num(v) => {
                use std::fmt::Write;
                let _ = write!(buf, "{v}");
            }
            Id::Str(s) => buf.push_str(s),
        }
    }

    /// Bytes held (for the memory budget).
    pub fn heap_bytes(&self) -> usize {
        self.vals.capacity() * 8 + self.arena.capacity() + self.spans.capacity() * 16
    }
}

fn bad(kind: &'static str, message: String) -> BadLine {
    BadLine { kind, message }
}

/// A column's ids and its bad rows (row in the group, why); a bad row's
/// slot holds its text as far as there is one (empty for a null), so
/// the rejects file can show the row.
pub(super) fn ids_of(
    raw: RawColumn,
    rows: usize,
    role: &str,
    column: &str,
) -> (Ids, Vec<(usize, BadLine)>) {
    // The common case, a column of non-negative INT64 without nulls: the
    // decoded vector is the ids as they are (no copy).
    if let RawValues::Int64(v) = &raw.values {
        let fits = |x: &i64| {
            if raw.unsigned {
                (*x as u64) < STR
            } else {
                *x >= 0
            }
        };
        if raw.dense() && v.len() == rows && v.iter().all(fits) {
            let RawValues::Int64(v) = raw.values else {
                unreachable!("matched above")
            };
            let vals = v.into_iter().map(|x| x as u64).collect();
            let ids = Ids {
                vals,
                ..Ids::default()
            };
            return (ids, Vec::new());
        }
    }
    let raw = &raw;
    let mut ids = Ids {
        vals: Vec::with_capacity(rows),
        ..Ids::default()
    };
    let mut bads = Vec::new();
    let dense = raw.dense();
    macro_rules! ints {
        ($v:expr, $push:expr) => {{
            if dense {
                $v.iter().for_each(|&x| $push(&mut ids, x));
            } else {
                for (r, s) in raw.slots(rows).into_iter().enumerate() {
                    match s {
                        Some(i) => $push(&mut ids, $v[i]),
                        None => {
                            ids.push_str("");
                            bads.push((r, bad("null id", format!("null {role} id"))));
                        }
                    }
                }
            }
        }};
    }
    match &raw.values {
        RawValues::Int32(v) if raw.unsigned => {
            ints!(v, |ids: &mut Ids, x: i32| ids.push_num(x as u32 as u64))
        }
        RawValues::Int32(v) => ints!(v, |ids: &mut Ids, x: i32| ids.push_signed(x as i64)),
        RawValues::Int64(v) if raw.unsigned => {
            ints!(v, |ids: &mut Ids, x: i64| ids.push_num(x as u64))
        }
        RawValues::Int64(v) => ints!(v, |ids: &mut Ids, x: i64| ids.push_signed(x)),
        RawValues::Bytes(v) => {
            for (r, s) in raw.slots(rows).into_iter().enumerate() {
                let Some(i) = s else {
                    ids.push_str("");
                    bads.push((r, bad("null id", format!("null {role} id"))));
                    continue;
                };
                let b = v[i].data();
                let checked = std::str::from_utf8(b)
                    .map_err(|e| {
                        bad(
                            "not UTF-8",
                            format!(
                                "{role} id is not valid UTF-8 (bad byte at {})",
                                e.valid_up_to() + 1
                            ),
                        )
                    })
                    .and_then(|s| {
                        if s.is_empty() {
                            return Err(bad("empty id", format!("empty {role} id")));
                        }
                        check_id(role, s).map(|()| s)
                    });
                match checked {
                    Ok(s) => match canonical_number(s.as_bytes()) {
                        Some(n) => ids.push_num(n),
                        None => ids.push_str(s),
                    },
                    Err(e) => {
                        let cut = &b[..b.len().min(1000)];
                        ids.push_str(&String::from_utf8_lossy(cut));
                        bads.push((r, e));
                    }
                }
            }
        }
        RawValues::Float(_) | RawValues::Double(_) | RawValues::Other => {
            unreachable!(
                "id column `{column}` of a floating or other type is refused before decoding"
            )
        }
    }
    (ids, bads)
}

/// Why an id column's type cannot hold ids, if it cannot.
pub(super) fn id_type_problem(reader: &Reader, col: usize) -> Option<String> {
    let descr = reader.metadata().file_metadata().schema_descr().column(col);
    match descr.physical_type() {
        Physical::INT32 | Physical::INT64 | Physical::BYTE_ARRAY => None,
        t => Some(format!(
            "column `{}` is {t}: ids must be integers (INT32, INT64) or strings",
            descr.path().string()
        )),
    }
}

/// Why a weight column's type cannot hold weights, if it cannot.
pub(super) fn weight_type_problem(reader: &Reader, col: usize) -> Option<String> {
    let descr = reader.metadata().file_metadata().schema_descr().column(col);
    match descr.physical_type() {
        Physical::INT32 | Physical::INT64 | Physical::FLOAT | Physical::DOUBLE => None,
        t => Some(format!(
            "column `{}` is {t}: weights must be numbers (FLOAT, DOUBLE or integers)",
            descr.path().string()
        )),
    }
}

/// A weight column's values (1.0 where bad) and its bad rows.
pub(super) fn weights_of(raw: &RawColumn, rows: usize) -> (Vec<f32>, Vec<(usize, BadLine)>) {
    let value = |i: usize| -> f64 {
        match &raw.values {
            RawValues::Int32(v) if raw.unsigned => v[i] as u32 as f64,
            RawValues::Int32(v) => v[i] as f64,
            RawValues::Int64(v) if raw.unsigned => v[i] as u64 as f64,
            RawValues::Int64(v) => v[i] as f64,
            RawValues::Float(v) => v[i] as f64,
            RawValues::Double(v) => v[i],
            RawValues::Bytes(_) | RawValues::Other => {
                unreachable!("weight columns of other types are refused before decoding")
            }
        }
    };
    let mut out = Vec::with_capacity(rows);
    let mut bads = Vec::new();
    for (r, s) in raw.slots(rows).into_iter().enumerate() {
        let w = match s {
            None => Err(bad("null weight", "null weight".into())),
            Some(i) => weight_value(value(i)),
        };
        match w {
            Ok(w) => out.push(w),
            Err(e) => {
                out.push(1.0);
                bads.push((r, e));
            }
        }
    }
    (out, bads)
}
