//! Crash safety: killing `rank` with SIGKILL at any moment leaves the
//! previous snapshot at the output path whole and loadable, and the next
//! run removes the dead run's temporary file.

use crate::common::rank_sample;
use marketrank::synth::{generate, PlantedConfig};
use marketrank::Snapshot;
use std::io::Write;
use std::time::{Duration, Instant};

#[test]
fn kill_9_during_rank_leaves_the_previous_snapshot_intact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.snap");
    // The previous snapshot: the bundled sample.
    rank_sample(&out);
    let old_users = Snapshot::open(&out).unwrap().users();
    // A graph big enough that the run takes a while (~1 s).
    let p = generate(&PlantedConfig::for_users(150_000));
    let (e, t) = (dir.path().join("e.tsv"), dir.path().join("t.tsv"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&e).unwrap());
    for (a, b) in &p.edges {
        writeln!(f, "{a}\t{b}").unwrap();
    }
    drop(f);
    let mut g = std::io::BufWriter::new(std::fs::File::create(&t).unwrap());
    for &(u, topic) in &p.tags {
        writeln!(g, "{u}\t{}", p.topic_names[topic as usize]).unwrap();
    }
    drop(g);
    let bin = assert_cmd::cargo::cargo_bin("marketrank");
    let run = || {
        std::process::Command::new(&bin)
            .args(["rank", "--quiet", "--threads", "1"])
            .arg("--edges")
            .arg(&e)
            .arg("--topics")
            .arg(&t)
            .arg("--out")
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long a whole run takes here, then kill at fractions of it.
    let t0 = Instant::now();
    assert!(run().wait().unwrap().success());
    let full = t0.elapsed();
    let new_users = Snapshot::open(&out).unwrap().users();
    assert_ne!(old_users, new_users);
    let mut saw_temp = false;
    for frac in [0.1, 0.3, 0.5, 0.7, 0.85, 0.95, 0.99] {
        // Put the old snapshot back, then kill a run that writes over it.
        rank_sample(&out);
        let mut child = run();
        std::thread::sleep(Duration::from_secs_f64(full.as_secs_f64() * frac));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let snap = Snapshot::open(&out)
            .unwrap_or_else(|err| panic!("killed at {frac}: snapshot unreadable: {err}"));
        assert!(
            snap.users() == old_users || snap.users() == new_users,
            "killed at {frac}: {} users",
            snap.users()
        );
        saw_temp |= std::fs::read_dir(dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".scores.snap.tmp.")
        });
    }
    // And kills that certainly land while the snapshot is being written:
    // wait for the temporary file to appear, then kill.
    let temp_exists = || {
        std::fs::read_dir(dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".scores.snap.tmp.")
        })
    };
    let mut killed_mid_write = 0;
    for _ in 0..5 {
        rank_sample(&out);
        let mut child = run();
        let start = Instant::now();
        while !temp_exists() && start.elapsed() < full * 10 && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = child.kill();
        let status = child.wait().unwrap();
        if !status.success() && temp_exists() {
            killed_mid_write += 1;
            saw_temp = true;
        }
        let snap = Snapshot::open(&out)
            .unwrap_or_else(|err| panic!("killed while writing: snapshot unreadable: {err}"));
        assert!(snap.users() == old_users || snap.users() == new_users);
    }
    println!("full run {full:?}; runs killed while writing the snapshot: {killed_mid_write} of 5");
    assert!(
        killed_mid_write > 0,
        "no kill landed while the snapshot was written"
    );
    assert!(saw_temp);
    // The next run cleans up temporaries of dead runs.
    rank_sample(&out);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
