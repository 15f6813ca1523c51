//! Issue 8: the same rank job on timely dataflow, as separate processes
//! talking TCP on 127.0.0.1 (and across network namespaces where the
//! machine allows), against the single-process engine.

use crate::common::{real_data, repo, Tool};
use marketrank::synth::{generate, PlantedConfig};
use marketrank::Snapshot;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("marketrank")
}

/// Ports nobody listens on now (bound to port 0, then released).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect()
}

fn hostfile(dir: &Path, hosts: &[String]) -> PathBuf {
    let p = dir.join("hosts.txt");
    std::fs::write(&p, hosts.join("\n") + "\n").unwrap();
    p
}

/// One process of a cluster run: `rank ARGS --out OUT --engine timely ...`,
/// optionally inside a network namespace.
fn spawn(
    args: &[&str],
    out: &Path,
    p: usize,
    n: usize,
    w: usize,
    hosts: &Path,
    netns: Option<&str>,
) -> Child {
    let mut c = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]).arg(bin());
            c
        }
        None => Command::new(bin()),
    };
    c.arg("rank")
        .args(args)
        .arg("--out")
        .arg(out)
        .args(["--engine", "timely", "--workers", &w.to_string()])
        .args(["--processes", &n.to_string(), "--process", &p.to_string()])
        .arg("--hostfile")
        .arg(hosts)
        .args(["--connect-timeout", "20", "-q"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a child at most `limit`; kills it and panics past that.
fn wait(mut c: Child, limit: Duration) -> (Output, Duration) {
    let t = Instant::now();
    loop {
        if c.try_wait().unwrap().is_some() {
            return (c.wait_with_output().unwrap(), t.elapsed());
        }
        if t.elapsed() > limit {
            let _ = c.kill();
            let out = c.wait_with_output().unwrap();
            panic!(
                "process did not stop within {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs a 2-process × 2-worker cluster on 127.0.0.1 and checks both exit 0.
fn cluster_run(args: &[&str], out: &Path) {
    let dir = out.parent().unwrap();
    let ports = free_ports(2);
    let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let hf = hostfile(dir, &hosts);
    let kids: Vec<Child> = (0..2)
        .map(|p| spawn(args, out, p, 2, 2, &hf, None))
        .collect();
    for (p, k) in kids.into_iter().enumerate() {
        let (o, _) = wait(k, Duration::from_secs(300));
        assert!(
            o.status.success(),
            "process {p} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

fn local_run(args: &[&str], out: &Path) {
    let o = Command::new(bin())
        .arg("rank")
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("-q")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Top `k` user ids of market `m`, ties (to 1e-12) broken by id, so two
/// engines that number users differently list the same users.
fn top_ids(s: &Snapshot, m: usize, k: usize) -> Vec<String> {
    let mut all: Vec<(i64, &str)> = (0..s.users() as u32)
        .map(|u| (-(s.score(u, m) * 1e12).round() as i64, s.user_id(u)))
        .collect();
    all.sort_unstable();
    all.into_iter()
        .take(k)
        .map(|(_, id)| id.to_string())
        .collect()
}

/// Per market: L1 distance between the two snapshots' scores (users
/// matched by id) is at most `max_l1`, and the top 100 are the same users.
fn assert_same_scores(a: &Snapshot, b: &Snapshot, max_l1: f64) {
    assert_eq!(a.users(), b.users(), "user counts");
    assert_eq!(a.markets(), b.markets(), "markets");
    for (m, name) in a.markets().iter().enumerate() {
        let l1: f64 = (0..a.users() as u32)
            .map(|u| {
                let v = b.user_index(a.user_id(u)).expect("same users");
                (a.score(u, m) - b.score(v, m)).abs()
            })
            .sum();
        assert!(l1 <= max_l1, "market {name}: L1 {l1:e} > {max_l1:e}");
        assert_eq!(
            top_ids(a, m, 100),
            top_ids(b, m, 100),
            "market {name}: top 100"
        );
    }
}

/// Cora's edge and topic files, as strings for argument lists.
fn cora() -> (String, String) {
    let d = real_data("cora");
    let s = |f: &str| d.join(f).to_str().unwrap().to_string();
    (s("edges.tsv"), s("topics.tsv"))
}

/// Flags for a tight f64 run: engine differences far below 1e-9.
const TIGHT: [&str; 6] = ["--precision", "f64", "--tol", "1e-12", "--max-iter", "1000"];

#[test]
fn two_processes_of_two_workers_match_one_process_on_cora() {
    let (e, t) = cora();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--edges", &e, "--topics", &t];
    args.extend(TIGHT);
    let (local, shards) = (
        dir.path().join("local.snap"),
        dir.path().join("cluster.snap"),
    );
    local_run(&args, &local);
    cluster_run(&args, &shards);
    let (a, b) = (
        Snapshot::open(&local).unwrap(),
        Snapshot::open(&shards).unwrap(),
    );
    assert_eq!(b.part_count(), 4, "one part per worker");
    assert_same_scores(&a, &b, 1e-9);
    // The same seeds and convergence in the metadata.
    for (x, y) in a.metadata().markets.iter().zip(&b.metadata().markets) {
        assert_eq!(
            (x.seed_users, x.converged),
            (y.seed_users, y.converged),
            "{}",
            x.name
        );
    }
    assert_eq!(a.metadata().edges, b.metadata().edges);
}

#[test]
fn default_f32_settings_agree_to_float_rounding_on_cora() {
    let d = real_data("cora");
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = (d.join("edges.tsv"), d.join("topics.tsv"));
    let args = [
        "--edges",
        e.to_str().unwrap(),
        "--topics",
        t.to_str().unwrap(),
    ];
    let (local, shards) = (
        dir.path().join("local.snap"),
        dir.path().join("cluster.snap"),
    );
    local_run(&args, &local);
    cluster_run(&args, &shards);
    let (a, b) = (
        Snapshot::open(&local).unwrap(),
        Snapshot::open(&shards).unwrap(),
    );
    // f32 sums in another order, and possibly one iteration more or less
    // at the tolerance: within the tolerance's reach, not 1e-9.
    for (m, name) in a.markets().iter().enumerate() {
        let l1: f64 = (0..a.users() as u32)
            .map(|u| (a.score(u, m) - b.score(b.user_index(a.user_id(u)).unwrap(), m)).abs())
            .sum();
        assert!(l1 < 1e-5, "market {name}: L1 {l1:e}");
    }
}

/// The mailroom without a network: one process of 1, 2 and 4 worker
/// threads (no hostfile) on Cora and on the bundled sample. Each agrees
/// with the single-process engine to float rounding, and the worker count
/// changes no market's top ids, so a different cut of the users (other
/// owners, other ghosts) cannot show in the results.
#[test]
fn one_process_of_one_two_and_four_workers_matches_the_single_process_engine() {
    let s = |p: &str| repo(p).to_str().unwrap().to_string();
    let inputs = [
        ("cora", cora()),
        ("sample", (s("data/edges.tsv"), s("data/topics.tsv"))),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, (e, t)) in &inputs {
        let mut args = vec!["--edges", e, "--topics", t];
        args.extend(TIGHT);
        let local = dir.path().join(format!("{name}-local.snap"));
        local_run(&args, &local);
        let a = Snapshot::open(&local).unwrap();
        let mut first_tops: Option<Vec<Vec<String>>> = None;
        for w in [1usize, 2, 4] {
            let out = dir.path().join(format!("{name}-{w}.snap"));
            let workers = w.to_string();
            let mut cargs = args.clone();
            cargs.extend(["--engine", "timely", "--workers", &workers]);
            local_run(&cargs, &out);
            let b = Snapshot::open(&out).unwrap();
            eprintln!("{name}, {w} workers:");
            assert_eq!(b.part_count(), w, "{name}: one part per worker");
            assert_eq!(
                a.metadata().edges,
                b.metadata().edges,
                "{name}, {w} workers"
            );
            assert_same_scores(&a, &b, 1e-9);
            let tops: Vec<Vec<String>> = (0..b.markets().len())
                .map(|m| top_ids(&b, m, 100))
                .collect();
            match &first_tops {
                None => first_tops = Some(tops),
                Some(one) => assert_eq!(one, &tops, "{name}: top ids, {w} workers against 1"),
            }
        }
    }
}

/// A planted graph (experts, celebrities, a follow farm) split over three
/// edge files given as a glob, ranked with the plain walk and tagged
/// teleport plus a composed market: the sharded snapshot reads like the
/// single file, through the library and every reading command.
#[test]
fn planted_graph_from_a_glob_of_files_and_the_sharded_snapshot_reads_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path();
    let planted = generate(&PlantedConfig::for_users(4000));
    planted.write_dir(g).unwrap();
    let edges = std::fs::read_to_string(g.join("edges.tsv")).unwrap();
    let mut parts = vec![String::new(); 3];
    for (i, line) in edges.lines().enumerate() {
        parts[i % 3].push_str(line);
        parts[i % 3].push('\n');
    }
    for (i, p) in parts.iter().enumerate() {
        std::fs::write(g.join(format!("edges-{i}.tsv")), p).unwrap();
    }
    let topics = g.join("topics.tsv");
    let (t0, t1) = (
        marketrank::synth::topic_name(0),
        marketrank::synth::topic_name(1),
    );
    let markets = g.join("markets.tsv");
    std::fs::write(&markets, format!("mix\t{t0}\t1\nmix\t{t1}\t2\n")).unwrap();
    let glob = g.join("edges-*.tsv");
    let base = [
        "--topics",
        topics.to_str().unwrap(),
        "--markets",
        markets.to_str().unwrap(),
        "--walk",
        "plain",
        "--teleport",
        "tagged",
        "--precision",
        "f64",
        "--tol",
        "1e-12",
        "--max-iter",
        "1000",
    ];
    let mut cargs: Vec<&str> = vec!["--edges", glob.to_str().unwrap()];
    cargs.extend(base);
    let whole = g.join("edges.tsv");
    let mut largs: Vec<&str> = vec!["--edges", whole.to_str().unwrap()];
    largs.extend(base);
    let (local, shards) = (g.join("local.snap"), g.join("cluster.snap"));
    local_run(&largs, &local);
    cluster_run(&cargs, &shards);
    let (a, b) = (
        Snapshot::open(&local).unwrap(),
        Snapshot::open(&shards).unwrap(),
    );
    assert_same_scores(&a, &b, 1e-9);

    // merge writes one file with the very same scores and order.
    let merged = g.join("merged.snap");
    let o = Command::new(bin())
        .arg("merge")
        .arg(&shards)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = Snapshot::open(&merged).unwrap();
    assert_eq!(c.part_count(), 1);
    for m in 0..b.markets().len() {
        assert_eq!(b.order(m), c.order(m), "merged order");
        for u in 0..b.users() as u32 {
            assert_eq!(b.score(u, m).to_bits(), c.score(u, m).to_bits());
            assert_eq!(b.user_id(u), c.user_id(u));
            assert_eq!(b.standing(u, m), c.standing(u, m));
        }
    }
    // The lookup service's precomputed ranks of the sharded snapshot
    // answer what its searches answer.
    let ranks = marketrank::query::rank_index::RankIndex::build(&b).unwrap();
    for m in 0..b.markets().len() {
        for u in 0..b.users() as u32 {
            assert_eq!(ranks.standing(&b, u, m), b.standing(u, m));
        }
    }
    // The reading commands print the same for the manifest and the merged file.
    let market = marketrank::synth::topic_name(1);
    let some_user = b.user_id(b.top(1, 1).next().unwrap().0).to_string();
    let read = |snap: &Path, args: &[&str], out: Option<&Path>| -> Vec<u8> {
        let mut c = Command::new(bin());
        c.arg(args[0]).arg(snap).args(&args[1..]);
        if let Some(o) = out {
            c.arg("--out").arg(o);
        }
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        match out {
            Some(o) => std::fs::read(o).unwrap(),
            None => o.stdout,
        }
    };
    for args in [
        vec!["top", "--market", market.as_str(), "-k", "50"],
        vec!["top", "--market", "mix"],
        vec!["show", "--user", some_user.as_str()],
    ] {
        assert_eq!(
            String::from_utf8_lossy(&read(&shards, &args, None)),
            String::from_utf8_lossy(&read(&merged, &args, None)),
            "{args:?}"
        );
    }
    let (x, y) = (g.join("x.csv"), g.join("y.csv"));
    assert_eq!(
        read(&shards, &["export"], Some(&x)),
        read(&merged, &["export"], Some(&y))
    );
    read(&shards, &["info", "--check"], None);
}

/// SIGKILL one process mid-run: the other stops within 30 s with a
/// message naming it, and the snapshot already at the output path is
/// untouched.
#[test]
fn killing_one_process_stops_the_other_and_keeps_the_previous_snapshot() {
    let d = real_data("cora");
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = (d.join("edges.tsv"), d.join("topics.tsv"));
    let out = dir.path().join("scores.snap");
    local_run(
        &[
            "--edges",
            e.to_str().unwrap(),
            "--topics",
            t.to_str().unwrap(),
        ],
        &out,
    );
    let before = std::fs::read(&out).unwrap();
    // A tolerance nobody reaches: the run iterates until killed.
    let args = [
        "--edges",
        e.to_str().unwrap(),
        "--topics",
        t.to_str().unwrap(),
        "--precision",
        "f64",
        "--tol",
        "1e-300",
        "--max-iter",
        "100000000",
    ];
    let ports = free_ports(2);
    let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let hf = hostfile(dir.path(), &hosts);
    let mut kids: Vec<Child> = (0..2)
        .map(|p| spawn(&args, &out, p, 2, 2, &hf, None))
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let victim = kids.pop().unwrap();
    assert!(victim.try_wait_ok(), "process 1 ended before it was killed");
    let mut victim = victim;
    victim.kill().unwrap(); // SIGKILL
    victim.wait().unwrap();
    let (o, took) = wait(kids.pop().unwrap(), Duration::from_secs(30));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "the survivor must fail");
    assert!(
        err.contains("process 1"),
        "message names the lost process: {err}"
    );
    assert!(took < Duration::from_secs(30));
    assert_eq!(
        std::fs::read(&out).unwrap(),
        before,
        "previous snapshot intact"
    );
    Snapshot::open(&out).unwrap();
}

trait StillRunning {
    fn try_wait_ok(&self) -> bool;
}

impl StillRunning for Child {
    /// True while the process has not exited (without reaping it).
    fn try_wait_ok(&self) -> bool {
        Path::new(&format!("/proc/{}", self.id())).exists()
    }
}

/// A process whose peer never starts stops at the connect deadline and
/// names the address that does not answer.
#[test]
fn a_missing_process_is_named_at_the_connect_deadline() {
    let d = real_data("cora");
    let dir = tempfile::tempdir().unwrap();
    let (e, t) = (d.join("edges.tsv"), d.join("topics.tsv"));
    let ports = free_ports(2);
    let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let hf = hostfile(dir.path(), &hosts);
    let out = dir.path().join("x.snap");
    let mut c = Command::new(bin());
    c.arg("rank")
        .args([
            "--edges",
            e.to_str().unwrap(),
            "--topics",
            t.to_str().unwrap(),
        ])
        .arg("--out")
        .arg(&out)
        .args([
            "--engine",
            "timely",
            "--processes",
            "2",
            "--process",
            "1",
            "--connect-timeout",
            "3",
        ])
        .arg("--hostfile")
        .arg(&hf)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let (o, took) = wait(c.spawn().unwrap(), Duration::from_secs(30));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("process 0 (127.0.0.1:{})", ports[0])),
        "{err}"
    );
    assert!(took < Duration::from_secs(20));
    assert!(!out.exists(), "nothing written at the output path");
}

/// Two processes in two network namespaces joined by a veth pair, as two
/// hosts on a network. Needs root and `ip netns`; otherwise it says why it
/// did not run.
#[test]
fn two_processes_in_separate_network_namespaces() {
    let tag = format!("mr{}", std::process::id() % 100_000);
    let (a, b) = (format!("{tag}a"), format!("{tag}b"));
    let sh = |cmd: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stderr(Stdio::piped())
            .output()
            .map(|o| {
                (
                    o.status.success(),
                    String::from_utf8_lossy(&o.stderr).into_owned(),
                )
            })
            .unwrap_or((false, "no sh".into()))
    };
    let setup = format!(
        "ip netns add {a} && ip netns add {b} && ip link add {tag}x type veth peer name {tag}y && \
         ip link set {tag}x netns {a} && ip link set {tag}y netns {b} && \
         ip -n {a} addr add 10.213.0.1/24 dev {tag}x && ip -n {b} addr add 10.213.0.2/24 dev {tag}y && \
         ip -n {a} link set {tag}x up && ip -n {b} link set {tag}y up && \
         ip -n {a} link set lo up && ip -n {b} link set lo up"
    );
    let (ok, why) = sh(&setup);
    let cleanup = || {
        sh(&format!("ip netns del {a}; ip netns del {b}"));
    };
    if !ok {
        cleanup();
        let why = format!("cannot create network namespaces here: {}", why.trim());
        if !Tool::Netns.available("two_processes_in_separate_network_namespaces", Err(why)) {
            return;
        }
    }
    let (e, t) = cora();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--edges", &e, "--topics", &t];
    args.extend(TIGHT);
    let hosts = vec![
        "10.213.0.1:24300".to_string(),
        "10.213.0.2:24301".to_string(),
    ];
    let hf = hostfile(dir.path(), &hosts);
    let shards = dir.path().join("cluster.snap");
    let kids: Vec<Child> = [&a, &b]
        .iter()
        .enumerate()
        .map(|(p, ns)| spawn(&args, &shards, p, 2, 1, &hf, Some(ns)))
        .collect();
    let outs: Vec<_> = kids
        .into_iter()
        .map(|k| wait(k, Duration::from_secs(120)).0)
        .collect();
    cleanup();
    for (p, o) in outs.iter().enumerate() {
        let mut s = String::new();
        let _ = (&o.stderr[..]).read_to_string(&mut s);
        assert!(o.status.success(), "process {p}: {s}");
    }
    let local = dir.path().join("local.snap");
    local_run(&args, &local);
    assert_same_scores(
        &Snapshot::open(&local).unwrap(),
        &Snapshot::open(&shards).unwrap(),
        1e-9,
    );
}

/// Processes that expand `--edges` to different lists would read files
/// twice or not at all: refused, naming the disagreement.
#[test]
fn processes_with_different_input_lists_are_refused() {
    let d = real_data("cora");
    let dir = tempfile::tempdir().unwrap();
    let t = d.join("topics.tsv");
    let other = dir.path().join("other.tsv");
    std::fs::copy(d.join("edges.tsv"), &other).unwrap();
    let ports = free_ports(2);
    let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let hf = hostfile(dir.path(), &hosts);
    let out = dir.path().join("x.snap");
    let e0 = d.join("edges.tsv");
    let kids: Vec<Child> = [&e0, &other]
        .iter()
        .enumerate()
        .map(|(p, e)| {
            let args = [
                "--edges",
                e.to_str().unwrap(),
                "--topics",
                t.to_str().unwrap(),
            ];
            spawn(&args, &out, p, 2, 1, &hf, None)
        })
        .collect();
    let outs: Vec<_> = kids
        .into_iter()
        .map(|k| wait(k, Duration::from_secs(60)).0)
        .collect();
    let all: String = outs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(outs.iter().all(|o| !o.status.success()), "{all}");
    assert!(all.contains("sees other input files"), "{all}");
    assert!(!out.exists());
}

/// A process that hangs without closing its sockets (SIGSTOP): the other
/// stops at `--peer-timeout` and names the silent workers.
#[test]
fn a_hanging_process_is_named_at_the_peer_timeout() {
    let (e, t) = cora();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--edges", &e, "--topics", &t, "--peer-timeout", "3"];
    args.extend([
        "--precision",
        "f64",
        "--tol",
        "1e-300",
        "--max-iter",
        "100000000",
    ]);
    let ports = free_ports(2);
    let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let hf = hostfile(dir.path(), &hosts);
    let out = dir.path().join("x.snap");
    let mut kids: Vec<Child> = (0..2)
        .map(|p| spawn(&args, &out, p, 2, 1, &hf, None))
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let mut stopped = kids.pop().unwrap();
    let pid = stopped.id().to_string();
    assert!(Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    let (o, took) = wait(kids.pop().unwrap(), Duration::from_secs(30));
    let _ = Command::new("kill").args(["-KILL", &pid]).status();
    let _ = stopped.wait();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("waited 3 s in exchange round"), "{err}");
    assert!(err.contains("process(es) [1]"), "names process 1: {err}");
    assert!(took < Duration::from_secs(15));
    assert!(!out.exists());
}

/// Bad input at one process: it names file, line and reason; the other
/// stops because it lost that process; nothing is written.
#[test]
fn bad_input_read_by_one_process_stops_both_with_file_and_line() {
    let (e, t) = cora();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&e, dir.path().join("edges-0.tsv")).unwrap();
    std::fs::write(dir.path().join("edges-1.tsv"), "a\tb\nc\td\t-1\n").unwrap();
    let glob = dir.path().join("edges-*.tsv");
    let args = ["--edges", glob.to_str().unwrap(), "--topics", &t];
    let ports = free_ports(2);
    let hosts: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let hf = hostfile(dir.path(), &hosts);
    let out = dir.path().join("x.snap");
    let kids: Vec<Child> = (0..2)
        .map(|p| spawn(&args, &out, p, 2, 1, &hf, None))
        .collect();
    let outs: Vec<_> = kids
        .into_iter()
        .map(|k| wait(k, Duration::from_secs(60)).0)
        .collect();
    let err: Vec<String> = outs
        .iter()
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert!(outs.iter().all(|o| o.status.code() == Some(2)), "{err:?}");
    assert!(
        err[1].contains("edges-1.tsv:2:") && err[1].contains("weight"),
        "{}",
        err[1]
    );
    assert!(err[0].contains("lost process 1"), "{}", err[0]);
    assert!(!out.exists());
}

/// Issue 20: the distributed engine reads shards the way one process does:
/// a directory of CSV shards (each with its header), one of them zstd,
/// ranks as the single-process run over the plain TSV.
#[test]
fn a_directory_of_csv_shards_with_headers_ranks_as_one_tsv_on_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path();
    let planted = generate(&PlantedConfig::for_users(2000));
    planted.write_dir(g).unwrap();
    let edges = std::fs::read_to_string(g.join("edges.tsv")).unwrap();
    let shards = g.join("follows");
    std::fs::create_dir(&shards).unwrap();
    let mut parts = vec![String::from("src_id,dst_id\n"); 3];
    for (i, line) in edges.lines().filter(|l| !l.starts_with('#')).enumerate() {
        parts[i % 3].push_str(&line.replace('\t', ","));
        parts[i % 3].push('\n');
    }
    for (i, p) in parts.iter().enumerate() {
        let name = shards.join(format!("part-{i}.csv"));
        if i == 2 {
            let packed = zstd::encode_all(p.as_bytes(), 3).unwrap();
            std::fs::write(name.with_extension("csv.zst"), packed).unwrap();
        } else {
            std::fs::write(name, p).unwrap();
        }
    }
    std::fs::write(shards.join("_SUCCESS"), "").unwrap();
    let topics = g.join("topics.tsv");
    let base = [
        "--topics",
        topics.to_str().unwrap(),
        "--precision",
        "f64",
        "--tol",
        "1e-12",
        "--max-iter",
        "1000",
    ];
    let whole = g.join("edges.tsv");
    let mut largs: Vec<&str> = vec!["--edges", whole.to_str().unwrap()];
    largs.extend(base);
    let mut cargs: Vec<&str> = vec!["--edges", shards.to_str().unwrap()];
    cargs.extend(base);
    let (local, cluster) = (g.join("local.snap"), g.join("cluster.snap"));
    local_run(&largs, &local);
    cluster_run(&cargs, &cluster);
    let (a, b) = (
        Snapshot::open(&local).unwrap(),
        Snapshot::open(&cluster).unwrap(),
    );
    assert_same_scores(&a, &b, 1e-9);
    assert_eq!(b.metadata().load.skipped_lines, 0);
}
