//! Issue 18, inputs and outputs: what a careless or hostile user does with
//! files (weights that vanish in f32, outputs over inputs, FIFOs and
//! devices as targets, pipes as inputs, files without line ends, files
//! still being written). Each test is named after what it guards.

use crate::common::{cmd, rank_sample, repo, write};
use marketrank::Snapshot;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

fn rank(e: &Path, t: &Path, out: &Path) -> assert_cmd::Command {
    let mut c = crate::common::rank_files(e, t, out);
    c.timeout(Duration::from_secs(60));
    c
}

/// Asserts that `c` exits 2 with `text` in its error.
fn refused(mut c: impl std::borrow::BorrowMut<assert_cmd::Command>, text: &str) {
    c.borrow_mut()
        .assert()
        .code(2)
        .stderr(predicate::str::contains(text));
}

fn sample() -> (PathBuf, PathBuf) {
    (repo("data/edges.tsv"), repo("data/topics.tsv"))
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

fn export_csv(snap: &Path) -> Vec<u8> {
    let out = cmd()
        .arg("export")
        .arg(snap)
        .args(["--out", "-", "--format", "csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

// item 1

#[test]
fn weights_that_vanish_in_f32_are_refused_at_their_line_and_keep_the_previous_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    let out = dir.path().join("good.snap");
    rank_sample(&out);
    let before = bytes(&out);
    for w in ["1e-50", "1e-320", "1e300", "1e-21"] {
        let bad = write(
            dir.path(),
            "t.tsv",
            &format!("mila_atelier\tfashion\t{w}\n"),
        );
        rank(&e, &bad, &out).assert().code(2).stderr(
            predicate::str::contains("t.tsv:1: weight").and(predicate::str::contains(
                "outside the range marketrank represents",
            )),
        );
        assert_eq!(bytes(&out), before, "weight {w} replaced the snapshot");
    }
    // The edge file's weights and a --markets weight likewise.
    let bad = write(dir.path(), "e.tsv", "a\tb\t1e-50\nb\ta\n");
    refused(rank(&bad, &t, &out), "e.tsv:1: weight");
    let markets = write(dir.path(), "m.tsv", "style\tfashion\t1e-50\n");
    refused(
        rank(&e, &t, &out).arg("--markets").arg(&markets),
        "m.tsv:1: weight",
    );
    assert_eq!(bytes(&out), before);
    // The edges of the accepted range still rank.
    let ok = write(
        dir.path(),
        "ok.tsv",
        "mila_atelier\tfashion\t1e-20\nvogue_vera\tfashion\t1e20\n",
    );
    rank(&e, &ok, &dir.path().join("ok.snap"))
        .assert()
        .success();
}

#[test]
fn an_out_dir_keeps_latest_when_a_weight_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    let outdir = dir.path().join("snaps");
    std::fs::create_dir(&outdir).unwrap();
    let run = |topics: &Path| {
        let mut c = cmd();
        c.args(["rank", "--quiet", "--edges"])
            .arg(&e)
            .arg("--topics")
            .arg(topics)
            .arg("--out-dir")
            .arg(&outdir);
        c
    };
    run(&t).assert().success();
    let latest = outdir.join("latest.snap");
    let before = bytes(&latest);
    let bad = write(dir.path(), "t.tsv", "mila_atelier\tfashion\t1e-50\n");
    run(&bad).assert().code(2);
    assert_eq!(bytes(&latest), before);
    Snapshot::open(&latest).unwrap();
}

#[test]
fn a_snapshot_with_a_score_that_is_not_finite_is_never_published() {
    use marketrank::rank::ScoreBlock;
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    let out = dir.path().join("s.snap");
    rank_sample(&out);
    let before = bytes(&out);
    let data = marketrank::load_tagged_graph(&e, &t, marketrank::input::BadLines::Fail).unwrap();
    let tele = marketrank::TopicTeleport::from_tags(&data.tags, data.ids.len());
    let mut result = marketrank::rank(&data.graph, &tele, &marketrank::RankConfig::default());
    match &mut result.scores {
        ScoreBlock::F64(v) => v[3] = f64::NAN,
        ScoreBlock::F32(v) => v[3] = f32::NAN,
    }
    let followers = (0..data.ids.len() as u32)
        .map(|u| data.graph.follower_count(u) as u32)
        .collect();
    let metadata = Snapshot::open(&out).unwrap().metadata().clone();
    let content = marketrank::snapshot::SnapshotContent {
        user_ids: &data.ids,
        followers,
        result: &result,
        metadata,
        model: None,
        trust: None,
    };
    let err = marketrank::snapshot::write_snapshot(&out, &content).unwrap_err();
    assert!(
        matches!(err, marketrank::SnapshotError::NotFinite { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("the previous file is kept"),
        "{err}"
    );
    assert_eq!(bytes(&out), before);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "a temporary was left: {left:?}");
}

// item 2

#[test]
fn outputs_naming_an_input_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let e = dir.path().join("edges.tsv");
    let t = dir.path().join("topics.tsv");
    std::fs::copy(repo("data/edges.tsv"), &e).unwrap();
    std::fs::copy(repo("data/topics.tsv"), &t).unwrap();
    let link = dir.path().join("hard.tsv");
    std::fs::hard_link(&e, &link).unwrap();
    let (eb, tb) = (bytes(&e), bytes(&t));
    let spelled = dir.path().join("sub/../edges.tsv");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let snap = dir.path().join("s.snap");
    for (flag, target) in [
        ("--out", &e),
        ("--out", &t),
        ("--out", &link),
        ("--out", &spelled),
        ("--rejects", &t),
        ("--scores-tsv", &e),
    ] {
        let mut c = rank(&e, &t, &snap);
        if flag != "--out" {
            c.arg(flag).arg(target).arg("--skip-bad-lines");
        } else {
            c = rank(&e, &t, target);
        }
        c.assert()
            .code(2)
            .stderr(predicate::str::contains("is also an input"));
        assert_eq!(
            (bytes(&e), bytes(&t)),
            (eb.clone(), tb.clone()),
            "{flag} {target:?}"
        );
    }
    cmd()
        .arg("ingest")
        .arg(&e)
        .arg(&t)
        .arg("--out")
        .arg(&link)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is also an input"));
    assert_eq!(bytes(&e), eb);

    rank(&e, &t, &snap).assert().success();
    let sb = bytes(&snap);
    let refused = |args: &[&std::ffi::OsStr]| {
        cmd()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("is also an input"));
    };
    let s = snap.as_os_str();
    refused(&[
        "export".as_ref(),
        s,
        "--out".as_ref(),
        s,
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    refused(&["report".as_ref(), s, "--out".as_ref(), s]);
    refused(&[
        "compare".as_ref(),
        s,
        "--markets".as_ref(),
        "fashion,tech".as_ref(),
        "--csv".as_ref(),
        s,
    ]);
    refused(&[
        "diff".as_ref(),
        s,
        s,
        "--market".as_ref(),
        "fashion".as_ref(),
        "--csv".as_ref(),
        s,
    ]);
    assert_eq!(bytes(&snap), sb);
}

#[test]
fn previous_may_be_the_output_it_is_read_before_being_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    let out = dir.path().join("s.snap");
    rank_sample(&out);
    rank(&e, &t, &out)
        .arg("--previous")
        .arg(&out)
        .assert()
        .success();
    Snapshot::open(&out).unwrap();
}

// item 3

#[test]
fn dash_writes_text_outputs_to_standard_output_and_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let csv = export_csv(&snap);
    assert!(
        csv.starts_with(b"user,market,score"),
        "{}",
        String::from_utf8_lossy(&csv[..80])
    );
    let run = |args: &[&str]| {
        let out = cmd().current_dir(dir.path()).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let jsonl = run(&["export", "s.snap", "--out", "-", "--format", "jsonl"]);
    assert!(jsonl.starts_with("{\""), "{jsonl:.80}");
    let html = run(&["report", "s.snap", "--out", "-"]);
    assert!(
        html.contains("<html") || html.contains("<!DOCTYPE"),
        "{html:.80}"
    );
    let cmp = run(&[
        "compare",
        "s.snap",
        "--markets",
        "fashion,tech",
        "--csv",
        "-",
    ]);
    assert!(
        cmp.starts_with("market_a,market_b,k,jaccard_top_k"),
        "{cmp}"
    );
    let diff = run(&[
        "diff", "s.snap", "s.snap", "--market", "fashion", "--csv", "-",
    ]);
    assert!(diff.starts_with("kind,user,old_rank,new_rank"), "{diff}");
    let customers = write(dir.path(), "c.csv", "id,handle\n1,mila_atelier\n2,nobody\n");
    let enriched = run(&[
        "enrich",
        "--customers",
        customers.to_str().unwrap(),
        "--id-column",
        "handle",
        "--snapshot",
        "s.snap",
        "--market",
        "fashion",
        "--out",
        "-",
    ]);
    assert!(enriched.starts_with("id,handle,"), "{enriched}");
    assert!(!dir.path().join("-").exists());
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo")
        .arg(p)
        .status()
        .expect("mkfifo (coreutils)");
    assert!(st.success());
}

#[cfg(unix)]
#[test]
fn fifo_and_device_targets_are_written_through_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let fifo = dir.path().join("out.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    cmd()
        .arg("export")
        .arg(&snap)
        .args(["--format", "csv", "--out"])
        .arg(&fifo)
        .timeout(Duration::from_secs(30))
        .assert()
        .success();
    let got = reader.join().unwrap();
    assert_eq!(got, export_csv(&snap));
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // /dev/null stays a device (as root a rename would have replaced it).
    cmd()
        .arg("export")
        .arg(&snap)
        .args(["--format", "csv", "--out", "/dev/null"])
        .assert()
        .success();
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    // A snapshot is written whole and renamed: not onto a FIFO or device.
    for target in [fifo.as_path(), Path::new("/dev/null")] {
        refused(
            rank(&repo("data/edges.tsv"), &repo("data/topics.tsv"), target),
            "is not a regular file",
        );
    }
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_replaces_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let real = write(dir.path(), "real.csv", "old\n");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink("real.csv", &link).unwrap();
    cmd()
        .arg("export")
        .arg(&snap)
        .arg("--out")
        .arg(&link)
        .args(["--format", "csv"])
        .assert()
        .success();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(bytes(&real), export_csv(&snap));
    // A snapshot through a symlink too.
    let snap_link = dir.path().join("latest.snap");
    std::os::unix::fs::symlink("s.snap", &snap_link).unwrap();
    rank(
        &repo("data/edges.tsv"),
        &repo("data/topics.tsv"),
        &snap_link,
    )
    .assert()
    .success();
    assert!(std::fs::symlink_metadata(&snap_link)
        .unwrap()
        .file_type()
        .is_symlink());
    Snapshot::open(&snap).unwrap();
}

#[test]
fn a_directory_output_is_refused_with_nothing_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let target = dir.path().join("d");
    std::fs::create_dir(&target).unwrap();
    cmd()
        .arg("export")
        .arg(&snap)
        .arg("--out")
        .arg(&target)
        .args(["--format", "csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
    refused(
        rank(&repo("data/edges.tsv"), &repo("data/topics.tsv"), &target),
        "is a directory",
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .chain(std::fs::read_dir(&target).unwrap())
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp.")), "{names:?}");
}

// item 5

#[test]
fn a_run_whose_second_output_fails_publishes_neither() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    let out = dir.path().join("x.snap");
    rank_sample(&out);
    let before = bytes(&out);
    refused(
        rank(&e, &t, &out)
            .arg("--scores-tsv")
            .arg(dir.path().join("missing/s.tsv")),
        "does not exist",
    );
    assert_eq!(bytes(&out), before);
    // Rejects wait for the snapshot too.
    let bad = write(dir.path(), "e.tsv", "a\tb\nbroken\nb\ta\n");
    let rejects = dir.path().join("r.tsv");
    rank(&bad, &t, &out)
        .arg("--skip-bad-lines")
        .arg("--rejects")
        .arg(&rejects)
        .arg("--scores-tsv")
        .arg(dir.path().join("missing/s.tsv"))
        .assert()
        .code(2);
    assert!(!rejects.exists());
    assert_eq!(bytes(&out), before);
}

#[test]
fn the_policy_beside_an_enriched_file_names_the_file_it_produced() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let customers = write(
        dir.path(),
        "c.csv",
        "id,handle,value,tenure\n1,mila_atelier,100,3\n2,nobody,5000,1\n",
    );
    let policy = write(
        dir.path(),
        "p.toml",
        "[base]\npriority = 1\n[value]\ncolumn = \"value\"\nlevels = [[1000, 3]]\n",
    );
    let out = dir.path().join("e.csv");
    let enrich = |policy: Option<&Path>| {
        let mut c = cmd();
        c.args(["enrich", "--customers"])
            .arg(&customers)
            .args(["--id-column", "handle", "--market", "fashion", "--snapshot"])
            .arg(&snap)
            .arg("--out")
            .arg(&out);
        if let Some(p) = policy {
            c.arg("--policy").arg(p);
        }
        c
    };
    let run = enrich(Some(&policy)).output().unwrap();
    if !run.status.success() {
        // The policy flags differ: show them rather than guess.
        panic!("{}", String::from_utf8_lossy(&run.stderr));
    }
    let csv = bytes(&out);
    let sidecar = std::fs::read_to_string(dir.path().join("e.csv.policy.toml")).unwrap();
    let expect =
        marketrank::crm::enrich::policy_binding(crc32fast::hash(&csv), csv.len() as u64, 2);
    assert!(
        sidecar.lines().any(|l| l == expect),
        "{sidecar}\nwanted {expect}"
    );
    // Without a policy the old sidecar no longer describes the file: removed.
    enrich(None).assert().success();
    assert!(!dir.path().join("e.csv.policy.toml").exists());
}

// item 6

#[test]
fn a_file_without_line_ends_stops_at_the_line_cap() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    let nul = dir.path().join("nul.tsv");
    std::fs::write(&nul, vec![0u8; 50 << 20]).unwrap();
    refused(
        rank(&nul, &t, &dir.path().join("o.snap")),
        "nul.tsv:1: line of",
    );
    refused(
        rank(&e, &nul, &dir.path().join("o.snap")),
        "nul.tsv:1: line of",
    );
    #[cfg(target_os = "linux")]
    refused(
        rank(&e, Path::new("/dev/zero"), &dir.path().join("o.snap"))
            .timeout(Duration::from_secs(20)),
        "/dev/zero:1: line of",
    );
}

/// Writes `lines` copies of the follow `1<TAB>2`, gzip-compressed: a few
/// hundred KB on disk (the guard's up-front estimate passes) that expand to
/// hundreds of MB, every line a follow held until the graph is built.
fn gzip_bomb(path: &Path, lines: u64) {
    use std::io::Write;
    let f = std::fs::File::create(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::best());
    let block = "1\t2\n".repeat(1 << 18);
    for _ in 0..lines / (1 << 18) {
        gz.write_all(block.as_bytes()).unwrap();
    }
    gz.finish().unwrap();
}

#[test]
fn a_gzip_bomb_stops_at_the_memory_limit_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.tsv.gz");
    gzip_bomb(&bomb, 40_000_000);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 2 << 20);
    let t = write(dir.path(), "t.tsv", "1\tfashion\n");
    let limit = 150_000_000u64;
    let out = rank(&bomb, &t, &dir.path().join("o.snap"))
        .arg("--max-memory")
        .arg(limit.to_string())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("bomb.tsv.gz:") && err.contains("over the memory limit"),
        "{err}"
    );
    let peak = peak_from(&err);
    assert!(
        peak <= limit + limit / 20,
        "peak {peak} over the limit {limit} + 5%: {err}"
    );
    assert!(!dir.path().join("o.snap").exists());
}

