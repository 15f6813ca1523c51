//! Crash safety: killing `rank` with SIGKILL at any moment leaves the
//! previous snapshot at the output path whole and loadable, and the next
//! run removes the dead run's temporary file.

use crate::common::{planted_files, rank_sample};
use marketrank::Snapshot;
use std::time::{Duration, Instant};

#[test]
fn kill_9_during_rank_leaves_the_previous_snapshot_intact() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.snap");
    // The previous snapshot: the bundled sample.
    rank_sample(&out);
    let old_users = Snapshot::open(&out).unwrap().users();
    // A graph big enough that the run takes a while (~1 s).
    let (e, t) = planted_files(dir.path(), 150_000);
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
    assert_no_temporaries(dir.path());
}

/// Writes a 150k-user planted graph (a run of about a second) to `dir`.

/// Sends `sig` (`TERM`, `INT`, ...) to a child with the `kill` command.
fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args(["-s", sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok || !std::path::Path::new(&format!("/proc/{}", child.id())).exists());
}

/// Starts `start()`, waits until a temporary of `target` appears, sends
/// `sig`; returns whether the signal landed mid-write.
fn interrupt_mid_write(
    dir: &std::path::Path,
    target: &str,
    sig: &str,
    start: &dyn Fn() -> std::process::Child,
) -> bool {
    let prefix = format!(".{target}.tmp.");
    let temp_exists = || {
        std::fs::read_dir(dir).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(&prefix)
        })
    };
    let mut child = start();
    let t0 = Instant::now();
    while !temp_exists()
        && t0.elapsed() < Duration::from_secs(60)
        && child.try_wait().unwrap().is_none()
    {
        std::thread::sleep(Duration::from_micros(200));
    }
    signal(&child, sig);
    let status = child.wait().unwrap();
    !status.success() && temp_exists()
}

#[test]
fn sigterm_and_ctrl_c_during_rank_and_export_leave_old_or_new_files() {
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = planted_files(dir.path(), 150_000);
    let bin = assert_cmd::cargo::cargo_bin("marketrank");
    let out = dir.path().join("scores.snap");
    let big = dir.path().join("big.snap");
    let rank = |target: &std::path::Path| {
        let (e, t, target, bin) = (e.clone(), t.clone(), target.to_path_buf(), bin.clone());
        move || {
            std::process::Command::new(&bin)
                .args(["rank", "--quiet", "--threads", "1", "--edges"])
                .arg(&e)
                .arg("--topics")
                .arg(&t)
                .arg("--out")
                .arg(&target)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        }
    };
    assert!(rank(&big)().wait().unwrap().success());
    let new_users = Snapshot::open(&big).unwrap().users();
    let mut landed = 0;
    for sig in ["TERM", "INT"] {
        for _ in 0..3 {
            rank_sample(&out);
            let old_users = Snapshot::open(&out).unwrap().users();
            landed += usize::from(interrupt_mid_write(
                dir.path(),
                "scores.snap",
                sig,
                &rank(&out),
            ));
            let snap =
                Snapshot::open(&out).unwrap_or_else(|err| panic!("SIG{sig}: unreadable: {err}"));
            assert!(snap.users() == old_users || snap.users() == new_users);
        }
    }
    // Export: the previous export stays byte for byte, or the new one is whole.
    let csv = dir.path().join("scores.csv");
    let export = |args: &[&str]| {
        let mut c = std::process::Command::new(&bin);
        c.arg("export").arg(&big).args(args).arg("--out").arg(&csv);
        c.stderr(std::process::Stdio::null());
        c
    };
    assert!(export(&[]).status().unwrap().success());
    let full = std::fs::read(&csv).unwrap();
    for sig in ["TERM", "INT", "KILL"] {
        for _ in 0..2 {
            assert!(export(&["--top", "3"]).status().unwrap().success());
            let old = std::fs::read(&csv).unwrap();
            landed += usize::from(interrupt_mid_write(dir.path(), "scores.csv", sig, &|| {
                export(&[]).spawn().unwrap()
            }));
            let now = std::fs::read(&csv).unwrap();
            assert!(
                now == old || now == full,
                "SIG{sig}: a partial export ({} bytes)",
                now.len()
            );
        }
    }
    println!("signals that landed mid-write: {landed} of 12");
    assert!(
        landed > 0,
        "no signal landed while a file was being written"
    );
    // The next runs clean up what the interrupted ones left.
    rank_sample(&out);
    assert!(export(&["--top", "1"]).status().unwrap().success());
    assert_no_temporaries(dir.path());
}

/// Fails when a temporary output file is left in `dir`.
fn assert_no_temporaries(dir: &std::path::Path) {
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
