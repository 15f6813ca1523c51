//! Helpers shared by the integration tests.

#![allow(dead_code)]

use marketrank::{rank, GraphBuilder, RankConfig, RankResult, TopicTeleport, TopicsBuilder};
use std::path::{Path, PathBuf};

/// The shared data directory beside the checkout (CI has it too), or
/// `MARKETRANK_SHARED`.
pub fn shared_dir() -> PathBuf {
    let p = std::env::var_os("MARKETRANK_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(p.join("data").is_dir(), "{} not found: the reference tests need ../shared beside the checkout (or set MARKETRANK_SHARED)", p.display());
    p
}

/// Path to a file of the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A tight config: f64 storage, tolerance far below what tests compare.
pub fn tight() -> RankConfig {
    RankConfig {
        tolerance: 1e-13,
        max_iterations: 10_000,
        precision: marketrank::Precision::F64,
        ..RankConfig::plain()
    }
}

/// Ranks a small graph given as index pairs and `(user, topic)` tags.
pub fn rank_small(
    users: usize,
    follows: &[(u32, u32, f32)],
    tags: &[(u32, &str)],
    cfg: &RankConfig,
) -> RankResult {
    let mut g = GraphBuilder::new();
    for &(a, b, w) in follows {
        g.add_follow(a, b, w);
    }
    let (graph, _) = g.build(users);
    let mut t = TopicsBuilder::new();
    for &(u, name) in tags {
        t.add_tag(u, name, 1.0);
    }
    let tags = t.build(users);
    rank(&graph, &TopicTeleport::from_tags(&tags, users), cfg)
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

/// The `marketrank` binary as an `assert_cmd` command.
pub fn cmd() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("marketrank").unwrap()
}

/// Dense reference: solves the PageRank equation by plain power iteration
/// on a dense matrix (independent of the CSR kernel), for small graphs.
pub fn dense_pagerank(
    n: usize,
    follows: &[(u32, u32, f32)],
    teleport: &[f64],
    alpha: f64,
) -> Vec<f64> {
    let mut w = vec![vec![0f64; n]; n];
    for &(a, b, wt) in follows {
        if a != b {
            w[a as usize][b as usize] = w[a as usize][b as usize].max(wt as f64);
        }
    }
    let out: Vec<f64> = w.iter().map(|r| r.iter().sum()).collect();
    let mut x = vec![1.0 / n as f64; n];
    for _ in 0..100_000 {
        let dangling: f64 = (0..n).filter(|&u| out[u] == 0.0).map(|u| x[u]).sum();
        let mut y: Vec<f64> = teleport
            .iter()
            .map(|p| p * (1.0 - alpha + alpha * dangling))
            .collect();
        for u in 0..n {
            if out[u] > 0.0 {
                for v in 0..n {
                    y[v] += alpha * x[u] * w[u][v] / out[u];
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

/// Runs `marketrank rank --quiet` on the bundled sample, writing `out`.
pub fn rank_sample(out: &Path) {
    rank_sample_with(out, &[]);
}

/// [`rank_sample`] with extra `rank` flags.
pub fn rank_sample_with(out: &Path, extra: &[&str]) {
    cmd()
        .args(["rank", "--quiet"])
        .arg("--edges")
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
}
