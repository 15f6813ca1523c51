//! Account history files (`--accounts`): `user<TAB>created[<TAB>status]`,
//! and vetted-account lists (`--trusted`): one user per line.
//!
//! Same rules as the follow and topic files: `#` comments and blank lines
//! skipped, a header line recognised, gzip by magic bytes, `.csv` comma
//! separated, `file:line: reason` for a bad line (or skipped, counted and
//! rejected under `--skip-bad-lines`).

use super::quoted::{first_fields, next_field};
use super::{check_id, read_records, text_line, BadLine, BadLines, LineStats, Rejects};
use crate::graph::{AccountHistory, AccountStatus, UserIds};
use crate::input::error::InputError;
use std::borrow::Cow;
use std::path::Path;

/// What reading an accounts file found.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccountsReport {
    /// Lines of the file.
    pub lines: LineStats,
    /// Accounts listed in the file that the graph does not have.
    pub not_in_graph: u64,
    /// Repeated lines for the same account with the same values (merged).
    pub duplicates_merged: u64,
}

fn bad(kind: &'static str, message: String) -> BadLine {
    BadLine { kind, message }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's days-from-civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

/// A date or timestamp that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` {reason}")]
pub struct BadDate {
    /// What was given.
    pub input: String,
    /// What is wrong with it.
    pub reason: DateProblem,
}

/// What is wrong with a [`BadDate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DateProblem {
    /// Not in the ISO-8601 shape.
    #[error("is not an ISO-8601 date (YYYY-MM-DD) or timestamp (YYYY-MM-DDTHH:MM:SSZ)")]
    Format,
    /// A month or day that does not exist (2023-02-29).
    #[error("is no such day")]
    NoSuchDay,
    /// An hour, minute or second out of range.
    #[error("has no such time of day")]
    NoSuchTime,
}

