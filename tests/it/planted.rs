//! Issue 4's acceptance checks on planted graphs, with the *default*
//! settings (topic-biased walk, earned teleport).

use marketrank::quality::rank_planted;
use marketrank::synth::{generate, PlantedConfig};
use marketrank::RankConfig;

fn check(users: usize, seed: u64) {
    let mut cfg = PlantedConfig::for_users(users);
    cfg.seed = seed;
    let planted = generate(&cfg);
    let (_, r) = rank_planted(&planted, &RankConfig::default());
    println!(
        "{users} users seed {seed}: top 1% = rank {}; precision@5 {:.2}; celebrities (home rank, margin abroad) {:?}; farms {:?}",
        r.top1,
        r.precision_at_k,
        r.celebrities.iter().map(|c| (c.1, c.2)).collect::<Vec<_>>(),
        r.farms
    );
    assert!(
        r.experts_in_top1,
        "experts outside top 1%: {:?}",
        r.expert_ranks
    );
    assert!(
        r.celebrities_below_foreign_experts,
        "celebrity above a foreign expert: {:?}",
        r.celebrities
    );
    assert!(
        r.celebrities_top10_home,
        "celebrity outside its home top 10: {:?}",
        r.celebrities
    );
    assert!(
        r.farm_targets_outside_top1,
        "farm target in top 1%: {:?}",
        r.farms
    );
    let ring = r
        .farms
        .iter()
        .find(|f| f.0 == "ring")
        .expect("ring farm planted");
    println!("ring-farm target rank in {}: {} of {users}", ring.1, ring.2);
    assert!(ring.2 > r.top1, "ring target in top 1%");
}

#[test]
fn default_settings_on_planted_20k_seed_1() {
    check(20_000, 1);
}

#[test]
fn default_settings_on_planted_20k_seed_2() {
    check(20_000, 2);
}

#[test]
fn default_settings_on_planted_50k_seed_3() {
    check(50_000, 3);
}

/// The checks are discriminating: plain topic PageRank fails them.
#[test]
fn plain_topic_pagerank_fails_the_same_checks() {
    let planted = generate(&PlantedConfig::for_users(20_000));
    let (_, r) = rank_planted(&planted, &RankConfig::plain());
    assert!(!r.celebrities_below_foreign_experts);
    assert!(!r.farm_targets_outside_top1);
}
