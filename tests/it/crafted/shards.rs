//! Issue 18, item 16: a sharded snapshot's parts are bound to their run.
//! The manifest records the run id and each part's length and body CRC;
//! every part's metadata carries the run id. A part copied in from another
//! run (another `--damping`), a manifest listing a part twice, and a
//! version-1 manifest (which had no binding) are refused by `open`, and so
//! by `top`, `show`, `info --check` and `merge`, which then writes nothing.

use super::{run, Crafted, LIMIT};
use crate::common::{cmd, repo};
use marketrank::snapshot::shards::{read_manifest, ShardProblem};
use marketrank::{Snapshot, SnapshotError};
use serde_json::Value;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A two-worker run of the sample at `dir/name` with `--damping damping`;
/// returns the manifest's path and its parts' paths.
fn sharded(dir: &Path, name: &str, damping: &str) -> (PathBuf, Vec<PathBuf>) {
    let out = dir.join(name);
    cmd()
        .args(["rank", "--quiet", "--engine", "timely", "--workers", "2"])
        .args(["--damping", damping])
        .arg("--edges")
        .arg(repo("data/edges.tsv"))
        .arg("--topics")
        .arg(repo("data/topics.tsv"))
        .arg("--out")
        .arg(&out)
        .timeout(LIMIT * 3)
        .assert()
        .success();
    let (_, parts) = read_manifest(&out).unwrap();
    assert_eq!(parts.len(), 2);
    (out, parts)
}

fn manifest_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn write_json(p: &Path, v: &Value) {
    std::fs::write(p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

/// The manifest's problem, from `Snapshot::open`.
fn shard_problem(manifest: &Path) -> ShardProblem {
    match Snapshot::open(manifest) {
        Err(SnapshotError::Shards { problem, .. }) => problem,
        Err(e) => panic!("refused, but not as a sharded snapshot: {e}"),
        Ok(_) => panic!("{} opened", manifest.display()),
    }
}

/// `top`, `show`, `info --check` and `merge` refuse the manifest with exit
/// 2 and `needle`, never a panic or a hang; `merge` leaves no file (and no
/// temporary) behind.
fn assert_refused_by_readers_and_merge(manifest: &Path, needle: &str) {
    let dir = manifest.parent().unwrap();
    let before = std::fs::read_dir(dir).unwrap().count();
    let merged = dir.join("merged.snap");
    let m = || OsString::from(manifest);
    let commands: Vec<(&str, Vec<OsString>)> = vec![
        (
            "top",
            vec!["top".into(), m(), "--market".into(), "fashion".into()],
        ),
        (
            "show",
            vec!["show".into(), m(), "--user".into(), "mila_atelier".into()],
        ),
        ("info --check", vec!["info".into(), "--check".into(), m()]),
        (
            "merge",
            vec!["merge".into(), m(), "--out".into(), merged.clone().into()],
        ),
    ];
    for (name, args) in commands {
        let (code, err) = run(&args);
        assert!(!err.contains("panicked"), "{name} panicked: {err}");
        assert_eq!(code, Some(2), "{name}: exit {code:?} (None: hung), {err}");
        assert!(err.contains(needle), "{name}: no `{needle}` in: {err}");
    }
    assert!(!merged.exists(), "merge wrote {}", merged.display());
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        before,
        "merge left a file behind"
    );
}

#[test]
fn sharded_parts_are_bound_to_their_run_by_id_length_and_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let (out, parts) = sharded(dir.path(), "s.snap", "0.85");
    let (manifest, _) = read_manifest(&out).unwrap();
    assert_eq!(manifest.version, 2);
    assert_eq!(manifest.run.len(), 16, "run id: {}", manifest.run);
    assert_eq!(
        manifest.metadata.run_id.as_deref(),
        Some(manifest.run.as_str())
    );
    for (entry, path) in manifest.parts.iter().zip(&parts) {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(entry.bytes, bytes.len() as u64, "{}", entry.file);
        assert_eq!(entry.crc32, crc32fast::hash(&bytes[64..]), "{}", entry.file);
        let part = Snapshot::open(path).unwrap();
        assert_eq!(
            part.metadata().run_id.as_deref(),
            Some(manifest.run.as_str())
        );
    }
    let snap = Snapshot::open(&out).unwrap();
    snap.check_consistency().unwrap();
    // Merging keeps the run id, so the merged file says where it came from.
    let merged = dir.path().join("merged.snap");
    cmd()
        .arg("merge")
        .arg(&out)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    let one = Snapshot::open(&merged).unwrap();
    assert_eq!(
        one.metadata().run_id.as_deref(),
        Some(manifest.run.as_str())
    );
    // A single-process run has no run id (its bytes are unchanged).
    let local = dir.path().join("local.snap");
    crate::common::rank_sample(&local);
    assert_eq!(Snapshot::open(&local).unwrap().metadata().run_id, None);
}

/// The case: a part of a run with another damping copied over a
/// part of this run. Its length and CRC are not the manifest's.
#[test]
fn a_part_from_another_run_is_refused_by_open_top_info_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (a, a_parts) = sharded(dir.path(), "a.snap", "0.85");
    let (_, b_parts) = sharded(dir.path(), "b.snap", "0.6");
    std::fs::copy(&b_parts[1], &a_parts[1]).unwrap();
    let problem = shard_problem(&a);
    assert!(matches!(problem, ShardProblem::Changed { .. }), "{problem}");
    assert_refused_by_readers_and_merge(&a, "is not the file this manifest was written with");
}

