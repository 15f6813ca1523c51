//! Exports of a snapshot for other tools.

use crate::atomic::AtomicFile;
use crate::snapshot::Snapshot;
use std::io::Write;
use std::path::Path;

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One row per (user, market):
    /// `user,market,score,rank,percentile,followers,influence,global_rank,lift`.
    Csv,
}

/// Competition rank of every user in market `m`, from the stored order.
pub fn market_ranks(snap: &Snapshot, m: usize) -> Vec<u64> {
    let order = snap.order(m);
    let mut ranks = vec![0u64; order.len()];
    let mut i = 0;
    while i < order.len() {
        let s = snap.score(order[i], m);
        let mut j = i;
        while j < order.len() && snap.score(order[j], m) == s {
            ranks[order[j] as usize] = i as u64 + 1;
            j += 1;
        }
        i = j;
    }
    ranks
}

/// Which rows to export.
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Only these markets (all when empty).
    pub markets: Vec<String>,
    /// Only each market's top `n` users.
    pub top: Option<usize>,
}

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Writes the export atomically to `out`. Rows are grouped by market, in
/// rank order. Returns the number of rows written.
pub fn export(
    snap: &Snapshot,
    format: ExportFormat,
    filter: &ExportFilter,
    out: &Path,
) -> std::io::Result<u64> {
    let markets: Vec<usize> = if filter.markets.is_empty() {
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
    };
    let mut file = AtomicFile::create(out)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file.file().try_clone()?);
    let mut rows = 0u64;
    match format {
        ExportFormat::Csv => {
            writeln!(
                w,
                "user,market,score,rank,percentile,followers,influence,global_rank,lift"
            )?;
            let global = snap.market_index(crate::GLOBAL_MARKET);
            let global_ranks = global.map(|g| market_ranks(snap, g));
            let n_users = snap.users();
            for &m in &markets {
                let name = csv_field(&snap.markets()[m]).into_owned();
                let order = snap.order(m);
                let n = order.len();
                let take = filter.top.unwrap_or(n).min(n);
                // Walk the order once: ranks and percentiles from tie groups.
                let mut i = 0;
                while i < take {
                    let s = snap.score(order[i], m);
                    let mut j = i + 1;
                    while j < n && snap.score(order[j], m) == s {
                        j += 1;
                    }
                    let pct = 100.0 * (n - j) as f64 / n as f64;
                    let influence = crate::standing::influence_scale(s, n_users);
                    for &u in &order[i..j.min(take)] {
                        let (grank, lift) = match (global, &global_ranks) {
                            (Some(g), Some(gr)) => {
                                let gs = snap.score(u, g);
                                (gr[u as usize], if gs > 0.0 { s / gs } else { 0.0 })
                            }
                            _ => (0, 0.0),
                        };
                        writeln!(
                            w,
                            "{},{name},{:e},{},{pct:.4},{},{influence:.2},{grank},{lift:.6}",
                            csv_field(snap.user_id(u)),
                            s,
                            i + 1,
                            snap.followers(u)
                        )?;
                        rows += 1;
                    }
                    i = j;
                }
            }
        }
    }
    w.flush()?;
    drop(w);
    file.commit()?;
    Ok(rows)
}

/// Writes `user<TAB>market<TAB>score` for every non-zero score of `result`
/// (the interchange format of `../shared/bench`), atomically.
pub fn write_scores_tsv(
    result: &crate::RankResult,
    ids: &crate::UserIds,
    out: &Path,
) -> std::io::Result<u64> {
    let mut file = AtomicFile::create(out)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file.file().try_clone()?);
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
    w.flush()?;
    drop(w);
    file.commit()?;
    Ok(rows)
}
