//! Scoring a ranking against a planted graph's truth: are the planted
//! experts on top of their markets, are celebrities kept out of foreign
//! markets, do follow farms buy anything?

use crate::rank::RankResult;
use crate::synth::{Planted, Truth};
use crate::{rank, GraphBuilder, RankConfig, TopicTeleport, TopicsBuilder};
use rayon::prelude::*;

/// Competition ranks (1 = best) of every user in every column of `result`.
pub fn ranks(result: &RankResult) -> Vec<Vec<u32>> {
    (0..result.k())
        .into_par_iter()
        .map(|c| {
            let col = result.column(c);
            let mut order: Vec<u32> = (0..col.len() as u32).collect();
            order.sort_unstable_by(|&a, &b| col[b as usize].total_cmp(&col[a as usize]));
            let mut rank = vec![0u32; col.len()];
            let mut i = 0;
            while i < order.len() {
                let s = col[order[i] as usize];
                let mut j = i;
                while j < order.len() && col[order[j] as usize] == s {
                    rank[order[j] as usize] = i as u32 + 1;
                    j += 1;
                }
                i = j;
            }
            rank
        })
        .collect()
}

/// How a ranking treats the planted structure.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlantedReport {
    /// Users in the graph.
    pub users: usize,
    /// Top-1% cut-off (rank).
    pub top1: u32,
    /// Per topic: the planted experts' ranks.
    pub expert_ranks: Vec<(String, Vec<u32>)>,
    /// Mean over topics of the share of the top `experts_per_topic` that are planted experts.
    pub precision_at_k: f64,
    /// Every planted expert within its market's top 1%.
    pub experts_in_top1: bool,
    /// Per celebrity: (home topic, rank at home, worst margin abroad =
    /// min over foreign markets of celebrity rank − worst expert rank).
    pub celebrities: Vec<(String, u32, i64)>,
    /// Each celebrity below every expert of every foreign market.
    pub celebrities_below_foreign_experts: bool,
    /// Each celebrity in its home market's top 10.
    pub celebrities_top10_home: bool,
    /// Per farm: (kind, topic, target's rank in the topic, its follower count).
    pub farms: Vec<(String, String, u32, usize)>,
    /// Simple and self-tagged farm targets outside their market's top 1%.
    pub farm_targets_outside_top1: bool,
}

/// Ranks `planted` with `config` (markets = its topics) and checks it.
pub fn rank_planted(planted: &Planted, config: &RankConfig) -> (RankResult, PlantedReport) {
    let (graph, tags) = graph_and_tags(planted);
    let tele = match config.teleport {
        crate::TeleportMode::Tagged => TopicTeleport::from_tags(&tags, planted.users),
        crate::TeleportMode::Earned => TopicTeleport::earned(&tags, &graph),
    };
    let result = rank(&graph, &tele, config);
    let report = evaluate(&planted.truth, &result);
    (result, report)
}

/// The follower graph and tags of a planted graph (every follow weighs 1).
pub fn graph_and_tags(planted: &Planted) -> (crate::FollowerGraph, crate::TopicTags) {
    let mut g = GraphBuilder::with_capacity(planted.edges.len());
    for &(a, b) in &planted.edges {
        g.add_follow(a, b, 1.0);
    }
    let (graph, _) = g.build(planted.users);
    let mut t = TopicsBuilder::new();
    for &(u, topic) in &planted.tags {
        t.add_tag(u, &planted.topic_names[topic as usize], 1.0);
    }
    (graph, t.build(planted.users))
}

