//! Issue 20: the same graph, kept the ways data teams keep it, ranks the
//! same. The bundled sample (string ids) and a numbered twin (integer ids)
//! are written as quoted CSV, `;` CSV, space-separated, gzip, zstd,
//! Parquet (by DuckDB and by polars), three shards with headers, and piped
//! from a DuckDB `COPY … TO '/dev/stdout'`; every run's snapshot must equal
//! the plain TSV run's bit for bit (scores, ids, followers, orders).

use crate::common::{assert_same_ranking, cmd, python_with, repo, Tool};
use marketrank::Snapshot;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Records of a two-column file, comments and blank lines left out.
fn records(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (a, b) = l.split_once('\t').unwrap();
            (a.to_string(), b.to_string())
        })
        .collect()
}

/// The sample graph, with string ids or with every user numbered in order
/// of first appearance (topics stay names).
struct Graph {
    edges: Vec<(String, String)>,
    topics: Vec<(String, String)>,
}

fn sample(numbered: bool) -> Graph {
    let mut edges = records(&repo("data/edges.tsv"));
    let mut topics = records(&repo("data/topics.tsv"));
    if numbered {
        let mut number = std::collections::HashMap::new();
        let mut id = |s: &mut String| {
            let n = number.len() + 1;
            *s = number.entry(s.clone()).or_insert(n).to_string();
        };
        for (a, b) in &mut edges {
            id(a);
            id(b);
        }
        for (u, _) in &mut topics {
            id(u);
        }
    }
    Graph { edges, topics }
}