/// The `peak memory: N bytes` line marketrank prints when refusing for memory.
fn peak_from(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.split("peak memory of this run: ").nth(1))
        .and_then(|r| r.split(" bytes").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory line in: {stderr}"))
}

// item 7

#[cfg(unix)]
#[test]
fn a_fifo_as_edges_is_read_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    let file_snap = dir.path().join("file.snap");
    rank(&e, &t, &file_snap).assert().success();
    for gz in [false, true] {
        let fifo = dir.path().join(format!("edges{gz}.fifo"));
        mkfifo(&fifo);
        let writer = {
            let (fifo, e) = (fifo.clone(), e.clone());
            std::thread::spawn(move || {
                let data = bytes(&e);
                let data = if gz {
                    use std::io::Write;
                    let mut g =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    g.write_all(&data).unwrap();
                    g.finish().unwrap()
                } else {
                    data
                };
                std::fs::write(fifo, data)
            })
        };
        let out = dir.path().join("fifo.snap");
        rank(&fifo, &t, &out).assert().success();
        writer
            .join()
            .unwrap()
            .expect("the writer was not cut off (SIGPIPE)");
        assert_eq!(export_csv(&out), export_csv(&file_snap), "gzip {gz}");
    }
}

#[test]
fn standard_input_serves_one_of_edges_or_topics() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    let file_snap = dir.path().join("file.snap");
    rank(&e, &t, &file_snap).assert().success();
    let expected = export_csv(&file_snap);
    let mut args: Vec<(&str, &str)> = vec![("-", "topics")];
    if Path::new("/dev/stdin").exists() {
        args.push(("/dev/stdin", "topics"));
    }
    args.push(("-", "edges"));
    for (name, which) in args {
        let out = dir.path().join("stdin.snap");
        let (edges, topics, feed) = if which == "topics" {
            (e.clone(), PathBuf::from(name), &t)
        } else {
            (PathBuf::from(name), t.clone(), &e)
        };
        // Fed through a pipe, as `cat x | marketrank ...` does: a file
        // redirected with `<` would make /dev/stdin a regular file.
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("marketrank"))
            .args(["rank", "--quiet", "--edges"])
            .arg(&edges)
            .arg("--topics")
            .arg(&topics)
            .arg("--out")
            .arg(&out)
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data = bytes(feed);
        let feeder = std::thread::spawn(move || {
            use std::io::Write;
            stdin.write_all(&data)
        });
        let status = child.wait().unwrap();
        feeder.join().unwrap().unwrap();
        assert!(status.success(), "{name} as {which}");
        assert_eq!(export_csv(&out), expected, "{name} as {which}");
    }
    refused(
        rank(Path::new("-"), Path::new("-"), &dir.path().join("x.snap")).write_stdin("a\tb\n"),
        "only one of the follow and topic files can be `-`",
    );
}

