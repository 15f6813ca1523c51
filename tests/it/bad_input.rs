//! The catalogue of bad input (README "Bad input"): each case, its
//! behaviour, and that nothing is dropped without being counted.

use crate::common::{cmd, write};
use marketrank::Snapshot;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn rank(e: &Path, t: &Path, out: &Path) -> assert_cmd::Command {
    let mut c = cmd();
    c.args(["rank", "--edges"])
        .arg(e)
        .arg("--topics")
        .arg(t)
        .arg("--out")
        .arg(out);
    c
}

fn scores(p: &Path) -> Vec<(String, String, u64)> {
    let s = Snapshot::open(p).unwrap();
    let mut v = Vec::new();
    for m in 0..s.markets().len() {
        for u in 0..s.users() as u32 {
            v.push((
                s.user_id(u).to_string(),
                s.markets()[m].clone(),
                s.score(u, m).to_bits(),
            ));
        }
    }
    v.sort();
    v
}

const EDGES: &str = "a\tb\nb\tc\nc\ta\nd\ta\n";
const TOPICS: &str = "a\tx\nd\ty\n";

fn clean(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let e = write(dir, "clean_e.tsv", EDGES);
    let t = write(dir, "clean_t.tsv", TOPICS);
    let out = dir.join("clean.snap");
    rank(&e, &t, &out).assert().success();
    (e, t, out)
}

