//! The twitter-2010-scale path at 1/1000 of its size: the streamed
//! generator's files and its direct graph cache, the bounded-memory
//! (spilled) ingest of those files, and a default `rank` (16 topics +
//! `_global`, biased walk, earned teleport, account trust) from the cache.
//! The full-size run is a benchmark (BENCHMARKS.md), never a test.

use crate::common::cmd;
use marketrank::graph::SpillOptions;
use marketrank::graph_cache::read_graph_cache;
use marketrank::synth::{write_scale_graph, ScaleConfig};
use marketrank::Snapshot;
use std::path::Path;

fn assert_same_graph(a: &Path, b: &Path) {
    let (a, b) = (read_graph_cache(a).unwrap(), read_graph_cache(b).unwrap());
    assert_eq!(a.ids.len(), b.ids.len());
    assert_eq!(a.graph.edges(), b.graph.edges());
    assert_eq!(a.tags.names(), b.tags.names());
    for u in 0..a.ids.len() as u32 {
        assert_eq!(a.ids.name(u), b.ids.name(u), "user {u}");
        assert_eq!(a.graph.followers(u), b.graph.followers(u), "user {u}");
        assert_eq!(a.graph.out_weight(u), b.graph.out_weight(u), "user {u}");
        assert_eq!(a.tags.of_user(u), b.tags.of_user(u), "user {u}");
    }
    assert_eq!(a.report.build, b.report.build);
}

#[test]
fn one_thousandth_of_twitter_2010_generates_ingests_spilled_and_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ScaleConfig::scaled(41_652, 1_468_365);
    cfg.shards = 4;
    let spill = SpillOptions {
        after_follows: Some(100_000),
        dir: Some(dir.path().to_path_buf()),
    };
    let gen = dir.path().join("gen");
    let made = write_scale_graph(&cfg, &gen, true, &spill).unwrap();
    assert_eq!(
        made.follow_files.len(),
        1,
        "41,652 users are one chunk: one shard"
    );
    let lines = made.follow_lines as f64;
    assert!(
        (lines / 1_468_365.0 - 1.0).abs() < 0.1,
        "{lines} follow lines"
    );
    let cache = made.cache.unwrap();

    // The heavy tail: the most followed account has a large multiple of
    // the mean in-degree (35).
    let g = read_graph_cache(&cache).unwrap();
    let max_in = (0..g.ids.len() as u32)
        .map(|u| g.graph.followers(u).len())
        .max()
        .unwrap();
    assert!(max_in > 100 * 35, "max in-degree {max_in}");
    assert_eq!(g.tags.len(), 16);
    drop(g);

    // Ingest the text both ways: spilled (100k follows held at a time)
    // and in memory; both equal the generator's own cache.
    for (name, after) in [("spilled.mrg", "100000"), ("memory.mrg", "0")] {
        let out = dir.path().join(name);
        let run = cmd()
            .arg("ingest")
            .arg(gen.join("follows"))
            .arg(gen.join("topics.tsv"))
            .arg("--out")
            .arg(&out)
            .args(["--spill-after", after, "--spill-dir"])
            .arg(dir.path())
            .assert()
            .success();
        let said = String::from_utf8_lossy(&run.get_output().stderr).to_string();
        assert_eq!(said.contains("spilled to disk"), after != "0", "{said}");
        assert_same_graph(&cache, &out);
    }
    let leftover: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".marketrank-spill-")
        })
        .collect();
    assert!(leftover.is_empty(), "spill directories left: {leftover:?}");

    // Default settings from the cache, with the account history.
    let snap = dir.path().join("scale.snap");
    cmd()
        .arg("rank")
        .arg("--graph")
        .arg(&cache)
        .arg("--accounts")
        .arg(gen.join("accounts.tsv.gz"))
        .args(["--as-of", "2026-12-01", "--out"])
        .arg(&snap)
        .assert()
        .success();
    let s = Snapshot::open(&snap).unwrap();
    assert_eq!(
        s.markets().len(),
        17,
        "16 topics + _global: {:?}",
        s.markets()
    );
    assert!(s.metadata().trust.is_some(), "account trust recorded");
}
