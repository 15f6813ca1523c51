//! Issue 18, the command line against a careless or hostile user: a reader
//! that goes away (item 8), an absurd `--threads` (item 11), ids and labels
//! that carry control characters (item 17), contradictory export flags
//! (item 18).

use crate::common::{cmd, rank_sample, repo, write};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The bundled sample ranked into `dir/s.snap`.
fn sample(dir: &Path) -> PathBuf {
    let p = dir.join("s.snap");
    rank_sample(&p);
    p
}

/// The `marketrank` binary as a plain `std` command (for stdout pipes
/// that `assert_cmd` does not give).
fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("marketrank"))
}

/// A ring of `n` users, each also following the user seven places on,
/// half of them tagged `a`, the rest `b`: `top` prints `n` rows.
fn ring(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let mut edges = String::new();
    let mut topics = String::new();
    for i in 0..n {
        edges += &format!("u{i}\tu{}\nu{i}\tu{}\n", (i + 1) % n, (i + 7) % n);
        topics += &format!("u{i}\t{}\n", if i % 2 == 0 { "a" } else { "b" });
    }
    (
        write(dir, "ring-edges.tsv", &edges),
        write(dir, "ring-topics.tsv", &topics),
    )
}

// ---------------------------------------------------------------- item 8

/// `top … | head -1`: the reader takes one line and goes away while
/// `top` still has ~300 KB to write (more than a pipe buffer holds, so the
/// write after the close must fail). Exit 0 and nothing on stderr, as
/// ripgrep does; not the panic `failed printing to stdout` (101), not a
/// death by SIGPIPE (141).
#[test]
fn top_into_a_closed_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (edges, topics) = ring(dir.path(), 5000);
    let snap = dir.path().join("ring.snap");
    crate::common::rank_files(&edges, &topics, &snap)
        .assert()
        .success();
    let mut child = bin()
        .arg("top")
        .arg(&snap)
        .args(["--market", "a", "-k", "100000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("a — top 5000 of 5000 users"), "{first}");
    // The reader is dropped here: the pipe has no reader any more.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");
}

/// Every command that prints to standard output, started with a pipe whose
/// reader is already closed, so that its very first write fails however
/// short its report: exit 0, nothing on stderr.
#[test]
fn every_printing_command_into_a_closed_pipe_exits_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let s = sample(dir.path());
    let s = s.to_str().unwrap();
    let commands: [&[&str]; 10] = [
        &["top", s, "--market", "fashion", "-k", "1000"],
        &["export", s, "--out", "-"],
        &["show", s, "--user", "mila_atelier"],
        &["info", s],
        &["info", s, "--json"],
        &["compare", s, "--markets", "fashion,tech"],
        &["diff", s, s, "--market", "fashion"],
        &[
            "explain",
            s,
            "--user",
            "mila_atelier",
            "--market",
            "fashion",
        ],
        &["demo"],
        &["--help"],
    ];
    for args in commands {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = bin()
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {:?}: {stderr}",
            out.status
        );
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

// --------------------------------------------------------------- item 11

/// `rank --threads N` on the sample with a fixed creation time: the
/// snapshot's bytes and the run's stderr.
fn rank_with_threads(dir: &Path, threads: &str) -> (Vec<u8>, String) {
    let out = dir.join(format!("threads-{threads}.snap"));
    let run = cmd()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["rank", "--quiet", "--threads", threads, "--edges"])
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .arg("--out")
        .arg(&out)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    (std::fs::read(out).unwrap(), stderr)
}

/// `--threads 5000` on a small machine ran over 60 s (5000 threads
/// switching over a 0.01 s job): capped at 4 per core with a warning that
/// names the cap, within the time limit, and the snapshot is byte for byte
/// the one `--threads 1` writes (the cap changes only the time).
#[test]
fn threads_far_above_the_cores_are_capped_with_a_warning_and_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cap = 4 * cores;
    let (one, quiet) = rank_with_threads(dir.path(), "1");
    assert!(quiet.is_empty(), "{quiet}");
    let (many, warned) = rank_with_threads(dir.path(), "5000");
    assert!(
        warned.contains(&format!(
            "5000 worker threads asked for on {cores} cores; using {cap} (at most 4 per core"
        )),
        "{warned}"
    );
    assert!(one == many, "--threads 1 and --threads 5000 differ");
}