/// Parses an ISO-8601 date (`2024-05-31`) or timestamp
/// (`2024-05-31T23:10:00Z`, `2024-05-31 23:10:00`, fractional seconds, a
/// `+02:00` offset; no offset means UTC) into its UTC day (days since
/// 1970-01-01).
pub fn parse_utc_day(s: &str) -> Result<i32, BadDate> {
    let err = |reason| BadDate {
        input: s.to_string(),
        reason,
    };
    let why = || err(DateProblem::Format);
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut p = date.split('-');
    let (y, m, d) = match (p.next(), p.next(), p.next(), p.next()) {
        (Some(y), Some(m), Some(d), None) => (
            digits(y, 4).ok_or_else(why)?,
            digits(m, 2).ok_or_else(why)?,
            digits(d, 2).ok_or_else(why)?,
        ),
        _ => return Err(why()),
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[m as usize - 1] {
        return Err(err(DateProblem::NoSuchDay));
    }
    let mut secs = 0i64;
    if let Some(t) = time {
        let (clock, offset) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else if let Some(i) = t.rfind(['+', '-']) {
            let (sign, o) = (if &t[i..i + 1] == "-" { -1 } else { 1 }, &t[i + 1..]);
            let (oh, om) = o.split_once(':').unwrap_or((o, "00"));
            let (oh, om) = (
                digits(oh, 2).ok_or_else(why)?,
                digits(om, 2).ok_or_else(why)?,
            );
            if oh > 23 || om > 59 {
                return Err(why());
            }
            (&t[..i], sign * (oh * 3600 + om * 60))
        } else {
            (t, 0)
        };
        let clock = clock.split('.').next().unwrap_or("");
        let mut c = clock.split(':');
        let (h, mi, se) = match (c.next(), c.next(), c.next(), c.next()) {
            (Some(h), Some(mi), se, None) => (
                digits(h, 2).ok_or_else(why)?,
                digits(mi, 2).ok_or_else(why)?,
                se.map_or(Some(0), |x| digits(x, 2)).ok_or_else(why)?,
            ),
            _ => return Err(why()),
        };
        if h > 23 || mi > 59 || se > 60 {
            return Err(err(DateProblem::NoSuchTime));
        }
        secs = h * 3600 + mi * 60 + se - offset;
    }
    let day = days_from_civil(y, m, d) + secs.div_euclid(86_400);
    i32::try_from(day).map_err(|_| why())
}

/// `YYYY-MM-DD` of a UTC day (days since 1970-01-01; days before 1970 are
/// written as 1970-01-01), the inverse of [`parse_utc_day`] for dates.
pub fn utc_date(day: i32) -> String {
    let mut s = crate::snapshot::rfc3339_of(day.max(0) as u64 * 86_400);
    s.truncate(10);
    s
}

/// The record of one accounts line.
/// One accounts record; in a quoted file (every separator but tab, as for
/// follows) a field may be quoted (RFC 4180, [`super::quoted`]).
fn parse_account(line: &[u8], sep: u8) -> Result<(Cow<'_, str>, i32, AccountStatus), BadLine> {
    let line = text_line(line)?;
    let mut rest = Some(line);
    let mut next = || {
        next_field(&mut rest, sep, sep != b'\t')
            .transpose()
            .map(|f| f.map(|f| f.text))
    };
    let user = next()?.unwrap_or_default();
    let expected = if sep == b'\t' {
        "expected `user<TAB>created[<TAB>status]`"
    } else {
        "expected `user,created[,status]`"
    };
    let created = next()?.ok_or_else(|| {
        bad(
            "missing column",
            format!("missing created column: {expected}"),
        )
    })?;
    let status = next()?;
    if next()?.is_some() {
        return Err(bad(
            "too many columns",
            format!("too many columns: {expected}"),
        ));
    }
    if user.is_empty() {
        return Err(bad("empty id", "empty user id".into()));
    }
    check_id("user", &user)?;
    let day = parse_utc_day(created.trim()).map_err(|e| bad("bad date", e.to_string()))?;
    let status = match status.as_deref().map(str::trim) {
        None | Some("") => AccountStatus::Active,
        Some(s) => AccountStatus::parse(s).ok_or_else(|| {
            bad(
                "bad status",
                format!("status `{s}` is not one of active, verified, restricted, suspended"),
            )
        })?,
    };
    Ok((user, day, status))
}

fn is_accounts_header(line: &[u8], sep: u8) -> bool {
    let text = std::str::from_utf8(line).unwrap_or("");
    let [a, b] = first_fields::<2>(text, sep, sep != b'\t');
    let mut cols = [a, b].into_iter();
    let word = |c: Option<Option<Cow<'_, str>>>, words: &[&str]| {
        c.flatten()
            .is_some_and(|c| words.iter().any(|w| w.eq_ignore_ascii_case(c.trim_ascii())))
    };
    word(
        cols.next(),
        &["user", "user_id", "userid", "account", "id", "handle"],
    ) && word(
        cols.next(),
        &["created", "created_at", "creation_date", "date", "joined"],
    )
}

/// Reads an accounts file for the users of `ids`. An account listed twice
/// with the same values counts once; with other values it is a bad line.
/// A file that covers nobody in the graph is refused.
pub fn read_accounts(
    path: &Path,
    ids: &UserIds,
    bad_lines: BadLines,
    rejects: Option<&mut Rejects>,
) -> Result<(AccountHistory, AccountsReport), InputError> {
    let mut history = AccountHistory::unknown(ids.len());
    let mut report = AccountsReport::default();
    let mut record = |user: &str, day: i32, status: AccountStatus| -> Result<(), BadLine> {
        let Some(u) = ids.get(user) else {
            report.not_in_graph += 1;
            return Ok(());
        };
        let i = u as usize;
        if history.created_day[i] == AccountHistory::UNKNOWN {
            history.created_day[i] = day;
            history.status[i] = status;
        } else if (history.created_day[i], history.status[i]) == (day, status) {
            report.duplicates_merged += 1;
        } else {
            return Err(bad(
                "conflicting repeat",
                format!("account `{user}` is listed again with another creation date or status"),
            ));
        }
        Ok(())
    };
    // A Parquet history (columns user, created, status) is told by its
    // magic, as follow files are.
    let lines = if super::read::is_parquet(path) {
        super::parquet::read_parquet_accounts(path, bad_lines, rejects, &mut record)?
    } else {
        read_records(path, bad_lines, rejects, is_accounts_header, |line, sep| {
            let (user, day, status) = parse_account(line, sep)?;
            record(&user, day, status)
        })?
    };
    report.lines = lines;
    let known = history
        .created_day
        .iter()
        .filter(|&&d| d != AccountHistory::UNKNOWN)
        .count();
    if known == 0 {
        return Err(InputError::Unusable {
            path: path.to_path_buf(),
            reason: format!(
                "covers nobody in the graph: {} lines, {} accounts not in the graph, {} blank or comments, {} skipped as malformed, 0 of {} users matched (is it the accounts file of this graph?)",
                report.lines.lines,
                report.not_in_graph,
                report.lines.comments_and_blank,
                report.lines.skipped_total(),
                ids.len()
            ),
        });
    }
    Ok((history, report))
}

