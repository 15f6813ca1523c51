//! Account histories as Parquet: columns `user`, `created` (a DATE, a
//! TIMESTAMP or an ISO-8601 string) and optionally `status` (a string).
//! Small files (one row per account): read one row group at a time.

use super::columns::{ids_of, read_column, RawColumn, RawValues};
use super::file::{broken, check_columns, column_list, find_column, open};
use super::read::Sink;
use crate::graph::AccountStatus;
use crate::input::error::InputError;
use crate::input::{parse_utc_day, BadLine, BadLines, LineStats, Rejects};
use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::file::reader::FileReader;
use std::path::Path;

/// The first column present among `names`, with its name.
fn column(reader: &super::file::Reader, names: &[&str]) -> Option<(usize, String)> {
    names
        .iter()
        .find_map(|n| find_column(reader, n).map(|i| (i, n.to_string())))
}

fn bad(kind: &'static str, message: String) -> BadLine {
    BadLine { kind, message }
}

/// How a `created` column stores its days.
#[derive(Clone, Copy)]
enum DateKind {
    /// INT32 DATE: days since 1970-01-01.
    Days,
    /// INT64 TIMESTAMP: this many units a day.
    Timestamp(i64),
    /// A string parsed as in text files.
    Text,
}

fn date_kind(reader: &super::file::Reader, col: usize) -> Option<DateKind> {
    let d = reader.metadata().file_metadata().schema_descr().column(col);
    // Writers set the logical type, the older converted type, or both.
    match (d.physical_type(), d.logical_type_ref(), d.converted_type()) {
        (Physical::INT32, Some(LogicalType::Date), _)
        | (Physical::INT32, _, ConvertedType::DATE) => Some(DateKind::Days),
        (Physical::INT64, Some(LogicalType::Timestamp(t)), _) => {
            Some(DateKind::Timestamp(match t.unit {
                TimeUnit::MILLIS => 86_400_000,
                TimeUnit::MICROS => 86_400_000_000,
                TimeUnit::NANOS => 86_400_000_000_000,
            }))
        }
        (Physical::INT64, _, ConvertedType::TIMESTAMP_MILLIS) => {
            Some(DateKind::Timestamp(86_400_000))
        }
        (Physical::INT64, _, ConvertedType::TIMESTAMP_MICROS) => {
            Some(DateKind::Timestamp(86_400_000_000))
        }
        (Physical::BYTE_ARRAY, _, _) => Some(DateKind::Text),
        _ => None,
    }
}

/// The day of row `r`'s value (`i`: its index among the non-null values).
fn day_of(raw: &RawColumn, kind: DateKind, i: usize) -> Result<i32, BadLine> {
    match (&raw.values, kind) {
        (RawValues::Int32(v), DateKind::Days) => Ok(v[i]),
        (RawValues::Int64(v), DateKind::Timestamp(per_day)) => {
            i32::try_from(v[i].div_euclid(per_day))
                .map_err(|_| bad("bad date", format!("timestamp {} is out of range", v[i])))
        }
        (RawValues::Bytes(v), DateKind::Text) => {
            let s = std::str::from_utf8(v[i].data())
                .map_err(|_| bad("bad date", "created date is not valid UTF-8".into()))?;
            parse_utc_day(s.trim()).map_err(|e| bad("bad date", e.to_string()))
        }
        _ => Err(bad("bad date", "created date of an unexpected type".into())),
    }
}

/// Reads an accounts Parquet file, calling `record(user, day, status)` per
/// good row in file order; a row `record` refuses is a bad line like one
/// the file itself holds.
pub(crate) fn read_parquet_accounts(
    path: &Path,
    bad_lines: BadLines,
    rejects: Option<&mut Rejects>,
    record: &mut dyn FnMut(&str, i32, AccountStatus) -> Result<(), BadLine>,
) -> Result<LineStats, InputError> {
    let (reader, size) = open(path)?;
    let unusable = |reason: String| InputError::Unusable {
        path: path.to_path_buf(),
        reason,
    };
    let user = column(
        &reader,
        &["user", "user_id", "userid", "account", "id", "handle"],
    )
    .ok_or_else(|| {
        unusable(format!(
            "has no user column (user, user_id, account, id or handle; its columns: {})",
            column_list(&reader)
        ))
    })?;
    let created = column(&reader, &["created", "created_at", "creation_date", "date", "joined"])
        .ok_or_else(|| {
            unusable(format!(
                "has no created column (created, created_at, creation_date, date or joined; its columns: {})",
                column_list(&reader)
            ))
        })?;
    let status = column(&reader, &["status"]);
    let mut cols = vec![user.clone(), created.clone()];
    cols.extend(status.clone());
    check_columns(path, &reader, &cols)?;
    let kind = date_kind(&reader, created.0).ok_or_else(|| {
        unusable(format!(
            "column `{}` is neither a DATE, a TIMESTAMP nor a string",
            created.1
        ))
    })?;
    let mut sink = Sink::new(path, size, bad_lines, rejects);
    let mut first_row = 0u64;
    for g in 0..reader.num_row_groups() {
        let err = |e: parquet::errors::ParquetError| broken(path, &e);
        let (u, rows) = read_column(&reader, g, user.0).map_err(err)?;
        let (c, _) = read_column(&reader, g, created.0).map_err(err)?;
        let s = status
            .as_ref()
            .map(|s| read_column(&reader, g, s.0).map(|x| x.0))
            .transpose()
            .map_err(err)?;
        let (users, user_bad) = ids_of(u, rows, "user", &user.1);
        let mut user_bad = user_bad.into_iter().peekable();
        let c_slots = c.slots(rows);
        let s_slots = s.as_ref().map(|s| s.slots(rows));
        let mut name = String::new();
        for r in 0..rows {
            users.text(r, &mut name);
            let mut row = || -> Result<(i32, AccountStatus), BadLine> {
                if let Some((_, e)) = user_bad.next_if(|b| b.0 == r) {
                    return Err(e);
                }
                let i = c_slots[r].ok_or_else(|| bad("null date", "null created date".into()))?;
                let day = day_of(&c, kind, i)?;
                let st = match (&s, &s_slots) {
                    (Some(s), Some(slots)) => match (&s.values, slots[r]) {
                        (_, None) => AccountStatus::Active,
                        (RawValues::Bytes(v), Some(i)) => {
                            let t = String::from_utf8_lossy(v[i].data());
                            let t = t.trim();
                            if t.is_empty() {
                                AccountStatus::Active
                            } else {
                                AccountStatus::parse(t).ok_or_else(|| bad(
                                    "bad status",
                                    format!("status `{t}` is not one of active, verified, restricted, suspended"),
                                ))?
                            }
                        }
                        _ => return Err(bad("bad status", "status column is not a string".into())),
                    },
                    _ => AccountStatus::Active,
                };
                Ok((day, st))
            };
            let got = row().and_then(|(day, st)| record(&name, day, st));
            if let Err(e) = got {
                sink.refuse_or_skip(g, first_row, r, &e, || name.clone())?;
            }
        }
        sink.stats.lines += rows as u64;
        first_row += rows as u64;
    }
    Ok(sink.stats)
}
