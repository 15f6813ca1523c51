//! Criterion benchmarks of the rank kernel on planted graphs (setup kept out
//! of the timings): plain vs topic-biased walk, f32 vs f64, K = 4 / 16 / 17.
//!
//! `cargo bench --bench rank_kernel`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use marketrank::synth::{generate, PlantedConfig};
use marketrank::{
    rank, GraphBuilder, Precision, RankConfig, TeleportMode, TopicTeleport, TopicsBuilder, Walk,
};

fn setup(users: usize, topics: usize) -> (marketrank::FollowerGraph, marketrank::TopicTags) {
    let mut cfg = PlantedConfig::for_users(users);
    cfg.topics = topics;
    let p = generate(&cfg);
    let mut g = GraphBuilder::with_capacity(p.edges.len());
    for &(a, b) in &p.edges {
        g.add_follow(a, b, 1.0);
    }
    let (graph, _) = g.build(p.users);
    let mut t = TopicsBuilder::new();
    for &(u, topic) in &p.tags {
        t.add_tag(u, &p.topic_names[topic as usize], 1.0);
    }
    (graph, t.build(p.users))
}

fn kernel(c: &mut Criterion) {
    let mut group = c.benchmark_group("rank_200k_users");
    group.sample_size(10);
    for topics in [4usize, 16] {
        let (graph, tags) = setup(200_000, topics);
        for (name, walk, precision) in [
            ("plain_f32", Walk::Plain, Precision::F32),
            ("plain_f64", Walk::Plain, Precision::F64),
            (
                "biased_f32",
                Walk::TopicBiased { epsilon: 0.1 },
                Precision::F32,
            ),
        ] {
            for global in [false, true] {
                let tele = TopicTeleport::new(&tags, &graph, TeleportMode::Tagged, global);
                let cfg = RankConfig {
                    walk,
                    precision,
                    max_iterations: 10,
                    tolerance: 1e-12,
                    ..RankConfig::default()
                };
                let id = BenchmarkId::new(name, format!("K={}", tele.len()));
                group.bench_with_input(id, &cfg, |b, cfg| b.iter(|| rank(&graph, &tele, cfg)));
            }
        }
    }
    group.finish();
}

criterion_group!(benches, kernel);
criterion_main!(benches);