/// Reads a vetted-account list (first column: the user; other columns are
/// ignored). Returns one flag per user of `ids` and the number of listed
/// accounts the graph does not have.
pub fn read_trusted(path: &Path, ids: &UserIds) -> Result<(Vec<bool>, u64), InputError> {
    let mut trusted = vec![false; ids.len()];
    let mut missing = 0u64;
    let header = |line: &[u8], sep: u8| {
        let c = line.split(|&b| b == sep).next().unwrap_or(b"");
        ["user", "user_id", "account", "id", "handle"]
            .iter()
            .any(|w| w.as_bytes().eq_ignore_ascii_case(c.trim_ascii()))
    };
    read_records(path, BadLines::Fail, None, header, |line, sep| {
        let line = text_line(line)?;
        let mut rest = Some(line);
        let user = next_field(&mut rest, sep, sep != b'\t')
            .transpose()?
            .map(|f| f.text)
            .unwrap_or_default();
        if user.is_empty() {
            return Err(bad("empty id", "empty user id".into()));
        }
        check_id("user", &user)?;
        match ids.get(&user) {
            Some(u) => trusted[u as usize] = true,
            None => missing += 1,
        }
        Ok(())
    })?;
    if !trusted.iter().any(|&t| t) {
        return Err(InputError::Unusable {
            path: path.to_path_buf(),
            reason: format!("lists nobody in the graph ({missing} accounts not in the graph)"),
        });
    }
    Ok((trusted, missing))
}

#[cfg(test)]
mod tests {
    use super::{is_accounts_header, parse_account, parse_utc_day};

    #[test]
    fn quoted_account_fields() {
        let (user, day, _) = parse_account(b"\"al,ice\",\"2020-01-01\"", b',').unwrap();
        assert_eq!(
            (&*user, day),
            ("al,ice", parse_utc_day("2020-01-01").unwrap())
        );
        // Tab files stay literal.
        let (user, _, _) = parse_account(b"\"bob\"\t2020-01-01", b'\t').unwrap();
        assert_eq!(&*user, "\"bob\"");
        assert!(is_accounts_header(b"\"user_id\",\"created_at\"", b','));
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(parse_utc_day("1970-01-01"), Ok(0));
        assert_eq!(parse_utc_day("2000-03-01"), Ok(11_017));
        assert_eq!(
            parse_utc_day("2026-12-01T23:59:59Z"),
            parse_utc_day("2026-12-01")
        );
        // 23:30 at -02:00 is the next day in UTC.
        assert_eq!(
            parse_utc_day("2026-12-01T23:30:00-02:00").unwrap(),
            parse_utc_day("2026-12-02").unwrap()
        );
        assert_eq!(
            parse_utc_day("2026-12-01 08:00:00.125"),
            parse_utc_day("2026-12-01")
        );
        assert!(parse_utc_day("2023-02-29").is_err());
        assert!(parse_utc_day("2024-02-29").is_ok());
        assert!(parse_utc_day("yesterday").is_err());
        assert!(parse_utc_day("2024-13-01").is_err());
        assert!(parse_utc_day("2024-01-01T25:00").is_err());
    }
}
