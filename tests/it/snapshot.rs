//! Snapshot round trip and refusal of damaged files.

use crate::common::{cmd, rank_sample, write};
use marketrank::{Snapshot, SnapshotError};

fn demo_snapshot(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("s.snap");
    rank_sample(&out);
    out
}

#[test]
fn round_trip_through_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let snap = Snapshot::open(demo_snapshot(dir.path())).unwrap();
    assert_eq!(snap.users(), 523);
    assert_eq!(
        snap.markets(),
        &["_global", "cooking", "fashion", "fitness", "tech"]
    );
    let meta = snap.metadata();
    assert_eq!(meta.format_version, 1);
    assert_eq!(meta.parameters.damping, 0.85);
    assert!(meta
        .markets
        .iter()
        .all(|m| m.converged && m.iterations > 0 && m.residual <= 1e-6));
    assert_eq!(meta.inputs.len(), 2);
    for m in 0..snap.markets().len() {
        let sum: f64 = (0..snap.users() as u32).map(|u| snap.score(u, m)).sum();
        assert!((sum - 1.0).abs() < 1e-5, "market {m} sums to {sum}");
        // Order is descending and ranks are consistent with it.
        let order = snap.order(m);
        assert!(order
            .windows(2)
            .all(|w| snap.score(w[0], m) >= snap.score(w[1], m)));
        assert_eq!(snap.standing(order[0], m).rank, 1);
    }
    let fashion = snap.market_index("fashion").unwrap();
    let mila = snap.user_index("mila_atelier").unwrap();
    assert_eq!(snap.user_id(mila), "mila_atelier");
    assert_eq!(snap.followers(mila), 9);
    assert_eq!(snap.top(fashion, 1).next().unwrap().0, mila);
    assert!(snap.standing(mila, fashion).percentile > 99.0);
    assert!(snap.user_index("nobody_here").is_none());
}

/// The lookup service's precomputed ranks ([`RankIndex`]) answer exactly
/// what the searches over the stored order answer, ties included (the
/// sample has large tie groups: users nobody in a market follows).
#[test]
fn rank_index_answers_what_the_searches_answer() {
    use marketrank::query::rank_index::RankIndex;
    use marketrank::standing::{user_view, user_view_indexed};
    let dir = tempfile::tempdir().unwrap();
    let snap = Snapshot::open(demo_snapshot(dir.path())).unwrap();
    let ranks = RankIndex::build(&snap).unwrap();
    let mut tied = 0;
    for m in 0..snap.markets().len() {
        for u in 0..snap.users() as u32 {
            let st = snap.standing(u, m);
            assert_eq!(ranks.standing(&snap, u, m), st, "user {u} market {m}");
            assert_eq!(ranks.rank(u, m), snap.rank(u, m));
            assert_eq!(
                user_view_indexed(&snap, &ranks, u, m),
                user_view(&snap, u, m)
            );
            let next = snap.order(m).get(st.rank as usize);
            tied += usize::from(next.is_some_and(|&v| snap.score(v, m) == st.score));
        }
    }
    assert!(tied > 100, "the sample should exercise tie groups ({tied})");
    assert!(ranks.bytes() >= snap.users() * snap.markets().len() * 4);
}

#[test]
fn truncated_snapshot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = demo_snapshot(dir.path());
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let err = Snapshot::open(&p).err().expect("refused");
    assert!(matches!(err, SnapshotError::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("truncated"));
}

#[test]
fn flipped_bit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = demo_snapshot(dir.path());
    let mut bytes = std::fs::read(&p).unwrap();
    let at = bytes.len() - 100;
    bytes[at] ^= 0x10;
    std::fs::write(&p, &bytes).unwrap();
    let err = Snapshot::open(&p).err().expect("refused");
    assert!(
        matches!(err, SnapshotError::Checksum { part: "body", .. }),
        "{err}"
    );
    // The header is checksummed separately.
    let mut bytes = std::fs::read(&p).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&p, &bytes).unwrap();
    assert!(matches!(
        Snapshot::open(&p),
        Err(SnapshotError::Checksum { part: "header", .. })
    ));
}

#[test]
fn foreign_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "x.snap", "user\tscore\nalice\t0.5\n");
    let err = Snapshot::open(&p).err().expect("refused");
    assert!(
        err.to_string().contains("not a marketrank snapshot"),
        "{err}"
    );
    let empty = write(dir.path(), "empty.snap", "");
    assert!(matches!(
        Snapshot::open(&empty),
        Err(SnapshotError::NotASnapshot { .. })
    ));
    cmd()
        .arg("top")
        .arg(&p)
        .args(["--market", "x"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a marketrank snapshot"));
}

#[test]
fn writing_over_an_existing_snapshot_leaves_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let p = demo_snapshot(dir.path());
    demo_snapshot(dir.path());
    Snapshot::open(&p).unwrap();
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["s.snap".to_string()]);
}

/// Inputs the fuzzer found (fuzz/fuzz_targets/snapshot_reader.rs), with
/// valid checksums: a file whose id index is not sorted opens (lookups
/// cannot panic), fails the deep check, and `info --check` says why.
#[test]
fn fuzz_found_snapshots_fail_the_consistency_check() {
    let p = crate::common::repo("tests/data/fuzz/snapshot-unsorted-id-index.snap");
    let snap = Snapshot::open(&p).expect("structurally sound");
    for u in 0..snap.users() as u32 {
        let _ = snap.user_index(snap.user_id(u));
    }
    let err = snap.check_consistency().err().expect("refused").to_string();
    assert!(err.contains("the id index is not sorted"), "{err}");
    crate::common::cmd()
        .args(["info", "--check"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "malformed snapshot: the id index is not sorted",
        ));
    // A real snapshot passes.
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("s.snap");
    crate::common::rank_sample(&good);
    Snapshot::open(&good).unwrap().check_consistency().unwrap();
    crate::common::cmd()
        .args(["info", "--check"])
        .arg(&good)
        .assert()
        .success();
}
