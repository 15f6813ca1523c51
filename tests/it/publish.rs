//! Issue 23: `marketrank publish` against a real PostgreSQL server (a
//! throwaway cluster, see `pg_server.rs`): every value read back equals
//! the snapshot's, readers never see an empty or mixed table while
//! publishes run, SIGKILL at COPY or index build leaves the old table,
//! and connection failures say why with exit code 2.

use crate::common::{cmd, planted_files, rank_files, rank_sample, rank_sample_with, real_data};
use crate::pg_server::{server, PgServer};
use marketrank::query::standing::{tier, user_view};
use marketrank::Snapshot;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn publish(pg: &PgServer, db: &str, snap: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    cmd()
        .arg("publish")
        .arg(snap)
        .args(["--postgres", &pg.url(db)])
        .args(extra)
        .assert()
}

/// Every row of `table` against the snapshot, value by value; returns
/// the number of rows.
fn assert_table_is(pg: &PgServer, db: &str, table: &str, snap: &Snapshot) -> usize {
    let mut c = pg.client(db);
    let rows = c
        .query(
            &format!("SELECT \"user\", market, score, rank, percentile, influence, tier, followers, global_rank, lift, snapshot_id, extract(epoch FROM created)::float8 FROM {table}"),
            &[],
        )
        .unwrap();
    let g = snap.market_index("_global");
    let mut seen = std::collections::HashSet::new();
    for r in &rows {
        let (user, market): (String, String) = (r.get(0), r.get(1));
        let u = snap
            .user_index(&user)
            .unwrap_or_else(|| panic!("unknown user {user}"));
        let m = snap.market_index(&market).unwrap();
        assert!(seen.insert((u, m)), "{user} {market} twice");
        let v = user_view(snap, u, m);
        let what = format!("{user} in {market}");
        assert_eq!(
            r.get::<_, f64>(2).to_bits(),
            snap.score(u, m).to_bits(),
            "score of {what}"
        );
        assert_eq!(r.get::<_, i64>(3) as u64, v.rank, "rank of {what}");
        assert_eq!(r.get::<_, f64>(4), v.percentile, "percentile of {what}");
        assert_eq!(r.get::<_, f64>(5), v.influence, "influence of {what}");
        assert_eq!(r.get::<_, String>(6), tier(v.percentile), "tier of {what}");
        assert_eq!(
            r.get::<_, i64>(7) as u64,
            v.followers,
            "followers of {what}"
        );
        match g {
            Some(_) => {
                assert_eq!(
                    r.get::<_, Option<i64>>(8),
                    Some(v.global_rank as i64),
                    "global rank of {what}"
                );
                let lift: f64 = r.get::<_, Option<f64>>(9).unwrap();
                assert!(
                    (lift - v.lift).abs() <= 1e-12 * v.lift.abs().max(1.0),
                    "lift of {what}: {lift} vs {}",
                    v.lift
                );
            }
            None => assert_eq!(r.get::<_, Option<i64>>(8), None),
        }
        assert_eq!(r.get::<_, String>(10), snap.content_id());
        assert_eq!(r.get::<_, f64>(11), snap.metadata().created_unix as f64);
    }
    rows.len()
}

