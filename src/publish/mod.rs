//! `marketrank publish`: a snapshot's scores as a PostgreSQL table that
//! CRM syncs and reverse-ETL jobs read, replaced atomically.
//!
//! One transaction does everything, under an advisory lock that puts
//! concurrent publishes of the database in line:
//!
//! 1. the staging table `<table>__mr_staging` is created (one a killed run
//!    of an older version left behind is dropped first);
//! 2. the rows go in with `COPY … FROM STDIN (FORMAT binary)` ([`copy`]);
//! 3. its indexes are built (`user`; `market, rank`) and it is analysed;
//! 4. a row is added to `marketrank_snapshots`, then the swap: the old
//!    table and its indexes are renamed away, the staging table and its
//!    indexes renamed in, and the old table's grants repeated on the new
//!    one;
//! 5. commit; then the replaced table is dropped, after the commit, so
//!    readers wait for the renames only, not for a large table's files
//!    (a run killed before that drop leaves `<table>__mr_old`, which the
//!    next run drops first).
//!
//! Readers of `<table>` see the old table until the commit and the new
//! one after it; a query that arrives during the swap waits (milliseconds)
//! and then reads the new table: never an empty or partial one. A publish
//! killed at any moment (SIGKILL, a lost connection, a failed statement)
//! rolls back with its transaction: the old table is untouched and the
//! staging table never existed outside the dead transaction.
//!
//! Only a table marketrank published is replaced: a `<table>` that exists
//! without a row in `marketrank_snapshots` is refused, so a mistyped
//! `--table` cannot drop someone's data.

mod connect;
pub mod copy;
mod sql;

pub use connect::{connect, resolve, ConnectError, Connection, Target};
pub use sql::{TableName, TableNameError};

use crate::export::rows::{selected_markets, RowSource};
use crate::export::ExportFilter;
use crate::query::standing::tier;
use crate::snapshot::Snapshot;
use std::time::Instant;

/// The table's columns, in order, with their SQL types.
pub const COLUMNS: [(&str, &str); 12] = [
    ("user", "text NOT NULL"),
    ("market", "text NOT NULL"),
    ("score", "double precision NOT NULL"),
    ("rank", "bigint NOT NULL"),
    ("percentile", "double precision NOT NULL"),
    ("influence", "double precision NOT NULL"),
    ("tier", "text NOT NULL"),
    ("followers", "bigint NOT NULL"),
    ("global_rank", "bigint"),
    ("lift", "double precision"),
    ("snapshot_id", "text NOT NULL"),
    ("created", "timestamptz NOT NULL"),
];

/// The table that records each publish.
pub const SNAPSHOTS_TABLE: &str = "marketrank_snapshots";

/// Seconds the swap may wait for readers' running queries to finish
/// before the publish gives up (and rolls back): a reader holding the
/// table for longer would otherwise hold every later reader behind it.
pub const SWAP_LOCK_TIMEOUT_S: u32 = 60;

/// What to publish, and where.
#[derive(Debug, Clone)]
pub struct PublishConfig {
    /// The table readers query.
    pub table: TableName,
    /// Which rows (markets, top N, minimum percentile), as for export;
    /// `wide` is not used.
    pub filter: ExportFilter,
}

/// What a publish did.
#[derive(Debug, Clone)]
pub struct PublishReport {
    /// Rows in the new table.
    pub rows: u64,
    /// Markets published.
    pub markets: usize,
    /// The snapshot's content id (the `snapshot_id` column).
    pub snapshot_id: String,
    /// The snapshot the table held before, if marketrank published one.
    pub replaced: Option<String>,
    /// Seconds spent on the COPY.
    pub copy_s: f64,
    /// Seconds building the indexes and statistics.
    pub index_s: f64,
    /// Seconds from the swap's first rename to the commit: how long a
    /// reader arriving then waits at most.
    pub swap_s: f64,
    /// Why the replaced table could not be dropped after the commit (the
    /// new table is live; the next publish drops the old one first).
    pub old_left: Option<String>,
}

/// Why a publish did not happen (the old table is then unchanged).
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No connection.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The filter names a market the snapshot lacks.
    #[error("{0}")]
    Filter(std::io::Error),
    /// `<table>` exists and marketrank did not publish it.
    #[error("table {table} exists and was not published by marketrank (no row for it in {SNAPSHOTS_TABLE}); drop or rename it, or give another --table")]
    ForeignTable {
        /// The table.
        table: String,
    },
    /// A statement failed; the transaction rolled back.
    #[error(
        "PostgreSQL refused to {step}: {message} (nothing was changed: the publish rolled back)"
    )]
    Sql {
        /// What was being done.
        step: &'static str,
        /// The server's message, detail and hint.
        message: String,
    },
}

/// The server's words for a failed statement.
fn sql_error(step: &'static str) -> impl FnOnce(postgres::Error) -> PublishError {
    move |e| {
        let message = match e.as_db_error() {
            Some(db) => {
                let mut m = db.message().to_string();
                if let Some(d) = db.detail() {
                    m = format!("{m}; {d}");
                }
                if let Some(h) = db.hint() {
                    m = format!("{m} ({h})");
                }
                m
            }
            None => match std::error::Error::source(&e) {
                Some(s) => format!("{e}: {s}"),
                None => e.to_string(),
            },
        };
        PublishError::Sql { step, message }
    }
}

