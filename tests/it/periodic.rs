//! Periodic recomputes: warm start from the previous snapshot, and what a
//! scheduler reads (`info --json`).

use crate::common::{cmd, rank_sample, repo};
use marketrank::synth::{generate, PlantedConfig};
use marketrank::Snapshot;
use std::io::Write;
use std::path::Path;

fn write_graph(
    dir: &Path,
    name: &str,
    edges: &[(u32, u32)],
    tags: &[(u32, String)],
) -> (std::path::PathBuf, std::path::PathBuf) {
    let e = dir.join(format!("{name}.edges.tsv"));
    let t = dir.join(format!("{name}.topics.tsv"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&e).unwrap());
    for (a, b) in edges {
        writeln!(f, "{a}\t{b}").unwrap();
    }
    let mut g = std::io::BufWriter::new(std::fs::File::create(&t).unwrap());
    for (u, topic) in tags {
        writeln!(g, "{u}\t{topic}").unwrap();
    }
    (e, t)
}

fn rank(e: &Path, t: &Path, out: &Path, extra: &[&str]) -> Snapshot {
    cmd()
        .args(["rank", "--quiet"])
        .arg("--edges")
        .arg(e)
        .arg("--topics")
        .arg(t)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
    Snapshot::open(out).unwrap()
}

#[test]
fn warm_start_converges_in_fewer_iterations_to_the_same_scores() {
    let dir = tempfile::tempdir().unwrap();
    let p = generate(&PlantedConfig::for_users(20_000));
    let tags: Vec<(u32, String)> = p
        .tags
        .iter()
        .map(|&(u, t)| (u, p.topic_names[t as usize].clone()))
        .collect();
    let (e0, t0) = write_graph(dir.path(), "day0", &p.edges, &tags);
    let day0 = dir.path().join("day0.snap");
    rank(&e0, &t0, &day0, &[]);
    // Day 1: 1% of the follows replaced by others.
    let n = p.users as u64;
    let mut edges = p.edges.clone();
    let step = 100;
    let mut state = 12345u64;
    for i in (0..edges.len()).step_by(step) {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = ((state >> 33) % n) as u32;
        let b = ((state >> 13) % n) as u32;
        edges[i] = (a, b);
    }
    let (e1, t1) = write_graph(dir.path(), "day1", &edges, &tags);
    let cold = rank(&e1, &t1, &dir.path().join("cold.snap"), &[]);
    let warm_path = dir.path().join("warm.snap");
    let warm = rank(
        &e1,
        &t1,
        &warm_path,
        &["--previous", day0.to_str().unwrap()],
    );
    let iters = |s: &Snapshot| {
        s.metadata()
            .markets
            .iter()
            .map(|m| m.iterations)
            .collect::<Vec<_>>()
    };
    let (ci, wi) = (iters(&cold), iters(&warm));
    println!("iterations per market: cold {ci:?}, warm {wi:?}");
    assert!(
        wi.iter().sum::<u32>() < ci.iter().sum::<u32>(),
        "warm {wi:?} vs cold {ci:?}"
    );
    assert!(wi.iter().zip(&ci).all(|(w, c)| w <= c));
    for m in 0..cold.markets().len() {
        let l1: f64 = (0..cold.users() as u32)
            .map(|u| (cold.score(u, m) - warm.score(u, m)).abs())
            .sum();
        assert!(l1 <= 3e-5, "market {}: L1 {l1}", cold.markets()[m]);
    }
    assert_eq!(
        warm.metadata().parent.as_deref(),
        Some(day0.to_str().unwrap())
    );
}

#[test]
fn info_json_has_what_schedulers_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.snap");
    rank_sample(&out);
    let o = cmd()
        .arg("info")
        .arg(&out)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&o).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["users"], 523);
    assert_eq!(
        v["markets"],
        serde_json::json!(["_global", "cooking", "fashion", "fitness", "tech"])
    );
    assert_eq!(v["parameters"]["walk"], "topic_biased");
    assert!(v["created"].as_str().unwrap().ends_with('Z'));
    assert!(v["parent"].is_null());
    assert!(v["iterations"]["fashion"].as_u64().unwrap() > 0);
    cmd()
        .arg("info")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("523 users"));
}