// --------------------------------------------------------------- item 17

/// An id that colours the terminal red and one with a bell, DEL and the
/// one-character CSI (U+009B) of C1.
const RED: &str = "\u{1b}[31mevil\u{1b}[0m";
const BELL: &str = "bel\u{7}\u{7f}\u{9b}2J";

/// Control characters other than the line feed that ends each line.
fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect()
}

/// `top`, `show`, `explain`, `compare`, `diff` and `info` print ids (and
/// market names) that hold ESC, BEL, DEL or C1 escaped (`\u{1b}`), never
/// raw: an id is text from whoever wrote the input file, and raw it would
/// drive the terminal of whoever reads the table.
#[test]
fn ids_with_terminal_escapes_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let edges = write(
        d,
        "edges.tsv",
        &format!("{RED}\tmila\nmila\t{RED}\nbob\t{RED}\nbob\tmila\n{BELL}\tbob\n{BELL}\tmila\n"),
    );
    let topics = write(
        d,
        "topics.tsv",
        &format!("{RED}\tfashion\nmila\tfashion\nbob\ttech\n{BELL}\tfashion\n"),
    );
    let snap = d.join("esc.snap");
    cmd()
        .args(["rank", "--quiet", "--teleport", "tagged", "--edges"])
        .arg(&edges)
        .arg("--topics")
        .arg(&topics)
        .arg("--out")
        .arg(&snap)
        .assert()
        .success();
    let s = snap.to_str().unwrap();
    let commands: [&[&str]; 6] = [
        &["top", s, "--market", "fashion"],
        &["show", s, "--user", RED],
        &["explain", s, "--user", "mila", "--market", "fashion"],
        &["compare", s, "--markets", "fashion,tech", "-k", "4"],
        &["diff", s, s, "--market", "fashion"],
        &["info", s],
    ];
    for args in commands {
        let out = cmd().args(args).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert_eq!(raw_controls(&text), vec![], "{args:?}:\n{text}");
        if args[0] != "info" && args[0] != "diff" {
            assert!(
                text.contains(r"\u{1b}[31mevil\u{1b}[0m"),
                "{args:?}:\n{text}"
            );
        }
    }
    let top = cmd().args(commands[0]).assert().success();
    let text = String::from_utf8(top.get_output().stdout.clone()).unwrap();
    assert!(text.contains(r"bel\u{7}\u{7f}\u{9b}2J"), "{text}");
}

/// The sample ranked at a fixed time, with the metadata's `created` (20
/// bytes of JSON) replaced in place by a JSON string that holds line
/// feeds, and both checksums recomputed: a well-formed file whose writer
/// chose a hostile creation time.
fn snapshot_created_at(dir: &Path, created_json: &str) -> PathBuf {
    let p = dir.join("created.snap");
    cmd()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["rank", "--quiet", "--edges"])
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .arg("--out")
        .arg(&p)
        .assert()
        .success();
    let mut b = std::fs::read(&p).unwrap();
    let was = b"2023-11-14T22:13:20Z";
    assert_eq!(created_json.len(), was.len());
    let at = b.windows(was.len()).position(|w| w == was).unwrap();
    b[at..at + was.len()].copy_from_slice(created_json.as_bytes());
    let body = crc32fast::hash(&b[64..]);
    b[56..60].copy_from_slice(&body.to_le_bytes());
    let head = crc32fast::hash(&b[0..60]);
    b[60..64].copy_from_slice(&head.to_le_bytes());
    std::fs::write(&p, b).unwrap();
    p
}