#[test]
fn sample_and_ciao_read_back_value_for_value() {
    let Some(pg) = server("publish sample and Ciao") else {
        return;
    };
    let db = pg.database("publish_readback");
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample.snap");
    rank_sample(&sample);
    let out = publish(pg, &db, &sample, &[]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        !err.contains(&pg.password),
        "the password is never printed: {err}"
    );
    let snap = Snapshot::open(&sample).unwrap();
    let n = assert_table_is(pg, &db, "influence", &snap);
    assert_eq!(n, snap.users() * snap.markets().len());
    assert!(err.contains(&format!("published {n} rows")), "{err}");

    let ciao = real_data("ciao");
    let ciao_snap = dir.path().join("ciao.snap");
    rank_files(
        &ciao.join("edges.tsv"),
        &ciao.join("topics.tsv"),
        &ciao_snap,
    )
    .assert()
    .success();
    publish(pg, &db, &ciao_snap, &["--table", "crm.ciao"]).failure();
    pg.client(&db).batch_execute("CREATE SCHEMA crm").unwrap();
    let out = publish(pg, &db, &ciao_snap, &["--table", "crm.ciao"]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let snap = Snapshot::open(&ciao_snap).unwrap();
    let n = assert_table_is(pg, &db, "crm.ciao", &snap);
    assert_eq!(n, snap.users() * snap.markets().len(), "{err}");

    // Filters as in export; the history table says what was published.
    publish(pg, &db, &ciao_snap, &["--table", "crm.ciao", "--top", "3"]).success();
    let mut c = pg.client(&db);
    let per_market: i64 = c
        .query_one(
            "SELECT max(c) FROM (SELECT count(*) c FROM crm.ciao GROUP BY market) x",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(
        per_market >= 3 && per_market < 10,
        "top 3 (ties share a rank): {per_market}"
    );
    let hist = c
        .query(
            "SELECT table_name, snapshot_id, top FROM crm.marketrank_snapshots ORDER BY id",
            &[],
        )
        .unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[1].get::<_, Option<i64>>(2), Some(3));
    assert_eq!(hist[1].get::<_, String>(0), "crm.ciao");
    // Indexes under their final names; no staging left.
    let idx: Vec<String> = c
        .query(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'ciao' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(idx, ["ciao_market_rank_idx", "ciao_user_idx"]);
}

#[test]
fn a_table_marketrank_did_not_publish_is_refused_and_grants_survive() {
    let Some(pg) = server("publish refuses foreign tables") else {
        return;
    };
    let db = pg.database("publish_foreign");
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("s.snap");
    rank_sample(&sample);
    let mut c = pg.client(&db);
    c.batch_execute("CREATE TABLE customers (id int); INSERT INTO customers VALUES (1)")
        .unwrap();
    let out = publish(pg, &db, &sample, &["--table", "customers"]).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("was not published by marketrank"), "{err}");
    let n: i64 = c
        .query_one("SELECT count(*) FROM customers", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // A CRM sync role's SELECT is kept across publishes.
    publish(pg, &db, &sample, &[]).success();
    c.batch_execute(
        "DROP ROLE IF EXISTS crm_sync; CREATE ROLE crm_sync; GRANT SELECT ON influence TO crm_sync",
    )
    .unwrap();
    publish(pg, &db, &sample, &[]).success();
    let can: bool = c
        .query_one(
            "SELECT has_table_privilege('crm_sync', 'influence', 'SELECT')",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(can, "grant repeated on the new table");
    c.batch_execute("DROP OWNED BY crm_sync; DROP ROLE crm_sync")
        .unwrap();
}

#[test]
fn eight_readers_see_one_whole_snapshot_while_five_publishes_run() {
    let Some(pg) = server("publish under concurrent readers") else {
        return;
    };
    let db = pg.database("publish_readers");
    let dir = tempfile::tempdir().unwrap();
    let snaps: Vec<_> = (0..6)
        .map(|i| {
            let p = dir.path().join(format!("s{i}.snap"));
            let damping = format!("{}", 0.85 - 0.03 * i as f64);
            rank_sample_with(&p, &["--damping", &damping]);
            p
        })
        .collect();
    let ids: HashMap<String, i64> = snaps
        .iter()
        .map(|p| {
            let s = Snapshot::open(p).unwrap();
            (s.content_id(), (s.users() * s.markets().len()) as i64)
        })
        .collect();
    assert_eq!(ids.len(), 6, "six different snapshots");
    publish(pg, &db, &snaps[0], &[]).success();
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let (stop, ids, url) = (stop.clone(), ids.clone(), pg.url(&db));
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
                let (mut reads, mut errors, mut seen) = (0u64, Vec::new(), std::collections::HashSet::new());
                while !stop.load(Ordering::Relaxed) {
                    match c.query_one(
                        "SELECT count(*), count(DISTINCT snapshot_id), min(snapshot_id) FROM influence",
                        &[],
                    ) {
                        Ok(r) => {
                            let (n, distinct, id): (i64, i64, Option<String>) = (r.get(0), r.get(1), r.get(2));
                            let id = id.unwrap_or_default();
                            if distinct != 1 || ids.get(&id) != Some(&n) {
                                errors.push(format!("{n} rows of {distinct} snapshots ({id})"));
                            }
                            seen.insert(id);
                        }
                        Err(e) => errors.push(e.to_string()),
                    }
                    reads += 1;
                }
                (reads, errors, seen)
            })
        })
        .collect();
    for s in &snaps[1..] {
        publish(pg, &db, s, &[]).success();
    }
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let mut all_seen = std::collections::HashSet::new();
    for r in readers {
        let (reads, errors, seen) = r.join().unwrap();
        assert!(
            errors.is_empty(),
            "{} bad reads of {reads}: {:?}",
            errors.len(),
            &errors[..errors.len().min(5)]
        );
        assert!(reads > 10, "{reads} reads");
        all_seen.extend(seen);
    }
    assert!(
        all_seen.len() >= 2,
        "readers saw the table change: {all_seen:?}"
    );
}

