//! Writes a twitter-2010-sized topic-tagged follower graph (see
//! `marketrank::synth::ScaleConfig`): sharded `follows/part-NNNNN.tsv.gz`,
//! `topics.tsv`, `accounts.tsv.gz`, and with `--cache` the graph cache
//! `graph.mrg` that `marketrank ingest` of those files would write.
//!
//! `cargo run --release --example gen_scale -- [--users N] [--follows M] [--shards S] [--seed X] [--cache] [--spill-dir DIR] --out DIR`
//!
//! Defaults: twitter-2010's 41,652,230 users and 1,468,365,182 follows
//! (about 11 GB of `.tsv.gz`, 6 GB of cache; needs ~12 GB more free for
//! the spill while the cache is built).

use marketrank::graph::SpillOptions;
use marketrank::synth::{write_scale_graph, ScaleConfig};
use std::path::PathBuf;

fn main() {
    let usage = "usage: gen_scale [--users N] [--follows M] [--shards S] [--seed X] [--cache] [--spill-dir DIR] --out DIR";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args.get(i + 1).expect(usage).as_str())
    };
    let Some(out) = get("--out").map(PathBuf::from) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let mut cfg = ScaleConfig::twitter_2010();
    if let Some(v) = get("--users") {
        let users: u32 = v.parse().expect("--users");
        let follows = get("--follows").map_or(
            (users as f64 * cfg.follows as f64 / cfg.users as f64) as u64,
            |f| f.parse().expect("--follows"),
        );
        cfg = ScaleConfig {
            shards: cfg.shards,
            ..ScaleConfig::scaled(users, follows)
        };
    } else if let Some(v) = get("--follows") {
        cfg.follows = v.parse().expect("--follows");
    }
    if let Some(v) = get("--shards") {
        cfg.shards = v.parse().expect("--shards");
    }
    if let Some(v) = get("--seed") {
        cfg.seed = v.parse().expect("--seed");
    }
    let spill = SpillOptions {
        dir: get("--spill-dir").map(PathBuf::from),
        ..SpillOptions::default()
    };
    let cache = args.iter().any(|a| a == "--cache");
    let r = write_scale_graph(&cfg, &out, cache, &spill)
        .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    eprintln!(
        "wrote {}: {} users, {} follow lines in {} files ({:.2} GB gzip), {} tags; follows {:.1} s{}; peak memory {}",
        out.display(),
        cfg.users,
        r.follow_lines,
        r.follow_files.len(),
        r.follow_bytes as f64 / 1e9,
        r.tags,
        r.follows_s,
        r.cache
            .as_ref()
            .map_or(String::new(), |c| format!(", cache {} {:.1} s", c.display(), r.cache_s)),
        marketrank::job::memory::peak_rss_text(),
    );
}
