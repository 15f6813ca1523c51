//! Trust anchored in account history: who may restart a market's walk, and
//! whose follows pass endorsement.
//!
//! Graph-only rules are gamed by a free follow (a ring that buys one real
//! follow is no longer "closed"; a farm's fakes vouch for each other). What
//! an attacker cannot fake overnight is an account's *age* and its standing
//! with the platform, which every platform export carries. So, given each
//! account's creation day and status:
//!
//! 1. **Standing.** An account younger than the probation period (default
//!    30 days) or suspended earns no restart weight, whatever its tags, and
//!    its follows pass no endorsement: they are taken out of the walk (its
//!    walk mass returns to the market's restart, as a dangling account's
//!    does). A ring of 1,000 new accounts therefore cannot circulate and
//!    concentrate the walk mass its few real followers send in. A
//!    `restricted` account counts half: half the seed trust, half the trust
//!    it passes on, half its restart weight (its follows stay in the walk).
//! 2. **Trust flows from established accounts** (TrustRank, Gyöngyi et al.
//!    2004; SybilRank, Cao et al. 2012): seeds are the vetted accounts of
//!    `--trusted`, or else every established, non-suspended account. Trust
//!    `t` starts at the seeds and takes `steps` damped steps along follows,
//!    each account splitting what it passes over its follows by weight
//!    (degree-normalised): `t ← (1−β)·s + β·Mᵀt`. What an account
//!    *receives* in the last step, `r(u) = β·(Mᵀt)(u)`, is its earned trust.
//! 3. **Restart weight** of `u` in a market = tag weight × `e(u)`, where
//!    `e(u) = standing factor × min(1, r(u)/τ)` and `τ` is the mean trust
//!    received by the accounts that receive any. So an account earns its full
//!    tag weight once it receives an average account's trust, and a group of
//!    accounts can earn at most `Σ r / τ` restart weight in all — the trust
//!    its established followers send in, not the number of accounts in it.
//!    Weights are normalised per market; the walk itself stays the
//!    topic-biased walk.
//! 4. **Honest newcomers** keep the walk mass their established followers
//!    send them; only their own restart weight waits for the probation to
//!    end.
//!
//! Accounts missing from the history file are no seeds, pass endorsement
//! and earn by received trust like established accounts (a partial export
//! should not erase real users; the counts are reported).

use crate::graph::{AccountHistory, AccountStatus, FollowerGraph};
use rayon::prelude::*;

/// Parameters of the trust computation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrustConfig {
    /// The day ages are measured at (days since 1970-01-01 UTC).
    pub as_of_day: i32,
    /// Accounts younger than this many days are in probation.
    pub probation_days: u32,
    /// Trust propagation steps (the bound on how far trust travels).
    pub steps: u32,
    /// Share of trust passed on at each step (β).
    pub damping: f64,
}

impl TrustConfig {
    /// Default probation period (TweepCred ramps new accounts over 30 days).
    pub const DEFAULT_PROBATION_DAYS: u32 = 30;
    /// Default number of propagation steps (see QUALITY.md for what the
    /// bound does).
    pub const DEFAULT_STEPS: u32 = 6;
    /// Default trust damping.
    pub const DEFAULT_DAMPING: f64 = 0.85;
    /// A restricted account's factor on seed trust, passed trust and
    /// restart weight.
    pub const RESTRICTED_FACTOR: f32 = 0.5;

    /// The defaults, measuring ages at `as_of_day`.
    pub fn at(as_of_day: i32) -> TrustConfig {
        TrustConfig {
            as_of_day,
            probation_days: Self::DEFAULT_PROBATION_DAYS,
            steps: Self::DEFAULT_STEPS,
            damping: Self::DEFAULT_DAMPING,
        }
    }
}

/// Where an account stands, from its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Old enough and not suspended (active or verified).
    Established,
    /// Old enough, restricted.
    Restricted,
    /// Younger than the probation period (or created after the as-of day).
    Probation,
    /// Suspended.
    Suspended,
    /// Not in the history file.
    Unknown,
}

impl Standing {
    /// Factor on the trust this account passes on (and on its follows in
    /// the walk: 0 removes them).
    pub fn passes(self) -> f32 {
        match self {
            Standing::Established | Standing::Unknown => 1.0,
            Standing::Restricted => TrustConfig::RESTRICTED_FACTOR,
            Standing::Probation | Standing::Suspended => 0.0,
        }
    }

    /// Factor on the restart weight this account may earn.
    pub fn earns(self) -> f32 {
        self.passes()
    }