/// Writes `rows` with `sep`, each field through `quote`, after `header`.
fn write_rows(
    path: &Path,
    header: Option<&str>,
    rows: &[(String, String)],
    sep: &str,
    quote: fn(&str) -> String,
) -> PathBuf {
    let mut text = String::new();
    if let Some(h) = header {
        text.push_str(h);
        text.push('\n');
    }
    for (a, b) in rows {
        text.push_str(&format!("{}{sep}{}\n", quote(a), quote(b)));
    }
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn plain(s: &str) -> String {
    s.to_string()
}

/// RFC 4180 with every field quoted (Python's `QUOTE_ALL`, many exporters).
fn quote_all(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Runs `marketrank rank` with `args` (the input flags) to `out`.
fn rank_to(out: &Path, args: &[&str]) -> Snapshot {
    cmd()
        .args(["rank", "--quiet"])
        .args(args)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
    Snapshot::open(out).unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The TSV run every other form is compared with.
fn baseline(dir: &Path, g: &Graph, name: &str) -> Snapshot {
    let e = write_rows(
        &dir.join(format!("{name}-e.tsv")),
        None,
        &g.edges,
        "\t",
        plain,
    );
    let t = write_rows(
        &dir.join(format!("{name}-t.tsv")),
        None,
        &g.topics,
        "\t",
        plain,
    );
    rank_to(
        &dir.join(format!("{name}-base.snap")),
        &["--edges", s(&e), "--topics", s(&t)],
    )
}

#[test]
fn text_dialects_and_compression_rank_like_the_plain_tsv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for numbered in [false, true] {
        let g = sample(numbered);
        let name = if numbered { "int" } else { "str" };
        let base = baseline(d, &g, name);
        let tsv = |role: &str| d.join(format!("{name}-{role}.tsv"));
        let (e_tsv, t_tsv) = (tsv("e"), tsv("t"));

        // Quoted CSV (every field quoted), with a header.
        let e = write_rows(
            &d.join(format!("{name}-e.csv")),
            Some("\"follower\",\"followee\""),
            &g.edges,
            ",",
            quote_all,
        );
        let t = write_rows(
            &d.join(format!("{name}-t.csv")),
            Some("\"user\",\"topic\""),
            &g.topics,
            ",",
            quote_all,
        );
        let snap = rank_to(
            &d.join(format!("{name}-csv.snap")),
            &["--edges", s(&e), "--topics", s(&t)],
        );
        assert_same_ranking(&base, &snap, &format!("{name}: quoted CSV"));

        // `;` separated, given by --delimiter (a name that says nothing).
        let e = write_rows(
            &d.join(format!("{name}-e.txt")),
            Some("follower;followee"),
            &g.edges,
            ";",
            plain,
        );
        let t = write_rows(
            &d.join(format!("{name}-t.txt")),
            Some("user;topic"),
            &g.topics,
            ";",
            plain,
        );
        let snap = rank_to(
            &d.join(format!("{name}-semi.snap")),
            &["--edges", s(&e), "--topics", s(&t), "--delimiter", ";"],
        );
        assert_same_ranking(&base, &snap, &format!("{name}: ; CSV"));

        // Space separated (NetworkX write_edgelist, igraph ncol).
        let e = write_rows(
            &d.join(format!("{name}-e.edgelist")),
            None,
            &g.edges,
            " ",
            plain,
        );
        let t = write_rows(
            &d.join(format!("{name}-t.edgelist")),
            None,
            &g.topics,
            " ",
            plain,
        );
        let snap = rank_to(
            &d.join(format!("{name}-space.snap")),
            &["--edges", s(&e), "--topics", s(&t), "--delimiter", "space"],
        );
        assert_same_ranking(&base, &snap, &format!("{name}: space separated"));

        // gzip and zstd, told by their bytes.
        let (e_gz, t_gz) = (
            d.join(format!("{name}-e.tsv.gz")),
            d.join(format!("{name}-t.tsv.gz")),
        );
        for (from, to) in [(&e_tsv, &e_gz), (&t_tsv, &t_gz)] {
            let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            z.write_all(&std::fs::read(from).unwrap()).unwrap();
            std::fs::write(to, z.finish().unwrap()).unwrap();
        }
        let snap = rank_to(
            &d.join(format!("{name}-gz.snap")),
            &["--edges", s(&e_gz), "--topics", s(&t_gz)],
        );
        assert_same_ranking(&base, &snap, &format!("{name}: gzip"));
        let (e_zst, t_zst) = (
            d.join(format!("{name}-e.tsv.zst")),
            d.join(format!("{name}-t.tsv.zst")),
        );
        for (from, to) in [(&e_tsv, &e_zst), (&t_tsv, &t_zst)] {
            let bytes = zstd::encode_all(&std::fs::read(from).unwrap()[..], 3).unwrap();
            std::fs::write(to, bytes).unwrap();
        }
        let snap = rank_to(
            &d.join(format!("{name}-zst.snap")),
            &["--edges", s(&e_zst), "--topics", s(&t_zst)],
        );
        assert_same_ranking(&base, &snap, &format!("{name}: zstd"));
        let meta = snap.metadata();
        let read = meta.inputs[0].read.as_ref().unwrap();
        assert_eq!(read.compression, marketrank::input::Compression::Zstd);
    }
}

#[test]
fn three_shards_with_headers_rank_like_one_file_however_they_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = sample(false);
    let base = baseline(d, &g, "str");
    let shards = d.join("follows");
    std::fs::create_dir(&shards).unwrap();
    // Spark-style: part files with headers, a _SUCCESS marker, a .crc file.
    let third = g.edges.len().div_ceil(3);
    let mut parts = Vec::new();
    for (i, chunk) in g.edges.chunks(third).enumerate() {
        let p = shards.join(format!("part-{i:05}.csv"));
        write_rows(&p, Some("follower_id,followee_id"), chunk, ",", plain);
        parts.push(p);
    }
    assert_eq!(parts.len(), 3);
    std::fs::write(shards.join("_SUCCESS"), "").unwrap();
    std::fs::write(shards.join(".part-00000.csv.crc"), "crc").unwrap();
    let tags = d.join("tags");
    std::fs::create_dir(&tags).unwrap();
    let half = g.topics.len().div_ceil(2);
    for (i, chunk) in g.topics.chunks(half).enumerate() {
        write_rows(
            &tags.join(format!("part-{i}.tsv")),
            Some("user_id\ttopic"),
            chunk,
            "\t",
            plain,
        );
    }
    let pattern = shards.join("part-*.csv");
    let by_dir = rank_to(
        &d.join("dir.snap"),
        &["--edges", s(&shards), "--topics", s(&tags)],
    );
    assert_same_ranking(&base, &by_dir, "a directory of shards");
    let by_glob = rank_to(
        &d.join("glob.snap"),
        &["--edges", s(&pattern), "--topics", s(&tags)],
    );
    assert_same_ranking(&base, &by_glob, "a pattern of shards");
    // Repeated --edges: read in the order given (each pattern or
    // directory sorted within itself).
    let mut args = Vec::new();
    for p in &parts {
        args.extend(["--edges", s(p)]);
    }
    args.extend(["--topics", s(&tags)]);
    let repeated = rank_to(&d.join("rep.snap"), &args);
    assert_same_ranking(&base, &repeated, "--edges repeated");
    // Every shard is listed in the inputs, sorted, with its header skipped.
    let inputs = &by_glob.metadata().inputs;
    let edges: Vec<&str> = inputs
        .iter()
        .filter(|i| i.role == marketrank::snapshot::InputRole::Edges)
        .map(|i| i.path.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        edges,
        ["part-00000.csv", "part-00001.csv", "part-00002.csv"]
    );
    for i in inputs {
        let read = i.read.as_ref().unwrap();
        assert_eq!(read.headers_skipped, 1, "{}", i.path);
        assert_eq!(read.header, Some(marketrank::input::HeaderMode::Auto));
    }
    assert_eq!(
        inputs.iter().map(|i| i.lines).sum::<u64>(),
        (g.edges.len() + g.topics.len() + 5) as u64
    );
}

fn python(script: &str) {
    let out = Command::new("python3")
        .args(["-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn parquet_by_duckdb_and_polars_ranks_like_the_plain_tsv() {
    let test = "parquet_by_duckdb_and_polars_ranks_like_the_plain_tsv";
    if !Tool::Python.available(test, python_with("polars, duckdb")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for numbered in [false, true] {
        let g = sample(numbered);
        let name = if numbered { "int" } else { "str" };
        let base = baseline(d, &g, name);
        let (e, t) = (
            d.join(format!("{name}-e.tsv")),
            d.join(format!("{name}-t.tsv")),
        );
        // Integer ids as BIGINT / Int64 columns, string ids as VARCHAR / Utf8;
        // several row groups, so that their order is kept.
        let ty = if numbered { "BIGINT" } else { "VARCHAR" };
        let pl_ty = if numbered { "pl.Int64" } else { "pl.Utf8" };
        let (de, dt) = (
            d.join(format!("{name}-duck-e.parquet")),
            d.join(format!("{name}-duck-t.parquet")),
        );
        python(&format!(
            "import duckdb\n\
             duckdb.sql(\"COPY (SELECT * FROM read_csv('{e}', delim='\\t', header=false, comment='#', columns={{'follower': '{ty}', 'followee': '{ty}'}})) TO '{de}' (FORMAT parquet, ROW_GROUP_SIZE 500)\")\n\
             duckdb.sql(\"COPY (SELECT * FROM read_csv('{t}', delim='\\t', header=false, comment='#', columns={{'user': '{ty}', 'topic': 'VARCHAR'}})) TO '{dt}' (FORMAT parquet)\")",
            e = s(&e), t = s(&t), de = s(&de), dt = s(&dt)
        ));
        let snap = rank_to(
            &d.join(format!("{name}-duck.snap")),
            &["--edges", s(&de), "--topics", s(&dt)],
        );
        assert_same_ranking(&base, &snap, &format!("{name}: Parquet by DuckDB"));
        let (pe, pt) = (
            d.join(format!("{name}-pl-e.parquet")),
            d.join(format!("{name}-pl-t.parquet")),
        );
        python(&format!(
            "import polars as pl\n\
             pl.read_csv('{e}', separator='\\t', has_header=False, comment_prefix='#', new_columns=['src', 'dst'], schema_overrides=[{pl_ty}, {pl_ty}]).write_parquet('{pe}', row_group_size=700)\n\
             pl.read_csv('{t}', separator='\\t', has_header=False, comment_prefix='#', new_columns=['user_id', 'market'], schema_overrides=[{pl_ty}, pl.Utf8]).write_parquet('{pt}')",
            e = s(&e), t = s(&t), pe = s(&pe), pt = s(&pt)
        ));
        let snap = rank_to(
            &d.join(format!("{name}-pl.snap")),
            &["--edges", s(&pe), "--topics", s(&pt)],
        );
        assert_same_ranking(&base, &snap, &format!("{name}: Parquet by polars"));
        let read = snap.metadata().inputs[0].read.clone().unwrap();
        assert_eq!(read.format, marketrank::input::read::FileKind::Parquet);
        assert_eq!(read.columns, ["src", "dst"]);
    }
}

#[test]
fn follows_piped_from_a_duckdb_copy_to_stdout_rank_like_the_plain_tsv() {
    let test = "follows_piped_from_a_duckdb_copy_to_stdout_rank_like_the_plain_tsv";
    if !Tool::Python.available(test, python_with("polars, duckdb")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = sample(false);
    let base = baseline(d, &g, "str");
    let e = d.join("str-e.tsv");
    // --delimiter is one for all text inputs: the topics comma separated too.
    let t = write_rows(&d.join("str-t.txt"), None, &g.topics, ",", plain);
    // DuckDB's COPY writes CSV with a header and quotes where needed.
    let script = format!(
        "import duckdb\nduckdb.sql(\"COPY (SELECT * FROM read_csv('{}', delim='\\t', header=false, comment='#', columns={{'follower_id': 'VARCHAR', 'followee_id': 'VARCHAR'}})) TO '/dev/stdout' (FORMAT csv, HEADER)\")",
        s(&e)
    );
    let mut producer = Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = d.join("pipe.snap");
    let status = Command::new(assert_cmd::cargo::cargo_bin("marketrank"))
        .args([
            "rank",
            "--quiet",
            "--edges",
            "-",
            "--delimiter",
            "comma",
            "--topics",
            s(&t),
            "--out",
            s(&out),
        ])
        .stdin(Stdio::from(producer.stdout.take().unwrap()))
        .status()
        .unwrap();
    assert!(producer.wait().unwrap().success());
    assert!(status.success());
    let snap = Snapshot::open(&out).unwrap();
    assert_same_ranking(&base, &snap, "piped from DuckDB");
    let inputs = &snap.metadata().inputs;
    assert_eq!(inputs[0].path, "-");
    assert_eq!(inputs[0].read.as_ref().unwrap().headers_skipped, 1);
}

/// Issue 20: shards concatenated into one stream, each with its header
/// (`cat part-*.csv`), rank like the plain TSV: a later line equal to the
/// file's header is a header too, counted and reported, never two users.
#[test]
fn shards_concatenated_with_their_headers_rank_like_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = sample(false);
    let base = baseline(d, &g, "str");
    let mut follows = String::new();
    for chunk in g.edges.chunks(g.edges.len().div_ceil(3)) {
        follows.push_str("follower_id,followee_id,weight\n");
        for (a, b) in chunk {
            follows.push_str(&format!("{a},{b},1\n"));
        }
    }
    let mut tags = String::new();
    for chunk in g.topics.chunks(g.topics.len().div_ceil(2)) {
        tags.push_str("user_id\ttopic\n");
        for (u, t) in chunk {
            tags.push_str(&format!("{u}\t{t}\n"));
        }
    }
    let e = d.join("cat.csv");
    std::fs::write(&e, follows).unwrap();
    let t = d.join("cat-topics.tsv");
    std::fs::write(&t, tags).unwrap();
    let out = d.join("cat.snap");
    let run = cmd()
        .args([
            "rank",
            "--edges",
            s(&e),
            "--topics",
            s(&t),
            "--out",
            s(&out),
        ])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    assert!(log.contains("and 2 later lines equal to it"), "{log}");
    assert!(log.contains("and 1 later lines equal to it"), "{log}");
    let snap = Snapshot::open(&out).unwrap();
    assert_same_ranking(&base, &snap, "concatenated shards");
    let heads: Vec<u64> = snap
        .metadata()
        .inputs
        .iter()
        .map(|i| i.read.as_ref().unwrap().headers_skipped)
        .collect();
    assert_eq!(heads, [3, 2]);
    assert_eq!(snap.user_index("follower_id"), None);
}

/// Issue 20: a `--markets` file (market mixes) as Parquet composes the
/// same markets as its TSV twin.
#[test]
fn a_parquet_market_mix_composes_like_the_tsv() {
    let test = "a_parquet_market_mix_composes_like_the_tsv";
    if !Tool::Python.available(test, python_with("polars, duckdb")) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tsv = d.join("markets.tsv");
    std::fs::write(
        &tsv,
        "kitchen\tcooking\t1\nkitchen\tfashion\t0.5\nactive\tfitness\t2\n",
    )
    .unwrap();
    let pq = d.join("markets.parquet");
    python(&format!(
        "import polars as pl\npl.DataFrame({{'market': ['kitchen', 'kitchen', 'active'], 'topic': ['cooking', 'fashion', 'fitness'], 'weight': [1.0, 0.5, 2.0]}}).write_parquet('{}')",
        s(&pq)
    ));
    let (e, t) = (repo("data/edges.tsv"), repo("data/topics.tsv"));
    let a = rank_to(
        &d.join("a.snap"),
        &["--edges", s(&e), "--topics", s(&t), "--markets", s(&tsv)],
    );
    let b = rank_to(
        &d.join("b.snap"),
        &["--edges", s(&e), "--topics", s(&t), "--markets", s(&pq)],
    );
    assert!(
        a.markets().iter().any(|m| m == "kitchen"),
        "{:?}",
        a.markets()
    );
    assert_same_ranking(&a, &b, "markets as Parquet");
}