#[test]
fn out_dir_publishes_latest_keeps_n_and_strict_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    for _ in 0..4 {
        cmd()
            .args(["rank", "--quiet", "--keep", "2", "--out-dir"])
            .arg(&runs)
            .arg("--edges")
            .arg(repo("data/edges.tsv"))
            .arg("--topics")
            .arg(repo("data/topics.tsv"))
            .assert()
            .success();
    }
    let mut names: Vec<String> = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        3,
        "two timestamped snapshots and latest.snap: {names:?}"
    );
    assert!(names.contains(&"latest.snap".to_string()));
    let latest = Snapshot::open(runs.join("latest.snap")).unwrap();
    assert_eq!(latest.users(), 523);
    let target = std::fs::read_link(runs.join("latest.snap")).unwrap();
    assert_eq!(
        target.to_str().unwrap(),
        names[1],
        "latest points at the newest"
    );
    // --strict with too few iterations: exit 3, latest not moved.
    cmd()
        .args([
            "rank",
            "--quiet",
            "--strict",
            "--max-iter",
            "2",
            "--out-dir",
        ])
        .arg(&runs)
        .arg("--edges")
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .assert()
        .code(3)
        .stderr(predicates::str::contains("did not converge"));
    assert_eq!(
        std::fs::read_link(runs.join("latest.snap")).unwrap(),
        target
    );
}

#[test]
fn diff_lists_fallers_newcomers_and_departures() {
    let dir = tempfile::tempdir().unwrap();
    let edges = std::fs::read_to_string(repo("data/edges.tsv")).unwrap();
    let topics = repo("data/topics.tsv");
    // Day 2: mila_atelier loses her followers, a newcomer appears and is
    // followed by the fashion tastemakers, fashion_carmen leaves (the
    // buyer of fake followers is no longer in fashion's top 100 to leave
    // it: his farm's bots vouch for nobody).
    let mut day2: String = edges
        .lines()
        .filter(|l| !l.ends_with("\tmila_atelier") && !l.contains("fashion_carmen"))
        .map(|l| format!("{l}\n"))
        .collect();
    for t in ["vogue_vera", "runway_rosa", "stylist_kemal", "fabric_ines"] {
        day2.push_str(&format!("{t}\tnew_designer\n"));
    }
    let e2 = dir.path().join("day2.tsv");
    std::fs::write(&e2, day2).unwrap();
    let t2 = dir.path().join("topics2.tsv");
    let topics2: String = std::fs::read_to_string(&topics)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("fashion_carmen"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&t2, topics2 + "new_designer\tfashion\n").unwrap();
    let (a, b) = (dir.path().join("a.snap"), dir.path().join("b.snap"));
    rank(&repo("data/edges.tsv"), &topics, &a, &[]);
    rank(&e2, &t2, &b, &[]);
    let csv = dir.path().join("diff.csv");
    cmd()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .args([
            "--market", "fashion", "-k", "100", "--limit", "1000", "--csv",
        ])
        .arg(&csv)
        .assert()
        .success()
        .stdout(predicates::str::contains("fashion fallers"));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("kind,user,old_rank,new_rank,rank_change,old_score,new_score\n"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("faller,mila_atelier,1,")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("newcomer,new_designer,,")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("departure,fashion_carmen,")),
        "{text}"
    );
    cmd()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .args(["--market", "gardening"])
        .assert()
        .code(1);
}

