//! Issue 18, items 10 and 16: crafted snapshots whose checksums are valid.
//!
//! A checksum only says a file is what its writer wrote, so every test here
//! rewrites one section of a real snapshot (the bundled sample) and fixes
//! both CRCs before reading it back. What passes `open` must never make a
//! reader panic (exit 101) or spin; what `open` refuses, every reading
//! command refuses with exit 2 and the section's name. `shards` does the
//! same for sharded snapshots whose parts are not those of their run
//! (issue 18, item 16).

mod mutations;
mod shards;

use crate::common::{cmd, rank_sample};
use marketrank::{Snapshot, SnapshotError};
use std::ffi::OsString;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest a reading command of the sample may take; far beyond the
/// milliseconds it needs, so only a hang reaches it.
pub(crate) const LIMIT: Duration = Duration::from_secs(20);

/// Section kinds (docs/snapshot-format.md).
pub(crate) const SCORES: u32 = 5;
pub(crate) const ORDER: u32 = 6;
pub(crate) const GRAPH_OFFSETS: u32 = 8;
pub(crate) const GRAPH_SOURCES: u32 = 9;
pub(crate) const GRAPH_WEIGHTS: u32 = 10;
pub(crate) const AFFINITY_OFFSETS: u32 = 11;
pub(crate) const AFFINITY: u32 = 12;
pub(crate) const TELEPORT_OFFSETS: u32 = 13;
pub(crate) const TELEPORT: u32 = 14;

/// A snapshot's bytes, to be rewritten section by section.
#[derive(Clone)]
pub(crate) struct Crafted {
    pub bytes: Vec<u8>,
    pub users: usize,
    pub markets: usize,
}

impl Crafted {
    pub fn read(path: &Path) -> Crafted {
        let bytes = std::fs::read(path).unwrap();
        let users = u64::from_le_bytes(bytes[16..24].try_into().unwrap()) as usize;
        let markets = u64::from_le_bytes(bytes[24..32].try_into().unwrap()) as usize;
        Crafted {
            bytes,
            users,
            markets,
        }
    }

    fn u64_at(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.bytes[at..at + 8].try_into().unwrap())
    }

    /// Where the section table entry of `kind` starts.
    fn entry(&self, kind: u32) -> usize {
        let (table, count) = (self.u64_at(40) as usize, self.u64_at(48) as usize);
        (0..count)
            .map(|i| table + 32 * i)
            .find(|&e| u32::from_le_bytes(self.bytes[e..e + 4].try_into().unwrap()) == kind)
            .unwrap_or_else(|| panic!("the sample has no section {kind}"))
    }

    /// The byte range of section `kind`.
    pub fn section(&self, kind: u32) -> Range<usize> {
        let e = self.entry(kind);
        let (off, len) = (self.u64_at(e + 8) as usize, self.u64_at(e + 16) as usize);
        off..off + len
    }

    /// Changes the length the table gives section `kind`.
    pub fn set_len(&mut self, kind: u32, len: u64) {
        let e = self.entry(kind) + 16;
        self.bytes[e..e + 8].copy_from_slice(&len.to_le_bytes());
    }

    /// Overwrites `value`'s bytes at byte `at` of section `kind`.
    pub fn put(&mut self, kind: u32, at: usize, value: &[u8]) {
        let start = self.section(kind).start + at;
        self.bytes[start..start + value.len()].copy_from_slice(value);
    }

    /// The `i`-th u32 of section `kind`.
    pub fn u32(&self, kind: u32, i: usize) -> u32 {
        let at = self.section(kind).start + 4 * i;
        u32::from_le_bytes(self.bytes[at..at + 4].try_into().unwrap())
    }

    /// The `i`-th u64 of section `kind`.
    pub fn u64(&self, kind: u32, i: usize) -> u64 {
        self.u64_at(self.section(kind).start + 8 * i)
    }

    /// Recomputes the body CRC (bytes 56..60, over 64..) and then the
    /// header CRC (60..64, over 0..60), as a careful forger would.
    pub fn fix_crcs(&mut self) {
        let body = crc32fast::hash(&self.bytes[64..]);
        self.bytes[56..60].copy_from_slice(&body.to_le_bytes());
        let head = crc32fast::hash(&self.bytes[0..60]);
        self.bytes[60..64].copy_from_slice(&head.to_le_bytes());
    }

    /// Writes the bytes, checksums fixed, to `path`.
    pub fn write(&mut self, path: &Path) -> PathBuf {
        self.fix_crcs();
        std::fs::write(path, &self.bytes).unwrap();
        path.to_path_buf()
    }
}

