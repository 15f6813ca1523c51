//! Relative influence features: the topic-biased walk against a dense
//! oracle, earned teleport, exact market composition, explanations,
//! comparisons, and what the CLI shows.

use crate::common::{cmd, real_data, repo, tight, write};
use marketrank::explain::{explain, explain_many};
use marketrank::input::BadLines;
use marketrank::rank::{append_markets, MarketMix};
use marketrank::{
    load_tagged_graph, rank, GraphBuilder, RankConfig, Snapshot, TopicTeleport, TopicsBuilder, Walk,
};
use predicates::prelude::*;

/// Dense power iteration of the topic-biased walk for one topic.
fn dense_biased(
    n: usize,
    follows: &[(u32, u32)],
    aff: &[f64],
    tele: &[f64],
    alpha: f64,
    eps: f64,
) -> Vec<f64> {
    let mut w = vec![vec![0f64; n]; n];
    for &(a, b) in follows {
        if a != b {
            w[a as usize][b as usize] = eps + aff[b as usize];
        }
    }
    let z: Vec<f64> = w.iter().map(|r| r.iter().sum()).collect();
    let mut x = tele.to_vec();
    for _ in 0..100_000 {
        let dangling: f64 = (0..n).filter(|&u| z[u] == 0.0).map(|u| x[u]).sum();
        let mut y: Vec<f64> = tele
            .iter()
            .map(|p| p * (1.0 - alpha + alpha * dangling))
            .collect();
        for u in 0..n {
            if z[u] > 0.0 {
                for v in 0..n {
                    y[v] += alpha * x[u] * w[u][v] / z[u];
                }
            }
        }
        let d: f64 = x.iter().zip(&y).map(|(a, b)| (a - b).abs()).sum();
        x = y;
        if d < 1e-15 {
            break;
        }
    }
    x
}

#[test]
fn topic_biased_walk_matches_dense_oracle() {
    let mut state = 7u64;
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let eps = 0.1;
    for trial in 0..20 {
        let n = 3 + next(25) as usize;
        let follows: Vec<(u32, u32)> = (0..next(4 * n as u64))
            .map(|_| (next(n as u64) as u32, next(n as u64) as u32))
            .collect();
        // Some users tagged t (weight 2), some tagged t as a secondary topic (weight 1 next to u's weight-2 tag).
        let mut tb = TopicsBuilder::new();
        let mut aff = vec![0f64; n];
        let mut tele = vec![0f64; n];
        for u in 0..n as u32 {
            match next(4) {
                0 => {
                    tb.add_tag(u, "t", 2.0);
                    aff[u as usize] = 1.0;
                    tele[u as usize] = 2.0;
                }
                1 => {
                    tb.add_tag(u, "t", 1.0);
                    tb.add_tag(u, "s", 2.0);
                    aff[u as usize] = 0.5;
                    tele[u as usize] = 1.0;
                }
                _ => {}
            }
        }
        if tele.iter().sum::<f64>() == 0.0 {
            tb.add_tag(0, "t", 2.0);
            aff[0] = 1.0;
            tele[0] = 2.0;
        }
        let total: f64 = tele.iter().sum();
        tele.iter_mut().for_each(|p| *p /= total);
        let mut g = GraphBuilder::new();
        for &(a, b) in &follows {
            g.add_follow(a, b, 1.0);
        }
        let (graph, _) = g.build(n);
        let tags = tb.build(n);
        let cfg = RankConfig {
            walk: Walk::TopicBiased { epsilon: eps },
            ..tight()
        };
        let r = rank(&graph, &TopicTeleport::from_tags(&tags, n), &cfg);
        let t = r.market_index("t").unwrap();
        let want = dense_biased(n, &follows, &aff, &tele, 0.85, eps);
        for u in 0..n {
            assert!(
                (r.score(u, t) - want[u]).abs() < 1e-9,
                "trial {trial} user {u}: {} vs {}",
                r.score(u, t),
                want[u]
            );
        }
        // The global column stays plain PageRank under the biased walk.
        let plain = rank(&graph, &TopicTeleport::from_tags(&tags, n), &tight());
        for u in 0..n {
            assert!((r.score(u, 0) - plain.score(u, 0)).abs() < 1e-12);
        }
    }
}