    /// Seed trust without `--trusted`.
    fn seed(self) -> f32 {
        match self {
            Standing::Established => 1.0,
            Standing::Restricted => TrustConfig::RESTRICTED_FACTOR,
            _ => 0.0,
        }
    }
}

/// Counts of a trust computation, for the run summary and the snapshot.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrustCounts {
    /// Users of the graph listed in the history file.
    pub known: u64,
    /// Users of the graph the file does not list.
    pub unknown: u64,
    /// Users in probation (younger than the probation period).
    pub probation: u64,
    /// Suspended users.
    pub suspended: u64,
    /// Restricted users.
    pub restricted: u64,
    /// Verified users.
    pub verified: u64,
    /// Trust seeds.
    pub seeds: u64,
    /// Users that earn any restart weight.
    pub earning: u64,
    /// Follows taken out of the walk (made by probation or suspended users;
    /// set by whoever builds the [`walk_graph`]).
    pub follows_out_of_walk: u64,
}

/// The result: per-user earned factor and the trust each account passes.
#[derive(Debug, Clone)]
pub struct AccountTrust {
    /// `e(u)` in [0, 1]: the share of its tag weight `u` may restart with.
    pub earned: Vec<f32>,
    /// Trust `u` passes per unit of follow weight (`factor · t(u) / out_weight(u)`)
    /// at the last step: a follow `u → v` gives `v` `β · passed[u] · w`.
    pub passed: Vec<f32>,
    /// Whether `u`'s follows stay in the walk.
    pub in_walk: Vec<bool>,
    /// Counts for reports.
    pub counts: TrustCounts,
    /// The parameters used.
    pub config: TrustConfig,
}

/// The standing of user `u` at `cfg.as_of_day`.
pub fn standing(history: &AccountHistory, u: u32, cfg: &TrustConfig) -> Standing {
    let day = history.created_day[u as usize];
    match history.status[u as usize] {
        _ if day == AccountHistory::UNKNOWN => Standing::Unknown,
        AccountStatus::Suspended => Standing::Suspended,
        _ if (cfg.as_of_day as i64 - day as i64) < cfg.probation_days as i64 => Standing::Probation,
        AccountStatus::Restricted => Standing::Restricted,
        AccountStatus::Active | AccountStatus::Verified => Standing::Established,
    }
}

/// Computes every account's earned factor over `graph` (see the module
/// docs). `trusted`, when given, marks the vetted seed accounts (a
/// suspended or probation account is never a seed).
pub fn account_trust(
    graph: &FollowerGraph,
    history: &AccountHistory,
    trusted: Option<&[bool]>,
    cfg: &TrustConfig,
) -> AccountTrust {
    let n = graph.users();
    assert_eq!(history.users(), n, "one history entry per user");
    let standings: Vec<Standing> = (0..n as u32).map(|u| standing(history, u, cfg)).collect();
    let seed_of = |u: usize| -> f32 {
        let st = standings[u];
        match trusted {
            Some(t) if t[u] && st.passes() > 0.0 => st.passes(),
            Some(_) => 0.0,
            None => st.seed(),
        }
    };
    let seed_total: f64 = (0..n).map(|u| seed_of(u) as f64).sum();
    let beta = cfg.damping;
    let restart = if seed_total > 0.0 {
        ((1.0 - beta) / seed_total) as f32
    } else {
        0.0
    };
    // Two N-sized f32 buffers: the trust `t` and what each account passes.
    let mut t: Vec<f32> = (0..n)
        .map(|u| seed_of(u) / seed_total.max(f64::MIN_POSITIVE) as f32)
        .collect();
    let mut passed = vec![0f32; n];
    let fill_passed = |t: &[f32], passed: &mut [f32]| {
        passed.par_iter_mut().enumerate().for_each(|(u, p)| {
            let ow = graph.out_weight(u as u32);
            *p = if ow > 0.0 {
                (standings[u].passes() as f64 * t[u] as f64 / ow) as f32
            } else {
                0.0
            };
        });
    };
    let pull = |v: usize, passed: &[f32]| -> f64 {
        let fs = graph.followers(v as u32);
        match graph.follower_weights(v as u32) {
            None => fs.iter().map(|&f| passed[f as usize] as f64).sum(),
            Some(ws) => fs
                .iter()
                .zip(ws)
                .map(|(&f, &w)| passed[f as usize] as f64 * w as f64)
                .sum(),
        }
    };
    for _ in 0..cfg.steps {
        fill_passed(&t, &mut passed);
        t.par_iter_mut().enumerate().for_each(|(v, x)| {
            *x = (restart as f64 * seed_of(v) as f64 + beta * pull(v, &passed)) as f32;
        });
    }
    fill_passed(&t, &mut passed);
    // Received trust r(v), written over `t` (no longer needed).
    t.par_iter_mut()
        .enumerate()
        .for_each(|(v, x)| *x = (beta * pull(v, &passed)) as f32);
    let received = t;
    let (sum, count) = received
        .iter()
        .filter(|&&r| r > 0.0)
        .fold((0f64, 0u64), |(s, c), &r| (s + r as f64, c + 1));
    let tau = if count > 0 { sum / count as f64 } else { 1.0 };
    let earned: Vec<f32> = received
        .par_iter()
        .zip(&standings)
        .map(|(&r, st)| st.earns() * (r as f64 / tau).min(1.0) as f32)
        .collect();
    let in_walk: Vec<bool> = standings.iter().map(|s| s.passes() > 0.0).collect();
    let mut counts = TrustCounts::default();
    for (u, st) in standings.iter().enumerate() {
        match st {
            Standing::Unknown => counts.unknown += 1,
            _ => counts.known += 1,
        }
        match st {
            Standing::Probation => counts.probation += 1,
            Standing::Suspended => counts.suspended += 1,
            Standing::Restricted => counts.restricted += 1,
            _ => {}
        }
        if history.status[u] == AccountStatus::Verified && *st != Standing::Unknown {
            counts.verified += 1;
        }
        counts.seeds += u64::from(seed_of(u) > 0.0);
        counts.earning += u64::from(earned[u] > 0.0);
    }
    AccountTrust {
        earned,
        passed,
        in_walk,
        counts,
        config: *cfg,
    }
}

