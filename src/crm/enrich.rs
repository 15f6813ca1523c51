//! Customer-file enrichment: the same CSV with relative-influence columns
//! added, streamed row by row (any size), written atomically.
//!
//! What a support lead reads in each added column (README, "enrich"):
//! - `matched_as`: the snapshot id the row was matched to, blank when none.
//!   The input's own id column is never rewritten (nothing lost); this
//!   column shows what a `@` strip or a case fold matched, so a CRM can be
//!   corrected and a wrong match seen ([`crate::crm::handles`]).
//! - `influence`: strength of the user's score against an *average* user of
//!   the whole graph, on the log scale of [`influence_scale`] (50 =
//!   average, 60 = ten times average). It is the same number `serve`,
//!   `export` and `report` give, so it is not redefined here.
//! - `percentile` and `tier`: the user's *position* among the market's
//!   users. Scores are heavily skewed (a few users hold most of a market),
//!   so most users are below average: a `top 25%` user can have influence
//!   under 50. The two answer different questions ("how strong", "how far
//!   up the list"); the triage policy reads the percentile.
//!
//! [`influence_scale`]: crate::query::standing::influence_scale

use crate::crm::dialect::{Delimiter, OutputDialect, UTF8_BOM};
use crate::crm::handles::{find_market, UserLookup, UserMatch};
use crate::crm::triage::{Customer, Policy};
use crate::crm::values::{Cell, Problems};
use crate::query::standing::user_view;
use crate::snapshot::Snapshot;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Columns added to every row (blank where the user or market is unknown;
/// `matched_as` is filled whenever the user is found).
pub const ADDED: [&str; 8] = [
    "matched_as",
    "influence",
    "percentile",
    "tier",
    "market_rank",
    "followers",
    "global_rank",
    "lift",
];

/// `enrich --help`: what each added column means to the person reading it
/// (the module docs say why influence and tier differ).
pub const COLUMNS_HELP: &str = "\
Added columns:
  matched_as       the snapshot id the row matched (after `@`/case normalisation), blank if none
  influence        0-100, the user's score against an AVERAGE user of the whole graph, on a log
                   scale: 50 = average, 60 = 10x, 70 = 100x (the number serve, export and report give)
  percentile, tier the user's POSITION among the market's users (tier: top 1%/5%/10%/25%/rest)
  market_rank, followers, global_rank, lift (market score / global score)
Scores are skewed: most users are below average, so a `top 25%` user can show influence under 50.
Influence says how strong, tier how far up the list; the triage policy reads the percentile.";

/// Added with a triage policy.
pub const ADDED_TRIAGE: [&str; 3] = ["priority", "priority_label", "priority_reason"];
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
    /// Field separator of the customer file.
    pub delimiter: Delimiter,
    /// How the output is written.
    pub output: OutputDialect,
    /// Match ids exactly as written (`--match-case`); by default case is
    /// folded when no id matches exactly.
    pub match_case: bool,
    /// Refuse to publish the output when a value had to be left out for a
    /// reason the file can fix ([`EnrichSummary::fixable`]).
    pub strict: bool,
}

/// Counts of an enrichment run.
#[derive(Debug, Clone, Default)]
pub struct EnrichSummary {
    /// Data rows.
    pub rows: u64,
    /// Rows whose user and market were found.
    pub matched: u64,
    /// Rows whose user was found only with a leading `@` stripped.
    pub at_stripped: u64,
    /// Rows whose user was found only by comparing ids case-insensitively.
    pub case_folded: u64,
    /// Rows with a blank id or an id not in the snapshot.
    pub unknown_users: u64,
    /// Rows whose id matches several users that differ only by case (the
    /// examples' text is `id → candidates`).
    pub ambiguous: Problems,
    /// Rows per market name the snapshot lacks, with a close name if any.
    pub unknown_markets: BTreeMap<String, (u64, Option<String>)>,
    /// Per policy column (value, tenure): cells that are not numbers.
    pub unparseable: Vec<(String, Problems)>,
    /// Rows per priority (with a policy).
    pub priorities: BTreeMap<u8, u64>,
}