#[test]
fn earned_teleport_ignores_unfollowed_and_ring_accounts_and_falls_back() {
    // 0,1,2: organic, follow each other (0↔1, 2→0). 3: fake nobody follows.
    // 4,5,6: a ring (4→5→6→4) followed by nobody outside.
    let follows = [
        (0, 1),
        (1, 0),
        (2, 0),
        (3, 0),
        (4, 5),
        (5, 6),
        (6, 4),
        (4, 0),
    ];
    let mut g = GraphBuilder::new();
    for (a, b) in follows {
        g.add_follow(a, b, 1.0);
    }
    let (graph, _) = g.build(7);
    let mut tb = TopicsBuilder::new();
    for u in [0, 3, 4, 5, 6] {
        tb.add_tag(u, "fashion", 1.0);
    }
    for u in [3, 4] {
        tb.add_tag(u, "fakes", 1.0);
    }
    let tags = tb.build(7);
    let tele = TopicTeleport::earned(&tags, &graph);
    let f = tele.markets().iter().position(|m| m == "fashion").unwrap();
    assert_eq!(
        tele.prob(0, f),
        1.0,
        "only the organic, followed user earns"
    );
    for u in [3, 4, 5, 6] {
        assert_eq!(tele.prob(u, f), 0.0);
    }
    let fakes = tele.markets().iter().position(|m| m == "fakes").unwrap();
    assert!(tele.fell_back(fakes));
    assert_eq!(tele.prob(3, fakes), 0.5);
}

fn cora() -> marketrank::TaggedGraph {
    let d = real_data("cora");
    load_tagged_graph(&d.join("edges.tsv"), &d.join("topics.tsv"), BadLines::Fail).unwrap()
}

#[test]
fn market_mix_equals_direct_computation_with_mixed_teleport() {
    let data = cora();
    let n = data.ids.len();
    let tele = TopicTeleport::from_tags(&data.tags, n);
    let res = rank(&data.graph, &tele, &tight());
    let mix = MarketMix {
        name: "ml".into(),
        parts: vec![("Neural_Networks".into(), 0.7), ("Theory".into(), 0.3)],
    };
    let res = append_markets(res, &[mix]).unwrap();
    let ml = res.market_index("ml").unwrap();
    // Direct: one topic whose teleport is 0.7·uniform(NN) + 0.3·uniform(Theory).
    let nn = data.tags.topic_index("Neural_Networks").unwrap();
    let th = data.tags.topic_index("Theory").unwrap();
    let (cnn, cth) = (
        data.tags.tagged_users(nn) as f32,
        data.tags.tagged_users(th) as f32,
    );
    let mut tb = TopicsBuilder::new();
    for u in 0..n as u32 {
        let w = data.tags.weight(u, nn) * 0.7 / cnn + data.tags.weight(u, th) * 0.3 / cth;
        if w > 0.0 {
            tb.add_tag(u, "direct", w);
        }
    }
    let direct_tags = tb.build(n);
    let direct = rank(
        &data.graph,
        &TopicTeleport::from_tags(&direct_tags, n),
        &tight(),
    );
    let d = direct.market_index("direct").unwrap();
    let l1: f64 = (0..n)
        .map(|u| (res.score(u, ml) - direct.score(u, d)).abs())
        .sum();
    println!("market mix vs direct: L1 = {l1:.3e}");
    assert!(l1 <= 1e-6, "L1 {l1}");
}

fn sample_snapshot(dir: &std::path::Path, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join("s.snap");
    let markets = write(dir, "markets.tsv", "style\tfashion\t2\nstyle\tfitness\t1\n");
    cmd()
        .args([
            "rank",
            "--quiet",
            "--precision",
            "f64",
            "--tol",
            "1e-12",
            "--max-iter",
            "1000",
        ])
        .arg("--edges")
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .arg("--markets")
        .arg(markets)
        .arg("--out")
        .arg(&out)
        .args(extra)
        .assert()
        .success();
    out
}

#[test]
fn explain_contributions_and_teleport_sum_to_the_score() {
    let dir = tempfile::tempdir().unwrap();
    for walk in [&["--walk", "topic-biased"][..], &["--walk", "plain"][..]] {
        let snap = Snapshot::open(sample_snapshot(dir.path(), walk)).unwrap();
        assert_eq!(
            snap.metadata().markets.last().unwrap().kind,
            marketrank::snapshot::MarketKind::Market
        );
        for user in [
            "mila_atelier",
            "elon_techstar",
            "coach_dario",
            "cheap_followers_buyer",
            "cooking_zara",
        ] {
            let u = snap.user_index(user).unwrap();
            for m in 0..snap.markets().len() {
                let e = explain(&snap, u, m).unwrap();
                let total = e.from_followers() + e.teleport;
                assert!(
                    (total - e.score).abs() <= 1e-9,
                    "{walk:?} {user} {}: {total} vs {}",
                    snap.markets()[m],
                    e.score
                );
                assert_eq!(e.contributions.len() as u64, snap.followers(u));
            }
        }
    }
}