/// The sample snapshot in `dir`, with the user index of `mila_atelier`
/// and the market columns by name.
pub(crate) struct Sample {
    pub path: PathBuf,
    pub mila: u32,
    pub snap: Snapshot,
}

impl Sample {
    pub fn new(dir: &Path) -> Sample {
        let path = dir.join("good.snap");
        rank_sample(&path);
        let snap = Snapshot::open(&path).unwrap();
        let mila = snap.user_index("mila_atelier").unwrap();
        Sample { path, mila, snap }
    }

    pub fn market(&self, name: &str) -> usize {
        self.snap.market_index(name).unwrap()
    }

    pub fn crafted(&self) -> Crafted {
        Crafted::read(&self.path)
    }
}

/// Every reading command on `snap`: `info --check`, `explain`, `export`,
/// `diff` (against itself), `compare`, `top`, `show`.
pub(crate) fn reading_commands(snap: &Path, out: &Path) -> Vec<(&'static str, Vec<OsString>)> {
    let s = || OsString::from(snap);
    let v = |args: &[&str]| args.iter().map(OsString::from).collect::<Vec<_>>();
    let with = |head: &[&str], tail: &[&str]| {
        let mut a = v(head);
        a.push(s());
        a.extend(v(tail));
        a
    };
    let mut diff = v(&["diff", "--market", "_global"]);
    diff.extend([s(), s()]);
    let mut export = with(&["export"], &["--out"]);
    export.push(out.join("export.csv").into());
    vec![
        ("info --check", with(&["info", "--check"], &[])),
        (
            "explain",
            with(
                &["explain"],
                &["--user", "mila_atelier", "--market", "fashion"],
            ),
        ),
        ("export", export),
        ("diff", diff),
        (
            "compare",
            with(&["compare"], &["--markets", "_global,fashion"]),
        ),
        ("top", with(&["top"], &["--market", "_global"])),
        ("show", with(&["show"], &["--user", "mila_atelier"])),
    ]
}

