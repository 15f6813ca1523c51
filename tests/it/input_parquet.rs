//! Parquet input (issue 20): files written by DuckDB and polars load to
//! the same users, follows and tags as their TSV twins, and rank to the
//! same snapshot bit for bit; nulls, column choice, codecs and pipes.
//! Fixtures and how they were made: tests/data/formats/README.md.

use crate::common::{cmd, python_with, rank_files, repo, Tool};
use marketrank::input::load::{load_graph_files, GraphFiles, TaggedGraph};
use marketrank::input::{read_accounts, BadLines, ColumnNames};
use marketrank::Snapshot;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    repo("tests/data/formats").join(name)
}

fn load(edges: &Path, topics: &Path, edge_cols: ColumnNames) -> TaggedGraph {
    let mut files = GraphFiles::new(edges, topics);
    files.read.columns.edges = edge_cols;
    load_graph_files(&files, BadLines::Fail, None, None, None)
        .unwrap_or_else(|e| panic!("{}: {e}", edges.display()))
}

/// One user: id, followers, follower weights, tags.
type UserRow = (String, Vec<u32>, Option<Vec<f32>>, Vec<(String, f32)>);

/// Everything a graph is, by user index: the id, the followers (and
/// weights), the tags.
fn contents(g: &TaggedGraph) -> Vec<UserRow> {
    (0..g.ids.len() as u32)
        .map(|u| {
            let tags = if (u as usize) < g.tags.users() {
                g.tags
                    .of_user(u)
                    .iter()
                    .map(|&(t, w)| (g.tags.names()[t as usize].clone(), w))
                    .collect()
            } else {
                Vec::new()
            };
            let (followers, weights) = if (u as usize) < g.graph.users() {
                (
                    g.graph.followers(u).to_vec(),
                    g.graph.follower_weights(u).map(<[f32]>::to_vec),
                )
            } else {
                (Vec::new(), None)
            };
            (g.ids.name(u).into_owned(), followers, weights, tags)
        })
        .collect()
}

fn assert_same_graph(pq: &TaggedGraph, tsv: &TaggedGraph, what: &str) {
    assert_eq!(pq.ids.len(), tsv.ids.len(), "{what}: users");
    assert_eq!(pq.graph.edges(), tsv.graph.edges(), "{what}: follows");
    assert_eq!(contents(pq), contents(tsv), "{what}");
}

#[test]
fn duckdb_and_polars_fixtures_load_like_their_tsv_twins() {
    let cases = [
        (
            "follows_int.duckdb.parquet",
            "topics_int.duckdb.parquet",
            "follows_int.tsv",
            "topics_int.tsv",
        ),
        (
            "follows_int.polars.parquet",
            "topics_int.duckdb.parquet",
            "follows_int.tsv",
            "topics_int.tsv",
        ),
        (
            "follows_str.duckdb.parquet",
            "topics_str.polars.parquet",
            "follows_str.tsv",
            "topics_str.tsv",
        ),
        (
            "follows_str.polars.parquet",
            "topics_str.polars.parquet",
            "follows_str.tsv",
            "topics_str.tsv",
        ),
    ];
    for (pe, pt, te, tt) in cases {
        let pq = load(&fixture(pe), &fixture(pt), ColumnNames::default());
        let tsv = load(&fixture(te), &fixture(tt), ColumnNames::default());
        assert_same_graph(&pq, &tsv, pe);
        assert_eq!(pq.report.edge_lines.lines, 150, "{pe}: rows");
        let read = &pq.report.edge_files[0];
        assert_eq!(read.kind, marketrank::input::read::FileKind::Parquet);
        assert_eq!(read.columns.len(), 2, "{pe}: {:?}", read.columns);
    }
    // Ids above 2^53 survive exactly, `007` stays a string and `12` (a
    // string column) is the number 12, as in the TSV.
    let g = load(
        &fixture("follows_str.polars.parquet"),
        &fixture("topics_str.polars.parquet"),
        ColumnNames::default(),
    );
    for id in ["007", "-5", "12", "user_1"] {
        assert!(g.ids.get(id).is_some(), "{id}");
    }
    let g = load(
        &fixture("follows_int.polars.parquet"),
        &fixture("topics_int.duckdb.parquet"),
        ColumnNames::default(),
    );
    assert!(g.ids.get("9007199254740993").is_some());
}

