//! The binary graph cache: `ingest` once, `rank --graph` gives the same
//! bytes as ranking the text; damaged caches are refused.

use crate::common::{cmd, real_data, write};
use marketrank::graph_cache::{read_graph_cache, write_graph_cache};
use marketrank::input::BadLines;
use marketrank::{load_tagged_graph, Snapshot};

/// Mixed numeric and string ids, weights, a duplicate tag and a user only
/// in the topic file: every part of the cache is exercised.
fn odd_input(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let e = write(
        dir,
        "e.tsv",
        "1\t2\t0.5\nalice\t2\t2\n2\t1\t1\nbob\talice\t1\n1\tbob\t3\n99999999999\t1\t1\n",
    );
    let t = write(
        dir,
        "t.tsv",
        "1\ttech\n2\tfashion\t2\nalice\tfashion\nalice\tfashion\ncarol\ttech\n",
    );
    (e, t)
}

#[test]
fn cache_round_trips_every_part() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = odd_input(dir.path());
    let data = load_tagged_graph(&e, &t, BadLines::Fail).unwrap();
    let cache = dir.path().join("g.mrg");
    write_graph_cache(&cache, &data).unwrap();
    let back = read_graph_cache(&cache).unwrap();
    assert_eq!(back.ids.len(), data.ids.len());
    for u in 0..data.ids.len() as u32 {
        assert_eq!(back.ids.name(u), data.ids.name(u));
        assert_eq!(back.ids.get(&data.ids.name(u)), Some(u), "lookup rebuilt");
        assert_eq!(back.graph.followers(u), data.graph.followers(u));
        assert_eq!(
            back.graph.follower_weights(u),
            data.graph.follower_weights(u)
        );
        assert_eq!(back.graph.out_weight(u), data.graph.out_weight(u));
        assert_eq!(back.tags.of_user(u), data.tags.of_user(u));
    }
    assert!(back.graph.is_weighted());
    assert_eq!(back.tags.names(), data.tags.names());
    assert_eq!(back.tags.duplicates_merged(), 1);
    assert_eq!(back.report.users_only_in_topics, 1, "carol");
    assert_eq!(back.report.edges_path, e);
}

fn ingest(edges: &std::path::Path, topics: &std::path::Path, cache: &std::path::Path) {
    cmd()
        .arg("ingest")
        .arg(edges)
        .arg(topics)
        .arg("--out")
        .arg(cache)
        .assert()
        .success();
}

fn scores(path: &std::path::Path) -> Vec<(String, String, f64)> {
    let s = Snapshot::open(path).unwrap();
    let mut out = Vec::new();
    for m in 0..s.markets().len() {
        for u in 0..s.users() as u32 {
            out.push((
                s.user_id(u).to_string(),
                s.markets()[m].clone(),
                s.score(u, m),
            ));
        }
    }
    out
}

#[test]
fn rank_from_cache_equals_rank_from_text_on_ciao() {
    let dir = tempfile::tempdir().unwrap();
    let data = real_data("ciao");
    let (e, t) = (data.join("edges.tsv"), data.join("topics.tsv"));
    let cache = dir.path().join("ciao.mrg");
    ingest(&e, &t, &cache);
    let from_text = dir.path().join("text.snap");
    let from_cache = dir.path().join("cache.snap");
    cmd()
        .args(["rank", "-q", "--edges"])
        .arg(&e)
        .arg("--topics")
        .arg(&t)
        .arg("--out")
        .arg(&from_text)
        .assert()
        .success();
    cmd()
        .args(["rank", "-q", "--graph"])
        .arg(&cache)
        .arg("--out")
        .arg(&from_cache)
        .assert()
        .success();
    assert_eq!(scores(&from_text), scores(&from_cache));
    let meta = Snapshot::open(&from_cache).unwrap().metadata().clone();
    assert_eq!(
        meta.inputs[0].path,
        e.display().to_string(),
        "the text it came from"
    );
    assert_eq!(
        meta.inputs[2].role,
        marketrank::snapshot::InputRole::GraphCache
    );
}

#[test]
fn only_topics_from_cache_equals_only_topics_from_text() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = odd_input(dir.path());
    let cache = dir.path().join("g.mrg");
    ingest(&e, &t, &cache);
    let a = dir.path().join("a.snap");
    let b = dir.path().join("b.snap");
    cmd()
        .args(["rank", "-q", "--only-topics", "tech", "--edges"])
        .arg(&e)
        .arg("--topics")
        .arg(&t)
        .arg("--out")
        .arg(&a)
        .assert()
        .success();
    cmd()
        .args(["rank", "-q", "--only-topics", "tech", "--graph"])
        .arg(&cache)
        .arg("--out")
        .arg(&b)
        .assert()
        .success();
    assert_eq!(scores(&a), scores(&b));
    cmd()
        .args(["rank", "-q", "--only-topics", "cooking", "--graph"])
        .arg(&cache)
        .arg("--out")
        .arg(&b)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("topic `cooking`"));
}

#[test]
fn damaged_caches_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = odd_input(dir.path());
    let cache = dir.path().join("g.mrg");
    ingest(&e, &t, &cache);
    let bytes = std::fs::read(&cache).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", bytes[..bytes.len() - 10].to_vec(), "truncated"),
        (
            "flipped",
            {
                let mut b = bytes.clone();
                let at = b.len() / 2;
                b[at] ^= 0x10;
                b
            },
            "checksum mismatch",
        ),
        (
            "foreign",
            b"1\t2\n".to_vec(),
            "not a marketrank graph cache",
        ),
    ];
    for (name, content, want) in cases {
        let p = dir.path().join(format!("{name}.mrg"));
        std::fs::write(&p, content).unwrap();
        cmd()
            .args(["rank", "--graph"])
            .arg(&p)
            .arg("--out")
            .arg(dir.path().join("x.snap"))
            .assert()
            .code(2)
            .stderr(predicates::str::contains(want))
            .stderr(predicates::str::contains(p.display().to_string()));
    }
}

/// Header counts are checked against the file before they size anything:
/// a follow count near 2⁶² with a valid header checksum is refused, not an
/// arithmetic overflow.
#[test]
fn implausible_header_counts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = odd_input(dir.path());
    let cache = dir.path().join("g.mrg");
    ingest(&e, &t, &cache);
    let mut b = std::fs::read(&cache).unwrap();
    b[24..32].copy_from_slice(&(u64::MAX / 3).to_le_bytes());
    let crc = crc32fast::hash(&b[0..60]);
    b[60..64].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(&cache, &b).unwrap();
    let err = read_graph_cache(&cache).err().expect("refused").to_string();
    assert!(err.contains("implausible follow count"), "{err}");
}
