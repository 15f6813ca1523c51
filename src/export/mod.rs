//! Exports of a snapshot for other tools: CSV, JSON Lines, Parquet.

mod parquet;

use crate::snapshot::Snapshot;
use crate::store::atomic::write_with;

/// Kept here for callers of the old path; the query lives in
/// [`crate::query::ranks`].
pub use crate::query::ranks::market_ranks;
use std::path::Path;

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma separated, RFC 4180 quoting, header line.
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// Apache Parquet, typed columns, Snappy-compressed (see [`parquet`](self#parquet)).
    Parquet,
}

/// Which rows to export, and how.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Only these markets (all when empty).
    pub markets: Vec<String>,
    /// Only each market's top `n` users.
    pub top: Option<usize>,
    /// Only rows whose percentile is at least this.
    pub min_percentile: Option<f64>,
    /// One row per user with a column group per market, instead of one row
    /// per (user, market).
    pub wide: bool,
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// One exported (user, market) row.
#[derive(Clone, Copy)]
struct Row {
    user: u32,
    score: f64,
    rank: u64,
    percentile: f64,
    influence: f64,
    lift: f64,
}

/// The rows of market `m` in rank order, filtered.
fn market_rows(
    snap: &Snapshot,
    m: usize,
    filter: &ExportFilter,
    global: Option<(usize, &[u64])>,
) -> Vec<Row> {
    let order = snap.order(m);
    let n = order.len();
    let take = filter.top.unwrap_or(n).min(n);
    let mut out = Vec::with_capacity(take);
    let mut i = 0;
    while i < take {
        let s = snap.score(order[i], m);
        let mut j = i + 1;
        while j < n && snap.score(order[j], m) == s {
            j += 1;
        }
        let percentile = 100.0 * (n - j) as f64 / n as f64;
        if filter.min_percentile.is_some_and(|p| percentile < p) {
            break;
        }
        let influence = crate::query::standing::influence_scale(s, n);
        for &u in &order[i..j.min(take)] {
            let lift = global.map_or(0.0, |(g, _)| {
                let gs = snap.score(u, g);
                if gs > 0.0 {
                    s / gs
                } else {
                    0.0
                }
            });
            out.push(Row {
                user: u,
                score: s,
                rank: i as u64 + 1,
                percentile,
                influence,
                lift,
            });
        }
        i = j;
    }
    out
}

/// The snapshot columns of the filter's markets (all when none are named).
fn selected_markets(snap: &Snapshot, filter: &ExportFilter) -> std::io::Result<Vec<usize>> {
    Ok(if filter.markets.is_empty() {
        (0..snap.markets().len()).collect()
    } else {
        filter
            .markets
            .iter()
            .map(|m| {
                snap.market_index(m).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!(
                            "no market `{m}` in the snapshot (markets: {})",
                            snap.markets().join(", ")
                        ),
                    )
                })
            })
            .collect::<Result<_, _>>()?
    })
}

/// The wide layout: users selected by any market's filter, in user order,
/// and their cells (`users × markets`, `None` where a market's filter left
/// the user out).
fn wide_cells(
    snap: &Snapshot,
    markets: &[usize],
    filter: &ExportFilter,
    g: Option<(usize, &[u64])>,
) -> (Vec<u32>, Vec<Option<Row>>) {
    let per_market: Vec<Vec<Row>> = markets
        .iter()
        .map(|&m| market_rows(snap, m, filter, g))
        .collect();
    let k = markets.len();
    let mut selected = vec![false; snap.users()];
    let mut order: Vec<u32> = Vec::new();
    for rs in &per_market {
        for r in rs {
            if !selected[r.user as usize] {
                selected[r.user as usize] = true;
                order.push(r.user);
            }
        }
    }
    drop(selected);
    order.sort_unstable();
    let mut slot = vec![u32::MAX; snap.users()];
    for (i, &u) in order.iter().enumerate() {
        slot[u as usize] = i as u32;
    }
    let mut cells: Vec<Option<Row>> = Vec::new();
    cells.resize_with(order.len() * k, || None);
    for (mi, rs) in per_market.into_iter().enumerate() {
        for r in rs {
            cells[slot[r.user as usize] as usize * k + mi] = Some(r);
        }
    }
    (order, cells)
}