/// Publishes `snap` into `cfg.table` over `client` (see the module docs).
pub fn publish(
    client: &mut postgres::Client,
    snap: &Snapshot,
    cfg: &PublishConfig,
) -> Result<PublishReport, PublishError> {
    let markets = selected_markets(snap, &cfg.filter).map_err(PublishError::Filter)?;
    let t = &cfg.table;
    let (live, staging) = (t.quoted(), t.staging().quoted());
    let snapshots = t.sibling(SNAPSHOTS_TABLE).quoted();
    let mut tx = client
        .transaction()
        .map_err(sql_error("begin a transaction"))?;
    tx.batch_execute(&sql::prepare(t))
        .map_err(sql_error("prepare the staging table"))?;
    let replaced = previous_publish(&mut tx, t, &snapshots)?;
    let snapshot_id = snap.content_id();
    let copy_start = Instant::now();
    let rows = copy_rows(&mut tx, snap, &snapshot_id, &markets, &cfg.filter, &staging)?;
    let index_start = Instant::now();
    tx.batch_execute(&sql::indexes(t))
        .map_err(sql_error("build the indexes"))?;
    let names: Vec<String> = markets.iter().map(|&m| snap.markets()[m].clone()).collect();
    tx.execute(
        &format!(
            "INSERT INTO {snapshots} (table_name, snapshot_id, snapshot_created, rows, users, markets, top, min_percentile, marketrank_version) VALUES ($1, $2, to_timestamp($3), $4, $5, $6, $7, $8, $9)"
        ),
        &[
            &t.display(),
            &snapshot_id,
            &(snap.metadata().created_unix as f64),
            &(rows as i64),
            &(snap.users() as i64),
            &names,
            &cfg.filter.top.map(|n| n as i64),
            &cfg.filter.min_percentile,
            &env!("CARGO_PKG_VERSION"),
        ],
    )
    .map_err(sql_error("record the publish"))?;
    let swap_start = Instant::now();
    let grants = sql::grants_of(&mut tx, &live).map_err(sql_error("read the table's grants"))?;
    tx.batch_execute(&sql::swap(t, &grants))
        .map_err(sql_error("swap the new table in"))?;
    tx.commit().map_err(sql_error("commit"))?;
    let swap_s = swap_start.elapsed().as_secs_f64();
    // The publish is done: a failure here is a leftover for the next run
    // (which drops it first), not a failed publish.
    let old_left = client
        .batch_execute(&format!("DROP TABLE IF EXISTS {}", t.old().quoted()))
        .err()
        .map(|e| sql_error("drop the replaced table")(e).to_string());
    Ok(PublishReport {
        rows,
        markets: markets.len(),
        snapshot_id,
        replaced,
        copy_s: (index_start - copy_start).as_secs_f64(),
        index_s: (swap_start - index_start).as_secs_f64(),
        swap_s,
        old_left,
    })
}

/// The snapshot id marketrank last published into `t`; refuses a `t`
/// that exists without such a record.
fn previous_publish(
    tx: &mut postgres::Transaction<'_>,
    t: &TableName,
    snapshots: &str,
) -> Result<Option<String>, PublishError> {
    let exists: bool = tx
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&t.quoted()])
        .map_err(sql_error("look for the table"))?
        .get(0);
    let last: Option<String> = tx
        .query_opt(
            &format!("SELECT snapshot_id FROM {snapshots} WHERE table_name = $1 ORDER BY id DESC LIMIT 1"),
            &[&t.display()],
        )
        .map_err(sql_error("read the publish history"))?
        .map(|r| r.get(0));
    match (exists, last) {
        (true, None) => Err(PublishError::ForeignTable { table: t.display() }),
        (true, last) => Ok(last),
        (false, _) => Ok(None),
    }
}

/// COPYs the rows of `markets` into `staging`, a market at a time in rank
/// order; returns how many.
fn copy_rows(
    tx: &mut postgres::Transaction<'_>,
    snap: &Snapshot,
    snapshot_id: &str,
    markets: &[usize],
    filter: &ExportFilter,
    staging: &str,
) -> Result<u64, PublishError> {
    let columns: Vec<String> = COLUMNS.iter().map(|(c, _)| sql::quote(c)).collect();
    let stmt = format!(
        "COPY {staging} ({}) FROM STDIN (FORMAT binary)",
        columns.join(", ")
    );
    let writer = tx.copy_in(&stmt).map_err(sql_error("start the COPY"))?;
    let mut out = copy::BinaryCopy::new(writer, COLUMNS.len() as u16);
    let src = RowSource::new(snap);
    let has_global = snap.market_index(crate::GLOBAL_MARKET).is_some();
    let created = snap.metadata().created_unix as i64;
    let mut failed: Option<std::io::Error> = None;
    for &m in markets {
        let name = snap.markets()[m].as_str();
        src.each_market_row(m, filter, |r| {
            if failed.is_some() {
                return;
            }
            let row = match out.row() {
                Ok(row) => row,
                Err(e) => return failed = Some(e),
            };
            row.text(snap.user_id(r.user))
                .text(name)
                .float8(r.score)
                .int8(r.rank as i64)
                .float8(r.percentile)
                .float8(r.influence)
                .text(tier(r.percentile))
                .int8(snap.followers(r.user) as i64);
            if has_global {
                row.int8(src.global_rank(r.user) as i64).float8(r.lift);
            } else {
                row.null().null();
            }
            row.text(snapshot_id).timestamptz(created);
        });
    }
    let copy_failed = |e: std::io::Error| PublishError::Sql {
        step: "take the COPY",
        message: e.to_string(),
    };
    if let Some(e) = failed {
        return Err(copy_failed(e));
    }
    let (writer, rows) = out.finish().map_err(copy_failed)?;
    writer.finish().map_err(sql_error("finish the COPY"))?;
    Ok(rows)
}
