//! Random rewrites of any section of the sample, checksums fixed: whatever
//! passes `open` answers every library query (lookups, ranks, `explain`,
//! `compare`, `diff`, exports) without a panic or a hang. The cases the
//! other tests of `crafted` spell out one by one, found by chance instead;
//! seeded, so a failure names a rewrite that can be replayed.

use super::{Crafted, Sample, LIMIT};
use marketrank::export::{export, market_ranks, ExportFilter, ExportFormat};
use marketrank::Snapshot;
use std::path::Path;

/// xorshift64*: enough to pick positions and values, and reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Rewrites one section of `c` at random; returns what it did.
fn mutate(c: &mut Crafted, rng: &mut Rng) -> String {
    let kinds = [1u32, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14];
    let kind = kinds[rng.below(kinds.len())];
    let r = c.section(kind);
    if r.len() < 8 {
        return format!("section {kind} too short, unchanged");
    }
    let (n, k) = (c.users as u64, c.markets as u64);
    match rng.below(4) {
        0 => {
            let at = rng.below(r.len());
            let v = rng.next() as u8;
            c.bytes[r.start + at] = v;
            format!("section {kind}: byte {at} = {v}")
        }
        1 => {
            let words = [
                0,
                1,
                n as u32 - 1,
                n as u32,
                n as u32 + 1,
                k as u32,
                u32::MAX,
                0x7fc0_0000, // NaN
                0x7f80_0000, // +inf
                0x8000_0000, // -0.0
                0x3f80_0001, // just above 1.0
            ];
            let at = 4 * rng.below(r.len() / 4);
            let v: u32 = words[rng.below(words.len())];
            c.put(kind, at, &v.to_le_bytes());
            format!("section {kind}: u32 at {at} = {v:#x}")
        }
        2 => {
            let words = [0, 1, n, n + 1, 1 << 40, u64::MAX, 0x7ff8_0000_0000_0000];
            let at = 8 * rng.below(r.len() / 8);
            let v = words[rng.below(words.len())];
            c.put(kind, at, &v.to_le_bytes());
            format!("section {kind}: u64 at {at} = {v:#x}")
        }
        _ => {
            let (a, b) = (4 * rng.below(r.len() / 4), 4 * rng.below(r.len() / 4));
            let (x, y) = (c.u32(kind, a / 4), c.u32(kind, b / 4));
            c.put(kind, a, &y.to_le_bytes());
            c.put(kind, b, &x.to_le_bytes());
            format!("section {kind}: swapped u32 at {a} and {b}")
        }
    }
}

/// Every query a reading command makes.
fn exercise(snap: &Snapshot, out: &Path) {
    let _ = snap.check_consistency();
    let (n, k) = (snap.users() as u32, snap.markets().len());
    let _ = snap.metadata();
    for m in 0..k {
        let top: Vec<(u32, f64)> = snap.top(m, 5).collect();
        for (u, _) in top {
            let id = snap.user_id(u).to_string();
            let _ = snap.user_index(&id);
            let _ = (snap.standing(u, m), snap.rank(u, m), snap.followers(u));
        }
        let _ = market_ranks(snap, m);
        if snap.has_model() && n > 0 {
            for u in [0, n / 2, n - 1] {
                let _ = (snap.affinity_of(u), snap.teleport_of(u));
                let _ = marketrank::explain::explain(snap, u, m);
            }
        }
    }
    if k >= 2 {
        let _ = marketrank::compare::compare_markets(snap, 0, k - 1, 20, 3);
    }
    if let Some(name) = snap.markets().first() {
        let _ = marketrank::diff::diff_market(snap, snap, name, 20, 5);
    }
    let wide = ExportFilter {
        wide: true,
        ..Default::default()
    };
    let _ = export(snap, ExportFormat::Csv, &Default::default(), out);
    let _ = export(snap, ExportFormat::JsonLines, &wide, out);
}

#[test]
fn random_section_rewrites_never_panic_or_hang_a_reader_after_open() {
    const ROUNDS: u64 = 300;
    let dir = tempfile::tempdir().unwrap();
    let s = Sample::new(dir.path());
    let base = s.crafted();
    let d = dir.path().to_path_buf();
    let worker = std::thread::spawn(move || {
        let mut failures = Vec::new();
        let mut opened = 0;
        for seed in 1..=ROUNDS {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut c = base.clone();
            let what: Vec<String> = (0..1 + rng.below(2))
                .map(|_| mutate(&mut c, &mut rng))
                .collect();
            let p = c.write(&d.join("m.snap"));
            let Ok(snap) = Snapshot::open(&p) else {
                continue;
            };
            opened += 1;
            let out = d.join("m.csv");
            let r =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| exercise(&snap, &out)));
            if r.is_err() {
                failures.push(format!("seed {seed}: {}", what.join("; ")));
            }
        }
        (failures, opened)
    });
    let t = std::time::Instant::now();
    while !worker.is_finished() {
        assert!(
            t.elapsed() < LIMIT * 6,
            "the rewrites did not finish within {:?}: a reader hangs",
            LIMIT * 6
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (failures, opened) = worker.join().unwrap();
    assert!(
        failures.is_empty(),
        "readers panicked after open:\n{}",
        failures.join("\n")
    );
    // Some rewrites must reach the readers, or the test proves nothing.
    assert!(
        opened > ROUNDS / 10,
        "only {opened} of {ROUNDS} rewrites opened"
    );
}
