//! Helpers shared by the integration tests.

#![allow(dead_code)]

use marketrank::{rank, GraphBuilder, RankConfig, RankResult, TopicTeleport, TopicsBuilder};
use std::path::{Path, PathBuf};

/// A real labelled graph shipped in `tests/data/real/<name>` (Cora,
/// CiteSeer, polblogs, Ciao; provenance in that folder's README).
pub fn real_data(name: &str) -> PathBuf {
    let p = repo("tests/data/real").join(name);
    assert!(p.is_dir(), "{} is missing from the checkout", p.display());
    p
}

/// A tool beyond Rust that some tests need. Absent, such a test prints
/// `SKIPPED: ...` and passes, unless `MARKETRANK_REQUIRE` (a comma-separated
/// list such as `python,browser,netns,schemathesis,postgres`, set by `.ci/run`) names it: then
/// its absence fails the test, so CI cannot pass by skipping.
#[derive(Clone, Copy, Debug)]
pub enum Tool {
    /// Python 3 with numpy, polars and duckdb.
    Python,
    /// Headless Chromium.
    Browser,
    /// `ip netns` with the right to create namespaces (root, iproute2).
    Netns,
    /// Python 3 with openapi-spec-validator and schemathesis (issue 19).
    Schemathesis,
    /// PostgreSQL's server binaries, for a throwaway cluster (issue 23).
    Postgres,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Tool::Python => "python",
            Tool::Browser => "browser",
            Tool::Netns => "netns",
            Tool::Schemathesis => "schemathesis",
            Tool::Postgres => "postgres",
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            Tool::Python => "pip install numpy polars duckdb",
            Tool::Browser => "apt-get install chromium",
            Tool::Netns => "run as root with iproute2: apt-get install iproute2",
            Tool::Schemathesis => "pip install openapi-spec-validator==0.9.0 schemathesis==4.32.5",
            Tool::Postgres => "apt-get install postgresql",
        }
    }

    /// Whether `MARKETRANK_REQUIRE` names this tool.
    pub fn required(self) -> bool {
        std::env::var("MARKETRANK_REQUIRE")
            .map(|v| v.split(',').any(|t| t.trim() == self.name()))
            .unwrap_or(false)
    }

    /// `Ok(())` when the tool is there: runs the test. `Err(why)`: prints
    /// `SKIPPED: <test>: <why> (<how to install>)` and returns false, or
    /// panics when the tool is required.
    pub fn available(self, test: &str, found: Result<(), String>) -> bool {
        match found {
            Ok(()) => true,
            Err(why) => {
                assert!(
                    !self.required(),
                    "{test}: {why}, and MARKETRANK_REQUIRE names '{}' ({})",
                    self.name(),
                    self.install_hint()
                );
                // Straight to the process's stderr: the test harness captures
                // `eprintln!`, and a skip must show in the run's output.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: {test}: {why} ({})",
                    self.install_hint()
                );
                false
            }
        }
    }
}

/// `Ok(())` when `python3 -c "import <modules>"` works, else why not
/// (for [`Tool::available`]).
pub fn python_with(modules: &str) -> Result<(), String> {
    let out = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .map_err(|e| format!("python3 cannot be started: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("import failed");
        Err(format!("python3 lacks {modules}: {last}"))
    }
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
        method: marketrank::Method::Power,
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

/// `marketrank rank --quiet --edges E --topics T --out O`, to add flags to.
pub fn rank_files(edges: &Path, topics: &Path, out: &Path) -> assert_cmd::Command {
    let mut c = cmd();
    c.args(["rank", "--quiet", "--edges"])
        .arg(edges)
        .arg("--topics")
        .arg(topics)
        .arg("--out")
        .arg(out);
    c
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

/// Asserts that two snapshots rank alike bit for bit: the same user ids in
/// the same order, follower counts, every score's bits, every market's
/// order, and (when both keep the model) every user's followers.
pub fn assert_same_ranking(a: &marketrank::Snapshot, b: &marketrank::Snapshot, what: &str) {
    assert_eq!(a.users(), b.users(), "{what}: user count");
    assert_eq!(a.markets(), b.markets(), "{what}: markets");
    for u in 0..a.users() as u32 {
        assert_eq!(a.user_id(u), b.user_id(u), "{what}: id of user {u}");
        assert_eq!(
            a.followers(u),
            b.followers(u),
            "{what}: followers of {}",
            a.user_id(u)
        );
        for m in 0..a.markets().len() {
            assert_eq!(
                a.score(u, m).to_bits(),
                b.score(u, m).to_bits(),
                "{what}: score of {} in {}",
                a.user_id(u),
                a.markets()[m]
            );
        }
        if a.has_model() && b.has_model() {
            assert_eq!(
                a.followers_of(u),
                b.followers_of(u),
                "{what}: followers of {u}"
            );
        }
    }
    for m in 0..a.markets().len() {
        assert_eq!(
            a.order(m),
            b.order(m),
            "{what}: order of {}",
            a.markets()[m]
        );
    }
}

/// `marketrank enrich` of the bundled `data/customers.csv` (ids in
/// `twitter_handle`, markets in `segment`) against `snap` with `policy`,
/// into `out`, to add flags to.
pub fn enrich_sample(snap: &Path, policy: &Path, out: &Path) -> assert_cmd::Command {
    let mut c = cmd();
    c.arg("enrich")
        .arg("--customers")
        .arg(repo("data/customers.csv"))
        .args([
            "--id-column",
            "twitter_handle",
            "--market-column",
            "segment",
        ])
        .arg("--snapshot")
        .arg(snap)
        .arg("--policy")
        .arg(policy)
        .arg("--out")
        .arg(out);
    c
}

/// A planted graph of `users` users written as `dir/e.tsv` (follows) and
/// `dir/t.tsv` (tags): big enough for a run that takes a while.
pub fn planted_files(dir: &Path, users: usize) -> (PathBuf, PathBuf) {
    use std::io::Write;
    let p = marketrank::synth::generate(&marketrank::synth::PlantedConfig::for_users(users));
    let (e, t) = (dir.join("e.tsv"), dir.join("t.tsv"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&e).unwrap());
    for (a, b) in &p.edges {
        writeln!(f, "{a}\t{b}").unwrap();
    }
    drop(f);
    let mut g = std::io::BufWriter::new(std::fs::File::create(&t).unwrap());
    for &(u, topic) in &p.tags {
        writeln!(g, "{u}\t{}", p.topic_names[topic as usize]).unwrap();
    }
    drop(g);
    (e, t)
}
