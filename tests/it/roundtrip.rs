//! Exports read back by other ecosystems: a Python script reads the
//! snapshot with numpy from docs/snapshot-format.md alone, and the CSV and
//! JSON Lines and Parquet exports with polars and DuckDB (installed by
//! .ci/run).

use crate::common::{cmd, python_with, rank_sample, repo, Tool};
use std::process::Command;

#[test]
fn exports_read_back_in_polars_and_duckdb_equal_the_snapshot() {
    if !Tool::Python.available(
        "exports_read_back_in_polars_and_duckdb_equal_the_snapshot",
        python_with("numpy, polars, duckdb"),
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.snap");
    rank_sample(&snap);
    let (csv, jsonl, wide) = (
        dir.path().join("long.csv"),
        dir.path().join("long.jsonl"),
        dir.path().join("wide.csv"),
    );
    cmd()
        .arg("export")
        .arg(&snap)
        .arg("--out")
        .arg(&csv)
        .assert()
        .success();
    cmd()
        .arg("export")
        .arg(&snap)
        .args(["--format", "jsonl", "--out"])
        .arg(&jsonl)
        .assert()
        .success();
    cmd()
        .arg("export")
        .arg(&snap)
        .args(["--wide", "--out"])
        .arg(&wide)
        .assert()
        .success();
    let (long_pq, wide_pq) = (
        dir.path().join("long.parquet"),
        dir.path().join("wide.parquet"),
    );
    cmd()
        .arg("export")
        .arg(&snap)
        .args(["--format", "parquet", "--out"])
        .arg(&long_pq)
        .assert()
        .success();
    cmd()
        .arg("export")
        .arg(&snap)
        .args(["--format", "parquet", "--wide", "--top", "10", "--out"])
        .arg(&wide_pq)
        .assert()
        .success();
    let out = Command::new("python3")
        .arg(repo("tests/py/roundtrip.py"))
        .args([&snap, &csv, &jsonl, &wide, &long_pq, &wide_pq])
        .output()
        .expect("python3 started a moment ago");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "round trip failed:\n{text}");
    assert!(text.contains("DuckDB CSV: 2615 rows match"));
    assert!(text.contains("DuckDB Parquet: 2615 rows match"));
    assert!(text.contains("polars wide Parquet"));
}
