//! Issue 16: trust anchored in account history (`--accounts`): the attacks
//! that beat graph-only rules stay out of the top 1%, honest look-alikes
//! stay in, and the accounts file follows the input rules.

use crate::common::{cmd, repo, write};
use marketrank::graph::{AccountHistory, AccountStatus};
use marketrank::quality::{rank_attacked, Defence};
use marketrank::rank::{account_trust, walk_graph, TrustConfig};
use marketrank::synth::{generate, plant_attacks, AttackConfig, PlantedConfig};
use marketrank::{GraphBuilder, Snapshot};
use predicates::prelude::*;
use std::path::Path;

fn attacked(users: usize, seed: u64) -> marketrank::synth::Attacked {
    let mut cfg = PlantedConfig::for_users(users);
    cfg.seed = seed;
    plant_attacks(&generate(&cfg), &AttackConfig::for_users(users, seed))
}

fn with_accounts_at_100k(seed: u64) {
    let a = attacked(100_000, seed);
    let (_, planted, attacks) = rank_attacked(&a, Defence::WithAccounts);
    println!("seed {seed}: {attacks:?}");
    assert!(
        attacks.targets_outside_top1(),
        "an attack target in the top 1%: {:?} (top 1% = rank {})",
        attacks.targets,
        attacks.top1
    );
    assert!(
        attacks.honest_in_top5(),
        "an honest look-alike outside the top 5%: {:?} (top 5% = rank {})",
        attacks.honest,
        attacks.top5
    );
    let all: Vec<u32> = planted
        .expert_ranks
        .iter()
        .flat_map(|e| e.1.iter().copied())
        .collect();
    let share = all.iter().filter(|&&r| r <= planted.top1).count() as f64 / all.len() as f64;
    assert!(share >= 0.9, "experts in their top 1%: {share}");
    assert!(
        planted.celebrities_below_foreign_experts,
        "{:?}",
        planted.celebrities
    );
    assert!(planted.celebrities_top10_home, "{:?}", planted.celebrities);
    // Issue 4's farms (simple, self-tagged, ring) too.
    assert!(
        planted.farms.iter().all(|f| f.2 > planted.top1),
        "{:?}",
        planted.farms
    );
}

#[test]
fn with_accounts_every_attack_target_is_outside_the_top_1_percent_100k_seed_1() {
    with_accounts_at_100k(1);
}

#[test]
fn with_accounts_every_attack_target_is_outside_the_top_1_percent_100k_seed_2() {
    with_accounts_at_100k(2);
}

#[test]
fn with_accounts_every_attack_target_is_outside_the_top_1_percent_100k_seed_3() {
    with_accounts_at_100k(3);
}

/// Without an anchor, the one fix that needs none: untagged fakes nobody
/// follows cannot vouch, so the two-layer farm's target earns nothing.
#[test]
fn graph_only_two_layer_farm_target_is_outside_the_top_1_percent() {
    let a = attacked(20_000, 1);
    let (_, planted, attacks) = rank_attacked(&a, Defence::GraphOnly);
    let t = attacks
        .targets
        .iter()
        .find(|t| t.0 == "two_layer_farm")
        .unwrap();
    assert!(t.2 > attacks.top1, "{t:?}");
    assert!(planted.experts_in_top1 && planted.farm_targets_outside_top1);
}

/// Property 2: an aged ring (fakes old enough to be established) with
/// vetted seeds earns restart weight by the trust sent in, not by its size.
#[test]
fn a_group_earns_restart_weight_by_the_trust_sent_in_not_by_its_size() {
    let earned_of = |ring: usize| {
        let mut cfg = PlantedConfig::for_users(20_000);
        cfg.seed = 4;
        let mut ac = AttackConfig::for_users(20_000, 4);
        ac.ring = ring;
        let mut a = plant_attacks(&generate(&cfg), &ac);
        let r = a.attacks[0].clone();
        for u in r.fakes.0..r.fakes.1 {
            a.history.created_day[u as usize] -= 730;
        }
        let p = &a.planted;
        let (graph, _) = marketrank::quality::graph_and_tags(p);
        let organic = p.truth.organic_users;
        let vetted: Vec<bool> = (0..p.users).map(|u| u < organic && u % 100 == 7).collect();
        let trust = account_trust(
            &graph,
            &a.history,
            Some(&vetted),
            &TrustConfig::at(ac.as_of_day),
        );
        (r.fakes.0..r.fakes.1)
            .map(|u| trust.earned[u as usize] as f64)
            .sum::<f64>()
    };
    let (small, large) = (earned_of(200), earned_of(2000));
    println!(
        "earned restart weight (accounts' worth): ring of 200 {small:.3}, ring of 2000 {large:.3}"
    );
    assert!(small < 2.0 && large < 2.0, "{small} {large}");
    assert!(
        large <= 2.0 * small + 0.5,
        "ten times the accounts earned {large} vs {small}"
    );
}