impl EnrichSummary {
    /// What `--strict` refuses, in words (`None`: nothing). Unparseable
    /// numbers, unknown markets and ambiguous ids are mistakes in the
    /// file that leave a row's priority wrong; an unknown user is not (a
    /// customer need not be on the network) and never fails a run.
    pub fn fixable(&self) -> Option<String> {
        let mut what = Vec::new();
        for (col, p) in &self.unparseable {
            if p.count > 0 {
                what.push(format!("{} unparseable `{col}`", p.count));
            }
        }
        let markets: u64 = self.unknown_markets.values().map(|v| v.0).sum();
        if markets > 0 {
            what.push(format!("{markets} unknown markets"));
        }
        if self.ambiguous.count > 0 {
            what.push(format!("{} ambiguous ids", self.ambiguous.count));
        }
        (!what.is_empty()).then(|| what.join(", "))
    }
}

/// The tier column (one definition with `publish`).
pub use crate::query::standing::tier;

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
    #[error("{path}: no column `{name}`; columns: {columns}{hint}")]
    NoColumn {
        /// The customer file.
        path: String,
        /// The column asked for.
        name: String,
        /// The header, comma separated.
        columns: String,
        /// What to do, when the header looks split by another separator.
        hint: String,
    },
    /// The market asked for is not in the snapshot.
    #[error("no market `{}` in the snapshot{}; markets: {markets}", miss.name, miss.hint())]
    NoMarket {
        /// The market asked for, with a close name if any.
        miss: crate::crm::handles::MarketMiss,
        /// The snapshot's markets, comma separated.
        markets: String,
    },
    /// `--strict` and a value had to be left out: nothing was written.
    #[error("--strict: {what}; {out} not written (an existing file is left as it was); fix the file or drop --strict")]
    Strict {
        /// [`EnrichSummary::fixable`].
        what: String,
        /// The output asked for.
        out: String,
        /// The counts and examples, for the report.
        summary: Box<EnrichSummary>,
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

/// Where each input the run reads sits in the header.
struct Plan {
    id: usize,
    market: Result<usize, usize>,
    value: Option<usize>,
    tenure: Option<usize>,
    added: Vec<&'static str>,
}

/// Finds the columns and the fixed market, refusing what cannot work
/// before anything is written.
fn plan(
    snap: &Snapshot,
    cfg: &EnrichConfig,
    header: &csv::StringRecord,
) -> Result<Plan, EnrichError> {
    let path = cfg.customers.display().to_string();
    let col = |name: &str| -> Result<usize, EnrichError> {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| EnrichError::NoColumn {
                path: path.clone(),
                name: name.to_string(),
                columns: header.iter().collect::<Vec<_>>().join(", "),
                hint: match cfg.delimiter.guess_other(header) {
                    Some(d) => format!(
                        " (read with delimiter `{}`, the header is one column holding `{}`: give --delimiter '{}')",
                        cfg.delimiter,
                        d.name(),
                        d.name()
                    ),
                    None => String::new(),
                },
            })
    };
    let id = col(&cfg.id_column)?;
    // Ok: a fixed market's column; Err: the header column naming each row's.
    let market = match &cfg.market {
        MarketChoice::Fixed(m) => {
            Ok(
                find_market(snap.markets(), m).map_err(|miss| EnrichError::NoMarket {
                    miss,
                    markets: snap.markets().join(", "),
                })?,
            )
        }
        MarketChoice::Column(c) => Err(col(c)?),
    };
    let (value, tenure) = match &cfg.policy {
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
    Ok(Plan {
        id,
        market,
        value,
        tenure,
        added,
    })
}

/// Enriches `cfg.customers` from `snap` into `cfg.out`.
///
/// # Errors
/// Unreadable or malformed input, a missing column or fixed market, a
/// clash with an added column, a failed write, and under `cfg.strict`
/// [`EnrichError::Strict`] (then the output is not published).
pub fn enrich(snap: &Snapshot, cfg: &EnrichConfig) -> Result<EnrichSummary, EnrichError> {
    let path = cfg.customers.display().to_string();
    let read = |source| EnrichError::Read {
        path: path.clone(),
        source,
    };
    let mut rd = csv::ReaderBuilder::new()
        .flexible(false)
        .delimiter(cfg.delimiter.byte())
        .from_path(&cfg.customers)
        .map_err(read)?;
    let header = rd.headers().map_err(read)?.clone();
    let plan = plan(snap, cfg, &header)?;
    let mut summary = EnrichSummary::default();
    summary.unparseable = [plan.value, plan.tenure]
        .into_iter()
        .flatten()
        .map(|c| (header[c].to_string(), Problems::default()))
        .collect();
    let users = UserLookup::new(snap, !cfg.match_case);
    let out = cfg.out.display().to_string();
    let (csv_file, (crc, bytes)) = crate::store::atomic::prepare_with(&cfg.out, |w| {
        let mut w = ChecksumWriter::new(w);
        if cfg.output.excel {
            std::io::Write::write_all(&mut w, UTF8_BOM)?;
        }
        let mut wr = csv::WriterBuilder::new()
            .delimiter(cfg.output.delimiter.byte())
            .terminator(if cfg.output.excel {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(&mut w);
        let mut h = header.clone();
        for a in &plan.added {
            h.push_field(a);
        }
        wr.write_record(&h)?;
        let mut rec = csv::StringRecord::new();
        while rd
            .read_record(&mut rec)
            .map_err(|e| std::io::Error::other(format!("{path}: {e}")))?
        {
            let line = rec.position().map_or(0, |p| p.line());
            let out_rec = enrich_row(snap, cfg, &plan, &users, &rec, line, &mut summary);
            wr.write_record(&out_rec)
                .map_err(|e| std::io::Error::other(format!("{out}: line {line}: {e}")))?;
        }
        wr.flush()?;
        drop(wr);
        Ok((w.crc.clone().finalize(), w.bytes))
    })?;
    if cfg.strict {
        if let Some(what) = summary.fixable() {
            // Dropping the unpublished file removes it: the target is untouched.
            drop(csv_file);
            return Err(EnrichError::Strict {
                what,
                out,
                summary: Box::new(summary),
            });
        }
    }
    publish_with_policy(cfg, csv_file, crc, bytes, summary.rows)?;
    Ok(summary)
}

/// One output row: the input's fields and the added ones; counts what it
/// finds into `summary`.
fn enrich_row(
    snap: &Snapshot,
    cfg: &EnrichConfig,
    plan: &Plan,
    users: &UserLookup<'_>,
    rec: &csv::StringRecord,
    line: u64,
    summary: &mut EnrichSummary,
) -> csv::StringRecord {
    summary.rows += 1;
    let m = match plan.market {
        Ok(m) => Some(m),
        Err(c) => {
            let name = rec.get(c).unwrap_or("").trim();
            match summary.unknown_markets.get_mut(name) {
                // Known to be unknown: no second search or suggestion.
                Some(n) => {
                    n.0 += 1;
                    None
                }
                None => match find_market(snap.markets(), name) {
                    Ok(m) => Some(m),
                    Err(miss) => {
                        summary
                            .unknown_markets
                            .insert(miss.name, (1, miss.suggestion));
                        None
                    }
                },
            }
        }
    };
    let cell = rec.get(plan.id).unwrap_or("");
    let u = match users.find(cell) {
        UserMatch::Found {
            user,
            at_stripped,
            case_folded,
        } => {
            summary.at_stripped += u64::from(at_stripped);
            summary.case_folded += u64::from(case_folded);
            Some(user)
        }
        UserMatch::Ambiguous(ids) => {
            let text = format!("{} → {}", cell.trim(), ids.join(" or "));
            summary.ambiguous.add(line, &text);
            None
        }
        UserMatch::Blank | UserMatch::Unknown => {
            summary.unknown_users += 1;
            None
        }
    };
    let mut out_rec = rec.clone();
    out_rec.push_field(u.map_or("", |u| snap.user_id(u)));
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
        _ => (1..ADDED.len()).for_each(|_| out_rec.push_field("")),
    }
    if let Some(p) = &cfg.policy {
        // `summary.unparseable` holds the value column, then the tenure one.
        let decimal_comma = cfg.delimiter.byte() == b';';
        let slots = [plan.value, plan.tenure];
        let mut cell = |which: usize| -> Cell<'_> {
            let Some(c) = slots[which] else {
                return Cell::Blank;
            };
            let v = Cell::parse_in(rec.get(c).unwrap_or(""), decimal_comma);
            if let Cell::Unparseable(t) = v {
                let slot = slots[..which].iter().flatten().count();
                summary.unparseable[slot].1.add(line, t);
            }
            v
        };
        let c = Customer {
            value: cell(0),
            tenure: cell(1),
            market,
        };
        let (prio, why) = p.decide(&c);
        *summary.priorities.entry(prio).or_default() += 1;
        out_rec.push_field(&prio.to_string());
        out_rec.push_field(p.label(prio));
        out_rec.push_field(&why);
    }
    out_rec
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
                writeln!(
                    w,
                    "# priority: 1 lowest … {} highest urgency (higher = more urgent); priority_label: {}{}",
                    p.levels(),
                    p.scale(),
                    if p.labels.is_none() { " (Zendesk's names)" } else { " (from [labels])" }
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
