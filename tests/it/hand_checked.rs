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
