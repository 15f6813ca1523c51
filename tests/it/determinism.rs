//! The same input and parameters give the same snapshot bytes, whatever the
//! thread count.

use crate::common::{cmd, real_data};

fn rank_bytes(threads: usize, dir: &std::path::Path, precision: &str) -> Vec<u8> {
    let data = real_data("ciao");
    let out = dir.join(format!("t{threads}-{precision}.snap"));
    cmd()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "rank",
            "--quiet",
            "--threads",
            &threads.to_string(),
            "--precision",
            precision,
        ])
        .arg("--edges")
        .arg(data.join("edges.tsv"))
        .arg("--topics")
        .arg(data.join("topics.tsv"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    std::fs::read(out).unwrap()
}

#[test]
fn snapshot_bytes_identical_for_1_2_and_4_threads() {
    let dir = tempfile::tempdir().unwrap();
    for precision in ["f32", "f64"] {
        let one = rank_bytes(1, dir.path(), precision);
        for t in [2, 4] {
            let many = rank_bytes(t, dir.path(), precision);
            assert!(one == many, "{precision}: 1 thread and {t} threads differ");
        }
    }
}

#[test]
fn library_scores_identical_across_pools() {
    use marketrank::{input::BadLines, load_tagged_graph, rank, RankConfig, TopicTeleport};
    let d = real_data("polblogs");
    let data =
        load_tagged_graph(&d.join("edges.tsv"), &d.join("topics.tsv"), BadLines::Fail).unwrap();
    let tele = TopicTeleport::from_tags(&data.tags, data.ids.len());
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| rank(&data.graph, &tele, &RankConfig::default()))
    };
    let a = run(1);
    for t in [2, 3, 8] {
        assert_eq!(a.scores, run(t).scores, "threads {t}");
    }
}
