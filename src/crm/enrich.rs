//! Customer-file enrichment: the same CSV with relative-influence columns
//! added, streamed row by row (any size), written atomically.

use crate::crm::triage::{Customer, Policy};
use crate::query::standing::user_view;
use crate::snapshot::Snapshot;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Columns added to every row (blank where the user or market is unknown).
pub const ADDED: [&str; 7] = [
    "influence",
    "percentile",
    "tier",
    "market_rank",
    "followers",
    "global_rank",
    "lift",
];

/// Added with a triage policy.
pub const ADDED_TRIAGE: [&str; 2] = ["priority", "priority_reason"];

/// Which market a row is looked up in.
#[derive(Debug, Clone)]
pub enum MarketChoice {
    /// The same market for every row.
    Fixed(String),
    /// The market named in this column of each row.
    Column(String),
}

/// What to enrich.
#[derive(Debug, Clone)]
pub struct EnrichConfig {
    /// Customer CSV (with a header row).
    pub customers: PathBuf,
    /// Column holding the user id (e.g. a social handle).
    pub id_column: String,
    /// Market per row.
    pub market: MarketChoice,
    /// Output CSV.
    pub out: PathBuf,
    /// Optional triage policy.
    pub policy: Option<Policy>,
}

/// Counts of an enrichment run.
#[derive(Debug, Clone, Default)]
pub struct EnrichSummary {
    /// Data rows.
    pub rows: u64,
    /// Rows whose user and market were found.
    pub matched: u64,
    /// Rows with a blank id or an id not in the snapshot.
    pub unknown_users: u64,
    /// Rows whose market column names no market of the snapshot.
    pub unknown_markets: BTreeMap<String, u64>,
    /// Rows per priority (with a policy).
    pub priorities: BTreeMap<u8, u64>,
}

/// `top 1%`, `top 5%`, `top 10%`, `top 25%` or `rest`, from a percentile.
pub fn tier(percentile: f64) -> &'static str {
    match percentile {
        p if p >= 99.0 => "top 1%",
        p if p >= 95.0 => "top 5%",
        p if p >= 90.0 => "top 10%",
        p if p >= 75.0 => "top 25%",
        _ => "rest",
    }
}

fn num(s: Option<&str>) -> Option<f64> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// Why an enrichment could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EnrichError {
    /// The customer file is not readable CSV.
    #[error("{path}: {source}")]
    Read {
        /// The customer file.
        path: String,
        /// Why.
        source: csv::Error,
    },
    /// A column the configuration names is not in the header.
    #[error("{path}: no column `{name}`; columns: {columns}")]
    NoColumn {
        /// The customer file.
        path: String,
        /// The column asked for.
        name: String,
        /// The header, comma separated.
        columns: String,
    },
    /// The market asked for is not in the snapshot.
    #[error("no market `{market}` in the snapshot; markets: {markets}")]
    NoMarket {
        /// The market asked for.
        market: String,
        /// The snapshot's markets, comma separated.
        markets: String,
    },
    /// The customer file already has a column enrich adds.
    #[error("{path}: already has a column `{column}`; rename it (enrich adds {added})")]
    ColumnClash {
        /// The customer file.
        path: String,
        /// The clashing column.
        column: String,
        /// Every column enrich adds.
        added: String,
    },
    /// Writing the enriched file or its policy failed.
    #[error(transparent)]
    Write(#[from] std::io::Error),
    /// The policy could not be written as TOML.
    #[error("cannot write the policy: {0}")]
    Policy(#[from] toml::ser::Error),
}

/// Enriches `cfg.customers` from `snap` into `cfg.out`.
pub fn enrich(snap: &Snapshot, cfg: &EnrichConfig) -> Result<EnrichSummary, EnrichError> {
    let path = cfg.customers.display().to_string();
    let read = |source| EnrichError::Read {
        path: path.clone(),
        source,
    };
    let mut rd = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(&cfg.customers)
        .map_err(read)?;
    let header = rd.headers().map_err(read)?.clone();
    let col = |name: &str| -> Result<usize, EnrichError> {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| EnrichError::NoColumn {
                path: path.clone(),
                name: name.to_string(),
                columns: header.iter().collect::<Vec<_>>().join(", "),
            })
    };
    let id_col = col(&cfg.id_column)?;
    let fixed = match &cfg.market {
        MarketChoice::Fixed(m) => {
            Some(snap.market_index(m).ok_or_else(|| EnrichError::NoMarket {
                market: m.clone(),
                markets: snap.markets().join(", "),
            })?)
        }
        MarketChoice::Column(_) => None,
    };
    let market_col = match &cfg.market {
        MarketChoice::Column(c) => Some(col(c)?),
        MarketChoice::Fixed(_) => None,
    };
    let (value_col, tenure_col) = match &cfg.policy {
        Some(p) => (
            p.value.as_ref().map(|v| col(&v.column)).transpose()?,
            p.loyalty.as_ref().map(|l| col(&l.column)).transpose()?,
        ),
        None => (None, None),
    };
    let mut added: Vec<&str> = ADDED.to_vec();
    if cfg.policy.is_some() {
        added.extend(ADDED_TRIAGE);
    }
    if let Some(clash) = added.iter().find(|a| header.iter().any(|h| h == **a)) {
        return Err(EnrichError::ColumnClash {
            path,
            column: clash.to_string(),
            added: added.join(", "),
        });
    }
    let mut summary = EnrichSummary::default();
    let out = cfg.out.display().to_string();
    let (csv_file, (crc, bytes)) = crate::store::atomic::prepare_with(&cfg.out, |w| {
        let mut w = ChecksumWriter::new(w);
        let mut wr = csv::Writer::from_writer(&mut w);
        let mut h = header.clone();
        for a in &added {
            h.push_field(a);
        }
        wr.write_record(&h)?;
        let mut rec = csv::StringRecord::new();
        let mut line = 1u64;
        while rd
            .read_record(&mut rec)
            .map_err(|e| std::io::Error::other(format!("{path}: {e}")))?
        {
            line += 1;
            summary.rows += 1;
            let id = rec.get(id_col).unwrap_or("").trim();
            let m = match (fixed, market_col) {
                (Some(m), _) => Some(m),
                (None, Some(c)) => {
                    let name = rec.get(c).unwrap_or("").trim();
                    let m = snap.market_index(name);
                    if m.is_none() {
                        *summary.unknown_markets.entry(name.to_string()).or_default() += 1;
                    }
                    m
                }
                (None, None) => None,
            };
            let u = if id.is_empty() {
                None
            } else {
                snap.user_index(id)
            };
            if u.is_none() {
                summary.unknown_users += 1;
            }
            let mut out_rec = rec.clone();
            let mut market = None;
            match (u, m) {
                (Some(u), Some(m)) => {
                    summary.matched += 1;
                    let v = user_view(snap, u, m);
                    market = Some((snap.markets()[m].as_str(), v.percentile));
                    out_rec.push_field(&format!("{:.1}", v.influence));
                    out_rec.push_field(&format!("{:.2}", v.percentile));
                    out_rec.push_field(tier(v.percentile));
                    out_rec.push_field(&v.rank.to_string());
                    out_rec.push_field(&v.followers.to_string());
                    out_rec.push_field(&v.global_rank.to_string());
                    out_rec.push_field(&format!("{:.3}", v.lift));
                }
                _ => (0..ADDED.len()).for_each(|_| out_rec.push_field("")),
            }
            if let Some(p) = &cfg.policy {
                let c = Customer {
                    value: value_col.and_then(|c| num(rec.get(c))),
                    tenure: tenure_col.and_then(|c| num(rec.get(c))),
                    market,
                };
                let (prio, why) = p.decide(&c);
                *summary.priorities.entry(prio).or_default() += 1;
                out_rec.push_field(&prio.to_string());
                out_rec.push_field(&why);
            }
            wr.write_record(&out_rec)
                .map_err(|e| std::io::Error::other(format!("{out}: row {line}: {e}")))?;
        }
        wr.flush()?;
        drop(wr);
        Ok((w.crc.clone().finalize(), w.bytes))
    })?;
    publish_with_policy(cfg, csv_file, crc, bytes, summary.rows)?;
    Ok(summary)
}