/// Runs `args` under [`LIMIT`]: (exit code, stderr); `None` for the code
/// when it was killed (a hang).
pub(crate) fn run(args: &[OsString]) -> (Option<i32>, String) {
    let out = cmd().args(args).timeout(LIMIT).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every reading command refuses `snap`: exit 2, `needle` in the message,
/// no panic, no hang, and `export` leaves no file.
pub(crate) fn assert_refused_everywhere(snap: &Path, dir: &Path, needle: &str) {
    for (name, args) in reading_commands(snap, dir) {
        let (code, err) = run(&args);
        assert!(!err.contains("panicked"), "{name} panicked: {err}");
        assert_eq!(code, Some(2), "{name}: exit {code:?} (None: hung), {err}");
        assert!(err.contains(needle), "{name}: no `{needle}` in: {err}");
    }
    assert!(!dir.join("export.csv").exists(), "export wrote a file");
}

/// Every reading command but `info --check` answers `snap` (exit 0), and
/// `info --check` refuses it naming `needle`: values that `open` lets
/// through make answers wrong, never a crash.
pub(crate) fn assert_only_the_check_refuses(snap: &Path, dir: &Path, needle: &str) {
    for (name, args) in reading_commands(snap, dir) {
        let (code, err) = run(&args);
        assert!(!err.contains("panicked"), "{name} panicked: {err}");
        let want = if name == "info --check" { 2 } else { 0 };
        assert_eq!(
            code,
            Some(want),
            "{name}: exit {code:?} (None: hung), {err}"
        );
        if want == 2 {
            assert!(err.contains(needle), "{name}: no `{needle}` in: {err}");
        }
    }
}

/// The section `open` names in its refusal of `path`.
pub(crate) fn refused_section(path: &Path) -> (&'static str, Option<String>, String) {
    match Snapshot::open(path) {
        Err(e @ SnapshotError::BadSection { .. }) => {
            let text = e.to_string();
            let SnapshotError::BadSection {
                section, market, ..
            } = e
            else {
                unreachable!()
            };
            (section, market, text)
        }
        Err(e) => panic!("refused, but not for a section: {e}"),
        Ok(_) => panic!("{} opened", path.display()),
    }
}

#[test]
fn crafted_out_of_range_graph_offsets_are_refused_by_open() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    // Mila's followers end far past the follows (the issue's
    // `reader.rs:273` panic in `explain`).
    let mut c = s.crafted();
    c.put(
        GRAPH_OFFSETS,
        8 * (s.mila as usize + 1),
        &(1u64 << 40).to_le_bytes(),
    );
    let p = c.write(&dir.path().join("offsets.snap"));
    let (section, _, text) = refused_section(&p);
    assert_eq!(section, "GRAPH_OFFSETS", "{text}");
    assert_refused_everywhere(&p, dir.path(), "section GRAPH_OFFSETS");
    // Monotone, but the last offset is past the follows.
    let mut c = s.crafted();
    let last = c.u64(GRAPH_OFFSETS, c.users);
    c.put(GRAPH_OFFSETS, 8 * c.users, &(last + 1).to_le_bytes());
    let p = c.write(&dir.path().join("last.snap"));
    let (_, _, text) = refused_section(&p);
    assert!(text.contains("the last offset is"), "{text}");
}

#[test]
fn crafted_follower_index_beyond_the_users_is_refused_by_open() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    let mut c = s.crafted();
    // Mila's first follower becomes user 528 of 523 (the issue's
    // `explain.rs:87` panic).
    let first = c.u64(GRAPH_OFFSETS, s.mila as usize) as usize;
    c.put(
        GRAPH_SOURCES,
        4 * first,
        &(c.users as u32 + 5).to_le_bytes(),
    );
    let p = c.write(&dir.path().join("sources.snap"));
    let (section, _, text) = refused_section(&p);
    assert_eq!(section, "GRAPH_SOURCES");
    assert!(text.contains("but there are only 523 users"), "{text}");
    assert_refused_everywhere(&p, dir.path(), "section GRAPH_SOURCES");
}

#[test]
fn crafted_out_of_range_affinity_and_teleport_offsets_are_refused_by_open() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    // The issue's `reader.rs:288` (affinity) and `reader.rs:294` (teleport).
    for (kind, name) in [
        (AFFINITY_OFFSETS, "AFFINITY_OFFSETS"),
        (TELEPORT_OFFSETS, "TELEPORT_OFFSETS"),
    ] {
        let mut c = s.crafted();
        c.put(kind, 8 * (s.mila as usize + 1), &u64::MAX.to_le_bytes());
        let p = c.write(&dir.path().join(format!("{name}.snap")));
        assert_eq!(refused_section(&p).0, name);
        assert_refused_everywhere(&p, dir.path(), &format!("section {name}"));
    }
}

#[test]
fn crafted_market_columns_beyond_the_markets_are_refused_by_open() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    for (kind, name) in [(AFFINITY, "AFFINITY"), (TELEPORT, "TELEPORT")] {
        let mut c = s.crafted();
        c.put(kind, 0, &77u32.to_le_bytes());
        let p = c.write(&dir.path().join(format!("{name}.snap")));
        let (section, _, text) = refused_section(&p);
        assert_eq!(section, name);
        assert!(text.contains("but there are only 5 markets"), "{text}");
        assert_refused_everywhere(&p, dir.path(), &format!("section {name}"));
    }
}

