//! The command line: the five commands, input formats, and every kind of
//! malformed input giving `file:line: reason`, exit 2, and no panic.

use crate::common::{cmd, repo, write};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn rank_cmd(edges: &Path, topics: &Path, out: &Path) -> assert_cmd::Command {
    let mut c = cmd();
    c.arg("rank")
        .arg("--edges")
        .arg(edges)
        .arg("--topics")
        .arg(topics)
        .arg("--out")
        .arg(out);
    c
}

fn sample_snapshot(dir: &Path) -> PathBuf {
    let out = dir.join("scores.snap");
    rank_cmd(&repo("data/edges.tsv"), &repo("data/topics.tsv"), &out)
        .assert()
        .success();
    out
}

#[test]
fn demo_prints_the_contrast() {
    cmd()
        .arg("demo")
        .assert()
        .success()
        .stdout(predicate::str::contains("mila_atelier"))
        .stdout(predicate::str::contains(
            "elon_techstar has the most followers",
        ))
        .stdout(predicate::str::contains("fashion"));
}

/// The demo works in a private temporary directory (random name, mode
/// 0700) and removes it at exit: nothing is left in TMPDIR, and a planted
/// `marketrank-demo-<pid>` symlink could not be followed.
#[test]
fn demo_leaves_no_temporary_directory_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let out = cmd()
        .arg("demo")
        .env("TMPDIR", tmp.path())
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("demo --out demo.snap"), "{text}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}

/// `--keep` keeps the directory, says where, and the Try lines name a
/// binary and snapshot that work from the user's directory.
#[test]
fn demo_keep_prints_a_directory_and_commands_that_work() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = cmd()
        .args(["demo", "--keep"])
        .env("TMPDIR", tmp.path())
        .env("PATH", "/usr/bin:/bin")
        .current_dir(repo(""))
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let kept = text
        .lines()
        .find_map(|l| l.strip_prefix("Kept: "))
        .expect("Kept: line");
    let kept = Path::new(kept);
    assert!(kept.starts_with(tmp.path()), "{}", kept.display());
    let mode = std::fs::metadata(kept).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "demo directory is private");
    assert!(kept.join("demo.snap").is_file());
    // The first Try line, run as printed from the repository root.
    let try_line = text
        .lines()
        .find_map(|l| l.strip_prefix("Try: "))
        .expect("Try: line");
    let words: Vec<&str> = try_line.split_whitespace().collect();
    assert!(words[0].ends_with("marketrank"), "{try_line}");
    assert_ne!(
        words[0], "marketrank",
        "not on this PATH: the path is printed"
    );
    let run = std::process::Command::new(words[0])
        .args(&words[1..])
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{try_line}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("mila_atelier"));
}