/// Writes the export atomically to `out`. Long format: rows grouped by
/// market, in rank order. Returns the number of rows written.
pub fn export(
    snap: &Snapshot,
    format: ExportFormat,
    filter: &ExportFilter,
    out: &Path,
) -> std::io::Result<u64> {
    let markets = selected_markets(snap, filter)?;
    let global = snap.market_index(crate::GLOBAL_MARKET);
    let global_ranks = global.map(|g| market_ranks(snap, g));
    let g = global.zip(global_ranks.as_deref());
    let grank = |u: u32| global_ranks.as_ref().map_or(0, |r| r[u as usize]);
    if format == ExportFormat::Parquet {
        return parquet::write(snap, &markets, filter, g, &grank, out);
    }
    write_with(out, |w| {
        let mut rows = 0u64;
        if filter.wide {
            let (order, cells) = wide_cells(snap, &markets, filter, g);
            let k = markets.len();
            let names: Vec<&str> = markets
                .iter()
                .map(|&m| snap.markets()[m].as_str())
                .collect();
            if format == ExportFormat::Csv {
                write!(w, "user,followers,global_rank")?;
                for n in &names {
                    let n = csv_field(n);
                    write!(
                        w,
                        ",{n}_score,{n}_rank,{n}_percentile,{n}_influence,{n}_lift"
                    )?;
                }
                writeln!(w)?;
            }
            for (i, &u) in order.iter().enumerate() {
                let row = &cells[i * k..(i + 1) * k];
                match format {
                    ExportFormat::Csv => {
                        write!(
                            w,
                            "{},{},{}",
                            csv_field(snap.user_id(u)),
                            snap.followers(u),
                            grank(u)
                        )?;
                        for c in row {
                            match c {
                                Some(r) => write!(
                                    w,
                                    ",{:e},{},{:.4},{:.2},{:.6}",
                                    r.score, r.rank, r.percentile, r.influence, r.lift
                                )?,
                                None => write!(w, ",,,,,")?,
                            }
                        }
                        writeln!(w)?;
                    }
                    ExportFormat::JsonLines => {
                        let mut obj = serde_json::Map::new();
                        obj.insert("user".into(), snap.user_id(u).into());
                        obj.insert("followers".into(), snap.followers(u).into());
                        obj.insert("global_rank".into(), grank(u).into());
                        for (n, c) in names.iter().zip(row) {
                            if let Some(r) = c {
                                obj.insert(
                                (*n).to_string(),
                                serde_json::json!({"score": r.score, "rank": r.rank, "percentile": r.percentile, "influence": r.influence, "lift": r.lift}),
                            );
                            }
                        }
                        serde_json::to_writer(&mut *w, &obj)?;
                        writeln!(w)?;
                    }
                    ExportFormat::Parquet => unreachable!("written above"),
                }
                rows += 1;
            }
        } else {
            if format == ExportFormat::Csv {
                writeln!(
                    w,
                    "user,market,score,rank,percentile,followers,influence,global_rank,lift"
                )?;
            }
            for &m in &markets {
                let name = &snap.markets()[m];
                let quoted = csv_field(name).into_owned();
                for r in market_rows(snap, m, filter, g) {
                    let u = r.user;
                    match format {
                        ExportFormat::Csv => writeln!(
                            w,
                            "{},{quoted},{:e},{},{:.4},{},{:.2},{},{:.6}",
                            csv_field(snap.user_id(u)),
                            r.score,
                            r.rank,
                            r.percentile,
                            snap.followers(u),
                            r.influence,
                            grank(u),
                            r.lift
                        )?,
                        ExportFormat::JsonLines => {
                            serde_json::to_writer(
                                &mut *w,
                                &serde_json::json!({
                                    "user": snap.user_id(u), "market": name, "score": r.score, "rank": r.rank,
                                    "percentile": r.percentile, "followers": snap.followers(u),
                                    "influence": r.influence, "global_rank": grank(u), "lift": r.lift,
                                }),
                            )?;
                            writeln!(w)?;
                        }
                        ExportFormat::Parquet => unreachable!("written above"),
                    }
                    rows += 1;
                }
            }
        }
        Ok(rows)
    })
}

/// Writes `user<TAB>market<TAB>score` for every non-zero score of `result`
/// (the interchange format of `../shared/bench`), atomically.
pub fn write_scores_tsv(
    result: &crate::RankResult,
    ids: &crate::UserIds,
    out: &Path,
) -> std::io::Result<u64> {
    write_with(out, |w| {
        let mut line = Vec::with_capacity(64);
        let mut rows = 0;
        for u in 0..result.users() {
            for (c, name) in result.markets.iter().enumerate() {
                let s = result.score(u, c);
                if s != 0.0 {
                    line.clear();
                    ids.write_name(u as u32, &mut line);
                    line.push(b'\t');
                    line.extend_from_slice(name.as_bytes());
                    line.push(b'\t');
                    w.write_all(&line)?;
                    writeln!(w, "{s:e}")?;
                    rows += 1;
                }
            }
        }
        Ok(rows)
    })
}