/// Scores `result` (columns named by topic) against `truth`.
pub fn evaluate(truth: &Truth, result: &RankResult) -> PlantedReport {
    let r = ranks(result);
    let users = result.users();
    let top1 = ((users as f64) * 0.01).ceil() as u32;
    let col = |t: &str| {
        result
            .market_index(t)
            .unwrap_or_else(|| panic!("no market {t}"))
    };
    let mut expert_ranks = Vec::new();
    let mut precision = 0.0;
    for (topic, experts) in &truth.experts {
        let c = col(topic);
        let ranks: Vec<u32> = experts.iter().map(|&e| r[c][e as usize]).collect();
        let k = experts.len() as u32;
        precision += ranks.iter().filter(|&&x| x <= k).count() as f64 / k as f64;
        expert_ranks.push((topic.clone(), ranks));
    }
    precision /= truth.experts.len().max(1) as f64;
    let experts_in_top1 = expert_ranks
        .iter()
        .all(|(_, rs)| rs.iter().all(|&x| x <= top1));
    let mut celebrities = Vec::new();
    for celeb in &truth.celebrities {
        let home = r[col(&celeb.home_topic)][celeb.id as usize];
        let mut margin = i64::MAX;
        for (topic, ranks) in &expert_ranks {
            if *topic == celeb.home_topic {
                continue;
            }
            let worst_expert = *ranks.iter().max().unwrap_or(&0) as i64;
            margin = margin.min(r[col(topic)][celeb.id as usize] as i64 - worst_expert);
        }
        celebrities.push((celeb.home_topic.clone(), home, margin));
    }
    let farms: Vec<(String, String, u32, usize)> = truth
        .farms
        .iter()
        .map(|f| {
            (
                f.kind.to_string(),
                f.topic.clone(),
                r[col(&f.topic)][f.target as usize],
                f.target_followers,
            )
        })
        .collect();
    PlantedReport {
        users,
        top1,
        precision_at_k: precision,
        experts_in_top1,
        celebrities_below_foreign_experts: celebrities.iter().all(|c| c.2 > 0),
        celebrities_top10_home: celebrities.iter().all(|c| c.1 <= 10),
        farm_targets_outside_top1: farms.iter().filter(|f| f.0 != "ring").all(|f| f.2 > top1),
        expert_ranks,
        celebrities,
        farms,
    }
}

/// How a ranking treats the planted attacks and honest look-alikes
/// ([`crate::synth::plant_attacks`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct AttackReport {
    /// Top-1% cut-off (rank).
    pub top1: u32,
    /// Top-5% cut-off (rank).
    pub top5: u32,
    /// Per attack: (kind, topic, target's rank in its market, report only).
    pub targets: Vec<(String, String, u32, bool)>,
    /// Per honest account: (kind, topic, rank in its market).
    pub honest: Vec<(String, String, u32)>,
}

impl AttackReport {
    /// Every attack target (report-only ones aside) outside its market's top 1%.
    pub fn targets_outside_top1(&self) -> bool {
        self.targets
            .iter()
            .filter(|t| !t.3)
            .all(|t| t.2 > self.top1)
    }

    /// Every honest look-alike inside its market's top 5%.
    pub fn honest_in_top5(&self) -> bool {
        self.honest.iter().all(|h| h.2 <= self.top5)
    }
}

/// How an attacked graph is ranked, for the attack × ranking table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defence {
    /// Plain topic-sensitive PageRank (plain walk, tagged teleport).
    PlainTopicPageRank,
    /// The default graph-only ranking (topic-biased walk, earned teleport).
    GraphOnly,
    /// The default with the account history (`--accounts`).
    WithAccounts,
    /// For the measurement behind the design only: account history denying
    /// restart weight, but leaving the follows of accounts in probation in
    /// the walk.
    AccountsRestartOnly,
}

/// Ranks `a` with the default settings under `defence` and checks both the
/// issue-4 truth and the attacks.
pub fn rank_attacked(
    a: &crate::synth::Attacked,
    defence: Defence,
) -> (RankResult, PlantedReport, AttackReport) {
    use crate::rank::{account_trust, walk_graph, TrustConfig};
    let p = &a.planted;
    let (graph, tags) = graph_and_tags(p);
    let (result, _) = match defence {
        Defence::PlainTopicPageRank => {
            let tele = TopicTeleport::from_tags(&tags, p.users);
            (rank(&graph, &tele, &RankConfig::plain()), ())
        }
        Defence::GraphOnly => {
            let tele = TopicTeleport::earned(&tags, &graph);
            (rank(&graph, &tele, &RankConfig::default()), ())
        }
        Defence::WithAccounts | Defence::AccountsRestartOnly => {
            let trust = account_trust(
                &graph,
                &a.history,
                None,
                &TrustConfig::at(a.config.as_of_day),
            );
            let tele = TopicTeleport::with_trust(&tags, p.users, &trust, true);
            if defence == Defence::WithAccounts {
                let walk = walk_graph(&graph, &trust.in_walk);
                (rank(&walk, &tele, &RankConfig::default()), ())
            } else {
                (rank(&graph, &tele, &RankConfig::default()), ())
            }
        }
    };
    let planted = evaluate(&p.truth, &result);
    let attacks = evaluate_attacks(a, &result);
    (result, planted, attacks)
}