/// Standing: probation and suspended accounts earn nothing and their
/// follows leave the walk; restricted counts half; unknown accounts are no
/// seeds but pass endorsement.
#[test]
fn standing_rules_on_a_hand_built_graph() {
    // 0..4 established and following each other; 4 new, 5 suspended,
    // 6 restricted, 7 unknown; everybody follows 0 and is followed by 1.
    let mut g = GraphBuilder::new();
    for a in 0..4u32 {
        for b in 0..4u32 {
            if a != b {
                g.add_follow(a, b, 1.0);
            }
        }
    }
    for u in 4..8u32 {
        g.add_follow(u, 0, 1.0);
        g.add_follow(1, u, 1.0);
    }
    let (graph, _) = g.build(8);
    let as_of = 20_000;
    let mut h = AccountHistory::unknown(8);
    for u in 0..7 {
        h.created_day[u] = as_of - 1000;
    }
    h.created_day[4] = as_of - 5;
    h.status[5] = AccountStatus::Suspended;
    h.status[6] = AccountStatus::Restricted;
    let t = account_trust(&graph, &h, None, &TrustConfig::at(as_of));
    assert_eq!(t.earned[4], 0.0, "probation earns nothing");
    assert_eq!(t.earned[5], 0.0, "suspended earns nothing");
    assert!(
        t.earned[6] > 0.0 && t.earned[6] <= 0.5,
        "restricted at most half: {}",
        t.earned[6]
    );
    assert!(t.earned[7] > 0.0, "unknown earns by received trust");
    assert_eq!(
        t.in_walk,
        vec![true, true, true, true, false, false, true, true]
    );
    assert_eq!(
        (
            t.counts.probation,
            t.counts.suspended,
            t.counts.restricted,
            t.counts.unknown
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(t.counts.seeds, 5, "established 0..4 and restricted 6");
    let walk = walk_graph(&graph, &t.in_walk);
    assert_eq!(
        walk.edges(),
        graph.edges() - 2,
        "the follows of 4 and 5 left the walk"
    );
    assert_eq!(walk.out_weight(4), 0.0);
}

fn rank_sample_with_accounts(
    dir: &Path,
    accounts: &Path,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    cmd()
        .args(["rank", "--edges"])
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .arg("--accounts")
        .arg(accounts)
        .args(["--as-of", "2026-12-01", "--out"])
        .arg(dir.join("s.snap"))
        .args(extra)
        .assert()
}

#[test]
fn sample_with_accounts_records_the_inputs_and_explains_trust() {
    let dir = tempfile::tempdir().unwrap();
    rank_sample_with_accounts(dir.path(), &repo("data/accounts.tsv"), &[])
        .success()
        .stderr(predicate::str::contains("65 in probation"));
    let snap = dir.path().join("s.snap");
    let s = Snapshot::open(&snap).unwrap();
    let t = s.metadata().trust.as_ref().expect("trust recorded");
    assert_eq!(
        (t.as_of.as_str(), t.probation_days, t.counts.suspended),
        ("2026-12-01", 30, 1)
    );
    let fashion = s.market_index("fashion").unwrap();
    assert!(s.metadata().markets[fashion].young_restart_share == Some(0.0));
    // The buyer of 64 fake followers (all new) earns nothing of them.
    let buyer = s.user_index("cheap_followers_buyer").unwrap();
    assert!(s
        .teleport_of(buyer)
        .iter()
        .all(|e| e.column as usize != fashion));
    cmd().args(["info"]).arg(&snap).assert().success().stdout(
        predicate::str::contains("65 in probation, 1 suspended, 1 restricted, 6 verified")
            .and(predicate::str::contains("restart on < 90 days")),
    );
    cmd()
        .args(["explain"])
        .arg(&snap)
        .args(["--user", "mila_atelier", "--market", "fashion"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("own restart weight in the market")
                .and(predicate::str::contains("top sources: ")),
        );
    cmd()
        .args(["info", "--json"])
        .arg(&snap)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"probation_days\": 30"));
}

/// Each bad line of an accounts file: `file:line: reason`, exit 2; with
/// `--skip-bad-lines` counted and written to the accounts rejects file.
#[test]
fn every_bad_accounts_line_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("baker_lola\n", "missing created column"),
        (
            "baker_lola\t2020-01-01\tactive\textra\n",
            "too many columns",
        ),
        ("\t2020-01-01\n", "empty user id"),
        ("baker_lola\tyesterday\n", "is not an ISO-8601 date"),
        ("baker_lola\t2023-02-29\n", "no such day"),
        ("baker_lola\t2020-01-01T25:00:00Z\n", "no such time of day"),
        (
            "baker_lola\t2020-01-01\tbanned\n",
            "status `banned` is not one of",
        ),
        (
            "baker_lola\t2020-01-01\nbaker_lola\t2021-01-01\n",
            "listed again",
        ),
    ];
    for (i, (text, reason)) in cases.iter().enumerate() {
        let p = write(
            dir.path(),
            &format!("acc{i}.tsv"),
            &format!("# comment\nchef_marco\t2019-05-01\n{text}"),
        );
        let line = if reason.contains("listed again") {
            4
        } else {
            3
        };
        rank_sample_with_accounts(dir.path(), &p, &[])
            .code(2)
            .stderr(
                predicate::str::contains(format!("acc{i}.tsv:{line}: "))
                    .and(predicate::str::contains(*reason)),
            );
    }
    let p = dir.path().join("latin1.tsv");
    std::fs::write(
        &p,
        b"chef_marco\t2019-05-01\nbaker_lola\t2020-01-01\tactiv\xe9\n",
    )
    .unwrap();
    rank_sample_with_accounts(dir.path(), &p, &[])
        .code(2)
        .stderr(predicate::str::contains("latin1.tsv:2: not valid UTF-8"));
    // Skipped: counted, reported, rejected; the good line still counts.
    let p = write(
        dir.path(),
        "skip.tsv",
        "user\tcreated\nchef_marco\t2019-05-01\nbaker_lola\tyesterday\n",
    );
    rank_sample_with_accounts(dir.path(), &p, &["--skip-bad-lines"])
        .success()
        .stderr(
            predicate::str::contains("skipped 1 bad lines in")
                .and(predicate::str::contains("skip.tsv:3:")),
        );
    let rejects =
        std::fs::read_to_string(dir.path().join("s.snap.rejects.tsv.accounts.tsv")).unwrap();
    assert!(rejects.contains("yesterday"), "{rejects}");
    let s = Snapshot::open(dir.path().join("s.snap")).unwrap();
    assert_eq!(
        s.metadata().trust.as_ref().unwrap().accounts_skipped_lines,
        1
    );
    // Identical repeats merge; gzip and CSV follow the other inputs' rules.
    let p = write(
        dir.path(),
        "acc.csv",
        "user,created,status\nchef_marco,2019-05-01,verified\nchef_marco,2019-05-01,verified\n",
    );
    rank_sample_with_accounts(dir.path(), &p, &[]).success();
}