#[test]
fn help_for_every_command() {
    for c in ["rank", "top", "show", "export", "demo"] {
        cmd()
            .args([c, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
}

#[test]
fn rank_reports_summary_and_top_show_export_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.snap");
    rank_cmd(&repo("data/edges.tsv"), &repo("data/topics.tsv"), &out)
        .args([
            "--threads",
            "2",
            "--damping",
            "0.85",
            "--tol",
            "1e-7",
            "--max-iter",
            "300",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains("523 users"))
        .stderr(predicate::str::contains("peak memory"));
    cmd()
        .arg("top")
        .arg(&out)
        .args(["--market", "fashion", "-k", "3"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^\s*1\s+mila_atelier").unwrap());
    cmd()
        .arg("show")
        .arg(&out)
        .args(["--user", "elon_techstar"])
        .assert()
        .success()
        .stdout(predicate::str::contains("204 followers"))
        .stdout(predicate::str::is_match(r"(?m)^tech\s+\S+\s+1\s").unwrap());
    let csv = dir.path().join("scores.csv");
    cmd()
        .arg("export")
        .arg(&out)
        .args(["--format", "csv", "--out"])
        .arg(&csv)
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("user,market,score,rank,percentile,followers,influence,global_rank,lift")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 523 * 5);
    let fashion: Vec<&Vec<&str>> = rows.iter().filter(|r| r[1] == "fashion").collect();
    assert_eq!(fashion[0][0], "mila_atelier");
    assert_eq!(fashion[0][3], "1");
    assert_eq!(fashion[0][5], "9");
    let sum: f64 = fashion.iter().map(|r| r[2].parse::<f64>().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-5);
}

#[test]
fn unknown_user_or_market_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let snap = sample_snapshot(dir.path());
    cmd()
        .arg("show")
        .arg(&snap)
        .args(["--user", "ghost"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no user `ghost`"));
    cmd()
        .arg("top")
        .arg(&snap)
        .args(["--market", "gardening"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("markets: _global, cooking"));
}

#[test]
fn csv_and_gzip_inputs_give_the_same_scores() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let tsv = std::fs::read_to_string(repo("data/edges.tsv")).unwrap();
    let csv = write(dir.path(), "edges.csv", &tsv.replace('\t', ","));
    let gz = dir.path().join("edges.tsv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(tsv.as_bytes()).unwrap();
    enc.finish().unwrap();
    let topics = repo("data/topics.tsv");
    let mut scores = Vec::new();
    for (i, e) in [repo("data/edges.tsv"), csv, gz].iter().enumerate() {
        let out = dir.path().join(format!("{i}.snap"));
        rank_cmd(e, &topics, &out).assert().success();
        let s = marketrank::Snapshot::open(&out).unwrap();
        scores.push(
            (0..s.users() as u32)
                .map(|u| s.score(u, 2))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(scores[0], scores[1]);
    assert_eq!(scores[0], scores[2]);
}

#[test]
fn weights_third_column_and_duplicates_self_follows() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(
        dir.path(),
        "e.tsv",
        "# comment\n\na\tb\t3\na\tc\t1\na\ta\nb\tc\nb\tc\r\n",
    );
    let t = write(dir.path(), "t.tsv", "a\tx\t2\nc\tx\nlonely\tx\n");
    let out = dir.path().join("s.snap");
    rank_cmd(&e, &t, &out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "dropped 1 self-follows; merged 1 repeated follows",
        ));
    let s = marketrank::Snapshot::open(&out).unwrap();
    assert_eq!(s.users(), 4, "lonely appears only in topics");
    assert_eq!(s.followers(s.user_index("c").unwrap()), 2);
}

/// Each malformed input: exit 2, `file:line: reason`, never a panic.
#[test]
fn malformed_inputs_name_file_line_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let good_topics = write(dir.path(), "topics.tsv", "a\tx\n");
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "missing column",
            b"a\tb\nc\n",
            ":2: missing followee column",
        ),
        (
            "too many columns",
            b"a\tb\t1\textra\n",
            ":1: too many columns",
        ),
        (
            "bad weight",
            b"a\tb\theavy\n",
            ":1: weight `heavy` is not a number",
        ),
        (
            "zero weight",
            b"a\tb\t0\n",
            ":1: weight `0` must be a positive",
        ),
        (
            "negative weight",
            b"a\tb\t-2\n",
            ":1: weight `-2` must be a positive",
        ),
        (
            "nan weight",
            b"a\tb\tNaN\n",
            ":1: weight `NaN` must be a positive",
        ),
        ("empty id", b"a\tb\n\tb\n", ":2: empty follower id"),
        ("non utf8", b"a\tb\nc\t\xff\xfe\n", ":2: not valid UTF-8"),
    ];
    for (name, content, want) in cases {
        let e = dir.path().join(format!("{}.tsv", name.replace(' ', "_")));
        std::fs::write(&e, content).unwrap();
        let out = dir.path().join("o.snap");
        rank_cmd(&e, &good_topics, &out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("{}{want}", e.display())))
            .stderr(predicate::str::contains("panicked").not());
        assert!(!out.exists(), "{name}: no snapshot written");
    }
    // Topic file problems name the topic file.
    let e = write(dir.path(), "ok.tsv", "a\tb\n");
    let t = write(dir.path(), "bad_topics.tsv", "a\tx\nb\n");
    rank_cmd(&e, &t, &dir.path().join("o.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad_topics.tsv:2: missing topic column",
        ));
}

#[test]
fn missing_file_directory_and_missing_output_dir() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(dir.path(), "e.tsv", "a\tb\n");
    let t = write(dir.path(), "t.tsv", "a\tx\n");
    rank_cmd(&dir.path().join("nope.tsv"), &t, &dir.path().join("o.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.tsv: no such file"));
    // A directory is its files (shards, issue 20); one without any is an error.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    rank_cmd(&empty, &t, &dir.path().join("o.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is a directory without input files",
        ));
    rank_cmd(&e, &t, &dir.path().join("missing/o.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
}

#[test]
fn skip_bad_lines_counts_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(dir.path(), "e.tsv", "a\tb\nbroken\nb\tc\tx\nc\ta\n");
    let t = write(dir.path(), "t.tsv", "a\tx\n");
    let out = dir.path().join("o.snap");
    rank_cmd(&e, &t, &out)
        .arg("--skip-bad-lines")
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped 2 bad lines"))
        .stderr(predicate::str::contains("1 bad weight, 1 missing column"))
        .stderr(predicate::str::contains("e.tsv:2: missing followee column"));
    let s = marketrank::Snapshot::open(&out).unwrap();
    assert_eq!(s.metadata().inputs[0].skipped_lines, 2);
    assert_eq!(s.metadata().edges, 2);
}

#[test]
fn truncated_gzip_is_an_error() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("e.tsv.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..10_000 {
        writeln!(enc, "u{i}\tu{}", i + 1).unwrap();
    }
    let bytes = enc.finish().unwrap();
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let t = write(dir.path(), "t.tsv", "u1\tx\n");
    rank_cmd(&gz, &t, &dir.path().join("o.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("e.tsv.gz: after line"))
        .stderr(predicate::str::contains("panicked").not());
}