/// A snapshot whose `created` holds a line feed: `/metrics` keeps it
/// inside the `marketrank_snapshot_info` label (`\n`, per the exposition
/// format) instead of starting a metric line of the file writer's choice,
/// and `info` prints it escaped on its one line.
#[tokio::test]
async fn a_line_feed_in_the_snapshot_creation_time_stays_inside_its_metric_label() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    let p = snapshot_created_at(dir.path(), r"\nmarketrank_ev 1\nZ");
    let served = marketrank::serve::load(&p).unwrap();
    assert_eq!(served.snap.metadata().created, "\nmarketrank_ev 1\nZ");
    let state = std::sync::Arc::new(marketrank::serve::AppState::new(p.clone(), served, None));
    let req = axum::http::Request::get("/metrics")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = marketrank::serve::router(state).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        !text.lines().any(|l| l.starts_with("marketrank_ev")),
        "{text}"
    );
    let info_line = text
        .lines()
        .find(|l| l.starts_with("marketrank_snapshot_info{"))
        .unwrap();
    // The id is built from numbers only (`created_unix` and the body CRC,
    // issue 19), so the hostile text never reaches the label at all.
    assert!(
        info_line.starts_with(r#"marketrank_snapshot_info{id="2023-11-14T22:13:20Z/"#),
        "{info_line}"
    );

    let info = cmd().arg("info").arg(&p).assert().success();
    let first = String::from_utf8(info.get_output().stdout.clone()).unwrap();
    let first = first.lines().next().unwrap().to_string();
    assert!(first.ends_with(r"at \u{a}marketrank_ev 1\u{a}Z"), "{first}");
}

// --------------------------------------------------------------- item 18

/// `marketrank export SNAP ARGS...`.
fn export(snap: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    cmd().arg("export").arg(snap).args(args).assert()
}

/// The column names of a Parquet file.
fn parquet_columns(p: &Path) -> Vec<String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let r = SerializedFileReader::new(std::fs::File::open(p).unwrap()).unwrap();
    r.metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect()
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// `--market fashion,fashion` wrote every fashion row twice and a wide
/// Parquet file with two `fashion_score` columns, which pyarrow and polars
/// refuse to open: a repeated market is exported once, in the order of
/// first appearance, with a note.
#[test]
fn export_with_a_market_named_twice_writes_each_market_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = sample(d);
    let once = d.join("once.csv");
    let twice = d.join("twice.csv");
    export(
        &s,
        &["--market", "tech,fashion", "--out", once.to_str().unwrap()],
    )
    .success();
    let a = export(
        &s,
        &[
            "--market",
            "tech,fashion,tech,tech",
            "--out",
            twice.to_str().unwrap(),
        ],
    )
    .success();
    assert!(
        stderr_of(&a)
            .contains("note: --market names tech more than once; each market is exported once"),
        "{}",
        stderr_of(&a)
    );
    let (once, twice) = (
        std::fs::read_to_string(once).unwrap(),
        std::fs::read_to_string(twice).unwrap(),
    );
    assert_eq!(once, twice);
    let second_row = once.lines().nth(1).unwrap();
    assert!(second_row.contains(",tech,"), "tech first: {second_row}");

    let wide = d.join("wide.parquet");
    export(
        &s,
        &[
            "--wide",
            "--market",
            "fashion,fashion",
            "--out",
            wide.to_str().unwrap(),
        ],
    )
    .success();
    let columns = parquet_columns(&wide);
    let mut unique = columns.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), columns.len(), "{columns:?}");
    assert_eq!(columns.len(), 3 + 5, "{columns:?}");

    // The library on its own drops the repeat as well.
    let snap = marketrank::Snapshot::open(&s).unwrap();
    let filter = |markets: &[&str]| marketrank::export::ExportFilter {
        markets: markets.iter().map(|m| m.to_string()).collect(),
        ..Default::default()
    };
    let csv = marketrank::export::ExportFormat::Csv;
    let n1 =
        marketrank::export::export(&snap, csv, &filter(&["fashion"]), &d.join("l1.csv")).unwrap();
    let n2 = marketrank::export::export(
        &snap,
        csv,
        &filter(&["fashion", "fashion"]),
        &d.join("l2.csv"),
    )
    .unwrap();
    assert_eq!(n1, n2);
}