// item 9

#[test]
fn an_empty_or_comment_only_topics_file_is_refused_like_an_empty_edge_file() {
    let dir = tempfile::tempdir().unwrap();
    let (e, _) = sample();
    for (name, text) in [("empty.tsv", ""), ("comments.tsv", "# nothing here\n\n")] {
        let t = write(dir.path(), name, text);
        for extra in [&[][..], &["--no-global"][..]] {
            rank(&e, &t, &dir.path().join("o.snap"))
                .args(extra)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(format!("{name}: no topic tags")));
        }
    }
    assert!(!dir.path().join("o.snap").exists());
}

// item 12

#[test]
fn a_byte_order_mark_inside_a_file_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_, t) = sample();
    // Two files concatenated, each starting with a BOM.
    let e = write(
        dir.path(),
        "e.tsv",
        "\u{feff}a\tb\nb\ta\n\u{feff}cooking_greta\ta\n",
    );
    refused(
        rank(&e, &t, &dir.path().join("o.snap")),
        "e.tsv:3: a UTF-8 byte-order mark inside the file",
    );
    let tt = write(
        dir.path(),
        "t.tsv",
        "\u{feff}a\tfashion\n\u{feff}b\tfashion\n",
    );
    refused(rank(&e, &tt, &dir.path().join("o.snap")), "byte-order mark");
}