/// A section whose length is not a whole number of records: casting it to
/// records would panic, so both `open` and `open_unverified` refuse it.
#[test]
fn crafted_ragged_model_sections_are_refused_by_open_and_open_unverified() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    for (kind, name) in [
        (GRAPH_SOURCES, "GRAPH_SOURCES"),
        (AFFINITY, "AFFINITY"),
        (TELEPORT, "TELEPORT"),
    ] {
        let mut c = s.crafted();
        let len = c.section(kind).len() as u64;
        c.set_len(kind, len - 2);
        let p = c.write(&dir.path().join(format!("ragged-{name}.snap")));
        let (section, _, text) = refused_section(&p);
        assert_eq!(section, name);
        assert!(text.contains("not a whole number of"), "{text}");
        let e = Snapshot::open_unverified(&p).err().expect("refused");
        assert!(matches!(e, SnapshotError::BadSection { .. }), "{e}");
        assert_refused_everywhere(&p, dir.path(), &format!("section {name}"));
    }
}

/// Writes the sample with `value` as the score of `user` in column `m`.
fn with_score(s: &Sample, user: u32, m: usize, value: f32, path: &Path) -> PathBuf {
    let mut c = s.crafted();
    c.put(
        SCORES,
        4 * (user as usize * c.markets + m),
        &value.to_le_bytes(),
    );
    c.write(path)
}

#[test]
fn nan_scores_are_refused_by_open_naming_the_market_and_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    let g = s.market("_global");
    let top = s.snap.order(g)[0];
    let p = with_score(&s, top, g, f32::NAN, &dir.path().join("nan.snap"));
    let (section, market, text) = refused_section(&p);
    assert_eq!((section, market.as_deref()), ("SCORES", Some("_global")));
    assert!(text.contains("has score NaN"), "{text}");
    assert!(text.contains(s.snap.user_id(top)), "{text}");
    assert_refused_everywhere(&p, dir.path(), "section SCORES, market `_global`");
    // Infinite, negative and above-1 scores too, each named by its market.
    for (market, value) in [
        ("fashion", f32::INFINITY),
        ("tech", -0.25),
        ("cooking", 2.0),
    ] {
        let p = with_score(
            &s,
            s.mila,
            s.market(market),
            value,
            &dir.path().join("x.snap"),
        );
        let (section, named, text) = refused_section(&p);
        assert_eq!(
            (section, named.as_deref()),
            ("SCORES", Some(market)),
            "{text}"
        );
    }
}

/// `open_unverified` skips the score check, so the loops over ranks must
/// end on NaN by themselves: the endless `export`, `diff` and
/// `compare` (a tie loop whose `score == s` is never true for NaN).
#[test]
fn nan_scores_do_not_hang_export_diff_compare() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    let (g, f) = (s.market("_global"), s.market("fashion"));
    let mut c = s.crafted();
    for m in [g, f] {
        // The top user and one in the middle of the order.
        for u in [s.snap.order(m)[0], s.snap.order(m)[200]] {
            c.put(
                SCORES,
                4 * (u as usize * c.markets + m),
                &f32::NAN.to_le_bytes(),
            );
        }
    }
    let p = c.write(&dir.path().join("nan.snap"));
    let out = dir.path().join("x.csv");
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        let snap = Snapshot::open_unverified(&p).unwrap();
        let ranks = marketrank::export::market_ranks(&snap, g);
        assert_eq!(ranks.len(), snap.users());
        marketrank::export::export(
            &snap,
            marketrank::export::ExportFormat::Csv,
            &Default::default(),
            &out,
        )
        .unwrap();
        marketrank::diff::diff_market(&snap, &snap, "_global", 100, 10).unwrap();
        marketrank::compare::compare_markets(&snap, g, f, 100, 5);
        for u in 0..snap.users() as u32 {
            let _ = snap.standing(u, g);
        }
        // The deep check, run on a file opened without `open`'s checks,
        // still names the section.
        let e = snap.check_consistency().expect_err("refused");
        assert!(
            matches!(
                e,
                SnapshotError::BadSection {
                    section: "SCORES",
                    ..
                }
            ),
            "{e}"
        );
        tx.send(()).unwrap();
    });
    match rx.recv_timeout(LIMIT) {
        Ok(()) => worker.join().unwrap(),
        Err(_) if worker.is_finished() => worker.join().unwrap(), // re-raises its panic
        Err(_) => panic!("export, diff or compare did not finish within {LIMIT:?} on NaN scores"),
    }
}