#[test]
fn weights_and_custom_column_names_load_like_the_tsv() {
    let cols = ColumnNames {
        first: Some("who".into()),
        second: Some("whom".into()),
        weight: Some("strength".into()),
    };
    let pq = load(
        &fixture("follows_weighted.duckdb.parquet"),
        &fixture("topics_int.tsv"),
        cols,
    );
    let tsv = load(
        &fixture("follows_weighted.tsv"),
        &fixture("topics_int.tsv"),
        ColumnNames::default(),
    );
    assert!(pq.graph.is_weighted());
    assert_same_graph(&pq, &tsv, "weighted");
    assert_eq!(pq.report.edge_files[0].columns, ["who", "whom", "strength"]);
}

/// (user id, market, score bits, followers) of every user and market.
fn scores(p: &Path) -> Vec<(String, String, u64, u64)> {
    let s = Snapshot::open(p).unwrap();
    let mut v = Vec::new();
    for m in 0..s.markets().len() {
        for u in 0..s.users() as u32 {
            v.push((
                s.user_id(u).to_string(),
                s.markets()[m].clone(),
                s.score(u, m).to_bits(),
                s.followers(u),
            ));
        }
    }
    v
}

#[test]
fn ranking_parquet_gives_the_tsv_snapshot_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str, &str, &[&str]); 3] = [
        (
            "follows_int.polars.parquet",
            "topics_int.duckdb.parquet",
            "follows_int.tsv",
            "topics_int.tsv",
            &[],
        ),
        (
            "follows_str.duckdb.parquet",
            "topics_str.polars.parquet",
            "follows_str.tsv",
            "topics_str.tsv",
            &[],
        ),
        (
            "follows_weighted.duckdb.parquet",
            "topics_custom.polars.parquet",
            "follows_weighted.tsv",
            "topics_str.tsv",
            &[
                "--follower-col",
                "who",
                "--followee-col",
                "whom",
                "--weight-col",
                "strength",
                "--user-col",
                "account_name",
                "--topic-col",
                "interest",
            ],
        ),
    ];
    for (i, (pe, pt, te, tt, flags)) in cases.into_iter().enumerate() {
        let (a, b) = (
            dir.path().join(format!("pq{i}.snap")),
            dir.path().join(format!("tsv{i}.snap")),
        );
        rank_files(&fixture(pe), &fixture(pt), &a)
            .args(flags)
            .assert()
            .success();
        rank_files(&fixture(te), &fixture(tt), &b)
            .assert()
            .success();
        let (sa, sb) = (scores(&a), scores(&b));
        assert!(!sa.is_empty());
        assert_eq!(sa, sb, "{pe}");
    }
}

#[test]
fn null_ids_are_refused_with_row_group_and_row_and_counted_when_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("n.snap");
    let nulls = fixture("follows_nulls.polars.parquet");
    let topics = fixture("topics_str.tsv");
    let err = rank_files(&nulls, &topics, &out)
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&err);
    assert!(
        err.contains("follows_nulls.polars.parquet:57: row group 2, row 17: null follower id"),
        "{err}"
    );
    rank_files(&nulls, &topics, &out)
        .arg("--skip-bad-lines")
        .assert()
        .success();
    assert_eq!(Snapshot::open(&out).unwrap().metadata().edges, 148);
    let rejects = std::fs::read_to_string(dir.path().join("n.snap.rejects.tsv")).unwrap();
    assert!(
        rejects.contains("row group 2, row 17: null follower id"),
        "{rejects}"
    );
    assert!(
        rejects.contains("row group 4, row 1: null followee id"),
        "{rejects}"
    );
    // Through the library: counted by reason.
    let mut files = GraphFiles::new(&nulls, &topics);
    files.read = Default::default();
    let g = load_graph_files(&files, BadLines::Skip, None, None, None).unwrap();
    assert_eq!(g.report.edge_lines.skipped.get("null id"), Some(&2));
    assert_eq!(g.report.edge_lines.first_skipped[0].0, 57);
}