#[test]
fn carriage_returns_inside_a_line_and_cr_only_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (e, _) = sample();
    // CR-only line ends: once one "comment" line holding the whole file.
    let t = write(
        dir.path(),
        "t.tsv",
        "# tags\rmila_atelier\tfashion\rvogue_vera\tfashion\r",
    );
    refused(
        rank(&e, &t, &dir.path().join("o.snap")),
        "t.tsv:1: carriage return inside the line",
    );
    let lone = write(dir.path(), "e.tsv", "a\tb\nb\tmila\ratelier\n");
    refused(
        rank(&lone, &repo("data/topics.tsv"), &dir.path().join("o.snap")),
        "e.tsv:2: carriage return inside the line",
    );
    // CRLF stays accepted.
    let crlf = write(
        dir.path(),
        "crlf.tsv",
        "mila_atelier\tfashion\r\nvogue_vera\tfashion\r\n",
    );
    rank(&e, &crlf, &dir.path().join("o.snap"))
        .assert()
        .success();
}

// item 13

#[test]
fn ids_with_spaces_around_them_are_refused_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = sample();
    for (name, text, line) in [
        ("e1.tsv", "a\tb\nalice \tb\n", 2),
        ("e2.tsv", " alice\tb\n", 1),
        ("e3.csv", "a,b\nalice, bob\n", 2),
    ] {
        let bad = write(dir.path(), name, text);
        rank(&bad, &t, &dir.path().join("o.snap"))
            .assert()
            .code(2)
            .stderr(
                predicate::str::contains(format!("{name}:{line}: follower id"))
                    .or(predicate::str::contains(format!(
                        "{name}:{line}: followee id"
                    )))
                    .and(predicate::str::contains("leading or trailing white space")),
            );
    }
    let bad = write(dir.path(), "t.tsv", "mila_atelier\tfashion \n");
    refused(
        rank(&e, &bad, &dir.path().join("o.snap")),
        "t.tsv:1: topic id `fashion ` has leading or trailing white space",
    );
}