/// Ranks of the attack targets and honest look-alikes in `result`.
pub fn evaluate_attacks(a: &crate::synth::Attacked, result: &RankResult) -> AttackReport {
    let r = ranks(result);
    let users = result.users() as f64;
    let col = |t: &str| {
        result
            .market_index(t)
            .unwrap_or_else(|| panic!("no market {t}"))
    };
    AttackReport {
        top1: (users * 0.01).ceil() as u32,
        top5: (users * 0.05).ceil() as u32,
        targets: a
            .attacks
            .iter()
            .map(|x| {
                (
                    x.kind.clone(),
                    x.topic.clone(),
                    r[col(&x.topic)][x.target as usize],
                    x.report_only,
                )
            })
            .collect(),
        honest: a
            .honest
            .iter()
            .map(|h| {
                (
                    h.kind.clone(),
                    h.topic.clone(),
                    r[col(&h.topic)][h.user as usize],
                )
            })
            .collect(),
    }
}

fn pct(rank: u32, users: usize) -> String {
    format!("{:.2}%", 100.0 * rank as f64 / users as f64)
}

fn expert_share(r: &PlantedReport) -> f64 {
    let all: Vec<u32> = r
        .expert_ranks
        .iter()
        .flat_map(|e| e.1.iter().copied())
        .collect();
    all.iter().filter(|&&x| x <= r.top1).count() as f64 / all.len().max(1) as f64
}

/// The attack × ranking table (markdown) over `runs` of (users, seed):
/// each attack target's and honest look-alike's rank as a share of all
/// users, by follower count, plain topic PageRank, the default graph-only
/// ranking and the default with the account history; then issue 4's
/// planted checks under each ranking.
pub fn attack_table(runs: &[(usize, u64)], log: &mut dyn FnMut(&str)) -> String {
    use crate::synth::{generate, plant_attacks, AttackConfig, PlantedConfig};
    use std::fmt::Write;
    let mut md = String::new();
    md.push_str("| users | seed | account (market) | follower count | plain topic PageRank | default graph-only | default with --accounts |\n|---|---|---|--:|--:|--:|--:|\n");
    for &(users, seed) in runs {
        let t0 = std::time::Instant::now();
        let mut cfg = PlantedConfig::for_users(users);
        cfg.seed = seed;
        let a = plant_attacks(&generate(&cfg), &AttackConfig::for_users(users, seed));
        let n = a.planted.users;
        let mut indeg = vec![0u32; n];
        a.planted
            .edges
            .iter()
            .for_each(|&(_, v)| indeg[v as usize] += 1);
        let follower_rank =
            |u: u32| 1 + indeg.iter().filter(|&&d| d > indeg[u as usize]).count() as u32;
        let runs: Vec<_> = [
            Defence::PlainTopicPageRank,
            Defence::GraphOnly,
            Defence::WithAccounts,
        ]
        .into_iter()
        .map(|d| rank_attacked(&a, d))
        .collect();
        for (i, x) in a.attacks.iter().enumerate() {
            let cells: Vec<String> = runs.iter().map(|r| pct(r.2.targets[i].2, n)).collect();
            let _ = writeln!(
                md,
                "| {n} | {seed} | {}{} ({}) | {} | {} |",
                x.kind,
                if x.report_only { " (report only)" } else { "" },
                x.topic,
                pct(follower_rank(x.target), n),
                cells.join(" | ")
            );
        }
        for (i, h) in a.honest.iter().enumerate() {
            let cells: Vec<String> = runs.iter().map(|r| pct(r.2.honest[i].2, n)).collect();
            let _ = writeln!(
                md,
                "| {n} | {seed} | honest {} ({}) | {} | {} |",
                h.kind,
                h.topic,
                pct(follower_rank(h.user), n),
                cells.join(" | ")
            );
        }
        let checks: Vec<String> = runs
            .iter()
            .map(|r| {
                format!(
                    "experts in top 1%: {:.2}; celebrities below foreign experts: {}; in home top 10: {}",
                    expert_share(&r.1),
                    r.1.celebrities_below_foreign_experts,
                    r.1.celebrities_top10_home
                )
            })
            .collect();
        let _ = writeln!(
            md,
            "| {n} | {seed} | *planted checks (issue 4)* | — | {} |",
            checks.join(" | ")
        );
        log(&format!(
            "attacks {users} seed {seed}: {:.1?}",
            t0.elapsed()
        ));
    }
    md
}