/// Values `open` lets through (they make answers wrong, not reads unsafe):
/// the deep check refuses each, naming its section, and every other
/// command still answers without a crash.
#[test]
fn crafted_values_open_accepts_are_refused_by_info_check() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    let mila = s.mila as usize;
    let mut cases: Vec<(&str, Crafted, &str)> = Vec::new();
    let mut c = s.crafted();
    let first = c.u64(GRAPH_OFFSETS, mila) as usize;
    let (a, b) = (c.u32(GRAPH_SOURCES, first), c.u32(GRAPH_SOURCES, first + 1));
    c.put(GRAPH_SOURCES, 4 * first, &b.to_le_bytes());
    c.put(GRAPH_SOURCES, 4 * first + 4, &a.to_le_bytes());
    cases.push(("unsorted", c, "section GRAPH_SOURCES: entries"));
    let mut c = s.crafted();
    c.put(TELEPORT, 8, &1.5f64.to_le_bytes());
    cases.push(("teleport", c, "section TELEPORT: entry 0 is 1.5"));
    let mut c = s.crafted();
    c.put(TELEPORT, 4, &7u32.to_le_bytes());
    cases.push((
        "reserved",
        c,
        "section TELEPORT: entry 0 has 7 in its reserved field",
    ));
    let mut c = s.crafted();
    c.put(AFFINITY, 4, &f32::NAN.to_le_bytes());
    cases.push(("affinity", c, "section AFFINITY: entry 0 is NaN"));
    let mut c = s.crafted();
    let f = s.market("fashion");
    let top = c.u32(ORDER, f * c.users);
    c.put(ORDER, 4 * (f * c.users + 1), &top.to_le_bytes());
    cases.push((
        "order",
        c,
        "market `fashion`: the stored order is not a ranking",
    ));
    for (name, mut c, needle) in cases {
        let p = c.write(&dir.path().join(format!("{name}.snap")));
        let snap = Snapshot::open(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
        let e = snap.check_consistency().expect_err("refused");
        assert!(e.to_string().contains(needle), "{name}: {e}");
        assert_only_the_check_refuses(&p, dir.path(), needle);
    }
}

/// A weighted graph's weights: a negative one passes `open` (no index
/// depends on it) and fails `info --check`.
#[test]
fn crafted_non_positive_follow_weight_is_refused_by_info_check() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let edges = crate::common::write(d, "e.tsv", "a\tb\t2\nb\tc\t0.5\nc\ta\t1\nd\ta\t3\n");
    let topics = crate::common::write(d, "t.tsv", "a\tx\t1\nc\tx\t1\n");
    let snap = d.join("w.snap");
    crate::common::rank_files(&edges, &topics, &snap)
        .assert()
        .success();
    let mut c = Crafted::read(&snap);
    c.put(GRAPH_WEIGHTS, 0, &(-1.0f32).to_le_bytes());
    let p = c.write(&d.join("neg.snap"));
    Snapshot::open(&p).unwrap();
    let (code, err) = run(&["info".into(), "--check".into(), p.clone().into()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("section GRAPH_WEIGHTS: entry 0 is -1"),
        "{err}"
    );
    cmd()
        .args(["explain", "--user", "a", "--market", "x"])
        .arg(&p)
        .timeout(LIMIT)
        .assert()
        .success();
}
