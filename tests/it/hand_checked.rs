//! Small graphs whose scores can be worked out by hand, and a dense
//! power-method oracle on random graphs.

use crate::common::{dense_pagerank, rank_small, tight};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-10
}

#[test]
fn three_cycle_is_uniform_globally() {
    let r = rank_small(3, &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)], &[], &tight());
    for u in 0..3 {
        assert!(close(r.score(u, 0), 1.0 / 3.0), "{}", r.score(u, 0));
    }
}

#[test]
fn three_cycle_personalized_on_one_node() {
    // Teleport to 0: x0 = (1-a) + a x2, x1 = a x0, x2 = a x1 → x0 = (1-a)/(1-a³).
    let a: f64 = 0.85;
    let r = rank_small(
        3,
        &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)],
        &[(0, "t")],
        &tight(),
    );
    let t = r.market_index("t").unwrap();
    let x0 = (1.0 - a) / (1.0 - a.powi(3));
    assert!(close(r.score(0, t), x0));
    assert!(close(r.score(1, t), a * x0));
    assert!(close(r.score(2, t), a * a * x0));
}

#[test]
fn star_center_collects_leaves_and_dangling_mass_returns_to_teleport() {
    // Leaves 1..=4 follow 0; 0 follows nobody (dangling). Global teleport:
    // x0 = (1-a)/5 + a·(4 leaves' x) + a·x0/5 ... solved in closed form below.
    let a: f64 = 0.85;
    let follows: Vec<(u32, u32, f32)> = (1..5).map(|l| (l, 0, 1.0)).collect();
    let r = rank_small(5, &follows, &[], &tight());
    // Each leaf: x_l = (1-a)/5 + a·x0/5 ; center: x0 = (1-a)/5 + a·(4 x_l) + a·x0/5.
    let xl_of = |x0: f64| (1.0 - a) / 5.0 + a * x0 / 5.0;
    // x0 + 4 xl = 1
    let x0 = (1.0 - 4.0 * (1.0 - a) / 5.0) / (1.0 + 4.0 * a / 5.0);
    assert!(close(r.score(0, 0), x0), "{} vs {}", r.score(0, 0), x0);
    for l in 1..5 {
        assert!(close(r.score(l, 0), xl_of(x0)));
    }
}

#[test]
fn topic_with_one_user_who_follows_nobody_keeps_all_mass() {
    let r = rank_small(3, &[(1, 0, 1.0), (2, 0, 1.0)], &[(0, "solo")], &tight());
    let t = r.market_index("solo").unwrap();
    assert!(close(r.score(0, t), 1.0));
    assert!(close(r.score(1, t), 0.0) && close(r.score(2, t), 0.0));
}

#[test]
fn isolated_users_get_only_teleport_mass() {
    // 3 and 4 have no follows at all; global teleport gives them (1-a)/n + a·dangling/n.
    let r = rank_small(
        5,
        &[(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)],
        &[(0, "t")],
        &tight(),
    );
    let t = r.market_index("t").unwrap();
    assert!(close(r.score(3, t), 0.0) && close(r.score(4, t), 0.0));
    assert!(close(r.score(3, 0), r.score(4, 0)));
    let sum: f64 = (0..5).map(|u| r.score(u, 0)).sum();
    assert!(close(sum, 1.0));
}

#[test]
fn weighted_follows_split_mass_by_weight() {
    // 0 follows 1 (weight 3) and 2 (weight 1); teleport to 0 only; 1 and 2 dangling.
    let a: f64 = 0.85;
    let r = rank_small(3, &[(0, 1, 3.0), (0, 2, 1.0)], &[(0, "t")], &tight());
    let t = r.market_index("t").unwrap();
    // x1 = 0.75 a x0, x2 = 0.25 a x0, x0 = (1-a) + a(x1+x2) → x0 = (1-a)/(1-a²)
    let x0 = (1.0 - a) / (1.0 - a * a);
    assert!(close(r.score(0, t), x0));
    assert!(close(r.score(1, t), 0.75 * a * x0));
    assert!(close(r.score(2, t), 0.25 * a * x0));
}

#[test]
fn random_graphs_match_dense_oracle() {
    // Seeded LCG: no extra dependency, same graphs every run.
    let mut state = 0x2545F4914F6CDD1Du64;
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    for trial in 0..20 {
        let n = 2 + next(30) as usize;
        let m = next(4 * n as u64) as usize;
        let follows: Vec<(u32, u32, f32)> = (0..m)
            .map(|_| {
                (
                    next(n as u64) as u32,
                    next(n as u64) as u32,
                    1.0 + next(3) as f32,
                )
            })
            .collect();
        let tagged: Vec<(u32, &str)> = (0..1 + next(n as u64))
            .map(|_| (next(n as u64) as u32, "t"))
            .collect();
        let r = rank_small(n, &follows, &tagged, &tight());
        let t = r.market_index("t").unwrap();
        let mut tele = vec![0.0; n];
        let distinct: std::collections::BTreeSet<u32> = tagged.iter().map(|x| x.0).collect();
        for &u in &distinct {
            tele[u as usize] = 1.0 / distinct.len() as f64;
        }
        // Repeated follows count once with the largest weight, as the oracle does.
        let want = dense_pagerank(n, &follows, &tele, 0.85);
        for u in 0..n {
            assert!(
                (r.score(u, t) - want[u]).abs() < 1e-9,
                "trial {trial} user {u}: {} vs {}",
                r.score(u, t),
                want[u]
            );
        }
        let sum: f64 = (0..n).map(|u| r.score(u, t)).sum();
        assert!((sum - 1.0).abs() < 1e-9);
    }
}

/// A celebrity followed by a million users: f32 storage must still sum
/// their rows to f64 accuracy (a plain f32 running sum loses ~n·2⁻²⁴).
#[test]
fn f32_scores_stay_accurate_for_a_user_with_a_million_followers() {
    let n = 1_000_001usize;
    let mut g = marketrank::GraphBuilder::with_capacity(n);
    for u in 1..n as u32 {
        g.add_follow(u, 0, 1.0);
        if u % 1000 == 0 {
            g.add_follow(u, u - 1, 1.0);
        }
    }
    g.add_follow(0, 1, 1.0);
    let (graph, _) = g.build(n);
    let mut t = marketrank::TopicsBuilder::new();
    for u in 1..2000 {
        t.add_tag(u, "fans", 1.0);
    }
    let tags = t.build(n);
    let tele = marketrank::TopicTeleport::from_tags(&tags, n);
    let base = marketrank::RankConfig {
        tolerance: 1e-9,
        max_iterations: 200,
        ..marketrank::RankConfig::plain()
    };
    let f64r = marketrank::rank(
        &graph,
        &tele,
        &marketrank::RankConfig {
            precision: marketrank::Precision::F64,
            ..base
        },
    );
    let f32r = marketrank::rank(
        &graph,
        &tele,
        &marketrank::RankConfig {
            precision: marketrank::Precision::F32,
            ..base
        },
    );
    for c in 0..f64r.k() {
        let l1: f64 = (0..n)
            .map(|u| (f64r.score(u, c) - f32r.score(u, c)).abs())
            .sum();
        println!(
            "{}: L1(f32, f64) = {l1:.2e}, celebrity {:.6} (error {:.2e}), iterations {} / {}",
            f64r.markets[c],
            f64r.score(0, c),
            (f64r.score(0, c) - f32r.score(0, c)).abs(),
            f64r.convergence[c].iterations,
            f32r.convergence[c].iterations
        );
        assert!(l1 < 2e-6, "{}: L1 {l1:.2e}", f64r.markets[c]);
    }
}