/// A forger who also rewrites the manifest's length and CRC for the
/// foreign part: its run id still differs.
#[test]
fn a_part_from_another_run_is_refused_even_with_its_checksum_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let (a, a_parts) = sharded(dir.path(), "a.snap", "0.85");
    let (b, b_parts) = sharded(dir.path(), "b.snap", "0.6");
    std::fs::copy(&b_parts[1], &a_parts[1]).unwrap();
    let mut m = manifest_json(&a);
    let theirs = manifest_json(&b)["parts"][1].clone();
    m["parts"][1]["bytes"] = theirs["bytes"].clone();
    m["parts"][1]["crc32"] = theirs["crc32"].clone();
    m["parts"][1]["users"] = theirs["users"].clone();
    write_json(&a, &m);
    let problem = shard_problem(&a);
    assert!(
        matches!(problem, ShardProblem::OtherRun { .. }),
        "{problem}"
    );
    assert_refused_by_readers_and_merge(&a, "belongs to run");
}

/// The same part listed twice (users adjusted, as the forger did,
/// so only the repetition is wrong): by name, and as a copy under another
/// name (same length and CRC).
#[test]
fn a_manifest_listing_a_part_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (out, parts) = sharded(dir.path(), "s.snap", "0.85");
    let original = manifest_json(&out);
    let first = original["parts"][0].clone();
    let users = original["metadata"]["users"].as_u64().unwrap() + first["users"].as_u64().unwrap();
    let mut twice = original.clone();
    twice["parts"].as_array_mut().unwrap().push(first.clone());
    twice["metadata"]["users"] = users.into();
    write_json(&out, &twice);
    let problem = shard_problem(&out);
    assert!(
        matches!(
            problem,
            ShardProblem::Duplicate {
                first_at: 0,
                again_at: 2,
                ..
            }
        ),
        "{problem}"
    );
    assert_refused_by_readers_and_merge(&out, "is the same file as");
    // A copy of part 0 under another name.
    let copy = "s.snap.copy-of-part-0";
    std::fs::copy(&parts[0], dir.path().join(copy)).unwrap();
    let mut renamed = twice.clone();
    renamed["parts"][2]["file"] = copy.into();
    write_json(&out, &renamed);
    assert!(matches!(
        shard_problem(&out),
        ShardProblem::Duplicate { .. }
    ));
    assert_refused_by_readers_and_merge(&out, "is the same file as");
}

/// Version-1 manifests bound nothing; they are refused with what to do.
#[test]
fn a_version_1_manifest_is_refused_with_a_message_to_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = sharded(dir.path(), "s.snap", "0.85");
    let mut m = manifest_json(&out);
    m["version"] = 1.into();
    m.as_object_mut().unwrap().remove("run");
    for p in m["parts"].as_array_mut().unwrap() {
        let p = p.as_object_mut().unwrap();
        p.remove("bytes");
        p.remove("crc32");
    }
    write_json(&out, &m);
    assert_eq!(shard_problem(&out), ShardProblem::Unbound { version: 1 });
    assert_refused_by_readers_and_merge(&out, "run the distributed `marketrank rank` again");
}

/// Two parts that hold the same user, each bound to the run (a forger who
/// rewrote a part's run id and fixed its CRCs, then the manifest): `open`
/// cannot see it without reading every id, `info --check` and `merge` do.
#[test]
fn parts_sharing_a_user_are_refused_by_info_check_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = sharded(dir.path(), "a.snap", "0.85");
    let (_, b_parts) = sharded(dir.path(), "b.snap", "0.6");
    let mut m = manifest_json(&a);
    let run_a = m["run"].as_str().unwrap().to_string();
    // Part 0 of run b, with run a's id (same length) in its metadata.
    let mut c = Crafted::read(&b_parts[0]);
    let meta = c.section(1);
    let text = String::from_utf8(c.bytes[meta.clone()].to_vec()).unwrap();
    let theirs = Snapshot::open(&b_parts[0])
        .unwrap()
        .metadata()
        .run_id
        .clone()
        .unwrap();
    let text = text.replace(&theirs, &run_a);
    c.bytes[meta].copy_from_slice(text.as_bytes());
    let forged = dir.path().join("a.snap.forged-part");
    c.write(&forged);
    let bytes = std::fs::read(&forged).unwrap();
    let part0 = m["parts"][0].clone();
    let mut entry = part0.clone();
    entry["file"] = "a.snap.forged-part".into();
    entry["bytes"] = (bytes.len() as u64).into();
    entry["crc32"] = u32::from_le_bytes(bytes[56..60].try_into().unwrap()).into();
    m["parts"].as_array_mut().unwrap().push(entry);
    let users = m["metadata"]["users"].as_u64().unwrap() + part0["users"].as_u64().unwrap();
    m["metadata"]["users"] = users.into();
    write_json(&a, &m);
    let snap = Snapshot::open(&a).expect("every part is bound to the run");
    let e = snap.check_consistency().expect_err("refused");
    assert!(
        matches!(
            e,
            SnapshotError::Shards {
                problem: ShardProblem::SharedUser { .. },
                ..
            }
        ),
        "{e}"
    );
    let (code, err) = run(&["info".into(), "--check".into(), a.clone().into()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("both hold user"), "{err}");
    let merged = dir.path().join("merged.snap");
    let (code, err) = run(&[
        "merge".into(),
        a.clone().into(),
        "--out".into(),
        merged.clone().into(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!merged.exists());
}
