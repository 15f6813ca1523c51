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
    let mut g = GraphBuilder::with_capacity(planted.edges.len());
    for &(a, b) in &planted.edges {
        g.add_follow(a, b, 1.0);
    }
    let (graph, _) = g.build(planted.users);
    let mut t = TopicsBuilder::new();
    for &(u, topic) in &planted.tags {
        t.add_tag(u, &planted.topic_names[topic as usize], 1.0);
    }
    let tags = t.build(planted.users);
    let tele = match config.teleport {
        crate::TeleportMode::Tagged => TopicTeleport::from_tags(&tags, planted.users),
        crate::TeleportMode::Earned => TopicTeleport::earned(&tags, &graph),
    };
    let result = rank(&graph, &tele, config);
    let report = evaluate(&planted.truth, &result);
    (result, report)
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
