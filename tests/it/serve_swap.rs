//! Issue 19: the served snapshot cannot be changed under the server. `cp`
//! over the served path (same file, rewritten) neither crashes it nor makes
//! it answer from bytes that were never verified; the snapshot id comes
//! from the content; each state of the path is logged once.

use crate::common::{cmd, rank_files, rank_sample_with as rank_sample, write};
use marketrank::serve::{load, AppState, SwapEvent, SETTLE};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A valid snapshot much smaller than the sample (five users), in which
/// `mila_atelier` is ranked in `fashion` too.
fn small_snapshot(dir: &Path) -> PathBuf {
    let edges = write(
        dir,
        "small_edges.tsv",
        "a\tmila_atelier\nb\tmila_atelier\nc\ta\nmila_atelier\tb\nd\tc\n",
    );
    let topics = write(
        dir,
        "small_topics.tsv",
        "mila_atelier\tfashion\na\tfashion\nc\ttech\n",
    );
    let out = dir.join("small.snap");
    rank_files(&edges, &topics, &out).assert().success();
    out
}

/// `snap`'s bytes with every score set to 0.5 and the checksums left as
/// they were: what issue 19 copied over the served file.
fn scores_all_half(snap: &Path) -> Vec<u8> {
    let mut b = std::fs::read(snap).unwrap();
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    assert_eq!(u32::from_le_bytes(b[12..16].try_into().unwrap()), 1, "f32");
    let (table, sections) = (u64_at(&b, 40) as usize, u64_at(&b, 48) as usize);
    let entry = (0..sections)
        .map(|i| table + 32 * i)
        .find(|&e| u32::from_le_bytes(b[e..e + 4].try_into().unwrap()) == 5)
        .expect("a SCORES section");
    let (off, len) = (
        u64_at(&b, entry + 8) as usize,
        u64_at(&b, entry + 16) as usize,
    );
    for x in b[off..off + len].chunks_exact_mut(4) {
        x.copy_from_slice(&0.5f32.to_le_bytes());
    }
    b
}

/// Rewrites `path` in place (same inode: truncated, then written) in 32
/// pieces a few milliseconds apart, as a slow `cp` over it would, so that
/// polls see it empty and half written.
fn write_in_place_slowly(path: &Path, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .unwrap();
    for piece in bytes.chunks(bytes.len().div_ceil(32)) {
        f.write_all(piece).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One request on a fresh connection: (status, JSON body), `Err` when the
/// server could not be reached or answered something unreadable.
fn get(port: u16, path: &str) -> Result<(u16, Value), String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    let status = out
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("no status line: {out:?}"))?;
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("");
    let v = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.into()));
    Ok((status, v))
}

/// A running `marketrank serve`, killed when dropped (also when a test
/// fails half way); its stderr lines are collected in `log`.
struct Server {
    child: std::process::Child,
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `marketrank serve` on `snapshot`, polling every 100 ms.
fn serve(snapshot: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("marketrank"))
        .args(["serve", "--insecure-no-auth", "--poll", "0.1", "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--snapshot")
        .arg(snapshot)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(l);
        }
    });
    let server = Server { child, port, log };
    for _ in 0..200 {
        if get(port, "/healthz").is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("server did not come up");
}

fn health_id(port: u16) -> String {
    let (s, v) = get(port, "/healthz").unwrap();
    assert_eq!(s, 200, "{v}");
    v["snapshot"].as_str().unwrap().to_string()
}

fn wait_for_id(port: u16, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if health_id(port) == want {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server never answered with {want}");
}

fn count(lines: &Mutex<Vec<String>>, what: &str) -> usize {
    lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(what))
        .count()
}