/// Where the policy that produced `out` is written: `<out>.policy.toml`.
pub fn policy_path_for(out: &std::path::Path) -> std::path::PathBuf {
    let mut p = out.as_os_str().to_os_string();
    p.push(".policy.toml");
    p.into()
}

/// The line of a policy sidecar that binds it to the output it describes:
/// `# output-crc32 = XXXXXXXX, bytes = N, rows = N`.
pub fn policy_binding(crc: u32, bytes: u64, rows: u64) -> String {
    format!("# output-crc32 = {crc:08x}, bytes = {bytes}, rows = {rows}")
}

/// Publishes the enriched CSV and, with a policy, its sidecar, both written
/// before either is renamed into place. The sidecar's first lines carry the
/// CSV's CRC-32, size and row count ([`policy_binding`]), so a reader can
/// verify that the policy beside a file is the one that produced it even if
/// a run was killed between the two renames. Without a policy a sidecar
/// left by an earlier run is removed, since it no longer describes the
/// file. With `--out -` (standard output) there is no "beside": no sidecar.
fn publish_with_policy(
    cfg: &EnrichConfig,
    csv_file: crate::store::atomic::AtomicFile,
    crc: u32,
    bytes: u64,
    rows: u64,
) -> Result<(), EnrichError> {
    let to_stdout = cfg.out.as_os_str() == "-";
    let policy_path = policy_path_for(&cfg.out);
    let sidecar = match (&cfg.policy, to_stdout) {
        (Some(p), false) => {
            let text = toml::to_string(p)?;
            let out = cfg.out.display().to_string();
            let (file, ()) = crate::store::atomic::prepare_with(&policy_path, |w| {
                writeln!(
                    w,
                    "# The triage policy applied to {out} (priority = the largest of base, value, loyalty and influence levels)"
                )?;
                writeln!(w, "{}", policy_binding(crc, bytes, rows))?;
                w.write_all(text.as_bytes())
            })?;
            Some(file)
        }
        _ => None,
    };
    csv_file.commit()?;
    match sidecar {
        Some(f) => f.commit()?,
        None if !to_stdout && policy_path.exists() => std::fs::remove_file(&policy_path)?,
        None => {}
    }
    Ok(())
}

/// A writer that keeps the CRC-32 and length of what passes through.
struct ChecksumWriter<W> {
    inner: W,
    crc: crc32fast::Hasher,
    bytes: u64,
}

impl<W: std::io::Write> ChecksumWriter<W> {
    fn new(inner: W) -> Self {
        ChecksumWriter {
            inner,
            crc: crc32fast::Hasher::new(),
            bytes: 0,
        }
    }
}

impl<W: std::io::Write> std::io::Write for ChecksumWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