/// The graph the walk runs on: `graph` without the follows of accounts
/// whose follows pass no endorsement (`!in_walk`).
///
/// In parallel over fixed ranges of users (the same graph at any thread
/// count): at twitter-2010 scale the filter reads 1.47B followers and
/// their flags at random, 72 s on one core.
pub fn walk_graph(graph: &FollowerGraph, in_walk: &[bool]) -> FollowerGraph {
    const USERS_PER_RANGE: usize = 1 << 14;
    let n = graph.users();
    let weighted = graph.is_weighted();
    let kept: Vec<u64> = (0..n as u32)
        .into_par_iter()
        .with_min_len(USERS_PER_RANGE)
        .map(|v| {
            graph
                .followers(v)
                .iter()
                .filter(|&&f| in_walk[f as usize])
                .count() as u64
        })
        .collect();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0u64);
    let mut total = 0u64;
    for k in &kept {
        total += k;
        offsets.push(total);
    }
    drop(kept);
    let mut sources = vec![0u32; total as usize];
    let mut weights = vec![0f32; if weighted { total as usize } else { 0 }];
    // Each range of users fills its own part of the new columns.
    let mut parts = Vec::with_capacity(n.div_ceil(USERS_PER_RANGE));
    let (mut rest_s, mut rest_w) = (&mut sources[..], &mut weights[..]);
    for lo in (0..n).step_by(USERS_PER_RANGE) {
        let hi = (lo + USERS_PER_RANGE).min(n);
        let len = (offsets[hi] - offsets[lo]) as usize;
        let (s_head, s_tail) = rest_s.split_at_mut(len);
        let (w_head, w_tail) = rest_w.split_at_mut(if weighted { len } else { 0 });
        parts.push((lo..hi, s_head, w_head));
        (rest_s, rest_w) = (s_tail, w_tail);
    }
    parts.into_par_iter().for_each(|(users, s_out, w_out)| {
        let mut at = 0;
        for v in users {
            let fs = graph.followers(v as u32);
            match graph.follower_weights(v as u32) {
                None => {
                    for &f in fs.iter().filter(|&&f| in_walk[f as usize]) {
                        s_out[at] = f;
                        at += 1;
                    }
                }
                Some(ws) => {
                    for (&f, &w) in fs.iter().zip(ws) {
                        if in_walk[f as usize] {
                            s_out[at] = f;
                            w_out[at] = w;
                            at += 1;
                        }
                    }
                }
            }
        }
    });
    let out_weight = (0..n)
        .into_par_iter()
        .map(|u| {
            if in_walk[u] {
                graph.out_weight(u as u32)
            } else {
                0.0
            }
        })
        .collect();
    FollowerGraph {
        offsets,
        sources,
        weights,
        out_weight,
    }
}