/// Issue 19, must show: a smaller snapshot and a same-size corrupt one
/// written in place over the served path (a slow `cp`, and `std::fs::copy`)
/// while 8 clients query without pause. The server stays up; every answer
/// is 200 and is one valid snapshot's (id, score) pair, never a score of
/// the corrupt bytes; the corrupt file is refused once (one log line, one
/// swap failure) and the rest is swapped in once it verifies; "written in
/// place" is logged once per snapshot served, with what to do instead.
#[test]
fn issue_19_cp_over_the_served_file_never_crashes_nor_answers_unverified_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (big, path) = (dir.path().join("big.snap"), dir.path().join("served.snap"));
    rank_sample(&big, &[]);
    let small = small_snapshot(dir.path());
    let corrupt = scores_all_half(&small);
    assert!(std::fs::metadata(&small).unwrap().len() < std::fs::metadata(&big).unwrap().len());
    let valid: BTreeMap<String, f64> = [&big, &small]
        .iter()
        .map(|p| {
            let s = marketrank::Snapshot::open(p).unwrap();
            let (u, m) = (
                s.user_index("mila_atelier").unwrap(),
                s.market_index("fashion").unwrap(),
            );
            (s.content_id(), s.score(u, m))
        })
        .collect();
    assert_eq!(valid.len(), 2);
    assert!(valid.values().all(|&s| s != 0.5));
    let id_of = |p: &Path| marketrank::Snapshot::open(p).unwrap().content_id();
    let (big_id, small_id) = (id_of(&big), id_of(&small));

    std::fs::copy(&big, &path).unwrap();
    let mut server = serve(&path);
    let (port, log) = (server.port, Arc::clone(&server.log));
    assert_eq!(health_id(port), big_id);
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (stop, valid) = (Arc::clone(&stop), valid.clone());
            std::thread::spawn(move || {
                let (mut n, mut bad) = (0u64, Vec::new());
                while !stop.load(Ordering::Relaxed) {
                    match get(port, "/v1/users/mila_atelier?market=fashion") {
                        Ok((200, v)) => {
                            let id = v["snapshot"].as_str().unwrap_or("").to_string();
                            let score = v["score"].as_f64();
                            if valid.get(&id).copied() != score {
                                bad.push(format!("answer from no valid snapshot: {v}"));
                            }
                        }
                        Ok((s, v)) => bad.push(format!("{s}: {v}")),
                        Err(e) => bad.push(e),
                    }
                    n += 1;
                }
                (n, bad)
            })
        })
        .collect();

    // A smaller valid file, written in place slowly: refused by no poll
    // while it is half written, swapped in once whole.
    std::thread::sleep(Duration::from_millis(300));
    write_in_place_slowly(&path, &std::fs::read(&small).unwrap());
    wait_for_id(port, &small_id);
    // The same size, corrupt, written in place: never answered from;
    // refused once it has settled.
    std::fs::write(&path, &corrupt).unwrap();
    std::thread::sleep(SETTLE + Duration::from_millis(1500));
    assert_eq!(health_id(port), small_id);
    // The big one copied back in place: swapped in.
    std::fs::copy(&big, &path).unwrap();
    wait_for_id(port, &big_id);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);

    let mut total = 0;
    for c in clients {
        let (n, bad) = c.join().unwrap();
        total += n;
        assert!(
            bad.is_empty(),
            "{} bad answers, first: {}",
            bad.len(),
            bad[0]
        );
    }
    let (_, metrics) = get(port, "/metrics").unwrap();
    let alive = server.child.try_wait().unwrap().is_none();
    drop(server);
    assert!(alive, "the server died");
    assert!(total > 100, "{total} requests");
    let metrics = metrics.as_str().unwrap().to_string();
    assert!(
        metrics.contains("marketrank_snapshot_swaps_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("marketrank_snapshot_swap_failures_total 1"),
        "{metrics}"
    );
    let all = log.lock().unwrap().join("\n");
    assert_eq!(count(&log, &format!("swapped in {small_id}")), 1, "{all}");
    assert_eq!(count(&log, &format!("swapped in {big_id}")), 1, "{all}");
    assert_eq!(count(&log, "refused the new snapshot"), 1, "{all}");
    assert_eq!(count(&log, "checksum mismatch in the body"), 1, "{all}");
    // Once while serving big (the first rewrite), once while serving small
    // (the corrupt rewrite; the copy back is the same episode).
    assert_eq!(count(&log, "was written in place"), 2, "{all}");
    assert_eq!(count(&log, "`mv` them over"), 2, "{all}");
}