// item 14

#[test]
fn the_same_file_as_edges_and_topics_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (e, _) = sample();
    refused(
        rank(&e, &e, &dir.path().join("o.snap")),
        "is the follow file too",
    );
    let link = dir.path().join("t.tsv");
    std::fs::hard_link(&e, &link).unwrap();
    refused(
        rank(&e, &link, &dir.path().join("o.snap")),
        "is the follow file too",
    );
}

// item 15

#[test]
fn a_file_that_grows_while_it_is_read_is_refused() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.tsv",
        "baker_lola\tmila_atelier\nmila_atelier\tfashion\n",
    );
    let mut lines = marketrank::input::open_lines(&p).unwrap();
    lines.next_line().unwrap().unwrap();
    // A writer appends a line cut inside an id, as a copy still running would.
    let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
    f.write_all(b"baker_lola\tmila_ate").unwrap();
    drop(f);
    while lines.next_line().unwrap().is_some() {}
    let err = lines.finish().unwrap_err();
    assert!(
        matches!(err, marketrank::InputError::Changed { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("changed while it was read"),
        "{err}"
    );
}

#[test]
fn a_follow_file_that_grows_during_the_parallel_read_is_refused() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.tsv");
    // Large enough for several windows, so the writer lands mid-read.
    let mut text = String::new();
    for i in 0..3_000_000u32 {
        text.push_str(&format!("u{i}\tu{}\n", i + 1));
    }
    std::fs::write(&p, &text).unwrap();
    let appender = {
        let p = p.clone();
        std::thread::spawn(move || {
            for _ in 0..200 {
                let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
                f.write_all(b"baker_lola\tmila_ate").unwrap();
                f.write_all(b"lier\n").unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let mut ids = marketrank::UserIds::new();
    let r = marketrank::input::read_edges_parallel(
        &p,
        &mut ids,
        marketrank::input::BadLines::Fail,
        None,
    );
    appender.join().unwrap();
    // Either the read finished before the first append (then it saw the
    // whole original file) or it is refused; never a cut id accepted.
    match r {
        Ok((cols, _)) => assert_eq!(cols.src.len(), 3_000_000),
        Err(e) => assert!(matches!(e, marketrank::InputError::Changed { .. }), "{e}"),
    }
    assert!(ids.get("mila_ate").is_none());
}
