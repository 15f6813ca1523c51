//! The same input and parameters give the same snapshot bytes, whatever the
//! thread count.

use crate::common::{cmd, real_data};

fn rank_bytes(threads: usize, dir: &std::path::Path, precision: &str, method: &str) -> Vec<u8> {
    let data = real_data("ciao");
    let out = dir.join(format!("t{threads}-{precision}-{method}.snap"));
    cmd()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "rank",
            "--quiet",
            "--threads",
            &threads.to_string(),
            "--precision",
            precision,
            "--method",
            method,
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
    for method in ["extrapolated", "power"] {
        for precision in ["f32", "f64"] {
            let one = rank_bytes(1, dir.path(), precision, method);
            for t in [2, 4] {
                let many = rank_bytes(t, dir.path(), precision, method);
                assert!(
                    one == many,
                    "{method} {precision}: 1 thread and {t} threads differ"
                );
            }
        }
    }
    // The two methods are different iterations (extrapolation jumped), so
    // the comparison above covers the new one.
    assert!(
        rank_bytes(1, dir.path(), "f32", "extrapolated")
            != rank_bytes(1, dir.path(), "f32", "power")
    );
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