/// What the design's two choices do, at `users` users (markdown):
///
/// 1. probation follows kept in the walk (restart weight denied only) vs
///    taken out (the default);
/// 2. the trust step bound, on an *aged* leaky ring (fakes created two
///    years ago, e.g. bought accounts) with vetted seeds (1% of the organic
///    accounts), and the same without vetted seeds.
pub fn attack_study(users: usize, seed: u64) -> String {
    use crate::rank::{account_trust, walk_graph, TrustConfig};
    use crate::synth::{generate, plant_attacks, AttackConfig, PlantedConfig};
    use std::fmt::Write;
    let mut md = String::new();
    let mut cfg = PlantedConfig::for_users(users);
    cfg.seed = seed;
    let mut a = plant_attacks(&generate(&cfg), &AttackConfig::for_users(users, seed));
    let n = a.planted.users;
    let restart_only = rank_attacked(&a, Defence::AccountsRestartOnly);
    let full = rank_attacked(&a, Defence::WithAccounts);
    let _ = writeln!(md, "| {n} users, seed {seed}, with --accounts | probation follows in the walk | out of the walk (default) |\n|---|--:|--:|");
    for (i, x) in a.attacks.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {} | {} |",
            x.kind,
            pct(restart_only.2.targets[i].2, n),
            pct(full.2.targets[i].2, n)
        );
    }
    for (i, h) in a.honest.iter().enumerate() {
        let _ = writeln!(
            md,
            "| honest {} | {} | {} |",
            h.kind,
            pct(restart_only.2.honest[i].2, n),
            pct(full.2.honest[i].2, n)
        );
    }
    let ring = a.attacks[0].clone();
    for u in ring.fakes.0..ring.fakes.1 {
        a.history.created_day[u as usize] -= 730;
    }
    a.history.created_day[ring.target as usize] -= 730;
    let p = &a.planted;
    let (graph, tags) = graph_and_tags(p);
    let organic = p.truth.organic_users;
    let vetted: Vec<bool> = (0..p.users).map(|u| u < organic && u % 100 == 7).collect();
    let _ = writeln!(
        md,
        "\nAged leaky ring ({} fakes created two years ago, 1 real follow in), vetted seeds = 1% of the organic accounts:\n\n| trust steps | ring's earned restart weight (in accounts' worth) | target's rank | experts in top 1% |\n|---|--:|--:|--:|",
        ring.fakes.1 - ring.fakes.0
    );
    let settings = [1u32, 2, 4, 6, 10, 20]
        .map(|s| (s, Some(&vetted[..])))
        .into_iter()
        .chain([(6, None)]);
    for (steps, seeds) in settings {
        let tc = TrustConfig {
            steps,
            ..TrustConfig::at(a.config.as_of_day)
        };
        let trust = account_trust(&graph, &a.history, seeds, &tc);
        let earned: f64 = (ring.fakes.0..ring.fakes.1)
            .map(|u| trust.earned[u as usize] as f64)
            .sum();
        let walk = walk_graph(&graph, &trust.in_walk);
        let tele = TopicTeleport::with_trust(&tags, p.users, &trust, true);
        let result = rank(&walk, &tele, &RankConfig::default());
        let r = ranks(&result);
        let planted = evaluate(&p.truth, &result);
        let c = result.market_index(&ring.topic).expect("ring market");
        let _ = writeln!(
            md,
            "| {steps}{} | {earned:.1} | {} | {:.2} |",
            if seeds.is_none() {
                " (no --trusted: every established account is a seed)"
            } else {
                ""
            },
            pct(r[c][ring.target as usize], n),
            expert_share(&planted)
        );
    }
    md
}
