//! Writes a synthetic follower graph with planted experts, celebrities and
//! follow farms (see `marketrank::synth`).
//!
//! `cargo run --release --example gen_planted -- --users N --avg-degree D --topics K --seed S [--attacks] --out DIR`
//!
//! `--attacks` also plants issue 16's attacks and honest look-alikes and
//! writes `accounts.tsv` (creation dates, as of 2026-12-01) and
//! `attacks.json`.

use marketrank::synth::{generate, plant_attacks, AttackConfig, PlantedConfig};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let usage = "usage: gen_planted [--users N] [--avg-degree D] [--topics K] [--seed S] [--attacks] --out DIR";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args.get(i + 1).expect(usage).as_str())
    };
    if args.iter().any(|a| a == "-h" || a == "--help") || get("--out").is_none() {
        eprintln!("{usage}");
        std::process::exit(2);
    }
    let users = get("--users").map_or(20_000, |v| v.parse().expect("--users"));
    // Farm sizes scale with --users (about 1 % each).
    let mut cfg = PlantedConfig::for_users(users);
    if let Some(v) = get("--avg-degree") {
        cfg.avg_degree = v.parse().expect("--avg-degree");
    }
    if let Some(v) = get("--topics") {
        cfg.topics = v.parse().expect("--topics");
    }
    if let Some(v) = get("--seed") {
        cfg.seed = v.parse().expect("--seed");
    }
    let out = PathBuf::from(get("--out").unwrap());
    let t0 = Instant::now();
    let mut p = generate(&cfg);
    if args.iter().any(|a| a == "--attacks") {
        let a = plant_attacks(&p, &AttackConfig::for_users(users, cfg.seed));
        a.write_dir(&out)
            .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
        p = a.planted;
    } else {
        p.write_dir(&out)
            .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    }
    let gen_s = t0.elapsed().as_secs_f64();
    let t = &p.truth;
    println!(
        "wrote {}: users={} organic={} edges={} tags={} topics={} celebrities={} farms={} (generate {:.2}s, total {:.2}s)",
        out.display(),
        p.users,
        t.organic_users,
        p.edges.len(),
        p.tags.len(),
        p.topic_names.len(),
        t.celebrities.len(),
        t.farms.len(),
        gen_s,
        t0.elapsed().as_secs_f64()
    );
}