/// Issue 20: the README's cron recipe on its first night (no
/// `latest.snap` yet) runs cold with a warning and exits 0; the second
/// night warm-starts, and its `parent` is the file `latest.snap` pointed
/// to, with that snapshot's id, not the symlink's path.
#[test]
fn the_cron_recipe_runs_cold_on_its_first_night_and_records_the_resolved_parent() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let latest = runs.join("latest.snap");
    let night = || {
        let out = cmd()
            .args(["rank", "--out-dir"])
            .arg(&runs)
            .args(["--keep", "7", "--strict", "--edges"])
            .arg(repo("data/edges.tsv"))
            .arg("--topics")
            .arg(repo("data/topics.tsv"))
            .arg("--previous-if-exists")
            .arg(&latest)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    };
    let first = night();
    assert!(first.contains("no previous snapshot at"), "{first}");
    assert!(first.contains("starting cold"), "{first}");
    let one = Snapshot::open(&latest).unwrap();
    assert_eq!(one.metadata().parent, None);
    let first_file = runs.join(std::fs::read_link(&latest).unwrap());
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = night();
    assert!(second.contains("warm start from"), "{second}");
    let two = Snapshot::open(&latest).unwrap();
    let parent = two.metadata().parent.clone().unwrap();
    assert_eq!(
        Path::new(&parent),
        std::fs::canonicalize(&first_file).unwrap(),
        "parent is the file latest.snap pointed to"
    );
    assert_eq!(
        two.metadata().parent_snapshot_id.as_deref(),
        Some(one.content_id().as_str())
    );
    // The plain --previous stays strict: a missing file is an error.
    cmd()
        .args(["rank", "--quiet", "--edges"])
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .arg("--previous")
        .arg(dir.path().join("typo.snap"))
        .arg("--out")
        .arg(dir.path().join("x.snap"))
        .assert()
        .code(2);
}

/// Issue 20: `--log-format json` writes every stderr line as one JSON
/// object (timestamp, level, phase, message, figures), the final error
/// included; plain lines carry a UTC timestamp when stderr is not a
/// terminal (here: a pipe).
#[test]
fn log_lines_are_json_objects_or_timestamped_text() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &str| {
        cmd()
            .args(["rank", "--edges"])
            .arg(repo("data/edges.tsv"))
            .arg("--topics")
            .arg(repo("data/topics.tsv"))
            .args(extra)
            .arg("--out")
            .arg(dir.path().join(out))
            .output()
            .unwrap()
    };
    let out = run(&["--log-format", "json"], "j.snap");
    assert!(out.status.success());
    let text = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 4, "{text}");
    for l in &lines {
        let ts = l["timestamp"].as_str().unwrap();
        assert!(
            ts.len() == 24 && ts.ends_with('Z') && &ts[10..11] == "T",
            "{ts}"
        );
        assert!(
            ["info", "warning"].contains(&l["level"].as_str().unwrap()),
            "{l}"
        );
        assert!(l["message"].is_string() && l["figures"].is_object(), "{l}");
    }
    let loaded = lines
        .iter()
        .find(|l| l["message"].as_str().unwrap().starts_with("loaded "))
        .unwrap();
    assert_eq!(loaded["phase"], "read");
    assert_eq!(loaded["figures"]["users"], 523.0);
    assert_eq!(loaded["figures"]["follows"], 2579.0);
    let phases: Vec<&str> = lines.iter().filter_map(|l| l["phase"].as_str()).collect();
    for p in ["read", "rank", "write"] {
        assert!(phases.contains(&p), "{phases:?}");
    }
    let iteration = lines
        .iter()
        .find(|l| l["figures"].get("iteration").is_some())
        .unwrap();
    assert_eq!(iteration["phase"], "rank");
    // The error a run ends with is an object too.
    let bad = run(&["--log-format", "json", "--damping", "2"], "bad.snap");
    assert_eq!(bad.status.code(), Some(2));
    let last = String::from_utf8(bad.stderr).unwrap();
    let err: serde_json::Value = serde_json::from_str(last.lines().last().unwrap()).unwrap();
    assert_eq!(err["level"], "error");
    assert!(
        err["message"].as_str().unwrap().contains("damping"),
        "{err}"
    );
    // Plain, not a terminal: every line starts with its UTC time.
    let plain = run(&[], "p.snap");
    let text = String::from_utf8(plain.stderr).unwrap();
    for l in text.lines() {
        let (ts, _) = l.split_once(' ').unwrap();
        assert!(
            ts.len() == 24 && ts.starts_with("20") && ts.ends_with('Z'),
            "{l}"
        );
    }
}
