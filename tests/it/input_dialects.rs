//! Issue 20, dialects: RFC 4180 quoting in both readers, any single-byte
//! delimiter, `--header yes|no|auto`, null tokens. Each test reads real
//! values back (user ids, follows, counts, messages).

use crate::common::{cmd, write};
use marketrank::input::error::InputError;
use marketrank::input::load::{load_graph_files, GraphFiles, TaggedGraph};
use marketrank::input::{read_pairs_within, BadLines, Dialect, HeaderMode, ReadOptions};
use predicates::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const TOPICS: &str = "alice\tsports\nbob\tnews\n";

fn load_with(
    edges: &Path,
    topics: &Path,
    dialect: Dialect,
    bad: BadLines,
) -> Result<TaggedGraph, InputError> {
    let files = GraphFiles {
        edges: vec![edges.to_path_buf()],
        topics: vec![topics.to_path_buf()],
        read: ReadOptions {
            dialect,
            ..ReadOptions::default()
        },
        spill: Default::default(),
    };
    load_graph_files(&files, bad, None, None, None)
}

/// Loads follows `name` = `content` (topics: [`TOPICS`]).
fn load(
    dir: &Path,
    name: &str,
    content: &str,
    dialect: Dialect,
    bad: BadLines,
) -> Result<TaggedGraph, InputError> {
    let e = write(dir, name, content);
    let sep = dialect
        .delimiter
        .map_or("\t".to_string(), |b| (b as char).to_string());
    let t = write(dir, "t.tsv", &TOPICS.replace('\t', &sep));
    load_with(&e, &t, dialect, bad)
}

fn ok(dir: &Path, name: &str, content: &str) -> TaggedGraph {
    load(dir, name, content, Dialect::default(), BadLines::Fail).unwrap()
}

fn err(dir: &Path, name: &str, content: &str, dialect: Dialect) -> String {
    load(dir, name, content, dialect, BadLines::Fail)
        .unwrap_err()
        .to_string()
}

/// Every follow as (follower, followee) names.
fn follows(g: &TaggedGraph) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for v in 0..g.graph.users() as u32 {
        for &u in g.graph.followers(v) {
            out.insert((g.ids.name(u).into_owned(), g.ids.name(v).into_owned()));
        }
    }
    out
}

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn delimited(b: u8) -> Dialect {
    Dialect {
        delimiter: Some(b),
        ..Dialect::default()
    }
}

fn header(mode: HeaderMode) -> Dialect {
    Dialect {
        header: mode,
        ..Dialect::default()
    }
}

#[test]
fn quoted_csv_reads_like_tsv() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = ok(dir.path(), "e.tsv", "alice\tbob\nbob\tcarol\n1\t2\n2\t10\n");
    let csv = ok(
        dir.path(),
        "e.csv",
        "\"alice\",\"bob\"\n\"bob\",carol\n\"1\",\"2\"\n2,\"10\"\n",
    );
    assert_eq!(follows(&csv), follows(&tsv));
    assert_eq!(csv.ids.len(), 6);
    assert_eq!(follows(&csv).len(), 4);
    assert!(csv.ids.get("alice").is_some() && csv.ids.get("\"alice\"").is_none());
}

#[test]
fn a_quoted_separator_is_part_of_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let g = ok(dir.path(), "e.csv", "\"a,1\",b\n\"x,y\",\"a,1\",2.5\n");
    assert_eq!(follows(&g), set(&[("a,1", "b"), ("x,y", "a,1")]));
    assert!(g.graph.is_weighted());
}

#[test]
fn doubled_quotes_are_one_quote() {
    let dir = tempfile::tempdir().unwrap();
    let g = ok(
        dir.path(),
        "e.csv",
        "\"say \"\"hi\"\"\",b\n\"\"\"\",\"b\"\"\"\n",
    );
    assert_eq!(follows(&g), set(&[("say \"hi\"", "b"), ("\"", "b\"")]));
}

#[test]
fn a_quoted_line_end_is_data_and_lines_stay_physical() {
    let dir = tempfile::tempdir().unwrap();
    let g = ok(dir.path(), "e.csv", "\"multi\nline\",b\nc,d\n");
    assert_eq!(follows(&g), set(&[("multi\nline", "b"), ("c", "d")]));
    assert_eq!(g.report.edge_lines.lines, 3, "physical lines");
    // An error after a two-line record names the physical line.
    let e = err(dir.path(), "e2.csv", "\"x\ny\",b\nc\n", Dialect::default());
    assert!(e.contains("e2.csv:3: missing followee column"), "{e}");
}