/// A snapshot read with `read_private` answers as before when its file is
/// then cut short and overwritten: no SIGBUS, no changed value (a mapped
/// snapshot would die or change here).
#[test]
fn a_private_snapshot_outlives_its_file_being_cut_and_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.snap");
    rank_sample(&p, &[]);
    let mapped = marketrank::Snapshot::open(&p).unwrap();
    let want: Vec<f64> = (0..mapped.users() as u32)
        .map(|u| mapped.score(u, 0))
        .collect();
    let want_id = mapped.content_id();
    let want_top = mapped.user_id(mapped.order(0)[0]).to_string();
    drop(mapped);
    let private = marketrank::Snapshot::read_private(&p).unwrap();
    let len = std::fs::metadata(&p).unwrap().len() as usize;
    std::fs::write(&p, vec![0u8; len / 3]).unwrap();
    let got: Vec<f64> = (0..private.users() as u32)
        .map(|u| private.score(u, 0))
        .collect();
    assert_eq!(got, want);
    assert_eq!(private.content_id(), want_id);
    assert_eq!(private.user_id(private.order(0)[0]), want_top);
}

/// The copy `serve` holds leaves the model out but still checksums it:
/// the same answers as the mapped file, no model, and a file damaged only
/// inside a model section (follower graph) is refused all the same.
#[test]
fn a_lookups_only_copy_answers_alike_and_still_checks_the_model_it_drops() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.snap");
    rank_sample(&p, &[]);
    let mapped = marketrank::Snapshot::open(&p).unwrap();
    let lookups = marketrank::Snapshot::read_private_lookups(&p).unwrap();
    assert!(mapped.has_model() && !lookups.has_model());
    assert_eq!(lookups.content_id(), mapped.content_id());
    for m in 0..mapped.markets().len() {
        assert_eq!(lookups.order(m), mapped.order(m));
        for u in 0..mapped.users() as u32 {
            assert_eq!(lookups.standing(u, m), mapped.standing(u, m));
            assert_eq!(lookups.user_id(u), mapped.user_id(u));
            assert_eq!(lookups.followers(u), mapped.followers(u));
        }
    }
    // One byte of GRAPH_SOURCES (kind 9) changed, checksums left alone.
    let mut b = std::fs::read(&p).unwrap();
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let (table, n) = (u64_at(&b, 40) as usize, u64_at(&b, 48) as usize);
    let e = (0..n)
        .map(|i| table + 32 * i)
        .find(|&e| u32::from_le_bytes(b[e..e + 4].try_into().unwrap()) == 9)
        .unwrap();
    let at = u64_at(&b, e + 8) as usize;
    b[at] ^= 1;
    let bad = dir.path().join("bad.snap");
    std::fs::write(&bad, &b).unwrap();
    let err = marketrank::Snapshot::read_private_lookups(&bad)
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("checksum mismatch in the body"),
        "{err}"
    );
}