// Issue 23: the report explains each market's top users in one pass over
// the follows; each explanation must be the one `explain` gives alone, bit
// for bit, in every market (composed included) and under both walks, with
// users who share followers (the tastemakers follow each other).
#[test]
fn explain_many_equals_one_explain_per_user() {
    let dir = tempfile::tempdir().unwrap();
    for walk in [&["--walk", "topic-biased"][..], &["--walk", "plain"][..]] {
        let snap = Snapshot::open(sample_snapshot(dir.path(), walk)).unwrap();
        let users: Vec<u32> = [
            "mila_atelier",
            "stylist_kemal",
            "runway_rosa",
            "elon_techstar",
            "cooking_zara",
        ]
        .iter()
        .map(|u| snap.user_index(u).unwrap())
        .collect();
        for m in 0..snap.markets().len() {
            let many = explain_many(&snap, &users, m).unwrap();
            assert_eq!(many.len(), users.len());
            for (&u, e) in users.iter().zip(&many) {
                assert_eq!(
                    e,
                    &explain(&snap, u, m).unwrap(),
                    "{walk:?} user {u} market {m}"
                );
            }
        }
    }
}

#[test]
fn cli_shows_relative_and_absolute_influence() {
    let dir = tempfile::tempdir().unwrap();
    let snap = sample_snapshot(dir.path(), &[]);
    cmd()
        .arg("top")
        .arg(&snap)
        .args(["--market", "style", "-k", "3"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("influence")
                .and(predicate::str::contains("global rank"))
                .and(predicate::str::contains("lift")),
        );
    cmd()
        .arg("show")
        .arg(&snap)
        .args(["--user", "mila_atelier"])
        .assert()
        .success()
        .stdout(predicate::str::contains("9 followers, global rank"))
        .stdout(predicate::str::is_match(r"(?m)^fashion\s+\S+\s+1\s").unwrap());
    cmd()
        .arg("explain")
        .arg(&snap)
        .args(["--user", "mila_atelier", "--market", "fashion", "-n", "3"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("from teleport")
                .and(predicate::str::contains("stylist_kemal")),
        );
    let csv = dir.path().join("cmp.csv");
    cmd()
        .arg("compare")
        .arg(&snap)
        .args(["--markets", "fashion,tech", "-k", "20", "--csv"])
        .arg(&csv)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Jaccard")
                .and(predicate::str::contains("Spearman"))
                .and(predicate::str::contains("specialists of fashion")),
        );
    assert!(std::fs::read_to_string(&csv).unwrap().starts_with(
        "market_a,market_b,k,jaccard_top_k,spearman,kendall_tau_top_k\nfashion,tech,20,0,"
    ));
    // Celebrity: high absolute influence, low in fashion (lift well below 1).
    let s = Snapshot::open(&snap).unwrap();
    let elon = s.user_index("elon_techstar").unwrap();
    let v = marketrank::standing::user_view(&s, elon, s.market_index("fashion").unwrap());
    assert_eq!(v.global_rank, 1);
    assert!(v.lift < 0.5 && v.rank > 10, "{v:?}");
    cmd().arg("demo").assert().success().stdout(
        predicate::str::contains("lift").and(predicate::str::contains("marketrank explain")),
    );
}

#[test]
fn plain_walk_from_the_cli_still_matches_networkx_on_cora() {
    let dir = tempfile::tempdir().unwrap();
    let d = real_data("cora");
    let out = dir.path().join("cora.snap");
    cmd()
        .args(["rank", "--quiet", "--walk", "plain"])
        .arg("--edges")
        .arg(d.join("edges.tsv"))
        .arg("--topics")
        .arg(d.join("topics.tsv"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let snap = Snapshot::open(&out).unwrap();
    assert_eq!(
        snap.metadata().parameters.teleport,
        marketrank::TeleportMode::Tagged
    );
    let text = std::fs::read_to_string(d.join("expected_tspr.tsv")).unwrap();
    let mut l1 = std::collections::HashMap::<String, f64>::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        let u = snap.user_index(f[0]).unwrap();
        let m = snap.market_index(f[1]).unwrap();
        *l1.entry(f[1].to_string()).or_default() +=
            (snap.score(u, m) - f[2].parse::<f64>().unwrap()).abs();
    }
    assert_eq!(l1.len(), 7);
    assert!(l1.values().all(|&x| x <= 1e-5), "{l1:?}");
}