#[test]
fn bad_and_unterminated_quotes_are_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let e = err(dir.path(), "e.csv", "a,b\n\"a\"x,b\n", Dialect::default());
    assert!(
        e.contains("e.csv:2: `x,b` follows the closing quote"),
        "{e}"
    );
    let e = err(dir.path(), "u.csv", "a,b\n\"c,d\n1,2\n", Dialect::default());
    assert!(e.contains("u.csv:2: unterminated quote"), "{e}");
    // Skipped, a stray quote costs its own line only.
    let g = load(
        dir.path(),
        "u.csv",
        "a,b\n\"c,d\n1,2\n",
        Dialect::default(),
        BadLines::Skip,
    )
    .unwrap();
    assert_eq!(follows(&g), set(&[("a", "b"), ("1", "2")]));
    assert_eq!(g.report.edge_lines.skipped.get("bad quoting"), Some(&1));
    assert_eq!(g.report.edge_lines.lines, 3);
}

#[test]
fn a_tab_file_keeps_quotes_in_ids() {
    let dir = tempfile::tempdir().unwrap();
    let g = ok(dir.path(), "e.tsv", "\"a\"\t\"b\nc\"d\te\n");
    assert_eq!(follows(&g), set(&[("\"a\"", "\"b"), ("c\"d", "e")]));
}

#[test]
fn semicolon_and_space_delimiters() {
    let dir = tempfile::tempdir().unwrap();
    let g = load(
        dir.path(),
        "e.txt",
        "a;b;2\n\"c;d\";e\n",
        delimited(b';'),
        BadLines::Fail,
    )
    .unwrap();
    assert_eq!(follows(&g), set(&[("a", "b"), ("c;d", "e")]));
    // NetworkX `write_edgelist(data=False)`, igraph ncol.
    let g = load(
        dir.path(),
        "nx.txt",
        "1 2\n2 3\n3 1 0.5\n",
        delimited(b' '),
        BadLines::Fail,
    )
    .unwrap();
    assert_eq!(follows(&g), set(&[("1", "2"), ("2", "3"), ("3", "1")]));
    let e = err(dir.path(), "nx2.txt", "1 2 {}\n", delimited(b' '));
    assert!(
        e.contains("nx2.txt:1: weight `{}` is not a number (NetworkX"),
        "{e}"
    );
    let e = err(dir.path(), "nx3.txt", "1\n", delimited(b' '));
    assert!(
        e.contains("expected `follower<SPACE>followee[<SPACE>weight]`"),
        "{e}"
    );
    let e = err(dir.path(), "p.txt", "1|2|3|4\n", delimited(b'|'));
    assert!(
        e.contains("too many columns: expected `follower|followee[|weight]`"),
        "{e}"
    );
}

#[test]
fn header_modes() {
    let dir = tempfile::tempdir().unwrap();
    let g = ok(dir.path(), "a.csv", "src_user_id,dst_user_id\n1,2\n2,3\n");
    assert_eq!(follows(&g), set(&[("1", "2"), ("2", "3")]));
    assert_eq!(g.report.edge_lines.headers, 1);
    assert_eq!(
        g.report.edge_lines.header_line.as_deref(),
        Some("src_user_id,dst_user_id")
    );
    // A first line unlike the next one (text over numbers).
    let g = ok(dir.path(), "b.tsv", "from node\tto node\n1\t2\n");
    assert_eq!(follows(&g), set(&[("1", "2")]));
    let no = load(
        dir.path(),
        "c.csv",
        "follower,followee\n1,2\n",
        header(HeaderMode::No),
        BadLines::Fail,
    )
    .unwrap();
    assert_eq!(follows(&no), set(&[("follower", "followee"), ("1", "2")]));
    assert_eq!(no.report.edge_lines.headers, 0);
    let yes = load(
        dir.path(),
        "d.csv",
        "1,2\n3,4\n",
        header(HeaderMode::Yes),
        BadLines::Fail,
    )
    .unwrap();
    assert_eq!(follows(&yes), set(&[("3", "4")]));
    assert_eq!(yes.report.edge_lines.headers, 1);
    // Names all the way down are data under auto.
    let g = ok(dir.path(), "e.tsv", "alice\tbob\ncarol\tdave\n");
    assert_eq!(g.report.edge_lines.headers, 0);
}

