//! The account-history step of a rank run (`--accounts`): read the history
//! and the vetted seeds, compute trust, and build the graph the walk runs
//! on (follows of accounts in probation or suspended taken out).

use super::publish::PendingOutputs;
use super::source::{rejects_path_for, with_rejects};
use super::{JobError, Level, Observer};
use crate::graph::{AccountHistory, FollowerGraph};
use crate::input::load::TaggedGraph;
use crate::input::{read_accounts, read_trusted, utc_date, AccountsReport, BadLines};
use crate::rank::{account_trust, walk_graph, AccountTrust, TopicTeleport, TrustConfig};
use crate::snapshot::TrustMeta;
use std::path::{Path, PathBuf};

/// Account history input of a run: trust anchored outside the graph.
#[derive(Debug, Clone)]
pub struct AccountsInput {
    /// `user<TAB>created[<TAB>status]`.
    pub path: PathBuf,
    /// Vetted accounts used as the trust seeds (default: every established,
    /// non-suspended account).
    pub trusted: Option<PathBuf>,
    /// As-of day, probation, steps.
    pub config: TrustConfig,
}

/// What the step produced.
#[derive(Debug)]
pub struct TrustedRun {
    /// Every user's history.
    pub history: AccountHistory,
    /// Earned factors and passed trust.
    pub trust: AccountTrust,
    /// The graph the walk runs on.
    pub walk: FollowerGraph,
    /// The record for the snapshot.
    pub meta: TrustMeta,
}

/// Age under which an account counts as young in the restart-mass report.
pub const YOUNG_DAYS: i32 = 90;

/// Reads the history (bad lines per `bad`; skipped ones go to
/// `<out>.rejects.tsv.accounts.tsv`), computes trust and the walk graph.
pub fn trusted_run(
    a: &AccountsInput,
    data: &TaggedGraph,
    bad: BadLines,
    out: &Path,
    pending: &mut PendingOutputs,
    obs: &mut dyn Observer,
) -> Result<TrustedRun, JobError> {
    let rejects = (bad == BadLines::Skip).then(|| {
        let mut p = rejects_path_for(out).into_os_string();
        p.push(".accounts.tsv");
        PathBuf::from(p)
    });
    let ((history, report), _) =
        with_rejects(rejects, "skipped accounts lines", pending, |sink| {
            Ok(read_accounts(&a.path, &data.ids, bad, sink)?)
        })?;
    let (trusted, trusted_missing) = match &a.trusted {
        Some(p) => {
            let (t, missing) = read_trusted(p, &data.ids)?;
            (Some(t), missing)
        }
        None => (None, 0),
    };
    let t0 = std::time::Instant::now();
    let mut trust = account_trust(&data.graph, &history, trusted.as_deref(), &a.config);
    let trust_time = t0.elapsed();
    let walk = walk_graph(&data.graph, &trust.in_walk);
    obs.note(
        Level::Info,
        &format!(
            "trust: {} steps in {trust_time:.2?}, walk graph in {:.2?} (peak memory so far {})",
            a.config.steps,
            t0.elapsed() - trust_time,
            crate::job::memory::peak_rss_text()
        ),
    );
    trust.counts.follows_out_of_walk = data.graph.edges() - walk.edges();
    let meta = trust_meta(a, &report, trusted_missing, &trust);
    log_counts(a, &report, &meta, obs);
    Ok(TrustedRun {
        history,
        trust,
        walk,
        meta,
    })
}

fn trust_meta(
    a: &AccountsInput,
    r: &AccountsReport,
    trusted_missing: u64,
    t: &AccountTrust,
) -> TrustMeta {
    TrustMeta {
        accounts: a.path.display().to_string(),
        accounts_bytes: r.lines.bytes,
        trusted: a.trusted.as_ref().map(|p| p.display().to_string()),
        as_of: utc_date(a.config.as_of_day),
        probation_days: a.config.probation_days,
        steps: a.config.steps,
        damping: a.config.damping,
        counts: t.counts.clone(),
        accounts_not_in_graph: r.not_in_graph,
        accounts_skipped_lines: r.lines.skipped_total(),
        trusted_not_in_graph: trusted_missing,
    }
}

fn log_counts(a: &AccountsInput, r: &AccountsReport, m: &TrustMeta, obs: &mut dyn Observer) {
    let c = &m.counts;
    obs.note(Level::Info, &format!(
        "accounts {}: {} users with history, {} without; {} in the file but not in the graph; {} in probation (< {} days at {}), {} suspended, {} restricted; {} trust seeds{}; {} follows out of the walk",
        a.path.display(),
        c.known,
        c.unknown,
        r.not_in_graph,
        c.probation,
        m.probation_days,
        m.as_of,
        c.suspended,
        c.restricted,
        c.seeds,
        if m.trusted.is_some() { " (vetted)" } else { "" },
        c.follows_out_of_walk
    ));
    if r.lines.skipped_total() > 0 {
        obs.note(
            Level::Warning,
            &format!(
                "skipped {} bad lines in {}",
                r.lines.skipped_total(),
                a.path.display()
            ),
        );
        for (line, msg) in &r.lines.first_skipped {
            obs.note(
                Level::Warning,
                &format!("  {}:{line}: {msg}", a.path.display()),
            );
        }
    }
}

/// Per teleport column: the share of its restart mass on accounts younger
/// than [`YOUNG_DAYS`] at the as-of day (0 for the uniform `_global`, where
/// it is the share of young users; computed the same way).
pub fn young_restart_share(
    tele: &TopicTeleport,
    history: &AccountHistory,
    as_of_day: i32,
) -> Vec<f64> {
    let n = history.users();
    let young = |u: usize| {
        let d = history.created_day[u];
        d != AccountHistory::UNKNOWN && (as_of_day as i64 - d as i64) < YOUNG_DAYS as i64
    };
    let mut share = vec![0f64; tele.len()];
    let young_users = (0..n).filter(|&u| young(u)).count() as f64;
    for (c, s) in share.iter_mut().enumerate() {
        if tele.is_global(c) {
            *s = young_users / n.max(1) as f64;
        }
    }
    for u in (0..n).filter(|&u| young(u)) {
        for &(c, p) in tele.of_user(u as u32) {
            share[c as usize] += p;
        }
    }
    share
}