/// Issue 19, must show: the same bytes at two paths (two copies: other
/// inodes, other times) give one id, in `load` (what `/healthz` and every
/// answer carry), in `info` and `info --json`, and on `export`'s summary
/// line and in its Parquet metadata; another run gives another id.
#[test]
fn issue_19_the_same_bytes_copied_twice_report_the_same_snapshot_id() {
    let dir = tempfile::tempdir().unwrap();
    let (orig, one, two, other) = (
        dir.path().join("orig.snap"),
        dir.path().join("one.snap"),
        dir.path().join("two.snap"),
        dir.path().join("other.snap"),
    );
    rank_sample(&orig, &[]);
    rank_sample(&other, &["--damping", "0.6"]);
    std::fs::copy(&orig, &one).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    std::fs::copy(&orig, &two).unwrap();
    let id = load(&one).unwrap().id;
    assert_eq!(load(&two).unwrap().id, id);
    assert_ne!(load(&other).unwrap().id, id);
    let created = marketrank::Snapshot::open(&one)
        .unwrap()
        .metadata()
        .created
        .clone();
    assert!(id.starts_with(&format!("{created}/")), "{id}");
    for p in [&one, &two] {
        let text = cmd().arg("info").arg(p).assert().success();
        let text = String::from_utf8(text.get_output().stdout.clone()).unwrap();
        assert!(text.contains(&format!("  snapshot id {id}\n")), "{text}");
        let json = cmd().arg("info").arg(p).arg("--json").assert().success();
        let v: Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
        assert_eq!(v["snapshot_id"], id.as_str());
    }
    for (p, format) in [(&one, "csv"), (&two, "parquet")] {
        let out = dir.path().join(format!("x.{format}"));
        let e = cmd()
            .arg("export")
            .arg(p)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let stderr = String::from_utf8(e.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(&format!("from snapshot {id}")), "{stderr}");
        if format == "parquet" {
            use parquet::file::reader::{FileReader, SerializedFileReader};
            let r = SerializedFileReader::new(std::fs::File::open(&out).unwrap()).unwrap();
            let kv = r.metadata().file_metadata().key_value_metadata().unwrap();
            let got = kv
                .iter()
                .find(|kv| kv.key == marketrank::export::SNAPSHOT_ID_KEY)
                .and_then(|kv| kv.value.clone());
            assert_eq!(got.as_deref(), Some(id.as_str()));
        }
    }
}

/// Issue 19: a missing path or a dangling symlink is reported once, not at
/// every poll, and is no swap failure; the path back is reported once; a
/// new file renamed in is swapped in once.
#[test]
fn issue_19_a_missing_path_or_dangling_symlink_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let (target, link, other) = (
        dir.path().join("run1.snap"),
        dir.path().join("latest.snap"),
        dir.path().join("run2.snap"),
    );
    rank_sample(&target, &[]);
    rank_sample(&other, &["--damping", "0.6"]);
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let st = AppState::new(link.clone(), load(&link).unwrap(), None);
    let id = st.current.load().id.clone();
    let polls = |n: usize| -> Vec<String> {
        (0..n)
            .flat_map(|_| st.poll(false))
            .map(|e| e.to_string())
            .collect()
    };
    assert!(polls(3).is_empty());
    // The target renamed away: a dangling symlink.
    let moved = dir.path().join("moved.snap");
    std::fs::rename(&target, &moved).unwrap();
    let events = polls(5);
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].starts_with(&format!("no snapshot at {}", link.display())),
        "{events:?}"
    );
    assert!(
        events[0].ends_with(&format!("still serving {id} from memory")),
        "{events:?}"
    );
    // Back (the same file): once.
    std::fs::rename(&moved, &target).unwrap();
    let events = polls(3);
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].contains("is back"), "{events:?}");
    // The link itself gone: once.
    std::fs::remove_file(&link).unwrap();
    assert_eq!(polls(4).len(), 1);
    // A new snapshot renamed in: swapped in, once.
    let tmp = dir.path().join("tmp.snap");
    std::fs::copy(&other, &tmp).unwrap();
    std::fs::rename(&tmp, &link).unwrap();
    let events: Vec<SwapEvent> = (0..3).flat_map(|_| st.poll(false)).collect();
    assert!(
        matches!(events.as_slice(), [SwapEvent::Swapped { id: new }] if *new != id),
        "{events:?}"
    );
    let text = st.metrics.render("x", 0.0, 1);
    assert!(
        text.contains("marketrank_snapshot_swap_failures_total 0"),
        "{text}"
    );
    // SIGHUP with nothing new: said once, nothing swapped.
    let events: Vec<String> = st.poll(true).iter().map(|e| e.to_string()).collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].starts_with("reloaded: the same snapshot"),
        "{events:?}"
    );
}