/// `--min-percentile NaN` was accepted and filtered nothing (NaN compares
/// false with every percentile): anything but a finite number from 0 to
/// 100 is refused by the flag (exit 2, naming the value) and by the
/// library, and no file is written.
#[test]
fn export_refuses_a_min_percentile_that_is_not_a_percentile() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = sample(d);
    let out = d.join("p.csv");
    for bad in ["NaN", "nan", "inf", "-1", "100.5", "1e3", "ninety", ""] {
        let a = export(
            &s,
            &[
                &format!("--min-percentile={bad}"),
                "--out",
                out.to_str().unwrap(),
            ],
        )
        .code(2);
        let err = stderr_of(&a);
        assert!(err.contains("--min-percentile"), "{bad}: {err}");
        assert!(err.contains("percentile from 0 to 100"), "{bad}: {err}");
        assert!(!out.exists(), "{bad}: wrote {}", out.display());
    }
    for good in ["0", "99", "100", "99.5"] {
        export(
            &s,
            &["--min-percentile", good, "--out", out.to_str().unwrap()],
        )
        .success();
    }

    let snap = marketrank::Snapshot::open(&s).unwrap();
    let lib_out = d.join("lib.csv");
    let e = marketrank::export::export(
        &snap,
        marketrank::export::ExportFormat::Csv,
        &marketrank::export::ExportFilter {
            min_percentile: Some(f64::NAN),
            ..Default::default()
        },
        &lib_out,
    )
    .unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(
        e.to_string().contains("NaN is not a number from 0 to 100"),
        "{e}"
    );
    assert!(!lib_out.exists());
}

/// Without `--format` the `--out` extension decides (`.csv`, `.jsonl`,
/// `.ndjson`, `.parquet`, any case); any other name gets CSV. Before,
/// `--out x.parquet` got CSV bytes that no Parquet reader opens.
#[test]
fn export_takes_its_format_from_the_out_extension() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = sample(d);
    let write = |name: &str| {
        let p = d.join(name);
        let a = export(&s, &["--top", "2", "--out", p.to_str().unwrap()]).success();
        (std::fs::read(&p).unwrap(), stderr_of(&a))
    };
    for name in ["x.parquet", "X.PARQUET"] {
        let (b, err) = write(name);
        assert!(b.starts_with(b"PAR1") && b.ends_with(b"PAR1"), "{name}");
        assert!(err.contains("(Parquet)"), "{err}");
    }
    for name in ["x.jsonl", "x.ndjson"] {
        let (b, err) = write(name);
        let first = String::from_utf8(b).unwrap();
        let row: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
        assert_eq!(row["rank"], 1, "{name}");
        assert!(err.contains("(JSON Lines)"), "{err}");
    }
    for name in ["x.csv", "x.txt", "no_extension"] {
        let (b, err) = write(name);
        assert!(b.starts_with(b"user,market,score,rank,"), "{name}");
        assert!(err.contains("(CSV)"), "{err}");
    }
    assert_eq!(parquet_columns(&d.join("x.parquet"))[0], "user");
}

/// An explicit `--format` that contradicts a known `--out` extension is
/// refused before any work (exit 2), naming both; nothing is written. A
/// format with an extension that names none is taken as asked.
#[test]
fn export_refuses_a_format_that_contradicts_the_out_extension() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = sample(d);
    for (format, name, named) in [
        ("csv", "x.parquet", "a Parquet file name"),
        ("jsonl", "x.csv", "a CSV file name"),
        ("parquet", "x.ndjson", "a JSON Lines file name"),
    ] {
        let out = d.join(name);
        let a = export(&s, &["--format", format, "--out", out.to_str().unwrap()]).code(2);
        let err = stderr_of(&a);
        assert!(
            err.contains(&format!("--format {format} contradicts --out")),
            "{err}"
        );
        assert!(err.contains(name) && err.contains(named), "{err}");
        assert!(!out.exists(), "{name} written");
    }
    let txt = d.join("scores.txt");
    export(&s, &["--format", "jsonl", "--out", txt.to_str().unwrap()]).success();
    assert!(std::fs::read_to_string(txt).unwrap().starts_with('{'));
    let same = d.join("same.parquet");
    export(
        &s,
        &["--format", "parquet", "--out", same.to_str().unwrap()],
    )
    .success();
}

/// Any other failure to write the report (a full disk: `/dev/full`) is an
/// error that says so, exit 2, not a panic.
#[test]
fn a_full_standard_output_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let s = sample(dir.path());
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = bin()
        .arg("top")
        .arg(&s)
        .args(["--market", "fashion"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .starts_with("marketrank: could not write to standard output: No space left on device"),
        "{stderr}"
    );
}