#[test]
fn a_topic_header_is_not_a_market() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(dir.path(), "e.tsv", "alice\tbob\n");
    let t = write(
        dir.path(),
        "t.tsv",
        "handle\tsegment\nalice\tsports\nbob\tnews\n",
    );
    let g = load_with(&e, &t, Dialect::default(), BadLines::Fail).unwrap();
    assert_eq!(g.tags.names(), ["news", "sports"]);
    assert_eq!(
        g.report.topic_lines.header_line.as_deref(),
        Some("handle\tsegment")
    );
    // The line reader reads quoted records too.
    let t = write(
        dir.path(),
        "t.csv",
        "user,topic\n\"alice\",\"sports, \"\"pro\"\"\"\n\"bob\nb\",news\n",
    );
    let e = write(dir.path(), "e2.csv", "alice,\"bob\nb\"\n");
    let g = load_with(&e, &t, Dialect::default(), BadLines::Fail).unwrap();
    assert_eq!(g.tags.names(), ["news", "sports, \"pro\""]);
    assert_eq!(g.report.topic_lines.lines, 4);
}

#[test]
fn the_header_warning_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let e = write(
        dir.path(),
        "e.csv",
        "src_user_id,dst_user_id\n1,2\n2,3\n3,1\n",
    );
    let t = write(dir.path(), "t.csv", "1,sports\n2,sports\n");
    let out = dir.path().join("o.snap");
    cmd()
        .args(["rank", "--edges"])
        .arg(&e)
        .arg("--topics")
        .arg(&t)
        .arg("--out")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "skipped the header line `src_user_id,dst_user_id` of {} (--header no reads it as data)",
            e.display()
        )));
    // --header no: the header is two users.
    cmd()
        .args(["rank", "--quiet", "--header", "no", "--edges"])
        .arg(&e)
        .arg("--topics")
        .arg(&t)
        .arg("--out")
        .arg(dir.path().join("o2.snap"))
        .assert()
        .success();
}

#[test]
fn null_ids_are_refused_or_counted() {
    let dir = tempfile::tempdir().unwrap();
    let body = "1\t2\n\\N\t3\n3\t\\N\n4\t5\t\\N\n";
    let e = err(dir.path(), "pg.tsv", body, Dialect::default());
    assert!(
        e.contains("pg.tsv:2: null follower id `\\N` (a null in a database export"),
        "{e}"
    );
    let g = load(
        dir.path(),
        "pg.tsv",
        body,
        Dialect::default(),
        BadLines::Skip,
    )
    .unwrap();
    assert_eq!(follows(&g), set(&[("1", "2")]));
    assert_eq!(g.report.edge_lines.skipped.get("null id"), Some(&2));
    assert_eq!(g.report.edge_lines.skipped.get("null weight"), Some(&1));
    // A null token of digits is not taken for a number by the fast path.
    let zero = Dialect {
        null_tokens: vec!["0".into()],
        ..Dialect::default()
    };
    let e = err(dir.path(), "z.tsv", "1\t2\n0\t3\n", zero);
    assert!(e.contains("z.tsv:2: null follower id `0`"), "{e}");
    // A quoted `"\N"` is a string: an id.
    let g = ok(dir.path(), "q.csv", "\"\\N\",b\n");
    assert_eq!(follows(&g), set(&[("\\N", "b")]));
    // Other tokens from the command line.
    let e = write(dir.path(), "n.tsv", "1\t2\nNULL\t3\n");
    let t = write(dir.path(), "t.tsv", "1\tsports\n");
    cmd()
        .args(["rank", "--quiet", "--null-token", "NULL", "--edges"])
        .arg(&e)
        .arg("--topics")
        .arg(&t)
        .arg("--out")
        .arg(dir.path().join("n.snap"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("n.tsv:2: null follower id `NULL`"));
}

/// Makes the first line of a quoted record most of it, so that the cuts
/// the reader would make at newlines fall inside quotes (asserted below).
const PAD: &str = "_padding_padding_padding_padding";

/// Record `i` of the big file: one with a quoted line end, one with
/// doubled quotes, one plain; its CSV text and its (follower, followee).
fn big_record(i: u64) -> (String, (String, String)) {
    match i % 3 {
        0 => (
            format!("\"a{i}{PAD}\nb\",{i}\n"),
            (format!("a{i}{PAD}\nb"), i.to_string()),
        ),
        1 => (
            format!("\"c\"\"{i}\",\"{i}\"\n"),
            (format!("c\"{i}"), i.to_string()),
        ),
        _ => (
            format!("{i},{}\n", i + 7),
            (i.to_string(), (i + 7).to_string()),
        ),
    }
}

#[test]
fn quoted_records_across_chunk_and_window_cuts() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut want = BTreeSet::new();
    let mut i = 0;
    let (chunk, window) = (1usize << 20, 8usize << 20);
    while text.len() < 10 << 20 {
        let at = text.len();
        // Near a cut, a quoted record where the cut lands in its quotes
        // (the first line for the chunk's forward search, the second for
        // the window's backward one), else short filler up to there.
        let (quoted, _) = big_record(i - i % 3);
        let first_nl = at + quoted.find('\n').unwrap();
        let lands =
            (at <= chunk && chunk <= first_nl) || (first_nl < window && window < at + quoted.len());
        let near = [chunk, window].iter().any(|&c| at < c && at + 100 > c);
        let (line, pair) = if lands {
            big_record(i - i % 3)
        } else if near {
            ("1,2\n".to_string(), ("1".to_string(), "2".to_string()))
        } else {
            big_record(i)
        };
        text.push_str(&line);
        want.insert(pair);
        i += 1;
    }
    let lines = text.matches('\n').count() as u64;
    // The newline a plain cut would take is inside a quoted field, at the
    // first chunk's end and at the first window's end.
    let inner = |nl: usize| text[nl + 1..].starts_with("b\",");
    let chunk_nl = (1 << 20) + text[1 << 20..].find('\n').unwrap();
    let window_nl = text[..8 << 20].rfind('\n').unwrap();
    assert!(
        inner(chunk_nl) && inner(window_nl),
        "the test crosses both cuts"
    );
    let g = ok(dir.path(), "big.csv", &text);
    assert_eq!(g.report.edge_lines.lines, lines);
    assert_eq!(follows(&g), want, "parallel reader");
    // The line reader cuts the same records.
    let mut seq = BTreeSet::new();
    let path: PathBuf = dir.path().join("big.csv");
    read_pairs_within(
        &path,
        &Dialect::default(),
        ("a", "b"),
        BadLines::Fail,
        None,
        None,
        |p| {
            seq.insert((p.first.into_owned(), p.second.into_owned()));
        },
    )
    .unwrap();
    assert_eq!(seq, want, "line reader");
}