#[test]
fn an_accounts_file_that_covers_nobody_is_refused_with_the_counts() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "other.tsv",
        "# another graph's accounts\nsomeone\t2020-01-01\nnobody\t2021-01-01\n",
    );
    rank_sample_with_accounts(dir.path(), &p, &[])
        .code(2)
        .stderr(
            predicate::str::contains("covers nobody in the graph")
                .and(predicate::str::contains("2 accounts not in the graph"))
                .and(predicate::str::contains("0 of 523 users matched")),
        );
    assert!(!dir.path().join("s.snap").exists());
}

#[test]
fn accounts_flags_that_cannot_work_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let acc = repo("data/accounts.tsv");
    rank_sample_with_accounts(dir.path(), &acc, &["--teleport", "tagged"])
        .code(2)
        .stderr(predicate::str::contains(
            "cannot be combined with --teleport tagged",
        ));
    cmd()
        .args(["rank", "--edges"])
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .arg("--accounts")
        .arg(&acc)
        .args(["--as-of", "01/12/2026", "--out"])
        .arg(dir.path().join("x.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--as-of: `01/12/2026` is not an ISO-8601 date",
        ));
    rank_sample_with_accounts(dir.path(), &acc, &["--engine", "timely"])
        .code(2)
        .stderr(predicate::str::contains(
            "--accounts is not available with --engine timely",
        ));
    let nobody = write(dir.path(), "vetted.tsv", "someone_else\n");
    rank_sample_with_accounts(dir.path(), &acc, &["--trusted", nobody.to_str().unwrap()])
        .code(2)
        .stderr(predicate::str::contains("lists nobody in the graph"));
    let vetted = write(dir.path(), "vetted2.tsv", "user\nvogue_vera\nrunway_rosa\n");
    rank_sample_with_accounts(dir.path(), &acc, &["--trusted", vetted.to_str().unwrap()])
        .success()
        .stderr(predicate::str::contains("2 trust seeds (vetted)"));
}