#[test]
fn crlf_bom_and_header_lines_give_the_same_scores() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, want) = clean(dir.path());
    let crlf = write(
        dir.path(),
        "crlf.tsv",
        &format!("\u{feff}{}", EDGES.replace('\n', "\r\n")),
    );
    let t = write(dir.path(), "t_crlf.tsv", &TOPICS.replace('\n', "\r\n"));
    let out = dir.path().join("crlf.snap");
    rank(&crlf, &t, &out).assert().success();
    assert_eq!(scores(&out), scores(&want), "CRLF + BOM");

    let e = write(
        dir.path(),
        "header.tsv",
        &format!("# exported nightly\nfollower\tfollowee\n{EDGES}"),
    );
    let t = write(
        dir.path(),
        "t_header.tsv",
        &format!("user_id\ttopic\tweight\n{TOPICS}"),
    );
    let out = dir.path().join("header.snap");
    rank(&e, &t, &out)
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped the header line `").count(2));
    assert_eq!(scores(&out), scores(&want), "header lines are not users");
    // A header-like line after the first data line is data (string ids).
    let e = write(dir.path(), "late.tsv", &format!("{EDGES}source\ttarget\n"));
    rank(&e, &t, &dir.path().join("late.snap"))
        .assert()
        .success();
    assert_eq!(
        Snapshot::open(dir.path().join("late.snap"))
            .unwrap()
            .users(),
        6
    );
}

#[test]
fn a_10_mb_line_is_refused_at_its_line_and_rejected_with_its_length_when_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(10 << 20);
    let e = write(dir.path(), "long.tsv", &format!("a\tb\n{long}\tb\nb\ta\n"));
    let t = write(dir.path(), "t.tsv", TOPICS);
    let out = dir.path().join("o.snap");
    rank(&e, &t, &out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "long.tsv:2: line of 10485762 bytes (at most 16384",
        ));
    assert!(!out.exists());
    rank(&e, &t, &out)
        .arg("--skip-bad-lines")
        .assert()
        .success();
    let rejects = std::fs::read_to_string(dir.path().join("o.snap.rejects.tsv")).unwrap();
    let line = rejects.lines().nth(1).unwrap();
    assert!(
        line.contains("\t2\tline of 10485762 bytes (at most 16384"),
        "{}",
        &line[..200]
    );
    assert!(line.ends_with("…[10485762 bytes]") && line.len() < 2000);
}

#[test]
fn file_ending_mid_line_empty_files_and_isolated_users() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(dir.path(), "t.tsv", TOPICS);
    let out = dir.path().join("o.snap");
    // Cut inside a line: the last line is missing its second column.
    let e = write(dir.path(), "cut.tsv", "a\tb\nb\tc\nc");
    rank(&e, &t, &out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cut.tsv:3: missing followee column",
        ));
    // Only the final newline missing: nothing lost.
    let e = write(dir.path(), "nonl.tsv", "a\tb\nb\tc");
    rank(&e, &t, &out).assert().success();
    assert_eq!(Snapshot::open(&out).unwrap().metadata().edges, 2);
    // Empty, or nothing but comments: refused, not an empty snapshot.
    for (name, text) in [
        ("empty.tsv", ""),
        ("comments.tsv", "# nothing\n\n"),
        ("selfs.tsv", "a\ta\n"),
    ] {
        let e = write(dir.path(), name, text);
        let out = dir.path().join(format!("{name}.snap"));
        rank(&e, &t, &out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{name}: no follows to rank"
            )));
        assert!(!out.exists());
    }
    // Topic users who follow nobody and whom nobody follows: in the
    // snapshot and counted; with earned teleport (default) nobody vouches
    // for them, so they score 0 in their market; with tagged teleport they
    // keep their restart share.
    let e = write(dir.path(), "e.tsv", EDGES);
    let t2 = write(dir.path(), "t2.tsv", "a\tx\nloner\tx\nhermit\ty\n");
    rank(&e, &t2, &out).assert().success();
    let s = Snapshot::open(&out).unwrap();
    assert_eq!(s.users(), 6);
    assert_eq!(s.metadata().load.users_only_in_topics, 2);
    let x = s.market_index("x").unwrap();
    assert_eq!(s.score(s.user_index("loner").unwrap(), x), 0.0);
    rank(&e, &t2, &out)
        .args(["--teleport", "tagged"])
        .assert()
        .success();
    let s = Snapshot::open(&out).unwrap();
    assert!(s.score(s.user_index("loner").unwrap(), x) > 0.0);
}

#[test]
fn a_topic_with_no_users_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(dir.path(), "e.tsv", EDGES);
    let t = write(dir.path(), "t.tsv", TOPICS);
    rank(&e, &t, &dir.path().join("o.snap"))
        .args(["--only-topics", "x,fashion"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "topic `fashion` (asked for by name) is not in this file",
        ));
    let m = write(dir.path(), "markets.tsv", "style\tfashion\t1\n");
    rank(&e, &t, &dir.path().join("o.snap"))
        .arg("--markets")
        .arg(&m)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("fashion"));
}

#[test]
fn skipped_lines_are_counted_and_written_to_the_rejects_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(
        dir.path(),
        "e.tsv",
        "a\tb\nbroken\nb\tc\t-1\nc\ta\n\td\nd\ta\t1\textra\nd\t\u{0}\u{1}ok\n",
    );
    std::fs::write(
        dir.path().join("e2.tsv"),
        [std::fs::read(&e).unwrap(), b"e\t\xff\n".to_vec()].concat(),
    )
    .unwrap();
    let t = write(dir.path(), "t.tsv", "a\tx\nonly-one-column\nd\tx\t0\n");
    let out = dir.path().join("o.snap");
    rank(&dir.path().join("e2.tsv"), &t, &out)
        .arg("--skip-bad-lines")
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped 5 bad lines"))
        .stderr(predicate::str::contains("skipped 2 bad lines"))
        .stderr(predicate::str::contains("skipped lines written to"))
        .stderr(predicate::str::contains("(7 lines)"));
    let rejects = std::fs::read_to_string(dir.path().join("o.snap.rejects.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = rejects
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let lines: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].rsplit('/').next().unwrap(), r[1]))
        .collect();
    assert_eq!(
        lines,
        [
            ("e2.tsv", "2"),
            ("e2.tsv", "3"),
            ("e2.tsv", "5"),
            ("e2.tsv", "6"),
            ("e2.tsv", "8"),
            ("t.tsv", "2"),
            ("t.tsv", "3")
        ]
    );
    assert!(
        rejects.contains("b\\tc\\t-1"),
        "text kept, tabs escaped: {rejects}"
    );
    assert!(
        rejects.contains("e\\t\\xFF"),
        "non-UTF-8 bytes escaped: {rejects}"
    );
    let s = Snapshot::open(&out).unwrap();
    assert_eq!(s.metadata().inputs[0].skipped_lines, 5);
    assert_eq!(s.metadata().inputs[1].skipped_lines, 2);
    // A chosen path, and nothing written when nothing is skipped... but the
    // file still says so (a header only), so an old one never lingers.
    let r = dir.path().join("chosen.tsv");
    let e_ok = write(dir.path(), "ok.tsv", EDGES);
    rank(&e_ok, &write(dir.path(), "t_ok.tsv", TOPICS), &out)
        .args(["--skip-bad-lines", "--rejects"])
        .arg(&r)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&r).unwrap().lines().count(), 1);
}

#[test]
fn output_that_cannot_be_written_is_an_error_without_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(dir.path(), "e.tsv", EDGES);
    let t = write(dir.path(), "t.tsv", TOPICS);
    // A missing directory: said once, plainly.
    rank(&e, &t, &dir.path().join("missing/o.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist (create it first)").count(1));
    // A file where a directory should be.
    let f = write(dir.path(), "file", "");
    rank(&e, &t, &f.join("o.snap")).assert().code(2);
    // A directory without write permission (root ignores permissions).
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), "").is_ok() {
        println!("running as root: the permission case cannot be provoked here");
        return;
    }
    rank(&e, &t, &ro.join("o.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ermission denied"));
    assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
}

#[test]
fn runs_over_max_memory_are_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(dir.path(), "e.tsv", EDGES);
    let t = write(dir.path(), "t.tsv", TOPICS);
    let out = dir.path().join("o.snap");
    rank(&e, &t, &out)
        .args(["--max-memory", "1MB"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "not enough memory for reading the graph",
        ))
        .stderr(predicate::str::contains(
            "the limit is 1.0 MB (the limit given)",
        ))
        // The library names no flag; the CLI's hint does.
        .stderr(
            predicate::str::contains("hint: --only-topics")
                .and(predicate::str::contains("--max-memory SIZE")),
        );
    assert!(!out.exists());
    rank(&e, &t, &out)
        .args(["--max-memory", "lots"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a size"));
    // The second check: the graph fits, its 300 markets' score blocks do not.
    let mut tags = String::new();
    for i in 0..300 {
        for u in 0..2000 {
            if (u * 7 + i) % 50 == 0 {
                tags.push_str(&format!("{u}\tt{i}\n"));
            }
        }
    }
    let mut edges = String::new();
    for u in 0..20_000u32 {
        edges.push_str(&format!("{u}\t{}\n", (u * 7919 + 1) % 20_000));
    }
    let e = write(dir.path(), "big_e.tsv", &edges);
    let t = write(dir.path(), "big_t.tsv", &tags);
    let g = dir.path().join("g.mrg");
    cmd()
        .arg("ingest")
        .arg(&e)
        .arg(&t)
        .arg("--out")
        .arg(&g)
        .assert()
        .success();
    // 20,000 users x 301 markets x 4 B x 3 blocks is about 73 MB.
    cmd()
        .args(["rank", "--graph"])
        .arg(&g)
        .arg("--out")
        .arg(&out)
        .args(["--max-memory", "60MB"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not enough memory for ranking"))
        .stderr(predicate::str::contains("score blocks"))
        .stderr(predicate::str::contains("iteration").not());
    assert!(!out.exists());
    cmd()
        .args(["rank", "-q", "--graph"])
        .arg(&g)
        .arg("--out")
        .arg(&out)
        .args(["--max-memory", "2GB"])
        .assert()
        .success();
}