/// A snapshot big enough that its COPY and index builds last a while.
fn big_snapshot(dir: &Path) -> std::path::PathBuf {
    let (e, t) = planted_files(dir, 150_000);
    let out = dir.join("big.snap");
    rank_files(&e, &t, &out).assert().success();
    out
}

#[test]
fn sigkill_during_copy_or_index_build_leaves_the_old_table() {
    let Some(pg) = server("publish killed") else {
        return;
    };
    let db = pg.database("publish_killed");
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("s.snap");
    rank_sample(&sample);
    let old = Snapshot::open(&sample).unwrap();
    let big = big_snapshot(dir.path());
    publish(pg, &db, &sample, &[]).success();
    let mut watch = pg.client(&db);
    let bin = assert_cmd::cargo::cargo_bin("marketrank");
    for (phase, probe) in [
        (
            "COPY",
            "SELECT count(*) FROM pg_stat_progress_copy WHERE datname = current_database()",
        ),
        (
            "index build",
            "SELECT count(*) FROM pg_stat_progress_create_index WHERE datname = current_database()",
        ),
    ] {
        let mut killed = false;
        for _attempt in 0..5 {
            let mut child = std::process::Command::new(&bin)
                .arg("publish")
                .arg(&big)
                .args(["--postgres", &pg.url(&db)])
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_secs(120) {
                let n: i64 = watch.query_one(probe, &[]).unwrap().get(0);
                if n > 0 {
                    child.kill().unwrap(); // SIGKILL
                    killed = true;
                    break;
                }
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            let _ = child.wait();
            if killed {
                break;
            }
            // Finished before the probe saw the phase: put the old table back.
            publish(pg, &db, &sample, &[]).success();
        }
        assert!(killed, "never caught a publish in its {phase}");
        assert_table_is(pg, &db, "influence", &old);
        // The dead session's transaction ends when the server notices the
        // closed connection: then nothing of it is left.
        let t0 = Instant::now();
        loop {
            let left: bool = watch
                .query_one(
                    "SELECT to_regclass('influence__mr_staging') IS NOT NULL",
                    &[],
                )
                .unwrap()
                .get(0);
            if !left {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "staging table left after {phase}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_table_is(pg, &db, "influence", &old);
    }
    // The next run publishes normally and leaves no staging or old table.
    publish(pg, &db, &big, &[]).success();
    let big_snap = Snapshot::open(&big).unwrap();
    let n: i64 = watch
        .query_one("SELECT count(*) FROM influence", &[])
        .unwrap()
        .get(0);
    assert_eq!(n as usize, big_snap.users() * big_snap.markets().len());
    let left: i64 = watch
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname LIKE 'influence\\_\\_mr%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "no staging or old table or index left");
}

#[test]
fn wrong_password_and_unreachable_server_exit_2_with_a_clear_message() {
    let Some(pg) = server("publish connection failures") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("s.snap");
    rank_sample(&sample);
    let url = format!(
        "postgres://mr_test:not-the-Password@127.0.0.1:{}/postgres",
        pg.port
    );
    let out = cmd()
        .arg("publish")
        .arg(&sample)
        .args(["--postgres", &url])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("password authentication failed"), "{err}");
    assert!(err.contains("mr_test@127.0.0.1"), "names the server: {err}");
    assert!(
        !err.contains("not-the-Password"),
        "never prints the password: {err}"
    );
    // The password from a file, and from PGPASSWORD.
    let pwfile = dir.path().join("pw");
    std::fs::write(&pwfile, format!("{}\n", pg.password)).unwrap();
    let db = pg.database("publish_creds");
    cmd()
        .arg("publish")
        .arg(&sample)
        .args(["--postgres", &pg.url_without_password(&db)])
        .arg("--password-file")
        .arg(&pwfile)
        .assert()
        .success();
    cmd()
        .arg("publish")
        .arg(&sample)
        .args(["--postgres", &pg.url_without_password(&db)])
        .env("PGPASSWORD", &pg.password)
        .assert()
        .success();
    // Nothing listens on this port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = cmd()
        .arg("publish")
        .arg(&sample)
        .args(["--postgres", &format!("postgres://x:y@127.0.0.1:{port}/db")])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("is the server running"), "{err}");
}