/// Reads `path` with the line reader (the one topics go through).
fn line_reader(
    path: &Path,
    bad: BadLines,
) -> (Vec<(String, String)>, marketrank::input::LineStats) {
    let mut pairs = Vec::new();
    let stats = read_pairs_within(
        path,
        &Dialect::default(),
        ("a", "b"),
        bad,
        None,
        None,
        |p| {
            pairs.push((p.first.into_owned(), p.second.into_owned()));
        },
    )
    .unwrap();
    (pairs, stats)
}

#[test]
fn an_unterminated_quote_costs_one_line_in_both_readers() {
    let dir = tempfile::tempdir().unwrap();
    // Far more than a record may hold after the stray quote (and no other
    // quote to close it): the record is cut back to its line and every
    // line after it is read again.
    let mut text = String::from("a,b\n\"c,d\n");
    for i in 0..3000 {
        text.push_str(&format!("{i},x{i}\n"));
    }
    let path = write(dir.path(), "u.csv", &text);
    let (pairs, stats) = line_reader(&path, BadLines::Skip);
    assert_eq!(pairs.len(), 3001);
    assert_eq!(pairs[1], ("0".to_string(), "x0".to_string()));
    assert_eq!(stats.lines, 3002);
    assert_eq!(stats.skipped.get("bad quoting"), Some(&1));
    assert_eq!(stats.first_skipped[0].0, 2);
    let g = load(
        dir.path(),
        "u.csv",
        &text,
        Dialect::default(),
        BadLines::Skip,
    )
    .unwrap();
    let seq: BTreeSet<_> = pairs.into_iter().collect();
    assert_eq!(follows(&g), seq);
    assert_eq!(g.report.edge_lines.lines, 3002);
    // A short one at the end of the file.
    let path = write(dir.path(), "v.csv", "a,b\n\"c,d\ne,f");
    let (pairs, stats) = line_reader(&path, BadLines::Skip);
    assert_eq!(pairs, [("a".into(), "b".into()), ("e".into(), "f".into())]);
    assert_eq!(stats.lines, 3);
}

#[test]
fn headers_per_shard_and_by_weight() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.csv", "src_user_id,dst_user_id\n1,2\n");
    let b = write(dir.path(), "b.csv", "src_user_id,dst_user_id\n2,3\n");
    let t = write(dir.path(), "t.tsv", "who\twhat\thow_much\n1\tsports\t2\n");
    let files = GraphFiles {
        edges: vec![a, b],
        topics: vec![t],
        read: ReadOptions::default(),
        spill: Default::default(),
    };
    let g = load_graph_files(&files, BadLines::Fail, None, None, None).unwrap();
    assert_eq!(follows(&g), set(&[("1", "2"), ("2", "3")]));
    assert_eq!(g.report.edge_lines.headers, 2, "each shard's own header");
    assert_eq!(g.report.topic_lines.headers, 1);
    assert_eq!(g.tags.names(), ["sports"]);
    assert_eq!(
        g.report.topic_lines.header_line.as_deref(),
        Some("who\twhat\thow_much")
    );
}