#[test]
fn a_missing_named_column_is_an_error_listing_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    rank_files(
        &fixture("follows_weighted.duckdb.parquet"),
        &fixture("topics_int.tsv"),
        &dir.path().join("x.snap"),
    )
    .args(["--follower-col", "nope"])
    .assert()
    .failure()
    .stderr(predicates::str::contains(
        "has no column `nope` for the follower (its columns: who, whom, strength): give --follower-col one of them",
    ));
    rank_files(
        &fixture("follows_int.tsv"),
        &fixture("topics_custom.polars.parquet"),
        &dir.path().join("y.snap"),
    )
    .args(["--topic-col", "subject"])
    .assert()
    .failure()
    .stderr(predicates::str::contains(
        "its columns: note, interest, account_name",
    ));
}

#[test]
fn a_parquet_file_on_a_pipe_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("follows_int.polars.parquet")).unwrap();
    cmd()
        .args(["rank", "--quiet", "--edges", "-", "--topics"])
        .arg(fixture("topics_int.tsv"))
        .arg("--out")
        .arg(dir.path().join("p.snap"))
        .write_stdin(bytes)
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "is a Parquet file, which cannot be read from a pipe",
        ));
}

#[test]
fn a_parquet_account_history_reads_like_the_tsv() {
    let g = load(
        &fixture("follows_int.tsv"),
        &fixture("topics_int.tsv"),
        ColumnNames::default(),
    );
    let (pq, pr) = read_accounts(
        &fixture("accounts.duckdb.parquet"),
        &g.ids,
        BadLines::Fail,
        None,
    )
    .unwrap();
    let (tsv, tr) = read_accounts(&fixture("accounts.tsv"), &g.ids, BadLines::Fail, None).unwrap();
    assert_eq!(pq.created_day, tsv.created_day);
    assert_eq!(pq.status, tsv.status);
    assert_eq!(pr.lines.lines, tr.lines.lines);
}

/// Files written now by the installed DuckDB and polars (default row
/// groups and codecs, then codecs this build refuses) read like the TSV.
#[test]
fn files_written_live_by_duckdb_and_polars_load_like_the_tsv() {
    let test = "files_written_live_by_duckdb_and_polars_load_like_the_tsv";
    if !Tool::Python.available(test, python_with("polars, duckdb")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let script = format!(
        r#"
import duckdb, polars as pl
src = "{tsv}"
duckdb.sql(f"COPY (SELECT * FROM read_csv('{{src}}', delim='\t', header=false, columns={{{{'follower': 'VARCHAR', 'followee': 'VARCHAR'}}}})) TO '{d}/duck.parquet' (FORMAT parquet)")
df = pl.read_csv(src, separator="\t", has_header=False, new_columns=["src", "dst"], schema_overrides={{"src": pl.String, "dst": pl.String}})
df.write_parquet("{d}/polars.parquet")
df.write_parquet("{d}/lz4.parquet", compression="lz4")
df.write_parquet("{d}/brotli.parquet", compression="brotli")
"#,
        tsv = fixture("follows_str.tsv").display(),
        d = d.display()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let topics = fixture("topics_str.tsv");
    let tsv = load(&fixture("follows_str.tsv"), &topics, ColumnNames::default());
    for name in ["duck.parquet", "polars.parquet"] {
        let pq = load(&d.join(name), &topics, ColumnNames::default());
        assert_same_graph(&pq, &tsv, name);
    }
    for (name, codec) in [("lz4.parquet", "LZ4"), ("brotli.parquet", "BROTLI")] {
        let files = GraphFiles::new(d.join(name), &topics);
        let err = load_graph_files(&files, BadLines::Fail, None, None, None)
            .err()
            .unwrap_or_else(|| panic!("{name} was read"))
            .to_string();
        assert!(
            err.contains(&format!("is compressed with {codec}")),
            "{err}"
        );
        assert!(
            err.contains("rewrite the file with Zstd or Snappy"),
            "{err}"
        );
    }
}
